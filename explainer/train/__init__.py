"""Training code for the bundled models: ``python -m explainer.train <name>``."""

import pathlib

from ..models.loop import SELECTIONS


def add_averaging_options(parser, select: str = "accuracy") -> None:
    """``--ema`` and ``--select`` (default ``select``): how the training loop averages weights and picks the epoch it keeps."""
    parser.add_argument("--ema", type=float, default=None, metavar="DECAY",
                        help="keep an exponential moving average of the weights (e.g. 0.999), validated and "
                             "written instead of the last weights: still one network")
    parser.add_argument("--select", choices=SELECTIONS, default=select,
                        help="which epoch is kept: the first with the best validation accuracy, among those "
                             "the one with the lowest validation loss, or the last epoch (validation then only "
                             "measures)")


def check_averaging_options(parser, args) -> None:
    """A usage error for an ``--ema`` decay outside (0, 1)."""
    if args.ema is not None and not 0.0 < args.ema < 1.0:
        parser.error(f"--ema must lie between 0 and 1, got {args.ema}")


def add_distillation_options(parser) -> None:
    """``--teacher``, ``--distill-weight``, ``--temperature`` and ``--device`` (shared with ``mnist``)."""
    parser.add_argument("--teacher", type=pathlib.Path, default=None,
                        help="distil from this teacher (written by 'python -m explainer.train teacher')")
    parser.add_argument("--distill-weight", type=float, default=0.9,
                        help="share of the loss that follows the teacher (the rest follows the labels)")
    parser.add_argument("--temperature", type=float, default=4.0, help="softening of both networks' answers")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"),
                        help="cpu (the default: how the bundled weights were trained, so a run reproduces them), "
                             "cuda, or auto (a GPU where there is one; the same recipe, other rounding)")


def check_distillation_options(parser, args, dataset: str) -> None:
    """Usage errors for the options above, before any data is read; a ``--teacher`` file is read here
    (into ``args.teacher_network``, on the CPU: None without one), so a file that will not do is said at once."""
    from .teacher import check_device, load_teacher

    check_device(parser, args.device)
    args.teacher_network = None
    if not 0.0 <= args.distill_weight <= 1.0:
        parser.error(f"--distill-weight must lie between 0 and 1, got {args.distill_weight}")
    if args.temperature <= 0:
        parser.error(f"--temperature must be positive, got {args.temperature}")
    if args.teacher is not None and not args.teacher.is_file():
        parser.error(f"there is no teacher file {args.teacher}: train one with "
                     f"'python -m explainer.train teacher {dataset} --seed {args.seed}'")
    if args.teacher is not None:
        try:
            args.teacher_network = load_teacher(args.teacher, dataset, seed=args.seed)
        except ValueError as exc:
            parser.error(f"--teacher: {exc}")


def print_epoch(progress) -> None:
    """One line for an epoch report of :func:`explainer.models.loop.fit` (every training command prints the same)."""
    print(f"epoch {progress.epoch:3d}/{progress.epochs}  loss {progress.loss:.4f}  "
          f"train acc {progress.accuracy:.4f}  val loss {progress.val_loss:.4f}  "
          f"val acc {progress.val_accuracy:.4f}  ({progress.seconds:.0f} s)", flush=True)
