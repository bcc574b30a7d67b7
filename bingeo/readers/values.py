"""THE one number parser and THE one date parser of bingeo (decimal commas, grouped thousands, dates)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger("bingeo.readers")


_NUM_DOT = (
    r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?(?:[eE][+-]?\d+)?"
    r"|[+-]?\.\d+(?:[eE][+-]?\d+)?"
)


_NUM_COMMA = r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d*)?|[+-]?,\d+"


_SPACE_GROUPED = r"[+-]?\d{1,3}(?:[ \u00a0\u202f']\d{3})+(?:[.,]\d*)?"


def _text_series(values: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:  # text already: no detour
        return values.fillna("").str.strip().str.replace("\u2212", "-", regex=False)
    s = values.astype(object).where(values.notna(), "")
    return s.astype(str).str.strip().str.replace("\u2212", "-", regex=False)


def _arrow_text(s: pd.Series) -> Any:
    """Return the pyarrow array under a text column (None for other columns)."""
    import pyarrow as pa

    if not (pd.api.types.is_string_dtype(s.dtype) and s.dtype != object):
        return None
    try:
        return pa.array(s.array, type=pa.large_string())
    except (pa.ArrowException, TypeError, ValueError):  # pragma: no cover - defensive
        return None


def _re2(pattern: str) -> str:
    r"""Python's ``\uXXXX`` escapes as RE2 writes them (``\x{XXXX}``)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", pattern)


def _fullmatch(s: pd.Series, pattern: str) -> np.ndarray:
    """``s.str.fullmatch(pattern)`` as a bool array, by RE2 over Arrow where it can (the same answers)."""
    arr = _arrow_text(s)
    if arr is not None:
        import pyarrow.compute as pc

        try:
            got = pc.match_substring_regex(arr, f"^(?:{_re2(pattern)})$")
            return pc.fill_null(got, False).to_numpy(zero_copy_only=False)
        except Exception:  # noqa: BLE001 - a pattern RE2 does not take: Python's re
            pass
    return s.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)


def _extract(s: pd.Series, pattern: str) -> pd.DataFrame:
    """``s.str.extract(pattern)`` (named groups; NaN where a group did not match), by RE2 over Arrow."""
    arr = _arrow_text(s)
    if arr is not None:
        import pyarrow.compute as pc

        try:
            got = pc.extract_regex(arr, "^" + _re2(pattern))  # anchored: RE2 tries one start only
        except Exception:  # noqa: BLE001 - a pattern RE2 does not take: Python's re
            got = None
        if got is not None:
            names = [got.type.field(i).name for i in range(got.type.num_fields)]
            out = {}
            for i, name in enumerate(names):
                col = pc.struct_field(got, [i])
                col = pc.if_else(pc.equal(col, ""), None, col)  # an unmatched optional group: NaN, as pandas
                out[name] = pd.Series(col, index=s.index, dtype=s.dtype)
            return pd.DataFrame(out, index=s.index)
    return s.str.extract(pattern)


def _to_float(s: pd.Series) -> np.ndarray:
    """Floats of number text (NaN where not a number), by Arrow's exact parser where it can."""
    arr = _arrow_text(s)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            pass
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


#: Numbers that read one way only, by their decimal mark (or whole numbers, which read the same either way):
#: ``230941,44``, ``-0,5``, ``1234,567`` but not ``1,234`` (also a thousand), ``1.234,5`` (grouped) or ``,5``.
_PLAIN_NUMBERS = {
    ",": r"[+-]?(?:\d+|\d{4,},\d+|\d+,(?:\d{1,2}|\d{4,}))",
    ".": r"[+-]?(?:\d+|\d{4,}\.\d+|\d+\.(?:\d{1,2}|\d{4,}))",
}


