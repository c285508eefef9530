"""Class names and preprocessing of opened models: read from the file, from labels.txt, or assumed."""

import json

import numpy as np
import pytest
import torch

from explainer.models.external import Preprocessing, open_model

from .external_support import export_pt2_file, small_onnx, tiny_resnet

TEN = [f"class {i}" for i in range(10)]


def classifier_onnx(path, metadata=None, side=4, channels=3):
    """x (1, channels, side, side) -> global average pool -> flatten -> Gemm to 10 classes."""
    from onnx import TensorProto, helper, numpy_helper

    x = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, side, side])]
    weight = numpy_helper.from_array(np.ones((10, channels), np.float32), "w")
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "w"], ["y"], name="dense", transB=1)]
    return small_onnx(path, nodes=nodes, inputs=x, initializers=[weight], metadata=metadata, out=(1, 10))


@pytest.mark.parametrize("key, text", [("labels", json.dumps(TEN)), ("classes", ", ".join(TEN)),
                                       ("labels", "\n".join(TEN) + "\n")])
def test_labels_from_the_metadata(tmp_path, key, text):
    model = open_model(classifier_onnx(tmp_path / "m.onnx", {key: text}))
    assert model.labels == TEN and model.notes == []


def test_labels_from_a_file_beside_the_model_and_numbers_otherwise(tmp_path):
    path = classifier_onnx(tmp_path / "m.onnx")
    assert open_model(path).labels == [str(i) for i in range(10)]
    (tmp_path / "labels.txt").write_text("\n".join(TEN) + "\n\n")
    assert open_model(path).labels == TEN
    (tmp_path / "labels.txt").write_text("cat\ndog\n")
    model = open_model(path)
    assert model.labels == [str(i) for i in range(10)]
    assert model.notes == ["The file labels.txt has 2 class names but the model has 10 outputs, so they were not used."]


