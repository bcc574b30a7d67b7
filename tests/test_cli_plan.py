"""`bingeo plan`, `density --per` and `hotspots --per` on the samples: outputs against the library and references."""

from __future__ import annotations

import itertools
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
def setup(tmp_path_factory):
    """A store of the sample networks and proposals around the uncovered hot spots."""
    d = tmp_path_factory.mktemp("plan")
    store = d / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    run("hotspots", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", d / "hs.gpkg")
    run(
        "propose", "--hotspots", d / "hs.gpkg", "--addresses", SAMPLES / "addresses.csv", "--store", store,
        "--crs", "28992", "--incidents", SAMPLES / "incidents.csv", "--output", d / "proposals.gpkg",
    )  # fmt: skip
    return d, store


def test_plan_command(setup):
    d, store = setup
    out = run(
        "plan", "--candidates", d / "proposals.gpkg", "--incidents", SAMPLES / "incidents.csv", "--crs", "28992",
        "--store", store, "--k", "3", "--budget-households", "300", "--output", d / "plan.gpkg",
    )  # fmt: skip
    chosen = gpd.read_file(d / "plan.gpkg", layer="plan")
    gains = pd.read_csv(d / "plan.csv")
    assert chosen["candidate_id"].tolist() == gains["candidate_id"].tolist() and len(gains) <= 3
    assert chosen["households"].sum() <= 300
    assert (d / "plan.png").read_bytes()[:4] == b"\x89PNG"
    # brute force: every choice of up to 3 proposals within the budget, uncovered incidents counted once
    props = gpd.read_file(d / "proposals.gpkg")
    with bingeo.open_store(store) as st:
        nets = st.networks()
        inc = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992, target_crs=st.crs, extent=st.extent()).points
    free = inc[~inc.geometry.intersects(nets.geometry.union_all())]
    inside = np.array([free.geometry.intersects(g).to_numpy() for g in props.geometry])
    hh = props["households"].to_numpy()
    best = max(
        int(inside[list(c)].any(axis=0).sum())
        for r in (1, 2, 3)
        for c in itertools.combinations(range(len(props)), r)
        if hh[list(c)].sum() <= 300
    )
    assert gains["cumulative"].iloc[-1] == best
    assert f"reach {best:,} of {len(free):,} uncovered incidents" in out


def test_plan_errors(setup):
    d, store = setup
    base = ["plan", "--candidates", d / "proposals.gpkg", "--incidents", SAMPLES / "incidents.csv", "--crs", "28992"]
    out = run(*base, "--store", store, "--by", "risk", code=2)
    assert "--by risk weighs the uncovered homes: give --addresses too" in out
    out = run(*base, "--store", store, "--output", d / "plan.csv", code=2)
    assert "GeoPackage (.gpkg)" in out
    out = run(*base, "--store", store, "--k", "0", code=2)
    assert "--k" in out
    out = run(*base[:2], SAMPLES / "incidents.csv", *base[3:], "--store", store, code=1)
    assert "incidents.csv" in out


def test_plan_by_risk_command(setup):
    d, store = setup
    out = run(
        "plan", "--candidates", d / "proposals.gpkg", "--incidents", SAMPLES / "incidents.csv", "--crs", "28992",
        "--store", store, "--k", "2", "--by", "risk", "--addresses", SAMPLES / "addresses.csv",
    )  # fmt: skip
    assert "uncovered risk (expected incidents at homes)" in out and "optimal" in out


def test_density_per_command(tmp_path):
    out_tif = tmp_path / "rate.tif"
    out = run(
        "density", SAMPLES / "incidents.csv", "--crs", "28992", "--per", SAMPLES / "addresses.csv",
        "--cell-size", "100", "--radius", "400", "--to-crs", "28992", "--output", out_tif,
    )  # fmt: skip
    assert "incidents per 1,000 households" in out
    inc = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992).points
    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
    ref = bingeo.density_per_households(inc, adr, cell_size=100, radius=400)
    with rasterio.open(out_tif) as ds:
        band = ds.read(1)
        assert ds.transform == ref.transform
    np.testing.assert_array_equal(band == -9999, ~ref.reached)
    np.testing.assert_allclose(band[ref.reached], ref.values[ref.reached], rtol=1e-6)
    out = run(
        "density", SAMPLES / "incidents.csv", "--crs", "28992", "--per", SAMPLES / "addresses.csv",
        "--cell-size", "100", "--radius", "400", "--weight-field", "x", "--output", out_tif, code=2,
    )  # fmt: skip
    assert "--weight-field cannot be combined with --per" in out


def test_hotspots_per_command(setup, tmp_path):
    d, store = setup
    run(
        "hotspots", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--cell-size", "200",
        "--per", SAMPLES / "addresses.csv", "--min-households", "20", "--output", tmp_path / "hs.gpkg",
    )  # fmt: skip
    cells = gpd.read_file(tmp_path / "hs.gpkg", layer="cells")
    keep = cells["households"] >= 20
    assert keep.any() and cells.loc[~keep, "gi_z"].isna().all()
    np.testing.assert_allclose(
        cells.loc[keep, "rate"], cells.loc[keep, "count"] / cells.loc[keep, "households"] * 1000, rtol=1e-9
    )
