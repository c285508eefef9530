"""Lesson ``dense``: flatten → fully connected → softmax on the digit model in use.

``state`` holds what a teacher sets (input, temperature, logit override);
``head`` runs the model's head in a worker; ``view`` lays it out. The view is
imported only when the lesson is built, so reading the state class stays Qt-free.
"""


def create(app_state, commands, parent=None):
    """Build the lesson widget."""
    from .view import create as create_view

    return create_view(app_state, commands, parent)
