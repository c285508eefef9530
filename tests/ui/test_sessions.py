"""Sessions: saved atomically, refused cleanly when damaged, restored into a new window; settings."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings

from explainer.ui.app import SESSION_FORMAT, SESSION_VERSION, MainWindow
from explainer.ui.lessons import LESSON_IDS, LESSONS, state_class
from tests.conftest import REPO


def test_every_lesson_state_module_imports_without_qt():
    code = ("import sys\n"
            "from explainer.ui.lessons import LESSON_IDS, state_class\n"
            "from explainer.ui.state import AppState\n"
            "for lesson_id in LESSON_IDS:\n"
            "    state = state_class(lesson_id)()\n"
            "    assert type(state).from_dict(state.to_dict()).to_dict() == state.to_dict(), lesson_id\n"
            "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt', 'shiboken6'))\n"
            "print(len(LESSON_IDS), qt)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{len(LESSON_IDS)} []"


def test_every_lesson_state_round_trips_through_json():
    for info in LESSONS:
        state = state_class(info.id)()
        data = json.loads(json.dumps(state.to_dict(), allow_nan=False))
        again = type(state).from_dict(data)
        assert again.to_dict() == state.to_dict(), info.id


def test_session_of_every_lesson_round_trips(make_window, qtbot, tmp_path):
    first = make_window()
    for lesson_id in LESSON_IDS:
        first.show_lesson(lesson_id)
    first.show_lesson("pooling")
    path = first.save_session(tmp_path / "all.convlens")
    saved = json.loads(path.read_text())
    assert saved["format"] == SESSION_FORMAT and saved["version"] == SESSION_VERSION
    assert sorted(saved["lessons"]) == sorted(LESSON_IDS)
    second = make_window()
    second.load_session(path)
    assert second.current_lesson_id == "pooling"
    for lesson_id in LESSON_IDS:
        assert second.lesson(lesson_id).state.to_dict() == first.lesson(lesson_id).state.to_dict(), lesson_id
    for win in (first, second):
        qtbot.waitUntil(lambda w=win: not any(w.lesson(i).is_busy() for i in LESSON_IDS), timeout=30000)


def test_session_keeps_an_image_that_is_not_a_file(make_window, qtbot, tmp_path):
    first = make_window()
    pixels = np.zeros((10, 14, 3), np.float32)
    pixels[:, :7, 0] = 1.0
    first.app_state.set_image(pixels, "made in memory")
    path = first.save_session(tmp_path / "image.convlens")
    entry = json.loads(path.read_text())["image"]
    assert entry["path"] == "" and entry["png"]
    second = make_window()
    second.load_session(path)
    qtbot.waitUntil(lambda: second.app_state.image is not None, timeout=5000)
    np.testing.assert_allclose(second.app_state.image, pixels, atol=1 / 255)


def test_session_refers_to_an_image_file_by_path(make_window, qtbot, tmp_path):
    picture = tmp_path / "blue.png"
    Image.new("RGB", (9, 7), (0, 0, 255)).save(picture)
    first = make_window()
    first.open_image(picture, show_dialog=False)
    qtbot.waitUntil(lambda: first.app_state.image_name == "blue.png", timeout=5000)
    path = first.save_session(tmp_path / "file.convlens")
    entry = json.loads(path.read_text())["image"]
    assert entry == {"name": "blue.png", "path": str(picture.resolve()), "png": None}
    second = make_window()
    second.load_session(path)
    qtbot.waitUntil(lambda: second.app_state.image_name == "blue.png", timeout=5000)
    assert second.app_state.image.shape == (7, 9, 3)


def good_session(window, tmp_path):
    window.show_lesson("pooling")
    return json.loads(window.save_session(tmp_path / "good.convlens").read_text())


DAMAGE = {
    "empty": lambda good: "",
    "whitespace": lambda good: "   \n",
    "truncated": lambda good: json.dumps(good)[: len(json.dumps(good)) // 2],
    "not json": lambda good: "this is a lesson plan, not a session",
    "binary": lambda good: "\x00\x01\x02",
    "a list": lambda good: "[1, 2, 3]",
    "wrong format": lambda good: json.dumps({**good, "format": "something-else"}),
    "wrong version": lambda good: json.dumps({**good, "version": 99}),
    "unknown lesson": lambda good: json.dumps({**good, "lesson": "cooking"}),
    "unknown state field": lambda good: json.dumps({**good, "lessons": {"pooling": {"flavour": "salty"}}}),
    "wrong field type": lambda good: json.dumps({**good, "lessons": {"pooling": {**good["lessons"]["pooling"],
                                                                                   "stride": "two"}}}),
    "out of range": lambda good: json.dumps({**good, "lessons": {"pooling": {**good["lessons"]["pooling"],
                                                                               "stride": 99}}}),
    "bad strokes": lambda good: json.dumps({**good, "drawing": {"drawing_strokes": [[["x", 1]]]}}),
    "bad image": lambda good: json.dumps({**good, "image": {"name": "a", "path": "", "png": "@@not base64@@"}}),
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damaged_session_is_refused_and_changes_nothing(window, tmp_path, kind):
    good = good_session(window, tmp_path)
    window.show_lesson("convolution")
    before = window.session()
    built = set(LESSON_IDS) & {i for i in LESSON_IDS if window.lesson(i) is not None}
    path = tmp_path / f"{kind}.convlens"
    path.write_text(DAMAGE[kind](good))
    with pytest.raises(ValueError) as caught:
        window.load_session(path)
    message = str(caught.value)
    assert message and "Traceback" not in message
    assert window.session() == before
    assert window.current_lesson_id == "convolution"
    assert {i for i in LESSON_IDS if window.lesson(i) is not None} == built


def test_open_session_explains_a_refusal_in_the_status_bar(window, tmp_path):
    path = tmp_path / "broken.convlens"
    path.write_text('{"format": "convlens-session", "version": 1, "lesson": ')
    assert not window.open_session(path, show_dialog=False)
    message = window.statusBar().currentMessage()
    assert "broken.convlens" in message and "truncated" in message and "Nothing was changed" in message


def test_save_is_atomic_an_interrupted_save_leaves_the_old_file(window, tmp_path, monkeypatch):
    path = tmp_path / "lesson.convlens"
    window.show_lesson("pooling")
    window.save_session(path)
    old = path.read_bytes()

    def crash(*args):
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "fsync", crash)
    window.show_lesson("convolution")
    with pytest.raises(OSError):
        window.save_session(path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.convlens"]  # no temporary file left


def test_settings_remember_the_last_lesson_and_survive_damage(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "convlens.ini"), QSettings.Format.IniFormat)
    first = MainWindow()
    qtbot.addWidget(first)
    first.show_lesson("pooling")
    first.save_settings(settings)
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.restore_settings(settings) == "pooling"
    settings.setValue("window/lesson", "no-such-lesson")
    settings.setValue("window/geometry", "not bytes at all")
    assert second.restore_settings(settings) is None
    (tmp_path / "garbage.ini").write_bytes(b"\xff\xfe[window\x00geometry=\x01\x02")
    damaged = QSettings(str(tmp_path / "garbage.ini"), QSettings.Format.IniFormat)
    assert second.restore_settings(damaged) is None


def test_command_line_opens_a_session(window, tmp_path):
    window.show_lesson("pooling")
    path = window.save_session(tmp_path / "cli.convlens")
    shot = tmp_path / "shot.png"
    result = subprocess.run([sys.executable, str(REPO / "main.py"), str(path), "--screenshot", str(shot)],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert shot.stat().st_size > 10_000
    bad = tmp_path / "bad.convlens"
    bad.write_text("nope")
    result = subprocess.run([sys.executable, str(REPO / "main.py"), str(bad), "--screenshot", str(shot)],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 2
    assert "bad.convlens" in result.stderr


def test_the_issue_walkthrough_kernel_on_cell_4_and_a_seven_in_one_session(make_window, qtbot, tmp_path):
    """Tried as a new user would: step to cell 4 of 25 with →, draw a 7, save, open in a new window."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from tests.ui.test_draw import draw_and_wait, predicted, ready, seven

    first = make_window()
    first.activateWindow()
    qtbot.waitUntil(first.isActiveWindow, timeout=5000)  # keyboard shortcuts go to the active window
    convolution = first.show_lesson("convolution")
    qtbot.waitExposed(convolution)
    convolution.setFocus()
    for _ in range(3):
        qtbot.keyClick(convolution, Qt.Key.Key_Right)
    assert convolution.findChild(QLabel, "positionLabel").text() == "cell 4 of 25"
    draw = ready(qtbot, first.show_lesson("draw"))
    draw.clear()
    assert draw_and_wait(qtbot, draw, seven()) == "7"
    path = first.save_session(tmp_path / "lesson.convlens")

    second = make_window()
    second.load_session(path)
    again = ready(qtbot, second.lesson("draw"))
    assert second.current_lesson_id == "draw"
    assert again.pad.strokes() == draw.pad.strokes()
    assert predicted(again) == "7"
    restored = second.show_lesson("convolution")
    assert restored.findChild(QLabel, "positionLabel").text() == "cell 4 of 25"
    assert restored.findChild(QLabel, "sumLine").text() == convolution.findChild(QLabel, "sumLine").text()


