"""bingeo.density against a literal port of QGIS 3.22's QgsKernelDensityEstimation, and by hand.

``qgis_reference`` below transcribes ``prepare()``, ``radiusSizeInPixels()``,
``addFeature()`` and the kernel functions of ``src/analysis/raster/qgskde.cpp``
line by line (pure Python, float32 accumulation, NaN for nodata); the tests in
tests/qgis/test_density_vs_qgis.py check the real QGIS against bingeo.
"""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from bingeo.density import (
    FAST_TOLERANCE,
    KERNELS,
    NODATA,
    DensityRaster,
    _inside_threshold,
    _qgis_grid,
    kernel_density,
)
from bingeo.errors import CRSError, InputError

# --------------------------------------------------------------------------- the oracle


def kernel_value(d: float, r: float, kernel: str, output: str, decay: float) -> float:
    """QgsKernelDensityEstimation::calculateKernelValue(), case by case."""
    u = d / r
    if kernel == "uniform":
        return 2.0 / (math.pi * r) * (0.5 / r) if output == "scaled" else 1.0
    if kernel == "quartic":
        k = 116.0 / (5.0 * math.pi * r**2)
        return k * (15.0 / 16.0) * (1.0 - u**2) ** 2 if output == "scaled" else (1.0 - u**2) ** 2
    if kernel == "triweight":
        k = 128.0 / (35.0 * math.pi * r**2)
        return k * (35.0 / 32.0) * (1.0 - u**2) ** 3 if output == "scaled" else (1.0 - u**2) ** 3
    if kernel == "epanechnikov":
        k = 8.0 / (3.0 * math.pi * r**2)
        return k * (3.0 / 4.0) * (1.0 - u**2) if output == "scaled" else 1.0 - u**2
    assert kernel == "triangular"
    if output == "scaled" and decay >= 0:
        k = 3.0 / ((1.0 + 2.0 * decay) * math.pi * r**2)
        return k * (1.0 - (1.0 - decay) * u)
    return 1.0 - (1.0 - decay) * u


def qgis_reference(xy, *, r, p, kernel="quartic", output="raw", decay=0.0, weights=None):
    """Return (float32 raster with NaN as nodata, (xmin, ymax)) exactly as QGIS 3.22 paints it."""
    xs = [x for x, _ in xy]
    ys = [y for _, y in xy]
    xmin, ymin, xmax, ymax = min(xs) - r, min(ys) - r, max(xs) + r, max(ys) + r
    rows = int(max(math.ceil((ymax - ymin) / p) + 1, 1.0))
    cols = int(max(math.ceil((xmax - xmin) / p) + 1, 1.0))
    buffer = int(r / p)
    if r - p * buffer > 0.5:
        buffer += 1
    block = 2 * buffer + 1
    out = np.full((rows, cols), np.nan, dtype="float32")
    for n, (x, y) in enumerate(xy):
        w = 1.0 if weights is None else weights[n]
        x_pos = int((x - xmin) / p - buffer)  # C's (unsigned int) of a double > -1: truncation
        y_pos = int((y - ymin) / p - buffer)
        y_io = int((ymax - y) / p - buffer)
        for xp in range(block):
            for yp in range(block):
                cx = (x_pos + xp + 0.5) * p + xmin
                cy = (y_pos + yp + 0.5) * p + ymin
                d = math.sqrt((cx - x) ** 2 + (cy - y) ** 2)
                if d > r:
                    continue
                v = np.float32(w * kernel_value(d, r, kernel, output, decay))
                old = out[y_io + yp, x_pos + xp]
                out[y_io + yp, x_pos + xp] = (np.float32(0) if np.isnan(old) else old) + v
    return out, (xmin, ymax)


def frame(xy, crs=28992, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=crs)


def assert_like_qgis(kde: DensityRaster, ref: np.ndarray, origin, *, rel=2e-6):
    assert kde.values.shape == ref.shape
    assert (kde.transform.c, kde.transform.f) == pytest.approx(origin, abs=0)
    assert (kde.transform.a, kde.transform.e) == (kde.cell_size, -kde.cell_size)
    np.testing.assert_array_equal(kde.reached, ~np.isnan(ref))
    top = np.nanmax(np.abs(ref))
    diff = np.abs(kde.values - np.nan_to_num(ref, nan=0.0)).max()
    assert diff <= rel * top + 1e-12, f"max |bingeo - QGIS| = {diff:.3g} (max {top:.3g})"


