"""The files that ship with ConvLens: sample photos, convolution presets and held-out digits and photos.

Every function finds its file under the repository's ``assets`` folder
(:func:`assets_dir`). A held-out set that is missing gives empty arrays, so a
lesson can say there is nothing to show rather than fail. The functions are
re-exported by :mod:`explainer.io`, where the rest of the app reads them.
"""

from __future__ import annotations

import pathlib
import threading

import numpy as np


def assets_dir() -> pathlib.Path:
    """The folder with bundled weights, sample pictures and presets."""
    return pathlib.Path(__file__).resolve().parent.parent / "assets"


def sample_images() -> dict[str, pathlib.Path]:
    """Bundled sample photos, by name (e.g. ``"chelsea"``), in alphabetical order."""
    folder = assets_dir() / "samples"
    if not folder.is_dir():
        return {}
    paths = [p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg")]
    return {p.stem: p for p in sorted(paths)}


def load_preset(name: str) -> dict:
    """A convolution preset from ``assets/presets/lecture.json`` (``"rgb"`` or ``"binary"``).

    Returns the dict with ``input`` (C, H, W), ``kernels`` (K, C, k, k) and
    ``bias`` (K,) as float arrays.
    """
    import json

    presets = json.loads((assets_dir() / "presets" / "lecture.json").read_text(encoding="utf-8"))
    if name not in presets:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(presets)}")
    preset = dict(presets[name])
    for key in ("input", "kernels", "bias"):
        preset[key] = np.asarray(preset[key], dtype=np.float64)
    return preset


def heldout_digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled held-out MNIST digits: images (N, 28, 28) float32 in [0, 1] and labels (N,).

    Every caller gets the same two arrays, read-only (five lessons use them: one copy in
    memory, and a random scene does not read the file again); copy them to change them.
    """
    path = assets_dir() / "samples" / "mnist_heldout.npz"
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None or not path.is_file():
        return np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64)
    return _read_heldout_digits(str(path), stat.st_mtime_ns, stat.st_size)


_HELDOUT_LOCK = threading.Lock()
_heldout_cache: tuple = (None, None)


def _read_heldout_digits(path: str, mtime_ns: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The digits in ``path``, read once per version of the file (its time and size are the key)."""
    global _heldout_cache
    key = (path, mtime_ns, size)
    with _HELDOUT_LOCK:
        if _heldout_cache[0] == key:
            return _heldout_cache[1]
        with np.load(path) as data:
            images, labels = data["images"].astype(np.float32) / 255.0, data["labels"].astype(np.int64)
        images.flags.writeable = False
        labels.flags.writeable = False
        _heldout_cache = (key, (images, labels))
        return images, labels


def heldout_photos() -> tuple[np.ndarray, np.ndarray]:
    """The bundled held-out CIFAR-10 photos: images (N, 32, 32, 3) float32 RGB in [0, 1] and labels (N,).

    Ten per class from the training run's validation split (``python -m explainer.train cifar10``
    writes them); empty arrays when the file is missing.
    """
    path = assets_dir() / "samples" / "cifar10_heldout.npz"
    if not path.is_file():
        return np.zeros((0, 32, 32, 3), np.float32), np.zeros(0, np.int64)
    with np.load(path) as data:
        return data["images"].astype(np.float32) / 255.0, data["labels"].astype(np.int64)
