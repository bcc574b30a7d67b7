"""Dates and periods (issue 13): one date parser, per-row rejects, split date columns, TO included.

References are independent of bingeo's parser: ``datetime.date.fromisoformat``, ``pd.to_datetime`` with an
explicit format, and plain pandas group-bys on the raw files.
"""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.errors import InputError
from bingeo.incidents import parse_period, period, require_dates
from bingeo.readers import read_points
from bingeo.readers.values import combine_date_parts, read_dates
from tests.conftest import REAL_DATA as REAL

needs_real = pytest.mark.requires("real-data")

NOTTINGHAM = REAL / "uk_nottingham" / "nottingham_burglary_2022.csv.gz"
NOTTINGHAM_WARDS = REAL / "uk_nottingham" / "nottingham_wards.gpkg"
VPD = REAL / "vancouver" / "vpd_crimedata_AllNeighbourhoods_2022.csv.gz"
VAN_AREAS = REAL / "vancouver" / "vancouver_local_areas.geojson"


def invoke(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in res.output, res.output
    return res


# ------------------------------------------------------------------ THE parser


def test_iso_text_is_never_day_first():
    days = [f"2022-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 5, 12)]
    got = read_dates(pd.Series(days))
    assert got.is_dates and not got.bad.any()
    assert [t.date() for t in got.values] == [dt.date.fromisoformat(d) for d in days]
    # mixed with day-first text in one column: each value keeps its own format
    mixed = read_dates(pd.Series(["2022-06-01", "01-06-2022", "2022-06-01 17:30"]))
    assert mixed.values.tolist() == [
        pd.Timestamp("2022-06-01"),
        pd.Timestamp("2022-06-01"),
        pd.Timestamp("2022-06-01 17:30"),
    ]


def test_impossible_dates_are_bad_rows_not_a_bad_column():
    good = [f"{d:02d}-{m:02d}-2023" for m in range(1, 13) for d in (3, 17, 28)]
    values = good[:10] + ["31-02-2023", "05-13-2023"] + good[10:] + ["", "2023-02-30"]
    got = read_dates(pd.Series(values))
    assert got.is_dates
    assert np.flatnonzero(got.bad).tolist() == [10, 11, len(values) - 1]
    assert np.flatnonzero(got.empty).tolist() == [len(values) - 2]
    ref = pd.to_datetime(pd.Series(good), format="%d-%m-%Y")
    ok = ~got.bad & ~got.empty
    assert got.values[ok].tolist() == ref.tolist()


def test_month_first_only_when_it_explains_more():
    us = read_dates(pd.Series(["12/31/2017 11:00 PM", "1/2/2018 1:05 AM", "2/14/2018 12:00 PM"]))
    assert us.values.tolist() == [
        pd.Timestamp("2017-12-31 23:00"),
        pd.Timestamp("2018-01-02 01:05"),
        pd.Timestamp("2018-02-14 12:00"),
    ]
    nl = read_dates(pd.Series(["4/5/2023", "13/5/2023"]))  # day first: 4 May
    assert nl.values.tolist() == [pd.Timestamp("2023-05-04"), pd.Timestamp("2023-05-13")]


def test_excel_serials_only_when_asked():
    nums = pd.Series([44927.0, 45000.25])
    assert not read_dates(nums).is_dates
    got = read_dates(nums, serials=True)
    ref = [pd.Timestamp("1899-12-30") + pd.Timedelta(days=v) for v in nums]
    assert got.values.tolist() == ref == [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-03-15 06:00")]


def test_split_columns():
    frame = pd.DataFrame(
        {"YEAR": [2023, 2023, None, 2023], "MONTH": [1, 2, None, 13], "DAY": [31, 30, None, 1], "HOUR": [5, 0, 0, 1]}
    )
    got = combine_date_parts(frame, {"year": "YEAR", "month": "MONTH", "day": "DAY", "hour": "HOUR"})
    assert got.values.tolist()[0] == pd.Timestamp("2023-01-31 05:00")
    assert got.bad.tolist() == [False, True, False, True] and got.empty.tolist() == [False, False, True, False]


# ------------------------------------------------------------------ rows, rejects


def _csv(tmp_path, rows, name="inc.csv"):
    text = "pleegdatum;x;y;soort\n" + "".join(f"{d};{x};{y};inbraak\n" for d, x, y in rows)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_points_keeps_bad_dates_for_the_commands_that_need_them(tmp_path):
    rows = [(f"{d:02d}-03-2023", 233000 + d, 583000) for d in range(1, 21)]
    rows[4] = ("31-02-2023", 233100, 583000)
    rows[9] = ("15-13-2023", 233200, 583000)
    rows[12] = ("", 233300, 583000)
    res = read_points(_csv(tmp_path, rows), crs=28992)
    assert len(res.points) == 20 and res.points["pleegdatum"].dtype.kind == "M"
    assert any("rows 5, 10" in n for n in res.notes)
    dated = require_dates(res)
    assert len(dated.points) == 17 and len(dated.points) + len(dated.rejects) == 20
    by_row = dict(zip(dated.rejects["source_row"], dated.rejects["reject_reason"]))
    assert by_row == {5: "bad_date", 10: "bad_date", 13: "no_date"}
    # rejects hold the raw text as read
    assert dated.rejects.loc[dated.rejects.source_row == 5, "pleegdatum"].item() == "31-02-2023"
    assert "2 with an impossible or unreadable date" in dated.summary() and "1 without a date" in dated.summary()
    # every row without a date: a clear error, not an empty result
    empty = read_points(_csv(tmp_path, [("", 233000, 583000)] * 3, "none.csv"), crs=28992, date_fields=["pleegdatum"])
    with pytest.raises(InputError, match="'pleegdatum': the column does not hold dates"):
        require_dates(empty, date_field="pleegdatum")


def test_counts_by_month_rejects_empty_and_impossible_dates(tmp_path):
    store = tmp_path / "s.gpkg"
    nets = gpd.GeoDataFrame(
        {"network_id": ["A"], "name": ["A"]}, geometry=[shapely.box(232000, 582000, 234000, 584000)], crs=28992
    )
    nets.to_file(tmp_path / "nets.gpkg")
    assert invoke("networks", "import", tmp_path / "nets.gpkg", "--store", store, "--kind", "bin").exit_code == 0
    rows = [(f"{d:02d}-{m:02d}-2023", 233000 + d, 583000) for m in (1, 2, 3) for d in (2, 9, 20)]
    rows[1] = ("31-02-2023", 233000, 583000)
    rows[7] = ("", 233000, 583000)
    out = tmp_path / "counts.csv"
    res = invoke("counts", _csv(tmp_path, rows), "--store", store, "--crs", "28992", "--by", "month", "-o", out)
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, dtype={"network_id": str}, keep_default_na=False)
    assert "(no date)" not in set(table["period"])
    assert table.groupby("period")["incidents"].sum().to_dict() == {"2023-01": 2, "2023-02": 3, "2023-03": 2}
    rejects = pd.read_csv(tmp_path / "counts.rejects.csv", dtype=str, keep_default_na=False)
    assert dict(zip(rejects["source_row"].astype(int), rejects["reject_reason"])) == {2: "bad_date", 8: "no_date"}
    assert "2023-01-01 to 2023-03-31 (both included, 90 days)" in res.output


# ------------------------------------------------------------------ periods


def test_period_to_includes_that_day():
    p = parse_period("2014-01-01/2014-12-31")
    assert (p.first, p.last, p.days) == (dt.date(2014, 1, 1), dt.date(2014, 12, 31), 365.0)
    dates = pd.Series(
        pd.to_datetime(["2013-12-31 23:59", "2014-01-01", "2014-12-31 23:59", "2015-01-01 00:00"], format="ISO8601")
    )
    assert p.contains(dates).tolist() == [False, True, True, False]
    # a TO with a time includes that instant, not the whole day
    assert period("2014-01-01", "2014-12-31 12:00").contains(dates).tolist() == [False, True, False, False]
    with pytest.raises(InputError, match="is before"):
        parse_period("2014-12-31/2014-01-01", name="--before")
    with pytest.raises(InputError, match="use FROM/TO"):
        parse_period("2014", name="--before")


def test_evaluate_before_includes_31_december():
    nets = gpd.GeoDataFrame({"network_id": ["N1"]}, geometry=[shapely.box(0, 0, 100, 100)], crs=28992)
    when = ["2014-03-01", "2014-12-31 22:00", "2015-01-01", "2015-06-01"] + ["2014-05-01", "2015-05-01"] * 3
    xs = [50, 50, 50, 50] + [5000] * 6
    pts = gpd.GeoDataFrame(
        {"date": pd.to_datetime(when, format="ISO8601")}, geometry=gpd.points_from_xy(xs, [50] * 10), crs=28992
    )
    r = bingeo.before_after(
        pts,
        nets,
        network_id="N1",
        before="2014-01-01/2014-12-31",
        after=("2015-01-01", "2015-12-31"),
        buffer=500,
        study_area=shapely.box(-1000, -1000, 6000, 1000),
    )
    assert r.counts["R"] == {"before": 2, "after": 2}
    assert r.days == {"before": 365, "after": 365}
    assert "2014-01-01 to 2014-12-31 (365 days)" in r.summary()


@needs_real
def test_nottingham_month_column_gives_four_quarters_and_june_works(tmp_path):
    store = tmp_path / "nott.gpkg"
    res = invoke(
        "networks", "import", NOTTINGHAM_WARDS, "--store", store, "--id-field", "ward_code", "--store-crs", 27700
    )
    assert res.exit_code == 0, res.output
    out = tmp_path / "q.csv"
    res = invoke("counts", NOTTINGHAM, "--store", store, "--by", "quarter", "-o", out)
    assert res.exit_code == 0, res.output
    raw = pd.read_csv(NOTTINGHAM)
    want = pd.PeriodIndex(pd.to_datetime(raw["month"], format="%Y-%m-%d"), freq="Q").astype(str).value_counts()
    got = pd.read_csv(out, keep_default_na=False).groupby("period")["incidents"].sum()
    # every point lies in a ward (checked by the data's provenance); wards do not overlap
    assert got.to_dict() == want.to_dict() and len(got) == 4
    assert "2022-01-01 to 2022-12-31 (both included, 365 days)" in res.output
    res = invoke("hotspots", NOTTINGHAM, "--store", store, "--from", "2022-06-01", "-o", tmp_path / "h.gpkg")
    assert res.exit_code == 0, res.output
    june_on = int((pd.to_datetime(raw["month"], format="%Y-%m-%d") >= "2022-06-01").sum())
    assert f"{june_on:,} of {len(raw):,} incidents" in res.output


@needs_real
def test_vancouver_split_columns_for_every_command(tmp_path):
    store = tmp_path / "van.gpkg"
    res = invoke("networks", "import", VAN_AREAS, "--store", store, "--id-field", "mapid", "--store-crs", 26910)
    assert res.exit_code == 0, res.output
    raw = pd.read_csv(VPD)
    located = raw[(raw["X"] > 0) & raw["X"].notna()]
    out = tmp_path / "m.csv"
    res = invoke("counts", VPD, "--store", store, "--crs", 26910, "--by", "month", "-o", out)
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, keep_default_na=False).set_index(["network_id", "period"])["incidents"]
    # independent: geopandas sjoin (intersects: a point on a shared edge counts for both areas) per month
    pts = gpd.GeoDataFrame(located, geometry=gpd.points_from_xy(located["X"], located["Y"]), crs=26910)
    areas = gpd.read_file(VAN_AREAS).to_crs(26910)
    joined = gpd.sjoin(pts, areas[["mapid", "geometry"]], predicate="intersects")
    month = located["MONTH"].map(lambda m: f"2022-{m:02d}")
    want = joined.groupby(["mapid", month.loc[joined.index]]).size()
    outside = month[~located.index.isin(joined.index)].value_counts()
    for (mapid, per), n in want.items():
        assert got[(mapid, per)] == n, (mapid, per)
    for per, n in outside.items():
        assert got[("", per)] == n
    assert got.sum() == want.sum() + outside.sum()
    # hotspots --from/--to on the split date, both days included, against pandas on the raw columns
    res = invoke(
        "hotspots",
        VPD,
        "--store",
        store,
        "--crs",
        26910,
        "--from",
        "2022-03-01",
        "--to",
        "2022-05-31",
        "--type",
        "Theft from Vehicle",
        "-o",
        tmp_path / "h.gpkg",
    )
    assert res.exit_code == 0, res.output
    theft = located[located["TYPE"] == "Theft from Vehicle"]
    n = int(theft["MONTH"].between(3, 5).sum())
    assert f"{n:,} of {len(theft):,} incidents" in res.output and "(both included, 92 days)" in res.output
    # nearrepeat and pai find the split date too
    res = invoke(
        "nearrepeat",
        "--incidents",
        VPD,
        "--crs",
        26910,
        "--store",
        store,
        "--type",
        "Break and Enter Residential/Other",
        "--permutations",
        9,
        "--distance-bands",
        "0,200,400",
        "--time-bands",
        "0,7,14",
        "-o",
        tmp_path / "k.json",
    )
    assert res.exit_code == 0, res.output
    knox = json.loads((tmp_path / "k.json").read_text())
    assert knox["incidents"] == int((located["TYPE"] == "Break and Enter Residential/Other").sum())
    res = invoke(
        "pai",
        VPD,
        "--store",
        store,
        "--crs",
        26910,
        "--type",
        "Theft from Vehicle",
        "--fit",
        "2022-01-01/2022-06-30",
        "--test",
        "2022-07-01/2022-12-31",
        "--cell-size",
        250,
    )
    assert res.exit_code == 0, res.output
    assert "2022-01-01 to 2022-06-30 (both included, 181 days)" in res.output


def test_nearrepeat_rejects_rows_without_dates(tmp_path):
    rng = np.random.default_rng(1)
    rows = [
        ((dt.date(2023, 1, 1) + dt.timedelta(days=int(d))).strftime("%d-%m-%Y"), 233000 + x, 583000 + y)
        for d, x, y in zip(rng.integers(0, 90, 40), rng.integers(0, 800, 40), rng.integers(0, 800, 40))
    ]
    rows[3] = ("", *rows[3][1:])
    rows[7] = ("29-02-2023", *rows[7][1:])
    src = _csv(tmp_path, rows)
    out = tmp_path / "k.json"
    res = invoke(
        "nearrepeat",
        "--incidents",
        src,
        "--crs",
        28992,
        "--permutations",
        9,
        "--distance-bands",
        "0,200",
        "--time-bands",
        "0,7",
        "-o",
        out,
    )
    assert res.exit_code == 0, res.output
    rejects = pd.read_csv(tmp_path / "k.rejects.csv", dtype=str)
    assert dict(zip(rejects["source_row"].astype(int), rejects["reject_reason"])) == {4: "no_date", 8: "bad_date"}
    assert json.loads(out.read_text())["incidents"] == 38
    assert "Dates used: " in res.output and "days)" in res.output
