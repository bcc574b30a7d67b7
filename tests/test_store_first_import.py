"""The first members import's store fast paths against the ways they replaced: node blobs made all at once,
dates formatted by numpy, repeated ids told by Arrow, rows inserted many a statement (same table, fids, R-tree,
memo as one row a statement and as the merge)."""

from __future__ import annotations

import sqlite3
import struct

import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
import bingeo.stores.gpkg as gpkg
from bingeo.errors import StoreError
from bingeo.stores import _gpkg_format as fmt
from bingeo.stores.base import _all_distinct, _iso_dates
from tests.test_store_upsert import straight_equals_merge


@pytest.mark.parametrize(("n", "fanout"), [(1, 51), (51, 51), (52, 51), (1000, 51), (999, 7)])
def test_node_blobs_all_at_once_as_one_by_one(n, fanout):
    rng = np.random.default_rng(n)
    cells = np.empty(n, dtype=fmt._CELL)
    cells["id"], cells["box"] = rng.integers(1, 2**40, n), rng.uniform(-1e6, 1e6, (n, 4)).astype(np.float32)
    size = 4 + fanout * fmt._CELL.itemsize + 3  # room left over, as in a real node
    want = [
        (struct.pack(">HH", 0, len(cells[s : s + fanout])) + cells[s : s + fanout].tobytes()).ljust(size, b"\x00")
        for s in range(0, n, fanout)
    ]
    assert fmt._node_blobs(cells, fanout, size) == want


def test_dates_by_numpy_as_by_strftime():
    rng = np.random.default_rng(5)
    v = pd.Series(pd.to_datetime(rng.integers(-2_000_000_000, 4_000_000_000, 5000), unit="s"))  # 1906..2096
    v[::7] = pd.NaT
    want = [None if pd.isna(x) else x.strftime("%Y-%m-%d") for x in v]
    for unit in ("s", "ms", "us", "ns"):
        assert _iso_dates(v.astype(f"datetime64[{unit}]")) == want
        assert _iso_dates(v.astype(f"datetime64[{unit}]"), arrow=True).to_pylist() == want  # Arrow text, as kept
    assert _iso_dates(pd.Series([pd.NaT] * 3, dtype="datetime64[s]")) == [None] * 3
    aware = v.dt.tz_localize("UTC").dt.tz_convert("Europe/Amsterdam")  # the local day, as strftime gives it
    assert _iso_dates(aware) == [None if pd.isna(x) else x.strftime("%Y-%m-%d") for x in aware]
    far = pd.Series(np.array(["0900-03-01", "2026-12-07", "NaT"], dtype="datetime64[s]"))  # a 3-digit year
    assert _iso_dates(far) == [far.dt.strftime("%Y-%m-%d")[0], "2026-12-07", None]  # strftime's way then


def test_repeated_ids_told_by_arrow_as_by_pandas(tmp_path):
    for values in (["a", "b", "c"], ["a", "b", "a"], ["a", None, None], ["a", None, "b"], []):
        for dtype in ("string[pyarrow]", object):
            col = pd.Series(values, dtype=dtype)
            assert _all_distinct(col) == (not col.duplicated().any()), (values, dtype)
    from tests.test_store_members import members_frame

    m = members_frame(10)
    m["member_id"] = pd.Series(["M1", "M2"] * 5, dtype="string[pyarrow]")
    with bingeo.open_store(tmp_path / "s.gpkg", create=True, crs=28992) as st:
        with pytest.raises(StoreError, match="8 repeated 'member_id'"):
            st.upsert_members(m)
        assert st.members().empty


@pytest.mark.parametrize("n", [1, 63, 64, 65, 1000])
def test_many_rows_a_statement_as_one_row_a_statement(n, monkeypatch):
    rng = np.random.default_rng(n)
    columns = [
        rng.integers(-(2**63), 2**63 - 1, n).tolist(),
        [None if i % 3 else f"t{i}" for i in range(n)],
        rng.random(n).tolist(),
        [bytes(rng.integers(0, 256, 7, dtype=np.uint8)) for _ in range(n)],
    ]
    got, want = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for conn in (got, want):
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER, b TEXT, c REAL, d BLOB, e, f)")
    gpkg._insert_many(got, "INSERT INTO t (a, b, c, d, e, f) VALUES", "'x', 1", columns)
    want.executemany("INSERT INTO t (a, b, c, d, e, f) VALUES (?, ?, ?, ?, 'x', 1)", zip(*columns))
    rows = "SELECT id, a, b, c, d, e, f, typeof(a), typeof(e) FROM t ORDER BY id"
    assert got.execute(rows).fetchall() == want.execute(rows).fetchall()
    monkeypatch.setattr(gpkg, "MAX_PARAMETERS", 3)  # fewer than the columns: still one row a statement
    got.execute("DELETE FROM t")
    want.execute("DELETE FROM t")
    gpkg._insert_many(got, "INSERT INTO t (a, b, c, d) VALUES", "", columns)
    want.executemany("INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)", zip(*columns))
    assert got.execute(rows).fetchall() == want.execute(rows).fetchall()


def odd_frame(n: int, seed: int):
    """As the members import hands them over: Arrow text, datetime64 dates, a column all empty; and a memo."""
    from tests.test_store_members import members_frame

    rng = np.random.default_rng(seed)
    frame = members_frame(n, seed=seed)
    for c in ("member_id", "person_id", "name", "email", "role", "status"):
        frame[c] = frame[c].astype("string[pyarrow]")
    frame.loc[rng.random(n) < 0.2, "email"] = None
    frame["address_ref"] = pd.Series([None] * n, dtype="string[pyarrow]")
    days = pd.to_datetime(rng.integers(0, 2_000_000_000, n), unit="s").astype("datetime64[s]")
    frame["consent_date"] = pd.Series(days).where(rng.random(n) < 0.5)
    frame["left_on"] = pd.Series([pd.NaT] * n, dtype="datetime64[s]")
    memo = pd.DataFrame(
        {"digest": rng.integers(-(2**63), 2**63 - 1, n), "tallies": [None if i % 4 else f"x={i}" for i in range(n)]}
    )
    return frame, memo


@pytest.mark.parametrize("rows_a_statement", [1, 7, 64])
def test_first_import_of_arrow_text_and_dates_equals_the_merge(tmp_path, monkeypatch, rows_a_statement):
    """As the members import hands them over: Arrow text, datetime64 dates, a column all empty, the memo."""
    n = 700
    frame, memo = odd_frame(n, seed=9)
    rng = np.random.default_rng(10)
    frame.loc[rng.random(n) < 0.05, "geometry"] = None
    frame.loc[rng.random(n) < 0.05, "geometry"] = shapely.Point()
    monkeypatch.setattr(gpkg, "RTREE_BULK_ROWS", 1)
    monkeypatch.setattr(gpkg, "VALUES_ROWS", rows_a_statement)
    a, _ = straight_equals_merge(tmp_path, monkeypatch, frame, memo)
    with bingeo.open_store(a) as st:
        back = st.members()
    assert back["consent_date"].notna().sum() == frame["consent_date"].notna().sum()
