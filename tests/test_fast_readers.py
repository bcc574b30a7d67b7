"""The fast paths of reading and writing points give exactly what the careful paths give.

* text tables split by pyarrow's CSV parser == split by the csv module (``_arrow_records`` off);
* numbers and dates parsed through Arrow compute (text columns) == through pandas/Python ``re`` (object columns);
* CSV written through Arrow == ``excel_safe(df).to_csv(...)`` byte for byte;
* the area-of-use check by the points' box == the check point by point;
* GeoPackage points read through Arrow == read feature by feature.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import bingeo.readers.points as points_mod
import bingeo.readers.sources as sources
import bingeo.readers.values as values_mod
import bingeo.readers.write as write_mod
from bingeo.errors import InputError
from bingeo.readers import read_points
from bingeo.readers.sources import Notes, read_text_table
from bingeo.readers.values import _convert_numeric, parse_numbers, read_dates
from bingeo.readers.write import _csv_chunks, excel_safe

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def _read(path: Path):
    notes = Notes("t")
    try:
        return (*read_text_table(path, "t", sep=None, encoding=None, member=None, notes=notes), notes)
    except InputError as exc:
        return str(exc)


def _both(path: Path, monkeypatch: pytest.MonkeyPatch):
    fast = _read(path)
    with monkeypatch.context() as m:
        m.setattr(sources, "_arrow_records", lambda text, sep: None)
        careful = _read(path)
    return fast, careful


def _same_table(fast, careful):
    if isinstance(careful, str):  # refused: the same message
        assert fast == careful
        return
    assert fast[3] == careful[3]  # notes: blank lines skipped, names renamed
    assert_frame_equal(fast[0], careful[0])
    assert fast[1] == careful[1]
    assert fast[2] == careful[2]


TEXTS = {
    "plain": "a;b;c\r\n1;2;3\r\n4;5;6\r\n",
    "quoted_multiline": 'a;b;c\r\n1;"x\ny;z";3\r\n4;"q""r";6\r\n',
    "wrong_fields": "a;b;c\n1;2\n3;4;5;6\n7;8;9\n",
    "blank_lines": "a;b;c\n\n1;2;3\n   \n\n4;5;6\n\n",
    "blank_then_bad": "a;b;c\n\n  \n1;2\n4;5;6\n7;8;9;10\n",
    "quote_mid_field": 'a;b\n1;ab"c\n2;3\n',
    "text_after_quote": 'a;b\n1;"ab"c\n2;3\n',
    "space_before_quote": 'a;b\n1; "x;y"\n2;3\n',
    "duplicate_names": "x;x;;y\n1;2;3;4\n",
    "cr_only": "a;b\r1;2\r3;4\r",
    "blank_lines_crlf": 'a;b\r\n\r\n1;"x\r\n\r\ny"\r\n\r\n\r\n3;4\r\n',
    "blank_lines_mixed": 'a;b\r\n\n1;2\r\r3;"\n\n"\n\r\n',
    "no_final_newline": "a;b\n1;2",
    "sep_line": "sep=;\na;b\n1;2\n",
    "bom": "\ufeffa;b\n1;2\n",
}


@pytest.mark.parametrize("text", list(TEXTS.values()), ids=list(TEXTS))
def test_text_tables_split_alike(tmp_path, monkeypatch, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    _same_table(*_both(path, monkeypatch))


def test_unclosed_quote_is_still_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a;b\n1;"abc\n2;3\n', encoding="utf-8")
    with pytest.raises(Exception, match="unclosed or stray quote"):
        read_text_table(path, "t", sep=None, encoding=None, member=None, notes=Notes("t"))


_CELLS = st.sampled_from(["", "1", "2,5", "x", "x y", '"', "a;b", "a\nb", "é€", "  ", '""', 'q"r', "-3"])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(_CELLS, min_size=1, max_size=5), min_size=1, max_size=8), width=st.integers(2, 4))
def test_any_csv_splits_alike(tmp_path_factory, rows, width):
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([f"c{i}" for i in range(width)])
    for r in rows:
        w.writerow(r)
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(buf.getvalue().encode("cp1252"))
    mp = pytest.MonkeyPatch()
    try:
        _same_table(*_both(path, mp))
    finally:
        mp.undo()


def test_sample_and_real_exports_split_alike(monkeypatch):
    _same_table(*_both(SAMPLES / "incidents.csv", monkeypatch))
    real = REAL / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz"
    if not real.exists():
        pytest.skip("real data not beside the clone")
    _same_table(*_both(real, monkeypatch))


_CP1252_DEFINED = bytes(b for b in range(128, 256) if b not in b"\x81\x8d\x8f\x90\x9d")
_ENCODED = {
    "ascii": b"a;b\r\n1;2\r\n",
    "utf8": "a;b\nÅrhus;€ 5\n".encode(),
    "utf8_bom": codecs.BOM_UTF8 + "a;b\nö;1\n".encode(),
    "bom_then_cp1252": codecs.BOM_UTF8 + "a;b\nö;€\n".encode("cp1252"),
    "cp1252_every_byte": b"a;b\n" + _CP1252_DEFINED + b";1\n",
    "cp1252_euro_only": b"a;b\n\x80 5;\x93q\x94\n",
    "latin1_undefined": b"a;b\n\x81\xe9\x80;1\n",
    "utf16_bom": "a;b\né;1\n".encode("utf-16"),
    "utf16_no_bom": "a;b\né;1\n".encode("utf-16-le"),
    "binary": b"\x00\x01\x02a;b",
    "nul_late": b"a;b\n" + b"x;y\n" * 3000 + b"\x00;1\n",
    "empty": b"",
}


@pytest.mark.parametrize("few_high", [0, 10**9], ids=["by_runs", "by_codecs"])
@pytest.mark.parametrize("encoding", [None, "cp1252", "utf-8", "nonsense"])
@pytest.mark.parametrize("name", list(_ENCODED))
def test_utf8_bytes_equal_the_decoded_text(monkeypatch, name, encoding, few_high):
    """The bytes the fast path reads (no string) == the text the careful path decodes, encoded; same notes."""
    monkeypatch.setattr(sources, "_FEW_HIGH", few_high)
    data = _ENCODED[name]
    got_notes, want_notes = Notes("t"), Notes("t")
    try:
        want = sources._decode(data, encoding, "t", want_notes).encode("utf-8")
    except InputError as exc:
        with pytest.raises(InputError, match=re.escape(str(exc))):
            sources._utf8(data, encoding, "t", got_notes)
        return
    assert sources._utf8(data, encoding, "t", got_notes) == want
    assert list(got_notes) == list(want_notes)


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=60),
    st.sampled_from([b"", codecs.BOM_UTF8, "é€".encode(), b"\x80\xe9"]),
    st.sampled_from([0, 10**9]),
)
def test_any_bytes_decode_alike(data, start, few_high):
    data = start + data
    mp = pytest.MonkeyPatch()
    mp.setattr(sources, "_FEW_HIGH", few_high)
    try:
        _decode_alike(data)
    finally:
        mp.undo()


def _decode_alike(data: bytes) -> None:
    got_notes, want_notes = Notes("t"), Notes("t")
    try:
        want = sources._decode(data, None, "t", want_notes).encode("utf-8")
    except (InputError, UnicodeError) as exc:
        with pytest.raises(type(exc)):
            sources._utf8(data, None, "t", got_notes)
        return
    assert sources._utf8(data, None, "t", got_notes) == want
    assert list(got_notes) == list(want_notes)


def test_head_sniffs_as_the_whole_text():
    """The decoded head: the first characters and whether the text goes on, as the whole text tells."""
    for text in ("a;b\n" + "é;€\n" * 400_000, "a;b\n" + "\U0001f600;x\n" * 200_000, "a;b\n1;2\n"):
        data = text.encode("utf-8")
        head = sources._head(data)
        assert text.startswith(head)
        assert head[:262_144] == text[:262_144]
        assert (len(head) > 262_144) == (len(text) > 262_144)
        assert len(head) >= min(len(text), sources._HEAD_CHARS)
        assert sources._sniff_separator(head, Notes("t")) == sources._sniff_separator(text, Notes("t"))


def _old_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read text tables as before: the whole text decoded to a string, then encoded again."""
    monkeypatch.setattr(
        sources, "_utf8", lambda data, enc, label, notes: sources._decode(data, enc, label, notes).encode()
    )


