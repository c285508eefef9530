"""The honest page for a lesson that is not built yet: what it will teach, nothing fake."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..state import AppState
from .base import Lesson


class ComingSoonLesson(Lesson):
    def __init__(self, info, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.lesson_id = info.id
        card = QFrame(objectName="comingSoonCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(680)
        card.setMinimumWidth(360)
        title = QLabel(info.title, objectName="comingSoonTitle")
        title.setStyleSheet("font-size: 20pt; font-weight: 600;")
        status = QLabel("Coming in a later version of ConvLens", objectName="comingSoonStatus")
        status.setStyleSheet("font-size: 13pt; color: #8a5a00;")
        summary = QLabel(f"<p><b>What this lesson will show.</b> {info.summary}</p>"
                         f"<p><b>Lecture section.</b> {info.lecture}</p>"
                         "<p>This lesson is not built yet, so nothing is shown here rather than "
                         "a mock-up. Lessons still to come are greyed in the list on the left.</p>")
        summary.setWordWrap(True)
        summary.setTextFormat(Qt.TextFormat.RichText)
        summary.setStyleSheet("font-size: 12pt;")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(14)
        for widget in (title, status, summary):
            inner.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