# --------------------------------------------------------------------------- grid and window


def test_one_point_grid_and_quartic_values_by_hand():
    kde = kernel_density(frame([(1000.0, 2000.0)]), cell_size=1, radius=3)
    # extent grown by r = 3: [997, 1003] x [1997, 2003]; 6 / 1 + 1 = 7 cells each way
    assert kde.shape == (7, 7)
    assert (kde.transform.c, kde.transform.f) == (997.0, 2003.0)
    # block 7 x 7 from (0, 0): centres 997.5 ... 1003.5; the last column and row are beyond r
    u2 = (0.5**2 + 0.5**2) / 9
    assert kde.values[2, 2] == pytest.approx((1 - u2) ** 2)
    assert kde.values[3, 3] == pytest.approx((1 - u2) ** 2)
    u2 = (1.5**2 + 2.5**2) / 9
    assert kde.values[0, 1] == pytest.approx((1 - u2) ** 2)  # 0.0031 in QGIS's output
    assert not kde.reached[0, 0]  # sqrt(2.5**2 + 2.5**2) > 3: nodata
    assert not kde.reached[:, 6].any() and not kde.reached[6, :].any()  # QGIS's extra row and column
    assert kde.method == "exact" and kde.n_points == 1 and kde.complete


@pytest.mark.parametrize(
    ("width", "p", "cols"),
    [(6.0, 1.0, 7), (8.3, 1.0, 10), (2000.0, 100.0, 21), (2050.0, 100.0, 22), (2000.0, 30.0, 68)],
    ids=["exact-multiple", "fraction", "1km-100m", "1025m-100m", "30m"],
)
def test_columns_are_ceil_of_width_plus_one(width, p, cols):
    r = 3.0 if p == 1.0 else 1000.0
    g = _qgis_grid((0.0, 0.0, width - 2 * r, 0.0), p, r)
    assert g.cols == cols == math.ceil(width / p) + 1
    assert g.rows == math.ceil(2 * r / p) + 1


@pytest.mark.parametrize(
    ("r", "p", "b"),
    [
        (1000.0, 100.0, 10),
        (1000.4, 100.0, 10),
        (1000.6, 100.0, 11),
        (1001.0, 100.0, 11),
        (1049.0, 100.0, 11),
        (3.0, 1.0, 3),
        (3.4, 1.0, 3),
        (3.6, 1.0, 4),
        (40.0, 100.0, 1),
    ],
)
def test_window_half_width_rounds_with_half_a_map_unit(r, p, b):
    # radiusSizeInPixels(): the remainder is compared with 0.5 map units, not half a cell
    assert _qgis_grid((0.0, 0.0, 0.0, 0.0), p, r).b == b


def test_vertical_offset_and_mirror_like_qgis():
    # the height (2 * 3 + 0.3) is not a multiple of the cell: QGIS's distances use rows counted
    # from ymin, its values go to rows counted from ymax
    pts = [(0.0, 0.0), (0.0, 0.3)]
    kde = kernel_density(frame(pts), cell_size=1, radius=3)
    ref, origin = qgis_reference(pts, r=3, p=1)
    assert_like_qgis(kde, ref, origin)
    # one point alone: is its kernel centred on its own pixel? Not in QGIS (nor here)
    one = kernel_density(frame([(0.0, 0.3)]), cell_size=1, radius=2.5)
    ref1, origin1 = qgis_reference([(0.0, 0.3)], r=2.5, p=1)
    assert_like_qgis(one, ref1, origin1)


