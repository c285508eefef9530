"""Train the bundled FCN-32s, FCN-16s and FCN-8s: ``python -m explainer.train fcn``.

Scenes are generated on the fly from the MNIST *training* digits (the 9,000 of
our training split; the 1,000 validation digits make the validation scenes
that choose checkpoints). The three share one backbone: FCN-8s is trained
whole first, then the FCN-16s and FCN-32s heads (their own score layers, skip
and upsampling) are trained on FCN-8s's backbone, which stays as it is
(frozen, batch norms in eval mode). So the three variants differ only in what
the lecture compares, the skip connections and upsampling, and the lesson
computes the backbone once for all three. The test digits (t10k) are only used
afterwards, by ``python -m explainer.train evaluate fcn``.
"""

from __future__ import annotations

import argparse
import copy
import pathlib
import time

import numpy as np
import torch
import torch.nn.functional as F

from ..core.metrics import confusion_matrix, scores_from_confusion
from ..models import save_weights, weights_path
from ..models.fcn import BACKBONE, FCN, NUM_CLASSES
from ..data.readers import load_mnist, split_train_val
from ..data.scenes import make_scenes

#: Digit pixels are few (about 8 % of a scene); weighting them twice as much as background
#: trades a little background accuracy for better digit IoU, which is what mean IoU rewards.
CLASS_WEIGHTS = torch.tensor([1.0] + [2.0] * 10)
WIDTHS = (16, 32, 64, 96, 128)
CONVS = (1, 1, 2, 2, 2)
FC = 256


def scores(model: FCN, images: np.ndarray, targets: np.ndarray, batch: int = 64) -> dict:
    """Mean IoU (over classes present), pixel accuracy and per-class IoU of ``model`` on scenes."""
    model.eval()
    cm = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    with torch.no_grad():
        for start in range(0, len(images), batch):
            x = torch.from_numpy(images[start : start + batch])[:, None]
            pred = model(x).argmax(1).numpy()
            cm += confusion_matrix(pred, targets[start : start + batch], NUM_CLASSES)
    return scores_from_confusion(cm)


def train_stage(model: FCN, digits, labels, val, epochs: int, scenes_per_epoch: int, lr: float, seed: int,
                minutes: float, batch: int = 32, log=print, frozen: tuple[str, ...] = ()) -> tuple[FCN, dict]:
    """Train one variant on fresh scenes every epoch; keep the weights with the best validation mIoU.

    The submodules named in ``frozen`` are not trained: no gradients, batch norms and dropout in eval mode.
    """
    for name in frozen:
        getattr(model, name).requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=lr, weight_decay=1e-4)
    steps = epochs * ((scenes_per_epoch + batch - 1) // batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.15)
    best, best_state = {"miou": -1.0}, None
    start = time.perf_counter()
    step = 0
    for epoch in range(1, epochs + 1):
        images, targets = make_scenes(digits, labels, scenes_per_epoch, seed=seed * 1000 + epoch)
        order = np.random.default_rng(seed + epoch).permutation(scenes_per_epoch)
        model.train()
        for name in frozen:
            getattr(model, name).eval()
        total = 0.0
        for b in range(0, scenes_per_epoch, batch):
            idx = order[b : b + batch]
            x = torch.from_numpy(images[idx])[:, None]
            y = torch.from_numpy(targets[idx])
            loss = F.cross_entropy(model(x), y, weight=CLASS_WEIGHTS)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if step < steps - 1:
                schedule.step()
            step += 1
            total += loss.item() * len(idx)
        result = scores(model, *val)
        if result["miou"] > best["miou"]:
            best, best_state = result, copy.deepcopy(model.state_dict())
        elapsed = (time.perf_counter() - start) / 60
        log(f"  {model.variant} epoch {epoch}/{epochs}: loss {total / scenes_per_epoch:.4f}  val mIoU "
            f"{result['miou']:.4f}  pixel acc {result['pixel_accuracy']:.4f}  ({elapsed:.1f} min)")
        if elapsed > minutes:
            log(f"  {model.variant}: time budget of {minutes} min reached after epoch {epoch}")
            break
    model.load_state_dict(best_state)
    return model.eval(), best


#: The order of training: FCN-8s with its backbone first, then the heads of the coarser two on that backbone.
ORDER = ("fcn8s", "fcn16s", "fcn32s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.train fcn", description=__doc__)
    parser.add_argument("--epochs", type=int, nargs=3, default=(70, 16, 16), metavar=("E8", "E16", "E32"))
    parser.add_argument("--scenes", type=int, default=5000, help="fresh training scenes per epoch")
    parser.add_argument("--lr", type=float, nargs=3, default=(3e-3, 3e-3, 3e-3), metavar=("LR8", "LR16", "LR32"))
    parser.add_argument("--minutes", type=float, nargs=3, default=(80.0, 15.0, 15.0),
                        help="stop a stage after this many minutes (its best epoch is kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=pathlib.Path, default=None, help="folder with train-*-idx*.gz")
    parser.add_argument("--out-dir", type=pathlib.Path, default=None,
                        help="folder for the three weights files (default: the bundled assets/models)")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    images, labels = load_mnist("train", args.data)
    train_idx, val_idx = split_train_val(len(images), 0.1, seed=args.seed)
    digits, digit_labels = images[train_idx], labels[train_idx]
    val = make_scenes(images[val_idx], labels[val_idx], 300, seed=12345)
    print(f"training FCNs (backbone {WIDTHS}, fc {FC}) on scenes of {len(train_idx)} training digits; "
          f"validation: 300 scenes of {len(val_idx)} held-out training digits", flush=True)
    first = None
    for variant, epochs, lr, minutes in zip(ORDER, args.epochs, args.lr, args.minutes):
        model = FCN(variant, WIDTHS, FC, CONVS)
        frozen: tuple[str, ...] = ()
        if first is not None:
            model.load_from(first)  # the backbone, fc6, fc7 and score_fr; the skips as FCN-8s learnt them
            frozen = BACKBONE
        model, best = train_stage(model, digits, digit_labels, val, epochs, args.scenes, lr, args.seed, minutes,
                                  log=lambda text: print(text, flush=True), frozen=frozen)
        model.requires_grad_(True)
        if first is not None and not model.shares_backbone(first):
            raise RuntimeError(f"{variant}'s backbone moved while only its head was trained")
        params = sum(p.numel() for p in model.parameters())
        out = (args.out_dir / f"{variant}.pt") if args.out_dir else weights_path(variant)
        out.parent.mkdir(parents=True, exist_ok=True)
        save_weights(out, variant, model, model.config,
                     {"val_miou": best["miou"], "val_pixel_accuracy": best["pixel_accuracy"], "parameters": params,
                      "scenes_per_epoch": args.scenes, "seed": args.seed, "epochs": epochs,
                      "backbone": "own" if first is None else "fcn8s (frozen)"})
        print(f"{variant}: best validation mIoU {best['miou']:.4f}, pixel accuracy {best['pixel_accuracy']:.4f}; "
              f"{params:,} parameters; written to {out}", flush=True)
        first = first or model
    return 0
