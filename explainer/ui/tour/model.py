"""Lecture tours as data (no Qt): steps, predict-then-reveal questions, reading, checking and writing tour files.

A tour is a JSON file::

    {"format": "convlens-tour", "version": 1, "title": "…",
     "steps": [{"lesson": "convolution", "title": "…", "narrative": "…", "notice": "…",
                "state": {"preset": "rgb", "cursor": 0}, "image": "chelsea",
                "spotlight": "kernelCard",
                "quiz": {"question": "…", "choices": ["…", "…"], "answer": 1, "explain": "…"}}]}

``state`` holds only the fields the step sets: the lesson's state class fills
in what they imply and takes its defaults for the rest
(:meth:`~explainer.ui.evented.StateModel.from_partial`), so a step always looks
the same, whatever the class did before. ``image`` is a bundled sample's name or
a picture file (relative to the tour file's folder, or absolute). ``spotlight``
names parts of the lesson (Qt object names) that stay visible while a
question waits for its answer, and are outlined afterwards; everything else of the lesson is covered until
the student answers. Everything is checked when the file is read, with a
sentence that names the step and the field.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

from ... import io
from ..evented import StateModel
from ..lessons import LESSON_IDS, state_class
from ..sessions import read_json, write_json

TOUR_FORMAT = "convlens-tour"
TOUR_VERSION = 1
TOUR_SUFFIX = ".json"
#: A tour file larger than this is refused before it is parsed.
MAX_TOUR_BYTES = 16 * 1024 * 1024
MAX_STEPS = 500
#: Longest texts, in characters (a title fits one line; a narrative a few sentences).
MAX_TITLE = 120
MAX_TEXT = 3000
MAX_CHOICES = 6

_STEP_FIELDS = ("lesson", "title", "narrative", "notice", "state", "image", "spotlight", "quiz")
_QUIZ_FIELDS = ("question", "choices", "answer", "explain")


def bundled_tour_path() -> pathlib.Path:
    """The lecture tour shipped with ConvLens."""
    return io.assets_dir() / "tours" / "lecture.json"


@dataclass(frozen=True)
class Quiz:
    """A question asked before the step shows its answer."""

    question: str
    choices: tuple[str, ...]
    answer: int  # index into choices
    explain: str = ""

    def to_dict(self) -> dict:
        return {"question": self.question, "choices": list(self.choices), "answer": self.answer,
                "explain": self.explain}


@dataclass
class Step:
    """One view of one lesson, with words for the class."""

    lesson: str
    title: str
    narrative: str = ""
    notice: str = ""
    state: dict = field(default_factory=dict)
    image: str | None = None
    spotlight: tuple[str, ...] = ()
    quiz: Quiz | None = None

    def lesson_state(self) -> StateModel:
        """The lesson's whole state for this step (``ValueError`` if the step's fields do not make one)."""
        return state_class(self.lesson).from_partial(self.state, f"the {self.lesson} lesson's state")

    def to_dict(self) -> dict:
        data = {"lesson": self.lesson, "title": self.title, "narrative": self.narrative, "notice": self.notice,
                "state": self.state}
        if self.image is not None:
            data["image"] = self.image
        if self.spotlight:
            data["spotlight"] = list(self.spotlight)
        if self.quiz is not None:
            data["quiz"] = self.quiz.to_dict()
        return data


@dataclass
class Tour:
    """An ordered list of steps; ``folder`` is where relative image paths are looked up."""

    title: str
    steps: list[Step]
    folder: pathlib.Path | None = None

    def to_dict(self) -> dict:
        return {"format": TOUR_FORMAT, "version": TOUR_VERSION, "title": self.title,
                "steps": [step.to_dict() for step in self.steps]}

    def quiz_count(self) -> int:
        return sum(step.quiz is not None for step in self.steps)

    def image_path(self, step: Step) -> pathlib.Path | None:
        """The picture file a step asks for (a bundled sample by name, else a path), or None."""
        if step.image is None:
            return None
        samples = io.sample_images()
        if step.image in samples:
            return samples[step.image]
        path = pathlib.Path(step.image).expanduser()
        if not path.is_absolute() and self.folder is not None:
            path = self.folder / path
        return path

    def listing(self) -> str:
        """One line a step: ``N<TAB>LESSON_ID<TAB>TITLE``, with ``<TAB>quiz`` on steps that ask a question."""
        lines = []
        for number, step in enumerate(self.steps, start=1):
            line = f"{number}\t{step.lesson}\t{step.title}"
            lines.append(line + "\tquiz" if step.quiz is not None else line)
        return "\n".join(lines)


def split_spotlight(text: str) -> tuple[str, tuple[float, float]]:
    """``"photoInputView#0-0.45"`` → ("photoInputView", (0.0, 0.45)): a band of a widget's height; no ``#``: all of it.

    ``ValueError`` if the band is not two fractions 0 ≤ start < end ≤ 1.
    """
    name, _, band = text.partition("#")
    if not band:
        return name, (0.0, 1.0)
    try:
        start, end = (float(part) for part in band.split("-"))
    except ValueError as exc:
        raise ValueError(f"the spotlight {text!r} should end in #start-end with two fractions, e.g. #0-0.5") from exc
    if not 0 <= start < end <= 1:
        raise ValueError(f"the spotlight {text!r} needs 0 ≤ start < end ≤ 1")
    return name, (start, end)


# ---------------------------------------------------------------- checking


def _text(where: str, value, limit: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} should be text, got {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise ValueError(f"{where} is empty")
    if len(value) > limit:
        raise ValueError(f"{where} is {len(value)} characters long; at most {limit} fit on screen")
    return value


def _unknown(where: str, data: dict, known) -> None:
    extra = sorted(set(data) - set(known), key=str)
    if extra:
        raise ValueError(f"{where} has unknown field(s): {', '.join(map(str, extra))} "
                         f"(known: {', '.join(known)})")


def check_quiz(where: str, data) -> Quiz:
    if not isinstance(data, dict):
        raise ValueError(f"{where} should be a mapping with a question, choices and an answer, "
                         f"got {type(data).__name__}")
    _unknown(where, data, _QUIZ_FIELDS)
    for name in ("question", "choices", "answer"):
        if name not in data:
            raise ValueError(f"{where} has no {name}")
    question = _text(f"{where}'s question", data["question"], MAX_TEXT)
    choices = data["choices"]
    if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES:
        raise ValueError(f"{where} needs a list of 2 to {MAX_CHOICES} choices")
    choices = tuple(_text(f"{where}'s choice {i + 1}", c, MAX_TITLE) for i, c in enumerate(choices))
    if len(set(choices)) != len(choices):
        raise ValueError(f"{where} offers the same choice twice")
    answer = data["answer"]
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(choices):
        raise ValueError(f"{where}'s answer must be the number of a choice, 0 to {len(choices) - 1}, got {answer!r}")
    explain = _text(f"{where}'s explanation", data.get("explain", ""), MAX_TEXT, required=False)
    return Quiz(question, choices, answer, explain)


def check_step(where: str, data) -> Step:
    if not isinstance(data, dict):
        raise ValueError(f"{where} should be a mapping, got {type(data).__name__}")
    _unknown(where, data, _STEP_FIELDS)
    lesson = data.get("lesson")
    if lesson not in LESSON_IDS:
        raise ValueError(f"{where} names the lesson {lesson!r}; lessons: {', '.join(LESSON_IDS)}")
    title = _text(f"{where}'s title", data.get("title", ""), MAX_TITLE)
    where = f"{where} ({title})"
    narrative = _text(f"{where}'s narrative", data.get("narrative", ""), MAX_TEXT, required=False)
    notice = _text(f"{where}'s note", data.get("notice", ""), MAX_TEXT, required=False)
    state = data.get("state", {})
    if not isinstance(state, dict):
        raise ValueError(f"{where}'s state should be a mapping of the lesson's fields, got {type(state).__name__}")
    image = data.get("image")
    if image is not None:
        image = _text(f"{where}'s image", image, 4096)
    spotlight = data.get("spotlight") or []
    if isinstance(spotlight, str):
        spotlight = [spotlight]
    if not isinstance(spotlight, list) or len(spotlight) > 8:
        raise ValueError(f"{where}'s spotlight should be the name of a part of the lesson, or a list of up to 8")
    spotlight = tuple(_text(f"{where}'s spotlight", name, MAX_TITLE) for name in spotlight)
    for name in spotlight:
        try:
            split_spotlight(name)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc
    quiz = check_quiz(f"{where}'s question", data["quiz"]) if data.get("quiz") is not None else None
    step = Step(lesson, title, narrative, notice, dict(state), image, spotlight, quiz)
    try:
        step.lesson_state()
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    return step


def check_tour(data, folder: pathlib.Path | None = None) -> Tour:
    """A validated :class:`Tour` from parsed JSON; ``ValueError`` naming the step and field otherwise."""
    if not isinstance(data, dict):
        raise ValueError(f"a tour should be a mapping with its steps, got {type(data).__name__}")
    if data.get("format") != TOUR_FORMAT:
        raise ValueError(f"this is not a ConvLens tour (its format is {data.get('format')!r}, "
                         f"expected {TOUR_FORMAT!r})")
    version = data.get("version")
    if version != TOUR_VERSION:
        raise ValueError(f"this tour is version {version!r}; this ConvLens reads version {TOUR_VERSION}")
    _unknown("the tour", data, ("format", "version", "title", "steps"))
    title = _text("the tour's title", data.get("title", ""), MAX_TITLE)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ValueError("the tour has no steps")
    if len(steps) > MAX_STEPS:
        raise ValueError(f"the tour has {len(steps)} steps; at most {MAX_STEPS} are allowed")
    return Tour(title, [check_step(f"step {i}", s) for i, s in enumerate(steps, start=1)], folder)


def read_tour(path) -> Tour:
    """Read and check a tour file; ``ValueError`` with a plain sentence for every kind of damage."""
    path = pathlib.Path(path)
    data = read_json(path, "tour", MAX_TOUR_BYTES)
    try:
        return check_tour(data, path.resolve().parent)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


def write_tour(path, tour: Tour) -> pathlib.Path:
    """Write ``tour`` as readable JSON, atomically (a failed save leaves any old file whole)."""
    check_tour(tour.to_dict())  # never write a file that could not be read back
    return write_json(path, tour.to_dict(), indent=1)


# ---------------------------------------------------------------- answers


@dataclass
class Answers:
    """The student's answers to a tour's questions, by step index, and the score."""

    chosen: dict[int, int] = field(default_factory=dict)

    def answer(self, tour: Tour, index: int, choice: int) -> bool:
        """Record ``choice`` for step ``index`` (the first answer counts); True if it is right."""
        quiz = tour.steps[index].quiz
        if quiz is None:
            raise ValueError(f"step {index + 1} asks no question")
        if not 0 <= choice < len(quiz.choices):
            raise ValueError(f"step {index + 1}'s question has choices 0 to {len(quiz.choices) - 1}, got {choice}")
        self.chosen.setdefault(index, choice)
        return self.chosen[index] == quiz.answer

    def answered(self, index: int) -> bool:
        return index in self.chosen

    def score(self, tour: Tour) -> tuple[int, int]:
        """(right answers, questions answered)."""
        right = sum(1 for i, c in self.chosen.items() if i < len(tour.steps) and tour.steps[i].quiz is not None
                    and tour.steps[i].quiz.answer == c)
        return right, len(self.chosen)
