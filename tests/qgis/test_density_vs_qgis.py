"""bingeo.density against the real QGIS 3.22 heat map (``qgis:heatmapkerneldensityestimation``).

Both run on the same GeoPackage (written by bingeo.write_table, GeoPackage
1.2): QGIS through Processing, bingeo on the layer read back. The GeoTIFFs
must have the same size and geotransform (pixel-aligned), the same nodata
cells, and values within 0.1 % of QGIS's largest value (bingeo's exact method
is within float32 rounding, 1e-5; its fast method within FAST_TOLERANCE, 0.05 %).

Run in the venv that sees QGIS (see tests/conftest.py):
``QT_QPA_PLATFORM=offscreen python3 -m pytest tests/qgis/test_density_vs_qgis.py``
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from bingeo.density import FAST_TOLERANCE, KERNELS, NODATA, kernel_density
from bingeo.readers import read_points, write_table
from tests.conftest import REAL_DATA

ALGORITHM = "qgis:heatmapkerneldensityestimation"
BAR = 1e-3  # the quality bar: 0.1 % of QGIS's maximum


def heatmap(src: Path, out: Path, *, radius, pixel, kernel="quartic", output="raw", decay=0.0, weight=None):
    """Run QGIS's heat map; return (values with NaN for nodata, transform, crs, profile)."""
    import rasterio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import processing

        params = {
            "INPUT": f"{src}|layername=points",
            "RADIUS": radius,
            "RADIUS_FIELD": None,
            "PIXEL_SIZE": pixel,
            "WEIGHT_FIELD": weight,
            "KERNEL": KERNELS.index(kernel),
            "DECAY": decay,
            "OUTPUT_VALUE": ["raw", "scaled"].index(output),
            "OUTPUT": str(out),
        }
        result = processing.run(ALGORITHM, params)
    assert Path(result["OUTPUT"]) == out
    with rasterio.open(out) as ds:
        data = ds.read(1).astype("float64")
        nodata = ds.nodata
        return np.where(data == nodata, np.nan, data), ds.transform, ds.crs, ds.profile


def compare(kde, qgis, transform) -> float:
    """Assert pixel alignment and equal nodata; return max |bingeo - QGIS| / max |QGIS|."""
    assert kde.values.shape == qgis.shape, "raster size differs from QGIS's"
    mine, theirs = kde.transform, transform
    assert [mine.a, mine.b, mine.c, mine.d, mine.e, mine.f] == pytest.approx(
        [theirs.a, theirs.b, theirs.c, theirs.d, theirs.e, theirs.f], abs=1e-9, rel=1e-12
    ), "geotransform differs from QGIS's"
    np.testing.assert_array_equal(kde.reached, ~np.isnan(qgis), err_msg="nodata cells differ from QGIS's")
    top = np.nanmax(np.abs(qgis))
    return float(np.abs(kde.values - np.nan_to_num(qgis)).max() / top)


def synthetic_points() -> gpd.GeoDataFrame:
    """Clusters, scattered points, snapped duplicates and whole-metre coordinates (ties at the radius)."""
    rng = np.random.default_rng(42)
    centres = rng.uniform(0, 6000, (6, 2)) + (233_000, 581_000)
    xy = centres[rng.integers(0, 6, 700)] + rng.normal(0, 350, (700, 2))
    xy = np.vstack([xy, rng.uniform(0, 6000, (300, 2)) + (233_000, 581_000)])
    xy[::3] = np.round(xy[::3])  # whole metres
    xy[1::7] = xy[0:1] + np.round(rng.normal(0, 200, (len(xy[1::7]), 2)), -1)  # snapped, with duplicates
    weight = rng.integers(1, 5, len(xy)).astype("float64")
    return gpd.GeoDataFrame({"weight": weight}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=28992)


def medium_points() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 30_000, (20, 2)) + (120_000, 480_000)
    xy = centres[rng.integers(0, 20, 40_000)] + rng.normal(0, 900, (40_000, 2))
    xy = np.vstack([xy, rng.uniform(0, 30_000, (20_000, 2)) + (120_000, 480_000)])
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=28992)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("density") / "synthetic.gpkg"
    write_table(synthetic_points(), path, layer="points")
    return path, gpd.read_file(path, layer="points")


@pytest.fixture(scope="module")
def nottingham(tmp_path_factory):
    src = REAL_DATA / "uk_nottingham" / "nottingham_burglary_2022.csv.gz"
    pts = read_points(src, crs=4326, target_crs=27700).points[["month", "geometry"]]
    path = tmp_path_factory.mktemp("density") / "nottingham.gpkg"
    write_table(pts, path, layer="points")
    return path, gpd.read_file(path, layer="points")


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    path = tmp_path_factory.mktemp("density") / "medium.gpkg"
    write_table(medium_points(), path, layer="points")
    return path, gpd.read_file(path, layer="points")


CASES = [
    *[(kernel, "raw", 0.0) for kernel in KERNELS],
    ("quartic", "scaled", 0.0),
    ("triangular", "raw", 0.5),
    ("triangular", "scaled", 0.5),
    ("epanechnikov", "scaled", 0.0),
]
IDS = [f"{k}-{o}" + (f"-decay{d}" if d else "") for k, o, d in CASES]


