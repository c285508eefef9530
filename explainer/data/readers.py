"""Readers for the training data in ``../shared/data`` (never needed at run time)."""

from __future__ import annotations

import gzip
import math
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


#: Most values an IDX file may hold (MNIST's 60,000 training digits are 47 million; a header asking
#: for more is refused before anything is read).
MAX_IDX_VALUES = 200_000_000


def read_idx(path) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed), as MNIST is distributed.

    Only the bytes the header announces are read (at most :data:`MAX_IDX_VALUES`),
    so a damaged header or a compressed bomb cannot fill the memory.

    Returns
    -------
    ndarray
        uint8 with the shape stored in the header, e.g. (N, 28, 28) for images.

    Raises
    ------
    ValueError
        If the file is not an unsigned-byte IDX file, its header is cut short or
        asks for too much, or its data is shorter or longer than the header says.
    OSError, EOFError, zlib.error
        If the file (or its gzip stream) cannot be read.
    """
    path = pathlib.Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        magic = fh.read(4)
        if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
            raise ValueError(f"{path.name} is not an IDX file")
        dtype_code, ndim = magic[2], magic[3]
        if dtype_code != 0x08:
            raise ValueError(f"{path.name}: only unsigned-byte IDX files are supported (type 0x{dtype_code:02x})")
        if not 1 <= ndim <= 4:
            raise ValueError(f"{path.name}: an IDX file of MNIST holds 1 to 4 sizes in its header, this one says {ndim}")
        sizes = fh.read(4 * ndim)
        if len(sizes) < 4 * ndim:
            raise ValueError(f"{path.name}: the header is cut short ({ndim} sizes announced, {len(sizes)} bytes "
                             f"of the {4 * ndim} they need)")
        shape = struct.unpack(f">{ndim}I", sizes)
        count = math.prod(shape)
        if count > MAX_IDX_VALUES:
            raise ValueError(f"{path.name}: the header asks for {count:,} values ({' × '.join(map(str, shape))}), "
                             f"too large for an MNIST file (at most {MAX_IDX_VALUES:,})")
        data = fh.read(count + 1)
    if len(data) != count:
        found = "more than" if len(data) > count else f"{len(data):,} values, not"
        raise ValueError(f"{path.name} is truncated or damaged: header says {shape}, found {found} {count:,} values")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def load_mnist(split: str = "train", root=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST images as float32 (N, 28, 28) in [0, 1] and labels int64 (N,).

    ``split`` is ``"train"`` (the 10,000 training digits we have) or
    ``"t10k"`` (the official test set: final evaluation only).

    Raises
    ------
    ValueError
        If the files are not 28×28 images with one label from 0 to 9 each.
    """
    if split not in ("train", "t10k"):
        raise ValueError(f"split must be 'train' or 't10k', got {split!r}")
    root = pathlib.Path(root) if root else shared_data_dir() / "mnist"
    image_file, label_file = f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz"
    images = read_idx(root / image_file)
    labels = read_idx(root / label_file)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        size = "×".join(map(str, images.shape[1:])) or "single values"
        raise ValueError(f"the images of {image_file} must be 28×28 pixels, these are {size}")
    if labels.ndim != 1:
        raise ValueError(f"{label_file} must hold one label per image, its shape is {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"MNIST {split}: {len(images)} images but {len(labels)} labels")
    if labels.size and labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise ValueError(f"the labels of {label_file} must be digits 0 to 9, but label {bad:,} is {int(labels[bad])}")
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


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