def test_kernel_is_displaced_vertically_like_qgis():
    # QGIS's kernel of a point at y is centred at y + (frac((ymax - y) / p) - frac((y - ymin) / p)) * p
    r, p = 10.0, 1.0
    for y in (0.0, 0.25, 0.8):
        pts = [(0.0, y), (40.0, 33.7)]
        kde = kernel_density(frame(pts), cell_size=p, radius=r, kernel="epanechnikov")
        ref, origin = qgis_reference(pts, r=r, p=p, kernel="epanechnikov")
        assert_like_qgis(kde, ref, origin)
        ymin, ymax = y - r, 33.7 + r
        centre = y + (((ymax - y) / p) % 1 - ((y - ymin) / p) % 1) * p
        col = int((0.0 - origin[0]) / p)
        yc = ymax - (np.arange(kde.shape[0]) + 0.5) * p
        v = kde.values[:, col]
        near = (v > 0.2) & (np.abs(yc - y) < r / 2)
        c2, c1, _ = np.polyfit(yc[near], v[near], 2)  # 1 - (dx**2 + (yc - centre)**2) / r**2
        assert -c1 / (2 * c2) == pytest.approx(centre, abs=1e-9)
        assert centre != pytest.approx(y)


def test_window_cuts_the_disc_only_below_one_map_unit_cells():
    # b = int(r / p) unless the remainder exceeds 0.5 map units: with p = 0.5 and r = 1.3, b = 2 and the
    # block ends at (b + 0.5) p = 1.25 < r, so cells between 1.25 and 1.3 away are never painted
    pts = [(0.1, 0.1), (0.0, 0.0)]
    ref, origin = qgis_reference(pts, r=1.3, p=0.5, kernel="uniform")
    kde = kernel_density(frame(pts), cell_size=0.5, radius=1.3, kernel="uniform")
    assert_like_qgis(kde, ref, origin)
    fast = kernel_density(frame(pts), cell_size=0.5, radius=1.3, kernel="quartic", method="fast")
    ref_q, _ = qgis_reference(pts, r=1.3, p=0.5, kernel="quartic")
    assert_like_qgis(fast, ref_q, origin, rel=FAST_TOLERANCE)
    xs = origin[0] + (np.arange(ref.shape[1]) + 0.5) * 0.5
    ys = origin[1] - (np.arange(ref.shape[0]) + 0.5) * 0.5
    within = np.hypot(xs[None, :] - 0.1, ys[:, None] - 0.1) <= 1.3
    one = qgis_reference([(0.1, 0.1)], r=1.3, p=0.5, kernel="uniform")[0]
    assert np.nansum(one) < within.sum()


def test_cell_exactly_at_the_radius_is_painted():
    # (0, 0) sets the extent; from (10.5, 10.5) the cell centres are whole metres away, so the
    # (3, 4, 5) triangles put cells exactly at the radius: painted (quartic: with value 0)
    pts = [(0.0, 0.0), (10.5, 10.5)]
    for kernel in ("uniform", "quartic", "triangular"):
        for method in ("exact", "fast"):
            kde = kernel_density(frame(pts), cell_size=1, radius=5, kernel=kernel, method=method, decay=0.0)
            ref, origin = qgis_reference(pts, r=5, p=1, kernel=kernel)
            assert_like_qgis(kde, ref, origin, rel=2e-6 if method == "exact" else FAST_TOLERANCE)
    kde = kernel_density(frame(pts), cell_size=1, radius=5, kernel="quartic")
    zero = kde.reached & (kde.values == 0)
    assert zero.sum() == 8 + 4  # (+-3, +-4), (+-4, +-3), (0, +-5), (+-5, 0) around the second point
    uniform = kernel_density(frame([(10.5, 10.5), (0.0, 0.0)]), cell_size=1, radius=5, kernel="uniform")
    assert uniform.values[zero].min() == 1.0


def test_inside_threshold_is_sqrt_exact():
    for r in (1.0, 3.0, 1000.0, 1000.4, 333.0, 0.1, 123456.789):
        t = _inside_threshold(r)
        assert math.sqrt(t) <= r < math.sqrt(math.nextafter(t, math.inf))


# --------------------------------------------------------------------------- kernels, both methods

