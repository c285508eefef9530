"""An ImageItem that turns the app's pictures into QImages in a few vectorised passes.

pyqtgraph's ``ImageItem.render()`` serves every kind of image. For the kinds
ConvLens shows on every update it does more work than it needs:

- one float map with fixed levels and a colour map (NaN in the gaps of a
  mosaic): it rescales through a Python-level ``nditer`` loop and then makes
  either an ``Indexed8`` picture, whose colour table takes 256 Python calls on
  every render, or an ``RGBA8888`` one built through an RGBA lookup;
- an RGB picture (H×W×3), float with levels such as (0, 1) or uint8 with levels
  such as (0, 255): it rescales every channel value (the uint8 ones through
  float32 as well) into a new array and makes an ``RGB888`` picture, which Qt's
  raster engine scales about half as fast as a 32-bit one.

:class:`FastImageItem` handles those cases itself. It computes the colour
indices and channel bytes exactly as pyqtgraph does (the same numpy operations
on the same dtypes, so the same rounding and clipping; a uint8 picture goes
through a 256-entry table computed that way), looks map colours up in a 32-bit
table kept until the lookup table changes, and wraps the result, in buffers
reused from render to render, in a QImage. Everything else (integer maps, RGBA
or uint16 pictures, callable lookup tables, auto-downsampling, per-channel
levels) goes to pyqtgraph's own ``render()``.

Which QImage format: Qt's raster engine scales ``Format_RGB32`` and
``Format_ARGB32_Premultiplied`` images with dedicated routines that round pixel
positions their own way, while every other format (pyqtgraph's ``Indexed8``,
``RGB888`` and ``RGBA8888`` among them) goes through its general texture code.
So by default the item makes ``RGBX8888``/``RGBA8888`` pictures (and, for a
grey map without NaN, pyqtgraph's own ``Grayscale8``), painted exactly like
pyqtgraph's; see :attr:`FastImageItem.exact_sampling`. An RGB picture becomes
``RGBX8888`` (``RGBA8888`` with NaN) rather than pyqtgraph's ``RGB888``: the same
pixels, painted the same, and scaled faster.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_RGBX8888, _RGBA8888 = QImage.Format.Format_RGBX8888, QImage.Format.Format_RGBA8888
_RGB32, _ARGB32_PREMULTIPLIED = QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32_Premultiplied
_GRAYSCALE8 = QImage.Format.Format_Grayscale8
#: The uint32 whose fourth byte in memory is 255 and the others 0, whatever the byte order.
_FOURTH_BYTE = np.array([0, 0, 0, 255], dtype=np.uint8).view(np.uint32)[0]


def _div255(value: np.ndarray) -> np.ndarray:
    """``value / 255`` rounded as Qt's ``qPremultiply`` rounds it (``value`` ≤ 255²)."""
    return (value + (value >> 8) + 0x80) >> 8


def colour_tables(lut: np.ndarray | None) -> dict[str, np.ndarray | bool]:
    """32-bit colour tables for a pyqtgraph lookup table, one per QImage format the item uses.

    Parameters
    ----------
    lut : ndarray of uint8 or None
        Shape (N,), (N, 1) (grey), (N, 3) (RGB) or (N, 4) (RGBA, not
        premultiplied); None is pyqtgraph's 256-step grey ramp.

    Returns
    -------
    dict
        ``"rgba"``: uint32 entries whose bytes are R, G, B, A in memory
        (``Format_RGBX8888`` / ``Format_RGBA8888``); ``"argb"``: ``0xAARRGGBB``
        (``Format_RGB32``); ``"premultiplied"``: ``0xAARRGGBB`` with red, green
        and blue multiplied by alpha as Qt's ``qPremultiply`` does
        (``Format_ARGB32_Premultiplied``); ``"opaque"``: whether every alpha is 255.
    """
    table = np.asarray(lut if lut is not None else np.arange(256, dtype=np.uint8))
    if table.dtype != np.uint8 or not (table.ndim == 1 or (table.ndim == 2 and table.shape[1] in (1, 3, 4))):
        raise ValueError("A lookup table must be uint8 with shape (N,), (N, 1), (N, 3) or (N, 4).")
    if table.ndim == 1:
        table = table[:, None]
    rgba = np.full((len(table), 4), 255, dtype=np.uint8)
    rgba[:, :3] = table[:, :3]  # a grey column fills red, green and blue
    if table.shape[1] == 4:
        rgba[:, 3] = table[:, 3]
    red, green, blue, alpha = rgba.astype(np.uint32).T
    return {
        "rgba": rgba.view(np.uint32).ravel().copy(),
        "argb": (alpha << 24) | (red << 16) | (green << 8) | blue,
        "premultiplied": (alpha << 24) | (_div255(red * alpha) << 16) | (_div255(green * alpha) << 8)
                         | _div255(blue * alpha),
        "opaque": bool((alpha == 255).all()),
    }


