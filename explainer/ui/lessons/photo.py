"""Lesson ``photo``: a trained CIFAR-10 CNN on real photos, every channel of every layer.

The lecture's "convolution on RGB images" on learned weights: pick a photo,
see it shrunk to the network's 32×32 input, the top-5 classes, every channel
of every layer, and, for any channel, how it is computed: per-input-channel
responses, their sum, plus bias, then ReLU, with the exact numbers of any
pixel from :func:`explainer.core.conv_step`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ... import io
from ...core import box_resize, conv2d, conv_step, format_number
from ...models import CIFAR10_CLASSES, folded_conv, load_model, stages
from ..state import AppState
from ..widgets.maps import SIGNED_CMAP, MapsView, colormap
from ..workers import WorkResult
from .base import Lesson

SOURCES = {"image": "Current image (File ▸ Open, drop, or samples)", "cifar": "CIFAR-10 validation photo"}
TERMS = {"feature maps": "conv", "max-pooling": "pool", "average-pooling": "pool", "flatten": "flatten",
         "output": "dense → softmax"}


def to_network_input(image: np.ndarray, side: int = 32) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Centre-crop an (H, W, 3) image to a square and shrink it to ``side``×``side`` by area averaging.

    Returns the (side, side, 3) input and the crop (top, left, size) in the original image.
    """
    h, w = image.shape[:2]
    size = min(h, w)
    top, left = (h - size) // 2, (w - size) // 2
    square = np.asarray(image[top : top + size, left : left + size], dtype=np.float64)
    small = np.stack([box_resize(square[:, :, c], side, side) for c in range(3)], axis=2)
    return np.clip(small, 0.0, 1.0).astype(np.float32), (top, left, size)


def load_photo_model() -> dict:
    model = load_model("cifar10")
    path = io.assets_dir() / "samples" / "cifar10_heldout.npz"
    if path.is_file():
        with np.load(path) as data:
            images, labels = data["images"].astype(np.float32) / 255.0, data["labels"]
    else:
        images, labels = np.zeros((0, 32, 32, 3), np.float32), np.zeros(0, int)
    return {"model": model, "images": images, "labels": labels}


