"""Fast paths of reading a point export (bingeo.readers.usual_dates, one GDAL pass) against the full parser.

The usual D-M-Y shape (``1-1-2021 12:45``) is read from the Arrow buffers in blocks, also when only some values
have it (the others go to the general parser): every answer must be the one the general parser gives alone.
Object text never takes the fast path, so ``read_dates`` of the same values as objects is the reference; the
real Chicago timestamps, written the way a Dutch export writes them, are checked against their own ISO text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

import bingeo.readers.sources as sources
import bingeo.readers.usual_dates as usual_dates
from bingeo.readers import read_points
from bingeo.readers.values import read_dates

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CHICAGO = Path("chicago") / "chicago_aggravated_assaults_2010_2019.csv.gz"  # in the real data (fixture `real`)

#: Values of other layouts (or none) among the usual ones: each goes to the general parser.
ODD = [
    "2021-06-01", "2021-06-01T10:00", "2021-06-01T10:00+02:00", "2021/6/1", "1/6/2021", "1-6-2021 10:00:30",
    "12/31/2017 11:00 PM", " 1-1-2021", "1-1-2021 ", "onbekend", "", None, "1.6.2021", "1-6/2021", "23:15",
    "45000", "31-02-2022", "1-6-2021T10:00", "\u22121-1-2021",
]  # fmt: skip


def _full(s: pd.Series, serials: bool = False):
    """The general parser alone: object values never take the usual-shape path."""
    return read_dates(pd.Series(s.to_numpy(dtype=object), index=s.index, dtype=object), serials=serials)


def _same(got, want) -> None:
    pd.testing.assert_series_equal(got.values, want.values)
    np.testing.assert_array_equal(got.bad, want.bad)
    np.testing.assert_array_equal(got.empty, want.empty)
    assert (got.how, got.is_dates, got.formats) == (want.how, want.is_dates, want.formats)


def _usual(rng: np.random.Generator, n: int, sep: str = "-") -> list[str]:
    """Values of the usual shape: 2-digit years, impossible days, months and clocks, years datetime64 lacks."""
    d, m = rng.integers(0, 33, n), rng.integers(0, 14, n)
    y = rng.choice(["2021", "99", "69", "70", "00", "2024", "1600", "2300", "1678", "2261"], n)
    t = rng.choice(["", " 0:00", " 23:59", " 7:05", " 24:00", " 12:61", " 09:05"], n)
    return [f"{a}{sep}{b}{sep}{c}{e}" for a, b, c, e in zip(d, m, y, t)]


@pytest.mark.parametrize("seed", range(4))
def test_usual_values_among_other_layouts_read_as_the_full_parser(seed):
    """Mixed layouts, empty and missing cells, invalid values (their rows bad): the fast path's answers."""
    rng = np.random.default_rng(seed)
    cells = np.array(_usual(rng, 1500, sep="-/."[seed % 3]), dtype=object)
    odd = rng.random(len(cells)) < [0.02, 0.2, 0.45, 0.6][seed]
    cells[odd] = rng.choice(np.array(ODD, dtype=object), int(odd.sum()))
    s = pd.Series(cells, dtype="str")
    rows = usual_dates.usual_rows(s)
    assert rows is not None and not rows.complete and rows.rows.sum() > 100  # the mixed fast path is taken
    for serials in (False, True):
        _same(read_dates(s, serials=serials), _full(s, serials))
    part = s.iloc[11:]  # a slice: its buffer does not start at the first value
    _same(read_dates(part), _full(part))


@pytest.mark.parametrize("odd_way", ["month", "day"])
def test_one_reading_for_the_column_counted_over_both_paths(odd_way):
    """Day or month first is decided over all D-M-Y values: the usual ones (fast) and the odd ones (general)."""
    usual = ["1-2-2021", "3-4-2021 10:00", "5-6-21"] * 20  # read either way: they do not decide
    odd = ["12/31/2017 11:00 PM", "1/13/2018 1:00 AM"] if odd_way == "month" else ["31/12/2017 11:00 PM"]
    s = pd.Series(usual + odd * 3 + ["", None, "x"], dtype="str")
    got = read_dates(s)
    _same(got, _full(s))
    assert got.how.startswith(f"{odd_way} first")
    assert got.values.iloc[0] == pd.Timestamp("2021-01-02" if odd_way == "month" else "2021-02-01")


def test_month_first_column_of_the_usual_shape_only():
    """A US export in the usual shape (no odd value): read month first from the buffers, as the full parser."""
    s = pd.Series(["12-31-2017 23:00", "1-13-2018", "2-1-2018 1:05", "", "13-13-2018"], dtype="str")
    rows = usual_dates.usual_rows(s)
    assert rows is not None and rows.complete and rows.n_month > rows.n_day
    _same(read_dates(s), _full(s))


