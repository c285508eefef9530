"""Evaluating a segmentation: pixel accuracy and the Jaccard index (IoU).

The lecture's two measures::

    acc(P, GT)            = |pixels correctly predicted| / |total nb of pixels|
    jacc(P(c), GT(c))     = |P(c) ∩ GT(c)| / |P(c) ∪ GT(c)|

and its scale for IoU: Poor below 0.5, Good from 0.5, Excellent from 0.9.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int

IOU_GRADES = (("Poor", 0.0), ("Good", 0.5), ("Excellent", 0.9))


def _check_label_maps(pred, gt, num_classes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    pred = np.asarray(pred)
    gt = np.asarray(gt)
    if pred.shape != gt.shape:
        raise ValueError(f"prediction and ground truth must have the same shape, got {pred.shape} and {gt.shape}")
    if pred.size == 0:
        raise ValueError("prediction and ground truth are empty: there are no pixels to compare")
    for name, arr in (("prediction", pred), ("ground truth", gt)):
        if not np.issubdtype(arr.dtype, np.integer):
            if not np.issubdtype(arr.dtype, np.floating) or not np.all(arr == np.round(arr)):
                raise ValueError(f"{name} must hold whole class numbers, got dtype {arr.dtype}")
        if num_classes is not None and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(
                f"{name} holds class {int(arr.min()) if arr.min() < 0 else int(arr.max())}, "
                f"outside 0..{num_classes - 1} for {num_classes} classes"
            )
    return pred.astype(np.int64), gt.astype(np.int64)


def confusion_matrix(pred, gt, num_classes: int) -> np.ndarray:
    """Count pixels by (true class, predicted class).

    Parameters
    ----------
    pred, gt : ndarray of int, same shape
        Predicted and true class of every pixel, in ``0 .. num_classes - 1``.
    num_classes : int

    Returns
    -------
    ndarray of int64, shape (num_classes, num_classes)
        ``cm[t, p]`` is the number of pixels of true class t predicted as p.
        The diagonal holds the correct pixels.
    """
    num_classes = check_int("num_classes", num_classes, 1)
    pred, gt = _check_label_maps(pred, gt, num_classes)
    flat = gt.ravel() * num_classes + pred.ravel()
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def scores_from_confusion(cm) -> dict:
    """Every segmentation score from one confusion matrix.

    Parameters
    ----------
    cm : ndarray of int, shape (C, C)
        ``cm[t, p]``: pixels of true class t predicted as p (see :func:`confusion_matrix`),
        possibly summed over many images.

    Returns
    -------
    dict
        ``iou``: ndarray (C,) float64, ``|P(c) ∩ GT(c)| / |P(c) ∪ GT(c)|`` per class, NaN for a
        class in neither map (0 / 0: nothing to score); ``miou``: mean over the classes present
        (NaN if none); ``pixel_accuracy``: correct pixels over all pixels (NaN for no pixels).

    >>> s = scores_from_confusion([[3, 1], [0, 4]])
    >>> s["iou"].round(3).tolist(), s["pixel_accuracy"]
    ([0.75, 0.8], 0.875)
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"a confusion matrix is square (C, C), got shape {cm.shape}")
    intersection = np.diag(cm).astype(np.float64)
    union = cm.sum(axis=0) + cm.sum(axis=1) - np.diag(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, intersection / np.maximum(union, 1), np.nan)
    total = cm.sum()
    present = ~np.isnan(iou)
    return {"iou": iou, "miou": float(iou[present].mean()) if present.any() else float("nan"),
            "pixel_accuracy": float(intersection.sum() / total) if total else float("nan")}


def iou_per_class(pred, gt, num_classes: int) -> np.ndarray:
    """Jaccard index (intersection over union) of every class.

    Returns
    -------
    ndarray of float64, shape (num_classes,)
        ``|P(c) ∩ GT(c)| / |P(c) ∪ GT(c)|``; NaN for a class that appears in
        neither map (0 / 0: nothing to score).
    """
    return scores_from_confusion(confusion_matrix(pred, gt, num_classes))["iou"]


def mean_iou(pred, gt, num_classes: int) -> float:
    """Mean of :func:`iou_per_class` over the classes present in either map."""
    return scores_from_confusion(confusion_matrix(pred, gt, num_classes))["miou"]


def pixel_accuracy(pred, gt) -> float:
    """Fraction of pixels whose predicted class equals the true class."""
    pred, gt = _check_label_maps(pred, gt)
    return float(np.mean(pred == gt))


