"""A session's own model when the file at its path has changed since the session was saved."""

from explainer.models.external import Preprocessing
from tests.ui.own_models import export, tiny_resnet
from tests.ui.test_own_model import SETTLE_MS, open_quietly, settled_photo


def test_settings_saved_for_another_input_size_take_the_models_size(qtbot, make_window, tmp_path):
    path = export(tiny_resnet(), tmp_path / "mine.onnx", side=32)
    first = make_window()
    open_quietly(qtbot, first, path)
    chosen = Preprocessing((32, 32), "BGR", 255.0, (120.0, 115.0, 100.0), (60.0, 60.0, 60.0), source="user")
    first.app_state.set_external_model(first.app_state.external_model, first.app_state.external_model_path, chosen)
    session = first.save_session(tmp_path / "mine.convlens")
    export(tiny_resnet(), path, side=48)  # the file is replaced by one that takes 48×48 images
    second = make_window()
    with qtbot.waitSignal(second.user_model.opened, timeout=SETTLE_MS):
        assert second.load_session(session) == []
    used = second.app_state.external_preprocessing
    assert used.size == (48, 48) and (used.channel_order, used.scale, used.std) == ("BGR", 255.0, chosen.std)
    assert "do not fit the model, whose input is 3×48×48" in second.statusBar().currentMessage()
    page = settled_photo(qtbot, second).user_model
    assert page.shown is not None and page.shown["x"].shape == (1, 3, 48, 48)  # the model ran, no refusal