def test_blocks_equal_one_block(monkeypatch):
    """Read in blocks of a few rows (edges inside values of every width), the same answers."""
    rng = np.random.default_rng(9)
    cells = np.array(_usual(rng, 700), dtype=object)
    cells[rng.random(700) < 0.1] = "onbekend"
    for s in (pd.Series(cells, dtype="str"), pd.Series(_usual(rng, 700), dtype="str")):
        whole = read_dates(s)
        monkeypatch.setattr(usual_dates, "BLOCK_ROWS", 7)
        _same(read_dates(s), whole)
        _same(whole, _full(s))
        monkeypatch.undo()


def test_columns_without_the_usual_shape_take_the_general_path():
    """No usual value (ISO text, times, words, nothing): no fast path, and the answers of the full parser."""
    for cells in (["2021-01-01", "2021-02-01 10:00"], ["10:00", "23:15"], ["onbekend", ""], ["", None], []):
        s = pd.Series(cells, dtype="str")
        assert usual_dates.usual_rows(s) is None
        _same(read_dates(s), _full(s))


def test_real_chicago_times_written_day_first(real):
    """20,000 real Chicago timestamps written as a Dutch export writes them (no zero padding, some 2-digit years,
    a share left as their ISO text, some made impossible): read as the full parser and as the ISO text says."""
    iso = pd.read_csv(real / CHICAGO, usecols=["date"], nrows=20_000)["date"]
    t = pd.to_datetime(iso, format="%Y-%m-%d %H:%M")
    rng = np.random.default_rng(1)
    year = np.where(rng.random(len(t)) < 0.1, (t.dt.year % 100).map("{:02d}".format), t.dt.year.astype(str))
    dmy = t.dt.day.astype(str) + "-" + t.dt.month.astype(str) + "-" + year + " " + t.dt.strftime("%-H:%M")
    keep_iso = rng.random(len(t)) < 0.05
    bad = rng.random(len(t)) < 0.01
    cells = dmy.where(~keep_iso, iso).where(~bad, "31-2-2019 10:00")
    s = pd.Series(cells, dtype="str")
    got = read_dates(s)
    _same(got, _full(s))
    assert got.how == "ISO 8601 and day first (31-12-2017); " + f"{int(bad.sum())} value(s) are not dates"
    pd.testing.assert_series_equal(got.values[~bad], t[~bad].astype("datetime64[ns]"), check_names=False)
    assert got.bad.tolist() == bad.tolist()


def _gpkg_with_dates(path: Path, cells: list[str | None]) -> Path:
    """The sample export as a GeoPackage whose date column (text, as an export to GeoPackage holds it) is ``cells``."""
    import geopandas as gpd

    df = pd.read_csv(SAMPLES / "incidents.csv", sep=";", decimal=",", encoding="cp1252", dtype={"pleegdatum": str})
    df = df.dropna(subset=["X", "Y"]).head(len(cells)).reset_index(drop=True)
    df["pleegdatum"] = pd.Series(cells[: len(df)], dtype=object)
    pts = gpd.GeoDataFrame(df.drop(columns=["X", "Y"]), geometry=gpd.points_from_xy(df.X, df.Y), crs=28992)
    pts.to_file(path, layer="incidenten", driver="GPKG")
    return path


def test_geopackage_read_in_one_pass_equals_pyogrio(tmp_path):
    """The attributes of the one-pass read are the frame pyogrio.read_dataframe gives (text, numbers, dates)."""
    import geopandas as gpd

    src = _gpkg_with_dates(tmp_path / "a.gpkg", ["1-1-2021 12:45", None, "2021-06-01"] * 400)
    df = gpd.read_file(src)
    df["n"], df["f"], df["day"] = np.arange(len(df)), np.linspace(0, 1, len(df)), pd.Timestamp("2021-01-01").date()
    df["when"] = pd.Timestamp("2021-01-01 10:00")  # a DATETIME field: read again by pyogrio
    plain = df.drop(columns=["when"])
    for frame, name in ((plain, "plain.gpkg"), (df, "timed.gpkg"), (df[["geometry"]], "nofields.gpkg")):
        frame.to_file(tmp_path / name, driver="GPKG")
        has = len(frame.columns) > 1
        got = sources._read_plain_points(str(tmp_path / name), name[:-5], {"use_arrow": True}, has_fields=has)
        want = pyogrio.read_dataframe(tmp_path / name, read_geometry=False, use_arrow=True)
        pd.testing.assert_frame_equal(got.attributes, want if has else pd.DataFrame(index=pd.RangeIndex(len(frame))))
        np.testing.assert_array_equal(got.x, frame.geometry.x.to_numpy())


def _assign(tmp_path: Path, src: Path, store: Path, out: Path) -> str:
    from bingeo.cli.main import cli

    res = CliRunner().invoke(cli, ["assign", str(src), "--store", str(store), "--output", str(out)])
    assert res.exit_code == 0, res.output
    return res.output.replace(str(out.parent), "DIR")


