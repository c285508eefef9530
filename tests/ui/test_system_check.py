"""First run on a bare Linux machine: a missing display library is named, with its apt package, before Qt aborts."""

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from explainer.ui.system_check import MISSING_LIBRARIES_STATUS, XCB_LIBRARIES, missing_display_libraries, uses_xcb

REPO = pathlib.Path(__file__).resolve().parents[2]
X11 = {"DISPLAY": ":0"}


def loader(missing=()):
    asked = []

    def load(soname):
        asked.append(soname)
        return soname not in missing
    load.asked = asked
    return load


def test_the_missing_libraries_of_a_minimal_debian_are_named_with_their_packages():
    load = loader({"libxcb-icccm.so.4", "libxcb-keysyms.so.1"})
    message = missing_display_libraries(X11, "linux", load)
    assert "\n" not in message
    assert message.startswith("convlens: ")
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1 are missing" in message
    assert message.endswith("sudo apt install libxcb-icccm4 libxcb-keysyms1")
    assert "libxcb-cursor" not in message  # Qt's own message blames this one even when it is there
    assert sorted(load.asked) == sorted(XCB_LIBRARIES)


def test_one_package_is_named_once():
    message = missing_display_libraries(X11, "linux", loader({"libglib-2.0.so.0", "libgthread-2.0.so.0"}))
    assert message.endswith("install them with: sudo apt install libglib2.0-0")


def test_nothing_missing_says_nothing():
    assert missing_display_libraries(X11, "linux", loader()) is None


@pytest.mark.parametrize("environ, platform", [
    (X11, "darwin"), (X11, "win32"),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux"),
    ({"QT_QPA_PLATFORM": "wayland"}, "linux"),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux"),
    ({}, "linux"),  # no display at all: Qt says so itself
])
def test_no_check_without_an_x11_display(environ, platform):
    load = loader({"libxcb-icccm.so.4"})
    assert missing_display_libraries(environ, platform, load) is None
    assert load.asked == []


def test_xcb_chosen_explicitly_is_checked():
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb:nomitshm"}, "linux")
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb;wayland"}, "linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux")


def test_the_real_loader_finds_a_library_that_is_there_and_not_one_that_is_not():
    from explainer.ui import system_check

    if not sys.platform.startswith("linux"):
        pytest.skip("Linux libraries")
    assert system_check._load("libc.so.6")
    assert not system_check._load("libconvlens-no-such-library.so.1")


def test_the_app_prints_one_line_and_exits_with_status_3_before_qt_starts(tmp_path):
    script = textwrap.dedent("""
        import sys
        from explainer.ui import cli, system_check
        system_check._load = lambda soname: soname != "libxcb-keysyms.so.1"
        sys.exit(cli.main([]))
    """)
    env = {key: value for key, value in os.environ.items() if key not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":77", XDG_CONFIG_HOME=str(tmp_path), PYTHONPATH=str(REPO))
    # Had Qt started, it would have tried the display :77 that does not exist, and aborted.
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == MISSING_LIBRARIES_STATUS == 3
    assert done.stderr.strip().splitlines() == [
        "convlens: Qt cannot open a window on this X11 display: libxcb-keysyms.so.1 is missing. "
        "On Debian or Ubuntu install it with: sudo apt install libxcb-keysyms1"]
