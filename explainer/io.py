"""The one image loader: any file a user may drop in becomes a float RGB array.

Every lesson loads pictures through :func:`load_image`, so odd files are dealt
with in one place: greyscale, palette, transparency, 16-bit, 32-bit float (values
0–1), CIE L*a*b* TIFFs, CMYK JPEGs, EXIF-rotated phone photos, the first frame of
an animated GIF or the first page of a TIFF, and pictures so large they must be
shrunk before a lesson touches them. Anything unusable raises
:class:`ImageLoadError` (a :class:`ValueError`) with sentences a user can act on:
what is wrong, then what to do (no final full stop: callers add their own words).

Limits
------
A picture is never decoded at a cost of more than :data:`MAX_DECODE_BYTES`
(256 MB) of memory:

- JPEGs are decoded at reduced size (1/2, 1/4 or 1/8, as large as the shrunk
  result needs), so a baseline JPEG opens up to :data:`MAX_PIXELS` (170 million
  pixels). A progressive JPEG keeps its full-size coefficients while decoding
  (about 3 bytes per pixel), so it opens up to about 85 million pixels.
- Other formats (PNG, TIFF, BMP, GIF, WebP) can only be decoded at full size,
  then reduced: up to about 67 million pixels in colour, 33 million with
  transparency (the pixels are premultiplied by their opacity before shrinking),
  170 million in greyscale.

Larger files are refused before any pixel is decoded, with a message that says
how to shrink them.

The bundled sample photos, presets and held-out data (:func:`sample_images`,
:func:`heldout_digits`, ...) live in :mod:`explainer.bundled` and are re-exported here.
"""

from __future__ import annotations

import io as _io
import math
import os
import pathlib
import re
import struct
import warnings
import zlib

import numpy as np
from PIL import Image, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

from .bundled import assets_dir, heldout_digits, heldout_photos, load_preset, sample_images

#: The loader's names, and the bundled files' (:mod:`explainer.bundled`), which are read from here.
__all__ = ["IMAGE_FILE_FILTER", "MAX_DECODE_BYTES", "MAX_PIXELS", "MAX_SIDE", "ImageLoadError", "assets_dir",
           "heldout_digits", "heldout_photos", "load_image", "load_preset", "sample_images", "to_grayscale"]

#: Longest side an image keeps after loading; larger ones are shrunk (aspect kept).
MAX_SIDE = 2048
#: Pictures with more pixels than this are refused outright, in any format (decompression bombs).
MAX_PIXELS = 170_000_000
#: The most memory one picture may take while it is decoded and shrunk.
MAX_DECODE_BYTES = 256 * 2**20

IMAGE_FILE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"

#: Bytes per pixel to decode a picture of each mode at full size and shrink it: Pillow stores
#: 1 byte (1, L, P), 2 (I;16) or 4 (every other mode) per pixel, and palette, 1-bit, 16-bit
#: and transparent pictures need one converted full-size copy before they can be reduced.
_SHRINK_BYTES = {"1": 2, "L": 1, "P": 9, "PA": 8, "LA": 8, "La": 4, "RGBA": 8, "RGBa": 4,
                 "I;16": 6, "I;16L": 6, "I;16B": 6, "I;16N": 6}
#: EXIF orientation → the transposition that shows the picture upright.
_ORIENTATIONS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                 4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
_FORMATS = "PNG, JPEG, BMP, GIF, TIFF or WebP"


class ImageLoadError(ValueError):
    """A file that cannot be used as a picture; the message says what is wrong and what to do."""


