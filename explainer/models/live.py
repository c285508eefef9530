"""Training small digit models inside the app, and transfer learning of a new output layer.

Both are generators that yield :class:`~explainer.models.loop.Progress`
reports, so the app's worker thread can plot them, pause between batches, or
stop by not asking for more. Nothing here imports Qt.
"""

from __future__ import annotations

import copy
import math
import pathlib
import time
import zlib
from dataclasses import asdict, dataclass
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data.readers import load_mnist
from .digits import DigitCNN
from .augment import augment_digits
from .loop import Progress, fit

ASSETS = pathlib.Path(__file__).resolve().parents[2] / "assets" / "samples"


@dataclass
class DigitData:
    """Digits for live training: (N, 1, 28, 28) images and int64 labels.

    The images are uint8 grey levels 0–255 as the files store them (a quarter of the memory of
    floats: the app holds them for as long as the network lesson is open, while each run trains
    in its own process) or floats in [0, 1]; :meth:`floats` gives the float form training reads.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    source: str

    def subset(self, n_train: int) -> "DigitData":
        n = min(n_train, len(self.x_train))
        return DigitData(self.x_train[:n], self.y_train[:n], self.x_val, self.y_val, self.source)

    def floats(self) -> "DigitData":
        """The same digits with float32 images in [0, 1] (itself when they already are floats)."""
        if not (_is_grey_levels(self.x_train) or _is_grey_levels(self.x_val)):
            return self
        return DigitData(_as_floats(self.x_train), self.y_train, _as_floats(self.x_val), self.y_val, self.source)


def _is_grey_levels(x: torch.Tensor) -> bool:
    return x.dtype == torch.uint8


def _as_floats(x: torch.Tensor) -> torch.Tensor:
    return x.float().div_(255.0) if _is_grey_levels(x) else x


def _tensor(images: np.ndarray) -> torch.Tensor:
    """(N, 28, 28) digits, uint8 0–255 or floats in [0, 1] (stored at 1/255 steps), as (N, 1, 28, 28) uint8."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = np.rint(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
    return torch.from_numpy(np.ascontiguousarray(images))[:, None]


def bundled_digits() -> DigitData | None:
    """The 2,000 training + 300 validation digits bundled in ``assets/samples``, or None if absent."""
    train, val = ASSETS / "mnist_train_subset.npz", ASSETS / "mnist_heldout.npz"
    if not (train.is_file() and val.is_file()):
        return None
    with np.load(train) as t, np.load(val) as v:
        return DigitData(_tensor(t["images"]), torch.from_numpy(t["labels"].astype(np.int64)),
                         _tensor(v["images"]), torch.from_numpy(v["labels"].astype(np.int64)),
                         "bundled sample: 2,000 training + 300 validation digits")


#: Fewest digits a folder must hold: one in ten is kept aside to validate, so both parts have some.
MIN_FOLDER_DIGITS = 10


def folder_digits(folder, val_fraction: float = 0.1, seed: int = 0) -> DigitData:
    """MNIST training files (``train-images-idx3-ubyte.gz``…) from a folder the user picked.

    Raises
    ------
    ValueError
        If the folder does not hold readable MNIST training files: missing, damaged,
        not 28×28, labels outside 0–9, or fewer than :data:`MIN_FOLDER_DIGITS` digits.
    """
    folder = pathlib.Path(folder)
    try:
        images, labels = load_mnist("train", folder)
    except FileNotFoundError as exc:
        raise ValueError(f"{folder} has no MNIST training files (train-images-idx3-ubyte.gz and "
                         "train-labels-idx1-ubyte.gz)") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"the MNIST files in {folder} cannot be read (damaged or cut short: {exc})") from exc
    except ValueError as exc:
        raise ValueError(f"the MNIST files in {folder} cannot be used: {exc}") from exc
    if len(images) < MIN_FOLDER_DIGITS:
        raise ValueError(f"the MNIST files in {folder} hold only {len(images)} digit{'s' * (len(images) != 1)}; "
                         f"at least {MIN_FOLDER_DIGITS} are needed (one in ten is kept aside to validate)")
    order = np.random.default_rng(seed).permutation(len(images))
    n_val = max(1, int(round(len(images) * val_fraction)))
    val, train = order[:n_val], order[n_val:]
    return DigitData(_tensor(images[train]), torch.from_numpy(labels[train]), _tensor(images[val]),
                     torch.from_numpy(labels[val]), f"{folder}: {len(train):,} training + {n_val:,} validation digits")


