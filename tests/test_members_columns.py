"""Pieces of the members' short way done a column at a time (issue 14) give what the per-row rules give."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bingeo import _contacts
from bingeo import members as members_mod

CHANNEL_CELLS = [
    "",
    "sms",
    "SMS",
    " sms ; e-mail ",
    "sms,sms,sms",
    "email;post",
    "voice / email",
    "Bellen+Tekst",
    "fax",
    "fax, telex|duif",
    "whatsapp sms",
    "telex;duif sms",
    "Spraak",
    "télefoon",
    "mail,,;;",
    "\u00a0sms\u3000",
]


def test_channel_columns_as_one_by_one():
    combos = list(itertools.product(CHANNEL_CELLS, [False, True], [False, True], [False, True]))
    rng = np.random.default_rng(14)
    combos = [combos[k] for k in rng.permutation(len(combos))] * 2  # each case twice, in no order
    texts = [c[0] for c in combos]
    mobile, phone, email = (np.array([c[k] for c in combos], bool) for k in (1, 2, 3))
    chans, unknown, dropped = members_mod._channel_columns(texts, mobile, phone, email)
    expected = [members_mod._channels(*c) for c in combos]
    assert chans == [e[0] for e in expected]
    assert unknown.tolist() == [e[1] for e in expected]
    assert dropped.tolist() == [e[2] for e in expected]
    assert {e[1] for e in expected} >= {0, 1, 2, 3} and {e[2] for e in expected} == {False, True}
    assert members_mod._channel_columns([], mobile[:0], phone[:0], email[:0])[0] == []


def _sheet_rows(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    pick = lambda options: [options[k] for k in rng.integers(0, len(options), n)]  # noqa: E731
    return pd.DataFrame(
        {
            "lidnummer": [f"L{k}" for k in rng.integers(0, n * 4 // 5, n)],  # repeated ids too
            "mobiel": pick(["0612345678", "", "06-1234567", "+31 6 2345 6789", "0800-1234"]),
            "telefoon": pick(["", "020-1234567", "0612345678", "0612349999", "12"]),
            "e-mail": pick(["", "jan@example.nl", "jan@@example.nl", "Piet@Example.NL"]),
            "kanalen": pick(CHANNEL_CELLS),
            "toestemming": pick(["ja", "", "nee", "Ja, akkoord", "misschien", " "]),
            "rol": pick(["", "lid", "coordinator", "burgemeester"]),
            "x": pick(["233000", "", "abc", "233000,5"]),
            "y": pick(["582000", "", "582000"]),
            "status": pick(["", "afgemeld", "weg", "actief", "Uitgeschreven", "???"]),
            "afgemeld_op": pick(["", "1-2-2024", "ooit", "2024-02-30"]),
        }
    )


@pytest.mark.parametrize("with_consent", [True, False])
def test_counts_per_row_of_the_short_way_as_one_by_one(monkeypatch, with_consent):
    """Each row's counts (what the store remembers of it) and the notes are those of the per-row rules."""
    frame = _sheet_rows(3000)
    if not with_consent:
        frame = frame.drop(columns=["toestemming"])
    kw = {"crs": 28992, "addresses": None, "default_country": "NL", "fields": None, "source": "leden.csv"}
    quick, quick_kept, quick_tallies = members_mod._check_members(frame, **kw)
    monkeypatch.setattr(members_mod, "QUICK_ROWS", False)
    slow, slow_kept, slow_tallies = members_mod._check_members(frame, **kw)
    assert quick_kept == slow_kept
    assert quick_tallies == slow_tallies
    assert quick.notes == slow.notes
    pd.testing.assert_frame_equal(pd.DataFrame(quick.members), pd.DataFrame(slow.members))
    pd.testing.assert_frame_equal(quick.rejects, slow.rejects)
    counted = {k for c in quick_tallies.values() for k in c}
    wanted = {"two_phones", "channel_unknown", "channel_dropped", "status_unknown", "left_on_bad"}
    assert wanted | ({"consent_empty"} if with_consent else set()) <= counted
    assert len(quick.members) > 250


EDGE_TEXTS = ["a", " a", "a ", "b\u00a0", "\u3000c", "d\x1f", "\x1ce", "", "e f", "\u200bg", "h\u200b", "é", "xé", "éx"]
EDGE_TEXTS += ["\x85i", "j\u2028", "\u2029", "\u1680k", "l\u202f", "\u205fm", "n\u2007", "\t", "o\r", "\x0bp", "\x1d"]
EDGE_TEXTS += ["q\x1b", "\x7fr", "s\u0300", "\U0001f600", "t\U0001f600", "u\ufeff", "\u180ev"]