def test_assign_geopackage_with_odd_dates_as_the_general_parser(tmp_path, monkeypatch):
    """`bingeo assign x.gpkg --output y.gpkg`: the same output layer, rejects and messages with the fast path or
    without it, when the date text mixes layouts and holds impossible dates (noted with their rows)."""
    from bingeo.cli.main import cli

    rng = np.random.default_rng(4)
    d, m, y = rng.integers(1, 29, 3000), rng.integers(1, 13, 3000), rng.choice(["2021", "22", "1999"], 3000)
    cells = np.array([f"{a}-{b}-{c} {h}:05" for a, b, c, h in zip(d, m, y, rng.integers(0, 24, 3000))], dtype=object)
    cells[rng.random(len(cells)) < 0.05] = "31-2-2022 10:00"
    odd = rng.random(len(cells)) < 0.1
    cells[odd] = rng.choice(np.array(ODD, dtype=object), int(odd.sum()))
    src = _gpkg_with_dates(tmp_path / "in.gpkg", list(cells))
    store = tmp_path / "store.gpkg"
    res = CliRunner().invoke(cli, ["networks", "import", str(SAMPLES / "networks.gpkg"), "--store", str(store)])
    assert res.exit_code == 0, res.output
    outputs = {}
    for fast in (True, False):
        folder = tmp_path / ("fast" if fast else "full")
        folder.mkdir()
        with monkeypatch.context() as m:
            if not fast:
                m.setattr(usual_dates, "usual_rows", lambda values: None)
            printed = _assign(tmp_path, src, store, folder / "out.gpkg")
        layer = pyogrio.read_dataframe(folder / "out.gpkg")
        rejects = pd.read_csv(folder / "out.rejects.csv", dtype=str, keep_default_na=False)
        outputs[fast] = (printed, layer, rejects)
    assert outputs[True][0] == outputs[False][0]
    assert "value(s) of 'pleegdatum' are impossible or unreadable dates (rows" in outputs[True][0]
    pd.testing.assert_frame_equal(outputs[True][1], outputs[False][1])
    pd.testing.assert_frame_equal(outputs[True][2], outputs[False][2])
    assert len(outputs[True][2]) > 0 and outputs[True][2]["reject_reason"].ne("").all()


def test_read_points_geopackage_dates_rows_as_the_general_parser(tmp_path, monkeypatch):
    """read_points of a GeoPackage: the impossible dates noted with their rows, the same as the general parser."""
    cells = ["1-1-2021 12:45", "31-2-2021 10:00", "", None, "2021-06-01", "onbekend", "29-2-24"] * 50
    src = _gpkg_with_dates(tmp_path / "d.gpkg", cells)
    fast = read_points(src)
    with monkeypatch.context() as m:
        m.setattr(usual_dates, "usual_rows", lambda values: None)
        full = read_points(src)
    assert fast.notes == full.notes
    pd.testing.assert_frame_equal(fast.points.drop(columns="geometry"), full.points.drop(columns="geometry"))
    pd.testing.assert_frame_equal(fast.rejects, full.rejects)
    assert any("rows 2, 6, 9, 13" in note for note in fast.notes)


def test_kept_rows_by_arrow_equal_pandas():
    """The usable rows taken by Arrow's filter (text) and pandas (the rest) == ``frame.loc[ok].copy()``."""
    from bingeo.readers.points import _kept_rows

    rng = np.random.default_rng(2)
    n = 500
    text = pd.Series(np.where(rng.random(n) < 0.1, None, rng.choice(["a", "bé", "", "x;y"], n)), dtype="str")
    frame = pd.DataFrame(
        {"t": text, "n": np.arange(n), "d": pd.Timestamp("2021-01-01"), "o": ["x"] * n, "u": text.iloc[::-1].values},
        index=pd.RangeIndex(10, 10 + n),
    )
    for ok in (rng.random(n) < 0.9, np.ones(n, dtype=bool), np.zeros(n, dtype=bool)):
        pd.testing.assert_frame_equal(_kept_rows(frame, ok), frame.loc[ok].copy())
    twice = frame.rename(columns={"u": "t"})  # repeated names: pandas takes them
    pd.testing.assert_frame_equal(_kept_rows(twice, ok), twice.loc[ok].copy())


def test_separator_of_most_values_read_from_the_buffers():
    """A first value of another separator (or none) does not send the column's usual values to the general path."""
    s = pd.Series(["1/2/2021", "onbekend"] + ["3-4-2021 10:00", "31-12-21"] * 50 + ["2021-01-01"], dtype="str")
    rows = usual_dates.usual_rows(s)
    assert rows is not None and int(rows.rows.sum()) == 100 and not rows.rows[:2].any()
    _same(read_dates(s), _full(s))
