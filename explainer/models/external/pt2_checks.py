"""Checking a ``.pt2`` archive before torch reads it: the allow-list described in :mod:`.pt2_file`."""

from __future__ import annotations

import io
import pathlib
import re
import zipfile

import numpy as np

from .base import plain, size_text
from .preprocessing import json_value

_TARGET = re.compile(r"torch\.ops\.aten\.[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*")
_SAFE_OPERATORS = {"_operator.getitem"}
_SYMBOL = re.compile(r"[a-z]{1,4}\d+")
_QUOTED_SYMBOL = re.compile(r"'[a-z]{1,4}\d+'")
_SYMPY_NAMES = {
    "Symbol", "Integer", "Rational", "Float", "Add", "Mul", "Pow", "Max", "Min", "Abs", "Eq", "Ne", "Lt", "Le",
    "Gt", "Ge", "And", "Or", "Not", "FloorDiv", "ModularIndexing", "Where", "PythonMod", "Mod", "CleanDiv",
    "CeilToInt", "FloorToInt", "CeilDiv", "LShift", "RShift", "PowByNatural", "FloatPow", "FloatTrueDiv",
    "IntTrueDiv", "IsNonOverlappingAndDenseIndicator", "TruncToFloat", "TruncToInt", "RoundToInt", "ToFloat",
    "positive", "negative", "nonnegative", "nonpositive", "integer", "real", "finite", "True", "False", "oo",
}
_GUARD_NAMES = {"L", "and", "or", "not", "True", "False"}
_FIXED_ENTRIES = {"archive_format", "archive_version", "byteorder", ".data/version", ".data/serialization_id",
                  "models/model.json", "data/weights/model_weights_config.json",
                  "data/constants/model_constants_config.json", "data/sample_inputs/model.pt"}
# Bytes per element of torch.export's serialised ScalarType codes (byte, char, short, int, long, half, float,
# double, bool, bfloat16, uint16/32/64).
_DTYPE_BYTES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 2, 7: 4, 8: 8, 12: 1, 13: 2, 28: 2, 34: 4, 35: 8}
MAX_NODES = 100_000


def refuse(name: str, why: str) -> ValueError:
    """The refusal of a file that holds more than a plain program, saying what it holds."""
    return ValueError(f"{name} was not opened: {why}. ConvLens opens only plain torch.export programs, because "
                      f"anything more could run code from the file.")


def _safe_expression(text, guard: bool) -> bool:
    """Whether a shape expression (or, with ``guard``, an input check) uses only what shapes need.

    Left once symbol names in quotes (and, for guards, ``['name']`` keys, ``[0]`` indices and
    ``.size()``-style calls) are taken out: names, numbers, arithmetic, comparisons, parentheses and
    commas, where every name is a symbol (``s77``) or one of the allowed function and flag names.
    """
    if not isinstance(text, str) or len(text) > 2000 or "__" in text:
        return False
    if guard:
        body = re.sub(r"\[('\w+'|\d+)\]", " ", text)
        body = re.sub(r"\.(size|stride|storage_offset)\(\)", " ", body)
    else:
        body = _QUOTED_SYMBOL.sub(" ", text)
    body = re.sub(r"\d+\.\d+(e[+-]?\d+)?", " 0 ", body)
    if not re.fullmatch(r"[\w\s+\-*/%(),=<>!]*", body):
        return False
    allowed = _GUARD_NAMES if guard else _SYMPY_NAMES
    return all(word in allowed or _SYMBOL.fullmatch(word) for word in re.findall(r"[A-Za-z_]\w*", body))


