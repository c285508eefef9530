"""The lecture tour: steps that put lessons in given states, with words and questions for a class.

:mod:`.model` is the data (no Qt); :mod:`.panel` shows it and drives the window.
"""
