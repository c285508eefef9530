"""The bundled networks and how to load them.

``load_model(name)`` returns a torch module in eval mode, built from weights
that the project's own training code produced (``python -m explainer.train``)
and bundled under ``assets/models``. Loading never runs code from the file
(``torch.load(..., weights_only=True)``).
"""

from __future__ import annotations

import functools
import pathlib

from torch import nn

from .digits import DigitCNN, DigitReading, read_digit
from .fcn import FCN
from .photo import CIFAR10_CLASSES, PhotoCNN
from .text import TextCNN, TextLSTM, TextRNN
from .runtime import all_cores, inference_copy, use_interactive_threads
from .trace import Stage, count_parameters, folded_conv, stages, trace
from .weights import WHAT_TO_DO, ModelLoadError, load_state, read_weights, save_weights
from .config import check_config, check_size

#: Every model name the app knows, and what it is.
MODEL_NAMES: dict[str, str] = {
    "mnist": "LeNet-style digit classifier (28×28 → 10 digits)",
    "mnist_nopool": "Digit CNN without pooling (28×28 → two stride-1 5×5 convolutions → dense → 10 digits)",
    "cifar10": "residual photo classifier (32×32 RGB → 10 CIFAR-10 classes)",
    "fcn32s": "FCN-32s digit-scene segmenter (scores upsampled ×32 in one step)",
    "fcn16s": "FCN-16s digit-scene segmenter (pool4 fused, upsampled ×16)",
    "fcn8s": "FCN-8s digit-scene segmenter (pool4 and pool3 fused, upsampled ×8)",
    "imdb_cnn": "IMDB sentiment: embedding → 1-D convolution → global max pooling → dense → sigmoid",
    "imdb_rnn": "IMDB sentiment: embedding → simple RNN (tanh) → mean of the states → dense → sigmoid",
    "imdb_lstm": "IMDB sentiment: embedding → LSTM → mean of the states → dense → sigmoid",
}

_BUILDERS = {
    "mnist": DigitCNN,
    "mnist_nopool": functools.partial(DigitCNN, pool="none"),
    "cifar10": PhotoCNN,
    "fcn32s": FCN,
    "fcn16s": FCN,
    "fcn8s": FCN,
    "imdb_cnn": TextCNN,
    "imdb_rnn": TextRNN,
    "imdb_lstm": TextLSTM,
}

#: The training command of the models whose name is not their command's (``python -m explainer.train …``).
_TRAIN_COMMANDS = {"mnist_nopool": "mnist --no-pool", "fcn32s": "fcn", "fcn16s": "fcn", "fcn8s": "fcn",
                   "imdb_cnn": "imdb", "imdb_rnn": "imdb", "imdb_lstm": "imdb"}


def weights_path(name: str) -> pathlib.Path:
    """Where the bundled weights of model ``name`` live."""
    return pathlib.Path(__file__).resolve().parents[2] / "assets" / "models" / f"{name}.pt"


def build_model(name: str, config: dict | None = None) -> nn.Module:
    """A freshly initialised (untrained) network of architecture ``name``.

    The configuration is checked field by field (:data:`explainer.models.config.BOUNDS`) and the
    network's size counted without allocating anything (at most
    :data:`~explainer.models.config.MAX_PARAMETERS` weights) before the network is built.

    Raises
    ------
    ModelLoadError
        For an unknown name, or a configuration outside the bounds, saying which field and why.
    """
    if name not in _BUILDERS:
        raise ModelLoadError(f"unknown model {name!r}; known models: {', '.join(MODEL_NAMES)}")
    builder = _BUILDERS[name]
    try:
        config = check_config(name, {} if config is None else config)
        check_size(builder, config)
        return builder(**config)
    except (ModelLoadError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"the configuration for {name!r} is not valid: {str(exc).rstrip('.')}.") from exc


def load_model_file(path, name: str) -> nn.Module:
    """Load weights for architecture ``name`` from any file (e.g. one the user saved).

    Everything is checked before it is used: the file (:func:`read_weights`), its
    configuration before any network is built (:func:`build_model`), and that every
    weight is there with the network's shape (:func:`load_state`).

    Raises
    ------
    ModelLoadError
        With a plain-language reason if the file cannot be used.
    """
    path = pathlib.Path(path)
    payload = read_weights(path, expected_arch=name)
    try:
        model = build_model(name, payload["config"])
    except ModelLoadError as exc:
        raise ModelLoadError(f"{path.name}: {exc} {WHAT_TO_DO}") from exc
    model = load_state(model, payload, path.name)
    model.training_metrics = payload["metrics"]
    return model


def load_model(name: str) -> nn.Module:
    """The bundled, trained model ``name`` in eval mode.

    Parameters
    ----------
    name : str
        One of :data:`MODEL_NAMES`.

    Raises
    ------
    ModelLoadError
        If the name is unknown, or the bundled weights are missing or damaged.
    """
    if name not in MODEL_NAMES:
        raise ModelLoadError(f"unknown model {name!r}; known models: {', '.join(MODEL_NAMES)}")
    path = weights_path(name)
    if not path.is_file():
        raise ModelLoadError(
            f"the bundled weights for {name!r} are missing ({path}); "
            f"recreate them with: python -m explainer.train {_TRAIN_COMMANDS.get(name, name)}"
        )
    return load_model_file(path, name)


__all__ = ["CIFAR10_CLASSES", "MODEL_NAMES", "PhotoCNN", "DigitCNN", "DigitReading", "Stage", "count_parameters", "folded_conv", "read_digit", "stages", "trace", "ModelLoadError", "build_model", "load_model", "load_model_file",
           "save_weights", "weights_path", "all_cores", "inference_copy", "use_interactive_threads"]
