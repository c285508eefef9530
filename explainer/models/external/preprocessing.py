"""What a model expects of an image, and what its file says about it (class names, normalisation).

A model file may state how images must be prepared. These metadata keys are
read (ONNX ``metadata_props``; the ``extra_files`` of a ``.pt2`` archive),
first match wins per field:

``convlens.preprocessing``
    JSON written by :func:`explainer.models.export.export_onnx`: any of
    ``size`` ([height, width]), ``channel_order`` ("RGB"/"BGR"), ``scale``,
    ``mean`` and ``std`` (three numbers, or one for all channels).
``channel_order``, ``scale``, ``mean``, ``std``
    The same fields as separate keys (lists as JSON or comma-separated).
``Image.BitmapPixelFormat``, ``Image.NominalPixelRange``
    ONNX's own image metadata (``docs/MetadataProps.md`` in the ONNX
    repository): ``Rgb8``/``Bgr8``/``Gray8``…, and ``NominalRange_0_255``,
    ``Normalized_0_1``, ``Normalized_1_1`` or ``NominalRange_16_235``.
``labels`` or ``classes``
    The class names: a JSON list, or names separated by newlines or commas.

Without them ConvLens assumes RGB in [0, 1] (scale 1) normalised with the
ImageNet mean and standard deviation for 3-channel inputs of at least 64
pixels, and not normalised otherwise (mean 0, std 1). The preprocessing's
``source`` is ``"model"`` when the file states the scaling or normalisation
(``scale``, ``mean`` or ``std``, in any of the forms above), else
``"default"``, so the app can ask once. The input size comes from the
model's input; metadata may only give it where the input leaves it open
(else 224×224). Class names not in the file come from a ``labels.txt``
beside it (one per line), else numbers.
"""

from __future__ import annotations

import json
import math
import pathlib
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Smallest side (pixels) for which ImageNet normalisation is assumed for a colour model.
IMAGENET_FROM_SIDE = 64
#: Largest input side accepted (pixels).
MAX_SIDE = 4096
SOURCES = ("model", "default", "user")
#: Largest labels.txt read, and most class names taken from anywhere.
MAX_LABELS_BYTES = 1 << 20
MAX_LABELS = 100_000

_PIXEL_FORMATS = {"rgb8": "RGB", "rgba8": "RGB", "bgr8": "BGR", "bgra8": "BGR", "gray8": "RGB"}
# Image.NominalPixelRange -> (scale, mean, std): pixel in [0, 1] * scale, then (value - mean) / std.
_PIXEL_RANGES = {
    "nominalrange_0_255": (255.0, 0.0, 1.0),
    "normalized_0_1": (1.0, 0.0, 1.0),
    "normalized_1_1": (1.0, 0.5, 0.5),
    "nominalrange_16_235": (219.0, -16.0, 1.0),
}


def _shown(value, limit: int = 60) -> str:
    """``repr(value)``, cut short: a sentence quotes what a file says without pasting all of it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_value(text):
    """``json.loads``, with JSON nested too deeply to read (a hostile file) a ``ValueError`` too."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("its JSON is nested too deeply to read") from None


