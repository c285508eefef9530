"""The invariance lab's transforms, against Pillow's own resampling and exact references."""

import math

import numpy as np
import pytest
from PIL import Image

from explainer.core import transforms as T
from explainer.core.transforms import RANGES, TransformSettings


def picture(h=21, w=25, seed=1, border=2):
    """Random values with a black border (Pillow repeats edge pixels where we read black; a border makes both 0)."""
    image = np.random.default_rng(seed).random((h, w))
    image[:border], image[-border:], image[:, :border], image[:, -border:] = 0, 0, 0, 0
    return image


def pillow_affine(image, data):
    """Pillow's bilinear affine resampling of a float image; ``data`` maps output to input in Pillow coordinates."""
    out = Image.fromarray(image.astype(np.float32), "F").transform(image.shape[::-1], Image.AFFINE, data,
                                                                   resample=Image.BILINEAR)
    return np.asarray(out)


def rolled(image, dx, dy):
    """np.roll, with the pixels that wrap round set to black instead."""
    out = np.roll(image, (dy, dx), axis=(0, 1))
    if dy > 0:
        out[:dy] = 0
    elif dy < 0:
        out[dy:] = 0
    if dx > 0:
        out[:, :dx] = 0
    elif dx < 0:
        out[:, dx:] = 0
    return out


@pytest.mark.parametrize("degrees", [0.0, 7.5, -13.7, 45.0, -60.0, 90.0, 123.0])
def test_rotation_matches_pillows_rotate(degrees):
    image = picture()
    theirs = np.asarray(Image.fromarray(image.astype(np.float32), "F").rotate(degrees, resample=Image.BILINEAR))
    np.testing.assert_allclose(T.rotate(image, degrees), theirs, atol=1e-6)


@pytest.mark.parametrize("dx, dy", [(2.3, -1.6), (-0.5, 0.25), (7.9, 3.1)])
def test_fractional_shift_matches_pillow(dx, dy):
    image = picture()
    np.testing.assert_allclose(T.shift(image, dx, dy), pillow_affine(image, (1, 0, -dx, 0, 1, -dy)), atol=1e-6)


@pytest.mark.parametrize("factor", [0.5, 0.8, 1.3, 1.5])
def test_scale_matches_pillow(factor):
    image = picture()
    h, w = image.shape
    cx, cy = w / 2, h / 2  # Pillow's image centre (its pixel centres sit at i + 0.5)
    data = (1 / factor, 0, cx - cx / factor, 0, 1 / factor, cy - cy / factor)
    np.testing.assert_allclose(T.scale(image, factor), pillow_affine(image, data), atol=1e-6)


def test_combined_affine_matches_pillow_and_is_one_resampling():
    image = picture(27, 27)
    dx, dy, degrees, factor = 3.25, -2.5, 25.0, 1.2
    h, w = image.shape
    cx, cy = w / 2, h / 2
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    # Output → input: centre + R(−θ) (out − centre − shift) / factor, written in Pillow's coordinates.
    a, b, d, e = c / factor, -s / factor, s / factor, c / factor
    data = (a, b, cx - a * (cx + dx) - b * (cy + dy), d, e, cy - d * (cx + dx) - e * (cy + dy))
    ours = T.affine(image, dx, dy, degrees, factor)
    np.testing.assert_allclose(ours, pillow_affine(image, data), atol=1e-6)
    # Three resamplings in a row blur more than one: the single map is not their composition.
    chained = T.shift(T.rotate(T.scale(image, factor), degrees), dx, dy)
    assert np.abs(chained - ours).max() > 1e-3


@pytest.mark.parametrize("dx, dy", [(3, 0), (0, -5), (-8, 8), (2, 7), (30, 0)])
def test_whole_pixel_shifts_are_exact(dx, dy):
    image = picture(border=0)
    expected = rolled(image, dx, dy) if abs(dx) < image.shape[1] else np.zeros_like(image)  # all shifted away
    assert np.array_equal(T.shift(image, dx, dy), expected.astype(np.float32))


def test_quarter_turn_of_an_odd_square_is_exact():
    image = picture(21, 21, border=0)
    assert np.array_equal(T.rotate(image, 90), np.rot90(image).astype(np.float32))
    assert np.array_equal(T.rotate(image, -90), np.rot90(image, -1).astype(np.float32))
    assert np.array_equal(T.rotate(image, 180), np.rot90(image, 2).astype(np.float32))


def test_identity_is_exact_for_grey_and_colour():
    for image in (picture(border=0), np.random.default_rng(3).random((9, 11, 3))):
        expected = image.astype(np.float32)
        assert np.array_equal(T.apply(image, TransformSettings()), expected)
        assert np.array_equal(T.affine(image, 0, 0, 0, 1), expected)
        assert np.array_equal(T.thicken(image, 0), expected)
        assert np.array_equal(T.adjust_contrast(image, 1), expected)
        assert np.array_equal(T.add_noise(image, 0), expected)
        assert T.apply(image, TransformSettings()).dtype == np.float32
    assert TransformSettings().is_identity()
    assert not TransformSettings(scale=1.1).is_identity()
    assert not TransformSettings(occlusion=(1, 1, 3)).is_identity()


def test_colour_channels_move_together():
    image = np.random.default_rng(4).random((15, 15, 3))
    out = T.affine(image, 1.5, -2, 30, 0.9)
    assert out.shape == image.shape
    for channel in range(3):
        np.testing.assert_array_equal(out[..., channel], T.affine(image[..., channel], 1.5, -2, 30, 0.9))


