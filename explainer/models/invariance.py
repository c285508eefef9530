"""The invariance lab's measurements: what a network still reads when its input moves, turns or is spoiled.

* :func:`digit_input` / :func:`photo_input`: one transformed input, as the
  network gets it (a digit optionally through the MNIST recipe, which centres
  by mass and so undoes a shift).
* :func:`sweep`: accuracy on held-out images across one transform's range, one
  :class:`SweepPoint` at a time, so a worker can report each as it arrives and
  stop between points; :func:`sweep_note` says in one sentence what the points show.
* :func:`occlusion_map`: how much the true class's probability drops when a
  patch hides each part of the input (Zeiler and Fergus), in batches, and
  :func:`fgsm`, one step of the fast gradient sign method (Goodfellow et al.):
  both live in :mod:`explainer.models.probes` and are re-exported here.

The transforms themselves are numpy code in :mod:`explainer.core.transforms`.
The networks are used as they are given (eval mode, as ``load_model`` returns
them); nothing here changes them. Digit inputs are ``(1, 28, 28)`` in [0, 1];
photos are ``(3, 32, 32)`` RGB in [0, 1] (the CIFAR-10 network normalises its
input itself, exactly as in the photo lesson).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from torch import nn

from ..core.preprocess import mnist_preprocess
from ..core.recipe import mnist_digits
from ..core.transforms import IDENTITY, RANGES, TransformSettings, apply, apply_batch
from ..io import heldout_digits, heldout_photos
from .probes import FGSM_NOTE, OCCLUSION_FILL, FgsmResult, OcclusionMap, OcclusionStep, fgsm, occlusion_map, predict

#: The transforms a sweep can run over (the keys of :data:`~explainer.core.transforms.RANGES`).
TRANSFORMS = tuple(RANGES)
#: Those that make sense for photos (stroke thickness is for digits).
PHOTO_TRANSFORMS = tuple(name for name in TRANSFORMS if name != "thickness")
KINDS = ("digit", "photo")

__all__ = ["FGSM_NOTE", "FgsmResult", "KINDS", "OCCLUSION_FILL", "OcclusionMap", "OcclusionStep", "PHOTO_TRANSFORMS",
           "SweepPoint", "TRANSFORMS", "digit_input", "fgsm", "heldout_digits", "heldout_photos", "occlusion_map",
           "photo_input", "predict", "sweep", "sweep_note", "sweep_values"]


def _digit_image(image) -> np.ndarray:
    image = np.asarray(image, dtype=np.float64)
    if image.shape != (28, 28):
        raise ValueError(f"a digit must be a 28×28 image, got shape {image.shape}")
    return image


def _recipe(transformed: np.ndarray) -> np.ndarray:
    steps = mnist_preprocess(transformed)
    return np.zeros((28, 28), np.float32) if steps is None else steps.digit.astype(np.float32)


def digit_input(image28, settings: TransformSettings, recipe: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Transform a 28×28 digit and prepare it for the network.

    Parameters
    ----------
    image28 : ndarray (28, 28)
        White digit on black in [0, 1], already MNIST-like (a held-out digit or a preprocessed drawing).
    settings : TransformSettings
    recipe : bool
        Put the transformed digit through the MNIST recipe (crop, scale to 20 px, centre by mass).
    seed : int
        For the noise.

    Returns
    -------
    transformed : ndarray (28, 28) float32
        The digit after the transforms, before the recipe.
    network_input : ndarray (28, 28) float32
        What the network reads: the recipe's output, or ``transformed`` itself (a copy) without
        the recipe. All zeros when the transforms leave nothing to read (everything shifted away).
    """
    transformed = apply(_digit_image(image28), settings, seed)
    return transformed, (_recipe(transformed) if recipe else transformed.copy())


