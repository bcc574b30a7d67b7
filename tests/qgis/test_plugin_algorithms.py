"""Every bingeo Processing algorithm run through ``processing.run("bingeo:...")`` in the real QGIS 3.22,
its outputs compared with the bingeo library's result on the same data (read independently with geopandas).
"""

from __future__ import annotations

import csv
import logging
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import (  # noqa: E402  (tests/qgis is not a package, on purpose: see conftest)
    SAMPLES,
    expected_algorithms,
    layer,
    load_plugin,
    make_member_store,
    marker,
    rows,
    unload_plugin,
    write_samples,
)


@pytest.fixture(scope="module")
def env(qgis_processing, tmp_path_factory):
    import geopandas as gpd

    import bingeo

    load_plugin()
    tmp = tmp_path_factory.mktemp("plugin_algs")
    paths = write_samples(tmp)
    nets = bingeo.networks_from_file(SAMPLES / "networks.gpkg", id_field="bin_code", kind_field="soort")[0]
    # the networks the command line uses (a store's networks(): active today; GR-BIN-012 retired in 2022): the
    # plugin applies the same as-of rule (issue 13; before, it used every feature of the layer, retired ones too)
    ref_store = tmp / "cli_rule.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", ref_store, id_field="bin_code", kind_field="soort")
    with bingeo.open_store(ref_store) as st:
        active = st.networks()
    assert "GR-BIN-012" in set(nets["network_id"]) - set(active["network_id"])
    data = {
        "tmp": tmp,
        "paths": paths,
        # the library's inputs: read with geopandas from the very files QGIS reads
        "inc": gpd.read_file(paths["incidents"], layer="incidents"),
        "adr": gpd.read_file(paths["addresses"], layer="addresses"),
        "nets": active,
        "nets_all": nets,
        "inc_layer": layer(paths["incidents"], "incidents"),
        "adr_layer": layer(paths["addresses"], "addresses"),
        "nets_layer": layer(paths["networks"], "networks"),
    }
    yield data
    data.clear()  # QGIS 3.22 crashes in exitQgis() when layers outlive it
    unload_plugin()


def run(alg, params, feedback=None):
    import processing
    from qgis.core import QgsProcessingFeedback

    return processing.run(f"bingeo:{alg}", params, feedback=feedback or QgsProcessingFeedback())


def plain(values):
    """A column as a list with None for every missing value (NaN, None, pd.NA)."""
    return [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in values]


def frame_of(lyr, key_cols=None):
    df = pd.DataFrame(rows(lyr))
    return df.sort_values(key_cols).reset_index(drop=True) if key_cols else df


def test_provider_has_every_algorithm(env):
    from qgis.core import QgsApplication

    provider = QgsApplication.processingRegistry().providerById("bingeo")
    assert provider is not None
    ids = {a.id() for a in provider.algorithms()}
    assert ids == expected_algorithms()
    for alg in provider.algorithms():
        help_text = alg.shortHelpString()
        for param in alg.parameterDefinitions():
            assert param.help(), f"{alg.id()}: parameter {param.name()} has no help"
            assert param.description() in help_text


def test_assignpoints_equals_library(env):
    import bingeo

    res = run("assignpoints", {"INPUT": env["inc_layer"], "NETWORKS": env["nets_layer"], "OUTPUT": "memory:"})
    got = frame_of(res["OUTPUT"], ["registratienummer"])
    ref = bingeo.assign(env["inc"], env["nets"]).sort_values("registratienummer").reset_index(drop=True)
    assert len(got) == len(ref) == env["inc_layer"].featureCount()
    assert got["registratienummer"].tolist() == ref["registratienummer"].tolist()
    for col in ("network_id", "network_ids", "network_name"):
        assert plain(got[col]) == plain(ref[col]), col
    assert got["network_id"].notna().sum() > 100  # the comparison is not vacuous
    assert got["network_ids"].str.contains(";", na=False).any()  # overlapping networks occur


