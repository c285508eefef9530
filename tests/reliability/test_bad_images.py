"""Bad, odd and hostile image files: each one loads correctly or is refused with a sentence a person can act on.

The corpus is generated here. Each case is checked twice: through :func:`explainer.io.load_image`
(the exact pixels or the exact message) and through the window (the message reaches the status bar,
the previous image is kept, nothing reaches ``sys.excepthook`` or stderr).
"""

from __future__ import annotations

import io as _io
import os
import pathlib
import struct
import sys
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from explainer import io

from .support import excepthook_calls, no_worker_left  # noqa: F401 (fixture)

# ---------------------------------------------------------------- the corpus


def png_bytes(img: Image.Image, **kwargs) -> bytes:
    out = _io.BytesIO()
    img.save(out, format="PNG", **kwargs)
    return out.getvalue()


def jpeg_bytes(img: Image.Image, **kwargs) -> bytes:
    out = _io.BytesIO()
    img.save(out, format="JPEG", **kwargs)
    return out.getvalue()


def gradient(width=40, height=30) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.uint8)
    y = np.linspace(0, 255, height, dtype=np.uint8)
    rgb = np.stack(np.broadcast_arrays(x[None, :], y[:, None], np.full((height, width), 128, np.uint8)), axis=2)
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")


def tiff_bytes(pixels: np.ndarray, photometric: int, sample_format: int = 1) -> bytes:
    """A minimal uncompressed little-endian TIFF written from the specification (not by Pillow).

    ``photometric`` 8 is CIELab: L* scaled 0–255 for 0–100, a* and b* as signed bytes.
    """
    height, width = pixels.shape[:2]
    samples = 1 if pixels.ndim == 2 else pixels.shape[2]
    bits = pixels.dtype.itemsize * 8
    data = np.ascontiguousarray(pixels).tobytes()
    ifd_at = 8 + len(data)
    tags = 11
    extra_at = ifd_at + 2 + tags * 12 + 4
    extra = b""

    def shorts(values):
        nonlocal extra
        if len(values) <= 2:
            return struct.pack("<2H", *(list(values) + [0] * (2 - len(values))))
        offset = extra_at + len(extra)
        extra += struct.pack(f"<{len(values)}H", *values)
        return struct.pack("<I", offset)

    def short(value):
        return struct.pack("<2H", value, 0)

    def long(value):
        return struct.pack("<I", value)

    entries = [(256, 4, 1, long(width)), (257, 4, 1, long(height)), (258, 3, samples, shorts([bits] * samples)),
               (259, 3, 1, short(1)), (262, 3, 1, short(photometric)), (273, 4, 1, long(8)),
               (277, 3, 1, short(samples)), (278, 4, 1, long(height)), (279, 4, 1, long(len(data))),
               (284, 3, 1, short(1)), (339, 3, samples, shorts([sample_format] * samples))]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHI", *e[:3]) + e[3] for e in entries)
    return b"II*\0" + struct.pack("<I", ifd_at) + data + ifd + b"\0\0\0\0" + extra


#: sRGB colours and their CIE L*a*b* values (D50, as the ICC profile connection space uses).
LAB_COLOURS = {"red": ((1, 0, 0), (54.29, 80.81, 69.89)),
               "blue": ((0, 0, 1), (29.57, 68.30, -112.03)),
               "grey": ((0.5, 0.5, 0.5), (53.39, 0.0, 0.0))}


def lab_tiff() -> bytes:
    """Three 4×4 stripes: red, blue, grey, stored as CIELab."""
    pixels = np.zeros((12, 4, 3), np.uint8)
    for row, (_rgb, (lightness, a, b)) in enumerate(LAB_COLOURS.values()):
        pixels[4 * row : 4 * row + 4, :, 0] = round(lightness * 255 / 100)
        pixels[4 * row : 4 * row + 4, :, 1] = np.int8(round(a)).view(np.uint8)
        pixels[4 * row : 4 * row + 4, :, 2] = np.int8(round(b)).view(np.uint8)
    return tiff_bytes(pixels, photometric=8)


def float_tiff(values: np.ndarray) -> bytes:
    out = _io.BytesIO()
    Image.fromarray(values.astype(np.float32), "F").save(out, format="TIFF")
    return out.getvalue()


def png_with_huge_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "x" * (PngImagePlugin.MAX_TEXT_CHUNK + 10), zip=True)
    return png_bytes(Image.new("RGB", (8, 8), (10, 200, 10)), pnginfo=info)


