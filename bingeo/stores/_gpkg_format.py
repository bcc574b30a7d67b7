"""GeoPackage 1.2 building blocks written with the standard library's sqlite3.

GDAL wheels write GeoPackage 1.4, which QGIS 3.22 warns about; bingeo's store
writes version 1.2 (``PRAGMA user_version = 10200``) by hand so that it also
controls transactions across tables. This module holds the pieces of the
GeoPackage encoding: the geometry blob header, the core metadata tables, and
the R-tree spatial index with the standard triggers.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely

from bingeo.errors import CRSError

if TYPE_CHECKING:  # pyproj is imported where a store is created: opening one needs none
    import pyproj

__all__ = [
    "APPLICATION_ID",
    "USER_VERSION",
    "encode",
    "decode",
    "decode_many",
    "register_functions",
    "create_core_tables",
    "add_srs",
    "create_feature_table",
    "create_attribute_table",
    "update_extent",
    "rebuild_rtree",
    "add_packed_rtree",
]

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10200  # GeoPackage 1.2.0
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_HEADER = struct.Struct("<2sBBi")


def encode(geom: shapely.Geometry | None, srs_id: int) -> bytes | None:
    """Encode one shapely geometry as a GeoPackage geometry blob (little endian, xy envelope)."""
    if geom is None:
        return None
    wkb = shapely.to_wkb(geom, byte_order=1, output_dimension=2)
    if shapely.is_empty(geom):
        return _HEADER.pack(b"GP", 0, 0b00010001, srs_id) + wkb
    minx, miny, maxx, maxy = shapely.bounds(geom)
    return _HEADER.pack(b"GP", 0, 0b00000011, srs_id) + struct.pack("<4d", minx, maxx, miny, maxy) + wkb


def encode_many(geoms: Sequence[shapely.Geometry | None], srs_id: int) -> list[bytes | None]:
    """Encode an array of geometries (vectorized WKB and bounds, one header per row)."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return []
    points = _encode_points(geoms, srs_id)
    if points is not None:
        return points
    wkbs = shapely.to_wkb(geoms, byte_order=1, output_dimension=2)
    bounds = shapely.bounds(geoms)
    empty = shapely.is_empty(geoms)
    full = _HEADER.pack(b"GP", 0, 0b00000011, srs_id)
    hollow = _HEADER.pack(b"GP", 0, 0b00010001, srs_id)
    env = struct.Struct("<4d")
    out: list[bytes | None] = []
    for wkb, b, e in zip(wkbs, bounds, empty):
        if wkb is None:
            out.append(None)
        elif e:
            out.append(hollow + wkb)
        else:
            out.append(full + env.pack(b[0], b[2], b[1], b[3]) + wkb)
    return out


#: A 2-D point's blob: header, envelope (minx, maxx, miny, maxy), little-endian WKB (byte order, type, x, y).
_POINT_BLOB = np.dtype(
    [("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs", "<i4"), ("env", "<f8", (4,))]
    + [("order", "u1"), ("type", "<u4"), ("xy", "<f8", (2,))]
)


def _encode_points(geoms: np.ndarray, srs_id: int) -> list[bytes] | None:
    """Encode non-empty 2-D points with finite coordinates as :func:`encode` does, all at once (else None)."""
    if not (shapely.get_type_id(geoms) == 0).all() or shapely.has_z(geoms).any():
        return None
    xy = shapely.get_coordinates(geoms)
    if len(xy) != len(geoms) or not np.isfinite(xy).all():
        return None
    data, size = point_records(xy, srs_id).tobytes(), _POINT_BLOB.itemsize
    return [data[k : k + size] for k in range(0, len(data), size)]


