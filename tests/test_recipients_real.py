"""Recipient selection on real address points (Vancouver) equals a brute-force reference.

Synthetic members live on real City of Vancouver address points (BC Albers, EPSG:3005), in a store whose
networks are Vancouver's 22 local areas. Some members sit exactly on a vertex or an edge of the area
being selected. The reference is a plain loop of ``shapely.covers`` over every member, with consent,
status and a usable contact checked by hand; bingeo selects through the store (R-tree in SQL, its own
point-in-polygon kernel) with :func:`bingeo.send_alert`.
"""

from __future__ import annotations

import gzip

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from tests.conftest import REAL_DATA

pytestmark = pytest.mark.requires("real-data")

VANCOUVER = REAL_DATA / "vancouver"


def _member_rows(points: np.ndarray, rng: np.random.Generator, start: int) -> list[dict]:
    rows = []
    for k, p in enumerate(points):
        i = start + k
        rows.append(
            {
                "member_id": f"V{i:05d}",
                "name": f"Member {i}",
                "email": f"member{i}@example.org" if i % 4 or i % 3 == 0 else "",
                "phone": f"06{12000000 + i:08d}" if i % 3 else "",
                "consent": "no" if i % 13 == 0 else "yes",
                "status": "left" if i % 17 == 5 else "active",
                "networks": "",
                "geometry": shapely.Point(p),
            }
        )
    return rows


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vancouver")
    store_path = tmp / "bins.gpkg"
    bingeo.import_networks(
        VANCOUVER / "vancouver_local_areas.geojson",
        store_path,
        id_field="mapid",
        name_field="name",
        kind="bin",
        store_crs=3005,
    )
    with gzip.open(VANCOUVER / "vancouver_property_addresses_sample.csv.gz", "rt", encoding="utf-8") as fh:
        adr = pd.read_csv(fh)
    rng = np.random.default_rng(2026)
    pick = adr.iloc[rng.choice(len(adr), 6000, replace=False)]
    pts = np.column_stack([pick["albers_x"].to_numpy(float), pick["albers_y"].to_numpy(float)])
    with bingeo.open_store(store_path) as st:
        nets = st.networks().set_index("network_id")
    # the areas selected below, built now so that members can be put exactly on their boundaries
    downtown, west_end, fairview = (
        max(shapely.get_parts(nets.geometry[nets["name"] == n].iloc[0]), key=lambda g: g.area)
        for n in ("Downtown", "West End", "Fairview")
    )
    centre = fairview.centroid
    polygon = shapely.Polygon(
        np.column_stack(
            [
                centre.x
                + 1400
                * np.cos(np.linspace(0, 2 * np.pi, 400)[:-1])
                * (1 + 0.3 * np.sin(7 * np.linspace(0, 2 * np.pi, 400)[:-1])),
                centre.y + 900 * np.sin(np.linspace(0, 2 * np.pi, 400)[:-1]),
            ]
        )
    )
    hole = downtown.centroid.buffer(350)
    multi = shapely.MultiPolygon([shapely.Polygon(downtown.exterior, [hole.exterior]), fairview])
    c = shapely.Point(pts[17])
    circle = bingeo.area_around(c.x, c.y, 650.0, crs_of_xy=3005, target_crs=3005)
    areas = {"polygon": polygon, "multi_with_hole": multi, "circle": circle}
    # members exactly on boundaries: vertices, and points on edges (midpoints of vertex pairs with
    # exactly representable halves are not guaranteed, so vertices are the exact cases; edge points
    # interpolated along the boundary are the near cases)
    edge = []
    for geom in (polygon, multi, circle, west_end):
        ring = shapely.get_coordinates(geom.boundary)
        edge.append(ring[:: max(1, len(ring) // 25)])
        line = geom.boundary
        edge.append(
            shapely.get_coordinates(shapely.line_interpolate_point(line, np.linspace(0, 1, 20), normalized=True))
        )
    on_edge = np.concatenate(edge)
    rows = _member_rows(pts, rng, 0) + _member_rows(on_edge, rng, len(pts))
    # members who joined West End (membership), wherever they live
    for r in rows[::97]:
        r["networks"] = str(nets.index[nets["name"] == "West End"][0])
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=3005)
    res = bingeo.members_from_frame(frame)
    assert len(res.rejects) == 0, res.rejects["reject_reason"].value_counts().to_dict()
    with bingeo.open_store(store_path) as st:
        st.upsert_members(res.members)
    return {
        "store": store_path,
        "areas": areas,
        "nets": nets,
        "on_edge": len(on_edge),
        "tmp": tmp,
        "west_end": nets.geometry[nets["name"] == "West End"].iloc[0],
    }


def _stored(world) -> gpd.GeoDataFrame:
    with bingeo.open_store(world["store"]) as st:
        return st.members()


def _reachable(m: gpd.GeoDataFrame) -> np.ndarray:
    ok = m["consent"].to_numpy(bool) & (m["status"] == "active").to_numpy()
    return ok & (m["phone"].fillna("").ne("") | m["email"].fillna("").ne("")).to_numpy()


def _brute(m: gpd.GeoDataFrame, area) -> set[str]:
    inside = np.array([g is not None and shapely.covers(area, g) for g in m.geometry])
    return set(m.loc[_reachable(m) & inside, "person_id"])


@pytest.mark.parametrize("name", ["polygon", "multi_with_hole", "circle"])
def test_area_selection_equals_brute_force(world, name):
    area = world["areas"][name]
    m = _stored(world)
    with bingeo.open_store(world["store"]) as st:
        alert = bingeo.send_alert(
            st, world["tmp"] / f"{name}.csv", area=area, urgency="urgent", operator="test", reason="real data"
        )
    got = set(alert.selection.recipients["person_id"])
    want = _brute(m, area)
    assert got == want
    assert len(want) > 50
    # the boundary members really are on the boundary, and selected
    on_boundary = [g for g in m.geometry if shapely.distance(area.boundary, g) == 0]
    assert len(on_boundary) > 20
    assert {
        pid
        for pid, g, ok in zip(m["person_id"], m.geometry, _reachable(m))
        if ok and shapely.distance(area.boundary, g) == 0
    } <= got
    if name == "multi_with_hole":  # members in the hole are out
        hole = shapely.Polygon(area.geoms[0].interiors[0])
        assert any(shapely.contains(hole, g) for g in m.geometry)
        assert not any(shapely.contains(hole, g) for g in m.loc[m["person_id"].isin(got)].geometry)


@pytest.mark.parametrize("rule", ["location", "membership", "both"])
def test_network_selection_equals_brute_force(world, rule):
    m = _stored(world)
    west_end_id = str(world["nets"].index[world["nets"]["name"] == "West End"][0])
    with bingeo.open_store(world["store"]) as st:
        alert = bingeo.send_alert(
            st, world["tmp"] / f"net_{rule}.csv", network_ids=[west_end_id], network_rule=rule, urgency="normal"
        )
    poly = world["west_end"]
    located = np.array([g is not None and shapely.covers(poly, g) for g in m.geometry])
    joined = m["networks"].fillna("").str.split(";").apply(lambda ids: west_end_id in ids).to_numpy()
    chosen = {"location": located, "membership": joined, "both": located | joined}[rule]
    want = set(m.loc[_reachable(m) & chosen, "person_id"])
    assert set(alert.selection.recipients["person_id"]) == want
    assert joined.sum() > 10 and located.sum() > 100
