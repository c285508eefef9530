"""The text lesson's state: the review being read and what is selected in it, without Qt.

The text is the truth: the tokens, the three networks' readings and every
picture are recomputed from it in a worker, never saved. A session brings
back the text (or which bundled review it was), the tab, the model whose
details are shown, the selected convolution filter, the selected word (the
RNN's step) and the play speed.
"""

from __future__ import annotations

from dataclasses import dataclass

from psygnal import evented

from ...evented import StateModel, check_choice, check_range

#: The three bundled networks (the names ``explainer.models.text.TEXT_MODELS`` loads; no torch here).
MODEL_CHOICES = ("imdb_cnn", "imdb_rnn", "imdb_lstm")
MODEL_TITLES = {"imdb_cnn": "CNN", "imdb_rnn": "RNN", "imdb_lstm": "LSTM"}
TABS = ("Embedding", "1-D convolution", "RNN step by step", "LSTM gates", "Sentiment as you read", "Architecture")
#: Longest text kept (characters): a paste past it is cut, a session with more is refused.
MAX_TEXT_LENGTH = 1_000_000
#: The networks read at most this many tokens (the last ones): ``explainer.models.text.TRAIN_LENGTH``.
MAX_TOKENS = 400
#: Generous bound on filter numbers (the text CNN allows at most 2,048 filters).
MAX_FILTERS = 2048
#: Generous bound on the number of a bundled review.
MAX_REVIEW = 10_000
#: Words per second while playing.
SPEED_RANGE = (1, 10)
#: The sentence the lesson opens on: short enough to step through, clear enough to read right.
OPENING_TEXT = "I loved this film, the acting was brilliant."


@evented
@dataclass
class TextState(StateModel):
    """Everything a teacher can set in the text lesson.

    Fields (each with a signal ``events.<field>``)
    -----------------------------------------------
    text : str
        The review being read (at most :data:`MAX_TEXT_LENGTH` characters).
    review : int or None
        The bundled review the text is, or None for a text of one's own.
    tab : int
        Index into :data:`TABS`.
    model : str
        The network whose details are shown: word colours, embedding, architecture.
    filter : int
        The convolution filter shown word by word (clamped to the filters the CNN has).
    step : int
        The selected word: the RNN's step t, the window's last word (0 .. tokens − 1).
    speed : int
        Words per second while playing (playing itself is not saved).
    """

    state_name = "the text lesson's state"

    text: str = OPENING_TEXT
    review: int | None = None
    tab: int = 0
    model: str = "imdb_cnn"
    filter: int = 0
    step: int = 0
    speed: int = 3

    def validate(self) -> None:
        if len(self.text) > MAX_TEXT_LENGTH:
            raise ValueError(f"the text has {len(self.text):,} characters; at most {MAX_TEXT_LENGTH:,} are kept")
        if self.review is not None:
            check_range("the bundled review number", self.review, 0, MAX_REVIEW)
        check_range("the tab", self.tab, 0, len(TABS) - 1)
        check_choice("the model shown", self.model, MODEL_CHOICES)
        check_range("the filter", self.filter, 0, MAX_FILTERS - 1)
        check_range("the selected word", self.step, 0, MAX_TOKENS - 1)
        check_range("the speed", self.speed, *SPEED_RANGE)

    # -- setters with logic -------------------------------------------------------
    def edit_text(self, text: str) -> bool:
        """The student's own text (no longer a bundled review); False if it was cut to the limit."""
        whole = len(text) <= MAX_TEXT_LENGTH
        self.review = None
        self.text = text if whole else text[:MAX_TEXT_LENGTH]
        return whole

    def choose_review(self, index: int | None, text: str = "") -> None:
        """Bundled review ``index`` with its ``text``; None keeps the text as one's own."""
        if index is None:
            self.review = None
            return
        check_range("the bundled review number", index, 0, MAX_REVIEW)
        self.edit_text(text)
        self.step = 0
        self.review = int(index)

    def show_model(self, name: str) -> None:
        check_choice("the model shown", name, MODEL_CHOICES)
        self.model = name

    def select_filter(self, index: int, filters: int = MAX_FILTERS) -> None:
        """Filter ``index``, clamped to the ``filters`` the CNN has."""
        self.filter = int(min(max(index, 0), max(1, filters) - 1))

    def select_step(self, index: int, tokens: int = MAX_TOKENS) -> None:
        """Word ``index``, clamped to the ``tokens`` read (0 when there are none)."""
        self.step = int(min(max(index, 0), max(1, min(tokens, MAX_TOKENS)) - 1))

    def move_step(self, delta: int, tokens: int) -> None:
        self.select_step(self.step + delta, tokens)

    def set_speed(self, speed: int) -> None:
        self.speed = int(min(max(speed, SPEED_RANGE[0]), SPEED_RANGE[1]))


State = TextState
