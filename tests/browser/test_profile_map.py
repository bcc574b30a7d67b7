"""The hour-of-week profile in the network popups of the offline web map, in headless Chromium."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from tests.browser.webmap_world import data_block
from tests.conftest import need
from tests.test_cli_emerging import SAMPLES, run

pytestmark = pytest.mark.requires("chromium")

HOURS = [f"{h:02d}" for h in range(24)]


def _assets() -> None:
    from bingeo import _webassets

    try:
        _webassets.require_assets()
    except Exception:  # noqa: BLE001 - any missing asset: the offline map cannot be built here
        need("web-map assets", "run `bingeo assets fetch` (the offline map needs the npm packages)")


def test_network_popup_shows_the_hour_of_week_profile(tmp_path, browser):
    _assets()
    store = tmp_path / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    sample = SAMPLES / "woninginbraken.csv"
    run("profile", "--incidents", sample, "--store", store, "-o", tmp_path / "profile.csv")
    page = tmp_path / "map.html"
    out = run("map", "--store", store, "--incidents", sample, "--offline", "--output", page)
    assert "network popups with an hour-of-week profile (aoristic" in out
    # the map carries each network's 168 weights, as `bingeo profile` computes them
    ref = pd.read_csv(tmp_path / "profile.csv", dtype={"network_id": str}, keep_default_na=False)
    feats = data_block(page.read_text(encoding="utf-8"), "bingeo-networks-active")["geojson"]["features"]
    shown = {f["properties"]["v"][0]: f["properties"]["h"] for f in feats if "h" in f["properties"]}
    assert len(shown) > 3
    for nid, weights in shown.items():
        want = ref[ref["network_id"] == nid][HOURS].to_numpy().ravel()
        np.testing.assert_allclose(weights, want, atol=5e-4)
    busiest = max(shown, key=lambda n: sum(shown[n]))
    # the browser draws it: 7 x 24 cells, the heaviest hour the darkest
    browser.open(page)
    time.sleep(0.5)
    assert browser.console_errors() == []
    got = browser.js(
        """
        var want = arguments[0], found = null;
        bingeo.map.eachLayer(function (l) {
          if (l.feature && l.feature.properties.v && l.feature.properties.v[0] === want) found = l;
        });
        found.openPopup();
        var cells = Array.from(document.querySelectorAll('.leaflet-popup-content .bingeo-heat td'));
        return {n: cells.length,
                rows: document.querySelectorAll('.leaflet-popup-content .bingeo-heat tr').length,
                dark: cells.map(function (c) { return c.style.background; }),
                titles: cells.map(function (c) { return c.getAttribute('title'); }),
                text: document.querySelector('.leaflet-popup-content').textContent};
        """,
        busiest,
    )
    assert got["n"] == 168 and got["rows"] == 8
    top = int(np.argmax(shown[busiest]))
    assert got["dark"][top].replace(" ", "") == "rgb(189,0,38)"  # alpha 1 (the browser writes rgb): the busiest hour
    days = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    assert got["titles"][top].startswith(f"{days[top // 24]} {top % 24:02d}:00")
    assert "When (hour of the week)" in got["text"]
    browser.screenshot("webmap_profile.png")
    assert browser.failed_requests() == []


def test_no_profile_without_times(tmp_path):
    """Dates without a time of day: no profile reaches the map (the data block has no weights)."""
    store = tmp_path / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    df = pd.read_csv(SAMPLES / "incidents.csv", sep=";", encoding="cp1252", dtype=str)
    df["pleegdatum"] = df["pleegdatum"].str.split(" ").str[0]  # the day only
    df.to_csv(tmp_path / "days.csv", sep=";", index=False, encoding="cp1252")
    page = tmp_path / "map.html"
    out = run("map", "--store", store, "--incidents", tmp_path / "days.csv", "--crs", "28992", "--output", page)
    assert "hour-of-week" not in out
    feats = data_block(page.read_text(encoding="utf-8"), "bingeo-networks-active")["geojson"]["features"]
    assert feats and not any("h" in f["properties"] for f in feats)
