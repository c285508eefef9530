"""The text lesson, driven like a student: type and paste reviews, pick bundled ones, step the RNN, save and reopen."""

import threading

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

import explainer.data.text as text_data
from explainer.core.sequence import rnn_step
from explainer.models.sentiment import predict_sentiment
from explainer.models.text import TEXT_MODELS, TRAIN_LENGTH, load_text_models, nearest_words, read_text, rnn_weights
from explainer.ui.lessons import state_class
from explainer.ui.lessons.text import create, work
from explainer.ui.lessons.text.reviews import bundled_reviews
from explainer.ui.lessons.text.state import MAX_TEXT_LENGTH, MAX_TOKENS, MODEL_CHOICES, TABS, TextState
from explainer.ui.lessons.text.view import ARCHITECTURE, CONVOLUTION, EMBEDDING, LSTM, RNN, SENTIMENT

SENTENCE = "I loved this film, the acting was brilliant"


@pytest.fixture(scope="module")
def reference():
    """The networks as the models package loads them, to check what the lesson shows."""
    return load_text_models()


@pytest.fixture
def lesson(qtbot, app_state, commands):
    page = create(app_state, commands)
    qtbot.addWidget(page)
    page.resize(1150, 820)
    page.show()
    settle(qtbot, page)
    yield page
    page.shutdown()


def settle(qtbot, page):
    qtbot.waitUntil(lambda: page.bundle is not None and not page.is_busy() and page.reading is not None,
                    timeout=30000)


# ---------------------------------------------------------------- driving it like a person


def clear_box(qtbot, page):
    page.editor.setFocus()
    qtbot.keyClick(page.editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.editor, Qt.Key.Key_Delete)


def type_text(qtbot, page, text):
    clear_box(qtbot, page)
    qtbot.keyClicks(page.editor, text)
    settle(qtbot, page)


def paste(qtbot, page, text, replace=True):
    QApplication.clipboard().setText(text)
    page.editor.setFocus()
    if replace:
        qtbot.keyClick(page.editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, page)


def open_tab(qtbot, page, index):
    bar = page.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert page.tabs.currentIndex() == index


def press(qtbot, widget, key, times=1):
    widget.setFocus()
    for _ in range(times):
        qtbot.keyClick(widget, key)


def shown_tokens(page):
    strip = page.tokens
    return [strip.chip_text(i).split("\n")[0] for i in range(len(strip.tokens))]


# ---------------------------------------------------------------- typing and reading


def test_typing_shows_tokens_ids_and_the_three_probabilities(lesson, qtbot, reference):
    type_text(qtbot, lesson, SENTENCE)
    vocabulary = reference["vocabulary"]
    expected = text_data.tokenize(SENTENCE)
    assert shown_tokens(lesson) == expected
    assert [lesson.tokens.chip_text(i).split("\n")[1] for i in range(len(expected))] == \
        [str(vocabulary.id(t)) for t in expected]
    shown = lesson.reader.verdicts.text()
    for name in TEXT_MODELS:
        p = float(predict_sentiment([SENTENCE], name)[0])
        assert f"{p:.3f}" in shown
        assert ("positive" if p >= 0.5 else "negative") in shown
    assert f"{len(expected)}</b> tokens" in lesson.reader.token_note.text()
    assert f"{MAX_TOKENS - len(expected)} × id 0" in lesson.reader.token_note.text()  # the padding of a batch
    assert lesson.reading.text == lesson.editor.toPlainText() == SENTENCE  # the newest text won


def test_unknown_words_are_marked(lesson, qtbot):
    type_text(qtbot, lesson, "zzqxv film")
    assert shown_tokens(lesson) == ["zzqxv", "film"]
    assert lesson.tokens.oov.tolist() == [True, False]
    assert lesson.tokens.chip_text(0).endswith("\n1")
    assert "1 unknown" in lesson.reader.token_note.text()


def test_a_text_of_unknown_words_only(lesson, qtbot):
    type_text(qtbot, lesson, "qwzx vbnmq")
    assert lesson.tokens.oov.all() and len(lesson.tokens.oov) == 2
    assert "every one is unknown" in lesson.reader.token_note.text()
    assert "P(positive)" in lesson.reader.verdicts.text()  # the networks still answer


