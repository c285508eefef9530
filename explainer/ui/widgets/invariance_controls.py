"""The invariance lab's sliders: shift, rotation, scale, thickness, noise, contrast and the grey square.

The widget takes an :class:`~explainer.ui.widgets.invariance_state.InvarianceState`:
a slider calls the state's setter, and the state's signals move the slider
and its value label (inside ``QSignalBlocker``), so a session, a tour step or
a test setting the state moves the sliders too. Nothing is read back from a slider.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ...core.transforms import RANGES
from .invariance_state import TRANSFORM_TEXT, InvarianceState

#: One slider step of each transform, in its own unit.
STEPS = {"shift_x": 0.5, "shift_y": 0.5, "rotation": 1.0, "scale": 0.05, "thickness": 1.0, "noise": 0.02,
         "contrast": 0.05}


def format_value(name: str, value: float) -> str:
    """How a transform's value is written beside its slider: "+2.5 px", "−15° ↻", "×1.20", "σ 0.10"."""
    if name in ("shift_x", "shift_y"):
        return f"{value:+.1f} px".replace("-", "−") if value else "0 px"
    if name == "rotation":  # the arrow shows which way the picture turns (positive: counter-clockwise)
        return f"{value:+.0f}° {'↺' if value > 0 else '↻'}".replace("-", "−") if value else "0°"
    if name == "thickness":
        return f"{int(value):+d} px".replace("-", "−") if value else "0 px"
    if name == "noise":
        return f"σ {value:.2f}"
    return f"×{value:.2f}"  # scale, contrast


def to_slider(name: str, value: float) -> int:
    """The slider position nearest to ``value``."""
    return int(round((value - RANGES[name][0]) / STEPS[name]))


def from_slider(name: str, position: int) -> float:
    """The value at slider ``position`` (rounded so that 0.1 + 0.2 prints as 0.3)."""
    low, high = RANGES[name]
    return float(min(high, max(low, round(low + position * STEPS[name], 6))))


class TransformControls(QWidget):
    """One labelled slider per transform, the grey square's side and clear button, and the recipe toggle.

    Parameters
    ----------
    state : InvarianceState
    recipe : bool
        Offer the "Centre like MNIST" toggle (digits only).

    Attributes
    ----------
    sliders, values : dict of str to QSlider / QLabel
        Per transform name (``"shift_x"``, ``"rotation"``…); the occlusion side is ``"occlusion_side"``.
    """

    def __init__(self, state: InvarianceState, recipe: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        for row, name in enumerate(state.transforms):
            low, high = RANGES[name]
            self._add_row(grid, row, name, TRANSFORM_TEXT[name][0], 0, to_slider(name, high))
            self.sliders[name].setToolTip(f"{TRANSFORM_TEXT[name][0]}: {format_value(name, low)} … "
                                          f"{format_value(name, high)}")
        row = len(state.transforms)
        self._add_row(grid, row, "occlusion_side", "grey square", 1, state.side)
        self.sliders["occlusion_side"].setToolTip("Side of the grey square; drag on the transformed picture "
                                                  "to place it")
        grid.setColumnStretch(1, 1)

        self.clear_button = QPushButton("Remove square", objectName="clearOcclusionButton")
        self.clear_button.setToolTip("Take the grey square off the picture")
        self.reset_button = QPushButton("Reset all", objectName="resetTransformsButton")
        self.reset_button.setToolTip("Every slider back to no change, and no grey square")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.reset_button)
        self.hint = QLabel("Drag on the transformed picture to place the grey square.", wordWrap=True)
        self.hint.setStyleSheet("color: #555;")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        self.recipe_box: QCheckBox | None = None
        if recipe:
            self.recipe_box = QCheckBox("Centre like MNIST (the recipe)", objectName="recipeToggle")
            self.recipe_box.setToolTip("On: the transformed digit is cropped, scaled into 20×20 and centred by "
                                       "its centre of mass before the network reads it, as every MNIST digit was. "
                                       "Off: the network reads the transformed digit as it is.")
            self.recipe_box.toggled.connect(lambda on: setattr(state, "recipe", bool(on)))
            state.events.recipe.connect(self._on_state_recipe_changed)
            layout.addWidget(self.recipe_box)

        self.clear_button.clicked.connect(lambda: setattr(state, "occlusion", None))
        self.reset_button.clicked.connect(state.reset_transforms)
        for name in state.transforms:
            getattr(state.events, name).connect(lambda *_, n=name: self._show(n))
        state.events.occlusion_side.connect(lambda *_: self._show("occlusion_side"))
        state.events.occlusion.connect(self._on_state_occlusion_changed)
        self.render()

    def _add_row(self, grid: QGridLayout, row: int, name: str, text: str, minimum: int, maximum: int) -> None:
        slider = QSlider(Qt.Orientation.Horizontal, objectName=f"{name}Slider")
        slider.setRange(minimum, maximum)
        slider.setPageStep(max(1, maximum // 8))
        value = QLabel("", objectName=f"{name}Value")
        value.setMinimumWidth(value.fontMetrics().horizontalAdvance("−60.0 px "))
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(QLabel(text), row, 0)
        grid.addWidget(slider, row, 1)
        grid.addWidget(value, row, 2)
        self.sliders[name], self.values[name] = slider, value
        slider.valueChanged.connect(lambda position, n=name: self._on_slider_moved(n, position))

    # -- widgets -> state ------------------------------------------------------
    def _on_slider_moved(self, name: str, position: int) -> None:
        if name == "occlusion_side":
            self.state.set_occlusion_side(position)
        else:
            self.state.set_transform(name, from_slider(name, position))

    # -- state -> widgets ------------------------------------------------------
    def render(self) -> None:
        """Show every value of the state."""
        for name in (*self.state.transforms, "occlusion_side"):
            self._show(name)
        self._on_state_occlusion_changed()
        self._on_state_recipe_changed()

    def _show(self, name: str) -> None:
        value = getattr(self.state, name)
        slider = self.sliders[name]
        with QSignalBlocker(slider):
            slider.setValue(int(value) if name == "occlusion_side" else to_slider(name, value))
        text = f"{int(value)} px" if name == "occlusion_side" else format_value(name, value)
        self.values[name].setText(text)

    def _on_state_occlusion_changed(self, *_) -> None:
        self.clear_button.setEnabled(self.state.occlusion is not None)

    def _on_state_recipe_changed(self, *_) -> None:
        if self.recipe_box is not None:
            with QSignalBlocker(self.recipe_box):
                self.recipe_box.setChecked(self.state.recipe)
