"""Send the e-mail part of an alert through the coordinator's own SMTP server: one e-mail per person, exactly once.

The recipients are re-read for each run: the member ids the audit log holds for the alert, the members table as
it is now, and the alert's urgency give each person's channel again (:func:`bingeo.recipients.select_recipients`,
as a follow-up does); the persons whose channel is ``email`` are the e-mail part. A member who left or withdrew
consent since the alert is not sent to (counted, never named).

Each message goes to one person: ``To`` is that person's address and nobody else's appears in any header.
``Reply-To`` is the coordinator; the subject ends in ``[BIN <alert id>]``, ``X-Bingeo-Alert`` holds the alert
id and ``Message-ID`` is ``<alert id>.<token>@bingeo.invalid``, where the token is the first 16 hex digits of
sha256 of the alert id, a unit separator and the member's pseudonymous ``person_id`` (:func:`message_token`):
answers are matched to the alert and the person without storing any address.

Exactly once
------------
Each recipient's state is kept in the store's ``deliveries`` table (one row per alert and person, created on
first use): ``pending`` (planned), ``sent`` (the server accepted the message), ``refused`` (the server refused
the recipient with a 5xx code, kept in ``reason``) or ``failed`` (not accepted: a temporary 4xx answer, a lost
connection before the message was handed over, or the person left or withdrew consent since; tried again by the
next run). Before a message is handed to the server its row gets ``attempts + 1`` (still ``pending``), committed;
after the server's answer the outcome is committed together with the next message's attempt. So a send killed
at any moment leaves at most ONE row uncertain: ``pending`` with ``attempts > 0``, a message the server may or
may not have accepted. A later run sends the ``pending`` rows with no attempt and the ``failed`` ones, never a
``sent`` or ``refused`` one, and does NOT resend an uncertain one unless asked (``retry_uncertain``): it reports
it, so that the coordinator decides (the server's log tells). Nobody gets a second copy unless the coordinator
asks for one.

The audit log gets one ``send`` row per run (its own id, the alert as parent) with counts only.

Server settings
---------------
Host, port, user and password come from the arguments, else the environment (:data:`ENVIRONMENT`:
``BINGEO_SMTP_HOST``, ``BINGEO_SMTP_PORT``, ``BINGEO_SMTP_USER``, ``BINGEO_SMTP_PASSWORD``, ``BINGEO_SMTP_FROM``,
``BINGEO_SMTP_REPLY_TO``, ``BINGEO_SMTP_SECURITY``), else ``~/.netrc`` (``machine HOST login USER password PW``;
the ``NETRC`` variable names another file). The password is never printed, logged, stored or put in an error.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import json
import logging
import netrc
import os
import re
import smtplib
import socket
import sqlite3
import ssl
import string
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from importlib import resources
from pathlib import Path
from typing import Any

from bingeo import settings
from bingeo._results import Result
from bingeo.errors import CancelledError, InputError, MailError, StoreError
from bingeo.recipients import recipient_records, select_recipients
from bingeo.replies import delivery_token
from bingeo.sms import SmsCount, sms_segments, sms_warnings
from bingeo.stores.plain_tables import PLAIN_TABLES, PlainTables, register

__all__ = [
    "SECURITY",
    "SECURITIES",
    "PORTS",
    "TIMEOUT",
    "MESSAGES_PER_CONNECTION",
    "RECONNECTS",
    "ENVIRONMENT",
    "DELIVERIES_TABLE",
    "DELIVERY_FIELDS",
    "STATES",
    "MESSAGES_TABLE",
    "MESSAGE_FIELDS",
    "TOKEN_DOMAIN",
    "TEMPLATES",
    "LANGUAGES",
    "PLACEHOLDERS",
    "SmtpSettings",
    "SendReport",
    "smtp_settings",
    "message_token",
    "template_text",
    "render",
    "deliveries",
    "restore_journal",
    "journal_mode",
    "send_email",
]

log = logging.getLogger(__name__)

#: Default security and the choices: STARTTLS on the submission port, implicit TLS, or none (loopback only).
SECURITY = "starttls"
SECURITIES = ("starttls", "ssl", "none")
#: Default port per security.
PORTS = {"starttls": 587, "ssl": 465, "none": 25}
#: Seconds to wait for the server.
TIMEOUT = 30.0
#: Messages sent over one connection before it is closed and a new one opened (many providers cap this).
MESSAGES_PER_CONNECTION = 100
#: New connections tried in a row after a lost one before the run stops (the rest stays pending).
RECONNECTS = 3
#: Environment variables read for settings not given as arguments.
ENVIRONMENT = {
    "host": "BINGEO_SMTP_HOST",
    "port": "BINGEO_SMTP_PORT",
    "user": "BINGEO_SMTP_USER",
    "password": "BINGEO_SMTP_PASSWORD",
    "sender": "BINGEO_SMTP_FROM",
    "reply_to": "BINGEO_SMTP_REPLY_TO",
    "security": "BINGEO_SMTP_SECURITY",
}
#: The store table of delivery states (contract shared with ``bingeo replies``), its columns, and the states.
DELIVERIES_TABLE = "deliveries"
DELIVERY_FIELDS = [
    ("alert_id", "TEXT NOT NULL"),
    ("member_id", "TEXT NOT NULL"),
    ("person_id", "TEXT"),
    ("channel", "TEXT NOT NULL"),
    ("state", "TEXT NOT NULL"),
    ("attempts", "INTEGER NOT NULL"),
    ("message_token", "TEXT"),
    ("updated", "TEXT"),
    ("reason", "TEXT"),
]
STATES = ("pending", "sent", "refused", "failed")
#: The store table keeping each alert's e-mail (subject and body as first sent), so that a resume sends the same.
MESSAGES_TABLE = "send_messages"
MESSAGE_FIELDS = [
    ("alert_id", "TEXT NOT NULL UNIQUE"),
    ("subject", "TEXT NOT NULL"),
    ("body", "TEXT NOT NULL"),
    ("created", "TEXT"),
]
# declared for `bingeo store copy` and for erasures (bingeo.memberdata); the columns as created here
register(
    DELIVERIES_TABLE,
    DELIVERY_FIELDS,
    unique=("alert_id", "member_id"),
    description="bingeo: delivery state of each alert to each member (bingeo send)",
)
register(
    MESSAGES_TABLE,
    MESSAGE_FIELDS,
    unique=("alert_id",),
    description="bingeo: the e-mail of each alert as first sent (bingeo send resumes with it)",
)
#: The domain of the Message-IDs (RFC 2606: never a real one).
TOKEN_DOMAIN = "bingeo.invalid"
#: Shipped templates (``bingeo/templates/<lang>/<name>.txt``), their languages and placeholders.
TEMPLATES = ("urgent", "follow-up", "information", "invitation")
LANGUAGES = ("nl", "fr", "en")
PLACEHOLDERS = ("network", "area", "incident", "time")

_LEFT = "left or withdrew consent since the alert"
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


# --------------------------------------------------------------------------- templates


def template_text(name: str, lang: str) -> tuple[str, str]:
    """Return the ``(subject, body)`` of a shipped template, placeholders unfilled.

    Examples
    --------
    >>> subject, body = template_text("urgent", "nl")
    >>> subject
    'BIN {network}: dringend - {incident}'
    >>> template_text("party", "nl")
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: unknown template 'party'. Templates: urgent, follow-up, information, invitation.
    """
    if name not in TEMPLATES:
        msg = f"unknown template {name!r}. Templates: {', '.join(TEMPLATES)}."
        raise InputError(msg)
    if lang not in LANGUAGES:
        msg = f"no templates in language {lang!r}. Languages: {', '.join(LANGUAGES)}."
        raise InputError(msg)
    text = resources.files("bingeo").joinpath("templates", lang, f"{name}.txt").read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    return head.removeprefix("Subject:").strip(), body.strip() + "\n"


def render(text: str, values: Mapping[str, str], *, source: str = "the message") -> str:
    """Fill the placeholders ``{network}``, ``{area}``, ``{incident}``, ``{time}`` of ``text``.

    ``{{`` and ``}}`` stand for a literal brace. An unknown placeholder, or one without a value, is an error
    that names it.

    Examples
    --------
    >>> render("BIN {network}: {incident}", {"network": "Oost", "incident": "inbraak"})
    'BIN Oost: inbraak'
    >>> render("{netwerk}", {})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: the message has an unknown placeholder {netwerk}. Placeholders: {network}, ...
    """
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        msg = f"{source} has a brace that is not a placeholder ({exc}). Write {{{{ and }}}} for a literal brace."
        raise InputError(msg) from None
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for f in fields:
        if f not in PLACEHOLDERS:
            msg = (
                f"{source} has an unknown placeholder {{{f}}}. Placeholders: {known} "
                "(write {{ and }} for a literal brace)."
            )
            raise InputError(msg)
    missing = [f for f in dict.fromkeys(fields) if not str(values.get(f) or "").strip()]
    if missing:
        msg = (
            f"{source} needs a value for {', '.join('{' + m + '}' for m in missing)}: give "
            + " ".join(f"--value {m}=..." for m in missing)
            + "."
        )
        raise InputError(msg)
    return text.format_map({k: str(values[k]) for k in fields})


# --------------------------------------------------------------------------- settings


@dataclass
class SmtpSettings:
    """Where and how to send. ``password`` never appears in ``repr``, logs or errors."""

    host: str
    port: int
    security: str
    sender: str
    reply_to: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    timeout: float = TIMEOUT

    def scrub(self, text: str) -> str:
        """Return ``text`` with the password (if any) replaced by ``***``."""
        return text.replace(self.password, "***") if self.password else text


def _netrc_login(host: str) -> tuple[str | None, str | None]:
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None, None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        msg = f"cannot read {path}: {getattr(exc, 'msg', exc)} (line {getattr(exc, 'lineno', '?')}). Fix the file."
        raise InputError(msg) from None
    if entry is None:
        return None, None
    return entry[0] or None, entry[2] or None


def smtp_settings(
    *,
    host: str | None = None,
    port: int | None = None,
    security: str | None = None,
    user: str | None = None,
    password: str | None = None,
    sender: str | None = None,
    reply_to: str | None = None,
    ca_file: str | None = None,
    timeout: float = TIMEOUT,
) -> SmtpSettings:
    """Resolve the server settings: arguments, else :data:`ENVIRONMENT`, else ``~/.netrc`` for user and password.

    The sender defaults to the user when it is an address; ``reply_to`` (the coordinator) to the sender.

    Examples
    --------
    >>> s = smtp_settings(host="127.0.0.1", port=2525, security="none", sender="bin@example.org")
    >>> (s.port, s.reply_to)
    (2525, 'bin@example.org')
    """
    env = os.environ
    host = host or env.get(ENVIRONMENT["host"])
    if not host:
        msg = f"say which mail server to use: give --smtp-host or set {ENVIRONMENT['host']}."
        raise InputError(msg)
    security = (security or env.get(ENVIRONMENT["security"]) or SECURITY).lower()
    if security not in SECURITIES:
        msg = f"`security` must be one of {', '.join(SECURITIES)}, got {security[:30]!r}."
        raise InputError(msg)
    if port is None and env.get(ENVIRONMENT["port"]):
        try:
            port = int(env[ENVIRONMENT["port"]])
        except ValueError:
            msg = f"{ENVIRONMENT['port']} must be a port number, got {env[ENVIRONMENT['port']][:20]!r}."
            raise InputError(msg) from None
    port = PORTS[security] if port is None else int(port)
    user = user or env.get(ENVIRONMENT["user"])
    password = password or env.get(ENVIRONMENT["password"])
    if not password:
        login, secret = _netrc_login(host)
        if secret and (user is None or login in (None, user)):
            user, password = user or login, secret
    if security == "none" and host not in _LOOPBACK:
        msg = f"sending without TLS is allowed to this computer only (127.0.0.1); {host} needs --security starttls."
        raise InputError(msg)
    if security == "none" and password:
        msg = "a password is never sent without TLS: use --security starttls or ssl."
        raise InputError(msg)
    sender = sender or env.get(ENVIRONMENT["sender"]) or (user if user and "@" in user else None)
    if not sender:
        msg = f"say whose address the mails come from: give --from or set {ENVIRONMENT['sender']}."
        raise InputError(msg)
    reply_to = reply_to or env.get(ENVIRONMENT["reply_to"]) or sender
    for what, value in (("--from", sender), ("--reply-to", reply_to)):
        if "@" not in value or any(c in value for c in "\r\n,;<> "):
            msg = f"{what} must be one e-mail address such as coordinator@example.org."
            raise InputError(msg)
    return SmtpSettings(host, port, security, sender, reply_to, user, password, ca_file, timeout)


# --------------------------------------------------------------------------- deliveries table


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def message_token(alert_id: str, person_id: str) -> str:
    """Return the per-delivery token of the Message-ID: 16 hex digits of sha256(alert id, unit separator, person).

    Examples
    --------
    >>> message_token("A-20261207-143210-ab12cd", "p-0123456789abcdef")
    '9143d415d3f197d0'
    """
    return delivery_token(alert_id, person_id)  # the one definition, shared with bingeo replies' matching


class _Deliveries:
    """The ``deliveries`` table of a GeoPackage store, through a connection of its own (commits per message)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.path = Path(store.path)
        self.conn = sqlite3.connect(self.path, timeout=settings.lock_timeout, isolation_level=None)
        self.journal = str(self.conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def fast(self) -> None:
        """Commit per message without waiting for the disk (WAL, ``synchronous=NORMAL``), as QGIS edits a GeoPackage.

        A killed process loses nothing committed; a power cut may lose the last commits (never the file).
        :meth:`close` puts the store back in its journal mode (or :func:`restore_journal` once the store is closed).
        """
        if self.journal == "wal":
            return
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.OperationalError as exc:  # another program holds the file: commit the slow way
            log.info("store %s stays in %s journal mode (%s): one disk sync per message", self.path, self.journal, exc)

    def close(self) -> str | None:
        """Close; return the journal mode still to restore (when another connection holds the store), else None."""
        self.conn.close()
        return restore_journal(self.path, self.journal)

    def _begin(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            msg = f"store {self.path} cannot be written ({exc}). Close the program that holds it and send again."
            raise StoreError(msg) from None

    def has(self, table: str) -> bool:
        return bool(self.conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (table,)).fetchone())

    def ensure(self) -> None:
        """Create the two tables as registered (the one definition `bingeo store copy` and erasures use)."""
        tables = PlainTables(self.store)
        for name in (DELIVERIES_TABLE, MESSAGES_TABLE):
            spec = PLAIN_TABLES[name]
            tables.ensure(name, spec.fields, unique=spec.unique, description=spec.description)

    def all_rows(self) -> list[dict[str, Any]]:
        names = [n for n, _ in DELIVERY_FIELDS]
        cur = self.conn.execute(f'SELECT {", ".join(names)} FROM "{DELIVERIES_TABLE}" ORDER BY fid')  # noqa: S608
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def message(self, alert_id: str) -> tuple[str, str] | None:
        if not self.has(MESSAGES_TABLE):
            return None
        row = self.conn.execute(
            f'SELECT subject, body FROM "{MESSAGES_TABLE}" WHERE alert_id = ?',  # noqa: S608
            (alert_id,),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def rows(self, alert_id: str) -> list[dict[str, Any]]:
        names = [n for n, _ in DELIVERY_FIELDS]
        cur = self.conn.execute(
            f'SELECT {", ".join(names)} FROM "{DELIVERIES_TABLE}" WHERE alert_id = ? ORDER BY fid',  # noqa: S608
            (alert_id,),
        )
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def plan(self, alert_id: str, rows: list[dict[str, Any]], message: tuple[str, str]) -> None:
        names = [n for n, _ in DELIVERY_FIELDS]
        self._begin()
        try:
            self.conn.executemany(
                f'INSERT OR IGNORE INTO "{DELIVERIES_TABLE}" ({", ".join(names)}) '  # noqa: S608
                f"VALUES ({', '.join('?' * len(names))})",
                [tuple(r[n] for n in names) for r in rows],
            )
            self.conn.execute(
                f'INSERT OR IGNORE INTO "{MESSAGES_TABLE}" (alert_id, subject, body, created) '  # noqa: S608
                "VALUES (?, ?, ?, ?)",
                (alert_id, *message, _now()),
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def update(self, changes: list[tuple[str, str, int, str | None]], alert_id: str) -> None:
        """Write ``(member_id, state, attempts, reason)`` changes in one transaction."""
        if not changes:
            return
        now = _now()
        self._begin()
        try:
            self.conn.executemany(
                f'UPDATE "{DELIVERIES_TABLE}" SET state = ?, attempts = ?, reason = ?, updated = ? '  # noqa: S608
                "WHERE alert_id = ? AND member_id = ?",
                [(s, a, r, now, alert_id, m) for m, s, a, r in changes],
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise


class _PgDeliveries(_Deliveries):
    """The same tables in a PostGIS store's schema, through the store's connection (one transaction per call).

    ``synchronous_commit = off`` for this session while sending: PostgreSQL's counterpart of the WAL mode above
    (a crash of the server may lose the last commits, never the database).
    """

    def __init__(self, store: Any) -> None:
        from psycopg import sql

        self.sql = sql
        self.store = store
        self.conn = store._conn  # autocommit; each call below is one transaction
        self.schema = store.schema
        self.path = Path(store.location)
        self.journal = "postgres"

    def _t(self, table: str) -> Any:
        return self.sql.Identifier(self.schema, table)

    def close(self) -> str | None:
        self.conn.execute("SET synchronous_commit = on")
        return None

    def fast(self) -> None:
        self.conn.execute("SET synchronous_commit = off")

    def has(self, table: str) -> bool:
        return self.conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{self.schema}"."{table}"',)).fetchone()[0]

    def message(self, alert_id: str) -> tuple[str, str] | None:
        if not self.has(MESSAGES_TABLE):
            return None
        row = self.conn.execute(
            self.sql.SQL("SELECT subject, body FROM {} WHERE alert_id = %s").format(self._t(MESSAGES_TABLE)),
            (alert_id,),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def rows(self, alert_id: str) -> list[dict[str, Any]]:
        names = [n for n, _ in DELIVERY_FIELDS]
        cur = self.conn.execute(
            self.sql.SQL("SELECT {} FROM {} WHERE alert_id = %s ORDER BY fid").format(
                self.sql.SQL(", ").join(map(self.sql.Identifier, names)), self._t(DELIVERIES_TABLE)
            ),
            (alert_id,),
        )
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def all_rows(self) -> list[dict[str, Any]]:
        names = [n for n, _ in DELIVERY_FIELDS]
        cur = self.conn.execute(
            self.sql.SQL("SELECT {} FROM {} ORDER BY fid").format(
                self.sql.SQL(", ").join(map(self.sql.Identifier, names)), self._t(DELIVERIES_TABLE)
            )
        )
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def plan(self, alert_id: str, rows: list[dict[str, Any]], message: tuple[str, str]) -> None:
        names = [n for n, _ in DELIVERY_FIELDS]
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany(
                self.sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING").format(
                    self._t(DELIVERIES_TABLE),
                    self.sql.SQL(", ").join(map(self.sql.Identifier, names)),
                    self.sql.SQL(", ").join(self.sql.Placeholder() * len(names)),
                ),
                [tuple(r[n] for n in names) for r in rows],
            )
            cur.execute(
                self.sql.SQL(
                    "INSERT INTO {} (alert_id, subject, body, created) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(self._t(MESSAGES_TABLE)),
                (alert_id, *message, _now()),
            )

    def update(self, changes: list[tuple[str, str, int, str | None]], alert_id: str) -> None:
        if not changes:
            return
        now = _now()
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany(
                self.sql.SQL(
                    "UPDATE {} SET state = %s, attempts = %s, reason = %s, updated = %s "
                    "WHERE alert_id = %s AND member_id = %s"
                ).format(self._t(DELIVERIES_TABLE)),
                [(st, a, r, now, alert_id, m) for m, st, a, r in changes],
            )


def _table_for(store: Any) -> _Deliveries:
    """Return the delivery tables of ``store``: GeoPackage (its own connection) or PostGIS (the store's)."""
    if getattr(store, "path", None) is not None:
        return _Deliveries(store)
    if hasattr(store, "schema") and hasattr(store, "_conn"):
        return _PgDeliveries(store)
    msg = f"cannot keep delivery states in a store of type {type(store).__name__}: use a GeoPackage or PostGIS store."
    raise StoreError(msg)


def journal_mode(path: str | os.PathLike[str]) -> str:
    """Return the SQLite journal mode of a GeoPackage store (``delete`` unless someone set another)."""
    conn = sqlite3.connect(path, timeout=1.0, isolation_level=None)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    finally:
        conn.close()


def restore_journal(path: str | os.PathLike[str], mode: str = "delete") -> str | None:
    """Put a GeoPackage store back in journal ``mode`` after a send; return ``mode`` when it is still open elsewhere.

    Sending switches the store to WAL for its per-message commits (:func:`send_email`); the GeoPackage format
    expects a rollback journal, as QGIS restores it when it closes a layer it edited.
    """
    conn = sqlite3.connect(path, timeout=1.0, isolation_level=None)
    try:
        if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == mode:
            return None
        conn.execute(f"PRAGMA journal_mode={mode}")
        return None
    except sqlite3.OperationalError:
        return mode
    finally:
        conn.close()


def deliveries(store: Any, alert_id: str | None = None) -> list[dict[str, Any]]:
    """Return the delivery rows (of one alert, or all), as dicts of :data:`DELIVERY_FIELDS`; none before the first send.

    Rows hold ids, states and the server's answers, never an address.
    """
    table = _table_for(store)
    try:
        if not table.has(DELIVERIES_TABLE):
            return []
        return table.rows(alert_id) if alert_id is not None else table.all_rows()
    finally:
        table.close()


# --------------------------------------------------------------------------- the report


@dataclass
class SendReport(Result):
    """What one run of :func:`send_email` did: counts only.

    Attributes
    ----------
    alert_id, send_id : str
        The alert, and the id of this run's row in the audit log (None for a check).
    recipients : int
        Persons in the e-mail part (the delivery plan).
    sent, refused, failed : int
        Messages of this run accepted, refused by the server (5xx), not accepted (temporary).
    uncertain : int
        Messages an earlier run may have handed over (killed mid-message): not resent (see ``retry_uncertain``).
    left : int
        Persons of the plan not sent to because they left or withdrew consent since the alert.
    done_before : int
        Persons sent to or refused by an earlier run.
    states : dict of str to int
        Rows per state in the ``deliveries`` table after the run.
    sms, voice : int
        Persons of the alert reached by SMS and voice (the hand-off lists of ``bingeo recipients``).
    sms_count : SmsCount or None
        Segments of the message as an SMS (when the alert has SMS recipients).
    journal : str or None
        The journal mode the store goes back to with :func:`restore_journal` once the caller has closed it
        (None when it is back already).
    """

    alert_id: str
    send_id: str | None = None
    recipients: int = 0
    sent: int = 0
    refused: int = 0
    failed: int = 0
    uncertain: int = 0
    left: int = 0
    done_before: int = 0
    states: dict[str, int] = field(default_factory=dict)
    sms: int = 0
    voice: int = 0
    sms_count: SmsCount | None = None
    journal: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return counts only, never an address."""
        lines = [
            f"Alert {self.alert_id}: {self.recipients:,} e-mail recipient(s).",
            f"this run: sent {self.sent:,}, refused {self.refused:,}, failed {self.failed:,}",
        ]
        if self.done_before:
            lines.append(f"done by earlier runs (not sent again): {self.done_before:,}")
        if self.left:
            lines.append(f"not sent: {self.left:,} left or withdrew consent since the alert")
        if self.uncertain:
            lines.append(
                f"uncertain: {self.uncertain:,} (an earlier run was stopped while handing it over; not resent. "
                "Check the server's log, then `--retry-uncertain` to send it again)"
            )
        pending = self.states.get("pending", 0) + self.states.get("failed", 0)
        lines.append(
            "deliveries: "
            + ", ".join(f"{s} {self.states.get(s, 0):,}" for s in STATES)
            + f"; still to send {pending:,}"
        )
        if self.sms or self.voice:
            lines.append(f"hand-off: SMS {self.sms:,}, voice {self.voice:,} (the lists of `bingeo recipients`)")
        if self.sms_count is not None:
            lines.append(self.sms_count.summary())
        lines.extend(self.notes)
        return "\n".join(lines)


# --------------------------------------------------------------------------- recipients


def _alert_record(store: Any, alert_id: str) -> Mapping[str, Any]:
    audit = store.audit(alert_id)
    audit = audit[audit["action"].isin(["select", "follow-up"])]
    if audit.empty:
        known = store.audit()
        known = known[known["action"].isin(["select", "follow-up"])]["alert_id"].tolist()[-10:]
        msg = f"no alert with id {alert_id!r} in the audit log. Recent alerts: {', '.join(known) or '(none)'}."
        raise InputError(msg)
    return audit.iloc[0]


def _current_recipients(
    store: Any, ids: list[str], urgency: str
) -> tuple[dict[str, dict[str, Any]], dict[str, int], int]:
    """Return the e-mail recipients now (by person key), the recipients per channel, and the persons gone since.

    Gone: left, withdrew consent, or no longer in the store (counted by member id).
    """
    members = store.members()
    members = members[members["member_id"].astype(str).isin(set(ids))]
    missing = len(set(ids) - set(members["member_id"].astype(str)))
    if members.empty:
        return {}, {}, missing
    sel = select_recipients(members, member_ids=ids, urgency=urgency)
    people = {}
    for rec in recipient_records(sel._recipients):
        if rec["channel"] == "email":
            people[_key(rec)] = rec
    gone = missing + sel.excluded.get("no_consent", 0) + sel.excluded.get("left", 0)
    return people, dict(sel.per_channel), gone


def _key(rec: Mapping[str, Any]) -> str:
    pid = rec.get("person_id")
    return str(pid) if pid is not None and str(pid).strip() and str(pid) != "nan" else str(rec["member_id"])


# --------------------------------------------------------------------------- SMTP


class _Lost(Exception):
    """The connection was lost before the message was handed over (not sent)."""


class _Uncertain(Exception):
    """The connection was lost while or after the message was handed over (maybe sent)."""


def _connect(s: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=s.ca_file) if s.security != "none" else None
    conn: smtplib.SMTP | None = None
    try:
        if s.security == "ssl":
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                conn.ehlo()
                conn.starttls(context=context)
        conn.ehlo()
        if s.user and s.password:
            conn.login(s.user, s.password)
        return conn
    except BaseException as exc:
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass
        if isinstance(exc, (smtplib.SMTPException, OSError)):
            raise MailError(_connect_message(s, exc)) from None
        raise


def _connect_message(s: SmtpSettings, exc: BaseException) -> str:
    where = f"the mail server {s.host}:{s.port} ({s.security})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        msg = (
            f"{where} refused the login of user {s.user!r} ({exc.smtp_code} {text}). Check the password "
            f"({ENVIRONMENT['password']} or ~/.netrc)."
        )
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        msg = f"{where} does not offer STARTTLS. Try --security ssl (port 465)."
    elif isinstance(exc, ssl.SSLCertVerificationError):
        msg = f"{where}: its TLS certificate cannot be verified ({exc.verify_message}). Give its CA with --ca-file."
    elif isinstance(exc, ssl.SSLError):
        msg = f"{where}: TLS failed ({exc.reason}). Check --security (starttls on 587, ssl on 465) and --smtp-port."
    elif isinstance(exc, socket.gaierror):
        msg = f"{where} cannot be found ({exc.strerror}). Check --smtp-host."
    elif isinstance(exc, (ConnectionRefusedError, TimeoutError, socket.timeout)):
        msg = f"{where} cannot be reached ({exc}). Check --smtp-host and --smtp-port, and the network."
    elif isinstance(exc, smtplib.SMTPResponseException):
        msg = f"{where} answered {exc.smtp_code} {exc.smtp_error!r} while connecting."
    else:
        msg = f"{where}: {exc}."
    return s.scrub(msg)


def _reply(code: int, text: bytes | str) -> str:
    t = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(t.split())}"[:200]


def _strip_addresses(text: str) -> str:
    """Remove anything that looks like an address from a server's reply (the reason column holds none)."""
    return re.sub(r"<?[^\s<>@]+@[^\s<>]+>?", "<address>", text)


def _transact(conn: smtplib.SMTP, sender: str, to: str, data: bytes) -> tuple[str, str | None]:
    """Hand one message over: ``(state, reason)``; raise _Lost (not sent) or _Uncertain (maybe sent)."""
    try:
        code, text = conn.mail(sender)
        if code != 250:
            conn.rset()
            return "failed", _reply(code, text)
        code, text = conn.rcpt(to)
        if code not in (250, 251):
            conn.rset()
            return ("refused" if 500 <= code < 600 else "failed"), _reply(code, text)
        conn.putcmd("data")
        code, text = conn.getreply()
        if code != 354:
            conn.rset()
            return "failed", _reply(code, text)
    except (smtplib.SMTPException, OSError) as exc:
        raise _Lost(str(exc)) from None
    try:
        body = re.sub(rb"(?m)^\.", b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        conn.send(body + b".\r\n")
        code, text = conn.getreply()
    except (smtplib.SMTPException, OSError) as exc:
        raise _Uncertain(str(exc)) from None
    if code == 250:
        return "sent", None
    return ("failed" if code < 500 else "refused"), _reply(code, text)


def _message(s: SmtpSettings, alert_id: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = s.sender
    msg["Reply-To"] = s.reply_to
    msg["Subject"] = f"{subject} [BIN {alert_id}]"
    msg["X-Bingeo-Alert"] = alert_id
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg.set_content(body)
    return msg


def _bytes_for(template: EmailMessage, to: str, message_id: str) -> bytes:
    msg = template
    del msg["To"]
    del msg["Message-ID"]
    msg["To"] = to
    msg["Message-ID"] = message_id
    return msg.as_bytes()


def _usable_address(address: str) -> bool:
    """Whether ``address`` can go in an envelope: one plain ASCII address (SMTPUTF8 addresses are not sent)."""
    return address.isascii() and bool(re.fullmatch(r"[^\s@<>,;\"]+@[^\s@<>,;\"]+\.[^\s@<>,;\"]+", address))


# --------------------------------------------------------------------------- sending


def send_email(
    store: Any,
    alert_id: str,
    *,
    subject: str | None = None,
    body: str | None = None,
    smtp: SmtpSettings | None = None,
    rate: float | None = None,
    retry_uncertain: bool = False,
    operator: str | None = None,
    check: bool = False,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> SendReport:
    """Send ``body`` to the e-mail part of alert ``alert_id``, one message per person, resuming an earlier run.

    See the module notes for the recipients, the headers and the exactly-once rule. The message is also counted
    as an SMS (:func:`bingeo.sms.sms_segments`) when the alert has SMS recipients, with warnings in ``notes``.

    Parameters
    ----------
    store : Store
        A GeoPackage store holding the alert in its audit log.
    alert_id : str
        The alert (``bingeo recipients`` prints it; ``bingeo audit`` lists them).
    subject, body : str, optional
        The message; the subject gets `` [BIN <alert id>]``. The first run keeps them in the store
        (:data:`MESSAGES_TABLE`); a resume without them sends the same, and refuses a different one.
    smtp : SmtpSettings
        The server (:func:`smtp_settings`); not needed with ``check``.
    rate : float, optional
        At most this many messages per minute.
    retry_uncertain : bool
        Send again the messages an earlier run may have handed over (see the notes): a person may get two.
    operator : str, optional
        Who sends (in the audit row).
    check : bool
        Plan and count only: no server is contacted, nothing is sent and nothing is logged.
    progress, is_cancelled : callable, optional
        Progress (0-1) and cancellation (stops before the next message; the rest stays pending).

    Returns
    -------
    SendReport

    Examples
    --------
    >>> import bingeo, tempfile, shutil
    >>> d = tempfile.mkdtemp()
    >>> store = bingeo.open_store(f"{d}/s.gpkg", create=True, crs=28992)
    >>> send_email(store, "A-1", subject="x", body="y", check=True)
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: no alert with id 'A-1' in the audit log. Recent alerts: (none).
    >>> store.close(); shutil.rmtree(d)
    """
    if subject is not None and not subject.strip():
        msg = "the e-mail needs a subject: give --subject (or a --template, whose subject is used)."
        raise InputError(msg)
    if subject is not None and ("\n" in subject or "\r" in subject):
        msg = "the subject is one line: remove the line break (from --subject or a --value in it)."
        raise InputError(msg)
    if body is not None and not body.strip():
        msg = "the message is empty: give a --message file with text, or a --template."
        raise InputError(msg)
    if rate is not None and not rate > 0:
        msg = f"`rate` must be a positive number of messages per minute, got {rate}."
        raise InputError(msg)
    if smtp is None and not check:
        msg = "give the mail server settings (`smtp=smtp_settings(...)`), or `check=True` to plan only."
        raise InputError(msg)
    record = _alert_record(store, alert_id)
    ids = [str(i) for i in json.loads(record["member_ids"] or "[]")]
    urgency = str(record["urgency"] or "normal")
    people, per_channel, gone_now = _current_recipients(store, ids, urgency)
    report = SendReport(alert_id, sms=per_channel.get("sms", 0), voice=per_channel.get("voice", 0))

    table = _table_for(store)
    try:
        subject, body = _the_message(table.message(alert_id), subject, body, alert_id)
        if report.sms:
            report.sms_count = sms_segments(body)
            report.notes.extend(sms_warnings(body, urgent=urgency == "urgent"))
        if check and not table.has(DELIVERIES_TABLE):
            plan: list[dict[str, Any]] = []
        else:
            table.ensure()
            plan = table.rows(alert_id)
        if not plan:
            plan = [
                {
                    "alert_id": alert_id,
                    "member_id": str(rec["member_id"]),
                    "person_id": key,
                    "channel": "email",
                    "state": "pending",
                    "attempts": 0,
                    "message_token": message_token(alert_id, key),
                    "updated": _now(),
                    "reason": None,
                }
                for key, rec in people.items()
            ]
            report.left = gone_now  # the alert's people who cannot be reached now: no row for them
            if not check:
                table.plan(alert_id, plan, (subject, body))
                plan = table.rows(alert_id)
        report.recipients = len(plan)
        todo = []
        gone: list[tuple[str, str, int, str | None]] = []
        for row in plan:
            state, attempts = row["state"], int(row["attempts"] or 0)
            if state in ("sent", "refused"):
                report.done_before += 1
            elif state == "pending" and attempts > 0 and not retry_uncertain:
                report.uncertain += 1
            elif row["person_id"] not in people:
                report.left += 1
                gone.append((row["member_id"], "failed", attempts, _LEFT))
            else:
                todo.append(row)
        if check:
            report.states = _states(plan)
            return report
        table.update(gone, alert_id)
        if todo:
            table.fast()
            assert smtp is not None
            _send_all(table, smtp, alert_id, subject, body, todo, people, rate, report, progress, is_cancelled)
    finally:
        try:
            if not check and table.has(DELIVERIES_TABLE):  # not when the message or the table failed first
                report.states = _states(table.rows(alert_id))
                if report.sent or report.refused or report.failed or report.uncertain or report.left:
                    report.send_id = _log_run(store, alert_id, report, urgency, operator)
        finally:
            report.journal = table.close()
    log.info("alert %s by e-mail: sent %d, refused %d, failed %d", alert_id, report.sent, report.refused, report.failed)
    return report


def _the_message(
    stored: tuple[str, str] | None, subject: str | None, body: str | None, alert_id: str
) -> tuple[str, str]:
    """Return the message to send: the one given, else the one the first run kept; a different one is refused."""
    if stored is None:
        if subject is None or body is None:
            msg = f"alert {alert_id} has not been sent yet: give the message (--message FILE or --template NAME)."
            raise InputError(msg)
        return subject, body
    if (subject is not None and subject != stored[0]) or (body is not None and body != stored[1]):
        msg = (
            f"alert {alert_id} was sent with another message; a resume sends the same one to the rest. Give no "
            "--message or --template to resume, or select a new alert for a new message."
        )
        raise InputError(msg)
    return stored


def _states(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {s: sum(1 for r in rows if r["state"] == s) for s in STATES}


def _log_run(store: Any, alert_id: str, report: SendReport, urgency: str, operator: str | None) -> str:
    send_id = f"S-{dt.datetime.now(dt.timezone.utc):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    counts = {
        "sent": report.sent,
        "refused": report.refused,
        "failed": report.failed,
        "uncertain": report.uncertain,
        "left": report.left,
        "pending": report.states.get("pending", 0) + report.states.get("failed", 0),
        "deliveries": report.states,
    }
    store.append_audit(
        alert_id=send_id,
        action="send",
        area=None,
        operator=operator,
        urgency=urgency,
        selection={"channel": "email"},
        counts=counts,
        member_ids=[],
        parent_alert_id=alert_id,
    )
    return send_id


def _send_all(
    table: _Deliveries,
    s: SmtpSettings,
    alert_id: str,
    subject: str,
    body: str,
    todo: list[dict[str, Any]],
    people: Mapping[str, Mapping[str, Any]],
    rate: float | None,
    report: SendReport,
    progress: Callable[[float], None] | None,
    is_cancelled: Callable[[], bool] | None,
) -> None:
    template = _message(s, alert_id, subject, body)
    conn: smtplib.SMTP | None = None
    on_conn = 0
    lost_in_row = 0
    outcome: list[tuple[str, str, int, str | None]] = []  # the previous message's, committed with the next attempt
    start = time.monotonic()
    interval = 60.0 / rate if rate else 0.0
    try:
        for n, row in enumerate(todo):
            if is_cancelled is not None and is_cancelled():
                raise CancelledError("sending stopped on request; the rest stays pending: send again to resume.")
            if interval:
                wait = start + n * interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            member, attempts = row["member_id"], int(row["attempts"] or 0) + 1
            address = str(people[row["person_id"]]["contact"]).strip()
            if not _usable_address(address):
                outcome.append((member, "failed", attempts - 1, "the member's e-mail address cannot be used"))
                report.failed += 1
                continue
            if conn is None or on_conn >= MESSAGES_PER_CONNECTION:  # before the attempt: a refused login marks nobody
                _close(conn)
                conn, on_conn = None, 0
                conn = _connect(s)
            table.update([*outcome, (member, "pending", attempts, row["reason"])], alert_id)
            outcome = []
            data = _bytes_for(template, address, f"<{alert_id}.{row['message_token']}@{TOKEN_DOMAIN}>")
            while True:
                try:
                    state, reason = _transact(conn, s.sender, address, data)
                    lost_in_row = 0
                    on_conn += 1
                    break
                except _Lost:  # not handed over: a new connection, the same attempt
                    _close(conn)
                    conn, on_conn = None, 0
                    lost_in_row += 1
                    try:
                        if lost_in_row > RECONNECTS:
                            msg = (
                                f"the mail server {s.host} closed the connection {lost_in_row} times in a row; "
                                "sending stopped. Send again later to resume (nobody gets a second copy)."
                            )
                            raise MailError(msg)
                        conn = _connect(s)
                    except MailError:
                        outcome.append((member, "failed", attempts, "connection lost before the message was sent"))
                        report.failed += 1
                        raise
                except _Uncertain:
                    _close(conn)
                    conn = None
                    report.uncertain += 1
                    state = ""
                    break
            if state:
                outcome.append((member, state, attempts, _strip_addresses(reason) if reason else None))
                setattr(report, state, getattr(report, state) + 1)
            if progress is not None:
                progress((n + 1) / len(todo))
    finally:
        table.update(outcome, alert_id)
        _close(conn)


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is None:
        return
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        try:
            conn.close()
        except OSError:
            pass
