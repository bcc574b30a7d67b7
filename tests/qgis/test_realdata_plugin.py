"""The real-data matrix through the plugin in real QGIS 3.22 (issue 13).

Each real incident dataset, as published and as an open-data portal republishes it (WGS84 GeoJSON networks with
three bow-tie rings, incidents as WGS84 GeoJSON), loaded as QGIS layers the way an analyst loads them (a CSV
through the delimited-text provider with its X/Y fields and CRS; vector files through OGR), then run through
``bingeo:assignpoints``, ``countincidents``, ``hotspots``, ``density``, ``importnetworks``, ``evaluate``,
``coverage`` and ``proposeareas`` (where the set has address points) and ``webmap``.

The reference for the assignment is geopandas ``sjoin(predicate="intersects")`` against the same polygons repaired
with shapely's ``make_valid`` (polygonal parts): equal for every point farther than 1 m from a boundary (closer
ones may differ by the reprojection of the boundary, which the reference does not share).
"""

from __future__ import annotations

import gc
import gzip
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from plugin_support import load_plugin, rows, unload_plugin  # noqa: E402

from tests.realdata.datasets import BY_NAME, inputs, read_incidents  # noqa: E402

#: The matrix ids of SOURCES.md a QGIS user picks in the dialog's id field.
ID_FIELDS = {
    "vancouver": "mapid",
    "lancashire": "ward_code",
    "nottingham": "ward_code",
    "groningen": "BU_CODE",
}
CASES = [(name, variant) for name in ID_FIELDS for variant in ("asis", "portal")]
ALGORITHMS = ("assignpoints", "countincidents", "hotspots", "emerging", "profile", "forecast", "density")


@pytest.fixture(scope="module")
def plugin(qgis_processing):
    load_plugin()
    yield
    unload_plugin()


def _csv_layer(ds, path: str, folder: Path):
    """A CSV (gzipped or not) loaded as QGIS's delimited-text provider loads it: X/Y fields and a CRS."""
    from qgis.core import QgsVectorLayer

    plain = folder / (Path(path).name.removesuffix(".gz"))
    if not plain.exists():
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            shutil.copy(path, plain)
    delim = {"\t": "%5Ct", ";": ";", ",": ","}[ds.sep]
    uri = (
        f"file://{plain}?type=csv&delimiter={delim}&xField={ds.x}&yField={ds.y}&crs=EPSG:{ds.incidents_crs}"
        f"&detectTypes=no&geomType=point&encoding={'windows-1252' if ds.encoding == 'cp1252' else 'UTF-8'}"
    )
    if ds.decimal == ",":
        uri += "&decimalPoint=,"
    lyr = QgsVectorLayer(uri, "incidents", "delimitedtext")
    assert lyr.isValid(), uri
    return lyr


def _layers(name: str, variant: str, real: Path, samples: Path, folder: Path):
    from qgis.core import QgsVectorLayer

    ds = BY_NAME[name]
    files = inputs(ds, variant, real, samples, folder)
    net_path = files["networks"]
    uri = f"/vsizip/{net_path}" if net_path.endswith(".zip") else net_path
    nets = QgsVectorLayer(uri, "networks", "ogr")
    assert nets.isValid(), uri
    if files["incidents"].endswith(".geojson"):
        inc = QgsVectorLayer(files["incidents"], "incidents", "ogr")
        assert inc.isValid()
    else:
        inc = _csv_layer(ds, files["incidents"], folder)
    return ds, files, nets, inc


def _address_layer(ds, files: dict, folder: Path):
    """The address points as a QGIS user loads the CSV: delimited text with its coordinate fields and CRS."""
    from qgis.core import QgsVectorLayer

    path = files["addresses"]
    plain = folder / Path(path).name.removesuffix(".gz")
    if not plain.exists():
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
    xf, yf = ("longitude", "latitude") if "longitude" in plain.read_text(encoding="utf-8")[:300] else ("x", "y")
    uri = f"file://{plain}?type=csv&delimiter=,&xField={xf}&yField={yf}&crs=EPSG:{files['addresses_crs']}"
    lyr = QgsVectorLayer(uri + "&detectTypes=yes&geomType=point", "addresses", "delimitedtext")
    assert lyr.isValid(), uri
    return lyr