def point_records(xy: np.ndarray, srs_id: int) -> np.ndarray:
    """Return the blobs of the 2-D points ``xy`` (n × 2, finite) as one array of :data:`_POINT_BLOB` records."""
    rec = np.zeros(len(xy), dtype=_POINT_BLOB)
    rec["magic"], rec["version"], rec["flags"], rec["srs"] = b"GP", 0, 0b00000011, srs_id
    rec["env"] = xy[:, [0, 0, 1, 1]]
    rec["order"], rec["type"], rec["xy"] = 1, 1, xy
    return rec


def _wkb_offset(blob: bytes) -> int:
    flags = blob[3]
    return 8 + _ENVELOPE_BYTES[(flags >> 1) & 0b111]


def decode(blob: bytes | None) -> shapely.Geometry | None:
    """Decode one GeoPackage geometry blob."""
    if blob is None:
        return None
    if blob[:2] != b"GP":
        msg = "not a GeoPackage geometry blob (it does not start with 'GP')"
        raise ValueError(msg)
    return shapely.from_wkb(blob[_wkb_offset(blob) :])


def decode_many(blobs: Iterable[bytes | None]) -> np.ndarray:
    """Decode many blobs at once (WKB parsing vectorized in shapely)."""
    wkbs = [None if b is None else b[_wkb_offset(b) :] for b in blobs]
    if not wkbs:
        return np.empty(0, dtype=object)
    return shapely.from_wkb(np.asarray(wkbs, dtype=object))


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    if blob is None or len(blob) < 8:
        return None
    flags = blob[3]
    if flags & 0b00010000:  # empty
        return None
    code = (flags >> 1) & 0b111
    if code == 0:
        geom = decode(blob)
        if geom is None or geom.is_empty:
            return None
        minx, miny, maxx, maxy = geom.bounds
        return (minx, maxx, miny, maxy)
    order = "<" if flags & 1 else ">"
    return struct.unpack_from(order + "4d", blob, 8)  # minx, maxx, miny, maxy


def _is_empty(blob: bytes | None) -> int:
    return 1 if blob is None or _envelope(blob) is None else 0


def _env_at(i: int):  # noqa: ANN202 - sqlite function factory
    def f(blob: bytes | None) -> float | None:
        env = _envelope(blob)
        return None if env is None else env[i]

    return f


def register_functions(conn: sqlite3.Connection) -> None:
    """Register the ST_* SQL functions that the standard R-tree triggers call.

    GDAL registers these in its own connections; a plain sqlite3 connection
    must register them before it writes to a table with a spatial index.
    """
    det = {"deterministic": True}
    conn.create_function("ST_IsEmpty", 1, _is_empty, **det)
    conn.create_function("ST_MinX", 1, _env_at(0), **det)
    conn.create_function("ST_MaxX", 1, _env_at(1), **det)
    conn.create_function("ST_MinY", 1, _env_at(2), **det)
    conn.create_function("ST_MaxY", 1, _env_at(3), **det)


_EXTENSIONS_DDL = """CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"""
_CORE_DDL = (
    """
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE IF NOT EXISTS gpkg_tile_matrix_set (
  table_name TEXT NOT NULL PRIMARY KEY, srs_id INTEGER NOT NULL, min_x DOUBLE NOT NULL,
  min_y DOUBLE NOT NULL, max_x DOUBLE NOT NULL, max_y DOUBLE NOT NULL,
  CONSTRAINT fk_gtms_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gtms_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE IF NOT EXISTS gpkg_tile_matrix (
  table_name TEXT NOT NULL, zoom_level INTEGER NOT NULL, matrix_width INTEGER NOT NULL,
  matrix_height INTEGER NOT NULL, tile_width INTEGER NOT NULL, tile_height INTEGER NOT NULL,
  pixel_x_size DOUBLE NOT NULL, pixel_y_size DOUBLE NOT NULL,
  CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level),
  CONSTRAINT fk_tmm_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name));
"""
    + _EXTENSIONS_DDL
)


