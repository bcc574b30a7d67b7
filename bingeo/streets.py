"""Networks as streets: a charter's list of streets and house numbers to a polygon, and a polygon back to streets.

A BIN is agreed with residents and the police as "these streets, these house numbers". This module turns
such a list into a boundary around exactly those addresses (:func:`network_from_streets`) and any boundary
(a stored network, a proposed area) back into the list (:func:`streets_in_areas`), so that both directions
agree: streets → polygon → streets gives the same list.

* Street names are compared after :func:`normalise_street`: case, accents, punctuation and the usual
  abbreviations (``AV``/``AVE`` = avenue, ``ST`` = street or saint, ``Hoofdstr.`` = Hoofdstraat, ``bd`` =
  boulevard, ...).
* House numbers with letters or additions (``12a``, ``12-2``, ``12 bis``, BAG's huisletter + toevoeging)
  are read by :func:`parse_house_number` into a number (for the odd/even side and ranges) and a suffix.
* The polygon is the union of the selected addresses' Voronoi cells (among ALL addresses nearby), clipped
  to a buffered concave hull of the selected addresses. Every other address lies strictly inside its own
  cell, so none is inside the polygon, except an address at the very same point as a selected one (a corner
  building with entrances on two streets): those are listed in the result.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo._crs import to_metric
from bingeo.addresses import ADDRESS_CANDIDATES, column_named
from bingeo.errors import InputError

__all__ = [
    "normalise_street",
    "parse_house_number",
    "address_table",
    "read_charter",
    "select_addresses",
    "network_from_streets",
    "streets_in_areas",
    "FromStreetsResult",
    "STREET_COLUMNS",
    "CHARTER_COLUMNS",
    "SIDES",
    "BUFFER",
    "CONCAVE_RATIO",
    "CLOSE_MATCHES",
]

log = logging.getLogger(__name__)

#: Columns of a street list (:func:`streets_in_areas`'s output, :func:`read_charter`'s input).
STREET_COLUMNS = ["network_id", "street", "side", "from", "to", "addresses"]
#: Names recognised (case, accents, spaces and punctuation ignored) for each column of a charter.
CHARTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "network_id": ("network_id", "network", "netwerk", "bin", "bin_code", "code", "reseau", "id", "proposal_id"),
    "name": ("network_name", "name", "naam", "nom", "netwerknaam"),
    "street": ("street", "straat", "straatnaam", "openbare_ruimte", "rue", "street_name", "nom_de_rue", "voie"),
    "from": ("from", "van", "vanaf", "from_number", "huisnummer_van", "nr_van", "de", "du", "numero_de", "start"),
    "to": ("to", "tot", "tot_en_met", "tm", "t_m", "huisnummer_tot", "nr_tot", "a", "au", "jusqu_a", "numero_a"),
    "side": ("side", "zijde", "kant", "cote", "pariteit", "parity", "even_oneven"),
    "city": ("city", "woonplaats", "plaats", "gemeente", "commune", "localite"),
}
#: The sides of a street; the words read for each (Dutch, French, English).
SIDES: dict[str, tuple[str, ...]] = {
    "both": ("both", "beide", "beiden", "alle", "all", "les deux", "tous", "deux", "", "b"),
    "odd": ("odd", "oneven", "impair", "impairs", "impaire", "o", "i", "ungerade"),
    "even": ("even", "pair", "pairs", "paire", "e", "p", "gerade"),
}
#: Metres around the selected addresses that a polygon from streets reaches (its hull is buffered by this).
BUFFER = 20.0
#: ``ratio`` of :func:`shapely.concave_hull` around the selected addresses (0: tightest, 1: convex).
CONCAVE_RATIO = 0.3
#: How many close street names an unknown street name is shown with.
CLOSE_MATCHES = 3

# words replaced wherever they are a whole word; first/last-word rules below
_WORDS = {
    "av": "avenue",
    "ave": "avenue",
    "avn": "avenue",
    "blvd": "boulevard",
    "bd": "boulevard",
    "bld": "boulevard",
    "rd": "road",
    "hwy": "highway",
    "pl": "place",
    "sq": "square",
    "cres": "crescent",
    "ct": "court",
    "crt": "court",
    "pkwy": "parkway",
    "ln": "lane",
    "tce": "terrace",
    "terr": "terrace",
    "mews": "mews",
    "str": "straat",
    "burg": "burgemeester",
    "prof": "professor",
    "mr": "meester",
    "ir": "ingenieur",
    "gen": "generaal",
    "chee": "chaussee",
    "steenwg": "steenweg",
    "stwg": "steenweg",
}
_FIRST = {"st": "saint", "ste": "sainte", "dr": "doctor", "e": "east", "w": "west", "n": "north", "s": "south"}
_LAST = {"st": "street", "dr": "drive", "e": "east", "w": "west", "n": "north", "s": "south"}
_SUFFIXES = (("str", "straat"), ("pln", "plein"), ("ln", "laan"), ("wg", "weg"), ("stwg", "steenweg"))
_NUMBER = re.compile(r"^\s*(\d+)\s*(.*?)\s*$")
_LEADING_NUMBER = re.compile(r"^\s*(\d+[a-zA-Z]?(?:[-/]\d+)?)\s+(\D.*)$")
_TRAILING_NUMBER = re.compile(r"^(.*\D)\s+(\d+(?:\s*[a-zA-Z]{1,3}\b)?(?:\s*[-/]\s*\w+|\s+bus\s+\w+|\s+bis)?)\s*$")
_FULL_ADDRESS = ("address", "adres", "adresse", "full_address", "volledig_adres", "label")


def _missing(v: object) -> bool:
    """None, NaN or pandas' NA."""
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _plain(text: str) -> str:
    """Lower case without accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def normalise_street(name: object) -> str | None:
    """Return the key a street name is matched by: lower case, no accents, abbreviations written out.

    Examples
    --------
    >>> normalise_street("E 11TH AV") == normalise_street("East 11th Avenue")
    True
    >>> normalise_street("Hoofdstr.") == normalise_street("HOOFDSTRAAT")
    True
    >>> normalise_street("Av. de l'Étoile"), normalise_street("ST GEORGE ST"), normalise_street(None)
    ('avenue de l etoile', 'saint george street', None)
    """
    return None if _missing(name) else _normalise(str(name))


@functools.lru_cache(maxsize=1 << 16)
def _normalise(name: str) -> str | None:
    words = re.sub(r"[^0-9a-z]+", " ", _plain(name)).split()
    if not words:
        return None
    out = []
    for i, w in enumerate(words):
        if len(words) > 1 and i == 0 and w in _FIRST:
            w = _FIRST[w]
        elif len(words) > 1 and i == len(words) - 1 and w in _LAST:
            w = _LAST[w]
        elif w in _WORDS:
            w = _WORDS[w]
        else:
            for short, full in _SUFFIXES:
                if len(w) > len(short) + 2 and w.endswith(short):
                    w = w[: -len(short)] + full
                    break
        out.append(w)
    return " ".join(out)


def parse_house_number(value: object) -> tuple[int | None, str]:
    """Split a house number into its number and a normalised suffix (letter, addition).

    Returns ``(None, text)`` when there is no leading number.

    Examples
    --------
    >>> [parse_house_number(v) for v in ("12", "12a", "12 A", "12-2", "12 bis", "12A-3", "7 bus 2", None)]
    [(12, ''), (12, 'a'), (12, 'a'), (12, '-2'), (12, 'bis'), (12, 'a-3'), (7, 'bus 2'), (None, '')]
    """
    if _missing(value):
        return None, ""
    return _parse_number(str(value))


@functools.lru_cache(maxsize=1 << 16)
def _parse_number(value: str) -> tuple[int | None, str]:
    text = value.strip()
    if re.fullmatch(r"\d+\.0", text):  # a number column read as floats
        text = text[:-2]
    m = _NUMBER.match(text)
    if not m:
        return None, re.sub(r"\s+", " ", text.lower())
    suffix = re.sub(r"\s*([-/])\s*", r"\1", re.sub(r"\s+", " ", m.group(2).lower())).strip()
    return int(m.group(1)), suffix


def house_label(number: int | None, suffix: str) -> str:
    """Write a house number back: ``12``, ``12a``, ``12-2``, ``12 bis``."""
    if number is None:
        return suffix
    if not suffix:
        return str(number)
    first = suffix.split(" ")[0].split("-")[0].split("/")[0]
    glued = suffix[0] in "-/" or (len(first) == 1 and first.isalpha())
    return f"{number}{suffix}" if glued else f"{number} {suffix}"


def address_table(
    addresses: gpd.GeoDataFrame, *, street_field: str | None = None, number_field: str | None = None
) -> gpd.GeoDataFrame:
    """Return the addresses with ``street``, ``street_key``, ``number``, ``suffix``, ``house``, ``city``, ``line``.

    ``line`` is the street and house number in the order the source writes them (``1 ALEXANDER ST``,
    ``Oosterstraat 12a``).

    Street and house-number columns are found by the names of
    :data:`bingeo.addresses.ADDRESS_CANDIDATES` (BAG's ``huisletter`` and ``toevoeging`` are added to the
    number); without them a full-address column (``address``, ``adres``, ``adresse``) is split into
    number and street (``1 ALEXANDER ST, VANCOUVER, BC`` and ``Oosterstraat 12a, Groningen`` alike). The
    input is not changed; rows keep its index.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame({"address": ["10 E 11TH AV, VANCOUVER, BC", "Oosterstraat 12a"]},
    ...     geometry=gpd.points_from_xy([0, 1], [0, 1]), crs=3005)
    >>> address_table(pts)[["street", "house", "number", "city"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'street': 'E 11TH AV', 'house': '10', 'number': 10, 'city': 'VANCOUVER, BC'},
     {'street': 'Oosterstraat', 'house': '12a', 'number': 12, 'city': None}]
    """
    cols = [c for c in addresses.columns if c != addresses.geometry.name]
    st = street_field or column_named(cols, ADDRESS_CANDIDATES["street"] + ("street_name", "streetname"), loose=True)
    nr = number_field or column_named(
        cols, ADDRESS_CANDIDATES["house_number"] + ("civic_number", "huis_nr"), loose=True
    )
    for given, what in ((street_field, "street"), (number_field, "house number")):
        if given is not None and given not in addresses.columns:
            msg = f"the addresses have no column {given!r} for the {what}. Columns: {', '.join(map(str, cols))}."
            raise InputError(msg)
    city_col = column_named(cols, ADDRESS_CANDIDATES["city"], loose=True)
    city = addresses[city_col].astype(object).where(addresses[city_col].notna(), None) if city_col else None
    if st is not None and nr is not None:
        streets = addresses[st].astype(object).where(addresses[st].notna(), None).map(_strip)
        raw = (
            addresses[nr]
            .astype(object)
            .where(addresses[nr].notna(), None)
            .map(lambda v: None if v is None else str(v).strip().removesuffix(".0"))
        )
        letter = column_named(cols, ADDRESS_CANDIDATES["house_letter"], loose=True)
        addition = column_named(cols, ADDRESS_CANDIDATES["addition"], loose=True)
        parts = [raw]
        if letter is not None:
            parts.append(addresses[letter].map(lambda v: "" if _strip(v) is None else str(v).strip()))
        if addition is not None:
            parts.append(addresses[addition].map(lambda v: "" if _strip(v) is None else "-" + str(v).strip()))
        numbers = [None if p[0] is None else "".join(map(str, p)) for p in zip(*parts)]
        number_first = [False] * len(addresses)
    else:
        full = column_named(cols, _FULL_ADDRESS, loose=True)
        if full is None:
            msg = (
                "the addresses have no street and house-number columns (looked for "
                f"{', '.join(ADDRESS_CANDIDATES['street'][:4])} and "
                f"{', '.join(ADDRESS_CANDIDATES['house_number'][:3])})"
                f" and no full-address column ({', '.join(_FULL_ADDRESS[:3])}). Columns: {', '.join(map(str, cols))}. "
                "Name them with `--street-field` and `--number-field`."
            )
            raise InputError(msg)
        split = [_split_address(v) for v in addresses[full].tolist()]
        streets = pd.Series([s[0] for s in split], index=addresses.index, dtype=object)
        numbers = [s[1] for s in split]
        number_first = [_LEADING_NUMBER.match(str(v)) is not None for v in addresses[full].tolist()]
        if city is None:
            city = pd.Series([s[2] for s in split], index=addresses.index, dtype=object)
    parsed = [parse_house_number(v) for v in numbers]
    houses = [house_label(*p) if v is not None else None for p, v in zip(parsed, numbers)]
    out = gpd.GeoDataFrame(
        {
            "street": streets.to_numpy(dtype=object),
            "street_key": [normalise_street(s) for s in streets],
            "number": pd.array([p[0] for p in parsed], dtype="Int64"),
            "suffix": [p[1] for p in parsed],
            "house": houses,
            "city": None if city is None else city.to_numpy(dtype=object),
            # the street line as the source writes it: number first (1 ALEXANDER ST) or after (Oosterstraat 12a)
            "line": [
                " ".join(str(p) for p in ((h, s) if first else (s, h)) if p)
                for s, h, first in zip(streets, houses, number_first)
            ],
        },
        geometry=addresses.geometry.to_numpy(),
        crs=addresses.crs,
        index=addresses.index,
    )
    out["city"] = out["city"].astype(object).where(out["city"].notna(), None)
    return out


def _strip(v: object) -> str | None:
    if _missing(v):
        return None
    text = str(v).strip()
    return text or None


def _split_address(value: object) -> tuple[str | None, str | None, str | None]:
    """``1 ALEXANDER ST, VANCOUVER, BC`` → (street, number, city); the number before or after the street."""
    text = _strip(value)
    if text is None:
        return None, None, None
    first, _, rest = text.partition(",")
    city = rest.strip() or None
    m = _LEADING_NUMBER.match(first)
    if m:
        return m.group(2).strip(), m.group(1), city
    m = _TRAILING_NUMBER.match(first)
    if m:
        return m.group(1).strip(), m.group(2), city
    return first.strip() or None, None, city


def _side(value: object, row: int, source: str) -> str:
    text = "" if _strip(value) is None else re.sub(r"\s+", " ", _plain(str(value)).strip())
    for side, words in SIDES.items():
        if text in words:
            return side
    msg = (
        f"{source}: row {row}: side {str(value)!r} is not one of odd, even, both "
        "(oneven/even/beide, impair/pair/les deux). Write one of those."
    )
    raise InputError(msg)


def read_charter(
    source: str | pd.DataFrame, *, network_id: str | None = None, fields: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read a charter's list of streets into ``network_id``, ``name``, ``street``, ``side``, ``from``, ``to``.

    Columns are found by their English, Dutch or French names (:data:`CHARTER_COLUMNS`; ``fields``
    overrides, e.g. ``{"street": "Straatnaam"}``); a text file's separator and encoding are sniffed as for
    every bingeo table. A list without a network column is one network: ``network_id`` names it.
    An empty side is both sides; an empty ``from``/``to`` is open-ended.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"Straat": ["Oosterstraat", "Gelkingestraat"], "Van": ["1", ""], "Tot": ["21", ""],
    ...                    "Zijde": ["oneven", ""]})
    >>> read_charter(df, network_id="GR-NEW-1")[["network_id", "street", "side", "from", "to"]].values.tolist()
    [['GR-NEW-1', 'Oosterstraat', 'odd', '1', '21'], ['GR-NEW-1', 'Gelkingestraat', 'both', None, None]]
    """
    if isinstance(source, pd.DataFrame):
        raw, label = source.astype(object).where(source.notna(), None), "<streets>"
    else:
        raw, label = _read_table(source), str(source)
    given = dict(fields or {})
    cols: dict[str, Any] = {}
    for role, names in CHARTER_COLUMNS.items():
        if role in given:
            if given[role] not in raw.columns:
                msg = f"{label}: no column {given[role]!r} for the {role}. Columns: {', '.join(map(str, raw.columns))}."
                raise InputError(msg)
            cols[role] = given[role]
        else:
            cols[role] = column_named(raw.columns, names, loose=True)
    if cols["street"] is None:
        msg = (
            f"{label}: no street column (looked for {', '.join(CHARTER_COLUMNS['street'][:4])}). "
            f"Columns: {', '.join(map(str, raw.columns))}. Rename it or name it with `--field street=COLUMN`."
        )
        raise InputError(msg)
    if cols["network_id"] is None and network_id is None:
        msg = (
            f"{label}: no network column (looked for {', '.join(CHARTER_COLUMNS['network_id'][:4])}); "
            "give the new network's id with `--network-id`."
        )
        raise InputError(msg)
    rows = []
    for i, rec in enumerate(raw.to_dict("records"), start=2):  # row 1 is the header
        street = _strip(rec[cols["street"]])
        if street is None:
            if any(_strip(v) is not None for v in rec.values()):
                msg = f"{label}: row {i} has no street name. Fill it in or delete the row."
                raise InputError(msg)
            continue
        nid = _strip(rec[cols["network_id"]]) if cols["network_id"] is not None else None
        if nid is None:
            if network_id is None:
                msg = f"{label}: row {i} ({street}) has no network id. Fill it in, or give `--network-id`."
                raise InputError(msg)
            nid = network_id
        ends = {}
        for end in ("from", "to"):
            v = _strip(rec[cols[end]]) if cols[end] is not None else None
            if v is not None and parse_house_number(v)[0] is None:
                msg = f"{label}: row {i} ({street}): {end!r} {v!r} is not a house number. Write e.g. 12 or 12a."
                raise InputError(msg)
            ends[end] = v
        if ends["from"] and ends["to"] and parse_house_number(ends["from"]) > parse_house_number(ends["to"]):
            msg = f"{label}: row {i} ({street}): 'from' {ends['from']} is after 'to' {ends['to']}. Swap them."
            raise InputError(msg)
        rows.append(
            {
                "network_id": nid,
                "name": _strip(rec[cols["name"]]) if cols["name"] is not None else None,
                "street": street,
                "side": _side(rec[cols["side"]] if cols["side"] is not None else None, i, label),
                "from": ends["from"],
                "to": ends["to"],
                "city": _strip(rec[cols["city"]]) if cols["city"] is not None else None,
                "row": i,
            }
        )
    if not rows:
        msg = f"{label}: no streets listed. Fill in at least one row with a street name."
        raise InputError(msg)
    out = pd.DataFrame(rows)
    return out.astype(object).where(out.notna(), None)