def test_text_tables_decoded_alike(tmp_path, monkeypatch):
    """Text tables read from bytes == read through the decoded string (sample, a planted cp1252 export, real)."""
    planted = tmp_path / "export.csv"
    rows = [
        f'PL{i};{1 + i % 28}-2-2022 1:00;"€ {i}; co\u00f6p \u2018x\u2019";23{i % 10}000,5;58{i % 10}000,25'
        for i in range(3000)
    ]
    text = "sep=;\r\nregistratienummer;pleegdatum;omschrijving;X;Y\r\n" + "\r\n".join(rows) + "\r\n"
    planted.write_bytes(text.encode("cp1252"))
    paths = [SAMPLES / "incidents.csv", planted]
    if REAL.exists():
        paths += [REAL / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz"]
        paths += [REAL / "uk_nottingham" / "nottingham_burglary_2022.csv.gz"]
    for path in paths:
        fast = read_points(path)
        with monkeypatch.context() as m:
            _old_decoding(m)
            careful = read_points(path)
        assert_geodataframe_equal(fast.points, careful.points)
        assert_frame_equal(fast.rejects, careful.rejects)
        assert fast.notes == careful.notes


def _as_object(s: pd.Series) -> pd.Series:
    return pd.Series(s.to_numpy(dtype=object), index=s.index, dtype=object)


_NUMBERS = [
    "230941,44", "230.941,44", "155.000", "155,000", "1,234.5", "-0,5", "+1,5", ",5", "1 234,5", "1\u00a0234,5",
    "12e3", "abc", "", "  7  ", "\u22125,5", "0", "007", "1.2.3", "5,", "1'234.5",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_numbers_through_arrow_equal_python(seed):
    rng = np.random.default_rng(seed)
    s = pd.Series(rng.choice(_NUMBERS, 500), dtype=str)
    got, want = parse_numbers(s), parse_numbers(_as_object(s))
    np.testing.assert_array_equal(got[0], want[0])
    for a, b in zip(got[1:], want[1:]):
        np.testing.assert_array_equal(a, b)
    for comma in (False, True):
        for pick in (["1", "22", ""], ["1,5", "2", ""], ["1.5", "-2"], ["007", "1"], ["x", "1"]):
            t = pd.Series(rng.choice(pick, 300), dtype=str)
            a, b = _convert_numeric(t, decimal_comma=comma), _convert_numeric(_as_object(t), decimal_comma=comma)
            if b is None:
                assert a is None
            else:
                pd.testing.assert_series_equal(a, b)


@pytest.mark.parametrize("mark", [",", "."])
def test_plain_numbers_equal_the_general_path(monkeypatch, mark):
    """Columns of numbers that read one way only (and whole numbers, empty and missing cells) parsed by one RE2
    check and Arrow == the general path == the Python path, with a few other values read by the general rules
    (text, ambiguous values whose reading follows the column's majority, grouped or spaced numbers)."""
    rng = np.random.default_rng(5)
    n = 4000
    whole = rng.integers(0, 10**7, n).astype(str)
    frac = np.char.zfill(rng.integers(0, 100, n).astype(str), rng.choice([1, 2, 4, 6], n))
    cells = np.char.add(np.char.add(whole, mark), frac).astype(object)
    sign = rng.choice(["", "-", "+"], n, p=[0.8, 0.1, 0.1])
    cells = np.char.add(sign.astype(str), cells.astype(str)).astype(object)
    cells[rng.random(n) < 0.1] = ""
    cells[rng.random(n) < 0.1] = rng.integers(0, 999, n)[0].astype(str)  # whole numbers
    cells[0] = "1" * 400 + mark + "5"  # not finite: unparseable
    s = pd.Series(cells, dtype=str).where(rng.random(n) > 0.05)
    real = values_mod._plain_numbers
    cases = {"plain": s, "sliced": s.iloc[9:], "whole only": pd.Series(["12", "", "007", None], dtype=str)}
    for other in ("1,234", "1.234", "1.234,5", ",5", " 7", "\u22125,5", "1e5", "5,", "x", "onbekend"):
        cases[other] = pd.concat([s.iloc[:50], pd.Series([other], dtype=str)], ignore_index=True)
    # ambiguous values whose reading follows the majority: the plain values must count for it
    for amb in ("1.234", "1,234"):
        cases[f"{amb} x 20"] = pd.concat([s.iloc[:30], pd.Series([amb] * 20 + ["x"], dtype=str)], ignore_index=True)
    for name, col in cases.items():
        got = parse_numbers(col)
        with monkeypatch.context() as mp:
            mp.setattr(values_mod, "_plain_numbers", lambda v: None)
            general = parse_numbers(col)
        for want in (general, parse_numbers(_as_object(col))):
            for a, b in zip(got, want):
                np.testing.assert_array_equal(a, b, err_msg=name)
        assert real(col) is not None, name  # a few other values: read by the general rules, the rest by Arrow
    mostly_other = pd.Series(["x", "y", "1,5"], dtype=str)
    assert real(mostly_other) is None
    np.testing.assert_array_equal(parse_numbers(mostly_other)[0], parse_numbers(_as_object(mostly_other))[0])


_DATES = [
    "1-1-2021 12:45", "31-12-2021 3:05", "31-2-2022 10:00", "13-13-2021", "12/31/2017 11:00 PM", "1/2/2018 1:00 AM",
    "2021-06-01", "2021-6-1 9:05", "2021/01/05", "2021-01-05T10:00:00Z", "5.3.21", "1-2/2021", "", "x", "25:00",
    "3-4-2021 24:00", "3-4-2021 12:00 PM", "3-4-2021 0:30 am", "03-04-2021 23:59:59",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_dates_through_arrow_equal_python(seed):
    rng = np.random.default_rng(seed)
    s = pd.Series(rng.choice(_DATES[: 6 + seed * 3], 400), dtype=str)
    got, want = read_dates(s), read_dates(_as_object(s))
    pd.testing.assert_series_equal(got.values, want.values)
    np.testing.assert_array_equal(got.bad, want.bad)
    np.testing.assert_array_equal(got.empty, want.empty)
    assert (got.how, got.is_dates) == (want.how, want.is_dates)


def _csv_bytes(df, **kw):
    return b"".join(bytes(c) for c in _csv_chunks(df, **kw))


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    txt = np.array(
        ["a", "", " =x", "-5", "+3", "@a", "\tq", "\rq", "p;q", 'q"r', "s,t", "x\ny", "é€", "  -1"], dtype=object
    )
    floats = [1.5, 230941.44, -0.0, 0.0, 5.0, 1e-5, 1e16, 1e20, 123.456, -7.0, 1e15, 0.0001, 2.5e-7, np.nan]
    return pd.DataFrame(
        {
            "s": pd.Series(rng.choice(txt, n), dtype=str),
            "o": pd.Series(np.where(rng.random(n) < 0.2, None, rng.choice(txt, n)), dtype=object),
            "f": rng.choice(floats, n) * rng.choice([1, 1.1, 3.7], n),
            "i": rng.integers(-1000, 10**12, n),
            "I": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 50, n)), dtype="Int64"),
            "b": rng.random(n) < 0.5,
            "d": pd.Series(pd.to_datetime(rng.integers(1.6e9, 1.7e9, n), unit="s")).where(rng.random(n) < 0.9),
            "dd": pd.to_datetime(rng.integers(18000, 19000, n), unit="D"),
            "c": pd.Categorical(np.where(rng.random(n) < 0.3, None, rng.choice(["GR-1", "=x", "a;b"], n))),
            "-neg": 1,
        }
    )


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dialect", [(",", "\n", "utf-8"), (";", "\r\n", "utf-8-sig")], ids=["plain", "excel"])
def test_csv_writer_equals_pandas(seed, dialect):
    sep, lt, enc = dialect
    df = _frame(2000, seed)
    want = excel_safe(df).to_csv(index=False, sep=sep, lineterminator=lt).encode("utf-8")
    if enc == "utf-8-sig":
        want = b"\xef\xbb\xbf" + want
    assert _csv_bytes(df, sep=sep, encoding=enc, lineterminator=lt) == want


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_infinity=False), min_size=2, max_size=50))
def test_csv_writer_floats_equal_pandas(values):
    df = pd.DataFrame({"v": values, "k": 1})
    want = excel_safe(df).to_csv(index=False).encode("utf-8")
    assert _csv_bytes(df, sep=",", encoding="utf-8", lineterminator="\n") == want


