"""Loss and accuracy curves of a training run, and the record they are drawn from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyqtgraph as pg

TRAIN_COLOR = "#0072B2"  # Okabe–Ito blue
VALIDATION_COLOR = "#D55E00"  # Okabe–Ito vermillion


@dataclass
class TrainingHistory:
    """What a run reported so far: per batch (training) and per epoch (validation).

    Attributes
    ----------
    x, loss, accuracy : list of float
        Position in epochs (``epoch - 1 + batch / batches``), training loss and accuracy per batch.
    epochs, val_loss, val_accuracy : list of float
        Epoch number and validation figures per epoch.
    """

    x: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)

    def add_batch(self, position: float, loss: float, accuracy: float) -> None:
        self.x.append(position)
        self.loss.append(loss)
        self.accuracy.append(accuracy)

    def add_epoch(self, epoch: int, val_loss: float, val_accuracy: float) -> None:
        self.epochs.append(float(epoch))
        self.val_loss.append(val_loss)
        self.val_accuracy.append(val_accuracy)


class TrainingCurves(pg.GraphicsLayoutWidget):
    """Two plots side by side: loss and accuracy against epochs, training thin, validation with dots."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.loss_plot = self._plot(0, "Loss (cross-entropy)", "loss")
        self.accuracy_plot = self._plot(1, "Accuracy", "accuracy")
        self.accuracy_plot.setYRange(0, 1)
        self.train_loss_curve, self.val_loss_curve = self._curves(self.loss_plot)
        self.train_accuracy_curve, self.val_accuracy_curve = self._curves(self.accuracy_plot)

    def _plot(self, col: int, title: str, unit: str) -> pg.PlotItem:
        plot = self.addPlot(row=0, col=col, title=title)
        plot.setLabel("bottom", "epoch")
        plot.setLabel("left", unit)
        plot.addLegend(offset=(-10, 10) if col == 0 else (-10, -10))
        plot.showGrid(x=True, y=True, alpha=0.25)
        return plot

    @staticmethod
    def _curves(plot: pg.PlotItem) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        train = plot.plot([], [], pen=pg.mkPen(TRAIN_COLOR, width=1.5), name="training")
        val = plot.plot([], [], pen=pg.mkPen(VALIDATION_COLOR, width=2.5), symbol="o", symbolSize=6,
                        symbolBrush=VALIDATION_COLOR, name="validation")
        return train, val

    def show_history(self, history: TrainingHistory) -> None:
        """Draw ``history`` (an empty one clears the plots)."""
        self.train_loss_curve.setData(history.x, history.loss)
        self.val_loss_curve.setData(history.epochs, history.val_loss)
        self.train_accuracy_curve.setData(history.x, history.accuracy)
        self.val_accuracy_curve.setData(history.epochs, history.val_accuracy)
