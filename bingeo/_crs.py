"""CRS handling in one place: parsing user input, checking, comparing."""

from __future__ import annotations

from typing import Any, Union

import pyproj

from bingeo.errors import CRSError, CRSMismatchError

__all__ = ["CRSLike", "to_crs", "crs_label", "same_crs", "check_same_crs"]

CRSLike = Union[pyproj.CRS, str, int]


def to_crs(value: Any, *, what: str = "`crs`") -> pyproj.CRS:
    """Return a :class:`pyproj.CRS` for anything ``pyproj.CRS.from_user_input`` accepts.

    ESRI-style WKT (as found in ``.prj`` files, e.g. "Belge_Lambert_1972") is
    resolved to its EPSG code when pyproj can identify it with confidence.
    """
    if value is None:
        msg = f"{what} is missing. Give one, e.g. 28992 (RD New), 31370 (Lambert 72) or 4326."
        raise CRSError(msg)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        msg = (
            f"{what} {str(value)[:80]!r} is not a CRS pyproj understands ({exc}). "
            "Give an EPSG code such as 28992, 31370, 3812 or 4326."
        )
        raise CRSError(msg) from None
    epsg = crs.to_epsg(min_confidence=70)
    if epsg is not None and crs.to_epsg(min_confidence=100) is None:
        # ESRI WKT from a .prj: use the EPSG definition it matches.
        crs = pyproj.CRS.from_epsg(epsg)
    return crs


def crs_label(crs: pyproj.CRS | None) -> str:
    """Short human label, e.g. ``EPSG:28992 (Amersfoort / RD New)``."""
    if crs is None:
        return "no CRS"
    epsg = crs.to_epsg()
    name = crs.name
    return f"EPSG:{epsg} ({name})" if epsg else name[:50]


def same_crs(a: pyproj.CRS | None, b: pyproj.CRS | None) -> bool:
    """Return True when both CRSs are set and equivalent."""
    if a is None or b is None:
        return False
    return bool(a == b or (a.to_epsg() is not None and a.to_epsg() == b.to_epsg()))


def check_same_crs(a: pyproj.CRS | None, b: pyproj.CRS | None, *, left: str, right: str) -> None:
    """Raise :class:`CRSMismatchError` when two inputs do not share a CRS."""
    if not same_crs(a, b):
        msg = (
            f"CRS mismatch between {left} ({crs_label(a)[:50]}) and {right} ({crs_label(b)[:50]}). "
            f"Use `{left}.to_crs(...)` to reproject one of them first."
        )
        raise CRSMismatchError(msg)
