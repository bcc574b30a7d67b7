"""`bingeo emerging` on the samples and on Vancouver: layers, counts against pandas, bad options."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.emerging import CATEGORIES

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args, code: int = 0) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res.output


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("emerging") / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", path)
    return path


def test_emerging_on_the_samples(store, tmp_path):
    out_path = tmp_path / "em.gpkg"
    out = run(
        "emerging", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--interval", "quarter",
        "--output", out_path,
    )  # fmt: skip
    assert "16 whole quarters" in out and "that no network covers" in out
    cube = gpd.read_file(out_path, layer="cube")
    loc = gpd.read_file(out_path, layer="locations")
    assert {"row", "col", "step", "step_start", "count", "gi_z", "gi_p", "hot"} <= set(cube.columns)
    assert {"row", "col", "trend_tau", "trend_z", "trend_p", "category", "covered_share", "network_id"} <= set(
        loc.columns
    )
    assert set(loc["category"]) <= set(CATEGORIES) and loc.geom_type.eq("Polygon").all()
    assert len(cube) == len(loc) * 16
    # the counts per quarter, against pandas on the same usable rows
    pts = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992, extent=bingeo.open_store(store).extent()).points
    by_q = pd.to_datetime(pts["pleegdatum"]).dt.to_period("Q").value_counts().sort_index()
    got = cube.groupby("step")["count"].sum()
    assert got.tolist() == by_q.tolist() and got.sum() == 4950
    # GeoPackage 1.2, as every bingeo output
    with sqlite3.connect(out_path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--interval", "fortnight"], 2, "--interval"),
        (["--time-window", "-1"], 2, "--time-window"),
        (["--interval", "year", "--from", "2024-01-01"], 1, "--interval"),
        (["--from", "2024-01-01", "--to", "2023-01-01"], 1, "--to"),
        (["--cell-size", "0"], 2, "--cell-size"),
        (["--type", "nope"], 1, "type nope: no column of the incidents holds it"),
    ],
    ids=["interval", "time window", "one year", "to before from", "cell size", "type"],
)
def test_bad_options_say_which(store, tmp_path, args, code, says):
    out = run(
        "emerging", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", tmp_path / "e.gpkg",
        *args, code=code,
    )  # fmt: skip
    assert says in out


def test_output_must_be_a_geopackage(store, tmp_path):
    out = run(
        "emerging", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", tmp_path / "e.csv",
        code=2,
    )  # fmt: skip
    assert "--output" in out and ".gpkg" in out


def test_emerging_on_vancouver_burglaries(real, tmp_path):
    van = real / "vancouver"
    frames = [pd.read_csv(van / f"vpd_crimedata_AllNeighbourhoods_{y}.csv.gz") for y in (2024, 2025)]
    raw = pd.concat(frames, ignore_index=True)
    raw = raw[raw["TYPE"].str.startswith("Break and Enter")]
    src = tmp_path / "van.csv"
    raw.to_csv(src, index=False)
    st = tmp_path / "van.gpkg"
    run("store", "init", st, "--crs", "26910")
    run("networks", "import", van / "vancouver_local_areas.geojson", "--store", st, "--id-field", "name")
    out_path = tmp_path / "van_em.gpkg"
    out = run(
        "emerging", src, "--store", st, "--crs", "26910", "--interval", "month", "--to", "2025-06-15",
        "--type", "Break and Enter Residential/Other", "--output", out_path,
    )  # fmt: skip
    assert "17 whole months" in out and "is partial" in out
    cube = gpd.read_file(out_path, layer="cube")
    loc = gpd.read_file(out_path, layer="locations")
    # pandas: located residential burglaries from 2024-01 to 2025-05 (June is partial, dropped)
    ref = raw[(raw["TYPE"] == "Break and Enter Residential/Other") & (raw["X"] > 0)]
    month = pd.to_datetime(ref[["YEAR", "MONTH"]].assign(DAY=1)).dt.to_period("M")
    ref_counts = month[month <= pd.Period("2025-05", "M")].value_counts().sort_index()
    assert cube.groupby("step")["count"].sum().tolist() == ref_counts.tolist()
    assert loc["network_id"].isin(set(gpd.read_file(van / "vancouver_local_areas.geojson")["name"]) | {""}).all()
    assert (loc["covered_share"].between(0, 1)).all() and (loc["covered_share"] > 0.5).mean() > 0.8
