"""Tests for bingeo/plan.py: the best k areas (maximal covering) against brute force and spopt's MCLP."""

from __future__ import annotations

import itertools
import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from bingeo.errors import CRSMismatchError, InputError
from bingeo.plan import plan_areas


def random_case(seed: int, m: int = 9, n: int = 160, extent: float = 1000.0):
    """Overlapping random boxes (candidates) and clustered incidents, with households per candidate."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0, extent * 0.8, m)
    y0 = rng.uniform(0, extent * 0.8, m)
    size = rng.uniform(100, 300, m)
    cands = gpd.GeoDataFrame(
        {"proposal_id": [f"P{i}" for i in range(m)], "households": rng.integers(40, 260, m)},
        geometry=[box(a, b, a + s, b + s) for a, b, s in zip(x0, y0, size)],
        crs=28992,
    )
    centres = rng.uniform(0, extent, (4, 2))
    xy = centres[rng.integers(0, 4, n)] + rng.normal(0, 120, (n, 2))
    inc = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=28992)
    return cands, inc


def brute_force(cands, inc, k, budget=None, networks=None):
    """Best reach of any k (or fewer) candidates: every combination, incidents counted once."""
    pts = inc
    if networks is not None:
        pts = inc[~inc.geometry.apply(lambda p: bool(networks.intersects(p).any()))]
    cover = np.array([[bool(g.intersects(p)) for g in cands.geometry] for p in pts.geometry]).reshape(len(pts), -1)
    hh = cands["households"].to_numpy()
    best = 0
    for r in range(1, k + 1):
        for combo in itertools.combinations(range(len(cands)), r):
            if budget is not None and hh[list(combo)].sum() > budget:
                continue
            best = max(best, int(cover[:, list(combo)].any(axis=1).sum()))
    return best, len(pts)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("budget", [None, 350])
def test_exact_equals_brute_force(seed, k, budget):
    cands, inc = random_case(seed)
    res = plan_areas(cands, inc, k=k, budget_households=budget, curve=True)
    best, total = brute_force(cands, inc, k, budget)
    assert res.optimal and res.method == "exact"
    assert res.reached == best and res.total == total
    chosen = cands.set_index("proposal_id").loc[res.gains["candidate_id"]]
    # the reported reach is the chosen areas' real reach, each incident once
    union = chosen.geometry.union_all()
    assert int(inc.geometry.intersects(union).sum()) == best
    if budget is not None:
        assert chosen["households"].sum() <= budget
    # the gains add up to the reach and never increase (the next area adds at most what the one before did)
    assert math.isclose(res.gains["gain"].sum(), best)
    assert (np.diff(res.gains["gain"]) <= 1e-9).all()
    # `best` for r areas is the brute-force optimum for r areas
    for r, b in zip(res.gains["rank"], res.gains["best"]):
        assert b == brute_force(cands, inc, int(r), budget)[0]
    once = plan_areas(cands, inc, k=k, budget_households=budget)  # one solve (default): the same choice's value
    assert once.reached == best and once.gains["best"].tolist() == once.gains["cumulative"].tolist()


@pytest.mark.parametrize("seed", range(3))
def test_greedy_within_bounds(seed):
    cands, inc = random_case(seed, m=12)
    exact = plan_areas(cands, inc, k=3)
    greedy = plan_areas(cands, inc, k=3, method="greedy")
    assert greedy.method == "greedy"
    assert (1 - 1 / math.e) * exact.reached <= greedy.reached <= exact.reached <= greedy.bound + 1e-9
    assert greedy.optimal == (greedy.reached >= greedy.bound - 1e-9)


def test_equals_spopt_mclp():
    with warnings.catch_warnings():  # spopt's imports warn (matplotlib's Axes3D, libpysal): not ours
        warnings.simplefilter("ignore")
        import pulp  # test dependencies (spopt brings pulp and its CBC): missing, the test fails, never skips
        from spopt.locate import MCLP

    for seed in range(3):
        cands, inc = random_case(seed, m=10, n=200)
        cover = np.array([[bool(g.intersects(p)) for g in cands.geometry] for p in inc.geometry])
        cost = np.where(cover, 0.0, 10.0)  # clients x facilities: within the service radius when covered
        for p in (1, 2, 4):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mclp = MCLP.from_cost_matrix(cost, np.ones(len(inc)), service_radius=1.0, p_facilities=p)
                mclp = mclp.solve(pulp.PULP_CBC_CMD(msg=False))
            ref = float(pulp.value(mclp.problem.objective))
            res = plan_areas(cands, inc, k=p)
            assert res.reached == ref, (seed, p)


def test_networks_and_overlap_count_once():
    cands = gpd.GeoDataFrame(
        {"proposal_id": ["A", "B"], "households": [100, 100]},
        geometry=[box(0, 0, 10, 10), box(5, 0, 15, 10)],
        crs=28992,
    )
    inc = gpd.GeoDataFrame(geometry=[Point(7, 5)] * 5 + [Point(2, 5), Point(12, 5), Point(50, 50)], crs=28992)
    nets = gpd.GeoDataFrame({"network_id": ["N"]}, geometry=[box(0, 0, 3, 10)], crs=28992)
    res = plan_areas(cands, inc, k=2, networks=nets)
    assert res.total == 7 and res.covered == 1  # the incident at (2, 5) is already covered
    assert res.reached == 6  # 5 in the overlap once, 1 at (12, 5)
    assert res.gains["gain"].tolist() == [6.0, 0.0] or res.gains["gain"].tolist() == [6.0]
    assert "reach 6 of 7 uncovered incidents" in res.summary()


def test_budget_from_addresses_and_risk():
    cands = gpd.GeoDataFrame(
        {"proposal_id": ["shops", "homes"]}, geometry=[box(0, 0, 100, 100), box(200, 0, 300, 100)], crs=28992
    )
    # the shopping street: 30 incidents, 2 homes; the residential street: 12 incidents, 60 homes
    inc = gpd.GeoDataFrame(
        geometry=[Point(50, 50)] * 30 + [Point(250 + i % 5, 50) for i in range(12)],
        crs=28992,
    )
    adr = gpd.GeoDataFrame(
        {"households": [1] * 2 + [1] * 60},
        geometry=[Point(50, 40), Point(50, 60)] + [Point(205 + i * 1.5, 50) for i in range(60)],
        crs=28992,
    )
    by_inc = plan_areas(cands, inc, k=1, addresses=adr)
    assert by_inc.gains["candidate_id"].tolist() == ["shops"]
    assert by_inc.gains["households"].tolist() == [2.0]
    by_risk = plan_areas(cands, inc, k=1, addresses=adr, by="risk", risk_options={"radius": 60.0})
    assert by_risk.gains["candidate_id"].tolist() == ["homes"]
    # risk adds up to about the incidents near homes: 2 homes share the shopping street's 30, floored at 10
    assert by_risk.total == pytest.approx(by_risk.reached + 2 * 30 / 10, rel=0.05)
    small = plan_areas(cands, inc, k=2, addresses=adr, budget_households=10)
    assert small.gains["candidate_id"].tolist() == ["shops"]
    assert "budget allows no more" in small.summary()


def test_errors():
    cands, inc = random_case(0)
    with pytest.raises(InputError, match="`by` must be one of incidents, risk"):
        plan_areas(cands, inc, by="people")
    with pytest.raises(InputError, match="`k` must be a whole number"):
        plan_areas(cands, inc, k=0)
    with pytest.raises(InputError, match="give the addresses"):
        plan_areas(cands, inc, by="risk")
    with pytest.raises(InputError, match="households budget needs"):
        plan_areas(cands.drop(columns="households"), inc, budget_households=100)
    with pytest.raises(InputError, match="candidate id 'P0' occurs more than once"):
        plan_areas(pd.concat([cands, cands.iloc[:1]]), inc)
    with pytest.raises(CRSMismatchError):
        plan_areas(cands.to_crs(4326), inc)
    pts = cands.copy()
    pts.geometry = cands.geometry.centroid
    with pytest.raises(InputError, match="must be polygons"):
        plan_areas(pts, inc)
    assert plan_areas(cands, inc.iloc[:0]).reached == 0
    with pytest.raises(InputError, match="holds no areas"):
        plan_areas(cands.iloc[:0], inc)


@pytest.fixture(scope="module")
def vancouver(real):
    """Vancouver's residential break-ins of 2023 and its 22 local areas, in UTM 10N."""
    from bingeo.readers import read_points

    v = real / "vancouver"
    inc = read_points(v / "vpd_crimedata_AllNeighbourhoods_2023.csv.gz", crs=26910).points
    inc = inc[inc["TYPE"] == "Break and Enter Residential/Other"].reset_index(drop=True)
    areas = gpd.read_file(v / "vancouver_local_areas.geojson").to_crs(26910)
    return inc, areas


