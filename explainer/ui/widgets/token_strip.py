"""The tokens of a text as chips: the word, its integer id underneath, coloured by a signed value.

One widget paints every chip (a 400-token review is one paint, not 400
labels) and wraps them into lines like text. Out-of-vocabulary tokens get a
dashed border; the selected token a thick one. Optional grey chips before
and after say how many tokens were dropped and how much padding a batch adds.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from .style import line_scale, scaled_pen

from .maps import SIGNED_CMAP, colormap

PAD_X, GAP, LINE_GAP, MARGIN = 6, 4, 5, 4
NEUTRAL = QColor(245, 245, 245)
EXTRA = QColor(225, 225, 225)


class TokenStrip(QWidget):
    """Chips for tokens and their ids, wrapped to the widget's width (put it in a scroll area).

    Signals
    -------
    token_clicked(int)
        Index of the clicked token.
    token_hovered(object)
        Index of the token under the mouse, or None (the owner may set a tooltip for it).
    """

    token_clicked = Signal(int)
    token_hovered = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.word_font = QFont(self.font())
        self.word_font.setPointSizeF(10)
        self.id_font = QFont(self.font())
        self.id_font.setPointSizeF(7.5)
        self._word_metrics, self._id_metrics = QFontMetrics(self.word_font), QFontMetrics(self.id_font)
        self.chip_height = self._word_metrics.height() + self._id_metrics.height() + 4
        self.tokens: list[str] = []
        self.ids = np.zeros(0, np.int64)
        self.oov = np.zeros(0, bool)
        self.values: np.ndarray | None = None
        self.limit = 1.0
        self.selected: int | None = None
        self.lead, self.tail = "", ""
        self._widths: list[float] = []
        self._width_cache: dict[tuple[str, int], float] = {}
        self._chips: dict[tuple, QPixmap] = {}
        self._rects: list[QRectF] = []
        self._extra_rects: dict[str, QRectF] = {}
        self._fills: list[QColor] = []
        self._laid_out_for = -1
        #: The diverging colour map in 101 steps (enough for the eye; looked up, not computed, per token).
        self._palette = list(colormap(SIGNED_CMAP).map(np.linspace(0.0, 1.0, 101), mode="qcolor"))
        self._hover: int | None = None

    # -- data ---------------------------------------------------------------------
    def set_tokens(self, tokens: list[str], ids, oov, lead: str = "", tail: str = "") -> None:
        """New tokens with their ids and OOV flags; ``lead`` / ``tail`` are grey chips before / after them."""
        self.tokens = list(tokens)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.oov = np.asarray(oov, dtype=bool)
        if not (len(self.ids) == len(self.oov) == len(self.tokens)):
            raise ValueError(f"{len(self.tokens)} tokens need as many ids and OOV flags, got {len(self.ids)} "
                             f"and {len(self.oov)}")
        self.lead, self.tail = lead, tail
        self.values = None
        self._fills = [NEUTRAL] * len(self.tokens)
        if self.selected is not None and self.selected >= len(self.tokens):
            self.selected = None
        self._widths = [self._chip_width(t, i) for t, i in zip(self.tokens, self.ids)]
        self._laid_out_for = -1
        self._layout()
        self.update()

    def set_values(self, values, limit: float) -> None:
        """Colour each chip by its signed value (±``limit`` saturates); None: all neutral."""
        values = None if values is None else np.asarray(values, dtype=np.float64)
        if values is not None and len(values) != len(self.tokens):
            raise ValueError(f"one value per token: {len(self.tokens)} tokens, {len(values)} values")
        self.values, self.limit = values, max(float(limit), 1e-12)
        if values is None or not len(values):
            self._fills = [NEUTRAL] * len(self.tokens)
        else:
            steps = np.rint(100 * np.clip(0.5 + 0.5 * values / self.limit, 0.0, 1.0)).astype(int)
            self._fills = [self._palette[i] for i in steps]
        self.update()

    def set_selected(self, index: int | None) -> None:
        index = None if index is None or not 0 <= index < len(self.tokens) else int(index)
        if index != self.selected:
            self.selected = index
            self.update()

    def chip_text(self, index: int) -> str:
        """What chip ``index`` shows: ``"word\\nid"``."""
        return f"{self.tokens[index]}\n{self.ids[index]}"

    def chip_rect(self, index: int) -> QRectF:
        self._layout()
        return QRectF(self._rects[index])

    def fill(self, index: int) -> QColor:
        return QColor(self._fills[index])

    # -- layout -------------------------------------------------------------------
    def _chip_width(self, token: str, token_id) -> float:
        """Width of a chip; measured once per (token, id), as a review repeats most of its words."""
        key = (token, int(token_id))
        width = self._width_cache.get(key)
        if width is None:
            if len(self._width_cache) > 50_000:
                self._width_cache.clear()
            width = max(self._word_metrics.horizontalAdvance(token),
                        self._id_metrics.horizontalAdvance(str(key[1]))) + 2 * PAD_X
            self._width_cache[key] = width
        return width

    def _extra_width(self, text: str) -> float:
        return self._word_metrics.horizontalAdvance(text) + 2 * PAD_X if text else 0.0

    def _layout(self) -> None:
        width = max(self.width(), 100)
        if self._laid_out_for == width:
            return
        self._laid_out_for = width
        x, y = MARGIN, MARGIN
        self._rects, self._extra_rects = [], {}
        step = self.chip_height + LINE_GAP

        def place(w: float) -> QRectF:
            nonlocal x, y
            if x + w > width - MARGIN and x > MARGIN:
                x, y = MARGIN, y + step
            rect = QRectF(x, y, w, self.chip_height)
            x += w + GAP
            return rect

        if self.lead:
            self._extra_rects["lead"] = place(self._extra_width(self.lead))
        self._rects = [place(w) for w in self._widths]
        if self.tail:
            self._extra_rects["tail"] = place(self._extra_width(self.tail))
        height = int(y + self.chip_height + MARGIN)
        if height != self.minimumHeight():  # in a resizable scroll area: as tall as the lines need
            self.setMinimumHeight(height)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        self._layout()
        return QSize(400, self.minimumHeight())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._layout()

    # -- painting -----------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._layout()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        visible = QRectF(event.rect())
        for key, text in (("lead", self.lead), ("tail", self.tail)):
            rect = self._extra_rects.get(key)
            if rect is not None and rect.intersects(visible):
                painter.setPen(QPen(QColor(150, 150, 150), 1, Qt.PenStyle.DotLine))
                painter.setBrush(EXTRA)
                painter.drawRoundedRect(rect, 4, 4)
                painter.setFont(self.word_font)
                painter.setPen(QColor(80, 80, 80))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        for i, rect in enumerate(self._rects):
            if rect.intersects(visible):
                painter.drawPixmap(rect.topLeft(), self._chip(i, rect))
        painter.end()

    def _chip(self, i: int, rect: QRectF) -> QPixmap:
        """Chip ``i`` drawn once and kept: while one types, the words already read keep their look."""
        fill, oov, selected = self._fills[i], bool(self.oov[i]), i == self.selected
        ratio = self.devicePixelRatioF()
        key = (self.tokens[i], int(self.ids[i]), fill.rgba(), oov, selected, rect.width(), ratio, line_scale())
        pixmap = self._chips.get(key)
        if pixmap is not None:
            return pixmap
        if len(self._chips) > 4000:
            self._chips.clear()
        pixmap = QPixmap(int(np.ceil(rect.width() * ratio)) + 1, int(np.ceil(rect.height() * ratio)) + 1)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(0.5, 0.5, rect.width() - 1, rect.height() - 1)
        if selected:
            pen, box = QPen(QColor(0, 0, 0), 3), box.adjusted(1, 1, -1, -1)
        elif oov:
            pen = QPen(QColor(170, 0, 0), 1.5, Qt.PenStyle.DashLine)
        else:
            pen = QPen(QColor(160, 160, 160), 1)
        painter.setPen(scaled_pen(pen))
        painter.setBrush(fill)
        painter.drawRoundedRect(box, 4, 4)
        dark = fill.lightnessF() < 0.55
        word_h = self._word_metrics.height()
        painter.setPen(QColor(255, 255, 255) if dark else QColor(0, 0, 0))
        painter.setFont(self.word_font)
        painter.drawText(QRectF(0, 1, rect.width(), word_h), Qt.AlignmentFlag.AlignCenter, self.tokens[i])
        painter.setFont(self.id_font)
        if not dark:
            painter.setPen(QColor(170, 0, 0) if oov else QColor(90, 90, 90))
        painter.drawText(QRectF(0, word_h, rect.width(), rect.height() - word_h - 1), Qt.AlignmentFlag.AlignCenter,
                         str(self.ids[i]))
        painter.end()
        self._chips[key] = pixmap
        return pixmap

    # -- mouse --------------------------------------------------------------------
    def token_at(self, pos: QPointF) -> int | None:
        self._layout()
        for i, rect in enumerate(self._rects):
            if rect.contains(pos):
                return i
        return None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        index = self.token_at(event.position())
        if index != self._hover:
            self._hover = index
            self.token_hovered.emit(index)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._hover is not None:
            self._hover = None
            self.token_hovered.emit(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.token_at(event.position())
            if index is not None:
                self.token_clicked.emit(index)
        super().mousePressEvent(event)
