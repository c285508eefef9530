"""Lesson ``photo``: a trained CIFAR-10 CNN on real photos, every channel of every layer.

``state`` holds the lesson's whole state (no Qt), ``analysis`` the work done
in background threads (crop, shrink, network, channel breakdown), ``view``
the page. The view is imported only when the lesson is built, so a session
can be checked against :mod:`.state` without loading Qt or torch.
"""

from __future__ import annotations


def create(app_state, commands, parent=None):
    """Build the photo lesson's page."""
    from .view import PhotoLesson

    return PhotoLesson(app_state, commands, parent=parent)
