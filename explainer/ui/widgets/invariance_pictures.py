"""The invariance lab's pictures: the input before and after the recipe, the occlusion map, the nudge.

Plain pyqtgraph views that show arrays they are given; they hold no data of
their own beyond what is on screen. The transformed picture takes drags: the
grey square follows the pointer (the lab turns that into a state change).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from .fast_image import FastImageItem
from .maps import SIGNED_CMAP, ClickableImageItem, cache_axes, colormap
from .panels import ImageView, PanelGrid

#: Colour of the outline around the grey square.
SQUARE_COLOR = "#ffb000"


class DraggableImageItem(ClickableImageItem):
    """An image that reports left-button drags and clicks in image (row, col) coordinates."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.drag_handler = None

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph override)
        if self.drag_handler is None or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        pos = ev.pos()
        self.drag_handler(pos.y(), pos.x())


class LabPictures(PanelGrid):
    """Two titled pictures side by side, as large as the width allows: the input at two stages, one of
    them (the one the grey square is drawn on) taking drags.

    Signals
    -------
    square_dragged(float, float)
        The pointer's (row, col) in input pixels while the left button is held (or clicked) on the
        picture that takes drags: where the grey square's centre should go.

    Attributes
    ----------
    before, after : ImageView
        The left and the right picture.
    square_view : ImageView
        The one that takes drags and outlines the grey square.
    """

    square_dragged = Signal(float, float)

    def __init__(self, before_title: str, after_title: str, drag_on: str = "before",
                 parent: QWidget | None = None) -> None:
        super().__init__(1, 2, parent=parent)
        self.before = ImageView(before_title, frame=True)
        self.after = ImageView(after_title, frame=True)
        # The picture the square is drawn on takes drags: swap its image item for one that reports them.
        view = self.square_view = self.before if drag_on == "before" else self.after
        view.view.removeItem(view.image)
        view.image = DraggableImageItem(axisOrder="row-major")
        view.view.addItem(view.image)
        view.image.drag_handler = self.square_dragged.emit
        view.image.click_handler = self.square_dragged.emit
        self.add_panel("before", self.before, 0, 0)
        self.add_panel("after", self.after, 0, 1)

    def show_pictures(self, before: np.ndarray, after: np.ndarray) -> None:
        """Show ``before`` and ``after``, each (H, W) or (H, W, 3) in [0, 1]."""
        self.before.set_image(before)
        self.after.set_image(after)

    def mark_square(self, square: tuple[int, int, int] | None) -> None:
        """Outline the grey square (row, col, side) on the picture it is drawn on; None hides it."""
        if square is None:
            self.square_view.mark("square", None)
            return
        row, col, side = square
        self.square_view.mark("square", (row, col, side, side), SQUARE_COLOR, 1.5)

    def clear_pictures(self) -> None:
        self.before.clear()
        self.after.clear()


def heat_lookup(name: str = SIGNED_CMAP, points: int = 256) -> np.ndarray:
    """An RGBA table of colormap ``name`` whose opacity grows with the distance from its centre.

    A drop of 0 is see-through, so the input shows where the patch changes nothing,
    and large drops (either sign) are three-quarters opaque.
    """
    table = colormap(name).getLookupTable(0.0, 1.0, points, alpha=True).astype(np.float64)
    distance = np.abs(np.linspace(-1.0, 1.0, points))
    table[:, 3] = 255.0 * 0.75 * np.sqrt(distance)  # at most 3/4 opaque: the input always shows through
    return table.astype(np.uint8)