def test_assignpoints_other_crs_and_selected_only(env):
    """A WGS84 memory layer, only the selected features: reprojected back, same answer as the library."""
    from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProject, QgsVectorLayer

    import bingeo

    inc84 = env["inc"].to_crs(4326)
    lyr = QgsVectorLayer("Point?crs=EPSG:4326&field=registratienummer:string", "inc84", "memory")
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY

    feats = []
    for rid, g in zip(inc84["registratienummer"], inc84.geometry):
        f = QgsFeature(lyr.fields())
        f.setAttributes([rid])
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(g.x, g.y)))
        feats.append(f)
    lyr.dataProvider().addFeatures(feats)
    QgsProject.instance().addMapLayer(lyr)
    try:
        chosen = [f.id() for f in lyr.getFeatures()][::3]
        lyr.selectByIds(chosen)
        src = QgsProcessingFeatureSourceDefinition(lyr.id(), True)
        res = run("assignpoints", {"INPUT": src, "NETWORKS": env["nets_layer"], "OUTPUT": "memory:"})
        got = frame_of(res["OUTPUT"], ["registratienummer"])
    finally:
        QgsProject.instance().removeMapLayer(lyr.id())
    sub = inc84.iloc[::3][["registratienummer", "geometry"]].to_crs(env["nets"].crs)
    ref = bingeo.assign(sub, env["nets"]).sort_values("registratienummer").reset_index(drop=True)
    assert len(got) == len(chosen) == len(ref)
    assert plain(got["network_id"]) == plain(ref["network_id"])


def test_countincidents_equals_library(env):
    import bingeo

    res = run(
        "countincidents",
        {
            "INPUT": env["inc_layer"],
            "NETWORKS": env["nets_layer"],
            "BY": 3,
            "DATE_FIELD": "pleegdatum",
            "TYPE_FIELD": "soort_delict",
            "ADDRESSES": env["adr_layer"],
            "OUTPUT": "memory:",
        },
    )
    keys = ["network_id", "period", "type"]
    got = frame_of(res["OUTPUT"]).fillna({"network_id": ""}).sort_values(keys).reset_index(drop=True)
    ref = bingeo.count_incidents(
        env["inc"], env["nets"], by="year", date_field="pleegdatum", type_field="soort_delict", addresses=env["adr"]
    )
    ref = ref.fillna({"network_id": ""}).sort_values(keys).reset_index(drop=True)
    assert len(got) == len(ref) > 18
    for col in ("network_id", "period", "type", "incidents", "addresses", "households"):
        assert got[col].tolist() == ref[col].tolist(), col
    np.testing.assert_allclose(got["rate_per_1000_addresses"].astype(float), ref["rate_per_1000_addresses"], rtol=1e-12)
    assert got["incidents"].sum() >= len(env["inc"])


def test_coverage_equals_library(env):
    import bingeo

    res = run(
        "coverage",
        {
            "NETWORKS": env["nets_layer"],
            "ADDRESSES": env["adr_layer"],
            "BY": "woonplaats",
            "OUTPUT": "memory:",
            "OVERLAPS": "memory:",
            "AREAS": "memory:",
        },
    )
    ref = bingeo.coverage(env["nets"], env["adr"], by="woonplaats")
    got = frame_of(res["OUTPUT"], ["network_id"])
    want = ref.networks.sort_values("network_id").reset_index(drop=True)
    for col in ("network_id", "addresses", "households", "exclusive_addresses", "shared_addresses"):
        assert got[col].tolist() == want[col].tolist(), col
    assert res["COVERED_SHARE"] == pytest.approx(ref.totals["covered_share"], abs=1e-15)
    ov = frame_of(res["OVERLAPS"], ["network_id_a", "network_id_b"])
    assert (
        ov["shared_addresses"].tolist()
        == ref.overlaps.sort_values(["network_id_a", "network_id_b"])["shared_addresses"].tolist()
    )
    assert len(frame_of(res["AREAS"])) == len(ref.areas)


