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
from bingeo._crs import crs_label, to_crs
from bingeo._results import Result
from bingeo.errors import InputError
from bingeo.readers.values import read_dates
from bingeo.stores import ImportReport, Store, is_postgis_url, open_store
from bingeo.stores.base import KINDS, as_multipolygon, attributes_json, iso_date

__all__ = [
    "networks_from_file",
    "networks_from_frame",
    "import_networks",
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
    lower = {c.lower(): c for c in columns}
    for cand in FIELD_CANDIDATES[wanted]:
        if cand in lower:
            return lower[cand]
    return None


def _parse_date(value: Any, *, column: str, row: int, source: str) -> str | None:
    text = iso_date(value)
    if text is None:
        return text
    got = read_dates(pd.Series([text], dtype=object)).values.iloc[0]  # THE date parser: ISO never day-first
    if not pd.isna(got):
        return got.date().isoformat()
    msg = f"{source}: row {row}, column {column!r}: {text[:40]!r} is not a date. Use YYYY-MM-DD or DD-MM-YYYY."
    raise InputError(msg)


def _repair(geom: shapely.Geometry, label: str) -> tuple[shapely.Geometry, str | None]:
    """make_valid, keep the polygonal part; return the geometry and a repair note (or None)."""
    geom = shapely.force_2d(geom)
    if geom.geom_type == "GeometryCollection":
        parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts) if parts else shapely.Polygon()
    if shapely.is_valid(geom):
        return as_multipolygon(geom), None
    reason = shapely.is_valid_reason(geom)
    before = geom.area
    fixed = shapely.make_valid(geom)
    polys = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
    fixed = shapely.union_all(polys) if polys else shapely.Polygon()
    if fixed.geom_type == "Polygon":
        fixed = shapely.MultiPolygon([fixed])
    note = f"{label}: {reason}; repaired with make_valid (area {before:,.1f} -> {fixed.area:,.1f})"
    return fixed, note


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
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Normalise a polygon GeoDataFrame to the registry's columns.

    Returns the normalised frame (in ``target_crs`` when given), the list of
    geometry repairs, and notes about the choices made (columns used, merges).
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
        msg = f"unknown network field(s) {sorted(unknown)} in `fields`; valid: {', '.join(FIELD_CANDIDATES)}."
        raise InputError(msg)
    if kind is not None and kind_field is not None:
        msg = "give either `kind` (one kind for all) or `kind_field`, not both."
        raise InputError(msg)
    if kind is not None and kind not in KINDS:
        msg = f"`kind` must be one of {', '.join(KINDS)}, got {kind!r}."
        raise InputError(msg)
    geom_col = frame.geometry.name
    columns = [c for c in frame.columns if c != geom_col]
    given = {"network_id": id_field, "name": name_field, "kind": kind_field, **fields}
    cols = {f: _find(columns, f, given.get(f), source) for f in FIELD_CANDIDATES}
    if kind is not None:
        cols["kind"] = None
    notes = []
    if cols["network_id"] is None:
        msg = (
            f"{source}: no id column found for the networks (looked for {', '.join(FIELD_CANDIDATES['network_id'])}). "
            f"Name it with `--id-field`; columns: {', '.join(columns)}."
        )
        raise InputError(msg)
    used = {f: c for f, c in cols.items() if c is not None}
    notes.append("columns used: " + ", ".join(f"{f}={c}" for f, c in used.items()))
    out_rows = []
    repairs = []
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
        founded = (
            _parse_date(rec.get(cols["founded"]), column=str(cols["founded"]), row=i, source=source)
            if cols["founded"]
            else None
        )
        valid_to = (
            _parse_date(rec.get(cols["valid_to"]), column=str(cols["valid_to"]), row=i, source=source)
            if cols["valid_to"]
            else None
        )
        if status == "retired" and valid_to is None:
            msg = (
                f"{source}: {label} is retired but has no retirement date. Add one (column 'retired_on') "
                "or retire it with `bingeo networks retire`."
            )
            raise InputError(msg)
        geom = rec[geom_col]
        if geom is None or geom.is_empty:
            msg = f"{source}: {label} has no geometry. Remove the feature or draw its boundary."
            raise InputError(msg)
        geom, note = _repair(geom, label)
        if note:
            repairs.append(note)
        if geom.is_empty:
            msg = f"{source}: {label} has no polygon area left after repairing its geometry ({note})."
            raise InputError(msg)
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
                "repair_note": note,
                "geometry": geom,
            }
        )
    out = gpd.GeoDataFrame(out_rows, geometry="geometry", crs=frame.crs)
    if target_crs is not None:
        target = to_crs(target_crs)
        if not (frame.crs == target):
            notes.append(f"reprojected from {crs_label(frame.crs)} to {crs_label(target)}")
            out = out.to_crs(target)
            # reprojection can (rarely) make a valid ring self-intersect: repair and say so
            for i in np.flatnonzero(~out.is_valid.to_numpy()):
                label = f"feature {i + 1} (id {out.at[i, 'network_id']}) after reprojection"
                geom, note = _repair(out.geometry.iloc[i], label)
                out.loc[out.index[i], "geometry"] = geom
                out.loc[out.index[i], "repair_note"] = "; ".join(x for x in (out.at[i, "repair_note"], note) if x)
                repairs.append(str(note))
    dup = out["network_id"].duplicated(keep=False)
    if dup.any():
        merged = []
        keep = []
        for nid, grp in out.groupby("network_id", sort=False):
            if len(grp) == 1:
                keep.append(grp.iloc[0].to_dict())
                continue
            first = grp.iloc[0].to_dict()
            first["geometry"] = as_multipolygon(shapely.union_all(grp.geometry.values))
            merged.append(f"{nid} ({len(grp)} features)")
            keep.append(first)
        out = gpd.GeoDataFrame(keep, geometry="geometry", crs=out.crs)
        notes.append("features sharing an id were merged into one network (multipolygon): " + ", ".join(merged))
    out["area_m2"] = _area_m2(out.geometry)
    return out, repairs, notes