SMALL = [(155000.0, 463000.0), (155003.3, 463001.7), (154998.2, 462996.4)]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("output", ["raw", "scaled"])
@pytest.mark.parametrize("method", ["exact", "fast"])
@pytest.mark.parametrize("n_points", [1, 2, 3])
def test_kernels_equal_qgis_formulas(kernel, output, method, n_points):
    pts = SMALL[:n_points]
    decay = 0.3 if kernel == "triangular" else 0.0
    kde = kernel_density(
        frame(pts), cell_size=1.0, radius=4.5, kernel=kernel, output=output, decay=decay, method=method
    )
    ref, origin = qgis_reference(pts, r=4.5, p=1.0, kernel=kernel, output=output, decay=decay)
    assert_like_qgis(kde, ref, origin, rel=2e-6 if method == "exact" else FAST_TOLERANCE)
    assert kde.error_bound <= FAST_TOLERANCE * np.abs(kde.values).max()


def test_peak_values_by_hand():
    r = 105.0  # 10.5 cells: the point, at xmin + r, sits on a cell centre (u = 0 there)
    pts = frame([(50.0, 50.0)])
    for kernel, raw, scale in [
        ("quartic", 1.0, 116 / (5 * math.pi * r**2) * 15 / 16),
        ("triweight", 1.0, 128 / (35 * math.pi * r**2) * 35 / 32),
        ("epanechnikov", 1.0, 8 / (3 * math.pi * r**2) * 3 / 4),
        ("uniform", 1.0, 1 / (math.pi * r**2)),
        ("triangular", 1.0, 3 / (math.pi * r**2)),
    ]:
        kde = kernel_density(pts, cell_size=10, radius=r, kernel=kernel)
        assert kde.values.max() == pytest.approx(raw)
        kde = kernel_density(pts, cell_size=10, radius=r, kernel=kernel, output="scaled")
        assert kde.values.max() == pytest.approx(scale)


@pytest.mark.parametrize("decay", [0.0, 0.5, 1.0, 2.0, -1.0])
def test_triangular_decay(decay):
    pts = [(0.0, 0.0)]
    for output in ("raw", "scaled"):
        kde = kernel_density(frame(pts), cell_size=1, radius=3.2, kernel="triangular", decay=decay, output=output)
        ref, origin = qgis_reference(pts, r=3.2, p=1, kernel="triangular", decay=decay, output=output)
        assert_like_qgis(kde, ref, origin)
    raw = kernel_density(frame(pts), cell_size=1, radius=3.2, kernel="triangular", decay=decay)
    scaled = kernel_density(frame(pts), cell_size=1, radius=3.2, kernel="triangular", decay=decay, output="scaled")
    if decay < 0:  # "coolmap": QGIS scales nothing
        np.testing.assert_array_equal(raw.values, scaled.values)
    else:
        np.testing.assert_allclose(scaled.values, raw.values * 3 / ((1 + 2 * decay) * math.pi * 3.2**2))


