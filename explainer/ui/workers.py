"""Background work that never blocks the GUI thread.

:class:`LatestOnlyRunner` is the pattern every live lesson uses: drawing,
dragging a slider or editing a kernel submits a request; while one request
runs, only the newest waiting request is kept (older ones are dropped), so the
view is never more than one step behind and the GUI thread never waits.
A result carries the request it answers (its number and the caller's
``context``); a result whose request has been superseded by a newer one is
dropped, so a late answer is never drawn beside a newer input.

The work functions take arrays and return arrays. They never touch widgets or
state; their results come back on the GUI thread through Qt signals.

Stopping: :meth:`LatestOnlyRunner.shutdown` never waits. A call already running
cannot be interrupted (it is plain Python or torch), so it finishes in the
background and its result is dropped without touching any Qt object; a call that
had not started yet does not start. When the process exits, :func:`stop_all_work`
(registered with :mod:`atexit`) asks generator workers to quit and waits for the
worker threads before Qt and Python tear down the objects those threads use.
"""

from __future__ import annotations

import atexit
import traceback
import weakref
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import WorkerBase, create_worker

from .memory import memory_releaser, release_memory_soon


@dataclass(frozen=True)
class WorkResult:
    """What a background call produced.

    Attributes
    ----------
    request : int
        Number of the request (increasing); compare with ``runner.latest_request``.
    context : Any
        Whatever the caller passed as ``context=`` to :meth:`LatestOnlyRunner.submit`:
        the input the result answers (a photo and its name, a scene…), so the view
        draws the result with its own input, never with a newer one.
    value : Any
        The function's return value (None if it failed).
    error : BaseException or None
    details : str
        The formatted traceback when it failed, for a "details" box.
    """

    request: int
    value: Any = None
    error: BaseException | None = None
    details: str = ""
    context: Any = None


