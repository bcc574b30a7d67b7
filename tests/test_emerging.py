"""Tests for bingeo/emerging.py: Mann-Kendall against pymannkendall, space-time Gi* against esda, categories."""

from __future__ import annotations

import warnings
from pathlib import Path

import esda  # test dependency: a missing esda fails, never skips
import libpysal
import numpy as np
import pandas as pd
import pymannkendall  # test dependency: a missing pymannkendall fails, never skips
import pytest
from scipy import sparse

from bingeo.emerging import CATEGORIES, EmergingHotSpots, mann_kendall, time_steps
from bingeo.errors import InputError


def _pymk(series: np.ndarray) -> tuple[float, float, float, float]:
    r = pymannkendall.original_test(series)
    return float(r.Tau), float(r.z), float(r.p), float(r.var_s)


# ------------------------------------------------------------------ Mann-Kendall


@pytest.mark.parametrize("kind", ["counts", "wide counts", "huge counts", "floats", "float ties"])
def test_mann_kendall_equals_pymannkendall_on_every_series(kind):
    rng = np.random.default_rng(7)
    n, m = 17, 60
    if kind == "counts":
        x = rng.poisson(1.5, size=(n, m))
        x[:, 0] = 3  # constant: S = 0, variance 0
        x[:, 1] = np.arange(n)  # a perfect trend
    elif kind == "wide counts":  # ties counted per value of each series at once
        x = rng.integers(0, 50, size=(n, m))
    elif kind == "huge counts":  # ties found by sorting
        x = rng.integers(0, 10**6, size=(n, m))
        x[3] = x[5]
    elif kind == "floats":
        x = rng.normal(size=(n, m)) + np.linspace(0, 1, n)[:, None] * rng.normal(size=m)
    else:
        x = rng.integers(0, 4, size=(n, m)) * 0.37 - 0.5  # floats with many ties
    mk = mann_kendall(x)
    for j in range(m):
        tau, z, p, var_s = _pymk(x[:, j])
        assert mk.tau[j] == pytest.approx(tau, abs=1e-9)
        assert mk.z[j] == pytest.approx(z, abs=1e-9)
        assert mk.p[j] == pytest.approx(p, abs=1e-9)
        assert mk.var_s[j] == pytest.approx(var_s, abs=1e-9)


def test_mann_kendall_rejects_nan():
    with pytest.raises(InputError, match="NaN"):
        mann_kendall([1.0, np.nan, 2.0])


# ------------------------------------------------------------------ space-time Gi* against esda


