"""Which incidents: the one rule for selecting incidents by type, period and date column.

Every workflow that filters incidents (``counts``, ``hotspots``, ``pai``, ``evaluate``, ``nearrepeat``,
``density``, ``map``, the CLI and the QGIS plugin) uses these functions, so that ``--type``,
``--type-field``, ``--date-field`` and the periods mean the same everywhere:

* **Type column** (:func:`type_column`): the column named by ``type_field``; else the one text column
  holding every wanted value (when several do, the one named like :data:`TYPE_FIELD_NAMES`).
* **Date column** (:func:`date_column`): the column named by ``date_field``; else the first column that
  holds dates (:func:`bingeo.read_points` parses columns named like ``datum``/``date``/``tijd``, text
  columns of ISO dates such as police.uk's ``month``, and split ``YEAR/MONTH/DAY[/HOUR/MINUTE]`` columns,
  combined into ``date``). ``YEAR,MONTH,DAY`` (comma-separated columns) names split columns too.
* **Dates**: THE date parser, :func:`bingeo.readers.values.read_dates` (ISO 8601 is always year-month-day;
  D-M-Y day first as Dutch and Belgian exports write dates, month first only when that explains more
  values). An impossible value (31-02, month 13) is bad on its own row, never the whole column.
* **Rows without a usable date** (:func:`require_dates`): rejected (``no_date``/``bad_date``, with row
  numbers) by every command that uses dates.
* **Periods** (:func:`period`, :func:`parse_period`): FROM and TO both included; a day-precision TO
  includes that whole day (``2014-01-01/2014-12-31`` is the whole of 2014, 365 days).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from bingeo.errors import InputError
from bingeo.readers.values import ParsedDates, combine_date_parts, read_dates

if TYPE_CHECKING:
    from bingeo.aoristic import Windows
    from bingeo.readers.points import ReadResult

__all__ = [
    "TYPE_FIELD_NAMES",
    "type_column",
    "select_types",
    "date_column",
    "parse_date_column",
    "incident_dates",
    "incident_days",
    "read_incident_dates",
    "require_dates",
    "Period",
    "period",
    "parse_period",
    "period_selector",
    "TIME_WEIGHT",
]

#: Column of each incident's weight in a period when :func:`period_selector` weighs time windows.
TIME_WEIGHT = "time_weight"

#: Column names tried first for the incident type when several columns hold the wanted values.
TYPE_FIELD_NAMES = ("soort_delict", "soort", "delict", "type", "offence", "offense", "category", "crime_type")


def _columns(frame: pd.DataFrame) -> str:
    return ", ".join(map(str, frame.columns))


def _type_values_hint(frame: pd.DataFrame, geometry: str | None) -> str:
    """Say which types the incidents hold: the values of the column named like a type column, most first."""
    named = [c for c in frame.columns if c != geometry and str(c).lower() in TYPE_FIELD_NAMES]
    if not named:
        return " Name the type column with `type_field`."
    counts = frame[named[0]].dropna().astype(str).value_counts()
    shown = ", ".join(f"{v} ({n:,})" for v, n in counts.head(12).items())
    more = f" and {len(counts) - 12:,} more" if len(counts) > 12 else ""
    return f" Column {named[0]!r} holds: {shown}{more}."


def type_column(frame: pd.DataFrame, types: Sequence[str], *, type_field: str | None = None) -> str:
    """Return the column holding the incident type: ``type_field``, or found from the wanted ``types``.

    Parameters
    ----------
    frame : DataFrame
        The incidents.
    types : sequence of str
        The wanted values (exact text).
    type_field : str, optional
        The column, when the user named it.

    Returns
    -------
    str
        The column name.

    Raises
    ------
    InputError
        The named column is missing, or no single column holds every wanted value.

    Examples
    --------
    >>> import pandas as pd
    >>> type_column(pd.DataFrame({"soort_delict": ["woninginbraak"], "straat": ["A"]}), ["woninginbraak"])
    'soort_delict'
    """
    if type_field is not None:
        if type_field not in frame.columns:
            msg = f"no column {type_field!r} (`type_field`, the incident type) in the incidents; "
            msg += f"columns: {_columns(frame)}."
            raise InputError(msg)
        return type_field
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    wanted = {str(t) for t in types}
    candidates = [
        c
        for c in frame.columns
        if c != geometry
        and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
        and wanted <= set(frame[c].dropna().astype(str))
    ]
    if len(candidates) > 1:
        named = [c for c in candidates if str(c).lower() in TYPE_FIELD_NAMES]
        candidates = named or candidates
    if not candidates:
        them = "it" if len(wanted) == 1 else "them"
        msg = f"type {', '.join(map(str, types))}: no column of the incidents holds {them}."
        msg += _type_values_hint(frame, geometry) + f" Columns: {_columns(frame)}."
        raise InputError(msg)
    if len(candidates) != 1:
        msg = (
            f"type {', '.join(map(str, types))}: cannot tell which column holds the incident type "
            f"(columns with these values: {', '.join(map(str, candidates))}). Name it with `type_field`."
        )
        raise InputError(msg)
    return str(candidates[0])


def select_types(
    points: pd.DataFrame, types: Sequence[str] | None, *, type_field: str | None = None
) -> tuple[pd.DataFrame, str | None]:
    """Keep the incidents whose type is one of ``types``; find the type column when it is not named.

    Parameters
    ----------
    points : DataFrame
        The incidents.
    types : sequence of str or None
        Wanted values (exact text). None or empty: all incidents, column None.
    type_field : str, optional
        The type column. Default: found by :func:`type_column`.

    Returns
    -------
    (DataFrame, str or None)
        The selected rows (a new frame) and the column used.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"soort_delict": ["woninginbraak", "vernieling"], "straat": ["A", "B"]})
    >>> sel, col = select_types(df, ["woninginbraak"])
    >>> len(sel), col
    (1, 'soort_delict')
    """
    if not types:
        return points, None
    type_field = type_column(points, types, type_field=type_field)
    keep = points[type_field].astype(str).isin([str(t) for t in types]).to_numpy()
    if not keep.any():
        values = ", ".join(sorted(points[type_field].dropna().astype(str).unique())[:15])
        msg = (
            f"no incidents of type {', '.join(map(str, types))} in column {type_field!r}; its values include: {values}."
        )
        raise InputError(msg)
    return points[keep], type_field


def date_column(
    frame: pd.DataFrame, date_field: str | None = None, *, need: str = "this needs", what: str = "incidents"
) -> str:
    """Return the date column: ``date_field``, else the first column holding dates.

    Parameters
    ----------
    frame : DataFrame
        The incidents.
    date_field : str, optional
        The column, when the user named it.
    need : str
        Who needs the dates, for the message (e.g. ``"counting by period needs"``).
    what : str
        Name of the frame in messages.

    Returns
    -------
    str
        The column name.
    """
    if date_field is not None:
        if date_field not in frame.columns:
            msg = f"no date column {date_field!r} in the {what} (--date-field). Columns: {_columns(frame)}."
            raise InputError(msg)
        return date_field
    for c in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[c]):
            return str(c)
    msg = (
        f"{need} a date column, and no column of the {what} was recognised as dates. "
        f"Name it with --date-field (`date_field`; split columns as YEAR,MONTH,DAY[,HOUR,MINUTE] also work). "
        f"Columns: {_columns(frame)}."
    )
    raise InputError(msg)


def parse_date_column(values: pd.Series) -> pd.Series:
    """Return a column as tz-naive datetimes: dates as they are, text read by THE date parser (NaT if unknown).

    Examples
    --------
    >>> import pandas as pd
    >>> parse_date_column(pd.Series(["2022-06-01", "31-12-2022", "nonsense"])).dt.strftime("%Y-%m-%d").tolist()
    ['2022-06-01', '2022-12-31', nan]
    """
    return read_dates(values).values


def _split_field(frame: pd.DataFrame, date_field: str, what: str) -> dict[str, str]:
    parts = [p.strip() for p in date_field.split(",")]
    missing = [p for p in parts if p not in frame.columns]
    if not 3 <= len(parts) <= 5 or missing:
        msg = (
            f"--date-field {date_field!r}: give one date column, or the columns year,month,day[,hour,minute] "
            f"(missing in the {what}: {', '.join(missing) or '-'}). Columns: {_columns(frame)}."
        )
        raise InputError(msg)
    return dict(zip(("year", "month", "day", "hour", "minute"), parts))


def read_incident_dates(
    frame: pd.DataFrame, *, date_field: str | None = None, need: str = "this needs", what: str = "incidents"
) -> tuple[str, ParsedDates]:
    """Return (label of the date column, the dates read by THE date parser with empty and bad rows).

    ``date_field`` as :func:`date_column`; comma-separated columns are read as year, month, day[, hour,
    minute] (as in the Vancouver police data: ``YEAR,MONTH,DAY,HOUR,MINUTE``).
    """
    if date_field is not None and "," in date_field:
        return date_field, combine_date_parts(frame, _split_field(frame, date_field, what))
    col = date_column(frame, date_field, need=need, what=what)
    got = read_dates(frame[col])
    if date_field is not None and not got.is_dates and not pd.api.types.is_datetime64_any_dtype(frame[col]):
        msg = f"--date-field {col!r}: the column does not hold dates ({got.how})."
        raise InputError(msg)
    return col, got


def incident_dates(frame: pd.DataFrame, *, date_field: str | None = None, what: str = "incidents") -> pd.Series:
    """Return the incidents' dates and times (datetime64, tz-naive), NaT where unknown.

    ``date_field`` as :func:`date_column`; three to five comma-separated columns are read as year, month, day
    [, hour, minute] (as in the Vancouver police data: ``YEAR,MONTH,DAY``).
    """
    return read_incident_dates(frame, date_field=date_field, need="reading incident dates needs", what=what)[1].values


def incident_days(frame: pd.DataFrame, *, date_field: str | None = None, what: str = "incidents") -> pd.Series:
    """Calendar dates of incidents (datetime64, time of day dropped); NaT where unknown.

    Parameters
    ----------
    frame : DataFrame
        The incidents.
    date_field : str, optional
        The date column. Default: the first column holding dates (``read_points``
        parses columns named like ``datum``/``date``/``tijd``, ISO dates and split YEAR/MONTH/DAY columns).
        Three to five comma-separated columns are read as year, month, day[, hour, minute].
    what : str
        Name of the frame in error messages.

    Returns
    -------
    Series
        ``datetime64[ns]`` dates on the frame's index.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"YEAR": [2023, 2023], "MONTH": [1, 2], "DAY": [31, 30]})
    >>> incident_days(df, date_field="YEAR,MONTH,DAY").dt.strftime("%Y-%m-%d").tolist()   # 30 February: NaT
    ['2023-01-31', nan]
    """
    return incident_dates(frame, date_field=date_field, what=what).dt.normalize().astype("datetime64[ns]")


def require_dates(read: ReadResult, *, date_field: str | None = None, need: str = "this needs") -> ReadResult:
    """Move the incidents without a usable date to the rejects: ``no_date`` (empty) or ``bad_date``.

    For every command that uses dates (``counts --by``, periods of ``hotspots``/``pai``/``evaluate``,
    ``nearrepeat``): each such row is a reject with its row number and reason, never counted in "(no date)"
    and never silently left out. Impossible dates found at read time (31-02-2023, month 13) are ``bad_date``.

    Parameters
    ----------
    read : ReadResult
        The incidents as :func:`bingeo.read_points` read them.
    date_field, need
        As :func:`date_column`.

    Returns
    -------
    ReadResult
        A new result; its ``summary()`` counts the rows moved.
    """
    col, got = read_incident_dates(read.points, date_field=date_field, need=need)
    no_date = got.values.isna().to_numpy()
    if not no_date.any():
        return read
    detail = got.detail(col)
    known = read.date_problem(col)
    bad = got.bad.copy()
    if known is not None:
        has = np.not_equal(known, None) & no_date
        detail[has] = known[has]
        bad |= has
    empty = no_date & ~bad
    n_bad, n_empty = int(bad.sum()), int(empty.sum())
    out = read.reject(bad, "bad_date", detail)
    out = out.reject(empty[~bad], "no_date", detail[~bad])
    parts = [f"{n_empty:,} without a date"] if n_empty else []
    parts += [f"{n_bad:,} with an impossible or unreadable date"] if n_bad else []
    out.notes.append(f"Dates from {col!r}: {' and '.join(parts)} rejected ({need.removesuffix(' needs')} needs dates).")
    if len(out.points) == 0:
        msg = (
            f"{read.source}: no incident has a usable date in {col!r} ({' and '.join(parts)}); "
            f"{need} dates. Name the date column with --date-field."
        )
        raise InputError(msg)
    return out


@dataclass(frozen=True)
class Period:
    """A period of days or times: FROM included, TO included (a day-precision TO includes that whole day).

    Attributes
    ----------
    start : Timestamp or None
        The first instant included (None: open).
    stop : Timestamp or None
        The first instant *after* the period (TO + 1 day for a day-precision TO; None: open).
    text : str
        The period as the user wrote it, for messages.
    """

    start: pd.Timestamp | None
    stop: pd.Timestamp | None
    text: str = ""

    def contains(self, dates: pd.Series) -> np.ndarray:
        """Mask of ``dates`` inside the period (NaT never)."""
        keep = dates.notna().to_numpy(dtype=bool, copy=True)
        if self.start is not None:
            keep &= (dates >= self.start).fillna(False).to_numpy(dtype=bool)
        if self.stop is not None:
            keep &= (dates < self.stop).fillna(False).to_numpy(dtype=bool)
        return keep

    @property
    def first(self) -> dt.date | None:
        """The first day (FROM)."""
        return None if self.start is None else self.start.date()

    @property
    def last(self) -> dt.date | None:
        """The last day included (TO)."""
        return None if self.stop is None else (self.stop - pd.Timedelta(1, "ns")).date()

    @property
    def days(self) -> float | None:
        """Length in days (None when open)."""
        if self.start is None or self.stop is None:
            return None
        return (self.stop - self.start) / pd.Timedelta(days=1)

    def describe(self, dates: pd.Series | None = None) -> str:
        """``2014-01-01 to 2014-12-31 (both included, 365 days)``; an open end is closed at the data's dates."""
        lo, hi, closed = self.start, self.stop, ""
        if dates is not None and (lo is None or hi is None):
            known = dates.dropna()
            if len(known):
                if lo is None:
                    lo, closed = known.min().normalize(), " (open start: from the first incident)"
                if hi is None:
                    hi, closed = known.max().normalize() + pd.Timedelta(days=1), " (open end: to the last incident)"
        if lo is None or hi is None:
            return f"{_day(lo) if lo is not None else '…'} to {_day(hi, last=True) if hi is not None else '…'}"
        days = (hi - lo) / pd.Timedelta(days=1)
        return f"{_day(lo)} to {_day(hi, last=True)} (both included, {days:,.4g} day{'' if days == 1 else 's'}){closed}"


