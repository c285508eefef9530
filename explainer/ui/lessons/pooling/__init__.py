"""Lesson ``pooling``: max, average and L2 pooling side by side, and stride versus pooling.

``state`` holds the lesson's whole state (no Qt); ``view`` builds the page.
The view is imported only when the lesson is created, so a session check can
read :mod:`.state` without loading Qt.
"""

from __future__ import annotations


def create(app_state, commands, parent=None):
    """Build the pooling lesson's page."""
    from .view import PoolingLesson

    return PoolingLesson(app_state, commands, parent=parent)
