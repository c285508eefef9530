"""Step, play and reset buttons with a speed slider, for anything that moves one cell at a time."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget


class StepperControls(QWidget):
    """◀ Step, Step ▶, Play/Pause, Reset and a cells-per-second slider.

    ``noun`` names what one step moves in the tooltips ("cell", "word").

    The widget keeps no position: it asks for steps, and while playing it
    ticks at the shown speed; the caller decides what a step or a tick does
    (and stops playing at the end with ``set_playing(False)``).

    Child names: ``stepBackButton``, ``stepButton``, ``playButton``,
    ``resetButton``, ``speedSlider``, ``speedLabel``.

    Signals
    -------
    step_requested(int)
        −1 or +1.
    reset_requested()
    playing_changed(bool)
        Play was pressed (True) or paused (False).
    speed_chosen(int)
        The slider moved to this many cells per second.
    ticked()
        Time for the next cell while playing.
    """

    step_requested = Signal(int)
    reset_requested = Signal()
    playing_changed = Signal(bool)
    speed_chosen = Signal(int)
    ticked = Signal()

    def __init__(self, speeds: tuple[int, int] = (1, 10), parent: QWidget | None = None, noun: str = "cell") -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.ticked)
        self.back_button = self._button("◀ Step", "stepBackButton", f"Previous {noun} (←)")
        self.next_button = self._button("Step ▶", "stepButton", f"Next {noun} (→)")
        self.play_button = self._button("Play", "playButton", f"Animate, one {noun} after another (Space)")
        self.play_button.setCheckable(True)
        self.reset_button = self._button("Reset", "resetButton", f"Back to the first {noun} (Home)")
        self.back_button.clicked.connect(lambda: self.step_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.step_requested.emit(1))
        self.play_button.toggled.connect(self._on_play_toggled)
        self.reset_button.clicked.connect(self.reset_requested)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, objectName="speedSlider", minimum=speeds[0],
                                    maximum=speeds[1], toolTip=f"Animation speed: {noun}s per second")
        self.speed_slider.valueChanged.connect(self.speed_chosen)
        self.speed_label = QLabel(objectName="speedLabel")
        buttons = QHBoxLayout()
        for button in (self.back_button, self.next_button, self.play_button, self.reset_button):
            buttons.addWidget(button)
        speed = QHBoxLayout()
        speed.addWidget(QLabel("speed"))
        speed.addWidget(self.speed_slider, 1)
        speed.addWidget(self.speed_label)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(buttons)
        column.addLayout(speed)
        self.set_speed(self.speed_slider.value())

    @staticmethod
    def _button(text: str, name: str, tip: str) -> QPushButton:
        return QPushButton(text, objectName=name, toolTip=tip)

    def set_speed(self, cells_per_second: int) -> None:
        """Show (and tick at) ``cells_per_second`` without reporting a choice."""
        with QSignalBlocker(self.speed_slider):
            self.speed_slider.setValue(cells_per_second)
        self.speed_label.setText(f"{cells_per_second}/s")
        self._timer.setInterval(int(1000 / max(1, cells_per_second)))

    def set_playing(self, playing: bool) -> None:
        """Play or pause (reported through ``playing_changed`` when it changes)."""
        self.play_button.setChecked(playing)

    def is_playing(self) -> bool:
        return self.play_button.isChecked()

    def stop(self) -> None:
        """Pause and stop the clock (e.g. before the owner closes)."""
        self.set_playing(False)
        self._timer.stop()

    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            self._timer.start()
        else:
            self._timer.stop()
        self.playing_changed.emit(playing)
