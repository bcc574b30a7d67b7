"""THE one number parser and THE one date parser of bingeo (decimal commas, grouped thousands, day-first dates)."""

from __future__ import annotations

import logging
import re
import unicodedata

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
    s = values.astype(object).where(values.notna(), "")
    return s.astype(str).str.strip().str.replace("\u2212", "-", regex=False)


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
    s = _text_series(values)
    empty = (s == "").to_numpy()
    grouped = s.str.fullmatch(_SPACE_GROUPED)
    if grouped.any():
        s = s.where(~grouped, s.str.replace(r"[ \u00a0\u202f']", "", regex=True))
    dot_ok = s.str.fullmatch(_NUM_DOT).to_numpy(dtype=bool)
    comma_ok = s.str.fullmatch(_NUM_COMMA).to_numpy(dtype=bool)
    dot_val = np.full(len(s), np.nan)
    comma_val = np.full(len(s), np.nan)
    if dot_ok.any():
        dot_val[dot_ok] = pd.to_numeric(s[dot_ok].str.replace(",", "", regex=False), errors="coerce")
    if comma_ok.any():
        conv = s[comma_ok].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        comma_val[comma_ok] = pd.to_numeric(conv, errors="coerce")
    both = dot_ok & comma_ok
    differ = both & ~(dot_val == comma_val)
    only_dot = dot_ok & ~comma_ok
    only_comma = comma_ok & ~dot_ok
    n_dot, n_comma = int(only_dot.sum()), int(only_comma.sum())
    out = np.where(dot_ok, dot_val, comma_val)
    out[only_comma] = comma_val[only_comma]
    if differ.any():
        if n_comma > n_dot:
            use_comma = differ
        elif n_dot > n_comma:
            use_comma = np.zeros(len(s), dtype=bool)
        else:
            use_comma = differ & s.str.contains(",", regex=False).to_numpy(dtype=bool)
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
    nonempty = t != ""
    if not nonempty.any():
        return None
    v = t[nonempty]
    is_int = v.str.fullmatch(_INT_RE)
    if is_int.all():
        nums = pd.to_numeric(v, errors="coerce").astype("int64")
        if nonempty.all():
            return nums.reindex(s.index)
        out = pd.Series(pd.NA, index=s.index, dtype="Int64")
        out[nonempty] = nums
        return out
    is_dec = is_int | v.str.fullmatch(_DEC_DOT_RE)
    if decimal_comma and not is_dec.all():
        is_comma = v.str.fullmatch(_DEC_COMMA_RE)
        if (is_dec | is_comma).all() and is_comma.any() and not v[~is_int].str.contains(".", regex=False).any():
            v = v.str.replace(",", ".", regex=False)
            is_dec = is_dec | is_comma
    if not is_dec.all():
        return None
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    out[nonempty] = pd.to_numeric(v, errors="coerce").astype("float64")
    return out


_DATE_HINT = re.compile(r"^(date|datum|tijd|time)|(date|datum|tijd|time)$")


_ISO_RE = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?"
)


_TZ_RE = r".*(?:Z|[+-]\d{2}:?\d{2})"


_TIME_ONLY_RE = r"\d{1,2}:\d{2}(?::\d{2})?"


_DAYFIRST = [f"%d{s}%m{s}%Y{t}" for s in ("-", "/", ".") for t in (" %H:%M:%S", " %H:%M", "")] + [
    f"%d{s}%m{s}%y{t}" for s in ("-", "/", ".") for t in (" %H:%M:%S", " %H:%M", "")
]


_MONTHFIRST = [f"%m/%d/%Y{t}" for t in (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "")]


def _date_named(name: str) -> bool:
    return any(_DATE_HINT.search(tok) for tok in _tokens(name))


def parse_date_values(raw: pd.Series) -> pd.Series:
    """Read each value on its own: ISO 8601 first (2023-01-05), then day-first (5-1-2023 3:00); NaT if neither.

    The fallback of :func:`bingeo.incidents.parse_date_column` for a column that :func:`parse_dates` cannot
    read as a whole (a few impossible dates among good ones): the good values keep their date.
    """
    text = raw.astype("string").str.strip()
    dates = pd.to_datetime(text, errors="coerce", format="ISO8601")
    rest = dates.isna() & text.notna() & (text != "")
    if rest.any():
        dates = dates.astype("datetime64[ns]")
        later = pd.to_datetime(text[rest], errors="coerce", dayfirst=True, format="mixed")
        dates[rest] = later.astype("datetime64[ns]")
    return dates


def parse_dates(s: pd.Series) -> tuple[pd.Series | None, str]:
    """Parse a column of dates.

    Returns (datetimes or None, description of the format or reason of failure).
    """
    t = _text_series(s)
    nonempty = t != ""
    if not nonempty.any():
        return None, "it is empty"
    v = t[nonempty]
    if v.str.fullmatch(_TIME_ONLY_RE).all():
        return None, "it holds times of day without a date"
    iso = v.str.fullmatch(_ISO_RE)
    parsed = pd.Series(pd.NaT, index=v.index, dtype="datetime64[us]")
    kinds: list[str] = []
    if iso.all() and v.str.fullmatch(_TZ_RE).any():
        try:
            out = pd.to_datetime(v.str.replace(",", ".", regex=False), format="ISO8601", utc=True)
        except (ValueError, TypeError):
            return None, "its ISO 8601 values mix time zones and plain times"
        full = pd.Series(pd.NaT, index=s.index, dtype=out.dtype)
        full[nonempty] = out
        return full, "ISO 8601 with time zone, converted to UTC"
    if iso.any():
        try:
            parsed[iso] = pd.to_datetime(
                v[iso].str.replace(",", ".", regex=False),
                format="ISO8601",
                errors="coerce",
            )
        except (ValueError, TypeError):
            return None, "its ISO 8601 values cannot be parsed"
        kinds.append("ISO 8601")
    rest = parsed.isna()
    day_ok = False
    for fmt in _DAYFIRST:
        if not rest.any():
            break
        got = pd.to_datetime(v[rest], format=fmt, errors="coerce")
        if got.notna().any():
            parsed[got.index[got.notna()]] = got[got.notna()]
            day_ok = True
            rest = parsed.isna()
    if day_ok:
        kinds.append("day first (31-12-2017)")
    if rest.any():
        # Month-first only when it explains every value that day-first could not.
        alt = pd.Series(pd.NaT, index=v.index, dtype="datetime64[us]")
        alt[iso] = parsed[iso]
        ok = iso.copy()
        for fmt in _MONTHFIRST:
            left = ~ok
            if not left.any():
                break
            got = pd.to_datetime(v[left], format=fmt, errors="coerce")
            alt[got.index[got.notna()]] = got[got.notna()]
            ok = alt.notna()
        if ok.all():
            parsed, kinds = (
                alt,
                [k for k in kinds if k == "ISO 8601"] + ["month first (12/31/2017)"],
            )
            rest = parsed.isna()
    if rest.any():
        return (
            None,
            f"{int(rest.sum()):,} of {len(v):,} values are not dates in a known format",
        )
    full = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    full[nonempty] = parsed
    return full, " and ".join(kinds)


def _tokens(name: str) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return tuple(t for t in re.split(r"[^0-9a-z]+", plain.lower()) if t)
