"""What a weights file's configuration may hold, checked before any network is built.

A weights file rebuilds its network from the keyword arguments saved with it
(its ``config``). A file can say anything there, so every field is checked
against the bounds below, and the whole network against
:data:`MAX_PARAMETERS`, before a single weight is allocated: a crafted file
asking for 3,000 feature maps, a terabyte, a negative kernel or text where a
number belongs is refused with a sentence, not an allocator failure.

Bounds (generous: the bundled models and anything the training panel or
``python -m explainer.train`` makes are well inside them)

============  ============================================================
mnist         conv1, conv2 1–256; hidden 1–4,096; kernel 1–9 (two 5×5-style
              conv + pool stages must fit 28×28); pool "max", "avg" or "none";
              dropout 0 ≤ p < 1
mnist_nopool  the same fields, but pool must be "none" (its default)
cifar10       widths: 1–5 stages (32×32 halves at each), each 1–512 channels;
              convs: one count (1–4) per stage; residual: one count (0–3) per stage
fcn32s/16s/8s variant (the file's own name); widths: 5 stages of 1–512; fc 1–4,096;
              convs: 5 counts of 1–4
imdb_cnn      vocab_size 3–1,000,000; embed 1–1,024; filters 1–2,048; kernel 1–32;
              dropout 0 ≤ p < 1
imdb_rnn/lstm vocab_size 3–1,000,000; embed 1–1,024; hidden 1–1,024; dropout 0 ≤ p < 1
============  ============================================================

A field left out takes the network's default (files from older versions still open).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch.overrides import TorchFunctionMode

from .weights import ModelLoadError, short

#: Largest network a file may describe: 20 million weights (80 MB as float32).
MAX_PARAMETERS = 20_000_000


@dataclass(frozen=True)
class Whole:
    """A whole number from ``low`` to ``high``."""

    low: int
    high: int

    def check(self, where: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ModelLoadError(f"{where} must be a whole number between {self.low:,} and {self.high:,}, "
                                 f"got {short(value)}")
        if not self.low <= value <= self.high:
            raise ModelLoadError(f"{where} must be between {self.low:,} and {self.high:,}, got {value:,}")


@dataclass(frozen=True)
class Fraction:
    """A number from 0 up to (not including) 1: a dropout rate."""

    def check(self, where: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelLoadError(f"{where} must be a number between 0 and 1, got {short(value)}")
        if not (math.isfinite(value) and 0 <= value < 1):
            raise ModelLoadError(f"{where} must be between 0 and 1 (1 excluded), got {value}")


@dataclass(frozen=True)
class Choice:
    """One of ``options``."""

    options: tuple

    def check(self, where: str, value: Any) -> None:
        if not isinstance(value, str) or value not in self.options:
            raise ModelLoadError(f"{where} must be one of {', '.join(map(repr, self.options))}; got {short(value)}")


@dataclass(frozen=True)
class Wholes:
    """A list of ``shortest`` to ``longest`` whole numbers, each from ``low`` to ``high``."""

    shortest: int
    longest: int
    low: int
    high: int

    def check(self, where: str, value: Any) -> None:
        count = (f"{self.shortest}" if self.shortest == self.longest else f"{self.shortest} to {self.longest}")
        if not isinstance(value, (list, tuple)):
            raise ModelLoadError(f"{where} must be a list of {count} whole numbers, got {short(value)}")
        if not self.shortest <= len(value) <= self.longest:
            raise ModelLoadError(f"{where} must be a list of {count} whole numbers, got {len(value)} of them")
        for i, item in enumerate(value):
            Whole(self.low, self.high).check(f"{where}[{i}]", item)


_DROPOUT = Fraction()
_TEXT = {"vocab_size": Whole(3, 1_000_000), "embed": Whole(1, 1024), "dropout": _DROPOUT}
_FCN = {"variant": Choice(("fcn32s", "fcn16s", "fcn8s")), "widths": Wholes(5, 5, 1, 512), "fc": Whole(1, 4096),
        "convs": Wholes(5, 5, 1, 4)}

#: Every configuration field each architecture accepts, with its bounds.
BOUNDS: dict[str, dict[str, Any]] = {
    "mnist": {"conv1": Whole(1, 256), "conv2": Whole(1, 256), "hidden": Whole(1, 4096), "kernel": Whole(1, 9),
              "pool": Choice(("max", "avg", "none")), "dropout": _DROPOUT},
    "mnist_nopool": {"conv1": Whole(1, 256), "conv2": Whole(1, 256), "hidden": Whole(1, 4096),
                     "kernel": Whole(1, 9), "pool": Choice(("none",)), "dropout": _DROPOUT},
    "cifar10": {"widths": Wholes(1, 5, 1, 512), "convs": Wholes(1, 5, 1, 4), "residual": Wholes(1, 5, 0, 3)},
    "fcn32s": _FCN,
    "fcn16s": _FCN,
    "fcn8s": _FCN,
    "imdb_cnn": {**_TEXT, "filters": Whole(1, 2048), "kernel": Whole(1, 32)},
    "imdb_rnn": {**_TEXT, "hidden": Whole(1, 1024)},
    "imdb_lstm": {**_TEXT, "hidden": Whole(1, 1024)},
}


def check_config(name: str, config: Any) -> dict:
    """Check a configuration for architecture ``name`` field by field; returns a plain copy.

    Raises
    ------
    ModelLoadError
        Naming the field, what it must be, and what it is.
    """
    if not isinstance(config, dict):
        raise ModelLoadError(f"the configuration must be a mapping of settings, got {short(config)}")
    bounds = BOUNDS[name]
    unknown = [key for key in config if key not in bounds]
    if unknown:
        known = ", ".join(bounds)
        raise ModelLoadError(f"the configuration has an unknown setting {short(unknown[0])} "
                             f"(a {name} network takes {known})")
    for key, value in config.items():
        bounds[key].check(key, value)
    if name in ("fcn32s", "fcn16s", "fcn8s") and config.get("variant", name) != name:
        raise ModelLoadError(f"variant must be {name!r} in a {name} file, got {config['variant']!r}")
    if name == "cifar10":
        stages = len(config.get("widths", (32, 64, 128)))
        for key in ("convs", "residual"):
            if key in config and len(config[key]) != stages:
                raise ModelLoadError(f"{key} must hold one count per stage of widths ({stages}), "
                                     f"got {len(config[key])}")
    return {key: list(value) if isinstance(value, tuple) else value for key, value in config.items()}


class _SkipInitialisation(TorchFunctionMode):
    """Inside it, torch.nn.init's random fills return their tensor untouched (this thread only).

    Filling a "meta" tensor with normal_ goes through torch's Python reference kernels, whose
    first call imports torch._dynamo: about 70 MB resident for nothing, since a meta tensor holds
    no values. Counting weights needs only the shapes.
    """

    SKIPPED = frozenset({"normal_", "uniform_", "trunc_normal_", "orthogonal_", "kaiming_uniform_",
                         "kaiming_normal_", "xavier_uniform_", "xavier_normal_"})

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if getattr(func, "__name__", "") in self.SKIPPED:
            return args[0] if args else kwargs.get("tensor")
        return func(*args, **kwargs)


def check_size(builder: Callable, config: dict) -> int:
    """Count the weights of ``builder(**config)`` without allocating them (torch's "meta" device).

    Returns the count; raises ModelLoadError above :data:`MAX_PARAMETERS`.
    """
    with torch.device("meta"), _SkipInitialisation():
        model = builder(**config)
    count = sum(t.numel() for t in model.parameters()) + sum(t.numel() for t in model.buffers())
    if count > MAX_PARAMETERS:
        raise ModelLoadError(f"the configuration describes a network of {count:,} weights "
                             f"({count * 4 / 1e6:,.0f} MB); at most {MAX_PARAMETERS:,} are allowed")
    return count
