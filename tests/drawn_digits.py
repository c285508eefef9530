"""A test set of digits drawn with the mouse on the draw lesson's pad, in many styles.

Each digit is a *form* (how a person writes it: a 1 with a flag and a base, an open
or a closed 4, a 7 with a crossbar, a 2 with a loop, a 9 with a straight tail…), a
few strokes of points in a unit box (x right, y down). A *variant* places the form
on the pad: its size, where its centre is, how much it slants, and the pen's width.
:func:`draw` sends real mouse events (press, moves, release) to a
:class:`~explainer.ui.widgets.drawing_pad.DrawingPad` and returns what the pad holds,
which the lesson reads with the MNIST recipe.

Nothing trains on these digits: they measure how the bundled network reads drawings
(``tests/models/test_drawn_digits.py``, ``benchmarks/drawn_digits.py``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

Stroke = list[tuple[float, float]]


def line(*points: tuple[float, float], step: float = 0.03) -> Stroke:
    """A polyline through ``points``, sampled every ``step`` (unit-box lengths), as a mouse moves."""
    out: Stroke = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        n = max(1, int(np.ceil(np.hypot(x1 - x0, y1 - y0) / step)))
        out += [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in np.arange(1, n + 1) / n]
    return out


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, step: float = 0.03) -> Stroke:
    """Points of an elliptic arc from angle ``start`` to ``end`` (degrees; 0 is right, 90 is down)."""
    length = abs(np.radians(end - start)) * (rx + ry) / 2
    n = max(2, int(np.ceil(length / step)))
    angles = np.radians(np.linspace(start, end, n + 1))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


def figure_eight(step: float = 0.03) -> Stroke:
    t = np.linspace(0, 2 * np.pi, int(2.6 / step))
    return [(0.5 + 0.32 * np.sin(2 * t_), 0.5 - 0.45 * np.cos(t_)) for t_ in t]


#: digit → {form name: strokes}. Unit box, y down; the forms a class sees on the board.
FORMS: dict[int, dict[str, list[Stroke]]] = {
    0: {"oval": [arc(0.5, 0.5, 0.33, 0.46, -90, 280)],
        "round": [arc(0.5, 0.5, 0.42, 0.44, -100, 270)]},
    1: {"stick": [line((0.52, 0.04), (0.48, 0.96))],
        "flag": [line((0.28, 0.26), (0.56, 0.04), (0.56, 0.96))],
        "flag and base": [line((0.28, 0.26), (0.56, 0.04), (0.56, 0.94)), line((0.28, 0.95), (0.82, 0.95))]},
    2: {"curved": [arc(0.5, 0.3, 0.32, 0.26, 190, 400) + line((0.74, 0.47), (0.14, 0.95), (0.9, 0.95))],
        "loop": [arc(0.5, 0.3, 0.32, 0.26, 190, 400)
                 + line((0.74, 0.47), (0.2, 0.9), (0.1, 0.84), (0.18, 0.74), (0.3, 0.86), (0.42, 0.95), (0.9, 0.95))]},
    3: {"curved": [arc(0.47, 0.27, 0.31, 0.23, 200, 450) + arc(0.47, 0.72, 0.35, 0.23, 270, 520)],
        "flat top": [line((0.14, 0.06), (0.84, 0.06), (0.42, 0.44)) + arc(0.47, 0.7, 0.36, 0.26, 265, 515)]},
    4: {"open": [line((0.3, 0.04), (0.16, 0.62), (0.92, 0.62)), line((0.7, 0.28), (0.7, 0.97))],
        "closed": [line((0.72, 0.04), (0.1, 0.66), (0.92, 0.66)), line((0.72, 0.04), (0.72, 0.97))]},
    5: {"plain": [line((0.27, 0.06), (0.22, 0.47)) + arc(0.48, 0.69, 0.33, 0.26, 235, 515),
                  line((0.27, 0.06), (0.84, 0.06))],
        "one stroke": [line((0.84, 0.06), (0.27, 0.06), (0.22, 0.47)) + arc(0.48, 0.69, 0.33, 0.26, 235, 515)]},
    6: {"plain": [line((0.74, 0.04), (0.46, 0.2), (0.28, 0.46), (0.24, 0.7)) + arc(0.5, 0.71, 0.26, 0.24, 180, 545)],
        "straight": [line((0.66, 0.04), (0.3, 0.6)) + arc(0.5, 0.73, 0.25, 0.22, 200, 560)]},
    7: {"plain": [line((0.1, 0.07), (0.9, 0.07), (0.4, 0.96))],
        "crossbar": [line((0.1, 0.07), (0.9, 0.07), (0.4, 0.96)), line((0.34, 0.52), (0.84, 0.52))]},
    8: {"one stroke": [figure_eight()],
        "two loops": [arc(0.5, 0.27, 0.25, 0.22, 0, 360), arc(0.5, 0.73, 0.31, 0.24, -90, 270)]},
    9: {"straight tail": [arc(0.5, 0.3, 0.28, 0.25, 0, 360) + line((0.78, 0.3), (0.76, 0.96))],
        "curved tail": [arc(0.5, 0.3, 0.28, 0.25, 0, 360) + line((0.78, 0.3), (0.76, 0.66), (0.62, 0.9),
                                                                  (0.36, 0.92))]},
}


SIZES = {0.38: "small", 0.58: "medium", 0.8: "large"}
PENS = {0.045: "thin", 0.075: "normal", 0.11: "thick", 0.14: "bold"}
WIDTHS = {0.55: "narrow", 0.72: "", 0.9: "wide"}


@dataclass(frozen=True)
class Variant:
    """How a form is put on the pad: its height (fraction of the pad), centre, slant, width, pen and hand."""

    height: float
    centre: tuple[float, float]
    slant: float  # x moves by slant·(0.5 − y)·height: > 0 leans right
    pen: float  # pen width as a fraction of the pad (the lesson's pad draws with 0.075)
    width: float = 0.72  # width of the unit box as a fraction of the height
    wobble: int = 0  # seed of the hand's wobble (a smooth wander of about 2 % of the digit's height)

    @property
    def style(self) -> str:
        lean = "upright" if self.slant == 0 else ("leaning right" if self.slant > 0 else "leaning left")
        where = "centred" if self.centre == (0.5, 0.5) else "off-centre"
        parts = [SIZES[self.height], where, lean, f"{PENS[self.pen]} pen", WIDTHS[self.width]]
        return ", ".join(part for part in parts if part)


def variants(per_form: int = 16, seed: int = 0) -> list[Variant]:
    """``per_form`` placements drawn from every size × centre × slant × pen × width, the same for each form.

    Large digits stay centred (off-centre they would leave the pad). Each placement wobbles its own way.
    """
    every = [Variant(h, c, s, p, w) for h, c, s, p, w in itertools.product(
        SIZES, ((0.5, 0.5), (0.33, 0.36), (0.66, 0.62)), (0.0, 0.22, -0.18), PENS, WIDTHS)
        if not (h == 0.8 and c != (0.5, 0.5))]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(every), size=min(per_form, len(every)), replace=False)
    return [Variant(**{**every[i].__dict__, "wobble": int(rng.integers(1, 2**31))}) for i in sorted(pick)]


def _wobble(points: np.ndarray, seed: int, amplitude: float = 0.02) -> np.ndarray:
    """A smooth random wander along the stroke (a few slow sine waves per axis), as a hand adds."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, len(points))[:, None]
    waves = sum(rng.normal(0, amplitude / 2, 2) * np.sin(2 * np.pi * (k * t + rng.random(2))) for k in (1, 2, 3))
    return points + waves