def _day(ts: pd.Timestamp, *, last: bool = False) -> str:
    if last:
        if ts == ts.normalize():
            return (ts - pd.Timedelta(days=1)).date().isoformat()
        return (ts - pd.Timedelta(1, "ns")).isoformat(sep=" ", timespec="minutes")
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat(sep=" ", timespec="minutes")


def _bound(value: Any, what: str) -> tuple[pd.Timestamp, bool]:
    """Return (timestamp, day precision?) of a period bound."""
    if isinstance(value, dt.datetime) or isinstance(value, pd.Timestamp):
        ts, day = pd.Timestamp(value), False
        day = ts == ts.normalize()
    elif isinstance(value, dt.date):
        ts, day = pd.Timestamp(value), True
    else:
        text = str(value).strip()
        if not text:
            msg = f"{what} is empty; give a date such as 2023-01-01."
            raise InputError(msg)
        got = read_dates(pd.Series([text], dtype=object))
        if not got.is_dates or got.values.isna().iloc[0]:
            msg = f"{what} {text!r} is not a date; give a date such as 2023-01-01 (YYYY-MM-DD)."
            raise InputError(msg)
        ts = got.values.iloc[0]
        day = bool(re.fullmatch(r"[\d/.-]+", text)) or ts == ts.normalize()
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts, day