def test_metadata_json_nested_too_deeply_is_ignored_with_a_note(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    model = open_model(classifier_onnx(tmp_path / "m.onnx", {"convlens.preprocessing": deep, "labels": deep,
                                                            "mean": deep}))
    assert model.labels == [str(i) for i in range(10)] and model.preprocessing.source == "default"
    assert "The model's convlens.preprocessing metadata was ignored (its JSON is nested too deeply to read)." \
        in model.notes
    mean = next(note for note in model.notes if note.startswith("The model's mean metadata was ignored"))
    assert "mean must be numbers, got '[[[" in mean and len(mean) < 150  # the file's text is not pasted whole


def test_labels_in_a_pt2_archive(tmp_path):
    path = export_pt2_file(tiny_resnet(), torch.rand(1, 3, 32, 32), tmp_path / "net.pt2",
                           extra_files={"labels": json.dumps(TEN)})
    assert open_model(path).labels == TEN


def test_preprocessing_from_the_metadata(tmp_path):
    stated = {"size": [4, 4], "channel_order": "BGR", "scale": 255, "mean": [104, 117, 123], "std": [58, 57, 58]}
    model = open_model(classifier_onnx(tmp_path / "m.onnx", {"convlens.preprocessing": json.dumps(stated)}))
    p = model.preprocessing
    assert (p.source, p.channel_order, p.scale, p.mean, p.std) == ("model", "BGR", 255.0, (104, 117, 123),
                                                                   (58, 57, 58))
    separate = {"channel_order": "bgr", "mean": "0.5", "std": "[0.25, 0.25, 0.25]"}
    p = open_model(classifier_onnx(tmp_path / "s.onnx", separate)).preprocessing
    assert (p.source, p.channel_order, p.scale, p.mean, p.std) == ("model", "BGR", 1.0, (0.5,) * 3, (0.25,) * 3)
    onnx_keys = {"Image.BitmapPixelFormat": "Bgr8", "Image.NominalPixelRange": "NominalRange_0_255"}
    p = open_model(classifier_onnx(tmp_path / "o.onnx", onnx_keys)).preprocessing
    assert (p.source, p.channel_order, p.scale, p.mean, p.std) == ("model", "BGR", 255.0, (0.0,) * 3, (1.0,) * 3)


def test_unusable_metadata_is_noted_and_the_defaults_kept(tmp_path):
    model = open_model(classifier_onnx(tmp_path / "m.onnx", {"convlens.preprocessing": "{not json", "std": "0, 0, 0"}))
    assert model.preprocessing.source == "default"
    assert len(model.notes) == 2 and "convlens.preprocessing metadata was ignored" in model.notes[0]
    assert "standard deviation must be positive" in model.notes[1]


def test_defaults_depend_on_channels_and_size(tmp_path):
    big = open_model(classifier_onnx(tmp_path / "big.onnx", side=64)).preprocessing
    assert (big.source, big.mean, big.std) == ("default", (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    small = open_model(classifier_onnx(tmp_path / "small.onnx", side=32)).preprocessing
    grey = open_model(classifier_onnx(tmp_path / "grey.onnx", side=64, channels=1)).preprocessing
    assert small.mean == grey.mean == (0.0,) * 3 and small.std == grey.std == (1.0,) * 3
    assert grey.channels == 1 and big.size == (64, 64)


def test_apply_resizes_orders_scales_and_normalises():
    image = np.zeros((10, 20, 3))
    image[..., 0], image[..., 1], image[..., 2] = 1.0, 0.5, 0.0  # pure colour: resizing keeps it
    rgb = Preprocessing((4, 6), mean=(0.5, 0.5, 0.5), std=(0.5, 0.25, 1.0)).apply(image)
    assert rgb.shape == (1, 3, 4, 6) and rgb.dtype == np.float32
    np.testing.assert_allclose(rgb[0, :, 0, 0], [1.0, 0.0, -0.5], atol=1e-6)
    bgr = Preprocessing((4, 6), channel_order="BGR", scale=255.0, mean=(10, 20, 30)).apply(image)
    np.testing.assert_allclose(bgr[0, :, 0, 0], [0 - 10, 127.5 - 20, 255 - 30], atol=1e-3)
    grey = Preprocessing((2, 2), channels=1).apply(image)
    assert grey.shape == (1, 1, 2, 2)
    np.testing.assert_allclose(grey, 0.5, atol=1e-6)
    ramp = np.repeat(np.linspace(0, 1, 8)[None, :, None], 3, axis=2).repeat(8, axis=0)
    halved = Preprocessing((4, 4)).apply(ramp)[0, 0, 0]
    assert np.all(np.diff(halved) > 0) and 0 < halved[0] < halved[-1] < 1  # averaged, not sampled
    with pytest.raises(ValueError, match=r"must be \(height, width, 3\) RGB values"):
        Preprocessing((4, 4)).apply(np.zeros((3, 4, 5)))


def test_to_dict_round_trip_and_checked_from_dict():
    p = Preprocessing((224, 200), "BGR", 255.0, (1, 2, 3), (4, 5, 6), "user", 3)
    assert Preprocessing.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    bad = [({"size": [0, 5]}, "input size must be two whole numbers"),
           ({"size": [8, 8], "channel_order": "GBR"}, "channel order must be 'RGB' or 'BGR'"),
           ({"size": [8, 8], "scale": -1}, "scale must be a positive number"),
           ({"size": [8, 8], "mean": [1, 2]}, "mean must be one number or three"),
           ({"size": [8, 8], "std": [1, 0, 1]}, "standard deviation must be positive"),
           ({"size": [8, 8], "source": "file"}, "source must be one of"),
           ({"size": [8, 8], "colour": 1}, "settings ConvLens does not know: colour"),
           ({}, "lacks the input size"), ("RGB", "must be a mapping")]
    for data, message in bad:
        with pytest.raises(ValueError, match=message):
            Preprocessing.from_dict(data)


def test_an_open_input_size_is_224_or_what_the_metadata_says(tmp_path):
    import onnx

    from .external_support import export_onnx_file

    model = tiny_resnet()
    path = export_onnx_file(model, torch.rand(1, 3, 32, 32), tmp_path / "any.onnx", dynamo=False,
                            dynamic_axes={"input": {0: "n", 2: "h", 3: "w"}})
    opened = open_model(path)
    assert opened.input_shape == (1, 3, 224, 224) and opened.preprocessing.source == "default"
    assert opened.preprocessing.mean == (0.485, 0.456, 0.406)  # a 224-pixel colour input: ImageNet's
    x = torch.rand(1, 3, 224, 224)
    np.testing.assert_allclose(list(opened.activations(x.numpy()).values())[-1], model(x).detach().numpy(),
                               atol=1e-4)
    stated = onnx.load(str(path))
    stated.metadata_props.add(key="convlens.preprocessing", value='{"size": [40, 36]}')
    onnx.save(stated, str(tmp_path / "sized.onnx"))
    opened = open_model(tmp_path / "sized.onnx")
    assert opened.input_shape == (1, 3, 40, 36) and opened.layers()[0].output_shape == (1, 8, 40, 36)
    assert opened.preprocessing.mean == (0.0, 0.0, 0.0)  # under 64 pixels: not normalised
