"""``python -m explainer.train imdb``: the tokenizer and the three sentiment networks of the text lesson.

Reads the 25,000 labelled ``train`` reviews of ``../shared/data/imdb`` only.
2,500 of them (seeded) are held out for validation: the epoch kept for each
network is the one with the best validation accuracy, and nothing else is
chosen on them. The vocabulary is fitted on the other 22,500. The 25,000
``test`` reviews are read by ``python -m explainer.train evaluate imdb`` alone.

Reviews are cut to their last 400 tokens (the median review is about 200
tokens, the 90th percentile about 500); batches group reviews of similar
length so little time goes into padding.

Writes ``assets/models/imdb_{cnn,rnn,lstm}.pt``, the vocabulary
``imdb_vocab.json``, the embedding maps ``imdb_embedding_maps.npz`` and 100
validation reviews ``assets/samples/imdb_heldout.json``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F

from ..data.text import Vocabulary, load_imdb, pad_batch
from ..models import save_weights, weights_path
from ..models.text import BUILDERS, TEXT_MODELS, TRAIN_LENGTH, vocabulary_path

#: Held-out validation reviews (of the 25,000 train reviews).
VALIDATION = 2_500
#: How many of the most frequent words the shipped embedding maps show.
MAP_WORDS = 3_000

SETTINGS = {
    "imdb_cnn": dict(epochs=10, lr=1e-3, batch=64, clip=5.0),
    "imdb_rnn": dict(epochs=8, lr=2e-3, batch=64, clip=1.0),
    "imdb_lstm": dict(epochs=6, lr=2e-3, batch=64, clip=5.0),
}


def batches(sequences: list[np.ndarray], labels: np.ndarray, size: int, rng: np.random.Generator | None):
    """Mini-batches of reviews of similar length (shuffled between buckets when ``rng`` is given)."""
    order = np.argsort([len(s) for s in sequences], kind="stable")
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(chunks)
    for chunk in chunks:
        ids, lengths = pad_batch([sequences[i] for i in chunk])
        yield (torch.from_numpy(ids), torch.from_numpy(np.maximum(lengths, 1)),
               torch.from_numpy(labels[chunk].astype(np.float32)))


def accuracy(model, sequences, labels, size: int = 256) -> float:
    model.eval()
    hits = 0
    with torch.no_grad():
        for ids, lengths, y in batches(sequences, labels, size, None):
            hits += int(((model(ids, lengths) > 0).float() == y).sum())
    return hits / len(labels)


def train_one(name: str, train, val, vocab_size: int, seed: int, epochs: int | None = None) -> tuple:
    settings = dict(SETTINGS[name])
    if epochs is not None:
        settings["epochs"] = epochs
    torch.manual_seed(seed + TEXT_MODELS.index(name))  # each network its own start
    model = BUILDERS[name](vocab_size=vocab_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    rng = np.random.default_rng(seed)
    best, best_state, history = -1.0, None, []
    start = time.perf_counter()
    for epoch in range(1, settings["epochs"] + 1):
        model.train()
        total, count = 0.0, 0
        for ids, lengths, y in batches(*train, settings["batch"], rng):
            loss = F.binary_cross_entropy_with_logits(model(ids, lengths), y)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings["clip"])
            optimizer.step()
            total += loss.item() * len(y)
            count += len(y)
        val_acc = accuracy(model, *val)
        history.append(val_acc)
        print(f"{name} epoch {epoch}: train loss {total / count:.4f}, validation accuracy {val_acc:.4f} "
              f"({(time.perf_counter() - start) / 60:.1f} min)", flush=True)
        if val_acc > best:
            best, best_state = val_acc, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    return model, best, history, time.perf_counter() - start


def embedding_map(model, vocabulary_size: int, words: int = MAP_WORDS) -> dict:
    """2-D PCA of the embedding rows of the most frequent words, and how each word alone pushes the prediction."""
    table = model.embedding.weight.detach().double().numpy()[2 : 2 + words]
    centred = table - table.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T
    ids = torch.arange(2, 2 + words)[:, None]
    with torch.no_grad():
        push = torch.sigmoid(model(ids, torch.ones(words, dtype=torch.int64))).double().numpy() - 0.5
    return {"xy": xy.astype(np.float32), "push": push.astype(np.float32)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.train imdb", description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(TEXT_MODELS), choices=TEXT_MODELS)
    parser.add_argument("--epochs", type=int, default=None, help="override every model's epoch count")
    parser.add_argument("--limit", type=int, default=None, help="train on this many reviews only (a quick check)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    texts, labels = load_imdb("train")
    order = np.random.default_rng(args.seed).permutation(len(texts))
    val_idx, train_idx = order[:VALIDATION], order[VALIDATION:]
    if args.limit:
        train_idx = train_idx[: args.limit]
    train_texts = [texts[i] for i in train_idx]
    vocabulary = Vocabulary.fit(train_texts)
    vocabulary_path().parent.mkdir(parents=True, exist_ok=True)
    vocabulary_path().write_text(vocabulary.to_json(), encoding="utf-8")
    print(f"vocabulary: {len(vocabulary):,} ids (10,000 words + padding + out-of-vocabulary) from "
          f"{len(train_texts):,} reviews", flush=True)
    encode = [vocabulary.encode(t, TRAIN_LENGTH) for t in texts]
    train = ([encode[i] for i in train_idx], labels[train_idx])
    val = ([encode[i] for i in val_idx], labels[val_idx])

    trained = {}
    for name in args.models:
        model, best, history, seconds = train_one(name, train, val, len(vocabulary), args.seed, args.epochs)
        params = sum(p.numel() for p in model.parameters())
        save_weights(weights_path(name), name, model, model.config,
                     {"val_accuracy": best, "val_history": history, "train_seconds": round(seconds),
                      "train_reviews": len(train_idx), "validation_reviews": len(val_idx),
                      "max_tokens": TRAIN_LENGTH, "parameters": params})
        print(f"{name}: best validation accuracy {best:.4f}, {params:,} parameters, "
              f"{seconds / 60:.1f} min -> {weights_path(name)}", flush=True)
        trained[name] = model
    # The maps of every model (those not retrained now come from their bundled weights).
    from ..models import load_model

    maps = {}
    for name in TEXT_MODELS:
        model = trained.get(name) or load_model(name)
        for key, value in embedding_map(model, len(vocabulary)).items():
            maps[f"{name}_{key}"] = value
    maps_path = weights_path("imdb_embedding_maps").with_suffix(".npz")
    np.savez_compressed(maps_path, words=np.array(vocabulary.words[2 : 2 + MAP_WORDS]), **maps)
    print(f"embedding maps -> {maps_path}")

    # 100 validation reviews (50 positive, 50 negative) for the lesson's "pick a review".
    rng = np.random.default_rng(args.seed + 1)
    picks = [int(i) for label in (1, 0) for i in rng.permutation(val_idx[labels[val_idx] == label])[:50]]
    samples = [{"text": texts[i], "label": int(labels[i])} for i in picks]
    sample_path = weights_path("x").parents[1] / "samples" / "imdb_heldout.json"
    sample_path.write_text(json.dumps({"format": "convlens-reviews", "source": "IMDB train split, our validation "
                                       "part (Maas et al. 2011)", "reviews": samples}, ensure_ascii=False),
                           encoding="utf-8")
    print(f"{len(samples)} held-out reviews -> {sample_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
