"""FastImageItem paints the RGB pictures (photos, segmentation panels) exactly as pg.ImageItem does."""

import numpy as np
import pytest
from PySide6.QtGui import QImage

from explainer.ui.widgets.fast_image import FastImageItem
from explainer.ui.widgets.maps import ACTIVATION_CMAP

from .fast_image_support import assert_same_pictures, float64_between_scales, grab_in_view, lut_of, pair, pixels, show

rng = np.random.default_rng(11)


# -- RGB pictures: the photo lesson's float photos, the segmentation lesson's uint8 panels ------------------------

def rgb_edges() -> np.ndarray:
    """float64 channel values on the 255-step bin edges of levels (0, 1) and 1e-12 under them."""
    edges = np.arange(256) / 255.0
    return np.resize(np.concatenate([edges, edges - 1e-12]), (17, 31, 3))  # every value at least three times


RGB_CASES = {
    "float32 within the levels": (lambda: rng.uniform(0, 1, (23, 31, 3)).astype(np.float32), (0, 1)),
    "float32 outside the levels": (lambda: rng.uniform(-0.6, 1.6, (23, 31, 3)).astype(np.float32), (0, 1)),
    "float64 on and just under the bin edges": (rgb_edges, (0, 1)),
    "float64 data, float32 levels": (lambda: float64_between_scales(255, (16, 17, 3)),
                                     np.array([0.1, 0.7], dtype=np.float32)),
    "float16, an offset": (lambda: rng.uniform(-2, 2, (19, 21, 3)).astype(np.float16), (-1, 1.5)),
    "odd size 7×5": (lambda: rng.uniform(-0.2, 1.2, (7, 5, 3)), (0, 1)),
    "reversed levels": (lambda: rng.uniform(0, 1, (19, 21, 3)).astype(np.float32), (0.9, 0.1)),
    "integer levels": (lambda: rng.uniform(-5, 300, (19, 21, 3)).astype(np.float32), (0, 255)),
    "constant levels": (lambda: rng.normal(0.5, 0.01, (15, 22, 3)).astype(np.float32), (0.5, 0.5)),
    "uint8, levels (0, 255)": (lambda: rng.integers(0, 256, (96, 96, 3), dtype=np.uint8), (0, 255)),
    "uint8, odd size 7×5": (lambda: rng.integers(0, 256, (7, 5, 3), dtype=np.uint8), (0, 255)),
    "uint8, narrower levels": (lambda: rng.integers(0, 256, (19, 21, 3), dtype=np.uint8), (10, 200)),
    "uint8, reversed float levels": (lambda: rng.integers(0, 256, (19, 21, 3), dtype=np.uint8), (240.5, 3.2)),
}


@pytest.mark.parametrize("case", list(RGB_CASES))
def test_rgb_pictures_paint_the_same_pixels(qtbot, case):
    make, levels = RGB_CASES[case]
    data = make()
    stock, fast = pair()
    show((stock, fast), data, autoLevels=False, levels=levels)
    assert_same_pictures(stock, fast)
    assert fast.qimage.format() == QImage.Format.Format_RGBX8888


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_in_an_rgb_picture_is_transparent_as_in_pyqtgraph(qtbot, dtype):
    data = rng.uniform(-0.2, 1.2, (21, 27, 3)).astype(dtype)
    data[3, :, 0] = np.nan  # one channel of a row
    data[:, 5] = np.nan  # every channel of a column
    data[10, 10:20, 2] = np.inf
    stock, fast = pair()
    show((stock, fast), data, autoLevels=False, levels=(0, 1))
    assert_same_pictures(stock, fast)
    assert fast.qimage.format() == QImage.Format.Format_RGBA8888
    assert (pixels(fast.qimage)[3] == 0).all()


def test_rgb_pictures_ignore_the_lookup_table_and_follow_column_major_order(qtbot):
    stock, fast = pair(lut_of(ACTIVATION_CMAP), axisOrder="col-major")  # as an ImageView with a colour map
    show((stock, fast), rng.uniform(0, 1, (26, 14, 3)).astype(np.float32), autoLevels=False, levels=(0, 1))
    assert_same_pictures(stock, fast)
    show((stock, fast), rng.integers(0, 256, (26, 14, 3), dtype=np.uint8), autoLevels=False, levels=(0, 255))
    assert_same_pictures(stock, fast)


def test_rgb_shapes_dtypes_and_levels_can_change_from_one_image_to_the_next(qtbot):
    stock, fast = pair()
    steps = [
        (rng.uniform(0, 1, (64, 48, 3)).astype(np.float32), (0, 1)),
        (np.where(rng.random((64, 48, 1)) < 0.1, np.nan, rng.uniform(0, 1, (64, 48, 3))), (0, 1)),  # NaN, float64
        (rng.uniform(0, 1, (64, 48, 3)).astype(np.float32), (0, 1)),  # the same shape without NaN again
        (rng.uniform(0, 1, (7, 5, 3)).astype(np.float32), (0.2, 0.8)),
        (rng.integers(0, 256, (96, 96, 3), dtype=np.uint8), (0, 255)),
        (rng.integers(0, 256, (96, 96, 3), dtype=np.uint8), (30, 220)),
        (rng.uniform(0, 1, (96, 96)).astype(np.float32), (0, 1)),  # a grey map in the same item
        (rng.integers(0, 256, (9, 11, 3), dtype=np.uint8), (0, 255)),
    ]
    for data, levels in steps:
        show((stock, fast), data, autoLevels=False, levels=levels)
        assert_same_pictures(stock, fast)


def test_the_comparison_notices_a_different_rgb_picture(qtbot):
    data = rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)
    stock, fast = pair()
    stock.setImage(data, autoLevels=False, levels=(0, 255))
    fast.setImage(data, autoLevels=False, levels=(0, 254))
    with pytest.raises(AssertionError):
        assert_same_pictures(stock, fast)


@pytest.mark.parametrize("photo", [False, True])
def test_an_rgb_panel_in_a_layout_widget_paints_like_pyqtgraph(qtbot, photo):
    """The app's panel (photo: float RGB at levels (0, 1); segmentation: uint8 RGB at (0, 255)) against a stock item."""
    if photo:
        data, levels = rng.uniform(0, 1, (61, 97, 3)).astype(np.float32), (0, 1)
    else:
        data, levels = rng.integers(0, 256, (96, 96, 3), dtype=np.uint8), (0, 255)
    grabs = []
    for item in pair():
        item.setImage(data, autoLevels=False, levels=levels)
        grab, _widget = grab_in_view(qtbot, item, size=(257, 189))
        grabs.append(grab)
    assert isinstance(item, FastImageItem) and item.qimage.format() == QImage.Format.Format_RGBX8888
    assert len(np.unique(grabs[0])) > 50
    assert int((grabs[0] != grabs[1]).sum()) == 0
