"""A fully convolutional network drawn as a strip: the backbone's boxes, and a lane per variant.

The widget draws what it is given (computed from the models off the GUI
thread); it knows no model and holds no numbers of its own.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Box colours by kind, and one colour per lane (colour-blind friendly).
BOX_COLOURS = {"input": QColor(220, 220, 220), "down": QColor(86, 180, 233), "head": QColor(230, 159, 0)}
#: Between two steps of a lane's text.
SEPARATOR = "   "
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
    LANE_WIDTH = 2.5
    #: Room kept between a lane's text and the nearest drop line to its right.
    TEXT_CLEARANCE = 10

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
        """The text written along each lane (painted with line breaks between steps where it is narrow)."""
        return [SEPARATOR.join([text for _, text in steps] + [result]) for _, steps, result in self.lanes]

    def _fonts(self) -> tuple[QFont, QFont]:
        font = QFont(self.font())
        font.setPointSizeF(8.5)
        bold = QFont(font)
        bold.setBold(True)
        return font, bold

    def geometry_items(self) -> dict:
        """Where everything is painted, in widget pixels (the painting reads this, and so can a test).

        Returns
        -------
        dict
            ``boxes``: list of QRectF; ``lines``: list of (QLineF, lane index) for the lanes' drops and
            rails (lane index None for the arrows between boxes); ``leaders``: list of QLineF, the dotted
            lines from each lane's text to its first drop; ``texts``: list of (QRectF, flags, text,
            bold) with each text's own bounding rect; ``names``: list of (QRectF, lane index).

        The lanes' texts are wrapped into the room left of every lane's first drop, so no line
        crosses them, however narrow the widget.
        """
        font, bold = self._fonts()
        metrics, bold_metrics = QFontMetricsF(font), QFontMetricsF(bold)
        n = len(self.boxes)
        margin, gap, top, box_h = 10, 8, 14, self.BOX_HEIGHT
        box_w = (self.width() - 2 * margin - (n - 1) * gap) / max(n, 1)
        out: dict = {"boxes": [], "lines": [], "leaders": [], "texts": [], "names": []}
        centres = []
        wrap = Qt.TextFlag.TextWordWrap
        for i, (title, text, _kind) in enumerate(self.boxes):
            x = margin + i * (box_w + gap)
            rect = QRectF(x, top, box_w, box_h)
            out["boxes"].append(rect)
            title_flags = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter | wrap
            out["texts"].append((bold_metrics.boundingRect(rect.adjusted(3, 3, -3, -3), title_flags, title),
                                 title_flags, title, True))
            text_flags = Qt.AlignmentFlag.AlignCenter | wrap
            out["texts"].append((metrics.boundingRect(rect.adjusted(3, 20, -3, -2), text_flags, text),
                                 text_flags, text, False))
            if i:
                out["lines"].append((QLineF(x - gap, top + box_h / 2, x, top + box_h / 2), None))
            centres.append(x + box_w / 2)
        text_left = margin + self.NAME_WIDTH
        drops = [centres[box] for _, steps, _ in self.lanes for box, _ in steps]
        text_right = max(text_left + 60.0, min(drops, default=self.width() - margin) - self.TEXT_CLEARANCE)
        lane_y = top + box_h + 34
        text_flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | wrap
        for index, (_name, steps, result) in enumerate(self.lanes):
            label = self._wrap([text for _, text in steps] + [result], metrics, text_right - text_left)
            out["names"].append((QRectF(margin, lane_y - 12, self.NAME_WIDTH - 6, 24), index))
            xs = [centres[box] for box, _ in steps]
            if xs:
                out["leaders"].append(QLineF(text_left, lane_y, min(xs), lane_y))
                if max(xs) > min(xs):
                    out["lines"].append((QLineF(min(xs), lane_y, max(xs), lane_y), index))
            for x in sorted(set(xs)):
                out["lines"].append((QLineF(x, top + box_h, x, lane_y), index))
            rect = metrics.boundingRect(QRectF(text_left, lane_y + 5, text_right - text_left, 1000), text_flags,
                                        label)
            out["texts"].append((rect, text_flags, label, False))
            lane_y = max(lane_y + self.LANE_SPACING, rect.bottom() + 26)
        if self.note:
            note_flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | wrap
            rect = metrics.boundingRect(QRectF(margin, lane_y - 14, self.width() - 2 * margin, 1000), note_flags,
                                        self.note)
            out["texts"].append((rect, note_flags, self.note, False))
        return out

    @staticmethod
    def _wrap(parts: list[str], metrics: QFontMetricsF, width: float) -> str:
        """The parts as in :meth:`lane_labels`, a line break between two parts where a line would overflow."""
        lines: list[str] = []
        for part in parts:
            joined = f"{lines[-1]}{SEPARATOR}{part}" if lines else part
            if lines and metrics.horizontalAdvance(joined) <= width:
                lines[-1] = joined
            else:
                lines.append(part)  # a part wider than the room is word-wrapped when drawn
        return "\n".join(lines)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self.boxes:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font, bold = self._fonts()
        items = self.geometry_items()
        for rect, (_title, _text, kind) in zip(items["boxes"], self.boxes):
            colour = BOX_COLOURS.get(kind, BOX_COLOURS["head"])
            painter.setBrush(colour.lighter(130))
            painter.setPen(QPen(colour.darker(150), 1.2))
            painter.drawRoundedRect(rect, 5, 5)
        painter.setPen(QPen(QColor(150, 150, 150), 1, Qt.PenStyle.DotLine))
        for line in items["leaders"]:
            painter.drawLine(line)
        # Later lanes first: a drop shared by several lanes shows each lane's colour down to its own rail.
        for line, lane in sorted(items["lines"], key=lambda item: -1 if item[1] is None else -item[1]):
            if lane is None:
                painter.setPen(QPen(Qt.GlobalColor.black, 1))
            else:
                painter.setPen(QPen(LANE_COLOURS[lane % len(LANE_COLOURS)], self.LANE_WIDTH))
            painter.drawLine(line)
        painter.setFont(bold)
        for rect, lane in items["names"]:
            painter.setPen(LANE_COLOURS[lane % len(LANE_COLOURS)])
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter, self.lanes[lane][0])
        painter.setPen(Qt.GlobalColor.black)
        for rect, flags, text, is_bold in items["texts"]:
            painter.setFont(bold if is_bold else font)
            painter.drawText(rect, flags, text)
        painter.end()
