"""Moving, turning, scaling and spoiling an image: the invariance lab's transforms (numpy only).

Images are float arrays with values in [0, 1]: ``(H, W)`` grey or ``(H, W, 3)``
RGB. Every function returns a new float32 array of the same shape, clipped to
[0, 1]. :func:`apply_batch` takes a stack, ``(N, H, W)`` grey or
``(N, H, W, 3)`` RGB, and does the same to every image at once (the sweeps).

Geometry
--------
Pixel ``(row, col)`` has its centre at ``(row, col)``; the image centre is
``((H - 1) / 2, (W - 1) / 2)``. Shift, rotation and scale are one affine map
about the centre, applied by a single resampling (:func:`affine`)::

    output point = centre + (dx, dy) + factor · R(degrees) · (input point − centre)

``R`` turns counter-clockwise as seen on screen (rows grow downwards), as
Pillow's ``Image.rotate`` does. Each output pixel is sampled from the input
bilinearly, with black (0) outside the image: a digit shifted off the edge is
lost, not wrapped round. Whole-pixel shifts and quarter turns are exact (the
sampling weights are exactly 0 and 1).

The other transforms
--------------------
* thickness ``k``: grey dilation (``k > 0``) or erosion (``k < 0``): a 3×3
  maximum (minimum) filter applied ``|k|`` times, so strokes grow (shrink) by
  one pixel on each side per step; meant for digits (white on black).
* contrast ``c``: one rule for every image, a stretch about mid-grey,
  ``0.5 + c · (x − 0.5)``. ``c < 1`` fades everything towards grey (a digit's
  black background turns grey too), ``c > 1`` pushes values to black and white.
* noise ``σ``: Gaussian noise of standard deviation ``σ`` added to every pixel
  (and channel), from a seeded generator, so the same seed gives the same noise.
* occlusion ``(row, col, side)``: a grey (0.5) square; pixel ``(i, j)`` is
  covered when its centre ``(i + ½, j + ½)`` lies in
  ``[row, row + side) × [col, col + side)`` (whole numbers cover exactly
  rows ``row … row + side − 1``). Parts outside the image cover nothing.

:func:`apply` runs them in a fixed order: thickness, affine (shift + rotation +
scale), contrast, noise, occlusion. The stroke is thickened at its own
resolution before it is moved, and the grey square is drawn last, on top of
everything, as a hand over the picture would be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: The slider ranges of :class:`TransformSettings` (low, high), for the UI and the sweeps.
RANGES: dict[str, tuple[float, float]] = {
    "shift_x": (-8.0, 8.0),
    "shift_y": (-8.0, 8.0),
    "rotation": (-60.0, 60.0),
    "scale": (0.5, 1.5),
    "thickness": (-2.0, 3.0),
    "noise": (0.0, 1.0),
    "contrast": (0.0, 2.0),
}
#: The value of each transform that changes nothing.
IDENTITY: dict[str, float] = {"shift_x": 0.0, "shift_y": 0.0, "rotation": 0.0, "scale": 1.0, "thickness": 0.0,
                              "noise": 0.0, "contrast": 1.0}
#: Sides an occluding square may have, in pixels.
OCCLUSION_SIDE = (1.0, 32.0)
#: How far outside the image an occluding square's corner may be, in pixels.
OCCLUSION_REACH = 256.0


@dataclass(frozen=True)
class TransformSettings:
    """Every transform of the lab at once; the defaults change nothing.

    Attributes
    ----------
    shift_x, shift_y : float
        Pixels, −8…8 (positive: right, down).
    rotation : float
        Degrees, −60…60 (positive: counter-clockwise).
    scale : float
        0.5…1.5, about the image centre.
    thickness : int
        −2…3: erosion (−) or dilation (+) by that many pixels (digits).
    noise : float
        0…1: standard deviation of the Gaussian noise added.
    contrast : float
        0…2: ``0.5 + contrast · (x − 0.5)``.
    occlusion : (row, col, side) or None
        Top-left corner and side, in pixels, of a grey (0.5) square.
    """

    shift_x: float = 0.0
    shift_y: float = 0.0
    rotation: float = 0.0
    scale: float = 1.0
    thickness: int = 0
    noise: float = 0.0
    contrast: float = 1.0
    occlusion: tuple[float, float, float] | None = None

    def check(self) -> None:
        """Raise ``ValueError`` with a sentence for any setting out of range or not a finite number."""
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"the {_WORDS[name]} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"the {_WORDS[name]} must be a finite number, got {value}")
            if not low <= value <= high:
                raise ValueError(f"the {_WORDS[name]} must be between {low:g} and {high:g}, got {value:g}")
        if isinstance(self.thickness, (float, np.floating)) and not float(self.thickness).is_integer():
            raise ValueError(f"the stroke thickness must be a whole number of pixels, got {self.thickness:g}")
        if self.occlusion is not None:
            _check_occlusion(self.occlusion)

    def is_identity(self) -> bool:
        """True when applying these settings changes nothing."""
        return self.occlusion is None and all(getattr(self, name) == value for name, value in IDENTITY.items())


_WORDS = {"shift_x": "horizontal shift (pixels)", "shift_y": "vertical shift (pixels)",
          "rotation": "rotation (degrees)", "scale": "scale factor", "thickness": "stroke thickness (pixels)",
          "noise": "noise level (standard deviation)", "contrast": "contrast factor"}


def _check_occlusion(occlusion) -> tuple[float, float, float]:
    try:
        row, col, side = (float(v) for v in occlusion)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the occluding square must be three numbers (row, column, side), got {occlusion!r}") from exc
    if not all(math.isfinite(v) for v in (row, col, side)):
        raise ValueError(f"the occluding square's row, column and side must be finite numbers, got {occlusion!r}")
    low, high = OCCLUSION_SIDE
    if not low <= side <= high:
        raise ValueError(f"the occluding square's side must be between {low:g} and {high:g} pixels, got {side:g}")
    if abs(row) > OCCLUSION_REACH or abs(col) > OCCLUSION_REACH:
        raise ValueError(f"the occluding square's corner must be within {OCCLUSION_REACH:g} pixels of the image, "
                         f"got row {row:g}, column {col:g}")
    return row, col, side


def _as_stack(images, batch: bool) -> tuple[np.ndarray, tuple]:
    """``images`` as float64 ``(N, H, W, C)`` and the shape to give the result back in."""
    what = "images" if batch else "image"
    try:
        arr = np.asarray(images, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the {what} must be an array of numbers, got {type(images).__name__}") from exc
    layouts = {False: {2: "(H, W)", 3: "(H, W, 3)"}, True: {3: "(N, H, W)", 4: "(N, H, W, 3)"}}[batch]
    if arr.ndim not in layouts or (arr.ndim == max(layouts) and arr.shape[-1] != 3):
        raise ValueError(f"the {what} must be {' or '.join(layouts.values())}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"the {what} is empty (shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"the {what} contains NaN or infinite values")
    shape = arr.shape
    if not batch:
        arr = arr[None]
    if arr.ndim == 3:
        arr = arr[..., None]
    return arr, shape


def _finish(stack: np.ndarray, shape: tuple) -> np.ndarray:
    return np.clip(stack, 0.0, 1.0).astype(np.float32).reshape(shape)


def _number(name: str, value, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"the {name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"the {name} must be a finite number, got {value}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"the {name} must be between {low:g} and {high:g}, got {value:g}")
    return value


def _cos_sin(degrees: float) -> tuple[float, float]:
    """Cosine and sine, exact (0, ±1) at multiples of 90°, so quarter turns resample exactly."""
    if float(degrees).is_integer() and int(degrees) % 90 == 0:
        return {0: (1.0, 0.0), 90: (0.0, 1.0), 180: (-1.0, 0.0), 270: (0.0, -1.0)}[int(degrees) % 360]
    radians = math.radians(degrees)
    return math.cos(radians), math.sin(radians)


def _affine_stack(stack: np.ndarray, dx: float, dy: float, degrees: float, factor: float) -> np.ndarray:
    """Resample every image of ``(N, H, W, C)`` through one affine map (see the module notes)."""
    n, h, w, c = stack.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    cos, sin = _cos_sin(degrees)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    # Invert the forward map: input = centre + R(−θ) (output − centre − shift) / factor.
    x = cols - cx - dx
    y = rows - cy - dy
    src_x = cx + (cos * x - sin * y) / factor
    src_y = cy + (sin * x + cos * y) / factor
    x0, y0 = np.floor(src_x), np.floor(src_y)
    fx, fy = (src_x - x0).ravel()[:, None], (src_y - y0).ravel()[:, None]
    # A ring of zeros round every image, and sample indices clamped into it: any neighbour outside reads black.
    # Pixels first, images and channels last, so each neighbour is one gather of whole rows.
    padded = np.zeros((h + 2, w + 2, n, c))
    padded[1:-1, 1:-1] = stack.transpose(1, 2, 0, 3)
    flat = padded.reshape((h + 2) * (w + 2), n * c)

    def index(yy, xx):
        return ((np.clip(yy, -1, h) + 1) * (w + 2) + np.clip(xx, -1, w) + 1).astype(np.intp).ravel()

    top = flat[index(y0, x0)] * (1 - fx) + flat[index(y0, x0 + 1)] * fx
    bottom = flat[index(y0 + 1, x0)] * (1 - fx) + flat[index(y0 + 1, x0 + 1)] * fx
    out = top * (1 - fy) + bottom * fy
    return out.reshape(h, w, n, c).transpose(2, 0, 1, 3)


def _thicken_stack(stack: np.ndarray, amount: int) -> np.ndarray:
    out = stack
    pick = np.maximum if amount > 0 else np.minimum
    edge = -np.inf if amount > 0 else np.inf
    for _ in range(abs(amount)):
        padded = np.pad(out, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=edge)
        h, w = out.shape[1:3]
        result = padded[:, 1 : h + 1, 1 : w + 1]
        for dr in range(3):
            for dc in range(3):
                result = pick(result, padded[:, dr : dr + h, dc : dc + w])
        out = result
    return out


def _occlude_stack(stack: np.ndarray, row: float, col: float, side: float, value: float) -> np.ndarray:
    h, w = stack.shape[1:3]
    # Pixel i is covered when its centre i + 0.5 lies in [row, row + side).
    r0, r1 = max(0, math.ceil(row - 0.5)), min(h, math.ceil(row + side - 0.5))
    c0, c1 = max(0, math.ceil(col - 0.5)), min(w, math.ceil(col + side - 0.5))
    out = stack.copy()
    if r0 < r1 and c0 < c1:
        out[:, r0:r1, c0:c1] = value
    return out


def _noise_stack(stack: np.ndarray, std: float, seed: int) -> np.ndarray:
    if std == 0:
        return stack
    return stack + np.random.default_rng(seed).normal(0.0, std, size=stack.shape)


def _contrast_stack(stack: np.ndarray, factor: float) -> np.ndarray:
    return 0.5 + factor * (stack - 0.5) if factor != 1 else stack


def _check_shift(dx, dy) -> tuple[float, float]:
    return _number("horizontal shift", dx), _number("vertical shift", dy)


def shift(image, dx: float, dy: float) -> np.ndarray:
    """Move the image ``dx`` pixels right and ``dy`` down (fractions are interpolated); black comes in."""
    dx, dy = _check_shift(dx, dy)
    stack, shape = _as_stack(image, False)
    return _finish(_affine_stack(stack, dx, dy, 0.0, 1.0), shape)


def rotate(image, degrees: float) -> np.ndarray:
    """Turn the image ``degrees`` counter-clockwise about its centre (as Pillow's ``rotate``)."""
    degrees = _number("rotation", degrees)
    stack, shape = _as_stack(image, False)
    return _finish(_affine_stack(stack, 0.0, 0.0, degrees, 1.0), shape)


def scale(image, factor: float) -> np.ndarray:
    """Enlarge (``factor > 1``) or shrink the image about its centre; the size of the array stays."""
    factor = _number("scale factor", factor)
    if factor <= 0:
        raise ValueError(f"the scale factor must be above 0, got {factor:g}")
    stack, shape = _as_stack(image, False)
    return _finish(_affine_stack(stack, 0.0, 0.0, 0.0, factor), shape)


def affine(image, dx: float, dy: float, degrees: float, factor: float) -> np.ndarray:
    """Scale by ``factor`` and turn by ``degrees`` about the centre, then shift by (dx, dy): one resampling."""
    dx, dy = _check_shift(dx, dy)
    degrees = _number("rotation", degrees)
    factor = _number("scale factor", factor)
    if factor <= 0:
        raise ValueError(f"the scale factor must be above 0, got {factor:g}")
    stack, shape = _as_stack(image, False)
    return _finish(_affine_stack(stack, dx, dy, degrees, factor), shape)


def _check_thickness(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, (int, np.integer)):
        if isinstance(amount, (float, np.floating)) and float(amount).is_integer():
            amount = int(amount)
        else:
            raise ValueError(f"the stroke thickness must be a whole number of pixels, got {amount!r}")
    low, high = RANGES["thickness"]
    if not low <= amount <= high:
        raise ValueError(f"the stroke thickness must be between {low:g} and {high:g} pixels, got {amount}")
    return int(amount)


def thicken(image, amount: int) -> np.ndarray:
    """Grey dilation (``amount > 0``) or erosion (``amount < 0``) by ``|amount|`` passes of a 3×3 max/min filter."""
    amount = _check_thickness(amount)
    stack, shape = _as_stack(image, False)
    return _finish(_thicken_stack(stack, amount), shape)


def add_noise(image, std: float, seed: int = 0) -> np.ndarray:
    """Add Gaussian noise of standard deviation ``std`` (0…1), drawn from ``seed``; then clip to [0, 1]."""
    std = _number("noise level", std, *RANGES["noise"])
    stack, shape = _as_stack(image, False)
    return _finish(_noise_stack(stack, std, seed), shape)


def adjust_contrast(image, factor: float) -> np.ndarray:
    """Stretch values about mid-grey: ``0.5 + factor · (x − 0.5)``, clipped (``factor`` 0…2)."""
    factor = _number("contrast factor", factor, *RANGES["contrast"])
    stack, shape = _as_stack(image, False)
    return _finish(_contrast_stack(stack, factor), shape)


def occlude(image, row: float, col: float, side: float, value: float = 0.5) -> np.ndarray:
    """Paint a ``side``×``side`` square of ``value`` (grey by default) with its top-left corner at (row, col)."""
    row, col, side = _check_occlusion((row, col, side))
    value = _number("occluding value", value, 0.0, 1.0)
    stack, shape = _as_stack(image, False)
    return _finish(_occlude_stack(stack, row, col, side, value), shape)


def _apply_stack(stack: np.ndarray, settings: TransformSettings, seed: int) -> np.ndarray:
    out = stack
    if settings.thickness:
        out = _thicken_stack(out, int(settings.thickness))
    if (settings.shift_x, settings.shift_y, settings.rotation, settings.scale) != (0, 0, 0, 1):
        out = _affine_stack(out, float(settings.shift_x), float(settings.shift_y), float(settings.rotation),
                            float(settings.scale))
    out = _contrast_stack(out, float(settings.contrast))
    out = _noise_stack(out, float(settings.noise), seed)
    if settings.occlusion is not None:
        row, col, side = (float(v) for v in settings.occlusion)
        out = _occlude_stack(out, row, col, side, 0.5)
    return out


def _check_settings(settings) -> None:
    if not isinstance(settings, TransformSettings):
        raise ValueError(f"the settings must be TransformSettings, got {type(settings).__name__}")
    settings.check()


def apply(image, settings: TransformSettings, seed: int = 0) -> np.ndarray:
    """Apply every transform of ``settings``: thickness, affine, contrast, noise, occlusion (in that order).

    Identity settings return the image unchanged (as float32, clipped to [0, 1]).
    """
    _check_settings(settings)
    stack, shape = _as_stack(image, False)
    return _finish(_apply_stack(stack, settings, seed), shape)


def apply_batch(images, settings: TransformSettings, seed: int = 0) -> np.ndarray:
    """:func:`apply` to every image of a stack ``(N, H, W)`` or ``(N, H, W, 3)`` at once.

    Geometry, thickness, contrast and occlusion give each image exactly what
    :func:`apply` gives it. The noise is drawn once for the whole stack from
    ``seed`` (each image gets its own, different noise).
    """
    _check_settings(settings)
    stack, shape = _as_stack(images, True)
    return _finish(_apply_stack(stack, settings, seed), shape)