def test_area_of_use_by_box_equals_point_by_point(monkeypatch):
    rng = np.random.default_rng(0)
    crs = pyproj.CRS.from_epsg(28992)
    cases = {
        "inside": (rng.uniform(13_000, 278_000, 20_000), rng.uniform(306_000, 619_000, 20_000)),
        "some_outside": (rng.uniform(-400_000, 278_000, 20_000), rng.uniform(306_000, 619_000, 20_000)),
        "groningen": (rng.uniform(229_000, 238_000, 20_000), rng.uniform(579_000, 586_000, 20_000)),
    }
    for x, y in cases.values():
        got = points_mod._outside_area_of_use(x, y, crs)
        with monkeypatch.context() as m:
            m.setattr(points_mod, "_bbox_inside_area_of_use", lambda *a: False)
            want = points_mod._outside_area_of_use(x, y, crs)
        np.testing.assert_array_equal(got, want)
    assert points_mod._bbox_inside_area_of_use(*cases["groningen"], crs)
    assert not points_mod._bbox_inside_area_of_use(*cases["some_outside"], crs)


def test_read_points_the_same_either_way(tmp_path, monkeypatch):
    """The whole reader on the sample export (and its gzip): points, rejects and notes as the careful path."""
    gz = tmp_path / "incidents.csv.gz"
    gz.write_bytes(gzip.compress((SAMPLES / "incidents.csv").read_bytes()))
    for src in (SAMPLES / "incidents.csv", gz):
        fast = read_points(src, extent=(229209, 579103, 238235, 586129))
        with monkeypatch.context() as m:
            m.setattr(sources, "_arrow_records", lambda text, sep: None)
            m.setattr(points_mod, "_bbox_inside_area_of_use", lambda *a: False)
            careful = read_points(src, extent=(229209, 579103, 238235, 586129))
        assert_geodataframe_equal(fast.points, careful.points)
        assert_frame_equal(fast.rejects, careful.rejects)
        assert fast.notes == careful.notes


