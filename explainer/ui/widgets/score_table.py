"""A read-only table of scores whose cells change in place (items are created once, never re-laid out)."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget


class ScoreTable(QTableWidget):
    """Rows of named scores, one column per model; :meth:`set_cell` updates a cell's text, colour and weight.

    Parameters
    ----------
    rows, columns : sequence of str
        Header labels.
    """

    def __init__(self, rows, columns, parent: QWidget | None = None) -> None:
        super().__init__(len(rows), len(columns), parent)
        self.setHorizontalHeaderLabels(list(columns))
        self.setVerticalHeaderLabels(list(rows))
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setStyleSheet("QTableWidget { font-size: 8.5pt; }")
        self.verticalHeader().setDefaultSectionSize(22)

    def set_cell(self, row: int, col: int, text: str, color: str = "#000000", bold: bool = False) -> None:
        """Change one cell in place (its item is created on first use)."""
        item = self.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            self.setItem(row, col, item)
        item.setText(text)
        item.setForeground(QColor(color))
        if item.font().bold() != bold:
            font = item.font()
            font.setBold(bold)
            item.setFont(font)
