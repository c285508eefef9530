"""A Keras-style ``model.summary()`` shown as monospaced, read-only, unwrapped text."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class SummaryText(QPlainTextEdit):
    """Read-only text in a monospaced font whose columns line up (the summary's table)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, readOnly=True)
        self.setObjectName("summaryText")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(9)
        self.setFont(mono)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

    def show_summary(self, text: str) -> None:
        """Show a Keras-style summary without the ``____`` rules between layer rows.

        The header's and the totals' ``====`` rules stay, so the table reads the same in half
        the lines, and a small network's totals show without scrolling.
        """
        lines = text.splitlines()
        rules = [i for i, line in enumerate(lines) if line and set(line) == {"="}]
        if len(rules) >= 2:
            first, last = rules[0], rules[-1]
            lines = [line for i, line in enumerate(lines) if not (first < i < last and line and set(line) == {"_"})]
        self.setPlainText("\n".join(lines))