def _space_time_w(n_t: int, nr: int, nc: int, k: int) -> libpysal.weights.W:
    """Queen neighbours (self added by esda's star) in the same step and the k steps before, as a W."""
    queen = libpysal.weights.lat2W(nr, nc, rook=False).sparse.tocsr()
    eye = sparse.identity(nr * nc, format="csr")
    blocks = [[None] * n_t for _ in range(n_t)]
    for t in range(n_t):
        for s in range(n_t):
            if t == s:
                blocks[t][s] = queen
            elif 0 < t - s <= k:
                blocks[t][s] = queen + eye  # the cell itself and its neighbours in an earlier step
    w = sparse.bmat(blocks, format="csr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return libpysal.weights.WSP(w).to_W()


def _esda_z(values: np.ndarray, w: libpysal.weights.W) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(values.astype(float), w, star=True, transform="B", permutations=0).Zs


@pytest.mark.parametrize("k", [0, 1, 2], ids=["spatial only", "window 1", "window 2"])
def test_space_time_gi_equals_esda_on_the_space_time_weights(k):
    rng = np.random.default_rng(3)
    cube = rng.poisson(2.0, size=(5, 6, 7))
    cube[3:, 2:4, 2:4] += 6
    ehs = EmergingHotSpots(time_window=k).fit(cube)
    ref = _esda_z(cube.ravel(), _space_time_w(*cube.shape, k))
    np.testing.assert_allclose(ehs.z.ravel(), ref, rtol=0, atol=1e-9)


def test_spatial_only_gi_of_a_single_step_equals_esda():
    # two steps with the same counts: the cube's mean and variance are those of one step, and with
    # time_window=0 each step's Gi* is the one-step Gi* of esda on the spatial neighbourhood
    rng = np.random.default_rng(5)
    step = rng.poisson(3.0, size=(8, 9))
    ehs = EmergingHotSpots(time_window=0).fit(np.stack([step, step]))
    n = step.size
    ref = _esda_z(step.ravel(), libpysal.weights.lat2W(8, 9, rook=False))
    # esda's one-step z uses n cells; the cube's 2n bins: rescale the variance term exactly
    w = ehs.cardinality[0].ravel().astype(float)
    scale = np.sqrt((w * (n - w) / (n - 1)) / (w * (2 * n - w) / (2 * n - 1)))
    np.testing.assert_allclose(ehs.z[0].ravel(), ref * scale, rtol=0, atol=1e-9)


@pytest.mark.parametrize(("k", "lam"), [(0, 0.3), (1, 1.0), (1, 0.2), (2, 0.5)])
def test_z_trend_equals_pymannkendall_on_the_z_series_of_every_location(k, lam):
    rng = np.random.default_rng(11)
    cube = rng.poisson(lam, size=(14, 6, 6))  # a small mean: many ties
    cube[7:, 1:3, 1:3] += np.arange(7)[:, None, None]
    ehs = EmergingHotSpots(time_window=k).fit(cube)
    for j, (r, c) in enumerate(zip(ehs.rows, ehs.cols)):
        tau, z, p, _ = _pymk(ehs.z[:, r, c])
        assert ehs.trend.z[j] == pytest.approx(z, abs=1e-9)
        assert ehs.trend.p[j] == pytest.approx(p, abs=1e-9)
        assert ehs.trend.tau[j] == pytest.approx(tau, abs=1e-9)
        tau, z, p, _ = _pymk(cube[:, r, c])
        assert ehs.count_trend.z[j] == pytest.approx(z, abs=1e-9)
        assert ehs.count_trend.p[j] == pytest.approx(p, abs=1e-9)


# ------------------------------------------------------------------ categories on constructed cubes

T = 20
HOT, BASE, COLD = 30, 10, 0


def _at(steps: list[int], value: int, other: int = BASE) -> list[int]:
    return [value if t in steps else other for t in range(T)]


CASES = {
    "No Pattern Detected": [BASE] * T,
    "New Hot Spot": _at([19], HOT),
    "Consecutive Hot Spot": _at([17, 18, 19], HOT),
    "Intensifying Hot Spot": [20 + t for t in range(T)],
    "Persistent Hot Spot": [HOT] * T,
    "Diminishing Hot Spot": [45 - t for t in range(T)],
    "Sporadic Hot Spot": _at([3, 9, 14, 19], HOT),
    "Oscillating Hot Spot": [COLD if t == 5 else HOT if t in (10, 19) else BASE for t in range(T)],
    "Historical Hot Spot": [HOT] * (T - 1) + [BASE],
    "New Cold Spot": _at([19], COLD),
    "Consecutive Cold Spot": _at([17, 18, 19], COLD),
    "Intensifying Cold Spot": [max(0, 6 - t // 3) for t in range(T)],
    "Persistent Cold Spot": [COLD] * T,
    "Diminishing Cold Spot": [min(6, t // 3) for t in range(T)],
    "Sporadic Cold Spot": _at([3, 9, 14, 19], COLD),
    "Oscillating Cold Spot": [HOT if t == 5 else COLD if t in (10, 19) else BASE for t in range(T)],
    "Historical Cold Spot": [COLD] * (T - 1) + [BASE],
}


def test_every_category_has_a_constructed_case():
    assert set(CASES) == set(CATEGORIES)


@pytest.mark.parametrize("expected", list(CASES), ids=list(CASES))
def test_category_of_a_constructed_cube(expected):
    t, r, c = np.meshgrid(np.arange(T), np.arange(15), np.arange(15), indexing="ij")
    cube = BASE + (r + 2 * c + 3 * t) % 3 - 1  # background 9..11
    cube[:, 6:9, 6:9] = np.asarray(CASES[expected])[:, None, None]
    ehs = EmergingHotSpots(time_window=0).fit(cube)
    assert ehs.category_grid()[7, 7] == expected


# ------------------------------------------------------------------ time steps and options


def test_time_steps_drop_a_partial_last_step_and_say_so():
    d = pd.Series(pd.to_datetime(["2023-01-02", "2023-03-31 23:00", "2023-04-03", "2023-04-05"], format="ISO8601"))
    step, edges, notes = time_steps(d, "month")
    assert step.tolist() == [0, 2, -1, -1]
    assert len(edges) == 4 and edges[0] == pd.Timestamp("2023-01-01")
    assert "partial" in notes[1] and "2 incidents" in notes[1]
    with pytest.raises(InputError, match="at least 2"):
        time_steps(d, "year")


def test_time_steps_from_to_and_weeks():
    d = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-20", "2024-02-01"]))
    step, edges, _ = time_steps(d, "week", start="2024-01-01", end="2024-01-21")
    assert step.tolist() == [0, 1, 2, -1] and len(edges) == 4
    with pytest.raises(InputError, match="week, month, quarter, year"):
        time_steps(d, "fortnight")


def test_bad_options_are_clear():
    with pytest.raises(InputError, match="`time_window` must be a whole number"):
        EmergingHotSpots(time_window=-1)
    with pytest.raises(InputError, match="cube of counts"):
        EmergingHotSpots().fit(np.ones((3, 3)))


@pytest.mark.parametrize("k", [0, 1])
def test_weighted_cube_equals_esda_and_pymannkendall(k):
    """An aoristic cube (sums of weights): Gi* as esda on the floats, both trends as pymannkendall."""
    rng = np.random.default_rng(17 + k)
    cube = rng.poisson(1.0, size=(9, 5, 6)) * rng.choice([0.25, 0.5, 1.0, 1 / 3], size=(9, 5, 6))
    cube[5:, 1:3, 1:3] += 2.5
    ehs = EmergingHotSpots(time_window=k).fit(cube)
    np.testing.assert_allclose(ehs.z.ravel(), _esda_z(cube.ravel(), _space_time_w(*cube.shape, k)), rtol=0, atol=1e-9)
    for j, (r, c) in enumerate(zip(ehs.rows, ehs.cols)):
        tau, z, p, _ = _pymk(ehs.z[:, r, c])
        assert ehs.trend.z[j] == pytest.approx(z, abs=1e-9) and ehs.trend.tau[j] == pytest.approx(tau, abs=1e-9)
        tau, z, p, _ = _pymk(cube[:, r, c])
        assert ehs.count_trend.z[j] == pytest.approx(z, abs=1e-9) and ehs.count_trend.p[j] == pytest.approx(p, abs=1e-9)


def test_incidents_in_degrees_give_cells_and_a_summary_in_degrees():
    """Incidents in WGS84 (as a portal publishes them): the cube is built in metres, the cells are given back in
    degrees, and the summary names each ranked cell's centre in degrees (no geographic-CRS centroid)."""
    from bingeo.emerging import find_emerging
    from bingeo.readers import read_points

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    pts = read_points(samples / "incidents.csv", crs=28992).points.to_crs(4326)
    res = find_emerging(pts, interval="quarter", type_field="soort_delict", types="woninginbraak")
    assert res.locations.crs.to_epsg() == 4326 and len(res.emerging)
    text = res.summary()
    first = res.emerging.iloc[0]
    xs = (first.geometry.bounds[0] + first.geometry.bounds[2]) / 2
    assert f"centre {xs:.5f}," in text
