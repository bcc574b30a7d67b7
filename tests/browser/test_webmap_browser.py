"""The offline web map in real headless Chromium, network blocked.

Checks: no console error and no failed request; Leaflet and the plugins loaded from the page itself; the
expected layers; incidents turn into clustered points when zoomed in (and exactly the incidents
around the view); the draw tool makes a polygon and a circle whose exported GeoJSON, fed to
`bingeo recipients --area` through the CLI, selects the same people as a brute-force reference.
Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import json
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

import bingeo
from tests.browser.webmap_world import build_world, data_block, decode_points, run
from tests.conftest import need

pytestmark = pytest.mark.requires("chromium")

EXPECTED_OVERLAYS = [
    "Incident density (radius 250 m)",
    "Networks (active)",
    "Networks (retired)",
    "Proposed new areas",
    "Hot spots (Gi*)",
    "Incidents (points from zoom 15)",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = build_world(tmp_path_factory)
    if w["offline"] is None:
        need("web-map assets", "run `bingeo assets fetch` (the offline map needs the npm packages)")
    return w


def _page_urls_ok(browser) -> list[str]:
    """Requests the page made to anything but itself (file:, data:, blob:)."""
    return [
        u
        for u in browser.requested_urls()
        if not u.startswith(("file:", "data:", "blob:", "chrome:", "chrome-extension:", "about:"))
    ]


def test_offline_map_loads_without_network(world, browser):
    browser.open(world["offline"])
    time.sleep(0.5)  # let late requests and errors surface
    assert browser.console_errors() == []
    assert browser.failed_requests() == []
    assert _page_urls_ok(browser) == []
    info = browser.js("""
        return {version: L.version, draw: !!(L.Control && L.Control.Draw), cluster: !!L.MarkerClusterGroup,
                overlays: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
                              .map(function (l) { return l.textContent.trim(); }),
                bases: Array.from(document.querySelectorAll('.leaflet-control-layers-base label'))
                              .map(function (l) { return l.textContent.trim(); }),
                networks: document.querySelectorAll('path.bingeo-network-active').length,
                retired: document.querySelectorAll('path.bingeo-network-retired').length,
                hotspots: document.querySelectorAll('path.bingeo-hotspot').length,
                density: document.querySelectorAll('img.bingeo-density').length,
                scale: document.querySelectorAll('.leaflet-control-scale').length,
                title: document.querySelector('.bingeo-title').textContent,
                legend: document.querySelectorAll('.bingeo-legend').length,
                tiles: document.querySelectorAll('img.leaflet-tile').length};
    """)
    assert info["version"] == "1.9.4" and info["draw"] and info["cluster"]
    assert info["overlays"] == EXPECTED_OVERLAYS
    assert info["bases"] == ["No base map (offline)", "Light grey (CARTO)", "OpenStreetMap"]
    page = world["offline"].read_text(encoding="utf-8")
    active = data_block(page, "bingeo-networks-active")["geojson"]["features"]
    hotspots = data_block(page, "bingeo-hotspots")["geojson"]["features"]
    assert info["networks"] == sum(
        len(shapely.geometry.shape(f["geometry"]).geoms) if f["geometry"]["type"].startswith("Multi") else 1
        for f in active
    )
    assert info["retired"] == 0  # hidden at start
    assert info["hotspots"] >= len(hotspots) > 0
    assert info["density"] == 1 and info["scale"] == 1 and info["legend"] == 1
    assert info["title"] == "Groningen <BIN> & co"  # escaped in the HTML, shown as typed
    assert info["tiles"] == 0  # no base map offline: nothing to fetch
    browser.screenshot("webmap_offline.png")


def test_zoomed_in_incidents_are_clustered_points(world, browser):
    browser.open(world["offline"])
    page = world["offline"].read_text(encoding="utf-8")
    d = data_block(page, "bingeo-incidents")
    pts = decode_points(d) / d["scale"]
    # centre on the densest spot and zoom in past the threshold
    lat, lon = np.median(pts[:, 0]), np.median(pts[:, 1])
    browser.js("bingeo.map.setView([arguments[0], arguments[1]], 16, {animate: false});", lat, lon)
    end = time.time() + 10
    loaded = None
    while time.time() < end and not loaded:
        time.sleep(0.2)
        loaded = browser.js("""
            var l = null; bingeo.map.eachLayer(function (x) { if (x.bingeoCount) l = x; });
            return l && l.bingeoLoaded ? {bounds: l.bingeoLoaded, n: l.bingeoCount(),
              clusters: document.querySelectorAll('.marker-cluster').length,
              singles: document.querySelectorAll('.bingeo-incident').length} : null;""")
    assert loaded, browser.console_errors()
    s, w, n, e = loaded["bounds"]
    inside = (pts[:, 0] >= s) & (pts[:, 0] <= n) & (pts[:, 1] >= w) & (pts[:, 1] <= e)
    assert loaded["n"] == int(inside.sum()) > 0  # exactly the incidents around the view became markers
    assert loaded["clusters"] + loaded["singles"] > 0
    # a popup shows the named fields only
    browser.js("""var l = null; bingeo.map.eachLayer(function (x) { if (x.bingeoCount) l = x; });
                  var m = l.getLayers()[0]; l.zoomToShowLayer(m, function () { m.openPopup(); });""")
    time.sleep(1.0)
    rows = browser.js(
        "return Array.from(document.querySelectorAll('.leaflet-popup-content th'))"
        ".map(function (t) { return t.textContent; });"
    )
    assert rows and set(rows) <= {"soort_delict", "pleegdatum"}
    browser.screenshot("webmap_points.png")
    assert browser.console_errors() == []
    assert browser.failed_requests() == []


def _click(browser, mapdiv, x, y):
    w, h = mapdiv.size["width"], mapdiv.size["height"]
    ActionChains(browser.driver).move_to_element_with_offset(mapdiv, int(x - w // 2), int(y - h // 2)).click().perform()
    time.sleep(0.25)


def _latlng(browser, x, y):
    return browser.js(
        "var p = bingeo.map.containerPointToLatLng(L.point(arguments[0], arguments[1]));return [p.lng, p.lat];", x, y
    )


def _expected_people(store, area) -> set[str]:
    """Brute force: consenting active members covered by the area with a usable contact."""
    with bingeo.open_store(store) as st:
        m = st.members()
    ok = m["consent"] & (m["status"] == "active")
    ok &= m["phone"].fillna("").ne("") | m["email"].fillna("").ne("")
    inside = np.array([g is not None and shapely.covers(area, g) for g in m.geometry])
    return set(m.loc[ok & inside, "person_id"])


def _recipients(world, area_file, out_csv) -> set[str]:
    run(
        [
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
            "test",
            "--reason",
            "web map draw test",
        ]
    )
    got = pd.read_csv(out_csv, sep=";", encoding="utf-8-sig", dtype=str)
    return set(got["person_id"])


def test_draw_polygon_export_round_trips_through_recipients(world, browser, tmp_path):
    browser.open(world["offline"])
    mapdiv = browser.driver.find_element(By.CSS_SELECTOR, ".folium-map")
    # a polygon around the middle of the map, where the members live
    w, h = mapdiv.size["width"], mapdiv.size["height"]
    clicks = [
        (w * 0.38, h * 0.35),
        (w * 0.60, h * 0.33),
        (w * 0.63, h * 0.62),
        (w * 0.45, h * 0.70),
        (w * 0.36, h * 0.55),
    ]
    clicks = [(int(x), int(y)) for x, y in clicks]
    expected_vertices = [_latlng(browser, x, y) for x, y in clicks]
    browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-draw-draw-polygon").click()
    for x, y in clicks + [clicks[0]]:  # clicking the first vertex again closes the polygon
        _click(browser, mapdiv, x, y)
    assert browser.js("return bingeo.drawn.getLayers().length") == 1
    browser.driver.find_element(By.CSS_SELECTOR, ".bingeo-export a").click()
    exported = browser.wait_download("alert-area.geojson")
    browser.screenshot("webmap_draw_polygon.png")
    fc = json.loads(exported.read_text(encoding="utf-8"))
    (feat,) = fc["features"]
    assert feat["geometry"]["type"] == "Polygon"
    ring = feat["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == len(clicks) + 1
    # the vertices are where the mouse clicked (within 2 screen pixels)
    px = abs(_latlng(browser, 0, 0)[0] - _latlng(browser, 1, 0)[0])
    for (lon, lat), (elon, elat) in zip(ring[:-1], expected_vertices):
        assert abs(lon - elon) <= 2 * px and abs(lat - elat) <= 2 * px
    # through the CLI: the same people as a brute force over the members
    area = bingeo.area_from_file(exported, target_crs=28992)
    raw = shapely.Polygon(ring)
    to_rd = pyproj.Transformer.from_crs(4326, 28992, always_xy=True)
    raw_rd = shapely.transform(raw, lambda c: np.column_stack(to_rd.transform(c[:, 0], c[:, 1])))
    assert abs(area.area - raw_rd.area) < 1e-6 * raw_rd.area  # read as drawn
    expected = _expected_people(world["store"], raw_rd)
    assert len(expected) >= 3, "the drawn polygon should hold some members"
    assert _recipients(world, exported, tmp_path / "r.csv") == expected
    assert browser.console_errors() == []


def test_draw_circle_export_is_a_point_with_radius(world, browser, tmp_path):
    browser.open(world["offline"])
    mapdiv = browser.driver.find_element(By.CSS_SELECTOR, ".folium-map")
    w, h = mapdiv.size["width"], mapdiv.size["height"]
    cx, cy, r_px = int(w * 0.5), int(h * 0.5), 90
    centre = _latlng(browser, cx, cy)
    browser.driver.find_element(By.CSS_SELECTOR, ".leaflet-draw-draw-circle").click()
    (
        ActionChains(browser.driver)
        .move_to_element_with_offset(mapdiv, cx - w // 2, cy - h // 2)
        .click_and_hold()
        .move_by_offset(r_px // 2, 0)
        .move_by_offset(r_px - r_px // 2, 0)
        .release()
        .perform()
    )
    time.sleep(0.3)
    browser.driver.find_element(By.CSS_SELECTOR, ".bingeo-export a").click()
    exported = browser.wait_download("alert-area.geojson")
    browser.screenshot("webmap_draw_circle.png")
    (feat,) = json.loads(exported.read_text(encoding="utf-8"))["features"]
    assert feat["geometry"]["type"] == "Point" and feat["properties"]["shape"] == "circle"
    lon, lat = feat["geometry"]["coordinates"]
    radius = feat["properties"]["radius"]
    # the radius is in metres: the ground distance of r_px screen pixels east of the centre
    edge = _latlng(browser, cx + r_px, cy)
    geod = pyproj.Geod(ellps="WGS84")
    ground = geod.inv(centre[0], centre[1], edge[0], edge[1])[2]
    assert abs(radius - ground) <= 0.03 * ground
    assert abs(lon - centre[0]) < 1e-4 and abs(lat - centre[1]) < 1e-4
    # bingeo reads it as a disc of that radius around the centre, in the members' CRS
    x, y = pyproj.Transformer.from_crs(4326, 28992, always_xy=True).transform(lon, lat)
    disc = gpd.GeoSeries([shapely.Point(x, y).buffer(radius, quad_segs=32)], crs=28992).iloc[0]
    expected = _expected_people(world["store"], disc)
    assert len(expected) >= 1
    assert _recipients(world, exported, tmp_path / "c.csv") == expected
    assert browser.console_errors() == []
