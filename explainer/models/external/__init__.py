"""Models from other people's files: ONNX and torch.export programs, opened safely.

:func:`open_model` reads

* **ONNX** (``.onnx``), run with onnxruntime on the CPU; every intermediate
  tensor is returned, and shapes come from ONNX shape inference
  (:mod:`.onnx_file`: how external data is checked);
* **torch.export** programs (``.pt2``), checked against an allow-list before
  torch reads them and run node by node (:mod:`.pt2_file`: why
  ``torch.export.load`` alone is not safe);
* a **ConvLens weights file** of one of our image networks (``.pt``), which
  opens like a ``.pt2`` (:mod:`.torch_file`).

Everything else is refused with a ``ValueError`` whose message is a plain
sentence, and no code from the file ever runs: a pickled model (``.pt``,
``.pth``, ``.pkl``…) is never unpickled except by
``torch.load(weights_only=True)``. Files are limited to
:data:`MAX_MODEL_BYTES` (512 MiB, external data and unpacked archives
included). Class names and preprocessing are read as
:mod:`.preprocessing` describes.

Examples
--------
>>> import numpy as np
>>> from explainer.models.external import open_model     # doctest: +SKIP
>>> model = open_model("resnet.onnx")                      # doctest: +SKIP
>>> x = model.preprocessing.apply(np.random.rand(300, 400, 3))  # doctest: +SKIP
>>> outputs = model.activations(x)                         # doctest: +SKIP
"""

from __future__ import annotations

import os
import pathlib
import zipfile

from .base import ExternalLayer, ExternalModel
from .preprocessing import Preprocessing, default_preprocessing, parse_labels

#: Largest model opened: the file with its external data, or an archive's unpacked contents (512 MiB).
MAX_MODEL_BYTES = 512 * 1024 * 1024
#: File name endings of the formats :func:`open_model` opens, for file dialogs.
MODEL_SUFFIXES = (".onnx", ".pt2", ".pt", ".pth")
_PICKLE_SUFFIXES = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".tar", ".joblib"}
SUPPORTED = "an ONNX model (.onnx) or a torch.export program (.pt2)"


def _kind(path: pathlib.Path, head: bytes) -> str:
    """Which reader a file goes to, from its first bytes (then its entries or its name)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return "pt2"  # the archive reader says it is damaged
        if any(n.count("/") == 1 and n.endswith("/archive_format") for n in names):
            return "pt2"
        if any(n.endswith("/data.pkl") for n in names):
            return "torch"  # torch.save's zip: a pickle inside
        return "zip"
    if head[:1] == b"\x80" or path.suffix.lower() in _PICKLE_SUFFIXES:
        return "torch"
    return "onnx"


def open_model(path, *, max_bytes: int = MAX_MODEL_BYTES, size: tuple[int, int] | None = None) -> ExternalModel:
    """Open a model file (see the module notes for the formats and what is checked).

    Parameters
    ----------
    path : path-like
    max_bytes : int
        Largest model accepted, external data and unpacked archives included.
    size : (height, width) or None
        The input size to prepare a model for whose file leaves it open (else the metadata's, or
        224×224); ignored when the file fixes it (see :attr:`ExternalModel.size_fixed`).

    Returns
    -------
    ExternalModel

    Raises
    ------
    ValueError
        With a plain sentence for every file refused: missing, a folder, empty, too large, damaged or
        cut short, not a model, a pickle, unsafe external data or archive entries, or operations
        onnxruntime cannot run.
    """
    path = pathlib.Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise ValueError(f"{name} was not found.")
    if path.is_dir():
        raise ValueError(f"{name} is a folder, not a model file: choose {SUPPORTED}.")
    if not path.is_file():
        raise ValueError(f"{name} is not a regular file: choose {SUPPORTED}.")
    file_bytes = path.stat().st_size
    if file_bytes == 0:
        raise ValueError(f"{name} is empty (0 bytes): it holds no model.")
    if file_bytes > max_bytes:
        raise ValueError(f"{name} is too large ({file_bytes / 1e6:,.1f} MB): ConvLens opens models of at most "
                         f"{max_bytes / 1e6:,.1f} MB.")
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ValueError(f"{name} could not be read ({exc.strerror or exc}).") from None
    kind = _kind(path, head)
    if kind == "zip":
        raise ValueError(f"{name} is a zip archive that holds no model ConvLens can open: choose {SUPPORTED}.")
    if kind == "pt2":
        from .pt2_file import open_pt2

        return open_pt2(path, max_bytes, size)
    if kind == "torch":
        from .torch_file import open_torch_file

        return open_torch_file(path)
    from .onnx_file import open_onnx

    try:
        return open_onnx(path, max_bytes, size)
    except ValueError as exc:
        if path.suffix.lower() != ".onnx" and "not an ONNX model" in str(exc):
            raise ValueError(f"{name} is not a model file ConvLens can open: choose {SUPPORTED}.") from None
        raise


def supported(path) -> bool:
    """Whether ``path``'s name ends like a model file (for drag and drop; the contents decide when opened)."""
    return os.fspath(path).lower().endswith(MODEL_SUFFIXES)


__all__ = ["ExternalLayer", "ExternalModel", "MAX_MODEL_BYTES", "MODEL_SUFFIXES", "Preprocessing",
           "default_preprocessing", "open_model", "parse_labels", "supported"]
