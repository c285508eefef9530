"""Saving and safely loading model weights.

Files hold only tensors and plain values and are read with
``torch.load(..., weights_only=True)``, which refuses pickled code: a
malicious file cannot run anything, it can only fail to load.
"""

from __future__ import annotations

import pathlib

import torch
from torch import nn

FORMAT = "convlens-weights"
FORMAT_VERSION = 1


class ModelLoadError(ValueError):
    """A weights file is missing, damaged, or for another model. The message says which."""


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


def read_weights(path, expected_arch: str | None = None) -> dict:
    """Read and check a weights file; returns its payload dict.

    Raises
    ------
    ModelLoadError
        If the file is missing, not a weights file, damaged, or for another architecture.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ModelLoadError(f"weights file {path} not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for foreign or damaged files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(
            f"{path.name} is not a ConvLens weights file, or it is damaged ({first[:200]})"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelLoadError(f"{path.name} is not a ConvLens weights file (no '{FORMAT}' header)")
    if payload.get("version") != FORMAT_VERSION:
        raise ModelLoadError(f"{path.name} has weights format version {payload.get('version')}, expected {FORMAT_VERSION}")
    if expected_arch is not None and payload.get("arch") != expected_arch:
        raise ModelLoadError(f"{path.name} holds weights for '{payload.get('arch')}', not for '{expected_arch}'")
    if not isinstance(payload.get("state_dict"), dict) or not isinstance(payload.get("config"), dict):
        raise ModelLoadError(f"{path.name} is incomplete: it lacks weights or configuration")
    return payload


def load_state(model: nn.Module, payload: dict, name: str) -> nn.Module:
    """Put the payload's weights into ``model`` (shapes must match exactly)."""
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except (RuntimeError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{name}: the weights do not fit the network ({str(exc).splitlines()[0][:200]})") from exc
    return model.eval()
