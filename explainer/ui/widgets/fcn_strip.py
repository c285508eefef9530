"""A fully convolutional network drawn as a strip: the backbone's boxes, and a lane per variant.

The widget draws what it is given (computed from the models off the GUI
thread); it knows no model and holds no numbers of its own.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Box colours by kind, and one colour per lane (colour-blind friendly).
BOX_COLOURS = {"input": QColor(220, 220, 220), "down": QColor(86, 180, 233), "head": QColor(230, 159, 0)}
LANE_COLOURS = (QColor(213, 94, 0), QColor(0, 114, 178), QColor(0, 158, 115), QColor(204, 121, 167))


class ArchitectureStrip(QWidget):
    """The FCN backbone with its shapes, and where each variant fuses and upsamples.

    Call :meth:`set_layout` with

    boxes : list of (title, text, kind)
        Left to right: the input, the pools, the head; ``kind`` is "input", "down" or "head".
    lanes : list of (name, steps, result)
        One per variant; ``steps`` are (box index, text): a line drops from that box to the lane
        and the texts are read in order, followed by ``result`` (e.g. "→ 96×96×11 scores").
    note : str
        An explanation under the lanes.
    """

    BOX_HEIGHT = 62
    LANE_SPACING = 62
    NAME_WIDTH = 90

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: list[tuple[str, str, str]] = []
        self.lanes: list[tuple[str, list[tuple[int, str]], str]] = []
        self.note = ""
        self.setMinimumHeight(330)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_layout(self, boxes, lanes, note: str = "") -> None:
        for name, steps, _ in lanes:
            for index, _text in steps:
                if not 0 <= index < len(boxes):
                    raise ValueError(f"lane {name!r} points at box {index}, but there are {len(boxes)} boxes")
        self.boxes = [tuple(box) for box in boxes]
        self.lanes = [(name, list(steps), result) for name, steps, result in lanes]
        self.note = note
        self.update()

    def lane_labels(self) -> list[str]:
        """The text written along each lane, as painted."""
        return ["   ".join(text for _, text in steps) + f"   {result}" for _, steps, result in self.lanes]

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self.boxes:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = len(self.boxes)
        margin, gap, top, box_h = 10, 8, 14, self.BOX_HEIGHT
        box_w = (self.width() - 2 * margin - (n - 1) * gap) / n
        font = QFont(self.font())
        font.setPointSizeF(8.5)
        bold = QFont(font)
        bold.setBold(True)
        centres = []
        for i, (title, text, kind) in enumerate(self.boxes):
            x = margin + i * (box_w + gap)
            rect = QRectF(x, top, box_w, box_h)
            colour = BOX_COLOURS.get(kind, BOX_COLOURS["head"])
            painter.setBrush(colour.lighter(130))
            painter.setPen(QPen(colour.darker(150), 1.2))
            painter.drawRoundedRect(rect, 5, 5)
            painter.setFont(bold)
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(rect.adjusted(3, 3, -3, -3), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter
                             | Qt.TextFlag.TextWordWrap, title)
            painter.setFont(font)
            painter.drawText(rect.adjusted(3, 20, -3, -2), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             text)
            if i:
                painter.drawLine(int(x - gap), int(top + box_h / 2), int(x), int(top + box_h / 2))
            centres.append(x + box_w / 2)
        lane_y = top + box_h + 40
        for index, ((name, steps, _), label) in enumerate(zip(self.lanes, self.lane_labels())):
            painter.setPen(QPen(LANE_COLOURS[index % len(LANE_COLOURS)], 2.5))
            painter.setFont(bold)
            painter.drawText(QRectF(margin, lane_y - 12, self.NAME_WIDTH, 24), Qt.AlignmentFlag.AlignVCenter, name)
            xs = [centres[box] for box, _ in steps]
            if xs:
                painter.drawLine(int(min(xs)), int(lane_y), int(max(xs)), int(lane_y))
            for x in xs:
                painter.drawLine(int(x), int(top + box_h), int(x), int(lane_y))
            painter.setFont(font)
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(QRectF(margin + self.NAME_WIDTH, lane_y + 4, self.width() - 2 * margin - self.NAME_WIDTH,
                                    22), Qt.AlignmentFlag.AlignLeft, label)
            lane_y += self.LANE_SPACING
        if self.note:
            painter.setFont(font)
            painter.drawText(QRectF(margin, lane_y - 10, self.width() - 2 * margin, 60), Qt.TextFlag.TextWordWrap,
                             self.note)
        painter.end()
