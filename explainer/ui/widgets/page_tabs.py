"""Tabs whose pages are measured only while shown: a QTabWidget that stays fast with many labels.

A QTabWidget keeps its pages in a QStackedWidget, which asks every page, the
hidden ones too, for its size and height-for-width whenever any label inside
changes its text. With a slider's value label or a reading's answer changing
on every move, that re-measured every word-wrapped label of every hidden page
(4–6 ms a slider step in the invariance lab). :class:`PageTabs` is a tab bar
over a stack sized by the page on screen only (as the main window's lesson stack).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QTabBar, QVBoxLayout, QWidget


class CurrentPageStack(QStackedWidget):
    """A stack sized by its current page only, never by height-for-width."""

    def sizeHint(self):  # noqa: N802 (Qt override)
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self):  # noqa: N802 (Qt override)
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return False


class PageTabs(QWidget):
    """A tab bar above a :class:`CurrentPageStack`, with the parts of QTabWidget's interface the lessons use.

    Signals
    -------
    currentChanged(int)
        The page shown changed (a click on a tab or :meth:`setCurrentIndex`).
    """

    currentChanged = Signal(int)  # noqa: N815 (QTabWidget's name, so callers read the same)

    def __init__(self, parent: QWidget | None = None, objectName: str = "") -> None:  # noqa: N803 (Qt keyword)
        super().__init__(parent)
        if objectName:
            self.setObjectName(objectName)
        self._bar = QTabBar()
        self._bar.setDrawBase(False)
        self._bar.setExpanding(False)
        self.stack = CurrentPageStack()
        self.stack.setFrameShape(QStackedWidget.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._bar)
        layout.addWidget(self.stack, 1)
        self._bar.currentChanged.connect(self._on_bar_changed)

    def addTab(self, page: QWidget, title: str) -> int:  # noqa: N802 (QTabWidget's name)
        self.stack.addWidget(page)
        return self._bar.addTab(title)

    def tabBar(self) -> QTabBar:  # noqa: N802
        return self._bar

    def count(self) -> int:
        return self._bar.count()

    def tabText(self, index: int) -> str:  # noqa: N802
        return self._bar.tabText(index)

    def currentIndex(self) -> int:  # noqa: N802
        return self._bar.currentIndex()

    def currentWidget(self) -> QWidget | None:  # noqa: N802
        return self.stack.currentWidget()

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802
        self._bar.setCurrentIndex(index)  # the bar's signal shows the page

    def _on_bar_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.stack.updateGeometry()  # the stack's size now follows the new page
        self.currentChanged.emit(index)
