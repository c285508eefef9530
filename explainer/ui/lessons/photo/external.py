"""The photo lesson's page for a model of the user's own (File ▸ Open model…).

For the current image it shows what the model sees (its preprocessing), the
top-5 classes with the model's class names, every layer's channels (the first
few of each, or all), and for a convolution channel its kernel slices and, for
a plain convolution, the per-input-channel sums that make each output pixel.
The model runs in a worker; a new image, a new model or new input settings
while one runs replaces it, and a result is drawn only with its own request.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...preprocessing_dialog import PreprocessingDialog, describe
from ...widgets.channel_sums import ChannelSumsView
from ...widgets.layer_maps import LayerMaps, LayerMapsOverview
from ...widgets.panels import ImageView
from ...widgets.top_classes import TopClassesPlot
from ...workers import WorkResult
from .external_state import EXTERNAL_TABS, ExternalPhotoState
from .external_detail import ChannelDetail
from .external_work import CHANNEL_LIMIT, layer_pictures, read_image

#: Screen pixels a channel's tile aims for in the layer list (it scrolls rather than shrink them further).
TILE = 44
TITLE_HEIGHT = 22


def short_name(name: str, limit: int = 44) -> str:
    """``name`` with its middle cut out when it is longer than ``limit`` (a row's title must fit the list's width).

    >>> short_name("/layer3/layer3.0/shortcut/shortcut.1/BatchNormalization")
    '/layer3/layer3.0/…/BatchNormalization'
    """
    if len(name) <= limit:
        return name
    parts = name.split("/")
    if len(parts) > 3:  # keep the first two parts and as many of the last ones as fit
        head, tail = "/".join(parts[:3]), []
        for part in reversed(parts[3:]):
            if len(head) + len("/…/") + len("/".join([part, *tail])) > limit and tail:
                break
            tail.insert(0, part)
        if len(tail) < len(parts) - 3:
            return f"{head}/…/{'/'.join(tail)}"
    keep = limit - 1
    return name[: keep // 2] + "…" + name[-(keep - keep // 2):]


def short_label(name: str, limit: int = 24) -> str:
    """A class name short enough for a chart axis: its first comma-separated part, cut to ``limit`` characters.

    >>> short_label("grey whale, gray whale, devilfish, Eschrichtius gibbosus"), short_label("x" * 30)
    ('grey whale', 'xxxxxxxxxxxxxxxxxxxxxxx…')
    """
    first = name.split(",", 1)[0].strip() or name.strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"


@dataclass(frozen=True, eq=False)
class ModelRequest:
    """What one run was about: the model, its input settings and the image (it comes back with the result)."""

    model: object
    preprocessing: object
    image: np.ndarray
    name: str


class UserModelPage(ChannelDetail, QWidget):
    """Everything the photo lesson shows for a user model; built and owned by the lesson.

    Signals
    -------
    result_shown
        A run's result (prediction, layers) has been drawn.
    detail_shown
        A channel detail has been drawn.
    """

    result_shown = Signal()
    detail_shown = Signal()

    def __init__(self, lesson, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userModelPage")
        self.lesson = lesson
        self.app_state = lesson.app_state
        self.state = ExternalPhotoState()
        #: The run on screen: its request and :func:`read_image`'s result.
        self.shown: dict | None = None
        #: The channel detail on screen (:func:`conv_detail`'s result with the layer and channel).
        self.detail: dict | None = None
        #: The numbers of the pixel spelled out under the channel detail.
        self.pixel_numbers: dict | None = None
        self._wanted: ModelRequest | None = None
        self._wanted_detail: tuple | None = None
        self._wanted_pictures: tuple | None = None
        self._reader = lesson.make_runner(self._on_read)
        self._painter = lesson.make_runner(self._on_painted)
        self._detailer = lesson.make_runner(self._on_detail)
        self._build()
        self._connect()

    # ================================================================ layout
    def _build(self) -> None:
        self.banner = QLabel(objectName="userModelPhotoBanner", wordWrap=True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.settings_button = QPushButton("Input settings…", objectName="userModelSettingsButton")
        self.back_button = QPushButton("Back to bundled models", objectName="userModelBackButton")
        banner_box = QWidget(objectName="userModelPhotoBannerBox")
        banner_box.setStyleSheet("#userModelPhotoBannerBox { background: #e8f1fb; border-radius: 4px; }")
        banner_row = QHBoxLayout(banner_box)
        banner_row.setContentsMargins(8, 4, 8, 4)
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.settings_button)
        banner_row.addWidget(self.back_button)

        self.prediction = QLabel(objectName="userModelPrediction", wordWrap=True)
        self.prediction.setTextFormat(Qt.TextFormat.PlainText)  # class names come from the file
        self.prediction.setStyleSheet("font-size: 15pt; font-weight: 600; color: #c05800;")
        self.caption = QLabel(objectName="userModelCaption", wordWrap=True)
        self.caption.setStyleSheet("color: #555;")
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setObjectName("userModelInputView")
        self.photo_view = ImageView("photo")
        self.input_view = ImageView("what the model sees")
        grid = self.plots.ci
        for row, panel in ((0, self.photo_view), (2, self.input_view)):  # one above the other: each 360 px wide
            grid.addItem(panel.title, row=row, col=0)
            grid.addItem(panel.view, row=row + 1, col=0)
            grid.layout.setRowStretchFactor(row + 1, 3)
        self.top5 = TopClassesPlot([str(i) for i in range(5)], 5)
        grid.addItem(self.top5, row=4, col=0)
        grid.layout.setRowStretchFactor(4, 3)
        left_widget = QWidget()
        left_widget.setFixedWidth(360)
        left = QVBoxLayout(left_widget)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.prediction)
        left.addWidget(self.caption)
        left.addWidget(self.plots, 1)

        self.show_all_check = QCheckBox("Show every channel", objectName="showAllChannelsCheck")
        self.show_all_check.setToolTip(f"Each layer shows its first {CHANNEL_LIMIT} channels; wide layers "
                                       "of hundreds of channels take longer to draw in full")
        self.layers_note = QLabel(objectName="userModelLayersNote", wordWrap=True)
        self.overview = LayerMapsOverview()
        self.overview.setObjectName("userModelOverview")
        self.scroll = QScrollArea(objectName="userModelScroll", widgetResizable=True)
        self.scroll.setWidget(self.overview)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layers_page = QWidget()
        column = QVBoxLayout(layers_page)
        column.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.layers_note, 1)
        top.addWidget(self.show_all_check)
        column.addLayout(top)
        column.addWidget(self.scroll, 1)
        self.detail_view = ChannelSumsView()
        self.tabs = QTabWidget(objectName="userModelTabs")
        self.tabs.addTab(layers_page, EXTERNAL_TABS[0])
        self.tabs.addTab(self.detail_view, EXTERNAL_TABS[1])
        body = QHBoxLayout()
        body.addWidget(left_widget)
        body.addWidget(self.tabs, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(banner_box)
        outer.addLayout(body, 1)

    def _connect(self) -> None:
        state, lesson = self.state, self.lesson
        self.back_button.clicked.connect(lambda: self.app_state.set_external_model(None))
        self.settings_button.clicked.connect(self.edit_settings)
        self.show_all_check.toggled.connect(lambda on: setattr(state, "show_all", on))
        self.tabs.currentChanged.connect(lambda i: setattr(state, "tab", i))
        self.overview.channel_clicked.connect(self._on_channel_clicked)
        self.detail_view.pixel_clicked.connect(state.select_pixel)
        state.events.show_all.connect(self._on_state_show_all_changed)
        state.events.tab.connect(self._on_state_tab_changed)
        state.events.selection.connect(self._request_detail)
        state.events.pixel.connect(self._render_pixel)
        for signal in (self.app_state.events.image, self.app_state.events.external_preprocessing):
            lesson.listen(signal, lambda *_: lesson.when_shown("user model photo", self.request))
        lesson.listen(self.app_state.events.external_model, self._on_model_changed)

    # ================================================================ state → view
    def _on_state_show_all_changed(self, show_all: bool) -> None:
        with QSignalBlocker(self.show_all_check):
            self.show_all_check.setChecked(show_all)
        if self.shown is not None:
            request = self.shown["request"]
            self._wanted_pictures = (self.shown, show_all)
            self._painter.submit(layer_pictures, request.model.layers(), self.shown["activations"],
                                 None if show_all else CHANNEL_LIMIT, context=self._wanted_pictures)

    def _on_state_tab_changed(self, tab: int) -> None:
        with QSignalBlocker(self.tabs):
            self.tabs.setCurrentIndex(tab)

    def _on_model_changed(self, *_) -> None:
        self.state.forget()
        self.lesson.when_shown("user model photo", self.request)

    # ================================================================ the run
    def request(self) -> None:
        """Run the model in use on the current image (in a worker); nothing when no user model is in use."""
        model, image = self.app_state.external_model, self.app_state.image
        if model is None:  # back to the bundled models: let the last model's activations go
            self._wanted = self._wanted_detail = self._wanted_pictures = None
            self.shown = self.detail = self.pixel_numbers = None
            self.overview.set_layers([])
            return
        preprocessing = self.app_state.external_preprocessing or model.preprocessing
        self.banner.setText(f"Your model <b>{html.escape(model.name)}</b> reads the current image as "
                            f"{describe(preprocessing)}.")
        if image is None:
            self._wanted = None
            self.prediction.setText("Open an image (File ▸ Open image, or drop one here) to run your model on it.")
            return
        request = ModelRequest(model, preprocessing, image, self.app_state.image_name or "the current image")
        self._wanted = request
        if self.shown is None:
            self.prediction.setText(f"Running {model.name}…")
        limit = None if self.state.show_all else CHANNEL_LIMIT
        self._reader.submit(read_image, model, preprocessing, image, limit, context=request)

    def _on_read(self, result: WorkResult) -> None:
        request: ModelRequest = result.context
        if request is not self._wanted:
            return  # a newer image, model or setting was asked for since
        if result.error is not None:
            self.shown = self.detail = None
            self.prediction.setText(f"Could not run {request.model.name} on this image: {result.error}")
            self.caption.setText("Check the input settings (the button above) against how the model was trained.")
            self.overview.set_layers([])
            self.top5.set_probabilities(None)
            self.detail_view.show_message("The channel detail appears once the model has run.")
            self.lesson.commands.post_message(f"Could not run {request.model.name}: {result.error}", 10000)
            return
        value = result.value
        self.shown = {"request": request, **value}
        self.photo_view.set_image(value["preview"])
        self.input_view.set_title(f"what the model sees ({value['input'].shape[0]}×{value['input'].shape[1]})")
        self.input_view.set_image(value["input"])
        names = self._labels(len(value["probabilities"]))
        labels = [short_label(name) for name in names]  # the chart's axis keeps its width for the bars
        if self.top5.labels != labels:
            self._replace_top5(labels)
        p = value["probabilities"]
        self.top5.set_probabilities(p)
        best = int(np.argmax(p))
        self.prediction.setText(f"{short_label(names[best], 60)} ({p[best]:.0%})")
        self.caption.setText(f"{request.name}, resized to the model's {describe(request.preprocessing)} input.")
        self._show_pictures(value["pictures"])
        if self.state.selection is None:
            first = next((layer for layer in request.model.layers() if self._has_kernels(layer)), None)
            if first is not None:
                maps = value["activations"][first.name][0]
                strongest = int(np.argmax(maps.reshape(maps.shape[0], -1).mean(axis=1))) if maps.ndim == 3 else 0
                self.state.select_channel(first.name, strongest)  # its signal asks for the detail
            else:
                self._request_detail()
        else:
            self._request_detail()
        self.result_shown.emit()

    def _labels(self, count: int) -> list[str]:
        labels = list(self._wanted.model.labels if self._wanted is not None else [])
        return labels if len(labels) == count else [str(i) for i in range(count)]

    def _replace_top5(self, labels: list[str]) -> None:
        grid = self.plots.ci
        grid.removeItem(self.top5)
        self.top5 = TopClassesPlot(labels, 5, title=f"top-{min(5, len(labels))} of {len(labels)} classes")
        grid.addItem(self.top5, row=4, col=0)

    def _on_painted(self, result: WorkResult) -> None:
        if result.context is not self._wanted_pictures or result.context[0] is not self.shown:
            return
        if result.error is None:
            self.shown["pictures"] = result.value
            self._show_pictures(result.value)

    def _show_pictures(self, pictures) -> None:
        rows = []
        for picture in pictures:
            more = (f" · first {picture.shown} of {picture.channels}" if picture.shown < picture.channels else "")
            kind = "" if picture.name.endswith(picture.op_type) else f" — {picture.op_type}"
            title = (f"<b>{html.escape(short_name(picture.name))}</b>{kind}  "
                     f"<span style='color:#666'>{picture.shape}{more}</span>")
            columns = None if picture.spatial and picture.maps.shape[1] * picture.maps.shape[2] > 1 else \
                min(128, max(1, picture.maps.shape[0]))
            rows.append(LayerMaps(picture.name, title, picture.maps, picture.levels, columns))
        wide = sum(1 for p in pictures if p.shown < p.channels)
        self.layers_note.setText(
            f"{len(pictures)} layers, each small square one channel (colour = value, dark = low). Click a channel "
            "of a Conv layer to see how it is computed." + (f" {wide} wide layers show their first channels."
                                                           if wide and not self.state.show_all else ""))
        self.overview.setMinimumHeight(self._overview_height(pictures))
        self.overview.set_layers(rows)

    def _overview_height(self, pictures) -> int:
        """Height for the layer list at about :data:`TILE` pixels a channel (the list scrolls)."""
        per_line = max(1, (self.scroll.viewport().width() - 12) // TILE)
        height = 0
        for picture in pictures:
            if picture.spatial and picture.maps.shape[1] * picture.maps.shape[2] > 1:
                height += TITLE_HEIGHT + math.ceil(picture.shown / per_line) * TILE
            else:
                height += TITLE_HEIGHT + LayerMapsOverview.STRIP_HEIGHT
        return height + 8

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.shown is not None:
            self.overview.setMinimumHeight(self._overview_height(self.shown["pictures"]))

    # ================================================================ settings
    def edit_settings(self) -> PreprocessingDialog | None:
        """Change how the model in use reads an image (kept in the app state, so in sessions)."""
        model = self.app_state.external_model
        if model is None:
            return None
        current = self.app_state.external_preprocessing or model.preprocessing
        dialog = PreprocessingDialog(current, model.name, self, fixed_size=getattr(model, "size_fixed", True))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.note.setText(f"How <b>{html.escape(model.name)}</b> reads an image. The session keeps the answer.")

        def done(accepted: int) -> None:
            if not accepted or self.app_state.external_model is not model:
                return
            chosen = dialog.preprocessing()
            if not getattr(model, "size_fixed", True) and tuple(chosen.size) != tuple(model.input_shape[2:]):
                self.lesson.commands.request_model_reopen(chosen)  # the window opens it again for that size
            else:
                self.app_state.set_external_model(model, self.app_state.external_model_path, chosen)

        dialog.finished.connect(done)
        dialog.open()
        return dialog


def attach_user_model_page(lesson, bundled: QWidget) -> UserModelPage:
    """Give ``lesson`` two pages: ``bundled`` (its own) and a :class:`UserModelPage`, shown while a user model is in use.

    Sets ``lesson.user_model`` (the page) and ``lesson.pages`` (the stack).
    """
    page = UserModelPage(lesson)
    pages = QStackedWidget(objectName="photoPages")
    pages.addWidget(bundled)
    pages.addWidget(page)
    layout = QVBoxLayout(lesson)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(pages)
    lesson.user_model, lesson.pages = page, pages

    def show_page(*_) -> None:
        pages.setCurrentWidget(page if lesson.app_state.external_model is not None else bundled)

    lesson.listen(lesson.app_state.events.external_model, show_page)
    show_page()
    if lesson.app_state.external_model is not None:  # a model opened before the lesson was first shown
        lesson.when_shown("user model photo", page.request)
    return page