def clustered(n: int, seed: int, *, snap: float | None = None) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 20_000, (12, 2)) + (150_000, 450_000)
    k = rng.integers(0, 12, n)
    xy = centres[k] + rng.normal(0, 600, (n, 2))
    xy[: n // 3] = rng.uniform(0, 20_000, (n // 3, 2)) + (150_000, 450_000)
    if snap:
        xy = np.round(xy / snap) * snap
    return [tuple(v) for v in xy]


@pytest.fixture(scope="module")
def medium() -> gpd.GeoDataFrame:
    xy = clustered(20_000, 1)
    rng = np.random.default_rng(2)
    return frame(xy, weight=rng.integers(1, 4, len(xy)).astype(float))


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize(
    ("r", "p"),
    [(1000.0, 100.0), (1001.0, 100.0), (250.0, 50.0), (600.0, 40.0)],
    ids=["r10p", "rounded-up-window", "r5p", "r15p"],
)
def test_fast_within_its_bound_of_exact(medium, kernel, r, p):
    decay = 0.25 if kernel == "triangular" else 0.0
    exact = kernel_density(medium, cell_size=p, radius=r, kernel=kernel, decay=decay, method="exact")
    fast = kernel_density(medium, cell_size=p, radius=r, kernel=kernel, decay=decay, method="fast")
    assert fast.method == "fast" and exact.method == "exact"
    assert fast.transform == exact.transform and fast.shape == exact.shape
    np.testing.assert_array_equal(fast.reached, exact.reached)
    top = np.abs(exact.values).max()
    diff = np.abs(fast.values - exact.values).max()
    assert diff <= fast.error_bound * 1.0001 + 1e-9 * top
    assert fast.error_bound <= FAST_TOLERANCE * top * 1.001


def test_fast_weighted_and_snapped():
    xy = clustered(15_000, 5, snap=1.0)  # integer metres: distances tie with the radius
    rng = np.random.default_rng(3)
    gdf = frame(xy, w=rng.normal(2.0, 1.5, len(xy)))  # some negative weights too
    for kernel in ("quartic", "uniform", "epanechnikov"):
        exact = kernel_density(gdf, cell_size=100, radius=1000, kernel=kernel, weight_field="w", method="exact")
        fast = kernel_density(gdf, cell_size=100, radius=1000, kernel=kernel, weight_field="w", method="fast")
        np.testing.assert_array_equal(fast.reached, exact.reached)
        top = np.abs(exact.values).max()
        assert np.abs(fast.values - exact.values).max() <= FAST_TOLERANCE * top


def test_auto_picks_exact_for_small_inputs():
    assert kernel_density(frame(SMALL), cell_size=1, radius=10).method == "exact"


# --------------------------------------------------------------------------- weights and geometries


def test_weights_multiply_each_point():
    gdf = frame(SMALL, w=[2.0, 0.5, -1.0])
    kde = kernel_density(gdf, cell_size=1, radius=4, weight_field="w")
    ref, origin = qgis_reference(SMALL, r=4, p=1, weights=[2.0, 0.5, -1.0])
    assert_like_qgis(kde, ref, origin)


def test_missing_weight_counts_as_zero_and_still_reaches(caplog):
    gdf = frame(SMALL, w=[1.0, np.nan, 1.0])
    with caplog.at_level(logging.INFO, logger="bingeo.density"):
        kde = kernel_density(gdf, cell_size=1, radius=4, weight_field="w")
    ref, origin = qgis_reference(SMALL, r=4, p=1, weights=[1.0, 0.0, 1.0])
    assert_like_qgis(kde, ref, origin)
    assert "count as 0" in caplog.text


def test_multipoints_and_empty_geometries():
    gdf = gpd.GeoDataFrame(
        {"w": [2.0, 1.0, 5.0, 7.0]},
        geometry=[MultiPoint(SMALL[:2]), Point(SMALL[2]), None, Point()],
        crs=28992,
    )
    kde = kernel_density(gdf, cell_size=1, radius=4, weight_field="w")
    ref, origin = qgis_reference(SMALL, r=4, p=1, weights=[2.0, 2.0, 1.0])
    assert_like_qgis(kde, ref, origin)
    assert kde.n_points == 3


def test_points_with_an_empty_point():
    gdf = frame(SMALL, w=[2.0, 0.5, -1.0])
    gdf.loc[len(gdf)] = [4.0, Point()]  # an empty point among points only
    kde = kernel_density(gdf, cell_size=1, radius=4, weight_field="w")
    ref, origin = qgis_reference(SMALL, r=4, p=1, weights=[2.0, 0.5, -1.0])
    assert_like_qgis(kde, ref, origin)
    assert kde.n_points == 3


def test_input_frame_is_not_changed():
    gdf = frame(SMALL, w=[1.0, 2.0, 3.0])
    before = gdf.copy()
    kernel_density(gdf, cell_size=1, radius=4, weight_field="w")
    assert gdf.equals(before)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"radius": 0}, InputError, r"`radius` must be > 0"),
        ({"radius": -5}, InputError, r"`radius` must be > 0"),
        ({"cell_size": 0}, InputError, r"`cell_size` must be > 0"),
        ({"cell_size": float("nan")}, InputError, r"`cell_size` must be a finite number"),
        ({"cell_size": "100"}, TypeError, r"`cell_size` must be a number; got str"),
        ({"radius": 40, "cell_size": 100}, InputError, r"less than half the `cell_size`.*at most 80 m"),
        ({"kernel": "gaussian"}, InputError, r"unknown `kernel` 'gaussian'; valid kernels: quartic, triangular"),
        ({"output": "density"}, InputError, r"unknown `output` 'density'; valid values: raw, scaled"),
        ({"method": "gpu"}, InputError, r"unknown `method` 'gpu'"),
        ({"decay": 0.5}, InputError, r"`decay` only applies to the triangular kernel"),
        ({"weight_field": "nope"}, InputError, r"`weight_field` 'nope' is not a column"),
        ({"weight_field": "name"}, InputError, r"`weight_field` 'name' must be numeric"),
    ],
)
def test_option_errors(kwargs, error, match):
    gdf = frame(SMALL, name=["a", "b", "c"])
    args = {"cell_size": 1.0, "radius": 4.0, **kwargs}
    with pytest.raises(error, match=match):
        kernel_density(gdf, **args)