def _plain_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, str] | None:
    """:func:`parse_numbers` of a text column whose values are mostly empty or numbers of :data:`_PLAIN_NUMBERS`.

    One RE2 pass finds them and Arrow parses them (a decimal comma made a point first); the other values (text
    such as ``onbekend``, spaces, U+2212, grouped thousands, values that read two ways) are read by the general
    rules with the plain ones counted for the column's majority. None when most values are other values.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_text(values)
    if arr is None or len(arr) == 0:
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    with_comma, with_dot = (pc.sum(pc.match_substring(arr, c)).as_py() or 0 for c in ",.")
    mark = "," if with_comma > with_dot else "."  # the mark most values hold
    shaped = pc.fill_null(pc.match_substring_regex(arr, f"^(?:{_PLAIN_NUMBERS[mark]})?$"), True)
    other = ~shaped.to_numpy(zero_copy_only=False)
    if 2 * int(other.sum()) > len(arr):  # mostly other values: the general path
        return None
    empty = ~pc.fill_null(pc.greater(pc.binary_length(arr), 0), False).to_numpy(zero_copy_only=False)
    text = pc.replace_substring(arr, ",", ".") if mark == "," else arr
    text = pc.if_else(pa.array(empty | other), pa.scalar(None, text.type), text)
    out = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False, writable=True)
    empty &= ~other
    bad = ~empty & ~other & ~np.isfinite(out)
    out[bad | empty] = np.nan
    # the plain values that read one way only: numbers with the decimal mark (whole numbers read both ways alike)
    marked = int(pc.sum(pc.and_(shaped, pc.match_substring(arr, mark))).as_py() or 0)
    if not other.any():
        return out, empty, bad, "comma" if mark == "," and marked else "point"
    # the other values (``onbekend``, grouped or ambiguous numbers) by the general rules, the plain ones counted
    got, got_empty, got_bad, convention = _general_numbers(
        values[other], more_comma=marked if mark == "," else 0, more_dot=marked if mark == "." else 0
    )
    out[other], empty[other], bad[other] = got, got_empty, got_bad
    return out, empty, bad, convention


def parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Parse a column of coordinates written with a decimal point or a decimal comma.

    Returns (floats, empty mask, unparseable mask, convention) where convention
    is "point", "comma" or "mixed". Rules: a value that can only be read one way is
    read that way (``155.000,5`` -> 155000.5; ``155000.5``; ``1,234.5``). A value that
    reads two ways (one separator followed by exactly three digits, e.g. ``155.000``)
    follows the column's majority of unambiguous values; if there are none, its
    separator is taken as the decimal mark.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        vals = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        empty = values.isna().to_numpy()
        bad = ~empty & ~np.isfinite(vals)
        return vals, empty, bad, "point"
    plain = _plain_numbers(values)
    if plain is not None:
        return plain
    return _general_numbers(values)


def _general_numbers(
    values: pd.Series, *, more_dot: int = 0, more_comma: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Read number text by the regular expressions of :func:`parse_numbers`.

    ``more_dot``/``more_comma``: values of the same column read elsewhere that read only with a decimal point /
    a decimal comma; they count for the column's majority as if they were read here.
    """
    s = _text_series(values)
    empty = (s == "").to_numpy()
    grouped = _fullmatch(s, _SPACE_GROUPED)
    if grouped.any():
        s = s.where(~grouped, s.str.replace(r"[ \u00a0\u202f']", "", regex=True))
    dot_ok = _fullmatch(s, _NUM_DOT)
    comma_ok = _fullmatch(s, _NUM_COMMA)
    dot_val = np.full(len(s), np.nan)
    comma_val = np.full(len(s), np.nan)
    if dot_ok.any():
        dot_val[dot_ok] = _to_float(s[dot_ok].str.replace(",", "", regex=False))
    if comma_ok.any():
        conv = s[comma_ok].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        comma_val[comma_ok] = _to_float(conv)
    both = dot_ok & comma_ok
    differ = both & ~(dot_val == comma_val)
    only_dot = dot_ok & ~comma_ok
    only_comma = comma_ok & ~dot_ok
    n_dot, n_comma = int(only_dot.sum()) + more_dot, int(only_comma.sum()) + more_comma
    out = np.where(dot_ok, dot_val, comma_val)
    out[only_comma] = comma_val[only_comma]
    if differ.any():
        if n_comma > n_dot:
            use_comma = differ
        elif n_dot > n_comma:
            use_comma = np.zeros(len(s), dtype=bool)
        else:
            use_comma = differ & s.str.contains(",", regex=False).to_numpy(dtype=bool, na_value=False)
        out[use_comma] = comma_val[use_comma]
    comma_used = (
        n_comma > 0
        or (differ.any() and n_comma > n_dot)
        or (differ.any() and n_comma == n_dot and bool(s[differ].str.contains(",", regex=False).any()))
    )
    convention = "mixed" if (n_dot and n_comma) else ("comma" if comma_used else "point")
    bad = ~empty & ~(np.isfinite(out) & (dot_ok | comma_ok))
    out[bad | empty] = np.nan
    return out, empty, bad, convention