def place(strokes: list[Stroke], variant: Variant, side: float) -> list[list[tuple[float, float]]]:
    """The form's strokes in pad pixels (0 … side) for ``variant``."""
    h = variant.height
    w = variant.width * h  # digits are narrower than they are tall
    cx, cy = variant.centre
    out = []
    for index, stroke in enumerate(strokes):
        if variant.wobble:
            stroke = [tuple(p) for p in _wobble(np.asarray(stroke, float), variant.wobble + index)]
        points = []
        for x, y in stroke:
            x = x + variant.slant * (0.5 - y)
            px = (cx + (x - 0.5) * w) * side
            py = (cy + (y - 0.5) * h) * side
            points.append((float(np.clip(px, 1, side - 1)), float(np.clip(py, 1, side - 1))))
        out.append(points)
    return out


@dataclass(frozen=True)
class DrawnDigit:
    digit: int
    form: str
    variant: Variant


def drawn_set(per_form: int = 16, seed: int = 0) -> list[DrawnDigit]:
    """Every form of every digit in ``per_form`` placements: 21 forms × 16 = 336 digits by default."""
    chosen = variants(per_form, seed)
    return [DrawnDigit(digit, form, variant) for digit, forms in FORMS.items() for form in forms
            for variant in chosen]


def draw(pad, item: DrawnDigit) -> np.ndarray:
    """Draw ``item`` on an empty ``pad`` with mouse events; the pad's image (its resolution², floats in [0, 1])."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    pad.clear()
    pad.pen_width = max(1.0, pad.resolution * item.variant.pen)
    side = min(pad.width(), pad.height())
    left, top = (pad.width() - side) / 2, (pad.height() - side) / 2

    def send(kind, x, y):
        point = QPointF(left + x, top + y)
        button = Qt.MouseButton.LeftButton
        pressed = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
        QApplication.sendEvent(pad, QMouseEvent(kind, point, pad.mapToGlobal(point),
                                                Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else button,
                                                pressed, Qt.KeyboardModifier.NoModifier))

    for stroke in place(FORMS[item.digit][item.form], item.variant, side):
        send(QEvent.Type.MouseButtonPress, *stroke[0])
        for x, y in stroke[1:]:
            send(QEvent.Type.MouseMove, x, y)
        send(QEvent.Type.MouseButtonRelease, *stroke[-1])
    return pad.image()
