"""Final evaluation of bundled models on the official test splits.

``python -m explainer.train evaluate mnist`` prints the test-set accuracy
(``evaluate mnist_nopool`` that of the digit network without pooling).
Run it after training; never use its figure to choose anything.
"""

from __future__ import annotations

import argparse
import pathlib

import torch

from ..models import load_model, load_model_file
from ..data.readers import load_cifar10, load_mnist
from ..models.loop import evaluate


def mnist_test_accuracy(model=None, root=None) -> float:
    """Accuracy of a digit model (the bundled ``mnist`` by default) on the 10,000 official MNIST test digits."""
    model = model or load_model("mnist")
    images, labels = load_mnist("t10k", root)
    with torch.no_grad():
        _, acc = evaluate(model, torch.from_numpy(images)[:, None], torch.from_numpy(labels))
    return acc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.train evaluate")
    parser.add_argument("model", choices=["mnist", "mnist_nopool", "cifar10", "fcn", "imdb"])
    parser.add_argument("--seed", type=int, default=2026, help="fcn: seed of the test scenes (default 2026)")
    parser.add_argument("--scenes", type=int, default=500, help="fcn: how many test scenes (default 500)")
    parser.add_argument("--weights-dir", type=pathlib.Path, default=None,
                        help="fcn: read fcn32s.pt, fcn16s.pt and fcn8s.pt from this folder instead of the bundled ones")
    parser.add_argument("--weights", type=pathlib.Path, default=None,
                        help="mnist, mnist_nopool, cifar10: score this weights file (an experiment) instead of the "
                             "bundled one")
    args = parser.parse_args(argv)
    if args.weights is not None and args.model not in ("mnist", "mnist_nopool", "cifar10"):
        parser.error("--weights goes with mnist, mnist_nopool or cifar10 (fcn reads --weights-dir)")

    def chosen(name: str):
        if args.weights is None:
            return load_model(name)
        try:
            return load_model_file(args.weights, name)
        except ValueError as error:  # missing, damaged or another network: a sentence, not a traceback
            parser.error(str(error))

    if args.model in ("mnist", "mnist_nopool"):
        model = chosen(args.model)
        acc = mnist_test_accuracy(model)
        print(f"{args.model}: test accuracy {acc:.4f} on 10,000 official test digits "
              f"(validation {model.training_metrics.get('val_accuracy', float('nan')):.4f}, "
              f"{sum(p.numel() for p in model.parameters()):,} parameters)")
    elif args.model == "cifar10":
        model = chosen("cifar10")
        params = sum(p.numel() for p in model.parameters())
        acc = cifar10_test_accuracy(model)
        print(f"cifar10: test accuracy {acc:.4f} on 10,000 official test photos ({params:,} parameters)")
        flipped = cifar10_test_accuracy(model, flip=True)
        print(f"cifar10: with each photo's mirror image averaged in (test-time augmentation: what the photo "
              f"lesson shows with 'Also read its mirror image' on) {flipped:.4f}")
    elif args.model == "fcn":
        models = None
        if args.weights_dir is not None:
            from ..models.fcn import VARIANTS

            models = {v: load_model_file(args.weights_dir / f"{v}.pt", v) for v in VARIANTS}
        for variant, r in fcn_scores(args.scenes, args.seed, models=models).items():
            e = r["errors"]
            print(f"{variant}: mean IoU {r['miou']:.4f}, pixel accuracy {r['pixel_accuracy']:.4f} on {args.scenes} "
                  f"scenes of t10k digits (seed {args.seed}); wrong pixels {e['wrong']:,}: {e['boundary'] / max(e['wrong'], 1):.0%} at "
                  f"boundaries, {e['wrong digit'] / max(e['wrong'], 1):.0%} wrong digit, "
                  f"{e['other'] / max(e['wrong'], 1):.0%} other")
    elif args.model == "imdb":
        for name, acc in imdb_test_accuracies().items():
            metrics = load_model(name).training_metrics
            print(f"{name}: test accuracy {acc:.4f} on 25,000 IMDB test reviews "
                  f"(validation {metrics.get('val_accuracy', float('nan')):.4f}, "
                  f"{metrics.get('parameters', 0):,} parameters, trained in {metrics.get('train_seconds', 0) / 60:.1f} min)")
    return 0


def imdb_test_accuracies(path=None) -> dict[str, float]:
    """Accuracy of each text model on the 25,000 IMDB test reviews (final evaluation only)."""
    import numpy as np

    from ..data.text import load_imdb
    from ..models.sentiment import predict_sentiments

    texts, labels = load_imdb("test", path)
    return {name: float(np.mean((p > 0.5) == labels)) for name, p in predict_sentiments(texts).items()}


def cifar10_test_accuracy(model=None, root=None, flip: bool = False) -> float:
    """Accuracy of the photo model on the 10,000 official CIFAR-10 test photos.

    ``flip=True`` averages the class probabilities of each photo and its mirror image
    (test-time augmentation). The photo lesson shows one view, so the app's figure is without it.
    """
    model = model or load_model("cifar10")
    images, labels = load_cifar10("test", root)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(255.0)
    if not flip:
        with torch.no_grad():
            _, acc = evaluate(model, x, torch.from_numpy(labels), batch_size=500)
        return acc
    was_training = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), 500):
            batch = x[start : start + 500]
            p = torch.softmax(model(batch), 1) + torch.softmax(model(batch.flip(3)), 1)
            correct += int((p.argmax(1) == torch.from_numpy(labels[start : start + 500])).sum())
    model.train(was_training)
    return correct / len(x)


def fcn_scores(n_scenes: int = 500, seed: int = 2026, root=None, models: dict | None = None) -> dict:
    """mIoU, pixel accuracy and error split of the three FCNs on scenes of official MNIST test digits.

    The scenes come from ``t10k`` with a fixed seed, so every run scores the
    same scenes; nothing here ever feeds back into training. ``models`` (variant →
    network) replaces the bundled networks.
    """
    import numpy as np

    from ..core.metrics import confusion_matrix, error_split, scores_from_confusion
    from ..models.fcn import NUM_CLASSES, VARIANTS
    from ..data.scenes import make_scenes

    digits, labels = load_mnist("t10k", root)
    images, targets = make_scenes(digits, labels, n_scenes, seed=seed)
    results = {}
    for variant in VARIANTS:
        model = (models or {}).get(variant) or load_model(variant)
        model.eval()
        cm = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
        split = {"wrong": 0, "boundary": 0, "wrong digit": 0, "other": 0, "pixels": 0}
        with torch.no_grad():
            for start in range(0, n_scenes, 50):
                pred = model(torch.from_numpy(images[start : start + 50])[:, None]).argmax(1).numpy()
                cm += confusion_matrix(pred, targets[start : start + 50], NUM_CLASSES)
                for p, t in zip(pred, targets[start : start + 50]):
                    for key, value in error_split(p, t).items():
                        split[key] += value
        results[variant] = {**scores_from_confusion(cm), "errors": split}
    return results