_INT_RE = r"-?(?:0|[1-9]\d{0,14})"


_DEC_DOT_RE = r"-?(?:0|[1-9]\d{0,14})\.\d{1,15}"


_DEC_COMMA_RE = r"-?(?:0|[1-9]\d{0,14}),\d{1,15}"


def _convert_numeric(s: pd.Series, *, decimal_comma: bool) -> pd.Series | None:
    """Convert a text column to numbers only if every non-empty value is a plain number.

    Leading zeros (postcodes, phone numbers, BAG ids), ``+`` signs, exponents, thousands
    separators and numbers of more than 15 digits keep the column as text.
    """
    t = s.str.strip()
    head = t.head(_HEAD_ROWS)
    head = head[head != ""]
    plain = _INT_RE + "|" + _DEC_DOT_RE + ("|" + _DEC_COMMA_RE if decimal_comma else "")
    if len(head) and not _fullmatch(head, plain).all():  # one value that is no plain number decides
        return None
    nonempty = (t != "").to_numpy(dtype=bool)
    if not nonempty.any():
        return None
    v = t[nonempty]
    is_int = _fullmatch(v, _INT_RE)
    if is_int.all():
        nums = _to_int(v)
        if nonempty.all():
            return pd.Series(nums, index=s.index)
        out = pd.Series(pd.NA, index=s.index, dtype="Int64")
        out[nonempty] = nums
        return out
    is_dec = is_int | _fullmatch(v, _DEC_DOT_RE)
    if decimal_comma and not is_dec.all():
        is_comma = _fullmatch(v, _DEC_COMMA_RE)
        if (
            (is_dec | is_comma).all()
            and is_comma.any()
            and not v[~is_int].str.contains(".", regex=False).to_numpy(dtype=bool, na_value=False).any()
        ):
            v = v.str.replace(",", ".", regex=False)
            is_dec = is_dec | is_comma
    if not is_dec.all():
        return None
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    out[nonempty] = _to_float(v)
    return out


#: Values looked at first by the column checks: one value of them that fails settles a column without the rest.
_HEAD_ROWS = 1000


def _to_int(v: pd.Series) -> np.ndarray:
    """int64 of whole-number text (every value checked by ``_INT_RE`` first)."""
    arr = _arrow_text(v)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            return pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:  # pragma: no cover - defensive
            pass
    return pd.to_numeric(v, errors="coerce").astype("int64").to_numpy()


_DATE_HINT = re.compile(r"^(date|datum|tijd|time)|(date|datum|tijd|time)$")


#: Share of a column's non-empty values that must be dates for the column to be read as dates; the other
#: values are then impossible or unreadable dates, rejected row by row where a command needs the date.
DATE_SHARE = 0.5


#: Excel serial day numbers read as dates in a date-named column of numbers (1927-05-18 .. 2119-01-10).
EXCEL_SERIAL_RANGE = (10_000, 80_000)


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"


#: A plain ISO 8601 date or date and time (no zone): detected as a date column by content alone.
_ISO_DATE_RE = r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?"


_ISO_RE = r"\d{4}-\d{1,2}-\d{1,2}" + _TIME + r"(?:Z|[+-]\d{2}:?\d{2})?"


#: Year first with slashes or dots (2023/01/05): as unambiguous as ISO 8601.
_YMD_RE = r"\d{4}[/.]\d{1,2}[/.]\d{1,2}" + _TIME


_TZ_RE = r".*(?:Z|[+-]\d{2}:?\d{2})"


_TIME_ONLY_RE = r"\d{1,2}:\d{2}(?::\d{2})?"


#: Day or month first: D-M-Y or M/D/Y with a 2- or 4-digit year, an optional time (24 h or AM/PM).
_DMY_RE = re.compile(
    r"(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P<s2>[-/.])(?P<y>\d{4}|\d{2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<p>[AaPp][Mm])?)?"
)


def _date_named(name: str) -> bool:
    return any(_DATE_HINT.search(tok) for tok in _tokens(name))


