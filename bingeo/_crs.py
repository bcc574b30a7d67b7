"""CRS handling in one place: parsing user input, checking, comparing.

pyproj is imported where a CRS is parsed or transformed, not with this module: a store's CRS is held as a
:class:`StoredCRS` (its EPSG code) and becomes a ``pyproj.CRS`` on first use, so that a command that never
needs one (``bingeo recipients`` with an area in the store's CRS) does not load pyproj.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from bingeo.errors import CRSError, CRSMismatchError

if TYPE_CHECKING:
    import pyproj

__all__ = [
    "CRSLike",
    "StoredCRS",
    "resolve",
    "to_crs",
    "crs_label",
    "same_crs",
    "check_same_crs",
    "national_grid",
    "metric_crs",
    "to_metric",
    "RD_NEW",
    "LAMBERT_72",
]

CRSLike = Union["pyproj.CRS", "StoredCRS", str, int]
_EPSG_TEXT = re.compile(r"EPSG:([0-9]+)")


class StoredCRS:
    """A CRS that is already known to be valid (a store's), held until needed.

    Made from the text a store keeps (``"EPSG:28992"``: its :attr:`epsg` is read from the text) or from a
    ``pyproj.CRS``; :meth:`resolve` returns the ``pyproj.CRS``, made once with
    ``pyproj.CRS.from_user_input(text)`` as before. :func:`to_crs`, :func:`same_crs` and :func:`crs_label`
    accept it like a ``pyproj.CRS``, and :func:`same_crs` compares two of them by their text without pyproj.
    """

    __slots__ = ("text", "_crs")

    def __init__(self, text: str | None = None, crs: pyproj.CRS | None = None) -> None:
        if text is None and crs is None:
            msg = "StoredCRS needs a text or a pyproj.CRS"
            raise TypeError(msg)
        self.text, self._crs = text, crs

    @property
    def epsg(self) -> int | None:
        """The EPSG code (from the text when it is ``EPSG:<code>``, else pyproj's ``to_epsg()``)."""
        if self.text is not None and (m := _EPSG_TEXT.fullmatch(self.text)):
            return int(m.group(1))
        return self.resolve().to_epsg()

    def resolve(self) -> pyproj.CRS:
        """Return the ``pyproj.CRS`` (imports pyproj on first use)."""
        if self._crs is None:
            import pyproj

            self._crs = pyproj.CRS.from_user_input(self.text)
        return self._crs

    def __repr__(self) -> str:
        return f"StoredCRS({self.text!r})" if self.text is not None else f"StoredCRS(crs={self._crs!r})"


def resolve(crs: Any) -> Any:
    """Return ``crs`` itself, or the ``pyproj.CRS`` of a :class:`StoredCRS`."""
    return crs.resolve() if isinstance(crs, StoredCRS) else crs


def to_crs(value: Any, *, what: str = "`crs`") -> pyproj.CRS:
    """Return a :class:`pyproj.CRS` for anything ``pyproj.CRS.from_user_input`` accepts.

    ESRI-style WKT (as found in ``.prj`` files, e.g. "Belge_Lambert_1972") is
    resolved to its EPSG code when pyproj can identify it with confidence.
    """
    if value is None:
        msg = f"{what} is missing. Give one, e.g. 28992 (RD New), 31370 (Lambert 72) or 4326."
        raise CRSError(msg)
    if isinstance(value, StoredCRS):
        return value.resolve()
    import pyproj

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


def crs_label(crs: pyproj.CRS | StoredCRS | None) -> str:
    """Short human label, e.g. ``EPSG:28992 (Amersfoort / RD New)``."""
    if crs is None:
        return "no CRS"
    crs = resolve(crs)
    epsg = crs.to_epsg()
    name = crs.name
    return f"EPSG:{epsg} ({name})" if epsg else name[:50]


def same_crs(a: pyproj.CRS | StoredCRS | None, b: pyproj.CRS | StoredCRS | None) -> bool:
    """Return True when both CRSs are set and equivalent."""
    if a is None or b is None:
        return False
    if isinstance(a, StoredCRS) and isinstance(b, StoredCRS) and a.text is not None and a.text == b.text:
        return True  # the same definition (pyproj would say so too)
    a, b = resolve(a), resolve(b)
    return bool(a == b or (a.to_epsg() is not None and a.to_epsg() == b.to_epsg()))


def check_same_crs(
    a: pyproj.CRS | StoredCRS | None, b: pyproj.CRS | StoredCRS | None, *, left: str, right: str
) -> None:
    """Raise :class:`CRSMismatchError` when two inputs do not share a CRS."""
    if not same_crs(a, b):
        msg = (
            f"CRS mismatch between {left} ({crs_label(a)[:50]}) and {right} ({crs_label(b)[:50]}). "
            "Reproject one of them into the CRS of the other first."
        )
        raise CRSMismatchError(msg)


# ---------------------------------------------------------------------------------- metric CRS for a place
#: Simplified outlines (lon, lat) of the Netherlands and Belgium: Natural Earth 1:110m admin-0 countries (public
#: domain; the ``naturalearth_lowres`` data set that geopandas 0.14 shipped), rounded to 0.001°.
_NL_OUTLINE = (
    (6.905, 53.482), (7.092, 53.144), (6.843, 52.228), (6.589, 51.852), (5.989, 51.852), (6.157, 50.804),
    (5.607, 51.037), (4.974, 51.475), (4.047, 51.267), (3.315, 51.346), (3.830, 51.621), (4.706, 53.092),
    (6.074, 53.510), (6.905, 53.482),
)  # fmt: skip
_BE_OUTLINE = (
    (6.157, 50.804), (6.043, 50.128), (5.782, 50.090), (5.674, 49.529), (4.799, 49.985), (4.286, 49.907),
    (3.588, 50.379), (3.123, 50.780), (2.658, 50.797), (2.514, 51.149), (3.315, 51.346), (4.047, 51.267),
    (4.974, 51.475), (5.607, 51.037), (6.157, 50.804),
)  # fmt: skip
#: The land border between them from the coast (west) to the Vaalserberg (east), traced by hand from the
#: positions of the towns on either side (Sluis/Knokke, Sas van Gent/Zelzate, Ossendrecht/Zandvliet,
#: Baarle, Budel/Hamont, Thorn/Kessenich, Stein/Maasmechelen, Maastricht/Lanaken, Eijsden/Visé, Vaals):
#: within about 2 km, where the 1:110m outline is 10-15 km off (it puts Maastricht in Belgium).
_NL_BE_BORDER = (
    (3.365, 51.372), (3.380, 51.290), (3.530, 51.245), (3.720, 51.210), (3.810, 51.212), (3.980, 51.240),
    (4.100, 51.280), (4.240, 51.370), (4.390, 51.380), (4.420, 51.440), (4.480, 51.480), (4.560, 51.440),
    (4.670, 51.430), (4.780, 51.420), (4.900, 51.430), (5.020, 51.460), (5.100, 51.430), (5.220, 51.320),
    (5.350, 51.280), (5.480, 51.300), (5.560, 51.270), (5.840, 51.150), (5.815, 51.090), (5.780, 51.000),
    (5.745, 50.970), (5.700, 50.900), (5.640, 50.860), (5.680, 50.770), (5.690, 50.755), (5.730, 50.765),
    (5.770, 50.775), (5.850, 50.775), (5.910, 50.765), (6.021, 50.754),
)  # fmt: skip
#: EPSG codes of the national grids chosen for a new store or for work that needs metres.
RD_NEW = 28992
LAMBERT_72 = 31370


def _benelux() -> tuple[Any, Any]:
    """Return (the Netherlands and Belgium as one area, the part of it south of their border) as polygons."""
    import shapely

    area = shapely.union(shapely.Polygon(_NL_OUTLINE), shapely.Polygon(_BE_OUTLINE)).buffer(0.25)
    south = shapely.Polygon(
        [(2.0, 51.6), (3.0, 51.6), *_NL_BE_BORDER, (6.8, 50.754), (6.8, 49.0), (2.0, 49.0)]  # sea, border, south
    )
    return area, south


def national_grid(lon: float, lat: float) -> tuple[pyproj.CRS, str]:
    """Return the metric CRS for a place and why: RD New in the Netherlands, Lambert 72 in Belgium, else UTM.

    Parameters
    ----------
    lon, lat : float
        The place in degrees (WGS 84).

    Returns
    -------
    (pyproj.CRS, str)
        The CRS and a short reason, e.g. ``"the data lie in the Netherlands"``.

    Raises
    ------
    CRSError
        The place is not a longitude/latitude pair.

    Examples
    --------
    >>> national_grid(5.69, 50.85)[0].to_epsg(), national_grid(4.40, 51.22)[0].to_epsg()  # Maastricht, Antwerp
    (28992, 31370)
    >>> national_grid(-123.1, 49.25)[0].to_epsg()  # Vancouver
    32610
    """
    import pyproj
    import shapely
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        msg = (
            f"({lon:.6g}, {lat:.6g}) is not a longitude/latitude pair: the coordinates do not fit "
            "their CRS. Check `--crs`."
        )
        raise CRSError(msg)
    area, south = _benelux()
    point = shapely.Point(lon, lat)
    if area.contains(point):
        if south.contains(point):
            return pyproj.CRS.from_epsg(LAMBERT_72), "the data lie in Belgium"
        return pyproj.CRS.from_epsg(RD_NEW), "the data lie in the Netherlands"
    found = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat), contains=False)
    if not found:  # the poles: no UTM zone
        msg = f"no UTM zone covers ({lon:.4f}, {lat:.4f}). Give a metric CRS with `--crs`/`--store-crs`."
        raise CRSError(msg)
    return pyproj.CRS.from_epsg(int(found[0].code)), "the UTM zone of the data"


