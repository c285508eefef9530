"""ConvLens: a desktop app that teaches convolutional neural networks step by step."""

__version__ = "0.1.0"

#: Set to "1" by the app before torch is imported: :mod:`explainer.models.runtime` then gives torch one
#: intra-op thread as soon as it is first imported (the app imports torch only when a lesson needs it).
INTERACTIVE_THREADS_ENV = "CONVLENS_INTERACTIVE_THREADS"
