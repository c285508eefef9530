"""Looking inside a network: every layer's output, shape and parameter count.

Computed by running the real module with forward hooks, never from
hand-written tables, so what a lesson shows is what the network does.
"""

from __future__ import annotations

import copy
import itertools
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .photo import Sum

_SPATIAL = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)
_SKIPPED = (nn.Dropout, nn.Dropout2d, nn.Identity)


@dataclass
class LayerRecord:
    """One leaf module as it ran.

    Attributes
    ----------
    name : str
        Dotted name in the model, e.g. ``"features.0"``.
    module : nn.Module
    output : torch.Tensor
        Its output (detached), with the batch dimension.
    params, trainable : int
        Parameter counts of this module alone.
    """

    name: str
    module: nn.Module
    output: torch.Tensor
    params: int
    trainable: int
    input: torch.Tensor | None = None
    #: Its other tensor inputs, after the first (a shortcut's sum reads two).
    others: tuple = ()

    @property
    def kind(self) -> str:
        return type(self.module).__name__


def trace(model: nn.Module, x: torch.Tensor) -> tuple[list[LayerRecord], torch.Tensor]:
    """Run ``model`` on ``x`` and record every leaf module's output, in call order.

    Returns
    -------
    records : list of LayerRecord
    output : torch.Tensor
        The model's own output.
    """
    # Hooks go on a private twin of the module tree that shares the parameters and buffers, never on
    # ``model`` itself: another thread may be running or tracing the same model, and hooks registered
    # on it would record that thread's layers too.
    with _borrowed_twin(model) as twin:
        return twin.convlens_trace(x)


class _Recorder:
    """Forward hooks on every leaf of a twin, registered once; they record while a trace runs."""

    def __init__(self, twin: nn.Module) -> None:
        self.twin = twin
        self.records: list[LayerRecord] | None = None
        self.names = {module: name for name, module in twin.named_modules()}
        # Each leaf's own parameters, listed once: a twin whose modules or tensors change is not reused
        # (see _identity), and listing them on every call took a fifth of a traced photo network's hooks.
        self.own: dict[nn.Module, list] = {}
        for module in twin.modules():
            if not list(module.children()):
                self.own[module] = list(module.parameters(recurse=False))
                module.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output) -> None:
        records = self.records  # read once: the trace may end meanwhile in its own thread
        # Only the tracing thread records: a twin's layers are handed out in the records (``Stage.module``),
        # and someone calling one of them elsewhere must not add to this trace.
        if records is None or threading.get_ident() != self.owner or not isinstance(output, torch.Tensor):
            return
        own = self.own[module]
        params = sum(p.numel() for p in own)  # counted now: freezing a layer changes what trains
        trainable = sum(p.numel() for p in own if p.requires_grad)
        first = inputs[0].detach() if inputs and isinstance(inputs[0], torch.Tensor) else None
        others = tuple(t.detach() for t in inputs[1:] if isinstance(t, torch.Tensor))
        records.append(LayerRecord(self.names.get(module, type(module).__name__), module, output.detach(),
                                   params, trainable, first, others))

    def __call__(self, x: torch.Tensor) -> tuple[list[LayerRecord], torch.Tensor]:
        self.owner = threading.get_ident()
        self.records = records = []
        try:
            with torch.no_grad():
                output = self.twin(x)
        finally:
            self.records = None
        return records, output


def private_twin(model: nn.Module) -> nn.Module:
    """A copy of ``model``'s module tree that shares its parameters and buffers (no tensor is copied).

    Hooks registered on the twin cannot be seen by other threads using ``model``, and weights
    changed in place (training) are seen by both.
    """
    shared = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
    return copy.deepcopy(model, shared)


#: Twins kept for reuse, per model: (the model's identity when they were made, free twins). Making a twin
#: copies the module tree (about 1 ms for the digit CNN), more than the traced inference itself.
_twins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_twins_lock = threading.Lock()
_SPARE_TWINS = 2


def _identity(model: nn.Module) -> tuple:
    """What a twin must still match: the same modules with the same settings, hooks and train/eval modes,
    and the same parameters and buffers.

    The submodules themselves are kept (not their ``id``, which a new module may reuse once an old one is
    gone); the model itself is left out, so that the cache does not keep it alive. Settings are read
    from each module's ``extra_repr`` (a stride or padding changed in place), hooks by their keys.
    """
    modules = list(model.modules())
    # Each module's own parameters and buffers, read from its tables: the same tensors as model.parameters()
    # and model.buffers() (a shared one is listed once per module holding it), without their second walk
    # through the module tree, which took a third of the time of a traced photo network's check.
    tensors = tuple(id(t) for m in modules for table in (m._parameters, m._buffers) for t in table.values()
                    if t is not None)
    return (tuple(modules[1:]), tuple(m.training for m in modules), tuple(m.extra_repr() for m in modules),
            tuple((tuple(m._forward_hooks), tuple(m._forward_pre_hooks)) for m in modules), tensors)


