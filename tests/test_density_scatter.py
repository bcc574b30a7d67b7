"""The density's rim scattered through SciPy's loop, and FFT terms taken by whichever thread is free.

Issue 14, eighth session. ``_Scatter`` adds the rim's values with SciPy's
``coo_todense`` loop (GIL released) instead of ``numpy.add.at``: the sums must
be numpy's, bit for bit, whatever the order of the cells and with repeats, and
a scatter past the buffer must raise instead of writing out of bounds. With
several workers the thread that painted the rim then takes the FFT terms the
other side has not begun (``_Claims``): the raster must stay the one of a
single worker, bit for bit, and within 1e-5 of a brute-force sum of QGIS's
kernel (``tests/test_density_fast_paths.brute_force``), also on real
burglaries (Nottingham 2022, whose positions are rounded: many repeats).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import bingeo.density as density
from bingeo.density import kernel_density
from tests.test_density_fast_paths import CRS, brute_force, clustered

RIM_KERNELS = ["triangular", "epanechnikov", "uniform"]


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view("uint32" if a.dtype == np.float32 else "uint64")


@pytest.mark.parametrize("order", ["sorted", "shuffled"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_scatter_sums_equal_numpy_add_at_bit_for_bit(dtype, order):
    rng = np.random.default_rng(3)
    rel = np.sort(rng.integers(0, 400, 5_000))  # ~12 repeats a cell
    if order == "shuffled":
        rel = rng.permutation(rel)
    want = rng.normal(size=1_000).astype(dtype)
    got = want.copy()
    scatter = density._Scatter(rel)
    assert scatter.loop is not None  # SciPy's loop is used (else this compares numpy.add.at with itself)
    for start in (0, 7, 599):
        v = (rng.normal(size=rel.size) * 10.0 ** rng.integers(-6, 7, rel.size)).astype(dtype)  # rounding matters
        np.add.at(want[start:], rel, v)
        scatter.add(got, start, v)
    np.testing.assert_array_equal(_bits(got), _bits(want))


def test_scatter_past_the_buffer_raises_instead_of_writing_out_of_bounds():
    scatter = density._Scatter(np.array([0, 3, 9]))
    buf = np.zeros(12, "float32")
    scatter.add(buf, 2, np.ones(3, "float32"))  # reaches buf[11]: fits
    with pytest.raises(IndexError, match="past the buffer"):
        scatter.add(buf, 3, np.ones(3, "float32"))
    with pytest.raises(ValueError, match="negative"):
        density._Scatter(np.array([-1, 2]))
    assert buf.sum() == 3.0


@pytest.mark.parametrize("kernel", RIM_KERNELS)
def test_rasters_equal_those_painted_with_numpy_add_at(monkeypatch, kernel):
    x, y = clustered(3_000, 31)
    opts = {"xy": (x, y), "crs": CRS, "cell_size": 100, "radius": 1000, "kernel": kernel, "workers": 1}
    fast = kernel_density(None, method="fast", **opts)
    exact = kernel_density(None, method="exact", **opts)
    monkeypatch.setattr(density, "_coo_todense", lambda: None)  # numpy.add.at everywhere
    for got, method in ((fast, "fast"), (exact, "exact")):
        ref = kernel_density(None, method=method, **opts)
        np.testing.assert_array_equal(_bits(got.values), _bits(ref.values))
        np.testing.assert_array_equal(got.reached, ref.reached)


def test_claims_hand_out_every_task_once_and_keep_the_order():
    claims = density._Claims(range(40))
    seen: list[int] = []
    lock = threading.Lock()

    def task(i: int) -> int:
        with lock:
            seen.append(i)
        time.sleep(0.001)
        return i * i

    claims.open()
    helpers = [threading.Thread(target=claims.work, args=(task,)) for _ in range(3)]
    for t in helpers:
        t.start()
    claims.work(task)
    for t in helpers:
        t.join()
    assert sorted(seen) == list(range(40))
    assert claims.wait() == [i * i for i in range(40)]


def test_claims_pass_a_takers_error_on_and_stop():
    claims = density._Claims(range(10))
    claims.open()

    def task(i: int) -> int:
        if i == 3:
            raise ZeroDivisionError("term 3")
        return i

    with pytest.raises(ZeroDivisionError):
        claims.work(task)
    assert claims.work(task) == 0  # nothing more is handed out
    with pytest.raises(ZeroDivisionError, match="term 3"):
        claims.wait()
    stopped = density._Claims(range(4))
    stopped.close()
    assert stopped.work(task) == 0
    with pytest.raises(RuntimeError, match="stopped"):
        stopped.wait()


def _slow_fft_side(monkeypatch: pytest.MonkeyPatch, main: int, *, fail_here: bool = False) -> None:
    """Slow the FFT side's term transforms down, so that the calling thread takes terms; or fail there."""
    grid = density._Conv.grid

    def slowed(self, flat, workers=None):
        if threading.get_ident() != main:
            time.sleep(0.03)
        elif fail_here:
            raise MemoryError("no memory for a term")
        return grid(self, flat, workers)

    monkeypatch.setattr(density._Conv, "grid", slowed)


