"""What the app and the training command share: data readers and scene generation (no Qt, no torch).

``readers`` reads the MNIST and CIFAR-10 files in ``../shared/data`` (training and
evaluation only; the app never needs them), ``scenes`` makes the segmentation
lesson's digit scenes.
"""
