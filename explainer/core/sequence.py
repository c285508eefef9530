"""Networks over sequences of words: a 1-D convolution in time, a plain RNN and an LSTM, step by step.

The text lesson shows every number of these layers for the words a student
types. Each function works on one sequence (no batch) with the weights of a
trained network and is tested against ``torch.nn.functional.conv1d``,
``torch.nn.RNN`` and ``torch.nn.LSTM``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array


def sigmoid(z) -> np.ndarray:
    """``1 / (1 + e^(−z))``, computed as ``(1 + tanh(z / 2)) / 2``: the same function, and it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def conv1d_causal(x, w, b=None) -> np.ndarray:
    """A 1-D convolution over word positions whose window ends at each word.

    Parameters
    ----------
    x : ndarray, shape (d, T)
        One embedding vector per word (as columns).
    w : ndarray, shape (F, d, k)
        F filters, each k words wide.
    b : ndarray, shape (F,), optional

    Returns
    -------
    ndarray, shape (F, T)
        ``out[f, t] = b[f] + Σ_j Σ_c w[f, c, j] · x[c, t − k + 1 + j]``, with zeros
        before the first word: the same weights at every position (shared
        weights in time), like ``conv1d`` on the input padded with k − 1 zeros
        on the left.
    """
    x = as_float_array("embeddings x", x, 2, "(d, T)")
    w = as_float_array("filters w", w, 3, "(F, d, k)")
    if w.shape[1] != x.shape[0]:
        raise ValueError(f"filters read {w.shape[1]} values per word, the words have {x.shape[0]}")
    f, _, k = w.shape
    b = np.zeros(f) if b is None else as_float_array("bias b", b, 1, "(F,)")
    t = x.shape[1]
    padded = np.concatenate([np.zeros((x.shape[0], k - 1)), x], axis=1)
    # windows[c, t, j] = padded[c, t + j]: the k words ending at word t.
    windows = np.lib.stride_tricks.sliding_window_view(padded, k, axis=1)[:, :t]
    return np.einsum("fcj,ctj->ft", w, windows) + b[:, None]


@dataclass(frozen=True)
class RNNStep:
    """One step of ``h_t = tanh(W x_t + U h_{t−1} + b)`` with every number.

    Attributes
    ----------
    x, h_prev : ndarray, shapes (d,) and (H,)
    wx, uh : ndarray, shape (H,)
        ``W x_t`` and ``U h_{t−1}``.
    b : ndarray, shape (H,)
    pre : ndarray, shape (H,)
        ``W x_t + U h_{t−1} + b``.
    h : ndarray, shape (H,)
        ``tanh(pre)``.
    """

    x: np.ndarray
    h_prev: np.ndarray
    wx: np.ndarray
    uh: np.ndarray
    b: np.ndarray
    pre: np.ndarray
    h: np.ndarray


def rnn_step(x, h_prev, w, u, b) -> RNNStep:
    """One step of an Elman RNN.

    Parameters
    ----------
    x : ndarray, shape (d,)
        The word's embedding x_t.
    h_prev : ndarray, shape (H,)
        The previous hidden state h_{t−1} (zeros before the first word).
    w : ndarray, shape (H, d)
    u : ndarray, shape (H, H)
    b : ndarray, shape (H,)
        One bias (torch keeps two, ``bias_ih + bias_hh``: add them).
    """
    x = as_float_array("x_t", x, 1, "(d,)")
    h_prev = as_float_array("h_{t-1}", h_prev, 1, "(H,)")
    w = as_float_array("W", w, 2, "(H, d)")
    u = as_float_array("U", u, 2, "(H, H)")
    b = as_float_array("b", b, 1, "(H,)")
    if w.shape != (len(h_prev), len(x)) or u.shape != (len(h_prev),) * 2 or b.shape != (len(h_prev),):
        raise ValueError(f"shapes do not fit: x {x.shape}, h {h_prev.shape}, W {w.shape}, U {u.shape}, b {b.shape}")
    wx, uh = w @ x, u @ h_prev
    pre = wx + uh + b
    return RNNStep(x, h_prev, wx, uh, b, pre, np.tanh(pre))


def rnn_states(xs, w, u, b) -> np.ndarray:
    """Every hidden state of an Elman RNN over a sequence: ``(T, H)`` for inputs ``(T, d)``, h_0 = 0."""
    xs = as_float_array("inputs", xs, 2, "(T, d)")
    h = np.zeros(np.asarray(u).shape[0])
    states = np.zeros((len(xs), len(h)))
    for t, x in enumerate(xs):  # the loop a student can follow: one word at a time
        h = rnn_step(x, h, w, u, b).h
        states[t] = h
    return states


@dataclass(frozen=True)
class LSTMStates:
    """An LSTM over a sequence, every gate at every step (each ``(T, H)``).

    ``i``, ``f``, ``o`` are the input, forget and output gates (sigmoid, 0–1), ``g`` the
    candidate (tanh), ``c`` the cell state ``c_t = f ⊙ c_{t−1} + i ⊙ g`` and ``h`` the hidden
    state ``h_t = o ⊙ tanh(c_t)``.
    """

    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray


def lstm_states(xs, w_ih, w_hh, b) -> LSTMStates:
    """Run an LSTM (torch's gate order: input, forget, candidate, output) over ``xs`` ``(T, d)``.

    Parameters
    ----------
    w_ih : ndarray, shape (4H, d)
    w_hh : ndarray, shape (4H, H)
    b : ndarray, shape (4H,)
        ``bias_ih + bias_hh``.
    """
    xs = as_float_array("inputs", xs, 2, "(T, d)")
    w_ih = as_float_array("W_ih", w_ih, 2, "(4H, d)")
    w_hh = as_float_array("W_hh", w_hh, 2, "(4H, H)")
    b = as_float_array("b", b, 1, "(4H,)")
    hidden = w_hh.shape[1]
    if w_ih.shape != (4 * hidden, xs.shape[1]) or w_hh.shape != (4 * hidden, hidden) or b.shape != (4 * hidden,):
        raise ValueError(f"shapes do not fit: inputs {xs.shape}, W_ih {w_ih.shape}, W_hh {w_hh.shape}, b {b.shape}")
    out = {name: np.zeros((len(xs), hidden)) for name in "ifgoch"}
    h, c = np.zeros(hidden), np.zeros(hidden)
    projected = xs @ w_ih.T + b  # the input part of every step at once
    for t in range(len(xs)):
        z = projected[t] + w_hh @ h
        i, f, g, o = sigmoid(z[:hidden]), sigmoid(z[hidden : 2 * hidden]), np.tanh(z[2 * hidden : 3 * hidden]), \
            sigmoid(z[3 * hidden :])
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in zip("ifgoch", (i, f, g, o, c, h)):
            out[name][t] = value
    return LSTMStates(**out)