def test_no_points():
    with pytest.raises(InputError, match="holds no points"):
        kernel_density(frame([]), cell_size=10, radius=100)
    empty = gpd.GeoDataFrame(geometry=[None, Point()], crs=28992)
    with pytest.raises(InputError, match="holds no points"):
        kernel_density(empty, cell_size=10, radius=100)


def test_huge_raster_is_refused():
    far = frame([(0.0, 300_000.0), (280_000.0, 625_000.0)])
    with pytest.raises(InputError, match=r"28,101 x 32,601 cells of 10 m.*larger `cell_size`"):
        kernel_density(far, cell_size=10, radius=500)


def test_repr():
    kde = kernel_density(frame(SMALL), cell_size=1, radius=4)
    assert repr(kde) == "DensityRaster(15 x 15 cells of 1 m, quartic raw, radius 4 m, 3 points, exact, EPSG:28992)"


def test_crs_errors():
    # issue 13: points in degrees are gridded in the national grid of their place, which the summary names
    kde = kernel_density(frame([(5.1, 52.1)], crs=4326), cell_size=100, radius=1000)
    assert kde.crs.to_epsg() == 28992 and "worked in EPSG:28992" in kde.summary()
    with pytest.raises(CRSError, match="has no CRS"):
        kernel_density(gpd.GeoDataFrame(geometry=[Point(0, 0)]), cell_size=100, radius=1000)
    with pytest.raises(CRSError, match="not metres"):
        kernel_density(frame([(6_000_000.0, 2_000_000.0)], crs=2227), cell_size=100, radius=1000)  # US feet


def test_type_errors():
    with pytest.raises(TypeError, match="should be a GeoDataFrame"):
        kernel_density([Point(0, 0)], cell_size=1, radius=4)
    gdf = gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs=28992)
    with pytest.raises(InputError, match=r"points or multipoints; 1 features are Polygon.*representative_point"):
        kernel_density(gdf, cell_size=1, radius=4)


# --------------------------------------------------------------------------- progress, cancel


@pytest.mark.parametrize("kernel", ["quartic", "uniform", "epanechnikov"])
def test_progress(kernel):
    gdf = frame(clustered(3000, 9))
    for method in ("exact", "fast"):
        seen: list[float] = []
        kernel_density(gdf, cell_size=50, radius=500, kernel=kernel, method=method, progress=seen.append)
        assert seen and seen[-1] == pytest.approx(1.0) and seen == sorted(seen) and min(seen) >= 0


@pytest.mark.parametrize(
    ("kernel", "method"), [("quartic", "exact"), ("quartic", "fast"), ("uniform", "fast"), ("epanechnikov", "fast")]
)
def test_cancel(kernel, method, caplog):
    gdf = frame(clustered(3000, 9))
    calls = []
    with caplog.at_level(logging.WARNING, logger="bingeo.density"):
        part = kernel_density(
            gdf, cell_size=50, radius=500, kernel=kernel, method=method, is_cancelled=lambda: calls.append(1) or True
        )
    assert not part.complete and part.n_points < 3000 and calls
    assert "the raster is incomplete" in caplog.text and "INCOMPLETE" in repr(part)
    later = []  # cancelled half way
    part = kernel_density(
        gdf,
        cell_size=50,
        radius=500,
        kernel=kernel,
        method=method,
        is_cancelled=lambda: later.append(1) or len(later) > 1,
    )
    assert part.n_points <= 3000


# --------------------------------------------------------------------------- GeoTIFF


