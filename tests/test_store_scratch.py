"""A first import into an empty table through scratch files written from Arrow (ADBC) and copied by SQLite,
against the rows bound through sqlite3 (the straight insert) and the merge: the same rows, fids, R-tree (node
for node), extent, memo and schema; the old way whenever the scratch files cannot be used."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
import bingeo.stores.gpkg as gpkg
from bingeo.stores import _gpkg_scratch as scratch
from tests.test_store_first_import import odd_frame
from tests.test_store_upsert import SAMPLES, _memo_and_schema, both, content

pytest.importorskip("adbc_driver_sqlite")


def shadow(path: Path, table: str = "members") -> list[list[tuple]]:
    """The R-tree's shadow tables, node for node."""
    conn = sqlite3.connect(path)
    got = [
        conn.execute(f"SELECT * FROM rtree_{table}_geom_{k} ORDER BY 1").fetchall() for k in ("node", "rowid", "parent")
    ]
    conn.close()
    return got


@pytest.fixture
def spied(monkeypatch, tmp_path):
    """The scratch way from one row, its copies counted, scratch folders made under tmp_path/tmp."""
    monkeypatch.setattr(scratch, "SCRATCH_ROWS", 1)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    calls = []
    insert = gpkg.GpkgStore._insert_scratch
    monkeypatch.setattr(gpkg.GpkgStore, "_insert_scratch", lambda *a: calls.append(1) or insert(*a))
    return calls


def three_ways(tmp_path: Path, monkeypatch, calls: list, frame, memo, *, scratch_used: bool = True) -> Path:
    """Import ``frame`` into a new store by the scratch files, by the rows bound straight and by the merge."""
    a, b = both(tmp_path, "scratch")
    c = tmp_path / "merge.gpkg"
    c.write_bytes(b.read_bytes())
    with bingeo.open_store(a) as st:
        got = st.upsert_members(frame, memo=memo)
        assert {r[1] for r in st._conn.execute("PRAGMA database_list")} <= {"main", "temp"}  # detached
    assert len(calls) == int(scratch_used)
    monkeypatch.setattr(scratch, "SCRATCH_ROWS", 10**9)
    with bingeo.open_store(b) as st:
        straight = st.upsert_members(frame, memo=memo)
    monkeypatch.setattr(gpkg, "DIRECT_INSERT_ROWS", 10**9)
    with bingeo.open_store(c) as st:
        merged = st.upsert_members(frame, memo=memo)
    assert len(calls) == int(scratch_used)
    assert got == straight == merged == {"added": len(frame), "updated": 0, "unchanged": 0}
    assert content(a, "members") == content(b, "members") == content(c, "members")
    assert _memo_and_schema(a) == _memo_and_schema(b) == _memo_and_schema(c)
    assert shadow(a) == shadow(b)  # the same packing (the merge packs the entries it reads back: same nodes)
    assert list((tmp_path / "tmp").iterdir()) == []  # no scratch file left
    conn = sqlite3.connect(a)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    return a


@pytest.mark.parametrize("rtree_rows", [1, 10**9])  # the R-tree packed beside, or its entries one by one
@pytest.mark.parametrize("geometries", ["points", "missing", "empty"])
def test_scratch_import_equals_the_bound_rows_and_the_merge(tmp_path, monkeypatch, spied, rtree_rows, geometries):
    n = 2500
    frame, memo = odd_frame(n, seed=11)
    rng = np.random.default_rng(12)
    if geometries != "points":
        frame.loc[rng.random(n) < 0.1, "geometry"] = None
    if geometries == "empty":  # not the points' own way: the blobs encoded one by one
        frame.loc[rng.random(n) < 0.05, "geometry"] = shapely.Point()
    monkeypatch.setattr(gpkg, "RTREE_BULK_ROWS", rtree_rows)
    a = three_ways(tmp_path, monkeypatch, spied, frame, memo)
    with bingeo.open_store(a) as st:  # and the next import (through the merge) finds every row unchanged
        assert st.upsert_members(frame, memo=memo) == {"added": 0, "updated": 0, "unchanged": n}
        inside = st.members(bbox=(231000, 579000, 233000, 581000))
    box = shapely.bounds(frame.geometry.to_numpy())  # NaN for no geometry or an empty one: never inside
    x, y = box[:, 0], box[:, 1]
    brute = frame.loc[(x >= 231000) & (x <= 233000) & (y >= 579000) & (y <= 581000), "member_id"]
    assert sorted(inside["member_id"]) == sorted(brute) and len(brute) > 10
    days = [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in frame["consent_date"]]
    conn = sqlite3.connect(a)
    assert [r[0] for r in conn.execute("SELECT consent_date FROM members ORDER BY fid")] == days
    conn.close()