def _reference(files: dict, id_field: str, points: gpd.GeoDataFrame) -> pd.Series:
    """Covering network ids per output point: sjoin(intersects) on make_valid polygons, in the points' CRS."""
    path = files["networks"]
    nets = gpd.read_file(("zip://" + path) if path.endswith(".zip") else path)
    nets["geometry"] = [
        shapely.make_valid(g) if not g.is_valid else g for g in nets.geometry
    ]  # polygonal parts are what matter for covers
    nets = nets[[id_field, "geometry"]].to_crs(points.crs)
    pairs = gpd.sjoin(points[["geometry"]], nets, predicate="intersects", how="inner")
    return pairs.groupby(level=0)[id_field].apply(lambda s: frozenset(map(str, s)))


@pytest.mark.parametrize(("name", "variant"), CASES, ids=[f"{n}/{v}" for n, v in CASES])
def test_plugin_on_real_data(name, variant, plugin, real, samples, tmp_path):
    import processing
    from qgis.core import QgsProcessingFeedback

    ds, files, nets, inc = _layers(name, variant, real, samples, tmp_path)
    common = {"NETWORKS": nets, "NETWORK_ID_FIELD": ID_FIELDS[name]}
    failures = []

    def run(alg, params):
        try:
            return processing.run(f"bingeo:{alg}", {**common, **params}, feedback=QgsProcessingFeedback())
        except Exception as exc:  # QgsProcessingException: what the user sees in the log
            failures.append(f"{alg}: {str(exc).strip().splitlines()[-1][:300]}")
            return None

    out = None
    res = run("assignpoints", {"INPUT": inc, "OUTPUT": "memory:"})
    if res is not None:
        out = res["OUTPUT"]
        got = pd.DataFrame(rows(out))
        geoms = gpd.GeoSeries.from_wkb(got["_geometry"], crs=out.crs().toWkt())
        pts = gpd.GeoDataFrame(got.drop(columns=["_geometry", "_wkt"]), geometry=geoms).reset_index(drop=True)
        want = _reference(files, ID_FIELDS[name], pts)
        have = pts["network_ids"].dropna().astype(str)
        have = have[have != ""].map(lambda s: frozenset(s.split(";")))
        metric = pts.to_crs(pts.estimate_utm_crs())
        ref_nets = gpd.read_file(
            ("zip://" + files["networks"]) if files["networks"].endswith(".zip") else files["networks"]
        )
        edges = ref_nets.to_crs(metric.crs).boundary.union_all()
        bad = [
            i
            for i in want.index.union(have.index)
            if want.get(i, frozenset()) != have.get(i, frozenset()) and metric.geometry[i].distance(edges) > 1.0
        ]
        if bad:
            failures.append(f"assignpoints: {len(bad)} of {len(pts)} points differ from sjoin(intersects)")
        n_read = len(read_incidents(ds, real, samples))
        if len(pts) < 0.5 * n_read:
            failures.append(f"assignpoints: {len(pts)} points out of {n_read} rows")
    run("countincidents", {"INPUT": inc, "OUTPUT": "memory:"})
    a, b = ds.period
    params = {"INPUT": inc, "CELLS": "memory:", "HOTSPOTS": "memory:", "START": a, "END": b}
    if ds.incident_type:
        params.update({"TYPE_FIELD": ds.type_field, "TYPES": ds.incident_type})
    hs = run("hotspots", params)
    em = run("emerging", {**params, "LOCATIONS": "memory:", "CUBE": "memory:"})
    if em is not None and not em["LOCATIONS"].featureCount():
        failures.append("emerging: no location")
    if ds.date_column != "month":  # police.uk gives months only: no hours, no weeks of near repeats
        typed = {k: v for k, v in params.items() if k.startswith("TYPE")}
        run("profile", {"INPUT": inc, "START": a, "END": b, **typed, "OUTPUT": "memory:"})
        run("forecast", {"INPUT": inc, **typed, "PERMUTATIONS": 19, "OUTPUT": "memory:", "RANKING": "memory:"})
    run("density", {"INPUT": inc, "CELL_SIZE": 100, "RADIUS": 500, "OUTPUT": str(tmp_path / "d.tif")})
    imported = run("importnetworks", {"INPUT": nets, "ID_FIELD": ID_FIELDS[name], "STORE": str(tmp_path / "s.gpkg")})
    if imported is not None and not imported["ADDED"]:
        failures.append("importnetworks: no network added")
    if out is not None:  # the busiest network, before/after halves of the period (both ends included)
        busiest = pts["network_id"].dropna().astype(str).value_counts().index[0]
        mid = (pd.Timestamp(a) + (pd.Timestamp(b) - pd.Timestamp(a)) / 2).normalize()
        periods = {"BEFORE": f"{a}/{mid.date()}", "AFTER": f"{(mid + pd.Timedelta(days=1)).date()}/{b}"}
        ev = {"INPUT": inc, "MODE": 0, "NETWORK": busiest, "OUTPUT": "memory:", "JSON": str(tmp_path / "e.json")}
        run("evaluate", {**ev, **periods})
    adr = _address_layer(ds, files, tmp_path) if files["addresses"] else None
    if adr is not None:
        run("coverage", {"ADDRESSES": adr, "OUTPUT": "memory:"})
        if hs is not None:
            run("proposeareas", {"HOTSPOTS": hs["HOTSPOTS"], "ADDRESSES": adr, "INCIDENTS": inc, "OUTPUT": "memory:"})
    page = tmp_path / "map.html"
    run("webmap", {"INCIDENTS": inc, "OUTPUT": str(page), **({"HOTSPOTS": hs["HOTSPOTS"]} if hs else {})})
    if not failures and not page.exists():
        failures.append("webmap: no page written")
    # no QGIS layer may outlive the test through a failure's traceback: QGIS 3.22 crashes in exitQgis() then
    common.clear()
    del nets, inc, res, out, hs, em, imported, adr
    gc.collect()
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


