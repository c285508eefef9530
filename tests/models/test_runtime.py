"""Fast live inference: fused copies predict what the originals do; one torch thread for the app."""

import pytest
import torch
from torch import nn

from explainer.models import inference_copy, load_model, use_interactive_threads


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


def test_interactive_threads_is_one_thread():
    before = torch.get_num_threads()
    try:
        use_interactive_threads()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
