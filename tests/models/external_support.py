"""Models and files the external-model tests build: a small ResNet, exports, rewritten archives."""

from __future__ import annotations

import warnings
import zipfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn


class Block(nn.Module):
    """A ResNet basic block: conv-bn-relu-conv-bn plus a shortcut (1×1 conv + bn when the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.down = None
        if stride != 1 or c_in != c_out:
            self.down = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


class TinyResNet(nn.Module):
    """Stem, an identity block, a downsampling block, global pooling, 10 classes; 3×32×32 input."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.block1 = Block(8, 8)
        self.block2 = Block(8, 16, stride=2)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))

    def forward(self, x):
        return self.head(self.block2(self.block1(self.stem(x))))


def tiny_resnet(seed: int = 0) -> TinyResNet:
    """A TinyResNet in eval mode whose batch norms have non-trivial statistics (so folding them shows)."""
    torch.manual_seed(seed)
    model = TinyResNet()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def export_onnx_file(model, example, path, dynamo: bool, dynamic_axes=None):
    """torch's own ONNX export (as a user would make the file), without its chatter."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(model, (example,), str(path), dynamo=True, verbose=False,
                              input_names=["input"], output_names=["output"])
        else:
            torch.onnx.export(model, (example,), str(path), dynamo=False, dynamic_axes=dynamic_axes,
                              input_names=["input"], output_names=["output"])
    return path


def export_pt2_file(model, example, path, dynamic_batch: bool = False, extra_files=None):
    shapes = ({0: torch.export.Dim("batch", min=1, max=64)},) if dynamic_batch else None
    program = torch.export.export(model, (example,), dynamic_shapes=shapes)
    torch.export.save(program, str(path), extra_files=extra_files)
    return path


def reference(model, x):
    """The torch model's output, and every Conv2d's and BatchNorm2d's output in call order (forward hooks)."""
    outputs = {"conv": [], "bn": []}
    pairs = []
    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(lambda m, i, o: outputs["conv"].append((m, o.detach()))))
        elif isinstance(module, nn.BatchNorm2d):
            handles.append(module.register_forward_hook(lambda m, i, o: outputs["bn"].append((i[0], o.detach()))))
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for handle in handles:
            handle.remove()
    for module, conv_out in outputs["conv"]:
        bn_out = next((o for i, o in outputs["bn"] if i.shape == conv_out.shape and torch.equal(i, conv_out)), None)
        pairs.append((module, conv_out.numpy(), None if bn_out is None else bn_out.numpy()))
    return out.numpy(), pairs


def rewrite_zip(source, target, change):
    """Copy a zip archive entry by entry; ``change(name, data)`` returns new bytes, or None to drop the entry."""
    with zipfile.ZipFile(source) as archive:
        items = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        for name, data in items:
            data = change(name, data)
            if data is not None:
                out.writestr(name, data)
    return target


def small_onnx(path, nodes=None, inputs=None, initializers=(), opsets=(("", 17),), metadata=None, out=(1, 2, 4, 4)):
    """A tiny ONNX model: by default x (1, 3, 4, 4) -> Conv 3x3 (weights w) -> Relu -> y."""
    x = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])]
    if nodes is None:
        nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
                 helper.make_node("Relu", ["c"], ["y"], name="relu")]
        initializers = [numpy_helper.from_array(np.random.default_rng(0).standard_normal((2, 3, 3, 3))
                                                .astype(np.float32), "w")]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out))
    graph = helper.make_graph(nodes, "g", x, [y], initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
    for key, value in (metadata or {}).items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))
    return path