def png_header(width: int, height: int, mode_bits=(8, 2)) -> bytes:
    """A PNG that declares ``width``×``height`` (colour type 2: RGB), with pixel data that cannot be decoded.

    Any attempt to decode it fails, so a refusal that names the size proves nothing was decoded first.
    """
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, mode_bits[0], mode_bits[1], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"not zlib data at all")
            + chunk(b"IEND", b""))


def exif_rotated(width=30, height=10) -> bytes:
    img = Image.new("RGB", (width, height), (255, 255, 255))
    img.paste((255, 0, 0), (0, 0, width // 6, height))  # a red band on the left edge as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90° clockwise: the band ends on top
    return jpeg_bytes(img, exif=exif, quality=95)


def animated_gif() -> bytes:
    out = _io.BytesIO()
    frames = [Image.new("L", (6, 6), 0), Image.new("L", (6, 6), 255)]
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def multipage_tiff() -> bytes:
    out = _io.BytesIO()
    pages = [Image.new("RGB", (6, 6), (0, 0, 255)), Image.new("RGB", (9, 9), (255, 0, 0))]
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def palette_with_transparency(width=4, height=4) -> bytes:
    img = Image.new("P", (width, height), 0)
    img.putpalette([0, 0, 255, 255, 0, 0] + [0] * 762)
    img.paste(1, (0, 0, width // 4, height // 4))
    return png_bytes(img, transparency=0)  # index 0 (blue) is transparent


def sixteen_bit() -> bytes:
    return png_bytes(Image.fromarray(np.full((5, 7), 16384, np.uint16)))


SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
       b'<rect width="20" height="20" fill="red"/></svg>\n')

# name -> (file name, bytes or None for "not a file", expected)
#   expected: ("loads", check(arr)) or ("refused", [key words the message must hold])
Check = tuple


def _shape(shape):
    return lambda arr: arr.shape == shape


CASES: dict[str, tuple[str, object, Check]] = {
    "0-byte": ("empty.png", b"", ("refused", ["empty", "0 bytes", "no picture"])),
    "truncated PNG": ("cut.png", png_bytes(gradient(200, 200))[:600], ("refused", ["truncated", "again"])),
    "truncated JPEG": ("cut.jpg", jpeg_bytes(gradient(200, 200))[:700], ("refused", ["truncated", "again"])),
    "text renamed .png": ("notes.png", b"shopping list: eggs, milk\n" * 20,
                          ("refused", ["not a readable image", "PNG", "JPEG"])),
    "decompression bomb": ("bomb.png", png_header(20000, 20000),
                           ("refused", ["400 million pixels", "too large", "up to 170 million", "shrink"])),
    "huge PNG": ("huge.png", png_header(13000, 13000),
                 ("refused", ["13000×13000", "MB", "JPEG", "shrink"])),
    "1x1": ("dot.png", png_bytes(Image.new("RGB", (1, 1), (255, 0, 0))),
            ("loads", lambda arr: arr.shape == (1, 1, 3) and np.allclose(arr[0, 0], [1, 0, 0]))),
    "1x10000": ("line.png", png_bytes(Image.new("L", (1, 10000), 51)),
                ("loads", lambda arr: arr.shape == (io.MAX_SIDE, 1, 3) and np.allclose(arr, 0.2, atol=1 / 255))),
    "16-bit": ("deep.png", sixteen_bit(), ("loads", lambda arr: np.allclose(arr, 16384 / 65535, atol=1e-4))),
    "palette with transparency": ("pal.png", palette_with_transparency(),
                                  ("loads", lambda arr: np.allclose(arr[0, 0], [1, 0, 0]) and np.allclose(arr[1, 1], 1))),
    "big palette with transparency": ("bigpal.png", palette_with_transparency(4800, 400), ("loads", lambda arr: (
        arr.shape == (171, io.MAX_SIDE, 3) and np.allclose(arr[:40, :500], [1, 0, 0], atol=0.01)
        and np.allclose(arr[80:, 600:], 1, atol=0.01)))),  # blue is transparent: white, never a blue fringe
    "CMYK": ("cmyk.jpg", jpeg_bytes(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), quality=95),
             ("loads", lambda arr: arr[4, 4, 0] > 0.8 and arr[4, 4, 1] < 0.2 and arr[4, 4, 2] < 0.2)),
    "EXIF-rotated": ("phone.jpg", exif_rotated(),
                     ("loads", lambda arr: arr.shape == (30, 10, 3) and arr[1, 5, 1] < 0.3 < arr[-2, 5, 1])),
    "big EXIF-rotated": ("bigphone.jpg", exif_rotated(3000, 1000), ("loads", lambda arr: (
        arr.shape == (io.MAX_SIDE, 683, 3) and arr[100, 300, 1] < 0.1 < 0.9 < arr[-100, 300, 1]))),
    "animated GIF": ("anim.gif", animated_gif(), ("loads", lambda arr: arr.shape == (6, 6, 3) and np.allclose(arr, 0))),
    "multi-page TIFF": ("pages.tif", multipage_tiff(),
                        ("loads", lambda arr: arr.shape == (6, 6, 3) and np.allclose(arr, [0, 0, 1]))),
    "float TIFF of 0.5": ("half.tif", float_tiff(np.full((6, 6), 0.5)), ("loads", lambda arr: np.allclose(arr, 0.5))),
    "float TIFF in 0-1": ("ramp.tif", float_tiff(np.linspace(0.1, 0.3, 36).reshape(6, 6)),
                          ("loads", lambda arr: np.allclose(arr[..., 0], np.linspace(0.1, 0.3, 36).reshape(6, 6)))),
    "float TIFF outside 0-1": ("depth.tif", float_tiff(np.linspace(-3, 870, 36).reshape(6, 6)),
                               ("refused", ["floating-point", "-3", "870", "between 0 and 1", "8- or 16-bit"])),
    "float TIFF with NaN": ("nan.tif", float_tiff(np.where(np.eye(6) > 0, np.nan, 0.5)),
                            ("refused", ["not numbers", "8- or 16-bit"])),
    "LAB": ("lab.tif", lab_tiff(), ("loads", lambda arr: all(
        np.allclose(arr[4 * row + 2, 2], rgb, atol=0.1) for row, (rgb, _) in enumerate(LAB_COLOURS.values())))),
    "SVG": ("drawing.svg", SVG, ("refused", ["SVG", "vector", "export", "PNG"])),
    "huge PNG text chunk": ("meta.png", png_with_huge_text(), ("refused", ["text", "metadata", "1 MB", "save"])),
    "directory": ("a folder", None, ("refused", ["folder", "not an image file"])),
    "missing path": ("gone.png", "missing", ("refused", ["does not exist", "moved"])),
    "unicode path": ("Ünïcødé 猫 ✓.png", png_bytes(Image.new("RGB", (5, 4), (0, 255, 0))),
                     ("loads", lambda arr: arr.shape == (4, 5, 3) and np.allclose(arr, [0, 1, 0]))),
}


def make(tmp_path: pathlib.Path, case: str) -> pathlib.Path:
    name, content, _ = CASES[case]
    path = tmp_path / name
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    return path


def check_message(message: str, words) -> None:
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} missing from: {message}"
    # Plain words only: no Pillow internals, no doubled full stops.
    for jargon in ("MAX_TEXT_CHUNK", "PngImagePlugin", "DOS attack", "..", "cannot identify", "Errno"):
        assert jargon not in message, f"{jargon!r} in: {message}"


# ---------------------------------------------------------------- the loader


@pytest.mark.parametrize("case", list(CASES))
def test_loader(tmp_path, case):
    path = make(tmp_path, case)
    outcome, expected = CASES[case][2]
    if outcome == "loads":
        arr = io.load_image(path)
        assert arr.dtype == np.float32 and arr.ndim == 3 and arr.shape[2] == 3
        assert 0.0 <= arr.min() and arr.max() <= 1.0
        assert expected(arr)
    else:
        with pytest.raises(ValueError) as caught:
            io.load_image(path)
        check_message(str(caught.value), expected)


def test_unreadable_file_is_not_called_damaged(tmp_path, monkeypatch):
    """Permission denied (faked: the tests may run as root, who may read anything)."""
    path = make(tmp_path, "1x1")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(io.Image, "open", refuse)
    with pytest.raises(ValueError) as caught:
        io.load_image(path)
    message = str(caught.value)
    check_message(message, ["not allowed to read", "permission", "copy"])
    assert "damaged" not in message


def test_float_image_in_range_is_not_stretched(tmp_path):
    values = np.full((4, 4), 0.25)
    values[0, 0] = 0.75
    arr = io.load_image(float_tiff(values))
    assert np.allclose(arr[..., 0], values)  # stretched, it would read 0 and 1


def test_huge_images_are_refused_before_decoding(tmp_path):
    """A 13000×13000 PNG is refused from its header: its pixel data cannot be decoded, so any attempt would show."""
    with pytest.raises(ValueError) as caught:
        io.load_image(png_header(13000, 13000))
    assert "damaged" not in str(caught.value) and "13000×13000" in str(caught.value)


def test_limits_are_consistent():
    # The largest picture of every kind that is not refused must fit the memory budget.
    assert io.MAX_DECODE_BYTES <= 300 * 2**20
    assert 60_000_000 <= io.MAX_DECODE_BYTES // 4  # a 60-million-pixel colour PNG still opens


def _peak_rss_growth_mb(load) -> float:
    """Peak resident memory (MB) used while ``load()`` runs, above what was resident before (Linux)."""
    def status(key):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(key)) / 1024
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak (VmHWM) to the current size
    load()
    return status("VmHWM") - before


