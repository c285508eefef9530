"""PyTorch pickle files (``.pt``, ``.pth``…): refused, except a weights file of a ConvLens image network.

A file saved with ``torch.save(model)`` is a pickle: opening it with plain
``torch.load`` (or ``pickle``) runs whatever code it names. Such files are
only ever read with ``torch.load(..., weights_only=True)``, which refuses
code and can only fail. What it reads is then either

* a ConvLens weights file (``Save…`` in the network lesson, or
  ``python -m explainer.train``) for one of the image networks: it is loaded
  with :func:`explainer.models.load_model_file` (everything checked) and
  exported in memory with ``torch.export``, so it opens like a ``.pt2``
  (format ``"convlens"``);
* anything else (a full model, a bare state dict without the network's
  structure, a TorchScript file): refused with a sentence saying how to
  export the model to ONNX or ``.pt2``.
"""

from __future__ import annotations

import pathlib
import re
import warnings
import zipfile

from ..weights import FORMAT, MAX_FILE_BYTES, ModelLoadError

# torch's safe loader names the first Python object it refused to create.
_GLOBAL = re.compile(r"(?:Unsupported global: GLOBAL|unsupported GLOBAL) ([\w.]+)")

HOW_TO_EXPORT = ("Export it from Python instead: torch.onnx.export(model, example, \"model.onnx\"), or "
                 "torch.export.save(torch.export.export(model, (example,)), \"model.pt2\"), where example is "
                 "an input tensor such as torch.rand(1, 3, 224, 224); then open that file.")
#: ConvLens' image networks: input shape, and where their class names come from.
IMAGE_ARCHITECTURES = {"mnist": (1, 28), "mnist_nopool": (1, 28), "cifar10": (3, 32), "fcn32s": (1, 96),
                       "fcn16s": (1, 96), "fcn8s": (1, 96)}


def _labels(arch: str) -> list[str]:
    if arch == "cifar10":
        from ..photo import CIFAR10_CLASSES

        return list(CIFAR10_CLASSES)
    if arch.startswith("fcn"):
        from ...data.scenes import CLASS_NAMES

        return list(CLASS_NAMES)
    return [str(d) for d in range(10)]


def open_torch_file(path: pathlib.Path):
    """Open a ConvLens image-network weights file as an external model, or refuse the file with a sentence."""
    import torch

    name = path.name
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{name} is a PyTorch file too large to inspect ({path.stat().st_size / 1e6:,.0f} MB). "
                         f"{HOW_TO_EXPORT}")
    with open(path, "rb") as handle:
        pickled = handle.read(1) == b"\x80" or zipfile.is_zipfile(handle)  # a pickle, or torch.save's zip of one
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on pickle protocols mean nothing to a person
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch's safe loader raises many kinds; none of them ran anything
        found = _GLOBAL.search(str(exc))
        if found or (pickled and not isinstance(exc, EOFError)):
            names = f" (it names {found.group(1)})" if found else ""
            raise ValueError(f"{name} was not opened: it is a pickled Python object{names}, such as a whole PyTorch "
                             f"model, and opening one runs any code it holds, so ConvLens does not. "
                             f"{HOW_TO_EXPORT}") from None
        if isinstance(exc, EOFError):
            raise ValueError(f"{name} is cut short: it ends before its contents do (an interrupted copy or "
                             f"download?).") from None
        raise ValueError(f"{name} is not a model file ConvLens can open (not ONNX, not a torch.export .pt2, not a "
                         f"readable PyTorch file). {HOW_TO_EXPORT}") from None
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT):
        raise ValueError(f"{name} holds only weights, without the network that uses them, so there is nothing to "
                         f"run. {HOW_TO_EXPORT}")
    arch = payload.get("arch")
    if arch not in IMAGE_ARCHITECTURES:
        raise ValueError(f"{name} holds weights for ConvLens' {arch!r} network, which does not take images: "
                         f"open it in its own lesson (Network ▸ Load weights…).")
    from .. import load_model_file
    from .pt2_file import program_model

    try:
        model = load_model_file(path, arch)
    except ModelLoadError as exc:
        raise ValueError(str(exc)) from None
    channels, side = IMAGE_ARCHITECTURES[arch]
    with torch.no_grad():
        program = torch.export.export(model.eval(), (torch.zeros(1, channels, side, side),))
    metadata = {"labels": "\n".join(_labels(arch)),
                "convlens.preprocessing": '{"scale": 1, "mean": [0, 0, 0], "std": [1, 1, 1]}'}
    return program_model(program, path, "convlens", metadata)
