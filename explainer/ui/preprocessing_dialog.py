"""The dialog that asks how an image becomes a user model's input, when the model does not say.

Input size, channel order (RGB or BGR), pixel scale (0–1 or 0–255) and the mean and
standard deviation subtracted and divided per channel, with presets for the usual
choices. The answer is checked by :meth:`Preprocessing.from_dict` before it is taken.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

#: Mean and standard deviation presets, for pixels in 0–1 (multiplied by the scale for 0–255 pixels).
PRESETS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "ImageNet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    "none (0/1)": ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
    "0.5/0.5": ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
}
CUSTOM = "custom"
SCALES = {1.0: "pixels 0–1", 255.0: "pixels 0–255"}
#: Largest input side the dialog offers (a model's own input shape may be fixed anyway).
MAX_SIDE = 4096


def preset_of(mean, std, scale: float) -> str:
    """The preset whose numbers ``mean`` and ``std`` are (at this ``scale``), else "custom"."""
    for name, (p_mean, p_std) in PRESETS.items():
        if all(abs(a - b * scale) < 1e-6 * max(1.0, scale) for a, b in zip(tuple(mean) + tuple(std),
                                                                              p_mean + p_std)):
            return name
    return CUSTOM


def describe(preprocessing) -> str:
    """One line for the user: "224×224 RGB, pixels 0–1, ImageNet mean/std"."""
    h, w = preprocessing.size
    preset = preset_of(preprocessing.mean, preprocessing.std, float(preprocessing.scale))
    numbers = (f"mean {tuple(round(v, 4) for v in preprocessing.mean)}, std {tuple(round(v, 4) for v in preprocessing.std)}"
               if preset == CUSTOM else f"{preset} mean/std")
    order = "grey" if getattr(preprocessing, "channels", 3) == 1 else preprocessing.channel_order
    scale = SCALES.get(float(preprocessing.scale), f"pixels × {preprocessing.scale:g}")
    return f"{h}×{w} {order}, {scale}, {numbers}"


class PreprocessingDialog(QDialog):
    """Ask for a model's input settings, starting from ``preprocessing`` (the defaults, or what is in use).

    :meth:`preprocessing` is the checked answer once the dialog is accepted.
    """

    def __init__(self, preprocessing, model_name: str, parent: QWidget | None = None,
                 fixed_size: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("preprocessingDialog")
        self.setWindowTitle(f"How does {model_name} read an image?")
        self._start = preprocessing
        self._answer = None
        self.note = QLabel(
            f"<b>{model_name}</b> does not say how an image becomes its input. ConvLens asks once and keeps the "
            "answer in the session. The defaults suit most ImageNet models exported from PyTorch; models from "
            "Caffe often read BGR pixels in 0–255.", objectName="preprocessingNote", wordWrap=True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.height_spin = QSpinBox(objectName="inputHeightSpin", minimum=1, maximum=MAX_SIDE)
        self.width_spin = QSpinBox(objectName="inputWidthSpin", minimum=1, maximum=MAX_SIDE)
        for spin, value in zip((self.height_spin, self.width_spin), preprocessing.size):
            spin.setValue(int(value))
            spin.setEnabled(not fixed_size)
        if fixed_size:
            self.height_spin.setToolTip("The model's input has this fixed size")
        self.order_combo = QComboBox(objectName="channelOrderCombo")
        for order in ("RGB", "BGR"):
            self.order_combo.addItem(order, order)
        self.order_combo.setCurrentIndex(self.order_combo.findData(preprocessing.channel_order))
        self.scale_combo = QComboBox(objectName="scaleCombo")
        for value, text in SCALES.items():
            self.scale_combo.addItem(text, value)
        if float(preprocessing.scale) not in SCALES:  # a model's own scale (e.g. 219 for 16–235) stays choosable
            self.scale_combo.addItem(f"pixels × {preprocessing.scale:g}", float(preprocessing.scale))
        self.scale_combo.setCurrentIndex(max(0, self.scale_combo.findData(float(preprocessing.scale))))
        self.preset_combo = QComboBox(objectName="presetCombo")
        for name in (*PRESETS, CUSTOM):
            self.preset_combo.addItem(name, name)
        self.mean_spins = [self._number(f"mean{i}Spin", v, -1000.0) for i, v in enumerate(preprocessing.mean)]
        self.std_spins = [self._number(f"std{i}Spin", v, 0.0001) for i, v in enumerate(preprocessing.std)]
        self.error = QLabel(objectName="preprocessingError", wordWrap=True)
        self.error.setStyleSheet("color: #a30000;")
        self.error.hide()

        size_row = QHBoxLayout()
        size_row.addWidget(self.height_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("(height × width)"))
        form = QFormLayout()
        form.addRow("input size", size_row)
        form.addRow("channel order", self.order_combo)
        form.addRow("pixel scale", self.scale_combo)
        form.addRow("mean / std preset", self.preset_combo)
        form.addRow("mean (per channel)", self._row(self.mean_spins))
        form.addRow("std (per channel)", self._row(self.std_spins))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use these settings")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(QLabel("Each channel becomes (pixel − mean) / std, in the model's channel order."))
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self._show_preset()
        self.preset_combo.activated.connect(lambda _i: self._apply_preset())
        self.scale_combo.activated.connect(lambda _i: self._apply_preset())
        for spin in self.mean_spins + self.std_spins:
            spin.valueChanged.connect(lambda _v: self._show_preset())

    @staticmethod
    def _number(name: str, value: float, low: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(objectName=name, decimals=4, minimum=low, maximum=1000.0, singleStep=0.01)
        spin.setValue(float(value))
        return spin

    @staticmethod
    def _row(spins) -> QHBoxLayout:
        row = QHBoxLayout()
        for spin in spins:
            row.addWidget(spin)
        return row

    def _scale(self) -> float:
        return float(self.scale_combo.currentData())

    def _apply_preset(self) -> None:
        """The chosen preset's numbers, at the chosen pixel scale (a custom choice keeps the numbers)."""
        name = self.preset_combo.currentData()
        if name in PRESETS:
            mean, std = PRESETS[name]
            for spins, values in ((self.mean_spins, mean), (self.std_spins, std)):
                for spin, value in zip(spins, values):
                    spin.blockSignals(True)
                    spin.setValue(value * self._scale())
                    spin.blockSignals(False)
        self._show_preset()

    def _show_preset(self) -> None:
        mean = [spin.value() for spin in self.mean_spins]
        std = [spin.value() for spin in self.std_spins]
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(preset_of(mean, std, self._scale())))

    def chosen(self):
        """The settings on screen as a checked Preprocessing; ``ValueError`` with a sentence if they are not usable."""
        chosen = dataclasses.replace(
            self._start, size=(self.height_spin.value(), self.width_spin.value()),
            channel_order=self.order_combo.currentData(), scale=self._scale(),
            mean=tuple(spin.value() for spin in self.mean_spins), std=tuple(spin.value() for spin in self.std_spins),
            source="user")
        return type(chosen).from_dict(chosen.to_dict())

    def accept(self) -> None:
        try:
            self._answer = self.chosen()
        except ValueError as exc:
            self.error.setText(f"These settings cannot be used: {exc}")
            self.error.show()
            return
        super().accept()

    def preprocessing(self):
        """The accepted settings (None until the dialog is accepted)."""
        return self._answer
