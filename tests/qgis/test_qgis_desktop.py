"""The real QGIS 3.22 desktop under Xvfb, the plugin installed the README's way, driven through every
algorithm's Processing dialog and the alert tool: QGIS stays alive and every output exists.

The plugin comes from the zip of ``qgis_plugin/build.py`` unzipped into a fresh profile; bingeo from the wheel the
zip ships, installed with QGIS's own interpreter (``/usr/bin/python3 -m pip install --user``) into a throwaway
user site; its dependencies are the PyPI wheels of the test environment (shapely, pyogrio and pyproj bundle their
own GEOS, GDAL and PROJ: the situation that crashed QGIS with signal 11 before the plugin used a worker).
CI needs the Debian packages ``qgis xvfb`` besides ``python3-qgis``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import (  # noqa: E402
    CHARTER,
    PLUGIN_DIR,
    SAMPLES,
    make_member_store,
    provider_algorithms,
    write_samples,
    write_window_layer,
)

DRIVER = Path(__file__).resolve().parent / "desktop_driver.py"

#: Every test here needs QGIS's Python bindings (skipped without them on a developer machine, failed in CI).
pytestmark = pytest.mark.requires("qgis")
QGIS_PYTHON = "/usr/bin/python3"
#: Time allowed for the whole desktop session (start, a dialog per algorithm, the alert tool, quit).
SESSION_TIMEOUT = 600
#: Every algorithm of the provider (read from its folder, without QGIS): each one's dialog runs in the desktop.
ALGORITHMS = sorted(provider_algorithms())
#: The area ``bingeo:regions`` divides (the sample town's centre, EPSG:28992).
REGIONS_AREA = (233000, 581500, 235000, 583000)


def gpkg(path, name):
    return {"layer": f"{path}|layername={name}", "name": name}


@pytest.fixture(scope="module")
def desktop(tmp_path_factory):
    for tool in ("qgis", "xvfb-run"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: apt-get install qgis xvfb)")  # a failure in CI
    import geopandas as gpd
    import shapely

    import bingeo

    tmp = tmp_path_factory.mktemp("desktop")
    # the plugin, the README's way: build.py -> zip -> unzipped into a fresh profile, enabled
    zip_path = tmp / "bingeo_qgis.zip"
    res = subprocess.run([sys.executable, str(PLUGIN_DIR / "build.py"), "-o", str(zip_path)], capture_output=True)
    assert res.returncode == 0, res.stderr
    profile = tmp / "profile"
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(plugins)
    ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\nbingeo_qgis=true\nprocessing=true\n[qgis]\nshowTips=false\n", encoding="utf-8")
    # bingeo from the shipped wheel, with QGIS's interpreter, into a user site of its own
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "QGIS_CUSTOM_CONFIG_PATH")}
    env["PYTHONUSERBASE"] = str(tmp / "userbase")
    wheel = next((plugins / "bingeo_qgis" / "wheels").glob("bingeo-*.whl"))
    cmd = [QGIS_PYTHON, "-m", "pip", "install", "--user", "--break-system-packages", "--no-deps", "--no-index"]
    res = subprocess.run([*cmd, str(wheel)], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    # the data: sample layers, a store with members, hot spots for the proposals
    paths = write_samples(tmp)
    store = make_member_store(tmp)
    inc = bingeo.read_points(paths["incidents"]).points
    nets = bingeo.networks_from_file(SAMPLES / "networks.gpkg", id_field="bin_code", kind_field="soort")[0]
    ref_hs = bingeo.find_hotspots(inc, networks=nets, cell_size=250).hotspots
    hs_path = tmp / "hs.gpkg"
    bingeo.write_table(ref_hs, hs_path, layer="hotspots", geometry_type="MultiPolygon")
    windows = write_window_layer(tmp)  # incidents with time windows (profiles)
    area = gpd.GeoDataFrame({"naam": ["centrum"]}, geometry=[shapely.box(*REGIONS_AREA)], crs=28992)
    bingeo.write_table(area, tmp / "area.gpkg", layer="area")
    charter = tmp / "charter.csv"
    charter.write_text(CHARTER, encoding="utf-8")
    inc_l, adr_l = gpkg(paths["incidents"], "incidents"), gpkg(paths["addresses"], "addresses")
    nets_l, store_nets = gpkg(SAMPLES / "networks.gpkg", "networks"), gpkg(store, "networks")
    out = tmp / "out"
    out.mkdir()
    temp = "TEMPORARY_OUTPUT"
    streets = str(out / "streets.gpkg")  # networksfromstreets -> liststreets, invitations (as a user chains them)
    algorithms = [
        ("importnetworks", {"INPUT": nets_l, "STORE": str(out / "new.gpkg"), "ID_FIELD": "bin_code"}),
        ("networksfromstreets", {"STREETS": str(charter), "ADDRESSES": adr_l, "OUTPUT": streets}),
        ("liststreets", {"NETWORKS": {"layer": streets}, "ADDRESSES": adr_l, "OUTPUT": temp}),
        ("assignpoints", {"INPUT": inc_l, "NETWORKS": nets_l, "OUTPUT": temp}),
        ("countincidents", {"INPUT": inc_l, "NETWORKS": nets_l, "BY": 3, "DATE_FIELD": "pleegdatum", "OUTPUT": temp}),
        (
            "profile",
            {
                "INPUT": gpkg(windows, "w"),
                "NETWORKS": nets_l,
                "TIME": 0,
                "START": "2022-01-01",
                "END": "2023-06-30",
                "OUTPUT": temp,
                "REJECTS": temp,
            },
        ),
        ("hotspots", {"INPUT": inc_l, "NETWORKS": nets_l, "CELL_SIZE": 250, "CELLS": temp, "HOTSPOTS": temp}),
        (
            "emerging",
            {"INPUT": inc_l, "NETWORKS": nets_l, "INTERVAL": 2, "CELL_SIZE": 250, "LOCATIONS": temp, "CUBE": temp},
        ),
        ("density", {"INPUT": inc_l, "RADIUS": 400, "CELL_SIZE": 100, "OUTPUT": str(out / "density.tif")}),
        (
            "densityper",
            {"INPUT": inc_l, "ADDRESSES": adr_l, "RADIUS": 400, "CELL_SIZE": 100, "OUTPUT": str(out / "per.tif")},
        ),
        (
            "forecast",
            {
                "INPUT": inc_l,
                "NETWORKS": nets_l,
                "AS_OF_DATE": "2024-06-01",
                "CELL_SIZE": 250,
                "PERMUTATIONS": 99,
                "TYPES": "woninginbraak",
                "OUTPUT": temp,
                "RANKING": temp,
            },
        ),
        ("coverage", {"NETWORKS": nets_l, "ADDRESSES": adr_l, "OUTPUT": temp}),
        (
            "proposeareas",
            {
                "HOTSPOTS": gpkg(hs_path, "hotspots"),
                "ADDRESSES": adr_l,
                "NETWORKS": nets_l,
                "OUTPUT": str(out / "proposals.gpkg"),
            },
        ),
        (
            "regions",
            {
                "AREA": gpkg(tmp / "area.gpkg", "area"),
                "ADDRESSES": adr_l,
                "NETWORKS": nets_l,
                "INCIDENTS": inc_l,
                "SEED": 3,
                "OUTPUT": str(out / "regions.gpkg"),
                "ISLANDS": temp,
            },
        ),
        (
            "planareas",
            {
                "CANDIDATES": {"layer": str(out / "proposals.gpkg"), "name": "proposals"},
                "INCIDENTS": inc_l,
                "NETWORKS": nets_l,
                "ADDRESSES": adr_l,
                "K": 3,
                "OUTPUT": str(out / "plan.gpkg"),
            },
        ),
        (
            "selectrecipients",
            {
                "STORE": str(store),
                "AREA": nets_l,
                "URGENCY": 0,
                "OPERATOR": "agent 1",
                "REASON": "PV desktop 1",
                "OUTPUT": str(out / "recipients.csv"),
            },
        ),
        (
            "invitations",
            {
                "AREA": {"layer": f"{streets}|subset=\"network_id\" = 'GR-NEW-1'", "name": "GR-NEW-1"},
                "ADDRESSES": adr_l,
                "OUTPUT": temp,
                "CSV": str(out / "invite.csv"),
                "LABELS": str(out / "invite.pdf"),
            },
        ),
        ("webmap", {"NETWORKS": nets_l, "INCIDENTS": inc_l, "TITLE": "Groningen", "OUTPUT": str(out / "map.html")}),
        (
            "evaluate",
            {
                "INPUT": inc_l,
                "DATE_FIELD": "pleegdatum",
                "NETWORKS": store_nets,
                "MODE": 0,
                "NETWORK": "GR-BIN-013",
                "BEFORE": "2022-01-01/2022-12-31",
                "AFTER": "2023-01-01/2024-07-01",
                "OUTPUT": temp,
                "JSON": str(out / "eval.json"),
            },
        ),
    ]
    job = {
        "folder": str(tmp),
        "report": str(tmp / "report.json"),
        "algorithms": [[f"bingeo:{name}", params] for name, params in algorithms],
        "alert": {"networks": nets_l["layer"], "store": str(store), "output": str(out / "alert.csv")},
    }
    (tmp / "job.json").write_text(json.dumps(job), encoding="utf-8")
    import geopandas  # the test venv's packages give bingeo's dependencies (not bingeo: no .pth is read there)

    deps = Path(geopandas.__file__).resolve().parents[1]
    env.update(
        QGIS_CUSTOM_CONFIG_PATH=str(profile),
        PYTHONPATH=str(deps),
        BINGEO_DESKTOP_JOB=str(tmp / "job.json"),
        HOME=str(tmp / "home"),
    )
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("BINGEO_QGIS_WORKER", None)
    started = time.monotonic()
    qgis = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", "qgis", "--nologo", "--noversioncheck"]
        + ["--code", str(DRIVER)],
        capture_output=True,
        text=True,
        env=env,
        timeout=SESSION_TIMEOUT,
        cwd=tmp,
    )
    seconds = time.monotonic() - started
    report = json.loads((tmp / "report.json").read_text(encoding="utf-8")) if (tmp / "report.json").exists() else {}
    print(f"QGIS desktop session: {seconds:.1f} s, exit code {qgis.returncode}")
    print({a: r["seconds"] for a, r in report.get("algorithms", {}).items()})
    return {
        "rc": qgis.returncode,
        "stderr": qgis.stderr[-4000:],
        "report": report,
        "out": out,
        "seconds": seconds,
        "algorithms": [a for a, _ in algorithms],
        "userbase": tmp / "userbase",
        "ref_hotspots": len(ref_hs),
        "incidents": len(inc),
        "paths": paths,
        "store": store,
    }


def test_qgis_survives_every_dialog_and_the_alert_tool(desktop):
    rep = desktop["report"]
    assert desktop["rc"] == 0, f"QGIS exited with {desktop['rc']}: steps {rep.get('steps')}\n{desktop['stderr']}"
    assert rep.get("steps", [])[-1:] == ["done"] and not rep["errors"], rep.get("errors")
    assert rep["worker_needed"]  # QGIS's GEOS/GDAL/PROJ are global in the desktop: bingeo ran in workers


def test_plain_python_keeps_bingeo_in_process():
    """A Python that imports qgis.core holds QGIS's libraries locally: no worker, no mixing (this process)."""
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        from bingeo_qgis import worker
    finally:
        sys.path.remove(str(PLUGIN_DIR))
    import qgis.core  # noqa: F401

    os.environ.pop(worker.WORKER_ENV, None)
    assert not worker.needed()


