"""`import_members` skips the rows a store already holds (row digests): the store, counts, notes and rejects are
those of the careful way (every row checked by `members_from_file`, then `upsert_members`) (issue 14)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import bingeo
from bingeo.addresses import addresses_for_store
from bingeo.members import import_members, mark_missing_members_left, members_from_file
from bingeo.stores import _gpkg_format as fmt

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def _content(path: Path) -> list[tuple]:
    """Every member row in fid order, version included, the timestamp left out."""
    conn = sqlite3.connect(path)
    cols = [r[1] for r in conn.execute('PRAGMA table_info("members")') if r[1] != "updated_at"]
    rows = conn.execute(f'SELECT {", ".join(cols)} FROM "members" ORDER BY fid').fetchall()
    check = conn.execute("SELECT rtreecheck('rtree_members_geom')").fetchone()[0]
    conn.close()
    assert check == "ok", check
    return rows


@pytest.fixture(scope="module")
def register():
    return addresses_for_store(bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points)


def _stores(tmp_path: Path, register) -> tuple[Path, Path]:
    fast, careful = tmp_path / "fast.gpkg", tmp_path / "careful.gpkg"
    with bingeo.open_store(fast, create=True, crs=28992) as st:
        st.import_addresses(register)
    careful.write_bytes(fast.read_bytes())
    return fast, careful


def _import_both(fast: Path, careful: Path, source: Path, *, replace: bool = False, **kw):
    with bingeo.open_store(fast) as st:
        res, counts = import_members(st, source, **kw)
        marked = mark_missing_members_left(st, res) if replace else 0
    with bingeo.open_store(careful) as st:
        adr = st.addresses()
        ref = members_from_file(source, addresses=adr if len(adr) else None, **kw)
        want = st.upsert_members(ref.members) if len(ref.members) else {"added": 0, "updated": 0, "unchanged": 0}
        want_marked = mark_missing_members_left(st, ref) if replace else 0
    assert counts == want
    assert marked == want_marked
    assert res.summary() == ref.summary()
    assert res.notes == ref.notes
    assert res.columns == ref.columns
    pd.testing.assert_frame_equal(res.rejects, ref.rejects)
    assert _content(fast) == _content(careful)
    return res, counts


def _write(rows: list[dict], path: Path) -> Path:
    pd.DataFrame(rows).to_csv(path, sep=";", index=False)
    return path


def _generated(register, n: int = 400) -> list[dict]:
    """A list located by postcode + number (or coordinates) with bad rows, dates and every count note."""
    adr = register.reset_index(drop=True)
    rows = []
    for i in range(n):
        a = adr.iloc[(i * 7) % len(adr)]
        by_address = i % 5 != 0
        rows.append(
            {
                "Lidnummer": f"L{i:05d}",
                "Naam": f"Lid {i}",
                "E-mailadres": [f"lid{i}@example.nl", "", "geen-apenstaartje.example.nl", f"Lid{i}@Example.NL"][i % 4],
                "Mobiel": ["06-12345678", "", "+31 6 1234 5679", "06-123", "0612345680"][i % 5],
                "Telefoon": ["", "050-3123456", ""][i % 3],
                "Kanalen": ["sms;email", "", "fax", "voice"][i % 4],
                "Toestemming AVG": ["ja", "nee", "", "ja"][i % 4],
                "Toestemming datum": ["", "1-2-2024", "ooit", "2023-05-06"][i % 4],
                "BIN": f"GR-BIN-{i % 3:03d}",
                "Postcode": (a["postcode"] if i % 2 else f"{a['postcode'][:4]} {a['postcode'][4:]}")
                if by_address
                else "",
                "Huisnummer": str(a["house_number"]) if by_address else "",
                "Huisletter": (a["house_letter"] or "") if by_address else "",
                "x": "" if by_address else f"{233000 + i},5",
                "y": "" if by_address else f"{582000 + i},25",
                "Status": ["actief", "", "afgemeld", "weg"][i % 4 if i % 7 == 0 else 0],
            }
        )
    rows[10]["Postcode"], rows[10]["Huisnummer"] = "9999ZZ", "1"  # address_not_found
    rows[20]["Lidnummer"] = rows[19]["Lidnummer"]  # duplicate_member_id
    rows[30]["Rol"] = "burgemeester"  # bad_role
    return rows


def _changed(rows: list[dict], register) -> list[dict]:
    out = [dict(r) for r in rows]
    out[1]["E-mailadres"] = "nieuw1@example.nl"  # a real change
    out[2]["Mobiel"] = "0031 6 1234 5679"  # another way of writing the same number: a new digest, same member
    out[3]["Toestemming AVG"] = "nee"
    out[5]["x"] = "233100,5"
    out[6]["Postcode"], out[6]["Huisnummer"] = register.iloc[0]["postcode"], str(register.iloc[0]["house_number"])
    out[7]["Mobiel"] = "06-12"  # a good member whose row is now bad: rejected, kept in the store as it was
    out[8]["Lidnummer"] = out[9]["Lidnummer"]  # two rows now share the id of a stored member: both checked
    out[40]["Mobiel"] = "06-12345678"
    del out[50]  # gone from the list
    out.append({**out[60], "Lidnummer": "NEW-1"})
    return out


def test_generated_list_first_unchanged_changed_and_back(tmp_path, register):
    fast, careful = _stores(tmp_path, register)
    first = _write(_generated(register), tmp_path / "leden.csv")
    res, counts = _import_both(fast, careful, first)
    assert counts["added"] > 300 and len(res.rejects) > 20 and len(res.unchanged) == 0
    reasons = set(res.rejects["reject_reason"])
    assert {"address_not_found", "duplicate_member_id", "bad_role"} <= reasons
    assert len(res.notes) >= 6  # columns, channels, two phones, dates, status, consent counts
    res, counts = _import_both(fast, careful, first)
    assert counts == {"added": 0, "updated": 0, "unchanged": counts["unchanged"]} and counts["unchanged"] > 300
    assert len(res.unchanged) == counts["unchanged"] - 1  # only the repeated id's first row is checked again
    changed = _write(_changed(_generated(register), register), tmp_path / "leden-2.csv")
    res, counts = _import_both(fast, careful, changed, replace=True)
    assert counts["updated"] >= 4 and counts["added"] == 1 and 0 < len(res.unchanged) < counts["unchanged"] + 1
    res, counts = _import_both(fast, careful, first, replace=True)  # and back: the changed members again
    assert counts["updated"] >= 4
    res, counts = _import_both(fast, careful, first, default_country="BE")  # other options: every row again
    assert len(res.unchanged) == 0


def test_sample_list_by_street_and_a_moved_address(tmp_path, register):
    fast, careful = _stores(tmp_path, register)
    sample = SAMPLES / "members.csv"
    res, counts = _import_both(fast, careful, sample)
    assert counts["added"] == 338 and len(res.rejects) == 16
    res, counts = _import_both(fast, careful, sample)
    assert len(res.unchanged) == 336  # all but the first rows of the 2 repeated ids
    moved = register.copy()  # the register changes: members located by address are checked again
    moved["geometry"] = moved.geometry.translate(5.0, 0.0)
    for path in (fast, careful):
        with bingeo.open_store(path) as st:
            st.import_addresses(moved)
    res, counts = _import_both(fast, careful, sample)
    assert len(res.unchanged) == 0 and counts["updated"] > 0


def test_a_member_changed_elsewhere_is_checked_again(tmp_path, register):
    fast, careful = _stores(tmp_path, register)
    first = _write(_generated(register, 60), tmp_path / "leden.csv")
    _import_both(fast, careful, first)
    for path in (fast, careful):  # another way of writing members: the remembered row no longer holds
        with bingeo.open_store(path) as st:
            m = st.members()
            m.loc[m.index[0], "email"] = "elders@example.nl"
            st.upsert_members(m.iloc[[0]])
    res, counts = _import_both(fast, careful, first)
    assert counts["updated"] == 1 and len(res.unchanged) == counts["unchanged"] - 1  # and the repeated id
    assert res.members["member_id"].tolist() == [m["member_id"].iloc[0], "L00019"]


def _memo_by_rows(path: Path) -> pd.DataFrame:
    """What the store remembers, row by row (a tuple per member; consent as Python's bool of the stored value)."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT k.digest, m.consent, k.tallies FROM bingeo_member_memo AS k JOIN members AS m ON m.fid = k.fid "
        "WHERE m.member_id = k.member_id AND m.version = k.version AND m.updated_at IS k.updated_at"
    ).fetchall()
    conn.close()
    return pd.DataFrame(
        {
            "digest": pd.Series([r[0] for r in rows], dtype="int64"),
            "consent": pd.Series([bool(r[1]) for r in rows], dtype=bool),
            "tallies": pd.Series([r[2] for r in rows], dtype=object),
        }
    )


