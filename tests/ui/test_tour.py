"""The lecture tour in the window: moving between steps, every step applied and drawn, questions, editing."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from explainer import io
from explainer.core import softmax
from explainer.models import load_model, read_digit
from explainer.ui.lessons.photo.analysis import analyse_photo, load_photo_model
from explainer.ui.lessons.segmentation.compute import load_fcns, segment
from explainer.ui.tour import model

WAIT = 60000


def settle(qtbot, window):
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=WAIT)
    qtbot.wait(30)
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=WAIT)


def pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return data[:, : image.width(), :3].astype(np.int16)


@pytest.fixture
def toured(window, qtbot):
    assert window.tour.start_bundled()
    settle(qtbot, window)
    return window


def test_the_tour_opens_in_a_dock_on_its_first_step(toured):
    panel = toured.tour.panel
    assert toured.tour.dock.isVisible()
    assert panel.index == 0 and panel.steps.count() == len(panel.tour.steps) >= 25
    assert panel.position.text() == f"Step 1 of {len(panel.tour.steps)}"
    assert panel.title.text() == panel.tour.steps[0].title
    assert toured.current_lesson_id == panel.tour.steps[0].lesson
    assert not toured.side_column.isVisible()  # the step list stands in for the lesson list


def test_page_down_and_page_up_move_between_steps(toured, qtbot):
    panel = toured.tour.panel
    qtbot.keyClick(toured, Qt.Key.Key_PageDown)
    qtbot.keyClick(toured, Qt.Key.Key_PageDown)
    assert panel.index == 2
    lesson = toured.lesson("convolution")
    assert lesson.state.cursor == panel.tour.steps[2].state["cursor"] == 1
    assert "cell 2 of 25" in lesson.findChild(type(lesson.position_label), "positionLabel").text()
    qtbot.keyClick(toured, Qt.Key.Key_PageUp)
    assert panel.index == 1 and lesson.state.cursor == 0


def test_arrow_keys_move_while_the_tour_has_the_focus(toured, qtbot):
    panel = toured.tour.panel
    panel.steps.setFocus()
    qtbot.keyClick(panel.steps, Qt.Key.Key_Right)
    assert panel.index == 1
    qtbot.keyClick(panel.steps, Qt.Key.Key_Left)
    assert panel.index == 0
    qtbot.keyClick(panel.steps, Qt.Key.Key_Left)  # nothing before the first step
    assert panel.index == 0


def test_clicking_a_step_in_the_list_jumps_there(toured, qtbot):
    panel = toured.tour.panel
    target = next(i for i, s in enumerate(panel.tour.steps) if s.lesson == "pooling" and s.state.get("size") == 3)
    rect = panel.steps.visualItemRect(panel.steps.item(target))
    panel.steps.scrollToItem(panel.steps.item(target))
    rect = panel.steps.visualItemRect(panel.steps.item(target))
    qtbot.mouseClick(panel.steps.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.index == target
    assert toured.current_lesson_id == "pooling" and toured.lesson("pooling").state.size == 3


def test_a_question_hides_the_answer_until_it_is_answered_and_keeps_score(toured, qtbot):
    panel = toured.tour.panel
    quizzes = [i for i, s in enumerate(panel.tour.steps) if s.quiz is not None]
    first = quizzes[0]
    panel.go_to(first)
    settle(qtbot, toured)
    quiz = panel.tour.steps[first].quiz
    assert panel.quiz_box.isVisible() and panel.question.text() == quiz.question
    assert panel.veil.isVisible() and panel.veil.mode == "cover"
    lesson_area = panel.veil.rect().width() * panel.veil.rect().height()
    holes = sum(r.width() * r.height() for r in panel.veil.hole_rects())
    assert holes < 0.5 * lesson_area  # most of the lesson, with its answer, is covered
    wrong = next(i for i in range(len(quiz.choices)) if i != quiz.answer)
    qtbot.mouseClick(panel.choices[wrong], Qt.MouseButton.LeftButton)
    assert "Not quite" in panel.feedback.text() and quiz.choices[quiz.answer] in panel.feedback.text()
    assert panel.veil.mode != "cover"
    assert not any(button.isEnabled() for button in panel.choices[: len(quiz.choices)])
    assert panel.choices[quiz.answer].text().startswith("✓") and panel.choices[wrong].text().startswith("✗")
    assert f"0 of 1 right ({panel.tour.quiz_count()} in the tour)" in panel.score.text()
    second = quizzes[1]
    panel.go_to(second)
    quiz = panel.tour.steps[second].quiz
    qtbot.mouseClick(panel.choices[quiz.answer], Qt.MouseButton.LeftButton)
    assert panel.feedback.text().startswith("<b>Right!</b>")
    assert "1 of 2 right" in panel.score.text()
    panel.go_to(first)  # coming back: still answered, still revealed
    assert panel.veil.mode != "cover" and "Not quite" in panel.feedback.text()


def test_switching_lessons_during_a_question_never_shows_the_answer(toured, qtbot):
    panel = toured.tour.panel
    quizzes = [i for i, s in enumerate(panel.tour.steps) if s.quiz is not None]
    for index in quizzes:
        step = panel.tour.steps[index]
        panel.go_to(index)
        settle(qtbot, toured)
        other = "pooling" if step.lesson != "pooling" else "dense"
        for lesson_id in (other, step.lesson):  # away and back, as Ctrl+3 then Ctrl+1 would
            toured.show_lesson(lesson_id)
            qtbot.wait(20)
            assert panel.veil.isVisible() and panel.veil.mode == "cover", (step.title, lesson_id)
            area = toured.stack.rect()
            points = [area.center(), area.topLeft() + QPoint(20, 20), area.bottomRight() - QPoint(20, 20),
                      QPoint(area.right() - 20, area.top() + 20), QPoint(area.left() + 20, area.bottom() - 20)]
            outside = [p for p in points if not any(r.contains(p) for r in panel.veil.hole_rects())]
            assert outside, "every probe point fell in a spotlight"
            for point in outside:  # whatever lies there, the veil is on top of it
                assert toured.stack.childAt(point) is panel.veil, (step.title, lesson_id, point)


def test_every_bundled_step_applies_and_draws_something_new(toured, qtbot):
    panel = toured.tour.panel
    previous = None
    for index, step in enumerate(panel.tour.steps):
        assert panel.go_to(index)
        settle(qtbot, toured)
        lesson = toured.lesson(step.lesson)
        assert toured.current_lesson_id == step.lesson
        expected = step.lesson_state().to_dict()
        shown = lesson.state.to_dict()
        for name in step.state:
            assert shown[name] == expected[name], (index + 1, step.title, name)
        picture = pixels(toured.stack)
        assert picture.std() > 12, f"step {index + 1} ({step.title}) looks blank"
        if previous is not None and previous.shape == picture.shape:
            changed = np.mean(np.any(previous != picture, axis=2))
            assert changed > 0.005, f"step {index + 1} ({step.title}) looks like step {index}"
        previous = picture


def test_model_based_answers_are_what_the_models_say(toured, qtbot):
    steps = {step.title: step for step in toured.tour.panel.tour.steps}
    # The drawn digit: the bundled MNIST network's reading of held-out digit #25.
    step = steps["Predict the network's answer"]
    images, _ = io.heldout_digits()
    reading = read_digit(load_model("mnist"), images[step.state["heldout_index"]])
    assert step.quiz.choices[step.quiz.answer] == str(reading.prediction)
    # The photo: the CIFAR-10 network's top class for the held-out photo the step shows.
    step = steps["Predict: what does the network see?"]
    photo = load_photo_model()
    probabilities = analyse_photo(photo["model"], photo["images"][step.state["example"]])["probabilities"]
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    assert step.quiz.choices[step.quiz.answer] == names[int(np.argmax(probabilities))]
    # The FCNs: the variant with the best mean IoU, and FCN-32s's pixel accuracy against its mean IoU.
    fcns = load_fcns()
    step = steps["FCN-32s, 16s and 8s on one scene"]
    state = step.lesson_state()
    scores = segment(fcns["live"], state.image, state.truth)["variants"]
    best = max(scores, key=lambda name: scores[name]["miou"])
    assert step.quiz.choices[step.quiz.answer] == {"fcn32s": "FCN-32s", "fcn16s": "FCN-16s", "fcn8s": "FCN-8s"}[best]
    step = steps["Pixel accuracy flatters; IoU does not"]
    state = step.lesson_state()
    fcn32 = segment(fcns["live"], state.image, state.truth)["variants"]["fcn32s"]
    assert f"{fcn32['pixel_accuracy'] * 100:.1f} %" in step.quiz.question
    assert step.quiz.choices[step.quiz.answer] == "Much lower" and fcn32["miou"] < fcn32["pixel_accuracy"] - 0.2
    # The embedding: numbers per word in the text CNN.
    step = steps["Words become vectors: the embedding"]
    assert step.quiz.choices[step.quiz.answer] == str(load_model("imdb_cnn").embedding.embedding_dim)
    # Softmax temperature: the top probability at temperature 3 against 1, for the step's digit.
    step = steps["Softmax turns logits into probabilities"]
    toured.tour.panel.go_to(toured.tour.panel.tour.steps.index(step))
    dense = toured.lesson("dense")
    qtbot.waitUntil(lambda: dense.state.logits() is not None, timeout=WAIT)
    logits = dense.state.logits()
    cooler, hotter = softmax(logits).max(), softmax(logits, step.state["temperature"]).max()
    assert step.quiz.choices[step.quiz.answer] == ("It goes down" if hotter < cooler else "It goes up")


def test_a_teacher_adds_edits_moves_removes_and_saves_steps(toured, qtbot, tmp_path, make_window):
    panel = toured.tour.panel
    toured.show_lesson("pooling")
    toured.lesson("pooling").state.set_window(size=3, stride=1)
    count = len(panel.tour.steps)
    step = panel.add_current_view()
    assert len(panel.tour.steps) == count + 1 and panel.index == 1 and step.state["size"] == 3
    assert "(edited, not saved)" in panel.heading.text()
    panel.edit_step(1, "My overlapping windows", "Windows can overlap. Look at the coverage.", "Stride 1.")
    assert panel.title.text() == "My overlapping windows" and "Stride 1." in panel.notice.text()
    with pytest.raises(ValueError, match="title is empty"):
        panel.edit_step(1, "", "", "")
    assert panel.tour.steps[1].title == "My overlapping windows"  # a refused edit changes nothing
    assert panel.move_step(1, 1) == 2 and panel.tour.steps[2].title == "My overlapping windows"
    removed = panel.tour.steps[0].title
    panel.remove_step(0)
    assert panel.tour.steps[0].title != removed and len(panel.tour.steps) == count
    path = panel.save(tmp_path / "mine.json")
    assert "(edited" not in panel.heading.text()
    other = make_window()
    assert other.tour.open_path(path, start=1, show_dialog=False)
    settle(qtbot, other)
    assert other.tour.panel.current_step().title == "My overlapping windows"
    assert other.current_lesson_id == "pooling" and other.lesson("pooling").state.size == 3
    assert other.lesson("pooling").state.stride == 1


def test_a_bad_tour_file_is_explained_and_the_open_tour_kept(toured, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "convlens-tour", "version": 1, "title": "x", "steps": [{"lesson": "nope"}]}',
                   encoding="utf-8")
    title = toured.tour.panel.tour.title
    assert not toured.tour.open_path(bad, show_dialog=False)
    message = toured.statusBar().currentMessage()
    assert "Could not open the tour" in message and "nope" in message
    assert toured.tour.panel.tour.title == title


def test_closing_the_panel_uncovers_the_lesson(toured, qtbot):
    panel = toured.tour.panel
    panel.go_to(next(i for i, s in enumerate(panel.tour.steps) if s.quiz is not None))
    assert panel.veil.isVisible()
    toured.tour.dock.close()
    assert not panel.veil.isVisible()
    assert toured.side_column.isVisible()
    assert not toured.tour.next_action.isEnabled()


def test_tour_step_screenshot_from_the_command_line(tmp_path, qapp):
    import subprocess
    import sys

    from tests.conftest import REPO

    shot = tmp_path / "step.png"
    done = subprocess.run([sys.executable, "main.py", "--tour-step", "3", "--screenshot", str(shot)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert QImage(str(shot)).width() > 800
    bad = subprocess.run([sys.executable, "main.py", "--tour-step", "999", "--screenshot", str(tmp_path / "x.png")],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "steps 1 to" in bad.stderr