def _read_table(path: str) -> pd.DataFrame:
    from pathlib import Path

    from bingeo.readers.sheets import read_sheet_table
    from bingeo.readers.sources import Notes, check_source, read_text_table

    p = check_source(path)
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"):
        frame, bad, _, _ = read_sheet_table(
            Path(p), str(path), sheet=None, notes=Notes(str(path)), wanted=_names_street, what="a street column"
        )
    else:
        frame, bad, _ = read_text_table(
            Path(p), str(path), sep=None, encoding=None, member=None, notes=Notes(str(path))
        )
    if bad:
        rows = sorted(bad)[:5]
        msg = f"{path}: {len(bad)} row(s) have the wrong number of fields (rows {[r + 2 for r in rows]}). Fix them."
        raise InputError(msg)
    return frame.astype(object).where(frame.notna(), None)


def _names_street(names: list[str]) -> bool:
    """Whether a header row names a street column (the sheet of a workbook that holds the street list)."""
    return column_named(names, CHARTER_COLUMNS["street"], loose=True) is not None


def _in_range(number: Any, suffix: Any, lo: tuple[int, str] | None, hi: tuple[int, str] | None) -> bool:
    if lo is not None and (number, suffix if lo[1] else "") < lo:
        return False
    return not (hi is not None and (number, suffix if hi[1] else "") > hi)


