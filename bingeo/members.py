"""Members of alert networks: read, check and locate a member list.

A member list comes from a spreadsheet kept by a coordinator or a police
team: one row per registration, with contact details, consent, role, the
networks the member belongs to and a location (coordinates, or an address
that is matched against an address register such as the BAG).

Privacy rule: names, e-mail addresses, phone numbers and locations of members
never appear in exception messages, log lines, ``reject_detail`` texts or
notes. Those only carry row numbers, column names, counts and reason codes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import logging
import math
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import shapely

from bingeo._contacts import check_email, normalize_phone, plain_email_mask, plain_phone_arrays
from bingeo._crs import CRSLike, same_crs, to_crs
from bingeo._results import Result
from bingeo.errors import ContactError, CRSError, InputError
from bingeo.readers.columns import coordinate_pairs, squash
from bingeo.readers.sheets import read_sheet_table
from bingeo.readers.sources import Notes, check_source, read_text_table, source_kind, zip_target
from bingeo.readers.values import read_dates

__all__ = [
    "COLUMN_ROLES",
    "CONSENT_NAMES",
    "MEMBER_COLUMNS",
    "MEMBER_REJECT_REASONS",
    "MembersResult",
    "WHATSAPP_MAX_MEMBERS",
    "columns_used",
    "full_whatsapp_groups",
    "import_members",
    "ROW_RULES_VERSION",
    "mark_missing_members_left",
    "members_from_frame",
    "members_from_file",
]

from bingeo.addresses import normalise_postcode  # noqa: E402

#: :func:`squash` of cell values, cached: a member list repeats its channel tokens, streets and places.
_squash = functools.lru_cache(maxsize=1 << 16)(squash)
_postcode = functools.lru_cache(maxsize=1 << 16)(normalise_postcode)
from bingeo.stores.base import MEMBER_FIELDS, Store  # noqa: E402

logger = logging.getLogger(__name__)

#: Members a WhatsApp group can hold: the limit a WhatsApp-buurtpreventie network (kind ``whatsapp``) must respect.
WHATSAPP_MAX_MEMBERS = 256
#: Read a member list a column at a time by the short way (contacts by :func:`bingeo._contacts.plain_phones`
#: and :func:`bingeo._contacts.plain_emails`, coordinates, postcode + plain house number); the rows it cannot
#: decide (and all rejects) go through the per-row rules. False: every row by the per-row rules.
QUICK_ROWS = True

#: Columns of the members frame: the store's ``members`` layer without its bookkeeping columns.
MEMBER_COLUMNS = [c for c, _ in MEMBER_FIELDS if c not in ("version", "updated_at")]

#: Reject reason codes and their description. ``bad_phone:<reason>`` and
#: ``bad_email:<reason>`` carry the :class:`bingeo.errors.ContactError` reason.
MEMBER_REJECT_REASONS: dict[str, str] = {
    "missing_member_id": "without member id",
    "duplicate_member_id": "with a member id seen in an earlier row",
    "bad_role": "with an unknown role",
    "bad_consent": "with an unreadable consent value",
    "bad_phone": "with an unusable phone number and no usable e-mail address",
    "bad_email": "with an unusable e-mail address and no usable phone number",
    "no_contact": "without phone number and e-mail address",
    "no_location": "without coordinates or address",
    "address_not_found": "with an address not in the address register",
    "ambiguous_address": "with an address matching several register entries",
}

# canonical key -> squashed aliases (see readers.squash), in order of preference. Dutch, Flemish, French, English:
# the names coordinators give their spreadsheet columns.
_ALIASES: dict[str, tuple[str, ...]] = {
    "member_id": ("memberid", "lidid", "idlid", "lidnummer", "lidnr", "registratienummer", "numerodemembre", "id"),
    "person_id": ("personid", "persoonid"),
    "name": ("name", "naam", "volledigenaam", "fullname", "nomcomplet", "nom"),
    "first_name": ("voornaam", "voornamen", "roepnaam", "prenom", "firstname", "givenname"),
    "infix": ("tussenvoegsel", "tussenvoegsels", "voorvoegsel", "tussenv"),
    "last_name": ("achternaam", "familienaam", "geslachtsnaam", "nomdefamille", "lastname", "surname", "familyname"),
    "email": (
        "email",
        "emailadres",
        "emailaddress",
        "mail",
        "mailadres",
        "courriel",
        "adresseemail",
        "adressemail",
        "adressecourriel",
    ),
    "mobile": (
        "mobiel",
        "mobielnummer",
        "mobielnr",
        "mobieltelefoonnummer",
        "mobieletelefoon",
        "telefoonmobiel",
        "gsm",
        "gsmnummer",
        "gsmnr",
        "06",
        "06nummer",
        "mobile",
        "mobilenumber",
        "mobilephone",
        "cellphone",
        "portable",
        "telportable",
        "telephoneportable",
        "numerodegsm",
    ),
    "phone": (
        "phone",
        "telefoon",
        "telefoonnummer",
        "telnr",
        "tel",
        "vast",
        "vastnummer",
        "vastetelefoon",
        "telefoonvast",
        "vastnr",
        "phonenumber",
        "telephone",
        "telephonefixe",
        "fixe",
        "telfixe",
    ),
    "channels": (
        "channels",
        "channel",
        "kanalen",
        "kanaal",
        "voorkeur",
        "voorkeurskanaal",
        "voorkeurkanaal",
        "kanaalvoorkeur",
        "preferredchannel",
        "canal",
        "canalprefere",
        "canaux",
    ),
    "consent": (
        "consent",
        "toestemming",
        "toestemmingavg",
        "avgtoestemming",
        "toestemminggegeven",
        "akkoord",
        "akkoordavg",
        "avgakkoord",
        "akkoordgegeven",
        "gdpr",
        "avg",
        "consentement",
        "accord",
        "accordrgpd",
        "rgpd",
    ),
    "consent_date": (
        "consentdate",
        "toestemmingdatum",
        "datumtoestemming",
        "toestemminggegevenop",
        "datumakkoord",
        "akkoorddatum",
        "dateconsentement",
        "dateaccord",
    ),
    "role": ("role", "rol", "functie", "fonction"),
    "networks": (
        "networks",
        "network",
        "netwerken",
        "netwerk",
        "bin",
        "bincode",
        "binnaam",
        "buurtpreventie",
        "reseau",
    ),
    "status": ("status", "lidstatus", "statut"),
    "left_on": ("lefton", "afgemeldop", "uitgeschrevenop", "einddatum", "datumafmelding", "datedesortie"),
    "postcode": ("postcode", "postalcode", "codepostal", "zip", "zipcode", "pc"),
    "huisnummer": ("huisnummer", "huisnr", "housenumber", "nummer", "nr", "numero"),
    "huisletter": ("huisletter", "houseletter", "letter"),
    "toevoeging": ("toevoeging", "huisnummertoevoeging", "addition", "bus", "busnummer", "boite"),
    "straat": ("straat", "straatnaam", "street", "openbareruimtenaam", "rue"),
    "woonplaats": ("woonplaats", "plaats", "city", "gemeente", "stad", "deelgemeente", "commune", "localite", "ville"),
    "x": (),
    "y": (),
}
# roles found by the start of a column name when no alias matches exactly ("Toestemming AVG 2024" -> consent);
# columns holding a date (datum/date/op) are never taken for these
_PREFIXES: dict[str, tuple[str, ...]] = {
    "consent": ("toestemming", "akkoord", "consent", "accord", "avg", "gdpr", "rgpd"),
    "email": ("email", "emailadres", "mailadres", "courriel"),
    "mobile": ("mobiel", "gsm", "mobile", "portable"),
    "phone": ("telefoon", "telephone", "phone"),
}
_NOT_BY_PREFIX = re.compile(r"datum|date|op$")
_ADDRESS_ID = ("adresid", "addressid", "adresref", "id", "identificatie", "nummeraanduidingid")

#: The roles `members import` reports in its "columns used" line, with the keys that fill each.
COLUMN_ROLES: dict[str, tuple[str, ...]] = {
    "id": ("member_id",),
    "name": ("first_name", "infix", "last_name", "name"),
    "consent": ("consent",),
    "mobile": ("mobile",),
    "phone": ("phone",),
    "e-mail": ("email",),
    "preferred channel": ("channels",),
    "location": ("x", "y", "postcode", "huisnummer", "huisletter", "toevoeging", "straat", "woonplaats"),
    "network": ("networks",),
    "status": ("status", "left_on"),
}

_CHANNELS = {
    "sms": "sms",
    "tekst": "sms",
    "text": "sms",
    "voice": "voice",
    "bellen": "voice",
    "call": "voice",
    "spraak": "voice",
    "telefoon": "voice",
    "email": "email",
    "mail": "email",
}
_CHANNEL_ORDER = ("sms", "voice", "email")
_YES = {"ja", "yes", "true", "1", "j", "y", "waar", "x", "akkoord", "oui", "ok", "gegeven", "v", "\u2713", "\u2714"}
_NO = {"nee", "neen", "no", "false", "0", "n", "onwaar", "non", "niet", "geen", "niks"}
_ROLES = {
    "member": "member",
    "lid": "member",
    "deelnemer": "member",
    "coordinator": "coordinator",
    "beheerder": "coordinator",
}
_LEFT = {"left", "afgemeld", "uitgeschreven", "opgezegd", "inactief", "inactive", "gestopt"}
_ACTIVE = {"active", "actief", "lid", "member"}
_HOUSE = re.compile(r"(\d{1,6})\s*([a-z])?(?:\s*[-/ ]\s*([0-9a-z]{1,4}))?")
_POSTCODE = re.compile(r"\d{4}[A-Z]{2}|\d{4}")
#: A cell that starts or ends with a character ``str.strip`` may remove (every ``str.isspace`` one, in RE2).
_EDGE_SPACE = r"^[\t-\r\x1c-\x1f\x85\p{Z}]|[\t-\r\x1c-\x1f\x85\p{Z}]$"
_PLAIN_NUMBER = re.compile(r"[0-9]{1,6}")
#: A postcode (normalised) the short way takes: :data:`_POSTCODE` in ASCII digits.
_ASCII_POSTCODE = r"^(?:[0-9]{4}[A-Z]{2}|[0-9]{4})$"


@dataclass(repr=False)
class MembersResult(Result):
    """Members read from one source, and the rows that could not be used.

    Attributes
    ----------
    members : geopandas.GeoDataFrame
        :data:`MEMBER_COLUMNS` then ``geometry`` (points), index ``0..n-1``.
    rejects : pandas.DataFrame
        ``source_row`` (1-based data row), ``member_id`` (when the row had one),
        ``reject_reason`` and ``reject_detail``. No other member value.
    notes : list of str
        Decisions and counts (columns detected, contacts blanked, ...).
    source : str
        The source label.
    columns : dict
        The column(s) used for each role of :data:`COLUMN_ROLES` (``""`` when none), e.g.
        ``{"id": "Lidnummer", "name": "Voornaam+Tussenvoegsel+Achternaam", "consent": "Toestemming AVG", ...}``.
    unchanged : pandas.DataFrame
        ``member_id`` and ``consent`` of the kept members that :func:`import_members` did not check again: the
        store already held them from the same row of the same list (empty otherwise). They count as kept.
    """

    members: gpd.GeoDataFrame
    rejects: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    source: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    unchanged: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"member_id": [], "consent": []}))

    @property
    def with_consent(self) -> int:
        """Members kept with consent: the only ones an alert can reach."""
        checked = int(self.members["consent"].astype(bool).sum()) if len(self.members) else 0
        return checked + int(self.unchanged["consent"].astype(bool).sum())

    def summary(self) -> str:
        """Return a one-line account with counts only.

        Returns
        -------
        str
            E.g. ``"Read 10 member rows from x.csv: 8 kept (7 with consent), 2 rejected (1 no_contact, ...)"``.
        """
        n_ok, n_bad = len(self.members) + len(self.unchanged), len(self.rejects)
        text = (
            f"Read {n_ok + n_bad:,} member rows from {self.source}: {n_ok:,} kept ({self.with_consent:,} with "
            f"consent), {n_bad:,} rejected"
        )
        if n_bad:
            counts = self.rejects["reject_reason"].value_counts()
            items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            text += " (" + ", ".join(f"{n:,} {k}" for k, n in items) + ")"
        return text

    def __repr__(self) -> str:
        """Return the summary, never member values."""
        return f"MembersResult({self.summary()})"


# ---------------------------------------------------------------- helpers


def _cell(value: Any) -> str:
    """Return a cell as stripped text; missing values become ``""``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, (np.floating,)):
        return _cell(float(value))
    return str(value).strip()


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (if it runs) while many acyclic objects are made."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: ASCII bytes ``str.strip`` removes (``\t``-``\r``, ``\x1c``-``\x1f``, space), by byte value.
_STRIPPED_BYTES = np.isin(np.arange(256), [*range(9, 14), *range(28, 33)])


