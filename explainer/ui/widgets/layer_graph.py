"""A network drawn left to right: one box per layer, coloured by kind, with skip connections."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene, QGraphicsTextItem, QGraphicsView

from .style import line_scale

#: Box colours by layer kind (Okabe–Ito based, distinguishable with colour-blindness).
KIND_COLORS = {
    "input": QColor(220, 220, 220),
    "conv": QColor(86, 180, 233),
    "deconv": QColor(0, 158, 115),
    "pool": QColor(240, 228, 66),
    "dense": QColor(230, 159, 0),
    "activation": QColor(204, 204, 255),
    "norm": QColor(204, 121, 167),
    "merge": QColor(213, 94, 0),
    "reshape": QColor(200, 200, 200),
    "dropout": QColor(230, 230, 230),
    "embedding": QColor(190, 160, 220),
    "recurrent": QColor(0, 114, 178),
    "other": QColor(210, 210, 210),
    "stage": QColor(150, 150, 200),  # many layers shown as one box (a deep model's stage; click to open)
}
#: Kinds folded into the box of the layer before them (they do not change the shape).
FOLDED = ("activation", "dropout", "norm")


class LayerBox(QGraphicsRectItem):
    def __init__(self, rect: QRectF, names: list[str], color: QColor) -> None:
        super().__init__(rect)
        self.names = names
        self.setBrush(QBrush(color.lighter(125)))
        self.setPen(QPen(color.darker(150), 1.5))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAcceptHoverEvents(True)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        pen = self.pen()
        pen.setWidthF(3 * line_scale())
        self.setPen(pen)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        pen = self.pen()
        pen.setWidthF(1.5 * line_scale())
        self.setPen(pen)


class LayerGraph(QGraphicsView):
    """Boxes for the rows of :func:`explainer.models.summary.summarize`.

    Signals
    -------
    layer_clicked(str)
        The module name of the main layer in the clicked box.
    """

    layer_clicked = Signal(str)
    BOX_W, BOX_H, GAP = 124, 118, 20
    #: Below this zoom the boxes' text is unreadable; a long network scrolls instead.
    MIN_SCALE = 0.7

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.boxes: dict[str, LayerBox] = {}
        self.groups: list[list] = []

    def set_rows(self, rows, input_shape: tuple) -> None:
        """Draw the layers; activations, dropout and batch norm are folded into the box before them."""
        scene = self.scene()
        scene.clear()
        self.boxes.clear()
        self._keep: list = []
        groups: list[list] = []
        for row in rows:
            if row.kind in FOLDED and groups and len(row.inputs) <= 1:
                groups[-1].append(row)
            else:
                groups.append([row])
        self.groups = groups
        owner = {row.name: i for i, group in enumerate(groups) for row in group}
        font = QFont(self.font())
        font.setPointSizeF(9)
        bold = QFont(font)
        bold.setBold(True)
        y = 60.0
        self._add_box(scene, -1, "input", [f"shape {tuple(input_shape)}"], KIND_COLORS["input"], y, font, bold, [])
        for i, group in enumerate(groups):
            main = group[0]
            extra = " + ".join(r.type for r in group[1:])
            title = main.type + (f" + {extra}" if extra else "")
            params = sum(r.params for r in group)
            lines = [main.name, f"out {tuple(group[-1].output_shape)}", f"{params:,} params"]
            box = self._add_box(scene, i, title, lines, KIND_COLORS.get(main.kind, KIND_COLORS["other"]), y, font,
                                bold, [r.name for r in group])
            for r in group:
                self.boxes[r.name] = box
        # Connections: from each group's sources; neighbours get straight arrows, skips curve above.
        for i, group in enumerate(groups):
            sources = sorted({owner[s] for s in group[0].inputs if s in owner and owner[s] != i})
            if not sources:
                sources = [i - 1]
            for src in sources:
                self._connect(scene, src, i, y)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-10, -10, 10, 10))

    def _x(self, index: int) -> float:
        return (index + 1) * (self.BOX_W + self.GAP)

    def _add_box(self, scene, index, title, lines, color, y, font, bold, names) -> LayerBox:
        rect = QRectF(self._x(index), y, self.BOX_W, self.BOX_H)
        box = LayerBox(rect, names, color)
        scene.addItem(box)
        head = QGraphicsTextItem(title, box)
        head.setFont(bold)
        head.setTextWidth(self.BOX_W - 8)
        head.setPos(rect.x() + 4, rect.y() + 2)
        body = QGraphicsTextItem("\n".join(lines), box)
        body.setFont(font)
        body.setTextWidth(self.BOX_W - 8)
        body.setPos(rect.x() + 4, rect.y() + 2 + head.boundingRect().height() - 4)
        box.labels = (head, body)  # keep the Python wrappers alive, or PySide deletes the child items
        return box

    def _connect(self, scene, src: int, dst: int, y: float) -> None:
        start = QPointF(self._x(src) + self.BOX_W, y + self.BOX_H / 2)
        end = QPointF(self._x(dst), y + self.BOX_H / 2)
        path = QPainterPath(start)
        if dst - src == 1:
            path.lineTo(end)
            color = QColor(90, 90, 90)
        else:  # a skip connection: arc over the boxes in between
            top = y - 18 - 10 * min(dst - src, 4)
            start = QPointF(self._x(src) + self.BOX_W / 2, y)
            end = QPointF(self._x(dst) + self.BOX_W / 2, y)
            path = QPainterPath(start)
            path.cubicTo(QPointF(start.x(), top), QPointF(end.x(), top), end)
            color = QColor(213, 94, 0)
        item = QGraphicsPathItem(path)
        item.setPen(QPen(color, 2))
        scene.addItem(item)
        self._keep.append(item)
        # Arrow head.
        head = QPainterPath(end)
        if dst - src == 1:
            head.lineTo(end + QPointF(-8, -5))
            head.moveTo(end)
            head.lineTo(end + QPointF(-8, 5))
        else:
            head.lineTo(end + QPointF(-5, -8))
            head.moveTo(end)
            head.lineTo(end + QPointF(5, -8))
        arrow = QGraphicsPathItem(head)
        arrow.setPen(QPen(color, 2))
        scene.addItem(arrow)
        self._keep.append(arrow)

    def fit(self, keep_scroll: bool = False) -> None:
        """Show the whole network if it fits readably; otherwise zoom to MIN_SCALE from its input end.

        ``keep_scroll`` (used on resize) leaves a long network where the user scrolled it.
        """
        rect = self.scene().sceneRect()
        view = self.viewport().rect()
        if rect.isEmpty() or view.isEmpty():
            return
        scale = min(view.width() / rect.width(), view.height() / rect.height())
        if scale >= self.MIN_SCALE:
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            return
        if keep_scroll and abs(self.transform().m11() - self.MIN_SCALE) < 1e-9:
            return
        self.resetTransform()
        self.scale(self.MIN_SCALE, self.MIN_SCALE)
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().minimum())

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        item = self.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, LayerBox):
            item = item.parentItem()
        if isinstance(item, LayerBox) and item.names:
            self.layer_clicked.emit(item.names[0])
        super().mousePressEvent(event)

    def box_center(self, name: str):
        """Viewport position of the box holding layer ``name`` (for tests and tours)."""
        box = self.boxes[name]
        return self.mapFromScene(box.rect().center())
