"""network_ids of points in several networks: equal to a per-point reference, categories in first-met order."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from bingeo import assign


def _reference(points: gpd.GeoDataFrame, nets: gpd.GeoDataFrame) -> tuple[list, list]:
    """Per point: the covering networks sorted by (area, id), joined; categories: ids, then new texts in order."""
    ids = nets["network_id"].astype(str).tolist()
    areas = shapely.area(nets.geometry.to_numpy())
    cats = list(dict.fromkeys(ids))
    texts = []
    for p in points.geometry:
        hit = [j for j, g in enumerate(nets.geometry) if g.covers(p)]
        hit.sort(key=lambda j: (areas[j], ids[j]))
        text = ";".join(ids[j] for j in hit) if hit else None
        if text is not None and text not in cats:
            cats.append(text)
        texts.append(text)
    return texts, cats


def test_network_ids_match_reference_with_ties_and_duplicate_ids():
    rng = np.random.default_rng(7)
    polys = [shapely.box(0, 0, 100, 100), shapely.box(20, 20, 60, 60), shapely.box(40, 40, 80, 80)]
    polys += [shapely.box(40, 0, 80, 40), shapely.box(10, 60, 50, 100), shapely.box(30, 30, 70, 70)]
    ids = ["Big", "Z", "A", "Q", "Q", "M"]  # Z and A tie on area (the id decides); Q twice
    nets = gpd.GeoDataFrame({"network_id": ids, "name": [i.lower() for i in ids]}, geometry=polys, crs=28992)
    x = np.r_[rng.uniform(-10, 110, 400), [40.0, 60.0, 80.0]]
    y = np.r_[rng.uniform(-10, 110, 400), [40.0, 60.0, 40.0]]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=28992)
    out = assign(pts, nets)
    texts, cats = _reference(pts, nets)
    assert list(out["network_ids"].cat.categories) == cats
    got = out["network_ids"].astype(object)
    assert got.where(got.notna(), None).tolist() == texts
    got_id = out["network_id"].astype(object)
    assert got_id.where(got_id.notna(), None).tolist() == [t.split(";")[0] if t else None for t in texts]
    assert sum(";" in t for t in texts if t) > 100  # many points lie in several networks
