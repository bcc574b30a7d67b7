"""Point assignment inside PostGIS, for points tables larger than memory.

:func:`assign_in_database` gives the same answer as :func:`bingeo.assign` with the
store's networks: a point on a boundary belongs to the network (``ST_Covers``);
``network_id`` and ``network_name`` are those of the smallest covering network
by area (ties: the lowest id), and ``network_ids`` lists every covering network,
most specific first, separated by ``;``. The result is a new table with every column
of the points plus those three, written in the database.

The points table must be a plain table (or a materialized view) without child tables: a view,
a partitioned table or a table with inheritance children is refused, with the fix (copy the points
into a table first). Writers to the points table wait until the output is written (``SHARE`` lock).

How: the table is read and written in ranges of PAGES pages, in its physical order (TID range
scans; no parallel workers, no synchronized scans, the table locked). Each range's coordinates come
out as two bytea (x and y in binary, read by numpy without a Python object per row) and go through
bingeo's own kernel with the store's grid index; the range's rows are then written to the output
by ``CREATE TABLE … AS`` (the first range) or ``INSERT … SELECT``, the n-th row getting the n-th
code (an ``int4[]`` parameter subscripted by ``row_number()``) and its three texts from a small
temporary table of the combinations (a hash join). The rows themselves never leave the server, no
join on ``ctid`` is needed, and three things run at once: a second session reads range k + 1
(in the writing transaction's snapshot, exported after the lock: the same rows), Python locates
range k, and the writing session writes range k - 1. Memory holds a few ranges of coordinates
and codes. On 1 M points this takes 0.73-1.23x (median 0.86x) the time of reading the table and
assigning in memory (see the README, Figures); the first SQL plan (a network-driven ``ST_Covers``
join over a GiST index) took 4-6x that time, the previous one (codes copied back and joined on
``ctid``) 1.2-1.6x.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from bingeo.assign import Assigner
from bingeo.errors import InputError, StoreError
from bingeo.stores.postgis import PostgisStore, _import_psycopg, _scrub, _sql, parse_url

__all__ = ["assign_in_database"]

log = logging.getLogger(__name__)


def _split(name: str, default_schema: str) -> tuple[str, str]:
    if "." in name:
        schema, table = name.split(".", 1)
        return schema, table
    return default_schema, name


def _table_exists(conn: Any, schema: str, table: str) -> bool:
    return bool(
        conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (schema, table),
        ).fetchone()[0]
    )


def assign_in_database(
    store: PostgisStore,
    table: str,
    *,
    output: str,
    geometry: str | None = None,
    at: dt.date | str | None = None,
    replace: bool = False,
    workers: int | None = None,
) -> dict[str, int]:
    """Assign the points of a PostGIS table to the store's networks, in the database.

    Parameters
    ----------
    store : PostgisStore
        An open PostGIS store (``bingeo.open_store("postgresql://...")``).
    table : str
        The points table: ``name`` (in the store's schema) or ``schema.name``,
        in the same database. Its geometry column holds points (any SRID; they
        are transformed to the store's CRS). Rows without a geometry stay unassigned.
    output : str
        The table to create (``name`` or ``schema.name``): every column of
        ``table`` plus ``network_id``, ``network_name`` and ``network_ids``.
    geometry : str, optional
        The geometry column of ``table``; found in ``geometry_columns`` when it has one only.
    at : date or ISO string, optional
        Use the networks (and boundary versions) valid on that date. Default:
        today's active networks, as :meth:`bingeo.stores.Store.networks`.
    replace : bool, default False
        Replace ``output`` when it exists (else that is an error).
    workers : int, optional
        Threads of the point-in-polygon kernel (see :func:`bingeo.assign`).

    Returns
    -------
    dict
        ``points``, ``assigned`` (inside at least one network) and ``networks`` (used).

    See Also
    --------
    bingeo.assign : the same assignment in memory.

    Examples
    --------
    On a PostGIS store (it needs a server, so this is not run as a doctest; ``tests/test_postgis_assign.py``
    runs it against a real one)::

        with bingeo.open_store("postgresql://me@dbhost/bins?schema=bingeo") as st:
            assign_in_database(st, "public.incidents", output="incidents_assigned", replace=True)
        # {'points': 1000000, 'assigned': 998412, 'networks': 2000}
    """
    if not isinstance(store, PostgisStore):
        msg = f"`store` must be a PostGIS store (postgresql://...), got {type(store).__name__}"
        raise TypeError(msg)
    sql = _sql()
    src_schema, src_table = _split(table, store.schema)
    out_schema, out_table = _split(output, store.schema)
    src = sql.SQL("{}.{}").format(sql.Identifier(src_schema), sql.Identifier(src_table))
    dst = sql.SQL("{}.{}").format(sql.Identifier(out_schema), sql.Identifier(out_table))
    conn = store._conn
    geo = conn.execute(
        "SELECT f_geometry_column, srid, type FROM geometry_columns WHERE f_table_schema = %s AND f_table_name = %s",
        (src_schema, src_table),
    ).fetchall()
    if not geo:
        what = "has no geometry column" if _table_exists(conn, src_schema, src_table) else "does not exist"
        msg = f"the points table {src_schema}.{src_table} {what} in {store.location}."
        raise InputError(msg)
    if geometry is None:
        if len(geo) > 1:
            msg = (
                f"{src_schema}.{src_table} has several geometry columns ({', '.join(g[0] for g in geo)}): "
                "give `geometry`."
            )
            raise InputError(msg)
        geometry = geo[0][0]
    elif geometry not in [g[0] for g in geo]:
        msg = f"{src_schema}.{src_table} has no geometry column {geometry!r}; it has {', '.join(g[0] for g in geo)}."
        raise InputError(msg)
    g = sql.Identifier(geometry)
    kind = conn.execute(
        "SELECT c.relkind, EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = c.oid) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
        (src_schema, src_table),
    ).fetchone()
    if kind is None or kind[0] not in ("r", "m") or kind[1]:
        what = _KINDS.get(kind[0] if kind else "", "not a plain table")
        what = "a table with child tables (inheritance)" if kind and kind[0] in ("r", "m") else what
        msg = (
            f"{src_schema}.{src_table} is {what}: in-database assignment reads a plain table. "
            f"Copy the points first: CREATE TABLE my_points AS SELECT * FROM {src_schema}.{src_table}, "
            "then assign my_points."
        )
        raise InputError(msg)
    columns = [
        r[0]
        for r in conn.execute(
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 "
            "AND NOT a.attisdropped ORDER BY a.attnum",
            (sql.SQL("{}.{}").format(sql.Identifier(src_schema), sql.Identifier(src_table)).as_string(conn),),
        )
    ]
    clash = sorted(set(columns) & {"network_id", "network_name", "network_ids"})
    if clash:
        msg = f"{src_schema}.{src_table} already has columns {clash}: rename them before assigning."
        raise InputError(msg)

    nets = store.networks(at=at)
    assigner = Assigner(nets, store=store, workers=workers)  # the store's grid index, read or built once
    psycopg = _import_psycopg()
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    with assigner, store._write(()) as cur:
        if replace:
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(dst))
        elif _table_exists(cur, out_schema, out_table):
            msg = f"the output table {out_schema}.{out_table} exists already; give another name or replace=True."
            raise StoreError(msg)
        # Nobody writes to the points table until the result is written: its rows keep their places, so the
        # codes located in reading order are matched to the rows by their position in a second scan.
        cur.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(src))
        # Both scans return the rows in the table's physical order: no parallel workers, no scan that starts
        # where another session's scan of the same table is.
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cur.execute("SET LOCAL synchronize_seqscans = off")
        cur.execute("SET LOCAL jit = off")
        # The points stream through bingeo's kernel (the store's grid index, worker threads), PAGES table
        # pages at a time (a TID range scan): each query returns two bytea, every row's x and y in binary
        # (NaN for a row without a point), read by numpy without a Python object per row; one int32 code per
        # row is kept. ST_Transform to the store's SRID is skipped for a geometry(…, SRID) column already in
        # it; a row that is no point or has no SRID stops the read, and is then explained by _refused.
        typed = {name: srid for name, srid, _ in geo}[geometry] == store.srid
        # The transform is computed once a row (a LATERAL subquery), the typed column read directly.
        point = sql.SQL("p.{}" if typed else "q.pt").format(g)
        lateral = sql.SQL("" if typed else ", LATERAL (SELECT ST_Transform(p.{}, {}) AS pt OFFSET 0) q").format(
            g, sql.Literal(store.srid)
        )
        read = sql.SQL(
            "SELECT count(*), string_agg(coalesce(float8send(ST_X({point})), {nan}), ''::bytea), "
            "string_agg(coalesce(float8send(ST_Y({point})), {nan}), ''::bytea) "
            "FROM ONLY {src} p{lateral} WHERE p.ctid >= %s::tid AND p.ctid < %s::tid"
        ).format(point=point, src=src, lateral=lateral, nan=sql.Literal(_NAN))
        pages = int(
            cur.execute(
                "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
                (src_schema, src_table),
            ).fetchone()[0]
        )
        # the last range goes to the end of the table
        ranges = [
            (f"({p},0)", f"({p + PAGES if p + PAGES < pages else _END},0)") for p in range(0, max(pages, 1), PAGES)
        ]
        names = sql.Identifier(f"bingeo_assign_{uuid.uuid4().hex[:10]}")
        cur.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE {} (code int4 PRIMARY KEY, network_id text, network_name text, "
                "network_ids text) ON COMMIT DROP"
            ).format(names)
        )
        # The output is written range by range, in one pass over the points: the n-th row of a range gets the
        # n-th code located (row_number() over the same physical order), its three texts from the small table
        # of the combinations met so far (a hash join). The first range creates the table.
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("SET LOCAL enable_mergejoin = off")  # the big side is never sorted
        code = sql.Identifier(f"bingeo_code_{uuid.uuid4().hex[:10]}")
        write = sql.SQL(
            "SELECT {cols}, c.network_id, c.network_name, c.network_ids FROM (SELECT p.*, "
            "(%s::int4[])[row_number() OVER ()] AS {code} FROM ONLY {src} p "
            "WHERE p.ctid >= %s::tid AND p.ctid < %s::tid) q LEFT JOIN {names} c ON c.code = q.{code}"
        ).format(
            cols=sql.SQL(", ").join(sql.SQL("q.{}").format(sql.Identifier(c)) for c in columns),
            code=code,
            src=src,
            names=names,
        )
        conn = store._conn

        def read_range(r: tuple[str, str]) -> tuple[int, bytes | None, bytes | None]:
            t1 = time.perf_counter()
            with (reader or conn).cursor() as c:
                out = c.execute(read, r, binary=True).fetchone()
            tm["read"] = tm.get("read", 0.0) + time.perf_counter() - t1
            return out

        def write_range(i: int, r: tuple[str, str], found: np.ndarray, new: list[tuple[int, str, str, str]]) -> int:
            t1 = time.perf_counter()
            with conn.cursor() as c:
                if new:  # combinations met for the first time in this range
                    with c.copy(sql.SQL("COPY {} FROM STDIN").format(names)) as copy:
                        for row in new:
                            copy.write_row(row)
                    c.execute(sql.SQL("ANALYZE {}").format(names))
                c.adapters.register_dumper(_Codes, _codes_dumper())
                head = sql.SQL("CREATE TABLE {} AS " if i == 0 else "INSERT INTO {} ").format(dst)
                c.execute(head + write, (_Codes(found), *r))
                rows = c.rowcount
            tm["write"] = tm.get("write", 0.0) + time.perf_counter() - t1
            return rows

        codes: dict[tuple[str, str, str], int] = {}
        written, assigned = 0, 0
        # Three things at once: a second session reads range k + 1 (in this transaction's snapshot, exported
        # after the lock: the same rows), this thread locates range k, and this session writes range k - 1.
        # (A table of one range is read by the writing session: nothing to overlap.)
        reader = _reader(store, cur.execute("SELECT pg_export_snapshot()").fetchone()[0]) if len(ranges) > 1 else None
        reads = ThreadPoolExecutor(1, thread_name_prefix="bingeo-in-database-read")
        writes = ThreadPoolExecutor(1, thread_name_prefix="bingeo-in-database-write")
        try:
            with store._conn.transaction():  # a savepoint, to explain a refused row afterwards
                try:
                    pending = reads.submit(read_range, ranges[0])
                    written_futures: list[tuple[Any, int]] = []
                    for k, r in enumerate(ranges):
                        n, xs, ys = pending.result()
                        if k + 1 < len(ranges):
                            pending = reads.submit(read_range, ranges[k + 1])
                        found = np.full(n, -1, np.int32)
                        known = len(codes)
                        if n:
                            x = np.frombuffer(xs, ">f8").astype(np.float64)
                            y = np.frombuffer(ys, ">f8").astype(np.float64)
                            ok = np.isfinite(x) & np.isfinite(y)
                            whole = bool(ok.all())
                            t1 = time.perf_counter()
                            cols = assigner.columns(x, y) if whole else assigner.columns(x[ok], y[ok])
                            t2 = time.perf_counter()
                            hit = np.flatnonzero(cols[0].codes >= 0)
                            found[hit if whole else np.flatnonzero(ok)[hit]] = _combination_codes(cols, hit, codes)
                            assigned += hit.size
                            tm["locate"] = tm.get("locate", 0.0) + t2 - t1
                            tm["codes"] = tm.get("codes", 0.0) + time.perf_counter() - t2
                        new = [(c, *key) for key, c in list(codes.items())[known:]]
                        if len(written_futures) >= 2:  # at most two ranges of codes wait to be written
                            written_futures[-2][0].result()
                        written_futures.append((writes.submit(write_range, k, r, found, new), n))
                    for fut, n in written_futures:
                        rows = fut.result()
                        if rows != n:  # the two scans did not meet the same rows: nothing is kept
                            msg = (
                                f"the rows of {src_schema}.{src_table} changed while they were assigned "
                                f"({rows:,} rows written, {n:,} read); nothing was written, try again."
                            )
                            raise StoreError(msg)
                        written += rows
                finally:
                    reads.shutdown(wait=True, cancel_futures=True)
                    writes.shutdown(wait=True, cancel_futures=True)
                    if reader is not None:
                        reader.close()
        except psycopg.Error:
            _refused(cur, src, g, f"{src_schema}.{src_table}.{geometry}")
            raise
        counts = (written, assigned)
        tm["total"] = time.perf_counter() - t0
    log.debug("assign_in_database stages (cumulative seconds): %s", tm)
    n_nets = len(nets)
    result = {"points": int(counts[0]), "assigned": int(counts[1]), "networks": n_nets}
    log.info(
        "assigned %d of %d points in %s to %d networks (in the database)",
        result["assigned"],
        result["points"],
        f"{src_schema}.{src_table}",
        n_nets,
    )
    return result


#: Table pages read and located per query while streaming a points table through the kernel
#: (4,096 pages of 8 kB hold about 500,000 small points).
PAGES = 4096
_END = 2**32 - 1  # above every block number: the last page range goes to the end of the table
_NAN = b"\x7f\xf8\0\0\0\0\0\0"  # float8send('NaN'): the coordinates of a row without a point
_KINDS = {"v": "a view", "p": "a partitioned table", "f": "a foreign table", "m": "a materialized view"}


class _Codes:
    """The int32 codes of rows, sent as one binary ``int4[]`` parameter (no Python int per row)."""

    def __init__(self, codes: np.ndarray) -> None:
        self.codes = codes


@functools.cache
def _codes_dumper() -> type:
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class CodesDumper(Dumper):
        format = Format.BINARY
        oid = 1007  # int4[]

        def dump(self, obj: _Codes) -> bytes:
            return _int4_array(obj.codes)

    return CodesDumper


def _int4_array(codes: np.ndarray) -> bytes:
    """Return ``codes`` in PostgreSQL's binary array format: a header, then (length 4, value) per element."""
    if not codes.size:
        return np.array([0, 0, 23], ">i4").tobytes()  # no dimensions: '{}'
    body = np.empty(codes.size, [("n", ">i4"), ("v", ">i4")])
    body["n"] = 4
    body["v"] = codes
    return np.array([1, 0, 23, codes.size, 1], ">i4").tobytes() + body.tobytes()


def _reader(store: PostgisStore, snapshot: str) -> Any:
    """Open a second session on the store's database, reading in ``snapshot`` (exported by the writing one)."""
    psycopg = _import_psycopg()
    sql = _sql()
    try:
        reader = psycopg.connect(
            parse_url(store._url)[0], autocommit=True, connect_timeout=15, application_name="bingeo reader"
        )
    except psycopg.Error as exc:
        why = _scrub(str(exc).strip(), store._url)
        msg = f"cannot open a second session on {store.location} to read the points: {why}"
        raise StoreError(msg) from None
    try:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        reader.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        reader.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # rows in physical order
        reader.execute("SET LOCAL jit = off")
    except BaseException:
        reader.close()
        raise
    return reader


def _refused(cur: Any, src: Any, g: Any, column: str) -> None:
    """Raise the :class:`InputError` that explains why the points could not be read, if it is one of ours."""
    sql = _sql()
    bad, srid_list = cur.execute(
        sql.SQL(
            "SELECT count(*) FILTER (WHERE NOT ST_IsEmpty({g}) AND GeometryType({g}) <> 'POINT'), "
            "array_agg(DISTINCT ST_SRID({g})) FROM {src} WHERE {g} IS NOT NULL"
        ).format(g=g, src=src)
    ).fetchone()
    if bad:
        msg = (
            f"{column} must hold points; {bad} rows hold other geometries. Use ST_PointOnSurface or ST_Centroid first."
        )
        raise InputError(msg)
    if 0 in list(srid_list or []):
        msg = f"{column} has points without an SRID: cannot transform naive geometries. Set one with ST_SetSRID first."
        raise InputError(msg)


def _combination_codes(
    cols: tuple[pd.Categorical, pd.Categorical, pd.Categorical], hit: np.ndarray, codes: dict[tuple[str, str, str], int]
) -> np.ndarray:
    """Return the codes (int32) of the (network_id, network_name, network_ids) of the points ``hit``.

    New combinations are added to ``codes``.
    """
    a, b, c = (np.asarray(col.codes, dtype=np.int64)[hit] for col in cols)
    nb, nc = len(cols[1].categories) + 1, len(cols[2].categories) + 1
    inverse, uniq = pd.factorize((a * nb + b) * nc + c)  # one int64 key per combination (hashed, no sort)
    cats = [col.categories.tolist() for col in cols]  # Python lists: no pandas indexing per combination
    mapped = np.array(
        [
            codes.setdefault((cats[0][k // nc // nb], cats[1][k // nc % nb], cats[2][k % nc]), len(codes))
            for k in uniq.tolist()
        ],
        dtype=np.int32,
    )
    return mapped[inverse]
