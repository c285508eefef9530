"""torch.export programs (``.pt2``): the archive is checked before torch reads it, then run node by node.

``torch.export.load`` is not safe on its own for a file from someone else.
Read in torch 2.13, it can run code from the file in several ways: weights,
constants or sample inputs it cannot read as plain tensors are unpickled
(``torch.load(weights_only=False)``, ``pickle.loads``, torchbind objects);
AOTInductor entries load a compiled shared library; symbolic shapes are
parsed with ``sympy.sympify`` (which evaluates text); graph targets resolve
any attribute under ``torch``, ``operator`` or ``math`` (e.g.
``torch.ops.load_library``); pytree specs may import modules by name; and
``ExportedProgram.module()`` compiles the file's ``guards_code`` with
``exec`` and runs it on every call (the tests show three of these running a
payload through torch alone). So :mod:`.pt2_checks` first reads the archive
as a plain zip and refuses anything outside this allow-list:

* only the entries ``torch.export.save`` writes for one program called
  ``model`` (no AOTInductor, executorch, legacy ``.pt`` weights, custom or
  opaque objects), within the size limit;
* weights and constants stored as raw tensor bytes (no pickles), of a
  declared size within the limit;
* sample inputs that ``torch.load(weights_only=True)`` reads (so torch's
  fallback to full unpickling never happens);
* graph targets ``torch.ops.aten.<op>.<overload>`` and ``_operator.getitem``
  only, no subgraphs or custom objects, no ``__enum__`` in pytree specs;
* symbolic-shape expressions and guards made only of symbol names, numbers,
  arithmetic and sympy's shape functions.

Then ``torch.export.load`` reads it, and the program runs through a
``torch.fx.Interpreter`` over its graph with the weights passed as inputs
(never ``ExportedProgram.module()``), recording every node's output.
"""

from __future__ import annotations

import pathlib

import numpy as np

from .base import ExternalLayer, ExternalModel, check_sizes, order_with_output_last, plain, unique_name
from .preprocessing import read_labels, read_preprocessing
from .pt2_checks import check_archive, refuse

#: aten op name -> the ONNX op type shown for it (others: CamelCase of the aten name).
OP_TYPES = {
    "conv1d": "Conv", "conv2d": "Conv", "conv3d": "Conv", "convolution": "Conv", "_convolution": "Conv",
    "conv_transpose1d": "ConvTranspose", "conv_transpose2d": "ConvTranspose", "conv_transpose3d": "ConvTranspose",
    "relu": "Relu", "relu6": "Clip", "hardtanh": "Clip", "clamp": "Clip", "leaky_relu": "LeakyRelu",
    "sigmoid": "Sigmoid", "tanh": "Tanh", "gelu": "Gelu", "silu": "Silu", "hardswish": "HardSwish",
    "hardsigmoid": "HardSigmoid", "elu": "Elu", "softmax": "Softmax", "_softmax": "Softmax",
    "log_softmax": "LogSoftmax", "_log_softmax": "LogSoftmax", "add": "Add", "sub": "Sub", "rsub": "Sub",
    "mul": "Mul", "div": "Div", "max_pool2d": "MaxPool", "max_pool2d_with_indices": "MaxPool",
    "max_pool1d": "MaxPool", "avg_pool2d": "AveragePool", "avg_pool1d": "AveragePool",
    "adaptive_avg_pool2d": "GlobalAveragePool", "_adaptive_avg_pool2d": "GlobalAveragePool",
    "adaptive_max_pool2d": "AdaptiveMaxPool", "mean": "ReduceMean", "sum": "ReduceSum", "amax": "ReduceMax",
    "linear": "Gemm", "addmm": "Gemm", "mm": "MatMul", "matmul": "MatMul", "bmm": "MatMul",
    "batch_norm": "BatchNormalization", "_native_batch_norm_legit_no_training": "BatchNormalization",
    "_native_batch_norm_legit_functional": "BatchNormalization", "native_batch_norm": "BatchNormalization",
    "layer_norm": "LayerNormalization", "native_layer_norm": "LayerNormalization",
    "group_norm": "GroupNormalization", "instance_norm": "InstanceNormalization", "flatten": "Flatten",
    "view": "Reshape", "reshape": "Reshape", "_unsafe_view": "Reshape", "cat": "Concat", "concat": "Concat",
    "permute": "Transpose", "transpose": "Transpose", "t": "Transpose", "squeeze": "Squeeze",
    "unsqueeze": "Unsqueeze", "pad": "Pad", "constant_pad_nd": "Pad", "upsample_nearest2d": "Resize",
    "upsample_bilinear2d": "Resize", "embedding": "Gather", "dropout": "Dropout",
}
#: Ops that only pass their input on (in an exported, eval-mode program): their output is the input's.
_ALIASES = {"alias", "detach", "clone", "contiguous", "lift_fresh_copy", "dropout", "feature_dropout",
            "alpha_dropout", "identity"}


