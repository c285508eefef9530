"""Train a large teacher network for distillation: ``python -m explainer.train teacher cifar10|mnist``.

The bundled networks are small on purpose: the lessons show every channel of
them. A small network learns more from a large one's answers than from the
labels alone (knowledge distillation: the teacher says *how* cat-like a dog
photo is, not only that it is a dog). The teacher here is a ResNet-18-style
network (11 million weights for photos, 2.8 million for digits). It is
trained on the same training split as the student, never on the validation
or test images, and is never shown or shipped: ``cifar10 --teacher FILE`` and
``mnist --teacher FILE`` read it while they train.

Training a teacher takes minutes on a GPU (``--device cuda``) and hours on
two CPU cores.
"""

from __future__ import annotations

import argparse
import pathlib

import torch
from torch import nn

from ..data.readers import load_cifar10, load_mnist, split_train_val
from ..models.augment import augment_digits_elastic
from ..models.loop import fit
from . import print_epoch
from ..models.weights import _load_failure

FORMAT = "convlens-teacher"
RUNS = pathlib.Path(__file__).resolve().parents[2] / "runs" / "teachers"
#: Per dataset: input channels, stage widths, and the training recipe's defaults.
SETUPS = {
    "cifar10": {"in_channels": 3, "widths": [64, 128, 256, 512], "epochs": 60, "batch_size": 256, "lr": 0.2},
    "mnist": {"in_channels": 1, "widths": [32, 64, 128, 256], "epochs": 60, "batch_size": 128, "lr": 0.1},
}


def default_path(dataset: str, seed: int = 0) -> pathlib.Path:
    """Where ``teacher DATASET --seed SEED`` writes by default (``runs/teachers/``, not committed)."""
    return RUNS / f"{dataset}_seed{seed}.pt"


class _Block(nn.Module):
    """Two 3×3 convolutions with batch norm, added to the (projected) input, then ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out))
        self.skip = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.skip(x))


class TeacherNet(nn.Module):
    """ResNet-18 for small images: a 3×3 stem, four stages of two blocks (stride 2 from the second), a dense layer.

    Input in [0, 1] (the stem's batch norm does the scaling); output 10 logits.
    """

    def __init__(self, in_channels: int = 3, widths: tuple[int, ...] = (64, 128, 256, 512),
                 blocks: int = 2, classes: int = 10) -> None:
        super().__init__()
        self.config = {"in_channels": in_channels, "widths": list(widths), "blocks": blocks, "classes": classes}
        layers: list[nn.Module] = [nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False),
                                   nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True)]
        c = widths[0]
        for i, w in enumerate(widths):
            for b in range(blocks):
                layers.append(_Block(c, w, 2 if (i > 0 and b == 0) else 1))
                c = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def save_teacher(path: pathlib.Path, dataset: str, model: TeacherNet, metrics: dict) -> pathlib.Path:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"format": FORMAT, "dataset": dataset, "config": model.config, "metrics": dict(metrics),
                "state_dict": state}, tmp)
    tmp.replace(path)
    return path


def load_teacher(path, dataset: str, device: str | torch.device = "cpu", seed: int | None = None) -> TeacherNet:
    """A teacher written by :func:`save_teacher`, in eval mode on ``device``.

    Reads weights only (``weights_only=True``). ``seed``: the student's split; a teacher trained on
    another split has seen the student's validation examples, and is refused. Raises ``ValueError``
    in plain words when the file cannot be read, is not a teacher for ``dataset`` or is for another split.
    """
    path = pathlib.Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 (torch raises many kinds for a foreign or damaged file)
        raise ValueError(str(_load_failure(path.name, exc))) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a teacher network written by 'python -m explainer.train teacher'")
    if payload.get("dataset") != dataset:
        raise ValueError(f"{path} is a teacher for {payload.get('dataset')!r}, not for {dataset!r}")
    trained_on = (payload.get("metrics") or {}).get("seed")
    if seed is not None and trained_on != seed:
        raise ValueError(f"{path} was trained on the split of seed {trained_on}, so it has seen the validation "
                         f"examples of seed {seed}'s split: train a teacher with --seed {seed}")
    try:
        config = payload["config"]
        model = TeacherNet(config["in_channels"], tuple(config["widths"]), config["blocks"], config["classes"])
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError):
        raise ValueError(f"{path} does not hold a whole teacher network (its layout or weights are damaged)") from None
    model.to(device).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


DEVICES = ("cpu", "cuda", "auto")


def pick_device(name: str) -> torch.device:
    """``auto`` → CUDA where torch sees a GPU, else the CPU; ``cpu`` and ``cuda`` as they are."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def check_device(parser, name: str) -> None:
    """A usage error for ``--device cuda`` where torch sees no GPU (said before any data is read)."""
    if name == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no GPU on this machine (use cpu, or auto)")


def training_data(dataset: str, data_dir, seed: int):
    """The student's own training and validation split: (x_train, y_train, x_val, y_val, augment)."""
    if dataset == "cifar10":
        from .cifar import augment_photos

        images, labels = load_cifar10("train", data_dir)
        x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(255.0)
        augment = augment_photos(cutout_size=12)
    else:
        images, labels = load_mnist("train", data_dir)
        x = torch.from_numpy(images)[:, None]
        augment = augment_digits_elastic
    y = torch.from_numpy(labels)
    train_idx, val_idx = split_train_val(len(images), 0.1, seed=seed)
    return x[train_idx], y[train_idx], x[val_idx], y[val_idx], augment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.train teacher", description=__doc__)
    parser.add_argument("dataset", choices=sorted(SETUPS))
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0, help="the split's seed: use the student's")
    parser.add_argument("--device", default="auto", choices=DEVICES, help="cuda, cpu, or auto (a GPU where there is one)")
    parser.add_argument("--out", type=pathlib.Path, default=None)
    parser.add_argument("--data", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    setup = SETUPS[args.dataset]
    epochs = setup["epochs"] if args.epochs is None else args.epochs
    batch_size = setup["batch_size"] if args.batch_size is None else args.batch_size
    lr = setup["lr"] if args.lr is None else args.lr
    if epochs < 1 or batch_size < 1:
        parser.error(f"--epochs and --batch-size must be at least 1, got {epochs} and {batch_size}")
    if not lr > 0:
        parser.error(f"--lr must be positive, got {lr}")
    check_device(parser, args.device)
    device = pick_device(args.device)
    out = args.out or default_path(args.dataset, args.seed)
    torch.manual_seed(args.seed)
    x_train, y_train, x_val, y_val, augment = training_data(args.dataset, args.data, args.seed)
    model = TeacherNet(setup["in_channels"], tuple(setup["widths"])).to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    print(f"training the {args.dataset} teacher ({params:,} parameters) on {len(x_train)} examples, "
          f"validating on {len(x_val)}, on {device}", flush=True)
    last = None
    for progress in fit(model, x_train, y_train, x_val, y_val, epochs=epochs,
                        batch_size=batch_size, lr=lr,
                        weight_decay=5e-4, augment=augment, seed=args.seed, label_smoothing=0.1, optimizer="sgd",
                        autocast_dtype=torch.bfloat16 if device.type == "cuda" else None, device=device):
        if progress.kind == "epoch":
            last = progress
            print_epoch(progress)
    best = last.extra["best_val_accuracy"] if last else float("nan")
    save_teacher(out, args.dataset, model, {"val_accuracy": best, "epochs": epochs, "seed": args.seed,
                                            "parameters": params})
    print(f"teacher validation accuracy {best:.4f}; written to {out}", flush=True)
    return 0
