"""The GeoPackage bulk upsert (temporary table, SQL compare, R-tree written without triggers) against the
row-by-row reference it replaced: the same counts and the same store content, R-tree included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
import shapely

import bingeo
from bingeo.members import members_from_file
from bingeo.stores import _gpkg_format as fmt
from bingeo.stores.base import plain_value

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def reference_upsert(path: Path, table: str, key: str, frame, cols: list[str], now: str) -> dict[str, int]:
    """The per-row upsert bingeo used before (every existing row compared in Python; R-tree by trigger)."""
    conn = sqlite3.connect(path, isolation_level=None)
    fmt.register_functions(conn)
    srs_id = int(conn.execute(f"SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = '{table}'").fetchone()[0])
    versioned = "version" in [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    blobs = fmt.encode_many(frame.geometry.to_numpy(), srs_id)
    rows = [tuple(plain_value(v) for v in r) for r in frame[cols].itertuples(index=False, name=None)]
    names = ", ".join(f'"{c}"' for c in cols)
    conn.execute("BEGIN IMMEDIATE")
    existing = {r[0]: r[1:] for r in conn.execute(f'SELECT "{key}", {names}, geom FROM "{table}"')}
    inserts, updates = [], []
    k = cols.index(key)
    for row, blob in zip(rows, blobs):
        old = existing.get(row[k])
        if old is None:
            inserts.append((blob, *row, now) + ((1,) if versioned else ()))
        elif tuple(old[:-1]) == row and old[-1] == blob:
            counts["unchanged"] += 1
        else:
            updates.append((blob, *row, now, row[k]))
    extra = ', "updated_at"' + (', "version"' if versioned else "")
    marks = ", ".join("?" for _ in range(len(cols) + 2 + versioned))
    conn.executemany(f'INSERT INTO "{table}" (geom, {names}{extra}) VALUES ({marks})', inserts)
    sets = ", ".join(f'"{c}" = ?' for c in cols)
    bump = ", version = version + 1" if versioned else ""
    conn.executemany(f'UPDATE "{table}" SET geom = ?, {sets}, updated_at = ?{bump} WHERE "{key}" = ?', updates)
    fmt.update_extent(conn, table)
    conn.execute("COMMIT")
    conn.close()
    counts["added"], counts["updated"] = len(inserts), len(updates)
    return counts


def content(path: Path, table: str) -> tuple[list[tuple], list[tuple], tuple]:
    """Every row (fid order, timestamps dropped), the R-tree, and the extent in gpkg_contents."""
    conn = sqlite3.connect(path)
    cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] != "updated_at"]
    rows = conn.execute(f'SELECT {", ".join(cols)} FROM "{table}" ORDER BY fid').fetchall()
    rtree = conn.execute(f'SELECT * FROM "rtree_{table}_geom" ORDER BY id').fetchall()
    extent = conn.execute(
        "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?", (table,)
    ).fetchone()
    check = conn.execute(f"SELECT rtreecheck('rtree_{table}_geom')").fetchone()[0]
    conn.close()
    assert check == "ok", check
    return rows, rtree, extent


@pytest.fixture(params=["row-by-row", "packed"])
def rtree_mode(request, monkeypatch):
    """The new rows' R-tree entries inserted one by one, or the whole R-tree packed at once."""
    import bingeo.stores.gpkg as gpkg

    monkeypatch.setattr(gpkg, "RTREE_BULK_ROWS", 10**9 if request.param == "row-by-row" else 1)
    return request.param


def both(tmp_path: Path, name: str):
    a, b = tmp_path / f"{name}-bulk.gpkg", tmp_path / f"{name}-reference.gpkg"
    with bingeo.open_store(a, create=True, crs=28992):
        pass
    b.write_bytes(a.read_bytes())
    return a, b


def upsert_both(a: Path, b: Path, frame) -> tuple[dict, dict]:
    with bingeo.open_store(a) as st:
        got = st.upsert_members(frame)
    with bingeo.open_store(b) as st:
        prepared, cols = st._prepare_points("members", bingeo.stores.base.MEMBER_FIELDS, "member_id", frame)
    want = reference_upsert(b, "members", "member_id", prepared, cols, "T")
    return got, want


