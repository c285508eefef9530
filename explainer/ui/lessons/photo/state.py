"""The photo lesson's whole state (no Qt): which photo, which channel, which pixel, which tab.

What the network computes from it (the 32×32 input, every layer, the
probabilities, a channel's breakdown) is derived in a worker and never saved.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from psygnal import evented

from ...evented import StateModel, check_choice, check_range
from ...widgets.invariance_state import PhotoLabState

#: Where the photo comes from: the app's current image, or a bundled CIFAR-10 validation photo.
SOURCES = ("image", "cifar")
#: How many held-out CIFAR-10 photos the app bundles (assets/samples/cifar10_heldout.npz).
EXAMPLE_LIMIT = 100
#: The lesson's tabs, in order.
TABS = ("Every layer", "Channel detail")
#: The lesson's pages, in order (the tabs above are on the first).
PAGES = ("Read the photo", "Invariance lab")


@evented
@dataclass
class PhotoState(StateModel):
    """Fields (each with a signal ``events.<field>``)

    source : "image" or "cifar"
    example : int
        The CIFAR-10 photo shown when ``source`` is "cifar" (0 .. EXAMPLE_LIMIT - 1).
    selection : (layer key, channel) or None
        The channel opened in the channel detail: of a convolution, e.g. ``("conv2", 17)``, or of a
        residual block's sum, e.g. ``("add1", 3)``.
    pixel : (row, col) or None
        The output pixel whose numbers are spelled out; None means the centre of the map.
    tab : int
        0 = every layer, 1 = channel detail.
    page : int
        0 = read the photo, 1 = the invariance lab.
    mirror : bool
        Also read the photo's mirror image and answer with the average of both readings
        (test-time augmentation); every layer still shows the photo itself.
    lab : PhotoLabState
        The invariance lab's sliders and choices (its own fields and signals).
    """

    state_name = "the photo lesson's state"

    source: str = "image"
    example: int = 0
    selection: tuple[str, int] | None = None
    pixel: tuple[int, int] | None = None
    tab: int = 0
    page: int = 0
    mirror: bool = False
    lab: PhotoLabState = dataclasses.field(default_factory=PhotoLabState)

    def validate(self) -> None:
        check_choice("the photo source", self.source, SOURCES)
        check_range("the CIFAR-10 photo number", self.example, 0, EXAMPLE_LIMIT - 1)
        check_range("the tab", self.tab, 0, len(TABS) - 1)
        check_range("the page", self.page, 0, len(PAGES) - 1)
        self.lab.validate()
        if self.selection is not None:
            key, channel = self.selection
            if not re.fullmatch(r"(conv|add)[1-9][0-9]*", key):
                raise ValueError(f"the selected layer must be a convolution such as conv1 or a shortcut's sum such "
                                 f"as add1, got {key!r} (pooling and dense layers have nothing to open)")
            if channel < 0:
                raise ValueError(f"the selected channel must be 0 or more, got {channel}")
        if self.pixel is not None:
            row, col = self.pixel
            if row < 0 or col < 0:
                raise ValueError(f"the selected pixel must have a row and column of 0 or more, got ({row}, {col})")
            if self.selection is None:
                raise ValueError("a pixel is selected but no channel: select a channel first")

    # -- setters with a rule ---------------------------------------------------
    def choose_example(self, index: int) -> None:
        """Show CIFAR-10 photo ``index`` (switches the source to the bundled photos)."""
        self.example = int(index)
        self.source = "cifar"

    def select_channel(self, key: str, channel: int) -> None:
        """Open ``channel`` of layer ``key`` (a convolution or a shortcut's sum); the pixel goes back to the
        centre of the new map."""
        selection = (str(key), int(channel))
        if selection != self.selection:
            self.pixel = None
            self.selection = selection

    def select_pixel(self, row: int, col: int) -> None:
        self.pixel = (int(row), int(col))


State = PhotoState
