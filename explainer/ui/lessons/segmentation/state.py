"""The segmentation lesson's whole state (no Qt): the scene, the strokes drawn on it, the tabs and the stepper.

The scene is what lies under the strokes: a blank canvas ("drawn"), a random
scene of held-out digits ("random", with its labels) or a loaded picture
("picture", no labels). Each stroke carries the digit it was drawn as, so a
drawing is its own ground truth. The predictions and the scores are not state:
the view recomputes them from this in a worker.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from psygnal import evented

from .... import io
from ....data.scenes import NUM_CLASSES, SCENE_SIDE, make_scene
from ...evented import StateModel, array_field, check_choice, check_range, encode
from ...widgets.transposed_stepper_state import TransposedStepperState

SOURCES = ("drawn", "random", "picture")
TABS = ("Segment", "Architecture", "Transposed convolution")
#: Steps of the upsampling path the Architecture tab shows: the input, the stride-32 scores, ×2, + pool4, ×2,
#: + pool3, and the scores at the input's size.
UPSAMPLING_STEPS = 7
#: Strokes may start a little outside the pad (a drag past its edge), but not anywhere.
STROKE_MARGIN = SCENE_SIDE
#: Most strokes a drawing keeps (a session cannot ask for millions).
MAX_STROKES = 500

#: One stroke: the digit it is drawn as (0–9, class digit + 1) and its points in pad coordinates.
Stroke = tuple[int, tuple[tuple[float, float], ...]]


def _blank_image() -> np.ndarray:
    return np.zeros((SCENE_SIDE, SCENE_SIDE), np.float32)


def _blank_truth() -> np.ndarray:
    return np.zeros((SCENE_SIDE, SCENE_SIDE), np.int64)


def random_scene(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The random scene of held-out digits that ``seed`` makes: image (96, 96) float32 and labels int64."""
    digits, labels = io.heldout_digits()
    if len(digits) == 0:
        raise ValueError("random scenes need the bundled held-out digits, which are missing")
    image, truth, _boxes = make_scene(digits, labels, np.random.default_rng(int(seed)))
    return image.astype(np.float32), truth.astype(np.int64)