def _describe(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return f"'{pathlib.Path(source).name}'"
    return "the data"


def _open(source, name: str) -> Image.Image:
    if isinstance(source, (bytes, bytearray)):
        if len(source) == 0:
            raise ImageLoadError("the data is empty (0 bytes): there is no picture in it")
        return Image.open(_io.BytesIO(bytes(source)))
    path = pathlib.Path(source)
    if not path.exists():
        raise ImageLoadError(f"{name} does not exist: it may have been moved, renamed or deleted. "
                             "Check the folder, or pick the file again")
    if path.is_dir():
        raise ImageLoadError(f"{name} is a folder, not an image file: open one of the pictures inside it")
    if path.stat().st_size == 0:
        raise ImageLoadError(f"{name} is empty (0 bytes): there is no picture in it. "
                             "If it was downloaded or copied, do that again")
    return Image.open(path)


def _head(source) -> bytes:
    """The first bytes of the file or data (to say what a file that is not a picture is)."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source[:512])
    try:
        with open(source, "rb") as f:
            return f.read(512)
    except OSError:
        return b""


def _not_a_picture(source, name: str) -> str:
    suffix = pathlib.Path(source).suffix.lower() if isinstance(source, (str, os.PathLike)) else ""
    if suffix in (".svg", ".svgz") or b"<svg" in _head(source).lower():
        return (f"{name} is an SVG vector drawing, made of shapes rather than pixels, which ConvLens cannot read. "
                "Export it as a PNG from a drawing program (for example Inkscape or a web browser) and open that")
    return (f"{name} is not a readable image: its content is not a {_FORMATS} picture (whatever its name says), "
            "or it is damaged. Open it in an image viewer and save it as a PNG or JPEG, or pick another file")


def _too_many_pixels(name: str, pixels: int, size: str = "") -> str:
    size = f" ({size} pixels)" if size else ""
    return (f"{name} has {pixels / 1e6:,.0f} million pixels{size}, too large to open safely: ConvLens opens "
            f"pictures of up to {MAX_PIXELS // 1_000_000} million pixels. Shrink it in an image editor first")


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation (1 = upright), read before the picture is shrunk (shrinking drops the EXIF)."""
    try:
        value = img.getexif().get(0x0112, 1)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, struct.error):
        return 1  # unreadable EXIF: show the picture as it is stored
    return value if value in _ORIENTATIONS else 1


def _decode_bytes(img: Image.Image, full_size: tuple[int, int]) -> int:
    """Memory (bytes) to decode ``img`` at its (possibly drafted) size and shrink it."""
    width, height = img.size
    cost = width * height * _SHRINK_BYTES.get(img.mode, 4)
    if isinstance(img, JpegImagePlugin.JpegImageFile) and "progressive" in img.info:
        # A progressive JPEG keeps every coefficient (2 bytes per sample) of the full picture while decoding.
        layers = getattr(img, "layer", None) or [(0, 1, 1, 0)] * len(img.getbands())
        h_max, v_max = max(layer[1] for layer in layers), max(layer[2] for layer in layers)
        samples = sum(layer[1] * layer[2] for layer in layers) / (h_max * v_max)
        cost += int(2 * samples * full_size[0] * full_size[1])
    return cost


def _check_cost(img: Image.Image, name: str, full_size: tuple[int, int]) -> None:
    cost = _decode_bytes(img, full_size)
    if cost <= MAX_DECODE_BYTES:
        return
    width, height = full_size
    kind = img.format or "picture"
    if isinstance(img, JpegImagePlugin.JpegImageFile):
        advice = "or save it as a baseline (not progressive) JPEG, which ConvLens decodes at reduced size"
    else:
        advice = "or save it as a JPEG, which ConvLens decodes at reduced size"
    raise ImageLoadError(
        f"{name} is {width}×{height} pixels ({width * height / 1e6:,.0f} million): decoding a {kind} this large "
        f"would take {cost / 2**20:,.0f} MB of memory, more than ConvLens gives one picture "
        f"({MAX_DECODE_BYTES // 2**20} MB). Shrink it in an image editor, {advice}")


