"""A read-only table of scores whose cells change in place (items are created once, never re-laid out).

Ctrl+C (or "Copy as text" on a right click) copies the rows shown as tab-separated
text with their headers, which pastes into a spreadsheet.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QHeaderView, QMenu, QTableWidget, QTableWidgetItem, QWidget


def _cell(text: str) -> str:
    return " ".join(text.replace("−", "-").split())  # no tab or line break inside a cell


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
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)

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

    # -- copying -------------------------------------------------------------
    def copy_text(self) -> str:
        """The rows shown (hidden rows left out) as tab-separated text: a header line, then a line per row."""
        header = [""] + [_cell(self.horizontalHeaderItem(c).text()) for c in range(self.columnCount())]
        lines = ["\t".join(header)]
        for row in range(self.rowCount()):
            if self.isRowHidden(row):
                continue
            label = self.verticalHeaderItem(row)
            cells = [self.item(row, c) for c in range(self.columnCount())]
            lines.append("\t".join([_cell(label.text() if label else "")]
                                   + [_cell(item.text()) if item else "" for item in cells]))
        return "\n".join(lines)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.copy_text())

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_to_clipboard()
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt override)
        menu = QMenu(self)
        menu.addAction("Copy as text", self.copy_to_clipboard).setObjectName("copyAsTextAction")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())
