"""Output-size formulas against the shapes torch actually produces."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explainer import core


@pytest.mark.parametrize("seed", range(60))
def test_output_size_matches_torch(seed):
    rng = np.random.default_rng(seed)
    while True:
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        s, p, d = int(rng.integers(1, 5)), int(rng.integers(0, 4)), int(rng.integers(1, 4))
        if n + 2 * p >= d * (k - 1) + 1:
            break
    out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d)
    assert core.output_size(n, k, s, p, d) == out.shape[-1]


@pytest.mark.parametrize("seed", range(60))
def test_transposed_output_size_matches_torch(seed):
    rng = np.random.default_rng(500 + seed)
    while True:
        n, k, s = int(rng.integers(1, 20)), int(rng.integers(1, 8)), int(rng.integers(1, 5))
        p, op = int(rng.integers(0, 4)), int(rng.integers(0, s))
        if s * (n - 1) - 2 * p + k + op >= 1:
            break
    out = F.conv_transpose2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p, output_padding=op)
    assert core.transposed_output_size(n, k, s, p, op) == out.shape[-1]


def test_lecture_sizes():
    assert core.output_size(28, 5) == 24  # 28x28 input, 5x5 local receptive fields
    assert core.output_size(5, 3, padding=1) == 5  # the RGB example keeps its size
    assert core.output_size(5, 3) == 3  # the binary example
    assert core.output_size(24, 2, stride=2) == 12  # 2x2 max-pooling
    assert core.transposed_output_size(3, 64, stride=32, padding=16) == 96  # FCN-32s on a 96x96 scene


def test_describe_output_size_writes_the_formula_with_numbers():
    assert core.describe_output_size(28, 5) == "⌊(28 + 2·0 − 1·(5 − 1) − 1) / 1⌋ + 1 = 24"
    # An impossible setting is still described, with its non-positive result.
    assert core.describe_output_size(3, 5).endswith("= −1")


@pytest.mark.parametrize(
    "args, fragment",
    [((0, 3), "input size n must be at least 1"), ((5, 0), "kernel size"), ((5, 3, 0), "stride"),
     ((5, 3, 1, -1), "padding"), ((5, 3, 1, 0, 0), "dilation"), ((3, 5), "does not fit"),
     ((5, 3, 1, 0, 3), "dilation 3")],
)
def test_output_size_rejects_bad_arguments(args, fragment):
    with pytest.raises(ValueError, match=fragment):
        core.output_size(*args)


def test_transposed_output_size_rejects_bad_arguments():
    with pytest.raises(ValueError, match="output_padding"):
        core.transposed_output_size(3, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="crops"):
        core.transposed_output_size(1, 1, padding=1)


def test_format_number():
    assert core.format_number(308.0) == "308"
    assert core.format_number(-25) == "−25"
    assert core.format_number(0.5) == "0.5"
    assert core.format_number(-0.004) == "0"
    assert core.format_number(1.23456, 3) == "1.235"
    assert core.format_number(float("nan")) == "NaN"