@dataclass
class ParsedDates:
    """A column read by THE date parser.

    Attributes
    ----------
    values : Series
        ``datetime64[ns]`` (tz-naive; values with a time zone in UTC), NaT where empty or not a date.
    empty : ndarray of bool
        Empty cells.
    bad : ndarray of bool
        Non-empty cells that are not dates (impossible such as 31-02-2023 or month 13, or unreadable).
    how : str
        The format(s) found, e.g. ``"ISO 8601"`` or ``"day first (31-12-2017)"``; or why the column is no dates.
    is_dates : bool
        True when more than :data:`DATE_SHARE` of the non-empty values are dates.
    """

    values: pd.Series
    empty: np.ndarray
    bad: np.ndarray
    how: str
    is_dates: bool
    formats: str = ""

    def detail(self, column: str, *, empty: bool = True) -> np.ndarray:
        """Per row: why it has no date (``None`` where it has one), naming ``column`` and never the value."""
        out = np.full(len(self.values), None, dtype=object)
        if empty:
            out[self.empty] = f"{column!r} is empty (no date)"
        out[self.bad] = (
            f"{column!r} is not a date: an impossible day or month, or unreadable (the column is read as "
            f"{self.formats or 'dates'})"
        )
        return out


def _excel_serials(nums: pd.Series) -> pd.Series:
    lo, hi = EXCEL_SERIAL_RANGE
    ok = nums.between(lo, hi)
    out = pd.Series(pd.NaT, index=nums.index, dtype="datetime64[ns]")
    if ok.any():
        out[ok] = _EXCEL_EPOCH + pd.to_timedelta(nums[ok].astype("float64"), unit="D").dt.round("s")
    return out


def _dmy(v: pd.Series, by_sep: list[str]) -> tuple[pd.Series, pd.Series, int, int]:
    """Read D-M-Y / M-D-Y text both ways; return (day-first, month-first, n day-first ok, n month-first ok).

    ``by_sep``: the separators of :data:`_SIMPLE_DMY` whose usual shape every value has.
    """
    if len(v) and by_sep and _arrow_text(v) is not None:
        return _dmy_usual(v, by_sep[0])
    m = _dmy_groups(v, by_sep)
    a, b = _numbers(m["a"]), _numbers(m["b"])
    y = _numbers(m["y"])
    y = y.where(m["y"].str.len() == 4, 2000 + y - 100 * (y >= 70))  # 2-digit years: 1970 .. 2069
    hour = _numbers(m["H"])
    hh = hour.fillna(0)
    pm = m["p"].str.lower()
    hh = hh.where(pm.isna(), (hh % 12) + 12 * (pm == "pm"))
    rest = {
        "hour": hh,
        "minute": _numbers(m["M"]).fillna(0),
        "second": _numbers(m["S"]).fillna(0),
    }
    bad_clock = (rest["hour"] > 23) | (rest["minute"] > 59) | (rest["second"] > 59)
    bad_clock |= pm.notna() & ((hour > 12) | (hour == 0))

    bad_clock |= ~y.between(*_USUAL_YEARS)  # beyond what datetime64[ns] holds: not a date (never a crash)

    def build(day: pd.Series, month: pd.Series) -> pd.Series:
        parts = pd.DataFrame({"year": y.where(~bad_clock, 2000), "month": month, "day": day, **rest})
        got = pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")
        return got.where(~bad_clock)

    day_first, month_first = build(a, b), build(b, a)
    return day_first, month_first, int(day_first.notna().sum()), int(month_first.notna().sum())


def _numbers(digits: pd.Series) -> pd.Series:
    """``pd.to_numeric`` of digit text or missing values (int64 when none is missing, else float64)."""
    out = pd.Series(_to_float(digits), index=digits.index)
    return out.astype("int64") if not out.isna().any() else out


