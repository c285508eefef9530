"""The upsampling path of several FCNs on one picture: a row per network, a column per step.

Each cell is a small picture (e.g. a class map) drawn with square pixels, so a
3×3 map at stride 32 looks as coarse as it is; maps of at most
:data:`GRID_LIMIT` cells a side show their cell borders. Columns appear one by
one as ``revealed`` grows, which is how the lesson animates the path. The
widget draws what it is given and holds no numbers of its own.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .qimage import array_to_qimage

#: Maps with at most this many cells on a side are drawn with their cell borders.
GRID_LIMIT = 12
ROW_NAME_WIDTH = 78
HEADER_HEIGHT = 38
CAPTION_HEIGHT = 18
GAP = 14


class FcnUpsampling(QWidget):
    """A table of pictures: ``columns`` titles across, one row per network.

    Call :meth:`set_pictures` with the first column's picture (the input, drawn once,
    beside the middle row) and, per row, a name and a mapping column → (H, W, 3) picture;
    a row with no picture in a column is drawn with an arrow passing through it.
    :meth:`set_revealed` shows the first ``n`` columns only.
    """

    def __init__(self, columns: tuple[str, ...] | list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.revealed = len(self.columns)
        self.message = "Waiting for the networks…"
        self._input: QImage | None = None
        self._input_shape: tuple[int, int] = (0, 0)
        self._rows: list[tuple[str, dict[int, tuple[QImage, tuple[int, int]]]]] = []
        self.setMinimumSize(640, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- content ---------------------------------------------------------------
    def set_pictures(self, input_picture: np.ndarray, rows) -> None:
        """``input_picture`` (H, W) or (H, W, 3); ``rows``: list of (name, {column: picture})."""
        self._input = array_to_qimage(input_picture)
        self._input_shape = tuple(np.shape(input_picture)[:2])
        self._rows = []
        for name, pictures in rows:
            converted = {}
            for column, picture in pictures.items():
                if not 1 <= column < len(self.columns):
                    raise ValueError(f"row {name!r} has a picture in column {column}; columns are 1 to "
                                     f"{len(self.columns) - 1} (column 0 is the input)")
                converted[int(column)] = (array_to_qimage(picture), tuple(np.shape(picture)[:2]))
            self._rows.append((str(name), converted))
        self.message = ""
        self.update()

    def clear(self, message: str) -> None:
        """Show ``message`` instead of pictures."""
        self._input, self._rows, self.message = None, [], message
        self.update()

    def set_revealed(self, count: int) -> None:
        """Show the first ``count`` columns (the rest are empty frames)."""
        count = int(np.clip(count, 1, len(self.columns)))
        if count != self.revealed:
            self.revealed = count
            self.update()

    def row_names(self) -> list[str]:
        return [name for name, _ in self._rows]

    def shown_shapes(self) -> list[list[tuple[int, int] | None]]:
        """Per row, the (H, W) of the picture drawn in each column now (None: empty or not revealed)."""
        return [[pictures[c][1] if c in pictures and c < self.revealed else None for c in range(len(self.columns))]
                for _, pictures in self._rows]

    def content_rect(self) -> QRect:
        """The part of the widget the table takes (it is drawn from the top left; the rest is blank)."""
        side = self._side()
        rows = max(1, len(self._rows))
        width = ROW_NAME_WIDTH + len(self.columns) * (side + GAP)
        height = HEADER_HEIGHT + rows * (side + CAPTION_HEIGHT + GAP)
        return QRect(0, 0, min(self.width(), int(width)), min(self.height(), int(height)))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(ROW_NAME_WIDTH + len(self.columns) * 120, HEADER_HEIGHT + max(1, len(self._rows)) * 140)

    # -- painting --------------------------------------------------------------
    def _side(self) -> float:
        columns, rows = len(self.columns), max(1, len(self._rows))
        across = (self.width() - ROW_NAME_WIDTH - GAP * columns) / columns
        down = (self.height() - HEADER_HEIGHT - rows * (CAPTION_HEIGHT + GAP)) / rows
        return max(16.0, min(across, down, 160.0))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        font = QFont(self.font())
        font.setPointSizeF(8.5)
        bold = QFont(font)
        bold.setBold(True)
        if self.message:
            painter.setFont(font)
            painter.setPen(QColor(90, 90, 90))
            painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.message)
            painter.end()
            return
        side = self._side()
        step = side + GAP

        def left(column: int) -> float:
            return ROW_NAME_WIDTH + column * step

        def top(row: int) -> float:
            return HEADER_HEIGHT + row * (side + CAPTION_HEIGHT + GAP)

        painter.setFont(bold)
        for column, title in enumerate(self.columns):
            painter.setPen(QColor(20, 20, 20) if column < self.revealed else QColor(170, 170, 170))
            painter.drawText(QRectF(left(column) - GAP / 2, 0, step, HEADER_HEIGHT - 4),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap,
                             title)
        middle = (len(self._rows) - 1) / 2
        if self._input is not None:
            self._draw_picture(painter, self._input, self._input_shape, left(0), top(middle), side, font)
        for row, (name, pictures) in enumerate(self._rows):
            y = top(row)
            painter.setFont(bold)
            painter.setPen(QColor(20, 20, 20))
            painter.drawText(QRectF(4, y, ROW_NAME_WIDTH - 8, side), Qt.AlignmentFlag.AlignVCenter, name)
            shown = [c for c in sorted(pictures) if c < self.revealed]
            # The path: an arrow from the input (or the previous picture) to each picture shown.
            painter.setPen(QPen(QColor(120, 120, 120), 1.5))
            previous = 0
            for column in shown:
                x0, x1 = left(previous) + side + 2, left(column) - 3
                centre = y + side / 2
                source_y = top(middle) + side / 2 if previous == 0 else centre
                painter.drawLine(int(x0), int(source_y), int(x1), int(centre))
                painter.drawLine(int(x1), int(centre), int(x1 - 5), int(centre - 4))
                painter.drawLine(int(x1), int(centre), int(x1 - 5), int(centre + 4))
                previous = column
            for column in range(1, len(self.columns)):
                x = left(column)
                if column in pictures and column < self.revealed:
                    image, shape = pictures[column]
                    self._draw_picture(painter, image, shape, x, y, side, font)
                elif column in pictures:  # a step still to come
                    painter.setPen(QPen(QColor(200, 200, 200), 1, Qt.PenStyle.DashLine))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRect(QRectF(x, y, side, side))
        painter.end()

    @staticmethod
    def _draw_picture(painter: QPainter, image: QImage, shape: tuple[int, int], x: float, y: float, side: float,
                      font: QFont) -> None:
        h, w = shape
        scale = side / max(h, w, 1)
        target = QRectF(x, y, w * scale, h * scale)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # square pixels: coarse stays coarse
        painter.drawImage(target, image)
        if max(h, w) <= GRID_LIMIT:
            painter.setPen(QPen(QColor(255, 255, 255, 150), 1))
            for i in range(1, h):
                painter.drawLine(int(x), int(y + i * scale), int(x + w * scale), int(y + i * scale))
            for j in range(1, w):
                painter.drawLine(int(x + j * scale), int(y), int(x + j * scale), int(y + h * scale))
        painter.setPen(QPen(QColor(90, 90, 90), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(target)
        painter.setFont(font)
        painter.drawText(QRectF(x, y + h * scale + 1, side, CAPTION_HEIGHT), Qt.AlignmentFlag.AlignHCenter,
                         f"{h}×{w}")