def _edge_space(arr: pa.ChunkedArray) -> bool:
    """Whether a text of ``arr`` (Arrow ``string``) starts or ends with a character ``str.strip`` removes.

    Looks at the first and last byte of each text (numpy over Arrow's buffers); only texts that start or end
    with a non-ASCII character are matched against :data:`_EDGE_SPACE` (RE2 over whole columns cost ~80 ms a
    column per 1 M rows). A null slot counts as a text: at worst the column takes the careful way.
    """
    for chunk in arr.chunks:
        _, offsets, data = chunk.buffers()
        if not len(chunk) or data is None or not data.size:
            continue
        ends = np.frombuffer(offsets, np.int32, len(chunk) + 1, chunk.offset * 4)
        full = np.flatnonzero(ends[1:] > ends[:-1])
        text = np.frombuffer(data, np.uint8)
        first, last = text[ends[:-1][full]], text[ends[1:][full] - 1]
        if _STRIPPED_BYTES[first].any() or _STRIPPED_BYTES[last].any():
            return True
        odd = full[(first >= 0x80) | (last >= 0x80)]
        if len(odd) and pc.any(pc.match_substring_regex(chunk.take(pa.array(odd)), _EDGE_SPACE)).as_py():
            return True
    return False


def _cells(column: pd.Series) -> list[str]:
    """Return a column as :func:`_cell` texts; text cells (most of them) take the short way."""
    texts = _plain_texts(column)
    return texts.to_pylist() if texts is not None else _cells_one_by_one(column)


def _cells_one_by_one(column: pd.Series) -> list[str]:
    """:func:`_cells` of a column, cell by cell."""
    if column.dtype != object and not isinstance(column.dtype, pd.StringDtype):
        return [_cell(v) for v in column.to_numpy()]
    return [v.strip() if type(v) is str else _cell(v) for v in column.tolist()]


def _plain_texts(column: pd.Series) -> pa.Array | None:
    """Return :func:`_cells` of an Arrow text column as one Arrow string array, when no text has edge spaces."""
    if getattr(column.dtype, "storage", None) != "pyarrow" or not isinstance(column.dtype, pd.StringDtype):
        return None
    arr = pa.chunked_array(column.array._pa_array).cast(pa.string())
    return None if _edge_space(arr) else pc.fill_null(arr, "").combine_chunks()


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    """Lower-case ASCII form without accents, for matching words (coördinator -> coordinator)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.casefold().strip()


def _has_member_id(names: list[str]) -> bool:
    """Whether a sheet's header names a member id column (how a members sheet is told from the others)."""
    return any(squash(n) in _ALIASES["member_id"] for n in names)


