"""The store's grid index of the networks (bingeo.assign(..., store=)) and the worker threads of the kernel.

Every answer is compared with geopandas' sjoin(predicate="intersects") (bingeo's covers semantics) and with
a fresh build; the index must be dropped when networks change, ignored when it belongs to other boundaries,
and rebuilt when it is damaged or of another format.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo import _pip
from bingeo.stores import _gpkg_format as fmt
from bingeo.stores import open_store
from bingeo.stores.base import INDEX_TABLE
from tests.conftest import ROOT

NETWORKS = ROOT / "data" / "samples" / "networks.gpkg"


@pytest.fixture(autouse=True)
def no_memory(monkeypatch):
    """These tests are about the store: no locator kept in memory by an earlier call may answer instead."""
    monkeypatch.setattr(_pip, "KEEP_IN_MEMORY", 0)
    _pip._kept.clear()


@pytest.fixture()
def store(tmp_path):
    bingeo.import_networks(NETWORKS, tmp_path / "s.gpkg", id_field="bin_code", kind_field="soort")
    with open_store(tmp_path / "s.gpkg") as st:
        yield st


def points_for(nets: gpd.GeoDataFrame, n: int = 4000, seed: int = 3) -> gpd.GeoDataFrame:
    """Random points over the networks, plus every boundary vertex (on an edge: covered, not within)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = nets.total_bounds
    xy = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    verts = shapely.get_coordinates(nets.geometry.to_numpy())
    geoms = shapely.points(np.concatenate([xy, verts]))
    return gpd.GeoDataFrame({"n": np.arange(len(geoms))}, geometry=geoms, crs=nets.crs)


def reference(points: gpd.GeoDataFrame, nets: gpd.GeoDataFrame) -> list[set[str]]:
    """Covering network ids per point, by geopandas.sjoin(intersects)."""
    joined = gpd.sjoin(points, nets[["network_id", "geometry"]], predicate="intersects", how="left")
    got = joined.groupby(level=0)["network_id"].agg(lambda s: frozenset(s.dropna()))
    return [set(got.loc[i]) for i in points.index]


def as_sets(out: gpd.GeoDataFrame) -> list[set[str]]:
    return [set() if pd.isna(v) else set(v.split(";")) for v in out["network_ids"].astype(object)]


def saved(st) -> int:
    with sqlite3.connect(st.path) as con:
        have = con.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (INDEX_TABLE,)).fetchone()[0]
        return con.execute(f"SELECT count(*) FROM {INDEX_TABLE}").fetchone()[0] if have else 0


def test_stored_index_gives_the_answer_of_a_fresh_build(store, caplog):
    nets = store.networks()
    pts = points_for(nets)
    fresh = bingeo.assign(pts, nets)
    with caplog.at_level(logging.INFO, logger="bingeo.stores.base"):
        first = bingeo.assign(pts, nets, store=store)
        second = bingeo.assign(pts, nets, store=store)
    assert "built and saved" in caplog.text and "read from" in caplog.text
    assert saved(store) == 1
    loc = store.network_locator(nets.geometry.to_numpy())
    assert "load" in loc.timings  # read from the store, not built
    pd.testing.assert_frame_equal(first, fresh)
    pd.testing.assert_frame_equal(second, fresh)
    assert as_sets(second) == reference(pts, nets)
    assert any(len(s) > 1 for s in as_sets(second))  # overlapping networks and shared edges were met


def test_the_index_opens_cleanly_as_a_geopackage(store):
    bingeo.assign(points_for(store.networks(), n=10), store.networks(), store=store)
    with sqlite3.connect(store.path) as con:
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({INDEX_TABLE})")]
    assert kinds[INDEX_TABLE] == "attributes" and cols[0] == "fid"  # GeoPackage requirement 119
    import pyogrio

    layers = dict(pyogrio.list_layers(store.path))
    assert layers["networks"] == "MultiPolygon" and INDEX_TABLE in layers


@pytest.mark.parametrize("change", ["import", "retire", "reactivate"])
def test_changing_networks_drops_the_index(store, change):
    nets = store.networks()
    pts = points_for(nets)
    if change == "reactivate":
        store.retire_network(nets["network_id"].iloc[0], on="2020-01-01")
        nets = store.networks()
    bingeo.assign(pts, nets, store=store)
    assert saved(store) == 1
    first = nets["network_id"].iloc[0]
    if change == "import":
        shrunk = store.networks(include_retired=True)
        shrunk = shrunk[shrunk["network_id"] == first].copy()
        shrunk["geometry"] = shrunk.geometry.buffer(-100)
        store.import_networks(shrunk, source="edit", effective=dt.date(2025, 1, 1))
    elif change == "retire":
        store.retire_network(first, on="2020-01-01")
    else:
        store.reactivate_network(store.networks(include_retired=True)["network_id"].iloc[0], on="2024-01-01")
    assert saved(store) == 0
    now = store.networks()
    got = bingeo.assign(pts, now, store=store)
    assert as_sets(got) == reference(pts, now)
    assert saved(store) == 1


def test_an_index_of_other_boundaries_is_never_used(store):
    """A boundary edited behind bingeo's back (as QGIS may): the fingerprint no longer matches."""
    nets = store.networks()
    pts = points_for(nets)
    bingeo.assign(pts, nets, store=store)
    first = nets["network_id"].iloc[0]
    x0, y0 = shapely.bounds(nets.geometry.iloc[0])[:2]
    small = shapely.MultiPolygon([shapely.box(x0, y0, x0 + 50, y0 + 50)])
    with sqlite3.connect(store.path) as con:
        fmt.register_functions(con)
        con.execute("UPDATE networks SET geom = ? WHERE network_id = ?", (fmt.encode(small, store.srs_id), first))
    edited = store.networks()
    assert saved(store) == 1  # nobody dropped it
    got = bingeo.assign(pts, edited, store=store)
    assert as_sets(got) == reference(pts, edited)
    assert as_sets(got) != reference(pts, nets)


