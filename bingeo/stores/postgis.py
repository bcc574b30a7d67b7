"""The shared store: a schema in a PostgreSQL + PostGIS database.

Open one with ``bingeo.open_store("postgresql://user@host/db?schema=bingeo")``.
Credentials come from the URL, or (better) from ``PGPASSWORD``, ``~/.pgpass`` or
a service file (``postgresql:///?service=bins&schema=bingeo``): libpq reads
them. The password is never printed: errors and ``repr`` show the URL with
``***`` in its place.

Tables in the schema (the same as the GeoPackage layers): ``networks``,
``network_history``, ``members``, ``addresses``, ``audit_log`` (geometry
column ``geom`` with a GiST index each) and ``bingeo_meta`` (schema version,
CRS). Every write is one transaction. A concurrent change to the same network
is detected by its ``version`` (the second writer gets
:class:`bingeo.ConflictError`). The audit log refuses UPDATE, DELETE and
TRUNCATE by trigger; :func:`app_role_grants` gives the GRANTs that make it
append-only for an application role too.

Every value is passed as a parameter and every identifier quoted with
``psycopg.sql.Identifier``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo._crs import StoredCRS, crs_label, to_crs
from bingeo.errors import ConflictError, DriverMissingError, StoreError
from bingeo.stores import base
from bingeo.stores.base import (
    AUDIT_FIELDS,
    INDEX_KEEP,
    INDEX_TABLE,
    NETWORK_COLUMNS,
    NETWORK_FIELDS,
    TABLES,
    Store,
    _now,
    as_multipolygon,
    plain_value,
)

__all__ = [
    "PostgisStore",
    "SCHEMA_VERSION",
    "INDEX_DDL",
    "parse_url",
    "redact",
    "app_role_grants",
    "DriverMissingError",
]

log = logging.getLogger(__name__)

#: Version of bingeo's schema (the same numbering as the GeoPackage store's).
SCHEMA_VERSION = 2

#: GeoPackage column declarations -> PostgreSQL types.
_PG_TYPES = {
    "TEXT": "text",
    "DATE": "date",
    "DATETIME": "timestamptz",
    "INTEGER": "integer",
    "REAL": "double precision",
    "BOOLEAN": "boolean",
}
_DATETIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'


def _import_psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        msg = (
            "PostGIS stores need the psycopg driver (version 3). Install it with "
            "`pip install 'psycopg[binary]>=3.1'` (or `pip install 'bingeo[postgis]'`)."
        )
        raise DriverMissingError(msg) from None
    return psycopg


# ---------------------------------------------------------------------------- URLs


def parse_url(url: str) -> tuple[str, str, str]:
    """Split a store URL into (libpq connection URL, schema, redacted URL for messages).

    ``schema`` (default ``bingeo``) is bingeo's own query parameter; everything
    else is handed to libpq unchanged.

    Examples
    --------
    >>> conninfo, schema, shown = parse_url("postgresql://app:s3cret@db.local:5433/bins?schema=zone_5")
    >>> schema, shown
    ('zone_5', 'postgresql://app:***@db.local:5433/bins?schema=zone_5')
    >>> conninfo
    'postgresql://app:s3cret@db.local:5433/bins'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        msg = f"a PostGIS store URL starts with postgresql://, got {redact(url)!r}"
        raise StoreError(msg)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    schema = schemas[-1] if schemas else "bingeo"
    if not schema or len(schema) > 63:
        msg = f"the schema name in {redact(url)!r} must be 1 to 63 characters long, got {schema!r}."
        raise StoreError(msg)
    rest = [(k, v) for k, v in query if k != "schema"]
    conninfo = _unsplit(parts.scheme, parts.netloc, parts.path, urlencode(rest, quote_via=quote))
    return conninfo, schema, redact(url)


