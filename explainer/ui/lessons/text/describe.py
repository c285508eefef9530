"""What the text lesson says in words: notes, verdicts, formulas and tables (rich text, no Qt, no torch).

Every number comes from a reading (:class:`~.work.Reading`), a step of the RNN
(:class:`explainer.core.sequence.RNNStep`) or the networks' weights; nothing is
typed in by hand.
"""

from __future__ import annotations

import html

import numpy as np

from .state import MODEL_TITLES

#: Colour of a verdict.
POSITIVE, NEGATIVE = "#b2182b", "#2166ac"
#: A word that moved P(positive) by this much or more gets the full colour.
MOVE_LIMIT = 0.1
#: What the neighbours line says while no point of the embedding map is hovered.
MAP_HINT = "Hover a point of the map to see the word and its nearest neighbours."
LONG_NAMES = {"imdb_cnn": "1-D convolution", "imdb_rnn": "simple RNN", "imdb_lstm": "long short-term memory"}
OOV_ID, PAD_ID = 1, 0


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def quoted(word: str) -> str:
    return f"‘{esc(word)}’"


def number(value: float, digits: int = 3) -> str:
    """A value with a real minus sign, e.g. ``−0.125``."""
    return f"{value:.{digits}f}".replace("-", "−")


def signed(value: float, digits: int = 3) -> str:
    return ("+" if value >= 0 else "") + number(value, digits)


def verdict(probability: float) -> str:
    return "positive" if probability >= 0.5 else "negative"


def token_note(reading, limit: int) -> str:
    """One line about the tokens: how many, unknown ones, truncation and padding."""
    if reading is None:
        return "Reading…"
    result, count = reading.result, reading.count
    if count == 0:
        return "<b>Type a review</b> (or pick one above): there are no words to read yet."
    unknown = int(result.oov.sum())
    parts = [f"<b>{count}</b> token{'s' if count != 1 else ''}, each replaced by its id"]
    if unknown == count:
        parts.append(f"<b>every one is unknown</b> (id {OOV_ID}, dashed): the networks see the same vector for "
                     "each and can only guess")
    elif unknown:
        parts.append(f"{unknown} unknown: id {OOV_ID}, dashed")
    if result.dropped:
        parts.append(f"<b>only the last {limit} of {reading.total:,} tokens are read</b> "
                     f"({result.dropped:,} dropped from the start, as in training)")
    else:
        parts.append(f"a training batch pads them with {limit - count} × id {PAD_ID} up to {limit}")
    return " · ".join(parts)


def verdicts(reading, true_label: int | None) -> str:
    """A table: each network's P(positive) and verdict (✓ / ✗ against a bundled review's true label)."""
    if reading is None:
        return "Reading…"
    if reading.count == 0:
        return "<b>Type a review</b> to see what the three networks make of it."
    rows = []
    for name, title in MODEL_TITLES.items():
        p = reading.model(name).probability
        word = verdict(p)
        mark = "" if true_label is None else (" ✓" if (p >= 0.5) == (true_label == 1) else " ✗")
        color = POSITIVE if p >= 0.5 else NEGATIVE
        rows.append(f"<tr><td><b>{title}</b> <span style='color:#666'>({LONG_NAMES[name]})</span></td>"
                    f"<td align='right'>&nbsp;{p:.3f}&nbsp;</td>"
                    f"<td><b style='color:{color}'>{word}</b>{mark}</td></tr>")
    return "<table cellspacing='1'><tr><td></td><td>P(positive)</td><td></td></tr>" + "".join(rows) + "</table>"


def token_tip(reading, index: int, model: str) -> str:
    """Tooltip of token ``index``: its id and how much it moved the network's P(positive)."""
    if reading is None or not 0 <= index < reading.count:
        return ""
    token, token_id = reading.tokens[index], int(reading.result.ids[index])
    known = "out of the vocabulary" if reading.result.oov[index] else "in the vocabulary"
    chosen = reading.model(model)
    before = chosen.start if index == 0 else float(chosen.running[index - 1])
    after = float(chosen.running[index])
    # Rich text (the token is HTML-escaped by quoted()), so "&" or "<" show as themselves.
    return (f"<qt>{quoted(token)} → id {token_id} ({known}); word {index + 1} of {reading.count}.<br>"
            f"P(positive) of the {MODEL_TITLES[model]}: {before:.3f} → {after:.3f} ({signed(after - before)})</qt>")


def word_label(reading, t: int) -> str:
    return f"word {t + 1} of {reading.count}: {quoted(reading.tokens[t])} (id {int(reading.result.ids[t])})"


