"""A cover over the lesson page: hides the answer while a question waits, or outlines what to notice."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QRegion
from PySide6.QtWidgets import QWidget

COVER = QColor(38, 42, 54)  # opaque: no answer may show through
OUTLINE = QColor("#e07b00")
MARGIN = 4


class Veil(QWidget):
    """Lies over ``target`` (a child of it, always its full size).

    ``cover(holes, text)`` hides everything but the ``holes`` widgets and takes
    the clicks there (the holes stay usable); ``outline(holes)`` only draws a
    frame around them and lets every click through; ``clear()`` hides it.
    """

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.target = target
        self.mode = "off"
        self.text = ""
        self.holes: list[QWidget] = []
        self.setObjectName("tourVeil")
        target.installEventFilter(self)
        self.hide()

    # -- public ------------------------------------------------------------------
    def cover(self, holes: list[QWidget], text: str) -> None:
        self._set("cover", holes, text)

    def outline(self, holes: list[QWidget]) -> None:
        self._set("outline", holes, "") if holes else self.clear()

    def clear(self) -> None:
        self._set("off", [], "")

    def hole_rects(self) -> list[QRect]:
        """Where the holes are, in the veil's coordinates (visible holes only)."""
        rects = []
        for widget in self.holes:
            if widget.isVisible() and self.target.isAncestorOf(widget):
                top_left = widget.mapTo(self.target, widget.rect().topLeft())
                rects.append(QRect(top_left, widget.size()).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))
        return rects

    # -- internals -----------------------------------------------------------------
    def _set(self, mode: str, holes: list[QWidget], text: str) -> None:
        for widget in self.holes:
            widget.removeEventFilter(self)
        self.mode, self.holes, self.text = mode, list(holes), text
        for widget in self.holes:
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
            free = self.rect().adjusted(40, 40, -40, -40)
            if holes:  # write in the largest free band beside the holes
                bottom = max(rect.bottom() for rect in holes)
                top = min(rect.top() for rect in holes)
                free = (QRect(free.left(), bottom + 20, free.width(), free.bottom() - bottom - 20)
                        if self.height() - bottom > top else QRect(free.left(), free.top(), free.width(), top - 60))
            painter.drawText(free, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.text)
        pen = QPen(OUTLINE)
        pen.setWidthF(3.0)
        painter.setPen(pen)
        for rect in holes:
            painter.drawRoundedRect(rect.toRectF().adjusted(1.5, 1.5, -1.5, -1.5), 6, 6)