def test_scratch_import_of_the_sample_members(tmp_path, monkeypatch, spied):
    from bingeo.members import members_from_file

    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
    res = members_from_file(SAMPLES / "members.csv", addresses=adr)
    n = len(res.members)
    memo = pd.DataFrame({"digest": np.arange(n) * 7919 - 10**6, "tallies": [None] * (n - 1) + ["two_phones=1"]})
    monkeypatch.setattr(gpkg, "RTREE_BULK_ROWS", 1)
    three_ways(tmp_path, monkeypatch, spied, res.members, memo)


def test_scratch_import_after_the_table_was_emptied_keeps_counting_fids(tmp_path, monkeypatch, spied):
    frame, memo = odd_frame(300, seed=13)
    a, b = both(tmp_path, "emptied")
    for path in (a, b):
        with bingeo.open_store(path) as st:
            st.upsert_members(frame.iloc[:50], memo=memo.iloc[:50])
        conn = sqlite3.connect(path)
        conn.execute("DELETE FROM members")  # by another client: the fids 1 … 50 are not given again
        conn.commit()
        conn.close()
    spied.clear()
    with bingeo.open_store(a) as st:
        st.upsert_members(frame, memo=memo)
    assert len(spied) == 1
    monkeypatch.setattr(scratch, "SCRATCH_ROWS", 10**9)
    with bingeo.open_store(b) as st:
        st.upsert_members(frame, memo=memo)
    assert content(a, "members") == content(b, "members")
    assert content(a, "members")[0][0][0] == 51
    assert _memo_and_schema(a) == _memo_and_schema(b)


@pytest.mark.parametrize("why", ["no driver", "numbers in a text column", "no temporary folder", "thread fails"])
def test_the_bound_rows_when_the_scratch_files_cannot_be_used(tmp_path, monkeypatch, spied, why):
    frame, memo = odd_frame(400, seed=14)
    if why == "no driver":
        monkeypatch.setattr(scratch, "available", lambda: False)
    elif why == "numbers in a text column":  # sqlite3 binds them as numbers: the scratch way would not
        frame["networks"] = pd.Series([7] * 200 + ["GR-BIN-001"] * 200, dtype=object)
    elif why == "no temporary folder":
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    else:
        monkeypatch.setattr(scratch, "CACHE_KIB", "not a number")  # the scratch thread's PRAGMA fails
    three_ways(tmp_path, monkeypatch, spied, frame, memo, scratch_used=False)


def test_arrow_columns_store_what_sqlite3_binds():
    conn = sqlite3.connect(":memory:")
    for values in (
        pd.Series(["a", None, "c"], dtype="string[pyarrow]"),
        pd.Series(["a", None, "é"], dtype=object),
        pd.Series([None, None], dtype=object),
        pd.Series([True, False]),
        pd.Series([2**62, -1]),
        pd.Series([3, None, -(2**63)], dtype=object),  # house numbers
        pd.Series([True, None], dtype=object),
    ):
        arrow = scratch.arrow_column(values)
        assert arrow is not None
        want = [conn.execute("SELECT ?, typeof(?)", (v, v)).fetchone() for v in gpkg._plain_column(values)]
        got = [
            conn.execute("SELECT ?, typeof(?)", (int(v) if type(v) is bool else v,) * 2).fetchone()
            for v in arrow.to_pylist()
        ]
        assert got == want
    for values in (
        pd.Series([b"x", None], dtype=object),  # bytes: a blob
        pd.Series(["a", 1], dtype=object),
        pd.Series(["a", float("nan")], dtype=object),
        pd.Series([1.5, 2.0]),
        pd.Series([1, 2.5], dtype=object),
        pd.Series([2**63, 1], dtype=object),
    ):
        assert scratch.arrow_column(values) is None