def select_addresses(charter: pd.DataFrame, table: gpd.GeoDataFrame) -> tuple[pd.Series, list[dict[str, Any]]]:
    """Return the network id each address of ``table`` (:func:`address_table`) is listed under, and the misses.

    The Series holds None for addresses no charter row lists. Each miss is a charter row whose street is
    unknown or whose numbers/side hold no address: a dict with ``row``, ``network_id``, ``street``,
    ``reason`` and ``close`` (similar street names of the addresses, by :mod:`difflib`). An address listed
    by two networks stays with the first.
    """
    chosen = pd.Series([None] * len(table), index=table.index, dtype=object)
    keys = table["street_key"].to_numpy(dtype=object)
    numbers = table["number"].to_numpy(dtype=object)
    suffixes = table["suffix"].to_numpy(dtype=object)
    cities = None if table["city"].isna().all() else table["city"].map(normalise_street).to_numpy(dtype=object)
    by_key: dict[str, np.ndarray] = {
        k: np.asarray(v) for k, v in pd.Series(np.arange(len(table))).groupby(pd.Series(keys)).groups.items()
    }
    spelled = pd.Series(table["street"].to_numpy(dtype=object), index=keys).dropna()
    spelled = spelled[~spelled.index.duplicated()]
    misses = []
    for rec in charter.to_dict("records"):
        key = normalise_street(rec["street"])
        pos = by_key.get(key, np.empty(0, dtype=np.int64)) if key is not None else np.empty(0, dtype=np.int64)
        if len(pos) and cities is not None and rec.get("city"):
            pos = pos[cities[pos] == normalise_street(rec["city"])]
        lo = parse_house_number(rec["from"]) if rec["from"] else None
        hi = parse_house_number(rec["to"]) if rec["to"] else None
        keep = []
        for p in pos:
            n = numbers[p]
            if n is None or n is pd.NA:
                if lo is None and hi is None and rec["side"] == "both":
                    keep.append(p)
                continue
            if rec["side"] == "odd" and n % 2 == 0 or rec["side"] == "even" and n % 2 == 1:
                continue
            if _in_range(int(n), suffixes[p], lo, hi):
                keep.append(p)
        if not keep:
            if len(pos) == 0:
                close = difflib.get_close_matches(key or "", list(spelled.index), n=CLOSE_MATCHES, cutoff=0.6)
                reason = "street not found among the addresses"
                close_names = [str(spelled[c]) for c in close]
            else:
                reason = "no address with these numbers on this side"
                close_names = []
            misses.append(
                {"row": rec.get("row"), "network_id": rec["network_id"], "street": rec["street"], "reason": reason}
                | {"close": close_names}
            )
            continue
        idx = np.asarray(keep)
        free = idx[pd.isna(chosen.iloc[idx]).to_numpy()]
        chosen.iloc[free] = rec["network_id"]
    return chosen, misses