def redact(url: str) -> str:
    """Return the URL with its password (user part or ``password=`` parameter) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://(unreadable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = "&".join(
        f"{k}=***" if k.lower() == "password" else (f"{k}={v}" if v or "=" in pair else k)
        for pair in parts.query.split("&")
        if pair
        for k, _, v in [pair.partition("=")]
    )
    return _unsplit(parts.scheme, netloc, parts.path, query)


def _unsplit(scheme: str, netloc: str, path: str, query: str) -> str:
    # urlunsplit drops an empty host ("postgresql:///db" -> "postgresql:/db"), which libpq cannot read
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _secrets(url: str) -> list[str]:
    parts = urlsplit(url)
    found = []
    if parts.password:
        found += [parts.password, unquote(parts.password)]
    found += [v for k, v in parse_qsl(parts.query) if k.lower() == "password" and v]
    return [s for s in found if s]


def _scrub(text: str, url: str) -> str:
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", text, flags=re.I)


#: The stored grid index of the networks (a cache, see :meth:`bingeo.stores.base.Store.network_locator`),
#: made by the first call that saves one, or by :func:`app_role_grants` (format: the table's name).
INDEX_DDL = (
    "CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), "
    "data bytea NOT NULL)"
)


def app_role_grants(schema: str, role: str) -> list[str]:
    """Return the GRANTs for an application role that uses a store but cannot rewrite its audit log.

    The role may read and write networks, members and addresses, read the
    schema version, and only INSERT and SELECT on ``audit_log``: no UPDATE,
    DELETE or TRUNCATE there (the trigger refuses those for the owner as well).
    It may read, save and clear the stored grid index of the networks
    (``bingeo_network_index``, created here when missing: the role cannot create
    tables), so that ``assign`` does not build it at every call.
    It cannot create or alter tables: run ``bingeo store init`` (migrations) as
    the owner. Run the statements as the schema's owner.

    Examples
    --------
    >>> for line in app_role_grants("bingeo", "bin_app")[:2]:
    ...     print(line)
    GRANT USAGE ON SCHEMA "bingeo" TO "bin_app";
    GRANT SELECT ON "bingeo"."bingeo_meta" TO "bin_app";
    """

    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    s, r = ident(schema), ident(role)
    data = ", ".join(f"{s}.{ident(t)}" for t in ("networks", "network_history", "members", "addresses"))
    return [
        f"GRANT USAGE ON SCHEMA {s} TO {r};",
        f"GRANT SELECT ON {s}.{ident('bingeo_meta')} TO {r};",
        f"GRANT SELECT, INSERT, UPDATE ON {data} TO {r};",
        f"GRANT SELECT, INSERT ON {s}.{ident('audit_log')} TO {r};",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {s}.{ident('audit_log')} FROM {r};",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {r};",
        INDEX_DDL.format(f"{s}.{ident(INDEX_TABLE)}") + ";",
        f"GRANT SELECT, INSERT, DELETE ON {s}.{ident(INDEX_TABLE)} TO {r};",
    ]


# ---------------------------------------------------------------------------- schema and migrations

Migration = Callable[[Any, Any, int], None]
MIGRATIONS: dict[int, Migration] = {}


def _migration(version: int) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS[version] = fn
        return fn

    return register


def _create_table(
    cur: Any,
    schema: Any,
    table: str,
    fields: list[tuple[str, str]],
    geometry: str,
    srid: int,
    *,
    geom_not_null: bool = False,
) -> None:
    sql = _sql()
    cols = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(name),
            sql.SQL(_PG_TYPES[decl.split()[0]]),
            sql.SQL(" NOT NULL" if "NOT NULL" in decl else ""),
        )
        for name, decl in fields
    ]
    geom_type = {"MULTIPOLYGON": "MultiPolygon", "POINT": "Point"}[geometry]
    cur.execute(
        sql.SQL("CREATE TABLE {}.{} (fid bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, geom {}{}, {})").format(
            schema,
            sql.Identifier(table),
            sql.SQL(f"geometry({geom_type}, {int(srid)})"),
            sql.SQL(" NOT NULL" if geom_not_null else ""),
            sql.SQL(", ").join(cols),
        )
    )
    cur.execute(
        sql.SQL("CREATE INDEX {} ON {}.{} USING GIST (geom)").format(
            sql.Identifier(f"{table}_geom_gist"), schema, sql.Identifier(table)
        )
    )


def _index(cur: Any, schema: Any, table: str, columns: tuple[str, ...], *, unique: bool = False) -> None:
    sql = _sql()
    cur.execute(
        sql.SQL("CREATE {}INDEX {} ON {}.{} ({})").format(
            sql.SQL("UNIQUE " if unique else ""),
            sql.Identifier(f"{table}_{'_'.join(columns)}"),
            schema,
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        )
    )


@_migration(1)
def _create_networks(cur: Any, schema: Any, srid: int) -> None:
    _create_table(cur, schema, "networks", NETWORK_FIELDS, "MULTIPOLYGON", srid, geom_not_null=True)
    _index(cur, schema, "networks", ("network_id",), unique=True)
    _create_table(cur, schema, "network_history", NETWORK_FIELDS, "MULTIPOLYGON", srid, geom_not_null=True)
    _index(cur, schema, "network_history", ("network_id", "version"))


@_migration(2)
def _create_members_addresses_audit(cur: Any, schema: Any, srid: int) -> None:
    sql = _sql()
    for table in ("members", "addresses", "audit_log"):
        fields, key, geometry = TABLES[table]
        _create_table(cur, schema, table, fields, geometry, srid)
        _index(cur, schema, table, (key,), unique=True)
    _index(cur, schema, "members", ("person_id",))
    _index(cur, schema, "addresses", ("postcode", "house_number"))
    cur.execute(
        sql.SQL(
            "CREATE FUNCTION {}.bingeo_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'the bingeo audit log is append-only' USING ERRCODE = 'insufficient_privilege'; "
            "END $$"
        ).format(schema)
    )
    cur.execute(
        sql.SQL(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON {}.audit_log "
            "FOR EACH ROW EXECUTE FUNCTION {}.bingeo_audit_append_only()"
        ).format(schema, schema)
    )
    cur.execute(
        sql.SQL(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {}.audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION {}.bingeo_audit_append_only()"
        ).format(schema, schema)
    )


def _sql() -> Any:
    from psycopg import sql

    return sql


# ---------------------------------------------------------------------------- the store


class PostgisStore(Store):
    """A store in a PostgreSQL + PostGIS schema. Open with :func:`bingeo.open_store`.

    Parameters
    ----------
    url : str
        ``postgresql://[user[:password]@][host][:port]/database?schema=NAME`` (schema
        default ``bingeo``); other query parameters (``host=/socket/dir``, ``service``,
        ``sslmode``...) go to libpq.
    create : bool, default False
        Create bingeo's tables in the schema when they are not there yet (the
        database must exist; the schema is created when missing).
    crs : CRS-like, optional
        The CRS of a new store (fixed at creation).
    schema_version : int, optional
        Create or upgrade the schema only up to this version (for tests of migrations).
    """

    def __init__(self, url: str, *, create: bool = False, crs: Any = None, schema_version: int | None = None) -> None:
        psycopg = _import_psycopg()
        self._url = url
        conninfo, self.schema, self.location = parse_url(url)
        self._ident = _sql().Identifier(self.schema)
        try:
            self._conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=15, application_name="bingeo")
        except psycopg.Error as exc:
            msg = f"cannot connect to the PostGIS store {self.location}: {_scrub(str(exc).strip(), url)}"
            raise StoreError(msg) from None
        try:
            self._open(create, crs, SCHEMA_VERSION if schema_version is None else schema_version)
        except BaseException:
            self._conn.close()
            raise

    def _open(self, create: bool, crs: Any, target: int) -> None:
        meta = self._read_meta()
        if meta is None:
            if not create:
                msg = (
                    f"there is no bingeo store in schema {self.schema!r} of {self.location}. Create it with "
                    f"`bingeo store init '{self.location}' --crs 28992` (or import networks into it)."
                )
                err = StoreError(msg)
                err.missing = True  # type: ignore[attr-defined]
                raise err
            if crs is None:
                msg = f"a new store needs a CRS: give `--crs` (e.g. 28992) when creating {self.location}."
                raise StoreError(msg)
            self.crs = to_crs(crs, what="store `crs`")
            self._initialise(target)
        else:
            self.stored_crs = StoredCRS(meta["crs"])
            if crs is not None and to_crs(crs) != self.crs:
                log.info("store %s keeps its CRS %s (asked: %s)", self.location, crs_label(self.crs), crs)
            self._migrate(int(meta["schema_version"]), target)
        self.srid = int(self.stored_crs.epsg)  # type: ignore[arg-type]

    # ---- schema ----------------------------------------------------------------------
    def _read_meta(self) -> dict[str, str] | None:
        row = self._conn.execute(
            "SELECT count(*) > 0 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'bingeo_meta'",
            (self.schema,),
        ).fetchone()
        if not row[0]:
            tables = self._conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (self.schema,)
            ).fetchone()[0]
            if tables:
                msg = (
                    f"schema {self.schema!r} of {self.location} holds {tables} tables but no bingeo store. "
                    "Give another schema (?schema=NAME) for the store."
                )
                raise StoreError(msg)
            return None
        sql = _sql()
        rows = self._conn.execute(sql.SQL("SELECT key, value FROM {}.bingeo_meta").format(self._ident)).fetchall()
        return dict(rows)

    def _ensure_postgis(self, cur: Any) -> None:
        has = cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").fetchone()[0]
        if has:
            return
        psycopg = _import_psycopg()
        try:
            with self._conn.transaction():
                cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            msg = (
                f"the database of {self.location} has no PostGIS extension and it could not be created "
                f"({str(exc).strip()}). Ask its administrator to run `CREATE EXTENSION postgis;` in it."
            )
            raise StoreError(msg) from None

    def _initialise(self, target: int) -> None:
        epsg = self.crs.to_epsg()
        if epsg is None:
            msg = f"the store's CRS must have an EPSG code; {crs_label(self.crs)} has none. Give e.g. 28992."
            raise StoreError(msg)
        sql = _sql()
        with self._conn.cursor() as cur:
            self._ensure_postgis(cur)
            known = cur.execute("SELECT count(*) FROM spatial_ref_sys WHERE srid = %s", (epsg,)).fetchone()[0]
            if not known:
                msg = f"PostGIS in {self.location} does not know EPSG:{epsg} (spatial_ref_sys). Use another CRS."
                raise StoreError(msg)
        with self._write(()) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"bingeo:{self.schema}",))
            if self._read_meta() is not None:  # someone else created it meanwhile
                return
            had_schema = cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone()[
                0
            ]
            self._created_schema = not had_schema
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(self._ident))
            cur.execute(
                sql.SQL("CREATE TABLE {}.bingeo_meta (key text PRIMARY KEY, value text NOT NULL)").format(self._ident)
            )
            cur.execute(
                sql.SQL("INSERT INTO {}.bingeo_meta (key, value) VALUES (%s, %s), (%s, %s), (%s, %s)").format(
                    self._ident
                ),
                ("schema_version", "0", "crs", f"EPSG:{epsg}", "created_at", _now()),
            )
            self._apply_migrations(cur, 0, target, int(epsg))
        log.info("created store %s in %s", self.location, crs_label(self.crs))

    def _apply_migrations(self, cur: Any, current: int, target: int, srid: int) -> None:
        sql = _sql()
        for version in range(current + 1, target + 1):
            MIGRATIONS[version](cur, self._ident, srid)
            cur.execute(
                sql.SQL("UPDATE {}.bingeo_meta SET value = %s WHERE key = 'schema_version'").format(self._ident),
                (str(version),),
            )
            log.info("store %s: schema upgraded to version %d", self.location, version)

    def _migrate(self, current: int, target: int) -> None:
        if current > SCHEMA_VERSION:
            msg = (
                f"store {self.location} has schema version {current}, newer than this bingeo understands "
                f"({SCHEMA_VERSION}). Upgrade bingeo: `pip install -U bingeo`."
            )
            raise StoreError(msg)
        if current < target:
            sql = _sql()
            try:
                with self._write(()) as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"bingeo:{self.schema}",))
                    now = int(
                        cur.execute(
                            sql.SQL("SELECT value FROM {}.bingeo_meta WHERE key = 'schema_version'").format(self._ident)
                        ).fetchone()[0]
                    )
                    self._apply_migrations(cur, now, target, int(self.crs.to_epsg()))  # type: ignore[arg-type]
            except StoreError as exc:
                if "permission denied" in str(exc) or "must be owner" in str(exc):
                    msg = (
                        f"store {self.location} has schema version {current} and needs an upgrade to {target}, "
                        "which this role may not do. Ask the owner to run `bingeo store init URL`."
                    )
                    raise StoreError(msg) from None
                raise

    @property
    def schema_version(self) -> int:
        """Schema version (bingeo's own numbering) of this store."""
        sql = _sql()
        row = self._conn.execute(
            sql.SQL("SELECT value FROM {}.bingeo_meta WHERE key = 'schema_version'").format(self._ident)
        ).fetchone()
        return int(row[0])

    # ---- primitives --------------------------------------------------------------------
    @contextmanager
    def _write(self, tables: tuple[str, ...] = ("networks", "network_history")) -> Iterator[Any]:
        psycopg = _import_psycopg()
        errors = psycopg.errors
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                yield cur
        except (errors.UniqueViolation, errors.SerializationFailure, errors.DeadlockDetected) as exc:
            msg = (
                f"someone else wrote the same records in {self.location} meanwhile "
                f"({type(exc).__name__}: {str(exc).strip().splitlines()[0]}). "
                "Nothing was written: reload and try again."
            )
            raise ConflictError(msg) from None
        except errors.InsufficientPrivilege as exc:
            msg = f"not allowed in {self.location}: {str(exc).strip().splitlines()[0]}"
            raise StoreError(msg) from None
        except psycopg.OperationalError as exc:
            msg = f"the PostGIS store {self.location} failed: {_scrub(str(exc).strip(), self._url)}"
            raise StoreError(msg) from None
        except psycopg.DatabaseError as exc:
            msg = f"the PostGIS store {self.location} refused a write: {str(exc).strip().splitlines()[0]}"
            raise StoreError(msg) from None

    def _columns(self, fields: list[tuple[str, str]], alias: str = "") -> Any:
        sql = _sql()
        out = []
        for name, decl in fields:
            col = sql.Identifier(alias, name) if alias else sql.Identifier(name)
            kind = decl.split()[0]
            if kind == "DATE":
                out.append(sql.SQL("to_char({}, 'YYYY-MM-DD')").format(col))
            elif kind == "DATETIME":
                out.append(sql.SQL("to_char({} AT TIME ZONE 'UTC', {})").format(col, sql.Literal(_DATETIME_FORMAT)))
            else:
                out.append(col)
        return sql.SQL(", ").join(out)

    def _frame(self, rows: list[tuple[Any, ...]], columns: list[str]) -> gpd.GeoDataFrame:
        df = pd.DataFrame([r[:-1] for r in rows], columns=columns)
        wkb = np.asarray([None if r[-1] is None else bytes(r[-1]) for r in rows], dtype=object)
        geoms = shapely.from_wkb(wkb) if len(wkb) else np.empty(0, dtype=object)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)

    def _select_networks(
        self, table: str, where: str = "", params: tuple[Any, ...] = (), *, handle: Any = None
    ) -> gpd.GeoDataFrame:
        sql = _sql()
        query = sql.SQL("SELECT {}, ST_AsBinary(geom, 'NDR') FROM {}.{} {} ORDER BY fid").format(
            self._columns(NETWORK_FIELDS), self._ident, sql.Identifier(table), sql.SQL(where.replace("?", "%s"))
        )
        rows = (handle or self._conn).execute(query, params).fetchall()
        gdf = self._frame(rows, NETWORK_COLUMNS)
        gdf["version"] = gdf["version"].astype("int64")
        return gdf

    def _wkb(self, geom: shapely.Geometry) -> bytes:
        return shapely.to_wkb(as_multipolygon(geom), byte_order=1, output_dimension=2)

    def _insert_network(self, handle: Any, table: str, record: dict[str, Any], geom: shapely.Geometry) -> None:
        sql = _sql()
        cols = [c for c in NETWORK_COLUMNS if c in record]
        handle.execute(
            sql.SQL("INSERT INTO {}.{} (geom, {}) VALUES (ST_GeomFromWKB(%s, %s), {})").format(
                self._ident,
                sql.Identifier(table),
                sql.SQL(", ").join(sql.Identifier(c) for c in cols),
                sql.SQL(", ").join(sql.Placeholder() for _ in cols),
            ),
            (self._wkb(geom), self.srid, *(_value(record[c]) for c in cols)),
        )

    def _update_network(
        self, handle: Any, record: dict[str, Any], geom: shapely.Geometry, expected_version: int
    ) -> int:
        sql = _sql()
        cols = [c for c in NETWORK_COLUMNS if c in record and c != "network_id"]
        cur = handle.execute(
            sql.SQL(
                "UPDATE {}.networks SET geom = ST_GeomFromWKB(%s, %s), {} WHERE network_id = %s AND version = %s"
            ).format(self._ident, sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in cols)),
            (
                self._wkb(geom),
                self.srid,
                *(_value(record[c]) for c in cols),
                record["network_id"],
                expected_version,
            ),
        )
        return int(cur.rowcount)

    def _sync_validity(self, handle: Any, network_id: str, valid_from: str | None, valid_to: str | None) -> None:
        sql = _sql()
        if valid_from is None:
            handle.execute(
                sql.SQL("UPDATE {}.network_history SET valid_from = %s, valid_to = %s WHERE network_id = %s").format(
                    self._ident
                ),
                (valid_from, valid_to, network_id),
            )
            return
        handle.execute(
            sql.SQL(
                "UPDATE {}.network_history SET valid_from = %s, valid_to = %s WHERE network_id = %s "
                "AND (valid_to IS NULL OR valid_to > %s)"
            ).format(self._ident),
            (valid_from, valid_to, network_id, valid_from),
        )

    # ---- point tables ------------------------------------------------------------------
    def _ewkb_hex(self, geoms: Any, multi: bool = False) -> list[str | None]:
        geoms = np.asarray(geoms, dtype=object)
        if multi:
            geoms = np.asarray([as_multipolygon(g) for g in geoms], dtype=object)
        if not len(geoms):
            return []
        out = shapely.to_wkb(shapely.set_srid(geoms, self.srid), hex=True, include_srid=True, output_dimension=2)
        return list(out)

    def _copy_into(self, cur: Any, table: Any, cols: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
        sql = _sql()
        query = sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(sql.Identifier(c) for c in cols))
        with cur.copy(query) as copy:
            for row in rows:
                copy.write_row(row)

    def _upsert_points(
        self,
        table: str,
        fields: list[tuple[str, str]],
        key: str,
        frame: gpd.GeoDataFrame,
        cols: list[str],
        memo: pd.DataFrame | None = None,  # no member memo here (member_memo() is None)
    ) -> dict[str, int]:
        sql = _sql()
        decl = dict(fields)
        versioned = "version" in decl
        geoms = self._ewkb_hex(frame.geometry.to_numpy())
        values = frame[cols].itertuples(index=False, name=None)
        tmp = sql.Identifier("bingeo_upsert")
        ident = sql.Identifier
        with self._write((table,)) as cur:
            cur.execute(
                sql.SQL("CREATE TEMP TABLE {} (ord bigint, geom geometry, {}) ON COMMIT DROP").format(
                    tmp,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(ident(c), sql.SQL(_PG_TYPES[decl[c].split()[0]])) for c in cols
                    ),
                )
            )
            self._copy_into(
                cur,
                tmp,
                ["ord", "geom", *cols],
                ((i, g, *(_value(v) for v in row)) for i, (g, row) in enumerate(zip(geoms, values))),
            )
            target = sql.SQL("{}.{}").format(self._ident, ident(table))
            differs = sql.SQL(" OR ").join(
                [sql.SQL("t.{c} IS DISTINCT FROM s.{c}").format(c=ident(c)) for c in cols if c != key]
                + [sql.SQL("ST_AsBinary(t.geom, 'NDR') IS DISTINCT FROM ST_AsBinary(s.geom, 'NDR')")]
            )
            now = _now()
            updated = cur.execute(
                sql.SQL(
                    "UPDATE {} t SET geom = s.geom, {}, updated_at = %s{} FROM {} s WHERE t.{} = s.{} AND ({})"
                ).format(
                    target,
                    sql.SQL(", ").join(sql.SQL("{c} = s.{c}").format(c=ident(c)) for c in cols if c != key),
                    sql.SQL(", version = t.version + 1" if versioned else ""),
                    tmp,
                    ident(key),
                    ident(key),
                    differs,
                ),
                (now,),
            ).rowcount
            added = cur.execute(
                sql.SQL(
                    "INSERT INTO {} (geom, {}, updated_at{}) SELECT s.geom, {}, %s{} FROM {} s "
                    "WHERE NOT EXISTS (SELECT 1 FROM {} t WHERE t.{} = s.{}) ORDER BY s.ord"
                ).format(
                    target,
                    sql.SQL(", ").join(ident(c) for c in cols),
                    sql.SQL(", version" if versioned else ""),
                    sql.SQL(", ").join(sql.SQL("s.{}").format(ident(c)) for c in cols),
                    sql.SQL(", 1" if versioned else ""),
                    tmp,
                    target,
                    ident(key),
                    ident(key),
                ),
                (now,),
            ).rowcount
        return {"added": int(added), "updated": int(updated), "unchanged": len(frame) - int(added) - int(updated)}

    def _select_points(
        self, table: str, fields: base.Fields, bbox: base.BBox | None, where: str, params: base.Params
    ) -> gpd.GeoDataFrame:
        sql = _sql()
        conds, args = [], ()
        if bbox is not None:
            conds.append("t.geom && ST_MakeEnvelope(%s, %s, %s, %s, %s)")
            args = (*(float(v) for v in bbox), self.srid)
        if where:
            conds.append(f"({where.replace('?', '%s')})")
        query = sql.SQL("SELECT {}, ST_AsBinary(t.geom, 'NDR') FROM {}.{} t {} ORDER BY t.fid").format(
            self._columns(fields, "t"),
            self._ident,
            sql.Identifier(table),
            sql.SQL("WHERE " + " AND ".join(conds) if conds else ""),
        )
        rows = self._conn.execute(query, args + tuple(params)).fetchall()
        gdf = self._frame(rows, [c for c, _ in fields])
        for c, decl in fields:
            if decl.split()[0] == "BOOLEAN":  # bool dtype also when there are no rows
                gdf[c] = gdf[c].astype(bool)
        return gdf

    def _insert_audit(self, record: dict[str, Any], geom: shapely.Geometry | None) -> None:
        sql = _sql()
        cols = [c for c, _ in AUDIT_FIELDS]
        try:
            with self._write(("audit_log",)) as cur:
                cur.execute(
                    sql.SQL("INSERT INTO {}.audit_log (geom, {}) VALUES (ST_GeomFromWKB(%s, %s), {})").format(
                        self._ident,
                        sql.SQL(", ").join(sql.Identifier(c) for c in cols),
                        sql.SQL(", ").join(sql.Placeholder() for _ in cols),
                    ),
                    (None if geom is None else self._wkb(geom), self.srid, *(record[c] for c in cols)),
                )
        except ConflictError:
            msg = f"alert id {record['alert_id']!r} is already in the audit log of {self.location}."
            raise ConflictError(msg) from None

    def _copy_rows(self, handle: Any, table: str, frame: gpd.GeoDataFrame) -> None:
        sql = _sql()
        fields, _, geometry = TABLES[table]
        cols = [c for c, _ in fields]
        geoms = self._ewkb_hex(frame.geometry.to_numpy(), multi=geometry == "MULTIPOLYGON")
        rows = ((g, *(_value(v) for v in row)) for g, row in zip(geoms, frame[cols].itertuples(index=False, name=None)))
        self._copy_into(handle, sql.SQL("{}.{}").format(self._ident, sql.Identifier(table)), ["geom", *cols], rows)

    def _count(self, table: str) -> int:
        if table not in TABLES:
            msg = f"`table` must be one of {', '.join(TABLES)}, got {table!r}"
            raise StoreError(msg)
        sql = _sql()
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(self._ident, sql.Identifier(table))
        return int(self._conn.execute(query).fetchone()[0])

    # ---- the stored network index ------------------------------------------------------------
    def _index_table(self) -> Any:
        sql = _sql()
        return sql.SQL("{}.{}").format(self._ident, sql.Identifier(INDEX_TABLE))

    def _has_index_table(self) -> bool:
        # quote_ident: a schema name may hold any character (tests/test_postgis.py uses quotes and semicolons)
        query = "SELECT to_regclass(quote_ident(%s) || '.' || quote_ident(%s))"
        row = self._conn.execute(query, (self.schema, INDEX_TABLE)).fetchone()
        return row is not None and row[0] is not None

    def _load_index(self, key: str) -> bytes | None:
        sql = _sql()
        psycopg = _import_psycopg()
        try:
            with self._conn.transaction():
                if not self._has_index_table():
                    return None
                query = sql.SQL("SELECT data FROM {} WHERE key = %s").format(self._index_table())
                row = self._conn.execute(query, (key,)).fetchone()
        except psycopg.Error as exc:
            raise StoreError(str(exc).strip().splitlines()[0]) from None
        return None if row is None else bytes(row[0])

    def _save_index(self, key: str, data: bytes) -> bool:
        sql = _sql()
        table = self._index_table()
        try:
            with self._write(()) as cur:
                cur.execute("SET LOCAL lock_timeout = '1s'")  # a cache: never wait long for it
                if not self._has_index_table():  # CREATE ... IF NOT EXISTS needs the right to create, even then
                    cur.execute(sql.SQL(INDEX_DDL).format(table))
                cur.execute(sql.SQL("DELETE FROM {} WHERE key = %s").format(table), (key,))
                cur.execute(
                    sql.SQL(
                        "DELETE FROM {t} WHERE key NOT IN (SELECT key FROM {t} ORDER BY created_at DESC LIMIT %s)"
                    ).format(t=table),
                    (INDEX_KEEP - 1,),
                )
                cur.execute(sql.SQL("INSERT INTO {} (key, data) VALUES (%s, %s)").format(table), (key, data))
        except (StoreError, ConflictError) as exc:
            log.info("network index not saved in %s: %s", self.location, exc)
            return False
        return True

    def _clear_index(self, handle: Any) -> None:
        if self._has_index_table():
            handle.execute(_sql().SQL("DELETE FROM {}").format(self._index_table()))

    def grant_app_role(self, role: str) -> list[str]:
        """Run :func:`app_role_grants` for ``role`` (an existing role) in one transaction; returns the statements."""
        statements = app_role_grants(self.schema, role)
        with self._write(()) as cur:
            for statement in statements:
                cur.execute(statement.encode())
        log.info("granted application rights on %s to role %s", self.location, role)
        return statements

    def discard(self) -> None:
        """Remove this store, which this process has just created (its first import failed).

        Drops the schema when creating the store created it, else bingeo's tables and function in it.
        """
        sql = _sql()
        with self._write(()) as cur:
            if getattr(self, "_created_schema", False):
                cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(self._ident))
            else:
                for table in (*TABLES, "bingeo_meta", INDEX_TABLE):
                    cur.execute(
                        sql.SQL("DROP TABLE IF EXISTS {}.{} CASCADE").format(self._ident, sql.Identifier(table))
                    )
                cur.execute(
                    sql.SQL("DROP FUNCTION IF EXISTS {}.bingeo_audit_append_only() CASCADE").format(self._ident)
                )
        log.info("removed the new store %s: its first import failed", self.location)
        self._conn.close()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def _value(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return plain_value(value)
