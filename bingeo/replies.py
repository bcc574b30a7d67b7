"""Members' answers to alerts: import them from a mailbox, match them, and relay them without contact details.

An answer is matched to its alert by, in this order, the ``X-Bingeo-Alert`` header, ``[BIN <alert id>]`` in
the subject (also after ``Re:``/``Antw:``/``RE :``/``TR:``), or an ``In-Reply-To``/``References`` message id
``<ALERT.TOKEN@bingeo.invalid>`` that ``bingeo send`` wrote; and to the member by the ``From`` address compared
with the members' e-mail (case and spaces ignored), else by the token of that message id (recomputed for the
alert's recipients). Only the member's pseudonymous ``person_id`` is stored: never an address or a name.

The stored body is the answer itself: quoted text (``>`` lines; Dutch ``Op ... schreef ...:``, French ``Le ... a
écrit :``, English ``On ... wrote:``; Outlook's ``-----Original Message-----`` and ``Van:``/``From:``/``De :``
blocks) and the signature (after a ``-- `` line) are cut; an HTML-only mail is turned into text; attachments
are counted, not stored. Mails that match no alert or no member are kept in the ``replies`` table with their
reason and written to an unmatched output (no addresses), never dropped. Importing a mailbox twice adds nothing.

Privacy rule: addresses and names never reach a log line, an error, the store's replies or a digest without
the member's consent to be contacted (:func:`set_contact_consent`).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import html
import json
import logging
import mailbox
import netrc
import os
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bingeo._results import Result
from bingeo.errors import InputError
from bingeo.stores.plain_tables import PLAIN_TABLES, PlainTables, register

__all__ = [
    "CONSENT_FIELDS",
    "CONSENT_TABLE",
    "DIGEST_FORMATS",
    "IMAP_BATCH",
    "IMAP_PASSWORD_ENV",
    "IMAP_TIMEOUT",
    "REPLY_FIELDS",
    "REPLIES_TABLE",
    "UNMATCHED_REASONS",
    "ImportedReplies",
    "Digest",
    "delivery_token",
    "import_replies",
    "relay_replies",
    "reply_id_of",
    "reply_text",
    "set_contact_consent",
    "strip_quoted",
]

log = logging.getLogger(__name__)

#: The store table of answers (created on first import).
REPLIES_TABLE = "replies"
#: Its columns (the contract with ``bingeo send``), plus ``reason``: why a mail is unmatched (None when matched).
REPLY_FIELDS: list[tuple[str, str]] = [
    ("reply_id", "TEXT NOT NULL"),
    ("alert_id", "TEXT"),
    ("person_id", "TEXT"),
    ("matched_by", "TEXT"),
    ("received", "TEXT"),
    ("body", "TEXT"),
    ("has_attachments", "INTEGER"),
    ("source", "TEXT"),
    ("reason", "TEXT"),
]
#: Members' consent to be contacted by the police about their answers: one row per person, kept apart from
#: the member list (whose ``consent`` is the consent to receive alerts).
CONSENT_TABLE = "contact_consents"
CONSENT_FIELDS: list[tuple[str, str]] = [
    ("person_id", "TEXT NOT NULL"),
    ("contact", "INTEGER NOT NULL"),
    ("given_on", "TEXT"),
    ("updated", "TEXT"),
]
_REPLIES_NOTE = "bingeo: members' answers to alerts (person_id only; quoted text and signatures cut)"
_CONSENT_NOTE = "bingeo: consent to be contacted about one's answers (one row per person)"
register(REPLIES_TABLE, REPLY_FIELDS, unique=("reply_id",), description=_REPLIES_NOTE)
register(CONSENT_TABLE, CONSENT_FIELDS, unique=("person_id",), description=_CONSENT_NOTE)
#: Why a mail is unmatched.
UNMATCHED_REASONS = {
    "no_alert_id": "no alert id in the X-Bingeo-Alert header, the subject or In-Reply-To/References",
    "unknown_alert": "the alert id is not in the store's audit log",
    "unknown_sender": "the From address is no member's e-mail and no message id names a recipient",
}
#: Environment variable holding the IMAP password (else ``~/.netrc``'s entry for the host).
IMAP_PASSWORD_ENV = "BINGEO_IMAP_PASSWORD"
#: Seconds an IMAP connection waits for the server.
IMAP_TIMEOUT = 30.0
#: Mails fetched by one IMAP command.
IMAP_BATCH = 200
#: Digest formats, by file suffix.
DIGEST_FORMATS = (".txt", ".csv", ".html")

_SUBJECT_ID = re.compile(r"\[BIN ([A-Za-z0-9-]+)\]")
_MESSAGE_ID = re.compile(r"<([A-Za-z0-9-]+)\.([0-9a-f]{16})@bingeo\.invalid>", re.IGNORECASE)


def delivery_token(alert_id: str, person_id: str) -> str:
    """Return the per-delivery token of ``bingeo send``'s Message-ID ``<ALERT.TOKEN@bingeo.invalid>``.

    Examples
    --------
    >>> delivery_token("A-20261207-143200-ab12cd", "p-0123")
    '55227de25f01852a'
    """
    return hashlib.sha256(f"{alert_id}\x1f{person_id}".encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------ text of a mail
class _Text(HTMLParser):
    """HTML to plain text: block elements end lines, quoted blocks and scripts are left out."""

    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr"})
    _SKIP = frozenset({"script", "style", "head", "title", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_text(markup: str) -> str:
    """Return the text of an HTML mail body (block elements as lines; ``<blockquote>`` left out).

    Examples
    --------
    >>> html_text("<p>Ik zag een <b>witte</b> bus&nbsp;om 3 uur.</p><blockquote>oud bericht</blockquote>")
    'Ik zag een witte bus om 3 uur.'
    """
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).replace("\xa0", " ").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_ATTRIBUTION = [
    re.compile(r"^\s*Op\b.{3,}\bschreef\b.*:\s*$", re.IGNORECASE),  # Dutch (Gmail, Apple Mail, Thunderbird)
    re.compile(r"^\s*Le\b.{3,}\ba\s+écrit\s*:\s*$", re.IGNORECASE),  # French
    re.compile(r"^\s*On\b.{3,}\bwrote\s*:\s*$", re.IGNORECASE),  # English
    re.compile(r"^\s*Am\b.{3,}\bschrieb\b.*:\s*$", re.IGNORECASE),  # German (Belgium's east)
]
_LEAD = re.compile(r"^\s*(Op|Le|On|Am)\b", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Oorspronkelijk bericht|Message d'origine|Forwarded message|"
    r"Doorgestuurd bericht|Message transféré)\s*-{2,}|_{8,})\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(Van|From|De|Von)\s*\*?\s*:", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(Verzonden|Sent|Envoyé|Date|Datum|Aan|To|À|Onderwerp|Subject|Objet|Cc)\s*\*?\s*:", re.IGNORECASE
)


def strip_quoted(text: str) -> str:
    """Return the answer in ``text``: quoted text and the signature cut, trailing blank lines dropped.

    Cut from the first attribution line (``Op ... schreef ...:``, ``Le ... a écrit :``, ``On ... wrote:``, also
    when the mail program wrapped it over two lines), an Outlook separator (``-----Original Message-----``,
    a line of underscores) or header block (``Van:``/``From:``/``De :`` followed by ``Verzonden:``/``Sent:``/
    ``Envoyé :``...), or a signature line ``-- ``; lines starting with ``>`` are dropped.

    Examples
    --------
    >>> strip_quoted("Ja, om 3 uur.\\n\\nOp ma 7 dec 2026 om 14:32 schreef BIN <bin@x.nl>:\\n> Let op")
    'Ja, om 3 uur.'
    >>> strip_quoted("Oui.\\n-- \\nJean")
    'Oui.'
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        pair = line + " " + lines[i + 1] if i + 1 < len(lines) else line
        if line.rstrip() in ("--", "-- ") or _SEPARATOR.match(line):
            break
        if any(p.match(line) for p in _ATTRIBUTION):
            break
        if _LEAD.match(line) and i + 1 < len(lines) and any(p.match(pair) for p in _ATTRIBUTION):
            break  # an attribution the mail program wrapped over two lines
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            break
        if line.lstrip().startswith(">"):
            continue
        out.append(line.rstrip())
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return "\n".join(out)


