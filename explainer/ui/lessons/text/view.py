"""Lesson ``text``: words as vectors. Three IMDB sentiment networks read what you type, word by word.

The text box and the bundled reviews feed :class:`~.state.TextState`; every
change of the text is read in a worker (tokens, ids, embeddings, the CNN's
activations, the RNN's and LSTM's states, P(positive) after each word), the
newest text winning. Each tab draws from the reading on screen and the state;
a hidden tab only notes that it is stale and is drawn when it is shown.
"""

from __future__ import annotations

import pathlib

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTabWidget, QTextEdit, QVBoxLayout, QWidget

from ....data.text import OOV
from ...animation import Animation
from ...state import AppState, Commands
from ...workers import WorkResult
from ..base import Lesson
from . import describe as say
from . import work
from .pages import ArchitecturePage, ConvolutionPage, EmbeddingPage, GatesPage, Reader, RecurrentPage, SentimentPage
from .render import TabRendering
from .reviews import title as review_title
from .state import MAX_TEXT_LENGTH, MAX_TOKENS, MODEL_CHOICES, TABS, TextState

#: A read is asked for on the next turn of the event loop, so the keystrokes (or a paste's many
#: changes) already waiting are read as one text; the runner then keeps only the newest request
#: while one is being read. A longer delay would only add latency.
COALESCE_MS = 0
EMBEDDING, CONVOLUTION, RNN, LSTM, SENTIMENT, ARCHITECTURE = range(len(TABS))
TEXT_TABS = {EMBEDDING, CONVOLUTION, RNN, LSTM, SENTIMENT}
STEP_TABS = {CONVOLUTION, RNN, LSTM, SENTIMENT}


