"""ONNX models: checked before anything is loaded, run with onnxruntime on the CPU.

The file is parsed without its external data. Every external-data reference
is then checked by this module (a relative path inside the model's folder, no
``..``, no symbolic link leading out, an existing regular file, offset and
length inside it, everything within the size limit) and the bytes are read by
this module too, so neither onnx nor onnxruntime ever opens a path the file
names: the path-traversal bugs of CVE-2024-27318 / CVE-2024-27319 cannot be
reached. Then ``onnx.checker``, shape inference with the input's size fixed,
and an onnxruntime session in which every intermediate tensor is a graph
output.
"""

from __future__ import annotations

import os
import pathlib
import re
import threading
from dataclasses import replace

import numpy as np

from .base import (ExternalLayer, ExternalModel, check_sizes, order_with_output_last, plain, size_text,
                   unique_name)
from .preprocessing import read_labels, read_preprocessing

#: Domains whose ops onnxruntime (CPU) implements, and ONNX's own domains.
_STANDARD_DOMAINS = {"", "ai.onnx", "ai.onnx.ml"}
_RUNTIME_DOMAINS = _STANDARD_DOMAINS | {"com.microsoft", "com.microsoft.nchwc", "com.microsoft.experimental",
                                        "ai.onnx.preview.training", "com.ms.internal.nhwc"}
#: Ops whose output describes a tensor (its shape) rather than holding image data.
_SHAPE_OPS = {"Shape", "Size"}
_POOLS = {"MaxPool", "AveragePool", "LpPool"}
_FLOAT_TYPES = {1: np.float32, 10: np.float16, 11: np.float64}  # TensorProto.FLOAT, FLOAT16, DOUBLE
_NOT_REGISTERED = re.compile(r"([\w.]*):?(\w+)\(-?\d+\) is not a registered function/op")
_NO_KERNEL = re.compile(r"Could not find an implementation for (\w+)\((\d+)\)")
#: Threads onnxruntime uses for one run. One, as torch in the app (explainer.models.runtime): the GUI
#: thread and the workers share a small CPU, and on 2 busy cores a ResNet-18 ran in 66 ms on one thread
#: against 130 ms on two.
INTRA_OP_THREADS = 1
#: Longest one image may run (seconds) before it is stopped: a Loop node can be told to run 10¹² times.
RUN_TIME_LIMIT_S = 60.0


def _tensors(graph):
    """Every TensorProto a graph holds: initializers, sparse ones, and attribute tensors, subgraphs included."""
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
        yield sparse.indices
    for node in graph.node:
        yield from _attribute_tensors(node)


def _attribute_tensors(node):
    for attribute in node.attribute:
        if attribute.HasField("t"):
            yield attribute.t
        yield from attribute.tensors
        sparse = [attribute.sparse_tensor] if attribute.HasField("sparse_tensor") else []
        for tensor in (*sparse, *attribute.sparse_tensors):  # a Constant's sparse_value, e.g.
            yield tensor.values
            yield tensor.indices
        if attribute.HasField("g"):
            yield from _tensors(attribute.g)
        for sub in attribute.graphs:
            yield from _tensors(sub)


def _all_tensors(model):
    yield from _tensors(model.graph)
    for function in model.functions:
        for node in function.node:
            yield from _attribute_tensors(node)


def _unsafe_location(location: str) -> str | None:
    """Why an external-data location may not be followed, or None."""
    if not location:
        return "it names no file"
    if "\x00" in location:
        return "its file name holds a NUL character"
    parts = re.split(r"[\\/]+", location)
    if os.path.isabs(location) or location.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", location):
        return f"it points to the absolute path {location!r}"
    if ".." in parts:
        return f"its path {location!r} climbs out of the model's folder with '..'"
    return None


