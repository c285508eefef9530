"""The dense lesson: the head's numbers, softmax with temperature, logit override, the model in use, sessions."""

import inspect

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QSlider, QSpinBox
from torch import nn

from explainer import core
from explainer.models import DigitCNN, count_parameters
from explainer.ui.lessons.dense import create
from explainer.ui.lessons.dense import view as dense_view
from explainer.ui.lessons.dense.state import State
from explainer.ui.state import AppState, Commands


def wait_for_head(qtbot, lesson, timeout=30000):
    qtbot.waitUntil(lambda: not lesson.is_busy() and lesson.state.head is not None, timeout=timeout)


def build(qtbot, app_state=None, commands=None, show=True):
    widget = create(app_state or AppState(), commands or Commands())
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    if show:
        widget.show()
    return widget


@pytest.fixture
def lesson(qtbot):
    widget = build(qtbot)
    wait_for_head(qtbot, widget)
    yield widget
    widget.shutdown()


def bar_stroke_image():
    """A vertical bar, the way the draw lesson renders a "1" (white on black, 280×280)."""
    drawing = np.zeros((280, 280), np.float32)
    drawing[40:240, 130:150] = 1.0
    return drawing


def label(lesson, name):
    return lesson.findChild(QLabel, name).text()


def small_model():
    """A digit CNN as the network lesson trains it, with other widths than the bundled one."""
    torch.manual_seed(3)
    return DigitCNN(conv1=8, conv2=16, hidden=64).eval()


