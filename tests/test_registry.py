"""Registry: reading network boundaries from real files, normalising, repairing, checking."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

import bingeo
from bingeo.registry import check_networks, import_networks, networks_from_frame
from tests.conftest import REAL_DATA as REAL

needs_real = pytest.mark.requires("real-data")


def read_thehague() -> gpd.GeoDataFrame:
    """Parse the custom The Hague police-area format (lat first; '^' joins two pairs) independently."""
    rows = []
    for line in (REAL / "defects_thehague" / "thehague_police_areas.txt").read_text(encoding="utf-8").splitlines():
        head, *pairs = line.split("|")
        code, name = head.split(",", 1)
        coords = []
        for p in pairs:
            for q in p.split("^"):
                lat, lon = map(float, q.split(","))
                coords.append((lon, lat))
        rows.append({"code": code, "naam": name, "geometry": shapely.Polygon(coords)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


@needs_real
def test_thehague_invalid_polygons_are_repaired_and_reported():
    raw = read_thehague()
    n_invalid = int((~raw.is_valid).sum())
    assert n_invalid > 80  # SOURCES.md counts 87; the count depends on how "^" joins are read
    nets, repairs, notes = networks_from_frame(raw, source="areas.txt", id_field="code", target_crs=28992)
    assert len(repairs) == n_invalid
    assert all("repaired with make_valid" in r for r in repairs)
    assert nets.is_valid.all()
    assert set(nets.geom_type) == {"MultiPolygon"}
    assert nets.crs.to_epsg() == 28992
    assert nets["repair_note"].notna().sum() == n_invalid
    # repaired networks keep (almost) their area
    raw28992 = raw.to_crs(28992).set_index("code")
    bad = nets[nets["repair_note"].notna()].set_index("network_id")
    rel = (bad.area - shapely.area(shapely.make_valid(raw28992.geometry[bad.index].values))).abs() / bad.area
    assert (rel < 1e-6).all()


@needs_real
def test_flemish_shapefile_with_esri_prj_imports_as_lambert72(tmp_path):
    report = import_networks(
        REAL / "belgium_flanders" / "ggw7_wijken.shp", tmp_path / "be.gpkg", kind="bin", id_field="geoitem"
    )
    assert len(report.added) == 2767
    with bingeo.open_store(tmp_path / "be.gpkg") as st:
        assert st.crs.to_epsg() == 31370
        nets = st.networks()
    assert nets.set_index("network_id").loc["44021W01", "name"] == "Binnenstad (Gent)"
    assert "Zoniënwoud" in " ".join(nets["name"])
    # second import of the same file: nothing changes
    again = import_networks(
        REAL / "belgium_flanders" / "ggw7_wijken.shp", tmp_path / "be.gpkg", kind="bin", id_field="geoitem"
    )
    assert len(again.unchanged) == 2767 and not again.added and not again.updated


@pytest.mark.parametrize("store_crs", [28992, 3812])
@needs_real
def test_reprojected_into_the_store_crs(tmp_path, store_crs):
    path = tmp_path / "s.gpkg"
    with bingeo.open_store(path, create=True, crs=store_crs):
        pass
    import_networks(REAL / "vancouver" / "vancouver_local_areas.geojson", path, id_field="mapid", name_field="name")
    with bingeo.open_store(path) as st:
        assert st.crs.to_epsg() == store_crs
        assert len(st.networks()) == 22


@needs_real
def test_chicago_kml_split_district_merged_into_one_network(tmp_path):
    report = import_networks(
        REAL / "chicago" / "chicago_police_districts.kml",
        tmp_path / "chi.gpkg",
        id_field="Name",
        name_field="description",
        store_crs=26916,
    )
    assert len(report.added) == 23
    assert any("31 (3 features)" in n for n in report.notes)
    with bingeo.open_store(tmp_path / "chi.gpkg") as st:
        d31 = st.networks().set_index("network_id").geometry["31"]
    assert len(shapely.get_parts(d31)) >= 3


def test_missing_id_column_lists_columns():
    gdf = gpd.GeoDataFrame({"wijk": ["a"], "foo": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=28992)
    with pytest.raises(bingeo.InputError, match=r"no id column.*--id-field.*columns: wijk, foo"):
        networks_from_frame(gdf)
    with pytest.raises(bingeo.InputError, match=r"no column 'nope'.*Columns: wijk, foo"):
        networks_from_frame(gdf, id_field="nope")


def test_kind_values_mapped_and_bad_kind_named():
    gdf = gpd.GeoDataFrame(
        {"id": ["1", "2", "3"], "soort": ["BIN", "Z-BIN", "WhatsApp-buurtpreventie"]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)],
        crs=28992,
    )
    nets, _, _ = networks_from_frame(gdf)
    assert nets["kind"].tolist() == ["bin", "zbin", "whatsapp"]
    gdf.loc[1, "soort"] = "burgernet"
    with pytest.raises(bingeo.InputError, match=r"feature 2 \(id 2\): kind 'burgernet'"):
        networks_from_frame(gdf)


def test_retired_needs_a_date_and_dates_are_parsed_dutch_style():
    gdf = gpd.GeoDataFrame(
        {
            "id": ["1", "2"],
            "opgericht": ["20-9-2017", "2018-03-01"],
            "status": ["actief", "opgeheven"],
            "opgeheven_op": [None, "1-2-2022"],
        },
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=28992,
    )
    nets, _, _ = networks_from_frame(gdf)
    assert nets["founded"].tolist() == ["2017-09-20", "2018-03-01"]
    assert nets["valid_to"].isna().tolist() == [True, False] and nets["valid_to"][1] == "2022-02-01"
    assert nets["status"].tolist() == ["active", "retired"]
    gdf.loc[1, "opgeheven_op"] = None
    with pytest.raises(bingeo.InputError, match="retired but has no retirement date"):
        networks_from_frame(gdf)


def test_no_crs_is_an_error():
    gdf = gpd.GeoDataFrame({"id": ["1"]}, geometry=[shapely.box(0, 0, 1, 1)])
    with pytest.raises(bingeo.InputError, match="no CRS.*--crs"):
        networks_from_frame(gdf, source="x.shp")


def test_check_reports_overlaps_slivers_and_gaps():
    geoms = {
        "big": shapely.box(0, 0, 1000, 1000),
        "nested": shapely.box(100, 100, 300, 300),  # a WhatsApp group inside a BIN
        "east": shapely.box(1000.5, 0, 2000, 1000),  # 0.5 m gap strip to big: not enclosed
        "sliver": shapely.box(1999, 0, 3000, 1000),  # overlaps east by a 1 m strip
        "ring": shapely.box(0, 1000, 2000, 2000).difference(shapely.box(500, 1200, 520, 1300)),
    }
    nets = gpd.GeoDataFrame({"network_id": list(geoms)}, geometry=list(geoms.values()), crs=28992)
    rep = check_networks(nets)
    ov = rep.overlaps.set_index(["network_id_a", "network_id_b"])
    assert ov.loc[("big", "nested"), "relation"] == "nested"
    assert ov.loc[("big", "nested"), "area_m2"] == pytest.approx(40000)
    assert not ov.loc[("big", "nested"), "sliver"]
    assert ov.loc[("east", "sliver"), "area_m2"] == pytest.approx(1000)
    assert ov.loc[("east", "sliver"), "sliver"]
    assert len(ov) == 2  # touching networks are not overlaps
    # the 20 x 100 m hole inside "ring" is a gap, and so is nothing else
    assert rep.gaps["area_m2"].round().tolist() == [2000.0]
    assert "Overlaps between active networks: 2" in rep.summary()
    assert not rep.ok


def test_check_clean_networks_ok():
    nets = gpd.GeoDataFrame(
        {"network_id": ["a", "b"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=28992
    )
    rep = check_networks(nets)
    assert rep.ok and rep.overlaps.empty and rep.gaps.empty


def test_effective_date_and_as_of_through_import(tmp_path):
    src = tmp_path / "n.geojson"
    gpd.GeoDataFrame({"id": ["1"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=28992).to_file(src)
    import_networks(src, tmp_path / "s.gpkg", effective=dt.date(2020, 1, 1))
    gpd.GeoDataFrame({"id": ["1"]}, geometry=[shapely.box(0, 0, 20, 10)], crs=28992).to_file(src)
    rep = import_networks(src, tmp_path / "s.gpkg", effective=dt.date(2021, 1, 1))
    assert rep.updated == ["1"]
    with bingeo.open_store(tmp_path / "s.gpkg") as st:
        assert np.isclose(st.networks(at="2020-06-01").area.iloc[0], 100)
        assert np.isclose(st.networks(at="2021-06-01").area.iloc[0], 200)
