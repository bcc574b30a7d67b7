"""Incidents known only by a time window: aoristic weights (Ratcliffe 2002) and hour-of-week profiles.

Dutch and Belgian police exports often give the period in which an incident happened rather than its time: a
burglary found on Monday morning happened somewhere between Friday evening and Monday (``Begin-pleegdatum/tijd``
and ``Eind-pleegdatum/tijd``). Counting such an incident at its begin time piles the weekend's burglaries on
Friday evening. The aoristic method (Ratcliffe 2002) spreads each incident's weight of 1 over the time its window
covers instead.

Rules (one place for every workflow that uses time):

* **Window columns** (:func:`window_columns`): a pair of date columns whose names differ only by a begin marker
  (begin, start, van, vanaf, from, debut, début) and an end marker (eind, einde, end, tot, to, until, fin):
  ``Begin-pleegdatum/tijd`` / ``Eind-pleegdatum/tijd``, ``pleegdatum van`` / ``pleegdatum tot``, ``date_from`` /
  ``date_to``, ``startdatum`` / ``einddatum``.
* **Windows** (:func:`incident_windows`): an empty end is an instant at the begin; an end before its begin is a
  reject (``end_before_begin``); a column of dates without times (every value at midnight) means whole days, so a
  day-precision end includes that whole day, as a period's TO does (:func:`bingeo.incidents.period`).
* **Weights** (:func:`time_bins`): with ``how="aoristic"`` each incident adds to each time bin the share of its window
  that falls in the bin (the share of the window's duration). For a window of whole hours this is exactly
  Ratcliffe's aoristic value, 1/n for each of the n hours it spans. An instant adds 1 to the bin holding it.
  Windows longer than ``max_window`` (default :data:`MAX_WINDOW`, 14 days) carry too little information to spread:
  they are counted at their midpoint, and counted in the result so a command can report them. ``begin``,
  ``midpoint`` and ``end`` count each incident at that one instant. Every incident weighs exactly 1 in total,
  so the weights of a table sum to the number of incidents (less the weight outside its bins, also returned).
* **Hour-of-week profile** (:func:`hour_of_week`): the same weights folded onto the 7 x 24 hours of a week,
  Monday 00:00 first.

References
----------
Ratcliffe, J. H. (2002). Aoristic signatures and the spatio-temporal analysis of high volume crime patterns.
Journal of Quantitative Criminology, 18(1), 23-43.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bingeo.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from bingeo.readers.points import ReadResult

__all__ = [
    "DAYS",
    "MAX_WINDOW",
    "MAX_WINDOW_DAYS",
    "MONTHLY_MIN_ROWS",
    "TIME_MODES",
    "Profile",
    "Spread",
    "Windows",
    "hour_of_week",
    "find_windows",
    "has_windows",
    "incident_windows",
    "count_long",
    "network_profiles",
    "read_windows",
    "period_shares",
    "require_windows",
    "time_bins",
    "window_columns",
]

#: How an incident's time is taken: spread over its window, or counted at one instant of it.
TIME_MODES = ("aoristic", "begin", "midpoint", "end")

#: Windows longer than this many days are counted at their midpoint (``--max-window``), and reported.
MAX_WINDOW_DAYS = 14

#: :data:`MAX_WINDOW_DAYS` as a Timedelta, the default of every ``max_window``.
MAX_WINDOW = pd.Timedelta(days=MAX_WINDOW_DAYS)

_BEGIN = ("begin", "start", "van", "vanaf", "from", "debut", "début", "beg")
_END = ("eind", "einde", "end", "tot", "to", "until", "fin", "tm")
_DATE_WORDS = ("datum", "date", "tijd", "time", "datetime", "dt", "pleegdatum", "pleegtijd", "heure", "uur")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NS_PER_HOUR = 3_600_000_000_000
_HOURS_PER_WEEK = 168
#: A Monday 00:00, the origin of hour-of-week slots (1970-01-05).
_MONDAY = np.datetime64("1970-01-05T00:00", "ns").astype(np.int64)


def _marker(token: str, markers: Sequence[str]) -> str | None:
    """Return the rest of ``token`` without its begin/end marker (``begindatum`` -> ``datum``), or None."""
    for m in markers:
        if token == m:
            return ""
        for rest in (token[len(m) :] if token.startswith(m) else None, token[: -len(m)] if token.endswith(m) else None):
            if rest and rest in _DATE_WORDS:
                return rest
    return None


def _role(name: str) -> tuple[str, str] | None:
    """('begin'|'end', the name without its marker) for a column name carrying one marker, else None."""
    tokens = [t.lower() for t in _TOKEN.findall(_CAMEL.sub("_", str(name)))]
    found = []
    for i, t in enumerate(tokens):
        for role, markers in (("begin", _BEGIN), ("end", _END)):
            rest = _marker(t, markers)
            if rest is not None:
                stem = tokens[:i] + ([rest] if rest else []) + tokens[i + 1 :]
                found.append((role, " ".join(stem)))
    return found[0] if len(found) == 1 else None


def window_columns(columns: Iterable[str]) -> tuple[str, str] | None:
    """Find the begin and end columns of incident time windows by their names.

    Parameters
    ----------
    columns : iterable of str
        Column names (only date columns should be given).

    Returns
    -------
    (str, str) or None
        The begin and end column, or None when no one pair is named as a window.

    Examples
    --------
    >>> window_columns(["registratienummer", "Begin-pleegdatum/tijd", "Eind-pleegdatum/tijd"])
    ('Begin-pleegdatum/tijd', 'Eind-pleegdatum/tijd')
    >>> window_columns(["pleegdatum van", "pleegdatum tot"])
    ('pleegdatum van', 'pleegdatum tot')
    >>> window_columns(["date_from", "date_to", "reported"])
    ('date_from', 'date_to')
    >>> window_columns(["StartDatum", "EindDatum"])
    ('StartDatum', 'EindDatum')
    >>> window_columns(["pleegdatum", "aangiftedatum"]) is None
    True
    """
    roles = {c: _role(c) for c in columns}
    pairs = [
        (b, e)
        for b, rb in roles.items()
        if rb and rb[0] == "begin"
        for e, re_ in roles.items()
        if re_ and re_[0] == "end" and re_[1] == rb[1]
    ]
    return pairs[0] if len(pairs) == 1 else None


def _ns(values: pd.Series | np.ndarray | Sequence[object]) -> np.ndarray:
    """Datetimes as int64 nanoseconds (NaT as the int64 minimum), tz-naive."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s.astype("datetime64[ns]").to_numpy().astype(np.int64)


