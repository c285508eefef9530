"""Train the bundled photo CNN: ``python -m explainer.train cifar10``.

Reads ``../shared/data/cifar10/train.tar`` (50,000 JPEGs), holds out 5,000
of them for validation (checkpoint choice), trains with random crops (padding
4) and horizontal flips under a one-cycle schedule, and writes
``assets/models/cifar10.pt`` plus a few validation photos for the app. The
test split is not read here: ``python -m explainer.train evaluate cifar10``
measures it afterwards.
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np
import torch

from . import (add_averaging_options, add_distillation_options, check_averaging_options,
               check_distillation_options, print_epoch)
from ..models import load_model_file, read_weights, save_weights, weights_path
from ..models.config import check_config, check_size
from ..models.photo import PhotoCNN
from ..models.weights import ModelLoadError
from ..data.readers import load_cifar10, split_train_val
from ..models.loop import fit
from .teacher import pick_device

# The bundled cifar10.pt: three stages of one convolution and residual blocks (two, two, one), 144,794 weights.
DEFAULT_WIDTHS = (16, 32, 64)
DEFAULT_CONVS = (1, 1, 1)
DEFAULT_RESIDUAL = (2, 2, 1)


def cpu_has_bf16_matrix_units(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True where the CPU has AMX bfloat16 tiles (read from ``cpuinfo``; False where that is absent)."""
    try:
        return "amx_bf16" in pathlib.Path(cpuinfo).read_text().split()
    except OSError:
        return False
SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "assets" / "samples" / "cifar10_heldout.npz"


