"""A Keras-style summary and a layer graph of any model, traced from the real module.

Output shapes come from forward hooks on a real forward pass, parameter
counts from the modules' own parameters, and the connections (including skip
connections) from ``torch.fx`` tracing: nothing is typed in by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from .photo import Sum

KINDS = {
    nn.Conv2d: "conv",
    nn.ConvTranspose2d: "deconv",
    nn.MaxPool2d: "pool",
    nn.AvgPool2d: "pool",
    nn.AdaptiveAvgPool2d: "pool",
    nn.LPPool2d: "pool",
    nn.Linear: "dense",
    nn.ReLU: "activation",
    nn.Sigmoid: "activation",
    nn.BatchNorm2d: "norm",
    nn.BatchNorm1d: "norm",
    nn.Dropout: "dropout",
    nn.Dropout2d: "dropout",
    nn.Flatten: "reshape",
    Sum: "merge",
}


def layer_kind(module: nn.Module) -> str:
    """A coarse kind used for colours and for choosing the lesson that explains it."""
    for cls, kind in KINDS.items():
        if isinstance(module, cls):
            return kind
    return "other"


@dataclass
class SummaryRow:
    """One layer of the summary.

    Attributes
    ----------
    name : str
        Dotted module name, e.g. ``"features.0"`` (``"+"`` operations are named after the graph node).
    type : str
        Class name, e.g. ``"Conv2d"``.
    kind : str
        See :func:`layer_kind`.
    output_shape : tuple of int
        Including the batch dimension.
    params, trainable : int
    inputs : list of str
        Names of the rows this layer reads (more than one for a skip fusion).
    """

    name: str
    type: str
    kind: str
    output_shape: tuple
    params: int
    trainable: int
    inputs: list = field(default_factory=list)

    @property
    def non_trainable(self) -> int:
        return self.params - self.trainable


def torch_type_name(module: nn.Module) -> str:
    """The name of the torch.nn layer a module is, e.g. ``"ConvTranspose2d"`` for a faster subclass of it."""
    for cls in type(module).__mro__:
        if cls is nn.Module:
            break  # a custom layer built straight on nn.Module keeps its own name
        if cls.__module__.startswith("torch.nn."):
            return cls.__name__
    return type(module).__name__


class _LeafTracer(torch.fx.Tracer):
    """torch.fx tracing that stops at every module without children (the summary's layers)."""

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return not list(m.children()) or super().is_leaf_module(m, module_qualified_name)


def _graph_inputs(model: nn.Module) -> tuple[dict[str, list[str]], list[str]]:
    """Which earlier layer(s) each leaf module or add reads, from a torch.fx trace.

    Falls back to a simple chain when the model cannot be traced symbolically.
    """
    try:
        graph = _LeafTracer().trace(model)
    except Exception:  # untraceable models (data-dependent control flow): assume a chain
        return {}, []
    producers: dict[str, str] = {}  # fx node name -> row name of the layer that produced it
    from_input: set[str] = set()  # fx nodes computed from the model's input and constants alone
    inputs: dict[str, list[str]] = {}
    order: list[str] = []
    for node in graph.nodes:
        sources = sorted({producers[a.name] for a in node.all_input_nodes if a.name in producers})
        if node.op == "call_module":
            producers[node.name] = node.target
            inputs[node.target] = sources
            order.append(node.target)
        elif node.op == "placeholder":
            from_input.add(node.name)
        elif node.op in ("call_function", "call_method") and not sources and any(
                a.name in from_input for a in node.all_input_nodes):
            from_input.add(node.name)  # the input prepared, e.g. normalised: still the input, no layer
        elif node.op in ("call_function", "call_method") and len(sources) + any(
                a.name in from_input for a in node.all_input_nodes) > 1:
            # two tensors the network computed or was given meet (a skip connection's add, also from the input
            # itself); an op on one of them and a constant (a normalisation's ``(x - mean) / std``) is no layer
            name = f"{getattr(node.target, '__name__', str(node.target))} ({node.name})"
            producers[node.name] = name
            inputs[name] = sources
            order.append(name)
        elif node.op in ("call_function", "call_method") and sources:
            producers[node.name] = sources[0]
    return inputs, order


def summarize(model: nn.Module, input_shape: tuple[int, ...]) -> list[SummaryRow]:
    """Trace ``model`` on a zero input of ``input_shape`` (with batch) and list its layers in call order.

    Returns
    -------
    list of SummaryRow
        Every leaf module that ran (each time it ran), plus tensor additions
        found by the fx trace (skip fusions), in execution order.
    """
    rows: list[SummaryRow] = []
    names = {module: name for name, module in model.named_modules()}
    handles = []

    def hook(module, _inputs, output):
        if isinstance(output, torch.Tensor):
            params = sum(p.numel() for p in module.parameters(recurse=False))
            trainable = sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
            rows.append(SummaryRow(names[module], torch_type_name(module), layer_kind(module), tuple(output.shape),
                                   params, trainable))

    for module in model.modules():
        if not list(module.children()):
            handles.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(input_shape))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)

    graph_inputs, order = _graph_inputs(model)
    if not graph_inputs:
        for i, row in enumerate(rows):
            row.inputs = [rows[i - 1].name] if i else []
        return rows
    by_name = {row.name: row for row in rows}
    result: list[SummaryRow] = []
    shapes: dict[str, tuple] = {}
    for name in order:
        row = by_name.get(name)
        if row is None:  # a fusion (add): its shape is its first input's shape
            sources = graph_inputs.get(name, [])
            shape = shapes.get(sources[0], ()) if sources else ()
            row = SummaryRow(name, "Add", "merge", shape, 0, 0)
        row.inputs = list(graph_inputs.get(name, []))
        shapes[row.name] = row.output_shape
        result.append(row)
    return result


