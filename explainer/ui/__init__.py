"""The Qt user interface. Only this package imports Qt."""

from .app import MainWindow

__all__ = ["MainWindow"]
