"""Spreadsheets read like CSV (issue 13): every real incident dataset also as an .xlsx sheet, through the CLI.

The reference is the same dataset as CSV through the same command: ``assign``, ``counts --by month`` and
``hotspots --from/--to`` must give the same rows, rejects and figures for the sheet. The sheets are written
by openpyxl (an independent writer) with typed cells as a police export holds them: numbers as numbers,
dates as date cells, codes as text.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import openpyxl  # noqa: E402 - the `test` extra installs it (an independent writer of .xlsx)
import pandas as pd
import pytest
from click.testing import CliRunner

from bingeo.cli.main import cli
from bingeo.errors import InputError
from bingeo.readers import read_points
from tests.conftest import REAL_DATA as REAL

needs_real = pytest.mark.requires("real-data")

VAN = REAL / "vancouver"
#: name: (incidents, sep, date columns to write as date cells, networks, id field, store CRS, --crs, --from, --to)
DATASETS = {
    "nottingham": (
        REAL / "uk_nottingham" / "nottingham_burglary_2022.csv.gz",
        ",",
        ["month"],
        REAL / "uk_nottingham" / "nottingham_wards.gpkg",
        "ward_code",
        27700,
        None,
        "2022-06-01",
        "2022-08-31",
    ),
    "lancashire": (
        REAL / "uk_lancashire" / "lancashire_asb_2022.tab.gz",
        "\t",
        ["month"],
        REAL / "uk_lancashire" / "lancashire_wards.gpkg",
        "ward_code",
        None,
        None,
        "2022-06-01",
        "2022-08-31",
    ),
    "northumbria": (
        REAL / "uk_northumbria" / "northumbria_asb_2022.tab.gz",
        "\t",
        ["month"],
        REAL / "uk_northumbria" / "northumbria_wards.gpkg",
        "ward_code",
        None,
        None,
        "2022-06-01",
        "2022-08-31",
    ),
    "chicago": (
        REAL / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz",
        ",",
        ["date"],
        REAL / "chicago" / "chicago_police_districts.kml",
        "Name",
        26916,
        None,
        "2015-01-01",
        "2015-12-31",
    ),
    **{
        f"vancouver-{y}": (
            VAN / f"vpd_crimedata_AllNeighbourhoods_{y}.csv.gz",
            ",",
            [],
            VAN / "vancouver_local_areas.geojson",
            "mapid",
            26910,
            26910,
            f"{y}-03-01",
            f"{y}-05-31",
        )
        for y in range(2020, 2026)
    },
}


def invoke(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args if a is not None])
    assert "Traceback" not in res.output, res.output
    return res


def write_xlsx(frame: pd.DataFrame, path, *, sheet: str, date_cols=(), extra_sheets=()) -> None:
    """Write ``frame`` as a typed sheet with openpyxl (write-only), after ``extra_sheets`` (title, rows)."""
    wb = openpyxl.Workbook(write_only=True)
    for title, rows in extra_sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    ws = wb.create_sheet(sheet)
    ws.append(list(frame.columns))
    cols = []
    for c in frame.columns:
        s = frame[c]
        if c in date_cols:
            d = pd.to_datetime(s, format="ISO8601")
            cols.append([None if pd.isna(v) else v.to_pydatetime() for v in d])
        elif pd.api.types.is_numeric_dtype(s):
            cols.append([None if pd.isna(v) else (int(v) if float(v).is_integer() else float(v)) for v in s])
        else:
            cols.append([None if pd.isna(v) else str(v) for v in s])
    for row in zip(*cols):
        ws.append(list(row))
    wb.save(path)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    base = tmp_path_factory.mktemp("sheet-stores")
    out = {}
    for nets, id_field, store_crs in {(d[3], d[4], d[5]) for d in DATASETS.values()}:
        path = base / f"{nets.stem}.gpkg"
        args = ["networks", "import", nets, "--store", path, "--id-field", id_field]
        if store_crs:
            args += ["--store-crs", store_crs]
        res = invoke(*args)
        assert res.exit_code == 0, res.output
        out[nets] = path
    return out


def _assign_table(path):
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    return t.set_index("source_row")[["network_id", "network_ids"]].sort_index()


def _rejects(path):
    if not path.is_file():
        return {}
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    return dict(zip(t["source_row"].astype(int), t["reject_reason"]))


def _figures(output: str) -> list[str]:
    """The lines of a command's output that carry figures (not notes about reading the file)."""
    lines = [ln for ln in output.splitlines() if not ln.startswith("written")]
    return [ln for ln in lines if re.search(r"incidents|Counted by|hot spot|cells", ln)]


