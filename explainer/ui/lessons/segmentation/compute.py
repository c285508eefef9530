"""The segmentation lesson's background work: no Qt here, arrays in and arrays out.

Everything runs in worker threads. The scores come from :mod:`explainer.core`
(one confusion matrix per variant gives IoU, mean IoU and pixel accuracy).

What keeps the lesson live on every stroke (``benchmarks/segmentation_latency.py``):
the FCNs run as fused, channels-last inference copies; where the three share
their trunk up to pool4 (the bundled ones do: FCN-16s and 32s were trained on
FCN-8s's trunk), it is computed once and the three heads run in parallel on a
small thread pool (otherwise the three whole networks do); labels are read with ``max(0)``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from ....io import heldout_digits, load_image, to_grayscale
from ....core import (
    box_resize,
    confusion_matrix,
    error_places,
    error_split,
    looks_inverted,
    overlap_map,
    scores_from_confusion,
)
from ....data.scenes import NUM_CLASSES, SCENE_SIDE
from ....models import inference_copy, load_model
from ....models.fcn import BACKBONE, VARIANTS

class SceneInput(NamedTuple):
    """What one segmentation request was asked about (it travels with the request as its context).

    image : ndarray (96, 96) float32 in [0, 1]
        The scene with the strokes drawn on it.
    truth : ndarray (96, 96) int64 in 0..10, or None
        Its ground truth (each stroke's class where the stroke is at least 0.5 bright), None for a picture.
    """

    image: np.ndarray
    truth: np.ndarray | None


#: How the lesson names the variants.
TITLES = {"fcn32s": "FCN-32s", "fcn16s": "FCN-16s", "fcn8s": "FCN-8s"}

#: Threads that run the three variants at once (one torch thread each, so they share the cores).
_VARIANT_POOL = ThreadPoolExecutor(max_workers=len(VARIANTS), thread_name_prefix="fcn-variant")


def load_fcns() -> dict:
    """The bundled FCNs and what the lesson needs with them.

    Returns
    -------
    dict
        ``live``: the three variants as fused copies (:func:`~explainer.models.inference_copy`),
        run on every stroke and read by the upsampling path; ``models``: the same dict (one copy
        of each network is kept: the trained modules, batch norms and all, are read once here for
        the architecture strip and dropped); ``digits`` (N, 28, 28) float32 and ``labels`` (N,):
        held-out MNIST digits for random scenes; ``layout``: the architecture strip's boxes and
        lanes (:func:`fcn_layout`). Where the variants hold the same backbone weights, their copies
        share one backbone module (:func:`shared_backbone` finds it).
    """
    live = {}
    trained = {variant: load_model(variant) for variant in VARIANTS}
    layout = fcn_layout(trained)
    shared = all(model.shares_backbone(trained["fcn8s"]) for model in trained.values())
    for variant in VARIANTS:
        live[variant] = inference_copy(trained.pop(variant))  # the trained module goes as its copy is made
    if shared:
        for model in live.values():
            for name in BACKBONE:
                setattr(model, name, getattr(live["fcn8s"], name))
    digits, labels = heldout_digits()
    return {"models": live, "live": live, "digits": digits, "labels": labels, "layout": layout}


def shared_backbone(models: dict):
    """The one module whose backbone every model in ``models`` uses (the same module objects), or None."""
    first = next(iter(models.values()), None)
    if first is None or len(models) < 2:
        return None
    for model in models.values():
        if not all(getattr(model, name, None) is getattr(first, name, None) is not None for name in BACKBONE):
            return None
    return first


def segment_one(model, x, truth: np.ndarray | None, features: tuple | None = None) -> dict:
    """One FCN on a (1, 1, H, W) tensor: its label map and, given the truth, every score.

    With ``features`` (what its backbone gives for ``x``, :meth:`~explainer.models.fcn.FCN.features`)
    only the model's head runs.
    """
    import torch

    with torch.inference_mode():
        scores = model(x) if features is None else model.head(*features)
        # max(0).indices: the same labels as argmax(0), which is 6× slower on CPU for this layout.
        pred = scores[0].max(0).indices.numpy()
    entry = {"pred": pred}
    if truth is not None:
        entry.update(scores_from_confusion(confusion_matrix(pred, truth, NUM_CLASSES)))
        entry.update(overlap=overlap_map(pred, truth), errors=error_split(pred, truth))
    return entry


def segment(models: dict, image: np.ndarray, truth: np.ndarray | None) -> dict:
    """Run every FCN on a (96, 96) image, the variants in parallel.

    Returns
    -------
    dict
        ``variants``: per variant its ``pred`` (H, W) labels and, given the truth, ``iou`` (11,),
        ``miou``, ``pixel_accuracy``, ``overlap`` codes and the ``errors`` split. Given the truth
        also ``errors_map`` (FCN-8s's :func:`~explainer.core.error_places`), ``background_share``
        (fraction of background pixels) and ``all_background_miou`` (the mean IoU of a network
        that answers "background" everywhere).
    """
    import torch

    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))[None, None]
    x = x.contiguous(memory_format=torch.channels_last)
    backbone, features = shared_backbone(models), None
    if backbone is not None:
        with torch.inference_mode():
            features = backbone.features(x)
    futures = {name: _VARIANT_POOL.submit(segment_one, model, x, truth, features) for name, model in models.items()}
    out = {"variants": {name: future.result() for name, future in futures.items()}}
    if truth is not None:
        if "fcn8s" in out["variants"]:
            out["errors_map"] = error_places(out["variants"]["fcn8s"]["pred"], truth)
        out["background_share"] = float((truth == 0).mean())
        everywhere_background = scores_from_confusion(confusion_matrix(np.zeros_like(truth), truth, NUM_CLASSES))
        out["all_background_miou"] = everywhere_background["miou"]
    return out


def picture_to_scene(path: str) -> np.ndarray:
    """Any picture as a (96, 96) float32 white-on-black scene in [0, 1] (dark ink on paper is inverted)."""
    grey = to_grayscale(load_image(path, max_side=1024))
    if looks_inverted(grey):
        grey = 1.0 - grey
    h, w = grey.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = grey[top : top + side, left : left + side]
    return np.clip(box_resize(square, SCENE_SIDE, SCENE_SIDE), 0, 1).astype(np.float32)


def _shape_text(shape) -> str:
    return "×".join(str(int(n)) for n in shape[1:])


def fcn_layout(models: dict) -> dict:
    """What the architecture strip draws, read from the models themselves.

    Returns
    -------
    dict
        ``boxes``: list of (title, text, kind) for the input, the five pools and the head
        (kind "input", "down" or "head"); ``lanes``: list of (variant title, steps, result)
        where each step is (box index, text) and ``result`` the output size; ``note``: the
        explanation under the lanes, with the model's numbers.
    """
    import torch

    from ....models.summary import summarize

    backbone = models["fcn8s"]
    shapes: dict[str, tuple] = {}
    for row in summarize(backbone, (1, 1, SCENE_SIDE, SCENE_SIDE)):
        shapes[row.name.split(".")[0]] = row.output_shape  # the last output of each top-level block
    boxes = [("input", f"1×{SCENE_SIDE}×{SCENE_SIDE}", "input")]
    stage = 1
    while f"stage{stage}" in shapes:
        shape = shapes[f"stage{stage}"]
        boxes.append((f"pool{stage}", f"{_shape_text(shape)}\nstride {SCENE_SIDE // shape[2]}", "down"))
        stage += 1
    fc6 = backbone.fc6[0].kernel_size[0]
    fc7 = backbone.fc7[0].kernel_size[0]
    score_k = backbone.score_fr.kernel_size[0]
    for key, title in (("fc6", f"fc6: FC → {fc6}×{fc6} conv"), ("fc7", f"fc7: FC → {fc7}×{fc7} conv"),
                       ("score_fr", f"score: {score_k}×{score_k} conv")):
        boxes.append((title, _shape_text(shapes[key]), "head"))
    where = {title: i for i, (title, _, _) in enumerate(boxes)}
    score = len(boxes) - 1

    def up(layer) -> tuple[int, int]:
        return layer.stride[0], layer.kernel_size[0]

    def side(layer) -> str:
        k = layer.kernel_size[0]
        return f"{k}×{k} conv"

    lanes = []
    for variant, model in models.items():
        with torch.inference_mode():
            out_shape = tuple(model(torch.zeros(1, 1, SCENE_SIDE, SCENE_SIDE)).shape)
        result = f"→ {out_shape[2]}×{out_shape[3]}×{out_shape[1]} scores"
        if variant == "fcn32s":
            s, k = up(model.upscore32)
            steps = [(score, f"score ×{s} (one transposed conv, kernel {k})")]
        elif variant == "fcn16s":
            s, k = up(model.upscore16)
            steps = [(score, f"score ×{up(model.upscore2)[0]}"),
                     (where["pool4"], f"+ pool4 score ({side(model.score_pool4)})"),
                     (where["pool4"], f"→ ×{s} (kernel {k})")]
        else:
            s, k = up(model.upscore8)
            steps = [(score, f"score ×{up(model.upscore2)[0]}"),
                     (where["pool4"], f"+ pool4 score, ×{up(model.upscore_pool4)[0]}"),
                     (where["pool3"], f"+ pool3 score ({side(model.score_pool3)})"),
                     (where["pool3"], f"→ ×{s} (kernel {k})")]
        lanes.append((TITLES.get(variant, variant), steps, result))
    last = shapes[f"stage{stage - 1}"]
    stride = SCENE_SIDE // last[2]
    note = (f"Downsampling path (what): {stage - 1} stages halve the resolution down to {last[2]}×{last[3]} at "
            f"stride {stride}. The classifier's fully connected layers become convolutions, so the net works on "
            f"any input whose sides are multiples of {stride}. Upsampling path (where): transposed convolutions "
            "start as bilinear interpolation and are trained; fusing finer pool4/pool3 scores lets 16s and 8s "
            "place boundaries more precisely than 32s.")
    if all(model.shares_backbone(backbone) for model in models.values()):
        note += (" The three share the backbone up to pool4 (trained with FCN-8s; the 16s and 32s were trained "
                 "on it unchanged), so their pool3 and pool4 features are the same.")
    return {"boxes": boxes, "lanes": lanes, "note": note}


#: The columns of the upsampling picture, left to right: from the input to scores the size of the input.
UPSAMPLING_COLUMNS = ("input", "scores at stride 32", "×2: stride 16", "+ pool4 scores", "×2: stride 8",
                      "+ pool3 scores", "upsampled to 96×96")


def upsampling_stages(models: dict, image: np.ndarray) -> dict:
    """Each variant's class map at every step of its upsampling path, for a (96, 96) scene.

    The scores are read from the modules step by step, as ``FCN.forward`` computes them
    (the lesson passes its fused copies, the networks the live view runs, so the last map is
    the prediction it shows); each step's map is the class with the largest score per cell.

    Returns
    -------
    dict
        variant → list of (column, labels): ``column`` indexes :data:`UPSAMPLING_COLUMNS`
        (1: the 3×3 scores at stride 32; 2, 3: ×2 and the pool4 fusion at 6×6; 4, 5: ×2 and
        the pool3 fusion at 12×12; 6: the output), ``labels`` an (h, w) int64 array. The last
        map is the variant's prediction.
    """
    import torch

    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))[None, None]
    out = {}
    backbone = shared_backbone(models)
    with torch.inference_mode():
        shared = backbone.features(x) if backbone is not None else None
        for name, model in models.items():
            pool3, pool4 = shared if shared is not None else model.features(x)
            score = model.score_fr(model.fc7(model.fc6(model.stage5(pool4))))
            steps = [(1, score)]
            if name == "fcn32s":
                steps.append((6, model.upscore32(score)))
            else:
                score = model.upscore2(score)
                steps.append((2, score))
                score = score + model.score_pool4(pool4)  # fuse pool4 at stride 16
                steps.append((3, score))
                if name == "fcn16s":
                    steps.append((6, model.upscore16(score)))
                else:
                    score = model.upscore_pool4(score)
                    steps.append((4, score))
                    score = score + model.score_pool3(pool3)  # fuse pool3 at stride 8
                    steps.append((5, score))
                    steps.append((6, model.upscore8(score)))
            out[name] = [(column, scores[0].max(0).indices.numpy().astype(np.int64)) for column, scores in steps]
    return out