def reply_text(message: email.message.EmailMessage) -> tuple[str, int]:
    """Return the answer of a parsed mail (quoted text and signature cut) and its number of attachments."""
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            content = body.get_content()
        except (LookupError, ValueError):  # an unknown charset: the bytes as Latin-1 rather than nothing
            content = (body.get_payload(decode=True) or b"").decode("latin-1")
        text = html_text(content) if body.get_content_type() == "text/html" else content
    attachments = sum(1 for _ in message.iter_attachments()) if message.is_multipart() else 0
    return strip_quoted(text), attachments


# ------------------------------------------------------------------------------------------- sources
@dataclass
class _Mail:
    raw: bytes
    source: str
    known: bool = False  # imported before (told by its Message-ID; the mail itself was not downloaded)


def reply_id_of(message_id: str, raw: bytes) -> str:
    """Return a mail's ``reply_id``: the sha256 of its ``Message-ID`` (stripped), else of its bytes."""
    text = message_id.strip()
    return hashlib.sha256(text.encode() if text else raw).hexdigest()


def _imap_source(url: str, cafile: str | None, known: set[str] | frozenset[str] = frozenset()) -> Iterator[_Mail]:
    import imaplib

    parts = urlsplit(url)
    if parts.scheme != "imaps":
        msg = f"the mailbox {url!r} must be an imaps:// URL (TLS): imaps://user@host[:port]/FOLDER."
        raise InputError(msg)
    if parts.password:
        msg = (
            "do not put the IMAP password in the URL (it would show in the shell history): give it in the "
            f"environment variable {IMAP_PASSWORD_ENV} or in ~/.netrc (machine HOST login USER password ...)."
        )
        raise InputError(msg)
    host, port = parts.hostname, parts.port or 993
    user = unquote(parts.username or "")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    shown = f"imaps://{host}:{port}/{folder}"
    if not host or not user:
        msg = f"the mailbox URL needs a user and a host: imaps://user@host[:port]/FOLDER, got {shown!r}."
        raise InputError(msg)
    password = os.environ.get(IMAP_PASSWORD_ENV)
    if not password:
        try:
            auth = netrc.netrc().authenticators(host)
        except (FileNotFoundError, netrc.NetrcParseError, OSError):
            auth = None
        password = auth[2] if auth else None
    if not password:
        msg = f"no password for {shown}: set {IMAP_PASSWORD_ENV} or add the host to ~/.netrc."
        raise InputError(msg)
    context = ssl.create_default_context(cafile=cafile)
    try:
        conn = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=IMAP_TIMEOUT)
    except (OSError, imaplib.IMAP4.error) as exc:
        msg = f"cannot reach the IMAP server {host}:{port} over TLS ({type(exc).__name__}: {exc}). Check host and port."
        raise InputError(msg) from None
    try:
        try:
            conn.login(user, password)
        except imaplib.IMAP4.error:
            msg = f"the IMAP server {host}:{port} refused the login. Check the user in the URL and the password."
            raise InputError(msg) from None
        status, _ = conn.select(_imap_quote(folder), readonly=True)
        if status != "OK":
            msg = f"no folder {folder!r} on {host}:{port}. Give the folder after the host: imaps://user@host/INBOX."
            raise InputError(msg)
        status, data = conn.uid("SEARCH", None, "ALL")
        uids = data[0].split() if status == "OK" and data and data[0] else []
        for k in range(0, len(uids), IMAP_BATCH):  # BODY.PEEK: nothing is marked as read
            batch = b",".join(uids[k : k + IMAP_BATCH]).decode("ascii")
            # the Message-IDs first: a mail imported before is not downloaded again
            wanted = []
            for uid, head in _imap_fetch(conn, batch, "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])", shown):
                mid = str(email.message_from_bytes(head, policy=email.policy.default).get("Message-ID", "") or "")
                if mid.strip() and reply_id_of(mid, b"") in known:
                    yield _Mail(b"", shown, known=True)
                else:
                    wanted.append(uid)
            if wanted:
                for _, raw in _imap_fetch(conn, b",".join(wanted).decode("ascii"), "(UID BODY.PEEK[])", shown):
                    yield _Mail(raw, shown)
    finally:
        try:
            conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _imap_fetch(conn: Any, uids: str, what: str, shown: str) -> Iterator[tuple[bytes, bytes]]:
    """Yield (uid, data) of one UID FETCH."""
    status, fetched = conn.uid("FETCH", uids, what)
    if status != "OK":
        msg = f"the IMAP server did not give the mails of {shown} ({status}). Try again."
        raise InputError(msg)
    for item in fetched or []:
        if isinstance(item, tuple):
            uid = re.search(rb"UID (\d+)", item[0])
            yield (uid.group(1) if uid else b""), bytes(item[1])


