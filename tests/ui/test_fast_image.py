"""FastImageItem paints what pg.ImageItem paints, pixel for pixel, for the maps and RGB pictures ConvLens shows.

Each case renders the same data through a stock ``pg.ImageItem`` and a
``FastImageItem``, paints both into images at several zooms (whole and
fractional, antialiased or not) over a coloured background, and compares the
painted pixels; the rendered QImages are compared too, premultiplied, so a fully
transparent pixel counts the same whatever its colour.
"""

from unittest import mock

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QImage

from explainer.ui.widgets.fast_image import FastImageItem, colour_tables
from explainer.ui.widgets.maps import ACTIVATION_CMAP, SIGNED_CMAP, MapsView, Mosaic, colormap

from .fast_image_support import assert_same_pictures, float64_between_scales, grab_in_view, lut_of, pair, painted, pixels, show

rng = np.random.default_rng(7)


def mosaic(channels=12, size=6, low=-1.5, high=1.5) -> np.ndarray:
    """Maps tiled like MapsView tiles them: NaN in the gaps."""
    values = rng.uniform(low, high, size=(channels, size, size)).astype(np.float32)
    return Mosaic(channels, size, size, columns=5).tile(values)


def float64_edges() -> np.ndarray:
    """Values on the 256 bin edges of levels (0, 1) and 1e-12 under them: float32 arithmetic would round them up."""
    edges = np.arange(16 * 17) / 256.0
    return np.concatenate([edges, edges - 1e-12]).reshape(32, 17)


