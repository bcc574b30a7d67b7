"""Tests for bingeo.recipients: areas, selection, channels, export, privacy."""

from __future__ import annotations

import json
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from bingeo.errors import InputError
from bingeo.recipients import (
    Selection,
    area_around,
    area_from_file,
    choose_channel,
    select_recipients,
    write_recipients,
)

CRS = 28992


def member(mid, **kw):
    row = {
        "member_id": mid,
        "person_id": kw.pop("person_id", f"P{mid}"),
        "name": f"Name {mid}",
        "email": f"m{mid}@example.nl",
        "phone": "+31612345678",
        "phone_kind": "mobile",
        "channels": "",
        "consent": True,
        "role": "member",
        "networks": "",
        "status": "active",
        "geometry": shapely.Point(0, 0),
    }
    row.update(kw)
    return row


def frame(rows):
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=CRS)


# ------------------------------------------------------------------ brute force

SQUARE_WITH_HOLE = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(3, 3), (6, 3), (6, 6), (3, 6)]])
MULTI = shapely.MultiPolygon([SQUARE_WITH_HOLE, shapely.box(20, 0, 25, 5)])
TRIANGLE = shapely.Polygon([(0, 0), (7, 1), (2, 9)])
CIRCLE = area_around(5, 5, 4, crs_of_xy=CRS, target_crs=CRS)


def boundary_points(area, n):
    """Vertices and points exactly on edges (midpoints of axis-parallel edges are exact)."""
    coords = shapely.get_coordinates(area.boundary)
    pts = [tuple(c) for c in coords]
    for a, b in zip(coords[:-1], coords[1:]):
        pts.append(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2))
    return pts[:n] if n else pts


