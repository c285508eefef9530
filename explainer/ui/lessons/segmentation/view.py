"""The segmentation lesson's view: drawing side, the four panels per variant, the metrics, two more tabs.

Draw digits (each stroke in a class colour, so the drawing carries its own
ground truth), take a random scene of held-out digits, or open a picture. The
three FCNs run side by side with the lecture's four panels (image, ground
truth, prediction, overlap) and its metrics: pixel accuracy and per-class IoU
graded Poor, Good, Excellent. Everything shown follows ``self.state``; the
scores are computed in a worker and drawn with the input they answer, by
:class:`~.results_display.ResultsDisplay` (a mixin).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QButtonGroup, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QTabWidget,
                               QVBoxLayout, QWidget)

from .... import io
from ....data.scenes import CLASS_NAMES, SCENE_SIDE, make_scene
from ....models.fcn import VARIANTS
from ...widgets.drawing_pad import DrawingPad
from ...widgets.fcn_strip import ArchitectureStrip
from ...widgets.panels import ImageView, PanelGrid
from ...widgets.score_table import ScoreTable
from ...widgets.swatches import swatch_html, swatch_legend
from ...widgets.transposed_stepper import TransposedStepper
from ...workers import WorkResult
from ..base import Lesson
from .colours import ERROR_NAMES, ERROR_PLACES, OVERLAP, OVERLAP_NAMES, PALETTE, PALETTE_TEXT
from .compute import TITLES, SceneInput, load_fcns, picture_to_scene, segment, upsampling_stages
from .results_display import ABSENT_ROW, BLANK, ERRORS_TITLE, IOU_ROW, METRIC_ROWS, NUM_DIGITS, ResultsDisplay
from .state import STROKE_MARGIN, SegmentationState
from .upsampling import ArchitecturePage, lesson_animations

#: What other modules import from here (tests read the metric rows); the results' names are re-exported
#: from :mod:`.results_display`.
__all__ = ["ABSENT_ROW", "BLANK", "ERRORS_TITLE", "FIRST_SCENE_SEED", "IOU_ROW", "METRIC_ROWS", "NUM_DIGITS",
           "PEN_FRACTION", "SegmentationLesson"]

PEN_FRACTION = 3.6 / SCENE_SIDE  # strokes about as thick as in the scenes
FIRST_SCENE_SEED = 7


#: Widths of the drawing column and the metrics column at the normal text size (pixels).
LEFT_WIDTH, RIGHT_WIDTH = 250, 420


class SegmentationLesson(ResultsDisplay, Lesson):
    """The segmentation lesson. ``results_shown`` is emitted after a worker's result is drawn."""

    lesson_id = "segmentation"
    results_shown = Signal()

    def __init__(self, app_state, commands, parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, SegmentationState(), parent)
        # The bundled FCNs as fused copies (one copy each): run on every stroke and by the architecture tab.
        self.models: dict | None = None
        self.live_models: dict | None = None  # the same dict, under the name the live path reads
        self.digits = np.zeros((0, 28, 28), np.float32)
        self.digit_labels = np.zeros(0, np.int64)
        self.results: dict | None = None  # the result on screen, and the input it answers
        self.shown: SceneInput | None = None
        self._rng = np.random.default_rng()
        self._untouched = True  # nobody set the state yet: the first scene is a random one
        self._pad_image: np.ndarray | None = None  # the state image the pad shows under the strokes
        self._refresh_timer = QTimer(self, singleShot=True, interval=0)  # one refresh per burst of changes
        self._refresh_timer.timeout.connect(self._refresh)
        self._loader = self.make_runner(self._on_models_loaded)
        self._runner = self.make_runner(self._on_segmented)
        self._files = self.make_runner(self._on_file_loaded)
        self._stager = self.make_runner(self._on_stages_computed)
        self._staged: np.ndarray | None = None  # the scene whose upsampling path was asked for last
        self._build()
        state = self.state
        for signal in (state.events.image, state.events.truth, state.events.source, state.events.strokes,
                       state.events.seed):
            signal.connect(self._queue_refresh)
        state.events.draw_class.connect(self._on_state_draw_class_changed)
        state.events.tab.connect(self._on_state_tab_changed)
        state.events.connect(self._on_state_touched)
        self._on_state_draw_class_changed(state.draw_class)
        self._on_state_tab_changed(state.tab)
        self._queue_refresh()
        self._loader.submit(load_fcns)

    # ================================================================ building
    def _fit_columns(self) -> None:
        """Size the side columns for the current text size (the presenter view makes text ×1.5).

        A fixed size of five lines for the note keeps new numbers in it from re-laying out, and so
        repainting, the whole lesson on every refresh.
        """
        base = self._base_point_size
        scale = self.font().pointSizeF() / base if base > 0 and self.font().pointSizeF() > 0 else 1.0
        self._left_column.setFixedWidth(round(LEFT_WIDTH * scale))
        right = round(RIGHT_WIDTH * scale)
        self._right_column.setFixedWidth(right)
        margins = self._right_column.layout().contentsMargins()
        self.dominance.setFixedSize(right - margins.left() - margins.right(),
                                    5 * self.dominance.fontMetrics().lineSpacing() + 6)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "_right_column"):
            self._fit_columns()

    def _build(self) -> None:
        self.pad = DrawingPad(resolution=SCENE_SIDE, pen_fraction=PEN_FRACTION,
                              hint="Pick a digit colour, then draw digits")
        self.pad.setObjectName("sceneCanvas")
        self.pad.tag_colors = {d: QColor(*PALETTE[d + 1]) for d in range(10)}
        self.pad.drawing_changed.connect(self._on_pad_drawing_changed)
        self.pad.stroke_finished.connect(self._on_pad_stroke_finished)
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
        self.class_buttons.idClicked.connect(self._on_class_buttons_id_clicked)
        self.undo_button = QPushButton("Undo", objectName="segUndoButton")
        self.clear_button = QPushButton("Clear", objectName="segClearButton")
        self.scene_button = QPushButton("Random scene", objectName="randomSceneButton",
                                        toolTip="1–4 held-out MNIST digits with their true labels")
        self.file_button = QPushButton("Open image…", objectName="segFileButton")
        self.undo_button.clicked.connect(self.state.undo_stroke)
        self.clear_button.clicked.connect(self.state.clear)
        self.scene_button.clicked.connect(lambda: self.random_scene())
        self.file_button.clicked.connect(self._on_file_button_clicked)
        buttons = QGridLayout()
        for i, b in enumerate((self.undo_button, self.clear_button, self.scene_button, self.file_button)):
            buttons.addWidget(b, i // 2, i % 2)
        self.source_label = QLabel(objectName="sceneSource", wordWrap=True)
        self.banner = QLabel(objectName="segBanner", wordWrap=True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;")
        self.banner.hide()
        left = QVBoxLayout()
        left.addWidget(self.pad, 4)
        left.addWidget(QLabel("Digit colour of the next stroke (its ground truth):", wordWrap=True))
        left.addLayout(palette)
        left.addLayout(buttons)
        left.addWidget(self.source_label)
        left.addWidget(self.banner)
        left.addWidget(QLabel("Class colours:"))
        names = ["bg"] + [str(d) for d in range(10)]
        left.addWidget(QLabel(swatch_html(PALETTE, names, PALETTE_TEXT), textFormat=Qt.TextFormat.RichText,
                              wordWrap=True))
        left.addWidget(swatch_legend("Overlap:", OVERLAP, OVERLAP_NAMES))
        left.addWidget(swatch_legend(f"{ERRORS_TITLE}:", ERROR_PLACES[1:], ERROR_NAMES))
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        self._left_column = left_widget

        # Panels: image, ground truth and FCN-8s's errors, then prediction and overlap of each variant.
        self.panels = PanelGrid(3, 3)
        self.panels.setObjectName("segPanels")
        self.views: dict[str, ImageView] = self.panels.panels
        places = [("image", "image", 0, 0), ("truth", "ground truth", 0, 1), ("errors", ERRORS_TITLE, 0, 2)]
        for col, variant in enumerate(VARIANTS):
            places += [(f"{variant}/pred", f"{TITLES[variant]}: prediction", 1, col),
                       (f"{variant}/overlap", f"{TITLES[variant]}: overlap", 2, col)]
        for key, title, row, col in places:
            self.panels.add_panel(key, ImageView(title, levels=(0, 255)), row, col).set_image(BLANK)
        self.metrics = ScoreTable(METRIC_ROWS, [TITLES[v] for v in VARIANTS])
        self.metrics.setObjectName("metricsTable")
        self.metrics.setSpan(ABSENT_ROW, 0, 1, len(VARIANTS))
        self.metrics.setRowHidden(ABSENT_ROW, True)
        self.dominance = QLabel(objectName="dominanceNote", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.dominance.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        right = QVBoxLayout()
        right.addWidget(self.metrics, 1)
        right.addWidget(self.dominance)
        right_widget = QWidget()
        right_widget.setLayout(right)
        self._right_column = right_widget
        self._base_point_size = self.font().pointSizeF()
        self._fit_columns()
        main = QWidget()
        main_layout = QHBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addWidget(left_widget)
        main_layout.addWidget(self.panels, 1)
        main_layout.addWidget(right_widget)

        self.strip = ArchitectureStrip()
        self.stepper = TransposedStepper(self.state.stepper)
        self.tabs = QTabWidget(objectName="segTabs")
        self.tabs.addTab(main, "Segment")
        self.architecture = ArchitecturePage(self.strip, self.state)
        self.tabs.addTab(self.architecture, "Architecture")
        self.tabs.addTab(self.stepper, "Transposed convolution")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.tabs)

    # ================================================================ widgets → state
    def _on_class_buttons_id_clicked(self, digit: int) -> None:
        self.state.draw_class = int(digit)

    def _on_tabs_current_changed(self, index: int) -> None:
        self.state.tab = int(index)

    def _on_pad_stroke_finished(self) -> None:
        low, high = -STROKE_MARGIN, SCENE_SIDE + STROKE_MARGIN  # a drag far past the edge is kept at the margin
        self.state.set_strokes((digit, [(min(max(x, low), high), min(max(y, low), high)) for x, y in points])
                               for digit, points in zip(self.pad.tags(), self.pad.strokes()))

    def _on_pad_drawing_changed(self) -> None:
        """A stroke in progress: segment what is on the pad now (the finished strokes give the truth)."""
        self._request(SceneInput(self.pad.image(), self.drawn_truth()))

    def random_scene(self, seed: int | None = None) -> None:
        """A new scene of 1–4 held-out digits (``seed`` picks it; a new seed by default)."""
        if self.models is None:
            self.commands.post_message("The FCN models and held-out digits are still loading; try again in a moment.")
            return
        if len(self.digits) == 0:
            self.commands.post_message("No held-out digits are bundled for random scenes.")
            return
        seed = int(self._rng.integers(2**31)) if seed is None else int(seed)
        image, truth, _boxes = make_scene(self.digits, self.digit_labels, np.random.default_rng(seed))
        self.state.set_scene(image, truth, "random", seed=seed)

    def _on_file_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a picture to segment", "", io.IMAGE_FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path) -> bool:
        """Segment a picture (no ground truth): it is read and scaled in a worker."""
        self._files.submit(picture_to_scene, str(path), context=str(path))
        return True

    def _on_file_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            message = str(result.error) if isinstance(result.error, ValueError) else repr(result.error)
            self.commands.post_message(f"Could not use that picture: {message}. The scene is unchanged.", 12000)
            return
        self.state.set_scene(result.value, None, "picture")

    def apply_state(self, saved) -> None:
        """A session or tour sets the scene, even to the default blank one: no first random scene after it."""
        self._untouched = False
        super().apply_state(saved)

    # ================================================================ state → widgets
    def _on_state_touched(self, *_) -> None:
        self._untouched = False

    def _on_state_draw_class_changed(self, digit: int, *_) -> None:
        self.pad.current_tag = int(digit)
        button = self.class_buttons.button(int(digit))
        with QSignalBlocker(self.class_buttons):
            button.setChecked(True)

    def _on_state_tab_changed(self, index: int, *_) -> None:
        with QSignalBlocker(self.tabs):
            self.tabs.setCurrentIndex(int(index))
        self._request_stages()

    def _queue_refresh(self, *_) -> None:
        self._refresh_timer.start()  # the scene's fields change together: refresh once, after all of them

    def is_busy(self) -> bool:
        return self._refresh_timer.isActive() or super().is_busy()

    def _refresh(self) -> None:
        state = self.state
        strokes = [points for _, points in state.strokes]
        tags = [digit for digit, _ in state.strokes]
        if state.image is not self._pad_image or self.pad.strokes() != strokes or self.pad.tags() != tags:
            self._pad_image = state.image
            self.pad.set_strokes(strokes, state.image if state.image.any() else None, tags, notify=False)
        self.source_label.setText(f"Input: {self.describe_source()}.")
        self._request(SceneInput(self.pad.image(), self.drawn_truth()))

    def describe_source(self) -> str:
        state = self.state
        if state.source == "picture":
            return "loaded picture (no ground truth)"
        if state.source == "random":
            digits = ", ".join(str(c - 1) for c in np.unique(state.truth) if c > 0) or "no digits"
            return f"random scene of held-out digits (seed {state.seed}: {digits})"
        return "your drawing"

    def drawn_truth(self) -> np.ndarray | None:
        """Ground truth of the pad: each stroke's class where that stroke is ≥ 0.5, over the scene's truth."""
        if self.state.truth is None:
            return None
        truth = self.state.truth.astype(np.int64)  # a copy
        for stroke, digit in self.pad.strokes_with_tags():
            if digit is not None:
                truth[self.pad.stroke_mask(stroke) >= 0.5] = int(digit) + 1
        return truth

    # ================================================================ running
    def _request(self, scene: SceneInput) -> None:
        if self.live_models is None:
            self._show_inputs(scene)
            return
        self._runner.submit(segment, self.live_models, scene.image, scene.truth, context=scene)

    def _on_models_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            self.show_load_failure(self.banner, "FCN models", result.error)
            self._queue_refresh()
            return
        payload = result.value
        self.models, self.live_models = payload["models"], payload["live"]
        self.digits, self.digit_labels = payload["digits"], payload["labels"]
        layout = payload["layout"]
        self.strip.set_layout(layout["boxes"], layout["lanes"], layout["note"])
        if self._untouched and len(self.digits):
            self.random_scene(seed=FIRST_SCENE_SEED)
        else:
            self._queue_refresh()

    def _on_segmented(self, result: WorkResult) -> None:
        if result.error is not None:
            self.commands.post_message(f"Segmentation failed: {result.error}", 10000)
            return
        self._show_results(result.value, result.context)

    # ================================================================ the upsampling path, animations
    def _request_stages(self) -> None:
        """The scene's upsampling path, computed in a worker while the Architecture tab is shown."""
        if self.models is None or self.shown is None or self.state.tab != 1 or self._staged is self.shown.image:
            return
        self._staged = self.shown.image
        self._stager.submit(upsampling_stages, self.models, self.shown.image, context=self.shown.image)

    def _on_stages_computed(self, result: WorkResult) -> None:
        if result.error is not None:
            self.architecture.view.clear(f"Could not compute the upsampling path: {result.error}")
            return
        self.architecture.show_stages(result.context, result.value)

    def animations(self):
        """The FCN upsampling path, step by step, and the transposed convolution stamping cell by cell."""
        return lesson_animations(self)

    def shutdown(self) -> None:
        self._refresh_timer.stop()
        super().shutdown()
