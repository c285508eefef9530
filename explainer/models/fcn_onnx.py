"""The FCNs' live inference through onnxruntime: the same layers and weights, about 3× faster.

The segmentation lesson runs FCN-32s, 16s and 8s on every stroke. torch picks
its slowest convolution routine for the small inputs of one 96×96 scene (the
deeper stages have under 20k input values), while onnxruntime's CPU kernels run
the same network in about a third of the time. :func:`fcn_graph` writes an
:class:`~explainer.models.fcn.FCN` as an ONNX graph layer by layer (batch norm
folded into its convolution, dropout left out, as at inference), and
:class:`OnnxFCN` runs it. The weights are not copied: the session reads the
model's own tensors (ONNX "external initializers"), so training them in place
Each session holds its own copy of the weights, packed for its kernels (about
20 MB for the three FCNs, plus onnxruntime's own 30 MB once): memory traded for
speed. The torch model stays the reference: tests compare both on held-out scenes.
"""

from __future__ import annotations

import threading

import numpy as np
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

from .fcn import FCN, NUM_CLASSES

#: The ONNX operator set the graphs are written for.
OPSET = 17


class _Graph:
    """Nodes and weights of the graph being written."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.weights: dict[str, np.ndarray] = {}
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def weight(self, stem: str, tensor: torch.Tensor) -> str:
        name = self.name(stem)
        self.weights[name] = np.ascontiguousarray(tensor.detach().float().numpy())
        return name

    def node(self, op: str, inputs: list[str], stem: str, **attributes) -> str:
        from onnx import helper

        out = self.name(stem)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attributes))
        return out

    def conv(self, x: str, conv: nn.Conv2d, norm: nn.BatchNorm2d | None, stem: str) -> str:
        weight, bias = conv.weight, conv.bias
        if norm is not None:  # inference: the batch norm is a per-channel scale and shift of the convolution
            weight, bias = fuse_conv_bn_weights(weight, bias, norm.running_mean, norm.running_var, norm.eps,
                                                norm.weight, norm.bias)
        inputs = [x, self.weight(f"{stem}_w", weight)]
        if bias is not None:
            inputs.append(self.weight(f"{stem}_b", bias))
        (ph, pw), (sh, sw), (dh, dw) = conv.padding, conv.stride, conv.dilation
        return self.node("Conv", inputs, stem, kernel_shape=list(conv.kernel_size), pads=[ph, pw, ph, pw],
                         strides=[sh, sw], dilations=[dh, dw], group=conv.groups)

    def upsample(self, x: str, layer: nn.ConvTranspose2d, stem: str) -> str:
        if layer.bias is not None or layer.groups != 1 or layer.output_padding != (0, 0):
            raise ValueError(f"{stem}: only bias-free, ungrouped transposed convolutions are written")
        (ph, pw), (sh, sw) = layer.padding, layer.stride
        return self.node("ConvTranspose", [x, self.weight(f"{stem}_w", layer.weight)], stem,
                         kernel_shape=list(layer.kernel_size), pads=[ph, pw, ph, pw], strides=[sh, sw])

    def sequence(self, x: str, block: nn.Sequential, stem: str) -> str:
        layers = list(block)
        i = 0
        while i < len(layers):
            layer = layers[i]
            if isinstance(layer, nn.Conv2d):
                norm = layers[i + 1] if i + 1 < len(layers) and isinstance(layers[i + 1], nn.BatchNorm2d) else None
                x = self.conv(x, layer, norm, f"{stem}_conv")
                i += 2 if norm is not None else 1
                continue
            if isinstance(layer, nn.ReLU):
                x = self.node("Relu", [x], f"{stem}_relu")
            elif isinstance(layer, nn.MaxPool2d):
                k, s = layer.kernel_size, layer.stride
                if layer.padding not in (0, (0, 0)) or layer.dilation not in (1, (1, 1)) or layer.ceil_mode:
                    raise ValueError(f"{stem}: only plain max pooling is written")
                k = [k, k] if isinstance(k, int) else list(k)
                s = [s, s] if isinstance(s, int) else list(s)
                x = self.node("MaxPool", [x], f"{stem}_pool", kernel_shape=k, strides=s)
            elif not isinstance(layer, (nn.Dropout, nn.Dropout2d, nn.Identity)):  # dropout: nothing at inference
                raise ValueError(f"{stem}: no ONNX writing for {type(layer).__name__}")
            i += 1
        return x


def fcn_graph(model: FCN, side: int = 96):
    """``model`` (in eval mode) as an ONNX model for (1, 1, ``side``, ``side``) inputs, and its weights.

    Returns
    -------
    onnx.ModelProto
        With the weights as initializers (copied: later changes to ``model`` are not seen).
    """
    from onnx import TensorProto, helper, numpy_helper

    if not isinstance(model, FCN):
        raise ValueError(f"fcn_graph writes FCNs, not {type(model).__name__}")
    if side <= 0 or side % 32:
        raise ValueError(f"FCN inputs need sides that are multiples of 32, got {side}")
    g = _Graph()
    x = g.sequence("input", model.stage1, "stage1")
    x = g.sequence(x, model.stage2, "stage2")
    pool3 = g.sequence(x, model.stage3, "stage3")
    pool4 = g.sequence(pool3, model.stage4, "stage4")
    x = g.sequence(pool4, model.stage5, "stage5")
    x = g.sequence(x, model.fc6, "fc6")
    x = g.sequence(x, model.fc7, "fc7")
    score = g.conv(x, model.score_fr, None, "score_fr")
    if model.variant == "fcn32s":
        out = g.upsample(score, model.upscore32, "upscore32")
    else:
        score = g.node("Add", [g.upsample(score, model.upscore2, "upscore2"),
                               g.conv(pool4, model.score_pool4, None, "score_pool4")], "fuse_pool4")
        if model.variant == "fcn16s":
            out = g.upsample(score, model.upscore16, "upscore16")
        else:
            score = g.node("Add", [g.upsample(score, model.upscore_pool4, "upscore_pool4"),
                                   g.conv(pool3, model.score_pool3, None, "score_pool3")], "fuse_pool3")
            out = g.upsample(score, model.upscore8, "upscore8")
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, side, side])]
    outputs = [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, NUM_CLASSES, side, side])]
    weights = [numpy_helper.from_array(array, name) for name, array in g.weights.items()]
    graph = helper.make_graph(g.nodes, model.variant, inputs, outputs, weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ConvLens")


class OnnxFCN:
    """One FCN run by onnxruntime on one thread; call it with a (H, W) scene to get its (H, W) labels.

    Parameters
    ----------
    model : FCN
        The trained network (its weights are copied into the session).
    side : int
        The scene's side (a multiple of 32).
    """

    def __init__(self, model: FCN, side: int = 96) -> None:
        import onnxruntime as ort

        was_training = model.training
        model.eval()
        try:
            data = fcn_graph(model, side).SerializeToString()
        finally:
            model.train(was_training)
        self.variant, self.side = model.variant, side
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # the three variants run side by side, one core each
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # buffers are freed after each run instead of kept in an arena
        self._session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        self._output = self._session.get_outputs()[0].name
        self._lock = threading.Lock()  # one run at a time per session keeps its buffers private

    def logits(self, image: np.ndarray) -> np.ndarray:
        """(11, H, W) float32 scores of one (H, W) scene in [0, 1]."""
        image = np.asarray(image, dtype=np.float32)
        if image.shape != (self.side, self.side):
            raise ValueError(f"this FCN reads {self.side}×{self.side} scenes, got {image.shape}")
        with self._lock:
            return self._session.run([self._output], {"input": image[None, None]})[0][0]

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """(H, W) int64 labels: the highest-scoring class of every pixel (the first on a tie, as argmax)."""
        return self.logits(image).argmax(0)
