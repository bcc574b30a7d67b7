"""Store schema 2: members, addresses and the append-only audit log; upgrade from schema 1."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import bingeo
from bingeo.stores._gpkg_format import register_functions

V1 = Path(__file__).resolve().parent / "data" / "store_v1.gpkg"  # written by bingeo at schema version 1


def members_frame(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {
            "member_id": [f"M{i:05d}" for i in range(n)],
            "person_id": [f"p-{i // 2:05d}" for i in range(n)],
            "name": [f"Lid {i}" for i in range(n)],
            "email": [f"lid{i}@example.org" for i in range(n)],
            "phone": ["+31612345678"] * n,
            "phone_kind": ["mobile"] * n,
            "channels": ["sms;email"] * n,
            "consent": rng.random(n) > 0.1,
            "role": ["member"] * n,
            "networks": ["GR-BIN-001"] * n,
            "status": ["active"] * n,
        },
        geometry=gpd.points_from_xy(rng.uniform(230000, 236000, n), rng.uniform(578000, 586000, n)),
        crs=28992,
    )


def test_schema_1_store_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.gpkg"
    shutil.copy(V1, path)
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM bingeo_meta WHERE key='schema_version'").fetchone() == ("1",)
    con.close()
    with bingeo.open_store(path) as st:
        assert len(st.networks(include_retired=True)) == 18  # nothing lost
        assert st.members().empty
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM bingeo_meta WHERE key='schema_version'").fetchone() == ("2",)
    con.close()
    layers = dict(pyogrio.list_layers(path))
    assert layers["members"] == "Point" and layers["audit_log"] == "MultiPolygon" and layers["addresses"] == "Point"


def test_members_upsert_versions_and_bbox(tmp_path):
    with bingeo.open_store(tmp_path / "s.gpkg", create=True, crs=28992) as st:
        m = members_frame(500)
        assert st.upsert_members(m) == {"added": 500, "updated": 0, "unchanged": 0}
        assert st.upsert_members(m) == {"added": 0, "updated": 0, "unchanged": 500}
        m2 = m.copy()
        m2.loc[3, "email"] = "nieuw@example.org"
        m2.loc[4, "geometry"] = shapely.Point(231000, 579000)
        assert st.upsert_members(m2) == {"added": 0, "updated": 2, "unchanged": 498}
        got = st.members().set_index("member_id")
        assert got.loc["M00003", "version"] == 2 and got.loc["M00000", "version"] == 1
        assert got.loc["M00003", "email"] == "nieuw@example.org"
        assert got["consent"].tolist() == m2.set_index("member_id").loc[got.index, "consent"].tolist()
        box = (232000, 580000, 233500, 582500)
        inside = st.members(bbox=box)
        geoms = m2.geometry.to_numpy()
        want = set(m2["member_id"][shapely.intersects(shapely.box(*box), geoms)])
        assert set(inside["member_id"]) == want and len(want) > 10


def test_addresses_import(tmp_path):
    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    adr = bingeo.read_points(samples / "addresses.csv", crs=28992).points
    frame = gpd.GeoDataFrame(
        {
            "address_id": adr["adres_id"].astype(str),
            "street": adr["straat"],
            "house_number": adr["huisnummer"],
            "postcode": adr["postcode"],
            "city": adr["woonplaats"],
            "households": adr["huishoudens"],
        },
        geometry=adr.geometry,
        crs=adr.crs,
    )
    with bingeo.open_store(tmp_path / "s.gpkg", create=True, crs=28992) as st:
        assert st.import_addresses(frame)["added"] == len(frame)
        assert st.import_addresses(frame)["unchanged"] == len(frame)
        back = st.addresses()
    assert len(back) == len(frame) and back["households"].sum() == frame["households"].sum()


def test_audit_log_is_append_only(tmp_path):
    path = tmp_path / "s.gpkg"
    with bingeo.open_store(path, create=True, crs=28992) as st:
        st.append_audit(
            alert_id="A-1",
            action="select",
            area=shapely.box(0, 0, 10, 10),
            operator="agent 123",
            reason="PV 2026-001",
            urgency="urgent",
            counts={"sms": 2},
            member_ids=["M2", "M1"],
        )
        with pytest.raises(bingeo.ConflictError, match="'A-1' is already in the audit log"):
            st.append_audit(alert_id="A-1", action="select", area=None)  # alert ids are unique
        log = st.audit()
    assert log["alert_id"].tolist() == ["A-1"] and log.loc[0, "member_ids"] == '["M1", "M2"]'
    assert log.geometry.iloc[0].area == 100
    con = sqlite3.connect(path)
    register_functions(con)  # as every GeoPackage client (GDAL, QGIS) does
    for sql in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()
    with bingeo.open_store(path) as st:
        assert len(st.audit()) == 1
