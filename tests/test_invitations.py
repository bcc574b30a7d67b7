"""Invitations: the mail-merge list and the label PDF, read back by rendering (pypdfium2) and OCR (tesseract)."""

from __future__ import annotations

import difflib
import io
import shutil
import subprocess
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo.invitations import (
    LABEL_COLUMNS,
    LABEL_HEIGHT_MM,
    LABEL_LINE_MM,
    LABEL_ROWS,
    LABEL_WIDTH_MM,
    invitation_list,
    write_invitations,
    write_labels,
)
from bingeo.streets import network_from_streets
from tests.conftest import REAL_DATA, need, require

ROOT = Path(__file__).resolve().parents[1]
DPI = 200


@pytest.fixture(scope="module")
def bag() -> gpd.GeoDataFrame:
    return bingeo.read_points(ROOT / "data/samples/addresses.csv", crs=28992).points


@pytest.fixture(scope="module")
def invitations(bag: gpd.GeoDataFrame) -> pd.DataFrame:
    charter = pd.DataFrame({"straat": ["Witsenstraat", "Israëlsstraat"], "bin": ["W", "W"]})
    area = network_from_streets(charter, bag).networks
    return invitation_list(area, bag)


def test_list_is_the_addresses_inside_walked_street_by_street(bag: gpd.GeoDataFrame, invitations: pd.DataFrame) -> None:
    raw = pd.read_csv(ROOT / "data/samples/addresses.csv", dtype=str, keep_default_na=False)
    want = raw[raw["straat"].isin(["Witsenstraat", "Israëlsstraat"])]
    assert len(invitations) == len(want) == 122
    # reference order, written out: street by name, odd going up, even coming down
    ref = want.assign(n=want["huisnummer"].astype(int)).assign(
        side=lambda d: d["n"] % 2 == 0, walk=lambda d: np.where(d["n"] % 2 == 1, d["n"], -d["n"])
    )
    ref = ref.sort_values(
        ["straat", "side", "walk", "huisletter", "toevoeging"], key=lambda s: s.str.lower() if s.dtype == object else s
    )
    got = (invitations["street"] + " " + invitations["house_number"]).tolist()
    assert got == (ref["straat"] + " " + ref["huisnummer"] + ref["huisletter"]).tolist()
    assert invitations["postcode"].str.fullmatch(r"\d{4} [A-Z]{2}").all()
    assert not invitations.columns.str.contains("name|naam|person|member", case=False).any()


def test_csv_opens_in_dutch_excel(tmp_path: Path, invitations: pd.DataFrame) -> None:
    p = write_invitations(invitations, tmp_path / "invite.csv")
    data = p.read_bytes()
    assert data.startswith(b"\xef\xbb\xbforder;addressee;street;") and b"\r\n" in data
    back = pd.read_csv(p, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["line2"].tolist() == invitations["line2"].tolist()
    assert "Israëlsstraat" in back["street"].tolist()


def _plain(text: str) -> str:
    """Lower case without accents (OCR reads ë as é) and single spaces."""
    return " ".join(
        "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)).split()
    )


def _ocr_words(png: Path) -> pd.DataFrame:
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        need("tesseract", "apt-get install tesseract-ocr (as .ci/run does)")
    tsv = subprocess.run(
        [tesseract, str(png), "-", "--psm", "11", "tsv"], check=True, capture_output=True, text=True
    ).stdout
    words = pd.read_csv(io.StringIO(tsv), sep="\t", quoting=3, dtype={"text": str}, keep_default_na=False)
    return words[(words["conf"].astype(float) > 0) & (words["text"].str.strip() != "")]


def test_labels_read_back_in_a_3_by_8_grid(tmp_path: Path, invitations: pd.DataFrame) -> None:
    import pypdfium2 as pdfium

    pdf_path = write_labels(invitations, tmp_path / "invite.pdf")
    pdf = pdfium.PdfDocument(str(pdf_path))
    per_page = LABEL_COLUMNS * LABEL_ROWS
    assert len(pdf) == -(-len(invitations) // per_page) == 6
    page = pdf[0]
    assert round(page.get_width() / 72 * 25.4) == 210 and round(page.get_height() / 72 * 25.4) == 297  # A4
    png = tmp_path / "page1.png"
    page.render(scale=DPI / 72).to_pil().convert("L").save(png)
    words = _ocr_words(png)
    mm = 25.4 / DPI
    cx = (words["left"] + words["width"] / 2) * mm
    cy = (words["top"] + words["height"] / 2) * mm
    words = words.assign(col=(cx // LABEL_WIDTH_MM).astype(int), row=(cy // LABEL_HEIGHT_MM).astype(int))
    # the line each word sits on: the nearest of the label's three line centres
    top = (LABEL_HEIGHT_MM - 3 * LABEL_LINE_MM) / 2
    words["line"] = np.clip(np.round((cy - words["row"] * LABEL_HEIGHT_MM - top) / LABEL_LINE_MM - 0.5), 0, 2)
    exact = 0
    for i in range(per_page):
        col, row = i % LABEL_COLUMNS, i // LABEL_COLUMNS
        cell = words[(words["col"] == col) & (words["row"] == row)]
        for k, field in enumerate(("line1", "line2", "line3")):
            text = " ".join(cell[cell["line"] == k].sort_values("left")["text"])
            want = " ".join(invitations.loc[i, field].split())
            ratio = difflib.SequenceMatcher(None, _plain(text), _plain(want)).ratio()
            assert ratio > 0.8, (i, field, text, want)  # each line of each label in its place on the grid
            exact += _plain(text) == _plain(want)
    assert exact >= per_page * 3 * 9 // 10  # nearly every line reads back letter for letter
    # nothing outside the 3 x 8 cells' text lines
    assert words["col"].between(0, LABEL_COLUMNS - 1).all() and words["row"].between(0, LABEL_ROWS - 1).all()


def test_labels_of_long_and_non_latin_names(tmp_path: Path) -> None:
    inv = pd.DataFrame(
        {
            "line1": ["Aan de bewoners van"],
            "line2": ["Burgemeester Van Ketwich Verschuurlaan-Noordwestzijde 1234 bis"],
            "line3": ["9711 NV  Łódź"],
        }
    )
    import pypdfium2 as pdfium

    p = write_labels(inv, tmp_path / "long.pdf")
    text = pdfium.PdfDocument(str(p))[0].get_textpage().get_text_range()
    assert "Lódz" in text and "Noordwestzijde 1234 bis" in text  # wrapped, not cut


def test_empty_area_is_refused(bag: gpd.GeoDataFrame) -> None:
    with pytest.raises(bingeo.errors.InputError, match="area is empty"):
        invitation_list(shapely.Polygon(), bag)


def test_vancouver_address_at_two_points_gets_one_letter() -> None:
    require("real-data")
    pts = bingeo.read_points(REAL_DATA / "vancouver" / "vancouver_property_addresses_sample.csv.gz").points.to_crs(3005)
    area = shapely.box(1210500, 476000, 1211300, 476800)
    inv = invitation_list(area, pts)
    inside = pts[pts.geometry.within(area)]
    # reference: the distinct address strings inside (the file repeats some at different points)
    assert len(inv) == inside["address"].nunique() < len(inside)
    assert inv.attrs["notes"] and str(len(inside) - len(inv)) in inv.attrs["notes"][0]
    assert set(inv["line2"] + ", " + inv["line3"]) == set(inside["address"])
