"""What the invariance lab shows, as a Qt-free evented state.

:class:`~explainer.ui.widgets.invariance_lab.InvarianceLab` draws this state
and calls its setters; the draw lesson keeps a :class:`DigitLabState` inside
its own state and the photo lesson a :class:`PhotoLabState`, so a session or
a tour step can put the lab on any transform, sweep, patch or ε. What the
networks compute from it (the readings, the curves, the maps) is derived in
workers and never saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from psygnal import evented

from ...core.transforms import IDENTITY, RANGES, TransformSettings
from ..evented import StateModel, check_choice, check_range

#: Every slider of the lab, in the order they are shown, with the word and unit shown beside it.
TRANSFORM_TEXT = {
    "shift_x": ("shift right", "px"),
    "shift_y": ("shift down", "px"),
    "rotation": ("rotation", "°"),
    "scale": ("scale", "×"),
    "thickness": ("stroke thickness", "px"),
    "noise": ("Gaussian noise", "σ"),
    "contrast": ("contrast", "×"),
}
#: The sweep curves the digit lab can draw: (network, recipe on), and how the legend names them.
DIGIT_SERIES = {
    "pool_recipe": ("mnist", True, "with pooling, recipe on"),
    "pool_raw": ("mnist", False, "with pooling, recipe off"),
    "nopool_recipe": ("mnist_nopool", True, "no pooling, recipe on"),
    "nopool_raw": ("mnist_nopool", False, "no pooling, recipe off"),
}
#: The photo lab's one curve: the CIFAR-10 network on the held-out photos.
PHOTO_SERIES = {"photo": ("cifar10", False, "CIFAR-10 network")}
#: The lab's sub-pages, in order.
PANELS = ("Every layer", "Sweep", "Where does it look?", "Adversarial nudge")
#: Largest ε of the adversarial nudge (pixels are in [0, 1]).
MAX_EPSILON = 0.3


@evented
@dataclass
class InvarianceState(StateModel):
    """The digit lab's settings (the photo lab's subclass changes the limits).

    Fields (each with a signal ``events.<field>``)
    -----------------------------------------------
    shift_x, shift_y : float
        Pixels right and down (−8 … 8).
    rotation : float
        Degrees anticlockwise (−60 … 60).
    scale : float
        Size factor about the centre (0.5 … 1.5).
    thickness : int
        Pixels of stroke added (> 0) or taken away (< 0); digits only.
    noise : float
        Standard deviation of the Gaussian noise added (0 … 1).
    contrast : float
        Factor on the difference from mid-grey (0 … 2).
    occlusion : (row, col) or None
        Top-left pixel of the grey square drawn over the input; None for none.
    occlusion_side : int
        Side of that square in input pixels.
    recipe : bool
        Digits only: the network reads the transformed digit after the MNIST recipe
        (crop, scale into 20×20, centre by mass) instead of as it is.
    sweep_transform : str
        The transform the sweep varies over its whole range.
    sweep_series : tuple of str
        Which curves the sweep draws (keys of :data:`DIGIT_SERIES` or :data:`PHOTO_SERIES`).
    patch, stride : int
        The occlusion map's patch side and step, in input pixels.
    epsilon : float
        Size of the adversarial nudge (0 … 0.3).
    panel : int
        The sub-page shown (an index into :data:`PANELS`).
    """

    state_name = "the invariance lab"
    #: Side of the square input the lab transforms (MNIST: 28).
    side: ClassVar[int] = 28
    #: The transforms this lab offers, in slider order.
    transforms: ClassVar[tuple[str, ...]] = tuple(TRANSFORM_TEXT)
    #: The sweep curves this lab can draw.
    series: ClassVar[dict] = DIGIT_SERIES

    shift_x: float = 0.0
    shift_y: float = 0.0
    rotation: float = 0.0
    scale: float = 1.0
    thickness: int = 0
    noise: float = 0.0
    contrast: float = 1.0
    occlusion: tuple[int, int] | None = None
    occlusion_side: int = 8
    recipe: bool = True
    sweep_transform: str = "shift_x"
    sweep_series: tuple[str, ...] = tuple(DIGIT_SERIES)
    patch: int = 6
    stride: int = 2
    epsilon: float = 0.1
    panel: int = 0

    def validate(self) -> None:
        for name in TRANSFORM_TEXT:
            low, high = RANGES[name]
            check_range(f"the {TRANSFORM_TEXT[name][0]}", getattr(self, name), low, high)
        if "thickness" not in self.transforms and self.thickness != 0:
            raise ValueError(f"the stroke thickness applies to drawn digits only; it must be 0 here, "
                             f"got {self.thickness}")
        check_range("the occlusion square's side", self.occlusion_side, 1, self.side)
        if self.occlusion is not None:
            row, col = self.occlusion
            # place_occlusion keeps the whole square inside the input; a saved one must be so too
            check_range("the occlusion square's row", row, 0, self.side - self.occlusion_side)
            check_range("the occlusion square's column", col, 0, self.side - self.occlusion_side)
        check_choice("the swept transform", self.sweep_transform, self.transforms)
        for key in self.sweep_series:
            check_choice("a sweep curve", key, tuple(self.series))
        if len(set(self.sweep_series)) != len(self.sweep_series):
            raise ValueError(f"the sweep curves name one curve twice: {', '.join(self.sweep_series)}")
        check_range("the occlusion map's patch", self.patch, 1, self.side)
        check_range("the occlusion map's stride", self.stride, 1, self.side)
        check_range("the nudge's ε", self.epsilon, 0.0, MAX_EPSILON)
        check_range("the lab's page", self.panel, 0, len(PANELS) - 1)

    # -- setters with a rule ---------------------------------------------------
    def set_transform(self, name: str, value: float) -> None:
        """Set one transform; ``ValueError`` for an unknown name or a value outside its range."""
        check_choice("the transform", name, self.transforms)
        low, high = RANGES[name]
        check_range(f"the {TRANSFORM_TEXT[name][0]}", value, low, high)
        setattr(self, name, int(round(value)) if name == "thickness" else float(value))

    def reset_transforms(self) -> None:
        """Every transform back to neutral and no occlusion (the lab's settings stay)."""
        for name in self.transforms:
            setattr(self, name, int(IDENTITY[name]) if name == "thickness" else IDENTITY[name])
        self.occlusion = None

    def place_occlusion(self, row: float, col: float) -> None:
        """Put the grey square's top-left corner at (``row``, ``col``), kept inside the input."""
        limit = self.side - self.occlusion_side
        self.occlusion = (int(min(max(round(row), 0), limit)), int(min(max(round(col), 0), limit)))

    def set_occlusion_side(self, side: int) -> None:
        """A new side for the grey square; a placed square keeps its corner, moved in if it would stick out."""
        check_range("the occlusion square's side", side, 1, self.side)
        self.occlusion_side = int(side)
        if self.occlusion is not None:
            self.place_occlusion(*self.occlusion)

    def show_series(self, key: str, shown: bool) -> None:
        """Add or remove one sweep curve, keeping the legend's order."""
        check_choice("a sweep curve", key, tuple(self.series))
        wanted = set(self.sweep_series) | {key} if shown else set(self.sweep_series) - {key}
        self.sweep_series = tuple(k for k in self.series if k in wanted)

    def settings(self) -> TransformSettings:
        """The transforms as the core functions take them."""
        occlusion = None
        if self.occlusion is not None:
            occlusion = (self.occlusion[0], self.occlusion[1], self.occlusion_side)
        return TransformSettings(shift_x=self.shift_x, shift_y=self.shift_y, rotation=self.rotation,
                                 scale=self.scale, thickness=self.thickness, noise=self.noise,
                                 contrast=self.contrast, occlusion=occlusion)


@evented
@dataclass
class DigitLabState(InvarianceState):
    """The draw lesson's lab: 28×28 digits, the MNIST recipe and four sweep curves."""


@evented
@dataclass
class PhotoLabState(InvarianceState):
    """The photo lesson's lab: 32×32 colour photos, no stroke thickness, no recipe, one sweep curve."""

    state_name = "the photo invariance lab"
    side: ClassVar[int] = 32
    transforms: ClassVar[tuple[str, ...]] = tuple(name for name in TRANSFORM_TEXT if name != "thickness")
    series: ClassVar[dict] = PHOTO_SERIES

    recipe: bool = False
    sweep_series: tuple[str, ...] = tuple(PHOTO_SERIES)
    patch: int = 8
    stride: int = 2
    epsilon: float = 0.02
