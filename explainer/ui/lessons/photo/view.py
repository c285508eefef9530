"""The photo lesson's page: the photo and its 32×32 input, the top-5 classes, the first
layer's kernels, every channel of every layer, and one channel's per-channel sums plus bias.

The state (:class:`~.state.PhotoState`) is the truth: widgets call its setters,
and its signals drive the view. Cropping, shrinking, the network and a
channel's breakdown run in workers; each request carries its inputs as
``context`` and a result is drawn only with its own context.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from ....models import CIFAR10_CLASSES
from ...state import AppState, Commands
from ...widgets.channel_sums import ChannelSumsView
from ...widgets.kernel_patches import KernelPatches
from ...widgets.layer_maps import LayerMaps, LayerMapsOverview
from ...widgets.maps import SIGNED_CMAP
from ...widgets.page_tabs import PageTabs
from ...widgets.panels import ImageView
from ...widgets.steady_label import SteadyLabel
from ...widgets.top_classes import TopClassesPlot
from ...workers import WorkResult
from ..base import Lesson
from .analysis import first_conv_weights, load_photo_model, prepare_photo, signed_stage
from .detail import PICK_A_CHANNEL, BundledChannelDetail
from .external import attach_user_model_page
from .lab import PhotoLab
from .state import EXAMPLE_LIMIT, PAGES, TABS, PhotoState

SOURCE_TEXT = {"image": "Current image (File ▸ Open, drop, or samples)", "cifar": "CIFAR-10 validation photo"}
TERMS = {"feature maps": "conv", "max-pooling": "pool", "average-pooling": "pool", "flatten": "flatten",
         "output": "dense → softmax", "residual sum": "sum"}
#: Smallest side (screen pixels) of a channel's tile under "Every layer"; below it the list scrolls.
MIN_TILE = 16

def strongest_channel(maps: np.ndarray) -> int:
    """The channel of (C, H, W) ``maps`` with the largest mean activation."""
    maps = np.asarray(maps)
    return int(np.argmax(maps.reshape(maps.shape[0], -1).mean(axis=1)))


@dataclass(frozen=True, eq=False)
class PhotoRequest:
    """What one analysis request was about; it comes back with the result (``context``)."""

    source: str  # "image" or "cifar"
    image: np.ndarray  # the photo sent to the worker (the app's image or a CIFAR-10 photo)
    caption: str  # where the photo comes from, shown under the prediction
    title: str  # the photo panel's title
    mirror: bool = False  # also read the mirror image, answer with the average


class PhotoLesson(BundledChannelDetail, Lesson):
    """Classify a photo and open any channel of any layer."""

    lesson_id = "photo"
    #: A photo's result has been drawn (for tests and screenshots).
    photo_shown = Signal()

    def __init__(self, app_state: AppState, commands: Commands, parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, PhotoState(), parent)
        self.model = None
        self.examples = np.zeros((0, 32, 32, 3), np.float32)
        self.example_labels = np.zeros(0, int)
        #: The photo on screen: its request and the worker's result (preview, input, stages, probabilities).
        self.shown: dict | None = None
        #: The channel breakdown on screen, with its layer key, channel and stage.
        self.detail: dict | None = None
        #: The numbers of the pixel spelled out under the channel detail.
        self.pixel_numbers: dict | None = None
        self._wanted_photo: PhotoRequest | None = None
        self._wanted_detail: tuple | None = None
        self._loader = self.make_runner(self._on_model_loaded)
        self._analyser = self.make_runner(self._on_photo_analysed)
        self._detailer = self.make_runner(self._on_detail_computed)
        self._build()
        self._connect()
        self._on_state_source_changed()
        self._on_state_example_changed()
        self._on_state_tab_changed()
        self._on_state_page_changed()
        self._on_state_mirror_changed()
        self.detail_view.show_message(PICK_A_CHANNEL)
        self.prediction.setText("Loading the photo network…")
        self._loader.submit(load_photo_model)

    # ================================================================ layout
    def _build(self) -> None:
        self.source_combo = QComboBox(objectName="photoSourceCombo")
        for key, text in SOURCE_TEXT.items():
            self.source_combo.addItem(text, key)
        self.example_spin = QSpinBox(objectName="exampleSpin", minimum=0, maximum=EXAMPLE_LIMIT - 1)
        self.example_spin.setToolTip("Which bundled CIFAR-10 validation photo to show")
        top = QHBoxLayout()
        top.addWidget(QLabel("Input:"))
        top.addWidget(self.source_combo, 1)
        top.addWidget(QLabel("CIFAR-10 photo #"))
        top.addWidget(self.example_spin)
        self.banner = QLabel(objectName="photoBanner", wordWrap=True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        # Left: the photo, the 32×32 input, the top-5 classes, the first layer's kernels.
        self.left_plots = pg.GraphicsLayoutWidget()
        self.left_plots.setObjectName("photoInputView")
        self.photo_view = ImageView("photo")
        self.input_view = ImageView("network input 32×32")
        self.top5 = TopClassesPlot(list(CIFAR10_CLASSES), 5)
        self.kernels = KernelPatches("first-layer kernels as RGB patches (click one)", parent=self)
        grid = self.left_plots.ci
        for col, panel in enumerate((self.photo_view, self.input_view)):
            grid.addItem(panel.title, row=0, col=col)
            grid.addItem(panel.view, row=1, col=col)
        grid.addItem(self.top5, row=2, col=0, colspan=2)
        grid.addItem(self.kernels.title, row=3, col=0, colspan=2)
        grid.addItem(self.kernels.view, row=4, col=0, colspan=2)
        for row, stretch in ((1, 3), (2, 2), (4, 2)):
            grid.layout.setRowStretchFactor(row, stretch)
        # The two texts that change with every photo hold their size while the new text fits (SteadyLabel).
        self.prediction = SteadyLabel(objectName="photoPrediction", wordWrap=True)
        self.prediction.setStyleSheet("font-size: 15pt; font-weight: 600; color: #c05800;")
        self.caption = SteadyLabel(objectName="photoCaption", wordWrap=True)
        self.caption.setStyleSheet("color: #555;")
        self.send_button = QPushButton("Use this kernel in the convolution lesson", objectName="sendKernelButton",
                                       enabled=False)
        self.send_button.setToolTip("Open a conv1 channel first: its 3×3×3 kernel (batch norm folded in) "
                                    "goes to the convolution lesson")
        left_widget = QWidget()
        left_widget.setFixedWidth(360)
        left = QVBoxLayout(left_widget)
        left.setContentsMargins(0, 0, 0, 0)
        self.mirror_box = QCheckBox("Also read its mirror image and average the two", objectName="photoMirrorBox")
        self.mirror_box.setToolTip("Test-time augmentation: the network reads the photo and the photo with left and "
                                   "right swapped, and answers with the average of the two readings. Every layer "
                                   "still shows the photo itself.")
        for widget, stretch in ((self.prediction, 0), (self.caption, 0), (self.mirror_box, 0), (self.left_plots, 1),
                                (self.send_button, 0)):
            left.addWidget(widget, stretch)

        # Right: every channel of every layer, and one channel in detail.
        self.overview = LayerMapsOverview()
        self.overview.setObjectName("photoOverview")
        self.overview.min_tile = MIN_TILE  # a deep network's rows scroll rather than shrink below it
        self.overview_scroll = QScrollArea(objectName="photoOverviewScroll", widgetResizable=True)
        self.overview_scroll.setWidget(self.overview)
        self.overview_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.overview_scroll.setFrameShape(QFrame.Shape.NoFrame)
        overview_page = QWidget()
        overview_layout = QVBoxLayout(overview_page)
        overview_layout.setContentsMargins(0, 0, 0, 0)
        overview_layout.addWidget(QLabel("Each small square is one channel (colour = activation, dark = 0). Click a "
                                         "channel of a conv layer (or of a shortcut's sum) to see how it is computed. "
                                         "A convolution that ends a residual block has no ReLU yet: its maps are "
                                         "blue below 0 and red above.",
                                         wordWrap=True))
        overview_layout.addWidget(self.overview_scroll, 1)
        self.detail_view = ChannelSumsView()
        self.tabs = QTabWidget(objectName="photoTabs")
        self.tabs.addTab(overview_page, TABS[0])
        self.tabs.addTab(self.detail_view, TABS[1])
        read_page = QWidget()
        body = QHBoxLayout(read_page)
        body.setContentsMargins(0, 4, 0, 0)
        body.addWidget(left_widget)
        body.addWidget(self.tabs, 1)
        self.lab = PhotoLab(self)  # the invariance lab (lab.py): it follows this page's source and photo
        self.page_tabs = PageTabs(objectName="photoPageTabs")
        self.page_tabs.addTab(read_page, PAGES[0])
        self.page_tabs.addTab(self.lab, PAGES[1])
        bundled = QWidget()
        outer = QVBoxLayout(bundled)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(top)
        outer.addWidget(self.banner)
        outer.addWidget(self.page_tabs, 1)
        attach_user_model_page(self, bundled)  # a model of the user's own (File ▸ Open model…) gets its own page

    def _connect(self) -> None:
        state = self.state
        # widgets → state
        self.source_combo.activated.connect(lambda i: setattr(state, "source", self.source_combo.itemData(i)))
        self.example_spin.valueChanged.connect(state.choose_example)
        self.tabs.currentChanged.connect(lambda i: setattr(state, "tab", i))
        self.page_tabs.currentChanged.connect(lambda i: setattr(state, "page", i))
        self.mirror_box.toggled.connect(lambda on: setattr(state, "mirror", bool(on)))
        self.overview.channel_clicked.connect(self._on_overview_channel_clicked)
        self.kernels.patch_clicked.connect(lambda index: self._open_channel("conv1", index))
        self.detail_view.pixel_clicked.connect(state.select_pixel)
        self.send_button.clicked.connect(self.send_kernel)
        # state → view
        state.events.source.connect(self._on_state_source_changed)
        state.events.example.connect(self._on_state_example_changed)
        state.events.tab.connect(self._on_state_tab_changed)
        state.events.page.connect(self._on_state_page_changed)
        state.events.mirror.connect(self._on_state_mirror_changed)
        state.events.selection.connect(self._on_state_selection_changed)
        state.events.pixel.connect(self._render_pixel)
        # shared state: a hidden lesson only notes that it is stale
        self.listen(self.app_state.events.image, self._on_app_image_changed)

    # ================================================================ state → view
    def _on_state_source_changed(self, *_) -> None:
        with QSignalBlocker(self.source_combo):
            self.source_combo.setCurrentIndex(self.source_combo.findData(self.state.source))
        self.when_shown("photo", self.request_photo)

    def _on_state_example_changed(self, *_) -> None:
        with QSignalBlocker(self.example_spin):
            self.example_spin.setValue(self.state.example)
        if self.state.source == "cifar":
            self.when_shown("photo", self.request_photo)

    def _on_state_tab_changed(self, *_) -> None:
        with QSignalBlocker(self.tabs):
            self.tabs.setCurrentIndex(self.state.tab)

    def _on_state_mirror_changed(self, *_) -> None:
        with QSignalBlocker(self.mirror_box):
            self.mirror_box.setChecked(self.state.mirror)
        self.input_view.set_title("input 32×32 | mirror image" if self.state.mirror
                                  else "network input 32×32")
        self.when_shown("photo", self.request_photo)

    def _on_state_page_changed(self, *_) -> None:
        with QSignalBlocker(self.page_tabs):
            self.page_tabs.setCurrentIndex(self.state.page)

    def _on_state_selection_changed(self, *_) -> None:
        selection = self.state.selection
        self.overview.mark(*(selection or (None,)))
        self.kernels.mark(selection[1] if selection and selection[0] == "conv1" else None)
        self._request_detail()

    def _on_app_image_changed(self, *_) -> None:
        if self.state.source == "image":
            self.when_shown("photo", self.request_photo)

    # ================================================================ the photo
    def request_photo(self) -> None:
        """Send the photo the state asks for to the worker (crop, shrink, preview, network)."""
        if self.model is None:
            return  # asked again once the network has loaded
        state = self.state
        if state.source == "cifar":
            count = len(self.examples)
            if count == 0:
                return self._show_problem("No CIFAR-10 photos are bundled with this copy of ConvLens: open a "
                                          "photo of your own (File ▸ Open) and choose “Current image”.")
            if state.example >= count:
                return self._show_problem(f"There are {count} bundled CIFAR-10 photos, numbered 0 to {count - 1}; "
                                          f"there is no photo #{state.example}.")
            label = CIFAR10_CLASSES[int(self.example_labels[state.example])]
            request = PhotoRequest("cifar", self.examples[state.example],
                                   f"CIFAR-10 validation photo #{state.example}: a {label}",
                                   f"CIFAR-10 photo #{state.example}", state.mirror)
        else:
            image = self.app_state.image
            if image is None:
                return self._show_problem("Open a photo (File ▸ Open, drop one here, or a sample) or choose "
                                          "a CIFAR-10 photo above.")
            name = self.app_state.image_name or "the current image"
            request = PhotoRequest("image", image, f"{name} ({image.shape[1]}×{image.shape[0]}), centre crop "
                                   "shrunk to 32×32", "photo (crop outlined)", state.mirror)
        self._wanted_photo = request
        self._analyser.submit(prepare_photo, self.model, request.image, state.selection, mirror=request.mirror,
                              context=request)

    def _show_problem(self, text: str) -> None:
        """Nothing to classify: say why, and take the last photo's answer off the screen."""
        self._wanted_photo = None
        self.shown = None
        self.prediction.setText(text)
        self.caption.setText("")
        for panel in (self.photo_view, self.input_view):
            panel.clear()
        self.top5.set_probabilities(None)
        self.overview.set_layers([])
        self._request_detail()

    def _on_photo_analysed(self, result: WorkResult) -> None:
        request: PhotoRequest = result.context
        if request is not self._wanted_photo:
            return  # the state asked for something else since
        if result.error is not None:
            self._show_problem(f"Could not classify the photo: {result.error}")
            self.commands.post_message(f"Could not classify the photo: {result.error}", 10000)
            return
        value = result.value
        self.shown = {"request": request, **value}
        self.photo_view.set_title(request.title)
        self.photo_view.set_image(value["preview"])
        self.photo_view.mark("crop", value["crop"] if request.source == "image" else None)
        p = value["probabilities"]
        self.top5.set_probabilities(p)
        best = int(np.argmax(p))
        self.prediction.setText(f"{CIFAR10_CLASSES[best]} ({p[best]:.0%})")
        if request.mirror:  # the input and its mirror image side by side, a white column between them
            image = value["input"]
            gap = np.ones((image.shape[0], 2, 3), image.dtype)
            self.input_view.set_image(np.concatenate([image, gap, image[:, ::-1]], axis=1))
            own, mirrored = value["own"], value["mirrored"]
            self.caption.setText(f"{request.caption}; the answer averages the photo "
                                 f"({CIFAR10_CLASSES[int(np.argmax(own))]} {own.max():.0%}) and its mirror image "
                                 f"({CIFAR10_CLASSES[int(np.argmax(mirrored))]} {mirrored.max():.0%})")
        else:
            self.input_view.set_image(value["input"])
            self.caption.setText(request.caption)
        own = value.get("own", p)  # every layer, the output too, is the photo's own reading
        self.overview.set_layers([self._layer_row(stage, own, value["levels"][stage.key])
                                  for stage in value["stages"] if stage.key != "input"])
        first_conv = next((s for s in value["stages"] if s.key.startswith("conv")), None)
        if self.state.selection is None and first_conv is not None:
            # The channel detail opens on the first conv layer's strongest channel, not on an empty page;
            # the state's signal shows it.
            self.state.select_channel(first_conv.key, strongest_channel(first_conv.values))
        else:
            self._on_state_selection_changed()
        self.photo_shown.emit()

    @staticmethod
    def _layer_row(stage, probabilities: np.ndarray, top_level: float) -> LayerMaps:
        if stage.key == "output":
            title = (f"<b>output</b> · dense → softmax over the {len(probabilities)} classes  "
                     f"<span style='color:#666'>{stage.shape}</span>")
            return LayerMaps(stage.key, title, probabilities, (0.0, 1.0), len(probabilities))
        values = stage.values
        if stage.spatial and values.shape[1] * values.shape[2] > 1:
            columns = None  # the overview tiles every layer's maps at one readable size
        else:  # one number per channel (global pooling, dense): one long row
            columns = min(128, values.shape[0])
        title = (f"<b>{stage.title}</b> — {TERMS.get(stage.term, stage.term)}  "
                 f"<span style='color:#666'>shape {stage.shape}</span>")
        if signed_stage(stage):  # no ReLU yet: blue below 0, red above, white at 0
            return LayerMaps(stage.key, title, values, (-top_level, top_level), columns, cmap=SIGNED_CMAP)
        return LayerMaps(stage.key, title, values, (0.0, top_level), columns)

    def stage(self, key: str):
        """The shown photo's stage ``key``, or None."""
        if self.shown is None:
            return None
        return next((s for s in self.shown["stages"] if s.key == key), None)

    # ================================================================ the network
    def _on_model_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            self.show_load_failure(self.banner, "photo network", result.error)
            self.prediction.setText("No photo network to run.")
            return
        payload = result.value
        self.model = payload["model"]
        self.examples, self.example_labels = payload["images"], payload["labels"]
        with QSignalBlocker(self.example_spin):
            self.example_spin.setMaximum(max(0, min(EXAMPLE_LIMIT, len(self.examples)) - 1))
            self.example_spin.setValue(self.state.example)
        self.kernels.set_kernels(first_conv_weights(self.model))
        self.when_shown("photo", self.request_photo)

    # ================================================================ lifecycle
    def is_busy(self) -> bool:
        """Work still running here or in the invariance lab."""
        return super().is_busy() or self.lab.is_busy()

    def shutdown(self) -> None:
        super().shutdown()
        self.lab.shutdown()
