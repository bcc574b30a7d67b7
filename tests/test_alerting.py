"""Alerting end to end through the CLI: members, recipients by area / radius / network, audit, follow-up.

Marker strings are planted in every member field except the id; they may appear in the recipient
exports (that is their purpose) and nowhere else: not in summaries, logs, errors, rejects or the audit log.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
N = 80


def marker(i: int) -> dict[str, str]:
    return {"name": f"ZQXNAAM{i:03d} van 't Hoff", "email": f"zqxmail{i:03d}@example.org"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("alert")
    store = tmp / "bins.gpkg"
    outputs: list[str] = []

    def run(*args, ok=True):
        res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        outputs.append(res.output)
        assert (res.exit_code == 0) == ok, res.output
        return res.output

    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    run("addresses", "import", SAMPLES / "addresses.csv", "--store", store, "--crs", "28992")
    adr = pd.read_csv(SAMPLES / "addresses.csv", dtype=str)
    rng = np.random.default_rng(7)
    picks = adr.iloc[rng.choice(len(adr), N, replace=False)].reset_index(drop=True)
    rows = []
    for i, a in picks.iterrows():
        m = marker(i)
        row = {
            "lidnummer": f"L{i:03d}",
            "naam": m["name"],
            "email": m["email"] if i % 5 != 0 else "",
            "telefoon": f"06-{12000000 + 7919 * i:08d}" if i % 3 != 0 else ("050 " + f"{3130000 + i:07d}"),
            "toestemming": "nee" if i % 11 == 0 else "ja",
            "rol": "coördinator" if i % 17 == 0 else "lid",
            "netwerken": "GR-BIN-001" if i % 4 == 0 else "",
        }
        if i % 2:  # located by address (postcode + huisnummer), the others by coordinates
            row.update(
                postcode=a["postcode"],
                huisnummer=a["huisnummer"],
                huisletter=a["huisletter"] or "",
                toevoeging=a["toevoeging"] or "",
                x="",
                y="",
            )
        else:
            row.update(postcode="", huisnummer="", huisletter="", toevoeging="", x=a["x"], y=a["y"])
        rows.append(row)
    # a row that must be rejected, with markers in it
    rows.append(
        {
            "lidnummer": "L999",
            "naam": "ZQXNAAM999",
            "email": "zqxmail999@",
            "telefoon": "12345",
            "toestemming": "ja",
            "rol": "lid",
            "netwerken": "",
            "postcode": "",
            "huisnummer": "",
            "huisletter": "",
            "toevoeging": "",
            "x": "",
            "y": "",
        }
    )
    members_csv = tmp / "leden.csv"
    pd.DataFrame(rows).to_csv(members_csv, sep=";", index=False, encoding="cp1252")
    run("members", "import", members_csv, "--store", store, "--crs", "28992")
    return {"store": store, "run": run, "outputs": outputs, "tmp": tmp, "picks": picks, "rows": rows}


def stored_members(store):
    with bingeo.open_store(store) as st:
        return st.members()


def expected_people(members: gpd.GeoDataFrame, area) -> set[str]:
    """Brute force: consenting active members covered by the area with a usable contact."""
    ok = members["consent"] & (members["status"] == "active")
    ok &= members["phone"].fillna("").ne("") | members["email"].fillna("").ne("")
    inside = np.array([g is not None and shapely.covers(area, g) for g in members.geometry])
    return set(members.loc[ok & inside, "person_id"])


def test_members_imported_with_rejects(world):
    m = stored_members(world["store"])
    assert len(m) == N  # the bad row is rejected, the rest stored
    assert set(m["located_by"]) == {"coordinates", "postcode"}
    assert (~m["consent"]).sum() == len([i for i in range(N) if i % 11 == 0])
    assert m["phone"].dropna().str.match(r"^\+31\d{9}$").all()
    rej = pd.read_csv(world["store"].with_name("leden.rejects.csv"))
    assert rej["member_id"].tolist() == ["L999"]


def test_area_selection_matches_brute_force_and_is_logged(world):
    m = stored_members(world["store"])
    centre = m.geometry.dropna().iloc[0]
    area = centre.buffer(1500)
    geo = gpd.GeoSeries([area], crs=28992).to_crs(4326)  # as drawn in a web map: WGS84 GeoJSON
    area_file = world["tmp"] / "drawn.geojson"
    area_file.write_text(geo.to_json())
    out_csv = world["tmp"] / "rcp.csv"
    out = world["run"](
        "recipients",
        "--store",
        world["store"],
        "--area",
        area_file,
        "--urgency",
        "urgent",
        "--output",
        out_csv,
        "--operator",
        "agent 007",
        "--reason",
        "PV-2026-1234",
    )
    got = pd.read_csv(out_csv, sep=";", encoding="utf-8-sig", dtype=str)
    # the area went through WGS84 and back: compare with the area as the store reads it
    area_back = bingeo.area_from_file(area_file, target_crs=28992)
    assert set(got["person_id"]) == expected_people(m, area_back)
    assert got["person_id"].is_unique
    with bingeo.open_store(world["store"]) as st:
        log = st.audit()
    rec = log.iloc[-1]
    assert rec["operator"] == "agent 007" and rec["reason"] == "PV-2026-1234" and rec["urgency"] == "urgent"
    logged = set(json.loads(rec["member_ids"]))
    assert logged == {mid for ids in got["member_ids"] for mid in ids.split(";")}
    assert rec.geometry.area == pytest.approx(area_back.area, rel=1e-6)
    assert "Alert A-" in out


def test_around_and_network_selection(world):
    m = stored_members(world["store"])
    c = m.geometry.dropna().iloc[5]
    out_csv = world["tmp"] / "around.csv"
    world["run"](
        "recipients",
        "--store",
        world["store"],
        "--around",
        f"{c.x},{c.y}",
        "--radius",
        "800",
        "--urgency",
        "normal",
        "--output",
        out_csv,
    )
    got = pd.read_csv(out_csv, sep=";", encoding="utf-8-sig", dtype=str)
    assert set(got["person_id"]) == expected_people(m, shapely.Point(c.x, c.y).buffer(800, 128))
    assert set(got["channel"]) <= {"email", "sms", "voice"}
    out_csv = world["tmp"] / "net.csv"
    world["run"](
        "recipients", "--store", world["store"], "--network", "GR-BIN-001", "--output", out_csv, "--coordinators"
    )
    got = pd.read_csv(out_csv, sep=";", encoding="utf-8-sig", dtype=str)
    with bingeo.open_store(world["store"]) as st:
        poly = st.networks().set_index("network_id").geometry["GR-BIN-001"]
    ok = m["consent"] & (m["phone"].fillna("").ne("") | m["email"].fillna("").ne(""))
    by_member = m["networks"].fillna("").str.contains("GR-BIN-001")
    by_location = np.array([g is not None and shapely.covers(poly, g) for g in m.geometry])
    assert set(got["person_id"]) == set(m.loc[ok & (by_member | by_location), "person_id"])


def test_coordinators_of_touched_networks_listed_wherever_they_live(world):
    m = stored_members(world["store"])
    ok = m["consent"] & (m["phone"].fillna("").ne("") | m["email"].fillna("").ne("")) & m["status"].eq("active")
    in_net = m["networks"].fillna("").str.split(";").map(lambda t: "GR-BIN-001" in t)
    coords = m[ok & in_net & m["role"].eq("coordinator")]
    assert len(coords) >= 1
    # a 1 m circle around one ordinary GR-BIN-001 member far from every coordinator
    plain = m[ok & in_net & m["role"].eq("member") & m.geometry.notna()]
    far = plain.geometry.apply(
        lambda g: min(g.distance(c) for c in coords.geometry.dropna()) if len(coords.geometry.dropna()) else 1e9
    )
    target = plain.loc[far.idxmax()]
    assert far.max() > 50
    out_csv = world["tmp"] / "coord.csv"
    world["run"](
        "recipients",
        "--store",
        world["store"],
        "--around",
        f"{target.geometry.x},{target.geometry.y}",
        "--radius",
        "1",
        "--output",
        out_csv,
        "--coordinators",
    )
    got = pd.read_csv(out_csv, sep=";", encoding="utf-8-sig", dtype=str)
    assert set(got["person_id"]) == {target["person_id"]}
    listed = pd.read_csv(out_csv.with_name("coord.coordinators.csv"), sep=";", encoding="utf-8-sig", dtype=str)
    assert set(listed["person_id"]) == set(coords["person_id"])


def test_radius_auto_uses_the_near_repeat_distance(world):
    import re

    m = stored_members(world["store"])
    c = m.geometry.dropna().iloc[3]
    out_csv = world["tmp"] / "auto.csv"
    out = world["run"](
        "recipients",
        "--store",
        world["store"],
        "--around",
        f"{c.x},{c.y}",
        "--radius",
        "auto",
        "--incidents",
        SAMPLES / "incidents.csv",
        "--incidents-crs",
        "28992",
        "--type",
        "woninginbraak",
        "--output",
        out_csv,
    )
    radius = float(re.search(r"--radius auto: ([0-9.]+) m", out).group(1))
    # the same advice from the library on the same burglaries (the Knox test itself is checked in
    # tests/test_nearrepeat.py against brute force and pointpats)
    with bingeo.open_store(world["store"]) as st:
        inc = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992, target_crs=st.crs, extent=st.extent()).points
    advice = bingeo.suggest_alert(inc, types=["woninginbraak"], min_ratio=1.2)
    assert radius == advice.radius > 0
    got = pd.read_csv(out_csv, sep=";", encoding="utf-8-sig", dtype=str)
    assert set(got["person_id"]) == expected_people(m, shapely.Point(c.x, c.y).buffer(radius, 128))
    out = world["run"](
        "recipients",
        "--store",
        world["store"],
        "--around",
        f"{c.x},{c.y}",
        "--radius",
        "auto",
        "--output",
        out_csv,
        ok=False,
    )
    assert "--radius auto needs --incidents" in out


def test_follow_up_reaches_same_people_minus_withdrawn(world):
    with bingeo.open_store(world["store"]) as st:
        first = st.audit().iloc[0]
    ids = json.loads(first["member_ids"])
    assert ids
    # one of them withdraws consent: re-import that member with toestemming nee
    rows = [r for r in world["rows"] if r["lidnummer"] == ids[0]]
    rows[0] = dict(rows[0], toestemming="nee")
    csv = world["tmp"] / "withdraw.csv"
    pd.DataFrame(rows).to_csv(csv, sep=";", index=False, encoding="cp1252")
    world["run"]("members", "import", csv, "--store", world["store"], "--crs", "28992")
    out_csv = world["tmp"] / "afloop.csv"
    out = world["run"](
        "recipients",
        "--store",
        world["store"],
        "--follow-up",
        first["alert_id"],
        "--urgency",
        "normal",
        "--output",
        out_csv,
        "--operator",
        "agent 007",
        "--reason",
        "afloopbericht",
    )
    got = pd.read_csv(out_csv, sep=";", encoding="utf-8-sig", dtype=str)
    sent = {mid for v in got["member_ids"] for mid in v.split(";")}
    assert sent == set(ids) - {ids[0]}
    assert "no_consent 1" in out or "no_consent: 1" in out
    with bingeo.open_store(world["store"]) as st:
        last = st.audit().iloc[-1]
    assert last["action"] == "follow-up" and last["parent_alert_id"] == first["alert_id"]


def test_bad_requests_are_refused_and_not_logged(world):
    with bingeo.open_store(world["store"]) as st:
        before = len(st.audit())
    run, tmp = world["run"], world["tmp"]
    pts = tmp / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=4326).to_file(pts)
    assert (
        "polygon"
        in run("recipients", "--store", world["store"], "--area", pts, "--output", tmp / "x.csv", ok=False).lower()
    )
    assert (
        "radius"
        in run(
            "recipients",
            "--store",
            world["store"],
            "--around",
            "233000,582000",
            "--radius",
            "0",
            "--output",
            tmp / "x.csv",
            ok=False,
        ).lower()
    )
    assert "GR-NOPE" in run(
        "recipients", "--store", world["store"], "--network", "GR-NOPE", "--output", tmp / "x.csv", ok=False
    )
    assert "no alert with id" in run(
        "recipients", "--store", world["store"], "--follow-up", "A-NOPE", "--output", tmp / "x.csv", ok=False
    )
    wkt = tmp / "empty.wkt"
    wkt.write_text("POLYGON EMPTY")
    run("recipients", "--store", world["store"], "--area", wkt, "--output", tmp / "x.csv", ok=False)
    with bingeo.open_store(world["store"]) as st:
        assert len(st.audit()) == before


def _audit_len(world) -> int:
    with bingeo.open_store(world["store"]) as st:
        return len(st.audit())


def _people_reached(world, area) -> set[str]:
    return expected_people(stored_members(world["store"]), area)


def test_area_outside_every_network_says_why_and_names_the_nearest(world):
    """An area far from every network fails, names the nearest network and its distance (brute force)."""
    run, tmp = world["run"], world["tmp"]
    with bingeo.open_store(world["store"]) as st:
        nets = st.networks()
    minx, miny, maxx, maxy = nets.total_bounds
    far = shapely.box(maxx + 2500, miny, maxx + 3000, miny + 500)
    dist = nets.distance(far)
    nearest = nets.loc[dist.idxmin(), "network_id"]
    assert not _people_reached(world, far)
    drawn = tmp / "far.geojson"
    drawn.write_text(gpd.GeoSeries([far], crs=28992).to_crs(4326).to_json())
    before = _audit_len(world)
    out = run("recipients", "--store", world["store"], "--area", drawn, "--output", tmp / "far.csv", ok=False)
    assert "reaches nobody" in out and "outside every network" in out
    assert f"the nearest is {nearest}" in out
    km = re.search(r"([\d.,]+) (km|m) away", out)
    metres = float(km.group(1).replace(",", "")) * (1000 if km.group(2) == "km" else 1)
    assert metres == pytest.approx(dist.min(), abs=60)  # printed to 0.1 km; the WGS84 round trip moves it < 1 m
    assert "No member lives in it" in out and "Traceback" not in out
    assert not (tmp / "far.csv").exists() and _audit_len(world) == before


def test_around_with_lat_lon_swapped_says_what_the_swapped_pair_would_reach(world):
    run, tmp = world["run"], world["tmp"]
    m = stored_members(world["store"])
    centre = m.geometry.dropna().iloc[3]
    lon, lat = pyproj.Transformer.from_crs(28992, 4326, always_xy=True).transform(centre.x, centre.y)
    expected = _people_reached(world, shapely.Point(centre.x, centre.y).buffer(400, quad_segs=32))
    assert expected
    before = _audit_len(world)
    base = ["recipients", "--store", world["store"], "--radius", "400", "--output", tmp / "sw.csv"]
    out = run(*base, "--around", f"{lat},{lon}", "--around-crs", "4326", ok=False)
    assert "reaches nobody" in out and "(x and y swapped)" in out
    n = int(re.search(r"x and y swapped\) it would reach ([\d,]+) person", out).group(1).replace(",", ""))
    # the swapped pair, run as it should have been: the same count, which brute force confirms
    ok = run(*base, "--around", f"{lon},{lat}", "--around-crs", "4326")
    got = pd.read_csv(tmp / "sw.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert n == len(got) and f"{n} recipients" in ok
    assert abs(len(expected) - n) <= 1  # the 128-gon around the reprojected centre vs the brute-force disc
    # lon/lat given without --around-crs: read as metres of the store; the message names the option
    out = run(*base, "--around", f"{lon},{lat}", ok=False)
    assert f"--around-crs 4326 (longitude,latitude) it would reach {n} person" in out
    # a drawn GeoJSON area written latitude first: the swapped reading is named with its count
    area = shapely.Point(centre.x, centre.y).buffer(400, quad_segs=32)
    wgs = gpd.GeoSeries([area], crs=28992).to_crs(4326).iloc[0]
    swapped = tmp / "latfirst.geojson"
    swapped.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {},
                "geometry": shapely.transform(wgs, lambda xy: xy[:, ::-1]).__geo_interface__,
            }
        )
    )
    out = run("recipients", "--store", world["store"], "--area", swapped, "--output", tmp / "lf.csv", ok=False)
    m2 = re.search(r"the x and y of latfirst.geojson swapped it would reach ([\d,]+) person", out)
    assert m2 and int(m2.group(1)) == len(
        _people_reached(world, wgs_back := gpd.GeoSeries([wgs], crs=4326).to_crs(28992).iloc[0])
    )
    assert wgs_back.symmetric_difference(area).area < 1
    assert _audit_len(world) == before + 1


def test_drawn_area_in_rd_metres_without_crs_names_the_crs_and_option(world):
    run, tmp = world["run"], world["tmp"]
    m = stored_members(world["store"])
    area = m.geometry.dropna().iloc[5].buffer(800)
    drawn = tmp / "rd.geojson"
    doc = json.loads(gpd.GeoSeries([area]).to_json())  # no crs member: RD metres read as lon/lat
    doc.pop("crs", None)
    drawn.write_text(json.dumps(doc))
    before = _audit_len(world)
    out = run("recipients", "--store", world["store"], "--area", drawn, "--output", tmp / "rd.csv", ok=False)
    assert "cannot be longitude/latitude" in out and "EPSG:28992" in out and "--area-crs 28992" in out
    assert _audit_len(world) == before and not (tmp / "rd.csv").exists()
    run("recipients", "--store", world["store"], "--area", drawn, "--area-crs", "28992", "--output", tmp / "rd.csv")
    got = pd.read_csv(tmp / "rd.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert set(got["person_id"]) == _people_reached(world, area)
    assert _audit_len(world) == before + 1


def test_area_with_only_unreachable_members_and_empty_store(world, tmp_path):
    run = world["run"]
    m = stored_members(world["store"])
    refusing = m[~m["consent"] & m.geometry.notna()]
    spot = refusing.geometry.iloc[0]
    others = m[m.geometry.notna() & (m["member_id"] != refusing["member_id"].iloc[0])]
    radius = min(float(others.distance(spot).min()) / 2, 50.0)
    assert radius > 1
    before = _audit_len(world)
    out = run(
        "recipients",
        "--store",
        world["store"],
        "--around",
        f"{spot.x},{spot.y}",
        "--radius",
        f"{radius:.2f}",
        "--output",
        tmp_path / "x.csv",
        ok=False,
    )
    assert "reaches nobody" in out and "1 without consent" in out and "outside every network" not in out
    assert _audit_len(world) == before
    # a store with networks and no members
    empty = tmp_path / "empty.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", empty)
    out = run("recipients", "--store", empty, "--network", "GR-BIN-001", "--output", tmp_path / "y.csv", ok=False)
    assert "holds no members" in out and "bingeo members import" in out
    with bingeo.open_store(empty) as st:
        assert st.audit().empty


def test_no_member_data_outside_recipient_exports(world, caplog):
    caplog.set_level(logging.DEBUG, logger="bingeo")
    world["run"]("audit", "list", "--store", world["store"])
    world["run"](
        "recipients", "--store", world["store"], "--network", "GR-BIN-001", "--output", world["tmp"] / "again.csv"
    )
    # web maps of the same store, online and as the library builds them: a members count only
    maps = [world["tmp"] / "members_map.html"]
    world["run"](
        "map",
        "--store",
        world["store"],
        "--incidents",
        SAMPLES / "incidents.csv",
        "--crs",
        "28992",
        "--addresses",
        SAMPLES / "addresses.csv",
        "--fields",
        "soort_delict",
        "--output",
        maps[0],
    )
    with bingeo.open_store(world["store"]) as st:
        maps.append(bingeo.save_map(bingeo.web_map(st, title="alerting"), world["tmp"] / "members_map2.html"))
    m = stored_members(world["store"])
    secrets = set()
    for i in range(N):
        secrets |= set(marker(i).values())
    secrets |= set(m["phone"].dropna()) | set(m["email"].dropna()) | set(m["name"].dropna())
    secrets |= {"ZQXNAAM", "zqxmail"}
    texts = list(world["outputs"]) + [caplog.text]
    texts.append((world["store"].with_name("leden.rejects.csv")).read_text(encoding="utf-8"))
    texts.extend(p.read_text(encoding="utf-8") for p in maps)
    # member locations: no member's coordinates (WGS84, as the map writes them, 5 decimals) on the map
    lonlat = stored_members(world["store"]).to_crs(4326).geometry.dropna()
    secrets |= {f"{g.x:.5f},{g.y:.5f}" for g in lonlat} | {f"{g.y:.5f},{g.x:.5f}" for g in lonlat}
    con = sqlite3.connect(world["store"])
    texts.extend(" ".join(map(str, row)) for row in con.execute("SELECT * FROM audit_log"))
    con.close()
    blob = "\n".join(texts)
    leaked = sorted(s for s in secrets if s and s in blob)
    assert not leaked, f"member data leaked: {len(leaked)} values"
    # and they are in the export, where they belong
    assert "ZQXNAAM" in (world["tmp"] / "again.csv").read_text(encoding="utf-8-sig")