def _imap_quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mail_source(
    source: str | os.PathLike[str], cafile: str | None = None, known: set[str] | frozenset[str] = frozenset()
) -> Iterator[_Mail]:
    """Yield the raw mails of an IMAP URL, a Maildir, an mbox file, a folder of .eml files or one .eml file."""
    text = str(source)
    if text.lower().startswith(("imap://", "imaps://")):
        yield from _imap_source(text, cafile, known)
        return
    path = Path(source)
    if not path.exists():
        msg = f"the mailbox {path} does not exist. Give an imaps:// URL, a Maildir, an mbox file or .eml files."
        raise InputError(msg)
    if path.is_dir() and all((path / d).is_dir() for d in ("cur", "new", "tmp")):
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.keys()):
            yield _Mail(box.get_bytes(key), str(path))
        return
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml" and p.is_file())
        if not files:
            msg = f"the folder {path} holds no .eml files and is no Maildir (cur/, new/, tmp/)."
            raise InputError(msg)
        for p in files:
            yield _Mail(p.read_bytes(), str(p))
        return
    if path.suffix.lower() == ".eml":
        yield _Mail(path.read_bytes(), str(path))
        return
    with open(path, "rb") as fh:
        head = fh.read(5)
    if head != b"From ":
        msg = f"{path} is no mbox file (it does not start with 'From '), no .eml file and no Maildir."
        raise InputError(msg)
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.keys():
            yield _Mail(box.get_bytes(key), str(path))
    finally:
        box.close()