def photo_input(image32, settings: TransformSettings, seed: int = 0) -> np.ndarray:
    """Transform a 32×32 RGB photo (values in [0, 1]); returns ``(32, 32, 3)`` float32, what the network reads."""
    image = np.asarray(image32, dtype=np.float64)
    if image.shape != (32, 32, 3):
        raise ValueError(f"a photo must be a 32×32 RGB image (32, 32, 3), got shape {image.shape}")
    if isinstance(settings, TransformSettings) and settings.thickness:
        raise ValueError("stroke thickness applies to digits only; leave it at 0 for photos")
    return apply(image, settings, seed)


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: the accuracy at ``value``, the ``index``-th of ``count`` values."""

    value: float
    accuracy: float
    index: int
    count: int


def _check_transform(transform: str, kind: str = "digit") -> None:
    if kind not in KINDS:
        raise ValueError(f"the kind of input must be 'digit' or 'photo', got {kind!r}")
    allowed = TRANSFORMS if kind == "digit" else PHOTO_TRANSFORMS
    if transform not in allowed:
        raise ValueError(f"unknown transform {transform!r} for {kind}s; choose one of {', '.join(allowed)}")


def sweep_values(transform: str, points: int = 17) -> np.ndarray:
    """``points`` values evenly spaced over the transform's slider range (ends included).

    Stroke thickness takes whole pixels only: its six values −2…3, whatever ``points`` is.
    """
    _check_transform(transform)
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or not 2 <= points <= 101:
        raise ValueError(f"a sweep needs a whole number of points from 2 to 101, got {points!r}")
    low, high = RANGES[transform]
    if transform == "thickness":
        return np.arange(int(low), int(high) + 1, dtype=np.float64)
    return np.linspace(low, high, int(points))


def _settings(transform: str, value: float) -> TransformSettings:
    value = float(value)
    settings = TransformSettings(**{transform: int(value) if transform == "thickness" and value.is_integer()
                                    else value})
    settings.check()
    return settings


def _inputs(images: np.ndarray, settings: TransformSettings, recipe: bool, kind: str) -> np.ndarray:
    """The network inputs (N, C, H, W) float32 for one setting of a sweep."""
    transformed = apply_batch(images, settings)
    if kind == "photo":
        return transformed.transpose(0, 3, 1, 2)
    if recipe:  # the recipe of digit_input, for the whole stack at once (equal to within float rounding)
        transformed = mnist_digits(transformed).astype(np.float32)
    return transformed[:, None]


def sweep(model: nn.Module, images, labels, transform: str, values, *, recipe: bool = True, kind: str = "digit",
          batch_size: int = 300, cancelled: Callable[[], bool] = lambda: False) -> Iterator[SweepPoint]:
    """Accuracy of ``model`` on ``images`` for each value of one transform, yielded point by point.

    Parameters
    ----------
    model : nn.Module
        A digit network (input ``(N, 1, 28, 28)``) or the photo network (``(N, 3, 32, 32)``), in eval mode.
    images : ndarray
        ``(N, 28, 28)`` digits or ``(N, 32, 32, 3)`` photos, values in [0, 1].
    labels : ndarray (N,)
    transform : str
        One of :data:`TRANSFORMS` (:data:`PHOTO_TRANSFORMS` for photos); the others stay at identity.
    values : sequence of float
        The transform's values, e.g. :func:`sweep_values`.
    recipe : bool
        Digits only: put every transformed digit through the MNIST recipe. Ignored for photos.
    kind : {"digit", "photo"}
    batch_size : int
        Images per forward pass.
    cancelled : callable
        Asked before every forward pass; when it returns True the sweep stops (no partial point).

    Yields
    ------
    SweepPoint
        One per value, in the order of ``values``. The noise is drawn from seed 0, so a sweep
        gives the same curve every time.
    """
    _check_transform(transform, kind)
    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels).astype(np.int64, copy=False)
    shape = (28, 28) if kind == "digit" else (32, 32, 3)
    if images.ndim != len(shape) + 1 or images.shape[1:] != shape:
        raise ValueError(f"{kind}s must be a stack of shape (N, {', '.join(map(str, shape))}), got {images.shape}")
    if len(images) == 0 or labels.shape != (len(images),):
        raise ValueError(f"a sweep needs at least one {kind} and one label per {kind} "
                         f"(got {len(images)} {kind}s and {labels.size} labels)")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"the batch size must be a whole number of at least 1, got {batch_size!r}")
    values = [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]
    settings = [_settings(transform, value) for value in values]  # every value is checked before any work
    for index, (value, setting) in enumerate(zip(values, settings)):
        if cancelled():
            return
        probabilities = predict(model, _inputs(images, setting, recipe, kind), batch_size, cancelled)
        if probabilities is None:
            return
        accuracy = float(np.mean(probabilities.argmax(1) == labels))
        yield SweepPoint(value, accuracy, index, len(values))


def _percent(fraction: float, floor: bool = False) -> str:
    value = 100 * fraction
    return f"{math.floor(value + 1e-9) if floor else round(value):d} %"


def _where(transform: str, value: float) -> str:
    """The value as words: "a shift of 6 px to the right", "a turn of 30° clockwise", "a scale of 0.75"."""
    size = f"{abs(value):.3g}"
    if transform == "shift_x":
        return f"a shift of {size} px to the {'right' if value > 0 else 'left'}"
    if transform == "shift_y":
        return f"a shift of {size} px {'down' if value > 0 else 'up'}"
    if transform == "rotation":
        return f"a turn of {size}° {'counter-clockwise' if value > 0 else 'clockwise'}"
    if transform == "thickness":
        return f"strokes {'thickened' if value > 0 else 'thinned'} by {size} px"
    if transform == "noise":
        return f"noise of standard deviation {size}"
    return f"a {'scale' if transform == 'scale' else 'contrast'} of {value:.3g}"


def sweep_note(points: list[SweepPoint], transform: str, label: str) -> str:
    """One plain sentence saying what a sweep's points show, derived from the points alone.

    ``label`` names the curve, e.g. "the network without pooling, without centring"; it is
    added in brackets. The 50 % and 90 % marks are the ones the sentence speaks of.
    """
    _check_transform(transform)
    tail = f" ({label})" if label else ""
    if not points:
        return f"No point of the sweep has been computed yet{tail}."
    count = max(point.count for point in points)
    scope = ("across the whole range" if len(points) >= count
             else f"over the {len(points)} of {count} points computed so far")
    identity = IDENTITY[transform]
    lowest = min(points, key=lambda p: (p.accuracy, abs(p.value - identity)))
    base = next((p for p in points if p.value == identity), None)
    if base is not None and base.accuracy < 0.5:  # nothing "falls": it is low to begin with
        low, high = _percent(lowest.accuracy), _percent(max(p.accuracy for p in points))
        spread = f"stays at {low}" if low == high else f"is between {low} and {high}"
        return f"Accuracy is below 50 % even with no change ({_percent(base.accuracy)}), and {spread} {scope}{tail}."
    if lowest.accuracy >= 0.9 or lowest is base:  # no change is the worst (or ties with it): nothing falls
        return f"Accuracy stays at {_percent(lowest.accuracy, floor=True)} or more {scope}{tail}."
    failing = []
    for side in (1, -1):
        beyond = sorted((p for p in points if (p.value - identity) * side > 0 and p.accuracy < 0.5),
                        key=lambda p: abs(p.value - identity))
        if beyond:
            failing.append(beyond[0])
    if failing:
        places = " and at ".join(_where(transform, p.value) for p in sorted(failing, key=lambda p: p.value))
        return f"Accuracy falls below 50 % at {places}{tail}."
    start = (f"from {_percent(base.accuracy)} " if base is not None
             else f"from at most {_percent(max(p.accuracy for p in points))} ")
    return (f"Accuracy falls {start}to {_percent(lowest.accuracy)} at {_where(transform, lowest.value)}, "
            f"and stays above 50 % {scope}{tail}.")
