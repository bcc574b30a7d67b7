"""Tests for bingeo/risk.py and hotspots' rates per 1,000 households: brute-force kernel sums and esda's Gi*."""

from __future__ import annotations

import warnings

import esda  # test dependency: a missing esda fails, never skips
import geopandas as gpd
import libpysal
import numpy as np
import pytest
from shapely.geometry import Point

from bingeo.errors import InputError
from bingeo.hotspots import find_hotspots
from bingeo.risk import density_per_households, risk_at_addresses

P, R = 10.0, 60.0  # cell size and radius; R / P whole, so points on the P lattice sit where QGIS centres them


def lattice_points(rng, n, origin=(1000.0, 2000.0), side=40):
    """Points on the cell lattice (whole multiples of P from one origin), clustered."""
    ij = rng.integers(0, side, (n, 2))
    return origin[0] + ij[:, 0] * P, origin[1] + ij[:, 1] * P


def brute_kde(px, py, w, xs, ys, r=R):
    """Raw quartic kernel sum at every (xs, ys), point by point: no grid tricks."""
    d2 = (xs.ravel()[:, None] - px[None, :]) ** 2 + (ys.ravel()[:, None] - py[None, :]) ** 2
    u2 = d2 / r**2
    k = np.where(u2 <= 1.0, (1.0 - u2) ** 2, 0.0)
    return (k * w[None, :]).sum(axis=1).reshape(xs.shape)


@pytest.mark.parametrize("seed", [0, 1])
def test_ratio_equals_brute_force_kde(seed):
    rng = np.random.default_rng(seed)
    ix, iy = lattice_points(rng, 120)
    ax, ay = lattice_points(rng, 400)
    hh = rng.integers(1, 4, ax.size).astype(float)
    inc = gpd.GeoDataFrame(geometry=gpd.points_from_xy(ix, iy), crs=28992)
    adr = gpd.GeoDataFrame({"households": hh}, geometry=gpd.points_from_xy(ax, ay), crs=28992)
    res = density_per_households(inc, adr, cell_size=P, radius=R, min_households=5)
    rows, cols = res.values.shape
    t = res.transform
    xs, ys = np.meshgrid(t.c + (np.arange(cols) + 0.5) * P, t.f - (np.arange(rows) + 0.5) * P)
    top = brute_kde(ix, iy, np.ones(ix.size), xs, ys)
    bottom = brute_kde(ax, ay, hh, xs, ys)
    # the grid is QGIS's for both layers together: extent grown by the radius
    assert t.c == pytest.approx(min(ix.min(), ax.min()) - R) and t.f == pytest.approx(max(iy.max(), ay.max()) + R)
    ok = bottom >= 5
    np.testing.assert_array_equal(res.reached, ok)
    np.testing.assert_allclose(res.values[ok], top[ok] / bottom[ok] * 1000, rtol=1e-9)
    assert np.isnan(res.values[~ok]).all()  # no homes nearby: no rate, never infinity
    assert res.values[ok].min() >= 0


def test_min_households_and_errors(tmp_path):
    adr = gpd.GeoDataFrame(geometry=[Point(i * 10, 0) for i in range(10)] + [Point(500, 0)], crs=28992)
    inc = gpd.GeoDataFrame(geometry=[Point(20, 0)] * 3 + [Point(500, 0)] * 4, crs=28992)
    loose = density_per_households(inc, adr, cell_size=10, radius=50, min_households=0.5)
    strict = density_per_households(inc, adr, cell_size=10, radius=50, min_households=3)
    # with a floor of 0.5 the lone house at x=500 (4 incidents) tops the map; with 3 it has no rate
    col, row = ~strict.transform * (505, 5)
    assert loose.values[int(row), int(col)] == pytest.approx(4000) == np.nanmax(loose.values)
    assert np.isnan(strict.values[int(row), int(col)]) and np.nanmax(strict.values) > 0
    out = strict.write(tmp_path / "rate.tif")
    import rasterio

    with rasterio.open(out) as ds:
        band = ds.read(1)
        assert ds.nodata == -9999 and (band[~strict.reached] == -9999).all()
    with pytest.raises(InputError, match="`min_households` must be"):
        density_per_households(inc, adr, cell_size=10, radius=50, min_households=-1)
    with pytest.raises(InputError, match="nothing to divide by"):
        density_per_households(inc, adr.iloc[:0], cell_size=10, radius=50)


@pytest.mark.parametrize("chunk", [4096, 16])  # 16: the addresses in blocks
def test_risk_at_addresses_equals_brute_force(chunk, monkeypatch):
    monkeypatch.setattr("bingeo.risk._CHUNK", chunk)
    rng = np.random.default_rng(3)
    ix, iy = rng.uniform(0, 500, 80), rng.uniform(0, 500, 80)
    ax, ay = rng.uniform(0, 500, 150), rng.uniform(0, 500, 150)
    hh = rng.integers(1, 5, 150).astype(float)
    inc = gpd.GeoDataFrame(geometry=gpd.points_from_xy(ix, iy), crs=28992)
    adr = gpd.GeoDataFrame({"huishoudens": hh}, geometry=gpd.points_from_xy(ax, ay), crs=28992)
    got = risk_at_addresses(inc, adr, radius=120, min_households=4)
    top = brute_kde(ix, iy, np.ones(80), ax, ay, r=120)
    bottom = brute_kde(ax, ay, hh, ax, ay, r=120)
    np.testing.assert_allclose(got.to_numpy(), hh * top / np.maximum(bottom, 4), rtol=1e-12)


