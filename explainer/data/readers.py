"""Readers for the training data in ``../shared/data`` (never needed at run time)."""

from __future__ import annotations

import gzip
import os
import pathlib
import struct

import numpy as np

#: The ten CIFAR-10 classes, in label order.
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def shared_data_dir() -> pathlib.Path:
    """``$CONVLENS_DATA``, or the ``shared/data`` folder beside the repository."""
    env = os.environ.get("CONVLENS_DATA")
    if env:
        return pathlib.Path(env)
    return pathlib.Path(__file__).resolve().parents[3] / "shared" / "data"


def read_idx(path) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed), as MNIST is distributed.

    Returns
    -------
    ndarray
        uint8 with the shape stored in the header, e.g. (N, 28, 28) for images.
    """
    path = pathlib.Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path.name} is not an IDX file")
    dtype_code, ndim = data[2], data[3]
    if dtype_code != 0x08:
        raise ValueError(f"{path.name}: only unsigned-byte IDX files are supported (type 0x{dtype_code:02x})")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path.name} is truncated: header says {shape}, found {body.size} values")
    return body.reshape(shape)


def load_mnist(split: str = "train", root=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST images as float32 (N, 28, 28) in [0, 1] and labels int64 (N,).

    ``split`` is ``"train"`` (the 10,000 training digits we have) or
    ``"t10k"`` (the official test set: final evaluation only).
    """
    if split not in ("train", "t10k"):
        raise ValueError(f"split must be 'train' or 't10k', got {split!r}")
    root = pathlib.Path(root) if root else shared_data_dir() / "mnist"
    images = read_idx(root / f"{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = read_idx(root / f"{split}-labels-idx1-ubyte.gz").astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"MNIST {split}: {len(images)} images but {len(labels)} labels")
    return images, labels


def split_train_val(n: int, val_fraction: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fixed random split of ``range(n)`` into training and validation indices."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def load_cifar10(split: str = "train", root=None) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 from the tar of JPEGs: uint8 images (N, 32, 32, 3) and int64 labels (N,).

    ``split`` is ``"train"`` (50,000) or ``"test"`` (10,000: final evaluation only).
    Files are read in sorted order, so the result is the same on every machine.
    """
    import io as _io
    import tarfile

    from PIL import Image

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = pathlib.Path(root) if root else shared_data_dir() / "cifar10"
    images, labels = [], []
    with tarfile.open(root / f"{split}.tar") as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".jpg")),
                         key=lambda m: m.name)
        for member in members:
            label = CIFAR10_CLASSES.index(pathlib.PurePosixPath(member.name).parent.name)
            with Image.open(_io.BytesIO(tar.extractfile(member).read())) as img:
                images.append(np.asarray(img.convert("RGB"), dtype=np.uint8))
            labels.append(label)
    return np.stack(images), np.asarray(labels, dtype=np.int64)
