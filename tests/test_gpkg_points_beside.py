"""The R-tree of a large point layer packed by a second process while GDAL writes the rows (gpkg_points).

The file must be the one the in-process packer writes, node for node, and so the one GDAL's own index holds
(same entries, same answers); when the second process cannot run or fails, the R-tree is packed in process;
a failure half-way leaves the output as it was, no temporary file and no process behind.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import pytest
import shapely

import bingeo.readers.gpkg_points as gpkg_points
import bingeo.stores._gpkg_format as fmt
from bingeo._arrow_dates import iso_arrow
from tests.test_gpkg_points import _content, _points


def _shadow(path: Path, layer: str) -> dict[str, list[tuple]]:
    """The R-tree's own tables as stored: every node blob, every row's leaf, every node's parent."""
    with sqlite3.connect(path) as con:
        return {
            s: con.execute(f'SELECT * FROM "rtree_{layer}_geom_{s}" ORDER BY 1').fetchall()
            for s in ("node", "rowid", "parent")
        }


@pytest.fixture
def spied(monkeypatch, tmp_path):
    """Record what the R-tree packer was given beside (a file or None) and each second process started."""
    seen: dict[str, list] = {"packed": [], "procs": []}
    pack, popen = gpkg_points._pack_rtree, subprocess.Popen

    def spy_pack(p, layer, xy, packed=None):
        seen["packed"].append(packed is not None and Path(packed).is_file())
        return pack(p, layer, xy, packed)

    def spy_popen(*args, **kwargs):
        seen["procs"].append(popen(*args, **kwargs))
        return seen["procs"][-1]

    monkeypatch.setattr(gpkg_points, "_pack_rtree", spy_pack)
    monkeypatch.setattr(subprocess, "Popen", spy_popen)
    scratch = tmp_path / "scratch"  # the second process's files: must all be gone
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 1)
    monkeypatch.setattr(gpkg_points, "_core_free", lambda: True)  # whatever else the test machine runs
    seen["scratch"] = [scratch]
    return seen


def _table(kind: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, object]:
    pts = _points(kind)
    pts = pts[~(pts.geometry.isna() | pts.geometry.is_empty)].reset_index(drop=True)
    table = pd.DataFrame(pts.drop(columns="geometry"))
    table["when"] = pd.Timestamp("2021-01-01 12:45") + pd.to_timedelta(np.arange(len(pts)), unit="min")
    return table, pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy(), pts.crs


@pytest.mark.parametrize("kind", ["sample", pytest.param("real", marks=pytest.mark.requires("real-data"))])
def test_rtree_packed_beside_equals_packed_here_and_gdal(tmp_path, monkeypatch, spied, kind):
    table, x, y, crs = _table(kind)
    beside, here, gdal = tmp_path / "beside.gpkg", tmp_path / "here.gpkg", tmp_path / "gdal.gpkg"
    monkeypatch.setattr(gpkg_points, "BESIDE_ROWS", 1)
    gpkg_points.write_points_gpkg_xy(table, x, y, beside, crs, layer="incidents")
    assert spied["packed"] == [True] and len(spied["procs"]) == 1 and spied["procs"][0].returncode == 0
    monkeypatch.setattr(gpkg_points, "BESIDE_ROWS", 10**9)
    gpkg_points.write_points_gpkg_xy(table, x, y, here, crs, layer="incidents")
    assert spied["packed"] == [True, False] and len(spied["procs"]) == 1
    assert _shadow(beside, "incidents") == _shadow(here, "incidents")  # node for node
    a, b = _content(beside), _content(here)
    assert a == b and a["check"] == "ok" and len(a["rtree"]) == len(table)
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 10**9)  # GDAL's own index, row by row
    gpkg_points.write_points_gpkg_xy(table, x, y, gdal, crs, layer="incidents")
    c = _content(gdal)
    assert a.keys() == c.keys()
    for key in a:
        assert a[key] == c[key], key
    assert list(spied["scratch"][0].iterdir()) == []


def test_rtree_beside_with_missing_points_answers_as_brute_force(tmp_path, monkeypatch, spied):
    """The GeoDataFrame path: rows without a point get no entry; windows answered as a scan and as GDAL's index."""
    pts = _points("sample")
    out, ref = tmp_path / "beside.gpkg", tmp_path / "gdal.gpkg"
    monkeypatch.setattr(gpkg_points, "BESIDE_ROWS", 1)
    gpkg_points.write_points_gpkg(pts, out, layer="incidents")
    assert spied["packed"] == [True]
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 10**9)  # GDAL's own index, row by row
    gpkg_points.write_points_gpkg(pts, ref, layer="incidents")
    a, b = _content(out), _content(ref)
    for key in a:
        assert a[key] == b[key], key
    assert len(a["rtree"]) == len(pts) - 2
    geoms = np.asarray(pts.geometry.values)
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    x, y = np.full(len(pts), np.nan), np.full(len(pts), np.nan)
    x[has], y[has] = shapely.get_x(geoms[has]), shapely.get_y(geoms[has])
    rng = np.random.default_rng(1)
    for _ in range(20):
        ax, bx = np.sort(rng.uniform(np.nanmin(x) - 50, np.nanmax(x) + 50, 2))
        ay, by = np.sort(rng.uniform(np.nanmin(y) - 50, np.nanmax(y) + 50, 2))
        want = set((np.flatnonzero((x >= ax) & (x <= bx) & (y >= ay) & (y <= by)) + 1).tolist())
        got = pyogrio.read_dataframe(out, bbox=(ax, ay, bx, by), fid_as_index=True)
        assert set(got.index.tolist()) == want
    assert list(spied["scratch"][0].iterdir()) == []


