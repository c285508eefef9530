"""Showing failures to the user: plain words first, the traceback under "details"."""

from __future__ import annotations

import traceback

from PySide6.QtWidgets import QMessageBox, QWidget


def show_error(parent: QWidget | None, title: str, message: str, details: str = "", next_step: str = "") -> None:
    """Show a modal error dialog. The app keeps running afterwards."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(message)
    if next_step:
        box.setInformativeText(next_step)
    if details:
        box.setDetailedText(details)
    box.exec()


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
