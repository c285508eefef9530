"""Taking ConvLens' networks to the tools people already use: ONNX files (Netron) and TensorBoard logs.

:func:`export_onnx` writes any torch module (a bundled network, or one
trained in the app) as ONNX, with its class names and preprocessing in the
file's metadata, so :func:`explainer.models.external.open_model` reads them
back. It uses torch's TorchScript-based exporter (``dynamo=False``): for our
networks it gives the same outputs as the dynamo exporter (within 6e-6), in
about 0.2 s instead of 1–3 s, and it needs no ``onnxscript``. Batch norm is
kept as its own ``BatchNormalization`` node (``TrainingMode.PRESERVE`` on a
model in eval mode) so the file shows the network as it is built; the dynamo
exporter is used instead when the TorchScript one is missing or fails (it
needs ``onnxscript``).

:class:`TensorBoardLog` writes a training run's figures and graph for
TensorBoard. tensorboard is an optional extra (``pip install -e
".[tensorboard]"``), imported only when a log is made.
"""

from __future__ import annotations

import datetime
import json
import math
import pathlib
import warnings

import torch
from torch import nn

from .external.preprocessing import Preprocessing

INSTALL_TENSORBOARD = 'pip install -e ".[tensorboard]"'
#: ONNX operator set written (onnxruntime ≥ 1.17 runs it).
OPSET = 17


def default_labels(model: nn.Module) -> list[str] | None:
    """The class names of a ConvLens network (CIFAR-10 classes, digits, scene classes), else None."""
    from ..data.scenes import CLASS_NAMES
    from .digits import DigitCNN
    from .fcn import FCN
    from .photo import CIFAR10_CLASSES, PhotoCNN

    if isinstance(model, PhotoCNN):
        return list(CIFAR10_CLASSES)
    if isinstance(model, DigitCNN):
        return [str(d) for d in range(10)]
    if isinstance(model, FCN):
        return list(CLASS_NAMES)
    return None


def _write_metadata(path: pathlib.Path, labels, preprocessing: Preprocessing, title: str) -> None:
    import onnx

    model = onnx.load(str(path))
    del model.metadata_props[:]
    stated = {k: v for k, v in preprocessing.to_dict().items() if k in ("size", "channel_order", "scale", "mean",
                                                                         "std")}
    entries = {"convlens.preprocessing": json.dumps(stated)}
    if labels is not None:
        entries["labels"] = json.dumps([str(label) for label in labels])
    for key, value in entries.items():
        model.metadata_props.add(key=key, value=value)
    model.doc_string = f"{title}, exported by ConvLens"
    onnx.save(model, str(path))


def export_onnx(model: nn.Module, example: torch.Tensor, path, labels=None,
                preprocessing: Preprocessing | dict | None = None) -> pathlib.Path:
    """Write ``model`` as an ONNX file with its class names and preprocessing as metadata.

    Parameters
    ----------
    model : nn.Module
        Exported in eval mode (its mode is restored afterwards).
    example : torch.Tensor, shape (N, C, H, W)
        An input of the size the model takes; the batch dimension is exported as variable.
    path : path-like
        Written atomically (a temporary file beside it, then renamed).
    labels : sequence of str, optional
        Class names; by default those of a ConvLens network (:func:`default_labels`), else none.
    preprocessing : Preprocessing or dict, optional
        By default the example's size with plain pixel values in [0, 1] (mean 0, std 1), which is what
        every ConvLens network takes.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        When the model cannot be exported or the file cannot be written, with a sentence.
    """
    path = pathlib.Path(path)
    if not isinstance(example, torch.Tensor) or example.dim() != 4:
        raise ValueError(f"the example input must be a (batch, channels, height, width) tensor, "
                         f"got {getattr(example, 'shape', type(example).__name__)}")
    if preprocessing is None:
        preprocessing = Preprocessing(tuple(int(s) for s in example.shape[2:]), channels=int(example.shape[1]),
                                      source="model")
    elif isinstance(preprocessing, dict):
        preprocessing = Preprocessing.from_dict(preprocessing)
    labels = default_labels(model) if labels is None else list(labels)
    tmp = path.with_name(path.name + ".tmp")
    was_training = model.training
    model.eval()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _export(model, example, tmp)
        _write_metadata(tmp, labels, preprocessing, type(model).__name__)
        tmp.replace(path)
    except OSError as exc:
        raise ValueError(f"{path.name} could not be written ({exc.strerror or exc}).") from None
    finally:
        model.train(was_training)
        tmp.unlink(missing_ok=True)
    return path


