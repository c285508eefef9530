"""Hostile and broken model files: each is refused with a sentence, and nothing from the file runs.

The payloads only write a marker file in the test's temporary folder; the
tests assert it never appears. Three tests then show that torch.export alone
would run theirs (so the checks are what keeps them out): if torch stops
doing so, those controls fail, and the checks stay as a second line of defence.
"""

import io
import json
import os
import pickle
import re

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from explainer.models.external import open_model

from .external_support import export_pt2_file, rewrite_zip, small_onnx, tiny_resnet

ANSI = re.compile(r"\x1b\[")


def refused(path, match=None, **kwargs) -> str:
    with pytest.raises(ValueError) as info:
        open_model(path, **kwargs)
    message = str(info.value)
    assert not ANSI.search(message) and "Traceback" not in message and "\n" not in message, message
    assert message.rstrip().endswith("."), message  # a whole sentence
    if match:
        assert re.search(match, message), message
    return message


class WritesAFile:
    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (exec, (f"open({self.target!r}, 'w').write('pwned')",))


def with_external_weight(folder, location):
    """A small ONNX model in ``folder`` whose conv weights are said to be at ``location``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = small_onnx(folder / "model.onnx")
    model = onnx.load(str(path))
    weight = model.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(2 * 3 * 3 * 3 * 4))):
        weight.external_data.add(key=key, value=value)
    onnx.save(model, str(path))
    return path


# ---------------------------------------------------------------- pickles

@pytest.mark.parametrize("saver", ["torch.save", "pickle.dump"])
@pytest.mark.parametrize("suffix", [".pt", ".pth", ".onnx", ".pt2"])
def test_a_pickle_that_would_write_a_file_is_refused_and_nothing_is_written(tmp_path, saver, suffix):
    marker = tmp_path / "PWNED.txt"
    evil = tmp_path / f"evil{suffix}"
    if saver == "torch.save":
        torch.save({"model": WritesAFile(marker)}, evil, pickle_module=pickle)
    else:
        evil.write_bytes(pickle.dumps(WritesAFile(marker), protocol=4))
    message = refused(evil, r"pickled .*runs any code")
    assert not marker.exists()
    assert "torch.onnx.export" in message and "torch.export.save" in message


def test_a_whole_pickled_model_and_a_bare_state_dict_are_refused_with_what_to_do(tmp_path):
    model = tiny_resnet()
    torch.save(model, tmp_path / "whole.pt")
    message = refused(tmp_path / "whole.pt", r"pickled Python object \(it names .*TinyResNet\)")
    assert "torch.onnx.export(model, example, \"model.onnx\")" in message
    torch.save(model.state_dict(), tmp_path / "state.pth")
    refused(tmp_path / "state.pth", r"holds only weights, without the network")


# ---------------------------------------------------------------- ONNX external data

@pytest.mark.parametrize("location, why", [
    ("../secret.bin", r"climbs out of the model's folder with '\.\.'"),
    ("sub/../../secret.bin", r"climbs out"),
    ("ABSOLUTE", r"absolute path"),
    ("missing.bin", r"missing beside the model"),
    ("", r"names no file"),
])
def test_external_data_outside_the_folder_is_refused(tmp_path, location, why):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.ones(54, np.float32).tobytes())
    location = str(secret) if location == "ABSOLUTE" else location
    path = with_external_weight(tmp_path / "model", location)
    message = refused(path, why)
    assert "'w'" in message and "model.onnx" in message


def test_a_link_leading_outside_the_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.ones(54, np.float32).tobytes())
    path = with_external_weight(tmp_path / "model", "weights.bin")
    os.symlink(secret, tmp_path / "model" / "weights.bin")
    refused(path, r"leads outside the model's folder \(through a link\)")


def test_external_data_beyond_its_file_is_refused(tmp_path):
    path = with_external_weight(tmp_path / "model", "weights.bin")
    (tmp_path / "model" / "weights.bin").write_bytes(b"\0" * 100)  # 216 bytes are needed
    refused(path, r"damaged: the weights of 'w' lie outside their data file")


def test_external_data_inside_the_folder_is_read(tmp_path):
    path = with_external_weight(tmp_path / "model", "weights/w.bin")
    weight = np.random.default_rng(3).standard_normal((2, 3, 3, 3)).astype(np.float32)
    (tmp_path / "model" / "weights").mkdir()
    (tmp_path / "model" / "weights" / "w.bin").write_bytes(weight.tobytes())
    external = open_model(path)
    np.testing.assert_array_equal(external.conv_layers()[0].weight, weight)
    x = np.random.default_rng(4).random((1, 3, 4, 4), dtype=np.float32)
    expected = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight), padding=1)
    np.testing.assert_allclose(external.activations(x)["conv"], expected.numpy(), atol=1e-5)


def sparse_constant_model(folder, location):
    """x + a sparse Constant whose two values are said to be in the file ``location`` (not in the model)."""
    folder.mkdir(parents=True, exist_ok=True)
    values = helper.make_tensor("values", TensorProto.FLOAT, [2], [0.0, 0.0])
    values.ClearField("float_data")
    values.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "8")):
        values.external_data.add(key=key, value=value)
    indices = helper.make_tensor("indices", TensorProto.INT64, [2], [0, 5])
    constant = helper.make_node("Constant", [], ["c"], name="constant",
                                sparse_value=helper.make_sparse_tensor(values, indices, [1, 3, 4, 4]))
    add = helper.make_node("Add", ["x", "c"], ["y"], name="add")
    return small_onnx(folder / "model.onnx", nodes=[constant, add], out=(1, 3, 4, 4))


def test_external_data_of_a_sparse_constant_is_checked_like_any_other(tmp_path, monkeypatch):
    # onnxruntime reads such data relative to the working directory, not the model's folder: a file
    # there must not be read, and the model's own folder must be.
    (tmp_path / "data.bin").write_bytes(np.array([7.0, 9.0], np.float32).tobytes())
    monkeypatch.chdir(tmp_path)
    path = sparse_constant_model(tmp_path / "model", "data.bin")
    refused(path, r"the weights of 'values' .*'data.bin' is missing beside the model")
    (tmp_path / "model" / "data.bin").write_bytes(np.array([1.0, 2.0], np.float32).tobytes())
    out = open_model(path).activations(np.zeros((1, 3, 4, 4), np.float32))["add"].reshape(-1)
    assert out[0] == 1.0 and out[5] == 2.0 and np.count_nonzero(out) == 2


def test_external_data_counts_towards_the_size_limit(tmp_path):
    path = with_external_weight(tmp_path / "model", "weights.bin")
    (tmp_path / "model" / "weights.bin").write_bytes(b"\0" * 216)
    refused(path, r"too large: with its external data", max_bytes=path.stat().st_size + 100)


# ---------------------------------------------------------------- broken files

def test_broken_and_foreign_files_are_refused(tmp_path):
    good = small_onnx(tmp_path / "good.onnx")
    assert open_model(good).layers()
    data = good.read_bytes()
    (tmp_path / "random.onnx").write_bytes(np.random.default_rng(0).bytes(4000))
    refused(tmp_path / "random.onnx", r"random\.onnx is not an ONNX model")
    (tmp_path / "cut.onnx").write_bytes(data[: len(data) // 2])
    refused(tmp_path / "cut.onnx", r"cut\.onnx is not an ONNX model, or it is damaged or cut short")
    (tmp_path / "empty.onnx").write_bytes(b"")
    refused(tmp_path / "empty.onnx", r"empty \(0 bytes\)")
    (tmp_path / "folder.onnx").mkdir()
    refused(tmp_path / "folder.onnx", r"is a folder")
    refused(tmp_path / "nowhere.onnx", r"was not found")
    refused(good, r"too large .*at most", max_bytes=100)
    (tmp_path / "notes.txt").write_text("hello, this is not a model\n")
    refused(tmp_path / "notes.txt", r"not a model file ConvLens can open")


def test_a_truncated_or_foreign_archive_is_refused(tmp_path):
    path = export_pt2_file(tiny_resnet(), torch.rand(1, 3, 32, 32), tmp_path / "net.pt2")
    data = path.read_bytes()
    (tmp_path / "cut.pt2").write_bytes(data[: len(data) // 2])
    refused(tmp_path / "cut.pt2", r"damaged or cut short")
    rewrite_zip(path, tmp_path / "nomodel.pt2", lambda n, d: None if n.endswith("models/model.json") else d)
    refused(tmp_path / "nomodel.pt2", r"lacks models/model\.json")
    bomb = tmp_path / "bomb.pt2"
    rewrite_zip(path, bomb, lambda n, d: d)
    import zipfile

    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{archive.namelist()[0].split('/')[0]}/extra/padding", b"\0" * 5_000_000)
    refused(bomb, r"unpacks to .* over ConvLens' limit", max_bytes=bomb.stat().st_size + 100_000)


def test_an_op_onnxruntime_does_not_know_is_named(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Frobnicate", ["r"], ["y"], name="frob", domain="com.example")]
    path = small_onnx(tmp_path / "custom.onnx", nodes=nodes, opsets=(("", 17), ("com.example", 1)), out=(1, 3, 4, 4))
    refused(path, r"operations onnxruntime cannot run: Frobnicate \(domain com\.example\)")


def test_models_that_are_not_image_models_are_refused(tmp_path):
    vector = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 10])]
    path = small_onnx(tmp_path / "vector.onnx", nodes=[helper.make_node("Relu", ["x"], ["y"])], inputs=vector,
                      out=(1, 10))
    refused(path, r"takes input of shape \(1, 10\); ConvLens shows image models")
    two = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in ("a", "b")]
    path = small_onnx(tmp_path / "two.onnx", nodes=[helper.make_node("Add", ["a", "b"], ["y"])], inputs=two,
                      out=(1, 3, 4, 4))
    refused(path, r"takes 2 inputs \(a, b\)")


def test_a_model_declaring_gigantic_layers_is_refused_before_it_runs(tmp_path):
    huge = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 100_000, 100_000])]
    path = small_onnx(tmp_path / "huge.onnx", inputs=huge, out=(1, 2, 100_000, 100_000))
    refused(path, r"^huge\.onnx takes images of 100000×100000 pixels; ConvLens shows models whose input is 1 to 4096")
    # A 1000-fold upsampling of a 224×224 map: shape inference knows the output before anything is allocated.
    scales = numpy_helper.from_array(np.array([1, 1, 1000, 1000], np.float32), "scales")
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Resize", ["r", "", "scales"], ["y"], name="resize", mode="nearest")]
    image = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])]
    path = small_onnx(tmp_path / "blowup.onnx", nodes=nodes, inputs=image, initializers=[scales],
                      out=(1, 3, 224_000, 224_000))
    refused(path, r"too large to show: the outputs of its layers for one image would take 602\.[0-9] GB of memory")


def test_a_loop_that_would_run_for_ever_is_stopped(tmp_path, monkeypatch):
    from explainer.models.external import onnx_file

    monkeypatch.setattr(onnx_file, "RUN_TIME_LIMIT_S", 0.5)
    tensor = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in ("acc", "acc_out")]
    flag = [helper.make_tensor_value_info(n, TensorProto.BOOL, []) for n in ("go", "go_out")]
    body = helper.make_graph([helper.make_node("Identity", ["go"], ["go_out"]),
                              helper.make_node("Add", ["acc", "x"], ["acc_out"])], "body",
                             [helper.make_tensor_value_info("i", TensorProto.INT64, []), flag[0], tensor[0]],
                             [flag[1], tensor[1]])
    # 10⁸ turns: about a minute (so a regression fails rather than hangs), far past the limit set here.
    constants = [numpy_helper.from_array(np.array(10**8, np.int64), "n"), numpy_helper.from_array(np.array(True), "t")]
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Loop", ["n", "t", "r"], ["y"], name="loop", body=body)]
    model = open_model(small_onnx(tmp_path / "forever.onnx", nodes=nodes, initializers=constants, out=(1, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"^forever was stopped after 0\.5 s on one image \(does a loop in it never"):
        model.activations(np.zeros((1, 3, 4, 4), np.float32))


def test_a_model_that_fails_on_its_input_says_so(tmp_path):
    shape = numpy_helper.from_array(np.array([1, 999], np.int64), "s")
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Reshape", ["r", "s"], ["y"])]
    model = open_model(small_onnx(tmp_path / "bad.onnx", nodes=nodes, initializers=[shape], out=(1, 999)))
    with pytest.raises(ValueError, match=r"^bad could not compute its layers for this input: its Reshape "
                                         r"operation failed \(The input tensor cannot be reshaped"):
        model.activations(np.zeros((1, 3, 4, 4), np.float32))


# ---------------------------------------------------------------- .pt2 archives that would run code

@pytest.fixture(scope="module")
def program(tmp_path_factory):
    """A plain program (variable batch) that each test copies with its own change; never changed itself."""
    path = tmp_path_factory.mktemp("program") / "net.pt2"
    return export_pt2_file(tiny_resnet(), torch.rand(2, 3, 32, 32), path, dynamic_batch=True)


def _edit_program(change):
    def edit(name, data):
        if name.endswith("models/model.json"):
            program = json.loads(data)
            change(program)
            return json.dumps(program).encode()
        return data
    return edit


def _set_expressions(value, text):
    if isinstance(value, dict):
        for key in value:
            if key == "expr_str":
                value[key] = text
            else:
                _set_expressions(value[key], text)
    elif isinstance(value, list):
        for item in value:
            _set_expressions(item, text)


def test_pickled_sample_inputs_are_refused_though_torch_would_run_them(tmp_path, program):
    marker = tmp_path / "PWNED.txt"
    payload = io.BytesIO()
    torch.save(((WritesAFile(marker),), {}), payload, pickle_module=pickle)
    evil = rewrite_zip(program, tmp_path / "evil.pt2",
                       lambda n, d: payload.getvalue() if n.endswith("sample_inputs/model.pt") else d)
    refused(evil, r"sample inputs are not plain tensors")
    assert not marker.exists()
    try:  # the control: torch.export.load falls back to full unpickling and runs the payload
        torch.export.load(str(evil))
    except Exception:
        pass
    assert marker.exists()


def test_code_in_a_shape_expression_is_refused_though_torch_would_run_it(tmp_path, program):
    marker = tmp_path / "PWNED.txt"
    text = f"Symbol('s77', positive=True, integer=True) + 0*len(open({str(marker)!r}, 'w').name)"
    evil = rewrite_zip(program, tmp_path / "evil.pt2", _edit_program(lambda p: _set_expressions(p, text)))
    refused(evil, r"a shape in it is written as")
    assert not marker.exists()
    try:  # the control: torch parses the expression with sympy.sympify, which evaluates it
        torch.export.load(str(evil))
    except Exception:
        pass
    assert marker.exists()


def test_code_in_the_input_checks_is_refused_though_torch_would_run_it(tmp_path, program):
    marker = tmp_path / "PWNED.txt"
    guard = f"open({str(marker)!r}, 'w').write('x') > 0"
    evil = rewrite_zip(program, tmp_path / "evil.pt2", _edit_program(lambda p: p.update(guards_code=[guard])))
    refused(evil, r"input checks are not plain comparisons")
    assert not marker.exists()
    try:  # the control: ExportedProgram.module() compiles the checks with exec and runs them on each call
        torch.export.load(str(evil)).module()(torch.rand(2, 3, 32, 32))
    except Exception:
        pass
    assert marker.exists()


@pytest.mark.parametrize("target", ["torch.ops.load_library", "torch.serialization.os.system",
                                    "torch.export.custom_ops._call_custom_autograd_function_in_pre_dispatch",
                                    "torch.ops.higher_order.cond"])
def test_a_call_to_anything_but_a_standard_op_is_refused(tmp_path, program, target):
    def change(p):
        p["graph_module"]["graph"]["nodes"][0]["target"] = target
    evil = rewrite_zip(program, tmp_path / "evil.pt2", _edit_program(change))
    refused(evil, re.escape(target) + r"', which is not a standard torch operation")


def test_entries_a_plain_program_does_not_have_are_refused(tmp_path, program):
    import zipfile

    extra = rewrite_zip(program, tmp_path / "aoti.pt2", lambda n, d: d)

    with zipfile.ZipFile(extra, "a") as archive:
        prefix = archive.namelist()[0].split("/", 1)[0]
        archive.writestr(f"{prefix}/data/aotinductor/model/model.so", b"\x7fELF")
    refused(extra, r"holds 'data/aotinductor/model/model\.so'")

    def pickled_weight(name, data):
        if name.endswith("model_weights_config.json"):
            config = json.loads(data)
            next(iter(config["config"].values()))["use_pickle"] = True
            return json.dumps(config).encode()
        return data
    refused(rewrite_zip(program, tmp_path / "pickled.pt2", pickled_weight), r"is stored as a pickle")


def test_json_nested_too_deeply_is_refused_with_a_sentence(tmp_path, program):
    def nested(name, data):
        if name.endswith("models/model.json"):
            return data[:-1] + b', "junk": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        return data
    refused(rewrite_zip(program, tmp_path / "deep.pt2", nested), r"is damaged: its program description")


def test_a_plain_program_with_a_variable_batch_passes_the_checks(program):
    external = open_model(program)  # its shape expressions are Symbol('s…', positive=True, integer=True)
    assert external.format == "pt2" and external.input_shape == (1, 3, 32, 32)