def _scale_and_offset(levels: np.ndarray, max_scale_value: float) -> tuple[float, float] | None:
    """pyqtgraph's ``(scale, offset)`` for ``levels``, None when the scale is not a usable float.

    ``(value - offset) * scale`` maps the levels onto ``0 .. max_scale_value``, computed as
    ``functions_qimage`` computes it (the levels' own dtype, then Python floats, as
    ``functions.rescaleData`` converts them).
    """
    min_value, max_value = levels
    value_range = max_value - min_value
    value_range = 1 if value_range == 0 else value_range
    scale = float(max_scale_value / value_range)
    if not (math.isfinite(scale) and scale != 0.0):
        return None  # a range too wide or too narrow for floats: pyqtgraph's own path decides
    return scale, float(min_value)


class FastImageItem(pg.ImageItem):
    """A ``pg.ImageItem`` whose float-map and RGB renders skip pyqtgraph's general path.

    The fast path takes, without auto-downsampling and with finite ``[min, max]`` levels:

    - a 2-D (or H×W×1) float16/32/64 image with a uint8 lookup table (or none: a grey
      ramp) of up to 65,536 entries;
    - an H×W×3 float16/32/64 or uint8 image (RGB; any lookup table is ignored, as
      pyqtgraph ignores it).

    Anything else is rendered by pyqtgraph. The colour of every image pixel is the one
    pyqtgraph gives it, and a pixel of an RGB picture with a NaN channel is transparent,
    as pyqtgraph makes it.

    Attributes
    ----------
    exact_sampling : bool
        True (the default): a map's QImage is ``Format_RGBX8888`` (opaque),
        ``Format_RGBA8888`` (NaN or translucent colours) or, with no lookup
        table and no NaN, ``Format_Grayscale8``, which Qt paints through
        the same general code as pyqtgraph's formats, so the painted picture
        is pyqtgraph's pixel for pixel at every zoom. False: ``Format_RGB32`` or
        ``Format_ARGB32_Premultiplied``, which Qt's raster engine scales several
        times faster, but with its own nearest-pixel rounding: at a zoom that is
        not a whole number, a pixel on an image-pixel boundary may take the
        neighbouring image pixel's colour, and a shrunk image shows other rows.
        It applies from the next render (``updateImage()``), and to maps only: an
        RGB picture is always ``RGBX8888`` / ``RGBA8888``.
    """

    exact_sampling: bool = True

    def __init__(self, *args, **kwargs) -> None:
        self._lut_key: tuple | None = None
        self._lut_tables: dict | None = None
        self._level_key: tuple | None = None
        self._level_table: tuple[bool, np.ndarray | None] = (False, None)
        self._buffers: dict[str, np.ndarray] = {}
        super().__init__(*args, **kwargs)

    # -- pyqtgraph override -------------------------------------------------------------------------------------

    def render(self) -> None:
        """Make ``self.qimage`` from the image: the fast path when it applies, else pyqtgraph's."""
        if not self._render_fast():
            super().render()

    # -- the fast path ------------------------------------------------------------------------------------------

    def _render_fast(self) -> bool:
        """Render a float map or an RGB picture; False (nothing changed) when the fast path does not apply."""
        image = self.image
        if image is None or not isinstance(image, np.ndarray) or image.size == 0 or self.autoDownsample:
            return False
        levels = self._fast_levels()
        if levels is None:
            return False
        if self.axisOrder == "col-major":
            image = image.swapaxes(0, 1)
        if image.ndim == 3 and image.shape[2] == 3:
            if image.dtype in _FLOAT_DTYPES:
                made = self._float_rgb(image, levels)
            else:
                made = self._uint8_rgb(image, levels) if image.dtype == np.uint8 else None
        elif image.dtype in _FLOAT_DTYPES and (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1)):
            made = self._float_map(image[..., 0] if image.ndim == 3 else image, levels)
        else:
            made = None
        if made is None:
            return False
        pixels, image_format = made
        height, width = pixels.shape[:2]
        qimage = QImage(pixels, width, height, pixels.strides[0], image_format)
        qimage.data = pixels  # the QImage does not own its pixels: keep the buffer alive with it
        self._processingBuffer = None
        self._displayBuffer = None
        self.qimage = qimage
        self._renderRequired = False
        self._unrenderable = False
        return True

    def _buffer(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A scratch array kept between renders while the shape and dtype stay the same."""
        buffer = self._buffers.get(name)
        if buffer is None or buffer.shape != shape or buffer.dtype != dtype:
            buffer = np.empty(shape, dtype=dtype)
            self._buffers[name] = buffer
        return buffer

    def _fast_levels(self) -> np.ndarray | None:
        """The levels as pyqtgraph reads them (``np.asarray``), or None when the fast path cannot use them."""
        if self.levels is None:
            return None
        levels = np.asarray(self.levels)
        if levels.shape != (2,) or levels.dtype.kind not in "iuf" or not np.isfinite(levels).all():
            return None
        return levels

    def _rescaled(self, values: np.ndarray, scale: float, offset: float, top: int, name: str = "work") -> np.ndarray:
        """``clip((values - offset) * scale, 0, top)`` in pyqtgraph's working dtype, in the scratch array ``name``.

        The numbers of ``functions.rescaleData``: float32 for values that fit it, else float64,
        the offset and scale cast to that dtype, clipped before any conversion to integers.
        """
        work_dtype = np.float32 if np.can_cast(values, np.float32) else np.float64
        work = self._buffer(name, values.shape, work_dtype)
        if offset == 0.0:  # v - 0 is v (or the other zero, which clips to 0 alike): one pass fewer
            np.multiply(values, scale, out=work, dtype=work_dtype)
        else:
            np.subtract(values, offset, out=work, dtype=work_dtype)
            np.multiply(work, scale, out=work)
        np.clip(work, 0, top, out=work)
        return work

    def _nan_mask(self, image: np.ndarray) -> np.ndarray | None:
        """Where ``image`` (H×W or H×W×3) has a NaN, as an H×W mask (None: nowhere).

        Cached until the next ``setImage`` as pyqtgraph caches it; an RGB pixel with a NaN
        channel counts, as in pyqtgraph.
        """
        if self._imageHasNans is None:
            if image.ndim == 2:  # mosaics mostly have NaN gaps: find them straight away
                mask = self._find_nans(image)
                self._imageHasNans = bool(mask.any())
            else:  # photos mostly have none: pyqtgraph's one-pass test says so
                mask = None
                self._imageHasNans = bool(np.isnan(image.min()))
            self._imageNanLocations = mask if self._imageHasNans else None
        if not self._imageHasNans:
            return None
        mask = self._imageNanLocations
        if not (isinstance(mask, np.ndarray) and mask.dtype == np.bool_ and mask.shape == image.shape[:2]):
            mask = self._find_nans(image)
            self._imageNanLocations = mask  # a boolean mask indexes like pyqtgraph's nonzero() tuple
        return mask

    def _find_nans(self, image: np.ndarray) -> np.ndarray:
        """An H×W boolean mask of the pixels of ``image`` with a NaN (in any channel)."""
        if image.ndim == 2:
            return np.isnan(image, out=self._buffer("nan", image.shape, np.bool_))
        channels = np.isnan(image, out=self._buffer("nan_channels", image.shape, np.bool_))
        return np.logical_or.reduce(channels, axis=2, out=self._buffer("nan", image.shape[:2], np.bool_))

    # -- float maps -----------------------------------------------------------------------------------------------

    def _tables(self, lut: np.ndarray | None) -> dict:
        """The colour tables for ``lut``, rebuilt only when its contents change."""
        key = None if lut is None else (lut.shape, lut.tobytes())
        if self._lut_tables is None or key != self._lut_key:
            self._lut_tables = colour_tables(lut)
            self._lut_key = key
        return self._lut_tables

    def _fast_lut(self) -> tuple[bool, np.ndarray | None]:
        """(usable, lut): whether the lookup table suits the fast path, and the table itself."""
        lut = self.lut
        if lut is None:
            return True, None
        if isinstance(lut, Callable):
            return False, None
        lut = self._ensure_proper_substrate(lut, np)
        self.lut = lut  # as pyqtgraph's render() does: a list becomes an array once
        usable = (
            lut.dtype == np.uint8 and 1 <= lut.shape[0] <= 65536
            and (lut.ndim == 1 or (lut.ndim == 2 and lut.shape[1] in (1, 3, 4)))
        )
        return usable, lut

    def _float_map(self, image: np.ndarray, levels: np.ndarray):
        """(pixels, QImage format) for a 2-D float map through the lookup table, or None."""
        usable, lut = self._fast_lut()
        if not usable:
            return None
        nans = self._nan_mask(image)
        # The colour index as functions_qimage._rescale_and_lookup_float and functions.rescaleData
        # compute it. Without NaN and without a table pyqtgraph shows Grayscale8 scaled by 255.0;
        # with NaN it makes a 256-entry grey table and scales by 256.
        num_colours = 256 if lut is None else lut.shape[0]
        scale_offset = _scale_and_offset(levels, 255.0 if lut is None and nans is None else num_colours)
        if scale_offset is None:
            return None
        work = self._rescaled(image, *scale_offset, num_colours - 1)
        index = self._buffer("index", image.shape, np.min_scalar_type(num_colours - 1))
        with np.errstate(invalid="ignore"):  # NaN pixels get an arbitrary index; they are made transparent
            np.copyto(index, work, casting="unsafe")
        if lut is None and nans is None and self.exact_sampling:
            return index, _GRAYSCALE8  # the grey level is the index: pyqtgraph's picture as it is
        return self._coloured(index, lut, nans)

    def _coloured(self, index: np.ndarray, lut: np.ndarray | None, nans: np.ndarray | None):
        """(32-bit pixels, QImage format) for colour ``index``, NaN (``nans``) fully transparent."""
        tables = self._tables(lut)
        opaque = tables["opaque"] and nans is None
        if self.exact_sampling:
            table = tables["rgba"]
            image_format = _RGBX8888 if opaque else _RGBA8888
        else:
            table = tables["argb"] if opaque else tables["premultiplied"]
            image_format = _RGB32 if opaque else _ARGB32_PREMULTIPLIED
        pixels = self._buffer("pixels", index.shape, np.uint32)
        table.take(index, out=pixels, mode="clip")
        if nans is not None:
            np.copyto(pixels, 0, where=nans)
        return pixels, image_format

    # -- RGB pictures -------------------------------------------------------------------------------------------

    def _channel_bytes(self, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(channels, words): an H×W×3 uint8 scratch array and, over the same bytes, H×W uint32 words.

        Word (r, c) is the four bytes from pixel (r, c)'s red byte on: its red, green and blue and
        the next pixel's red (one spare byte follows the last pixel), unaligned.
        """
        raw = self._buffer("rgb_bytes", (height * width * 3 + 1,), np.uint8)
        channels = raw[: height * width * 3].reshape(height, width, 3)
        words = np.ndarray((height, width), dtype=np.uint32, buffer=raw, strides=(width * 3, 3))
        return channels, words

    def _rgbx(self, words: np.ndarray, nans: np.ndarray | None):
        """(pixels, format): the RGB bytes behind ``words`` with an opaque fourth byte, NaN pixels transparent."""
        pixels = self._buffer("pixels", words.shape, np.uint32)
        np.bitwise_or(words, _FOURTH_BYTE, out=pixels)  # R, G, B kept, the neighbour's red byte set to 255
        if nans is None:
            return pixels, _RGBX8888
        np.copyto(pixels, 0, where=nans)
        return pixels, _RGBA8888

    def _float_rgb(self, image: np.ndarray, levels: np.ndarray):
        """(pixels, format) for an H×W×3 float picture, scaled as ``_rescale_and_lookup_float`` scales it."""
        scale_offset = _scale_and_offset(levels, 255.0)  # no lookup table: 256 colours, scaled by 255
        if scale_offset is None:
            return None
        nans = self._nan_mask(image)
        work = self._rescaled(image, *scale_offset, 255)
        channels, words = self._channel_bytes(*image.shape[:2])
        if nans is None:
            np.copyto(channels, work, casting="unsafe")
        else:
            with np.errstate(invalid="ignore"):  # a NaN channel gets an arbitrary byte; its pixel is made transparent
                np.copyto(channels, work, casting="unsafe")
        return self._rgbx(words, nans)

    def _uint8_rgb(self, image: np.ndarray, levels: np.ndarray):
        """(pixels, format) for an H×W×3 uint8 picture, its levels applied as ``_combine_levels_and_lut`` does."""
        key = (levels.dtype.str, levels.tobytes())
        if key != self._level_key:
            self._level_table = self._levels_as_table(levels)
            self._level_key = key
        usable, table = self._level_table
        if not usable:
            return None
        channels, words = self._channel_bytes(*image.shape[:2])
        if table is None:
            np.copyto(channels, image)  # levels (0, 255): every byte stays as it is
        else:
            table.take(image, out=channels, mode="clip")
        return self._rgbx(words, None)

    def _levels_as_table(self, levels: np.ndarray) -> tuple[bool, np.ndarray | None]:
        """(usable, table): what ``rescaleData`` makes of each uint8 value at ``levels`` (None: the value itself)."""
        scale_offset = _scale_and_offset(levels, 255.0)
        if scale_offset is None:
            return False, None
        values = np.arange(256, dtype=np.uint8)  # uint8, so float32 arithmetic as for the picture itself
        table = self._rescaled(values, *scale_offset, 255, name="level_work").astype(np.uint8)
        return True, (None if np.array_equal(table, values) else table)