def test_hotspots_equal_library(env, tmp_path):
    import bingeo

    res = run(
        "hotspots",
        {
            "INPUT": env["inc_layer"],
            "NETWORKS": env["nets_layer"],
            "ADDRESSES": env["adr_layer"],
            "CELL_SIZE": 250,
            "CELLS": "memory:",
            "HOTSPOTS": str(tmp_path / "hs.gpkg"),
        },
    )
    ref = bingeo.find_hotspots(env["inc"], networks=env["nets"], addresses=env["adr"], cell_size=250)
    cells = frame_of(res["CELLS"], ["row", "col"])
    want = ref.cells.sort_values(["row", "col"]).reset_index(drop=True)
    assert len(cells) == len(want)
    assert cells["count"].tolist() == want["count"].tolist()
    np.testing.assert_allclose(cells["gi_z"].astype(float), want["gi_z"], rtol=0, atol=1e-12)
    assert cells["hot"].astype(bool).tolist() == want["hot"].astype(bool).tolist()
    hs = frame_of(layer(tmp_path / "hs.gpkg"), ["rank"])
    assert res["N_HOTSPOTS"] == len(ref.hotspots) == len(hs) > 0
    wh = ref.hotspots.sort_values("rank").reset_index(drop=True)
    assert hs["incidents"].tolist() == wh["incidents"].tolist()
    assert hs["addresses"].tolist() == wh["addresses"].tolist()
    assert [h or "" for h in plain(hs["network_ids"])] == [h or "" for h in plain(wh["network_ids"])]


def test_density_equals_library_and_cancels(env, tmp_path):
    import rasterio
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    import bingeo

    out = tmp_path / "kde.tif"
    res = run(
        "density",
        {
            "INPUT": env["inc_layer"],
            "RADIUS": 400,
            "CELL_SIZE": 100,
            "KERNEL": 0,
            "OUTPUT": str(out),
            "CONTOURS": "memory:",
        },
    )
    ref = bingeo.kernel_density(env["inc"], cell_size=100, radius=400)
    with rasterio.open(res["OUTPUT"]) as ds:
        vals = ds.read(1, masked=True)
        assert ds.transform.almost_equals(ref.transform)
    assert vals.shape == ref.values.shape
    np.testing.assert_array_equal(~vals.mask, ref.reached)
    np.testing.assert_allclose(vals.filled(0), ref.values, rtol=1e-6, atol=1e-9)
    bands = frame_of(res["CONTOURS"], ["band"])
    assert bands["cells"].tolist() == ref.contours()["cells"].tolist()

    fb = QgsProcessingFeedback()
    fb.cancel()
    # a failed run keeps its parameters alive: pass the layer's source, not the layer object, or QGIS 3.22
    # crashes in exitQgis() at the end of the session
    with pytest.raises(QgsProcessingException):
        run(
            "density",
            {
                "INPUT": env["inc_layer"].source(),
                "RADIUS": 400,
                "CELL_SIZE": 100,
                "OUTPUT": str(tmp_path / "cancelled.tif"),
            },
            feedback=fb,
        )
    assert not (tmp_path / "cancelled.tif").exists()


def test_proposeareas_equal_library(env, tmp_path):
    import geopandas as gpd

    import bingeo

    hs_path = tmp_path / "hs.gpkg"
    ref_hs = bingeo.find_hotspots(env["inc"], networks=env["nets"], cell_size=250).hotspots
    bingeo.write_table(ref_hs, hs_path, layer="hotspots", geometry_type="MultiPolygon")
    res = run(
        "proposeareas",
        {
            "HOTSPOTS": layer(hs_path, "hotspots"),
            "ADDRESSES": env["adr_layer"],
            "NETWORKS": env["nets_layer"],
            "INCIDENTS": env["inc_layer"],
            "OUTPUT": "memory:",
        },
    )
    ref = bingeo.propose_areas(gpd.read_file(hs_path, layer="hotspots"), env["adr"], env["nets"], incidents=env["inc"])
    got = frame_of(res["OUTPUT"], ["proposal_id"])
    ref = ref.sort_values("proposal_id").reset_index(drop=True)
    assert len(got) == len(ref) > 0
    for col in ("proposal_id", "households", "addresses", "incidents", "streets"):
        assert got[col].tolist() == ref[col].tolist(), col
    import shapely

    areas = [shapely.from_wkb(g).area for g in got["_geometry"]]
    np.testing.assert_allclose(areas, ref.geometry.area, rtol=1e-9)


