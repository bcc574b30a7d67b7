"""The members' short way kept in Arrow and numpy (issue 14, eighth session) gives what the per-row rules give.

References: the per-row rules (``QUICK_ROWS = False``), the list-making helpers the columns replace
(:func:`bingeo.members._person_ids`, ``_floats``, ``_postcodes``, :meth:`_Sheet.names`), hashlib, and dicts and
``re`` built here.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely

import bingeo
from bingeo import members as members_mod
from bingeo._contacts import plain_email_mask, plain_emails, plain_phone_arrays, plain_phone_columns
from bingeo.addresses import addresses_for_store
from bingeo.members import import_members, members_from_file

BAG = Path("netherlands_groningen_cbs_bag") / "verblijfsobjecten_onderwijs_RD.zip"  # in the real data

ODD_CODES = ["1234AB", "1234", "1234A", "12345", "1234ABC", "\u0661\u0662\u0663\u0664AB", "", None, "9999ZZ", "0000AA"]
ODD_CODES += ["1234ab", "123 4AB", "A234BC", "1234@A", "1234[A"]


def _plain(code: str | None, number: int) -> bool:
    return (
        code is not None
        and re.fullmatch(r"[0-9]{4}[A-Z]{2}|[0-9]{4}", code, re.ASCII) is not None
        and (0 <= number < 1_000_000)
    )


def test_postcode_keys_equal_exactly_when_the_pairs_are_equal():
    numbers = [-1, 0, 1, 12, 999_999, 1_000_000, 12_000_000]
    pairs = list(itertools.product(ODD_CODES, numbers))
    keys, good = members_mod._postcode_keys(
        pa.array([c for c, _ in pairs], pa.string()), np.array([n for _, n in pairs], dtype=np.int64)
    )
    assert good.tolist() == [_plain(c, n) for c, n in pairs]
    plain = [(p, k) for p, k, g in zip(pairs, keys.tolist(), good.tolist()) if g]
    assert [members_mod._postcode_key(c or "", n) for c, n in pairs] == [k if g else None for k, g in zip(keys, good)]
    assert len(plain) == 4 * 4  # 1234AB, 1234, 9999ZZ, 0000AA with the 4 numbers of 0-999,999
    for (a, ka), (b, kb) in itertools.product(plain, plain):
        assert (ka == kb) == (a == b)
    empty = members_mod._postcode_keys(pa.array([], pa.string()), np.zeros(0, dtype=np.int64))
    assert len(empty[0]) == len(empty[1]) == 0


def _register(n: int = 400, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    pick = lambda options: [options[k] for k in rng.integers(0, len(options), n)]  # noqa: E731
    plain = rng.random(n) < 0.7  # most addresses plain, in many postcodes; the rest odd, in a few
    odd_codes = pick(["1234AB", "1234 ab", " 1234AB", "1234", "5678CD", "\u0661\u0662\u0663\u0664AB", "", "12-34"])
    many = [f"{1000 + k % 150}{'ABC'[k % 3]}{'XYZ'[k % 2]}" for k in rng.integers(0, 10_000, n)]
    odd_numbers = pick(["1", "2", "3", "12", "007", "abc", "", "1234567", "2.0"])
    numbers = [str(k) for k in rng.integers(1, 40, n)]
    return gpd.GeoDataFrame(
        {
            "adres_id": [f"A{k}" for k in range(n)],
            "postcode": [a if p else b for a, b, p in zip(many, odd_codes, plain)],
            "huisnummer": [a if p else b for a, b, p in zip(numbers, odd_numbers, plain)],
            "huisletter": pick(["", "", "", "a", "B", "\u0308"]),
            "toevoeging": pick(["", "", "2", "bis"]),
        },
        geometry=shapely.points(rng.uniform(0, 1000, (n, 2))),
        crs=28992,
    )


def test_candidates_as_a_dict_of_the_register():
    register = _register()
    index = members_mod._AddressIndex(register, bingeo.readers.sources.Notes("t"))
    want: dict[tuple[str, int], list[int]] = {}
    for i, (code, number) in enumerate(zip(register["postcode"], register["huisnummer"])):
        if code.strip():
            try:
                num = int(number)
            except ValueError:
                num = -1
            want.setdefault((members_mod._postcode(code.strip()) or "", num), []).append(i)
    assert index.by_postcode == want
    asked = list(want) + [("1234AB", 99), ("0000AA", 1), ("1234AB", -1), ("", 1), ("\u0661\u0662\u0663\u0664AB", 2)]
    for code, num in asked:
        assert index.candidates(code, num) == want.get((code, num), []), (code, num)
    assert any(len(v) > 1 for k, v in want.items() if _plain(*k))  # repeated plain keys, several candidates


def test_floats_and_postcodes_as_arrow_columns_as_one_by_one():
    texts = ["233000", "233000,5", "233.000,5", "-1.5", "1e3", "abc", "", " 12 ", "nan", "inf", "\u0661\u0662", "0,0"]
    texts += ["1" * 16, "1.2.3", "1,2,3", "+5", "-0"]
    got = members_mod._float_array(pa.array(texts, pa.string()))
    want = members_mod._floats(texts)
    assert [None if np.isnan(v) else v for v in got.tolist()] == want
    assert {None, 233000.5} <= set(want)
    codes = ["1234 ab", "1234\tAB", "  ", "", "1234\u00a0AB", "\u0661\u0662\u0663\u0664 ab", "ß", "9999zz"]
    assert members_mod._postcode_array(pa.array(codes, pa.string())).to_pylist() == members_mod._postcodes(codes)


def test_person_ids_as_an_arrow_column_as_one_by_one():
    given = ["", "P7", "", "", "", "", " "]
    emails = ["Jan@Example.NL", None, "jan@example.nl", None, "JAN.Bakker+1@X.nl", None, "a@b.nl"]
    phones = [None, "+31612345678", "+31612345678", "+3220000000", None, "+31201234567", None]
    got = members_mod._person_id_array(pa.array(given), pa.array(emails, pa.string()), pa.array(phones, pa.string()))
    assert got.to_pylist() == members_mod._person_ids(given, emails, phones)
    assert got[0].as_py() == "p-" + hashlib.sha256(b"email:jan@example.nl").hexdigest()[:16]
    for texts in (["", ""], ["P1", "P2"]):  # every id made; every id given
        got = members_mod._person_id_array(
            pa.array(texts), pa.array(["a@b.nl", None]), pa.array([None, "+31612345678"])
        )
        assert got.to_pylist() == members_mod._person_ids(texts, ["a@b.nl", None], [None, "+31612345678"])
    rng = np.random.default_rng(1)
    for size in (0, 1, 55, 64, 300):
        data = rng.bytes(size)
        assert members_mod._sha256_short(data).digest() == hashlib.sha256(data).digest()


def test_names_as_an_arrow_column_as_one_by_one():
    parts = ["", "Jan", "van der", "Bakker", "Émile"]
    rows = [(a, b, c) for a in parts for b in parts for c in parts]
    layouts = [("voornaam", "tussenvoegsel", "achternaam"), ("naam",), ("voornaam", "naam"), ("achternaam",)]
    for layout in layouts:
        frame = pd.DataFrame({name: [r[k] for r in rows] for k, name in enumerate(layout)})
        frame["lidnummer"] = [f"L{k}" for k in range(len(rows))]
        cols = members_mod._detect([str(c) for c in frame.columns], None, "<frame>")
        sheet = members_mod._Sheet(frame, cols, None, "NL", "<frame>", False)
        at = [5, 0, 17, 3, len(rows) - 1]
        assert sheet.name_array(pa.array(at)).to_pylist() == sheet.names(at), layout


def test_quick_contacts_as_the_list_rules():
    rng = np.random.default_rng(5)
    n = 3000
    pick = lambda options: [options[k] for k in rng.integers(0, len(options), n)]  # noqa: E731
    mobile = pick(["0612345678", "", "06-1234567", "+31 6 2345 6789", "0800-1234", "0612349999", "020-1234567"])
    phone = pick(["", "020-1234567", "0612345678", "0612349999", "12", "+31 6 2345 6789"])
    email = pick(["", "jan@example.nl", "jan@@example.nl", "Piet@Example.NL", "a.b@c.nl"])
    got = members_mod._quick_contacts(
        {"mobile": pa.array(mobile), "phone": pa.array(phone), "email": pa.array(email)}, "NL", n
    )
    # the rules as lists (the former code)
    pm, pm_nr, pm_mob = plain_phone_columns(mobile)
    pt, pt_nr, pt_mob = plain_phone_columns(phone)
    mail_ok = np.array(plain_emails(email), bool)
    given = lambda texts: np.array([bool(t) for t in texts], bool)  # noqa: E731
    undecided = (given(mobile) & ~pm) | (given(phone) & ~pt) | (given(email) & ~mail_ok)
    use_pm = pm & (pm_mob | ~(pt & pt_mob))
    use_pt = ~use_pm & pt
    assert got.ok.tolist() == (~undecided & (use_pm | use_pt | mail_ok)).tolist()
    assert got.phone == [a if m else (b if t else None) for a, b, m, t in zip(pm_nr, pt_nr, use_pm, use_pt)]
    assert got.email == [t if ok else None for t, ok in zip(email, mail_ok)]
    assert got.mobile.tolist() == ((use_pm & pm_mob) | (use_pt & pt_mob)).tolist()
    assert got.two.tolist() == (pm & pt & np.array([a != b for a, b in zip(pm_nr, pt_nr)], bool)).tolist()
    assert plain_email_mask(pa.array(email)).tolist() == plain_emails(email)
    arrays = plain_phone_arrays(pa.array(mobile))
    assert arrays[1].to_pylist() == pm_nr and arrays[0].tolist() == pm.tolist()
    assert got.ok.any() and (~got.ok).any() and got.two.any()
    none = members_mod._quick_contacts({"mobile": None, "phone": None, "email": pa.array(email)}, "NL", n)
    assert none.phone == [None] * n and none.ok.tolist() == mail_ok.tolist()


def _odd_members(register: gpd.GeoDataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = lambda options: [options[k] for k in rng.integers(0, len(options), n)]  # noqa: E731
    at = rng.integers(0, len(register), n)
    codes = [str(register["postcode"].iloc[k]) for k in at]
    numbers = [str(register["huisnummer"].iloc[k]) for k in at]
    odd = rng.random(n)
    return pd.DataFrame(
        {
            "lidnummer": [f"L{k if o > 0.04 else k // 2}" for k, o in enumerate(rng.random(n))],  # ~4 % repeated
            "voornaam": pick(["Jan", "", "Émile"]),
            "achternaam": pick(["Bakker", "", "de Vries"]),
            "mobiel": pick(["0612345678", "", "06-1234567", "+31 6 2345 6789", "0800-1234", "0031612345678"]),
            "telefoon": pick(["", "020-1234567", "0612345678", "12"]),
            "e-mail": pick(["", "jan@example.nl", "jan@@example.nl", "Piet@Example.NL", "X@Y.nl"]),
            "kanalen": pick(["", "sms", "email;post", "voice"]),
            "toestemming": pick(["ja"] * 6 + ["", "nee", "misschien"]),
            "rol": pick(["", "lid"] * 4 + ["burgemeester"]),
            "postcode": [c.lower() if o < 0.1 else (c if o < 0.8 else "") for c, o in zip(codes, odd)],
            "huisnummer": [
                v if o < 0.85 else pick_one
                for v, o, pick_one in zip(numbers, odd, pick(["12a", "12-2", "0", "", "abc", "1234567"]))
            ],
            "huisletter": [
                str(register["huisletter"].iloc[k]) if o < 0.7 else v
                for k, o, v in zip(at, odd, pick(["", "a", "b", "A"]))
            ],
            "toevoeging": [
                str(register["toevoeging"].iloc[k]) if o < 0.75 else v
                for k, o, v in zip(at, odd, pick(["", "2", "bis"]))
            ],
            "x": [v if o >= 0.8 else "" for v, o in zip(pick(["233000", "233000,5", "abc", "", "1.5"]), odd)],
            "y": [v if o >= 0.8 else "" for v, o in zip(pick(["582000", "582000.25", "", "-3"]), odd)],
            "status": pick(["", "afgemeld", "weg", "actief"]),
        }
    )


def _same(quick, slow):
    pd.testing.assert_frame_equal(pd.DataFrame(quick.members), pd.DataFrame(slow.members))
    pd.testing.assert_frame_equal(quick.rejects, slow.rejects)
    assert quick.notes == slow.notes
    assert quick.columns == slow.columns


@pytest.mark.parametrize("workers", ["1", "2"])
def test_odd_rows_against_a_register_as_the_per_row_rules(monkeypatch, tmp_path, workers):
    monkeypatch.setenv("BINGEO_WORKERS", workers)
    register = _register(600, seed=9)
    path = tmp_path / "leden.csv"
    _odd_members(register, 2500, seed=11).to_csv(path, sep=";", index=False)
    quick = members_from_file(path, addresses=register, crs=28992)
    monkeypatch.setattr(members_mod, "QUICK_ROWS", False)
    slow = members_from_file(path, addresses=register, crs=28992)
    _same(quick, slow)
    by = quick.members["located_by"].value_counts()
    assert by["postcode"] > 600 and by["coordinates"] > 60
    reasons = set(quick.rejects["reject_reason"])
    assert {"address_not_found", "ambiguous_address", "duplicate_member_id", "no_location"} <= reasons


def test_first_import_into_a_store_as_the_per_row_rules(monkeypatch, tmp_path):
    register = _register(600, seed=4)
    register = register[register["huisnummer"].str.fullmatch("[0-9]+")]  # what the store holds as a number
    path = tmp_path / "leden.csv"
    _odd_members(register, 2000, seed=12).to_csv(path, sep=";", index=False)
    stored = []
    for quick in (True, False):
        monkeypatch.setattr(members_mod, "QUICK_ROWS", quick)
        with bingeo.open_store(tmp_path / f"s{quick}.gpkg", create=True, crs=28992) as st:
            st.import_addresses(addresses_for_store(register))
            res, counts = import_members(st, path, crs=28992)
            stored.append((res, counts, st.members().drop(columns=["updated_at"], errors="ignore")))
    (a, ca, sa), (b, cb, sb) = stored
    _same(a, b)
    assert ca == cb and ca["added"] > 500
    pd.testing.assert_frame_equal(pd.DataFrame(sa), pd.DataFrame(sb))


def test_real_bag_addresses_as_the_per_row_rules(monkeypatch, tmp_path, real):
    bag = real / BAG
    with zipfile.ZipFile(bag) as zf:
        shp = next(n for n in zf.namelist() if n.endswith(".shp"))
    register = gpd.read_file(f"zip://{bag}!{shp}")
    register = register.rename(columns={"identifica": "adres_id"})
    n = len(register)
    rng = np.random.default_rng(2)
    code = register["postcode"].astype(str)
    members = pd.DataFrame(
        {
            "lidnummer": [f"L{k}" for k in range(n)],
            "mobiel": [f"06{10000000 + k}" for k in range(n)],
            "toestemming": "ja",
            "postcode": [c if k % 3 else f"{c[:4]} {c[4:].lower()}" for k, c in enumerate(code)],
            "huisnummer": register["huisnummer"].astype(str).tolist(),
            "huisletter": register["huisletter"].fillna("").astype(str).tolist(),
            "toevoeging": [t if rng.random() < 0.8 else "" for t in register["toevoeging"].fillna("").astype(str)],
        }
    )
    path = tmp_path / "leden.csv"
    members.to_csv(path, sep=";", index=False)
    quick = members_from_file(path, addresses=register)
    monkeypatch.setattr(members_mod, "QUICK_ROWS", False)
    slow = members_from_file(path, addresses=register)
    _same(quick, slow)
    assert (quick.members["located_by"] == "postcode").sum() > n // 2


def test_channels_roles_and_networks_of_arrow_cells_as_of_lists():
    cells = ["", "sms", " sms ; e-mail ", "fax, telex|duif", "email;post", "Spraak", "sms", ""] * 3
    rng = np.random.default_rng(8)
    mobile, phone, email = (rng.random(len(cells)) < 0.5 for _ in range(3))
    got = members_mod._channel_columns(pa.array(cells), mobile, phone, email)
    want = members_mod._channel_columns(cells, mobile, phone, email)
    assert got[0].to_pylist() == want[0]
    assert got[1].tolist() == want[1].tolist() and got[2].tolist() == want[2].tolist()
    assert members_mod._channel_columns(pa.array([], pa.string()), *(np.zeros(0, bool),) * 3)[0].to_pylist() == []
    roles = ["", "Lid", "coördinator", "beheerder", "lid", ""]
    got_roles = members_mod._each_distinct(members_mod._role_of, pa.array(roles)).to_pylist()
    assert got_roles == [members_mod._ROLES.get(members_mod._fold(t), "member") for t in roles]
    nets = ["A;B", "B,A", "", "A;;A", "A;B"]
    assert members_mod._each_distinct(members_mod._networks, pa.array(nets)).to_pylist() == [
        members_mod._networks(t) for t in nets
    ]


def test_tally_texts_as_one_by_one():
    from collections import Counter

    tallies = {0: Counter(two_phones=1), 3: Counter(channel_unknown=2, two_phones=1), 4: Counter(x=1), 9: Counter(a=1)}
    kept = [0, 1, 3, 7, 9]
    want = [";".join(f"{k}={v}" for k, v in sorted(tallies[i].items())) if i in tallies else None for i in kept]
    assert members_mod._tally_texts(tallies, kept).tolist() == want
    assert want[2] == "channel_unknown=2;two_phones=1"
    assert members_mod._tally_texts({}, kept).tolist() == [None] * 5
    assert members_mod._tally_texts(tallies, []).tolist() == []


@pytest.mark.parametrize("workers", ["1", "2"])
def test_first_import_errors_leave_the_store_usable(monkeypatch, tmp_path, workers):
    """The register read beside a first import has ended when an error about the list goes up."""
    from bingeo.errors import InputError

    monkeypatch.setenv("BINGEO_WORKERS", workers)
    register = _register(200, seed=6)
    register = register[register["huisnummer"].str.fullmatch("[0-9]+")]
    path = tmp_path / "leden.csv"
    _odd_members(register, 300, seed=3).to_csv(path, sep=";", index=False)
    with bingeo.open_store(tmp_path / "s.gpkg", create=True, crs=28992) as st:
        st.import_addresses(addresses_for_store(register))
        with pytest.raises(InputError, match="nope"):
            import_members(st, path, crs=28992, fields={"member_id": "nope"})
        with pytest.raises(InputError, match="default_country"):
            import_members(st, path, crs=28992, default_country="DE")
        res, counts = import_members(st, path, crs=28992)  # the store still answers
        assert counts["added"] == len(res.members) > 50
        again, counts = import_members(st, path, crs=28992)  # a re-import: no register read beside it
        assert counts["unchanged"] == len(res.members) and again.notes == res.notes