def test_vancouver_local_areas_equal_brute_force(vancouver):
    inc, areas = vancouver
    res = plan_areas(areas, inc, k=3, id_field="name")
    assert res.optimal and res.total == len(inc)
    counts = np.array([int(inc.geometry.intersects(g).sum()) for g in areas.geometry])
    # local areas do not overlap (but for shared edges): brute force over every 3 of 22
    cover = np.array([inc.geometry.intersects(g).to_numpy() for g in areas.geometry])
    best = max(int(cover[list(c)].any(axis=0).sum()) for c in itertools.combinations(range(len(areas)), 3))
    assert res.reached == best
    assert sorted(res.gains["inside"], reverse=True) == sorted(counts, reverse=True)[:3]


def test_vancouver_command_line(real, tmp_path):
    """`bingeo plan` on Vancouver: three local areas are networks, the others the candidates; brute force."""
    from click.testing import CliRunner

    import bingeo
    from bingeo.cli.main import cli

    v = real / "vancouver"
    areas = gpd.read_file(v / "vancouver_local_areas.geojson")
    nets = areas[areas["name"].isin(["Downtown", "Dunbar-Southlands", "Killarney"])]
    nets.to_file(tmp_path / "nets.geojson")
    store = tmp_path / "bins.gpkg"
    csv = v / "vpd_crimedata_AllNeighbourhoods_2024.csv.gz"
    runner = CliRunner()
    res = runner.invoke(cli, ["networks", "import", str(tmp_path / "nets.geojson"), "--store", str(store)])
    assert res.exit_code == 0, res.output
    args = ["plan", "--candidates", str(v / "vancouver_local_areas.geojson"), "--incidents", str(csv)]
    args += ["--crs", "26910", "--type", "Break and Enter Residential/Other", "--store", str(store), "--k", "3"]
    res = runner.invoke(cli, [*args, "--output", str(tmp_path / "plan.gpkg")])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output
    with bingeo.open_store(store) as st:
        crs, extent, active = st.crs, st.extent(), st.networks()
    inc = bingeo.read_points(csv, crs=26910, target_crs=crs, extent=extent).points
    inc = inc[inc["TYPE"] == "Break and Enter Residential/Other"]
    free = inc[~inc.geometry.intersects(active.geometry.union_all())]
    cover = np.array([free.geometry.intersects(g).to_numpy() for g in areas.to_crs(crs).geometry])
    best = max(int(cover[list(c)].any(axis=0).sum()) for c in itertools.combinations(range(len(areas)), 3))
    assert f"The 3 best new areas reach {best:,} of {len(free):,} uncovered incidents" in res.output
    chosen = pd.read_csv(tmp_path / "plan.csv")["candidate_id"]
    assert not set(chosen) & {"Downtown", "Dunbar-Southlands", "Killarney"}
