"""Point layers written to a GeoPackage fast: rows through GDAL without index, then one packed R-tree.

GDAL's GeoPackage driver fills the R-tree spatial index row by row as it inserts (through the standard
triggers, or its own threaded builder), which is more than half of the time of writing a million points. A
large point layer is therefore written with ``SPATIAL_INDEX=NO`` through pyogrio's Arrow path, and its R-tree
is then made in one Sort-Tile-Recursive pass by the store's packer
(:func:`bingeo.stores._gpkg_format.add_packed_rtree`), with the same GeoPackage 1.2 triggers and
``gpkg_extensions`` row: the same file for GDAL and QGIS, the same rows and the same R-tree entries.

GDAL holds Python's lock while it writes, so the R-tree of a layer of :data:`BESIDE_ROWS` rows or more is packed
by a second process (:mod:`bingeo.stores._rtree_job`, on another core, when one is idle) while GDAL writes the
rows: the rows are 1 … n, known before they are written. Its nodes are then copied into the GeoPackage; when
that process cannot run or fails (or the rows turn out not to be 1 … n), the R-tree is packed in this process as
before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from bingeo._arrow_dates import iso_arrow
from bingeo._workers import cpu_count
from bingeo.readers import idle  # imported with the readers, at a command's start: idle time counts from then

logger = logging.getLogger("bingeo.readers")

__all__ = ["BULK_POINT_ROWS", "BESIDE_ROWS", "write_points_gpkg", "write_points_gpkg_xy"]

#: A point layer of at least this many rows gets its R-tree packed after the rows are in (below: GDAL's index).
BULK_POINT_ROWS = 10_000
#: From this many rows the R-tree is packed by a second process while GDAL writes the rows (start-up ~0.2 s).
BESIDE_ROWS = 200_000


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
    xy = np.full((len(geoms), 2), np.nan)
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy[has] = shapely.get_coordinates(geoms[has])
    with _rtree_beside(xy) as packed:
        df.to_file(
            p,
            layer=layer,
            driver="GPKG",
            engine="pyogrio",
            VERSION="1.2",
            use_arrow=True,
            SPATIAL_INDEX="NO",
            **options,
        )
        _pack_rtree(p, layer, xy, packed())


def _python() -> str | None:
    """Return the Python executable running us, or None when it is not one (e.g. inside QGIS)."""
    exe = sys.executable or ""
    return exe if re.fullmatch(r"python[\d.]*w?(\.exe)?", Path(exe).name, flags=re.IGNORECASE) else None


def _core_free() -> bool:
    """Whether a core is likely idle for a second process: idle while this command ran, or by the load average.

    On a machine whose cores are all busy, a second process only adds its start-up and the copy to the work
    (measured: 0.3 s CPU more and no shorter wall at load 3 on 2 cores); the R-tree is then packed here. The
    cores idle since the command started (:func:`bingeo.readers.idle.idle_cores`, at least
    :data:`bingeo.readers.idle.FREE_CORE`) answer for now; where that is unknown, the 1-minute load average
    (this process counts) must be below the cores.
    """
    cores = cpu_count()
    free = idle.idle_cores()
    if cores > 1 and free is not None:
        return free >= idle.FREE_CORE
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average (Windows): trust the count of cores
        return cores > 1
    return cores > 1 and load <= cores - 1


#: What the second process runs: put this bingeo first on the path, then pack (argv: root, xy.npy, out).
_JOB = "import sys; sys.path.insert(0, sys.argv.pop(1)); from bingeo.stores._rtree_job import main; main()"


@contextlib.contextmanager
def _rtree_beside(xy: np.ndarray) -> Iterator[Callable[[], Path | None]]:
    """Pack the R-tree of the rows 1 … n at ``xy`` in a second process while the caller writes the rows.

    Yields a function that waits for that process and returns the SQLite file holding the packed R-tree
    (:data:`bingeo.stores._rtree_job.PACKED`), or None: not made (few rows, no Python to run, no idle core, or
    it failed), to be packed here. On leaving, the process is ended if still running and its files are removed,
    also when the caller failed.
    """
    python = _python()
    folder = None
    if len(xy) >= BESIDE_ROWS and python is not None and _core_free():
        with contextlib.suppress(OSError):  # no temporary folder: packed here
            folder = Path(tempfile.mkdtemp(prefix="bingeo-rtree-"))
    if folder is None or python is None:
        yield lambda: None
        return
    proc: subprocess.Popen[bytes] | None = None
    try:
        root = str(Path(__file__).resolve().parents[2])
        out = folder / "rtree.sqlite"
        try:  # a full disk or no Python to start: packed here
            np.save(folder / "xy.npy", xy)
            proc = subprocess.Popen(
                [python, "-c", _JOB, root, str(folder / "xy.npy"), str(out)],
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            logger.debug("R-tree packed here: no second process (%s)", exc)

        def packed() -> Path | None:
            if proc is None:
                return None
            _, err = proc.communicate()
            if proc.returncode != 0:
                logger.debug("R-tree packed here: the second process failed: %s", err.decode(errors="replace")[-500:])
                return None
            return out

        yield packed
    finally:
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


def _pack_rtree(p: Path, layer: str, xy: np.ndarray, packed: Path | None = None) -> None:
    """Give ``layer`` (just written by GDAL without index, its rows at ``xy``, NaN: none) its packed R-tree.

    ``packed``: a file holding the R-tree of the rows 1 … n at ``xy`` packed beside (:func:`_rtree_beside`),
    copied in when the rows are 1 … n.
    """
    from bingeo.stores import _gpkg_format as fmt
    from bingeo.stores._rtree_job import PACKED

    conn = sqlite3.connect(p, isolation_level=None)
    try:
        if packed is not None:  # not inside a transaction
            conn.execute("ATTACH DATABASE ? AS beside", (str(packed),))
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
        beside = f"beside.{PACKED}" if packed is not None and first == 1 else None
        fmt.add_packed_rtree(conn, layer, ids, xy[:, [0, 0, 1, 1]], packed=beside)
        conn.execute("COMMIT")
        if packed is not None:
            conn.execute("DETACH DATABASE beside")
    finally:
        conn.close()


#: A 2-D point's WKB, little endian: byte order, type, x, y.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("xy", "<f8", (2,))])


def _arrow_table(df: pd.DataFrame) -> Any:
    """``df`` as the Arrow table GDAL gets: naive datetimes as ISO text (:func:`iso_arrow`), no index."""
    import pyarrow as pa

    from bingeo.readers.write import _naive_datetimes_as_text

    times = {
        c: iso_arrow(df[c])
        for c in df.columns
        if pd.api.types.is_datetime64_any_dtype(df[c]) and getattr(df[c].dt, "tz", None) is None
    }
    if any(text is None for text in times.values()):
        return pa.Table.from_pandas(_naive_datetimes_as_text(df), preserve_index=False)
    table = pa.Table.from_pandas(df, columns=[c for c in df.columns if c not in times], preserve_index=False)
    for i, c in enumerate(df.columns):
        if c in times:
            table = table.add_column(i, c, times[c])
    return table


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

    from bingeo.readers.write import replacing, write_table

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    fast = len(df) >= BULK_POINT_ROWS and _plain_columns(df) and np.isfinite(x).all() and np.isfinite(y).all()
    if not fast:
        write_table(gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs=crs), path, layer=layer)
        return
    crs = pyproj.CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    xy = np.column_stack([x, y])
    p = Path(path)
    with _rtree_beside(xy) as packed:  # started first: it runs while the table is made and written
        rec = np.empty(len(df), dtype=_WKB_POINT)
        rec["order"], rec["type"], rec["xy"] = 1, 1, xy
        offsets = pa.py_buffer((np.arange(len(df) + 1, dtype=np.int64) * _WKB_POINT.itemsize).tobytes())
        wkb = pa.Array.from_buffers(pa.large_binary(), len(df), [None, offsets, pa.py_buffer(rec.tobytes())])
        table = _arrow_table(pd.DataFrame(df))
        table = table.append_column("geometry", wkb)
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
            _pack_rtree(tmp, layer, xy, packed())
    logger.info("Wrote %d rows to %s", len(df), p)
