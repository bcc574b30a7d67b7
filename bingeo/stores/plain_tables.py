"""Plain attribute tables beside a store's layers (replies, contact consents, ...), on either backend.

A GeoPackage gets them as ``attributes`` tables (registered in ``gpkg_contents``, so QGIS lists them), a
PostGIS store as tables of its schema. They are created on first use, so older stores keep working, and
read and written with ``?`` placeholders on both backends.

The audit log is append-only for every client; :meth:`PlainTables.rewrite_audit` is the one door through
which a right to be forgotten removes a person's member ids from it (counts kept).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["PLAIN_TABLES", "PLAIN_TABLE_MODULES", "PlainTable", "PlainTables", "copy_plain_tables", "register"]


@dataclass(frozen=True)
class PlainTable:
    """A plain table's definition: its (column, SQL type) pairs, unique key columns and description."""

    fields: tuple[tuple[str, str], ...]
    unique: tuple[str, ...] = ()
    description: str = ""


#: Every plain table a module of bingeo keeps in stores (filled by :func:`register`): ``bingeo store copy`` copies them.
PLAIN_TABLES: dict[str, PlainTable] = {}
#: The modules that register plain tables (imported by :func:`copy_plain_tables` so that all are known).
PLAIN_TABLE_MODULES = ("bingeo.replies", "bingeo.memberdata", "bingeo.sending")


def register(
    name: str, fields: Sequence[tuple[str, str]], *, unique: Sequence[str] = (), description: str = ""
) -> None:
    """Declare a plain table (done once by the module that owns it, at import)."""
    PLAIN_TABLES[name] = PlainTable(tuple((c, d) for c, d in fields), tuple(unique), description)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Handle:
    """A write handle whose SQL uses ``?`` placeholders on both backends."""

    def __init__(self, raw: Any, pg: bool) -> None:
        self.raw = raw
        self.pg = pg
        self.last: Any = None

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.raw.execute(self._sql(sql), tuple(params))
        self.last = cursor if cursor is not None else self.raw  # sqlite3: a new cursor; psycopg: the cursor
        return self.last

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(self._sql(sql), [tuple(r) for r in rows])

    def rowcount(self) -> int:
        """Return the rows the last :meth:`execute` changed."""
        return max(int(getattr(self.last, "rowcount", 0) or 0), 0)


