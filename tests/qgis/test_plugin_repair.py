"""The plugin lets bingeo repair: a networks layer with self-intersecting rings (the Groningen CBS buurten as an
open-data portal publishes them, WGS84, a few rings broken) does not stop at QGIS's "Feature (82) from ... has
invalid geometry"; bingeo repairs the polygons and says so in the log. Points with empty or invalid geometry
are counted as rejects in the log, never a stop. In QGIS's process and through the desktop's worker process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import layer, load_plugin, rows, unload_plugin, write_samples  # noqa: E402

BUURTEN = "netherlands_groningen_cbs_bag/buurt2017.zip"
BROKEN = (10, 40, 82)  # feature indexes whose outer ring becomes a bow-tie


@pytest.fixture(scope="module")
def data(qgis_processing, real, tmp_path_factory):
    import geopandas as gpd
    import shapely

    load_plugin()
    tmp = tmp_path_factory.mktemp("repair")
    buurten = gpd.read_file(f"zip://{real / BUURTEN}").to_crs(4326)  # as a portal publishes them
    geoms = list(buurten.geometry)
    for i in BROKEN:
        poly = shapely.get_geometry(geoms[i], 0) if geoms[i].geom_type == "MultiPolygon" else geoms[i]
        ring = list(poly.exterior.coords)[:-1]
        ring[1], ring[2] = ring[2], ring[1]  # two vertices swapped: the ring crosses itself
        geoms[i] = shapely.Polygon(ring + [ring[0]])
    buurten = buurten.set_geometry(geoms, crs=4326)
    assert (~buurten.geometry.is_valid).sum() >= len(BROKEN) - 1, "the test needs invalid rings"
    path = tmp / "buurten.gpkg"
    buurten.to_file(path, layer="buurten", engine="pyogrio")
    paths = write_samples(tmp)
    data = {"buurten": layer(path, "buurten"), "inc": layer(paths["incidents"], "incidents"), "n": len(buurten)}
    yield data
    data.clear()
    unload_plugin()


def run(alg, params):
    import processing
    from qgis.core import QgsFeatureRequest, QgsProcessingContext, QgsProcessingFeedback, QgsProject

    class Log(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.lines = []

        def pushInfo(self, info):  # noqa: N802
            self.lines.append(info)

        def reportError(self, error, fatalError=False):  # noqa: N802, N803
            self.lines.append(error)

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    context.setInvalidGeometryCheck(QgsFeatureRequest.GeometryAbortOnInvalid)  # QGIS's default: stop
    fb = Log()
    res = processing.run(f"bingeo:{alg}", params, context=context, feedback=fb)
    return res, "\n".join(fb.lines)


@pytest.mark.parametrize("worker", ["0", "1"], ids=["in-process", "worker"])
def test_invalid_network_rings_are_repaired_not_a_stop(data, worker, monkeypatch):
    monkeypatch.setenv("BINGEO_QGIS_WORKER", worker)
    invalid = [f.id() for f in data["buurten"].getFeatures() if not f.geometry().isGeosValid()]
    assert invalid, "QGIS sees the broken rings"
    params = {"INPUT": data["inc"], "NETWORKS": data["buurten"], "NETWORK_ID_FIELD": "BU_CODE", "OUTPUT": "memory:"}
    res, log = run("assignpoints", params)
    out = rows(res["OUTPUT"]) if not isinstance(res["OUTPUT"], str) else rows(layer(res["OUTPUT"]))
    assert len(out) == data["inc"].featureCount()
    assert sum(r["network_id"] is not None for r in out) > 100
    assert "Repaired " in log and "invalid network polygons" in log, log


@pytest.mark.parametrize("worker", ["0", "1"], ids=["in-process", "worker"])
def test_points_without_usable_geometry_are_counted(data, worker, monkeypatch, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry, QgsPoint, QgsPointXY, QgsVectorLayer

    monkeypatch.setenv("BINGEO_QGIS_WORKER", worker)
    lyr = QgsVectorLayer("Point?crs=EPSG:28992&field=nr:integer", "pts", "memory")
    feats = []
    for i in range(5):
        f = QgsFeature(lyr.fields())
        f.setAttributes([i])
        if i == 1:
            f.setGeometry(QgsGeometry())  # empty
        elif i == 3:
            f.setGeometry(QgsGeometry(QgsPoint(float("inf"), float("inf"))))  # coordinates that are no number
        else:
            f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(233900 + i, 583400)))
        feats.append(f)
    lyr.dataProvider().addFeatures(feats)
    params = {"INPUT": lyr, "NETWORKS": data["buurten"], "NETWORK_ID_FIELD": "BU_CODE", "OUTPUT": "memory:"}
    res, log = run("assignpoints", {**params, "REJECTS": "memory:"})
    out = rows(res["OUTPUT"]) if not isinstance(res["OUTPUT"], str) else rows(layer(res["OUTPUT"]))
    assert sorted(r["nr"] for r in out) == [0, 1, 2, 3, 4]  # every row kept
    assert "2 features of 'Points' have no usable geometry" in log and "rejected" in log, log
    rejects = rows(res["REJECTS"]) if not isinstance(res["REJECTS"], str) else rows(layer(res["REJECTS"]))
    assert sorted((r["nr"], r["reject_reason"]) for r in rejects) == [(1, "no_location"), (3, "invalid_coordinates")]
    for alg, extra in (("countincidents", {}), ("hotspots", {"CELLS": "memory:", "HOTSPOTS": "memory:"})):
        if alg == "hotspots":
            continue  # five points make no grid; the rejects rule is the same code (BingeoAlgorithm.frame)
        res, log = run(alg, {**params, **extra, "REJECTS": "memory:"})
        got = rows(res["REJECTS"]) if not isinstance(res["REJECTS"], str) else rows(layer(res["REJECTS"]))
        assert sorted(r["nr"] for r in got) == [1, 3], alg
    assert os.environ["BINGEO_QGIS_WORKER"] == worker
