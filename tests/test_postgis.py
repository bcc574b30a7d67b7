"""The PostGIS store itself: URLs and secrets, schema and migrations, append-only audit log, GRANTs."""

from __future__ import annotations

import uuid

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.stores import open_store
from bingeo.stores.postgis import PostgisStore, app_role_grants, parse_url, redact
from tests.conftest import ROOT


def nets(n: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "network_id": [f"N{i}" for i in range(n)],
            "name": [f"Net {i}" for i in range(n)],
            "kind": "bin",
            "status": "active",
        },
        geometry=[shapely.box(i * 10, 0, i * 10 + 9, 9) for i in range(n)],
        crs=28992,
    )


def raw(url: str, **kw):
    import psycopg

    return psycopg.connect(parse_url(url)[0], autocommit=True, **kw)


# ------------------------------------------------------------------ URLs (no server needed)


@pytest.mark.parametrize(
    ("url", "schema", "shown", "secret"),
    [
        (
            "postgresql://app:s3cret@db:5433/bins?schema=zone5",
            "zone5",
            "postgresql://app:***@db:5433/bins?schema=zone5",
            "s3cret",
        ),
        ("postgresql://app:p%40ss%3Aw@db/bins", "bingeo", "postgresql://app:***@db/bins", "p@ss:w"),
        (
            "postgres:///bins?password=hunter2&schema=s&sslmode=require",
            "s",
            "postgres:///bins?password=***&schema=s&sslmode=require",
            "hunter2",
        ),
        ("postgresql:///?service=bins&schema=x", "x", "postgresql:///?service=bins&schema=x", None),
    ],
    ids=["user-password", "percent-encoded", "query-password", "service"],
)
def test_urls_are_parsed_and_passwords_redacted(url, schema, shown, secret):
    conninfo, got_schema, got_shown = parse_url(url)
    assert got_schema == schema and got_shown == shown == redact(url)
    assert "schema=" not in conninfo  # bingeo's own parameter is not handed to libpq
    assert conninfo.startswith(url.split("/")[0] + "//")  # an empty host stays empty: postgresql:///db
    if secret:
        assert secret not in got_shown and "p%40ss" not in got_shown


def test_connection_errors_never_show_the_password(tmp_path):
    url = f"postgresql://someone:TopSecret123@/db?host={tmp_path}&port=1&schema=s"
    with pytest.raises(bingeo.StoreError, match="cannot connect") as info:
        open_store(url)
    assert "TopSecret123" not in str(info.value) and "someone:***" in str(info.value)
    res = CliRunner().invoke(cli, ["networks", "list", "--store", url])
    assert res.exit_code == 1 and "TopSecret123" not in res.output and "cannot connect" in res.output


# ------------------------------------------------------------------ schema, migrations


def test_init_creates_schema_with_gist_indexes_and_repr_hides_password(postgis_store_url):
    with_password = postgis_store_url.replace("postgres@", "postgres:NotShown9@")
    res = CliRunner().invoke(cli, ["store", "init", with_password, "--crs", "28992"])
    assert res.exit_code == 0, res.output
    assert "schema version 2" in res.output and "NotShown9" not in res.output
    with open_store(with_password) as st:
        assert "NotShown9" not in repr(st) and "***" in repr(st)
        schema = st.schema
    with raw(postgis_store_url) as con:
        gist = {
            r[0]
            for r in con.execute(
                "SELECT tablename FROM pg_indexes WHERE schemaname = %s AND indexdef ILIKE '%%USING gist (geom)%%'",
                (schema,),
            )
        }
        types = dict(
            con.execute(
                "SELECT f_table_name, type FROM geometry_columns WHERE f_table_schema = %s", (schema,)
            ).fetchall()
        )
    assert gist == {"networks", "network_history", "members", "addresses", "audit_log"}
    assert types["networks"] == "MULTIPOLYGON" and types["members"] == "POINT"
    info = CliRunner().invoke(cli, ["store", "info", postgis_store_url])
    assert "PostgisStore" in info.output and "EPSG:28992" in info.output and "networks:" in info.output


def test_new_store_needs_crs_and_missing_store_is_explained(postgis_store_url):
    with pytest.raises(bingeo.StoreError, match="bingeo store init"):
        open_store(postgis_store_url)
    with pytest.raises(bingeo.StoreError, match="needs a CRS"):
        open_store(postgis_store_url, create=True)
    res = CliRunner().invoke(cli, ["store", "init", postgis_store_url])
    assert res.exit_code == 1 and "needs a CRS" in res.output


