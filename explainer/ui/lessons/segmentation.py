"""Lesson ``segmentation``: FCN-32s, 16s and 8s label every pixel of a scene of digits.

Draw digits (each stroke in a class colour, so the drawing carries its own
ground truth), or take a random scene of held-out digits, or load a picture.
The three variants run side by side with the lecture's four panels (image,
ground truth, prediction, overlap) and its metrics: pixel accuracy and
per-class Jaccard / IoU graded Poor, Good, Excellent. Two more tabs show the
architecture and step through a transposed convolution.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ... import io
from ...core import (
    box_resize,
    confusion_matrix,
    conv_transpose2d,
    format_number,
    grade_iou,
    looks_inverted,
    mean_iou,
    overlap_map,
    transposed_output_size,
)
from ...models import inference_copy, load_model
from ...models.fcn import VARIANTS
from ...core import boundary_band as boundary_mask
from ...core import error_split
from ...data.scenes import CLASS_NAMES, NUM_CLASSES, SCENE_SIDE, make_scene
from ..state import AppState
from ..widgets.drawing_pad import DrawingPad
from ..widgets.matrix_grid import MatrixGrid
from ..workers import WorkResult
from .base import Lesson

#: Class colours: background near-black, digits 0–9 in distinct, colour-blind-friendly hues.
PALETTE = np.array([
    [25, 25, 25], [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178],
    [213, 94, 0], [204, 121, 167], [160, 160, 160], [120, 70, 180], [140, 200, 80]], dtype=np.uint8)
#: Overlap colours: true negative, true positive, false positive, false negative.
OVERLAP = np.array([[25, 25, 25], [0, 114, 178], [230, 159, 0], [204, 51, 153]], dtype=np.uint8)
OVERLAP_NAMES = ("background (TN)", "right (TP)", "false positive (FP)", "false negative (FN)")
#: Where-the-errors-are colours: elsewhere, boundary band, wrong at a boundary, wrong elsewhere.
ERROR_PLACES = np.array([[25, 25, 25], [85, 85, 85], [230, 159, 0], [204, 51, 153]], dtype=np.uint8)
GRADE_COLORS = {"Poor": "#c0392b", "Good": "#b7950b", "Excellent": "#1e8449"}
TITLES = {"fcn32s": "FCN-32s", "fcn16s": "FCN-16s", "fcn8s": "FCN-8s"}
ERRORS_TITLE = "FCN-8s errors"
ERROR_NAMES = ("boundary band", "wrong at a boundary", "wrong elsewhere")
PEN_FRACTION = 3.6 / SCENE_SIDE  # strokes about as thick as in the scenes


#: What an image panel shows when there is nothing to show (no ground truth to compare with).
BLANK = np.full((SCENE_SIDE, SCENE_SIDE, 3), 60, np.uint8)


def swatch_legend(title: str, colours: np.ndarray, names) -> QLabel:
    """A wrapping label of white-on-colour swatches, one per name."""
    label = QLabel(f"{title} " + " ".join(
        f"<span style='background: rgb({r},{g},{b}); color: white'>&nbsp;{name}&nbsp;</span>"
        for (r, g, b), name in zip(colours, names)))
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    return label


def colorize(labels: np.ndarray, palette: np.ndarray = PALETTE) -> np.ndarray:
    """(H, W) class indices → (H, W, 3) uint8 colours."""
    return np.take(palette, np.asarray(labels, dtype=np.int64), axis=0)  # 4× faster than palette[labels]


# ---------------------------------------------------------------- background work (no Qt)


def load_fcns() -> dict:
    """The three bundled FCNs (``models``), their fused copies for live runs (``live``) and held-out digits."""
    models = {variant: load_model(variant) for variant in VARIANTS}
    digits, labels = io.heldout_digits()
    return {"models": models, "live": {name: inference_copy(model) for name, model in models.items()},
            "digits": digits, "labels": labels}


#: Threads that run the three variants at once (one torch thread each, so they share the cores).
_VARIANT_POOL = ThreadPoolExecutor(max_workers=len(VARIANTS), thread_name_prefix="fcn-variant")


def _variant_pool() -> ThreadPoolExecutor:
    return _VARIANT_POOL


def segment_one(model, x, truth: np.ndarray | None) -> dict:
    """One FCN on a (1, 1, H, W) tensor: its label map and, given the truth, every score."""
    import torch

    with torch.inference_mode():
        # max(0).indices: the same labels as argmax(0), which is 6× slower on CPU for this layout.
        pred = model(x)[0].max(0).indices.numpy()
    entry = {"pred": pred}
    if truth is not None:
        # One confusion matrix gives every score (the same formulas as explainer.core.metrics).
        cm = confusion_matrix(pred, truth, NUM_CLASSES)
        inter = np.diag(cm).astype(np.float64)
        union = cm.sum(0) + cm.sum(1) - np.diag(cm)
        iou = np.where(union > 0, inter / np.maximum(union, 1), np.nan)
        entry.update(pixel_accuracy=float(inter.sum() / cm.sum()), iou=iou, miou=float(np.nanmean(iou)),
                     overlap=overlap_map(pred, truth), errors=error_split(pred, truth))
    return entry


def segment(models: dict, image: np.ndarray, truth: np.ndarray | None) -> dict:
    """Run every FCN on a (96, 96) image, the variants in parallel; predictions and, given the truth, every metric."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))[None, None]
    x = x.contiguous(memory_format=torch.channels_last)
    futures = {name: _variant_pool().submit(segment_one, model, x, truth) for name, model in models.items()}
    out = {"image": image, "truth": truth, "variants": {name: f.result() for name, f in futures.items()}}
    if truth is not None and "fcn8s" in out["variants"]:
        out["errors_map"] = error_places(out["variants"]["fcn8s"]["pred"], truth)
    return out