def test_geopackage_points_through_arrow(tmp_path, monkeypatch):
    pts = read_points(SAMPLES / "incidents.csv", extent=(229209, 579103, 238235, 586129)).points
    path = tmp_path / "p.gpkg"
    pts.drop(columns="pleegdatum").to_file(path, engine="pyogrio")
    fast = read_points(path)
    with monkeypatch.context() as m:
        m.setattr(sources, "_ARROW_SUFFIXES", ())
        careful = read_points(path)
    assert_geodataframe_equal(fast.points, careful.points)
    assert fast.notes == careful.notes


def test_csv_writer_chunked_text_columns():
    """Text columns made by concatenation hold several Arrow chunks (counts tables): still pandas' bytes."""
    df = pd.concat([_frame(300, 1), _frame(200, 2)], ignore_index=True)
    want = excel_safe(df).to_csv(index=False).encode("utf-8")
    assert _csv_bytes(df, sep=",", encoding="utf-8", lineterminator="\n") == want


@pytest.mark.parametrize("workers", ["1", "2"])
def test_csv_writer_repeated_values_and_equal_columns(monkeypatch, workers):
    """Columns of few distinct values (rendered once per value), a float column equal to another (x beside X,
    rendered once) and blocks rendered by several threads: still pandas' bytes."""
    monkeypatch.setattr(write_mod, "DISTINCT_SAMPLE", 500)
    monkeypatch.setattr(write_mod, "CSV_CHUNK_ROWS", 700)
    monkeypatch.setenv("BINGEO_WORKERS", workers)
    df = _frame(3000, 4)
    df["x"] = df["f"].copy()  # equal values, NaN included
    df["g"] = df["f"] * 2  # not equal: rendered on its own
    df["h"] = df["f"].where(np.arange(len(df)) < 2000, 2.5)  # equal in the first blocks only
    df["z"] = df["f"].abs()  # -0.0 becomes 0.0: equal as numbers, not as text
    df["u"] = pd.Series([f"=id{i}" if i % 7 else f'"q{i}"' for i in range(len(df))], dtype=str)  # all distinct
    want = excel_safe(df).to_csv(index=False).encode("utf-8")
    assert _csv_bytes(df, sep=",", encoding="utf-8", lineterminator="\n") == want
    assert _csv_bytes(df, sep=";", encoding="utf-8", lineterminator="\r\n") == excel_safe(df).to_csv(
        index=False, sep=";", lineterminator="\r\n"
    ).encode("utf-8")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_csv_writer_last_column_repeated(monkeypatch, workers):
    """The line end joined to the last field, when that field repeats an earlier column (y beside Y, the output
    of ``bingeo assign``), all coordinates plain or not, categories with missing values: still pandas' bytes."""
    monkeypatch.setattr(write_mod, "CSV_CHUNK_ROWS", 300)
    monkeypatch.setenv("BINGEO_WORKERS", workers)
    rng = np.random.default_rng(6)
    n = 1000
    df = pd.DataFrame(
        {
            "net": pd.Categorical(np.where(rng.random(n) < 0.4, None, rng.choice(["GR-1", "=x", 'a"b'], n))),
            "X": rng.uniform(229_000, 238_000, n).round(2),
            "Y": rng.uniform(579_000, 586_000, n).round(2),
        }
    )
    df["x"] = df["X"]
    df["y"] = df["Y"]
    for frame in (df, df.assign(y=df["Y"].where(rng.random(n) < 0.9, 5.0)), df[["x", "net"]]):
        for sep, lt in ((",", "\n"), (";", "\r\n")):
            want = excel_safe(frame).to_csv(index=False, sep=sep, lineterminator=lt).encode("utf-8")
            assert _csv_bytes(frame, sep=sep, encoding="utf-8", lineterminator=lt) == want