def _dmy_match(v: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Which values are D-M-Y / M-D-Y text (both separators the same: ``1-2-2023``, not ``1-2/2023``).

    Also returns the separators of :data:`_SIMPLE_DMY` whose usual shape every one of those values has.
    """
    shapes = _simple_dmy(v)
    simple = np.zeros(len(v), dtype=bool)
    for got in shapes.values():
        simple |= got
    ok = simple.copy()
    rest = ~simple
    if rest.any():
        w = v[rest]
        got = _fullmatch(w, _DMY_RE.pattern)
        if got.any():
            seps = w[got].str.replace(r"^\d{1,2}([-/.])\d{1,2}([-/.]).*$", r"\1\2", regex=True)
            got[got] = (seps.str[0] == seps.str[1]).to_numpy(dtype=bool)
        ok[rest] = got
    return ok, [c for c, got in shapes.items() if ok.any() and got[ok].all()]


#: The usual shapes of D-M-Y text (``1-1-2021 12:45``, ``31/12/2021``), split without a regular expression.
_SIMPLE_DMY = {
    sep: rf"\d{{1,2}}{re.escape(sep)}\d{{1,2}}{re.escape(sep)}(?:\d{{4}}|\d{{2}})(?: \d{{1,2}}:\d{{2}})?"
    for sep in "-/."
}


def _simple_dmy(v: pd.Series) -> dict[str, np.ndarray]:
    """Per separator, which values have its usual shape of :data:`_SIMPLE_DMY` (a subset of ``_DMY_RE``'s)."""
    if _arrow_text(v) is None:
        return {}
    return {sep: _fullmatch(v, pattern) for sep, pattern in _SIMPLE_DMY.items()}


def _usual_parts(v: pd.Series, sep: str) -> tuple[Any, Any, Any, Any]:
    """Split values of the usual shape (``1-1-2021 12:45``, by ``sep``): Arrow text of (date parts, time, has time).

    Values without a time get ``0:0``. Returns (list of day/month/year text, list of hour/minute text, has time,
    the values as one Arrow array).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(v.array, type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    has_time = pc.match_substring(arr, " ")
    if not pc.all(has_time).as_py():
        arr = pc.if_else(has_time, arr, pc.binary_join_element_wise(arr, "0:0", " "))
    halves = pc.split_pattern(arr, " ")
    parts = pc.split_pattern(pc.list_element(halves, 0), sep)
    hm = pc.split_pattern(pc.list_element(halves, 1), ":")
    return parts, hm, has_time, arr


#: Years of D-M-Y dates (the whole years datetime64[ns] holds); a date in another year is not a date.
_USUAL_YEARS = (1678, 2261)


def _dmy_usual(v: pd.Series, sep: str) -> tuple[pd.Series, pd.Series, int, int]:
    """:func:`_dmy` of values that all have the usual shape of ``sep``, split by Arrow and built by numpy.

    The same dates as ``pd.to_datetime`` of the parts (an impossible day, month or clock, a year outside
    :data:`_USUAL_YEARS`: NaT).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    parts, hm, _, _ = _usual_parts(v, sep)

    def ints(text: Any) -> np.ndarray:
        return pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)

    a, b = ints(pc.list_element(parts, 0)), ints(pc.list_element(parts, 1))
    year_text = pc.list_element(parts, 2)
    y = ints(year_text)
    two = (pc.utf8_length(year_text).to_numpy(zero_copy_only=False) == 2) if len(y) else np.zeros(0, dtype=bool)
    hour, minute = ints(pc.list_element(hm, 0)), ints(pc.list_element(hm, 1))
    (day_first, n_day), (month_first, n_month) = _dmy_build(a, b, y, two, hour, minute)
    return pd.Series(day_first, index=v.index), pd.Series(month_first, index=v.index), n_day, n_month


def _dmy_build(
    a: np.ndarray, b: np.ndarray, y: np.ndarray, two: np.ndarray, hour: np.ndarray, minute: np.ndarray
) -> tuple[tuple[np.ndarray, int], tuple[np.ndarray, int]]:
    """Datetimes (``datetime64[ns]``, NaT where impossible) of the parts read day first (a-b-y) and month first.

    ``two``: 2-digit years (1970 .. 2069). Days are counted from the civil date by integer arithmetic (the
    proleptic Gregorian calendar of numpy and pandas); returns ((day-first, count), (month-first, count)).
    """
    y = np.where(two, 2000 + y - 100 * (y >= 70), y)  # 2-digit years: 1970 .. 2069
    clock_ok = (hour <= 23) & (minute <= 59) & (y >= _USUAL_YEARS[0]) & (y <= _USUAL_YEARS[1])
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    secs = hour * 3600 + minute * 60

    def build(day: np.ndarray, month: np.ndarray) -> tuple[np.ndarray, int]:
        ok = clock_ok & (month >= 1) & (month <= 12) & (day >= 1)
        m = np.where(ok, month, 1)
        ok &= day <= _DAYS_IN_MONTH[m - 1] + (leap & (m == 2))
        d = np.where(ok, day, 1)
        # days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil)
        yy = y - (m <= 2)
        era = np.floor_divide(yy, 400)
        yoe = yy - era * 400
        doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
        days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
        ns = (days * 86_400 + secs) * 1_000_000_000
        t = np.where(ok, ns, np.iinfo(np.int64).min).view("datetime64[ns]")  # int64 min: NaT
        return t, int(ok.sum())

    return build(a, b), build(b, a)


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _usual_part(values: pd.Series) -> Any:
    """Return the values of the usual D-M-Y shape of a text column (read from its buffers), or None.

    :class:`bingeo.readers.usual_dates.UsualRows`; None for a column of other dtypes or without such values.
    """
    if not (pd.api.types.is_string_dtype(values.dtype) and values.dtype != object):
        return None
    from bingeo.readers.usual_dates import usual_rows

    return usual_rows(values)


def _usual_dmy_column(values: pd.Series) -> ParsedDates | None:
    """:func:`read_dates` of a text column whose every non-empty value has one usual shape (``1-1-2021 12:45``).

    Read from the Arrow buffers (:mod:`bingeo.readers.usual_dates`); empty or missing cells are empty. None for
    any other column (a value with spaces around it, another shape or separator, no value at all).
    """
    from bingeo.readers.usual_dates import usual_rows

    got = usual_rows(values)
    return got.parsed(values.index) if got is not None and got.complete else None


def _dmy_groups(v: pd.Series, by_sep: list[str]) -> pd.DataFrame:
    """Return the groups of ``_DMY_RE`` in each value of ``v`` (all match it), split when all have a usual shape.

    ``by_sep``: the separators of :data:`_SIMPLE_DMY` whose usual shape every value has.
    """
    if len(v) == 0 or _arrow_text(v) is None or not by_sep:  # unusual shapes, or separators that differ
        return _extract(v, _DMY_RE.pattern)
    import pyarrow as pa
    import pyarrow.compute as pc

    parts, hm, has_time, arr = _usual_parts(v, by_sep[0])
    sep = pa.array(np.full(len(arr), by_sep[0], dtype=object), type=pa.string())
    none = pa.nulls(len(arr), type=pa.string())
    cols = {
        "a": pc.list_element(parts, 0),
        "s": sep,
        "b": pc.list_element(parts, 1),
        "s2": sep,
        "y": pc.list_element(parts, 2),
        "H": pc.if_else(has_time, pc.list_element(hm, 0), none),
        "M": pc.if_else(has_time, pc.list_element(hm, 1), none),
        "S": none,
        "p": none,
    }
    return pd.DataFrame({k: pd.Series(c, index=v.index, dtype=v.dtype) for k, c in cols.items()}, index=v.index)


def _zero_pad(v: pd.Series) -> pd.Series:
    """``2023-1-5 9:05`` -> ``2023-01-05 09:05`` (pandas' ISO 8601 reader wants two digits)."""
    short = ~v.str.match(r"\d{4}-\d{2}-\d{2}(?:$|[T ]\d{2}:)")
    if not short.any():
        return v
    w = v[short]
    padded = (
        w.str.replace(r"^(\d{4})-(\d)(?=\D)", r"\1-0\2", regex=True)
        .str.replace(r"^(\d{4}-\d{2})-(\d)(?=\D|$)", r"\1-0\2", regex=True)
        .str.replace(r"^(\d{4}-\d{2}-\d{2}[T ])(\d)(?=:)", r"\g<1>0\2", regex=True)
    )
    return v.where(~short, padded.reindex(v.index))


def _as_naive(values: pd.Series) -> pd.Series:
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.astype("datetime64[ns]")


def read_dates(values: pd.Series, *, serials: bool = False) -> ParsedDates:
    """Read a column of dates value by value (THE date parser), never guessing one value's format alone.

    * Date and datetime cells (a GeoPackage's or a spreadsheet's) are used as they are.
    * ISO 8601 text (``2023-01-05``, ``2023-01-05T10:00``, with ``Z``/offsets: converted to UTC) and year-first
      text (``2023/01/05``) are read year-month-day only: ``2022-06-01`` is 1 June, never 6 January.
    * D-M-Y text is read day first, as Dutch and Belgian exports write dates, unless reading month first (US
      exports, ``12/31/2017 11:00 PM``) explains more of the column's values.
    * With ``serials`` (a spreadsheet's date column), numbers and number text are Excel serial day numbers
      within :data:`EXCEL_SERIAL_RANGE`.
    * Anything else, or an impossible date (31-02-2023, month 13), is *bad* on its own row; the column is dates
      when more than :data:`DATE_SHARE` of its non-empty values are.

    Examples
    --------
    >>> import pandas as pd
    >>> got = read_dates(pd.Series(["2022-06-01", "31-12-2022", "", "31-02-2022"]))
    >>> got.values.dt.strftime("%Y-%m-%d").tolist(), got.empty.tolist(), got.bad.tolist()
    (['2022-06-01', '2022-12-31', nan, nan], [False, False, True, False], [False, False, False, True])
    >>> read_dates(pd.Series(["12/31/2017 11:00 PM", "1/2/2018 1:00 AM"])).values.tolist()
    [Timestamp('2017-12-31 23:00:00'), Timestamp('2018-01-02 01:00:00')]
    """
    n = len(values)
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values):
        out = _as_naive(values)
        empty = out.isna().to_numpy()
        return ParsedDates(out, empty, np.zeros(n, dtype=bool), "date cells", True)
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        usual = _usual_dmy_column(values)  # the usual export: one shape throughout, read from the buffers
        if usual is not None:
            return usual
    known = _usual_part(values)  # the values of the usual shape among others: read from the buffers too
    out = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    kinds: list[str] = []
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        nums = pd.to_numeric(values, errors="coerce")
        empty = nums.isna().to_numpy()
        if serials:
            out = _excel_serials(nums)
            kinds.append("Excel serial day numbers")
        bad = ~empty & out.isna().to_numpy()
        return _verdict(out, empty, bad, kinds, "it holds numbers, not dates")
    obj = values.astype(object)
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:  # text only: no cells to sort
        is_dt = np.zeros(n, dtype=bool)
    else:
        is_dt = obj.map(lambda v: isinstance(v, (dt.date, np.datetime64)) and not pd.isna(v)).to_numpy(dtype=bool)
    if is_dt.any():
        got = pd.to_datetime(
            obj[is_dt].map(pd.Timestamp).map(lambda t: t.tz_convert("UTC").tz_localize(None) if t.tzinfo else t)
        )
        out[is_dt] = got.astype("datetime64[ns]")
        kinds.append("date cells")
    if is_dt.any() or values.dtype == object:
        is_num = obj.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
        is_num = is_num.to_numpy(dtype=bool) & ~obj.isna().to_numpy()
    else:
        is_num = np.zeros(n, dtype=bool)
    if serials and is_num.any():
        out[is_num] = _excel_serials(pd.to_numeric(obj[is_num]))
        kinds.append("Excel serial day numbers")
    t = _text_series(obj.where(~(is_dt | is_num), None))
    t = t.where(~pd.Series(is_dt | is_num, index=index), "")
    empty = ((t == "").to_numpy() & ~is_dt & ~is_num) | obj.isna().to_numpy()
    text = ~empty & ~is_dt & ~is_num
    v = t[text & ~known.rows] if known is not None else t[text]
    if len(v) and v.str.fullmatch(_TIME_ONLY_RE).all() and not kinds and known is None:
        return ParsedDates(out, empty, text, "it holds times of day without a date", False)
    iso = v.str.fullmatch(_ISO_RE) | v.str.fullmatch(_YMD_RE)
    if iso.any():
        w = v[iso].str.replace(",", ".", regex=False)
        w = w.where(
            ~w.str.fullmatch(_YMD_RE), w.str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", regex=True)
        )
        tz = w.str.fullmatch(_TZ_RE)
        for zoned in (False, True):
            part = w[tz == zoned]
            if len(part) == 0:
                continue
            got = pd.to_datetime(_zero_pad(part), format="ISO8601", errors="coerce", utc=zoned)
            out[part.index] = _as_naive(got)
        kinds.append("ISO 8601" + (", time zones converted to UTC" if tz.any() else ""))
    rest = v[~iso]
    if serials:
        plain = rest[rest.str.fullmatch(r"\d+(?:\.\d+)?")]
        if len(plain):
            out[plain.index] = _excel_serials(pd.to_numeric(plain))
            kinds.append("Excel serial day numbers")
            rest = rest.drop(plain.index)
    is_dmy, by_sep = _dmy_match(rest)
    dmy = rest[is_dmy]
    if len(dmy) or known is not None:
        day_first, month_first, n_day, n_month = _dmy(dmy, by_sep) if len(dmy) else (None, None, 0, 0)
        if known is not None:  # one reading for the column: counted over all its D-M-Y values
            n_day, n_month = n_day + known.n_day, n_month + known.n_month
            out[known.rows] = (known.month_first() if n_month > n_day else known.day_first)[known.rows]
        if len(dmy):
            out[dmy.index] = month_first if n_month > n_day else day_first
        kinds.append("month first (12/31/2017)" if n_month > n_day else "day first (31-12-2017)")
    bad = text & out.isna().to_numpy()
    return _verdict(out, empty, bad, kinds, "its values are not dates in a known format")


