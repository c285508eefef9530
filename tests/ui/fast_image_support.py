"""Shared drawing and comparison helpers of the FastImageItem tests (stock pg.ImageItem against FastImageItem)."""

from unittest import mock

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene

from explainer.ui.widgets.fast_image import FastImageItem
from explainer.ui.widgets.maps import colormap

#: (zoom, antialiased): whole and fractional zooms, both rasterisation modes.
PAINTS = [(1.0, False), (1.0, True), (2.0, True), (1.37, False), (1.37, True), (0.83, True), (2.6, False)]

rng = np.random.default_rng(7)


def pixels(image: QImage) -> np.ndarray:
    """(H, W) uint32 premultiplied ARGB of ``image``: transparent pixels are all 0."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].copy().view(np.uint32)


def painted(item: pg.ImageItem, zoom: float, antialiased: bool, shift=(0.4, 0.7)) -> np.ndarray:
    """``item`` painted by a QGraphicsScene at ``zoom``, shifted by ``shift`` pixels, over teal."""
    scene = QGraphicsScene()
    scene.addItem(item)
    height, width = item.image.shape[:2] if item.axisOrder == "row-major" else item.image.shape[1::-1]
    target = QImage(int(width * zoom) + 3, int(height * zoom) + 3, QImage.Format.Format_ARGB32_Premultiplied)
    target.fill(QColor(20, 140, 150))
    painter = QPainter(target)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialiased)
    scene.render(painter, QRectF(*shift, width * zoom, height * zoom), QRectF(0, 0, width, height))
    painter.end()
    scene.removeItem(item)
    return pixels(target)


def pair(lut=None, **options) -> tuple[pg.ImageItem, FastImageItem]:
    """A stock and a fast item with the same options and lookup table."""
    options.setdefault("axisOrder", "row-major")
    stock, fast = pg.ImageItem(**options), FastImageItem(**options)
    for item in (stock, fast):
        if lut is not None:
            item.setLookupTable(lut.copy() if isinstance(lut, np.ndarray) else lut)  # one table each
    return stock, fast


def show(items, data, **kwargs) -> None:
    for item in items:
        item.setImage(data, **kwargs)


def assert_same_pictures(stock: pg.ImageItem, fast: pg.ImageItem, fast_path: bool = True) -> None:
    """Same rendered colours and same painted pixels at every zoom in PAINTS."""
    stock.render()
    if fast_path:
        with mock.patch.object(pg.ImageItem, "render", side_effect=AssertionError("pyqtgraph's render was used")):
            fast.render()
    else:
        fast.render()
    assert not fast._renderRequired and not fast._unrenderable
    reference = pixels(stock.qimage)
    assert np.array_equal(pixels(fast.qimage), reference)
    assert len(np.unique(reference)) > 1  # a picture, not a flat fill
    for zoom, antialiased in PAINTS:
        expected = painted(stock, zoom, antialiased)
        got = painted(fast, zoom, antialiased)
        differing = int((expected != got).sum())
        assert differing == 0, f"{differing} pixels differ at zoom {zoom}, antialiased={antialiased}"


def lut_of(name: str) -> np.ndarray:
    return colormap(name).getLookupTable(nPts=256)


def grab_in_view(qtbot, item: pg.ImageItem, size=(333, 211)) -> tuple[np.ndarray, pg.GraphicsLayoutWidget]:
    """``item`` in a locked-aspect ViewBox of a GraphicsLayoutWidget of ``size``: (grab, widget)."""
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    view = pg.ViewBox(lockAspect=True, invertY=True)
    widget.addItem(view)
    view.addItem(item)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return pixels(widget.grab().toImage()), widget


def float64_between_scales(steps=256, shape=(16, 17)) -> np.ndarray:
    """For float32 levels (0.1, 0.7): values between the bin edges of a scale divided in float32 (as pyqtgraph
    divides numpy scalars) and of one divided in float64, so the two would give different colours."""
    low, high = np.array([0.1, 0.7], dtype=np.float32)
    scale32, scale64 = float(steps / (high - low)), steps / float(high - low)
    return (float(low) + np.arange(np.prod(shape)) / ((scale32 + scale64) / 2)).reshape(shape)