def _value_range(img: Image.Image, name: str) -> float:
    """The value that means white for a high-bit-depth greyscale picture; refuse values without a brightness."""
    mode = img.mode
    if mode.startswith("I;16"):
        return 65535.0
    lo, hi = img.getextrema()
    if mode == "F":
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ImageLoadError(_not_numbers(name))
        if lo < -1e-6 or hi > 1 + 1e-6:
            raise ImageLoadError(
                f"{name} holds floating-point values from {lo:.4g} to {hi:.4g}, but ConvLens takes a float image "
                "only when every value lies between 0 and 1 (0 black, 1 white): it cannot tell which brightness "
                "other values mean. Rescale it to 0–1, or save it as an 8- or 16-bit image")
        return 1.0
    if lo < 0 or hi > 65535:  # mode "I": 32-bit whole numbers; within 0–65535 they are 16-bit values
        raise ImageLoadError(
            f"{name} holds 32-bit whole numbers from {lo} to {hi}, outside the 0–65535 of a 16-bit image, "
            "so ConvLens cannot tell which brightness they mean. Save it as an 8- or 16-bit image")
    return 65535.0


def _not_numbers(name: str) -> str:
    return (f"{name} holds values that are not numbers (NaN) or are infinite, so they have no brightness to show. "
            "Save it as an 8- or 16-bit image")


def _replace(old: Image.Image, new: Image.Image) -> Image.Image:
    """``new``, with ``old`` freed at once if it is another image (a full-size copy must not linger)."""
    if new is not old:
        old.close()
    return new


def _shrink(img: Image.Image, max_side: int) -> Image.Image:
    """``img`` (decoded) with its longest side at most ``max_side``: a box reduction by a whole factor, then Lanczos."""
    if max(img.size) <= max_side:
        return img
    if img.mode in ("P", "PA"):
        img = _replace(img, img.convert("RGBA"))
    elif img.mode == "1":
        img = _replace(img, img.convert("L"))
    elif img.mode.startswith("I;16"):
        img = _replace(img, img.convert("I"))
    alpha = img.mode in ("RGBA", "LA")
    if alpha:  # average colours weighted by their opacity, as Pillow's resize does
        img = _replace(img, img.convert({"RGBA": "RGBa", "LA": "La"}[img.mode]))
    factor = max(img.size) // max_side
    if factor >= 2:
        img = _replace(img, img.reduce(factor))
    scale = max_side / max(img.size)
    if scale < 1:
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = _replace(img, img.resize(size, Image.Resampling.LANCZOS))
    if alpha:
        img = _replace(img, img.convert({"RGBa": "RGBA", "La": "LA"}[img.mode]))
    return img


