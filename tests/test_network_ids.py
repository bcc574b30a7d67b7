"""Common id columns are found without ``--id-field``, and lon/lat read as RD metres is refused.

The formats are those of real exports (CBS wijk- en buurtkaart, police.uk/ONS wards, Vancouver's portal,
KML placemarks, Flemish wijken and police zones), written here as small files with the same columns.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.registry import networks_from_frame
from tests.conftest import REAL_DATA as REAL


def run(*args: object, ok: bool = True) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == (0 if ok else 1), res.output
    assert "Traceback" not in res.output
    return res.output


def boxes(n: int, x0: float = 233000.0, y0: float = 582000.0, size: float = 100.0) -> list[shapely.Polygon]:
    return [shapely.box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(n)]


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"BU_CODE": ["BU00140000", "BU00140001"], "WK_CODE": ["WK001400"] * 2, "GM_CODE": ["GM0014"] * 2}, "BU_CODE"),
        ({"WK_CODE": ["WK001400", "WK001401"], "GM_CODE": ["GM0014"] * 2, "WK_NAAM": ["a", "b"]}, "WK_CODE"),
        ({"GM_CODE": ["GM0014", "GM0034"], "GM_NAAM": ["Groningen", "Almere"]}, "GM_CODE"),
        ({"ward_code": ["E05005247", "E05005248"], "ward_name": ["a", "b"]}, "ward_code"),
        ({"name": ["Downtown", "Kitsilano"], "mapid": ["CBD", "KITS"], "geo_point_2d": ["{}", "{}"]}, "mapid"),
        ({"geoitem": ["44021W01", "44021W02"], "naam": ["Binnenstad (Gent)", "b"]}, "geoitem"),
        ({"politiezon": ["ipz1", "ipz2"], "Shape_Leng": [1.0, 2.0], "Shape_Area": [1.0, 2.0]}, "politiezon"),
        ({"OBJECTID": [1, 2], "PC4": ["9711", "9712"]}, "PC4"),
        ({"objectid": [1, 2], "district": ["Burnley", "Pendle"]}, "district"),
    ],
    ids=["cbs-buurt", "cbs-wijk", "cbs-gemeente", "police-uk-ward", "vancouver", "flemish-wijk", "politiezone", "pc4",
         "uk-district"],
)  # fmt: skip
def test_common_id_columns_are_found(columns, expected):
    frame = gpd.GeoDataFrame(columns, geometry=boxes(2), crs=28992)
    nets, _, notes = networks_from_frame(frame, source="x")
    assert nets["network_id"].tolist() == [str(v) for v in columns[expected]]
    assert f"network_id={expected}" in " ".join(notes)


def test_kml_name_is_the_id_and_description_the_name():
    frame = gpd.GeoDataFrame(
        {
            "id": [None, None],
            "Name": ["17", "31"],
            "description": ["District 17", "District 31"],
            "tessellate": [-1, -1],
        },
        geometry=boxes(2),
        crs=28992,
    )
    nets, _, notes = networks_from_frame(frame, source="districts.geojson")
    assert nets["network_id"].tolist() == ["17", "31"] and nets["name"].tolist() == ["District 17", "District 31"]
    assert any("is empty in every feature" in n for n in notes)


def test_a_coarser_code_that_repeats_is_not_taken_as_the_id():
    """A buurt file without BU_CODE must not be merged into wijken by its WK_CODE."""
    frame = gpd.GeoDataFrame({"WK_CODE": ["WK001400"] * 3, "BU_NAAM": list("abc")}, geometry=boxes(3), crs=28992)
    with pytest.raises(bingeo.InputError, match="no id column found.*--id-field.*WK_CODE"):
        networks_from_frame(frame, source="buurten.shp")


@pytest.mark.requires("real-data")
@pytest.mark.parametrize(
    ("path", "n", "id_col"),
    [
        ("chicago/chicago_police_districts.kml", 23, "Name"),
        ("uk_nottingham/nottingham_wards.gpkg", 20, "ward_code"),
        ("vancouver/vancouver_local_areas.geojson", 22, "mapid"),
        ("belgium_flanders/politiezones.shp", 107, "politiezon"),
        ("netherlands_groningen_cbs_bag/buurt2017.zip", 108, "BU_CODE"),
        ("netherlands_groningen_cbs_bag/wijk2017.zip", 15, "WK_CODE"),
    ],
)
def test_real_files_import_without_id_field(tmp_path, path, n, id_col):
    out = run("networks", "import", REAL / path, "--store", tmp_path / "s.gpkg")
    assert f"network_id={id_col}" in out
    with bingeo.open_store(tmp_path / "s.gpkg") as st:
        assert len(st.networks()) == n


def _lonlat_shapefile(tmp_path: Path, prj: bool) -> Path:
    frame = gpd.GeoDataFrame(
        {"BU_CODE": ["BU00140000", "BU00140001"]},
        geometry=[shapely.box(6.5612, 53.2101, 6.5701, 53.2159), shapely.box(6.5701, 53.2101, 6.5802, 53.2159)],
        crs=28992 if prj else None,
    )
    path = tmp_path / "buurten.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided": that is the point
        frame.to_file(path)
    return path


@pytest.mark.parametrize("prj", [False, True], ids=["no-prj-and-crs-28992", "prj-says-28992"])
def test_lon_lat_given_as_rd_is_refused_and_named(tmp_path, prj):
    src = _lonlat_shapefile(tmp_path, prj)
    args = ["networks", "import", src, "--store", tmp_path / "s.gpkg"] + ([] if prj else ["--crs", "28992"])
    out = run(*args, ok=False)
    assert "look like EPSG:4326" in out and "`--crs 4326`" in out and "EPSG:28992" in out
    assert not (tmp_path / "s.gpkg").exists()
    if not prj:  # with the right CRS it imports, into RD New (the data lie in the Netherlands)
        run("networks", "import", src, "--store", tmp_path / "s.gpkg", "--crs", "4326")
        with bingeo.open_store(tmp_path / "s.gpkg") as st:
            assert st.crs.to_epsg() == 28992 and st.networks().area.min() > 10_000
