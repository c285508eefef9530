"""Pooling: summarise each window of a feature map with one number.

The lecture's three kinds:

* **max**: the largest activation in the window;
* **average**: the mean of the window;
* **L2**: the square root of the sum of squares in the window.

Each channel (feature map) is pooled separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_int
from .formatting import format_number
from .sizes import output_size

POOL_MODES = ("max", "avg", "l2")


def _reduce(windows: np.ndarray, mode: str, axes) -> np.ndarray:
    if mode == "max":
        return windows.max(axis=axes)
    if mode == "avg":
        return windows.mean(axis=axes)
    return np.sqrt((windows**2).sum(axis=axes))


def _check_pool_args(x, size, stride, mode):
    x = as_float_array("input x", x, 3, "(C, H, W)")
    size = check_int("pool size", size, 1)
    stride = size if stride is None else check_int("stride", stride, 1)
    if mode not in POOL_MODES:
        raise ValueError(f"pooling mode must be one of {', '.join(POOL_MODES)}; got {mode!r}")
    out_h = output_size(x.shape[1], size, stride)
    out_w = output_size(x.shape[2], size, stride)
    return x, size, stride, out_h, out_w


def pool2d(x, size: int, stride: int | None = None, mode: str = "max") -> np.ndarray:
    """Pool every channel of ``x`` with a ``size`` x ``size`` window.

    Parameters
    ----------
    x : ndarray, shape (C, H, W)
        Feature maps.
    size : int
        Side of the pooling window, at least 1.
    stride : int, optional
        Step between windows; defaults to ``size`` (windows that touch but do
        not overlap). Smaller than ``size`` overlaps windows, larger leaves gaps.
    mode : {"max", "avg", "l2"}
        Max, average or L2 (root of the sum of squares) pooling.

    Returns
    -------
    ndarray, shape (C, H', W'), float64
        ``H' = floor((H - size) / stride) + 1``; cells past the last whole
        window are dropped, as in torch's ``max_pool2d``, ``avg_pool2d`` and
        ``lp_pool2d(norm_type=2)``.

    Raises
    ------
    ValueError
        On a wrong number of dimensions, an unknown mode, or a window larger
        than the input.
    """
    x, size, stride, out_h, out_w = _check_pool_args(x, size, stride, mode)
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))
    windows = windows[:, : stride * (out_h - 1) + 1 : stride, : stride * (out_w - 1) + 1 : stride]
    return _reduce(windows, mode, axes=(-2, -1))


@dataclass(frozen=True)
class PoolStep:
    """One output cell of a pooling layer, with the window it summarises.

    Attributes
    ----------
    row, col : int
        The output cell.
    top, left : int
        Top-left corner of the window in the input.
    window : ndarray, shape (size, size)
    value : float
    mode : str
    """

    row: int
    col: int
    top: int
    left: int
    window: np.ndarray
    value: float
    mode: str

    def formula(self, digits: int = 2) -> str:
        """The arithmetic of this cell, e.g. ``max(1, 3, 2, 0) = 3``."""
        values = [format_number(v, digits) for v in self.window.ravel()]
        result = format_number(self.value, digits)
        if self.mode == "max":
            return f"max({', '.join(values)}) = {result}"
        if self.mode == "avg":
            return f"mean({', '.join(values)}) = {result}"
        return f"√({' + '.join(f'({v})²' if v.startswith('−') else f'{v}²' for v in values)}) = {result}"


def pool_step(x, size: int, row: int, col: int, stride: int | None = None, mode: str = "max", channel: int = 0) -> PoolStep:
    """Compute one output cell of :func:`pool2d`, keeping its window.

    Parameters
    ----------
    x : ndarray, shape (C, H, W)
    size, stride, mode
        As in :func:`pool2d`.
    row, col : int
        The output cell.
    channel : int
        Which feature map.
    """
    x, size, stride, out_h, out_w = _check_pool_args(x, size, stride, mode)
    channel = check_int("channel", channel, 0)
    row = check_int("row", row, 0)
    col = check_int("col", col, 0)
    if channel >= x.shape[0]:
        raise ValueError(f"channel {channel} does not exist: the input has {x.shape[0]} channel(s)")
    if row >= out_h or col >= out_w:
        raise ValueError(f"output cell ({row}, {col}) is outside the {out_h}x{out_w} output")
    top, left = row * stride, col * stride
    window = x[channel, top : top + size, left : left + size].copy()
    value = float(_reduce(window, mode, axes=None))
    return PoolStep(row, col, top, left, window, value, mode)
