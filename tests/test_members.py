"""Tests for bingeo.members: reading, checking and locating member lists."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo.errors import CRSError, InputError
from bingeo.members import MEMBER_COLUMNS, MembersResult, members_from_file, members_from_frame

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


@pytest.fixture(scope="module")
def addresses() -> gpd.GeoDataFrame:
    return bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points


def _plain(addresses: gpd.GeoDataFrame, k: int = 3) -> pd.DataFrame:
    """Rows unique by (postcode, number) and by (street, number), without letter/addition."""
    a = addresses
    plain = (a["huisletter"].fillna("") == "") & a["toevoeging"].isna()
    pc_unique = ~a.duplicated(["postcode", "huisnummer"], keep=False)
    st_unique = ~a.duplicated(["straat", "huisnummer"], keep=False)
    return a[plain & pc_unique & st_unique].head(k)


def _write(tmp_path: Path, rows: list[list[str]], *, encoding: str = "cp1252", name: str = "leden.csv") -> Path:
    path = tmp_path / name
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


HEADER = [
    "Lidnummer",
    "Naam",
    "E-mail",
    "Telefoon",
    "Kanalen",
    "Toestemming",
    "Datum_toestemming",
    "Rol",
    "Netwerken",
    "Postcode",
    "Huisnummer",
    "Straat",
    "Woonplaats",
]


def test_cp1252_semicolon_file_by_postcode_and_street(tmp_path, addresses):
    a = _plain(addresses)
    r0, r1 = a.iloc[0], a.iloc[1]
    pc_spaced = r0["postcode"][:4] + " " + r0["postcode"][4:].lower()
    rows = [
        HEADER,
        [
            "1",
            "Jeroen van 't Hoff",
            "Jeroen@Example.NL",
            "06-12 34 56 78",
            "sms;email",
            "ja",
            "03-02-2024",
            "lid",
            "GRN-01; GRN-02",
            pc_spaced,
            str(r0["huisnummer"]),
            "",
            "",
        ],
        [
            "2",
            "Zoë Ünal",
            "",
            "0470/12.34.56",
            "",
            "J",
            "",
            "Coördinator",
            "GRN-01",
            "",
            str(r1["huisnummer"]),
            r1["straat"].upper(),
            r1["woonplaats"],
        ],
    ]
    res = members_from_file(_write(tmp_path, rows), addresses=addresses, default_country="BE")
    m = res.members
    assert list(m.columns) == [*MEMBER_COLUMNS, "geometry"]
    assert len(m) == 2 and len(res.rejects) == 0, res.rejects.to_dict("records")
    assert m.crs.to_epsg() == 28992
    assert m.loc[0, "name"] == "Jeroen van 't Hoff"
    assert m.loc[1, "name"] == "Zoë Ünal"
    assert any("1252" in n for n in res.notes)
    # read as Belgian, 06 with 9 digits is invalid: the phone is blanked, the e-mail address kept
    assert pd.isna(m.loc[0, "phone"]) and m.loc[0, "email"] == "Jeroen@example.nl"
    assert m.loc[0, "channels"] == "email"
    assert m.loc[1, "phone"] == "+32470123456" and m.loc[1, "phone_kind"] == "mobile"
    assert m.loc[1, "channels"] == "sms"
    assert m.loc[0, "located_by"] == "postcode" and m.loc[0, "address_ref"] == r0["adres_id"]
    assert m.loc[1, "located_by"] == "street" and m.loc[1, "address_ref"] == r1["adres_id"]
    assert m.geometry.iloc[0].equals(r0.geometry)
    assert m.loc[0, "role"] == "member" and m.loc[1, "role"] == "coordinator"
    assert m.loc[0, "networks"] == "GRN-01;GRN-02"
    assert m.loc[0, "consent_date"] == pd.Timestamp(2024, 2, 3)
    assert bool(m.loc[0, "consent"]) and bool(m.loc[1, "consent"])
    assert any("kept without their unusable phone" in n for n in res.notes)


def test_phone_formats_nl(addresses):
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "phone": ["06-12345678", "+31 (0)20 123 4567", "0031612345678", "0800-1234", "612345678"],
            "email": ["", "", "", "", ""],
            "x": ["233000"] * 5,
            "y": ["582000"] * 5,
        }
    )
    res = members_from_frame(df, crs=28992)
    assert list(res.members["phone"]) == ["+31612345678", "+31201234567", "+31612345678"]
    assert list(res.members["phone_kind"]) == ["mobile", "landline", "mobile"]
    assert list(res.members["channels"]) == ["sms", "voice", "sms"]
    assert list(res.rejects["reject_reason"]) == ["bad_phone:service_number", "bad_phone:missing_trunk_prefix"]
    assert list(res.rejects["source_row"]) == [4, 5]
    assert list(res.rejects["member_id"]) == ["d", "e"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ja", True),
        ("Yes", True),
        ("TRUE", True),
        ("1", True),
        ("j", True),
        ("nee", False),
        ("no", False),
        ("false", False),
        ("0", False),
        ("N", False),
        ("", False),
        ("Akkoord", True),
        ("Ja, akkoord", True),
        ("oui", True),
        ("\u2713", True),
        ("Neen", False),
        ("non", False),
        ("Niet akkoord", False),
    ],
)
def test_consent_variants_kept(value, expected):
    df = pd.DataFrame({"lid_id": ["1"], "email": ["a@b.nl"], "toestemming": [value], "x": ["1"], "y": ["2"]})
    res = members_from_frame(df, crs=28992)
    assert len(res.members) == 1
    assert bool(res.members.loc[0, "consent"]) is expected


def test_bad_consent_and_role_rejected():
    df = pd.DataFrame(
        {
            "lid_id": ["1", "2", "3", "4"],
            "email": ["a@b.nl"] * 4,
            "toestemming": ["misschien", "ja", "ja", "ja"],
            "rol": ["lid", "chef", "deelnemer", "BEHEERDER"],
            "x": ["1"] * 4,
            "y": ["2"] * 4,
        }
    )
    res = members_from_frame(df, crs=28992)
    assert list(res.rejects["reject_reason"]) == ["bad_consent", "bad_role"]
    assert list(res.members["role"]) == ["member", "coordinator"]


def test_channels_normalised_and_limited_by_contacts():
    df = pd.DataFrame(
        {
            "id": ["1", "2", "3", "4"],
            "email": ["a@b.nl", "a@b.nl", "", "c@d.nl"],
            "gsm": ["0612345678", "0201234567", "0612345678", ""],
            "voorkeur": ["sms,e-mail", "mail; SMS", "bellen", "duif"],
            "x": ["1"] * 4,
            "y": ["2"] * 4,
        }
    )
    res = members_from_frame(df, crs=28992)
    assert list(res.members["channels"]) == ["sms;email", "email", "voice", "email"]
    assert any("unknown channel" in n for n in res.notes)
    assert any("cannot serve" in n for n in res.notes)


def test_unknown_and_ambiguous_address(addresses):
    a = _plain(addresses)
    r0 = a.iloc[0]
    df = pd.DataFrame(
        {
            "lid_id": ["1", "2", "3", "4", "5", "6"],
            "email": ["x@y.nl"] * 6,
            "postcode": ["0000ZZ", "9726 AC", "9726AC", r0["postcode"], "", "12"],
            "huisnummer": ["1", "3", "3b", f"{r0['huisnummer']}", "", "1"],
        }
    )
    res = members_from_frame(df, addresses=addresses)
    assert list(res.rejects["reject_reason"]) == [
        "address_not_found",
        "ambiguous_address",
        "no_location",
        "address_not_found",
    ]
    assert list(res.rejects["source_row"]) == [1, 2, 5, 6]
    assert list(res.members["member_id"]) == ["3", "4"]
    assert res.members.loc[0, "located_by"] == "postcode"


def test_address_without_register_raises():
    df = pd.DataFrame({"lid_id": ["1"], "email": ["x@y.nl"], "postcode": ["9712AB"], "huisnummer": ["1"]})
    with pytest.raises(InputError, match="addresses"):
        members_from_frame(df)


def test_duplicates_first_kept():
    df = pd.DataFrame(
        {"id": ["7", "7", "", "8"], "email": ["a@b.nl", "c@d.nl", "e@f.nl", "g@h.nl"], "x": ["1"] * 4, "y": ["2"] * 4}
    )
    res = members_from_frame(df, crs=28992)
    assert list(res.members["member_id"]) == ["7", "8"]
    assert res.members.loc[0, "email"] == "a@b.nl"
    assert list(res.rejects["reject_reason"]) == ["duplicate_member_id", "missing_member_id"]
    assert res.rejects["member_id"].iloc[0] == "7" and pd.isna(res.rejects["member_id"].iloc[1])
    assert len(res.members) + len(res.rejects) == len(df)


def test_person_id_same_email_two_addresses(addresses):
    a = _plain(addresses)
    df = pd.DataFrame(
        {
            "id": ["1", "2", "3", "4"],
            "email": ["Anna@Example.nl", "anna@example.NL", "other@example.nl", ""],
            "phone": ["", "", "", "0612345678"],
            "postcode": list(a["postcode"].iloc[[0, 1, 2, 0]]),
            "huisnummer": [str(v) for v in a["huisnummer"].iloc[[0, 1, 2, 0]]],
        }
    )
    res = members_from_frame(df, addresses=addresses)
    pid = list(res.members["person_id"])
    assert pid[0] == pid[1]
    assert len({pid[0], pid[2], pid[3]}) == 3
    assert all(p.startswith("p-") and len(p) == 18 for p in pid)
    assert not any("anna" in p or "612345678" in p for p in pid)
    given = members_from_frame(df.assign(person_id=["P1", "P1", "P2", "P3"]), addresses=addresses)
    assert list(given.members["person_id"]) == ["P1", "P1", "P2", "P3"]


def test_coordinates_lonlat_reprojected_to_addresses_crs(addresses):
    df = pd.DataFrame({"id": ["1"], "email": ["a@b.nl"], "lon": ["6,5665"], "lat": ["53,2194"]})
    res = members_from_frame(df, addresses=addresses)
    assert res.members.crs.to_epsg() == 28992
    x, y = res.members.geometry.iloc[0].x, res.members.geometry.iloc[0].y
    assert 230000 < x < 240000 and 575000 < y < 590000
    assert res.members.loc[0, "located_by"] == "coordinates"


def test_projected_coordinates_need_crs():
    df = pd.DataFrame({"id": ["1"], "email": ["a@b.nl"], "x": ["233000"], "y": ["582000"]})
    with pytest.raises(CRSError):
        members_from_frame(df)


def test_geodataframe_input_not_modified():
    gdf = gpd.GeoDataFrame(
        {"member_id": ["1"], "email": ["a@b.nl"]}, geometry=[shapely.Point(233000, 582000)], crs=28992
    )
    before = gdf.copy()
    res = members_from_frame(gdf)
    pd.testing.assert_frame_equal(gdf, before)
    assert res.members.crs.to_epsg() == 28992 and res.members.loc[0, "located_by"] == "coordinates"


def test_status_left_and_fields_override():
    df = pd.DataFrame(
        {
            "nr": ["1", "2"],
            "adres": ["a@b.nl", "c@d.nl"],
            "afgemeld_op": ["", "31-12-2023"],
            "x": ["1", "1"],
            "y": ["2", "2"],
        }
    )
    res = members_from_frame(df, crs=28992, fields={"member_id": "nr", "email": "ADRES"})
    assert list(res.members["status"]) == ["active", "left"]
    assert res.members.loc[1, "left_on"] == pd.Timestamp(2023, 12, 31)
    with pytest.raises(ValueError, match="unknown key"):
        members_from_frame(df, crs=28992, fields={"bogus": "nr"})
    with pytest.raises(InputError, match="no column"):
        members_from_frame(df, crs=28992, fields={"member_id": "missing"})


MARKERS = [
    "MARKERNAAM123",
    "marker456",
    "example-marker.org",
    "9876543",
    "MARKERSTRAAT",
    "MARKERSTAD",
    "1234XQ",
    "MARKERNET",
    "987654",
]


def test_privacy_no_member_values_leak(tmp_path, addresses, caplog):
    a = _plain(addresses)
    r0 = a.iloc[0]
    base = [
        "MARKERNAAM123",
        "marker456@example-marker.org",
        "06-98765432",
        "sms",
        "ja",
        "01-01-2024",
        "lid",
        "MARKERNET",
        "1234XQ",
        "987654",
        "MARKERSTRAAT",
        "MARKERSTAD",
    ]
    rows = [HEADER]
    variants = [
        ("", {}),  # missing_member_id
        ("M1", {1: "marker456@@example-marker.org", 2: "06-9876543"}),  # bad phone + bad email
        ("M2", {1: "", 2: "+31 98765432"}),  # bad phone only
        ("M3", {1: "marker456 @example-marker.org", 2: ""}),  # bad email only
        ("M4", {1: "", 2: ""}),  # no contact
        ("M5", {4: "MARKERJA"}),  # bad consent
        ("M6", {6: "MARKERROL"}),  # bad role
        ("M7", {}),  # address not found (marker address)
        ("M8", {8: "", 9: "", 10: ""}),  # no location
        ("M9", {8: "9726AC", 9: "3"}),  # ambiguous
        ("M9", {}),  # duplicate
        ("M10", {1: "marker456@example-marker", 8: r0["postcode"], 9: str(r0["huisnummer"])}),  # kept, bad email
    ]
    for mid, changes in variants:
        row = list(base)
        for k, v in changes.items():
            row[k] = v
        rows.append([mid, *row])
    path = _write(tmp_path, rows)
    # attach the capture handler to bingeo's loggers directly: other tests (CLI) may stop propagation
    loggers = [logging.getLogger(n) for n in ("bingeo", "bingeo.members", "bingeo.readers")]
    saved = [(lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.addHandler(caplog.handler)
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    caplog.handler.setLevel(logging.DEBUG)
    try:
        res = members_from_file(path, addresses=addresses)
    finally:
        for lg, (level, disabled) in zip(loggers, saved):
            lg.removeHandler(caplog.handler)
            lg.setLevel(level)
            lg.disabled = disabled
    reasons = list(res.rejects["reject_reason"])
    assert reasons == [
        "missing_member_id",
        "bad_phone:wrong_length",
        "bad_phone:invalid_prefix",
        "bad_email:whitespace",
        "no_contact",
        "bad_consent",
        "bad_role",
        "address_not_found",
        "no_location",
        "ambiguous_address",
        "duplicate_member_id",
    ]
    assert list(res.members["member_id"]) == ["M10"]
    assert list(res.rejects.columns) == ["source_row", "member_id", "reject_reason", "reject_detail"]

    texts = [
        *res.rejects["reject_reason"].map(str),
        *res.rejects["reject_detail"].map(str),
        *res.rejects["member_id"].map(str),
        *res.notes,
        res.summary(),
        repr(res),
        caplog.text,
    ]
    errors = []
    for bad in (
        lambda: members_from_frame(pd.read_csv(path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)),
        lambda: members_from_file(path, fields={"member_id": "Naam"}, addresses=addresses.drop(columns="huisnummer")),
    ):
        with pytest.raises(ValueError) as info:
            bad()
        errors.append(str(info.value))
    texts += errors
    assert "member rows" in caplog.text and "Encoding" in caplog.text
    blob = "\n".join(texts).casefold()
    for marker in MARKERS:
        assert marker.casefold() not in blob, marker


def test_summary_and_result_type():
    df = pd.DataFrame({"id": ["1", "2"], "email": ["a@b.nl", ""], "x": ["1", "1"], "y": ["2", "2"]})
    res = members_from_frame(df, crs=28992, source="leden.csv")
    assert isinstance(res, MembersResult)
    assert res.summary() == "Read 2 member rows from leden.csv: 1 kept (0 with consent), 1 rejected (1 no_contact)"


def test_empty_frame_gives_empty_result():
    df = pd.DataFrame({"id": pd.Series([], dtype=str), "email": pd.Series([], dtype=str)})
    res = members_from_frame(df, crs=28992)
    assert len(res.members) == 0 and len(res.rejects) == 0
    assert list(res.members.columns) == [*MEMBER_COLUMNS, "geometry"]


def test_privacy_new_columns_no_member_values_leak(addresses):
    """Split names, two phone columns and a Toestemming AVG column: no member value in notes or rejects."""
    df = pd.DataFrame(
        {
            "Lidnummer": ["A1", "A2", "A3", "A4"],
            "Voornaam": ["MARKERVOOR"] * 4,
            "Achternaam": ["MARKERACHTER"] * 4,
            "Mobiel": ["06-98765432", "06-9876543", "06-98765432", "MARKERMOB"],
            "Telefoon": ["050-9876543", "050-98765", "", ""],
            "Toestemming AVG": ["ja", "ja", "MARKERJA", "ja"],
            "X": ["233000"] * 4,
            "Y": ["582000"] * 4,
        }
    )
    res = members_from_frame(df, crs=28992)
    assert res.columns["name"] == "Voornaam+Achternaam" and res.columns["consent"] == "Toestemming AVG"
    assert list(res.members["member_id"]) == ["A1"]
    assert res.members.loc[0, "phone"] == "+31698765432" and res.members.loc[0, "name"] == "MARKERVOOR MARKERACHTER"
    assert list(res.rejects["reject_reason"]) == ["bad_phone:wrong_length", "bad_consent", "bad_phone:letters"]
    assert any("two usable phone numbers" in n for n in res.notes)
    blob = "\n".join([*res.notes, res.summary(), *res.rejects.astype(str).to_numpy().ravel()]).casefold()
    for marker in ("markervoor", "markerachter", "98765", "markermob", "markerja"):
        assert marker not in blob, marker


@pytest.mark.parametrize("dtype", [object, "string[python]", "string[pyarrow]", "float64", "Int64", "datetime64[ns]"])
def test_column_conversion_equals_the_cell_rule(dtype):
    from bingeo import members as m

    values = {
        object: [" a ", None, float("nan"), 12.0, 12.5, 7, pd.NA, "", "\tx\n", True],
        "string[python]": [" a ", None, "", "06 12", pd.NA],
        "string[pyarrow]": [" a ", None, "", "06 12", pd.NA],
        "float64": [1.0, float("nan"), 2.5, -0.0],
        "Int64": [1, None, 3],
        "datetime64[ns]": ["2024-01-02", None],
    }[dtype]
    column = pd.Series(values, dtype=dtype)
    assert m._cells(column) == [m._cell(v) for v in column.to_numpy()]
