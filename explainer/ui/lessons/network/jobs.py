"""The network lesson's background work: plain functions of their inputs (no Qt, no widgets, no state).

Each runs in a worker thread. A model another lesson may be running (the
digit model in use) is only read: the summary traces a private twin of it.
"""

from __future__ import annotations

from ....models import all_cores, load_model
from ....models.child import in_child
from ....models.live import TrainSettings, bundled_digits, folder_digits, train_digits, transfer
from ....models.summary import format_summary, summarize
from ....models.trace import private_twin
from .state import TRANSFER_EPOCHS

#: Input of each architecture (with the batch dimension), for tracing.
INPUT_SHAPES = {"mnist": (1, 1, 28, 28), "cifar10": (1, 3, 32, 32), "fcn32s": (1, 1, 96, 96),
                "fcn16s": (1, 1, 96, 96), "fcn8s": (1, 1, 96, 96)}
DIGIT_INPUT = (1, 1, 28, 28)

#: Live training and transfer run in a child process (:mod:`explainer.models.child`): their memory goes back
#: when they end, and they do not hold this process's interpreter lock. Tests that replace the training
#: functions in this process turn it off.
IN_CHILD_PROCESS = True


def background(fn, *args) -> tuple:
    """What ``generator_worker`` runs for generator function ``fn``: in a child process, or here when off."""
    return (in_child, fn, *args) if IN_CHILD_PROCESS else (fn, *args)


def describe_model(name: str, model=None) -> dict:
    """Load bundled model ``name`` (unless ``model`` is given) and trace it.

    Returns ``{"model", "rows", "shape", "text"}``: the traced module (a private
    twin sharing the weights), its summary rows, the input shape and the
    Keras-style summary text.
    """
    if model is None:
        model = load_model(name)
        shape = INPUT_SHAPES.get(name, DIGIT_INPUT)
    else:
        model = private_twin(model)  # summarize() hooks and switches to eval: never on a shared model
        shape = DIGIT_INPUT
    rows = summarize(model, shape)
    return {"model": model, "rows": rows, "shape": shape, "text": format_summary(rows, name)}


def load_digits(folder: str):
    """Training digits: the bundled sample for ``""`` (None if it is missing), else an MNIST folder.

    Raises ValueError (from :func:`folder_digits`) when the folder has no readable MNIST files.
    """
    return folder_digits(folder) if folder else bundled_digits()


def head_plan(model, head: str) -> dict:
    """What transfer learning would train and freeze on ``model`` (the bundled digit CNN if None).

    Returns ``{"inputs", "outputs", "trained", "frozen"}``: the new output layer
    reads ``inputs`` values and has ``outputs`` units, so it trains
    ``inputs × outputs + outputs`` parameters; the rest of the network is frozen.
    """
    if model is None:
        model = load_model("mnist")
    try:
        last = model.classifier[-1]
        inputs = int(last.in_features)
    except (AttributeError, IndexError, TypeError) as exc:
        raise ValueError("this model has no fully connected output layer (classifier[-1]) to replace") from exc
    outputs = 2 if head == "softmax2" else 1
    trained = inputs * outputs + outputs
    frozen = sum(p.numel() for p in model.parameters()) - sum(p.numel() for p in last.parameters())
    return {"inputs": inputs, "outputs": outputs, "trained": trained, "frozen": frozen}


def run_training(settings: TrainSettings, data, log_dir: str | None = None):
    """:func:`train_digits` with every core (the app otherwise runs torch on one thread per call).

    With ``log_dir`` every report is also written there for TensorBoard, and the trained network's
    graph with the last one; the ``"done"`` report's ``extra["tensorboard"]`` then says where, and why
    the graph is missing if it could not be traced. tensorboard missing raises
    :class:`~explainer.models.export.TensorBoardMissing` before training starts.
    """
    if log_dir is None:
        with all_cores():
            yield from train_digits(settings, data)
        return
    import torch

    from ....models.export import TensorBoardLog

    with TensorBoardLog(log_dir) as log, all_cores():
        for report in train_digits(settings, data):
            log.add_progress(report)
            if report.kind == "done":
                note = None
                try:
                    log.add_graph(report.extra["model"], torch.zeros(DIGIT_INPUT))
                except ValueError as exc:
                    note = str(exc)
                report.extra["tensorboard"] = {"dir": str(log_dir), "graph_error": note}
            yield report


def run_transfer(base, task: str, head: str, data):
    """:func:`transfer` on ``base`` (the bundled digit CNN if None), reporting every epoch."""
    if base is None:
        base = load_model("mnist")
    yield from transfer(base, task, head, data, TRANSFER_EPOCHS)


def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())

