"""Lesson ``segmentation``: FCN-32s, 16s and 8s label every pixel of a scene of digits.

``state`` holds the lesson's whole state (no Qt), ``compute`` the background
work (no Qt), ``view`` the layout and its bindings and ``results_display`` how a
result is drawn on it. The view is imported only by :func:`create`, so reading
the state class needs no Qt.
"""

from __future__ import annotations


def create(app_state, commands, parent=None):
    """Build the lesson widget (imports Qt, torch and the view on first use)."""
    from .view import SegmentationLesson

    return SegmentationLesson(app_state, commands, parent=parent)