# -- the head's numbers --------------------------------------------------------------------------------------
def test_head_numbers_match_the_model(lesson):
    head, model = lesson.state.head, lesson.state.model_info.model
    digit = torch.from_numpy(head.digit.astype(np.float32))[None, None]
    logits = model(digit)[0].detach().numpy()
    np.testing.assert_allclose(head.logits, logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(head.w2 @ head.hidden + head.b2, logits, rtol=1e-4, atol=1e-4)
    shown = [lesson.logit_grid.cell_text(0, c) for c in range(10)]
    assert shown == [core.format_number(v) for v in logits]
    # The class templates are exact for this input: template · x + constant = logit.
    consts = head.logits - head.templates @ head.flat
    pre = head.w1 @ head.flat + head.b1
    np.testing.assert_allclose(consts, head.w2 @ (np.where(pre > 0, head.b1, 0)) + head.b2, atol=1e-4)
    # The hidden strip's title counts the active ReLUs of this input.
    assert f"{int((head.hidden > 0).sum())} active" in lesson.plots.hidden_title.text


def test_bundled_model_texts_come_from_the_model(lesson):
    info = lesson.state.model_info
    model = info.model
    flat = model.classifier[2].in_features
    hidden = model.classifier[2].out_features
    maps = model.features[3].out_channels
    assert (flat, hidden, maps) == (1024, 128, 64)  # the bundled model; the lesson reads them, see below
    templates = label(lesson, "templatesTitle")
    assert f"the {flat:,} flattened values" in templates and f"the {maps} pool2 maps (4×4 each)" in templates
    assert f"W₁ ({hidden} × {flat:,})" in lesson.plots.w1_title.text
    assert f"W₂ (10 × {hidden})" in lesson.plots.w2_title.text
    assert f"a vector of {flat:,} values" in lesson.plots.flat_title.text
    assert lesson.templates.views[0].mosaic.channels == maps


def test_softmax_formula_uses_the_core_parts(qtbot, lesson):
    slider = lesson.findChild(QSlider, "temperatureSlider")
    slider.setValue(23)  # T = 2.3
    parts = core.softmax_parts(lesson.state.head.logits, 2.3)
    top = int(np.argmax(parts.probabilities))
    formula = label(lesson, "softmaxFormula")
    assert f"top class {top}" in formula
    assert (f"= {core.format_number(parts.exps[top], 4)} / {core.format_number(parts.total, 4)} "
            f"= <b>{core.format_number(parts.probabilities[top], 6)}</b>") in formula
    assert f"shifted by −{core.format_number(parts.shift, 2)}" in formula
    assert "np.exp" not in inspect.getsource(dense_view)  # the view writes out the core's numbers, no own maths


def test_temperature_changes_probabilities_which_sum_to_one(qtbot, lesson):
    slider = lesson.findChild(QSlider, "temperatureSlider")
    p1 = lesson.chart.probabilities.copy()
    slider.setValue(40)  # T = 4
    assert lesson.state.temperature == pytest.approx(4.0)
    p4 = lesson.chart.probabilities.copy()
    assert p4.sum() == pytest.approx(1.0) and p1.sum() == pytest.approx(1.0)
    assert p4.max() < p1.max()  # flatter
    np.testing.assert_allclose(p4, core.softmax(lesson.state.head.logits, 4.0))
    assert "T = 4.0" in label(lesson, "temperatureLabel")
    assert "/4.0" in label(lesson, "softmaxFormula")
    slider.setValue(1)  # T = 0.1: almost one-hot
    assert lesson.chart.probabilities.max() > 0.999


def test_temperature_set_in_the_state_moves_the_slider(lesson):
    lesson.state.temperature = 2.5
    assert lesson.findChild(QSlider, "temperatureSlider").value() == 25
    assert "T = 2.5" in label(lesson, "temperatureLabel")
    np.testing.assert_allclose(lesson.chart.probabilities, core.softmax(lesson.state.head.logits, 2.5))


def test_editing_a_logit(qtbot, lesson):
    z = lesson.state.head.logits
    runner_up = int(np.argsort(z)[-2])
    lesson.findChild(QSpinBox, "overrideClass").setValue(runner_up)
    lesson.findChild(QDoubleSpinBox, "overrideValue").setValue(float(z.max() + 5))
    qtbot.mouseClick(lesson.findChild(QCheckBox, "overrideCheck"), Qt.MouseButton.LeftButton)
    assert lesson.state.override_on and lesson.state.override_class == runner_up
    assert lesson.state.override_value == pytest.approx(round(float(z.max() + 5), 2))
    p = lesson.chart.probabilities
    assert int(np.argmax(p)) == runner_up and p.sum() == pytest.approx(1.0)
    assert lesson.logit_grid.cell_text(0, runner_up) == core.format_number(round(z.max() + 5, 2))
    assert f"top class {runner_up}" in label(lesson, "softmaxFormula")
    qtbot.mouseClick(lesson.findChild(QCheckBox, "overrideCheck"), Qt.MouseButton.LeftButton)
    assert not lesson.state.override_on
    np.testing.assert_allclose(lesson.chart.probabilities, core.softmax(z))


def test_logit_override_set_in_the_state_shows_in_the_widgets(lesson):
    lesson.state.set_override(True, 4, -7.5)
    assert lesson.findChild(QCheckBox, "overrideCheck").isChecked()
    assert lesson.findChild(QSpinBox, "overrideClass").value() == 4
    assert lesson.findChild(QDoubleSpinBox, "overrideValue").value() == -7.5
    assert lesson.logit_grid.cell_text(0, 4) == core.format_number(-7.5)


def test_parameter_counts_come_from_the_model(lesson):
    model = lesson.state.model_info.model
    total, _ = count_parameters(model)
    text = label(lesson, "paramCounts")
    assert f"{total:,}" in text
    dense = sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters())
    assert f"<b>{dense:,}</b> of {total:,} ({dense / total:.0%})" in text


# -- the input -------------------------------------------------------------------------------------------------
def test_other_digit_and_drawing(qtbot, lesson):
    labels = lesson.state.model_info.labels
    lesson.findChild(QSpinBox, "digitIndexSpin").setValue(3)
    assert lesson.state.index == 3
    wait_for_head(qtbot, lesson)
    assert f"held-out digit #3, true label {labels[3]}" in label(lesson, "denseInputLabel")
    assert int(np.argmax(lesson.chart.probabilities)) == labels[3]
    lesson.app_state.set_drawing(bar_stroke_image())
    combo = lesson.findChild(QComboBox, "denseSourceCombo")
    combo.setFocus()
    with qtbot.waitSignal(lesson.head_shown, timeout=20000):
        qtbot.keyClick(combo, Qt.Key.Key_Down)  # a person picks "Your drawing"
    assert lesson.state.source == "drawing"
    assert not lesson.findChild(QSpinBox, "digitIndexSpin").isEnabled()
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=10000)
    assert "your drawing" in label(lesson, "denseInputLabel")
    assert int(np.argmax(lesson.chart.probabilities)) == 1
    expected = core.mnist_preprocess(bar_stroke_image()).digit
    np.testing.assert_allclose(lesson.state.head.digit, expected, atol=1e-6)