def test_importnetworks_equals_library(env, tmp_path):
    import bingeo

    store = tmp_path / "bins.gpkg"
    params = {"INPUT": env["nets_layer"], "STORE": str(store), "ID_FIELD": "bin_code", "KIND_FIELD": "soort"}
    res = run("importnetworks", params)
    ref_store = tmp_path / "ref.gpkg"
    ref = bingeo.import_networks(SAMPLES / "networks.gpkg", ref_store, id_field="bin_code", kind_field="soort")
    assert res["ADDED"] == len(ref.added) == 18 and res["UPDATED"] == 0
    with bingeo.open_store(store) as st, bingeo.open_store(ref_store) as rs:
        got, want = st.networks(include_retired=True), rs.networks(include_retired=True)
        assert st.crs == rs.crs
    got, want = got.sort_values("network_id"), want.sort_values("network_id")
    for col in ("network_id", "name", "kind", "status", "valid_from", "valid_to"):
        assert plain(got[col]) == plain(want[col]), col
    np.testing.assert_allclose(got.geometry.area, want.geometry.area, rtol=1e-12)
    g1, g2 = got.geometry.reset_index(drop=True), want.geometry.reset_index(drop=True)
    assert g1.geom_equals_exact(g2, tolerance=1e-6).all()
    again = run("importnetworks", params)
    assert (again["ADDED"], again["UPDATED"], again["UNCHANGED"]) == (0, 0, 18)
    assert layer(store, "networks").featureCount() == 18
    assert res["NETWORKS"] == f"{store}|layername=networks"


def test_networks_without_id_is_a_clear_error(env):
    from qgis.core import QgsProcessingException, QgsVectorLayer

    lyr = QgsVectorLayer("Polygon?crs=EPSG:28992&field=wijk:string", "noid", "memory")
    from qgis.core import QgsFeature, QgsGeometry

    f = QgsFeature(lyr.fields())
    f.setAttributes(["Noord"])
    f.setGeometry(QgsGeometry.fromWkt("POLYGON((233000 582000, 234000 582000, 234000 583000, 233000 582000))"))
    lyr.dataProvider().addFeatures([f])
    from qgis.core import QgsProject

    QgsProject.instance().addMapLayer(lyr)  # passed by id: see test_density_equals_library_and_cancels
    try:
        with pytest.raises(QgsProcessingException, match="no id column found.*wijk"):
            run("assignpoints", {"INPUT": env["inc_layer"].source(), "NETWORKS": lyr.id(), "OUTPUT": "memory:"})
    finally:
        QgsProject.instance().removeMapLayer(lyr.id())


@pytest.fixture(scope="module")
def member_store(env):
    return make_member_store(env["tmp"])


