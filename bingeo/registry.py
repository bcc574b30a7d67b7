"""The registry of networks: import boundaries from files, retire, check.

A network (BIN, Z-BIN or WhatsApp-buurtpreventie group) keeps a stable
``network_id``, a name, a kind, municipality, police zone, founding date,
status and a validity period. Networks are retired, never deleted, so that an
analysis "as of" a date uses the networks that existed then.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo import settings
from bingeo._crs import crs_label, metric_crs, same_crs, to_crs, to_metric
from bingeo._results import Result
from bingeo.addresses import column_named
from bingeo.errors import CRSError, InputError
from bingeo.readers.values import read_dates
from bingeo.stores import ImportReport, Store, open_existing_store, open_store
from bingeo.stores.base import KINDS, as_multipolygon, attributes_json, iso_date

__all__ = [
    "networks_from_file",
    "networks_from_frame",
    "import_networks",
    "reactivate_network",
    "check_networks",
    "CheckReport",
    "FIELD_CANDIDATES",
]

log = logging.getLogger(__name__)

#: Column names recognised (case-insensitively) for each network field, in order of preference.
FIELD_CANDIDATES: dict[str, tuple[str, ...]] = {
    "network_id": ("network_id", "bin_id", "bin_code", "netwerk_id", "netwerkcode", "code", "id", "identificatie"),
    "name": ("name", "naam", "network_name", "netwerknaam", "bin_naam", "bu_naam", "wk_naam", "description"),
    "kind": ("kind", "soort", "netwerk_type", "type_netwerk", "bin_type"),
    "municipality": ("municipality", "gemeente", "gemeentenaam", "gm_naam", "commune"),
    "police_zone": ("police_zone", "politiezone", "politiezon", "basisteam", "zone_de_police"),
    "founded": ("founded", "opgericht", "oprichtingsdatum", "founding_date", "start_date", "datum_oprichting"),
    "status": ("status",),
    "valid_to": ("retired_on", "valid_to", "opgeheven", "opgeheven_op", "end_date", "einddatum"),
}

_KIND_VALUES = {
    "bin": "bin",
    "buurtinformatienetwerk": "bin",
    "bin-netwerk": "bin",
    "zbin": "zbin",
    "z-bin": "zbin",
    "z_bin": "zbin",
    "zakelijk": "zbin",
    "zakelijke bin": "zbin",
    "whatsapp": "whatsapp",
    "wabp": "whatsapp",
    "whatsapp-buurtpreventie": "whatsapp",
    "buurtpreventie": "whatsapp",
    "whatsapp buurtpreventie": "whatsapp",
}
_STATUS_VALUES = {
    "active": "active",
    "actief": "active",
    "": "active",
    "retired": "retired",
    "opgeheven": "retired",
    "inactive": "retired",
    "inactief": "retired",
    "gestopt": "retired",
}


def _find(columns: list[str], wanted: str, given: str | None, source: str) -> str | None:
    if given is not None:
        if given not in columns:
            matches = [c for c in columns if c.lower() == given.lower()]
            if matches:
                return matches[0]
            msg = (
                f"{source}: no column {given!r} for the network {wanted.replace('_', ' ')}. "
                f"Columns: {', '.join(columns)}."
            )
            raise InputError(msg)
        return given
    return column_named(columns, FIELD_CANDIDATES[wanted])


def _parse_dates(values: pd.Series) -> list[tuple[str | None, str | None]]:
    """``(iso, text)`` per value: the ISO date, or None with the text that is not a date (None, None: empty).

    The whole column goes through THE date parser (:func:`bingeo.readers.values.read_dates`) at once, so each
    value reads as it would in a column of incidents (ISO never day-first).
    """
    texts = [iso_date(v) for v in values.astype(object)]
    given = [t for t in texts if t is not None]
    parsed = iter(read_dates(pd.Series(given, dtype=object)).values.tolist() if given else [])
    out: list[tuple[str | None, str | None]] = []
    for text in texts:
        got = None if text is None else next(parsed)
        out.append((None, None) if text is None else ((None, text) if pd.isna(got) else (got.date().isoformat(), None)))
    return out


def _date_at(dates: list[tuple[str | None, str | None]] | None, *, column: str, row: int, source: str) -> str | None:
    """Row ``row``'s date of :func:`_parse_dates` (None: no such column); a text that is not a date is an error."""
    if dates is None:
        return None
    iso, bad = dates[row - 1]
    if bad is not None:
        msg = f"{source}: row {row}, column {column!r}: {bad[:40]!r} is not a date. Use YYYY-MM-DD or DD-MM-YYYY."
        raise InputError(msg)
    return iso


