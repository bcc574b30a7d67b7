"""``bingeo:evaluate`` run through ``processing.run`` in the real QGIS 3.22, every figure compared with
``bingeo.before_after`` / ``bingeo.evaluate_networks`` on the same files read with geopandas.

The data: a store made by the CLI from the sample networks plus ``networks_update.geojson`` (GR-BIN-015 is
founded on 2024-03-01, inside the incidents' period 2021-2024), and the sample incidents (as in
tests/test_evaluate_before_after.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import (  # noqa: E402  (tests/qgis is not a package, on purpose: see conftest)
    SAMPLES,
    expected_algorithms,
    layer,
    load_plugin,
    rows,
    unload_plugin,
    write_samples,
)

COUNTS = [f"{k}_{p}" for k in "RBC" for p in ("before", "after")]
MEASURES = ["success_measure", "buffer_displacement_measure", "wdq", "total_net_effect", "relative_change"]


@pytest.fixture(scope="module")
def ev(qgis_processing, tmp_path_factory):
    import geopandas as gpd
    from click.testing import CliRunner

    from bingeo.cli.main import cli

    load_plugin()
    tmp = tmp_path_factory.mktemp("plugin_evaluate")
    store = tmp / "bins.gpkg"
    for args in (
        ["networks", "import", SAMPLES / "networks.gpkg", "--store", store],
        ["networks", "import", SAMPLES / "networks_update.geojson", "--store", store, "--effective", "2024-01-01"],
    ):
        res = CliRunner().invoke(cli, [str(a) for a in args])
        assert res.exit_code == 0, res.output
    paths = write_samples(tmp)
    data = {
        "tmp": tmp,
        # QGIS gets the sources (not layer objects: see test_density_equals_library_and_cancels)
        "inc_src": f"{paths['incidents']}|layername=incidents",
        "nets_src": f"{store}|layername=networks",
        # the library's inputs: the very same files, read with geopandas
        "inc": gpd.read_file(paths["incidents"], layer="incidents"),
        "nets": gpd.read_file(store, layer="networks"),
    }
    yield data
    data.clear()
    unload_plugin()


def run(params, feedback=None):
    import processing
    from qgis.core import QgsProcessingFeedback

    return processing.run("bingeo:evaluate", params, feedback=feedback or QgsProcessingFeedback())


def burglaries(inc):
    return inc[inc["soort_delict"] == "woninginbraak"]


def alive(nets, start, end, keep):
    """Networks whose lifetime [valid_from, valid_to) overlaps the days start to end (both included)."""
    vf, vt = pd.to_datetime(nets["valid_from"]), pd.to_datetime(nets["valid_to"])
    ok = (vf.isna() | (vf <= pd.Timestamp(end))) & (vt.isna() | (vt > pd.Timestamp(start)))
    return nets[ok.to_numpy() | (nets["network_id"] == keep).to_numpy()]


def polygons_file(tmp, name, geoms, crs):
    import geopandas as gpd

    from bingeo.readers import write_table

    path = tmp / f"{name}.gpkg"  # GeoPackage 1.2, as QGIS 3.22 reads it cleanly (see write_samples)
    write_table(gpd.GeoDataFrame({"name": [name] * len(geoms)}, geometry=geoms, crs=crs), path, layer=name)
    return path


def same(value, want):
    """Equal figures: None stays None (NULL), numbers exactly equal (same data, same arithmetic)."""
    if want is None:
        return value is None
    return value is not None and float(value) == float(want)


def assert_row_equals(row, ref, *, founded=None):
    assert row["network_id"] == ref.network_id and row["evaluated"] is True and row["reason"] == ""
    assert row["founded"] == founded
    assert (row["before_from"], row["before_to"]) == tuple(d.isoformat() for d in ref.before)
    assert (row["after_from"], row["after_to"]) == tuple(d.isoformat() for d in ref.after)
    for k in "RBC":
        for p in ("before", "after"):
            assert row[f"{k}_{p}"] == ref.counts[k][p], (k, p)
    for m in MEASURES:
        assert same(row[m], getattr(ref, m)), (m, row[m], getattr(ref, m))
    assert row["undefined"] == "; ".join(f"{k}: {v}" for k, v in ref.undefined.items())
    assert row["interpretation"] == ref.interpretation


def as_json(payload):
    return json.loads(json.dumps(payload, default=str))


def test_registered_with_help(ev):
    from qgis.core import QgsApplication

    assert "bingeo:evaluate" in expected_algorithms()
    alg = QgsApplication.processingRegistry().algorithmById("bingeo:evaluate")
    assert alg is not None and alg.group() and alg.displayName() == "Evaluate networks before/after (WDQ)"
    names = {p.name() for p in alg.parameterDefinitions()}
    assert {
        "INPUT",
        "NETWORKS",
        "MODE",
        "NETWORK",
        "BEFORE",
        "AFTER",
        "MONTHS",
        "BUFFER",
        "CONTROL",
        "STUDY_AREA",
        "OUTPUT",
        "JSON",
        "REJECTS",
    } <= names
    for p in alg.parameterDefinitions():
        assert p.help() and p.description() in alg.shortHelpString(), p.name()


def test_one_network_around_founding_equals_library(ev):
    """GR-BIN-015, 9 months either side of its founding (2024-03-01), burglaries: the CLI test's case."""
    import geopandas as gpd

    import bingeo

    out = ev["tmp"] / "one.json"
    res = run(
        {
            "INPUT": ev["inc_src"],
            "DATE_FIELD": "pleegdatum",
            "TYPE_FIELD": "soort_delict",
            "TYPES": "woninginbraak",
            "NETWORKS": ev["nets_src"],
            "MODE": 1,
            "NETWORK": "GR-BIN-015",
            "MONTHS": 9,
            "BUFFER": 400,
            "OUTPUT": "memory:",
            "JSON": str(out),
        }
    )
    got = rows(res["OUTPUT"])
    assert len(got) == 1 and res["EVALUATED"] == 1
    before, after = bingeo.around_founding("2024-03-01", months=9)
    assert before == (pd.Timestamp("2023-06-01").date(), pd.Timestamp("2024-02-29").date())  # both included
    ref = bingeo.before_after(
        burglaries(ev["inc"]),
        alive(ev["nets"], before[0], after[1], "GR-BIN-015"),
        network_id="GR-BIN-015",
        before=before,
        after=after,
        buffer=400,
        date_field="pleegdatum",
    )
    assert_row_equals(got[0], ref, founded="2024-03-01")
    assert got[0]["name"] == "BIN Hoornse Meer"
    assert ref.counts["R"]["before"] > 20 and ref.counts["C"]["after"] > 20  # not a vacuous comparison
    # the R counts, independently: burglaries inside GR-BIN-015 per period (sjoin)
    inc = burglaries(ev["inc"])
    when = pd.to_datetime(inc["pleegdatum"])
    net = ev["nets"][ev["nets"]["network_id"] == "GR-BIN-015"]
    inside = inc.index.isin(gpd.sjoin(inc, net, predicate="intersects").index)
    for name, (lo, hi) in (("before", before), ("after", after)):
        per = ((when >= pd.Timestamp(lo)) & (when < pd.Timestamp(hi))).to_numpy()
        assert got[0][f"R_{name}"] == int((inside & per).sum())
    assert json.loads(out.read_text(encoding="utf-8")) == as_json(ref.as_dict())


