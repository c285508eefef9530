"""The fast percentile equals NumPy's for every kind of input the lessons give it."""

import numpy as np
import pytest

from explainer.core.levels import percentile


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8])
@pytest.mark.parametrize("q", [0, 5, 50, 99.5, 100, 37.25])
def test_percentile_equals_numpy(dtype, q):
    rng = np.random.default_rng(int(q * 10) + np.dtype(dtype).itemsize)
    for size in (1, 2, 3, 7, 100, 1001, 24 * 32 * 32):
        raw = rng.standard_exponential(size) * 50
        values = raw.astype(dtype)
        assert percentile(values, q) == float(np.percentile(values, q)), (size, q, dtype)


def test_percentile_of_maps_with_ties_and_negative_values():
    rng = np.random.default_rng(1)
    maps = np.maximum(rng.normal(size=(24, 16, 16)), 0).astype(np.float32)  # ReLU maps: many exact zeros
    for q in (1, 50, 99.5):
        assert percentile(maps, q) == float(np.percentile(maps, q))
    signed = rng.normal(size=(3, 5)).astype(np.float32) * 1e-20
    assert percentile(signed, 99.5) == float(np.percentile(signed, 99.5))


def test_percentile_refuses_what_has_no_percentile():
    with pytest.raises(ValueError, match="no values"):
        percentile(np.zeros(0), 50)
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile(np.ones(3), 101)
    with pytest.raises(ValueError, match="NaN"):
        percentile(np.array([1.0, np.nan, 2.0]), 50)
    for q in (0, 30, 99.5, 100):  # wherever the rank falls: among the values ≤ 0 or the others
        with pytest.raises(ValueError, match="NaN"):
            percentile(np.array([-1.0, -2.0, -3.0, 0.0, np.nan, 4.0], np.float32), q)
    with pytest.raises(ValueError, match="numbers"):
        percentile(np.array(["a", "b"]), 50)


def test_percentile_where_the_rank_meets_the_zeros():
    """Values ≤ 0 and above 0 are selected apart: every rank, at and around where the two meet, as NumPy."""
    rng = np.random.default_rng(7)
    for trial in range(300):
        size = int(rng.integers(1, 60))
        kind = trial % 4
        values = rng.normal(size=size) * 10
        if kind == 1:
            values = np.maximum(values, 0)  # ReLU: exact zeros
        elif kind == 2:
            values = np.round(values) * (rng.random(size) < 0.3)  # mostly zeros, ties above and below
        elif kind == 3:
            values = -np.abs(values)  # nothing above 0
        values = values.astype([np.float32, np.float64, np.int64][trial % 3])
        n_low = int((values <= 0).sum())
        qs = [0, 100, 50, 99.5, float(rng.uniform(0, 100))]
        if size > 1:  # the ranks just below, at and above the last value ≤ 0
            qs += [100 * min(max(r, 0), size - 1) / (size - 1) for r in (n_low - 1.5, n_low - 1, n_low - 0.5, n_low)]
        for q in qs:
            assert percentile(values, q) == float(np.percentile(values, q)), (values, q)
    for dtype in (np.uint8, np.float32):
        zeros = np.zeros(1000, dtype)
        zeros[-3:] = 7
        for q in (0, 99.5, 99.8, 100):
            assert percentile(zeros, q) == float(np.percentile(zeros, q))