def test_empty_text_asks_for_a_review_on_every_tab(lesson, qtbot):
    clear_box(qtbot, lesson)
    settle(qtbot, lesson)
    assert lesson.state.text == ""
    assert "Type a review" in lesson.reader.verdicts.text()
    assert "Type a review" in lesson.reader.token_note.text()
    assert lesson.tokens.tokens == []
    for index in range(len(TABS)):
        open_tab(qtbot, lesson, index)
    assert "Type a review" in lesson.rnn.step_label.text()
    assert lesson.convolution.strip.values.shape == (lesson.bundle.filters, 0)
    press(qtbot, lesson.rnn, Qt.Key.Key_Right)  # nothing to step: nothing moves, nothing breaks
    assert lesson.state.step == 0


def test_emoji_and_other_scripts(lesson, qtbot):
    text = "J'ai adoré 😀 ce film — 素晴らしい 🎬 great"
    paste(qtbot, lesson, text)
    tokens = shown_tokens(lesson)
    assert tokens == text_data.tokenize(text)
    assert "😀" in tokens and "🎬" in tokens
    assert lesson.tokens.oov[tokens.index("😀")]
    # The word after an emoji is shaded at the right place in the box (a Qt text box counts UTF-16 units).
    lesson.tokens.token_clicked.emit(tokens.index("great"))
    selection = lesson.editor.extraSelections()[0]
    assert selection.cursor.selectedText() == "great"


def test_pick_a_bundled_review_with_its_true_label(lesson, qtbot):
    reviews = bundled_reviews()
    combo = lesson.reader.review_combo
    assert combo.count() == len(reviews) + 1
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # the first bundled review
    settle(qtbot, lesson)
    assert lesson.state.review == 0
    assert lesson.editor.toPlainText() == reviews[0].text
    assert f"true label: <b>{reviews[0].verdict}</b>" == lesson.reader.true_label.text()
    assert lesson.reader.verdicts.text().count("✓") + lesson.reader.verdicts.text().count("✗") == 3
    qtbot.keyClicks(lesson.editor, "!")  # an edit makes it one's own text
    settle(qtbot, lesson)
    assert lesson.state.review is None and combo.currentIndex() == 0
    assert "✓" not in lesson.reader.verdicts.text() and "✗" not in lesson.reader.verdicts.text()


# ---------------------------------------------------------------- the networks' numbers


def test_rnn_step_numbers_equal_the_core_step_and_the_torch_states(lesson, qtbot, reference):
    type_text(qtbot, lesson, SENTENCE)
    open_tab(qtbot, lesson, RNN)
    press(qtbot, lesson.rnn, Qt.Key.Key_Home)
    press(qtbot, lesson.rnn, Qt.Key.Key_Right, times=3)
    assert lesson.state.step == 3
    model = reference["models"]["imdb_rnn"]
    ids = torch.tensor([[reference["vocabulary"].id(t) for t in text_data.tokenize(SENTENCE)]])
    with torch.no_grad():
        states = model.states(ids)[0].double().numpy()
        x = model.embedding(ids)[0].double().numpy()
    expected = rnn_step(x[3], states[2], *rnn_weights(model))
    shown = lesson.rnn.step_view.values
    np.testing.assert_allclose(shown["h"], expected.h, atol=1e-5)
    np.testing.assert_allclose(shown["h"], states[3], atol=1e-5)
    for key in ("x", "h_prev", "wx", "uh", "b", "pre"):
        np.testing.assert_allclose(shown[key], getattr(expected, key), atol=1e-5)
    unit = int(np.argmax(np.abs(expected.h - expected.h_prev)))  # listed first: the unit this word moved most
    table = lesson.rnn.units.text()
    assert f"<td align='center'>{unit}</td>" in table
    assert f"{expected.h[unit]:.3f}".replace("-", "−") in table
    assert "t = 4</b>" in lesson.rnn.step_label.text() and "‘film’" in lesson.rnn.step_label.text()
    np.testing.assert_allclose(lesson.rnn.strip.values, states.T, atol=1e-5)
    press(qtbot, lesson.rnn, Qt.Key.Key_Left)
    assert lesson.state.step == 2


