"""Web map size and speed: bingeo.web_map vs geopandas.GeoDataFrame.explore on the same data.

Data: 1,000 Voronoi networks over 30 km x 30 km (RD New), boundaries segmentized to 50 m and given a
smooth 3 m wiggle (a function of position, so neighbours still share their edges; ~80 vertices per
network), and 100,000 incidents (70 % in 40 Gaussian clusters, 30 % uniform) with a type and a date.

For each map: build time in Python, HTML size, and in headless Chromium (network blocked, file:// page):
first contentful paint, the end of the load event (every script has run: the map is built and
responds), and the first frame after load. explore's page links Leaflet and jQuery/Bootstrap/... from
CDNs; for the browser run its Leaflet links are pointed at the local Leaflet 1.9.4 (from
`bingeo assets fetch`) and the others are dropped (explore's maps do not use them), so both pages
load without a network. The sizes printed are those of the files as written.

Usage: python3 benchmarks/webmap.py [--repeat 3] [--incidents 100000] [--networks 1000] [--keep DIR]
Needs: chromium + chromedriver, selenium, `bingeo assets fetch`; for explore: matplotlib, mapclassify.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bingeo import _webassets  # noqa: E402
from bingeo.webmap import save_map, web_map  # noqa: E402

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
]
X0, Y0, SIDE = 225_000.0, 570_000.0, 30_000.0

_TIMING_JS = """
window.__t = {};
window.addEventListener('load', function () {
  window.__t.load = performance.now();
  requestAnimationFrame(function () { setTimeout(function () { window.__t.frame = performance.now(); }, 0); });
});
"""


def make_data(n_networks: int, n_incidents: int, seed: int = 1) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    seeds = shapely.MultiPoint(
        np.column_stack([X0 + rng.random(n_networks) * SIDE, Y0 + rng.random(n_networks) * SIDE])
    )
    box = shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    cells = [c.intersection(box) for c in shapely.voronoi_polygons(seeds, extend_to=box).geoms]
    cells = shapely.segmentize(np.array(cells, dtype=object), 50.0)

    def wiggle(c: np.ndarray) -> np.ndarray:
        x, y = c[:, 0], c[:, 1]
        return np.column_stack([x + 3 * np.sin(y / 37.0), y + 3 * np.cos(x / 41.0)])

    cells = shapely.make_valid(shapely.transform(cells, wiggle))
    kinds = np.array(["bin", "zbin", "whatsapp"])[rng.integers(0, 3, n_networks)]
    nets = gpd.GeoDataFrame(
        {
            "network_id": [f"N{i:04d}" for i in range(n_networks)],
            "name": [f"Netwerk {i}" for i in range(n_networks)],
            "kind": kinds,
            "status": np.where(rng.random(n_networks) < 0.1, "retired", "active"),
            "founded": [f"20{10 + i % 14:02d}-0{1 + i % 9}-15" for i in range(n_networks)],
        },
        geometry=cells,
        crs=28992,
    )
    n_cl = int(n_incidents * 0.7)
    centres = np.column_stack([X0 + rng.random(40) * SIDE, Y0 + rng.random(40) * SIDE])
    which = rng.integers(0, 40, n_cl)
    xy = np.vstack(
        [
            centres[which] + rng.normal(0, 400, (n_cl, 2)),
            np.column_stack([X0 + rng.random(n_incidents - n_cl) * SIDE, Y0 + rng.random(n_incidents - n_cl) * SIDE]),
        ]
    )
    types = np.array(["woninginbraak", "fietsendiefstal", "vernieling", "autokraak", "zakkenrollerij"])
    inc = gpd.GeoDataFrame(
        {
            "type": types[rng.integers(0, len(types), n_incidents)],
            "date": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 4 * 365, n_incidents), unit="D"),
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=28992,
    )
    return nets, inc


def explore_for_browser(src: Path, dst: Path) -> None:
    """explore's page with Leaflet from the local cache and the CDN-only extras dropped."""
    root = _webassets.assets_dir() / "leaflet@1.9.4" / "dist"
    page = src.read_text(encoding="utf-8")
    page = re.sub(
        r'<script src="https://[^"]*leaflet@[^"]*/leaflet\.js"></script>',
        f'<script src="{(root / "leaflet.js").as_uri()}"></script>',
        page,
    )
    page = re.sub(
        r'<link rel="stylesheet" href="https://[^"]*leaflet@[^"]*/leaflet\.css"/>',
        f'<link rel="stylesheet" href="{(root / "leaflet.css").as_uri()}"/>',
        page,
    )
    page = re.sub(r'<script src="https?://[^"]*"></script>', "", page)
    page = re.sub(r'<link rel="stylesheet" href="https?://[^"]*"/>', "", page)
    dst.write_text(page, encoding="utf-8")


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    opts = webdriver.ChromeOptions()
    real = "/usr/lib/chromium/chromium"
    opts.binary_location = real if os.path.exists(real) else shutil.which("chromium")
    for f in FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='bingeo-bench-')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(
        service=Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=opts
    )
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _TIMING_JS})
    drv.set_page_load_timeout(300)
    drv.set_script_timeout(300)
    return drv


