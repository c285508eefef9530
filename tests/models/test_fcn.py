"""FCN-32s/16s/8s: architecture facts (no weights needed) and held-out accuracy (bundled weights)."""

import numpy as np
import pytest
import torch

from explainer import core
from explainer.models.fcn import BACKBONE, FCN, Upsampler, bilinear_kernel, upsampler
from explainer.core import boundary_band as boundary_mask
from explainer.core import error_split
from explainer.data.scenes import make_scene



@pytest.mark.parametrize("variant", ["fcn32s", "fcn16s", "fcn8s"])
def test_shapes_and_multiples_of_32(variant):
    model = FCN(variant).eval()
    assert model(torch.zeros(2, 1, 96, 96)).shape == (2, 11, 96, 96)
    assert model(torch.zeros(1, 1, 64, 128)).shape == (1, 11, 64, 128)
    with pytest.raises(ValueError, match="multiples of 32"):
        model(torch.zeros(1, 1, 90, 96))


def test_upsamplers_start_bilinear():
    up = upsampler(1, 2)
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    out = up(x)[0, 0].detach()
    # Away from the zero border it is exactly bilinear interpolation.
    ref = torch.nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)[0, 0]
    assert out.shape == (6, 6)
    assert torch.allclose(out[1:5, 1:5], ref[1:5, 1:5], atol=1e-6)
    k = bilinear_kernel(2, 4)
    assert torch.equal(k[0, 1], torch.zeros(4, 4)) and k[0, 0].max() == k[0, 0][1:3, 1:3].max()


@pytest.mark.parametrize("factor, padding", [(2, 1), (8, 4), (16, 8), (16, 0), (32, 16), (32, 3)])
@pytest.mark.parametrize("bias", [False, True])
def test_upsampler_equals_torch_conv_transpose(factor, padding, bias, monkeypatch):
    torch_calls = []
    original = torch.nn.ConvTranspose2d.forward
    monkeypatch.setattr(torch.nn.ConvTranspose2d, "forward",
                        lambda self, *a, **k: torch_calls.append(1) or original(self, *a, **k))
    torch.manual_seed(factor)
    layer = Upsampler(5, 3, 2 * factor, stride=factor, padding=padding, bias=bias)
    x = torch.randn(2, 5, 3, 4)
    ref = torch.nn.functional.conv_transpose2d(x, layer.weight, layer.bias, stride=factor, padding=padding)
    out = layer(x)
    assert len(torch_calls) == (0 if factor >= 16 else 1)  # the ×16 and ×32 layers take the fast path
    assert out.shape == ref.shape == (2, 3, 4 * factor - 2 * padding, 5 * factor - 2 * padding)
    assert torch.allclose(out, ref, atol=1e-5, rtol=1e-5)
    # Gradients agree as well (the fast path is used while training too).
    out.square().sum().backward()
    grad = layer.weight.grad.clone()
    layer.weight.grad = None
    torch.nn.functional.conv_transpose2d(x, layer.weight, layer.bias, stride=factor,
                                         padding=padding).square().sum().backward()
    assert torch.allclose(grad, layer.weight.grad, atol=1e-3, rtol=1e-4)


def test_upsampler_falls_back_for_other_settings():
    layer = Upsampler(2, 2, 5, stride=16, padding=1)  # kernel is not twice the stride
    x = torch.randn(1, 2, 3, 3)
    ref = torch.nn.functional.conv_transpose2d(x, layer.weight, layer.bias, stride=16, padding=1)
    assert torch.allclose(layer(x), ref, atol=1e-6)


def test_fcn_summary_shows_the_skip_fusions():
    from explainer.models.summary import summarize

    for variant, fusions in (("fcn32s", []), ("fcn16s", [["score_pool4", "upscore2"]]),
                             ("fcn8s", [["score_pool4", "upscore2"], ["score_pool3", "upscore_pool4"]])):
        rows = summarize(FCN(variant), (1, 1, 96, 96))
        assert [r.inputs for r in rows if len(r.inputs) > 1] == fusions
        ups = [r for r in rows if r.name.startswith("upscore")]
        assert ups and all(r.type == "ConvTranspose2d" and r.kind == "deconv" for r in ups)
        assert rows[-1].output_shape == (1, 11, 96, 96)


def test_fc6_is_a_fully_connected_layer_turned_into_a_convolution():
    model = FCN("fcn32s").eval()
    pool5 = torch.rand(1, 128, 3, 3)
    conv = model.fc6[0]
    out = conv(pool5)[0, :, 1, 1]  # the centre output sees all 3x3x128 inputs, like a dense layer
    dense = conv.weight.reshape(conv.out_channels, -1) @ pool5.reshape(-1) + conv.bias
    assert torch.allclose(out, dense, atol=1e-5)


