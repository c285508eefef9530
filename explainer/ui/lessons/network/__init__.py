"""Lesson ``network``: the layer graph and ``model.summary()`` of every bundled model, live training of a
small digit CNN with loss curves, and transfer learning of a new output layer.

``state`` holds what a teacher sets (model shown, selected layer, training settings, transfer task);
``jobs`` holds the background work (tracing, data, training, transfer); ``panels`` lays out the three
tabs and ``view`` binds them to the state. The view is imported only when the lesson is built, so
reading the state class stays free of Qt and torch.
"""


def create(app_state, commands, parent=None):
    """Build the lesson widget."""
    from .view import create as create_view

    return create_view(app_state, commands, parent)