def error_places(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(H, W) codes: 0 elsewhere, 1 boundary band of the truth, 2 wrong at a boundary, 3 wrong elsewhere."""
    band = boundary_mask(truth)
    wrong = pred != truth
    return np.where(wrong, np.where(band, 2, 3), np.where(band, 1, 0)).astype(np.uint8)


def picture_to_scene(path: str) -> np.ndarray:
    """Any picture as a 96×96 white-on-black scene (dark ink on paper is inverted)."""
    grey = io.to_grayscale(io.load_image(path, max_side=1024))
    if looks_inverted(grey):
        grey = 1.0 - grey
    h, w = grey.shape
    size = min(h, w)
    square = grey[(h - size) // 2 : (h - size) // 2 + size, (w - size) // 2 : (w - size) // 2 + size]
    return np.clip(box_resize(square, SCENE_SIDE, SCENE_SIDE), 0, 1).astype(np.float32)


# ---------------------------------------------------------------- widgets


class ArchitectureStrip(QWidget):
    """The FCN backbone with its shapes, and where each variant fuses and upsamples."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stages: list[tuple[str, str]] = []
        self.setMinimumHeight(330)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_model(self, model) -> None:
        from ...models.summary import summarize

        rows = summarize(model, (1, 1, SCENE_SIDE, SCENE_SIDE))
        shapes = {}
        for row in rows:
            top = row.name.split(".")[0]
            shapes[top] = row.output_shape  # last output of each top-level block
        self.stages = [("input", f"1×{SCENE_SIDE}×{SCENE_SIDE}")]
        for i in range(1, 6):
            n, c, h, w = shapes[f"stage{i}"]
            self.stages.append((f"pool{i}", f"{c}×{h}×{w}\nstride {SCENE_SIDE // h}"))
        for key, text in (("fc6", "fc6: FC → 3×3 conv"), ("fc7", "fc7: FC → 1×1 conv"),
                          ("score_fr", "score: 1×1 conv")):
            n, c, h, w = shapes[key]
            self.stages.append((text, f"{c}×{h}×{w}"))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self.stages:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        n = len(self.stages)
        margin, gap = 10, 8
        box_w = (self.width() - 2 * margin - (n - 1) * gap) / n
        box_h = 62
        y = 14
        font = QFont(self.font())
        font.setPointSizeF(8.5)
        bold = QFont(font)
        bold.setBold(True)
        centres = []
        for i, (name, text) in enumerate(self.stages):
            x = margin + i * (box_w + gap)
            rect = QRectF(x, y, box_w, box_h)
            color = QColor(220, 220, 220) if i == 0 else (QColor(86, 180, 233) if name.startswith("pool")
                                                            else QColor(230, 159, 0))
            painter.setBrush(color.lighter(130))
            painter.setPen(QPen(color.darker(150), 1.2))
            painter.drawRoundedRect(rect, 5, 5)
            painter.setFont(bold)
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(rect.adjusted(3, 3, -3, -3), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter |
                             Qt.TextFlag.TextWordWrap, name)
            painter.setFont(font)
            painter.drawText(rect.adjusted(3, 20, -3, -2), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             text)
            if i:
                painter.drawLine(int(x - gap), int(y + box_h / 2), int(x), int(y + box_h / 2))
            centres.append(x + box_w / 2)
        pool3, pool4, score = centres[3], centres[4], centres[-1]
        lanes = [
            ("FCN-32s", QColor(213, 94, 0), [(score, "score ×32 (one transposed conv, kernel 64)")]),
            ("FCN-16s", QColor(0, 114, 178), [(score, "score ×2"), (pool4, "+ pool4 score (1×1 conv)"),
                                             (pool4, "→ ×16 (kernel 32)")]),
            ("FCN-8s", QColor(0, 158, 115), [(score, "score ×2"), (pool4, "+ pool4 score, ×2"),
                                            (pool3, "+ pool3 score (1×1 conv)"), (pool3, "→ ×8 (kernel 16)")]),
        ]
        lane_y = y + box_h + 40
        for name, color, steps in lanes:
            painter.setPen(QPen(color, 2.5))
            painter.setFont(bold)
            painter.drawText(QRectF(margin, lane_y - 12, 90, 24), Qt.AlignmentFlag.AlignVCenter, name)
            xs = [x for x, _ in steps]
            painter.drawLine(int(min(xs + [score])), int(lane_y), int(max(xs + [score])), int(lane_y))
            for x, _ in steps:
                painter.drawLine(int(x), int(y + box_h), int(x), int(lane_y))
            painter.setFont(font)
            label = "   ".join(text for _, text in steps) + f"   → {SCENE_SIDE}×{SCENE_SIDE}×11 scores"
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(QRectF(margin + 90, lane_y + 4, self.width() - 2 * margin - 90, 22),
                             Qt.AlignmentFlag.AlignLeft, label)
            lane_y += 62
        painter.setFont(font)
        painter.drawText(QRectF(margin, lane_y - 10, self.width() - 2 * margin, 60),
                         Qt.TextFlag.TextWordWrap,
                         "Downsampling path (what): five stages halve the resolution down to 3×3 at stride 32. "
                         "The classifier's fully connected layers become convolutions, so the net works on any "
                         "input whose sides are multiples of 32. Upsampling path (where): transposed convolutions "
                         "start as bilinear interpolation and are trained; fusing finer pool4/pool3 scores lets "
                         "16s and 8s place boundaries more precisely than 32s.")
        painter.end()


class TransposedStepper(QWidget):
    """Step a transposed convolution: each input cell stamps a scaled copy of the kernel into the output."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x = np.array([[1.0, 2.0, 1.0], [0.0, 3.0, 1.0], [2.0, 1.0, 0.0]])
        self.k = np.ones((3, 3))
        self.stride, self.padding, self.step_index = 2, 0, 0
        self.size_spin = QSpinBox(objectName="tconvKernelSpin", minimum=1, maximum=5, value=3)
        self.stride_spin = QSpinBox(objectName="tconvStrideSpin", minimum=1, maximum=3, value=2)
        self.padding_spin = QSpinBox(objectName="tconvPaddingSpin", minimum=0, maximum=2, value=0)
        for spin in (self.size_spin, self.stride_spin, self.padding_spin):
            spin.valueChanged.connect(self._on_settings_changed)
        self.back_button = QPushButton("◀ Step", objectName="tconvBackButton")
        self.next_button = QPushButton("Step ▶", objectName="tconvStepButton")
        self.all_button = QPushButton("All stamps", objectName="tconvAllButton")
        self.back_button.clicked.connect(lambda: self.set_step(self.step_index - 1))
        self.next_button.clicked.connect(lambda: self.set_step(self.step_index + 1))
        self.all_button.clicked.connect(lambda: self.set_step(self.x.size))
        self.input_grid = MatrixGrid(editable=True, shading="grey")
        self.input_grid.setObjectName("tconvInput")
        self.kernel_grid = MatrixGrid(editable=True, shading="signed")
        self.kernel_grid.setObjectName("tconvKernel")
        self.output_grid = MatrixGrid(shading="grey")
        self.output_grid.setObjectName("tconvOutput")
        self.count_grid = MatrixGrid(shading="grey")
        self.count_grid.setObjectName("tconvCounts")
        self.compare = {k: MatrixGrid(shading="grey") for k in (3, 4)}
        self.input_grid.value_edited.connect(self._on_input_edited)
        self.kernel_grid.value_edited.connect(self._on_kernel_edited)
        self.formula = QLabel(objectName="tconvFormula")
        self.formula.setWordWrap(True)
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setStyleSheet("font-size: 12pt;")
        self.stamp_text = QLabel(objectName="tconvStampText")
        self.stamp_text.setWordWrap(True)
        controls = QHBoxLayout()
        for label, widget in (("kernel", self.size_spin), ("stride", self.stride_spin), ("padding", self.padding_spin)):
            controls.addWidget(QLabel(label))
            controls.addWidget(widget)
        controls.addSpacing(12)
        for button in (self.back_button, self.next_button, self.all_button):
            controls.addWidget(button)
        controls.addStretch(1)
        grids = QGridLayout()
        titles = ("input (click to edit)", "kernel (click to edit)", "output so far", "stamps covering each pixel")
        for col, (title, grid) in enumerate(zip(titles, (self.input_grid, self.kernel_grid, self.output_grid,
                                                          self.count_grid))):
            grids.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
            grids.addWidget(grid, 1, col, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grids.setColumnStretch(4, 1)
        compare = QHBoxLayout()
        for k, grid in self.compare.items():
            box = QVBoxLayout()
            box.addWidget(QLabel(f"<b>stride 2, kernel {k}</b>: stamps per pixel"))
            box.addWidget(grid, 0, Qt.AlignmentFlag.AlignLeft)
            compare.addLayout(box)
        compare.addStretch(1)
        self.compare_note = QLabel(
            "With stride 2, a 3×3 kernel's stamps overlap on every other row and column. The uneven "
            "checkerboard of counts (1, 2, 4) turns into checkerboard artefacts. A 4×4 kernel (a multiple of the "
            "stride, as FCN's bilinear upsamplers use) covers the inside evenly.")
        self.compare_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.formula)
        layout.addWidget(self.stamp_text)
        layout.addLayout(grids)
        layout.addWidget(self.compare_note)
        layout.addLayout(compare)
        layout.addStretch(1)
        self._update()

    def _on_settings_changed(self) -> None:
        k = self.size_spin.value()
        if self.k.shape[0] != k:
            self.k = np.ones((k, k))
        self.stride, self.padding = self.stride_spin.value(), self.padding_spin.value()
        self._update()

    def _on_input_edited(self, r, c, v) -> None:
        self.x[r, c] = v
        self._update()

    def _on_kernel_edited(self, r, c, v) -> None:
        self.k[r, c] = v
        self._update()

    def set_step(self, index: int) -> None:
        self.step_index = int(np.clip(index, 0, self.x.size))
        self._update()

    def full_output(self) -> np.ndarray:
        return conv_transpose2d(self.x[None], self.k[None, None], stride=self.stride, padding=self.padding)[0]

    def _update(self) -> None:
        s, p, k = self.stride, self.padding, self.k.shape[0]
        n = self.x.shape[0]
        full_side = s * (n - 1) + k
        try:
            out_side = transposed_output_size(n, k, s, p)
        except ValueError as exc:
            self.formula.setText(f"<b>Impossible setting:</b> {exc}")
            self.output_grid.hide()
            self.count_grid.hide()
            return
        self.output_grid.show()
        self.count_grid.show()
        self.formula.setText(f"o = s(i − 1) + k − 2p + output_padding = {s}·({n} − 1) + {k} − 2·{p} + 0 = "
                             f"<b>{out_side}</b>  (from <code>explainer.core.conv_transpose2d</code>)")
        # Stamps 1..step on the uncropped canvas, then crop the padding, as conv_transpose2d does.
        canvas = np.zeros((full_side, full_side))
        counts = np.zeros((full_side, full_side))
        cells = [(r, c) for r in range(n) for c in range(n)]
        for r, c in cells[: self.step_index]:
            canvas[r * s : r * s + k, c * s : c * s + k] += self.x[r, c] * self.k
            counts[r * s : r * s + k, c * s : c * s + k] += 1
        crop = slice(p, p + out_side)
        self.partial = canvas[crop, crop]
        self.counts = counts[crop, crop]
        self.input_grid.set_cell_size(40)
        self.input_grid.set_values(self.x)
        self.kernel_grid.set_cell_size(40)
        self.kernel_grid.set_values(self.k)
        cell = int(np.clip(300 / out_side, 16, 40))
        self.output_grid.set_cell_size(cell)
        self.output_grid.set_values(self.partial)
        self.count_grid.set_cell_size(cell)
        self.count_grid.set_values(self.counts, levels=(0, max(1.0, float(self.counts.max()))))
        if 0 < self.step_index <= n * n:
            r, c = cells[self.step_index - 1]
            self.input_grid.set_highlight("window", [(r, c)])
            stamp = [(r * s + i - p, c * s + j - p) for i in range(k) for j in range(k)
                     if 0 <= r * s + i - p < out_side and 0 <= c * s + j - p < out_side]
            self.output_grid.set_highlight("window", stamp)
            self.stamp_text.setText(f"Stamp {self.step_index} of {n * n}: input cell ({r}, {c}) = "
                                    f"{format_number(self.x[r, c])} adds {format_number(self.x[r, c])} × kernel at "
                                    f"output rows {r * s - p}…, columns {c * s - p}… (stride {s}).")
        else:
            self.input_grid.set_highlight("window", None)
            self.output_grid.set_highlight("window", None)
            self.stamp_text.setText("Press Step to stamp the first input cell." if self.step_index == 0 else "")
        for kk, grid in self.compare.items():
            counts = conv_transpose2d(np.ones((1, 3, 3)), np.ones((1, 1, kk, kk)), stride=2)[0]
            grid.set_cell_size(24)
            grid.set_values(counts, levels=(0, 4))


# ---------------------------------------------------------------- lesson state and lesson


class SegmentationState(QObject):
    """The input scene, its ground truth (or None) and where it came from."""

    scene_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.image = np.zeros((SCENE_SIDE, SCENE_SIDE), np.float32)
        self.truth: np.ndarray | None = np.zeros((SCENE_SIDE, SCENE_SIDE), np.int64)
        self.source = "drawing"

    def set_scene(self, image: np.ndarray, truth: np.ndarray | None, source: str) -> None:
        self.image, self.truth, self.source = image, truth, source
        self.scene_changed.emit()


class SegmentationLesson(Lesson):
    lesson_id = "segmentation"
    results_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.seg = SegmentationState(self)
        self.models: dict | None = None  # the bundled FCNs, as the architecture tab shows them
        self.live_models: dict | None = None  # their fused copies, run on every stroke
        self.digits = np.zeros((0, 28, 28), np.float32)
        self.digit_labels = np.zeros(0, np.int64)
        self.results: dict | None = None
        # Ground truth of what lies under the strokes: zeros for a blank pad, a random scene's
        # labels, or None for a loaded picture (nothing to score against).
        self._base_truth: np.ndarray | None = np.zeros((SCENE_SIDE, SCENE_SIDE), np.int64)
        self._base_kind = "your drawing"
        self._rng = np.random.default_rng()
        self._loader = self.make_runner(self._on_models_loaded)
        self._runner = self.make_runner(self._on_segmented)
        self._files = self.make_runner(self._on_file_loaded)
        self._build()
        self.seg.scene_changed.connect(self._request)
        self._loader.submit(load_fcns)

    # ================================================================ building
    def _build(self) -> None:
        self.pad = DrawingPad(resolution=SCENE_SIDE, pen_fraction=PEN_FRACTION,
                              hint="Pick a digit colour, then draw digits")
        self.pad.setObjectName("sceneCanvas")
        self.pad.tag_colors = {d: QColor(*PALETTE[d + 1]) for d in range(10)}
        self.pad.current_tag = 0
        self.pad.drawing_changed.connect(self._on_pad_changed)
        self.pad.stroke_finished.connect(self._on_pad_changed)
        self.class_buttons = QButtonGroup(self)
        palette = QGridLayout()
        for d in range(10):
            button = QPushButton(str(d), objectName=f"classButton{d}", checkable=True)
            r, g, b = PALETTE[d + 1]
            button.setStyleSheet(f"QPushButton {{ background: rgb({r},{g},{b}); font-weight: 700; }}"
                                 "QPushButton:checked { border: 3px solid black; }")
            button.setToolTip(f"Draw the next strokes as {CLASS_NAMES[d + 1]}")
            self.class_buttons.addButton(button, d)
            palette.addWidget(button, d // 5, d % 5)
        self.class_buttons.button(0).setChecked(True)
        self.class_buttons.idClicked.connect(self.set_class)
        self.undo_button = QPushButton("Undo", objectName="segUndoButton")
        self.clear_button = QPushButton("Clear", objectName="segClearButton")
        self.scene_button = QPushButton("Random scene", objectName="randomSceneButton",
                                        toolTip="1–4 held-out MNIST digits with their true labels")
        self.file_button = QPushButton("Open image…", objectName="segFileButton")
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button.clicked.connect(self.clear)
        self.scene_button.clicked.connect(lambda: self.random_scene())
        self.file_button.clicked.connect(self._on_file_button_clicked)
        buttons = QGridLayout()
        for i, b in enumerate((self.undo_button, self.clear_button, self.scene_button, self.file_button)):
            buttons.addWidget(b, i // 2, i % 2)
        self.source_label = QLabel(objectName="sceneSource")
        self.source_label.setWordWrap(True)
        self.banner = QLabel(objectName="segBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;")
        self.banner.hide()
        legend = QLabel(" ".join(
            f"<span style='background: rgb({r},{g},{b}); color: {'white' if i in (0, 5, 9) else 'black'}'>"
            f"&nbsp;{'bg' if i == 0 else i - 1}&nbsp;</span>" for i, (r, g, b) in enumerate(PALETTE)))
        legend.setTextFormat(Qt.TextFormat.RichText)
        overlap_legend = swatch_legend("Overlap:", OVERLAP, OVERLAP_NAMES)
        errors_legend = swatch_legend("FCN-8s errors:", ERROR_PLACES[1:], ERROR_NAMES)
        left = QVBoxLayout()
        left.addWidget(self.pad, 4)
        colour_note = QLabel("Digit colour of the next stroke (its ground truth):")
        colour_note.setWordWrap(True)
        left.addWidget(colour_note)
        left.addLayout(palette)
        left.addLayout(buttons)
        left.addWidget(self.source_label)
        left.addWidget(self.banner)
        left.addWidget(QLabel("Class colours:"))
        left.addWidget(legend)
        left.addWidget(overlap_legend)
        left.addWidget(errors_legend)
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(250)

        # Panels: image and ground truth, then prediction and overlap of each variant.
        self.panels = pg.GraphicsLayoutWidget()
        self.panels.setObjectName("segPanels")
        self.views: dict[str, pg.ImageItem] = {}
        self.panel_titles: dict[str, pg.LabelItem] = {}

        def add(key, title, row, col):
            self.panel_titles[key] = self.panels.addLabel(title, row=row, col=col, size="9pt")
            view = self.panels.addViewBox(row=row + 1, col=col, lockAspect=True, invertY=True, enableMenu=False)
            view.setMouseEnabled(False, False)
            item = pg.ImageItem(axisOrder="row-major")
            view.addItem(item)
            view.setRange(QRectF(0, 0, SCENE_SIDE, SCENE_SIDE), padding=0.02)
            self.views[key] = item

        add("image", "image", 0, 0)
        add("truth", "ground truth", 0, 1)
        add("errors", ERRORS_TITLE, 0, 2)
        for col, variant in enumerate(VARIANTS):
            add(f"{variant}/pred", f"{TITLES[variant]}: prediction", 2, col)
            add(f"{variant}/overlap", f"{TITLES[variant]}: overlap", 4, col)
        self.metrics = QTableWidget(objectName="metricsTable")
        self.metrics.setColumnCount(len(VARIANTS))
        self.metrics.setHorizontalHeaderLabels([TITLES[v] for v in VARIANTS])
        rows = ["mean IoU", "pixel accuracy", "wrong pixels", " at boundaries", " wrong digit",
                " other"] + ["IoU background"] + [f"IoU {d}" for d in range(10)]
        self.metrics.setRowCount(len(rows))
        self.metrics.setVerticalHeaderLabels(rows)
        self.metrics.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.metrics.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.metrics.setStyleSheet("QTableWidget { font-size: 8.5pt; }")
        self.metrics.verticalHeader().setDefaultSectionSize(22)
        self.dominance = QLabel(objectName="dominanceNote")
        self.dominance.setWordWrap(True)
        self.dominance.setTextFormat(Qt.TextFormat.RichText)
        self.dominance.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        right = QVBoxLayout()
        right.addWidget(self.metrics, 1)
        right.addWidget(self.dominance)
        right_widget = QWidget()
        right_widget.setLayout(right)
        right_widget.setFixedWidth(420)
        # A fixed size (five lines) keeps new numbers in the note from re-laying out, and so repainting,
        # the whole lesson on every refresh.
        margins = right.contentsMargins()
        self.dominance.setFixedSize(420 - margins.left() - margins.right(),
                                    5 * self.dominance.fontMetrics().lineSpacing() + 6)
        main = QWidget()
        main_layout = QHBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addWidget(left_widget)
        main_layout.addWidget(self.panels, 1)
        main_layout.addWidget(right_widget)

        self.strip = ArchitectureStrip()
        self.stepper = TransposedStepper()
        self.tabs = QTabWidget(objectName="segTabs")
        self.tabs.addTab(main, "Segment")
        self.tabs.addTab(self.strip, "Architecture")
        self.tabs.addTab(self.stepper, "Transposed convolution")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.tabs)

    # ================================================================ inputs
    def set_class(self, digit: int) -> None:
        """Draw the next strokes as ``digit`` (their ground-truth class)."""
        self.pad.current_tag = int(digit)
        button = self.class_buttons.button(int(digit))
        if not button.isChecked():
            button.setChecked(True)

    def clear(self) -> None:
        self._set_base(np.zeros((SCENE_SIDE, SCENE_SIDE), np.int64), "your drawing")
        self.pad.clear()

    def _set_base(self, truth: np.ndarray | None, kind: str) -> None:
        self._base_truth, self._base_kind = truth, kind

    def drawn_truth(self) -> np.ndarray:
        """Ground truth of the pad: each stroke's class where that stroke is ≥ 0.5, over the scene's truth."""
        base = self._base_truth if self._base_truth is not None else np.zeros((SCENE_SIDE, SCENE_SIDE), np.int64)
        truth = base.copy()
        for stroke, tag in self.pad.strokes_with_tags():
            if tag is not None:
                truth[self.pad.stroke_mask(stroke) >= 0.5] = int(tag) + 1
        return truth

    def random_scene(self, seed: int | None = None) -> None:
        if len(self.digits) == 0:
            self.app_state.post_message("No held-out digits are bundled for random scenes.")
            return
        rng = np.random.default_rng(seed) if seed is not None else self._rng
        image, truth, boxes = make_scene(self.digits, self.digit_labels, rng)
        self._set_base(truth, f"random scene of held-out digits ({', '.join(str(b[3]) for b in boxes)})")
        self.pad.set_background(image)  # emits stroke_finished → _on_pad_changed

    def _on_pad_changed(self) -> None:
        if self.pad.is_blank():
            self._set_base(np.zeros((SCENE_SIDE, SCENE_SIDE), np.int64), "your drawing")
        truth = None if self._base_truth is None else self.drawn_truth()
        self.seg.set_scene(self.pad.image(), truth, self._base_kind)

    def _on_file_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a picture to segment", "", io.IMAGE_FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path) -> bool:
        self._files.submit(picture_to_scene, str(path))
        return True

    def _on_file_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            message = str(result.error) if isinstance(result.error, ValueError) else repr(result.error)
            self.app_state.post_message(f"Could not use that picture: {message}. The scene is unchanged.", 12000)
            return
        self._set_base(None, "loaded picture (no ground truth)")
        self.pad.set_background(result.value)

    # ================================================================ running
    def _request(self) -> None:
        self.source_label.setText(f"Input: {self.seg.source}.")
        if self.models is None:
            self._show_inputs()
            return
        self._runner.submit(segment, self.live_models, self.seg.image.copy(), None if self.seg.truth is None
                            else self.seg.truth.copy())

    def _on_models_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            self.show_load_failure(self.banner, "FCN models", result.error)
            self._on_pad_changed()
            return
        payload = result.value
        self.models, self.live_models = payload["models"], payload["live"]
        self.digits, self.digit_labels = payload["digits"], payload["labels"]
        self.strip.set_model(self.models["fcn8s"])
        if self.pad.is_blank():
            self.random_scene(seed=7)
        else:
            self._on_pad_changed()

    def _on_segmented(self, result: WorkResult) -> None:
        if result.error is not None:
            self.app_state.post_message(f"Segmentation failed: {result.error}", 10000)
            return
        self.results = result.value
        self._show_results()

    def _set_title(self, key: str, text: str) -> None:
        if self.panel_titles[key].text != text:  # re-laying out the HTML label costs more than the image
            self.panel_titles[key].setText(text)

    def _set_cell(self, row: int, col: int, text: str, color: str = "#000000", bold: bool = False) -> None:
        """Change one metrics cell in place (its item is created once)."""
        item = self.metrics.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            self.metrics.setItem(row, col, item)
        item.setText(text)
        item.setForeground(QColor(color))
        if item.font().bold() != bold:
            font = item.font()
            font.setBold(bold)
            item.setFont(font)

    def _show_inputs(self) -> None:
        self.views["image"].setImage(self.seg.image, autoLevels=False, levels=(0, 1))
        if self.seg.truth is None:
            self.views["truth"].setImage(BLANK, autoLevels=False, levels=(0, 255))
            self._set_title("truth", "ground truth: none for a loaded picture")
            self.views["errors"].setImage(BLANK, autoLevels=False, levels=(0, 255))
            self._set_title("errors", "errors: no truth")
        else:
            self.views["truth"].setImage(colorize(self.seg.truth), autoLevels=False, levels=(0, 255))
            self._set_title("truth", "ground truth")

    def _show_results(self) -> None:
        self._show_inputs()
        results = self.results
        truth = results["truth"]
        if "errors_map" in results:
            self.views["errors"].setImage(colorize(results["errors_map"], ERROR_PLACES), autoLevels=False,
                                          levels=(0, 255))
            self._set_title("errors", ERRORS_TITLE)
        else:
            self.views["errors"].setImage(BLANK, autoLevels=False, levels=(0, 255))
            self._set_title("errors", "errors: no truth")
        for col, variant in enumerate(VARIANTS):
            entry = results["variants"][variant]
            self.views[f"{variant}/pred"].setImage(colorize(entry["pred"]), autoLevels=False, levels=(0, 255))
            if truth is None:
                self.views[f"{variant}/overlap"].setImage(BLANK, autoLevels=False, levels=(0, 255))
                self._set_cell(0, col, "no ground truth")
                for row in range(1, self.metrics.rowCount()):
                    self._set_cell(row, col, "—")
                continue
            self.views[f"{variant}/overlap"].setImage(colorize(entry["overlap"], OVERLAP), autoLevels=False,
                                                      levels=(0, 255))
            grade = grade_iou(entry["miou"])
            self._set_cell(0, col, f"{entry['miou']:.3f} {grade}", GRADE_COLORS[grade], bold=True)
            errors = entry["errors"]
            values = [f"{entry['pixel_accuracy']:.2%}", f"{errors['wrong']:,}", f"{errors['boundary']:,}",
                      f"{errors['wrong digit']:,}", f"{errors['other']:,}"]
            for row, text in enumerate(values, start=1):
                self._set_cell(row, col, text)
            for c, iou in enumerate(entry["iou"]):
                if np.isnan(iou):
                    self._set_cell(6 + c, col, "absent", "#999999")
                else:
                    g = grade_iou(iou)
                    self._set_cell(6 + c, col, f"{iou:.3f} {g}", GRADE_COLORS[g])
        if truth is not None:
            background = float((truth == 0).mean())
            all_bg = np.zeros_like(truth)
            fake = mean_iou(all_bg, truth, NUM_CLASSES)
            self.dominance.setText(
                f"<b>Why pixel accuracy flatters:</b> {background:.1%} of this scene is background, so a network "
                f"that answers “background” everywhere scores {background:.1%} pixel accuracy, yet its mean IoU is "
                f"{fake:.3f} ({grade_iou(fake)}). IoU scores each class on its own pixels only.")
        else:
            self.dominance.setText("A loaded picture has no ground truth, so there is nothing to score: "
                                   "draw with class colours or use a random scene to see the metrics.")
        self.results_shown.emit()


def create(state: AppState, parent: QWidget | None = None) -> SegmentationLesson:
    return SegmentationLesson(state, parent)