def test_given_periods_and_control_in_another_crs_equal_library(ev):
    """Periods of different length and a control polygon layer in WGS84 (reprojected to the networks' CRS)."""
    import geopandas as gpd
    import shapely

    import bingeo

    nets = ev["nets"]
    hull = shapely.convex_hull(
        shapely.union_all(
            nets[nets["network_id"].isin(["GR-BIN-001", "GR-BIN-002", "GR-BIN-003", "GR-BIN-004"])].geometry.to_numpy()
        )
    )
    path = polygons_file(ev["tmp"], "control84", gpd.GeoSeries([hull], crs=nets.crs).to_crs(4326).tolist(), 4326)
    out = ev["tmp"] / "periods.json"
    res = run(
        {
            "INPUT": ev["inc_src"],
            "DATE_FIELD": "pleegdatum",
            "TYPES": "woninginbraak",
            "NETWORKS": ev["nets_src"],
            "MODE": 0,
            "NETWORK": "GR-BIN-013",
            "BEFORE": "2022-01-01/2022-12-31",
            "AFTER": "2023-01-01/2024-07-01",
            "CONTROL": f"{path}|layername=control84",
            "OUTPUT": "memory:",
            "JSON": str(out),
        }
    )
    got = rows(res["OUTPUT"])
    control = gpd.read_file(path, layer="control84").to_crs(nets.crs)
    ref = bingeo.before_after(
        burglaries(ev["inc"]),
        alive(nets, "2022-01-01", "2024-07-01", "GR-BIN-013"),
        network_id="GR-BIN-013",
        before=("2022-01-01", "2022-12-31"),
        after=("2023-01-01", "2024-07-01"),
        control=control,
        date_field="pleegdatum",
    )
    assert ref.days == {"before": 365, "after": 548}  # FROM and TO both included
    assert ref.areas["C"]["definition"].startswith("the given control area")
    assert ref.counts["C"]["before"] > 0 and ref.counts["R"]["before"] > 0
    assert_row_equals(got[0], ref)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data == as_json(ref.as_dict())
    assert set(data) >= {"counts", "success_measure", "buffer_displacement_measure", "wdq", "total_net_effect", "areas"}


