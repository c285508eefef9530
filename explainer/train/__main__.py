"""``python -m explainer.train <name> [options]``: reproduce a bundled model's weights."""

from __future__ import annotations

import sys

COMMANDS = {
    "mnist": "explainer.train.mnist",
    "cifar10": "explainer.train.cifar",
    "fcn": "explainer.train.fcn",
    "imdb": "explainer.train.imdb",
    "evaluate": "explainer.train.evaluate",
    "teacher": "explainer.train.teacher",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m explainer.train {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    import importlib

    module = importlib.import_module(COMMANDS[argv[0]])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
