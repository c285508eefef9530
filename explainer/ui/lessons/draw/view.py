"""Lesson ``draw``: draw a digit and watch a trained LeNet-style CNN read it.

Shows the MNIST preprocessing honestly (drawing → crop → 20×20 → centred
28×28), every channel of every layer with its tensor shape, the ten class
probabilities, and, for any neuron clicked, its local receptive field on the
input and the weights that feed it.

The drawing is the app state's (strokes and a picture under them): the pad
shows it and writes each finished stroke back. The model is the app state's
digit model (None: the bundled one). This lesson's own state is the selected
neuron and the held-out digit on the pad; the reading is recomputed.

Each reading is put on the page's widgets by :class:`~.reading_display.ReadingDisplay` (a mixin).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .... import io
from ....models import read_digit
from ...state import AppState, Commands
from ...widgets.drawing_pad import DrawingPad
from ...widgets.layer_stack import LayerStack
from ...widgets.page_tabs import PageTabs
from ...widgets.panels import ProbabilityChart
from ...widgets.preprocessing_strip import PreprocessingStrip
from ...widgets.steady_label import SteadyLabel
from ...widgets.weight_mosaic import WeightMosaic
from ...workers import WorkResult
from ..base import Lesson
from . import work
from .describe import DETAIL_HINT
from .lab import DigitLab
from .reading_display import EMPTY_PAD_TEXT, ReadingDisplay
from .state import PAGES, DrawState

#: What other modules import from here; the empty pad's text is re-exported from :mod:`.reading_display`.
__all__ = ["EMPTY_PAD_TEXT", "DrawLesson"]


class DrawLesson(ReadingDisplay, Lesson):
    """Draw a digit; see the preprocessing, every layer, the prediction and receptive fields."""

    lesson_id = "draw"
    #: Emitted after each reading is shown, blank ones included (tests wait on it).
    reading_shown = Signal()
    #: Emitted once the model in use has loaded (True) or failed to (False).
    model_ready = Signal(bool)

    def __init__(self, app_state: AppState, commands: Commands, parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, DrawState(), parent)
        self.model = None  # the digit model in use, once loaded
        self.levels: dict[str, float] = {}
        self.samples = np.zeros((0, 28, 28), np.float32)
        self.sample_labels = np.zeros(0, np.int64)
        #: The reading on screen and the request it answers (both None before the first).
        self.reading = None
        self.request: work.ReadingRequest | None = None
        self._model_failed = False
        self._offered_digit = False  # a held-out digit is put on an empty pad once, at the first load
        self._pushing = False  # True while this lesson writes the drawing to the app state
        self._rng = np.random.default_rng()

        self._analysis = self.make_runner(self._on_analysis_finished)
        self._loader = self.make_runner(self._on_model_loaded)
        self._files = self.make_runner(self._on_file_loaded)
        self._build()

        self.pad.drawing_changed.connect(self._on_pad_drawing_changed)
        self.pad.stroke_finished.connect(self._on_pad_stroke_finished)
        self.layers.cell_clicked.connect(self.select_neuron)
        self.state.events.selection.connect(self._on_state_selection_changed)
        self.state.events.true_label.connect(self._on_state_true_label_changed)
        self.state.events.heldout_index.connect(self._on_state_heldout_index_changed)
        self.state.events.page.connect(self._on_state_page_changed)
        self.page_tabs.currentChanged.connect(lambda index: setattr(self.state, "page", int(index)))
        self._on_state_page_changed()
        events = app_state.events
        for signal in (events.drawing_strokes, events.drawing_background, events.drawing):
            self.listen(signal, self._on_app_drawing_changed)
        self.listen(events.digit_model, self._on_app_digit_model_changed)

        self._follow_app_drawing(analyse=False)
        self.show_reading(None, None)
        self._load_model()

    # -- building ------------------------------------------------------------
    def _build(self) -> None:
        self.pad = DrawingPad()
        self.pad.setObjectName("digitCanvas")
        self.undo_button = QPushButton("Undo", objectName="undoButton", toolTip="Remove the last stroke (Ctrl+Z)")
        self.clear_button = QPushButton("Clear", objectName="clearButton", toolTip="Clear the drawing (Esc)")
        self.sample_button = QPushButton("Load digit", objectName="loadDigitButton",
                                         toolTip="Show a real MNIST digit the network never trained on")
        self.file_button = QPushButton("Open file…", objectName="openDigitFileButton",
                                       toolTip="Read a digit from an image file (any size or colour)")
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button.clicked.connect(self.clear)
        self.sample_button.clicked.connect(lambda: self.load_heldout())
        self.file_button.clicked.connect(self._on_file_button_clicked)
        shortcut = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear, context=shortcut)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.pad.undo, context=shortcut)
        buttons = QHBoxLayout()
        for button in (self.undo_button, self.clear_button, self.sample_button, self.file_button):
            buttons.addWidget(button)

        self.predicted = QLabel("", objectName="predictedDigit", alignment=Qt.AlignmentFlag.AlignCenter)
        self.predicted.setMinimumWidth(70)
        self.predicted.setStyleSheet("font-size: 40pt; font-weight: 700; color: #c05800;")
        self.predicted.ensurePolished()  # keep a digit's height when empty, so clearing does not move the layout
        self.predicted.setMinimumHeight(self.predicted.fontMetrics().height())
        self.prediction_text = SteadyLabel("", objectName="predictionText", wordWrap=True)
        prediction = QHBoxLayout()
        prediction.addWidget(self.predicted)
        prediction.addWidget(self.prediction_text, 1)

        self.chart = ProbabilityChart([str(d) for d in range(10)])
        self.chart.setMinimumHeight(130)
        self.chart.setMaximumHeight(170)
        self.model_label = QLabel("Model: loading…", objectName="modelLabel", wordWrap=True)
        self.model_label.setStyleSheet("color: #555;")
        self.banner = QLabel("", objectName="modelBanner", wordWrap=True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;")
        self.banner.hide()

        # The clicked neuron: its receptive field and the weights that feed it.
        self.detail = SteadyLabel(DETAIL_HINT, objectName="neuronDetail", wordWrap=True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # The two texts that change on every stroke paint their own background: the page, tabs and frames
        # under them are not repainted each time (about 0.3 ms a stroke). They are SteadyLabels: a new text
        # that fits lays nothing out again.
        for label in (self.detail, self.prediction_text):
            label.setAutoFillBackground(True)
        self.weights = WeightMosaic("weights feeding the neuron", color_bar=True)
        self.weights.setObjectName("weightsView")
        self.weights.setMinimumHeight(120)
        policy = self.weights.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.weights.setSizePolicy(policy)
        self.weights.hide()

        left = QVBoxLayout()
        left.addWidget(self.pad, 5)
        left.addLayout(buttons)
        left.addWidget(self.model_label)
        left.addWidget(self.banner)
        left.addLayout(prediction)
        left.addWidget(self.chart, 2)
        detail_frame = QFrame(frameShape=QFrame.Shape.StyledPanel)
        detail_layout = QVBoxLayout(detail_frame)
        detail_layout.setContentsMargins(6, 6, 6, 6)
        detail_layout.addWidget(self.detail)
        detail_layout.addWidget(self.weights, 1)
        left.addWidget(detail_frame, 3)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(370)

        # What the network sees (the MNIST recipe, step by step), then every layer.
        self.steps = PreprocessingStrip()
        self.steps.setObjectName("preprocessingView")
        self.steps.setFixedHeight(175)
        steps_heading = QLabel("<b>What the network sees</b> — the MNIST recipe: crop, scale into 20×20, "
                               "centre by centre of mass in 28×28")
        self.layers = LayerStack()
        self.layers.setObjectName("layersView")
        layers_heading = QLabel("<b>Every layer</b> — each small square is one channel (feature map); "
                                "colour = activation (dark = 0). Click a neuron to see its receptive field.",
                                wordWrap=True)
        right = QVBoxLayout()
        right.addWidget(steps_heading)
        right.addWidget(self.steps)
        right.addWidget(layers_heading)
        right.addWidget(self.layers, 1)

        read_page = QWidget()
        columns = QHBoxLayout(read_page)
        columns.setContentsMargins(0, 4, 0, 0)
        columns.addWidget(left_widget)
        columns.addLayout(right, 1)
        self.lab = DigitLab(self)  # the invariance lab (lab.py): it follows each reading and model of this page
        self.page_tabs = PageTabs(objectName="drawPageTabs")
        self.page_tabs.addTab(read_page, PAGES[0])
        self.page_tabs.addTab(self.lab, PAGES[1])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.page_tabs)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- actions -------------------------------------------------------------
    def clear(self) -> None:
        """Clear the drawing and everything read from it (the Clear button and Esc)."""
        self.state.use_heldout(None, None)
        self.pad.clear()

    def load_heldout(self, index: int | None = None) -> int | None:
        """Put held-out MNIST digit ``index`` (random if None) on the pad; returns its true label."""
        if len(self.samples) == 0:
            waiting = self._loader.is_busy()
            self.commands.post_message("The held-out digits are still loading; try again in a moment." if waiting
                                       else "No held-out digits are bundled (assets/samples/mnist_heldout.npz).")
            return None
        if index is None:
            index = int(self._rng.integers(len(self.samples)))
        index = int(np.clip(index, 0, len(self.samples) - 1))
        label = int(self.sample_labels[index])
        self._put_on_pad(self.samples[index])
        self.state.use_heldout(index, label)
        self.commands.post_message(f"Held-out MNIST digit #{index}: its true label is {label}.")
        return label

    def load_file(self, path) -> None:
        """Read a digit from an image file in the background; it replaces the drawing."""
        self._files.submit(work.digit_from_file, str(path), context=str(path))

    def open_file(self, path) -> bool:
        """Files opened or dropped while drawing become the digit on the pad."""
        self.load_file(path)
        return True

    def select_neuron(self, key: str, channel: int, row: int = 0, col: int = 0) -> None:
        self.state.select_neuron(key, channel, row, col)

    # -- the drawing: pad <-> app state --------------------------------------
    def _on_pad_drawing_changed(self) -> None:  # a stroke in progress: read it live
        self._analyse()

    def _on_pad_stroke_finished(self) -> None:
        self._push_drawing()
        self._analyse()

    def _push_drawing(self) -> None:
        """Write the pad's drawing to the app state (other lessons and sessions use it)."""
        self._pushing = True
        try:
            image = None if self.pad.is_blank() else self.pad.image()
            self.app_state.set_drawing(image, self.pad.strokes(), self.pad.background())
        finally:
            self._pushing = False

    def _put_on_pad(self, picture: np.ndarray) -> None:
        self.pad.set_strokes((), picture, notify=False)
        self._push_drawing()
        self._analyse()

    def _on_app_drawing_changed(self, *_) -> None:
        if not self._pushing:
            self.when_shown("drawing", self._follow_app_drawing)

    def _follow_app_drawing(self, analyse: bool = True) -> None:
        """Show the app state's drawing on the pad (e.g. a restored session), then read it."""
        strokes, background = self.app_state.drawing_strokes, self.app_state.drawing_background
        if not strokes and background is None and self.app_state.drawing is not None:
            background = self.app_state.drawing  # a drawing given as pixels only
        if tuple(self.pad.strokes()) == tuple(strokes) and _same_picture(self.pad.background(), background):
            return
        self.pad.set_strokes(strokes, background, notify=False)
        if analyse:
            self._analyse()

    # -- the model in use ----------------------------------------------------
    def _on_app_digit_model_changed(self, *_) -> None:
        self.when_shown("model", self._load_model)

    def _load_model(self) -> None:
        request = work.ModelRequest(self.app_state.digit_model, self.app_state.digit_model_name)
        self.model_label.setText(f"Model: loading the {request.name}…")
        self._loader.submit(work.load_digit_model, request.model, context=request)

    def _on_model_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            self.model, self.levels, self._model_failed = None, {}, True
            self.model_label.setText("Model: none")
            self.show_load_failure(self.banner, result.context.name, result.error)
            self.banner.setText(self.banner.text() + "<br>You can still draw and see the preprocessing.")
            self.model_ready.emit(False)
            self._analyse()
            return
        payload = result.value
        self.model, self.levels, self._model_failed = payload["model"], payload["levels"], False
        self.samples, self.sample_labels = payload["images"], payload["labels"]
        self.model_label.setText(f"Model: {result.context.name} ({payload['parameters']:,} parameters)")
        self.banner.hide()
        self.model_ready.emit(True)
        first, self._offered_digit = not self._offered_digit, True
        if first and self.pad.is_blank() and self.state.heldout_index is None and len(self.samples):
            self.load_heldout(0)  # start with a real digit on screen
            return
        self._apply_heldout_index()
        self._analyse()

    def apply_state(self, saved) -> None:
        """A session or tour sets the lesson: never replace its (possibly empty) drawing by a first example."""
        self._offered_digit = True
        super().apply_state(saved)

    # -- reading the drawing -------------------------------------------------
    def _analyse(self) -> None:
        image = self.pad.image()
        no_model = ("No model loaded: only the preprocessing is shown." if self._model_failed
                    else "Loading the digit model… the preprocessing is shown meanwhile.")
        request = work.ReadingRequest(image, self.levels, self.state.true_label, no_model)
        self._analysis.submit(read_digit, self.model, image, context=request)

    def _on_analysis_finished(self, result: WorkResult) -> None:
        if result.error is not None:
            self.commands.post_message(f"Could not read the drawing: {result.error}", 10000)
            return
        self.show_reading(result.context, result.value)

    def _on_file_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a digit image", "", io.IMAGE_FILE_FILTER)
        if path:
            self.load_file(path)

    def _on_file_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            message = str(result.error) if isinstance(result.error, ValueError) else repr(result.error)
            self.commands.post_message(f"Could not use that image as a digit: {message}. "
                                       "The drawing is unchanged.", 12000)
            return
        self.state.use_heldout(None, None)
        self._put_on_pad(result.value)
        self.commands.post_message("Digit loaded from file; draw on top of it or clear it.")

    # -- state -> widgets ----------------------------------------------------
    def _on_state_page_changed(self, *_) -> None:
        with QSignalBlocker(self.page_tabs):
            self.page_tabs.setCurrentIndex(self.state.page)

    def _on_state_selection_changed(self, *_) -> None:
        self._show_selection()

    def _on_state_true_label_changed(self, *_) -> None:
        self._analyse()  # the verdict is shown with the reading it judges

    def _on_state_heldout_index_changed(self, *_) -> None:
        self._apply_heldout_index()

    def _apply_heldout_index(self) -> None:
        """Put the state's held-out digit under the drawing unless it is there already (e.g. restored)."""
        index = self.state.heldout_index
        if index is None or len(self.samples) == 0:
            return  # nothing to show, or shown once the held-out digits have loaded
        if index >= len(self.samples):
            self.commands.post_message(f"There is no held-out digit #{index}: {len(self.samples)} are bundled "
                                       f"(0–{len(self.samples) - 1}).", 10000)
            return
        if not _same_picture(self.app_state.drawing_background, self.samples[index]):
            self._put_on_pad(self.samples[index])
        self.state.true_label = int(self.sample_labels[index])

    # -- lifecycle -----------------------------------------------------------
    def is_busy(self) -> bool:
        return super().is_busy() or self.lab.is_busy()

    def shutdown(self) -> None:
        super().shutdown()
        self.lab.shutdown()


def _same_picture(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and np.array_equal(np.asarray(a, np.float32), np.asarray(b, np.float32))
