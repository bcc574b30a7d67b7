"""The fast paths of the stored grid index (issue 14): its fingerprint, its smaller format, the split blocks.

Each is compared with an independent reference: GEOS through shapely's STRtree for the pairs, a fresh build
for a stored index, WKB for what the fingerprint must tell apart.
"""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo import _pip
from bingeo.assign import MIN_POINTS_PER_WORKER
from bingeo.stores import open_store
from bingeo.stores.base import INDEX_TABLE
from tests.conftest import ROOT

NETWORKS = ROOT / "data" / "samples" / "networks.gpkg"


@pytest.fixture(autouse=True)
def no_memory(monkeypatch):
    """No locator kept in memory by an earlier call may answer instead of the store's."""
    monkeypatch.setattr(_pip, "KEEP_IN_MEMORY", 0)
    _pip._kept.clear()


def test_the_fingerprint_tells_apart_what_wkb_tells_apart():
    a, b, c, d = (0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)
    e, f = (5.0, 2.0), (5.0, 5.0)
    shell = [a, b, c, d, a]
    hole = [a, e, f, a]  # a hole touching the shell at a vertex: valid
    with_hole = shapely.Polygon(shell, [hole])
    one_ring = shapely.Polygon(shell + hole)  # the same coordinates as one ring (invalid, but an input)
    multi = shapely.MultiPolygon([with_hole])
    two_parts = shapely.MultiPolygon([shapely.Polygon(shell), shapely.Polygon([(20, 0), (30, 0), (30, 9), (20, 0)])])
    other_split = shapely.MultiPolygon(
        [shapely.Polygon(shell, [[(1, 1), (2, 1), (2, 2), (1, 1)]]), shapely.Polygon([(20, 0), (30, 0), (30, 9)])]
    )
    geoms = [with_hole, one_ring, multi, two_parts, other_split, shapely.Polygon(), None]
    # the same coordinate sequence where it matters, yet different polygons: different fingerprints
    assert np.array_equal(shapely.get_coordinates(with_hole), shapely.get_coordinates(one_ring))
    arrays = [np.array([g], dtype=object) for g in geoms]
    arrays += [np.array([None, with_hole], dtype=object), np.array([with_hole, None], dtype=object)]
    prints = [_pip.fingerprint(arr) for arr in arrays]
    assert len(set(prints)) == len(prints)
    wkbs = [tuple(shapely.to_wkb(arr).tolist()) for arr in arrays]
    assert len(set(wkbs)) == len(wkbs)  # the reference tells them apart too
    # equal polygons (other objects, read back from WKB) share it; one coordinate bit changes it
    copy = shapely.from_wkb(shapely.to_wkb(np.array(geoms[:5], dtype=object)))
    assert _pip.fingerprint(copy) == _pip.fingerprint(np.array(geoms[:5], dtype=object))
    moved = shapely.Polygon([a, (np.nextafter(10.0, 11.0), 0.0), c, d, a], [hole])
    assert _pip.fingerprint(np.array([moved], dtype=object)) != prints[0]
    assert _pip.fingerprint(arrays[0], salt="x") != prints[0]


def _reference(polys, x, y):
    a, b = shapely.STRtree(polys).query(shapely.points(x, y), predicate="intersects")
    order = np.lexsort((b, a))
    return a[order], b[order]


def _split_to_pairs(loc, x, y, block, workers):
    pts, pols = [], []
    for lo, simple, p, q in loc.locate_blocks(x, y, block, workers=workers, split=True):
        i = np.flatnonzero(simple >= 0)
        assert not np.isin(p, i).any()  # a point is either simple or in the pairs
        pts += [i + lo, p + lo]
        pols += [simple[i], q]
    pt, pol = np.concatenate(pts), np.concatenate(pols)
    order = np.lexsort((pol, pt))
    return pt[order], pol[order]