def metric_crs(frame: Any) -> tuple[pyproj.CRS, str]:
    """Return the metric CRS for a GeoDataFrame or GeoSeries: its own when projected, else :func:`national_grid`.

    The place is the centre of the data's bounds in longitude/latitude.
    """
    import pyproj

    crs = to_crs(frame.crs, what="the CRS of the data")
    if not crs.is_geographic:
        return crs, "the data's own CRS"
    lonlat = frame if crs.equals(pyproj.CRS.from_epsg(4326)) else frame.to_crs(4326)
    x0, y0, x1, y1 = (float(v) for v in lonlat.total_bounds)
    if not all(np.isfinite([x0, y0, x1, y1])):
        msg = "the data have no coordinates to locate them (empty, or not finite). Check `--crs`."
        raise CRSError(msg)
    return national_grid((x0 + x1) / 2, (y0 + y1) / 2)


def to_metric(frame: Any, *, what: str = "the data") -> tuple[Any, str | None]:
    """Return ``frame`` in a metric CRS (itself when already projected) and a note saying which was chosen.

    Work that needs metres (grids, radii, areas) calls this instead of refusing a geographic input; results
    go back to the caller's CRS with ``.to_crs(frame.crs)``.
    """
    crs = to_crs(frame.crs, what=f"the CRS of {what}")
    if not crs.is_geographic:
        return frame, None
    metric, why = metric_crs(frame)
    note = f"{what} in {crs_label(crs)} (degrees): worked in {crs_label(metric)}, because {why}"
    return frame.to_crs(metric), note