class OcclusionMapView(pg.GraphicsLayoutWidget):
    """The input with the occlusion map drawn over it, half see-through, and the map's colour bar.

    Attributes
    ----------
    picture : ImageView
        The input (grey or colour) under the map.
    heat : pg.ImageItem
        The map: one cell per patch position, centred on the patch's centre.
    bar : pg.ColorBarItem
    values : ndarray or None
        The map on screen.
    """

    #: The smallest colour scale (± this drop in probability), so noise-level drops are not drawn loud.
    FLOOR = 0.05

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.picture = ImageView(title, frame=True)
        self.heat = FastImageItem(axisOrder="row-major")
        self.heat.setLookupTable(heat_lookup())
        self.heat.setZValue(2)
        self.picture.view.addItem(self.heat)
        self.bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False, width=12,
                                   label="mean drop in probability")
        cache_axes(self.bar.axis)
        self.addItem(self.picture.title, row=0, col=0)
        self.addItem(self.picture.view, row=1, col=0)
        self.addItem(self.bar, row=1, col=1)
        self.values: np.ndarray | None = None

    def show_input(self, image: np.ndarray) -> None:
        self.picture.set_image(image)

    def show_map(self, values: np.ndarray | None, rect: tuple[float, float, float, float] | None = None,
                 limit: float | None = None) -> None:
        """Draw ``values`` (rows, cols) over the input in ``rect`` = (top, left, height, width) input pixels.

        Colours are symmetric around 0 (±``limit``, by default the largest magnitude but at least
        :attr:`FLOOR`), so a patch that lowers the probability is one colour and one that raises it
        the other.
        None hides the map.
        """
        if values is None:
            self.values = None
            self.heat.clear()
            self.heat.hide()
            return
        values = np.asarray(values, dtype=np.float32)
        self.values = values
        finite = values[np.isfinite(values)]
        if limit is None:  # small drops stay pale: a 0.001 drop is not drawn like a 0.5 one
            limit = max(self.FLOOR, float(np.abs(finite).max()) if finite.size else 0.0)
        self.heat.setImage(values, autoLevels=False, levels=(-limit, limit))
        top, left, height, width = rect if rect is not None else (0, 0, *values.shape)
        self.heat.setRect(QRectF(left, top, width, height))
        self.heat.show()
        if tuple(self.bar.levels()) != (-limit, limit):
            self.bar.setLevels((-limit, limit))

    def clear_all(self) -> None:
        self.picture.clear()
        self.show_map(None)


class NudgeView(QWidget):
    """The input, the perturbation ×10 in diverging colours and the nudged input, at one size, and the
    perturbation's colour bar.

    Attributes
    ----------
    original, perturbation, nudged : ImageView
    """

    #: The perturbation is shown this many times larger than it is.
    ENLARGE = 10.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = PanelGrid(1, 3)
        self.original = self.grid.add_panel("original", ImageView("what the network reads", frame=True), 0, 0)
        self.perturbation = self.grid.add_panel(
            "perturbation", ImageView(f"the nudge ×{self.ENLARGE:g}", cmap=SIGNED_CMAP, levels=(-1.0, 1.0),
                                      frame=True), 0, 1)
        self.nudged = self.grid.add_panel("nudged", ImageView("the same + the nudge", frame=True), 0, 2)
        self.bar_view = pg.GraphicsLayoutWidget()
        self.bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False, width=10,
                                   label=f"change ×{self.ENLARGE:g}")
        cache_axes(self.bar.axis)
        self.bar_view.addItem(self.bar)
        self.bar_view.setFixedWidth(80)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.bar_view)
        self.shown_perturbation: np.ndarray | None = None

    def show_nudge(self, original: np.ndarray, perturbation: np.ndarray, nudged: np.ndarray) -> None:
        """Show the three pictures; a colour perturbation (H, W, 3) is summed over its channels."""
        perturbation = np.asarray(perturbation, dtype=np.float32)
        if perturbation.ndim == 3:
            perturbation = perturbation.sum(axis=2)
        shown = self.ENLARGE * perturbation
        self.shown_perturbation = shown
        limit = max(1.0, float(np.abs(shown).max()) if shown.size else 0.0)
        self.original.set_image(original)
        self.perturbation.set_image(shown, levels=(-limit, limit))
        self.nudged.set_image(np.clip(nudged, 0.0, 1.0))
        if tuple(self.bar.levels()) != (-limit, limit):
            self.bar.setLevels((-limit, limit))

    def clear_all(self) -> None:
        for view in (self.original, self.perturbation, self.nudged):
            view.clear()
        self.shown_perturbation = None
