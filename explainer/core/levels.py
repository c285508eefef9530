"""The top of a colour scale: a high percentile of a layer's values, computed quickly.

A lesson colours each layer from 0 up to its 99.5th percentile, so that one hot
pixel does not turn the rest of the layer dark. ``np.percentile`` spends about
0.1 ms per call in Python bookkeeping, which adds up to over a millisecond per
photo for a dozen layers; :func:`percentile` selects the lower neighbour with one
``np.partition``, takes the smallest value above it as the upper one, and interpolates
them exactly as NumPy's default ("linear") method does, so the colours are unchanged.

Layers after a ReLU are mostly zeros, and selection among many equal values is slow
(half a millisecond for 24,576 values of which 71 % are zero, against 50 µs for the
rest). So the values are split first into those ≤ 0 and the others: in sorted order
the first group comes before the second, and the selection runs in the group that
holds the wanted rank.
"""

from __future__ import annotations

import math

import numpy as np


def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0–100) of every value in ``values``, equal to ``float(np.percentile(values, q))``
    for a Python ``q`` (a NumPy float32 ``q`` would make NumPy interpolate in float32).

    Raises ``ValueError`` for an empty input, a ``q`` outside [0, 100], or NaN values
    (a colour scale of NaN means nothing).
    """
    flat = np.asarray(values)
    if flat.dtype.kind not in "fiu":
        raise ValueError(f"percentile needs numbers, got {flat.dtype}")
    flat = flat.ravel()
    n = flat.size
    if n == 0:
        raise ValueError("percentile of no values")
    if not 0.0 <= float(q) <= 100.0 or math.isnan(float(q)):
        raise ValueError(f"q must be between 0 and 100, got {q}")
    virtual = (n - 1) * np.true_divide(float(q), 100)
    if virtual >= n - 1:
        below = above = n - 1
    else:
        below = int(math.floor(virtual))
        above = below + 1
    # Sorted, the values ≤ 0 come first and the rest (NaN, which sorts last, included) after them.
    low = flat <= 0
    n_low = int(np.count_nonzero(low))
    high = flat[~low]
    if flat.dtype.kind == "f" and below < n_low and high.size and np.isnan(high.max()):
        raise ValueError("percentile of values that include NaN")  # NaN sorts last, out of the group below
    if below >= n_low:
        group, rank = high, below - n_low
    else:
        group, rank = flat[low], below
    # One selection, then the smallest value above it: several times faster than selecting both neighbours.
    picked = np.partition(group, rank)
    a = picked[rank]
    if above == below:
        b = a
    elif rank + 1 < group.size:
        b = picked[rank + 1 :].min()
    else:  # the upper neighbour is the smallest of the values above 0
        b = high.min()
    if flat.dtype.kind == "f" and (np.isnan(a) or np.isnan(b)):  # NaN sorts last: it shows in a or b
        raise ValueError("percentile of values that include NaN")
    # NumPy's arithmetic step by step: the weight is a Python float, so float32 values interpolate in float32.
    t = float(virtual - below)
    difference = b - a
    if t >= 0.5:
        return float(b - difference * (1 - t))
    return float(a + difference * t)
