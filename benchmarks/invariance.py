"""Compute cost of the invariance lab (no Qt): a slider move, full sweeps, an occlusion map, an FGSM step.

Run: python benchmarks/invariance.py [--threads N]
Torch runs on one thread by default, as in the app (``use_interactive_threads``);
``--threads 2`` shows what a worker gets inside ``all_cores()``. Prints the median
and 95th percentile in milliseconds.
"""

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import torch  # noqa: E402
from _report import report  # noqa: E402

from explainer.core.transforms import TransformSettings  # noqa: E402
from explainer.models import load_model, stages  # noqa: E402
from explainer.models.invariance import (OCCLUSION_FILL, digit_input, fgsm, heldout_digits,  # noqa: E402
                                         occlusion_map, sweep, sweep_values)


def timed(call, runs: int) -> list[float]:
    call()  # warm up (first-call allocations, oneDNN kernel choice)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--sweeps", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    images, labels = heldout_digits()
    models = {"mnist": load_model("mnist"), "mnist_nopool": load_model("mnist_nopool")}
    settings = TransformSettings(shift_x=2.5, rotation=-15, scale=1.1, thickness=1, noise=0.1, contrast=1.2,
                                 occlusion=(4, 4, 6))

    for name, model in models.items():
        for recipe in (True, False):
            def move(model=model, recipe=recipe):
                _, x = digit_input(images[0], settings, recipe)
                stages(model, torch.from_numpy(x)[None, None])

            report(f"slider move, {name}, recipe {'on' if recipe else 'off'}: transform + forward with every "
                   f"layer's activations", timed(move, args.runs))

    values = sweep_values("shift_x")
    for name, model in models.items():
        for recipe in (True, False):
            def full_sweep(model=model, recipe=recipe):
                points = list(sweep(model, images, labels, "shift_x", values, recipe=recipe))
                assert len(points) == 17

            report(f"17-point shift-x sweep over {len(images)} digits, {name}, recipe {'on' if recipe else 'off'}",
                   timed(full_sweep, args.sweeps))

    x, label = images[0][None], int(labels[0])
    for name, model in models.items():
        report(f"occlusion map (patch 6, stride 2: 144 positions), {name}",
               timed(lambda model=model: list(occlusion_map(model, x, label, 6, 2, OCCLUSION_FILL["digit"])),
                     max(3, args.runs // 5)))
        report(f"FGSM step, {name}", timed(lambda model=model: fgsm(model, x, label, 0.1), args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
