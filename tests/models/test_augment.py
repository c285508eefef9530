"""Digit augmentation: affine warps, stroke widths and elastic distortions keep a digit a digit."""

import torch

from explainer.models.augment import (
    augment_digits,
    augment_digits_elastic,
    random_affine,
    random_elastic_affine,
    random_stroke_width,
)

STILL = dict(max_rotate=0.0, scale=(1.0, 1.0), max_shift=0.0, max_shear=0.0)


def digits(n=8):
    x = torch.zeros(n, 1, 28, 28)
    x[:, :, 6:22, 12:16] = 1.0  # a thick "1"
    return x


def test_no_warp_gives_the_digit_back():
    x = digits()
    g = torch.Generator().manual_seed(0)
    assert torch.allclose(random_affine(x, g, **STILL), x, atol=1e-6)
    assert torch.allclose(random_elastic_affine(x, g, alpha=0.0, **STILL), x, atol=1e-6)


def test_elastic_distortion_bends_strokes_locally():
    x = digits(32)
    out = random_elastic_affine(x, torch.Generator().manual_seed(1), p=1.0, **STILL)  # the training strength
    changed = (out - x).abs().flatten(1).amax(1)
    assert (changed > 0.2).all()  # every digit bent
    # A smooth field moves strokes, it does not scatter them: most of the ink stays near the stroke.
    near = torch.zeros_like(x)
    near[:, :, 3:25, 8:20] = 1  # within 4 pixels of the stroke
    assert ((out * near).sum((1, 2, 3)) / out.sum((1, 2, 3)) > 0.9).all()
    none = random_elastic_affine(x, torch.Generator().manual_seed(1), alpha=60.0, p=0.0, **STILL)
    assert torch.allclose(none, x, atol=1e-6)  # p = 0: no digit is distorted


def test_stroke_width_and_full_pipelines_stay_in_range():
    x = digits(64)
    g = torch.Generator().manual_seed(2)
    widths = random_stroke_width(x, g, p=1.0).sum((1, 2, 3))
    assert (widths > x.sum((1, 2, 3))).any() and (widths < x.sum((1, 2, 3))).any()  # thicker and thinner
    for augment in (augment_digits, augment_digits_elastic):
        out = augment(x, g)
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1.0 + 1e-6
        assert (out.sum((1, 2, 3)) > 0.4 * x.sum((1, 2, 3))).all()  # the digit is still there
