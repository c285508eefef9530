"""A user's ResNet-18-sized model: from opening the file to every layer of one image shown.

Run: python benchmarks/external_model.py [RUNS]

Builds a ResNet-18 (11.7 M parameters, 224×224 RGB, 1,000 classes; written
here with torch.nn, random weights, nothing downloaded), writes it as ONNX
(ConvLens' own export, batch norm kept: 69 layers) and as a torch.export
``.pt2``, then times for each file, over RUNS runs (default 5):

* ``open_model`` (checks, loading, onnxruntime session or program);
* ``layers()``;
* ``activations()`` of one preprocessed photo;
* 8-bit thumbnails (at most 48 pixels a side) of every channel of every layer, with numpy;
* the total, open → every layer shown as thumbnails;
* where the app's photo lesson is installed, its own worker function
  (``read_image`` with every channel: preprocessing, activations, every
  channel's picture, probabilities).

torch and onnxruntime run on one thread each, as in the app.
"""

import os
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from _report import report  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from explainer.models.export import export_onnx  # noqa: E402
from explainer.models.external import open_model  # noqa: E402

THUMBNAIL_SIDE = 48


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()
        self.down = None
        if stride != 1 or c_in != c_out:
            self.down = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.down is None else self.down(x)))


class ResNet18(nn.Module):
    """He et al. (2016), 18 layers: 7×7 stem, four stages of two basic blocks (64–512 channels)."""

    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, c_in = [], 64
        for c_out, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [BasicBlock(c_in, c_out, stride), BasicBlock(c_out, c_out, 1)]
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def thumbnails(activations: dict) -> list[np.ndarray]:
    """Every channel of every layer as an 8-bit picture (strided down to THUMBNAIL_SIDE), per-channel levels."""
    pictures = []
    for value in activations.values():
        maps = value[0]
        if maps.ndim == 3:
            step = max(1, -(-max(maps.shape[1:]) // THUMBNAIL_SIDE))
            maps = maps[:, ::step, ::step]
            low = maps.min(axis=(1, 2), keepdims=True)
            span = np.maximum(maps.max(axis=(1, 2), keepdims=True) - low, 1e-12)
        else:
            maps = maps.reshape(1, 1, -1)
            low, span = maps.min(), max(float(maps.max() - maps.min()), 1e-12)
        pictures.append(((maps - low) / span * 255).astype(np.uint8))
    return pictures


def ui_reader():
    """The photo lesson's worker function for users' models, if this checkout has it."""
    try:
        from explainer.ui.lessons.photo.external_work import read_image
    except ImportError:
        return None
    return read_image


def measure(path: pathlib.Path, runs: int, photo: np.ndarray) -> None:
    print(f"\n{path.suffix} file, {path.stat().st_size / 1e6:.1f} MB")
    opened, listed, ran, pictured, total = [], [], [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        model = open_model(path)
        t_open = time.perf_counter()
        layers = model.layers()
        t_layers = time.perf_counter()
        activations = model.activations(model.preprocessing.apply(photo))
        t_run = time.perf_counter()
        pictures = thumbnails(activations)
        end = time.perf_counter()
        opened.append((t_open - start) * 1000)
        listed.append((t_layers - t_open) * 1000)
        ran.append((t_run - t_layers) * 1000)
        pictured.append((end - t_run) * 1000)
        total.append((end - start) * 1000)
    channels = sum(p.shape[0] for p in pictures)
    print(f"{len(layers)} layers, {len(model.conv_layers())} convolutions, {channels:,} channel thumbnails, "
          f"{sum(a.nbytes for a in activations.values()) / 1e6:.1f} MB of activations")
    for name, values in (("open_model", opened), ("layers()", listed), ("activations() of one image", ran),
                         ("8-bit thumbnails of every channel", pictured),
                         ("total: open -> every layer shown", total)):
        report(name, values)
    read_image = ui_reader()
    if read_image is not None:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            read_image(model, model.preprocessing, photo, limit=None)
            times.append((time.perf_counter() - start) * 1000)
        report("photo lesson worker, every channel (read_image, limit=None)", times)
        report("total: open -> photo lesson worker done", [o + t for o, t in zip(opened, times)])


def main(runs: int = 5) -> int:
    torch.set_num_threads(1)  # as the app runs torch (explainer.models.runtime)
    torch.manual_seed(0)
    model = ResNet18().eval()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_var.uniform_(0.5, 2.0)
    print(f"ResNet-18: {sum(p.numel() for p in model.parameters()):,} parameters, input 1×3×224×224; "
          f"{os.cpu_count()} CPU cores")
    photo = np.random.default_rng(0).random((480, 640, 3)).astype(np.float32)
    with tempfile.TemporaryDirectory() as folder:
        example = torch.rand(1, 3, 224, 224)
        start = time.perf_counter()
        onnx_path = export_onnx(model, example, pathlib.Path(folder) / "resnet18.onnx",
                                labels=[f"class {i}" for i in range(1000)])
        print(f"export_onnx: {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        pt2_path = pathlib.Path(folder) / "resnet18.pt2"
        torch.export.save(torch.export.export(model, (example,)), str(pt2_path))
        print(f"torch.export + save: {time.perf_counter() - start:.1f} s")
        for path in (onnx_path, pt2_path):
            measure(path, runs, photo)
        for path in (onnx_path, pt2_path):
            in_the_app(path)
    return 0


def in_the_app(path: pathlib.Path) -> None:
    """The whole way in the app (offscreen, 1400×900): File ▸ Open model until the photo lesson has drawn every
    layer of the sample cat, and the longest the event loop went without running (a 5 ms timer's longest gap)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from explainer import io
    from explainer.ui.app import MainWindow, configure_runtime

    configure_runtime()
    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    window.app_state.set_image(io.load_image(io.sample_images()["chelsea"]), "chelsea.jpg")
    photo = window.show_lesson("photo")
    settle = time.perf_counter()
    while time.perf_counter() - settle < 2 or photo.is_busy():
        app.processEvents()
    gaps, last = [], [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    start = time.perf_counter()
    window.user_model.open_path(path, show_dialogs=False)
    while photo.user_model.shown is None or photo.is_busy() or window.user_model.is_busy():
        QCoreApplication.processEvents()
        time.sleep(0.001)
    QCoreApplication.processEvents()
    total = (time.perf_counter() - start) * 1000
    timer.stop()
    print(f"in the app, {path.suffix} file: Open model -> the photo lesson shows every layer in {total:.0f} ms; "
          f"longest event-loop stall meanwhile {max(gaps) * 1000:.0f} ms")
    window.close()


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