@settings(max_examples=40, deadline=None)
@given(
    which=st.sampled_from(["hole", "multi", "triangle", "circle"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_selection_equals_brute_force(which, seed):
    area = {"hole": SQUARE_WITH_HOLE, "multi": MULTI, "triangle": TRIANGLE, "circle": CIRCLE}[which]
    rng = np.random.default_rng(seed)
    pts = [tuple(p) for p in rng.uniform(-2, 27, size=(60, 2))] + boundary_points(area, 0)
    rng.shuffle(pts)
    rows = []
    for i, (x, y) in enumerate(pts):
        kind = rng.integers(0, 6)
        rows.append(
            member(
                i,
                person_id=f"P{rng.integers(0, len(pts) // 2)}",  # shared persons
                consent=bool(kind != 0),
                status="left" if kind == 1 else "active",
                phone="" if kind == 2 else "+31612345678",
                email="" if kind == 2 else f"m{i}@x.nl",
                geometry=shapely.Point(x, y) if kind != 3 else None,
            )
        )
    members = frame(rows)
    sel = select_recipients(members, area=area, urgency="urgent")
    inside = [i for i, r in enumerate(rows) if r["geometry"] is not None and area.covers(r["geometry"])]
    usable = {
        rows[i]["person_id"]
        for i in inside
        if rows[i]["consent"] and rows[i]["status"] == "active" and rows[i]["phone"]
    }
    assert set(sel.recipients["person_id"]) == usable
    assert sel.recipients["person_id"].is_unique
    persons_inside = {rows[i]["person_id"] for i in inside}
    assert sum(sel.excluded.values()) + len(sel.recipients) == len(persons_inside)
    for _, rec in sel.recipients.iterrows():
        ids = [int(m) for m in rec["member_ids"].split(";")]
        assert all(i in inside for i in ids)


def test_boundary_and_vertex_are_inside():
    rows = [
        member(1, geometry=shapely.Point(0, 5)),
        member(2, geometry=shapely.Point(10, 10)),
        member(3, geometry=shapely.Point(4, 4)),
        member(4, geometry=shapely.Point(3, 4.5)),
    ]
    sel = select_recipients(frame(rows), area=SQUARE_WITH_HOLE)
    assert sorted(sel.recipients["member_id"]) == [1, 2, 4]  # 3 in the hole, 4 on the hole's edge


# ------------------------------------------------------------------ dedupe / networks


def nets():
    return gpd.GeoDataFrame(
        {"network_id": ["N1", "N2", "N3"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(50, 50, 60, 60)],
        crs=CRS,
    )


def test_same_person_two_addresses_once():
    rows = [
        member(1, person_id="A", geometry=shapely.Point(1, 1), networks="N1", channels="email"),
        member(2, person_id="A", geometry=shapely.Point(15, 1), networks="N2", phone_kind="landline"),
    ]
    sel = select_recipients(frame(rows), area=shapely.box(0, 0, 20, 10))
    assert len(sel.recipients) == 1
    rec = sel.recipients.iloc[0]
    assert rec["networks"] == "N1;N2" and rec["member_ids"] == "1;2"
    # best contact across rows: row 1 has a mobile (sms, tier 1); row 2 only voice
    assert (rec["channel"], rec["member_id"]) == ("sms", 1)
    assert sel.per_network == {"N1": 1, "N2": 1}


def test_person_in_two_networks_once():
    rows = [member(1, networks="N1;N2", geometry=None)]
    sel = select_recipients(frame(rows), network_ids=["N1", "N2"], network_rule="membership")
    assert list(sel.recipients["networks"]) == ["N1;N2"]


def test_network_rules():
    rows = [
        member(1, networks="N1", geometry=shapely.Point(55, 55)),  # member of N1, lives elsewhere
        member(2, networks="", geometry=shapely.Point(5, 5)),  # lives in N1, not a member
        member(3, networks="N2", geometry=shapely.Point(10, 5)),
    ]  # on the N1/N2 border
    m = frame(rows)

    def get(rule):
        sel = select_recipients(m, network_ids="N1", networks=nets(), network_rule=rule)
        return sorted(sel.recipients["member_id"])

    assert get("membership") == [1]
    assert get("location") == [2, 3]
    assert get("both") == [1, 2, 3]
    with pytest.raises(InputError, match="networks="):
        select_recipients(m, network_ids="N1")


def test_coordinators():
    rows = [
        member(1, networks="N1", geometry=shapely.Point(5, 5)),
        member(2, networks="N1", role="coordinator", geometry=None),
        member(3, networks="N1", person_id="P2", role="coordinator", geometry=None),
        member(4, networks="N3", role="coordinator", geometry=None),
    ]
    sel = select_recipients(frame(rows), area=shapely.box(0, 0, 9, 9), coordinators=True)
    assert list(sel.coordinators["person_id"]) == ["P2"]
    assert select_recipients(frame(rows), area=shapely.box(0, 0, 9, 9)).coordinators is None


# ------------------------------------------------------------------ channels


@pytest.mark.parametrize(
    ("phone", "kind", "email", "prefs", "urgency", "expected"),
    [
        ("+31612345678", "mobile", "a@b.nl", "", "urgent", "sms"),
        ("+31201234567", "landline", "a@b.nl", "", "urgent", "voice"),
        ("", None, "a@b.nl", "", "urgent", "email"),
        ("", None, "", "", "urgent", None),
        ("+31612345678", "mobile", "a@b.nl", "email", "urgent", "sms"),  # urgent never e-mails a phone owner
        ("+31612345678", "mobile", "a@b.nl", "voice", "urgent", "voice"),
        ("+31612345678", "mobile", "a@b.nl", "", "normal", "email"),
        ("+31612345678", "mobile", "a@b.nl", "sms;email", "normal", "sms"),
        ("+31612345678", "mobile", "", "", "normal", "sms"),
        ("+31201234567", "landline", "", "", "normal", "voice"),
        ("+31201234567", "landline", "a@b.nl", "voice", "normal", "email"),  # voice is last resort
        ("+31612345678", "unknown", "", "sms", "urgent", "voice"),  # sms only to mobiles
        ("", None, "", "email", "normal", None),
    ],
)
def test_channel_table(phone, kind, email, prefs, urgency, expected):
    got = choose_channel({"phone": phone, "phone_kind": kind, "email": email, "channels": prefs}, urgency)
    assert (got[0] if got else None) == expected


def test_exclusions():
    rows = [
        member(1, consent=False),
        member(2, status="left"),
        member(3, phone="", email=""),
        member(4, phone="+31201234567", phone_kind="landline", email=""),
        member(5),
    ]
    sel = select_recipients(frame(rows), area=shapely.box(-1, -1, 1, 1), urgency="normal")
    assert sel.excluded == {"no_consent": 1, "no_usable_contact": 1, "left": 1}
    assert sorted(sel.recipients["member_id"]) == [4, 5]


# ------------------------------------------------------------------ areas


def test_geojson_leaflet_polygon_and_circle(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[5.0, 52.0], [5.01, 52.0], [5.01, 52.01], [5.0, 52.01], [5.0, 52.0]]],
                },
            },
            {
                "type": "Feature",
                "properties": {"radius": 200.0},
                "geometry": {"type": "Point", "coordinates": [5.1, 52.1]},
            },
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5.2, 52.2]}},
        ],
    }
    p = tmp_path / "drawn.geojson"
    p.write_text(json.dumps(doc))
    area = area_from_file(p, target_crs=CRS)
    assert isinstance(area, shapely.MultiPolygon) and area.is_valid
    circle = max(area.geoms, key=lambda g: len(g.exterior.coords))
    assert len(circle.exterior.coords) == 129
    assert circle.area == pytest.approx(np.pi * 200**2, rel=1e-3)
    centre = gpd.GeoSeries([shapely.Point(5.1, 52.1)], crs=4326).to_crs(CRS).iloc[0]
    assert circle.centroid.distance(centre) < 1e-6
    # the circle is used by the selection
    inside = frame(
        [
            member(1, geometry=shapely.Point(centre.x + 199, centre.y)),
            member(2, geometry=shapely.Point(centre.x + 201, centre.y)),
        ]
    )
    assert list(select_recipients(inside, area=area).recipients["member_id"]) == [1]


