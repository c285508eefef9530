"""The photo lesson's work for a model of the user's own (no Qt): arrays in, arrays out.

Everything here runs in a worker thread: the image becomes the model's input
(its :class:`~explainer.models.external.Preprocessing`), the model gives every
layer's activation, and each layer is turned into small pictures for the
screen, so the GUI thread only draws. A convolution channel is broken down
into its input channels, kernel slices and their sums with :mod:`explainer.core`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ....core import box_resize, conv2d, conv2d_per_channel
from .analysis import make_preview
from ....core.levels import percentile

#: Channels drawn per layer unless "show every channel" is on (a 512-channel layer would be a sea of tiles).
CHANNEL_LIMIT = 16
#: Longest side of a channel's picture on screen; larger maps are area-averaged down in the worker.
MAP_SIDE = 40
#: Values a vector layer (a dense output, a flattened map) shows at most.
VECTOR_LIMIT = 1024
#: Input channels whose individual responses the channel detail computes and draws at most.
RESPONSE_LIMIT = 64


@dataclass(frozen=True, eq=False)
class LayerPicture:
    """One layer as the lesson draws it.

    Attributes
    ----------
    name, op_type : str
    shape : tuple of int
        The activation's shape with the batch dimension.
    maps : ndarray, shape (c, h, w) float32, or (n,) for a vector
        The channels drawn (at most ``MAP_SIDE`` pixels a side; the first ``c`` of ``channels``).
    levels : (low, high)
        Colour levels, from the whole activation.
    channels : int
        How many channels (or values) the layer has.
    spatial : bool
        True for (C, H, W) maps, False for a vector.
    """

    name: str
    op_type: str
    shape: tuple
    maps: np.ndarray
    levels: tuple[float, float]
    channels: int
    spatial: bool

    @property
    def shown(self) -> int:
        """How many channels are drawn."""
        return int(self.maps.shape[0])


def shrink_maps(maps: np.ndarray, side: int = MAP_SIDE) -> np.ndarray:
    """(C, H, W) maps area-averaged so that the longer side is at most ``side`` (unchanged if smaller)."""
    maps = np.asarray(maps, dtype=np.float32)
    _, h, w = maps.shape
    if max(h, w) <= side:
        return maps
    scale = side / max(h, w)
    out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
    return np.stack([box_resize(channel.astype(np.float64), out_h, out_w) for channel in maps]).astype(np.float32)


def color_levels(values: np.ndarray) -> tuple[float, float]:
    """Fixed colour levels for an activation: 0 to its 99.5th percentile, or symmetric when it is signed."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (0.0, 1.0)
    magnitude = np.abs(finite)
    top = percentile(magnitude, 99.5) or float(magnitude.max()) or 1.0
    return (-top, top) if finite.min() < 0 else (0.0, top)


def layer_picture(layer, activation: np.ndarray, limit: int | None = CHANNEL_LIMIT) -> LayerPicture:
    """How one layer's activation (with its batch dimension) is drawn; ``limit`` None draws every channel."""
    values = np.asarray(activation)
    shape = tuple(int(n) for n in values.shape)
    first = values[0] if values.ndim >= 2 and values.shape[0] == 1 else values
    levels = color_levels(first)
    if first.ndim == 3:
        count = first.shape[0]
        shown = count if limit is None else min(count, limit)
        maps = shrink_maps(first[:shown])
        return LayerPicture(layer.name, layer.op_type, shape, maps, levels, count, True)
    vector = np.asarray(first, dtype=np.float32).reshape(-1)
    count = vector.size
    shown = count if limit is None else min(count, max(limit, VECTOR_LIMIT))
    return LayerPicture(layer.name, layer.op_type, shape, vector[:shown].copy(), levels, count, False)


def layer_pictures(layers, activations: dict, limit: int | None = CHANNEL_LIMIT) -> list[LayerPicture]:
    """Every layer that has an activation, in graph order."""
    return [layer_picture(layer, activations[layer.name], limit) for layer in layers if layer.name in activations]


