"""Fast live inference: fused copies predict what the originals do; one torch thread for the app."""

import pytest
import torch
from torch import nn

from explainer.models import all_cores, inference_copy, load_model, use_interactive_threads


@pytest.mark.parametrize("name, shape", [("mnist", (4, 1, 28, 28)), ("cifar10", (4, 3, 32, 32)),
                                         ("fcn8s", (2, 1, 96, 96)), ("fcn32s", (1, 1, 64, 96))])
def test_inference_copy_predicts_what_the_model_does(name, shape):
    model = load_model(name)
    fast = inference_copy(model)
    torch.manual_seed(0)
    x = torch.rand(shape)
    with torch.no_grad():
        ref = model(x)
        out = fast(x.contiguous(memory_format=torch.channels_last))
        plain = fast(x)  # ordinary (contiguous) input works too
    assert out.shape == ref.shape
    assert torch.allclose(out, ref, atol=1e-3, rtol=1e-3)
    assert torch.allclose(plain, ref, atol=1e-3, rtol=1e-3)
    assert (out.argmax(1) == ref.argmax(1)).float().mean() > 0.999
    # The batch norms (the digit model has none) are folded away in the copy only; the original is untouched.
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == (name != "mnist")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fast.modules())
    assert all(p.is_contiguous() for p in model.parameters())
    assert not fast.training


def test_interactive_threads_reach_worker_threads_and_training_gets_all_cores():
    import os
    import threading

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        use_interactive_threads()
        seen = []
        worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        worker.start()
        worker.join()
        assert torch.get_num_threads() == 1 and seen == [1]  # a thread started later runs torch on one thread too
        with all_cores():
            assert torch.get_num_threads() == max(1, os.cpu_count() or 1)
        assert torch.get_num_threads() == 1  # and back afterwards
    finally:
        torch.set_num_threads(before)


def test_a_bad_saved_layout_is_a_load_error_and_old_files_still_load(tmp_path):
    from explainer.models import ModelLoadError, build_model, load_model_file, save_weights
    from explainer.models.photo import PhotoCNN

    with pytest.raises(ModelLoadError, match="not valid"):
        build_model("cifar10", {"widths": [8, 16], "convs": [1]})
    # Files written before per-stage conv counts existed have only "widths": they get the old layout.
    model = PhotoCNN((8, 16, 32))
    path = tmp_path / "old.pt"
    save_weights(path, "cifar10", model, {"widths": [8, 16, 32]}, {})
    loaded = load_model_file(path, "cifar10")
    assert [m.out_channels for m in loaded.modules() if isinstance(m, nn.Conv2d)] == [8, 8, 16, 16, 32]


def test_loading_every_bundled_model_leaves_torch_dynamo_unloaded():
    """The size check builds each network on the "meta" device without its random fills.

    A meta ``normal_`` (nn.Embedding's initialisation) goes through torch's Python reference
    kernels, which import torch._dynamo and sympy (about 70 MB resident) on first use.
    """
    import subprocess
    import sys

    code = ("import sys, explainer.models as m\n"
            "for name in ('mnist', 'cifar10', 'fcn8s', 'imdb_cnn', 'imdb_rnn', 'imdb_lstm'):\n"
            "    m.load_model(name)\n"
            "print(sorted(k for k in ('torch._dynamo', 'sympy') if k in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_size_check_still_counts_every_weight():
    from explainer.models import build_model
    from explainer.models.config import check_size
    from explainer.models.text import TextLSTM

    model = build_model("imdb_lstm")
    expected = sum(t.numel() for t in model.parameters()) + sum(t.numel() for t in model.buffers())
    assert check_size(TextLSTM, {}) == expected


def test_overlapping_all_cores_blocks_give_the_setting_back_when_the_last_ends():
    """A sweep that starts during a training run and ends after it must not leave every core in use."""
    import os

    import torch

    from explainer.models import all_cores

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        training, sweeping = all_cores(), all_cores()
        training.__enter__()
        sweeping.__enter__()
        assert torch.get_num_threads() == max(1, os.cpu_count() or 1)
        training.__exit__(None, None, None)  # the run ends first ...
        assert torch.get_num_threads() == max(1, os.cpu_count() or 1)  # ... the sweep still has every core
        sweeping.__exit__(None, None, None)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