_NAT = np.iinfo(np.int64).min


def _whole_days(ns: np.ndarray) -> bool:
    """Tell whether every known value is a midnight: a column of dates without times."""
    known = ns[ns != _NAT]
    return len(known) > 0 and bool((known % (24 * _NS_PER_HOUR) == 0).all())


@dataclass(frozen=True)
class Windows:
    """Incident time windows: ``[begin, end)`` per row, in int64 nanoseconds since 1970 (tz-naive).

    Attributes
    ----------
    begin, end : ndarray of int64
        Window bounds; ``end == begin`` for an instant. ``_NAT`` (int64 minimum) where unknown.
    problem : ndarray of object
        Per row: why it cannot be used (``None`` where usable), naming the columns, never the values.
    begin_field, end_field : str
        The columns read.
    whole_days : bool
        The columns hold dates without times, so each end includes its whole day.
    """

    begin: np.ndarray
    end: np.ndarray
    problem: np.ndarray
    begin_field: str
    end_field: str
    whole_days: bool

    @property
    def ok(self) -> np.ndarray:
        """Mask of usable rows."""
        return np.equal(self.problem, None)

    def at(self, how: str) -> np.ndarray:
        """One instant per window (``"begin"``, ``"midpoint"`` or ``"end"``) as datetime64[ns].

        An end is exclusive, so ``"end"`` of a day-precision window is the last nanosecond of its last day.
        """
        if how not in TIME_MODES[1:]:
            msg = f"`how` must be one of {', '.join(TIME_MODES[1:])} for one instant per incident; got {how!r}."
            raise ValueError(msg)
        end = np.where(self.end > self.begin, self.end - 1, self.end) if how == "end" else self.end
        return _instants(self.begin, end, how).astype("datetime64[ns]")

    def take(self, rows: np.ndarray) -> Windows:
        """Return the windows of some rows (a mask or positions), in that order."""
        return Windows(
            self.begin[rows], self.end[rows], self.problem[rows], self.begin_field, self.end_field, self.whole_days
        )