def test_source_and_index_set_in_the_state_show_in_the_widgets(qtbot, lesson):
    lesson.state.index = 5
    assert lesson.findChild(QSpinBox, "digitIndexSpin").value() == 5
    qtbot.waitUntil(lambda: "#5," in label(lesson, "denseInputLabel"), timeout=20000)
    lesson.state.source = "drawing"
    assert lesson.findChild(QComboBox, "denseSourceCombo").currentData() == "drawing"
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    assert "Nothing drawn yet" in label(lesson, "denseInputLabel")
    assert lesson.state.head is None and lesson.logit_grid.cell_text(0, 0) == ""  # nothing of digit #5 stays
    assert not lesson.chart.probabilities.any()
    assert lesson.plots.flat_image.image is None and lesson.plots.hidden_image.image is None
    assert lesson.plots.w1_image.image.shape == (128, 1024)  # the model's weights stay: they do not depend on x


def test_follows_the_drawing_while_shown_and_clears_with_it(qtbot, lesson):
    lesson.state.source = "drawing"
    lesson.app_state.set_drawing(bar_stroke_image())
    wait_for_head(qtbot, lesson)
    first = lesson.state.head
    zero = np.zeros((280, 280), np.float32)
    zero[60:220, 60:80] = zero[60:220, 200:220] = zero[60:80, 60:220] = zero[200:220, 60:220] = 1.0  # a "0"
    lesson.app_state.set_drawing(zero)
    qtbot.waitUntil(lambda: lesson.state.head is not first and lesson.state.head is not None
                    and not lesson.is_busy(), timeout=20000)
    np.testing.assert_allclose(lesson.state.head.digit, core.mnist_preprocess(zero).digit, atol=1e-6)
    lesson.app_state.set_drawing(None)  # Draw ▸ Clear
    qtbot.waitUntil(lambda: lesson.state.head is None and not lesson.is_busy(), timeout=20000)
    assert "Nothing drawn yet" in label(lesson, "denseInputLabel")
    assert lesson.logit_grid.cell_text(0, int(np.argmax(first.logits))) == ""
    assert all(view.values is None for view in lesson.templates.views)
    lesson.app_state.set_drawing(bar_stroke_image())  # drawn again: every picture comes back
    wait_for_head(qtbot, lesson)
    assert len(lesson.templates.views) == 10
    assert all(view.values is not None and view.view.scene() is lesson.templates.scene()
               for view in lesson.templates.views)


def test_a_hidden_lesson_waits_for_being_shown(qtbot, lesson):
    lesson.state.source = "drawing"
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    lesson.hide()
    lesson.app_state.set_drawing(bar_stroke_image())
    assert lesson.is_stale() and not lesson.is_busy()  # no work for a view nobody sees
    assert lesson.state.head is None
    lesson.show()
    wait_for_head(qtbot, lesson)
    assert not lesson.is_stale() and int(np.argmax(lesson.state.head.logits)) == 1


def test_a_result_for_an_older_input_is_never_drawn(qtbot, lesson):
    images = lesson.state.model_info.images
    lesson.state.index = 3  # computing…
    lesson.hide()
    lesson.state.index = 4  # …while hidden the input changes again (its request waits for the lesson)
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    assert "#3," not in label(lesson, "denseInputLabel")
    np.testing.assert_allclose(lesson.state.head.digit, images[0], atol=1e-6)  # digit #3 was dropped
    lesson.show()
    qtbot.waitUntil(lambda: "#4," in label(lesson, "denseInputLabel") and not lesson.is_busy(), timeout=20000)
    np.testing.assert_allclose(lesson.state.head.digit, images[4], atol=1e-6)