def _default_srs() -> list[tuple[str, int, str, int, str, str]]:
    """Return the rows every GeoPackage's gpkg_spatial_ref_sys holds."""
    import pyproj

    return [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            pyproj.CRS.from_epsg(4326).to_wkt("WKT1_GDAL"),
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
    ]


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several SQL statements inside the current transaction.

    ``sqlite3.Connection.executescript`` commits first, which would break the
    all-or-nothing guarantee of a store write; this splits the script instead.
    """
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            conn.execute(buf)
            buf = ""
    if buf.strip():
        conn.execute(buf)


def create_core_tables(conn: sqlite3.Connection) -> None:
    """Create the mandatory GeoPackage tables and set the file's identity pragmas."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    execute_script(conn, _CORE_DDL)
    conn.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", _default_srs())


def add_srs(conn: sqlite3.Connection, crs: pyproj.CRS) -> int:
    """Make sure ``crs`` is in gpkg_spatial_ref_sys and return its srs_id (the EPSG code)."""
    epsg = crs.to_epsg()
    if epsg is None:
        msg = f"the store needs a CRS with an EPSG code; {crs.name!r} has none"
        raise CRSError(msg)
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)",
        (crs.name, epsg, "EPSG", epsg, crs.to_wkt("WKT1_GDAL"), crs.name),
    )
    return int(epsg)


def create_feature_table(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[tuple[str, str]],
    *,
    geometry_type: str,
    srs_id: int,
    description: str = "",
    spatial_index: bool = True,
) -> None:
    """Create a feature table ``table`` with an integer ``fid`` key, a ``geom`` column and ``columns``.

    ``columns`` are (name, SQL type and constraints) pairs. With ``spatial_index`` an
    R-tree ``rtree_<table>_geom`` is created with the GeoPackage 1.2 triggers.
    """
    cols = ",\n  ".join(f'"{name}" {decl}' for name, decl in columns)
    conn.execute(
        f'CREATE TABLE "{table}" (\n  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n'
        f"  geom {geometry_type},\n  {cols})"
    )
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES (?, 'features', ?, ?, ?)",
        (table, table, description, srs_id),
    )
    conn.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
        (table, geometry_type, srs_id),
    )
    if spatial_index:
        _create_rtree(conn, table)


def create_attribute_table(
    conn: sqlite3.Connection, table: str, columns: Sequence[tuple[str, str]], *, description: str = ""
) -> None:
    """Create a non-spatial table registered in gpkg_contents as ``attributes``."""
    cols = ",\n  ".join(f'"{name}" {decl}' for name, decl in columns)
    conn.execute(f'CREATE TABLE "{table}" (\n  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n  {cols})')
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?, 'attributes', ?, ?)",
        (table, table, description),
    )


def _create_rtree(conn: sqlite3.Connection, t: str) -> None:
    r = f"rtree_{t}_geom"
    conn.execute(f'CREATE VIRTUAL TABLE "{r}" USING rtree(id, minx, maxx, miny, maxy)')
    conn.execute(
        "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
        "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        (t,),
    )
    env = "ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)"
    execute_script(
        conn,
        f"""
CREATE TRIGGER "{r}_insert" AFTER INSERT ON "{t}"
  WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN INSERT OR REPLACE INTO "{r}" VALUES (NEW.fid, {env}); END;
CREATE TRIGGER "{r}_update1" AFTER UPDATE OF geom ON "{t}"
  WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN INSERT OR REPLACE INTO "{r}" VALUES (NEW.fid, {env}); END;
CREATE TRIGGER "{r}_update2" AFTER UPDATE OF geom ON "{t}"
  WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM "{r}" WHERE id = OLD.fid; END;
CREATE TRIGGER "{r}_update3" AFTER UPDATE OF geom ON "{t}"
  WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM "{r}" WHERE id = OLD.fid; INSERT OR REPLACE INTO "{r}" VALUES (NEW.fid, {env}); END;
CREATE TRIGGER "{r}_update4" AFTER UPDATE ON "{t}"
  WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM "{r}" WHERE id IN (OLD.fid, NEW.fid); END;
CREATE TRIGGER "{r}_delete" AFTER DELETE ON "{t}" WHEN old.geom NOT NULL
BEGIN DELETE FROM "{r}" WHERE id = OLD.fid; END;
""",
    )


