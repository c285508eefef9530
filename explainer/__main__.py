"""``python -m explainer`` starts the app, like ``main.py``."""

import sys

from explainer.ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
