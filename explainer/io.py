"""The one image loader: any file a user may drop in becomes a float RGB array.

Every lesson loads pictures through :func:`load_image`, so odd files are dealt
with in one place: greyscale, palette, transparency, 16-bit, CMYK JPEGs,
EXIF-rotated phone photos, the first frame of an animated GIF, and pictures so
large they must be shrunk before a lesson touches them. Anything unusable
raises :class:`ValueError` with a sentence a user can act on.
"""

from __future__ import annotations

import io as _io
import os
import pathlib
import struct
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: Longest side an image keeps after loading; larger ones are shrunk (aspect kept).
MAX_SIDE = 2048
#: Pictures with more pixels than this are refused outright (decompression bombs).
MAX_PIXELS = 200_000_000

IMAGE_FILE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"


def _describe(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return f"'{pathlib.Path(source).name}'"
    return "the data"


def _open(source) -> Image.Image:
    if isinstance(source, (bytes, bytearray)):
        if len(source) == 0:
            raise ValueError("the data is empty (0 bytes): there is no image in it")
        return Image.open(_io.BytesIO(bytes(source)))
    path = pathlib.Path(source)
    if not path.exists():
        raise ValueError(f"{_describe(path)} does not exist")
    if path.is_dir():
        raise ValueError(f"{_describe(path)} is a folder, not an image file")
    if path.stat().st_size == 0:
        raise ValueError(f"{_describe(path)} is empty (0 bytes): there is no image in it")
    return Image.open(path)


def _to_rgb_float(img: Image.Image) -> np.ndarray:
    """Convert a decoded Pillow image of any mode into (H, W, 3) float32 in [0, 1]."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # High bit depth greyscale: scale by the format's range, not the
        # picture's, so a dark 16-bit image stays dark.
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or (mode == "I" and arr.max(initial=0) <= 65535) else None
        if top is None:
            lo, hi = float(arr.min()), float(arr.max())
            arr = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
        else:
            arr = arr / top
        grey = np.clip(arr, 0.0, 1.0).astype(np.float32)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("P", "PA"):
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "La", "RGBa"):
        # Transparent pixels are shown over white, as image viewers do.
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    rgb = img.convert("RGB")
    return np.asarray(rgb, dtype=np.float32) / 255.0


def load_image(source, max_side: int = MAX_SIDE) -> np.ndarray:
    """Load an image file as RGB floats.

    Parameters
    ----------
    source : str, path-like or bytes
        A file path, or the file's bytes (for example from a drop).
    max_side : int
        Longer images are shrunk so their longest side is ``max_side``.

    Returns
    -------
    ndarray, shape (H, W, 3), float32, values in [0, 1]
        Upright (EXIF orientation applied), transparent areas over white,
        greyscale repeated into three channels.

    Raises
    ------
    ValueError
        If the file is missing, empty, not an image, truncated, damaged or
        absurdly large. The message says which, in plain words.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, got {max_side}")
    name = _describe(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = _open(source)
            with img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise ValueError(
                        f"{name} is {width}×{height} pixels, too large to open "
                        f"(the limit is {MAX_PIXELS // 1_000_000} million pixels)"
                    )
                if max(width, height) > max_side and img.format == "JPEG":
                    img.draft("RGB", (max_side, max_side))  # decode big JPEGs at reduced size
                img.seek(0)  # first frame of an animation
                img.load()
                img = ImageOps.exif_transpose(img)
                if max(img.size) > max_side:
                    if img.mode in ("P", "PA", "1"):
                        img = img.convert("RGBA")
                    elif img.mode.startswith("I;16"):
                        img = img.convert("I")
                    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                return _to_rgb_float(img)
    except ValueError:
        raise
    except UnidentifiedImageError as exc:
        raise ValueError(
            f"{name} is not a readable image: it is not a PNG, JPEG, BMP, GIF, TIFF or WebP file, or it is damaged"
        ) from exc
    except Image.DecompressionBombError as exc:
        raise ValueError(f"{name} is too large to open safely: {exc}") from exc
    except (OSError, SyntaxError, EOFError, struct.error, IndexError, KeyError, TypeError) as exc:
        reason = str(exc) or type(exc).__name__
        if "truncated" in reason.lower():
            raise ValueError(f"{name} is truncated: the file ends before the picture does") from exc
        raise ValueError(f"{name} is damaged or not a supported image ({reason})") from exc
    except MemoryError as exc:
        raise ValueError(f"{name} needs more memory than is available to decode") from exc


def to_grayscale(rgb: np.ndarray) -> np.ndarray:
    """Luma of an RGB image (ITU-R BT.601 weights), shape (H, W), same range."""
    rgb = np.asarray(rgb, dtype=np.float32)
    if rgb.ndim == 2:
        return rgb
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def assets_dir() -> pathlib.Path:
    """The folder with bundled weights, sample pictures and presets."""
    return pathlib.Path(__file__).resolve().parent.parent / "assets"


def sample_images() -> dict[str, pathlib.Path]:
    """Bundled sample photos, by name (e.g. ``"chelsea"``), in alphabetical order."""
    folder = assets_dir() / "samples"
    if not folder.is_dir():
        return {}
    paths = [p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg")]
    return {p.stem: p for p in sorted(paths)}


def load_preset(name: str) -> dict:
    """A convolution preset from ``assets/presets/lecture.json`` (``"rgb"`` or ``"binary"``).

    Returns the dict with ``input`` (C, H, W), ``kernels`` (K, C, k, k) and
    ``bias`` (K,) as float arrays.
    """
    import json

    presets = json.loads((assets_dir() / "presets" / "lecture.json").read_text(encoding="utf-8"))
    if name not in presets:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(presets)}")
    preset = dict(presets[name])
    for key in ("input", "kernels", "bias"):
        preset[key] = np.asarray(preset[key], dtype=np.float64)
    return preset


def heldout_digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled held-out MNIST digits: images (N, 28, 28) float32 in [0, 1] and labels (N,)."""
    path = assets_dir() / "samples" / "mnist_heldout.npz"
    if not path.is_file():
        return np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64)
    with np.load(path) as data:
        return data["images"].astype(np.float32) / 255.0, data["labels"].astype(np.int64)
