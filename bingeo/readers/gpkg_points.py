"""Point layers written to a GeoPackage fast: rows through GDAL without index, then one packed R-tree.

GDAL's GeoPackage driver fills the R-tree spatial index row by row as it inserts (through the standard
triggers, or its own threaded builder), which is more than half of the time of writing a million points. A
large point layer is therefore written with ``SPATIAL_INDEX=NO`` through pyogrio's Arrow path, and its R-tree
is then made in one Sort-Tile-Recursive pass by the store's packer
(:func:`bingeo.stores._gpkg_format.add_packed_rtree`), with the same GeoPackage 1.2 triggers and
``gpkg_extensions`` row: the same file for GDAL and QGIS, the same rows and the same R-tree entries.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import shapely

__all__ = ["BULK_POINT_ROWS", "write_points_gpkg"]

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
    from bingeo.stores import _gpkg_format as fmt

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
    conn = sqlite3.connect(p, isolation_level=None)
    try:
        conn.execute("BEGIN")
        column, count, first, last = conn.execute(
            f"SELECT (SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?), count(*), min(fid), "
            f'max(fid) FROM "{layer}"',  # noqa: S608 - the layer name is quoted
            (layer,),
        ).fetchone()
        if column != "geom" or count != len(df) or last - first + 1 != count:  # pragma: no cover - GDAL's way
            msg = f"{p}: layer {layer!r} is not the fresh point table GDAL writes"
            raise RuntimeError(msg)
        ids = np.arange(first, last + 1, dtype=np.int64)  # the rows in the order given
        fmt.add_packed_rtree(conn, layer, ids, xy[:, [0, 0, 1, 1]])
        conn.execute("COMMIT")
    finally:
        conn.close()