CASES = {
    "viridis, within the levels": (lambda: rng.uniform(0, 1, (23, 31)).astype(np.float32), ACTIVATION_CMAP, (0, 1)),
    "diverging map, outside the levels": (lambda: rng.normal(0, 3, (23, 31)).astype(np.float32), SIGNED_CMAP, (-1, 1)),
    "NaN gaps of a mosaic, viridis": (mosaic, ACTIVATION_CMAP, (-1.0, 1.0)),
    "NaN gaps of a mosaic, diverging": (mosaic, SIGNED_CMAP, (-1.0, 1.0)),
    "float64 on and just under the bin edges": (lambda: float64_edges(), SIGNED_CMAP, (0, 1)),
    "float64 data, float32 levels": (lambda: float64_between_scales(), ACTIVATION_CMAP,
                                     np.array([0.1, 0.7], dtype=np.float32)),
    "float16": (lambda: rng.uniform(-2, 2, (19, 21)).astype(np.float16), ACTIVATION_CMAP, (-1, 1.5)),
    "reversed levels": (lambda: rng.uniform(0, 1, (19, 21)).astype(np.float32), ACTIVATION_CMAP, (0.9, 0.1)),
    "integer levels": (lambda: rng.uniform(-5, 300, (19, 21)).astype(np.float32), SIGNED_CMAP, (0, 255)),
    "float32 levels": (lambda: rng.uniform(0, 1, (19, 21)).astype(np.float32), ACTIVATION_CMAP,
                       np.array([0.1, 0.7], dtype=np.float32)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_colour_maps_paint_the_same_pixels(qtbot, case):
    make, cmap, levels = CASES[case]
    data = make()
    stock, fast = pair(lut_of(cmap))
    show((stock, fast), data, autoLevels=False, levels=levels)
    assert_same_pictures(stock, fast)


def test_infinities_and_nan_paint_the_same_pixels(qtbot):
    data = rng.normal(0, 1, (21, 27)).astype(np.float32)
    data[3, :] = np.inf
    data[:, 5] = -np.inf
    data[10, 10:20] = np.nan
    stock, fast = pair(lut_of(SIGNED_CMAP))
    show((stock, fast), data, autoLevels=False, levels=(-1, 1))
    assert_same_pictures(stock, fast)
    assert fast.qimage.format() == QImage.Format.Format_RGBA8888


def test_constant_levels_paint_the_same_pixels(qtbot):
    data = rng.normal(0.5, 0.01, (15, 22)).astype(np.float32)
    data[::3] = 0.5
    for nan in (False, True):
        if nan:
            data[0, :4] = np.nan
        stock, fast = pair(lut_of(ACTIVATION_CMAP))
        show((stock, fast), data, autoLevels=False, levels=(0.5, 0.5))
        assert_same_pictures(stock, fast)


@pytest.mark.parametrize("entries, channels", [(256, 3), (10, 3), (7, 4), (256, 4), (40, 1), (200, None), (1000, 3),
                                               (700, 4)])
@pytest.mark.parametrize("with_nan", [False, True])
def test_lookup_tables_of_any_length_and_alpha_paint_the_same_pixels(qtbot, entries, channels, with_nan):
    shape = (entries,) if channels is None else (entries, channels)
    lut = rng.integers(0, 256, size=shape, dtype=np.uint8)
    if channels == 4:
        lut[::5, 3] = 0
        lut[1::5, 3] = 255
    data = rng.uniform(-0.2, 1.2, (18, 25)).astype(np.float32)
    if with_nan:
        data[::4, ::3] = np.nan
    stock, fast = pair(lut)
    show((stock, fast), data, autoLevels=False, levels=(0, 1))
    assert_same_pictures(stock, fast)


@pytest.mark.parametrize("with_nan", [False, True])
def test_without_a_lookup_table_the_grey_ramp_matches(qtbot, with_nan):
    data = rng.uniform(-0.1, 1.1, (20, 24)).astype(np.float32)
    if with_nan:
        data[5:8, :] = np.nan
    stock, fast = pair()
    show((stock, fast), data, autoLevels=False, levels=(0, 1))
    assert_same_pictures(stock, fast)
    assert fast.qimage.format() == (QImage.Format.Format_RGBA8888 if with_nan else QImage.Format.Format_Grayscale8)


def test_auto_levels_and_column_major_images_match(qtbot):
    data = rng.normal(0, 1, (26, 14)).astype(np.float32)
    data[2, 3] = np.nan
    stock, fast = pair(lut_of(SIGNED_CMAP), axisOrder="col-major")
    show((stock, fast), data)  # auto levels
    assert_same_pictures(stock, fast)


def test_a_new_shape_new_levels_and_a_new_table_are_followed(qtbot):
    stock, fast = pair(lut_of(ACTIVATION_CMAP))
    first = mosaic(channels=8, size=5)
    show((stock, fast), first, autoLevels=False, levels=(-1, 1))
    assert_same_pictures(stock, fast)
    second = rng.uniform(0, 2, (33, 12)).astype(np.float32)  # another shape, no NaN
    show((stock, fast), second, autoLevels=False, levels=(0.5, 1.5))
    assert_same_pictures(stock, fast)
    for item in (stock, fast):
        item.setLookupTable(lut_of(SIGNED_CMAP))
    assert_same_pictures(stock, fast)
    for item in (stock, fast):
        item.setLevels((0, 2))
    assert_same_pictures(stock, fast)


def test_a_table_changed_in_place_is_not_served_from_the_cache(qtbot):
    lut = lut_of(ACTIVATION_CMAP)
    data = rng.uniform(0, 1, (12, 12)).astype(np.float32)
    stock, fast = pair(lut)
    show((stock, fast), data, autoLevels=False, levels=(0, 1))
    assert_same_pictures(stock, fast)
    for item in (stock, fast):
        item.lut[:] = item.lut[::-1].copy()  # same array object, new colours
        item.updateImage()
    assert_same_pictures(stock, fast)


def test_the_comparison_notices_a_different_picture(qtbot):
    data = rng.uniform(0, 1, (20, 20)).astype(np.float32)
    stock, fast = pair(lut_of(ACTIVATION_CMAP))
    stock.setImage(data, autoLevels=False, levels=(0, 1))
    fast.setImage(data, autoLevels=False, levels=(0, 1.02))
    with pytest.raises(AssertionError):
        assert_same_pictures(stock, fast)


@pytest.mark.parametrize("case", ["rgba float", "uint16 rgb", "uint8 rgb without levels", "uint8",
                                  "uint16 with a table", "callable table", "per-channel levels"])
def test_other_images_are_rendered_by_pyqtgraph(qtbot, case):
    lut, options, kwargs = None, {}, {"autoLevels": False, "levels": (0, 1)}
    if case == "rgba float":
        data = rng.uniform(0, 1, (14, 19, 4)).astype(np.float32)
    elif case == "uint16 rgb":
        data = rng.integers(0, 4000, (14, 19, 3), dtype=np.uint16)
        kwargs = {"autoLevels": False, "levels": (0, 4000)}
    elif case == "uint8 rgb without levels":
        data = rng.integers(0, 256, (14, 19, 3), dtype=np.uint8)
        kwargs = {"autoLevels": False, "levels": None}
    elif case == "uint8":
        data = rng.integers(0, 256, (14, 19), dtype=np.uint8)
        lut, kwargs = lut_of(ACTIVATION_CMAP), {"autoLevels": False, "levels": (10, 200)}
    elif case == "uint16 with a table":
        data = rng.integers(0, 4000, (14, 19), dtype=np.uint16)
        lut, kwargs = lut_of(SIGNED_CMAP), {"autoLevels": False, "levels": (0, 4000)}
    elif case == "callable table":
        data = rng.uniform(0, 1, (14, 19)).astype(np.float32)
        table = lut_of(ACTIVATION_CMAP)
        lut = lambda image, n: table  # noqa: E731 (pyqtgraph's deprecated callable tables)
    else:
        data = rng.uniform(0, 1, (14, 19, 3)).astype(np.float32)
        kwargs = {"autoLevels": False, "levels": [[0, 1], [0.2, 0.8], [0.1, 0.5]]}
    stock, fast = pair(lut, **options)
    show((stock, fast), data, **kwargs)
    original = pg.ImageItem.render
    with mock.patch.object(pg.ImageItem, "render", autospec=True, side_effect=original) as pyqtgraph_render:
        fast.render()
    assert pyqtgraph_render.call_count == 1
    assert_same_pictures(stock, fast, fast_path=False)


@pytest.mark.parametrize("translucent", [False, True])
def test_without_exact_sampling_the_colours_are_the_same(qtbot, translucent):
    """RGB32 / ARGB32-premultiplied pictures: same colours, same pixels at whole zooms."""
    if translucent:
        data, lut = mosaic(channels=6, size=7), rng.integers(0, 256, size=(256, 4), dtype=np.uint8)
        expected_format = QImage.Format.Format_ARGB32_Premultiplied
    else:
        data, lut = rng.uniform(-1, 1, (20, 30)).astype(np.float32), lut_of(ACTIVATION_CMAP)
        expected_format = QImage.Format.Format_RGB32
    stock, fast = pair(lut)
    fast.exact_sampling = False
    show((stock, fast), data, autoLevels=False, levels=(-1, 1))
    stock.render()
    fast.render()
    assert fast.qimage.format() == expected_format
    assert np.array_equal(pixels(fast.qimage), pixels(stock.qimage))
    for zoom in (1.0, 2.0, 3.0):  # whole zooms on whole pixels: Qt's scaling routine picks the same pixels
        assert np.array_equal(painted(fast, zoom, True, (0, 0)), painted(stock, zoom, True, (0, 0)))


def test_colour_tables_premultiply_as_qt_does():
    lut = np.array([[255, 128, 1, 0], [255, 128, 1, 255], [200, 100, 50, 128], [10, 20, 30, 1]], dtype=np.uint8)
    tables = colour_tables(lut)
    for entry, premultiplied in zip(lut.tolist(), tables["premultiplied"].tolist(), strict=True):
        image = QImage(1, 1, QImage.Format.Format_ARGB32)
        image.setPixelColor(0, 0, QColor(*entry))
        assert pixels(image)[0, 0] == premultiplied
    assert not tables["opaque"] and colour_tables(lut[:, :3])["opaque"]
    assert tables["rgba"].view(np.uint8).reshape(-1, 4).tolist() == lut.tolist()
    with pytest.raises(ValueError, match="uint8"):
        colour_tables(lut.astype(np.float32))


def test_a_maps_view_in_a_layout_widget_paints_like_pyqtgraph(qtbot):
    """The app's mosaic view (its image a FastImageItem) against the same view with a stock item swapped in."""
    values = rng.normal(0, 1, (16, 9, 9)).astype(np.float32)
    grabs = []
    for stock in (False, True):
        widget = pg.GraphicsLayoutWidget()
        qtbot.addWidget(widget)
        maps = MapsView(cmap=SIGNED_CMAP)
        widget.addItem(maps.view)
        if stock:
            maps.view.removeItem(maps.image)
            maps.image = pg.ImageItem(axisOrder="row-major")
            maps.image.setColorMap(colormap(SIGNED_CMAP))
            maps.view.addItem(maps.image)
        assert isinstance(maps.image, FastImageItem) != stock
        maps.set_maps(values, (-2, 2))
        widget.resize(333, 211)
        widget.show()
        qtbot.waitExposed(widget)
        grabs.append(pixels(widget.grab().toImage()))
        if not stock:
            assert maps.image.qimage.format() == QImage.Format.Format_RGBA8888
    assert grabs[0].shape == grabs[1].shape
    assert len(np.unique(grabs[0])) > 50
    assert int((grabs[0] != grabs[1]).sum()) == 0


@pytest.mark.parametrize("with_nan", [False, True])
def test_auto_downsampled_images_are_left_to_pyqtgraph(qtbot, with_nan):
    data = rng.uniform(0, 1, (400, 600)).astype(np.float32)
    if with_nan:
        data[::50] = np.nan
    grabs = []
    for item in pair(lut_of(ACTIVATION_CMAP), autoDownsample=True):
        item.setImage(data, autoLevels=False, levels=(0, 1))
        grab, _widget = grab_in_view(qtbot, item, size=(150, 110))
        grabs.append(grab)
        assert item.qimage.width() < data.shape[1]  # pyqtgraph downsampled it
        if not with_nan:
            assert item.qimage.format() == QImage.Format.Format_Indexed8
    assert len(np.unique(grabs[0])) > 10
    assert np.array_equal(grabs[0], grabs[1])
