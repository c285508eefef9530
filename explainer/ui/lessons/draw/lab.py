"""The draw lesson's invariance lab: the reusable lab fed with the lesson's digit and digit network.

The input is what the lesson reads: a bundled held-out digit as it is (28×28,
already MNIST-like), or the drawing put through the MNIST recipe once, so that
the lab's transforms start from a digit that looks like the ones the network
learned from. The network is the lesson's digit model in use; the sweeps
compare the bundled networks with and without pooling.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QPushButton

from ....core import mnist_preprocess
from ...widgets.invariance_lab import InvarianceLab

#: The lab's two pictures.
TITLES = ("transformed, before the recipe", "after the recipe: what the network reads")
EMPTY_TEXT = "Draw a digit under “Read the drawing”, or load a held-out digit."


def drawing_to_digit(image: np.ndarray) -> np.ndarray | None:
    """A drawing of any size as a 28×28 MNIST-like digit (the recipe); None when nothing is drawn."""
    steps = mnist_preprocess(image)
    return None if steps is None else steps.digit.astype(np.float32)


class DigitLab(InvarianceLab):
    """The lab on the draw lesson's digit. It follows the lesson: each reading and each model it loads."""

    def __init__(self, lesson) -> None:
        super().__init__(lesson.state.lab, lesson.make_runner, [str(d) for d in range(10)], "digit",
                         "the 300 held-out digits", TITLES)
        self.setObjectName("digitLab")
        self.lesson = lesson
        self.next_button = QPushButton("Another held-out digit", objectName="labHeldoutButton")
        self.next_button.setToolTip("Put a random MNIST digit the network never trained on into the lab "
                                    "(it replaces the drawing)")
        self.next_button.clicked.connect(lambda: lesson.load_heldout())
        self.source_row.addWidget(self.next_button)
        self.source_row.addStretch(1)
        lesson.reading_shown.connect(self.follow_lesson)
        lesson.model_ready.connect(self._on_lesson_model_ready)
        self.set_source(None, empty_text=EMPTY_TEXT)

    def _on_lesson_model_ready(self, ok: bool) -> None:
        lesson = self.lesson
        text = "No digit model could be loaded: only the transformed pictures are shown." if not ok else ""
        self.set_model(lesson.model, lesson.levels, text)

    def follow_lesson(self) -> None:
        """Take the digit the lesson has just read (a held-out digit as it is, a drawing through the recipe)."""
        lesson = self.lesson
        index, request = lesson.state.heldout_index, lesson.request
        if request is None:
            self.set_source(None, empty_text=EMPTY_TEXT)
            return
        label = request.true_label
        if index is not None and index < len(lesson.samples) and not lesson.pad.strokes():
            self.set_source(lesson.samples[index], label=label,
                            caption=f"Held-out MNIST digit #{index} (true label {label}).", empty_text=EMPTY_TEXT)
            return
        caption = "Your drawing, made 28×28 by the MNIST recipe."
        if label is not None:
            caption = f"Held-out digit #{index} with your strokes (true label {label}), made 28×28 by the recipe."
        self.set_source(request.image, drawing_to_digit, label, caption, EMPTY_TEXT)
