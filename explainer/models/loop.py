"""A small training loop that reports as it goes and can be stopped between batches.

:func:`fit` is a generator: it yields a :class:`Progress` after every batch
and a summary after every epoch, so the command line can print and the app's
training panel can plot, pause or cancel (by simply not asking for more).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import swa_utils


#: How :func:`fit` chooses the epoch it keeps (see its docstring).
SELECTIONS = ("accuracy", "accuracy+loss", "last")

#: On a GPU, how many batches pass between reading the running loss and accuracy back.
SYNC_EVERY = 50


@dataclass
class Progress:
    """One report from :func:`fit`.

    ``kind`` is ``"batch"`` or ``"epoch"``; epoch reports carry validation figures.
    """

    kind: str
    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    accuracy: float
    val_loss: float | None = None
    val_accuracy: float | None = None
    lr: float = 0.0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def ema_update(decay: float):
    """An ``AveragedModel`` update: an exponential moving average that warms up, integers copied.

    Step ``n`` (the number of steps averaged so far, from 1) mixes in the new weights with weight
    ``1 - min(decay, (1 + n) / (10 + n))``: early on the average follows the fast-moving weights
    (a fixed 0.999 would still be 70 % the first step's weights after 350 steps), later it averages
    over about ``1 / (1 - decay)`` steps. Integer tensors (batch norm's count of batches) are
    copied: an average of counts is no count.
    """

    @torch.no_grad()
    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], steps) -> None:
        n = int(steps)
        weight = 1.0 - min(decay, (1.0 + n) / (10.0 + n))
        floats = [(a, c) for a, c in zip(averaged, current) if a.is_floating_point()]
        if floats:
            torch._foreach_lerp_([a for a, _ in floats], [c for _, c in floats], weight)
        for a, c in zip(averaged, current):
            if not a.is_floating_point():
                a.copy_(c)

    return update


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` on ``(x, y)``.

    Raises ``ValueError`` when ``x`` is empty (there is no mean of nothing).
    """
    if len(x) == 0:
        raise ValueError("there is nothing to evaluate on: the validation set is empty")
    was_training = model.training
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size])
        target = y[start : start + batch_size]
        loss_sum += F.cross_entropy(logits, target, reduction="sum").item()
        correct += (logits.argmax(1) == target).sum().item()
    model.train(was_training)
    return loss_sum / len(x), correct / len(x)


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                      temperature: float) -> torch.Tensor:
    """T² × KL(softmax(teacher / T) ‖ softmax(student / T)), averaged over the batch (Hinton et al., 2015).

    The T² keeps the gradient's size comparable to the cross-entropy's as T changes.
    """
    t = float(temperature)
    target = F.log_softmax(teacher_logits.float() / t, dim=1)
    return F.kl_div(F.log_softmax(student_logits.float() / t, dim=1), target, reduction="batchmean",
                    log_target=True) * (t * t)