def _csv_ids(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return sorted(r["member_id"] for r in csv.DictReader(fh, delimiter=";"))


def test_selectrecipients_area_layer_equals_library(env, member_store, tmp_path, caplog):
    """A drawn polygon layer in WGS84, selected polygon only: same people as bingeo.select_recipients; audited."""
    import shapely
    from qgis.core import (
        QgsFeature,
        QgsGeometry,
        QgsMessageLog,
        QgsProcessingFeatureSourceDefinition,
        QgsProcessingFeedback,
        QgsProject,
        QgsVectorLayer,
    )

    import bingeo

    with bingeo.open_store(member_store) as st:
        members, nets = st.members(), st.networks()
    inside = nets.geometry.iloc[0].buffer(300)
    import geopandas as gpd

    area84 = gpd.GeoSeries([inside, shapely.box(0, 0, 10, 10)], crs=28992).to_crs(4326)
    lyr = QgsVectorLayer("Polygon?crs=EPSG:4326", "drawn", "memory")
    feats = []
    for g in area84:
        f = QgsFeature()
        f.setGeometry(QgsGeometry.fromWkt(g.wkt))
        feats.append(f)
    lyr.dataProvider().addFeatures(feats)
    QgsProject.instance().addMapLayer(lyr)
    logged = []
    QgsApplication_log = QgsMessageLog  # noqa: N806
    from qgis.core import QgsApplication

    QgsApplication.messageLog().messageReceived.connect(lambda msg, tag, level: logged.append(msg))
    fb = QgsProcessingFeedback()
    texts = []
    fb.pushInfo = lambda t: texts.append(t)  # noqa: E731 (collect what the algorithm reports)
    out = tmp_path / "recipients.csv"
    try:
        lyr.selectByIds([next(lyr.getFeatures()).id()])
        with caplog.at_level(logging.DEBUG):
            res = run(
                "selectrecipients",
                {
                    "STORE": str(member_store),
                    "AREA": QgsProcessingFeatureSourceDefinition(lyr.id(), True),
                    "URGENCY": 0,
                    "OPERATOR": "agent 1234",
                    "REASON": "PV 2026-77",
                    "OUTPUT": str(out),
                },
                feedback=fb,
            )
    finally:
        QgsProject.instance().removeMapLayer(lyr.id())
    assert QgsApplication_log is not None
    area = gpd.GeoSeries([area84.iloc[0]], crs=4326).to_crs(28992).iloc[0]
    ref = bingeo.select_recipients(members, area=area, networks=nets, urgency="urgent")
    assert _csv_ids(out) == sorted(ref.recipients["member_id"]) and len(ref.recipients) > 3
    assert res["RECIPIENTS"] == len(ref.recipients)
    with bingeo.open_store(member_store) as st:
        audit = st.audit(res["ALERT_ID"])
    assert len(audit) == 1 and audit["operator"].iloc[0] == "agent 1234" and audit["reason"].iloc[0] == "PV 2026-77"
    everything = "\n".join(texts + logged + [r.getMessage() for r in caplog.records])
    for i in range(120):
        for value in marker(i).values():
            assert value not in everything


def test_selectrecipients_centre_radius_equals_library(env, member_store, tmp_path):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY, QgsProject

    import bingeo

    with bingeo.open_store(member_store) as st:
        members, nets = st.members(), st.networks()
    c = nets.geometry.iloc[3].representative_point()
    tr = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:28992"), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance()
    )
    p = tr.transform(QgsPointXY(c.x, c.y))
    out = tmp_path / "radius.csv"
    res = run(
        "selectrecipients",
        {
            "STORE": str(member_store),
            "CENTRE": f"{p.x()!r},{p.y()!r} [EPSG:4326]",
            "RADIUS": 700,
            "URGENCY": 1,
            "OUTPUT": str(out),
        },
    )
    area = bingeo.area_around(p.x(), p.y(), 700, crs_of_xy=4326, target_crs=28992)
    ref = bingeo.select_recipients(members, area=area, networks=nets, urgency="normal")
    assert _csv_ids(out) == sorted(ref.recipients["member_id"]) and len(ref.recipients) > 0
    with open(out, encoding="utf-8-sig") as fh:
        channels = {r["channel"] for r in csv.DictReader(fh, delimiter=";")}
    assert channels == set(ref.recipients["channel"])
    assert res["RECIPIENTS"] == len(ref.recipients)


def test_webmap_equals_library(env, tmp_path):
    if "bingeo:webmap" not in expected_algorithms():
        pytest.fail("bingeo.webmap is missing: the webmap algorithm cannot be tested")
    from bingeo.webmap import save_map, web_map

    out = tmp_path / "map.html"
    run(
        "webmap",
        {
            "NETWORKS": env["nets_layer"],
            "INCIDENTS": env["inc_layer"],
            "FIELDS": "soort_delict",
            "TITLE": "Groningen",
            "OUTPUT": str(out),
        },
    )
    ref_path = tmp_path / "ref.html"
    # the plugin reads the layer by the command line's rules (text dates as dates: hour profiles in the popups)
    from bingeo.readers import points_from_frame

    inc = points_from_frame(env["inc"]).points
    save_map(web_map(env["nets_all"], incidents=inc, fields=["soort_delict"], title="Groningen"), ref_path)

    def blocks(path):
        text = Path(path).read_text(encoding="utf-8")
        return re.findall(r'<script type="application/json" id="[^"]*">(.*?)</script>', text, flags=re.S)

    got, want = blocks(out), blocks(ref_path)
    assert got == want and len(want) >= 2
    assert "GR-BIN-001" in out.read_text(encoding="utf-8")
    assert '"h":[' in want[1]  # the popups' hour-of-week profiles are on both maps


