"""`bingeo forecast` on the samples and on Vancouver: outputs, the advice run as printed, the weekly backtest."""

from __future__ import annotations

import shlex
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args, code: int = 0) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res.output


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("forecast") / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", path)
    run("addresses", "import", SAMPLES / "addresses.csv", "--store", path, "--crs", "28992")
    run("members", "import", SAMPLES / "members.csv", "--store", path, "--crs", "28992")
    return path


def test_forecast_on_the_samples_and_its_advice_runs(store, tmp_path, monkeypatch):
    out_path = tmp_path / "risk.gpkg"
    out = run(
        "forecast", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--type", "woninginbraak",
        "--as-of", "2024-06-01", "--permutations", "99", "--output", out_path,
    )  # fmt: skip
    assert "ProMap forecast for 2024-06-01 to 2024-06-07" in out and "Warn these networks" in out
    cells = gpd.read_file(out_path, layer="cells")
    nets = gpd.read_file(out_path, layer="networks")
    assert {"row", "col", "risk", "rank", "top", "network_id"} <= set(cells.columns)
    assert cells["risk"].is_monotonic_decreasing and cells["top"].sum() == round(0.05 * 1518)
    # the same as the library on the same incidents and networks
    with bingeo.open_store(store) as st:
        pts = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992, extent=st.extent()).points
        live = st.networks()
    ref = bingeo.forecast(pts, networks=live, as_of="2024-06-01", types="woninginbraak", permutations=99)
    assert nets["network_id"].tolist() == ref.networks["network_id"].tolist()
    np.testing.assert_allclose(nets["risk"], ref.networks["risk"])
    # the printed recipients commands run as printed
    commands = [line.strip() for line in out.splitlines() if line.strip().startswith("bingeo recipients")]
    assert len(commands) == 2 and "--network " + nets["network_id"].iloc[0] in commands[0]
    monkeypatch.chdir(tmp_path)
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "bingeo"
        got = run(*words[1:])
        assert "written:" in got


def test_forecast_as_geotiff(store, tmp_path):
    out_path = tmp_path / "risk.tif"
    run(
        "forecast", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--as-of", "2023-03-01",
        "--radius", "300", "--window-days", "30", "--cell-size", "200", "--output", out_path,
    )  # fmt: skip
    with rasterio.open(out_path) as ds:
        assert ds.res == (200.0, 200.0) and ds.crs.to_epsg() == 28992
        assert ds.read(1).max() > 0 and ds.bounds.left % 200 == 0


def test_backtest_writes_the_weekly_table(store, tmp_path):
    out_path = tmp_path / "bt.csv"
    out = run(
        "forecast", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--backtest", "weekly",
        "--weeks", "8", "--as-of", "2024-10-31", "--radius", "400", "--window-days", "60", "--output", out_path,
    )  # fmt: skip
    table = pd.read_csv(out_path)
    assert len(table) == 8 * 3 and "Best mean PEI" in out
    assert table["week_start"].iloc[-1] == "2024-10-25"
    pts = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992, extent=bingeo.open_store(store).extent()).points
    day = pd.to_datetime(pts["pleegdatum"]).dt.normalize()
    for ws, got in table.groupby("week_start")["incidents"]:
        start = pd.Timestamp(ws)
        assert (got == int(((day >= start) & (day < start + pd.Timedelta(days=7))).sum())).all()


def test_output_kinds(store, tmp_path):
    out = run(
        "forecast", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "-o", tmp_path / "r.csv", code=2
    )
    assert "--output" in out and ".gpkg" in out
    out = run(
        "forecast", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--backtest", "weekly",
        "-o", tmp_path / "r.gpkg", code=2,
    )  # fmt: skip
    assert ".csv" in out


def test_backtest_on_vancouver_burglaries(real, tmp_path):
    van = real / "vancouver"
    raw = pd.concat([pd.read_csv(van / f"vpd_crimedata_AllNeighbourhoods_{y}.csv.gz") for y in (2024, 2025)])
    raw = raw[raw["TYPE"].str.startswith("Break and Enter")]
    src = tmp_path / "van.csv"
    raw.to_csv(src, index=False)
    st = tmp_path / "van.gpkg"
    run("store", "init", st, "--crs", "26910")
    run("networks", "import", van / "vancouver_local_areas.geojson", "--store", st, "--id-field", "name")
    out_path = tmp_path / "bt.json"
    out = run(
        "forecast", src, "--store", st, "--crs", "26910", "--type", "Break and Enter Residential/Other",
        "--backtest", "weekly", "--weeks", "10", "--permutations", "99", "--output", out_path,
    )  # fmt: skip
    assert "promap" in out and "gistar" in out
    import json

    weeks = pd.DataFrame(json.loads(out_path.read_text())["weeks"])
    ref = raw[(raw["TYPE"] == "Break and Enter Residential/Other") & (raw["X"] > 0)]
    day = pd.to_datetime(ref[["YEAR", "MONTH", "DAY"]])
    for ws, got in weeks.groupby("week_start")["incidents"]:
        start = pd.Timestamp(ws)
        assert (got == int(((day >= start) & (day < start + pd.Timedelta(days=7))).sum())).all()
    assert weeks["week_start"].max() == str((day.max() - pd.Timedelta(days=6)).date())


def test_pai_prints_pei_and_pei_star(store, tmp_path):
    import json

    out = run(
        "pai", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--fit", "2021-01-01/2022-12-31",
        "--test", "2023-01-01/2024-12-31", "--area-share", "0.05", "--output", tmp_path / "pai.json",
    )  # fmt: skip
    assert "Hot cells on --test" in out and "PEI*" in out and "--area-share 0.05" in out
    figures = json.loads((tmp_path / "pai.json").read_text())
    hot = figures["forecast_scores"]["hot_cells"]
    assert hot["hits"] == figures["test_in_hotspots"] and hot["pai"] == pytest.approx(figures["pai"])
    top = figures["forecast_scores"]["top_share"]
    assert top["area_share"] == pytest.approx(0.05, abs=1e-3) and 0 < top["pei_star"] <= top["pei"] <= 1