def measure(drv, page: Path) -> dict[str, float]:
    drv.get("about:blank")
    drv.get_log("browser")
    drv.get(page.resolve().as_uri())
    end = time.time() + 300
    while time.time() < end:
        t = drv.execute_script("return window.__t && window.__t.frame ? window.__t : null;")
        if t:
            break
        time.sleep(0.05)
    else:
        raise RuntimeError(f"{page.name} did not finish loading")
    fcp = drv.execute_script(
        "var e = performance.getEntriesByName('first-contentful-paint'); return e.length ? e[0].startTime : null;"
    )
    errors = [e["message"] for e in drv.get_log("browser") if e["level"] == "SEVERE"]
    return {
        "fcp": fcp if fcp is not None else float("nan"),
        "load": t["load"],
        "frame": t["frame"],
        "errors": len(errors),
        "first_error": errors[0][:100] if errors else "",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--incidents", type=int, default=100_000)
    ap.add_argument("--networks", type=int, default=1_000)
    ap.add_argument("--keep", type=Path, help="Keep the HTML files in this folder.")
    args = ap.parse_args()
    if _webassets.missing_assets():
        sys.exit("run `bingeo assets fetch` first (the offline map and the browser run need Leaflet)")
    out = args.keep or Path(tempfile.mkdtemp(prefix="bingeo-webmap-"))
    out.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    nets, inc = make_data(args.networks, args.incidents)
    nverts = shapely.get_num_coordinates(nets.geometry.to_numpy()).mean()
    print(
        f"data: {len(nets):,} networks ({nverts:.0f} vertices on average), {len(inc):,} incidents "
        f"({time.perf_counter() - t:.1f} s to make)"
    )

    build: dict[str, list[float]] = {"bingeo": [], "explore": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        m = web_map(nets, incidents=inc, fields=["type", "date"], title="benchmark", offline=True)
        save_map(m, out / "bingeo.html", offline=True)
        build["bingeo"].append(time.perf_counter() - t)
        t = time.perf_counter()
        me = nets.explore(tooltip=["network_id", "name", "kind", "status"])
        me = inc.explore(m=me, tooltip=["type", "date"], color="#b10026")
        me.save(str(out / "explore.html"))
        build["explore"].append(time.perf_counter() - t)
    explore_for_browser(out / "explore.html", out / "explore_local.html")
    sizes = {"bingeo": (out / "bingeo.html").stat().st_size, "explore": (out / "explore.html").stat().st_size}

    drv = browser()
    runs: dict[str, list[dict[str, float]]] = {"bingeo": [], "explore": []}
    try:
        for _ in range(args.repeat):
            runs["bingeo"].append(measure(drv, out / "bingeo.html"))
            runs["explore"].append(measure(drv, out / "explore_local.html"))
    finally:
        drv.quit()

    def best(name: str, key: str) -> float:
        return min(r[key] for r in runs[name])

    rows = [
        ("HTML size (MB)", sizes["bingeo"] / 1e6, sizes["explore"] / 1e6),
        ("build + save in Python (s, best)", min(build["bingeo"]), min(build["explore"])),
        ("first contentful paint (s, best)", best("bingeo", "fcp") / 1e3, best("explore", "fcp") / 1e3),
        ("load event end: interactive (s, best)", best("bingeo", "load") / 1e3, best("explore", "load") / 1e3),
        ("first frame after load (s, best)", best("bingeo", "frame") / 1e3, best("explore", "frame") / 1e3),
    ]
    print(f"\n{'':40s} {'bingeo.web_map':>15s} {'gdf.explore':>12s} {'explore/bingeo':>15s}")
    for label, a, b in rows:
        print(f"{label:40s} {a:15.2f} {b:12.2f} {b / a if a else float('nan'):14.1f}x")
    for name in runs:
        errs = [r for r in runs[name] if r["errors"]]
        print(
            f"{name}: console errors in {len(errs)} of {len(runs[name])} runs"
            + (f" (first: {errs[0]['first_error']})" if errs else "")
        )
    print(f"all runs (ms): {runs}")
    print(f"files in {out}")


if __name__ == "__main__":
    main()
