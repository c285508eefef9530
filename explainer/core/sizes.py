"""Output-size arithmetic for convolution, pooling and transposed convolution.

The formula every CNN course writes on the board::

    out = floor((n + 2p - d(k - 1) - 1) / s) + 1

and its mirror image for the transposed ("de-") convolution::

    out = s(n - 1) - 2p + k + output_padding
"""

from __future__ import annotations

from ._checks import check_int


def _check_size_args(n, k, stride, padding, dilation) -> tuple[int, int, int, int, int]:
    return (
        check_int("input size n", n, 1),
        check_int("kernel size k", k, 1),
        check_int("stride", stride, 1),
        check_int("padding", padding, 0),
        check_int("dilation", dilation, 1),
    )


def output_size_unchecked(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """The formula's value even when it is 0 or negative (the kernel does not fit).

    Useful to show *why* a setting is impossible. Use :func:`output_size` for a
    size you will allocate.
    """
    n, k, stride, padding, dilation = _check_size_args(n, k, stride, padding, dilation)
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def output_size(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Side of a convolution or pooling output.

    Parameters
    ----------
    n : int
        Side of the input (height or width), at least 1.
    k : int
        Side of the kernel, at least 1.
    stride : int
        Step between two windows, at least 1.
    padding : int
        Zeros added on each border, 0 or more.
    dilation : int
        Spacing between kernel taps, at least 1 (1 = an ordinary kernel).

    Returns
    -------
    int
        ``floor((n + 2p - d(k-1) - 1) / s) + 1``, always at least 1.

    Raises
    ------
    ValueError
        If an argument is out of range or the (dilated) kernel is larger than
        the padded input, so that no window fits.

    Examples
    --------
    The lecture's first hidden layer: a 28x28 image and 5x5 local receptive
    fields give 24x24 hidden neurons.

    >>> output_size(28, 5)
    24
    """
    out = output_size_unchecked(n, k, stride, padding, dilation)
    if out < 1:
        span = dilation * (k - 1) + 1
        what = f"kernel {k}x{k}" if dilation == 1 else f"kernel {k}x{k} with dilation {dilation} (spans {span}x{span})"
        raise ValueError(
            f"{what} does not fit a {n}x{n} input with padding {padding} "
            f"(padded input {n + 2 * padding}x{n + 2 * padding}): output would be {out}x{out}"
        )
    return out


def transposed_output_size(n: int, k: int, stride: int = 1, padding: int = 0, output_padding: int = 0) -> int:
    """Side of a transposed-convolution output.

    Parameters
    ----------
    n : int
        Side of the input, at least 1.
    k : int
        Side of the kernel, at least 1.
    stride : int
        Spacing of the stamped kernel copies in the output, at least 1.
    padding : int
        Rows/columns cropped from each border of the full output, 0 or more.
    output_padding : int
        Extra rows/columns added at the bottom/right, less than ``stride``.

    Returns
    -------
    int
        ``s(n - 1) - 2p + k + output_padding``.

    Raises
    ------
    ValueError
        If an argument is out of range or the padding crops everything away.

    Examples
    --------
    FCN-32s upsampling a 3x3 score map by 32 with a 64x64 kernel:

    >>> transposed_output_size(3, 64, stride=32, padding=16)
    96
    """
    n = check_int("input size n", n, 1)
    k = check_int("kernel size k", k, 1)
    stride = check_int("stride", stride, 1)
    padding = check_int("padding", padding, 0)
    output_padding = check_int("output_padding", output_padding, 0)
    if output_padding >= stride:
        raise ValueError(f"output_padding must be smaller than the stride ({stride}), got {output_padding}")
    out = stride * (n - 1) - 2 * padding + k + output_padding
    if out < 1:
        raise ValueError(
            f"padding {padding} crops the whole {stride * (n - 1) + k}x{stride * (n - 1) + k} "
            f"transposed-convolution output away: output would be {out}x{out}"
        )
    return out


def describe_output_size(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The output-size formula written out with the given numbers.

    Never raises for out-of-range sizes that are still whole numbers: an
    impossible setting is shown with its non-positive result so a student
    can see why it fails.

    >>> describe_output_size(5, 3, stride=1, padding=1)
    '⌊(5 + 2·1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 5'
    """
    out = output_size_unchecked(n, k, stride, padding, dilation)
    result = f"−{-out}" if out < 0 else str(out)
    return f"⌊({n} + 2·{padding} − {dilation}·({k} − 1) − 1) / {stride}⌋ + 1 = {result}"


def receptive_field(layers, row: int, col: int, input_shape: tuple[int, int] | None = None) -> tuple[int, int, int, int]:
    """The input region that one neuron sees, through a chain of layers.

    Every convolution or pooling layer with kernel k, stride s, padding p and
    dilation d makes output index i depend on input indices
    ``i·s − p`` to ``i·s − p + d(k − 1)``. Walking back from the neuron to the
    input through all layers gives its local receptive field.

    Parameters
    ----------
    layers : sequence of tuples
        ``(k, s, p)`` or ``(k, s, p, d)`` for each layer, from the input onwards.
    row, col : int
        The neuron's position in the last layer's output.
    input_shape : (int, int), optional
        If given, the region is clipped to the input (padding is not input).

    Returns
    -------
    tuple of int
        ``(top, bottom, left, right)`` in input pixels, bottom and right exclusive.

    Examples
    --------
    A neuron of the lecture's first hidden layer (5×5 receptive fields) sees a
    5×5 patch; after 2×2 pooling and another 5×5 convolution it sees 14×14,
    and after a second 2×2 pooling 16×16.

    >>> receptive_field([(5, 1, 0)], 0, 0)
    (0, 5, 0, 5)
    >>> receptive_field([(5, 1, 0), (2, 2, 0), (5, 1, 0)], 0, 0)
    (0, 14, 0, 14)
    >>> receptive_field([(5, 1, 0), (2, 2, 0), (5, 1, 0), (2, 2, 0)], 3, 3, (28, 28))
    (12, 28, 12, 28)
    """
    top = bottom = check_int("row", row, 0)
    left = right = check_int("col", col, 0)
    for layer in reversed(list(layers)):
        if len(layer) not in (3, 4):
            raise ValueError(f"each layer must be (k, s, p) or (k, s, p, d), got {layer!r}")
        k, s, p, d = (*layer, 1) if len(layer) == 3 else layer
        k, s, p, d = check_int("kernel size k", k, 1), check_int("stride", s, 1), check_int("padding", p, 0), check_int("dilation", d, 1)
        top, bottom = top * s - p, bottom * s - p + d * (k - 1)
        left, right = left * s - p, right * s - p + d * (k - 1)
    bottom, right = bottom + 1, right + 1  # make exclusive
    if input_shape is not None:
        height, width = input_shape
        top, left = max(top, 0), max(left, 0)
        bottom, right = min(bottom, height), min(right, width)
    return top, bottom, left, right
