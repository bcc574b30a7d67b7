"""The column-at-a-time short way for contacts gives exactly what the per-row rules give (issue 14)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bingeo
from bingeo import members as members_mod
from bingeo._contacts import check_email, normalize_phone, plain_emails, plain_phones
from bingeo.members import members_from_file

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"

# every shape a resident writes, good and bad: prefixes, trunk zeros, separators, lengths, service numbers,
# foreign numbers, letters, other characters, unicode digits and spaces
_PREFIXES = ["", "0", "00", "+", "+31", "0031", "+31 (0)", "+310", "+3100", "0032", "+32", "+44", "+0031", "31"]
_BODIES = [
    "612345678",
    "6 1234 5678",
    "6-12.34/56(78)",
    "201234567",
    "800123",
    "8001234",
    "8031234567",
    "9001234",
    "900123456",
    "912345678",
    "61234567",
    "6123456789",
    "470123456",
    "21234567",
    "4612345",
    "123",
    "6l2345678",
    "6\u00a012345678",
    "\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
    "6 12 34 56 78 ",
    "(6)12345678",
]
PHONES = ["".join(p) for p in itertools.product(_PREFIXES, _BODIES)] + ["", " ", "+", "06", "112", "06\t12345678"]
EMAILS = [
    "jan.jansen@example.nl",
    "Jan.Jansen@example.nl",
    "jan@Example.NL",
    "jan@@example.nl",
    "jan@example",
    "jan@.nl",
    "jan..j@example.nl",
    ".jan@example.nl",
    "jan.@example.nl",
    "jan@exa_mple.nl",
    "jan@-example.nl",
    "jan@example.n1",
    "j an@example.nl",
    "jan@bürgerverein.de",
    "jän@example.nl",
    "a" * 64 + "@example.nl",
    "a" * 65 + "@example.nl",
    "jan@" + "a" * 63 + ".nl",
    "jan@" + "a" * 64 + ".nl",
    "jan@" + ".".join(["abcdefghi"] * 25) + ".nl",
    "jan+tag@example.co.uk",
    "jan@example.xn--p1ai",
    "jan!x@example.nl",
    "jan@example.nl ",
    "",
    "@example.nl",
]


@pytest.mark.parametrize("country", ["NL", "BE", "nl"])
def test_plain_phones_agree_with_normalize_phone(country):
    got = plain_phones(PHONES, default_country=country)
    decided = 0
    for text, quick in zip(PHONES, got):
        if quick is None:
            continue
        decided += 1
        ref = normalize_phone(text, default_country=country)  # raises if the short way accepted a bad number
        assert (ref.e164, ref.mobile, ref.kind) == (quick[0], quick[1], "mobile" if quick[1] else "landline"), text
    assert decided > 20


def test_plain_emails_agree_with_check_email():
    for text, quick in zip(EMAILS, plain_emails(EMAILS)):
        if quick:
            assert check_email(text) == text, text
    assert sum(plain_emails(EMAILS)) >= 5
    assert plain_emails(["jan@Example.NL", "jan@@example.nl"]) == [False, False]  # normalised, or rejected


def _both(monkeypatch, path, **kw):
    quick = members_from_file(path, **kw)
    monkeypatch.setattr(members_mod, "QUICK_ROWS", False)
    slow = members_from_file(path, **kw)
    monkeypatch.setattr(members_mod, "QUICK_ROWS", True)
    return quick, slow


def _same(quick, slow):
    pd.testing.assert_frame_equal(pd.DataFrame(quick.members), pd.DataFrame(slow.members))
    pd.testing.assert_frame_equal(quick.rejects, slow.rejects)
    assert quick.notes == slow.notes
    assert quick.columns == slow.columns


def test_sample_members_same_by_both_ways(monkeypatch):
    addresses = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
    quick, slow = _both(monkeypatch, SAMPLES / "members.csv", addresses=addresses, crs=28992)
    _same(quick, slow)
    assert len(quick.members) == 338 and len(quick.rejects) == 16


def test_generated_bad_rows_same_by_both_ways(monkeypatch, tmp_path):
    """Every reject reason of the per-row rules, and every count note, planted in one list."""
    rows = []
    for i, (mob, tel, mail) in enumerate(
        itertools.product(PHONES[::3] + [""], ["", "020-1234567", "0800-1234"], EMAILS[::2] + [""])
    ):
        rows.append(
            {
                "lidnummer": f"L{i % 3000}",
                "mobiel": mob,
                "telefoon": tel,
                "e-mail": mail,
                "kanalen": ["", "sms", "email;post", "voice"][i % 4],
                "toestemming": ["ja", "", "nee", "misschien"][i % 4 if i % 9 else 3],
                "rol": ["", "lid", "burgemeester"][i % 3 if i % 11 == 0 else 0],
                "x": ["233000", "", "abc"][i % 3],
                "y": ["582000", "", "582000"][i % 3],
                "status": ["", "afgemeld", "weg"][i % 3],
                "afgemeld_op": ["", "1-2-2024", "ooit"][i % 5 % 3],
            }
        )
    plain = {"toestemming": "ja", "x": "233000", "y": "582000"}
    rows[:0] = [
        {**plain, "lidnummer": "X1"},  # no contact
        {**plain, "lidnummer": "X2", "e-mail": "jan@@example.nl"},
        {**plain, "lidnummer": "X3", "telefoon": "0800-1234"},
        {**plain, "lidnummer": "X4", "mobiel": "0612345678", "e-mail": "jan@example"},  # kept, e-mail blanked
        {**plain, "lidnummer": "X5", "mobiel": "612345678", "e-mail": "jan@example.nl"},  # kept, phone blanked
        {**plain, "lidnummer": "X6", "mobiel": "+31 6 1234 5678", "telefoon": "020 123 4567", "kanalen": "fax"},
        {**plain, "lidnummer": "", "mobiel": "0612345678"},
    ]
    path = tmp_path / "leden.csv"
    pd.DataFrame(rows).to_csv(path, sep=";", index=False)
    quick, slow = _both(monkeypatch, path, crs=28992)
    _same(quick, slow)
    reasons = {r.split(":")[0] for r in quick.rejects["reject_reason"]}
    assert {
        "bad_phone",
        "bad_email",
        "no_contact",
        "duplicate_member_id",
        "bad_consent",
        "bad_role",
        "no_location",
    } <= reasons
    assert len(quick.members) > 100
    assert {"missing_member_id", "bad_phone:service_number"} <= set(quick.rejects["reject_reason"])
    assert len(quick.notes) >= 8  # columns used, blanked phone and e-mail, two phones, channels, dates, status


def test_arrow_text_cells_same_as_python_strip():
    texts = ["a", " a", "b\u00a0", "\u3000c", "d\x1f", None, "", "e f", "\u200bg"]
    arrow = pd.Series(texts, dtype="string[pyarrow]")
    assert members_mod._cells(arrow) == members_mod._cells(pd.Series(texts, dtype=object))
    assert members_mod._cells(arrow[[0, 5, 6, 7]].reset_index(drop=True)) == ["a", "", "", "e f"]  # the short way


@pytest.mark.parametrize("utc", [False, True])
def test_store_dates_a_column_at_a_time_as_iso_date(utc):
    from bingeo.stores.base import _iso_dates, iso_date

    col = pd.Series(pd.to_datetime(["2024-01-02 23:30+01:00", None, "1999-12-31 00:00+01:00"], utc=utc))
    assert (
        _iso_dates(col)
        == [iso_date(v) for v in col.astype(object)]
        == [
            "2024-01-02",
            None,
            "1999-12-31" if not utc else "1999-12-30",
        ]
    )


def test_postcodes_and_coordinates_a_column_at_a_time_as_one_by_one():
    from bingeo.addresses import normalise_postcode

    codes = ["9712 ab", "9712AB", " 9712\tab ", "9712\x1cab", "9712\u00a0ab", "\u0669712ab", "straße", "", " ", "x"]
    assert members_mod._postcodes(codes) == [normalise_postcode(t) for t in codes]
    texts = ["233000", "233000,5", "233000.25", "-12", "-0", "1,2,3", "1.2,3", "1e5", "inf", "nan", "+5", "", " 7 "]
    texts += ["\u0661\u0662", "1_000", "0012,50", "99999999999999999,9", "12,", ",5", "1.7976931348623157e309"]
    assert members_mod._floats(texts) == [members_mod._to_float(t) for t in texts]
    assert members_mod._floats(["233000,5"]) == [233000.5]


def test_addresses_of_many_postcodes_read_in_one_pass_are_the_same_rows(store_location, monkeypatch):
    from bingeo.addresses import addresses_for_store
    from bingeo.stores import base

    register = addresses_for_store(bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points)
    with bingeo.open_store(store_location, create=True, crs=28992) as st:
        st.import_addresses(register)
        codes = sorted(set(register["postcode"].dropna()))[::2] + ["0000XX"]
        monkeypatch.setattr(base, "POSTCODES_PER_QUERY", 3)  # several queries
        queried = st.addresses(postcodes=codes)
        monkeypatch.setattr(base, "POSTCODES_SCAN", 1)  # one pass over the layer
        monkeypatch.setattr(base, "POSTCODES_SCAN_SHARE", 0.0)
        scanned = st.addresses(postcodes=codes)

    def rows(frame: pd.DataFrame) -> pd.DataFrame:  # text columns come back as object or string columns
        plain = pd.DataFrame(frame).astype(object)
        return plain.where(plain.notna(), None).sort_values("address_id").reset_index(drop=True)

    pd.testing.assert_frame_equal(rows(queried), rows(scanned))
    assert 0 < len(scanned) < len(register) and set(scanned["postcode"]) <= set(codes)


@pytest.mark.parametrize(
    "values",
    [[1, 2, 300], [1.0, np.nan, 12.0], [1.5, 2.0, np.nan], ["12", "12a", " 7 ", None], [1e20, 3.0], [np.inf, 2.0]],
)
def test_register_house_numbers_a_column_at_a_time_as_one_by_one(values):
    column = pd.Series(values)
    want = []
    for text in members_mod._cells(column):
        try:
            want.append(int(text))
        except ValueError:
            want.append(-1)
    assert members_mod._house_numbers(column) == want