# -- what a review found: restores that changed too much or too little ---------------------------------------


def test_a_value_no_widget_can_hold_is_refused_before_anything_changes(window, tmp_path):
    good = good_session(window, tmp_path)
    window.show_lesson("dense")
    good = json.loads(window.save_session(tmp_path / "dense.convlens").read_text())
    before = window.session()
    bad = json.loads(json.dumps(good))
    bad["lessons"]["dense"]["index"] = 3_000_000_000
    (tmp_path / "huge.convlens").write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="out of range"):
        window.load_session(tmp_path / "huge.convlens")
    assert window.session() == before


def test_a_view_that_fails_while_applying_puts_everything_back(window, tmp_path, monkeypatch):
    window.show_lesson("pooling")
    window.show_lesson("convolution")
    saved = json.loads(window.save_session(tmp_path / "s.convlens").read_text())
    saved["lessons"]["pooling"]["stride"] = 3
    saved["lessons"]["convolution"]["cursor"] = 7
    (tmp_path / "s.convlens").write_text(json.dumps(saved))
    before = window.session()
    convolution = window.lesson("convolution")

    def broken(saved_state):
        raise RuntimeError("a widget refused the value")

    monkeypatch.setattr(convolution, "apply_state", broken)
    with pytest.raises(ValueError, match="put back"):
        window.load_session(tmp_path / "s.convlens")
    monkeypatch.undo()
    assert window.session() == before


