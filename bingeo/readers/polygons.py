""":func:`read_polygons`: network boundaries from any common vector file, refusing what it would drop."""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo._crs import CRSLike, crs_label, same_crs, to_crs
from bingeo.errors import CRSError, InputError
from bingeo.readers.points import _crs_conflict
from bingeo.readers.sources import _read_vector, check_source, source_kind

logger = logging.getLogger("bingeo.readers")


def read_polygons(
    source: str | os.PathLike[str],
    *,
    layer: str | None = None,
    crs: CRSLike | None = None,
    target_crs: CRSLike | None = None,
) -> gpd.GeoDataFrame:
    """Read network boundaries (polygons) from a vector file.

    Parameters
    ----------
    source : str or os.PathLike
        GeoPackage, Shapefile, zipped Shapefile (``.zip``), GeoJSON, KML or GeoParquet.
    layer : str, optional
        Layer name (GeoPackage layer, shapefile name inside a zip). Without it the
        only layer, or the only polygon layer, is used.
    crs : CRS-like, optional
        CRS for a source without one (otherwise it must agree with the file).
    target_crs : CRS-like, optional
        Reproject the polygons to this CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        Original attribute columns plus ``geometry`` (2D Polygon or MultiPolygon),
        index ``0..n-1``. Empty KML styling fields (``tessellate``, ``icon``, ...)
        are dropped; polygon parts are taken out of GeometryCollections.

    Raises
    ------
    InputError
        Missing, corrupt or empty file or layer; unknown layer; several layers and
        not exactly one polygon layer; features that are not polygons (count and first
        feature number) or null geometries (up to 5 feature numbers); a ``crs`` that
        contradicts the file's own.
    CRSError
        The source has no CRS and no ``crs`` was given.

    See Also
    --------
    read_points : incidents and addresses.
    """
    label = str(source)
    path = check_source(source)
    crs_given = to_crs(crs, what="`--crs`") if crs is not None else None
    target = to_crs(target_crs, what="`target_crs`") if target_crs is not None else None
    kind = source_kind(path)
    if kind in ("text", "sheet"):
        what = "a spreadsheet" if kind == "sheet" else "a text table"
        msg = (
            f"{label}: {what} cannot hold network boundaries. Give a "
            f"GeoPackage, Shapefile, "
            "zipped Shapefile, GeoJSON or KML."
        )
        raise InputError(msg)
    try:
        with warnings.catch_warnings():  # GDAL's "Non closed ring detected": such rings are handled below
            warnings.filterwarnings("ignore", message="Non closed ring", category=RuntimeWarning)
            frame, driver = _read_vector(path, label, layer, want="polygon")
    except shapely.errors.GEOSException:
        frame, driver = _read_unreadable_rings(path, label, layer)
    if not isinstance(frame, gpd.GeoDataFrame) or frame._geometry_column_name not in frame.columns:
        msg = f"{label}: the layer has no geometry (it is a plain table). Give a layer with polygons."
        raise InputError(msg)
    if len(frame) == 0:
        msg = f"{label}: the layer is empty (no features)."
        raise InputError(msg)
    frame = frame.reset_index(drop=True)
    arr = np.asarray(frame.geometry.values, dtype=object)
    null = shapely.is_missing(arr) | shapely.is_empty(arr)
    if null.any():
        rows = (np.flatnonzero(null) + 1)[:5]
        msg = (
            f"{label}: {int(null.sum()):,} feature(s) have no geometry (null or "
            f"empty), e.g. feature(s) "
            f"{', '.join(map(str, rows))} (1-based). Fix or delete them in the source."
        )
        raise InputError(msg)
    if shapely.has_z(arr).any():
        arr = shapely.force_2d(arr)
    types = shapely.get_type_id(arr)
    gc = types == 7
    if gc.any():
        arr = arr.copy()
        arr[gc] = [_polygon_parts(g) for g in arr[gc]]
        types = shapely.get_type_id(arr)
    polygonal = (types == 3) | (types == 6)
    if not polygonal.all():
        kinds = pd.Series([g.geom_type for g in arr]).value_counts()
        listed = ", ".join(f"{k} ({v:,})" for k, v in kinds.items())
        if not polygonal.any():
            msg = f"{label}: the layer has no polygons; it holds {listed}. Give a layer of polygons."
        else:
            first = int(np.flatnonzero(~polygonal)[0]) + 1
            msg = (
                f"{label}: {int((~polygonal).sum()):,} feature(s) are not polygons "
                f"(first: feature "
                f"{first}, 1-based; the layer holds {listed}). Remove them or split "
                f"the layer."
            )
        raise InputError(msg)
    file_crs = to_crs(frame.crs, what=f"the CRS of {label}") if frame.crs is not None else None
    if file_crs is not None and crs_given is not None and not same_crs(file_crs, crs_given):
        raise _crs_conflict(label, file_crs, crs_given)
    src = file_crs or crs_given
    if src is None:
        msg = (
            f"{label}: the file has no CRS. Give one with `--crs`, "
            f"e.g. 28992 for "
            "RD New, 31370 for Lambert 72, 3812 for Lambert 2008, 4326 for "
            "longitude/latitude; or add a "
            ".prj file beside the shapefile."
        )
        raise CRSError(msg)
    gcol = frame._geometry_column_name
    out = gpd.GeoDataFrame(frame.drop(columns=gcol), geometry=gpd.GeoSeries(arr, crs=src), crs=src)
    if gcol != "geometry":
        logger.info("%s: geometry column %r renamed to 'geometry'", label, gcol)
    if target is not None and not same_crs(src, target):
        out = out.to_crs(target)
        logger.info(
            "%s: reprojected %d polygons from %s to %s",
            label,
            len(out),
            crs_label(src),
            crs_label(target),
        )
    out.attrs.update(frame.attrs)
    n_invalid = int((~out.geometry.is_valid).sum())
    logger.info(
        "%s: %d polygons in %s (%d invalid)",
        label,
        len(out),
        crs_label(out.crs),
        n_invalid,
    )
    return out


def _read_unreadable_rings(path: Any, label: str, layer: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """Read a layer some of whose rings GEOS cannot build (unclosed, or fewer than 4 points).

    GDAL closes such rings (``on_invalid="fix"``); which features needed it is recorded in
    ``frame.attrs["bingeo_read_repairs"]`` (0-based position -> note), so the import reports each one.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Non closed ring", category=RuntimeWarning)
        fixed, driver = _read_vector(path, label, layer, want="polygon", on_invalid="fix")
        plain, _ = _read_vector(path, label, layer, want="polygon", on_invalid="ignore")
    broken = np.flatnonzero(shapely.is_missing(np.asarray(plain.geometry.values, dtype=object)))
    fixed.attrs["bingeo_read_repairs"] = {
        int(i): "a ring that GEOS cannot build (not closed, or under 4 points) was closed on reading" for i in broken
    }
    logger.info("%s: %d feature(s) with unclosed or too short rings, closed on reading", label, len(broken))
    return fixed, driver


def _polygon_parts(geom: Any) -> Any:
    parts = shapely.get_parts(geom)
    polys: list[Any] = []
    for p in parts:
        t = shapely.get_type_id(p)
        if t == 3:
            polys.append(p)
        elif t == 6:
            polys.extend(shapely.get_parts(p))
        elif t == 7:
            sub = _polygon_parts(p)
            if shapely.get_type_id(sub) in (3, 6):
                polys.extend(shapely.get_parts(sub))
    if not polys:
        return geom
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
