"""A matrix drawn as a grid of cells with their numbers: inputs, kernels, products, outputs.

Every lesson that shows numbers in cells uses this one widget. Cells can be
shaded by value, marked as padding, highlighted, hidden (not computed yet),
hovered, clicked and, if editable, edited in place. Its numbers copy as
tab-separated text (Ctrl+C when it has focus, or "Copy as text" on a right
click), which pastes into a spreadsheet.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QLineEdit, QMenu, QSizePolicy, QWidget

from ...core import format_number
from ...core.formatting import format_grid
from ...core.limits import TYPED_RANGE_TEXT, typed_value_problem

#: Colours of highlights by role, chosen to stay distinct for colour-blind viewers.
HIGHLIGHT_COLORS = {
    "window": QColor(230, 120, 0),  # the kernel window / current cell (orange)
    "hover": QColor(0, 114, 178),  # linked by hover (blue)
    "selected": QColor(204, 121, 167),  # (reddish purple)
}


def _lerp(a: QColor, b: QColor, t: float) -> QColor:
    t = min(1.0, max(0.0, t))
    return QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


class MatrixGrid(QWidget):
    """Show a 2-D array as numbered cells.

    Signals
    -------
    cell_clicked(int, int)
        (row, col) clicked, in grid coordinates (padding included).
    cell_hovered(object)
        (row, col) under the mouse, or None when it leaves.
    value_edited(int, int, float)
        A new value typed (or painted) into an editable cell: always a finite number within
        ±:data:`explainer.core.limits.MAX_TYPED_VALUE`, so every number derived from it stays finite.
    """

    cell_clicked = Signal(int, int)
    cell_hovered = Signal(object)
    value_edited = Signal(int, int, float)

    def __init__(self, editable: bool = False, shading: str = "grey", digits: int = 2,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editable = editable
        self.shading = shading  # "grey" (0 light .. max dark tint), "signed" (blue - white - orange) or "none"
        self.digits = digits
        self.tint = QColor(120, 120, 120)  # colour of the largest value with "grey" shading
        self.values = np.zeros((1, 1))
        self.levels: tuple[float, float] = (0.0, 1.0)
        self.padding = 0
        self.hidden: np.ndarray | None = None
        self.highlights: dict[str, tuple[list[tuple[int, int]], QColor]] = {}
        self.cell = 32
        self.show_numbers = True
        self._hover: tuple[int, int] | None = None
        self.paint_value: float | None = None  # when set, clicks and drags paint this value
        self._editor: QLineEdit | None = None
        self._editing: tuple[int, int] | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a click focuses it, so Ctrl+C copies its numbers
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        if editable:
            self.setToolTip(f"Click a cell to type a number {TYPED_RANGE_TEXT}")

    # -- content -------------------------------------------------------------
    def set_values(self, values, levels: tuple[float, float] | None = None, padding: int = 0) -> None:
        """Show ``values`` (2-D). ``padding`` outer rows/columns are drawn as the zero border."""
        values = np.atleast_2d(np.asarray(values, dtype=np.float64))
        shape_changed = values.shape != self.values.shape
        self.values = values
        self.padding = padding
        if levels is None:
            inner = values[padding : values.shape[0] - padding, padding : values.shape[1] - padding]
            inner = inner if inner.size else values
            if self.shading == "signed":
                m = float(np.abs(inner).max()) or 1.0
                levels = (-m, m)
            else:
                levels = (float(inner.min()), float(inner.max()))
        self.levels = levels
        if self.hidden is not None and self.hidden.shape != values.shape:
            self.hidden = None
        if shape_changed:
            self._cancel_edit()
            self.updateGeometry()
            self.setFixedSize(self.sizeHint())
        self.update()

    def set_hidden(self, mask: np.ndarray | None) -> None:
        """Cells where ``mask`` is True are drawn empty (e.g. outputs not computed yet)."""
        self.hidden = None if mask is None else np.asarray(mask, dtype=bool)
        self.update()

    def set_highlight(self, name: str, cells, color: QColor | str | None = None) -> None:
        """Outline ``cells`` (list of (row, col)) under ``name``; empty or None removes it."""
        if not cells:
            self.highlights.pop(name, None)
        else:
            color = QColor(color) if color is not None else HIGHLIGHT_COLORS.get(name, QColor(230, 120, 0))
            self.highlights[name] = ([(int(r), int(c)) for r, c in cells], color)
        self.update()

    def set_cell_size(self, pixels: int) -> None:
        pixels = max(4, int(pixels))
        if pixels != self.cell:
            self._cancel_edit()
            self.cell = pixels
            self.setFixedSize(self.sizeHint())
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        rows, cols = self.values.shape
        return QSize(cols * self.cell + 1, rows * self.cell + 1)

    def cell_text(self, row: int, col: int) -> str:
        """The text shown in a cell (empty when hidden)."""
        if self.hidden is not None and self.hidden[row, col]:
            return ""
        return format_number(self.values[row, col], self.digits)

    def is_padding(self, row: int, col: int) -> bool:
        rows, cols = self.values.shape
        p = self.padding
        return row < p or col < p or row >= rows - p or col >= cols - p

    # -- painting ------------------------------------------------------------
    def _fill(self, value: float) -> QColor:
        lo, hi = self.levels
        if self.shading == "signed":
            m = max(abs(lo), abs(hi)) or 1.0
            t = value / m
            return _lerp(QColor(255, 255, 255), QColor(86, 150, 214) if t < 0 else QColor(240, 150, 60), abs(t))
        if self.shading == "grey":
            t = 0.0 if hi <= lo else (value - lo) / (hi - lo)
            return _lerp(QColor(255, 255, 255), self.tint, t)
        return QColor(255, 255, 255)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        rows, cols = self.values.shape
        s = self.cell
        font = QFont(self.font())
        longest = max((len(self.cell_text(r, c)) for r in range(rows) for c in range(cols)), default=1)
        pixels = min(int(s * 0.42), int(s * 1.6 / max(2, longest)))
        font.setPixelSize(max(6, pixels))
        painter.setFont(font)
        numbers = self.show_numbers and s >= 14 and pixels >= 8  # smaller text is unreadable: shading only
        padding_brush = QBrush(QColor(215, 215, 215), Qt.BrushStyle.BDiagPattern)
        for r in range(rows):
            for c in range(cols):
                rect = QRect(c * s, r * s, s, s)
                hidden = self.hidden is not None and self.hidden[r, c]
                if self.is_padding(r, c):
                    painter.fillRect(rect, QColor(238, 238, 238))
                    painter.fillRect(rect, padding_brush)
                elif hidden:
                    painter.fillRect(rect, QColor(250, 250, 250))
                else:
                    painter.fillRect(rect, self._fill(self.values[r, c]))
                if numbers and not hidden:
                    fill = self._fill(self.values[r, c])
                    dark = (fill.red() * 0.299 + fill.green() * 0.587 + fill.blue() * 0.114) < 140
                    colour = QColor(140, 140, 140) if self.is_padding(r, c) else (
                        QColor(255, 255, 255) if dark else QColor(20, 20, 20))
                    painter.setPen(colour)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.cell_text(r, c))
        painter.setPen(QPen(QColor(190, 190, 190), 1))
        for r in range(rows + 1):
            painter.drawLine(0, r * s, cols * s, r * s)
        for c in range(cols + 1):
            painter.drawLine(c * s, 0, c * s, rows * s)
        if self.padding:
            p = self.padding
            painter.setPen(QPen(QColor(90, 90, 90), 1, Qt.PenStyle.DashLine))
            painter.drawRect(QRect(p * s, p * s, (cols - 2 * p) * s, (rows - 2 * p) * s))
        for cells, color in self.highlights.values():
            self._paint_highlight(painter, cells, color)
        if self._hover is not None and self.editable:
            r, c = self._hover
            painter.setPen(QPen(QColor(0, 0, 0, 120), 1, Qt.PenStyle.DotLine))
            painter.drawRect(QRect(c * s + 2, r * s + 2, s - 4, s - 4))
        if self.hasFocus():  # Ctrl+C copies this grid: say which one has focus
            painter.setPen(QPen(HIGHLIGHT_COLORS["hover"], 1, Qt.PenStyle.DashLine))
            painter.drawRect(QRect(0, 0, cols * s, rows * s))
        painter.end()

    def _paint_highlight(self, painter: QPainter, cells, color: QColor) -> None:
        s = self.cell
        tint = QColor(color)
        tint.setAlpha(45)
        pen = QPen(color, max(2, s // 12))
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        rows = sorted({r for r, _ in cells})
        cols = sorted({c for _, c in cells})
        contiguous = (len(cells) == len(rows) * len(cols) and rows == list(range(rows[0], rows[-1] + 1))
                      and cols == list(range(cols[0], cols[-1] + 1)))
        if contiguous:
            rect = QRectF(cols[0] * s, rows[0] * s, len(cols) * s, len(rows) * s)
            painter.fillRect(rect, tint)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        else:  # dilated windows: mark each tap
            painter.setPen(pen)
            for r, c in cells:
                rect = QRectF(c * s, r * s, s, s)
                painter.fillRect(rect, tint)
                painter.drawRect(rect.adjusted(1, 1, -1, -1))

    # -- copying -------------------------------------------------------------
    def copy_text(self) -> str:
        """The numbers as shown, tab-separated, one row per line (hidden cells empty): see
        :func:`explainer.core.formatting.format_grid`."""
        return format_grid(self.values, self.digits, self.hidden)

    def copy_to_clipboard(self) -> None:
        """Put :meth:`copy_text` on the clipboard (it pastes into a spreadsheet)."""
        QGuiApplication.clipboard().setText(self.copy_text())

    def context_menu(self) -> QMenu:
        """The right-click menu: "Copy as text"."""
        menu = QMenu(self)
        action = menu.addAction("Copy as text", self.copy_to_clipboard)
        action.setObjectName("copyAsTextAction")
        action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        action.setToolTip("Copy the numbers as tab-separated text, one row per line (pastes into a spreadsheet)")
        return menu

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt override)
        menu = self.context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())  # no nested event loop: the lesson keeps running while it is open

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_to_clipboard()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.update()

    # -- mouse and editing ---------------------------------------------------
    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        r, c = int(pos.y() // self.cell), int(pos.x() // self.cell)
        rows, cols = self.values.shape
        if 0 <= r < rows and 0 <= c < cols:
            return r, c
        return None

    def cell_rect(self, row: int, col: int) -> QRect:
        return QRect(col * self.cell, row * self.cell, self.cell, self.cell)

    def _paint(self, cell) -> None:
        if typed_value_problem(self.paint_value):
            return
        if cell is not None and not self.is_padding(*cell) and self.values[cell] != self.paint_value:
            self.value_edited.emit(cell[0], cell[1], float(self.paint_value))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        cell = self.cell_at(event.position())
        if self.editable and self.paint_value is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._paint(cell)
        if cell != self._hover:
            self._hover = cell
            self.cell_hovered.emit(cell)
            self.update()

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._hover is not None:
            self._hover = None
            self.cell_hovered.emit(None)
            self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.position())
        if cell is None:
            return
        self.cell_clicked.emit(*cell)
        if self.editable and self.paint_value is not None:
            self._paint(cell)
        elif self.editable and not self.is_padding(*cell):
            self.edit_cell(*cell)

    def edit_cell(self, row: int, col: int) -> QLineEdit:
        """Open an in-place editor on a cell; Enter commits, Esc cancels."""
        self._cancel_edit()
        editor = QLineEdit(self)
        editor.setObjectName("cellEditor")
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        editor.setText(format_number(self.values[row, col], 6).replace("−", "-"))
        editor.selectAll()
        editor.setToolTip(f"A number {TYPED_RANGE_TEXT}: Enter keeps it, Esc cancels")
        width = max(self.cell, 56)
        rect = self.cell_rect(row, col)
        editor.setGeometry(QRect(rect.center().x() - width // 2, rect.y(), width, max(self.cell, 24)))
        editor.returnPressed.connect(self._commit_edit)
        editor.editingFinished.connect(self._on_editor_editing_finished)
        editor.installEventFilter(self)
        self._editor, self._editing = editor, (row, col)
        editor.show()
        editor.setFocus()
        return editor

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        from PySide6.QtCore import QEvent

        if obj is self._editor and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self._cancel_edit()
            return True
        return super().eventFilter(obj, event)

    def _on_editor_editing_finished(self) -> None:
        # Also emitted after Return; only a real loss of focus closes the editor.
        if self._editor is not None and not self._editor.hasFocus():
            self._cancel_edit()

    def _commit_edit(self) -> None:
        if self._editor is None or self._editing is None:
            return
        text = self._editor.text().strip().replace("−", "-").replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            value, problem = None, f"'{text}' is not a number: type one {TYPED_RANGE_TEXT}"
        else:
            problem = typed_value_problem(value)
        if problem:  # the editor stays open, framed in red, so the number can be corrected
            self._editor.setStyleSheet("border: 2px solid #d00;")
            self._editor.setToolTip(problem)
            return
        row, col = self._editing
        self._cancel_edit()
        self.value_edited.emit(row, col, value)

    def _cancel_edit(self) -> None:
        editor, self._editor, self._editing = self._editor, None, None
        if editor is not None:
            editor.removeEventFilter(self)
            editor.hide()
            editor.deleteLater()