def _walk(value, found: dict) -> None:
    """Collect what needs checking anywhere in the program's JSON."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "expr_str":
                found["expressions"].append(item)
            elif key in ("as_graph", "as_custom_obj", "as_custom_objs"):
                found["forbidden"].append(key)
            elif key == "as_operator":
                found["targets"].append(item)
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)
    elif isinstance(value, str) and "__enum__" in value:
        found["forbidden"].append("an enum spec")


def check_archive(path: pathlib.Path, max_bytes: int) -> dict[str, str]:
    """Check a ``.pt2`` file against the allow-list of the module notes; returns its extra files' text.

    Raises ``ValueError`` with a sentence.
    """
    import torch

    name = path.name
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValueError(f"{name} is not a torch.export archive, or it is damaged or cut short: it could not be "
                         f"read as a zip archive.") from None
    with archive:
        names = [info.filename for info in infos]
        prefixes = {n.split("/", 1)[0] for n in names}
        if not names or len(prefixes) != 1 or any("/" not in n for n in names) or len(set(names)) != len(names):
            raise ValueError(f"{name} is not a torch.export archive (it lacks the single top folder that "
                             f"torch.export.save writes).")
        prefix = prefixes.pop() + "/"
        total = sum(info.file_size for info in infos)
        if total > max_bytes:
            raise ValueError(f"{name} is too large: it unpacks to {size_text(total)}, over ConvLens' limit of "
                             f"{size_text(max_bytes)} for a model.")
        entries = {n[len(prefix):]: n for n in names if not n.endswith("/")}
        read = lambda entry: archive.read(entries[entry])  # noqa: E731
        if "archive_format" not in entries or read("archive_format").strip() != b"pt2":
            raise ValueError(f"{name} is not a torch.export archive (no 'pt2' archive format entry); save the "
                             f"program with torch.export.save.")
        for entry in ("models/model.json", "data/weights/model_weights_config.json",
                      "data/constants/model_constants_config.json"):
            if entry not in entries:
                raise ValueError(f"{name} is incomplete or from an unsupported PyTorch version: it lacks {entry}. "
                                 f"Save the program again with torch.export.save.")
        try:
            records = set(torch._C.PyTorchFileReader(str(path)).get_all_records())
        except RuntimeError:
            raise ValueError(f"{name} is damaged: torch cannot read it as an archive.") from None
        if records != set(entries):
            raise refuse(name, "the zip's table of contents and its entries disagree")
        try:
            configs = {kind: json_value(read(f"data/{kind}/model_{kind}_config.json"))["config"]
                       for kind in ("weights", "constants")}
            program = json_value(read("models/model.json"))
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{name} is damaged: its program description is not valid JSON.") from None
        referenced = set()
        for kind, config in configs.items():
            if not isinstance(config, dict):
                raise ValueError(f"{name} is damaged: its {kind} list is not valid.")
            for fqn, meta in config.items():
                if not isinstance(meta, dict) or meta.get("use_pickle") is not False:
                    raise refuse(name, f"the {kind[:-1]} {fqn!r} is stored as a pickle")
                file_name = str(meta.get("path_name", ""))
                prefix_ok = file_name.startswith("weight_" if kind == "weights" else "tensor_")
                if not prefix_ok or not re.fullmatch(r"\w+", file_name) or f"data/{kind}/{file_name}" not in entries:
                    raise refuse(name, f"the {kind[:-1]} {fqn!r} is not a plain tensor stored in the archive")
                tensor = meta.get("tensor_meta") or {}
                try:
                    count = int(np.prod([int(s["as_int"]) for s in tensor.get("sizes", [])], dtype=object))
                    width = _DTYPE_BYTES[int(tensor.get("dtype", 7))]
                except (KeyError, TypeError, ValueError):
                    raise refuse(name, f"the {kind[:-1]} {fqn!r} has a shape or number type ConvLens does not "
                                        f"read") from None
                if count * width > max_bytes:
                    raise ValueError(f"{name} is too large: {fqn} alone would take {size_text(count * width)}.")
                referenced.add(f"data/{kind}/{file_name}")
        for entry in entries:
            fixed = entry in _FIXED_ENTRIES or entry.startswith("extra/") or entry in referenced
            if not fixed:
                raise refuse(name, f"it holds {entry!r}, which a plain exported program does not")
        if "data/sample_inputs/model.pt" in entries:
            try:
                torch.load(io.BytesIO(read("data/sample_inputs/model.pt")), weights_only=True)
            except Exception:  # anything torch's safe loader refuses must never reach its fallback
                raise refuse(name, "its sample inputs are not plain tensors") from None
        extra = {}
        for entry in entries:
            if entry.startswith("extra/"):
                extra[entry[len("extra/"):]] = read(entry).decode("utf-8", errors="replace")
    _check_program(name, program)
    return extra


def _check_program(name: str, program) -> None:
    try:
        graph = program["graph_module"]["graph"]
        nodes = graph["nodes"]
        guards = program.get("guards_code", [])
    except (KeyError, TypeError):
        raise ValueError(f"{name} is damaged: its program description lacks the graph.") from None
    if len(nodes) > MAX_NODES:
        raise ValueError(f"{name} has {len(nodes):,} operations; ConvLens shows at most {MAX_NODES:,}.")
    found = {"expressions": [], "forbidden": [], "targets": [n.get("target") for n in nodes if isinstance(n, dict)]}
    try:
        _walk(program, found)
    except RecursionError:
        raise ValueError(f"{name} is damaged: its program description is nested too deeply to read.") from None
    if graph.get("custom_obj_values") or found["forbidden"]:
        raise refuse(name, f"it holds {(found['forbidden'] or ['custom objects'])[0].replace('as_', '')}")
    for target in found["targets"]:
        if not (isinstance(target, str) and (_TARGET.fullmatch(target) or target in _SAFE_OPERATORS)):
            raise refuse(name, f"it calls {plain(str(target), 80)!r}, which is not a standard torch operation")
    for text in found["expressions"]:
        if not _safe_expression(text, guard=False):
            raise refuse(name, f"a shape in it is written as {plain(str(text), 80)!r}, not as plain arithmetic")
    if not isinstance(guards, list) or not all(_safe_expression(g, guard=True) for g in guards):
        raise refuse(name, "its input checks are not plain comparisons of sizes")