def _take(values: list[Any], order: np.ndarray) -> list[Any]:
    """Return ``[values[k] for k in order]`` (the same objects), a column at a time."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr[order].tolist()


def _dates(texts: list[str]) -> list[datetime | None]:
    """Read a column of date texts with THE date parser (:func:`bingeo.readers.values.read_dates`)."""
    at = [k for k, t in enumerate(texts) if t]  # empty cells are no dates and weigh in no column rule
    out: list[datetime | None] = [None] * len(texts)
    if at:
        got = read_dates(pd.Series([texts[k] for k in at], dtype=object)).values
        for k, v in zip(at, got):
            out[k] = None if pd.isna(v) else v.to_pydatetime()
    return out


@functools.lru_cache(maxsize=1 << 12)
def _networks(text: str) -> str:
    """Return the networks of a cell, ``;``-joined, each once."""
    networks: list[str] = []
    for net in re.split(r"[;,]", text):
        if net.strip() and net.strip() not in networks:
            networks.append(net.strip())
    return ";".join(networks)


def _person_id(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    return "p-" + digest[:16]


def _frame_of(columns: Mapping[str, Any], order: np.ndarray) -> pd.DataFrame:
    """Return ``pandas.DataFrame({c: [values[k] for k in order]})``, text columns ~7x faster than pandas makes them.

    A column of texts and None (at least one text) goes to Arrow in one call and becomes the text column pandas
    would make of it; any other column is left to pandas. A column may also be given in two pieces, ``(head,
    tail)``: ``head`` a list or an Arrow string array (null for None), ``tail`` a list; as ``head + tail``.
    """
    sample = pd.Series(["a"])
    dtype, arrow = sample.dtype, getattr(sample.array, "_pa_array", None)
    out: dict[str, Any] = {}
    for name, given in columns.items():
        texts = None
        values = given
        if isinstance(given, tuple):
            head, tail = given
            if isinstance(head, pa.Array) and arrow is not None and len(head):
                try:  # texts already in Arrow: no list of them is made
                    texts = pa.concat_arrays([head.cast(arrow.type), pa.array(tail, arrow.type)])
                except (pa.ArrowTypeError, pa.ArrowInvalid):
                    texts = None
            if texts is not None:
                if texts.null_count < len(texts):
                    out[name] = pd.arrays.ArrowStringArray(texts.take(pa.array(order)), dtype=dtype)
                    continue
                values = head.to_pylist() + tail
            else:
                values = (head.to_pylist() if isinstance(head, pa.Array) else head) + tail
        if arrow is not None and values and isinstance(values[0], (str, type(None))):
            try:
                texts = pa.array(values, arrow.type)
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                texts = None
        if texts is not None and texts.null_count < len(texts):
            out[name] = pd.arrays.ArrowStringArray(texts.take(pa.array(order)), dtype=dtype)
        else:
            out[name] = _take(values, order)
    return pd.DataFrame(out)


def _person_of(given: str | None, email: str | None, phone: str | None) -> str:
    """Return the person id of a row: the one ``given``, else from the e-mail address, else from the phone."""
    if given:
        return given
    return _person_id("email", email.casefold()) if email else _person_id("phone", str(phone))


def _person_ids(given: list[str], emails: list[str | None], phones: list[str | None]) -> list[str]:
    """Return the person id of each row as :meth:`_Sheet.row` makes it (:func:`_person_of`)."""
    return [_person_of(pid, email, phone) for pid, email, phone in zip(given, emails, phones)]


#: The hexadecimal digits, by value (person ids written by numpy).
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

# CPython's own SHA-256 (3.12+: _sha2, 3.11: _sha256) makes no OpenSSL context per text: ~30 % faster than
# hashlib.sha256 for a person id's short text, the same digests; hashlib.sha256 where Python was built without it
try:
    from _sha2 import sha256 as _sha256_short  # type: ignore[import-not-found]
except ImportError:
    try:
        from _sha256 import sha256 as _sha256_short  # type: ignore[import-not-found,no-redef]
    except ImportError:
        _sha256_short = hashlib.sha256


def _person_id_array(given: pa.Array, emails: pa.Array, phones: pa.Array) -> pa.Array:
    """Return :func:`_person_ids` as an Arrow string array, for e-mail addresses in ASCII (the short way's).

    ``given`` holds no nulls; ``emails`` and ``phones`` are null where :func:`_person_ids` has None, and each row
    has one of them. An ASCII address is case-folded as ``str.casefold`` does (ASCII lower case). Each digest is
    one SHA-256 (hashlib, per row); the hexadecimal texts are written by numpy into one Arrow buffer.
    """
    n = len(given)
    made = np.flatnonzero(pc.equal(given, "").to_numpy(zero_copy_only=False))
    if not len(made):
        return given
    at = pa.array(made)
    mails, numbers = emails.take(at), phones.take(at)
    texts = pc.if_else(
        mails.is_valid(),
        pc.binary_join_element_wise("email:", pc.ascii_lower(mails), ""),
        pc.binary_join_element_wise("phone:", numbers, ""),
    )
    sha = _sha256_short
    raw = b"".join([sha(t).digest()[:8] for t in texts.cast(pa.binary()).to_numpy(zero_copy_only=False).tolist()])
    digits = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 8)
    chars = np.empty((len(made), 18), dtype=np.uint8)
    chars[:, 0], chars[:, 1] = ord("p"), ord("-")
    chars[:, 2::2], chars[:, 3::2] = _HEX_DIGITS[digits >> 4], _HEX_DIGITS[digits & 15]
    ends = np.arange(0, 18 * len(made) + 1, 18, dtype=np.int32)
    ids = pa.Array.from_buffers(pa.string(), len(made), [None, pa.py_buffer(ends), pa.py_buffer(chars)])
    if len(made) == n:
        return ids
    # the made ids into the given ones' places: given texts first, then the made ones, taken in row order
    where = np.arange(n, dtype=np.int64)
    where[made] = n + np.arange(len(made))
    return pa.concat_arrays([given, ids]).take(pa.array(where))


def _detect(columns: list[str], fields: Mapping[str, str] | None, label: str) -> dict[str, str]:
    found: dict[str, str] = {}
    fields = dict(fields or {})
    unknown = sorted(set(fields) - set(_ALIASES))
    if unknown:
        msg = f"`fields` has unknown key(s) {unknown}; valid keys: {', '.join(sorted(_ALIASES))}"
        raise InputError(msg)
    for key, col in fields.items():
        if col in columns:
            found[key] = col
            continue
        folded = [c for c in columns if str(c).casefold() == str(col).casefold()]
        if len(folded) != 1:
            msg = f"{label}: no column {col!r} for `fields[{key!r}]`. Columns: {', '.join(map(str, columns))}."
            raise InputError(msg)
        found[key] = folded[0]
    squashed = {c: squash(c) for c in columns}
    used = set(found.values())

    def take(key: str, hits: list[str]) -> None:
        if hits and key not in found:
            found[key] = hits[0]
            used.add(hits[0])

    for key, aliases in _ALIASES.items():
        for alias in aliases:
            take(key, [c for c in columns if squashed[c] == alias and c not in used])
    for key, prefixes in _PREFIXES.items():
        for prefix in prefixes:
            hits = [c for c in columns if c not in used and squashed[c].startswith(prefix)]
            take(key, [c for c in hits if not _NOT_BY_PREFIX.search(squashed[c])])
    if ("x" in found) != ("y" in found):
        msg = "`fields` must name both 'x' and 'y' coordinate columns, or neither"
        raise InputError(msg)
    if "x" not in found:
        pairs = [p for p in coordinate_pairs([c for c in columns if c not in used])]
        if pairs:
            found["x"], found["y"] = pairs[0][0], pairs[0][1]
            found["_xy_kind"] = pairs[0][2]
    return found


def columns_used(cols: Mapping[str, str], order: Sequence[str] = ()) -> dict[str, str]:
    """Return, for each role of :data:`COLUMN_ROLES`, the column(s) that fill it ('' when none).

    Parameters
    ----------
    cols : mapping
        Canonical key -> column name, as detected.
    order : sequence of str
        The source's columns: address columns are listed in this order.

    Returns
    -------
    dict
        E.g. ``{"id": "Lidnummer", "name": "Voornaam+Achternaam", "consent": "", ...}``.
    """
    out = {}
    for role, keys in COLUMN_ROLES.items():
        names = [cols[k] for k in keys if k in cols and not k.startswith("_")]
        if role == "name" and any(k in cols for k in ("first_name", "last_name")):
            names = [cols[k] for k in ("first_name", "infix", "last_name", "name") if k in cols][:3]
            if "last_name" in cols:  # a 'Naam' beside Voornaam/Achternaam is not part of the name
                names = [cols[k] for k in ("first_name", "infix", "last_name") if k in cols]
        if role == "location":
            xy = "+".join(str(cols[k]) for k in ("x", "y") if k in cols)
            place = {str(c): i for i, c in enumerate(order)}
            names = sorted((str(cols[k]) for k in keys[2:] if k in cols), key=lambda c: place.get(c, len(place)))
            address = "+".join(names)
            out[role] = " or ".join(t for t in (xy, address) if t)
            continue
        out[role] = "+".join(str(n) for n in names)
    return out


def _to_float(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


#: A coordinate cell Arrow reads as :func:`_to_float` does (plain decimals, a point or one decimal comma).
_PLAIN_DECIMAL = r"^-?[0-9]{1,15}(?:[.,][0-9]{1,15})?$"
#: The ASCII characters Python's ``\s`` matches (what :func:`bingeo.addresses.normalise_postcode` removes).
_ASCII_SPACES = r"[\t-\r\x1c-\x1f ]+"


def _floats(texts: list[str]) -> list[float | None]:
    """Return :func:`_to_float` of each text, a column at a time: plain decimals by Arrow, the rest one by one."""
    arr = pa.array(texts, pa.string())
    plain = pc.fill_null(pc.match_substring_regex(arr, _PLAIN_DECIMAL), False)
    read = pc.cast(pc.replace_substring(pc.if_else(plain, arr, "0"), ",", "."), pa.float64())
    out: list[float | None] = read.to_pylist()
    for k in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist():
        out[k] = _to_float(texts[k])
    return out


def _float_array(texts: pa.Array) -> np.ndarray:
    """Return :func:`_floats` of an Arrow string array (no nulls) as float64, NaN for None (a number is finite)."""
    plain = pc.fill_null(pc.match_substring_regex(texts, _PLAIN_DECIMAL), False)
    read = pc.cast(pc.replace_substring(pc.if_else(plain, texts, "0"), ",", "."), pa.float64())
    out = np.array(read.to_numpy(zero_copy_only=False), dtype=np.float64)
    for k in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist():
        value = _to_float(texts[k].as_py())
        out[k] = np.nan if value is None else value
    return out


def _postcode_array(texts: pa.Array) -> pa.Array:
    """Return :func:`_postcodes` of an Arrow string array (no nulls) as an Arrow string array (null for None)."""
    ascii_ = pc.fill_null(pc.string_is_ascii(texts), False).to_numpy(zero_copy_only=False)
    out = pc.ascii_upper(pc.replace_substring_regex(texts, _ASCII_SPACES, ""))
    odd = np.flatnonzero(~ascii_)
    if len(odd):
        values = out.to_pylist()
        for k in odd.tolist():
            values[k] = _postcode(texts[k].as_py())
        out = pa.array(values, pa.string())
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


def _postcodes(texts: list[str]) -> list[str | None]:
    """Return :func:`bingeo.addresses.normalise_postcode` of each text, a column at a time (ASCII ones by Arrow)."""
    arr = pa.array(texts, pa.string())
    ascii_ = pc.fill_null(pc.string_is_ascii(arr), False)
    out: list[str | None] = pc.ascii_upper(pc.replace_substring_regex(arr, _ASCII_SPACES, "")).to_pylist()
    for k in np.flatnonzero(~ascii_.to_numpy(zero_copy_only=False)).tolist():
        out[k] = _postcode(texts[k])
    return [t or None for t in out]


def _house_numbers(column: pd.Series) -> list[int]:
    """Return ``int(_cell(v))`` of each house number of a register, -1 where that fails; numbers as numbers."""
    values = column.to_numpy()
    if values.dtype.kind in "iu":
        return values.astype(np.int64).tolist()
    if values.dtype.kind == "f":
        whole = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2.0**53)
        if whole.all() or not (np.isfinite(values) & ~whole).any():  # whole numbers, and missing ones (-1)
            return np.where(whole, values, -1).astype(np.int64).tolist()
    out = []
    for text in _cells(column):
        try:
            out.append(int(text))
        except ValueError:
            out.append(-1)
    return out


#: Numbers a plain (postcode, house number) key holds: house numbers of at most 6 digits.
_KEY_NUMBERS = 1_000_000


def _postcode_keys(codes: pa.Array, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return one int64 key per (postcode, house number) and whether it is plain.

    Plain: the postcode (as :func:`_postcodes` writes it) is ``1234AB`` or ``1234`` (:data:`_ASCII_POSTCODE`) and
    the number is 0-999,999. Two plain pairs are equal exactly when their keys are: the 4 digits, each letter
    (or none) and the number each have their own place. Other pairs get key 0, not to be looked up.
    """
    n = len(codes)
    numbers = np.asarray(numbers, dtype=np.int64)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    good = pc.fill_null(pc.match_substring_regex(codes, _ASCII_POSTCODE), False).to_numpy(zero_copy_only=False)
    good = good & (numbers >= 0) & (numbers < _KEY_NUMBERS)
    # each code as 6 bytes: 4 digits and 2 letters, "@" (the byte before "A") for no letter
    six = pc.utf8_rpad(pc.if_else(good, codes, "0000"), 6, "@").cast(pa.binary())
    _, ends, data = six.buffers()
    step = np.frombuffer(ends, np.int32, n + 1, six.offset * 4)
    if n and not np.array_equal(step, np.arange(step[0], step[0] + 6 * n + 1, 6, dtype=np.int32)):
        raise AssertionError("postcodes of 6 bytes expected")  # pragma: no cover - rpad makes them so
    raw = np.frombuffer(data, np.uint8, 6 * n, step[0] if n else 0).reshape(n, 6).astype(np.int64)
    digits = ((raw[:, 0] - 48) * 10 + raw[:, 1] - 48) * 100 + (raw[:, 2] - 48) * 10 + raw[:, 3] - 48
    code = digits * 729 + (raw[:, 4] - 64) * 27 + (raw[:, 5] - 64)
    return np.where(good, code * _KEY_NUMBERS + numbers, 0), good


#: A postcode :func:`_postcode_keys` calls plain (ASCII digits and capitals).
_PLAIN_POSTCODE = re.compile(r"[0-9]{4}(?:[A-Z]{2})?")


def _postcode_key(code: str, number: int) -> int | None:
    """Return the key :func:`_postcode_keys` gives one (postcode, number) pair, None where it is not plain."""
    if not 0 <= number < _KEY_NUMBERS or _PLAIN_POSTCODE.fullmatch(code) is None:
        return None
    letters = (ord(code[4]) - 64) * 27 + ord(code[5]) - 64 if len(code) == 6 else 0
    return (int(code[:4]) * 729 + letters) * _KEY_NUMBERS + number


class _AddressIndex:
    """Address register keyed by (postcode, number) and (street, number)."""

    def __init__(self, addresses: gpd.GeoDataFrame, notes: Notes) -> None:
        if not isinstance(addresses, gpd.GeoDataFrame):
            msg = f"`addresses` should be a GeoDataFrame, got {type(addresses).__name__}"
            raise TypeError(msg)
        if addresses.crs is None:
            msg = "Cannot transform naive geometries. Please set a crs on the object first."
            raise CRSError(msg)
        cols = [c for c in addresses.columns if c != addresses.geometry.name]
        squashed = {c: squash(c) for c in cols}

        def pick(aliases: tuple[str, ...]) -> str | None:
            for alias in aliases:
                for c in cols:
                    if squashed[c] == alias:
                        return c
            return None

        self.cols = {
            k: pick(_ALIASES[k]) for k in ("postcode", "huisnummer", "huisletter", "toevoeging", "straat", "woonplaats")
        }
        if self.cols["huisnummer"] is None:
            msg = f"`addresses` has no house number column (huisnummer). Columns: {', '.join(map(str, cols))}."
            raise InputError(msg)
        id_col = pick(_ADDRESS_ID)
        if id_col is None:
            notes.add("`addresses` has no id column (adres_id): address_ref is the row label in `addresses`.")
        self.by_street: dict[tuple[str, int], list[int]] = {}
        self.rows: list[tuple[str, str, str, str]] = []  # (letter, toevoeging, woonplaats, ref)
        self.geoms = addresses.geometry.to_numpy()
        self.crs = addresses.crs

        def column(key: str) -> list[str]:
            name = self.cols[key]
            return [""] * len(addresses) if name is None else _cells(addresses[name])

        pcs, lets, toes, streets, places = (
            column(k) for k in ("postcode", "huisletter", "toevoeging", "straat", "woonplaats")
        )
        refs = _cells(addresses[id_col]) if id_col else [_cell(v) for v in addresses.index.to_numpy()]
        codes = _postcodes(pcs)
        numbers = _house_numbers(addresses[self.cols["huisnummer"]])
        self.refs = np.empty(len(refs), dtype=object)
        self.refs[:] = refs
        self._postcode_rows = (pcs, codes, numbers)  # for :attr:`by_postcode`, made when first asked for
        # the plain (postcode, number) keys (:func:`_postcode_keys`), sorted, and their rows (in row order)
        keys, good = _postcode_keys(pa.array(codes, pa.string()), np.asarray(numbers, dtype=np.int64))
        at = np.flatnonzero(good)
        order = np.argsort(keys[at], kind="stable")
        self.plain_keys, self.plain_rows = keys[at][order], at[order]
        for i, num in enumerate(numbers):
            self.rows.append((_fold(lets[i]), _fold(toes[i]), _squash(places[i]), refs[i]))
            if streets[i]:
                self.by_street.setdefault((_squash(streets[i]), num), []).append(i)

    @functools.cached_property
    def by_postcode(self) -> dict[tuple[str, int], list[int]]:
        """The rows of each (postcode, number) of the register (rows with a postcode cell), in row order."""
        pcs, codes, numbers = self._postcode_rows
        out: dict[tuple[str, int], list[int]] = {}
        for i, num in enumerate(numbers):
            if pcs[i]:
                out.setdefault(((codes[i] or ""), num), []).append(i)
        return out

    def candidates(self, code: str, number: int) -> list[int]:
        """Return ``by_postcode.get((code, number), [])``: a plain key from the sorted keys, others from the dict."""
        key = _postcode_key(code, number)
        if key is None:
            return self.by_postcode.get((code, number), [])
        lo, hi = np.searchsorted(self.plain_keys, key, "left"), np.searchsorted(self.plain_keys, key, "right")
        return self.plain_rows[lo:hi].tolist()

    def candidate_spans(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return where the rows of each plain key (:func:`_postcode_keys`) start in :attr:`plain_rows`; how many."""
        lo = np.searchsorted(self.plain_keys, keys, "left")
        return lo, np.searchsorted(self.plain_keys, keys, "right") - lo

    def match(self, cands: list[int], letter: str, addition: str, place: str) -> tuple[str, int | None]:
        """Return ('ok', index), ('address_not_found', None) or ('ambiguous_address', None)."""
        if place:
            cands = [i for i in cands if not self.rows[i][2] or self.rows[i][2] == place]
        if not cands:
            return "address_not_found", None
        if letter or addition:
            exact = [i for i in cands if self.rows[i][0] == letter and self.rows[i][1] == addition]
            if not exact and not letter:
                # "12-2" may be written for huisletter as well as toevoeging
                exact = [i for i in cands if self.rows[i][0] == addition and not self.rows[i][1]]
        else:
            exact = [i for i in cands if not self.rows[i][0] and not self.rows[i][1]]
            if not exact and len(cands) == 1:
                exact = cands
        if not exact:
            return ("ambiguous_address" if not (letter or addition) else "address_not_found"), None
        if len(exact) > 1:
            return "ambiguous_address", None
        return "ok", exact[0]


# ---------------------------------------------------------------- main


def members_from_frame(
    frame: pd.DataFrame | gpd.GeoDataFrame,
    *,
    crs: CRSLike | None = None,
    addresses: gpd.GeoDataFrame | None = None,
    default_country: str = "NL",
    fields: Mapping[str, str] | None = None,
    source: str = "<frame>",
) -> MembersResult:
    """Check and locate a member list given as a (Geo)DataFrame.

    Columns are detected case-insensitively by their Dutch, Flemish, French
    or English name (``Lidnummer``, ``Voornaam`` + ``Tussenvoegsel`` +
    ``Achternaam`` or ``Naam``, ``Nom`` + ``Prénom``, ``E-mailadres``,
    ``Courriel``, ``Mobiel``/``GSM``, ``Telefoon``/``Vast``, ``Kanaal``,
    ``Toestemming AVG``/``Akkoord``/``Consentement``, ``Rol``, ``BIN``,
    ``Postcode``, ``Huisnummer``, ``Huisletter``, ``Toevoeging``/``Bus``,
    ``Straat``, ``Woonplaats``/``Gemeente``, ``x``/``y``, ``lon``/``lat``,
    ...; see ``_ALIASES``); ``fields`` overrides. ``columns`` of the result
    says which column filled each role (:data:`COLUMN_ROLES`). Every input
    row ends up exactly once, in ``members`` or in ``rejects``.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        One row per registration. Not modified.
    crs : CRS-like, optional, keyword-only
        CRS of coordinate columns (lon/lat columns default to EPSG:4326). A
        GeoDataFrame's own CRS is used for its geometry.
    addresses : geopandas.GeoDataFrame, optional, keyword-only
        Address register (columns like postcode, huisnummer, huisletter,
        toevoeging, straat, woonplaats, adres_id) for members located by
        address. Members are returned in its CRS.
    default_country : {"NL", "BE"}, keyword-only
        Country of phone numbers without an international prefix.
    fields : mapping, optional, keyword-only
        Canonical key -> column name, e.g. ``{"member_id": "nr"}``. Keys:
        member_id, person_id, name, first_name, infix, last_name, email,
        mobile, phone, channels, consent, consent_date, role, networks,
        status, left_on, postcode, huisnummer, huisletter, toevoeging, straat,
        woonplaats, x, y.
    source : str, keyword-only
        Label used in messages and the summary.

    Returns
    -------
    MembersResult
        ``members`` (:data:`MEMBER_COLUMNS` + geometry), ``rejects``, ``notes``.

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame.
    InputError
        A ``fields`` column does not exist; no member id column; rows need an
        address lookup but ``addresses`` is missing.
    CRSError
        Coordinates without a ``crs``.

    Notes
    -----
    Decisions:

    - ``duplicate_member_id``: the first row with a member id is judged on its
      own merits; every later row with the same id is rejected.
    - Phones: with a mobile column and a phone column, one number is kept
      (the store holds one): the first usable mobile number (SMS and calls),
      else the first usable number, mobile column first; the count of rows
      with two usable numbers is in ``notes``.
    - A member with one unusable contact (bad e-mail but good phone, or the
      reverse) is kept with that contact blanked; the count is in ``notes``.
      Only when no usable contact remains is the row rejected, as
      ``bad_phone:<reason>`` when a phone was given, else
      ``bad_email:<reason>``, or ``no_contact`` when neither was given.
      Service numbers (0800/0900) cannot receive alerts: ``service_number``.
    - A member without consent (``nee``/``neen``/``non``, or an empty consent
      cell, or no consent column) is kept with ``consent=False``; consent is
      ``ja``/``yes``/``akkoord``/``oui``/``x``/``1``/a check mark, or a text
      starting with such a word (``Ja, akkoord``); an unreadable consent value
      is ``bad_consent``. Without a consent column a note says that no alert
      will reach these members.
    - An empty role means ``member``; an unknown role is ``bad_role``.
    - ``channels`` becomes ``;``-joined tokens among sms, voice, email.
      Channels the member's contacts cannot serve (sms without mobile) are
      dropped; without any channel given, they follow from the contacts.
    - ``person_id``: the given column, else ``"p-"`` + the first 16 hex digits
      of the SHA-256 of the lower-cased e-mail (or, without e-mail, of the
      E.164 phone), so that the same person registered at several addresses
      gets one id. It is a pseudonym, not anonymous: whoever has a candidate
      address can recompute it.
    - Location, per row: the GeoDataFrame geometry, else coordinates, else
      postcode + huisnummer (+ huisletter/toevoeging), else straat +
      huisnummer (+ woonplaats). ``located_by`` says which. Without a letter
      the address without letter is chosen; ``address_ref`` is the matched
      address id.
    - ``status`` is ``"left"`` when a status column says so (afgemeld,
      uitgeschreven, ...) or ``left_on`` holds a date, else ``"active"``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lid_id": ["1", "2"], "telefoon": ["06-12345678", ""],
    ...                    "toestemming": ["ja", "nee"], "x": ["233000", "233100"], "y": ["582000", "582100"]})
    >>> res = members_from_frame(df, crs=28992)
    >>> res.members[["member_id", "phone", "channels", "consent"]]
      member_id         phone channels  consent
    0         1  +31612345678      sms     True
    >>> res.summary()
    'Read 2 member rows from <frame>: 1 kept (1 with consent), 1 rejected (1 no_contact)'
    """
    return _check_members(
        frame, crs=crs, addresses=addresses, default_country=default_country, fields=fields, source=source
    )[0]


def _check_members(
    frame: pd.DataFrame | gpd.GeoDataFrame,
    *,
    crs: CRSLike | None,
    addresses: gpd.GeoDataFrame | None,
    default_country: str,
    fields: Mapping[str, str] | None,
    source: str,
    row_numbers: np.ndarray | None = None,
    days: Mapping[str, list[datetime | None]] | None = None,
    unchanged: pd.DataFrame | None = None,
    prior: Counter[str] | None = None,
    index_of: Callable[[], tuple[_AddressIndex | None, list[str]]] | None = None,
) -> tuple[MembersResult, list[int], dict[int, Counter[str]]]:
    """:func:`members_from_frame`, also returning the kept rows' positions in ``frame`` and each row's counts.

    For the rows of a list that :func:`import_members` checks again: ``row_numbers`` are their 0-based rows in
    the whole list, ``days`` the date columns read over the whole list, ``unchanged`` the members it did not
    check again (``member_id``, ``consent``) and ``prior`` their counts of :data:`_COUNT_NOTES`.
    ``index_of`` (instead of ``addresses``) gives the register's index and its notes (:func:`_register_index`)
    once the list's columns are read: the store's read of the register may run beside them.
    """
    if not isinstance(frame, pd.DataFrame):
        msg = f"`frame` should be a DataFrame or GeoDataFrame, got {type(frame).__name__}"
        raise TypeError(msg)
    if not isinstance(default_country, str) or default_country.upper() not in ("NL", "BE"):
        msg = f"`default_country` must be 'NL' or 'BE', got {default_country!r}"
        raise InputError(msg)
    notes = Notes(source)
    is_geo = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
    geom_name = frame.geometry.name if is_geo else None
    columns = [str(c) for c in frame.columns if c != geom_name]
    cols = _detect(columns, fields, source)
    if "member_id" not in cols:
        msg = f"{source}: no member id column (member_id, lid_id, lidnummer, id). Columns: {', '.join(columns)}."
        raise InputError(msg)
    used = columns_used(cols, columns)
    notes.add("Columns used: " + ", ".join(f"{k}={v or '(none)'}" for k, v in used.items()) + ".")
    with _no_gc():  # the address index and the short way's contacts: many small acyclic objects too
        sheet = _Sheet(frame, cols, None, default_country, source, is_geo, days)
        if index_of is not None:  # asked for when the short way needs it (or below)
            sheet.index_of = index_of
        else:
            sheet.index = _AddressIndex(addresses, notes) if addresses is not None else None

    reasons: list[tuple[int, str, str]] = []  # (row, code, detail)
    kept: list[dict[str, Any]] = []
    kept_geom: list[tuple[Any, str]] = []  # (geometry, 'target' | 'coords' | 'frame')
    with _no_gc():  # a dict per row, no cycles: the collector's full passes cost ~20 % of a 1 M-row list
        if QUICK_ROWS:
            quick_rows, quick_cols, (quick_place, quick_kinds) = sheet.quick_rows(is_geo)
        else:
            quick_rows, quick_cols, quick_place, quick_kinds = [], {}, np.empty(0, object), np.empty(0, object)
        index = sheet.index
        notes.extend(sheet.index_notes)  # (logged when made)
        coord_crs, target = _crs_of(cols, crs, frame.crs if is_geo else None, index, notes)
        # the short way's rows hold the first row of each of their ids: the rows before any other row hold
        # those ids only if they are these rows, so they are all seen at once
        slow = np.ones(sheet.n, dtype=bool)
        slow[quick_rows] = False
        slow_rows = np.flatnonzero(slow).tolist()
        # (of those, only the ids a row of the per-row rules also holds can be asked for)
        mids = sheet.texts("member_id")
        quick_ids = mids.take(pa.array(quick_rows, pa.int64()))
        shared = pc.is_in(quick_ids, value_set=mids.take(pa.array(slow_rows, pa.int64())))
        seen_ids: set[str] = set(quick_ids.filter(shared).to_pylist())
        sheet.keep_rows(slow_rows)
        kept_at: list[int] = []
        for i in slow_rows:
            row = sheet.row(i, seen_ids)
            if isinstance(row, tuple):
                reasons.append((i, *row))
                continue
            kept_geom.append(row.pop("_geom"))
            kept.append(row)
            kept_at.append(i)
    kept_pos = sorted(quick_rows + kept_at)
    places = np.empty(len(quick_rows) + len(kept_at), dtype=object)
    places[: len(quick_rows)] = quick_place
    places[len(quick_rows) :] = np.fromiter((g for g, _ in kept_geom), dtype=object, count=len(kept_at))
    kinds = np.concatenate([quick_kinds, np.array([k for _, k in kept_geom], dtype=object)])
    if quick_rows:  # both ways' members, in row order
        order = np.argsort(np.array(quick_rows + kept_at, dtype=np.int64), kind="stable")
        places, kinds = places[order], kinds[order]
        kept = _frame_of({c: (quick_cols[c], [r[c] for r in kept]) for c in MEMBER_COLUMNS}, order)  # type: ignore[assignment]

    out_geoms = _to_target(places, kinds, coord_crs, frame, is_geo, target, notes)
    target = out_geoms.crs
    members = pd.DataFrame(kept, columns=MEMBER_COLUMNS) if isinstance(kept, list) else kept
    members["consent"] = members["consent"].astype(bool)
    for c in ("consent_date", "left_on"):
        members[c] = pd.to_datetime(members[c])
    result = gpd.GeoDataFrame(members, geometry=out_geoms.reset_index(drop=True), crs=target).reset_index(drop=True)
    numbers = np.arange(sheet.n) if row_numbers is None else np.asarray(row_numbers)
    rejects = pd.DataFrame(
        {
            "source_row": pd.Series([int(numbers[r]) + 1 for r, _, _ in reasons], dtype="int64"),
            "member_id": pd.Series([sheet.data["member_id"][r] or None for r, _, _ in reasons], dtype=object),
            "reject_reason": pd.Series([c for _, c, _ in reasons], dtype=object),
            "reject_detail": pd.Series([d for _, _, d in reasons], dtype=object),
        }
    )
    counts = sheet.counts + (prior or Counter())
    for key, text in _COUNT_NOTES.items():
        if counts[key]:
            notes.add(f"{counts[key]:,} {text}.")
    if "consent" not in cols:
        notes.add(
            f"No consent column found (looked for {', '.join(CONSENT_NAMES)}): every member is stored without "
            "consent, and no alert will reach any of them."
        )
    dup = sum(1 for _, c, _ in reasons if c == "duplicate_member_id")
    if dup:
        notes.add(f"{dup:,} row(s) repeat an earlier member id and were rejected; the first row of each id is kept.")
    out = MembersResult(members=result, rejects=rejects, notes=list(notes), source=source, columns=used)
    if unchanged is not None:
        out.unchanged = unchanged
    logger.info("%s", out.summary())
    return out, kept_pos, sheet.tallies


_COUNT_NOTES = {
    "phone_blanked": "row(s) kept without their unusable phone number (the e-mail address is usable)",
    "email_blanked": "row(s) kept without their unusable e-mail address (the phone number is usable)",
    "two_phones": "row(s) gave two usable phone numbers; the mobile one is kept (it takes SMS and calls)",
    "second_phone_bad": "row(s) kept with one usable phone number; their other, unusable number was left out",
    "consent_empty": "row(s) with an empty consent cell kept with consent=False",
    "channel_unknown": "unknown channel token(s) ignored (known: sms, voice, email)",
    "channel_dropped": "row(s) asked for a channel their contacts cannot serve; it was dropped",
    "consent_date_bad": "consent date(s) not read as a day-first date; left empty",
    "left_on_bad": "left_on date(s) not read as a day-first date; left empty",
    "status_unknown": "row(s) with an unknown status kept as active",
}

#: Consent column names recognised (shown when a member list has none of them).
CONSENT_NAMES = ("Toestemming", "Toestemming AVG", "Toestemming gegeven", "Akkoord", "AVG", "Consent", "Accord", "RGPD")


def _crs_of(
    cols: Mapping[str, str],
    crs: CRSLike | None,
    geom_crs: pyproj.CRS | None,
    index: _AddressIndex | None,
    notes: Notes,
) -> tuple[pyproj.CRS | None, pyproj.CRS | None]:
    """Return the CRS of the coordinate columns and the output CRS (None: decided by the rows)."""
    coord_crs: pyproj.CRS | None = None
    if "x" in cols:
        if crs is not None:
            coord_crs = to_crs(crs)
        elif cols.get("_xy_kind") == "geographic":
            coord_crs = pyproj.CRS.from_epsg(4326)
            notes.add("Coordinates in lon/lat columns read as EPSG:4326 (WGS 84).")
    if index is not None:
        return coord_crs, index.crs
    if crs is not None:
        return coord_crs, to_crs(crs)
    return coord_crs, geom_crs or coord_crs


def _to_target(
    geoms: np.ndarray,
    kinds: np.ndarray,
    coord_crs: pyproj.CRS | None,
    frame: pd.DataFrame,
    is_geo: bool,
    target: pyproj.CRS | None,
    notes: Notes,
) -> gpd.GeoSeries:
    """Bring the kept locations (from the frame's geometry, coordinates or the register) into one CRS.

    ``geoms`` (object array) holds geometries and, where ``kinds`` (object array) says ``"coords"``, (x, y) pairs.
    """
    needs_crs = {"coords": coord_crs, "frame": frame.crs if is_geo else None}
    masks = {key: np.asarray(kinds == key, dtype=bool) for key in ("coords", "frame", "target")}
    for key, src_crs in needs_crs.items():
        if masks[key].any() and src_crs is None and target is None:
            to_crs(None, what="`crs` of the member coordinates")
    if target is None and not masks["target"].any():
        target = coord_crs or needs_crs["frame"]
    out = geoms.copy()
    xy = masks["coords"]
    if xy.any():  # coordinate pairs become points in one call (a shapely.Point each costs ~20 us)
        out[xy] = shapely.points(np.array(geoms[xy].tolist(), dtype=float))
    for key, src_crs in needs_crs.items():
        mask = masks[key]
        src = src_crs if src_crs is not None else target
        if mask.any() and target is not None and src is not None and not same_crs(src, target):
            out[mask] = gpd.GeoSeries(list(out[mask]), crs=src).to_crs(target).to_numpy()
            notes.add(f"{int(mask.sum()):,} member location(s) reprojected to the output CRS.")
    return gpd.GeoSeries(out, crs=target)


@functools.lru_cache(maxsize=1 << 12)
def _consent(text: str) -> bool | None:
    """Return True/False for a consent cell (empty: False), None when unreadable."""
    if text.strip() in _CHECKED:
        return True
    folded = _fold(text)
    if folded in _YES or not folded:
        return bool(folded)
    if folded in _NO:
        return False
    first = next((t for t in re.split(r"[^0-9a-z]+", folded) if t), "")
    if first in _YES:
        return True
    if first in _NO:
        return False
    return None


_CHECKED = {"\u2713", "\u2714", "\u2611"}


@functools.lru_cache(maxsize=1 << 12)
def _channels(given: str, mobile: bool, phone: bool, email: bool) -> tuple[str, int, bool]:
    """Return the channels for a ``channels`` cell and the contacts there are (cached: few distinct inputs).

    Also returns the number of unknown tokens and whether a wanted channel was dropped.
    """
    available = set()
    if mobile:
        available |= {"sms", "voice"}
    elif phone:
        available.add("voice")
    if email:
        available.add("email")
    wanted: set[str] = set()
    unknown = 0
    for token in re.split(r"[;,/|+\s]+", given):
        t = _squash(token)
        if t in _CHANNELS:
            wanted.add(_CHANNELS[t])
        elif t:
            unknown += 1
    dropped = bool(wanted - available)
    wanted &= available
    if not wanted:
        wanted = {"sms"} if mobile else ({"voice"} if phone else set())
        if email:
            wanted.add("email")
    return ";".join(c for c in _CHANNEL_ORDER if c in wanted), unknown, dropped


#: Labels a row of the short way takes one of (no new text per row): located by, and the kind of its place.
_LABELS = {
    "located_by": np.array(["postcode", "coordinates"], dtype=object),
    "kinds": np.array(["target", "coords"], dtype=object),
}


def _each_distinct(fn: Callable[[str], str], texts: pa.Array) -> pa.Array:
    """Return ``[fn(t) for t in texts]`` as an Arrow string array, ``fn`` called once per distinct text."""
    coded = pc.dictionary_encode(texts)
    done = pa.array([fn(t) for t in coded.dictionary.to_pylist()], pa.string())
    return done.take(coded.indices)


def _codes(coded: pa.DictionaryArray) -> np.ndarray:
    """Return the indices of a dictionary-encoded array as numpy (none are null)."""
    return coded.indices.to_numpy(zero_copy_only=False)


def _role_of(text: str) -> str:
    """Return the role a short-way row's role cell (known or empty) stands for."""
    return _ROLES.get(_fold(text), "member")


def _channel_columns(
    texts: list[str] | pa.Array, mobile: np.ndarray, phone: np.ndarray, email: np.ndarray
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Return :func:`_channels` of each row, a column at a time: channels, unknown tokens (counts), dropped.

    :func:`_channels` runs once per distinct (cell, mobile, phone, e-mail); each row takes its answer. Cells
    given as an Arrow string array give the channels as one (else as a list).
    """
    if not len(texts):
        return ([] if isinstance(texts, list) else pa.array([], pa.string())), np.zeros(0, np.int64), np.zeros(0, bool)
    if isinstance(texts, pa.Array):
        coded = pc.dictionary_encode(texts)
        codes, uniques = coded.indices.to_numpy(zero_copy_only=False), coded.dictionary.to_pylist()
    else:
        codes, uniques = pd.factorize(np.asarray(texts, dtype=object))
    flags = np.asarray(mobile, bool) * 4 + np.asarray(phone, bool) * 2 + np.asarray(email, bool)
    keys, inverse = np.unique(codes.astype(np.int64) * 8 + flags, return_inverse=True)
    done = [_channels(uniques[k >> 3], bool(k & 4), bool(k & 2), bool(k & 1)) for k in keys.tolist()]
    inverse = inverse.reshape(-1)
    text = np.empty(len(done), dtype=object)
    text[:] = [c[0] for c in done]
    unknown = np.array([c[1] for c in done], dtype=np.int64)[inverse]
    dropped = np.array([c[2] for c in done], dtype=bool)[inverse]
    if isinstance(texts, pa.Array):
        return pa.array(text.tolist(), pa.string()).take(pa.array(inverse)), unknown, dropped
    return text[inverse].tolist(), unknown, dropped


@dataclass
class _QuickContacts:
    """Contacts the short way decided, as columns: ``ok`` (decided), phone (E.164), mobile, e-mail, two phones.

    ``phones`` and ``emails`` are Arrow string arrays (null where none); :attr:`phone` and :attr:`email` the same
    as lists, made when first asked for (by the rows the per-row rules check).
    """

    ok: np.ndarray
    phones: pa.Array
    mobile: np.ndarray
    emails: pa.Array
    two: np.ndarray

    @classmethod
    def none(cls, n: int) -> _QuickContacts:
        """No row decided."""
        no, null = np.zeros(n, dtype=bool), pa.nulls(n, pa.string())
        return cls(ok=no, phones=null, mobile=no, emails=null, two=no)

    @functools.cached_property
    def phone(self) -> list[str | None]:
        """The phone number (E.164) of each row, None where none."""
        return self.phones.to_pylist()

    @functools.cached_property
    def email(self) -> list[str | None]:
        """The e-mail address of each row, None where none."""
        return self.emails.to_pylist()

    def get(self, i: int) -> dict[str, Any] | None:
        """Return :meth:`_Sheet.contacts` of row ``i`` when decided, else None."""
        if not self.ok[i]:
            return None
        phone, mobile = self.phone[i], bool(self.mobile[i])
        return {
            "phone": phone,
            "kind": ("mobile" if mobile else "landline") if phone else None,
            "mobile": mobile,
            "email": self.email[i],
            "counted": ["two_phones"] if self.two[i] else [],
        }


def _quick_contacts(texts: Mapping[str, pa.Array | None], country: str, n: int) -> _QuickContacts:
    """Return :meth:`_Sheet.contacts` of the rows whose contacts are all in the common shapes (a column at a time).

    ``texts`` are the cells of the mobile, phone and e-mail columns (None: no such column).

    Arrow compute and numpy only (they let go of the GIL): it may run beside the making of the other columns.
    """
    no = np.zeros(n, dtype=bool)
    null = pa.nulls(n, pa.string())

    def phones(key: str) -> tuple[np.ndarray, pa.Array, np.ndarray]:
        column = texts[key]
        return (no, null, no) if column is None else plain_phone_arrays(column, default_country=country)

    def given(key: str) -> np.ndarray:
        column = texts[key]
        return no if column is None else pc.not_equal(column, "").to_numpy(zero_copy_only=False)

    mail_ok = no if texts["email"] is None else plain_email_mask(texts["email"])
    (pm, pm_nr, pm_mob), (pt, pt_nr, pt_mob) = phones("mobile"), phones("phone")
    # a cell the short way cannot decide: the per-row rules say why
    undecided = (given("mobile") & ~pm) | (given("phone") & ~pt) | (given("email") & ~mail_ok)
    use_pm = pm & (pm_mob | ~(pt & pt_mob))  # the mobile column's number, else the other one
    use_pt = ~use_pm & pt
    ok = ~undecided & (use_pm | use_pt | mail_ok)
    numbers = pc.if_else(use_pm, pm_nr, pc.if_else(use_pt, pt_nr, null))
    differ = pc.fill_null(pc.not_equal(pm_nr, pt_nr), False).to_numpy(zero_copy_only=False)
    emails = null if texts["email"] is None else pc.if_else(mail_ok, texts["email"], null)
    return _QuickContacts(
        ok=ok, phones=numbers, mobile=(use_pm & pm_mob) | (use_pt & pt_mob), emails=emails, two=pm & pt & differ
    )


#: Columns the short way reads as Python lists (every row); the others it reads from Arrow (:attr:`_Sheet.arrow`).
_LISTED = ("consent_date", "left_on", "status")


class _Cells(dict):  # type: ignore[type-arg]
    """The cells of each column (:func:`_cells`): a list, made from the Arrow texts when first asked for."""

    def __init__(self, arrow: Mapping[str, pa.Array]) -> None:
        super().__init__()
        self._arrow = arrow

    def __missing__(self, key: str) -> list[str]:
        listed = self[key] = self._arrow[key].to_pylist()
        return listed


class _Sheet:
    """A member list being read: its columns by role, as text, and the per-row rules."""

    def __init__(
        self,
        frame: pd.DataFrame,
        cols: dict[str, str],
        index: _AddressIndex | None,
        default_country: str,
        source: str,
        is_geo: bool,
        days: Mapping[str, list[datetime | None]] | None = None,
    ) -> None:
        self.n = len(frame)
        self.cols = cols
        self._index = index
        # (or the register index and its notes, from a call made when first needed: :attr:`index`)
        self.index_of: Callable[[], tuple[_AddressIndex | None, list[str]]] | None = None
        self.index_notes: list[str] = []
        self.country = default_country
        self.source = source
        self.counts: Counter[str] = Counter()
        self.tallies: dict[int, Counter[str]] = {}  # the same counts per row (rows with none left out)
        self.geoms = list(frame.geometry.to_numpy()) if is_geo else [None] * self.n

        from bingeo.readers.overlap import Beside

        self.arrow: dict[str, pa.Array] = {}  # the texts of :attr:`data` as Arrow arrays (made when asked for)
        self.data = _Cells(self.arrow)
        for key in _ALIASES:
            name = cols.get(key)
            texts = None if name is None else _plain_texts(frame[name])
            if texts is not None:
                self.arrow[key] = texts
            else:
                self.data[key] = [""] * self.n if name is None else _cells_one_by_one(frame[name])
        # the short way's contacts (Arrow compute, no GIL) beside the making of the cells' lists (Python objects)
        self._quick: Beside | None = None
        if QUICK_ROWS:
            contacts = {k: self.texts(k) if k in cols else None for k in ("mobile", "phone", "email")}
            self._quick = Beside(_quick_contacts, contacts, default_country, self.n)
        for key in _LISTED if QUICK_ROWS else _ALIASES:  # the short way reads the others from Arrow
            self.data[key]  # noqa: B018 - made now, beside the contacts
        # dates by THE date parser, a column at a time (ISO never day-first; D-M-Y day first)
        self.days = dict(days) if days is not None else {k: _dates(self.data[k]) for k in ("consent_date", "left_on")}
        self.has_pc = "postcode" in cols and "huisnummer" in cols
        self.has_street = "straat" in cols and "huisnummer" in cols

    @property
    def index(self) -> _AddressIndex | None:
        """The address register's index (from :attr:`index_of`, asked for when first needed; its notes kept)."""
        if self.index_of is not None:
            index_of, self.index_of = self.index_of, None
            self._index, self.index_notes = index_of()
        return self._index

    @index.setter
    def index(self, value: _AddressIndex | None) -> None:
        self._index = value

    @functools.cached_property
    def quick(self) -> _QuickContacts:
        """The short way's contacts (:func:`_quick_contacts`), waited for when first asked for."""
        return self._quick.result() if self._quick is not None else _QuickContacts.none(self.n)

    def keep_rows(self, rows: list[int]) -> None:
        """Let :attr:`data` of each column not yet listed hold only ``rows`` (the rows :meth:`row` checks).

        Listing a column costs a Python text per cell; the per-row rules look at a few rows of most columns.
        """
        if len(rows) > self.n // 4:  # most rows: whole lists (a dict of rows costs more per cell)
            return
        at = pa.array(rows, pa.int64())
        for key, texts in self.arrow.items():
            if key not in self.data:
                self.data[key] = dict(zip(rows, texts.take(at).to_pylist()))

    def texts(self, key: str) -> pa.Array:
        """Return the cells of ``key`` (:attr:`data`) as an Arrow string array (no nulls)."""
        arr = self.arrow.get(key)
        if arr is None:
            arr = self.arrow[key] = pa.array(self.data[key], pa.string())
        return arr

    def tally(self, i: int, key: str, n: int = 1) -> None:
        """Count ``n`` of ``key`` (a note's count, :data:`_COUNT_NOTES`) for row ``i``."""
        self.counts[key] += n
        self.tallies.setdefault(i, Counter())[key] += n

    def tally_rows(self, rows: np.ndarray, key: str, n: np.ndarray) -> None:
        """:meth:`tally` of ``n[k]`` (a count or a flag) of ``key`` for each row ``rows[k]`` where it is not 0."""
        n = np.asarray(n).astype(np.int64)
        at = np.flatnonzero(n)
        if not len(at):
            return
        self.counts[key] += int(n[at].sum())
        tallies = self.tallies
        for i, k in zip(np.asarray(rows)[at].tolist(), n[at].tolist()):
            counter = tallies.get(i)
            if counter is None:
                counter = tallies[i] = Counter()
            counter[key] += k

    def quick_rows(self, is_geo: bool) -> tuple[list[int], dict[str, Any], tuple[np.ndarray, np.ndarray]]:
        """Return the rows the short way decides (kept members), their member columns and (geometries, kinds).

        Text columns may be Arrow string arrays (null for None), the others are lists.

        A row is decided when its id is new, its role and consent are readable, :func:`_quick_contacts` decided
        its contacts, and it has coordinates that are numbers or a postcode + plain house number that matches
        one address. Every other row (all rejects among them) is left to :meth:`row`.
        """
        d, cols = self.data, self.cols
        mids = self.texts("member_id")
        codes = pc.dictionary_encode(mids).indices.to_numpy(zero_copy_only=False)
        fresh = np.zeros(self.n, dtype=bool)
        fresh[np.unique(codes, return_index=True)[1]] = True  # the first row of each id
        fresh &= pc.not_equal(mids, "").to_numpy(zero_copy_only=False)
        # role and consent once per distinct cell
        roles = pc.dictionary_encode(self.texts("role"))
        folded = [_fold(t) for t in roles.dictionary.to_pylist()]
        bad_role = np.array([bool(r) and r not in _ROLES for r in folded] + [False])[_codes(roles)]
        consent = pc.dictionary_encode(self.texts("consent"))
        consent_of = np.empty(len(consent.dictionary) + 1, dtype=object)
        consent_of[:-1] = [_consent(t) for t in consent.dictionary.to_pylist()]
        consents = consent_of[_codes(consent)]
        has_xy = "x" in cols
        decided = fresh & self.quick.ok
        decided &= (consents != None) & ~bad_role  # noqa: E711 - elementwise
        if is_geo:
            decided[:] = False
        at = np.flatnonzero(decided)
        # the rows' places a group at a time (coordinates, then postcodes), then in row order
        with_xy = np.zeros(self.n, dtype=bool)
        if has_xy:  # a row with a coordinate cell is located by its coordinates or not at all
            with_xy = pc.or_(pc.not_equal(self.texts("x"), ""), pc.not_equal(self.texts("y"), ""))
            with_xy = with_xy.to_numpy(zero_copy_only=False)
            given = at[with_xy[at]]
            given_at = pa.array(given)
            xs, ys = _float_array(self.texts("x").take(given_at)), _float_array(self.texts("y").take(given_at))
            both = ~np.isnan(xs) & ~np.isnan(ys)
            found_xy, xy = given[both], np.column_stack([xs[both], ys[both]])
        else:
            found_xy, xy = np.zeros(0, dtype=np.int64), np.zeros((0, 2))
        # person ids and names of the decided rows, made while the register may still be read beside
        q = self.quick
        at_take = pa.array(at, pa.int64())
        person_at = _person_id_array(
            self.texts("person_id").take(at_take), q.emails.take(at_take), q.phones.take(at_take)
        )
        name_at = self.name_array(at_take)
        found_pc, hits = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        use_pc = self.has_pc and self.index is not None
        index = self.index
        if use_pc:  # postcode + plain house number: the rows' keys in the register, a column at a time
            by_pc = pa.array(at[~with_xy[at]])
            numbers = self.texts("huisnummer").take(by_pc)
            plain = pc.fill_null(pc.match_substring_regex(numbers, "^" + _PLAIN_NUMBER.pattern + "$"), False)
            nums = pc.cast(pc.if_else(plain, numbers, "0"), pa.int64()).to_numpy(zero_copy_only=False)
            keys, good = _postcode_keys(_postcode_array(self.texts("postcode").take(by_pc)), nums)
            good &= plain.to_numpy(zero_copy_only=False)
            rows_pc, keys = by_pc.to_numpy(zero_copy_only=False)[good], keys[good]
            start, count = index.candidate_spans(keys)  # type: ignore[union-attr]
            letters, additions = self.texts("huisletter"), self.texts("toevoeging")
            bare = pc.and_(pc.equal(letters, ""), pc.equal(additions, "")).to_numpy(zero_copy_only=False)[rows_pc]
            one = (count == 1) & bare  # what match() says of one candidate without a letter: that address
            hit = np.full(len(keys), -1, dtype=np.int64)
            hit[one] = index.plain_rows[start[one]]  # type: ignore[union-attr]
            several = np.flatnonzero(~one)
            at_several = pa.array(rows_pc[several])
            letter_of, addition_of = letters.take(at_several).to_pylist(), additions.take(at_several).to_pylist()
            for j, k in enumerate(several.tolist()):
                cands = index.plain_rows[start[k] : start[k] + count[k]].tolist()  # type: ignore[union-attr]
                _, got = index.match(cands, _fold(letter_of[j]), _fold(addition_of[j]), "")  # type: ignore[union-attr]
                hit[k] = -1 if got is None else got
            found_pc, hits = rows_pc[hit >= 0], hit[hit >= 0]
        n_xy = len(found_xy)
        found = np.concatenate([found_xy, found_pc])
        order = np.argsort(found, kind="stable")
        rows = found[order].tolist()
        place = np.empty(len(found), dtype=object)
        place[:n_xy] = np.fromiter(map(tuple, xy.tolist()), dtype=object, count=n_xy)  # points: see _to_target
        if len(hits):
            place[n_xy:] = index.geoms[hits]  # type: ignore[union-attr]
        refs = np.empty(len(found), dtype=object)
        if len(hits):
            refs[n_xy:] = index.refs[hits]  # type: ignore[union-attr]
        from_xy = order < n_xy
        at_rows = np.array(rows, dtype=np.int64)
        take = pa.array(at_rows)
        within = pa.array(np.searchsorted(at, at_rows))  # the rows among the decided ones
        phones, emails = q.phones.take(take), q.emails.take(take)
        has_phone = phones.is_valid().to_numpy(zero_copy_only=False)
        mobiles = q.mobile[at_rows]
        # the counts of each row in the order the per-row rules count them (a column at a time, see row())
        if "consent" in cols:  # an empty cell (cells are stripped)
            empty = pc.equal(self.texts("consent").take(take), "").to_numpy(zero_copy_only=False)
            self.tally_rows(at_rows, "consent_empty", empty)
        self.tally_rows(at_rows, "two_phones", q.two[at_rows])
        chans, unknown_n, dropped = _channel_columns(
            self.texts("channels").take(take), mobiles, has_phone, emails.is_valid().to_numpy(zero_copy_only=False)
        )
        self.tally_rows(at_rows, "channel_unknown", unknown_n)
        self.tally_rows(at_rows, "channel_dropped", dropped)
        lefts, texts = [d["left_on"][i] for i in rows], [d["status"][i] for i in rows]
        status_of: dict[str, tuple[str, None]] = {}  # a status text without a leaving date: its status
        for text in {t for t, lo in zip(texts, lefts) if not lo}:
            folded = _fold(text)
            status_of[text] = ("left", None) if folded in _LEFT else ("active", None)
        unknown = {t for t, (st, _) in status_of.items() if st == "active" and _fold(t) and _fold(t) not in _ACTIVE}
        states = [self.status(i) if lo else status_of[t] for i, lo, t in zip(rows, lefts, texts)]
        if unknown:
            odd = np.array([not lo and t in unknown for lo, t in zip(lefts, texts)], bool)
            self.tally_rows(at_rows, "status_unknown", odd)
        dated = d["consent_date"]
        kind = pc.if_else(mobiles, "mobile", "landline")
        out: dict[str, Any] = {
            "member_id": self.texts("member_id").take(take),
            "person_id": person_at.take(within),
            "name": name_at.take(within),
            "email": emails,
            "phone": phones,
            "phone_kind": pc.if_else(has_phone, kind, pa.scalar(None, pa.string())),
            "channels": chans,
            "consent": consents[at_rows].tolist(),
            "consent_date": [self.date(i, "consent_date") if dated[i] else None for i in rows],
            "role": _each_distinct(_role_of, self.texts("role").take(take)),
            "networks": _each_distinct(_networks, self.texts("networks").take(take)),
            "address_ref": refs[order].tolist(),
            "located_by": pa.array(_LABELS["located_by"].tolist(), pa.string()).take(pa.array(from_xy.astype(np.int8))),
            "status": [st[0] for st in states],
            "left_on": [st[1] for st in states],
        }
        return rows, out, (place[order], _LABELS["kinds"][from_xy.astype(np.intp)])

    def row(self, i: int, seen_ids: set[str]) -> dict[str, Any] | tuple[str, str]:
        """Return the member of row ``i`` (with ``_geom``), or its (reason, detail)."""
        d, cols = self.data, self.cols
        mid = d["member_id"][i]
        if not mid:
            return "missing_member_id", f"column {cols['member_id']!r} is empty"
        if mid in seen_ids:
            return "duplicate_member_id", "member id already used in an earlier row; the first row is kept"
        seen_ids.add(mid)
        role_text = _fold(d["role"][i])
        if role_text and role_text not in _ROLES:
            return "bad_role", f"column {cols['role']!r} is not one of member/lid/deelnemer/coordinator/beheerder"
        consent = _consent(d["consent"][i])
        if consent is None:
            return "bad_consent", f"column {cols['consent']!r} is not ja/nee/yes/no/akkoord/oui/non/true/false/1/0"
        if not d["consent"][i].strip() and "consent" in cols:
            self.tally(i, "consent_empty")
        contacts = self.contacts(i)
        if isinstance(contacts, tuple):
            return contacts
        geom = self.locate(i)
        if isinstance(geom[0], str):
            return geom[0], geom[1]
        for key in contacts["counted"]:
            self.tally(i, key)
        phone, email = contacts["phone"], contacts["email"]
        status, left_on = self.status(i)
        networks = _networks(d["networks"][i])
        pid = _person_of(d["person_id"][i], email, phone)
        return {
            "member_id": mid,
            "person_id": pid,
            "name": self.name(i) or None,
            "email": email,
            "phone": phone,
            "phone_kind": contacts["kind"],
            "channels": self.channels(i, contacts),
            "consent": consent,
            "consent_date": self.date(i, "consent_date"),
            "role": _ROLES.get(role_text, "member"),
            "networks": networks,
            "address_ref": geom[3],
            "located_by": geom[2],
            "status": status,
            "left_on": left_on,
            "_geom": (geom[0], geom[1]),
        }

    def names(self, rows: list[int]) -> list[str | None]:
        """Return :meth:`name` (None when empty) of the given rows, a column at a time."""
        d = self.data
        if not any(k in self.cols for k in ("first_name", "last_name")):
            return [d["name"][i] or None for i in rows]
        first, infix, last = d["first_name"], d["infix"], d["last_name" if "last_name" in self.cols else "name"]
        return [" ".join(p for p in (first[i], infix[i], last[i]) if p) or None for i in rows]

    def name_array(self, rows: pa.Array) -> pa.Array:
        """Return :meth:`names` of the rows at ``rows`` (Arrow indices) as an Arrow string array (null for None)."""

        def join(a: pa.Array, b: pa.Array) -> pa.Array:  # " ".join of the non-empty ones
            # (not null_handling="skip": pyarrow 26 leaves out a row whose texts are all null)
            both = pc.binary_join_element_wise(a, b, " ")
            return pc.if_else(pc.equal(a, ""), b, pc.if_else(pc.equal(b, ""), a, both))

        if not any(k in self.cols for k in ("first_name", "last_name")):
            name = self.texts("name").take(rows)
        else:
            last = self.texts("last_name" if "last_name" in self.cols else "name").take(rows)
            name = join(join(self.texts("first_name").take(rows), self.texts("infix").take(rows)), last)
        return pc.if_else(pc.equal(name, ""), pa.scalar(None, pa.string()), name)

    def name(self, i: int) -> str:
        """Return the full name: the name column, or first name + infix + last name.

        A 'Naam' or 'Nom' beside 'Voornaam'/'Prénom' is the last name.
        """
        d = self.data
        if not any(k in self.cols for k in ("first_name", "last_name")):
            return d["name"][i]
        last = d["last_name"][i] if "last_name" in self.cols else d["name"][i]
        return " ".join(p for p in (d["first_name"][i], d["infix"][i], last) if p)

    def contacts(self, i: int) -> dict[str, Any] | tuple[str, str]:
        """Return phone, kind, mobile and email of row ``i``, or (reason, detail) when none is usable."""
        quick = self.quick.get(i)
        if quick is not None:
            return quick
        d, cols = self.data, self.cols
        usable: list[Any] = []
        phone_err: tuple[str, str] | None = None  # (column, reason)
        for key in ("mobile", "phone"):
            if not d[key][i]:
                continue
            try:
                p = normalize_phone(d[key][i], default_country=self.country)
            except ContactError as exc:
                phone_err = phone_err or (cols[key], exc.reason)
                continue
            if p.kind == "service":
                phone_err = phone_err or (cols[key], "service_number")
            else:
                usable.append(p)
        email = email_err = None
        if d["email"][i]:
            try:
                email = check_email(d["email"][i])
            except ContactError as exc:
                email_err = exc.reason
        if not usable and email is None:
            if phone_err:
                extra = f"; e-mail: {email_err}" if email_err else ""
                return f"bad_phone:{phone_err[1]}", f"column {phone_err[0]!r}: {phone_err[1]}{extra}"
            if email_err:
                return f"bad_email:{email_err}", f"column {cols['email']!r}: {email_err}"
            return "no_contact", "neither a phone number nor an e-mail address"
        chosen = next((p for p in usable if p.mobile), usable[0] if usable else None)
        counted = {
            "two_phones": len({p.e164 for p in usable}) > 1,
            "phone_blanked": bool(phone_err) and not usable,
            "second_phone_bad": bool(phone_err) and bool(usable),
            "email_blanked": bool(email_err),
        }
        return {
            "phone": chosen.e164 if chosen else None,
            "kind": chosen.kind if chosen else None,
            "mobile": bool(chosen and chosen.mobile),
            "email": email,
            "counted": [k for k, v in counted.items() if v],
        }

    def channels(self, i: int, contacts: Mapping[str, Any]) -> str:
        """Return the channels (``;``-joined): the wanted ones the contacts can serve, else from the contacts."""
        text, unknown, dropped = _channels(
            self.data["channels"][i], bool(contacts["mobile"]), bool(contacts["phone"]), bool(contacts["email"])
        )
        if unknown:
            self.tally(i, "channel_unknown", unknown)
        if dropped:
            self.tally(i, "channel_dropped")
        return text

    def date(self, i: int, key: str) -> datetime | None:
        """Return a date cell read by THE date parser (counted in ``<key>_bad`` when unreadable)."""
        text = self.data[key][i]
        value = self.days[key][i] if text else None
        if text and value is None:
            self.tally(i, f"{key}_bad")
        return value

    def status(self, i: int) -> tuple[str, datetime | None]:
        """``("left", date)`` when the status says so or a leaving date is given, else ``("active", None)``."""
        left_on = self.date(i, "left_on")
        status_text = _fold(self.data["status"][i])
        if status_text in _LEFT or left_on is not None:
            return "left", left_on
        if status_text and status_text not in _ACTIVE:
            self.tally(i, "status_unknown")
        return "active", None

    def locate(self, i: int) -> tuple[Any, str, str, str | None]:
        """Return (geometry, 'frame'|'coords'|'target', located_by, address_ref), or (reason, detail, '', None)."""
        d, cols = self.data, self.cols
        g = self.geoms[i]
        if g is not None and not (isinstance(g, float) and math.isnan(g)) and not g.is_empty:
            return (g if g.geom_type == "Point" else g.representative_point()), "frame", "coordinates", None
        fail = ("no_location", "no coordinates and no postcode/street with house number")
        if "x" in cols and (d["x"][i] or d["y"][i]):
            xv, yv = _to_float(d["x"][i]), _to_float(d["y"][i])
            if xv is not None and yv is not None:
                return (xv, yv), "coords", "coordinates", None  # made points all at once (_to_target)
            fail = ("no_location", "coordinates are not numbers")
        number = d["huisnummer"][i]
        pc = (_postcode(d["postcode"][i]) or "") if self.has_pc else ""
        street = _squash(d["straat"][i]) if self.has_street else ""
        if not (number and (pc or street)):
            return (*fail, "", None)
        if self.index is None:
            msg = (
                f"{self.source}: members are located by address but no `addresses` were given. "
                "Load an address register: `bingeo.read_points('addresses.csv', crs=28992)`."
            )
            raise InputError(msg)
        m = _HOUSE.fullmatch(_fold(number))
        if m is None:
            return "address_not_found", f"column {cols['huisnummer']!r} is not a house number", "", None
        num = int(m.group(1))
        letter = _fold(d["huisletter"][i]) or (m.group(2) or "")
        addition = _fold(d["toevoeging"][i]) or (m.group(3) or "")
        if pc and not _POSTCODE.fullmatch(pc):
            return "address_not_found", f"column {cols['postcode']!r} is not a postcode", "", None
        if pc:
            by = "postcode"
            status, hit = self.index.match(self.index.candidates(pc, num), letter, addition, "")
        else:
            by = "street"
            place = _squash(d["woonplaats"][i])
            status, hit = self.index.match(self.index.by_street.get((street, num), []), letter, addition, place)
        if hit is None:
            if status == "ambiguous_address":
                return status, f"no single match by {by} and house number in `addresses`", "", None
            return status, f"no match by {by} in `addresses`", "", None
        return self.index.geoms[hit], "target", by, self.index.rows[hit][3]


def members_from_file(
    path: str | os.PathLike[str],
    *,
    crs: CRSLike | None = None,
    addresses: gpd.GeoDataFrame | None = None,
    default_country: str = "NL",
    fields: Mapping[str, str] | None = None,
    layer: str | None = None,
    x_field: str | None = None,
    y_field: str | None = None,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> MembersResult:
    """Read a member list from a CSV/TXT (any encoding and separator) or vector file.

    Text files are read as strings (encoding and separator detected as in
    :func:`bingeo.read_points`), so leading zeros of phone numbers survive.
    Rows without coordinates are kept for address matching, unlike
    :func:`bingeo.read_points`. See :func:`members_from_frame` for the checks.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    crs, addresses, default_country, fields : keyword-only
        As in :func:`members_from_frame`.
    layer : str, optional, keyword-only
        Layer of a multi-layer vector file.
    x_field, y_field : str, optional, keyword-only
        Coordinate columns (same as ``fields={"x": ..., "y": ...}``).
    progress, is_cancelled : callable, optional, keyword-only
        Share done (after reading, then after the checks) and a cancel poll (STYLE.md section 7).

    Returns
    -------
    MembersResult
        Notes start with the encoding and separator found.

    Raises
    ------
    InputError
        Missing, empty or unreadable file; see also :func:`members_from_frame`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "leden.csv"
    >>> _ = csv.write_text("lidnummer;naam;telefoon;toestemming;x;y\\nL1;A. Jansen;06 1234 5678;ja;233500;582000\\n"
    ...                    "L2;B. Smit;;ja;233600;582100\\n", encoding="utf-8")
    >>> res = members_from_file(csv, crs=28992)
    >>> res.members[["member_id", "phone", "consent"]].to_dict("records")
    [{'member_id': 'L1', 'phone': '+31612345678', 'consent': True}]
    >>> res.rejects["reject_reason"].tolist()
    ['no_contact']
    """
    frame, label, merged, notes = _read_list(path, fields, layer, x_field, y_field)
    from bingeo._progress import check_cancelled, report

    report(progress, 0.4)
    check_cancelled(is_cancelled, "the member import")
    res = members_from_frame(
        frame, crs=crs, addresses=addresses, default_country=default_country, fields=merged, source=label
    )
    res.notes[:0] = list(notes)
    report(progress, 1.0)
    return res


def _read_list(
    path: str | os.PathLike[str],
    fields: Mapping[str, str] | None,
    layer: str | None,
    x_field: str | None,
    y_field: str | None,
) -> tuple[pd.DataFrame, str, dict[str, str], Notes]:
    """Read a member list file as a frame: (frame, label, fields with x/y, notes on reading)."""
    source = check_source(path)
    label = str(path)
    merged = dict(fields or {})
    if (x_field is None) != (y_field is None):
        msg = "give both `x_field` and `y_field`, or neither"
        raise InputError(msg)
    if x_field is not None:
        merged.update({"x": x_field, "y": str(y_field)})
    notes = Notes(label)
    kind = source_kind(source)
    member = None
    if kind == "zip":
        kind, member = zip_target(source, layer, label)
        if kind == "vector":
            frame = gpd.read_file(member, engine="pyogrio")
    if kind == "text":
        frame, bad, _width = read_text_table(source, label, sep=None, encoding=None, member=member, notes=notes)
        if bad:
            notes.add(f"{len(bad):,} row(s) had a wrong number of fields; padded or cut to the header.")
    elif kind == "sheet":
        frame, _bad, _width, label = read_sheet_table(
            source, label, sheet=layer, notes=notes, wanted=_has_member_id, what="a member id column"
        )
    elif kind == "vector" and member is None:
        frame = gpd.read_file(source, layer=layer, engine="pyogrio")
    elif kind == "parquet":
        frame = pd.read_parquet(source)
    return frame, label, merged, notes


def full_whatsapp_groups(store: Any) -> list[tuple[str, int]]:
    """Return the WhatsApp networks with more active persons than a group holds.

    Persons are counted by membership (the member's ``networks``), each person once (``person_id``, else
    ``member_id``); only ``active`` members count.

    Parameters
    ----------
    store : bingeo.stores.Store
        An open store.

    Returns
    -------
    list of (str, int)
        ``(network_id, persons)`` for each ``whatsapp`` network over :data:`WHATSAPP_MAX_MEMBERS`, by id.
    """
    nets = store.networks()
    groups = set(nets.loc[nets["kind"] == "whatsapp", "network_id"].astype(str))
    if not groups:
        return []
    people: dict[str, set[str]] = {g: set() for g in groups}
    for nid in sorted(groups):
        m = store.members(network=nid, columns=["member_id", "person_id", "networks", "status"])
        for pid, mid, nets_text, status in zip(m["person_id"], m["member_id"], m["networks"], m["status"]):
            if status == "active" and nid in str(nets_text).split(";"):
                people[nid].add(str(pid) if isinstance(pid, str) and pid else str(mid))
    return [(nid, len(p)) for nid, p in sorted(people.items()) if len(p) > WHATSAPP_MAX_MEMBERS]


def mark_missing_members_left(store: Any, result: MembersResult, *, on: Any = None) -> int:
    """Mark the members missing from a full member list as left (``members import --replace``).

    An active member whose id is neither among ``result.members`` nor among its rejected rows gets status
    ``left`` and ``left_on`` = ``on`` (default today). A rejected row's member is not marked: a typo in a
    phone number must not end a membership.

    Parameters
    ----------
    store : bingeo.stores.Store
        An open store, already holding the members of ``result``.
    result : MembersResult
        What :func:`members_from_file` read from the full list.
    on : datetime.date, optional
        The leaving date (default today).

    Returns
    -------
    int
        How many members were marked.
    """
    import datetime as dt

    current = store.members()
    if not len(current):
        return 0
    seen = set(result.members["member_id"].astype(str)) | set(result.unchanged["member_id"].astype(str))
    if "member_id" in result.rejects.columns:
        seen |= {str(v) for v in result.rejects["member_id"].dropna() if str(v)}
    gone = current[~current["member_id"].astype(str).isin(seen) & (current["status"].fillna("") != "left")].copy()
    if not len(gone):
        return 0
    gone["status"] = "left"
    gone["left_on"] = (on or dt.date.today()).isoformat()
    store.upsert_members(gone)
    return len(gone)


#: Version of the row rules a store's remembered row digests stand for (:func:`import_members`). The digests
#: also cover the source of the modules holding the rules, so any change to them forgets every digest too.
ROW_RULES_VERSION = 1


def import_members(
    store: Any,
    path: str | os.PathLike[str],
    *,
    crs: CRSLike | None = None,
    default_country: str = "NL",
    fields: Mapping[str, str] | None = None,
    layer: str | None = None,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> tuple[MembersResult, dict[str, int]]:
    """Read a member list into ``store``: :func:`members_from_file` and ``store.upsert_members`` in one.

    A store that remembers its imports (:meth:`bingeo.stores.base.Store.member_memo`, a GeoPackage) keeps,
    per member, a digest of the list row it came from, with the columns found, the options, the address
    register and the rules. A row whose digest and member id are remembered for a member unchanged since
    (and whose id occurs once in the list) is not checked again: the store already holds what the checks
    would give, so it counts as kept and ``unchanged``. Every other row (all rejects among them) is checked
    as :func:`members_from_frame` does, against the addresses of its postcodes only. The store ends up as
    with :func:`members_from_file` and ``upsert_members``.

    Parameters
    ----------
    store : bingeo.stores.Store
        An open store, also the address register.
    path : str or os.PathLike
        The member list.
    crs, default_country, fields, layer, progress, is_cancelled : keyword-only
        As in :func:`members_from_file`.

    Returns
    -------
    (MembersResult, dict)
        The result (``unchanged`` lists the members not checked again) and the counts of
        ``upsert_members`` (``added``, ``updated``, ``unchanged``).
    """
    with _no_gc():  # millions of acyclic objects (cells, rows): the collector's passes would find nothing
        res, counts = _import_members(store, path, crs, default_country, fields, layer, progress, is_cancelled)
    return res, counts


def _import_members(
    store: Any,
    path: str | os.PathLike[str],
    crs: CRSLike | None,
    default_country: str,
    fields: Mapping[str, str] | None,
    layer: str | None,
    progress: Callable[[float], None] | None,
    is_cancelled: Callable[[], bool] | None,
) -> tuple[MembersResult, dict[str, int]]:
    """:func:`import_members` (the collector paused by the caller)."""
    from bingeo._progress import check_cancelled, report
    from bingeo.readers.overlap import Beside

    # what the store remembers is read beside the list and the digests of its rows (SQLite, Arrow and numpy let
    # go of the GIL); the store is used by no other code until the answer is taken
    remembers = getattr(type(store), "member_memo", None) is not Store.member_memo  # the base's: None
    first = remembers and store.count("members") == 0  # (asked before another thread uses the store)
    remembered = Beside(store.member_memo)
    early: Beside | None = None
    try:
        frame, label, merged, notes = _read_list(path, fields, layer, None, None)
        report(progress, 0.4)
        check_cancelled(is_cancelled, "the member import")
        is_geo = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
        known = None
        if remembers and not is_geo and isinstance(frame, pd.DataFrame):
            if first:  # a first import checks every row: the register is read now, beside the rows' digests
                early = _register_beside(store, frame, merged, label, remembered)
            known = _import_known(store, frame, remembered.result, crs, default_country, merged, label, early)
    except BaseException:
        for job in (remembered, early):
            with contextlib.suppress(Exception):
                if job is not None:
                    job.result()  # its query ends before the error goes up (the store may be closed next)
        raise
    remembered.result()
    if early is not None:
        with contextlib.suppress(Exception):
            early.result()  # (its error, when its register was used, went up from there)
    if known is None:
        adr = store.addresses()
        res = members_from_frame(
            frame,
            crs=crs,
            addresses=adr if len(adr) else None,
            default_country=default_country,
            fields=merged,
            source=label,
        )
        counts = store.upsert_members(res.members) if len(res.members) else dict.fromkeys(_COUNTS, 0)
    else:
        res, counts = known
    res.notes[:0] = list(notes)
    report(progress, 1.0)
    return res, counts


_COUNTS = ("added", "updated", "unchanged")


def _rules_digest() -> bytes:
    """SHA-256 of the source of the modules whose rules decide what a member row becomes."""
    import bingeo._contacts
    import bingeo.addresses
    import bingeo.readers.values

    h = hashlib.sha256(str(ROW_RULES_VERSION).encode())
    for module in (sys.modules[__name__], bingeo._contacts, bingeo.addresses, bingeo.readers.values):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.digest()


def _arrow_text(column: pd.Series, kind: pa.DataType | None = None) -> pa.ChunkedArray | None:
    """Return an Arrow text column as an Arrow array of ``kind`` (default string; None for any other column)."""
    if getattr(column.dtype, "storage", None) != "pyarrow" and not isinstance(column.dtype, pd.ArrowDtype):
        return None
    arr = pa.chunked_array(column.array._pa_array)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    kind = kind or pa.string()
    return arr if arr.type == kind else arr.cast(kind)


def _hash_texts(arr: pa.ChunkedArray) -> np.ndarray:
    """Return a 64-bit hash of each text of an Arrow string array (pandas' hash of its UTF-8 bytes)."""
    # bytes objects: no decoding into str and encoding back, as pandas' hash of a str does (~0.25 s at 1 M);
    # categorize=False: without first looking for repeated texts (a list's rows are distinct)
    objs = arr.cast(pa.large_binary()).to_numpy(zero_copy_only=False)
    return pd.util.hash_array(objs, categorize=False).astype(np.uint64, copy=False)


def _salted(rows: np.ndarray, context: list[Any]) -> np.ndarray:
    """Return the digests of :func:`_row_digests` salted with ``context`` and the rules (as int64)."""
    salt = hashlib.sha256(json.dumps(context, default=str).encode() + _rules_digest()).digest()[:8]
    return (rows ^ np.uint64(int.from_bytes(salt, "little"))).view(np.int64)


def _row_digests(frame: pd.DataFrame, days: Mapping[str, list[datetime | None]]) -> np.ndarray:
    """Return a 64-bit digest (uint64) of each row: every cell, and the dates as read over the whole list.

    Arrow text columns (a CSV's) are joined into one text per row and hashed once; other frames are hashed
    column by column. :func:`_salted` adds what else decides a row's outcome.
    """
    dated = {k: [d.isoformat() if d is not None else "" for d in v] for k, v in days.items() if v.count(None) < len(v)}
    arrays = [_arrow_text(frame[c], pa.large_string()) for c in frame.columns]  # a CSV's: no copy
    if all(a is not None for a in arrays):
        extra = [pa.chunked_array([pa.array(v, pa.large_string())]) for v in dated.values()]
        separator = pa.scalar(_CELL_SEPARATOR, pa.large_string())
        joined = pc.binary_join_element_wise(*arrays, *extra, separator, null_handling="replace")
        rows = _hash_texts(joined)
    else:
        table = frame.copy(deep=False)
        table.columns = [f"c{k}" for k in range(table.shape[1])]
        for key, values in dated.items():
            table[f"d_{key}"] = values
        rows = pd.util.hash_pandas_object(table, index=False).to_numpy(dtype=np.uint64)
    return rows


#: Joins a row's cells into the one text whose hash is its digest (the ASCII unit separator).
_CELL_SEPARATOR = "\x1f"


def _ids_once(column: pd.Series) -> tuple[np.ndarray, Any]:
    """Return which rows hold a member id (as :func:`_cells` reads it) that no other row holds, and the ids."""
    arr = _arrow_text(column)
    if arr is not None and not _edge_space(arr):
        texts = pc.fill_null(arr, "")
        # each distinct id a code (Arrow's hash table: exact), then how often each code occurs
        codes = pc.dictionary_encode(texts.combine_chunks()).indices.to_numpy(zero_copy_only=False).astype(np.int64)
        given = pc.not_equal(texts, "").to_numpy(zero_copy_only=False)
        return given & (np.bincount(codes)[codes] == 1), pd.arrays.ArrowExtensionArray(texts)
    ids = pd.Series(_cells(column), dtype=object)
    return ((ids != "") & ~ids.duplicated(keep=False)).to_numpy(), ids.to_numpy()


def _import_known(
    store: Any,
    frame: pd.DataFrame,
    memo_of: Callable[[], tuple[str, pd.DataFrame] | None],
    crs: CRSLike | None,
    default_country: str,
    fields: dict[str, str],
    label: str,
    early: Any = None,
) -> tuple[MembersResult, dict[str, int]] | None:
    """Run :func:`import_members` for a store that remembers: skip the rows it already holds.

    A row is skipped when its digest (which covers its member id cell) is remembered for a member unchanged
    since, and its member id occurs once in the list (else the first-row rule decides, over the rows checked).
    ``memo_of`` gives what the store remembers (asked for once the rows' digests are made); None when it
    remembers nothing (then this returns None: every row is checked by the caller). ``early`` (a
    :class:`~bingeo.readers.overlap.Beside`), when given, is reading the register index of the whole list
    (:func:`_register_beside`): used when every row is checked.
    """
    columns = [str(c) for c in frame.columns]
    cols = _detect(columns, fields, label)
    if "member_id" not in cols or not isinstance(default_country, str):  # the checks say what is wrong
        if memo_of() is None:
            return None
        res = members_from_frame(frame, crs=crs, default_country=default_country, fields=fields, source=label)
        return res, dict.fromkeys(_COUNTS, 0)
    n = len(frame)
    days = {k: _dates(_cells(frame[cols[k]])) if k in cols else [None] * n for k in ("consent_date", "left_on")}
    crs_text = to_crs(crs).to_wkt() if crs is not None else None
    rows = _row_digests(frame, days)
    once, ids = _ids_once(frame[cols["member_id"]])
    memo = memo_of()
    if memo is None:
        return None
    fingerprint, known = memo
    context = [columns, sorted(cols.items()), crs_text, default_country.upper(), fingerprint]
    digests = _salted(rows, context)
    ref = pd.Index(known["digest"].to_numpy(np.int64))
    first = np.flatnonzero(~ref.duplicated(keep="first"))  # a digest remembered twice: the first row of it
    pos = ref[first].get_indexer(digests)  # a hash table of the digests
    skip = once & (pos >= 0)
    hits = known.iloc[first[pos[skip]]]
    unchanged = pd.DataFrame({"member_id": ids[skip], "consent": hits["consent"].to_numpy(bool)})
    prior: Counter[str] = Counter()
    for text, times in hits["tallies"].dropna().value_counts().items():
        for item in filter(None, str(text).split(";")):
            key, _, count = item.partition("=")
            prior[key] += int(count) * int(times)
    from bingeo.readers.overlap import Beside

    rest = np.flatnonzero(~skip)
    every = len(rest) == n and isinstance(frame.index, pd.RangeIndex) and frame.index.equals(pd.RangeIndex(n))
    part = frame if every else frame.iloc[rest].reset_index(drop=True)  # a first import checks every row
    # the store's addresses are read beside the list's columns (SQLite lets go of the GIL while it steps); the
    # store is used by no other code until the register is taken
    if early is not None and every:
        register = early
    else:
        if early is not None:  # (not the rows checked) its query ends before the store is read again
            with contextlib.suppress(Exception):
                early.result()
        register = Beside(_register_index, store, part, cols, label)
    try:
        res, kept, tallies = _check_members(
            part,
            crs=crs,
            addresses=None,
            default_country=default_country,
            fields=fields,
            source=label,
            row_numbers=rest,
            days=days if every else {k: [v[i] for i in rest.tolist()] for k, v in days.items()},
            unchanged=unchanged,
            prior=prior,
            index_of=register.result,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            register.result()  # its query ends before the error goes up (the store may be closed next)
        raise
    counts = dict.fromkeys(_COUNTS, 0)
    if len(res.members):
        remember = pd.DataFrame(
            {
                "digest": digests[rest[kept]],
                "tallies": _tally_texts(tallies, kept).tolist(),
            }
        )
        counts = store.upsert_members(res.members, memo=remember)
    counts["unchanged"] += len(unchanged)
    logger.info("%s: %d row(s) held by the store already, not checked again", label, len(unchanged))
    return res, counts


def _tally_texts(tallies: Mapping[int, Counter[str]], kept: list[int]) -> np.ndarray:
    """Return, for each row of ``kept`` (ascending), its counts as ``key=n;…`` (keys sorted), None without any."""
    out = np.full(len(kept), None, dtype=object)
    if not tallies or not kept:
        return out
    rows = np.fromiter(tallies.keys(), dtype=np.int64, count=len(tallies))
    at = np.array(kept, dtype=np.int64)
    pos = np.minimum(np.searchsorted(at, rows), len(at) - 1)
    hit = at[pos] == rows  # a rejected row's counts are not remembered
    made: dict[tuple[tuple[str, int], ...], str] = {}
    for p, i in zip(pos[hit].tolist(), rows[hit].tolist()):
        items = tuple(sorted(tallies[i].items()))
        text = made.get(items)
        if text is None:
            text = made[items] = ";".join(f"{k}={v}" for k, v in items)
        out[p] = text
    return out


def _register_index(
    store: Any, part: pd.DataFrame, cols: Mapping[str, str], source: str
) -> tuple[_AddressIndex | None, list[str]]:
    """Return the index of :func:`_addresses_for` (None without addresses) and the notes it made."""
    addresses = _addresses_for(store, part, cols)
    if addresses is None:
        return None, []
    notes = Notes(source)
    return _AddressIndex(addresses, notes), list(notes)


def _register_beside(store: Any, frame: pd.DataFrame, fields: Mapping[str, str], label: str, remembered: Any) -> Any:
    """Start :func:`_register_index` of every row of ``frame`` beside the caller, once ``remembered`` is done.

    For an import into a store holding no members (every row is checked). None when the list's columns do not
    allow it (the import says why).
    """
    from bingeo.readers.overlap import Beside

    try:
        cols = _detect([str(c) for c in frame.columns], fields, label)
    except InputError:
        return None
    if "member_id" not in cols:
        return None

    def job() -> tuple[_AddressIndex | None, list[str]]:
        remembered.result()  # the store's connection is used by one thread at a time
        return _register_index(store, frame, cols, label)

    return Beside(job)


def _addresses_for(store: Any, part: pd.DataFrame, cols: Mapping[str, str]) -> gpd.GeoDataFrame | None:
    """Return the store's addresses that rows of ``part`` may be located at (None when it holds none)."""
    if "straat" in cols or "postcode" not in cols:  # by street (or nothing to narrow by): the whole register
        adr = store.addresses()
        return adr if len(adr) else None
    if not store.count("addresses"):
        return None
    column = part[cols["postcode"]]
    arr = _arrow_text(column)
    if arr is not None:  # each distinct text once (a list repeats its postcodes): the same set of postcodes
        column = pd.Series(pc.unique(arr).to_pylist(), dtype=object)
    wanted = set(_postcodes([t for t in _cells(column) if t]))
    return store.addresses(postcodes=[p for p in wanted if p])
