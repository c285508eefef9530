"""Lesson ``convolution``: step a kernel across the channels of an input, every number shown.

``state.py`` holds the lesson's whole state (no Qt), ``presets.py`` where its
inputs come from, ``view.py`` the page and ``step_display.py`` how the numbers of
each step are drawn on it.
"""

from __future__ import annotations


def create(app_state, commands, parent=None):
    """Build the lesson page (the registry calls this the first time the lesson is opened)."""
    from .view import ConvolutionLesson

    return ConvolutionLesson(app_state, commands, parent=parent)