def test_write_geotiff_like_qgis(tmp_path):
    import rasterio

    kde = kernel_density(frame(SMALL), cell_size=1, radius=4)
    path = kde.write(tmp_path / "kde.tif")
    with rasterio.open(path) as ds:
        assert ds.count == 1 and ds.dtypes == ("float32",)
        assert ds.nodata == NODATA == -9999
        assert ds.transform == kde.transform
        assert ds.crs.to_epsg() == 28992
        assert ds.tags()["AREA_OR_POINT"] == "Area"
        assert not ds.profile.get("tiled", False)
        data = ds.read(1)
    np.testing.assert_array_equal(data == NODATA, ~kde.reached)
    np.testing.assert_array_equal(data[kde.reached], kde.values[kde.reached].astype("float32"))


def test_write_into_missing_folder(tmp_path):
    kde = kernel_density(frame(SMALL), cell_size=1, radius=4)
    with pytest.raises(InputError, match="does not exist"):
        kde.write(tmp_path / "nope" / "kde.tif")


# --------------------------------------------------------------------------- contours


@pytest.fixture(scope="module")
def contour_kde() -> DensityRaster:
    return kernel_density(frame(clustered(2000, 4)), cell_size=100, radius=1000)


def test_contour_bands_are_valid_disjoint_and_add_up(contour_kde):
    kde = contour_kde
    bands = kde.contours(n=5)
    assert list(bands.columns) == ["band", "lower", "upper", "cells", "area_m2", "geometry"]
    assert list(bands["band"]) == [1, 2, 3, 4, 5]
    assert bands.crs == kde.crs
    top = kde.values.max()
    np.testing.assert_allclose(bands["lower"], np.linspace(0, top, 6)[:-1])
    np.testing.assert_allclose(bands["upper"], np.linspace(0, top, 6)[1:])
    assert shapely.is_valid(bands.geometry.to_numpy()).all()
    assert (bands.geom_type == "MultiPolygon").all()
    # areas in m2 (not pixels): each band's polygons cover exactly its cells
    np.testing.assert_allclose(bands.area, bands["area_m2"])
    assert bands["area_m2"].sum() == pytest.approx((kde.values[kde.reached] > 0).sum() * 100 * 100)
    # disjoint: the union's area is the sum
    assert shapely.union_all(bands.geometry.to_numpy()).area == pytest.approx(bands["area_m2"].sum())
    # nested: everything at or above band k lies within the footprint of values > lower_k
    for k in range(1, 5):
        above = shapely.union_all(bands.geometry.to_numpy()[k:])
        footprint = shapely.union_all(bands.geometry.to_numpy()[k - 1 :])
        assert footprint.buffer(1e-6).contains(above)
        cells = (kde.values > bands["lower"].iloc[k]).sum()
        assert above.area == pytest.approx(cells * 1e4)


def test_contour_levels_and_quantiles(contour_kde):
    kde = contour_kde
    bands = kde.contours([1.0, 2.0, np.inf])
    assert list(bands["upper"]) == [2.0, np.inf]
    assert bands["cells"].iloc[0] == ((kde.values > 1) & (kde.values <= 2)).sum()
    assert bands["cells"].iloc[1] == (kde.values > 2).sum()
    q = kde.contours(n=4, scheme="quantile")
    counts = q["cells"].to_numpy()
    assert counts.sum() == (kde.values > 0).sum()
    assert counts.max() - counts.min() <= 0.02 * counts.sum()
    with pytest.raises(InputError, match="increasing band edges"):
        kde.contours([2.0, 1.0])
    with pytest.raises(InputError, match="`n` must be a whole number"):
        kde.contours(n=0)
    with pytest.raises(InputError, match="`scheme` must be one of"):
        kde.contours(scheme="jenks")


def test_contours_of_an_empty_band_and_written_to_gpkg(tmp_path, contour_kde):
    from bingeo.readers import write_table

    bands = contour_kde.contours([contour_kde.values.max() * 2, contour_kde.values.max() * 3])
    assert len(bands) == 1 and bands.geometry.iloc[0].is_empty and bands["area_m2"].iloc[0] == 0
    bands = contour_kde.contours()
    write_table(bands, tmp_path / "bands.gpkg", layer="bands", geometry_type="MultiPolygon")
    back = gpd.read_file(tmp_path / "bands.gpkg", layer="bands")
    assert len(back) == 5 and back.crs.to_epsg() == 28992