def _make_windows(begin: np.ndarray, end: np.ndarray, begin_field: str, end_field: str) -> Windows:
    """Apply the window rules to begin and end times in int64 ns (see the module docstring)."""
    whole_days = _whole_days(np.concatenate([begin, end]))
    problem = np.full(len(begin), None, dtype=object)
    problem[begin == _NAT] = f"{begin_field!r} is empty or not a date (no begin of the window)"
    no_end = (end == _NAT) & (begin != _NAT)
    end = np.where(no_end, begin, end)
    backwards = (begin != _NAT) & (end != _NAT) & (end < begin)
    problem[backwards] = f"{end_field!r} is before {begin_field!r}"
    if whole_days:
        end = np.where(end != _NAT, end + 24 * _NS_PER_HOUR, end)
    return Windows(begin, end, problem, begin_field, end_field, whole_days)


def incident_windows(frame: pd.DataFrame, *, begin_field: str | None = None, end_field: str | None = None) -> Windows:
    """Read the time window of every incident from its begin and end columns.

    Parameters
    ----------
    frame : DataFrame
        Incidents whose date columns are parsed (as :func:`bingeo.read_points` does).
    begin_field, end_field : str, optional
        The columns; by default found by :func:`window_columns` among the date columns.

    Returns
    -------
    Windows
        Per row: begin and end, and why a row is unusable (``no_date``: no begin; ``end_before_begin``).

    Raises
    ------
    InputError
        No pair of window columns, or a named column missing.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"van": pd.to_datetime(["2024-01-05 22:00", "2024-01-06 10:00", "2024-01-07 09:00"]),
    ...                    "tot": pd.to_datetime(["2024-01-08 07:00", None, "2024-01-07 08:00"])})
    >>> w = incident_windows(df)
    >>> ((w.end - w.begin) / 3_600_000_000_000).tolist(), w.problem.tolist()
    ([57.0, 0.0, -1.0], [None, None, "'tot' is before 'van'"])
    """
    if begin_field is None or end_field is None:
        dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
        found = window_columns(dates)
        if found is None:
            msg = (
                "no pair of columns gives each incident's time window (a begin and an end column such as "
                "'Begin-pleegdatum/tijd' and 'Eind-pleegdatum/tijd', or 'pleegdatum van' and 'pleegdatum tot'). "
                f"Name them with --begin-field and --end-field. Date columns: {', '.join(map(repr, dates)) or 'none'}."
            )
            raise InputError(msg)
        begin_field = begin_field or found[0]
        end_field = end_field or found[1]
    for name, opt in ((begin_field, "--begin-field"), (end_field, "--end-field")):
        if name not in frame.columns:
            msg = f"no column {name!r} in the incidents ({opt}). Columns: {', '.join(map(repr, frame.columns))}."
            raise InputError(msg)
    return _make_windows(_ns(frame[begin_field]), _ns(frame[end_field]), str(begin_field), str(end_field))


@dataclass(frozen=True)
class Spread:
    """Weights of incidents per group and time bin.

    Attributes
    ----------
    weights : ndarray of float, shape (n_groups, n_bins)
        Summed weights; each incident contributes 1 in total over all bins (less what falls outside them).
    outside : float
        Weight that fell before the first or after the last bin edge.
    long_windows : int
        Incidents whose window is longer than ``max_window``, counted at their midpoint.
    """

    weights: np.ndarray
    outside: float
    long_windows: int


def _instants(begin: np.ndarray, end: np.ndarray, how: str) -> np.ndarray:
    if how == "begin":
        return begin
    if how == "end":
        return end
    return begin + (end - begin) // 2


def _check_how(how: str) -> None:
    if how not in TIME_MODES:
        msg = f"`how` must be one of {', '.join(TIME_MODES)}; got {how!r}."
        raise ValueError(msg)


