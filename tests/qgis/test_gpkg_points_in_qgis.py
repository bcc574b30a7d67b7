"""A large point layer written without index and given a packed R-tree opens cleanly in QGIS 3.22.

bingeo.readers.gpkg_points writes the rows through GDAL with ``SPATIAL_INDEX=NO`` and then makes the R-tree,
its triggers and its ``gpkg_extensions`` row itself: QGIS must see no difference (no warning, spatial filters
find every feature) and GDAL's GeoPackage validator must find nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qgis_check import assert_opens_cleanly_in_qgis, gpkg_spec_problems  # noqa: E402 (see test_gpkg_in_qgis)

import bingeo.readers.gpkg_points as gpkg_points  # noqa: E402
from bingeo.readers import write_table  # noqa: E402


def test_packed_point_layer_opens_cleanly_in_qgis(qgis_app, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    n = 3000
    pts = gpd.GeoDataFrame(
        {"nr": np.arange(n), "soort": rng.choice(["inbraak", "diefstal"], n)},
        geometry=gpd.points_from_xy(rng.uniform(230000, 238000, n), rng.uniform(579000, 586000, n)),
        crs=28992,
    )
    out = tmp_path / "points.gpkg"
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 1)
    write_table(pts, out, layer="incidents")
    rep = assert_opens_cleanly_in_qgis(out, max_own_bbox_checks=500)
    (layer,) = rep.layers
    assert (layer.valid, layer.qgis_count, layer.qgis_geoms, layer.authid) == (True, n, n, "EPSG:28992")
    assert gpkg_spec_problems(out) == []


def test_rtree_packed_beside_opens_cleanly_in_qgis(qgis_app, tmp_path, monkeypatch):
    """The R-tree packed by a second process while GDAL writes the rows (write_points_gpkg_xy, as assign does)."""
    import pandas as pd

    rng = np.random.default_rng(1)
    n = 3000
    table = pd.DataFrame({"nr": np.arange(n), "soort": rng.choice(["inbraak", "diefstal"], n)})
    x, y = rng.uniform(230000, 238000, n), rng.uniform(579000, 586000, n)
    out = tmp_path / "points.gpkg"
    monkeypatch.setattr(gpkg_points, "BULK_POINT_ROWS", 1)
    monkeypatch.setattr(gpkg_points, "BESIDE_ROWS", 1)
    monkeypatch.setattr(gpkg_points, "_core_free", lambda: True)
    packed = []
    pack = gpkg_points._pack_rtree
    monkeypatch.setattr(
        gpkg_points, "_pack_rtree", lambda p, lay, xy, beside: packed.append(beside) or pack(p, lay, xy, beside)
    )
    gpkg_points.write_points_gpkg_xy(table, x, y, out, 28992, layer="incidents")
    assert len(packed) == 1 and packed[0] is not None  # made by the second process
    rep = assert_opens_cleanly_in_qgis(out, max_own_bbox_checks=500)
    (layer,) = rep.layers
    assert (layer.valid, layer.qgis_count, layer.qgis_geoms, layer.authid) == (True, n, n, "EPSG:28992")
    assert gpkg_spec_problems(out) == []