#: Reason codes of rejected network features (``rejects["reject_reason"]``) and their labels.
REJECT_REASONS: dict[str, str] = {
    "non_finite": "coordinates that are not finite numbers",
    "out_of_range": "coordinates outside what their CRS can hold",
    "no_area": "no polygon area left after repair",
    "reprojection": "coordinates that cannot be reprojected into the store's CRS",
}
#: Largest coordinate (absolute) a projected CRS is taken to hold, in its unit: 100,000 km.
MAX_PROJECTED_COORDINATE = 1e8


class Normalised(tuple):  # type: ignore[type-arg]
    """What :func:`networks_from_frame` returns: ``(networks, repairs, notes)``, plus ``.rejects``.

    ``rejects`` is a DataFrame of the features that could not become a network: their attributes, ``feature``
    (1-based), ``network_id``, ``reject_reason`` (a code from :data:`REJECT_REASONS`), ``reject_detail`` and
    ``wkt`` (the geometry as read). Unpacking gives the three parts, as before.
    """

    rejects: pd.DataFrame


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the polygons of ``geom`` with an area as one (Multi)Polygon (empty Polygon when none)."""
    polys = [
        p
        for part in shapely.get_parts(geom)
        for p in (shapely.get_parts(part) if part.geom_type == "MultiPolygon" else [part])
        if p.geom_type == "Polygon" and p.area > 0
    ]
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _repair(geom: shapely.Geometry, label: str, geographic: bool = False) -> tuple[shapely.Geometry, str | None]:
    """make_valid, keep the polygonal part with an area; return the geometry and a repair note (or None)."""
    geom = shapely.force_2d(geom)
    if geom.geom_type == "GeometryCollection":
        geom = _polygonal_part(geom)
    if shapely.is_valid(geom) and not geom.is_empty:
        return as_multipolygon(geom), None
    reason = shapely.is_valid_reason(geom) if not geom.is_empty else "no polygon"
    before = _area_of(geom, geographic)
    fixed = _polygonal_part(shapely.make_valid(geom)) if not geom.is_empty else geom
    if not fixed.is_empty and not shapely.is_valid(fixed):  # make_valid's parts may touch along an edge
        fixed = _polygonal_part(shapely.union_all(shapely.get_parts(fixed)))
    fixed = as_multipolygon(fixed)
    note = f"{label}: {reason}; repaired with make_valid (area {before:,.1f} -> {_area_of(fixed, geographic):,.1f} m²)"
    return fixed, note


_GEOD = None


def _area_of(geom: shapely.Geometry, geographic: bool) -> float:
    """Area in m² (on the WGS 84 ellipsoid for degrees); of an invalid polygon as its rings are drawn."""
    if not geographic:
        return float(geom.area)
    global _GEOD
    if _GEOD is None:
        import pyproj

        _GEOD = pyproj.Geod(ellps="WGS84")
    return float(abs(_GEOD.geometry_area_perimeter(geom)[0]))


def _reject(rec: dict[str, Any], geom: Any, i: int, nid: str, reason: str, detail: str) -> dict[str, Any]:
    row = {k: v for k, v in rec.items() if not hasattr(v, "geom_type")}
    row.update(
        feature=i,
        network_id=nid,
        reject_reason=reason,
        reject_detail=detail,
        wkt=shapely.to_wkt(geom, rounding_precision=-1) if geom is not None else None,
    )
    return row


def _bad_coordinates(geom: shapely.Geometry, geographic: bool) -> tuple[str, str] | None:
    """(reason, detail) when the coordinates cannot be those of a boundary in their CRS, else None."""
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        return "non_finite", "some coordinates are NaN or infinite"
    if not len(xy):
        return None
    if geographic:
        if (np.abs(xy[:, 0]) > 360).any() or (np.abs(xy[:, 1]) > 90).any():
            bad = xy[(np.abs(xy[:, 0]) > 360) | (np.abs(xy[:, 1]) > 90)][0]
            return "out_of_range", f"({bad[0]:.6g}, {bad[1]:.6g}) is not a longitude/latitude pair"
    elif (np.abs(xy) > MAX_PROJECTED_COORDINATE).any():
        bad = xy[(np.abs(xy) > MAX_PROJECTED_COORDINATE).any(axis=1)][0]
        return "out_of_range", f"({bad[0]:.6g}, {bad[1]:.6g}) lies over 100,000 km from the CRS's origin"
    return None


#: Id columns of common public boundary files, tried (case-insensitively) when none of
#: ``FIELD_CANDIDATES["network_id"]`` is there. Codes in ``UNIQUE_ID_CANDIDATES`` are used only when every
#: feature has its own value (a buurt file without BU_CODE must not be merged by its WK_CODE).
UNIQUE_ID_CANDIDATES: tuple[str, ...] = ("bu_code", "buurtcode", "wk_code", "wijkcode", "gm_code", "pc6", "pc4")
MORE_ID_CANDIDATES: tuple[str, ...] = (
    "ward_code",
    "mapid",
    "geoitem",
    "politiezon",
    "postcode",
    "lsoa_code",
    "district",
)
#: Columns GDAL's KML driver adds to every placemark (styling, time): not data.
KML_COLUMNS = (
    "id", "timestamp", "begin", "end", "altitudemode", "tessellate", "extrude", "visibility", "draworder", "icon",
)  # fmt: skip


def _guess_id_column(frame: pd.DataFrame, columns: list[str], notes: list[str]) -> str | None:
    """Return the id column of a known public format (CBS, police.uk, open-data portals, KML), or None."""
    lower = {c.lower(): c for c in columns}
    for cand in UNIQUE_ID_CANDIDATES + MORE_ID_CANDIDATES:
        col = lower.get(cand)
        if col is None:
            continue
        values = frame[col]
        unique = cand in UNIQUE_ID_CANDIDATES or cand in ("postcode", "district")
        if values.isna().any() or unique and values.duplicated().any():
            continue
        notes.append(f"id column {col!r} recognised")
        return col
    # KML (or a GeoJSON made from one): the placemark's Name is its id, the description its label
    others = [c for c in columns if c.lower() not in ("name", "description", *KML_COLUMNS)]
    if "name" in lower and "description" in lower and not others and frame[lower["name"]].notna().all():
        notes.append(f"id column {lower['name']!r} (the KML placemark name) recognised; names from 'description'")
        return lower["name"]
    return None


def _empty(values: pd.Series) -> bool:
    """Return True when no value of the column holds anything (None, NaN or blank text)."""
    return bool(values.isna().all() or values.astype(str).str.strip().isin(["", "None", "nan"]).all())


def _check_coordinates_fit(frame: gpd.GeoDataFrame, crs: Any, source: str) -> None:
    """Refuse longitude/latitude values declared as a projected CRS (they would become tiny areas near its origin)."""
    if crs.is_geographic or crs.area_of_use is None:
        return
    xy = shapely.get_coordinates(frame.geometry.to_numpy())
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy) or (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
        return
    if not (np.abs(xy - np.round(xy, 2)) > 1e-9).any():  # whole metres or cm near the origin: drawn, not lon/lat
        return
    import pyproj

    w, s, e, n = crs.area_of_use.bounds
    x0, y0, x1, y1 = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform_bounds(w, s, e, n)
    mx, my = (x1 - x0) * 0.5, (y1 - y0) * 0.5
    inside = (xy[:, 0] >= x0 - mx) & (xy[:, 0] <= x1 + mx) & (xy[:, 1] >= y0 - my) & (xy[:, 1] <= y1 + my)
    if inside.any():
        return
    lon, lat = float(np.median(xy[:, 0])), float(np.median(xy[:, 1]))
    msg = (
        f"{source}: the coordinates (around {lon:.5g}, {lat:.5g}) look like EPSG:4326 (longitude/latitude), "
        f"not {crs_label(crs)}, "
        f"whose coordinates there lie far away (x {x0:,.0f} … {x1:,.0f}, y {y0:,.0f} … {y1:,.0f}). "
        "Give `--crs 4326` (or fix the file's .prj)."
    )
    raise CRSError(msg)


def networks_from_frame(
    frame: gpd.GeoDataFrame,
    *,
    source: str = "<frame>",
    id_field: str | None = None,
    name_field: str | None = None,
    kind: str | None = None,
    kind_field: str | None = None,
    fields: Mapping[str, str] | None = None,
    target_crs: Any = None,
) -> Normalised:
    """Normalise a polygon GeoDataFrame to the registry's columns.

    Returns the normalised frame (in ``target_crs`` when given), the list of
    geometry repairs, and notes about the choices made (columns used, merges);
    the features that cannot become a network are in ``.rejects`` of the returned
    triple (see :class:`Normalised`), never dropped silently.

    Invalid boundaries (self-intersections, bow-ties, spikes, holes outside their
    shell, zero-area parts) are repaired with ``make_valid`` in the source CRS and
    again after reprojection; a feature whose coordinates are not finite, outside
    what its CRS can hold, that cannot be reprojected, or that has no area left
    after repair is rejected with its reason.
    """
    if frame.crs is None:
        msg = f"{source} has no CRS. Give one with `--crs`, e.g. 28992."
        raise InputError(msg)
    if frame.empty:
        msg = f"{source} has no features. Check the file or the `--layer`."
        raise InputError(msg)
    fields = dict(fields or {})
    unknown = set(fields) - set(FIELD_CANDIDATES)
    if unknown:
        msg = f"unknown network field(s) {sorted(unknown)} in `--field`; valid: {', '.join(FIELD_CANDIDATES)}."
        raise InputError(msg)
    if kind is not None and kind_field is not None:
        msg = "give either `--kind` (one kind for all) or `--kind-field`, not both."
        raise InputError(msg)
    if kind is not None and kind not in KINDS:
        msg = f"`--kind` must be one of {', '.join(KINDS)}, got {kind!r}."
        raise InputError(msg)
    src_crs = to_crs(frame.crs, what=f"the CRS of {source}")
    geom_col = frame.geometry.name
    columns = [c for c in frame.columns if c != geom_col]
    given = {"network_id": id_field, "name": name_field, "kind": kind_field, **fields}
    cols = {f: _find(columns, f, given.get(f), source) for f in FIELD_CANDIDATES}
    if kind is not None:
        cols["kind"] = None
    notes = []
    if id_field is None and cols["network_id"] is not None and _empty(frame[cols["network_id"]]):
        notes.append(f"column {cols['network_id']!r} is empty in every feature: not used as the id")
        cols["network_id"] = None
    if cols["network_id"] is None:
        cols["network_id"] = _guess_id_column(frame, columns, notes)
        if cols["name"] is not None and cols["name"] == cols["network_id"]:
            cols["name"] = next((c for c in columns if c.lower() == "description"), None)
    if cols["network_id"] is None:
        msg = (
            f"{source}: no id column found for the networks (looked for {', '.join(FIELD_CANDIDATES['network_id'])}). "
            f"Name it with `--id-field`; columns: {', '.join(columns)}."
        )
        raise InputError(msg)
    used = {f: c for f, c in cols.items() if c is not None}
    notes.append("columns used: " + ", ".join(f"{f}={c}" for f, c in used.items()))
    read_notes = dict(frame.attrs.get("bingeo_read_repairs", {}))
    out_rows = []
    repairs = []
    rejects = []
    founded_dates = _parse_dates(frame[cols["founded"]]) if cols["founded"] else None
    valid_to_dates = _parse_dates(frame[cols["valid_to"]]) if cols["valid_to"] else None
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        nid = rec.get(cols["network_id"])
        if nid is None or (isinstance(nid, float) and np.isnan(nid)) or str(nid).strip() == "":
            msg = f"{source}: feature {i} has an empty id in column {cols['network_id']!r}. Every network needs an id."
            raise InputError(msg)
        if isinstance(nid, float) and nid.is_integer():
            nid = int(nid)
        nid = str(nid).strip()
        label = f"feature {i} (id {nid})"
        raw_kind = kind if kind is not None else (rec.get(cols["kind"]) if cols["kind"] else "bin")
        k = _KIND_VALUES.get(str(raw_kind).strip().lower()) if raw_kind is not None else "bin"
        if k is None:
            msg = (
                f"{source}: {label}: kind {str(raw_kind)[:30]!r} in column {cols['kind']!r} is not one of "
                f"{', '.join(KINDS)} (also understood: {', '.join(sorted(set(_KIND_VALUES) - set(KINDS) - {''}))})."
            )
            raise InputError(msg)
        raw_status = rec.get(cols["status"]) if cols["status"] else ""
        status = _STATUS_VALUES.get(str(raw_status if raw_status is not None else "").strip().lower())
        if status is None:
            msg = f"{source}: {label}: status {str(raw_status)[:30]!r} is not 'active' or 'retired'."
            raise InputError(msg)
        founded = _date_at(founded_dates, column=str(cols["founded"]), row=i, source=source)
        valid_to = _date_at(valid_to_dates, column=str(cols["valid_to"]), row=i, source=source)
        if status == "retired" and valid_to is None:
            msg = (
                f"{source}: {label} is retired but has no retirement date. Add one (column 'retired_on') "
                "or retire it with `bingeo networks retire`."
            )
            raise InputError(msg)
        raw_geom = rec[geom_col]
        if raw_geom is None or raw_geom.is_empty:
            msg = f"{source}: {label} has no geometry. Remove the feature or draw its boundary."
            raise InputError(msg)
        bad = _bad_coordinates(raw_geom, src_crs.is_geographic)
        if bad is not None:
            rejects.append(_reject(rec, raw_geom, i, nid, *bad))
            continue
        feature_notes = [f"{label}: {read_notes[i - 1]}"] if (i - 1) in read_notes else []
        geom, note = _repair(raw_geom, label, src_crs.is_geographic)
        if note:
            feature_notes.append(note)
        if geom.is_empty:
            rejects.append(_reject(rec, raw_geom, i, nid, "no_area", (note or ": no polygon").split(": ", 1)[1]))
            continue
        extra = {c: v for c, v in rec.items() if c != geom_col and c not in used.values()}

        def text(f: str) -> str | None:
            v = rec.get(cols[f]) if cols[f] else None
            if v is None or (isinstance(v, float) and np.isnan(v)):
                return None
            return str(v).strip() or None

        out_rows.append(
            {
                "network_id": nid,
                "name": text("name") or nid,
                "kind": k,
                "municipality": text("municipality"),
                "police_zone": text("police_zone"),
                "founded": founded,
                "status": "retired" if valid_to else "active",
                "valid_from": founded,
                "valid_to": valid_to,
                "attributes": attributes_json(extra),
                "repair_note": feature_notes,
                "geometry": geom,
                "_feature": i,
                "_raw": (rec, raw_geom),
            }
        )
    target = to_crs(target_crs) if target_crs is not None else None
    if out_rows and target is not None and not same_crs(src_crs, target):
        notes.append(f"reprojected from {crs_label(src_crs)} to {crs_label(target)}")
        moved = gpd.GeoSeries([r["geometry"] for r in out_rows], crs=src_crs).to_crs(target).to_numpy()
        kept = []
        for row, geom in zip(out_rows, moved):
            rec, raw_geom = row["_raw"]
            label = f"feature {row['_feature']} (id {row['network_id']}) after reprojection"
            bad = _bad_coordinates(geom, target.is_geographic) if geom is not None else ("non_finite", "")
            if bad is not None:
                detail = f"from {crs_label(src_crs)} to {crs_label(target)}: {bad[1] or 'no result'}"
                rejects.append(_reject(rec, raw_geom, row["_feature"], row["network_id"], "reprojection", detail))
                continue
            # reprojection can make a valid ring self-intersect (or a thin part collapse): repair and say so
            geom, note = _repair(geom, label, target.is_geographic)
            if note:
                row["repair_note"].append(note)
            if geom.is_empty:
                detail = str(note).split(": ", 1)[1]
                rejects.append(_reject(rec, raw_geom, row["_feature"], row["network_id"], "no_area", detail))
                continue
            row["geometry"] = geom
            kept.append(row)
        out_rows = kept
    rejected = pd.DataFrame(rejects)
    if rejects:
        counts = rejected["reject_reason"].value_counts()
        notes.append(
            f"{len(rejected)} feature(s) rejected: "
            + ", ".join(f"{n} with {REJECT_REASONS[r]}" for r, n in counts.items())
            + " (kept in the rejects with the reason; fix them in the source and import again)"
        )
    if not out_rows:
        shown = "; ".join(f"feature {r['feature']}: {r['reject_detail']}" for r in rejects[:5])
        msg = f"{source}: no feature can become a network ({shown}). Check the geometry and `--crs`."
        raise InputError(msg)
    for row in out_rows:
        repairs.extend(row["repair_note"])
        row["repair_note"] = "; ".join(row["repair_note"]) or None
        del row["_feature"], row["_raw"]
    out = gpd.GeoDataFrame(out_rows, geometry="geometry", crs=target if target is not None else src_crs)
    dup = out["network_id"].duplicated(keep=False)
    if dup.any():
        merged = []
        keep = []
        for nid, grp in out.groupby("network_id", sort=False):
            if len(grp) == 1:
                keep.append(grp.iloc[0].to_dict())
                continue
            first = grp.iloc[0].to_dict()
            first["geometry"] = as_multipolygon(_polygonal_part(shapely.union_all(grp.geometry.values)))
            merged.append(f"{nid} ({len(grp)} features)")
            keep.append(first)
        out = gpd.GeoDataFrame(keep, geometry="geometry", crs=out.crs)
        notes.append("features sharing an id were merged into one network (multipolygon): " + ", ".join(merged))
    out["area_m2"] = _area_m2(out.geometry)
    result = Normalised((out, repairs, notes))
    result.rejects = rejected
    return result


def _area_m2(geoms: gpd.GeoSeries) -> np.ndarray:
    if geoms.crs is not None and geoms.crs.is_geographic:
        metric, _ = metric_crs(geoms)
        return geoms.to_crs(metric).area.to_numpy()
    return geoms.area.to_numpy()


def networks_from_file(
    source: str | os.PathLike[str],
    *,
    layer: str | None = None,
    crs: Any = None,
    target_crs: Any = None,
    id_field: str | None = None,
    name_field: str | None = None,
    kind: str | None = None,
    kind_field: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Read network boundaries from any common vector file and normalise them.

    GeoPackage, Shapefile (also inside a .zip), GeoJSON and KML are read through
    GDAL. See :func:`networks_from_frame` for the returned triple.
    """
    from bingeo.readers import read_polygons

    frame = read_polygons(source, layer=layer, crs=crs)
    return networks_from_frame(
        frame,
        source=os.fspath(source),
        id_field=id_field,
        name_field=name_field,
        kind=kind,
        kind_field=kind_field,
        fields=fields,
        target_crs=target_crs,
    )


