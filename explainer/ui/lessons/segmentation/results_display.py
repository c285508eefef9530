"""The segmentation lesson's results on screen: the nine image panels, the metrics table and the note under it.

A mixin of :class:`~explainer.ui.lessons.segmentation.view.SegmentationLesson` (it uses the
page's ``views``, ``metrics`` and ``dominance``, its ``results_shown`` signal and its
``_request_stages``). The results are made in the lesson's worker by
:func:`~.compute.segment`; this module only draws them with the input they answer.
"""

from __future__ import annotations

import numpy as np

from ....core import grade_iou
from ....data.scenes import SCENE_SIDE
from ....models.fcn import VARIANTS
from ...widgets.swatches import colorize
from .colours import ERROR_PLACES, GRADE_COLORS, OVERLAP, PALETTE
from .compute import SceneInput

ERRORS_TITLE = "FCN-8s errors"
METRIC_ROWS = (["mean IoU", "pixel accuracy", "wrong pixels", " at boundaries", " wrong digit", " other",
                "IoU background"] + [f"IoU {d}" for d in range(10)] + ["absent"])
IOU_ROW = 6  # the row of "IoU background"; class c is on row IOU_ROW + c
ABSENT_ROW = len(METRIC_ROWS) - 1  # one line for the digits in neither the scene nor any prediction
#: What an image panel shows when there is nothing to show (no ground truth to compare with).
BLANK = np.full((SCENE_SIDE, SCENE_SIDE, 3), 60, np.uint8)
NUM_DIGITS = 10


class ResultsDisplay:
    """Draws a result of :func:`~.compute.segment` (:meth:`_show_results`) or, before the networks, the input."""

    def _set_panel(self, key: str, rgb: np.ndarray, title: str | None = None) -> None:
        view = self.views[key]
        # Straight to the item: every panel is 96×96 (its range was set once) and uint8 colours skip a float copy.
        view.image.setImage(rgb, autoLevels=False, levels=(0, 255))
        if title is not None and view.title.text != title:  # re-laying out the HTML label costs more than the image
            view.set_title(title)

    def _show_inputs(self, scene: SceneInput) -> None:
        self.views["image"].set_image(scene.image, levels=(0, 1))
        if scene.truth is None:
            self._set_panel("truth", BLANK, "ground truth: none for a loaded picture")
            self._set_panel("errors", BLANK, "errors: no truth")
        else:
            self._set_panel("truth", colorize(scene.truth, PALETTE), "ground truth")

    def _show_results(self, results: dict, scene: SceneInput) -> None:
        """Draw ``results`` of :func:`~.compute.segment` beside the input ``scene`` they answer."""
        self._show_inputs(scene)
        if "errors_map" in results:
            self._set_panel("errors", colorize(results["errors_map"], ERROR_PLACES), ERRORS_TITLE)
        for col, variant in enumerate(VARIANTS):
            entry = results["variants"][variant]
            self._set_panel(f"{variant}/pred", colorize(entry["pred"], PALETTE))
            if scene.truth is None:
                self._set_panel(f"{variant}/overlap", BLANK)
                self.metrics.set_cell(0, col, "no ground truth")
                for row in range(1, len(METRIC_ROWS)):
                    self.metrics.set_cell(row, col, "—")
                continue
            self._set_panel(f"{variant}/overlap", colorize(entry["overlap"], OVERLAP))
            grade = grade_iou(entry["miou"])
            self.metrics.set_cell(0, col, f"{entry['miou']:.3f} {grade}", GRADE_COLORS[grade], bold=True)
            errors = entry["errors"]
            values = [f"{entry['pixel_accuracy']:.2%}", f"{errors['wrong']:,}", f"{errors['boundary']:,}",
                      f"{errors['wrong digit']:,}", f"{errors['other']:,}"]
            for row, text in enumerate(values, start=1):
                self.metrics.set_cell(row, col, text)
            for c, iou in enumerate(entry["iou"]):
                if np.isnan(iou):
                    self.metrics.set_cell(IOU_ROW + c, col, "absent", "#999999")
                else:
                    g = grade_iou(iou)
                    self.metrics.set_cell(IOU_ROW + c, col, f"{iou:.3f} {g}", GRADE_COLORS[g])
        self._fold_absent(results, scene)
        if scene.truth is not None:
            share, fake = results["background_share"], results["all_background_miou"]
            self.dominance.setText(
                f"<b>Why pixel accuracy flatters:</b> {share:.1%} of this scene is background, so a network "
                f"that answers “background” everywhere scores {share:.1%} pixel accuracy, yet its mean IoU is "
                f"{fake:.3f} ({grade_iou(fake)}). IoU scores each class on its own pixels only.")
        else:
            self.dominance.setText("A loaded picture has no ground truth, so there is nothing to score: "
                                   "draw with class colours or use a random scene to see the metrics.")
        self.results, self.shown = results, scene
        self._request_stages()
        self.results_shown.emit()

    def _fold_absent(self, results: dict, scene: SceneInput) -> None:
        """Hide the IoU rows of digits in neither the scene nor any prediction; one line names them."""
        if scene.truth is None:
            absent = list(range(NUM_DIGITS))  # nothing to score: no per-digit rows
        else:
            absent = [d for d in range(NUM_DIGITS)
                      if all(np.isnan(results["variants"][v]["iou"][d + 1]) for v in VARIANTS)]
        for d in range(NUM_DIGITS):
            self._show_row(IOU_ROW + 1 + d, d not in absent)
        if scene.truth is not None and absent:
            for col in range(len(VARIANTS)):  # one cell spans the row; the others, under it, say the same
                self.metrics.set_cell(ABSENT_ROW, col,
                                      f"{', '.join(map(str, absent))}: not in the scene or a prediction", "#777777")
            self.metrics.item(ABSENT_ROW, 0).setToolTip("These digits are in neither the ground truth nor any "
                                                        "variant's prediction, so they have no IoU.")
        self._show_row(ABSENT_ROW, scene.truth is not None and bool(absent))

    def _show_row(self, row: int, shown: bool) -> None:
        if self.metrics.isRowHidden(row) == shown:  # only on a change: hiding a row re-lays out the table
            self.metrics.setRowHidden(row, not shown)