@pytest.mark.parametrize(("kernel", "output", "decay"), CASES, ids=IDS)
def test_synthetic_equals_qgis(qgis_processing, synthetic, tmp_path, kernel, output, decay):
    path, pts = synthetic
    qgis, transform, crs, _ = heatmap(
        path, tmp_path / "q.tif", radius=500, pixel=25, kernel=kernel, output=output, decay=decay
    )
    assert crs.to_epsg() == 28992
    for method, tol in (("exact", 1e-5), ("fast", FAST_TOLERANCE)):
        kde = kernel_density(pts, cell_size=25, radius=500, kernel=kernel, output=output, decay=decay, method=method)
        rel = compare(kde, qgis, transform)
        assert rel <= min(tol, BAR), f"{method}: max |bingeo - QGIS| = {rel:.2e} of QGIS's max"


@pytest.mark.parametrize("kernel", ["quartic", "uniform"])
def test_weights_equal_qgis(qgis_processing, synthetic, tmp_path, kernel):
    path, pts = synthetic
    qgis, transform, _, _ = heatmap(path, tmp_path / "q.tif", radius=400, pixel=30, kernel=kernel, weight="weight")
    for method in ("exact", "fast"):
        kde = kernel_density(pts, cell_size=30, radius=400, kernel=kernel, weight_field="weight", method=method)
        assert compare(kde, qgis, transform) <= FAST_TOLERANCE


@pytest.mark.parametrize(
    ("radius", "pixel"),
    [(1001.0, 100.0), (333.0, 37.0), (2.4, 1.0)],
    ids=["window-rounded-up", "odd-sizes", "1m-cells"],
)
def test_grid_rules_equal_qgis(qgis_processing, synthetic, tmp_path, radius, pixel):
    path, pts = synthetic
    if pixel == 1.0:  # a small corner, or the raster is huge
        pts = pts.cx[233_000:233_300, 581_000:581_300]
        path = tmp_path / "corner.gpkg"
        write_table(pts, path, layer="points")
    qgis, transform, _, _ = heatmap(path, tmp_path / "q.tif", radius=radius, pixel=pixel)
    for method in ("exact", "fast"):
        kde = kernel_density(pts, cell_size=pixel, radius=radius, method=method)
        assert compare(kde, qgis, transform) <= FAST_TOLERANCE


@pytest.mark.requires("real-data")
@pytest.mark.parametrize(("kernel", "output", "decay"), CASES, ids=IDS)
def test_nottingham_equals_qgis(qgis_processing, nottingham, tmp_path, kernel, output, decay):
    path, pts = nottingham
    qgis, transform, crs, _ = heatmap(
        path, tmp_path / "q.tif", radius=1000, pixel=100, kernel=kernel, output=output, decay=decay
    )
    assert crs.to_epsg() == 27700
    for method, tol in (("exact", 1e-5), ("fast", FAST_TOLERANCE)):
        kde = kernel_density(pts, cell_size=100, radius=1000, kernel=kernel, output=output, decay=decay, method=method)
        rel = compare(kde, qgis, transform)
        assert rel <= min(tol, BAR), f"{method}: max |bingeo - QGIS| = {rel:.2e} of QGIS's max"


@pytest.mark.parametrize("kernel", KERNELS)
def test_medium_fast_equals_qgis(qgis_processing, medium, tmp_path, kernel):
    # 60,000 points: the fast method's own path (fitted rims, bound-driven corrections)
    path, pts = medium
    qgis, transform, _, _ = heatmap(path, tmp_path / "q.tif", radius=1000, pixel=100, kernel=kernel)
    kde = kernel_density(pts, cell_size=100, radius=1000, kernel=kernel, method="fast")
    assert compare(kde, qgis, transform) <= FAST_TOLERANCE


def test_geotiff_written_like_qgis(qgis_processing, synthetic, tmp_path):
    import rasterio

    path, pts = synthetic
    qgis, transform, crs, profile = heatmap(path, tmp_path / "q.tif", radius=500, pixel=25)
    out = kernel_density(pts, cell_size=25, radius=500).write(tmp_path / "b.tif")
    with rasterio.open(out) as ds:
        mine = ds.profile
        data = ds.read(1)
        assert ds.crs == crs
    for key in ("driver", "dtype", "nodata", "width", "height", "count", "tiled", "interleave"):
        assert mine.get(key) == profile.get(key), key
    assert mine["transform"] == transform and mine["nodata"] == NODATA
    np.testing.assert_array_equal(data == NODATA, np.isnan(qgis))
    assert np.abs(data[data != NODATA] - qgis[~np.isnan(qgis)]).max() <= 1e-6 * np.nanmax(qgis)


def test_contours_open_cleanly_in_qgis(gpkg_in_qgis, synthetic, tmp_path):
    _, pts = synthetic
    bands = kernel_density(pts, cell_size=25, radius=500).contours(n=5)
    path = tmp_path / "bands.gpkg"
    write_table(bands, path, layer="bands", geometry_type="MultiPolygon")
    rep = gpkg_in_qgis(path)
    (layer,) = rep.layers
    assert layer.qgis_count == 5 and layer.authid == "EPSG:28992"
