"""Wrong-CRS and wrong-place inputs are named; awkward sources are read (issue 13, items 5 and 6).

References: pyproj transforms computed here, the real Nottingham file read by pandas, and byte-level
encodings made by Python's codecs.
"""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from click.testing import CliRunner

from bingeo.cli.main import cli
from bingeo.errors import InputError
from bingeo.readers import read_points, read_polygons
from tests.conftest import REAL_DATA as REAL

needs_real = pytest.mark.requires("real-data")
NOTTINGHAM = REAL / "uk_nottingham" / "nottingham_burglary_2022.csv.gz"
NOTTINGHAM_WARDS = REAL / "uk_nottingham" / "nottingham_wards.gpkg"


def invoke(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in res.output, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res


@pytest.fixture
def store(tmp_path):
    """A store over Groningen in RD New (28992)."""
    nets = gpd.GeoDataFrame(
        {"network_id": ["A", "B"], "name": ["A", "B"]},
        geometry=[shapely.box(232000, 582000, 234000, 584000), shapely.box(234000, 582000, 236000, 584000)],
        crs=28992,
    )
    nets.to_file(tmp_path / "nets.gpkg")
    path = tmp_path / "s.gpkg"
    assert invoke("networks", "import", tmp_path / "nets.gpkg", "--store", path, "--kind", "bin").exit_code == 0
    return path


def _points_csv(tmp_path, xy, name="p.csv", header="x;y"):
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(f"{x};{y}\n" for x, y in xy), encoding="utf-8")
    return path


RD = [(232100 + 150 * i, 582100 + 130 * i) for i in range(12)]


def _lonlat(xy):
    tr = pyproj.Transformer.from_crs(28992, 4326, always_xy=True)
    return [tuple(round(v, 6) for v in tr.transform(x, y)) for x, y in xy]


