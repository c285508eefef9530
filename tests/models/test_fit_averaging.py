"""The training loop's weight averaging (EMA) and its choice of the epoch kept."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from explainer.models import loop
from explainer.models.loop import fit


def tiny_data(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(48, 6, generator=generator)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return x, y


def parameters(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_the_kept_weights_are_the_warming_moving_average_of_every_step():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))
    x, y = tiny_data()
    decay, average, steps = 0.75, None, 0
    for progress in fit(model, x[:40], y[:40], x[40:], y[40:], epochs=1, batch_size=8, lr=1e-2, ema_decay=decay):
        if progress.kind == "batch":  # the model has just taken a step: average it by hand
            now = state(model)
            if average is None:
                average = now
            else:
                n = steps  # steps averaged before this one
                d = min(decay, (1 + n) / (10 + n))
                average = {k: (d * a + (1 - d) * now[k]) if a.is_floating_point() else now[k].clone()
                           for k, a in average.items()}
            steps += 1
    assert steps == 5
    kept = state(model)
    assert set(kept) == set(average) and "1.running_mean" in kept  # batch-norm statistics are averaged too
    for k, a in average.items():
        torch.testing.assert_close(kept[k], a, rtol=0, atol=1e-6)
    assert int(kept["1.num_batches_tracked"]) == 5  # a count is copied, not averaged
    assert not torch.allclose(kept["0.weight"], now["0.weight"])  # not simply the last weights
    assert not torch.allclose(kept["1.running_mean"], now["1.running_mean"])


def test_the_average_is_what_is_validated_and_kept():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    x, y = tiny_data(4)
    reports = [p for p in fit(model, x[:40], y[:40], x[40:], y[40:], epochs=3, batch_size=8, lr=3e-2, ema_decay=0.6,
                              select="accuracy+loss") if p.kind == "epoch"]
    assert len(reports) == 3
    best = max(reports, key=lambda p: (p.val_accuracy, -p.val_loss))
    loss, accuracy = loop.evaluate(model, x[40:], y[40:])
    assert (loss, accuracy) == pytest.approx((best.val_loss, best.val_accuracy), abs=1e-6)
    assert all(p.extra["validated"] is not model for p in reports)  # the average's own network


def test_without_averaging_the_last_weights_of_the_best_epoch_are_kept():
    torch.manual_seed(1)
    model = nn.Linear(6, 2)
    x, y = tiny_data(1)
    for progress in fit(model, x[:40], y[:40], x[40:], y[40:], epochs=1, batch_size=8, lr=1e-2):
        if progress.kind == "epoch":
            at_epoch = parameters(model)
    for k, e in zip(parameters(model), at_epoch):
        assert torch.equal(k, e)


@pytest.mark.parametrize("select, kept_epoch", [("accuracy", 1), ("accuracy+loss", 2)])
def test_ties_in_accuracy_go_to_the_lower_loss_when_asked(monkeypatch, select, kept_epoch):
    scripted = iter([(0.5, 0.9), (0.3, 0.9), (0.4, 0.8)])  # (loss, accuracy) of epochs 1, 2, 3
    monkeypatch.setattr(loop, "evaluate", lambda *_args, **_kwargs: next(scripted))
    torch.manual_seed(2)
    model = nn.Linear(6, 2)
    x, y = tiny_data(2)
    at_epoch = {}
    for progress in fit(model, x[:40], y[:40], x[40:], y[40:], epochs=3, batch_size=8, lr=5e-2, select=select):
        if progress.kind == "epoch":
            at_epoch[progress.epoch] = parameters(model)
            assert progress.extra["best_val_accuracy"] == 0.9
    assert len(at_epoch) == 3
    for k, e in zip(parameters(model), at_epoch[kept_epoch]):
        assert torch.equal(k, e)
    assert not all(torch.equal(a, b) for a, b in zip(at_epoch[1], at_epoch[2]))  # the epochs differ


@pytest.mark.parametrize("kwargs, words", [({"ema_decay": 1.0}, "between 0 and 1"), ({"ema_decay": 0.0}, "between"),
                                           ({"select": "loss"}, "select must be")])
def test_bad_settings_are_refused(kwargs, words):
    x, y = tiny_data()
    with pytest.raises(ValueError, match=words):
        next(fit(nn.Linear(6, 2), x[:40], y[:40], x[40:], y[40:], epochs=1, **kwargs))


def test_select_last_keeps_the_last_epoch_even_when_an_earlier_one_validated_better(monkeypatch):
    scripted = iter([(0.2, 0.95), (0.6, 0.7), (0.5, 0.8)])  # epoch 1 is the best on validation
    monkeypatch.setattr(loop, "evaluate", lambda *_args, **_kwargs: next(scripted))
    torch.manual_seed(3)
    model = nn.Linear(6, 2)
    x, y = tiny_data(3)
    at_epoch, reports = {}, []
    for progress in fit(model, x[:40], y[:40], x[40:], y[40:], epochs=3, batch_size=8, lr=5e-2, select="last"):
        if progress.kind == "epoch":
            at_epoch[progress.epoch] = parameters(model)
            reports.append(progress)
    assert [p.extra["kept_val_accuracy"] for p in reports] == [0.95, 0.7, 0.8]
    assert [p.extra["best_val_accuracy"] for p in reports] == [0.95, 0.95, 0.95]
    for k, e in zip(parameters(model), at_epoch[3]):
        assert torch.equal(k, e)
    assert not all(torch.equal(a, b) for a, b in zip(at_epoch[1], at_epoch[3]))


def test_the_kept_accuracy_follows_the_chosen_epoch(monkeypatch):
    scripted = iter([(0.5, 0.8), (0.3, 0.9), (0.4, 0.85)])
    monkeypatch.setattr(loop, "evaluate", lambda *_args, **_kwargs: next(scripted))
    x, y = tiny_data(5)
    kept = [p.extra["kept_val_accuracy"] for p in fit(nn.Linear(6, 2), x[:40], y[:40], x[40:], y[40:], epochs=3,
                                                       batch_size=8) if p.kind == "epoch"]
    assert kept == [0.8, 0.9, 0.9]
