"""bingeo regions: max-p candidate BIN areas, checked with libpysal/shapely (contiguity) and spopt (regions)."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from scipy.sparse.csgraph import connected_components

import bingeo.regions as br
from bingeo.cli.main import cli
from bingeo.errors import InputError
from bingeo.readers import read_points, read_polygons

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
VANCOUVER = ROOT.parent / "shared" / "data" / "real" / "vancouver"
if not VANCOUVER.exists():
    VANCOUVER = Path("/work/shared/data/real/vancouver")


@pytest.fixture(scope="module")
def sample():
    adr = read_points(SAMPLES / "addresses.csv", crs=28992).points
    nets = gpd.read_file(SAMPLES / "networks.gpkg").to_crs(28992)
    # the centre of Groningen: dense, with networks cutting through it (about 150 blocks: spopt stays fast)
    box = shapely.box(233000, 581500, 235000, 583000)
    area = gpd.GeoDataFrame(geometry=[box], crs=28992)
    return area, adr, nets


@pytest.fixture(scope="module")
def sample_result(sample):
    area, adr, nets = sample
    return br.divide_regions(area, adr, nets, seed=1)


def _check_regions(res, floor, ceiling):
    """Floors, ceilings and contiguity, checked independently of bingeo's own graph."""
    from libpysal.weights import fuzzy_contiguity

    regions, blocks = res.regions, res.blocks
    assert len(regions)
    assert regions["households"].between(floor, ceiling).all(), regions["households"].describe()
    # shapely: every region is one polygon (rook: blocks sharing edges dissolve into one piece)
    assert (regions.geom_type == "Polygon").all()
    # libpysal: the blocks of each region form one connected part of libpysal's own contiguity graph (blocks
    # touching within 1 cm: where a block was cut at REACH from its addresses, two arcs meet within ~1e-9 m)
    placed = blocks[blocks["proposal_id"] != ""].reset_index(drop=True)
    with warnings.catch_warnings():  # libpysal's own pandas deprecation (drop(inplace=True))
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        w = fuzzy_contiguity(placed, tolerance=0, buffering=True, buffer=0.01, silence_warnings=True)
    adj = w.sparse
    for pid, members in placed.groupby("proposal_id").groups.items():
        idx = np.asarray(members)
        n, _ = connected_components(adj[idx][:, idx], directed=False)
        assert n == 1, f"region {pid} is not contiguous in libpysal's rook graph"
    # the region's numbers add up from its blocks
    by = placed.groupby("proposal_id")["households"].sum()
    assert (by.reindex(regions["proposal_id"]).to_numpy() == regions["households"].to_numpy()).all()


def _uncovered_addresses(area, adr, nets):
    """Addresses in the area and in no network, by geopandas sjoin (the independent count)."""
    inside = gpd.sjoin(adr, area[["geometry"]], predicate="within", how="inner").index.unique()
    in_net = gpd.sjoin(adr, nets[["geometry"]], predicate="intersects", how="inner").index.unique()
    return adr.loc[inside.difference(in_net)]


def test_sample_regions_floor_ceiling_contiguity(sample, sample_result):
    area, adr, nets = sample
    res = sample_result
    _check_regions(res, 50, 250)
    # nothing dropped: every household of the uncovered area is in a region or in an island
    expected = _uncovered_addresses(area, adr, nets)["huishoudens"].sum()
    assert res.regions["households"].sum() + res.islands["households"].sum() == expected
    assert res.blocks["households"].sum() == expected
    # regions never overlap a network, nor each other
    assert res.regions.intersection(nets.union_all()).area.max() < 1e-3
    assert res.regions.union_all().area == pytest.approx(res.regions.area.sum(), rel=1e-9)
    assert res.block_rule.startswith("street (straat)")
    assert res.regions["proposal_id"].is_unique and res.regions["proposal_id"].str.match(r"R\d+$").all()


def test_sample_regions_against_spopt(sample_result):
    from libpysal.weights import W

    with warnings.catch_warnings():  # spopt imports matplotlib, whose 3D axes warn in this venv
        warnings.simplefilter("ignore")
        from spopt.region import MaxPHeuristic

    blocks = sample_result.blocks
    placed = blocks[blocks["proposal_id"] != ""].reset_index(drop=True)
    nbrs = {i: [] for i in range(len(placed))}
    for i, j in br.block_contiguity(placed):
        nbrs[int(i)].append(int(j))
        nbrs[int(j)].append(int(i))
    xy = shapely.get_coordinates(shapely.point_on_surface(placed.geometry.to_numpy()))
    frame = placed.assign(cx=xy[:, 0], cy=xy[:, 1])
    np.random.seed(0)
    model = MaxPHeuristic(
        frame,
        W(nbrs, silence_warnings=True),
        ["cx", "cy"],
        "households",
        50,
        top_n=2,
        max_iterations_construction=10,
        max_iterations_sa=1,
    )
    with warnings.catch_warnings():  # spopt's own pandas deprecations (drop(inplace=True))
        warnings.simplefilter("ignore")
        model.solve()
    ours = len(sample_result.regions)
    # spopt has no ceiling: its regions hold >= 50 households; ours hold 50-250 and are as many, within 10 %
    hh = frame.groupby(model.labels_)["households"].sum()
    assert (hh >= 50).all()
    print(f"regions: bingeo {ours}, spopt {model.p}")
    assert ours >= 0.9 * model.p, (ours, model.p)


