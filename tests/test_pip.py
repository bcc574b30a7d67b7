"""Tests of bingeo._pip: the exact point-in-polygon locator.

The reference everywhere is GEOS itself, ``shapely.intersects_xy`` on every
(point, polygon) pair (or on every bounding-box candidate pair for the large
cases), compared as exact sorted pair lists.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import affinity

from bingeo import _pip
from bingeo._pip import PolygonLocator, locate

# -------------------------------------------------------------------------- reference


def brute_pairs(x, y, polygons):
    """All (point, polygon) pairs where GEOS says intersects, by full cross product."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    polys = np.asarray(polygons, dtype=object)
    if x.size == 0 or polys.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    hit = shapely.intersects_xy(polys[None, :], x[:, None], y[:, None])
    pi, gi = np.nonzero(hit)
    return pi.astype(np.int64), gi.astype(np.int64)


def brute_pairs_tree(x, y, polygons):
    """Same as brute_pairs, via STRtree bounding-box candidates (for large inputs)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    polys = np.asarray(polygons, dtype=object)
    finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    tree = shapely.STRtree(polys)
    a, b = tree.query(shapely.points(x[finite], y[finite]))
    a = finite[a]
    hit = shapely.intersects_xy(polys[b], x[a], y[a])
    a, b = a[hit], b[hit]
    order = np.lexsort((b, a))
    return a[order].astype(np.int64), b[order].astype(np.int64)


def assert_same(got, want):
    gp, gq = got
    wp, wq = want
    assert gp.dtype == np.int64 and gq.dtype == np.int64
    if not (np.array_equal(gp, wp) and np.array_equal(gq, wq)):
        g = set(zip(gp.tolist(), gq.tolist()))
        w = set(zip(wp.tolist(), wq.tolist()))
        if g == w:
            pytest.fail("same pairs, wrong order")
        pytest.fail(f"missing {sorted(w - g)[:10]} ({len(w - g)}), extra {sorted(g - w)[:10]} ({len(g - w)})")


def voronoi(n, seed, *, size=10_000.0, x0=150_000.0, y0=450_000.0, vertices=36):
    rng = np.random.default_rng(seed)
    box = shapely.box(x0, y0, x0 + size, y0 + size)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(x0, x0 + size, n), rng.uniform(y0, y0 + size, n)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    cells = shapely.intersection(cells, box)
    return shapely.segmentize(cells, shapely.length(cells) / vertices)


def boundary_points(polygons, rng, fractions=(0.5, 1 / 3, 0.1)):
    """Vertices of the polygons and points computed along their edges."""
    coords, idx = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(polygons)), return_index=True)
    same = idx[1:] == idx[:-1]
    a = coords[:-1][same]
    b = coords[1:][same]
    pts = [coords]
    for t in fractions:
        pts.append(a + t * (b - a))
    pts.append((a + b) / 2)
    return np.concatenate(pts)


# ---------------------------------------------------------------------------- Voronoi


@pytest.mark.parametrize("cell_size", [None, 37.0, 250.0], ids=["auto", "fine", "coarse"])
def test_voronoi_random_and_boundary_points(cell_size):
    polys = voronoi(300, seed=1)
    rng = np.random.default_rng(2)
    xy = np.concatenate(
        [
            np.column_stack(
                [
                    rng.uniform(149_900, 160_100, 30_000),
                    rng.uniform(449_900, 460_100, 30_000),
                ]
            ),
            boundary_points(polys, rng)[::3],
        ]
    )
    rng.shuffle(xy)
    loc = PolygonLocator(polys, cell_size=cell_size)
    got = loc.locate(xy[:, 0], xy[:, 1])
    assert_same(got, brute_pairs_tree(xy[:, 0], xy[:, 1], polys))
    # shared edges: many boundary points belong to two cells
    assert np.unique(got[0]).size < got[0].size
    # every way of deciding a pair was exercised
    assert loc.stats["one_segment_candidates"] > 0
    assert loc.stats["wedge_candidates"] > 0
    assert loc.stats["geos_candidates"] > 0
    assert loc.locate_stats["geos"] > 0


def test_voronoi_points_on_cell_boundaries_of_grid():
    polys = voronoi(100, seed=3)
    loc = PolygonLocator(polys, cell_size=50.0)
    x0, y0 = loc._x0, loc._y0
    k = np.arange(-2, loc.grid_shape[1] + 3)
    gx, gy = np.meshgrid(x0 + k * 50.0, y0 + np.arange(-2, loc.grid_shape[0] + 3) * 50.0)
    x = np.concatenate(
        [
            gx.ravel(),
            np.nextafter(gx.ravel(), -np.inf),
            np.nextafter(gx.ravel(), np.inf),
        ]
    )
    y = np.concatenate([gy.ravel(), np.nextafter(gy.ravel(), np.inf), gy.ravel()])
    assert_same(loc.locate(x, y), brute_pairs_tree(x, y, polys))


def test_locator_reused_over_batches_and_chunks(monkeypatch):
    polys = voronoi(200, seed=4)
    rng = np.random.default_rng(5)
    x = rng.uniform(150_000, 160_000, 20_000)
    y = rng.uniform(450_000, 460_000, 20_000)
    want = brute_pairs_tree(x, y, polys)
    loc = PolygonLocator(polys)
    # two batches give the pairs of their halves
    p1, q1 = loc.locate(x[:7_000], y[:7_000])
    p2, q2 = loc.locate(x[7_000:], y[7_000:])
    assert_same((np.concatenate([p1, p2 + 7_000]), np.concatenate([q1, q2])), want)
    # internal chunking gives the same as one block
    monkeypatch.setattr(_pip, "CHUNK_POINTS", 999)
    assert_same(loc.locate(x, y), want)


# ------------------------------------------------------------------------- hypothesis

coord = st.integers(0, 24)


@st.composite
def polygon(draw):
    """A valid (Multi)Polygon, integer or general coordinates, or None/empty."""
    kind = draw(
        st.sampled_from(
            [
                "hull",
                "box",
                "buffer",
                "holed",
                "multi",
                "rotated",
                "none",
                "empty",
                "star",
            ]
        )
    )
    if kind == "none":
        return None
    if kind == "empty":
        return shapely.Polygon()
    pts = draw(st.lists(st.tuples(coord, coord), min_size=3, max_size=9, unique=True))
    hull = shapely.convex_hull(shapely.MultiPoint(pts))
    if kind == "box":
        x0, y0 = draw(coord), draw(coord)
        return shapely.box(x0, y0, x0 + draw(st.integers(1, 12)), y0 + draw(st.integers(1, 12)))
    if kind == "buffer":
        x0, y0 = draw(coord), draw(coord)
        return shapely.Point(x0, y0).buffer(draw(st.integers(1, 9)), quad_segs=draw(st.integers(1, 6)))
    if kind == "star":
        n = draw(st.integers(3, 9))
        x0, y0 = draw(coord), draw(coord)
        r1, r2 = draw(st.integers(2, 10)), draw(st.integers(1, 10))
        ang = np.arange(2 * n) * math.pi / n
        rad = np.where(np.arange(2 * n) % 2 == 0, r1, r2 * 0.4)
        return shapely.Polygon(np.column_stack([x0 + rad * np.cos(ang), y0 + rad * np.sin(ang)]))
    if hull.geom_type != "Polygon":
        return None
    if kind == "holed":
        other = shapely.convex_hull(
            shapely.MultiPoint(draw(st.lists(st.tuples(coord, coord), min_size=3, max_size=6, unique=True)))
        )
        g = (
            hull.difference(other)
            if draw(st.booleans())
            else hull.difference(shapely.buffer(other.centroid, 2, quad_segs=2))
        )
    elif kind == "multi":
        dx = draw(st.integers(-30, 30))
        g = shapely.union(hull, affinity.translate(hull, dx, draw(st.integers(-30, 30))))
    elif kind == "rotated":
        g = affinity.rotate(hull, draw(st.floats(0, 360, allow_nan=False)), origin=(0, 0))
        g = affinity.scale(g, draw(st.sampled_from([1.0, 0.1, 1e-3, 7.3])), 1.0, origin=(0, 0))
    else:
        g = hull
    if g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon") or not g.is_valid:
        return None
    return g


@st.composite
def scene(draw):
    polys = draw(st.lists(polygon(), min_size=1, max_size=6))
    arr = np.empty(len(polys), dtype=object)
    arr[:] = polys
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    good = [g for g in polys if g is not None and not g.is_empty]
    pts = [np.column_stack([rng.uniform(-3, 28, 60), rng.uniform(-3, 28, 60)])]
    if good:
        pts.append(boundary_points(np.array(good, dtype=object), rng))
        b = shapely.total_bounds(np.array(good, dtype=object))
        pts.append(np.column_stack([rng.uniform(b[0], b[2], 40), rng.uniform(b[1], b[3], 40)]))
    # integer and half-integer lattice: cell boundaries when cell_size is 0.5/1/2
    g = np.arange(-2, 27, 0.5)
    gx, gy = np.meshgrid(g, g)
    lattice = np.column_stack([gx.ravel(), gy.ravel()])
    pts.append(lattice[rng.choice(lattice.shape[0], 300, replace=False)])
    pts.append(
        np.array(
            [
                [np.nan, 1.0],
                [1.0, np.inf],
                [-np.inf, -np.inf],
                [np.nan, np.nan],
                [1e300, 1e300],
            ]
        )
    )
    xy = np.concatenate(pts)
    rng.shuffle(xy)
    cell_size = draw(st.sampled_from([None, None, 0.5, 1.0, 2.0, 3.0, 0.7, 13.0]))
    return arr, xy, cell_size


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scene())
def test_property_equals_geos(sc):
    polys, xy, cell_size = sc
    loc = PolygonLocator(polys, cell_size=cell_size)
    assert_same(loc.locate(xy[:, 0], xy[:, 1]), brute_pairs(xy[:, 0], xy[:, 1], polys))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-5, 5), st.integers(-5, 5)),
        min_size=3,
        max_size=7,
        unique=True,
    ),
    st.sampled_from([1.0, 1e-6, 1e5, 3.7]),
    st.sampled_from([0.0, 1e6, -4e5, 123456.789]),
)
def test_property_scaled_and_translated(pts, scale, shift):
    """The same shapes far from the origin and at other scales."""
    hull = shapely.convex_hull(shapely.MultiPoint(pts))
    if hull.geom_type != "Polygon":
        return
    ring = shapely.get_coordinates(hull)
    hole = shapely.Polygon(ring * 0.3)
    shapes = [
        hull,
        hull.difference(hole) if hull.contains(hole) else hull,
        affinity.rotate(hull, 33, origin=(0, 0)),
    ]
    polys = np.array(
        [affinity.translate(affinity.scale(g, scale, scale, origin=(0, 0)), shift, shift) for g in shapes],
        dtype=object,
    )
    polys = np.array([g if g.is_valid else None for g in polys], dtype=object)
    rng = np.random.default_rng(0)
    good = polys[[g is not None for g in polys]]
    xy = np.concatenate(
        [
            boundary_points(good, rng),
            np.column_stack([rng.uniform(-6, 6, 200), rng.uniform(-6, 6, 200)]) * scale + shift,
        ]
    )
    for cs in (None, scale * 0.5, scale):
        assert_same(
            locate(xy[:, 0], xy[:, 1], polys, cell_size=cs),
            brute_pairs(xy[:, 0], xy[:, 1], polys),
        )


# -------------------------------------------------------------------- hand-made cases


def test_hole_boundaries_overlaps_and_multipolygon():
    outer = shapely.box(0, 0, 10, 10)
    holed = outer.difference(shapely.box(2, 2, 5, 5))
    multi = shapely.MultiPolygon([shapely.box(20, 0, 22, 2), shapely.box(22, 2, 24, 4)])  # touch at (22, 2)
    over = shapely.box(4, 4, 12, 12)
    polys = np.array([holed, multi, over, outer], dtype=object)
    x = np.array([1, 3, 2, 5, 3.5, 10, 12, 22, 21, 23, 4, 4.5, 11, -1, 0, 10, 22, 24])
    y = np.array([1, 3, 3, 3, 5.0, 10, 12, 2, 1, 3, 4, 4.5, 1, -1, 0, 0, 2.0001, 4])
    for cs in (None, 1.0, 0.5, 3.0, 100.0):
        assert_same(locate(x, y, polys, cell_size=cs), brute_pairs(x, y, polys))
    pi, gi = locate(x, y, polys, cell_size=1.0)
    pairs = set(zip(pi.tolist(), gi.tolist()))
    assert (1, 0) not in pairs and (1, 3) in pairs  # (3, 3) in the hole of 0, inside 3
    assert (2, 0) in pairs  # (2, 3) on the hole boundary
    assert (7, 1) in pairs  # the touching vertex of the MultiPolygon


def test_points_on_every_edge_of_a_polygon_with_general_slopes():
    rng = np.random.default_rng(11)
    ang = np.sort(rng.uniform(0, 2 * math.pi, 40))
    rad = rng.uniform(50, 100, 40)
    poly = shapely.Polygon(np.column_stack([1e5 + rad * np.cos(ang), 4e5 + rad * np.sin(ang)]))
    poly = poly if poly.is_valid else shapely.convex_hull(poly)
    polys = np.array([poly, affinity.rotate(poly, 90)], dtype=object)
    xy = boundary_points(polys, rng, fractions=tuple(np.linspace(0, 1, 17)))
    xy = np.concatenate([xy, xy + rng.normal(0, 1e-9, xy.shape)])
    for cs in (None, 1.0, 7.0, 30.0):
        assert_same(
            locate(xy[:, 0], xy[:, 1], polys, cell_size=cs),
            brute_pairs(xy[:, 0], xy[:, 1], polys),
        )


# ------------------------------------------------------------------------- degenerate


def test_empty_inputs():
    box = shapely.box(0, 0, 1, 1)
    for got in (
        locate(np.array([]), np.array([]), [box]),
        locate([0.5], [0.5], []),
        locate([0.5], [0.5], np.array([None, shapely.Polygon()], dtype=object)),
        PolygonLocator([None]).locate([0.5], [0.5]),
    ):
        assert got[0].dtype == np.int64 and got[1].dtype == np.int64
        assert got[0].size == 0 and got[1].size == 0


def test_single_polygon_none_and_empty_never_match():
    polys = np.array(
        [None, shapely.box(0, 0, 4, 4), shapely.Polygon(), shapely.MultiPolygon()],
        dtype=object,
    )
    x = np.array([2.0, 0.0, 4.0, 5.0, np.nan])
    y = np.array([2.0, 0.0, 2.0, 5.0, 2.0])
    pi, gi = locate(x, y, polys)
    assert pi.tolist() == [0, 1, 2] and gi.tolist() == [1, 1, 1]


def test_non_finite_points_never_match():
    polys = [shapely.box(-1e308, -1e308, 1e308, 1e308), shapely.box(0, 0, 1, 1)]
    x = np.array([np.nan, np.inf, -np.inf, 0.5, 0.5, np.nan])
    y = np.array([0.5, 0.5, 0.5, np.inf, np.nan, np.nan])
    pi, gi = locate(x, y, polys)
    assert pi.size == 0
    assert_same(locate([0.5], [0.5], polys), (np.array([0, 0]), np.array([0, 1])))


def test_all_points_outside_and_outside_grid():
    polys = voronoi(20, seed=6)
    rng = np.random.default_rng(7)
    x = np.concatenate(
        [
            rng.uniform(-1e6, 0, 500),
            rng.uniform(200_000, 300_000, 500),
            [149_999.99999999997],
        ]
    )
    y = np.concatenate([rng.uniform(-1e6, 1e6, 1000), [455_000.0]])
    pi, gi = locate(x, y, polys)
    assert pi.size == 0
    assert_same((pi, gi), brute_pairs(x, y, polys))


def test_one_polygon_far_larger_than_the_others():
    small = voronoi(400, seed=8, size=1_000.0)
    big = shapely.box(140_000, 440_000, 260_000, 560_000).difference(shapely.box(150_100, 450_100, 150_200, 450_200))
    polys = np.concatenate([small, [big]])
    rng = np.random.default_rng(9)
    x = np.concatenate(
        [
            rng.uniform(149_990, 151_010, 20_000),
            rng.uniform(130_000, 270_000, 2_000),
            [150_100, 150_150],
        ]
    )
    y = np.concatenate(
        [
            rng.uniform(449_990, 451_010, 20_000),
            rng.uniform(430_000, 570_000, 2_000),
            [450_150, 450_100],
        ]
    )
    loc = PolygonLocator(polys)
    assert loc.cell_size < 100  # the small polygons set the grid, not the big one
    assert_same(loc.locate(x, y), brute_pairs_tree(x, y, polys))


def test_grid_size_caps(monkeypatch):
    monkeypatch.setattr(_pip, "MAX_GRID_CELLS", 5_000)
    monkeypatch.setattr(_pip, "MAX_RASTER_CELLS", 20_000)
    polys = voronoi(300, seed=10)
    loc = PolygonLocator(polys, cell_size=1.0)
    assert loc.grid_shape[0] * loc.grid_shape[1] <= 5_000
    assert loc.stats["raster_cells"] <= 20_000
    rng = np.random.default_rng(1)
    x = rng.uniform(150_000, 160_000, 5_000)
    y = rng.uniform(450_000, 460_000, 5_000)
    assert_same(loc.locate(x, y), brute_pairs_tree(x, y, polys))


def test_tiny_polygons_far_apart():
    polys = [
        shapely.box(0, 0, 1e-3, 1e-3),
        shapely.box(1e6, 1e6, 1e6 + 1e-3, 1e6 + 1e-3),
        shapely.box(5e5, 0, 5e5 + 1, 1),
    ]
    x = np.array([5e-4, 1e6 + 5e-4, 1e6, 5e5 + 0.5, 5e5 + 1, 0.0, 1e-3])
    y = np.array([5e-4, 1e6 + 5e-4, 1e6, 0.5, 1.0, 0.0, 0.0])
    assert_same(locate(x, y, polys), brute_pairs(x, y, polys))


def test_errors():
    with pytest.raises(TypeError, match="Polygon or MultiPolygon"):
        PolygonLocator([shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)])])
    with pytest.raises(TypeError, match="shapely geometries"):
        PolygonLocator(["not a geometry"])
    with pytest.raises(ValueError, match="one-dimensional"):
        PolygonLocator(np.array([[shapely.box(0, 0, 1, 1)]], dtype=object))
    with pytest.raises(ValueError, match="cell_size"):
        PolygonLocator([shapely.box(0, 0, 1, 1)], cell_size=0.0)
    with pytest.raises(ValueError, match="equal length"):
        PolygonLocator([shapely.box(0, 0, 1, 1)]).locate([1.0, 2.0], [1.0])


def test_input_dtypes_and_lists():
    polys = [shapely.box(0, 0, 2, 2)]
    assert_same(locate([1, 2, 3], [1, 2, 3], polys), (np.array([0, 1]), np.array([0, 0])))
    x = np.array([1, 2, 3], dtype=np.float32)
    assert_same(locate(x, x, polys), (np.array([0, 1]), np.array([0, 0])))


# -------------------------------------------------------------------------- real data


def test_vancouver_incidents_in_local_areas(real):
    import geopandas as gpd
    import pandas as pd

    inc = pd.read_csv(real / "vancouver" / "vpd_crimedata_AllNeighbourhoods_2023.csv.gz")
    inc = inc[(inc["X"] != 0) & inc["X"].notna() & inc["Y"].notna()]
    areas = gpd.read_file(real / "vancouver" / "vancouver_local_areas.geojson").to_crs(26910)
    polys = areas.geometry.to_numpy()
    x = inc["X"].to_numpy(float)
    y = inc["Y"].to_numpy(float)
    got = locate(x, y, polys)
    assert_same(got, brute_pairs_tree(x, y, polys))
    assert len(x) > 30_000
    assert 0.97 * len(x) < np.unique(got[0]).size < len(x)  # a few fall outside every area


def test_flanders_wijken_random_points(real):
    import geopandas as gpd

    wijken = gpd.read_file(real / "belgium_flanders" / "ggw7_wijken.shp")
    assert len(wijken) == 2767
    polys = wijken.geometry.to_numpy()
    rng = np.random.default_rng(12)
    b = shapely.total_bounds(polys)
    x = rng.uniform(b[0], b[2], 100_000)
    y = rng.uniform(b[1], b[3], 100_000)
    vtx = boundary_points(polys[::7], rng)[::5]
    x = np.concatenate([x, vtx[:, 0]])
    y = np.concatenate([y, vtx[:, 1]])
    loc = PolygonLocator(polys)
    assert_same(loc.locate(x, y), brute_pairs_tree(x, y, polys))


# -------------------------------------------------------------------------- white box


def covered_entry(loc, poly, x, y):
    """For each point: does its cell list polygon ``poly`` as a candidate to test?"""
    fx = (np.asarray(x) - loc._x0) / loc._s
    fy = (np.asarray(y) - loc._y0) / loc._s
    inside_grid = (fx >= 0) & (fx < loc._nx) & (fy >= 0) & (fy < loc._ny)
    # a point beyond the grid is beyond every polygon: nothing to cover
    out = ~inside_grid
    cell = np.where(inside_grid, fy, 0).astype(np.int64) * loc._nx + np.where(inside_grid, fx, 0).astype(np.int64)
    code = loc._code[cell]
    for i, c in enumerate(code):
        if inside_grid[i] and c <= -2:
            lo, hi = loc._e_start[-2 - c], loc._e_start[-1 - c]
            sel = loc._e_poly[lo:hi] == np.searchsorted(loc._poly_ids, poly[i])
            out[i] = bool((loc._e_kind[lo:hi][sel] != _pip._INSIDE).any())
    return out


@pytest.mark.parametrize("cell_size", [37.3, 0.1 * 333, 100.0 / 3.0], ids=["37.3", "33.3", "100/3"])
def test_boundary_cells_are_never_missed(cell_size):
    """Points within rounding of an edge, where it crosses grid lines, are covered."""
    polys = np.concatenate(
        [
            voronoi(60, seed=13, size=2_000.0),
            [affinity.rotate(shapely.box(150_500, 450_500, 151_200, 451_000), 31)],
        ]
    )
    loc = PolygonLocator(polys, cell_size=cell_size)
    coords, ring = shapely.get_coordinates(shapely.get_rings(polys), return_index=True)
    owner = np.repeat(np.arange(len(polys)), shapely.get_num_interior_rings(polys) + 1)[ring]
    same = np.flatnonzero(ring[1:] == ring[:-1])
    a, b, k = coords[same], coords[same + 1], owner[same]
    pts, who = [], []
    for axis, origin in ((0, loc._x0), (1, loc._y0)):
        lo = np.ceil((np.minimum(a[:, axis], b[:, axis]) - origin) / cell_size)
        hi = np.floor((np.maximum(a[:, axis], b[:, axis]) - origin) / cell_size)
        n = np.maximum(hi - lo + 1, 0).astype(int)
        seg = np.repeat(np.arange(len(a)), n)
        line = origin + (np.repeat(lo, n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) * cell_size
        d = b[seg, axis] - a[seg, axis]
        ok = d != 0
        seg, line, d = seg[ok], line[ok], d[ok]
        t = (line - a[seg, axis]) / d
        for tt in (t, np.nextafter(t, 0), np.nextafter(t, 1)):
            p = a[seg] + tt[:, None] * (b[seg] - a[seg])
            for dx, dy in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
                q = p.copy()
                if dx:
                    q[:, 0] = np.nextafter(q[:, 0], dx * np.inf)
                if dy:
                    q[:, 1] = np.nextafter(q[:, 1], dy * np.inf)
                pts.append(q)
                who.append(k[seg])
    xy = np.concatenate(pts)
    who = np.concatenate(who)
    assert len(xy) > 10_000
    assert covered_entry(loc, who, xy[:, 0], xy[:, 1]).all()
    assert_same(loc.locate(xy[:, 0], xy[:, 1]), brute_pairs_tree(xy[:, 0], xy[:, 1], polys))


def test_edge_ending_just_before_a_cell():
    """A diagonal edge stopping 1e-12 short of a grid line.

    The conservative cover marks that cell for the edge alone; the one-segment
    shortcut must not be used there, since the edge does not cross it.
    """
    v = 2.0 - 1e-12
    poly = shapely.Polygon([(0, 0), (v, 1.0), (v, 3.0), (0, 3.0)])
    polys = np.array([poly, shapely.box(9, 0, 10, 1)], dtype=object)  # grid from (0, 0) to (10, 3)
    x = np.array([2.5, 2.0, 2.9, 2.2, 2.05, 2.0 - 5e-13])
    y = np.array([1.5, 1.9, 1.99, 1.2, 1.04, 1.0])
    for cs in (1.0, 0.5, 1.0 + 1e-3):
        assert_same(locate(x, y, polys, cell_size=cs), brute_pairs(x, y, polys))


def test_underflowing_coordinates():
    """Polygons at 1e-160 scale: determinants underflow and must go to GEOS."""
    rng = np.random.default_rng(14)
    polys = voronoi(30, seed=15, size=1.0, x0=0.0, y0=0.0)
    polys = np.array([affinity.scale(g, 1e-160, 1e-160, origin=(0, 0)) for g in polys], dtype=object)
    xy = np.concatenate([boundary_points(polys, rng), rng.uniform(0, 1e-160, (3_000, 2))])
    assert_same(locate(xy[:, 0], xy[:, 1], polys), brute_pairs(xy[:, 0], xy[:, 1], polys))


def test_tiny_query_coordinates_near_zero():
    """Points with coordinates like 1e-200 beside polygons around the origin."""
    polys = np.array(
        [
            shapely.Polygon([(0, 5), (3, 0), (0, -5), (-3, 0)]),
            shapely.box(-1, -1, 1, 1),
            shapely.box(0, 0, 2, 2),
        ],
        dtype=object,
    )
    t = np.array([0.0, 1e-200, -1e-200, 5e-324, 1e-101, 1e-99])
    gx, gy = np.meshgrid(
        np.concatenate([t, t + 1, t - 1, [0.5, 3.0]]),
        np.concatenate([t, t + 2, t - 1, [0.5]]),
    )
    x, y = gx.ravel(), gy.ravel()
    for cs in (None, 0.5, 1.0):
        assert_same(locate(x, y, polys, cell_size=cs), brute_pairs(x, y, polys))


def test_few_points_use_the_tree_and_agree():
    polys = voronoi(300, seed=16)
    rng = np.random.default_rng(17)
    xy = np.concatenate(
        [
            boundary_points(polys[:5], rng)[:50],
            rng.uniform(150_000, 160_000, (50, 2)) + [0, 300_000],
        ]
    )
    loc = PolygonLocator(polys, expected_points=len(xy))
    assert loc.mode == "tree"
    assert PolygonLocator(polys, expected_points=1_000_000).mode == "grid"
    want = brute_pairs(xy[:, 0], xy[:, 1], polys)
    assert_same(loc.locate(xy[:, 0], xy[:, 1]), want)
    assert_same(locate(xy[:, 0], xy[:, 1], polys), want)