def _op_name(target) -> str:
    schema = getattr(target, "_schema", None)
    return schema.name.split("::", 1)[-1] if schema is not None else getattr(target, "__name__", str(target))


def _op_type(op: str, bound: dict) -> str:
    base = op.rstrip("_")
    if base in ("convolution", "_convolution") and bound.get("transposed"):
        return "ConvTranspose"
    if base in OP_TYPES:
        return OP_TYPES[base]
    return "".join(part.capitalize() for part in base.split("_") if part) or op


def _bind(target, args, kwargs) -> dict:
    """The call's arguments by name (defaults filled in), from the op's schema."""
    bound = {}
    for i, argument in enumerate(target._schema.arguments):
        if i < len(args):
            bound[argument.name] = args[i]
        elif argument.name in kwargs:
            bound[argument.name] = kwargs[argument.name]
        elif argument.has_default_value():
            bound[argument.name] = argument.default_value
    return bound


def _pairs(value, rank: int) -> list[int]:
    value = list(value) if isinstance(value, (list, tuple)) else [value]
    return [int(v) for v in (value * rank if len(value) == 1 else value)]


def _geometry(op_type: str, bound: dict, weight) -> dict:
    """ONNX-style attributes of a convolution or pool call."""
    if op_type in ("Conv", "ConvTranspose") and weight is not None:
        rank = weight.dim() - 2
        padding = bound.get("padding", 0)
        attributes = {"kernel_shape": list(weight.shape[2:]), "strides": _pairs(bound.get("stride", 1), rank),
                      "dilations": _pairs(bound.get("dilation", 1), rank), "group": int(bound.get("groups", 1))}
        if isinstance(padding, str):
            attributes["auto_pad"] = {"same": "SAME_UPPER", "valid": "VALID"}.get(padding, padding)
        else:
            attributes["pads"] = _pairs(padding, rank) * 2
        return attributes
    if op_type in ("MaxPool", "AveragePool") and "kernel_size" in bound:
        kernel = _pairs(bound["kernel_size"], 2)
        stride = bound.get("stride") or kernel
        attributes = {"kernel_shape": kernel, "strides": _pairs(stride, 2),
                      "pads": _pairs(bound.get("padding", 0), 2) * 2, "ceil_mode": int(bool(bound.get("ceil_mode")))}
        if "dilation" in bound:
            attributes["dilations"] = _pairs(bound["dilation"], 2)
        return attributes
    return {}


def _shape(value) -> tuple:
    shape = getattr(value, "shape", None)
    return tuple(int(d) if isinstance(d, int) else None for d in shape) if shape is not None else ()


class Pt2Model(ExternalModel):
    """A torch.export program run node by node (see the module notes)."""

    def _run(self, x: np.ndarray) -> dict[str, np.ndarray]:
        import torch

        wanted, recorded = self._recorded, {}

        class Recorder(torch.fx.Interpreter):
            def run_node(self, node):
                value = super().run_node(node)
                if node.name in wanted:
                    first = value[0] if isinstance(value, (tuple, list)) else value
                    recorded[wanted[node.name]] = first.detach().numpy().copy()
                return value

        args = [torch.from_numpy(x) if spec is None else spec for spec in self._arguments]
        with torch.no_grad():
            Recorder(self._graph_module).run(*args)
        return {layer.name: recorded[layer.name] for layer in self._layers}