def moved_units(step, count: int = 6) -> np.ndarray:
    """The units whose state this word changed most, ``|h_t − h_{t−1}|`` largest first."""
    change = np.abs(step.h - step.h_prev)
    return np.argsort(-change, kind="stable")[:count]


def units_table(step, units) -> str:
    """The step written out for a few units: (W x)_j + (U h)_j + b_j = sum, tanh(sum) = h_j."""
    head = ("<tr><th>unit j</th><th>(W x<sub>t</sub>)<sub>j</sub></th><th>(U h<sub>t−1</sub>)<sub>j</sub></th>"
            "<th>b<sub>j</sub></th><th>sum</th><th>h<sub>t,j</sub> = tanh(sum)</th></tr>")
    rows = []
    for j in units:
        j = int(j)
        rows.append(f"<tr><td align='center'>{j}</td><td align='right'>{number(step.wx[j])}</td>"
                    f"<td align='right'>{number(step.uh[j])}</td><td align='right'>{number(step.b[j])}</td>"
                    f"<td align='right'>{number(step.pre[j])}</td><td align='right'><b>{number(step.h[j])}</b></td>"
                    "</tr>")
    return "<table cellspacing='0' cellpadding='3' border='1' style='border-collapse:collapse'>" + head + \
        "".join(rows) + "</table>"


def rnn_shapes(w: np.ndarray, u: np.ndarray) -> str:
    hidden, dims = w.shape
    return (f"W is {hidden} × {dims} (input → state), U is {hidden} × {hidden} (state → state), b has {hidden} "
            f"values: {w.size + u.size + hidden:,} weights, the same at every word.")


def conv_formula(numbers: dict, filt: int, t: int, word: str) -> str:
    """The activation of filter ``filt`` at word ``t``: Σ w ⊙ x + b → ReLU."""
    pre, act = numbers["pre"], numbers["activation"]
    relu = "ReLU keeps it" if pre > 0 else "ReLU makes it 0"
    return (f"<b>Filter {filt} at word {t + 1}</b> ({quoted(word)}, the window's last word):<br>"
            f"Σ w ⊙ x = {number(numbers['sum'])}, + bias {number(numbers['bias'])} = {number(pre)}; "
            f"{relu}: <b>{number(act)}</b>")


def filter_rows(rows: list[dict]) -> list[tuple[str, ...]]:
    """Table cells for the filters that moved the CNN's verdict most."""
    return [(str(r["filter"]), f"“{r['ngram']}”", number(r["pooled"], 2), signed(r["weight"]),
             signed(r["contribution"])) for r in rows]


def logit_line(pooled: np.ndarray, weights: np.ndarray, bias: float) -> str:
    logit = float(pooled @ weights + bias)
    p = 1.0 / (1.0 + np.exp(-logit))
    return (f"Dense layer: Σ over the {len(pooled)} pooled values × their weights {signed(float(pooled @ weights))}, "
            f"+ bias {number(bias)} = {number(logit)} → sigmoid → P(positive) = <b>{p:.3f}</b>")


def gates_at(gates: dict, t: int, word: str) -> str:
    """The LSTM's mean gate values at word ``t``."""
    means = {key: float(np.mean(gates[key][t])) for key in ("i", "f", "o")}
    return (f"At {quoted(word)}: mean input gate {means['i']:.2f}, forget gate {means['f']:.2f}, "
            f"output gate {means['o']:.2f} (0 = closed, 1 = open).")


def parameter_note(total: int, embedding: int, model: str, vocabulary: int, dims: int) -> str:
    share = 100.0 * embedding / max(total, 1)
    return (f"The {MODEL_TITLES[model]}'s embedding holds <b>{embedding:,}</b> of its <b>{total:,}</b> parameters "
            f"({share:.0f} %): {vocabulary:,} ids × {dims} numbers. Everything after it has {total - embedding:,}.")


def neighbours_text(word: str, word_id: int, push: float, neighbours: list[tuple[str, float]], model: str) -> str:
    close = ", ".join(f"{esc(w)} <span style='color:#666'>{s:.2f}</span>" for w, s in neighbours)
    if not neighbours:
        return f"<b>{esc(word)}</b> is on the map but not in the networks' vocabulary."
    return (f"<b>{esc(word)}</b> (id {word_id}) pushes the {MODEL_TITLES[model]} by {signed(push, 2)} on its own. "
            f"Nearest by cosine similarity: {close}")
