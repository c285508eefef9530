"""The Qt user interface: ``app`` (MainWindow), ``widgets``, ``lessons``.

This package's ``__init__`` imports nothing, so a lesson's Qt-free ``state``
module can be imported (by a session check, a tour, a test) without Qt.
"""
