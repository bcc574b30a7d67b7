"""The emerging hot-spot layer of the offline web map in headless Chromium: drawn, coloured, in the legend."""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import pytest

from bingeo.webmap import EMERGING_COLOURS
from tests.browser.webmap_world import data_block
from tests.conftest import need
from tests.test_cli_emerging import SAMPLES, run

pytestmark = pytest.mark.requires("chromium")


def test_emerging_layer_has_the_categories_colours_and_legend(tmp_path, browser):
    from bingeo import _webassets

    try:
        _webassets.require_assets()
    except Exception:  # noqa: BLE001 - any missing asset: the offline map cannot be built here
        need("web-map assets", "run `bingeo assets fetch` (the offline map needs the npm packages)")
    store = tmp_path / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    em = tmp_path / "em.gpkg"
    run(
        "emerging",
        SAMPLES / "incidents.csv",
        "--store",
        store,
        "--crs",
        "28992",
        "--interval",
        "quarter",
        "--output",
        em,
    )
    page_path = Path(tmp_path / "map.html")
    out = run("map", "--store", store, "--emerging", em, "--offline", "--output", page_path)
    loc = gpd.read_file(em, layer="locations")
    shown = loc[loc["category"] != "No Pattern Detected"]
    assert f"{len(shown):,} cells with an emerging hot-spot category" in out
    browser.open(page_path)
    time.sleep(0.5)
    assert browser.console_errors() == []
    info = browser.js("""
        return {overlays: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
                              .map(function (l) { return l.textContent.trim(); }),
                cells: document.querySelectorAll('path.bingeo-emerging').length,
                fills: Array.from(new Set(Array.from(document.querySelectorAll('path.bingeo-emerging'))
                              .map(function (p) { return p.getAttribute('fill'); }))),
                legend: document.querySelector('.bingeo-legend').textContent};
    """)
    assert "Emerging hot spots (categories)" in info["overlays"]
    assert info["cells"] == len(shown)
    assert sorted(info["fills"]) == sorted({EMERGING_COLOURS[c] for c in shown["category"]})
    for cat in set(shown["category"]):
        assert cat in info["legend"]
    feats = data_block(page_path.read_text(encoding="utf-8"), "bingeo-emerging")["geojson"]["features"]
    assert len(feats) == len(shown)
    outlined = browser.js("return document.querySelectorAll('path.bingeo-emerging[stroke=\"#000000\"]').length;")
    assert (
        outlined
        == int((shown["category"].isin(["New Hot Spot", "Intensifying Hot Spot"]) & shown["uncovered"]).sum())
        > 0
    )
    browser.screenshot("webmap_emerging.png")
