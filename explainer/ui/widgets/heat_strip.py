"""Values over the words of a text as a heat strip: one row per unit (filter, hidden unit, gate), one column per word.

A strip lives in a pyqtgraph layout the caller owns (several strips can share
the word axis). The image is created once and updated with fixed levels, so
colours keep their meaning from one keystroke to the next; the words are the
x-axis labels, thinned so they never overlap.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Signal

from .maps import ClickableImageItem, colormap, outline

#: Rough width of one character of an axis label (pixels), and the gap kept between labels.
CHAR_PX, LABEL_GAP_PX = 6.5, 10.0


def word_ticks(labels: list[str], pixels: float, offset: float = 0.5) -> list[tuple[float, str]]:
    """Ticks at ``i + offset`` for ``labels`` laid side by side over ``pixels`` of axis, none overlapping.

    The axis is taken to hold one column per label. Greedy from the left: a label is
    shown only if it clears the previous one, so a short text shows every word. When
    they do not all fit, words of three or more characters are preferred (a comma or
    "a" says little about where one is in a review).
    """
    count = len(labels)
    if count == 0:
        return []
    column = max(pixels, 1.0) / count

    def fit(candidates) -> list[tuple[float, str]]:
        ticks, right_edge = [], -np.inf
        for i in candidates:
            centre, half = (i + 0.5) * column, len(labels[i]) * CHAR_PX / 2
            if centre - half >= right_edge + LABEL_GAP_PX:
                ticks.append((i + offset, labels[i]))
                right_edge = centre + half
        return ticks

    every = fit(range(count))
    if len(every) == count:
        return every
    return fit([i for i in range(count) if len(labels[i]) >= 3])


class HeatStrip(QObject):
    """A plot of ``(rows, words)`` values with the words as x labels and outlines for selections.

    Not a widget: add :attr:`plot` (and :attr:`bar`, if any) to a ``pg.GraphicsLayout``.

    Attributes
    ----------
    values : ndarray (rows, words)
        What the image shows (float32), for tests and hover text.

    Signals
    -------
    cell_clicked(int, int)
        (row, word) of a click.
    """

    cell_clicked = Signal(int, int)

    def __init__(self, title: str, y_label: str, cmap: str, levels: tuple[float, float], x_label: str = "word",
                 color_bar: str | None = None, show_words: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = None  # the array last shown, to skip showing it again
        self.plot = pg.PlotItem(title=title)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setLabel("left", y_label)
        if x_label and show_words:
            self.plot.setLabel("bottom", x_label)
        if not show_words:  # a strip above another one with the same words: no labels of its own
            self.plot.getAxis("bottom").setStyle(showValues=False)
        self.image = ClickableImageItem(axisOrder="row-major")
        self.image.setColorMap(colormap(cmap))
        self.image.click_handler = self._on_image_clicked
        self.plot.addItem(self.image)
        self.levels = levels
        self.bar = None
        if color_bar is not None:
            self.bar = pg.ColorBarItem(colorMap=colormap(cmap), values=levels, interactive=False, width=10,
                                       label=color_bar)
            self.bar.setImageItem(self.image)
        self.marks: dict[str, object] = {}
        self.values = np.zeros((0, 0), np.float32)
        self.labels: list[str] = []
        self.word_axes = [self.plot.getAxis("bottom")] if show_words else []
        self.plot.getAxis("left").setWidth(50)
        self.plot.getViewBox().sigResized.connect(self.update_ticks)

    def set_levels(self, levels: tuple[float, float]) -> None:
        self.levels = levels
        if self.bar is not None:
            self.bar.setLevels(levels)
        if self.values.size:
            self.image.setLevels(levels)

    def set_values(self, values: np.ndarray, labels: list[str]) -> None:
        """Show ``values`` (rows, words); ``labels`` are the words (one per column)."""
        if values is self._source and list(labels) == self.labels:
            return  # the same reading again (a new step only moves the marks)
        self._source = values
        values = np.asarray(values, dtype=np.float32)
        if values.ndim != 2 or values.shape[1] != len(labels):
            raise ValueError(f"a heat strip takes (rows, words) values with one label per word, got shape "
                             f"{values.shape} and {len(labels)} labels")
        old_shape = self.values.shape
        self.values, self.labels = values, list(labels)
        if values.size == 0:
            self.image.clear()
            for item in self.marks.values():
                item.hide()
        else:
            self.image.setImage(values, autoLevels=False, levels=self.levels)
        if values.shape != old_shape:
            rows, words = values.shape
            self.plot.setRange(QRectF(0, 0, max(words, 1), max(rows, 1)), padding=0)
        self.update_ticks()

    def update_ticks(self, *_args) -> None:
        """Label the word axis for its current width (called on every change and resize)."""
        ticks = word_ticks(self.labels, self.plot.getViewBox().width())
        for axis in self.word_axes:
            axis.setTicks([ticks, []])

    def label_words_on(self, axis: pg.AxisItem) -> None:
        """Also write the words on ``axis`` (e.g. a plot under the strip that shares its x range)."""
        self.word_axes.append(axis)
        self.update_ticks()

    def mark(self, name: str, rect: tuple[float, float, float, float] | None, color: str = "#ff9900",
             width: float = 2.0) -> None:
        """Outline ``rect`` = (first row, first word, rows, words) under ``name``; None hides it."""
        item = self.marks.get(name)
        if item is None:
            item = outline(color, width)
            self.plot.addItem(item)
            self.marks[name] = item
        if rect is None or not self.values.size:
            item.hide()
            return
        row, word, rows, words = rect
        item.setRect(QRectF(word, row, words, rows))
        item.show()

    def mark_word(self, name: str, word: int | None, color: str = "#ff9900") -> None:
        """Outline one word's column (all rows)."""
        self.mark(name, None if word is None else (0, word, self.values.shape[0], 1), color)

    def _on_image_clicked(self, y: float, x: float) -> None:
        rows, words = self.values.shape
        if 0 <= y < rows and 0 <= x < words:
            self.cell_clicked.emit(int(y), int(x))