def _verdict(out: pd.Series, empty: np.ndarray, bad: np.ndarray, kinds: list[str], why_not: str) -> ParsedDates:
    n_dates = int(out.notna().sum())
    n_values = n_dates + int(bad.sum())
    if n_values == 0:
        return ParsedDates(out, empty, bad, "it is empty", False)
    if n_dates <= DATE_SHARE * n_values:
        how = f"{n_values - n_dates:,} of {n_values:,} values are not dates in a known format" if n_dates else why_not
        return ParsedDates(out, empty, bad, how, False)
    formats = " and ".join(kinds)
    how = formats + (f"; {int(bad.sum()):,} value(s) are not dates" if bad.any() else "")
    return ParsedDates(out, empty, bad, how, True, formats)


#: Names of split date columns, per part (English, Dutch, French, German).
DATE_PART_NAMES = {
    "year": ("year", "yr", "jaar", "annee", "jahr"),
    "month": ("month", "mon", "maand", "mois", "monat"),
    "day": ("day", "dag", "jour", "tag"),
    "hour": ("hour", "hr", "uur", "heure", "stunde"),
    "minute": ("minute", "min", "minuut", "minuten", "minutes"),
}


def date_part_columns(columns: list[str]) -> dict[str, str] | None:
    """Find split date columns (YEAR/MONTH/DAY[/HOUR/MINUTE]) by name; None unless year, month and day exist."""
    found: dict[str, str] = {}
    for part, names in DATE_PART_NAMES.items():
        for c in columns:
            if "".join(_tokens(c)) in names and part not in found:
                found[part] = c
    if not {"year", "month", "day"} <= set(found):
        return None
    if "minute" in found and "hour" not in found:
        del found["minute"]
    return found


