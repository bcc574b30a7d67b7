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

import hashlib
import logging
import math
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from bingeo._contacts import check_email, normalize_phone
from bingeo._crs import CRSLike, same_crs, to_crs
from bingeo._results import Result
from bingeo.errors import ContactError, InputError
from bingeo.readers.columns import coordinate_pairs, squash
from bingeo.readers.sheets import read_sheet_table
from bingeo.readers.sources import Notes, check_source, read_text_table, source_kind, zip_target
from bingeo.readers.values import read_dates

__all__ = [
    "MEMBER_COLUMNS",
    "MEMBER_REJECT_REASONS",
    "MembersResult",
    "WHATSAPP_MAX_MEMBERS",
    "full_whatsapp_groups",
    "mark_missing_members_left",
    "members_from_frame",
    "members_from_file",
]

from bingeo.addresses import normalise_postcode  # noqa: E402
from bingeo.stores.base import MEMBER_FIELDS  # noqa: E402

logger = logging.getLogger(__name__)

#: Members a WhatsApp group can hold: the limit a WhatsApp-buurtpreventie network (kind ``whatsapp``) must respect.
WHATSAPP_MAX_MEMBERS = 256

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

# canonical key -> squashed aliases (see readers.squash), in order of preference
_ALIASES: dict[str, tuple[str, ...]] = {
    "member_id": ("memberid", "lidid", "lidnummer", "lidnr", "id"),
    "person_id": ("personid", "persoonid"),
    "name": ("name", "naam", "volledigenaam", "fullname"),
    "email": ("email", "emailadres", "mail", "mailadres"),
    "phone": ("phone", "telefoon", "telefoonnummer", "mobiel", "mobielnummer", "gsm", "tel"),
    "channels": ("channels", "kanalen", "kanaal", "voorkeur"),
    "consent": ("consent", "toestemming"),
    "consent_date": ("consentdate", "toestemmingdatum", "datumtoestemming"),
    "role": ("role", "rol"),
    "networks": ("networks", "netwerken", "netwerk", "bin", "bincode"),
    "status": ("status", "lidstatus"),
    "left_on": ("lefton", "afgemeldop", "uitgeschrevenop", "einddatum"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode"),
    "huisnummer": ("huisnummer", "huisnr", "housenumber", "nummer"),
    "huisletter": ("huisletter", "houseletter"),
    "toevoeging": ("toevoeging", "huisnummertoevoeging", "addition"),
    "straat": ("straat", "straatnaam", "street", "openbareruimtenaam"),
    "woonplaats": ("woonplaats", "plaats", "city", "gemeente"),
    "x": (),
    "y": (),
}
_ADDRESS_ID = ("adresid", "addressid", "adresref", "id", "identificatie", "nummeraanduidingid")

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
_YES = {"ja", "yes", "true", "1", "j", "y", "waar", "x"}
_NO = {"nee", "no", "false", "0", "n", "onwaar"}
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
    """

    members: gpd.GeoDataFrame
    rejects: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    source: str = ""

    def summary(self) -> str:
        """Return a one-line account with counts only.

        Returns
        -------
        str
            E.g. ``"Read 10 member rows from x.csv: 8 kept, 2 rejected (1 no_contact, 1 no_location)"``.
        """
        n_ok, n_bad = len(self.members), len(self.rejects)
        text = f"Read {n_ok + n_bad:,} member rows from {self.source}: {n_ok:,} kept, {n_bad:,} rejected"
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


def _fold(text: str) -> str:
    """Lower-case ASCII form without accents, for matching words (coördinator -> coordinator)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.casefold().strip()


def _has_member_id(names: list[str]) -> bool:
    """Whether a sheet's header names a member id column (how a members sheet is told from the others)."""
    return any(squash(n) in _ALIASES["member_id"] for n in names)


def _dates(texts: list[str]) -> list[datetime | None]:
    """Read a column of date texts with THE date parser (:func:`bingeo.readers.values.read_dates`)."""
    got = read_dates(pd.Series(texts, dtype=object)).values
    return [None if pd.isna(v) else v.to_pydatetime() for v in got]


def _person_id(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    return "p-" + digest[:16]


def _detect(columns: list[str], fields: Mapping[str, str] | None, label: str) -> dict[str, str]:
    found: dict[str, str] = {}
    fields = dict(fields or {})
    unknown = sorted(set(fields) - set(_ALIASES))
    if unknown:
        msg = f"`fields` has unknown key(s) {unknown}; valid keys: {', '.join(sorted(_ALIASES))}"
        raise ValueError(msg)
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
    for key, aliases in _ALIASES.items():
        if key in found:
            continue
        for alias in aliases:
            hits = [c for c in columns if squashed[c] == alias and c not in used]
            if hits:
                found[key] = hits[0]
                used.add(hits[0])
                break
    if ("x" in found) != ("y" in found):
        msg = "`fields` must name both 'x' and 'y' coordinate columns, or neither"
        raise ValueError(msg)
    if "x" not in found:
        pairs = [p for p in coordinate_pairs([c for c in columns if c not in used])]
        if pairs:
            found["x"], found["y"] = pairs[0][0], pairs[0][1]
            found["_xy_kind"] = pairs[0][2]
    return found


def _to_float(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class _AddressIndex:
    """Address register keyed by (postcode, number) and (street, number)."""

    def __init__(self, addresses: gpd.GeoDataFrame, notes: Notes) -> None:
        if not isinstance(addresses, gpd.GeoDataFrame):
            msg = f"`addresses` should be a GeoDataFrame, got {type(addresses).__name__}"
            raise TypeError(msg)
        if addresses.crs is None:
            msg = "Cannot transform naive geometries. Please set a crs on the object first."
            raise ValueError(msg)
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
        self.by_postcode: dict[tuple[str, int], list[int]] = {}
        self.by_street: dict[tuple[str, int], list[int]] = {}
        self.rows: list[tuple[str, str, str, str]] = []  # (letter, toevoeging, woonplaats, ref)
        self.geoms = list(addresses.geometry.to_numpy())
        self.crs = addresses.crs

        def column(key: str) -> list[str]:
            name = self.cols[key]
            return [""] * len(addresses) if name is None else [_cell(v) for v in addresses[name].to_numpy()]

        pcs, nums, lets, toes, streets, places = (
            column(k) for k in ("postcode", "huisnummer", "huisletter", "toevoeging", "straat", "woonplaats")
        )
        refs = [_cell(v) for v in (addresses[id_col] if id_col else addresses.index.to_series()).to_numpy()]
        for i in range(len(addresses)):
            try:
                num = int(nums[i])
            except ValueError:
                num = -1
            self.rows.append((_fold(lets[i]), _fold(toes[i]), squash(places[i]), refs[i]))
            if pcs[i]:
                self.by_postcode.setdefault(((normalise_postcode(pcs[i]) or ""), num), []).append(i)
            if streets[i]:
                self.by_street.setdefault((squash(streets[i]), num), []).append(i)

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

    Columns are detected case-insensitively by their Dutch or English name
    (``lid_id``, ``naam``, ``e-mail``, ``telefoon``, ``kanalen``,
    ``toestemming``, ``rol``, ``netwerken``, ``postcode``, ``huisnummer``,
    ``straat``, ``x``/``y``, ``lon``/``lat``, ...); ``fields`` overrides.
    Every input row ends up exactly once, in ``members`` or in ``rejects``.

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
        member_id, person_id, name, email, phone, channels, consent,
        consent_date, role, networks, status, left_on, postcode, huisnummer,
        huisletter, toevoeging, straat, woonplaats, x, y.
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
    - A member with one unusable contact (bad e-mail but good phone, or the
      reverse) is kept with that contact blanked; the count is in ``notes``.
      Only when no usable contact remains is the row rejected, as
      ``bad_phone:<reason>`` when a phone was given, else
      ``bad_email:<reason>``, or ``no_contact`` when neither was given.
      Service numbers (0800/0900) cannot receive alerts: ``service_number``.
    - A member without consent (``nee``, or an empty consent cell, or no
      consent column) is kept with ``consent=False``; an unreadable consent
      value is ``bad_consent``.
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
    'Read 2 member rows from <frame>: 1 kept, 1 rejected (1 no_contact)'
    """
    if not isinstance(frame, pd.DataFrame):
        msg = f"`frame` should be a DataFrame or GeoDataFrame, got {type(frame).__name__}"
        raise TypeError(msg)
    if not isinstance(default_country, str) or default_country.upper() not in ("NL", "BE"):
        msg = f"`default_country` must be 'NL' or 'BE', got {default_country!r}"
        raise ValueError(msg)
    notes = Notes(source)
    is_geo = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
    geom_name = frame.geometry.name if is_geo else None
    columns = [str(c) for c in frame.columns if c != geom_name]
    cols = _detect(columns, fields, source)
    if "member_id" not in cols:
        msg = f"{source}: no member id column (member_id, lid_id, lidnummer, id). Columns: {', '.join(columns)}."
        raise InputError(msg)
    notes.add("Columns: " + ", ".join(f"{k}={v}" for k, v in cols.items() if not k.startswith("_")) + ".")
    n = len(frame)

    def col(key: str) -> list[str]:
        name = cols.get(key)
        return [""] * n if name is None else [_cell(v) for v in frame[name].to_numpy()]

    data = {k: col(k) for k in _ALIASES}
    # dates by THE date parser, a column at a time (ISO never day-first; D-M-Y day first)
    days = {k: _dates(data[k]) for k in ("consent_date", "left_on")}

    # target CRS and coordinate CRS
    index = _AddressIndex(addresses, notes) if addresses is not None else None
    coord_crs: pyproj.CRS | None = None
    if "x" in cols:
        if crs is not None:
            coord_crs = to_crs(crs)
        elif cols.get("_xy_kind") == "geographic":
            coord_crs = pyproj.CRS.from_epsg(4326)
            notes.add("Coordinates in lon/lat columns read as EPSG:4326 (WGS 84).")
    geom_crs = frame.crs if is_geo else None
    if index is not None:
        target = index.crs
    elif crs is not None:
        target = to_crs(crs)
    else:
        target = geom_crs or coord_crs

    has_pc = "postcode" in cols and "huisnummer" in cols
    has_street = "straat" in cols and "huisnummer" in cols
    geoms = list(frame.geometry.to_numpy()) if is_geo else [None] * n

    reasons: list[tuple[int, str, str]] = []  # (row, code, detail)
    kept: list[dict[str, Any]] = []
    kept_geom: list[Any] = []
    kept_geom_crs: list[str] = []  # 'target' | 'coords' | 'frame'
    seen_ids: set[str] = set()
    counts: Counter[str] = Counter()

    for i in range(n):
        mid = data["member_id"][i]

        def reject(code: str, detail: str, i: int = i) -> None:
            reasons.append((i, code, detail))

        if not mid:
            reject("missing_member_id", f"column {cols['member_id']!r} is empty")
            continue
        if mid in seen_ids:
            reject("duplicate_member_id", "member id already used in an earlier row; the first row is kept")
            continue
        seen_ids.add(mid)

        role_text = _fold(data["role"][i])
        if role_text and role_text not in _ROLES:
            reject("bad_role", f"column {cols['role']!r} is not one of member/lid/deelnemer/coordinator/beheerder")
            continue
        role = _ROLES.get(role_text, "member")

        consent_text = _fold(data["consent"][i])
        if consent_text in _YES:
            consent = True
        elif consent_text in _NO or not consent_text:
            consent = False
            if not consent_text and "consent" in cols:
                counts["consent_empty"] += 1
        else:
            reject("bad_consent", f"column {cols['consent']!r} is not ja/nee/yes/no/true/false/1/0/j/n")
            continue

        # contacts
        phone = kind = None
        phone_err = email_err = None
        mobile = False
        if data["phone"][i]:
            try:
                p = normalize_phone(data["phone"][i], default_country=default_country)
            except ContactError as exc:
                phone_err = exc.reason
            else:
                if p.kind == "service":
                    phone_err = "service_number"
                else:
                    phone, kind, mobile = p.e164, p.kind, p.mobile
        email = None
        if data["email"][i]:
            try:
                email = check_email(data["email"][i])
            except ContactError as exc:
                email_err = exc.reason
        if phone is None and email is None:
            if phone_err:
                extra = f"; e-mail: {email_err}" if email_err else ""
                reject(f"bad_phone:{phone_err}", f"column {cols['phone']!r}: {phone_err}{extra}")
            elif email_err:
                reject(f"bad_email:{email_err}", f"column {cols['email']!r}: {email_err}")
            else:
                reject("no_contact", "neither a phone number nor an e-mail address")
            continue

        # location
        geom = None
        geom_from = ""
        located_by = ""
        address_ref = None
        loc_fail: tuple[str, str] | None = None
        g = geoms[i]
        if g is not None and not (isinstance(g, float) and math.isnan(g)) and not g.is_empty:
            geom = g if g.geom_type == "Point" else g.representative_point()
            geom_from, located_by = "frame", "coordinates"
        elif "x" in cols and (data["x"][i] or data["y"][i]):
            xv, yv = _to_float(data["x"][i]), _to_float(data["y"][i])
            if xv is not None and yv is not None:
                geom = shapely.Point(xv, yv)
                geom_from, located_by = "coords", "coordinates"
            else:
                loc_fail = ("no_location", "coordinates are not numbers")
        if geom is None:
            number = data["huisnummer"][i]
            pc = (normalise_postcode(data["postcode"][i]) or "") if has_pc else ""
            street = squash(data["straat"][i]) if has_street else ""
            if number and (pc or street):
                if index is None:
                    msg = (
                        f"{source}: members are located by address but no `addresses` were given. "
                        "Pass an address register, e.g. bingeo.read_points('addresses.csv', crs=28992).points."
                    )
                    raise InputError(msg)
                m = _HOUSE.fullmatch(_fold(number))
                if m is None:
                    loc_fail = ("address_not_found", f"column {cols['huisnummer']!r} is not a house number")
                else:
                    num = int(m.group(1))
                    letter = _fold(data["huisletter"][i]) or (m.group(2) or "")
                    addition = _fold(data["toevoeging"][i]) or (m.group(3) or "")
                    place = squash(data["woonplaats"][i])
                    if pc:
                        if not _POSTCODE.fullmatch(pc):
                            loc_fail = ("address_not_found", f"column {cols['postcode']!r} is not a postcode")
                        else:
                            status, hit = index.match(index.by_postcode.get((pc, num), []), letter, addition, "")
                            by = "postcode"
                    else:
                        status, hit = index.match(index.by_street.get((street, num), []), letter, addition, place)
                        by = "street"
                    if loc_fail is None:
                        if hit is None:
                            loc_fail = (
                                status,
                                f"no single match by {by} and house number in `addresses`"
                                if status == "ambiguous_address"
                                else f"no match by {by} in `addresses`",
                            )
                        else:
                            geom = index.geoms[hit]
                            geom_from, located_by, address_ref = "target", by, index.rows[hit][3]
            elif loc_fail is None:
                loc_fail = ("no_location", "no coordinates and no postcode/street with house number")
        if geom is None:
            assert loc_fail is not None
            reject(*loc_fail)
            continue

        # channels
        available = set()
        if mobile:
            available |= {"sms", "voice"}
        elif phone:
            available.add("voice")
        if email:
            available.add("email")
        wanted: set[str] = set()
        for token in re.split(r"[;,/|+\s]+", data["channels"][i]):
            t = squash(token)
            if not t:
                continue
            if t in _CHANNELS:
                wanted.add(_CHANNELS[t])
            else:
                counts["channel_unknown"] += 1
        if wanted - available:
            counts["channel_dropped"] += 1
        wanted &= available
        if not wanted:
            wanted = {"sms"} if mobile else ({"voice"} if phone else set())
            if email:
                wanted.add("email")
        if phone_err:
            counts["phone_blanked"] += 1
        if email_err:
            counts["email_blanked"] += 1

        # dates and status
        consent_date = days["consent_date"][i]
        if data["consent_date"][i] and consent_date is None:
            counts["consent_date_bad"] += 1
        left_on = days["left_on"][i]
        if data["left_on"][i] and left_on is None:
            counts["left_on_bad"] += 1
        status_text = _fold(data["status"][i])
        if status_text in _LEFT or left_on is not None:
            status_value = "left"
        else:
            status_value = "active"
            if status_text and status_text not in _ACTIVE:
                counts["status_unknown"] += 1

        networks: list[str] = []
        for net in re.split(r"[;,]", data["networks"][i]):
            if net.strip() and net.strip() not in networks:
                networks.append(net.strip())

        if data["person_id"][i]:
            pid = data["person_id"][i]
        elif email:
            pid = _person_id("email", email.casefold())
        else:
            pid = _person_id("phone", str(phone))

        kept.append(
            {
                "_row": i,
                "member_id": mid,
                "person_id": pid,
                "name": data["name"][i] or None,
                "email": email,
                "phone": phone,
                "phone_kind": kind,
                "channels": ";".join(c for c in _CHANNEL_ORDER if c in wanted),
                "consent": consent,
                "consent_date": consent_date,
                "role": role,
                "networks": ";".join(networks),
                "address_ref": address_ref,
                "located_by": located_by,
                "status": status_value,
                "left_on": left_on,
            }
        )
        kept_geom.append(geom)
        kept_geom_crs.append(geom_from)

    # geometries into the target CRS
    needs_crs = {"coords": coord_crs, "frame": geom_crs}
    for key, src_crs in needs_crs.items():
        if key in kept_geom_crs and src_crs is None and target is None:
            to_crs(None, what="`crs` of the member coordinates")
    if target is None and "target" not in kept_geom_crs:
        target = coord_crs or geom_crs
    out_geoms = np.array(kept_geom, dtype=object)
    for key, src_crs in needs_crs.items():
        mask = np.array([k == key for k in kept_geom_crs], dtype=bool)
        if mask.any():
            src = src_crs if src_crs is not None else target
            if target is not None and src is not None and not same_crs(src, target):
                out_geoms[mask] = gpd.GeoSeries(list(out_geoms[mask]), crs=src).to_crs(target).to_numpy()
                notes.add(f"{int(mask.sum()):,} member location(s) reprojected to the output CRS.")

    members = pd.DataFrame(kept, columns=["_row", *MEMBER_COLUMNS])
    members = members.drop(columns="_row")
    members["consent"] = members["consent"].astype(bool)
    for c in ("consent_date", "left_on"):
        members[c] = pd.to_datetime(members[c])
    result = gpd.GeoDataFrame(members, geometry=gpd.GeoSeries(list(out_geoms), crs=target), crs=target).reset_index(
        drop=True
    )

    rejects = pd.DataFrame(
        {
            "source_row": pd.Series([r + 1 for r, _, _ in reasons], dtype="int64"),
            "member_id": pd.Series([data["member_id"][r] or None for r, _, _ in reasons], dtype=object),
            "reject_reason": pd.Series([c for _, c, _ in reasons], dtype=object),
            "reject_detail": pd.Series([d for _, _, d in reasons], dtype=object),
        }
    )

    messages = {
        "phone_blanked": "row(s) kept without their unusable phone number (the e-mail address is usable)",
        "email_blanked": "row(s) kept without their unusable e-mail address (the phone number is usable)",
        "consent_empty": "row(s) with an empty consent cell kept with consent=False",
        "channel_unknown": "unknown channel token(s) ignored (known: sms, voice, email)",
        "channel_dropped": "row(s) asked for a channel their contacts cannot serve; it was dropped",
        "consent_date_bad": "consent date(s) not read as a day-first date; left empty",
        "left_on_bad": "left_on date(s) not read as a day-first date; left empty",
        "status_unknown": "row(s) with an unknown status kept as active",
    }
    for key, text in messages.items():
        if counts[key]:
            notes.add(f"{counts[key]:,} {text}.")
    if "consent" not in cols:
        notes.add("No consent column: every member kept with consent=False.")
    dup = sum(1 for _, c, _ in reasons if c == "duplicate_member_id")
    if dup:
        notes.add(f"{dup:,} row(s) repeat an earlier member id and were rejected; the first row of each id is kept.")
    out = MembersResult(members=result, rejects=rejects, notes=list(notes), source=source)
    logger.info("%s", out.summary())
    return out


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
    source = check_source(path)
    label = str(path)
    merged = dict(fields or {})
    if (x_field is None) != (y_field is None):
        msg = "give both `x_field` and `y_field`, or neither"
        raise ValueError(msg)
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
    res = members_from_frame(
        frame, crs=crs, addresses=addresses, default_country=default_country, fields=merged, source=label
    )
    res.notes[:0] = list(notes)
    return res


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
    seen = set(result.members["member_id"].astype(str))
    if "member_id" in result.rejects.columns:
        seen |= {str(v) for v in result.rejects["member_id"].dropna() if str(v)}
    gone = current[~current["member_id"].astype(str).isin(seen) & (current["status"].fillna("") != "left")].copy()
    if not len(gone):
        return 0
    gone["status"] = "left"
    gone["left_on"] = (on or dt.date.today()).isoformat()
    store.upsert_members(gone)
    return len(gone)
