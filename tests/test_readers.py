"""Tests for bingeo.readers, on real shared data and small synthetic NL/BE files."""

from __future__ import annotations

import gzip
import logging
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bingeo.errors import CRSError, InputError
from bingeo.readers import (
    REJECT_REASONS,
    ReadResult,
    read_points,
    read_polygons,
    rejects_path,
    write_table,
)
from tests.conftest import REAL_DATA as REAL  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

VPD = REAL / "vancouver" / "vpd_crimedata_AllNeighbourhoods_{}.csv.gz"
ADDRESSES = REAL / "vancouver" / "vancouver_property_addresses_sample.csv.gz"
LANCS_ASB = REAL / "uk_lancashire" / "lancashire_asb_2022.tab.gz"
LANCS_WARDS = REAL / "uk_lancashire" / "lancashire_wards.gpkg"
CHICAGO_KML = REAL / "chicago" / "chicago_police_districts.kml"
GGW7 = REAL / "belgium_flanders" / "ggw7_wijken.shp"
BUURT = REAL / "netherlands_groningen_cbs_bag" / "buurt2017.zip"
WIJK = REAL / "netherlands_groningen_cbs_bag" / "wijk2017.zip"
BAG = REAL / "netherlands_groningen_cbs_bag" / "verblijfsobjecten_onderwijs_RD.zip"

needs_real = pytest.mark.requires("real-data")


def _accounting(res: ReadResult, total: int) -> None:
    """Every input row is in exactly one of points/rejects, numbered 1..total."""
    assert len(res.points) + len(res.rejects) == total
    rows = np.sort(np.concatenate([res.points["source_row"].to_numpy(), res.rejects["source_row"].to_numpy()]))
    assert (rows == np.arange(1, total + 1)).all()
    assert list(res.points.index) == list(range(len(res.points)))
    assert list(res.points.columns[-2:]) == ["source_row", "geometry"]
    assert list(res.rejects.columns[-3:]) == [
        "source_row",
        "reject_reason",
        "reject_detail",
    ]
    assert set(res.rejects["reject_reason"]) <= set(REJECT_REASONS)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------- real data: points


@needs_real
def test_vancouver_2023_zero_zero_privacy_offsets() -> None:
    src = str(VPD).format(2023)
    ref = pd.read_csv(src)
    zero = (ref["X"] == 0) & (ref["Y"] == 0)
    res = read_points(src, crs=26910)
    _accounting(res, len(ref))
    assert res.crs.to_epsg() == 26910
    assert (res.rejects["reject_reason"] == "zero_zero").sum() == zero.sum() > 20_000 / 6
    # source_row points back at the very records pandas sees at X == Y == 0
    assert sorted(res.rejects.loc[res.rejects.reject_reason == "zero_zero", "source_row"]) == list(
        np.flatnonzero(zero.to_numpy()) + 1
    )
    # original columns, original order, coordinates as floats; then the date made of YEAR/MONTH/DAY/HOUR/MINUTE
    assert list(res.points.columns[:-3]) == list(ref.columns)
    assert res.points.columns[-3] == "date"
    kept = ref[~zero & ref["X"].notna()]
    want = pd.to_datetime(kept[["YEAR", "MONTH", "DAY", "HOUR", "MINUTE"]].rename(columns=str.lower))
    assert res.points["date"].tolist() == want.tolist()
    assert res.points["X"].dtype == "float64"
    assert res.points["YEAR"].dtype == "int64"
    np.testing.assert_allclose(res.points.geometry.x, ref.loc[~zero, "X"].to_numpy())
    minx, miny, maxx, maxy = res.points.total_bounds
    assert 483_000 < minx and maxx < 499_000 and 5_449_000 < miny and maxy < 5_463_000
    assert "zero_zero" in res.summary() or "at 0/0" in res.summary()


@needs_real
def test_vancouver_2024_empty_coordinates_counted_independently() -> None:
    src = str(VPD).format(2024)
    ref = pd.read_csv(src)
    empty = ref["X"].isna() | ref["Y"].isna()
    zero = (ref["X"] == 0) & (ref["Y"] == 0)
    res = read_points(src, crs=26910)
    _accounting(res, len(ref))
    got = res.rejects.loc[res.rejects.reject_reason == "empty_coordinates", "source_row"]
    assert list(got) == list(np.flatnonzero(empty.to_numpy()) + 1)
    assert len(got) == empty.sum() == 10
    assert (res.rejects.reject_reason == "zero_zero").sum() == zero.sum()
    assert len(res.points) == (~empty & ~zero).sum()
    summary = res.summary()
    assert summary.startswith(f"Read {len(ref):,} rows from {src}: {len(res.points):,} usable")
    assert f"{zero.sum():,} at 0/0" in summary and "10 empty coordinates" in summary


@needs_real
def test_vancouver_without_crs_cannot_be_guessed() -> None:
    with pytest.raises(InputError, match=r"no CRS.*--crs 28992"):
        read_points(str(VPD).format(2023))