def test_bulk_upsert_equals_reference_on_the_sample_members(tmp_path, rtree_mode):
    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
    res = members_from_file(SAMPLES / "members.csv", addresses=adr)
    assert len(res.rejects)  # the planted bad rows are read, and not stored
    a, b = both(tmp_path, "sample")
    first = res.members
    got, want = upsert_both(a, b, first)
    assert got == want == {"added": len(first), "updated": 0, "unchanged": 0}
    assert content(a, "members") == content(b, "members")
    # unchanged again; then some changed (contact, consent, place, an empty and a missing geometry) and new
    got, want = upsert_both(a, b, first)
    assert got == want == {"added": 0, "updated": 0, "unchanged": len(first)}
    changed = first.copy()
    changed.loc[0, "email"] = "nieuw@example.org"
    changed.loc[1, "consent"] = not bool(changed.loc[1, "consent"])
    changed.loc[2, "geometry"] = shapely.Point(233000.0, 582000.0)
    changed.loc[3, "geometry"] = shapely.Point()
    changed.loc[4, "geometry"] = None
    changed.loc[5, "phone"] = None
    extra = first.iloc[:3].copy()
    extra["member_id"] = ["NEW-1", "NEW-2", "NEW-3"]
    extra.loc[extra.index[1], "geometry"] = None
    changed = type(first)(
        np.concatenate([changed.to_numpy(), extra.to_numpy()]),
        columns=first.columns,
        geometry="geometry",
        crs=first.crs,
    )
    got, want = upsert_both(a, b, changed)
    assert got == want == {"added": 3, "updated": 6, "unchanged": len(first) - 6}
    assert content(a, "members") == content(b, "members")
    with bingeo.open_store(a) as st:  # the R-tree finds the moved member, and only where it now is
        near = st.members(bbox=(232999.0, 581999.0, 233001.0, 582001.0))
        assert first.loc[2, "member_id"] in set(near["member_id"])


