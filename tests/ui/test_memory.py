"""Memory the window gives back: freed heap after background work, no pixmap per plot background."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsView

from explainer.ui import memory
from explainer.ui.memory import memory_releaser, plain_view_backgrounds, release_memory_soon
from explainer.ui.workers import LatestOnlyRunner, generator_worker


def test_freed_memory_goes_back_once_a_burst_of_work_is_over(qtbot):
    releaser = memory_releaser()
    qtbot.wait(2 * memory.QUIET_MS)  # whatever earlier work asked for has been handed back
    before = releaser.releases
    runner = LatestOnlyRunner()
    for n in range(5):
        runner.submit(sum, [n, n])
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=5000)
    qtbot.waitUntil(lambda: releaser.releases > before, timeout=5000)
    assert releaser.releases == before + 1  # one release for the burst, not one per result
    release_memory_soon()
    release_memory_soon()
    qtbot.waitUntil(lambda: releaser.releases > before + 1, timeout=5000)
    qtbot.wait(2 * memory.QUIET_MS)
    assert releaser.releases == before + 2  # requests close together are handed back together


def test_a_finished_run_gives_its_memory_back(qtbot):
    releaser = memory_releaser()
    before = releaser.releases

    def run():
        yield np.zeros(1_000_000)  # a report that is dropped when the run ends

    worker = generator_worker(run)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    qtbot.waitUntil(lambda: releaser.releases > before, timeout=5000)


def test_plots_paint_their_background_without_a_cached_pixmap(qtbot):
    plain_view_backgrounds()
    plain_view_backgrounds()  # a second call changes nothing
    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.plot([0, 1, 2], [2, 0, 1], pen="k")
    plot.resize(240, 160)
    plot.show()
    qtbot.waitExposed(plot)
    assert plot.cacheMode() == QGraphicsView.CacheModeFlag.CacheNone
    plain = plot.grab().toImage()
    plot.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)  # pyqtgraph's own setting
    plot.resetCachedContent()
    plot.viewport().update()
    cached = plot.grab().toImage()
    assert plain == cached  # the same picture, pixel for pixel