def totals(rows: list[SummaryRow]) -> tuple[int, int, int]:
    """``(total, trainable, non_trainable)`` parameters over the rows."""
    total = sum(r.params for r in rows)
    trainable = sum(r.trainable for r in rows)
    return total, trainable, total - trainable


#: Longest "name (type)" a summary line shows; longer ones keep their start and end (ONNX names are paths).
SUMMARY_NAME_LIMIT = 56


def _middle_cut(text: str, limit: int = SUMMARY_NAME_LIMIT) -> str:
    """``text`` itself, or its start and end joined by "…" in ``limit`` characters."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def format_summary(rows: list[SummaryRow], title: str = "Model") -> str:
    """The summary as text, laid out like Keras' ``model.summary()``.

    A layer whose name ends with its own type (ONNX's ``/layer1/layer1.0/conv1/Conv``) is not
    told twice, and names longer than :data:`SUMMARY_NAME_LIMIT` are cut in the middle, so the
    shape and parameter columns stay in view.
    """
    header = ("Layer (type)", "Output Shape", "Param #")

    def title_of(r: SummaryRow) -> str:
        name = r.name[: -len(r.type) - 1] if r.name.endswith("/" + r.type) and len(r.name) > len(r.type) + 1 else r.name
        return _middle_cut(f"{name} ({r.type})")

    lines = [[title_of(r), str(tuple(r.output_shape)), f"{r.params:,}"] for r in rows]
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) + 4 for i in range(3)]
    width = sum(widths)
    out = [f'Model: "{title}"', "_" * width,
           header[0].ljust(widths[0]) + header[1].ljust(widths[1]) + header[2].rjust(widths[2] - 4), "=" * width]
    for i, line in enumerate(lines):
        out.append(line[0].ljust(widths[0]) + line[1].ljust(widths[1]) + line[2].rjust(widths[2] - 4))
        out.append("_" * width if i < len(lines) - 1 else "=" * width)
    total, trainable, frozen = totals(rows)
    out += [f"Total params: {total:,}", f"Trainable params: {trainable:,}", f"Non-trainable params: {frozen:,}",
            "_" * width]
    return "\n".join(out)