def test_thickness_is_repeated_3x3_max_and_min():
    image = np.zeros((11, 11))
    image[5, 5] = 1.0
    # One dilation grows a dot into 3×3, two into 5×5; erosion takes them back.
    assert T.thicken(image, 1).sum() == 9 and T.thicken(image, 2).sum() == 25
    np.testing.assert_array_equal(T.thicken(T.thicken(image, 2), -2), image)
    assert T.thicken(image, -1).sum() == 0
    # Grey values: each pixel becomes the maximum of its 3×3 neighbourhood.
    grey = np.random.default_rng(5).random((8, 9))
    padded = np.pad(grey, 1, constant_values=-1)
    expected = np.max([padded[r : r + 8, c : c + 9] for r in range(3) for c in range(3)], axis=0)
    np.testing.assert_allclose(T.thicken(grey, 1), expected, rtol=1e-6)


def test_contrast_noise_and_occlusion_follow_their_rules():
    image = np.linspace(0, 1, 30).reshape(5, 6)
    np.testing.assert_allclose(T.adjust_contrast(image, 0.4), 0.5 + 0.4 * (image - 0.5), atol=1e-7)
    np.testing.assert_allclose(T.adjust_contrast(image, 2.0), np.clip(0.5 + 2 * (image - 0.5), 0, 1), atol=1e-7)
    noisy = T.add_noise(np.full((64, 64), 0.5), 0.1, seed=7)
    assert abs(noisy.std() - 0.1) < 0.01 and np.array_equal(noisy, T.add_noise(np.full((64, 64), 0.5), 0.1, seed=7))
    assert not np.array_equal(noisy, T.add_noise(np.full((64, 64), 0.5), 0.1, seed=8))
    covered = T.occlude(np.zeros((10, 10)), 2, 3, 4)
    assert np.array_equal(np.argwhere(covered == 0.5).min(0), [2, 3]) and (covered == 0.5).sum() == 16
    assert (T.occlude(np.zeros((10, 10)), -2, 8, 4) == 0.5).sum() == 2 * 2  # only the part inside the image
    assert (T.occlude(np.zeros((10, 10)), 40, 40, 4) == 0.5).sum() == 0


def test_apply_order_and_batch_agree_with_single_images():
    images = np.random.default_rng(6).random((4, 16, 16))
    settings = TransformSettings(shift_x=1.5, rotation=-20, scale=1.1, thickness=1, contrast=1.5, occlusion=(3, 3, 4))
    batch = T.apply_batch(images, settings)
    for image, out in zip(images, batch):
        step = T.adjust_contrast(T.affine(T.thicken(image, 1), 1.5, 0, -20, 1.1), 1.5)
        np.testing.assert_allclose(out, T.occlude(step, 3, 3, 4), atol=1e-6)
        np.testing.assert_array_equal(out, T.apply(image, settings))


@pytest.mark.parametrize("settings, words", [
    (TransformSettings(shift_x=9), "horizontal shift"),
    (TransformSettings(shift_y=-8.5), "vertical shift"),
    (TransformSettings(rotation=61), "rotation"),
    (TransformSettings(scale=0.4), "scale"),
    (TransformSettings(thickness=4), "thickness"),
    (TransformSettings(thickness=1.5), "whole number"),
    (TransformSettings(noise=-0.1), "noise"),
    (TransformSettings(contrast=2.5), "contrast"),
    (TransformSettings(rotation=float("nan")), "finite"),
    (TransformSettings(scale="big"), "must be a number"),
    (TransformSettings(occlusion=(1, 2)), "three numbers"),
    (TransformSettings(occlusion=(1, 2, 0)), "side"),
    (TransformSettings(occlusion=(1, float("inf"), 3)), "finite"),
])
def test_settings_out_of_range_are_refused_with_a_sentence(settings, words):
    with pytest.raises(ValueError, match=words):
        settings.check()
    with pytest.raises(ValueError, match=words):
        T.apply(np.zeros((8, 8)), settings)


@pytest.mark.parametrize("call, words", [
    (lambda: T.shift(np.zeros((4, 4, 2)), 1, 1), "shape"),
    (lambda: T.shift(np.full((4, 4), np.nan), 1, 1), "NaN"),
    (lambda: T.rotate(np.zeros((0, 4)), 10), "empty"),
    (lambda: T.scale(np.zeros((4, 4)), 0), "above 0"),
    (lambda: T.thicken(np.zeros((4, 4)), 0.5), "whole number"),
    (lambda: T.add_noise(np.zeros((4, 4)), 2), "noise"),
    (lambda: T.apply(np.zeros((4, 4)), {"scale": 1}), "TransformSettings"),
    (lambda: T.apply_batch(np.zeros((4, 4)), TransformSettings()), r"\(N, H, W\)"),
])
def test_bad_input_is_refused_with_a_sentence(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_ranges_are_the_sliders_of_the_issue():
    assert RANGES["shift_x"] == RANGES["shift_y"] == (-8, 8)
    assert RANGES["rotation"] == (-60, 60) and RANGES["scale"] == (0.5, 1.5)
    for name, (low, high) in RANGES.items():
        assert low < high
        TransformSettings(**{name: int(low) if name == "thickness" else low}).check()
        TransformSettings(**{name: int(high) if name == "thickness" else high}).check()
