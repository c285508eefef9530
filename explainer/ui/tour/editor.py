"""The dialog that gives a tour step its words (title, narrative, what to notice)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QPlainTextEdit, QWidget

from . import model


class StepEditor(QDialog):
    """Edit a step's title, narrative and note."""

    def __init__(self, step: model.Step, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit tour step")
        self.title = QLineEdit(step.title, objectName="stepTitleEdit")
        self.narrative = QPlainTextEdit(step.narrative, objectName="stepNarrativeEdit")
        self.notice = QPlainTextEdit(step.notice, objectName="stepNoticeEdit")
        self.notice.setFixedHeight(80)
        form = QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Narrative (2–5 sentences)", self.narrative)
        form.addRow("What to notice", self.notice)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, 360)

    def values(self) -> tuple[str, str, str]:
        return self.title.text(), self.narrative.toPlainText(), self.notice.toPlainText()