@evented
@dataclass
class SegmentationState(StateModel):
    """Fields (each with a signal ``events.<field>``)

    image : ndarray (96, 96) float32 in [0, 1]
        The scene under the strokes (zeros for a blank drawing).
    truth : ndarray (96, 96) int64 in 0..10, or None
        Its labels (0 background, digit + 1); None for a picture, which has nothing to score against.
    source : {"drawn", "random", "picture"}
    strokes : tuple of (digit, ((x, y), ...))
        The strokes drawn over the scene, in drawing-pad coordinates (0..96), with the digit each is drawn as.
    draw_class : int
        The digit (0–9) the next stroke is drawn as.
    seed : int
        The seed of the current (or last) random scene.
    tab : int
        0 segment, 1 architecture, 2 transposed convolution.
    upsampling_step : int
        How many steps of the upsampling path the Architecture tab shows, 1 .. :data:`UPSAMPLING_STEPS`.
    stepper : TransposedStepperState
        The transposed-convolution stepper (its own fields and signals).
    """

    state_name = "the segmentation lesson's state"

    image: np.ndarray = array_field(_blank_image)
    truth: np.ndarray | None = array_field(_blank_truth)
    source: str = "drawn"
    strokes: tuple[Stroke, ...] = ()
    draw_class: int = 0
    seed: int = 0
    tab: int = 0
    upsampling_step: int = UPSAMPLING_STEPS
    stepper: TransposedStepperState = dataclasses.field(default_factory=TransposedStepperState)

    @classmethod
    def complete(cls, data: dict) -> dict:
        """A partial dict asking for a random scene (``{"source": "random", "seed": 7}``) gets its image and labels."""
        if data.get("source") == "random" and "image" not in data and "truth" not in data:
            seed = data.get("seed", 0)
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise ValueError(f"the random-scene seed must be a whole number, got {seed!r}")
            check_range("the random-scene seed", seed, 0, 2**63 - 1)
            image, truth = random_scene(seed)
            data = {"image": encode(image), "truth": encode(truth), **data}
        return data

    # -- setters with logic ---------------------------------------------------
    def clear(self) -> None:
        """A blank canvas with no strokes."""
        self.set_scene(_blank_image(), _blank_truth(), "drawn")

    def set_scene(self, image: np.ndarray, truth: np.ndarray | None, source: str, seed: int | None = None) -> None:
        """A new scene under no strokes (checked first: nothing changes if it is refused)."""
        image = np.asarray(image, dtype=np.float32)
        truth = None if truth is None else np.asarray(truth, dtype=np.int64)
        self._check_scene(image, truth, source)
        if seed is not None:
            check_range("the random-scene seed", int(seed), 0, 2**63 - 1)
            self.seed = int(seed)
        self.strokes = ()
        self.image, self.truth, self.source = image, truth, source

    def set_strokes(self, strokes) -> None:
        """Replace the strokes by ``(digit, points)`` pairs (e.g. what the pad holds)."""
        strokes = tuple((int(digit), tuple((float(x), float(y)) for x, y in points)) for digit, points in strokes)
        self._check_strokes(strokes)
        self.strokes = strokes

    def set_upsampling_step(self, step: int) -> None:
        """Show the first ``step`` steps of the upsampling path (clamped to 1 .. :data:`UPSAMPLING_STEPS`)."""
        self.upsampling_step = int(min(max(int(step), 1), UPSAMPLING_STEPS))

    def undo_stroke(self) -> bool:
        """Remove the newest stroke; False if there was none."""
        if not self.strokes:
            return False
        self.strokes = self.strokes[:-1]
        return True

    # -- checks ---------------------------------------------------------------
    @staticmethod
    def _check_scene(image: np.ndarray, truth: np.ndarray | None, source: str) -> None:
        check_choice("the scene's source", source, SOURCES)
        side = (SCENE_SIDE, SCENE_SIDE)
        if image.shape != side:
            raise ValueError(f"the scene's image must be {SCENE_SIDE}×{SCENE_SIDE}, got shape {image.shape}")
        if not np.all(np.isfinite(image)) or image.min() < 0 or image.max() > 1:
            raise ValueError("the scene's image must hold brightness values between 0 and 1")
        if (truth is None) != (source == "picture"):
            raise ValueError("a loaded picture has no ground truth, and a drawn or random scene needs one "
                             f"(source {source!r}, truth {'missing' if truth is None else 'given'})")
        if truth is not None:
            if truth.shape != side:
                raise ValueError(f"the ground truth must be {SCENE_SIDE}×{SCENE_SIDE}, got shape {truth.shape}")
            if truth.min() < 0 or truth.max() >= NUM_CLASSES:
                raise ValueError(f"the ground truth must hold classes 0 to {NUM_CLASSES - 1}, "
                                 f"got {int(truth.min())} to {int(truth.max())}")

    @staticmethod
    def _check_strokes(strokes) -> None:
        if len(strokes) > MAX_STROKES:
            raise ValueError(f"a drawing keeps at most {MAX_STROKES} strokes, got {len(strokes)}")
        for i, (digit, points) in enumerate(strokes):
            check_range(f"stroke {i + 1}'s digit", digit, 0, NUM_CLASSES - 2)
            if not points:
                raise ValueError(f"stroke {i + 1} has no points")
            xy = np.asarray(points, dtype=np.float64)
            if not np.all(np.isfinite(xy)) or xy.min() < -STROKE_MARGIN or xy.max() > SCENE_SIDE + STROKE_MARGIN:
                raise ValueError(f"stroke {i + 1} has points outside the drawing "
                                 f"({-STROKE_MARGIN}..{SCENE_SIDE + STROKE_MARGIN} in pad coordinates)")

    def validate(self) -> None:
        if self.image.dtype.kind != "f":
            raise ValueError(f"the scene's image must hold brightness values (floats), got dtype {self.image.dtype}")
        if self.truth is not None and self.truth.dtype.kind not in "iu":
            raise ValueError(f"the ground truth must hold whole class numbers, got dtype {self.truth.dtype}")
        self._check_scene(self.image, self.truth, self.source)
        self._check_strokes(self.strokes)
        check_range("the drawing class", self.draw_class, 0, NUM_CLASSES - 2)
        check_range("the random-scene seed", self.seed, 0, 2**63 - 1)
        check_range("the tab", self.tab, 0, len(TABS) - 1)
        check_range("the upsampling step", self.upsampling_step, 1, UPSAMPLING_STEPS)
        self.stepper.validate()

    # -- sessions: the stepper is a state of its own inside this one ----------------
    def update_from(self, other: StateModel) -> None:
        if type(other) is not type(self):
            raise TypeError(f"cannot update a {type(self).__name__} from a {type(other).__name__}")
        # The scene first, strokes last, so listeners never see strokes over the wrong scene.
        names = [f.name for f in self._session_fields() if f.name not in ("stepper", "strokes")] + ["strokes"]
        for name in names:
            setattr(self, name, getattr(other, name))
        self.stepper.update_from(other.stepper)


State = SegmentationState