@needs_real
def test_vancouver_extent_rejects_match_independent_count() -> None:
    src = str(VPD).format(2024)
    areas = gpd.read_file(REAL / "vancouver" / "vancouver_local_areas.geojson")
    box = tuple(areas.total_bounds)
    res = read_points(src, crs=26910, target_crs=4326, extent=box)
    _accounting(res, len(pd.read_csv(src)))
    ref = pd.read_csv(src)
    ref = ref[ref.X.notna() & ~((ref.X == 0) & (ref.Y == 0))]
    pts = gpd.GeoSeries(gpd.points_from_xy(ref.X, ref.Y), crs=26910).to_crs(4326)
    margin = max(0.5 * max(box[2] - box[0], box[3] - box[1]), 0.05)  # the documented rule
    inside = pts.x.between(box[0] - margin, box[2] + margin) & pts.y.between(box[1] - margin, box[3] + margin)
    assert (res.rejects.reject_reason == "outside_extent").sum() == (~inside).sum()
    assert len(res.points) == inside.sum()
    assert res.crs.to_epsg() == 4326
    assert any("Reprojected" in n for n in res.notes)


@needs_real
@pytest.mark.parametrize(
    ("crs", "xcol", "ycol"),
    [
        (4326, "longitude", "latitude"),
        (3005, "albers_x", "albers_y"),
        (None, "longitude", "latitude"),
    ],
    ids=["wgs84-lonlat", "bc-albers", "no-crs-prefers-lonlat"],
)
def test_vancouver_addresses_pair_follows_crs(crs, xcol, ycol) -> None:
    ref = pd.read_csv(ADDRESSES)
    res = read_points(ADDRESSES, crs=crs)
    _accounting(res, len(ref))
    np.testing.assert_allclose(res.points.geometry.x.to_numpy(), ref[xcol].to_numpy())
    np.testing.assert_allclose(res.points.geometry.y.to_numpy(), ref[ycol].to_numpy())
    assert res.crs.to_epsg() == (crs or 4326)
    chosen = [n for n in res.notes if "Several coordinate columns" in n]
    assert chosen and f"'{xcol}'/'{ycol}'" in chosen[0]
    # the id column stays a number, the address text
    assert res.points["id"].dtype == "int64"
    assert res.points["address"].iloc[0] == ref["address"].iloc[0]


@needs_real
def test_lancashire_tab_separated() -> None:
    ref = pd.read_csv(LANCS_ASB, sep="\t")
    res = read_points(LANCS_ASB)
    _accounting(res, len(ref))
    assert any("tab" in n for n in res.notes)
    assert res.crs.to_epsg() == 4326
    assert list(res.points.columns) == list(ref.columns) + ["source_row", "geometry"]
    np.testing.assert_allclose(res.points.geometry.y.to_numpy(), ref["latitude"].to_numpy())
    assert (res.points["lsoa_code"] == ref["lsoa_code"]).all()


@needs_real
def test_bag_zipped_shapefile_points_are_2d_rd() -> None:
    res = read_points(BAG)
    assert len(res.points) == 242 and len(res.rejects) == 0
    assert res.crs.to_epsg() == 28992
    assert not res.points.has_z.any()
    # lon/lat text attributes stay text (17 significant digits, never mangled)
    assert res.points["lon"].dtype != "float64"
    with pytest.raises(InputError, match=r"says its CRS is EPSG:28992.*Leave out `crs`"):
        read_points(BAG, crs=4326)


@needs_real
def test_points_from_polygon_layer_say_what_it_holds() -> None:
    with pytest.raises(InputError, match=r"no points; it holds Polygon \(22\)"):
        read_points(REAL / "vancouver" / "vancouver_local_areas.geojson")


@needs_real
def test_bag_attribute_columns_instead_of_geometry() -> None:
    res = read_points(BAG, x_field="lon", y_field="lat")
    assert res.crs.to_epsg() == 4326
    ref = gpd.read_file(BAG).to_crs(4326)
    np.testing.assert_allclose(res.points.geometry.x, ref.geometry.x, atol=1e-5)


# ---------------------------------------- real data: polygons


@needs_real
def test_chicago_kml_polygons() -> None:
    g = read_polygons(CHICAGO_KML)
    assert len(g) == 25
    assert g.crs.to_epsg() == 4326
    assert set(g.geom_type) == {"MultiPolygon"}
    assert not g.has_z.any()
    assert (g["Name"] == "31").sum() == 3
    assert "tessellate" not in g.columns and "icon" not in g.columns
    assert list(g.columns) == ["Name", "description", "geometry"]


@needs_real
def test_flanders_shapefile_esri_prj_is_lambert72() -> None:
    g = read_polygons(GGW7)
    assert g.crs.to_epsg() == 31370
    assert len(g) == 2767
    assert g["naam"].str.contains("Zoniënwoud").any()
    g2 = read_polygons(GGW7, target_crs=3812)
    assert g2.crs.to_epsg() == 3812
    assert 500_000 < g2.total_bounds[0] < 800_000
    with pytest.raises(InputError, match="Leave out `crs`"):
        read_polygons(GGW7, crs=28992)
    # same CRS spelled differently is fine
    assert len(read_polygons(GGW7, crs="EPSG:31370")) == 2767


@needs_real
def test_groningen_zipped_shapefile() -> None:
    g = read_polygons(BUURT, target_crs=28992)
    assert len(g) == 108
    assert g.crs.to_epsg() == 28992
    assert g["BU_CODE"].str.startswith("BU0014").all()
    minx, miny, maxx, maxy = g.total_bounds
    assert 200_000 < minx < maxx < 260_000 and 560_000 < miny < maxy < 600_000


@needs_real
def test_lancashire_wards_gpkg() -> None:
    g = read_polygons(LANCS_WARDS)
    assert g.crs.to_epsg() == 27700 and len(g) == 271
    assert list(g.columns) == ["ward_code", "ward_name", "geometry"]


