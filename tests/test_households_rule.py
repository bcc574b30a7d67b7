"""One households rule for every workflow that counts households (coverage, counts, regions, propose).

A missing value counts as 1 household; a negative one is an error naming the column, how many rows and the first.
Before, coverage and counts took negative values silently (coverage even summed them), regions and propose refused
them with two different messages.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.errors import InputError

CRS = 28992
RNG = np.random.default_rng(7)


def _networks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"network_id": ["A", "B"], "name": ["A", "B"], "kind": ["bin", "bin"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=CRS,
    )


def _addresses(values: list[float | None]) -> gpd.GeoDataFrame:
    n = len(values)
    x = RNG.uniform(1, 199, n)
    y = RNG.uniform(1, 99, n)
    return gpd.GeoDataFrame({"huishoudens": values}, geometry=gpd.points_from_xy(x, y), crs=CRS)


def _brute_households(adr: gpd.GeoDataFrame, poly) -> float:
    """Households inside ``poly`` by one predicate call per address, missing values counted as 1."""
    inside = np.array([poly.covers(p) for p in adr.geometry])
    return float(adr.loc[inside, "huishoudens"].fillna(1).sum())


def _incidents() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"datum": pd.to_datetime(["2024-01-05"] * 4)},
        geometry=gpd.points_from_xy([10, 20, 150, 160], [10, 20, 50, 60]),
        crs=CRS,
    )


def _coverage(adr):
    return bingeo.coverage(_networks(), adr).networks.set_index("network_id")["households"]


def _counts(adr):
    table = bingeo.count_incidents(_incidents(), _networks(), addresses=adr)
    return table.set_index("network_id")["households"]


def _regions(adr):
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 200, 100)], crs=CRS)
    return bingeo.divide_regions(area, adr, min_households=1, max_households=250).regions["households"]


def _propose(adr):
    hot = gpd.GeoDataFrame(
        {"hotspot_id": ["H1"], "uncovered": [True], "rank": [1]}, geometry=[shapely.box(0, 0, 200, 100)], crs=CRS
    )
    empty = gpd.GeoDataFrame({"network_id": [], "name": [], "kind": []}, geometry=[], crs=CRS)
    return bingeo.propose_areas(hot, adr, empty, min_households=1, max_households=250)["households"]


WORKFLOWS = {"coverage": _coverage, "counts": _counts, "regions": _regions, "propose": _propose}


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_negative_households_refused_with_one_message(name):
    adr = _addresses([2.0, -1.0, 3.0, None, -4.0] + [1.0] * 20)
    with pytest.raises(InputError) as err:
        WORKFLOWS[name](adr)
    text = str(err.value)
    assert "'huishoudens' has negative households (2 rows, the first is row 2)" in text
    assert "`households_field`" in text


@pytest.mark.parametrize("name", ["coverage", "counts"])
def test_missing_households_count_one_against_brute_force(name):
    values = [float(v) for v in RNG.integers(0, 5, 60)]
    for i in (3, 17, 40):
        values[i] = None
    adr = _addresses(values)
    got = WORKFLOWS[name](adr)
    for net in _networks().itertuples():
        assert float(got[net.network_id]) == _brute_households(adr, net.geometry)


def test_missing_households_count_one_in_regions():
    values = [float(v) for v in RNG.integers(0, 5, 60)]
    values[5] = None
    adr = _addresses(values)
    assert float(_regions(adr).sum()) == float(adr["huishoudens"].fillna(1).sum())


def test_missing_households_count_one_in_proposals():
    values = [float(v) for v in RNG.integers(0, 5, 60)]
    values[5] = None
    adr = _addresses(values)
    hot = gpd.GeoDataFrame(
        {"hotspot_id": ["H1"], "uncovered": [True], "rank": [1]}, geometry=[shapely.box(0, 0, 200, 100)], crs=CRS
    )
    empty = gpd.GeoDataFrame({"network_id": [], "name": [], "kind": []}, geometry=[], crs=CRS)
    out = bingeo.propose_areas(hot, adr, empty, min_households=1, max_households=250)
    assert len(out)
    for row in out.itertuples():
        assert float(row.households) == _brute_households(adr, row.geometry)


def test_cli_coverage_names_the_option(tmp_path):
    nets = _networks()
    nets.to_file(tmp_path / "nets.gpkg")
    adr = _addresses([1.0, 1.0, -2.0, 1.0])
    frame = pd.DataFrame({"x": adr.geometry.x, "y": adr.geometry.y, "hh": adr["huishoudens"]})
    frame["x"] = frame["x"].astype(object)
    frame.loc[0, "x"] = "onbekend"  # rejected on reading: the negative value is still named by its row in the file
    frame.to_csv(tmp_path / "adr.csv", index=False)
    store = tmp_path / "store.gpkg"
    runner = CliRunner()
    res = runner.invoke(cli, ["networks", "import", str(tmp_path / "nets.gpkg"), "--store", str(store)])
    assert res.exit_code == 0, res.output
    args = ["coverage", "--store", str(store), "--addresses", str(tmp_path / "adr.csv"), "--crs", "28992"]
    res = runner.invoke(cli, [*args, "--households-field", "hh"])
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    assert "negative households (row 3)" in res.output  # the file's row, not the frame's 2
    assert "--households-field" in res.output
