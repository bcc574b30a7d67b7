"""Web maps without a browser: what the HTML holds, checked against brute-force references.

The maps are made through the CLI on the sample data (tests/browser/webmap_world.py); the browser
tests (tests/browser/test_webmap_browser.py) open the same files in Chromium.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sqlite3

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

import bingeo
from bingeo import _webassets
from bingeo.errors import BingeoError, InputError
from bingeo.webmap import save_map, web_map
from tests.browser.webmap_world import (
    FIELDS,
    N_MEMBERS,
    SAMPLES,
    build_world,
    data_block,
    decode_png,
    decode_points,
    marker,
    run,
)
from tests.conftest import need


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory)


@pytest.fixture(scope="module")
def online_html(world):
    return world["online"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def incidents(world):
    with bingeo.open_store(world["store"]) as st:
        return bingeo.read_points(SAMPLES / "incidents.csv", crs=28992, target_crs=st.crs, extent=st.extent()).points


def _networks(world):
    with bingeo.open_store(world["store"]) as st:
        return st.networks(include_retired=True), st.members()


def _covers(polys, points: gpd.GeoDataFrame) -> np.ndarray:
    """Brute force: (networks x points) boolean matrix of shapely.covers."""
    geoms = points.geometry.to_numpy()
    return np.array([[g is not None and not g.is_empty and shapely.covers(p, g) for g in geoms] for p in polys])


# --------------------------------------------------------------------------- networks


def test_network_popups_count_as_brute_force(world, online_html, incidents):
    nets, members = _networks(world)
    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992, target_crs=nets.crs).points
    feats = []
    for key in ("active", "retired"):
        if f'id="bingeo-networks-{key}"' in online_html:
            d = data_block(online_html, f"bingeo-networks-{key}")
            feats += [dict(zip(d["labels"], f["properties"]["v"])) for f in d["geojson"]["features"]]
    got = {f["Network id"]: f for f in feats}
    assert set(got) == set(nets["network_id"])  # every network, active and retired
    polys = nets.geometry.to_numpy()
    inc_in = _covers(polys, incidents).sum(axis=1)
    # addresses: a coarse prefilter by bounding box keeps the brute force quick
    adr_in = np.array([int(shapely.covers(p, adr.geometry.to_numpy()).sum()) for p in polys])
    # members: active, by membership or location, each person (person_id) once
    active = members[members["status"] == "active"]
    loc = _covers(polys, active)
    for k, row in enumerate(nets.itertuples()):
        f = got[row.network_id]
        assert f["Incidents inside"] == inc_in[k], row.network_id
        assert f["Addresses inside"] == adr_in[k], row.network_id
        joined = active["networks"].fillna("").str.split(";").apply(lambda ids, n=row.network_id: n in ids)
        persons = set(active.loc[joined.to_numpy() | loc[k], "person_id"])
        assert f["Members (count)"] == len(persons), row.network_id
        assert f["Kind"] == row.kind and f["Status"] == row.status
    assert sum(f["Members (count)"] for f in feats) > 0  # the members are really counted


def test_network_geometry_simplified_and_rounded(world, online_html):
    nets, _ = _networks(world)
    d = data_block(online_html, "bingeo-networks-active")
    text = re.search(r'id="bingeo-networks-active">(.*?)</script>', online_html, re.S).group(1)
    decimals = [len(m) for m in re.findall(r"\d+\.(\d+)", text.split('"features"', 1)[1])]
    assert max(decimals) <= 5  # coordinates rounded to 1e-5 degrees
    by_id = nets.set_index("network_id")
    to_rd = pyproj.Transformer.from_crs(4326, nets.crs, always_xy=True)
    for f in d["geojson"]["features"]:
        nid = f["properties"]["v"][0]
        drawn = shapely.transform(
            shapely.geometry.shape(f["geometry"]), lambda c: np.column_stack(to_rd.transform(c[:, 0], c[:, 1]))
        )
        # simplification (1 m) + rounding (<= 0.8 m): the drawn boundary stays within 2 m of the stored one
        assert shapely.hausdorff_distance(drawn.boundary, by_id.loc[nid].geometry.boundary) < 2.0, nid


# --------------------------------------------------------------------------- incidents


def test_incident_points_round_trip_with_only_the_named_fields(online_html, incidents):
    d = data_block(online_html, "bingeo-incidents")
    assert d["fields"] == FIELDS
    got = decode_points(d)
    ref = incidents.to_crs(4326)
    ref_latlon = np.column_stack([np.round(ref.geometry.y * 1e5), np.round(ref.geometry.x * 1e5)]).astype(np.int64)
    # same multiset of (lat, lon, soort_delict, pleegdatum)
    values = [[None if c < 0 else d["values"][k][c] for c in d["codes"][k]] for k in range(len(FIELDS))]
    got_rows = sorted(zip(got[:, 0].tolist(), got[:, 1].tolist(), *values), key=str)

    def day_time(t):
        if pd.isna(t):
            return None
        if t == t.normalize():
            return f"{t.year:04d}-{t.month:02d}-{t.day:02d}"
        seconds = f":{t.second:02d}" if t.second else ""
        return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}{seconds}"

    dates = [day_time(t) for t in incidents["pleegdatum"]]
    ref_rows = sorted(
        zip(ref_latlon[:, 0].tolist(), ref_latlon[:, 1].tolist(), incidents["soort_delict"].tolist(), dates), key=str
    )
    assert got_rows == ref_rows
    # the columns not named never reach the page
    raw = pd.read_csv(SAMPLES / "incidents.csv", sep=";", encoding="cp1252", dtype=str)
    for col in ("omschrijving", "registratienummer"):
        leaked = [v for v in raw[col].dropna().unique() if len(v) > 12 and v in online_html]
        assert not leaked, (col, leaked[:3])


def _one_point_map(radius: float, lat: float = 53.2, lon: float = 6.57):
    x, y = pyproj.Transformer.from_crs(4326, 28992, always_xy=True).transform(lon, lat)
    pts = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(x, y)], crs=28992)
    m = web_map(None, incidents=pts, density_radius=radius)
    return data_block(m.get_root().render(), "bingeo-density")


@pytest.mark.parametrize("radius", [150.0, 400.0], ids=["r150", "r400"])
def test_density_radius_is_metres_on_the_ground(radius):
    lat, lon = 53.2, 6.57
    d = _one_point_map(radius, lat, lon)
    img = decode_png(d["url"])
    (s, w), (n, e) = d["bounds"]
    fwd = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    (x0, x1), (y0, y1) = fwd.transform([w, e], [s, n])
    rows, cols = img.shape[:2]
    px, py = (x1 - x0) / cols, (y1 - y0) / rows  # Web Mercator metres per image pixel
    on = img[..., 3] > 0
    r_idx, c_idx = np.nonzero(on)
    width_m = (c_idx.max() - c_idx.min() + 1) * px
    height_m = (r_idx.max() - r_idx.min() + 1) * py
    # a quartic kernel of radius r covers a disc of diameter 2r on the ground: 2r / cos(lat) in Mercator metres
    expected = 2 * radius / np.cos(np.radians(lat))
    cell = d["cell_size"] / np.cos(np.radians(lat))
    assert abs(width_m - expected) <= 2.5 * cell + 2 * px
    assert abs(height_m - expected) <= 2.5 * cell + 2 * py
    # and centred on the incident
    cx = x0 + (c_idx.min() + c_idx.max() + 1) / 2 * px
    cy = y1 - (r_idx.min() + r_idx.max() + 1) / 2 * py
    ex, ey = fwd.transform(lon, lat)
    assert abs(cx - ex) <= cell + px and abs(cy - ey) <= cell + py


def test_density_rejects_a_bad_radius():
    with pytest.raises(InputError, match="density_radius"):
        web_map(None, density_radius=0)


# --------------------------------------------------------------------------- hot spots, proposals


def test_hotspots_and_proposals_layers(world, online_html):
    hs = gpd.read_file(world["hotspots"], layer="hotspots")
    d = data_block(online_html, "bingeo-hotspots")
    feats = d["geojson"]["features"]
    assert len(feats) == len(hs)
    labels = sorted(f["properties"].get("label", "") for f in feats if f["properties"].get("label"))
    assert labels == sorted(f"#{r}" for r in hs.loc[hs["uncovered"].astype(bool), "rank"])
    styles = {f["properties"]["s"] for f in feats}
    assert styles == {"uncovered" if u else "covered" for u in hs["uncovered"].astype(bool)}
    props = gpd.read_file(world["proposals"], layer="proposals")
    dp = data_block(online_html, "bingeo-proposals")
    got = sorted(dict(zip(dp["labels"], f["properties"]["v"]))["Households"] for f in dp["geojson"]["features"])
    assert got == sorted(props["households"].tolist())


def test_hotspot_result_explore(world, incidents):
    nets, _ = _networks(world)
    res = bingeo.find_hotspots(incidents, networks=nets[nets["status"] == "active"])
    m = res.explore(nets, title="Gi*")
    assert isinstance(m, folium.Map)
    d = data_block(m.get_root().render(), "bingeo-hotspots")
    assert len(d["geojson"]["features"]) == len(res.hotspots)


# --------------------------------------------------------------------------- HTML and assets


def test_online_html_links_only_the_pinned_packages(online_html):
    srcs = re.findall(r'<script[^>]+src="([^"]+)"', online_html)
    css = re.findall(r'<link[^>]+href="([^"]+)"', online_html)
    js_links, css_links = _webassets.cdn_links()
    assert srcs == [u for _, u in js_links]
    assert css == [u for _, u in css_links]
    for gone in ("jquery", "bootstrap", "awesome-markers", "fontawesome"):
        assert gone not in online_html.lower()
    assert "<title>Groningen &lt;BIN&gt; &amp; co</title>" in online_html  # the title is escaped


def _offline(world):
    if world["offline"] is None:
        need("web-map assets", "run `bingeo assets fetch` (the offline map needs the npm packages)")
    return world["offline"].read_text(encoding="utf-8")


def test_offline_html_is_self_contained(world):
    page = _offline(world)
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", page, re.I)
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", page):
        assert url.startswith(("data:", "#")), url
    for p in _webassets.PACKAGES:
        for f in p.js:
            assert (_webassets.assets_dir() / p.folder / f).read_text(encoding="utf-8")[:200] in page
    # offline maps start on the empty base map: no tile layer is added at start
    assert "No base map (offline)" in page


def test_offline_without_assets_names_the_fetch_command(world, tmp_path, monkeypatch):
    monkeypatch.setenv("BINGEO_ASSETS", str(tmp_path / "empty"))
    m = web_map(None, offline=True)
    with pytest.raises(_webassets.AssetsMissingError, match="bingeo assets fetch"):
        save_map(m, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()
    out = run(["map", "--store", world["store"], "--offline", "--output", tmp_path / "y.html"], ok=False)
    assert "bingeo assets fetch" in out and not (tmp_path / "y.html").exists()
    out = run(["assets", "status"], ok=False)
    assert "bingeo assets fetch" in out


def test_integrity_is_checked_before_anything_is_written(tmp_path, monkeypatch):
    pkg = _webassets.PACKAGES[0]
    data = b"not the leaflet tarball"
    good = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    _webassets._check_integrity(data, good, "x")  # the right hash passes
    with pytest.raises(BingeoError, match="integrity"):
        _webassets._check_integrity(data + b"!", good, "x")
    monkeypatch.setattr(_webassets, "_download", lambda url, timeout: data)  # a tampered registry answer
    with pytest.raises(BingeoError, match=f"{pkg.tarball}.*integrity"):
        _webassets.fetch_assets(tmp_path / "cache")
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


# --------------------------------------------------------------------------- CLI errors


def test_map_cli_errors(world, tmp_path):
    base = ["map", "--store", world["store"], "--incidents", SAMPLES / "incidents.csv", "--crs", "28992"]
    out = run(base + ["--fields", "nope", "--output", tmp_path / "a.html"], ok=False)
    assert "nope" in out and "soort_delict" in out  # names the columns there are
    out = run(base + ["--hotspots", world["proposals"], "--output", tmp_path / "b.html"], ok=False)
    assert "hotspots" in out  # a GeoPackage without a hotspots layer
    out = run(base + ["--output", tmp_path / "c.png"], ok=False)
    assert ".html" in out
    assert not list(tmp_path.glob("*.html"))


# --------------------------------------------------------------------------- privacy


def test_no_member_data_in_any_map_file(world):
    with bingeo.open_store(world["store"]) as st:
        members = st.members()
    secrets = {"ZQWNAAM", "zqwmail", "ZQWKANAAL"}
    for i in range(N_MEMBERS):
        secrets |= set(marker(i).values())
    secrets |= set(members["phone"].dropna()) | set(members["email"].dropna()) | set(members["name"].dropna())
    secrets |= {r["telefoon"] for r in world["rows"]}
    secrets.discard("")
    # member locations, as they would be written in WGS84 (5 and 6 decimals) or in the store's CRS
    wgs = members.to_crs(4326)
    locations = set()
    for g, h in zip(wgs.geometry, members.geometry):
        for nd in (5, 6):
            locations.add(f"{round(g.x, nd)},{round(g.y, nd)}")
        locations.add(f"{h.x:.2f}")
    files = [p for p in world["maps"].rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files)
    leaked = []
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        leaked += [(p.name, s[:7]) for s in secrets if s in text]
        leaked += [(p.name, "location") for s in locations if s in text]
    leaked += [("map command output", s[:7]) for s in secrets for o in world["map_outputs"] if s in o]
    assert not leaked, f"member data in map files: {len(leaked)} (first {leaked[:3]})"
    # the members are there to leak: the store holds the markers
    con = sqlite3.connect(world["store"])
    assert con.execute("SELECT count(*) FROM members WHERE name LIKE 'ZQWNAAM%'").fetchone()[0] == N_MEMBERS
    con.close()


def test_text_from_the_data_cannot_break_out_of_the_page():
    nets = gpd.GeoDataFrame(
        {"network_id": ["A"], "name": ["</script><b>x</b>"], "kind": ["bin"], "status": ["active"]},
        geometry=[shapely.box(233000, 582000, 234000, 583000)],
        crs=28992,
    )
    page = web_map(nets, title="<i>t</i>").get_root().render()
    assert "</script><b>" not in page and "<i>t</i>" not in page
    d = data_block(page, "bingeo-networks-active")
    assert d["geojson"]["features"][0]["properties"]["t"] == "</script><b>x</b>"  # kept as text


def test_evaluation_summaries_in_network_popups(tmp_path):
    store = tmp_path / "bins.gpkg"  # with the update: GR-BIN-015 was founded inside the incidents' period
    run(["networks", "import", SAMPLES / "networks.gpkg", "--store", store])
    run(["networks", "import", SAMPLES / "networks_update.geojson", "--store", store])
    ev_json = tmp_path / "eval.json"
    run(
        [
            "evaluate",
            "--store",
            store,
            "--incidents",
            SAMPLES / "incidents.csv",
            "--crs",
            "28992",
            "--all",
            "--around-founding",
            "9",
            "--output",
            ev_json,
        ]
    )
    import json

    payload = json.loads(ev_json.read_text(encoding="utf-8"))
    evaluated = {nid: r for nid, r in payload["networks"].items()}
    assert evaluated, "the sample has networks founded inside the incident period"
    out = tmp_path / "eval_map.html"
    run(["map", "--store", store, "--evaluation", ev_json, "--output", out])
    html = out.read_text(encoding="utf-8")
    d = data_block(html, "bingeo-networks-active")
    feats = {f["properties"]["v"][0]: dict(zip(d["labels"], f["properties"]["v"])) for f in d["geojson"]["features"]}
    for nid, r in evaluated.items():
        f = feats[nid]
        counts = r["counts"]["R"]
        assert f["Before → after (in network)"].startswith(f"{counts['before']} → {counts['after']}")
        assert f["WDQ"] == ("undefined" if r["wdq"] is None else pytest.approx(r["wdq"], abs=1e-3))
        assert f["Evaluation"] == r["interpretation"]
    not_done = set(payload["not_evaluated"]) & set(feats)
    assert all(feats[n]["WDQ"] is None and feats[n]["Evaluation"] for n in not_done)
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert "no 'popups'" in run(["map", "--store", store, "--evaluation", bad, "--output", out], ok=False)


def test_member_counts_after_networks_without_geometry_are_dropped():
    """A store network with an empty geometry is not drawn, and the member counts stay aligned."""

    class Store:  # duck-typed store: networks, members, crs
        crs = pyproj.CRS.from_epsg(28992)

        def networks(self, at=None, include_retired=False):
            return gpd.GeoDataFrame(
                {"network_id": ["A", "B", "C"], "name": ["a", "b", "c"], "kind": "bin", "status": "active"},
                geometry=[shapely.box(0, 0, 10, 10), shapely.Polygon(), shapely.box(20, 0, 30, 10)],
                crs=self.crs,
            )

        def members(self, columns=None):
            return gpd.GeoDataFrame(
                {
                    "member_id": ["m1", "m2", "m3", "m4"],
                    "person_id": ["p1", "p2", "p3", "p1"],
                    "networks": ["C", "B; A", "C", None],
                    "status": ["active", "active", "left", "active"],
                },
                geometry=[shapely.Point(5, 5), None, shapely.Point(25, 5), shapely.Point(25, 5)],
                crs=self.crs,
            )

    m = web_map(Store(), draw=False)
    d = data_block(m.get_root().render(), "bingeo-networks-active")
    got = {
        f["properties"]["v"][0]: dict(zip(d["labels"], f["properties"]["v"]))["Members (count)"]
        for f in d["geojson"]["features"]
    }
    assert got == {"A": 2, "C": 1}  # A: p1 (location), p2 (membership); C: p1 once (membership and location)


# --------------------------------------------------------------------------- which incidents


def test_map_follows_the_hotspots_type_and_period(world, incidents, tmp_path):
    """`map --type/--from/--to`: density, points and counts are those of the hot spots' incidents, and say so.

    Reference: the incidents filtered here with pandas (type equal, lo <= date < hi, a TO day on which no
    incident of the type falls, so either reading of TO gives the same set), and a map built from them alone.
    """
    kind = "woninginbraak"
    lo = pd.Timestamp("2022-03-01")
    days = set(incidents.loc[incidents["soort_delict"] == kind, "pleegdatum"].dt.normalize())
    hi = next(
        d for d in pd.date_range("2023-06-01", periods=60) if d not in days and d - pd.Timedelta(days=1) not in days
    )
    ref = incidents[
        (incidents["soort_delict"] == kind) & (incidents["pleegdatum"] >= lo) & (incidents["pleegdatum"] < hi)
    ]
    assert 0 < len(ref) < len(incidents)
    opts = ["--type", kind, "--from", str(lo.date()), "--to", str(hi.date())]
    hs_out = run(
        ["hotspots", SAMPLES / "incidents.csv", "--store", world["store"], "--crs", "28992"]
        + ["--output", tmp_path / "hs.gpkg", *opts]
    )
    out = tmp_path / "filtered.html"
    text = run(
        ["map", "--store", world["store"], "--incidents", SAMPLES / "incidents.csv", "--crs", "28992"]
        + ["--hotspots", tmp_path / "hs.gpkg", "--fields", "soort_delict", "--title", "Groningen"]
        + ["--output", out, *opts]
    )
    page = out.read_text(encoding="utf-8")
    # the points: exactly the reference incidents
    d = data_block(page, "bingeo-incidents")
    got = decode_points(d)
    r4326 = ref.to_crs(4326)
    expected = np.column_stack([np.round(r4326.geometry.y * 1e5), np.round(r4326.geometry.x * 1e5)]).astype(np.int64)
    assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, expected.tolist()))
    assert set(d["values"][0]) == {kind}
    # the density: the same image as a map of the reference incidents alone
    alone = web_map(None, incidents=ref)
    assert data_block(page, "bingeo-density") == data_block(alone.get_root().render(), "bingeo-density")
    # the same incidents as the hot spots: their count is in both summaries
    assert f"{len(ref):,} of" in hs_out
    assert f"{len(ref):,} incidents: type {kind}" in text
    # the map says what it shows: title box, legend and layer names name the type and the period
    shows = re.search(r'class="bingeo-shows">Incidents: ([^<]*)<', page).group(1)
    assert kind in shows and str(lo.date()) in shows and str(hi.date()) in shows
    assert page.count(f"Incidents: type {kind}") >= 2  # title box and legend
    # without options: "all incidents"
    assert "all incidents" in run(
        ["map", "--store", world["store"], "--incidents", SAMPLES / "incidents.csv", "--crs", "28992"]
        + ["--output", tmp_path / "all.html"]
    )
    # an unknown type is an error naming the values there are, as for the hot spots
    bad = run(
        ["map", "--store", world["store"], "--incidents", SAMPLES / "incidents.csv", "--crs", "28992"]
        + ["--type", "nope", "--output", tmp_path / "bad.html"],
        ok=False,
    )
    assert "nope" in bad and not (tmp_path / "bad.html").exists()