def test_radius_m_and_bad_radius(tmp_path):
    p = tmp_path / "c.geojson"
    feat = {
        "type": "Feature",
        "properties": {"radius_m": 50},
        "geometry": {"type": "Point", "coordinates": [5.1, 52.1]},
    }
    p.write_text(json.dumps(feat))
    assert area_from_file(p, target_crs=CRS).area == pytest.approx(np.pi * 2500, rel=1e-3)
    for bad in (0, -5):
        feat["properties"] = {"radius": bad}
        p.write_text(json.dumps(feat))
        with pytest.raises(InputError, match="positive"):
            area_from_file(p, target_crs=CRS)


def test_no_polygon_and_empty(tmp_path):
    p = tmp_path / "m.geojson"
    p.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5, 52]}}
                ],
            }
        )
    )
    with pytest.raises(InputError, match="no polygon"):
        area_from_file(p, target_crs=CRS)
    with pytest.raises(InputError, match="empty"):
        area_from_file("POLYGON ((0 0, 1 1, 2 2, 0 0))", target_crs=CRS)


def test_wkt_string_file_and_srid(tmp_path):
    sq = "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"
    assert area_from_file(sq, target_crs=CRS).equals(shapely.box(0, 0, 10, 10))
    f = tmp_path / "a.wkt"
    f.write_text(sq)
    assert area_from_file(f, target_crs=CRS).area == 100
    a = area_from_file("SRID=4326;POLYGON ((5 52, 5.01 52, 5.01 52.01, 5 52.01, 5 52))", target_crs=CRS)
    assert 600_000 < a.area < 800_000  # ~ 686 m x 1113 m in RD New


