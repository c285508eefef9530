"""The invariance lab: transform an input live, sweep a transform over held-out data, see where the
network looks, and nudge the input adversarially.

One widget for both lessons that have it: the draw lesson gives it digits and
the digit network in use, the photo lesson the 32×32 photo and the CIFAR-10
network. Its settings are an :class:`~explainer.ui.widgets.invariance_state.InvarianceState`
inside the lesson's state; everything it shows is computed in workers:

* the live reading (a :class:`~explainer.ui.workers.LatestOnlyRunner` from the
  lesson's ``make_runner``: the newest slider position wins, a stale answer is dropped);
* the sweep and the occlusion map (generator workers that report each point or
  batch as it arrives and stop between two when cancelled);
* the adversarial nudge (a latest-only runner, redone as ε or the input changes).

A lab that is not on screen does no work: it notes that it is stale and reads
the input again when it is shown. Each reading is drawn by
:class:`~.invariance_reading.LabReadingDisplay` (a mixin).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...models.invariance import fgsm
from ..workers import WorkResult
from .invariance_controls import TransformControls
from .invariance_pictures import LabPictures
from .invariance_probes import NudgePanel, OcclusionPanel, probability_chart
from .invariance_reading import LabReadingDisplay, layer_columns
from .invariance_runs import OcclusionRuns, SweepRuns
from .invariance_state import PANELS, InvarianceState
from .invariance_sweep import SweepPanel
from .invariance_work import LabRequest, read_transformed
from .layer_stack import LayerStack
from .page_tabs import PageTabs

#: What other modules may import from here; the mosaic's row width is re-exported from :mod:`.invariance_reading`.
__all__ = ["LEFT_WIDTH", "InvarianceLab", "layer_columns"]

#: Width of the lab's left column (sliders, pictures, answer).
LEFT_WIDTH = 350


class InvarianceLab(LabReadingDisplay, QWidget):
    """The lab's page. The lesson calls :meth:`set_model` and :meth:`set_source`; the rest is the state's.

    Parameters
    ----------
    state : InvarianceState
    make_runner : callable
        The lesson's ``make_runner`` (its runners count in the lesson's ``is_busy`` and stop with it).
    labels : list of str
        The class names, in the network's order.
    kind : {"digit", "photo"}
    heldout : str
        The held-out data the sweeps use, in words ("the 300 held-out digits").
    titles : (str, str)
        The two pictures' titles. Digits: the transformed input before the recipe (the grey square is
        dragged there) and what the network reads. Photos: the input as it is, and transformed (what
        the network reads, where the square is dragged).
    live_model_name : str or None
        A bundled network (one of those the sweeps load) that reads the input live; None: the
        lesson gives one with :meth:`set_model`.

    Signals
    -------
    reading_shown()
        A live reading (or the message that there is nothing to read) is on screen.
    sweep_finished(), occlusion_finished(), nudge_shown()
    """

    reading_shown = Signal()
    sweep_finished = Signal()
    occlusion_finished = Signal()
    nudge_shown = Signal()

    def __init__(self, state: InvarianceState, make_runner, labels: list[str], kind: str, heldout: str,
                 titles: tuple[str, str], live_model_name: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.labels, self.kind = state, list(labels), kind
        self.model = None
        self.levels: dict[str, float] = {}
        self.no_model_text = "Loading the network…"
        self.source = None
        self.prepare = None
        self.label: int | None = None
        self.empty_text = ""
        self.caption_text = ""  # where the input comes from, shown with its reading
        self._prepared: tuple[object, np.ndarray] | None = None  # (source, untransformed input) of the last reading
        #: The reading on screen and the request it answers.
        self.reading = None
        self.request: LabRequest | None = None
        self._stale = True
        self._layers_stale = True
        self._reader = make_runner(self._on_read)
        self._nudger = make_runner(self._on_nudged)
        self._build(heldout, titles)
        self.sweeps = SweepRuns(self.state, self.sweep, kind, make_runner, live_model_name, self)
        self.occlusions = OcclusionRuns(self.occlusion, self.labels, kind, self)
        self._connect()

    # ================================================================ layout
    def _build(self, heldout: str, titles: tuple[str, str]) -> None:
        self.controls = TransformControls(self.state, recipe=self.kind == "digit")
        self.pictures = LabPictures(*titles, drag_on="before" if self.kind == "digit" else "after")
        self.pictures.setObjectName("labPictures")
        self.pictures.setMinimumHeight(190)
        self.pictures.setMaximumHeight(212)
        self.caption = QLabel("", objectName="labCaption", wordWrap=True)
        self.caption.setStyleSheet("color: #555;")
        self.predicted = QLabel("", objectName="labPrediction", alignment=Qt.AlignmentFlag.AlignCenter)
        size = "34pt" if self.kind == "digit" else "17pt"
        self.predicted.setStyleSheet(f"font-size: {size}; font-weight: 700; color: #c05800;")
        self.predicted.setMinimumWidth(60)
        self.answer = QLabel("", objectName="labAnswer", wordWrap=True)
        self.answer.setTextFormat(Qt.TextFormat.RichText)
        answer = QHBoxLayout()
        answer.addWidget(self.predicted)
        answer.addWidget(self.answer, 1)
        self.chart = probability_chart(self.labels)
        self.chart.setObjectName("labChart")
        self.chart.setMinimumHeight(130)

        self.left = QWidget()
        self.left.setFixedWidth(LEFT_WIDTH)
        left = QVBoxLayout(self.left)
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(4)
        heading = QLabel("<b>Transform the input</b> — the network reads it as you move a slider")
        heading.setWordWrap(True)
        left.addWidget(heading)
        self.source_row = QHBoxLayout()  # the lesson may add its own buttons (e.g. "Next held-out digit")
        left.addLayout(self.source_row)
        left.addWidget(self.controls)
        left.addWidget(self.pictures)
        left.addWidget(self.caption)
        left.addLayout(answer)
        left.addWidget(self.chart, 1)

        self.layers = LayerStack()
        self.layers.setObjectName("labLayers")
        layers_page = QWidget()
        layers_layout = QVBoxLayout(layers_page)
        layers_layout.setContentsMargins(4, 4, 4, 4)
        which = "Every layer" if self.kind == "digit" else "Every convolution layer and the output"
        layers_layout.addWidget(QLabel(f"{which} for the transformed input (colour = activation, dark = 0; "
                                       "the same colour scale whatever the sliders say).", wordWrap=True))
        layers_layout.addWidget(self.layers, 1)
        self.sweep = SweepPanel(self.state, heldout)
        self.occlusion = OcclusionPanel(self.state)
        self.nudge = NudgePanel(self.state, self.labels)
        self.pages = PageTabs(objectName="labPages")
        for page, title in zip((layers_page, self.sweep, self.occlusion, self.nudge), PANELS):
            self.pages.addTab(page, title)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.left)
        layout.addWidget(self.pages, 1)

    def _connect(self) -> None:
        state, events = self.state, self.state.events
        for name in (*state.transforms, "occlusion", "occlusion_side", "recipe"):
            getattr(events, name).connect(self._on_state_input_changed)
        events.occlusion.connect(self._mark_square)
        events.occlusion_side.connect(self._mark_square)
        events.epsilon.connect(self._on_state_epsilon_changed)
        events.panel.connect(self._on_state_panel_changed)
        events.patch.connect(self._on_state_patch_changed)
        events.stride.connect(self._on_state_patch_changed)
        self.pages.currentChanged.connect(lambda index: setattr(state, "panel", int(index)))
        self.pictures.square_dragged.connect(self._on_square_dragged)
        self.sweep.run_requested.connect(self.run_sweep)
        self.sweep.cancel_requested.connect(self.sweeps.cancel)
        self.occlusion.run_requested.connect(self.run_occlusion)
        self.occlusion.cancel_requested.connect(self.occlusions.cancel)
        self.sweeps.finished.connect(self.sweep_finished)
        self.sweeps.loaded.connect(self._on_sweep_data_loaded)
        self.occlusions.finished.connect(self.occlusion_finished)
        self._on_state_panel_changed()
        self._mark_square()

    # ================================================================ what the lesson gives
    def set_model(self, model, levels: dict | None = None, no_model_text: str = "") -> None:
        """The network the live reading, the map and the nudge use (None: none, say ``no_model_text``)."""
        self.model, self.levels = model, dict(levels or {})
        self.no_model_text = no_model_text or "No network loaded."
        self.refresh()

    def set_source(self, source, prepare=None, label: int | None = None, caption: str = "",
                   empty_text: str = "") -> None:
        """The input to transform: ``source`` itself, or what ``prepare(source)`` makes of it in the worker.

        ``label`` is its true class (None if unknown), ``caption`` says where it comes from and
        ``empty_text`` what to say when there is nothing to read (``source`` is None, or ``prepare``
        returns None).
        """
        self.source, self.prepare, self.label = source, prepare, label
        self.caption_text = caption
        self.empty_text = empty_text
        self.refresh()

    # ================================================================ the live reading
    def refresh(self) -> None:
        """Read the input again with the state's transforms (at once if shown, else when next shown)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        if self.source is None:
            return self.show_reading(None, None)
        prepared = self._prepared
        if prepared is not None and prepared[0] is self.source:
            image, prepare = prepared[1], None  # the input was prepared by an earlier reading: reuse it
        else:
            image, prepare = self.source, self.prepare
        request = LabRequest(image, self.state.settings(), self.state.recipe, self.label, self.levels, prepare,
                             self.source)
        self._reader.submit(read_transformed, self.model, request, context=request)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _on_state_input_changed(self, *_) -> None:
        self.refresh()

    def _on_read(self, result: WorkResult) -> None:
        if result.error is not None:
            self.answer.setText(f"Could not read the transformed input: {result.error}")
            self.reading_shown.emit()
            return
        request = result.context
        if result.value is not None and request.source is self.source:
            self._prepared = (request.source, result.value.base)
        self.show_reading(request, result.value)

    def _input_changed(self) -> None:
        """The network's input changed: the map no longer fits it, the nudge is redone."""
        self.occlusions.outdated("The input changed")
        if self.reading is not None:
            self.occlusion.view.show_input(self.reading.after)
        else:
            self.occlusion.view.clear_all()
        self._request_nudge()

    def target(self) -> tuple[int, bool] | None:
        """The class the map and the nudge follow: the true one if known, else the one read; and which."""
        if self.reading is None or self.reading.prediction is None:
            return None
        if self.label is not None:
            return self.label, True
        return self.reading.prediction, False

    # ================================================================ state -> widgets
    def _on_state_panel_changed(self, *_) -> None:
        with QSignalBlocker(self.pages):
            self.pages.setCurrentIndex(self.state.panel)
        if self.state.panel == 0 and self._layers_stale:
            self._show_layers()
        if self.state.panel == 3:
            self._request_nudge()

    def _on_state_patch_changed(self, *_) -> None:
        self.occlusions.outdated("The patch changed")

    def _mark_square(self, *_) -> None:
        square = self.state.settings().occlusion
        self.pictures.mark_square(None if square is None else tuple(int(v) for v in square))

    def _on_square_dragged(self, row: float, col: float) -> None:
        half = self.state.occlusion_side / 2
        self.state.place_occlusion(row - half, col - half)

    # ================================================================ the adversarial nudge
    def _on_state_epsilon_changed(self, *_) -> None:
        self._request_nudge()

    def _request_nudge(self) -> None:
        if self.state.panel != 3 or not self.isVisible():
            return  # redone when the page is shown
        target = self.target()
        if target is None:
            self.nudge.clear_result(self.empty_text if self.reading is None else self.no_model_text)
            return
        label, known = target
        context = (self.reading, label, known)
        self._nudger.submit(fgsm, self.model, self.reading.x, label, float(self.state.epsilon), context=context)

    def _on_nudged(self, result: WorkResult) -> None:
        reading, label, known = result.context
        if reading is not self.reading:
            return
        if result.error is not None:
            self.nudge.clear_result(f"Could not compute the nudge: {result.error}")
        else:
            self.nudge.show_result(reading.x, result.value, label, known)
        self.nudge_shown.emit()

    # ================================================================ the occlusion map and the sweep
    def run_occlusion(self) -> None:
        """Slide a patch over the network's input in a worker; the map fills in as it goes."""
        target = self.target()
        if target is None:
            self.occlusion.finish("There is nothing to look at yet: " + (self.empty_text or self.no_model_text))
            return
        self.occlusions.run(self.model, self.reading.x, *target, int(self.state.patch), int(self.state.stride))

    def run_sweep(self) -> None:
        """Accuracy over the chosen transform's range for every chosen curve, point by point, in a worker."""
        self.sweeps.run()

    def load_data(self) -> None:
        """Load the held-out data and the networks the sweeps compare, once, in a worker."""
        self.sweeps.load()

    @property
    def sweep_data(self) -> dict | None:
        """The held-out images, labels and bundled networks, once loaded (else None)."""
        return self.sweeps.data

    def data_loaded(self) -> None:
        """Called once the held-out data and networks are in (:attr:`sweep_data`); subclasses follow it."""

    def _on_sweep_data_loaded(self) -> None:
        data = self.sweeps.data
        if self.sweeps.live_model_name is not None:
            name = self.sweeps.live_model_name
            if data is None:
                self.set_model(None, None, f"The network could not be loaded: {self.sweeps.error}")
            else:
                self.set_model(data["models"].get(name), data["levels"], data["missing"].get(name, ""))
        if data is not None:
            self.data_loaded()

    # ================================================================ lifecycle
    def is_busy(self) -> bool:
        """True while a sweep or an occlusion map is running (the runners count in the lesson's own)."""
        return self.sweeps.busy() or self.occlusions.busy()

    def shutdown(self) -> None:
        """Stop the sweep and the map at their next step; nothing is heard from them afterwards."""
        self.sweeps.shutdown()
        self.occlusions.shutdown()
