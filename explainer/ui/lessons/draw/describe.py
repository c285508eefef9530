"""What the draw lesson writes about a reading: layer titles, the prediction, a neuron's field and weights.

Plain functions of a :class:`~explainer.models.DigitReading` (no Qt), so every
number shown comes from the model that produced the reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ....core import format_number, receptive_field

#: The lecture's word for each kind of stage.
TERMS = {
    "feature maps": "feature maps",
    "max-pooling": "pooling",
    "average-pooling": "pooling",
    "fully connected": "fully connected",
    "output": "output · softmax",
}
#: Text shown under the pad until a neuron is described.
DETAIL_HINT = ("Click any neuron in the layers on the right to see the part of the input it looks at "
               "(its local receptive field) and the weights that feed it.")


def shown_stages(reading) -> list:
    """The stages that get a row in the layer view: every layer after the input, except flatten."""
    return [stage for stage in reading.stages if stage.key not in ("input", "flatten")]


def layer_columns(stage) -> int:
    """Maps per mosaic row for ``stage``: two rows of maps, vectors 32 wide, the output on one row."""
    units = stage.values.shape[0]
    if stage.key == "output":
        return units
    if not stage.spatial:
        return min(units, 32)
    return units if units <= 12 else math.ceil(units / 2)


def layer_title(stage) -> str:
    """Rich-text title of a layer row: its name, the lecture's term and the tensor shape."""
    if stage.key == "output":
        return (f"<b>output</b> · {stage.values.shape[0]} logits → softmax probabilities  "
                f"<span style='color:#666'>{stage.shape}</span>")
    term = TERMS.get(stage.term, stage.term)
    return f"<b>{stage.title}</b> — {term}  <span style='color:#666'>shape {stage.shape}</span>"


def prediction_text(reading, true_label: int | None) -> str:
    """What the network reads, the runner-up, and whether it matches a held-out digit's true label."""
    p = reading.probabilities
    runner_up = int(np.argsort(p)[-2])
    text = (f"The network reads <b>{reading.prediction}</b> with probability {p[reading.prediction]:.1%}."
            f"<br>Next best: {runner_up} ({p[runner_up]:.1%}).")
    if true_label is not None:
        verdict = "✓" if true_label == reading.prediction else "✗ (the network is wrong here)"
        text += f"<br>True label: <b>{true_label}</b> {verdict}"
    return text


@dataclass
class NeuronDetail:
    """One selected neuron, ready to show.

    Attributes
    ----------
    stage : Stage
    field : (top, bottom, left, right)
        Its receptive field in the network's input (bottom and right exclusive).
    text : str
        Rich text: value, receptive field and the weights that feed it.
    weights : ndarray (C, h, w) or None
        The weights feeding it, laid out for display (None for pooling).
    weights_columns : int
        Maps per row for ``weights``.
    """

    stage: object
    field: tuple[int, int, int, int]
    text: str
    weights: np.ndarray | None = None
    weights_columns: int = 16


def find_stage(reading, key: str):
    return next((stage for stage in reading.stages if stage.key == key), None)


def fits(reading, selection) -> bool:
    """True if ``selection`` names a neuron that exists in ``reading``'s model."""
    if selection is None:
        return False
    key, channel, row, col = selection
    stage = find_stage(reading, key)
    if stage is None or channel >= stage.values.shape[0]:
        return False
    if stage.spatial:
        return row < stage.values.shape[1] and col < stage.values.shape[2]
    return row == 0 and col == 0


def describe_neuron(reading, selection) -> NeuronDetail | None:
    """The receptive field, value and incoming weights of the selected neuron; None if it does not exist."""
    if reading.steps is None or not fits(reading, selection):
        return None
    key, channel, row, col = selection
    stage = find_stage(reading, key)
    side_h, side_w = reading.steps.digit.shape
    if stage.spatial:
        field = receptive_field(stage.geometry, row, col, (side_h, side_w))
        value = stage.values[channel, row, col]
        where = f"channel {channel}, position ({row}, {col})"
    else:  # a vector's neurons are shown as 1×1 "channels"
        field = (0, side_h, 0, side_w)
        value = reading.probabilities[channel] if key == "output" else stage.values[channel]
        where = f"digit {channel} (probability)" if key == "output" else f"neuron {channel}"
    top, bottom, left, right = field
    lines = [f"<b>{stage.title}</b>, {where}: value <b>{format_number(value, 3)}</b>"]
    if stage.spatial:
        lines.append(f"Local receptive field: input rows {top}–{bottom - 1}, columns {left}–{right - 1} "
                     f"({bottom - top}×{right - left} of the {side_h}×{side_w} input, outlined in orange).")
    else:
        lines.append(f"A fully connected neuron sees the <b>whole</b> {side_h}×{side_w} input (outlined in orange).")
    detail = NeuronDetail(stage, field, "")
    _describe_weights(reading, stage, channel, lines, detail)
    detail.text = "<br>".join(lines)
    return detail


def _describe_weights(reading, stage, index: int, lines: list[str], detail: NeuronDetail) -> None:
    module = stage.module
    if module is None:
        kind = "mean" if "average" in stage.term else "maximum"
        lines.append(f"Pooling has <b>no weights</b>: it only takes the {kind} of each window "
                     "of the feature map below it.")
        return
    weight = module.weight.detach().cpu().numpy()[index]
    bias = float(module.bias.detach().cpu().numpy()[index]) if module.bias is not None else 0.0
    if weight.ndim == 3:  # a conv kernel: one k×k slice per input channel
        detail.weights, detail.weights_columns = weight, min(16, weight.shape[0])
        what = (f"{weight.shape[0]} input channel(s) × {weight.shape[1]}×{weight.shape[2]} weights "
                f"+ bias {format_number(bias, 3)} = {weight.size + 1:,} parameters, "
                "the same for every position of this feature map (shared weights)")
    else:
        source = _stage_before(reading, stage)
        if source is not None and source.spatial and source.values.size == weight.size:
            detail.weights, detail.weights_columns = weight.reshape(source.values.shape), layer_columns(source)
            what = (f"{weight.size:,} weights (one per flattened {source.key} value, shown in the "
                    f"{source.key} layout) + bias {format_number(bias, 3)}")
        else:
            detail.weights, detail.weights_columns = weight.reshape(-1, 1, 1), min(weight.size, 32)
            name = source.key if source is not None else "input"
            what = f"{weight.size:,} weights (one per {name} neuron) + bias {format_number(bias, 3)}"
    lines.append(f"Weights feeding it: {what}. Blue negative, red positive.")


def _stage_before(reading, stage):
    """The stage whose values feed ``stage`` (flatten is skipped: it only reshapes)."""
    previous = None
    for candidate in reading.stages:
        if candidate is stage:
            return previous
        if candidate.key != "flatten":
            previous = candidate
    return None


def field_on_drawing(steps, field) -> tuple[float, float, float, float]:
    """A receptive field in the 28×28 input mapped back through the preprocessing onto the drawing.

    Returns ``(x, y, width, height)`` in pixels of ``steps.raw``.
    """
    top, bottom, left, right = field
    oy, ox = steps.offset
    sy = steps.cropped.shape[0] / steps.scaled.shape[0]
    sx = steps.cropped.shape[1] / steps.scaled.shape[1]
    box_top, _, box_left, _ = steps.box
    y0, y1 = box_top + (top - oy) * sy, box_top + (bottom - oy) * sy
    x0, x1 = box_left + (left - ox) * sx, box_left + (right - ox) * sx
    return x0, y0, x1 - x0, y1 - y0