def test_arrow_keys_in_the_text_box_move_the_cursor_not_the_step(lesson, qtbot):
    type_text(qtbot, lesson, SENTENCE)
    open_tab(qtbot, lesson, RNN)
    lesson.state.step = 2
    press(qtbot, lesson.editor, Qt.Key.Key_Left, times=2)
    assert lesson.state.step == 2
    assert lesson.editor.textCursor().position() == len(SENTENCE) - 2


def test_convolution_strip_shows_the_cnn_activations(lesson, qtbot, reference):
    type_text(qtbot, lesson, SENTENCE)
    open_tab(qtbot, lesson, CONVOLUTION)
    cnn = read_text(SENTENCE, reference["models"], reference["vocabulary"]).readings["imdb_cnn"]
    np.testing.assert_allclose(lesson.convolution.strip.values, cnn.activations, atol=1e-6)
    assert lesson.convolution.strip.labels == text_data.tokenize(SENTENCE)
    # The top filters' n-grams end at each filter's winner, and clicking one shows it word by word.
    table = lesson.convolution.table
    first = int(table.item(0, 0).text())
    end = int(cnn.winners[first])
    words = text_data.tokenize(SENTENCE)[max(0, end - 4): end + 1]
    assert table.item(0, 1).text() == f"“{' '.join(words)}”"
    rect = table.visualItemRect(table.item(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert lesson.state.filter == first
    np.testing.assert_allclose(lesson.convolution.bar_item.opts["height"], cnn.activations[first], atol=1e-6)
    # The window at the selected word: Σ kernel ⊙ window + bias, through ReLU, is the activation shown.
    lesson.state.step = end
    window = lesson.convolution.window.values
    pre = float(window["products"].sum()) + float(reference["models"]["imdb_cnn"].conv.bias.detach()[first])
    assert max(pre, 0.0) == pytest.approx(cnn.activations[first, end], abs=1e-4)
    assert f"{cnn.activations[first, end]:.3f}".replace("-", "−") in lesson.convolution.formula.text()


def test_lstm_gates_and_sentiment_curves(lesson, qtbot, reference):
    type_text(qtbot, lesson, SENTENCE)
    readings = read_text(SENTENCE, reference["models"], reference["vocabulary"]).readings
    open_tab(qtbot, lesson, LSTM)
    for key in ("i", "f", "o"):
        np.testing.assert_allclose(lesson.lstm.strips[key].values, readings["imdb_lstm"].gates[key].T, atol=1e-6)
    np.testing.assert_allclose(lesson.lstm.strips["h"].values, readings["imdb_lstm"].states.T, atol=1e-6)
    open_tab(qtbot, lesson, SENTIMENT)
    for name in TEXT_MODELS:
        x, y = lesson.sentiment.plot.curves[name].getData()
        np.testing.assert_allclose(y[1:], readings[name].running, atol=1e-9)
        assert y[0] == pytest.approx(readings[name].start)
        assert x[0] == -1 and len(x) == len(readings[name].running) + 1
    np.testing.assert_allclose(lesson.sentiment.plot.moves, readings["imdb_cnn"].moves)
    lesson.reader.colour_combo.setFocus()
    qtbot.keyClick(lesson.reader.colour_combo, Qt.Key.Key_Down)  # colour by the RNN
    assert lesson.state.model == "imdb_rnn"
    np.testing.assert_allclose(lesson.sentiment.plot.moves, readings["imdb_rnn"].moves)
    assert lesson.tokens.values is not None
    np.testing.assert_allclose(lesson.tokens.values, readings["imdb_rnn"].moves)


def test_embedding_rows_map_and_parameter_count(lesson, qtbot, reference):
    type_text(qtbot, lesson, SENTENCE)
    open_tab(qtbot, lesson, EMBEDDING)
    model = reference["models"]["imdb_cnn"]
    ids = [reference["vocabulary"].id(t) for t in text_data.tokenize(SENTENCE)]
    table = model.embedding.weight.detach().numpy()
    np.testing.assert_allclose(lesson.embedding.lookup.rows, table[ids], atol=1e-6)
    total = sum(p.numel() for p in model.parameters())
    note = lesson.embedding.parameters.text()
    assert f"<b>{model.embedding.weight.numel():,}</b> of its <b>{total:,}</b>" in note
    # Hovering a point of the map names the word and its nearest neighbours by cosine similarity.
    view = lesson.embedding.map
    # Of the text's words on the map, the one farthest from any other point (points can overlap).
    pixel = np.array(view.plot.getViewBox().viewPixelSize())

    def clearance(i):
        gaps = np.hypot(*((np.delete(view.xy, i, axis=0) - view.xy[i]) / pixel).T)
        return gaps.min()

    index = max(view.highlighted, key=clearance)
    assert clearance(index) > 1.0  # at least a pixel from its nearest neighbour
    point = view.mapFromScene(view.plot.getViewBox().mapViewToScene(QPointF(*view.xy[index])))
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(point), view.viewport().mapToGlobal(QPointF(point)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)
    word = str(lesson.bundle.map_words[index])
    assert view.hovered == index
    hover = lesson.embedding.hover.text()
    assert f"<b>{word}</b>" in hover
    for neighbour, _similarity in nearest_words(model, reference["vocabulary"].id(word), 3):
        assert reference["vocabulary"].words[neighbour] in hover


def test_architecture_summary_is_traced_from_each_network(lesson, qtbot, reference):
    open_tab(qtbot, lesson, ARCHITECTURE)
    qtbot.waitUntil(lambda: "Total params" in lesson.architecture.summary.toPlainText(), timeout=10000)
    for name in MODEL_CHOICES:
        lesson.state.show_model(name)
        model = reference["models"][name]
        text = lesson.architecture.summary.toPlainText()
        assert f"Total params: {sum(p.numel() for p in model.parameters()):,}" in text
        assert "embedding (Embedding)" in text
        assert ("conv (Conv1d)" in text) == (name == "imdb_cnn")
        assert ("rnn (" in text) == (name != "imdb_cnn")
        assert "embedding" in lesson.architecture.graph.boxes
    assert lesson.architecture.model_combo.currentData() == name


def test_summary_rows_do_not_hook_the_shared_model(reference):
    model = reference["models"]["imdb_lstm"]
    rows = work.summary_rows(model, 12)
    assert [r.name for r in rows][:3] == ["embedding", "dropout", "rnn"]
    assert rows[2].output_shape == (1, 12, model.rnn.hidden_size)
    assert rows[3].name == "mean over time" and rows[3].output_shape == (1, model.rnn.hidden_size)
    assert not model.rnn._forward_hooks and not model.embedding._forward_pre_hooks


def test_neighbours_equal_nearest_words(reference):
    model = reference["models"]["imdb_rnn"]
    fast = work.Neighbours(model.embedding.weight.detach().numpy())
    for word_id in (2, 57, 4000):
        got, expected = fast.nearest(word_id, 6), nearest_words(model, word_id, 6)
        assert [i for i, _ in got] == [i for i, _ in expected]
        # The fast table is float32 (half the memory): similarities agree to float32 rounding.
        np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], atol=1e-6)


