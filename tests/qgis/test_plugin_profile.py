"""``bingeo:profile`` and ``bingeo:countincidents`` with time windows, run in QGIS 3.22 on woninginbraken.csv,
against the library reading the same CSV as the command line does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import SAMPLES, layer, load_plugin, rows, unload_plugin, write_window_layer  # noqa: E402

SAMPLE = SAMPLES / "woninginbraken.csv"
HOURS = [f"{h:02d}" for h in range(24)]


@pytest.fixture(scope="module")
def env(qgis_processing, tmp_path_factory):
    import bingeo

    load_plugin()
    tmp = tmp_path_factory.mktemp("plugin_profile")
    write_window_layer(tmp)  # the export as a layer: its fields as text (dates as the police write them)
    store = tmp / "bins.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", store, id_field="bin_code", kind_field="soort")
    with bingeo.open_store(store) as st:
        nets = st.networks()
        read = bingeo.read_points(SAMPLE, target_crs=st.crs)
    data = {"tmp": tmp, "nets": nets, "read": read, "w": layer(tmp / "w.gpkg", "w")}
    data["nets_layer"] = layer(SAMPLES / "networks.gpkg")
    yield data
    data.clear()  # QGIS 3.22 crashes in exitQgis() when layers outlive it
    unload_plugin()


def run(alg, params):
    import processing
    from qgis.core import QgsProcessingFeedback

    return processing.run(f"bingeo:{alg}", params, feedback=QgsProcessingFeedback())


@pytest.mark.parametrize("how", [0, 2])  # aoristic, midpoint
def test_profile_equals_library(env, how):
    from bingeo.aoristic import TIME_MODES, network_profiles, require_windows

    res = run(
        "profile",
        {
            "INPUT": env["w"],
            "NETWORKS": env["nets_layer"],
            "TIME": how,
            "START": "2022-01-01",
            "END": "2023-06-30",
            "OUTPUT": "memory:",
            "REJECTS": "memory:",
        },
    )
    got = pd.DataFrame(rows(res["OUTPUT"]))
    read, windows = require_windows(env["read"], need="a profile needs")
    ref = network_profiles(
        read.points,
        env["nets"],
        windows,
        how=TIME_MODES[how],
        start=pd.Timestamp("2022-01-01"),
        stop=pd.Timestamp("2023-07-01"),
    ).table
    key = ["network_id", "day"]
    have = got[got["network_id"].fillna("") != ""].set_index(key)[[*HOURS, "total"]].astype(float)
    want = ref[ref["network_id"] != ""].set_index(key)[[*HOURS, "total"]]
    assert len(have) == len(want) > 0
    np.testing.assert_allclose(have.loc[want.index].to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)
    assert want["total"].sum() > 0 and (how != 0 or bool((want.to_numpy() % 1 != 0).any()))
    rejects = pd.DataFrame(rows(res["REJECTS"]))
    reasons = rejects["reject_reason"].value_counts().to_dict()
    assert reasons.get("end_before_begin") == 2 and reasons.get("bad_date") == 1, reasons
    assert reasons.get("zero_zero") == 5 and reasons.get("empty_geometry") == 1  # the location rejects are kept too


def test_counts_by_month_with_windows_equals_library(env):
    import bingeo
    from bingeo.aoristic import require_windows

    res = run(
        "countincidents",
        {"INPUT": env["w"], "NETWORKS": env["nets_layer"], "BY": 1, "TIME": 0, "OUTPUT": "memory:"},
    )
    got = pd.DataFrame(rows(res["OUTPUT"]))
    read, windows = require_windows(env["read"], need="counting needs")
    ref = bingeo.count_incidents(read.points, env["nets"], by="month", windows=windows)
    key = ["network_id", "period"]
    have = got[got["network_id"].fillna("") != ""].set_index(key)["incidents"].astype(float)
    want = ref[ref["network_id"] != ""].set_index(key)["incidents"]
    assert len(have) == len(want) > 0
    np.testing.assert_allclose(have.loc[want.index].to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)
    assert (want % 1 != 0).any()  # spread over the months, not counted at the begin


def test_hotspots_period_on_windows_equals_library(env, tmp_path):
    import bingeo
    from bingeo.aoristic import require_windows

    run(
        "hotspots",
        {
            "INPUT": env["w"],
            "NETWORKS": env["nets_layer"],
            "START": "2022-01-01",
            "END": "2022-06-30",
            "CELL_SIZE": 500,
            "CELLS": str(tmp_path / "cells.gpkg"),
            "HOTSPOTS": str(tmp_path / "hs.gpkg"),
        },
    )
    got = pd.DataFrame(rows(layer(tmp_path / "cells.gpkg"))).sort_values(["row", "col"])
    read, windows = require_windows(env["read"], need="hot spots need")
    ref = bingeo.find_hotspots(
        read.points, networks=env["nets"], cell_size=500, start="2022-01-01", end="2022-06-30", windows=windows
    ).cells
    assert len(got) == len(ref)
    np.testing.assert_allclose(got["count"].astype(float), ref["count"], rtol=0, atol=1e-9)
    assert (ref["count"] % 1 != 0).any()  # shares of windows, not whole incidents


def test_emerging_spreads_windows_as_library(env, tmp_path):
    import bingeo
    from bingeo.aoristic import require_windows

    res = run(
        "emerging",
        {
            "INPUT": env["w"],
            "NETWORKS": env["nets_layer"],
            "INTERVAL": 2,  # quarter
            "CELL_SIZE": 1000,
            "LOCATIONS": str(tmp_path / "em.gpkg"),
            "CUBE": "memory:",
        },
    )
    read, windows = require_windows(env["read"], need="emerging needs")
    ref = bingeo.find_emerging(read.points, networks=env["nets"], interval="quarter", cell_size=1000, windows=windows)
    cube = pd.DataFrame(rows(res["CUBE"])).sort_values(["step", "row", "col"])
    want = ref.cube.sort_values(["step", "row", "col"])
    assert len(cube) == len(want)
    np.testing.assert_allclose(cube["count"].astype(float), want["count"], rtol=0, atol=1e-9)
    assert (want["count"] % 1 != 0).any()
