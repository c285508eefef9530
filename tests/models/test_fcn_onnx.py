"""The FCNs written as ONNX graphs and run by onnxruntime give the torch networks' answers."""

import numpy as np
import pytest
import torch

from explainer.data.scenes import make_scenes
from explainer.io import heldout_digits
from explainer.models import DigitCNN, load_model
from explainer.models.fcn import FCN, VARIANTS
from explainer.models.fcn_onnx import OnnxFCN, fcn_graph


@pytest.fixture(scope="module")
def scenes():
    digits, labels = heldout_digits()
    if len(digits) == 0:
        pytest.skip("no held-out digits bundled")
    images, _ = make_scenes(digits, labels, 24, seed=4321)
    return images.astype(np.float32)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_bundled_fcns_read_every_pixel_as_torch_does(variant, scenes):
    model = load_model(variant).eval()
    runner = OnnxFCN(model)
    differing = 0
    for image in scenes:
        with torch.inference_mode():
            expected = model(torch.from_numpy(image)[None, None])[0].numpy()
        logits = runner.logits(image)
        np.testing.assert_allclose(logits, expected, atol=2e-4, rtol=1e-4)
        labels = runner(image)
        assert labels.shape == image.shape
        differing += int((labels != expected.argmax(0)).sum())
    assert differing <= 2, f"{differing} of {scenes.size} pixels labelled differently"  # ties within 1e-5 only


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_random_untrained_fcn_with_batch_norm_statistics_matches(variant):
    torch.manual_seed(7)
    model = FCN(variant, widths=(8, 8, 16, 16, 24), fc=32)
    with torch.no_grad():  # batch norm with statistics of its own, so that folding it is really tested
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
            if isinstance(module, torch.nn.Conv2d) and module.weight.abs().sum() == 0:
                module.weight.normal_(0, 0.1)  # the skip scores start at zero: give them something to add
    model.eval()
    image = torch.rand(64, 64)
    with torch.inference_mode():
        expected = model(image[None, None])[0].numpy()
    np.testing.assert_allclose(OnnxFCN(model, side=64).logits(image.numpy()), expected, atol=1e-4, rtol=1e-4)
    assert model.training is False


def test_wrong_networks_sizes_and_scenes_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match="FCNs"):
        fcn_graph(DigitCNN())
    with pytest.raises(ValueError, match="multiples of 32"):
        fcn_graph(FCN("fcn8s"), side=100)
    runner = OnnxFCN(FCN("fcn32s", widths=(4, 4, 4, 4, 4), fc=8))
    with pytest.raises(ValueError, match="96×96"):
        runner(np.zeros((64, 64), np.float32))
