"""Export a lesson's animation to a GIF in a test and open it with Pillow (shared by the lesson tests)."""

from __future__ import annotations

from PIL import Image

from explainer.ui.animation import AnimationExport
from explainer.ui.gif_writer import GifSettings


def export_gif(qtbot, lesson, animation, path, fps=5, width=400, first=1, last=None, timeout=60000):
    """Record ``animation`` of ``lesson`` into ``path``; returns the :class:`ExportResult` and the open GIF."""
    last = animation.frame_count if last is None else last
    export = AnimationExport(lesson, animation, GifSettings(fps=fps, width=width, first=first, last=last), path)
    with qtbot.waitSignal(export.finished, timeout=timeout) as finished:
        export.start()
    result = finished.args[0]
    assert result.ok, result.message
    return result, Image.open(path)


def frame_pixels(gif, index):
    """Frame ``index`` of an open GIF as RGB bytes (to tell frames apart)."""
    gif.seek(index)
    return gif.convert("RGB").tobytes()
