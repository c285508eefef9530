"""The photo lesson's invariance lab: the reusable lab on the lesson's photo and the CIFAR-10 network.

The input is the photo the lesson shows, as the network gets it: a bundled
CIFAR-10 photo as it is (32×32), or the current image's centre crop shrunk to
32×32. The lab loads the bundled CIFAR-10 network and the 100 held-out photos
itself when it is first shown (a user model on the lesson's other page does
not change it); its sweeps run on those photos. Photos have no stroke
thickness and no recipe, and there is one network, so one curve.
"""

from __future__ import annotations

import numpy as np

from ....models import CIFAR10_CLASSES
from ...widgets.invariance_lab import InvarianceLab
from .analysis import to_network_input

#: The lab's two pictures: the photo as the network would get it, and transformed.
TITLES = ("the 32×32 input as it is", "transformed: what the network reads")
LOADING_TEXT = "Loading the CIFAR-10 network and its held-out photos…"


def photo_to_input(image: np.ndarray) -> np.ndarray:
    """A photo of any size as the network's 32×32 input: its centre square, area-averaged."""
    return to_network_input(np.asarray(image, dtype=np.float32))[0]


def input_words(image: np.ndarray) -> str:
    """How :func:`photo_to_input` makes the 32×32 input of ``image``: shrunk, enlarged or as it is."""
    side = min(np.shape(image)[:2])
    if side == 32:
        crop = "its centre square" if np.shape(image)[0] != np.shape(image)[1] else "the photo"
        return f"{crop}, already 32×32"
    how = "shrunk" if side > 32 else "enlarged"
    return f"its centre square ({side}×{side}) {how} to 32×32"


class PhotoLab(InvarianceLab):
    """The lab on the photo lesson's photo; it follows the lesson's source, example and the current image."""

    def __init__(self, lesson) -> None:
        super().__init__(lesson.state.lab, lesson.make_runner, list(CIFAR10_CLASSES), "photo",
                         "the 100 held-out CIFAR-10 photos", TITLES, live_model_name="cifar10")
        self.setObjectName("photoLab")
        self.lesson = lesson
        self.no_model_text = LOADING_TEXT
        lesson.state.events.source.connect(self.follow_lesson)
        lesson.state.events.example.connect(self.follow_lesson)
        lesson.listen(lesson.app_state.events.image, self.follow_lesson)
        self.set_source(None, empty_text=LOADING_TEXT)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.load_data()  # the network and photos load the first time the lab is shown, not with the lesson
        super().showEvent(event)

    def data_loaded(self) -> None:
        self.follow_lesson()

    def follow_lesson(self, *_) -> None:
        """Take the photo the lesson's state names: a held-out CIFAR-10 photo, or the current image."""
        data, state = self.sweep_data, self.lesson.state
        if data is None:
            return  # followed once the photos have loaded
        if state.source == "cifar":
            count = len(data["images"])
            if state.example >= count:
                self.set_source(None, empty_text=f"There are {count} bundled CIFAR-10 photos; there is no "
                                f"photo #{state.example}.")
                return
            label = int(data["labels"][state.example])
            self.set_source(data["images"][state.example], label=label,
                            caption=f"CIFAR-10 validation photo #{state.example}: a {CIFAR10_CLASSES[label]}.",
                            empty_text="")
            return
        image = self.lesson.app_state.image
        if image is None:
            self.set_source(None, empty_text="Open a photo (File ▸ Open) or choose a CIFAR-10 photo above.")
            return
        name = self.lesson.app_state.image_name or "the current image"
        self.set_source(image, photo_to_input, caption=f"{name}: {input_words(image)}.", empty_text="")
