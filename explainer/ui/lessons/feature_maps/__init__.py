"""Lesson ``feature-maps``: several kernels on one image, shared weights, pooling per map."""

from __future__ import annotations


def create(app_state, commands, parent=None):
    """Build the lesson (Qt is imported here, not when the package's state is read)."""
    from .view import FeatureMapsLesson

    return FeatureMapsLesson(app_state, commands, parent)