def analyse_photo(model, image32: np.ndarray) -> dict:
    """Run the photo network on one 32×32 RGB input; every stage and the probabilities."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(image32.transpose(2, 0, 1)))[None]
    layer_stages, logits = stages(model, x)
    probabilities = torch.softmax(logits[0], 0).numpy().astype(np.float64)
    return {"input": image32, "stages": layer_stages, "probabilities": probabilities}


def channel_breakdown(stage, channel: int) -> dict:
    """How one conv channel is computed from its input channels, with batch norm folded in."""
    w, b = folded_conv(stage)
    x = stage.input
    pad = stage.module.padding[0]
    kernel = w[channel]
    # Each input channel convolved with its own kernel slice: the per-channel responses.
    responses = np.stack([conv2d(x[c : c + 1], kernel[c : c + 1][None], padding=pad)[0] for c in range(len(x))])
    total = responses.sum(axis=0)
    return {"input": x, "kernel": kernel, "responses": responses, "sum": total, "bias": float(b[channel]),
            "pre": total + b[channel], "relu": np.maximum(total + b[channel], 0.0), "padding": pad,
            "weights": w, "biases": b}


class PhotoState(QObject):
    analysis_changed = Signal(object)
    selection_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.analysis: dict | None = None
        self.selection: tuple[str, int] | None = None  # (stage key, channel)
        self.pixel: tuple[int, int] | None = None

    def set_analysis(self, analysis: dict) -> None:
        self.analysis = analysis
        self.analysis_changed.emit(analysis)

    def set_selection(self, selection) -> None:
        if selection != self.selection:
            self.selection = selection
            self.pixel = None
            self.selection_changed.emit(selection)


class PhotoLesson(Lesson):
    """Classify a photo and open any channel of any layer."""

    lesson_id = "photo"
    analysis_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.photo = PhotoState(self)
        self.model = None
        self.examples = np.zeros((0, 32, 32, 3), np.float32)
        self.example_labels = np.zeros(0, int)
        self.breakdown: dict | None = None
        self._loader = self.make_runner(self._on_model_loaded)
        self._runner = self.make_runner(self._on_analysed)
        self._build()
        self.photo.analysis_changed.connect(self._on_analysis_changed)
        self.photo.selection_changed.connect(self._on_selection_changed)
        self.app_state.image_changed.connect(lambda _i: self._request() if self._source() == "image" else None)
        self._loader.submit(load_photo_model)

    # ================================================================ building
    def _build(self) -> None:
        self.source_combo = QComboBox(objectName="photoSourceCombo")
        for key, text in SOURCES.items():
            self.source_combo.addItem(text, key)
        self.source_combo.activated.connect(lambda _i: self._request())
        self.example_spin = QSpinBox(objectName="exampleSpin", minimum=0, maximum=0)
        self.example_spin.valueChanged.connect(lambda _v: self._on_example_changed())
        top = QHBoxLayout()
        top.addWidget(QLabel("Input:"))
        top.addWidget(self.source_combo, 1)
        top.addWidget(QLabel("#"))
        top.addWidget(self.example_spin)
        self.banner = QLabel(objectName="photoBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        # Left: the photo, the 32×32 input, the top-5 classes, the first layer's kernels.
        self.left_plots = pg.GraphicsLayoutWidget()
        self.left_plots.setObjectName("photoInputView")
        self.source_title = self.left_plots.addLabel("photo (centre crop outlined)", row=0, col=0, size="9pt")
        self.input_title = self.left_plots.addLabel("network input 32×32", row=0, col=1, size="9pt")
        self.source_view = self.left_plots.addViewBox(row=1, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.input_view = self.left_plots.addViewBox(row=1, col=1, lockAspect=True, invertY=True, enableMenu=False)
        for view in (self.source_view, self.input_view):
            view.setMouseEnabled(False, False)
        self.source_image = pg.ImageItem(axisOrder="row-major")
        self.input_image = pg.ImageItem(axisOrder="row-major")
        self.source_view.addItem(self.source_image)
        self.input_view.addItem(self.input_image)
        self.crop_box = pg.RectROI([0, 0], [1, 1], pen=pg.mkPen("#ff9900", width=2), movable=False,
                                   resizable=False, rotatable=False)
        for handle in list(self.crop_box.getHandles()):
            self.crop_box.removeHandle(handle)
        self.source_view.addItem(self.crop_box)
        self.top5_plot = self.left_plots.addPlot(row=2, col=0, colspan=2, title="top-5 classes")
        self.top5_plot.setMouseEnabled(False, False)
        self.top5_plot.setMenuEnabled(False)
        self.top5_plot.hideButtons()
        self.top5_plot.setXRange(0, 1)
        self.top5_plot.setLabel("bottom", "probability")
        self.top5_plot.invertY(True)
        self.top5_bars = pg.BarGraphItem(x0=np.zeros(5), y=np.arange(5), height=0.65, width=np.zeros(5),
                                         brush="#7fa6c9")
        self.top5_plot.addItem(self.top5_bars)
        self.kernels_title = self.left_plots.addLabel("conv1 kernels as RGB patches (click one)", row=3, col=0,
                                                      colspan=2, size="9pt")
        self.kernel_view = self.left_plots.addViewBox(row=4, col=0, colspan=2, lockAspect=True, invertY=True,
                                                      enableMenu=False)
        self.kernel_view.setMouseEnabled(False, False)
        from ..widgets.maps import ClickableImageItem

        self.kernel_patches = ClickableImageItem(axisOrder="row-major")
        self.kernel_patches.click_handler = self._on_kernel_patch_clicked
        self.kernel_view.addItem(self.kernel_patches)
        layout = self.left_plots.ci.layout
        layout.setRowStretchFactor(1, 3)
        layout.setRowStretchFactor(2, 2)
        layout.setRowStretchFactor(4, 2)
        self.prediction = QLabel(objectName="photoPrediction")
        self.prediction.setStyleSheet("font-size: 15pt; font-weight: 600; color: #c05800;")
        self.prediction.setWordWrap(True)
        self.send_button = QPushButton("Use this kernel in the convolution lesson", objectName="sendKernelButton",
                                       enabled=False)
        self.send_button.clicked.connect(self.send_kernel)
        left = QVBoxLayout()
        left.addWidget(self.prediction)
        left.addWidget(self.left_plots, 1)
        left.addWidget(self.send_button)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(360)

        # Overview: every channel of every layer.
        self.overview = pg.GraphicsLayoutWidget()
        self.overview.setObjectName("photoOverview")
        self.layer_titles: dict[str, pg.LabelItem] = {}
        self.layer_views: dict[str, MapsView] = {}
        overview_page = QWidget()
        overview_layout = QVBoxLayout(overview_page)
        overview_layout.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Each small square is one channel (colour = activation, dark = 0). Click a channel of a "
                      "conv layer to see how it is computed.")
        hint.setWordWrap(True)
        overview_layout.addWidget(hint)
        overview_layout.addWidget(self.overview, 1)

        # Channel detail: the lecture's per-channel sums plus bias, on learned weights.
        self.detail_text = QLabel(objectName="channelDetailText")
        self.detail_text.setWordWrap(True)
        self.detail_text.setTextFormat(Qt.TextFormat.RichText)
        self.detail = pg.GraphicsLayoutWidget()
        self.detail.setObjectName("channelDetailView")
        self.detail_views: dict[str, MapsView] = {}
        self.detail_titles: dict[str, pg.LabelItem] = {}
        for row, (key, cmap, title) in enumerate((
                ("input", "viridis", "input channels it reads"),
                ("kernel", SIGNED_CMAP, "its kernel slice for each input channel (batch norm folded in)"),
                ("responses", SIGNED_CMAP, "each input channel convolved with its slice"),
        )):
            self.detail_titles[key] = self.detail.addLabel(title, row=2 * row, col=0, colspan=3, size="9pt",
                                                           justify="left")
            view = MapsView(cmap=cmap, columns=32, parent=self)
            self.detail.addItem(view.view, row=2 * row + 1, col=0, colspan=3)
            self.detail_views[key] = view
        for col, (key, cmap, title) in enumerate((("sum", SIGNED_CMAP, "sum of the responses"),
                                                  ("pre", SIGNED_CMAP, "+ bias"),
                                                  ("relu", "viridis", "ReLU = the channel (click a pixel)"))):
            self.detail_titles[key] = self.detail.addLabel(title, row=6, col=col, size="9pt")
            view = MapsView(cmap=cmap, columns=1, parent=self)
            self.detail.addItem(view.view, row=7, col=col)
            self.detail_views[key] = view
        for key in ("sum", "pre", "relu"):
            self.detail_views[key].cell_clicked.connect(lambda _c, r, q: self.select_pixel(r, q))
        self.detail.ci.layout.setRowStretchFactor(7, 4)
        for col in range(3):
            self.detail.ci.layout.setColumnStretchFactor(col, 1)
        self.pixel_text = QLabel(objectName="pixelNumbers")
        self.pixel_text.setWordWrap(True)
        self.pixel_text.setTextFormat(Qt.TextFormat.RichText)
        self.pixel_text.setStyleSheet("background: #fff8ec; padding: 6px; border-radius: 4px;")
        detail_page = QWidget()
        detail_layout = QVBoxLayout(detail_page)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_text)
        detail_layout.addWidget(self.detail, 1)
        detail_layout.addWidget(self.pixel_text)

        self.tabs = QTabWidget(objectName="photoTabs")
        self.tabs.addTab(overview_page, "Every layer")
        self.tabs.addTab(detail_page, "Channel detail")
        body = QHBoxLayout()
        body.addWidget(left_widget)
        body.addWidget(self.tabs, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(top)
        outer.addWidget(self.banner)
        outer.addLayout(body, 1)

    # ================================================================ inputs
    def _source(self) -> str:
        return self.source_combo.currentData()

    def _on_example_changed(self) -> None:
        if self._source() != "cifar":
            self.source_combo.setCurrentIndex(self.source_combo.findData("cifar"))
        self._request()

    def _request(self) -> None:
        if self.model is None:
            return
        if self._source() == "cifar" and len(self.examples):
            index = self.example_spin.value()
            image = self.examples[index]
            self._original = image
            self._crop = (0, 0, 32)
            self._caption = f"CIFAR-10 validation photo #{index}: a {CIFAR10_CLASSES[self.example_labels[index]]}"
            self._runner.submit(analyse_photo, self.model, image)
            return
        image = self.app_state.image
        if image is None:
            self.prediction.setText("Open a photo (File ▸ Open) or pick a CIFAR-10 photo.")
            return
        small, crop = to_network_input(image)
        self._original, self._crop = image, crop
        self._caption = f"{self.app_state.image_name or 'image'}, centre crop shrunk to 32×32"
        self._runner.submit(analyse_photo, self.model, small)

    # ================================================================ results
    def _on_model_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            self.show_load_failure(self.banner, "photo model", result.error)
            return
        payload = result.value
        self.model = payload["model"]
        self.examples, self.example_labels = payload["images"], payload["labels"]
        self.example_spin.setMaximum(max(0, len(self.examples) - 1))
        self._show_kernel_patches()
        if self.app_state.image is None and len(self.examples):
            self.source_combo.setCurrentIndex(self.source_combo.findData("cifar"))
        self._request()

    def _on_analysed(self, result: WorkResult) -> None:
        if result.error is not None:
            self.app_state.post_message(f"Could not classify the photo: {result.error}", 10000)
            return
        self.photo.set_analysis(result.value)

    def _show_kernel_patches(self) -> None:
        w = self.model.features[0].weight.detach().numpy()  # (out channels, 3, k, k)
        k = w.shape[-1]
        self._patch_columns = -(-len(w) // 2)  # two rows
        patches = np.ones((2 * (k + 1) - 1, self._patch_columns * (k + 1) - 1, 3), np.float32)
        for i, kernel in enumerate(w):
            rgb = kernel.transpose(1, 2, 0)
            rgb = 0.5 + 0.5 * rgb / (np.abs(rgb).max() or 1.0)  # grey = 0, as is usual for RGB kernels
            r, c = divmod(i, self._patch_columns)
            patches[r * (k + 1) : r * (k + 1) + k, c * (k + 1) : c * (k + 1) + k] = rgb
        self.kernel_patches.setImage(patches, autoLevels=False, levels=(0, 1))
        self.kernel_view.setRange(QRectF(0, 0, patches.shape[1], patches.shape[0]), padding=0.02)
        self._patch_step = k + 1

    def _on_analysis_changed(self, analysis: dict) -> None:
        image = self._original
        self.source_image.setImage(image, autoLevels=False, levels=(0, 1))
        self.source_view.setRange(QRectF(0, 0, image.shape[1], image.shape[0]), padding=0.02)
        top, left, size = self._crop
        self.crop_box.setPos([left, top])
        self.crop_box.setSize([size, size])
        self.input_image.setImage(analysis["input"], autoLevels=False, levels=(0, 1))
        self.input_view.setRange(QRectF(0, 0, 32, 32), padding=0.02)
        p = analysis["probabilities"]
        order = np.argsort(p)[::-1][:5]
        self.top5_bars.setOpts(width=p[order], brushes=[pg.mkBrush("#e07b00" if i == 0 else "#7fa6c9")
                                                        for i in range(5)])
        self.top5_plot.getAxis("left").setTicks([[(i, CIFAR10_CLASSES[c]) for i, c in enumerate(order)]])
        self.prediction.setText(f"{CIFAR10_CLASSES[order[0]]} ({p[order[0]]:.0%})")
        self.prediction.setToolTip(self._caption)
        self.input_title.setText("network input 32×32")
        by_key = {s.key: s for s in analysis["stages"]}
        self._build_overview([s for s in analysis["stages"] if s.key != "input"])
        for key, view in self.layer_views.items():
            stage = by_key.get(key)
            if stage is None:
                continue
            if key == "output":
                view.set_maps(p.reshape(-1, 1, 1), (0.0, 1.0))
                title = f"<b>output</b> · dense → softmax over the 10 classes  <span style='color:#666'>{stage.shape}</span>"
            else:
                values = stage.values if stage.spatial else stage.values.reshape(-1, 1, 1)
                top_level = float(np.percentile(values, 99.5)) or float(values.max()) or 1.0
                view.set_maps(values, (0.0, top_level))
                term = TERMS.get(stage.term, stage.term)
                title = f"<b>{stage.title}</b> — {term}  <span style='color:#666'>shape {stage.shape}</span>"
            self.layer_titles[key].setText(title)
        if self.photo.selection is not None:
            self._on_selection_changed(self.photo.selection)
        self.analysis_shown.emit()

    def _build_overview(self, stages: list) -> None:
        """One row per layer of the network (built once per architecture): a title and every channel."""
        keys = [stage.key for stage in stages]
        if keys == list(self.layer_views):
            return
        self.overview.clear()
        self.layer_titles.clear()
        self.layer_views.clear()
        self._overview_views = []  # keep the Python wrappers alive
        for row, stage in enumerate(stages):
            channels = stage.values.shape[0]
            if stage.key == "output":
                columns = channels
            elif stage.spatial and stage.values.shape[1] * stage.values.shape[2] > 1:
                columns = min(32, channels)
            else:  # one number per channel (global pooling, dense): one long row
                columns = min(128, channels)
            title = self.overview.addLabel("", row=2 * row, col=0, size="9pt", justify="left")
            view = MapsView(columns=columns, parent=self)
            view.cell_clicked.connect(lambda c, r, q, k=stage.key: self.select_channel(k, c))
            self.overview.addItem(view.view, row=2 * row + 1, col=0)
            self.layer_titles[stage.key] = title
            self.layer_views[stage.key] = view
            self._overview_views.append(view)

    # ================================================================ channel detail
    def _stage(self, key: str):
        if self.photo.analysis is None:
            return None
        return next((s for s in self.photo.analysis["stages"] if s.key == key), None)

    def select_channel(self, key: str, channel: int) -> None:
        stage = self._stage(key)
        if stage is None or not key.startswith("conv"):
            self.app_state.post_message("Pooling and dense layers have no kernels to open; click a conv layer.")
            return
        self.photo.set_selection((key, channel))
        self.tabs.setCurrentIndex(1)

    def _on_selection_changed(self, selection) -> None:
        for view in self.layer_views.values():
            view.mark(None)
        if selection is None:
            return
        key, channel = selection
        stage = self._stage(key)
        if stage is None:
            return
        self.layer_views[key].mark(channel, 0, 0, *stage.values.shape[1:])
        info = channel_breakdown(stage, channel)
        self.breakdown = {**info, "stage": stage, "channel": channel}
        c_in = info["input"].shape[0]
        limit_in = float(np.percentile(np.abs(info["input"]), 99.5)) or 1.0
        signed_in = info["input"].min() < 0
        self.detail_views["input"].image.setColorMap(colormap(SIGNED_CMAP if signed_in else "viridis"))
        self.detail_views["input"].set_maps(info["input"], (-limit_in, limit_in) if signed_in else (0, limit_in))
        limit_k = float(np.abs(info["kernel"]).max()) or 1.0
        self.detail_views["kernel"].set_maps(info["kernel"], (-limit_k, limit_k))
        limit_r = float(np.abs(info["responses"]).max()) or 1.0
        self.detail_views["responses"].set_maps(info["responses"], (-limit_r, limit_r))
        limit_s = float(np.abs(info["pre"]).max()) or 1.0
        for name in ("sum", "pre"):
            self.detail_views[name].set_maps(info[name][None], (-limit_s, limit_s))
        self.detail_views["relu"].set_maps(info["relu"][None], (0.0, limit_s))
        where = "the normalised photo (the network subtracts the CIFAR-10 mean and divides by the spread)" \
            if key == "conv1" else "the previous layer's output"
        self.detail_text.setText(
            f"<b>{stage.title}, channel {channel}</b>: reads all {c_in} channels of {where}. Each is convolved "
            f"with its own {info['kernel'].shape[-1]}×{info['kernel'].shape[-1]} kernel slice, the {c_in} "
            f"responses are summed, the bias {format_number(info['bias'], 3)} is added, and ReLU keeps the positive "
            "part. Batch norm is folded into the kernel and bias, as it is at inference.")
        self.detail_titles["input"].setText(f"input channels it reads ({c_in})")
        self.send_button.setEnabled(key == "conv1")
        self.select_pixel(*[d // 2 for d in info["relu"].shape])

    def select_pixel(self, row: int, col: int) -> None:
        """Show the exact numbers of one output pixel of the selected channel (conv_step on real weights)."""
        if self.breakdown is None:
            return
        info, stage, channel = self.breakdown, self.breakdown["stage"], self.breakdown["channel"]
        step = conv_step(info["input"], info["weights"][channel], info["biases"][channel], row, col,
                         padding=info["padding"])
        relu = max(step.value, 0.0)
        model_value = float(stage.values[channel, row, col])
        self.breakdown["step"] = step
        self.breakdown["pixel_relu"] = relu
        for name in ("sum", "pre", "relu"):
            self.detail_views[name].mark(0, row, col)
        sums = [format_number(v, 3) for v in step.channel_sums]
        shown = " + ".join(f"({s})" if s.startswith("−") else s for s in sums[:8])
        more = f" + … ({len(sums) - 8} more)" if len(sums) > 8 else ""
        self.pixel_text.setText(
            f"Pixel ({row}, {col}): per-channel sums {shown}{more} = {format_number(step.channel_sums.sum(), 4)}; "
            f"+ bias {format_number(step.bias, 4)} = {format_number(step.value, 4)}; ReLU → "
            f"<b>{format_number(relu, 4)}</b>. The network's own activation: {format_number(model_value, 4)}.")

    def _on_kernel_patch_clicked(self, y: float, x: float) -> None:
        step = getattr(self, "_patch_step", 4)
        r, c = int(y) // step, int(x) // step
        channel = r * getattr(self, "_patch_columns", 16) + c
        if self.model is not None and channel < self.model.features[0].out_channels:
            self.select_channel("conv1", channel)

    def send_kernel(self) -> None:
        """Send the selected conv1 kernel (batch norm folded in) to the convolution lesson."""
        if self.breakdown is None or self.breakdown["stage"].key != "conv1":
            return
        channel = self.breakdown["channel"]
        # Open the lesson first, so that it exists and listens when the kernel arrives.
        self.app_state.request_lesson("convolution")
        self.app_state.send_kernel({"weights": np.round(self.breakdown["kernel"], 3), "bias": round(
            self.breakdown["bias"], 3), "name": f"photo network conv1 kernel {channel}"})


def create(state: AppState, parent: QWidget | None = None) -> PhotoLesson:
    return PhotoLesson(state, parent)
