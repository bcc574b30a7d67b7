"""Bugs the real-data matrix found in the planning commands (issue 17), each pinned by a small synthetic case.

- `bingeo plan` and `bingeo regions` checked incidents and addresses against the extent of the store's networks
  only: on a real file whose uncovered incidents (the very ones plan counts) lie more than the margin away from
  the existing networks, they were rejected as "outside extent", and plan reported too few (Nottingham, Groningen).
- `bingeo plan` took an empty `id` column (a portal's GeoJSON of a KML, Chicago) as the candidates' ids and
  failed with "candidate id nan occurs more than once".
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from bingeo.cli.main import cli
from bingeo.errors import InputError
from bingeo.plan import plan_areas

#: Lower-left corner of the synthetic scene (RD New metres, in the Netherlands).
X0, Y0 = 150_000, 450_000


def run(*args) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture
def far(tmp_path):
    """One network at the origin; 3 candidates 20 km east of it (beyond the extent margin), 10 incidents in each
    candidate, 2 in the network; 120 addresses in the first candidate."""
    nets = gpd.GeoDataFrame({"network_id": ["N1"]}, geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=28992)
    nets.to_file(tmp_path / "nets.gpkg")
    cands = [shapely.box(X0 + 20_000 + 2000 * i, Y0, X0 + 21_000 + 2000 * i, Y0 + 1000) for i in range(3)]
    gpd.GeoDataFrame({"name": ["A", "B", "C"]}, geometry=cands, crs=28992).to_file(tmp_path / "cands.gpkg")
    xy = [(X0 + 20_100 + 2000 * i + 10 * j, Y0 + 150) for i in range(3) for j in range(10)]
    xy += [(X0 + 500, Y0 + 500), (X0 + 600, Y0 + 500)]
    pd.DataFrame(xy, columns=["x", "y"]).to_csv(tmp_path / "inc.csv", index=False)
    adr = [(X0 + 20_005 + 8 * k, Y0 + 100, "Kerkstraat", k + 1) for k in range(120)]
    pd.DataFrame(adr, columns=["x", "y", "straat", "huisnummer"]).to_csv(tmp_path / "adr.csv", index=False)
    store = tmp_path / "s.gpkg"
    run("networks", "import", tmp_path / "nets.gpkg", "--store", store)
    return tmp_path, store


def test_plan_counts_incidents_far_from_the_networks(far):
    d, store = far
    out = run("plan", "--candidates", d / "cands.gpkg", "--incidents", d / "inc.csv", "--crs", "28992",
              "--store", store, "--k", "3", "--addresses", d / "adr.csv", "--output", d / "plan.gpkg")  # fmt: skip
    assert "reach 30 of 30 uncovered incidents" in out, out
    assert "rejected" not in out.split("The 3 best")[0] or "0 rejected" in out
    assert not (d / "plan.rejects.csv").exists()
    chosen = gpd.read_file(d / "plan.gpkg", layer="plan")
    assert chosen.loc[chosen["candidate_id"] == "A", "households"].tolist() == [120.0]


def test_regions_keeps_addresses_far_from_the_networks(far):
    d, store = far
    gpd.GeoDataFrame(geometry=[shapely.box(X0 + 20_000, Y0, X0 + 21_000, Y0 + 1000)], crs=28992).to_file(
        d / "area.gpkg"
    )
    out = run("regions", "--area", d / "area.gpkg", "--addresses", d / "adr.csv", "--crs", "28992", "--store", store,
              "--min-households", "20", "--max-households", "60", "--incidents", d / "inc.csv",
              "--output", d / "regions.gpkg")  # fmt: skip
    regions = gpd.read_file(d / "regions.gpkg")
    assert regions["households"].sum() == 120, out
    assert regions["incidents"].sum() == 10, out


def test_plan_skips_an_empty_id_column():
    cands = gpd.GeoDataFrame(
        {"id": [np.nan, np.nan], "name": ["A", "B"]}, geometry=[shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)]
    ).set_crs(28992)
    inc = gpd.GeoDataFrame(geometry=[shapely.Point(5, 5), shapely.Point(25, 5), shapely.Point(26, 5)], crs=28992)
    assert plan_areas(cands, inc, k=1).gains["candidate_id"].tolist() == ["B"]
    assert plan_areas(cands.drop(columns="name"), inc, k=1).gains["candidate_id"].tolist() == ["C2"]
    with pytest.raises(InputError, match="row 1 has no id in column 'id'"):
        plan_areas(cands, inc, k=1, id_field="id")


def test_streets_and_invitations_read_a_plan_of_plain_candidates(far):
    # candidates that are no proposals (neighbourhoods: a `name`, no proposal_id): the plan names them in
    # candidate_id, and `networks streets` / `invitations --proposal` read that (before: "no column proposal_id")
    d, store = far
    run("plan", "--candidates", d / "cands.gpkg", "--incidents", d / "inc.csv", "--crs", "28992",
        "--store", store, "--k", "3", "--output", d / "plan.gpkg")  # fmt: skip
    run("networks", "streets", "--proposals", d / "plan.gpkg", "--addresses", d / "adr.csv", "--crs", "28992",
        "--output", d / "streets.csv")  # fmt: skip
    streets = pd.read_csv(d / "streets.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert set(streets["network_id"]) == {"A"} and streets["addresses"].astype(int).sum() == 120
    run("invitations", "--proposals", d / "plan.gpkg", "--proposal", "A", "--addresses", d / "adr.csv",
        "--crs", "28992", "--output", d / "invite.csv")  # fmt: skip
    invite = pd.read_csv(d / "invite.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert sorted(invite["house_number"].astype(int)) == list(range(1, 121))