def class_probabilities(output: np.ndarray) -> np.ndarray:
    """The model's output as probabilities: used as they are when they already are, else a softmax."""
    values = np.asarray(output, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(values)):
        raise ValueError("the model's output holds NaN or infinite values, so it gives no class probabilities")
    if values.min() >= 0 and values.max() <= 1 and abs(values.sum() - 1) < 1e-3:
        return values
    exp = np.exp(values - values.max())
    return exp / exp.sum()


def input_picture(x: np.ndarray, preprocessing) -> np.ndarray:
    """The model's input (1, C, h, w) turned back into an (h, w, 3) picture in [0, 1] to show."""
    values = np.asarray(x, dtype=np.float64)[0]
    channels = values.shape[0]
    mean = np.asarray(preprocessing.mean, dtype=np.float64)[:channels, None, None]
    std = np.asarray(preprocessing.std, dtype=np.float64)[:channels, None, None]
    pixels = (values * std + mean) / float(preprocessing.scale)
    if channels == 3 and getattr(preprocessing, "channels", 3) == 3 and preprocessing.channel_order == "BGR":
        pixels = pixels[::-1]
    picture = pixels.transpose(1, 2, 0)
    if channels != 3:
        picture = np.repeat(picture[:, :, :1], 3, axis=2)
    return np.clip(picture, 0.0, 1.0).astype(np.float32)


