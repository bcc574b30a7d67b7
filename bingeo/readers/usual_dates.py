"""D-M-Y text of the usual export shape (``1-1-2021 12:45``) read from Arrow's buffers, a block of rows at a time.

The fast path of :func:`bingeo.readers.values.read_dates` (THE date parser), with the same answers. One RE2 pass
finds the values of the usual shape of :data:`bingeo.readers.values._SIMPLE_DMY` (one separator per column); their
digits are read straight from the text buffer, and the day numbers come from a table of the months (first day,
length) of the years ``datetime64[ns]`` holds. The work goes in blocks of :data:`BLOCK_ROWS` rows so that the
temporaries stay in the cache: the same arithmetic on whole columns made a few dozen 8 MB arrays per million rows
(page faults, memory traffic) and took 2-3 times as long inside a command.

A column whose every non-empty value has the usual shape is read here whole (:meth:`UsualRows.parsed`). In a
column where only some have it (other layouts, ISO text, ``onbekend``), those rows are read here and the others
by the general parser; the column is read day or month first by the count over all its D-M-Y values, exactly as
the general parser alone would (``read_dates``).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BLOCK_ROWS", "UsualRows", "usual_rows"]

#: Rows read per block (the temporaries of one block stay in the cache).
BLOCK_ROWS = 1 << 16

#: At most this many first non-empty values are looked at for the column's separator.
_SEP_PROBE = 200


@functools.lru_cache(maxsize=1)
def _months() -> tuple[np.ndarray, np.ndarray, int, int]:
    """(first day of each month since 1970-01-01, its length in days, first year, last year) of the usual years."""
    from bingeo.readers.values import _USUAL_YEARS

    lo, hi = _USUAL_YEARS
    months = np.arange(np.datetime64(f"{lo}-01", "M"), np.datetime64(f"{hi + 1}-01", "M"))
    first = np.append(months, months[-1] + 1).astype("datetime64[D]").astype(np.int64)
    return first[:-1], np.diff(first), lo, hi


@dataclass
class _Digits:
    """The text of one block of usual values: the buffer and each value's start and end in it."""

    buf: np.ndarray
    start: np.ndarray
    end: np.ndarray
    sep: int

    def number(self, at: np.ndarray, width: np.ndarray | int) -> np.ndarray:
        first = self.buf[at].astype(np.int32) - 48
        return np.where(width == 1, first, first * 10 + self.buf[at + 1] - 48)

    def parts(self) -> tuple[np.ndarray, ...]:
        """Return (a, b, index of the year in the month table or -1, seconds into the day) of each value."""
        o, e, s = self.start, self.end, self.sep
        dl = np.where(self.buf[o + 1] == s, 1, 2)
        a = self.number(o, dl)
        mo = o + dl + 1
        ml = np.where(self.buf[mo + 1] == s, 1, 2)
        b = self.number(mo, ml)
        yo = mo + ml + 1
        two = (e == yo + 2) | (self.buf[yo + 2] == 32)
        y2 = self.number(yo, 2)
        y = np.where(two, 2000 + y2 - 100 * (y2 >= 70), y2 * 100 + self.number(yo + 2, 2))  # 2 digits: 1970 .. 2069
        ho = yo + np.where(two, 2, 4) + 1
        timed = e > ho
        hl = np.where(self.buf[ho + 1] == 58, 1, 2)
        hour = np.where(timed, self.number(ho, hl), 0)
        minute = np.where(timed, self.number(ho + hl + 1, 2), 0)
        _, _, lo, hi = _months()
        year = np.where((y >= lo) & (y <= hi) & (hour <= 23) & (minute <= 59), y - lo, -1)
        return a, b, year, hour * 3600 + minute * 60


