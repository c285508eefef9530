"""The dialog of File ▸ Export animation…: which animation, its frame rate, width and frames.

:class:`AnimationDialog` shows the lesson's :class:`~explainer.ui.animation.Animation`
list and refuses bad settings with a sentence (the checks are
:func:`~explainer.ui.gif_writer.check_settings`'s). It is re-exported by
:mod:`explainer.ui.animation`, whose :func:`~explainer.ui.animation.export_animation` opens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .gif_writer import FPS_RANGE, WIDTH_RANGE, GifSettings, check_settings, frame_duration_ms, frame_height

if TYPE_CHECKING:
    from .animation import Animation

#: Default width of a frame (pixels), unless the view is narrower.
DEFAULT_WIDTH = 800


class AnimationDialog(QDialog):
    """Which animation, its frame rate, the width of the frames and the range of frames.

    Bad settings (a last frame before the first, frames too many or too large) are
    refused with a sentence under the fields; the dialog stays open.
    """

    def __init__(self, animations: list[Animation], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self.animations = animations
        self.animation_combo = QComboBox(objectName="animationCombo")
        for animation in animations:
            suffix = "" if animation.frame_count > 0 else " (not available now)"
            self.animation_combo.addItem(animation.name + suffix)
        self.fps_spin = QSpinBox(objectName="fpsSpin", suffix=" frames per second",
                                 toolTip="How fast the animation plays")
        self.fps_spin.setRange(*FPS_RANGE)
        self.width_spin = QSpinBox(objectName="widthSpin", suffix=" px", singleStep=20,
                                   toolTip="Width of the GIF; the height keeps the view's proportions")
        self.width_spin.setRange(*WIDTH_RANGE)
        self.height_label = QLabel(objectName="heightLabel")
        self.first_spin = QSpinBox(objectName="firstFrameSpin")
        self.last_spin = QSpinBox(objectName="lastFrameSpin")
        self.summary = QLabel(objectName="animationSummary", wordWrap=True)
        self.error_label = QLabel(objectName="animationError", wordWrap=True)
        self.error_label.setStyleSheet("color: #a00; background: #fde8e8; padding: 6px; border-radius: 4px;")
        self.error_label.hide()
        self.note = QLabel(objectName="animationNote", wordWrap=True)
        self.range_label = QLabel("frames")
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_spin)
        size_row.addWidget(self.height_label, 1)
        range_row = QHBoxLayout()
        range_row.addWidget(self.first_spin)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.last_spin)
        range_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Animation", self.animation_combo)
        form.addRow("Frame rate", self.fps_spin)
        form.addRow("Width", size_row)
        form.addRow(self.range_label, range_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.summary)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.animation_combo.currentIndexChanged.connect(self._on_animation_chosen)
        for spin in (self.fps_spin, self.width_spin, self.first_spin, self.last_spin):
            spin.valueChanged.connect(self._update_summary)
        first = next((i for i, a in enumerate(animations) if a.frame_count > 0), 0)
        self.animation_combo.setCurrentIndex(first)
        self._on_animation_chosen(first)

    def animation(self) -> Animation:
        return self.animations[self.animation_combo.currentIndex()]

    def settings(self) -> GifSettings:
        return GifSettings(fps=self.fps_spin.value(), width=self.width_spin.value(), first=self.first_spin.value(),
                           last=self.last_spin.value())

    def _on_animation_chosen(self, index: int) -> None:
        animation = self.animations[index]
        count = max(1, animation.frame_count)
        for spin in (self.first_spin, self.last_spin):
            spin.blockSignals(True)
            spin.setRange(1, count)
            spin.blockSignals(False)
        self.first_spin.setValue(1)
        self.last_spin.setValue(count)
        self.range_label.setText(f"{animation.unit.capitalize()}s")
        self.fps_spin.setValue(int(np.clip(animation.fps, *FPS_RANGE)))
        view_width = animation.view_size()[0]
        self.width_spin.setValue(int(np.clip(min(DEFAULT_WIDTH, view_width or DEFAULT_WIDTH), *WIDTH_RANGE)))
        self.note.setText(animation.unavailable if animation.frame_count < 1 else "")
        self.note.setVisible(animation.frame_count < 1)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(animation.frame_count > 0)
        self._update_summary()

    def _update_summary(self, *_args) -> None:
        animation, settings = self.animation(), self.settings()
        self.error_label.hide()
        try:
            height = frame_height(settings.width, *animation.view_size())
        except ValueError as exc:
            self.height_label.setText(str(exc))
            return
        self.height_label.setText(f"× {height} px (keeps the view's proportions)")
        frames = max(0, settings.last - settings.first + 1)
        seconds = frames * frame_duration_ms(settings.fps) / 1000
        self.summary.setText(f"{frames} frames, {seconds:.1f} s per loop, {settings.width}×{height} pixels.")

    def problem(self) -> str:
        """Why the settings are refused ("" when they are fine)."""
        animation = self.animation()
        if animation.frame_count < 1:
            return animation.unavailable or "This animation has no frames now."
        try:
            check_settings(self.settings(), animation.frame_count, animation.view_size(), animation.unit)
        except ValueError as exc:
            return f"{str(exc)[:1].upper()}{str(exc)[1:]}."
        return ""

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        super().accept()