# --------------------------------------------------------------------------------------------- import
@dataclass
class ImportedReplies(Result):
    """What :func:`import_replies` did: counts only (no addresses, no names)."""

    source: str
    mails: int = 0
    added: int = 0
    already: int = 0
    matched: int = 0
    matched_by: dict[str, int] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)
    attachments: int = 0
    unmatched_file: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph: counts and reasons."""
        parts = [
            f"Read {self.mails:,} mails from {self.source}: {self.added:,} new, {self.already:,} imported before; "
            f"{self.matched:,} matched to an alert and a member"
            + (f" ({', '.join(f'{k} {v}' for k, v in sorted(self.matched_by.items()))})" if self.matched_by else "")
            + "."
        ]
        if self.unmatched:
            parts.append(f"{sum(self.unmatched.values()):,} unmatched (kept in the store, not relayed):")
            parts.extend(f"  - {n:,} {UNMATCHED_REASONS[k]}" for k, n in sorted(self.unmatched.items()))
            if self.unmatched_file:
                parts.append(f"  listed in {self.unmatched_file} (no addresses)")
            else:
                parts.append("  list them with `unmatched` (a .csv file, or a folder for their .eml files)")
        if self.attachments:
            parts.append(f"{self.attachments:,} attachments noted, not stored.")
        parts.extend(self.notes)
        return "\n".join(parts)


def _norm_address(value: Any) -> str:
    return re.sub(r"\s+", "", str(value or "")).casefold()


def _ensure(tables: PlainTables, name: str) -> None:
    spec = PLAIN_TABLES[name]
    tables.ensure(name, spec.fields, unique=spec.unique, description=spec.description)


def _received(message: email.message.EmailMessage) -> str | None:
    try:
        when = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def import_replies(
    store: Any,
    source: str | os.PathLike[str],
    *,
    unmatched: str | os.PathLike[str] | None = None,
    cafile: str | os.PathLike[str] | None = None,
) -> ImportedReplies:
    """Import members' answers from ``source`` into the store's ``replies`` table.

    Parameters
    ----------
    store : bingeo.stores.Store
        An open store holding the alerts (audit log) and the members.
    source : str or path
        ``imaps://user@host[:port]/FOLDER`` (TLS; the password from :data:`IMAP_PASSWORD_ENV` or ``~/.netrc``,
        never printed or stored), a Maildir, an mbox file, a folder of ``.eml`` files or one ``.eml`` file.
    unmatched : path, optional
        A CSV of the unmatched mails of this import (reply id, date, subject's alert id, reason; no addresses),
        or a folder that gets their raw ``.eml`` files.
    cafile : path, optional
        CA certificates to trust for the IMAP server (default: the system's).

    Returns
    -------
    ImportedReplies
        Counts: mails read, added, imported before, matched (by how), unmatched (by reason).

    Examples
    --------
    >>> import bingeo, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "a.eml").write_bytes(b"From: x@example.org\\nSubject: Re: [BIN A-1] Let op\\n\\nGezien.\\n")
    >>> with bingeo.open_store(tmp / "s.gpkg", create=True, crs=28992) as st:
    ...     r = import_replies(st, tmp / "a.eml")
    >>> r.mails, r.matched, r.unmatched
    (1, 0, {'unknown_alert': 1})
    """
    tables = PlainTables(store)
    _ensure(tables, REPLIES_TABLE)
    known = {r[0] for r in tables.select(REPLIES_TABLE, ["reply_id"])}
    audit = tables.query(f"SELECT alert_id, member_ids FROM {tables.name('audit_log')}")
    alert_members = {a: json.loads(m or "[]") for a, m in audit}
    members = tables.query(f"SELECT member_id, person_id, email FROM {tables.name('members')}")
    by_address: dict[str, set[str]] = {}
    person_of: dict[str, str] = {}
    for mid, pid, mail in members:
        person = pid or mid
        person_of[mid] = person
        if mail:
            by_address.setdefault(_norm_address(mail), set()).add(person)
    result = ImportedReplies(source=_shown(source))
    rows: list[tuple[Any, ...]] = []
    listing: list[dict[str, Any]] = []
    raws: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    recipients_of: dict[str, set[str]] = {}
    for mail in _mail_source(source, None if cafile is None else str(cafile), known):
        result.mails += 1
        if mail.known:
            result.already += 1
            continue
        message = email.message_from_bytes(mail.raw, policy=email.policy.default)
        reply_id = reply_id_of(str(message.get("Message-ID", "") or ""), mail.raw)
        if reply_id in known or reply_id in seen:
            result.already += 1
            continue
        seen.add(reply_id)
        alert_id, matched_by, tokens = _which_alert(message)
        person = None
        reason = None
        if alert_id is None:
            reason = "no_alert_id"
        elif alert_id not in alert_members:
            reason = "unknown_alert"
        else:
            _, sender = email.utils.parseaddr(str(message.get("From", "")))
            people = by_address.get(_norm_address(sender), set())
            if alert_id not in recipients_of:  # the persons of an alert, once per alert (not per mail)
                recipients_of[alert_id] = {person_of.get(m, m) for m in alert_members[alert_id]}
            recipients = recipients_of[alert_id]
            if len(people) > 1:  # one address shared by several persons: the alert's recipient among them
                people = people & recipients or people
            if len(people) == 1:
                person = next(iter(people))
            else:
                wanted = {t for a, t in tokens if a == alert_id}
                hits = {p for p in recipients if delivery_token(alert_id, p) in wanted}
                if len(hits) == 1:
                    person = next(iter(hits))
            if person is None:
                reason = "unknown_sender"
        body, attachments = reply_text(message)
        received = _received(message)
        result.attachments += attachments
        if reason is None:
            result.matched += 1
            result.matched_by[matched_by] = result.matched_by.get(matched_by, 0) + 1  # type: ignore[index]
        else:
            result.unmatched[reason] = result.unmatched.get(reason, 0) + 1
            listing.append(
                {
                    "reply_id": reply_id,
                    "received": received,
                    "alert_id": alert_id,
                    "reason": reason,
                    "attachments": attachments,
                    "source": mail.source,
                }
            )
            raws.append((reply_id, mail.raw))
        rows.append(
            (
                reply_id,
                alert_id if reason != "no_alert_id" else None,
                person,
                matched_by if reason in (None, "unknown_sender") else None,
                received,
                body,
                attachments,
                mail.source,
                reason,
            )
        )
    if rows:
        cols = ", ".join(c for c, _ in REPLY_FIELDS)
        with tables.write() as h:
            h.executemany(
                f"INSERT INTO {tables.name(REPLIES_TABLE)} ({cols}) VALUES ({', '.join('?' * len(REPLY_FIELDS))})",
                rows,
            )
    result.added = len(rows)
    if unmatched is not None and listing:
        result.unmatched_file = str(_write_unmatched(Path(unmatched), listing, raws))
    log.info("replies: %d mails, %d added, %d matched", result.mails, result.added, result.matched)
    return result


def _shown(source: str | os.PathLike[str]) -> str:
    text = str(source)
    if text.lower().startswith(("imap://", "imaps://")):
        p = urlsplit(text)
        return f"{p.scheme}://{p.hostname}{':' + str(p.port) if p.port else ''}{p.path}"  # no user
    return text


def _which_alert(message: email.message.EmailMessage) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    tokens = [
        (m.group(1), m.group(2).lower())
        for h in ("In-Reply-To", "References")
        for m in _MESSAGE_ID.finditer(str(message.get(h, "") or ""))
    ]
    header = str(message.get("X-Bingeo-Alert", "") or "").strip()
    if header:
        return header, "header", tokens
    found = _SUBJECT_ID.search(str(message.get("Subject", "") or ""))
    if found:
        return found.group(1), "subject", tokens
    if tokens:
        return tokens[0][0], "in-reply-to", tokens
    return None, None, tokens


def _write_unmatched(path: Path, listing: list[dict[str, Any]], raws: list[tuple[str, bytes]]) -> Path:
    import pandas as pd

    from bingeo.readers.write import write_csv, write_text

    if path.suffix.lower() == ".csv":
        return write_csv(pd.DataFrame(listing), path)
    if path.exists() and not path.is_dir():
        msg = f"`unmatched` must be a .csv file or a folder for the raw .eml files, got the file {path}."
        raise InputError(msg)
    if not path.parent.is_dir():
        msg = f"`unmatched`: the folder {path.parent} does not exist. Create it first."
        raise InputError(msg)
    path.mkdir(exist_ok=True)
    for reply_id, raw in raws:
        write_text(path / f"{reply_id[:16]}.eml", raw)
    return path


# ---------------------------------------------------------------------------------------------- consent
def set_contact_consent(store: Any, member_id: str, contact: bool, *, given_on: Any = None) -> str:
    """Record whether the person of ``member_id`` agrees to be contacted by the police about their answers.

    Without a record a person has not consented: a digest shows neither name nor contact. Returns the person id.
    """
    tables = PlainTables(store)
    person = _person_of(tables, member_id)
    _ensure(tables, CONSENT_TABLE)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = str(given_on or dt.date.today())
    t = tables.name(CONSENT_TABLE)
    with tables.write() as h:
        h.execute(f"DELETE FROM {t} WHERE person_id = ?", (person,))
        h.execute(
            f"INSERT INTO {t} (person_id, contact, given_on, updated) VALUES (?, ?, ?, ?)",
            (person, int(bool(contact)), day, now),
        )
    return person


def _person_of(tables: PlainTables, member_id: str) -> str:
    rows = tables.query(f"SELECT person_id FROM {tables.name('members')} WHERE member_id = ?", (str(member_id),))
    if not rows:
        msg = f"no member with id {member_id!r} in the store. Check the id in the member list."
        raise InputError(msg)
    return rows[0][0] or str(member_id)


# ----------------------------------------------------------------------------------------------- relay
@dataclass
class Digest(Result):
    """The answers to one alert as written for the police: counts and the file."""

    alert_id: str
    answers: int
    with_contact: int
    unmatched: int
    path: Path
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Summarise the digest: counts only."""
        return (
            f"{self.answers:,} answers to {self.alert_id} written to {self.path} "
            f"({self.with_contact:,} with name and contact: the members consented to be contacted; "
            f"{self.unmatched:,} unmatched mails for this alert not included)."
        )


def relay_replies(store: Any, alert_id: str, output: str | os.PathLike[str]) -> Digest:
    """Write the answers to ``alert_id`` for the police: text, no contact details without consent.

    Each answer gets a number, its time and text and its number of attachments; the name and the contact
    (e-mail, else phone) only of persons who consented to be contacted (:func:`set_contact_consent`).
    ``output`` ends in ``.txt``, ``.csv`` or ``.html``.

    Examples
    --------
    >>> import bingeo, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> with bingeo.open_store(tmp / "s.gpkg", create=True, crs=28992) as st:
    ...     relay_replies(st, "A-1", tmp / "d.txt")
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: no alert with id 'A-1' in the audit log. Recent alerts: (none).
    """
    path = Path(output)
    suffix = path.suffix.lower()
    if suffix not in DIGEST_FORMATS:
        msg = f"the digest is a {', '.join(DIGEST_FORMATS)} file; give an output ending so, not {path.name!r}."
        raise InputError(msg)
    tables = PlainTables(store)
    alerts = tables.query(
        f"SELECT alert_id, created_at, counts FROM {tables.name('audit_log')} ORDER BY created_at, alert_id"
    )
    record = [a for a in alerts if a[0] == alert_id]
    if not record:
        recent = ", ".join(a[0] for a in alerts[-10:]) or "(none)"
        msg = f"no alert with id {alert_id!r} in the audit log. Recent alerts: {recent}."
        raise InputError(msg)
    rows = tables.select(
        REPLIES_TABLE, ["person_id", "received", "body", "has_attachments", "reason"], "alert_id = ?", (alert_id,)
    )
    answers = sorted((r for r in rows if r[4] is None and r[0]), key=lambda r: (r[1] or "", r[2] or ""))
    unmatched = sum(1 for r in rows if r[4] is not None)
    answered = {r[0] for r in answers}
    consent = {p: bool(c) for p, c in tables.select(CONSENT_TABLE, ["person_id", "contact"]) if p in answered}
    contacts: dict[str, tuple[str, str]] = {}
    if any(consent.values()):
        for pid, mid, name, mail, phone in tables.query(
            f"SELECT person_id, member_id, name, email, phone FROM {tables.name('members')}"
        ):
            person = pid or mid
            if consent.get(person) and person not in contacts:
                contacts[person] = (name or "", mail or phone or "")
    items = []
    for k, (person, received, body, attachments, _) in enumerate(answers, 1):
        name, contact = contacts.get(person, ("", ""))
        items.append(
            {
                "answer": k,
                "received": received or "",
                "text": body or "",
                "attachments": int(attachments or 0),
                "name": name,
                "contact": contact,
            }
        )
    recipients = json.loads(record[0][2] or "{}").get("recipients", "?")
    head = f"Answers to alert {alert_id} (sent {record[0][1]}; {recipients} recipients; {len(items)} answers)"
    from bingeo.readers.write import write_csv, write_text

    if suffix == ".csv":
        import pandas as pd

        columns = ["alert_id", "answer", "received", "text", "attachments", "name", "contact"]
        write_csv(
            pd.DataFrame([{"alert_id": alert_id, **i} for i in items], columns=columns), path, encoding="utf-8-sig"
        )
    elif suffix == ".txt":
        out = [head, "=" * len(head), ""]
        for i in items:
            out.append(
                f"#{i['answer']}  {i['received']}"
                + (f"  ({i['attachments']} attachment(s))" if i["attachments"] else "")
            )
            if i["name"] or i["contact"]:
                out.append(f"Contact (consented): {i['name']} {i['contact']}".rstrip())
            out.extend([i["text"], ""])
        write_text(path, "\n".join(out))
    else:
        e = html.escape
        blocks = [
            f"<section><h2>#{i['answer']} <small>{e(i['received'])}</small></h2>"
            + (f"<p>{i['attachments']} attachment(s)</p>" if i["attachments"] else "")
            + (f"<p>Contact (consented): {e(i['name'])} {e(i['contact'])}</p>" if i["name"] or i["contact"] else "")
            + f"<pre>{e(i['text'])}</pre></section>"
            for i in items
        ]
        write_text(
            path,
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(head)}</title></head>'
            f"<body><h1>{e(head)}</h1>{''.join(blocks)}</body></html>",
        )
    log.info("digest of %s: %d answers", alert_id, len(items))
    return Digest(alert_id, len(items), sum(1 for i in items if i["name"] or i["contact"]), unmatched, path)
