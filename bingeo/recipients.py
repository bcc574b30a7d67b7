"""Alert recipients: who gets a message, by which channel, and the export.

An alert goes to the members of an area (a polygon drawn in a web map, a
circle around an incident) and/or of one or more networks.  Police send
*urgent* alerts by SMS or voice call ("red") and *normal* ones by e-mail
("green").  This module selects the recipients, one per person, chooses each
person's channel and writes the lists for the sending tools.

Channel rules (:func:`choose_channel`)
--------------------------------------
A channel is *usable* for a row when it has a contact: ``sms`` needs a
phone of kind ``"mobile"``, ``voice`` any non-empty phone (mobile, landline,
service, unknown), ``email`` a non-empty e-mail address.  Each urgency
orders the channels in two tiers:

============  =======================  ==================
urgency       first tier (preferred)   last resort
============  =======================  ==================
``urgent``    sms, voice               email
``normal``    email, sms               voice
============  =======================  ==================

The first tier with a usable channel is used.  Within that tier the member's
first preferred channel (``channels``, in the order given) that is usable
wins; without a usable preference the tier's own order decides.  So an
urgent alert never goes by e-mail to someone reachable by phone, even when
they prefer e-mail, and a normal alert to someone with only a landline is a
voice call.  Unknown tokens in ``channels`` are ignored.

Persons
-------
Rows are grouped by ``person_id`` (a row without one is its own person,
keyed by ``member_id``).  A person with several selected rows (two
addresses, two networks) is one recipient: ``networks`` is the union of the
rows' networks, ``member_ids`` lists all selected rows, and the contact is
the best over the usable rows: lowest tier, then the rank within the tier
under that row's preference, then the first row in input order (whose
``member_id`` is reported).  A person none of whose selected rows is usable
is counted once in ``excluded`` under the reason closest to reachable:
``no_usable_contact`` when some row is active with consent,
``no_consent`` when some row is active, else ``left``.

Member data (names, contacts, locations) never appears in errors, logs or
:meth:`Selection.summary`.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from bingeo._crs import CRSLike, StoredCRS, crs_label, national_grid, resolve, same_crs, to_crs
from bingeo._pip import locate
from bingeo._results import Result
from bingeo.errors import CRSError, CRSMismatchError, InputError

if TYPE_CHECKING:  # pyproj too: an area in the store's CRS needs none
    import geopandas as gpd
    import pandas as pd
    import pyproj

__all__ = [
    "CHANNELS",
    "URGENCY",
    "NETWORK_RULE",
    "CIRCLE_SEGMENTS",
    "LIKELY_CRS",
    "RECIPIENT_COLUMNS",
    "MemberRows",
    "Selection",
    "coordinator_records",
    "network_coordinators",
    "recipient_records",
    "area_around",
    "area_from_file",
    "choose_channel",
    "looks_like_crs",
    "why_nobody",
    "select_recipients",
    "write_recipients",
]

log = logging.getLogger(__name__)

CHANNELS = ("sms", "voice", "email")
#: Default urgency of an alert, and default rule for selecting a network's members.
URGENCY = "urgent"
NETWORK_RULE = "both"
#: Segments of a full circle (``quad_segs = CIRCLE_SEGMENTS // 4``).
CIRCLE_SEGMENTS = 128
RECIPIENT_COLUMNS = ["member_id", "person_id", "name", "channel", "contact", "networks", "member_ids"]
EXCLUSION_REASONS = ("no_consent", "no_usable_contact", "left")
_TIERS = {
    "urgent": (("sms", "voice"), ("email",)),
    "normal": (("email", "sms"), ("voice",)),
}
_URGENCIES = tuple(_TIERS)
_RULES = ("both", "membership", "location")
_WKT_TYPES = ("POLYGON", "MULTIPOLYGON", "GEOMETRYCOLLECTION", "SRID=", "POINT", "LINESTRING", "MULTI")


# --------------------------------------------------------------------------- areas


def _check_radius(radius: Any) -> float:
    try:
        r = float(radius)
    except (TypeError, ValueError):
        msg = f"`radius` must be a number of metres, got {type(radius).__name__}."
        raise InputError(msg) from None
    if not math.isfinite(r) or r <= 0:
        msg = f"`radius` must be a positive number of metres, got {r}."
        raise InputError(msg)
    return r


def _metric_target(target_crs: CRSLike, x: float, y: float, crs_of_xy: pyproj.CRS) -> pyproj.CRS:
    """Return the CRS to draw a disc around (x, y) in: ``target_crs`` when metric, else its national grid."""
    import pyproj

    crs = to_crs(target_crs, what="`target_crs`")
    if crs.is_projected:
        return crs
    lon, lat = pyproj.Transformer.from_crs(crs_of_xy, 4326, always_xy=True).transform(float(x), float(y))
    return national_grid(lon, lat)[0]


def _circle(x: float, y: float, radius: float) -> shapely.Polygon:
    return shapely.Point(x, y).buffer(radius, quad_segs=CIRCLE_SEGMENTS // 4)


#: Projected CRSs an alert area or centre is checked against when its coordinates cannot be in the CRS given
#: (after the store's own CRS): RD New, Belgian Lambert 72, Belgian Lambert 2008.
LIKELY_CRS = (28992, 31370, 3812)


def _lonlat_ok(x: np.ndarray, y: np.ndarray) -> bool:
    return bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))


def looks_like_crs(x: Any, y: Any, *, prefer: CRSLike | None = None) -> pyproj.CRS | None:
    """Return the first projected CRS whose area of use holds all these coordinates, or None.

    Tried in order: ``prefer`` (e.g. the store's CRS), then :data:`LIKELY_CRS`.

    Parameters
    ----------
    x, y : array-like
        Coordinates.
    prefer : CRS-like, optional
        Tried first.

    Returns
    -------
    pyproj.CRS or None

    Examples
    --------
    >>> looks_like_crs([233500.0], [582000.0]).to_epsg()
    28992
    >>> looks_like_crs([150000.0], [170000.0]).to_epsg()
    31370
    >>> looks_like_crs([6.5], [53.2]) is None
    True
    """
    import pyproj

    xs, ys = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    if not (len(xs) and np.isfinite(xs).all() and np.isfinite(ys).all()):
        return None
    candidates = ([prefer] if prefer is not None else []) + list(LIKELY_CRS)
    for cand in candidates:
        crs = to_crs(cand)
        if not crs.is_projected or crs.area_of_use is None:
            continue
        w, s, e, n = crs.area_of_use.bounds
        tr = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
        minx, miny, maxx, maxy = tr.transform_bounds(w, s, e, n)
        if xs.min() >= minx and xs.max() <= maxx and ys.min() >= miny and ys.max() <= maxy:
            return crs
    return None


def _looks_like_hint(x: np.ndarray, y: np.ndarray, prefer: CRSLike | None, option: str) -> str:
    crs = looks_like_crs(x, y, prefer=prefer)
    if crs is None:
        return f"Give the CRS of the coordinates with {option} (e.g. 28992 for RD New, 31370 for Lambert 72)."
    code = crs.to_epsg() or crs.srs
    return f"They look like {crs_label(crs)} metres: give {option} {code}."


def area_around(x: float, y: float, radius: float, *, crs_of_xy: CRSLike, target_crs: CRSLike) -> shapely.Polygon:
    """Return the disc of ``radius`` metres around a point.

    The centre is reprojected from ``crs_of_xy`` to ``target_crs`` (always
    x = easting/longitude, y = northing/latitude) and buffered there with
    :data:`CIRCLE_SEGMENTS` segments.

    Parameters
    ----------
    x, y : float
        Centre.
    radius : float
        Radius in metres of ``target_crs``; must be > 0.
    crs_of_xy : CRS-like
        CRS of ``x`` and ``y``.
    target_crs : CRS-like
        CRS of the members (the store's).

    Returns
    -------
    shapely.Polygon

    Raises
    ------
    InputError
        ``radius <= 0``, or a centre that is not finite or does not fit ``crs_of_xy``. A ``target_crs``
        in degrees gets a disc drawn in the place's national grid (RD New, Lambert 72, else UTM).

    Examples
    --------
    >>> disc = area_around(155000, 463000, 100, crs_of_xy=28992, target_crs=28992)
    >>> round(disc.area / (3.14159265 * 100**2), 3), len(disc.exterior.coords)
    (1.0, 129)
    >>> area_around(0, 0, 0, crs_of_xy=28992, target_crs=28992)
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: `radius` must be a positive number of metres, got 0.0.
    """
    import pyproj

    r = _check_radius(radius)
    source = to_crs(crs_of_xy, what="`crs_of_xy`")
    wanted = to_crs(target_crs, what="`target_crs`")
    if not (math.isfinite(float(x)) and math.isfinite(float(y))):
        msg = f"The centre ({x}, {y}) is not a pair of finite numbers: check the coordinates."
        raise InputError(msg)
    if source.is_geographic and not _lonlat_ok(np.array([x]), np.array([y])):
        msg = (
            f"the centre {x:g},{y:g} cannot be longitude/latitude ({crs_label(source)}: |x| <= 180, |y| <= 90). "
            + _looks_like_hint(np.array([x]), np.array([y]), wanted, "--around-crs")
        )
        raise InputError(msg)
    try:
        target = _metric_target(wanted, x, y, source)
    except CRSError:
        msg = f"The centre ({x:.6g}, {y:.6g}) does not fit {crs_label(source)}: check `crs_of_xy`."
        raise InputError(msg) from None
    tx, ty = pyproj.Transformer.from_crs(source, target, always_xy=True).transform(float(x), float(y))
    if not (math.isfinite(tx) and math.isfinite(ty)):
        msg = f"The centre cannot be transformed from {crs_label(source)} to {crs_label(target)}: check `crs_of_xy`."
        raise InputError(msg)
    disc = _circle(tx, ty, r)
    # a store in degrees: the disc is drawn in metres in the place's national grid, then moved into it
    return disc if same_crs(target, wanted) else _transform(disc, target, wanted)


def _polygonal(geom: BaseGeometry | None) -> list[BaseGeometry]:
    """Polygon parts of a geometry, made valid."""
    if geom is None or geom.is_empty:
        return []
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)):
        return [geom] if geom.area > 0 else []
    if isinstance(geom, shapely.GeometryCollection):
        return [p for g in geom.geoms for p in _polygonal(g)]
    return []


def _is_polygon_type(geom: BaseGeometry | None) -> bool:
    return isinstance(geom, (shapely.Polygon, shapely.MultiPolygon))


def _finish_area(parts: list[BaseGeometry], source: str, ignored: int = 0, degenerate: int = 0) -> BaseGeometry:
    if not parts and degenerate:
        msg = f"{source}: the area is empty ({degenerate} polygon(s) without surface). Draw a polygon with a surface."
        raise InputError(msg)
    if not parts:
        extra = f" ({ignored} feature(s) without area ignored: points need a `radius` property)" if ignored else ""
        msg = f"{source}: no polygon or circle found{extra}. Draw a polygon or a circle."
        raise InputError(msg)
    area = shapely.union_all(parts)
    if not area.is_valid:
        area = shapely.union_all(_polygonal(area))
    if area.is_empty or area.area <= 0:
        msg = f"{source}: the area is empty (zero surface). Draw a polygon with a surface."
        raise InputError(msg)
    return area


def _swap(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def _parse_wkt(
    text: str, source: str, target: pyproj.CRS, crs: pyproj.CRS | None = None, swap_xy: bool = False
) -> BaseGeometry:
    text = text.strip()
    crs = crs or target
    if text.upper().startswith("SRID="):
        head, _, text = text.partition(";")
        crs = to_crs(head[5:].strip(), what=f"{source}: SRID")
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException:
        msg = f"{source}: not valid WKT. Give e.g. 'POLYGON ((x y, ...))' or 'SRID=4326;POLYGON (...)'."
        raise InputError(msg) from None
    if swap_xy:
        geom = _swap(geom)
    if not same_crs(crs, target):
        geom = _transform(geom, crs, target)
    parts = _polygonal(geom)
    return _finish_area(parts, source, degenerate=int(not parts and _is_polygon_type(geom)))


def _transform(geom: BaseGeometry, source: pyproj.CRS, target: pyproj.CRS) -> BaseGeometry:
    import pyproj

    tr = pyproj.Transformer.from_crs(resolve(source), resolve(target), always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _geojson_crs(doc: Mapping[str, Any], source: str) -> pyproj.CRS | None:
    """Return the CRS of a legacy ``crs`` member (QGIS), or None (RFC 7946 GeoJSON is WGS84)."""
    named = doc.get("crs")
    if isinstance(named, Mapping):
        name = (named.get("properties") or {}).get("name")
        if name:
            return to_crs(name, what=f"{source}: `crs`")
    return None


def _check_lonlat(geoms: list[BaseGeometry], source: str, target: pyproj.CRS) -> None:
    """Refuse coordinates that cannot be lon/lat in a GeoJSON read as WGS84, naming the CRS they look like."""
    coords = shapely.get_coordinates(np.asarray(geoms, dtype=object)) if geoms else np.zeros((0, 2))
    if not len(coords) or _lonlat_ok(coords[:, 0], coords[:, 1]):
        return
    msg = (
        f"{source}: the coordinates cannot be longitude/latitude (|x| <= 180, |y| <= 90), which a GeoJSON "
        "without a `crs` member is read as. " + _looks_like_hint(coords[:, 0], coords[:, 1], target, "--area-crs")
    )
    raise InputError(msg)


def _geojson_features(doc: Any, source: str) -> list[Mapping[str, Any]]:
    if not isinstance(doc, Mapping):
        msg = f"{source}: not a GeoJSON object."
        raise InputError(msg)
    kind = doc.get("type")
    if kind == "FeatureCollection":
        return [f for f in doc.get("features") or [] if isinstance(f, Mapping)]
    if kind == "Feature":
        return [doc]
    if isinstance(kind, str):
        return [{"type": "Feature", "geometry": doc, "properties": {}}]
    msg = f"{source}: not a GeoJSON FeatureCollection, Feature or geometry."
    raise InputError(msg)


def _area_from_geojson(
    path: Path, target: pyproj.CRS, crs: pyproj.CRS | None = None, swap_xy: bool = False
) -> BaseGeometry:
    import pyproj

    source = path.name
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        msg = f"{source}: not readable as GeoJSON ({type(exc).__name__}). Export the drawing as GeoJSON."
        raise InputError(msg) from None
    named = _geojson_crs(doc, source)
    if named is not None and crs is not None and not same_crs(named, crs):
        msg = (
            f"{source}: the file says its CRS is {crs_label(named)}, but --area-crs gives {crs_label(crs)}. "
            "Leave out --area-crs, or fix the file's `crs` member."
        )
        raise InputError(msg)
    src_crs = named or crs or pyproj.CRS.from_epsg(4326)
    features = _geojson_features(doc, source)
    shapes: list[tuple[int, BaseGeometry | None, Mapping[str, Any]]] = []
    for i, feat in enumerate(features):
        gj = feat.get("geometry")
        props = feat.get("properties") or {}
        if not isinstance(gj, Mapping):
            shapes.append((i, None, props))
            continue
        try:
            geom = shapely.geometry.shape(gj)
        except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException):
            msg = f"{source}: feature {i} has an invalid geometry of type {str(gj.get('type'))[:30]!r}."
            raise InputError(msg) from None
        shapes.append((i, _swap(geom) if swap_xy else geom, props))
    if crs is None and named is None and not swap_xy:
        _check_lonlat([g for _, g, _ in shapes if g is not None], source, target)
    parts: list[BaseGeometry] = []
    ignored = degenerate = 0
    for i, geom, props in shapes:
        if geom is None:
            ignored += 1
            continue
        radius = props.get("radius", props.get("radius_m")) if isinstance(props, Mapping) else None
        if isinstance(geom, shapely.Point) and radius is not None:
            try:
                r = _check_radius(radius)
            except InputError as exc:
                msg = f"{source}: feature {i} (circle): {exc}"
                raise InputError(msg) from None
            parts.append(area_around(geom.x, geom.y, r, crs_of_xy=src_crs, target_crs=target))
            continue
        found = _polygonal(geom)
        if not found:
            if _is_polygon_type(geom):
                degenerate += 1
            else:
                ignored += 1
            continue
        parts.extend(_transform(g, src_crs, target) if not same_crs(src_crs, target) else g for g in found)
    return _finish_area(parts, source, ignored, degenerate)


def area_from_file(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    target_crs: CRSLike,
    crs: CRSLike | None = None,
    swap_xy: bool = False,
) -> BaseGeometry:
    """Read an alert area drawn in a web map or QGIS as one (Multi)Polygon.

    Parameters
    ----------
    path : str or os.PathLike
        * GeoJSON (``.geojson``/``.json``), e.g. from Leaflet.draw or QGIS: a
          FeatureCollection, Feature or bare geometry, in WGS84 (RFC 7946) or in
          the CRS of a legacy ``crs`` member.  Polygons and MultiPolygons are
          united.  **Circles**: Leaflet exports a circle as a GeoJSON ``Point``;
          a Point feature with ``properties.radius`` (or ``radius_m``) in metres
          is read as a disc of :data:`CIRCLE_SEGMENTS` (128) segments buffered
          in ``target_crs``.  Points without a radius and lines are ignored.
        * ``.wkt``: a file holding WKT.
        * A WKT string (``"POLYGON ((...))"``), in ``target_crs`` unless it has
          an EWKT prefix ``"SRID=4326;"``.
        * Anything else (GeoPackage, Shapefile, ...) through
          :func:`bingeo.read_polygons`; all polygons are united.
    layer : str, optional
        Layer of a GeoPackage or zipped Shapefile.
    target_crs : CRS-like
        CRS of the members (projected, when the file has circles).
    crs : CRS-like, optional
        CRS of the file's coordinates when the file does not say (GeoJSON without a ``crs`` member, WKT
        without ``SRID=``, a file without CRS; CLI: ``--area-crs``). A GeoJSON without one is read as WGS84;
        coordinates that cannot be lon/lat are refused, naming the CRS they look like.
    swap_xy : bool
        Read every coordinate pair as (y, x): to test whether x and y were swapped.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Valid, non-empty.

    Raises
    ------
    InputError
        No polygon or circle, an empty area, a radius <= 0, unreadable input.

    Examples
    --------
    >>> a = area_from_file("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", target_crs=28992)
    >>> a.area
    100.0
    >>> area_from_file("LINESTRING (0 0, 1 1)", target_crs=28992)
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: WKT: no polygon or circle found. Draw a polygon or a circle.
    >>> area_from_file("POLYGON EMPTY", target_crs=28992)
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: WKT: the area is empty (1 polygon(s) without surface). Draw a polygon with a surface.
    """
    # a store's CRS (valid by construction) stays a StoredCRS: WKT in that CRS needs no pyproj
    target = target_crs if isinstance(target_crs, StoredCRS) else to_crs(target_crs, what="`target_crs`")
    given = to_crs(crs, what="the CRS of the area (`crs`, --area-crs)") if crs is not None else None
    if isinstance(path, str) and path.lstrip().upper().startswith(_WKT_TYPES) and not os.path.exists(path):
        return _parse_wkt(path, "WKT", target, given, swap_xy)
    p = Path(path)
    if not p.exists():
        msg = f"{p.name}: file not found. Give a GeoJSON, WKT, GeoPackage or Shapefile path, or a WKT string."
        raise InputError(msg)
    suffix = p.suffix.lower()
    if suffix == ".wkt":
        return _parse_wkt(p.read_text(encoding="utf-8-sig"), p.name, target, given, swap_xy)
    target = resolve(target)
    if suffix in (".geojson", ".json"):
        return _area_from_geojson(p, target, given, swap_xy)
    import geopandas as gpd

    from bingeo.readers import read_polygons

    if swap_xy:
        polys = read_polygons(p, layer=layer, crs=given)
        polys = gpd.GeoDataFrame(geometry=[_swap(g) for g in polys.geometry], crs=polys.crs).to_crs(target)
    else:
        polys = read_polygons(p, layer=layer, crs=given, target_crs=target)
    return _finish_area([g for geom in polys.geometry for g in _polygonal(geom)], p.name, degenerate=len(polys))


# --------------------------------------------------------------------------- channels


def _is_na(value: Any) -> bool:
    """Whether ``value`` is ``pandas.NA`` (told by its type, so that this module does not import pandas)."""
    return type(value).__name__ == "NAType"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or _is_na(value):
        return ""
    return str(value).strip()


def _tokens(value: Any) -> list[str]:
    return [t.strip() for t in _text(value).split(";") if t.strip()]


def _rank(row: Mapping[str, Any], urgency: str) -> tuple[int, int, str, str] | None:
    phone = _text(row.get("phone"))
    email = _text(row.get("email"))
    ranked = _rank_signature(
        bool(phone), _text(row.get("phone_kind")).lower() == "mobile", bool(email), _text(row.get("channels")), urgency
    )
    if ranked is None:
        return None
    tier_no, within, best = ranked
    return tier_no, within, best, email if best == "email" else phone


@functools.lru_cache(maxsize=4096)
def _rank_signature(
    has_phone: bool, mobile: bool, has_email: bool, channels: str, urgency: str
) -> tuple[int, int, str] | None:
    """Decide the channel from which contacts exist and the preferences (cached: few distinct inputs)."""
    usable_now = {"sms": has_phone and mobile, "voice": has_phone, "email": has_email}
    preferred = [t.lower() for t in _tokens(channels)]
    for tier_no, tier in enumerate(_TIERS[urgency]):
        usable = [c for c in tier if usable_now[c]]
        if not usable:
            continue
        order = [c for c in preferred if c in usable] + [c for c in tier if c in usable]
        best = order[0]
        within = 0 if preferred and best in preferred else 1 + tier.index(best)
        return tier_no, within, best
    return None


def _check_urgency(urgency: str) -> None:
    if urgency not in _URGENCIES:
        msg = f"`urgency` must be one of {', '.join(_URGENCIES)}, got {str(urgency)[:30]!r}."
        raise InputError(msg)


def choose_channel(row: Mapping[str, Any], urgency: str) -> tuple[str, str] | None:
    """Return ``(channel, contact)`` for one member row, or None when unreachable.

    See the module notes for the tiers: ``urgent`` uses SMS to a mobile, else
    a voice call to any phone, else e-mail; ``normal`` uses e-mail, else SMS
    to a mobile, else a voice call.  Within a tier the member's first
    preferred, usable channel wins.  Consent and status are not checked here.

    Parameters
    ----------
    row : Mapping
        A members row (``pandas.Series`` or dict) with ``phone``, ``phone_kind``,
        ``email`` and ``channels``.
    urgency : {"urgent", "normal"}

    Returns
    -------
    tuple of (str, str) or None

    Examples
    --------
    >>> m = {"phone": "+31612345678", "phone_kind": "mobile", "email": "a@b.nl", "channels": ""}
    >>> choose_channel(m, "urgent")
    ('sms', '+31612345678')
    >>> choose_channel(m, "normal")
    ('email', 'a@b.nl')
    >>> choose_channel({**m, "channels": "voice;email"}, "urgent")
    ('voice', '+31612345678')
    >>> choose_channel({**m, "channels": "sms"}, "normal")
    ('sms', '+31612345678')
    >>> choose_channel({"phone": "+3220000000", "phone_kind": "landline"}, "normal")
    ('voice', '+3220000000')
    >>> choose_channel({"phone": None, "email": None}, "urgent") is None
    True
    """
    _check_urgency(urgency)
    ranked = _rank(row, urgency)
    return None if ranked is None else (ranked[2], ranked[3])


# --------------------------------------------------------------------------- selection


@dataclass
class Selection(Result):
    """Recipients of one alert.

    Attributes
    ----------
    recipients : pandas.DataFrame
        One row per person, columns :data:`RECIPIENT_COLUMNS`.
    excluded : dict of str to int
        Persons left out, by reason: ``no_consent``, ``no_usable_contact``, ``left``.
    per_channel : dict of str to int
        Recipients per channel (``sms``, ``voice``, ``email``).
    per_network : dict of str to int
        Recipients per network id in their ``networks``.
    coordinators : pandas.DataFrame or None
        Coordinators of the networks touched (same columns), when asked for.

    Notes
    -----
    A selection made by bingeo holds its rows as records and builds the frames when they are first read:
    ``bingeo recipients`` writes its lists and log without importing pandas.
    """

    recipients: pd.DataFrame
    excluded: dict[str, int] = field(default_factory=dict)
    per_channel: dict[str, int] = field(default_factory=dict)
    per_network: dict[str, int] = field(default_factory=dict)
    coordinators: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return counts only: recipients per channel and network, exclusions, coordinators.

        Examples
        --------
        >>> import pandas as pd
        >>> s = Selection(pd.DataFrame(columns=RECIPIENT_COLUMNS), {"left": 1}, {"sms": 0}, {})
        >>> print(s.summary())
        0 recipients (sms 0)
        excluded: left 1
        """
        chans = ", ".join(f"{k} {v}" for k, v in self.per_channel.items())
        lines = [f"{len(self._recipients)} recipients ({chans})"]
        if self.excluded:
            lines.append("excluded: " + ", ".join(f"{k} {v}" for k, v in self.excluded.items()))
        if self.per_network:
            lines.append("per network: " + ", ".join(f"{k} {v}" for k, v in self.per_network.items()))
        if self._coordinators is not None:
            lines.append(f"coordinators: {len(self._coordinators)}")
        return "\n".join(lines)


def _frame_of(value: Any) -> Any:
    """Return a recipient table as a DataFrame: records (list of dicts) become one, with :data:`RECIPIENT_COLUMNS`."""
    if isinstance(value, list):
        import pandas as pd

        return pd.DataFrame(value, columns=RECIPIENT_COLUMNS)
    return value


def _property(name: str) -> property:
    def get(self: Selection) -> Any:
        value = _frame_of(getattr(self, name))
        setattr(self, name, value)
        return value

    def put(self: Selection, value: Any) -> None:
        setattr(self, name, value)

    return property(get, put)


# the dataclass's __init__ assigns through these: records stay records until the frame is read
Selection.recipients = _property("_recipients")  # type: ignore[assignment]
Selection.coordinators = _property("_coordinators")  # type: ignore[assignment]


def recipient_records(table: Any) -> list[dict[str, Any]]:
    """Return a recipient table (records, or a caller's DataFrame) as records of :data:`RECIPIENT_COLUMNS`."""
    if isinstance(table, list):
        return table
    cols = list(table[RECIPIENT_COLUMNS].columns)
    return [dict(zip(cols, row)) for row in table[RECIPIENT_COLUMNS].itertuples(index=False, name=None)]


_REQUIRED = (
    "member_id",
    "person_id",
    "name",
    "email",
    "phone",
    "phone_kind",
    "channels",
    "consent",
    "networks",
    "status",
)


def _network_index(networks: gpd.GeoDataFrame | None) -> dict[str, Any]:
    if networks is None:
        return {}
    if "network_id" not in networks.columns:
        msg = "`networks` has no `network_id` column. Use a frame from bingeo.networks_from_file or a store."
        raise InputError(msg)
    out: dict[str, Any] = {}
    for nid, geom in zip(networks["network_id"], networks.geometry):
        key = _text(nid)
        if key:
            parts = _polygonal(geom)
            out[key] = (
                shapely.union_all([out[key], *parts]) if key in out else (shapely.union_all(parts) if parts else None)
            )
    return out


class MemberRows:
    """Member rows for a selection: each column as a list, the point geometries and the CRS.

    Made from a members GeoDataFrame (:func:`select_recipients`) or straight from a store's rows
    (:meth:`bingeo.stores.Store.member_rows`, what ``bingeo recipients`` reads), so that both select alike.
    """

    def __init__(self, columns: dict[str, list[Any]], geoms: np.ndarray, crs: Any) -> None:
        self.columns, self.geoms, self.crs = columns, geoms, crs

    @classmethod
    def from_frame(cls, members: gpd.GeoDataFrame) -> MemberRows:
        """Return the rows of a members GeoDataFrame (values as ``tolist`` gives them)."""
        cols = {str(c): members[c].tolist() for c in members.columns if c != members.geometry.name}
        return cls(cols, np.asarray(members.geometry.array, dtype=object), members.crs)

    @classmethod
    def from_rows(cls, names: list[str], rows: list[tuple[Any, ...]], geoms: np.ndarray, crs: Any) -> MemberRows:
        """Return the rows :meth:`bingeo.stores.Store.member_rows` read (column names, value tuples, points)."""
        cols = {c: [r[i] for r in rows] for i, c in enumerate(names)}
        return cls(cols, np.asarray(geoms, dtype=object), crs)

    def __len__(self) -> int:  # noqa: D105
        return len(self.geoms)

    def join(self, *others: MemberRows) -> MemberRows:
        """Return these rows and the others' (in order), each member id once (its first row)."""
        seen: set[Any] = set()
        keep: list[tuple[MemberRows, int]] = []
        for part in (self, *others):
            for i, mid in enumerate(part.columns["member_id"]):
                if mid not in seen:
                    seen.add(mid)
                    keep.append((part, i))
        names = list(self.columns)
        cols = {c: [p.columns[c][i] for p, i in keep] for c in names}
        geoms = np.empty(len(keep), dtype=object)
        geoms[:] = [p.geoms[i] for p, i in keep]
        return MemberRows(cols, geoms, self.crs)


def _located(members: MemberRows, polygons: Sequence[Any]) -> list[set[int]]:
    """For each polygon, positions of members whose point it covers."""
    geoms = members.geoms
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ok &= np.asarray(shapely.get_type_id(geoms)) == 0
    pos = np.flatnonzero(ok)
    sets: list[set[int]] = [set() for _ in polygons]
    if pos.size == 0 or not polygons:
        return sets
    pts = geoms[pos]
    pi, gi = locate(shapely.get_x(pts), shapely.get_y(pts), np.asarray(polygons, dtype=object))
    for p, g in zip(pi.tolist(), gi.tolist()):
        sets[g].add(int(pos[p]))
    return sets


def _merge(rows: list[dict[str, Any]], urgency: str) -> tuple[dict[str, Any] | None, str]:
    """Merge one person's selected rows (input order, cleaned by :func:`_clean_rows`) into a recipient.

    Returns the recipient, or None and the exclusion reason.
    """
    active = [r for r in rows if r["status"].lower() != "left"]
    consenting = [r for r in active if r["consent"]]
    best: tuple[tuple[int, int, int], str, dict[str, Any]] | None = None
    for order, r in enumerate(consenting):
        ranked = _rank_signature(
            bool(r["phone"]), r["phone_kind"].lower() == "mobile", bool(r["email"]), r["channels"], urgency
        )
        if ranked is not None and (best is None or (ranked[0], ranked[1], order) < best[0]):
            best = ((ranked[0], ranked[1], order), ranked[2], r)
    if best is None:
        return None, "no_usable_contact" if consenting else ("no_consent" if active else "left")
    chosen = best[2]
    if len(rows) == 1:
        nets_text = ";".join(_tokens(chosen["networks"]))
        mids_text = chosen["member_id"]
    else:
        nets: list[str] = []
        for r in rows:
            nets.extend(t for t in _tokens(r["networks"]) if t not in nets)
        mids: list[str] = []
        for r in consenting:
            if r["member_id"] not in mids:
                mids.append(r["member_id"])
        nets_text, mids_text = ";".join(nets), ";".join(mids)
    return {
        "member_id": chosen["raw_member_id"],
        "person_id": chosen["raw_person_id"],
        "name": chosen["raw_name"],
        "channel": best[1],
        "contact": chosen["email"] if best[1] == "email" else chosen["phone"],
        "networks": nets_text,
        "member_ids": mids_text,
    }, ""


_ROW_TEXT = ("member_id", "person_id", "name", "email", "phone", "phone_kind", "channels", "networks", "status")


def _missing(v: Any) -> bool:
    return v is None or v != v or _is_na(v)


def _clean_rows(members: MemberRows, order: list[int]) -> list[dict[str, Any]]:
    """Return the rows at ``order`` as plain dicts: text stripped ('' for missing), ``consent`` a bool.

    Converted column by column once: pandas row access (iloc) costs ~0.2 ms a row.
    """
    cols: dict[str, list[Any]] = {}
    got = members.columns
    for c in _ROW_TEXT:
        vals = [got[c][i] for i in order] if c in got else [None] * len(order)
        cols[c] = ["" if _missing(v) else str(v).strip() for v in vals]
    cols["consent"] = [isinstance(v, (bool, np.bool_)) and bool(v) for v in (got["consent"][i] for i in order)]
    for c in ("member_id", "person_id", "name"):  # reported as given (e.g. integer ids stay integers)
        vals = [got[c][i] for i in order] if c in got else [None] * len(order)
        cols["raw_" + c] = [None if _missing(v) else v for v in vals]
    names = list(cols)
    return [dict(zip(names, vals)) for vals in zip(*cols.values())]


def _people(members: MemberRows, positions: Iterable[int], urgency: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Return the recipients (records, one per person) among ``positions`` and the persons excluded, by reason."""
    groups: dict[str, list[dict[str, Any]]] = {}
    order = sorted(positions)
    for row in _clean_rows(members, order):
        key = "p:" + row["person_id"] if row["person_id"] else "m:" + row["member_id"]
        groups.setdefault(key, []).append(row)
    recs = []
    excluded = {k: 0 for k in EXCLUSION_REASONS}
    for rows in groups.values():
        rec, reason = _merge(rows, urgency)
        if rec is None:
            excluded[reason] += 1
        else:
            recs.append(rec)
    return recs, excluded


def _member_nets(members: MemberRows) -> list[set[str]]:
    return [set(_tokens(v)) for v in members.columns["networks"]]


def coordinator_records(
    members: MemberRows, touched: set[str], urgency: str, member_nets: list[set[str]] | None = None
) -> list[dict[str, Any]]:
    """Return the coordinators of the ``touched`` networks among ``members`` as recipient records."""
    if "role" not in members.columns:
        msg = "`members` lacks column `role`, needed for `coordinators=True`."
        raise InputError(msg)
    if member_nets is None:
        member_nets = _member_nets(members)
    roles = members.columns["role"]
    pos = [
        i
        for i, (role, nets) in enumerate(zip(roles, member_nets))
        if nets & touched and _text(role).lower() == "coordinator"
    ]
    return _people(members, pos, urgency)[0]


def network_coordinators(
    members: pd.DataFrame, touched: set[str], urgency: str, member_nets: list[set[str]] | None = None
) -> pd.DataFrame:
    """Return the coordinators of the ``touched`` networks among ``members``, one row per person.

    Parameters
    ----------
    members : pandas.DataFrame
        Member rows as :meth:`bingeo.stores.Store.members` returns them (needs ``role`` and ``networks``).
    touched : set of str
        Network ids whose coordinators are wanted.
    urgency : {"urgent", "normal"}
        Decides each coordinator's channel, as for any recipient.
    member_nets : list of set of str, optional
        Each row's networks, if already computed; saves recomputing them.

    Returns
    -------
    pandas.DataFrame
        One row per person, in the recipient columns.
    """
    return _frame_of(coordinator_records(MemberRows.from_frame(_as_geo(members)), touched, urgency, member_nets))


def _as_geo(members: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return a members frame with a geometry column (a plain frame gets an empty one)."""
    import geopandas as gpd

    if isinstance(members, gpd.GeoDataFrame) and members._geometry_column_name in members.columns:
        return members
    return gpd.GeoDataFrame(members, geometry=[None] * len(members))


def select_recipients(
    members: gpd.GeoDataFrame | MemberRows,
    *,
    area: BaseGeometry | None = None,
    network_ids: str | Sequence[str] | None = None,
    networks: gpd.GeoDataFrame | None = None,
    network_rule: str = NETWORK_RULE,
    urgency: str = URGENCY,
    coordinators: bool = False,
    member_ids: Sequence[str] | None = None,
) -> Selection:
    """Select the recipients of an alert, one per person, with their channel.

    Parameters
    ----------
    members : geopandas.GeoDataFrame or MemberRows
        Members frame (``member_id``, ``person_id``, ``name``, ``email``,
        ``phone``, ``phone_kind``, ``channels``, ``consent``, ``role``,
        ``networks``, ``status``, point ``geometry`` or None), or the same
        read as plain rows (:class:`MemberRows`, what :func:`bingeo.send_alert` reads).
    area : shapely.Polygon or MultiPolygon, optional
        In the members' CRS; members whose point it covers (boundary included).
    network_ids : str or sequence of str, optional
        Networks to alert, combined by ``network_rule``.  With ``area`` too,
        a member must satisfy both.
    networks : geopandas.GeoDataFrame, optional
        Network polygons with ``network_id``, in the members' CRS; needed when
        ``network_rule`` is ``"location"`` or ``"both"``.
    network_rule : {"both", "membership", "location"}
        ``membership``: the member's ``networks`` holds the id; ``location``:
        the network's polygon covers the member; ``both``: either.
    urgency : {"urgent", "normal"}
        Decides the channels; see :func:`choose_channel`.
    coordinators : bool
        Also return the coordinators (``role == "coordinator"``, active, with
        consent and a usable contact) of the networks touched: the networks of
        the recipients plus ``network_ids``; one row per person.
    member_ids : sequence of str, optional
        Target these members (e.g. the people of an earlier alert, for a
        follow-up), wherever they live now. Combines with ``area`` and
        ``network_ids`` like they combine with each other (all must hold).

    Returns
    -------
    Selection

    Raises
    ------
    InputError
        Missing columns, neither ``area`` nor ``network_ids``, an unknown
        network id (the message lists the known ids), a bad option.
    CRSMismatchError
        ``networks`` and ``members`` in different CRSs.
    """
    if not isinstance(members, MemberRows):
        members = MemberRows.from_frame(_as_geo(members))
    _check_urgency(urgency)
    if network_rule not in _RULES:
        msg = f"`network_rule` must be one of {', '.join(_RULES)}, got {str(network_rule)[:30]!r}."
        raise InputError(msg)
    missing = [c for c in _REQUIRED if c not in members.columns]
    if missing:
        msg = f"`members` lacks column(s) {', '.join(missing)}. Read members with bingeo's members reader."
        raise InputError(msg)
    if area is None and network_ids is None and member_ids is None:
        msg = "Give `area`, `network_ids` and/or `member_ids`: an alert needs a target."
        raise InputError(msg)
    ids = [network_ids] if isinstance(network_ids, str) else list(network_ids or [])
    ids = [_text(i) for i in ids]
    n = len(members)
    selected = set(range(n))
    # each member's networks, once (for the network test and the coordinators)
    member_nets = _member_nets(members) if network_ids is not None or coordinators else []

    if area is not None:
        parts = _polygonal(area)
        polygon = shapely.union_all(parts) if parts else None
        selected &= _located(members, [polygon])[0] if polygon is not None else set()

    if network_ids is not None:
        if network_rule != "membership" and networks is None:
            msg = (
                f"`network_rule={network_rule!r}` needs the network polygons: pass `networks=`, "
                "or use `network_rule='membership'`."
            )
            raise InputError(msg)
        if networks is not None and members.crs is not None and networks.crs is not None:
            if not same_crs(members.crs, networks.crs):
                msg = (
                    f"`members` ({crs_label(members.crs)}) and `networks` ({crs_label(networks.crs)}) "
                    "have different CRSs. Use networks.to_crs(members.crs)."
                )
                raise CRSMismatchError(msg)
        polys = _network_index(networks)
        known = set(polys) | set().union(*member_nets) if member_nets else set(polys)
        unknown = [i for i in ids if i not in known]
        if unknown:
            msg = (
                f"Unknown network id(s) {', '.join(map(repr, unknown))}. "
                f"Known ids: {', '.join(sorted(known)) or '(none)'}."
            )
            raise InputError(msg)
        by_net: set[int] = set()
        if network_rule in ("membership", "both"):
            wanted = set(ids)
            by_net |= {i for i, nets in enumerate(member_nets) if nets & wanted}
        if network_rule in ("location", "both"):
            geoms = [polys.get(i) for i in ids]
            for s in _located(members, geoms):
                by_net |= s
        selected &= by_net

    if member_ids is not None:  # e.g. a follow-up: the people of an earlier alert
        wanted_ids = {str(m) for m in member_ids}
        selected &= {i for i, m in enumerate(members.columns["member_id"]) if str(m) in wanted_ids}

    recipients, excluded = _people(members, selected, urgency)
    per_channel = {c: sum(1 for r in recipients if r["channel"] == c) for c in CHANNELS}
    per_network: dict[str, int] = {}
    for nets in (r["networks"] for r in recipients):
        for t in _tokens(nets):
            per_network[t] = per_network.get(t, 0) + 1
    per_network = dict(sorted(per_network.items()))

    coord_frame = (
        coordinator_records(members, set(per_network) | set(ids), urgency, member_nets) if coordinators else None
    )
    log.info(
        "selected %d recipients (%s urgency); excluded %s",
        len(recipients),
        urgency,
        ", ".join(f"{k} {v}" for k, v in excluded.items()),
    )
    return Selection(recipients, excluded, per_channel, per_network, coord_frame)


# --------------------------------------------------------------------------- nobody reached

_EXCLUDED_TEXT = {"no_consent": "without consent", "left": "who left", "no_usable_contact": "without a usable contact"}


def _distance_text(metres: float) -> str:
    return f"{metres:,.0f} m" if metres < 1000 else f"{metres / 1000:,.1f} km"


def _nearest_network(area: BaseGeometry, networks: gpd.GeoDataFrame) -> tuple[str, float] | None:
    """Return the network nearest to ``area`` and its distance in metres (None: one touches it, or none)."""
    import geopandas as gpd

    nets = networks[~(networks.geometry.isna() | networks.geometry.is_empty)]
    if not len(nets):
        return None
    shape = gpd.GeoSeries([area], crs=nets.crs)
    if nets.crs is not None and nets.crs.is_geographic:
        utm = nets.estimate_utm_crs()
        nets, shape = nets.to_crs(utm), shape.to_crs(utm)
    dist = shapely.distance(np.asarray(nets.geometry.to_numpy(), dtype=object), shape.iloc[0])
    if not np.isfinite(dist).any() or np.nanmin(dist) <= 0:
        return None
    k = int(np.nanargmin(dist))
    row = nets.iloc[k]
    name = _text(row.get("name")) if "name" in nets.columns else ""
    label = f"{row['network_id']}" + (f" ({name})" if name and name != str(row["network_id"]) else "")
    return label, float(dist[k])


def _outside_crs_area(area: BaseGeometry, crs: pyproj.CRS) -> bool:
    import pyproj

    if not crs.is_projected or crs.area_of_use is None:
        return False
    w, s, e, n = crs.area_of_use.bounds
    minx, miny, maxx, maxy = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform_bounds(w, s, e, n)
    ax0, ay0, ax1, ay1 = area.bounds
    return ax1 < minx or ax0 > maxx or ay1 < miny or ay0 > maxy


def why_nobody(
    selection: Selection,
    *,
    members_in_store: int,
    area: BaseGeometry | None = None,
    network_ids: Sequence[str] = (),
    networks: gpd.GeoDataFrame | None = None,
    alternatives: Mapping[str, int] | None = None,
) -> str:
    """Say why a selection reaches nobody: counts, network ids and distances only, never member data.

    Parameters
    ----------
    selection : Selection
        A selection without recipients (its ``excluded`` counts say who was there).
    members_in_store : int
        Members in the store (0: the store is empty).
    area : shapely geometry, optional
        The alert area, in the networks' CRS.
    network_ids : sequence of str
        The networks alerted.
    networks : GeoDataFrame, optional
        The active networks: names the nearest one when the area lies outside all of them.
    alternatives : mapping, optional
        Other readings of the input (e.g. ``"--around 6.57,53.22 (x and y swapped)"``) and the persons
        each would reach; those reaching someone are named.

    Returns
    -------
    str
        E.g. ``"The alert area reaches nobody (...). No member lives in it. It lies outside every network:
        the nearest is GR-BIN-004 (Oosterpoort), 3.2 km away."``
    """
    if members_in_store == 0:
        return (
            "The store holds no members, so an alert reaches nobody: no recipient list was written and nothing was "
            "logged. Import the member list first (bingeo members import LIST --store STORE)."
        )
    ids = ", ".join(network_ids)
    if area is not None:
        what = "The alert area" + (f" within network(s) {ids}" if ids else "")
    else:
        what = f"Network(s) {ids}"
    lines = [f"{what} reaches nobody: no recipient list was written and nothing was logged."]
    held = sum(selection.excluded.values())
    if held:
        parts = [f"{n:,} {_EXCLUDED_TEXT.get(k, k)}" for k, n in selection.excluded.items() if n]
        lines.append(f"It holds {held:,} person(s), none of whom can be alerted: {', '.join(parts)}.")
    else:
        lines.append("No member lives in it." if area is not None and not ids else "It holds no member.")
    if area is not None and networks is not None:
        if not len(networks):
            lines.append("The store has no active network.")
        else:
            near = _nearest_network(area, networks)
            if near is not None:
                lines.append(
                    f"It lies outside every network: the nearest is {near[0]}, {_distance_text(near[1])} away."
                )
            if networks.crs is not None and _outside_crs_area(area, to_crs(networks.crs)):
                lines.append(
                    f"It lies outside the area where the store's CRS ({crs_label(networks.crs)}) is used: were the "
                    "coordinates in another CRS (--area-crs, --around-crs)?"
                )
    for label, n in (alternatives or {}).items():
        if n > 0:
            lines.append(f"With {label} it would reach {n:,} person(s).")
    return " ".join(lines)


# --------------------------------------------------------------------------- export


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, as :func:`bingeo.readers.write.replacing` does.

    A hidden ``.part`` file beside ``path``, renamed over it; written here without importing the readers
    (and pandas), so that ``bingeo recipients`` starts fast.
    """
    import tempfile

    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(name)  # created afresh below: the permissions of any new file (mkstemp's are 0600)
    try:
        with open(name, "xb") as fh:
            fh.write(data)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def _write_csv(records: list[dict[str, Any]], path: Path) -> None:
    """Write an Excel (NL/BE locale) CSV: every cell as text, neutralised.

    The bytes :func:`bingeo.readers.write.write_csv` writes for the same table as text (``;``, UTF-8 with a
    byte-order mark, CRLF, each cell through :func:`bingeo._contacts.neutralize_cell`), without pandas.
    """
    import csv
    import io

    from bingeo._contacts import neutralize_cell

    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    out.writerow([neutralize_cell(c) for c in RECIPIENT_COLUMNS])
    out.writerows([neutralize_cell(_text(r[c])) for c in RECIPIENT_COLUMNS] for r in records)
    _write_whole(path, buf.getvalue().encode("utf-8-sig"))


def write_recipients(selection: Selection, path: str | os.PathLike[str], *, lists: bool = True) -> list[Path]:
    """Write the recipients as an Excel-ready CSV and plain lists per channel.

    The CSV uses ``;`` as separator (Excel with a Dutch or Belgian locale),
    UTF-8 with a byte-order mark and CRLF line ends; every cell passes
    :func:`bingeo.readers.write.excel_safe` (the rule of every CSV bingeo writes).  E.164 phone numbers start with
    ``+`` and therefore get a leading apostrophe: Excel shows them as text
    (without the apostrophe, and without turning them into numbers); other
    readers show the apostrophe.  With coordinators, they go to
    ``<stem>.coordinators.csv`` in the same format.

    With ``lists``, ``<stem>.sms.txt``, ``<stem>.voice.txt`` (one E.164 number
    per line) and ``<stem>.email.txt`` (one address per line, for BCC) are
    written for all three channels, empty ones included so no stale list
    survives.  They are plain UTF-8 text with LF, not neutralised (they are not
    spreadsheets); a contact shared by two persons appears once.

    Parameters
    ----------
    selection : Selection
    path : str or os.PathLike
        The CSV file; the lists go next to it.
    lists : bool
        Also write the per-channel lists.

    Returns
    -------
    list of pathlib.Path
        The files written, CSV first.
    """
    out = Path(path)
    written = [out]
    rec = recipient_records(selection._recipients)
    _write_csv(rec, out)
    if selection._coordinators is not None:
        cpath = out.with_name(f"{out.stem}.coordinators.csv")
        _write_csv(recipient_records(selection._coordinators), cpath)
        written.append(cpath)
    if lists:
        for channel in CHANNELS:
            contacts = list(dict.fromkeys(_text(r["contact"]) for r in rec if r["channel"] == channel))
            lpath = out.with_name(f"{out.stem}.{channel}.txt")
            _write_whole(lpath, "".join(c + "\n" for c in contacts if c).encode("utf-8"))
            written.append(lpath)
    return written
