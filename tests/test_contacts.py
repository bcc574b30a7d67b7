"""Tests for bingeo._contacts: phone numbers, e-mail addresses, CSV cell neutralisation."""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingeo._contacts import ContactError, Phone, check_email, neutralize_cell, normalize_phone
from bingeo.errors import InputError

# --------------------------------------------------------------------------- phones

NL_CASES = [
    # mobile, every separator style
    ("0612345678", "+31612345678", "mobile"),
    ("06 12345678", "+31612345678", "mobile"),
    ("06-12345678", "+31612345678", "mobile"),
    ("06-12 34 56 78", "+31612345678", "mobile"),
    ("06.12.34.56.78", "+31612345678", "mobile"),
    ("06/12345678", "+31612345678", "mobile"),
    ("(06) 1234 5678", "+31612345678", "mobile"),
    ("  06 1234 5678  ", "+31612345678", "mobile"),
    ("+31612345678", "+31612345678", "mobile"),
    ("+31 6 12345678", "+31612345678", "mobile"),
    ("+31 (0)6 12345678", "+31612345678", "mobile"),
    ("+31(0)6-1234-5678", "+31612345678", "mobile"),
    ("+31 06 12345678", "+31612345678", "mobile"),
    ("0031 6 12345678", "+31612345678", "mobile"),
    ("0031 (0)6 12 34 56 78", "+31612345678", "mobile"),
    ("06\u00a012345678", "+31612345678", "mobile"),  # non-breaking space pasted from a web page
    # landline
    ("020-1234567", "+31201234567", "landline"),
    ("020 123 45 67", "+31201234567", "landline"),
    ("(020) 123 4567", "+31201234567", "landline"),
    ("+31 (0)20 123 4567", "+31201234567", "landline"),
    ("0031 20 1234567", "+31201234567", "landline"),
    ("0591-123456", "+31591123456", "landline"),
    ("0592 12 34 56", "+31592123456", "landline"),
    ("088 123 4567", "+31881234567", "landline"),
    # service numbers: valid, but not mobile
    ("0800-1234", "+318001234", "service"),
    ("0900 1234567", "+319001234567", "service"),
    ("0900-8844", "+319008844", "service"),
]

BE_CASES = [
    ("0470 12 34 56", "+32470123456", "mobile"),
    ("0470/12.34.56", "+32470123456", "mobile"),
    ("0470-123456", "+32470123456", "mobile"),
    ("0499 12 34 56", "+32499123456", "mobile"),
    ("0460.12.34.56", "+32460123456", "mobile"),
    ("+32 470 12 34 56", "+32470123456", "mobile"),
    ("+32 (0)470 12 34 56", "+32470123456", "mobile"),
    ("0032 470 12 34 56", "+32470123456", "mobile"),
    ("0032 (0)485 12 34 56", "+32485123456", "mobile"),
    ("02 123 45 67", "+3221234567", "landline"),
    ("02/123.45.67", "+3221234567", "landline"),
    ("(02) 123 45 67", "+3221234567", "landline"),
    ("+32 2 123 45 67", "+3221234567", "landline"),
    ("0032 (0)2 123 45 67", "+3221234567", "landline"),
    ("04 123 45 67", "+3241234567", "landline"),  # Liège: 8 digits starting with 4 is landline
    ("09 123 45 67", "+3291234567", "landline"),  # Gent
    ("050 12 34 56", "+3250123456", "landline"),  # Brugge
    ("0800 12 345", "+3280012345", "service"),
    ("0903 12 345", "+3290312345", "service"),
]


@pytest.mark.parametrize(("text", "e164", "kind"), NL_CASES)
def test_normalize_phone_nl(text, e164, kind):
    phone = normalize_phone(text)
    assert phone == Phone(e164=e164, country="NL", mobile=kind == "mobile", kind=kind)


@pytest.mark.parametrize(("text", "e164", "kind"), BE_CASES)
def test_normalize_phone_be(text, e164, kind):
    phone = normalize_phone(text, default_country="BE")
    assert phone == Phone(e164=e164, country="BE", mobile=kind == "mobile", kind=kind)


def test_international_prefix_overrides_default_country():
    assert normalize_phone("+32 470 12 34 56").country == "BE"
    assert normalize_phone("0031 6 12345678", default_country="BE").country == "NL"


def test_default_country_decides_national_numbers():
    # The same digits mean different numbers in NL and BE.
    assert normalize_phone("020 123 4567", default_country="NL").e164 == "+31201234567"
    with pytest.raises(ContactError) as info:
        normalize_phone("020 123 4567", default_country="BE")
    assert info.value.reason == "invalid_prefix"  # 9 BE digits must be a 46-49 mobile number