@pytest.mark.parametrize("how", ["no python", "python missing", "no idle core", "process fails"])
def test_rtree_packed_here_when_the_second_process_cannot(tmp_path, monkeypatch, spied, how):
    table, x, y, crs = _table("sample")
    out, ref = tmp_path / "out.gpkg", tmp_path / "ref.gpkg"
    monkeypatch.setattr(gpkg_points, "BESIDE_ROWS", 1)
    if how == "no python":  # e.g. inside QGIS, whose executable is no Python
        monkeypatch.setattr(gpkg_points, "_python", lambda: None)
    elif how == "python missing":  # it cannot be started
        monkeypatch.setattr(gpkg_points, "_python", lambda: str(tmp_path / "python3"))
    elif how == "no idle core":
        monkeypatch.setattr(gpkg_points, "_core_free", lambda: False)
    else:
        monkeypatch.setattr(gpkg_points, "_JOB", "raise SystemExit('no R-tree today')")
    gpkg_points.write_points_gpkg_xy(table, x, y, out, crs, layer="incidents")
    assert spied["packed"] == [False]
    assert len(spied["procs"]) == (1 if how == "process fails" else 0)  # Popen raised for "python missing"
    monkeypatch.setattr(gpkg_points, "BESIDE_ROWS", 10**9)
    gpkg_points.write_points_gpkg_xy(table, x, y, ref, crs, layer="incidents")
    assert _shadow(out, "incidents") == _shadow(ref, "incidents")
    assert _content(out) == _content(ref)
    assert list(spied["scratch"][0].iterdir()) == []


@pytest.mark.parametrize("where", ["writing the rows", "copying the R-tree"])
def test_failure_half_way_leaves_the_old_file_and_nothing_else(tmp_path, monkeypatch, spied, where):
    table, x, y, crs = _table("sample")
    out = tmp_path / "out" / "incidents.gpkg"
    out.parent.mkdir()
    monkeypatch.setattr(gpkg_points, "BESIDE_ROWS", 1)
    gpkg_points.write_points_gpkg_xy(table.head(50), x[:50], y[:50], out, crs, layer="incidents")
    before = out.read_bytes()

    class Boom(RuntimeError):
        pass

    if where == "writing the rows":  # GDAL has written part of the file, then fails
        write_arrow = pyogrio.raw.write_arrow

        def failing(tbl, path, **kw):
            write_arrow(tbl.slice(0, len(tbl) // 2), path, **kw)
            raise Boom

        monkeypatch.setattr(pyogrio.raw, "write_arrow", failing)
    else:  # the rows are in; the R-tree copy fails
        monkeypatch.setattr(fmt, "rebuild_rtree", lambda *a: (_ for _ in ()).throw(Boom()))
        monkeypatch.setattr(fmt, "_create_rtree", lambda *a: (_ for _ in ()).throw(Boom()))
    with pytest.raises(Boom):
        gpkg_points.write_points_gpkg_xy(table, x, y, out, crs, layer="incidents")
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == [out.name]
    assert list(spied["scratch"][0].iterdir()) == []
    assert spied["procs"] and all(p.poll() is not None for p in spied["procs"])
    assert pyogrio.read_info(out)["features"] == 50


def _strftime(v: pd.Series) -> list:
    """The text the GeoDataFrame path writes (write._naive_datetimes_as_text), from pandas' own strftime."""
    plain = v.dropna()
    fmt = "%Y-%m-%d" if bool((plain == plain.dt.normalize()).all()) else "%Y-%m-%dT%H:%M:%S"
    return v.dt.strftime(fmt).astype(object).where(v.notna(), None).tolist()


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_dates_as_text_in_arrow_equal_strftime(unit):
    rng = np.random.default_rng(2)
    n = 5000
    ticks = rng.integers(-2_000_000_000, 4_000_000_000, n) * 10**6 + rng.integers(0, 10**6, n)  # 1906 … 2096, µs
    times = pd.Series(ticks.astype("datetime64[us]")).astype(f"datetime64[{unit}]")
    times[rng.random(n) < 0.1] = pd.NaT
    days = times.dt.normalize()
    fraction = days + pd.Timedelta(milliseconds=500)  # midnight and a half second: not dates only
    edges = np.array(["1000-01-01", "9999-12-31T23:59:59", "1969-12-31T23:59:59.999", "NaT"], dtype="datetime64[ms]")
    edges = pd.Series(edges[2:] if unit == "ns" else edges).astype(f"datetime64[{unit}]")
    for v in (times, days, fraction, edges, pd.Series(pd.NaT, index=range(3), dtype=f"datetime64[{unit}]")):
        assert iso_arrow(v).to_pylist() == _strftime(v)
    far = pd.Series(np.array(["0999-12-31", "2020-01-01"], dtype="datetime64[s]"))
    assert iso_arrow(far) is None  # the caller's way
