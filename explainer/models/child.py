"""Run a generator function in a child Python process and yield what it yields.

Live training runs this way. Its memory (autograd buffers, optimiser state,
the ~70 MB torch._dynamo that ``torch.optim`` imports on its first step) goes
back to the system when the run ends, and the training loop no longer holds
the GUI process's interpreter lock between batches.

The protocol is ours alone: the parent starts ``python -m explainer.models.child``
and writes one pickled request (module, function name, arguments). The child
answers with length-prefixed pickled messages: ``("item", value)``, one per
value the generator yields, then ``("end", None)``, or ``("error", exception)``.
After each item the child waits for the parent to ask for the next one (one
byte), so it is never more than one report ahead. A parent that pauses stops
asking, and the child waits. A parent that stops kills the child. Only this
process's own child is unpickled; nothing from a file.
"""

from __future__ import annotations

import importlib
import os
import pathlib
import pickle
import struct
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator

_HEADER = struct.Struct("!Q")
#: The folder holding the ``explainer`` package.
_ROOT = pathlib.Path(__file__).resolve().parents[2]
_NEXT, _STOP = b"n", b"q"


class ChildStopped(RuntimeError):
    """The child process ended without a report (killed, out of memory, or the interpreter failed)."""


def _write(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # noqa: S301 (our own child's messages, never a file)


def in_child(fn: Callable[..., Iterator], *args, **kwargs) -> Iterator:
    """Yield what ``fn(*args, **kwargs)`` yields, computed in a fresh Python process.

    ``fn`` must be importable by name (a module-level generator function), and its
    arguments and results picklable. An exception the generator raises is raised
    here, with its type kept when it can be pickled. A child that ends without a
    report raises :class:`ChildStopped` with its exit code and the end of what
    it wrote to stderr. Closing this generator (a cancelled run) kills the child.
    """
    request = (fn.__module__, fn.__qualname__, args, kwargs)
    with tempfile.TemporaryFile() as errors:
        env = dict(os.environ)  # the child finds this copy of explainer even when it is not installed
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(_ROOT), env.get("PYTHONPATH"))))
        child = subprocess.Popen([sys.executable, "-m", "explainer.models.child"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=errors, env=env)
        try:
            _write(child.stdin, request)
            while True:
                message = _read(child.stdout)
                if message is None:
                    code = child.wait()
                    errors.seek(0)
                    tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
                    reason = "it may have run out of memory" if code in (-9, 137) else " ".join(tail)
                    raise ChildStopped(f"the training process stopped unexpectedly (exit code {code})"
                                            + (f": {reason}" if reason else ""))
                kind, value = message
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value
                child.stdin.write(_NEXT)
                child.stdin.flush()
        finally:
            if child.poll() is None:
                try:
                    child.stdin.write(_STOP)
                    child.stdin.flush()
                except OSError:
                    pass
                child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout):
                stream.close()


def _serve() -> int:
    """The child's side: run the requested generator and report each value, waiting to be asked for the next."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything the work prints must not mix with the messages
    request = _read(stdin)
    if request is None:
        return 1
    module, name, args, kwargs = request
    try:
        fn = importlib.import_module(module)
        for part in name.split("."):
            fn = getattr(fn, part)
        for value in fn(*args, **kwargs):
            _write(stdout, ("item", value))
            if stdin.read(1) != _NEXT:
                return 0  # the parent stopped listening
        _write(stdout, ("end", None))
    except Exception as exc:  # reported to the parent, which raises it there
        try:
            pickle.dumps(exc)
            error = exc
        except Exception:  # noqa: BLE001 (an exception that cannot travel: keep its words)
            error = RuntimeError(f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
        _write(stdout, ("error", error))
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