def test_staged_training_copies_the_coarser_weights():
    f32 = FCN("fcn32s")
    f16 = FCN("fcn16s").load_from(f32)
    assert torch.equal(f16.stage3[0].weight, f32.stage3[0].weight)
    assert torch.equal(f16.score_fr.weight, f32.score_fr.weight)
    assert float(f16.score_pool4.weight.detach().abs().sum()) == 0.0  # the new skip starts silent


def test_heads_on_a_shared_backbone_are_the_whole_network():
    torch.manual_seed(3)
    f8 = FCN("fcn8s").eval()
    for module in f8.modules():  # batch norms with statistics of their own, not the identity
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 2.0)
    f16 = FCN("fcn16s").load_from(f8).eval()
    f32 = FCN("fcn32s").load_from(f8).eval()
    assert f16.shares_backbone(f8) and f32.shares_backbone(f8) and f8.shares_backbone(f16)
    x = torch.rand(2, 1, 96, 96)
    with torch.no_grad():
        features = f8.features(x)
        for model in (f8, f16, f32):
            assert torch.equal(model.head(*features), model(x))
        f16.stage4[0].weight[0, 0, 0, 0] += 1e-4  # one weight moved: no longer the same backbone
        f32.stage1[1].running_var[0] += 1e-4  # a batch norm's statistics count too
    assert not f16.shares_backbone(f8) and not f32.shares_backbone(f8)
    assert not FCN("fcn16s", widths=(16, 32, 64, 96, 128)).shares_backbone(f8)  # another layout
    with pytest.raises(ValueError, match="multiples of 32"):
        f8.features(torch.zeros(1, 1, 100, 96))  # the backbone alone checks its input too


def test_training_a_head_leaves_the_frozen_backbone_as_it_was():
    from explainer.data.scenes import make_scenes
    from explainer.train.fcn import train_stage

    rng = np.random.default_rng(0)
    digits = (rng.random((40, 28, 28)) > 0.7).astype(np.float32)
    labels = np.arange(40) % 10
    torch.manual_seed(0)
    f8 = FCN("fcn8s", widths=(8, 8, 8, 8, 8), fc=16).eval()
    f16 = FCN("fcn16s", widths=(8, 8, 8, 8, 8), fc=16).load_from(f8)
    head_before = {k: v.clone() for k, v in f16.state_dict().items() if k.split(".")[0] not in BACKBONE}
    val = make_scenes(digits, labels, 4, seed=1)
    f16, best = train_stage(f16, digits, labels, val, epochs=2, scenes_per_epoch=16, lr=1e-2, seed=0, minutes=5,
                            batch=8, log=lambda _text: None, frozen=BACKBONE)
    assert f16.shares_backbone(f8)  # weights and batch-norm statistics untouched
    assert not all(p.requires_grad for p in f16.stage2.parameters())
    moved = [k for k, v in f16.state_dict().items() if k in head_before and not torch.equal(v, head_before[k])]
    heads = ("stage5", "fc6", "fc7", "score_fr", "score_pool4", "upscore2", "upscore16")
    assert moved and all(k.split(".")[0] in heads for k in moved)
    assert 0.0 <= best["miou"] <= 1.0


def test_scene_spec():
    rng = np.random.default_rng(0)
    digits = np.zeros((10, 28, 28), np.float32)
    digits[:, 4:24, 12:16] = 1.0
    labels = np.arange(10)
    for _ in range(50):
        image, target, boxes = make_scene(digits, labels, rng)
        assert image.shape == (96, 96) and 0 <= image.min() and image.max() <= 1
        assert 1 <= len(boxes) <= 4
        for i, (t, l, s, d) in enumerate(boxes):
            assert 24 <= s <= 44
            for t2, l2, s2, _ in boxes[i + 1:]:
                assert t + s <= t2 or t2 + s2 <= t or l + s <= l2 or l2 + s2 <= l  # boxes never overlap
            region = target[t : t + s, l : l + s]
            assert set(np.unique(region)) <= {0, d + 1}
        assert ((target > 0) == (image >= 0.5)).all()


def test_boundary_and_error_split():
    truth = np.zeros((6, 6), int)
    truth[2:4, 2:4] = 3
    assert boundary_mask(truth).sum() == 16  # the 2x2 digit and the ring of 12 around it
    pred = truth.copy()
    pred[2, 2] = 0  # a boundary pixel missed
    split = error_split(pred, truth)
    assert split == {"wrong": 1, "boundary": 1, "wrong digit": 0, "other": 0, "pixels": 36}


def test_bundled_fcns_on_held_out_scenes(shared_data):
    from explainer.train.evaluate import fcn_scores

    results = fcn_scores(n_scenes=300, root=shared_data / "mnist")
    m = {k: v["miou"] for k, v in results.items()}
    print("mIoU on t10k scenes:", {k: round(v, 4) for k, v in m.items()})
    assert m["fcn32s"] < m["fcn16s"] < m["fcn8s"]
    assert m["fcn8s"] >= 0.80
    assert m["fcn16s"] >= 0.65  # trained alone (0.74 on 500 scenes); staged from FCN-32s it read 0.57
    for r in results.values():
        assert r["pixel_accuracy"] > r["miou"]  # background dominance flatters pixel accuracy
        assert not np.isnan(r["iou"][0])
    assert core.grade_iou(m["fcn8s"]) in ("Good", "Excellent")