@pytest.mark.parametrize("sep", ["-", "/", "."])
def test_usual_dutch_dates_split_equal_python(sep):
    """Columns whose every value has the usual shape (1-1-2021 12:45) are split, not matched: the same dates."""
    rng = np.random.default_rng(1)
    d, m = rng.integers(1, 35, 3000), rng.integers(1, 14, 3000)
    y = rng.choice(["2021", "99", "2024"], 3000)
    t = rng.choice(["", " 0:00", " 23:59", " 7:05", " 24:00", " 12:61"], 3000)
    s = pd.Series([f"{a}{sep}{b}{sep}{c}{e}" for a, b, c, e in zip(d, m, y, t)], dtype=str)
    got, want = read_dates(s), read_dates(_as_object(s))
    pd.testing.assert_series_equal(got.values, want.values)
    np.testing.assert_array_equal(got.bad, want.bad)
    assert (got.how, got.is_dates) == (want.how, want.is_dates)


@pytest.mark.parametrize(
    "years", [["2021", "99", "2024", "2000", "2100", "70", "69", "1900"], ["2021", "1600", "2300"]]
)
def test_usual_dates_built_by_numpy_equal_pandas(monkeypatch, years):
    """Usual D-M-Y dates built by numpy == built by ``pd.to_datetime`` of the parts (leap days, 2-digit years,
    impossible days, months and clocks; years outside datetime64[ns]: not dates) == the Python path."""
    rng = np.random.default_rng(2)
    d, m = rng.integers(0, 33, 4000), rng.integers(0, 14, 4000)
    y = rng.choice(years, 4000)
    t = rng.choice(["", " 0:00", " 23:59", " 7:05", " 24:00", " 12:61"], 4000)
    extra = ["29-2-2024", "29-2-2100", "29-2-2000", "31-4-2021 1:00", "30-4-2021", "0-1-2021", "1-0-2021", "31-12-69"]
    s = pd.Series([f"{a}-{b}-{c}{e}" for a, b, c, e in zip(d, m, y, t)] + extra, dtype=str)
    got = read_dates(s)
    with monkeypatch.context() as mp:
        mp.setattr(values_mod, "_dmy_usual", lambda v, sep: values_mod._dmy(v, []))
        want = read_dates(s)
    for other in (want, read_dates(_as_object(s))):
        pd.testing.assert_series_equal(got.values, other.values)
        np.testing.assert_array_equal(got.bad, other.bad)
        assert (got.how, got.is_dates) == (other.how, other.is_dates)
    assert got.values.iloc[-8:-5].notna().tolist() == [True, False, True]  # 29 February
    assert got.bad[: len(y)][np.isin(y, ["1600", "2300"])].all()


