"""The text lesson's background work: loading the three networks, reading a text, tracing a summary.

Every function here runs in a worker thread. They take strings, arrays and
models and return plain data; they never touch widgets or the lesson's state,
and they only read the shared models (no hooks, no training mode), so a
reading and a summary may run at the same time. No Qt here.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import numpy as np
import torch

from ....data.text import OOV, PAD, token_spans
from ....models.summary import SummaryRow, format_summary
from ....models.text import TextCNN, TextReading, load_text_models, read_text, rnn_weights
from ....models.trace import private_twin
from .reviews import bundled_reviews
from .state import MODEL_CHOICES, MODEL_TITLES
from ....core.levels import percentile

#: How many held-out reviews fix the colour scale of the convolution's activations.
LEVEL_REVIEWS = 24
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Neighbours:
    """Nearest words by cosine similarity, from an embedding table and its norms computed once.

    Gives the same answer as :func:`explainer.models.text.nearest_words` at a
    fraction of the cost, so hovering the map can ask on every mouse move. It keeps
    the table itself (the model's own memory when it is float32) and one inverse
    norm per word, not a normalised copy of the table (2.4 MB per network).
    """

    def __init__(self, table: np.ndarray) -> None:
        self.table = np.asarray(table, dtype=np.float32)  # float32: similarities agree with float64 to ~1e-7
        norms = np.linalg.norm(self.table, axis=1)
        self.inverse_norms = np.float32(1) / np.maximum(norms, np.float32(1e-12))

    def nearest(self, word_id: int, count: int = 8) -> list[tuple[int, float]]:
        """``(id, similarity)`` of the ``count`` closest words, padding, OOV and the word itself left out."""
        if not 0 <= word_id < len(self.table):
            raise ValueError(f"word id {word_id} is outside the vocabulary of {len(self.table)} ids")
        similarity = self.table @ self.table[word_id]
        similarity *= self.inverse_norms
        similarity *= self.inverse_norms[word_id]
        similarity[[PAD, OOV, word_id]] = -np.inf
        best = np.argpartition(-similarity, count)[:count]
        best = best[np.argsort(-similarity[best], kind="stable")]
        return [(int(i), float(similarity[i])) for i in best]


@dataclass(eq=False)
class Bundle:
    """The three networks and everything the lesson draws that does not depend on the text.

    Attributes
    ----------
    models : dict
        Name → torch module (eval mode), shared and only read.
    vocabulary : Vocabulary
    maps : dict
        Name → ``{"xy" (W, 2), "push" (W,)}``: the shipped 2-D map of the W most frequent words.
    map_words : ndarray (W,) of str
        The words of the map, in the map's order.
    map_index : dict
        Word → its index on the map (the map is matched by word, so it stays right even if the
        maps file and the vocabulary were written by different training runs).
    tables : dict
        Name → the embedding table (V, d) as float32 (drawn as the lookup matrix).
    neighbours : dict
        Name → :class:`Neighbours`.
    rnn : (W, U, b)
        The plain RNN's weights, for ``h_t = tanh(W x_t + U h_{t−1} + b)``.
    conv_w, conv_b : ndarray (F, d, k), (F,)
        The CNN's filters and biases.
    dense : dict
        Name → (weights (n,), bias): the last layer of each network.
    parameters : dict
        Name → (total, in the embedding).
    levels : dict
        ``"activation"``: top of the CNN activations' colour scale (99.5th percentile on held-out
        reviews); ``"embedding"``: name → ± bound of the embedding values' scale.
    reviews : tuple of Review
    """

    models: dict
    vocabulary: object
    maps: dict
    map_words: np.ndarray
    map_index: dict
    tables: dict
    neighbours: dict
    rnn: tuple
    conv_w: np.ndarray
    conv_b: np.ndarray
    dense: dict
    parameters: dict
    levels: dict
    reviews: tuple = field(default_factory=tuple)

    @property
    def kernel(self) -> int:
        return int(self.conv_w.shape[2])

    @property
    def filters(self) -> int:
        return int(self.conv_w.shape[0])

    def word(self, word_id: int) -> str:
        return self.vocabulary.words[word_id]

    def on_map(self, tokens: list[str]) -> tuple[list[int], list[str]]:
        """The map indices of the distinct ``tokens`` that are on the map, in reading order, and those words."""
        indices, words = [], []
        for token in dict.fromkeys(tokens):
            index = self.map_index.get(token)
            if index is not None:
                indices.append(index)
                words.append(token)
        return indices, words


def load_bundle() -> Bundle:
    """Load the vocabulary, the three networks and their maps; fix the colour scales.

    Raises ``ModelLoadError`` (from :mod:`explainer.models`) if the weights or the vocabulary are missing.
    """
    loaded = load_text_models()
    models, vocabulary = loaded["models"], loaded["vocabulary"]
    # The tables share the models' memory (no copies): the lesson only reads them.
    tables = {name: m.embedding.weight.detach().float().numpy() for name, m in models.items()}
    cnn = models["imdb_cnn"]
    dense = {name: (m.dense.weight.detach().double().numpy()[0].copy(), float(m.dense.bias.detach()[0]))
             for name, m in models.items()}
    parameters = {name: (sum(p.numel() for p in m.parameters()), int(m.embedding.weight.numel()))
                  for name, m in models.items()}
    try:
        reviews = bundled_reviews()
    except ValueError:  # a damaged sample file: the picker stays empty, the networks still read
        reviews = ()
    activations = [read_text(r.text, {"imdb_cnn": cnn}, vocabulary).readings["imdb_cnn"].activations
                   for r in reviews[:LEVEL_REVIEWS]]
    top = percentile(np.concatenate([a.ravel() for a in activations]), 99.5) if activations else 1.0
    levels = {"activation": top if top > 0 else 1.0,
              "embedding": {name: percentile(np.abs(t[2:]), 99.5) or 1.0 for name, t in tables.items()}}
    map_words = loaded["map_words"]
    return Bundle(models=models, vocabulary=vocabulary, maps=loaded["maps"], map_words=map_words,
                  map_index={str(word): i for i, word in enumerate(map_words)},
                  tables=tables, neighbours={name: Neighbours(t) for name, t in tables.items()},
                  rnn=rnn_weights(models["imdb_rnn"]), conv_w=cnn.conv.weight.detach().double().numpy().copy(),
                  conv_b=cnn.conv.bias.detach().double().numpy().copy(), dense=dense, parameters=parameters,
                  levels=levels, reviews=reviews)


@dataclass(eq=False)
class Reading:
    """One text as the three networks read it, with what the panels need beyond the networks' numbers.

    Attributes
    ----------
    text : str
        The text read (the request this answers).
    result : TextReading
        Tokens, ids, OOV flags, dropped count and each network's :class:`ModelReading`.
    total : int
        Tokens in the whole text (``dropped`` + the tokens read).
    spans : list of (int, int) or None
        Where each token read sits in the text, in UTF-16 positions (what a Qt text box counts);
        None when the tokenizer's lower-casing changed the number of tokens.
    """

    text: str
    result: TextReading
    total: int
    spans: list | None

    @property
    def tokens(self) -> list:
        return self.result.tokens

    @property
    def count(self) -> int:
        return len(self.result.tokens)

    def model(self, name: str):
        return self.result.readings[name]


def read(text: str, bundle: Bundle) -> Reading:
    """Tokenize ``text`` and run the three networks on it (everything the panels show is in the answer)."""
    result = read_text(text, bundle.models, bundle.vocabulary)
    total = result.dropped + len(result.tokens)
    spans = token_spans(text)
    if len(spans) != total:
        return Reading(text, result, total, None)
    astral = [m.start() for m in _ASTRAL.finditer(text)]  # each is two UTF-16 units in the text box
    read_spans = [(s + bisect.bisect_left(astral, s), e + bisect.bisect_left(astral, e))
                  for s, e in spans[result.dropped:]]
    return Reading(text, result, total, read_spans)


# ---------------------------------------------------------------- what the panels say


def window_numbers(bundle: Bundle, embeddings: np.ndarray, filt: int, t: int) -> dict:
    """The convolution of filter ``filt`` at word ``t``: its window, the products and the activation.

    Returns ``{"window" (d, k), "kernel" (d, k), "first" (first word of the window, may be < 0),
    "sum", "bias", "pre", "activation"}``; words before the first are zeros (the left padding).
    """
    k = bundle.kernel
    window = np.zeros((embeddings.shape[1], k))
    for j in range(k):
        word = t - k + 1 + j
        if 0 <= word < len(embeddings):
            window[:, j] = embeddings[word]
    kernel = bundle.conv_w[filt]
    total = float(np.sum(kernel * window))
    bias = float(bundle.conv_b[filt])
    return {"window": window, "kernel": kernel, "first": t - k + 1, "sum": total, "bias": bias,
            "pre": total + bias, "activation": max(0.0, total + bias)}


def top_filters(bundle: Bundle, reading: Reading, count: int = 8) -> list[dict]:
    """The filters whose pooled value moved the CNN's verdict most, with the n-gram that won the pool.

    Each item: ``filter``, ``position`` (the winning word), ``ngram`` (the k words ending there),
    ``pooled`` (its activation), ``weight`` (its dense weight) and ``contribution`` = pooled × weight.
    """
    cnn = reading.model("imdb_cnn")
    if reading.count == 0 or cnn.activations is None or cnn.winners is None:
        return []
    weights, _ = bundle.dense["imdb_cnn"]
    pooled = cnn.activations.max(axis=1)
    contribution = pooled * weights
    order = np.argsort(-np.abs(contribution), kind="stable")[:count]
    k, tokens = bundle.kernel, reading.tokens
    rows = []
    for f in order:
        end = int(cnn.winners[f])
        rows.append({"filter": int(f), "position": end, "ngram": " ".join(tokens[max(0, end - k + 1): end + 1]),
                     "pooled": float(pooled[f]), "weight": float(weights[f]),
                     "contribution": float(contribution[f])})
    return rows


def read_text_file(path: str, limit: int) -> str:
    """A review from a text file (UTF-8; undecodable bytes replaced), at most ``limit`` + 1 characters.

    One character past the limit is kept so that the caller can tell the text was cut.
    """
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read(limit + 1)


# ---------------------------------------------------------------- architecture

#: The step between two modules that no module performs (a tensor operation in ``forward``).
_BETWEEN = {TextCNN: ("max over time", "GlobalMaxPool1d", "pool")}
_MEAN = ("mean over time", "mean of h_t", "pool")
KINDS = {torch.nn.Embedding: "embedding", torch.nn.Conv1d: "conv", torch.nn.RNN: "recurrent",
         torch.nn.LSTM: "recurrent", torch.nn.Linear: "dense", torch.nn.ReLU: "activation",
         torch.nn.Dropout: "dropout"}


def summary_rows(model: torch.nn.Module, length: int) -> list[SummaryRow]:
    """The layers of a text network as they run on ``length`` word ids, in call order.

    Traced on a private twin with forward hooks (the shared model is never hooked). The steps
    done by tensor operations rather than modules (global max pooling, the mean of the states)
    are listed where the shapes show them, and the final sigmoid the app applies is added.
    """
    twin = private_twin(model)
    twin.eval()
    rows: list[SummaryRow] = []
    names = {module: name for name, module in twin.named_modules()}
    between = _BETWEEN.get(type(model), _MEAN)

    def before(module, inputs):
        first = inputs[0] if inputs else None
        if rows and isinstance(first, torch.Tensor) and first.dim() < len(rows[-1].output_shape):
            rows.append(SummaryRow(between[0], between[1], between[2], tuple(first.shape), 0, 0))

    def after(module, _inputs, output):
        out = output[0] if isinstance(output, tuple) else output  # an RNN returns (states, last state)
        params = sum(p.numel() for p in module.parameters(recurse=False))
        kind = next((k for cls, k in KINDS.items() if isinstance(module, cls)), "other")
        rows.append(SummaryRow(names[module], type(module).__name__, kind, tuple(out.shape), params, params))

    handles = []
    for module in twin.modules():
        if not list(module.children()):
            handles.append(module.register_forward_pre_hook(before))
            handles.append(module.register_forward_hook(after))
    try:
        with torch.no_grad():
            twin(torch.full((1, length), OOV, dtype=torch.long))
    finally:
        for handle in handles:
            handle.remove()
    rows.append(SummaryRow("sigmoid", "Sigmoid", "activation", (1,), 0, 0))
    calls: dict[str, int] = {}
    for i, row in enumerate(rows):
        calls[row.name] = calls.get(row.name, 0) + 1
        if calls[row.name] > 1:  # a module called twice (dropout): each call is a row of its own
            row.name = f"{row.name} [call {calls[row.name]}]"
        row.inputs = [rows[i - 1].name] if i else []
    return rows


def describe(name: str, model: torch.nn.Module, length: int) -> dict:
    """``{"rows", "shape", "text"}``: the summary rows, the input shape and the Keras-style text."""
    rows = summary_rows(model, length)
    return {"rows": rows, "shape": (1, length), "text": format_summary(rows, f"{name} ({MODEL_TITLES[name]})")}


def describe_all(models: dict, length: int) -> dict:
    """:func:`describe` for each of the three networks."""
    return {name: describe(name, models[name], length) for name in MODEL_CHOICES if name in models}