def test_point_blobs_as_encoded_one_by_one():
    rng = np.random.default_rng(15)
    geoms = np.array(list(shapely.points(rng.uniform(-1e6, 1e6, (300, 2)))) + [None, shapely.Point(1.0, -0.0)])
    blobs, box = scratch.point_blobs(geoms, 28992)
    assert blobs.to_pylist() == [gpkg.fmt.encode(g, 28992) for g in geoms]
    np.testing.assert_array_equal(box, gpkg._rtree_box(geoms, gpkg.fmt.encode_many(geoms, 28992)))
    for odd in (shapely.Point(), shapely.Point(1.0, 2.0, 3.0), shapely.box(0, 0, 1, 1), shapely.Point(np.inf, 0)):
        assert scratch.point_blobs(np.array([geoms[0], odd]), 28992) is None


def test_a_failure_after_the_copy_leaves_the_store_as_it_was(tmp_path, monkeypatch, spied):
    frame, memo = odd_frame(500, seed=16)
    a, _ = both(tmp_path, "failing")
    before = a.read_bytes()
    insert = gpkg.GpkgStore._insert_scratch

    def copy_then_fail(*args):
        insert(*args)
        raise OSError("disk full (made up)")

    monkeypatch.setattr(gpkg.GpkgStore, "_insert_scratch", copy_then_fail)
    with bingeo.open_store(a) as st:
        with pytest.raises(OSError, match="made up"):
            st.upsert_members(frame, memo=memo)
        assert {r[1] for r in st._conn.execute("PRAGMA database_list")} <= {"main", "temp"}
        assert st.count("members") == 0
    assert a.read_bytes() == before
    assert list((tmp_path / "tmp").iterdir()) == []


def test_repeated_ids_found_while_the_scratch_files_are_written(tmp_path, monkeypatch, spied):
    from bingeo.errors import StoreError

    frame, memo = odd_frame(300, seed=17)
    frame["member_id"] = pd.Series([f"M{i % 290}" for i in range(300)], dtype="string[pyarrow]")
    a, _ = both(tmp_path, "repeated")
    before = a.read_bytes()
    with bingeo.open_store(a) as st:
        with pytest.raises(StoreError, match="10 repeated 'member_id'"):
            st.upsert_members(frame, memo=memo)
        assert {r[1] for r in st._conn.execute("PRAGMA database_list")} <= {"main", "temp"}
    assert spied == [] and a.read_bytes() == before
    assert list((tmp_path / "tmp").iterdir()) == []


def test_scratch_import_of_the_sample_addresses(tmp_path, monkeypatch, spied):
    """The addresses' first import takes the same way (no version, no memo; integer columns)."""
    from bingeo.addresses import addresses_for_store

    register = addresses_for_store(bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points)
    monkeypatch.setattr(gpkg, "RTREE_BULK_ROWS", 1)
    a, b = both(tmp_path, "addresses")
    with bingeo.open_store(a) as st:
        got = st.import_addresses(register)
    monkeypatch.setattr(scratch, "SCRATCH_ROWS", 10**9)
    with bingeo.open_store(b) as st:
        want = st.import_addresses(register)
    assert len(spied) == int(scratch.arrow_column(register["house_number"]) is not None) == 1
    assert got == want == {"added": len(register), "updated": 0, "unchanged": 0}
    assert content(a, "addresses") == content(b, "addresses")
    assert shadow(a, "addresses") == shadow(b, "addresses")
    conn = sqlite3.connect(a)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
