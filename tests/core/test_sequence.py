"""1-D convolution in time, plain RNN and LSTM steps: numpy against torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explainer.core.sequence import conv1d_causal, lstm_states, rnn_states, rnn_step, sigmoid


@pytest.mark.parametrize("d, f, k, t", [(4, 3, 1, 7), (8, 5, 3, 12), (6, 2, 5, 3), (3, 4, 5, 1)])
def test_conv1d_causal_matches_torch(d, f, k, t):
    rng = np.random.default_rng(d + f + k + t)
    x, w, b = rng.normal(size=(d, t)), rng.normal(size=(f, d, k)), rng.normal(size=f)
    expected = F.conv1d(F.pad(torch.from_numpy(x)[None], (k - 1, 0)), torch.from_numpy(w), torch.from_numpy(b))[0]
    np.testing.assert_allclose(conv1d_causal(x, w, b), expected.numpy(), atol=1e-12)


def test_conv1d_causal_window_ends_at_each_word():
    x = np.zeros((1, 6))
    x[0, 2] = 1.0  # only word 2 is "on"
    out = conv1d_causal(x, np.ones((1, 1, 3)))
    assert out[0].tolist() == [0, 0, 1, 1, 1, 0]  # windows ending at words 2, 3 and 4 contain it


@pytest.mark.parametrize("seed", range(4))
def test_rnn_states_and_step_match_torch(seed):
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(5, 7, batch_first=True).double()
    xs = torch.randn(1, 9, 5, dtype=torch.float64)
    expected = rnn(xs)[0][0].detach().numpy()
    w, u = rnn.weight_ih_l0.detach().numpy(), rnn.weight_hh_l0.detach().numpy()
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy()
    states = rnn_states(xs[0].numpy(), w, u, b)
    np.testing.assert_allclose(states, expected, atol=1e-12)
    step = rnn_step(xs[0, 4].numpy(), states[3], w, u, b)
    np.testing.assert_allclose(step.h, expected[4], atol=1e-12)
    np.testing.assert_allclose(step.pre, step.wx + step.uh + step.b)
    np.testing.assert_allclose(np.tanh(step.pre), step.h)


@pytest.mark.parametrize("seed", range(3))
def test_lstm_states_match_torch(seed):
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(4, 6, batch_first=True).double()
    xs = torch.randn(1, 11, 4, dtype=torch.float64)
    out, (h_n, c_n) = lstm(xs)
    b = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy()
    states = lstm_states(xs[0].numpy(), lstm.weight_ih_l0.detach().numpy(), lstm.weight_hh_l0.detach().numpy(), b)
    np.testing.assert_allclose(states.h, out[0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(states.c[-1], c_n[0, 0].detach().numpy(), atol=1e-12)
    for gate in (states.i, states.f, states.o):
        assert gate.min() > 0 and gate.max() < 1
    np.testing.assert_allclose(states.c[1:], states.f[1:] * states.c[:-1] + states.i[1:] * states.g[1:], atol=1e-12)


def test_sigmoid_is_stable_and_matches_torch():
    z = np.array([-800.0, -30.0, -1.0, 0.0, 2.5, 800.0])
    np.testing.assert_allclose(sigmoid(z), torch.sigmoid(torch.from_numpy(z)).numpy(), atol=1e-15)
    assert np.all(np.isfinite(sigmoid(z)))


def test_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match="filters read 3 values per word, the words have 4"):
        conv1d_causal(np.zeros((4, 5)), np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="shapes do not fit"):
        rnn_step(np.zeros(3), np.zeros(4), np.zeros((4, 2)), np.zeros((4, 4)), np.zeros(4))