def test_the_desktop_job_runs_every_algorithm_of_the_provider(desktop):
    """The provider the desktop loaded has exactly the algorithms read from its folder, and the job runs them all."""
    assert desktop["report"]["provider"] == [f"bingeo:{n}" for n in ALGORITHMS]
    assert sorted(desktop["algorithms"]) == ALGORITHMS


@pytest.mark.parametrize("name", ALGORITHMS)
def test_dialog_ran_and_wrote_its_outputs(desktop, name):
    got = desktop["report"].get("algorithms", {}).get(f"bingeo:{name}")
    assert got is not None, f"bingeo:{name} never ran: {desktop['report'].get('steps')}"
    assert got["finished"] and got["ok"], got["log"]
    assert got["outputs"], got
    for key, out in got["outputs"].items():
        assert out.get("features", 1) > 0 or key in ("REJECTS", "OVERLAPS", "ISLANDS"), (key, out)
        assert out.get("bytes", 1) > 0 and out.get("raster", 1) > 0, (key, out)


def test_desktop_results_equal_the_library(desktop):
    algs = desktop["report"]["algorithms"]
    assert algs["bingeo:assignpoints"]["outputs"]["OUTPUT"]["features"] == desktop["incidents"]
    assert algs["bingeo:hotspots"]["outputs"]["N_HOTSPOTS"]["value"] == desktop["ref_hotspots"] > 0
    assert algs["bingeo:hotspots"]["outputs"]["HOTSPOTS"]["features"] == desktop["ref_hotspots"]
    assert algs["bingeo:importnetworks"]["outputs"]["ADDED"]["value"] == 18
    out = desktop["out"]
    for name in ("density.tif", "recipients.csv", "map.html", "eval.json", "new.gpkg", "per.tif", "invite.pdf"):
        assert (out / name).stat().st_size > 0, name


