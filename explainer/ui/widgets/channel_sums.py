"""How one conv channel is computed: the input channels it reads, its kernel slices,
each slice's response, their sum, plus bias, then ReLU (or none, for a convolution
without one); click a pixel for its numbers. Also one channel of a residual block's
sum: the block's last convolution plus the block's input, then ReLU.

The widget shows a breakdown it is given (see ``channel_breakdown`` in the
photo lesson's analysis); it computes nothing and keeps no lesson data.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...core import format_number
from .maps import ACTIVATION_CMAP, SIGNED_CMAP, MapsView, colormap
from ...core.levels import percentile

#: The maps in rows of their own: key, colours, title.
_STACKED = (("input", ACTIVATION_CMAP, "input channels it reads"),
            ("kernel", SIGNED_CMAP, "its kernel slice for each input channel (batch norm folded in)"),
            ("responses", SIGNED_CMAP, "each input channel convolved with its slice"))
#: The three single maps side by side at the bottom.
_SIDE_BY_SIDE = (("sum", SIGNED_CMAP, "sum of the responses"),
                 ("pre", SIGNED_CMAP, "+ bias"),
                 ("relu", ACTIVATION_CMAP, "ReLU = the channel (click a pixel)"))


#: Qt's "no maximum" for a layout row's height.
_UNLIMITED = 16_777_215


def _limit(values: np.ndarray, q: float | None = None) -> float:
    magnitude = np.abs(values)
    top = percentile(magnitude, q) if q else float(magnitude.max())
    return top or float(magnitude.max()) or 1.0


class _PanelTitle(pg.LabelItem):
    """A title that does not widen its column: pyqtgraph makes a label at least as wide as its text, so a
    longer title gave its panel (and the map in it) more room than the panels beside it. Titles are kept
    short enough for a third of the view."""

    def updateMin(self) -> None:  # noqa: N802 (pyqtgraph's name)
        super().updateMin()
        height = self.itemRect().height()
        self.setMinimumWidth(0)
        self._sizeHint[Qt.SizeHint.MinimumSize] = self._sizeHint[Qt.SizeHint.PreferredSize] = (0, height)
        self.updateGeometry()


class ChannelSumsView(QWidget):
    """Header text, six map panels and a line with the numbers of one pixel.

    Signals
    -------
    pixel_clicked(int, int)
        (row, col) clicked in the sum, + bias or ReLU map.
    """

    pixel_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel(objectName="channelDetailText")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("channelDetailView")
        self.views: dict[str, MapsView] = {}
        self.titles: dict[str, pg.LabelItem] = {}
        for row, (key, cmap, title) in enumerate(_STACKED):
            self.titles[key] = self.graphics.addLabel(title, row=2 * row, col=0, colspan=3, size="9pt",
                                                      justify="left")
            self.views[key] = MapsView(cmap=cmap, columns=32, parent=self)
            self.graphics.addItem(self.views[key].view, row=2 * row + 1, col=0, colspan=3)
        for col, (key, cmap, title) in enumerate(_SIDE_BY_SIDE):
            self.titles[key] = _PanelTitle(title, size="9pt")
            self.graphics.addItem(self.titles[key], row=6, col=col)
            self.views[key] = MapsView(cmap=cmap, columns=1, parent=self)
            self.graphics.addItem(self.views[key].view, row=7, col=col)
            self.views[key].cell_clicked.connect(lambda _c, r, q: self.pixel_clicked.emit(r, q))
        self.graphics.ci.layout.setRowStretchFactor(7, 4)
        self.graphics.ci.layout.setRowMaximumHeight(6, 26)  # the titles stay on their maps
        for col in range(3):
            self.graphics.ci.layout.setColumnStretchFactor(col, 1)
        self._sum_mode = False  # showing a shortcut's sum: three maps only, kept beneath their titles
        self._pending: dict | None = None  # a breakdown whose maps wait for the view to be shown
        self._marked: tuple | None = None  # the outlined pixel
        self.pixel_text = QLabel(objectName="pixelNumbers")
        self.pixel_text.setWordWrap(True)
        self.pixel_text.setTextFormat(Qt.TextFormat.RichText)
        self.pixel_text.setStyleSheet("background: #fff8ec; padding: 6px; border-radius: 4px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.pixel_text)

    def show_breakdown(self, info: dict, header: str) -> None:
        """Show a breakdown: ``input`` (C, H, W), ``kernel`` (C, k, k), ``responses``, ``sum``, ``pre``, ``relu``
        and optionally ``rectified`` (False: ``relu`` is the channel without a ReLU, drawn in signed colours).

        The texts change at once; while the view is hidden (another tab) its maps are drawn only when
        it is shown, so a new photo does not pay for pictures nobody sees.
        """
        self.header.setText(header)
        # The panels' own titles (a shortcut's sum may have renamed them), each set only if it changes.
        titles = {key: title for key, _cmap, title in _STACKED + _SIDE_BY_SIDE}
        titles["input"] = f"input channels it reads ({np.shape(info['input'])[0]})"
        for key, title in titles.items():
            self._retitle(key, title)
        if self._sum_mode:  # back from a shortcut's sum: unfold the rows (another breakdown needs no relayout)
            self._show_stacked_rows(True)
            self._sum_mode = False
            self._fit_side_by_side()
        self._pending = info
        if self.isVisible():
            self._draw_pending()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._draw_pending()

    def _draw_pending(self) -> None:
        info, self._pending = self._pending, None
        if info is None:
            return
        x = np.asarray(info["input"])
        signed = bool(x.min() < 0)
        limit_in = _limit(x, 99.5)
        self.views["input"].image.setColorMap(colormap(SIGNED_CMAP if signed else ACTIVATION_CMAP))
        self.views["input"].set_maps(x, (-limit_in, limit_in) if signed else (0.0, limit_in))
        limit_k = _limit(info["kernel"])
        self.views["kernel"].set_maps(info["kernel"], (-limit_k, limit_k))
        limit_r = _limit(info["responses"])
        self.views["responses"].set_maps(info["responses"], (-limit_r, limit_r))
        limit_s = _limit(info["pre"])
        for key in ("sum", "pre"):
            self.views[key].set_maps(np.asarray(info[key])[None], (-limit_s, limit_s))
        if "rectified" in info:  # False: a convolution without a ReLU after it, its output signed
            self.views["relu"].image.setColorMap(colormap(ACTIVATION_CMAP if info["rectified"] else SIGNED_CMAP))
        low = 0.0 if info.get("rectified", True) else -limit_s
        self.views["relu"].set_maps(np.asarray(info["relu"])[None], (low, limit_s))
        if self._marked is not None:  # a pixel chosen while the maps waited
            self.mark_pixel(*self._marked)

    def show_sum(self, info: dict, header: str, body_name: str) -> None:
        """Show one channel of a shortcut's sum: ``body`` (H, W), the block's last convolution, plus ``shortcut``,
        the block's input, and ``relu``, ReLU of their sum: the channel. No kernels: their panels are emptied."""
        self.header.setText(header)
        self._pending = self._marked = None
        for key in ("input", "kernel", "responses"):
            self.views[key].clear()
            self._retitle(key, "")
        self._show_stacked_rows(False)  # no kernels: the three maps take the whole view
        self._sum_mode = True
        self._fit_side_by_side()
        self.set_titles(sum=f"{body_name}'s output", pre="+ the block's input (shortcut)",
                        relu="ReLU of the sum = the channel")
        limit = _limit(np.stack([info["body"], info["shortcut"], info["sum"]]))
        for key, values in (("sum", info["body"]), ("pre", info["shortcut"])):
            self.views[key].set_maps(np.asarray(values)[None], (-limit, limit))
        self.views["relu"].image.setColorMap(colormap(ACTIVATION_CMAP))
        self.views["relu"].set_maps(np.asarray(info["relu"])[None], (0.0, limit))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_side_by_side()

    def _fit_side_by_side(self) -> None:
        """Alone in the view (a shortcut's sum), the three square maps get a row as tall as a third of its width,
        so they sit right under their titles; the spare height stays below them rather than between."""
        side = _UNLIMITED
        if self._sum_mode:
            side = max(40, (self.graphics.viewport().width() - 24) // 3)
        self.graphics.ci.layout.setRowMaximumHeight(7, side)

    def _show_stacked_rows(self, shown: bool) -> None:
        """Show or fold away the input, kernel and response rows (a shortcut's sum has none of them)."""
        layout = self.graphics.ci.layout
        for row, (key, _cmap, _title) in enumerate(_STACKED):
            self.titles[key].setVisible(shown)
            self.views[key].view.setVisible(shown)
            for grid_row in (2 * row, 2 * row + 1):
                layout.setRowMaximumHeight(grid_row, _UNLIMITED if shown else 0)
                layout.setRowMinimumHeight(grid_row, 0)

    def show_sum_pixel(self, row: int, col: int, info: dict, body_name: str, network_value: float) -> None:
        """Spell out one pixel of a shortcut's sum (see :meth:`show_sum`) and the network's own value."""
        self.mark_pixel(row, col)
        body, shortcut, total = (float(info[key][row, col]) for key in ("body", "shortcut", "sum"))
        self.pixel_text.setText(
            f"Pixel ({row}, {col}): {body_name}'s output {format_number(body, 4)} + the block's input "
            f"{format_number(shortcut, 4)} = {format_number(total, 4)}; ReLU → <b>{format_number(max(total, 0.0), 4)}"
            f"</b>. The network's own activation: {format_number(network_value, 4)}.")

    def set_titles(self, **titles: str) -> None:
        """Rename panels (``relu="the layer's output channel"``): a model whose convolution has no ReLU after it."""
        for key, title in titles.items():
            self._retitle(key, title)

    def _retitle(self, key: str, title: str) -> None:
        """Set a panel's title only when it changes: pyqtgraph lays a label out again on every setText (about
        0.1 ms each, and a new photo re-sets all seven)."""
        if self.titles[key].text != title:
            self.titles[key].setText(title)

    def show_message(self, text: str) -> None:
        """No channel to show: explain why and empty the panels."""
        self.header.setText(text)
        self.pixel_text.setText("")
        self._pending = self._marked = None
        for view in self.views.values():
            view.clear()

    def mark_pixel(self, row: int | None, col: int | None = None) -> None:
        """Outline (row, col) in the sum, + bias and ReLU maps; None hides the outlines."""
        self._marked = None if row is None else (row, col)
        for key in ("sum", "pre", "relu"):
            self.views[key].mark(None if row is None else 0, row or 0, col or 0)

    def show_pixel(self, step, relu: float | None, network_value: float) -> None:
        """Spell out one output pixel: a :class:`~explainer.core.ConvStep`, its ReLU and the network's own value.

        ``relu`` None: the convolution is not followed by a ReLU here, the sum plus bias is the output.
        """
        self.mark_pixel(step.row, step.col)
        sums = [format_number(v, 3) for v in step.channel_sums]
        shown = " + ".join(f"({s})" if s.startswith("−") else s for s in sums[:8])
        more = f" + … ({len(sums) - 8} more)" if len(sums) > 8 else ""
        result = (f"<b>{format_number(step.value, 4)}</b>" if relu is None else
                  f"{format_number(step.value, 4)}; ReLU → <b>{format_number(relu, 4)}</b>")
        self.pixel_text.setText(
            f"Pixel ({step.row}, {step.col}): per-channel sums {shown}{more} = "
            f"{format_number(step.channel_sums.sum(), 4)}; + bias {format_number(step.bias, 4)} = "
            f"{result}. The network's own {'activation' if relu is not None else 'output'}: "
            f"{format_number(network_value, 4)}.")

    def show_pixel_outside(self, row: int, col: int, height: int, width: int) -> None:
        """The chosen pixel (row, col) is not in the height×width map shown."""
        self.mark_pixel(None)
        self.pixel_text.setText(f"Pixel ({row}, {col}) is outside this {height}×{width} map; "
                                "click a pixel of the map.")