def random_crop_flip(x: torch.Tensor, generator: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random crops of a zero-padded batch (N, C, H, W) and random horizontal flips."""
    n, c, h, w = x.shape
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    dev = x.device  # random numbers come from the CPU generator (the same batches anywhere), the work is on x's device
    oy = torch.randint(0, 2 * pad + 1, (n,), generator=generator).to(dev)
    ox = torch.randint(0, 2 * pad + 1, (n,), generator=generator).to(dev)
    rows = (oy[:, None] + torch.arange(h, device=dev))[:, None, :, None]
    cols = (ox[:, None] + torch.arange(w, device=dev))[:, None, None, :]
    out = padded[torch.arange(n, device=dev)[:, None, None, None], torch.arange(c, device=dev)[None, :, None, None],
                 rows, cols]
    flip = (torch.rand(n, generator=generator) < 0.5).to(dev)
    out = torch.where(flip[:, None, None, None], out.flip(3), out)
    return out.contiguous(memory_format=torch.channels_last)


def cutout(x: torch.Tensor, generator: torch.Generator, size: int) -> torch.Tensor:
    """Zero one ``size``×``size`` square per image (centre anywhere, clipped at the edges): cutout."""
    n, _, h, w = x.shape
    cy = torch.randint(0, h, (n,), generator=generator).to(x.device)
    cx = torch.randint(0, w, (n,), generator=generator).to(x.device)
    rows = torch.arange(h, device=x.device)[None, :]
    cols = torch.arange(w, device=x.device)[None, :]
    inside_r = (rows >= (cy[:, None] - size // 2)) & (rows < (cy[:, None] - size // 2 + size))
    inside_c = (cols >= (cx[:, None] - size // 2)) & (cols < (cx[:, None] - size // 2 + size))
    keep = ~(inside_r[:, :, None] & inside_c[:, None, :])
    return x * keep[:, None].to(x.dtype)


def argv_has_layout(argv: list[str] | None) -> bool:
    """Whether the command line names a layout option (``--widths``, ``--convs``, ``--residual``)."""
    import sys

    words = sys.argv[1:] if argv is None else argv
    return any(w.split("=")[0] in ("--widths", "--convs", "--residual") for w in words)


def augment_photos(cutout_size: int = 12):
    """The training augmentation: random crops and flips, then (``cutout_size`` > 0) cutout."""
    if cutout_size <= 0:
        return random_crop_flip

    def augment(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return cutout(random_crop_flip(xb, generator), generator, cutout_size)

    return augment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.train cifar10", description=__doc__)
    # 180 epochs with 12-pixel cutout: the bundled cifar10.pt (its file records "epochs": 180, "cutout": 12).
    parser.add_argument("--epochs", type=int, default=180)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=pathlib.Path, default=weights_path("cifar10"))
    parser.add_argument("--data", type=pathlib.Path, default=None, help="folder with train.tar")
    parser.add_argument("--widths", type=int, nargs="+", default=list(DEFAULT_WIDTHS))
    parser.add_argument("--convs", type=int, nargs="+", default=None,
                        help="3×3 convolutions per stage (default: the bundled layout's, else 2 each)")
    parser.add_argument("--residual", type=int, nargs="+", default=None,
                        help="residual blocks per stage, after its convolutions (default: the bundled layout's, "
                             "else none)")
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="bf16 autocast for the training passes; auto picks it where the CPU has bfloat16 "
                             "matrix units (AMX), where it is about twice as fast")
    parser.add_argument("--cutout", type=int, default=12,
                        help="side of the square cut out of each training photo (0: none)")
    # A second one-cycle schedule from the first one's kept network: the bundled cifar10.pt has one of 60 epochs
    # at a peak of 0.03 (its file records "again" and "again_lr"; validation 88.06 % → 88.50 %).
    parser.add_argument("--again", type=int, default=60, metavar="EPOCHS",
                        help="then train the kept network for another one-cycle schedule of EPOCHS epochs (0: none)")
    parser.add_argument("--again-lr", type=float, default=0.03, help="the peak learning rate of that schedule")
    parser.add_argument("--init", type=pathlib.Path, default=None,
                        help="start from this weights file's network (its layout; e.g. the bundled cifar10.pt, "
                             "to train it for another cycle) instead of fresh weights")
    add_averaging_options(parser)
    add_distillation_options(parser)
    args = parser.parse_args(argv)
    check_averaging_options(parser, args)
    check_distillation_options(parser, args, "cifar10")
    if args.epochs < 1 or args.again < 0:
        parser.error(f"--epochs must be at least 1 and --again at least 0, got {args.epochs} and {args.again}")
    if not (args.lr > 0 and args.again_lr > 0):
        parser.error(f"--lr and --again-lr must be positive, got {args.lr} and {args.again_lr}")
    if args.convs is None:
        args.convs = list(DEFAULT_CONVS) if args.widths == list(DEFAULT_WIDTHS) else [2] * len(args.widths)
    if len(args.convs) != len(args.widths):
        parser.error(f"--convs needs one count per stage: {len(args.widths)} widths, {len(args.convs)} counts")
    if args.residual is None:
        args.residual = list(DEFAULT_RESIDUAL) if args.widths == list(DEFAULT_WIDTHS) else [0] * len(args.widths)
    if len(args.residual) != len(args.widths) or min(args.residual) < 0:
        parser.error(f"--residual needs one count (0 or more) per stage: {len(args.widths)} widths, "
                     f"{len(args.residual)} counts")
    try:  # the layout a weights file may hold (what the app opens), checked before hours of training
        check_size(PhotoCNN, check_config("cifar10", {"widths": args.widths, "convs": args.convs,
                                                      "residual": args.residual}))
    except ModelLoadError as exc:
        parser.error(f"the app could not open a network of this layout: {exc}")

    start = None
    if args.init is not None:  # read before the data: a file that will not do is said at once
        try:
            start = load_model_file(args.init, "cifar10")
            trained_on = read_weights(args.init, "cifar10")["metrics"].get("seed")
        except ModelLoadError as exc:
            parser.error(f"--init: {exc}")
        if trained_on is not None and trained_on != args.seed:
            parser.error(f"--init: {args.init} was trained on the split of seed {trained_on}, so it has seen the "
                         f"validation photos of seed {args.seed}'s split: use --seed {trained_on}")
        layout = (start.config["widths"], start.config["convs"],
                  start.config.get("residual", [0] * len(start.config["widths"])))
        if (args.widths, args.convs, args.residual) != layout and argv_has_layout(argv):
            print(f"--init: the layout is {args.init}'s own (widths {layout[0]}, convs {layout[1]}, "
                  f"residual {layout[2]}); the layout options given are not used", flush=True)
        args.widths, args.convs, args.residual = (list(v) for v in layout)
    torch.manual_seed(args.seed)
    images, labels = load_cifar10("train", args.data)
    train_idx, val_idx = split_train_val(len(images), 0.1, seed=args.seed)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(255.0)
    y = torch.from_numpy(labels)
    if start is None:
        model = PhotoCNN(tuple(args.widths), tuple(args.convs), tuple(args.residual))
    else:
        model = start.train()
    model = model.to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    device = pick_device(args.device)
    use_bf16 = args.precision == "bf16" or (args.precision == "auto" and (
        device.type == "cuda" or cpu_has_bf16_matrix_units()))
    teacher = args.teacher_network.to(device) if args.teacher_network is not None else None
    print(f"training PhotoCNN widths={tuple(args.widths)} convs={tuple(args.convs)} residual={tuple(args.residual)} ({params:,} parameters) on "
          f"{len(train_idx)} photos, validating on {len(val_idx)}; {'bf16 autocast' if use_bf16 else 'float32'} on "
          f"{device}" + (f"; distilling from {args.teacher} (weight {args.distill_weight}, T {args.temperature})"
                         if teacher else ""),
          flush=True)
    x_val = x[val_idx].contiguous(memory_format=torch.channels_last)
    augment = augment_photos(args.cutout)
    cycles = [(args.epochs, args.lr)] + ([(args.again, args.again_lr)] if args.again else [])
    bests = []  # each cycle's validation accuracy of the epoch it kept
    for number, (epochs, lr) in enumerate(cycles, 1):
        if len(cycles) > 1:
            print(f"cycle {number} of {len(cycles)}: {epochs} epochs, peak learning rate {lr}", flush=True)
        last = None
        for progress in fit(model, x[train_idx], y[train_idx], x_val, y[val_idx], epochs=epochs,
                            batch_size=args.batch_size, lr=lr, weight_decay=args.weight_decay, augment=augment,
                            seed=args.seed, label_smoothing=0.1, optimizer="sgd",
                            autocast_dtype=torch.bfloat16 if use_bf16 else None, ema_decay=args.ema,
                            select=args.select, device=device, teacher=teacher,
                            distill_weight=args.distill_weight, temperature=args.temperature):
            if progress.kind == "epoch":
                last = progress
                print_epoch(progress)
                validated = progress.extra.get("validated", model)  # with --ema: the average, not the live weights
                save_weights(args.out.with_suffix(".partial.pt"), "cifar10", validated, model.config,
                             {"cycle": number, "epoch": progress.epoch, "val_accuracy": progress.val_accuracy})
        bests.append(last.extra["kept_val_accuracy"] if last else float("nan"))
    best = bests[-1]
    model = model.eval().to("cpu", memory_format=torch.contiguous_format)
    save_weights(args.out, "cifar10", model, model.config,
                 {"val_accuracy": best, "parameters": params, "train_photos": len(train_idx),
                  "val_photos": len(val_idx), "epochs": args.epochs, "seed": args.seed,
                  "precision": "bf16" if use_bf16 else "fp32", "weight_decay": args.weight_decay,
                  "cutout": args.cutout, "ema": args.ema, "select": args.select,
                  "teacher": str(args.teacher) if teacher else None,
                  "distill_weight": args.distill_weight if teacher else None,
                  "temperature": args.temperature if teacher else None,
                  "init": str(args.init) if args.init else None, "lr": args.lr, "again": args.again,
                  "again_lr": args.again_lr if args.again else None,
                  "val_accuracy_first_cycle": bests[0] if len(bests) > 1 else None})
    args.out.with_suffix(".partial.pt").unlink(missing_ok=True)
    if args.out.resolve() != weights_path("cifar10").resolve():
        print(f"validation accuracy of the kept epoch {best:.4f}; weights written to {args.out}", flush=True)
        return 0  # an experiment: leave the bundled sample photos alone
    # A few validation photos (ten per class) for the app.
    pick = np.concatenate([val_idx[labels[val_idx] == c][:10] for c in range(10)])
    np.savez_compressed(SAMPLES, images=images[pick], labels=labels[pick])
    print(f"validation accuracy of the kept epoch {best:.4f}; weights written to {args.out}", flush=True)
    return 0