def test_edge_space_as_python_strip():
    """The byte look at each text's ends says what ``str.strip`` says, whatever the chunks, slices and nulls."""
    assert all((t != t.strip()) == any(c.isspace() for c in t[:1] + t[-1:]) for t in EDGE_TEXTS)
    plain = ["a", "é", "xé", "e f", "", None, "\u200bg", "s\u0300", "t\U0001f600", "q\x1b", "\x7fr"]
    rng = np.random.default_rng(3)
    for text in EDGE_TEXTS + [None]:
        cells = [plain[k] for k in rng.integers(0, len(plain), 40)]
        for at in (0, 17, 39):
            column = cells[:at] + [text] + cells[at + 1 :]
            expected = any(t is not None and t != t.strip() for t in column)
            whole = pa.chunked_array([pa.array(column, pa.string())])
            chunked = pa.chunked_array([pa.array(column[:20], pa.string()), pa.array(column[20:], pa.string())])
            sliced = pa.chunked_array([pa.array(["\t"] + column + [" "], pa.string()).slice(1, len(column))])
            for arr in (whole, chunked, sliced):
                assert members_mod._edge_space(arr) == expected, (repr(text), at)
            series = pd.Series(column, dtype="str")
            assert members_mod._cells(series) == [t.strip() if t is not None else "" for t in column]
    assert not members_mod._edge_space(pa.chunked_array([pa.array([None, ""], pa.string())]))
    assert not members_mod._edge_space(pa.chunked_array([], pa.string()))


def _phones_by_regex(texts: list[str], country: str) -> tuple[list[bool], list[str | None], list[bool]]:
    """The former :func:`plain_phone_columns`: one RE2 extraction with named groups (the reference)."""
    arr = pa.array(texts, type=pa.string())
    found = pc.extract_regex(pc.replace_substring_regex(arr, r"[ .\-/()]", ""), _contacts._PLAIN_NL)
    intl, national = found.field("intl"), found.field("national")
    if country.upper() != "NL":
        national = pc.if_else(pc.is_valid(national), "", national)
    nsn = pc.binary_join_element_wise(intl, national, "")
    ok = pc.fill_null(
        pc.and_kleene(
            pc.match_substring_regex(arr, _contacts._PLAIN_PHONE_CHARS),
            pc.and_(pc.equal(pc.utf8_length(nsn), 9), pc.invert(pc.starts_with(nsn, "800"))),
        ),
        False,
    )
    numbers = pc.if_else(ok, pc.binary_join_element_wise("+31", nsn, ""), None).to_pylist()
    return ok.to_pylist(), numbers, pc.fill_null(pc.and_(ok, pc.starts_with(nsn, "6")), False).to_pylist()


@pytest.mark.parametrize("country", ["NL", "BE", "nl"])
def test_plain_phone_columns_as_the_regular_expression(country):
    """The tests one at a time decide every number as the one regular expression did, odd ones included."""
    rng = np.random.default_rng(31)
    prefixes = ["", "0", "00", "0031", "+31", "+310", "00310", "+32", "0032", "+", "31", "+3", "+31 (0)", "0 0 31"]
    alphabet = list("0123456789") * 30 + list(" .-/()+a\u0663\uff10\t")
    texts = [
        prefixes[k] + "".join(rng.choice(alphabet, n))
        for k, n in zip(rng.integers(0, 14, 20000), rng.integers(7, 12, 20000))
    ]
    texts += ["06-12345678", "+31 6 1234 5678", "0031612345678", "+310612345678", "0800-1234567", "0900 1234567"]
    texts += ["+31800123456", "0612345678 ", " 0612345678", "+31(0)20 123 4567", "0201234567", "0912345678", ""]
    ok, numbers, mobile = _contacts.plain_phone_columns(texts, default_country=country)
    ref_ok, ref_numbers, ref_mobile = _phones_by_regex(texts, country)
    assert ok.tolist() == ref_ok
    assert numbers == ref_numbers
    assert mobile.tolist() == ref_mobile
    assert 1000 < sum(ref_ok) < len(texts) - 1000 and sum(ref_mobile) > 100, (sum(ref_ok), sum(ref_mobile))