def test_gpkg_union(tmp_path):
    p = tmp_path / "a.gpkg"
    gpd.GeoDataFrame(
        {"network_id": ["a", "b"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=CRS
    ).to_file(p)
    assert (
        area_from_file(p, target_crs=CRS).equals(shapely.box(0, 0, 2, 1).normalize())
        or area_from_file(p, target_crs=CRS).area == 2
    )


def test_area_around():
    disc = area_around(5.1, 52.1, 100, crs_of_xy=4326, target_crs=CRS)
    assert len(disc.exterior.coords) == 129
    for r in (0, -1, float("nan")):
        with pytest.raises(InputError):
            area_around(0, 0, r, crs_of_xy=CRS, target_crs=CRS)
    # issue 13: a store in degrees gets the disc drawn in metres in the national grid, then moved into degrees
    geo = area_around(5.1, 52.1, 100, crs_of_xy=4326, target_crs=4326)
    back = gpd.GeoSeries([geo], crs=4326).to_crs(28992).iloc[0]
    assert back.symmetric_difference(area_around(5.1, 52.1, 100, crs_of_xy=4326, target_crs=28992)).area < 1


def test_unknown_network_lists_ids():
    with pytest.raises(InputError, match="Known ids: N1, N2, N3"):
        select_recipients(frame([member(1)]), network_ids="NX", networks=nets())


# ------------------------------------------------------------------ export


def test_write_csv_and_lists(tmp_path):
    rows = [
        member(1, name="=cmd|' /C calc'!A0", geometry=shapely.Point(1, 1)),
        member(2, name='Zoë ; "Ä"', phone="", email="z@x.nl", geometry=shapely.Point(2, 2)),
        member(3, phone="+3221234567", phone_kind="landline", email="", geometry=shapely.Point(3, 3)),
    ]
    sel = select_recipients(frame(rows), area=shapely.box(0, 0, 5, 5), coordinators=False)
    paths = write_recipients(sel, tmp_path / "alert.csv")
    assert [p.name for p in paths] == ["alert.csv", "alert.sms.txt", "alert.voice.txt", "alert.email.txt"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 4 and raw.replace(b"\r\n", b"").count(b"\n") == 0
    back = pd.read_csv(paths[0], encoding="utf-8-sig", sep=";", dtype=str)
    assert list(back.columns)[:3] == ["member_id", "person_id", "name"]
    assert back.loc[0, "name"] == "'=cmd|' /C calc'!A0"
    assert back.loc[1, "name"] == 'Zoë ; "Ä"'
    assert back.loc[0, "contact"] == "'+31612345678"
    assert (tmp_path / "alert.sms.txt").read_text() == "+31612345678\n"
    assert (tmp_path / "alert.voice.txt").read_text() == "+3221234567\n"
    assert (tmp_path / "alert.email.txt").read_text() == "z@x.nl\n"
    assert write_recipients(sel, tmp_path / "b.csv", lists=False) == [tmp_path / "b.csv"]


def test_write_empty_selection(tmp_path):
    sel = select_recipients(frame([member(1)]), area=shapely.box(5, 5, 6, 6))
    paths = write_recipients(sel, tmp_path / "e.csv")
    assert paths[0].read_bytes() == "\ufeffmember_id;person_id;name;channel;contact;networks;member_ids\r\n".encode()
    assert all(p.read_text() == "" for p in paths[1:])


# ------------------------------------------------------------------ privacy


def test_no_personal_data_in_summary_errors_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    markers = []

    def planted(i, **kw):
        tag = f"SECRET{i}X"
        markers.extend([tag, f"{tag}@leak.nl", f"+3161{i:07d}"])
        return member(i, name=tag, email=f"{tag}@leak.nl", phone=f"+3161{i:07d}", person_id=f"P{i}", **kw)

    rows = [
        planted(1, networks="N1", geometry=shapely.Point(1, 1)),
        planted(2, consent=False, networks="N1", geometry=shapely.Point(2, 2)),
        planted(3, status="left", geometry=shapely.Point(3, 3)),
        planted(4, role="coordinator", networks="N1", geometry=None),
    ]
    rows.append(member(5, name="SECRET5X", email="", phone="", geometry=shapely.Point(4, 4)))
    markers.append("SECRET5X")
    m = frame(rows)
    sel = select_recipients(m, area=shapely.box(0, 0, 5, 5), network_ids="N1", networks=nets(), coordinators=True)
    assert len(sel.recipients) == 1 and len(sel.coordinators) == 1
    texts = [sel.summary(), " ".join(sel.excluded), caplog.text, repr(sel.per_channel), repr(sel.per_network)]
    for call in (
        lambda: select_recipients(m, network_ids="NX", networks=nets()),
        lambda: select_recipients(m, area=shapely.box(0, 0, 1, 1), urgency="SECRET1X"),
        lambda: select_recipients(m.drop(columns="status"), area=shapely.box(0, 0, 1, 1)),
        lambda: select_recipients(m),
    ):
        with pytest.raises(InputError) as exc:
            call()
        texts.append(str(exc.value))
    write_recipients(sel, tmp_path / "p.csv")
    texts.append(caplog.text)
    blob = "\n".join(texts)
    assert "SECRET" not in blob.replace("`urgency` must be one of urgent, normal, got 'SECRET1X'", "")
    for mark in markers:
        assert mark not in sel.summary()


def test_selection_summary_counts():
    sel = select_recipients(frame([member(1, networks="N1")]), area=shapely.box(-1, -1, 1, 1))
    assert isinstance(sel, Selection)
    assert sel.summary().splitlines() == [
        "1 recipients (sms 1, voice 0, email 0)",
        "excluded: no_consent 0, no_usable_contact 0, left 0",
        "per network: N1 1",
    ]


def test_empty_geojson_polygon(tmp_path):
    p = tmp_path / "flat.geojson"
    p.write_text(json.dumps({"type": "Polygon", "coordinates": [[[5, 52], [5, 52.5], [5, 53], [5, 52]]]}))
    with pytest.raises(InputError, match="empty"):
        area_from_file(p, target_crs=CRS)
    with pytest.raises(InputError, match="no polygon"):
        area_from_file("LINESTRING (0 0, 1 1)", target_crs=CRS)


@pytest.mark.parametrize(
    ("epsg", "box"),
    [
        (28992, (233000, 582000, 233400, 582300)),
        (31370, (150000, 170000, 150400, 170300)),
        (3812, (650000, 670000, 650400, 670300)),
    ],
    ids=["rd", "lambert72", "lambert2008"],
)
def test_metric_geojson_without_crs_names_the_crs_it_looks_like(tmp_path, epsg, box):
    """A drawn area in national metres without a `crs` member is refused with the CRS and --area-crs; with it, read."""
    poly = shapely.box(*box)
    path = tmp_path / "area.geojson"
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": poly.__geo_interface__}],
    }
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=rf"cannot be longitude/latitude.*EPSG:{epsg}.*--area-crs {epsg}"):
        area_from_file(path, target_crs=epsg)
    assert area_from_file(path, target_crs=epsg, crs=epsg).equals(poly)
    # read in another store CRS: reprojected, same place (reference: pyproj through geopandas)
    ref = gpd.GeoSeries([poly], crs=epsg).to_crs(4326).iloc[0]
    assert area_from_file(path, target_crs=4326, crs=epsg).symmetric_difference(ref).area < 1e-12
    # a file that names its CRS must agree with the option
    doc["crs"] = {"type": "name", "properties": {"name": f"EPSG:{epsg}"}}
    path.write_text(json.dumps(doc))
    assert area_from_file(path, target_crs=epsg).equals(poly)
    with pytest.raises(InputError, match="--area-crs gives"):
        area_from_file(path, target_crs=epsg, crs=4326)


def test_swap_xy_reads_y_first():
    a = area_from_file("POLYGON ((0 10, 0 20, 5 20, 5 10, 0 10))", target_crs=28992, swap_xy=True)
    assert a.equals(shapely.box(10, 0, 20, 5))


def test_around_metres_given_as_lonlat_names_the_crs():
    with pytest.raises(InputError, match=r"233500,582000 cannot be longitude/latitude.*--around-crs 28992"):
        area_around(233500, 582000, 100, crs_of_xy=4326, target_crs=28992)