def test_same_seed_same_regions(sample, sample_result):
    area, adr, nets = sample
    again = br.divide_regions(area, adr, nets, seed=1)
    assert again.blocks["proposal_id"].tolist() == sample_result.blocks["proposal_id"].tolist()
    assert again.regions.geometry.equals(sample_result.regions.geometry)


def test_islands_kept_with_reason():
    # two streets of 60 households; a network cuts off a third group of 10 addresses: an island
    xs = np.arange(60) * 5.0 + 2.5
    pts = [(x, 10.0) for x in xs] + [(x, 40.0) for x in xs] + [(450.0 + i, 10.0) for i in range(10)]
    adr = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*zip(*pts)), crs=28992)
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 500, 50)], crs=28992)
    nets = gpd.GeoDataFrame(geometry=[shapely.box(400, -10, 420, 60)], crs=28992)
    res = br.divide_regions(area, adr, nets, min_households=50, max_households=100, block_size=50)
    _check_regions(res, 50, 100)
    assert res.islands["households"].sum() == 10
    assert res.islands["reason"].str.contains("cut off").all()
    assert res.regions["households"].sum() == 120
    assert "not in a region: " in res.summary()


def test_oversize_blocks_split_and_one_building_reported():
    # one block key with 400 households (split at the median until each part fits) and a tower of 300
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 200, size=(400, 2))
    adr = gpd.GeoDataFrame(
        {"block_id": ["A"] * 400 + ["T"], "households": [1] * 400 + [300]},
        geometry=gpd.points_from_xy(np.r_[xy[:, 0], 300.0], np.r_[xy[:, 1], 100.0]),
        crs=28992,
    )
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 320, 200)], crs=28992)
    res = br.divide_regions(area, adr, kind="whatsapp", min_households=50, max_households=150)
    assert (res.blocks["households"] <= 150).sum() == len(res.blocks) - 1
    assert res.block_rule == "column block_id"
    tower = res.islands[res.islands["households"] == 300]
    assert len(tower) == 1 and "more than the ceiling" in tower["reason"].iloc[0]
    _check_regions(res, 50, 150)
    assert res.regions["households"].sum() == 400


def test_whatsapp_cap_and_bad_values(sample):
    area, adr, nets = sample
    with pytest.raises(InputError, match="WhatsApp group"):
        br.divide_regions(area, adr, nets, max_households=300)
    with pytest.raises(InputError, match="larger than `max_households`"):
        br.divide_regions(area, adr, nets, min_households=300, max_households=200, kind="bin")
    with pytest.raises(InputError, match="`block_field`='nope' is not a column"):
        br.divide_regions(area, adr, nets, block_field="nope")
    far = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=28992)
    with pytest.raises(InputError, match="none of the"):
        br.divide_regions(far, adr, nets)
    res = br.divide_regions(area, adr, nets, max_households=400, kind="bin")
    _check_regions(res, 50, 400)


@pytest.fixture(scope="module")
def vancouver():
    path = VANCOUVER / "vancouver_property_addresses_sample.csv.gz"
    with gzip.open(path, "rt") as fh:
        df = pd.read_csv(fh)
    adr = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["albers_x"], df["albers_y"]), crs=3005)
    areas = gpd.read_file(VANCOUVER / "vancouver_local_areas.geojson").to_crs(3005)
    # Grandview-Woodland has no address in the file (it keeps 9 local areas): blocks must not spread over it
    area = areas[areas["name"].isin(["Strathcona", "Mount Pleasant", "Grandview-Woodland"])]
    return area, adr


def test_vancouver_dissemination_blocks(vancouver):
    area, adr = vancouver
    res = br.divide_regions(area, adr, min_households=50, max_households=250)
    assert res.block_rule.startswith("column DISSEMINATION_BLOCK_ID")
    _check_regions(res, 50, 250)
    expected = len(_uncovered_addresses(area[["geometry"]], adr, area.iloc[:0]))
    assert res.regions["households"].sum() + res.islands["households"].sum() == expected
    # blocks follow the dissemination blocks: every block holds addresses of one DB only
    joined = gpd.sjoin(adr, res.blocks[["block_id", "geometry"]], predicate="within")
    per = joined.groupby("block_id")["DISSEMINATION_BLOCK_ID"].nunique()
    assert (per == 1).mean() > 0.95
    # no region reaches farther than REACH from the addresses (the empty local area stays out)
    from scipy.spatial import cKDTree

    corners = shapely.get_coordinates(res.regions.boundary.to_numpy())
    dist, _ = cKDTree(shapely.get_coordinates(adr.geometry.to_numpy())).query(corners)
    assert dist.max() <= br.REACH + 0.01
    empty = area[area["name"] == "Grandview-Woodland"].union_all()
    assert res.regions.intersection(empty).area.sum() < 0.25 * empty.area  # only the edge next to the addresses


