"""Session files: what a saved ConvLens session holds, how it is written and how it is checked (no Qt).

The window builds the session's data (:meth:`~explainer.ui.app.MainWindow.session`) and applies a
checked one; this module writes it atomically, reads it back with a plain sentence for every kind
of damage, and validates every part before anything is changed.
"""

from __future__ import annotations

import base64
import io
import json
import os
import pathlib
import tempfile

import numpy as np

from .evented import decode
from .lessons import LESSON_IDS, state_class
from .state import AppState

#: What a session file says it is, and the format version this code writes and reads.
SESSION_FORMAT = "convlens-session"
SESSION_VERSION = 1
SESSION_SUFFIX = ".convlens"
#: A session file larger than this is refused before it is parsed.
MAX_SESSION_BYTES = 64 * 1024 * 1024


def png_bytes(image: np.ndarray) -> bytes:
    """An (H, W, 3) image in [0, 1] as PNG file bytes (embedded in a session when it is not a file)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.round(image * 255), 0, 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def write_json(path, data: dict, indent: int | None = None) -> pathlib.Path:
    """Write ``data`` as JSON to ``path`` atomically: a crash mid-save leaves any old file whole.

    The JSON goes to a temporary file in the same folder, which is flushed and synced to disk,
    then renamed over ``path`` in one step.
    """
    path = pathlib.Path(path)
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(data, allow_nan=False, separators=separators, indent=indent, ensure_ascii=False)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


def write_session(path, data: dict) -> pathlib.Path:
    """Write a session's ``data`` compactly and atomically (see :func:`write_json`)."""
    return write_json(path, data)


def read_json(path, noun: str, max_bytes: int) -> object:
    """The parsed JSON of a ConvLens ``noun`` file ("session", "tour"); ``ValueError`` with a sentence for
    a folder, an unreadable, empty, too large, truncated, non-text or non-JSON file."""
    path = pathlib.Path(path)
    try:
        if path.is_dir():
            raise ValueError(f"{path.name} is a folder, not a {noun} file")
        size = path.stat().st_size
        if size > max_bytes:
            raise ValueError(f"{path.name} is {size / 2**20:.0f} MB, too large for a {noun} "
                             f"(at most {max_bytes // 2**20} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise ValueError(f"{path.name} is empty: it holds no {noun}")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name} is not a ConvLens {noun} (it is not text)") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name} is not a complete ConvLens {noun}: it is truncated or not JSON "
                         f"(line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise ValueError(f"{path.name} is nested too deeply to be a ConvLens {noun}") from exc


def read_session(path) -> object:
    """The parsed JSON of a session file (see :func:`read_json`)."""
    return read_json(path, "session", MAX_SESSION_BYTES)


def check_session(data) -> dict:
    """Validate a session completely without changing anything; ``ValueError`` says what is wrong.

    Returns the parts ready to apply: lesson id, image entry, app state, lesson states.
    """
    if not isinstance(data, dict):
        raise ValueError("this is not a ConvLens session (the file does not hold a mapping of settings)")
    if data.get("format") != SESSION_FORMAT:
        raise ValueError("this is not a ConvLens session (its format field is missing or different)")
    version = data.get("version")
    if version != SESSION_VERSION:
        raise ValueError(f"this session has format version {version!r}; this ConvLens reads version "
                         f"{SESSION_VERSION}")
    unknown = sorted(set(data) - {"format", "version", "lesson", "image", "drawing", "lessons", "digit_model",
                                  "model"})
    if unknown:
        raise ValueError(f"the session has unknown parts: {', '.join(unknown)}")
    lesson = data.get("lesson")
    if lesson not in LESSON_IDS:
        raise ValueError(f"the session opens an unknown lesson {lesson!r}; valid lessons: {', '.join(LESSON_IDS)}")
    image = data.get("image")
    png = None
    if image is not None:
        image = decode("the session's image", dict[str, str | None], image)
        if set(image) != {"name", "path", "png"}:
            raise ValueError("the session's image should have a name, a path and an embedded PNG (or null)")
        if image["png"] is not None:
            try:
                png = base64.b64decode(image["png"].encode("ascii"), validate=True)
            except (ValueError, UnicodeEncodeError) as exc:
                raise ValueError("the session's embedded image is damaged (not valid base64)") from exc
            if not png.startswith(b"\x89PNG"):
                raise ValueError("the session's embedded image is not a PNG")
    app = AppState.from_dict(data.get("drawing", {}), "the session's drawing")
    lessons = data.get("lessons", {})
    if not isinstance(lessons, dict):
        raise ValueError("the session's lessons should be a mapping from lesson id to its state")
    states = {}
    for lesson_id, saved in lessons.items():
        if lesson_id not in LESSON_IDS:
            raise ValueError(f"the session has a state for an unknown lesson {lesson_id!r}")
        states[lesson_id] = state_class(lesson_id).from_dict(saved, f"the {lesson_id} lesson's state")
    digit_model = data.get("digit_model")
    if digit_model is not None and not isinstance(digit_model, str):
        raise ValueError("the session's digit model should be a name")
    return {"lesson": lesson, "image": image, "png": png, "app": app, "lessons": states,
            "digit_model": digit_model, "model": check_model_entry(data.get("model"))}


def check_model_entry(entry) -> dict | None:
    """A session's own model: ``{"path": file, "preprocessing": settings or null}``, or null for the bundled ones.

    The settings are checked by :meth:`~explainer.models.external.Preprocessing.from_dict` (which is imported,
    with torch, only when a session names a model); the file itself is opened later, and a file that is gone
    is a note, not a refusal.
    """
    if entry is None:
        return None
    if not isinstance(entry, dict) or set(entry) != {"path", "preprocessing"}:
        raise ValueError("the session's model should have a path and its input settings (or be null)")
    path = entry["path"]
    if not isinstance(path, str) or not path.strip():
        raise ValueError("the session's model should name its file")
    preprocessing = entry["preprocessing"]
    if preprocessing is not None:
        if not isinstance(preprocessing, dict):
            raise ValueError("the session's model input settings should be a mapping (or null)")
        from ..models.external import Preprocessing

        try:
            preprocessing = Preprocessing.from_dict(preprocessing)
        except ValueError as exc:
            raise ValueError(f"the session's model input settings are not usable: {exc}") from exc
    return {"path": path, "preprocessing": preprocessing}
