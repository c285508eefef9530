"""Tours as data: the bundled tour, checking and refusing files, partial lesson states, scoring (no Qt)."""

import copy
import json

import numpy as np
import pytest

from explainer import io
from explainer.core import conv2d, output_size
from explainer.data.scenes import make_scene
from explainer.ui.cli import main
from explainer.ui.lessons import LESSON_IDS, state_class
from explainer.ui.tour import model


@pytest.fixture(scope="module")
def bundled():
    return model.read_tour(model.bundled_tour_path())


def test_the_bundled_tour_covers_the_lecture_in_order(bundled):
    assert len(bundled.steps) >= 25
    assert {step.lesson for step in bundled.steps} == set(LESSON_IDS)  # every lesson, text included
    assert bundled.quiz_count() >= 5
    first_seen = []
    for step in bundled.steps:
        if step.lesson not in first_seen:
            first_seen.append(step.lesson)
    # The lecture's order: convolution … fully connected, MNIST, CIFAR-10, then RNNs and embeddings, then FCNs.
    assert first_seen.index("convolution") < first_seen.index("pooling") < first_seen.index("dense")
    assert first_seen.index("photo") < first_seen.index("text") < first_seen.index("segmentation")
    for step in bundled.steps:
        assert step.narrative and 2 <= step.narrative.count(". ") + 1 <= 6, step.title


def test_every_bundled_step_makes_a_valid_state_that_keeps_its_fields(bundled):
    for step in bundled.steps:
        state = step.lesson_state()
        saved = state.to_dict()
        for name, value in step.state.items():
            assert saved[name] == (list(value) if isinstance(value, tuple) else value) or name in ("kernels",), \
                (step.title, name)


def test_listing_has_one_tab_separated_line_per_step(bundled):
    lines = bundled.listing().splitlines()
    assert len(lines) == len(bundled.steps)
    for number, (line, step) in enumerate(zip(lines, bundled.steps), start=1):
        parts = line.split("\t")
        assert parts[:3] == [str(number), step.lesson, step.title]
        assert parts[3:] == (["quiz"] if step.quiz is not None else [])


def test_tour_steps_command_prints_the_listing(capsys, bundled):
    assert main(["--tour-steps"]) == 0
    assert capsys.readouterr().out.strip() == bundled.listing()


def test_tour_steps_command_refuses_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["--tour-steps", "--tour", str(bad)]) == 2
    assert "truncated or not JSON" in capsys.readouterr().err


# ---------------------------------------------------------------- refusing damaged tours


def _valid() -> dict:
    return {"format": "convlens-tour", "version": 1, "title": "Mine",
            "steps": [{"lesson": "pooling", "title": "Max", "narrative": "One. Two.", "state": {"size": 3}},
                      {"lesson": "convolution", "title": "Q", "state": {"preset": "binary"},
                       "quiz": {"question": "Size?", "choices": ["2×2", "3×3"], "answer": 1}}]}


def _with(path: str, value):
    data = _valid()
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


@pytest.mark.parametrize("data, words", [
    (_with("format", "convlens-session"), "not a ConvLens tour"),
    (_with("version", 9), "version 9"),
    (_with("steps", []), "no steps"),
    (_with("steps.0.lesson", "calculus"), "calculus"),
    (_with("steps.0.title", ""), "title is empty"),
    (_with("steps.0.colour", "red"), "unknown field(s): colour"),
    (_with("steps.0.state", {"size": 99}), "step 1 (Max)"),
    (_with("steps.0.state", {"speed": 3}), "unknown field(s): speed"),
    (_with("steps.0.state", [1, 2]), "should be a mapping"),
    (_with("steps.1.quiz.answer", 2), "answer must be the number of a choice"),
    (_with("steps.1.quiz.answer", True), "answer must be the number of a choice"),
    (_with("steps.1.quiz.choices", ["same", "same"]), "same choice twice"),
    (_with("steps.1.quiz.choices", ["only"]), "2 to 6 choices"),
    (_with("steps.1.quiz.question", KeyError), "has no question"),
    (_with("steps.0.narrative", "x" * 5000), "at most 3000"),
    (_with("steps.0.spotlight", {"a": 1}), "spotlight"),
    ([1, 2, 3], "should be a mapping"),
])
def test_malformed_tours_are_refused_with_a_sentence(data, words):
    with pytest.raises(ValueError) as info:
        model.check_tour(data)
    assert words in str(info.value)