# --------------------------------------------------------------------------- workers


@pytest.mark.parametrize(
    ("method", "kernel"), [("exact", "quartic"), ("exact", "triangular")] + [("fast", k) for k in KERNELS]
)
def test_workers_give_the_same_raster(medium, monkeypatch, kernel, method):
    import bingeo.density as density

    monkeypatch.setattr(density, "_CELLS_CHUNK", 700)  # many chunks, in flight in every thread
    monkeypatch.setattr(density, "_CHUNK_PAIRS", 1 << 14)
    pts = medium.iloc[::4]
    opts = {"cell_size": 100, "radius": 1000, "kernel": kernel, "method": method, "weight_field": "weight"}
    one = kernel_density(pts, workers=1, **opts)
    for n in (2, 3):
        many = kernel_density(pts, workers=n, **opts)
        np.testing.assert_array_equal(many.values, one.values)
        np.testing.assert_array_equal(many.reached, one.reached)
        assert many.error_bound == one.error_bound


def test_workers_rule(monkeypatch):
    from bingeo._workers import WORKERS_ENV, cpu_count, resolve_workers

    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert resolve_workers(None) == cpu_count() >= 1
    assert resolve_workers(3) == 3
    monkeypatch.setenv(WORKERS_ENV, "2")
    assert resolve_workers(None) == 2
    assert resolve_workers(1) == 1  # the argument wins
    monkeypatch.setenv(WORKERS_ENV, "many")
    with pytest.raises(InputError, match="BINGEO_WORKERS='many'"):
        kernel_density(frame(SMALL), cell_size=1, radius=4)
    monkeypatch.delenv(WORKERS_ENV)
    with pytest.raises(InputError, match="`workers` must be >= 1"):
        kernel_density(frame(SMALL), cell_size=1, radius=4, workers=0)
    with pytest.raises(TypeError, match="`workers` must be a whole number"):
        kernel_density(frame(SMALL), cell_size=1, radius=4, workers=1.5)


def test_coordinates_without_point_objects_equal_the_geodataframe_path():
    """``xy`` + ``crs`` (what ``read_points(geometry=False)`` gives) equals the same points as a GeoDataFrame."""
    import pandas as pd

    rng = np.random.default_rng(7)
    x = rng.uniform(200_000, 203_000, 400)
    y = rng.uniform(500_000, 502_000, 400)
    x[[3, 50]] = np.nan  # rows without coordinates are skipped, as null geometries are
    w = rng.integers(0, 5, 400).astype(float)
    table = pd.DataFrame({"w": w})
    geoms = [None if np.isnan(a) else Point(a, b) for a, b in zip(x, y)]
    frame = gpd.GeoDataFrame({"w": w}, geometry=geoms, crs=28992)
    for kwargs in ({}, {"weight_field": "w"}, {"kernel": "triangular", "method": "exact"}):
        want = kernel_density(frame, cell_size=50, radius=300, **kwargs)
        got = kernel_density(table, cell_size=50, radius=300, xy=(x, y), crs=28992, **kwargs)
        assert got.shape == want.shape and got.transform == want.transform and got.crs == want.crs
        assert got.n_points == want.n_points == 398
        np.testing.assert_array_equal(got.values, want.values)
    # in degrees: reprojected to the national grid as a GeoDataFrame in degrees is
    lon, lat = np.array([6.56, 6.57, 6.58]), np.array([53.21, 53.22, 53.215])
    want = kernel_density(gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326), cell_size=50, radius=300)
    got = kernel_density(None, cell_size=50, radius=300, xy=(lon, lat), crs=4326)
    assert got.crs == want.crs and got.transform == want.transform
    np.testing.assert_array_equal(got.values, want.values)
    with pytest.raises(CRSError, match="`xy` needs `crs`"):
        kernel_density(table, cell_size=50, radius=300, xy=(x, y))
    with pytest.raises(ValueError, match="one coordinate per row"):
        kernel_density(table, cell_size=50, radius=300, xy=(x[:-1], y[:-1]), crs=28992)
