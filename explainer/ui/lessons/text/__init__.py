"""Lesson ``text``: words as vectors. An embedding, a 1-D CNN, a simple RNN and an LSTM read IMDB reviews live.

``state`` holds what a teacher sets (the text or bundled review, the tab, the model shown, the filter,
the selected word, the play speed); ``reviews`` reads the bundled held-out reviews; ``work`` is the
background work (loading the networks, reading a text, tracing the summaries); ``describe`` the
sentences and tables; ``pages`` the layout, ``render`` the drawing of each tab and ``view`` the binding.
The view is imported only when the lesson is built, so reading the state class needs neither Qt nor torch.
"""


def create(app_state, commands, parent=None):
    """Build the lesson page (the registry calls this the first time the lesson is opened)."""
    from .view import create as create_view

    return create_view(app_state, commands, parent)
