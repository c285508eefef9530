"""pool2d and pool_step against torch's pooling functions."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explainer import core


def torch_pool(x, size, stride, mode):
    t = torch.from_numpy(x)[None]
    if mode == "max":
        out = F.max_pool2d(t, size, stride)
    elif mode == "avg":
        out = F.avg_pool2d(t, size, stride)
    else:
        out = F.lp_pool2d(t, 2, size, stride)
    return out[0].numpy()


@pytest.mark.parametrize("mode", core.POOL_MODES)
@pytest.mark.parametrize("seed", range(60))
def test_pool2d_matches_torch(mode, seed):
    rng = np.random.default_rng(seed)
    size, stride = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    h, w = int(rng.integers(size, 15)), int(rng.integers(size, 15))
    x = rng.normal(size=(int(rng.integers(1, 4)), h, w))
    np.testing.assert_allclose(core.pool2d(x, size, stride, mode), torch_pool(x, size, stride, mode), rtol=1e-6, atol=1e-6)


def test_default_stride_is_the_window_size():
    x = np.arange(16.0).reshape(1, 4, 4)
    assert core.pool2d(x, 2).tolist() == [[[5, 7], [13, 15]]]
    assert core.pool2d(x, 2, mode="avg").tolist() == [[[2.5, 4.5], [10.5, 12.5]]]


def test_each_feature_map_is_pooled_separately():
    x = np.stack([np.ones((4, 4)), 2 * np.ones((4, 4)), -np.ones((4, 4))])
    out = core.pool2d(x, 2)
    assert out.shape == (3, 2, 2)
    assert out[:, 0, 0].tolist() == [1, 2, -1]


@pytest.mark.parametrize("mode", core.POOL_MODES)
def test_pool_step_agrees_with_pool2d(mode):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 9, 7))
    full = core.pool2d(x, 3, 2, mode)
    for row in range(full.shape[1]):
        for col in range(full.shape[2]):
            step = core.pool_step(x, 3, row, col, stride=2, mode=mode, channel=1)
            assert step.value == pytest.approx(full[1, row, col])
            assert (step.top, step.left) == (2 * row, 2 * col)


def test_pool_step_formulas_read_like_the_lecture():
    x = np.array([[[1.0, 3.0], [2.0, 0.0]]])
    assert core.pool_step(x, 2, 0, 0, mode="max").formula() == "max(1, 3, 2, 0) = 3"
    assert core.pool_step(x, 2, 0, 0, mode="avg").formula() == "mean(1, 3, 2, 0) = 1.5"
    assert core.pool_step(x, 2, 0, 0, mode="l2").formula() == "√(1² + 3² + 2² + 0²) = 3.74"
    negative = core.pool_step(-x, 2, 0, 0, mode="l2").formula()
    assert negative.startswith("√((−1)² + (−3)²")


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: core.pool2d(np.ones((4, 4)), 2), "3 dimensions"),
        (lambda: core.pool2d(np.ones((1, 4, 4)), 2, mode="median"), "mode"),
        (lambda: core.pool2d(np.ones((1, 4, 4)), 0), "pool size must be at least 1"),
        (lambda: core.pool2d(np.ones((1, 4, 4)), 2, stride=0), "stride"),
        (lambda: core.pool2d(np.ones((1, 2, 2)), 3), "does not fit"),
        (lambda: core.pool_step(np.ones((1, 4, 4)), 2, 2, 0), "outside"),
        (lambda: core.pool_step(np.ones((1, 4, 4)), 2, 0, 0, channel=1), "channel 1"),
    ],
)
def test_bad_pool_arguments(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
