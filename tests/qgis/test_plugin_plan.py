"""``bingeo:planareas`` and ``bingeo:densityper`` run in QGIS 3.22 on the samples, against the library."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import SAMPLES, layer, load_plugin, rows, unload_plugin, write_samples  # noqa: E402


@pytest.fixture(scope="module")
def env(qgis_processing, tmp_path_factory):
    import geopandas as gpd

    import bingeo

    load_plugin()
    tmp = tmp_path_factory.mktemp("plugin_plan")
    paths = write_samples(tmp)
    store = tmp / "bins.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", store, id_field="bin_code", kind_field="soort")
    with bingeo.open_store(store) as st:
        nets = st.networks()
    inc = gpd.read_file(paths["incidents"], layer="incidents")
    adr = gpd.read_file(paths["addresses"], layer="addresses")
    hs = bingeo.find_hotspots(inc, networks=nets, cell_size=250).hotspots
    props = bingeo.propose_areas(hs, adr, nets, incidents=inc)
    bingeo.write_table(props, tmp / "proposals.gpkg", layer="proposals", geometry_type="MultiPolygon")
    data = {
        "tmp": tmp,
        "inc": inc,
        "adr": adr,
        "nets": nets,
        "props": gpd.read_file(tmp / "proposals.gpkg", layer="proposals"),
        "inc_layer": layer(paths["incidents"], "incidents"),
        "adr_layer": layer(paths["addresses"], "addresses"),
        "nets_layer": layer(SAMPLES / "networks.gpkg"),
        "props_layer": layer(tmp / "proposals.gpkg", "proposals"),
    }
    yield data
    data.clear()  # QGIS 3.22 crashes in exitQgis() when layers outlive it
    unload_plugin()


def run(alg, params):
    import processing
    from qgis.core import QgsProcessingFeedback

    return processing.run(f"bingeo:{alg}", params, feedback=QgsProcessingFeedback())


@pytest.mark.parametrize("budget", [0, 250])
def test_planareas_equals_library(env, budget):
    import bingeo

    res = run(
        "planareas",
        {
            "CANDIDATES": env["props_layer"],
            "INCIDENTS": env["inc_layer"],
            "NETWORKS": env["nets_layer"],
            "ADDRESSES": env["adr_layer"],
            "K": 3,
            "BUDGET": budget,
            "OUTPUT": "memory:",
        },
    )
    got = pd.DataFrame(rows(res["OUTPUT"]))
    ref = bingeo.plan_areas(
        env["props"], env["inc"], k=3, networks=env["nets"], addresses=env["adr"], budget_households=budget or None
    )
    assert len(got) == len(ref.gains) > 0
    for col in ("rank", "candidate_id", "gain", "cumulative", "households"):
        assert got[col].tolist() == ref.gains[col].tolist(), col


def test_densityper_equals_library(env, tmp_path):
    import rasterio

    import bingeo

    res = run(
        "densityper",
        {
            "INPUT": env["inc_layer"],
            "ADDRESSES": env["adr_layer"],
            "RADIUS": 400,
            "CELL_SIZE": 100,
            "OUTPUT": str(tmp_path / "rate.tif"),
        },
    )
    ref = bingeo.density_per_households(env["inc"], env["adr"], cell_size=100, radius=400)
    with rasterio.open(res["OUTPUT"]) as ds:
        vals = ds.read(1, masked=True)
        assert ds.transform.almost_equals(ref.transform)
    np.testing.assert_array_equal(~vals.mask, ref.reached)
    np.testing.assert_allclose(vals.compressed(), ref.values[ref.reached], rtol=1e-6)