def test_bulk_upsert_equals_reference_on_many_random_members(tmp_path, rtree_mode):
    import geopandas as gpd

    from tests.test_store_members import members_frame

    rng = np.random.default_rng(1)
    n = 3000
    frame = members_frame(n, seed=1)
    frame.loc[rng.random(n) < 0.1, "name"] = None
    frame.loc[rng.random(n) < 0.3, "email"] = None
    a, b = both(tmp_path, "random")
    assert upsert_both(a, b, frame.iloc[: n // 2])[0]["added"] == n // 2
    moved = frame.copy()
    pick = rng.random(n) < 0.1
    moved.loc[pick, "geometry"] = gpd.points_from_xy(rng.uniform(0, 1000, pick.sum()), rng.uniform(0, 1000, pick.sum()))
    got, want = upsert_both(a, b, moved)
    assert got == want and got["added"] == n - n // 2
    assert content(a, "members") == content(b, "members")


def test_packed_rtree_answers_like_brute_force_and_takes_later_rows(tmp_path, monkeypatch):
    import geopandas as gpd

    import bingeo.stores.gpkg as gpkg

    rng = np.random.default_rng(2)
    n = 6000
    frame = gpd.GeoDataFrame(
        {
            "member_id": [f"M{i:05d}" for i in range(n)],
            "consent": np.ones(n, dtype=bool),
            "role": ["member"] * n,
            "status": ["active"] * n,
        },
        geometry=gpd.points_from_xy(rng.uniform(-50.5, 1000.5, n), rng.normal(4e5, 300.0, n)),
        crs=28992,
    )
    path = tmp_path / "s.gpkg"
    with bingeo.open_store(path, create=True, crs=28992) as st:
        monkeypatch.setattr(gpkg, "RTREE_BULK_ROWS", 1)
        st.upsert_members(frame.iloc[:5000])  # packed: three levels of nodes
        monkeypatch.setattr(gpkg, "RTREE_BULK_ROWS", 10**9)
        st.upsert_members(frame.iloc[4000:])  # 1,000 more through SQLite's own insertion, 1,000 unchanged
        moved = frame.iloc[:10].copy()
        moved["geometry"] = gpd.points_from_xy(np.full(10, 2000.0), np.full(10, 4e5))
        st.upsert_members(moved)  # updates move entries in the packed tree
        xy = shapely.get_coordinates(np.concatenate([moved.geometry.to_numpy(), frame.geometry.to_numpy()[10:]]))
        for box in [(0, 399_900, 100, 400_100), (500, 399_000, 2000, 401_000), (-60, 0, 2e3, 1e6)]:
            got = set(st.members(bbox=box, columns=["member_id"])["member_id"])
            inside = (xy[:, 0] >= box[0]) & (xy[:, 0] <= box[2]) & (xy[:, 1] >= box[1]) & (xy[:, 1] <= box[3])
            ids = np.array([f"M{i:05d}" for i in range(n)])
            assert got == set(ids[inside])
    rows, rtree, _ = content(path, "members")  # rtreecheck: the packed tree is well-formed
    assert len(rtree) == n
    conn = sqlite3.connect(path)
    depth = int.from_bytes(
        conn.execute("SELECT data FROM rtree_members_geom_node WHERE nodeno = 1").fetchone()[0][:2], "big"
    )
    assert depth >= 2


def _memo_and_schema(path: Path) -> tuple[list[tuple], list[tuple]]:
    """The memo rows (their timestamp checked against the member's, then left out) and every schema entry."""
    conn = sqlite3.connect(path)
    memo = conn.execute(
        "SELECT k.fid, k.member_id, k.digest, k.version, k.tallies, k.updated_at = m.updated_at "
        "FROM bingeo_member_memo AS k JOIN members AS m ON m.fid = k.fid ORDER BY k.fid"
    ).fetchall()
    schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    conn.close()
    return memo, schema


def straight_equals_merge(tmp_path: Path, monkeypatch, frame, memo) -> tuple[Path, Path]:
    """Upsert ``frame`` into an empty store straight and into another through the merge; assert the same result."""
    import bingeo.stores.gpkg as gpkg

    a, b = both(tmp_path, "empty")
    with bingeo.open_store(a) as st:
        got = st.upsert_members(frame, memo=memo)
    monkeypatch.setattr(gpkg, "DIRECT_INSERT_ROWS", 10**9)
    with bingeo.open_store(b) as st:
        want = st.upsert_members(frame, memo=memo)
    assert got == want == {"added": len(frame), "updated": 0, "unchanged": 0}
    assert content(a, "members") == content(b, "members")
    assert _memo_and_schema(a) == _memo_and_schema(b)
    return a, b


@pytest.mark.parametrize("n", [40, 3000])
def test_rows_into_an_empty_table_straight_equal_the_merge(tmp_path, monkeypatch, rtree_mode, n):
    """The first upsert into an empty table skips the temporary table: same rows, fids, R-tree, memo, indexes."""
    import pandas as pd

    import bingeo.stores.gpkg as gpkg
    from tests.test_store_members import members_frame

    rng = np.random.default_rng(3)
    frame = members_frame(n, seed=3)
    frame.loc[rng.random(n) < 0.1, "geometry"] = None
    frame.loc[rng.random(n) < 0.05, "geometry"] = shapely.Point()
    memo = pd.DataFrame(
        {
            "digest": rng.integers(-(2**63), 2**63 - 1, n),
            "tallies": [None if i % 3 else f"two_phones={i}" for i in range(n)],
        }
    )
    a, b = straight_equals_merge(tmp_path, monkeypatch, frame, memo)
    memo_rows = _memo_and_schema(a)[0]
    assert len(memo_rows) == n and all(r[-1] == 1 for r in memo_rows)
    # and the next upsert (through the merge) finds every row unchanged in both
    monkeypatch.setattr(gpkg, "DIRECT_INSERT_ROWS", 1)
    for path in (a, b):
        with bingeo.open_store(path) as st:
            assert st.upsert_members(frame) == {"added": 0, "updated": 0, "unchanged": n}


def test_points_encoded_all_at_once_as_one_by_one():
    rng = np.random.default_rng(4)
    points = list(shapely.points(rng.uniform(-1e6, 1e6, (500, 2))))
    points += [shapely.Point(0.0, -0.0), shapely.Point(1e-300, 5.0), shapely.Point(233000.5, 582000.25)]
    assert fmt._encode_points(np.array(points, dtype=object), 28992) is not None  # the all-at-once way
    for extra in ([], [None], [shapely.Point()], [shapely.Point(1.0, 2.0, 3.0)], [shapely.box(0, 0, 1, 1)]):
        geoms = points + extra
        assert fmt.encode_many(geoms, 28992) == [fmt.encode(g, 28992) for g in geoms]
