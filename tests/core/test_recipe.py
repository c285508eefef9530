"""The MNIST recipe for a stack of digits gives what mnist_preprocess gives, digit by digit."""

import numpy as np
import pytest

from explainer.core.preprocess import mnist_preprocess
from explainer.core.recipe import mnist_digits
from explainer.core.transforms import TransformSettings, apply_batch
from explainer.io import heldout_digits


def one_by_one(images, **kwargs):
    out = []
    for image in images:
        steps = mnist_preprocess(image, **kwargs)
        out.append(np.zeros((kwargs.get("field", 28),) * 2) if steps is None else steps.digit)
    return np.stack(out)


@pytest.mark.parametrize("settings", [
    TransformSettings(),
    TransformSettings(shift_x=7, shift_y=-3),
    TransformSettings(shift_x=-8, shift_y=8, scale=0.5),
    TransformSettings(rotation=33, scale=0.6),
    TransformSettings(rotation=-60, scale=1.5, thickness=3),
    TransformSettings(thickness=-2),
    TransformSettings(noise=0.3),
    TransformSettings(contrast=0.2),
    TransformSettings(occlusion=(10, 10, 8)),
])
def test_stack_recipe_equals_the_one_digit_recipe(settings):
    images = apply_batch(heldout_digits()[0][:100], settings)
    np.testing.assert_allclose(mnist_digits(images), one_by_one(images), rtol=0, atol=1e-12)


def test_odd_shapes_empty_images_and_other_fields():
    rng = np.random.default_rng(0)
    images = np.zeros((5, 40, 33))
    images[0, 3:30, 10:14] = 1.0  # a tall thin bar
    images[1, 20, 5:30] = 0.7  # a one-pixel-high line
    images[2, 39, 32] = 1.0  # a single pixel in the corner
    images[3] = rng.random((40, 33)) * (rng.random((40, 33)) > 0.9)  # scattered specks
    # images[4] stays empty: all zeros, as mnist_preprocess's None
    np.testing.assert_allclose(mnist_digits(images), one_by_one(images), rtol=0, atol=1e-12)
    assert not mnist_digits(images)[4].any()
    np.testing.assert_allclose(mnist_digits(images, box_side=12, field=16),
                               one_by_one(images, box_side=12, field=16), rtol=0, atol=1e-12)


@pytest.mark.parametrize("images, words", [
    (np.zeros((28, 28)), r"\(N, H, W\)"),
    (np.zeros((0, 28, 28)), "non-empty"),
    (np.full((1, 28, 28), np.nan), "NaN"),
])
def test_bad_stacks_are_refused(images, words):
    with pytest.raises(ValueError, match=words):
        mnist_digits(images)
