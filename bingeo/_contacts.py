"""Contact details of network members: phone numbers, e-mail addresses, CSV cells.

Pure functions, no I/O. Residents type phone numbers and e-mail addresses in
every style imaginable; these helpers turn them into one canonical form
(E.164 for phones) or reject them with a machine-readable reason code.

Privacy rule: member data never appears in an exception message or a log line.
A :class:`ContactError` names the problem ("phone number has 8 digits after the
country code; ...") and never the value. This module does not log at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bingeo.errors import ContactError, InputError

__all__ = [
    "ContactError",
    "Phone",
    "normalize_phone",
    "plain_phones",
    "plain_phone_columns",
    "plain_phone_arrays",
    "check_email",
    "plain_email",
    "plain_emails",
    "plain_email_mask",
    "neutralize_cell",
]


@dataclass(frozen=True)
class Phone:
    """A normalised phone number.

    Attributes
    ----------
    e164 : str
        The number in E.164 form, e.g. ``"+31612345678"``.
    country : str
        ``"NL"``, ``"BE"``, or ``""`` for a number from another country
        (accepted as-is, see :func:`normalize_phone`).
    mobile : bool
        True for a mobile number (can receive SMS / WhatsApp alerts).
    kind : str
        ``"mobile"``, ``"landline"``, ``"service"`` (NL 0800/0900, BE 0800/090x:
        cannot receive alerts) or ``"unknown"`` (other countries).
    """

    e164: str
    country: str
    mobile: bool
    kind: str


_COUNTRY_CODES = {"NL": "31", "BE": "32"}
_COUNTRY_NAMES = {"NL": "Dutch", "BE": "Belgian"}
_SEPARATORS = re.compile(r"[\s.\-/()]")
_ALLOWED_PHONE = re.compile(r"\+?[0-9\s.\-/()]*")


def normalize_phone(text: str, *, default_country: str = "NL", allow_foreign: bool = True) -> Phone:
    """Normalise a Dutch or Belgian phone number as entered by a resident.

    Accepted: spaces, dots, dashes, slashes and parentheses as separators; an
    international prefix ``+31``/``+32`` or ``0031``/``0032``; the trunk
    prefix ``0`` for national numbers; and ``(0)`` (or a plain ``0``) after the
    country code, as in ``+31 (0)6 ...``.

    Rules:

    - NL: 9 national digits. ``6...`` is mobile, other geographic and
      non-geographic numbers (``01``-``05``, ``07``, ``08x``) are landline.
      ``0800``/``0900``/``0906``/``0909`` numbers are ``"service"`` (4 or 7
      digits after the prefix): valid, but they cannot receive alerts.
    - BE: mobile numbers are 9 national digits starting with 46-49; landline
      numbers are 8 national digits (``02 xxx xx xx`` Brussels,
      ``04 xxx xx xx`` Liège, ...) not starting with 46-49 (an 8-digit
      ``046``-``049`` number is a mobile number missing a digit). ``0800`` and ``090x`` are ``"service"``.
    - Numbers without an international prefix are read in ``default_country``
      (a member file from a Belgian police zone says ``"BE"``).
    - Other countries: accepted as-is when written with ``+`` or ``00`` and
      8-15 digits in total (E.164 allows 15); ``country`` is ``""``, ``kind``
      is ``"unknown"`` and ``mobile`` is False, because this module has no
      numbering plan for them. Pass ``allow_foreign=False`` to reject them
      with reason ``"unsupported_country"``.
    - Short numbers (112, 144, 1400, ...) are rejected: they are not members.

    Parameters
    ----------
    text : str
        The number as entered.
    default_country : {"NL", "BE"}, keyword-only
        Country of numbers written without an international prefix.
    allow_foreign : bool, keyword-only
        Accept numbers from countries other than NL and BE.

    Returns
    -------
    Phone
        The normalised number.

    Raises
    ------
    ContactError
        With ``reason`` one of ``"not_text"``, ``"empty"``, ``"letters"``,
        ``"invalid_character"``, ``"short_number"``, ``"missing_trunk_prefix"``,
        ``"wrong_length"``, ``"invalid_prefix"``, ``"unsupported_country"``.
        The message never contains the number.
    ValueError
        If ``default_country`` is not ``"NL"`` or ``"BE"``.

    Examples
    --------
    >>> normalize_phone("06-12 34 56 78")
    Phone(e164='+31612345678', country='NL', mobile=True, kind='mobile')
    >>> normalize_phone("+31 (0)20 123 4567").e164
    '+31201234567'
    >>> normalize_phone("0470/12.34.56", default_country="BE").e164
    '+32470123456'
    >>> normalize_phone("112").kind
    Traceback (most recent call last):
    ...
    bingeo.errors.ContactError: phone number is a short number (emergency or service); members need a full number
    """
    country_key = default_country.upper() if isinstance(default_country, str) else default_country
    if country_key not in _COUNTRY_CODES:
        msg = f"default_country must be 'NL' or 'BE', got {default_country!r}"
        raise InputError(msg)
    if not isinstance(text, str):
        msg = f"phone number must be text, got {type(text).__name__}"
        raise ContactError("not_text", msg)
    stripped = text.strip()
    if not stripped:
        raise ContactError("empty", "phone number is empty")
    allowed = _ALLOWED_PHONE.fullmatch(stripped)  # allowed characters hold no letter: the letter test is moot
    if not allowed and any(ch.isalpha() for ch in stripped):
        msg = (
            "phone number contains letters; only digits, '+', spaces, dots, dashes, slashes and parentheses are allowed"
        )
        raise ContactError("letters", msg)
    if not allowed:
        msg = (
            "phone number contains a character other than digits, a leading '+', spaces, dots, dashes, "
            "slashes and parentheses"
        )
        raise ContactError("invalid_character", msg)
    digits = _SEPARATORS.sub("", stripped)
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if not digits:
        raise ContactError("empty", "phone number has no digits")

    if plus or digits.startswith("00"):
        international = digits if plus else digits[2:]
        return _international(international, allow_foreign=allow_foreign)

    if len(digits) <= 6:
        msg = "phone number is a short number (emergency or service); members need a full number"
        raise ContactError("short_number", msg)
    if not digits.startswith("0"):
        msg = (
            "phone number has neither an international prefix ('+' or '00') nor the trunk prefix '0'; "
            "a spreadsheet may have dropped the leading zero"
        )
        raise ContactError("missing_trunk_prefix", msg)
    return _national(country_key, digits[1:])


#: The shapes most Dutch numbers are written in: ASCII digits and separators, then +31/0031 (a written trunk
#: zero allowed) or the trunk zero, and 9 national digits not starting with 0 or 9 (the 9xx/0800 rules differ).
_PLAIN_PHONE_CHARS = r"^\+?[0-9 .\-/()]*$"
#: The separators a plain phone number may hold (:data:`_PLAIN_PHONE_CHARS`).
_PLAIN_SEPARATORS = (" ", ".", "-", "/", "(", ")")
_PLAIN_NL = r"^(?:(?:\+31|0031)0?(?P<intl>[1-8][0-9]{8})|0(?P<national>[1-8][0-9]{8}))$"


def plain_phones(texts: Sequence[str], *, default_country: str = "NL") -> list[tuple[str, bool] | None]:
    """Return (E.164, mobile) for each Dutch number in a common shape, else None (then ask :func:`normalize_phone`).

    A column at a time (pyarrow's regular expressions). Whenever this gives a pair, :func:`normalize_phone`
    returns the same number, with ``kind`` mobile or landline: the short way for the numbers most members give.

    Examples
    --------
    >>> plain_phones(["06-12 34 56 78", "+31 (0)20 123 4567", "0800 1234", ""])
    [('+31612345678', True), ('+31201234567', False), None, None]
    """
    ok, numbers, mobile = plain_phone_columns(texts, default_country=default_country)
    return [(n, m) if good else None for n, m, good in zip(numbers, mobile.tolist(), ok.tolist())]


def _without_bytes(arr: Any, drop: bytes) -> Any:
    """Return an Arrow string array without the ASCII characters ``drop`` (numpy over its buffers, one pass).

    As ``replace_substring`` of each character by ``""`` (an ASCII byte is never part of a longer UTF-8
    character), ~10x faster per 1 M rows.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    validity, offsets, data = arr.buffers()
    if arr.offset or data is None or not len(arr):  # (never from pa.array) the general way
        for byte in drop:
            arr = pc.replace_substring(arr, chr(byte), "")
        return arr
    ends = np.frombuffer(offsets, np.int32, len(arr) + 1)
    text = np.frombuffer(data, np.uint8)[: ends[-1]]
    unwanted = np.zeros(256, dtype=bool)
    unwanted[list(drop)] = True
    keep = ~unwanted[text]
    kept = np.zeros(len(text) + 1, dtype=np.int32)
    np.cumsum(keep, out=kept[1:])
    buffers = [validity, pa.py_buffer(kept[ends]), pa.py_buffer(text[keep])]
    return pa.Array.from_buffers(pa.string(), len(arr), buffers, arr.null_count)


def plain_phone_columns(texts: Sequence[str], *, default_country: str = "NL") -> tuple[Any, list[str | None], Any]:
    """Return :func:`plain_phones` as columns: decided (bool array), the E.164 numbers (None where not), mobile.

    Examples
    --------
    >>> ok, numbers, mobile = plain_phone_columns(["06-12 34 56 78", "0800 1234"])
    >>> ok.tolist(), numbers, mobile.tolist()
    ([True, False], ['+31612345678', None], [True, False])
    """
    ok, numbers, mobile = plain_phone_arrays(texts, default_country=default_country)
    return ok, numbers.to_pylist(), mobile


def plain_phone_arrays(texts: Any, *, default_country: str = "NL") -> tuple[Any, Any, Any]:
    """Return :func:`plain_phone_columns` with the E.164 numbers as an Arrow string array (null where not decided).

    ``texts`` is a sequence of str or an Arrow string array.

    Examples
    --------
    >>> ok, numbers, mobile = plain_phone_arrays(["+31 6 1234 5678", "06-123"])
    >>> ok.tolist(), numbers.to_pylist(), mobile.tolist()
    ([True, False], ['+31612345678', None], [True, False])
    """
    import pyarrow as pa  # here: the recipients command imports this module without pandas or pyarrow
    import pyarrow.compute as pc

    arr = texts if isinstance(texts, pa.Array) and texts.type == pa.string() else pa.array(texts, type=pa.string())
    digits = _without_bytes(arr, "".join(_PLAIN_SEPARATORS).encode())
    # what _PLAIN_NL matches, a test at a time: +31 or 0031, an optional 0, then 9 digits not starting with 0 or
    # 9; or (NL) 0 and those 9 digits
    after = pc.if_else(
        pc.starts_with(digits, "+31"),
        pc.utf8_slice_codeunits(digits, 3),
        pc.if_else(pc.starts_with(digits, "0031"), pc.utf8_slice_codeunits(digits, 4), pa.scalar(None, pa.string())),
    )
    after = pc.if_else(
        pc.and_(pc.equal(pc.utf8_length(after), 10), pc.starts_with(after, "0")),
        pc.utf8_slice_codeunits(after, 1),
        after,
    )
    national = pc.and_(pc.is_null(after), pc.starts_with(digits, "0"))
    if default_country.upper() != "NL":
        national = pc.and_(national, False)
    nsn = pc.if_else(national, pc.utf8_slice_codeunits(digits, 1), after)
    lead = pc.utf8_slice_codeunits(nsn, 0, 1)
    ok = pc.fill_null(
        pc.and_kleene(
            pc.and_(pc.match_substring_regex(arr, _PLAIN_PHONE_CHARS), pc.ascii_is_decimal(nsn)),
            pc.and_(
                pc.and_(pc.equal(pc.utf8_length(nsn), 9), pc.invert(pc.starts_with(nsn, "800"))),
                pc.and_(pc.not_equal(lead, "0"), pc.not_equal(lead, "9")),
            ),
        ),
        False,
    )
    numbers = pc.if_else(ok, pc.binary_join_element_wise("+31", nsn, ""), None)
    mobile = pc.fill_null(pc.and_(ok, pc.starts_with(nsn, "6")), False)
    return ok.to_numpy(zero_copy_only=False), numbers, mobile.to_numpy(zero_copy_only=False)


def _international(digits: str, *, allow_foreign: bool) -> Phone:
    if digits.startswith("0"):
        raise ContactError("invalid_prefix", "country code after the international prefix cannot start with zero")
    for country, code in _COUNTRY_CODES.items():
        if digits.startswith(code):
            nsn = digits[len(code) :]
            # "+31 (0)6 ..." and "+31 06 ...": the trunk zero is written but not dialled.
            if nsn.startswith("0"):
                nsn = nsn[1:]
            return _national(country, nsn)
    if not allow_foreign:
        raise ContactError("unsupported_country", "phone number has a country code other than NL (31) or BE (32)")
    if not 8 <= len(digits) <= 15:
        msg = f"international phone number has {len(digits)} digits; E.164 numbers have 8 to 15"
        raise ContactError("wrong_length", msg)
    return Phone(e164="+" + digits, country="", mobile=False, kind="unknown")


def _national(country: str, nsn: str) -> Phone:
    """Classify a national significant number (without trunk zero)."""
    name = _COUNTRY_NAMES[country]
    e164 = "+" + _COUNTRY_CODES[country] + nsn
    if not nsn or nsn.startswith("0"):
        raise ContactError("invalid_prefix", f"{name} phone number cannot start with two zeros after the country code")
    if country == "NL":
        if nsn.startswith(("800", "900", "906", "909")):
            if len(nsn) in (7, 10):
                return Phone(e164=e164, country="NL", mobile=False, kind="service")
            msg = f"Dutch service number has {len(nsn) - 3} digits after its prefix; they have 4 or 7"
            raise ContactError("wrong_length", msg)
        if nsn.startswith("6"):
            if len(nsn) == 9:
                return Phone(e164=e164, country="NL", mobile=True, kind="mobile")
            msg = (
                f"phone number has {len(nsn)} digits after the country code; "
                "Dutch mobile numbers have 9 starting with 6"
            )
            raise ContactError("wrong_length", msg)
        if nsn[0] == "9":
            msg = "Dutch phone number has a prefix that is neither geographic, mobile nor a service number"
            raise ContactError("invalid_prefix", msg)
        if len(nsn) == 9:
            return Phone(e164=e164, country="NL", mobile=False, kind="landline")
        msg = f"phone number has {len(nsn)} digits after the country code; Dutch landline numbers have 9"
        raise ContactError("wrong_length", msg)

    # Belgium
    if nsn.startswith(("800", "90")):
        if len(nsn) == 8:
            return Phone(e164=e164, country="BE", mobile=False, kind="service")
        msg = f"phone number has {len(nsn)} digits after the country code; Belgian service numbers have 8"
        raise ContactError("wrong_length", msg)
    if len(nsn) == 9:
        if nsn[:2] in ("46", "47", "48", "49"):
            return Phone(e164=e164, country="BE", mobile=True, kind="mobile")
        msg = (
            "phone number has 9 digits after the country code, which only Belgian mobile numbers have, "
            "but Belgian mobile numbers start with 46 to 49"
        )
        raise ContactError("invalid_prefix", msg)
    if len(nsn) == 8 and nsn[:2] not in ("46", "47", "48", "49"):
        return Phone(e164=e164, country="BE", mobile=False, kind="landline")
    msg = (
        f"phone number has {len(nsn)} digits after the country code; Belgian mobile numbers have 9 "
        "starting with 46 to 49, landline numbers have 8"
    )
    raise ContactError("wrong_length", msg)


_LOCAL_CHARS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
#: The addresses most members give, which :func:`check_email` accepts unchanged: a dotted ASCII local part,
#: lower-case labels and a top-level domain of letters (the lengths are checked beside it).
_PLAIN_EMAIL = re.compile(
    r"([A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*)@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def plain_email(text: str) -> str | None:
    """Return an address :func:`check_email` accepts unchanged (the common shape), else None.

    Examples
    --------
    >>> plain_email("jan.jansen@example.nl")
    'jan.jansen@example.nl'
    >>> plain_email("Jan@Example.NL") is None
    True
    """
    plain = _PLAIN_EMAIL.fullmatch(text)
    if plain and len(plain.group(1)) <= 64 and len(text) <= 254 and len(text) - len(plain.group(1)) <= 254:
        return text
    return None


def plain_emails(texts: Sequence[str]) -> list[bool]:
    """Return, for each text, whether :func:`check_email` accepts it unchanged (:func:`plain_email` by column).

    Examples
    --------
    >>> plain_emails(["jan.jansen@example.nl", "Jan@Example.NL", ""])
    [True, False, False]
    """
    return plain_email_mask(texts).tolist()


def plain_email_mask(texts: Any) -> Any:
    """Return :func:`plain_emails` as a numpy bool array; ``texts`` is a sequence of str or an Arrow string array.

    Examples
    --------
    >>> plain_email_mask(["jan@example.nl", "jan@"]).tolist()
    [True, False]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = texts if isinstance(texts, pa.Array) and texts.type == pa.string() else pa.array(texts, type=pa.string())
    local = pc.find_substring(arr, "@")
    size = pc.utf8_length(arr)
    ok = pc.and_(
        pc.match_substring_regex(arr, "^" + _PLAIN_EMAIL.pattern + "$"),
        pc.and_(pc.less_equal(local, 64), pc.less_equal(size, 254)),
    )
    return pc.fill_null(ok, False).to_numpy(zero_copy_only=False)


def check_email(text: str) -> str:
    """Check an e-mail address pragmatically and return it normalised.

    Not a full RFC 5322 parser: it accepts what mail providers hand out and
    rejects the typos residents make. Rules: exactly one ``@``; a local part of
    1-64 characters (letters, digits, ``!#$%&'*+/=?^_`{|}~-`` and dots, no
    leading, trailing or consecutive dots); a domain with at least one dot,
    labels of letters, digits and hyphens (not at either end), a top-level
    domain of at least 2 letters; no whitespace. Internationalised domain
    names (``bürgerverein.de``) are checked in their ASCII form, obtained with
    Python's built-in ``idna`` codec (:mod:`encodings.idna`, IDNA 2003).

    Normalisation: surrounding whitespace is stripped and the domain is
    lower-cased. The local part is left as is: its case may matter to the
    receiving server.

    Parameters
    ----------
    text : str
        The address as entered.

    Returns
    -------
    str
        The normalised address.

    Raises
    ------
    ContactError
        With ``reason`` one of ``"not_text"``, ``"empty"``, ``"whitespace"``,
        ``"missing_at"``, ``"multiple_at"``, ``"empty_local"``,
        ``"local_too_long"``, ``"local_character"``, ``"consecutive_dots"``,
        ``"dot_at_edge"``, ``"empty_domain"``, ``"domain_no_dot"``,
        ``"domain_label"``, ``"domain_idna"``, ``"tld"``, ``"too_long"``.
        The message never contains the address.

    Examples
    --------
    >>> check_email("  Jan.Jansen@Example.NL ")
    'Jan.Jansen@example.nl'
    >>> check_email("wijk@bürgerverein.de")
    'wijk@bürgerverein.de'
    >>> check_email("jan@@example.nl")
    Traceback (most recent call last):
    ...
    bingeo.errors.ContactError: e-mail address has more than one '@'
    """
    if not isinstance(text, str):
        msg = f"e-mail address must be text, got {type(text).__name__}"
        raise ContactError("not_text", msg)
    address = text.strip()
    if plain_email(address) is not None:
        return address  # passes every rule below, and its domain is lower-case already
    if not address:
        raise ContactError("empty", "e-mail address is empty")
    if any(ch.isspace() for ch in address):
        raise ContactError("whitespace", "e-mail address contains whitespace")
    count = address.count("@")
    if count == 0:
        raise ContactError("missing_at", "e-mail address has no '@'")
    if count > 1:
        raise ContactError("multiple_at", "e-mail address has more than one '@'")
    local, domain = address.split("@")
    if not local:
        raise ContactError("empty_local", "e-mail address has nothing before the '@'")
    if len(local) > 64:
        raise ContactError("local_too_long", "e-mail address has more than 64 characters before the '@'")
    if not _LOCAL_CHARS.fullmatch(local):
        msg = "e-mail address has a character before the '@' other than letters, digits, dots and !#$%&'*+/=?^_`{|}~-"
        raise ContactError("local_character", msg)
    if ".." in local:
        raise ContactError("consecutive_dots", "e-mail address has consecutive dots before the '@'")
    if local.startswith(".") or local.endswith("."):
        raise ContactError("dot_at_edge", "e-mail address starts or ends its part before the '@' with a dot")

    domain = domain.lower()
    if not domain:
        raise ContactError("empty_domain", "e-mail address has nothing after the '@'")
    if ".." in domain:
        raise ContactError("consecutive_dots", "e-mail domain has consecutive dots")
    if domain.startswith(".") or domain.endswith("."):
        raise ContactError("dot_at_edge", "e-mail domain starts or ends with a dot")
    if "." not in domain:
        raise ContactError("domain_no_dot", "e-mail domain has no dot (expected e.g. name.nl)")
    if domain.isascii():
        ascii_domain = domain
    else:
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            msg = "e-mail domain is not a valid internationalised domain name"
            raise ContactError("domain_idna", msg) from None
    labels = ascii_domain.split(".")
    for label in labels:
        if not _LABEL.fullmatch(label):
            msg = "e-mail domain has a part that is not 1-63 letters, digits or hyphens (no hyphen at the start or end)"
            raise ContactError("domain_label", msg)
    if not _TLD.fullmatch(labels[-1]):
        raise ContactError("tld", "e-mail domain must end in a top-level domain of at least 2 letters")
    if len(ascii_domain) > 253 or len(local) + 1 + len(ascii_domain) > 254:
        raise ContactError("too_long", "e-mail address is longer than 254 characters")
    return f"{local}@{domain}"


#: First characters (after spaces) that make a spreadsheet read a text cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: object) -> object:
    """Protect a value written to CSV against formula injection.

    Spreadsheet programs (Excel, LibreOffice, Google Sheets) treat a cell that
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
    formula, which an attacker can abuse through any member-supplied field
    (OWASP "CSV Injection"). Following OWASP's advice, such strings, also when
    preceded by spaces, get a leading apostrophe ``'``. Excel hides that
    apostrophe as a text prefix of the cell; other readers show it.

    Phone columns are written in E.164, which starts with ``+``, so they are
    neutralised too: exports must always pass cells through this function,
    and importers should strip one leading apostrophe before
    :func:`normalize_phone` (which rejects it as an invalid character).

    Non-string values (numbers, dates, None) are returned unchanged: they are
    written as values, not parsed as formulas.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        ``"'" + value`` for a dangerous string, else ``value`` itself.

    Examples
    --------
    >>> neutralize_cell("=SUM(A1)")
    "'=SUM(A1)"
    >>> neutralize_cell("+31612345678")
    "'+31612345678"
    >>> neutralize_cell("Dorpsstraat 1")
    'Dorpsstraat 1'
    >>> neutralize_cell(-1)
    -1
    """
    if not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