def _dates(day: np.ndarray, month: np.ndarray, year: np.ndarray, secs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since 1970 (int64; int64 min = NaT where impossible) and which are dates, of the parts."""
    first, length, _, _ = _months()
    ok = (year >= 0) & (month >= 1) & (month <= 12) & (day >= 1)
    k = np.where(ok, year * 12 + month - 1, 0)
    ok &= day <= length[k]
    ns = ((first[k] + day - 1) * 86_400 + secs) * 1_000_000_000
    return np.where(ok, ns, np.iinfo(np.int64).min), ok


@dataclass
class UsualRows:
    """The values of the usual shape of a text column, read day first (and counted both ways).

    Attributes
    ----------
    rows : ndarray of bool
        Rows of the usual shape (read here); the others are empty or for the general parser.
    day_first : ndarray of datetime64[ns]
        Of every row: the date read day first (NaT where not of the usual shape or impossible).
    n_day, n_month : int
        How many of ``rows`` are dates read day first, month first.
    empty : ndarray of bool
        Rows with no text (missing or ``""``).
    complete : bool
        Whether every non-empty row has the usual shape.
    """

    rows: np.ndarray
    day_first: np.ndarray
    n_day: int
    n_month: int
    empty: np.ndarray
    complete: bool
    _text: Any

    def month_first(self) -> np.ndarray:
        """Return, for every row, the date read month first (NaT where not of the usual shape or impossible)."""
        return _read(self._text, self.rows, month_first=True)[0]

    def values(self) -> np.ndarray:
        """Return the rows' dates read the way the column reads (month first only when that explains more)."""
        return self.month_first() if self.n_month > self.n_day else self.day_first

    def kind(self) -> str:
        """How the column reads, as :func:`bingeo.readers.values.read_dates` names it."""
        return "month first (12/31/2017)" if self.n_month > self.n_day else "day first (31-12-2017)"

    def parsed(self, index: pd.Index) -> Any:
        """Return the column (every non-empty row of the usual shape) as :class:`~bingeo.readers.values.ParsedDates`."""
        from bingeo.readers.values import _verdict

        t = self.values()
        bad = ~self.empty & np.isnat(t)
        return _verdict(
            pd.Series(t, index=index), self.empty, bad, [self.kind()], "its values are not dates in a known format"
        )


def _read(text: tuple[Any, int], rows: np.ndarray, *, month_first: bool) -> tuple[np.ndarray, int, int]:
    """Read the ``rows`` of ``text`` (Arrow array, separator) block by block: (datetimes, n this way, n other way)."""
    arr, sep = text
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = arr.buffers()[2]
    buf = np.zeros(len(data) + 8, dtype=np.uint8)  # room to look past the last value's end
    buf[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    out = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    n_this = n_other = 0
    for lo in range(0, n, BLOCK_ROWS):
        at = lo + np.flatnonzero(rows[lo : lo + BLOCK_ROWS])
        if len(at) == 0:
            continue
        a, b, year, secs = _Digits(buf, offsets[at], offsets[at + 1], sep).parts()
        day, month = (b, a) if month_first else (a, b)
        out[at], ok = _dates(day, month, year, secs)
        n_this += int(ok.sum())
        other = (year >= 0) & (day >= 1) & (day <= 12) & (month >= 1)
        if other.any():  # read the other way: only values whose day could be a month
            n_other += int(_dates(month[other], day[other], year[other], secs[other])[1].sum())
    return out.view("datetime64[ns]"), n_this, n_other


def usual_rows(values: pd.Series) -> UsualRows | None:
    """Read the values of the usual D-M-Y shape of the text column ``values`` (Arrow-backed strings).

    None when no value has it (or the column is not Arrow text): the general parser reads it all. The separator
    is the one (``-``, ``/``, ``.``) most of the first non-empty values have among their first three characters.

    Examples
    --------
    >>> import pandas as pd
    >>> got = usual_rows(pd.Series(["31-12-2021 23:59", "", "2021-06-01", "31-2-2021"], dtype="str"))
    >>> got.rows.tolist(), got.day_first.astype(str).tolist(), got.complete
    ([True, False, False, True], ['2021-12-31T23:59:00.000000000', 'NaT', 'NaT', 'NaT'], False)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from bingeo.readers.values import _SIMPLE_DMY, _arrow_text

    arr = _arrow_text(values)
    if arr is None or len(arr) == 0:
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    empty = ~pc.fill_null(pc.greater(pc.binary_length(arr), 0), False).to_numpy(zero_copy_only=False)
    heads = pc.utf8_slice_codeunits(arr.take(np.flatnonzero(~empty)[:_SEP_PROBE]), 0, 3).to_pylist()
    found = Counter(next((c for c in head if c in _SIMPLE_DMY), "") for head in heads)
    found.pop("", None)
    if not found:
        return None
    sep = found.most_common(1)[0][0]  # the most values' (the first met of equals)
    shaped = pc.match_substring_regex(arr, f"^(?:{_SIMPLE_DMY[sep]})$")
    rows = pc.fill_null(shaped, False).to_numpy(zero_copy_only=False)
    if not rows.any():
        return None
    text = (arr, ord(sep))
    day_first, n_day, n_month = _read(text, rows, month_first=False)
    complete = bool((rows | empty).all())
    return UsualRows(rows, day_first, n_day, n_month, empty, complete, text)
