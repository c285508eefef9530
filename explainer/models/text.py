"""Sentiment of movie reviews: an embedding, then a 1-D CNN, a plain RNN or an LSTM.

The three networks share one tokenizer (:mod:`explainer.data.text`) and each
has its own embedding, a learned ``d``-dimensional vector for each of the
10,002 ids. They output one logit; ``sigmoid(logit)`` is P(positive).

- :class:`TextCNN`, the lecture's "CNN on IMDB": embedding → a 1-D
  convolution over word positions (the window ends at each word, so the
  activation at word t depends on words t−k+1 … t only) → ReLU → global max
  pooling over time → dense → sigmoid.
- :class:`TextRNN`: embedding → an Elman RNN, ``h_t = tanh(W x_t + U h_{t−1} + b)``
  → the mean of the hidden states over the words read → dense → sigmoid.
- :class:`TextLSTM`: the same with an LSTM.

The recurrent models read the mean of their hidden states rather than only the
last one: a plain RNN forgets the start of a 400-word review (its gradient
vanishes through hundreds of tanh steps), and averaging gives every word a
direct path to the verdict. Because every network only looks backwards, the
prediction after each word of a review is exact and cheap: a running maximum
(CNN) or a running mean (RNNs) of what they computed on the whole text.
"""

from __future__ import annotations

import functools
import pathlib
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..data.text import PAD, Vocabulary

TEXT_MODELS = ("imdb_cnn", "imdb_rnn", "imdb_lstm")
#: Longest review the networks were trained on (tokens; longer ones keep their last tokens).
TRAIN_LENGTH = 400


