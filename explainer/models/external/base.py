"""What every opened model offers, whatever its file format: layers, activations, a summary."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

import numpy as np

from ..summary import SummaryRow, format_summary
from .preprocessing import Preprocessing

#: Coarse kinds of op types (as :func:`explainer.models.summary.layer_kind` gives for our modules).
KINDS = {
    "Conv": "conv", "ConvTranspose": "deconv", "MaxPool": "pool", "AveragePool": "pool", "LpPool": "pool",
    "GlobalAveragePool": "pool", "GlobalMaxPool": "pool", "AdaptiveAvgPool": "pool", "AdaptiveMaxPool": "pool",
    "Gemm": "dense", "MatMul": "dense", "Relu": "activation", "Sigmoid": "activation", "Tanh": "activation",
    "LeakyRelu": "activation", "Clip": "activation", "Gelu": "activation", "Silu": "activation",
    "HardSwish": "activation", "HardSigmoid": "activation", "Elu": "activation", "Softmax": "activation",
    "LogSoftmax": "activation", "BatchNormalization": "norm", "LayerNormalization": "norm",
    "InstanceNormalization": "norm", "GroupNormalization": "norm", "Dropout": "dropout", "Flatten": "reshape",
    "Reshape": "reshape", "Transpose": "reshape", "Squeeze": "reshape", "Unsqueeze": "reshape",
    "Add": "merge", "Concat": "merge", "Sum": "merge",
}


@dataclass(frozen=True, eq=False)
class ExternalLayer:
    """One node of an opened model's graph.

    Attributes
    ----------
    name : str
        Unique; the key of this layer's output in :meth:`ExternalModel.activations`.
    op_type : str
        ONNX op type ("Conv", "Relu", "Add", "MaxPool", "Gemm"…); ``.pt2`` nodes are given the same names.
    output_shape : tuple
        Ints, ``None`` for dimensions that are not known; the batch dimension included.
    parameters : int
        Numbers this node owns: the weights, biases and statistics (batch norm's running mean and
        variance included) it reads from the file.
    inputs : tuple of str
        Names of the layers it reads (the model input's name for the first layer).
    attributes : dict
        For convolutions: ``kernel_shape``, ``strides``, ``pads`` (begin and end of each side, ONNX
        order), ``dilations``, ``group``; for pools ``kernel_shape``, ``strides``, ``pads`` (and
        ``dilations``, ``ceil_mode`` where given); else empty.
    weight : ndarray or None
        Convolutions: ``(out, in / groups, kh, kw)`` float32.
    bias : ndarray or None
    non_trainable : int
        The part of ``parameters`` that training does not change (batch norm's running statistics).
    """

    name: str
    op_type: str
    output_shape: tuple
    parameters: int
    inputs: tuple[str, ...]
    attributes: dict
    weight: np.ndarray | None
    bias: np.ndarray | None
    non_trainable: int = 0

    @property
    def kind(self) -> str:
        """A coarse kind ("conv", "pool", "dense", "activation", "norm", "merge", "reshape"…), else "other"."""
        return KINDS.get(self.op_type, "other")


@dataclass(eq=False)
class ExternalModel:
    """A model opened from a file: its layers, and what each computes for an image.

    Made by :func:`explainer.models.external.open_model`; see there for the formats.

    Attributes
    ----------
    path : pathlib.Path
    format : {"onnx", "pt2", "convlens"}
        ``"convlens"`` for a weights file of one of ConvLens' own image networks.
    name : str
        The file's stem, for titles.
    input_name : str
    input_shape : tuple of int
        ``(1, channels, height, width)``.
    labels : list of str
        The class names (see :mod:`~explainer.models.external.preprocessing`).
    preprocessing : Preprocessing
    notes : list of str
        Sentences about what was read but not used (e.g. a labels.txt with the wrong count).
    size_fixed : bool
        False when the file leaves the input's height and width open: the model was then prepared
        for ``preprocessing.size`` and can be opened again at another (``open_model(path, size=...)``).
    """

    path: pathlib.Path
    format: str
    name: str
    input_name: str
    input_shape: tuple
    labels: list = field(default_factory=list)
    preprocessing: Preprocessing | None = None
    notes: list = field(default_factory=list)
    size_fixed: bool = True
    _layers: list = field(default_factory=list, repr=False)

    def layers(self) -> list[ExternalLayer]:
        """Every layer, in the order the graph runs them (the model's output last)."""
        return list(self._layers)

    def activations(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for the input ``x``.

        Parameters
        ----------
        x : ndarray, shape (N, C, H, W)
            As :meth:`Preprocessing.apply` makes it; C, H and W those of :attr:`input_shape`.

        Returns
        -------
        dict of str to ndarray
            Keyed by layer name, in the order the graph runs, the model's output last; batch dimension kept.

        Raises
        ------
        ValueError
            For an input of the wrong shape, or when the model fails on it (with the runtime's reason).
        """
        x = self.check_input(x)
        try:
            return self._run(x)
        except ValueError:
            raise
        except MemoryError:
            raise ValueError(f"{self.name} ran out of memory on this input.") from None
        except Exception as exc:  # the runtimes raise their own kinds for what a user's graph does
            raise ValueError(f"{self.name} could not compute its layers for this input: "
                             f"{plain(exc).rstrip('.')}.") from exc

    def _run(self, x: np.ndarray) -> dict[str, np.ndarray]:  # pragma: no cover - each format has its own
        raise NotImplementedError

    def check_input(self, x) -> np.ndarray:
        """``x`` as float32, if its shape fits the model (any batch size); else ``ValueError``."""
        x = np.asarray(x)
        expected = tuple(self.input_shape[1:])
        if x.ndim != 4 or tuple(x.shape[1:]) != expected or x.shape[0] < 1:
            raise ValueError(f"{self.name} takes input of shape (N, {', '.join(map(str, expected))}), "
                             f"got {tuple(x.shape)}")
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise ValueError(f"{self.name} takes real numbers, got {x.dtype}")
        return np.ascontiguousarray(x, dtype=np.float32)

    def summary(self) -> str:
        """A Keras-style table of the layers: name (op type), output shape, parameters, and the totals."""
        rows = [SummaryRow(layer.name, layer.op_type, layer.kind, layer.output_shape, layer.parameters,
                           layer.parameters - layer.non_trainable, list(layer.inputs)) for layer in self._layers]
        return format_summary(rows, title=self.name)

    def skip_connections(self) -> list[tuple[str, str]]:
        """``(from, to)`` for every layer input that is not the layer just before it in order.

        The ``from`` side is a layer name, or the model input's name when a later layer reads the input
        itself. A residual block's ``Add`` gives one such pair (its shortcut).
        """
        pairs, previous = [], None
        for layer in self._layers:
            for source in layer.inputs:
                if previous is not None and source != previous:
                    pairs.append((source, layer.name))
                elif previous is None and source != self.input_name:
                    pairs.append((source, layer.name))
            previous = layer.name
        return pairs

    def conv_layers(self) -> list[ExternalLayer]:
        """The convolution layers (those with a kernel to show)."""
        return [layer for layer in self._layers if layer.op_type in ("Conv", "ConvTranspose")]

    def output_classes(self) -> int | None:
        """How many classes the output scores (its channel count), if known."""
        shape = self._layers[-1].output_shape if self._layers else ()
        return shape[1] if len(shape) >= 2 and isinstance(shape[1], int) else None


def order_with_output_last(layers: list[ExternalLayer], output: str | None) -> list[ExternalLayer]:
    """``layers`` with the layer named ``output`` moved last, unless a later layer reads it."""
    index = next((i for i, layer in enumerate(layers) if layer.name == output), None)
    if index is None or index == len(layers) - 1:
        return layers
    if any(output in layer.inputs for layer in layers[index + 1:]):
        return layers
    return layers[:index] + layers[index + 1:] + [layers[index]]


def unique_name(wanted: str, taken: set[str], fallback: str) -> str:
    """``wanted`` (or ``fallback`` when empty), made unique among ``taken`` with a numeric suffix; added to it."""
    base = wanted or fallback
    name, i = base, 1
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


#: Most memory the layers of one image may take (their outputs are all kept, to be shown): 2 GiB.
MAX_ACTIVATION_BYTES = 2 << 30


def check_sizes(name: str, layers: list[ExternalLayer], input_shape: tuple,
                limit: int = MAX_ACTIVATION_BYTES) -> None:
    """Refuse (``ValueError``) a model whose input side or layer outputs are too large to compute and show.

    Output shapes not known yet (``None`` dimensions) are not counted. Called before the model first runs,
    so a file that declares a gigantic layer is refused instead of exhausting the memory.
    """
    from .preprocessing import MAX_SIDE

    sides = [d for d in tuple(input_shape)[2:] if d is not None]
    if any(not 1 <= int(d) <= MAX_SIDE for d in sides):
        raise ValueError(f"{name} takes images of {'×'.join(map(str, sides))} pixels; ConvLens shows models "
                         f"whose input is 1 to {MAX_SIDE} pixels a side.")
    total = 0
    for layer in layers:
        if layer.output_shape and all(isinstance(d, int) for d in layer.output_shape):
            total += 4 * int(np.prod(layer.output_shape, dtype=object))
    if total > limit:
        raise ValueError(f"{name} is too large to show: the outputs of its layers for one image would take "
                         f"{size_text(total)} of memory, over ConvLens' limit of {size_text(limit)}.")


def plain(text: str, limit: int = 300) -> str:
    """The first line of a library's message, without paths, shortened: for sentences shown to people."""
    first = " ".join(str(text).strip().split("\n", 1)[0].split())
    return first if len(first) <= limit else first[: limit - 1] + "…"


def size_text(n: int) -> str:
    """A byte count in words: ``"3.2 MB"``, ``"4.3 GB"``."""
    if n >= 10**9:
        return f"{n / 1e9:,.1f} GB"
    return f"{n / 1e6:,.1f} MB" if n >= 100_000 else f"{n:,} bytes"
