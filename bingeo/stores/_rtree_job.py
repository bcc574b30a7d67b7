"""The packed R-tree of a point layer, made by a second process while GDAL writes the layer's rows.

``python -c`` runs :func:`main` with a ``.npy`` file of the points' coordinates (n × 2; NaN: no geometry)
and the SQLite file to make: it packs the R-tree of the rows 1 … n (Sort-Tile-Recursive,
:func:`bingeo.stores._gpkg_format.rebuild_rtree`) into the R-tree :data:`PACKED` of that file, whose shadow
tables the writer then copies into the GeoPackage (:func:`bingeo.stores._gpkg_format.add_packed_rtree`).
Only numpy, shapely and the standard library are imported: no pandas, GDAL or Arrow.
"""

from __future__ import annotations

import sqlite3
import sys

import numpy as np

__all__ = ["PACKED", "pack_into", "main"]

#: The name of the R-tree in the file the second process makes.
PACKED = "packed"


def pack_into(path: str, xy: np.ndarray) -> None:
    """Make the SQLite file ``path`` holding the R-tree :data:`PACKED` of the rows 1 … n at ``xy`` (packed)."""
    from bingeo.stores import _gpkg_format as fmt

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")  # a scratch file: made whole or thrown away
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"CREATE VIRTUAL TABLE {PACKED} USING rtree(id, minx, maxx, miny, maxy)")
        has = ~np.isnan(xy).any(axis=1)
        ids = np.arange(1, len(xy) + 1, dtype=np.int64)[has]
        conn.execute("BEGIN")
        fmt.rebuild_rtree(conn, PACKED, ids, fmt.rtree_floats(xy[has][:, [0, 0, 1, 1]]))
        conn.execute("COMMIT")
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> None:
    """``XY.npy OUT.sqlite``: pack the R-tree of the points in ``XY.npy`` into ``OUT.sqlite``."""
    xy_path, out = (sys.argv[1:] if argv is None else argv)[:2]
    pack_into(out, np.load(xy_path))
