"""A cover over the lesson page: hides the answer while a question waits, or outlines what to notice."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QRegion
from PySide6.QtWidgets import QWidget

from ..widgets.style import scaled_pen

COVER = QColor(38, 42, 54)  # opaque: no answer may show through
OUTLINE = QColor("#e07b00")
MARGIN = 4


class Veil(QWidget):
    """Lies over ``target`` (a child of it, always its full size).

    A hole is a widget, or ``(widget, (start, end))``: the band of its height
    from ``start`` to ``end`` (fractions). ``cover(holes, text)`` hides
    everything but the holes and takes
    the clicks there (the holes stay usable); ``outline(holes)`` only draws a
    frame around them and lets every click through; ``clear()`` hides it.
    """

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.target = target
        self.mode = "off"
        self.text = ""
        self.holes: list[tuple[QWidget, tuple[float, float]]] = []
        self.setObjectName("tourVeil")
        target.installEventFilter(self)
        self.hide()

    # -- public ------------------------------------------------------------------
    def cover(self, holes: list, text: str) -> None:
        self._set("cover", holes, text)

    def outline(self, holes: list) -> None:
        self._set("outline", holes, "") if holes else self.clear()

    def clear(self) -> None:
        self._set("off", [], "")

    def detach(self) -> None:
        """Stop watching the target and the holes (before widgets are destroyed at exit)."""
        self.clear()
        self.target.removeEventFilter(self)

    def hole_rects(self) -> list[QRect]:
        """Where the holes are, in the veil's coordinates (visible holes only)."""
        rects = []
        for widget, (start, end) in self.holes:
            if widget.isVisible() and self.target.isAncestorOf(widget):
                top_left = widget.mapTo(self.target, widget.rect().topLeft())
                top = top_left.y() + round(start * widget.height())
                height = round((end - start) * widget.height())
                rects.append(QRect(top_left.x(), top, widget.width(), height).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))
        return rects

    # -- internals -----------------------------------------------------------------
    def _set(self, mode: str, holes: list[QWidget], text: str) -> None:
        for widget, _part in self.holes:
            widget.removeEventFilter(self)
        self.mode, self.text = mode, text
        self.holes = [hole if isinstance(hole, tuple) else (hole, (0.0, 1.0)) for hole in holes]
        for widget, _part in self.holes:
            widget.installEventFilter(self)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, mode != "cover")
        if mode == "off":
            self.hide()
            return
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        self.setGeometry(self.target.rect())
        region = QRegion(self.rect())
        if self.mode == "cover":
            for rect in self.hole_rects():
                region = region.subtracted(QRegion(rect))
            self.setMask(region)
        else:
            self.clearMask()
        self.update()

    def _free_band(self, holes: list[QRect]) -> QRect:
        """The largest band beside the holes (above, below, left or right of them all) to write in."""
        area = self.rect().adjusted(30, 30, -30, -30)
        if not holes:
            return area
        box = holes[0]
        for rect in holes[1:]:
            box = box.united(rect)
        bands = [QRect(area.left(), area.top(), area.width(), box.top() - 20 - area.top()),
                 QRect(area.left(), box.bottom() + 20, area.width(), area.bottom() - box.bottom() - 20),
                 QRect(area.left(), area.top(), box.left() - 20 - area.left(), area.height()),
                 QRect(box.right() + 20, area.top(), area.right() - box.right() - 20, area.height())]
        return max(bands, key=lambda band: max(0, band.width()) * max(0, band.height()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if self.mode != "off" and event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show,
                                                   QEvent.Type.Hide, QEvent.Type.LayoutRequest):
            self._place()
        return False

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        holes = self.hole_rects()
        if self.mode == "cover":
            path = QPainterPath()
            path.addRect(self.rect().toRectF())
            for rect in holes:
                hole = QPainterPath()
                hole.addRoundedRect(rect.toRectF(), 6, 6)
                path = path.subtracted(hole)
            painter.fillPath(path, COVER)
            painter.setPen(QColor("white"))
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.6)
            font.setBold(True)
            painter.setFont(font)
            free = self._free_band(holes)
            painter.drawText(free, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.text)
        pen = scaled_pen(QPen(OUTLINE, 3.0))
        painter.setPen(pen)
        for rect in holes:
            painter.drawRoundedRect(rect.toRectF().adjusted(1.5, 1.5, -1.5, -1.5), 6, 6)
