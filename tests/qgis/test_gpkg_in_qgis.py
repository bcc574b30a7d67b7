"""GeoPackages in the real QGIS 3.22 (Debian bookworm's python3-qgis).

``assert_opens_cleanly_in_qgis(path)`` opens every layer of a GeoPackage in
QGIS and fails on anything a QGIS user would trip over: an invalid layer, a
wrong feature count, an unknown CRS, unreadable geometries, a stale extent or
R-tree, or ANY warning that QGIS or GDAL logs while opening and reading.

The first tests prove the check can fail (a GeoPackage 1.4 file, as written by
recent GDAL wheels by default, makes GDAL 3.6 in QGIS 3.22 warn); the last ones
run it on bingeo's own files.

Importable without QGIS: qgis is only imported through the ``qgis_app``
fixture (tests/conftest.py), which skips on a developer machine without QGIS
and fails in CI.
"""

from __future__ import annotations

import sqlite3
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qgis_check import (  # noqa: E402  (tests/qgis is not a package, on purpose: see conftest)
    assert_opens_cleanly_in_qgis,
    check_gpkg_in_qgis,
    gpkg_spec_problems,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"

V14_WARNING = "This version of GeoPackage user_version=0x000028A0 (10400, v1.4.0)"


def user_version(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()


def small_frame():
    import datetime as dt

    import geopandas as gpd
    from shapely.geometry import MultiPolygon, Polygon

    utc = dt.timezone.utc
    sq = lambda x, y, s=100.0: Polygon([(x, y), (x + s, y), (x + s, y + s), (x, y + s)])  # noqa: E731
    return gpd.GeoDataFrame(
        {
            "name": ["Noord", "Zuid", "Geen grens"],
            "members": [12, 40, 3],
            "area_km2": [0.01, 0.02, None],
            # UTC-aware: GDAL writes 2019-05-01T12:00:00.000Z in a 1.2 file, the one DATETIME form
            # GDAL 3.6 reads without warning; naive datetimes become '...T12:00:00.000' (no Z),
            # which the GeoPackage validator rejects.
            "founded": [dt.datetime(2019, 5, 1, 12, 0, tzinfo=utc), dt.datetime(2021, 1, 31, 8, 30, tzinfo=utc), None],
        },
        geometry=[MultiPolygon([sq(233000, 582000)]), MultiPolygon([sq(234000, 581000), sq(234200, 581000)]), None],
        crs=28992,
    )


@pytest.fixture
def gpkg_v14(tmp_path) -> Path:
    """Written by geopandas/pyogrio with the wheel's default GeoPackage version (1.4)."""
    path = tmp_path / "default.gpkg"
    small_frame().to_file(path, layer="networks", driver="GPKG", engine="pyogrio")
    return path


@pytest.fixture
def gpkg_v12(tmp_path) -> Path:
    """Written by geopandas/pyogrio with VERSION=1.2, as bingeo writes GeoPackages."""
    path = tmp_path / "v12.gpkg"
    small_frame().to_file(path, layer="networks", driver="GPKG", engine="pyogrio", dataset_options={"VERSION": "1.2"})
    return path


# --------------------------------------------------------------------------- the check can fail


def test_default_gdal_wheel_gpkg_is_version_1_4(gpkg_v14):
    # the premise of this file: a recent GDAL wheel writes GeoPackage 1.4 unless told otherwise
    assert user_version(gpkg_v14) == 10400


def test_gpkg_1_4_makes_qgis_warn(qgis_app, gpkg_v14):
    with pytest.raises(AssertionError, match=r"10400, v1\.4\.0.*may only be partially supported"):
        assert_opens_cleanly_in_qgis(gpkg_v14)
    # GDAL 3.6 (QGIS's) warns through CPLError, not through QGIS's message log; the data itself
    # reads fine.  In a 1.4 file GDAL 3.12 also writes DATETIME without milliseconds
    # ('2019-05-01T12:00:00Z'), which GDAL 3.6 reports as "Non-conformant content".
    rep = check_gpkg_in_qgis(gpkg_v14)
    assert {m.source for m in rep.messages} == {"gdal"}
    texts = {m.text for m in rep.messages}
    assert any(V14_WARNING in t for t in texts)
    assert all(V14_WARNING in t or t.startswith("Non-conformant content") for t in texts)
    (layer,) = rep.layers
    assert layer.valid and layer.qgis_count == 3 and layer.qgis_geoms == 2 and layer.authid == "EPSG:28992"


def test_gpkg_1_2_opens_cleanly(qgis_app, gpkg_v12):
    assert user_version(gpkg_v12) == 10200
    rep = assert_opens_cleanly_in_qgis(gpkg_v12)
    assert rep.messages == []
    (layer,) = rep.layers
    assert (layer.name, layer.valid, layer.sqlite_count, layer.qgis_count) == ("networks", True, 3, 3)
    assert (layer.sqlite_geoms, layer.qgis_geoms, layer.authid) == (2, 2, "EPSG:28992")
    assert gpkg_spec_problems(gpkg_v12) == []


# Each defect below is one that a hand-written GeoPackage (bingeo writes its store with
# sqlite3) can have, and each is caught.  QGIS opens all of these files as "valid".


def _connect_like_gdal(path: Path) -> sqlite3.Connection:
    """sqlite3 connection with the ST_* functions that GDAL's R-tree triggers call.

    Without them ANY UPDATE of a GDAL-written feature table fails ("no such
    function: ST_IsEmpty"), even one that does not touch the geometry: the
    ``AFTER UPDATE ON t`` trigger (update4) is prepared for every update.
    """
    import shapely

    def wkb(blob):
        flags = blob[3]
        return bytes(blob[8 + 8 * {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}[(flags >> 1) & 7] :])

    def bound(i):
        def f(blob):
            if blob is None:
                return None
            g = shapely.from_wkb(wkb(blob))
            return None if g.is_empty else float(g.bounds[i])

        return f

    con = sqlite3.connect(path)
    con.create_function("ST_IsEmpty", 1, lambda b: 1 if b is None or shapely.from_wkb(wkb(b)).is_empty else 0)
    for name, i in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
        con.create_function(name, 1, bound(i))
    return con


def _set_envelope_wrong_order(con: sqlite3.Connection) -> None:
    # the header envelope is (minx, maxx, miny, maxy); writing shapely's bounds order is a classic slip
    import shapely

    def bad(blob):
        if blob is None or blob[3] != 0b011:  # little endian, xy envelope, not empty
            return blob
        g = shapely.from_wkb(bytes(blob[40:]))
        return bytes(blob[:8]) + struct.pack("<4d", *g.bounds) + bytes(blob[40:])

    con.create_function("bad_env", 1, bad)
    con.execute("UPDATE networks SET geom = bad_env(geom)")


DEFECTS = {
    # name: (sql or callable, text expected in the AssertionError)
    "gpkg 1.4 user_version": ("PRAGMA user_version = 10400", "may only be partially supported"),
    "stale extent in gpkg_contents": (
        "UPDATE gpkg_contents SET max_x = min_x + 1, max_y = min_y + 1",
        "does not contain the data",
    ),
    "empty R-tree (triggers missing when rows were written)": (
        "DELETE FROM rtree_networks_geom",
        "not found by a spatial filter on their own bounding box",
    ),
    "wrong gpkg_ogr_contents feature_count": (
        "UPDATE gpkg_ogr_contents SET feature_count = 99",
        "QGIS featureCount 99 != sqlite count 3",
    ),
    "DATETIME without milliseconds": (
        "UPDATE networks SET founded = '2019-05-01T12:00:00Z' WHERE founded IS NOT NULL",
        "Non-conformant content",
    ),
    "column type GDAL does not know": ("ALTER TABLE networks ADD COLUMN note VARCHAR", "Field format 'VARCHAR'"),
    "header envelope in bounds order": (_set_envelope_wrong_order, "header envelope"),
}


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_check_catches_defect(qgis_app, gpkg_v12, defect):
    action, expected = DEFECTS[defect]
    con = _connect_like_gdal(gpkg_v12)
    try:
        action(con) if callable(action) else con.execute(action)
        con.commit()
    finally:
        con.close()
    with pytest.raises(AssertionError) as err:
        assert_opens_cleanly_in_qgis(gpkg_v12)
    assert expected in str(err.value)


# --------------------------------------------------------------------------- bingeo's own files


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.gpkg")), ids=lambda p: p.name)
def test_sample_gpkg_opens_cleanly(qgis_app, path):
    assert_opens_cleanly_in_qgis(path)


@pytest.fixture(scope="module")
def demo_outputs(tmp_path_factory) -> dict:
    """Every GeoPackage bingeo writes: the demo's store (networks, history, a retired network),
    its assigned incidents, the layers of `networks check --output`, hot spots and proposals."""
    from bingeo.demo import run_demo
    from bingeo.readers import write_table
    from bingeo.registry import check_networks
    from bingeo.stores import open_store

    out = tmp_path_factory.mktemp("demo")
    paths = run_demo(out / "demo", echo=lambda s: None)
    with open_store(paths["store"]) as st:
        st.retire_network("GR-BIN-002", on="2024-06-01")
        # schema 2 layers with content: synthetic members and one audit record
        import geopandas as gpd
        import shapely

        st.upsert_members(
            gpd.GeoDataFrame(
                {
                    "member_id": ["M1", "M2"],
                    "person_id": ["p-1", "p-2"],
                    "name": ["Lid Een", "Lid Twee"],
                    "email": ["een@example.org", None],
                    "phone": [None, "+31612345678"],
                    "consent": [True, False],
                    "consent_date": ["2024-01-02", None],
                    "role": ["member", "coordinator"],
                    "status": ["active"] * 2,
                },
                geometry=gpd.points_from_xy([233000, 233500], [582000, 582500]),
                crs=28992,
            )
        )
        st.append_audit(
            alert_id="A-1",
            action="select",
            area=shapely.box(232000, 581000, 234000, 583000),
            operator="agent",
            reason="test",
            urgency="urgent",
            member_ids=["M1"],
        )
        rep = check_networks(st.networks())
    check = out / "check.gpkg"
    for layer, gtype in (("overlaps", "MultiPolygon"), ("gaps", "Polygon"), ("invalid", "MultiPolygon")):
        write_table(getattr(rep, layer), check, layer=layer, geometry_type=gtype)
    return {
        "store": paths["store"],
        "incidents": paths["incidents"],
        "check": check,
        "hotspots": paths["hotspots"],
        "proposals": paths["proposals"],
    }


OUTPUTS = ["store", "incidents", "check", "hotspots", "proposals"]


@pytest.mark.parametrize("name", OUTPUTS)
def test_bingeo_outputs_open_cleanly_in_qgis(qgis_app, demo_outputs, name):
    path = demo_outputs[name]
    rep = assert_opens_cleanly_in_qgis(path)
    assert user_version(path) == 10200
    counts = {layer.name: layer.qgis_count for layer in rep.layers}
    if name == "store":
        assert counts["networks"] == 19 and counts["network_history"] > 0
        # the demo's members and alerts, plus the two members and one audit record added above; the
        # reference is sqlite itself, not bingeo's reader
        con = sqlite3.connect(path)
        try:
            want = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("members", "audit_log")}
        finally:
            con.close()
        assert counts["members"] == want["members"] > 2 and counts["audit_log"] == want["audit_log"] > 1
    if name == "incidents":
        assert counts["incidents"] > 4000
    if name == "hotspots":
        assert counts["hotspots"] > 0 and counts["cells"] > 1000


@pytest.mark.parametrize("name", OUTPUTS)
def test_bingeo_outputs_meet_the_geopackage_spec(qgis_app, demo_outputs, name):
    """GDAL's own validator (validate_gpkg.py of GDAL 3.6), stricter than QGIS."""
    problems = gpkg_spec_problems(demo_outputs[name])
    assert not problems, "validate_gpkg.py finds:\n  - " + "\n  - ".join(problems)
