"""Train the bundled FCN-32s, FCN-16s and FCN-8s: ``python -m explainer.train fcn``.

Scenes are generated on the fly from the MNIST *training* digits (the 9,000 of
our training split; the 1,000 validation digits make the validation scenes
that choose checkpoints). Each variant is trained from scratch, with the
random generator seeded again before it, so a variant trained alone (``--only``)
is the one a whole run gives: FCN-32s for 16 epochs, FCN-16s for 50 and FCN-8s
for 70. On its own FCN-16s reads scenes better (validation mean IoU 0.742) than
started from FCN-32s as the paper stages them (0.572, ``--fcn16s-start fcn32s``),
and FCN-8s better than started from FCN-16s (0.881 against 0.848).

``--shared-trunk`` trains another way: FCN-8s first, then FCN-16s and FCN-32s
on its trunk up to pool4, which stays as it is (frozen, batch norms in eval
mode), each with its own pool5, fc6, fc7, score layers and upsampling. The
segmentation lesson then computes the shared trunk once for all three (about
1 ms of 11 a stroke), but FCN-16s reads scenes worse (mean IoU 0.48 against 0.57 staged from FCN-32s, 0.74 alone),
so the bundled networks are trained the first way. The test digits (t10k) are only used
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
from ..models.fcn import BACKBONE, FCN, NUM_CLASSES, VARIANTS
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.train fcn", description=__doc__)
    parser.add_argument("--epochs", type=int, nargs=3, default=(16, 50, 70), metavar=("E32", "E16", "E8"))
    parser.add_argument("--scenes", type=int, default=5000, help="fresh training scenes per epoch")
    parser.add_argument("--lr", type=float, nargs=3, default=(3e-3, 3e-3, 3e-3), metavar=("LR32", "LR16", "LR8"))
    parser.add_argument("--minutes", type=float, nargs=3, default=(15.0, 40.0, 80.0), metavar=("M32", "M16", "M8"),
                        help="stop a stage after this many minutes (its best epoch is kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=pathlib.Path, default=None, help="folder with train-*-idx*.gz")
    parser.add_argument("--out-dir", type=pathlib.Path, default=None,
                        help="folder for the three weights files (default: the bundled assets/models)")
    parser.add_argument("--shared-trunk", action="store_true",
                        help="train FCN-8s first, then FCN-16s and 32s on its frozen trunk up to pool4 (the lesson "
                             "then computes the trunk once; tried: 1 ms faster, FCN-16s 0.48 instead of 0.57)")
    parser.add_argument("--fcn8s", type=pathlib.Path, default=None,
                        help="with --shared-trunk: start from this trained FCN-8s file instead of training one")
    parser.add_argument("--only", nargs="+", choices=("fcn32s", "fcn16s", "fcn8s"), default=None,
                        help="train only these variants (the others are left as they are); an FCN-16s started "
                             "from FCN-32s then starts from the FCN-32s file in --out-dir (or the bundled one)")
    parser.add_argument("--fcn16s-start", choices=("fcn32s", "scratch"), default="scratch",
                        help="what FCN-16s starts from: fresh weights (the default: it reads scenes better) or the "
                             "FCN-32s just trained, as the paper stages them")
    args = parser.parse_args(argv)
    if args.fcn8s is not None and not args.shared_trunk:
        parser.error("--fcn8s only goes with --shared-trunk")
    if args.shared_trunk and (args.only is not None or args.fcn16s_start != "scratch"):
        parser.error("--only and --fcn16s-start do not go with --shared-trunk")
    wanted = set(args.only or VARIANTS)
    if args.fcn16s_start != "scratch" and "fcn16s" not in wanted:
        parser.error("--fcn16s-start only applies when FCN-16s is trained")
    start32 = None  # (file, network): the FCN-32s an FCN-16s starts from when this run trains none
    if not args.shared_trunk and "fcn16s" in wanted and "fcn32s" not in wanted and args.fcn16s_start == "fcn32s":
        try:
            start32 = _trained_fcn32s(args.out_dir)
        except ValueError as error:  # missing, damaged, or another layout: said before any data is read
            parser.error(str(error))

    torch.manual_seed(args.seed)
    images, labels = load_mnist("train", args.data)
    train_idx, val_idx = split_train_val(len(images), 0.1, seed=args.seed)
    digits, digit_labels = images[train_idx], labels[train_idx]
    val = make_scenes(images[val_idx], labels[val_idx], 300, seed=12345)
    print(f"training FCNs (backbone {WIDTHS}, fc {FC}) on scenes of {len(train_idx)} training digits; "
          f"validation: 300 scenes of {len(val_idx)} held-out training digits", flush=True)
    settings = {v: (e, lr, m) for v, e, lr, m in zip(("fcn32s", "fcn16s", "fcn8s"), args.epochs, args.lr, args.minutes)}

    def write(model: FCN, best: dict, how: str) -> None:
        params = sum(p.numel() for p in model.parameters())
        out = (args.out_dir / f"{model.variant}.pt") if args.out_dir else weights_path(model.variant)
        out.parent.mkdir(parents=True, exist_ok=True)
        save_weights(out, model.variant, model, model.config,
                     {"val_miou": best["miou"], "val_pixel_accuracy": best["pixel_accuracy"], "parameters": params,
                      "scenes_per_epoch": args.scenes, "seed": args.seed, "epochs": settings[model.variant][0],
                      "trained": how})
        print(f"{model.variant}: best validation mIoU {best['miou']:.4f}, pixel accuracy {best['pixel_accuracy']:.4f}; "
              f"{params:,} parameters; written to {out}", flush=True)

    def train(variant: str, start: FCN | None = None, frozen: tuple[str, ...] = ()) -> tuple[FCN, dict]:
        torch.manual_seed(args.seed)  # each variant starts alike whether or not others were trained before it
        model = FCN(variant, WIDTHS, FC, CONVS)
        if start is not None:
            model.load_from(start)
        epochs, lr, minutes = settings[variant]
        model, best = train_stage(model, digits, digit_labels, val, epochs, args.scenes, lr, args.seed, minutes,
                                  log=lambda text: print(text, flush=True), frozen=frozen)
        model.requires_grad_(True)
        return model, best

    if not args.shared_trunk:
        # Each from scratch by default (see the module notes); FCN-16s can start from FCN-32s instead.
        f32 = None
        if "fcn32s" in wanted:
            f32, best = train("fcn32s")
            write(f32, best, "from scratch")
        if "fcn16s" in wanted:
            if args.fcn16s_start == "scratch":
                f16, best = train("fcn16s")
                write(f16, best, "from scratch")
            elif f32 is not None:
                f16, best = train("fcn16s", start=f32)
                write(f16, best, "from FCN-32s")
            else:
                path, f32 = start32
                f16, best = train("fcn16s", start=f32)
                write(f16, best, f"from the FCN-32s in {path} (validation mIoU "
                                 f"{f32.training_metrics.get('val_miou', float('nan')):.4f})")
        if "fcn8s" in wanted:
            f8, best = train("fcn8s")
            write(f8, best, "from scratch")
        return 0
    if args.fcn8s is not None:
        from ..models import load_model_file

        f8 = load_model_file(args.fcn8s, "fcn8s")
        write(f8, {"miou": f8.training_metrics.get("val_miou", float("nan")),
                   "pixel_accuracy": f8.training_metrics.get("val_pixel_accuracy", float("nan"))},
              f8.training_metrics.get("trained", "read from a file"))
    else:
        f8, best = train("fcn8s")
        write(f8, best, "from scratch")
    for variant in ("fcn16s", "fcn32s"):
        model, best = train(variant, start=f8, frozen=BACKBONE)
        if not model.shares_backbone(f8):
            raise RuntimeError(f"{variant}'s trunk moved while it was frozen")
        write(model, best, "on FCN-8s's frozen trunk up to pool4")
    return 0


def _trained_fcn32s(out_dir: pathlib.Path | None) -> tuple[pathlib.Path, FCN]:
    """The FCN-32s an FCN-16s starts from when this run trains none: ``out_dir``'s, else the bundled one.

    Raises ValueError (a sentence) when the file is missing or damaged, or holds another layout than
    the one trained here (its layers would not match, and the FCN-16s would silently start mostly afresh).
    """
    from ..models import load_model_file

    own = (out_dir / "fcn32s.pt") if out_dir is not None else None
    path = own if own is not None and own.exists() else weights_path("fcn32s")
    model = load_model_file(path, "fcn32s")
    expected = {"widths": list(WIDTHS), "fc": FC, "convs": list(CONVS)}
    found = {key: model.config.get(key) for key in expected}
    if found != expected:
        raise ValueError(f"the FCN-32s in {path} has another layout ({found}) than the one trained here ({expected})")
    print(f"fcn16s starts from the FCN-32s in {path}", flush=True)
    return path, model
