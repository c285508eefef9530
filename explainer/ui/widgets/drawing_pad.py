"""A square pad to draw on with a mouse, pen or finger: white ink on black, like MNIST."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .style import scaled_pen

from .qimage import array_to_qimage


def render_strokes(strokes, background: np.ndarray | None = None, resolution: int = 280,
                   pen_fraction: float = 0.075) -> np.ndarray:
    """Render strokes as the pad does: (resolution, resolution) float32 in [0, 1], white on black.

    ``strokes`` are sequences of ``(x, y)`` in pad coordinates (0 .. resolution);
    ``background`` (H, W) in [0, 1] is stretched under them. Used to rebuild a
    saved drawing without a pad on screen; the pad renders with the same pen.
    """
    pad = DrawingPad(resolution=resolution, pen_fraction=pen_fraction)
    try:
        pad.set_strokes(strokes, background, notify=False)
        return pad.image()
    finally:
        pad.deleteLater()


class DrawingPad(QWidget):
    """Draw strokes; read the drawing back as a numpy array.

    Strokes are kept as point lists in pad coordinates (0..resolution), so the
    last one can be undone and the drawing re-rendered at any size. A
    background picture (a loaded digit) can sit under the strokes.

    Signals
    -------
    drawing_changed()
        The drawing changed while a stroke is in progress (each mouse move).
    stroke_finished()
        A stroke ended (mouse released), or the drawing changed at once
        (undo, clear, new background).
    """

    drawing_changed = Signal()
    stroke_finished = Signal()

    def __init__(self, resolution: int = 280, pen_fraction: float = 0.075, hint: str = "Draw a digit here",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resolution = resolution
        self.pen_width = max(1.0, resolution * pen_fraction)
        self.hint = hint
        self._strokes: list[list[QPointF]] = []
        self._tags: list = []  # one tag per stroke (e.g. the class a stroke is drawn as)
        self.current_tag = None
        self.tag_colors: dict | None = None  # tag -> QColor: strokes shown in colour (the input stays white)
        self._current: list[QPointF] | None = None
        self._background: np.ndarray | None = None
        self._overlay: QRectF | None = None  # in pad coordinates
        self._buffer = QImage(resolution, resolution, QImage.Format.Format_Grayscale8)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("Draw with the left mouse button (or a pen / finger). "
                        "Ctrl+Z undoes the last stroke, Esc clears.")
        self._render()

    # -- public API ----------------------------------------------------------
    def clear(self) -> None:
        """Remove every stroke and the background."""
        if not self._strokes and self._background is None and self._current is None:
            return
        self._strokes.clear()
        self._tags.clear()
        self._current = None
        self._background = None
        self._overlay = None
        self._render()
        self.stroke_finished.emit()

    def undo(self) -> bool:
        """Remove the last stroke; returns False if there was none."""
        if not self._strokes:
            return False
        self._strokes.pop()
        self._tags.pop()
        self._render()
        self.stroke_finished.emit()
        return True

    def stroke_count(self) -> int:
        return len(self._strokes)

    def is_blank(self) -> bool:
        return not self._strokes and self._current is None and self._background is None

    def set_background(self, image: np.ndarray | None) -> None:
        """Show ``image`` (H, W) in [0, 1] under the strokes, stretched to the pad; clears strokes."""
        self._strokes.clear()
        self._tags.clear()
        self._current = None
        if image is not None:
            image = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
            if image.ndim != 2:
                raise ValueError(f"the background must be a 2-D greyscale image, got shape {image.shape}")
        self._background = image
        self._render()
        self.stroke_finished.emit()

    def strokes(self) -> list[tuple[tuple[float, float], ...]]:
        """Every finished stroke as plain ``(x, y)`` tuples in pad coordinates (for state and sessions)."""
        return [tuple((p.x(), p.y()) for p in stroke) for stroke in self._strokes]

    def tags(self) -> list:
        """The tag of every finished stroke, in order (e.g. the class each was drawn as)."""
        return list(self._tags)

    def background(self) -> np.ndarray | None:
        """The picture under the strokes, or None."""
        return self._background

    def set_strokes(self, strokes, background: np.ndarray | None = None, tags=None, notify: bool = True) -> None:
        """Replace the drawing by ``strokes`` (``(x, y)`` pad coordinates) over ``background``.

        ``notify=False`` renders without emitting :attr:`stroke_finished` (a view
        following its state must not echo the change back).
        """
        strokes = [[QPointF(float(x), float(y)) for x, y in stroke] for stroke in strokes]
        strokes = [stroke for stroke in strokes if stroke]
        tags = list(tags) if tags is not None else [None] * len(strokes)
        if len(tags) != len(strokes):
            raise ValueError(f"{len(tags)} tags for {len(strokes)} strokes")
        if background is not None:
            background = np.clip(np.asarray(background, dtype=np.float64), 0.0, 1.0)
            if background.ndim != 2:
                raise ValueError(f"the background must be a 2-D greyscale image, got shape {background.shape}")
        self._strokes, self._tags, self._current = strokes, tags, None
        self._background = background
        self._render()
        if notify:
            self.stroke_finished.emit()

    def add_stroke(self, points, tag=None) -> None:
        """Add a whole stroke from ``(x, y)`` pad coordinates (used by presets and tests)."""
        stroke = [QPointF(float(x), float(y)) for x, y in points]
        if stroke:
            self._strokes.append(stroke)
            self._tags.append(self.current_tag if tag is None else tag)
            self._render()
            self.stroke_finished.emit()

    def image(self) -> np.ndarray:
        """The drawing as a (resolution, resolution) float array in [0, 1], white on black."""
        ptr = self._buffer.constBits()
        arr = np.frombuffer(ptr, dtype=np.uint8, count=self._buffer.sizeInBytes())
        arr = arr.reshape(self.resolution, self._buffer.bytesPerLine())[:, : self.resolution]
        return arr.astype(np.float32) / 255.0

    def strokes_with_tags(self) -> list[tuple[list[QPointF], object]]:
        return list(zip(self._strokes, self._tags))

    def stroke_mask(self, stroke: list[QPointF]) -> np.ndarray:
        """One stroke rendered alone (same pen, anti-aliased), (resolution, resolution) floats in [0, 1]."""
        buffer = QImage(self.resolution, self.resolution, QImage.Format.Format_Grayscale8)
        buffer.fill(0)
        painter = QPainter(buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen())
        self._draw_stroke(painter, stroke)
        painter.end()
        arr = np.frombuffer(buffer.constBits(), dtype=np.uint8, count=buffer.sizeInBytes())
        return arr.reshape(self.resolution, buffer.bytesPerLine())[:, : self.resolution].astype(np.float32) / 255.0

    def set_overlay(self, rect: QRectF | None) -> None:
        """Outline a region of the pad (pad coordinates), e.g. a receptive field; None removes it."""
        if rect == self._overlay:
            return  # the same field again: nothing to repaint
        old, self._overlay = self._overlay, rect
        # The outline's pen (thicker in the presenter view), in pad pixels, on either side of its edges.
        margin = self._overlay_pen().widthF() * self.resolution / max(1.0, self._target_rect().width())
        for field in (old, rect):
            if field is not None:
                self._update_rows(field.top() - margin, field.bottom() + margin)

    # -- rendering -----------------------------------------------------------
    @staticmethod
    def _overlay_pen() -> QPen:
        return scaled_pen(QPen(QColor(255, 170, 0), 2))

    def _pen(self) -> QPen:
        pen = QPen(QColor(255, 255, 255), self.pen_width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen

    def _draw_stroke(self, painter: QPainter, stroke: list[QPointF]) -> None:
        if len(stroke) == 1:
            painter.drawPoint(stroke[0])
            return
        path = QPainterPath(stroke[0])
        for point in stroke[1:]:
            path.lineTo(point)
        painter.drawPath(path)

    def _render(self) -> None:
        if self._background is not None:
            side = self.resolution
            bg = array_to_qimage(self._background).scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                          Qt.TransformationMode.SmoothTransformation)
            self._buffer = bg.convertToFormat(QImage.Format.Format_Grayscale8)
        else:
            self._buffer.fill(0)
        painter = QPainter(self._buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen())
        for stroke in self._strokes + ([self._current] if self._current else []):
            self._draw_stroke(painter, stroke)
        painter.end()
        self.update()

    def _extend_current(self, point: QPointF) -> None:
        # Draw only the new segment into the buffer: cheap enough for every mouse move.
        previous = self._current[-1]
        self._current.append(point)
        painter = QPainter(self._buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen())
        painter.drawLine(previous, point)
        painter.end()
        self._update_segment(previous, point)

    def _update_segment(self, start: QPointF, end: QPointF) -> None:
        """Repaint what drawing the segment ``start``–``end`` (pad coordinates) changed."""
        if self.tag_colors:
            self.update()  # the stroke is also drawn over the picture in colour, as one path
            return
        reach = self.pen_width / 2 + 1  # the round pen and its anti-aliased edge
        self._update_rows(min(start.y(), end.y()) - reach, max(start.y(), end.y()) + reach)

    def _update_rows(self, top: float, bottom: float) -> None:
        """Repaint the widget's full-width band that shows pad rows ``top`` to ``bottom``.

        A moving pen changes a few rows of the drawing, and repainting the whole pad (the picture
        scaled smoothly to the widget) takes most of the time of its paint. The band spans the
        whole width because Qt starts each row of a smoothly scaled picture from the left edge of
        the area it paints: a band that starts at the widget's left edge gets exactly the pixels a
        whole repaint gives, while a narrower rectangle may differ by a level or two.
        """
        rect = self._target_rect()
        scale = rect.height() / self.resolution
        # A pad row also colours the scaled row on either side of it (smooth scaling): one more row each way.
        y0 = math.floor(rect.y() + (top - 1) * scale) - 1
        y1 = math.ceil(rect.y() + (bottom + 1) * scale) + 1
        self.update(0, y0, self.width(), y1 - y0)

    def _target_rect(self) -> QRectF:
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_pad(self, pos: QPointF) -> QPointF:
        rect = self._target_rect()
        scale = self.resolution / rect.width()
        return QPointF((pos.x() - rect.x()) * scale, (pos.y() - rect.y()) * scale)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        rect = self._target_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(rect, self._buffer)
        if self.tag_colors:
            scale = rect.width() / self.resolution
            painter.save()
            painter.translate(rect.topLeft())
            painter.scale(scale, scale)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for stroke, tag in zip(self._strokes + ([self._current] if self._current else []),
                                   self._tags + [self.current_tag]):
                color = self.tag_colors.get(tag)
                if color is not None:
                    pen = self._pen()
                    pen.setColor(color)
                    painter.setPen(pen)
                    self._draw_stroke(painter, stroke)
            painter.restore()
        if self.is_blank() and self.hint:
            painter.setPen(QColor(150, 150, 150))
            font = painter.font()
            font.setPointSizeF(max(9.0, rect.width() / 22))
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.hint)
        if self._overlay is not None:
            scale = rect.width() / self.resolution
            o = self._overlay
            painter.setPen(self._overlay_pen())
            painter.drawRect(QRectF(rect.x() + o.x() * scale, rect.y() + o.y() * scale, o.width() * scale,
                                    o.height() * scale))
        painter.setPen(scaled_pen(QPen(QColor(120, 120, 120), 1)))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()

    # -- input ---------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        repaint_all = self._overlay is not None or self.is_blank()  # the outline or the hint goes away
        self._overlay = None
        self._current = [self._to_pad(event.position())]
        painter = QPainter(self._buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen())
        painter.drawPoint(self._current[0])
        painter.end()
        if repaint_all:
            self.update()
        else:
            self._update_segment(self._current[0], self._current[0])
        self.drawing_changed.emit()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._current is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            return
        self._extend_current(self._to_pad(event.position()))
        self.drawing_changed.emit()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._current is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._strokes.append(self._current)
        self._tags.append(self.current_tag)
        self._current = None
        # Re-render the finished stroke as one path (while drawing, segments are added one by one and their
        # joins overlap), so the drawing is exactly what its strokes render to: a restored session reads the same.
        self._render()
        self.stroke_finished.emit()

    def sizeHint(self):  # noqa: N802 (Qt override)
        from PySide6.QtCore import QSize

        return QSize(300, 300)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        return width
