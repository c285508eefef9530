"""What the transposed-convolution stepper shows, as a Qt-free evented state.

:class:`~explainer.ui.widgets.transposed_stepper.TransposedStepper` draws this
state and calls its setters; a lesson keeps one inside its own state so that
a session or a tour can put the stepper on any stamp. The numbers come from
:func:`explainer.core.transposed_stamps`, never from a loop of our own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from psygnal import evented

from ...core import transposed_output_size, transposed_stamp, transposed_stamps
from ..evented import StateModel, array_field, check_range

#: Limits of the settings (the spin boxes offer the same).
KERNEL_SIZES = (1, 5)
STRIDES = (1, 3)
PADDINGS = (0, 2)
#: Largest input side the stepper accepts (its grids are sized for a few cells).
MAX_INPUT_SIDE = 6
#: Largest absolute value a cell may hold, so the numbers stay readable.
MAX_VALUE = 1e6


def _default_input() -> np.ndarray:
    return np.array([[1.0, 2.0, 1.0], [0.0, 3.0, 1.0], [2.0, 1.0, 0.0]])


def _default_kernel() -> np.ndarray:
    return np.ones((3, 3))


@evented
@dataclass
class TransposedStepperState(StateModel):
    """A one-channel transposed convolution, stamped cell by cell.

    Fields
    ------
    input : ndarray (n, n) float64
        The input cells; each stamps ``input[r, c] · kernel`` into the output.
    kernel : ndarray (k, k) float64
    stride, padding : int
        Stamps land ``stride`` cells apart; ``padding`` rows and columns are cropped from each border.
    step : int
        How many stamps are placed, 0 .. n·n (row-major order).
    """

    state_name = "the transposed-convolution stepper"

    input: np.ndarray = array_field(_default_input)
    kernel: np.ndarray = array_field(_default_kernel)
    stride: int = 2
    padding: int = 0
    step: int = 0

    # -- setters with logic ---------------------------------------------------
    def set_kernel_size(self, k: int) -> None:
        """A new k×k kernel of ones (the old one is kept when it already has that size)."""
        k = int(k)
        check_range("the kernel size", k, *KERNEL_SIZES)
        if self.kernel.shape != (k, k):
            self.kernel = np.ones((k, k))

    def set_step(self, step: int) -> None:
        """Place the first ``step`` stamps (clamped to 0 .. n·n)."""
        self.step = int(np.clip(int(step), 0, self.input.size))

    def edit_input(self, row: int, col: int, value: float) -> None:
        self.input = self._edited(self.input, row, col, value, "an input cell")

    def edit_kernel(self, row: int, col: int, value: float) -> None:
        self.kernel = self._edited(self.kernel, row, col, value, "a kernel cell")

    @staticmethod
    def _edited(array: np.ndarray, row: int, col: int, value: float, what: str) -> np.ndarray:
        value = float(value)
        if not np.isfinite(value) or abs(value) > MAX_VALUE:
            raise ValueError(f"{what} must be a number between {-MAX_VALUE:g} and {MAX_VALUE:g}, got {value}")
        out = array.astype(np.float64)  # a new array, so the state sees a change and emits
        out[row, col] = value
        return out

    # -- what the widget shows ------------------------------------------------
    def output_side(self) -> int:
        """Side of the output (``ValueError`` naming the problem for an impossible setting)."""
        return transposed_output_size(self.input.shape[0], self.kernel.shape[0], self.stride, self.padding)

    def stamps(self) -> tuple[np.ndarray, np.ndarray]:
        """The output after :attr:`step` stamps and how many stamps cover each output cell (from core)."""
        return transposed_stamps(self.input, self.kernel, self.step, self.stride, self.padding)

    def last_stamp(self) -> tuple[int, int, list[tuple[int, int]]] | None:
        """The input cell of the newest stamp and the output cells it reaches (cropped), or None before the first."""
        if not 0 < self.step <= self.input.size:
            return None
        row, col = divmod(self.step - 1, self.input.shape[1])
        stamp, top, left = transposed_stamp(self.input, self.kernel, row, col, self.stride)
        side = self.output_side()
        cells = [(top + i - self.padding, left + j - self.padding)
                 for i in range(stamp.shape[0]) for j in range(stamp.shape[1])
                 if 0 <= top + i - self.padding < side and 0 <= left + j - self.padding < side]
        return row, col, cells

    # -- sessions -------------------------------------------------------------
    def validate(self) -> None:
        for name, array, largest in (("input", self.input, MAX_INPUT_SIDE), ("kernel", self.kernel, KERNEL_SIZES[1])):
            if array.ndim != 2 or array.shape[0] != array.shape[1] or not 1 <= array.shape[0] <= largest:
                raise ValueError(f"{self.state_name}'s {name} must be a square of side 1 to {largest}, "
                                 f"got shape {array.shape}")
            if not np.all(np.isfinite(array)) or np.abs(array).max() > MAX_VALUE:
                raise ValueError(f"{self.state_name}'s {name} must hold numbers between {-MAX_VALUE:g} and "
                                 f"{MAX_VALUE:g}")
        check_range(f"{self.state_name}'s stride", self.stride, *STRIDES)
        check_range(f"{self.state_name}'s padding", self.padding, *PADDINGS)
        check_range(f"{self.state_name}'s step", self.step, 0, self.input.size)