@pytest.mark.parametrize("damage", ["bytes", "format", "inconsistent"])
def test_a_damaged_or_old_index_is_rebuilt(store, damage, monkeypatch, caplog):
    nets = store.networks()
    pts = points_for(nets)
    want = bingeo.assign(pts, nets)
    bingeo.assign(pts, nets, store=store)
    with sqlite3.connect(store.path) as con:
        key, blob = con.execute(f"SELECT key, data FROM {INDEX_TABLE}").fetchone()
        if damage == "bytes":
            blob = blob[:100] + bytes(b ^ 0x5A for b in blob[100:200]) + blob[200:]
        else:
            loc = _pip.PolygonLocator.from_bytes(blob, nets.geometry.to_numpy(), key=key)
            if damage == "inconsistent":  # a valid checksum over wrong contents: cells naming no network
                loc._code = np.full_like(loc._code, 10**6)
                blob = loc.to_bytes(key)
            else:  # an index written by an older bingeo under the same key
                with monkeypatch.context() as m:
                    m.setattr(_pip, "INDEX_FORMAT", 0)
                    blob = loc.to_bytes(key)
        con.execute(f"UPDATE {INDEX_TABLE} SET data = ?", (blob,))
    with caplog.at_level(logging.WARNING, logger="bingeo.stores.base"):
        got = bingeo.assign(pts, nets, store=store)
    assert "not usable" in caplog.text
    pd.testing.assert_frame_equal(got, want)
    # the rebuilt index replaced the bad one
    assert "load" in store.network_locator(nets.geometry.to_numpy()).timings


def test_a_read_only_store_still_assigns(store, tmp_path):
    nets = store.networks()
    pts = points_for(nets, n=200)
    store.path.chmod(0o444)
    try:
        with open_store(store.path) as ro:
            got = bingeo.assign(pts, nets, store=ro)
    finally:
        store.path.chmod(0o644)
    assert as_sets(got) == reference(pts, nets)


# ---------------------------------------------------------------------------------------- workers
def test_workers_give_the_answer_of_one_thread():
    rng = np.random.default_rng(5)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform(0, 1000, (300, 2)))))
    cells = shapely.intersection(cells, shapely.box(0, 0, 1000, 1000))
    polys = np.concatenate([cells, shapely.buffer(shapely.points(rng.uniform(0, 1000, (20, 2))), 80)])  # overlaps
    verts = shapely.get_coordinates(polys)
    x = np.concatenate([rng.uniform(-10, 1010, 100_000), verts[:, 0]])
    y = np.concatenate([rng.uniform(-10, 1010, 100_000), verts[:, 1]])
    loc = _pip.PolygonLocator(polys, expected_points=x.size)
    one = loc.locate(x, y, workers=1)
    for w in (2, 3):
        got = loc.locate(x, y, workers=w)
        assert np.array_equal(got[0], one[0]) and np.array_equal(got[1], one[1])
    a, b = shapely.STRtree(polys).query(shapely.points(x, y), predicate="intersects")
    order = np.lexsort((b, a))
    assert np.array_equal(one[0], a[order]) and np.array_equal(one[1], b[order])
    nets = gpd.GeoDataFrame({"network_id": [f"N{i}" for i in range(len(polys))]}, geometry=polys, crs=28992)
    pts = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs=28992)
    pd.testing.assert_frame_equal(bingeo.assign(pts, nets, workers=2), bingeo.assign(pts, nets, workers=1))


def test_a_locator_is_kept_in_memory_and_lent_to_one_caller_at_a_time(monkeypatch):
    monkeypatch.setattr(_pip, "KEEP_IN_MEMORY", 2)
    polys = np.array([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)])
    built = []

    def build():
        built.append(_pip.PolygonLocator(polys, cell_size=0.5))
        return built[-1]

    key = _pip.fingerprint(polys)
    with _pip.borrow_locator(key, build) as first:
        with _pip.borrow_locator(key, build) as second:  # lent already: a second one is built
            assert second is not first
    with _pip.borrow_locator(key, build) as third:
        assert third in built[:2]
    assert len(built) == 2
    nets = gpd.GeoDataFrame({"network_id": ["A", "B"]}, geometry=polys, crs=28992)
    pts = points_for(nets, n=500)
    want = bingeo.assign(pts, nets)
    kept = dict(_pip._kept)
    got = bingeo.assign(pts, nets)  # the kept locator answers
    assert dict(_pip._kept).keys() == kept.keys()
    pd.testing.assert_frame_equal(got, want)
    assert as_sets(got) == reference(pts, nets)


def test_the_assign_command_keeps_and_reads_the_index(store, tmp_path):
    from click.testing import CliRunner

    from bingeo.cli.main import cli

    incidents = ROOT / "data" / "samples" / "incidents.csv"
    outs, rows = [], []
    for i in range(2):
        out = tmp_path / f"a{i}.csv"
        args = ["assign", str(incidents), "--store", str(store.path), "--crs", "28992", "-o", str(out)]
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
        with sqlite3.connect(store.path) as con:
            rows.append(con.execute(f"SELECT fid, key FROM {INDEX_TABLE}").fetchall())
    assert len(rows[0]) == 1 and rows[1] == rows[0]  # built and saved by the first command, read by the second
    assert outs[0] == outs[1]
    got = pd.read_csv(tmp_path / "a1.csv", sep=None, engine="python")
    assert got["network_id"].notna().sum() > 1000