def test_webmap_follows_type_and_period_as_library(env, tmp_path):
    """TYPES/START/END select the incidents as the library's web_map does (the hot spots' selection)."""
    from bingeo.webmap import save_map, web_map

    out = tmp_path / "map.html"
    opts = {"TYPES": "woninginbraak", "DATE_FIELD": "pleegdatum", "START": "2022-01-01", "END": "2023-01-01"}
    run("webmap", {"NETWORKS": env["nets_layer"], "INCIDENTS": env["inc_layer"], **opts, "OUTPUT": str(out)})
    ref_path = tmp_path / "ref.html"
    ref = web_map(
        env["nets_all"],  # the web map draws every network (retired ones dashed), as test_webmap_equals_library
        incidents=env["inc"],
        types=["woninginbraak"],
        date_field="pleegdatum",
        start="2022-01-01",
        end="2023-01-01",
    )
    save_map(ref, ref_path)
    everything = tmp_path / "all.html"
    save_map(web_map(env["nets_all"], incidents=env["inc"]), everything)

    def blocks(path):
        text = Path(path).read_text(encoding="utf-8")
        return re.findall(r'<script type="application/json" id="[^"]*">(.*?)</script>', text, flags=re.S)

    assert blocks(out) == blocks(ref_path)
    assert blocks(out) != blocks(everything)
    assert "Incidents: type woninginbraak" in out.read_text(encoding="utf-8")


def test_outputs_load_with_styles(env, tmp_path):
    """Run as the toolbox does (results loaded into the project): each output gets its style."""
    import processing
    from qgis.core import QgsProject

    project = QgsProject.instance()
    before = set(project.mapLayers())
    try:
        processing.runAndLoadResults(
            "bingeo:hotspots",
            {
                "INPUT": env["inc_layer"],
                "NETWORKS": env["nets_layer"],
                "CELL_SIZE": 250,
                "CELLS": "TEMPORARY_OUTPUT",
                "HOTSPOTS": "TEMPORARY_OUTPUT",
            },
        )
        processing.runAndLoadResults(
            "bingeo:density",
            {"INPUT": env["inc_layer"], "RADIUS": 400, "CELL_SIZE": 100, "OUTPUT": str(tmp_path / "kde.tif")},
        )
        processing.runAndLoadResults(
            "bingeo:assignpoints",
            {"INPUT": env["inc_layer"], "NETWORKS": env["nets_layer"], "OUTPUT": "TEMPORARY_OUTPUT"},
        )
        new = {lyr.name(): lyr for lid, lyr in project.mapLayers().items() if lid not in before}
        renderers = {name: lyr.renderer().type() for name, lyr in new.items()}
        assert renderers == {
            "Gi* cells": "graduatedSymbol",
            "Hot spots": "categorizedSymbol",
            "Density": "singlebandpseudocolor",
            "Assigned points": "categorizedSymbol",
        }, renderers
        cells = new["Gi* cells"].renderer()
        assert cells.classAttribute() == "gi_z" and len(cells.ranges()) == 7
        import bingeo

        cats = {c.value() for c in new["Assigned points"].renderer().categories()}
        held = set(bingeo.assign(env["inc"], env["nets"])["network_id"].dropna())
        assert cats == held | {None}  # one colour per network holding points, one for points outside
        assert new["Density"].renderer().classificationMax() > 0
    finally:
        for lid in set(project.mapLayers()) - before:
            project.removeMapLayer(lid)