def import_networks(
    source: str | os.PathLike[str] | gpd.GeoDataFrame,
    store: Store | str | os.PathLike[str],
    *,
    name: str | None = None,
    layer: str | None = None,
    crs: Any = None,
    store_crs: Any = None,
    id_field: str | None = None,
    name_field: str | None = None,
    kind: str | None = None,
    kind_field: str | None = None,
    fields: Mapping[str, str] | None = None,
    effective: dt.date | None = None,
) -> ImportReport:
    """Import (add or update) networks from a vector file into a store.

    The store is created when it does not exist, and only when this first import
    succeeds (a refused source leaves no store behind). Its CRS is ``store_crs`` or,
    by default, the CRS of the source; a source in degrees gives a metric store in
    its national grid (RD New in the Netherlands, Lambert 72 in Belgium, else its UTM
    zone), and the report's notes say so. Everything is reprojected into it. A
    ``store_crs`` that differs from an existing store's CRS is an error.
    Re-importing the same source updates networks by id instead of duplicating them.
    ``source`` may also be a GeoDataFrame of polygons (``name`` labels it in messages).

    Examples
    --------
    >>> import bingeo, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> report = bingeo.import_networks("data/samples/networks.gpkg", tmp / "bins.gpkg",
    ...                                 id_field="bin_code", kind_field="soort")
    >>> len(report.added) > 0, report.updated
    (True, [])
    """
    from bingeo.readers import read_polygons

    if isinstance(source, gpd.GeoDataFrame):  # a layer already read (the QGIS plugin)
        frame, label = source.reset_index(drop=True), name or "<frame>"
        if frame.crs is None:
            frame = frame.set_crs(to_crs(crs, what="`--crs`"))
    else:
        frame, label = read_polygons(source, layer=layer, crs=crs), name or os.fspath(source)
    _check_coordinates_fit(frame, to_crs(frame.crs), label)
    kwargs = dict(
        source=label, id_field=id_field, name_field=name_field, kind=kind, kind_field=kind_field, fields=fields
    )
    st = store if isinstance(store, Store) else open_existing_store(store)
    own = st is not store
    new_store = st is None
    creation_note = None
    if st is not None and store_crs is not None and not same_crs(to_crs(store_crs, what="`--store-crs`"), st.crs):
        if own:
            st.close()
        msg = (
            f"`--store-crs {store_crs}` cannot take effect: the store {st.location} already exists in "
            f"{crs_label(st.crs)}, and a store's CRS is fixed when it is created. Leave out `--store-crs` "
            f"(the networks are reprojected into {crs_label(st.crs)}), or give a new store."
        )
        raise InputError(msg)
    try:
        if new_store:
            target, creation_note = _new_store_crs(frame, store_crs)
            normalised = networks_from_frame(frame, target_crs=target, **kwargs)
            st = open_store(store, create=True, crs=target)  # only now: a refused input leaves nothing behind
        else:
            normalised = networks_from_frame(frame, target_crs=st.crs, **kwargs)
        nets, repairs, notes = normalised
        try:
            report = st.import_networks(nets, source=name or os.path.basename(label), effective=effective)
        except BaseException:
            if new_store:
                st.discard()  # the first import failed: no store is created
                st = None
            raise
    finally:
        if own and st is not None:
            st.close()
    report.repairs = repairs
    report.rejects = normalised.rejects
    outside = _outside_area_of_use(nets)
    report.notes = ([creation_note] if creation_note else []) + notes + report.notes + ([outside] if outside else [])
    return report