def test_scores_of_networks_given_instead_of_the_bundled_ones(shared_data):
    from explainer.train.evaluate import fcn_scores

    torch.manual_seed(0)
    untrained = {variant: FCN(variant) for variant in ("fcn32s", "fcn16s", "fcn8s")}
    results = fcn_scores(n_scenes=6, seed=99, root=shared_data / "mnist", models=untrained)
    assert set(results) == set(untrained)
    for r in results.values():  # untrained networks score far below the bundled ones (≥ 0.4)
        assert 0.0 <= r["miou"] < 0.3 and r["errors"]["pixels"] == 6 * 96 * 96


def test_training_command_trains_only_the_variants_asked_for(tmp_path, monkeypatch, capsys):
    """``--only`` and ``--fcn16s-start``: which files are written, and what each network starts from."""
    from explainer.models import load_model, load_model_file
    from explainer.train import fcn as train_fcn

    rng = np.random.default_rng(3)
    monkeypatch.setattr(train_fcn, "load_mnist", lambda _split, _root=None: (
        (rng.random((60, 28, 28)) > 0.7).astype(np.float32), np.arange(60) % 10))
    started = []

    def fake_stage(model, *_args, **_kwargs):
        started.append((model.variant, {k: v.clone() for k, v in model.state_dict().items()}))
        with torch.no_grad():
            model.stage1[0].weight.add_(1.0)  # "trained": the weights written are not the starting ones
        return model, {"miou": 0.5, "pixel_accuracy": 0.9}

    monkeypatch.setattr(train_fcn, "train_stage", fake_stage)
    bundled32 = load_model("fcn32s").stage1[0].weight.detach()
    out = tmp_path / "fcns"
    assert train_fcn.main(["--only", "fcn16s", "--out-dir", str(out)]) == 0  # from scratch, the default
    assert sorted(p.name for p in out.iterdir()) == ["fcn16s.pt"]
    assert load_model_file(out / "fcn16s.pt", "fcn16s").training_metrics["trained"] == "from scratch"
    assert [variant for variant, _ in started] == ["fcn16s"]
    assert not torch.equal(started[0][1]["stage1.0.weight"], bundled32)  # fresh weights, not a trained FCN-32s

    started.clear()  # no FCN-32s in the folder: the bundled one is the start, and the file says so
    assert train_fcn.main(["--only", "fcn16s", "--fcn16s-start", "fcn32s", "--out-dir", str(out)]) == 0
    assert torch.equal(started[0][1]["stage1.0.weight"], bundled32)
    assert "assets/models/fcn32s.pt" in load_model_file(out / "fcn16s.pt", "fcn16s").training_metrics["trained"]

    started.clear()
    assert train_fcn.main(["--only", "fcn32s", "--out-dir", str(out)]) == 0
    assert train_fcn.main(["--only", "fcn16s", "--fcn16s-start", "fcn32s", "--out-dir", str(out)]) == 0  # the file above
    assert [variant for variant, _ in started] == ["fcn32s", "fcn16s"]
    f32 = load_model_file(out / "fcn32s.pt", "fcn32s")
    assert torch.equal(started[1][1]["stage1.0.weight"], f32.stage1[0].weight.detach())
    assert str(out / "fcn32s.pt") in load_model_file(out / "fcn16s.pt", "fcn16s").training_metrics["trained"]

    started.clear()
    (out / "fcn32s.pt").write_bytes(b"not a weights file")
    with pytest.raises(SystemExit):  # said before any data is read or anything trained
        train_fcn.main(["--only", "fcn16s", "--fcn16s-start", "fcn32s", "--out-dir", str(out)])
    assert "fcn32s.pt" in capsys.readouterr().err and started == []
    from explainer.models import save_weights

    other = FCN("fcn32s", widths=(8, 8, 8, 8, 8), fc=16)  # another layout: its layers would not match
    save_weights(out / "fcn32s.pt", "fcn32s", other, other.config, {"val_miou": 0.1})
    with pytest.raises(SystemExit):
        train_fcn.main(["--only", "fcn16s", "--fcn16s-start", "fcn32s", "--out-dir", str(out)])
    assert "another layout" in capsys.readouterr().err and started == []
    for wrong in (["--shared-trunk", "--only", "fcn8s"], ["--shared-trunk", "--fcn16s-start", "fcn32s"],
                  ["--only", "fcn64s"], ["--only", "fcn8s", "--fcn16s-start", "fcn32s"]):
        with pytest.raises(SystemExit):
            train_fcn.main(wrong + ["--out-dir", str(out)])
    assert started == []
