"""The planning workflow as a municipality runs it, command after command, on the samples.

regions (candidate BIN areas of an uncovered area) -> plan (the best k of them) -> networks streets (the charter's
street list of the chosen areas) -> invitations (the addresses to invite). The expected numbers are worked out
here with geopandas and brute force, never through the functions under test.
"""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args: object) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("planning")
    store = tmp / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    area = tmp / "area.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.box(232000, 581000, 236000, 584000)], crs=28992).to_file(area)
    run(
        "regions", "--store", store, "--area", area, "--addresses", SAMPLES / "addresses.csv", "--crs", "28992",
        "--min-households", "30", "--max-households", "120", "--output", tmp / "regions.gpkg",
    )  # fmt: skip
    out = run(
        "plan", "--candidates", tmp / "regions.gpkg", "--incidents", SAMPLES / "incidents.csv", "--crs", "28992",
        "--store", store, "--k", "3", "--output", tmp / "plan.gpkg",
    )  # fmt: skip
    return tmp, store, out


def test_plan_chooses_the_best_three_regions(flow):
    tmp, store, out = flow
    regions = gpd.read_file(tmp / "regions.gpkg", layer="regions")
    assert len(regions) >= 5
    assert regions["households"].between(30, 120).all()
    networks = gpd.read_file(SAMPLES / "networks.gpkg")
    inc = pd.read_csv(SAMPLES / "incidents.csv", sep=";", decimal=",", encoding="cp1252")
    xcol = next(c for c in inc.columns if c.lower() in ("x", "x_coord", "xcoord", "x-coördinaat", "rd_x"))
    ycol = next(c for c in inc.columns if c.lower() in ("y", "y_coord", "ycoord", "y-coördinaat", "rd_y"))
    xy = inc[[xcol, ycol]].apply(pd.to_numeric, errors="coerce").dropna()
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[xcol], xy[ycol]), crs=28992)
    pts = pts[~pts.intersects(networks.to_crs(28992).union_all())]  # the uncovered incidents
    inside = gpd.sjoin(pts, regions[["proposal_id", "geometry"]], predicate="intersects")
    sets = inside.groupby("proposal_id").apply(lambda g: set(g.index)).to_dict()
    best = max(
        len(set().union(*(sets.get(r, set()) for r in combo)))
        for combo in itertools.combinations(regions["proposal_id"], 3)
    )
    reached = int(re.search(r"reach ([\d,]+) of ([\d,]+) uncovered", out).group(1).replace(",", ""))
    assert reached == best
    chosen = gpd.read_file(tmp / "plan.gpkg", layer="plan")
    assert len(chosen) == 3
    assert set(chosen["proposal_id"]) <= set(regions["proposal_id"])


def test_the_chosen_areas_give_a_street_list_and_invitations(flow):
    tmp, store, _ = flow
    chosen = gpd.read_file(tmp / "plan.gpkg", layer="plan")
    first = str(chosen["proposal_id"].iloc[0])
    run(
        "networks", "streets", "--proposals", tmp / "regions.gpkg", "--addresses", SAMPLES / "addresses.csv",
        "--crs", "28992", "--output", tmp / "streets.csv",
    )  # fmt: skip
    with open(tmp / "streets.csv", encoding="utf-8-sig") as fh:
        listed = list(csv.DictReader(fh, delimiter=";" if ";" in fh.readline() else ","))
    assert listed
    run(
        "invitations", "--proposal", first, "--proposals", tmp / "regions.gpkg", "--addresses",
        SAMPLES / "addresses.csv", "--crs", "28992", "--output", tmp / "invite.csv",
    )  # fmt: skip
    with open(tmp / "invite.csv", encoding="utf-8-sig") as fh:
        invited = list(csv.DictReader(fh, delimiter=";"))
    regions = gpd.read_file(tmp / "regions.gpkg", layer="regions")
    area = regions.loc[regions["proposal_id"] == first, "geometry"].iloc[0]
    adr = pd.read_csv(SAMPLES / "addresses.csv")
    xcol = next(c for c in adr.columns if c.lower() in ("x", "rd_x", "x_rd"))
    ycol = next(c for c in adr.columns if c.lower() in ("y", "rd_y", "y_rd"))
    within = shapely.intersects_xy(area, adr[xcol].to_numpy(float), adr[ycol].to_numpy(float))
    # every address in the region is invited once (addresses sharing street and number are one letter)
    assert 0 < len(invited) <= int(np.count_nonzero(within))
    assert int(regions.loc[regions["proposal_id"] == first, "addresses"].iloc[0]) == int(np.count_nonzero(within))
