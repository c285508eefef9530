"""The one image loader on a corpus of good, odd and bad files made here."""

import io as _io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from explainer import io


def save(img, path, **kwargs):
    img.save(path, **kwargs)
    return path


@pytest.fixture
def gradient():
    x = np.linspace(0, 255, 40, dtype=np.uint8)
    rgb = np.stack(np.broadcast_arrays(x[None, :], x[:, None], np.full((40, 40), 128, np.uint8)), axis=2)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def check_rgb(arr, shape):
    assert arr.dtype == np.float32
    assert arr.shape == shape
    assert 0.0 <= arr.min() and arr.max() <= 1.0


@pytest.mark.parametrize("suffix, fmt", [(".png", "PNG"), (".jpg", "JPEG"), (".bmp", "BMP"),
                                         (".tif", "TIFF"), (".webp", "WEBP"), (".gif", "GIF")])
def test_common_formats(tmp_path, gradient, suffix, fmt):
    arr = io.load_image(save(gradient, tmp_path / f"g{suffix}", format=fmt))
    check_rgb(arr, (40, 40, 3))
    # Left column dark, right column bright in the red channel (lossy formats: roughly).
    assert arr[20, -1, 0] - arr[20, 0, 0] > 0.8


def test_greyscale_becomes_three_equal_channels(tmp_path):
    arr = io.load_image(save(Image.new("L", (7, 5), 200), tmp_path / "grey.png"))
    check_rgb(arr, (5, 7, 3))
    assert np.allclose(arr, 200 / 255)


def test_16_bit_keeps_its_brightness(tmp_path):
    data = np.full((6, 9), 16384, dtype=np.uint16)
    img = Image.fromarray(data)
    assert img.mode.startswith("I;16")
    arr = io.load_image(save(img, tmp_path / "deep.png"))
    check_rgb(arr, (6, 9, 3))
    assert np.allclose(arr, 16384 / 65535, atol=1e-4)


def test_palette_image(tmp_path, gradient):
    arr = io.load_image(save(gradient.convert("P", palette=Image.Palette.ADAPTIVE), tmp_path / "pal.png"))
    check_rgb(arr, (40, 40, 3))


def test_rgba_is_shown_over_white(tmp_path):
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    rgba.putpixel((0, 0), (0, 0, 255, 255))
    arr = io.load_image(save(rgba, tmp_path / "alpha.png"))
    assert np.allclose(arr[1, 1], 1.0)  # fully transparent -> white
    assert np.allclose(arr[0, 0], [0, 0, 1])


def test_cmyk_jpeg(tmp_path):
    arr = io.load_image(save(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), tmp_path / "cmyk.jpg", quality=95))
    check_rgb(arr, (8, 8, 3))
    assert arr[4, 4, 0] > 0.8 and arr[4, 4, 1] < 0.2  # pure magenta+yellow ink = red


def test_exif_orientation_is_applied(tmp_path):
    img = Image.new("RGB", (30, 10), (255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    arr = io.load_image(save(img, tmp_path / "rotated.jpg", exif=exif))
    assert arr.shape == (30, 10, 3)


def test_animated_gif_gives_first_frame(tmp_path):
    frames = [Image.new("L", (5, 5), 0), Image.new("L", (5, 5), 255)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert np.allclose(io.load_image(path), 0.0)


def test_huge_image_is_downscaled(tmp_path):
    path = save(Image.new("L", (10000, 10000), 90), tmp_path / "huge.png")
    arr = io.load_image(path)
    assert max(arr.shape[:2]) == io.MAX_SIDE
    assert np.allclose(arr, 90 / 255, atol=1 / 255)


def test_bytes_input(gradient):
    buffer = _io.BytesIO()
    gradient.save(buffer, format="PNG")
    check_rgb(io.load_image(buffer.getvalue()), (40, 40, 3))


def truncated_png(tmp_path, gradient):
    data = _io.BytesIO()
    gradient.save(data, format="PNG")
    path = tmp_path / "truncated.png"
    path.write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    return path


def bad_crc_png(tmp_path):
    header = b"\x89PNG\r\n\x1a\n"
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) ^ 1)
    path = tmp_path / "badcrc.png"
    path.write_bytes(header + chunk)
    return path


@pytest.mark.parametrize("make, fragment", [
    (lambda tmp, g: (tmp / "empty.png").write_bytes(b"") and None or tmp / "empty.png", "empty"),
    (lambda tmp, g: (tmp / "notes.png").write_text("this is not a picture") and tmp / "notes.png", "not a readable image"),
    (lambda tmp, g: tmp / "missing.png", "does not exist"),
    (lambda tmp, g: tmp, "folder"),
    (truncated_png, "truncated"),
    (lambda tmp, g: bad_crc_png(tmp), "damaged"),
    (lambda tmp, g: (tmp / "random.jpg").write_bytes(np.random.default_rng(1).bytes(5000)) and tmp / "random.jpg",
     "not a readable image"),
])
def test_bad_files_give_a_clear_value_error(tmp_path, gradient, make, fragment):
    path = make(tmp_path, gradient)
    with pytest.raises(ValueError, match=fragment):
        io.load_image(path)


def test_empty_bytes():
    with pytest.raises(ValueError, match="empty"):
        io.load_image(b"")


def test_to_grayscale():
    rgb = np.zeros((2, 2, 3), np.float32)
    rgb[..., 1] = 1.0
    assert np.allclose(io.to_grayscale(rgb), 0.587)
    with pytest.raises(ValueError):
        io.to_grayscale(np.zeros((2, 2, 4)))


def test_bundled_samples_load():
    samples = io.sample_images()
    assert set(samples) >= {"astronaut", "chelsea", "coffee", "rocket"}
    for path in samples.values():
        arr = io.load_image(path)
        assert arr.ndim == 3 and min(arr.shape[:2]) >= 64


def test_heldout_digits_are_read_once_and_shared_read_only():
    images, labels = io.heldout_digits()
    assert images.dtype == np.float32 and images.shape[1:] == (28, 28) and len(images) == len(labels) > 0
    assert 0.0 <= images.min() and images.max() <= 1.0
    again, again_labels = io.heldout_digits()
    assert again is images and again_labels is labels  # one copy for every lesson
    with pytest.raises(ValueError, match="read-only"):
        images[0, 0, 0] = 1.0  # a caller that wants to change them must copy them
    with np.load(io.assets_dir() / "samples" / "mnist_heldout.npz") as stored:
        np.testing.assert_array_equal(images, stored["images"].astype(np.float32) / 255.0)
