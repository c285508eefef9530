"""Words as integers: the IMDB reviews, our tokenizer and its vocabulary (plain Python and numpy).

The lecture's IMDB example encodes each review as a sequence of integers with
a tokenizer fitted on the training reviews, keeping the 10,000 most frequent
words. This module is that tokenizer, written out:

- lower-case the text and replace the ``<br />`` line breaks with spaces;
- split it into words (runs of letters, digits and apostrophes, in any
  script) and single punctuation marks or symbols (``!``, ``?``, an emoji);
- look each token up in the vocabulary: id 0 is padding, id 1 stands for any
  word outside the vocabulary ("out of vocabulary", OOV), ids 2 … are the
  training words from the most frequent down.
"""

from __future__ import annotations

import collections
import gzip
import json
import pathlib
import re
from dataclasses import dataclass

import numpy as np

PAD, OOV = 0, 1
PAD_TOKEN, OOV_TOKEN = "<pad>", "<oov>"
#: How many training words the vocabulary keeps, as in the Keras example.
VOCABULARY_SIZE = 10_000
_TOKEN = re.compile(r"[\w']+|[^\w\s]")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def tokenize(text: str) -> list[str]:
    """Split a review into lower-case tokens: words and single punctuation marks.

    >>> tokenize("I loved it!<br /><br />Great acting, didn't expect that.")
    ['i', 'loved', 'it', '!', 'great', 'acting', ',', "didn't", 'expect', 'that', '.']
    """
    if not isinstance(text, str):
        raise ValueError(f"a review is text, got {type(text).__name__}")
    return _TOKEN.findall(_BREAK.sub(" ", text).lower())


def token_spans(text: str) -> list[tuple[int, int]]:
    """Where each token of :func:`tokenize` sits in ``text`` (start, end), for highlighting.

    The ``<br />`` tags are replaced by spaces of the same length, so positions
    in the lower-cased text are positions in the original.

    >>> token_spans("Good<br />film!")
    [(0, 4), (10, 14), (14, 15)]
    """
    cleaned = _BREAK.sub(lambda m: " " * len(m.group()), text)
    # Lower-casing can change the length of a few characters (e.g. "İ"); find tokens in the original.
    return [m.span() for m in re.finditer(r"[\w']+|[^\w\s]", cleaned)]


@dataclass(frozen=True)
class Vocabulary:
    """The id of every known word.

    Attributes
    ----------
    words : tuple of str
        ``words[i]`` is the token with id ``i``; ``words[0]`` is padding and
        ``words[1]`` the out-of-vocabulary marker.
    """

    words: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.words[:2] != (PAD_TOKEN, OOV_TOKEN):
            raise ValueError("a vocabulary starts with the padding and out-of-vocabulary tokens")
        if len(set(self.words)) != len(self.words):
            raise ValueError("a vocabulary lists each word once")
        object.__setattr__(self, "_ids", {word: i for i, word in enumerate(self.words)})

    def __len__(self) -> int:
        return len(self.words)

    def id(self, token: str) -> int:
        """The token's id, or :data:`OOV` if it is not in the vocabulary."""
        return self._ids.get(token, OOV)

    def encode(self, text: str, max_len: int | None = None) -> np.ndarray:
        """Token ids of ``text`` (int64). With ``max_len``, only the last ``max_len`` tokens are kept.

        Keeping the end (as Keras' ``pad_sequences`` does by default) keeps the
        closing verdict most reviews end with.
        """
        ids = np.array([self.id(token) for token in tokenize(text)], dtype=np.int64)
        if max_len is not None and len(ids) > max_len:
            ids = ids[-max_len:]
        return ids

    def decode(self, ids) -> list[str]:
        """The tokens of ``ids`` (padding dropped, unknown words as ``<oov>``)."""
        return [self.words[i] for i in np.asarray(ids, dtype=np.int64) if i != PAD]

    @classmethod
    def fit(cls, texts, size: int = VOCABULARY_SIZE) -> Vocabulary:
        """The ``size`` most frequent tokens of ``texts`` (ties broken alphabetically, so it is reproducible)."""
        counts = collections.Counter()
        for text in texts:
            counts.update(tokenize(text))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:size]
        return cls((PAD_TOKEN, OOV_TOKEN) + tuple(word for word, _ in ranked))

    def to_json(self) -> str:
        return json.dumps({"format": "convlens-vocabulary", "words": list(self.words)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the vocabulary file is not valid JSON: {exc.msg}") from exc
        if not isinstance(data, dict) or data.get("format") != "convlens-vocabulary":
            raise ValueError("the vocabulary file is not a ConvLens vocabulary")
        words = data.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words) or len(words) < 3:
            raise ValueError("the vocabulary file holds no list of words")
        return cls(tuple(words))


def pad_batch(sequences: list[np.ndarray], length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pad id sequences at the end with :data:`PAD` into one (N, L) array; also return their lengths."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    length = int(lengths.max(initial=1)) if length is None else length
    out = np.full((len(sequences), max(1, length)), PAD, dtype=np.int64)
    for row, seq in enumerate(sequences):
        out[row, : min(len(seq), length)] = seq[:length]
    return out, np.minimum(lengths, length)


def shared_imdb_file() -> pathlib.Path:
    from .readers import shared_data_dir

    return shared_data_dir() / "imdb" / "aclImdb_labeled_50k.jsonl.gz"


def load_imdb(split: str = "train", path=None) -> tuple[list[str], np.ndarray]:
    """The labelled IMDB reviews of one split: texts and labels (1 = positive, 0 = negative).

    ``split`` is ``"train"`` (25,000) or ``"test"`` (25,000: final evaluation only).
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = pathlib.Path(path) if path else shared_imdb_file()
    texts, labels = [], []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["split"] == split:
                texts.append(row["text"])
                labels.append(int(row["label"]))
    return texts, np.asarray(labels, dtype=np.int64)