@torch.no_grad()
def _teacher_logits(teacher: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return teacher(x)


def fit(model: nn.Module, x_train: torch.Tensor, y_train: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor,
        epochs: int = 10, batch_size: int = 128, lr: float = 3e-3, weight_decay: float = 1e-4,
        augment: Callable | None = None, seed: int = 0, parameters=None,
        label_smoothing: float = 0.0, optimizer: str = "adamw",
        autocast_dtype: torch.dtype | None = None, ema_decay: float | None = None,
        select: str = "accuracy", device: str | torch.device = "cpu", teacher: nn.Module | None = None,
        distill_weight: float = 0.9, temperature: float = 4.0) -> Iterator[Progress]:
    """Train with AdamW (or SGD with Nesterov momentum) and a one-cycle schedule; keep the best weights on validation.

    ``autocast_dtype=torch.bfloat16`` runs the training forward pass under CPU
    autocast (weights and optimiser stay float32); validation is float32.

    ``ema_decay`` (e.g. 0.999) keeps an exponential moving average of the weights
    (and batch-norm statistics) after every step (:class:`torch.optim.swa_utils.AveragedModel`
    with :func:`ema_update`): validation then measures the average, and the average
    is what is kept. It is still one network of the same layout. ``select`` is how the kept epoch is
    chosen: ``"accuracy"`` (the first epoch with the best validation accuracy) or
    ``"accuracy+loss"`` (the best accuracy, ties broken by the lower validation
    loss: a small validation set often has many epochs at its best accuracy) or ``"last"`` (the
    last epoch, whatever validation says: validation then only measures, and a recipe chosen by
    cross-validation is not tied to the first epoch that happens to reach a small set's best).

    ``device`` is where the model trains (``"cuda"`` on a machine with a GPU). The training and
    validation sets are moved there and the augmentation's arithmetic runs there, but every random
    draw (the shuffling, the augmentation's choices) comes from the seeded CPU generator, so a run
    draws the same batches wherever it runs. On a device other than the CPU the per-batch reports'
    running loss and accuracy are read back on an epoch's first batch and then every
    :data:`SYNC_EVERY` batches (so a report may be up to that many batches old); the epoch reports
    are always up to date.

    ``teacher`` (a trained network in eval mode, on ``device``) turns on knowledge distillation
    (Hinton, Vinyals & Dean, 2015): the loss is ``distill_weight`` × T² × KL(teacher ‖ student),
    both softened by ``temperature`` T, plus ``1 − distill_weight`` × the usual cross-entropy. The
    teacher reads the same augmented batch as the student. It is a training aid only: what is kept
    is still the one student network.

    Yields
    ------
    Progress
        After each batch (``kind="batch"``) and each epoch (``kind="epoch"``).
        When the generator finishes, ``model`` holds the weights of the epoch
        ``select`` chose; an epoch report's ``extra["kept_val_accuracy"]`` is that epoch's validation
        accuracy so far, and ``extra["best_val_accuracy"]`` the best of any epoch so far.
    """
    if len(x_train) == 0 or len(x_val) == 0:
        raise ValueError(f"there are no {'training' if len(x_train) == 0 else 'validation'} examples to fit on")
    if select not in SELECTIONS:
        raise ValueError(f"select must be one of {', '.join(map(repr, SELECTIONS))}, got {select!r}")
    if ema_decay is not None and not 0.0 < ema_decay < 1.0:
        raise ValueError(f"the EMA decay must lie between 0 and 1, got {ema_decay}")
    if teacher is not None and not (0.0 <= distill_weight <= 1.0 and temperature > 0):
        raise ValueError(f"distillation needs a weight in [0, 1] and a positive temperature, "
                         f"got {distill_weight} and {temperature}")
    device = torch.device(device)
    model.to(device)
    x_val, y_val = x_val.to(device), y_val.to(device)
    # On a GPU the training set lives there too (the augmentation runs there), and the running figures are
    # read back every SYNC_EVERY batches rather than after each one, so the CPU can queue work ahead.
    on_cpu = device.type == "cpu"
    x_train, y_train = x_train.to(device), y_train.to(device)
    averaged = None
    if ema_decay is not None:
        averaged = swa_utils.AveragedModel(model, multi_avg_fn=ema_update(ema_decay), use_buffers=True)
    generator = torch.Generator().manual_seed(seed)
    params = [p for p in (parameters if parameters is not None else model.parameters()) if p.requires_grad]
    if optimizer == "sgd":
        optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    else:
        optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    batches = (len(x_train) + batch_size - 1) // batch_size
    # OneCycleLR divides by zero when its warm-up phase has no whole step (few epochs × batches): plan at
    # least 10 steps; a very short run then simply stops before the schedule ends.
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=max(10, epochs * batches),
                                                   pct_start=0.25)
    best_acc, best_key, best_state, kept_acc = -1.0, None, None, float("nan")
    start_time = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        seen, loss_sum, correct = 0, torch.zeros((), device=device), torch.zeros((), device=device, dtype=torch.long)
        shown_loss, shown_acc = 0.0, 0.0
        for batch in range(batches):
            idx = order[batch * batch_size : (batch + 1) * batch_size].to(device)
            xb, yb = x_train[idx], y_train[idx]
            if augment is not None:
                xb = augment(xb, generator)
            with torch.autocast(device.type, dtype=autocast_dtype or torch.bfloat16,
                                enabled=autocast_dtype is not None):
                logits = model(xb)
                loss = F.cross_entropy(logits, yb, label_smoothing=label_smoothing)
                if teacher is not None:
                    loss = (1.0 - distill_weight) * loss + distill_weight * distillation_loss(
                        logits, _teacher_logits(teacher, xb), temperature)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            if averaged is not None:
                averaged.update_parameters(model)
            seen += len(idx)
            loss_sum += loss.detach().float() * len(idx)
            correct += (logits.argmax(1) == yb).sum()
            if on_cpu or batch == 0 or (batch + 1) % SYNC_EVERY == 0 or batch + 1 == batches:
                shown_loss, shown_acc = loss_sum.item() / seen, correct.item() / seen
            yield Progress("batch", epoch, epochs, batch + 1, batches, shown_loss, shown_acc,
                           lr=schedule.get_last_lr()[0], seconds=time.perf_counter() - start_time)
        judged = averaged.module if averaged is not None else model
        val_loss, val_acc = evaluate(judged, x_val, y_val)
        key = (val_acc, -val_loss) if select == "accuracy+loss" else (val_acc,)
        if best_key is None or key > best_key or select == "last":
            best_key, best_state, kept_acc = key, copy.deepcopy(judged.state_dict()), val_acc
        best_acc = max(best_acc, val_acc)
        yield Progress("epoch", epoch, epochs, batches, batches, shown_loss, shown_acc, val_loss, val_acc,
                       lr=schedule.get_last_lr()[0], seconds=time.perf_counter() - start_time,
                       extra={"best_val_accuracy": best_acc, "kept_val_accuracy": kept_acc,
                              "validated": judged})
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
