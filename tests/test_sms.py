"""SMS segments against independent references, and the message templates.

References: the `gsm0338` package (a Python codec for the GSM 03.38 alphabet, its own tables) for which
characters are GSM-7 and how many septets each takes; a hand-made table of known cases from 3GPP TS 23.038 /
23.040 for the segment arithmetic (160/153, 70/67, escapes and surrogate pairs never split over two parts).
"""

from __future__ import annotations

import string

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bingeo.errors import InputError
from bingeo.sending import LANGUAGES, PLACEHOLDERS, TEMPLATES, render, template_text
from bingeo.sms import GSM7_BASIC, GSM7_EXTENSION, sms_segments, sms_warnings


def septets(text: str) -> int | None:
    """Septets by the gsm0338 codec (None when a character is outside GSM-7)."""
    try:
        return len(text.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def test_alphabet_matches_the_codec_on_the_whole_bmp_start():
    for cp in range(0x3000):
        ch = chr(cp)
        if ch == "\x1b":  # the escape itself is no character of a text
            continue
        count = sms_segments(ch)
        ref = septets(ch)
        if ref is None:
            assert count.encoding == "UCS-2" and count.ucs2_characters == [ch], hex(cp)
        else:
            assert count.encoding == "GSM-7" and count.units == ref, hex(cp)


ALPHABET = GSM7_BASIC + GSM7_EXTENSION + "çêôîœ«»’😀Ωπ"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=400))
def test_units_match_the_codec(text):
    count = sms_segments(text)
    ref = septets(text)
    if ref is not None:
        assert (count.encoding, count.units) == ("GSM-7", ref)
    else:
        assert count.encoding == "UCS-2"
        assert count.units == len(text.encode("utf-16-le")) // 2


KNOWN = [
    ("", "GSM-7", 1),
    ("x" * 160, "GSM-7", 1),
    ("x" * 161, "GSM-7", 2),
    ("x" * 306, "GSM-7", 2),
    ("x" * 307, "GSM-7", 3),
    ("€" * 80, "GSM-7", 1),  # 160 septets
    ("€" * 81, "GSM-7", 2),  # 162: 76 escapes (152) in the first part, 5 in the second
    ("x" * 152 + "€" + "x" * 152, "GSM-7", 3),  # the escape may not be split: 152 | 2 + 151 | 1
    ("x" * 158 + "[]", "GSM-7", 2),  # 162 septets
    ("é" * 160, "GSM-7", 1),  # é is in the default alphabet
    ("ç" * 70, "UCS-2", 1),
    ("ç" * 71, "UCS-2", 2),
    ("ç" * 134, "UCS-2", 2),
    ("ç" * 135, "UCS-2", 3),
    ("a" * 66 + "😀", "UCS-2", 1),  # 68 units
    ("a" * 66 + "😀" + "a" * 3, "UCS-2", 2),  # 71 units: the pair goes whole to the second part (66 | 2 + 3)
    ("a" * 65 + "😀" + "a" * 66, "UCS-2", 2),  # 65+2 = 67 | 66
    ("a" * 66 + "😀" + "a" * 66, "UCS-2", 3),  # 66 | 2 + 65 | 1
]


@pytest.mark.parametrize(("text", "encoding", "segments"), KNOWN, ids=range(len(KNOWN)))
def test_known_segment_counts(text, encoding, segments):
    count = sms_segments(text)
    assert (count.encoding, count.segments) == (encoding, segments)


def test_warnings_name_the_characters_and_the_segments():
    assert sms_warnings("Inbraak Dorpsstraat, bel 112", urgent=True) == []
    w = sms_warnings("Cambriolage rue de l’Église, soyez prudents", urgent=False)
    assert len(w) == 1 and "(’)" in w[0] and "UCS-2" in w[0]
    long = "Let op: " + "inbraak " * 30
    assert sms_warnings(long, urgent=False) == []
    (w,) = sms_warnings(long, urgent=True)
    assert "needs 2 segments" in w


VALUES = {"network": "Oosterpoort", "area": "Oosterpoort-Zuid", "incident": "woninginbraak", "time": "22:15"}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_fill_and_use_known_placeholders_only(name, lang):
    subject, body = template_text(name, lang)
    fields = {f for text in (subject, body) for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    assert fields and fields <= set(PLACEHOLDERS)
    filled = render(body, VALUES)
    assert "{" not in filled and "Oosterpoort" in filled
    if name == "urgent":  # the urgent text goes by SMS: one GSM-7 segment with usual values
        count = sms_segments(filled)
        assert (count.encoding, count.segments) == ("GSM-7", 1), filled


def test_render_errors_name_the_placeholder():
    with pytest.raises(InputError, match=r"unknown placeholder \{wijk\}"):
        render("in {wijk}", VALUES)
    with pytest.raises(InputError, match=r"needs a value for \{time\}: give --value time=\.\.\."):
        render("om {time}", {})
    with pytest.raises(InputError, match="brace that is not a placeholder"):
        render("a { b", VALUES)
    assert render("{{literal}} {area}", VALUES) == "{literal} Oosterpoort-Zuid"