def update_extent(conn: sqlite3.Connection, table: str, known: tuple[float, float, float, float] | None = None) -> None:
    """Refresh the extent and last_change of ``table`` in gpkg_contents from its R-tree.

    ``known``: min_x, min_y, max_x, max_y of the R-tree already (as the caller has just packed it), not read again.
    """
    row = (
        known or conn.execute(f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "rtree_{table}_geom"').fetchone()
    )
    conn.execute(
        "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=?, "
        "last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=?",
        (*row, table),
    )


# ------------------------------------------------------------------------------------------------ R-tree bulk load
# SQLite's R-tree inserts one entry at a time (~30 us each, more once the tree outgrows the page cache). A table
# that gets many rows at once gets its R-tree packed in one pass instead (Sort-Tile-Recursive) and written
# straight into the R-tree's tables, as GDAL does for GeoPackages (ogr/ogrsf_frmts/sqlite/
# sqlite_rtree_bulk_load.c). The format, from SQLite's rtree.c: node 1 is the root; a node is a blob of the
# tree's node size: 2 bytes tree depth (root only), 2 bytes cell count, then cells of an 8-byte id (a row id
# in a leaf, a child node number above) and minx, maxx, miny, maxy as 4-byte floats, all big-endian;
# ``<rtree>_rowid`` maps each row id to its leaf and ``<rtree>_parent`` each node but the root to its parent.

_CELL = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])
_RND_TOWARDS = 1.0 - 1.0 / 8388608.0  # rtree.c RNDTOWARDS / RNDAWAY: how a double becomes a bounding float
_RND_AWAY = 1.0 + 1.0 / 8388608.0


def rtree_floats(box: np.ndarray) -> np.ndarray:
    """Round envelopes (minx, maxx, miny, maxy as doubles) to the floats SQLite's R-tree stores.

    Minima are rounded down and maxima up, exactly as ``rtreeValueDown`` / ``rtreeValueUp`` do, so the box
    still holds the geometry.
    """
    d = np.asarray(box, dtype=np.float64)
    f = d.astype(np.float32)
    lower = np.zeros(d.shape, dtype=bool)
    lower[:, 0::2] = True
    down = lower & (f.astype(np.float64) > d)
    up = ~lower & (f.astype(np.float64) < d)
    f[down] = (d[down] * np.where(d[down] < 0, _RND_AWAY, _RND_TOWARDS)).astype(np.float32)
    f[up] = (d[up] * np.where(d[up] < 0, _RND_TOWARDS, _RND_AWAY)).astype(np.float32)
    return f


