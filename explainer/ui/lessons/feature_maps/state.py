"""The feature-maps lesson's whole state (no Qt): input source, kernels, pooling, display, probe.

The work image and the feature maps are not state: they are computed from
the shared image (or drawing) and these fields, in a worker, whenever either
changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from psygnal import evented

from ....core import KERNELS, kernel
from ....core.limits import check_typed_values, typed_value_problem
from ...evented import StateModel, check_choice, check_range

#: Where the input comes from: the shared current image, or the digit drawn in the draw lesson.
SOURCES = ("image", "drawing")
#: Max-pooling windows offered for the maps.
POOL_SIZES = (2, 3, 4)
MAX_KERNELS = 4
#: Largest kernel side a session may hold (the presets go up to 5×5).
MAX_KERNEL_SIDE = 9
#: Name of a kernel whose values were edited by hand.
CUSTOM = "custom"
#: Range of the value the paint mode writes into kernel cells.
PAINT_RANGE = (-9.0, 9.0)
#: Longest side of the work image for the current image and for the drawing, in pixels.
WORK_SIDE = 160
DRAWING_SIDE = 96
DEFAULT_KERNELS = ("Sobel x (vertical edges)", "Sobel y (horizontal edges)", "Laplacian (outlines)")


def same_kernels(a, b) -> bool:
    """True if two sequences of kernels hold the same shapes and values (psygnal's change test)."""
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


def _default_kernels() -> tuple[np.ndarray, ...]:
    return tuple(kernel(name) for name in DEFAULT_KERNELS)


@evented(equality_operators={"kernels": same_kernels})
@dataclass
class FeatureMapsState(StateModel):
    """Everything a teacher can set in the feature-maps lesson.

    Fields
    ------
    source : str
        ``"image"`` (the shared current image) or ``"drawing"`` (the draw lesson's digit).
    names : tuple of str
        Each kernel's preset name, or ``"custom"`` once edited by hand.
    kernels : tuple of ndarray, each (k, k) float64
        One to four kernels; each gives one feature map.
    pool : int
        Max-pooling window applied to each map (2, 3 or 4).
    shared_scale : bool
        One colour scale for all maps instead of one per map.
    paint, paint_value : bool, float
        Clicks on kernel cells set them to ``paint_value`` instead of opening an editor.
    probe : (int, int, int) or None
        (kernel, row, col) of the feature-map cell whose window is drawn on the input.
    """

    state_name = "the feature-maps lesson's state"

    source: str = "image"
    names: tuple[str, ...] = DEFAULT_KERNELS
    kernels: tuple[np.ndarray, ...] = field(default_factory=_default_kernels)
    pool: int = 2
    shared_scale: bool = False
    paint: bool = False
    paint_value: float = 1.0
    probe: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        self.names = tuple(self.names)
        self.kernels = tuple(np.array(k, dtype=np.float64) for k in self.kernels)

    def validate(self) -> None:
        check_choice("the input source", self.source, SOURCES)
        check_range("the number of kernels", len(self.kernels), 1, MAX_KERNELS)
        if len(self.names) != len(self.kernels):
            raise ValueError(f"there are {len(self.kernels)} kernels but {len(self.names)} kernel names")
        for i, (name, values) in enumerate(zip(self.names, self.kernels), start=1):
            check_choice(f"kernel {i}'s name", name, (*KERNELS, CUSTOM))
            if values.ndim != 2 or values.shape[0] != values.shape[1]:
                raise ValueError(f"kernel {i} must be a square grid of weights, got shape {values.shape}")
            check_range(f"kernel {i}'s side", values.shape[0], 1, MAX_KERNEL_SIDE)
            check_typed_values(f"kernel {i}", values)  # finite and within ±999: the maps stay finite
        check_choice("the pooling size", self.pool, POOL_SIZES)
        if not math.isfinite(self.paint_value):
            raise ValueError(f"the paint value must be a number, got {self.paint_value}")
        check_range("the paint value", self.paint_value, *PAINT_RANGE)
        if self.probe is not None:
            index, row, col = self.probe
            check_range("the probed kernel", index, 0, len(self.kernels) - 1)
            check_range("the probed row", row, 0, WORK_SIDE - 1)
            check_range("the probed column", col, 0, WORK_SIDE - 1)

    # -- setters with logic ------------------------------------------------------
    def _set_kernels(self, names, kernels) -> None:
        if self.probe is not None and self.probe[0] >= len(kernels):
            self.probe = None
        # Names first: a view that draws on ``kernels`` then sees both new.
        self.names = tuple(names)
        self.kernels = tuple(kernels)

    def choose_preset(self, index: int, name: str) -> None:
        """Kernel ``index`` takes the preset ``name`` (a key of :data:`explainer.core.KERNELS`)."""
        values = kernel(name)  # ValueError lists the names
        names, kernels = list(self.names), list(self.kernels)
        names[index], kernels[index] = name, values
        self._set_kernels(names, kernels)

    def set_weight(self, index: int, row: int, col: int, value: float) -> None:
        """One weight of kernel ``index`` changes; the kernel becomes "custom". ``ValueError`` outside ±999."""
        problem = typed_value_problem(value)
        if problem:
            raise ValueError(problem)
        value = float(value)
        values = self.kernels[index].copy()
        values[row, col] = value
        names, kernels = list(self.names), list(self.kernels)
        if not np.array_equal(values, kernels[index]):
            names[index], kernels[index] = CUSTOM, values
        self._set_kernels(names, kernels)

    def add_kernel(self) -> None:
        """Append the first preset not in use yet (nothing past :data:`MAX_KERNELS`)."""
        if len(self.kernels) >= MAX_KERNELS:
            return
        name = next((n for n in KERNELS if n not in self.names), "identity")
        self._set_kernels((*self.names, name), (*self.kernels, kernel(name)))

    def remove_kernel(self) -> None:
        """Drop the last kernel (one always stays)."""
        if len(self.kernels) > 1:
            self._set_kernels(self.names[:-1], self.kernels[:-1])


State = FeatureMapsState
