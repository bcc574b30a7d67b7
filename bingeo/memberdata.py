"""Members' rights over their data (AVG / GDPR): forget a person, export what is held, purge those who left.

A *person* is everyone sharing a ``person_id`` (one registration per network may make several member rows).
:func:`forget_member` erases a person everywhere: the member rows, the delivery states of ``bingeo send`` (the
``deliveries`` table, when the store has one), their answers (``replies``), their consent to be contacted, the
member-import memo, and their member ids in the audit log's lists (the counts of each alert stay as they were).
An audit record with counts only says that it happened. :func:`purge_members` does the same for the
registrations that ended (``left``) before a date. :func:`export_person` writes everything held about a person
as one JSON file, for the person.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bingeo._results import Result
from bingeo.errors import InputError
from bingeo.replies import CONSENT_FIELDS, CONSENT_TABLE, REPLIES_TABLE, REPLY_FIELDS

# bingeo send owns the deliveries table (erased from when it exists); importing it declares it for erasures
from bingeo.sending import DELIVERIES_TABLE, DELIVERY_FIELDS
from bingeo.stores.base import AUDIT_FIELDS, MEMBER_FIELDS
from bingeo.stores.plain_tables import PlainTables

__all__ = [
    "DELIVERIES_TABLE",
    "DELIVERY_FIELDS",
    "MEMO_TABLES",
    "Erasure",
    "export_person",
    "forget_member",
    "purge_members",
]

log = logging.getLogger(__name__)

#: Caches that hold a row per member (erased from when they exist).
MEMO_TABLES = ("bingeo_member_memo",)


@dataclass
class Erasure(Result):
    """What a forget or purge removed: counts only."""

    action: str
    persons: int = 0
    members: int = 0
    deliveries: int = 0
    replies: int = 0
    consents: int = 0
    audit_records: int = 0
    audit_id: str | None = None
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return the counts, as logged in the audit record."""
        return {
            "persons": self.persons,
            "members": self.members,
            "deliveries": self.deliveries,
            "replies": self.replies,
            "contact_consents": self.consents,
            "audit_records_changed": self.audit_records,
        }

    def summary(self) -> str:
        """One paragraph, counts only."""
        c = self.counts()
        return (
            f"{self.action}: {c['persons']:,} person(s), {c['members']:,} member row(s), {c['deliveries']:,} "
            f"delivery state(s), {c['replies']:,} answer(s), {c['contact_consents']:,} contact consent(s) removed; "
            f"their ids taken out of {c['audit_records_changed']:,} audit record(s) (counts kept)."
            + (f" Logged as {self.audit_id}." if self.audit_id else "")
        )


def _in(values: list[str]) -> str:
    return ", ".join("?" * len(values))


def _erase(
    store: Any,
    member_ids: list[str],
    persons: list[str],
    action: str,
    reason: str | None,
    unmatched_before: str | None = None,
) -> Erasure:
    """Remove ``member_ids`` (and, for ``persons``, their answers and consent) in one transaction, then log."""
    tables = PlainTables(store)
    out = Erasure(action=action, persons=len(persons))
    gone = set(member_ids)
    now = dt.datetime.now(dt.timezone.utc)
    audit_id = f"{'F' if action == 'forget' else 'P'}-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    with tables.write(("members",)) as h:

        def delete(table: str, column: str, values: list[str]) -> int:
            if not values or not tables.exists(table):
                return 0
            n = 0
            for k in range(0, len(values), 500):
                chunk = values[k : k + 500]
                h.execute(f"DELETE FROM {tables.name(table)} WHERE {column} IN ({_in(chunk)})", chunk)
                n += h.rowcount()
            return n

        out.members = delete("members", "member_id", member_ids)
        for memo in MEMO_TABLES:
            delete(memo, "member_id", member_ids)
        out.deliveries = delete(DELIVERIES_TABLE, "member_id", member_ids)
        out.deliveries += delete(DELIVERIES_TABLE, "person_id", persons)
        out.replies = delete(REPLIES_TABLE, "person_id", persons)
        if unmatched_before is not None and tables.exists(REPLIES_TABLE):
            h.execute(
                f"DELETE FROM {tables.name(REPLIES_TABLE)} WHERE person_id IS NULL AND received < ?",
                (unmatched_before,),
            )
            out.replies += h.rowcount()
        out.consents = delete(CONSENT_TABLE, "person_id", persons)
        out.audit_records = tables.rewrite_audit(h, lambda ids: [i for i in ids if i not in gone])
        cols = [c for c, _ in AUDIT_FIELDS]
        record = {
            "alert_id": audit_id,
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "action": action,
            "parent_alert_id": None,
            "operator": None,
            "reason": reason,
            "urgency": None,
            "selection": json.dumps({"mode": action}),
            "counts": json.dumps(out.counts(), sort_keys=True),
            "member_ids": "[]",
        }
        h.execute(
            f"INSERT INTO {tables.name('audit_log')} ({', '.join(cols)}) VALUES ({_in(cols)})",
            [record[c] for c in cols],
        )
    out.audit_id = audit_id
    log.info("%s: %s", action, out.counts())
    return out


