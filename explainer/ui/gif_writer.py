"""Animated GIFs for slides, without Qt: the export settings, their bounds, and the file writer.

A lesson's animation is made of frames (``(H, W, 3)`` uint8 pictures of the
lesson at each step). :func:`to_palette` turns each one into a 256-colour
image as soon as it is made (a third of the memory, and quick); :func:`write_gif`
writes them all, to a temporary file beside the target that is renamed over
it at the end, so a cancelled or failed export leaves no file behind (and an
older file of the same name unchanged).

GIF stores a frame's duration in hundredths of a second, so the frame rate is
rounded to that (:func:`frame_duration_ms`). Pillow merges a frame that is
identical to the one before into it (their durations add up): the animation
plays the same, with fewer frames in the file.
"""

from __future__ import annotations

import os
import pathlib
import uuid
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

#: Frames per second a teacher may choose, and the width of a frame in pixels (the height keeps the view's shape).
FPS_RANGE = (1, 30)
WIDTH_RANGE = (120, 1920)
HEIGHT_RANGE = (60, 1920)
#: Most frames in one file.
MAX_FRAMES = 1000
#: Most pixels all frames may hold together (one byte each once reduced to 256 colours): about 300 MB.
MAX_TOTAL_PIXELS = 300_000_000


class ExportCancelled(Exception):
    """The export was cancelled; nothing was written."""


@dataclass(frozen=True)
class GifSettings:
    """What the export dialog asks.

    Attributes
    ----------
    fps : int
        Frames per second, in :data:`FPS_RANGE`.
    width : int
        Width of every frame in pixels, in :data:`WIDTH_RANGE`; the height follows the view's proportions.
    first, last : int
        The frames to export, 1-based and inclusive (e.g. cells 5 to 12 of the kernel's path).
    """

    fps: int = 4
    width: int = 800
    first: int = 1
    last: int = 1


def frame_duration_ms(fps: int) -> int:
    """How long each frame is shown, in ms, rounded to the hundredths of a second a GIF stores.

    >>> frame_duration_ms(4), frame_duration_ms(30)
    (250, 30)
    """
    return 10 * max(1, round(100 / fps))


def frame_height(width: int, view_width: int, view_height: int) -> int:
    """The height of a frame ``width`` pixels wide that keeps a ``view_width`` × ``view_height`` view's shape."""
    if view_width < 1 or view_height < 1:
        raise ValueError(f"the view to record has no size ({view_width}×{view_height} pixels); show it first")
    return max(1, round(width * view_height / view_width))


def check_settings(settings: GifSettings, frame_count: int, view_size: tuple[int, int],
                   unit: str = "frame") -> tuple[int, int]:
    """Refuse settings out of bounds with a sentence naming what to change; return the frame size (w, h).

    Parameters
    ----------
    settings : GifSettings
    frame_count : int
        How many frames the animation has (frames are numbered 1 .. frame_count).
    view_size : (int, int)
        Width and height of the view recorded, in pixels.
    unit : str
        What a frame is ("cell", "word"), for the messages about the range.

    Raises
    ------
    ValueError
        E.g. "the frame rate must be between 1 and 30 frames per second, got 0".
    """
    if frame_count < 1:
        raise ValueError("there are no frames to export")
    low, high = FPS_RANGE
    if not isinstance(settings.fps, (int, np.integer)) or not low <= settings.fps <= high:
        raise ValueError(f"the frame rate must be between {low} and {high} frames per second, got {settings.fps}")
    low, high = WIDTH_RANGE
    if not isinstance(settings.width, (int, np.integer)) or not low <= settings.width <= high:
        raise ValueError(f"the width must be between {low} and {high} pixels, got {settings.width}")
    if not 1 <= settings.first <= frame_count:
        raise ValueError(f"the first {unit} must be between 1 and {frame_count}, got {settings.first}")
    if not settings.first <= settings.last <= frame_count:
        raise ValueError(f"the last {unit} must be between the first ({settings.first}) and {frame_count}, "
                         f"got {settings.last}")
    frames = settings.last - settings.first + 1
    if frames > MAX_FRAMES:
        raise ValueError(f"{frames:,} frames is more than the {MAX_FRAMES:,} a file may hold: "
                         "choose a shorter range of frames")
    height = frame_height(settings.width, *view_size)
    low, high = HEIGHT_RANGE
    if not low <= height <= high:
        raise ValueError(f"a width of {settings.width} pixels makes frames {height} pixels high; frames must be "
                         f"{low} to {high} pixels high: choose another width")
    if frames * settings.width * height > MAX_TOTAL_PIXELS:
        raise ValueError(f"{frames:,} frames of {settings.width}×{height} pixels are too large to hold "
                         f"({frames * settings.width * height / 1e6:,.0f} million pixels; at most "
                         f"{MAX_TOTAL_PIXELS / 1e6:,.0f} million): choose fewer frames or a smaller width")
    return settings.width, height


def to_palette(rgb: np.ndarray):
    """A frame ``(H, W, 3)`` uint8 as a 256-colour Pillow image (fast octree: a few ms for 800×500).

    Screenshots of the lessons have few colours, so this keeps them exact but for
    anti-aliased edges.
    """
    from PIL import Image

    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"a frame must be an (H, W, 3) uint8 array, got shape {rgb.shape} and dtype {rgb.dtype}")
    return Image.fromarray(rgb, "RGB").quantize(256, method=Image.Quantize.FASTOCTREE)


def write_gif(path, frames: Iterable, duration_ms: int, cancelled: Callable[[], bool] | None = None,
              progress: Callable[[int], None] | None = None) -> pathlib.Path:
    """Write ``frames`` to ``path`` as a looping animated GIF, all or nothing.

    Parameters
    ----------
    path : str or Path
    frames : iterable of Pillow images or (H, W, 3) uint8 arrays, all the same size
    duration_ms : int
        How long each frame is shown (see :func:`frame_duration_ms`).
    cancelled : callable, optional
        Asked before each frame; when it returns True the export stops with :class:`ExportCancelled`.
    progress : callable, optional
        Called with the number of frames taken so far.

    Returns
    -------
    Path
        ``path``, now holding the whole animation.

    Raises
    ------
    ExportCancelled
        Nothing is written, and a file already at ``path`` is unchanged.
    ValueError
        No frames, or frames of different sizes (nothing is written).
    OSError
        The folder is missing or not writable (nothing is written).
    """
    from PIL import Image

    path = pathlib.Path(path)
    images = []
    for number, frame in enumerate(frames, start=1):
        if cancelled is not None and cancelled():
            raise ExportCancelled("the export was cancelled")
        image = frame if isinstance(frame, Image.Image) else to_palette(frame)
        if images and image.size != images[0].size:
            raise ValueError(f"frame {number} is {image.size[0]}×{image.size[1]} pixels, the first is "
                             f"{images[0].size[0]}×{images[0].size[1]}: every frame must have the same size")
        images.append(image)
        if progress is not None:
            progress(number)
    if not images:
        raise ValueError("there are no frames to write")
    if cancelled is not None and cancelled():
        raise ExportCancelled("the export was cancelled")
    # A new file beside the target (same disk, so the rename is one step; opened like any new file, so it
    # gets the user's usual permissions).
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        with open(temporary, "xb") as file:
            images[0].save(file, format="GIF", save_all=True, append_images=images[1:], duration=int(duration_ms),
                           loop=0)
            file.flush()
            os.fsync(file.fileno())
        if cancelled is not None and cancelled():
            raise ExportCancelled("the export was cancelled")
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise
    return path
