"""The store-dependent workflows on both backends (GeoPackage and PostGIS), outputs compared.

The same CLI session (networks import / re-import / retire / list / history / as-of, addresses,
members, recipients by network and by radius with the audit log, assignment of incidents) runs
against a GeoPackage store and a PostGIS store; every store table, every command output and every
file written must be the same on both, up to timestamps, alert ids and the store's location.
The library-level semantics are then checked on each backend (parametrized).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.stores import open_store

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
VOLATILE = {"updated_at", "created_at", "alert_id", "parent_alert_id"}


def _session(store: str, tmp: Path) -> dict[str, object]:
    """Run one CLI session against ``store``; return the outputs and files, normalised."""
    outputs: list[str] = []

    def run(*args: object) -> str:
        res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        text = res.output.replace(store, "<STORE>").replace(str(tmp), "<TMP>")
        try:
            shown = open_store(store)
            text = text.replace(shown.location, "<STORE>")
            shown.close()
        except bingeo.StoreError:
            pass
        text = re.sub(r"A-\d{8}-\d{6}-[0-9a-f]{6}", "<ALERT>", text)
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?", "<TIME>", text)
        outputs.append(text)
        return text

    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store, "--effective", "2020-01-01")
    run("networks", "import", SAMPLES / "networks_update.geojson", "--store", store, "--effective", "2023-03-01")
    first = open_store(store)
    some = first.networks()["network_id"].tolist()
    first.close()
    run("networks", "retire", some[-1], "--on", "2024-06-01", "--store", store)
    run("networks", "list", "--store", store, "--all")
    run("networks", "list", "--store", store, "--at", "2021-06-01")
    run("networks", "list", "--store", store, "--at", "2024-01-01")
    run("networks", "history", "--store", store)
    run("networks", "check", "--store", store)
    run("addresses", "import", SAMPLES / "addresses.csv", "--store", store, "--crs", "28992")
    members = tmp / "members.csv"  # rejects go beside the source (server store) or the store: both in tmp
    members.write_bytes((SAMPLES / "members.csv").read_bytes())
    run("members", "import", members, "--store", store, "--crs", "28992")
    run("members", "import", members, "--store", store, "--crs", "28992")  # unchanged
    run(
        "recipients",
        "--store",
        store,
        "--network",
        "GR-BIN-001",
        "--output",
        tmp / "net.csv",
        "--operator",
        "agent 1",
        "--reason",
        "PV 1",
    )
    run(
        "recipients",
        "--store",
        store,
        "--around",
        "233500,582000",
        "--radius",
        "800",
        "--urgency",
        "normal",
        "--output",
        tmp / "around.csv",
        "--operator",
        "agent 2",
        "--reason",
        "PV 2",
    )
    run("audit", "list", "--store", store)
    run("assign", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", tmp / "assigned.csv")
    run(
        "assign",
        SAMPLES / "incidents.csv",
        "--store",
        store,
        "--crs",
        "28992",
        "--at",
        "2021-06-01",
        "--output",
        tmp / "assigned_2021.csv",
    )
    run("store", "info", store)
    files = {p.name: p.read_bytes() for p in sorted(tmp.iterdir()) if p.suffix in (".csv", ".txt")}
    with open_store(store) as st:
        tables = {t: st.read_table(t) for t in ("networks", "network_history", "members", "addresses", "audit_log")}
    return {"outputs": outputs, "files": files, "tables": tables}


@pytest.fixture(scope="module")
def both(tmp_path_factory, request):
    """The session run on a GeoPackage store and on a PostGIS store."""
    import psycopg

    url = request.getfixturevalue("postgis_url")
    schema = f"wf_{uuid.uuid4().hex[:10]}"
    gtmp, ptmp = tmp_path_factory.mktemp("gpkg"), tmp_path_factory.mktemp("pg")
    gpkg = _session(str(gtmp / "bins.gpkg"), gtmp)
    pg = _session(f"{url}&schema={schema}", ptmp)
    yield gpkg, pg
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _comparable(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    df = pd.DataFrame(gdf.drop(columns=[c for c in gdf.columns if c in VOLATILE or c == "geometry"]))
    df = df.astype(object).where(df.notna(), None)
    df["wkb"] = [None if g is None else shapely.to_wkb(shapely.normalize(g)) for g in gdf.geometry]
    return df.reset_index(drop=True)


def test_store_tables_are_identical(both):
    gpkg, pg = both
    for table in gpkg["tables"]:
        g, p = gpkg["tables"][table], pg["tables"][table]
        assert len(g) == len(p) and len(g) > 0, table
        pd.testing.assert_frame_equal(_comparable(g), _comparable(p), check_dtype=False, obj=table)
    # the audit records hold the same members, in the same order of selections
    assert gpkg["tables"]["audit_log"]["member_ids"].tolist() == pg["tables"]["audit_log"]["member_ids"].tolist()


def test_command_outputs_are_identical(both):
    gpkg, pg = both
    g_out = [o.replace("GpkgStore", "<BACKEND>") for o in gpkg["outputs"]]
    p_out = [o.replace("PostgisStore", "<BACKEND>") for o in pg["outputs"]]
    for i, (a, b) in enumerate(zip(g_out, p_out)):
        assert a == b, f"command {i} differs:\n--- gpkg\n{a}\n--- postgis\n{b}"
    assert len(g_out) == len(p_out) == 17


def test_written_files_are_identical(both):
    gpkg, pg = both
    assert set(gpkg["files"]) == set(pg["files"])
    assert {"net.csv", "around.csv", "assigned.csv", "assigned_2021.csv"} <= set(gpkg["files"])
    for name in gpkg["files"]:
        assert gpkg["files"][name] == pg["files"][name], name
    assigned = pd.read_csv(pd.io.common.BytesIO(gpkg["files"]["assigned.csv"]), sep=None, engine="python")
    assert assigned["network_id"].notna().sum() > 0  # not a trivially empty comparison


# ------------------------------------------------------------------------ semantics per backend


def frame(rows, crs=28992):
    recs = [
        {"network_id": nid, "name": f"Net {nid}", "kind": kind, "status": "active", **extra, "geometry": geom}
        for nid, kind, geom, extra in rows
    ]
    return gpd.GeoDataFrame(recs, geometry="geometry", crs=crs)


@pytest.fixture
def two(store_location):
    st = open_store(store_location, create=True, crs=28992)
    st.import_networks(
        frame(
            [
                ("A", "bin", shapely.box(0, 0, 100, 100), {"founded": "2015-03-01", "valid_from": "2015-03-01"}),
                ("B", "whatsapp", shapely.box(50, 50, 80, 80), {}),
            ]
        ),
        source="first.gpkg",
        effective=dt.date(2020, 1, 1),
    )
    yield st
    st.close()


def test_versions_history_as_of_and_retire(two):
    rep = two.import_networks(
        frame(
            [
                ("A", "bin", shapely.box(0, 0, 120, 100), {"founded": "2015-03-01", "valid_from": "2015-03-01"}),
                ("B", "whatsapp", shapely.Polygon([(50, 50), (80, 50), (80, 80), (50, 80)]), {}),
            ]
        ),
        source="second.gpkg",
        effective=dt.date(2022, 6, 1),
    )
    assert rep.updated == ["A"] and rep.unchanged == ["B"]
    assert two.networks(at="2021-01-01").set_index("network_id").geometry["A"].area == 10000
    assert two.networks(at="2022-06-01").set_index("network_id").geometry["A"].area == 12000
    assert two.networks(at="2014-01-01")["network_id"].tolist() == ["B"]
    two.retire_network("A", on="2023-01-01")
    assert two.networks()["network_id"].tolist() == ["B"]
    assert "A" not in two.networks(at="2024-05-01")["network_id"].tolist()
    hist = two.network_history("A")
    # retiring changes the lifetime, not the boundary: version 3 replaces 2 in place, no history row
    assert hist["version"].tolist() == [1, 3] and hist["valid_to"].tolist() == ["2023-01-01"] * 2
    assert two.extent() == (0.0, 0.0, 120.0, 100.0)


def test_stale_version_is_a_conflict(two, store_location):
    other = open_store(store_location)
    seen = int(other.networks().set_index("network_id").loc["A", "version"])
    two.retire_network("A", on="2023-01-01")
    with pytest.raises(bingeo.ConflictError, match="someone changed it"):
        other.retire_network("A", on="2024-01-01", expected_version=seen)
    other.close()
    assert two.networks(include_retired=True).set_index("network_id").loc["A", "valid_to"] == "2023-01-01"


def test_network_named_like_sql_injection_is_just_a_name(store_location):
    evil = "x'); DROP TABLE networks; --"
    with open_store(store_location, create=True, crs=28992) as st:
        st.import_networks(
            frame(
                [
                    (evil, "bin", shapely.box(0, 0, 1, 1), {}),
                    ("B", "bin", shapely.box(5, 5, 6, 6), {"municipality": evil}),
                ]
            ),
            source=evil,
        )
        st.retire_network(evil, on="2020-01-01")
        got = st.networks(include_retired=True)
        assert got["network_id"].tolist() == ["B", evil]
        assert got.set_index("network_id").loc["B", "municipality"] == evil
        assert st.network_history(evil)["source"].tolist() == [evil]
        st.append_audit(alert_id=evil, action="select", area=None, reason=evil)
        assert st.audit(evil)["reason"].tolist() == [evil]


def test_failed_import_leaves_store_unchanged(two, monkeypatch):
    before = two.network_history()
    real = type(two)._insert_network
    calls = {"n": 0}

    def flaky(self, h, table, rec, geom):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(self, h, table, rec, geom)

    monkeypatch.setattr(type(two), "_insert_network", flaky)
    with pytest.raises(RuntimeError, match="disk on fire"):
        two.import_networks(
            frame([("C", "bin", shapely.box(200, 0, 300, 100), {}), ("D", "bin", shapely.box(300, 0, 400, 100), {})]),
            source="x",
        )
    monkeypatch.undo()
    after = two.network_history()
    assert after["network_id"].tolist() == before["network_id"].tolist() == ["A", "B"]


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
            "consent_date": ["2021-03-04"] * n,
            "role": ["member"] * n,
            "networks": ["GR-BIN-001" if i % 3 else "GR-BIN-002;GR-BIN-001" for i in range(n)],
            "status": ["active"] * n,
        },
        geometry=gpd.points_from_xy(rng.uniform(230000, 236000, n), rng.uniform(578000, 586000, n)),
        crs=28992,
    )


def test_members_upsert_bbox_and_network(store_location):
    with open_store(store_location, create=True, crs=28992) as st:
        m = members_frame(400)
        assert st.upsert_members(m) == {"added": 400, "updated": 0, "unchanged": 0}
        assert st.upsert_members(m) == {"added": 0, "updated": 0, "unchanged": 400}
        m2 = m.copy()
        m2.loc[3, "email"] = "nieuw@example.org"
        m2.loc[4, "geometry"] = shapely.Point(231000, 579000)
        m2.loc[5, "consent_date"] = None
        assert st.upsert_members(m2) == {"added": 0, "updated": 3, "unchanged": 397}
        got = st.members().set_index("member_id")
        assert got.loc["M00003", "version"] == 2 and got.loc["M00000", "version"] == 1
        assert got.loc["M00003", "email"] == "nieuw@example.org" and pd.isna(got.loc["M00005", "consent_date"])
        assert got["consent"].tolist() == m2["consent"].tolist()
        box = (232000, 580000, 233500, 582500)
        want = set(m2["member_id"][shapely.intersects(shapely.box(*box), m2.geometry.to_numpy())])
        assert set(st.members(bbox=box)["member_id"]) == want and len(want) > 10
        assert set(st.members(network="GR-BIN-002")["member_id"]) == set(m2["member_id"][::3])
        with pytest.raises(bingeo.StoreError, match="repeated 'member_id'"):
            st.upsert_members(pd.concat([m.head(2), m.head(1)]))
        # only some columns: the same rows and values, no contact columns at all
        few = st.members(bbox=box, columns=["member_id", "networks", "status"])
        assert list(few.columns) == ["member_id", "networks", "status", "geometry"]
        full = st.members(bbox=box)
        pd.testing.assert_frame_equal(few.drop(columns="geometry"), full[["member_id", "networks", "status"]])
        assert shapely.equals(few.geometry.to_numpy(), full.geometry.to_numpy()).all()
        with pytest.raises(bingeo.InputError, match="unknown member column"):
            st.members(columns=["member_id", "password"])


def test_audit_log_append_only_through_bingeo(store_location):
    with open_store(store_location, create=True, crs=28992) as st:
        st.append_audit(
            alert_id="A-1",
            action="select",
            area=shapely.box(0, 0, 10, 10),
            operator="agent 123",
            counts={"sms": 2},
            member_ids=["M2", "M1"],
        )
        with pytest.raises(bingeo.ConflictError, match="'A-1' is already in the audit log"):
            st.append_audit(alert_id="A-1", action="select", area=None)
        st.append_audit(alert_id="A-2", action="follow-up", area=None, parent_alert_id="A-1")
        log = st.audit()
        assert log["alert_id"].tolist() == ["A-1", "A-2"] and log.loc[0, "member_ids"] == '["M1", "M2"]'
        assert log.geometry.iloc[0].area == 100 and log.geometry.iloc[1] is None
        assert not hasattr(st, "delete_audit") and not hasattr(st, "update_audit")


def test_send_alert_and_follow_up_select_the_same_people(tmp_path, request):
    """Recipients through bingeo.send_alert/follow_up: identical lists from both backends."""
    import psycopg

    url = request.getfixturevalue("postgis_url")
    schema = f"al_{uuid.uuid4().hex[:10]}"
    lists = {}
    try:
        for name, loc in (("gpkg", str(tmp_path / "a.gpkg")), ("pg", f"{url}&schema={schema}")):
            with open_store(loc, create=True, crs=28992) as st:
                bingeo.import_networks(SAMPLES / "networks.gpkg", st)
                st.upsert_members(members_frame(300, seed=5))
                area = shapely.Point(233000, 582000).buffer(1500)
                (tmp_path / name).mkdir()
                a = bingeo.send_alert(st, tmp_path / name / "r.csv", area=area, urgency="urgent", operator="o")
                f = bingeo.follow_up(st, a.alert_id, tmp_path / name / "f.csv")
                lists[name] = (
                    a.selection.recipients.drop(columns=[], errors="ignore"),
                    f.selection.recipients,
                    (tmp_path / name / "r.csv").read_bytes(),
                )
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    (ga, gf, gb), (pa, pf, pb) = lists["gpkg"], lists["pg"]
    assert len(ga) > 10
    pd.testing.assert_frame_equal(pd.DataFrame(ga), pd.DataFrame(pa))
    pd.testing.assert_frame_equal(pd.DataFrame(gf), pd.DataFrame(pf))
    assert gb == pb
