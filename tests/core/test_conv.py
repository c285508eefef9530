"""conv2d, conv_step and conv_transpose2d against torch and the lecture."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explainer import core
from tests.conftest import REPO

RNG = np.random.default_rng(20261125)

# The lecture's RGB example, typed again from the slide (not read from the
# preset) so that a wrong preset file is caught too.
RED = [[156, 155, 156, 158, 158], [153, 154, 157, 159, 159], [149, 151, 155, 158, 159],
       [146, 146, 149, 153, 158], [145, 143, 143, 148, 158]]
GREEN = [[167, 166, 167, 169, 169], [164, 165, 168, 170, 170], [160, 162, 166, 169, 170],
         [156, 156, 159, 163, 168], [155, 153, 153, 158, 168]]
BLUE = [[163, 162, 163, 165, 165], [160, 161, 164, 166, 166], [156, 158, 162, 165, 166],
        [155, 155, 158, 162, 167], [154, 152, 152, 157, 167]]
KERNEL = [[[-1, -1, 1], [0, 1, -1], [0, 1, 1]],
          [[1, 0, 0], [1, -1, -1], [1, 0, -1]],
          [[0, 1, 1], [0, 1, 0], [1, -1, 1]]]
BINARY = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
X_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def torch_conv(x, w, b, stride, padding, dilation):
    out = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(w),
                   None if b is None else torch.from_numpy(b), stride=stride, padding=padding, dilation=dilation)
    return out[0].numpy()


def random_conv_case(rng):
    while True:
        c, kernels = rng.integers(1, 5), rng.integers(1, 5)
        k, stride, padding, dilation = rng.integers(1, 6), rng.integers(1, 4), rng.integers(0, 3), rng.integers(1, 3)
        h, w = rng.integers(1, 13), rng.integers(1, 13)
        span = dilation * (k - 1) + 1
        if h + 2 * padding >= span and w + 2 * padding >= span:
            return (rng.normal(size=(c, h, w)), rng.normal(size=(kernels, c, k, k)),
                    rng.normal(size=kernels) if rng.random() < 0.7 else None, int(stride), int(padding), int(dilation))


# ---------------------------------------------------------------- the lecture


def test_lecture_rgb_top_left_cell():
    step = core.conv_step([RED, GREEN, BLUE], KERNEL, 1, 0, 0, padding=1)
    assert step.channel_sums.tolist() == [308, -498, 164]
    assert step.bias == 1
    assert step.value == -25
    # The window is the padded patch: a zero border on top and left.
    assert step.window[0].tolist() == [[0, 0, 0], [0, 156, 155], [0, 153, 154]]
    assert step.products[0].tolist() == [[0, 0, 0], [0, 156, -155], [0, 153, 154]]
    assert step.rows.tolist() == [0, 1, 2] and step.cols.tolist() == [0, 1, 2]


def test_lecture_rgb_full_output_matches_steps_and_torch():
    x = np.array([RED, GREEN, BLUE], float)
    w = np.array([KERNEL], float)
    out = core.conv2d(x, w, [1.0], padding=1)
    assert out.shape == (1, 5, 5)
    assert out[0, 0, 0] == -25
    np.testing.assert_allclose(out, torch_conv(x, w, np.array([1.0]), 1, 1, 1))


def test_lecture_binary_image_with_x_kernel():
    out = core.conv2d([BINARY], [[X_KERNEL]])
    assert out.tolist() == [[[4, 3, 4], [2, 4, 3], [2, 3, 4]]]


def test_lecture_28_by_28_with_5_by_5_gives_24_by_24():
    assert core.output_size(28, 5) == 24
    out = core.conv2d(RNG.random((1, 28, 28)), RNG.normal(size=(3, 1, 5, 5)))
    assert out.shape == (3, 24, 24)


def test_lecture_presets_file_holds_the_lecture_numbers():
    presets = json.loads((REPO / "assets" / "presets" / "lecture.json").read_text())
    assert presets["rgb"]["input"] == [RED, GREEN, BLUE]
    assert presets["rgb"]["kernels"] == [KERNEL]
    assert presets["binary"]["input"] == [BINARY]
    assert presets["binary"]["kernels"] == [[X_KERNEL]]


# ---------------------------------------------------------------- against torch


@pytest.mark.parametrize("seed", range(60))
def test_conv2d_matches_torch(seed):
    x, w, b, stride, padding, dilation = random_conv_case(np.random.default_rng(seed))
    ours = core.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(ours, torch_conv(x, w, b, stride, padding, dilation), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("seed", range(60))
def test_conv_step_matches_torch_cell(seed):
    rng = np.random.default_rng(1000 + seed)
    x, w, b, stride, padding, dilation = random_conv_case(rng)
    expected = torch_conv(x, w, b, stride, padding, dilation)
    kernel = rng.integers(w.shape[0])
    row, col = rng.integers(expected.shape[1]), rng.integers(expected.shape[2])
    bias = 0.0 if b is None else b[kernel]
    step = core.conv_step(x, w[kernel], bias, row, col, stride=stride, padding=padding, dilation=dilation)
    assert step.value == pytest.approx(expected[kernel, row, col], abs=1e-10)
    np.testing.assert_allclose(step.products, step.window * w[kernel])
    np.testing.assert_allclose(step.channel_sums, step.products.sum(axis=(1, 2)))
    assert step.value == pytest.approx(step.channel_sums.sum() + bias)


@pytest.mark.parametrize("seed", range(10))
def test_loop_version_equals_vectorised(seed):
    x, w, b, stride, padding, dilation = random_conv_case(np.random.default_rng(2000 + seed))
    np.testing.assert_allclose(core.conv2d_loops(x, w, b, stride, padding, dilation),
                               core.conv2d(x, w, b, stride, padding, dilation), atol=1e-10)


@pytest.mark.parametrize("seed", range(60))
def test_conv_transpose2d_matches_torch(seed):
    rng = np.random.default_rng(3000 + seed)
    c_in, c_out = rng.integers(1, 4), rng.integers(1, 4)
    k, stride = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    h, w_ = rng.integers(1, 7), rng.integers(1, 7)
    output_padding = int(rng.integers(0, stride))
    full = stride * (min(h, w_) - 1) + k + output_padding
    padding = int(rng.integers(0, max(1, (full - 1) // 2 + 1)))
    x = rng.normal(size=(c_in, h, w_))
    w = rng.normal(size=(c_in, c_out, k, k))
    b = rng.normal(size=c_out) if seed % 2 else None
    ours = core.conv_transpose2d(x, w, b, stride=stride, padding=padding, output_padding=output_padding)
    ref = F.conv_transpose2d(torch.from_numpy(x)[None], torch.from_numpy(w),
                             None if b is None else torch.from_numpy(b),
                             stride=stride, padding=padding, output_padding=output_padding)[0].numpy()
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-10)
    assert ours.shape[1] == core.transposed_output_size(h, k, stride, padding, output_padding)


def test_transposed_stamps_add_up_to_the_output():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.arange(9.0).reshape(3, 3)
    canvas = np.zeros((5, 5))
    for r in range(2):
        for c in range(2):
            stamp, top, left = core.transposed_stamp(x, w, r, c, stride=2)
            canvas[top:top + 3, left:left + 3] += stamp
    np.testing.assert_allclose(canvas, core.conv_transpose2d(x[None], w[None, None], stride=2)[0])


def test_stride_2_kernel_3_overlap_is_a_checkerboard():
    counts = core.conv_transpose2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), stride=2)[0]
    assert counts.shape == (7, 7)
    assert counts[0].tolist() == [1, 1, 2, 1, 2, 1, 1]
    assert counts[2, 2] == 4
    even = core.conv_transpose2d(np.ones((1, 3, 3)), np.ones((1, 1, 4, 4)), stride=2)[0]
    assert even[2:-2, 2:-2].min() == even[2:-2, 2:-2].max() == 4  # kernel 4, stride 2: even overlap inside


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: core.conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))), "3 dimensions"),
        (lambda: core.conv2d(np.ones((1, 5, 5)), np.ones((1, 3, 3))), "4 dimensions"),
        (lambda: core.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 5, 5))), "does not fit"),
        (lambda: core.conv2d(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3)), stride=0), "stride must be at least 1"),
        (lambda: core.conv2d(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3)), padding=-1), "padding"),
        (lambda: core.conv2d(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3)), dilation=0), "dilation"),
        (lambda: core.conv2d(np.ones((2, 5, 5)), np.ones((1, 3, 3, 3))), "channel"),
        (lambda: core.conv2d(np.ones((1, 5, 5)), np.ones((2, 1, 3, 3)), b=[1.0]), "bias"),
        (lambda: core.conv2d(np.ones((1, 5, 5)), np.ones((1, 1, 3, 2))), "square"),
        (lambda: core.conv2d(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3)), stride=1.5), "whole number"),
        (lambda: core.conv2d(np.full((1, 5, 5), np.nan), np.ones((1, 1, 3, 3))), "NaN"),
        (lambda: core.conv2d("abc", np.ones((1, 1, 3, 3))), "array of numbers"),
        (lambda: core.conv_step(np.ones((1, 5, 5)), np.ones((1, 3, 3)), 0, 3, 0), "outside the 3x3 output"),
        (lambda: core.conv_step(np.ones((1, 5, 5)), np.ones((1, 3, 3)), [1, 2], 0, 0), "single number"),
        (lambda: core.conv_step(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3)), 0, 0, 0), "3 dimensions"),
        (lambda: core.conv_transpose2d(np.ones((2, 3, 3)), np.ones((1, 1, 3, 3))), "input channel"),
        (lambda: core.conv_transpose2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), stride=2, output_padding=2),
         "output_padding"),
        (lambda: core.conv_transpose2d(np.ones((1, 1, 1)), np.ones((1, 1, 1, 1)), padding=1), "crops"),
    ],
)
def test_bad_arguments_raise_value_error(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_kernel_too_big_message_names_sizes():
    with pytest.raises(ValueError) as info:
        core.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 5, 5)))
    assert str(info.value) == "kernel 5x5 does not fit a 3x3 input with padding 0 (padded input 3x3): output would be -1x-1"


@pytest.mark.parametrize("seed", range(6))
def test_per_channel_responses_are_a_depthwise_convolution_and_sum_to_the_feature_map(seed):
    rng = np.random.default_rng(100 + seed)
    c, k = int(rng.integers(1, 6)), int(rng.choice([1, 3, 5]))
    stride, padding, dilation = int(rng.integers(1, 3)), int(rng.integers(0, 3)), int(rng.integers(1, 3))
    size = int(rng.integers((k - 1) * dilation + 1, 12))
    x = rng.normal(size=(c, size, size + 1))
    kernel = rng.normal(size=(c, k, k))
    responses = core.conv2d_per_channel(x, kernel, stride=stride, padding=padding, dilation=dilation)
    expected = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(kernel)[:, None], stride=stride,
                        padding=padding, dilation=dilation, groups=c)[0].numpy()
    assert responses.shape == expected.shape and responses.shape[0] == c
    np.testing.assert_allclose(responses, expected, rtol=1e-10, atol=1e-10)
    # each channel alone, as conv2d computes it: the very same numbers
    for channel in range(c):
        alone = core.conv2d(x[channel:channel + 1], kernel[None, channel:channel + 1], stride=stride,
                            padding=padding, dilation=dilation)[0]
        np.testing.assert_array_equal(responses[channel], alone)
    whole = core.conv2d(x, kernel[None], stride=stride, padding=padding, dilation=dilation)[0]
    np.testing.assert_allclose(responses.sum(axis=0), whole, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("x, kernel, words", [
    (np.zeros((3, 5, 5)), np.zeros((2, 3, 3)), "2 channel"),
    (np.zeros((3, 5, 5)), np.zeros((3, 3, 2)), "square"),
    (np.zeros((5, 5)), np.zeros((1, 3, 3)), "input x"),
    (np.zeros((1, 2, 2)), np.zeros((1, 3, 3)), "does not fit"),
])
def test_per_channel_responses_refuse_mismatched_shapes(x, kernel, words):
    with pytest.raises(ValueError, match=words):
        core.conv2d_per_channel(x, kernel)