def test_assignpoints_on_a_delimited_text_layer_of_the_police_csv(env):
    """The police CSV as QGIS opens it (delimited text: ';', decimal commas, Windows-1252): same networks as the
    library's reader, and rows QGIS cannot place are kept (no geometry, no network) and reported."""
    from qgis.core import QgsProcessingFeedback, QgsVectorLayer

    import bingeo

    uri = (
        f"{(SAMPLES / 'incidents.csv').as_uri()}?type=csv&delimiter=;&decimalPoint=,&xField=X&yField=Y"
        "&crs=EPSG:28992&encoding=windows-1252&detectTypes=no&geomType=point"
    )
    lyr = QgsVectorLayer(uri, "incidents_csv", "delimitedtext")
    assert lyr.isValid()
    fb = QgsProcessingFeedback()
    texts = []
    fb.pushInfo = lambda t: texts.append(t)  # noqa: E731
    res = run("assignpoints", {"INPUT": lyr, "NETWORKS": env["nets_layer"], "OUTPUT": "memory:"}, feedback=fb)
    got = frame_of(res["OUTPUT"])
    assert len(got) == lyr.featureCount()  # every row kept
    ref = bingeo.assign(bingeo.read_points(SAMPLES / "incidents.csv", crs=28992).points, env["nets"])
    want = dict(zip(ref["registratienummer"], plain(ref["network_id"])))
    placed = got[got["_wkt"].notna()]
    assert len(placed) >= len(ref) > 0
    both = [r for r in placed["registratienummer"] if r in want]
    assert len(both) == len(ref)
    have = dict(zip(placed["registratienummer"], plain(placed["network_id"])))
    assert [have[r] for r in both] == [want[r] for r in both]
    unplaced = int(got["_wkt"].isna().sum())
    assert all(v is None for v in plain(got.loc[got["_wkt"].isna(), "network_id"]))
    assert unplaced > 0  # the sample export has rows without usable coordinates
    assert any(f"{unplaced} features" in t for t in texts), texts


def test_emerging_equals_library(env, tmp_path):
    import bingeo

    res = run(
        "emerging",
        {
            "INPUT": env["inc_layer"],
            "NETWORKS": env["nets_layer"],
            "INTERVAL": 2,  # quarter
            "CELL_SIZE": 250,
            "LOCATIONS": str(tmp_path / "em.gpkg"),
            "CUBE": "memory:",
        },
    )
    ref = bingeo.find_emerging(
        env["inc"], networks=env["nets"], interval="quarter", cell_size=250, date_field="pleegdatum"
    )
    loc = frame_of(layer(tmp_path / "em.gpkg"), ["row", "col"])
    want = ref.locations.sort_values(["row", "col"]).reset_index(drop=True)
    assert len(loc) == len(want) > 0
    assert loc["category"].tolist() == want["category"].tolist()
    np.testing.assert_allclose(loc["trend_z"].astype(float), want["trend_z"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(loc["covered_share"].astype(float), want["covered_share"], rtol=0, atol=1e-12)
    assert [v or "" for v in plain(loc["network_id"])] == want["network_id"].tolist()
    cube = frame_of(res["CUBE"], ["step", "row", "col"])
    assert cube["count"].sum() == ref.cube["count"].sum() == ref.incidents
    assert len(cube) == len(ref.cube)
    assert res["N_EMERGING"] == len(ref.emerging)


def test_forecast_equals_library(env, tmp_path):
    import bingeo

    res = run(
        "forecast",
        {
            "INPUT": env["inc_layer"],
            "NETWORKS": env["nets_layer"],
            "AS_OF_DATE": "2024-06-01",
            "CELL_SIZE": 250,
            "PERMUTATIONS": 99,
            "TYPES": "woninginbraak",
            "OUTPUT": str(tmp_path / "risk.gpkg"),
            "RANKING": "memory:",
        },
    )
    ref = bingeo.forecast(
        env["inc"],
        networks=env["nets"],
        as_of="2024-06-01",
        cell_size=250,
        permutations=99,
        types="woninginbraak",
        date_field="pleegdatum",
    )
    cells = frame_of(layer(tmp_path / "risk.gpkg"), ["rank"])
    want = ref.cells.sort_values("rank").reset_index(drop=True)
    assert len(cells) == len(want) > 0
    assert cells[["row", "col"]].astype(int).values.tolist() == want[["row", "col"]].values.tolist()
    np.testing.assert_allclose(cells["risk"].astype(float), want["risk"], rtol=0, atol=1e-12)
    assert [bool(v) for v in cells["top"]] == want["top"].tolist()
    ranking = frame_of(res["RANKING"], ["rank"])
    assert ranking["network_id"].tolist() == ref.networks["network_id"].tolist()
    assert res["N_NETWORKS"] == len(ref.networks) > 0