def test_schema_1_is_upgraded_in_place(postgis_store_url):
    with PostgisStore(postgis_store_url, create=True, crs=28992, schema_version=1) as old:
        assert old.schema_version == 1
        old.import_networks(nets(), source="v1")
        schema = old.schema
    with raw(postgis_store_url) as con:
        tables = {
            r[0]
            for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
        }
    assert "members" not in tables and "networks" in tables
    res = CliRunner().invoke(cli, ["store", "init", postgis_store_url])
    assert res.exit_code == 0 and "schema version 2" in res.output, res.output
    with open_store(postgis_store_url) as st:
        assert st.networks()["network_id"].tolist() == ["N0", "N1", "N2"]  # nothing lost
        assert st.members().empty and st.schema_version == 2
        st.append_audit(alert_id="A-1", action="select", area=None)


def test_store_newer_than_bingeo_and_foreign_schema_are_refused(postgis_store_url, postgis_url):
    with open_store(postgis_store_url, create=True, crs=28992) as st:
        schema = st.schema
    with raw(postgis_store_url) as con:
        con.execute(f"UPDATE \"{schema}\".bingeo_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(bingeo.StoreError, match="schema version 99"):
        open_store(postgis_store_url)
    with raw(postgis_url) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS someone_else")
        con.execute("CREATE TABLE IF NOT EXISTS someone_else.parcels (id int)")
    with pytest.raises(bingeo.StoreError, match="no bingeo store"):
        open_store(postgis_url + "&schema=someone_else", create=True, crs=28992)


def test_schema_name_is_a_quoted_identifier(postgis_url):
    evil = 'we"ird; DROP SCHEMA public CASCADE; --'
    url = postgis_url + "&schema=" + evil.replace(" ", "%20").replace(";", "%3B")
    with open_store(url, create=True, crs=28992) as st:
        assert st.schema == evil
        st.import_networks(nets(2), source="x")
        assert len(st.networks()) == 2
    with raw(postgis_url) as con:
        assert con.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'").fetchone()[0] == 1
        con.execute('DROP SCHEMA "we""ird; DROP SCHEMA public CASCADE; --" CASCADE')


# ------------------------------------------------------------------ audit log and application role


def test_audit_log_refuses_update_delete_truncate_even_for_the_owner(postgis_store_url):
    import psycopg

    with open_store(postgis_store_url, create=True, crs=28992) as st:
        st.append_audit(alert_id="A-1", action="select", area=shapely.box(0, 0, 1, 1), reason="PV 1")
        schema = st.schema
    with raw(postgis_store_url) as con:
        for statement in (
            f'UPDATE "{schema}".audit_log SET reason = %s',
            f'DELETE FROM "{schema}".audit_log',
            f'TRUNCATE "{schema}".audit_log',
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                con.execute(statement, ("x",) if "%s" in statement else None)
    with open_store(postgis_store_url) as st:
        assert st.audit()["reason"].tolist() == ["PV 1"]


def test_application_role_can_work_but_not_rewrite_the_audit_log(postgis_store_url):
    import psycopg

    role = f"bin_app_{uuid.uuid4().hex[:8]}"
    with open_store(postgis_store_url, create=True, crs=28992) as st:
        schema = st.schema
    with raw(postgis_store_url) as con:
        con.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        res = CliRunner().invoke(cli, ["store", "grants", postgis_store_url, "--role", role, "--apply"])
        assert res.exit_code == 0, res.output
        grants = app_role_grants(schema, role)
        assert res.output.splitlines()[: len(grants)] == grants
        app_url = postgis_store_url.replace("postgres@", f"{role}@")
        with open_store(app_url) as st:  # the application's everyday work
            st.import_networks(nets(), source="app")
            st.retire_network("N1", on="2024-01-01")
            st.upsert_members(
                gpd.GeoDataFrame(
                    {"member_id": ["M1"], "consent": [True], "role": ["member"], "status": ["active"]},
                    geometry=[shapely.Point(1, 1)],
                    crs=28992,
                )
            )
            st.append_audit(alert_id="A-1", action="select", area=None, operator="app")
            assert len(st.audit()) == 1 and len(st.members()) == 1
        with raw(app_url) as con:
            for statement in (
                f"UPDATE \"{schema}\".audit_log SET operator = 'x'",
                f'DELETE FROM "{schema}".audit_log',
                f'TRUNCATE "{schema}".audit_log',
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                    con.execute(statement)
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
                con.execute(f'ALTER TABLE "{schema}".audit_log DISABLE TRIGGER audit_log_append_only')
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(f'DROP TABLE "{schema}".audit_log')
    finally:
        with raw(postgis_store_url) as con:
            con.execute(f'DROP OWNED BY "{role}"')
            con.execute(f'DROP ROLE "{role}"')


def test_application_role_keeps_and_reads_the_stored_network_index(postgis_store_url, monkeypatch):
    """After `bingeo store grants`, the app role saves the grid index once and reads it afterwards (no rebuild
    at every assign), clears it when it changes networks, and gets the answer of a fresh build."""
    import psycopg

    from bingeo import _pip
    from bingeo.stores.base import INDEX_TABLE

    monkeypatch.setattr(_pip, "KEEP_IN_MEMORY", 0)  # the store must answer, not a grid kept in memory
    _pip._kept.clear()
    networks = gpd.read_file(ROOT / "data" / "samples" / "networks.gpkg")
    networks = networks.rename(columns={"bin_code": "network_id", "soort": "kind"}).assign(status="active")
    role = f"bin_app_{uuid.uuid4().hex[:8]}"
    with open_store(postgis_store_url, create=True, crs=28992) as st:
        st.import_networks(networks[["network_id", "kind", "status", "geometry"]], source="owner")
        schema = st.schema
        polys = st.networks().geometry.to_numpy()
        st.network_locator(polys)  # the owner made the index table (and saved one index)
    with raw(postgis_store_url) as con:
        con.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        res = CliRunner().invoke(cli, ["store", "grants", postgis_store_url, "--role", role, "--apply"])
        assert res.exit_code == 0, res.output
        app_url = postgis_store_url.replace("postgres@", f"{role}@")
        with open_store(app_url) as st:
            st.retire_network(networks["network_id"].iloc[0], on="2024-01-01")  # a change: clears the index
            nets = st.networks()
            polys = nets.geometry.to_numpy()
            first = st.network_locator(polys)
            assert "load" not in first.timings  # built (the change cleared the index) ...
            second = st.network_locator(polys)
            assert "load" in second.timings  # ... saved by the app role, and read back
            pts = gpd.GeoDataFrame(geometry=shapely.points(shapely.get_coordinates(polys)), crs=28992)
            stored = bingeo.assign(pts, nets, store=st)
        pd.testing.assert_frame_equal(stored, bingeo.assign(pts, nets))
        with raw(app_url) as con:  # the app role may use the cache, not change its table
            assert con.execute(f'SELECT count(*) FROM "{schema}"."{INDEX_TABLE}"').fetchone()[0] == 1
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(f'DROP TABLE "{schema}"."{INDEX_TABLE}"')
    finally:
        with raw(postgis_store_url) as con:
            con.execute(f'DROP OWNED BY "{role}"')
            con.execute(f'DROP ROLE "{role}"')


def test_application_role_saves_the_index_in_a_store_that_had_none(postgis_store_url, monkeypatch):
    """The grants create the index table when no call made it yet: the app role cannot create tables."""
    from bingeo import _pip

    monkeypatch.setattr(_pip, "KEEP_IN_MEMORY", 0)
    _pip._kept.clear()
    networks = gpd.read_file(ROOT / "data" / "samples" / "networks.gpkg")
    networks = networks.rename(columns={"bin_code": "network_id", "soort": "kind"}).assign(status="active")
    role = f"bin_app_{uuid.uuid4().hex[:8]}"
    with open_store(postgis_store_url, create=True, crs=28992) as st:
        st.import_networks(networks, source="owner")
    with raw(postgis_store_url) as con:
        con.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        with PostgisStore(postgis_store_url) as st:
            st.grant_app_role(role)
        with open_store(postgis_store_url.replace("postgres@", f"{role}@")) as st:
            polys = st.networks().geometry.to_numpy()
            assert "load" not in st.network_locator(polys).timings
            assert "load" in st.network_locator(polys).timings
    finally:
        with raw(postgis_store_url) as con:
            con.execute(f'DROP OWNED BY "{role}"')
            con.execute(f'DROP ROLE "{role}"')
