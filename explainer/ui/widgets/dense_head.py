"""Pictures of a fully connected head: the flattened vector, both weight matrices, the hidden layer,
and what each class "looks for" laid out like the feature maps it reads.

The widgets take arrays and titles; they keep nothing but what they draw.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont, QFontMetricsF

from .fast_image import FastImageItem
from .maps import ACTIVATION_CMAP, SIGNED_CMAP, MapsView, colormap


def _strip_view(layout: pg.GraphicsLayout, row: int, cmap: str, invert: bool = False):
    view = layout.addViewBox(row=row, col=0, colspan=3, enableMenu=False, invertY=invert)
    view.setMouseEnabled(False, False)
    image = FastImageItem(axisOrder="row-major")
    image.setColorMap(colormap(cmap))
    view.addItem(image)
    return view, image


def _symmetric(values: np.ndarray) -> tuple[float, float]:
    limit = float(np.abs(values).max()) if values.size else 0.0
    limit = limit or 1.0
    return -limit, limit


class DenseHeadView(pg.GraphicsLayoutWidget):
    """flatten strip, W₁ as an image (a row per hidden neuron), hidden strip, W₂ with class ticks.

    W₂'s plot is at least as tall as its class labels (``LABEL_GAP`` pixels between two of them).

    Attributes
    ----------
    flat_title, w1_title, hidden_title, w2_title : pg.LabelItem
        Their text is set with :meth:`set_titles`.
    """

    LABEL_GAP = 3

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        ci = self.ci
        self.flat_title = ci.addLabel("", row=0, col=0, colspan=3, justify="left", size="9pt")
        self.flat_view, self.flat_image = _strip_view(ci, 1, ACTIVATION_CMAP)
        self.w1_title = ci.addLabel("", row=2, col=0, colspan=3, justify="left", size="9pt")
        self.w1_view, self.w1_image = _strip_view(ci, 3, SIGNED_CMAP, invert=True)
        self.hidden_title = ci.addLabel("", row=4, col=0, colspan=3, justify="left", size="9pt")
        self.hidden_view, self.hidden_image = _strip_view(ci, 5, ACTIVATION_CMAP)
        self.w2_title = ci.addLabel("", row=6, col=0, colspan=3, justify="left", size="9pt")
        self.w2_plot = ci.addPlot(row=7, col=0, colspan=2)
        self.w2_plot.setMenuEnabled(False)
        self.w2_plot.setMouseEnabled(False, False)
        self.w2_plot.hideButtons()
        self.w2_plot.invertY(True)
        self.w2_plot.setLabel("left", "class")
        self._tick_font = QFont(self.font())  # set, not inherited, so the labels' height is known
        self.w2_plot.getAxis("left").setStyle(tickFont=self._tick_font)
        self.w2_plot.setLabel("bottom", "hidden neuron")
        self.w2_image = FastImageItem(axisOrder="row-major")
        self.w2_image.setColorMap(colormap(SIGNED_CMAP))
        self.w2_plot.addItem(self.w2_image)
        self.w2_bar = pg.ColorBarItem(colorMap=colormap(SIGNED_CMAP), values=(-1, 1), interactive=False, width=10,
                                      label="weight")
        self.w2_bar.setImageItem(self.w2_image)
        ci.addItem(self.w2_bar, row=7, col=2)
        layout = ci.layout
        for row, stretch in ((1, 1), (3, 5), (5, 1), (7, 4)):
            layout.setRowStretchFactor(row, stretch)
        layout.setColumnStretchFactor(0, 6)
        layout.setColumnStretchFactor(2, 1)

    def set_titles(self, flat: str, w1: str, hidden: str, w2: str) -> None:
        for item, text in ((self.flat_title, flat), (self.w1_title, w1), (self.hidden_title, hidden),
                           (self.w2_title, w2)):
            item.setText(text)

    def set_class_labels(self, labels: list[str]) -> None:
        """Tick labels of W₂'s rows (one per class); W₂ is kept tall enough that they never overlap."""
        axis = self.w2_plot.getAxis("left")
        axis.setTicks([[(i + 0.5, text) for i, text in enumerate(labels)]])
        row = QFontMetricsF(self._tick_font).height() + self.LABEL_GAP
        self.w2_plot.vb.setMinimumHeight(len(labels) * row)

    def set_weights(self, w1: np.ndarray, w2: np.ndarray) -> None:
        """W₁ (hidden × inputs) and W₂ (classes × hidden), each at symmetric levels around 0."""
        self.w1_image.setImage(np.asarray(w1, np.float32), autoLevels=False, levels=_symmetric(w1))
        self.w1_view.setRange(QRectF(0, 0, w1.shape[1], w1.shape[0]), padding=0)
        levels = _symmetric(w2)
        self.w2_image.setImage(np.asarray(w2, np.float32), autoLevels=False, levels=levels)
        self.w2_image.setRect(QRectF(0, 0, w2.shape[1], w2.shape[0]))
        self.w2_bar.setLevels(levels)

    def set_activations(self, flat: np.ndarray, hidden: np.ndarray) -> None:
        """The flattened input and the hidden activations as strips (0 to their largest value)."""
        for view, image, values in ((self.flat_view, self.flat_image, flat),
                                    (self.hidden_view, self.hidden_image, hidden)):
            top = float(values.max()) if values.size else 0.0
            image.setImage(np.asarray(values, np.float32)[None, :], autoLevels=False, levels=(0, top or 1.0))
            view.setRange(QRectF(0, 0, values.size, 1), padding=0)

    def clear_activations(self) -> None:
        self.flat_image.clear()
        self.hidden_image.clear()

    def blank(self) -> None:
        """Nothing to show: no images, no titles (not ``clear``: GraphicsLayoutWidget uses that name)."""
        self.clear_activations()
        self.w1_image.clear()
        self.w2_image.clear()
        self.set_titles("", "", "", "")


class ClassTemplates(pg.GraphicsLayoutWidget):
    """One mosaic per class of (C, H, W) signed weights, all on the same symmetric levels."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        self.labels: list[pg.LabelItem] = []
        self.views: list[MapsView] = []

    def _ensure(self, labels: list[str]) -> None:
        if [item.text for item in self.labels] == labels:
            return
        self.ci.clear()
        self.labels, self.views = [], []
        for column, text in enumerate(labels):
            self.labels.append(self.ci.addLabel(text, row=0, col=column, size="10pt"))
            view = MapsView(cmap=SIGNED_CMAP, aspect=1.0, parent=self)
            self.ci.addItem(view.view, row=1, col=column)
            self.views.append(view)

    def set_templates(self, templates: np.ndarray, labels: list[str]) -> None:
        """``templates`` (classes, C, H, W): each class's mosaic, laid out about square."""
        self._ensure(labels)
        limits = _symmetric(templates)
        channels = templates.shape[1]
        for view, template in zip(self.views, templates):
            view.set_columns(math.ceil(math.sqrt(channels)))
            view.set_maps(template, limits)

    def blank(self) -> None:
        """Empty every class's mosaic (the layout stays)."""
        for view in self.views:
            view.clear()