def combine_date_parts(frame: pd.DataFrame, parts: dict[str, str]) -> ParsedDates:
    """Read split date columns (``{"year": "YEAR", "month": "MONTH", "day": "DAY", "hour": ..., "minute": ...}``).

    A row is empty when its year, month and day are all empty, and bad when they do not make a date (30
    February, month 13) or a part is not a whole number; an empty hour or minute counts as 0.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"YEAR": [2023, 2023, None], "MONTH": [1, 2, None], "DAY": [31, 30, None]})
    >>> got = combine_date_parts(df, {"year": "YEAR", "month": "MONTH", "day": "DAY"})
    >>> got.values.dt.strftime("%Y-%m-%d").tolist(), got.bad.tolist(), got.empty.tolist()
    (['2023-01-31', nan, nan], [False, True, False], [False, False, True])
    """
    nums = {}
    blank = {}
    for part, col in parts.items():
        raw = frame[col]
        text = _text_series(raw) if not pd.api.types.is_numeric_dtype(raw) else None
        v = pd.to_numeric(raw if text is None else text.where(text != "", None), errors="coerce")
        blank[part] = raw.isna() if text is None else (text == "")
        nums[part] = v.where(v == v.round())
    empty = (blank["year"] & blank["month"] & blank["day"]).to_numpy()
    table = pd.DataFrame({k: nums[k] for k in ("year", "month", "day")})
    for k in ("hour", "minute"):
        if k in nums:
            table[k] = nums[k].where(~blank[k], 0)
    ok_clock = pd.Series(True, index=frame.index)
    if "hour" in table:
        ok_clock &= table["hour"].between(0, 23)
    if "minute" in table:
        ok_clock &= table["minute"].between(0, 59)
    out = pd.to_datetime(table, errors="coerce").astype("datetime64[ns]").where(ok_clock)
    bad = ~empty & out.isna().to_numpy()
    label = "/".join(parts[k] for k in ("year", "month", "day", "hour", "minute") if k in parts)
    return _verdict(out, empty, bad, [f"split columns {label}"], "its parts are not dates")


def _tokens(name: str) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return tuple(t for t in re.split(r"[^0-9a-z]+", plain.lower()) if t)
