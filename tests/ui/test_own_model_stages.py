"""How a deep user model's graph is folded into stages (no Qt): by names where they say, else by joins."""

from explainer.models.summary import SummaryRow
from explainer.ui.lessons.network.stages import COLLAPSE_ABOVE, STAGE_KIND, name_prefix, stage_rows


def residual_rows(blocks: int, name) -> list[SummaryRow]:
    """stem → ``blocks`` × (conv, relu, conv, add, relu) → dense, named by ``name(block, layer)``."""
    rows = [SummaryRow("stem", "Conv", "conv", (1, 8, 8, 8), 224, 224, ["x"])]
    last = "stem"
    for b in range(blocks):
        n = [name(b, part) for part in ("conv1", "relu", "conv2", "add", "relu_out")]
        rows += [SummaryRow(n[0], "Conv", "conv", (1, 8, 8, 8), 584, 584, [last]),
                 SummaryRow(n[1], "Relu", "activation", (1, 8, 8, 8), 0, 0, [n[0]]),
                 SummaryRow(n[2], "Conv", "conv", (1, 8, 8, 8), 584, 584, [n[1]]),
                 SummaryRow(n[3], "Add", "merge", (1, 8, 8, 8), 0, 0, [last, n[2]]),
                 SummaryRow(n[4], "Relu", "activation", (1, 8, 8, 8), 0, 0, [n[3]])]
        last = n[4]
    return rows + [SummaryRow("fc", "Gemm", "dense", (1, 10), 90, 90, [last])]


def test_names_and_levels():
    assert name_prefix("/layer1/layer1.0/conv1/Conv") == "layer1"
    assert name_prefix("/layer1/layer1.0/conv1/Conv", 2) == "layer1/layer1.0"
    assert name_prefix("layer2.1.bn1", 2) == "layer2/1" and name_prefix("fc") is None


def test_a_small_graph_is_left_as_it_is():
    rows = residual_rows(2, lambda b, part: f"b{b}_{part}")
    assert len(rows) <= COLLAPSE_ABOVE
    assert stage_rows(rows) == (rows, {})


def test_unnamed_layers_fold_into_one_stage_per_residual_block():
    rows = residual_rows(9, lambda b, part: f"{part}_{b}")  # torch.export-like names: no hierarchy
    drawn, stages = stage_rows(rows)
    assert len(rows) > COLLAPSE_ABOVE
    # stem + block 1 up to its add and ReLU, then one stage per block; the dense layer stays a layer.
    assert [len(members) for members in stages.values()] == [6] + [5] * 8
    assert stages["stage 1"][-2:] == ["add_0", "relu_out_0"]  # the ReLU after a join closes its block
    assert drawn[-1].name == "fc" and drawn[-1].inputs == ["stage 9"]
    assert all(row.kind == STAGE_KIND for row in drawn[:-1])
    assert sum(row.params for row in drawn) == sum(row.params for row in rows)
    # Each block's add reads the block before it: the skip connection runs stage to stage.
    assert drawn[2].inputs == ["stage 2"]
    opened, stages_after = stage_rows(rows, {"stage 3"})
    names = [row.name for row in opened]
    assert names[1:8] == ["stage 2", "conv1_2", "relu_2", "conv2_2", "add_2", "relu_out_2", "stage 4"]
    add = opened[names.index("add_2")]
    assert add.inputs == ["stage 2", "conv2_2"] and "stage 3" not in stages_after


def test_named_layers_fold_by_name_and_open_one_level_at_a_time():
    rows = residual_rows(9, lambda b, part: f"/layer1/layer1.{b}/{part}")
    drawn, stages = stage_rows(rows)
    assert [row.name for row in drawn] == ["stem", "layer1", "fc"] and len(stages["layer1"]) == 45
    opened, stages = stage_rows(rows, {"layer1"})  # 45 layers: its blocks, one box each
    assert [row.name for row in opened][1:4] == ["layer1/layer1.0", "layer1/layer1.1", "layer1/layer1.2"]
    deeper, _ = stage_rows(rows, {"layer1", "layer1/layer1.1"})
    assert "/layer1/layer1.1/conv1" in [row.name for row in deeper]