def _outside_area_of_use(nets: gpd.GeoDataFrame) -> str | None:
    """Return a note when the networks lie wholly outside the area their CRS is made for, else None."""
    crs = nets.crs
    if crs is None or crs.area_of_use is None or not len(nets):
        return None
    lonlat = nets.geometry.to_crs(4326)
    x0, y0, x1, y1 = (float(v) for v in lonlat.total_bounds)
    w, s, e, n = crs.area_of_use.bounds
    if x1 >= w - 1 and x0 <= e + 1 and y1 >= s - 1 and y0 <= n + 1:  # within 1° of it: fine
        return None
    better, why = metric_crs(lonlat)
    area = crs.area_of_use.name.rstrip(".")
    return (
        f"the networks lie outside the area {crs_label(crs)} is made for ({area}): distances and areas there "
        f"are distorted. A store in {crs_label(better)} would fit ({why})."
    )


def reactivate_network(
    store: Store | str | os.PathLike[str],
    network_id: str,
    *,
    on: dt.date | str | None = None,
    expected_version: int | None = None,
) -> gpd.GeoDataFrame:
    """Bring a retired network back from ``on`` (default today); see :meth:`Store.reactivate_network`.

    A re-import never un-retires a network: this is the one way back. The retirement stays in
    ``networks history`` and analyses "as of" a date in between still leave the network out.

    Returns
    -------
    GeoDataFrame
        The network's new current row.
    """
    if isinstance(store, Store):
        return store.reactivate_network(network_id, on=on, expected_version=expected_version)
    with open_store(store) as st:
        return st.reactivate_network(network_id, on=on, expected_version=expected_version)


