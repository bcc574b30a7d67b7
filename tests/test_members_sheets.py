"""Coordinator spreadsheets as they come (Dutch, Flemish, French column names): imported, then alerted.

Each sheet is built here with the names coordinators use (``Toestemming AVG``, ``Mobiel`` beside
``Telefoon``, ``Voornaam``/``Tussenvoegsel``/``Achternaam``, ``GSM``, ``Courriel``, ...). The test imports it
with ``bingeo members import``, checks the "columns used" line, then selects the recipients of an area holding
everybody and compares them with the people the test itself wrote down as consenting (independent of bingeo's
reading of the sheet).
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
NAME_MARK = "QZVNAAM"  # planted in every name: must appear only in the recipient export


def run(*args: object, ok: bool = True) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert (res.exit_code == 0) == ok, res.output
    return res.output


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sheets")
    store = tmp / "template.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    run("addresses", "import", SAMPLES / "addresses.csv", "--store", store, "--crs", "28992")
    adr = pd.read_csv(SAMPLES / "addresses.csv", dtype=str, keep_default_na=False)
    # addresses unique by postcode + house number + letter + addition: one register match each
    key = ["postcode", "huisnummer", "huisletter", "toevoeging"]
    adr = adr[~adr.duplicated(key, keep=False)].sample(24, random_state=3).reset_index(drop=True)
    everywhere = tmp / "everywhere.geojson"
    with bingeo.open_store(store) as st:
        hull = st.networks().union_all().envelope.buffer(20000)
    everywhere.write_text(gpd.GeoSeries([hull], crs=28992).to_crs(4326).to_json())
    return {"tmp": tmp, "template": store, "adr": adr, "area": everywhere}


def fresh_store(base, name: str) -> Path:
    path = base["tmp"] / f"{name}.gpkg"
    path.write_bytes(base["template"].read_bytes())
    return path


def write_sheet(path: Path, header: list[str], rows: list[list[str]], encoding: str = "cp1252") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([header, *rows])
    return path


def recipients(base, store: Path, name: str, urgency: str = "urgent") -> pd.DataFrame:
    out = base["tmp"] / f"{name}.recipients.csv"
    run("recipients", "--store", store, "--area", base["area"], "--urgency", urgency, "--output", out)
    return pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)


def lonlat(adr: pd.DataFrame) -> list[tuple[str, str]]:
    pts = gpd.GeoSeries(shapely.points(adr["x"].astype(float), adr["y"].astype(float)), crs=28992).to_crs(4326)
    return [(f"{p.x:.6f}", f"{p.y:.6f}") for p in pts]


def test_dutch_sheet_consent_avg_mobile_beside_phone_and_split_names(base):
    adr = base["adr"]
    header = [
        "Lidnummer",
        "Voornaam",
        "Tussenvoegsel",
        "Achternaam",
        "Telefoon",
        "Mobiel",
        "E-mailadres",
        "Toestemming AVG",
        "Postcode",
        "Huisnummer",
        "Huisletter",
        "Toevoeging",
        "Woonplaats",
        "BIN",
        "Status",
    ]
    rows, consenting, mobiles = [], set(), {}
    for i, a in adr.head(12).iterrows():
        consent = ["Ja", "ja", "Nee", "x", "Akkoord", ""][i % 6]
        mobile = f"06-{20000000 + 131 * i:08d}" if i % 4 != 3 else ""
        rows.append(
            [
                f"NL{i:03d}",
                f"{NAME_MARK}{i}",
                "van der" if i % 2 else "",
                "Berg",
                f"050-{3100000 + i:07d}",  # a landline in 'Telefoon' on every row
                mobile,
                f"lid{i}@example.nl" if i % 3 == 0 else "",
                consent,
                a["postcode"],
                a["huisnummer"],
                a["huisletter"],
                a["toevoeging"],
                a["woonplaats"],
                "GR-BIN-001",
                "actief",
            ]
        )
        if consent in ("Ja", "ja", "x", "Akkoord"):
            consenting.add(f"NL{i:03d}")
        if mobile:
            mobiles[f"NL{i:03d}"] = "+316" + mobile[3:]
    store = fresh_store(base, "nl")
    out = run("members", "import", write_sheet(base["tmp"] / "leden_nl.csv", header, rows), "--store", store)
    line = next(t for t in out.splitlines() if t.startswith("columns used:"))
    assert "id = Lidnummer" in line
    assert "name = Voornaam+Tussenvoegsel+Achternaam" in line
    assert "consent = Toestemming AVG" in line
    assert "mobile = Mobiel" in line and "phone = Telefoon" in line and "e-mail = E-mailadres" in line
    assert "location = Postcode+Huisnummer+Huisletter+Toevoeging+Woonplaats" in line
    assert "network = BIN" in line and "status = Status" in line and "preferred channel = (none)" in line
    assert f"12 kept ({len(consenting)} with consent)" in out
    assert "WARNING" not in out
    with bingeo.open_store(store) as st:
        m = st.members().set_index("member_id")
    assert m.loc["NL001", "name"] == f"{NAME_MARK}1 van der Berg" and m.loc["NL000", "name"] == f"{NAME_MARK}0 Berg"

    rec = recipients(base, store, "nl")
    assert set(rec["member_id"]) == consenting
    # urgent: the mobile number from 'Mobiel' by SMS, although 'Telefoon' holds a landline
    by_id = rec.set_index("member_id")
    for mid in consenting:
        if mid in mobiles:
            assert (by_id.loc[mid, "channel"], by_id.loc[mid, "contact"].lstrip("'")) == ("sms", mobiles[mid])
        else:
            assert by_id.loc[mid, "channel"] == "voice"
    assert NAME_MARK not in out


@pytest.mark.parametrize(
    ("header", "yes", "no", "lang"),
    [
        (
            ["Lidnr", "Naam", "Voornaam", "GSM", "Vast", "E-mail", "Akkoord", "Lengtegraad", "Breedtegraad"],
            "ja",
            "neen",
            "vl",
        ),
        (
            ["ID", "Nom", "Prénom", "GSM", "Téléphone", "Courriel", "Consentement", "Longitude", "Latitude"],
            "oui",
            "non",
            "fr",
        ),
    ],
    ids=["flemish", "french"],
)
def test_belgian_sheet(base, header, yes, no, lang):
    adr = base["adr"].iloc[12:]
    rows, consenting = [], set()
    for i, (lon, lat) in enumerate(lonlat(adr)):
        consent = yes if i % 3 else no
        gsm = f"0470 {i:02d} 12 34" if i % 2 == 0 else ""
        rows.append(
            [
                f"BE{i:03d}",
                "Peeters",
                f"{NAME_MARK}{i}",
                gsm,
                f"02 {500 + i:03d} 12 34",
                f"lid{i}@voorbeeld.be",
                consent,
                lon,
                lat,
            ]
        )
        if consent == yes:
            consenting.add(f"BE{i:03d}")
    store = fresh_store(base, lang)
    sheet = write_sheet(base["tmp"] / f"leden_{lang}.csv", header, rows, encoding="utf-8")
    out = run("members", "import", sheet, "--store", store, "--default-country", "BE")
    line = next(t for t in out.splitlines() if t.startswith("columns used:"))
    assert f"id = {header[0]}" in line and f"name = {header[2]}+{header[1]}" in line
    assert f"mobile = {header[3]}" in line and f"phone = {header[4]}" in line and f"e-mail = {header[5]}" in line
    assert f"consent = {header[6]}" in line and f"location = {header[7]}+{header[8]}" in line
    assert f"12 kept ({len(consenting)} with consent)" in out
    with bingeo.open_store(store) as st:
        m = st.members().set_index("member_id")
    assert m.loc["BE000", "name"] == f"{NAME_MARK}0 Peeters"
    assert m.loc["BE000", "phone"] == "+32470001234" and m.loc["BE001", "phone"] == "+3225011234"

    rec = recipients(base, store, lang).set_index("member_id")
    assert set(rec.index) == consenting
    for mid in consenting:
        i = int(mid[2:])
        expected = ("sms", f"+32470{i:02d}1234") if i % 2 == 0 else ("voice", f"+322{500 + i}1234")
        assert (rec.loc[mid, "channel"], rec.loc[mid, "contact"].lstrip("'")) == expected
    normal = recipients(base, store, lang + "_normal", urgency="normal").set_index("member_id")
    assert set(normal.index) == consenting and "voice" not in set(normal["channel"])  # e-mail before voice
    assert NAME_MARK not in out


def test_sheet_without_consent_column_warns_loudly(base):
    adr = base["adr"].head(4)
    rows = [
        [f"N{i}", f"{NAME_MARK}{i}", f"06{30000000 + i:08d}", a["postcode"], a["huisnummer"], a["huisletter"]]
        for i, (_, a) in enumerate(adr.iterrows())
    ]
    store = fresh_store(base, "noconsent")
    sheet = write_sheet(base["tmp"] / "zonder2.csv", ["Lidnummer", "Naam", "Mobiel", "PC", "Nr", "Huisletter"], rows)
    res = CliRunner().invoke(cli, ["members", "import", str(sheet), "--store", str(store)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "consent = (none)" in res.output and "location = PC+Nr+Huisletter" in res.output
    assert "4 kept (0 with consent)" in res.output
    assert "WARNING" in res.output and "no alert will reach any of them" in res.output
    assert "--field consent=COLUMN" in res.output
    assert NAME_MARK not in res.output
    with bingeo.open_store(store) as st:
        assert not st.members()["consent"].any()


def test_flemish_sheet_located_by_street_number_bus_and_gemeente(base):
    """Straat + Huisnummer + Bus + Gemeente (no postcode): located through the store's address register."""
    adr = pd.read_csv(SAMPLES / "addresses.csv", dtype=str, keep_default_na=False)
    key = ["straat", "huisnummer", "huisletter", "toevoeging"]
    unique = adr[~adr.duplicated(key, keep=False) & (adr["huisletter"] == "")]
    picks = pd.concat([unique[unique["toevoeging"] != ""].head(3), unique[unique["toevoeging"] == ""].head(5)])
    rows, consenting = [], set()
    for i, (_, a) in enumerate(picks.iterrows()):
        consent = "ja" if i % 2 == 0 else "neen"
        rows.append(
            [f"V{i}", "Janssens", f"{NAME_MARK}{i}", f"0470 {i:02d} 56 78", consent]
            + [a["straat"], a["huisnummer"], a["toevoeging"], a["woonplaats"]]
        )
        if consent == "ja":
            consenting.add(f"V{i}")
    header = ["Lidnr", "Naam", "Voornaam", "GSM", "Akkoord", "Straat", "Huisnummer", "Bus", "Gemeente"]
    store = fresh_store(base, "vl_adres")
    sheet = write_sheet(base["tmp"] / "leden_vl_adres.csv", header, rows, encoding="utf-8")
    out = run("members", "import", sheet, "--store", store, "--default-country", "BE")
    assert "location = Straat+Huisnummer+Bus+Gemeente" in out
    assert f"{len(rows)} kept ({len(consenting)} with consent)" in out
    with bingeo.open_store(store) as st:
        m = st.members().set_index("member_id")
    assert set(m["located_by"]) == {"street"}
    assert list(m.loc[[f"V{i}" for i in range(len(rows))], "address_ref"]) == list(picks["adres_id"])
    assert set(recipients(base, store, "vl_adres")["member_id"]) == consenting
