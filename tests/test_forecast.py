"""Tests for bingeo/forecast.py: ProMap and the kernel against brute force, scores on hand-computed fixtures."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from bingeo.errors import InputError
from bingeo.forecast import (
    FALLBACK_RADIUS,
    FALLBACK_WINDOW_DAYS,
    METHODS,
    backtest,
    forecast,
    kde_risk,
    promap_risk,
    score_cells,
    top_cells,
)
from bingeo.hotspots import Grid

# ------------------------------------------------------------------ brute force references


def _brute_promap(x, y, days, grid, as_of, radius, window):
    """Per cell, per incident: the ProMap formula as written in Bowers et al. (2004), in plain Python."""
    s = grid.cell_size
    out = [[0.0] * grid.ncols for _ in range(grid.nrows)]
    for r in range(grid.nrows):
        for c in range(grid.ncols):
            for xi, yi, ti in zip(x, y, days):
                if not (as_of - window <= ti < as_of):
                    continue
                ci = math.floor((xi - grid.x0) / s)
                ri = grid.nrows - 1 - math.floor((yi - grid.y0) / s)
                if not (0 <= ci < grid.ncols and 0 <= ri < grid.nrows):
                    continue
                d = math.sqrt((r - ri) ** 2 + (c - ci) ** 2)
                if d * s > radius:
                    continue
                weeks = (as_of - ti - 1) // 7
                out[r][c] += (1.0 / (1.0 + d)) * (1.0 / (1.0 + weeks))
    return np.array(out)


def _brute_promap_vectorised_per_incident(x, y, days, grid, as_of, radius, window):
    """The same, one incident at a time over all cells (for real data): per cell the terms in incident order."""
    s = grid.cell_size
    rr, cc = np.meshgrid(np.arange(grid.nrows), np.arange(grid.ncols), indexing="ij")
    out = np.zeros(grid.shape)
    for xi, yi, ti in zip(x, y, days):
        if not (as_of - window <= ti < as_of):
            continue
        ci = math.floor((xi - grid.x0) / s)
        ri = grid.nrows - 1 - math.floor((yi - grid.y0) / s)
        if not (0 <= ci < grid.ncols and 0 <= ri < grid.nrows):
            continue
        d = np.sqrt(((rr - ri) ** 2 + (cc - ci) ** 2).astype(float))
        w = (1.0 / (1.0 + d)) * (1.0 / (1.0 + (as_of - ti - 1) // 7))
        out = np.where(d * s <= radius, out + w, out)
    return out


def _brute_kde(x, y, grid, radius):
    s = grid.cell_size
    out = [[0.0] * grid.ncols for _ in range(grid.nrows)]
    for r in range(grid.nrows):
        for c in range(grid.ncols):
            cx = grid.x0 + (c + 0.5) * s
            cy = grid.y0 + (grid.nrows - r - 0.5) * s
            for xi, yi in zip(x, y):
                if not (grid.x0 <= xi < grid.x0 + grid.ncols * s and grid.y0 <= yi < grid.y0 + grid.nrows * s):
                    continue
                d2 = (cx - xi) * (cx - xi) + (cy - yi) * (cy - yi)
                if d2 <= radius * radius:
                    out[r][c] += (1.0 - d2 / (radius * radius)) ** 2
    return np.array(out)


# ------------------------------------------------------------------ ProMap


def test_promap_equals_brute_force_on_a_constructed_case():
    rng = np.random.default_rng(3)
    grid = Grid(1000.0, 2000.0, 50.0, 14, 17)
    n = 60
    x = rng.uniform(950, 1900, n)  # some outside the grid on the left
    y = rng.uniform(2000, 2700, n)
    x[:5] = 1000 + 50 * rng.integers(0, 17, 5)  # on cell edges
    days = rng.integers(100, 200, n)
    for radius, window in ((200.0, 60), (50.0, 14), (141.43, 30), (0.0, 100)):
        got = promap_risk(x, y, days, grid, as_of=180, radius=radius, window_days=window)
        ref = _brute_promap(x, y, days, grid, 180, radius, window)
        assert np.array_equal(got, ref), (radius, window)
    assert got.sum() > 0


def test_promap_weights_by_hand():
    g = Grid(0, 0, 100, 1, 4)
    # one incident yesterday in cell 0 (1 week bucket 0), one 8 days ago in cell 1 (bucket 1: weight 1/2)
    risk = promap_risk([50, 150], [50, 50], [9, 2], g, as_of=10, radius=200, window_days=60)
    assert risk.tolist() == [[1 + 0.5 * 0.5, 0.5 + 0.5, 1 / 3 + 0.5 * 0.5, 0.5 * (1 / 3)]]
    # the window: 8 days ago is out with a 7-day window; today is never used
    assert promap_risk([50, 150], [50, 50], [10, 2], g, as_of=10, radius=200, window_days=7).sum() == 0


def test_promap_with_a_study_area_mask():
    g = Grid(0, 0, 100, 2, 2, mask=np.array([[True, False], [True, True]]))
    risk = promap_risk([50], [150], [0], g, as_of=1, radius=150, window_days=5)
    assert risk.tolist() == [[1.0, 0.0], [0.5, 1 / (1 + math.sqrt(2))]]  # top right: outside the study area
    assert promap_risk([50], [150], [0], g, as_of=1, radius=100, window_days=5)[1, 1] == 0  # diagonal beyond 100 m


def _vancouver(real, years=(2024, 2025)):
    van = real / "vancouver"
    raw = pd.concat([pd.read_csv(van / f"vpd_crimedata_AllNeighbourhoods_{y}.csv.gz") for y in years])
    raw = raw[(raw["TYPE"] == "Break and Enter Residential/Other") & (raw["X"] > 0)]
    day = pd.to_datetime(raw[["YEAR", "MONTH", "DAY"]]).to_numpy().astype("datetime64[D]").astype(np.int64)
    return raw, day


def test_promap_and_kde_equal_brute_force_on_vancouver_burglaries(real):
    raw, day = _vancouver(real, (2025,))
    x, y = raw["X"].to_numpy(float), raw["Y"].to_numpy(float)
    grid = Grid.from_extent((x.min(), y.min(), x.max(), y.max()), 150.0, 26910)
    as_of = int(np.datetime64("2025-05-01").astype(np.int64))
    got = promap_risk(x, y, day, grid, as_of=as_of, radius=400, window_days=60)
    ref = _brute_promap_vectorised_per_incident(x, y, day, grid, as_of, 400, 60)
    assert np.array_equal(got, ref)
    assert (got > 0).sum() > 500
    recent = (day >= as_of - 60) & (day < as_of)
    sub = np.flatnonzero(recent)[:40]
    small = Grid.from_extent((x[sub].min(), y[sub].min(), x[sub].max(), y[sub].max()), 400.0, 26910)
    assert np.array_equal(kde_risk(x[sub], y[sub], small, radius=800), _brute_kde(x[sub], y[sub], small, 800))


# ------------------------------------------------------------------ kernel density


def test_kde_equals_brute_force_and_bingeo_density():
    from bingeo.density import kernel_density

    rng = np.random.default_rng(5)
    grid = Grid(0.0, 0.0, 10.0, 12, 15)
    x = rng.uniform(-5, 155, 30)
    y = rng.uniform(0, 119, 30)
    assert np.array_equal(kde_risk(x, y, grid, radius=35.0), _brute_kde(x, y, grid, 35.0))
    # points on cell centres, extent and radius in whole cells: bingeo density's grid has the same centres
    px = np.array([45.0, 65.0, 105.0, 85.0])
    py = np.array([35.0, 55.0, 75.0, 35.0])
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(px, py), crs=28992)
    dens = kernel_density(pts, cell_size=10, radius=30, method="exact")
    t = dens.transform
    cx = t.c + (np.arange(dens.shape[1]) + 0.5) * t.a
    cy = t.f + (np.arange(dens.shape[0]) + 0.5) * t.e
    g2 = Grid(t.c, t.f + dens.shape[0] * t.e, 10.0, dens.shape[0], dens.shape[1])
    assert np.allclose(g2.centres()[0][0], cx) and np.allclose(g2.centres()[1][:, 0], cy)
    np.testing.assert_allclose(kde_risk(px, py, g2, radius=30), dens.values, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ scores


def test_scores_by_hand():
    counts = np.array([[4, 2, 0, 0], [0, 0, 0, 0]])
    chosen = np.array([[False, True, True, True], [False, False, False, False]])
    s = score_cells(chosen, counts)
    # N = 6, A = 8, a = 3, n = 2; hottest 3 cells hold 6, of which 2 cells have incidents
    assert (s.incidents, s.study_cells, s.cells, s.hits, s.max_hits, s.needed_cells) == (6, 8, 3, 2, 6, 2)
    assert s.hit_rate == pytest.approx(1 / 3)
    assert s.pai == pytest.approx((2 / 6) / (3 / 8))
    assert s.pei == pytest.approx(1 / 3)
    assert s.pei_star == pytest.approx((8 / 9) / ((6 / 6) / (2 / 8)))  # = 2/9 = PEI x a*/a
    assert s.pei_star == pytest.approx(2 / 9)
    # the perfect forecast
    best = score_cells(counts > 0, counts)
    assert (best.pei, best.pei_star, best.pai) == (1.0, 1.0, pytest.approx(1 / (2 / 8)))
    # mask: cells outside the study area count neither as area nor as incidents
    m = np.array([[True, True, True, True], [True, True, False, False]])
    counts2 = counts.copy()
    counts2[1, 3] = 9
    sm = score_cells(chosen, counts2, mask=m)
    assert (sm.study_cells, sm.incidents, sm.pai) == (6, 6, pytest.approx((2 / 6) / (3 / 6)))


def test_scores_undefined():
    s = score_cells(np.ones((2, 2), bool), np.zeros((2, 2), int))
    assert s.pai is None and "no incidents" in s.undefined["pai"] and "undefined" in s.summary()
    s = score_cells(np.zeros((2, 2), bool), np.ones((2, 2), int))
    assert s.hit_rate == 0 and s.pai is None and s.undefined["pei"] == "no cells chosen"
    with pytest.raises(InputError, match="same grid"):
        score_cells(np.zeros((2, 2), bool), np.ones((3, 2), int))


def test_top_cells_share_ties_and_mask():
    score = np.array([[1.0, 5.0, 5.0], [0.0, 2.0, -1.0]])
    assert top_cells(score, 2 / 6).tolist() == [[False, True, True], [False, False, False]]
    assert top_cells(score, 1 / 6).tolist() == [[False, True, False], [False, False, False]]  # tie: first cell
    assert top_cells(score, 1.0).sum() == 4  # only cells scoring above 0
    mask = np.array([[True, False, True], [True, True, True]])
    assert top_cells(score, 0.4, mask=mask).tolist() == [[False, False, True], [False, True, False]]
    with pytest.raises(InputError, match="area_share"):
        top_cells(score, 0)


# ------------------------------------------------------------------ forecast and networks


def _frame(x, y, dates, crs=28992, **cols):
    return gpd.GeoDataFrame({"datum": pd.to_datetime(dates), **cols}, geometry=gpd.points_from_xy(x, y), crs=crs)


def test_forecast_ranks_networks_by_the_risk_they_hold():
    # a burst of incidents in the west yesterday, one old incident in the east
    x = [120, 130, 140, 900, 500]
    y = [120, 130, 110, 900, 500]
    dates = ["2024-03-30", "2024-03-30", "2024-03-31", "2024-02-20", "2023-01-01"]
    inc = _frame(x, y, dates)
    nets = gpd.GeoDataFrame(
        {"network_id": ["WEST", "EAST", "FAR"]},
        geometry=[shapely.box(0, 0, 300, 300), shapely.box(700, 700, 1000, 1000), shapely.box(2000, 0, 2100, 100)],
        crs=28992,
    )
    f = forecast(inc, networks=nets, as_of="2024-04-01", cell_size=100, radius=200, window_days=60, area_share=0.2)
    assert f.incidents == 4 and f.as_of.isoformat() == "2024-04-01"
    assert f.networks["network_id"].tolist()[0] == "WEST"
    assert "FAR" not in f.networks["network_id"].tolist()
    # reference: overlay of the top cells with the networks, risk shared by area
    top = f.cells[f.cells["top"]]
    ov = gpd.overlay(top[["risk", "geometry"]], nets, how="intersection", keep_geom_type=False)
    ov = ov[ov.area > 0]  # cells touching a network along an edge hold none of it
    ov["share_risk"] = ov["risk"] * ov.area / 100**2
    ref = ov.groupby("network_id")["share_risk"].sum().sort_values(ascending=False)
    assert f.networks["network_id"].tolist() == ref.index.tolist()
    np.testing.assert_allclose(f.networks["risk"], ref.to_numpy(), rtol=1e-12)
    assert int(f.top.sum()) == min(round(0.2 * f.grid.n_cells), int((f.risk > 0).sum()))  # only cells at risk
    assert "Warn these networks" in f.summary() and "WEST" in f.summary()
    assert f.as_dict()["networks"][0]["network_id"] == "WEST"


def test_forecast_falls_back_to_bowers_bands_without_a_pattern(samples):
    import bingeo

    pts = bingeo.read_points(samples / "incidents.csv", crs=28992, extent=(225000, 575000, 240000, 590000)).points
    f = forecast(pts, as_of="2024-06-01", cell_size=150, permutations=99)
    assert (f.radius, f.window_days) == (FALLBACK_RADIUS, FALLBACK_WINDOW_DAYS)
    assert "Bowers" in f.bands and "Knox test" in f.bands


def test_forecast_takes_knox_bands_from_a_near_repeat_pattern():
    rng = np.random.default_rng(11)
    # background spread over 10 km and a year; plus repeats 0-3 days and < 100 m after half of them
    n = 400
    bx, by = rng.uniform(0, 10_000, n), rng.uniform(0, 10_000, n)
    bd = rng.integers(0, 365, n)
    rx, ry = bx[: n // 2] + rng.uniform(-50, 50, n // 2), by[: n // 2] + rng.uniform(-50, 50, n // 2)
    rd = bd[: n // 2] + rng.integers(0, 4, n // 2)
    day0 = np.datetime64("2023-01-01")
    dates = (day0 + np.concatenate([bd, rd]).astype("timedelta64[D]")).astype("datetime64[ns]")
    inc = _frame(np.concatenate([bx, rx]), np.concatenate([by, ry]), dates)
    f = forecast(inc, as_of="2024-01-10", cell_size=100, permutations=99)
    assert (f.radius, f.window_days) == (100.0, 7)
    assert "Bands from the Knox test" in f.bands


def test_forecast_writes_gpkg_and_tif(tmp_path):
    import rasterio

    inc = _frame([120, 330, 510], [120, 130, 610], ["2024-03-30", "2024-03-29", "2024-03-01"])
    f = forecast(inc, as_of="2024-04-01", cell_size=100, radius=200, window_days=60)
    f.write(tmp_path / "r.gpkg")
    cells = gpd.read_file(tmp_path / "r.gpkg", layer="cells")
    assert len(cells) == int((f.risk > 0).sum()) and cells["risk"].is_monotonic_decreasing
    f.write(tmp_path / "r.tif")
    with rasterio.open(tmp_path / "r.tif") as ds:
        band = ds.read(1)
        assert ds.transform == f.transform and band.shape == f.risk.shape
        np.testing.assert_allclose(band, f.risk.astype("float32"))
    with pytest.raises(InputError, match="GeoTIFF"):
        f.write(tmp_path / "r.csv")


def test_forecast_bad_values():
    inc = _frame([120], [120], ["2024-03-30"])
    with pytest.raises(InputError, match="`days`"):
        forecast(inc, days=0, radius=100, window_days=5, cell_size=100)
    with pytest.raises(InputError, match="`as_of`"):
        forecast(inc, as_of="someday", radius=100, window_days=5, cell_size=100)
    f = forecast(inc, as_of="2020-01-01", radius=100, window_days=5, cell_size=100)
    assert f.incidents == 0 and not f.top.any() and any("risk is 0" in n for n in f.notes)


# ------------------------------------------------------------------ backtest


def test_backtest_counts_each_week_and_scores_each_method():
    rng = np.random.default_rng(2)
    n = 600
    x, y = rng.normal(500, 150, n), rng.normal(500, 150, n)
    d = rng.integers(0, 200, n)
    dates = (np.datetime64("2024-01-01") + d.astype("timedelta64[D]")).astype("datetime64[ns]")
    inc = _frame(x, y, dates)
    bt = backtest(inc, weeks=6, end="2024-07-18", cell_size=50, radius=150, window_days=30, history_days=90)
    assert len(bt.table) == 6 * 3 and set(bt.table["method"]) == {"promap", "kde", "gistar"}
    weeks = pd.to_datetime(bt.table["week_start"]).drop_duplicates().sort_values()
    assert weeks.iloc[-1] == pd.Timestamp("2024-07-12")
    for ws in weeks:
        ref = int(((dates >= ws) & (dates < ws + pd.Timedelta(days=7))).sum())
        assert (bt.table[pd.to_datetime(bt.table["week_start"]) == ws]["incidents"] == ref).all()
    assert (bt.table["hits"] <= bt.table["max_hits"]).all()
    assert bt.winner == bt.means.sort_values("pei", ascending=False)["method"].iloc[0]
    means = bt.table.groupby("method")["pai"].mean()
    assert bt.means.set_index("method")["pai"].to_dict() == pytest.approx(means.to_dict())
    assert "Best mean PEI" in bt.summary() and bt.best_pai in METHODS
    with pytest.raises(InputError, match="fewer `weeks`"):
        backtest(inc, weeks=100, cell_size=50, radius=150, window_days=30)


def test_score_hotspots_agrees_with_predictive_accuracy(samples):
    import bingeo
    from bingeo.evaluate import predictive_accuracy
    from bingeo.forecast import score_hotspots
    from bingeo.hotspots import count_grid, find_hotspots
    from bingeo.incidents import incident_days

    pts = bingeo.read_points(samples / "incidents.csv", crs=28992, extent=(225000, 575000, 240000, 590000)).points
    day = incident_days(pts)
    fit, test = pts[day < "2023-01-01"], pts[day >= "2023-01-01"]
    res = find_hotspots(fit, cell_size=200)
    study = shapely.union_all(res.cells.geometry.to_numpy())
    acc = predictive_accuracy(res.hotspots, fit, test, study_area=study)
    s = score_hotspots(res, test)
    assert s.hits == acc.test_in_hotspots and s.incidents == acc.test_incidents
    assert s.pai == pytest.approx(acc.pai, rel=1e-12) and s.hit_rate == pytest.approx(acc.hit_rate)
    # PEI: against the same number of the test period's own hottest cells, counted by pandas
    counts, _ = count_grid(test.geometry.x.to_numpy(), test.geometry.y.to_numpy(), res.grid)
    best = pd.Series(counts.ravel()).sort_values(ascending=False).head(s.cells).sum()
    assert s.pei == pytest.approx(acc.test_in_hotspots / best)
    top = score_hotspots(res, test, area_share=0.05)
    assert top.cells == round(0.05 * res.grid.n_cells) and top.pei <= 1


def test_forecast_in_degrees_works_in_the_national_grid():
    rng = np.random.default_rng(4)
    x, y = 233_000 + rng.uniform(0, 3000, 200), 582_000 + rng.uniform(0, 3000, 200)
    x, y = np.round(x / 10) * 10 + 3.3, np.round(y / 10) * 10 + 3.3  # away from cell edges
    dates = (np.datetime64("2024-01-01") + rng.integers(0, 90, 200).astype("timedelta64[D]")).astype("datetime64[ns]")
    rd = _frame(x, y, dates)
    nets = gpd.GeoDataFrame(
        {"network_id": ["A"]}, geometry=[shapely.box(233_000, 582_000, 234_500, 585_000)], crs=28992
    )
    kw = {"as_of": "2024-04-01", "cell_size": 100, "radius": 300, "window_days": 30}
    ref = forecast(rd, networks=nets, **kw)
    got = forecast(rd.to_crs(4326), networks=nets.to_crs(4326), **kw)
    assert got.grid.crs.to_epsg() == 28992 and got.cells.crs.to_epsg() == 4326
    np.testing.assert_allclose(got.risk, ref.risk, rtol=0, atol=1e-12)
    assert np.array_equal(got.top, ref.top)
    # the network went to degrees and back: its edges move by millimetres
    np.testing.assert_allclose(got.networks["top_area_m2"], ref.networks["top_area_m2"], rtol=1e-6)


def test_results_follow_the_protocol():
    import json

    inc = _frame([120, 330, 510, 140], [120, 130, 610, 150], ["2024-03-30", "2024-03-29", "2024-03-01", "2024-04-03"])
    nets = gpd.GeoDataFrame({"network_id": ["A"]}, geometry=[shapely.box(0, 0, 400, 400)], crs=28992)
    kw = {"cell_size": 100, "radius": 200, "window_days": 60}
    results = {
        "Forecast": forecast(inc, networks=nets, as_of="2024-04-01", **kw),
        "Backtest": backtest(inc, weeks=1, end="2024-04-06", **kw),
        "ForecastScore": score_cells(np.eye(3, dtype=bool), np.ones((3, 3), int)),
    }
    for name, res in results.items():
        assert type(res).__name__ == name
        assert isinstance(res.notes, list) and all(isinstance(n, str) for n in res.notes), name
        assert res.summary().strip(), name
        data = res.as_dict()
        assert isinstance(data, dict) and data and json.loads(json.dumps(data, allow_nan=False)) == data, name
