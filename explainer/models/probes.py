"""Probing one input: which parts the network needs (occlusion), and how little it takes to fool it (FGSM).

* :func:`occlusion_map` slides a patch over the input and measures how much
  the true class's probability drops at each position (Zeiler and Fergus,
  "Visualizing and understanding convolutional networks"), in batches, yielding
  progress so a worker can report it and stop between batches.
* :func:`fgsm` takes one step of the fast gradient sign method (Goodfellow et
  al., "Explaining and harnessing adversarial examples").

Inputs are what the network reads: ``(1, 28, 28)`` digits or ``(3, 32, 32)``
photos, values in [0, 1]. The networks are used as they are given (eval mode);
nothing here changes their weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Iterator, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

#: The occluding patch's value for each kind of input. A digit's background is black, so a black patch
#: hides strokes and nothing else; a grey one over the background adds a grey blob that a digit network
#: reads as ink (for some held-out digits it takes the true class from 100 % to almost 0). Photos get
#: mid-grey, the usual choice (Zeiler and Fergus).
OCCLUSION_FILL = {"digit": 0.0, "photo": 0.5}
#: Why a tiny change can flip the answer (shown with the adversarial nudge).
FGSM_NOTE = ("Each pixel moves by at most ε, but every one moves in the direction that raises the loss, "
             "so through the network's thousands of weights these tiny changes add up to a large change "
             "in the output.")


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray, batch_size: int = 300,
            cancelled: Callable[[], bool] = lambda: False) -> np.ndarray | None:
    """Softmax probabilities ``(N, 10)`` of ``model`` for inputs ``x`` (N, C, H, W); None if cancelled."""
    out = []
    for start in range(0, len(x), batch_size):
        if cancelled():
            return None
        chunk = np.ascontiguousarray(x[start : start + batch_size], dtype=np.float32)
        if not chunk.flags.writeable:  # torch shares only writable memory (the held-out digits are read-only)
            chunk = chunk.copy()
        out.append(torch.softmax(model(torch.from_numpy(chunk)), dim=1).numpy())
    return np.concatenate(out).astype(np.float64)


def _check_input(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[0] not in (1, 3):
        raise ValueError(f"the input must be (C, H, W) with 1 or 3 channels, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("the input contains NaN or infinite values")
    return x


def _check_label(label) -> int:
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label <= 9:
        raise ValueError(f"the true class must be a whole number from 0 to 9, got {label!r}")
    return int(label)


def _positions(side: int, patch: int, stride: int) -> np.ndarray:
    """Top (or left) edges of the patch: every ``stride`` pixels, plus the last one so the far edge is covered."""
    starts = list(range(0, side - patch + 1, stride))
    if starts[-1] != side - patch:
        starts.append(side - patch)
    return np.array(starts)


@dataclass
class OcclusionMap:
    """How much the true class's probability drops with the patch at each position.

    Attributes
    ----------
    drops : ndarray (len(rows), len(cols))
        ``base_probability − probability with the patch there``; positive = the patch hurt.
        NaN where not computed yet.
    rows, cols : ndarray of int
        Top and left edges of the patch positions, in input pixels.
    patch : int
        Side of the square patch.
    base_probability : float
        The true class's probability without any patch.
    size : (H, W)
        The input's size.
    """

    drops: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    patch: int
    base_probability: float
    size: tuple[int, int]

    def pixel_map(self) -> np.ndarray:
        """``(H, W)``: each pixel's mean drop over the computed patch positions that cover it (0 if none)."""
        total, count = np.zeros(self.size), np.zeros(self.size)
        for i, top in enumerate(self.rows):
            for j, left in enumerate(self.cols):
                if not np.isnan(self.drops[i, j]):
                    total[top : top + self.patch, left : left + self.patch] += self.drops[i, j]
                    count[top : top + self.patch, left : left + self.patch] += 1
        return np.divide(total, count, out=np.zeros(self.size), where=count > 0)


class OcclusionStep(NamedTuple):
    """Progress of :func:`occlusion_map`: positions ``done`` of ``total``, and the map so far."""

    done: int
    total: int
    map: OcclusionMap