def _three(name: str, value) -> tuple[float, float, float]:
    """Three finite numbers from a number, a list of one or three, or comma-separated text."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = json_value(text) if text.startswith("[") else [float(v) for v in text.split(",") if v.strip()]
        except ValueError as exc:
            raise ValueError(f"{name} must be numbers, got {_shown(value)}") from exc
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or len(value) not in (1, 3) or \
            not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise ValueError(f"{name} must be one number or three (one per channel), got {_shown(value)}")
    numbers = tuple(float(v) for v in value) * (3 if len(value) == 1 else 1)
    if not all(math.isfinite(v) for v in numbers):
        raise ValueError(f"{name} must be finite numbers, got {_shown(value)}")
    return numbers


@dataclass(frozen=True)
class Preprocessing:
    """How an RGB image in [0, 1] becomes the model's input tensor.

    Each pixel value ``p`` becomes ``(p * scale - mean[c]) / std[c]``, with the
    channels in ``channel_order`` and ``mean``/``std`` listed in that order.

    Attributes
    ----------
    size : tuple of int
        ``(height, width)`` the model takes.
    channel_order : {"RGB", "BGR"}
    scale : float
        Pixel values in [0, 1] are first multiplied by this (1.0, or 255.0 for 0–255 models).
    mean, std : tuple of 3 float
        In the scaled units; a one-channel (grey) model uses the first of each.
    source : {"model", "default", "user"}
        Read from the file, assumed, or chosen by the user.
    channels : int
        1 (grey: the mean of R, G and B) or 3.
    """

    size: tuple[int, int]
    channel_order: str = "RGB"
    scale: float = 1.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    source: str = "default"
    channels: int = 3

    def __post_init__(self) -> None:
        size = self.size
        if not isinstance(size, (tuple, list)) or len(size) != 2 or \
                not all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= MAX_SIDE for s in size):
            raise ValueError(f"the input size must be two whole numbers (height, width) from 1 to {MAX_SIDE}, "
                             f"got {_shown(size)}")
        if self.channel_order not in ("RGB", "BGR"):
            raise ValueError(f"the channel order must be 'RGB' or 'BGR', got {_shown(self.channel_order)}")
        scale = self.scale
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0:
            raise ValueError(f"the scale must be a positive number (1 for [0, 1] models, 255 for 0–255), "
                             f"got {_shown(scale)}")
        mean, std = _three("the mean", list(self.mean)), _three("the standard deviation", list(self.std))
        if min(std) <= 0:
            raise ValueError(f"the standard deviation must be positive for every channel, got {std}")
        if self.source not in SOURCES:
            raise ValueError(f"the source must be one of {', '.join(SOURCES)}, got {self.source!r}")
        if self.channels not in (1, 3):
            raise ValueError(f"the model must take 1 (grey) or 3 (colour) channels, got {self.channels!r}")
        object.__setattr__(self, "size", tuple(size))
        object.__setattr__(self, "scale", float(scale))
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """The model input for ``image``.

        Parameters
        ----------
        image : ndarray, shape (H, W, 3) or (H, W)
            RGB (or grey) values in [0, 1].

        Returns
        -------
        ndarray, shape (1, channels, height, width), float32
            Resized (bilinear, averaging when shrinking), in ``channel_order``, scaled and normalised.
        """
        image = np.asarray(image)
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        if image.ndim != 3 or image.shape[2] not in (3, 4) or image.shape[0] < 1 or image.shape[1] < 1:
            raise ValueError(f"the image must be (height, width, 3) RGB values, got shape {image.shape}")
        if not np.issubdtype(image.dtype, np.number) or np.issubdtype(image.dtype, np.complexfloating):
            raise ValueError(f"the image must hold real numbers, got {image.dtype}")
        image = np.nan_to_num(image[:, :, :3].astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
        height, width = self.size
        planes = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c]), mode="F")
                             .resize((width, height), Image.Resampling.BILINEAR)) for c in range(3)]
        if self.channels == 1:
            planes = [np.mean(planes, axis=0)]
        elif self.channel_order == "BGR":
            planes = planes[::-1]
        x = np.stack(planes)[None] * np.float32(self.scale)
        count = self.channels
        mean = np.asarray(self.mean[:count], np.float32).reshape(1, count, 1, 1)
        std = np.asarray(self.std[:count], np.float32).reshape(1, count, 1, 1)
        return ((x - mean) / std).astype(np.float32)

    def to_dict(self) -> dict:
        """Plain JSON values (kept in the session)."""
        return {"size": list(self.size), "channel_order": self.channel_order, "scale": self.scale,
                "mean": list(self.mean), "std": list(self.std), "source": self.source, "channels": self.channels}

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessing":
        """The preprocessing a :meth:`to_dict` dict describes.

        Raises
        ------
        ValueError
            With a sentence naming the field that is missing or wrong.
        """
        if not isinstance(data, dict):
            raise ValueError(f"the preprocessing must be a mapping of settings, got {type(data).__name__}")
        unknown = sorted(set(data) - {"size", "channel_order", "scale", "mean", "std", "source", "channels"})
        if unknown:
            raise ValueError(f"the preprocessing has settings ConvLens does not know: {', '.join(map(str, unknown))}")
        if "size" not in data:
            raise ValueError("the preprocessing lacks the input size (height, width)")
        size = data["size"]
        return cls(size=tuple(size) if isinstance(size, list) else size,
                   **{k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k != "size"})


def default_preprocessing(size: tuple[int, int], channels: int) -> Preprocessing:
    """What ConvLens assumes when a model says nothing (see the module notes)."""
    if channels == 3 and min(size) >= IMAGENET_FROM_SIDE:
        return Preprocessing(size, mean=IMAGENET_MEAN, std=IMAGENET_STD, channels=channels)
    return Preprocessing(size, channels=channels)


def read_preprocessing(metadata: dict[str, str], size: tuple[int, int], channels: int,
                       size_fixed: bool, notes: list[str]) -> Preprocessing:
    """The preprocessing stated by a model's ``metadata`` (see the module notes), else the defaults.

    Values that cannot be used are skipped with a sentence added to ``notes``;
    a size the model's input does not allow is ignored the same way.
    """
    base = default_preprocessing(size, channels)
    fields: dict = {}
    if "convlens.preprocessing" in metadata:
        try:
            stated = json_value(metadata["convlens.preprocessing"])
            if not isinstance(stated, dict):
                raise ValueError("it is not a JSON object")
            for key in ("size", "channel_order", "scale", "mean", "std"):
                if key in stated:
                    fields[key] = tuple(stated[key]) if isinstance(stated[key], list) else stated[key]
        except ValueError as exc:
            notes.append(f"The model's convlens.preprocessing metadata was ignored ({exc}).")
    for key in ("channel_order", "scale", "mean", "std"):
        if key in metadata and key not in fields:
            text = metadata[key].strip()
            try:
                fields[key] = text.upper() if key == "channel_order" else float(text) if key == "scale" \
                    else _three(key, text)
            except ValueError as exc:
                notes.append(f"The model's {key} metadata was ignored ({exc}).")
    lowered = {k.lower(): v for k, v in metadata.items()}
    pixel_format = lowered.get("image.bitmappixelformat", "").strip().lower()
    if pixel_format in _PIXEL_FORMATS and "channel_order" not in fields:
        fields["channel_order"] = _PIXEL_FORMATS[pixel_format]
    pixel_range = lowered.get("image.nominalpixelrange", "").strip().lower()
    if pixel_range in _PIXEL_RANGES:
        scale, mean, std = _PIXEL_RANGES[pixel_range]
        fields.setdefault("scale", scale)
        fields.setdefault("mean", (mean,) * 3)
        fields.setdefault("std", (std,) * 3)
    if "size" in fields:
        stated = fields.pop("size")
        if size_fixed and stated != tuple(size):
            notes.append(f"The model's metadata gives the input size {_shown(stated)}, but its input is "
                         f"{size[0]}×{size[1]}; {size[0]}×{size[1]} is used.")
        elif not size_fixed:
            try:
                base = default_preprocessing(tuple(stated), channels)
            except (TypeError, ValueError) as exc:
                notes.append(f"The model's input size metadata was ignored ({exc}).")
    if not fields:
        return base
    try:
        if isinstance(fields.get("channel_order"), str):
            fields["channel_order"] = fields["channel_order"].upper()
        stated = {"scale", "mean", "std"} & set(fields)
        if stated:  # numbers stated in the model's units replace the assumed ones
            fields.setdefault("mean", (0.0,) * 3)
            fields.setdefault("std", (1.0,) * 3)
        elif fields.get("channel_order") == "BGR":  # the assumed ImageNet figures, listed in the model's order
            fields["mean"], fields["std"] = base.mean[::-1], base.std[::-1]
        return replace(base, **fields, source="model" if stated else "default")
    except (TypeError, ValueError) as exc:
        notes.append(f"The model's preprocessing metadata was ignored ({exc}).")
        return base


def parse_labels(text: str) -> list[str]:
    """Class names from a JSON list, or from text with one name per line (or comma-separated on one line).

    >>> parse_labels('["cat", "dog"]'), parse_labels("cat, dog"), parse_labels("cat\\ndog\\n")
    (['cat', 'dog'], ['cat', 'dog'], ['cat', 'dog'])
    """
    text = text.strip()
    if text.startswith("["):
        try:
            names = json_value(text)
        except ValueError:
            names = None
        if isinstance(names, list):
            return [str(n) for n in names[:MAX_LABELS]]
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) == 1 and "," in lines[0]:
        lines = [part.strip() for part in lines[0].split(",")]
    return lines[:MAX_LABELS]


def read_labels(metadata: dict[str, str], path: pathlib.Path, classes: int | None, notes: list[str]) -> list[str]:
    """The class names for a model file: its metadata, else ``labels.txt`` beside it, else numbers.

    Names whose count differs from ``classes`` (the model's output size, when known) are not used;
    a sentence in ``notes`` says why.
    """
    candidates: list[tuple[str, list[str]]] = []
    for key in ("labels", "classes"):
        if key in metadata:
            candidates.append((f"the model's {key!r} metadata", parse_labels(metadata[key])))
            break
    beside = path.with_name("labels.txt")
    if beside.is_file():
        if beside.stat().st_size > MAX_LABELS_BYTES:
            notes.append(f"labels.txt is larger than {MAX_LABELS_BYTES // 1024} KiB and was not read.")
        else:
            try:
                text = beside.read_text(encoding="utf-8", errors="replace")
                candidates.append(("the file labels.txt", parse_labels(text)))
            except OSError as exc:
                notes.append(f"labels.txt could not be read ({exc.strerror or exc}).")
    for where, names in candidates:
        if not names:
            continue
        if classes is not None and len(names) != classes:
            notes.append(f"{where[0].upper()}{where[1:]} has {len(names)} class names but the model has "
                         f"{classes} outputs, so they were not used.")
            continue
        return names
    return [str(i) for i in range(classes or 0)]
