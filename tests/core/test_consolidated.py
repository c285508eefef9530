"""The teaching math that used to be copied into lessons and training code, now once in core."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explainer import core


@pytest.mark.parametrize("k, stride, dilation", [(3, 1, 1), (2, 2, 1), (3, 2, 2), (2, 3, 1), (5, 1, 1)])
def test_outputs_reading_is_the_inverse_of_window_cells(k, stride, dilation):
    n = 9
    out = core.output_size_unchecked(n, k, stride, 0, dilation)
    assert out >= 1
    windows = {(r, c): set(core.window_cells(r, c, k, stride, dilation)) for r in range(out) for c in range(out)}
    checked = 0
    for row in range(n):
        for col in range(n):
            expected = sorted(cell for cell, cells in windows.items() if (row, col) in cells)
            assert core.outputs_reading(row, col, (out, out), k, stride, dilation) == expected
            checked += 1
    assert checked == n * n


@pytest.mark.parametrize("shape, k, stride, dilation", [((8, 8), 2, 2, 1), ((8, 8), 3, 2, 1), ((7, 9), 2, 3, 1),
                                                         ((9, 9), 3, 1, 2), ((5, 5), 5, 1, 1)])
def test_window_coverage_counts_every_window(shape, k, stride, dilation):
    counts = core.window_coverage(shape, k, stride, dilation)
    out_h = core.output_size_unchecked(shape[0], k, stride, 0, dilation)
    out_w = core.output_size_unchecked(shape[1], k, stride, 0, dilation)
    expected = np.zeros(shape, int)
    for r in range(out_h):
        for c in range(out_w):
            for cell in core.window_cells(r, c, k, stride, dilation):
                expected[cell] += 1
    np.testing.assert_array_equal(counts, expected)
    assert counts.sum() == out_h * out_w * k * k


def test_window_coverage_matches_torch_unfold():
    # unfold's column count per input position is the coverage.
    patches = F.unfold(torch.ones(1, 1, 11, 11), 3, dilation=1, stride=2)
    folded = F.fold(patches, (11, 11), 3, stride=2)[0, 0].numpy()
    np.testing.assert_array_equal(core.window_coverage((11, 11), 3, 2), folded.astype(int))


@pytest.mark.parametrize("seed", range(6))
def test_scores_from_confusion_match_per_map_functions(seed):
    rng = np.random.default_rng(seed)
    pred, gt = rng.integers(0, 5, (20, 20)), rng.integers(0, 5, (20, 20))
    pred[pred == 4] = 3  # class 4 only in the truth
    scores = core.scores_from_confusion(core.confusion_matrix(pred, gt, 6))
    np.testing.assert_allclose(scores["iou"], core.iou_per_class(pred, gt, 6), equal_nan=True)
    assert np.isnan(scores["iou"][5])  # in neither map
    assert scores["pixel_accuracy"] == pytest.approx(core.pixel_accuracy(pred, gt))
    assert scores["miou"] == pytest.approx(np.nanmean(scores["iou"]))


def test_scores_from_a_summed_confusion_matrix_pool_pixels():
    a = core.confusion_matrix(np.array([[1, 1]]), np.array([[1, 0]]), 2)
    b = core.confusion_matrix(np.array([[0, 0]]), np.array([[0, 0]]), 2)
    scores = core.scores_from_confusion(a + b)
    assert scores["pixel_accuracy"] == pytest.approx(3 / 4)
    assert scores["iou"].tolist() == pytest.approx([2 / 3, 1 / 2])


def test_error_split_and_places_agree():
    truth = np.zeros((8, 8), int)
    truth[2:6, 2:6] = 3
    pred = truth.copy()
    pred[2, 2] = 0       # wrong at a boundary
    pred[3:5, 3:5] = 7   # wrong digit, inside
    pred[7, 0] = 1       # invented away from boundaries
    split = core.error_split(pred, truth)
    places = core.error_places(pred, truth)
    assert split == {"wrong": 6, "boundary": 1, "wrong digit": 4, "other": 1, "pixels": 64}
    assert int((places == 2).sum()) == split["boundary"]
    assert int((places == 3).sum()) == split["wrong digit"] + split["other"]
    assert int((places >= 1).sum() - (places == 3).sum()) == int(core.boundary_band(truth).sum())


@pytest.mark.parametrize("n, k, stride, padding", [(3, 3, 2, 0), (3, 4, 2, 1), (4, 3, 1, 0), (2, 5, 3, 2)])
def test_transposed_stamps_all_placed_equal_torch(n, k, stride, padding):
    rng = np.random.default_rng(n * 10 + k)
    x, w = rng.normal(size=(n, n)), rng.normal(size=(k, k))
    partial, counts = core.transposed_stamps(x, w, stride=stride, padding=padding)
    expected = F.conv_transpose2d(torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None], stride=stride,
                                  padding=padding)[0, 0].numpy()
    np.testing.assert_allclose(partial, expected, atol=1e-12)
    ones = F.conv_transpose2d(torch.ones(1, 1, n, n, dtype=torch.float64),
                              torch.ones(1, 1, k, k, dtype=torch.float64), stride=stride, padding=padding)[0, 0]
    np.testing.assert_array_equal(counts, ones.numpy().astype(int))


def test_transposed_stamps_step_by_step_adds_one_stamp():
    x, w = np.arange(1.0, 10.0).reshape(3, 3), np.ones((3, 3))
    before, _ = core.transposed_stamps(x, w, steps=4, stride=2)
    after, counts = core.transposed_stamps(x, w, steps=5, stride=2)
    stamp, top, left = core.transposed_stamp(x, w, 1, 1, stride=2)
    diff = after - before
    np.testing.assert_array_equal(diff[top : top + 3, left : left + 3], stamp)
    assert diff.sum() == stamp.sum()
    assert counts.max() == 4 and counts.min() == 0  # kernel 3, stride 2: shared corners, cells no stamp reached yet


@pytest.mark.parametrize("temperature", [0.1, 1.0, 3.7])
def test_softmax_parts_match_torch(temperature):
    z = np.array([2.0, -1.0, 0.5, 7.0])
    parts = core.softmax_parts(z, temperature)
    expected = torch.softmax(torch.from_numpy(z) / temperature, 0).numpy()
    np.testing.assert_allclose(parts.probabilities, expected, rtol=1e-12)
    np.testing.assert_allclose(parts.exps / parts.total, expected, rtol=1e-12)
    assert parts.shift == pytest.approx(7.0 / temperature)