@needs_real
def test_polygons_from_point_layer_say_what_it_holds() -> None:
    with pytest.raises(InputError, match=r"no polygons; it holds Point \(242\)"):
        read_polygons(BAG)


@needs_real
def test_zip_with_several_shapefiles(tmp_path) -> None:
    both = tmp_path / "both.zip"
    with zipfile.ZipFile(both, "w") as out:
        for src in (BUURT, WIJK):
            with zipfile.ZipFile(src) as zin:
                for name in zin.namelist():
                    out.writestr(name, zin.read(name))
    with pytest.raises(InputError, match=r"2 shapefiles \(buurt2017, wijk2017\).*--layer"):
        read_polygons(both)
    assert len(read_polygons(both, layer="wijk2017")) == 15
    with pytest.raises(InputError, match="no layer 'nope'.*buurt2017, wijk2017"):
        read_polygons(both, layer="nope")


@needs_real
def test_zip_with_shapefile_in_subfolder(tmp_path) -> None:
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as out, zipfile.ZipFile(BUURT) as zin:
        for name in zin.namelist():
            out.writestr(f"export/{name}", zin.read(name))
    assert len(read_polygons(nested)) == 108


@needs_real
def test_truncated_zip(tmp_path) -> None:
    bad = tmp_path / "buurt.zip"
    bad.write_bytes(BUURT.read_bytes()[:30_000])
    with pytest.raises(InputError, match="not a valid zip archive"):
        read_polygons(bad)
    with pytest.raises(InputError, match="not a valid zip archive"):
        read_points(bad)


# ---------------------------------------- synthetic NL/BE CSV

NL_CSV = (
    "Registratienummer;Pleegdatum;Meldtijd;Omschrijving;X;Y;Postcode\n"
    "1;20-9-2017 17:30;2017-09-20T18:00:00;Fietsdiefstal bij "
    "café;155000,5;463000,25;0123\n"
    '2;1-10-2017 07:05;2017-10-01 07:30;"Inbraak, twee regels\nmet ëën newline";'
    "155.100,75;463.200,5;1234\n"
    "3;31/12/2017;2017-12-31;Overlast;;;4321\n"
    "4;1-1-2018 00:00;2018-01-01T00:00:00;Privacy;0;0;1000\n"
    "5;2-1-2018 12:00;2018-01-02T12:00:00;Onleesbaar;abc;463000;1000\n"
)


@pytest.mark.parametrize(
    "encoding",
    ["cp1252", "utf-8", "utf-8-sig"],
    ids=["windows-1252", "utf8", "utf8-bom"],
)
def test_nl_semicolon_decimal_comma(tmp_path, encoding) -> None:
    src = _write(tmp_path / "meldingen.csv", NL_CSV, encoding)
    res = read_points(src, crs=28992)
    _accounting(res, 5)
    pts, rej = res.points, res.rejects
    assert list(pts["source_row"]) == [1, 2]
    assert list(pts["X"]) == [155000.5, 155100.75]
    assert list(pts["Y"]) == [463000.25, 463200.5]
    assert list(pts.geometry.x) == [155000.5, 155100.75]
    assert pts.loc[0, "Omschrijving"] == "Fietsdiefstal bij café"
    assert pts.loc[1, "Omschrijving"] == "Inbraak, twee regels\nmet ëën newline"
    # dates: day first and ISO
    assert pts["Pleegdatum"].tolist() == [
        pd.Timestamp("2017-09-20 17:30"),
        pd.Timestamp("2017-10-01 07:05"),
    ]
    assert pts["Meldtijd"].tolist() == [
        pd.Timestamp("2017-09-20 18:00"),
        pd.Timestamp("2017-10-01 07:30"),
    ]
    # postcodes with a leading zero stay text
    assert pts["Postcode"].tolist() == ["0123", "1234"]
    assert pts["Registratienummer"].dtype == "int64"
    assert dict(zip(rej["source_row"], rej["reject_reason"])) == {
        3: "empty_coordinates",
        4: "zero_zero",
        5: "unparseable_coordinates",
    }
    # rejects keep the raw strings
    assert rej.loc[rej.source_row == 3, "Pleegdatum"].item() == "31/12/2017"
    notes = " ".join(res.notes)
    assert "semicolon" in notes and "decimal comma" in notes and "Pleegdatum" in notes
    if encoding == "cp1252":
        assert "Windows-1252" in notes
    elif encoding == "utf-8-sig":
        assert "BOM" in notes
    # same result whatever the encoding
    assert res.points.columns[0] == "Registratienummer"


def test_encodings_give_identical_frames(tmp_path) -> None:
    frames = [
        read_points(_write(tmp_path / f"{i}.csv", NL_CSV, enc), crs=28992).points
        for i, enc in enumerate(["cp1252", "utf-8", "utf-8-sig"])
    ]
    assert_geodataframe_equal(frames[0], frames[1])
    assert_geodataframe_equal(frames[0], frames[2])


def test_gzipped_csv_and_crs_guess_rd(tmp_path) -> None:
    src = tmp_path / "incidenten.csv.gz"
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.write("id,rd_x,rd_y\n1,121000,487000\n2,121500,487500\n")
    res = read_points(src)
    assert res.crs.to_epsg() == 28992
    assert any("guessed EPSG:28992" in n for n in res.notes)