@pytest.mark.parametrize("sep", ["-", "/", "."])
def test_usual_dates_from_the_buffers_equal_python(monkeypatch, sep):
    """A column of one usual shape read from the Arrow buffers (empty and missing cells, 2-digit years, times,
    impossible days and clocks, a slice that does not start at the buffer's start) == the general path."""
    rng = np.random.default_rng(3)
    n = 3000
    d, m = rng.integers(0, 33, n), rng.integers(0, 14, n)
    y = rng.choice(["2021", "99", "69", "70", "2024", "1600", "2300", "2000"], n)
    t = rng.choice(["", " 0:00", " 23:59", " 7:05", " 24:00", " 12:61", " 9:05"], n)
    cells = [f"{a}{sep}{b}{sep}{c}{e}" for a, b, c, e in zip(d, m, y, t)]
    cells = np.where(rng.random(n) < 0.05, "", np.array(cells, dtype=object))
    s = pd.Series(cells, dtype=str).where(rng.random(n) > 0.03)  # missing cells too
    real = values_mod._usual_dmy_column
    for part in (s, s.iloc[7:], pd.Series([None, ""], dtype=str)):
        got = read_dates(part)
        with monkeypatch.context() as mp:
            mp.setattr(values_mod, "_usual_dmy_column", lambda v: None)
            general = read_dates(part)
        for want in (general, read_dates(_as_object(part))):
            pd.testing.assert_series_equal(got.values, want.values)
            np.testing.assert_array_equal(got.bad, want.bad)
            np.testing.assert_array_equal(got.empty, want.empty)
            assert (got.how, got.is_dates) == (want.how, want.is_dates)
    assert real(s) is not None and real(s.iloc[7:]) is not None  # the buffers were read, not the general path
    for other in (" 1-1-2021", "1-1-2021 12:45:00", f"1{sep}1{sep}2021T1:00", "2021-01-01", "x"):
        assert real(pd.concat([s, pd.Series([other], dtype=str)], ignore_index=True)) is None


def test_geopackage_output_through_arrow(tmp_path, monkeypatch):
    """Points written through Arrow: the same layer as feature by feature, still GeoPackage 1.2 for QGIS 3.22."""
    import sqlite3

    import bingeo.readers.write as write_mod
    from bingeo.readers import write_table

    pts = read_points(SAMPLES / "incidents.csv", extent=(229209, 579103, 238235, 586129)).points
    fast, careful = tmp_path / "fast.gpkg", tmp_path / "careful.gpkg"
    write_table(pts, fast)
    with monkeypatch.context() as m:
        m.setattr(write_mod, "_arrow_io", lambda: {})
        write_table(pts, careful)
    a, b = gpd.read_file(fast), gpd.read_file(careful)
    assert_geodataframe_equal(a, b)
    for path in (fast, careful):
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
            kinds = con.execute("SELECT geometry_type_name, srs_id FROM gpkg_geometry_columns").fetchall()
        assert kinds == [("POINT", 28992)]