def test_an_index_past_the_held_out_digits_is_clamped_with_a_message(qtbot, lesson):
    messages = []
    lesson.commands.message_posted.connect(lambda text, _ms: messages.append(text))
    count = len(lesson.state.model_info.images)
    lesson.state.restore({"index": count + 50})
    qtbot.waitUntil(lambda: lesson.state.index == count - 1 and not lesson.is_busy(), timeout=20000)
    assert any(f"no held-out digit #{count + 50}" in text for text in messages)
    assert f"held-out digit #{count - 1}," in label(lesson, "denseInputLabel")


# -- the digit model in use --------------------------------------------------------------------------------
def check_small_model_numbers(lesson, model):
    templates = label(lesson, "templatesTitle")
    assert "the 256 flattened values" in templates and "the 16 pool2 maps (4×4 each)" in templates
    assert "1,024" not in templates and "64 pool2" not in templates
    assert "W₁ (64 × 256)" in lesson.plots.w1_title.text
    assert "W₂ (10 × 64)" in lesson.plots.w2_title.text
    assert "a vector of 256 values" in lesson.plots.flat_title.text
    assert "64 hidden neurons" in lesson.plots.hidden_title.text
    assert lesson.state.head.flat.shape == (256,) and lesson.state.head.w1.shape == (64, 256)
    assert lesson.templates.views[0].mosaic.channels == 16 and lesson.templates.views[0].mosaic.columns == 4
    total, _ = count_parameters(model)
    dense = sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters())
    text = label(lesson, "paramCounts")
    assert f"<b>{dense:,}</b> of {total:,} ({dense / total:.0%})" in text
    assert f"{total - dense:,}" in text and "184,586" not in text
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            count = sum(p.numel() for p in module.parameters())
            assert f"<td>{type(module).__name__} {name}</td><td align='right'>{count:,}</td>" in text
    logits = model(torch.from_numpy(lesson.state.head.digit.astype(np.float32))[None, None])[0].detach().numpy()
    np.testing.assert_allclose(lesson.state.head.logits, logits, rtol=1e-5, atol=1e-5)
    assert "your trained model" in label(lesson, "denseModelLabel")


def test_a_model_chosen_before_the_lesson_is_built_is_used(qtbot):
    model = small_model()
    app_state = AppState()
    app_state.set_digit_model(model, "your trained model")
    lesson = build(qtbot, app_state)
    wait_for_head(qtbot, lesson)
    assert lesson.state.model_info.model is model
    check_small_model_numbers(lesson, model)
    lesson.shutdown()


def test_follows_the_model_in_use_while_built(qtbot, lesson):
    model = small_model()
    lesson.hide()
    lesson.app_state.set_digit_model(model, "your trained model")
    assert lesson.is_stale() and not lesson.is_busy()
    lesson.show()
    qtbot.waitUntil(lambda: lesson.state.model_info is not None and lesson.state.model_info.model is model,
                    timeout=20000)
    wait_for_head(qtbot, lesson)
    check_small_model_numbers(lesson, model)
    lesson.app_state.set_digit_model(None)  # back to the bundled one, while shown
    qtbot.waitUntil(lambda: lesson.state.model_info is not None and lesson.state.model_info.model is not model,
                    timeout=30000)
    wait_for_head(qtbot, lesson)
    assert "the 1,024 flattened values" in label(lesson, "templatesTitle")
    assert "bundled" in label(lesson, "denseModelLabel")


def test_a_model_without_a_hidden_dense_layer_is_explained_not_crashed(qtbot, lesson):
    odd = nn.Sequential(nn.Conv2d(1, 2, 5), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 12 * 12, 10)).eval()
    lesson.app_state.set_digit_model(odd, "your trained model")
    qtbot.waitUntil(lambda: lesson.banner.isVisible() and not lesson.is_busy(), timeout=20000)
    assert "cannot be shown here" in lesson.banner.text()
    assert "one hidden fully connected layer" in lesson.banner.text() and "pool1 → flatten → output" in lesson.banner.text()
    assert lesson.state.head is None and label(lesson, "paramCounts") == ""
    assert lesson.plots.w1_image.image is None and lesson.plots.w1_title.text == ""  # nothing of the old model
    assert "1,024" not in label(lesson, "templatesTitle")