@pytest.mark.parametrize(
    ("rows", "epsg"),
    [
        ("104000;194000\n105000;195000\n", 31370),
        ("649000;669000\n650000;670000\n", 3812),
        ("4,89;52,37\n5,12;52,09\n", 4326),
        ("121000;487000\n122000;488000\n", 28992),
    ],
    ids=["lambert72", "lambert2008", "degrees", "rd-new"],
)
def test_crs_guess_from_ranges(tmp_path, rows, epsg) -> None:
    res = read_points(_write(tmp_path / "p.csv", "x;y\n" + rows))
    assert res.crs.to_epsg() == epsg
    assert any("guessed" in n for n in res.notes)


def test_crs_guess_refuses_rd_lambert_overlap(tmp_path) -> None:
    # y between 250,000 and 300,000 could be RD (south) or Lambert 72 (north): no guess
    src = _write(tmp_path / "p.csv", "x;y\n180000;270000\n181000;280000\n")
    with pytest.raises(InputError, match=r"no CRS.*`crs` \(CLI: --crs 28992\)"):
        read_points(src)


def test_thousands_separators_and_ambiguous_values(tmp_path) -> None:
    text = "x;y\n155.000,5;463.000,5\n155.000;463.000\n155000;463000,5\n"
    res = read_points(_write(tmp_path / "p.csv", text), crs=28992)
    assert list(res.points["x"]) == [155000.5, 155000.0, 155000.0]
    assert list(res.points["y"]) == [463000.5, 463000.0, 463000.5]
    # without other evidence a single separator is the decimal mark
    res = read_points(_write(tmp_path / "q.csv", "lon;lat\n4,895;52,370\n"))
    assert list(res.points["lon"]) == [4.895] and list(res.points["lat"]) == [52.37]
    # point-decimal with comma thousands
    res = read_points(_write(tmp_path / "r.csv", 'x,y\n"155,000.5","463,000.25"\n'), crs=28992)
    assert list(res.points.geometry.x) == [155000.5]


def test_wrong_field_count_is_rejected(tmp_path) -> None:
    text = "id;x;y;opm\n1;155000;463000;a\n2;155000;463000;b;extra\n3;155000\n"
    res = read_points(_write(tmp_path / "p.csv", text), crs=28992)
    _accounting(res, 3)
    assert list(res.rejects["reject_reason"]) == [
        "wrong_field_count",
        "wrong_field_count",
    ]
    assert "5 fields, the header has 4" in res.rejects["reject_detail"].iloc[0]


def test_swapped_lat_lon_geographic(tmp_path) -> None:
    text = "longitude,latitude\n-123.1,49.28\n49.27,-123.05\n-123.2,95.0\n-123.0,49.2\n-123.1,49.3\n"
    res = read_points(_write(tmp_path / "p.csv", text))
    _accounting(res, 5)
    assert dict(zip(res.rejects.source_row, res.rejects.reject_reason)) == {
        2: "swapped_lat_lon",
        3: "out_of_range",
    }
    assert res.points.geometry.x.tolist() == [-123.1, -123.0, -123.1]


def test_swapped_lat_lon_by_extent_in_nl(tmp_path) -> None:
    # NL swapped lon/lat stay valid degrees: only the extent can tell
    text = "lat;lon\n52,37;4,89\n4,90;52,36\n40,0;-3,7\n"
    nl = (3.3, 50.7, 7.3, 53.6)
    res = read_points(_write(tmp_path / "p.csv", text), extent=nl)
    _accounting(res, 3)
    assert dict(zip(res.rejects.source_row, res.rejects.reject_reason)) == {
        2: "swapped_lat_lon",
        3: "outside_extent",
    }
    assert res.points.geometry.x.tolist() == [4.89]  # never silently swapped


def test_extent_margin_minimum_5000_m(tmp_path) -> None:
    text = "x;y\n104999;100000\n105001;100000\n"
    res = read_points(
        _write(tmp_path / "p.csv", text),
        crs=28992,
        extent=(95_000, 95_000, 100_000, 100_000),
    )
    assert res.points["source_row"].tolist() == [1]
    assert res.rejects["reject_reason"].tolist() == ["outside_extent"]


def test_wkt_column_with_srid(tmp_path) -> None:
    text = (
        'id;wkt\n1;"SRID=28992;POINT (155000 463000)"\n2;"SRID=28992;POINT EMPTY"\n'
        '3;"SRID=28992;LINESTRING (0 0, 1 1)"\n'
        '4;"SRID=28992;MULTIPOINT ((155100 463100))"\n5;nonsense\n6;\n'
    )
    res = read_points(_write(tmp_path / "p.csv", text))
    _accounting(res, 6)
    assert res.crs.to_epsg() == 28992
    assert res.points["source_row"].tolist() == [1, 4]
    assert res.points.geometry.x.tolist() == [155000.0, 155100.0]
    assert dict(zip(res.rejects.source_row, res.rejects.reject_reason)) == {
        2: "empty_coordinates",
        3: "not_a_point",
        5: "unparseable_coordinates",
        6: "empty_coordinates",
    }