def test_cli_regions(tmp_path, sample):
    area, adr, nets = sample
    runner = CliRunner()
    store = tmp_path / "s.gpkg"
    assert runner.invoke(cli, ["store", "init", str(store), "--crs", "28992"]).exit_code == 0
    r = runner.invoke(cli, ["networks", "import", str(SAMPLES / "networks.gpkg"), "--store", str(store)])
    assert r.exit_code == 0, r.output
    area_file = tmp_path / "area.gpkg"
    area.to_file(area_file)
    out = tmp_path / "regions.gpkg"
    args = ["regions", "--area", str(area_file), "--addresses", str(SAMPLES / "addresses.csv"), "--store", str(store)]
    r = runner.invoke(cli, [*args, "--output", str(out), "--incidents", str(SAMPLES / "incidents.csv"), "--seed", "1"])
    assert r.exit_code == 0, r.output
    got = read_polygons(out)  # one polygon layer: what `bingeo plan --candidates` reads
    assert {"proposal_id", "households", "addresses", "incidents", "compactness"} <= set(got.columns)
    assert got["households"].between(50, 250).all()
    inc = read_points(SAMPLES / "incidents.csv", crs=28992).points
    counts = gpd.sjoin(inc, got[["proposal_id", "geometry"]], predicate="within").groupby("proposal_id").size()
    assert (counts.reindex(got["proposal_id"], fill_value=0).to_numpy() <= got["incidents"].to_numpy()).all()
    assert f"{len(got)} regions of" in r.output
    bad = runner.invoke(cli, [*args, "--output", str(out), "--max-households", "300"])
    assert bad.exit_code == 2 and "WhatsApp group" in bad.output and "--kind bin" in bad.output
    assert "Traceback" not in bad.output
    ok = runner.invoke(cli, [*args, "--output", str(out), "--max-households", "300", "--kind", "bin"])
    assert ok.exit_code == 0, ok.output


def test_groningen_cbs_wijk_as_area(sample):
    # a real area polygon: the CBS wijk Oud-Zuid (2017, EPSG:4326), the sample's BAG addresses and networks
    _, adr, nets = sample
    wijken = gpd.read_file(f"zip://{VANCOUVER.parent / 'netherlands_groningen_cbs_bag' / 'wijk2017.zip'}")
    area = wijken[wijken["WK_NAAM"] == "Oud-Zuid"].to_crs(28992)
    res = br.divide_regions(area, adr, nets, min_households=50, max_households=200)
    _check_regions(res, 50, 200)
    expected = _uncovered_addresses(area[["geometry"]], adr, nets)["huishoudens"].sum()
    assert res.regions["households"].sum() + res.islands["households"].sum() == expected
    assert res.regions.within(area.union_all().buffer(1e-6)).all()


def test_negative_households_refused_missing_count_one():
    adr = gpd.GeoDataFrame(
        {"households": [1.0, None, -2.0]}, geometry=gpd.points_from_xy([1, 5, 9], [1, 5, 9]), crs=28992
    )
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=28992)
    with pytest.raises(InputError, match="negative households"):
        br.divide_regions(area, adr, min_households=1, max_households=10)
    res = br.divide_regions(area, adr.iloc[:2], min_households=1, max_households=10)
    assert res.regions["households"].sum() == 2


def test_cli_islands_file(tmp_path):
    # 120 addresses on two streets and 10 cut off by a network: the 10 go to regions_islands.gpkg with the reason
    xs = np.arange(60) * 5.0 + 2.5
    pts = [(x, 10.0, "Kerkstraat") for x in xs] + [(x, 40.0, "Dorpsweg") for x in xs]
    pts += [(450.0 + i, 10.0, "Eindweg") for i in range(10)]
    pd.DataFrame(pts, columns=["x", "y", "straat"]).to_csv(tmp_path / "adr.csv", index=False)
    gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 500, 50)], crs=28992).to_file(tmp_path / "area.gpkg")
    nets = gpd.GeoDataFrame({"network_id": ["N1"]}, geometry=[shapely.box(400, -10, 420, 60)], crs=28992)
    nets.to_file(tmp_path / "nets.gpkg")
    runner = CliRunner()
    store = str(tmp_path / "s.gpkg")
    assert runner.invoke(cli, ["store", "init", store, "--crs", "28992"]).exit_code == 0
    assert runner.invoke(cli, ["networks", "import", str(tmp_path / "nets.gpkg"), "--store", store]).exit_code == 0
    out = tmp_path / "regions.gpkg"
    args = ["regions", "--area", str(tmp_path / "area.gpkg"), "--addresses", str(tmp_path / "adr.csv")]
    r = runner.invoke(cli, [*args, "--store", store, "--output", str(out), "--crs", "28992", "--block-size", "50"])
    assert r.exit_code == 0, r.output
    islands = gpd.read_file(tmp_path / "regions_islands.gpkg", layer="islands")
    assert islands["households"].sum() == 10 and islands["reason"].str.contains("cut off").all()
    assert read_polygons(out)["households"].sum() == 120
    assert "not in a region: " in r.output and "regions_islands.gpkg" in r.output
