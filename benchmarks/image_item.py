"""One image item, new data → QImage → painted: pyqtgraph's ImageItem against ConvLens's FastImageItem.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/image_item.py [RUNS]

Four pictures the lessons show: a 64-channel 24×24 feature-map mosaic (NaN in
the gaps, viridis), a 280×280 map (no NaN, the diverging map), a 256×256 float
RGB photo at levels (0, 1) (the photo lesson) and a 96×96 uint8 RGB panel at
levels (0, 255) (the segmentation lesson's eight panels). Each run
gives the item a new array with fixed levels (``setImage``), then paints it
with an antialiased QPainter at a zoom: whole (1×) or not (1.37×, 2.6×, like a
ViewBox that fits a panel). The three items take turns run by run, so a busy
machine slows them alike. Printed per picture and zoom: the median time of
setImage + render + paint, and render and paint apart.

- ``pg.ImageItem``: pyqtgraph 0.14's own render (Indexed8, RGBA8888 or RGB888 pictures);
- ``FastImageItem``: the app's item (RGBX8888/RGBA8888, painted exactly like pyqtgraph's);
- ``FastImageItem, exact_sampling=False`` (maps only: it changes nothing for RGB):
  RGB32/ARGB32-premultiplied pictures, which Qt scales with faster routines that pick
  slightly different pixels at fractional zooms.
"""

import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.ui.widgets.fast_image import FastImageItem  # noqa: E402
from explainer.ui.widgets.maps import ACTIVATION_CMAP, SIGNED_CMAP, Mosaic, colormap, mosaic_columns  # noqa: E402

ZOOMS = (1.0, 1.37, 2.6)
FRAMES = 8  # distinct arrays cycled through, so no run repeats the previous one's data


def mosaics(rng: np.random.Generator) -> list[np.ndarray]:
    mosaic = Mosaic(64, 24, 24, mosaic_columns(64, 24, 24))
    return [mosaic.tile(rng.random((64, 24, 24), dtype=np.float32)) for _ in range(FRAMES)]


def maps(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.normal(0, 1, (280, 280)).astype(np.float32) for _ in range(FRAMES)]


def photos(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.random((256, 256, 3), dtype=np.float32) for _ in range(FRAMES)]


def panels(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.integers(0, 256, (96, 96, 3), dtype=np.uint8) for _ in range(FRAMES)]


def make_items(cmap: str | None) -> dict[str, pg.ImageItem]:
    """The items to compare; with no colour map (an RGB picture) no ``exact_sampling=False`` one."""
    items = {"pg.ImageItem": pg.ImageItem(axisOrder="row-major"), "FastImageItem": FastImageItem(axisOrder="row-major")}
    if cmap is not None:
        inexact = FastImageItem(axisOrder="row-major")
        inexact.exact_sampling = False
        items["FastImageItem, exact_sampling=False"] = inexact
        for item in items.values():
            item.setColorMap(colormap(cmap))
    return items


def painter_for(shape: tuple[int, int], zoom: float) -> tuple[QImage, QPainter]:
    target = QImage(int(shape[1] * zoom) + 4, int(shape[0] * zoom) + 4, QImage.Format.Format_ARGB32_Premultiplied)
    target.fill(QColor("white"))
    painter = QPainter(target)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)  # the app's pyqtgraph option
    painter.translate(1.3, 1.7)
    painter.scale(zoom, zoom)
    return target, painter


def measure(frames: list[np.ndarray], levels: tuple[float, float], cmap: str | None, zoom: float, runs: int) -> dict:
    items = make_items(cmap)
    painters = {name: painter_for(frames[0].shape[:2], zoom) for name in items}
    times = {name: {"whole": [], "render": [], "paint": []} for name in items}
    for run in range(runs):
        data = frames[run % len(frames)]
        for name, item in items.items():
            painter = painters[name][1]
            start = time.perf_counter()
            item.setImage(data, autoLevels=False, levels=levels)
            item.render()
            rendered = time.perf_counter()
            item.paint(painter)
            done = time.perf_counter()
            times[name]["whole"].append(done - start)
            times[name]["render"].append(rendered - start)
            times[name]["paint"].append(done - rendered)
    for _target, painter in painters.values():
        painter.end()
    return {name: {part: 1e3 * statistics.median(values) for part, values in parts.items()}
            for name, parts in times.items()}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    QApplication.instance() or QApplication([])
    rng = np.random.default_rng(0)
    pictures = (("64×(24×24) mosaic, NaN gaps, viridis", mosaics(rng), (0.0, 1.0), ACTIVATION_CMAP),
                ("280×280 map, diverging", maps(rng), (-2.0, 2.0), SIGNED_CMAP),
                ("256×256 float32 RGB photo, levels (0, 1)", photos(rng), (0.0, 1.0), None),
                ("96×96 uint8 RGB panel, levels (0, 255)", panels(rng), (0, 255), None))
    for title, frames, levels, cmap in pictures:
        height, width = frames[0].shape[:2]
        print(f"{title} ({width}×{height} image pixels), median over {runs} runs:")
        for zoom in ZOOMS:
            result = measure(frames, levels, cmap, zoom, runs)
            stock = result["pg.ImageItem"]["whole"]
            print(f"  zoom {zoom}:")
            for name, parts in result.items():
                print(f"    {name:37s} {parts['whole']:.3f} ms (render {parts['render']:.3f} + paint "
                      f"{parts['paint']:.3f}), {stock / parts['whole']:.2f}× faster than pg.ImageItem")


if __name__ == "__main__":
    main()
