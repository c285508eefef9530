"""Which inputs a window reads, and which outputs read an input.

The lessons outline windows on input grids (a kernel's window, a pooling
window, the neighbours of a window) and, the other way round, every output
cell that sees a hovered input pixel. Both directions are computed here, once,
from the same geometry the convolution and pooling functions use.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int
from .sizes import output_size_unchecked


def window_cells(row: int, col: int, k: int, stride: int = 1, dilation: int = 1) -> list[tuple[int, int]]:
    """The input cells read by output cell (row, col), in (padded) input coordinates.

    Parameters
    ----------
    row, col : int
        The output cell.
    k : int
        Window (kernel) side.
    stride, dilation : int

    Returns
    -------
    list of (int, int)
        ``k * k`` cells, row-major: ``(row·s + d·i, col·s + d·j)``.

    >>> window_cells(1, 0, 2, stride=2)
    [(2, 0), (2, 1), (3, 0), (3, 1)]
    """
    k = check_int("window size k", k, 1)
    stride = check_int("stride", stride, 1)
    dilation = check_int("dilation", dilation, 1)
    # The loop a student can follow: tap (i, j) of the window sits d·i rows and d·j columns from its corner.
    cells = []
    for i in range(k):
        for j in range(k):
            cells.append((row * stride + dilation * i, col * stride + dilation * j))
    return cells


def outputs_reading(row: int, col: int, out_shape: tuple[int, int], k: int, stride: int = 1,
                    dilation: int = 1) -> list[tuple[int, int]]:
    """Every output cell whose window contains input cell (row, col) (padded input coordinates).

    Parameters
    ----------
    row, col : int
        The input cell.
    out_shape : (int, int)
        Height and width of the output.
    k, stride, dilation : int

    Returns
    -------
    list of (int, int)
        Output cells, row-major.

    >>> outputs_reading(2, 2, (3, 3), 3)
    [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]
    """
    k = check_int("window size k", k, 1)
    stride = check_int("stride", stride, 1)
    dilation = check_int("dilation", dilation, 1)
    found = []
    for r_out in range(out_shape[0]):
        dr = row - r_out * stride
        if not (0 <= dr <= dilation * (k - 1) and dr % dilation == 0):
            continue
        for c_out in range(out_shape[1]):
            dc = col - c_out * stride
            if 0 <= dc <= dilation * (k - 1) and dc % dilation == 0:
                found.append((r_out, c_out))
    return found


def window_coverage(shape: tuple[int, int], k: int, stride: int = 1, dilation: int = 1) -> np.ndarray:
    """How many windows read each input cell (no padding).

    Zero marks an input value no window ever looks at: the gaps of a stride
    larger than the window, or the last rows and columns that do not fill a
    window and are dropped.

    Parameters
    ----------
    shape : (int, int)
        Input height and width.
    k, stride, dilation : int

    Returns
    -------
    ndarray, shape (H, W), int64

    >>> window_coverage((4, 4), 2, stride=2).tolist()
    [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]
    >>> int((window_coverage((5, 5), 2, stride=3) == 0).sum())
    9
    """
    h, w = (check_int("input height", shape[0], 1), check_int("input width", shape[1], 1))
    k = check_int("window size k", k, 1)
    stride = check_int("stride", stride, 1)
    dilation = check_int("dilation", dilation, 1)
    out_h = max(0, output_size_unchecked(h, k, stride, 0, dilation))
    out_w = max(0, output_size_unchecked(w, k, stride, 0, dilation))
    counts = np.zeros((h, w), np.int64)
    span = dilation * (k - 1) + 1
    for r in range(out_h):
        for c in range(out_w):
            counts[r * stride : r * stride + span : dilation, c * stride : c * stride + span : dilation] += 1
    return counts