def _person_rows(tables: PlainTables, member_id: str) -> tuple[str, list[str]]:
    """Return the person of ``member_id`` and all the member ids of that person."""
    t = tables.name("members")
    rows = tables.query(f"SELECT person_id FROM {t} WHERE member_id = ?", (str(member_id),))
    if not rows:
        msg = f"no member with id {member_id!r} in the store (already forgotten?). Check the id in the member list."
        raise InputError(msg)
    person = rows[0][0]
    if not person:
        return str(member_id), [str(member_id)]
    ids = [r[0] for r in tables.query(f"SELECT member_id FROM {t} WHERE person_id = ?", (person,))]
    return person, ids


def forget_member(store: Any, member_id: str, *, reason: str | None = None) -> Erasure:
    """Erase the person of ``member_id`` everywhere in the store (right to be forgotten).

    Every member row of the person (same ``person_id``), their delivery states, answers and contact consent
    go; their member ids leave the audit log's lists (each alert's counts stay); an audit record ``forget``
    holds the counts removed. On PostGIS this needs the schema's owner (the audit log is append-only for the
    application role).

    Examples
    --------
    >>> import bingeo, tempfile, pathlib
    >>> with bingeo.open_store(pathlib.Path(tempfile.mkdtemp()) / "s.gpkg", create=True, crs=28992) as st:
    ...     forget_member(st, "L001")
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: no member with id 'L001' in the store (already forgotten?). ...
    """
    tables = PlainTables(store)
    person, ids = _person_rows(tables, member_id)
    return _erase(store, ids, [person], "forget", reason)


def purge_members(store: Any, *, left_before: dt.date | str, reason: str | None = None) -> Erasure:
    """Erase the member rows that left before ``left_before`` (and the persons with no row left).

    A person with another, still active registration keeps that one, their answers and their consent; their
    ended registrations go. Unmatched mails (no person) received before ``left_before`` go too. See
    :func:`forget_member` for what is erased.
    """
    day = left_before if isinstance(left_before, dt.date) else dt.date.fromisoformat(str(left_before))
    tables = PlainTables(store)
    rows = tables.query(f"SELECT member_id, person_id, status, left_on FROM {tables.name('members')}")
    gone = [m for m, _, s, left in rows if s == "left" and left is not None and str(left)[:10] < day.isoformat()]
    ended = set(gone)
    remaining = {p or m for m, p, _, _ in rows if m not in ended}
    persons = sorted({p or m for m, p, _, _ in rows if m in ended} - remaining)
    out = _erase(store, gone, persons, "purge", reason or f"left before {day.isoformat()}", day.isoformat())
    return out


def export_person(store: Any, member_id: str, output: str | os.PathLike[str]) -> Path:
    """Write everything the store holds about the person of ``member_id`` to ``output`` (JSON, for the person).

    The member rows (with the location in the store's CRS), the consent to be contacted, the delivery states,
    the answers, and the alerts that reached them (id, date, action, urgency: no other person's data).
    """
    path = Path(output)
    if path.suffix.lower() != ".json":
        msg = f"the export is a JSON file; give an output ending in .json, not {path.name!r}."
        raise InputError(msg)
    tables = PlainTables(store)
    person, ids = _person_rows(tables, member_id)
    cols = [c for c, _ in MEMBER_FIELDS]
    members = store.members()
    mine = members[members["member_id"].isin(ids)]
    records = []
    for _, row in mine.iterrows():
        rec = {c: _plain(row[c]) for c in cols}
        g = row.geometry
        rec["location"] = (
            None if g is None or g.is_empty else {"x": g.x, "y": g.y, "crs": f"EPSG:{store.crs.to_epsg()}"}
        )
        records.append(rec)

    def table(name: str, columns: list[str], where: str, params: list[str]) -> list[dict[str, Any]]:
        # select() gives no rows when the table does not exist
        return [dict(zip(columns, r)) for r in tables.select(name, columns, where, params)]

    dcols = ["alert_id", "member_id", "channel", "state", "attempts", "updated", "reason"]
    deliveries = table(DELIVERIES_TABLE, dcols, f"member_id IN ({_in(ids)})", ids)
    alerts = []
    wanted = set(ids)
    for alert_id, created, action, urgency, member_ids in tables.query(
        f"SELECT alert_id, created_at, action, urgency, member_ids FROM {tables.name('audit_log')} ORDER BY created_at"
    ):
        if wanted & set(json.loads(member_ids or "[]")):
            alerts.append({"alert_id": alert_id, "created_at": created, "action": action, "urgency": urgency})
    data = {
        "person_id": person,
        "exported_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "store": str(getattr(store, "location", "")),
        "members": records,
        "contact_consent": table(CONSENT_TABLE, [c for c, _ in CONSENT_FIELDS], "person_id = ?", [person]),
        "deliveries": deliveries,
        "replies": table(REPLIES_TABLE, [c for c, _ in REPLY_FIELDS], "person_id = ?", [person]),
        "alerts_received": alerts,
    }
    from bingeo.readers.write import write_text

    write_text(path, json.dumps(data, ensure_ascii=False, indent=2, default=str))
    log.info("export-person: %d member rows, %d alerts", len(records), len(alerts))
    return path


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
