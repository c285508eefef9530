"""Mosaic geometry: every channel lands in its own tile, gaps hold the fill, clicks map back."""

import numpy as np
import pytest

from explainer.ui.widgets.maps import Mosaic


@pytest.mark.parametrize("channels, height, width, columns, gap", [
    (1, 1, 1, 1, 0), (10, 1, 1, 10, 0), (32, 24, 24, 8, 1), (64, 4, 4, 16, 1), (7, 3, 5, 3, 1),
    (5, 2, 2, 5, 2), (3, 28, 28, 2, 1), (128, 1, 1, 128, 0), (11, 6, 2, 4, 1)])
def test_each_channel_is_tiled_at_its_origin_and_gaps_hold_the_fill(channels, height, width, columns, gap):
    mosaic = Mosaic(channels, height, width, columns, gap)
    values = np.random.default_rng(channels).normal(size=(channels, height, width)).astype(np.float32)
    for fill in (np.nan, -7.0):
        tiled = mosaic.tile(values, fill=fill)
        assert tiled.shape == mosaic.shape and tiled.dtype == np.float32 and tiled.flags.c_contiguous
        covered = np.zeros(tiled.shape, bool)
        for channel in range(channels):
            top, left = mosaic.origin(channel)
            np.testing.assert_array_equal(tiled[top : top + height, left : left + width], values[channel])
            covered[top : top + height, left : left + width] = True
            assert mosaic.locate(top + height - 0.5, left + 0.2) == (channel, height - 1, 0)
        gaps = tiled[~covered]
        assert (np.isnan(gaps).all() if np.isnan(fill) else (gaps == fill).all())
        assert covered.sum() == values.size