@pytest.mark.parametrize("content, words", [
    (b"", "is empty"),
    (b"   \n", "is empty"),
    (b'{"format": "convlens-tour", "steps": [', "truncated or not JSON"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not text"),
    (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
])
def test_damaged_tour_files_are_refused(tmp_path, content, words):
    path = tmp_path / "tour.json"
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        model.read_tour(path)
    assert words in str(info.value) and "tour.json" in str(info.value)


def test_a_folder_or_a_missing_file_is_not_a_tour(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        model.read_tour(tmp_path)
    with pytest.raises(ValueError, match="cannot be read"):
        model.read_tour(tmp_path / "nowhere.json")


def test_a_written_tour_reads_back_the_same(tmp_path, bundled):
    tour = model.check_tour(_valid())
    path = model.write_tour(tmp_path / "mine.json", tour)
    again = model.read_tour(path)
    assert again.to_dict() == tour.to_dict()
    assert json.loads(path.read_text(encoding="utf-8"))["steps"][1]["quiz"]["answer"] == 1


def test_an_invalid_tour_is_never_written(tmp_path):
    tour = model.check_tour(_valid())
    tour.steps[0].state = {"size": 99}
    with pytest.raises(ValueError):
        model.write_tour(tmp_path / "bad.json", tour)
    assert not (tmp_path / "bad.json").exists()
    assert list(tmp_path.iterdir()) == []


def test_images_are_bundled_samples_or_paths_beside_the_tour(tmp_path):
    tour = model.check_tour(_valid(), tmp_path)
    step = tour.steps[0]
    step.image = "chelsea"
    assert tour.image_path(step) == io.sample_images()["chelsea"]
    step.image = "pictures/cat.png"
    assert tour.image_path(step) == tmp_path / "pictures" / "cat.png"
    step.image = None
    assert tour.image_path(step) is None


# ---------------------------------------------------------------- partial states


def test_a_convolution_preset_brings_its_example_and_given_fields_win():
    state = state_class("convolution").from_partial({"preset": "binary", "stride": 2})
    preset = io.load_preset("binary")
    np.testing.assert_array_equal(state.x, preset["input"])
    np.testing.assert_array_equal(state.w, preset["kernels"])
    assert state.stride == 2 and state.padding == int(preset["padding"])
    digit = state_class("convolution").from_partial({"preset": "digit"})
    assert digit.x.shape == (1, 28, 28) and state_class("convolution")().x.shape != digit.x.shape
    assert digit.output_shape() == (output_size(28, 5, 1, 0),) * 2


def test_a_random_scene_seed_brings_its_scene():
    state = state_class("segmentation").from_partial({"source": "random", "seed": 7})
    digits, labels = io.heldout_digits()
    image, truth, _ = make_scene(digits, labels, np.random.default_rng(7))
    np.testing.assert_array_equal(state.image, image)
    np.testing.assert_array_equal(state.truth, truth)
    with pytest.raises(ValueError, match="seed"):
        state_class("segmentation").from_partial({"source": "random", "seed": -1})


def test_partial_states_refuse_unknown_fields_and_keep_defaults_elsewhere():
    with pytest.raises(ValueError, match="unknown field"):
        state_class("pooling").from_partial({"window": 3})
    state = state_class("pooling").from_partial({"size": 3})
    default = state_class("pooling")()
    assert state.size == 3 and state.stride == default.stride
    np.testing.assert_array_equal(state.x, default.x)


# ---------------------------------------------------------------- answers


def test_answers_are_scored_and_the_first_answer_counts():
    tour = model.check_tour(_valid())
    answers = model.Answers()
    assert answers.score(tour) == (0, 0)
    assert answers.answer(tour, 1, 0) is False
    assert answers.answer(tour, 1, 1) is False  # changing one's mind after the reveal does not count
    assert answers.score(tour) == (0, 1)
    with pytest.raises(ValueError, match="asks no question"):
        answers.answer(tour, 0, 0)
    with pytest.raises(ValueError, match="choices 0 to 1"):
        model.Answers().answer(tour, 1, 5)
    fresh = model.Answers()
    assert fresh.answer(tour, 1, 1) is True
    assert fresh.score(tour) == (1, 1)


def test_quiz_answer_keys_that_follow_from_the_math(bundled):
    """The answers the lecture's formulas give (the model-based ones are checked in tests/ui/test_tour.py)."""
    by_title = {step.title: step for step in bundled.steps}
    quiz = by_title["Local receptive fields: 28×28 in, 5×5 kernel"].quiz
    side = output_size(28, 5, 1, 0)
    assert quiz.choices[quiz.answer] == f"{side}×{side}"
    step = by_title["Stride 2 on the binary example"]
    state = step.lesson_state()
    out = conv2d(state.x, state.w, state.b, stride=state.stride, padding=state.padding)
    assert step.quiz.choices[step.quiz.answer] == f"{out.shape[1]}×{out.shape[2]}"
    step = by_title["L2 pooling"]
    window = step.lesson_state().x[:2, :2]
    l2, biggest = float(np.sqrt((window ** 2).sum())), float(window.max())
    assert step.quiz.choices[step.quiz.answer] == ("Above max pooling's" if l2 > biggest else "Below max pooling's")
    assert copy.deepcopy(step.quiz) == step.quiz
