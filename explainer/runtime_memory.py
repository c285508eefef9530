"""Giving memory back: the process's freed heap, and source text nobody reads.

Two measured leaks of resident memory in the app (``benchmarks/memory.py``),
neither of them a Python object the app keeps:

* **Freed heap that stays resident.** glibc's ``malloc`` keeps what the program
  frees for later and returns it to the system only from the top of each heap.
  Loading a model, building a lesson or a training run's results free a lot in the
  middle of a heap (temporary copies, state dicts), and every worker thread has its
  own heap ("arena"), so tens of MB stay resident though unused. ``malloc_trim(0)``
  hands the free pages of every arena back (about 3 ms at 500 MB, then 0.1 ms):
  :func:`release_free_memory`. Elsewhere than glibc it does nothing.
* **One heap per thread.** glibc gives each thread that allocates its own heap, up
  to eight per core, and what one thread frees in the middle of its heap stays
  there. The GUI thread, the lessons' workers, torch's preloading thread and
  Qt's pool threads each fragment a heap of their own: every lesson open took
  450–451 MB with them, 443 MB with at most two (``benchmarks/memory.py``, runs
  alternated). :func:`limit_heap_arenas` caps their number at start-up; the threads
  then share heaps (they take turns with Python's interpreter lock anyway).
* **Source text kept by an import hook.** PySide6 replaces ``__import__`` with a
  hook that reads the source of every module imported after it (it looks for the
  word "PySide6") through :func:`inspect.getsource`, and :mod:`linecache` keeps
  each file's lines for good: torch's 1,100 modules alone leave about 20 MB of
  text, interleaved with the modules' own objects, so it cannot be handed back
  later. :func:`keep_source_cache_small` makes :mod:`linecache` keep only the few
  files read last (tracebacks and warnings still show their lines; a file no
  longer cached is read again).

Nothing here imports Qt or torch.
"""

from __future__ import annotations

import ctypes
import linecache
import os
import sys
import threading
from collections import OrderedDict

#: How many source files :mod:`linecache` keeps once :func:`keep_source_cache_small` has run.
SOURCE_FILES_KEPT = 16


def _load_malloc_trim():
    """glibc's ``malloc_trim``, or None on any other C library (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded (no search for the library: start-up stays fast)
        libc.gnu_get_libc_version  # noqa: B018 (only glibc has it: musl's malloc_trim differs)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_malloc_trim = _load_malloc_trim()

#: ``mallopt``'s parameter for the most heaps ("arenas") glibc makes (``M_ARENA_MAX`` in ``malloc.h``).
M_ARENA_MAX = -8
#: How many heaps the app lets glibc make (see the module notes).
HEAP_ARENAS = 2


def limit_heap_arenas(count: int = HEAP_ARENAS) -> bool:
    """Let glibc make at most ``count`` heaps for the process's threads; True if the limit was set.

    Call it at start-up, before the worker threads allocate: heaps made before stay. A no-op
    returning False where the C library is not glibc (or when ``MALLOC_ARENA_MAX`` is set in
    the environment: the user's choice stands).
    """
    if count < 1:
        raise ValueError(f"the process needs at least one heap, got {count}")
    if _malloc_trim is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except AttributeError:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, count))


def release_free_memory() -> bool:
    """Hand the heap memory the process has freed back to the system (glibc); True if some was returned.

    Safe from any thread at any time (glibc locks each arena while it trims it); a no-op
    returning False where the C library is not glibc.
    """
    if _malloc_trim is None:
        return False
    return bool(_malloc_trim(0))


class _RecentSources(dict):
    """A :data:`linecache.cache` that keeps only the ``limit`` source files stored last.

    Entries :mod:`linecache` cannot read again from disk stay: lazy loaders (1-tuples)
    and lines registered by hand (no modification time), as for code typed in a console.
    """

    def __init__(self, entries: dict, limit: int) -> None:
        super().__init__()
        self._limit = limit
        self._files: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        for key, value in entries.items():
            self[key] = value

    def __setitem__(self, key, value) -> None:
        with self._lock:
            super().__setitem__(key, value)
            self._files.pop(key, None)
            if isinstance(value, tuple) and len(value) == 4 and value[1] is not None:  # (size, mtime, lines, name)
                self._files[key] = None
                while len(self._files) > self._limit:
                    oldest, _ = self._files.popitem(last=False)
                    super().pop(oldest, None)

    def __missing__(self, key):
        # Another thread dropped ``key`` between a caller's look-up and its read (linecache.checkcache() walks a
        # snapshot of the keys): answer as for a lazy entry, which every linecache function skips or reloads.
        return (None,)

    def __delitem__(self, key) -> None:
        with self._lock:
            super().__delitem__(key)
            self._files.pop(key, None)

    def pop(self, key, *default):
        with self._lock:
            self._files.pop(key, None)
            return super().pop(key, *default)

    def clear(self) -> None:
        with self._lock:
            super().clear()
            self._files.clear()


def keep_source_cache_small(limit: int = SOURCE_FILES_KEPT) -> None:
    """Make :mod:`linecache` keep only the ``limit`` source files read last (see the module notes).

    Call it once at start-up, before the heavy imports. Calling it again changes the limit.
    """
    if limit < 1:
        raise ValueError(f"the source cache must keep at least one file, got {limit}")
    current = linecache.cache
    if isinstance(current, _RecentSources):
        current._limit = limit
        return
    linecache.cache = _RecentSources(current, limit)
