"""The GeoPackage store: format, versions and history, as-of dates, atomicity, locking."""

from __future__ import annotations

import datetime as dt
import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely

import bingeo
from bingeo import settings
from bingeo.stores import open_store
from bingeo.stores.gpkg import GpkgStore


def frame(rows, crs=28992):
    """rows: (id, kind, geometry, extra dict)."""
    recs = []
    for nid, kind, geom, extra in rows:
        recs.append(
            {"network_id": nid, "name": f"Net {nid}", "kind": kind, "status": "active", **extra, "geometry": geom}
        )
    return gpd.GeoDataFrame(recs, geometry="geometry", crs=crs)


@pytest.fixture
def store(tmp_path):
    st = open_store(tmp_path / "bins.gpkg", create=True, crs=28992)
    yield st
    st.close()


@pytest.fixture
def two(store):
    store.import_networks(
        frame(
            [
                ("A", "bin", shapely.box(0, 0, 100, 100), {"founded": "2015-03-01", "valid_from": "2015-03-01"}),
                ("B", "whatsapp", shapely.box(50, 50, 80, 80), {}),
            ]
        ),
        source="first.gpkg",
        effective=dt.date(2020, 1, 1),
    )
    return store


def test_file_is_geopackage_12_readable_by_gdal(two, tmp_path):
    path = tmp_path / "bins.gpkg"
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the R-tree index holds every feature with its bounds (maintained by the standard triggers)
    rtree = dict((r[0], r[1:]) for r in con.execute("SELECT id, minx, maxx, miny, maxy FROM rtree_networks_geom"))
    fids = dict(con.execute("SELECT network_id, fid FROM networks").fetchall())
    assert rtree[fids["A"]] == (0, 100, 0, 100) and rtree[fids["B"]] == (50, 80, 50, 80)
    con.close()
    layers = dict(pyogrio.list_layers(path))
    assert layers["networks"] == "MultiPolygon" and layers["network_history"] == "MultiPolygon"
    gdf = gpd.read_file(path, layer="networks")
    assert gdf.crs.to_epsg() == 28992
    assert sorted(gdf["network_id"]) == ["A", "B"]
    assert gdf.geometry.area.round().tolist() == [10000.0, 900.0]


@pytest.mark.parametrize("epsg", [28992, 31370, 3812, 4326])
def test_store_crs_fixed_at_creation(tmp_path, epsg):
    path = tmp_path / "s.gpkg"
    with open_store(path, create=True, crs=epsg) as st:
        assert st.crs.to_epsg() == epsg
    with open_store(path, crs=4326 if epsg != 4326 else 28992) as st:  # asking another CRS does not change it
        assert st.crs.to_epsg() == epsg
    assert gpd.read_file(path, layer="networks").crs.to_epsg() == epsg


def test_new_store_needs_crs_and_missing_store_is_explained(tmp_path):
    with pytest.raises(bingeo.StoreError, match="needs a CRS"):
        open_store(tmp_path / "x.gpkg", create=True)
    assert not (tmp_path / "x.gpkg").exists()
    with pytest.raises(bingeo.StoreError, match="does not exist.*bingeo networks import"):
        open_store(tmp_path / "nope.gpkg")
    with pytest.raises(bingeo.StoreError, match="folder .* does not exist"):
        open_store(tmp_path / "no" / "dir.gpkg", create=True, crs=28992)


def test_foreign_files_are_not_taken_for_stores(tmp_path):
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"this is not sqlite at all" * 10)
    with pytest.raises(bingeo.StoreError, match="not a GeoPackage"):
        open_store(junk)
    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=28992).to_file(other)
    with pytest.raises(bingeo.StoreError, match="not a bingeo store.*networks import"):
        open_store(other)


def test_reimport_unchanged_is_a_no_op(two):
    before = two.network_history()
    rep = two.import_networks(
        frame(
            [
                ("A", "bin", shapely.box(0, 0, 100, 100), {"founded": "2015-03-01", "valid_from": "2015-03-01"}),
                (
                    "B",
                    "whatsapp",
                    shapely.Polygon([(50, 50), (80, 50), (80, 80), (50, 80)]),
                    {},
                ),  # same area, other ring start
            ]
        ),
        source="first.gpkg",
    )
    assert rep.unchanged == ["A", "B"] and not rep.added and not rep.updated
    assert len(two.network_history()) == len(before) == 2