def test_undefined_figures_are_null_with_the_reason(ev):
    """A control area without incidents: every ratio is undefined -> NULL in the table, reasons in 'undefined'."""
    import geopandas as gpd
    import shapely

    import bingeo

    nets = ev["nets"]
    far = shapely.box(100000, 400000, 101000, 401000)  # ~130 km from Groningen: no incidents
    path = polygons_file(ev["tmp"], "far", [far], nets.crs)
    params = {
        "INPUT": ev["inc_src"],
        "DATE_FIELD": "pleegdatum",
        "NETWORKS": ev["nets_src"],
        "MODE": 0,
        "NETWORK": "GR-BIN-013",
        "BEFORE": "2022-01-01/2022-12-31",
        "AFTER": "2023-01-01/2023-12-31",
        "CONTROL": f"{path}|layername=far",
        "OUTPUT": "memory:",
        "JSON": str(ev["tmp"] / "far.json"),
    }
    got = rows(run(params)["OUTPUT"])[0]
    ref = bingeo.before_after(
        ev["inc"],
        alive(nets, "2022-01-01", "2023-12-31", "GR-BIN-013"),
        network_id="GR-BIN-013",
        before=("2022-01-01", "2022-12-31"),
        after=("2023-01-01", "2023-12-31"),
        control=gpd.read_file(path, layer="far"),
        date_field="pleegdatum",
    )
    assert ref.counts["C"] == {"before": 0, "after": 0} and ref.counts["R"]["before"] > 0
    assert_row_equals(got, ref)
    assert all(got[m] is None for m in MEASURES)
    assert "no incidents in the control area" in got["undefined"] and "cannot be judged" in got["interpretation"]
    text = (ev["tmp"] / "far.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text


def test_all_networks_equal_evaluate_networks(ev):
    import geopandas as gpd
    import shapely

    import bingeo

    nets = ev["nets"]
    study = shapely.box(*nets.total_bounds).buffer(1500)
    path = polygons_file(ev["tmp"], "study", [study], nets.crs)
    out = ev["tmp"] / "all.json"
    res = run(
        {
            "INPUT": ev["inc_src"],
            "DATE_FIELD": "pleegdatum",
            "NETWORKS": ev["nets_src"],
            "MODE": 2,
            "MONTHS": 9,
            "STUDY_AREA": f"{path}|layername=study",
            "MIN_INCIDENTS": 5,
            "OUTPUT": "memory:",
            "JSON": str(out),
        }
    )
    got = {r["network_id"]: r for r in rows(res["OUTPUT"])}
    ref = bingeo.evaluate_networks(
        ev["inc"], nets, months=9, study_area=gpd.read_file(path, layer="study"), date_field="pleegdatum"
    )
    table = ref.table.set_index("network_id")
    assert set(got) == set(table.index) and len(got) == 19
    assert res["EVALUATED"] == len(ref.results) >= 1 and "GR-BIN-015" in ref.results
    for nid, row in got.items():
        want = table.loc[nid]
        assert row["evaluated"] == bool(want["evaluated"]), nid
        assert row["founded"] == want["founded"] and row["name"] == want["name"], nid
        if nid in ref.results:
            assert_row_equals(row, ref.results[nid], founded=want["founded"])
            for c in COUNTS + MEASURES:  # and the library's own table
                assert same(row[c], want[c]), (nid, c)
        else:
            assert row["reason"] == want["reason"] and "do not cover" in row["reason"], nid
            assert all(row[c] is None for c in COUNTS + MEASURES), nid
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["networks"] == as_json({nid: r.as_dict() for nid, r in ref.results.items()})
    assert data["not_evaluated"] == {nid: table.loc[nid, "reason"] for nid in table.index if nid not in ref.results}
    assert data["popups"] == as_json(ref.popups())


def test_unusable_incidents_are_kept_in_their_own_output(ev):
    """Incidents without a date or a location go to REJECTS (with the reason); the rest equal the library."""
    import geopandas as gpd

    import bingeo
    from bingeo.readers import write_table

    inc = ev["inc"].copy()
    inc.loc[:9, "pleegdatum"] = None
    inc.loc[10:12, "geometry"] = None
    path = ev["tmp"] / "gaps.gpkg"
    write_table(inc, path, layer="incidents")
    res = run(
        {
            "INPUT": f"{path}|layername=incidents",
            "DATE_FIELD": "pleegdatum",
            "NETWORKS": ev["nets_src"],
            "MODE": 1,
            "NETWORK": "GR-BIN-015",
            "MONTHS": 9,
            "OUTPUT": "memory:",
            "REJECTS": "memory:",
        }
    )
    rej = rows(res["REJECTS"])
    # features without a location are rejected by the reading, with the command line's code (issue 13: the plugin
    # reads points by read_points' rules); incidents without a date by the evaluation
    assert sorted(r["reject_reason"] for r in rej) == ["empty_geometry"] * 3 + ["no_date"] * 10
    assert sorted(r["registratienummer"] for r in rej) == sorted(inc["registratienummer"].iloc[:13])
    back = gpd.read_file(path, layer="incidents")
    before, after = bingeo.around_founding("2024-03-01", months=9)
    ref = bingeo.before_after(
        back[back.geometry.notna()],
        alive(ev["nets"], before[0], after[1], "GR-BIN-015"),
        network_id="GR-BIN-015",
        before=before,
        after=after,
        date_field="pleegdatum",
    )
    assert ref.incidents["no_date"] == 10
    assert_row_equals(rows(res["OUTPUT"])[0], ref, founded="2024-03-01")
    assert not res.get("JSON")  # no JSON unless asked


def test_layer_without_network_id_column(ev):
    """The sample networks file as it comes (bin_code, opgericht): ids and founding dates are recognised as the
    library's networks_from_frame does; GR-BIN-014 (founded 2021-05-17) 4 months either side; periods ignored."""
    import geopandas as gpd
    from qgis.core import QgsProcessingFeedback

    import bingeo

    fb = QgsProcessingFeedback()
    warnings = []
    fb.pushWarning = lambda t: warnings.append(t)  # noqa: E731
    res = run(
        {
            "INPUT": ev["inc_src"],
            "DATE_FIELD": "pleegdatum",
            "NETWORKS": str(SAMPLES / "networks.gpkg"),
            "MODE": 1,
            "NETWORK": "GR-BIN-014",
            "MONTHS": 4,
            "BEFORE": "2022-01-01/2022-12-31",
            "OUTPUT": "memory:",
        },
        feedback=fb,
    )
    nets, _, _ = bingeo.networks_from_frame(gpd.read_file(SAMPLES / "networks.gpkg"))
    before, after = bingeo.around_founding("2021-05-17", months=4)
    ref = bingeo.before_after(
        ev["inc"],
        alive(nets, before[0], after[1], "GR-BIN-014"),
        network_id="GR-BIN-014",
        before=before,
        after=after,
        date_field="pleegdatum",
    )
    assert ref.counts["R"]["before"] > 0 and ref.counts["C"]["before"] > 0
    assert_row_equals(rows(res["OUTPUT"])[0], ref, founded="2021-05-17")
    assert any("periods given are not used" in w for w in warnings), warnings


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"MODE": 0, "BEFORE": "2022-01-01/2022-12-31", "AFTER": "2023-01-01/2023-12-31"}, "Give the network id"),
        (
            {"MODE": 0, "NETWORK": "GR-BIN-999", "BEFORE": "2022-01-01/2022-12-31", "AFTER": "2023-01-01/2023-12-31"},
            "No network 'GR-BIN-999'.*GR-BIN-001",
        ),
        (
            {"MODE": 0, "NETWORK": "GR-BIN-013", "BEFORE": "2022-01-01", "AFTER": "2023-01-01/2023-12-31"},
            "Before period: give FROM/TO dates",
        ),
        (
            {"MODE": 0, "NETWORK": "GR-BIN-013", "BEFORE": "2022-01-01/2023-06-01", "AFTER": "2023-01-01/2023-12-31"},
            "overlap",
        ),
        ({"MODE": 2, "CONTROL": "NETWORKS"}, "leave the control area empty"),
    ],
)
def test_bad_parameters_are_clear_errors(ev, params, message):
    from qgis.core import QgsProcessingException

    full = {
        "INPUT": ev["inc_src"],
        "DATE_FIELD": "pleegdatum",
        "NETWORKS": ev["nets_src"],
        "OUTPUT": "memory:",
        **params,
    }
    if full.get("CONTROL") == "NETWORKS":
        full["CONTROL"] = ev["nets_src"]
    with pytest.raises(QgsProcessingException, match=message):
        run(full)


