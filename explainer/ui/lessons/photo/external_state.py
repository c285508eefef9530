"""What the photo lesson shows of a user model (no Qt): the open channel, its pixel, how many channels, the tab.

The photo lesson's own :class:`~.state.PhotoState` is about the bundled CIFAR-10
network; a model of the user's own has other layer names, so its choices live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from psygnal import evented

from ...evented import StateModel, check_range

#: The user-model page's tabs, in order.
EXTERNAL_TABS = ("Every layer", "Channel detail")


@evented
@dataclass
class ExternalPhotoState(StateModel):
    """Fields (each with a signal ``events.<field>``)

    selection : (layer name, channel) or None
        The convolution channel opened in the channel detail.
    pixel : (row, col) or None
        The output pixel spelled out; None means the centre of the map.
    show_all : bool
        Draw every channel of every layer (else the first few of each).
    tab : int
        0 = every layer, 1 = channel detail.
    """

    state_name = "the photo lesson's user-model view"

    selection: tuple[str, int] | None = None
    pixel: tuple[int, int] | None = None
    show_all: bool = False
    tab: int = 0

    def validate(self) -> None:
        check_range("the tab", self.tab, 0, len(EXTERNAL_TABS) - 1)
        if self.selection is not None and self.selection[1] < 0:
            raise ValueError(f"the selected channel must be 0 or more, got {self.selection[1]}")
        if self.pixel is not None and min(self.pixel) < 0:
            raise ValueError(f"the selected pixel must have a row and column of 0 or more, got {self.pixel}")

    def select_channel(self, name: str, channel: int) -> None:
        """Open ``channel`` of layer ``name``; the pixel goes back to the centre of the new map."""
        selection = (str(name), int(channel))
        if selection != self.selection:
            self.pixel = None
            self.selection = selection

    def select_pixel(self, row: int, col: int) -> None:
        self.pixel = (int(row), int(col))

    def forget(self) -> None:
        """A new model: nothing of the old one stays selected."""
        self.pixel = None
        self.selection = None
