"""bingeo.assign against independent references: brute-force point-in-polygon and geopandas.sjoin."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import bingeo
from bingeo.assign import assign
from tests.conftest import REAL_DATA as REAL

needs_real = pytest.mark.requires("real-data")


def brute_force(points: gpd.GeoDataFrame, networks: gpd.GeoDataFrame) -> list[set[str]]:
    """For every point, the set of network ids whose polygon covers it (GEOS, pair by pair)."""
    out = []
    polys = networks.geometry.to_numpy()
    ids = networks["network_id"].to_numpy()
    for p in points.geometry.to_numpy():
        out.append({ids[j] for j in range(len(polys)) if p is not None and shapely.covers(polys[j], p)})
    return out


def as_sets(assigned: gpd.GeoDataFrame) -> list[set[str]]:
    return [set() if v is None or v != v else set(v.split(";")) for v in assigned["network_ids"]]


@needs_real
def test_vancouver_incidents_match_sjoin_and_brute_force():
    v = pd.read_csv(REAL / "vancouver" / "vpd_crimedata_AllNeighbourhoods_2023.csv.gz")
    v = v[(v.X > 0) & v.X.notna()].reset_index(drop=True)
    pts = gpd.GeoDataFrame(v, geometry=gpd.points_from_xy(v.X, v.Y), crs=26910)
    areas = gpd.read_file(REAL / "vancouver" / "vancouver_local_areas.geojson").to_crs(26910)
    nets = areas.rename(columns={"mapid": "network_id"})
    out = assign(pts, nets)
    assert len(out) == len(pts)
    assert list(out.columns[: len(pts.columns) - 1]) == list(pts.columns[:-1])  # original columns kept, in order
    ref = gpd.sjoin(pts, nets[["network_id", "geometry"]], predicate="intersects", how="left")
    ref_sets = ref.groupby(level=0)["network_id"].agg(lambda s: set(s.dropna()))
    assert as_sets(out) == ref_sets.sort_index().tolist()
    # brute force on a sample (all pairs, GEOS covers)
    sample = pts.sample(2000, random_state=1)
    assert as_sets(out.loc[sample.index]) == brute_force(sample, nets)
    # SOURCES.md: 755 located points fall in no local area (over all years); this year has some too
    assert out["network_id"].isna().sum() > 0


@needs_real
def test_lancashire_wgs84_points_on_british_grid_wards():
    asb = pd.read_csv(REAL / "uk_lancashire" / "lancashire_asb_2022.tab.gz", sep="\t").head(20000)
    pts = gpd.GeoDataFrame(asb, geometry=gpd.points_from_xy(asb.longitude, asb.latitude), crs=4326).to_crs(27700)
    wards = gpd.read_file(REAL / "uk_lancashire" / "lancashire_wards.gpkg").rename(columns={"ward_code": "network_id"})
    out = assign(pts, wards)
    ref = gpd.sjoin(pts, wards[["network_id", "geometry"]], predicate="intersects", how="left")
    assert as_sets(out) == ref.groupby(level=0)["network_id"].agg(lambda s: set(s.dropna())).sort_index().tolist()
    assert out["network_id"].notna().all()  # SOURCES.md: 0 Lancashire points fall outside every ward


@needs_real
def test_repaired_thehague_polygons():
    from tests.test_registry import read_thehague

    raw = read_thehague()
    nets, _, _ = bingeo.networks_from_frame(raw, id_field="code", target_crs=28992)
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = nets.total_bounds
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rng.uniform(minx, maxx, 3000), rng.uniform(miny, maxy, 3000)), crs=28992
    )
    # plus every 50th vertex of every network: points exactly on boundaries
    verts = shapely.get_coordinates(nets.geometry.values)[::50]
    pts = pd.concat(
        [pts, gpd.GeoDataFrame(geometry=gpd.points_from_xy(verts[:, 0], verts[:, 1]), crs=28992)], ignore_index=True
    )
    out = assign(pts, nets)
    assert as_sets(out) == brute_force(pts, nets)
    assert out.iloc[3000:]["network_id"].notna().all()  # vertices belong to their network


@pytest.fixture
def nested():
    return gpd.GeoDataFrame(
        {"network_id": ["BIG", "SMALL", "EQUAL1", "EQUAL2"], "name": ["Big", "Small", "E1", "E2"]},
        geometry=[
            shapely.box(0, 0, 100, 100),
            shapely.box(10, 10, 20, 20),
            shapely.box(200, 0, 210, 10),
            shapely.box(200, 0, 210, 10),
        ],
        crs=28992,
    )


def test_most_specific_network_and_all_ids(nested):
    pts = gpd.GeoDataFrame(
        {"k": ["in-small", "in-big", "edge-small", "corner-big", "outside", "equal"]},
        geometry=gpd.points_from_xy([15, 50, 10, 0, 150, 205], [15, 50, 15, 0, 150, 5]),
        crs=28992,
    )
    out = assign(pts, nested).set_index("k")
    assert out.loc["in-small", "network_id"] == "SMALL" and out.loc["in-small", "network_name"] == "Small"
    assert out.loc["in-small", "network_ids"] == "SMALL;BIG"
    assert out.loc["in-big", "network_ids"] == "BIG"
    assert out.loc["edge-small", "network_id"] == "SMALL"  # on the boundary: covers, not contains
    assert out.loc["corner-big", "network_id"] == "BIG"
    assert out.loc["outside", ["network_id", "network_name", "network_ids"]].isna().all()
    assert out.loc["equal", "network_id"] == "EQUAL1" and out.loc["equal", "network_ids"] == "EQUAL1;EQUAL2"


def test_input_not_modified_and_index_kept(nested):
    pts = gpd.GeoDataFrame({"k": [1, 2]}, geometry=gpd.points_from_xy([15, 500], [15, 500]), crs=28992, index=[10, 20])
    before = pts.copy()
    out = assign(pts, nested)
    pd.testing.assert_frame_equal(pts, before)
    assert out.index.tolist() == [10, 20]
    assert out.loc[10, "network_id"] == "SMALL"


def test_at_date_uses_networks_valid_then(nested):
    nets = nested.assign(valid_from=[None, "2020-01-01", None, None], valid_to=[None, "2022-01-01", None, None])
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([15], [15]), crs=28992)
    assert assign(pts, nets, at="2019-12-31")["network_id"][0] == "BIG"
    assert assign(pts, nets, at="2021-06-01")["network_id"][0] == "SMALL"
    assert assign(pts, nets, at="2022-01-01")["network_id"][0] == "BIG"
    with pytest.raises(bingeo.InputError, match="needs the columns valid_from and valid_to"):
        assign(pts, nested, at="2020-01-01")


def test_errors(nested):
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([1], [1]), crs=4326)
    with pytest.raises(bingeo.CRSMismatchError, match="Reproject one of them"):
        assign(pts, nested)
    with pytest.raises(TypeError, match="should be a GeoDataFrame"):
        assign(pd.DataFrame({"a": [1]}), nested)
    with pytest.raises(bingeo.InputError, match="needs a 'network_id' column; it has: name"):
        assign(pts.set_crs(28992, allow_override=True), nested.drop(columns="network_id"))
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=28992)
    with pytest.raises(bingeo.InputError, match="must hold Point geometries.*a LineString"):
        assign(lines, nested)


def test_empty_and_missing_geometries(nested):
    empty = gpd.GeoDataFrame({"a": []}, geometry=gpd.GeoSeries([], crs=28992), crs=28992)
    out = assign(empty, nested)
    assert len(out) == 0 and "network_ids" in out.columns
    holes = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[None, shapely.Point()], crs=28992)
    out = assign(holes, nested)
    assert out["network_id"].isna().all()
    none = assign(gpd.GeoDataFrame(geometry=gpd.points_from_xy([15], [15]), crs=28992), nested.iloc[:0])
    assert none["network_id"].isna().all()


# --- property-based: random overlapping polygons with holes, points on vertices and edges ------------------
coord = st.integers(min_value=0, max_value=40)


@st.composite
def polygon(draw):
    x0, y0 = draw(coord), draw(coord)
    w, h = draw(st.integers(2, 30)), draw(st.integers(2, 30))
    shape = shapely.box(x0, y0, x0 + w, y0 + h)
    kind = draw(st.sampled_from(["box", "hole", "tri", "multi"]))
    if kind == "hole" and w > 4 and h > 4:
        shape = shape.difference(shapely.box(x0 + 1, y0 + 1, x0 + w - 2, y0 + h - 2))
    elif kind == "tri":
        shape = shapely.Polygon([(x0, y0), (x0 + w, y0), (x0 + draw(st.integers(0, w)), y0 + h)])
    elif kind == "multi":
        shape = shapely.union(shape, shapely.box(x0 + w + 3, y0, x0 + w + 6, y0 + 3))
    return shape


@settings(max_examples=60, deadline=None)
@given(
    st.lists(polygon(), min_size=1, max_size=8), st.lists(st.tuples(coord, coord), max_size=30), st.integers(0, 10**6)
)
def test_property_matches_brute_force(polys, free_points, seed):
    nets = gpd.GeoDataFrame({"network_id": [f"n{i}" for i in range(len(polys))]}, geometry=polys, crs=28992)
    rng = np.random.default_rng(seed)
    coords = shapely.get_coordinates(np.array(polys, dtype=object))
    # vertices, edge midpoints (exact halves), free integer points and random floats
    mids = (coords[:-1] + coords[1:]) / 2
    xy = np.vstack([coords, mids, np.array(free_points, dtype=float).reshape(-1, 2), rng.uniform(-1, 80, (40, 2))])
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=28992)
    out = assign(pts, nets)
    assert as_sets(out) == brute_force(pts, nets)