# -- state, validation, sessions ---------------------------------------------------------------------------
def non_default_state():
    return State(source="drawing", index=17, temperature=2.7, override_on=True, override_class=6, override_value=-3.25)


def test_state_round_trip():
    state = non_default_state()
    again = State.from_dict(state.to_dict())
    for field in ("source", "index", "temperature", "override_on", "override_class", "override_value"):
        assert getattr(again, field) == getattr(state, field), field
    assert again.to_dict() == state.to_dict() != State().to_dict()
    assert "head" not in state.to_dict() and "model_info" not in state.to_dict()


@pytest.mark.parametrize("bad, words", [
    ({"temperature": 9.0}, "temperature"),
    ({"temperature": 0.0}, "temperature"),
    ({"index": -1}, "held-out digit"),
    ({"override_class": 10}, "class"),
    ({"override_class": -1}, "class"),
    ({"override_value": 1e9}, "logit value"),
    ({"source": "photo"}, "input source"),
    ({"temperature": "hot"}, "temperature"),
    ({"stride": 2}, "unknown field"),
])
def test_malformed_state_is_refused_and_nothing_changes(qtbot, lesson, bad, words):
    lesson.state.temperature = 1.5
    before = lesson.state.to_dict()
    slider = lesson.findChild(QSlider, "temperatureSlider").value()
    with pytest.raises(ValueError, match=words):
        lesson.restore_state(dict(before, **bad))
    assert lesson.state.to_dict() == before
    assert lesson.findChild(QSlider, "temperatureSlider").value() == slider == 15


def test_session_round_trip(qtbot, window, make_window, tmp_path):
    lesson = window.show_lesson("dense")
    wait_for_head(qtbot, lesson)
    lesson.findChild(QSpinBox, "digitIndexSpin").setValue(3)
    lesson.findChild(QSlider, "temperatureSlider").setValue(25)
    lesson.state.set_override(True, 4, 7.5)
    qtbot.waitUntil(lambda: "#3," in label(lesson, "denseInputLabel") and not lesson.is_busy(), timeout=20000)
    path = window.save_session(tmp_path / "dense.convlens")

    second = make_window()
    second.load_session(path)
    restored = second.lesson("dense")
    assert second.current_lesson_id == "dense"
    assert restored.state.to_dict() == lesson.state.to_dict()
    qtbot.waitUntil(lambda: "#3," in label(restored, "denseInputLabel") and not restored.is_busy()
                    and restored.state.head is not None, timeout=30000)
    assert restored.findChild(QSpinBox, "digitIndexSpin").value() == 3
    assert restored.findChild(QSlider, "temperatureSlider").value() == 25
    assert restored.findChild(QCheckBox, "overrideCheck").isChecked()
    assert restored.logit_grid.cell_text(0, 4) == "7.5"
    assert label(restored, "softmaxFormula") == label(lesson, "softmaxFormula")
    np.testing.assert_allclose(restored.chart.probabilities, lesson.chart.probabilities)


# ---------------------------------------------------------------- how it looks


@pytest.mark.parametrize("size", [(1400, 900), (1100, 650)])
def test_w2_class_labels_do_not_overlap(qtbot, lesson, size):
    from PySide6.QtGui import QImage, QPainter

    lesson.resize(*size)
    axis = lesson.plots.w2_plot.getAxis("left")

    def label_rects():
        image = QImage(8, 8, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        try:
            return [(rect, text) for rect, _flags, text in axis.generateDrawSpecs(painter)[2]]
        finally:
            painter.end()

    seen = []

    def laid_out():
        seen.append(tuple(rect.getRect() for rect, _ in label_rects()))
        return len(seen) > 2 and seen[-1] == seen[-2] == seen[-3]

    qtbot.waitUntil(laid_out, timeout=5000)
    rects = label_rects()
    assert [text for _, text in rects] == [str(k) for k in range(10)]
    for (upper, a), (lower, b) in zip(rects, rects[1:]):
        assert not upper.intersects(lower), (a, upper, b, lower)