def period(start: Any = None, end: Any = None, *, names: tuple[str, str] = ("--from", "--to")) -> Period:
    """Return the :class:`Period` from ``start`` to ``end``, both included.

    A TO of day precision (``2014-12-31``, a ``date``, a midnight ``Timestamp``) includes that whole day, as
    an analyst who writes 2014-01-01/2014-12-31 means the whole of 2014; a TO with a time includes that
    instant. ``names`` are the options (or parameters) named in messages.

    Examples
    --------
    >>> p = period("2014-01-01", "2014-12-31")
    >>> p.days, p.describe()
    (365.0, '2014-01-01 to 2014-12-31 (both included, 365 days)')
    """
    lo = hi = None
    if start is not None:
        lo, _ = _bound(start, names[0])
    if end is not None:
        hi, day = _bound(end, names[1])
        hi = hi.normalize() + pd.Timedelta(days=1) if day else hi + pd.Timedelta(1, "ns")
    if lo is not None and hi is not None and hi <= lo:
        msg = (
            f"{names[1]} ({_day(hi, last=True)}) is before {names[0]} ({_day(lo)}): give FROM before TO "
            "(both included)."
        )
        raise InputError(msg)
    text = f"{start if start is not None else ''}/{end if end is not None else ''}"
    return Period(lo, hi, text)


