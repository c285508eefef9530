"""Running the bundled networks fast enough to follow the mouse.

Two measured facts about live inference on a small CPU (2 cores):

* The app calls torch from several threads (the GUI thread and its workers).
  With torch's OpenMP backend every calling thread gets its own team of
  helper threads, and once the teams outnumber the cores, OpenMP stops
  spinning and puts its helpers to sleep between operations. Each of the
  hundreds of small operations in a forward pass then waits for a wake-up:
  three FCNs took 26 ms with two threads against 16 ms with one.
  :func:`use_interactive_threads` sets one intra-op thread for the process.
* Batch norm in eval mode is a fixed affine map, so it can be folded into the
  convolution before it; channels-last tensors take oneDNN's faster kernels.
  :func:`inference_copy` makes such a copy (the same predictions to within
  float rounding, about 1e-5 on the logits) for the live path, while the
  original module stays what the lessons show and explain.
"""

from __future__ import annotations

import copy
import os
import threading
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from .. import INTERACTIVE_THREADS_ENV


def use_interactive_threads() -> None:
    """One intra-op thread per torch call, for the whole process (see the module notes)."""
    torch.set_num_threads(1)


if os.environ.get(INTERACTIVE_THREADS_ENV) == "1":  # the app asked for it before torch was loaded
    use_interactive_threads()

#: How many compiled kernels ("primitives") oneDNN keeps, one per operation and input shape. Its default,
#: 1024, lets memory grow with every new text length the text lesson reads (the recurrent networks' and
#: the 1-D convolution's kernels for one length take about 0.25 MB): reading texts of 1 to 200 words kept
#: 44 MB more, against 17 MB, about the most it can reach, with 64. A live view uses fewer at once (the
#: three FCNs: 28, with the layout conversions), so none recompiles between strokes. oneDNN reads the
#: setting when it first compiles a kernel, so setting it here, before any model runs, is in time.
ONEDNN_KERNELS_KEPT = 64
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(ONEDNN_KERNELS_KEPT))


_ALL_CORES_LOCK = threading.Lock()
_all_cores_users = 0
_threads_before = 1


@contextmanager
def all_cores():
    """Use every core for torch while the block runs (training, sweeps), then go back to the previous setting.

    Training a digit CNN in the app's worker thread is about 1.5× faster on two threads than on one
    (batch 128, 2 cores), a 17-point sweep of the network without pooling 1.9× (3.0 → 1.6 s); live
    inference elsewhere is briefly slower meanwhile. Blocks may overlap in several threads (a
    training run and a sweep): the setting goes back when the last one ends.
    """
    global _all_cores_users, _threads_before
    with _ALL_CORES_LOCK:
        if _all_cores_users == 0:
            _threads_before = torch.get_num_threads()
            torch.set_num_threads(max(1, os.cpu_count() or 1))
        _all_cores_users += 1
    try:
        yield
    finally:
        with _ALL_CORES_LOCK:
            _all_cores_users -= 1
            if _all_cores_users == 0:
                torch.set_num_threads(_threads_before)


def inference_copy(model: nn.Module) -> nn.Module:
    """An eval-mode copy of ``model`` with Conv2d → BatchNorm2d pairs fused and channels-last Conv2d weights.

    Only pairs that follow each other inside an ``nn.Sequential`` are fused;
    everything else is copied unchanged. Feed it channels-last input for the
    full benefit (``x.contiguous(memory_format=torch.channels_last)``).
    """
    fast = copy.deepcopy(model).eval()
    for module in fast.modules():
        if not isinstance(module, nn.Sequential):
            continue
        layers, fused = list(module), []
        i = 0
        while i < len(layers):
            here, after = layers[i], layers[i + 1] if i + 1 < len(layers) else None
            if isinstance(here, nn.Conv2d) and isinstance(after, nn.BatchNorm2d) and after.track_running_stats:
                fused.append(fuse_conv_bn_eval(here, after))
                i += 2
            else:
                fused.append(here)
                i += 1
        if len(fused) != len(layers):
            module._modules.clear()
            for index, layer in enumerate(fused):
                module.add_module(str(index), layer)
    for module in fast.modules():
        if isinstance(module, nn.Conv2d):
            module.to(memory_format=torch.channels_last)
    return fast