def test_bad_dates_are_kept_as_text_not_rejected(tmp_path) -> None:
    text = "datum;tijdstip;x;y\n20-9-2017;17:30;155000;463000\nmorgen;18:00;155001;463001\n"
    res = read_points(_write(tmp_path / "p.csv", text), crs=28992)
    assert len(res.points) == 2 and len(res.rejects) == 0
    assert res.points["datum"].tolist() == ["20-9-2017", "morgen"]
    assert res.points["tijdstip"].tolist() == ["17:30", "18:00"]
    assert any("'datum' kept as text" in n for n in res.notes)
    # explicit date_fields
    text = "gebeurd;x;y\n20/09/2017;155000;463000\n"
    res = read_points(_write(tmp_path / "q.csv", text), crs=28992, date_fields=["gebeurd"])
    assert res.points["gebeurd"].tolist() == [pd.Timestamp("2017-09-20")]
    with pytest.raises(InputError, match="no column 'nope'"):
        read_points(_write(tmp_path / "q.csv", text), crs=28992, date_fields=["nope"])


def test_non_finite_after_reprojection(tmp_path) -> None:
    text = "lon,lat\n5.0,52.0\n-170.0,-52.0\n4.0,51.0\n"
    res = read_points(_write(tmp_path / "p.csv", text), target_crs=3035)
    _accounting(res, 3)
    assert res.rejects["reject_reason"].tolist() == ["non_finite"]
    assert res.rejects["source_row"].tolist() == [2]
    assert res.crs.to_epsg() == 3035


def test_excel_sep_line_and_utf16(tmp_path) -> None:
    text = "sep=;\nx;y;naam\n155000,5;463000;Zoë\n"
    res = read_points(_write(tmp_path / "p.csv", text), crs=28992)
    assert res.points["source_row"].tolist() == [1]
    assert res.points["x"].tolist() == [155000.5]
    res = read_points(
        _write(tmp_path / "u.txt", "x\ty\tnaam\n155000,5\t463000\tZoë\n", "utf-16"),
        crs=28992,
    )
    assert res.points["naam"].tolist() == ["Zoë"] and res.points["x"].tolist() == [155000.5]
    assert any("UTF-16" in n for n in res.notes)


def test_unclosed_quote_is_an_error_not_a_lost_row(tmp_path) -> None:
    src = _write(tmp_path / "p.csv", 'x;y;naam\n155000;463000;"open\n155010;463010;b\n')
    with pytest.raises(InputError, match="at data record 1 .*unclosed or stray quote"):
        read_points(src, crs=28992)
    # a quote inside an unquoted field is fine
    src = _write(tmp_path / "q.csv", 'x;y;naam\n155000;463000;12" tv\n')
    assert read_points(src, crs=28992).points["naam"].tolist() == ['12" tv']


def test_sep_override(tmp_path) -> None:
    src = _write(tmp_path / "p.txt", "x|y|naam\n155000|463000|a;b\n")
    res = read_points(src, sep="|", crs=28992)
    assert res.points["naam"].tolist() == ["a;b"]
    assert any("as given" in n for n in res.notes)


def test_source_row_column_in_input_is_kept(tmp_path) -> None:
    src = _write(tmp_path / "p.csv", "source_row,x,y\n7,155000,463000\n")
    res = read_points(src, crs=28992)
    assert res.points["source_row_input"].tolist() == [7]
    assert res.points["source_row"].tolist() == [1]


# ---------------------------------------- errors


def test_no_coordinate_columns_lists_columns(tmp_path) -> None:
    src = _write(tmp_path / "leden.csv", "naam;straat;huisnummer\nA;B;1\n")
    with pytest.raises(
        InputError,
        match=r"leden\.csv: no coordinate columns.*naam, straat, huisnummer.*--x-field",
    ):
        read_points(src)


def test_unknown_x_field_lists_columns(tmp_path) -> None:
    src = _write(tmp_path / "p.csv", "a;b\n155000;463000\n")
    with pytest.raises(InputError, match=r"no column 'oost'.*Columns: a, b"):
        read_points(src, x_field="oost", y_field="b", crs=28992)
    with pytest.raises(InputError, match="without `y_field`"):
        read_points(src, x_field="a")
    res = read_points(src, x_field="A", y_field="B", crs=28992)  # case-insensitive
    assert res.points.geometry.x.tolist() == [155000.0]


def test_missing_file() -> None:
    with pytest.raises(InputError, match="nope.csv: file not found"):
        read_points("nope.csv")
    with pytest.raises(InputError, match="nope.gpkg: file not found"):
        read_polygons("nope.gpkg")


def test_corrupt_gpkg(tmp_path) -> None:
    bad = tmp_path / "netwerken.gpkg"
    bad.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(InputError, match=r"netwerken\.gpkg: cannot be opened as a vector file"):
        read_polygons(bad)
    with pytest.raises(InputError, match="cannot be opened as a vector file"):
        read_points(bad)


@pytest.mark.parametrize(
    ("text", "match"),
    [("", "empty"), ("\n\n", "empty"), ("x;y\n", "header but no data rows")],
    ids=["zero-bytes", "blank-lines", "header-only"],
)
def test_empty_csv(tmp_path, text, match) -> None:
    with pytest.raises(InputError, match=match):
        read_points(_write(tmp_path / "p.csv", text), crs=28992)


def test_binary_named_csv(tmp_path) -> None:
    src = tmp_path / "p.csv"
    src.write_bytes(b"x;y\n\x00\x01\x02")
    with pytest.raises(InputError, match="not look like a text table"):
        read_points(src)


