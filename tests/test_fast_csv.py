"""The whole-command CSV path (issue 14): text read in pieces gives exactly what the careful path gives.

* non-ASCII bytes found a piece at a time == the decoded text, whatever the piece size;
* Arrow's memory pool: chosen once, left alone when the user chose one;
* the CSV export read and written by ``bingeo assign``: the same bytes through every path.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bingeo.readers.sources as sources
from bingeo.readers.sources import Notes


@pytest.mark.parametrize("scan", [1, 3, 7, 1 << 22])
def test_high_bytes_found_piece_by_piece(monkeypatch, scan):
    monkeypatch.setattr(sources, "SCAN_BYTES", scan)
    text = "a;b\n" + "".join(f"{i};coöperatie € {'x' * (i % 9)}ß\n" for i in range(300))
    data = text.encode("cp1252")
    want = [i for i, b in enumerate(data) if b >= 0x80]
    assert sources._high_bytes(data).tolist() == want
    assert sources._high_bytes(b"").tolist() == []
    notes = Notes("t")
    assert sources._utf8(data, None, "t", notes) == text.encode("utf-8")
    assert list(notes) == [
        "Not valid UTF-8: read as Windows-1252 (cp1252). Pass `encoding` (--encoding) if that is wrong."
    ]


def test_arrow_pool_chosen_once_and_left_to_the_user(monkeypatch):
    pa = pytest.importorskip("pyarrow")
    before = pa.default_memory_pool()
    try:
        monkeypatch.setenv(sources.ARROW_POOL_ENV, "system")
        pa.set_memory_pool(pa.system_memory_pool())
        sources.use_arrow_pool()
        assert pa.default_memory_pool().backend_name == "system"  # the user's choice stays
        monkeypatch.delenv(sources.ARROW_POOL_ENV)
        try:
            getattr(pa, f"{sources.ARROW_POOL}_memory_pool")()
        except NotImplementedError:
            pytest.skip(f"this pyarrow has no {sources.ARROW_POOL}")
        sources.use_arrow_pool()
        assert pa.default_memory_pool().backend_name == sources.ARROW_POOL
    finally:
        pa.set_memory_pool(before)


def test_beside_gives_the_answer_or_the_error_of_the_direct_call(monkeypatch):
    from bingeo.readers.overlap import Beside

    for workers in ("1", "2"):
        monkeypatch.setenv("BINGEO_WORKERS", workers)
        assert Beside(divmod, 7, 2).result() == (3, 1)
        job = Beside(int, "x")
        with pytest.raises(ValueError, match="invalid literal"):
            job.result()


def _read_both_ways(path, monkeypatch):
    from bingeo.readers import read_points

    got = []
    for workers in ("1", "2"):  # dates and the quote check in the caller / beside it
        monkeypatch.setenv("BINGEO_WORKERS", workers)
        r = read_points(path)
        got.append((r.points, r.rejects, list(r.notes)))
    return got


def test_read_beside_is_the_read_in_one_thread(tmp_path, monkeypatch):
    """An export with planted bad dates, bad records and a quoted multi-line field: the same read either way."""
    from pandas.testing import assert_frame_equal

    lines = ["registratienummer;pleegdatum;einddatum;X;Y;omschrijving"]
    for i in range(400):
        date = "31-2-2021 10:00" if i % 97 == 5 else f"{1 + i % 28}-{1 + i % 12}-2021 {i % 24}:{i % 60:02d}"
        text = '"regel één\nregel twee"' if i % 50 == 3 else "coöperatie"
        lines.append(f"PL{i};{date};{1 + i % 28}-1-2022;{230000 + i},5;{580000 + i},25;{text}")
    lines[20] = "kapot;1-1-2021"
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    (p1, r1, n1), (p2, r2, n2) = _read_both_ways(path, monkeypatch)
    assert n1 == n2
    assert any("impossible or unreadable dates" in n for n in n1)
    assert_frame_equal(p1, p2)
    assert_frame_equal(r1, r2)
    assert r1["reject_reason"].tolist() == ["wrong_field_count"]
    bad = tmp_path / "quotes.csv"  # quotes the csv module reads its own way: the careful path either way
    bad.write_bytes(b'X;Y;d\n1,5;2,5;a"b\n3,5;4,5; "c"\n')
    (p1, r1, n1), (p2, r2, n2) = _read_both_ways(bad, monkeypatch)
    assert n1 == n2
    assert_frame_equal(p1, p2)


def _split_alike(path, monkeypatch):
    """The records of a text table read in two halves at once == the careful path's (the csv module's)."""
    from tests.test_fast_readers import _both, _same_table

    monkeypatch.setenv("BINGEO_WORKERS", "2")
    monkeypatch.setattr(sources, "SPLIT_BYTES", 1)
    halves, split = [], sources._arrow_split
    monkeypatch.setattr(sources, "_arrow_split", lambda *a: halves.append(split(*a)) or halves[-1])
    fast, careful = _both(path, monkeypatch)
    _same_table(fast, careful)
    return fast, halves


def test_halves_split_alike(tmp_path, monkeypatch):
    """Bad records, blank lines and quoted line breaks on both sides of the cut, and at the cut itself."""
    from tests.test_fast_readers import TEXTS

    for name, text in TEXTS.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(text.encode("utf-8"))
        _split_alike(path, monkeypatch)
    rows = ["a;b;c"]
    for i in range(300):
        cell = '"twee\nregels; en ""quotes"""' if i % 7 == 0 else f"v{i}"
        rows.append(f"{i};{cell};x" if i % 41 else f"{i};kort")
        if i % 53 == 0:
            rows.append("   ")
        if i % 67 == 0:
            rows.append("")
    for start in range(0, 12):  # moves the middle over a quoted field, a bad record, a blank line
        path = tmp_path / f"export{start}.csv"
        path.write_bytes(("\n".join(rows[:1] + rows[1 + start :]) + "\n").encode("cp1252"))
        fast, halves = _split_alike(path, monkeypatch)
        assert len(halves) == 1 and halves[0][0].column(0).num_chunks == 2  # read in two halves
        assert fast[1]  # bad records found in both halves
        assert min(fast[1]) < len(fast[0]) // 2 < max(fast[1])