class _TextModel(nn.Module):
    def __init__(self, vocab_size: int, embed: int, dropout: float) -> None:
        super().__init__()
        if not (3 <= vocab_size <= 1_000_000 and 1 <= embed <= 1024 and 0.0 <= dropout < 1.0):
            raise ValueError(f"bad sizes: vocab_size={vocab_size}, embed={embed}, dropout={dropout}")
        self.embedding = nn.Embedding(vocab_size, embed, padding_idx=PAD)
        # Start small (as Keras does, ±0.05) rather than torch's N(0, 1): then what the table holds after
        # training is what it learned, and nearest neighbours in it mean something.
        with torch.no_grad():
            self.embedding.weight.uniform_(-0.05, 0.05)
            self.embedding.weight[PAD].zero_()
        self.dropout = nn.Dropout(dropout)

    @staticmethod
    def _mask(ids: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        if lengths is None:
            return torch.ones(ids.shape, dtype=torch.bool)
        return torch.arange(ids.shape[1])[None, :] < lengths[:, None]


class TextCNN(_TextModel):
    """Embedding → Conv1d (window ending at each word) → ReLU → max over time → dense.

    Input ``(N, L)`` int64 ids (padded at the end with 0) and optional lengths ``(N,)``;
    output ``(N,)`` logits.
    """

    def __init__(self, vocab_size: int = 10_002, embed: int = 64, filters: int = 128, kernel: int = 5,
                 dropout: float = 0.25) -> None:
        super().__init__(vocab_size, embed, dropout)
        if not (1 <= filters <= 2048 and 1 <= kernel <= 32):
            raise ValueError(f"bad sizes: filters={filters}, kernel={kernel}")
        self.config = dict(vocab_size=vocab_size, embed=embed, filters=filters, kernel=kernel, dropout=dropout)
        self.kernel = kernel
        self.conv = nn.Conv1d(embed, filters, kernel)
        self.relu = nn.ReLU()
        self.dense = nn.Linear(filters, 1)

    def positions(self, ids: torch.Tensor) -> torch.Tensor:
        """ReLU(conv) at every word: ``(N, filters, L)``; the window at word t is words t−k+1 … t."""
        x = self.dropout(self.embedding(ids)).transpose(1, 2)  # (N, d, L)
        x = nn.functional.pad(x, (self.kernel - 1, 0))  # zeros before the first word
        return self.relu(self.conv(x))

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        acts = self.positions(ids)
        acts = acts.masked_fill(~self._mask(ids, lengths)[:, None, :], 0.0)  # ReLU ≥ 0: padding never wins
        pooled = acts.max(dim=2).values
        return self.dense(self.dropout(pooled))[:, 0]


class _Recurrent(_TextModel):
    cell: type[nn.Module]

    def __init__(self, vocab_size: int = 10_002, embed: int = 64, hidden: int = 64, dropout: float = 0.3) -> None:
        super().__init__(vocab_size, embed, dropout)
        if not 1 <= hidden <= 1024:
            raise ValueError(f"bad size: hidden={hidden}")
        self.config = dict(vocab_size=vocab_size, embed=embed, hidden=hidden, dropout=dropout)
        self.rnn = self.cell(embed, hidden, batch_first=True)
        self.dense = nn.Linear(hidden, 1)

    def states(self, ids: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Hidden state after every word, ``(N, L, hidden)`` (zeros past each length)."""
        x = self.dropout(self.embedding(ids))
        if lengths is None:
            out, _ = self.rnn(x)
            return out
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.clamp(min=1).cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        return out

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h = self.states(ids, lengths)
        mask = self._mask(ids, lengths).to(h.dtype)
        mean = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return self.dense(self.dropout(mean))[:, 0]


class TextRNN(_Recurrent):
    """Embedding → Elman RNN (tanh) → mean of the hidden states → dense. Output ``(N,)`` logits."""

    cell = nn.RNN


class TextLSTM(_Recurrent):
    """Embedding → LSTM → mean of the hidden states → dense. Output ``(N,)`` logits."""

    cell = nn.LSTM


BUILDERS = {"imdb_cnn": TextCNN, "imdb_rnn": TextRNN, "imdb_lstm": TextLSTM}


def vocabulary_path() -> pathlib.Path:
    """Where the bundled vocabulary (shared by the three text models) lives."""
    return pathlib.Path(__file__).resolve().parents[2] / "assets" / "models" / "imdb_vocab.json"


@functools.lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The bundled vocabulary of the text models.

    Raises
    ------
    ModelLoadError
        If it is missing or damaged.
    """
    from .weights import ModelLoadError

    path = vocabulary_path()
    if not path.is_file():
        raise ModelLoadError(f"the text models' vocabulary is missing ({path}); recreate it with: "
                             "python -m explainer.train imdb")
    try:
        return Vocabulary.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"the text models' vocabulary {path.name} is damaged: {exc}") from exc


@functools.lru_cache(maxsize=len(TEXT_MODELS))
def _bundled(name: str) -> nn.Module:
    from . import load_model

    return load_model(name)


# ---------------------------------------------------------------- what the text lesson shows


def load_text_models() -> dict:
    """The vocabulary, the three bundled text models and their embedding maps (for the text lesson).

    Returns
    -------
    dict
        ``vocabulary`` (:class:`~explainer.data.text.Vocabulary`), ``models`` (name → module in eval
        mode), ``maps`` (name → dict of ``xy`` (W, 2), ``push`` (W,)) and ``map_words`` (W,) for the
        most frequent words, or empty when the maps file is missing.
    """
    from . import weights_path

    vocabulary = load_vocabulary()
    models = {name: _bundled(name) for name in TEXT_MODELS}
    maps, words = {}, np.zeros(0, dtype=str)
    path = weights_path("imdb_embedding_maps").with_suffix(".npz")
    if path.is_file():
        with np.load(path, allow_pickle=False) as data:
            words = data["words"]
            maps = {name: {"xy": data[f"{name}_xy"], "push": data[f"{name}_push"]} for name in TEXT_MODELS
                    if f"{name}_xy" in data}
    return {"vocabulary": vocabulary, "models": models, "maps": maps, "map_words": words}


def nearest_words(model: nn.Module, word_id: int, count: int = 8) -> list[tuple[int, float]]:
    """The ``count`` vocabulary ids whose embeddings are closest to ``word_id``'s by cosine similarity.

    Padding and the out-of-vocabulary id are left out. Returns ``(id, similarity)`` pairs, closest first.
    """
    table = model.embedding.weight.detach().double().numpy()
    if not 0 <= word_id < len(table):
        raise ValueError(f"word id {word_id} is outside the vocabulary of {len(table)} ids")
    norms = np.linalg.norm(table, axis=1)
    similarity = table @ table[word_id] / np.maximum(norms * norms[word_id], 1e-12)
    similarity[[PAD, 1, word_id]] = -np.inf
    best = np.argsort(-similarity)[:count]
    return [(int(i), float(similarity[i])) for i in best]


@dataclass
class ModelReading:
    """One network's reading of a text, everything the lesson draws.

    Attributes
    ----------
    name : str
    probability : float
        P(positive) after the whole text.
    start : float
        P(positive) before any word is read: ``sigmoid`` of the dense layer's bias.
    running : ndarray, shape (T,)
        P(positive) after each word (exact: every network only looks backwards).
    embeddings : ndarray, shape (T, d)
        x_t, the embedding row of each word.
    activations : ndarray (F, T) or None
        CNN: ReLU(conv) of every filter at every word (window = the k words ending there).
    winners : ndarray (F,) or None
        CNN: the word where each filter's activation is largest (global max pooling picks it).
    states : ndarray (T, H) or None
        RNN / LSTM: the hidden state after each word.
    gates : dict of ndarray (T, H) or None
        LSTM: ``i``, ``f``, ``g``, ``o`` and the cell state ``c`` after each word.
    """

    name: str
    probability: float
    start: float
    running: np.ndarray
    embeddings: np.ndarray
    activations: np.ndarray | None = None
    winners: np.ndarray | None = None
    states: np.ndarray | None = None
    gates: dict | None = None

    @property
    def moves(self) -> np.ndarray:
        """How much each word moved P(positive): ``running[t] − running[t − 1]`` (``start`` before the first)."""
        return np.diff(np.concatenate([[self.start], self.running]))


@dataclass
class TextReading:
    """A text as the networks read it.

    Attributes
    ----------
    text : str
    tokens : list of str
        The tokens read (the last :data:`TRAIN_LENGTH` of a longer text).
    ids : ndarray, shape (T,), int64
    oov : ndarray, shape (T,), bool
        Words outside the vocabulary (they all share id 1).
    dropped : int
        How many tokens at the start of a long text were not read.
    readings : dict
        Model name → :class:`ModelReading`.
    """

    text: str
    tokens: list
    ids: np.ndarray
    oov: np.ndarray
    dropped: int
    readings: dict = field(default_factory=dict)


def read_text(text: str, models: dict, vocabulary: Vocabulary, max_tokens: int = TRAIN_LENGTH) -> TextReading:
    """Run every model in ``models`` (name → module) on ``text`` and keep every intermediate value.

    Uses the modules without touching them (no hooks), so it is safe from any thread.
    """
    from ..core.sequence import sigmoid
    from ..data.text import OOV, tokenize

    tokens = tokenize(text)
    dropped = max(0, len(tokens) - max_tokens)
    tokens = tokens[dropped:]
    ids = np.array([vocabulary.id(t) for t in tokens], dtype=np.int64)
    result = TextReading(text, tokens, ids, ids == OOV, dropped)
    x = torch.from_numpy(ids if len(ids) else np.zeros(1, np.int64))[None]
    with torch.no_grad():
        for name, model in models.items():
            dense_w = model.dense.weight.detach().double().numpy()[0]
            dense_b = float(model.dense.bias.detach()[0])
            start = float(sigmoid(dense_b))
            embeddings = model.embedding(x)[0].double().numpy()[: len(ids)]
            reading = ModelReading(name, start, start, np.zeros(0), embeddings)
            if isinstance(model, TextCNN):
                acts = model.positions(x)[0].double().numpy()[:, : len(ids)]
                reading.activations = acts
                if len(ids):
                    reading.winners = acts.argmax(axis=1)
                    reading.running = sigmoid(np.maximum.accumulate(acts, axis=1).T @ dense_w + dense_b)
            else:
                states = model.states(x)[0].double().numpy()[: len(ids)]
                reading.states = states
                if len(ids):
                    means = np.cumsum(states, axis=0) / np.arange(1, len(ids) + 1)[:, None]
                    reading.running = sigmoid(means @ dense_w + dense_b)
                if isinstance(model, TextLSTM) and len(ids):
                    reading.gates = lstm_gates(model, embeddings, states)
            if len(ids):
                reading.probability = float(reading.running[-1])
            result.readings[name] = reading
    return result


def lstm_gates(model: TextLSTM, embeddings: np.ndarray, states: np.ndarray) -> dict:
    """The LSTM's gates at every word from its inputs and hidden states (all steps at once), and the cell state."""
    from ..core.sequence import sigmoid

    rnn = model.rnn
    hidden = rnn.hidden_size
    w_ih, w_hh = rnn.weight_ih_l0.detach().double().numpy(), rnn.weight_hh_l0.detach().double().numpy()
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().double().numpy()
    previous = np.vstack([np.zeros((1, hidden)), states[:-1]])
    z = embeddings @ w_ih.T + previous @ w_hh.T + b
    i, f = sigmoid(z[:, :hidden]), sigmoid(z[:, hidden : 2 * hidden])
    g, o = np.tanh(z[:, 2 * hidden : 3 * hidden]), sigmoid(z[:, 3 * hidden :])
    c = np.zeros_like(i)
    cell = np.zeros(hidden)
    for t in range(len(i)):
        cell = f[t] * cell + i[t] * g[t]
        c[t] = cell
    return {"i": i, "f": f, "g": g, "o": o, "c": c}


def rnn_weights(model: TextRNN) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, U, b)`` of the plain RNN for ``h_t = tanh(W x_t + U h_{t−1} + b)`` (torch's two biases added)."""
    rnn = model.rnn
    return (rnn.weight_ih_l0.detach().double().numpy(), rnn.weight_hh_l0.detach().double().numpy(),
            (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().double().numpy())
