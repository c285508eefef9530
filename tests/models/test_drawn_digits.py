"""The bundled digit CNN reads digits drawn with the mouse on the pad in many styles (issue 20's drawn set)."""

import collections

import numpy as np
import pytest

from explainer.models import load_model, read_digit
from explainer.ui.widgets.drawing_pad import DrawingPad
from tests.drawn_digits import FORMS, draw, drawn_set, place, variants


@pytest.fixture(scope="module")
def readings(qapp):
    pad = DrawingPad()
    pad.resize(280, 280)
    pad.show()
    qapp.processEvents()
    model = load_model("mnist")
    out = []
    for item in drawn_set():
        image = draw(pad, item)
        out.append((item, image, read_digit(model, image).prediction))
    pad.close()
    return out


def test_the_set_covers_every_form_in_many_placements(readings):
    assert len(readings) >= 300
    forms = collections.Counter((item.digit, item.form) for item, _, _ in readings)
    assert set(forms) == {(d, f) for d, fs in FORMS.items() for f in fs} and len(set(forms.values())) == 1
    styles = {part for item, _, _ in readings for part in item.variant.style.split(", ")}
    assert {"small", "large", "off-centre", "leaning left", "leaning right", "thin pen", "bold pen", "narrow",
            "wide"} <= styles
    for item, image, _ in readings:
        ink = image > 0.5
        assert ink.sum() > 150, item  # the strokes landed on the pad
        rows, cols = np.nonzero(ink)
        height = (rows.max() - rows.min()) / image.shape[0]
        assert 0.25 < height < 0.95, (item, height)  # as tall as the placement asked, within the pad


def test_placements_follow_the_variant():
    stroke = [[(0.5, 0.0), (0.5, 1.0)]]  # a stroke from the top of the unit box to its bottom
    checked = 0
    for variant in variants(400):
        if variant.slant != 0:
            continue
        (x0, y0), (x1, y1) = (lambda s: (s[0], s[-1]))(place(stroke, variant, 280)[0])
        tolerance = 0.06 * variant.height * 280  # the hand's wobble moves the ends a little
        assert y1 - y0 == pytest.approx(variant.height * 280, abs=tolerance)
        assert (x0 + x1) / 2 == pytest.approx(variant.centre[0] * 280, abs=tolerance)
        checked += 1
    assert checked >= 20


def test_drawn_digits_are_read_right(readings):
    right = [prediction == item.digit for item, _, prediction in readings]
    misses = collections.Counter(f"{item.digit} {item.form}→{p}" for item, _, p in readings if p != item.digit)
    print(f"drawn digits: {sum(right)} of {len(right)} read right ({np.mean(right):.1%}); misses: {dict(misses)}")
    assert np.mean(right) >= 0.98
    for digit in FORMS:  # no digit is left behind
        assert np.mean([p == d for item, _, p in readings if (d := item.digit) == digit]) >= 0.85