needs_proc = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.access("/proc/self/clear_refs", os.W_OK),
                                reason="peak memory is read from /proc")


@needs_proc
def test_panorama_jpeg_is_decoded_reduced(tmp_path):
    """A 20000×4000 JPEG is decoded at 1/8 scale: its long side decides, not its short one."""
    path = tmp_path / "pano.jpg"
    small = Image.new("L", (200, 40), 0)
    small.paste(255, (100, 0, 200, 40))
    small.resize((20000, 4000), Image.Resampling.NEAREST).save(path, quality=70)
    result = {}
    growth = _peak_rss_growth_mb(lambda: result.setdefault("arr", io.load_image(path)))
    arr = result["arr"]
    assert arr.shape == (410, io.MAX_SIDE, 3)
    assert arr[:, :1000].max() < 0.05 and arr[:, 1050:].min() > 0.95
    assert growth < 60, f"decoding took {growth:.0f} MB"  # 80 MB at full size, before any copy


@needs_proc
def test_largest_colour_png_stays_within_the_memory_budget(tmp_path):
    """A 7000×7000 colour PNG (49 million pixels) opens and costs less than about 300 MB on the way."""
    path = tmp_path / "big.png"
    small = Image.new("RGB", (70, 70), (0, 0, 0))
    small.paste((255, 255, 255), (35, 0, 70, 70))
    small.resize((7000, 7000), Image.Resampling.NEAREST).save(path, compress_level=1)
    del small
    result = {}
    growth = _peak_rss_growth_mb(lambda: result.setdefault("arr", io.load_image(path)))
    arr = result["arr"]
    assert arr.shape == (io.MAX_SIDE, io.MAX_SIDE, 3)
    assert arr[:, :1000].max() < 0.05 and arr[:, 1050:].min() > 0.95
    assert growth < 300, f"decoding took {growth:.0f} MB"


