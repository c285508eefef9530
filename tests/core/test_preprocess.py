"""The MNIST recipe and the receptive-field walk."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explainer import core


def test_box_resize_keeps_mean_and_matches_area_interpolation():
    rng = np.random.default_rng(0)
    img = rng.random((60, 40))
    small = core.box_resize(img, 20, 10)  # exact integer factors
    ref = F.interpolate(torch.from_numpy(img)[None, None], size=(20, 10), mode="area")[0, 0].numpy()
    np.testing.assert_allclose(small, ref, atol=1e-12)
    odd = core.box_resize(img, 17, 13)
    assert odd.mean() == pytest.approx(img.mean(), rel=1e-9)


def test_preprocess_crops_scales_and_centres():
    canvas = np.zeros((280, 280))
    canvas[50:230, 120:160] = 1.0  # a tall bar, like a "1", off-centre
    steps = core.mnist_preprocess(canvas)
    assert steps.box == (50, 230, 120, 160)
    assert steps.cropped.shape == (180, 40)
    assert max(steps.scaled.shape) == 20
    assert steps.scaled.shape == (20, 4)  # aspect ratio kept: 40 / 180 * 20 = 4.4 -> 4
    assert steps.digit.shape == (28, 28)
    cy, cx = core.center_of_mass(steps.digit)
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
    assert steps.digit.max() == pytest.approx(1.0)


def test_preprocess_of_empty_canvas_is_none():
    assert core.mnist_preprocess(np.zeros((50, 50))) is None


def test_mnist_like_digit_survives_the_recipe():
    # A digit already in MNIST form keeps its mass and its place.
    digit = np.zeros((28, 28))
    digit[4:24, 10:18] = np.linspace(0.2, 1.0, 8)
    steps = core.mnist_preprocess(digit)
    assert steps.scaled.shape == (20, 8)
    assert abs(core.center_of_mass(steps.digit)[0] - core.center_of_mass(digit)[0]) <= 1.0


def test_looks_inverted():
    paper = np.ones((30, 30))
    paper[10:20, 14:16] = 0.0
    assert core.looks_inverted(paper)
    assert not core.looks_inverted(1.0 - paper)


def lenet_like():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(1, 2, 5), torch.nn.MaxPool2d(2), torch.nn.Conv2d(2, 2, 5),
                               torch.nn.MaxPool2d(2))


@pytest.mark.parametrize("depth, layers", [(1, [(5, 1, 0)]), (2, [(5, 1, 0), (2, 2, 0)]),
                                           (3, [(5, 1, 0), (2, 2, 0), (5, 1, 0)]),
                                           (4, [(5, 1, 0), (2, 2, 0), (5, 1, 0), (2, 2, 0)])])
def test_receptive_field_contains_every_pixel_that_matters(depth, layers):
    # The gradient of a neuron with respect to the input is non-zero only
    # inside its receptive field, and (for random weights and a random input)
    # non-zero at its corners' rows and columns, so the field is tight.
    net = lenet_like()[:depth]
    x = torch.rand(1, 1, 28, 28, requires_grad=True)
    out = net(x)
    for row, col in [(0, 0), (out.shape[2] // 2, out.shape[3] - 1)]:
        x.grad = None
        out[0, 0, row, col].backward(retain_graph=True)
        nonzero = np.argwhere(x.grad[0, 0].numpy() != 0)
        top, bottom, left, right = core.receptive_field(layers, row, col, (28, 28))
        assert nonzero[:, 0].min() >= top and nonzero[:, 0].max() < bottom
        assert nonzero[:, 1].min() >= left and nonzero[:, 1].max() < right
        if depth % 2 == 1:  # ending on a convolution, every pixel of the field counts
            assert (nonzero[:, 0].min(), nonzero[:, 0].max() + 1) == (top, bottom)


def test_receptive_field_with_padding_is_clipped():
    assert core.receptive_field([(3, 1, 1)], 0, 0, (5, 5)) == (0, 2, 0, 2)
    assert core.receptive_field([(3, 1, 1)], 0, 0) == (-1, 2, -1, 2)
    with pytest.raises(ValueError):
        core.receptive_field([(3, 1)], 0, 0)