def queen_weights(mask):
    """libpysal binary queen weights over the in-mask cells (row-major), built by hand."""
    nr, nc = mask.shape
    keep = [int(k) for k in np.flatnonzero(mask.ravel())]
    pos = {k: i for i, k in enumerate(keep)}
    neighbors = {}
    for k in keep:
        r, c = divmod(k, nc)
        neighbors[pos[k]] = [
            pos[(r + dr) * nc + c + dc]
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            if (dr or dc) and 0 <= r + dr < nr and 0 <= c + dc < nc and mask[r + dr, c + dc]
        ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return libpysal.weights.W(neighbors, silence_warnings=True)


def check_gi_on_rates(inc, adr, cell_size, floor, households_field="households"):
    """find_hotspots(per=...) against esda's Gi* on rates computed independently from the cells' polygons."""
    res = find_hotspots(inc, per=adr, cell_size=cell_size, min_households=floor, households_field=households_field)
    cells = res.cells
    # independent: counts and households per cell from the cells' own polygons (sjoin), rates, masks
    n_inc = gpd.sjoin(inc, cells[["geometry"]], predicate="within").groupby("index_right").size()
    joined = gpd.sjoin(adr, cells[["geometry"]], predicate="within")
    hh = joined[households_field] if households_field else joined.assign(one=1.0)["one"]
    n_hh = hh.groupby(joined["index_right"]).sum()
    counts = n_inc.reindex(cells.index, fill_value=0).to_numpy(float)
    households = n_hh.reindex(cells.index, fill_value=0).to_numpy(float)
    np.testing.assert_array_equal(cells["households"].to_numpy(), households)
    keep = households >= floor
    mask = np.zeros((res.grid.nrows, res.grid.ncols), bool)
    mask[cells["row"][keep], cells["col"][keep]] = True
    order = np.lexsort((cells["col"][keep], cells["row"][keep]))  # row-major, as queen_weights numbers them
    rates = (counts[keep] / households[keep] * 1000)[order]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(rates, queen_weights(mask), star=True, transform="B", permutations=0)
    np.testing.assert_allclose(cells["gi_z"].to_numpy()[keep][order], ref.Zs, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(cells["rate"].to_numpy()[keep][order], rates)
    assert cells.loc[~keep, "gi_z"].isna().all() and cells.loc[~keep, "rate"].isna().all()
    assert any("per 1,000 households" in n for n in res.notes)
    return res


@pytest.mark.parametrize("seed", [0, 1])
def test_gi_on_rates_equals_esda(seed):
    rng = np.random.default_rng(seed)
    inc_xy = rng.uniform(0, 1000, (400, 2))
    inc_xy[:80] = rng.normal(300, 40, (80, 2))  # a cluster
    adr_xy = rng.uniform(0, 1000, (900, 2))
    inc = gpd.GeoDataFrame(geometry=gpd.points_from_xy(inc_xy[:, 0], inc_xy[:, 1]), crs=28992)
    adr = gpd.GeoDataFrame(
        {"households": rng.integers(1, 6, 900)}, geometry=gpd.points_from_xy(adr_xy[:, 0], adr_xy[:, 1]), crs=28992
    )
    check_gi_on_rates(inc, adr, 100, 15)


def test_gi_on_rates_equals_esda_on_vancouver(real):
    """Vancouver's residential break-ins of 2024 per sampled property address, 250 m cells."""
    from bingeo.readers import read_points

    v = real / "vancouver"
    inc = read_points(v / "vpd_crimedata_AllNeighbourhoods_2024.csv.gz", crs=26910).points
    inc = inc[inc["TYPE"] == "Break and Enter Residential/Other"].reset_index(drop=True)
    adr = read_points(v / "vancouver_property_addresses_sample.csv.gz", x_field="longitude", y_field="latitude")
    adr = adr.points.to_crs(26910)
    res = check_gi_on_rates(inc, adr, 250, 10, households_field=None)
    assert res.gi.hot.sum() > 0


def test_rates_outrank_a_shopping_street():
    """Many incidents among few homes (shops) vs fewer among many: counts and rates disagree."""
    rng = np.random.default_rng(5)
    homes = rng.uniform(0, 1000, (2000, 2))
    shop = (homes[:, 0] // 100 == 1) & (homes[:, 1] // 100 == 1)  # the cell (100-200, 100-200): shops, 3 homes
    adr_xy = np.vstack([homes[~shop], [[150.0, 150.0]] * 3])
    # background, 60 incidents at the shops, 30 in a street of homes at (750, 750)
    inc_xy = np.vstack([rng.uniform(0, 1000, (200, 2)), rng.uniform(110, 190, (60, 2)), rng.uniform(710, 790, (30, 2))])
    inc = gpd.GeoDataFrame(geometry=gpd.points_from_xy(inc_xy[:, 0], inc_xy[:, 1]), crs=28992)
    adr = gpd.GeoDataFrame(geometry=gpd.points_from_xy(adr_xy[:, 0], adr_xy[:, 1]), crs=28992)
    by_count = find_hotspots(inc, cell_size=100)
    by_rate = find_hotspots(inc, per=adr, cell_size=100, min_households=5)
    top_count = by_count.cells.loc[by_count.cells["gi_z"].idxmax(), ["row", "col"]].tolist()
    top_rate = by_rate.cells.loc[by_rate.cells["gi_z"].idxmax(), ["row", "col"]].tolist()
    assert top_count != top_rate
    with pytest.raises(InputError, match="Gi\\* on rates needs at least 2"):
        find_hotspots(inc, per=adr, cell_size=100, min_households=1e9)
