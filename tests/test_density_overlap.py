"""Density with several workers: the rim painted in the calling thread while the FFT side runs beside it.

The raster must be the one of a single worker, bit for bit, and within 1e-5
of a brute-force sum of QGIS's kernel; progress and cancellation stay in the
calling thread (the QGIS plugin's feedback is called from there), and a
cancelled run returns an incomplete raster instead of hanging.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import bingeo.density as density
from bingeo.density import kernel_density
from tests.test_density_fast_paths import CRS, brute_force, clustered


@pytest.mark.parametrize("kernel", ["epanechnikov", "triangular", "uniform"])
def test_overlapped_rim_equals_one_worker_and_the_brute_force(monkeypatch, kernel):
    monkeypatch.setattr(density, "_CELLS_CHUNK", 600)  # many rim chunks while the FFT side runs
    x, y = clustered(4_000, 21)
    opts = {"xy": (x, y), "crs": CRS, "cell_size": 100, "radius": 1000, "kernel": kernel, "method": "fast"}
    one = kernel_density(None, workers=1, **opts)
    assert "overlapped" not in one.timings
    ref, reached = brute_force(x, y, r=1000.0, p=100.0, kernel=kernel)
    np.testing.assert_array_equal(one.reached, reached)
    assert np.abs(one.values - ref).max() <= 1e-5 * np.abs(ref).max()
    for n in (2, 3):
        main = threading.get_ident()
        callers: set[int] = set()
        many = kernel_density(None, workers=n, progress=lambda f: callers.add(threading.get_ident()), **opts)
        assert "overlapped" in many.timings  # the two halves ran side by side
        assert callers == {main}  # progress only from the calling thread
        np.testing.assert_array_equal(many.values, one.values)
        np.testing.assert_array_equal(many.reached, one.reached)
        assert many.error_bound == one.error_bound


def test_a_fit_without_rim_does_not_overlap():
    x, y = clustered(3_000, 22)
    opts = {"xy": (x, y), "crs": CRS, "cell_size": 100, "radius": 1000, "kernel": "quartic", "method": "fast"}
    one = kernel_density(None, workers=1, **opts)
    two = kernel_density(None, workers=2, **opts)
    assert "overlapped" not in two.timings
    np.testing.assert_array_equal(two.values, one.values)


def test_cancelling_while_the_fft_side_runs_returns_an_incomplete_raster(monkeypatch):
    monkeypatch.setattr(density, "_CELLS_CHUNK", 300)
    x, y = clustered(3_000, 23)
    main = threading.get_ident()
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(threading.get_ident())
        return len(asked) > 3  # after a few rim chunks

    kde = kernel_density(
        None,
        xy=(x, y),
        crs=CRS,
        cell_size=100,
        radius=1000,
        kernel="epanechnikov",
        method="fast",
        workers=2,
        is_cancelled=cancelled,
    )
    assert not kde.complete and 0 < kde.n_points < x.size
    assert set(asked) == {main}