def read_image(model, preprocessing, image: np.ndarray, limit: int | None = CHANNEL_LIMIT) -> dict:
    """Run ``model`` on ``image`` and prepare everything the lesson draws.

    Parameters
    ----------
    model : ExternalModel
    preprocessing : Preprocessing
        How the image becomes the model's input (read from the model or confirmed by the user).
    image : ndarray, shape (H, W, 3), float in [0, 1]
    limit : int or None
        Channels drawn per layer (None: all).

    Returns
    -------
    dict
        ``preview`` (the photo, small), ``input`` (what the model sees, as a picture), ``x`` (the input
        tensor), ``activations`` (every layer, full size), ``pictures`` (:class:`LayerPicture` per layer),
        ``probabilities`` (one per class).
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"the image must be (H, W, 3) RGB, got shape {image.shape}")
    x = preprocessing.apply(image)
    activations = model.activations(x)
    if not activations:
        raise ValueError("the model gave no outputs")
    output = list(activations.values())[-1]
    return {"preview": make_preview(image), "input": input_picture(x, preprocessing), "x": x,
            "activations": activations, "pictures": layer_pictures(model.layers(), activations, limit),
            "probabilities": class_probabilities(output)}


def layer_input(model, layer, activations: dict, x: np.ndarray) -> np.ndarray | None:
    """The activation a layer reads first, without its batch dimension (the model's input for the first layer)."""
    if not layer.inputs:
        return None
    name = layer.inputs[0]
    value = x if name == model.input_name else activations.get(name)
    return None if value is None else np.asarray(value)[0]


def plain_convolution(layer) -> tuple[int, int] | None:
    """(stride, padding) if ``layer`` is a plain convolution that :func:`explainer.core.conv_step` spells out.

    Plain: one group, dilation 1, a square kernel, the same stride both ways and the same padding on every side.
    Automatic padding ("SAME") counts when it is the same on every side: stride 1 and an odd kernel.
    """
    attributes = layer.attributes or {}
    weight = layer.weight
    if layer.op_type != "Conv" or weight is None or np.ndim(weight) != 4:
        return None
    kernel = tuple(attributes.get("kernel_shape", weight.shape[2:]))
    strides = tuple(attributes.get("strides", (1, 1)))
    pads = tuple(attributes.get("pads", (0, 0, 0, 0)))
    auto_pad = str(attributes.get("auto_pad", "NOTSET")).upper()
    if auto_pad == "VALID":
        pads = (0, 0, 0, 0)
    elif auto_pad.startswith("SAME"):
        if any(s != 1 for s in strides) or any(k % 2 == 0 for k in kernel):
            return None  # the padding differs between the sides
        pads = tuple((k - 1) // 2 for k in kernel) * 2
    elif auto_pad != "NOTSET":
        return None
    dilations = tuple(attributes.get("dilations", (1, 1)))
    if int(attributes.get("group", 1)) != 1 or any(d != 1 for d in dilations):
        return None
    if len(set(kernel)) != 1 or len(set(strides)) != 1 or len(set(pads)) != 1:
        return None
    return int(strides[0]), int(pads[0])


def why_not_plain(layer) -> str:
    """A sentence saying why the per-channel sums of ``layer`` are not spelled out."""
    attributes = layer.attributes or {}
    group = int(attributes.get("group", 1))
    if group != 1:
        channels = layer.weight.shape[1] if layer.weight is not None else "a few"
        return (f"This convolution has {group} groups: each output channel reads only {channels} of the input "
                "channels, so its kernel slices are shown without the per-channel sums.")
    if any(d != 1 for d in attributes.get("dilations", (1, 1))):
        return (f"This convolution is dilated ({tuple(attributes['dilations'])}): the kernel slices are shown, "
                "the per-channel sums only for plain convolutions.")
    if str(attributes.get("auto_pad", "NOTSET")).upper().startswith("SAME"):
        return ("This convolution pads its input automatically ('same' size), with more padding on one side than "
                "the other: the kernel slices are shown, the per-channel sums only for plain convolutions.")
    return ("This convolution has a non-square kernel, or different strides or padding on different sides: the "
            "kernel slices are shown, the per-channel sums only for plain convolutions.")


def conv_detail(layer, x_in: np.ndarray | None, output: np.ndarray, channel: int) -> dict:
    """How output ``channel`` of convolution ``layer`` is computed from ``x_in`` (C, H, W).

    Returns ``kernel`` (C/groups, kh, kw) and ``output`` (the channel, (H', W')), and for a plain
    convolution also ``input`` (C, H, W), ``responses`` (each of the first :data:`RESPONSE_LIMIT` input
    channels convolved with its slice), ``sum`` (of every channel's response), ``bias``, ``pre`` (sum + bias),
    ``stride``, ``padding``, ``weights`` (the channel's (C, k, k) kernel for :func:`~explainer.core.conv_step`)
    and ``error``: the largest difference between ``pre`` and the model's own channel.
    """
    weight = layer.weight
    if weight is None or np.ndim(weight) != 4:
        raise ValueError(f"{layer.name} has no convolution kernels to show")
    output = np.asarray(output)
    if not 0 <= channel < weight.shape[0]:
        raise ValueError(f"{layer.name} has {weight.shape[0]} channels (0 to {weight.shape[0] - 1}); there is no "
                         f"channel {channel}")
    kernel = np.asarray(weight[channel], dtype=np.float64)
    bias = float(layer.bias[channel]) if layer.bias is not None else 0.0
    info = {"kernel": kernel, "bias": bias, "output": np.asarray(output[channel], dtype=np.float64), "plain": False}
    plain = plain_convolution(layer)
    if plain is None or x_in is None or x_in.ndim != 3 or x_in.shape[0] != kernel.shape[0]:
        return info
    stride, padding = plain
    x = np.asarray(x_in, dtype=np.float64)
    shown = min(len(x), RESPONSE_LIMIT)
    responses = conv2d_per_channel(x[:shown], kernel[:shown], stride=stride, padding=padding)
    total = conv2d(x, kernel[None], stride=stride, padding=padding)[0]
    pre = total + bias
    if pre.shape != info["output"].shape:  # the file's geometry is not what it seems: show the kernels only
        return info
    error = float(np.max(np.abs(pre - info["output"])))
    info.update(plain=True, input=x, responses=responses, sum=total, pre=pre, stride=stride, padding=padding,
                error=error, shown_inputs=shown)
    return info
