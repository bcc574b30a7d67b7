"""Which columns hold the coordinates (x/y, lon/lat, WKT), and which CRS plain numbers are likely in."""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np
import pandas as pd

from bingeo.errors import InputError
from bingeo.readers.sources import _MAX_LISTED
from bingeo.readers.values import _text_series, _tokens

logger = logging.getLogger("bingeo.readers")


#: Share of coordinates that must fall inside one known range for a CRS guess.
GUESS_SHARE = 0.99


_GEO_X = {"lon", "lng", "long", "longitude", "lengtegraad", "longitud"}


_GEO_Y = {"lat", "latitude", "breedtegraad", "latitud"}


_X_PREFIXED = {
    "coord",
    "coords",
    "coordinate",
    "coordinaat",
    "rd",
    "lambert",
    "lambert72",
    "l72",
}


_X_SUFFIXED = {
    "rd",
    "lambert",
    "lambert72",
    "lambert2008",
    "l72",
    "l08",
    "coord",
    "coordinate",
    "coordinaat",
    "albers",
    "utm",
    "gps",
    "bng",
    "pos",
    "punt",
    "point",
    "loc",
    "location",
}


_WKT_NAMES = {
    "geometry",
    "wkt",
    "thegeom",
    "geom",
    "wktgeom",
    "wktgeometry",
    "geometrie",
    "shape",
}


_EWKT_SRID = r"(?i)\s*SRID=(\d+);"


def squash(name: str) -> str:
    """Return a column name as one lowercase token string, for matching aliases (``X-Coörd`` -> ``xcoord``)."""
    return "".join(_tokens(name))


def coordinate_pairs(columns: Sequence[str]) -> list[tuple[str, str, str]]:
    """Return candidate (x, y, kind) pairs in column order.

    ``kind`` is 'geographic' or 'projected'.
    """
    by_tokens: dict[tuple[str, ...], str] = {}
    by_squash: dict[str, str] = {}
    for c in columns:
        by_tokens.setdefault(_tokens(c), c)
        by_squash.setdefault(squash(c), c)
    pairs: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(x: str, y: str | None, kind: str) -> None:
        if y is not None and x != y and (x, y) not in seen:
            seen.add((x, y))
            pairs.append((x, y, kind))

    for c in columns:
        toks = _tokens(c)
        for i, t in enumerate(toks):
            if t in _GEO_X:
                for ty in sorted(_GEO_Y):
                    add(c, by_tokens.get(toks[:i] + (ty,) + toks[i + 1 :]), "geographic")
            if t == "x":
                add(c, by_tokens.get(toks[:i] + ("y",) + toks[i + 1 :]), "projected")
            if t == "easting":
                add(
                    c,
                    by_tokens.get(toks[:i] + ("northing",) + toks[i + 1 :]),
                    "projected",
                )
        sq = squash(c)
        if sq.startswith("x") and sq[1:] in _X_PREFIXED:
            add(c, by_squash.get("y" + sq[1:]), "projected")
        if sq.endswith("x") and sq[:-1] in _X_SUFFIXED:
            add(c, by_squash.get(sq[:-1] + "y"), "projected")
    return pairs


def _wkt_columns(frame: pd.DataFrame) -> list[str]:
    found = []
    for c in frame.columns:
        if squash(c) not in _WKT_NAMES:
            continue
        t = _text_series(frame[c])
        sample = t[t != ""].head(200).str.replace(_EWKT_SRID, "", regex=True).str.strip()
        if len(sample) and sample.str.match(r"(?i)(multi)?point\b").mean() >= 0.5:
            found.append(c)
    return found


def _find_column(name: str, columns: Sequence[str], label: str, what: str) -> str:
    if name in columns:
        return name
    folded = [c for c in columns if str(c).casefold() == str(name).casefold()]
    if len(folded) == 1:
        return folded[0]
    msg = (
        f"{label}: no column {name!r} for {what}. Columns: {_list_names(columns)}. "
        f"Give {what} the name of one of these columns."
    )
    raise InputError(msg)


def _list_names(columns: Sequence[Any]) -> str:
    names = [str(c)[:40] for c in columns]
    more = f" (and {len(names) - _MAX_LISTED} more)" if len(names) > _MAX_LISTED else ""
    return ", ".join(names[:_MAX_LISTED]) + more


_GUESS_RANGES = {
    4326: "lon/lat degrees (|x| <= 180, |y| <= 90)",
    28992: "RD New range (x 0-300,000, y 300,000-629,000)",
    31370: "Lambert 72 range (x 0-300,000, y 0-250,000)",
    3812: "Lambert 2008 range (x and y 500,000-800,000)",
}


def _guess_crs(x: np.ndarray, y: np.ndarray, *, geographic_names: bool) -> tuple[int | None, str]:
    """Guess an EPSG code from coordinate ranges (see :func:`read_points`, Notes)."""
    if len(x) == 0:
        return None, "no row has usable coordinates"
    geo = (np.abs(x) <= 180) & (np.abs(y) <= 90)
    if geographic_names:
        if geo.mean() >= 0.5:
            return 4326, "the coordinate columns are named as longitude/latitude"
        return (
            None,
            "the columns are named as longitude/latitude but most values are not degrees",
        )
    masks = {
        4326: geo,
        28992: (x >= 0) & (x <= 300_000) & (y > 300_000) & (y <= 629_000),
        31370: (x >= 0) & (x <= 300_000) & (y >= 0) & (y < 250_000) & ~geo,
        3812: (x >= 500_000) & (x <= 800_000) & (y >= 500_000) & (y <= 800_000),
    }
    for epsg, mask in masks.items():
        share = float(mask.mean())
        if share >= GUESS_SHARE:
            return (
                epsg,
                f"{share:.1%} of the coordinates lie in the {_GUESS_RANGES[epsg]}",
            )
    return (
        None,
        "the coordinate ranges match none of lon/lat, RD New, Lambert 72 or Lambert 2008",
    )


def _no_crs_error(label: str, why: str) -> InputError:
    msg = (
        f"{label}: the file has no CRS and none could be guessed ({why}). "
        "Give one with `crs` (CLI: --crs 28992), e.g. 28992 for RD New, 31370 for "
        "Lambert 72, "
        "3812 for Lambert 2008 or 4326 for longitude/latitude."
    )
    return InputError(msg)