def _export(model: nn.Module, example: torch.Tensor, tmp: pathlib.Path) -> None:
    """torch's TorchScript exporter, else its dynamo exporter (see the module notes)."""
    names = dict(input_names=["input"], output_names=["output"])
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter announces its deprecation on every call
            torch.onnx.export(model, (example,), str(tmp), dynamo=False, opset_version=OPSET,
                              training=torch.onnx.TrainingMode.PRESERVE,
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, **names)
        return
    except OSError:
        raise
    except Exception as first:  # torch raises many kinds; try the other exporter before giving up
        failure = first
    try:
        import onnxscript  # noqa: F401  (the dynamo exporter needs it)
    except ImportError:
        raise ValueError(f"the model could not be exported to ONNX ({' '.join(str(failure).split())[:200]}), and "
                         f"torch's other exporter needs onnxscript (pip install onnxscript).") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(model, (example,), dynamo=True, opset_version=max(OPSET, 18),
                                        dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False, **names)
            program.save(str(tmp), external_data=False)
    except Exception as exc:  # noqa: BLE001 - reported as a sentence
        raise ValueError(f"the model could not be exported to ONNX: {' '.join(str(exc).split())[:300]}") from None


# ---------------------------------------------------------------- TensorBoard

class TensorBoardMissing(ImportError):
    """tensorboard is not installed; the message says how to install it."""


def tensorboard_available() -> bool:
    """Whether :class:`TensorBoardLog` can be used (tensorboard is installed), without importing it."""
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def new_run_dir(root, prefix: str = "convlens") -> pathlib.Path:
    """A fresh folder name under ``root`` for one run: ``root/prefix-YYYYmmdd-HHMMSS`` (not created)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate, i = pathlib.Path(root) / f"{prefix}-{stamp}", 1
    while candidate.exists():
        i += 1
        candidate = pathlib.Path(root) / f"{prefix}-{stamp}-{i}"
    return candidate


class TensorBoardLog:
    """A training run written for TensorBoard (``tensorboard --logdir FOLDER``).

    Feed it the :class:`~explainer.models.loop.Progress` reports a live training yields
    (:func:`~explainer.models.live.train_digits`, :func:`~explainer.models.live.transfer`).

    Parameters
    ----------
    log_dir : path-like
        The run's folder (created); TensorBoard compares runs in sibling folders.

    Raises
    ------
    TensorBoardMissing
        If tensorboard is not installed; the message names the command that installs it.
    """

    def __init__(self, log_dir) -> None:
        if not tensorboard_available():
            raise TensorBoardMissing(f"TensorBoard is not installed, so no training log can be written. Install it "
                                     f"with: {INSTALL_TENSORBOARD}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # tensorboard's own imports
                from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise TensorBoardMissing(f"TensorBoard could not be loaded ({exc}). Install it with: "
                                     f"{INSTALL_TENSORBOARD}") from None
        self.log_dir = pathlib.Path(log_dir)
        self._writer = SummaryWriter(log_dir=str(self.log_dir))

    def _scalar(self, tag: str, value, step: int) -> None:
        if value is not None and math.isfinite(float(value)):
            self._writer.add_scalar(tag, float(value), step)

    def add_epoch(self, progress) -> None:
        """Write an ``"epoch"`` report: training and validation loss and accuracy, learning rate, seconds."""
        step = int(progress.epoch)
        self._scalar("loss/train", progress.loss, step)
        self._scalar("accuracy/train", progress.accuracy, step)
        self._scalar("loss/validation", progress.val_loss, step)
        self._scalar("accuracy/validation", progress.val_accuracy, step)
        self._scalar("learning_rate", progress.lr, step)
        self._scalar("seconds", progress.seconds, step)
        self._writer.flush()

    def add_batch(self, progress) -> None:
        """Write a ``"batch"`` report (running loss and accuracy) at its global batch number."""
        step = (int(progress.epoch) - 1) * int(progress.batches) + int(progress.batch)
        self._scalar("batch/loss", progress.loss, step)
        self._scalar("batch/accuracy", progress.accuracy, step)

    def add_progress(self, progress) -> None:
        """Write any report: batches and epochs as above; a ``"done"`` report only flushes."""
        if progress.kind == "batch":
            self.add_batch(progress)
        elif progress.kind == "epoch":
            self.add_epoch(progress)
        else:
            self._writer.flush()

    def add_graph(self, model: nn.Module, example: torch.Tensor) -> None:
        """Write the network's graph (traced on ``example``), shown in TensorBoard's Graphs tab.

        Raises ``ValueError`` with a sentence if the model cannot be traced.
        """
        was_training = model.training
        model.eval()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._writer.add_graph(model, example)
        except Exception as exc:  # noqa: BLE001 - tracing raises many kinds
            raise ValueError(f"the network's graph could not be written for TensorBoard: "
                             f"{' '.join(str(exc).split())[:200]}") from None
        finally:
            model.train(was_training)
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the files (safe to call twice)."""
        self._writer.close()

    def __enter__(self) -> "TensorBoardLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