#: Issue 17's planning algorithms on one real dataset with address points, as published and as a portal has it.
PLANNING_CASES = [("vancouver", "asis"), ("vancouver", "portal")]


def _incident_points(ds, files: dict, real: Path, samples: Path, crs) -> gpd.GeoDataFrame:
    """The incidents as the test reads them (pandas / geopandas), without rows lacking a usable location."""
    import numpy as np

    from tests.realdata.datasets import _xy

    if files["incidents"].endswith(".geojson"):
        return gpd.read_file(files["incidents"]).to_crs(crs)
    df = read_incidents(ds, real, samples)
    x, y = _xy(ds, df)
    keep = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x[keep], y[keep]), crs=ds.incidents_crs).to_crs(crs)


@pytest.mark.parametrize(("name", "variant"), PLANNING_CASES, ids=[f"{n}/{v}" for n, v in PLANNING_CASES])
def test_plugin_plan_and_invitations_on_real_data(name, variant, plugin, real, samples, tmp_path):
    """``bingeo:planareas`` with the dataset's polygons as candidates (the portal's with bow-tie rings) and three of
    them as existing networks; ``bingeo:invitations`` for one area (bow-tied in the portal variant) and the address
    points (the CSV as published; the portal's WGS84 GeoJSON); ``bingeo:regions`` of that area;
    ``bingeo:densityper`` (against the matrix's brute force, :func:`tests.realdata.matrix.rate_differences`).

    References: the uncovered incidents inside the union of the chosen areas (geopandas on ``make_valid``
    polygons, each incident once) equal the reach the plugin reports, and no 3 candidates reach more (brute
    force); the invitations are the distinct addresses whose points lie in the area (geopandas); the regions keep
    their household bounds and, with the islands, hold every address point in the area.
    """
    import itertools

    import numpy as np
    import processing
    from qgis.core import QgsProcessingFeedback, QgsVectorLayer

    from tests.realdata.datasets import address_inputs, bow_tie

    ds, files, nets, inc = _layers(name, variant, real, samples, tmp_path)
    cands = gpd.read_file(files["networks"])
    cands["geometry"] = cands.geometry.make_valid()
    order = cands.to_crs(cands.estimate_utm_crs()).area.sort_values(ascending=False).index
    existing = cands.loc[[order[3], order[len(order) // 2], order[-2]], ["mapid", "geometry"]]
    existing.to_file(tmp_path / "existing.gpkg")
    ex_layer = QgsVectorLayer(str(tmp_path / "existing.gpkg"), "existing", "ogr")
    res = processing.run(
        "bingeo:planareas",
        {"CANDIDATES": nets, "INCIDENTS": inc, "NETWORKS": ex_layer, "NETWORK_ID_FIELD": "mapid", "K": 3,
         "ID_FIELD": "mapid", "OUTPUT": "memory:"},
        feedback=QgsProcessingFeedback(),
    )  # fmt: skip
    chosen = pd.DataFrame(rows(res["OUTPUT"]))
    crs = cands.crs  # the plugin works in the candidates' CRS: so does the reference (points on an edge agree)
    pts = _incident_points(ds, files, real, samples, crs)
    c = cands.to_crs(crs)
    free = pts[~pts.intersects(existing.to_crs(crs).union_all())].reset_index(drop=True)
    pairs = gpd.sjoin(free, c[["geometry"]], predicate="intersects")
    inside = np.zeros((len(c), len(free)), dtype=bool)
    inside[pairs["index_right"].to_numpy(), pairs.index.to_numpy()] = True
    got = [int(np.flatnonzero(cands["mapid"] == m)[0]) for m in chosen["candidate_id"]]
    reached = int(inside[got].any(axis=0).sum())
    best = max(int(inside[list(t)].any(axis=0).sum()) for t in itertools.combinations(range(len(c)), 3))
    assert float(chosen["cumulative"].max()) == reached == best, (list(chosen["candidate_id"]), reached, best)

    adr_path, adr_crs = address_inputs(ds, variant, real, samples, tmp_path)
    if adr_path.endswith(".geojson"):
        adr = QgsVectorLayer(adr_path, "addresses", "ogr")
    else:
        adr = _address_layer(ds, files, tmp_path)
    table = pd.read_csv(files["addresses"], dtype=str, keep_default_na=False)
    apts = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["longitude"].astype(float), table["latitude"].astype(float)), crs=4326
    ).to_crs(crs)
    counts = gpd.sjoin(apts[["geometry"]], c[["geometry"]], predicate="intersects")["index_right"].value_counts()
    pick = int(counts[counts >= 300].idxmin())
    area = cands.loc[[pick], ["geometry"]].to_crs(4326)
    if variant == "portal":
        area["geometry"] = [bow_tie(g) for g in area.geometry]
        assert not area.geometry.is_valid.any()
    area.to_file(tmp_path / "area.geojson")
    area_layer = QgsVectorLayer(str(tmp_path / "area.geojson"), "area", "ogr")
    inv = processing.run(
        "bingeo:invitations",
        {"AREA": area_layer, "ADDRESSES": adr, "OUTPUT": "memory:", "CSV": str(tmp_path / "invite.csv")},
        feedback=QgsProcessingFeedback(),
    )
    got_inv = pd.DataFrame(rows(inv["OUTPUT"]))
    fixed = area.geometry.make_valid().to_crs(crs).union_all()
    want = set(apts.loc[apts.intersects(fixed), "address"].str.split(",").str[0].str.strip())
    have = set((got_inv["house_number"].astype(str) + " " + got_inv["street"]).str.strip())
    assert len(got_inv) == len(have) and have == want, (len(have), len(want), sorted(have ^ want)[:5])
    # bingeo:regions of the same area (no network): every region within 50-250 households, and the regions and
    # the islands together hold every address point geopandas finds inside (1 household each)
    reg = processing.run(
        "bingeo:regions",
        {"AREA": area_layer, "ADDRESSES": adr, "MIN_HOUSEHOLDS": 50, "MAX_HOUSEHOLDS": 250, "OUTPUT": "memory:",
         "ISLANDS": "memory:"},
        feedback=QgsProcessingFeedback(),
    )  # fmt: skip
    regions = pd.DataFrame(rows(reg["OUTPUT"]))
    islands = pd.DataFrame(rows(reg["ISLANDS"])) if reg["ISLANDS"].featureCount() else pd.DataFrame({"households": []})
    assert len(regions) and regions["households"].between(50, 250).all(), regions["households"].describe()
    assert regions["households"].sum() + islands["households"].sum() == int(apts.intersects(fixed).sum())
    # bingeo:densityper (incidents per 1,000 households, quartic 400 m, 100 m pixels) against brute force
    from tests.realdata.matrix import rate_differences

    tif = tmp_path / "per.tif"
    processing.run(
        "bingeo:densityper",
        {"INPUT": inc, "ADDRESSES": adr, "CELL_SIZE": 100, "RADIUS": 400, "OUTPUT": str(tif)},
        feedback=QgsProcessingFeedback(),
    )
    apts["_hh"] = 1.0
    native = 4326 if files["incidents"].endswith(".geojson") else ds.incidents_crs  # no reprojection round trip
    bad, n, example = rate_differences(tif, _incident_points(ds, files, real, samples, native), apts, 400.0)
    assert n >= 50 and not bad, f"{bad} of {n} pixels differ, e.g. {example}"
    del nets, inc, ex_layer, res, adr, area_layer, inv, reg
    gc.collect()