@pytest.mark.parametrize("workers", [1, 2])
def test_split_blocks_give_every_pair(workers):
    """Overlaps, holes, None and empty polygons (other numbering than the usable ones), points on every vertex."""
    rng = np.random.default_rng(11)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform(0, 1000, (200, 2)))))
    cells = shapely.intersection(cells, shapely.box(0, 0, 1000, 1000))
    blobs = shapely.buffer(shapely.points(rng.uniform(0, 1000, (15, 2))), 70)
    holed = shapely.difference(shapely.box(100, 100, 600, 600), shapely.box(200, 200, 400, 400))
    polys = np.concatenate([[None], cells, [shapely.Polygon()], blobs, [holed]])
    verts = shapely.get_coordinates(polys)
    x = np.concatenate([rng.uniform(-10, 1010, 30_000), verts[:, 0], [np.nan]])
    y = np.concatenate([rng.uniform(-10, 1010, 30_000), verts[:, 1], [1.0]])
    loc = _pip.PolygonLocator(polys, cells_per_side=20.0)
    want = _reference(polys, x, y)
    got = _split_to_pairs(loc, x, y, 7_000, workers)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    plain = loc.locate(x, y, workers=workers)
    assert np.array_equal(plain[0], want[0]) and np.array_equal(plain[1], want[1])
    # a locator read back from its bytes (segment table taken from the coordinates) answers the same
    again = _pip.PolygonLocator.from_bytes(loc.to_bytes("k"), polys, key="k")
    assert np.array_equal(again._ftab, loc._ftab)
    got = _split_to_pairs(again, x, y, 7_000, workers)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


@pytest.mark.parametrize("damage", ["array bytes", "segment vertices", "other coordinates"])
def test_damage_to_the_arrays_is_caught(tmp_path, damage, caplog):
    bingeo.import_networks(NETWORKS, tmp_path / "s.gpkg", id_field="bin_code", kind_field="soort")
    with open_store(tmp_path / "s.gpkg") as st:
        nets = st.networks()
        rng = np.random.default_rng(2)
        minx, miny, maxx, maxy = nets.total_bounds
        xy = rng.uniform((minx, miny), (maxx, maxy), (3000, 2))
        points = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=nets.crs)
        want = bingeo.assign(points, nets)  # without a store: the reference
        bingeo.assign(points, nets, store=st)
        geoms = nets.geometry.to_numpy()
        with sqlite3.connect(st.path) as con:
            key, blob = con.execute(f"SELECT key, data FROM {INDEX_TABLE}").fetchone()
            if damage == "array bytes":  # a flipped bit far into the arrays (the segment table's vertices)
                blob = bytearray(blob)
                blob[-len(blob) // 5] ^= 0x10
                blob = bytes(blob)
            else:
                loc = _pip.PolygonLocator.from_bytes(blob, geoms, key=key)
                if damage == "segment vertices":  # a valid checksum over vertices beyond the polygons'
                    loc._fvab = loc._fvab + len(shapely.get_coordinates(geoms))
                    blob = loc.to_bytes(key)
                else:  # saved for other boundaries under this key: it must not read them
                    with pytest.raises(_pip.IndexFormatError):
                        _pip.PolygonLocator.from_bytes(blob, geoms[:-1], key=key)
                    blob = loc.to_bytes(key)
            con.execute(f"UPDATE {INDEX_TABLE} SET data = ?", (blob,))
        with caplog.at_level("WARNING", logger="bingeo.stores.base"):
            got = bingeo.assign(points, nets, store=st)
        assert ("not usable" in caplog.text) == (damage != "other coordinates")
        pd.testing.assert_frame_equal(got, want)


def test_real_wards_through_the_stored_index_equal_sjoin(real, tmp_path):
    """Flanders' 2,767 wijken: assign read back from the store (format 2), on 2 threads, against sjoin(intersects)."""
    wijken = gpd.read_file(real / "belgium_flanders" / "ggw7_wijken.shp", columns=[])
    nets = gpd.GeoDataFrame({"network_id": [f"W{i}" for i in range(len(wijken))]}, geometry=wijken.geometry)
    rng = np.random.default_rng(4)
    minx, miny, maxx, maxy = nets.total_bounds
    verts = shapely.get_coordinates(nets.geometry.to_numpy()[::25])
    xy = np.concatenate([rng.uniform((minx, miny), (maxx, maxy), (MIN_POINTS_PER_WORKER * 2, 2)), verts])
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=nets.crs)
    with open_store(tmp_path / "w.gpkg", create=True, crs=nets.crs) as st:
        built = bingeo.assign(pts, nets, store=st, workers=2)
        read = bingeo.assign(pts, nets, store=st, workers=2)
        assert "load" in st.network_locator(nets.geometry.to_numpy()).timings  # read back, not built
    pd.testing.assert_frame_equal(read, built)
    joined = gpd.sjoin(pts, nets, predicate="intersects", how="inner")
    want = set(zip(joined.index, joined["network_id"]))
    ids = read["network_ids"].astype(object).dropna().str.split(";").explode()
    assert set(zip(ids.index, ids)) == want
    assert len(ids) > read["network_ids"].notna().sum() + 100  # points on shared edges were met
