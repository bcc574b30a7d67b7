"""Shortcuts of ``members import`` (issue 14) give exactly what the general way gives."""

from __future__ import annotations

import datetime as dt
import gc

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo import members as members_mod
from bingeo.members import import_members, members_from_file
from bingeo.stores import base


@pytest.mark.parametrize("dtype", ["str", object])
def test_postcodes_kept_in_one_hash_lookup_as_pandas_isin(dtype):
    column = pd.Series(["1000AA", None, "9999ZZ", "1000AB", "", "1000AA", "éé"], dtype=dtype)
    for wanted in (["1000AA", "éé"], ["0000XX"], ["", "9999ZZ"]):
        assert base._isin(column, wanted).tolist() == column.isin(wanted).tolist()
        assert base._isin(column, wanted).dtype == bool


def _register() -> gpd.GeoDataFrame:
    # (postcode, number, letter, addition): one candidate with or without letter/addition, and two candidates
    rows = [
        ("1000AA", 1, "", ""),
        ("1000AA", 2, "A", ""),
        ("1000AA", 3, "", "2"),
        ("1000AA", 4, "", ""),
        ("1000AA", 4, "B", ""),
        ("1000AA", 5, "A", ""),
        ("1000AA", 5, "B", ""),
    ]
    return gpd.GeoDataFrame(
        {
            "adres_id": [f"A{k}" for k in range(len(rows))],
            "postcode": [r[0] for r in rows],
            "huisnummer": [r[1] for r in rows],
            "huisletter": [r[2] for r in rows],
            "toevoeging": [r[3] for r in rows],
        },
        geometry=shapely.points(np.arange(len(rows), dtype=float) + 100_000, np.full(len(rows), 450_000.0)),
        crs=28992,
    )


def test_one_candidate_address_shortcut_same_as_the_per_row_match(monkeypatch, tmp_path):
    numbers = ["1", "2", "3", "4", "5", "6", "1", "2", "4", "2", "3", "1"]
    letters = ["", "", "", "", "", "", "a", "a", "b", "b", "", "\u0308"]  # the last folds to nothing
    additions = ["", "", "", "", "", "", "", "", "", "", "2", ""]
    path = tmp_path / "leden.csv"
    pd.DataFrame(
        {
            "lidnummer": [f"L{k}" for k in range(len(numbers))],
            "mobiel": "0612345678",
            "toestemming": "ja",
            "postcode": "1000 aa",
            "huisnummer": numbers,
            "huisletter": letters,
            "toevoeging": additions,
        }
    ).to_csv(path, sep=";", index=False)
    register = _register()
    quick = members_from_file(path, addresses=register)
    monkeypatch.setattr(members_mod, "QUICK_ROWS", False)
    slow = members_from_file(path, addresses=register)
    pd.testing.assert_frame_equal(pd.DataFrame(quick.members), pd.DataFrame(slow.members))
    pd.testing.assert_frame_equal(quick.rejects, slow.rejects)
    assert quick.notes == slow.notes
    # one candidate without a letter given: that address, whatever letter or addition it has
    refs = dict(zip(quick.members["member_id"], quick.members["address_ref"]))
    assert (refs["L0"], refs["L1"], refs["L2"], refs["L3"]) == ("A0", "A1", "A2", "A3")
    assert {"L4", "L5"} <= set(quick.rejects["member_id"])  # two candidates with letters; none


@pytest.mark.parametrize("enabled", [True, False])
def test_import_leaves_the_collector_as_it_was(tmp_path, enabled):
    path = tmp_path / "leden.csv"
    pd.DataFrame({"lidnummer": ["L1"], "mobiel": ["0612345678"], "toestemming": ["ja"], "x": [1.0], "y": [2.0]}).to_csv(
        path, sep=";", index=False
    )
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with bingeo.open_store(tmp_path / "s.gpkg", create=True, crs=28992) as st:
            _, counts = import_members(st, path, crs=28992)
        assert counts["added"] == 1
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_person_ids_in_one_loop_as_one_by_one():
    given = ["", "P7", "", "", ""]
    emails = ["Jan@Example.NL", None, "STRAßE@x.de", None, "é@x.nl"]
    phones = [None, "+31612345678", "+31612345678", "+3220000000", None]
    want = [
        g or (members_mod._person_id("email", e.casefold()) if e else members_mod._person_id("phone", str(p)))
        for g, e, p in zip(given, emails, phones)
    ]
    assert members_mod._person_ids(given, emails, phones) == want
    assert len(set(want)) == 5


def test_names_a_column_at_a_time_as_one_by_one():
    parts = ["", "Jan", "van der", "Bakker"]
    rows = [(a, b, c) for a in parts for b in parts for c in parts]
    frame = pd.DataFrame({"voornaam": [r[0] for r in rows], "tussenvoegsel": [r[1] for r in rows]})
    frame["achternaam"] = [r[2] for r in rows]
    frame["lidnummer"] = [f"L{k}" for k in range(len(rows))]
    cols = members_mod._detect([str(c) for c in frame.columns], None, "<frame>")
    sheet = members_mod._Sheet(frame, cols, None, "NL", "<frame>", False)
    want = [sheet.name(i) or None for i in range(len(rows))]
    assert sheet.names(list(range(len(rows)))) == want
    assert None in want and "Jan van der Bakker" in want


def test_frame_of_texts_as_pandas_makes_it():
    columns = {
        "text": ["a", None, "é", ""],
        "none": [None, None, None, None],
        "flag": [True, False, True, True],
        "mixed": ["a", 1, None, "b"],
        "day": [None, dt.datetime(2024, 1, 2), None, None],
        "first_none": [None, "x", "y", None],
        "nan": ["a", float("nan"), "b", None],
    }
    order = np.array([2, 0, 3, 1])
    got = members_mod._frame_of(columns, order)
    want = pd.DataFrame({name: [values[k] for k in order] for name, values in columns.items()})
    pd.testing.assert_frame_equal(got, want)
    assert list(got.dtypes) == list(want.dtypes)
    assert got["text"].iloc[:3].tolist() == ["é", "a", ""] and got["text"].isna().tolist() == [
        False,
        False,
        False,
        True,
    ]
    empty = np.array([], dtype=np.int64)
    assert members_mod._frame_of({"text": []}, empty).dtypes.equals(pd.DataFrame({"text": []}).dtypes)