class PlainTables:
    """Plain tables of one open store (``bingeo.open_store``).

    Examples
    --------
    >>> import bingeo, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.gpkg"
    >>> with bingeo.open_store(path, create=True, crs=28992) as st:
    ...     t = PlainTables(st)
    ...     t.ensure("notes", [("k", "TEXT"), ("n", "INTEGER")], unique=("k",))
    ...     with t.write() as h:
    ...         _ = h.execute(f"INSERT INTO {t.name('notes')} (k, n) VALUES (?, ?)", ("a", 1))
    ...     t.select("notes", ["k", "n"])
    [('a', 1)]
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self.pg = type(store).__name__ == "PostgisStore"

    def name(self, table: str) -> str:
        """Return ``table`` quoted (and schema-qualified on PostGIS) for SQL text."""
        return f"{_quote(self.store.schema)}.{_quote(table)}" if self.pg else _quote(table)

    def exists(self, table: str) -> bool:
        """Whether ``table`` is in the store."""
        if self.pg:
            query = "SELECT to_regclass(quote_ident(%s) || '.' || quote_ident(%s))"
            row = self.store._conn.execute(query, (self.store.schema, table)).fetchone()
            return row is not None and row[0] is not None
        return bool(
            self.store._conn.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        )

    def ensure(
        self,
        table: str,
        fields: Sequence[tuple[str, str]],
        *,
        unique: Sequence[str] = (),
        description: str = "",
        handle: _Handle | None = None,
    ) -> None:
        """Create ``table`` with ``fields`` ((name, SQL type) pairs) and a unique index on ``unique`` if missing.

        ``handle``: inside that open transaction (else in one of its own).
        """
        if self.exists(table):
            return
        if handle is None:
            with self.write() as h:
                self.ensure(table, fields, unique=unique, description=description, handle=h)
            return
        h = handle
        if self.pg:
            cols = ", ".join(f"{_quote(c)} {decl}" for c, decl in fields)
            h.raw.execute(f"CREATE TABLE IF NOT EXISTS {self.name(table)} (fid BIGSERIAL PRIMARY KEY, {cols})")
            if unique:
                h.raw.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {_quote(table + '_key')} ON {self.name(table)} "
                    f"({', '.join(map(_quote, unique))})"
                )
        else:
            from bingeo.stores import _gpkg_format as fmt

            fmt.create_attribute_table(h.raw, table, list(fields), description=description)
            if unique:
                h.raw.execute(
                    f"CREATE UNIQUE INDEX {_quote(table + '_key')} ON {_quote(table)} "
                    f"({', '.join(map(_quote, unique))})"
                )

    @contextmanager
    def write(self, tables: tuple[str, ...] = ()) -> Iterator[_Handle]:
        """Run the body in one all-or-nothing transaction of the store; yields a handle with ``execute``."""
        with self.store._write(tables) as raw:
            yield _Handle(raw, self.pg)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a SELECT written with ``?`` placeholders and :meth:`name` for table names."""
        text = sql.replace("?", "%s") if self.pg else sql
        return [tuple(r) for r in self.store._conn.execute(text, tuple(params)).fetchall()]

    def describe(self, table: str) -> list[tuple[str, str]]:
        """Return the (column, type) pairs of ``table`` as the database has them."""
        if self.pg:
            return self.query(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                (self.store.schema, table),
            )
        return [(r[1], r[2]) for r in self.query(f"PRAGMA table_info({_quote(table)})")]

    def select(
        self, table: str, columns: Sequence[str], where: str = "", params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Rows of ``columns`` of ``table`` (none when the table does not exist), in insertion order."""
        if not self.exists(table):
            return []
        cols = ", ".join(map(_quote, columns))
        order = "ORDER BY fid" if any(c == "fid" for c, _ in self.describe(table)) else ""
        return self.query(
            f"SELECT {cols} FROM {self.name(table)} {('WHERE ' + where) if where else ''} {order}", params
        )

    def rewrite_audit(self, handle: _Handle, change: Callable[[list[str]], list[str]]) -> int:
        """Replace each audit record's member-id list by ``change(list)``, inside ``handle``'s transaction.

        The append-only guard (a trigger on both backends) is lifted for this statement only and put back in
        the same transaction: nothing else of a record changes. On PostGIS it needs the schema's owner.
        Returns the number of records changed.
        """
        rows = self.query(f"SELECT alert_id, member_ids FROM {self.name('audit_log')}")
        new = []
        for alert_id, text in rows:
            ids = json.loads(text or "[]")
            kept = change(list(ids))
            if kept != ids:
                new.append((json.dumps(sorted(kept)), alert_id))
        if not new:
            return 0
        t = self.name("audit_log")
        if self.pg:
            handle.raw.execute(f"ALTER TABLE {t} DISABLE TRIGGER audit_log_append_only")
            handle.executemany(f"UPDATE {t} SET member_ids = ? WHERE alert_id = ?", new)
            handle.raw.execute(f"ALTER TABLE {t} ENABLE TRIGGER audit_log_append_only")
        else:
            handle.raw.execute('DROP TRIGGER IF EXISTS "audit_log_no_update"')
            handle.executemany(f"UPDATE {t} SET member_ids = ? WHERE alert_id = ?", new)
            handle.raw.execute(
                'CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE ON "audit_log" '
                "BEGIN SELECT RAISE(ABORT, 'the bingeo audit log is append-only'); END"
            )
        return len(new)


def copy_plain_tables(source: Any, target: Any, handle: Any) -> dict[str, int]:
    """Copy every registered plain table of ``source`` into ``target`` inside ``handle`` (``target``'s open write).

    Only the columns both the definition and the source's table have are copied. Returns the rows per table.
    """
    for module in PLAIN_TABLE_MODULES:
        importlib.import_module(module)
    src, dst = PlainTables(source), PlainTables(target)
    h = _Handle(handle, dst.pg)
    out = {}
    for name, spec in PLAIN_TABLES.items():
        if not src.exists(name):
            continue
        have = {c[0] for c in src.describe(name)}
        cols = [c for c, _ in spec.fields if c in have]
        rows = src.select(name, cols)
        dst.ensure(name, spec.fields, unique=spec.unique, description=spec.description, handle=h)
        marks = ", ".join("?" * len(cols))
        h.executemany(f"INSERT INTO {dst.name(name)} ({', '.join(map(_quote, cols))}) VALUES ({marks})", rows)
        out[name] = len(rows)
    return out