def test_lonlat_given_as_rd_names_crs_4326_and_fails(tmp_path, store):
    src = _points_csv(tmp_path, _lonlat(RD))
    res = invoke("assign", src, "--store", store, "--crs", 28992, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1
    assert "no row can be used" in res.output and "EPSG:4326" in res.output and "--crs 4326" in res.output
    # with the CRS it names, every row is used
    ok = invoke("assign", src, "--store", store, "--crs", 4326, "-o", tmp_path / "o.csv")
    assert ok.exit_code == 0 and "12 usable" in ok.output


def test_swapped_columns_are_named(tmp_path, store):
    src = _points_csv(tmp_path, [(lat, lon) for lon, lat in _lonlat(RD)], header="lon;lat")
    res = invoke("assign", src, "--store", store, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "swap --x-field/--y-field" in res.output and "--crs 4326" in res.output


def test_rd_given_as_lambert_and_utm_named(tmp_path, store):
    # RD coordinates read as Belgian Lambert 72 land in Belgium/France: the store's extent says 28992
    src = _points_csv(tmp_path, RD)
    res = invoke("assign", src, "--store", store, "--crs", 31370, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "--crs 28992" in res.output
    # UTM 31N coordinates of the same places: the UTM zone of the data is tried
    tr = pyproj.Transformer.from_crs(28992, 32632, always_xy=True)
    utm = [tuple(round(v, 2) for v in tr.transform(x, y)) for x, y in RD]
    res = invoke("assign", _points_csv(tmp_path, utm, "u.csv"), "--store", store, "--crs", 28992, "-o", tmp_path / "o")
    assert res.exit_code == 1 and "--crs 32632" in res.output


def test_most_rows_outside_is_named_but_the_good_rows_are_kept(tmp_path, store):
    rows = _lonlat(RD[:8]) + RD[8:]  # 8 of 12 in lon/lat, 4 in RD
    res = read_points(_points_csv(tmp_path, rows), crs=28992, target_crs=28992, extent=(232000, 582000, 236000, 584000))
    assert len(res.points) == 4 and res.crs_hint["epsg"] == 4326 and res.crs_hint["n_far"] == 8
    assert any("look like EPSG:4326" in n for n in res.notes)
    few = read_points(
        _points_csv(tmp_path, _lonlat(RD[:2]) + RD[2:], "f.csv"), crs=28992, extent=(232000, 582000, 236000, 584000)
    )
    assert few.crs_hint is None and len(few.points) == 10  # 2 of 12: not "most"


def test_huge_and_absurd_coordinates_never_crash(tmp_path, store):
    src = _points_csv(tmp_path, [(1e308, 1e308), (-1e308, 5), ("inf", 3), (6.5, 53.2)])
    res = invoke("assign", src, "--store", store, "--crs", 28992, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "no row can be used" in res.output
    for args in (
        ("nearrepeat", "--incidents", src, "--crs", 28992, "--permutations", 9),
        ("density", src, "--crs", 28992, "--cell-size", 100, "--radius", 500, "-o", tmp_path / "d.tif"),
    ):
        got = invoke(*args)
        assert got.exit_code == 1, got.output
    # as lon/lat, the one sane row (6.5, 53.2: Groningen) is used and the absurd ones are rejects
    got = invoke("hotspots", src, "--store", store, "--crs", 4326, "-o", tmp_path / "h.gpkg")
    assert got.exit_code == 0 and "1 usable, 3 rejected" in got.output


def test_hotspots_addresses_crs(tmp_path, store):
    inc = _points_csv(tmp_path, RD * 5, "inc.csv")
    adr = _points_csv(tmp_path, _lonlat(RD), "adr.csv", header="lon;lat")
    out = tmp_path / "h.gpkg"
    common = ("hotspots", inc, "--store", store, "--crs", 28992, "--cell-size", 500, "-o", out, "--addresses", adr)
    bad = invoke(*common)
    # lon/lat columns describe their own CRS, but --crs 28992 is applied to the addresses too: named, exit 1
    assert bad.exit_code == 1 and "--addresses-crs 4326" in bad.output
    good = invoke(*common, "--addresses-crs", 4326)
    assert good.exit_code == 0, good.output


@needs_real
def test_real_nottingham_with_wrong_crs_is_named(tmp_path):
    store = tmp_path / "n.gpkg"
    res = invoke(
        "networks", "import", NOTTINGHAM_WARDS, "--store", store, "--id-field", "ward_code", "--store-crs", 27700
    )
    assert res.exit_code == 0, res.output
    got = invoke("counts", NOTTINGHAM, "--store", store, "--crs", 27700, "-o", tmp_path / "c.csv")
    n = len(pd.read_csv(NOTTINGHAM))
    assert got.exit_code == 1 and f"0 usable, {n:,} rejected" in got.output and "--crs 4326" in got.output
    assert not (tmp_path / "c.csv").exists()


# ------------------------------------------------------------------ sources


def test_zip_without_shapefile_says_what_it_holds(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("leesmij.pdf", b"%PDF-1.4")
        zf.writestr("kaart.png", b"\x89PNG")
    for fn in (read_points, read_polygons):
        with pytest.raises(InputError, match=r"intact but holds no shapefile.*leesmij.pdf, kaart.png") as exc:
            fn(path)
        assert "corrupt" not in str(exc.value)
    table = tmp_path / "table.zip"
    with zipfile.ZipFile(table, "w") as zf:
        zf.writestr("t.csv", "x;y\n233000;583000\n")
    with pytest.raises(InputError, match="holds no shapefile or other vector file, only the table 't.csv'") as exc:
        read_polygons(table)
    assert "corrupt" not in str(exc.value)
    assert len(read_points(table, crs=28992).points) == 1


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path, codec):
    text = "X;Y;Plaats;Omschrijving\n233000;583000;Groningen;Fietsdiefstal bij café\n233001,5;583001;Haren;ëën\n"
    path = tmp_path / "u.csv"
    path.write_bytes(text.encode(codec))
    assert not path.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))
    res = read_points(path, crs=28992)
    assert res.points["Omschrijving"].tolist() == ["Fietsdiefstal bij café", "ëën"]
    assert res.points["X"].tolist() == [233000.0, 233001.5]
    assert any(codec.upper() in n for n in res.notes)


def test_cells_over_131072_characters(tmp_path):
    long = "a" * 300_000
    path = tmp_path / "l.csv"
    path.write_text(f'x;y;omschrijving\n233000;583000;"{long}"\n233001;583001;kort\n', encoding="utf-8")
    res = read_points(path, crs=28992)
    assert res.points["omschrijving"].str.len().tolist() == [300_000, 4]


def test_without_a_store_the_area_of_use_names_the_crs(tmp_path):
    lonlat = _lonlat(RD)
    given_as_rd = _points_csv(tmp_path, lonlat, "a.csv", header="x;y")
    res = invoke("nearrepeat", "--incidents", given_as_rd, "--crs", 28992, "--permutations", 9)
    assert res.exit_code == 1 and "area of use of EPSG:28992" in res.output and "--crs 4326" in res.output
    swapped = _points_csv(tmp_path, [(lat, lon) for lon, lat in lonlat], "b.csv", header="x;y")
    res = invoke(
        "density",
        swapped,
        "--crs",
        4326,
        "--to-crs",
        28992,
        "--cell-size",
        100,
        "--radius",
        500,
        "-o",
        tmp_path / "d.tif",
    )
    assert res.exit_code == 1 and "--crs 4326 and swap --x-field/--y-field" in res.output
