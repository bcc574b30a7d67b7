"""Address points for the store: the key that members are located by (postcode + house number)."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from bingeo.errors import InputError

log = logging.getLogger(__name__)

__all__ = [
    "addresses_for_store",
    "column_named",
    "household_column",
    "households_per_address",
    "ADDRESS_CANDIDATES",
    "HOUSEHOLD_FIELDS",
]

#: Columns (case-insensitive, in order of preference) holding the number of households at an address.
HOUSEHOLD_FIELDS = ("households", "huishoudens", "aantal_huishoudens", "hh", "menages", "ménages")

#: Address columns recognised (case-insensitively) for each store field, in order of preference.
ADDRESS_CANDIDATES: dict[str, tuple[str, ...]] = {
    "address_id": ("address_id", "adres_id", "adresid", "identificatie", "nummeraanduiding_id", "id"),
    "street": ("street", "straat", "straatnaam", "openbare_ruimte", "openbare_r", "rue"),
    "house_number": ("house_number", "huisnummer", "huisnr", "number", "numero"),
    "house_letter": ("house_letter", "huisletter"),
    "addition": ("addition", "toevoeging", "huisnummertoevoeging", "bus"),
    "postcode": ("postcode", "postal_code", "zip", "code_postal"),
    "city": ("city", "woonplaats", "plaats", "gemeente", "commune"),
    "households": HOUSEHOLD_FIELDS,  # the names counts, coverage and propose read
}


def column_named(columns: Iterable[Any], names: Iterable[str], *, loose: bool = False) -> Any:
    """Return the column found by one of ``names`` (tried in their order), in any case; None when none is there.

    The one rule by which every workflow finds a column it was not told: names are matched in any case, and of two
    columns with the same name in another case the first wins. ``loose`` also ignores accents and reads any run
    of other characters as ``_`` (``Huis nr.`` is ``huis_nr``).

    Examples
    --------
    >>> column_named(["Straat", "straat", "Huisnummer"], ("street", "straat"))
    'Straat'
    >>> column_named(["Huis nr."], ("huis_nr",), loose=True)
    'Huis nr.'
    """
    found: dict[str, Any] = {}
    for column in columns:
        key = str(column).lower()
        if loose:
            key = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
            key = re.sub(r"[^0-9a-z]+", "_", key).strip("_")
        found.setdefault(key, column)
    return next((found[name] for name in names if name in found), None)


def household_column(addresses: pd.DataFrame, households_field: str | None = None) -> str | None:
    """Return the column with households per address: ``households_field``, else a :data:`HOUSEHOLD_FIELDS` name.

    The one rule of ``counts``, ``coverage`` and ``propose``; None when the addresses have no such column (each
    address then counts as one household).

    Examples
    --------
    >>> import pandas as pd
    >>> household_column(pd.DataFrame({"straat": ["A"], "Huishoudens": [2]}))
    'Huishoudens'
    """
    if households_field is not None:
        if households_field not in addresses.columns:
            columns = ", ".join(map(str, addresses.columns))
            msg = f"no households column {households_field!r} in the addresses. Columns: {columns}."
            raise InputError(msg)
        return households_field
    col = column_named(addresses.columns, HOUSEHOLD_FIELDS)
    return None if col is None else str(col)


def households_per_address(addresses: pd.DataFrame, households_field: str | None = None) -> np.ndarray:
    """Households of each address: its households column (missing values count 1), else 1 per address.

    The one rule of every workflow that counts households (coverage, counts, regions, propose, hot spots per
    household, plan, risk). A negative value is an error naming the column, the number of such rows and the first.

    Examples
    --------
    >>> import pandas as pd
    >>> households_per_address(pd.DataFrame({"huishoudens": [3, None, 0]})).tolist()
    [3.0, 1.0, 0.0]
    >>> households_per_address(pd.DataFrame({"straat": ["A", "B"]})).tolist()
    [1.0, 1.0]
    """
    col = household_column(addresses, households_field)
    if col is None:
        log.info("no households column in the addresses: counting 1 household per address")
        return np.ones(len(addresses))
    values = pd.to_numeric(addresses[col], errors="coerce").to_numpy(dtype=float)
    negative = np.flatnonzero(values < 0)
    if len(negative):
        first = int(negative[0]) + 1
        if "source_row" in addresses.columns:  # rows read from a file: the file's data record number
            first = int(addresses["source_row"].iloc[negative[0]])
        rows = f"{len(negative)} rows, the first is row {first}" if len(negative) > 1 else f"row {first}"
        msg = (
            f"addresses column {col!r} has negative households ({rows}). "
            "Fix those values, or name another column with `households_field`."
        )
        raise InputError(msg)
    missing = int(np.isnan(values).sum())
    if missing:
        log.info("%d addresses without a usable households value in %r count as 1 household", missing, col)
    return np.where(np.isnan(values), 1.0, values)


def normalise_postcode(value: object) -> str | None:
    """Dutch/Belgian postcode without spaces, upper case (``9712 ab`` → ``9712AB``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = re.sub(r"\s+", "", str(value)).upper()
    return text or None


def addresses_for_store(
    points: gpd.GeoDataFrame, *, fields: Mapping[str, str] | None = None, source: str = "addresses"
) -> gpd.GeoDataFrame:
    """Map address points to the store's address columns.

    Columns are found by the names in :data:`ADDRESS_CANDIDATES` (``fields``
    overrides). Without an id column the key is ``postcode``, house number,
    letter and addition (``9712AB 12 a``), so that re-importing updates.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame({"straat": ["Oosterstraat"], "huisnummer": ["12"], "postcode": ["9711 nv"]},
    ...     geometry=gpd.points_from_xy([233500], [582000]), crs=28992)
    >>> addresses_for_store(pts)[["address_id", "street", "house_number", "postcode"]].to_dict("records")
    [{'address_id': '9711NV 12', 'street': 'Oosterstraat', 'house_number': 12, 'postcode': '9711NV'}]
    """
    given = dict(fields or {})
    unknown = set(given) - set(ADDRESS_CANDIDATES)
    if unknown:
        msg = f"unknown address field(s) {sorted(unknown)}; valid: {', '.join(ADDRESS_CANDIDATES)}."
        raise InputError(msg)
    lower = {str(c).lower(): c for c in points.columns if c != points.geometry.name}
    cols: dict[str, str | None] = {}
    for f, cands in ADDRESS_CANDIDATES.items():
        if f in given:
            if given[f] not in points.columns:
                known = ", ".join(map(str, lower.values()))
                msg = f"{source}: no column {given[f]!r} for the address {f}. Columns: {known}."
                raise InputError(msg)
            cols[f] = given[f]
        else:
            cols[f] = next((lower[c] for c in cands if c in lower), None)
    if cols["address_id"] is None and (cols["postcode"] is None or cols["house_number"] is None):
        msg = (
            f"{source}: addresses need an id column or postcode and house number columns (found neither). "
            f"Name them with `--field address_id=COLUMN`; columns: {', '.join(map(str, lower.values()))}."
        )
        raise InputError(msg)

    def col(f: str) -> pd.Series:
        c = cols[f]
        return points[c] if c is not None else pd.Series([None] * len(points), index=points.index)

    def text(s: pd.Series) -> pd.Series:
        return (
            s.astype(object)
            .where(s.notna(), None)
            .map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())
        )

    number = pd.to_numeric(col("house_number"), errors="coerce").astype("Int64")
    postcode = col("postcode").map(normalise_postcode)
    letter = text(col("house_letter"))
    addition = text(col("addition"))
    if cols["address_id"] is not None:
        ids = text(col("address_id"))
    else:
        ids = pd.Series(
            [
                " ".join(str(p) for p in (pc, None if pd.isna(n) else int(n), lt, ad) if p is not None)
                for pc, n, lt, ad in zip(postcode, number, letter, addition)
            ],
            index=points.index,
        )
    if ids.isna().any():
        rows = (np.flatnonzero(ids.isna().to_numpy()) + 1)[:5].tolist()
        msg = f"{source}: {int(ids.isna().sum())} addresses have no id (rows {rows}…). Every address needs one."
        raise InputError(msg)
    dup = ids.duplicated()
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 1)[:5].tolist()
        msg = (
            f"{source}: {int(dup.sum())} addresses repeat an id already used (rows {rows}…). "
            "Give a unique id column with `--field address_id=COLUMN`."
        )
        raise InputError(msg)
    households = pd.to_numeric(col("households"), errors="coerce").fillna(1).round().astype("int64")
    return gpd.GeoDataFrame(
        {
            "address_id": ids.to_numpy(dtype=object),
            "street": text(col("street")).to_numpy(dtype=object),
            "house_number": number.to_numpy(dtype=object),
            "house_letter": letter.to_numpy(dtype=object),
            "addition": addition.to_numpy(dtype=object),
            "postcode": postcode.to_numpy(dtype=object),
            "city": text(col("city")).to_numpy(dtype=object),
            "households": households.to_numpy(),
        },
        geometry=points.geometry.to_numpy(),
        crs=points.crs,
    )