@dataclass
class FromStreetsResult:
    """Networks built from street lists.

    Attributes
    ----------
    networks : geopandas.GeoDataFrame
        ``network_id``, ``name``, ``addresses`` (listed addresses inside), ``foreign`` (other addresses inside)
        and the polygon, in the addresses' CRS.
    foreign : pandas.DataFrame
        The addresses of other streets (or numbers) inside a polygon: ``network_id``, ``street``, ``house``,
        ``reason``.
    misses : list of dict
        Charter rows that matched no address (``row``, ``network_id``, ``street``, ``reason``, ``close``).
    notes : list of str
    """

    networks: gpd.GeoDataFrame
    foreign: pd.DataFrame
    misses: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Say per network how many addresses it holds, which foreign ones are inside and what was not found."""
        lines = []
        for r in self.networks.itertuples():
            lines.append(f"  - {r.network_id}: {r.addresses} addresses, {r.area_m2 / 1e4:,.2f} ha")
        if len(self.foreign):
            lines.append(
                f"{len(self.foreign)} address(es) not listed lie inside (at the same point as a listed address: "
                "unavoidable without cutting that building):"
            )
            for r in self.foreign.head(20).itertuples():
                lines.append(f"  - {r.network_id}: {r.street} {r.house}")
        else:
            lines.append("No address that is not listed lies inside.")
        for m in self.misses:
            hint = f" (did you mean {', '.join(m['close'])}?)" if m["close"] else " (check the spelling)"
            lines.append(f"NOT FOUND row {m['row']} of {m['network_id']}: {m['street']}: {m['reason']}{hint}")
        return "\n".join(self.notes + lines)


def _region(xy: np.ndarray, buffer: float, ratio: float) -> Any:
    pts = shapely.multipoints(xy)
    hull = shapely.concave_hull(pts, ratio=ratio) if len(xy) > 2 else shapely.convex_hull(pts)
    return shapely.buffer(hull, buffer)


def _cells_polygon(all_xy: np.ndarray, all_sel: np.ndarray, region: Any) -> Any:
    """Union of the Voronoi cells of the selected locations (among all locations in ``region``) ∩ ``region``."""
    if len(all_xy) == 1:
        return region
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(all_xy), extend_to=shapely.envelope(region), ordered=True)
    )
    pick = np.flatnonzero(all_sel)
    if len(cells) != len(all_xy):  # GEOS dropped a location (closer than its tolerance): cell by point lookup
        which = shapely.STRtree(cells).query(shapely.points(all_xy[pick]), predicate="intersects")
        pick = np.unique(which[1])  # a dropped location shares its neighbour's cell (checked as foreign later)
    # Voronoi cells share their edges exactly: a coverage, united much faster than by a general union
    chosen = shapely.coverage_union_all(cells[pick])
    return shapely.make_valid(shapely.intersection(chosen, region))


def _polygonal(g: Any) -> Any:
    parts = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) in (3, 6)]
    return shapely.multipolygons(shapely.get_parts(parts)) if parts else shapely.MultiPolygon()


def network_from_streets(
    charter: pd.DataFrame | str,
    addresses: gpd.GeoDataFrame,
    *,
    network_id: str | None = None,
    buffer: float = BUFFER,
    ratio: float = CONCAVE_RATIO,
    street_field: str | None = None,
    number_field: str | None = None,
) -> FromStreetsResult:
    """Build a polygon per network around exactly the addresses its list of streets names.

    Parameters
    ----------
    charter : DataFrame or str
        A list of streets (:func:`read_charter`'s output, or a file it reads).
    addresses : GeoDataFrame
        Address points with street and house-number columns (or a full-address column); in degrees they are
        worked on in a metric CRS and the polygons returned in the addresses' CRS.
    network_id : str, optional
        The id of a list without a network column.
    buffer : float
        Metres the polygon reaches beyond the outer addresses (:data:`BUFFER`).
    ratio : float
        Concavity of the hull the polygon is clipped to (:data:`CONCAVE_RATIO`).

    Returns
    -------
    FromStreetsResult

    Notes
    -----
    Per network the listed addresses are selected (:func:`select_addresses`). Every address location
    within ``buffer`` of their concave hull gets its Voronoi cell; the polygon is the union of the listed
    locations' cells, clipped to the buffered hull. A Voronoi cell holds only its own point, so an address
    that is not listed is never inside, unless it shares the exact point of a listed one (then it is in
    ``foreign``). Inclusion is checked afterwards by a point-in-polygon test of every address.

    Examples
    --------
    >>> import bingeo, pandas as pd
    >>> adr = bingeo.read_points("data/samples/addresses.csv", crs=28992).points
    >>> charter = pd.DataFrame({"straat": ["Witsenstraat"], "van": ["1"], "tot": ["21"], "zijde": ["oneven"]})
    >>> res = network_from_streets(charter, adr, network_id="GR-NEW-1")
    >>> res.networks[["network_id", "addresses", "foreign"]].values.tolist(), len(res.foreign), res.misses
    ([['GR-NEW-1', 11, 0]], 0, [])
    """
    table_in = charter
    if not isinstance(charter, pd.DataFrame) or not {"side", "row"} <= set(charter.columns):  # not read_charter's yet
        table_in = read_charter(charter, network_id=network_id)
    if len(addresses) == 0:
        msg = "no addresses given: a network from streets needs the address points."
        raise InputError(msg)
    metric, note = to_metric(addresses, what="the addresses")
    table = address_table(metric, street_field=street_field, number_field=number_field).reset_index(drop=True)
    chosen, misses = select_addresses(table_in, table)
    xy = shapely.get_coordinates(table.geometry.to_numpy())
    locs, loc_of = np.unique(np.round(xy, 3), axis=0, return_inverse=True)
    loc_of = loc_of.ravel()
    tree = shapely.STRtree(shapely.points(locs))
    names = table_in.groupby("network_id", sort=False)["name"].first()
    rows, foreign = [], []
    listed = {k: np.asarray(v) for k, v in pd.Series(np.arange(len(chosen))).groupby(chosen.to_numpy()).groups.items()}
    for nid in pd.unique(table_in["network_id"]):
        sel = np.sort(listed.get(nid, np.empty(0, dtype=np.int64)))
        if len(sel) == 0:
            continue
        sel_locs = np.unique(loc_of[sel])
        region = _region(locs[sel_locs], buffer, ratio)
        near = np.sort(tree.query(region, predicate="intersects"))
        geom = _polygonal(_cells_polygon(locs[near], np.isin(near, sel_locs), region))
        inside = np.flatnonzero(np.isin(loc_of, near[shapely.covers(geom, shapely.points(locs[near]))]))
        extra = np.setdiff1d(inside, sel)
        for p in extra:
            foreign.append({"network_id": nid, "street": table.at[p, "street"], "house": table.at[p, "house"]})
        lost = np.setdiff1d(sel, inside)
        if len(lost):  # cannot happen with exact arithmetic; said if floating point ever loses one
            misses.append(
                {"row": None, "network_id": nid, "street": f"{len(lost)} listed address(es)", "reason": "outside"}
                | {"close": []}
            )
        rows.append(
            {
                "network_id": nid,
                "name": names.get(nid) or nid,
                "addresses": len(sel),
                "foreign": len(extra),
                "area_m2": float(shapely.area(geom)),
                "geometry": geom,
            }
        )
    nets = gpd.GeoDataFrame(
        rows or None, columns=["network_id", "name", "addresses", "foreign", "area_m2", "geometry"], crs=metric.crs
    )
    if len(nets) and metric.crs != addresses.crs:
        nets = nets.to_crs(addresses.crs)
    fr = pd.DataFrame(foreign, columns=["network_id", "street", "house"])
    fr["reason"] = "same point as a listed address"
    return FromStreetsResult(nets, fr, misses, [note] if note else [])


def _runs(inside: np.ndarray) -> list[tuple[int, int]]:
    """Start and end positions of the runs of True."""
    padded = np.concatenate([[False], inside, [False]]).astype(np.int8)
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1))


def _street_rows(group: pd.DataFrame, held: np.ndarray) -> list[dict[str, Any]]:
    """Return the rows of one street: whole street, whole sides, or runs of house numbers per side."""
    if held.all():
        return [{"side": "both", "from": None, "to": None, "addresses": int(held.sum())}]
    rows = []
    numbered = group["number"].notna().to_numpy()
    num = group["number"].fillna(0).to_numpy(dtype=np.int64)
    for side, parity in (("odd", 1), ("even", 0)):
        on = numbered & (num % 2 == parity)
        if not (held & on).any():
            continue
        sub = group[on].assign(_held=held[on]).sort_values(["number", "suffix"], kind="stable")
        h = sub["_held"].to_numpy()
        if h.all():
            rows.append({"side": side, "from": None, "to": None, "addresses": int(h.sum())})
            continue
        houses = sub["house"].to_numpy(dtype=object)
        n, sx = sub["number"].to_numpy(dtype=np.int64), sub["suffix"].to_numpy(dtype=object)
        for a, b in _runs(h):
            # a range reads back with every address of its end numbers: 'to 20' takes 20a, and an address at
            # two points takes both; said when the area holds only some of them
            loose = (b + 1 < len(h) and n[b + 1] == n[b] and (sx[b] == "" or sx[b + 1] == sx[b])) or (
                a > 0 and n[a - 1] == n[a] and sx[a - 1] == sx[a]
            )
            rows.append(
                {"side": side, "from": houses[a], "to": houses[b], "addresses": int(b - a + 1)} | {"_loose": loose}
            )
    return rows


def streets_in_areas(
    areas: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    *,
    id_field: str = "network_id",
    street_field: str | None = None,
    number_field: str | None = None,
) -> pd.DataFrame:
    """List per area the streets and house-number ranges it holds, as a BIN charter lists them.

    A street all of whose addresses are inside is one row with side ``both`` and no range; otherwise each
    side (odd, even) with all its addresses inside is one row, and a side partly inside gives one row per
    run of consecutive house numbers of that side (by the street's own addresses: ``1``–``11`` holds every
    odd address of the street from 1 to 11, however numbered). Reading the list back
    (:func:`network_from_streets`) selects the same addresses.

    Parameters
    ----------
    areas : GeoDataFrame
        Polygons with an id column (``id_field``): stored networks, or proposals (``proposal_id``).
    addresses : GeoDataFrame
        Address points in the same CRS.

    Returns
    -------
    DataFrame
        :data:`STREET_COLUMNS` (``network_id`` holds the area's id), sorted by area, street, side, number.

    Examples
    --------
    >>> import bingeo, pandas as pd
    >>> adr = bingeo.read_points("data/samples/addresses.csv", crs=28992).points
    >>> charter = pd.DataFrame({"straat": ["Witsenstraat"], "van": ["1"], "tot": ["21"], "zijde": ["oneven"]})
    >>> nets = network_from_streets(charter, adr, network_id="GR-NEW-1").networks
    >>> streets_in_areas(nets, adr).values.tolist()
    [['GR-NEW-1', 'Witsenstraat', 'odd', '1', '21', 11]]
    """
    from bingeo._crs import check_same_crs

    if id_field not in areas.columns:
        msg = f"the areas have no id column {id_field!r}. Columns: {', '.join(map(str, areas.columns))}."
        raise InputError(msg)
    check_same_crs(areas.crs, addresses.crs, left="the areas", right="the addresses")
    table = address_table(addresses, street_field=street_field, number_field=number_field).reset_index(drop=True)
    pts = table.geometry.to_numpy()
    pos, which = areas.reset_index(drop=True).sindex.query(pts, predicate="covered_by")
    ids = areas[id_field].to_numpy(dtype=object)
    keys = table["street_key"].fillna("").to_numpy(dtype=object)
    group_of = pd.factorize(keys)[0]
    by_group = np.argsort(group_of, kind="stable")
    starts = np.searchsorted(group_of[by_group], np.arange(group_of.max(initial=-1) + 2))
    by_area = np.argsort(which, kind="stable")
    cuts = np.searchsorted(which[by_area], np.arange(len(areas) + 1))
    numbered = table["number"].notna().to_numpy()
    out, nameless, unnumbered, loose = [], 0, 0, 0
    for a in range(len(areas)):
        held_pos = pos[by_area[cuts[a] : cuts[a + 1]]]
        for g in np.unique(group_of[held_pos]):
            members = by_group[starts[g] : starts[g + 1]]
            held = np.isin(members, held_pos)
            if keys[members[0]] == "":
                nameless += int(held.sum())
                continue
            group = table.iloc[members]
            name = group["street"].dropna().mode()
            rows = _street_rows(group, held)
            if not held.all():
                unnumbered += int((held & ~numbered[members]).sum())
            for r in rows:
                loose += bool(r.pop("_loose", False))
                out.append({"network_id": ids[a], "street": str(name.iloc[0]), "_s": keys[members[0]]} | r)
    frame = pd.DataFrame(out, columns=[*STREET_COLUMNS, "_s"])
    if len(frame):
        order = frame.assign(
            _side=frame["side"].map({"both": 0, "odd": 1, "even": 2}),
            _n=frame["from"].map(lambda v: parse_house_number(v) if v else (-1, "")),
        ).sort_values(["network_id", "_s", "_side", "_n"], kind="stable")
        frame = frame.loc[order.index].reset_index(drop=True)
    frame = frame[STREET_COLUMNS]
    notes = []
    if nameless:
        notes.append(f"{nameless} address(es) inside have no street name: not listed (fill in their street)")
    if unnumbered:
        notes.append(
            f"{unnumbered} address(es) without a house number lie on a street only partly inside: a range cannot "
            "name them (they are listed only with a whole street)"
        )
    if loose:
        notes.append(
            f"{loose} range(s) end at a house number the area holds only partly (20 but not 20a, or one of two "
            "points of an address): read back, the range takes all of that number"
        )
    frame.attrs["notes"] = notes
    return frame
