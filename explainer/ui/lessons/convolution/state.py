"""The convolution lesson's whole state, without Qt.

The input, the kernels and biases, the geometry, which kernel is stepped and
which output cell is explained are one evented dataclass. The view draws from
it; the setters below keep it consistent (a kernel-size change keeps the
centre, a geometry change keeps the cursor inside the output). The output
itself is derived: :meth:`ConvolutionState.result` computes it with
:func:`explainer.core.conv2d`, so it is never saved.

A setting whose kernel does not fit the padded input is a valid state: there
is simply no output, and :meth:`ConvolutionState.result` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from psygnal import evented

from ....core import conv2d, output_size_unchecked
from ....core.limits import check_typed_values, typed_value_problem
from ...evented import StateModel, check_choice, check_range, encode
from .presets import PRESETS, Example, channel_names, digit_example, lecture_example

STRIDE_RANGE = (1, 4)
PADDING_RANGE = (0, 3)
DILATION_RANGE = (1, 3)
KERNEL_SIZE_RANGE = (1, 7)
KERNEL_COUNT_RANGE = (1, 4)
CHANNEL_CHOICES = (1, 3)
CROP_SIZE_RANGE = (5, 16)
#: Cells per second while playing.
SPEED_RANGE = (1, 10)
#: Largest input side: every number must stay readable in a cell.
MAX_INPUT_SIDE = 32
#: Largest crop position (the picture is shown at most 256 pixels on a side).
MAX_CROP_POS = 256


def _typed(value: float) -> float:
    """``value`` as a float, or ``ValueError`` if it is not a number a person may type (±999)."""
    problem = typed_value_problem(value)
    if problem:
        raise ValueError(problem)
    return float(value)


def _opening(part: str):
    """A default taken from the lecture's RGB example, which the lesson opens on."""
    return field(default_factory=lambda: getattr(lecture_example("rgb"), part))


def match_channels(w: np.ndarray, channels: int) -> np.ndarray:
    """Kernels ``w`` (K, C, k, k) with ``channels`` slices each: extra slices copy the first, fewer drop the rest."""
    if w.shape[1] == channels:
        return w
    if channels < w.shape[1]:
        return w[:, :channels].copy()
    return np.repeat(w[:, :1], channels, axis=1)


def resize_kernels(w: np.ndarray, size: int) -> np.ndarray:
    """Kernels ``w`` (K, C, k, k) made ``size``×``size``, keeping their centre (a new border is zeros)."""
    k = w.shape[-1]
    out = np.zeros((*w.shape[:2], size, size))
    if size >= k:
        o = (size - k) // 2
        out[..., o : o + k, o : o + k] = w
    else:
        o = (k - size) // 2
        out[...] = w[..., o : o + size, o : o + size]
    return out


