"""Process-wide settings the app makes once at start-up: plots, threads, caches.

:func:`configure_runtime` is called by the command line (and by tests and
benchmarks that build a window) before the first window; it is re-exported by
:mod:`explainer.ui.app`.
"""

from __future__ import annotations

import sys


def configure_runtime() -> None:
    """Process-wide settings, once at start-up.

    pyqtgraph: arrays are (rows, columns) like numpy, white background.
    torch and numpy's BLAS: one thread each, which keeps live inference from the GUI's
    worker threads fast (see :mod:`explainer.models.runtime`). torch is not imported here
    (it takes about a second): its thread count is set when it is first imported.
    linecache keeps only the last few source files (:func:`~explainer.runtime_memory.keep_source_cache_small`),
    and plots paint their plain backgrounds without a cached pixmap (:func:`.memory.plain_view_backgrounds`).
    glibc makes at most two heaps for all threads (:func:`~explainer.runtime_memory.limit_heap_arenas`).
    Threads take turns with the interpreter lock every millisecond (:data:`SWITCH_INTERVAL_S`).
    """
    import os

    import pyqtgraph as pg

    from .. import INTERACTIVE_THREADS_ENV
    from ..runtime_memory import keep_source_cache_small, limit_heap_arenas
    from .memory import plain_view_backgrounds

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w", foreground="k")
    limit_heap_arenas()  # before the lessons' workers allocate: two heaps, not one per thread (8 MB less)
    # PySide6's import hook reads every module imported after it into linecache (about 20 MB for torch alone).
    keep_source_cache_small()
    plain_view_backgrounds()  # no pixmap per plot only to repaint its plain background (14 MB in all)
    os.environ[INTERACTIVE_THREADS_ENV] = "1"
    # The GUI thread and a lesson's worker hand the interpreter lock back and forth on every live update;
    # Python's default 5 ms switch interval can keep one waiting on the other for most of a frame. At 1 ms a
    # pen stroke in the draw lesson is read and repainted about a fifth sooner (README, benchmarks).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if "explainer.models" in sys.modules:  # torch is already in (tests, benchmarks): set it now
        sys.modules["explainer.models"].use_interactive_threads()
    # numpy's BLAS, like torch, on one thread: the GUI thread and its workers each make small matrix
    # products, and a BLAS pool per caller on 2 cores makes them fight (8 ms instead of 0.1 ms measured).
    global _BLAS_LIMIT
    from threadpoolctl import threadpool_limits

    _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")


_BLAS_LIMIT = None
#: The interpreter's thread switch interval set by :func:`configure_runtime` (Python's default: 0.005 s).
SWITCH_INTERVAL_S = 0.001
