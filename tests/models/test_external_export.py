"""Exporting ConvLens networks: ONNX files that open_model reads back, and TensorBoard logs of a training run."""

import numpy as np
import pytest
import torch

from explainer.models import DigitCNN, load_model
from explainer.models import export as export_module
from explainer.models.export import TensorBoardLog, TensorBoardMissing, export_onnx
from explainer.models.external import Preprocessing, open_model
from explainer.models.photo import CIFAR10_CLASSES


@pytest.mark.parametrize("name, shape", [("mnist", (1, 1, 28, 28)), ("cifar10", (1, 3, 32, 32))])
def test_export_onnx_round_trip(tmp_path, name, shape):
    model = load_model(name)
    model.train()
    x = torch.rand(*shape)
    path = export_onnx(model, x, tmp_path / f"{name}.onnx")
    assert model.training  # its mode is given back
    assert not list(tmp_path.glob("*.tmp"))
    model.eval()
    opened = open_model(path)
    assert opened.labels == (list(CIFAR10_CLASSES) if name == "cifar10" else [str(d) for d in range(10)])
    p = opened.preprocessing
    assert (p.source, p.size, p.channels, p.mean, p.std, p.scale) == ("model", shape[2:], shape[1], (0.0,) * 3,
                                                                      (1.0,) * 3, 1.0)
    batch = torch.rand(3, *shape[1:])  # the batch dimension is exported as variable
    out = opened.activations(batch.numpy())
    np.testing.assert_allclose(list(out.values())[-1], model(batch).detach().numpy(), atol=1e-4)
    ours = [type(m).__name__ for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.BatchNorm2d))]
    shown = [layer.op_type for layer in opened.layers() if layer.op_type in ("Conv", "BatchNormalization")]
    assert shown == ["Conv" if kind == "Conv2d" else "BatchNormalization" for kind in ours]  # batch norm kept


def test_export_onnx_with_given_labels_and_preprocessing(tmp_path):
    torch.manual_seed(0)
    model = DigitCNN(conv1=4, conv2=8, hidden=16)
    labels = [f"digit {d}" for d in range(10)]
    stated = Preprocessing((28, 28), scale=255.0, mean=(33.3, 33.3, 33.3), std=(78.6, 78.6, 78.6), channels=1)
    opened = open_model(export_onnx(model, torch.rand(1, 1, 28, 28), tmp_path / "d.onnx", labels=labels,
                                    preprocessing=stated.to_dict()))
    assert opened.labels == labels
    assert opened.preprocessing.to_dict() == dict(stated.to_dict(), source="model")
    with pytest.raises(ValueError, match=r"\(batch, channels, height, width\) tensor"):
        export_onnx(model, torch.rand(28, 28), tmp_path / "bad.onnx")


def test_tensorboard_log_of_a_training_run(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from explainer.models.loop import fit

    torch.manual_seed(0)
    model = DigitCNN(conv1=2, conv2=4, hidden=8)
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    with TensorBoardLog(tmp_path / "run") as log:
        log.add_graph(model, x[:1])
        for progress in fit(model, x, y, x[:16], y[:16], epochs=2, batch_size=32):
            log.add_progress(progress)
    assert list((tmp_path / "run").glob("events.out.tfevents.*"))
    events = EventAccumulator(str(tmp_path / "run"))
    events.Reload()
    tags = events.Tags()
    assert {"loss/train", "accuracy/validation", "learning_rate", "batch/loss"} <= set(tags["scalars"])
    assert [e.step for e in events.Scalars("loss/validation")] == [1, 2]
    assert [e.step for e in events.Scalars("batch/loss")] == [1, 2, 3, 4]
    assert tags["graph"]


def test_tensorboard_missing_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(export_module, "tensorboard_available", lambda: False)
    with pytest.raises(TensorBoardMissing, match=r'pip install -e "\.\[tensorboard\]"'):
        TensorBoardLog(tmp_path / "run")
    assert not (tmp_path / "run").exists()