def test_half_cut_falls_outside_quotes():
    data = b'a;b\n1;"x\ny\nz"\n' * 50
    cut = sources._half_cut(data)
    assert cut is not None and data[cut - 1 : cut] == b"\n"
    assert data[:cut].count(b'"') % 2 == 0
    assert sources._half_cut(b"a;b\n") is None
    assert sources._half_cut(b'a;"b\nc\nd\ne') is None


def _csv_equals_pandas(values):
    import pandas as pd

    from bingeo.readers.write import _csv_chunks, excel_safe

    df = pd.DataFrame({"x": values, "k": 1})
    want = excel_safe(df).to_csv(index=False).encode("utf-8")
    assert b"".join(bytes(c) for c in _csv_chunks(df, sep=",", encoding="utf-8", lineterminator="\n")) == want


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(10**15), 10**15).filter(bool), min_size=1, max_size=40))
def test_coordinates_in_hundredths_written_as_repr(cents):
    """Floats that are whole hundredths (RD coordinates in cm) take the short way; the bytes are pandas'."""
    import numpy as np

    import bingeo.readers.write as write_mod

    v = np.array(cents, dtype=float) / 100
    _csv_equals_pandas(v)
    small = v[np.abs(v) < write_mod.CENTS_BELOW]
    if len(small):
        import pyarrow as pa
        import pyarrow.compute as pc

        got = write_mod._cents_fields(small, pa, pc)
        assert got is not None and got.to_pylist() == [repr(float(x)) for x in small]


def test_coordinates_edge_values_written_as_repr():
    _csv_equals_pandas([230941.44, 583921.1, -0.01, 0.01, 7.0, -12.5, 9999999999999.99, 1e13, 0.1, 0.3])
    _csv_equals_pandas([230941.44, 0.0])  # a zero: the general way
    _csv_equals_pandas([0.1 + 0.2, 1.005, 230941.44])  # not whole hundredths: the general way
