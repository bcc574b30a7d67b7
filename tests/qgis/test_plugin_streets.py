"""``bingeo:networksfromstreets``, ``bingeo:liststreets`` and ``bingeo:invitations`` in the real QGIS 3.22,
their outputs compared with the bingeo library on the same files (read independently with geopandas).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import CHARTER, layer, load_plugin, rows, unload_plugin, write_samples  # noqa: E402


@pytest.fixture(scope="module")
def env(qgis_processing, tmp_path_factory):
    import geopandas as gpd

    load_plugin()
    tmp = tmp_path_factory.mktemp("plugin_streets")
    paths = write_samples(tmp)
    charter = tmp / "charter.csv"
    charter.write_text(CHARTER, encoding="utf-8")
    data = {
        "tmp": tmp,
        "charter": charter,
        "adr": gpd.read_file(paths["addresses"], layer="addresses"),
        "adr_layer": layer(paths["addresses"], "addresses"),
    }
    yield data
    data.clear()  # QGIS 3.22 crashes in exitQgis() when layers outlive it
    unload_plugin()


def run(alg, params):
    import processing
    from qgis.core import QgsProcessingFeedback

    return processing.run(f"bingeo:{alg}", params, feedback=QgsProcessingFeedback())


def test_streets_to_networks_to_streets_equal_library(env):
    import bingeo

    res = run(
        "networksfromstreets", {"STREETS": str(env["charter"]), "ADDRESSES": env["adr_layer"], "OUTPUT": "memory:"}
    )
    ref = bingeo.network_from_streets(bingeo.read_charter(str(env["charter"])), env["adr"])
    got = pd.DataFrame(rows(res["OUTPUT"])).sort_values("network_id").reset_index(drop=True)
    assert got["network_id"].tolist() == ["GR-NEW-1", "GR-NEW-2"]
    assert got["addresses"].tolist() == ref.networks["addresses"].tolist() == [72, 122]
    listed = run("liststreets", {"NETWORKS": res["OUTPUT"], "ADDRESSES": env["adr_layer"], "OUTPUT": "memory:"})
    table = pd.DataFrame(rows(listed["OUTPUT"])).drop(columns=["_wkt", "_geometry"])
    want = bingeo.streets_in_areas(ref.networks, env["adr"])
    assert table.fillna("").astype(str).values.tolist() == want.fillna("").astype(str).values.tolist()
    assert [r[1:3] for r in want.values.tolist()] == [
        ["Israëlsstraat", "both"], ["Witsenstraat", "odd"], ["Bizetstraat", "both"], ["Kwartelweg", "both"],
    ]  # fmt: skip


@pytest.mark.parametrize("worker", ["0", "1"], ids=["in-process", "worker"])
def test_invitations_equal_library(env, tmp_path, monkeypatch, worker):
    monkeypatch.setenv("BINGEO_QGIS_WORKER", worker)  # "1": as in the QGIS desktop, in a separate process
    import pypdfium2 as pdfium

    import bingeo

    nets = run(
        "networksfromstreets", {"STREETS": str(env["charter"]), "ADDRESSES": env["adr_layer"], "OUTPUT": "memory:"}
    )
    area = nets["OUTPUT"]
    area.selectByExpression("\"network_id\" = 'GR-NEW-1'")
    from qgis.core import QgsProcessingFeatureSourceDefinition

    only = QgsProcessingFeatureSourceDefinition(area.id(), True)
    from qgis.core import QgsProject

    QgsProject.instance().addMapLayer(area, False)
    try:
        res = run(
            "invitations",
            {
                "AREA": only,
                "ADDRESSES": env["adr_layer"],
                "OUTPUT": "memory:",
                "CSV": str(tmp_path / "invite.csv"),
                "LABELS": str(tmp_path / "invite.pdf"),
            },
        )
    finally:
        QgsProject.instance().removeMapLayer(area.id())
    ref_area = bingeo.network_from_streets(bingeo.read_charter(str(env["charter"])), env["adr"]).networks.iloc[:1]
    want = bingeo.invitation_list(ref_area, env["adr"])
    got = pd.DataFrame(rows(res["OUTPUT"]))
    assert got["line2"].tolist() == want["line2"].tolist() and len(want) == 72
    csv = pd.read_csv(tmp_path / "invite.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert csv["line2"].tolist() == want["line2"].tolist()
    assert len(pdfium.PdfDocument(str(tmp_path / "invite.pdf"))) == 3


def test_a_misspelt_street_stops_the_algorithm_unless_asked(env, tmp_path):
    from qgis.core import QgsProcessingException

    charter = tmp_path / "charter.csv"
    charter.write_text("bin;straat\nN1;Witsenstraat\nN1;Witsenstrat\n", encoding="utf-8")
    params = {"STREETS": str(charter), "ADDRESSES": env["adr_layer"], "OUTPUT": "memory:"}
    with pytest.raises(QgsProcessingException, match="1 listed street"):
        run("networksfromstreets", params)
    res = run("networksfromstreets", {**params, "SKIP_MISSING": True})
    assert [r["addresses"] for r in rows(res["OUTPUT"])] == [61]
