"""`bingeo store copy`: GeoPackage -> PostGIS -> GeoPackage loses nothing (geometry, attributes, history, audit)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.stores import copy_store, open_store
from tests.test_store_backends import members_frame

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
TABLES = ("networks", "network_history", "members", "addresses", "audit_log")


def rich_store(path: Path) -> None:
    """A store with every kind of row: versions, a retirement, members, addresses, audit records."""
    bingeo.import_networks(SAMPLES / "networks.gpkg", path, store_crs=28992, effective=dt.date(2020, 1, 1))
    bingeo.import_networks(SAMPLES / "networks_update.geojson", path, effective=dt.date(2023, 3, 1))
    with open_store(path) as st:
        st.retire_network(st.networks()["network_id"].iloc[0], on="2024-06-01")
        st.upsert_members(members_frame(120, seed=2))
        adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
        from bingeo.addresses import addresses_for_store

        st.import_addresses(addresses_for_store(adr.head(500), source="addresses.csv"))
        st.append_audit(
            alert_id="A-1",
            action="select",
            area=shapely.Point(233000, 582000).buffer(300),
            operator="agent 1",
            reason="PV 1",
            urgency="urgent",
            counts={"sms": 3},
            member_ids=["M00001", "M00002"],
            selection={"mode": "area"},
        )
        st.append_audit(alert_id="A-2", action="follow-up", area=None, parent_alert_id="A-1", reason="afloop é ✓")


def raw_rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every bingeo table as sqlite3 sees it (geometry blobs included), without fid."""
    con = sqlite3.connect(path)
    out = {}
    for table in TABLES:
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[1] != "fid"]
        names = ", ".join(f'"{c}"' for c in cols)
        out[table] = sorted(con.execute(f'SELECT {names} FROM "{table}"').fetchall(), key=repr)
    meta = dict(con.execute("SELECT key, value FROM bingeo_meta").fetchall())
    con.close()
    out["crs"] = [(meta["crs"],)]
    return out


def test_round_trip_gpkg_postgis_gpkg_is_lossless(tmp_path, postgis_store_url):
    original = tmp_path / "original.gpkg"
    back = tmp_path / "back.gpkg"
    rich_store(original)
    runner = CliRunner()
    res = runner.invoke(cli, ["store", "copy", str(original), postgis_store_url])
    assert res.exit_code == 0, res.output
    assert "copied" in res.output and "2 audit_log" in res.output
    res = runner.invoke(cli, ["store", "copy", postgis_store_url, str(back)])
    assert res.exit_code == 0, res.output
    want, got = raw_rows(original), raw_rows(back)
    for table in TABLES:
        assert len(want[table]) > 0, table
        assert got[table] == want[table], table  # byte for byte, timestamps and geometry blobs included
    assert got["crs"] == want["crs"] == [("EPSG:28992",)]
    with open_store(original) as a, open_store(postgis_store_url) as p:
        for table in TABLES:  # the PostGIS copy reads back the same through the API
            x, y = a.read_table(table), p.read_table(table)
            assert (
                x.drop(columns="geometry").astype(object).fillna("∅").values.tolist()
                == y.drop(columns="geometry").astype(object).fillna("∅").values.tolist()
            ), table
            wkb = [[None if g is None else g.wkb for g in f.geometry] for f in (x, y)]
            assert wkb[0] == wkb[1], table
        assert len(p.network_history()) > len(p.networks(include_retired=True))  # history came along
    with sqlite3.connect(back) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_copy_refuses_a_non_empty_target_or_another_crs(tmp_path, postgis_store_url):
    a = tmp_path / "a.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", a, store_crs=28992)
    copy_store(a, postgis_store_url)
    with pytest.raises(bingeo.StoreError, match="not empty"):
        copy_store(a, postgis_store_url)
    with open_store(tmp_path / "rd.gpkg", create=True, crs=31370):
        pass
    with pytest.raises(bingeo.StoreError, match="CRS is fixed"):
        copy_store(a, tmp_path / "rd.gpkg")
    with open_store(postgis_store_url) as p, open_store(a) as src:
        assert len(p.networks()) == len(src.networks())  # the refused copy changed nothing
