"""The app shell: navigator, every lesson, menus, images, export, command line."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from explainer import io
from explainer.ui.lessons import LESSON_IDS, LESSONS
from tests.conftest import REPO

EXPECTED_IDS = ("convolution", "feature-maps", "pooling", "dense", "draw", "network", "text", "photo",
                "segmentation")


def test_lesson_ids_are_the_fixed_ones():
    assert set(LESSON_IDS) == set(EXPECTED_IDS)
    assert len(LESSON_IDS) == len(EXPECTED_IDS)


def test_every_lesson_opens_from_the_navigator(window, qtbot):
    for row, info in enumerate(LESSONS):
        item = window.navigator.item(row)
        rect = window.navigator.visualItemRect(item)
        qtbot.mouseClick(window.navigator.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window.current_lesson_id == info.id
        assert window.lesson_title.text() == info.title
        assert window.stack.currentWidget() is window.lesson(info.id)
        assert window.lesson(info.id).isVisible()


def test_show_lesson_and_shortcuts(window, qtbot):
    with qtbot.waitSignal(window.lesson_changed, timeout=2000) as blocker:
        window.show_lesson("pooling")
    assert blocker.args == ["pooling"]
    assert window.navigator.currentRow() == LESSON_IDS.index("pooling")
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_lesson_id == LESSON_IDS[0]
    qtbot.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.current_lesson_id == LESSON_IDS[1]
    with pytest.raises(ValueError, match="valid lessons"):
        window.show_lesson("nope")


def test_open_image_sets_shared_state(window, qtbot, tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (12, 8), (255, 0, 0)).save(path)
    window.open_image(path, show_dialog=False)
    qtbot.waitUntil(lambda: window.app_state.image_name == "red.png", timeout=5000)
    assert window.app_state.image.shape == (8, 12, 3)
    assert window.app_state.image_path == str(path.resolve())
    assert "red.png" in window.image_caption.text()
    assert not window.image_preview.pixmap().isNull()


def test_bad_image_keeps_current_image_and_explains(window, qtbot, tmp_path):
    good = tmp_path / "good.png"
    Image.new("RGB", (5, 5), (0, 255, 0)).save(good)
    window.open_image(good, show_dialog=False)
    qtbot.waitUntil(lambda: window.app_state.image_name == "good.png", timeout=5000)
    before = window.app_state.image.copy()
    bad = tmp_path / "bad.png"
    bad.write_text("definitely not a PNG")
    with qtbot.waitSignal(window.image_load_failed, timeout=5000) as blocker:
        window.open_image(bad, show_dialog=False)
    assert "bad.png" in blocker.args[0] and "not a readable image" in blocker.args[0]
    assert "unchanged" in window.statusBar().currentMessage()
    np.testing.assert_array_equal(window.app_state.image, before)


def test_drop_a_file_on_the_window(window, qtbot, tmp_path):
    path = tmp_path / "dropped.png"
    Image.new("L", (6, 6), 128).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.app_state.image_name == "dropped.png", timeout=5000)


def test_sample_menu_lists_bundled_photos(window):
    titles = [a.text() for menu in window.menuBar().findChildren(type(window.menuBar().actions()[0].menu()))
              for a in menu.actions()]
    for name in io.sample_images():
        assert name.capitalize() in titles


def test_export_view_writes_a_real_png(window, tmp_path):
    window.show_lesson("convolution")
    path = tmp_path / "view.png"
    assert window.export_view(path)
    img = Image.open(path)
    assert img.size[0] > 400 and img.size[1] > 300
    assert len(np.unique(np.asarray(img.convert("L")))) > 5  # not a blank picture
    assert not window.export_view(tmp_path / "missing-folder" / "x.png")
    assert "Could not write" in window.statusBar().currentMessage()


def test_full_screen_toggle(window, qtbot):
    window.fullscreen_action.trigger()
    assert window.isFullScreen()
    window.fullscreen_action.trigger()
    assert not window.isFullScreen()


def run_main(*args, timeout=90):
    return subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def test_command_line_screenshot(tmp_path):
    path = tmp_path / "shot.png"
    result = run_main("--lesson", "convolution", "--screenshot", str(path), "--size", "1100x720")
    assert result.returncode == 0, result.stderr
    img = Image.open(path)
    assert img.size == (1100, 720)
    assert len(np.unique(np.asarray(img.convert("L")))) > 5


def test_command_line_unknown_lesson_exits_2():
    result = run_main("--lesson", "nope")
    assert result.returncode == 2
    for lesson_id in EXPECTED_IDS:
        assert lesson_id in result.stderr


def test_command_line_bad_size_exits_2():
    assert run_main("--size", "huge").returncode == 2