# ---------------------------------------------------------------- stepping and playing


def test_click_a_word_then_play_to_the_end(lesson, qtbot):
    type_text(qtbot, lesson, "good good bad")
    open_tab(qtbot, lesson, RNN)
    rect = lesson.tokens.chip_rect(1)
    qtbot.mouseClick(lesson.tokens, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert lesson.state.step == 1
    assert lesson.tokens.selected == 1
    lesson.state.set_speed(10)
    assert lesson.rnn.stepper.speed_label.text() == "10/s"
    qtbot.mouseClick(lesson.rnn.stepper.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not lesson.rnn.stepper.is_playing(), timeout=5000)
    assert lesson.state.step == 2


# ---------------------------------------------------------------- a very long paste


def test_a_100000_word_paste_is_read_in_the_worker_and_truncated(lesson, qtbot, monkeypatch):
    calls = []
    real_tokenize, real_spans = text_data.tokenize, work.token_spans

    def tokenize(text):
        calls.append(threading.current_thread() is threading.main_thread())
        return real_tokenize(text)

    def token_spans(text):
        calls.append(threading.current_thread() is threading.main_thread())
        return real_spans(text)

    monkeypatch.setattr(text_data, "tokenize", tokenize)
    monkeypatch.setattr(work, "token_spans", token_spans)
    words = ("a wonderful film " * 34_000).split()[:100_000]
    paste(qtbot, lesson, " ".join(words))
    assert len(calls) >= 2 and not any(calls), "tokenizing ran on the GUI thread"
    note = lesson.reader.token_note.text()
    assert f"only the last {TRAIN_LENGTH} of 100,000 tokens are read" in note
    assert lesson.tokens.lead == f"… {100_000 - TRAIN_LENGTH:,} tokens not read"
    assert len(lesson.tokens.tokens) == TRAIN_LENGTH
    # Still responsive: typing at the end is read again.
    lesson.editor.moveCursor(lesson.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(lesson.editor, " awful")
    settle(qtbot, lesson)
    assert shown_tokens(lesson)[-1] == "awful"
    assert not any(calls)


def test_a_paste_over_the_limit_is_cut_with_a_message(lesson, qtbot, commands):
    messages = []
    commands.message_posted.connect(lambda text, *_: messages.append(text))
    paste(qtbot, lesson, "ok " * (MAX_TEXT_LENGTH // 3 + 10))
    assert len(lesson.state.text) == MAX_TEXT_LENGTH
    assert len(lesson.editor.toPlainText()) == MAX_TEXT_LENGTH
    assert any("cut to its first 1,000,000 characters" in m for m in messages)


# ---------------------------------------------------------------- state and sessions


def test_state_binds_both_ways(lesson, qtbot):
    lesson.state.model = "imdb_lstm"
    assert lesson.reader.colour_combo.currentText() == "LSTM"
    assert lesson.architecture.model_combo.currentText() == "LSTM"
    lesson.state.tab = SENTIMENT
    assert lesson.tabs.currentIndex() == SENTIMENT
    open_tab(qtbot, lesson, CONVOLUTION)
    assert lesson.state.tab == CONVOLUTION
    lesson.state.text = "What a dull film"
    settle(qtbot, lesson)
    assert lesson.editor.toPlainText() == "What a dull film"
    assert shown_tokens(lesson) == ["what", "a", "dull", "film"]
    lesson.state.speed = 7
    assert lesson.rnn.stepper.speed_label.text() == "7/s"


def non_default_state():
    return TextState(text="Boring, predictable and badly acted.", review=None, tab=RNN, model="imdb_rnn", filter=17,
                     step=3, speed=6)


def test_state_round_trip():
    state = non_default_state()
    again = TextState.from_dict(state.to_dict())
    for name in ("text", "review", "tab", "model", "filter", "step", "speed"):
        assert getattr(again, name) == getattr(state, name)
    assert state_class("text") is TextState
    assert MODEL_CHOICES == TEXT_MODELS and MAX_TOKENS == TRAIN_LENGTH


@pytest.mark.parametrize("field, value, message", [
    ("tab", 99, "tab"), ("model", "gpt", "model"), ("step", -1, "selected word"), ("step", 400, "selected word"),
    ("speed", 0, "speed"), ("filter", 5000, "filter"), ("review", "x", "review"), ("text", 5, "text"),
    ("colour", 1, "unknown field"), ("text", "x" * (MAX_TEXT_LENGTH + 1), "characters"),
])
def test_malformed_states_are_refused(lesson, field, value, message):
    before = lesson.state.to_dict()
    data = dict(before, **{field: value})
    with pytest.raises(ValueError, match=message):
        lesson.restore_state(data)
    assert lesson.state.to_dict() == before


def test_session_round_trip_into_a_new_window(window, make_window, qtbot, tmp_path):
    window.show_lesson("text")
    page = window.lesson("text")
    settle(qtbot, page)
    type_text(qtbot, page, SENTENCE)
    open_tab(qtbot, page, RNN)
    press(qtbot, page.rnn, Qt.Key.Key_Right, times=2)
    page.state.show_model("imdb_lstm")
    page.state.select_filter(9, page.bundle.filters)
    page.state.set_speed(8)
    path = window.save_session(tmp_path / "text.convlens")
    other = make_window()
    other.load_session(path)
    again = other.lesson("text")
    settle(qtbot, again)
    assert again.state.to_dict() == page.state.to_dict()
    assert again.editor.toPlainText() == SENTENCE
    assert again.tabs.currentIndex() == RNN
    assert again.reader.colour_combo.currentText() == "LSTM"
    assert again.rnn.step_label.text() == page.rnn.step_label.text()
    np.testing.assert_allclose(again.rnn.step_view.values["h"], page.rnn.step_view.values["h"])


def test_the_convolution_tab_links_back_to_the_convolution_lesson(window, qtbot):
    window.show_lesson("text")
    page = window.lesson("text")
    settle(qtbot, page)
    open_tab(qtbot, page, CONVOLUTION)
    qtbot.mouseClick(page.convolution.link_button, Qt.MouseButton.LeftButton)
    assert window.current_lesson_id == "convolution"


def test_a_dropped_text_file_becomes_the_review(window, qtbot, tmp_path):
    window.show_lesson("text")
    page = window.lesson("text")
    settle(qtbot, page)
    path = tmp_path / "review.txt"
    path.write_text("Boring, predictable and badly acted.", encoding="utf-8")
    window.open_file(path)
    qtbot.waitUntil(lambda: page.state.text == "Boring, predictable and badly acted.", timeout=5000)
    settle(qtbot, page)
    assert shown_tokens(page) == ["boring", ",", "predictable", "and", "badly", "acted", "."]
    assert window.app_state.image_name != "review.txt"  # not taken for a picture


def test_stepping_keeps_the_selected_word_in_sight(lesson, qtbot):
    review = max(bundled_reviews(), key=lambda r: len(r.text))
    paste(qtbot, lesson, review.text)
    scroll = lesson.reader.token_scroll
    assert scroll.verticalScrollBar().maximum() > 0  # more lines than fit
    lesson.state.select_step(lesson.reading.count - 1, lesson.reading.count)
    chip = lesson.tokens.chip_rect(lesson.reading.count - 1)
    top = scroll.verticalScrollBar().value()
    assert top <= chip.top() and chip.bottom() <= top + scroll.viewport().height()


def test_a_step_beyond_the_words_on_screen_waits_for_the_new_text(qtbot, lesson):
    """A session or tour sets a long text and a late step together, before the new text is read."""
    type_text(qtbot, lesson, "Short and sweet.")
    long_text = " ".join(["a wonderful film"] * 20)
    lesson.state.text = long_text
    lesson.state.step = 40  # the old reading has 4 tokens: the view must not index past them
    settle(qtbot, lesson)
    assert len(shown_tokens(lesson)) == 60
    assert lesson.state.step == 40 and lesson.tokens.selected == 40


# ---------------------------------------------------------------- export animation: the RNN reading


def test_the_rnn_reading_exports_a_frame_per_word(lesson, qtbot, tmp_path):
    from tests.ui.gif_export import export_gif, frame_pixels

    lesson.state.select_step(3, lesson.reading.count)
    lesson.state.tab = 0
    (animation,) = lesson.animations()
    assert (animation.frame_count, animation.unit) == (10, "word")  # "i loved this film , the acting was brilliant ."
    result, gif = export_gif(qtbot, lesson, animation, tmp_path / "rnn.gif", fps=2, width=640, first=2, last=9)
    assert (gif.n_frames, gif.size[0], gif.info["duration"]) == (8, 640, 500)
    assert frame_pixels(gif, 0) != frame_pixels(gif, 1)
    assert (lesson.state.step, lesson.state.tab) == (3, 0)


def test_no_words_no_reading_to_export(lesson, qtbot):
    type_text(qtbot, lesson, "")
    (animation,) = lesson.animations()
    assert animation.frame_count == 0 and "no words to read" in animation.unavailable
