"""A model whose file leaves its input size open: the size is asked, and the model is prepared for it."""

import warnings

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from explainer import io
from explainer.models.external import open_model
from tests.ui.own_models import LABELS, tiny_resnet

SETTLE_MS = 30000


@pytest.fixture(scope="module")
def open_size(tmp_path_factory):
    """A ResNet-style model exported with its height and width left open (it pools globally)."""
    path = tmp_path_factory.mktemp("open") / "open.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(tiny_resnet(width=8, blocks=1), (torch.rand(1, 3, 32, 32),), str(path), dynamo=False,
                          input_names=["image"], output_names=["scores"],
                          dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}})
    path.with_name("labels.txt").write_text("\n".join(LABELS) + "\n")
    return path


def test_open_model_prepares_an_open_size_input_for_the_size_asked(open_size):
    default = open_model(open_size)
    assert not default.size_fixed and default.input_shape == (1, 3, 224, 224)
    chosen = open_model(open_size, size=(48, 40))
    assert chosen.input_shape == (1, 3, 48, 40) and chosen.preprocessing.size == (48, 40)
    first_conv = next(layer for layer in chosen.layers() if layer.op_type == "Conv")
    assert tuple(first_conv.output_shape[2:]) == (48, 40)
    assert chosen.activations(torch.rand(1, 3, 48, 40).numpy())[chosen.layers()[-1].name].shape == (1, len(LABELS))


def test_a_fixed_size_ignores_the_size_asked(tmp_path):
    from tests.ui.own_models import export

    fixed = open_model(export(tiny_resnet(width=4, blocks=1), tmp_path / "fixed.onnx"), size=(64, 64))
    assert fixed.size_fixed and fixed.input_shape == (1, 3, 32, 32)


def test_the_settings_dialog_sets_the_size_of_an_open_size_model(qtbot, window, open_size):
    window.app_state.set_image(io.load_image(io.sample_images()["chelsea"]), "chelsea.jpg")
    window.user_model.open_path(open_size)
    qtbot.waitUntil(lambda: window.user_model.dialog is not None and window.user_model.dialog.isVisible(),
                    timeout=SETTLE_MS)
    dialog = window.user_model.dialog
    assert dialog.height_spin.isEnabled() and dialog.width_spin.isEnabled()
    dialog.height_spin.setValue(64)
    dialog.width_spin.setValue(48)
    with qtbot.waitSignal(window.user_model.opened, timeout=SETTLE_MS):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    model = window.app_state.external_model
    assert model.input_shape == (1, 3, 64, 48)
    assert window.app_state.external_preprocessing.size == (64, 48)
    assert window.user_model.dialog is None  # asked once: opening it again for the size asks nothing more

    window.show_lesson("photo")
    photo = window.lesson("photo")
    qtbot.waitUntil(lambda: photo.user_model.shown is not None and not photo.is_busy(), timeout=SETTLE_MS)
    assert photo.user_model.shown["request"].preprocessing.size == (64, 48)
    assert "64×48" in photo.user_model.banner.text()


def test_a_session_opens_an_open_size_model_at_the_size_it_kept(qtbot, make_window, open_size, tmp_path):
    from explainer.models.external import Preprocessing

    first = make_window()
    with qtbot.waitSignal(first.user_model.opened, timeout=SETTLE_MS):
        first.user_model.open_path(open_size, show_dialogs=False)
    chosen = Preprocessing((40, 56), "RGB", 1.0, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), source="user")
    first.commands.request_model_reopen(chosen)  # what the photo lesson's "Input settings…" does for a new size
    qtbot.waitUntil(lambda: first.app_state.external_model.input_shape == (1, 3, 40, 56), timeout=SETTLE_MS)
    path = first.save_session(tmp_path / "open.convlens")
    second = make_window()
    with qtbot.waitSignal(second.user_model.opened, timeout=SETTLE_MS):
        assert second.load_session(path) == []
    assert second.app_state.external_model.input_shape == (1, 3, 40, 56)
    assert second.app_state.external_preprocessing == chosen