class WorkFailed(Exception):
    """An exception raised inside a generator worker, on its way to the GUI thread.

    superqt's generator worker takes a ``RuntimeError`` from the work for a sign that
    the worker object was deleted: it only warns, and emits neither ``errored`` nor
    ``finished``, so a view waiting for the end of a run waits forever. torch reports
    most of its failures (a wrong size, no memory) as ``RuntimeError``. Wrapped in
    this class every failure takes superqt's ordinary path: ``errored`` then ``finished``.

    Attributes
    ----------
    error : BaseException
        What the work raised; ``str(WorkFailed)`` is its message.
    details : str
        The formatted traceback, for a "details" box.
    """

    def __init__(self, error: BaseException, details: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.details = details

    def __str__(self) -> str:
        return str(self.error) or type(self.error).__name__


def _reporting(fn: Callable, args: tuple, kwargs: dict):
    try:
        yield from fn(*args, **kwargs)
    except Exception as exc:  # delivered to the GUI thread through ``errored``, then ``finished``
        raise WorkFailed(exc, traceback.format_exc()) from exc


def generator_worker(fn: Callable, *args, **kwargs):
    """A superqt generator worker (not started) running ``fn(*args, **kwargs)``, a generator function.

    Whatever the generator raises, torch's ``RuntimeError`` included, arrives once as
    ``errored(WorkFailed)`` followed by ``finished``; it is never re-raised to
    ``sys.excepthook`` (the view reports it). Connect the signals, then call ``start()``.
    """
    worker = create_worker(_reporting, fn, args, kwargs, _start_thread=False, _ignore_errors=True)
    releaser = memory_releaser()
    if releaser is not None:  # a run frees its buffers and reports when it ends: hand them back
        worker.finished.connect(releaser.requested)
    return worker


def _call_tagged(request: int, context: Any, fn: Callable, args: tuple, kwargs: dict) -> WorkResult:
    try:
        return WorkResult(request, fn(*args, **kwargs), context=context)
    except Exception as exc:  # delivered to the GUI thread and shown there
        return WorkResult(request, None, exc, traceback.format_exc(), context)


class _Relay(QObject):
    """Carries one runner's results from its worker threads to the GUI thread.

    It has no parent, so Qt never deletes it with a lesson: the jobs hold it until
    they have delivered, and a late job never emits from a deleted object
    (superqt's per-call worker did: ``RuntimeError: Signal source has been deleted``).
    It is made and connected once per runner, so a call leaves nothing behind.
    """

    delivered = Signal(object)


class _Line:
    """What a runner shares with its jobs: its relay, and whether it still listens (plain Python)."""

    __slots__ = ("relay", "closed", "__weakref__")

    def __init__(self) -> None:
        self.relay = _Relay()
        self.closed = False


#: Every runner's line, so that :func:`stop_all_work` can close them all.
_LINES: weakref.WeakSet[_Line] = weakref.WeakSet()


def _run_job(line: _Line, job: tuple) -> None:
    """In a worker thread: one call, and its result sent home unless the runner has shut down."""
    if line.closed:
        return  # it was waiting for a thread when its runner shut down
    result = _call_tagged(*job)
    if line.closed:  # after shutdown nobody listens: no Qt object is touched
        return
    try:
        line.relay.delivered.emit(result)
    except RuntimeError:  # the relay went with the application (an exit that did not wait): nobody listens
        return


def stop_all_work(timeout_ms: int = 10000) -> bool:
    """Stop every runner delivering, ask generator workers to quit, and wait for the worker threads.

    Called at exit (before Qt and Python delete the objects the threads use) and
    usable by scripts. Returns False if a thread was still running after ``timeout_ms``.
    """
    for line in list(_LINES):
        line.closed = True
    for worker in list(getattr(WorkerBase, "_worker_set", ())):  # superqt's running workers
        worker.quit()
        if hasattr(worker, "resume"):
            worker.resume()
    return QThreadPool.globalInstance().waitForDone(timeout_ms)


atexit.register(stop_all_work)


class LatestOnlyRunner(QObject):
    """Run one function call at a time off the GUI thread, newest request wins.

    Signals
    -------
    finished(object)
        A :class:`WorkResult` for the newest request; results of superseded requests
        are dropped (counted in :attr:`dropped`).
    busy_changed(bool)
    """

    finished = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._line = _Line()
        self._line.relay.delivered.connect(self._on_delivered)
        _LINES.add(self._line)
        self._running: int | None = None  # the request being computed
        self._pending: tuple | None = None
        self._request = 0
        #: How many results were dropped because a newer request had been submitted.
        self.dropped = 0

    @property
    def latest_request(self) -> int:
        """Number of the newest request submitted."""
        return self._request

    def is_busy(self) -> bool:
        """True while a result is still to come (never after :meth:`shutdown`)."""
        return not self._line.closed and (self._running is not None or self._pending is not None)

    def submit(self, fn: Callable, *args, context: Any = None, **kwargs) -> int:
        """Run ``fn(*args, **kwargs)`` in a worker thread; returns the request number.

        If a call is running, this one waits, replacing any call that was
        already waiting. ``context`` comes back unchanged in the result.
        """
        if self._line.closed:
            return self._request
        self._request += 1
        job = (self._request, context, fn, args, kwargs)
        if self._running is not None:
            self._pending = job
        else:
            self._start(job)
        return self._request

    def _start(self, job: tuple) -> None:
        was_busy = self.is_busy()
        self._running = job[0]
        if not was_busy:
            self.busy_changed.emit(True)
        QThreadPool.globalInstance().start(partial(_run_job, self._line, job))

    def _on_delivered(self, result: WorkResult) -> None:
        if self._line.closed:
            return
        if result.request != self._request:  # a newer request exists: this answer is stale
            self.dropped += 1
        else:
            self.finished.emit(result)
        self._running = None
        job, self._pending = self._pending, None
        if job is not None and not self._line.closed:
            self._start(job)
        elif not self._line.closed:
            self.busy_changed.emit(False)
            release_memory_soon()  # what the work freed goes back once the burst of work is over

    def shutdown(self, timeout_ms: int = 0) -> None:
        """Drop waiting work and stop delivering results, at once.

        A call already running finishes in the background and its result is dropped.
        ``timeout_ms`` > 0 also waits up to that long for the worker threads (tests, scripts);
        the window never waits.
        """
        self._line.closed = True
        self._pending = None
        if timeout_ms > 0 and self._running is not None:
            QThreadPool.globalInstance().waitForDone(timeout_ms)
