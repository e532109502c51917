"""Comparing sweep results."""

import numpy as np


def _values(x, output):
    ds = x if hasattr(x, "data_vars") else x.dataset
    return np.ascontiguousarray(ds[output].values, dtype=np.float64)


def assert_bitwise(a, b, outputs) -> None:
    """Same NaN positions and the same bits in every other number, for each output (Datasets or results)."""
    for o in outputs:
        x, y = _values(a, o), _values(b, o)
        assert x.shape == y.shape, o
        nx, ny = np.isnan(x), np.isnan(y)
        assert np.array_equal(nx, ny), f"{o}: NaN at different points"
        assert x[~nx].tobytes() == y[~ny].tobytes(), f"{o}: not bit-identical (max diff {np.max(np.abs(x - y)):g})"


def block_points(sw, tasks) -> int:
    """Points in the given blocks of a sweep."""
    return sum(int(np.prod([s.stop - s.start for s in sw.task_slices(t)])) for t in tasks)
