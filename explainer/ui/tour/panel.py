"""The tour panel: the step list, the step's words, its question, and the moves between steps.

It drives the window through its public methods only (``show_lesson``,
``lesson``, ``open_image``, ``app_state``): a step is applied by showing its
lesson and giving the lesson the step's whole state.
"""

from __future__ import annotations

import html
import pathlib

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from . import model
from .veil import Veil

# Not Space: it presses the focused button (Space on "◀ Previous" must go back, not forward).
NEXT_KEYS = (Qt.Key.Key_Right, Qt.Key.Key_PageDown)
PREVIOUS_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_PageUp)
QUESTION_COVER = "Predict first: answer the question in the tour panel, then this view shows the answer."


class TourPanel(QWidget):
    """Shows a :class:`~.model.Tour` and puts the window in each step's state.

    Signals
    -------
    step_shown(int)
        The index of the step now applied.
    tour_changed()
        Steps were added, edited, moved or removed (the tour is not saved yet).
    """

    step_shown = Signal(int)
    tour_changed = Signal()

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.tour: model.Tour | None = None
        self.index = -1
        self.answers = model.Answers()
        self.modified = False
        self.scale = 1.0
        self.veil = Veil(window.stack)
        window.lesson_changed.connect(self._on_window_lesson_changed)
        self.setObjectName("tourPanel")
        self.setMinimumWidth(300)
        # Sizes are taken from the font at start: the presenter view scales the application font too.
        self._base_point = self.font().pointSizeF() if self.font().pointSizeF() > 0 else 10.0
        self._build()
        self._apply_fonts()

    # -- layout --------------------------------------------------------------------
    def _build(self) -> None:
        self.heading = QLabel(objectName="tourHeading", wordWrap=True)
        self.position = QLabel(objectName="tourPosition")
        self.score = QLabel(objectName="tourScore", wordWrap=True)
        self.steps = QListWidget(objectName="tourSteps")
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.currentRowChanged.connect(self._on_steps_current_row_changed)
        self.title = QLabel(objectName="tourTitle", wordWrap=True)
        self.narrative = QLabel(objectName="tourNarrative", wordWrap=True)
        self.narrative.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice = QLabel(objectName="tourNotice", wordWrap=True)
        self.notice.setStyleSheet("QLabel { background: #fff4e0; border-left: 4px solid #e07b00; padding: 6px; }")

        self.quiz_box = QFrame(objectName="tourQuiz")
        self.quiz_box.setStyleSheet("QFrame#tourQuiz { background: #eef3fb; border: 1px solid #9ab; "
                                    "border-radius: 6px; }")
        quiz = QVBoxLayout(self.quiz_box)
        self.question = QLabel(objectName="tourQuestion", wordWrap=True)
        quiz.addWidget(self.question)
        self.choice_row = QVBoxLayout()
        quiz.addLayout(self.choice_row)
        self.choices: list[QPushButton] = []
        self.feedback = QLabel(objectName="tourFeedback", wordWrap=True)
        quiz.addWidget(self.feedback)

        self.previous_button = QPushButton("◀ Previous", objectName="tourPrevious", clicked=self.previous)
        self.next_button = QPushButton("Next ▶", objectName="tourNext", clicked=self.next)
        for button in (self.previous_button, self.next_button):
            button.setToolTip("PageUp / PageDown, or ← / → while the tour has the focus (a clicker works too)")
        nav = QHBoxLayout()
        nav.addWidget(self.previous_button)
        nav.addWidget(self.next_button)

        column = QVBoxLayout(self)
        column.setContentsMargins(8, 6, 8, 8)
        column.addWidget(self.heading)
        column.addWidget(self.position)
        column.addWidget(self.score)
        column.addWidget(self.steps, 2)
        words = QWidget(objectName="tourWords")
        words_column = QVBoxLayout(words)
        words_column.setContentsMargins(0, 0, 4, 0)
        words_column.addWidget(self.title)
        words_column.addWidget(self.narrative)
        words_column.addWidget(self.notice)
        words_column.addWidget(self.quiz_box)
        words_column.addStretch(1)
        self.words = QScrollArea(objectName="tourWordsScroll", widgetResizable=True)
        self.words.setFrameShape(QFrame.Shape.NoFrame)
        self.words.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.words.setWidget(words)
        column.addWidget(self.words, 3)
        column.addLayout(nav)
        for widget in (self, self.steps, self.previous_button, self.next_button):
            widget.installEventFilter(self)
        self._show_nothing()

    def set_scale(self, scale: float) -> None:
        """Text size relative to normal (the presenter view uses 1.5, and hides the step list to give the words room)."""
        self.scale = float(scale)
        self.steps.setVisible(self.scale == 1.0)
        self._apply_fonts()

    def _apply_fonts(self) -> None:
        base = self._base_point
        sizes = {self.heading: 1.0, self.position: 0.95, self.score: 0.95, self.title: 1.45,
                 self.narrative: 1.15, self.notice: 1.05, self.question: 1.2, self.feedback: 1.1}
        for widget, factor in sizes.items():
            font = widget.font()
            font.setPointSizeF(base * factor * self.scale)
            font.setBold(widget in (self.title, self.question, self.heading))
            widget.setFont(font)
        for button in self.choices + [self.previous_button, self.next_button]:
            font = button.font()
            font.setPointSizeF(base * 1.05 * self.scale)
            button.setFont(font)
        font = self.steps.font()
        font.setPointSizeF(base * self.scale)
        self.steps.setFont(font)

    # -- the tour ----------------------------------------------------------------
    def open_tour(self, tour: model.Tour, start: int = 0) -> None:
        """Show ``tour`` from step ``start`` (0-based); answers start afresh."""
        self.tour, self.answers, self.modified = tour, model.Answers(), False
        self._fill_list()
        self.go_to(start)

    def _fill_list(self) -> None:
        blocker = self.steps.blockSignals(True)
        self.steps.clear()
        for number, step in enumerate(self.tour.steps, start=1):
            mark = "  ?" if step.quiz is not None else ""
            item = QListWidgetItem(f"{number}. {step.title}{mark}")
            item.setToolTip(f"Lesson: {step.lesson}" + ("\nAsks a question first." if step.quiz else ""))
            self.steps.addItem(item)
        self.steps.blockSignals(blocker)
        self.heading.setText(self.tour.title + (" (edited, not saved)" if self.modified else ""))

    def go_to(self, index: int) -> bool:
        """Apply step ``index`` (0-based). False (and a message) if the step cannot be applied."""
        if self.tour is None or not self.tour.steps:
            return False
        index = max(0, min(int(index), len(self.tour.steps) - 1))
        step = self.tour.steps[index]
        try:
            state = step.lesson_state()
        except ValueError as exc:
            self.window_.commands.post_message(f"Step {index + 1} cannot be shown: {exc}", 12000)
            return False
        path = self.tour.image_path(step)
        if path is not None and self.window_.app_state.image_path != str(path):
            self.window_.open_image(path, show_dialog=False)
        lesson = self.window_.show_lesson(step.lesson)
        lesson.apply_state(state)
        self.index = index
        if self.steps.currentRow() != index:
            blocker = self.steps.blockSignals(True)
            self.steps.setCurrentRow(index)
            self.steps.blockSignals(blocker)
        self.steps.scrollToItem(self.steps.item(index))
        self._show_step()
        self.step_shown.emit(index)
        return True

    def next(self) -> None:
        if self.tour is not None and self.index < len(self.tour.steps) - 1:
            self.go_to(self.index + 1)

    def previous(self) -> None:
        if self.tour is not None and self.index > 0:
            self.go_to(self.index - 1)

    def answer(self, choice: int) -> bool:
        """The student picks choice ``choice`` of the current step's question; returns whether it is right."""
        right = self.answers.answer(self.tour, self.index, choice)
        self._show_step()
        return right

    def current_step(self) -> model.Step | None:
        return self.tour.steps[self.index] if self.tour is not None and 0 <= self.index < len(self.tour.steps) else None

    # -- showing a step ------------------------------------------------------------
    def _show_nothing(self) -> None:
        self.heading.setText("No tour open")
        self.position.setText("")
        self.score.setText("")
        self.title.setText("Tour ▸ Start the lecture tour")
        self.narrative.setText("The tour walks through the lecture in its order, one view of one lesson at a "
                               "time, and asks a few questions before it shows their answers.")
        self.notice.hide()
        self.quiz_box.hide()
        self.previous_button.setEnabled(False)
        self.next_button.setEnabled(False)

    def _show_step(self) -> None:
        step, tour, index = self.current_step(), self.tour, self.index
        if step is None:
            self._show_nothing()
            return
        self.position.setText(f"Step {index + 1} of {len(tour.steps)}")
        right, answered = self.answers.score(tour)
        self.score.setText(f"Questions: {right} of {answered} right ({tour.quiz_count()} in the tour)"
                           if tour.quiz_count() else "")
        self.title.setText(step.title)
        self.narrative.setText(step.narrative)
        self.narrative.setVisible(bool(step.narrative))
        self.notice.setText(f"<b>What to notice:</b> {html.escape(step.notice)}")
        self.notice.setVisible(bool(step.notice))
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(tour.steps) - 1)
        self._show_quiz(step)

    def _show_quiz(self, step: model.Step) -> None:
        lesson = self.window_.lesson(step.lesson)
        holes = []
        # Another lesson on screen (the student switched away): nothing of it is a hole, and while the
        # question waits it is covered whole; the answer must not show on any page.
        spotlight = step.spotlight if self.window_.current_lesson_id == step.lesson else ()
        for name in spotlight:
            name, part = model.split_spotlight(name)
            widget = lesson.findChild(QWidget, name)
            if widget is not None:
                holes.append((widget, part))
        quiz = step.quiz
        if quiz is None:
            self.quiz_box.hide()
            self.veil.outline(holes)
            return
        self.quiz_box.show()
        self.question.setText(quiz.question)
        while len(self.choices) < len(quiz.choices):
            button = QPushButton(objectName=f"tourChoice{len(self.choices)}")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, i=len(self.choices): self.answer(i))
            self.choice_row.addWidget(button)
            self.choices.append(button)
        chosen = self.answers.chosen.get(self.index)
        for i, button in enumerate(self.choices):
            button.setVisible(i < len(quiz.choices))
            if i >= len(quiz.choices):
                continue
            mark = ""
            if chosen is not None and i == quiz.answer:
                mark = "✓ "
            elif chosen is not None and i == chosen:
                mark = "✗ "
            button.setText(mark + quiz.choices[i])
            button.setEnabled(chosen is None)
        self._apply_fonts()
        if chosen is None:
            self.feedback.setText("Predict: pick an answer, then the lesson shows what really happens.")
            self.veil.cover(holes, QUESTION_COVER)
            QTimer.singleShot(0, lambda: self.words.ensureWidgetVisible(self.quiz_box))  # the choices in view
            return
        verdict = "Right!" if chosen == quiz.answer else f"Not quite: the answer is {quiz.choices[quiz.answer]}."
        self.feedback.setText(f"<b>{html.escape(verdict)}</b> {html.escape(quiz.explain)}")
        self.veil.outline(holes)

    def close_tour(self) -> None:
        self.tour, self.index = None, -1
        self.steps.clear()
        self.veil.clear()
        self._show_nothing()

    def _on_window_lesson_changed(self, _lesson_id: str) -> None:
        """A lesson page was brought up: it lies above the veil now, so cover (or outline) again."""
        if self.current_step() is not None and self.isVisible():
            self._show_quiz(self.current_step())

    def set_covering(self, allowed: bool) -> None:
        """Whether the veil may cover the lesson (not while the panel is closed: nothing may stay hidden)."""
        if not allowed:
            self.veil.clear()
        elif self.current_step() is not None:
            self._show_quiz(self.current_step())

    def detach(self) -> None:
        """Stop filtering other widgets' events (before the application quits and widgets are destroyed)."""
        for widget in (self, self.steps, self.previous_button, self.next_button):
            widget.removeEventFilter(self)
        self.window_.lesson_changed.disconnect(self._on_window_lesson_changed)
        self.veil.detach()

    # -- keys: → / ← (and a clicker's keys) while the tour has the focus ---------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) and self.tour is not None
                and event.key() in NEXT_KEYS + PREVIOUS_KEYS and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            event.accept()  # the tour has the focus: these keys are ours, not a lesson's shortcut (→ steps a kernel)
            return True
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and self.tour is not None:
            if event.key() in NEXT_KEYS:
                self.next()
                return True
            if event.key() in PREVIOUS_KEYS:
                self.previous()
                return True
        return False

    def _on_steps_current_row_changed(self, row: int) -> None:
        if row >= 0 and row != self.index:
            self.go_to(row)

    # -- editing ----------------------------------------------------------------------
    def add_current_view(self, title: str | None = None) -> model.Step:
        """Add the lesson on screen, in its state now, as a step after the current one."""
        lesson_id = self.window_.current_lesson_id
        lesson = self.window_.current_lesson()
        if lesson_id is None or lesson is None:
            raise ValueError("no lesson is shown")
        if self.tour is None:
            self.tour = model.Tour("My tour", [])
        image = None
        path = self.window_.app_state.image_path
        if path:
            samples = {str(p): name for name, p in model.io.sample_images().items()}
            image = samples.get(str(path), str(path))
        step = model.Step(lesson_id, title or f"{self.window_.lesson_title.text()}", "", "",
                          lesson.state.to_dict(), image)
        self.tour.steps.insert(self.index + 1, step)
        self._changed()
        self.go_to(self.index + 1)
        return step

    def edit_step(self, index: int, title: str, narrative: str, notice: str) -> None:
        """New words for step ``index``; ``ValueError`` (and no change) if they do not fit."""
        step = self.tour.steps[index]
        data = {**step.to_dict(), "title": title, "narrative": narrative, "notice": notice}
        self.tour.steps[index] = model.check_step(f"step {index + 1}", data)
        self._changed()
        self._show_step()

    def move_step(self, index: int, delta: int) -> int:
        """Move step ``index`` by ``delta`` places; returns its new index."""
        steps = self.tour.steps
        target = max(0, min(index + delta, len(steps) - 1))
        steps.insert(target, steps.pop(index))
        moved = {i: c for i, c in self.answers.chosen.items() if i not in (index, target)}
        self.answers = model.Answers(moved)
        self._changed()
        self.index = target
        self.go_to(target)
        return target

    def remove_step(self, index: int) -> None:
        if len(self.tour.steps) <= 1:
            raise ValueError("a tour keeps at least one step")
        del self.tour.steps[index]
        self.answers = model.Answers({(i if i < index else i - 1): c for i, c in self.answers.chosen.items()
                                      if i != index})
        self._changed()
        self.go_to(min(index, len(self.tour.steps) - 1))

    def save(self, path) -> pathlib.Path:
        written = model.write_tour(path, self.tour)
        self.tour.folder = pathlib.Path(written).resolve().parent
        self.modified = False
        self._fill_list()
        return written

    def _changed(self) -> None:
        self.modified = True
        self._fill_list()
        self.tour_changed.emit()
