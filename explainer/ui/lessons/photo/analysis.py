"""The photo lesson's background work: no Qt, arrays in, arrays out.

Every function here runs in a worker thread. A photo of any size becomes a
small preview for the screen, the network's 32×32 input (centre crop, area
averaging) and the network's answer, all in one call, so the GUI thread only
draws the result.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from .... import io
from ....core import box_resize, conv2d_per_channel
from ....models import folded_conv, load_model, stages
from ....core.levels import percentile

#: Longest side of the photo shown on screen; larger photos are shrunk in the worker.
PREVIEW_SIDE = 256


def _shrink(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Area-average an (H, W, 3) image to (out_h, out_w, 3), channel by channel.

    An image that already has the size (a CIFAR-10 photo for a 32×32 input) is only clipped: area
    averaging onto the same grid multiplies by identity matrices, which gives the same numbers.
    """
    if image.shape[:2] == (out_h, out_w) and np.isfinite(image).all():
        return np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0).astype(np.float32)
    channels = [box_resize(np.ascontiguousarray(image[:, :, c], dtype=np.float64), out_h, out_w)
                for c in range(image.shape[2])]
    return np.clip(np.stack(channels, axis=2), 0.0, 1.0).astype(np.float32)


def to_network_input(image: np.ndarray, side: int = 32) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Centre-crop an (H, W, 3) image to a square and shrink it to ``side``×``side`` by area averaging.

    Returns
    -------
    small : ndarray, shape (side, side, 3), float32 in [0, 1]
    crop : tuple of int
        ``(top, left, size)`` of the square in the original image.
    """
    h, w = image.shape[:2]
    size = min(h, w)
    top, left = (h - size) // 2, (w - size) // 2
    return _shrink(image[top : top + size, left : left + size], side, side), (top, left, size)


def make_preview(image: np.ndarray, max_side: int = PREVIEW_SIDE) -> np.ndarray:
    """The (H, W, 3) image shrunk so that its longer side is at most ``max_side`` (unchanged if smaller).

    Only for the screen: a very large photo first keeps every n-th row and column
    (still at least two source pixels per preview pixel), then is area-averaged,
    which is ~25 times less work for a 3000×2000 photo and looks the same at 256 pixels.
    """
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return np.asarray(image, dtype=np.float32)
    scale = max_side / max(h, w)
    out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
    step = max(1, max(h, w) // (2 * max_side))
    return _shrink(image[::step, ::step], out_h, out_w)


def prepare_photo(model, image: np.ndarray, selection: tuple[str, int] | None = None,
                  preview_side: int = PREVIEW_SIDE, mirror: bool = False) -> dict:
    """Everything the lesson draws for one photo.

    Parameters
    ----------
    model : torch module
        The photo network (takes (1, 3, 32, 32) RGB in [0, 1]).
    image : ndarray, shape (H, W, 3), float in [0, 1]
        The photo, any size.
    selection : (layer key, channel) or None
        A conv channel to break down at once, so that the channel detail
        changes together with the photo.

    Returns
    -------
    dict
        ``preview`` (h, w, 3) at most ``preview_side`` pixels on its longer side;
        ``crop`` (top, left, height, width) of the network's square in preview pixels;
        ``crop_original`` (top, left, size) in the photo's own pixels; ``size`` (H, W) of the photo;
        ``breakdown``: ``(selection, channel_breakdown(...))``, or None when nothing (valid) is selected;
        plus :func:`analyse_photo`'s ``input``, ``stages``, ``probabilities``, ``levels`` (and, with
        ``mirror``, ``own`` and ``mirrored``).
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"the photo must be (H, W, 3) RGB, got shape {image.shape}")
    small, (top, left, size) = to_network_input(image)
    preview = make_preview(image, preview_side)
    sy, sx = preview.shape[0] / image.shape[0], preview.shape[1] / image.shape[1]
    result = analyse_photo(model, small, mirror)
    result.update(preview=preview, crop=(top * sy, left * sx, size * sy, size * sx),
                  crop_original=(top, left, size), size=image.shape[:2], breakdown=None)
    if selection is not None:
        key, channel = selection
        stage = next((s for s in result["stages"] if s.key == key and isinstance(s.module, nn.Conv2d)), None)
        if stage is not None and 0 <= channel < stage.values.shape[0]:
            result["breakdown"] = (selection, channel_breakdown(stage, channel))
    return result