# ---------------------------------------------------------------- through the window


@pytest.fixture
def window(qtbot, no_worker_left):  # noqa: F811 (the fixture imported above)
    from explainer.ui.app import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


@pytest.mark.parametrize("case", list(CASES))
def test_window(qtbot, tmp_path, capfd, window, case):
    before = np.full((6, 6, 3), 0.3, np.float32)
    window.app_state.set_image(before, "before.png", "")
    path = make(tmp_path, case)
    outcome, expected = CASES[case][2]
    messages = []
    window.image_load_failed.connect(messages.append)
    capfd.readouterr()
    with excepthook_calls() as calls:
        window.open_image(path, show_dialog=False)
        qtbot.waitUntil(lambda: not window.is_busy(), timeout=10000)
        qtbot.wait(10)
    assert calls == []
    assert capfd.readouterr().err == ""
    if outcome == "loads":
        assert messages == []
        assert window.app_state.image is not before and expected(window.app_state.image)
        assert window.app_state.image_name == path.name
    else:
        assert len(messages) == 1
        check_message(messages[0], expected)
        assert window.app_state.image is before  # the previous image is kept
        assert "unchanged" in window.statusBar().currentMessage()


@pytest.mark.parametrize("lesson_id", ["draw", "segmentation"])
@pytest.mark.parametrize("case", ["decompression bomb", "huge PNG text chunk", "float TIFF outside 0-1",
                                  "text renamed .png", "SVG"])
def test_lessons_that_open_files_themselves(qtbot, tmp_path, capfd, no_worker_left, lesson_id, case):  # noqa: F811
    """The draw and segmentation lessons read dropped files themselves: the same plain message, one full stop."""
    from explainer.ui.lessons import create_lesson
    from explainer.ui.state import AppState, Commands

    commands = Commands()
    lesson = create_lesson(lesson_id, AppState(), commands, None)
    qtbot.addWidget(lesson)
    lesson.show()
    qtbot.waitUntil(lambda: not lesson.is_busy(), timeout=20000)
    messages = []
    commands.message_posted.connect(lambda text, _ms: messages.append(text))
    capfd.readouterr()
    with excepthook_calls() as calls:
        assert lesson.open_file(make(tmp_path, case))
        qtbot.waitUntil(lambda: bool(messages) and not lesson.is_busy(), timeout=10000)
    assert calls == [] and capfd.readouterr().err == ""
    assert len(messages) == 1 and messages[0].startswith("Could not use that")
    check_message(messages[0], CASES[case][2][1])
    lesson.shutdown()