def occlusion_map(model: nn.Module, x, label: int, patch: int, stride: int, fill: float = 0.5,
                  batch_size: int = 256, cancelled: Callable[[], bool] = lambda: False) -> Iterator[OcclusionStep]:
    """Slide a ``patch``×``patch`` square of ``fill`` over ``x`` and measure the true class's probability drop.

    A generator: after every batch of positions it yields an :class:`OcclusionStep`
    ``(done, total, map)`` whose map (a fresh copy each time) holds the drops computed so far
    (NaN elsewhere); the last step is the finished map. It stops, without yielding, once ``cancelled()`` is True.

    Parameters
    ----------
    x : ndarray (C, H, W)
        The network's input, values in [0, 1] (a digit after the recipe, or a photo).
    label : int
        The true class.
    patch, stride : int
        Side of the patch and the step between positions (pixels); the last row and column of
        positions always touch the far edges.
    fill : float
        The patch's value; see :data:`OCCLUSION_FILL` (black for digits, grey for photos).
    """
    x = _check_input(x)
    label = _check_label(label)
    _, h, w = x.shape
    for name, value, high in (("patch", patch, min(h, w)), ("stride", stride, max(h, w))):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= high:
            raise ValueError(f"the {name} must be a whole number of pixels from 1 to {high}, got {value!r}")
    if not (isinstance(fill, (int, float)) and 0 <= fill <= 1):
        raise ValueError(f"the patch's grey level must be a number from 0 to 1, got {fill!r}")
    rows, cols = _positions(h, patch, stride), _positions(w, patch, stride)
    grid = [(i, j) for i in range(len(rows)) for j in range(len(cols))]
    base = predict(model, x[None])[0, label]
    result = OcclusionMap(np.full((len(rows), len(cols)), np.nan), rows, cols, int(patch), float(base), (h, w))
    for start in range(0, len(grid), batch_size):
        if cancelled():
            return
        chunk = grid[start : start + batch_size]
        batch = np.repeat(x[None], len(chunk), axis=0)
        for k, (i, j) in enumerate(chunk):
            batch[k, :, rows[i] : rows[i] + patch, cols[j] : cols[j] + patch] = fill
        probabilities = predict(model, batch, batch_size)[:, label]
        for (i, j), p in zip(chunk, probabilities):
            result.drops[i, j] = base - p
        # A copy each time: the receiver (another thread) may hold it while the next batch is computed.
        yield OcclusionStep(start + len(chunk), len(grid), replace(result, drops=result.drops.copy()))


@dataclass(frozen=True)
class FgsmResult:
    """One step of the fast gradient sign method.

    Attributes
    ----------
    adversarial : ndarray (C, H, W) float32
        ``clip(x + ε · sign(∇x loss), 0, 1)``.
    perturbation : ndarray (C, H, W) float32
        ``adversarial − x`` (at most ε in size; smaller where clipping stopped it).
    probabilities_before, probabilities_after : ndarray (10,)
    prediction_before, prediction_after : int
    """

    adversarial: np.ndarray
    perturbation: np.ndarray
    probabilities_before: np.ndarray
    probabilities_after: np.ndarray
    prediction_before: int
    prediction_after: int


def fgsm(model: nn.Module, x, label: int, epsilon: float) -> FgsmResult:
    """Nudge every value of ``x`` by ``epsilon`` in the direction that raises the loss for ``label``.

    The gradient is taken with respect to the input only (the network's weights get no
    gradient and are not changed). ``epsilon`` 0…1; 0 leaves the input exactly as it is.
    """
    x = _check_input(x)
    label = _check_label(label)
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating)) \
            or not math.isfinite(epsilon) or not 0 <= epsilon <= 1:
        raise ValueError(f"ε must be a number from 0 to 1, got {epsilon!r}")
    tensor = torch.from_numpy(x.copy())[None].requires_grad_(True)
    with torch.enable_grad():
        logits = model(tensor)
        loss = F.cross_entropy(logits, torch.tensor([label]))
        (gradient,) = torch.autograd.grad(loss, tensor)
    before = torch.softmax(logits.detach()[0], 0).numpy().astype(np.float64)
    adversarial = np.clip(x + np.float32(epsilon) * np.sign(gradient[0].numpy()), 0, 1).astype(np.float32)
    after = predict(model, adversarial[None])[0]
    return FgsmResult(adversarial, adversarial - x, before, after, int(before.argmax()), int(after.argmax()))
