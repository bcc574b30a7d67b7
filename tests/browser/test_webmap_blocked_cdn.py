"""An online map whose libraries cannot load (CDN blocked) says so in the page; `bingeo demo --offline` works offline.

Real headless Chromium with the network blocked (tests/browser/conftest.py): the online map's Leaflet links to
jsDelivr fail exactly as on a police network that blocks the CDN.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bingeo.cli.main import cli
from tests.conftest import need

pytestmark = pytest.mark.requires("chromium")

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def _run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def test_online_map_with_blocked_cdn_shows_how_to_go_offline(browser, tmp_path):
    store = tmp_path / "bins.gpkg"
    _run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    page = tmp_path / "map.html"
    _run("map", "--store", store, "--output", page)
    browser.open(page, ready="document.getElementById('bingeo-load-failed')")
    box = browser.js("var b = document.getElementById('bingeo-load-failed'); return [b.innerText, b.offsetHeight];")
    text, height = box
    assert height > 0  # drawn, not hidden
    assert "did not load" in text and "Leaflet" in text
    assert "bingeo assets fetch" in text and "--offline" in text
    assert any("cdn.jsdelivr.net" in u for u in browser.requested_urls())  # the CDN really was tried and failed
    browser.screenshot("webmap-blocked-cdn.png")


def test_demo_offline_map_loads_without_network(browser, tmp_path):
    from bingeo import _webassets

    if _webassets.missing_assets():
        need("web-map assets", "run `bingeo assets fetch` (the offline map needs the npm packages)")
    out = tmp_path / "demo"
    text = _run("demo", "--output", out, "--offline")
    assert "offline: all JavaScript/CSS inlined" in text
    page = out / "map.html"
    assert "https://cdn.jsdelivr.net" not in page.read_text(encoding="utf-8")
    browser.open(page)
    time.sleep(0.5)
    assert browser.console_errors() == []
    assert browser.js("return document.getElementById('bingeo-load-failed');") is None
    external = [u for u in browser.requested_urls() if u.startswith(("http:", "https:"))]
    assert external == []