def load_external_data(model, folder: pathlib.Path, name: str, budget: int) -> int:
    """Check every external-data reference of ``model`` and read the bytes into it.

    Returns the number of bytes read. Raises ``ValueError`` naming the tensor and the reason.
    """
    import onnx

    root = os.path.realpath(folder)
    total = 0
    for tensor in _all_tensors(model):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        info = {entry.key: entry.value for entry in tensor.external_data}
        location = info.get("location", "")
        reason = _unsafe_location(location)
        target = os.path.realpath(os.path.join(root, location)) if reason is None else ""
        if reason is None and os.path.commonpath([root, target]) != root:
            reason = f"its path {location!r} leads outside the model's folder (through a link)"
        if reason is None and not os.path.isfile(target):
            reason = f"its data file {location!r} is missing beside the model"
        if reason:
            raise ValueError(f"{name} was not opened: the weights of {tensor.name!r} are stored in another file, "
                             f"but {reason}. Only data files in the model's own folder are read.")
        try:
            offset, length = int(info.get("offset", 0)), info.get("length")
            available = os.path.getsize(target)
            length = available - offset if length is None else int(length)
        except ValueError:
            raise ValueError(f"{name} is damaged: the external data of {tensor.name!r} has an offset or length "
                             f"that is not a number.") from None
        if offset < 0 or length < 0 or offset + length > available:
            raise ValueError(f"{name} is damaged: the weights of {tensor.name!r} lie outside their data file "
                             f"{location!r} ({size_text(available)}).")
        total += length
        if total > budget:
            raise ValueError(f"{name} is too large: with its external data it exceeds ConvLens' limit of "
                             f"{size_text(budget)} for a model.")
        with open(target, "rb") as handle:
            handle.seek(offset)
            tensor.raw_data = handle.read(length)
        del tensor.external_data[:]
        tensor.data_location = onnx.TensorProto.DEFAULT
    return total


def _dims(value_info) -> tuple:
    shape = value_info.type.tensor_type.shape
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in shape.dim)