@pytest.mark.parametrize("strokes, words", [([[5]], "should be a list"), ([[[1, 2, 3]]], "should have 2 items"),
                                            ([[[1e300, 2]]], "points on the 280-pixel pad"),
                                            ([[[True, 2]]], "true/false")])
def test_bad_drawings_are_refused_in_words(window, tmp_path, strokes, words):
    good = good_session(window, tmp_path)
    path = tmp_path / "strokes.convlens"
    path.write_text(json.dumps({**good, "drawing": {"drawing_strokes": strokes}}))
    with pytest.raises(ValueError, match=words):
        window.load_session(path)


def test_typed_crop_pixels_survive_a_session_with_its_image(make_window, qtbot, tmp_path):
    picture = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(picture)
    first = make_window()
    first.open_image(picture, show_dialog=False)
    qtbot.waitUntil(lambda: first.app_state.image_name == "photo.png", timeout=5000)
    lesson = first.show_lesson("convolution")
    lesson.load_preset("crop")
    lesson.state.set_input_value(0, 1, 1, 123.0)
    path = first.save_session(tmp_path / "crop.convlens")
    second = make_window()
    second.load_session(path)
    qtbot.waitUntil(lambda: second.app_state.image_name == "photo.png", timeout=5000)
    qtbot.waitUntil(lambda: not second.is_busy(), timeout=5000)
    restored = second.lesson("convolution")
    assert restored.state.x[0, 1, 1] == 123.0
    np.testing.assert_array_equal(restored.state.x, lesson.state.x)


def test_a_cleared_drawing_comes_back_cleared(make_window, qtbot, tmp_path):
    from tests.ui.test_draw import predicted, ready

    first = make_window()
    draw = ready(qtbot, first.show_lesson("draw"))
    draw.clear()
    qtbot.waitUntil(lambda: not draw.is_busy(), timeout=10000)
    path = first.save_session(tmp_path / "blank.convlens")
    second = make_window()
    second.load_session(path)
    again = ready(qtbot, second.lesson("draw"))
    assert again.pad.is_blank() and again.state.heldout_index is None
    assert predicted(again) == ""
    assert again.state.to_dict() == draw.state.to_dict()


def test_segmentation_saved_before_its_models_loaded_keeps_its_scene(make_window, qtbot, tmp_path):
    first = make_window()
    lesson = first.show_lesson("segmentation")
    saved_state = lesson.state.to_dict()  # saved at once, before the FCNs and the first scene arrive
    path = first.save_session(tmp_path / "early.convlens")
    second = make_window()
    second.load_session(path)
    restored = second.lesson("segmentation")
    qtbot.waitUntil(lambda: not restored.is_busy(), timeout=30000)
    assert restored.state.to_dict() == saved_state
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=30000)


def test_a_missing_image_is_said_after_opening(make_window, qtbot, tmp_path):
    picture = tmp_path / "gone.png"
    Image.new("RGB", (9, 7), (0, 0, 255)).save(picture)
    first = make_window()
    first.open_image(picture, show_dialog=False)
    qtbot.waitUntil(lambda: first.app_state.image_name == "gone.png", timeout=5000)
    path = first.save_session(tmp_path / "s.convlens")
    picture.unlink()
    second = make_window()
    assert second.open_session(path, show_dialog=False)
    message = second.statusBar().currentMessage()
    assert "Opened the session s.convlens" in message and "gone.png is no longer there" in message
