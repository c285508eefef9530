"""The dense lesson: the head's numbers, softmax with temperature, logit override."""

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel, QSlider, QSpinBox

from explainer import core
from explainer.models import count_parameters
from explainer.ui.lessons.dense import DenseLesson
from explainer.ui.state import AppState


@pytest.fixture
def lesson(qtbot):
    widget = DenseLesson(AppState())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    with qtbot.waitSignal(widget.head_shown, timeout=20000):
        pass
    qtbot.waitUntil(lambda: not widget.is_busy(), timeout=10000)
    yield widget
    widget.shutdown()


def test_head_numbers_match_the_model(lesson):
    head = lesson.dense.head
    digit = torch.from_numpy(head["digit"].astype(np.float32))[None, None]
    logits = lesson.model(digit)[0].detach().numpy()
    np.testing.assert_allclose(head["logits"], logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(head["w2"] @ head["hidden"] + head["b2"], logits, rtol=1e-4, atol=1e-4)
    shown = [lesson.logit_grid.cell_text(0, c) for c in range(10)]
    assert shown == [core.format_number(v) for v in logits]
    # The class templates are exact for this input: template · x + constant = logit.
    consts = head["logits"] - head["templates"] @ head["flat"]
    pre = head["w1"] @ head["flat"] + head["b1"]
    np.testing.assert_allclose(consts, head["w2"] @ (np.where(pre > 0, head["b1"], 0)) + head["b2"], atol=1e-4)


def test_temperature_changes_probabilities_which_sum_to_one(qtbot, lesson):
    slider = lesson.findChild(QSlider, "temperatureSlider")
    p1 = lesson.chart.probabilities.copy()
    slider.setValue(40)  # T = 4
    p4 = lesson.chart.probabilities.copy()
    assert p4.sum() == pytest.approx(1.0) and p1.sum() == pytest.approx(1.0)
    assert p4.max() < p1.max()  # flatter
    np.testing.assert_allclose(p4, core.softmax(lesson.dense.head["logits"], 4.0))
    assert "T = 4.0" in lesson.findChild(QLabel, "temperatureLabel").text()
    assert "/4.0" in lesson.findChild(QLabel, "softmaxFormula").text()
    slider.setValue(1)  # T = 0.1: almost one-hot
    assert lesson.chart.probabilities.max() > 0.999


def test_editing_a_logit(qtbot, lesson):
    z = lesson.dense.head["logits"]
    runner_up = int(np.argsort(z)[-2])
    lesson.findChild(QSpinBox, "overrideClass").setValue(runner_up)
    lesson.findChild(QDoubleSpinBox, "overrideValue").setValue(float(z.max() + 5))
    lesson.findChild(QCheckBox, "overrideCheck").setChecked(True)
    p = lesson.chart.probabilities
    assert int(np.argmax(p)) == runner_up and p.sum() == pytest.approx(1.0)
    assert lesson.logit_grid.cell_text(0, runner_up) == core.format_number(z.max() + 5)
    assert f"top class {runner_up}" in lesson.findChild(QLabel, "softmaxFormula").text()
    lesson.findChild(QCheckBox, "overrideCheck").setChecked(False)
    np.testing.assert_allclose(lesson.chart.probabilities, core.softmax(z))


def test_parameter_counts_come_from_the_model(lesson):
    total, _ = count_parameters(lesson.model)
    text = lesson.findChild(QLabel, "paramCounts").text()
    assert f"{total:,}" in text
    dense = lesson.model.classifier[2].weight.numel() + lesson.model.classifier[2].bias.numel()
    assert f"{dense:,}" in text


def test_other_digit_and_drawing(qtbot, lesson):
    with qtbot.waitSignal(lesson.head_shown, timeout=10000):
        lesson.findChild(QSpinBox, "digitIndexSpin").setValue(3)
    assert f"true label {lesson.labels[3]}" in lesson.findChild(QLabel, "denseInputLabel").text()
    assert int(np.argmax(lesson.chart.probabilities)) == lesson.labels[3]
    drawing = np.zeros((280, 280), np.float32)
    drawing[40:240, 130:150] = 1.0
    lesson.app_state.set_drawing(drawing)
    lesson.source_combo.setCurrentIndex(1)
    with qtbot.waitSignal(lesson.head_shown, timeout=10000):
        lesson.source_combo.activated.emit(1)
    assert int(np.argmax(lesson.chart.probabilities)) == 1