def program_model(program, path: pathlib.Path, fmt: str, metadata: dict[str, str],
                  size: tuple[int, int] | None = None) -> Pt2Model:
    """An :class:`ExternalModel` for a loaded ``ExportedProgram`` (from a checked file, or made by ConvLens)."""
    import torch
    from torch.export.graph_signature import InputKind, OutputKind

    name = path.name
    signature = program.graph_signature
    placeholders = [n for n in program.graph.nodes if n.op == "placeholder"]
    arguments, static, user = [], {}, []
    for node, spec in zip(placeholders, signature.input_specs):
        if spec.kind == InputKind.USER_INPUT:
            arguments.append(None)
            user.append(node)
        elif spec.kind in (InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR):
            source = program.state_dict if spec.target in program.state_dict else program.constants
            value = source[spec.target]
            arguments.append(value.detach())
            static[node.name] = (value.detach(), spec.kind == InputKind.BUFFER)
        else:
            raise refuse(name, f"its program takes a {spec.kind.name.lower()} input")
    if len(user) != 1:
        raise ValueError(f"{name} takes {len(user)} inputs; ConvLens shows models that take one image.")
    dims = _shape(user[0].meta.get("val"))
    if len(dims) != 4 or dims[1] not in (1, 3):
        raise ValueError(f"{name} takes input of shape {dims}; ConvLens shows image models, whose input is "
                         f"(batch, 1 or 3 channels, height, width).")
    notes: list[str] = []
    check_sizes(name, [], dims)
    size_fixed = dims[2] is not None and dims[3] is not None
    preprocessing = read_preprocessing(metadata, (dims[2], dims[3]) if size_fixed else (224, 224), dims[1],
                                       size_fixed, notes)
    if size is not None and not size_fixed:  # the size the user chose for an open-size input
        from dataclasses import replace

        preprocessing = replace(preprocessing, size=tuple(int(n) for n in size))
    producer = {user[0].name: user[0].name}
    taken, counted = {user[0].name}, set()
    layers, recorded = [], {}
    for node in program.graph.nodes:
        if node.op != "call_function":
            continue
        sources = [producer[a.name] for a in node.all_input_nodes if a.name in producer]
        if not sources:
            continue
        op = _op_name(node.target)
        if op == "getitem" or op.rstrip("_") in _ALIASES:
            producer[node.name] = sources[0]
            continue
        if not isinstance(node.meta.get("val"), (torch.Tensor, tuple, list)):
            continue
        bound = _bind(node.target, node.args, node.kwargs)
        op_type = _op_type(op, bound)
        layer_name = unique_name(node.name, taken, op)
        producer[node.name] = layer_name
        params = frozen = 0
        for arg in node.all_input_nodes:
            if arg.name in static and arg.name not in counted and static[arg.name][0].is_floating_point():
                counted.add(arg.name)
                params += static[arg.name][0].numel()
                frozen += static[arg.name][0].numel() if static[arg.name][1] else 0
        weight = bias = None
        if op_type in ("Conv", "ConvTranspose"):
            weight_node, bias_node = bound.get("weight"), bound.get("bias")
            if getattr(weight_node, "name", None) in static:
                weight = static[weight_node.name][0]
            if getattr(bias_node, "name", None) in static:
                bias = static[bias_node.name][0].float().numpy().copy()
        value = node.meta["val"]
        shape = _shape(value[0] if isinstance(value, (tuple, list)) else value)
        layers.append(ExternalLayer(layer_name, op_type, shape, int(params), tuple(dict.fromkeys(sources)),
                                    _geometry(op_type, bound, weight),
                                    None if weight is None else weight.float().numpy().copy(), bias, int(frozen)))
        recorded[node.name] = layer_name
    if not layers:
        raise ValueError(f"{name} computes nothing from its input.")
    check_sizes(name, layers, (1, dims[1], *preprocessing.size))
    outputs = [spec.arg.name for spec in signature.output_specs if spec.kind == OutputKind.USER_OUTPUT]
    layers = order_with_output_last(layers, producer.get(outputs[0]) if outputs else None)
    model = Pt2Model(path=path, format=fmt, name=path.stem, input_name=user[0].name,
                     input_shape=(1, dims[1], *preprocessing.size), preprocessing=preprocessing, notes=notes,
                     size_fixed=size_fixed, _layers=layers)
    model._graph_module, model._arguments, model._recorded = program.graph_module, arguments, recorded
    if any(d is None for layer in layers for d in layer.output_shape):  # symbolic sizes: measure them once
        shapes = {k: v.shape for k, v in model.activations(np.zeros(model.input_shape, np.float32)).items()}
        model._layers = [_with_shape(layer, shapes[layer.name]) for layer in layers]
    model.labels = read_labels(metadata, path, model.output_classes(), notes)
    return model


def _with_shape(layer: ExternalLayer, shape) -> ExternalLayer:
    from dataclasses import replace

    return replace(layer, output_shape=tuple(int(d) for d in shape))


def open_pt2(path: pathlib.Path, max_bytes: int, size: tuple[int, int] | None = None) -> Pt2Model:
    """Check (:func:`check_archive`), load and prepare a ``.pt2`` file. Raises ``ValueError`` with a sentence."""
    import torch

    extra = check_archive(path, max_bytes)
    try:
        program = torch.export.load(str(path))
    except Exception as exc:  # torch raises many kinds for files from other versions or damaged ones
        raise ValueError(f"{path.name} could not be loaded by this PyTorch ({torch.__version__}): "
                         f"{plain(exc, 200)} Export the model again with this version.") from None
    return program_model(program, path, "pt2", extra, size)