def _prepare(
    begin: object, end: object, groups: object, n_groups: int | None, how: str, max_window: pd.Timedelta
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Windows as int64 ns with long ones and the non-aoristic modes collapsed to instants."""
    _check_how(how)
    b = _ns(begin) if not (isinstance(begin, np.ndarray) and begin.dtype == np.int64) else begin
    e = _ns(end) if not (isinstance(end, np.ndarray) and end.dtype == np.int64) else end
    if len(b) != len(e):
        msg = f"`begin` and `end` differ in length ({len(b)} and {len(e)})."
        raise ValueError(msg)
    if ((b == _NAT) | (e == _NAT)).any() or (e < b).any():
        msg = "windows must be known and end at or after their begin: drop the rows `incident_windows` marks first."
        raise ValueError(msg)
    g = np.zeros(len(b), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    n = int(n_groups if n_groups is not None else (g.max() + 1 if len(g) else 1))
    if len(g) != len(b) or (len(g) and (g.min() < 0 or g.max() >= n)):
        msg = f"`groups` must hold one group number in 0..{n - 1} per incident."
        raise ValueError(msg)
    long = (e - b) > pd.Timedelta(max_window).value
    n_long = int(long.sum()) if how == "aoristic" else 0
    if how != "aoristic" or n_long:
        at = _instants(b, e, "midpoint" if how == "aoristic" else how)
        pick = np.ones(len(b), dtype=bool) if how != "aoristic" else long
        b = np.where(pick, at, b)
        e = np.where(pick, at, e)
    return b, e, g, n, n_long


def time_bins(
    begin: object,
    end: object,
    edges: object,
    *,
    groups: object = None,
    n_groups: int | None = None,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
) -> Spread:
    """Weights of incidents per time bin (and group): aoristic shares of each window, or instants.

    Parameters
    ----------
    begin, end : array-like of datetime64 (or int64 ns)
        Window bounds; ``end == begin`` is an instant. Usable rows only (see :func:`incident_windows`).
    edges : array-like of datetime64
        Increasing bin edges: bin ``j`` is ``[edges[j], edges[j + 1])``.
    groups : array-like of int, optional
        Group number of each incident (network, grid cell); all in group 0 by default.
    n_groups : int, optional
        Number of groups (default: the largest group number + 1).
    how : {"aoristic", "begin", "midpoint", "end"}
        Spread over the window, or count at one instant of it.
    max_window : Timedelta
        Longer windows are counted at their midpoint (``how="aoristic"`` only).

    Returns
    -------
    Spread
        ``weights`` (n_groups, n_bins), the weight ``outside`` the edges and the number of ``long_windows``.

    Examples
    --------
    A window from 13:40 to 15:10 spreads 20, 60 and 10 of its 90 minutes over three hours:

    >>> import pandas as pd
    >>> edges = pd.date_range("2024-01-01 13:00", periods=4, freq="h")
    >>> s = time_bins(pd.to_datetime(["2024-01-01 13:40"]), pd.to_datetime(["2024-01-01 15:10"]), edges)
    >>> (s.weights * 9).round(6).tolist()
    [[2.0, 6.0, 1.0]]
    >>> time_bins(pd.to_datetime(["2024-01-01 13:40"]), pd.to_datetime(["2024-01-01 15:10"]), edges,
    ...        how="begin").weights.tolist()
    [[1.0, 0.0, 0.0]]
    """
    b, e, g, n, n_long = _prepare(begin, end, groups, n_groups, how, max_window)
    edge = _ns(pd.Series(np.asarray(edges)))
    if len(edge) < 2 or (np.diff(edge) <= 0).any():
        msg = "`edges` must be at least two increasing times."
        raise ValueError(msg)
    nb = len(edge) - 1
    out = np.zeros((n, nb), dtype=np.float64)
    instant = e == b
    outside = 0.0
    # instants: the bin holding them
    j = np.searchsorted(edge, b[instant], side="right") - 1
    inside = (j >= 0) & (j < nb)
    np.add.at(out, (g[instant][inside], j[inside]), 1.0)
    outside += float((~inside).sum())
    # windows: the share of [b, e) in each bin
    w = ~instant
    b, e, g = b[w], e[w], g[w]
    d = (e - b).astype(np.float64)
    cb = np.clip(b, edge[0], edge[-1])
    ce = np.clip(e, edge[0], edge[-1])
    outside += float((((cb - b) + (e - ce)) / d).sum())
    keep = ce > cb
    cb, ce, g, d = cb[keep], ce[keep], g[keep], d[keep]
    p = np.searchsorted(edge, cb, side="right") - 1
    q = np.searchsorted(edge, ce, side="left") - 1
    same = p == q
    np.add.at(out, (g[same], p[same]), (ce[same] - cb[same]) / d[same])
    m = ~same
    np.add.at(out, (g[m], p[m]), (edge[p[m] + 1] - cb[m]) / d[m])
    np.add.at(out, (g[m], q[m]), (ce[m] - edge[q[m]]) / d[m])
    # bins wholly inside: 1/d per ns of bin length, through a difference array along the bins
    full = m & (q > p + 1)
    diff = np.zeros((n, nb + 1), dtype=np.float64)
    np.add.at(diff, (g[full], p[full] + 1), 1.0 / d[full])
    np.add.at(diff, (g[full], q[full]), -1.0 / d[full])
    out += np.cumsum(diff, axis=1)[:, :nb] * np.diff(edge).astype(np.float64)
    return Spread(out, outside, n_long)


def hour_of_week(
    begin: object,
    end: object,
    *,
    groups: object = None,
    n_groups: int | None = None,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
    weights: object = None,
) -> Spread:
    """Weights of incidents per hour of the week (Monday 00:00-01:00 first), per group.

    Parameters and rules as :func:`time_bins`; the bins are the 168 hours of a week, every week folded onto one.
    ``weights`` (optional, one per incident) scales each incident's total of 1 (e.g. the share of its window inside
    a period).

    Returns
    -------
    Spread
        ``weights`` of shape (n_groups, 7, 24): day of week (Monday = 0) by hour; ``outside`` is 0.

    Examples
    --------
    A burglary between Friday 22:00 and Saturday 02:00 adds a quarter to each of four hours:

    >>> import pandas as pd
    >>> p = hour_of_week(pd.to_datetime(["2024-01-05 22:00"]), pd.to_datetime(["2024-01-06 02:00"])).weights[0]
    >>> p[4, 22:].tolist(), p[5, :3].tolist()
    ([0.25, 0.25], [0.25, 0.25, 0.0])
    """
    b, e, g, n, n_long = _prepare(begin, end, groups, n_groups, how, max_window)
    out = np.zeros((n, _HOURS_PER_WEEK), dtype=np.float64)
    instant = e == b
    slot = ((b[instant] - _MONDAY) // _NS_PER_HOUR) % _HOURS_PER_WEEK
    wts = np.ones(len(b)) if weights is None else np.asarray(weights, dtype=np.float64)
    np.add.at(out, (g[instant], slot), wts[instant])
    # windows: the time of [b, e) in slot s is F_s(e) - F_s(b), with F_s(t) = whole weeks before t (one hour
    # each) + clip(r - s, 0, 1), r = hours since the week began; weighted by 1/duration and summed over incidents.
    w = ~instant
    g = g[w]
    dur = (e[w] - b[w]).astype(np.float64) / _NS_PER_HOUR / wts[w]  # a weight w: as if the window were 1/w longer
    week_ns = _HOURS_PER_WEEK * _NS_PER_HOUR
    weeks = {}
    for t, sign in ((e[w], 1.0), (b[w], -1.0)):
        rel = t - _MONDAY
        weeks[sign] = rel // week_ns
        r_ns = rel - weeks[sign] * week_ns
        k = r_ns // _NS_PER_HOUR
        frac = (r_ns - k * _NS_PER_HOUR).astype(np.float64) / _NS_PER_HOUR
        at_k = np.bincount(g * _HOURS_PER_WEEK + k, weights=sign / dur, minlength=n * _HOURS_PER_WEEK)
        part = np.bincount(g * _HOURS_PER_WEEK + k, weights=sign * frac / dur, minlength=n * _HOURS_PER_WEEK)
        at_k = at_k.reshape(n, -1)
        after = np.cumsum(at_k[:, ::-1], axis=1)[:, ::-1] - at_k  # the sum over k > s
        out += after + part.reshape(n, -1)
    out += np.bincount(g, weights=(weeks[1.0] - weeks[-1.0]).astype(np.float64) / dur, minlength=n)[:, None]
    return Spread(out.reshape(n, 7, 24), 0.0, n_long)


#: Day names of the hour-of-week tables, Monday first.
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: With at least this many incidents, dates that are all the first of a month at midnight are taken as months only.
MONTHLY_MIN_ROWS = 20

_OUTSIDE_ID = ""
_OUTSIDE_NAME = "(outside every network)"


def _pair(frame: pd.DataFrame) -> tuple[str, str] | None:
    return window_columns([c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])])


def has_windows(frame: pd.DataFrame, *, begin_field: str | None = None, date_field: str | None = None) -> bool:
    """Tell whether the incidents are known by time windows: columns named, or a pair found by name.

    A ``date_field`` given without window columns means dates (one instant per incident).
    """
    return begin_field is not None or (date_field is None and _pair(frame) is not None)


def find_windows(
    frame: pd.DataFrame,
    *,
    begin_field: str | None = None,
    end_field: str | None = None,
    date_field: str | None = None,
    need: str = "this needs",
) -> Windows:
    """Return every row's time window: from begin/end columns (named, or found by name), else an instant at its date.

    Parameters
    ----------
    frame : DataFrame
        Incidents with parsed date columns.
    begin_field, end_field : str, optional
        The window's columns (both or neither).
    date_field : str, optional
        Without window columns: the date column (or ``YEAR,MONTH,DAY[,HOUR,MINUTE]``), as ``--date-field``.
    need : str
        Who needs the times, for messages.

    Returns
    -------
    Windows
        Row for row; :attr:`Windows.ok` marks the usable ones.
    """
    from bingeo.incidents import read_incident_dates

    if begin_field is None and end_field is None:
        pair = _pair(frame) if date_field is None else None
        if pair is None:
            label, got = read_incident_dates(frame, date_field=date_field, need=need)
            return _make_windows(_ns(got.values), np.full(len(frame), _NAT), label, label)
        begin_field, end_field = pair
    if begin_field is None or end_field is None:
        msg = "give both --begin-field and --end-field (the columns of each incident's time window)."
        raise InputError(msg)
    return incident_windows(frame, begin_field=begin_field, end_field=end_field)


def _problems(read: ReadResult, w: Windows) -> tuple[np.ndarray, np.ndarray]:
    """Per row: why its window is unusable (``no_date``, ``bad_date``, ``end_before_begin``; None) and the detail."""
    code = np.where(w.ok, None, np.where(w.begin == _NAT, "no_date", "end_before_begin")).astype(object)
    detail = w.problem.copy()
    for col in (w.begin_field, w.end_field):
        known = read.date_problem(col)
        if known is not None:
            has = np.not_equal(known, None)
            code[has] = "bad_date"
            detail[has] = known[has]
    return code, detail


def read_windows(
    read: ReadResult,
    *,
    begin_field: str | None = None,
    end_field: str | None = None,
    date_field: str | None = None,
    need: str = "this needs",
) -> Windows:
    """Return every row's time window of a reading, row for row, none moved: :func:`find_windows` on its points.

    Unlike :func:`find_windows` on the frame alone, an impossible or unreadable begin or end (a ``bad_date`` of
    the reading) marks its row unusable (:attr:`Windows.ok`), as :func:`require_windows` rejects it. For a map
    that draws every incident but spreads only the usable ones over time.
    """
    w = find_windows(read.points, begin_field=begin_field, end_field=end_field, date_field=date_field, need=need)
    _, detail = _problems(read, w)
    return Windows(w.begin, w.end, detail, w.begin_field, w.end_field, w.whole_days)


def require_windows(
    read: ReadResult,
    *,
    begin_field: str | None = None,
    end_field: str | None = None,
    date_field: str | None = None,
    need: str = "this needs",
) -> tuple[ReadResult, Windows]:
    """Read each incident's time window and move the rows without a usable one to the rejects.

    The window columns are ``begin_field`` and ``end_field``, else the pair :func:`window_columns` finds. Without
    such a pair every incident is an instant at its date (:func:`bingeo.incidents.require_dates`; a column of
    dates without times gives each incident its whole day).

    Parameters
    ----------
    read : ReadResult
        Incidents as :func:`bingeo.read_points` read them.
    begin_field, end_field : str, optional
        The window's columns.
    date_field : str, optional
        The date column used when there is no window (as ``--date-field``).
    need : str
        Who needs the times, for messages.

    Returns
    -------
    (ReadResult, Windows)
        The usable incidents and their windows. Rows moved to the rejects: ``no_date`` (no begin),
        ``bad_date`` (an impossible or unreadable begin or end) and ``end_before_begin``.
    """
    from bingeo.incidents import require_dates

    frame = read.points
    if begin_field is None and end_field is None and (date_field is not None or _pair(frame) is None):
        read = require_dates(read, date_field=date_field, need=need)
        w = find_windows(read.points, date_field=date_field, need=need)
        read.notes.append(f"No begin and end columns: each incident is counted at its date in {w.begin_field!r}.")
        return read, w
    w = find_windows(frame, begin_field=begin_field, end_field=end_field, need=need)
    code, detail = _problems(read, w)
    keep = np.equal(code, None)
    out, alive = read, np.ones(len(code), dtype=bool)
    for reason in ("no_date", "bad_date", "end_before_begin"):
        mask = code == reason
        out = out.reject(mask[alive], reason, detail[alive])
        alive &= ~mask
    if len(out.points) == 0:
        msg = (
            f"{read.source}: no incident has a usable time window in {w.begin_field!r} and {w.end_field!r}; {need} one."
        )
        raise InputError(msg)
    n_moved = int((~keep).sum())
    out.notes.append(
        f"Time windows from {w.begin_field!r} to {w.end_field!r}"
        + (" (dates without times: each end includes its whole day)" if w.whole_days else "")
        + (f"; {n_moved:,} rows without a usable window rejected." if n_moved else ".")
    )
    return out, w.take(keep)


def count_long(windows: Windows, *, how: str = "aoristic", max_window: pd.Timedelta = MAX_WINDOW) -> int:
    """Count the windows longer than ``max_window``: at their midpoint (``how="aoristic"`` only, else 0)."""
    _check_how(how)
    if how != "aoristic":
        return 0
    return int(((windows.end - windows.begin) > pd.Timedelta(max_window).value).sum())


def _in_period(
    windows: Windows, start: object, stop: object, how: str, max_window: pd.Timedelta
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows clipped to ``[start, stop)`` (after collapsing to instants as ``how`` says), and the share inside."""
    b, e = windows.begin, windows.end
    if how != "aoristic" or count_long(windows, how=how, max_window=max_window):
        b, e, _, _, _ = _prepare(b, e, None, 1, how, max_window)  # the period sees the instant counted
    lo = np.iinfo(np.int64).min + 1 if start is None else pd.Timestamp(start).value
    hi = np.iinfo(np.int64).max if stop is None else pd.Timestamp(stop).value
    cb, ce = np.clip(b, lo, hi), np.clip(e, lo, hi)
    share = np.where(e > b, (ce - cb) / np.maximum(e - b, 1), ((b >= lo) & (b < hi)).astype(np.float64))
    return cb, ce, share