def boundary_band(target) -> np.ndarray:
    """Pixels within one pixel of a change of label (8-neighbourhood): where coarse predictions go wrong.

    Parameters
    ----------
    target : ndarray of int, shape (H, W)

    Returns
    -------
    ndarray of bool, shape (H, W)

    >>> boundary_band(np.array([[0, 0, 0, 0], [0, 0, 0, 1]])).astype(int).tolist()
    [[0, 0, 1, 1], [0, 0, 1, 1]]
    """
    t = np.asarray(target)
    if t.ndim != 2:
        raise ValueError(f"a label map is 2-D (H, W), got shape {t.shape}")
    padded = np.pad(t, 1, mode="edge")
    edge = np.zeros(t.shape, bool)
    h, w = t.shape
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                edge |= padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] != t
    return edge


def error_split(pred, target) -> dict[str, int]:
    """Where the wrong pixels are.

    Returns
    -------
    dict of int
        ``wrong`` pixels split into ``boundary`` (in the :func:`boundary_band` of the truth),
        ``wrong digit`` (both maps say "object" but a different class) and ``other`` (an
        object missed or invented away from any boundary); ``pixels`` is the total.
    """
    pred, target = _check_label_maps(pred, target)
    wrong = pred != target
    boundary = wrong & boundary_band(target)
    swapped = wrong & ~boundary & (pred > 0) & (target > 0)
    return {"wrong": int(wrong.sum()), "boundary": int(boundary.sum()), "wrong digit": int(swapped.sum()),
            "other": int((wrong & ~boundary & ~swapped).sum()), "pixels": int(pred.size)}


def error_places(pred, target) -> np.ndarray:
    """The error split as a picture.

    Returns
    -------
    ndarray of int8, shape (H, W)
        0 elsewhere, 1 boundary band of the truth (prediction right), 2 wrong at a boundary,
        3 wrong elsewhere.
    """
    pred, target = _check_label_maps(pred, target)
    band = boundary_band(target)
    wrong = pred != target
    out = np.zeros(pred.shape, np.int8)
    out[band] = 1
    out[wrong & band] = 2
    out[wrong & ~band] = 3
    return out


def grade_iou(score: float) -> str:
    """The lecture's verdict on an IoU: ``"Poor"``, ``"Good"`` or ``"Excellent"``.

    >>> grade_iou(0.4034), grade_iou(0.7330), grade_iou(0.9264)
    ('Poor', 'Good', 'Excellent')
    """
    score = float(score)
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"an IoU lies between 0 and 1, got {score}")
    grade = IOU_GRADES[0][0]
    for name, threshold in IOU_GRADES:
        if score >= threshold:
            grade = name
    return grade


def box_iou(a, b) -> float:
    """IoU of two axis-aligned boxes ``(x0, y0, x1, y1)``, corners exclusive.

    The lecture's pictures score a predicted box against a true box this way.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    for name, box in (("first box", a), ("second box", b)):
        if box.shape != (4,) or box[2] < box[0] or box[3] < box[1]:
            raise ValueError(f"{name} must be (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1, got {box.tolist()}")
    inter_w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    if union <= 0:
        raise ValueError("both boxes are empty: their IoU is undefined")
    return float(inter / union)


def overlap_map(pred, gt, cls: int | None = None) -> np.ndarray:
    """Per-pixel agreement of a prediction with the truth, as the lecture's overlap picture.

    Parameters
    ----------
    pred, gt : ndarray of int, same shape
    cls : int, optional
        Score one class only; by default every non-background class (label > 0) counts.

    Returns
    -------
    ndarray of int8, same shape
        0 = true negative (background in both), 1 = true positive (right class),
        2 = false positive (predicted there, not true), 3 = false negative
        (true there, missed or given another class).
    """
    pred, gt = _check_label_maps(pred, gt)
    if cls is None:
        tp = (pred == gt) & (gt > 0)
        fp = (pred > 0) & (pred != gt)
        fn = (gt > 0) & (pred != gt)
    else:
        tp = (pred == cls) & (gt == cls)
        fp = (pred == cls) & (gt != cls)
        fn = (gt == cls) & (pred != cls)
    out = np.zeros(pred.shape, np.int8)
    out[tp] = 1
    out[fp] = 2
    out[fn & ~fp] = 3
    return out