def test_networks_in_degrees_are_evaluated_in_metres(ev):
    """Issue 13: a networks layer in degrees is evaluated in the national grid of its place (RD New here).

    It used to be refused ("projected CRS in metres"); the counts now equal the library's on the RD layer.
    """
    import bingeo
    from bingeo.readers import write_table

    nets84 = ev["nets"].to_crs(4326)[["network_id", "valid_from", "valid_to", "geometry"]]
    path = ev["tmp"] / "nets84.gpkg"
    write_table(nets84, path, layer="nets84")
    assert layer(path, "nets84").featureCount() == len(nets84)
    res = run(
        {
            "INPUT": ev["inc_src"],
            "DATE_FIELD": "pleegdatum",
            "TYPE_FIELD": "soort_delict",
            "TYPES": "woninginbraak",
            "NETWORKS": f"{path}|layername=nets84",
            "MODE": 1,
            "NETWORK": "GR-BIN-015",
            "MONTHS": 9,
            "BUFFER": 400,
            "OUTPUT": "memory:",
        }
    )
    got = rows(res["OUTPUT"])
    before, after = bingeo.around_founding("2024-03-01", months=9)
    # the library on the same layer in degrees (a round trip through degrees moves edges by millimetres,
    # enough to move incidents that lie exactly on a boundary)
    ref = bingeo.before_after(
        burglaries(ev["inc"]).to_crs(4326),
        alive(ev["nets"], before[0], after[1], "GR-BIN-015").to_crs(4326),
        network_id="GR-BIN-015",
        before=before,
        after=after,
        buffer=400,
        date_field="pleegdatum",
    )
    assert len(got) == 1 and ref.counts["R"]["before"] > 20 and "EPSG:28992" in ref.notes[0]
    for area in "RBC":
        for period in ("before", "after"):
            assert got[0][f"{area}_{period}"] == ref.counts[area][period], (area, period)
