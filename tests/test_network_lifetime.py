"""A failed command changes nothing, and a re-import never changes a network's lifetime (both backends).

- a store is created only when its first import succeeds: a refused source leaves no file or schema;
- ``--store-crs`` for an existing store in another CRS is an error that says why and what to do;
- a retired network stays retired through re-imports (and in ``networks history`` and ``--at``) until
  ``networks reactivate``, which keeps the retirement in the history.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args: object, ok: bool = True) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == (0 if ok else 1), res.output
    assert "Traceback" not in res.output
    return res.output


def _schema_exists(url: str) -> bool:
    base, schema = url.rsplit("&schema=", 1)
    with psycopg.connect(base, autocommit=True) as con:
        return bool(con.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()[0])


def _exists(location: str) -> bool:
    return _schema_exists(location) if location.startswith("postgresql") else Path(location).exists()


def test_failed_first_import_leaves_no_store(store_location, tmp_path):
    no_id = tmp_path / "no_id.geojson"
    gpd.GeoDataFrame({"wijk": ["a"]}, geometry=[shapely.box(6.5, 53.2, 6.51, 53.21)], crs=4326).to_file(no_id)
    out = run("networks", "import", no_id, "--store", store_location, ok=False)
    assert "no id column" in out and "--id-field" in out
    assert not _exists(store_location)
    # the retry with --store-crs creates it in that CRS (it was never fixed by the failed attempt)
    run("networks", "import", no_id, "--store", store_location, "--id-field", "wijk", "--store-crs", "3812")
    with bingeo.open_store(store_location) as st:
        assert st.crs.to_epsg() == 3812 and st.networks()["network_id"].tolist() == ["a"]


def test_store_that_fails_while_writing_its_first_import_is_removed(store_location, monkeypatch):
    """A failure inside the store's own write (here: the third row) leaves no store either."""
    from bingeo.stores import base

    real = base.Store.import_networks
    calls = {"n": 0}

    def failing(self, networks, **kw):
        calls["n"] += 1
        raise bingeo.StoreError("disk full (simulated)")

    monkeypatch.setattr(base.Store, "import_networks", failing)
    out = run("networks", "import", SAMPLES / "networks.gpkg", "--store", store_location, ok=False)
    assert "disk full" in out and calls["n"] == 1
    assert not _exists(store_location)
    monkeypatch.setattr(base.Store, "import_networks", real)
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store_location)
    assert _exists(store_location)


def test_store_crs_that_cannot_take_effect_is_an_error(store_location):
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store_location)
    out = run(
        "networks", "import", SAMPLES / "networks.gpkg", "--store", store_location, "--store-crs", "26910", ok=False
    )
    assert "`--store-crs 26910` cannot take effect" in out and "EPSG:28992" in out
    assert "Leave out `--store-crs`" in out and "`store_crs`" not in out
    # the same CRS, written another way, is fine
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store_location, "--store-crs", "EPSG:28992")


def _status(location: str, at: str | None = None) -> dict[str, str]:
    with bingeo.open_store(location) as st:
        nets = st.networks(at=at, include_retired=at is None)
    return dict(zip(nets["network_id"], nets["status"]))


def test_reimport_never_unretires_and_reactivate_brings_back(store_location):
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store_location, "--effective", "2023-01-01")
    run("networks", "retire", "GR-BIN-003", "--on", "2025-01-01", "--store", store_location)
    # the source still lists GR-BIN-003 as active: a re-import leaves it retired and says so
    out = run("networks", "import", SAMPLES / "networks.gpkg", "--store", store_location, "--effective", "2025-06-01")
    assert "GR-BIN-003" in out and "networks reactivate" in out
    assert _status(store_location)["GR-BIN-003"] == "retired"
    assert "GR-BIN-003" not in _status(store_location, at="2025-06-01")
    assert "GR-BIN-003" in _status(store_location, at="2024-06-01")
    hist = run("networks", "history", "GR-BIN-003", "--store", store_location)
    assert "retired" in hist and "2025-01-01" in hist
    # a changed boundary for the retired network: a new version, still retired
    with bingeo.open_store(store_location) as st:
        nets = st.networks(include_retired=True)
        nets.loc[nets["network_id"] == "GR-BIN-003", "geometry"] = nets.loc[
            nets["network_id"] == "GR-BIN-003", "geometry"
        ].buffer(5)
        rep = st.import_networks(nets, source="edit", effective=dt.date(2025, 9, 1))
        assert "GR-BIN-003" in rep.updated
    assert _status(store_location)["GR-BIN-003"] == "retired"
    # reactivation: back from 2026-01-01; the months in between still without it
    out = run("networks", "reactivate", "GR-BIN-003", "--on", "2026-01-01", "--store", store_location)
    assert "active again from 2026-01-01" in out
    assert _status(store_location)["GR-BIN-003"] == "active"
    assert "GR-BIN-003" in _status(store_location, at="2026-06-01")
    assert "GR-BIN-003" not in _status(store_location, at="2025-06-01")
    assert "GR-BIN-003" in _status(store_location, at="2024-06-01")
    with bingeo.open_store(store_location) as st:
        hist = st.network_history("GR-BIN-003")
    retired = hist[hist["status"] == "retired"]  # the retirement stays in the history (two versions: an edit)
    assert len(retired) == 2 and set(retired["valid_to"]) == {"2025-01-01"}
    assert hist["status"].iloc[-1] == "active" and hist["valid_from"].iloc[-1] == "2026-01-01"
    # a later re-import keeps it active and leaves the retired version as it was
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store_location, "--effective", "2026-03-01")
    assert "GR-BIN-003" not in _status(store_location, at="2025-06-01")
    assert "GR-BIN-003" in _status(store_location, at="2026-06-01")
    # errors: not retired, unknown id
    out = run("networks", "reactivate", "GR-BIN-003", "--store", store_location, ok=False)
    assert "is not retired" in out
    out = run("networks", "reactivate", "NOPE", "--store", store_location, ok=False)
    assert "no network with id 'NOPE'" in out


def test_reactivate_before_the_retirement_date_cancels_it(store_location):
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store_location, "--effective", "2023-01-01")
    run("networks", "retire", "GR-BIN-004", "--on", "2030-01-01", "--store", store_location)
    assert "GR-BIN-004" not in _status(store_location, at="2030-06-01")
    bingeo.reactivate_network(store_location, "GR-BIN-004", on="2029-01-01")
    assert "GR-BIN-004" in _status(store_location, at="2030-06-01")
    assert "GR-BIN-004" in _status(store_location, at="2024-06-01")


@pytest.mark.parametrize("backend", ["gpkg"])
def test_warnings_name_options_as_typed(tmp_path, backend):
    both = tmp_path / "both.geojson"
    gpd.GeoDataFrame({"id": ["a"], "soort": ["bin"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=28992).to_file(both)
    out = run(
        "networks", "import", both, "--store", tmp_path / "s.gpkg", "--kind", "bin", "--kind-field", "soort", ok=False
    )
    assert "`--kind`" in out and "`--kind-field`" in out and "kind_field" not in out
    assert not (tmp_path / "s.gpkg").exists()