def _gpkg_with_layers(path: Path) -> None:
    pts = gpd.GeoDataFrame(
        {"naam": ["a", "b"]},
        geometry=[shapely.Point(155000, 463000), shapely.Point(155100, 463100)],
        crs=28992,
    )
    poly = gpd.GeoDataFrame({"naam": ["n1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=28992)
    write_table(pts, path, layer="meldingen")
    write_table(poly, path, layer="netwerken")


def test_gpkg_layers(tmp_path) -> None:
    src = tmp_path / "bin.gpkg"
    _gpkg_with_layers(src)
    with pytest.raises(
        InputError,
        match=r"has no layer 'wijken'.*meldingen \(Point\), netwerken \(Polygon\)",
    ):
        read_points(src, layer="wijken")
    with pytest.raises(InputError, match="has no layer 'wijken'"):
        read_polygons(src, layer="wijken")
    # without `layer`: the only point / polygon layer is chosen
    assert len(read_points(src).points) == 2
    assert read_polygons(src)["naam"].tolist() == ["n1"]
    write_table(
        gpd.GeoDataFrame({"naam": ["n2"]}, geometry=[shapely.box(1, 1, 2, 2)], crs=28992),
        src,
        layer="oud",
    )
    with pytest.raises(InputError, match="3 layers and 2 are polygon layers"):
        read_polygons(src)


def test_empty_layer(tmp_path) -> None:
    src = tmp_path / "leeg.gpkg"
    empty = gpd.GeoDataFrame({"naam": pd.Series([], dtype=str)}, geometry=gpd.GeoSeries([], crs=28992))
    write_table(empty, src)
    with pytest.raises(InputError, match="layer is empty"):
        read_polygons(src)
    with pytest.raises(InputError, match="layer is empty"):
        read_points(src)


def test_vector_points_rejects(tmp_path) -> None:
    amsterdam = (4.9041, 52.3676)
    geoms = [
        shapely.Point(amsterdam),
        None,
        shapely.Point(),
        shapely.box(4, 52, 5, 53),
        shapely.MultiPoint([amsterdam]),
        shapely.MultiPoint([(4.9, 52.3), (4.8, 52.2)]),
        shapely.Point(0, 0),
        shapely.Point(*amsterdam, 5.0),
        shapely.Point(52.3676, 4.9041),
    ]
    g = gpd.GeoDataFrame({"nr": range(1, 10)}, geometry=gpd.GeoSeries(geoms), crs=4326)
    src = tmp_path / "p.geojson"
    g.to_file(src, driver="GeoJSON", engine="pyogrio")
    nl_rd = (10_000, 300_000, 280_000, 625_000)
    res = read_points(src, target_crs=28992, extent=nl_rd)
    _accounting(res, 9)
    assert res.points["nr"].tolist() == [1, 5, 8]
    expected = gpd.GeoSeries([shapely.Point(amsterdam)], crs=4326).to_crs(28992).x.iloc[0]
    np.testing.assert_allclose(res.points.geometry.x, [expected] * 3)
    assert not res.points.has_z.any()
    assert dict(zip(res.rejects.nr, res.rejects.reject_reason)) == {
        2: "empty_geometry",
        3: "empty_geometry",
        4: "not_a_point",
        6: "not_a_point",
        7: "zero_zero",
        9: "swapped_lat_lon",
    }
    assert "Polygon, not a point" in res.rejects.loc[res.rejects.nr == 4, "reject_detail"].item()


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")  # writes a CRS-less file on purpose
def test_vector_points_zero_zero_and_no_crs(tmp_path) -> None:
    g = gpd.GeoDataFrame(
        {"nr": [1, 2]},
        geometry=[shapely.Point(155000, 463000), shapely.Point(0, 0)],
        crs=28992,
    )
    src = tmp_path / "p.gpkg"
    write_table(g, src)
    res = read_points(src)
    assert res.rejects["reject_reason"].tolist() == ["zero_zero"]
    shp = tmp_path / "p.shp"
    g.set_crs(None, allow_override=True).to_file(shp, engine="pyogrio")
    res = read_points(shp)
    assert res.crs.to_epsg() == 28992 and any("guessed" in n for n in res.notes)
    res = read_points(shp, crs=28992)
    assert res.crs.to_epsg() == 28992


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")  # writes a CRS-less file on purpose
def test_polygons_without_crs(tmp_path) -> None:
    shp = tmp_path / "netwerk.shp"
    gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(0, 0, 1, 1)]).to_file(shp, engine="pyogrio")
    with pytest.raises(CRSError, match=r"netwerk\.shp: the file has no CRS.*--crs.*28992"):
        read_polygons(shp)
    assert read_polygons(shp, crs=28992).crs.to_epsg() == 28992


def test_polygons_mixed_and_null_geometries(tmp_path) -> None:
    src = tmp_path / "mixed.geojson"
    geoms = [
        shapely.box(0, 0, 1, 1),
        shapely.Point(5, 5),
        shapely.box(2, 2, 3, 3),
        shapely.LineString([(0, 0), (1, 1)]),
    ]
    gpd.GeoDataFrame({"n": range(4)}, geometry=geoms, crs=4326).to_file(src, driver="GeoJSON", engine="pyogrio")
    with pytest.raises(InputError, match=r"2 feature\(s\) are not polygons \(first: feature 2"):
        read_polygons(src)
    src = tmp_path / "null.geojson"
    geoms = [shapely.box(0, 0, 1, 1), None, shapely.box(2, 2, 3, 3), None]
    gpd.GeoDataFrame({"n": range(4)}, geometry=geoms, crs=4326).to_file(src, driver="GeoJSON", engine="pyogrio")
    with pytest.raises(InputError, match=r"2 feature\(s\) have no geometry.*feature\(s\) 2, 4"):
        read_polygons(src)


def test_polygons_geometrycollection_and_3d(tmp_path) -> None:
    src = tmp_path / "gc.geojson"
    gc = shapely.GeometryCollection([shapely.Point(0, 0), shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])
    geoms = [shapely.force_3d(shapely.box(5, 5, 6, 6), 10.0), gc]
    gpd.GeoDataFrame({"n": [1, 2]}, geometry=geoms, crs=4326).to_file(src, driver="GeoJSON", engine="pyogrio")
    g = read_polygons(src)
    assert g.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    assert not g.has_z.any()
    assert g.geometry.iloc[1].area == pytest.approx(2.0)


def test_read_polygons_refuses_text(tmp_path) -> None:
    with pytest.raises(InputError, match="text table cannot hold network boundaries"):
        read_polygons(_write(tmp_path / "p.csv", "a,b\n1,2\n"))


# ---------------------------------------- privacy


def test_no_cell_values_in_logs_notes_or_errors(tmp_path, caplog) -> None:
    secret_name = "Jansen-Geheim"
    secret_x = "155123,4567"
    text = (
        f"naam;datum;x;y\n{secret_name};20-9-2017;{secret_x};463000\n"
        f"{secret_name};kapot;;\n{secret_name};20-9-2017;999999999;463000\n"
    )
    src = _write(tmp_path / "leden.csv", text)
    with caplog.at_level(logging.DEBUG, logger="bingeo"):
        res = read_points(src, crs=28992, extent=(150_000, 460_000, 160_000, 470_000))
        with pytest.raises(InputError) as exc:
            read_points(src)  # no CRS guess possible for one point outside ranges
    blob = caplog.text + " ".join(res.notes) + str(exc.value) + " ".join(res.rejects["reject_detail"])
    for secret in (secret_name, secret_x, "155123", "999999999", "kapot"):
        assert secret not in blob


# ---------------------------------------- write_table


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "nr": [1, 2],
            "omschrijving": ["café", "inbraak"],
            "datum": pd.to_datetime(["2017-09-20 17:30", "2017-10-01 07:05"]),
        },
        geometry=[shapely.Point(155000.5, 463000.25), shapely.Point(155100, 463100)],
        crs=28992,
    )


