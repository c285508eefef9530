"""The pooling lesson's whole state, without Qt.

What a teacher sets (the input, the window, the stride, the clicked output
cell, the kernel of the stride comparison, the tab) is one evented dataclass;
the view draws from it and the setters keep it consistent. The feature map of
the current image or drawing is derived (computed in a worker from the shared
picture) and kept in a transient field, so sessions never save it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from psygnal import evented

from ....core import KERNELS, POOL_MODES, output_size, output_size_unchecked
from ....core.limits import MAX_TYPED_VALUE
from ...evented import StateModel, array_field, check_choice, check_range, transient

#: A small feature map with visible numbers (a ReLU output: no negatives).
EXAMPLE = np.array([
    [1, 3, 2, 0, 1, 4, 0, 2],
    [5, 6, 1, 2, 0, 1, 3, 1],
    [0, 2, 7, 1, 2, 8, 1, 0],
    [1, 0, 3, 4, 6, 2, 0, 1],
    [2, 1, 0, 5, 1, 0, 2, 3],
    [0, 4, 1, 2, 3, 9, 1, 0],
    [3, 1, 0, 1, 2, 1, 4, 2],
    [1, 2, 6, 0, 1, 0, 2, 5],
], dtype=np.float64)

#: The picture sources are shrunk to this side before the edge kernel runs.
PICTURE_SIDE = 26
#: The kernel that turns a picture into a feature map (vertical edges).
PICTURE_KERNEL = "Sobel x (vertical edges)"
#: Side of a picture's feature map (a valid convolution of the shrunk picture).
PICTURE_MAP_SIDE = output_size(PICTURE_SIDE, KERNELS[PICTURE_KERNEL].shape[0])

#: Where the input map comes from.
SOURCES = ("example", "image", "drawing")
#: Window size and stride the lesson offers.
SIZE_RANGE = (1, 5)
STRIDE_RANGE = (1, 5)
#: Largest side of an example map (the numbers must stay readable).
MAX_EXAMPLE_SIDE = 32
#: Largest magnitude of a value typed into the example (the one limit of every typed cell).
MAX_VALUE = MAX_TYPED_VALUE
#: The tabs: the three kinds of pooling, and stride versus pooling.
TAB_COUNT = 2

Selection = tuple[str, int, int]


@evented
@dataclass
class PoolingState(StateModel):
    """Input, window and selection of the pooling lesson.

    Fields (each with a signal ``events.<field>``)
    -----------------------------------------------
    source : {"example", "image", "drawing"}
        The editable example map, or the vertical-edge feature map of the current image or drawing.
    x : ndarray, shape (H, W), float64
        The example map (editable in the lesson); used when ``source == "example"``.
    size, stride : int
        Side of the pooling window and step between windows, 1 to 5.
    selection : (mode, row, col) or None
        The clicked output cell: its mode ("max", "avg", "l2") and position.
    stride_kernel : str
        The kernel (a name in :data:`explainer.core.KERNELS`) of the stride-versus-pooling tab.
    tab : int
        0 = max, average and L2 pooling; 1 = stride versus pooling.
    feature_map : ndarray (H, W) or None
        Transient: the feature map of the image or drawing, once computed.
    """

    state_name = "the pooling lesson's state"

    source: str = "example"
    x: np.ndarray = array_field(EXAMPLE.copy)
    size: int = 2
    stride: int = 2
    selection: Selection | None = ("max", 0, 0)
    stride_kernel: str = "lecture: X kernel"
    tab: int = 0
    feature_map: np.ndarray | None = transient(None)

    # -- what the state implies ------------------------------------------------
    def map_shape(self) -> tuple[int, int]:
        """Shape of the input map the source gives (a picture's map has a fixed side)."""
        if self.source == "example":
            return int(self.x.shape[0]), int(self.x.shape[1])
        return PICTURE_MAP_SIDE, PICTURE_MAP_SIDE

    def input_map(self) -> np.ndarray:
        """The map being pooled: the example, or the picture's feature map once it is computed.

        While a picture's map is not there (no image open yet, or still computing)
        the example stands in, so the lesson always shows numbers.
        """
        if self.source != "example" and self.feature_map is not None:
            return self.feature_map
        return self.x

    def output_shape(self, shape: tuple[int, int] | None = None) -> tuple[int, int]:
        """Output height and width (0 or less when the window does not fit)."""
        h, w = self.map_shape() if shape is None else shape
        return (output_size_unchecked(h, self.size, self.stride), output_size_unchecked(w, self.size, self.stride))

    def selection_fits(self, shape: tuple[int, int] | None = None) -> bool:
        """True when the selected cell exists in an output of the given (default: implied) input shape."""
        if self.selection is None:
            return False
        out_h, out_w = self.output_shape(shape)
        _mode, row, col = self.selection
        return 0 <= row < out_h and 0 <= col < out_w

    # -- setters with logic ----------------------------------------------------
    def set_window(self, size: int | None = None, stride: int | None = None) -> None:
        """Change window size and/or stride; a selection that no longer exists moves to max (0, 0)."""
        if size is not None:
            check_range("window size", size, *SIZE_RANGE)
            self.size = int(size)
        if stride is not None:
            check_range("stride", stride, *STRIDE_RANGE)
            self.stride = int(stride)
        self._fit_selection()

    def set_source(self, source: str) -> None:
        check_choice("the input", source, SOURCES)
        self.source = source
        self._fit_selection()

    def set_example(self, x) -> None:
        """Use ``x`` (2-D) as the example map."""
        x = np.array(x, dtype=np.float64)
        _check_example(x)
        self.x = x
        self._fit_selection()

    def set_example_value(self, row: int, col: int, value: float) -> None:
        """Type ``value`` into cell (row, col) of the example map."""
        if not np.isfinite(value) or abs(value) > MAX_VALUE:
            raise ValueError(f"a value of the example must be a number between −{MAX_VALUE:g} and {MAX_VALUE:g}, "
                             f"got {value}")
        x = self.x.copy()
        x[row, col] = value
        self.x = x

    def reset_example(self) -> None:
        """Put the lesson's 8×8 example back."""
        self.set_example(EXAMPLE)

    def select(self, mode: str, row: int, col: int) -> None:
        """Select output cell (row, col) of the ``mode`` pooling."""
        check_choice("pooling mode", mode, POOL_MODES)
        out_h, out_w = self.output_shape()
        if not (0 <= row < out_h and 0 <= col < out_w):
            raise ValueError(f"output cell ({row}, {col}) does not exist: the output is {max(out_h, 0)}×{max(out_w, 0)}")
        self.selection = (mode, int(row), int(col))

    def _fit_selection(self) -> None:
        out_h, out_w = self.output_shape()
        if out_h < 1 or out_w < 1:
            self.selection = None
        elif not self.selection_fits():
            self.selection = ("max", 0, 0)

    # -- checks ----------------------------------------------------------------
    def validate(self) -> None:
        try:
            self._check()
        except ValueError as exc:
            raise ValueError(f"{self.state_name}: {exc}") from exc

    def _check(self) -> None:
        check_choice("the input", self.source, SOURCES)
        _check_example(self.x)
        check_range("window size", self.size, *SIZE_RANGE)
        check_range("stride", self.stride, *STRIDE_RANGE)
        check_choice("the stride tab's kernel", self.stride_kernel, tuple(KERNELS))
        check_range("tab", self.tab, 0, TAB_COUNT - 1)
        if self.selection is not None:
            mode, row, col = self.selection
            check_choice("the selected cell's pooling mode", mode, POOL_MODES)
            out_h, out_w = self.output_shape()
            if not (0 <= row < out_h and 0 <= col < out_w):
                h, w = self.map_shape()
                where = "the window does not fit" if min(out_h, out_w) < 1 else f"the output is {out_h}×{out_w}"
                raise ValueError(f"the selected output cell ({row}, {col}) does not exist (input {h}×{w}, "
                                 f"window {self.size}, stride {self.stride}: {where})")


def _check_example(x: np.ndarray) -> None:
    if x.ndim != 2:
        raise ValueError(f"the example map must be 2-D (rows × columns), got shape {x.shape}")
    if not (1 <= x.shape[0] <= MAX_EXAMPLE_SIDE and 1 <= x.shape[1] <= MAX_EXAMPLE_SIDE):
        raise ValueError(f"the example map must be between 1×1 and {MAX_EXAMPLE_SIDE}×{MAX_EXAMPLE_SIDE}, "
                         f"got {x.shape[0]}×{x.shape[1]}")
    if not np.all(np.isfinite(x)) or np.abs(x).max() > MAX_VALUE:
        raise ValueError(f"the example map must hold numbers between −{MAX_VALUE:g} and {MAX_VALUE:g}")


State = PoolingState