def period_shares(
    windows: Windows,
    start: pd.Timestamp | None = None,
    stop: pd.Timestamp | None = None,
    *,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
) -> np.ndarray:
    """Weight of each incident inside the period ``[start, stop)``: the rule of every period filter.

    With ``how="aoristic"`` an incident counts with the share of its window inside the period (0 to 1), as
    ``counts --by`` spreads it over periods; a window longer than ``max_window`` and the other modes count 1 if
    their one instant (the midpoint, begin or end) is inside, else 0.

    Parameters
    ----------
    windows : Windows
        Usable windows (:func:`require_windows`).
    start, stop : Timestamp, optional
        The period; open-ended without one. ``stop`` is excluded (:func:`bingeo.incidents.period` gives it).
    how, max_window
        As :func:`time_bins`.

    Returns
    -------
    ndarray of float
        One weight per incident, row for row.

    Examples
    --------
    >>> import pandas as pd
    >>> w = incident_windows(pd.DataFrame({"van": pd.to_datetime(["2024-01-31 18:00", "2024-02-02 10:00"]),
    ...                                    "tot": pd.to_datetime(["2024-02-01 02:00", None])}))
    >>> period_shares(w, pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")).tolist()
    [0.25, 1.0]
    >>> period_shares(w, pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01"), how="begin").tolist()
    [0.0, 1.0]
    """
    _check_how(how)
    return _in_period(windows, start, stop, how, max_window)[2]