def _lab_to_rgb(img: Image.Image, name: str) -> Image.Image:
    """CIE L*a*b* (D50, as TIFF stores it) to sRGB through Little CMS, which every Pillow version converts right."""
    try:
        from PIL import ImageCms
    except ImportError as exc:
        raise ImageLoadError(
            f"{name} stores its colours as CIE L*a*b*, and this installation of Pillow has no colour management "
            "to convert them. Save it as an RGB image and open that") from exc
    transform = ImageCms.buildTransform(ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB")
    return ImageCms.applyTransform(img, transform)


def _to_rgb_float(img: Image.Image, name: str, top: float) -> np.ndarray:
    """Convert a decoded Pillow image of any mode into (H, W, 3) float32 in [0, 1].

    ``top`` is the value that means white in a high-bit-depth greyscale picture
    (mode I, I;16 or F): the format's range, not the picture's, so a dark 16-bit
    image stays dark and a float image of constant 0.5 stays mid-grey.
    """
    mode = img.mode
    if mode.startswith("I") or mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise ImageLoadError(_not_numbers(name))
        grey = np.clip(arr / top, 0.0, 1.0).astype(np.float32)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode == "LAB":
        img = _replace(img, _lab_to_rgb(img, name))
        mode = "RGB"
    if mode in ("P", "PA"):
        img = _replace(img, img.convert("RGBA"))
        mode = "RGBA"
    if mode in ("RGBA", "LA", "La", "RGBa"):
        # Transparent pixels are shown over white, as image viewers do.
        rgba = _replace(img, img.convert("RGBA"))
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = _replace(rgba, Image.alpha_composite(background, rgba))
    rgb = _replace(img, img.convert("RGB"))
    try:
        arr = np.asarray(rgb, dtype=np.float32)
    finally:
        rgb.close()
    arr /= 255.0  # in place: one float copy of the picture, not two
    return arr


def _decode(img: Image.Image, name: str, max_side: int) -> np.ndarray:
    """Check, decode (reduced where the format allows), shrink, orient and convert an opened picture."""
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise ImageLoadError(_too_many_pixels(name, width * height, f"{width}×{height}"))
    if isinstance(img, JpegImagePlugin.JpegImageFile) and max(width, height) > max_side:
        # Decode at 1/2, 1/4 or 1/8 scale, as small as the shrunk picture allows along its long side.
        scale = max_side / max(width, height)
        img.draft(img.mode, (math.ceil(width * scale), math.ceil(height * scale)))
    _check_cost(img, name, (width, height))
    img.load()  # the first frame of an animation, the first page of a TIFF
    orientation = _orientation(img)  # after load(): a PNG's EXIF may follow its pixels
    top = _value_range(img, name) if img.mode.startswith("I") or img.mode == "F" else 255.0
    img = _shrink(img, max_side)
    if orientation != 1:
        img = _replace(img, img.transpose(_ORIENTATIONS[orientation]))
    return _to_rgb_float(img, name, top)


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
    ImageLoadError
        A :class:`ValueError` if the file is missing, unreadable, empty, not an
        image, truncated, damaged, too large (see the module's limits) or holds
        values without a brightness (floats outside 0–1). The message says which,
        in plain words, and what to do.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, got {max_side}")
    name = _describe(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = _open(source, name)
            try:
                return _decode(img, name, max_side)
            finally:
                img.close()
    except ImageLoadError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageLoadError(_not_a_picture(source, name)) from exc
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise ImageLoadError(_too_many_pixels(name, int(found.group(1)) if found else MAX_PIXELS + 1)) from exc
    except PermissionError as exc:
        raise ImageLoadError(f"ConvLens is not allowed to read {name} (permission denied). Check the file's "
                             "permissions, or copy it to a folder of yours and open the copy") from exc
    except FileNotFoundError as exc:
        raise ImageLoadError(f"{name} does not exist any more: it was moved or deleted while opening. "
                             "Pick the file again") from exc
    except MemoryError as exc:
        raise ImageLoadError(f"{name} needs more memory than is free to decode. Close other programs, or shrink "
                             "the picture in an image editor") from exc
    except (OSError, SyntaxError, EOFError, struct.error, zlib.error, IndexError, KeyError, TypeError,
            ValueError) as exc:
        reason = str(exc).rstrip(".") or type(exc).__name__
        if "MAX_TEXT_CHUNK" in reason or "too much memory used in text chunks" in reason:
            raise ImageLoadError(
                f"{name} carries a block of text (metadata) larger than ConvLens reads safely "
                f"({PngImagePlugin.MAX_TEXT_CHUNK // 2**20} MB). Save the picture again without its metadata "
                "(for example, export it as a new PNG or JPEG) and open that") from exc
        if "truncated" in reason.lower():
            raise ImageLoadError(f"{name} is truncated: the file ends before the picture does. If it was "
                                 "downloaded or copied, do that again") from exc
        raise ImageLoadError(f"{name} is damaged: its data does not follow its picture format (the decoder "
                             f"says: {reason}). Save it again from the program that made it, or pick another "
                             "file") from exc


def to_grayscale(rgb: np.ndarray) -> np.ndarray:
    """Luma of an RGB image (ITU-R BT.601 weights), shape (H, W), same range."""
    rgb = np.asarray(rgb, dtype=np.float32)
    if rgb.ndim == 2:
        return rgb
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