def _matches(twin: nn.Module, identity: tuple) -> bool:
    """Whether a twin just made is the model ``identity`` describes (the model may change while it is copied)."""
    modules = list(twin.modules())
    return (len(modules) == len(identity[0]) + 1
            and all(type(a) is type(b) for a, b in zip(modules[1:], identity[0]))
            and tuple(m.training for m in modules) == identity[1]
            and tuple(m.extra_repr() for m in modules) == identity[2])


@contextmanager
def _borrowed_twin(model: nn.Module) -> Iterator[nn.Module]:
    """A private twin of ``model`` for one trace: a spare one when the model has not changed, else a new one."""
    with _twins_lock:
        identity = _identity(model)
        entry = _twins.get(model)
        if entry is None or entry[0] != identity:
            entry = (identity, [])
            _twins[model] = entry
        twin = entry[1].pop() if entry[1] else None
    keep = True
    if twin is None:
        twin = private_twin(model)
        twin.convlens_trace = _Recorder(twin)  # hooks registered once per twin, not per trace
        keep = _matches(twin, identity)  # copied while another thread changed the model: use it once only
    try:
        yield twin
    finally:
        with _twins_lock:
            if keep and _twins.get(model) is entry and len(entry[1]) < _SPARE_TWINS:
                entry[1].append(twin)


def _geometry(module: nn.Module) -> tuple[int, int, int, int]:
    def one(value):
        return value[0] if isinstance(value, (tuple, list)) else value

    if isinstance(module, nn.Conv2d):
        return one(module.kernel_size), one(module.stride), one(module.padding), one(module.dilation)
    return one(module.kernel_size), one(module.stride or module.kernel_size), one(module.padding), one(
        getattr(module, "dilation", 1))


@dataclass
class Stage:
    """A layer as the lecture names it: a convolution with its ReLU, a pooling, a dense layer…

    Attributes
    ----------
    key : str
        Short id, e.g. ``"conv1"``, ``"pool2"``, ``"add1"`` (a residual block's sum), ``"dense1"``,
        ``"output"``.
    title : str
        E.g. ``"conv1 · 5×5 convolution + ReLU"``.
    term : str
        The lecture's word: ``"feature maps"``, ``"max-pooling"``, ``"flatten"``,
        ``"fully connected"``, ``"output"``; ``"residual sum"`` for a shortcut's sum.
    values : ndarray
        ``(C, H, W)`` for maps, ``(n,)`` for vectors (batch dimension removed).
    shape : tuple of int
        The tensor shape with the batch dimension, e.g. ``(1, 32, 24, 24)``.
    geometry : list of tuple
        ``(k, s, p, d)`` of every convolution/pooling from the input up to
        this stage (for receptive fields); empty for non-spatial stages.
    module : nn.Module or None
        The module holding this stage's weights (Conv2d or Linear), if any; for a
        shortcut's sum, the :class:`~explainer.models.photo.Sum` layer.
    relu : bool
        Whether the stage's values are after a ReLU it absorbed. A convolution that
        ends a residual block has none: its output is added to the shortcut first.
    input : ndarray or None
        What the layer read (a convolution's input; a sum's first term, the block's last convolution).
    shortcut : ndarray or None
        A shortcut's sum only: the block's input, its second term.
    """

    key: str
    title: str
    term: str
    values: np.ndarray
    shape: tuple
    geometry: list = field(default_factory=list)
    module: nn.Module | None = None
    input: np.ndarray | None = None
    norm: nn.Module | None = None
    relu: bool = False
    shortcut: np.ndarray | None = None

    @property
    def spatial(self) -> bool:
        return self.values.ndim == 3


