"""The fast paths of bingeo.density added for issue 14, against a brute-force sum of QGIS's kernel.

``brute_force`` below evaluates, for every point and every cell of its QGIS
window, QGIS's distance (its doubles, its vertical half-cell quirk) and kernel,
in numpy (independent of bingeo's chunking, FFTs and stamps). The uniform
kernel with unit weights is now counted (FFT of the counts + the rim counted
point by point): its values must equal the brute force exactly, also with
coordinates snapped to whole metres (distances tie with the radius).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import bingeo.density as density
from bingeo.density import kernel_density, raw_kernel

CRS = "EPSG:28992"


def brute_force(x: np.ndarray, y: np.ndarray, *, r: float, p: float, kernel: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (values, reached) of QGIS's heat map: every point's whole window, cell by cell, in float64."""
    xmin, ymin, xmax, ymax = x.min() - r, y.min() - r, x.max() + r, y.max() + r
    rows = int(max(math.ceil((ymax - ymin) / p) + 1, 1.0))
    cols = int(max(math.ceil((xmax - xmin) / p) + 1, 1.0))
    b = int(r / p) + (1 if r - p * int(r / p) > 0.5 else 0)
    steps = np.arange(2 * b + 1)
    x_pos = ((x - xmin) / p - b).astype("int64")  # truncation towards zero, as C's cast
    y_pos = ((y - ymin) / p - b).astype("int64")
    y_io = ((ymax - y) / p - b).astype("int64")
    cx = (x_pos[:, None] + steps + 0.5) * p + xmin  # (n, k): block column xp
    cy = (y_pos[:, None] + steps + 0.5) * p + ymin  # (n, k): block row yp (counted upwards, QGIS's quirk)
    d = np.sqrt((cx[:, None, :] - x[:, None, None]) ** 2 + (cy[:, :, None] - y[:, None, None]) ** 2)  # (n, yp, xp)
    inside = d <= r
    v = np.where(inside, raw_kernel(kernel, d, r, 0.0), 0.0)
    flat = (y_io[:, None, None] + steps[None, :, None]) * cols + (x_pos[:, None, None] + steps[None, None, :])
    values = np.bincount(flat.ravel(), weights=v.ravel(), minlength=rows * cols).reshape(rows, cols)
    reached = np.bincount(flat.ravel(), weights=inside.ravel(), minlength=rows * cols).reshape(rows, cols) > 0
    return values, reached


def clustered(n: int, seed: int, snap: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 8_000, (6, 2)) + (150_000, 450_000)
    xy = centres[rng.integers(0, 6, n)] + rng.normal(0, 400, (n, 2))
    xy[: n // 3] = rng.uniform(0, 8_000, (n // 3, 2)) + (150_000, 450_000)
    if snap:
        xy = np.round(xy / snap) * snap
    return xy[:, 0].copy(), xy[:, 1].copy()


@pytest.mark.parametrize("snap", [None, 1.0], ids=["float", "snapped"])
@pytest.mark.parametrize(("r", "p"), [(1000.0, 100.0), (1001.0, 100.0), (250.0, 50.0)])
def test_uniform_counts_equal_the_brute_force(snap, r, p):
    x, y = clustered(6_000, 7, snap)
    ref, reached = brute_force(x, y, r=r, p=p, kernel="uniform")
    kde = kernel_density(None, xy=(x, y), crs=CRS, cell_size=p, radius=r, kernel="uniform", method="fast")
    assert kde.method == "fast" and "rows" not in kde.timings  # the counting path, not the row-by-row one
    np.testing.assert_array_equal(kde.reached, reached)
    np.testing.assert_array_equal(kde.values, ref)
    assert kde.error_bound == 0.0


@pytest.mark.parametrize("kernel", ["epanechnikov", "triangular"])  # exact rims: far within 1e-5
def test_fast_kernels_within_1e5_of_the_brute_force(kernel):
    x, y = clustered(6_000, 8)
    ref, reached = brute_force(x, y, r=1000.0, p=100.0, kernel=kernel)
    for workers in (1, 2):
        kde = kernel_density(
            None, xy=(x, y), crs=CRS, cell_size=100, radius=1000, kernel=kernel, method="fast", workers=workers
        )
        np.testing.assert_array_equal(kde.reached, reached)
        assert np.abs(kde.values - ref).max() <= 1e-5 * np.abs(ref).max()


def test_uniform_counting_falls_back_to_rows_when_counts_are_too_large(monkeypatch):
    x, y = clustered(3_000, 9)
    monkeypatch.setattr(density, "_FFT_ROUNDING", 1.0)  # any count over 0.25 is then "unsafe" to round
    kde = kernel_density(None, xy=(x, y), crs=CRS, cell_size=100, radius=1000, kernel="uniform", method="fast")
    assert "rows" in kde.timings
    ref, reached = brute_force(x, y, r=1000.0, p=100.0, kernel="uniform")
    np.testing.assert_array_equal(kde.reached, reached)
    np.testing.assert_array_equal(kde.values, ref)


@pytest.mark.parametrize("kernel", ["uniform", "epanechnikov", "triangular"])
def test_workers_identical_on_the_new_paths(monkeypatch, kernel):
    monkeypatch.setattr(density, "_CELLS_CHUNK", 500)  # many chunks in flight
    x, y = clustered(5_000, 10)
    opts = {"xy": (x, y), "crs": CRS, "cell_size": 100, "radius": 1000, "kernel": kernel, "method": "fast"}
    one = kernel_density(None, workers=1, **opts)
    for n in (2, 3):
        many = kernel_density(None, workers=n, **opts)
        np.testing.assert_array_equal(many.values, one.values)
        np.testing.assert_array_equal(many.reached, one.reached)
