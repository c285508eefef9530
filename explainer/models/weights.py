"""Saving and safely loading model weights.

Files hold only tensors and plain values and are read with
``torch.load(..., weights_only=True)``, which refuses pickled code: a
malicious file cannot run anything, it can only fail to load. Everything
else in the file is checked too (its header, its metrics, every weight's
type, shape and finiteness), and each refusal is a :class:`ModelLoadError`
whose message says in plain words what is wrong and what to do.
"""

from __future__ import annotations

import pathlib
import re

import torch
from torch import nn

FORMAT = "convlens-weights"
FORMAT_VERSION = 1
#: Largest weights file read (the bundled ones are at most 14 MB: mnist_nopool, 13.3 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Most entries a state dict or a metrics list may hold.
MAX_ENTRIES = 10_000
#: What to do with a file that cannot be used.
WHAT_TO_DO = ("Use a file saved by ConvLens (“Save…” in the network lesson, or python -m explainer.train), "
              "or the file it came with.")

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_GLOBAL = re.compile(r"(?:Unsupported global: GLOBAL|unsupported GLOBAL) ([\w.]+)")


class ModelLoadError(ValueError):
    """A weights file is missing, damaged, or for another model. The message says which."""


def short(value, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages about values read from a file."""
    text = repr(value) if not isinstance(value, torch.Tensor) else f"a tensor of shape {tuple(value.shape)}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shape(size) -> str:
    return "×".join(map(str, size)) if len(size) else "a single number"


def _names(keys: list[str], most: int = 5) -> str:
    shown = ", ".join(keys[:most])
    return shown + (f" and {len(keys) - most} more" if len(keys) > most else "")


def save_weights(path, arch: str, model: nn.Module, config: dict, metrics: dict | None = None) -> pathlib.Path:
    """Write ``model``'s weights with what is needed to rebuild it.

    Parameters
    ----------
    path : path-like
    arch : str
        Architecture name, e.g. ``"mnist"``; checked when loading.
    model : nn.Module
    config : dict
        Keyword arguments that rebuild the module (plain values only).
    metrics : dict, optional
        Figures measured during training (validation accuracy…), for the record.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    payload = {"format": FORMAT, "version": FORMAT_VERSION, "arch": arch, "config": dict(config),
               "metrics": dict(metrics or {}), "state_dict": state}
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


def _load_failure(name: str, exc: BaseException) -> ModelLoadError:
    """Say in plain words why torch could not read a file (never torch's advice to load code)."""
    text = _ANSI.sub("", str(exc))
    if "Weights only load failed" in text:
        found = _GLOBAL.search(text)
        if found:
            return ModelLoadError(
                f"{name} was not opened: besides weights it holds Python code or objects ({found.group(1)}), "
                f"and opening it could run that code. {WHAT_TO_DO}")
        return ModelLoadError(f"{name} is not a ConvLens weights file: it is not made of tensors and plain values "
                              f"only (it may be damaged, or written by another program). {WHAT_TO_DO}")
    if isinstance(exc, EOFError):
        return ModelLoadError(f"{name} is cut short: it ends before its contents do (an interrupted copy or "
                              f"download?). {WHAT_TO_DO}")
    if "PytorchStreamReader" in text or "inline_container" in text:
        return ModelLoadError(f"{name} is not a ConvLens weights file, or it is damaged: it is an archive that does "
                              f"not hold a saved model. {WHAT_TO_DO}")
    # Anything else torch says about a foreign file ("pop from empty list", "Expected hasRecord(...)") means
    # nothing to a person: say what it is instead.
    return ModelLoadError(f"{name} is not a ConvLens weights file, or it is damaged: it could not be read as a "
                          f"saved model. {WHAT_TO_DO}")


#: Largest weight magnitude accepted (batch-norm running variances included): a trained network's are
#: far smaller, and values near float32's limit would make every reading overflow to NaN.
MAX_WEIGHT = 1e4


def _check_metrics(name: str, metrics) -> dict:
    plain = (bool, int, float, str, type(None))
    if not isinstance(metrics, dict):
        raise ModelLoadError(f"{name}: its metrics must be a mapping of names to figures, got {short(metrics)}. {WHAT_TO_DO}")
    for key, value in metrics.items():
        if not isinstance(key, str):
            raise ModelLoadError(f"{name}: its metrics must be named by text, got the name {short(key)}. {WHAT_TO_DO}")
        items = value if isinstance(value, (list, tuple)) else [value]
        if len(items) > MAX_ENTRIES or not all(isinstance(item, plain) for item in items):
            raise ModelLoadError(f"{name}: its metrics must hold plain numbers and text; {key!r} holds {short(value)}. {WHAT_TO_DO}")
    return dict(metrics)


def _check_state_dict(name: str, state) -> None:
    if not isinstance(state, dict) or not state:
        raise ModelLoadError(f"{name} is incomplete: it holds no weights. {WHAT_TO_DO}")
    if len(state) > MAX_ENTRIES:
        raise ModelLoadError(f"{name} holds {len(state):,} weight entries; a ConvLens model has far fewer. {WHAT_TO_DO}")
    for key, value in state.items():
        if not isinstance(key, str):
            raise ModelLoadError(f"{name}: a weight is named {short(key)}, not by text. {WHAT_TO_DO}")
        if not isinstance(value, torch.Tensor):
            raise ModelLoadError(f"{name}: the weight {key} is not a tensor (it is {short(value)}). {WHAT_TO_DO}")
        if value.layout != torch.strided or value.is_complex() or value.is_quantized or value.device.type != "cpu":
            raise ModelLoadError(f"{name}: the weight {key} is not a plain tensor of real numbers. {WHAT_TO_DO}")
        if value.is_floating_point() and value.numel() and bool(torch.isfinite(value).all()) \
                and float(value.abs().max()) > MAX_WEIGHT:
            raise ModelLoadError(
                f"{name}: the weight {key} holds values up to {float(value.abs().max()):.3g}, far beyond any trained "
                f"network's (at most {MAX_WEIGHT:g} here; the bundled models stay under 100), and the network's "
                f"outputs would overflow. The file is damaged or was edited. {WHAT_TO_DO}")
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise ModelLoadError(
                f"{name}: the weight {key} holds values that are not finite numbers (NaN or infinity), so the "
                f"network would give meaningless answers. The file is damaged, or it was saved from a training "
                f"run that diverged (train again with a smaller learning rate).")


def read_weights(path, expected_arch: str | None = None) -> dict:
    """Read and check a weights file; returns its payload dict.

    Checked: the file's size (at most :data:`MAX_FILE_BYTES`), that it holds only
    tensors and plain values, its header (format, version, architecture), its
    metrics (names → plain figures) and every weight (a finite real tensor). The
    configuration is checked by :func:`explainer.models.config.check_config`.

    Raises
    ------
    ModelLoadError
        If the file is missing, not a weights file, damaged, for another architecture,
        or holds anything but finite weights and plain figures.
    """
    path = pathlib.Path(path)
    if not path.exists():
        raise ModelLoadError(f"weights file {path} not found.")
    if not path.is_file():
        raise ModelLoadError(f"{path.name} is not a file (a folder?): choose the .pt file itself.")
    size = path.stat().st_size
    if size == 0:
        raise ModelLoadError(f"{path.name} is empty (0 bytes): it holds no weights. {WHAT_TO_DO}")
    if size > MAX_FILE_BYTES:
        raise ModelLoadError(f"{path.name} is too large ({size / 1e6:,.0f} MB; a ConvLens weights file is at most "
                             f"{MAX_FILE_BYTES / 1e6:,.0f} MB). {WHAT_TO_DO}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for foreign or damaged files
        raise _load_failure(path.name, exc) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelLoadError(f"{path.name} is not a ConvLens weights file (no '{FORMAT}' header). {WHAT_TO_DO}")
    version = payload.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise ModelLoadError(f"{path.name} has weights format version {short(version)}, expected {FORMAT_VERSION}. {WHAT_TO_DO}")
    arch = payload.get("arch")
    if expected_arch is not None and arch != expected_arch:
        raise ModelLoadError(f"{path.name} holds weights for {short(arch)}, not for '{expected_arch}', so it cannot be used here.")
    if "config" not in payload or not isinstance(payload["config"], dict):
        raise ModelLoadError(f"{path.name} is incomplete: it lacks its configuration (a mapping of settings). {WHAT_TO_DO}")
    payload["metrics"] = _check_metrics(path.name, payload.get("metrics", {}))
    _check_state_dict(path.name, payload.get("state_dict"))
    return payload


def load_state(model: nn.Module, payload: dict, name: str) -> nn.Module:
    """Put the payload's weights into ``model``; every key must be there with exactly the model's shape.

    Raises
    ------
    ModelLoadError
        Naming the missing weights, the ones the network does not have, and the shapes that differ.
    """
    state, expected = payload["state_dict"], model.state_dict()
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    reshaped = [f"{key} is {_shape(state[key].shape)} in the file but the network needs {_shape(want.shape)}"
                for key, want in expected.items() if key in state and state[key].shape != want.shape]
    problems = []
    if missing:
        problems.append(f"{len(missing)} weight{'s are' if len(missing) > 1 else ' is'} missing ({_names(missing)})")
    if unexpected:
        problems.append(f"{len(unexpected)} {'are' if len(unexpected) > 1 else 'is'} not part of this network "
                        f"({_names(unexpected)})")
    if reshaped:
        problems.append("; ".join(reshaped[:3]) + (f"; and {len(reshaped) - 3} more shapes differ"
                                                    if len(reshaped) > 3 else ""))
    if problems:
        raise ModelLoadError(f"{name}: the weights do not fit the network its configuration describes: "
                             f"{'; '.join(problems)}. The file was edited, or saved by another version. {WHAT_TO_DO}")
    try:
        model.load_state_dict(state, strict=True)
    except (RuntimeError, KeyError, TypeError) as exc:
        first = " ".join(_ANSI.sub("", str(exc)).split()).rstrip(".")
        raise ModelLoadError(f"{name}: the weights do not fit the network ({first}). {WHAT_TO_DO}") from exc
    return model.eval()