def stages(model: nn.Module, x: torch.Tensor) -> tuple[list[Stage], torch.Tensor]:
    """Group a sequential CNN's layers the way the lecture talks about them.

    A convolution absorbs the batch norm and the ReLU right after it, a linear layer
    and a shortcut's sum the ReLU after them; dropout is skipped (it does nothing at
    inference). ``x`` must hold one example.

    Returns
    -------
    stages : list of Stage
        Starting with the input itself.
    logits : torch.Tensor
    """
    if x.shape[0] != 1:
        raise ValueError(f"stages() explains one example at a time, got a batch of {x.shape[0]}")
    records, logits = trace(model, x)
    out: list[Stage] = [Stage("input", f"input {x.shape[2]}×{x.shape[3]}", "input image", x[0].numpy(), tuple(x.shape))]
    geometry: list = []
    counts = {"conv": 0, "pool": 0, "dense": 0, "add": 0}
    linear_total = sum(isinstance(r.module, nn.Linear) for r in records)
    for record in records:
        module = record.module
        values = record.output[0].numpy()
        shape = tuple(record.output.shape)
        if isinstance(module, _SKIPPED):
            continue
        if isinstance(module, nn.BatchNorm2d) and out and isinstance(out[-1].module, nn.Conv2d) and out[-1].norm is None:
            out[-1].values, out[-1].shape, out[-1].norm = values, shape, module
            out[-1].title += " + batch norm"
            continue
        if isinstance(module, nn.ReLU) and out and out[-1].module is not None and not out[-1].relu:
            out[-1].values, out[-1].shape, out[-1].relu = values, shape, True
            out[-1].title += " + ReLU"
            continue
        if isinstance(module, nn.Conv2d):
            counts["conv"] += 1
            geometry = geometry + [_geometry(module)]
            k = _geometry(module)[0]
            out.append(Stage(f"conv{counts['conv']}", f"conv{counts['conv']} · {k}×{k} convolution", "feature maps",
                             values, shape, list(geometry), module,
                             record.input[0].numpy() if record.input is not None else None))
        elif isinstance(module, Sum):
            counts["add"] += 1
            body = out[-1].key if out else "its convolutions"
            out.append(Stage(f"add{counts['add']}", f"add{counts['add']} · {body} + the block's input (shortcut)",
                             "residual sum", values, shape, list(geometry), module,
                             record.input[0].numpy() if record.input is not None else None,
                             shortcut=record.others[0][0].numpy() if record.others else None))
        elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            counts["pool"] += 1
            geometry = geometry + [_geometry(module)]
            k = _geometry(module)[0]
            kind = "max" if isinstance(module, nn.MaxPool2d) else "average"
            out.append(Stage(f"pool{counts['pool']}", f"pool{counts['pool']} · {k}×{k} {kind} pooling",
                             f"{kind}-pooling", values, shape, list(geometry)))
        elif isinstance(module, nn.AdaptiveAvgPool2d):
            counts["pool"] += 1
            out.append(Stage(f"pool{counts['pool']}", f"pool{counts['pool']} · global average pooling",
                             "average-pooling", values, shape))
        elif isinstance(module, nn.Flatten):
            out.append(Stage("flatten", "flatten", "flatten", values, shape))
        elif isinstance(module, nn.Linear):
            counts["dense"] += 1
            last = counts["dense"] == linear_total
            key = "output" if last else f"dense{counts['dense']}"
            title = f"output · {module.out_features} logits" if last else f"dense{counts['dense']} · fully connected"
            out.append(Stage(key, title, "output" if last else "fully connected", values, shape, [], module,
                             record.input[0].numpy() if record.input is not None else None))
        else:
            out.append(Stage(record.name, record.name, record.kind, values, shape))
    return out, logits


def folded_conv(stage: Stage) -> tuple[np.ndarray, np.ndarray]:
    """The stage's convolution weights (K, C, k, k) and biases (K,), with batch norm folded in.

    At inference batch norm is a fixed per-channel scale and shift,
    ``γ (z − μ) / √(σ² + ε) + β``, so it can be merged into the kernel and the
    bias: the result is an ordinary convolution, "per-channel sums plus bias".
    """
    conv = stage.module
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"stage {stage.key} is not a convolution")
    w = conv.weight.detach().double().numpy()
    b = conv.bias.detach().double().numpy() if conv.bias is not None else np.zeros(w.shape[0])
    if stage.norm is not None:
        bn = stage.norm
        scale = (bn.weight.detach().double() / torch.sqrt(bn.running_var.detach().double() + bn.eps)).numpy()
        w = w * scale[:, None, None, None]
        b = (b - bn.running_mean.detach().double().numpy()) * scale + bn.bias.detach().double().numpy()
    return w, b


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """``(total, trainable)`` parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable
