"""Large point layers written to a GeoPackage without index, then one packed R-tree (bingeo.readers.gpkg_points).

The fast path must write the file GDAL's indexed path writes: the same rows, the same metadata, the same R-tree
entries and triggers; the R-tree must answer window queries as a brute-force scan of the coordinates does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

import bingeo.readers.gpkg_points as gpkg_points
from bingeo.readers import read_points, write_table
from tests.conftest import REAL_DATA as REAL

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CHICAGO = REAL / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz"


def _points(kind: str) -> gpd.GeoDataFrame:
    if kind == "sample":
        pts = read_points(SAMPLES / "incidents.csv", extent=(229209, 579103, 238235, 586129)).points
    else:
        if not CHICAGO.exists():
            pytest.fail(f"real data missing: {CHICAGO}")
        df = pd.read_csv(CHICAGO).head(20_000)
        pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.longitude, df.latitude), crs=4326)
    pts = pts.reset_index(drop=True)
    geoms = np.asarray(pts.geometry.values).copy()
    geoms[3], geoms[7] = None, shapely.Point()  # a row without geometry and an empty point: no R-tree entry
    return pts.set_geometry(gpd.GeoSeries(geoms, crs=pts.crs))


def _both(pts: gpd.GeoDataFrame, folder: Path, monkeypatch) -> tuple[Path, Path]:
    fast, gdal = folder / "fast.gpkg", folder / "gdal.gpkg"
    packed = []
    pack = gpkg_points._pack_rtree
    with monkeypatch.context() as m:
        m.setattr(gpkg_points, "BULK_POINT_ROWS", 1)
        m.setattr(gpkg_points, "_pack_rtree", lambda *a, **k: packed.append(1) or pack(*a, **k))
        write_table(pts, fast, layer="incidents")
    assert packed == [1], "the fast file was not written by the packed path"  # rows without geometry too
    with monkeypatch.context() as m:
        m.setattr(gpkg_points, "BULK_POINT_ROWS", 10**9)
        write_table(pts, gdal, layer="incidents")
    return fast, gdal


def _content(path: Path, layer: str = "") -> dict[str, object]:
    """Every table's rows (the R-tree's entries, not its node layout), triggers, identity pragmas."""
    with sqlite3.connect(path) as con:
        layer = layer or con.execute("SELECT table_name FROM gpkg_geometry_columns").fetchone()[0]
        names = [
            n
            for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if not n.startswith("rtree_") and n != "sqlite_sequence"
        ]
        out: dict[str, object] = {n: con.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}
        out["gpkg_contents"] = con.execute(
            "SELECT table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents"
        ).fetchall()  # not last_change
        out["rtree"] = con.execute(f"SELECT id, minx, maxx, miny, maxy FROM rtree_{layer}_geom ORDER BY id").fetchall()
        out["triggers"] = sorted(n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        out["pragmas"] = [con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("application_id", "user_version")]
        out["check"] = con.execute(f"SELECT rtreecheck('rtree_{layer}_geom')").fetchone()[0]
    return out


@pytest.mark.parametrize("kind", ["sample", pytest.param("real", marks=pytest.mark.requires("real-data"))])
def test_packed_point_layer_equals_gdal_index(tmp_path, monkeypatch, kind):
    pts = _points(kind)
    fast, gdal = _both(pts, tmp_path, monkeypatch)
    a, b = _content(fast), _content(gdal)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key
    assert a["pragmas"] == [0x47504B47, 10200] and a["check"] == "ok"
    assert len(a["rtree"]) == len(pts) - 2
    assert_geodataframe_equal(gpd.read_file(fast), gpd.read_file(gdal))


def test_packed_rtree_answers_windows_as_brute_force(tmp_path, monkeypatch):
    pts = _points("sample")
    fast, _ = _both(pts, tmp_path, monkeypatch)
    geoms = np.asarray(pts.geometry.values)
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    x, y = np.full(len(pts), np.nan), np.full(len(pts), np.nan)
    x[has], y[has] = shapely.get_x(geoms[has]), shapely.get_y(geoms[has])
    back = gpd.read_file(fast)
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = np.nanmin(x), np.nanmin(y), np.nanmax(x), np.nanmax(y)
    with sqlite3.connect(fast) as con:
        for _ in range(40):
            ax, bx = np.sort(rng.uniform(x0 - 100, x1 + 100, 2))
            ay, by = np.sort(rng.uniform(y0 - 100, y1 + 100, 2))
            want = set((np.flatnonzero((x >= ax) & (x <= bx) & (y >= ay) & (y <= by)) + 1).tolist())
            got = {
                r[0]
                for r in con.execute(
                    "SELECT id FROM rtree_incidents_geom WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?",
                    (bx, ax, by, ay),
                )
            }
            # the R-tree holds float boxes just around each point: it may add points on the window's edge only
            assert want <= got
            assert all(
                abs(x[i - 1] - ax) < 0.1
                or abs(x[i - 1] - bx) < 0.1
                or abs(y[i - 1] - ay) < 0.1
                or abs(y[i - 1] - by) < 0.1
                for i in got - want
            )
            # GDAL answers a bbox filter through the R-tree, then checks each candidate's own envelope
            filtered = pyogrio.read_dataframe(fast, bbox=(ax, ay, bx, by), fid_as_index=True)
            assert set(filtered.index.tolist()) == want
    assert len(back) == len(pts)


@pytest.mark.parametrize("kind", ["sample", pytest.param("real", marks=pytest.mark.requires("real-data"))])
def test_points_from_xy_equal_the_geodataframe_path(tmp_path, monkeypatch, kind):
    """write_points_gpkg_xy (no point objects, WKB from the coordinates) writes write_table's file."""
    pts = _points(kind)
    pts = pts[~(pts.geometry.isna() | pts.geometry.is_empty)].reset_index(drop=True)
    pts["n"] = np.arange(len(pts))
    pts["when"] = pd.Timestamp("2021-01-01 12:45") + pd.to_timedelta(pts["n"], unit="min")  # naive: ISO text
    pts["flag"] = pts["n"] % 3 == 0
    pts["share"] = np.where(pts["n"] % 5 == 0, np.nan, pts["n"] / 7)
    fast, ref = tmp_path / "fast.gpkg", tmp_path / "ref.gpkg"
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 1)
    table = pd.DataFrame(pts.drop(columns="geometry"))
    assert gpkg_points._plain_columns(table)  # the coordinates path, not the fallback
    gpkg_points.write_points_gpkg_xy(
        table, pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy(), fast, pts.crs, layer="incidents"
    )
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 10**9)
    write_table(pts, ref, layer="incidents")
    a, b = _content(fast), _content(ref)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key
    assert_geodataframe_equal(gpd.read_file(fast), gpd.read_file(ref))


def test_assign_to_geopackage_equals_the_geodataframe_path(tmp_path, monkeypatch):
    """`bingeo assign … --output x.gpkg` (coordinates only) writes what assign + write_table of the frame write."""
    from click.testing import CliRunner

    from bingeo import assign, open_store
    from bingeo.cli.main import cli

    store = tmp_path / "store.gpkg"
    runner = CliRunner()
    res = runner.invoke(cli, ["networks", "import", str(SAMPLES / "networks.gpkg"), "--store", str(store)])
    assert res.exit_code == 0, res.output
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 1)
    seen = []
    plain = gpkg_points._plain_columns
    monkeypatch.setattr(gpkg_points, "_plain_columns", lambda df: seen.append(plain(df)) or seen[-1])
    out = tmp_path / "assigned.gpkg"
    args = ["assign", str(SAMPLES / "incidents.csv"), "--store", str(store), "--crs", "28992", "--output", str(out)]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert seen == [True]  # the coordinates path was taken
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 10**9)
    with open_store(store) as st:
        got = read_points(SAMPLES / "incidents.csv", crs="28992", target_crs=st.crs, extent=st.extent())
        ref = tmp_path / "assigned_ref.gpkg"
        write_table(assign(got.points, st.networks(), store=st), ref, layer="assigned")
    a, b = _content(out), _content(ref)
    for key in a:
        if key != "rtree":
            assert a[key] == b[key], key
    assert a["rtree"] == b["rtree"] and len(a["rtree"]) > 1000
