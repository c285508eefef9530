"""How the bundled digit CNN reads digits drawn with the mouse in many styles (issue 20's drawn-digit set).

Run: QT_QPA_PLATFORM=offscreen python benchmarks/drawn_digits.py [--sheet PNG]

Draws every form of every digit (``tests/drawn_digits.py``: a 1 with a flag and a base, open and
closed 4s, a 7 with a crossbar, a 2 with a loop, a 9 with a straight tail…) in 16 placements each
(size, position, slant, pen width) with real mouse events on the draw lesson's pad, reads each
with the lesson's own MNIST recipe and network, and prints the accuracy overall, per form and per
kind of placement. ``--sheet`` writes a picture of every drawing with its reading. No network is
trained on these digits.
"""

import argparse
import collections
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explainer.models import load_model, read_digit  # noqa: E402
from explainer.ui.widgets.drawing_pad import DrawingPad  # noqa: E402
from tests.drawn_digits import draw, drawn_set  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheet", type=pathlib.Path, help="write every drawing with its reading to this PNG")
    parser.add_argument("--model", default="mnist", help="bundled model name (default: mnist)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(["drawn-digits"])
    pad = DrawingPad()
    pad.resize(280, 280)
    pad.show()
    app.processEvents()
    model = load_model(args.model)
    items = drawn_set()
    results, images = [], []
    for item in items:
        image = draw(pad, item)
        reading = read_digit(model, image)
        results.append((item, reading.prediction))
        images.append(reading.steps.digit if reading.steps is not None else np.zeros((28, 28)))
    right = [pred == item.digit for item, pred in results]
    print(f"{args.model}: {sum(right)} of {len(right)} drawn digits read right: {np.mean(right):.1%}")
    by_form, by_style = collections.defaultdict(list), collections.defaultdict(list)
    for (item, pred), ok in zip(results, right):
        by_form[f"{item.digit} {item.form}"].append(ok)
        for part in item.variant.style.split(", "):
            by_style[part].append(ok)
    print("per form: " + "; ".join(f"{k} {np.mean(v):.0%}" for k, v in by_form.items()))
    print("per placement: " + "; ".join(f"{k} {np.mean(v):.0%}" for k, v in sorted(by_style.items())))
    misses = collections.Counter(f"{item.digit}→{pred}" for (item, pred), ok in zip(results, right) if not ok)
    print("misses: " + (", ".join(f"{k} ×{v}" for k, v in misses.most_common()) or "none"))
    if args.sheet:
        from PIL import Image, ImageDraw

        cols = 32
        rows = (len(images) + cols - 1) // cols
        sheet = Image.new("RGB", (cols * 30, rows * 40), "white")
        pen = ImageDraw.Draw(sheet)
        for i, (img, (item, pred)) in enumerate(zip(images, results)):
            x, y = (i % cols) * 30, (i // cols) * 40
            sheet.paste(Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).convert("RGB"), (x + 1, y + 1))
            pen.text((x + 10, y + 28), str(pred), fill="black" if pred == item.digit else "red")
        sheet.save(args.sheet)
        print(f"sheet written to {args.sheet}")
    pad.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
