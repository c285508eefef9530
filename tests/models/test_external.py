"""Opening other people's models: a small ResNet and the bundled CIFAR-10 network, exported to ONNX and .pt2.

Each file is checked against the torch model it came from: every convolution's
activation and the final output to 1e-4, the layer list and the skip
connections. torch's ONNX exporters fold each batch norm into the convolution
before it (ours keeps them, see test_external_export.py), so a convolution of
an ONNX file is compared with torch's conv → batch-norm output.
"""

import numpy as np
import pytest
import torch

from explainer.models import load_model
from explainer.models.external import ExternalModel, open_model

from .external_support import export_onnx_file, export_pt2_file, reference, tiny_resnet

pytest.importorskip("onnxscript")  # torch's dynamo ONNX exporter, used to make the test files

CASES = [(model, fmt) for model in ("resnet", "cifar10") for fmt in ("onnx-dynamo", "onnx-legacy", "pt2")]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Every (model, format) exported once for the module: (torch model, path)."""
    folder = tmp_path_factory.mktemp("external")
    made = {}
    for model_name in ("resnet", "cifar10"):
        model = tiny_resnet() if model_name == "resnet" else load_model("cifar10")
        example = torch.rand(1, 3, 32, 32)
        for fmt, dynamo in (("onnx-dynamo", True), ("onnx-legacy", False)):
            path = folder / f"{model_name}_{fmt}.onnx"
            made[model_name, fmt] = model, export_onnx_file(model, example, path, dynamo)
        made[model_name, "pt2"] = model, export_pt2_file(model, example, folder / f"{model_name}.pt2")
    return made


@pytest.fixture(scope="module")
def opened(files):
    return {key: open_model(path) for key, (_, path) in files.items()}


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_every_convolution_and_the_output_match_torch(files, opened, case):
    model, _ = files[case]
    external = opened[case]
    x = np.random.default_rng(1).random((1, 3, 32, 32), dtype=np.float32)
    expected_out, convs = reference(model, torch.from_numpy(x))
    activations = external.activations(x)
    layers = external.layers()
    assert list(activations) == [layer.name for layer in layers]  # graph order, keyed by layer
    assert list(activations)[-1] == layers[-1].name
    np.testing.assert_allclose(activations[layers[-1].name], expected_out, atol=1e-4, rtol=0)
    conv_layers = external.conv_layers()
    assert len(conv_layers) == len(convs) == sum(isinstance(m, torch.nn.Conv2d) for m in model.modules())
    folded = not any(layer.op_type == "BatchNormalization" for layer in layers)
    assert folded == case[1].startswith("onnx")  # torch's exporters fold batch norm; torch.export does not
    for layer, (module, conv_out, bn_out) in zip(conv_layers, convs):
        want = bn_out if folded else conv_out
        got = activations[layer.name]
        assert got.shape == want.shape == layer.output_shape
        np.testing.assert_allclose(got, want, atol=1e-4, rtol=0, err_msg=layer.name)
        assert layer.weight.shape == tuple(module.weight.shape) and layer.weight.dtype == np.float32
        assert layer.attributes["kernel_shape"] == list(module.kernel_size)
        assert layer.attributes["strides"] == list(module.stride)
        assert layer.attributes["pads"] == list(module.padding) * 2
        assert layer.attributes["group"] == 1 and layer.attributes["dilations"] == [1, 1]
        if not folded:
            np.testing.assert_array_equal(layer.weight, module.weight.detach().numpy())


@pytest.mark.parametrize("fmt", ["onnx-dynamo", "onnx-legacy", "pt2"])
def test_the_resnet_shortcuts_are_skip_connections(opened, fmt):
    external = opened["resnet", fmt]
    layers = {layer.name: layer for layer in external.layers()}
    order = [layer.name for layer in external.layers()]
    adds = [layer for layer in external.layers() if layer.op_type == "Add"]
    assert len(adds) == 2 and all(len(add.inputs) == 2 for add in adds)
    skips = external.skip_connections()
    for add in adds:
        (source,) = [s for s, target in skips if target == add.name]
        assert source in add.inputs and source != order[order.index(add.name) - 1]
    identity_source = next(s for s, target in skips if target == adds[0].name)
    assert layers[identity_source].op_type == "Relu"  # block 1 adds its own input: the stem's ReLU
    # The downsampling shortcut's 1x1 convolution reads the block's input, not the layer before it.
    (down,) = [layer for layer in external.conv_layers() if layer.attributes["kernel_shape"] == [1, 1]]
    assert (down.inputs[0], down.name) in skips and layers[down.inputs[0]].op_type == "Relu"


@pytest.mark.parametrize("fmt", ["onnx-dynamo", "onnx-legacy", "pt2"])
def test_the_bundled_photo_network_is_a_chain_but_for_one_shortcut_per_residual_block(opened, fmt):
    external = opened["cifar10", fmt]
    blocks = sum(load_model("cifar10").config.get("residual", []))
    layers = external.layers()
    adds = [layer for layer in layers if layer.op_type == "Add"]
    assert len(adds) == blocks == 5 and all(len(add.inputs) == 2 for add in adds)
    skips = external.skip_connections()
    assert sorted(target for _, target in skips) == sorted(add.name for add in adds)  # one shortcut per sum
    assert layers[0].inputs == (external.input_name,)
    # every other layer reads the one before it: a chain apart from the shortcuts
    assert all(layer.inputs == (before.name,) for before, layer in zip(layers, layers[1:]) if layer.op_type != "Add")
    for add in adds:
        index = layers.index(add)
        (source,) = [s for s, target in skips if target == add.name]
        assert layers[index - 1].name in add.inputs and source in add.inputs and source != layers[index - 1].name
    assert external.input_shape == (1, 3, 32, 32) and layers[-1].output_shape == (1, 10)


def test_parameters_and_summary(files, opened):
    model, _ = files["cifar10", "pt2"]
    external = opened["cifar10", "pt2"]
    state = model.state_dict()
    floats = sum(v.numel() for v in state.values() if v.is_floating_point())
    assert sum(layer.parameters for layer in external.layers()) == floats
    running = sum(b.numel() for b in model.buffers() if b.is_floating_point())  # statistics, mean and std
    assert sum(layer.non_trainable for layer in external.layers()) == running
    text = external.summary()
    assert text.splitlines()[0] == f'Model: "{external.name}"'
    assert f"Total params: {floats:,}" in text and f"Non-trainable params: {running:,}" in text
    first = external.conv_layers()[0]
    assert f"{first.name} (Conv)" in text and str(first.output_shape) in text


def test_layer_kinds_and_op_names_are_alike_across_formats(opened):
    kinds = {}
    for fmt in ("onnx-legacy", "pt2"):
        kinds[fmt] = [layer.op_type for layer in opened["cifar10", fmt].layers()
                      if layer.op_type not in ("BatchNormalization", "Flatten")]
    assert kinds["onnx-legacy"] == kinds["pt2"]
    assert {layer.kind for layer in opened["resnet", "pt2"].layers()} >= {"conv", "norm", "activation", "merge", "pool",
                                                                         "dense"}


def test_a_batch_and_a_wrong_input(opened):
    for fmt in ("onnx-legacy", "pt2"):
        external = opened["resnet", fmt]
        x = np.random.default_rng(2).random((3, 3, 32, 32), dtype=np.float32)
        batch = external.activations(x)
        single = external.activations(x[1:2])
        last = external.layers()[-1].name
        assert batch[last].shape == (3, 10)
        np.testing.assert_allclose(batch[last][1:2], single[last], atol=1e-5)
        with pytest.raises(ValueError, match=r"takes input of shape \(N, 3, 32, 32\), got \(1, 3, 28, 28\)"):
            external.activations(np.zeros((1, 3, 28, 28), np.float32))


def test_a_pt2_with_a_variable_batch_opens_with_concrete_shapes(tmp_path):
    model = tiny_resnet()
    path = export_pt2_file(model, torch.rand(2, 3, 32, 32), tmp_path / "dyn.pt2", dynamic_batch=True)
    external = open_model(path)
    assert external.input_shape == (1, 3, 32, 32)
    assert all(None not in layer.output_shape for layer in external.layers())
    x = torch.rand(4, 3, 32, 32)
    out = external.activations(x.numpy())[external.layers()[-1].name]
    np.testing.assert_allclose(out, model(x).detach().numpy(), atol=1e-4)


def test_a_convlens_weights_file_opens_like_a_program(tmp_path):
    from explainer.models import DigitCNN, save_weights

    torch.manual_seed(0)
    config = dict(conv1=4, conv2=8, hidden=16)
    model = DigitCNN(**config).eval()
    path = save_weights(tmp_path / "mine.pt", "mnist", model, config, {"val_accuracy": 0.5})
    external = open_model(path)
    assert isinstance(external, ExternalModel) and external.format == "convlens"
    assert external.labels == [str(d) for d in range(10)] and external.input_shape == (1, 1, 28, 28)
    assert external.preprocessing.source == "model" and external.preprocessing.channels == 1
    x = torch.rand(1, 1, 28, 28)
    out = external.activations(x.numpy())
    np.testing.assert_allclose(list(out.values())[-1], model(x).detach().numpy(), atol=1e-5)
    assert [layer.op_type for layer in external.conv_layers()] == ["Conv", "Conv"]