@dataclass
class TrainSettings:
    """What the training panel lets a student choose."""

    conv1: int = 8
    conv2: int = 16
    hidden: int = 64
    kernel: int = 5
    pool: str = "max"
    dropout: float = 0.2
    lr: float = 3e-3
    batch_size: int = 64
    epochs: int = 3
    train_digits: int = 2000
    augment: bool = False
    seed: int = 0

    def model_config(self) -> dict:
        return dict(conv1=self.conv1, conv2=self.conv2, hidden=self.hidden, kernel=self.kernel, pool=self.pool,
                    dropout=self.dropout)


def check_training(settings: TrainSettings, data: DigitData) -> None:
    """Check before a run that ``data`` can train the network ``settings`` describe.

    Raises
    ------
    ValueError
        With a sentence: no training or validation digits, digits that are not
        (N, 1, 28, 28), labels outside 0–9, or settings a run cannot use.
    """
    for part, x, y in (("training", data.x_train, data.y_train), ("validation", data.x_val, data.y_val)):
        if len(x) == 0:
            raise ValueError(f"there are no {part} digits: use a folder with at least {MIN_FOLDER_DIGITS} digits")
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            size = "×".join(map(str, x.shape[2:])) if x.dim() == 4 else str(tuple(x.shape))
            raise ValueError(f"the {part} digits must be 28×28 pixels (one channel), these are {size}")
        if len(y) != len(x) or y.dim() != 1:
            raise ValueError(f"there are {len(x)} {part} digits but {len(y)} labels")
        if len(y) and (int(y.min()) < 0 or int(y.max()) > 9):
            raise ValueError(f"the {part} labels must be digits 0 to 9, found {int(y.min())} to {int(y.max())}")
    if settings.epochs < 1 or settings.batch_size < 1 or settings.train_digits < 1:
        raise ValueError("epochs, batch size and training digits must each be at least 1")
    if not (math.isfinite(settings.lr) and settings.lr > 0):
        raise ValueError(f"the learning rate must be a positive number, got {settings.lr}")


def describe_training_error(error: BaseException) -> str:
    """A training failure in words a student can act on (torch's first line, or what to change).

    >>> describe_training_error(MemoryError())
    'training ran out of memory: choose fewer feature maps, fewer dense neurons, a smaller batch or fewer digits'
    """
    text = " ".join(str(error).split())
    lowered = text.lower()
    if isinstance(error, MemoryError) or any(words in lowered for words in (
            "out of memory", "not enough memory", "can't allocate memory", "cannot allocate memory")):
        return ("training ran out of memory: choose fewer feature maps, fewer dense neurons, a smaller batch "
                "or fewer digits")
    return text.rstrip(".") or type(error).__name__


def train_digits(settings: TrainSettings, data: DigitData, snapshot_every: int = 5) -> Iterator[Progress]:
    """Train a fresh :class:`DigitCNN` and report as it goes.

    The data and settings are checked first (:func:`check_training`: ``ValueError``).

    Yields
    ------
    Progress
        ``"batch"`` and ``"epoch"`` reports as from :func:`~explainer.models.loop.fit`;
        every ``snapshot_every`` batches ``extra["kernels"]`` holds a copy of
        the first layer's kernels. The last report has ``kind == "done"`` and
        ``extra["model"]``, the trained model (best validation epoch) in eval mode.
    """
    check_training(settings, data)
    torch.manual_seed(settings.seed)
    model = DigitCNN(**settings.model_config())
    data = data.subset(settings.train_digits).floats()
    augment = augment_digits if settings.augment else None
    last = None
    for progress in fit(model, data.x_train, data.y_train, data.x_val, data.y_val, epochs=settings.epochs,
                        batch_size=settings.batch_size, lr=settings.lr, augment=augment, seed=settings.seed):
        if progress.kind == "epoch" or progress.batch % snapshot_every == 0 or progress.batch == 1:
            progress.extra["kernels"] = model.features[0].weight.detach().numpy()[:, 0].copy()
        last = progress
        yield progress
    done = copy.copy(last)
    done.kind = "done"
    done.extra = {"model": model, "kernels": model.features[0].weight.detach().numpy()[:, 0].copy(),
                  "settings": asdict(settings), "best_val_accuracy": last.extra.get("best_val_accuracy", 0.0)}
    yield done


