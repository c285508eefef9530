"""The draw lesson's state: which neuron is selected and which held-out digit is on the pad.

The drawing itself is shared and lives in the app state (``drawing_strokes``,
``drawing_background``); what the network reads from it is recomputed, never
saved. No Qt here.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from psygnal import evented

from ...evented import StateModel, check_range
from ...widgets.invariance_state import DigitLabState

#: Stage keys a selection may name ("conv1", "pool2", "dense1", "output", ...), as models/trace.py names them.
LAYER_KEY = re.compile(r"(conv|pool|dense)[1-9][0-9]?|output")
#: Side of the network's input (MNIST): a selected row or column lies inside it.
INPUT_SIDE = 28
#: Generous bound on channel / neuron numbers, so a damaged file cannot select neuron 10**9.
MAX_UNITS = 4096
#: Generous bound on the index of a bundled held-out digit.
MAX_HELDOUT = 100_000
#: The neuron selected at first: the middle of conv1's first feature map.
DEFAULT_SELECTION = ("conv1", 0, 10, 10)
#: The lesson's pages, in order.
PAGES = ("Read the drawing", "Invariance lab")


@evented
@dataclass
class DrawState(StateModel):
    """Everything a teacher can set in the draw lesson.

    Fields (each with a signal ``events.<field>``)
    -----------------------------------------------
    selection : (layer key, channel, row, col) or None
        The neuron whose receptive field and weights are shown. For a vector
        layer (dense, output) ``channel`` is the neuron and row = col = 0.
    true_label : int or None
        The true digit of a loaded held-out MNIST digit; None for a drawing or a picture.
    heldout_index : int or None
        Which bundled held-out digit lies under the strokes, if any.
    page : int
        The page shown: 0 = read the drawing, 1 = the invariance lab.
    lab : DigitLabState
        The invariance lab's sliders and choices (its own fields and signals).
    """

    state_name = "the draw lesson's state"

    selection: tuple[str, int, int, int] | None = DEFAULT_SELECTION
    true_label: int | None = None
    heldout_index: int | None = None
    page: int = 0
    lab: DigitLabState = dataclasses.field(default_factory=DigitLabState)

    def validate(self) -> None:
        if self.selection is not None:
            check_selection(*self.selection)
        if self.true_label is not None:
            check_range("the true label", self.true_label, 0, 9)
        if self.heldout_index is not None:
            check_range("the held-out digit number", self.heldout_index, 0, MAX_HELDOUT)
        check_range("the page", self.page, 0, len(PAGES) - 1)
        self.lab.validate()

    def select_neuron(self, key: str, channel: int, row: int = 0, col: int = 0) -> None:
        """Select a neuron; ``ValueError`` for a key or position no digit network has."""
        check_selection(key, channel, row, col)
        self.selection = (key, int(channel), int(row), int(col))

    def use_heldout(self, index: int | None, label: int | None) -> None:
        """Note that held-out digit ``index`` (true label ``label``) is on the pad; None for neither."""
        if index is not None:
            check_range("the held-out digit number", index, 0, MAX_HELDOUT)
        if label is not None:
            check_range("the true label", label, 0, 9)
        self.true_label = None if label is None else int(label)
        self.heldout_index = None if index is None else int(index)


def check_selection(key: str, channel: int, row: int, col: int) -> None:
    """``ValueError`` unless ``(key, channel, row, col)`` can name a neuron of a digit network."""
    if not isinstance(key, str) or not LAYER_KEY.fullmatch(key):
        raise ValueError(f"the selected layer must be conv<n>, pool<n>, dense<n> or output; got {key!r}")
    check_range("the selected channel", channel, 0, MAX_UNITS - 1)
    check_range("the selected row", row, 0, INPUT_SIDE - 1)
    check_range("the selected column", col, 0, INPUT_SIDE - 1)


State = DrawState
