"""Background work of the dense lesson: describe the digit model in use and run its head on one digit.

These functions run in worker threads. They take the model and arrays, return
frozen records, and never touch widgets or the lesson's state. The model is
never changed: tracing and evaluation use a private twin that shares its weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .... import io
from ....core import mnist_preprocess
from ....models import count_parameters, load_model, stages
from ....models.trace import private_twin

#: Side of the digits the network reads.
DIGIT_SIDE = 28


@dataclass(frozen=True, eq=False)
class ModelInfo:
    """The digit model in use, described from the model itself.

    Attributes
    ----------
    model : nn.Module
    name : str
        What the app calls it ("bundled digit CNN", "your trained model").
    parts : dict of str to int
        ``"<Layer type> <name>"`` → parameter count, for every leaf layer with parameters.
    linear_params : int
        Parameters of the fully connected (Linear) layers.
    maps_key : str
        The stage that is flattened, e.g. ``"pool2"``.
    maps_shape : tuple of int
        Its (C, H, W).
    flat_size, hidden_size, classes : int
        Length of the flattened vector, of the hidden layer, and number of logits.
    w1, w2 : ndarray, shapes (hidden, flat) and (classes, hidden)
        The two weight matrices when the model was described (float64 copies).
    images : ndarray, shape (N, 28, 28)
    labels : ndarray, shape (N,)
        The bundled held-out digits.
    """

    model: object
    name: str
    parts: dict
    linear_params: int
    maps_key: str
    maps_shape: tuple
    flat_size: int
    hidden_size: int
    classes: int
    w1: np.ndarray
    w2: np.ndarray
    images: np.ndarray
    labels: np.ndarray

    @property
    def total_params(self) -> int:
        return sum(self.parts.values())


@dataclass(frozen=True, eq=False)
class HeadNumbers:
    """The fully connected head for one input digit (float64 throughout).

    Attributes
    ----------
    digit : ndarray, shape (28, 28)
    maps : ndarray, shape (C, H, W)
        The feature maps that are flattened.
    flat : ndarray, shape (n,)
        x, the flattened maps.
    w1, b1 : ndarray, shapes (h, n) and (h,)
    pre, hidden : ndarray, shape (h,)
        W₁x + b₁ and ReLU of it.
    w2, b2 : ndarray, shapes (k, h) and (k,)
    logits : ndarray, shape (k,)
        The model's own output for the digit.
    templates : ndarray, shape (k, n)
        What each class "looks for": row c is W₂[c] · diag(pre > 0) · W₁, so that
        ``templates @ flat + W₂ · (b₁ where active) + b₂ = logits`` exactly for this input.
    """

    digit: np.ndarray
    maps: np.ndarray
    flat: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    pre: np.ndarray
    hidden: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    logits: np.ndarray
    templates: np.ndarray


@dataclass(frozen=True, eq=False)
class HeadReading:
    """A worker's answer: the head for the requested input, or None with the reason in ``text``."""

    head: HeadNumbers | None
    text: str


def _numbers(tensor) -> np.ndarray:
    """A float64 copy of a weight tensor (a copy, so later training never changes what is shown)."""
    return tensor.detach().double().numpy().copy()


def _trace_head(model, digit: np.ndarray) -> tuple[dict, np.ndarray]:
    """The stages of ``model`` on ``digit`` by key, and its logits; the model must have a two-layer dense head."""
    import torch

    twin = private_twin(model).eval()  # never switch the caller's model out of training mode
    x = torch.from_numpy(np.array(digit, dtype=np.float32))[None, None]  # a copy: held-out digits are read-only
    layer_stages, logits = stages(twin, x)
    by_key = {stage.key: stage for stage in layer_stages}
    keys = [stage.key for stage in layer_stages]
    linear = [key for key in keys if key.startswith("dense") or key == "output"]
    if "flatten" not in by_key or linear != ["dense1", "output"]:
        raise ValueError("this lesson needs a model that ends in flatten → one hidden fully connected layer → "
                         f"output; this one has the stages {' → '.join(keys)}")
    before = keys[keys.index("flatten") - 1]
    if not by_key[before].spatial:
        raise ValueError(f"this lesson needs feature maps before the flatten; this model flattens {before}, "
                         "which is a vector")
    by_key["maps"] = by_key[before]
    return by_key, logits[0].detach().double().numpy()


def load_head_model(model=None, name: str = "bundled digit CNN") -> ModelInfo:
    """Describe the digit model in use (None: load the bundled one) and load the held-out digits."""
    model = model if model is not None else load_model("mnist")
    by_key, logits = _trace_head(model, np.zeros((DIGIT_SIDE, DIGIT_SIDE), np.float32))
    parts = {}
    linear = 0
    for layer_name, module in model.named_modules():
        if list(module.children()):
            continue
        total, _ = count_parameters(module)
        if total:
            parts[f"{type(module).__name__} {layer_name}"] = total
            if type(module).__name__ == "Linear":
                linear += total
    maps = by_key["maps"]
    images, labels = io.heldout_digits()
    return ModelInfo(model, name, parts, linear, maps.key, tuple(int(n) for n in maps.values.shape),
                     int(by_key["flatten"].values.size), int(by_key["dense1"].values.size), int(logits.size),
                     _numbers(by_key["dense1"].module.weight), _numbers(by_key["output"].module.weight), images, labels)


def head_of(model, digit: np.ndarray) -> HeadNumbers:
    """Run the digit model on one 28×28 digit and collect its fully connected head."""
    by_key, logits = _trace_head(model, digit)
    dense1, output = by_key["dense1"].module, by_key["output"].module
    w1, b1, w2, b2 = _numbers(dense1.weight), _numbers(dense1.bias), _numbers(output.weight), _numbers(output.bias)
    flat = by_key["flatten"].values.astype(np.float64)
    pre = w1 @ flat + b1
    # logit_c = Σ_j (W₂[c] · mask · W₁)[j] · x_j + const, where mask keeps the hidden ReLUs that are on.
    templates = (w2 * (pre > 0)) @ w1
    return HeadNumbers(np.asarray(digit, np.float64), by_key["maps"].values.astype(np.float64), flat, w1, b1, pre,
                       np.maximum(pre, 0.0), w2, b2, logits, templates)


def read_head(info: ModelInfo, source: str, index: int, drawing: np.ndarray | None) -> HeadReading:
    """The head for the chosen input: held-out digit ``index``, or ``drawing`` preprocessed the MNIST way."""
    if source == "drawing":
        steps = mnist_preprocess(drawing) if drawing is not None else None
        if steps is None:
            return HeadReading(None, "Nothing drawn yet: draw a digit in the “Draw a digit” lesson.")
        return HeadReading(head_of(info.model, steps.digit), "your drawing (preprocessed to 28×28)")
    count = len(info.images)
    if count == 0:
        return HeadReading(None, "No held-out digits are bundled: choose your drawing as the input.")
    if not 0 <= index < count:
        return HeadReading(None, f"There is no held-out digit #{index}: the bundle has {count:,} (#0 to "
                                 f"#{count - 1}).")
    return HeadReading(head_of(info.model, info.images[index]),
                       f"held-out digit #{index}, true label {info.labels[index]}")
