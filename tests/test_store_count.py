"""Row counts without reading rows: `bingeo store info`, and copy's empty-target check (GeoPackage stores)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import bingeo
from bingeo._crs import crs_label
from bingeo.cli.main import cli
from bingeo.stores import copy_store, open_store
from bingeo.stores.base import TABLES
from tests.test_store_copy import rich_store

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_count_equals_rows_read_and_store_info_shows_them(tmp_path):
    store = tmp_path / "bins.gpkg"
    rich_store(store)
    with open_store(store) as st:
        counts = {t: st._count(t) for t in TABLES}
        assert counts == {t: len(st.read_table(t)) for t in TABLES}
        assert counts["members"] > 0 and counts["audit_log"] > 0
        assert st.read_table("members")["consent"].dtype == bool
        with pytest.raises(bingeo.StoreError, match="must be one of"):
            st._count("bingeo_meta")
        label = crs_label(st.crs)
    res = CliRunner().invoke(cli, ["store", "info", str(store)])
    assert res.exit_code == 0, res.output
    assert f"CRS:              {label}\n" in res.output
    for table, n in counts.items():
        assert f"{table + ':':15} {n} rows\n" in res.output


def test_empty_members_have_a_boolean_consent(tmp_path):
    with open_store(tmp_path / "e.gpkg", create=True, crs=28992) as st:
        assert st.members()["consent"].dtype == bool
        assert all(st._count(t) == 0 for t in TABLES)


def test_copy_into_a_non_empty_target_reads_nothing_of_the_source(tmp_path, monkeypatch):
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", a, store_crs=28992)
    copy_store(a, b)
    with open_store(a) as src, open_store(b) as dst:

        def no_reading(*_args, **_kwargs):
            raise AssertionError("the source was read before the target was checked")

        monkeypatch.setattr(src, "read_table", no_reading)
        monkeypatch.setattr(dst, "read_table", no_reading)
        with pytest.raises(bingeo.StoreError, match="not empty"):
            src.copy_to(dst)
    res = CliRunner().invoke(cli, ["store", "copy", str(a), str(tmp_path / "c.gpkg")])
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"copied {a} to {tmp_path / 'c.gpkg'}: ")
