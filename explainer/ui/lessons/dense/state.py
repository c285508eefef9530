"""The dense lesson's state: which digit goes in, the softmax temperature and the logit override.

No Qt here. What the head computes for the input (flattened values, weights,
hidden activations, logits) is derived: it lives in transient fields that a
session never saves, and is recomputed from the saved fields and the digit
model in use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from psygnal import evented

from ...evented import StateModel, check_choice, check_range, transient
from ....core import SoftmaxParts, softmax_parts

#: Where the input digit comes from, and how the source menu names it.
SOURCES = {"heldout": "Held-out MNIST digit", "drawing": "Your drawing (draw lesson)"}
#: The temperature slider's range (it moves in steps of 0.1).
TEMPERATURE_MIN, TEMPERATURE_MAX = 0.1, 5.0
#: Largest logit, in either sign, the override may set.
LOGIT_LIMIT = 100.0
#: Classes of a digit classifier; the model in use may say otherwise (see :attr:`DenseState.classes`).
DIGIT_CLASSES = 10


@evented
@dataclass
class DenseState(StateModel):
    """Everything a teacher can set in the dense lesson.

    Fields
    ------
    source : {"heldout", "drawing"}
        A bundled held-out MNIST digit, or the drawing from the draw lesson.
    index : int
        Which held-out digit (0-based).
    temperature : float
        T in softmax(z / T), between 0.1 and 5.
    override_on : bool
        Whether one logit is replaced by ``override_value`` before softmax.
    override_class : int
        The class whose logit is replaced.
    override_value : float
        The logit it gets, between −100 and 100.
    model_info : ModelInfo or None (transient)
        The digit model in use with its shapes, parameter counts and held-out digits.
    head : HeadNumbers or None (transient)
        The head's numbers for the current input (None while nothing is computed or nothing is drawn).
    """

    state_name = "the dense lesson's state"

    source: str = "heldout"
    index: int = 0
    temperature: float = 1.0
    override_on: bool = False
    override_class: int = 0
    override_value: float = 0.0
    model_info: object = transient(None)
    head: object = transient(None)

    @property
    def classes(self) -> int:
        """How many classes the model in use has (10 until it is known)."""
        if self.model_info is not None:
            return int(self.model_info.classes)
        return DIGIT_CLASSES

    def validate(self) -> None:
        check_choice("the input source", self.source, tuple(SOURCES))
        if self.index < 0:
            raise ValueError(f"the held-out digit number must be 0 or more, got {self.index}")
        check_range("the temperature", self.temperature, TEMPERATURE_MIN, TEMPERATURE_MAX)
        check_range("the class whose logit is set", self.override_class, 0, self.classes - 1)
        check_range("the logit value set", self.override_value, -LOGIT_LIMIT, LOGIT_LIMIT)

    def set_override(self, on: bool, klass: int | None = None, value: float | None = None) -> None:
        """Switch the logit override and optionally change its class and value (class and value first)."""
        if klass is not None:
            check_range("the class whose logit is set", klass, 0, self.classes - 1)
            self.override_class = int(klass)
        if value is not None:
            check_range("the logit value set", value, -LOGIT_LIMIT, LOGIT_LIMIT)
            self.override_value = float(value)
        self.override_on = bool(on)

    def logits(self) -> np.ndarray | None:
        """The head's logits with the override applied, or None when no head is computed."""
        if self.head is None:
            return None
        z = np.array(self.head.logits, dtype=np.float64)
        if self.override_on and 0 <= self.override_class < z.size:
            z[self.override_class] = self.override_value
        return z

    def softmax(self) -> SoftmaxParts | None:
        """softmax(z / T) with every number of the formula, or None when no head is computed."""
        z = self.logits()
        return None if z is None else softmax_parts(z, self.temperature)


State = DenseState
