"""The segmentation lesson's Architecture tab: the FCN strip, and the upsampling path on the current scene.

Under the diagram, each variant's class map after every step of its
upsampling path (stride 32, ×2, + pool4, ×2, + pool3, the input's size),
computed from the trained modules by
:func:`~.compute.upsampling_stages` in a worker. ``state.upsampling_step``
says how many steps are shown; the buttons step through them and the
animation export records one frame per step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...animation import Animation
from ...widgets.fcn_strip import ArchitectureStrip
from ...widgets.fcn_upsampling import FcnUpsampling
from ...widgets.swatches import colorize
from .colours import PALETTE
from .compute import TITLES, UPSAMPLING_COLUMNS
from .state import UPSAMPLING_STEPS, SegmentationState

INTRO = ("<b>Upsampling on this scene</b>: the class with the highest score in every cell after each step. "
         "FCN-32s jumps from 3×3 to 96×96 in one step; FCN-16s and FCN-8s first add the finer scores of "
         "pool4 and pool3, so their boundaries land closer to the strokes. Upsampling blends the scores, not the "
         "classes, so a digit that wins no coarse cell can still win pixels after it.")


class ArchitecturePage(QWidget):
    """The strip above, the upsampling path below, with buttons to step through it."""

    def __init__(self, strip: ArchitectureStrip, state: SegmentationState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strip, self.state = strip, state
        self.view = FcnUpsampling(UPSAMPLING_COLUMNS)
        self.view.setObjectName("fcnUpsampling")
        self.back_button = QPushButton("◀ Step", objectName="upsamplingBackButton")
        self.next_button = QPushButton("Step ▶", objectName="upsamplingStepButton")
        self.all_button = QPushButton("Whole path", objectName="upsamplingAllButton")
        self.back_button.clicked.connect(lambda: state.set_upsampling_step(state.upsampling_step - 1))
        self.next_button.clicked.connect(lambda: state.set_upsampling_step(state.upsampling_step + 1))
        self.all_button.clicked.connect(lambda: state.set_upsampling_step(UPSAMPLING_STEPS))
        intro = QLabel(INTRO, objectName="upsamplingIntro", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        controls = QHBoxLayout()
        for button in (self.back_button, self.next_button, self.all_button):
            controls.addWidget(button)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(strip, 1)
        layout.addWidget(intro)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        state.events.upsampling_step.connect(self._render_step)
        self._render_step()

    def show_stages(self, image, stages: dict) -> None:
        """Draw :func:`~.compute.upsampling_stages` output beside the ``image`` it answers."""
        rows = [(TITLES.get(name, name), {column: colorize(labels, PALETTE) for column, labels in steps})
                for name, steps in stages.items()]
        self.view.set_pictures(image, rows)

    def _render_step(self, *_args) -> None:
        step = self.state.upsampling_step
        self.view.set_revealed(step)
        self.back_button.setEnabled(step > 1)
        self.next_button.setEnabled(step < UPSAMPLING_STEPS)


def lesson_animations(lesson) -> list[Animation]:
    """The segmentation lesson's animations: the upsampling path, and the transposed convolution's stamps."""
    state = lesson.state

    def open_tab(index: int):
        return lambda: setattr(state, "tab", index)

    ready = lesson.models is not None and lesson.shown is not None
    upsampling = Animation(
        "The FCN upsampling path on this scene", UPSAMPLING_STEPS if ready else 0,
        lambda i: state.set_upsampling_step(i + 1), lesson.architecture.view, unit="step", fps=1,
        unavailable="" if ready else "The FCN models are not loaded yet, so there is no upsampling to show: "
                                     "wait until the scene is segmented, then export again.",
        region=lesson.architecture.view.content_rect, start=open_tab(1), busy=lesson.is_busy)
    stepper = state.stepper
    try:
        stepper.output_side()
        stamps, why = stepper.input.size + 1, ""
    except ValueError as exc:
        stamps, why = 0, (f"The transposed convolution's setting is impossible ({exc}): change it in the "
                          "“Transposed convolution” tab, then export again.")
    page = lesson.stepper
    stamping = Animation("Transposed convolution: each input cell stamps the kernel", stamps, stepper.set_step,
                         page, unit="step", fps=1, unavailable=why, start=open_tab(2),
                         region=lambda: page.childrenRect().adjusted(-6, -6, 6, 6).intersected(page.rect()))
    return [upsampling, stamping]