def test_default_country_case_insensitive_and_checked():
    assert normalize_phone("0470123456", default_country="be").country == "BE"
    with pytest.raises(ValueError, match="default_country"):
        normalize_phone("0612345678", default_country="DE")


def test_foreign_numbers_accepted_as_is():
    phone = normalize_phone("+44 20 7946 0958")
    assert phone == Phone(e164="+442079460958", country="", mobile=False, kind="unknown")
    assert normalize_phone("0049 30 1234567").e164 == "+49301234567"


def test_foreign_numbers_rejected_on_request():
    with pytest.raises(ContactError) as info:
        normalize_phone("+44 20 7946 0958", allow_foreign=False)
    assert info.value.reason == "unsupported_country"


REJECTIONS = [
    ("", "NL", "empty"),
    ("   ", "NL", "empty"),
    ("+", "NL", "empty"),
    ("--", "NL", "empty"),
    ("06-1234567a", "NL", "letters"),
    ("tel: 0612345678", "NL", "letters"),
    ("0612345678 ext 12", "NL", "letters"),
    ("06*12345678", "NL", "invalid_character"),
    ("06+12345678", "NL", "invalid_character"),
    ("06\u0661\u0662345678", "NL", "invalid_character"),  # Arabic-Indic digits
    ("112", "NL", "short_number"),
    ("144", "NL", "short_number"),
    ("1400", "NL", "short_number"),
    ("101", "BE", "short_number"),
    ("612345678", "NL", "missing_trunk_prefix"),  # Excel dropped the leading zero
    ("31612345678", "NL", "missing_trunk_prefix"),  # Excel dropped the plus
    ("061234567", "NL", "wrong_length"),
    ("06123456789", "NL", "wrong_length"),
    ("+31 6 1234567", "NL", "wrong_length"),
    ("020 123 456", "NL", "wrong_length"),
    ("020 123 45678", "NL", "wrong_length"),
    ("0800 12345", "NL", "wrong_length"),
    ("0970 1234 5678", "NL", "invalid_prefix"),
    ("+31 00 612345678", "NL", "invalid_prefix"),
    ("+0612345678", "NL", "invalid_prefix"),
    ("0470 12 34 5", "BE", "wrong_length"),
    ("0470 12 34 56 7", "BE", "wrong_length"),
    ("+32 470 12 34 5", "BE", "wrong_length"),
    ("0123 45 67 89", "BE", "invalid_prefix"),  # 9 digits but not 46-49
    ("0450 12 34 56", "BE", "invalid_prefix"),
    ("0470 12 34 5", "NL", "wrong_length"),
    ("0800 12 3456", "BE", "wrong_length"),
    ("+44 1234", "NL", "wrong_length"),
    ("+44 1234 5678 9012 34", "NL", "wrong_length"),
]


@pytest.mark.parametrize(("text", "country", "reason"), REJECTIONS)
def test_normalize_phone_rejects(text, country, reason):
    with pytest.raises(ContactError) as info:
        normalize_phone(text, default_country=country)
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, InputError)


def test_normalize_phone_rejects_non_text():
    with pytest.raises(ContactError) as info:
        normalize_phone(612345678)  # type: ignore[arg-type]
    assert info.value.reason == "not_text"


def test_wrong_length_message_explains_rule():
    with pytest.raises(ContactError, match="9 starting with 6"):
        normalize_phone("+31 6 1234567")


# Separator/prefix styles residents use for a Dutch mobile number.
_PREFIXES = ["0", "+31", "+31 ", "+31 (0)", "+31(0)", "0031 ", "0031", "0031 (0)", "+31 0", "(0"]
_SEPS = ["", " ", "-", ".", "/", "  ", " - "]


@st.composite
def _formatted_nl_mobile(draw):
    rest = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    e164 = "+316" + rest
    national = "6" + rest
    prefix = draw(st.sampled_from(_PREFIXES))
    if prefix == "(0":
        prefix, national = "(0", national[0] + ")" + national[1:]
    cuts = sorted(draw(st.sets(st.integers(1, len(national) - 1), max_size=5)))
    parts, start = [], 0
    for cut in [*cuts, len(national)]:
        parts.append(national[start:cut])
        start = cut
    text = prefix
    for i, part in enumerate(parts):
        text += (draw(st.sampled_from(_SEPS)) if i else "") + part
    padding = draw(st.sampled_from(["", " ", "\t"]))
    return e164, padding + text + padding