@pytest.mark.parametrize("seed", range(3))
def test_datetimes_as_text_for_geopackage_equal_strftime(seed):
    from bingeo.readers.write import _naive_datetimes_as_text

    rng = np.random.default_rng(seed)
    ns = rng.integers(-2 * 10**18, 4 * 10**18, 500) // 10 ** int(rng.integers(0, 10))
    for unit in ("ns", "s"):
        v = pd.Series(
            ns.astype(f"datetime64[{unit}]" if unit == "ns" else "datetime64[ns]").astype(f"datetime64[{unit}]")
        )
        v[rng.random(500) < 0.1] = pd.NaT
        for midnight in (False, True):
            w = v.dt.normalize() if midnight else v
            want = w.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S").astype(object).where(w.notna(), None)
            got = _naive_datetimes_as_text(pd.DataFrame({"t": w}))["t"]
            pd.testing.assert_series_equal(got, want, check_names=False)


NOTTINGHAM = Path("uk_nottingham") / "nottingham_burglary_2022.csv.gz"  # in the real data (fixture `real`)


def _both_ways(path, monkeypatch, **kw):
    """read_points through the plain-points path and through geometry objects; how often the first was taken."""
    taken = []
    real = sources._read_plain_points

    def spy(*a, **k):
        got = real(*a, **k)
        taken.append(got is not None)
        return got

    with monkeypatch.context() as m:
        m.setattr(sources, "_read_plain_points", spy)
        fast = read_points(path, **kw)
    with monkeypatch.context() as m:
        m.setattr(sources, "_read_plain_points", lambda *a, **k: None)
        careful = read_points(path, **kw)
    assert_geodataframe_equal(fast.points, careful.points)
    assert_frame_equal(fast.rejects, careful.rejects)
    assert fast.notes == careful.notes and fast.crs == careful.crs
    return taken, fast


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_plain_points_equal_the_geometry_path(tmp_path, monkeypatch, suffix, real):
    """Real Nottingham burglaries (dates, text, numbers) plus 0/0 and far-away rows, written as a point layer:
    the coordinates decoded from the WKB give the same points, rejects and notes as the geometry objects."""
    from bingeo.readers import write_table

    src = read_points(real / NOTTINGHAM, crs=4326)
    pts = src.points.to_crs(27700)
    pts.loc[pts.index[:3], "geometry"] = gpd.points_from_xy([0.0, 0.0, 9e6], [0.0, 0.0, 9e6], crs=27700)
    path = tmp_path / f"burglary{suffix}"
    if suffix == ".gpkg":
        write_table(pts, path)
    else:  # a shapefile has no date-time fields: the dates as text (read back as dates by read_points)
        for c in pts.columns[pts.dtypes.astype(str).str.startswith("datetime")]:
            pts[c] = pts[c].dt.strftime("%Y-%m-%d")
        pts.to_file(path, engine="pyogrio")
    taken, fast = _both_ways(path, monkeypatch)
    assert taken == [True]  # the plain path was taken
    assert len(fast.points) > 100 and set(fast.rejects["reject_reason"]) == {"zero_zero", "outside_crs_area"}
    # with an extent and a target CRS (reprojection: the points are made from the new coordinates)
    taken, fast = _both_ways(path, monkeypatch, extent=tuple(pts.total_bounds), target_crs=4326)
    assert taken == [True] and fast.crs.to_epsg() == 4326


def _parquet_both_ways(path, monkeypatch, **kw):
    """read_points of a GeoParquet file through the plain-points path and through geometry objects."""
    taken = []
    real = sources._read_plain_parquet
    with monkeypatch.context() as m:
        m.setattr(sources, "_read_plain_parquet", lambda p: taken.append(real(p)) or taken[-1])
        fast = read_points(path, **kw)
    with monkeypatch.context() as m:
        m.setattr(sources, "_read_plain_parquet", lambda p: None)
        careful = read_points(path, **kw)
    assert_geodataframe_equal(fast.points, careful.points)
    assert_frame_equal(fast.rejects, careful.rejects)
    assert fast.notes == careful.notes and fast.crs == careful.crs
    return [t is not None for t in taken], fast


