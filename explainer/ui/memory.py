"""Memory the window does not need: freed heap after background work, and pixmaps of plain backgrounds.

**Freed heap.** Loading models, building a lesson's data and a training run free much more than they
keep (temporary copies, state dicts, reports), in the worker threads' own heaps, and
glibc keeps that memory resident (see :mod:`explainer.runtime_memory`). The runners
in :mod:`explainer.ui.workers` call :func:`release_memory_soon` when their work is
done; :data:`QUIET_MS` after the last call, with no new one meanwhile, the freed
memory is handed back (about 3 ms the first time after a model load, 0.1 ms when
there is little to give). While a live view computes on every stroke the timer keeps
being pushed back, so nothing runs between strokes.

**Background pixmaps.** pyqtgraph's ``GraphicsView`` (under every plot and image panel)
turns on ``QGraphicsView.CacheBackground``: each view keeps a pixmap as large as itself
only to repaint its plain background colour. :func:`plain_view_backgrounds` leaves new
views without it. Measured with every lesson open: 14 MB less, the same pictures, and
the same paint time (the draw lesson repaints in 6.1 ms median either way).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal
from PySide6.QtWidgets import QGraphicsView

from ..runtime_memory import release_free_memory

#: How long the background work must have been quiet before freed memory is handed back.
QUIET_MS = 300


class _Releaser(QObject):
    """Lives in the GUI thread; ``requested`` (from any thread) restarts its single-shot timer."""

    requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(QUIET_MS)
        self.timer.timeout.connect(self._release)
        self.requested.connect(self.timer.start)
        #: How many times freed memory was handed back (for tests and benchmarks).
        self.releases = 0

    def _release(self) -> None:
        self.releases += 1
        release_free_memory()


_releaser: _Releaser | None = None


def memory_releaser() -> _Releaser | None:
    """The one releaser, made on first use from the GUI thread (None before there is an application).

    Its ``requested`` signal may be connected to a worker's signal: emitted in a worker
    thread, it reaches the releaser in the GUI thread.
    """
    global _releaser
    app = QCoreApplication.instance()
    if _releaser is None and app is not None and QThread.currentThread() == app.thread():
        _releaser = _Releaser()
    return _releaser


def release_memory_soon() -> None:
    """Hand freed memory back :data:`QUIET_MS` from now, unless asked again before then (GUI thread)."""
    releaser = memory_releaser()
    if releaser is not None:
        releaser.requested.emit()


def plain_view_backgrounds() -> None:
    """Make every pyqtgraph view made from now on paint its background directly, without a cached pixmap.

    Views that exist already keep their setting. Calling it again changes nothing.
    """
    from pyqtgraph.widgets.GraphicsView import GraphicsView

    if getattr(GraphicsView.__init__, "_plain_background", False):
        return
    pyqtgraph_init = GraphicsView.__init__

    def init(self, *args, **kwargs) -> None:
        pyqtgraph_init(self, *args, **kwargs)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)

    init._plain_background = True
    init.__doc__ = pyqtgraph_init.__doc__
    GraphicsView.__init__ = init
