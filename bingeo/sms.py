"""SMS segments: how many parts a message needs, and which characters force UCS-2.

SMS and voice alerts stay hand-offs to the dispatch system (the lists ``bingeo recipients`` writes); before a
coordinator pastes the text there, :func:`sms_segments` says what it costs and :func:`sms_warnings` warns when an
urgent message needs more than one part or holds characters that force UCS-2.

The rules are those of 3GPP TS 23.038 (the GSM 7-bit default alphabet and its extension table) and TS 23.040
(concatenated messages): GSM-7 holds 160 characters in one message and 153 per part of a longer one; a character
of the extension table (``^ { } \\ [ ~ ] | €`` and form feed) takes two (an escape and the character) and is never
split over two parts. A text with any other character is sent in UCS-2: 70 characters in one message, 67 per part;
a character outside the Basic Multilingual Plane (an emoji) takes two UTF-16 units and is never split either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bingeo._results import Result

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "GSM7_SINGLE",
    "GSM7_PART",
    "UCS2_SINGLE",
    "UCS2_PART",
    "SmsCount",
    "sms_segments",
    "sms_warnings",
]

#: The GSM 7-bit default alphabet (3GPP TS 23.038 6.2.1), in code order, without the escape (0x1B).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The characters of the default extension table (TS 23.038 6.2.1.1): each takes an escape and itself.
GSM7_EXTENSION = "\f^{}\\[]~|€"
#: Characters in one GSM-7 message, and per part of a concatenated one (the rest holds the part header).
GSM7_SINGLE = 160
GSM7_PART = 153
#: UTF-16 units in one UCS-2 message, and per part of a concatenated one.
UCS2_SINGLE = 70
UCS2_PART = 67

_BASIC = frozenset(GSM7_BASIC)
_EXTENSION = frozenset(GSM7_EXTENSION)


@dataclass
class SmsCount(Result):
    """The cost of one SMS text.

    Attributes
    ----------
    encoding : {"GSM-7", "UCS-2"}
    units : int
        Septets (GSM-7: extension characters count 2) or UTF-16 units (UCS-2).
    segments : int
        Parts the message is sent in (1 for a text that fits one message, also an empty one).
    ucs2_characters : list of str
        The distinct characters outside the GSM-7 alphabet (those that force UCS-2), in order of appearance.
    """

    encoding: str
    units: int
    segments: int
    ucs2_characters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: encoding, units and segments."""
        unit = "characters" if self.encoding == "GSM-7" else "UTF-16 units"
        return f"SMS: {self.segments} segment(s), {self.encoding}, {self.units} {unit}"


def _parts(sizes: list[int], single: int, part: int) -> int:
    """Count parts: all in one when they fit, else packed into parts without splitting a character."""
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts


def sms_segments(text: str) -> SmsCount:
    """Count the SMS segments ``text`` needs (GSM-7 160/153 per part, UCS-2 70/67).

    Parameters
    ----------
    text : str
        The message as the recipient reads it.

    Returns
    -------
    SmsCount

    Examples
    --------
    >>> sms_segments("Inbraak Dorpsstraat, bel 112").segments
    1
    >>> c = sms_segments("x" * 161)
    >>> (c.encoding, c.units, c.segments)
    ('GSM-7', 161, 2)
    >>> sms_segments("Prix: 5 €").units  # € is in the extension table: 2 septets
    10
    >>> c = sms_segments("Ça va, garçon?")
    >>> (c.encoding, c.units, c.segments, c.ucs2_characters)
    ('UCS-2', 14, 1, ['ç'])
    >>> sms_segments("").segments
    1
    """
    sizes = []
    foreign: dict[str, None] = {}
    for ch in text:
        if ch in _BASIC:
            sizes.append(1)
        elif ch in _EXTENSION:
            sizes.append(2)
        else:
            foreign[ch] = None
            sizes.append(0)
    if not foreign:
        return SmsCount("GSM-7", sum(sizes), _parts(sizes, GSM7_SINGLE, GSM7_PART))
    units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsCount("UCS-2", sum(units), _parts(units, UCS2_SINGLE, UCS2_PART), list(foreign))


def _shown(ch: str) -> str:
    return repr(ch) if not ch.isprintable() or ch.isspace() else ch


def sms_warnings(text: str, *, urgent: bool) -> list[str]:
    """Return the warnings for an SMS text: UCS-2 characters (named), and more than one segment when urgent.

    Examples
    --------
    >>> sms_warnings("Inbraak, bel 112", urgent=True)
    []
    >>> sms_warnings("Cambriolage à la rue, soyez prudents: ça arrive", urgent=True)  # doctest: +NORMALIZE_WHITESPACE
    ['The SMS holds character(s) outside the GSM-7 alphabet (ç) that force UCS-2: 70 characters per message
      instead of 160. Replace them (e.g. c for ç) to send it in GSM-7.']
    """
    count = sms_segments(text)
    out = []
    if count.ucs2_characters:
        chars = " ".join(_shown(c) for c in count.ucs2_characters[:20])
        more = f" and {len(count.ucs2_characters) - 20} more" if len(count.ucs2_characters) > 20 else ""
        out.append(
            f"The SMS holds character(s) outside the GSM-7 alphabet ({chars}{more}) that force UCS-2: "
            f"{UCS2_SINGLE} characters per message instead of {GSM7_SINGLE}. Replace them (e.g. c for ç) to send "
            "it in GSM-7."
        )
    if urgent and count.segments > 1:
        out.append(
            f"The urgent SMS needs {count.segments} segments ({count.units} {count.encoding} units; one holds "
            f"{GSM7_SINGLE if count.encoding == 'GSM-7' else UCS2_SINGLE}): phones may show the parts late or out "
            "of order, and each costs. Shorten it."
        )
    return out