def test_write_gpkg_version_12_and_round_trip(tmp_path, points) -> None:
    out = tmp_path / "out.gpkg"
    write_table(points, out)
    with sqlite3.connect(out) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
    back = gpd.read_file(out, layer="out")
    assert back.crs.to_epsg() == 28992
    assert back["omschrijving"].tolist() == ["café", "inbraak"]
    assert back.geometry.x.tolist() == [155000.5, 155100.0]
    res = read_points(out)
    assert res.points["nr"].tolist() == [1, 2]
    # a second layer keeps the first; a plain table becomes an attribute table
    write_table(pd.DataFrame({"a": [1, 2]}), out, layer="tabel")
    layers = dict(gpd.list_layers(out).values.tolist())
    assert set(layers) == {"out", "tabel"}
    with sqlite3.connect(out) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
    assert kinds == {"out": "features", "tabel": "attributes"}


def test_write_csv_points_as_xy(tmp_path, points) -> None:
    out = tmp_path / "out.csv"
    write_table(points, out)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert text.splitlines()[0] == "nr,omschrijving,datum,x,y"
    back = read_points(out, crs=28992)
    assert back.points.geometry.x.tolist() == [155000.5, 155100.0]
    assert back.points["datum"].tolist() == points["datum"].tolist()
    assert back.points["omschrijving"].tolist() == ["café", "inbraak"]
    # existing x/y columns are not overwritten
    clash = points.assign(x=["a", "b"])
    write_table(clash, out)
    assert pd.read_csv(out).columns.tolist() == [
        "nr",
        "omschrijving",
        "datum",
        "x",
        "geom_x",
        "geom_y",
    ]
    # polygons as WKT
    write_table(gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=28992), out)
    assert shapely.from_wkt(pd.read_csv(out)["wkt"].iloc[0]).area == 1.0
    # rejects (plain DataFrame)
    write_table(pd.DataFrame({"a": ["0123"], "reject_reason": ["zero_zero"]}), rejects_path(out))
    assert (tmp_path / "out.rejects.csv").read_text() == "a,reject_reason\n0123,zero_zero\n"


def test_write_geojson_is_wgs84(tmp_path, points) -> None:
    out = tmp_path / "out.geojson"
    write_table(points, out)
    write_table(points, out)  # overwrite works
    back = gpd.read_file(out)
    assert back.crs.to_epsg() == 4326
    expected = points.to_crs(4326)
    np.testing.assert_allclose(back.geometry.x, expected.geometry.x, atol=1e-6)
    assert points.crs.to_epsg() == 28992  # caller's frame unchanged
    with pytest.raises(InputError, match="GeoJSON needs geometry"):
        write_table(pd.DataFrame({"a": [1]}), out)
    with pytest.raises(InputError, match="no CRS"):
        write_table(points.set_crs(None, allow_override=True), out)