def sum_breakdown(stage, channel: int) -> dict:
    """How one channel of a shortcut's sum is made: the block's last convolution (``body``, after its batch
    norm) plus the block's input (``shortcut``) is the ``sum``; ReLU of it (``relu``) is the channel."""
    if stage.shortcut is None or stage.input is None:
        raise ValueError(f"stage {stage.key} is not a shortcut's sum")
    if not 0 <= channel < len(stage.input):
        count = len(stage.input)
        raise ValueError(f"{stage.key} has {count} channels (0–{count - 1}); there is no channel {channel}")
    body, shortcut = stage.input[channel], stage.shortcut[channel]
    total = body + shortcut
    return {"body": body, "shortcut": shortcut, "sum": total, "relu": np.maximum(total, 0.0)}


def load_photo_model() -> dict:
    """The bundled CIFAR-10 network and the held-out CIFAR-10 photos shipped with the app."""
    model = load_model("cifar10")
    path = io.assets_dir() / "samples" / "cifar10_heldout.npz"
    if path.is_file():
        with np.load(path) as data:
            images, labels = data["images"].astype(np.float32) / 255.0, data["labels"].astype(int)
    else:
        images, labels = np.zeros((0, 32, 32, 3), np.float32), np.zeros(0, int)
    return {"model": model, "images": images, "labels": labels}


def analyse_photo(model, image32: np.ndarray, mirror: bool = False) -> dict:
    """Run the photo network on one 32×32 RGB input.

    With ``mirror``, the network also reads the input's mirror image (left and right swapped) and
    ``probabilities`` is the mean of both readings' (test-time augmentation, as ``evaluate cifar10``
    scores it); ``own`` and ``mirrored`` are the two readings' probabilities.

    Returns ``input``, every ``stages`` entry (of the input itself), the ``probabilities`` and, per stage key,
    the top of its colour scale (``levels``: the 99.5th percentile, so one hot pixel
    does not turn the rest of the layer dark; of the magnitudes for a :func:`signed_stage`).
    """
    import torch

    x = torch.from_numpy(np.ascontiguousarray(image32.transpose(2, 0, 1), dtype=np.float32))[None]
    layer_stages, logits = stages(model, x)
    probabilities = torch.softmax(logits[0], 0).numpy().astype(np.float64)
    levels = {s.key: _level(np.abs(s.values) if signed_stage(s) else s.values) for s in layer_stages}
    result = {"input": image32, "stages": layer_stages, "probabilities": probabilities, "levels": levels}
    if mirror:
        with torch.no_grad():
            mirrored = torch.softmax(model(x.flip(3))[0], 0).numpy().astype(np.float64)
        result.update(own=probabilities, mirrored=mirrored, probabilities=(probabilities + mirrored) / 2)
    return result


def signed_stage(stage) -> bool:
    """Whether a stage's values have both signs: a convolution with no ReLU after it (the last one of a
    residual block, added to the shortcut before its ReLU). Its maps need a colour scale around 0."""
    return stage.term == "feature maps" and not stage.relu


def _level(values: np.ndarray) -> float:
    return percentile(values, 99.5) or float(values.max()) or 1.0


def first_conv_weights(model) -> np.ndarray:
    """The first convolution's kernels (K, C, k, k) of whatever network is loaded."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is None:
        raise ValueError("the photo network has no convolution layer")
    return conv.weight.detach().numpy().astype(np.float32)


def channel_breakdown(stage, channel: int) -> dict:
    """How one conv channel is computed from its input channels, with batch norm folded in.

    Returns the input (C, H, W), the channel's kernel (C, k, k), each input
    channel convolved with its own slice (``responses``, (C, H', W')), their
    ``sum``, the ``bias``, ``pre`` = sum + bias, ``relu`` (the channel: ``pre`` itself where
    the stage has no ReLU, ``rectified`` False), the padding, and the layer's folded
    ``weights`` and ``biases`` (for :func:`explainer.core.conv_step`).
    """
    w, b = folded_conv(stage)
    if not 0 <= channel < len(w):
        raise ValueError(f"{stage.key} has {len(w)} channels (0–{len(w) - 1}); there is no channel {channel}")
    x = stage.input
    pad = stage.module.padding[0]
    kernel = w[channel]
    # Each input channel convolved with its own kernel slice: the per-channel responses.
    responses = conv2d_per_channel(x, kernel, padding=pad)
    total = responses.sum(axis=0)
    return {"input": x, "kernel": kernel, "responses": responses, "sum": total, "bias": float(b[channel]),
            "pre": total + b[channel], "relu": np.maximum(total + b[channel], 0.0) if stage.relu else total + b[channel],
            "rectified": stage.relu, "padding": pad, "weights": w, "biases": b}
