"""Giving memory back: glibc's freed heap, and the source text linecache would keep (no Qt, no torch)."""

import ctypes
import linecache
import pathlib

import numpy as np
import pytest

from explainer import runtime_memory
from explainer.runtime_memory import keep_source_cache_small, release_free_memory


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


@pytest.fixture
def small_cache():
    """linecache with a bounded cache of 3 files for the test, then as it was."""
    saved = linecache.cache
    linecache.cache = dict(saved)
    keep_source_cache_small(3)
    yield linecache.cache
    linecache.cache = saved


def _sources(count: int) -> list[str]:
    files = sorted(str(p) for p in pathlib.Path(np.__file__).parent.rglob("*.py"))[:count]
    assert len(files) == count
    return files


def test_the_source_cache_keeps_only_the_files_read_last(small_cache):
    files = _sources(6)
    for name in files:
        assert linecache.getline(name, 1)  # read and cached
    kept = [name for name in files if name in linecache.cache]
    assert kept == files[-3:]
    first = pathlib.Path(files[0]).read_text(encoding="utf-8").splitlines()[0]
    assert linecache.getline(files[0], 1).rstrip("\n") == first  # a file no longer cached is read again
    assert files[0] in linecache.cache and files[3] not in linecache.cache  # ...and becomes the newest
    assert sum(1 for name in files if name in linecache.cache) == 3


def test_lines_that_cannot_be_read_again_stay(small_cache):
    linecache.cache["<typed in a console>"] = (12, None, ["print('hi')\n"], "<typed in a console>")
    assert linecache.lazycache("lazy_module_file.py", {"__name__": "lazy", "__loader__": _Loader()})
    for name in _sources(5):
        linecache.getline(name, 1)
    assert linecache.getline("<typed in a console>", 1) == "print('hi')\n"
    assert linecache.getline("lazy_module_file.py", 2) == "two\n"
    linecache.clearcache()
    assert len(linecache.cache) == 0


class _Loader:
    def get_source(self, name):
        return "one\ntwo\n"


def test_a_bounded_cache_needs_at_least_one_file():
    with pytest.raises(ValueError, match="at least one file"):
        keep_source_cache_small(0)


@pytest.mark.skipif(runtime_memory._malloc_trim is None, reason="malloc_trim is glibc's")
def test_freed_heap_goes_back_to_the_system():
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    release_free_memory()
    # 60 MB in 64 KB blocks (below the size glibc maps on its own), each written to, then all freed but
    # the last: the heap cannot shrink from its top, so the freed pages stay resident until trimmed.
    blocks = [libc.malloc(64 * 1024) for _ in range(960)]
    for block in blocks:
        ctypes.memset(block, 1, 64 * 1024)
    for block in blocks[:-1]:
        libc.free(block)
    before = _rss_mb()
    assert release_free_memory() is True
    after = _rss_mb()
    libc.free(blocks[-1])
    assert before - after > 30


def test_release_is_harmless_where_it_does_nothing(monkeypatch):
    monkeypatch.setattr(runtime_memory, "_malloc_trim", None)
    assert release_free_memory() is False


def test_checking_the_whole_cache_while_another_thread_reads_files_never_fails(small_cache):
    """linecache.checkcache() walks a snapshot of the keys; files dropped meanwhile must not raise KeyError."""
    import threading
    import time

    files = sorted(str(p) for p in pathlib.Path(runtime_memory.__file__).parent.rglob("*.py"))[:40]
    assert len(files) > 10
    stop, errors, checks = time.monotonic() + 1.0, [], []

    def read():
        i = 0
        while time.monotonic() < stop:
            linecache.getline(files[i % len(files)], 1)
            i += 1

    reader = threading.Thread(target=read)
    reader.start()
    while time.monotonic() < stop:
        try:
            linecache.checkcache()
            checks.append(1)
        except KeyError as error:
            errors.append(error)
    reader.join()
    assert len(checks) > 10 and errors == []


_ARENA_PROBE = r"""
import ctypes, os, sys, tempfile, threading
from explainer.runtime_memory import limit_heap_arenas

if sys.argv[1] == "limited":
    assert limit_heap_arenas(1)
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
kept, ready, done = [], threading.Barrier(5), threading.Event()

def work():
    kept.extend(libc.malloc(1000) for _ in range(100))  # each thread allocates while the others live
    ready.wait()
    done.wait()

threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
ready.wait()
path = os.path.join(tempfile.mkdtemp(), "heaps.xml")
stream = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, stream)
libc.fclose(stream)
done.set()
for thread in threads:
    thread.join()
print(open(path).read().count("<heap nr="))
"""


@pytest.mark.skipif(runtime_memory._malloc_trim is None, reason="glibc only")
def test_threads_share_the_heaps_once_they_are_limited(tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    script = tmp_path / "heaps.py"
    script.write_text(_ARENA_PROBE)
    root = pathlib.Path(__file__).resolve().parents[1]

    def heaps(mode: str) -> int:
        done = subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True, timeout=60,
                              cwd=root, env={**__import__("os").environ, "PYTHONPATH": str(root)})
        assert done.returncode == 0, done.stderr
        return int(done.stdout.strip())

    assert heaps("free") >= 3  # the main heap and one per allocating thread (up to 8 per core)
    assert heaps("limited") == 1


def test_a_heap_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="at least one heap"):
        runtime_memory.limit_heap_arenas(0)


def test_the_environment_s_heap_limit_stands(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert runtime_memory.limit_heap_arenas(2) is False
