"""A seeded GUI monkey: random clicks, drags, keys, wheel turns and widget values on every lesson.

Used by ``tests/reliability/test_monkey.py`` (short, in CI) and ``benchmarks/monkey.py`` (long).
Dialogs that would wait for a person (file dialogs, message boxes, the animation and step
editors) are answered "cancel" at once, so the monkey never blocks; everything else is the real app.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTabBar,
    QTabWidget,
    QWidget,
)

from explainer.ui.lessons import LESSON_IDS

#: Buttons whose work takes minutes (a whole training run): the short monkey leaves them alone.
SLOW_BUTTONS = ("startTrainingButton", "transferButton")
KEYS = [Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
        Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Space,
        Qt.Key.Key_Backspace, Qt.Key.Key_Delete, Qt.Key.Key_0, Qt.Key.Key_7, Qt.Key.Key_9, Qt.Key.Key_Minus,
        Qt.Key.Key_Period, Qt.Key.Key_A, Qt.Key.Key_E, Qt.Key.Key_Z]
ACTIONS = ("click", "drag", "key", "wheel", "value", "value", "text")


@contextlib.contextmanager
def no_waiting_dialogs(monkeypatch):
    """Every dialog that would wait for a person answers "cancel" at once; counts how often each came up."""
    asked = Counter()

    def cancelled(name, value):
        def answer(*_args, **_kwargs):
            asked[name] += 1
            return value
        return answer

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(cancelled("open file", ("", ""))))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(cancelled("save file", ("", ""))))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(cancelled("folder", "")))
    monkeypatch.setattr(QMessageBox, "exec", cancelled("message box", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QDialog, "exec", cancelled("dialog", QDialog.DialogCode.Rejected))
    yield asked


def _candidates(root: QWidget, slow: bool) -> list[QWidget]:
    widgets = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or not widget.isEnabled() or widget.width() < 4 or widget.height() < 4:
            continue
        if not slow and widget.objectName() in SLOW_BUTTONS:
            continue
        widgets.append(widget)
    return widgets


def _point(rng, widget: QWidget) -> QPoint:
    return QPoint(int(rng.integers(1, max(2, widget.width() - 1))), int(rng.integers(1, max(2, widget.height() - 1))))


def _set_value(rng, widget: QWidget) -> bool:
    if isinstance(widget, QSpinBox | QDoubleSpinBox):
        low, high = widget.minimum(), widget.maximum()
        choice = rng.integers(4)
        value = (low, high, (low + high) / 2, low + (high - low) * rng.random())[choice]
        widget.setValue(int(round(value)) if isinstance(widget, QSpinBox) else float(value))
    elif isinstance(widget, QComboBox) and widget.count():
        widget.setCurrentIndex(int(rng.integers(widget.count())))
    elif isinstance(widget, QAbstractSlider):
        widget.setValue(int(rng.integers(widget.minimum(), widget.maximum() + 1)))
    elif isinstance(widget, QCheckBox):
        widget.click()
    elif isinstance(widget, QTabWidget) and widget.count():
        widget.setCurrentIndex(int(rng.integers(widget.count())))
    elif isinstance(widget, QTabBar) and widget.count():
        widget.setCurrentIndex(int(rng.integers(widget.count())))
    else:
        return False
    return True


def _type_text(rng, widget: QWidget) -> bool:
    if isinstance(widget, QLineEdit | QPlainTextEdit | QAbstractSpinBox):
        widget.setFocus()
        pieces = ["1e308", "-0", "nan", "abc", "999999", "0.5", " ", "é", "😀", "-1", "12"]
        text = str(pieces[int(rng.integers(len(pieces)))])
        if text.isascii():
            QTest.keyClicks(widget, text)
        else:  # QTest types ASCII only: put other characters in as a paste would
            editor = widget.lineEdit() if isinstance(widget, QAbstractSpinBox) else widget
            if isinstance(editor, QPlainTextEdit):
                editor.insertPlainText(text)
            else:
                editor.insert(text)
        QTest.keyClick(widget, Qt.Key.Key_Return)
        return True
    return False


def _wheel(rng, widget: QWidget) -> None:
    position = QPointF(_point(rng, widget))
    delta = QPoint(0, int(rng.choice([-240, -120, 120, 240])))
    event = QWheelEvent(position, QPointF(widget.mapToGlobal(position.toPoint())), QPoint(), delta,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _suits(kind: str, widget: QWidget) -> bool:
    """Whether an action of ``kind`` makes sense on ``widget`` (labels and frames are left to chance)."""
    if kind == "value":
        return isinstance(widget, QSpinBox | QDoubleSpinBox | QComboBox | QAbstractSlider | QCheckBox | QTabWidget)
    if kind == "text":
        return isinstance(widget, QLineEdit | QPlainTextEdit | QAbstractSpinBox)
    # clicks, drags, keys and wheels: anything a person would aim at, not a plain caption
    return type(widget).__name__ not in ("QLabel", "QFrame", "QWidget", "QScrollBar")


def act(rng, window, slow: bool = False) -> str:
    """One random action on the lesson on screen (or the window); returns what was done."""
    lesson = window.current_lesson()
    widgets = _candidates(lesson if lesson is not None else window, slow)
    if not widgets:
        return "nothing"
    kind = ACTIONS[int(rng.integers(len(ACTIONS)))]
    suited = [w for w in widgets if _suits(kind, w)]
    pool = suited if suited else widgets
    widget = pool[int(rng.integers(len(pool)))]
    if kind == "click":
        button = Qt.MouseButton.LeftButton if rng.random() < 0.85 else Qt.MouseButton.RightButton
        if isinstance(widget, QAbstractButton) and button == Qt.MouseButton.LeftButton:
            widget.click()
        else:
            QTest.mouseClick(widget, button, Qt.KeyboardModifier.NoModifier, _point(rng, widget))
    elif kind == "drag":
        start, end = _point(rng, widget), _point(rng, widget)
        QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for step in range(1, 6):
            QTest.mouseMove(widget, start + (end - start) * step / 5)
        QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    elif kind == "key":
        widget.setFocus()
        QTest.keyClick(widget, KEYS[int(rng.integers(len(KEYS)))])
    elif kind == "wheel":
        _wheel(rng, widget)
    elif kind == "value":
        if not _set_value(rng, widget):
            kind = "value (none)"
    elif kind == "text":
        if not _type_text(rng, widget):
            kind = "text (none)"
    return f"{kind} {type(widget).__name__} {widget.objectName()}".rstrip()


def run(window, seed: int, actions_per_lesson: int, slow: bool = False, log=None) -> Counter:
    """Visit every lesson in a seeded random order and do ``actions_per_lesson`` random actions on each.

    Returns a count of the kinds of action done. Events are processed after every action, and the
    lesson's background work is let finish now and then, as a person pauses.
    """
    rng = np.random.default_rng(seed)
    done = Counter()
    order = list(LESSON_IDS)
    rng.shuffle(order)
    for lesson_id in order:
        window.show_lesson(lesson_id)
        QApplication.processEvents()
        for number in range(actions_per_lesson):
            if window.current_lesson_id != lesson_id:  # a button sent us elsewhere: come back
                window.show_lesson(lesson_id)
            what = act(rng, window, slow)
            done[what.split(" ")[0]] += 1
            if log is not None:
                log(f"{lesson_id} #{number}: {what}")
            QApplication.processEvents()
            if number % 10 == 9:
                settle(window)
        settle(window)
    return done


def settle(window, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while window.is_busy() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.002)
    QApplication.processEvents()
