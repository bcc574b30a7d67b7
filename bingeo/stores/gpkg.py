"""The embedded store: one GeoPackage 1.2 file, written with sqlite3 transactions.

Layers a user sees when opening the file in QGIS:

``networks``
    one row per network (its current version), active and retired.
``network_history``
    earlier versions of networks whose boundary or attributes changed.

Table ``bingeo_meta`` (not a layer) records the schema version and the CRS; table
``bingeo_network_index`` (not a layer either; made by the first assign with the store) keeps the
grid index of the networks, dropped whenever networks change (see :meth:`Store.network_locator`).
Every write runs in one ``BEGIN IMMEDIATE`` transaction: an import killed
half-way leaves the file as it was. Writers wait for the lock up to
``settings.lock_timeout`` seconds instead of failing at once.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from bingeo import settings
from bingeo._crs import StoredCRS, crs_label, to_crs
from bingeo.errors import ConflictError, StoreError
from bingeo.stores import _gpkg_format as fmt
from bingeo.stores import _gpkg_scratch as scratch
from bingeo.stores import base
from bingeo.stores.base import (
    ADDRESS_FIELDS,
    AUDIT_FIELDS,
    INDEX_KEEP,
    INDEX_TABLE,
    MEMBER_FIELDS,
    NETWORK_COLUMNS,
    NETWORK_FIELDS,
    TABLES,
    Store,
    _now,
    as_multipolygon,
    plain_value,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["GpkgStore", "SCHEMA_VERSION", "MEMBER_FIELDS", "ADDRESS_FIELDS", "AUDIT_FIELDS"]

log = logging.getLogger(__name__)

#: Seconds saving the network index waits for another writer's lock before giving up (it is a cache).
INDEX_LOCK_TIMEOUT = 1.0

#: Rows added by one upsert from which the table's R-tree is packed anew in one pass (much faster than
#: SQLite's one-at-a-time insertion for many rows) rather than extended row by row.
RTREE_BULK_ROWS = 10_000

#: Page cache of a store's connection, in KiB (SQLite's default, 2 MiB, makes a 1 M-member upsert read and
#: write the same pages many times over). Memory is taken only as pages are read.
CACHE_KIB = 256 * 1024

#: Table of what member imports remember (:meth:`GpkgStore.member_memo`): a cache beside the layers, one row
#: per member (its fid), valid while the member's ``version`` and ``updated_at`` are still the ones it holds.
MEMO_TABLE = "bingeo_member_memo"
MEMO_DDL = (
    f'CREATE TABLE IF NOT EXISTS "{MEMO_TABLE}" (fid INTEGER PRIMARY KEY, member_id TEXT NOT NULL, '
    "digest INTEGER NOT NULL, version INTEGER, updated_at TEXT, tallies TEXT)"
)

#: Rows from which an upsert into an empty table inserts them straight away (indexes made after the rows, the
#: R-tree packed from the envelopes computed here) rather than through the temporary table that compares.
DIRECT_INSERT_ROWS = 1

#: Rows one statement inserts (``VALUES (...), (...), ...``) when an upsert fills an empty table, and the most
#: parameters such a statement binds (SQLite's limit before 3.32).
VALUES_ROWS = 64
MAX_PARAMETERS = 999

#: Incoming rows up to which an upsert counts its temporary table (``ANALYZE``, well under a millisecond for
#: thousands) so that SQLite looks each one up in the table rather than every row of the table up in them
#: (a re-import checking 2,000 rows against 1,000,000 members: 0.4 s to 0.01 s).
ANALYZE_ROWS = 200_000

#: Version of bingeo's own schema inside the GeoPackage (not the GeoPackage version).
SCHEMA_VERSION = 2

# Versioned migrations: MIGRATIONS[n] brings a store from schema n-1 to n.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection, int], None]] = {}


def _migration(
    version: int,
) -> Callable[[Callable[[sqlite3.Connection, int], None]], Callable[[sqlite3.Connection, int], None]]:
    def register(fn: Callable[[sqlite3.Connection, int], None]) -> Callable[[sqlite3.Connection, int], None]:
        MIGRATIONS[version] = fn
        return fn

    return register


def _table(
    conn: sqlite3.Connection,
    srs_id: int,
    name: str,
    fields: Any,
    geometry: str,
    description: str,
    *indexes: tuple[str, str, bool],
) -> None:
    """Create feature table ``name`` and its indexes, each ``(index_name, columns, unique)``."""
    fmt.create_feature_table(conn, name, fields, geometry_type=geometry, srs_id=srs_id, description=description)
    for index, columns, unique in indexes:
        conn.execute(f'CREATE {"UNIQUE " if unique else ""}INDEX "{index}" ON "{name}" ({columns})')


@_migration(1)
def _create_networks(conn: sqlite3.Connection, srs_id: int) -> None:
    _table(
        conn,
        srs_id,
        "networks",
        NETWORK_FIELDS,
        "MULTIPOLYGON",
        "BIN networks: current version of each (active and retired)",
        ("networks_network_id", "network_id", True),
    )
    _table(
        conn,
        srs_id,
        "network_history",
        NETWORK_FIELDS,
        "MULTIPOLYGON",
        "Earlier versions of BIN networks",
        ("network_history_network_id", "network_id, version", False),
    )


@_migration(2)
def _create_members_addresses_audit(conn: sqlite3.Connection, srs_id: int) -> None:
    _table(
        conn,
        srs_id,
        "members",
        MEMBER_FIELDS,
        "POINT",
        "BIN members (personal data: exported only in recipient lists)",
        ("members_member_id", "member_id", True),
        ("members_person_id", "person_id", False),
    )
    _table(
        conn,
        srs_id,
        "addresses",
        ADDRESS_FIELDS,
        "POINT",
        "Address points (for locating members by postcode and house number)",
        ("addresses_address_id", "address_id", True),
        ("addresses_postcode", "postcode, house_number", False),
    )
    _table(
        conn,
        srs_id,
        "audit_log",
        AUDIT_FIELDS,
        "MULTIPOLYGON",
        "Append-only log of recipient selections: who, when, why, which area",
        ("audit_log_alert_id", "alert_id", True),
    )
    # append-only through any SQLite client, bingeo's or QGIS's
    for op in ("UPDATE", "DELETE"):
        conn.execute(
            f'CREATE TRIGGER "audit_log_no_{op.lower()}" BEFORE {op} ON "audit_log" '
            "BEGIN SELECT RAISE(ABORT, 'the bingeo audit log is append-only'); END"
        )


def _is_permission_problem(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("readonly", "read-only", "unable to open", "disk i/o", "permission"))


def _unwritable(path: Path, exc: sqlite3.OperationalError) -> str:
    """Return the message for a store file the system will not let bingeo open or write."""
    where = path.parent if not path.exists() else path
    return (
        f"store {path} cannot be opened for writing ({exc}): {where} is read-only for you, or on a read-only "
        "disk. Keep the store in a folder you may write to (copy it there first)."
    )


def _zero_one_flags(text: str | None) -> np.ndarray | None:
    """Return the flags of a JSON array of only the integers 0 and 1 (``[1,0,1]``, as SQLite writes it), else None."""
    if text is None:
        return None
    b = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    if len(b) < 2 or len(b) % 2 != (len(b) > 2) or b[0] != ord("[") or b[-1] != ord("]"):
        return None
    digits, commas = b[1:-1:2], b[2:-1:2]
    if not (((digits == ord("0")) | (digits == ord("1"))).all() and (commas == ord(",")).all()):
        return None
    return digits == ord("1")


class GpkgStore(Store):
    """A store in a GeoPackage file. Open with :func:`bingeo.open_store`."""

    _arrow_dates = True  # bound by _plain_column, or written from Arrow as they are (_gpkg_scratch)
    _keys_checked_beside = True  # while the scratch files are written (_upsert_points)

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False, crs: Any = None) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        exists = self.path.exists()
        if exists and self.path.is_dir():
            msg = f"store {self.path} is a folder. Give the path of a GeoPackage file, e.g. {self.path / 'bins.gpkg'}."
            raise StoreError(msg)
        if not exists and not create:
            msg = (
                f"store {self.path} does not exist. Create it by importing networks: "
                f"`bingeo networks import FILE --store {self.path}`."
            )
            err = StoreError(msg)
            err.missing = True  # type: ignore[attr-defined]
            raise err
        if exists and self.path.stat().st_size > 0 and not _looks_like_sqlite(self.path):
            msg = f"{self.path} is not a GeoPackage (not an SQLite file). Give the path of a bingeo store (.gpkg)."
            raise StoreError(msg)
        if not exists and not self.path.parent.exists():
            msg = f"cannot create store {self.path}: folder {self.path.parent} does not exist."
            raise StoreError(msg)
        try:
            # check_same_thread=False: one query may run beside other work (the member memo while a list is read);
            # the connection is never used by two threads at once
            self._conn = sqlite3.connect(
                self.path, timeout=settings.lock_timeout, isolation_level=None, check_same_thread=False
            )
            fmt.register_functions(self._conn)
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except sqlite3.OperationalError as exc:
            raise StoreError(_unwritable(self.path, exc)) from None
        try:
            meta = self._read_meta()
        except sqlite3.OperationalError as exc:
            self._conn.close()
            raise StoreError(_unwritable(self.path, exc)) from None
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            msg = f"{self.path} cannot be read as a GeoPackage ({exc}). Is it a bingeo store?"
            raise StoreError(msg) from None
        if meta is None:
            if crs is None:
                self._conn.close()
                if not exists:
                    self.path.unlink(missing_ok=True)
                msg = f"a new store needs a CRS: give `--crs` (e.g. 28992) when creating {self.path}."
                raise StoreError(msg)
            self.crs = to_crs(crs, what="store `crs`")
            self._initialise()
        else:
            self.stored_crs = StoredCRS(meta["crs"])
            if crs is not None and to_crs(crs) != self.crs:
                log.info("store %s keeps its CRS %s (asked: %s)", self.path, crs_label(self.crs), crs)
            self._migrate(int(meta["schema_version"]))
        self.srs_id = int(self.stored_crs.epsg)  # type: ignore[arg-type]

    # ---- schema ---------------------------------------------------------------------
    def _read_meta(self) -> dict[str, str] | None:
        has = self._conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='bingeo_meta'"
        ).fetchone()[0]
        if not has:
            tables = self._conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
            if tables:
                msg = (
                    f"{self.path} is a GeoPackage or database but not a bingeo store. "
                    "Import it instead: `bingeo networks import "
                    f"{self.path} --store bins.gpkg`."
                )
                raise StoreError(msg)
            return None
        return dict(self._conn.execute("SELECT key, value FROM bingeo_meta").fetchall())

    def _initialise(self) -> None:
        epsg = self.crs.to_epsg()
        if epsg is None:
            msg = f"the store's CRS must have an EPSG code; {crs_label(self.crs)} has none. Give e.g. 28992."
            raise StoreError(msg)
        with self._write() as conn:
            fmt.create_core_tables(conn)
            srs_id = fmt.add_srs(conn, self.crs)
            # attribute tables need an INTEGER primary key (GeoPackage requirement 119)
            conn.execute(
                "CREATE TABLE bingeo_meta (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
                "key TEXT NOT NULL UNIQUE, value TEXT NOT NULL)"
            )
            conn.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                "VALUES ('bingeo_meta', 'attributes', 'bingeo_meta', 'bingeo store: schema version and CRS')"
            )
            conn.executemany(
                "INSERT INTO bingeo_meta (key, value) VALUES (?, ?)",
                [
                    ("schema_version", "0"),
                    ("crs", f"EPSG:{epsg}"),
                    ("created_at", _now()),
                ],
            )
            self._apply_migrations(conn, 0, srs_id)
        log.info("created store %s in %s", self.path, crs_label(self.crs))

    def _apply_migrations(self, conn: sqlite3.Connection, current: int, srs_id: int) -> None:
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](conn, srs_id)
            conn.execute("UPDATE bingeo_meta SET value = ? WHERE key = 'schema_version'", (str(version),))
            log.info("store %s: schema upgraded to version %d", self.path, version)

    def _migrate(self, current: int) -> None:
        if current > SCHEMA_VERSION:
            msg = (
                f"store {self.path} has schema version {current}, newer than this bingeo understands "
                f"({SCHEMA_VERSION}). Upgrade bingeo: `pip install -U bingeo`."
            )
            raise StoreError(msg)
        if current < SCHEMA_VERSION:
            with self._write() as conn:
                self._apply_migrations(conn, current, int(self.crs.to_epsg()))  # type: ignore[arg-type]

    @property
    def schema_version(self) -> int:
        """Schema version (bingeo's own numbering) of this store."""
        return int(self._conn.execute("SELECT value FROM bingeo_meta WHERE key = 'schema_version'").fetchone()[0])

    # ---- primitives -----------------------------------------------------------------
    @contextmanager
    def _write(self, tables: Sequence[Any] = ("networks", "network_history")) -> Iterator[sqlite3.Connection]:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_permission_problem(exc):
                raise StoreError(_unwritable(self.path, exc)) from None
            msg = (
                f"store {self.path} is locked by another writer and stayed locked for "
                f"{settings.lock_timeout:g} s ({exc}). Try again when the other import has finished."
            )
            raise StoreError(msg) from None
        try:
            yield self._conn
            for entry in tables:  # only the layers written: a 1 M-member R-tree scan costs ~0.3 s
                table, known = entry if isinstance(entry, tuple) else (entry, None)  # (table, extent known)
                if self._has_table(table):
                    fmt.update_extent(self._conn, table, known)
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and _is_permission_problem(exc):
                raise StoreError(_unwritable(self.path, exc)) from None
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if _is_permission_problem(exc):
                raise StoreError(_unwritable(self.path, exc)) from None
            raise

    # ---- the stored network index ------------------------------------------------------------
    def _load_index(self, key: str) -> bytes | None:
        if not self._has_table(INDEX_TABLE):
            return None
        try:
            row = self._conn.execute(f'SELECT data FROM "{INDEX_TABLE}" WHERE key = ?', (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from None
        return None if row is None or not isinstance(row[0], bytes) else row[0]

    def _save_index(self, key: str, data: bytes) -> bool:
        # a cache: wait for another writer's lock briefly only, and never fail the caller
        self._conn.execute(f"PRAGMA busy_timeout = {int(1000 * min(settings.lock_timeout, INDEX_LOCK_TIMEOUT))}")
        try:
            with self._write(()) as conn:
                if not self._has_table(INDEX_TABLE):
                    fmt.create_attribute_table(
                        conn,
                        INDEX_TABLE,
                        [
                            ("key", "TEXT NOT NULL UNIQUE"),
                            ("created_at", "DATETIME NOT NULL"),
                            ("data", "BLOB NOT NULL"),
                        ],
                        description="bingeo: grid index of the networks for assign (rebuilt when they change)",
                    )
                conn.execute(f'DELETE FROM "{INDEX_TABLE}" WHERE key = ?', (key,))
                conn.execute(
                    f'DELETE FROM "{INDEX_TABLE}" WHERE fid NOT IN '
                    f'(SELECT fid FROM "{INDEX_TABLE}" ORDER BY fid DESC LIMIT ?)',
                    (INDEX_KEEP - 1,),
                )
                conn.execute(
                    f'INSERT INTO "{INDEX_TABLE}" (key, created_at, data) VALUES (?, ?, ?)',
                    (key, _now(), sqlite3.Binary(data)),
                )
        except (StoreError, sqlite3.Error) as exc:
            log.info("network index not saved in %s: %s", self.path, exc)
            return False
        finally:
            self._conn.execute(f"PRAGMA busy_timeout = {int(1000 * settings.lock_timeout)}")
        return True

    def _clear_index(self, handle: Any) -> None:
        if self._has_table(INDEX_TABLE):
            handle.execute(f'DELETE FROM "{INDEX_TABLE}"')

    def _has_table(self, name: str) -> bool:
        return bool(self._conn.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0])

    def _select_networks(
        self, table: str, where: str = "", params: tuple[Any, ...] = (), *, handle: Any = None
    ) -> gpd.GeoDataFrame:
        import geopandas as gpd
        import pandas as pd

        cols = ", ".join(f'"{c}"' for c in NETWORK_COLUMNS)
        rows = self._conn.execute(f'SELECT {cols}, geom FROM "{table}" {where} ORDER BY fid', params).fetchall()
        df = pd.DataFrame([r[:-1] for r in rows], columns=NETWORK_COLUMNS)
        geoms = fmt.decode_many([r[-1] for r in rows])
        for c in ("version",):
            df[c] = df[c].astype("int64")
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)

    def _insert_network(self, handle: Any, table: str, record: dict[str, Any], geom: shapely.Geometry) -> None:
        cols = [c for c in NETWORK_COLUMNS if c in record]
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        handle.execute(
            f'INSERT INTO "{table}" (geom, {names}) VALUES (?, {marks})',
            (fmt.encode(as_multipolygon(geom), self.srs_id), *(_sql(record[c]) for c in cols)),
        )

    def _update_network(
        self, handle: Any, record: dict[str, Any], geom: shapely.Geometry, expected_version: int
    ) -> int:
        cols = [c for c in NETWORK_COLUMNS if c in record and c != "network_id"]
        sets = ", ".join(f'"{c}" = ?' for c in cols)
        cur = handle.execute(
            f'UPDATE "networks" SET geom = ?, {sets} WHERE network_id = ? AND version = ?',
            (
                fmt.encode(as_multipolygon(geom), self.srs_id),
                *(_sql(record[c]) for c in cols),
                record["network_id"],
                expected_version,
            ),
        )
        return int(cur.rowcount)

    def _sync_validity(self, handle: Any, network_id: str, valid_from: str | None, valid_to: str | None) -> None:
        if valid_from is None:
            handle.execute(
                'UPDATE "network_history" SET valid_from = ?, valid_to = ? WHERE network_id = ?',
                (valid_from, valid_to, network_id),
            )
            return
        handle.execute(
            'UPDATE "network_history" SET valid_from = ?, valid_to = ? WHERE network_id = ? '
            "AND (valid_to IS NULL OR valid_to > ?)",
            (valid_from, valid_to, network_id, valid_from),
        )

    # ---- point tables: members, addresses ----------------------------------------------
    def member_memo(self) -> tuple[str, pd.DataFrame]:
        """Return what the last member imports remember: see :meth:`bingeo.stores.base.Store.member_memo`."""
        import pandas as pd

        n, last, when = self._conn.execute('SELECT count(*), max(fid), max(updated_at) FROM "addresses"').fetchone()
        fingerprint = f"gpkg:{self.srs_id}:{n}:{last}:{when}"
        known = pd.DataFrame({"digest": np.empty(0, np.int64), "consent": np.empty(0, bool), "tallies": []})
        if not self._has_table(MEMO_TABLE):
            return fingerprint, known
        valid = (
            f'FROM "{MEMO_TABLE}" AS k JOIN "members" AS m ON m.fid = k.fid '
            "WHERE m.member_id = k.member_id AND m.version = k.version AND m.updated_at IS k.updated_at"
        )
        # one text per column (SQLite writes it, json reads it): ~3x faster than a tuple per member; the digests
        # as 16 hex digits each (two's complement), read by bytes.fromhex at once rather than a Python int each
        try:
            digests, odd, consents, tallies = self._conn.execute(
                "SELECT group_concat(printf('%016x', k.digest), ''), total(typeof(k.digest) != 'integer'), "  # noqa: S608
                f"json_group_array(m.consent), json_group_array(k.tallies) {valid}"
            ).fetchone()
        except sqlite3.OperationalError:  # a value JSON cannot hold (a blob written by another client)
            consents = None
        flags = _zero_one_flags(consents)
        if flags is not None and not odd:
            return fingerprint, pd.DataFrame(
                {
                    "digest": np.frombuffer(bytes.fromhex(digests or ""), dtype=">i8").astype(np.int64),
                    "consent": flags,
                    "tallies": np.array(json.loads(tallies), dtype=object),
                }
            )
        rows = self._conn.execute(f"SELECT k.digest, m.consent, k.tallies {valid}").fetchall()  # noqa: S608
        if not rows:
            return fingerprint, known
        digest, consent, tally = zip(*rows)  # a consent stored as other than 0/1 (another client): bool() of it
        known = pd.DataFrame(
            {
                "digest": np.array(digest, dtype=np.int64),
                "consent": np.array([bool(v) for v in consent], dtype=bool),
                "tallies": np.array(tally, dtype=object),
            }
        )
        return fingerprint, known

    def _postcodes_where(self, n: int) -> str:
        # by the postcode index, then by fid: SQLite would rather walk every row in fid order (0.5 s for 5,000
        # postcodes among 500,000 addresses, against 0.06 s)
        marks = ", ".join("?" * n)
        return f't.fid IN (SELECT a.fid FROM "addresses" AS a WHERE a.postcode IN ({marks}))'

    def _upsert_points(
        self,
        table: str,
        fields: list[tuple[str, str]],
        key: str,
        frame: gpd.GeoDataFrame,
        cols: list[str],
        memo: pd.DataFrame | None = None,
    ) -> dict[str, int]:
        """Upsert through a temporary table: SQLite compares, updates and inserts the rows, not Python.

        The incoming rows go into ``temp.bingeo_upsert`` (same declared types as ``table``, so values are
        stored and compared as they would be in it); one ``UPDATE ... FROM`` rewrites the rows whose values
        or geometry differ and one ``INSERT ... SELECT`` adds the new ids in input order. The R-tree entries
        of the new rows are written from the envelopes computed here rather than by the insert trigger,
        which would call back into Python for each row; the trigger is restored in the same transaction.
        ``memo`` rows go into :data:`MEMO_TABLE` with the fid, version and ``updated_at`` each member has then.
        """
        decl = dict(fields)
        versioned = "version" in decl
        now = _now()
        remember = memo is not None and table == "members"
        ready = self._start_scratch(table, frame, cols, memo if remember else None, now, versioned)
        extents: list[Any] = [table]  # what _write refreshes in gpkg_contents when it commits
        rtree = f"rtree_{table}_geom"
        try:
            self._check_keys(table, key, frame)  # while the scratch files are written, before the store is
            if ready is not None and not ready.attach(self._conn):
                ready.close()
                ready = None
            with self._write(extents) as conn:
                trigger = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (f"{rtree}_insert",)
                ).fetchone()
                if trigger is not None:  # restored below, in the same transaction
                    conn.execute(f'DROP TRIGGER "{rtree}_insert"')
                empty = not conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]  # noqa: S608
                if ready is not None and empty and _next_fid(conn, table) == ready.first:
                    extents[0] = (table, self._insert_scratch(conn, table, ready, trigger is not None))
                    added, updated = len(frame), 0
                else:
                    added, updated, packed = self._insert_bound(
                        conn, table, fields, key, frame, cols, memo if remember else None, now, empty, trigger
                    )
                    if packed is not None:
                        extents[0] = (table, packed)
                if trigger is not None:
                    conn.execute(trigger[0])
                if not (added or updated):  # no row changed: neither did the extent (an R-tree scan of every row)
                    extents.clear()
        finally:
            if ready is not None:
                ready.close()
        return {"added": added, "updated": updated, "unchanged": len(frame) - added - updated}

    def _insert_bound(
        self,
        conn: sqlite3.Connection,
        table: str,
        fields: list[tuple[str, str]],
        key: str,
        frame: gpd.GeoDataFrame,
        cols: list[str],
        memo: pd.DataFrame | None,
        now: str,
        empty: bool,
        trigger: tuple[str] | None,
    ) -> tuple[int, int, tuple[float, float, float, float] | None]:
        """Upsert the rows bound through ``sqlite3``: straight into an empty table, else by the merge.

        Returns the rows added and updated, and the R-tree's extent when it was packed here (else None).
        """
        decl = dict(fields)
        versioned = "version" in decl
        geoms = frame.geometry.to_numpy()
        blobs = fmt.encode_many(geoms, self.srs_id)
        box = _rtree_box(geoms, blobs)
        values = [_plain_column(frame[c]) for c in cols]
        if memo is not None:
            values += [memo["digest"].astype("int64").tolist(), memo["tallies"].tolist()]
        if empty and len(blobs) >= DIRECT_INSERT_ROWS:
            added, packed = self._insert_all(conn, table, cols, now, versioned, blobs, box, values, trigger)
            return added, 0, packed
        env = [[None if v != v else v for v in box[:, k].tolist()] for k in range(4)]  # NaN: no envelope
        rows = zip(range(len(blobs)), blobs, *env, *values)
        added, updated = self._merge(conn, table, key, cols, decl, now, versioned, memo is not None, rows, trigger)
        return added, updated, None

    def _start_scratch(
        self,
        table: str,
        frame: gpd.GeoDataFrame,
        cols: list[str],
        memo: pd.DataFrame | None,
        now: str,
        versioned: bool,
    ) -> _Ready | None:
        """Start writing a first import's rows (``table`` empty) into scratch files on two threads.

        One file holds the rows and the table's indexes; the other the memo and the R-tree's shadow tables; the
        caller attaches them (:meth:`_Ready.attach`, False when one could not be written). None (the rows are then
        bound through ``sqlite3``): fewer rows than :data:`_gpkg_scratch.SCRATCH_ROWS`, the table not empty, no
        ADBC driver, a column whose values it would not store as ``sqlite3`` does, or no temporary folder. See
        :mod:`bingeo.stores._gpkg_scratch`.
        """
        n = len(frame)
        if n < scratch.SCRATCH_ROWS:
            return None
        conn = self._conn
        if conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:  # noqa: S608 - fixed names
            return None
        if not scratch.available():
            return None
        import pyarrow as pa

        columns = {c: scratch.arrow_column(frame[c]) for c in cols}
        tallies = scratch.arrow_column(memo["tallies"]) if memo is not None else None
        if any(v is None for v in columns.values()) or (memo is not None and tallies is None):
            return None
        geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
        made = scratch.point_blobs(geoms, self.srs_id)
        if made is None:
            blobs = fmt.encode_many(geoms, self.srs_id)
            made = pa.array(blobs, type=pa.large_binary()), _rtree_box(geoms, blobs)
        first = _next_fid(conn, table)
        ready = _Ready(first, made[1])
        fids = pa.array(ready.fids)
        stamp, one = pa.repeat(now, n), pa.array(np.ones(n, dtype=np.int64))
        tail = {"updated_at": stamp} | ({"version": one} if versioned else {})
        schema = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
        indexes = [
            r[0]
            for r in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
            )
        ]
        rows = pa.table({"fid": fids, "geom": made[0]} | columns | tail)
        try:  # the rows' file first: its thread has the most to do
            ready.files.append(scratch.Scratch("bingeo_scratch_rows", [(table, schema[table], indexes, rows)]))
            beside: list[Any] = []
            if memo is not None:
                kept = {"fid": fids, "member_id": columns["member_id"]}
                kept |= {"digest": pa.array(memo["digest"].to_numpy(dtype=np.int64)), "version": one}
                kept |= {"updated_at": stamp, "tallies": tallies}
                beside.append((MEMO_TABLE, schema.get(MEMO_TABLE, MEMO_DDL), [], pa.table(kept)))
                ready.memo = True
            rtree = f"rtree_{table}_geom"
            has = ~np.isnan(ready.box[:, 0])
            shadow = {k: schema.get(f"{rtree}_{k}") for k in scratch.RTREE_COLUMNS}
            if has.sum() >= RTREE_BULK_ROWS and all(shadow.values()) and self._shadow_columns_known(rtree):
                size = conn.execute(f'SELECT length(data) FROM "{rtree}_node" WHERE nodeno = 1').fetchone()[0]
                box = ready.box[has]
                # the R-tree's extent as min/max over it would read it (rounding keeps the order of the values)
                far = fmt.rtree_floats(np.array([[box[:, 0].min(), box[:, 1].max(), box[:, 2].min(), box[:, 3].max()]]))
                low, high = far[0, [0, 2]].tolist(), far[0, [1, 3]].tolist()
                ready.extent = (low[0], low[1], high[0], high[1])
                beside.append(functools.partial(scratch.rtree_parts, rtree, shadow, size, ready.fids[has], box))
            if beside:
                ready.files.append(scratch.Scratch("bingeo_scratch_beside", beside))
            return ready
        except OSError as exc:  # no temporary folder: the other way
            log.debug("no scratch file (%s); rows bound through sqlite3", exc)
        except BaseException:
            ready.close()
            raise
        ready.close()
        return None

    def _shadow_columns_known(self, rtree: str) -> bool:
        """Whether the R-tree's shadow tables have the columns :data:`_gpkg_scratch.RTREE_COLUMNS` (no others)."""
        return all(
            tuple(r[1] for r in self._conn.execute(f'PRAGMA table_info("{rtree}_{k}")')) == names
            for k, names in scratch.RTREE_COLUMNS.items()
        )

    def _insert_scratch(
        self, conn: sqlite3.Connection, table: str, ready: _Ready, has_rtree: bool
    ) -> tuple[float, float, float, float] | None:
        """Copy the rows, the memo and the R-tree of the attached scratch files into the empty ``table``.

        Each by ``INSERT INTO main.t SELECT * FROM scratch.t``, which SQLite does by its transfer shortcut
        (records and index entries copied as they are) when the schemas are the same and the target is empty and
        without triggers: the table's triggers are dropped for the copy and made again after it (the R-tree's
        insert trigger, already dropped, the caller restores). Returns the R-tree's extent when it was packed
        (else None: read it).
        """
        rows = ready.files[0].schema
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute(f'INSERT INTO main."{table}" SELECT * FROM {rows}."{table}"')  # noqa: S608 - fixed names
        for _, sql in triggers:
            conn.execute(sql)
        beside = ready.files[1].schema if len(ready.files) > 1 else None
        if ready.memo:
            _create_memo(conn)
            conn.execute(f'INSERT OR REPLACE INTO main."{MEMO_TABLE}" SELECT * FROM {beside}."{MEMO_TABLE}"')  # noqa: S608
        rtree = f"rtree_{table}_geom"
        if not has_rtree:
            return None
        if ready.extent is not None:  # packed beside
            for k in scratch.RTREE_COLUMNS:
                conn.execute(f'DELETE FROM main."{rtree}_{k}"')  # noqa: S608 - fixed names
                conn.execute(f'INSERT INTO main."{rtree}_{k}" SELECT * FROM {beside}."{rtree}_{k}"')  # noqa: S608
        else:
            has = ~np.isnan(ready.box[:, 0])
            conn.executemany(
                f'INSERT OR REPLACE INTO "{rtree}" (id, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)',
                zip(ready.fids[has].tolist(), *(ready.box[has, k].tolist() for k in range(4))),
            )
        return ready.extent

    def _insert_all(
        self,
        conn: sqlite3.Connection,
        table: str,
        cols: list[str],
        now: str,
        versioned: bool,
        blobs: list[bytes | None],
        box: np.ndarray,
        values: list[list[Any]],
        trigger: tuple[str] | None,
    ) -> tuple[int, tuple[float, float, float, float] | None]:
        """Insert every row into the empty ``table`` (and :data:`MEMO_TABLE`): what :meth:`_merge` does then.

        The table's indexes are made again after the rows are in (one sort each, not one B-tree insertion per
        row), the R-tree is written from ``box`` and the rows get the fids of their order, as with
        ``INSERT ... SELECT ... ORDER BY``. ``values`` holds the columns ``cols``, then digest and tallies when
        the import is remembered; ``trigger`` the R-tree's insert trigger (dropped by the caller), if any.
        Returns the rows added and the R-tree's extent when it was packed here (else None: read it).
        """
        n = len(blobs)
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        bound = [k for k, c in enumerate(cols) if values[k].count(None) < n]  # a column of NULLs: left to SQLite
        names = ", ".join(f'"{cols[k]}"' for k in bound)
        stamp = "'" + now.replace("'", "''") + "'"
        extra, ones = (', "version"', ", 1") if versioned else ("", "")
        _insert_many(
            conn,
            f'INSERT INTO "{table}" (geom, {names}, "updated_at"{extra}) VALUES',  # noqa: S608 - fixed names
            f"{stamp}{ones}",
            [blobs, *(values[k] for k in bound)],
        )
        # the table was empty in this transaction and took n rows: its fids, when n apart, are one run in order
        first, last = conn.execute(f'SELECT min(fid), max(fid) FROM "{table}"').fetchone()  # noqa: S608
        if last - first + 1 == n:  # one run of fids in the order given (counting the rows reads them all)
            fids = np.arange(first, last + 1, dtype=np.int64)
        else:  # pragma: no cover - SQLite gives an empty table's rows consecutive fids
            fids = np.array([r[0] for r in conn.execute(f'SELECT fid FROM "{table}" ORDER BY fid')], dtype=np.int64)
        for _, sql in indexes:
            conn.execute(sql)
        rtree = f"rtree_{table}_geom"
        extent = None
        if trigger is not None:  # the R-tree the trigger would have filled
            has = ~np.isnan(box[:, 0])
            if has.sum() >= RTREE_BULK_ROWS:
                floats = fmt.rtree_floats(box[has]).astype(np.float32)
                fmt.rebuild_rtree(conn, rtree, fids[has], floats)
                # the R-tree's extent, as min/max over it would read it again (~0.3 s for 1 M rows)
                low, high = floats.min(axis=0).tolist(), floats.max(axis=0).tolist()
                extent = (low[0], low[2], high[1], high[3])
            else:
                conn.executemany(
                    f'INSERT OR REPLACE INTO "{rtree}" (id, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)',
                    zip(fids[has].tolist(), *(box[has, k].tolist() for k in range(4))),
                )
        if len(values) > len(cols):  # the members' memo
            key = cols.index("member_id")
            _create_memo(conn)
            digest, tallies = values[len(cols) :]
            _insert_many(
                conn,
                f'INSERT OR REPLACE INTO "{MEMO_TABLE}" (fid, member_id, digest, tallies, version, updated_at) VALUES',  # noqa: S608
                f"1, {stamp}",
                [fids.tolist(), values[key], digest, tallies],
            )
        return n, extent

    def _merge(
        self,
        conn: sqlite3.Connection,
        table: str,
        key: str,
        cols: list[str],
        decl: dict[str, str],
        now: str,
        versioned: bool,
        remember: bool,
        rows: Iterator[tuple[Any, ...]],
        trigger: tuple[str] | None,
    ) -> tuple[int, int]:
        """Compare, update and insert through ``temp.bingeo_upsert``; return (added, updated)."""
        names = ", ".join(f'"{c}"' for c in cols)
        tmp = "temp.bingeo_upsert"
        typed = ", ".join(f'"{c}" {decl[c].split()[0]}' for c in cols) + (
            ", digest INTEGER, tallies TEXT" if remember else ""
        )
        differs = " OR ".join([f't."{c}" IS NOT s."{c}"' for c in cols if c != key] + ["t.geom IS NOT s.geom"])
        sets = ", ".join(f'"{c}" = s."{c}"' for c in cols if c != key)
        rtree = f"rtree_{table}_geom"
        conn.execute(f"DROP TABLE IF EXISTS {tmp}")
        conn.execute(
            f"CREATE TABLE {tmp} (ord INTEGER PRIMARY KEY, geom BLOB, minx REAL, maxx REAL, miny REAL, "
            f"maxy REAL, {typed})"
        )
        marks = ", ".join("?" for _ in range(len(cols) + 6 + 2 * remember))
        n_rows = conn.executemany(f"INSERT INTO {tmp} VALUES ({marks})", rows).rowcount  # noqa: S608 - fixed names
        conn.execute(f'CREATE UNIQUE INDEX temp.bingeo_upsert_key ON bingeo_upsert ("{key}")')
        if n_rows <= ANALYZE_ROWS:  # without counts SQLite guesses as many rows in both and may scan the table
            conn.execute("ANALYZE temp.bingeo_upsert")
        bump = ", version = t.version + 1" if versioned else ""
        updated = conn.execute(
            f'UPDATE "{table}" AS t SET geom = s.geom, {sets}, updated_at = ?{bump} '  # noqa: S608
            f'FROM {tmp} AS s WHERE t."{key}" = s."{key}" AND ({differs})',
            (now,),
        ).rowcount
        before = conn.execute(f'SELECT coalesce(max(fid), 0) FROM "{table}"').fetchone()[0]  # noqa: S608
        extra, ones = (', "version"', ", 1") if versioned else ("", "")
        added = conn.execute(
            f'INSERT INTO "{table}" (geom, {names}, "updated_at"{extra}) '  # noqa: S608 - fixed names
            f"SELECT s.geom, {', '.join(f's.{chr(34)}{c}{chr(34)}' for c in cols)}, ?{ones} FROM {tmp} AS s "
            f'WHERE NOT EXISTS (SELECT 1 FROM "{table}" AS t WHERE t."{key}" = s."{key}") ORDER BY s.ord',
            (now,),
        ).rowcount
        if trigger is not None:
            new_boxes = (
                f'SELECT t.fid, s.minx, s.maxx, s.miny, s.maxy FROM "{table}" AS t JOIN {tmp} AS s '  # noqa: S608
                f'ON t."{key}" = s."{key}" WHERE t.fid > ? AND s.minx IS NOT NULL'
            )
            if added >= RTREE_BULK_ROWS:  # pack the whole tree once: the rows there and the new ones
                old = np.array(conn.execute(f'SELECT id, minx, maxx, miny, maxy FROM "{rtree}"').fetchall())
                new = np.array(conn.execute(new_boxes, (before,)).fetchall())
                both = [a.reshape(-1, 5) for a in (old, new)]
                ids = np.concatenate([both[0][:, 0], both[1][:, 0]]).astype(np.int64)
                box = np.concatenate([both[0][:, 1:], fmt.rtree_floats(both[1][:, 1:])]).astype(np.float32)
                fmt.rebuild_rtree(conn, rtree, ids, box)
            else:
                conn.execute(f'INSERT OR REPLACE INTO "{rtree}" (id, minx, maxx, miny, maxy) {new_boxes}', (before,))
        if remember:
            _create_memo(conn)
            conn.execute(
                f'INSERT OR REPLACE INTO "{MEMO_TABLE}" (fid, member_id, digest, version, updated_at, tallies) '  # noqa: S608
                f'SELECT t.fid, t."{key}", s.digest, t.version, t.updated_at, s.tallies FROM {tmp} AS s '
                f'JOIN "{table}" AS t ON t."{key}" = s."{key}"'
            )
        conn.execute(f"DROP TABLE {tmp}")
        return added, updated

    def _select_rows(
        self, table: str, fields: base.Fields, bbox: base.BBox | None, where: str, params: base.Params
    ) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        cols = [c for c, _ in fields]
        names = ", ".join(f't."{c}"' for c in cols)
        sql = f'SELECT {names}, t.geom FROM "{table}" t'
        args: tuple[Any, ...] = ()
        if bbox is not None:
            sql += (
                f' JOIN "rtree_{table}_geom" r ON t.fid = r.id '
                "WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?"
            )
            args = (bbox[2], bbox[0], bbox[3], bbox[1])
            if where:
                sql += f" AND ({where})"
        elif where:
            sql += f" WHERE {where}"
        sql += " ORDER BY t.fid"  # insertion order, whatever the index walked: the same on every backend
        rows = self._conn.execute(sql, args + params).fetchall()
        return [r[:-1] for r in rows], fmt.decode_many([r[-1] for r in rows])  # BOOLEAN columns hold 0/1

    def _select_points(
        self, table: str, fields: base.Fields, bbox: base.BBox | None, where: str, params: base.Params
    ) -> gpd.GeoDataFrame:
        import geopandas as gpd
        import pandas as pd

        cols = [c for c, _ in fields]
        rows, geoms = self._select_rows(table, fields, bbox, where, params)
        df = pd.DataFrame(rows, columns=cols)
        for c, decl in fields:
            if decl.split()[0] == "BOOLEAN":  # SQLite stores 0/1
                df[c] = df[c].astype(bool)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)

    # ---- audit log, copy ------------------------------------------------------------------
    def _insert_audit(self, record: dict[str, Any], geom: shapely.Geometry | None) -> None:
        cols = [c for c, _ in AUDIT_FIELDS]
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        with self._write(("audit_log",)) as conn:
            try:
                conn.execute(
                    f'INSERT INTO "audit_log" (geom, {names}) VALUES (?, {marks})',  # noqa: S608 - fixed names
                    (fmt.encode(geom, self.srs_id) if geom is not None else None, *(record[c] for c in cols)),
                )
            except sqlite3.IntegrityError as exc:
                if "UNIQUE" not in str(exc):
                    raise
                msg = f"alert id {record['alert_id']!r} is already in the audit log of {self.location}."
                raise ConflictError(msg) from None

    def _copy_rows(self, handle: Any, table: str, frame: gpd.GeoDataFrame) -> None:
        fields, _, _ = TABLES[table]
        cols = [c for c, _ in fields]
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        geoms = frame.geometry.to_numpy()
        if TABLES[table][2] == "MULTIPOLYGON":
            geoms = [as_multipolygon(g) for g in geoms]
        blobs = fmt.encode_many(geoms, self.srs_id)
        rows = [(blob, *(_sql(v) for v in r)) for blob, r in zip(blobs, frame[cols].itertuples(index=False, name=None))]
        handle.executemany(f'INSERT INTO "{table}" (geom, {names}) VALUES (?, {marks})', rows)  # noqa: S608

    def _count(self, table: str) -> int:
        if table not in TABLES:
            msg = f"`table` must be one of {', '.join(TABLES)}, got {table!r}"
            raise StoreError(msg)
        return int(self._conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608 - fixed names

    def discard(self) -> None:
        """Remove this store, which this process has just created (its first import failed)."""
        self._conn.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        log.info("removed the new store %s: its first import failed", self.path)

    def close(self) -> None:
        """Close the file."""
        self._conn.close()


_sql = plain_value


def _plain_column(values: Any) -> list[Any]:
    """Return a column as values sqlite3 binds (see :func:`plain_value`), converted a column at a time."""
    arrow = getattr(values.array, "_pa_array", None)
    if arrow is not None and str(arrow.type) in ("string", "large_string"):  # text and None, as Arrow holds them
        return arrow.to_numpy(zero_copy_only=False).tolist()  # str and None, as to_pylist() gives (~1.5x faster)
    out = values.tolist()
    if values.dtype == bool or values.dtype.kind in "iu":
        return out  # Python bools and ints already
    return [v if v is None or type(v) is str else _sql(v) for v in out]  # None: no call (dates left empty)


def _insert_many(conn: sqlite3.Connection, head: str, fixed: str, columns: list[list[Any]]) -> None:
    """Run ``head`` (``INSERT INTO t (...) VALUES``) for each row of ``columns``, the SQL ``fixed`` after its values.

    :data:`VALUES_ROWS` rows a statement (``VALUES (?, ?, fixed), (?, ?, fixed), ...``): the rows as one
    ``executemany`` row each, in the same order, ~20 % less time than one statement a row (each of which
    opens the table anew).
    """
    n, width = len(columns[0]), len(columns)
    one = "(" + ", ".join("?" * width) + (f", {fixed})" if fixed else ")")
    per = max(1, min(VALUES_ROWS, MAX_PARAMETERS // width))
    full = n // per
    flat = chain.from_iterable(zip(*columns))
    if full:
        conn.executemany(f"{head} {', '.join([one] * per)}", (tuple(islice(flat, per * width)) for _ in range(full)))
    rest = tuple(flat)
    if rest:
        conn.execute(f"{head} {', '.join([one] * (len(rest) // width))}", rest)


def _rtree_box(geoms: Any, blobs: list[bytes | None]) -> np.ndarray:
    """Return the R-tree rows the insert trigger would write: minx, maxx, miny, maxy of non-empty blobs, else NaN.

    The same values as in the blob header :func:`_gpkg_format.encode_many` writes.
    """
    bounds = shapely.bounds(np.asarray(geoms, dtype=object))[:, [0, 2, 1, 3]]
    keep = np.array([b is not None and not (b[3] & 0b00010000) for b in blobs], dtype=bool)
    bounds[~keep] = np.nan
    return bounds


def _create_memo(conn: sqlite3.Connection) -> None:
    """Make :data:`MEMO_TABLE` if missing, registered in gpkg_contents as attributes.

    Unregistered, QGIS lists it as a table the GeoPackage does not know of; a memo made before is registered now.
    """
    conn.execute(MEMO_DDL)
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES (?, 'attributes', ?, 'bingeo: what member imports remember (a cache)')",
        (MEMO_TABLE, MEMO_TABLE),
    )


def _next_fid(conn: sqlite3.Connection, table: str) -> int:
    """Return the fid SQLite gives the next row of the empty ``table``: after the largest it ever had."""
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    return (seq[0] if seq else 0) + 1


class _Ready:
    """A first import's rows in scratch files (:class:`_gpkg_scratch.Scratch`), ready to copy.

    Their fids (from ``first``), R-tree boxes and, when the R-tree was packed beside, its extent.
    """

    def __init__(self, first: int, box: np.ndarray) -> None:
        self.first, self.box = first, box
        self.fids = np.arange(first, first + len(box), dtype=np.int64)
        self.files: list[scratch.Scratch] = []
        self.extent: tuple[float, float, float, float] | None = None
        self.memo = False  # whether the file beside holds the memo

    def attach(self, conn: sqlite3.Connection) -> bool:
        """Wait for the scratch files and attach them to ``conn``; False when one could not be written."""
        return all(f.attach(conn) for f in self.files)

    def close(self) -> None:
        """Detach and remove the scratch files."""
        for f in self.files:
            f.close()


def _looks_like_sqlite(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"