@pytest.mark.parametrize("kernel", ["triangular", "epanechnikov"])  # uniform counts: one term only
def test_terms_taken_by_the_rims_thread_give_the_one_worker_raster(monkeypatch, kernel):
    x, y = clustered(3_000, 32)
    opts = {"xy": (x, y), "crs": CRS, "cell_size": 100, "radius": 1000, "kernel": kernel, "method": "fast"}
    one = kernel_density(None, workers=1, **opts)
    _slow_fft_side(monkeypatch, threading.get_ident())
    two = kernel_density(None, workers=2, **opts)
    assert two.timings["terms_here"] >= 1  # the calling thread did take terms
    np.testing.assert_array_equal(_bits(two.values), _bits(one.values))
    np.testing.assert_array_equal(two.reached, one.reached)
    ref, reached = brute_force(x, y, r=1000.0, p=100.0, kernel=kernel)
    np.testing.assert_array_equal(one.reached, reached)
    assert np.abs(one.values - ref).max() <= 1e-5 * np.abs(ref).max()


def test_an_error_in_a_term_taken_by_the_rims_thread_is_raised_not_hung(monkeypatch):
    x, y = clustered(2_000, 33)
    _slow_fft_side(monkeypatch, threading.get_ident(), fail_here=True)
    t0 = time.perf_counter()
    with pytest.raises(MemoryError, match="no memory for a term"):
        kernel_density(
            None, xy=(x, y), crs=CRS, cell_size=100, radius=1000, kernel="triangular", method="fast", workers=2
        )
    assert time.perf_counter() - t0 < 30


def test_real_burglaries_equal_the_brute_force_with_one_and_two_workers(real):
    import pandas as pd
    from pyproj import Transformer

    table = pd.read_csv(real / "uk_nottingham" / "nottingham_burglary_2022.csv.gz")
    table = table.dropna(subset=["longitude", "latitude"])
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(table["longitude"], table["latitude"])
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    assert x.size > 1_000
    for kernel in ("triangular", "epanechnikov"):
        opts = {"xy": (x, y), "crs": 27700, "cell_size": 50, "radius": 500, "kernel": kernel, "method": "fast"}
        one = kernel_density(None, workers=1, **opts)
        two = kernel_density(None, workers=2, **opts)
        np.testing.assert_array_equal(_bits(two.values), _bits(one.values))
        ref, reached = brute_force(x, y, r=500.0, p=50.0, kernel=kernel)
        np.testing.assert_array_equal(one.reached, reached)
        assert np.abs(one.values - ref).max() <= max(one.error_bound, 1e-5 * np.abs(ref).max())


@pytest.mark.parametrize("odd", ["none", "nan point", "empty point", "multipoint"])
def test_points_read_without_their_types_unless_a_coordinate_is_missing(odd):
    import geopandas as gpd
    from shapely.geometry import MultiPoint, Point

    x, y = clustered(500, 34)
    plain = gpd.GeoDataFrame({"w": np.ones(x.size)}, geometry=gpd.points_from_xy(x, y), crs=CRS)
    extra = {"none": None, "nan point": Point(np.nan, np.nan), "empty point": Point(), "multipoint": None}[odd]
    mixed = plain.copy()
    if odd == "multipoint":  # the last two points as one multipoint: the same coordinates, read as parts
        mixed = plain.iloc[:-2].copy()
        mixed.loc[len(mixed)] = [1.0, MultiPoint([(x[-2], y[-2]), (x[-1], y[-1])])]
    else:
        mixed.loc[len(mixed)] = [1.0, extra]
    opts = {"cell_size": 100, "radius": 1000, "kernel": "triangular", "method": "fast", "workers": 2}
    want = kernel_density(plain, **opts)
    got = kernel_density(mixed, **opts)
    assert got.n_points == want.n_points == x.size
    np.testing.assert_array_equal(got.values, want.values)


def test_terms_that_are_rounding_noise_are_left_out(monkeypatch):
    g = density._qgis_grid((150_000.0, 450_000.0, 158_000.0, 458_000.0), 100.0, 1000.0)
    st = density._choose_stamps("epanechnikov", g, 0.0)
    pairs = density._basis_pairs(st.deg)
    live = [pairs[m] for m in density._live_terms(st)]
    assert (1, 1) not in live and len(live) == 5  # 1 - |D + u|**2 has no ux * uy term: its stamp is noise
    assert np.abs(st.coef[pairs.index((1, 1))]).max() < 1e-12 * np.abs(st.coef).max()
    x, y = clustered(3_000, 35)
    opts = {"xy": (x, y), "crs": CRS, "cell_size": 100, "radius": 1000, "kernel": "epanechnikov", "method": "fast"}
    kept = kernel_density(None, **opts)
    monkeypatch.setattr(density, "_live_terms", lambda st: [m for m in range(st.coef.shape[0]) if st.coef[m].any()])
    every = kernel_density(None, **opts)
    assert np.abs(kept.values - every.values).max() <= 1e-6 * np.abs(every.values).max()