@evented
@dataclass
class ConvolutionState(StateModel):
    """Everything the kernel stepper shows, and nothing derived.

    Fields (each with a signal ``events.<field>``)
    -----------------------------------------------
    preset : {"rgb", "binary", "digit", "crop"}
        The example the input came from (edits keep it).
    x : ndarray, shape (C, H, W), float64
        The input; C is 1 or 3, H and W at most :data:`MAX_INPUT_SIDE`.
    w : ndarray, shape (K, C, k, k), float64
        K kernels (1 to 4) of side k (1 to 7), one k×k slice per input channel.
    b : ndarray, shape (K,), float64
        One bias per kernel.
    stride, padding, dilation : int
        1–4, 0–3 and 1–3.
    kernel : int
        The kernel (output channel) being stepped, 0 .. K−1.
    cursor : int
        The output cell being explained, row-major; 0 when no output exists.
    channel_names : tuple of str
        One name per input channel ("Red", "Green", "Blue").
    crop_size : int
        Side of the square cut from the current image (preset "crop"), 5 to 16.
    crop_pos : (int, int)
        Its top-left (row, col) in the picture as shown (at most 256 pixels on a side).
    speed : int
        Cells per second while playing, 1 to 10 (playing itself is not saved).
    """

    state_name = "the convolution lesson's state"

    preset: str = "rgb"
    x: np.ndarray = _opening("x")
    w: np.ndarray = _opening("w")
    b: np.ndarray = _opening("b")
    stride: int = _opening("stride")
    padding: int = _opening("padding")
    dilation: int = _opening("dilation")
    kernel: int = 0
    cursor: int = 0
    channel_names: tuple[str, ...] = _opening("names")
    crop_size: int = 8
    crop_pos: tuple[int, int] = (0, 0)
    speed: int = 3

    def __post_init__(self) -> None:
        # Numbers typed into cells are decimals: whole-number arrays from a file become float64.
        self.x, self.w, self.b = (np.asarray(a, dtype=np.float64) for a in (self.x, self.w, self.b))

    # -- what the state implies ------------------------------------------------
    @property
    def channels(self) -> int:
        return int(self.x.shape[0]) if self.x.ndim == 3 else 0

    @property
    def kernel_size(self) -> int:
        return int(self.w.shape[-1]) if self.w.ndim == 4 else 0

    @property
    def kernel_count(self) -> int:
        return int(self.w.shape[0]) if self.w.ndim == 4 else 0

    def output_shape(self) -> tuple[int, int] | None:
        """Output height and width, or None when the (dilated) kernel does not fit the padded input."""
        if self.x.ndim != 3 or self.w.ndim != 4:
            return None
        h, w = self.x.shape[1:]
        k = self.kernel_size
        out = (output_size_unchecked(h, k, self.stride, self.padding, self.dilation),
               output_size_unchecked(w, k, self.stride, self.padding, self.dilation))
        return out if min(out) >= 1 else None

    @property
    def cells(self) -> int:
        """Number of cells of one output map (0 when there is no output)."""
        shape = self.output_shape()
        return 0 if shape is None else shape[0] * shape[1]

    def cursor_cell(self) -> tuple[int, int] | None:
        """The explained output cell (row, col); a cursor past the end shows the last cell."""
        shape = self.output_shape()
        if shape is None:
            return None
        return divmod(min(max(self.cursor, 0), self.cells - 1), shape[1])

    def result(self) -> tuple[np.ndarray | None, str]:
        """The output (K, H', W') and an empty string, or None and the reason there is no output."""
        problem = self.problem()
        if problem:
            return None, problem
        try:
            return conv2d(self.x, self.w, self.b, self.stride, self.padding, self.dilation), ""
        except ValueError as exc:
            return None, str(exc)

    def problem(self) -> str:
        """Why the arrays do not fit together (a sentence), or "" when they do."""
        x, w, b = self.x, self.w, self.b
        if x.ndim != 3:
            return f"the input should be (channels, height, width), got shape {x.shape}"
        if w.ndim != 4 or w.shape[2] != w.shape[3]:
            return f"the kernels should be (kernels, channels, k, k) with square k×k slices, got shape {w.shape}"
        if w.shape[1] != x.shape[0]:
            return f"the kernels have {w.shape[1]} channel slice(s) but the input has {x.shape[0]} channel(s)"
        if b.shape != (w.shape[0],):
            return f"there should be one bias per kernel ({w.shape[0]}), got shape {b.shape}"
        if not 0 <= self.kernel < w.shape[0]:
            return f"the active kernel must be between 0 and {w.shape[0] - 1}, got {self.kernel}"
        if len(self.channel_names) != x.shape[0]:
            return f"there should be one channel name per input channel ({x.shape[0]}), got {len(self.channel_names)}"
        return ""

    def validate(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(problem)
        check_choice("preset", self.preset, tuple(PRESETS))
        check_choice("the number of input channels", self.channels, CHANNEL_CHOICES)
        check_range("the input height", self.x.shape[1], 1, MAX_INPUT_SIDE)
        check_range("the input width", self.x.shape[2], 1, MAX_INPUT_SIDE)
        check_range("the number of kernels", self.kernel_count, *KERNEL_COUNT_RANGE)
        check_range("the kernel size", self.kernel_size, *KERNEL_SIZE_RANGE)
        for name, values in (("the input", self.x), ("the kernels", self.w), ("the biases", self.b)):
            check_typed_values(name, values)  # finite and within ±999: every sum shown stays finite
        check_range("stride", self.stride, *STRIDE_RANGE)
        check_range("padding", self.padding, *PADDING_RANGE)
        check_range("dilation", self.dilation, *DILATION_RANGE)
        check_range("the cursor", self.cursor, 0, max(0, self.cells - 1))
        check_range("the crop size", self.crop_size, *CROP_SIZE_RANGE)
        for part, value in zip(("row", "column"), self.crop_pos):
            check_range(f"the crop {part}", value, 0, MAX_CROP_POS)
        check_range("the speed", self.speed, *SPEED_RANGE)

    # -- setters with logic ----------------------------------------------------
    @classmethod
    def complete(cls, data: dict) -> dict:
        """A partial dict naming a lecture or digit preset gets that example's input, kernels and geometry.

        Fields the dict gives win (e.g. ``{"preset": "binary", "stride": 2}``).
        A crop needs the current picture, so a ``"crop"`` preset is left as given.
        """
        preset = data.get("preset")
        if preset in ("rgb", "binary", "digit") and "x" not in data:
            example = lecture_example(preset) if preset != "digit" else digit_example()
            implied = {"x": example.x, "w": example.w, "b": example.b, "stride": example.stride,
                       "padding": example.padding, "dilation": example.dilation,
                       "channel_names": list(example.names), "cursor": example.cursor}
            data = {**{key: encode(value) for key, value in implied.items()}, **data}
        return data

    def load(self, example: Example, preset: str) -> None:
        """Put a whole example in: input, kernels, biases, geometry, names; first kernel, its start cell.

        Raises ``ValueError`` (and changes nothing) if the example is outside what the lesson shows.
        """
        candidate = ConvolutionState(
            preset=preset, x=np.array(example.x, dtype=np.float64), w=np.array(example.w, dtype=np.float64),
            b=np.array(example.b, dtype=np.float64), stride=int(example.stride), padding=int(example.padding),
            dilation=int(example.dilation), kernel=0, cursor=0, channel_names=tuple(example.names),
            crop_size=self.crop_size, crop_pos=example.crop_pos or self.crop_pos, speed=self.speed)
        candidate.set_cursor(example.cursor)
        candidate.validate()
        self.update_from(candidate)

    def set_geometry(self, stride: int | None = None, padding: int | None = None,
                     dilation: int | None = None) -> None:
        """Change stride, padding and/or dilation (clamped to their ranges); the cursor stays inside."""
        if stride is not None:
            self.stride = int(np.clip(stride, *STRIDE_RANGE))
        if padding is not None:
            self.padding = int(np.clip(padding, *PADDING_RANGE))
        if dilation is not None:
            self.dilation = int(np.clip(dilation, *DILATION_RANGE))
        self._keep_cursor()

    def set_input(self, x: np.ndarray, names: tuple[str, ...] | None = None) -> None:
        """A new input (C, H, W); the kernels follow its channel count, the cursor stays inside."""
        x = np.asarray(x, dtype=np.float64)
        names = tuple(names) if names else (self.channel_names if len(self.channel_names) == x.shape[0]
                                            else channel_names(x.shape[0]))
        self.w = match_channels(self.w, x.shape[0])
        self.x = x.copy()
        self.channel_names = names
        self._keep_cursor()

    def set_input_value(self, channel: int, row: int, col: int, value: float) -> None:
        """One input pixel (unpadded coordinates); ``ValueError`` outside ±999 (:mod:`explainer.core.limits`)."""
        value = _typed(value)
        if self.x[channel, row, col] != value:
            x = self.x.copy()
            x[channel, row, col] = value
            self.x = x

    def set_weight(self, channel: int, row: int, col: int, value: float) -> None:
        """One weight of the active kernel's slice for ``channel``; ``ValueError`` outside ±999."""
        value = _typed(value)
        if self.w[self.kernel, channel, row, col] != value:
            w = self.w.copy()
            w[self.kernel, channel, row, col] = value
            self.w = w

    def set_bias(self, value: float) -> None:
        """The active kernel's bias; ``ValueError`` outside ±999."""
        value = _typed(value)
        if self.b[self.kernel] != value:
            b = self.b.copy()
            b[self.kernel] = value
            self.b = b

    def set_channels(self, channels: int) -> None:
        """1 (grey: the mean of the channels) or 3 (RGB: copies of the first) input channels."""
        check_choice("the number of input channels", channels, CHANNEL_CHOICES)
        if channels == self.channels:
            return
        if channels == 1:
            x = np.round(self.x.mean(axis=0, keepdims=True), 2)
        else:
            x = np.repeat(self.x[:1], channels, axis=0)
        self.set_input(x, channel_names(channels))

    def set_kernel_count(self, count: int) -> None:
        """Keep the first ``count`` kernels, or add kernels of random −1/0/1 weights (bias 0)."""
        count = int(np.clip(count, *KERNEL_COUNT_RANGE))
        have = self.kernel_count
        if count == have:
            return
        if count < have:
            w, b = self.w[:count].copy(), self.b[:count].copy()
        else:
            rng = np.random.default_rng(count)
            extra = rng.integers(-1, 2, size=(count - have, *self.w.shape[1:])).astype(np.float64)
            w, b = np.concatenate([self.w, extra]), np.concatenate([self.b, np.zeros(count - have)])
        self.kernel = min(self.kernel, count - 1)
        self.w = w
        self.b = b

    def set_kernel_size(self, size: int) -> None:
        """Make every kernel ``size``×``size``, keeping its centre; the cursor stays inside."""
        size = int(np.clip(size, *KERNEL_SIZE_RANGE))
        if size != self.kernel_size:
            self.w = resize_kernels(self.w, size)
            self._keep_cursor()

    def set_kernel(self, kernel: int) -> None:
        """Step kernel ``kernel`` (clamped to the kernels there are)."""
        self.kernel = int(np.clip(kernel, 0, self.kernel_count - 1))

    def set_cursor(self, index: int) -> None:
        """Explain output cell ``index`` (row-major, clamped to the output)."""
        self.cursor = int(np.clip(index, 0, max(0, self.cells - 1)))

    def step(self, delta: int) -> None:
        """Move the kernel ``delta`` cells on (negative: back)."""
        if self.cells:
            self.set_cursor(self.cursor + delta)

    def set_speed(self, speed: int) -> None:
        self.speed = int(np.clip(speed, *SPEED_RANGE))

    def set_crop(self, x: np.ndarray, size: int, pos: tuple[int, int]) -> None:
        """The square at ``pos`` of side ``size`` was cut from the picture: its pixels ``x`` become the input."""
        self.crop_size = int(np.clip(size, *CROP_SIZE_RANGE))
        self.crop_pos = (int(pos[0]), int(pos[1]))
        self.set_input(x)

    def _keep_cursor(self) -> None:
        cells = self.cells
        if self.cursor >= max(1, cells):
            self.cursor = max(0, cells - 1)


State = ConvolutionState