@dataclass(frozen=True)
class Profile:
    """Hour-of-week profiles of incidents per network.

    Attributes
    ----------
    table : DataFrame
        One row per network and day: ``network_id``, ``network_name``, ``day`` (Monday first), the weights of
        hours ``00`` to ``23`` and the day's ``total``. Incidents outside every network are on rows with an empty
        ``network_id``; an incident in two networks counts in both.
    weights : ndarray, shape (n_networks + 1, 7, 24)
        The same weights; the last group is outside every network.
    long_windows : int
        Incidents counted at their midpoint because their window is longer than ``max_window``.
    how : str
        The time mode used.
    """

    table: pd.DataFrame
    weights: np.ndarray
    long_windows: int
    how: str


def network_profiles(
    incidents: gpd.GeoDataFrame,
    networks: gpd.GeoDataFrame,
    windows: Windows,
    *,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
    start: pd.Timestamp | None = None,
    stop: pd.Timestamp | None = None,
) -> Profile:
    """Hour-of-week profile (7 x 24 weights) of the incidents in each network.

    Parameters
    ----------
    incidents : GeoDataFrame
        Usable incidents, in the networks' CRS (or already assigned: a ``network_ids`` column).
    networks : GeoDataFrame
        Networks with ``network_id`` (and ``name``).
    windows : Windows
        The incidents' windows, row for row (:func:`require_windows`).
    how, max_window
        As :func:`time_bins`.
    start, stop : Timestamp, optional
        Only the time in ``[start, stop)`` counts: a window partly inside the period adds the share inside it;
        an incident wholly outside adds nothing.

    Returns
    -------
    Profile

    Raises
    ------
    InputError
        The dates give months only (every one the first of a month at midnight).
    """
    from bingeo.assign import assign

    if len(windows.begin) != len(incidents):
        msg = f"`windows` has {len(windows.begin)} rows for {len(incidents)} incidents."
        raise ValueError(msg)
    if windows.whole_days and len(windows.begin) >= MONTHLY_MIN_ROWS:
        days = pd.DatetimeIndex(windows.begin.astype("datetime64[ns]")).day
        if bool((days == 1).all()):
            msg = (
                f"every date in {windows.begin_field!r} is the first of a month at 00:00: the data gives months only "
                "(as police.uk does), and an hour-of-week profile needs each incident's day and time."
            )
            raise InputError(msg)
    inc = incidents if "network_ids" in incidents.columns else assign(incidents, networks)
    ids = networks["network_id"].astype(str).tolist()
    number = {nid: i for i, nid in enumerate(ids)}
    lists = inc["network_ids"].astype(object).where(inc["network_ids"].notna(), "").str.split(";")
    rows = np.repeat(np.arange(len(inc)), lists.str.len().to_numpy())
    groups = np.array([number.get(n, len(ids)) for one in lists for n in one], dtype=np.int64)
    n_long = count_long(windows, how=how, max_window=max_window)
    cb, ce, share = _in_period(windows, start, stop, how, max_window)
    sel = share[rows] > 0
    got = hour_of_week(
        cb[rows][sel],
        ce[rows][sel],
        groups=groups[sel],
        n_groups=len(ids) + 1,
        how="aoristic",
        max_window=pd.Timedelta(np.iinfo(np.int64).max),
        weights=share[rows][sel],
    )
    names = networks.get("name", networks["network_id"]).astype(str).tolist()
    hours = [f"{h:02d}" for h in range(24)]
    table = pd.DataFrame(got.weights.reshape(-1, 24), columns=hours)
    table.insert(0, "day", list(DAYS) * (len(ids) + 1))
    table.insert(0, "network_name", np.repeat([*names, _OUTSIDE_NAME], 7))
    table.insert(0, "network_id", np.repeat([*ids, _OUTSIDE_ID], 7))
    table["total"] = table[hours].sum(axis=1)
    return Profile(table, got.weights, n_long, how)
