"""The rows of a first import into an empty GeoPackage table, written from Arrow into a scratch SQLite file.

Binding the values of a million rows through Python's ``sqlite3`` costs ~4 µs a row (16 values); the ADBC
SQLite driver binds an Arrow table's values in C (~1.9 µs a row) and lets go of Python's lock while it does, so
the rows go into a scratch file on a second thread while this one packs the R-tree. The scratch file holds a
table made by the store table's own ``CREATE TABLE`` (same columns, declared types, constraints), its indexes
(made there, on that thread) and the memo; the store then attaches it and copies each by ``INSERT INTO main.t
SELECT * FROM scratch.t``, which SQLite carries out record by record without decoding them (its transfer
shortcut: the schemas are the same, the target is empty and without triggers), indexes included (their
entries copied in order: no sort). The rows keep the fids the scratch file gives them, which are the ones the
empty table would have given (after the largest it ever had, ``sqlite_sequence``).

The scratch file is written by the ADBC driver's own SQLite library and only then opened by ``sqlite3``'s:
the two libraries never hold the same file at once (SQLite's locks are per process, not per library). The
store's file is only ever written by ``sqlite3``, in the one transaction of the import.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SCRATCH_ROWS",
    "CACHE_KIB",
    "Part",
    "RTREE_COLUMNS",
    "Scratch",
    "arrow_column",
    "point_blobs",
    "available",
    "rtree_parts",
]

log = logging.getLogger(__name__)

#: Rows from which a first import into an empty table goes through a scratch file (below, the thread and the
#: driver's start cost more than they save).
SCRATCH_ROWS = 20_000

#: Page cache of the scratch files' connections, in KiB. Small: rows are only appended, and SQLite sorts an index in
#: runs of the cache's size, which are faster to sort than one run of all (a million keys: 0.75 s against 1.0 s).
CACHE_KIB = 4 * 1024


def available() -> bool:
    """Whether the ADBC SQLite driver can be imported (else the rows are bound through ``sqlite3``)."""
    try:  # the driver's own API: its DB-API module imports pyarrow.dataset (~0.5 s)
        import adbc_driver_manager  # noqa: F401
        import adbc_driver_sqlite  # noqa: F401
    except ImportError:
        return False
    return True


def arrow_column(values: pd.Series) -> Any:
    """Return ``values`` as the Arrow array whose values SQLite stores as ``sqlite3`` binds them, or None.

    Arrow text as it is; booleans (stored as 0/1) and 64-bit integers; any other column only when its values
    are all text, all whole numbers or all booleans, or None (the dates as the store formats them). None:
    another kind of value (the caller binds the rows through ``sqlite3`` then).
    """
    import pyarrow as pa

    arrow = getattr(values.array, "_pa_array", None)
    if arrow is not None and str(arrow.type) in ("string", "large_string"):
        return arrow
    if values.dtype == bool:
        return pa.array(values.to_numpy(dtype=bool))
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "i":
        return pa.array(values.to_numpy(dtype=np.int64))
    if values.dtype.kind in "OT":  # the values' kind inferred in C: text (or None only); not bytes, numbers
        try:
            out = pa.array(values.to_numpy(dtype=object), from_pandas=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return None
        if out.type == pa.null():
            return pa.nulls(len(out), pa.large_string())
        if out.type in (pa.string(), pa.large_string(), pa.int64(), pa.bool_()):  # text, whole numbers, booleans
            return out
    return None


def point_blobs(geoms: np.ndarray, srs_id: int) -> tuple[Any, np.ndarray] | None:
    """Return the GeoPackage blobs of points (None: no geometry) as one Arrow binary array, and their R-tree boxes.

    The blobs :func:`bingeo.stores._gpkg_format.encode_many` makes, from one buffer (no bytes object per row);
    boxes minx, maxx, miny, maxy, NaN where there is no geometry. None unless every geometry is a non-empty 2-D
    point with finite coordinates or missing.
    """
    import pyarrow as pa

    from bingeo.stores import _gpkg_format as fmt

    present = ~shapely.is_missing(geoms)
    some = geoms[present]
    if len(some) and (not (shapely.get_type_id(some) == 0).all() or shapely.has_z(some).any()):
        return None
    xy = shapely.get_coordinates(some)
    if len(xy) != len(some) or not np.isfinite(xy).all():
        return None
    rec = fmt.point_records(xy, srs_id)
    offsets = np.zeros(len(geoms) + 1, dtype=np.int64)
    np.cumsum(present * rec.dtype.itemsize, out=offsets[1:])
    valid = None if present.all() else pa.array(present).buffers()[1]
    blobs = pa.Array.from_buffers(pa.large_binary(), len(geoms), [valid, pa.py_buffer(offsets), pa.py_buffer(rec)])
    box = np.full((len(geoms), 4), np.nan)
    box[present] = xy[:, [0, 0, 1, 1]]
    return blobs, box


#: One table of a scratch file: its name, ``CREATE TABLE``, ``CREATE INDEX`` statements and Arrow rows.
Part = tuple[str, str, list[str], Any]


class Scratch:
    """A scratch SQLite file written on a thread of its own, attached to the store's connection as ``schema``.

    ``parts`` are written in order: each a :data:`Part`, or a function run on that thread that returns some
    (work that can wait for the file, e.g. packing an R-tree). :meth:`attach` waits for the thread and
    attaches the file (outside a transaction); :meth:`close` detaches it and removes it. A failure writing it is
    kept and :meth:`attach` returns False (the caller binds the rows through ``sqlite3`` then).
    """

    def __init__(self, schema: str, parts: list[Part | Callable[[], list[Part]]]) -> None:
        self.schema = schema
        self._folder = Path(tempfile.mkdtemp(prefix="bingeo-scratch-"))
        self.path = self._folder / "rows.sqlite"
        self._parts = parts
        self._error: BaseException | None = None
        self._attached: sqlite3.Connection | None = None
        self._thread = threading.Thread(target=self._write, name=f"bingeo-{schema}", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        try:
            import adbc_driver_manager as adbc
            import adbc_driver_sqlite

            database = adbc_driver_sqlite.connect(str(self.path))
            try:
                con = adbc.AdbcConnection(database)
                try:
                    self._fill(adbc, con)
                finally:
                    con.close()
            finally:
                database.close()
        except BaseException as exc:  # noqa: BLE001 - kept: the caller takes the other way
            self._error = exc

    def _fill(self, adbc: Any, con: Any) -> None:
        def run(sql: str) -> None:
            statement = adbc.AdbcStatement(con)
            try:
                statement.set_sql_query(sql)
                statement.execute_update()
            finally:
                statement.close()

        run("PRAGMA journal_mode = OFF")  # a scratch file: made whole or thrown away
        run("PRAGMA synchronous = OFF")
        run(f"PRAGMA cache_size = -{CACHE_KIB}")
        run("BEGIN")
        for part in self._parts:
            for name, ddl, indexes, rows in part() if callable(part) else [part]:
                # AUTOINCREMENT would read and write sqlite_sequence for each row (the fids are given)
                run(re.sub(r"\bAUTOINCREMENT\b", "", ddl, flags=re.IGNORECASE))
                if rows.num_rows:
                    statement = adbc.AdbcStatement(con)
                    try:
                        target = {adbc.INGEST_OPTION_TARGET_TABLE: name}
                        statement.set_options(**target, **{adbc.INGEST_OPTION_MODE: adbc.INGEST_OPTION_MODE_APPEND})
                        statement.bind_stream(rows)  # Arrow's C stream; the rows bound and stepped without the GIL
                        statement.execute_update()
                    finally:
                        statement.close()
                for sql in indexes:
                    run(sql)
        run("COMMIT")

    def attach(self, conn: sqlite3.Connection) -> bool:
        """Wait for the file; attach it to ``conn``; False when it could not be written."""
        self._thread.join()
        if self._error is not None:
            log.debug("scratch file not written (%s); rows bound through sqlite3", self._error)
            return False
        conn.execute(f"ATTACH DATABASE ? AS {self.schema}", (str(self.path),))
        self._attached = conn
        return True

    def close(self) -> None:
        """Detach and remove the scratch file (waiting for its thread if it still runs)."""
        self._thread.join()
        if self._attached is not None:
            try:
                self._attached.execute(f"DETACH DATABASE {self.schema}")
            except sqlite3.Error as exc:  # pragma: no cover - a closed connection: nothing attached any more
                log.debug("scratch file not detached: %s", exc)
            self._attached = None
        shutil.rmtree(self._folder, ignore_errors=True)


#: The columns of an R-tree's shadow tables, as SQLite makes them (``rtree.c``).
RTREE_COLUMNS = {"node": ("nodeno", "data"), "rowid": ("rowid", "nodeno"), "parent": ("nodeno", "parentnode")}


def rtree_parts(rtree: str, ddl: dict[str, str], size: int, ids: np.ndarray, box: np.ndarray) -> list[Part]:
    """Return the three shadow tables of the R-tree ``rtree`` of the entries ``ids`` with envelopes ``box``, packed.

    ``box``: minx, maxx, miny, maxy as doubles; nodes of ``size`` bytes; ``ddl``: the tables' ``CREATE TABLE`` by
    suffix. Each :data:`Part` in key order:
    the rows :func:`bingeo.stores._gpkg_format.rebuild_rtree` writes.
    """
    import pyarrow as pa

    from bingeo.stores import _gpkg_format as fmt

    nodes, rowid, parent = fmt.pack_rtree(size, ids, fmt.rtree_floats(box).astype(np.float32))
    node = pa.table({"nodeno": pa.array([k for k, _ in nodes], pa.int64()), "data": pa.array([b for _, b in nodes])})
    out: list[Part] = [(f"{rtree}_node", ddl["node"], [], node.sort_by("nodeno"))]
    for suffix, pairs in (("rowid", rowid), ("parent", parent)):
        keys = np.concatenate([k for k, _ in pairs]) if pairs else np.empty(0, np.int64)
        values = np.concatenate([v for _, v in pairs]) if pairs else np.empty(0, np.int64)
        order = np.argsort(keys, kind="stable")
        key, value = RTREE_COLUMNS[suffix]
        rows = pa.table({key: pa.array(keys[order], pa.int64()), value: pa.array(values[order], pa.int64())})
        out.append((f"{rtree}_{suffix}", ddl[suffix], [], rows))
    return out
