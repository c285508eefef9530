"""The classifier head: softmax turns logits into probabilities.

    softmax(z)ᵢ = e^(zᵢ/T) / Σⱼ e^(zⱼ/T)

T is the temperature: T = 1 is the ordinary softmax, a small T sharpens the
distribution towards the largest logit, a large T flattens it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array


def softmax(z, temperature: float = 1.0) -> np.ndarray:
    """Probabilities from logits.

    Parameters
    ----------
    z : ndarray, shape (n,)
        Logits (the output layer's values before softmax).
    temperature : float
        Greater than 0.

    Returns
    -------
    ndarray, shape (n,), float64
        Non-negative, summing to 1.

    Notes
    -----
    Subtracting the largest logit first does not change the result (it
    cancels between numerator and denominator) but keeps ``exp`` from
    overflowing.

    >>> softmax([1.0, 1.0]).tolist()
    [0.5, 0.5]
    """
    z = as_float_array("logits z", z, 1, "(n,)")
    try:
        temperature = float(temperature)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"temperature must be a number, got {temperature!r}") from exc
    if not temperature > 0 or not np.isfinite(temperature):
        raise ValueError(f"temperature must be greater than 0, got {temperature}")
    scaled = z / temperature
    e = np.exp(scaled - scaled.max())
    return e / e.sum()


@dataclass(frozen=True)
class SoftmaxParts:
    """Every number of ``softmax(z / T)`` as the formula writes it.

    Attributes
    ----------
    scaled : ndarray, shape (n,)
        ``z / T``.
    shift : float
        The largest scaled logit, subtracted before ``exp`` (it cancels).
    exps : ndarray, shape (n,)
        ``exp(z / T − shift)``, the numerators.
    total : float
        Their sum, the denominator.
    probabilities : ndarray, shape (n,)
        ``exps / total``.
    """

    scaled: np.ndarray
    shift: float
    exps: np.ndarray
    total: float
    probabilities: np.ndarray


def softmax_parts(z, temperature: float = 1.0) -> SoftmaxParts:
    """:func:`softmax` with its intermediate numbers, for writing the formula out.

    >>> parts = softmax_parts([0.0, 2.0], temperature=2.0)
    >>> parts.shift, parts.probabilities.round(4).tolist()
    (1.0, [0.2689, 0.7311])
    """
    probabilities = softmax(z, temperature)
    scaled = np.asarray(z, dtype=np.float64) / float(temperature)
    shift = float(scaled.max())
    exps = np.exp(scaled - shift)
    return SoftmaxParts(scaled, shift, exps, float(exps.sum()), probabilities)
