"""What the invariance lab says is true: turn direction, the output row, the input's size, a missing curve."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from explainer.core.transforms import rotate
from explainer.models import ModelLoadError
from explainer.ui.lessons.photo.lab import input_words
from explainer.ui.widgets import invariance_work
from explainer.ui.widgets.invariance_state import DigitLabState
from tests.ui.test_invariance_lab import (TIMEOUT, click_tab, draw_lab, press_keys, settle,  # noqa: F401 (fixture)
                                          shown)


def test_the_rotation_slider_says_which_way_the_digit_turns(qtbot, draw_lab):
    lesson, lab = draw_lab
    slider, value = lab.controls.sliders["rotation"], lab.controls.values["rotation"]
    press_keys(qtbot, slider, Qt.Key.Key_Right, 30)
    settle(qtbot, lesson)
    assert value.text() == "+30° ↺"  # positive angles turn the picture counter-clockwise
    # What is shown is the core's rotate, whose +90° is numpy's counter-clockwise rot90 (tests/core).
    assert np.array_equal(shown(lab.pictures.before), rotate(lab.reading.base, 30))
    press_keys(qtbot, slider, Qt.Key.Key_Left, 45)
    settle(qtbot, lesson)
    assert value.text() == "−15° ↻"
    combo: QComboBox = lab.sweep.transform_combo
    combo.setCurrentIndex(combo.findData("rotation"))
    combo.activated.emit(combo.currentIndex())
    assert lab.sweep.plot.getAxis("bottom").labelText == "rotation (degrees, + = counter-clockwise)"


def test_the_output_row_is_named_for_the_probabilities_it_draws(qtbot, draw_lab):
    lesson, lab = draw_lab
    title = lab.layers.titles["output"].text
    assert "softmax probabilities" in title
    assert np.allclose(lab.layers.views["output"].values.ravel(), lab.reading.probabilities, atol=1e-6)


def test_a_stride_larger_than_the_patch_is_refused_in_words(qtbot, draw_lab):
    lesson, lab = draw_lab
    click_tab(qtbot, lab.pages, "Where does it look?")
    lab.occlusion.patch_spin.setValue(4)
    lab.occlusion.stride_spin.setValue(6)
    with qtbot.waitSignal(lab.occlusion_finished, timeout=TIMEOUT):
        lab.occlusion.run_button.click()
    settle(qtbot, lesson)
    note = lab.occlusion.note.text()
    assert "no larger than the patch (4 px)" in note and "never be hidden" in note
    assert lab.occlusion.view.values is None and lab.occlusion.run_button.isEnabled()
    lab.occlusion.stride_spin.setValue(4)  # stride = patch: every pixel is hidden once
    with qtbot.waitSignal(lab.occlusion_finished, timeout=TIMEOUT):
        lab.occlusion.run_button.click()
    assert lab.occlusion.view.values.shape == (28, 28)
    assert "mean over the patch positions" in lab.occlusion.note.text()


def test_the_photo_caption_says_whether_the_input_was_shrunk_or_enlarged():
    assert input_words(np.zeros((300, 451, 3))) == "its centre square (300×300) shrunk to 32×32"
    assert input_words(np.zeros((3, 5, 3))) == "its centre square (3×3) enlarged to 32×32"
    assert input_words(np.zeros((32, 32, 3))) == "the photo, already 32×32"


def test_a_damaged_no_pool_file_is_not_called_missing(monkeypatch):
    real = invariance_work.load_model

    def load(name):
        if name == "mnist_nopool":
            raise ModelLoadError("mnist_nopool.pt is truncated")
        return real(name)

    monkeypatch.setattr(invariance_work, "load_model", load)
    data = invariance_work.load_sweep_data("digit", ("mnist", "mnist_nopool"))
    assert "mnist" in data["models"]
    assert data["missing"] == {"mnist_nopool": "mnist_nopool.pt is truncated"}
    assert invariance_work.NO_NOPOOL not in data["missing"]["mnist_nopool"]


@pytest.mark.parametrize("data", [{"occlusion": [27, 27]}, {"occlusion": [0, 10], "occlusion_side": 20}])
def test_a_saved_square_sticking_out_of_the_digit_is_refused(data):
    with pytest.raises(ValueError, match="occlusion square's (row|column)"):
        DigitLabState.from_dict(data)
    DigitLabState.from_dict({"occlusion": [20, 20]})  # an 8 px square in the bottom-right corner fits


def test_the_nudge_explanation_allows_for_pixels_that_cannot_move(qtbot, draw_lab):
    lesson, lab = draw_lab
    click_tab(qtbot, lab.pages, "Adversarial nudge")
    settle(qtbot, lesson)
    moved = lab.nudge.view.shown_perturbation != 0
    assert 0 < moved.mean() < 1  # black background pushed darker stays black: not every pixel moves by ε
    assert "cannot go further" in lab.nudge.why.text()
