"""A word-wrapped label whose new texts lay the window out again only when they need another height.

``QLabel.setText`` calls ``updateGeometry``, which has every layout up to the
window measure its widgets again, word-wrapped labels and page stacks included
(about half a millisecond in a lesson, on every photo or pen movement). Qt skips
that for a widget whose minimum and maximum sizes are equal. :class:`SteadyLabel`
therefore holds the size its layout gave it while its texts need the same height
at that width (the same number of lines); a text that needs another height, a new
font or style, or a parent of another size lets go, and the layout places the label
exactly as a plain one. It holds again at its next text.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QLabel, QWidget

#: Qt's largest widget size (QWIDGETSIZE_MAX).
_UNLIMITED = (1 << 24) - 1
#: Changes after which the layout must size the label again.
_RELAYOUT_CHANGES = (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.LayoutDirectionChange,
                     QEvent.Type.ContentsRectChange, QEvent.Type.ParentChange)


class SteadyLabel(QLabel):
    """A :class:`QLabel` for a column whose width its parent decides (one text per line count, one layout pass).

    Meant for word-wrapped labels in a vertical layout, or beside a widget of fixed width,
    where the label's geometry follows from the height its text needs at the given width
    (a neighbour that grows would not make it let go). Setters other than :meth:`setText`
    that change what it shows or how (number, format, wrapping, margins, pixmap…) let go first.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held_height: int | None = None  # the text's height at the held width, while held
        self._watched: QWidget | None = None
        # A hidden twin measures texts: a held label's own measures are at least its fixed size. As a
        # child it has the label's font and style sheet (a style sheet set on the label applies to it too).
        self._twin = QLabel(self, objectName="steadyLabelMeasure")
        self._twin.hide()

    @property
    def held(self) -> bool:
        """True while the label holds its size (a new text of the same height costs no layout pass)."""
        return self._held_height is not None

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        if text == self.text():
            return
        if self._held_height is None and self.isVisible() and self.width() > 0:
            self._hold()
        super().setText(text)
        if self._held_height is not None and self._needed_height(text) != self._held_height:
            self._let_go()  # another number of lines: the layout sizes the label as a plain one

    def clear(self) -> None:
        self.setText("")

    def _needed_height(self, text: str) -> int:
        """The height ``text`` needs at the label's width, as its layout would ask for it."""
        twin = self._twin
        twin.setTextFormat(self.textFormat())
        twin.setWordWrap(self.wordWrap())
        twin.setAlignment(self.alignment())
        twin.setMargin(self.margin())
        twin.setIndent(self.indent())
        twin.setContentsMargins(self.contentsMargins())
        twin.setText(text)
        return twin.heightForWidth(self.width()) if self.wordWrap() else twin.sizeHint().height()

    def _hold(self) -> None:
        # A layout pass asked for since (after a let-go, a new font, a sibling's change…) runs now, so the
        # size held is the one the layout gives the current text, not an older one.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        if not self.isVisible() or self.width() <= 0:
            return
        parent = self.parentWidget()
        if parent is not self._watched:
            if self._watched is not None and shiboken6.isValid(self._watched):
                self._watched.removeEventFilter(self)
            self._watched = parent
            if parent is not None:
                parent.installEventFilter(self)
        self._held_height = self._needed_height(self.text())
        self.setFixedSize(self.size())

    def _let_go(self) -> None:
        if getattr(self, "_held_height", None) is None:
            return
        self._held_height = None
        self.setMinimumSize(0, 0)
        self.setMaximumSize(_UNLIMITED, _UNLIMITED)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() in _RELAYOUT_CHANGES:
            self._let_go()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self._watched and event.type() == QEvent.Type.Resize:
            self._let_go()  # the window changed size: the layout decides the label's size again
        return False


def _letting_go(name: str):
    """``QLabel.<name>``, after letting go of the held size (the change may need another size)."""
    plain = getattr(QLabel, name)

    def setter(self, *args) -> None:
        self._let_go()
        plain(self, *args)

    setter.__name__ = name
    return setter


# Everything else that can change what the label shows or how it measures it.
for _name in ("setNum", "setTextFormat", "setWordWrap", "setMargin", "setIndent", "setAlignment", "setPixmap",
              "setPicture", "setMovie"):
    setattr(SteadyLabel, _name, _letting_go(_name))