def _attributes(node) -> dict:
    import onnx

    values = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    keep = {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad", "ceil_mode", "output_padding"}
    out = {}
    for key in sorted(keep & set(values)):
        value = values[key]
        out[key] = value.decode() if isinstance(value, bytes) else list(value) if isinstance(value, (list, tuple)) \
            else int(value)
    return out


def _spatial_defaults(attributes: dict, rank: int, op_type: str) -> dict:
    """ONNX's defaults written out, so every convolution and pool states its geometry."""
    attributes.setdefault("strides", [1] * rank)
    attributes.setdefault("pads", [0] * (2 * rank))
    if op_type not in ("AveragePool", "LpPool"):
        attributes.setdefault("dilations", [1] * rank)
    if op_type in ("Conv", "ConvTranspose"):
        attributes.setdefault("group", 1)
    return attributes


def _runtime_failure(name: str, model, exc: Exception) -> ValueError:
    """onnxruntime's refusal in words, naming the ops it cannot run."""
    import onnx

    local = {(f.domain, f.name) for f in model.functions}
    unknown = []
    for node in model.graph.node:
        known = (node.domain, node.op_type) in local or (
            node.op_type and node.domain in _STANDARD_DOMAINS
            and onnx.defs.has(node.op_type, node.domain or "")) or node.domain in _RUNTIME_DOMAINS - _STANDARD_DOMAINS
        label = f"{node.op_type} (domain {node.domain})" if node.domain else node.op_type
        if not known and label not in unknown:
            unknown.append(label)
    text = str(exc)
    if not unknown:
        found = _NOT_REGISTERED.search(text)
        if found:
            unknown = [f"{found.group(2)} (domain {found.group(1)})" if found.group(1) else found.group(2)]
    if unknown:
        ops = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        return ValueError(f"{name} uses operations onnxruntime cannot run: {ops}. Export the model with standard "
                          f"ONNX operations (torch.onnx.export does for standard torch layers).")
    found = _NO_KERNEL.search(text)
    if found:
        return ValueError(f"{name} uses {found.group(1)} (opset {found.group(2)}) with number types onnxruntime "
                          f"has no implementation for. Export the model in float32.")
    return ValueError(f"{name} could not be prepared by onnxruntime: {plain(text.split(':', 3)[-1])}")


def _run_failure(exc: Exception) -> str:
    """onnxruntime's run-time error as a clause: the failing op and its own explanation, without source paths."""
    text = " ".join(str(exc).split())
    node = re.search(r"while running (\w+) node", text)
    detail = text.rsplit("Status Message:", 1)[-1]
    detail = re.sub(r"^\s*\S+\.(?:h|cc|cpp):\d+ .*? was false\.\s*", "", detail).strip()
    if node:
        return f"its {node.group(1)} operation failed ({plain(detail, 200).rstrip('.')})."
    return plain(detail, 200).rstrip(".") + "."


class OnnxModel(ExternalModel):
    """An ONNX model whose every intermediate tensor onnxruntime returns (see the module notes)."""

    def _run(self, x: np.ndarray) -> dict[str, np.ndarray]:
        if len(x) != 1:  # the session was prepared for one image at a time (concrete shapes)
            return self._batched(x)
        import onnxruntime as ort

        options = ort.RunOptions()
        timer = threading.Timer(RUN_TIME_LIMIT_S, setattr, (options, "terminate", True))
        timer.daemon = True
        timer.start()
        try:
            values = self._session.run(self._fetch, {self.input_name: x.astype(self._input_dtype, copy=False)},
                                       options)
        except Exception as exc:  # onnxruntime's Fail / RuntimeException kinds
            if options.terminate:
                raise ValueError(f"{self.name} was stopped after {RUN_TIME_LIMIT_S:g} s on one image (does a loop "
                                 f"in it never end?).") from None
            raise ValueError(f"{self.name} could not compute its layers for this input: {_run_failure(exc)}") \
                from None
        finally:
            timer.cancel()
        return {layer: np.asarray(value) for layer, value in zip(self._fetch_layers, values)}

    def _batched(self, x: np.ndarray) -> dict[str, np.ndarray]:
        parts = [self._run(x[i : i + 1]) for i in range(len(x))]
        return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _graph_layers(model, input_name: str, shapes: dict) -> tuple[list[ExternalLayer], list[str], dict]:
    """The layers of an ONNX graph: every node that reads the input's data, directly or not.

    Constants and shape arithmetic (``Shape`` and what is computed from it, or from constants only) are not
    layers. Returns the layers in graph order, the tensor each shows (its first output), and which layer
    produced each data tensor.
    """
    import onnx

    static = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant" and node.output:
            value = next((a.t for a in node.attribute if a.name == "value" and a.HasField("t")), None)
            if value is not None:
                static[node.output[0]] = value
    data = {input_name}
    producer = {input_name: input_name}
    counted: set[str] = set()
    taken = {input_name}
    layers, fetch = [], []
    for index, node in enumerate(model.graph.node):
        sources = [producer[i] for i in node.input if i in data]
        if not sources or node.op_type in _SHAPE_OPS:
            continue
        layer_name = unique_name(node.name, taken, f"{node.op_type}_{index}")
        for out in node.output:
            if out:
                data.add(out)
                producer[out] = layer_name
        params = frozen = 0
        for position, i in enumerate(node.input):
            tensor = static.get(i)
            if tensor is None or i in counted or tensor.data_type not in _FLOAT_TYPES:
                continue
            counted.add(i)  # a tensor two nodes share is counted once
            count = int(np.prod(tensor.dims, dtype=np.int64)) if len(tensor.dims) else 1
            params += count
            if node.op_type == "BatchNormalization" and position in (3, 4):  # running mean and variance
                frozen += count
        attributes, weight, bias = {}, None, None
        if node.op_type in ("Conv", "ConvTranspose") or node.op_type in _POOLS:
            attributes = _attributes(node)
            if node.op_type in ("Conv", "ConvTranspose") and len(node.input) > 1 and node.input[1] in static:
                weight = onnx.numpy_helper.to_array(static[node.input[1]]).astype(np.float32)
                attributes.setdefault("kernel_shape", list(weight.shape[2:]))
                if len(node.input) > 2 and node.input[2] in static:
                    bias = onnx.numpy_helper.to_array(static[node.input[2]]).astype(np.float32)
            rank = len(attributes.get("kernel_shape", [])) or 2
            attributes = _spatial_defaults(attributes, rank, node.op_type)
        layers.append(ExternalLayer(layer_name, node.op_type, shapes.get(node.output[0], ()), params,
                                    tuple(dict.fromkeys(sources)), attributes, weight, bias, frozen))
        fetch.append(node.output[0])
    return layers, fetch, producer


def open_onnx(path: pathlib.Path, max_bytes: int, size: tuple[int, int] | None = None) -> OnnxModel:
    """Check, load and prepare an ONNX file (see the module notes). Raises ``ValueError`` with a sentence."""
    import onnx
    import onnxruntime as ort
    from google.protobuf.message import DecodeError

    name = path.name
    try:
        model = onnx.load(str(path), load_external_data=False)
    except (DecodeError, RuntimeError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{name} is not an ONNX model, or it is damaged or cut short: it could not be read "
                         f"({plain(exc, 120)}).") from None
    if not model.ir_version or not model.graph.node:
        raise ValueError(f"{name} is not an ONNX model, or it is damaged: it holds no graph of operations.")
    load_external_data(model, path.parent, name, max_bytes - path.stat().st_size)
    try:
        onnx.checker.check_model(model)
    except (onnx.checker.ValidationError, RuntimeError, ValueError) as exc:
        raise ValueError(f"{name} is not a valid ONNX model: {plain(exc, 200)}") from None
    initializers = {t.name: t for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        listed = ", ".join(i.name for i in inputs) or "none"
        raise ValueError(f"{name} takes {len(inputs)} inputs ({listed}); ConvLens shows models that take one image.")
    graph_input = inputs[0]
    elem_type = graph_input.type.tensor_type.elem_type
    dims = list(_dims(graph_input))
    if elem_type not in _FLOAT_TYPES:
        kind = onnx.helper.tensor_dtype_to_np_dtype(elem_type) if elem_type else "non-tensor"
        raise ValueError(f"{name} takes {kind} input; ConvLens feeds images as floating-point numbers.")
    if len(dims) != 4 or dims[1] not in (1, 3, None):
        raise ValueError(f"{name} takes input of shape {tuple(dims)}; ConvLens shows image models, whose input is "
                         f"(batch, 1 or 3 channels, height, width).")
    metadata = {p.key: p.value for p in model.metadata_props}
    notes: list[str] = []
    channels = dims[1] or 3
    check_sizes(name, [], dims)
    size_fixed = dims[2] is not None and dims[3] is not None
    requested = size
    size = (dims[2], dims[3]) if size_fixed else (224, 224)
    preprocessing = read_preprocessing(metadata, size, channels, size_fixed, notes)
    if requested is not None and not size_fixed:  # the size the user chose for an open-size input
        preprocessing = replace(preprocessing, size=tuple(int(n) for n in requested))
    input_shape = (1, channels, *preprocessing.size)
    for dim, value in zip(graph_input.type.tensor_type.shape.dim, input_shape):
        if not dim.HasField("dim_value"):
            dim.dim_value = value  # shapes below are then concrete; the session takes batches of one
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:  # onnx raises its own InferenceError kinds
        raise ValueError(f"{name} is not a consistent ONNX model: its shapes do not fit ({plain(exc, 200)}).") \
            from None
    shapes = {v.name: _dims(v) for v in (*inferred.graph.value_info, *inferred.graph.output)}
    types = {v.name: v for v in (*inferred.graph.value_info, *inferred.graph.output)}

    layers, fetch, producer = _graph_layers(model, graph_input.name, shapes)
    if not layers:
        raise ValueError(f"{name} computes nothing from its input: no operation reads {graph_input.name!r}.")
    check_sizes(name, layers, input_shape)
    output = model.graph.output[0].name
    order = order_with_output_last(layers, producer.get(output))
    by_layer = dict(zip((layer.name for layer in layers), fetch))
    fetch = [by_layer[layer.name] for layer in order]
    if order[-1].name == producer.get(output):
        fetch[-1] = output
    existing = {o.name for o in model.graph.output}
    for tensor in fetch:
        if tensor not in existing:
            model.graph.output.append(types.get(tensor) or onnx.ValueInfoProto(name=tensor))
            existing.add(tensor)
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, min(INTRA_OP_THREADS, os.cpu_count() or 1))
    options.inter_op_num_threads = 1
    options.log_severity_level = 4  # failures reach the user as sentences, not as log lines on stderr
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting if raised
    try:
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail / InvalidGraph / NotImplemented kinds
        raise _runtime_failure(name, model, exc) from None
    result = OnnxModel(path=path, format="onnx", name=path.stem, input_name=graph_input.name,
                       input_shape=input_shape, preprocessing=preprocessing, notes=notes,
                       size_fixed=size_fixed, _layers=order)
    result._session, result._fetch, result._fetch_layers = session, fetch, [layer.name for layer in order]
    result._input_dtype = _FLOAT_TYPES[elem_type]
    if any(d is None for layer in order for d in layer.output_shape) or any(not layer.output_shape for layer in order):
        measured = result.activations(np.zeros(input_shape, np.float32))  # shape inference left some open
        result._layers = [replace(layer, output_shape=tuple(int(d) for d in measured[layer.name].shape))
                          for layer in order]
    result.labels = read_labels(metadata, path, result.output_classes(), notes)
    return result