def _area_m2(geoms: gpd.GeoSeries) -> np.ndarray:
    if geoms.crs is not None and geoms.crs.is_geographic:
        return geoms.to_crs(geoms.estimate_utm_crs()).area.to_numpy()
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
    source: str | os.PathLike[str],
    store: Store | str | os.PathLike[str],
    *,
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

    The store is created when it does not exist; its CRS is ``store_crs`` or,
    by default, the CRS of this first import. Everything is reprojected into it.
    Re-importing the same source updates networks by id instead of duplicating them.

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

    frame = read_polygons(source, layer=layer, crs=crs)
    own = not isinstance(store, Store)
    if own:
        target = store_crs if store_crs is not None else frame.crs
        if (
            not is_postgis_url(store)
            and not os.path.exists(os.fspath(store))
            and target is not None
            and to_crs(target).is_geographic
        ):
            log.warning(
                "the new store will use a geographic CRS (%s): areas and distances are computed in "
                "an estimated UTM zone. Give `store_crs` (e.g. 28992, 31370, 3812) for a metric store.",
                crs_label(to_crs(target)),
            )
        st = open_store(store, create=True, crs=target)
    else:
        st = store  # type: ignore[assignment]
    try:
        nets, repairs, notes = networks_from_frame(
            frame,
            source=os.fspath(source),
            id_field=id_field,
            name_field=name_field,
            kind=kind,
            kind_field=kind_field,
            fields=fields,
            target_crs=st.crs,
        )
        report = st.import_networks(nets, source=os.path.basename(os.fspath(source)), effective=effective)
    finally:
        if own:
            st.close()
    report.repairs = repairs
    report.notes = notes + report.notes
    return report


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
    if crs is not None and crs.is_geographic:
        work = networks.to_crs(networks.estimate_utm_crs())
        notes.append(f"areas computed in {crs_label(work.crs)}")
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
