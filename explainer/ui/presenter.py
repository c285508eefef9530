"""The presenter view's scaling: every text ×1.5 and every line ×2, and back.

Qt widgets take the application font, so most text grows with it; what sets its
own size (style sheets, explicit fonts, pyqtgraph labels, axes and text items)
is scaled here one by one, from the size it had before the first scaling, so
switching on and off any number of times never drifts. Lines of pyqtgraph items
and of the shapes in their scenes are scaled the same way; widgets that paint
themselves read :func:`line_scale`.
"""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QKeySequence, QPen
from PySide6.QtWidgets import QAbstractGraphicsShapeItem, QApplication, QGraphicsTextItem, QGraphicsView, QWidget

from .widgets.style import line_scale, scaled_pen, set_line_scale  # noqa: F401 (scaled_pen re-exported)

FONT_SCALE = 1.5
LINE_SCALE = 2.0

_state = {"font": 1.0}
_FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)\s*(pt|px)")
#: Attribute names under which an object's unscaled sizes are kept.
_BASE = "_convlens_presenter_base"


def font_scale() -> float:
    return _state["font"]


def _base(obj, key: str, current):
    store = getattr(obj, _BASE, None)
    if store is None:
        store = {}
        try:
            setattr(obj, _BASE, store)
        except AttributeError:
            return current
    return store.setdefault(key, current)


def set_application_scale(on: bool) -> None:
    """The application font and the line scale for the presenter view (on) or normal (off)."""
    app = QApplication.instance()
    base = _base(app, "font", QFont(app.font()))
    font = QFont(base)
    _state["font"] = FONT_SCALE if on else 1.0
    set_line_scale(LINE_SCALE if on else 1.0)
    font.setPointSizeF(base.pointSizeF() * _state["font"])
    app.setFont(font)


def scale_tree(root: QWidget) -> None:
    """Bring every widget under ``root`` (and ``root``) and every pyqtgraph scene item to the current scale."""
    factor, lines = _state["font"], line_scale()
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont) or hasattr(widget, _BASE) and "font" in getattr(widget, _BASE):
            base = _base(widget, "font", QFont(widget.font()))
            widget.setFont(_scale_font(base, base, factor))
        sheet = widget.styleSheet()
        if sheet and "font-size" in _base(widget, "sheet", sheet):
            original = _base(widget, "sheet", sheet)
            widget.setStyleSheet(_FONT_SIZE.sub(lambda m: f"font-size: {float(m.group(1)) * factor:g}{m.group(2)}",
                                                original))
        if isinstance(widget, pg.PlotWidget):  # a chart's axes and titles grow: give them the room
            base_height = _base(widget, "min_height", widget.minimumHeight())
            widget.setMinimumHeight(round(base_height * factor))
        if isinstance(widget, QGraphicsView) and widget.scene() is not None:
            _scale_scene(widget.scene(), factor, lines)


def _scale_font(font: QFont, base: QFont, factor: float) -> QFont:
    font = QFont(font)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * factor)
    elif base.pixelSize() > 0:
        font.setPixelSize(max(1, round(base.pixelSize() * factor)))
    return font


def _scale_scene(scene, factor: float, lines: float) -> None:
    for item in scene.items():
        try:
            if isinstance(item, pg.LabelItem):
                size = _base(item, "size", item.opts.get("size") or "9pt")
                match = re.fullmatch(r"([0-9.]+)(pt|px)", str(size))
                if match:
                    item.setText(item.text, size=f"{float(match.group(1)) * factor:g}{match.group(2)}")
            elif isinstance(item, pg.AxisItem):
                base = _base(item, "tick", QFont(item.style.get("tickFont") or item.font()))
                item.setStyle(tickFont=_scale_font(base, base, factor))
                label_base = _base(item, "label", QFont(item.label.font()))
                item.label.setFont(_scale_font(label_base, label_base, factor))
                pen = _base(item, "pen", QPen(item.pen()))
                item.setPen(_wider(pen, lines))
            elif isinstance(item, QGraphicsTextItem):
                base = _base(item, "font", QFont(item.font()))
                item.setFont(_scale_font(base, base, factor))
            elif isinstance(item, pg.PlotCurveItem):
                pen = _base(item, "pen", QPen(item.opts["pen"]))
                item.setPen(_wider(pen, lines))
            elif isinstance(item, QAbstractGraphicsShapeItem) and not isinstance(item, pg.GraphicsObject):
                pen = _base(item, "pen", QPen(item.pen()))
                item.setPen(_wider(pen, lines))
        except RuntimeError:  # an item deleted while we walked the scene
            continue


def _wider(pen: QPen, lines: float) -> QPen:
    pen = QPen(pen)
    if lines != 1.0:
        pen.setWidthF(max(1.0, pen.widthF()) * lines)
    return pen


class PresenterView:
    """View ▸ Presenter view (F5): larger text and lines, the lesson list and status bar hidden,
    the tour's words large. ``window.presenting`` says whether it is on."""

    def __init__(self, window, menu) -> None:
        self.window = window
        self.action = QAction("&Presenter view", window, checkable=True)
        self.action.setShortcut(QKeySequence("F5"))
        self.action.setToolTip("Larger text and lines for a projector; the lesson list and status bar are hidden")
        self.action.toggled.connect(self.set_on)
        menu.addAction(self.action)
        window.lesson_changed.connect(self._on_lesson_changed)

    def set_on(self, on: bool) -> None:
        window = self.window
        if on == window.presenting:
            return
        window.presenting = on
        if self.action.isChecked() != on:
            self.action.setChecked(on)
        set_application_scale(on)
        scale_tree(window.centralWidget())
        window.tour.panel.set_scale(FONT_SCALE if on else 1.0)
        window.stack.roomy = on  # a page scrolls rather than squeezing its large text
        window.stack.updateGeometry()
        window.statusBar().setVisible(not on)
        window.side_column.setVisible(not on and not window.tour.dock.isVisible())
        for lesson_id in window.built_lessons():
            window.lesson(lesson_id).update()

    def _on_lesson_changed(self, _lesson_id: str) -> None:
        if self.window.presenting:  # a lesson built or changed while presenting gets the large sizes too
            scale_tree(self.window.centralWidget())
