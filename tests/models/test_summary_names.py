"""The summary's first column stays readable for models whose layer names are long paths (ONNX)."""

from explainer.models.summary import SUMMARY_NAME_LIMIT, SummaryRow, format_summary


def row(name: str, kind: str = "BatchNormalization") -> SummaryRow:
    return SummaryRow(name, kind, "norm", (1, 64, 8, 8), 128, 128, [])


def test_a_name_that_ends_with_its_type_is_not_told_twice():
    text = format_summary([row("/layer1/bn/BatchNormalization")])
    assert "/layer1/bn (BatchNormalization)" in text
    assert "BatchNormalization (BatchNormalization)" not in text


def test_long_names_keep_their_start_and_end_and_the_columns_stay_close():
    long_name = "/layer3/layer3.0/shortcut/shortcut.1/some/very/deep/path/of/an/exported/graph/norm"
    text = format_summary([row(long_name), row("conv1", "Conv2d")])
    line = next(line for line in text.splitlines() if line.startswith("/layer3"))
    shown = line.split("  ")[0]
    assert len(shown) == SUMMARY_NAME_LIMIT and "…" in shown
    assert shown.startswith("/layer3/layer3.0/") and shown.endswith("norm (BatchNormalization)")
    assert line.index("(1, 64, 8, 8)") <= SUMMARY_NAME_LIMIT + 4


def test_short_names_are_untouched():
    text = format_summary([row("conv1", "Conv2d")])
    assert "conv1 (Conv2d)" in text
