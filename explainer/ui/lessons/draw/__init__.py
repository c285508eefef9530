"""Lesson ``draw``: draw a digit and watch a trained LeNet-style CNN read it.

``state`` holds the lesson's state (no Qt), ``view`` the page, ``reading_display`` how a
reading is shown on it, ``work`` the background work and ``describe`` the texts written about
a reading.
"""

from __future__ import annotations


def create(app_state, commands, parent=None):
    """Build the lesson page (Qt is imported here, not when only the state is needed)."""
    from .view import DrawLesson

    return DrawLesson(app_state, commands, parent)