def test_memo_read_as_one_text_per_column_equals_row_by_row(tmp_path, register):
    fast, careful = _stores(tmp_path, register)
    first = _write(_generated(register, 60), tmp_path / "leden.csv")
    _import_both(fast, careful, first)
    with bingeo.open_store(fast) as st:
        _, known = st.member_memo()
    want = _memo_by_rows(fast)
    assert len(want) > 40 and want["tallies"].notna().any() and not want["consent"].all()
    _same_memo(known, want)
    conn = sqlite3.connect(fast)  # another client writes consent as text: read as bool() of it, as before
    fmt.register_functions(conn)  # the R-tree triggers' functions
    conn.execute("UPDATE members SET consent = 'true' WHERE fid = (SELECT min(fid) FROM members WHERE consent = 0)")
    conn.commit()
    conn.close()
    with bingeo.open_store(fast) as st:
        _, known = st.member_memo()
    _same_memo(known, _memo_by_rows(fast))


@pytest.mark.parametrize(
    "stored",
    ["2", "0.5", "0.0", "10", "-1", "'1'", "X'00'"],
    ids=["two", "half", "zero-real", "ten", "minus", "text-one", "blob"],
)
def test_memo_reads_a_consent_stored_other_than_0_1_as_bool_of_it(tmp_path, register, stored):
    fast, careful = _stores(tmp_path, register)
    first = _write(_generated(register, 60), tmp_path / "leden.csv")
    _import_both(fast, careful, first)
    conn = sqlite3.connect(fast)  # another client writes consent its own way: read as bool() of it, as row by row
    fmt.register_functions(conn)
    conn.execute(f"UPDATE members SET consent = {stored} WHERE fid = (SELECT max(fid) FROM members WHERE consent = 1)")
    conn.commit()
    conn.close()
    with bingeo.open_store(fast) as st:
        _, known = st.member_memo()
    want = _memo_by_rows(fast)
    assert len(want) > 40
    _same_memo(known, want)


def _same_memo(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got["digest"].dtype == "int64" and got["consent"].dtype == bool
    assert got["digest"].tolist() == want["digest"].tolist()
    assert got["consent"].tolist() == want["consent"].tolist()
    assert [v if isinstance(v, str) else None for v in got["tallies"]] == want["tallies"].tolist()