def test_changed_boundary_makes_new_version_and_as_of_sees_the_old(two):
    rep = two.import_networks(
        frame([("A", "bin", shapely.box(0, 0, 120, 100), {"founded": "2015-03-01", "valid_from": "2015-03-01"})]),
        source="second.gpkg",
        effective=dt.date(2022, 6, 1),
    )
    assert rep.updated == ["A"] and rep.not_in_source == ["B"]
    now = two.networks()
    assert now.set_index("network_id").loc["A", "version"] == 2
    assert now.set_index("network_id").geometry["A"].area == 12000
    old = two.networks(at="2021-01-01").set_index("network_id")
    assert old.geometry["A"].area == 10000 and old.loc["A", "version"] == 1
    assert two.networks(at="2022-06-01").set_index("network_id").geometry["A"].area == 12000
    # before founding, A did not exist; B has no founding date: it existed
    assert two.networks(at="2014-01-01")["network_id"].tolist() == ["B"]
    hist = two.network_history("A")
    assert hist["version"].tolist() == [1, 2]
    assert hist["version_to"].tolist()[0] == "2022-06-01"


def test_retire_keeps_network_for_earlier_dates(two):
    two.import_networks(  # a version change first, so history rows exist
        frame([("A", "bin", shapely.box(0, 0, 120, 100), {"founded": "2015-03-01", "valid_from": "2015-03-01"})]),
        source="s",
        effective=dt.date(2019, 1, 1),
    )
    two.retire_network("A", on="2023-01-01")
    assert two.networks()["network_id"].tolist() == ["B"]
    assert two.networks(include_retired=True).set_index("network_id").loc["A", "status"] == "retired"
    assert "A" in two.networks(at="2022-12-31")["network_id"].tolist()
    assert "A" not in two.networks(at="2023-01-01")["network_id"].tolist()
    # the older boundary version must not come back for dates after retirement
    assert "A" not in two.networks(at="2024-05-01")["network_id"].tolist()
    assert two.networks(at="2018-05-01").set_index("network_id").geometry["A"].area == 10000


def test_retire_errors(two):
    with pytest.raises(bingeo.InputError, match=r"no network with id 'Z'.*Known ids: A, B"):
        two.retire_network("Z", on="2023-01-01")
    with pytest.raises(bingeo.ConflictError, match="version 1, not 7"):
        two.retire_network("A", on="2023-01-01", expected_version=7)


def test_concurrent_change_is_detected(tmp_path, two):
    other = open_store(tmp_path / "bins.gpkg")
    seen = other.networks().set_index("network_id").loc["A", "version"]
    two.retire_network("A", on="2023-01-01")  # someone else changes A
    with pytest.raises(bingeo.ConflictError, match="someone changed it"):
        other.retire_network("A", on="2024-01-01", expected_version=int(seen))
    other.close()


def test_failed_import_leaves_store_unchanged(two, monkeypatch, tmp_path):
    before = two.network_history()
    calls = {"n": 0}
    real = GpkgStore._insert_network

    def flaky(self, h, table, rec, geom):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(self, h, table, rec, geom)

    monkeypatch.setattr(GpkgStore, "_insert_network", flaky)
    with pytest.raises(RuntimeError, match="disk on fire"):
        two.import_networks(
            frame([("C", "bin", shapely.box(200, 0, 300, 100), {}), ("D", "bin", shapely.box(300, 0, 400, 100), {})]),
            source="x",
        )
    monkeypatch.undo()
    after = open_store(tmp_path / "bins.gpkg").network_history()
    assert after["network_id"].tolist() == before["network_id"].tolist() == ["A", "B"]


def test_writer_waits_for_lock_then_fails_clearly(two, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "lock_timeout", 0.2)
    blocker = sqlite3.connect(tmp_path / "bins.gpkg", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    second = open_store(tmp_path / "bins.gpkg")
    with pytest.raises(bingeo.StoreError, match="locked by another writer"):
        second.retire_network("A", on="2023-01-01")
    blocker.execute("ROLLBACK")
    second.retire_network("A", on="2023-01-01")  # works once the lock is gone
    second.close()
    blocker.close()


def test_store_version_newer_than_bingeo_is_refused(two, tmp_path):
    two.close()
    con = sqlite3.connect(tmp_path / "bins.gpkg")
    con.execute("UPDATE bingeo_meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(bingeo.StoreError, match="schema version 99"):
        open_store(tmp_path / "bins.gpkg")


def test_network_named_like_sql_injection_is_just_a_name(store):
    evil = "x'); DROP TABLE networks; --"
    store.import_networks(frame([(evil, "bin", shapely.box(0, 0, 1, 1), {})]), source=evil)
    assert store.networks()["network_id"].tolist() == [evil]
    store.retire_network(evil, on="2020-01-01")
    assert store.networks(include_retired=True)["network_id"].tolist() == [evil]
