"""Convolution as the lecture shows it: a kernel slides over zero-padded channels.

At each position the kernel is multiplied element-wise with the window of
input under it, each channel's products are summed, the channel sums are
added together and the bias is added::

    308 + (-498) + 164 + 1 = -25

Like every deep-learning library (and ``torch.nn.functional.conv2d``) this is
*cross-correlation*: the kernel is not flipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_int, check_square_kernel
from .sizes import output_size, transposed_output_size


def pad(x: np.ndarray, padding: int) -> np.ndarray:
    """Surround every channel of ``x`` with ``padding`` rows and columns of zeros.

    Parameters
    ----------
    x : ndarray, shape (C, H, W)
    padding : int
        0 or more.

    Returns
    -------
    ndarray, shape (C, H + 2p, W + 2p), float64
    """
    x = as_float_array("x", x, 3, "(C, H, W)")
    padding = check_int("padding", padding, 0)
    return np.pad(x, ((0, 0), (padding, padding), (padding, padding)))


def _check_conv_args(x, w, stride, padding, dilation, kernel_layout="(K, C, k, k)"):
    x = as_float_array("input x", x, 3, "(C, H, W)")
    w = as_float_array("weights w", w, 4 if kernel_layout.startswith("(K") else 3, kernel_layout)
    stride = check_int("stride", stride, 1)
    padding = check_int("padding", padding, 0)
    dilation = check_int("dilation", dilation, 1)
    k = check_square_kernel("the kernel", w)
    if w.shape[-3] != x.shape[0]:
        raise ValueError(
            f"the kernel has {w.shape[-3]} channel(s) but the input has {x.shape[0]}: "
            "a kernel needs one slice per input channel"
        )
    out_h = output_size(x.shape[1], k, stride, padding, dilation)
    out_w = output_size(x.shape[2], k, stride, padding, dilation)
    return x, w, stride, padding, dilation, k, out_h, out_w


def _check_bias(b, n_kernels: int) -> np.ndarray:
    if b is None:
        return np.zeros(n_kernels)
    b = np.asarray(b, dtype=np.float64)
    if b.shape != (n_kernels,):
        raise ValueError(f"bias b must have one value per kernel, shape ({n_kernels},), got shape {b.shape}")
    return b


def _taps(x: np.ndarray, k: int, stride: int, padding: int, dilation: int, out_h: int, out_w: int):
    """For each kernel tap (i, j), in row order: (i, j, the padded input's values that tap sees at every
    output position), a (C, out_h, out_w) strided view."""
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    for i in range(k):
        for j in range(k):
            top, left = i * dilation, j * dilation
            yield i, j, xp[:, top : top + stride * (out_h - 1) + 1 : stride,
                           left : left + stride * (out_w - 1) + 1 : stride]


def conv2d(x, w, b=None, stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
    """Convolve a multi-channel input with a bank of kernels.

    Parameters
    ----------
    x : ndarray, shape (C, H, W)
        The input: C channels (3 for an RGB image) of H x W values.
    w : ndarray, shape (K, C, k, k)
        K kernels, each with one k x k slice per input channel.
    b : ndarray, shape (K,), optional
        One bias per kernel (shared by every output position). Zero if None.
    stride : int
        Step of the kernel, at least 1.
    padding : int
        Zeros added around each border, 0 or more.
    dilation : int
        Spacing between kernel taps, at least 1.

    Returns
    -------
    ndarray, shape (K, H', W'), float64
        One feature map per kernel, with ``H' = output_size(H, k, stride,
        padding, dilation)`` (and the same for W).

    Raises
    ------
    ValueError
        On a wrong number of dimensions, mismatched channels, a kernel that
        does not fit the padded input, or out-of-range stride/padding/dilation.

    Notes
    -----
    Instead of visiting every output cell (see :func:`conv2d_loops`), this
    visits every *kernel tap* (i, j): the input values seen by tap (i, j) at
    all output positions form a strided slice of the padded input, so each
    tap adds ``w[:, :, i, j] @ slice`` to every output cell at once.
    """
    x, w, stride, padding, dilation, k, out_h, out_w = _check_conv_args(x, w, stride, padding, dilation)
    b = _check_bias(b, w.shape[0])
    out = np.zeros((w.shape[0], out_h, out_w))
    for i, j, seen in _taps(x, k, stride, padding, dilation, out_h, out_w):
        out += np.einsum("kc,chw->khw", w[:, :, i, j], seen)
    return out + b[:, None, None]


def conv2d_per_channel(x, kernel, stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
    """Each input channel convolved with its own slice of one kernel: the per-channel responses.

    ``conv2d_per_channel(x, kernel)[c]`` is ``conv2d(x[c:c+1], kernel[None, c:c+1])[0]``: what
    channel ``c`` alone contributes to the kernel's feature map. Their sum over ``c`` (plus the
    bias) is that feature map, the lecture's "each channel's sum, then the channel sums added".

    Parameters
    ----------
    x : ndarray, shape (C, H, W)
    kernel : ndarray, shape (C, k, k)
        One kernel: a k x k slice per input channel.
    stride, padding, dilation : int
        As for :func:`conv2d`.

    Returns
    -------
    ndarray, shape (C, H', W'), float64
        No bias is added.

    Notes
    -----
    All channels are done at once (a depthwise convolution), tap by tap as in :func:`conv2d`:
    the same products added in the same order, so each response equals :func:`conv2d`'s for
    that channel alone.
    """
    x, kernel, stride, padding, dilation, k, out_h, out_w = _check_conv_args(
        x, kernel, stride, padding, dilation, kernel_layout="(C, k, k)")
    out = np.zeros((x.shape[0], out_h, out_w))
    for i, j, seen in _taps(x, k, stride, padding, dilation, out_h, out_w):
        out += kernel[:, i, j][:, None, None] * seen
    return out


def conv2d_loops(x, w, b=None, stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
    """The same result as :func:`conv2d`, written as the lecture explains it.

    For every kernel and every output cell, take the window of the padded
    input under the kernel, multiply element-wise, sum, add the bias. Slow,
    but every line is one step of the lecture. Tested against :func:`conv2d`.
    """
    x, w, stride, padding, dilation, k, out_h, out_w = _check_conv_args(x, w, stride, padding, dilation)
    b = _check_bias(b, w.shape[0])
    out = np.zeros((w.shape[0], out_h, out_w))
    for kernel in range(w.shape[0]):
        for row in range(out_h):
            for col in range(out_w):
                out[kernel, row, col] = conv_step(x, w[kernel], b[kernel], row, col, stride, padding, dilation).value
    return out


@dataclass(frozen=True)
class ConvStep:
    """One output cell of a convolution, with every intermediate number.

    Attributes
    ----------
    row, col : int
        The output cell.
    window : ndarray, shape (C, k, k)
        The padded input under the kernel (taps spaced by the dilation).
    products : ndarray, shape (C, k, k)
        ``window * kernel``, element by element.
    channel_sums : ndarray, shape (C,)
        The sum of each channel's products.
    bias : float
    value : float
        ``channel_sums.sum() + bias``: the output cell.
    rows, cols : ndarray of int, shape (k,)
        Coordinates in the *padded* input of the kernel taps. Subtract the
        padding to get coordinates in the original input (negative or past
        the edge means the tap lies on the zero border).
    """

    row: int
    col: int
    window: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    bias: float
    value: float
    rows: np.ndarray
    cols: np.ndarray


def conv_step(x, w, bias, row: int, col: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> ConvStep:
    """Compute one output cell of one kernel, keeping every intermediate number.

    Parameters
    ----------
    x : ndarray, shape (C, H, W)
        The input.
    w : ndarray, shape (C, k, k)
        One kernel, one k x k slice per input channel.
    bias : float
        The kernel's bias.
    row, col : int
        The output cell, ``0 <= row < H'`` and ``0 <= col < W'``.
    stride, padding, dilation : int
        As in :func:`conv2d`.

    Returns
    -------
    ConvStep
        ``window``, ``products``, ``channel_sums``, ``bias`` and ``value``.

    Examples
    --------
    The lecture's single-channel example, top-left cell:

    >>> img = [[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]]
    >>> x_kernel = [[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]
    >>> float(conv_step(img, x_kernel, 0, 0, 0).value)
    4.0
    """
    x, w, stride, padding, dilation, k, out_h, out_w = _check_conv_args(
        x, w, stride, padding, dilation, kernel_layout="(C, k, k)"
    )
    try:
        bias = float(bias)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bias must be a single number, got {bias!r}") from exc
    row = check_int("row", row, 0)
    col = check_int("col", col, 0)
    if row >= out_h or col >= out_w:
        raise ValueError(f"output cell ({row}, {col}) is outside the {out_h}x{out_w} output")
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    rows = row * stride + dilation * np.arange(k)
    cols = col * stride + dilation * np.arange(k)
    window = xp[:, rows[:, None], cols[None, :]]
    products = window * w
    channel_sums = products.sum(axis=(1, 2))
    value = float(channel_sums.sum() + bias)
    return ConvStep(row, col, window, products, channel_sums, bias, value, rows, cols)


def conv_transpose2d(x, w, b=None, stride: int = 1, padding: int = 0, output_padding: int = 0) -> np.ndarray:
    """Transposed convolution ("deconvolution"): upsample by stamping kernels.

    Every input cell stamps a copy of the kernel, scaled by the cell's value,
    into the output, at a position ``stride`` times its own; overlapping
    stamps add up. Then ``padding`` rows/columns are cropped from each border.
    Matches ``torch.nn.functional.conv_transpose2d``.

    Parameters
    ----------
    x : ndarray, shape (C_in, H, W)
    w : ndarray, shape (C_in, C_out, k, k)
        Note the order: input channels first, as in torch.
    b : ndarray, shape (C_out,), optional
    stride : int
        At least 1.
    padding : int
        0 or more.
    output_padding : int
        Extra rows/columns at the bottom/right, smaller than ``stride``.

    Returns
    -------
    ndarray, shape (C_out, H', W'), float64
        With ``H' = transposed_output_size(H, k, stride, padding, output_padding)``.
    """
    x = as_float_array("input x", x, 3, "(C_in, H, W)")
    w = as_float_array("weights w", w, 4, "(C_in, C_out, k, k)")
    stride = check_int("stride", stride, 1)
    padding = check_int("padding", padding, 0)
    output_padding = check_int("output_padding", output_padding, 0)
    k = check_square_kernel("the kernel", w)
    if w.shape[0] != x.shape[0]:
        raise ValueError(
            f"the weights expect {w.shape[0]} input channel(s) (w is (C_in, C_out, k, k)) but x has {x.shape[0]}"
        )
    b = _check_bias(b, w.shape[1])
    out_h = transposed_output_size(x.shape[1], k, stride, padding, output_padding)
    out_w = transposed_output_size(x.shape[2], k, stride, padding, output_padding)
    height, width = x.shape[1:]
    # The full, uncropped canvas; output_padding adds room at the bottom/right.
    full = np.zeros((w.shape[1], stride * (height - 1) + k + output_padding, stride * (width - 1) + k + output_padding))
    for i in range(k):
        for j in range(k):
            # Tap (i, j) of every stamp lands on a strided grid of the canvas.
            full[:, i : i + stride * (height - 1) + 1 : stride, j : j + stride * (width - 1) + 1 : stride] += np.einsum(
                "co,chw->ohw", w[:, :, i, j], x
            )
    out = full[:, padding : padding + out_h, padding : padding + out_w]
    return out + b[:, None, None]


def transposed_stamp(x, w, row: int, col: int, stride: int = 1) -> tuple[np.ndarray, int, int]:
    """The single stamp that input cell (row, col) adds to the uncropped output.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        One input channel.
    w : ndarray, shape (k, k)
        One kernel slice.
    row, col : int
        The input cell.
    stride : int

    Returns
    -------
    stamp : ndarray, shape (k, k)
        ``x[row, col] * w``.
    top, left : int
        Where the stamp's top-left corner lands in the uncropped output.
    """
    x = as_float_array("input x", x, 2, "(H, W)")
    w = as_float_array("kernel w", w, 2, "(k, k)")
    stride = check_int("stride", stride, 1)
    row = check_int("row", row, 0)
    col = check_int("col", col, 0)
    if row >= x.shape[0] or col >= x.shape[1]:
        raise ValueError(f"input cell ({row}, {col}) is outside the {x.shape[0]}x{x.shape[1]} input")
    return x[row, col] * w, row * stride, col * stride


def transposed_stamps(x, w, steps: int | None = None, stride: int = 1, padding: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A transposed convolution built stamp by stamp, as the lecture draws it.

    Each input cell, in row-major order, adds ``x[r, c] · w`` to the output at
    ``(r·s, c·s)`` of the uncropped canvas; the padding is then cropped from
    every border. With every stamp placed the result equals
    :func:`conv_transpose2d` (one channel, no bias).

    Parameters
    ----------
    x : ndarray, shape (H, W)
        One input channel.
    w : ndarray, shape (k, k)
        One kernel slice.
    steps : int, optional
        How many stamps to place (0 .. H·W); all of them by default.
    stride, padding : int

    Returns
    -------
    partial : ndarray, shape (out_h, out_w), float64
        The output after ``steps`` stamps.
    counts : ndarray, shape (out_h, out_w), int64
        How many of those stamps cover each output cell: the overlaps that make
        the checkerboard pattern when the stride does not divide the kernel.
    """
    x = as_float_array("input x", x, 2, "(H, W)")
    w = as_float_array("kernel w", w, 2, "(k, k)")
    k = check_square_kernel("kernel w", w[None, None])
    stride = check_int("stride", stride, 1)
    padding = check_int("padding", padding, 0)
    h, width = x.shape
    out_h = transposed_output_size(h, k, stride, padding)
    out_w = transposed_output_size(width, k, stride, padding)
    steps = h * width if steps is None else min(check_int("steps", steps, 0), h * width)
    canvas = np.zeros((stride * (h - 1) + k, stride * (width - 1) + k))
    counts = np.zeros(canvas.shape, np.int64)
    for index in range(steps):
        r, c = divmod(index, width)
        canvas[r * stride : r * stride + k, c * stride : c * stride + k] += x[r, c] * w
        counts[r * stride : r * stride + k, c * stride : c * stride + k] += 1
    rows, cols = slice(padding, padding + out_h), slice(padding, padding + out_w)
    return canvas[rows, cols], counts[rows, cols]
