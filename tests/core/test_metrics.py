"""Pixel accuracy, Jaccard/IoU and the lecture's grading scale."""

import numpy as np
import pytest
import torch

from explainer import core


def reference_confusion(pred, gt, n):
    # An independent count with torch, to check ours.
    idx = torch.from_numpy(gt.ravel() * n + pred.ravel())
    return torch.bincount(idx, minlength=n * n).reshape(n, n).numpy()


@pytest.mark.parametrize("seed", range(60))
def test_metrics_match_an_independent_count(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    gt = rng.integers(0, n, size=(int(rng.integers(1, 30)), int(rng.integers(1, 30))))
    pred = np.where(rng.random(gt.shape) < 0.7, gt, rng.integers(0, n, size=gt.shape))
    cm = core.confusion_matrix(pred, gt, n)
    np.testing.assert_array_equal(cm, reference_confusion(pred, gt, n))
    ious = core.iou_per_class(pred, gt, n)
    for c in range(n):
        union = np.logical_or(pred == c, gt == c).sum()
        if union == 0:
            assert np.isnan(ious[c])
        else:
            assert ious[c] == pytest.approx(np.logical_and(pred == c, gt == c).sum() / union)
    present = [ious[c] for c in range(n) if not np.isnan(ious[c])]
    assert core.mean_iou(pred, gt, n) == pytest.approx(np.mean(present))
    assert core.pixel_accuracy(pred, gt) == pytest.approx(np.mean(pred == gt))


def test_known_case_by_hand():
    gt = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    pred = np.array([[0, 1, 1, 1], [0, 0, 1, 2]])
    assert core.confusion_matrix(pred, gt, 3).tolist() == [[3, 1, 0], [0, 3, 1], [0, 0, 0]]
    ious = core.iou_per_class(pred, gt, 3)
    assert ious[0] == pytest.approx(3 / 4)
    assert ious[1] == pytest.approx(3 / 5)
    assert ious[2] == 0.0  # predicted but absent from the truth: present, scored 0
    assert core.iou_per_class(pred, gt, 4)[3] != core.iou_per_class(pred, gt, 4)[3]  # absent from both: NaN
    assert core.mean_iou(pred, gt, 4) == pytest.approx((0.75 + 0.6 + 0.0) / 3)
    assert core.pixel_accuracy(pred, gt) == pytest.approx(6 / 8)


def test_background_dominance_flatters_pixel_accuracy():
    # A thin stroke on a big background: predicting "all background" scores
    # high pixel accuracy but a poor mean IoU -- the lecture's point.
    gt = np.zeros((96, 96), int)
    gt[40:44, 10:80] = 3
    pred = np.zeros_like(gt)
    assert core.pixel_accuracy(pred, gt) > 0.96
    assert core.mean_iou(pred, gt, 11) < 0.5


def test_lecture_iou_grades():
    assert core.grade_iou(0.4034) == "Poor"
    assert core.grade_iou(0.7330) == "Good"
    assert core.grade_iou(0.9264) == "Excellent"
    assert core.grade_iou(0.5) == "Good" and core.grade_iou(0.9) == "Excellent"


def test_box_iou_by_hand_and_graded():
    # The lecture scores boxes; its pictures are not given as numbers, so these are our own.
    truth = (0, 0, 100, 100)
    assert core.box_iou(truth, (0, 0, 100, 100)) == 1.0
    assert core.box_iou(truth, (50, 0, 150, 100)) == pytest.approx(1 / 3)
    assert core.grade_iou(core.box_iou(truth, (50, 0, 150, 100))) == "Poor"
    assert core.grade_iou(core.box_iou(truth, (2, 2, 102, 102))) == "Excellent"
    assert core.box_iou(truth, (200, 200, 300, 300)) == 0.0


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: core.confusion_matrix(np.zeros((2, 2), int), np.zeros((3, 2), int), 2), "same shape"),
        (lambda: core.confusion_matrix(np.array([[5]]), np.array([[0]]), 2), "outside 0..1"),
        (lambda: core.confusion_matrix(np.array([[-1]]), np.array([[0]]), 2), "class -1"),
        (lambda: core.pixel_accuracy(np.array([0.5]), np.array([0])), "whole class numbers"),
        (lambda: core.pixel_accuracy(np.zeros((0,), int), np.zeros((0,), int)), "empty"),
        (lambda: core.iou_per_class(np.zeros(3, int), np.zeros(3, int), 0), "num_classes"),
        (lambda: core.grade_iou(1.5), "between 0 and 1"),
        (lambda: core.box_iou((0, 0, 1), (0, 0, 1, 1)), "x0, y0, x1, y1"),
    ],
)
def test_bad_metric_arguments(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


@pytest.mark.parametrize("seed", range(60))
def test_softmax_matches_torch(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=5, size=int(rng.integers(2, 12)))
    t = float(rng.uniform(0.1, 5))
    expected = torch.softmax(torch.from_numpy(z) / t, dim=0).numpy()
    np.testing.assert_allclose(core.softmax(z, t), expected, rtol=1e-10)
    assert core.softmax(z, t).sum() == pytest.approx(1.0)


def test_softmax_temperature_and_errors():
    z = np.array([2.0, 1.0, 0.0])
    assert core.softmax(z, 0.1)[0] > core.softmax(z, 1)[0] > core.softmax(z, 10)[0]
    assert core.softmax([1000.0, 0.0])[0] == pytest.approx(1.0)  # no overflow
    with pytest.raises(ValueError, match="greater than 0"):
        core.softmax(z, 0)
    with pytest.raises(ValueError, match="1 dimensions"):
        core.softmax(np.ones((2, 2)))


def test_overlap_map():
    gt = np.array([[0, 1, 1, 2]])
    pred = np.array([[1, 1, 0, 1]])
    # px0: predicted 1 where background -> FP; px1: TP; px2: missed -> FN; px3: wrong digit -> FP (and FN)
    assert core.overlap_map(pred, gt).tolist() == [[2, 1, 3, 2]]
    assert core.overlap_map(pred, gt, cls=2).tolist() == [[0, 0, 0, 3]]
    assert core.overlap_map(np.zeros((2, 2), int), np.zeros((2, 2), int)).sum() == 0