def _str_order(box: np.ndarray, size: int) -> np.ndarray:
    """Sort-Tile-Recursive: the entries in an order whose runs of ``size`` are groups that lie close together.

    The entries are cut by x into vertical slices of whole groups, each slice sorted by y (ties keep x order).
    """
    n = len(box)
    nodes = -(-n // size)
    slices = int(np.ceil(np.sqrt(nodes)))
    cx = (box[:, 0].astype(np.float64) + box[:, 1]) / 2
    cy = (box[:, 2].astype(np.float64) + box[:, 3]) / 2
    by_x = np.argsort(cx, kind="stable")
    by_y = np.argsort(cy[by_x], kind="stable")
    part = (by_y // (slices * size)).astype(np.uint16 if slices < 2**16 else np.int64)  # a radix sort for uint16
    return by_x[by_y[np.argsort(part, kind="stable")]]


def rebuild_rtree(conn: sqlite3.Connection, rtree: str, ids: np.ndarray, box: np.ndarray) -> None:
    """Replace the content of R-tree ``rtree`` by the entries ``ids`` with envelopes ``box``, packed in one pass.

    ``box`` holds minx, maxx, miny, maxy per entry, already as the R-tree stores them (:func:`rtree_floats`).
    Runs inside the caller's transaction.
    """
    size = conn.execute(f'SELECT length(data) FROM "{rtree}_node" WHERE nodeno = 1').fetchone()[0]
    write_packed(conn, rtree, pack_rtree(size, ids, box))


def pack_rtree(size: int, ids: np.ndarray, box: np.ndarray) -> PackedRtree:
    """Pack the entries ``ids`` with envelopes ``box`` (as :func:`rebuild_rtree` takes them) into nodes.

    Nodes of ``size`` bytes, which :func:`write_packed` writes. Needs no connection: it may run while SQLite
    writes something else.
    """
    fanout = (size - 4) // _CELL.itemsize
    nodes: list[tuple[int, bytes]] = []
    rowid: list[tuple[np.ndarray, np.ndarray]] = []  # (row ids, their leaf)
    parent: list[tuple[np.ndarray, np.ndarray]] = []  # (node numbers, their parent)
    next_no = 2

    def blob(depth: int, cells: np.ndarray) -> bytes:
        return (struct.pack(">HH", depth, len(cells)) + cells.tobytes()).ljust(size, b"\x00")

    level_ids, level_box, depth = np.asarray(ids, dtype=np.int64), np.asarray(box, dtype=np.float32), 0
    while len(level_ids) > fanout:
        order = _str_order(level_box, fanout)
        cells = np.empty(len(order), dtype=_CELL)
        cells["id"], cells["box"] = level_ids[order], level_box[order]
        starts = np.arange(0, len(order), fanout)
        numbers = np.arange(next_no, next_no + len(starts), dtype=np.int64)
        next_no += len(starts)
        nodes.extend(zip(numbers.tolist(), _node_blobs(cells, fanout, size)))
        (rowid if depth == 0 else parent).append(
            (cells["id"].astype(np.int64), np.repeat(numbers, fanout)[: len(order)])
        )
        b = level_box[order]
        level_ids = numbers
        level_box = np.stack(
            [
                np.minimum.reduceat(b[:, 0], starts),
                np.maximum.reduceat(b[:, 1], starts),
                np.minimum.reduceat(b[:, 2], starts),
                np.maximum.reduceat(b[:, 3], starts),
            ],
            axis=1,
        ).astype(np.float32)
        depth += 1
    root = np.empty(len(level_ids), dtype=_CELL)
    root["id"], root["box"] = level_ids, level_box.reshape(-1, 4)
    nodes.append((1, blob(depth, root)))
    (rowid if depth == 0 else parent).append((level_ids, np.ones(len(level_ids), dtype=np.int64)))
    return nodes, rowid, parent


#: What :func:`pack_rtree` makes: the nodes (number, blob), then (row ids, their leaf) and (nodes, their parent).
PackedRtree = tuple[list[tuple[int, bytes]], list[tuple[np.ndarray, np.ndarray]], list[tuple[np.ndarray, np.ndarray]]]


def write_packed(conn: sqlite3.Connection, rtree: str, packed: PackedRtree) -> None:
    """Replace the content of R-tree ``rtree`` by the nodes :func:`pack_rtree` made (in the caller's transaction)."""
    nodes, rowid, parent = packed
    for suffix in ("node", "rowid", "parent"):
        conn.execute(f'DELETE FROM "{rtree}_{suffix}"')
    conn.executemany(f'INSERT INTO "{rtree}_node" (nodeno, data) VALUES (?, ?)', nodes)
    for table, key, value, pairs in (("rowid", "rowid", "nodeno", rowid), ("parent", "nodeno", "parentnode", parent)):
        if not pairs:
            continue
        keys = np.concatenate([k for k, _ in pairs])
        values = np.concatenate([v for _, v in pairs])
        _insert_pairs(conn, f'"{rtree}_{table}"', key, value, keys, values)


def _node_blobs(cells: np.ndarray, fanout: int, size: int) -> list[bytes]:
    """Return the blobs of the nodes below the root holding ``cells`` in runs of ``fanout`` (the last may be shorter).

    Each is ``size`` bytes: 0 (the depth, read from the root only) and the cell count as big-endian 16-bit
    numbers, the cells, zeros; made all at once.
    """
    m = -(-len(cells) // fanout)
    buf = np.zeros((m, size), dtype=np.uint8)
    head = buf[:, :4].view(">u2")  # depth 0 (left zero), count
    head[:, 1] = fanout
    head[-1, 1] = len(cells) - fanout * (m - 1)
    body = np.zeros(m * fanout, dtype=_CELL)
    body[: len(cells)] = cells
    buf[:, 4 : 4 + fanout * _CELL.itemsize] = body.view(np.uint8).reshape(m, -1)
    data = buf.tobytes()
    return [data[k : k + size] for k in range(0, len(data), size)]


def _insert_pairs(
    conn: sqlite3.Connection, table: str, key: str, value: str, keys: np.ndarray, values: np.ndarray
) -> None:
    """Insert the integer rows (``keys``, ``values``) in key order: each row appended to the table's B-tree."""
    if not len(keys):
        return
    first = int(keys.min())
    dense = int(keys.max()) - first + 1 == len(keys) and values.min() >= 0
    if dense and (np.bincount(keys - first) == 1).all():  # keys first, first + 1, ... in some order: no sort
        in_order = np.empty(len(keys), dtype=np.int64)
        in_order[keys - first] = values
        # one JSON array of the values, split by SQLite: ~3x faster than one executemany row each
        conn.execute(
            f"INSERT INTO {table} ({key}, {value}) SELECT key + ?, value FROM json_each(?)",  # noqa: S608
            (first, "[" + ",".join(map(str, in_order.tolist())) + "]"),
        )
        return
    order = np.argsort(keys, kind="stable")
    conn.executemany(
        f"INSERT INTO {table} ({key}, {value}) VALUES (?, ?)",  # noqa: S608
        zip(keys[order].tolist(), values[order].tolist()),
    )


def add_packed_rtree(
    conn: sqlite3.Connection, table: str, ids: np.ndarray, box: np.ndarray, *, packed: str | None = None
) -> None:
    """Give the feature table ``table`` (column ``geom``, written without index) its GeoPackage R-tree, packed.

    Creates ``rtree_<table>_geom`` with the GeoPackage 1.2 triggers and its ``gpkg_extensions`` row (the table
    too if missing), then fills it in one pass (:func:`rebuild_rtree`) with the rows ``ids`` whose envelopes
    ``box`` (minx, maxx, miny, maxy as doubles, NaN for a row without geometry or an empty one) are given:
    the R-tree the triggers would have filled row by row. Runs inside the caller's transaction.

    ``packed`` (``schema.name``) names an R-tree in an attached database that :func:`rebuild_rtree` already
    filled with these very entries (made beside, e.g. by another process): its nodes are copied as they are
    when its node size is this file's; otherwise the entries are packed here.
    """
    conn.execute(_EXTENSIONS_DDL)
    _create_rtree(conn, table)
    rtree = f"rtree_{table}_geom"
    if packed is not None:
        schema, name = packed.split(".")
        size = 'SELECT length(data) FROM {}."{}_node" WHERE nodeno = 1'
        if conn.execute(size.format("main", rtree)).fetchone() == conn.execute(size.format(schema, name)).fetchone():
            for suffix in ("node", "rowid", "parent"):
                conn.execute(f'DELETE FROM main."{rtree}_{suffix}"')
                conn.execute(f'INSERT INTO main."{rtree}_{suffix}" SELECT * FROM {schema}."{name}_{suffix}"')  # noqa: S608
            return
    box = np.asarray(box, dtype=np.float64).reshape(-1, 4)
    has = ~np.isnan(box).any(axis=1)
    rebuild_rtree(conn, rtree, np.asarray(ids, dtype=np.int64)[has], rtree_floats(box[has]))