def test_desktop_plans_and_streets_equal_the_library(desktop):
    """The candidate areas, plans, streets and invitations made in the dialogs, against bingeo on the same files."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    import bingeo

    algs, out, paths = desktop["report"]["algorithms"], desktop["out"], desktop["paths"]
    inc = gpd.read_file(paths["incidents"], layer="incidents")
    adr = gpd.read_file(paths["addresses"], layer="addresses")
    with bingeo.open_store(desktop["store"]) as st:
        nets = st.networks()  # active today, as the plugin takes a networks layer
    em = bingeo.find_emerging(inc, networks=nets, interval="quarter", cell_size=250, date_field="pleegdatum")
    assert algs["bingeo:emerging"]["outputs"]["N_EMERGING"]["value"] == len(em.emerging) > 0
    fc = bingeo.forecast(
        inc,
        networks=nets,
        as_of="2024-06-01",
        cell_size=250,
        permutations=99,
        types="woninginbraak",
        date_field="pleegdatum",
    )
    assert algs["bingeo:forecast"]["outputs"]["N_NETWORKS"]["value"] == len(fc.networks) > 0

    area = gpd.GeoDataFrame(geometry=[shapely.box(*REGIONS_AREA)], crs=28992)
    ref = bingeo.divide_regions(area, adr, nets, incidents=inc, seed=3).regions.sort_values("proposal_id")
    got = gpd.read_file(out / "regions.gpkg").sort_values("proposal_id")
    assert algs["bingeo:regions"]["outputs"]["N_REGIONS"]["value"] == len(got) == len(ref) > 0
    for col in ("proposal_id", "households", "incidents"):
        assert got[col].tolist() == ref[col].tolist(), col

    plan = bingeo.plan_areas(gpd.read_file(out / "proposals.gpkg"), inc, k=3, networks=nets, addresses=adr).gains
    got = gpd.read_file(out / "plan.gpkg").sort_values("rank")
    assert len(got) == len(plan) > 0
    for col in ("candidate_id", "gain", "cumulative"):
        assert got[col].tolist() == plan[col].tolist(), col

    streets = gpd.read_file(out / "streets.gpkg").sort_values("network_id")
    assert streets["addresses"].tolist() == [72, 122]  # bingeo.network_from_streets on this charter (headless test)
    assert algs["bingeo:liststreets"]["outputs"]["OUTPUT"]["features"] == 4  # the charter's four streets
    invited = pd.read_csv(out / "invite.csv", sep=";", encoding="utf-8-sig", dtype=str)
    want = bingeo.invitation_list(streets[streets["network_id"] == "GR-NEW-1"], adr)
    assert invited["line2"].tolist() == want["line2"].tolist() and len(want) == 72
    assert algs["bingeo:invitations"]["outputs"]["OUTPUT"]["features"] == 72


def test_alert_tool_says_how_to_draw_and_exports(desktop):
    alert = desktop["report"]["alert"]
    assert alert is not None and alert["tool"] == "AlertAreaTool" and alert["dialog"]
    hint = " ".join(alert["message_bar"])
    assert "click" in hint and "select" in hint and "store" in hint, hint
    assert alert["counts"].get("channel"), alert
    assert alert["alert_id"], alert["summary"]
    n = sum(alert["counts"]["channel"].values())
    lines = (desktop["out"] / "alert.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) - 1 == n > 0


def test_bingeo_came_from_the_shipped_wheel(desktop):
    """The desktop imported bingeo from the user site the wheel went to, not from the checkout."""
    logs = "\n".join(a["log"] for a in desktop["report"]["algorithms"].values())
    assert "Traceback" not in logs
    origin = Path(desktop["report"]["bingeo"]).resolve()
    assert origin.is_relative_to(Path(desktop["userbase"]).resolve()), origin