def test_plain_geoparquet_points_equal_the_geometry_path(tmp_path, monkeypatch, real):
    """Real Nottingham burglaries plus 0/0 and far-away rows as GeoParquet (an index of its own, a CRS, none,
    lon/lat): the coordinates decoded from the WKB give the same points, rejects, notes and CRS."""
    import shapely

    src = read_points(real / NOTTINGHAM, crs=4326)
    pts = src.points.to_crs(27700)
    pts.loc[pts.index[:3], "geometry"] = gpd.points_from_xy([0.0, 0.0, 9e6], [0.0, 0.0, 9e6], crs=27700)
    pts.index = pts.index * 3 + 7  # written to the file as its pandas index
    path = tmp_path / "burglary.parquet"
    pts.to_parquet(path)
    taken, fast = _parquet_both_ways(path, monkeypatch)
    assert taken == [True] and set(fast.rejects["reject_reason"]) == {"zero_zero", "outside_crs_area"}
    taken, fast = _parquet_both_ways(path, monkeypatch, extent=tuple(pts.total_bounds), target_crs=4326)
    assert taken == [True] and fast.crs.to_epsg() == 4326
    src.points.to_parquet(path)  # lon/lat (EPSG:4326 written as PROJJSON)
    assert _parquet_both_ways(path, monkeypatch)[0] == [True]
    pts.set_crs(None, allow_override=True).to_parquet(path)  # no CRS: given or guessed
    assert _parquet_both_ways(path, monkeypatch, crs=27700)[0] == [True]
    odd = pts.copy()
    odd.loc[odd.index[5], "geometry"] = shapely.Point()  # an empty point: the geometry path, with its reject
    odd.to_parquet(path)
    taken, fast = _parquet_both_ways(path, monkeypatch)
    assert taken == [False] and "empty_geometry" in set(fast.rejects["reject_reason"])


def test_plain_points_without_attributes(tmp_path, monkeypatch):
    from bingeo.readers import write_table

    rng = np.random.default_rng(3)
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rng.uniform(230_000, 238_000, 500), rng.uniform(579_000, 586_000, 500)), crs=28992
    )
    path = tmp_path / "bare.gpkg"
    write_table(pts, path, layer="points")
    taken, fast = _both_ways(path, monkeypatch)
    assert taken == [True] and list(fast.points.columns) == ["source_row", "geometry"]


@pytest.mark.parametrize(
    "odd",
    [
        "POINT EMPTY",
        None,
        "POINT Z (233000 583000 4)",
        "MULTIPOINT ((233000 583000), (233100 583100))",
        "POINT (1 nan)",
    ],
    ids=["empty", "null", "z", "multipoint", "nan"],
)
def test_layers_that_are_not_plain_points_take_the_geometry_path(tmp_path, monkeypatch, odd):
    import shapely

    geoms = [shapely.Point(233000 + i, 583000 + i) for i in range(20)]
    geoms[7] = shapely.from_wkt(odd.replace("nan", "1")) if odd else None
    if odd == "POINT (1 nan)":
        geoms[7] = shapely.Point(1.0, np.nan)
    frame = gpd.GeoDataFrame({"k": range(20)}, geometry=gpd.GeoSeries(geoms), crs=28992)
    path = tmp_path / "odd.gpkg"
    frame.to_file(path, engine="pyogrio")
    taken, fast = _both_ways(path, monkeypatch)
    assert taken == [False]
    assert len(fast.points) in (19, 20)


def test_wkb_points_xy_reads_what_shapely_reads():
    import pyarrow as pa
    import shapely

    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 1e5, 1000), rng.normal(0, 1e5, 1000)
    wkb = shapely.to_wkb(shapely.points(x, y), byte_order=1)
    for typ in (pa.binary(), pa.large_binary()):
        arr = pa.chunked_array([pa.array(wkb[:400], type=typ), pa.array(wkb[400:], type=typ)])
        gx, gy = sources.wkb_points_xy(arr)
        np.testing.assert_array_equal(gx, x)
        np.testing.assert_array_equal(gy, y)
        assert sources.wkb_points_xy(arr.slice(10, 500))[0].tolist() == x[10:510].tolist()  # an offset slice
    big_endian = pa.array(shapely.to_wkb(shapely.points(x, y), byte_order=0))
    assert sources.wkb_points_xy(big_endian) is None


def test_points_kept_from_the_input_are_those_made_from_xy():
    """Usable points read unmoved are kept as read, not made again: the same 2-D points; Z points are made anew."""
    import shapely

    from bingeo.readers import points_from_frame

    xy = [(233000.5, 583000.25), (233100.0, 583200.0), (0.0, 0.0)]
    for geoms in ([shapely.Point(x, y) for x, y in xy], [shapely.Point(x, y, 7.0) for x, y in xy]):
        frame = gpd.GeoDataFrame({"k": [1, 2, 3]}, geometry=geoms, crs=28992)
        got = points_from_frame(frame).points.geometry.array
        want = shapely.points(np.array(xy[:2]))
        assert not shapely.has_z(got).any()
        assert shapely.equals_exact(got, want, tolerance=0).all()
        assert shapely.to_wkb(got).tolist() == shapely.to_wkb(want).tolist()