@given(_formatted_nl_mobile(), st.sampled_from(["NL", "BE"]))
def test_formatted_nl_mobile_roundtrips(case, default_country):
    e164, text = case
    if not text.strip().startswith(("+", "00")):
        default_country = "NL"
    phone = normalize_phone(text, default_country=default_country)
    assert phone.e164 == e164
    assert phone.kind == "mobile"
    assert phone.mobile
    # normalising the canonical form is a fixed point
    assert normalize_phone(phone.e164) == phone


# --------------------------------------------------------------------------- e-mail

VALID_EMAILS = [
    ("jan@example.nl", "jan@example.nl"),
    ("  Jan.Jansen@Example.NL ", "Jan.Jansen@example.nl"),
    ("j.de.vries+bin@gemeente.amsterdam", "j.de.vries+bin@gemeente.amsterdam"),
    ("o'brien@mail.co.uk", "o'brien@mail.co.uk"),
    ("wijk_12@sub-domain.example.be", "wijk_12@sub-domain.example.be"),
    ("buurt@bürgerverein.de", "buurt@bürgerverein.de"),
    ("buurt@BÜRGERVEREIN.DE", "buurt@bürgerverein.de"),
    ("a@xn--brgerverein-mlb.de", "a@xn--brgerverein-mlb.de"),
    ("a@b.xn--p1ai", "a@b.xn--p1ai"),
    ("x" * 64 + "@example.nl", "x" * 64 + "@example.nl"),
]


@pytest.mark.parametrize(("text", "expected"), VALID_EMAILS)
def test_check_email_accepts(text, expected):
    assert check_email(text) == expected


INVALID_EMAILS = [
    ("", "empty"),
    ("   ", "empty"),
    ("jan jansen@example.nl", "whitespace"),
    ("jan@exam\tple.nl", "whitespace"),
    ("jan.example.nl", "missing_at"),
    ("jan@@example.nl", "multiple_at"),
    ("jan@vries@example.nl", "multiple_at"),
    ("@example.nl", "empty_local"),
    ("x" * 65 + "@example.nl", "local_too_long"),
    ("jan(bin)@example.nl", "local_character"),
    ('"jan"@example.nl', "local_character"),
    ("jan..jansen@example.nl", "consecutive_dots"),
    (".jan@example.nl", "dot_at_edge"),
    ("jan.@example.nl", "dot_at_edge"),
    ("jan@", "empty_domain"),
    ("jan@example", "domain_no_dot"),
    ("jan@example..nl", "consecutive_dots"),
    ("jan@.example.nl", "dot_at_edge"),
    ("jan@example.nl.", "dot_at_edge"),
    ("jan@exa_mple.nl", "domain_label"),
    ("jan@-example.nl", "domain_label"),
    ("jan@example-.nl", "domain_label"),
    ("jan@" + "a" * 64 + ".nl", "domain_label"),
    ("jan@example.n", "tld"),
    ("jan@example.123", "tld"),
    ("jan@example.n1", "tld"),
    ("jan@" + ("a" * 60 + ".") * 5 + "nl", "too_long"),
    ("jan@exa\u05d0mple.nl", "domain_idna"),  # mixed-direction label
    ("jan@" + "\u00e4" * 70 + ".nl", "domain_idna"),  # punycode label too long
    ("jan@ex\ufffdample.nl", "domain_idna"),
]


@pytest.mark.parametrize(("text", "reason"), INVALID_EMAILS)
def test_check_email_rejects(text, reason):
    with pytest.raises(ContactError) as info:
        check_email(text)
    assert info.value.reason == reason


def test_check_email_rejects_non_text():
    with pytest.raises(ContactError) as info:
        check_email(None)  # type: ignore[arg-type]
    assert info.value.reason == "not_text"


# --------------------------------------------------------------------------- privacy


def _digit_runs(text: str, size: int = 4) -> set[str]:
    digits = re.sub(r"\D", "", text)
    return {digits[i : i + size] for i in range(len(digits) - size + 1)}


# Inputs with planted, distinctive markers; every one must be rejected.
PHONE_MARKERS = [
    ("0698765432109", "NL"),
    ("+31 6 9876 543", "NL"),
    ("06-9876543x", "NL"),
    ("06*98765432", "NL"),
    ("698765432", "NL"),
    ("0975 3197 5319", "NL"),
    ("0800 97531", "NL"),
    ("0497 53 19 7", "BE"),
    ("0197 53 19 75", "BE"),
    ("0800 97 5319", "BE"),
    ("+44 9753", "NL"),
    ("+44 9753 1975 3197 53", "NL"),
    ("+99 9753 1975", "NL"),
]
EMAIL_MARKERS = [
    "markerjansen97531 markerjansen97531@example.nl",
    "markerjansen97531@markerdomain97531",
    "markerjansen97531@@markerdomain.nl",
    "markerjansen97531..x@markerdomain.nl",
    "markerjansen97531@markerdomain.x",
    "markerjansen97531@markerdom_ain.nl",
    "markerjansen97531(x)@markerdomain.nl",
    "markerjansen97531@markerd\u00e4m\u05d0ain.nl",
    "markerjansen97531" * 5 + "@markerdomain.nl",
]


