"""ConvLens: a desktop app that teaches convolutional neural networks step by step."""

__version__ = "0.1.0"