def _new_store_crs(frame: gpd.GeoDataFrame, store_crs: Any) -> tuple[Any, str | None]:
    """Return the CRS of a new store and a note: ``store_crs``, else the source's, else its national grid."""
    if store_crs is not None:
        return to_crs(store_crs, what="`--store-crs`"), None
    src = to_crs(frame.crs, what="the CRS of the source")
    if not src.is_geographic:
        return src, f"new store created in {crs_label(src)}, the source's CRS"
    usable = [_bad_coordinates(g, True) is None for g in frame.geometry.to_numpy()]
    if not any(usable):  # every feature is rejected: networks_from_frame says why, before any store exists
        return src, None
    metric, why = metric_crs(frame[usable])
    note = (
        f"new store created in {crs_label(metric)} (metres) instead of the source's {crs_label(src)} (degrees): "
        f"{why}. Give `--store-crs` to choose another."
    )
    return metric, note


@dataclass
class CheckReport(Result):
    """Result of :func:`check_networks`.

    Attributes
    ----------
    invalid : GeoDataFrame
        Networks whose stored geometry is invalid now (should be empty) or was repaired at import.
    overlaps : GeoDataFrame
        One row per overlapping pair of active networks: ``network_id_a``, ``network_id_b``,
        ``area_m2``, ``share_of_smaller``, ``relation`` (``nested`` or ``partial``), ``sliver``.
    gaps : GeoDataFrame
        Holes in the union of active networks up to ``gap_max_area`` m², with ``area_m2`` and ``sliver``.
    """

    invalid: gpd.GeoDataFrame
    overlaps: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing needs attention."""
        return self.invalid.empty and self.overlaps.empty and self.gaps.empty

    def summary(self) -> str:
        """Human summary."""
        lines = []
        n_rep = int(self.invalid["repair_note"].notna().sum()) if not self.invalid.empty else 0
        n_bad = int((~self.invalid["valid_now"]).sum()) if not self.invalid.empty else 0
        lines.append(f"Invalid geometry: {n_bad} now invalid, {n_rep} repaired at import.")
        for r in self.invalid.itertuples():
            lines.append(f"  - {r.network_id}: {r.repair_note or r.reason}")
        ov = self.overlaps
        lines.append(
            f"Overlaps between active networks: {len(ov)}"
            + (
                f" ({int((ov['relation'] == 'nested').sum())} nested, {int(ov['sliver'].sum())} slivers)"
                if len(ov)
                else ""
            )
        )
        for r in ov.sort_values("area_m2", ascending=False).head(20).itertuples():
            lines.append(
                f"  - {r.network_id_a} x {r.network_id_b}: {_m2(r.area_m2)} "
                f"({r.share_of_smaller:.1%} of the smaller, {r.relation}{', sliver' if r.sliver else ''})"
            )
        if len(ov) > 20:
            lines.append(f"  … {len(ov) - 20} more (use --output to get them all)")
        gp = self.gaps
        lines.append(
            f"Gaps (enclosed uncovered areas up to {settings.gap_max_area:,.0f} m²): {len(gp)}"
            + (f", {int(gp['sliver'].sum())} slivers" if len(gp) else "")
        )
        for r in gp.sort_values("area_m2").head(20).itertuples():
            c = r.geometry.representative_point()
            lines.append(f"  - {_m2(r.area_m2)} near ({c.x:,.1f}, {c.y:,.1f}){', sliver' if r.sliver else ''}")
        lines.extend(self.notes)
        return "\n".join(lines)


def _m2(area: float) -> str:
    return f"{area:,.0f} m²" if area >= 100 else f"{area:.3g} m²"


def _thinness(geoms: np.ndarray) -> np.ndarray:
    perim = shapely.length(geoms)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = 4 * np.pi * shapely.area(geoms) / perim**2
    return np.nan_to_num(t, nan=0.0)


def check_networks(
    networks: gpd.GeoDataFrame,
    *,
    gap_max_area: float | None = None,
    sliver_ratio: float | None = None,
    sliver_area: float | None = None,
) -> CheckReport:
    """Report invalid geometry, overlaps (with area), slivers and gaps between networks.

    Parameters
    ----------
    networks : GeoDataFrame
        Active networks as :meth:`Store.networks` returns them (projected CRS).
    gap_max_area : float, optional
        Largest hole (m²) in the union of networks reported as a gap; default ``settings.gap_max_area``.
    sliver_ratio : float, optional
        Thinness (4πA/P²) below which an overlap or gap is a sliver; default ``settings.sliver_ratio``.
    sliver_area : float, optional
        Area (m²) below which an overlap or gap is a sliver whatever its shape (digitising
        noise between neighbouring boundaries); default ``settings.sliver_area``.
    """
    gap_max_area = settings.gap_max_area if gap_max_area is None else gap_max_area
    sliver_ratio = settings.sliver_ratio if sliver_ratio is None else sliver_ratio
    sliver_area = settings.sliver_area if sliver_area is None else sliver_area
    crs = networks.crs
    notes = []
    work = networks
    if crs is not None and crs.is_geographic and len(networks):
        work, note = to_metric(networks, what="the networks")
        notes.append(f"{note}; areas are in m²")
    geoms = work.geometry.to_numpy()
    ids = work["network_id"].to_numpy()
    valid = shapely.is_valid(geoms)
    repair = work["repair_note"] if "repair_note" in work else pd.Series([None] * len(work))
    mask = ~valid | repair.notna().to_numpy()
    invalid = gpd.GeoDataFrame(
        {
            "network_id": ids[mask],
            "valid_now": valid[mask],
            "reason": [shapely.is_valid_reason(g) for g in geoms[mask]],
            "repair_note": repair.to_numpy()[mask],
        },
        geometry=networks.geometry.to_numpy()[mask],
        crs=crs,
    )
    # Overlaps: pairs whose interiors intersect.
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    inter = shapely.intersection(geoms[a], geoms[b])
    inter = np.array([_polygonal(g) for g in inter], dtype=object)
    area = shapely.area(inter)
    pos = area > 0
    a, b, inter, area = a[pos], b[pos], inter[pos], area[pos]
    smaller = np.minimum(shapely.area(geoms[a]), shapely.area(geoms[b]))
    share = area / smaller
    nested = share > 0.999
    overlaps = gpd.GeoDataFrame(
        {
            "network_id_a": ids[a],
            "network_id_b": ids[b],
            "area_m2": area,
            "share_of_smaller": share,
            "relation": np.where(nested, "nested", "partial"),
            "sliver": (~nested) & ((_thinness(inter) < sliver_ratio) | (area < sliver_area)),
        },
        geometry=gpd.GeoSeries(inter, crs=work.crs).to_crs(crs) if len(inter) else gpd.GeoSeries([], crs=crs),
        crs=crs,
    )
    # Gaps: enclosed holes in the union of all active networks.
    holes = []
    if len(geoms):
        union = shapely.union_all(geoms)
        for poly in shapely.get_parts(union):
            if poly.geom_type != "Polygon":
                continue
            holes.extend(shapely.Polygon(r) for r in poly.interiors)
    holes_arr = np.array(holes, dtype=object)
    harea = shapely.area(holes_arr) if len(holes_arr) else np.array([])
    small = harea <= gap_max_area
    holes_arr, harea = holes_arr[small], harea[small]
    gaps = gpd.GeoDataFrame(
        {
            "area_m2": harea,
            "sliver": (_thinness(holes_arr) < sliver_ratio) | (harea < sliver_area)
            if len(holes_arr)
            else np.array([], bool),
        },
        geometry=gpd.GeoSeries(holes_arr, crs=work.crs).to_crs(crs) if len(holes_arr) else gpd.GeoSeries([], crs=crs),
        crs=crs,
    )
    return CheckReport(invalid=invalid, overlaps=overlaps.reset_index(drop=True), gaps=gaps, notes=notes)


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    if g is None or g.is_empty:
        return shapely.Polygon()
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