@pytest.mark.parametrize(("text", "country"), PHONE_MARKERS)
def test_phone_errors_do_not_leak_number(text, country, caplog):
    caplog.set_level(logging.DEBUG)
    allow_foreign = not text.startswith("+99")
    with pytest.raises(ContactError) as info:
        normalize_phone(text, default_country=country, allow_foreign=allow_foreign)
    message = str(info.value) + repr(info.value) + " ".join(map(str, info.value.args))
    logged = caplog.text
    runs = _digit_runs(text)
    assert runs, "marker must have at least 4 digits"
    for run in runs:
        assert run not in message
        assert run not in logged
    assert text.strip() not in message


@pytest.mark.parametrize("text", EMAIL_MARKERS)
def test_email_errors_do_not_leak_address(text, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ContactError) as info:
        check_email(text)
    message = str(info.value) + repr(info.value) + " ".join(map(str, info.value.args))
    for marker in ("markerjansen", "97531", "markerd", "@markerdomain"):
        assert marker not in message
        assert marker not in caplog.text


def test_leak_check_is_able_to_fail():
    # The helper would catch a message that echoed the number.
    assert "9876" in _digit_runs("06-98765432")
    assert any(run in "bad number 0698765432" for run in _digit_runs("06 98 76 54 32"))


# --------------------------------------------------------------------------- CSV cells


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+31 6 12345678", "'+31 6 12345678"),
        ("+31612345678", "'+31612345678"),
        ("-1", "'-1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@x", "'@x"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\t", "'\t"),
        ("  =1", "'  =1"),
        (" +1", "' +1"),
    ],
)
def test_neutralize_cell_dangerous(value, expected):
    assert neutralize_cell(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "Dorpsstraat 1", "jan@example.nl", "a=b", "1+1", "0612345678", "'=already", " plain", "x-1"],
)
def test_neutralize_cell_plain_text_unchanged(value):
    assert neutralize_cell(value) is value


@pytest.mark.parametrize("value", [-1, 0, 3.5, -2.5, None, True, b"=1"])
def test_neutralize_cell_non_strings_unchanged(value):
    assert neutralize_cell(value) is value


def test_neutralized_e164_can_be_read_back():
    # Documented round trip: exporter adds the apostrophe, importer strips one.
    cell = neutralize_cell(normalize_phone("06 12345678").e164)
    assert cell == "'+31612345678"
    with pytest.raises(ContactError):
        normalize_phone(cell)
    assert normalize_phone(cell[1:]).e164 == "+31612345678"


def _full_rules(text):
    """check_email with its fast path for plain addresses switched off: every rule applied."""
    import bingeo._contacts as contacts

    saved = contacts._PLAIN_EMAIL
    contacts._PLAIN_EMAIL = re.compile(r"(?!)")  # matches nothing
    try:
        return check_email(text)
    except ContactError as exc:
        return exc.reason
    finally:
        contacts._PLAIN_EMAIL = saved


def _fast(text):
    try:
        return check_email(text)
    except ContactError as exc:
        return exc.reason


_EMAIL_ALPHABET = "aZ09._-+@!ü Ä" + "xn--"


@given(st.text(alphabet=_EMAIL_ALPHABET, max_size=30))
def test_plain_email_fast_path_equals_full_rules_on_any_text(text):
    assert _fast(text) == _full_rules(text)


@given(
    local=st.from_regex(r"[A-Za-z0-9_+\-]{1,70}(\.[A-Za-z0-9_+\-]{1,5}){0,2}", fullmatch=True),
    labels=st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?", fullmatch=True), min_size=1, max_size=5),
    tld=st.from_regex(r"[a-zA-Z]{1,64}", fullmatch=True),
)
def test_plain_email_fast_path_equals_full_rules_near_the_limits(local, labels, tld):
    # lengths around 64 (local part), 63 (label), 253/254 (domain, address); upper-case top-level domains
    text = f"{local}@{'.'.join(labels)}.{tld}"
    assert _fast(text) == _full_rules(text)
    assert _fast(" " + text + "\t") == _full_rules(" " + text + "\t")
