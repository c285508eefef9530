"""The lesson registry: every lesson, in the lecture's order, in one place (no Qt here).

A lesson is a package ``explainer.ui.lessons.<package>`` with ``state.py``
(its state class exported as ``State``) and ``create(app_state, commands,
parent)`` returning a :class:`~explainer.ui.lessons.base.Lesson`. Packages are
imported only when the lesson is first opened, so start-up stays fast, and a
session can be checked against a lesson's state class without building it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class LessonInfo:
    """What the navigator needs to know about a lesson before it is loaded."""

    id: str
    title: str
    lecture: str  # the lecture section it follows
    summary: str  # one or two sentences: what the student will see and do
    package: str  # package under explainer.ui.lessons


LESSONS: tuple[LessonInfo, ...] = (
    LessonInfo(
        "convolution",
        "Convolution step by step",
        "The convolution layer (kernel movement)",
        "Step a 3×3 kernel across the red, green and blue channels of an image: the window, "
        "the element-wise products, each channel's sum, the bias and the output cell "
        "(308 + (−498) + 164 + 1 = −25). Stride, padding and dilation with the output-size formula.",
        package="convolution",
    ),
    LessonInfo(
        "feature-maps",
        "Feature maps & shared weights",
        "Shared weights and biases · Feature maps",
        "Convolve a real photo with several kernels at once (edges, blur, sharpen…): one feature "
        "map per kernel, the same weights at every position, and each map pooled separately.",
        package="feature_maps",
    ),
    LessonInfo(
        "pooling",
        "Pooling & strides",
        "Pooling layers · Pooling techniques · Strides",
        "Max, average and L2 pooling side by side with the arithmetic of every cell, "
        "and a stride-2 convolution compared with convolution followed by 2×2 max pooling.",
        package="pooling",
    ),
    LessonInfo(
        "dense",
        "Fully connected & softmax",
        "Fully connected layers",
        "Flatten the feature maps, multiply by the dense layer's weights, and turn the logits "
        "into probabilities with softmax, with a temperature slider.",
        package="dense",
    ),
    LessonInfo(
        "draw",
        "Draw a digit (MNIST)",
        "Local receptive fields · Building a CNN on MNIST",
        "Draw a digit and watch a trained LeNet-style network read it: the 28×28 input, every "
        "channel of every layer, the probabilities, and the receptive field of any neuron.",
        package="draw",
    ),
    LessonInfo(
        "network",
        "Architecture & training",
        "Building CNN networks · Visualising the network · Tips (transfer learning)",
        "The layer graph and a Keras-style summary of each bundled model, live training of a "
        "small digit CNN with loss curves, and transfer learning of a new output layer.",
        package="network",
    ),
    LessonInfo(
        "text",
        "Words as vectors (IMDB)",
        "Recurrent Neural Network · RNN layers: Embedding · Word embedding",
        "Type a movie review and watch three sentiment networks read it word by word: tokens and ids, "
        "the embedding as rows of a table and as a map of words, a 1-D convolution over time, a simple RNN "
        "step by step, the LSTM's gates, and P(positive) after every word.",
        package="text",
    ),
    LessonInfo(
        "photo",
        "Photos (CIFAR-10)",
        "Convolution on RGB images · CIFAR-10",
        "Classify a photo into the ten CIFAR-10 classes and open any channel of any layer "
        "to see its per-channel sums plus bias, on the network's real learned weights.",
        package="photo",
    ),
    LessonInfo(
        "segmentation",
        "Segmentation (FCN)",
        "Fully convolutional networks · Upsampling · IoU",
        "FCN-32s, 16s and 8s label every pixel of a scene of digits; compare their predictions "
        "with the ground truth, pixel accuracy and per-class IoU, and step a transposed convolution.",
        package="segmentation",
    ),
)

LESSON_IDS: tuple[str, ...] = tuple(info.id for info in LESSONS)


def lesson_info(lesson_id: str) -> LessonInfo:
    """Look a lesson up by id; ``ValueError`` lists the valid ids."""
    for info in LESSONS:
        if info.id == lesson_id:
            return info
    raise ValueError(f"unknown lesson {lesson_id!r}; valid lessons: {', '.join(LESSON_IDS)}")


def state_class(lesson_id: str) -> type:
    """The lesson's state class (imports only its Qt-free ``state`` module)."""
    info = lesson_info(lesson_id)
    return importlib.import_module(f"{__name__}.{info.package}.state").State


def create_lesson(lesson_id: str, app_state, commands, parent=None):
    """Import the lesson's package (first time only) and build its widget."""
    info = lesson_info(lesson_id)
    module = importlib.import_module(f"{__name__}.{info.package}")
    return module.create(app_state, commands, parent)
