"""An ImageItem that turns a float map into a QImage in a few vectorised passes.

pyqtgraph's ``ImageItem.render()`` serves every kind of image. For the kind
ConvLens shows everywhere (one float map, fixed levels, a colour map, NaN in the
gaps of a mosaic) it rescales through a Python-level ``nditer`` loop and then
makes either an ``Indexed8`` picture, whose colour table takes 256 Python calls
on every render, or an ``RGBA8888`` one built through an RGBA lookup.

:class:`FastImageItem` handles that case itself: it computes the colour indices
exactly as pyqtgraph does (the same numpy operations on the same dtypes, so the
same rounding and clipping), looks the colours up in a 32-bit table kept until
the lookup table changes, and wraps the result, in buffers reused from render
to render, in a QImage. Everything else (RGB or integer images, callable
lookup tables, auto-downsampling, per-channel levels) goes to pyqtgraph's own
``render()``.

Which QImage format: Qt's raster engine scales ``Format_RGB32`` and
``Format_ARGB32_Premultiplied`` images with dedicated routines that round pixel
positions their own way, while every other format (pyqtgraph's ``Indexed8`` and
``RGBA8888`` among them) goes through its general texture code. So by default
the item makes ``RGBX8888``/``RGBA8888`` pictures (and, for a grey map without
NaN, pyqtgraph's own ``Grayscale8``), painted exactly like pyqtgraph's; see
:attr:`FastImageItem.exact_sampling`.
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


class FastImageItem(pg.ImageItem):
    """A ``pg.ImageItem`` whose float-map renders skip pyqtgraph's general path.

    The fast path takes a 2-D (or H×W×1) float16/32/64 image with finite
    ``[min, max]`` levels, a uint8 lookup table (or none: a grey ramp) of up to
    65,536 entries, and no auto-downsampling; anything else is rendered by
    pyqtgraph. The colour of every image pixel is the one pyqtgraph gives it.

    Attributes
    ----------
    exact_sampling : bool
        True (the default): the QImage is ``Format_RGBX8888`` (opaque),
        ``Format_RGBA8888`` (NaN or translucent colours) or, with no lookup
        table and no NaN, ``Format_Grayscale8``, which Qt paints through
        the same general code as pyqtgraph's formats, so the painted picture
        is pyqtgraph's pixel for pixel at every zoom. False: ``Format_RGB32`` or
        ``Format_ARGB32_Premultiplied``, which Qt's raster engine scales several
        times faster, but with its own nearest-pixel rounding: at a zoom that is
        not a whole number, a pixel on an image-pixel boundary may take the
        neighbouring image pixel's colour, and a shrunk image shows other rows.
        It applies from the next render (``updateImage()``).
    """

    exact_sampling: bool = True

    def __init__(self, *args, **kwargs) -> None:
        self._lut_key: tuple | None = None
        self._lut_tables: dict | None = None
        self._buffers: dict[str, np.ndarray] = {}
        super().__init__(*args, **kwargs)

    # -- pyqtgraph override -------------------------------------------------------------------------------------

    def render(self) -> None:
        """Make ``self.qimage`` from the image: the fast path when it applies, else pyqtgraph's."""
        if not self._render_fast():
            super().render()

    # -- the fast path ------------------------------------------------------------------------------------------

    def _buffer(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A scratch array kept between renders while the shape and dtype stay the same."""
        buffer = self._buffers.get(name)
        if buffer is None or buffer.shape != shape or buffer.dtype != dtype:
            buffer = np.empty(shape, dtype=dtype)
            self._buffers[name] = buffer
        return buffer

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

    def _fast_levels(self) -> np.ndarray | None:
        """The levels as pyqtgraph reads them (``np.asarray``), or None when the fast path cannot use them."""
        if self.levels is None:
            return None
        levels = np.asarray(self.levels)
        if levels.shape != (2,) or levels.dtype.kind not in "iuf" or not np.isfinite(levels).all():
            return None
        return levels

    def _nan_mask(self, image: np.ndarray) -> np.ndarray | None:
        """Where ``image`` is NaN (None: nowhere), cached until the next ``setImage`` as pyqtgraph caches it."""
        if self._imageHasNans is None:
            mask = np.isnan(image, out=self._buffer("nan", image.shape, np.bool_))
            self._imageHasNans = bool(mask.any())
            self._imageNanLocations = mask if self._imageHasNans else None
        if not self._imageHasNans:
            return None
        mask = self._imageNanLocations
        if not (isinstance(mask, np.ndarray) and mask.dtype == np.bool_ and mask.shape == image.shape):
            mask = np.isnan(image, out=self._buffer("nan", image.shape, np.bool_))
            self._imageNanLocations = mask  # a boolean mask indexes like pyqtgraph's nonzero() tuple
        return mask

    def _render_fast(self) -> bool:
        """Render a float map through the cached colour table; False (nothing changed) when it does not apply."""
        image = self.image
        if (image is None or not isinstance(image, np.ndarray) or image.size == 0 or self.autoDownsample
                or image.dtype not in _FLOAT_DTYPES
                or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1))):
            return False
        usable, lut = self._fast_lut()
        levels = self._fast_levels()
        if not usable or levels is None:
            return False
        if image.ndim == 3:
            image = image[..., 0]
        if self.axisOrder == "col-major":
            image = image.swapaxes(0, 1)
        shape = image.shape
        nans = self._nan_mask(image)

        # The colour index as functions_qimage._rescale_and_lookup_float and functions.rescaleData
        # compute it: the same numbers, dtypes and order of operations, hence the same rounding.
        # Without NaN and without a table pyqtgraph shows Grayscale8 scaled by 255.0; with NaN it
        # makes a 256-entry grey table and scales by 256.
        num_colours = 256 if lut is None else lut.shape[0]
        max_scale_value = 255.0 if lut is None and nans is None else num_colours
        min_value, max_value = levels
        value_range = max_value - min_value
        value_range = 1 if value_range == 0 else value_range
        scale = float(max_scale_value / value_range)
        offset = float(min_value)
        if not (math.isfinite(scale) and scale != 0.0):
            return False  # a range too wide or too narrow for floats: pyqtgraph's own path decides
        work_dtype = np.float32 if np.can_cast(image, np.float32) else np.float64

        work = self._buffer("work", shape, work_dtype)
        np.subtract(image, offset, out=work, dtype=work_dtype)
        np.multiply(work, scale, out=work)
        np.clip(work, 0, num_colours - 1, out=work)
        index = self._buffer("index", shape, np.min_scalar_type(num_colours - 1))
        if nans is None:
            np.copyto(index, work, casting="unsafe")
        else:
            with np.errstate(invalid="ignore"):  # NaN pixels get an arbitrary index; they are made transparent
                np.copyto(index, work, casting="unsafe")

        if lut is None and nans is None and self.exact_sampling:
            pixels, image_format = index, _GRAYSCALE8  # the grey level is the index: pyqtgraph's picture as it is
        else:
            pixels, image_format = self._coloured(index, lut, nans)

        height, width = shape
        qimage = QImage(pixels, width, height, pixels.strides[0], image_format)
        qimage.data = pixels  # the QImage does not own its pixels: keep the buffer alive with it
        self._processingBuffer = None
        self._displayBuffer = None
        self.qimage = qimage
        self._renderRequired = False
        self._unrenderable = False
        return True

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
