"""Tests for bingeo/hotspots.py: grid, Gi* (against PySAL esda), Benjamini-Hochberg, hot-spot polygons."""

from __future__ import annotations

import gzip
import warnings

import esda  # test dependency (pip install -e ".[test]"): a missing esda fails, never skips
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo._crs import crs_label, metric_crs
from bingeo.errors import CRSError, CRSMismatchError, InputError
from bingeo.hotspots import (
    GiStar,
    Grid,
    auto_cell_size,
    benjamini_hochberg,
    count_grid,
    find_hotspots,
)
from tests.conftest import REAL_DATA

# --------------------------------------------------------------------------- references


def esda_gi(values_flat: np.ndarray, w) -> object:
    """esda's Gi* (binary weights, self included, analytical p-values only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal/esda warnings (islands, deprecations) are not ours
        return esda.G_Local(values_flat, w, star=True, transform="B", permutations=0)


def ref_weights(shape, mask, *, rings=None, distance=None, cell_size=1.0):
    """libpysal weights over the in-mask cells (row-major order), built independently of bingeo."""
    nr, nc = shape
    keep = np.flatnonzero(mask.ravel())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if distance is not None:
            rr, cc = np.divmod(keep, nc)
            centres = np.column_stack([(cc + 0.5) * cell_size, (nr - rr - 0.5) * cell_size])
            return libpysal.weights.DistanceBand(centres, threshold=distance, binary=True, silence_warnings=True)
        if rings == 1:
            w = libpysal.weights.lat2W(nr, nc, rook=False)  # queen: ids are r * ncols + c
            if mask.all():
                return w
            return libpysal.weights.w_subset(w, list(keep), silence_warnings=True)
        # rings >= 2: brute force, cells within `rings` steps in both directions
        pos = {int(k): i for i, k in enumerate(keep)}
        neighbors = {}
        for k in keep:
            r, c = divmod(int(k), nc)
            nb = []
            for dr in range(-rings, rings + 1):
                for dc in range(-rings, rings + 1):
                    rr, cc = r + dr, c + dc
                    if (dr or dc) and 0 <= rr < nr and 0 <= cc < nc and mask[rr, cc]:
                        nb.append(pos[rr * nc + cc])
            neighbors[pos[int(k)]] = nb
        return libpysal.weights.W(neighbors, silence_warnings=True)


def ref_bh(p: np.ndarray, alpha: float) -> np.ndarray:
    """Benjamini-Hochberg by the book: sort, find the largest k with p_(k) <= k alpha / m, reject 1..k."""
    p = np.asarray(p, dtype=float).ravel()
    m = len(p)
    order = np.argsort(p, kind="stable")
    kmax = 0
    for k in range(1, m + 1):
        if p[order[k - 1]] <= k * alpha / m:
            kmax = k
    out = np.zeros(m, dtype=bool)
    out[order[:kmax]] = True
    return out


def irregular_mask(shape, seed=0):
    """An irregular study area: a blob with a hole and a ragged edge."""
    nr, nc = shape
    r, c = np.mgrid[0:nr, 0:nc]
    rng = np.random.default_rng(seed)
    d = np.hypot((r - nr / 2) / (nr / 2), (c - nc / 2) / (nc / 2))
    mask = d < 0.95 + rng.uniform(-0.1, 0.1, shape)
    mask[nr // 2 - 1 : nr // 2 + 1, nc // 2 - 1 : nc // 2 + 2] = False  # a hole (a lake)
    return mask


GI_CASES = [
    pytest.param((30, 30), "all", dict(rings=1), id="square-queen"),
    pytest.param((17, 41), "all", dict(rings=1), id="nonsquare-queen"),
    pytest.param((25, 33), "irregular", dict(rings=1), id="masked-queen"),
    pytest.param((20, 26), "all", dict(rings=2), id="square-rings2"),
    pytest.param((22, 19), "irregular", dict(rings=2), id="masked-rings2"),
    pytest.param((24, 30), "all", dict(distance=2.5), id="distance-band"),
    pytest.param((24, 30), "irregular", dict(distance=3.2), id="masked-distance-band"),
    pytest.param((24, 30), "all", dict(distance=250.0, cell_size=100.0), id="distance-band-metres"),
    pytest.param((18, 21), "all", dict(distance=2.0), id="distance-on-a-centre"),  # (2, 0) exactly at d: in
    pytest.param((18, 21), "irregular", dict(distance=2**0.5 * 100, cell_size=100.0), id="distance-diagonal"),
]


@pytest.mark.parametrize("shape, mask_kind, opts", GI_CASES)
@pytest.mark.parametrize("lam", [0.3, 4.0], ids=["sparse", "dense"])
def test_gi_z_equals_esda(shape, mask_kind, opts, lam):
    rng = np.random.default_rng(hash((shape, mask_kind, lam)) % 2**32)
    counts = rng.poisson(lam, shape)
    counts[shape[0] // 3, shape[1] // 3] += 25  # something hot
    mask = irregular_mask(shape) if mask_kind == "irregular" else np.ones(shape, dtype=bool)
    cell_size = opts.get("cell_size", 1.0)
    gi = GiStar(rings=opts.get("rings", 1), distance=opts.get("distance")).fit(
        counts, None if mask_kind == "all" else mask, cell_size=cell_size
    )
    w = ref_weights(shape, mask, rings=opts.get("rings"), distance=opts.get("distance"), cell_size=cell_size)
    ref = esda_gi(counts[mask].astype(float), w)
    np.testing.assert_allclose(gi.z[mask], ref.Zs, rtol=0, atol=1e-9)
    # two-sided p-values: twice esda's one-sided p_norm
    np.testing.assert_allclose(gi.p[mask], 2 * ref.p_norm, rtol=1e-9, atol=1e-15)
    # neighbourhood sizes (self included) equal the weights' row sums + 1
    card = np.array([w.cardinalities[i] for i in w.id_order]) + 1
    np.testing.assert_array_equal(gi.cardinality[mask], card)
    # outside the study area: NaN in the arrays, never hot or cold
    assert np.isnan(gi.z[~mask]).all() and not (gi.hot | gi.cold)[~mask].any()
    assert gi.n == int(mask.sum())


def test_gi_float_values_equal_esda():
    rng = np.random.default_rng(5)
    values = rng.gamma(2.0, 1.5, (15, 21))
    mask = irregular_mask(values.shape, seed=3)
    gi = GiStar().fit(values, mask)
    ref = esda_gi(values[mask], ref_weights(values.shape, mask, rings=1))
    np.testing.assert_allclose(gi.z[mask], ref.Zs, rtol=0, atol=1e-9)


def test_gi_star_finds_a_planted_block_and_not_noise():
    rng = np.random.default_rng(1)
    counts = rng.poisson(1.0, (60, 60))
    counts[10:14, 40:44] += 8
    gi = GiStar().fit(counts)
    assert gi.hot[11:13, 41:43].all()
    far = np.ones_like(gi.hot)
    far[5:19, 35:49] = False
    assert not gi.hot[far].any()


# --------------------------------------------------------------------------- Benjamini-Hochberg


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.2])
def test_bh_equals_reference(seed, alpha):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 3000))
    p = np.concatenate([rng.uniform(0, 1, m), rng.uniform(0, 1e-3, int(rng.integers(0, 50)))])
    p[rng.integers(0, len(p), 20)] = p[0]  # ties
    rng.shuffle(p)
    np.testing.assert_array_equal(benjamini_hochberg(p, alpha), ref_bh(p, alpha))


def test_bh_step_up_rejects_beyond_a_failing_rank():
    # p_(2) = 0.04 > 2 * 0.05 / 4 but p_(4) = 0.05 <= 4 * 0.05 / 4: step-up rejects all four
    p = np.array([0.05, 0.04, 0.001, 0.045])
    assert benjamini_hochberg(p, 0.05).all()
    assert ref_bh(p, 0.05).all()


def test_bh_keeps_shape_and_ignores_nan():
    p = np.array([[0.001, np.nan], [0.9, 0.02]])
    out = benjamini_hochberg(p, 0.05)
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(out, [[True, False], [False, True]])  # m = 3: 0.02 <= 2 * 0.05 / 3
    assert not benjamini_hochberg([np.nan, np.nan]).any()


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, "0.05"])
def test_bh_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError, match="`alpha` must be a number between 0 and 1"):
        benjamini_hochberg([0.1], alpha)


def test_gi_fdr_decisions_equal_direct_bh_on_esda_p():
    rng = np.random.default_rng(7)
    counts = rng.poisson(1.5, (40, 50))
    counts[5:9, 5:9] += 4
    counts[30:32, 20:24] += 3
    mask = irregular_mask(counts.shape, seed=11)
    gi = GiStar(alpha=0.05).fit(counts, mask)
    ref = esda_gi(counts[mask].astype(float), ref_weights(counts.shape, mask, rings=1))
    p2 = 2 * ref.p_norm
    sig = ref_bh(p2, 0.05)
    np.testing.assert_array_equal(gi.significant[mask], sig)
    np.testing.assert_array_equal(gi.hot[mask], sig & (ref.Zs > 0))
    np.testing.assert_array_equal(gi.cold[mask], sig & (ref.Zs < 0))
    assert gi.hot.sum() > 0
    # without FDR: each cell on its own, more cells significant
    raw = GiStar(alpha=0.05, fdr=False).fit(counts, mask)
    np.testing.assert_array_equal(raw.significant[mask], p2 <= 0.05)
    assert raw.significant.sum() >= gi.significant.sum()


# --------------------------------------------------------------------------- GiStar edge cases


def test_gi_zero_and_constant_counts_give_zero_not_nan():
    gi = GiStar().fit(np.zeros((5, 6), dtype=int))
    assert (gi.z == 0).all() and (gi.p == 1).all() and not gi.significant.any()
    assert "All values are 0" in gi.notes[0]
    gi = GiStar().fit(np.full((5, 6), 3))
    assert (gi.z == 0).all() and (gi.p == 1).all()
    assert "same value (3)" in gi.notes[0]


def test_gi_neighbourhood_covering_everything_gives_zero():
    counts = np.array([[0, 1, 0], [2, 9, 0], [0, 0, 1]])
    gi = GiStar().fit(counts)
    assert gi.cardinality[1, 1] == 9
    assert gi.z[1, 1] == 0 and gi.p[1, 1] == 1 and np.isfinite(gi.z).all()
    assert "covers the whole study area" in gi.notes[0]
    ref = esda_gi(counts.ravel().astype(float), ref_weights((3, 3), np.ones((3, 3), bool), rings=1))
    other = np.ones(9, dtype=bool)
    other[4] = False
    np.testing.assert_allclose(gi.z.ravel()[other], ref.Zs[other], atol=1e-9)


@pytest.mark.parametrize(
    "counts, mask, match",
    [
        (np.ones(5), None, "2-D grid"),
        (np.ones((1, 1)), None, "at least 2 cells"),
        (np.ones((3, 3)), np.eye(3, dtype=bool) & np.eye(3, dtype=bool)[::-1], "at least 2 cells"),
        (np.ones((3, 3)), np.ones((2, 2), dtype=bool), "one flag per cell"),
        (-np.ones((3, 3)), None, "must not be negative"),
        (np.array([[1.0, np.nan], [0, 1]]), None, "NaN or infinite"),
        (np.array([["a", "b"], ["c", "d"]]), None, "must be numbers"),
    ],
    ids=["1d", "one-cell", "empty-mask", "mask-shape", "negative", "nan", "text"],
)
def test_gi_bad_input(counts, mask, match):
    with pytest.raises(InputError, match=match):
        GiStar().fit(counts, mask)


def test_gi_bad_options():
    with pytest.raises(ValueError, match="`rings` must be a whole number >= 1"):
        GiStar(rings=0)
    with pytest.raises(ValueError, match="either `rings`"):
        GiStar(rings=2, distance=300)
    with pytest.raises(ValueError, match="`distance` must be a positive number"):
        GiStar(distance=-1)
    with pytest.raises(InputError, match="smaller than the cell size"):
        GiStar(distance=50).fit(np.ones((4, 4)), cell_size=100)


# --------------------------------------------------------------------------- grid


def test_grid_from_extent_covers_whole_cells_row0_on_top():
    g = Grid.from_extent((1020, 2050, 1400, 2300), 100, crs=28992)
    assert (g.x0, g.y0, g.nrows, g.ncols) == (1000, 2000, 4, 5)  # 1400 and 2300 lie in a cell of their own
    row, col, inside = g.locate([1020, 1400, 1400, 999.99], [2050, 2300, 2050, 2100])
    np.testing.assert_array_equal(inside, [True, True, True, False])
    np.testing.assert_array_equal(row[:3], [3, 0, 3])  # row 0 = top
    np.testing.assert_array_equal(col[:3], [0, 4, 4])
    box = g.cell_polygons([0], [4])[0]
    assert box.bounds == (1400, 2300, 1500, 2400)
    assert g.crs.to_epsg() == 28992


def test_grid_locate_is_half_open():
    g = Grid(0, 0, 10, 2, 2)
    row, col, inside = g.locate([10, 0, 20, 5, np.nan], [10, 0, 5, 20, 5])
    np.testing.assert_array_equal(inside, [True, True, False, False, False])
    assert (row[0], col[0]) == (0, 1)  # on the shared corner: the cell right of and above it
    assert (row[1], col[1]) == (1, 0)


def test_grid_from_study_area_centre_rule():
    tri = shapely.Polygon([(0, 0), (400, 0), (0, 400)])
    g = Grid.from_study_area(tri, 100, crs=28992)
    assert g.shape == (5, 5)  # the top vertex (0, 400) needs a row of its own
    cx, cy = g.centres()
    expected = cx + cy <= 400  # centre inside or on the hypotenuse
    np.testing.assert_array_equal(g.mask, expected)
    assert g.n_cells == int(expected.sum()) == 10


def test_count_grid_equals_histogram():
    rng = np.random.default_rng(3)
    x = rng.uniform(-50, 1050, 5000)
    y = rng.uniform(-50, 750, 5000)
    g = Grid(0, 0, 50, 14, 20)
    counts, outside = count_grid(x, y, g)
    h, _, _ = np.histogram2d(y, x, bins=[np.arange(0, 701, 50), np.arange(0, 1001, 50)])
    np.testing.assert_array_equal(counts, h[::-1].astype(int))  # row 0 = top
    assert outside == 5000 - int(h.sum())
    mask = np.zeros(g.shape, dtype=bool)
    mask[:7] = True  # the top half
    counts_m, outside_m = count_grid(x, y, g, mask)
    assert counts_m[7:].sum() == 0 and counts_m.sum() + outside_m == 5000


def test_auto_cell_size_uses_distinct_locations():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 5000, (2000, 2))
    size, why = auto_cell_size(xy)
    # a random pattern: 2 x mean NN ~ sqrt(A / n) = 112 -> nice 100
    assert size == 100.0
    assert "nearest-neighbour" in why and "rounded" in why
    snapped = np.repeat(xy, 5, axis=0)  # the same places, 5 incidents each
    size2, why2 = auto_cell_size(snapped)
    # the spacing of the places is unchanged (repeated points would give NN = 0 and a 1 m cell)
    assert size2 == 100.0
    assert "2,000 distinct" in why2 and "10,000 incidents" in why2


def test_auto_cell_size_bounds_and_fallback():
    assert auto_cell_size(np.array([[5.0, 5.0]] * 4))[0] == 100.0
    size, why = auto_cell_size(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    assert size == 100.0 and "at least 10 cells" in why  # 2 x 1000 m spacing, capped at 1000 / 10
    gx, gy = np.meshgrid(np.arange(200) * 0.5, np.arange(200) * 0.5)  # 0.5 m lattice: 2 x NN = 1 m
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    assert auto_cell_size(xy)[0] == 1.0


# --------------------------------------------------------------------------- hot-spot polygons


def _points_from_counts(counts: np.ndarray, x0=100_000.0, y0=400_000.0, cs=100.0, crs=28992):
    """One point per incident at random spots inside each cell (row 0 at the top)."""
    rng = np.random.default_rng(0)
    nr, _ = counts.shape
    rr, cc = np.nonzero(counts)
    reps = counts[rr, cc]
    rr, cc = np.repeat(rr, reps), np.repeat(cc, reps)
    x = x0 + (cc + rng.uniform(0.05, 0.95, len(cc))) * cs
    y = y0 + (nr - 1 - rr + rng.uniform(0.05, 0.95, len(rr))) * cs
    return gpd.GeoDataFrame({"kind": ["burglary"] * len(x)}, geometry=gpd.points_from_xy(x, y), crs=crs)


def _components(hot: np.ndarray) -> list[set[tuple[int, int]]]:
    """8-connected components by flood fill (independent of scipy.ndimage.label)."""
    seen, comps = set(), []
    for start in zip(*np.nonzero(hot)):
        if start in seen:
            continue
        comp, stack = set(), [start]
        seen.add(start)
        while stack:
            r, c = stack.pop()
            comp.add((int(r), int(c)))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    nb = (r + dr, c + dc)
                    if 0 <= nb[0] < hot.shape[0] and 0 <= nb[1] < hot.shape[1] and hot[nb] and nb not in seen:
                        seen.add(nb)
                        stack.append(nb)
        comps.append(comp)
    return comps


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(42)
    counts = rng.poisson(0.6, (40, 50))
    counts[5:9, 5:10] += 7  # a block
    counts[25:28, 30:33] += 6  # another one
    counts[15, 44] += 14  # a single hot cell
    counts[16, 45] += 14  # touching it at a corner: same hot spot (8-connectivity)
    pts = _points_from_counts(counts)
    return counts, pts, find_hotspots(pts, cell_size=100)


def test_hotspot_polygons_are_components_of_hot_cells(planted):
    counts, pts, res = planted
    cells, hs = res.cells, res.hotspots
    assert len(cells) == counts.size
    np.testing.assert_array_equal(cells["count"].to_numpy(), counts.ravel())  # row-major, counts per cell
    hot = np.zeros(counts.shape, dtype=bool)
    hot[cells["row"], cells["col"]] = cells["hot"]
    comps = _components(hot)
    assert len(comps) == len(hs) >= 3
    z = np.full(counts.shape, np.nan)
    z[cells["row"], cells["col"]] = cells["gi_z"]
    centres = shapely.points(cells.geometry.centroid.x, cells.geometry.centroid.y)
    for spot in hs.itertuples():
        inside = shapely.contains(spot.geometry, centres) & cells["hot"].to_numpy()
        members = {(int(r), int(c)) for r, c in zip(cells["row"][inside], cells["col"][inside])}
        assert members in comps
        assert spot.area_m2 == pytest.approx(len(members) * 100.0**2)
        assert spot.geometry.area == pytest.approx(spot.area_m2)
        assert spot.max_z == pytest.approx(max(z[m] for m in members), abs=1e-12)
        assert spot.incidents == sum(counts[m] for m in members)
        assert spot.geometry.geom_type == "MultiPolygon" and spot.geometry.is_valid
    # the two corner-touching cells are one hot spot
    corner = hs[hs.contains(shapely.Point(100_000 + 44.5 * 100, 400_000 + (39 - 15 + 0.5) * 100))]
    assert len(corner) == 1 and corner.iloc[0].geometry.contains(
        shapely.Point(100_000 + 45.5 * 100, 400_000 + (39 - 16 + 0.5) * 100)
    )


def test_hotspot_columns_and_no_networks(planted):
    _, _, res = planted
    hs = res.hotspots
    assert list(hs.columns) == [
        "hotspot_id",
        "incidents",
        "area_m2",
        "max_z",
        "covered_share",
        "network_ids",
        "uncovered",
        "rank",
        "geometry",
    ]
    assert list(res.cells.columns) == ["row", "col", "count", "gi_z", "gi_p", "hot", "cold", "geometry"]
    assert hs["uncovered"].all() and (hs["covered_share"] == 0).all() and (hs["network_ids"] == "").all()
    assert any("No networks given" in n for n in res.notes)
    assert hs["rank"].tolist() == list(range(1, len(hs) + 1))
    assert hs["incidents"].is_monotonic_decreasing


def test_area_in_square_metres_for_a_feet_crs(planted):
    counts, _, res_m = planted
    pts_ft = _points_from_counts(counts, x0=1_100_000.0, y0=1_900_000.0, cs=100.0, crs=3435)  # Illinois East, US ft
    res = find_hotspots(pts_ft, cell_size=100)
    ft = 1200 / 3937  # metres per US survey foot
    hs = res.hotspots
    assert len(hs) == len(res_m.hotspots)
    cells = np.rint(hs.geometry.area / 100**2)
    np.testing.assert_allclose(hs["area_m2"], cells * (100 * ft) ** 2, rtol=1e-12)
    assert "US survey foot" in res.summary()


def test_hotspot_coverage_and_rank(planted):
    counts, pts, res0 = planted
    hs0 = res0.hotspots
    # a network over the biggest hot spot, a half-covering one over the second
    big, second = hs0.iloc[0], hs0.iloc[1]
    nets = gpd.GeoDataFrame(
        {"network_id": ["N1", "N2"], "name": ["one", "two"]},
        geometry=[
            big.geometry.buffer(1),
            shapely.box(*second.geometry.bounds)
            .buffer(-1)
            .intersection(
                shapely.box(
                    second.geometry.bounds[0] - 1,
                    second.geometry.bounds[1] - 1,
                    second.geometry.centroid.x,
                    second.geometry.bounds[3] + 1,
                )
            ),
        ],
        crs=28992,
    )
    adr = _points_from_counts(np.ones_like(counts))
    res = find_hotspots(pts, networks=nets, addresses=adr, cell_size=100, min_coverage=0.6)
    hs = res.hotspots
    assert "addresses" in hs.columns and list(hs.columns).index("addresses") == 4
    assert (hs["addresses"] == (hs["area_m2"] / 100**2).astype(int)).all()  # one address per cell
    one = hs[hs["network_ids"] == "N1"].iloc[0]
    assert one.covered_share == 1.0 and not one.uncovered
    two = hs[hs["network_ids"] == "N2"].iloc[0]
    assert 0 < two.covered_share < 0.6 and two.uncovered
    # independent covered share: incidents of that hot spot inside N2
    in_spot = pts[pts.within(two.geometry)]
    assert two.covered_share == pytest.approx(in_spot.within(nets.geometry[1]).mean())
    assert ((hs["covered_share"] >= 0) & (hs["covered_share"] <= 1)).all()
    _assert_rank_rule(hs, 0.6)


def _assert_rank_rule(hs: gpd.GeoDataFrame, min_coverage: float = 0.5) -> None:
    assert hs["rank"].tolist() == list(range(1, len(hs) + 1))
    key = list(zip(~hs["uncovered"], -hs["incidents"], -hs["max_z"], hs["hotspot_id"]))
    assert key == sorted(key)
    assert hs["hotspot_id"].is_unique
    assert (hs["uncovered"] == (hs["covered_share"] < min_coverage)).all()


def _no_nan(res) -> None:
    for frame in (res.cells, res.hotspots):
        values = pd.DataFrame(frame.drop(columns="geometry"))
        assert not values.isna().any().any()
        assert frame.geometry.notna().all() and not frame.geometry.is_empty.any()


def test_outputs_write_to_geopackage(planted, tmp_path):
    _, _, res = planted
    out = tmp_path / "hs.gpkg"
    bingeo.write_table(res.cells, out, layer="cells", geometry_type="Polygon")
    bingeo.write_table(res.hotspots, out, layer="hotspots", geometry_type="MultiPolygon")
    back = gpd.read_file(out, layer="hotspots")
    assert len(back) == len(res.hotspots)
    assert back["max_z"].tolist() == pytest.approx(res.hotspots["max_z"].tolist())
    assert len(gpd.read_file(out, layer="cells")) == len(res.cells)


# --------------------------------------------------------------------------- study area, filters, edge cases


def test_study_area_masks_cells(planted):
    counts, pts, _ = planted
    area = shapely.box(100_000, 400_000 + 2000, 100_000 + 3000, 400_000 + 4000)  # the top-left part
    res = find_hotspots(pts, study_area=gpd.GeoSeries([area], crs=28992), cell_size=100)
    assert len(res.cells) == res.grid.n_cells == 30 * 20
    assert res.cells.geometry.within(area.buffer(1e-6)).all()
    assert res.incidents == counts[:20, :30].sum()
    assert any("outside the study area's cells" in n for n in res.notes)
    _no_nan(res)


def test_study_area_without_incidents(planted):
    _, pts, _ = planted
    far = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1000, 1000)], crs=28992)
    res = find_hotspots(pts, study_area=far, cell_size=100)
    assert res.incidents == 0 and len(res.hotspots) == 0
    assert (res.cells["gi_z"] == 0).all() and (res.cells["gi_p"] == 1).all()
    assert any("No incident lies in the study area" in n for n in res.notes)
    _no_nan(res)
    assert "0 hot spots" in res.summary()


def test_study_area_too_small(planted):
    _, pts, _ = planted
    with pytest.raises(InputError, match="Gi\\* needs at least 2 cells"):
        find_hotspots(pts, study_area=shapely.box(100_000, 400_000, 100_100, 400_100), cell_size=100)


def test_single_incident_and_all_in_one_cell():
    one = gpd.GeoDataFrame(geometry=[shapely.Point(150_000, 450_000)], crs=28992)
    res = find_hotspots(one)
    assert res.grid.shape == (3, 3) and res.incidents == 1
    assert len(res.hotspots) == 0
    assert any("widened" in n for n in res.notes) and any("fallback" in n for n in res.notes)
    _no_nan(res)
    many = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(150_000 + np.arange(50) % 7, 450_000 + np.arange(50) % 5), crs=28992
    )
    res = find_hotspots(many, cell_size=100)
    assert res.grid.shape == (3, 3) and res.incidents == 50 and len(res.hotspots) == 0
    _no_nan(res)


def test_filters_empty_selection_errors(planted):
    _, pts, _ = planted
    with pytest.raises(InputError, match="type filter left no incidents.*'burglary'"):
        find_hotspots(pts, type_field="kind", types=["theft"])
    with pytest.raises(InputError, match="no type column 'soort'"):
        find_hotspots(pts, type_field="soort", types="x")
    with pytest.raises(ValueError, match="give both `type_field`"):
        find_hotspots(pts, types="burglary")
    with pytest.raises(InputError, match="`incidents` is empty"):
        find_hotspots(pts.iloc[:0])
    with pytest.raises(InputError, match=r"--from/--to \(`start`/`end`\) need a date column"):
        find_hotspots(pts, start="2023-01-01")


def test_bad_crs_and_types(planted):
    _, pts, _ = planted
    # issue 13: incidents in degrees are counted in the place's metric grid, and come back in degrees
    geo = find_hotspots(pts.to_crs(4326), cell_size=100)
    metric, _ = metric_crs(pts.to_crs(4326))
    ref = find_hotspots(pts.to_crs(4326).to_crs(metric), cell_size=100)
    assert "worked in " + crs_label(metric) in geo.notes[0]
    assert geo.cells.crs.to_epsg() == 4326 and geo.hotspots.crs.to_epsg() == 4326
    assert sorted(geo.hotspots["incidents"]) == sorted(ref.hotspots["incidents"])
    with pytest.raises(CRSError, match="naive geometries"):
        find_hotspots(pts.set_crs(None, allow_override=True))
    nets = gpd.GeoDataFrame({"network_id": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=31370)
    with pytest.raises(CRSMismatchError, match="networks"):
        find_hotspots(pts, networks=nets)
    with pytest.raises(InputError, match="'network_id' column"):
        find_hotspots(pts, networks=nets.rename(columns={"network_id": "id"}).set_crs(28992, allow_override=True))
    with pytest.raises(TypeError, match="GeoDataFrame"):
        find_hotspots(pd.DataFrame({"x": [1]}))
    with pytest.raises(InputError, match="more than"):
        find_hotspots(pts, cell_size=0.1)
    with pytest.raises(ValueError, match="`min_coverage`"):
        find_hotspots(pts, min_coverage=2)


# --------------------------------------------------------------------------- sample data (Groningen)

PLANTED = {  # data/samples/README.md: hot spot centres, RD New
    "H1": (233870, 583480),
    "H2": (237480, 583930),
    "H3": (231300, 582200),
    "H4": (229700, 580250),
    "H5": (233350, 578500),
}


@pytest.fixture(scope="module")
def groningen(tmp_path_factory, samples):
    store = tmp_path_factory.mktemp("store") / "bins.gpkg"
    bingeo.import_networks(samples / "networks.gpkg", store, id_field="bin_code", kind_field="soort")
    st = bingeo.open_store(store)
    try:
        nets = st.networks()
    finally:
        st.close()
    read = bingeo.read_points(samples / "incidents.csv", crs=28992, extent=(225000, 575000, 240000, 590000))
    adr = bingeo.read_points(samples / "addresses.csv", crs=28992).points
    return read.points, nets, adr


def test_sample_planted_hotspots(groningen):
    incidents, nets, adr = groningen
    res = find_hotspots(incidents, networks=nets, addresses=adr)
    hs = res.hotspots
    for name, (x, y) in PLANTED.items():
        hit = hs[hs.intersects(shapely.Point(x, y))]
        assert len(hit) == 1, name
        spot = hit.iloc[0]
        if name in ("H3", "H4", "H5"):
            assert spot.uncovered and spot.covered_share == 0 and spot.network_ids == "", name
            assert spot["rank"] <= 3, name  # the three biggest uncovered hot spots
        else:
            assert not spot.uncovered and spot.covered_share > 0.5, name
    h2 = hs[hs.intersects(shapely.Point(*PLANTED["H2"]))].iloc[0]
    assert h2.network_ids.split(";")[0] == "GR-BIN-011"
    assert "twice the mean nearest-neighbour distance" in res.notes[0]
    _assert_rank_rule(hs)
    _no_nan(res)


def test_sample_date_and_type_filters(groningen):
    incidents, nets, _ = groningen
    res = find_hotspots(
        incidents,
        networks=nets,
        type_field="soort_delict",
        types="woninginbraak",
        start="2023-03-01",
        end="2024-12-31",
        cell_size=100,
    )
    d = incidents["pleegdatum"]
    want = ((incidents["soort_delict"] == "woninginbraak") & (d >= "2023-03-01") & (d < "2025-01-01")).sum()
    assert res.incidents == want
    # the burglary series H5 (from March 2023) is an uncovered hot spot
    h5 = res.hotspots[res.hotspots.intersects(shapely.Point(*PLANTED["H5"]))]
    assert len(h5) == 1 and h5.iloc[0].uncovered
    # end is included (issue 13: a day-precision TO includes that whole day): start = end is that one day
    day = d.dt.normalize().value_counts().index[0]
    one = find_hotspots(incidents, start=day.date().isoformat(), end=day.date().isoformat(), cell_size=100)
    assert one.incidents == int((d.dt.normalize() == day).sum()) > 1
    assert any("both included, 1 day)" in n for n in one.notes)
    with pytest.raises(InputError, match=r"--to \(`end`\) \(2023-02-28\) is before --from"):
        find_hotspots(incidents, start="2023-03-01", end="2023-02-28")
    with pytest.raises(InputError, match="date filter left no incidents.*2021-01-01 to 2024-12-31"):
        find_hotspots(incidents, date_field="pleegdatum", start="2030-01-01")


# --------------------------------------------------------------------------- real data (Vancouver)


@pytest.mark.requires("real-data")
def test_vancouver_chain():
    van = REAL_DATA / "vancouver"
    path = van / "vpd_crimedata_AllNeighbourhoods_2023.csv.gz"
    read = bingeo.read_points(path, crs=26910)
    # the privacy offsets at 0/0 go through the normal rejects, and are reported
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
    x = pd.to_numeric(raw["X"], errors="coerce")
    y = pd.to_numeric(raw["Y"], errors="coerce")
    zero = int(((x == 0) & (y == 0)).sum())
    assert zero > 4000
    assert int((read.rejects["reject_reason"] == "zero_zero").sum()) == zero
    assert f"{zero:,} at 0/0" in read.summary()
    assert len(read.points) + len(read.rejects) == len(raw)

    la = gpd.read_file(van / "vancouver_local_areas.geojson").to_crs(26910)
    nets = gpd.GeoDataFrame(
        {"network_id": la["mapid"].astype(str), "name": la["name"]}, geometry=la.geometry, crs=26910
    )
    types = ["Theft from Vehicle", "Break and Enter Residential/Other"]
    res = find_hotspots(read.points, networks=nets, type_field="TYPE", types=types)
    want = int(raw["TYPE"].isin(types).sum() - ((x == 0) & (y == 0) & raw["TYPE"].isin(types)).sum())
    assert res.incidents == want
    hs = res.hotspots
    assert len(hs) >= 1
    assert ((hs["covered_share"] >= 0) & (hs["covered_share"] <= 1)).all()
    assert set(";".join(hs["network_ids"]).split(";")) - {""} <= set(nets["network_id"])
    _assert_rank_rule(hs)
    _no_nan(res)
    # downtown (Central Business District, mapid CBD) is the top theft-from-vehicle hot spot
    assert "CBD" in hs.sort_values("incidents").iloc[-1]["network_ids"].split(";")
    assert res.cells["count"].sum() == res.incidents


def _zero_incident_hotspot_case(k: int = 3, background: int = 200):
    """Incidents in the four diagonal neighbours of an empty block: hot cells between them hold no incident."""
    rng = np.random.default_rng(1)
    pts = list(zip(rng.uniform(0, 4000, background), rng.uniform(0, 4000, background)))
    pts = [p for p in pts if not (1850 <= p[0] < 2250 and 1850 <= p[1] < 2250)]
    for dr in (-1, 1):
        for dc in (-1, 1):
            pts += [(2050 + dc * 100 + rng.uniform(-40, 40), 2050 + dr * 100 + rng.uniform(-40, 40)) for _ in range(k)]
    x, y = np.array(pts).T
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=28992)


def test_hotspot_without_own_incidents_is_covered_by_area():
    """A hot spot with no incident of its own lying wholly in a network is covered, not "uncovered" #1.

    Reference: a geopandas overlay (area share) for hot spots without incidents, and a point-in-polygon
    count with geopandas.sjoin (incident share) for the others.
    """
    inc = _zero_incident_hotspot_case()
    area = shapely.box(0, 0, 4000, 4000)
    bare = bingeo.find_hotspots(inc, study_area=area, cell_size=100).hotspots
    empty = bare[bare["incidents"] == 0]
    assert len(empty) >= 1, bare[["incidents", "area_m2"]]
    spot = empty.geometry.iloc[0]
    # one network holds that hot spot wholly; another covers the left 40 % of every hot spot's bounding box
    minx, miny, maxx, maxy = bare.total_bounds
    nets = gpd.GeoDataFrame(
        {"network_id": ["N-IN", "N-LEFT"]},
        geometry=[
            spot.buffer(30, join_style="mitre"),
            shapely.box(minx - 1, miny - 1, minx + 0.4 * (maxx - minx), maxy + 1),
        ],
        crs=28992,
    )
    hs = bingeo.find_hotspots(inc, study_area=area, cell_size=100, networks=nets).hotspots
    assert len(hs) == len(bare)
    union = nets.union_all()
    for _, h in hs.iterrows():
        one = gpd.GeoDataFrame(geometry=[h.geometry], crs=28992)
        if h["incidents"] == 0:
            inter = gpd.overlay(
                one, gpd.GeoDataFrame(geometry=[union], crs=28992), how="intersection", keep_geom_type=False
            )
            expected = inter.area.sum() / h.geometry.area
            over = gpd.overlay(one, nets, how="intersection", keep_geom_type=False)
            over = (
                over[over.area > 0].assign(a=lambda f: f.area).sort_values(["a", "network_id"], ascending=[False, True])
            )
            assert h["network_ids"] == ";".join(over["network_id"])
        else:
            mine = inc[inc.within(h.geometry) | inc.touches(h.geometry)]
            inside = gpd.sjoin(mine, nets, predicate="intersects").index.unique()
            expected = len(inside) / len(mine)
        assert h["covered_share"] == pytest.approx(expected, abs=1e-9)
        assert h["uncovered"] == (expected < bingeo.hotspots.MIN_COVERAGE)
    wholly = hs[hs.geometry.apply(lambda g: g.equals(spot))].iloc[0]
    assert wholly["covered_share"] == pytest.approx(1.0) and not wholly["uncovered"]
    assert wholly["network_ids"].split(";")[0] == "N-IN"
    # before: with no incident inside, it ranked among the uncovered; now an uncovered hot spot outranks it
    assert wholly["rank"] > hs["uncovered"].sum()
