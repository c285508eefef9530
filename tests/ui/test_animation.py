"""File ▸ Export animation… (animated GIFs) and "Copy as text" on number grids."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QMessageBox

from explainer.core.formatting import parse_grid
from explainer.ui.animation import NO_ANIMATION, Animation, AnimationDialog, AnimationExport
from explainer.ui.gif_writer import (
    MAX_FRAMES,
    ExportCancelled,
    GifSettings,
    check_settings,
    frame_duration_ms,
    write_gif,
)
from explainer.ui.lessons.convolution import create as create_convolution
from explainer.ui.state import AppState, Commands
from explainer.ui.widgets.matrix_grid import MatrixGrid
from tests.conftest import REPO
from tests.ui.gif_export import export_gif, frame_pixels


def frames(count, size=(40, 30)):
    """``count`` different frames (a bar that moves)."""
    out = []
    for i in range(count):
        frame = np.full((size[1], size[0], 3), 255, np.uint8)
        frame[:, (i * 3) % size[0], :] = (230, 120, 0)
        out.append(frame)
    return out


@pytest.fixture
def convolution(qtbot):
    widget = create_convolution(AppState(), Commands())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- the file writer, without Qt


def test_write_gif_writes_every_frame_with_its_size_and_duration(tmp_path):
    path = write_gif(tmp_path / "bar.gif", frames(7), frame_duration_ms(4))
    gif = Image.open(path)
    assert (gif.n_frames, gif.size, gif.info["duration"]) == (7, (40, 30), 250)
    assert gif.info["loop"] == 0  # loops for ever, as slides want
    gif.seek(3)
    assert gif.convert("RGB").getpixel((9, 5)) == (230, 120, 0)  # the bar has moved to column 9
    assert leftovers(tmp_path) == ["bar.gif"]


def test_the_frame_rate_is_rounded_to_hundredths_of_a_second():
    assert [frame_duration_ms(fps) for fps in (1, 4, 8, 10, 30)] == [1000, 250, 120, 100, 30]


def test_a_cancelled_write_leaves_no_file_and_an_older_one_unchanged(tmp_path):
    path = tmp_path / "kept.gif"
    path.write_bytes(b"older")
    asked = []

    def cancelled():
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(ExportCancelled):
        write_gif(path, frames(10), 100, cancelled=cancelled)
    assert path.read_bytes() == b"older"
    assert leftovers(tmp_path) == ["kept.gif"]


def test_frames_of_different_sizes_or_a_missing_folder_write_nothing(tmp_path):
    with pytest.raises(ValueError, match="every frame must have the same size"):
        write_gif(tmp_path / "a.gif", frames(2) + frames(1, size=(20, 30)), 100)
    with pytest.raises(ValueError, match="no frames"):
        write_gif(tmp_path / "b.gif", [], 100)
    with pytest.raises(OSError):
        write_gif(tmp_path / "missing" / "c.gif", frames(2), 100)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("settings, words", [
    (GifSettings(fps=0, width=400, first=1, last=5), "frame rate must be between 1 and 30 frames per second, got 0"),
    (GifSettings(fps=31, width=400, first=1, last=5), "frame rate must be between 1 and 30"),
    (GifSettings(fps=4, width=50, first=1, last=5), "width must be between 120 and 1920 pixels, got 50"),
    (GifSettings(fps=4, width=400, first=0, last=5), "first frame must be between 1 and 25, got 0"),
    (GifSettings(fps=4, width=400, first=6, last=5), "last frame must be between the first \\(6\\) and 25, got 5"),
    (GifSettings(fps=4, width=400, first=1, last=26), "last frame must be between the first \\(1\\) and 25"),
    (GifSettings(fps=4, width=130, first=1, last=5), "frames must be 60 to 1920 pixels high"),
])
def test_bad_settings_are_refused_with_what_to_change(settings, words):
    view = (1000, 500) if settings.width != 130 else (1000, 200)
    with pytest.raises(ValueError, match=words):
        check_settings(settings, 25, view)


def test_too_many_or_too_large_frames_are_refused():
    with pytest.raises(ValueError, match="choose a shorter range"):
        check_settings(GifSettings(fps=4, width=400, first=1, last=MAX_FRAMES + 1), MAX_FRAMES + 1, (400, 300))
    with pytest.raises(ValueError, match="choose fewer frames or a smaller width"):
        check_settings(GifSettings(fps=4, width=1900, first=1, last=MAX_FRAMES), MAX_FRAMES, (1000, 1000))
    assert check_settings(GifSettings(fps=4, width=400, first=1, last=3), 3, (1000, 500)) == (400, 200)


def test_the_writer_imports_no_qt():
    code = ("import sys\nimport explainer.ui.gif_writer, explainer.core.formatting\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt', "
            "'shiboken6')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- recording a lesson


def test_the_kernel_stepping_over_a_range_of_cells(qtbot, convolution, tmp_path):
    convolution.state.set_cursor(12)
    before = convolution.state.to_dict()
    (animation,) = convolution.animations()
    assert (animation.frame_count, animation.unit) == (25, "cell")
    result, gif = export_gif(qtbot, convolution, animation, tmp_path / "conv.gif", fps=2, width=550, first=3, last=9)
    assert (result.frames, gif.n_frames, gif.info["duration"]) == (7, 7, 500)
    assert gif.size == (550, round(550 * convolution.height() / convolution.width()))
    assert frame_pixels(gif, 0) != frame_pixels(gif, 1)  # the kernel moved
    assert convolution.state.to_dict() == before  # put back on cell 13
    assert convolution.findChild(QLabel, "positionLabel").text() == "cell 13 of 25"


def test_every_cell_by_default(qtbot, convolution, tmp_path):
    (animation,) = convolution.animations()
    _, gif = export_gif(qtbot, convolution, animation, tmp_path / "all.gif", width=300)
    assert gif.n_frames == 25


def test_cancelling_while_recording_writes_nothing_and_puts_the_lesson_back(qtbot, convolution, tmp_path):
    convolution.state.set_cursor(4)
    (animation,) = convolution.animations()
    export = AnimationExport(convolution, animation, GifSettings(fps=4, width=300, first=1, last=25),
                             tmp_path / "never.gif")
    export.progressed.connect(lambda done, total, text: export.cancel() if done == 5 else None)
    with qtbot.waitSignal(export.finished, timeout=20000) as finished:
        export.start()
    result = finished.args[0]
    assert result.cancelled and not result.ok
    assert "nothing was written" in result.message
    assert leftovers(tmp_path) == []
    assert convolution.state.cursor == 4


def test_cancelling_while_writing_writes_nothing(qtbot, convolution, tmp_path):
    (animation,) = convolution.animations()
    export = AnimationExport(convolution, animation, GifSettings(fps=4, width=300, first=1, last=10),
                             tmp_path / "never.gif")
    export.progressed.connect(lambda done, total, text: export.cancel() if text.startswith("Writing") else None)
    with qtbot.waitSignal(export.finished, timeout=20000) as finished:
        export.start()
    assert finished.args[0].cancelled
    assert leftovers(tmp_path) == []


def test_a_folder_that_cannot_be_written_is_explained(qtbot, convolution, tmp_path):
    (animation,) = convolution.animations()
    export = AnimationExport(convolution, animation, GifSettings(fps=4, width=300, first=1, last=2),
                             tmp_path / "missing" / "a.gif")
    with qtbot.waitSignal(export.finished, timeout=20000) as finished:
        export.start()
    result = finished.args[0]
    assert not result.ok and not result.cancelled
    assert "Check that the folder exists and is writable; nothing was written" in result.message


def test_settings_out_of_bounds_are_refused_before_anything_is_recorded(convolution, tmp_path):
    (animation,) = convolution.animations()
    with pytest.raises(ValueError, match="frame rate"):
        AnimationExport(convolution, animation, GifSettings(fps=0, width=300, first=1, last=2), tmp_path / "a.gif")
    assert leftovers(tmp_path) == []


def test_a_failing_frame_puts_the_lesson_back_and_says_why(qtbot, convolution, tmp_path):
    convolution.state.set_cursor(2)
    (animation,) = convolution.animations()

    def show(index):
        if index == 3:
            raise RuntimeError("no such cell")
        convolution.state.set_cursor(index)

    broken = Animation("broken", animation.frame_count, show, convolution)
    export = AnimationExport(convolution, broken, GifSettings(fps=4, width=300, first=1, last=6), tmp_path / "b.gif")
    with qtbot.waitSignal(export.finished, timeout=20000) as finished:
        export.start()
    result = finished.args[0]
    assert not result.ok and "no such cell" in result.message and "RuntimeError" in result.details
    assert convolution.state.cursor == 2
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- the dialog and the menu


def test_the_dialog_refuses_a_range_that_ends_before_it_starts(qtbot, convolution):
    dialog = AnimationDialog(convolution.animations())
    qtbot.addWidget(dialog)
    dialog.show()
    assert (dialog.first_spin.value(), dialog.last_spin.value()) == (1, 25)
    assert dialog.range_label.text() == "Cells"
    dialog.first_spin.setValue(10)
    dialog.last_spin.setValue(4)
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != dialog.DialogCode.Accepted
    assert dialog.error_label.isVisibleTo(dialog)
    assert dialog.error_label.text() == "The last cell must be between the first (10) and 25, got 4."
    dialog.last_spin.setValue(12)
    assert "3 frames" in dialog.summary.text()
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.settings() == GifSettings(fps=convolution.state.speed, width=800, first=10, last=12)


def test_an_animation_not_available_now_says_why_and_cannot_be_exported(qtbot, convolution):
    waiting = Animation("a run", 0, lambda i: None, convolution, unavailable="No training run yet: train first.")
    dialog = AnimationDialog([waiting])
    qtbot.addWidget(dialog)
    assert dialog.note.text() == "No training run yet: train first."
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    assert dialog.problem() == "No training run yet: train first."


def test_the_menu_item_sits_after_export_view_and_explains_a_lesson_without_animation(qtbot, window, monkeypatch):
    actions = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert actions[actions.index("&Export view as PNG…") + 1] == "Export &animation…"
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(text))
    window.show_lesson("dense")
    assert window.current_lesson().animations() == []
    window.export_animation_action.trigger()
    assert shown and shown[0].startswith(NO_ANIMATION)
    assert window.statusBar().currentMessage() == "This lesson has no animation."


def test_the_menu_command_asks_then_records_with_a_progress_bar(qtbot, window, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QDialog, QFileDialog, QProgressDialog

    target = tmp_path / "slides"  # no ".gif": it is added
    monkeypatch.setattr(AnimationDialog, "exec", lambda dialog: (dialog.first_spin.setValue(20),
                                                                dialog.width_spin.setValue(400),
                                                                QDialog.DialogCode.Accepted)[-1])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    window.show_lesson("convolution")
    window.export_animation_action.trigger()
    progress = window.findChild(QProgressDialog)
    assert progress is not None and progress.isVisible()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Saved"), timeout=20000)
    gif = Image.open(tmp_path / "slides.gif")
    assert (gif.n_frames, gif.size[0]) == (6, 400)
    qtbot.waitUntil(lambda: window.findChild(QProgressDialog) is None, timeout=5000)  # closed and deleted


def test_the_menu_command_explains_an_animation_with_nothing_to_show_yet(window, monkeypatch):
    from explainer.ui.animation import export_animation

    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(text))

    class Waiting:
        lesson_id = "network"

        def animations(self):
            return [Animation("a run", 0, lambda i: None, window, unavailable="No training run to export yet.")]

    assert export_animation(window, Waiting()) is None
    assert shown == ["No training run to export yet."]


# ---------------------------------------------------------------- copy numbers


def test_ctrl_c_on_a_focused_grid_copies_its_numbers_as_shown(qtbot, convolution):
    QApplication.clipboard().clear()
    convolution.state.set_cursor(6)
    output = convolution.findChild(MatrixGrid, "outputGrid")
    qtbot.mouseClick(output, Qt.MouseButton.LeftButton, pos=output.cell_rect(1, 1).center())  # focuses it
    assert output.hasFocus()
    qtbot.keyClick(output, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QApplication.clipboard().text()
    assert text.split("\n")[0] == "-25\t466\t466\t475\t653"
    assert text.split("\n")[1] == "295\t787\t\t\t"  # cells not computed yet are empty
    parsed = parse_grid(text)
    rows, cols = output.values.shape
    for r in range(rows):
        for c in range(cols):
            shown = output.cell_text(r, c)
            if shown:
                assert parsed[r, c] == float(shown.replace("−", "-"))
            else:
                assert np.isnan(parsed[r, c])


def test_copy_as_text_on_the_right_click_menu(qtbot, convolution):
    QApplication.clipboard().clear()
    kernel = convolution.findChild(MatrixGrid, "kernelGrid0")
    menu = kernel.context_menu()
    (action,) = [a for a in menu.actions() if isinstance(a, QAction) and a.text() == "Copy as text"]
    action.trigger()
    np.testing.assert_array_equal(parse_grid(QApplication.clipboard().text()), convolution.state.w[0, 0])
    assert QApplication.clipboard().text() == "-1\t-1\t1\n0\t1\t-1\n0\t1\t1"


def test_a_right_click_opens_that_menu(qtbot, convolution):
    kernel = convolution.findChild(MatrixGrid, "kernelGrid0")
    QApplication.sendEvent(kernel, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5),
                                                      kernel.mapToGlobal(QPoint(5, 5))))
    menu = kernel.findChild(QMenu)
    assert menu is not None and menu.isVisible()
    assert [a.text() for a in menu.actions()] == ["Copy as text"]
    menu.close()


def test_a_score_table_copies_the_rows_shown_with_their_headers(qtbot):
    from explainer.ui.widgets.score_table import ScoreTable

    table = ScoreTable(["mean IoU", "IoU 3", "IoU 4"], ["FCN-32s", "FCN-8s"])
    qtbot.addWidget(table)
    for row, cells in enumerate((("0.512 Good", "0.801 Excellent"), ("−", "0.7 Good"), ("absent", "absent"))):
        for col, text in enumerate(cells):
            table.set_cell(row, col, text)
    table.setRowHidden(2, True)
    table.show()
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == ("\tFCN-32s\tFCN-8s\nmean IoU\t0.512 Good\t0.801 Excellent\n"
                                               "IoU 3\t-\t0.7 Good")
