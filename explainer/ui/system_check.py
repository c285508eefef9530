"""Before Qt starts on a Linux X11 display: are the system libraries of Qt's xcb plugin installed?

When one is missing, Qt aborts (SIGABRT) with a message that blames
``libxcb-cursor0`` even when that one is installed (on a minimal Debian/Ubuntu,
``libxcb-icccm4`` and ``libxcb-keysyms1`` were the missing ones). ConvLens checks
first and names the exact packages instead.

:data:`XCB_LIBRARIES` is what the PySide6 wheel's ``plugins/platforms/libqxcb.so``
and ``lib/libQt6XcbQpa.so.6`` link to (``readelf -d … | grep NEEDED``, the same
list ``ldd`` resolves), less Qt's own libraries and the C/C++ runtime, each with
the Debian/Ubuntu package that provides it. No Qt here: this runs before Qt loads
a platform plugin.
"""

from __future__ import annotations

import ctypes
import os
import pathlib
import sys
from typing import Callable, Mapping

#: Library (soname) → Debian/Ubuntu package, for Qt 6's xcb platform plugin.
XCB_LIBRARIES = {
    "libGL.so.1": "libgl1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}

#: Exit status of ``convlens`` when a display library is missing.
MISSING_LIBRARIES_STATUS = 3


def _load(soname: str) -> bool:
    """True if the dynamic loader finds ``soname`` (system paths, or the PySide6 wheel's own lib folder)."""
    try:
        ctypes.CDLL(soname)
        return True
    except OSError:
        pass
    try:
        import PySide6  # only its folder: no Qt library is loaded
    except ImportError:
        return False
    bundled = pathlib.Path(PySide6.__file__).resolve().parent / "Qt" / "lib" / soname
    try:
        ctypes.CDLL(str(bundled))
        return True
    except OSError:
        return False


def uses_xcb(environ: Mapping[str, str], platform: str) -> bool:
    """True if Qt will open an X11 (xcb) display: Linux, and ``QT_QPA_PLATFORM`` xcb or unset with ``DISPLAY``."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:  # "xcb", "xcb:option", "wayland;xcb": the first one is tried first
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    if environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"):
        return False  # Qt picks its Wayland plugin there
    return bool(environ.get("DISPLAY"))


def missing_display_libraries(environ: Mapping[str, str] | None = None, platform: str | None = None,
                              load: Callable[[str], bool] | None = None) -> str | None:
    """One line naming the apt packages to install, or None when nothing is missing (or no xcb display is used).

    ``load(soname)`` says whether a library can be loaded (tests pass a fake).
    """
    load = _load if load is None else load
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not uses_xcb(environ, platform):
        return None
    missing = [soname for soname in XCB_LIBRARIES if not load(soname)]
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(XCB_LIBRARIES[soname] for soname in missing))
    return (f"convlens: Qt cannot open a window on this X11 display: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing. On Debian or Ubuntu install "
            f"{'it' if len(missing) == 1 else 'them'} with: sudo apt install {packages}")
