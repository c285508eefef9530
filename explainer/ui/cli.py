"""The command line: ``python main.py [SESSION] [--lesson ID] [--screenshot PATH] [--tour …] …``."""

from __future__ import annotations

import argparse
import sys
import threading

from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import QApplication

from .. import __version__, io
from .app import DEFAULT_SAMPLE, DEFAULT_SIZE, MainWindow, configure_runtime
from .errors import format_exception, show_error
from .lessons import LESSON_IDS

def _parse_size(text: str) -> QSize:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"size must look like 1400x900, got {text!r}") from exc
    if not (200 <= width <= 10000 and 200 <= height <= 10000):
        raise argparse.ArgumentTypeError(f"size must be between 200x200 and 10000x10000, got {text!r}")
    return QSize(width, height)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convlens", description="ConvLens: see inside convolutional neural networks.")
    parser.add_argument("session", nargs="?", metavar="SESSION.convlens", help="a saved session to open")
    parser.add_argument("--lesson", metavar="ID", help=f"lesson to open: {', '.join(LESSON_IDS)}")
    parser.add_argument("--model", metavar="PATH",
                        help="open a model of your own (.onnx or torch.export .pt2) in the network and photo lessons")
    parser.add_argument("--screenshot", metavar="PATH", help="render the window to this PNG once the lesson has drawn, then exit")
    parser.add_argument("--size", metavar="WxH", type=_parse_size, default=None, help="window size (default 1400x900)")
    parser.add_argument("--tour", metavar="PATH", help="open this tour file (a JSON tour, see assets/tours/)")
    parser.add_argument("--tour-steps", action="store_true",
                        help="print the bundled tour, one line a step: N, lesson, title, and 'quiz' on questions")
    parser.add_argument("--tour-step", metavar="N", type=int,
                        help="open the tour (bundled, or --tour) at step N (1-based); with --screenshot, render it")
    parser.add_argument("--presenter", action="store_true", help="start in the presenter view (F5)")
    parser.add_argument("--version", action="version", version=f"ConvLens {__version__}")
    return parser


#: How long after the window is shown torch starts loading in the background.
PRELOAD_DELAY_MS = 400


def preload_torch() -> threading.Thread:
    """Import the models (and torch) in a background thread, so the first lesson that needs them opens at once.

    A lesson opened before it has finished waits for it (Python's import lock), it never imports twice.
    """
    def load() -> None:
        try:
            import explainer.models  # noqa: F401
        except Exception:  # noqa: BLE001 (a lesson that needs torch reports the problem when it opens)
            pass

    thread = threading.Thread(target=load, name="torch-preload", daemon=True)
    thread.start()
    return thread




class RunEnd:
    """The exit status of a run that ends by itself (``--screenshot``): the first reason to end wins.

    A refused model, an error and the finished screenshot can all come within one pass of the event
    loop (a model refused while the screenshot waits for its last event); a later ``end`` must not
    overwrite the status of an earlier one (a refusal ending with status 0 because the picture was
    taken after it).
    """

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.status: int | None = None

    @property
    def ended(self) -> bool:
        return self.status is not None

    def end(self, status: int) -> None:
        if self.status is None:
            self.status = status
            self.app.exit(status)


def take_screenshot(window: MainWindow, path: str, run: RunEnd, waited_ms: int = 0) -> None:
    if run.ended:
        return
    if window.is_busy() and waited_ms < 20000:
        QTimer.singleShot(100, lambda: take_screenshot(window, path, run, waited_ms + 100))
        return
    run.app.processEvents()
    if run.ended:  # a refusal or an error came in with the last events: it ends the run, not the picture
        return
    ok = window.grab().save(path, "PNG")
    if not ok:
        print(f"convlens: could not write screenshot to {path}", file=sys.stderr)
    run.end(0 if ok else 1)


def _print_tour_steps(path=None) -> int:
    """``--tour-steps``: the tour's steps, one line each (no window is made)."""
    from .tour.model import bundled_tour_path, read_tour

    try:
        tour = read_tour(path or bundled_tour_path())
    except ValueError as exc:
        print(f"convlens: {exc}", file=sys.stderr)
        return 2
    print(tour.listing())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Start the app. Returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.tour_steps:
        return _print_tour_steps(args.tour)
    if args.lesson is not None and args.lesson not in LESSON_IDS:
        print(f"convlens: unknown lesson {args.lesson!r}. Valid lessons: {', '.join(LESSON_IDS)}", file=sys.stderr)
        return 2

    if QApplication.instance() is None:  # before Qt loads its display plugin, which aborts if a library is missing
        from .system_check import MISSING_LIBRARIES_STATUS, missing_display_libraries

        problem = missing_display_libraries()
        if problem:
            print(problem, file=sys.stderr)
            return MISSING_LIBRARIES_STATUS
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("ConvLens")
    app.setApplicationName("ConvLens")
    app.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    configure_runtime()
    run = RunEnd(app)

    window = MainWindow()
    window.resize(args.size or DEFAULT_SIZE)
    interactive = not args.screenshot
    last_lesson = None
    if interactive:
        window.remember_settings = True
        last_lesson = window.restore_settings()
        if args.size:
            window.resize(args.size)
    samples = io.sample_images()
    if DEFAULT_SAMPLE in samples:
        window.open_image(samples[DEFAULT_SAMPLE], show_dialog=False)
    window.show_lesson(args.lesson or last_lesson or LESSON_IDS[0])
    window.show()
    QTimer.singleShot(PRELOAD_DELAY_MS, preload_torch)  # after the first paint, so the window comes up first
    if args.session:
        if not window.open_session(args.session, show_dialog=interactive) and not interactive:
            print(f"convlens: {window.statusBar().currentMessage()}", file=sys.stderr)
            return 2

    if args.tour or args.tour_step is not None:
        from .tour.model import bundled_tour_path

        path = args.tour or bundled_tour_path()
        if not window.tour.open_path(path, max(0, (args.tour_step or 1) - 1), show_dialog=interactive):
            if not interactive:
                print(f"convlens: {window.statusBar().currentMessage()}", file=sys.stderr)
                return 2
        elif args.tour_step is not None and not 1 <= args.tour_step <= len(window.tour.panel.tour.steps):
            print(f"convlens: the tour has steps 1 to {len(window.tour.panel.tour.steps)}, not {args.tour_step}",
                  file=sys.stderr)
            return 2

    if args.model:
        if not interactive:  # a refused model ends a screenshot run with its sentence and status 2
            def refused(message: str) -> None:
                if not run.ended:
                    print(f"convlens: {message}", file=sys.stderr)
                run.end(2)

            window.user_model.refused.connect(refused)
        window.user_model.open_path(args.model, show_dialogs=interactive)

    if args.presenter:
        window.presenter.set_on(True)

    if args.screenshot:
        def on_error(exc_type, exc, tb):
            print("".join(format_exception(exc)), file=sys.stderr)
            run.end(1)

        sys.excepthook = on_error
        QTimer.singleShot(300, lambda: take_screenshot(window, args.screenshot, run))
    else:
        def on_error(exc_type, exc, tb):
            show_error(window, "Something went wrong", f"{exc_type.__name__}: {exc}",
                       details=format_exception(exc),
                       next_step="ConvLens keeps running; your image and drawing are kept.")

        sys.excepthook = on_error
    return app.exec()
