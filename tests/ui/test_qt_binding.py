"""Guards against known-bad Qt bindings the app cannot work around."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)


def test_bool_signals_keep_reference_counts(qapp):
    # PySide6 6.12.0 dropped a reference to True/False on every Signal(bool)
    # emit to a Python slot; after a few hundred clicks the interpreter aborts.
    emitter = _Emitter()
    received = []
    emitter.flag.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.flag.emit(True)
    received.clear()
    assert abs(sys.getrefcount(True) - before) < 20  # a broken binding loses 200
