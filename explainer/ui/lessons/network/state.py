"""The network lesson's state: which model is shown, the training settings, the transfer task.

No Qt and no torch here (a session can be checked without loading either).
The training fields have the names of :class:`explainer.models.live.TrainSettings`,
so ``TrainSettings(**state.train_settings())`` is what a run uses. The model
trained in the app is live state but not part of a session (``transient``);
training progress and curves belong to the view.
"""

from __future__ import annotations

from dataclasses import dataclass

from psygnal import evented

from ...evented import StateModel, check_choice, check_range, transient

#: The architectures the Architecture tab can show (the keys of ``explainer.models.MODEL_NAMES``),
#: plus :data:`USER_MODEL`, the model trained or loaded in this lesson.
BUNDLED_MODELS = ("mnist", "cifar10", "fcn32s", "fcn16s", "fcn8s", "mnist_nopool")
USER_MODEL = "your model"
MODEL_CHOICES = BUNDLED_MODELS + (USER_MODEL,)

TABS = ("Architecture", "Train a digit CNN", "Transfer learning")

#: Where the training digits come from: empty = the bundled 2,000-digit sample, else an MNIST folder.
BUNDLED_DATA = ""

#: The ranges of the training settings (the spin boxes use the same ones).
RANGES = {
    "conv1": (1, 32),
    "conv2": (1, 64),
    "hidden": (8, 256),
    "dropout": (0.0, 0.8),
    "lr": (0.0001, 0.1),
    "batch_size": (8, 512),
    "epochs": (1, 50),
    "train_digits": (50, 60000),
    "seed": (0, 99999),
}
KERNEL_SIZES = (5, 3)
POOL_KINDS = ("max", "avg")

#: Transfer learning: which model is frozen, the two-class task and the new output layer.
TRANSFER_BASES = ("in use", "bundled", "yours")
TASKS = ("even vs odd", "5 or more vs less than 5", "digit d vs the rest")
HEADS = ("softmax2", "sigmoid1")
HEAD_TEXT = {"softmax2": "2 softmax units", "sigmoid1": "1 sigmoid unit"}
#: Epochs of head-only training (seconds: the frozen body's features are computed once).
TRANSFER_EPOCHS = 20


@evented
@dataclass
class NetworkState(StateModel):
    """Everything a teacher can set in the network lesson.

    Fields
    ------
    model_name : str
        The model on the Architecture tab: one of :data:`BUNDLED_MODELS` or :data:`USER_MODEL`.
    selected_layer : str
        Module name of the layer whose weights are shown ("" = none).
    tab : int
        0 architecture, 1 training, 2 transfer learning.
    conv1, conv2, hidden, kernel, pool, dropout, lr, batch_size, epochs, train_digits, augment, seed
        The training settings (:class:`explainer.models.live.TrainSettings`).
    data_folder : str
        A folder with MNIST training files, or "" for the bundled sample.
    transfer_base : str
        "in use" (the digit model the other lessons use), "bundled", or "yours" (trained or loaded here).
    task : str
        One of :data:`TASKS`; "digit d vs the rest" uses :attr:`task_digit`.
    head : str
        "softmax2" (2 softmax units) or "sigmoid1" (1 sigmoid unit).
    task_digit : int
    trained_model : torch module or None (not saved)
        The model trained or loaded in this lesson.
    trained_model_name : str (not saved)
        What to call it when it is used elsewhere.
    """

    state_name = "the network lesson's state"

    model_name: str = "mnist"
    selected_layer: str = ""
    tab: int = 0
    conv1: int = 8
    conv2: int = 16
    hidden: int = 64
    kernel: int = 5
    pool: str = "max"
    dropout: float = 0.2
    lr: float = 0.01
    batch_size: int = 64
    epochs: int = 20
    train_digits: int = 2000
    augment: bool = False
    seed: int = 0
    data_folder: str = BUNDLED_DATA
    transfer_base: str = "in use"
    task: str = "even vs odd"
    head: str = "softmax2"
    task_digit: int = 7
    trained_model: object = transient(None)
    trained_model_name: str = transient("your trained model")

    def validate(self) -> None:
        check_choice("the model shown", self.model_name, MODEL_CHOICES)
        check_range("the tab", self.tab, 0, len(TABS) - 1)
        for name, (low, high) in RANGES.items():
            check_range(name.replace("_", " "), getattr(self, name), low, high)
        check_choice("the kernel size", self.kernel, KERNEL_SIZES)
        check_choice("the pooling", self.pool, POOL_KINDS)
        check_choice("the model to start from", self.transfer_base, TRANSFER_BASES)
        check_choice("the task", self.task, TASKS)
        check_choice("the output layer", self.head, HEADS)
        check_range("the digit of “digit d vs the rest”", self.task_digit, 0, 9)

    # -- setters with logic -------------------------------------------------------
    def show_model(self, name: str) -> None:
        """Show architecture ``name``; the selected layer belongs to the old one, so it is cleared."""
        check_choice("the model shown", name, MODEL_CHOICES)
        if name != self.model_name:
            self.selected_layer = ""
            self.model_name = name

    def set_trained_model(self, model, name: str = "your trained model") -> None:
        """Keep ``model`` (trained or loaded here) as "your model"."""
        self.trained_model_name = name
        self.trained_model = model

    # -- what a run uses ----------------------------------------------------------
    def train_settings(self) -> dict:
        """Keyword arguments for ``TrainSettings`` (validated first: ``ValueError`` if out of range)."""
        self.validate()
        return dict(conv1=self.conv1, conv2=self.conv2, hidden=self.hidden, kernel=self.kernel, pool=self.pool,
                    dropout=float(self.dropout), lr=float(self.lr), batch_size=self.batch_size, epochs=self.epochs,
                    train_digits=self.train_digits, augment=self.augment, seed=self.seed)

    def task_name(self) -> str:
        """The task as ``explainer.models.live.task_labels`` reads it ("digit 3 vs the rest")."""
        return f"digit {self.task_digit} vs the rest" if self.task == "digit d vs the rest" else self.task


State = NetworkState