def parse_period(value: Any, *, name: str = "--period") -> Period:
    """Read a ``FROM/TO`` period (text ``2014-01-01/2014-12-31`` or a pair of dates); both days included.

    Examples
    --------
    >>> parse_period("2014-01-01/2014-12-31").describe()
    '2014-01-01 to 2014-12-31 (both included, 365 days)'
    """
    if isinstance(value, Period):
        return value
    if isinstance(value, str):
        parts = value.split("/")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            msg = f"{name} {value!r}: use FROM/TO, e.g. 2022-01-01/2022-12-31 (both days included)."
            raise InputError(msg)
        a, b = parts
    else:
        try:
            a, b = value
        except (TypeError, ValueError):
            msg = f"{name} {value!r}: give (FROM, TO) dates, e.g. ('2022-01-01', '2022-12-31'), both included."
            raise InputError(msg) from None
    return period(a, b, names=(f"{name} FROM", f"{name} TO"))


def period_selector(
    frame: pd.DataFrame,
    *,
    date_field: str | None = None,
    types: Sequence[str] | None = None,
    type_field: str | None = None,
    windows: Windows | None = None,
    how: str = "aoristic",
    max_window: pd.Timedelta | None = None,
) -> Callable[[Any], pd.DataFrame]:
    """Return ``select(period)``: the incidents of ``types`` whose date is in the period (both ends included).

    The type column is found by :func:`type_column`, the dates by :func:`incident_dates`; rows without a
    date are in no period. ``period`` is a :class:`Period` or FROM/TO as :func:`parse_period` reads it. Used
    by ``bingeo pai`` for its fit and test periods.

    With ``windows`` (row for row), the incidents whose time window reaches into the period are selected, with
    their weight in it in a column :data:`TIME_WEIGHT` (:func:`bingeo.aoristic.period_shares`; ``how`` and
    ``max_window`` as there).
    """
    keep = pd.Series(True, index=frame.index)
    if types:
        col = type_column(frame, types, type_field=type_field)
        keep &= frame[col].astype(str).isin([str(t) for t in types])
    if windows is not None:
        from bingeo.aoristic import MAX_WINDOW, period_shares

        def weigh(value: Any) -> pd.DataFrame:
            span = parse_period(value)
            share = period_shares(windows, span.start, span.stop, how=how, max_window=max_window or MAX_WINDOW)
            use = keep.to_numpy(dtype=bool) & (share > 0)
            return frame[use].assign(**{TIME_WEIGHT: share[use]})

        return weigh
    dates = incident_dates(frame, date_field=date_field)

    def select(value: Any) -> pd.DataFrame:
        return frame[keep.to_numpy(dtype=bool) & parse_period(value).contains(dates)]

    return select
