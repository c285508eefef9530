"""The bundled text networks' verdicts on many reviews at once (tests, ``evaluate``).

The lesson reads one text at a time with every intermediate value
(:func:`explainer.models.text.read_text`); this module only answers P(positive),
for thousands of reviews, in batches.
"""

from __future__ import annotations

import numpy as np
import torch

from ..data.text import Vocabulary, pad_batch
from .text import TEXT_MODELS, TRAIN_LENGTH, _bundled, load_vocabulary


def _padded(encoded: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Id sequences padded into ``(N, L)`` and their lengths (at least 1: an empty text is one pad)."""
    ids, lengths = pad_batch(encoded)
    return torch.from_numpy(ids), torch.from_numpy(np.maximum(lengths, 1))


def encode_batch(texts: list[str], vocabulary: Vocabulary, max_len: int = TRAIN_LENGTH
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids of ``texts`` padded into ``(N, L)`` and their lengths (at least 1: an empty text is one pad)."""
    return _padded([vocabulary.encode(t, max_len) for t in texts])


def predict_sentiment(texts: list[str], name: str) -> np.ndarray:
    """P(positive) of each review for the bundled model ``name``.

    Parameters
    ----------
    texts : list of str
        Raw review text; tokenization happens here (the last 400 tokens of a longer review are read).
    name : {"imdb_cnn", "imdb_rnn", "imdb_lstm"}

    Returns
    -------
    ndarray, shape (N,), float64 in [0, 1]
    """
    return predict_sentiments(texts, [name])[name]


def predict_sentiments(texts: list[str], names=TEXT_MODELS, batch_size: int = 256) -> dict[str, np.ndarray]:
    """P(positive) of each review for each bundled model in ``names``: name → ``(N,)`` float64 in [0, 1].

    The reviews are tokenized once for all the models, and read in batches of reviews of similar
    length (padding is masked, so a review's answer does not depend on its batch; the batches
    are only shorter: a test split reads in about half the time of batches in the given order).
    """
    names = list(names)
    unknown = [name for name in names if name not in TEXT_MODELS]
    if unknown:
        raise ValueError(f"unknown text model {unknown[0]!r}; text models: {', '.join(TEXT_MODELS)}")
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise ValueError("predict_sentiment takes a list of review strings")
    if not texts:
        return {name: np.zeros(0) for name in names}
    vocabulary = load_vocabulary()
    encoded = [vocabulary.encode(t, TRAIN_LENGTH) for t in texts]
    order = np.argsort([len(ids) for ids in encoded], kind="stable")
    batches = [(chosen, *_padded([encoded[i] for i in chosen]))
               for chosen in (order[start : start + batch_size] for start in range(0, len(order), batch_size))]
    results = {}
    with torch.no_grad():
        for name in names:
            model, out = _bundled(name), np.zeros(len(texts))
            for chosen, ids, lengths in batches:
                out[chosen] = torch.sigmoid(model(ids, lengths)).double().numpy()
            results[name] = out
    return results