# ---------------------------------------------------------------- transfer learning

TASKS = {
    "even vs odd": ("odd", "even", lambda y: (y % 2 == 0).long()),
    "5 or more vs less than 5": ("< 5", "≥ 5", lambda y: (y >= 5).long()),
}


def task_labels(task: str, y: torch.Tensor) -> tuple[torch.Tensor, tuple[str, str]]:
    """Binary labels (0/1) and the two class names for a task name.

    ``"digit d vs the rest"`` works for any digit d, besides :data:`TASKS`.
    """
    if task in TASKS:
        no, yes, rule = TASKS[task]
        return rule(y), (no, yes)
    if task.startswith("digit ") and task.endswith(" vs the rest"):
        digit = int(task.split()[1])
        return (y == digit).long(), ("the rest", str(digit))
    raise ValueError(f"unknown task {task!r}")


def new_head(model: nn.Module, head: str) -> nn.Linear:
    """A fresh output layer for a 2-class task: 2 softmax units or 1 sigmoid unit."""
    last = model.classifier[-1]
    if head not in ("softmax2", "sigmoid1"):
        raise ValueError(f"head must be 'softmax2' or 'sigmoid1', got {head!r}")
    return nn.Linear(last.in_features, 2 if head == "softmax2" else 1)


@torch.no_grad()
def penultimate(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The frozen network's output just before its last layer (what the new head reads)."""
    model.eval()
    body = nn.Sequential(model.features, *list(model.classifier)[:-1])
    return torch.cat([body(x[i : i + 1000]) for i in range(0, len(x), 1000)])


def transfer(base: nn.Module, task: str, head: str, data: DigitData, epochs: int = 20, lr: float = 0.05,
             batch_size: int = 128, seed: int = 0) -> Iterator[Progress]:
    """Freeze ``base``, put a new 2-class head on it, and train only that head.

    Yields
    ------
    Progress
        One ``"epoch"`` report per epoch (validation accuracy on the task).
        The last has ``kind == "done"`` with ``extra`` holding the new
        ``model`` (a copy of ``base`` with the new head), ``trained`` and
        ``frozen`` parameter counts, ``classes`` and ``head``.
    """
    data = data.floats()
    torch.manual_seed(seed)
    model = copy.deepcopy(base).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    layer = new_head(model, head)
    model.classifier[-1] = layer
    y_train, classes = task_labels(task, data.y_train)
    y_val, _ = task_labels(task, data.y_val)
    # The body is frozen, so its features can be computed once: training the head takes seconds.
    f_train, f_val = penultimate(model, data.x_train), penultimate(model, data.x_val)
    optimizer = torch.optim.Adam(layer.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    trained = sum(p.numel() for p in layer.parameters())
    frozen = sum(p.numel() for p in model.parameters()) - trained
    start = time.perf_counter()

    def loss_and_correct(features, labels):
        out = layer(features)
        if head == "softmax2":
            return F.cross_entropy(out, labels), (out.argmax(1) == labels).sum().item()
        logit = out[:, 0]
        return F.binary_cross_entropy_with_logits(logit, labels.float()), ((logit > 0).long() == labels).sum().item()

    batches = (len(f_train) + batch_size - 1) // batch_size
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(f_train), generator=generator)
        total, correct = 0.0, 0
        for b in range(batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            loss, hits = loss_and_correct(f_train[idx], y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
            correct += hits
        with torch.no_grad():
            val_loss, val_hits = loss_and_correct(f_val, y_val)
        yield Progress("epoch", epoch, epochs, batches, batches, total / len(f_train), correct / len(f_train),
                       val_loss.item(), val_hits / len(f_val), lr, time.perf_counter() - start)
    model.eval()
    yield Progress("done", epochs, epochs, batches, batches, total / len(f_train), correct / len(f_train),
                   val_loss.item(), val_hits / len(f_val), lr, time.perf_counter() - start,
                   extra={"model": model, "trained": trained, "frozen": frozen, "classes": classes, "head": head})
