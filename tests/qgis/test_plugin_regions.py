"""``bingeo:regions`` run in QGIS 3.22 on the sample addresses, against the library on the same layers."""

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
    import shapely

    import bingeo
    from bingeo.readers import write_table

    load_plugin()
    tmp = tmp_path_factory.mktemp("plugin_regions")
    paths = write_samples(tmp)
    area = gpd.GeoDataFrame({"naam": ["centrum"]}, geometry=[shapely.box(233000, 581500, 235000, 583000)], crs=28992)
    write_table(area, tmp / "area.gpkg", layer="area")
    store = tmp / "bins.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", store, id_field="bin_code", kind_field="soort")
    with bingeo.open_store(store) as st:
        nets = st.networks()
    data = {
        "tmp": tmp,
        "area": area,
        "adr": gpd.read_file(paths["addresses"], layer="addresses"),
        "inc": gpd.read_file(paths["incidents"], layer="incidents"),
        "nets": nets,
        "area_layer": layer(tmp / "area.gpkg", "area"),
        "adr_layer": layer(paths["addresses"], "addresses"),
        "inc_layer": layer(paths["incidents"], "incidents"),
        "nets_layer": layer(paths["networks"], "networks"),
    }
    yield data
    data.clear()  # QGIS 3.22 crashes in exitQgis() when layers outlive it
    unload_plugin()


def run(params):
    import processing
    from qgis.core import QgsProcessingFeedback

    return processing.run("bingeo:regions", params, feedback=QgsProcessingFeedback())


def test_regions_equal_library(env):
    import shapely

    import bingeo

    res = run(
        {
            "AREA": env["area_layer"],
            "ADDRESSES": env["adr_layer"],
            "NETWORKS": env["nets_layer"],
            "INCIDENTS": env["inc_layer"],
            "SEED": 3,
            "OUTPUT": "memory:",
            "ISLANDS": "memory:",
        }
    )
    ref = bingeo.divide_regions(env["area"], env["adr"], env["nets"], incidents=env["inc"], seed=3)
    got = pd.DataFrame(rows(res["OUTPUT"])).sort_values("proposal_id").reset_index(drop=True)
    want = ref.regions.sort_values("proposal_id").reset_index(drop=True)
    assert res["N_REGIONS"] == len(got) == len(want) > 0
    for col in ("proposal_id", "households", "addresses", "blocks", "incidents", "streets"):
        assert got[col].tolist() == want[col].tolist(), col
    areas = [shapely.from_wkb(g).area for g in got["_geometry"]]
    np.testing.assert_allclose(areas, want.geometry.area, rtol=1e-9)
    assert got["households"].between(50, 250).all()
    assert len(rows(res["ISLANDS"])) == len(ref.islands)


def test_regions_whatsapp_cap(env):
    from qgis.core import QgsProcessingException

    params = {"AREA": env["area_layer"], "ADDRESSES": env["adr_layer"], "MAX_HOUSEHOLDS": 300, "OUTPUT": "memory:"}
    with pytest.raises(QgsProcessingException, match="WhatsApp group"):
        run(params)
    res = run({**params, "KIND": 1})
    assert all(r["households"] <= 300 for r in rows(res["OUTPUT"]))
