"""Points beyond the networks but within the input's own core are kept (``read_points(grow_extent=True)``).

A municipality's addresses or a city's incidents reach far beyond its few networks; the commands that look there
(coverage, counts, hot spots, density, proposals) must not reject them as "outside extent". A file in a wrong CRS,
whose core lies elsewhere, is still rejected. Checked against the documented rule computed here by hand.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from bingeo.cli.main import cli
from bingeo.readers import read_points
from bingeo.readers.points import EXTENT_CORE_SHARE

NETS = (100_000.0, 400_000.0, 103_000.0, 403_000.0)  # 3 km square: margin 5 km (the minimum)


def _city(tmp_path, *, scale: float = 1.0, n: int = 600, seed: int = 3):
    """A 36 x 30 km city around the networks, plus stray rows far away; a ;-CSV with decimal commas."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(84_000, 120_000, n)
    y = rng.uniform(388_000, 418_000, n)
    x = np.concatenate([x, [260_000.0, 261_000.0, 30_000.0]]) * scale  # strays: far, but in the Netherlands
    y = np.concatenate([y, [600_000.0, 601_000.0, 320_000.0]]) * scale
    path = tmp_path / f"city-{scale}.csv"
    pd.DataFrame({"id": np.arange(len(x)), "x": x, "y": y}).to_csv(path, sep=";", index=False, decimal=",")
    return path, x, y


def _expected_inside(x, y, grow: bool):
    """The documented rule: networks' extent (grown to the central 90 % of the points), then 50 % / 5 km margin."""
    b = list(NETS)
    if grow:
        t = (1 - EXTENT_CORE_SHARE) / 2
        cx, cy = np.quantile(x, [t, 1 - t]), np.quantile(y, [t, 1 - t])
        b = [min(b[0], cx[0]), min(b[1], cy[0]), max(b[2], cx[1]), max(b[3], cy[1])]
    m = max(0.5 * max(b[2] - b[0], b[3] - b[1]), 5000.0)
    return (x >= b[0] - m) & (x <= b[2] + m) & (y >= b[1] - m) & (y <= b[3] + m)


@pytest.mark.parametrize("grow", [False, True])
def test_rule(tmp_path, grow) -> None:
    path, x, y = _city(tmp_path)
    res = read_points(path, crs=28992, extent=NETS, grow_extent=grow)
    inside = _expected_inside(x, y, grow)
    assert sorted(res.points["source_row"]) == list(np.flatnonzero(inside) + 1)
    assert (res.rejects["reject_reason"] == "outside_extent").sum() == (~inside).sum()
    if grow:
        assert inside[:600].all() and not inside[600:].any()  # the whole city kept, the strays not
        assert any("grown" in n for n in res.notes)
    else:
        assert (~inside[:600]).sum() > 300  # without growing, most of the city was rejected


def test_wrong_crs_still_rejected(tmp_path) -> None:
    """Coordinates in feet given as metres: the core lies far from the networks, so nothing is grown."""
    path, _, _ = _city(tmp_path, scale=3.28084)
    grown = read_points(path, crs=28992, extent=NETS, grow_extent=True)
    plain = read_points(path, crs=28992, extent=NETS)
    assert len(grown.points) == len(plain.points) == 0
    assert grown.rejects["reject_reason"].tolist() == plain.rejects["reject_reason"].tolist()
    assert not any("grown" in n for n in grown.notes)


def _run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture
def one_network(tmp_path):
    nets = gpd.GeoDataFrame({"network_id": ["N1"], "name": ["Centrum"]}, geometry=[box(*NETS)], crs=28992)
    nets.to_file(tmp_path / "nets.gpkg")
    store = tmp_path / "bins.gpkg"
    _run("networks", "import", tmp_path / "nets.gpkg", "--store", store)
    return store


def test_coverage_counts_the_whole_municipality(tmp_path, one_network) -> None:
    path, x, y = _city(tmp_path)
    out = _run("coverage", "--store", one_network, "--addresses", path, "--crs", "28992")
    inside = _expected_inside(x, y, True)
    covered = int(((x >= NETS[0]) & (x <= NETS[2]) & (y >= NETS[1]) & (y <= NETS[3]) & inside).sum())
    nums = [int(v.replace(",", "")) for v in re.findall(r"[\d,]+", out.split("lie in at least one")[0])[-2:]]
    assert nums == [covered, int(inside.sum())], out


def test_density_keeps_hot_spots_far_from_networks(tmp_path, one_network) -> None:
    path, x, y = _city(tmp_path)
    out = _run(
        "density", "--store", one_network, path, "--crs", "28992", "--cell-size", "500", "--radius", "1000",
        "--output", tmp_path / "d.tif",
    )  # fmt: skip
    inside = _expected_inside(x, y, True)
    assert f"{int(inside.sum()):,}" in out, out
