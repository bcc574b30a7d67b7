"""The embedded store: one GeoPackage 1.2 file, written with sqlite3 transactions.

Layers a user sees when opening the file in QGIS:

``networks``
    one row per network (its current version), active and retired.
``network_history``
    earlier versions of networks whose boundary or attributes changed.

Table ``bingeo_meta`` (not a layer) records the schema version and the CRS.
Every write runs in one ``BEGIN IMMEDIATE`` transaction: an import killed
half-way leaves the file as it was. Writers wait for the lock up to
``settings.lock_timeout`` seconds instead of failing at once.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from bingeo import settings
from bingeo._crs import crs_label, to_crs
from bingeo._errors import StoreError
from bingeo.stores import _gpkg_format as fmt
from bingeo.stores.base import NETWORK_COLUMNS, NETWORK_FIELDS, Store, _now, as_multipolygon

__all__ = ["GpkgStore", "SCHEMA_VERSION"]

log = logging.getLogger(__name__)

#: Version of bingeo's own schema inside the GeoPackage (not the GeoPackage version).
SCHEMA_VERSION = 1

# Versioned migrations: MIGRATIONS[n] brings a store from schema n-1 to n.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection, int], None]] = {}


def _migration(
    version: int,
) -> Callable[[Callable[[sqlite3.Connection, int], None]], Callable[[sqlite3.Connection, int], None]]:
    def register(fn: Callable[[sqlite3.Connection, int], None]) -> Callable[[sqlite3.Connection, int], None]:
        MIGRATIONS[version] = fn
        return fn

    return register


@_migration(1)
def _create_networks(conn: sqlite3.Connection, srs_id: int) -> None:
    fmt.create_feature_table(
        conn,
        "networks",
        NETWORK_FIELDS,
        geometry_type="MULTIPOLYGON",
        srs_id=srs_id,
        description="BIN networks: current version of each (active and retired)",
    )
    conn.execute('CREATE UNIQUE INDEX "networks_network_id" ON "networks" (network_id)')
    fmt.create_feature_table(
        conn,
        "network_history",
        NETWORK_FIELDS,
        geometry_type="MULTIPOLYGON",
        srs_id=srs_id,
        description="Earlier versions of BIN networks",
    )
    conn.execute('CREATE INDEX "network_history_network_id" ON "network_history" (network_id, version)')


class GpkgStore(Store):
    """A store in a GeoPackage file. Open with :func:`bingeo.open_store`."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False, crs: Any = None) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        exists = self.path.exists()
        if not exists and not create:
            msg = (
                f"store {self.path} does not exist. Create it by importing networks: "
                f"`bingeo networks import FILE --store {self.path}`."
            )
            raise StoreError(msg)
        if exists and self.path.stat().st_size > 0 and not _looks_like_sqlite(self.path):
            msg = f"{self.path} is not a GeoPackage (not an SQLite file). Give the path of a bingeo store (.gpkg)."
            raise StoreError(msg)
        if not exists and not self.path.parent.exists():
            msg = f"cannot create store {self.path}: folder {self.path.parent} does not exist."
            raise StoreError(msg)
        self._conn = sqlite3.connect(self.path, timeout=settings.lock_timeout, isolation_level=None)
        fmt.register_functions(self._conn)
        self._conn.execute("PRAGMA foreign_keys = ON")
        try:
            meta = self._read_meta()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            msg = f"{self.path} cannot be read as a GeoPackage ({exc}). Is it a bingeo store?"
            raise StoreError(msg) from None
        if meta is None:
            if crs is None:
                self._conn.close()
                if not exists:
                    self.path.unlink(missing_ok=True)
                msg = f"a new store needs a CRS: give `crs` (e.g. 28992) when creating {self.path}."
                raise StoreError(msg)
            self.crs = to_crs(crs, what="store `crs`")
            self._initialise()
        else:
            self.crs = pyproj.CRS.from_user_input(meta["crs"])
            if crs is not None and to_crs(crs) != self.crs:
                log.info("store %s keeps its CRS %s (asked: %s)", self.path, crs_label(self.crs), crs)
            self._migrate(int(meta["schema_version"]))
        self.srs_id = int(self.crs.to_epsg())  # type: ignore[arg-type]

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

    # ---- primitives -----------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            msg = (
                f"store {self.path} is locked by another writer and stayed locked for "
                f"{settings.lock_timeout:g} s ({exc}). Try again when the other import has finished."
            )
            raise StoreError(msg) from None
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            for table in ("networks", "network_history"):
                if self._has_table(table):
                    fmt.update_extent(self._conn, table)
            self._conn.execute("COMMIT")

    def _has_table(self, name: str) -> bool:
        return bool(self._conn.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0])

    def _select_networks(
        self, table: str, where: str = "", params: tuple[Any, ...] = (), *, handle: Any = None
    ) -> gpd.GeoDataFrame:
        cols = ", ".join(f'"{c}"' for c in NETWORK_COLUMNS)
        rows = self._conn.execute(f'SELECT {cols}, geom FROM "{table}" {where}', params).fetchall()
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
        handle.execute(
            'UPDATE "network_history" SET valid_from = ?, valid_to = ? WHERE network_id = ?',
            (valid_from, valid_to, network_id),
        )

    def close(self) -> None:
        """Close the file."""
        self._conn.close()


def _sql(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _looks_like_sqlite(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"
