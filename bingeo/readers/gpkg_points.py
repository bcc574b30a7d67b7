"""Point layers written to a GeoPackage fast: rows through GDAL without index, then one packed R-tree.

GDAL's GeoPackage driver fills the R-tree spatial index row by row as it inserts (through the standard
triggers, or its own threaded builder), which is more than half of the time of writing a million points. A
large point layer is therefore written with ``SPATIAL_INDEX=NO`` through pyogrio's Arrow path, and its R-tree
is then made in one Sort-Tile-Recursive pass by the store's packer
(:func:`bingeo.stores._gpkg_format.add_packed_rtree`), with the same GeoPackage 1.2 triggers and
``gpkg_extensions`` row: the same file for GDAL and QGIS, the same rows and the same R-tree entries.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

logger = logging.getLogger("bingeo.readers")

__all__ = ["BULK_POINT_ROWS", "write_points_gpkg", "write_points_gpkg_xy"]

#: A point layer of at least this many rows gets its R-tree packed after the rows are in (below: GDAL's index).
BULK_POINT_ROWS = 10_000


def write_points_gpkg(df: Any, path: str | os.PathLike[str], *, layer: str, **options: Any) -> None:
    """Write the GeoDataFrame of points ``df`` as layer ``layer`` of the GeoPackage 1.2 ``path``, indexed.

    The file :func:`bingeo.readers.write_table` wrote before, made faster for large layers (see the module).
    ``layer`` is made anew (replaced if it exists; other layers of the file stay). ``options`` go to
    :meth:`geopandas.GeoDataFrame.to_file` (e.g. ``geometry_type``).

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame({"n": [1, 2]}, geometry=shapely.points([[0, 0], [1, 1]]), crs=28992)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "p.gpkg"
    >>> write_points_gpkg(pts, out, layer="p")
    >>> gpd.read_file(out).n.tolist()
    [1, 2]
    """
    p = Path(path)
    if len(df) < BULK_POINT_ROWS:
        df.to_file(p, layer=layer, driver="GPKG", engine="pyogrio", VERSION="1.2", use_arrow=True, **options)
        return
    geoms = np.asarray(df.geometry.values)
    if "geometry_type" not in options and not shapely.has_z(geoms).any():
        # what pyogrio would find for points only, without asking every row its type
        options.update(geometry_type="Point", promote_to_multi=False)
    df.to_file(
        p, layer=layer, driver="GPKG", engine="pyogrio", VERSION="1.2", use_arrow=True, SPATIAL_INDEX="NO", **options
    )
    xy = np.full((len(geoms), 2), np.nan)
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy[has] = shapely.get_coordinates(geoms[has])
    _pack_rtree(p, layer, xy)


def _pack_rtree(p: Path, layer: str, xy: np.ndarray) -> None:
    """Give ``layer`` (just written by GDAL without index, its rows at ``xy``, NaN: none) its packed R-tree."""
    from bingeo.stores import _gpkg_format as fmt

    conn = sqlite3.connect(p, isolation_level=None)
    try:
        conn.execute("BEGIN")
        # the count GDAL keeps (not a scan of the rows); min and max of the key are two B-tree lookups
        column, count, first, last = conn.execute(
            "SELECT (SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?1), coalesce((SELECT "
            f'feature_count FROM gpkg_ogr_contents WHERE table_name = ?1), (SELECT count(*) FROM "{layer}")), '
            f'(SELECT min(fid) FROM "{layer}"), (SELECT max(fid) FROM "{layer}")',  # noqa: S608 - quoted name
            (layer,),
        ).fetchone()
        if column != "geom" or count != len(xy) or last - first + 1 != count:  # pragma: no cover - GDAL's way
            msg = f"{p}: layer {layer!r} is not the fresh point table GDAL writes"
            raise RuntimeError(msg)
        ids = np.arange(first, last + 1, dtype=np.int64)  # the rows in the order given
        fmt.add_packed_rtree(conn, layer, ids, xy[:, [0, 0, 1, 1]])
        conn.execute("COMMIT")
    finally:
        conn.close()


#: A 2-D point's WKB, little endian: byte order, type, x, y.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("xy", "<f8", (2,))])


def _plain_columns(df: pd.DataFrame) -> bool:
    """Whether pyarrow converts every column as pyogrio's writer keeps it (text, numbers, naive times, codes)."""
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None or "geometry" in df.columns:
        return False
    if not df.columns.is_unique or not all(isinstance(c, str) for c in df.columns):
        return False
    for name in df.columns:
        dtype = df[name].dtype
        if isinstance(dtype, pd.StringDtype) or (dtype.kind in "biuf" and not isinstance(dtype, pd.CategoricalDtype)):
            continue
        if dtype.kind == "M" and getattr(dtype, "tz", None) is None:
            continue
        if pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(df[name], skipna=True) == "string":
            continue
        if isinstance(dtype, pd.CategoricalDtype) and pd.api.types.infer_dtype(dtype.categories) == "string":
            continue  # a dictionary of strings for Arrow, as pyogrio gives it
        return False
    return True


def write_points_gpkg_xy(
    df: pd.DataFrame, x: np.ndarray, y: np.ndarray, path: str | os.PathLike[str], crs: Any, *, layer: str
) -> None:
    """Write points given as a table and coordinates (``x``, ``y`` in ``crs``) as layer ``layer`` of a GeoPackage.

    The file :func:`bingeo.readers.write_table` writes for the GeoDataFrame of those points, without making the
    point objects: the geometries go to GDAL as WKB built from the coordinates at once, the R-tree is packed.
    A table with other columns than text, numbers and naive times, or few rows, takes the GeoDataFrame path.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd, numpy as np, pandas as pd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "p.gpkg"
    >>> write_points_gpkg_xy(pd.DataFrame({"n": [1, 2]}), np.array([0.0, 1]), np.array([0.0, 1]), out, 28992, layer="p")
    >>> gpd.read_file(out).geometry.x.tolist()
    [0.0, 1.0]
    """
    import geopandas as gpd
    import pyarrow as pa
    import pyproj
    from pyogrio.raw import write_arrow

    from bingeo.readers.write import _naive_datetimes_as_text, replacing, write_table

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    fast = len(df) >= BULK_POINT_ROWS and _plain_columns(df) and np.isfinite(x).all() and np.isfinite(y).all()
    if not fast:
        write_table(gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs=crs), path, layer=layer)
        return
    crs = pyproj.CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    rec = np.empty(len(df), dtype=_WKB_POINT)
    rec["order"], rec["type"], rec["xy"] = 1, 1, np.column_stack([x, y])
    offsets = pa.py_buffer((np.arange(len(df) + 1, dtype=np.int64) * _WKB_POINT.itemsize).tobytes())
    wkb = pa.Array.from_buffers(pa.large_binary(), len(df), [None, offsets, pa.py_buffer(rec.tobytes())])
    table = pa.Table.from_pandas(_naive_datetimes_as_text(pd.DataFrame(df)), preserve_index=False)
    table = table.append_column("geometry", wkb)
    p = Path(path)
    with replacing(p, keep=True) as tmp:
        write_arrow(
            table,
            tmp,
            layer=layer,
            driver="GPKG",
            geometry_name="geometry",
            geometry_type="Point",
            crs=f"EPSG:{epsg}" if epsg else crs.to_wkt("WKT1_GDAL"),
            VERSION="1.2",
            SPATIAL_INDEX="NO",
        )
        _pack_rtree(tmp, layer, np.column_stack([x, y]))
    logger.info("Wrote %d rows to %s", len(df), p)
