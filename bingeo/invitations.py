"""Invitations to the information evening of a new BIN: the addresses (never persons) inside an area.

:func:`invitation_list` selects the address points an area covers and sorts them for delivery on foot:
street by street, each street walked up its odd side and back down its even side.
:func:`write_invitations` writes the mail-merge list (``;``-CSV, UTF-8 with BOM and CRLF, so Dutch and
Belgian Excel and Word open it as it is) and :func:`write_labels` a printable PDF of address labels
(A4, 3 × 8 labels of 70 × 37.125 mm, the common sheet of 24).
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo.addresses import ADDRESS_CANDIDATES, column_named, normalise_postcode
from bingeo.errors import InputError
from bingeo.streets import address_table

__all__ = [
    "invitation_list",
    "write_invitations",
    "write_labels",
    "INVITATION_COLUMNS",
    "ADDRESSEE",
    "LABEL_COLUMNS",
    "LABEL_ROWS",
    "LABEL_WIDTH_MM",
    "LABEL_HEIGHT_MM",
    "LABEL_PADDING_MM",
    "LABEL_FONT_SIZE",
    "LABEL_LINE_MM",
]

log = logging.getLogger(__name__)

#: Who a letter is addressed to: the residents, never a person.
ADDRESSEE = "Aan de bewoners van"
#: Columns of :func:`invitation_list`'s table (the mail-merge fields).
INVITATION_COLUMNS = ["order", "addressee", "street", "house_number", "postcode", "city", "line1", "line2", "line3"]
#: Labels per sheet across and down (A4: 3 × 8 = 24 labels of 70 × 37.125 mm).
LABEL_COLUMNS = 3
LABEL_ROWS = 8
LABEL_WIDTH_MM = 210.0 / LABEL_COLUMNS
LABEL_HEIGHT_MM = 297.0 / LABEL_ROWS
#: Margin inside each label (mm) that no text enters.
LABEL_PADDING_MM = 6.0
#: Largest font size (pt) on a label; a line too long for the label is set smaller (down to 7 pt).
LABEL_FONT_SIZE = 11.0
#: Height of one text line on a label (mm) at LABEL_FONT_SIZE: 1.3 × the font size (smaller fonts: in proportion).
LABEL_LINE_MM = LABEL_FONT_SIZE * 25.4 / 72 * 1.3
_MIN_FONT = 7.0
_NO_DECOMPOSITION = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "ı": "i", "Ħ": "H", "ħ": "h"}


def _postcode_text(value: Any) -> str | None:
    """Dutch postcodes as PostNL prints them (``9711 NV``); others as given."""
    code = normalise_postcode(value)
    if code and re.fullmatch(r"\d{4}[A-Z]{2}", code):
        return f"{code[:4]} {code[4:]}"
    return code


def invitation_list(
    area: Any,
    addresses: gpd.GeoDataFrame,
    *,
    addressee: str = ADDRESSEE,
    street_field: str | None = None,
    number_field: str | None = None,
) -> pd.DataFrame:
    """List the addresses inside ``area`` for an invitation, sorted for delivery on foot.

    Parameters
    ----------
    area : shapely geometry or GeoDataFrame/GeoSeries
        The area (a GeoDataFrame's polygons are united), in the addresses' CRS.
    addresses : GeoDataFrame
        Address points with street and house-number columns (or one full-address column), see
        :func:`bingeo.streets.address_table`; postcode and city columns are used when present.
    addressee : str
        The first line of every label (:data:`ADDRESSEE`): residents, never a named person.

    Returns
    -------
    DataFrame
        :data:`INVITATION_COLUMNS`: ``order`` (1, 2, ...), the address parts and the three label lines.
        Streets in alphabetical order (of their normalised names); on each street the odd numbers going
        up, then the even numbers coming back down (how one walks a street), letters and additions in order.
        An address at several points (Vancouver: parcels sharing one civic number) is listed once, and
        ``attrs["notes"]`` says how many were merged.

    Examples
    --------
    >>> import bingeo, pandas as pd, shapely
    >>> adr = bingeo.read_points("data/samples/addresses.csv", crs=28992).points
    >>> charter = pd.DataFrame({"straat": ["Witsenstraat"], "tot": ["6"]})
    >>> area = bingeo.network_from_streets(charter, adr, network_id="W").networks
    >>> inv = invitation_list(area, adr)
    >>> inv["house_number"].tolist(), inv.loc[0, "line3"]
    (['1', '3', '5', '6', '4', '2'], '9717 AM  Groningen')
    >>> len(invitation_list(shapely.box(0, 0, 1, 1), adr))
    0
    """
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        if area.crs is not None and addresses.crs is not None and not area.crs.equals(addresses.crs):
            area = area.to_crs(addresses.crs)
        area = shapely.union_all(np.asarray(area.geometry if isinstance(area, gpd.GeoDataFrame) else area))
    if area is None or shapely.is_empty(area):
        msg = "the area is empty: draw or choose an area with addresses inside."
        raise InputError(msg)
    cols = [c for c in addresses.columns if c != addresses.geometry.name]
    pc_col = column_named(cols, ADDRESS_CANDIDATES["postcode"])
    inside = np.flatnonzero(shapely.covers(area, addresses.geometry.to_numpy()))
    # only the addresses inside are parsed (a city's address file, a street's area)
    sub = address_table(addresses.iloc[inside], street_field=street_field, number_field=number_field)
    postcode = (
        addresses[pc_col].iloc[inside].map(_postcode_text).to_numpy(dtype=object)
        if pc_col is not None
        else np.full(len(sub), None, dtype=object)
    )
    number = sub["number"].fillna(-1).to_numpy(dtype=np.int64)
    odd = number % 2 == 1
    frame = pd.DataFrame(
        {
            "_street": sub["street_key"].fillna("").to_numpy(dtype=object),
            "_side": np.where(odd, 0, 1),
            "_walk": np.where(odd, number, -number),  # up the odd side, back down the even side
            "_suffix": sub["suffix"].to_numpy(dtype=object),
            "addressee": addressee,
            "street": sub["street"].to_numpy(dtype=object),
            "house_number": sub["house"].to_numpy(dtype=object),
            "_line": sub["line"].to_numpy(dtype=object),
            "postcode": postcode,
            "city": sub["city"].to_numpy(dtype=object),
        }
    )
    frame = frame.sort_values(["_street", "_side", "_walk", "_suffix"], kind="stable").reset_index(drop=True)
    # one letter per letterbox: an address at several points (parcels sharing a civic number) is listed once
    same = frame.duplicated(["_street", "_walk", "_suffix", "postcode", "city"])
    frame = frame[~same].reset_index(drop=True)
    frame["order"] = np.arange(1, len(frame) + 1)
    frame["line1"] = frame["addressee"]
    frame["line2"] = frame["_line"]
    frame["line3"] = [
        "  ".join(str(p) for p in (pc, c) if p) for pc, c in zip(frame["postcode"], frame["city"].fillna(""))
    ]
    out = frame[INVITATION_COLUMNS]
    out.attrs["notes"] = (
        [f"{int(same.sum())} address(es) found at more than one point are listed once (one letter per address)"]
        if same.any()
        else []
    )
    return out


def write_invitations(invitations: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the mail-merge list as ``;``-CSV, UTF-8 with BOM and CRLF (Excel and Word with a Dutch locale).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = write_invitations(pd.DataFrame({"street": ["Oosterstraat"], "house_number": ["12a"]}),
    ...                       pathlib.Path(tempfile.mkdtemp()) / "invite.csv")
    >>> p.read_bytes()
    b'\\xef\\xbb\\xbfstreet;house_number\\r\\nOosterstraat;12a\\r\\n'
    """
    from bingeo.readers import write_csv

    return write_csv(invitations, path, sep=";", encoding="utf-8-sig", lineterminator="\r\n")


def _latin1(text: str) -> str:
    """Text the PDF's standard fonts can set: accents outside Latin-1 dropped (ő → o, Ł → L), anything else '?'."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        out = []
        for ch in text:
            try:
                ch.encode("latin-1")
                out.append(ch)
            except UnicodeEncodeError:
                base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
                base = _NO_DECOMPOSITION.get(ch, base)
                out.append(base if base and base.isascii() else "?")
        return "".join(out)


def _fit(texts: list[str], pdf: Any, width: float) -> tuple[list[str], float, int]:
    """Return the label's lines, one font size at which they all fit, and 1 if a word had to be cut.

    The size goes down from :data:`LABEL_FONT_SIZE` to 7 pt; a line still too wide is wrapped between words
    (a long street name keeps its house number), a single word still too wide is cut.
    """
    size = LABEL_FONT_SIZE

    def fits(t: str) -> bool:
        return bool(pdf.get_string_width(t) <= width)

    pdf.set_font("Helvetica", size=size)
    while not all(fits(t) for t in texts) and size > _MIN_FONT:
        size -= 0.5
        pdf.set_font("Helvetica", size=size)
    out, cut = [], 0
    for text in texts:
        line = ""
        for word in text.split(" "):
            trial = f"{line} {word}" if line else word
            if fits(trial) or not line:
                line = trial
            else:
                out.append(line)
                line = word
        while not fits(line) and len(line) > 1:
            line, cut = line[:-1], 1
        out.append(line)
    return out, size, cut


def write_labels(invitations: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write printable address labels: A4 pages of :data:`LABEL_COLUMNS` × :data:`LABEL_ROWS` labels.

    Each label holds ``line1``, ``line2`` and ``line3`` of :func:`invitation_list`, in delivery order,
    left to right and top to bottom. Lines too wide for the label are set in a smaller font (down to
    7 pt), then wrapped between words. The PDF is made with fpdf2 and its standard Helvetica font (no font file needed).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> inv = pd.DataFrame({"line1": ["Aan de bewoners van"], "line2": ["Oosterstraat 12a"],
    ...                     "line3": ["9711 NV  Groningen"]})
    >>> p = write_labels(inv, pathlib.Path(tempfile.mkdtemp()) / "labels.pdf")
    >>> p.read_bytes()[:5]
    b'%PDF-'
    """
    try:
        from fpdf import FPDF
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        msg = "address labels need fpdf2: python3 -m pip install fpdf2"
        raise ImportError(msg) from exc
    from bingeo.readers import replacing

    missing = [c for c in ("line1", "line2", "line3") if c not in invitations.columns]
    if missing:
        msg = f"the invitation list has no column(s) {missing}: make it with `invitation_list`."
        raise InputError(msg)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creator("bingeo")
    per_page = LABEL_COLUMNS * LABEL_ROWS
    width = LABEL_WIDTH_MM - 2 * LABEL_PADDING_MM
    lines = (
        invitations[["line1", "line2", "line3"]]
        .astype(object)
        .where(invitations[["line1", "line2", "line3"]].notna(), "")
    )
    if len(lines) == 0:
        pdf.add_page()
    cut = 0
    for i, rec in enumerate(lines.itertuples(index=False)):
        if i % per_page == 0:
            pdf.add_page()
        col, row = i % LABEL_COLUMNS, (i % per_page) // LABEL_COLUMNS
        x0, y0 = col * LABEL_WIDTH_MM + LABEL_PADDING_MM, row * LABEL_HEIGHT_MM
        texts, size, cut_here = _fit([_latin1(str(t)) for t in rec if str(t)], pdf, width)
        cut += cut_here
        line_mm = LABEL_LINE_MM * size / LABEL_FONT_SIZE
        top = y0 + (LABEL_HEIGHT_MM - line_mm * len(texts)) / 2
        pdf.set_font("Helvetica", size=size)
        for k, text in enumerate(texts):
            pdf.set_xy(x0, top + k * line_mm)
            pdf.cell(width, line_mm, text)
    if cut:
        log.warning("%d label(s) hold a word wider than a label: cut at the label's edge", cut)
    with replacing(path) as tmp:
        pdf.output(str(tmp))
    return Path(path)