def test_write_parquet(tmp_path, points) -> None:
    out = tmp_path / "out.parquet"
    write_table(points, out)
    back = gpd.read_parquet(out)
    assert_geodataframe_equal(back, points, check_dtype=False)
    res = read_points(out)
    assert res.points["nr"].tolist() == [1, 2] and res.crs.to_epsg() == 28992
    plain = tmp_path / "plain.parquet"
    write_table(pd.DataFrame({"x": [155000.0], "y": [463000.0]}), plain)
    assert read_points(plain, crs=28992).points.geometry.x.tolist() == [155000.0]


def test_write_errors(tmp_path, points) -> None:
    with pytest.raises(
        InputError,
        match=r"unknown output format '\.xlsx'.*\.gpkg, \.csv, \.geojson, \.parquet",
    ):
        write_table(points, tmp_path / "out.xlsx")
    with pytest.raises(InputError, match="does not exist"):
        write_table(points, tmp_path / "nope" / "out.csv")


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("out.csv", "out.rejects.csv"),
        ("out.gpkg", "out.rejects.csv"),
        ("d/x.geojson", "d/x.rejects.csv"),
        ("out.csv.gz", "out.rejects.csv"),
        ("out", "out.rejects.csv"),
    ],
)
def test_rejects_path(out, expected) -> None:
    assert rejects_path(out) == Path(expected)


# ---------------------------------------- hypothesis


def _fmt(value: float, decimals: int, decimal_comma: bool, grouped: bool) -> str:
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    if decimal_comma:
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(
        st.floats(min_value=-999_999, max_value=999_999, allow_nan=False),
        min_size=1,
        max_size=8,
    ),
    decimals=st.integers(min_value=0, max_value=6),
    decimal_comma=st.booleans(),
    grouped=st.booleans(),
)
def test_decimal_formats_round_trip(values, decimals, decimal_comma, grouped) -> None:
    if decimals == 0:
        grouped = False  # "1.234" without decimals is genuinely ambiguous (documented)
    sep = ";" if decimal_comma or not grouped else "\t"
    lines = [f"x{sep}y"] + [f"{_fmt(v, decimals, decimal_comma, grouped)}{sep}1" for v in values]
    expected = [float(f"{v:.{decimals}f}") for v in values]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "p.csv"
        src.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # an extent as large as the values: toy coordinates, not a place in the CRS's area of use
        res = read_points(src, crs=28992, extent=(-1e15, -1e15, 1e15, 1e15))
    assert len(res.rejects) == 0
    assert res.points["x"].tolist() == expected


def test_points_outside_the_crs_area_of_use_are_rejected_without_an_extent(tmp_path) -> None:
    # an RD New export with two rows written as lat/lon: in RD metres they would lie near Paris/at sea
    src = _write(tmp_path / "p.csv", "x;y;id\n155000;463000;a\n52,09;5,12;b\n5,12;52,09;c\n233500;582000;d\n")
    res = read_points(src, crs=28992)
    assert res.points["id"].tolist() == ["a", "d"]
    assert dict(zip(res.rejects["id"], res.rejects["reject_reason"])) == {
        "b": "outside_crs_area",
        "c": "outside_crs_area",
    }
    assert any("outside the area of use of EPSG:28992" in n for n in res.notes)
    # independent check: pyproj's own area of use, in lon/lat
    import pyproj

    aou = pyproj.CRS(28992).area_of_use
    lon, lat = pyproj.Transformer.from_crs(28992, 4326, always_xy=True).transform([5.12, 52.09], [52.09, 5.12])
    assert all(
        not (aou.south - 1 <= la <= aou.north + 1 and aou.west - 1 <= lo <= aou.east + 1) for lo, la in zip(lon, lat)
    )
    # with an extent, the extent decides (and recognises the swapped pair)
    res = read_points(src, crs=28992, extent=(150000, 450000, 240000, 590000))
    assert set(res.points["id"]) == {"a", "d"}
    assert "outside_crs_area" not in set(res.rejects["reject_reason"])


def test_points_from_frame_applies_the_file_rules(tmp_path) -> None:
    """A layer already in memory (what the QGIS plugin holds) gets the same rejects and dates as the file read."""
    from bingeo.readers import points_from_frame

    src = read_points(SAMPLES / "incidents.csv", crs=28992)
    # the table as a GIS holds it: every row a point (0/0 and empty ones too), dates as the text of the export
    raw = pd.read_csv(SAMPLES / "incidents.csv", sep=";", decimal=",", encoding="cp1252", dtype=str)
    x = pd.to_numeric(raw["X"].str.replace(",", "."), errors="coerce")
    y = pd.to_numeric(raw["Y"].str.replace(",", "."), errors="coerce")
    geoms = [None if pd.isna(a) or pd.isna(b) else shapely.Point(a, b) for a, b in zip(x, y)]
    frame = gpd.GeoDataFrame(raw.drop(columns=["X", "Y"]), geometry=geoms, crs=28992)
    path = tmp_path / "incidents.gpkg"
    frame.to_file(path, engine="pyogrio")
    from_file = read_points(path)
    got = points_from_frame(frame, label="incidents")
    assert len(got.points) + len(got.rejects) == len(frame)
    assert got.points["registratienummer"].tolist() == from_file.points["registratienummer"].tolist()
    assert got.rejects["reject_reason"].tolist() == from_file.rejects["reject_reason"].tolist()
    assert (got.rejects["reject_reason"] == "zero_zero").sum() == 10  # the planted privacy offsets
    assert pd.api.types.is_datetime64_any_dtype(got.points["pleegdatum"])  # text dates read as dates
    assert got.points["pleegdatum"].tolist() == src.points["pleegdatum"].tolist()
