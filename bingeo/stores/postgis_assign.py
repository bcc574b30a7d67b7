"""Point assignment inside PostGIS, for points tables larger than memory.

:func:`assign_in_database` gives the same answer as :func:`bingeo.assign` with the
store's networks: a point on a boundary belongs to the network (``ST_Covers``);
``network_id`` and ``network_name`` are those of the smallest covering network
by area (ties: the lowest id), and ``network_ids`` lists every covering network,
most specific first, separated by ``;``. Nothing leaves the database: the result
is a new table with every column of the points plus those three.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from bingeo.errors import InputError, StoreError
from bingeo.stores.postgis import PostgisStore, _sql

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

    Returns
    -------
    dict
        ``points``, ``assigned`` (inside at least one network) and ``networks`` (used).

    See Also
    --------
    bingeo.assign : the same assignment in memory.
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
    taken = {
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            (src_schema, src_table),
        )
    }
    clash = sorted(taken & {"network_id", "network_name", "network_ids"})
    if clash:
        msg = f"{src_schema}.{src_table} already has columns {clash}: rename them before assigning."
        raise InputError(msg)

    if at is None:
        where = "WHERE status = 'active' AND (valid_to IS NULL OR valid_to > %s)"
        params: tuple[Any, ...] = (dt.date.today().isoformat(),)
        parts = [("networks", where, params)]
    else:
        day = at.isoformat() if isinstance(at, dt.date) else dt.date.fromisoformat(str(at)).isoformat()
        where = (
            "WHERE (valid_from IS NULL OR valid_from <= %s) AND (valid_to IS NULL OR valid_to > %s) "
            "AND (version_from IS NULL OR version_from <= %s) AND (version_to IS NULL OR version_to > %s)"
        )
        params = (day, day, day, day)
        parts = [("networks", where, params), ("network_history", where, params)]

    with store._write(()) as cur:
        # one scan of the points: rows that are not points, and the SRIDs used
        bad, srid_list = cur.execute(
            sql.SQL(
                "SELECT count(*) FILTER (WHERE NOT ST_IsEmpty({g}) AND GeometryType({g}) <> 'POINT'), "
                "array_agg(DISTINCT ST_SRID({g})) FROM {src} WHERE {g} IS NOT NULL"
            ).format(g=g, src=src)
        ).fetchone()
        if bad:
            msg = (
                f"{src_schema}.{src_table}.{geometry} must hold points; {bad} rows hold other geometries. "
                "Use ST_PointOnSurface or ST_Centroid first."
            )
            raise InputError(msg)
        srids = list(srid_list or [])
        if 0 in srids:
            msg = (
                f"{src_schema}.{src_table}.{geometry} has points without an SRID: cannot transform naive "
                "geometries. Set one with ST_SetSRID first."
            )
            raise InputError(msg)
        if replace:
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(dst))
        elif _table_exists(cur, out_schema, out_table):
            msg = f"the output table {out_schema}.{out_table} exists already; give another name or replace=True."
            raise StoreError(msg)
        cur.execute(
            "CREATE TEMP TABLE bingeo_assign_nets (network_id text, name text, area double precision, "
            "geom geometry) ON COMMIT DROP"
        )
        for name, cond, args in parts:
            cur.execute(
                sql.SQL(
                    "INSERT INTO bingeo_assign_nets SELECT network_id, name, ST_Area(geom), geom FROM {}.{} {}"
                ).format(store._ident, sql.Identifier(name), sql.SQL(cond)),
                args,
            )
        cur.execute("ANALYZE bingeo_assign_nets")  # no index on purpose: the join must be driven by the networks
        n_nets = cur.execute("SELECT count(*) FROM bingeo_assign_nets").fetchone()[0]
        point = (
            sql.SQL("p.{}").format(g)
            if srids == [store.srid] or not srids
            else sql.SQL("ST_Transform(p.{}, {})").format(g, sql.Literal(store.srid))
        )
        # Polygon-driven join: for each network, the points under it through a GiST index on the points,
        # so PostGIS reuses one prepared polygon for many points (a point-driven LATERAL join re-prepares
        # a polygon for almost every point, ~2.5x slower). Rows are matched back by ctid: writers to the
        # points table wait until the result is written.
        cur.execute("SET LOCAL jit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")  # the per-point aggregation stays in memory
        cur.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(src))
        # work tables: unlogged tables beside the output (shared buffers; temporary tables would be
        # limited to temp_buffers, 8 MB by default), dropped before the transaction ends
        work = f"bingeo_assign_{uuid.uuid4().hex[:10]}"
        pts = sql.SQL("{}.{}").format(sql.Identifier(out_schema), sql.Identifier(work + "_pts"))
        pairs = sql.SQL("{}.{}").format(sql.Identifier(out_schema), sql.Identifier(work + "_pairs"))
        cur.execute(
            sql.SQL(
                "CREATE UNLOGGED TABLE {pts} AS SELECT p.ctid AS rid, {pt} AS geom "
                "FROM {src} p WHERE p.{g} IS NOT NULL AND NOT ST_IsEmpty(p.{g})"
            ).format(pts=pts, pt=point, src=src, g=g)
        )
        cur.execute(sql.SQL("CREATE INDEX ON {} USING GIST (geom)").format(pts))
        cur.execute(sql.SQL("ANALYZE {}").format(pts))
        cur.execute(
            sql.SQL(
                "CREATE UNLOGGED TABLE {pairs} AS SELECT p.rid, n.network_id, n.name, n.area "
                "FROM bingeo_assign_nets n JOIN {pts} p ON ST_Covers(n.geom, p.geom)"
            ).format(pairs=pairs, pts=pts)
        )
        order = sql.SQL('area, network_id COLLATE "C"')
        cur.execute(
            sql.SQL(
                "CREATE TABLE {dst} AS SELECT p.*, m.network_id, m.network_name, m.network_ids FROM {src} p "
                "LEFT JOIN (SELECT rid, (array_agg(network_id ORDER BY {o}))[1] AS network_id, "
                "(array_agg(name ORDER BY {o}))[1] AS network_name, "
                "string_agg(network_id, ';' ORDER BY {o}) AS network_ids "
                "FROM {pairs} GROUP BY rid) m ON m.rid = p.ctid"
            ).format(dst=dst, src=src, o=order, pairs=pairs)
        )
        cur.execute(sql.SQL("DROP TABLE {}, {}").format(pts, pairs))
        counts = cur.execute(sql.SQL("SELECT count(*), count(network_id) FROM {}").format(dst)).fetchone()
    result = {"points": int(counts[0]), "assigned": int(counts[1]), "networks": int(n_nets)}
    log.info(
        "assigned %d of %d points in %s to %d networks (in the database)",
        result["assigned"],
        result["points"],
        f"{src_schema}.{src_table}",
        n_nets,
    )
    return result
