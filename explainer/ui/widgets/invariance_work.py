"""The invariance lab's background work: plain functions of their inputs (no Qt, no widgets, no state).

Each runs in a worker thread. Models are only read: the layer activations
come from :func:`explainer.models.stages`, which traces a private twin, and
the sweeps, the occlusion map and the nudge only run the network forward
(the nudge takes a gradient with respect to the input, never the weights).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import torch

from ...core.transforms import TransformSettings
from ...models import ModelLoadError, all_cores, load_model, stages, weights_path
from ...models.invariance import digit_input, heldout_digits, heldout_photos, photo_input, sweep, sweep_values
from ...core.levels import percentile

#: What the lab says while the network without pooling has no bundled weights.
NO_NOPOOL = "the network without pooling is not bundled yet"


@dataclass(frozen=True, eq=False)
class LabRequest:
    """What one live reading answers, fixed when it was asked for (it comes back as ``context``).

    Attributes
    ----------
    image : ndarray or None
        The untransformed input: (28, 28) digit or (32, 32, 3) photo, values in [0, 1]; or,
        with ``prepare``, what ``prepare`` turns into one (a drawing, a photo of any size).
    settings : TransformSettings
    recipe : bool
        Digits only: the MNIST recipe after the transforms.
    label : int or None
        The true class, if known.
    levels : dict of str to float
        Colour scale per layer of the model that reads it.
    prepare : callable or None
        Turns ``image`` into the untransformed input (None: it is one already); it may return
        None for "nothing to read" (an empty drawing).
    source : object
        What the input was made from (compared by identity, to reuse a prepared input).
    """

    image: np.ndarray | None
    settings: TransformSettings
    recipe: bool
    label: int | None
    levels: dict = field(default_factory=dict)
    prepare: object = None
    source: object = None


@dataclass(frozen=True, eq=False)
class LabReading:
    """One transformed input and what the network makes of it.

    Attributes
    ----------
    base : ndarray (H, W) or (H, W, 3)
        The untransformed input (what ``prepare`` made, if anything).
    before : ndarray (H, W) or (H, W, 3)
        The input after the transforms (for digits: before the recipe).
    after : ndarray (H, W) or (H, W, 3)
        What the network reads, as a picture.
    x : ndarray (C, H, W) float32
        What the network reads, as the network takes it.
    stages : list of Stage
        Every layer's output (empty without a model).
    probabilities : ndarray (10,) or None
    prediction : int or None
    """

    base: np.ndarray
    before: np.ndarray
    after: np.ndarray
    x: np.ndarray
    stages: list
    probabilities: np.ndarray | None
    prediction: int | None


def network_input(image: np.ndarray) -> np.ndarray:
    """A picture (H, W) or (H, W, 3) as the network's (C, H, W) float32 input."""
    image = np.asarray(image, dtype=np.float32)
    return image[None] if image.ndim == 2 else np.ascontiguousarray(image.transpose(2, 0, 1))


def read_transformed(model, request: LabRequest) -> LabReading | None:
    """Transform the request's input, prepare it as the network wants it, and run ``model`` (None: no run).

    None when there is nothing to read (``prepare`` found no digit in an empty drawing).
    """
    base = request.image if request.prepare is None else request.prepare(request.image)
    if base is None:
        return None
    base = np.asarray(base, dtype=np.float32)
    if base.ndim == 2:
        before, after = digit_input(base, request.settings, request.recipe)
    else:
        before = after = photo_input(base, request.settings)
    x = network_input(after)
    if model is None:
        return LabReading(base, before, after, x, [], None, None)
    layer_stages, logits = stages(model, torch.from_numpy(x)[None])
    probabilities = torch.softmax(logits[0], 0).numpy().astype(np.float64)
    return LabReading(base, before, after, x, layer_stages, probabilities, int(probabilities.argmax()))


def layer_levels(model, images: np.ndarray, count: int = 20) -> dict[str, float]:
    """Colour scale per layer: the 99.5th percentile of ``model``'s activations on the first ``count`` images.

    Fixed per model, so colours keep their meaning while the sliders move.
    """
    levels: dict[str, float] = {}
    for image in images[:count]:
        for stage in stages(model, torch.from_numpy(network_input(image))[None])[0]:
            high = percentile(stage.values, 99.5) or float(stage.values.max())
            levels[stage.key] = max(levels.get(stage.key, 0.0), high)
    return levels


def load_sweep_data(kind: str, names: tuple[str, ...], live: str | None = None) -> dict:
    """The held-out images and labels of ``kind`` and the bundled networks ``names`` the sweep compares.

    Returns ``{"images", "labels", "models": {name: module}, "missing": {name: reason}, "levels"}``:
    a network that cannot be loaded is left out with the reason, so the others still run, and
    ``levels`` is :func:`layer_levels` of network ``live`` (empty without one).
    """
    images, labels = heldout_digits() if kind == "digit" else heldout_photos()
    models, missing = {}, {}
    for name in names:
        try:
            models[name] = load_model(name)
        except ModelLoadError as exc:
            # "not bundled" only when its file is absent; a damaged file says what is wrong with it
            absent = name == "mnist_nopool" and not weights_path(name).is_file()
            missing[name] = NO_NOPOOL if absent else str(exc)
    levels = layer_levels(models[live], images) if live in models and len(images) else {}
    return {"images": images, "labels": labels, "models": models, "missing": missing, "levels": levels}


@dataclass(frozen=True)
class SweepJob:
    """One curve to compute: its key, the network and whether the recipe is on."""

    key: str
    model: object
    recipe: bool


def run_sweeps(jobs: list[SweepJob], images: np.ndarray, labels: np.ndarray, transform: str, kind: str,
               stop: threading.Event, points: int = 17):
    """Every curve of ``jobs`` in turn, yielding ``(key, SweepPoint)`` as each point is computed.

    Stops between forward passes once ``stop`` is set.
    """
    values = sweep_values(transform, points)
    with all_cores():  # the user waits on the curves, and the live view is idle meanwhile
        for job in jobs:
            for point in sweep(job.model, images, labels, transform, values, recipe=job.recipe, kind=kind,
                               cancelled=stop.is_set):
                yield job.key, point
            if stop.is_set():
                return