class TextLesson(TabRendering, Lesson):
    """The text box, the tokens and the three networks' verdicts on top; one tab per idea below."""

    lesson_id = "text"
    #: Emitted after each reading is drawn (tests wait on it).
    reading_shown = Signal()
    #: Emitted once the networks have loaded (True) or failed to (False).
    bundle_ready = Signal(bool)

    def __init__(self, app_state: AppState, commands: Commands, state: TextState | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(app_state, commands, state if state is not None else TextState(), parent)
        self.bundle: work.Bundle | None = None
        self.reading: work.Reading | None = None
        self.descriptions: dict = {}
        self._stale: set[int] = set(range(len(TABS)))
        self._editor_text: str | None = None
        self._loader = self.make_runner(self._on_bundle_loaded)
        self._reader = self.make_runner(self._on_read)
        self._describer = self.make_runner(self._on_described)
        self._files = self.make_runner(self._on_file_read)
        self._read_timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._read_timer.timeout.connect(lambda: self.when_shown("read", self._submit_read))
        self._build()
        self._bind()
        for render in (self._render_text, self._render_review, self._render_model, self._render_tab_choice):
            render()
        self.rnn.stepper.set_speed(self.state.speed)
        self._loader.submit(work.load_bundle)

    # ================================================================ layout and binding
    def _build(self) -> None:
        self.reader = Reader()
        self.embedding, self.convolution, self.rnn = EmbeddingPage(), ConvolutionPage(), RecurrentPage()
        self.lstm, self.sentiment, self.architecture = GatesPage(), SentimentPage(), ArchitecturePage()
        self.tabs = QTabWidget(objectName="textTabs")
        for page, name in zip((self.embedding, self.convolution, self.rnn, self.lstm, self.sentiment,
                               self.architecture), TABS):
            self.tabs.addTab(page, name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.reader)
        layout.addWidget(self.tabs, 1)
        self.editor, self.tokens = self.reader.editor, self.reader.tokens  # what tests and tours drive
        self._renderers = {EMBEDDING: self._render_embedding, CONVOLUTION: self._render_convolution,
                           RNN: self._render_rnn, LSTM: self._render_lstm, SENTIMENT: self._render_sentiment,
                           ARCHITECTURE: self._render_architecture}

    def _bind(self) -> None:
        s, r = self.state, self.reader
        r.editor.textChanged.connect(self._on_editor_changed)
        r.review_combo.activated.connect(self._on_review_chosen)
        for combo in (r.colour_combo, self.architecture.model_combo):
            combo.activated.connect(lambda i, c=combo: s.show_model(c.itemData(i)))
        self.tabs.currentChanged.connect(lambda i: setattr(s, "tab", i))
        r.tokens.token_clicked.connect(self._select_step)
        r.tokens.token_hovered.connect(self._on_token_hovered)
        self.convolution.strip.cell_clicked.connect(self._on_activation_clicked)
        self.convolution.table.cellClicked.connect(self._on_filter_row_clicked)
        self.convolution.link_button.clicked.connect(lambda: self.commands.request_lesson("convolution"))
        self.rnn.strip.cell_clicked.connect(lambda _row, word: self._select_step(word))
        for strip in self.lstm.strips.values():
            strip.cell_clicked.connect(lambda _row, word: self._select_step(word))
        self.sentiment.plot.word_clicked.connect(self._select_step)
        self.embedding.map.word_hovered.connect(self._on_map_hovered)
        stepper = self.rnn.stepper
        stepper.step_requested.connect(lambda delta: s.move_step(delta, self._count()))
        stepper.reset_requested.connect(lambda: self._select_step(0))
        stepper.playing_changed.connect(self._on_playing_changed)
        stepper.ticked.connect(self._on_ticked)
        stepper.speed_chosen.connect(s.set_speed)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, slot in ((Qt.Key.Key_Right, lambda: s.move_step(1, self._count())),
                          (Qt.Key.Key_Left, lambda: s.move_step(-1, self._count())),
                          (Qt.Key.Key_Home, lambda: self._select_step(0)),
                          (Qt.Key.Key_Space, lambda: stepper.set_playing(not stepper.is_playing()))):
            QShortcut(QKeySequence(key), self.tabs, slot, context=context)
        s.events.text.connect(self._render_text)
        s.events.review.connect(self._render_review)
        s.events.model.connect(self._render_model)
        s.events.tab.connect(self._render_tab_choice)
        s.events.filter.connect(lambda *_: self._invalidate({CONVOLUTION}))
        s.events.step.connect(self._render_step)
        s.events.speed.connect(lambda speed: stepper.set_speed(speed))

    # ================================================================ public
    def show_reading(self, reading: work.Reading | None) -> None:
        """Draw ``reading`` (the answer for its own text) on the reader and on the tab shown."""
        self.reading = reading  # the selected step is left as it is: views show it within this reading
        self._render_reader()
        self._highlight_word()
        self._invalidate(TEXT_TABS)
        self.reading_shown.emit()

    def open_file(self, path) -> bool:
        """A ``.txt`` file opened or dropped here becomes the text (other files go to the window)."""
        if pathlib.Path(path).suffix.lower() != ".txt":
            return False
        self._files.submit(work.read_text_file, str(path), MAX_TEXT_LENGTH, context=pathlib.Path(path).name)
        return True

    def is_busy(self) -> bool:
        return super().is_busy() or self._read_timer.isActive()

    def animations(self) -> list[Animation]:
        """The RNN reading the text, a frame per word (the RNN tab, the word shaded in the text)."""
        count = self._count() if self.reading is not None and self.reading.text == self.state.text else 0
        if count:
            why = ""
        elif self.bundle is None:
            why = "The text networks are not loaded yet: wait until the words are coloured, then export again."
        else:
            why = "There are no words to read: type a sentence or pick a review, then export again."

        def start() -> None:
            self.rnn.stepper.set_playing(False)
            self.state.tab = RNN

        return [Animation("The RNN reading the text, word by word", count, self._select_step, self, unit="word",
                          fps=self.state.speed, unavailable=why, start=start, busy=self.is_busy)]

    def shutdown(self) -> None:
        self._read_timer.stop()
        self.rnn.stepper.stop()
        super().shutdown()

    # ================================================================ background work
    def _on_bundle_loaded(self, result: WorkResult) -> None:
        if result.error is not None:
            self.show_load_failure(self.reader.banner, "text networks", result.error)
            self.reader.verdicts.setText("No networks to read the text.")
            self.bundle_ready.emit(False)
            return
        self.bundle = bundle = result.value
        combo = self.reader.review_combo
        with QSignalBlocker(combo):
            combo.clear()
            combo.addItem("— your own text —", None)
            for number, review in enumerate(bundle.reviews):
                combo.addItem(review_title(review, number), number)
        self._render_review()
        self.state.select_filter(self.state.filter, bundle.filters)
        self.set_levels(bundle)
        self._describer.submit(work.describe_all, bundle.models, MAX_TOKENS, context=bundle)
        self._submit_read()
        self._invalidate(set(range(len(TABS))))
        self.bundle_ready.emit(True)

    def _submit_read(self) -> None:
        self._read_timer.stop()
        if self.bundle is not None:
            self._reader.submit(work.read, self.state.text, self.bundle, context=self.state.text)

    def _on_read(self, result: WorkResult) -> None:
        if result.error is not None:
            self.commands.post_message(f"Could not read the text: {result.error}", 10000)
            return
        if result.context != self.state.text:  # an answer for a text that has since changed
            return
        self.show_reading(result.value)

    def _on_file_read(self, result: WorkResult) -> None:
        if result.error is not None:
            self.commands.post_message(f"Could not read {result.context}: {result.error}", 10000)
            return
        self.rnn.stepper.set_playing(False)
        if self.state.edit_text(result.value):
            self.commands.post_message(f"Reading {result.context}.", 5000)
        else:
            self.commands.post_message(f"{result.context} was cut to its first {MAX_TEXT_LENGTH:,} characters.", 10000)

    def _on_described(self, result: WorkResult) -> None:
        if result.error is not None:
            self.architecture.summary.setPlainText(f"Could not trace the networks: {result.error}")
            return
        self.descriptions = result.value
        self._shown_architecture = None
        self._invalidate({ARCHITECTURE})

    # ================================================================ widgets -> state
    def _on_editor_changed(self) -> None:
        text = self.editor.toPlainText()
        self._editor_text = text
        if not self.state.edit_text(text):  # too long: the state keeps the start, and the box shows it
            self.commands.post_message(f"The text was cut to its first {len(self.state.text):,} characters "
                                       "(the most the lesson keeps).", 10000)

    def _on_review_chosen(self, index: int) -> None:
        number = self.reader.review_combo.itemData(index)
        if number is None:
            self.state.choose_review(None)
        elif self.bundle is not None and number < len(self.bundle.reviews):
            self.rnn.stepper.set_playing(False)
            self.state.choose_review(number, self.bundle.reviews[number].text)

    def _count(self) -> int:
        return 0 if self.reading is None else self.reading.count

    def _shown_step(self) -> int:
        """The selected word within the reading on screen (a new text's reading may not have arrived yet)."""
        count = self._count()
        return min(self.state.step, count - 1) if count else 0

    def _select_step(self, index: int) -> None:
        self.state.select_step(index, self._count())

    def _on_activation_clicked(self, row: int, word: int) -> None:
        if self.bundle is not None:
            self.state.select_filter(row, self.bundle.filters)
        self._select_step(word)

    def _on_filter_row_clicked(self, row: int, _column: int) -> None:
        filters = self.convolution.table_filters  # the filters the table lists, row by row
        if self.bundle is not None and 0 <= row < len(filters):
            self.state.select_filter(filters[row], self.bundle.filters)

    def _on_playing_changed(self, playing: bool) -> None:
        if playing and self.state.step >= self._count() - 1:  # from the end: start again
            self._select_step(0)

    def _on_ticked(self) -> None:
        if self.state.step >= self._count() - 1:
            self.rnn.stepper.set_playing(False)
        else:
            self.state.move_step(1, self._count())

    def _on_token_hovered(self, index) -> None:
        self.tokens.setToolTip("" if index is None else say.token_tip(self.reading, index, self.state.model))

    def _on_map_hovered(self, index) -> None:
        bundle, model = self.bundle, self.state.model
        if index is None or bundle is None or model not in bundle.maps:
            self.embedding.hover.setText(say.MAP_HINT)
            return
        word = str(bundle.map_words[index])
        word_id = bundle.vocabulary.id(word)
        close = bundle.neighbours[model].nearest(word_id, 8) if word_id != OOV else []
        self.embedding.hover.setText(say.neighbours_text(word, word_id, float(bundle.maps[model]["push"][index]),
                                                         [(bundle.word(i), sim) for i, sim in close], model))

    # ================================================================ state -> widgets
    def _render_text(self, *_args) -> None:
        text = self.state.text
        if text != self._editor_text:
            with QSignalBlocker(self.editor):
                self.editor.setPlainText(text)
            self._editor_text = text
        self._read_timer.start()

    def _render_review(self, *_args) -> None:
        combo, number = self.reader.review_combo, self.state.review
        with QSignalBlocker(combo):
            combo.setCurrentIndex(max(0, combo.findData(number)) if number is not None else 0)
        review = self._review()
        self.reader.true_label.setText("" if review is None else f"true label: <b>{review.verdict}</b>")
        self._render_reader()

    def _review(self):
        number, bundle = self.state.review, self.bundle
        if number is None or bundle is None or number >= len(bundle.reviews):
            return None
        review = bundle.reviews[number]
        return review if review.text == self.state.text else None  # its label only belongs to its own text

    def _render_model(self, *_args) -> None:
        for combo in (self.reader.colour_combo, self.architecture.model_combo):
            with QSignalBlocker(combo):
                combo.setCurrentIndex(MODEL_CHOICES.index(self.state.model))
        self._colour_tokens()
        self._invalidate({EMBEDDING, SENTIMENT, ARCHITECTURE})

    def _render_tab_choice(self, *_args) -> None:
        with QSignalBlocker(self.tabs):
            self.tabs.setCurrentIndex(self.state.tab)
        self._invalidate(set())

    def _render_step(self, *_args) -> None:
        count = self._count()
        self.tokens.set_selected(self._shown_step() if count else None)
        if count:  # keep the selected word in sight while stepping through a long review
            chip = self.tokens.chip_rect(self._shown_step())
            self.reader.token_scroll.ensureVisible(int(chip.center().x()), int(chip.center().y()), 0,
                                                   int(chip.height()))
        self._highlight_word()
        self._invalidate(STEP_TABS)

    def _invalidate(self, tabs: set[int]) -> None:
        """Mark ``tabs`` stale and draw the one shown if it is stale."""
        self._stale |= tabs
        current = self.state.tab
        if current in self._stale:
            self._stale.discard(current)
            self._renderers[current]()

    def _render_reader(self) -> None:
        reading, r = self.reading, self.reader
        true = self._review()
        same_text = true is not None and reading is not None and reading.text == true.text
        r.verdicts.setText(say.verdicts(reading, true.label if same_text else None))
        r.token_note.setText(say.token_note(reading, MAX_TOKENS))
        if reading is None:
            return
        result = reading.result
        lead = f"… {result.dropped:,} tokens not read" if result.dropped else ""
        tail = f"+ {MAX_TOKENS - reading.count} × 0 (padding)" if reading.count and not result.dropped else ""
        self.tokens.set_tokens(reading.tokens, result.ids, result.oov, lead, tail)
        self.tokens.set_selected(self._shown_step() if reading.count else None)
        self._colour_tokens()

    def _colour_tokens(self) -> None:
        reading = self.reading
        if reading is None or not reading.count:
            self.tokens.set_values(None, say.MOVE_LIMIT)
            return
        self.tokens.set_values(reading.model(self.state.model).moves, say.MOVE_LIMIT)

    def _highlight_word(self) -> None:
        """Shade the selected word in the text box."""
        reading, t = self.reading, self.state.step
        if reading is None or reading.spans is None or not 0 <= t < reading.count:
            self.editor.setExtraSelections([])
            return
        if reading.text != self.state.text:  # it answers an older text: the newer answer will shade
            return
        start, end = reading.spans[t]
        selection = QTextEdit.ExtraSelection()
        selection.format = QTextCharFormat()
        selection.format.setBackground(QColor(230, 159, 0, 110))
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        self.editor.setExtraSelections([selection])


def create(app_state, commands, parent: QWidget | None = None) -> TextLesson:
    return TextLesson(app_state, commands, parent=parent)
