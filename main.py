"""Start ConvLens: ``python main.py [--lesson ID] [--screenshot PATH] [--size WxH]``."""

import sys

from explainer.ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
