"""Training code for the bundled models: ``python -m explainer.train <name>``."""


def add_averaging_options(parser) -> None:
    """``--ema`` and ``--select``: how the training loop averages weights and picks the epoch it keeps."""
    parser.add_argument("--ema", type=float, default=None, metavar="DECAY",
                        help="keep an exponential moving average of the weights (e.g. 0.999), validated and "
                             "written instead of the last weights: still one network")
    parser.add_argument("--select", choices=("accuracy", "accuracy+loss"), default="accuracy",
                        help="which epoch is kept: the first with the best validation accuracy, or among those "
                             "the one with the lowest validation loss")


def check_averaging_options(parser, args) -> None:
    """A usage error for an ``--ema`` decay outside (0, 1)."""
    if args.ema is not None and not 0.0 < args.ema < 1.0:
        parser.error(f"--ema must lie between 0 and 1, got {args.ema}")