@needs_real
@pytest.mark.parametrize("name", list(DATASETS), ids=list(DATASETS))
def test_real_dataset_as_xlsx_gives_the_csv_results(name, stores, tmp_path):
    src, sep, date_cols, nets, _, _, crs, start, end = DATASETS[name]
    raw = pd.read_csv(src, sep=sep, dtype={"lsoa_code": str, "location": str})
    xlsx = tmp_path / f"{name}.xlsx"
    # a title sheet first, as exports often have: the sheet with coordinates is chosen and named
    write_xlsx(raw, xlsx, sheet="Incidents", date_cols=date_cols, extra_sheets=[("Info", [["Export", "2026"]])])
    store = stores[nets]
    crs_args = ("--crs", crs) if crs else ()
    results = {}
    for kind, path in (("csv", src), ("xlsx", xlsx)):
        out = tmp_path / kind
        out.mkdir()
        a = invoke("assign", path, "--store", store, *crs_args, "-o", out / "assign.csv")
        c = invoke("counts", path, "--store", store, *crs_args, "--by", "month", "-o", out / "counts.csv")
        h = invoke("hotspots", path, "--store", store, *crs_args, "--from", start, "--to", end, "-o", out / "hs.gpkg")
        for res in (a, c, h):
            assert res.exit_code == 0, (kind, res.output)
        results[kind] = (out, a, c, h)
    (oc, _, cc, hc), (ox, ax, cx, hx) = results["csv"], results["xlsx"]
    assert _figures(cc.output) == _figures(cx.output)  # the same interval and the same counts
    assert "Sheet 'Incidents' of 2" in ax.output and "--sheet" in ax.output
    pd.testing.assert_frame_equal(_assign_table(oc / "assign.csv"), _assign_table(ox / "assign.csv"))
    assert _rejects(oc / "assign.rejects.csv") == _rejects(ox / "assign.rejects.csv")
    counts_c = pd.read_csv(oc / "counts.csv", dtype=str, keep_default_na=False)
    counts_x = pd.read_csv(ox / "counts.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(counts_c, counts_x)
    if date_cols:  # the months of the raw file, read independently (Northumbria has 11: no December)
        months = pd.to_datetime(raw[date_cols[0]], format="ISO8601").dt.to_period("M").nunique()
    else:
        months = len(raw[["YEAR", "MONTH"]].drop_duplicates())
    assert len(set(counts_c["period"]) - {""}) == months
    assert _figures(hc.output) == _figures(hx.output)
    import geopandas as gpd

    cells_c = gpd.read_file(oc / "hs.gpkg", layer="cells")
    cells_x = gpd.read_file(ox / "hs.gpkg", layer="cells")
    np.testing.assert_array_equal(cells_c["count"].to_numpy(), cells_x["count"].to_numpy())
    assert int(cells_x["count"].sum()) > 0


def test_sheet_choice_and_errors(tmp_path):
    path = tmp_path / "e.xlsx"
    frame = pd.DataFrame({"Pleegdatum": ["2023-01-05"], "X": [233000.5], "Y": [583000.0]})
    write_xlsx(frame, path, sheet="Data", extra_sheets=[("Leeg", []), ("Andere", [["naam", "waarde"], ["a", 1]])])
    res = read_points(path, crs=28992)
    assert res.source.endswith("(sheet 'Data')") and len(res.points) == 1
    assert res.points["Pleegdatum"].tolist() == [pd.Timestamp("2023-01-05")]
    with pytest.raises(InputError, match="no sheet 'Nope'. Sheets: 'Leeg', 'Andere', 'Data'"):
        read_points(path, crs=28992, sheet="Nope")
    with pytest.raises(InputError, match=r"no coordinate columns found"):
        read_points(path, crs=28992, sheet="Andere")
    only_other = tmp_path / "o.xlsx"
    write_xlsx(pd.DataFrame({"naam": ["a"]}), only_other, sheet="A", extra_sheets=[("B", [["c"], [1]])])
    with pytest.raises(InputError, match="no sheet has coordinate columns.*'B': c; 'A': naam"):
        read_points(only_other)
    csv = tmp_path / "p.csv"
    csv.write_text("x;y\n233000;583000\n", encoding="utf-8")
    with pytest.raises(InputError, match="--sheet .* is for spreadsheets"):
        read_points(csv, sheet="Data")


def test_excel_dates_serials_titles_and_rejects_like_csv(tmp_path):
    path = tmp_path / "politie.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    ws.append(["Politie export, gemaakt 2026-12-07"])  # a title row above the header
    ws.append([])
    ws.append(["Registratienummer", "Pleegdatum", "Meldingsdatum", "Postcode", "RD_X", "RD_Y"])
    ws.append([1001, dt.datetime(2023, 3, 5, 17, 30), 44990, "0123", 233000.25, 583000])
    ws.append([1002, dt.date(2023, 3, 6), 44991.5, "9711", 233001, 583001])
    ws.append([1003, None, "31-02-2023", "9711", None, 583002])
    ws.append([1004, "31-02-2023", 44992, "9711", 0, 0])
    wb.save(path)
    res = read_points(path, crs=28992)
    pts = res.points
    assert pts["Pleegdatum"].tolist() == [pd.Timestamp("2023-03-05 17:30"), pd.Timestamp("2023-03-06")]
    # Excel serial day numbers, independently: days since 1899-12-30
    assert pts["Meldingsdatum"].tolist() == [
        pd.Timestamp("1899-12-30") + pd.Timedelta(days=44990),
        pd.Timestamp("1899-12-30") + pd.Timedelta(days=44991.5),
    ]
    assert pts["Postcode"].tolist() == ["0123", "9711"] and pts["Registratienummer"].dtype == "int64"
    assert dict(zip(res.rejects["source_row"], res.rejects["reject_reason"])) == {
        3: "empty_coordinates",
        4: "zero_zero",
    }
    # rejects hold the cells as text, as a CSV's would
    assert res.rejects.loc[0, "Meldingsdatum"] == "31-02-2023" and res.rejects.loc[1, "RD_X"] == "0"
    assert any("Header on sheet row 3" in n for n in res.notes)
    # the same table as CSV gives the same points
    csv = tmp_path / "politie.csv"
    csv.write_text(
        "Registratienummer;Pleegdatum;Meldingsdatum;Postcode;RD_X;RD_Y\n"
        "1001;2023-03-05 17:30;2023-03-05;0123;233000,25;583000\n1002;06-03-2023;2023-03-06 12:00;9711;233001;583001\n"
        "1003;;31-02-2023;9711;;583002\n1004;31-02-2023;2023-03-07;9711;0;0\n",
        encoding="utf-8",
    )
    ref = read_points(csv, crs=28992)
    pd.testing.assert_series_equal(ref.points["Pleegdatum"], pts["Pleegdatum"], check_dtype=False)
    assert ref.points.geometry.equals(pts.geometry)


def test_ods_and_cli_assign_name_the_sheet(tmp_path, samples):
    frame = pd.read_csv(samples / "incidents.csv", sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    path = tmp_path / "incidents.ods"
    frame.to_excel(path, sheet_name="Meldingen", index=False, engine="odf")
    store = tmp_path / "bins.gpkg"
    assert invoke("networks", "import", samples / "networks.gpkg", "--store", store).exit_code == 0
    a = invoke("assign", path, "--store", store, "--crs", 28992, "-o", tmp_path / "a.csv")
    b = invoke("assign", samples / "incidents.csv", "--store", store, "--crs", 28992, "-o", tmp_path / "b.csv")
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert "(sheet 'Meldingen')" in a.output
    pd.testing.assert_frame_equal(_assign_table(tmp_path / "a.csv"), _assign_table(tmp_path / "b.csv"))
    assert _rejects(tmp_path / "a.rejects.csv") == _rejects(tmp_path / "b.rejects.csv")


def test_members_sheet_is_found_by_its_id_column(tmp_path, samples):
    """A coordinator's workbook: the members sheet (no coordinates, an id column) is chosen; same as the CSV."""
    import bingeo
    from bingeo.members import members_from_file

    raw = pd.read_csv(samples / "members.csv", sep=None, engine="python", dtype=str, keep_default_na=False)
    path = tmp_path / "leden.xlsx"
    write_xlsx(raw, path, sheet="Leden", extra_sheets=[("Uitleg", [["Ledenlijst BIN"]])])
    adr = bingeo.read_points(samples / "addresses.csv", crs=28992).points
    ref = members_from_file(samples / "members.csv", addresses=adr)
    got = members_from_file(path, addresses=adr)
    assert any("Sheet 'Leden' of 2 (the one with a member id column" in n for n in got.notes)
    cols = [c for c in ref.members.columns if c != "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(ref.members[cols]), pd.DataFrame(got.members[cols]))
    assert ref.members.geometry.equals(got.members.geometry) and ref.members["consent_date"].notna().any()
