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
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker


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


def _call_tagged(request: int, context: Any, fn: Callable, args: tuple, kwargs: dict) -> WorkResult:
    try:
        return WorkResult(request, fn(*args, **kwargs), context=context)
    except Exception as exc:  # delivered to the GUI thread and shown there
        return WorkResult(request, None, exc, traceback.format_exc(), context)


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
        self._running = None
        self._pending: tuple | None = None
        self._request = 0
        self._closed = False
        #: How many results were dropped because a newer request had been submitted.
        self.dropped = 0

    @property
    def latest_request(self) -> int:
        """Number of the newest request submitted."""
        return self._request

    def is_busy(self) -> bool:
        return self._running is not None or self._pending is not None

    def submit(self, fn: Callable, *args, context: Any = None, **kwargs) -> int:
        """Run ``fn(*args, **kwargs)`` in a worker thread; returns the request number.

        If a call is running, this one waits, replacing any call that was
        already waiting. ``context`` comes back unchanged in the result.
        """
        if self._closed:
            return self._request
        self._request += 1
        job = (self._request, context, fn, args, kwargs)
        if self._running is not None:
            self._pending = job
        else:
            self._start(job)
        return self._request

    def _start(self, job: tuple) -> None:
        request, context, fn, args, kwargs = job
        worker = create_worker(_call_tagged, request, context, fn, args, kwargs, _start_thread=False)
        worker.returned.connect(self._on_worker_returned)
        worker.finished.connect(self._on_worker_finished)
        was_busy = self.is_busy()
        self._running = worker
        if not was_busy:
            self.busy_changed.emit(True)
        worker.start()

    def _on_worker_returned(self, result: WorkResult) -> None:
        if self._closed:
            return
        if result.request != self._request:  # a newer request exists: this answer is stale
            self.dropped += 1
            return
        self.finished.emit(result)

    def _on_worker_finished(self) -> None:
        self._running = None
        job, self._pending = self._pending, None
        if job is not None and not self._closed:
            self._start(job)
        elif not self._closed:
            self.busy_changed.emit(False)

    def shutdown(self, timeout_ms: int = 1000) -> None:
        """Drop waiting work, stop delivering results and wait briefly for the running call."""
        self._closed = True
        self._pending = None
        if self._running is not None:
            QThreadPool.globalInstance().waitForDone(timeout_ms)
