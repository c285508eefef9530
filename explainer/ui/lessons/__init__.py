"""The lesson registry: every lesson, in the lecture's order, in one place.

A lesson is a module under ``explainer.ui.lessons`` with a ``create(state,
parent)`` function returning a :class:`~explainer.ui.lessons.base.Lesson`.
Modules are imported only when the lesson is first opened, so start-up stays
fast. A lesson whose module is ``None`` is not built yet and shows an honest
"coming in a later version" page.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from ..state import AppState
from .base import Lesson


@dataclass(frozen=True)
class LessonInfo:
    """What the navigator needs to know about a lesson before it is loaded."""

    id: str
    title: str
    lecture: str  # the lecture section it follows
    summary: str  # one or two sentences: what the student will see and do
    module: str | None = None  # module under explainer.ui.lessons, None = not built yet


LESSONS: tuple[LessonInfo, ...] = (
    LessonInfo(
        "convolution",
        "Convolution step by step",
        "The convolution layer (kernel movement)",
        "Step a 3×3 kernel across the red, green and blue channels of an image: the window, "
        "the element-wise products, each channel's sum, the bias and the output cell "
        "(308 + (−498) + 164 + 1 = −25). Stride, padding and dilation with the output-size formula.",
        module="convolution",
    ),
    LessonInfo(
        "feature-maps",
        "Feature maps & shared weights",
        "Shared weights and biases · Feature maps",
        "Convolve a real photo with several kernels at once (edges, blur, sharpen…): one feature "
        "map per kernel, the same weights at every position, and each map pooled separately.",
        module="feature_maps",
    ),
    LessonInfo(
        "pooling",
        "Pooling & strides",
        "Pooling layers · Pooling techniques · Strides",
        "Max, average and L2 pooling side by side with the arithmetic of every cell, "
        "and a stride-2 convolution compared with convolution followed by 2×2 max pooling.",
        module="pooling",
    ),
    LessonInfo(
        "dense",
        "Fully connected & softmax",
        "Fully connected layers",
        "Flatten the feature maps, multiply by the dense layer's weights, and turn the logits "
        "into probabilities with softmax, with a temperature slider.",
        module="dense",
    ),
    LessonInfo(
        "draw",
        "Draw a digit (MNIST)",
        "Local receptive fields · Building a CNN on MNIST",
        "Draw a digit and watch a trained LeNet-style network read it: the 28×28 input, every "
        "channel of every layer, the probabilities, and the receptive field of any neuron.",
        module="draw",
    ),
    LessonInfo(
        "network",
        "Architecture & training",
        "Building CNN networks · Visualising the network · Tips (transfer learning)",
        "The layer graph and a Keras-style summary of each bundled model, live training of a "
        "small digit CNN with loss curves, and transfer learning of a new output layer.",
        module="network",
    ),
    LessonInfo(
        "photo",
        "Photos (CIFAR-10)",
        "Convolution on RGB images · CIFAR-10",
        "Classify a photo into the ten CIFAR-10 classes and open any channel of any layer "
        "to see its per-channel sums plus bias, on the network's real learned weights.",
        module="photo",
    ),
    LessonInfo(
        "segmentation",
        "Segmentation (FCN)",
        "Fully convolutional networks · Upsampling · IoU",
        "FCN-32s, 16s and 8s label every pixel of a scene of digits; compare their predictions "
        "with the ground truth, pixel accuracy and per-class IoU, and step a transposed convolution.",
        module="segmentation",
    ),
)

LESSON_IDS: tuple[str, ...] = tuple(info.id for info in LESSONS)


def lesson_info(lesson_id: str) -> LessonInfo:
    """Look a lesson up by id; ``ValueError`` lists the valid ids."""
    for info in LESSONS:
        if info.id == lesson_id:
            return info
    raise ValueError(f"unknown lesson {lesson_id!r}; valid lessons: {', '.join(LESSON_IDS)}")


def create_lesson(lesson_id: str, state: AppState, parent: QWidget | None = None) -> Lesson:
    """Import the lesson's module (first time only) and build its widget."""
    info = lesson_info(lesson_id)
    if info.module is None:
        from .coming_soon import ComingSoonLesson

        return ComingSoonLesson(info, state, parent)
    module = importlib.import_module(f"{__name__}.{info.module}")
    return module.create(state, parent)
