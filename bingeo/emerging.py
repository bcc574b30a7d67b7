"""Emerging hot spots: a space-time cube of incident counts, space-time Gi*, Mann-Kendall trends, categories.

The chain is

1. the **cube**: the hot-spot grid of :mod:`bingeo.hotspots` (same :func:`~bingeo.hotspots.auto_cell_size`
   rule, same :class:`~bingeo.hotspots.Grid`) x whole time steps (:func:`time_steps`: week, month,
   quarter or year; a partial last step is dropped and said), incidents counted per bin;
2. :class:`EmergingHotSpots`: Getis-Ord Gi* per bin with a space-time neighbourhood (the spatial
   neighbourhood of :class:`~bingeo.hotspots.GiStar` in the same step and the ``time_window`` steps before
   it), Benjamini-Hochberg over all bins as :func:`~bingeo.hotspots.find_hotspots` does; per location the
   Mann-Kendall trend test (:func:`mann_kendall`) on its counts and on its Gi* z-scores, and the category of
   ArcGIS's Emerging Hot Spot Analysis;
3. :func:`find_emerging`: all of the above from a GeoDataFrame of incidents, with each location's coverage
   by the networks and the new or intensifying hot spots that no network covers, ranked.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import special

from bingeo._crs import check_same_crs, crs_label, to_crs, to_metric
from bingeo._results import Result, json_safe
from bingeo.aoristic import MAX_WINDOW, Windows, period_shares, time_bins
from bingeo.errors import CRSError, InputError
from bingeo.hotspots import (
    ALPHA,
    MIN_COVERAGE,
    RINGS,
    GiStar,
    Grid,
    auto_cell_size,
    benjamini_hochberg,
    select_incidents,
    study_area_geometry,
    window_sum,
)
from bingeo.incidents import period, read_incident_dates

__all__ = [
    "EmergingHotSpots",
    "EmergingResult",
    "MannKendall",
    "final_run",
    "find_emerging",
    "mann_kendall",
    "time_steps",
    "check_interval",
    "CATEGORIES",
    "EMERGING",
    "HOT_SHARE",
    "INTERVAL",
    "INTERVALS",
    "MAX_BINS",
    "TIME_WINDOW",
]

log = logging.getLogger(__name__)

#: Time steps of the cube.
INTERVALS = ("week", "month", "quarter", "year")
#: Default time step.
INTERVAL = "month"
#: Default neighbourhood time step: the bin's own step and this many steps before it (ArcGIS's default is 1).
TIME_WINDOW = 1
#: Share of the steps a location must be a hot (cold) spot for the persistent, intensifying, diminishing and
#: historical categories (ArcGIS: 90 percent).
HOT_SHARE = 0.9
#: Largest cube (cells x steps) :func:`find_emerging` builds; beyond it, give a larger cell size or interval.
MAX_BINS = 40_000_000
#: Fewer steps than this give a note: ArcGIS's Emerging Hot Spot Analysis needs at least 10.
MIN_STEPS = 10
#: The categories, as ArcGIS names them ("No Pattern Detected" first, then hot, then cold).
CATEGORIES = (
    "No Pattern Detected",
    "New Hot Spot",
    "Consecutive Hot Spot",
    "Intensifying Hot Spot",
    "Persistent Hot Spot",
    "Diminishing Hot Spot",
    "Sporadic Hot Spot",
    "Oscillating Hot Spot",
    "Historical Hot Spot",
    "New Cold Spot",
    "Consecutive Cold Spot",
    "Intensifying Cold Spot",
    "Persistent Cold Spot",
    "Diminishing Cold Spot",
    "Sporadic Cold Spot",
    "Oscillating Cold Spot",
    "Historical Cold Spot",
)
#: The categories listed as "emerging" (new or intensifying hot spots) when no network covers them.
EMERGING = ("New Hot Spot", "Intensifying Hot Spot")

_OFFSETS = {
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
    "year": pd.DateOffset(years=1),
}


# ---------------------------------------------------------------------------------------- time steps


def _floor(ts: pd.Timestamp, interval: str) -> pd.Timestamp:
    """Start of the calendar step holding ``ts``: Monday, the 1st of the month or quarter, or January 1."""
    day = ts.normalize()
    if interval == "week":
        return day - pd.Timedelta(days=day.weekday())
    if interval == "month":
        return pd.Timestamp(day.year, day.month, 1)
    if interval == "quarter":
        return pd.Timestamp(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return pd.Timestamp(day.year, 1, 1)


def check_interval(interval: Any, name: str = "`interval`") -> str:
    """Return ``interval`` if it is one of :data:`INTERVALS`, else raise :class:`InputError` listing them."""
    if not isinstance(interval, str) or interval not in INTERVALS:
        msg = f"{name} must be one of {', '.join(INTERVALS)}; got {interval!r}"
        raise InputError(msg)
    return interval


def time_steps(
    dates: pd.Series, interval: str = INTERVAL, *, start: Any = None, end: Any = None
) -> tuple[np.ndarray, pd.DatetimeIndex, list[str]]:
    """Return the whole time step of each incident.

    The first step begins at ``start`` (FROM), or without it at the calendar start (Monday, the 1st of the
    month or quarter, January 1) of the step holding the first date. Steps follow each other without gaps,
    one ``interval`` long each. The period ends at ``end`` (TO, included), or without it at the end of the
    day of the last date. Only whole steps are kept: a last step that the period does not cover whole is
    dropped, and a note says so and how many incidents it held.

    Parameters
    ----------
    dates : Series of datetime64
        The incidents' dates (NaT: no date; such incidents get step -1 and are counted in a note).
    interval : {"week", "month", "quarter", "year"}
        Length of a step.
    start, end : date, str or Timestamp, optional
        The period, both days included (as ``--from``/``--to``).

    Returns
    -------
    step : ndarray of int64
        Step of each incident, -1 for incidents outside the whole steps or without a date.
    edges : DatetimeIndex
        ``len(edges) - 1`` steps; step ``t`` is ``edges[t] <= date < edges[t + 1]``.
    notes : list of str
        The steps, the dropped partial step, incidents without a date.

    Raises
    ------
    InputError
        An unknown ``interval``, no dated incident, or a period shorter than two whole steps.

    Examples
    --------
    >>> import pandas as pd
    >>> from bingeo.emerging import time_steps
    >>> d = pd.Series(pd.to_datetime(["2023-01-05", "2023-02-10", "2023-03-31", "2023-04-02"]))
    >>> step, edges, notes = time_steps(d, "month")
    >>> step.tolist(), len(edges) - 1
    ([0, 1, 2, -1], 3)
    >>> notes[1]
    'The last step, 2023-04-01 to 2023-04-02, is partial (the data end on 2023-04-02): dropped, with its 1 incident.'
    """
    check_interval(interval)
    d = pd.Series(pd.to_datetime(pd.Series(dates).reset_index(drop=True)), copy=False)
    known = d.dropna()
    if not len(known):
        msg = "no incident has a date: emerging hot spots need the date of every incident (see `date_field`)."
        raise InputError(msg)
    span = period(start, end, names=("--from (`start`)", "--to (`end`)"))
    lo = span.start if span.start is not None else _floor(known.min(), interval)
    hi = span.stop if span.stop is not None else known.max().normalize() + pd.Timedelta(days=1)
    off = _OFFSETS[interval]
    edges = [lo]
    while edges[-1] + off <= hi:
        edges.append(edges[-1] + off)
    n_steps = len(edges) - 1
    notes: list[str] = []
    if n_steps < 2:
        msg = (
            f"the period {_text(lo)} to {_text(hi - pd.Timedelta(days=1))} holds {n_steps} whole {interval}"
            f"{'s' if n_steps != 1 else ''}; a trend needs at least 2 (ArcGIS asks for {MIN_STEPS}). "
            "Give a shorter `interval` or a longer period (`start`, `end`)."
        )
        raise InputError(msg)
    idx = pd.DatetimeIndex(edges)
    values = d.to_numpy(dtype="datetime64[ns]")
    step = np.searchsorted(idx.to_numpy(), values, side="right") - 1
    ok = ~np.isnat(values) & (step >= 0) & (step < n_steps)
    step = np.where(ok, step, -1).astype(np.int64)
    notes.append(
        f"{n_steps} whole {interval}s from {_text(idx[0])} to {_text(idx[-1] - pd.Timedelta(days=1))} "
        f"(both included); {int(ok.sum()):,} incidents in them."
    )
    if idx[-1] < hi:
        partial = int((~np.isnat(values) & (values >= idx[-1].to_datetime64()) & (values < hi.to_datetime64())).sum())
        notes.append(
            f"The last step, {_text(idx[-1])} to {_text(hi - pd.Timedelta(days=1))}, is partial (the data end on "
            f"{_text(hi - pd.Timedelta(days=1))}): dropped, with its {partial:,} incident{'s' if partial != 1 else ''}."
        )
    no_date = int(np.isnat(values).sum())
    if no_date:
        notes.append(f"{no_date:,} incidents without a date left out.")
    if n_steps < MIN_STEPS:
        notes.append(
            f"Only {n_steps} steps: ArcGIS's Emerging Hot Spot Analysis asks for at least {MIN_STEPS}; "
            "trends over so few steps are weak."
        )
    return step, idx, notes


def _text(ts: pd.Timestamp) -> str:
    return str(ts.date()) if ts == ts.normalize() else str(ts)


# ---------------------------------------------------------------------------------------- Mann-Kendall


@dataclass(repr=False)
class MannKendall:
    """Mann-Kendall trend test of many series at once (the result of :func:`mann_kendall`).

    Attributes
    ----------
    s : ndarray of int64
        Kendall's S: the sum over pairs ``i < j`` of ``sign(x_j - x_i)``.
    var_s : ndarray of float
        Variance of S under no trend, with the tie correction:
        ``(n (n-1) (2n+5) - Σ_g t_g (t_g - 1) (2 t_g + 5)) / 18`` over the groups ``g`` of ``t_g`` equal values.
    tau : ndarray of float
        Kendall's tau, ``S / (n (n-1) / 2)``.
    z : ndarray of float
        ``(S - 1) / sqrt(var_s)`` for S > 0, ``(S + 1) / sqrt(var_s)`` for S < 0, 0 for S = 0.
    p : ndarray of float
        Two-sided p-value under normality, ``2 (1 - Φ(|z|))``.
    """

    s: np.ndarray
    var_s: np.ndarray
    tau: np.ndarray
    z: np.ndarray
    p: np.ndarray


def _small_ints(a: np.ndarray) -> np.ndarray:
    """Whole numbers in the smallest signed integer type whose differences cannot overflow."""
    lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
    for t in (np.int8, np.int16, np.int32):
        if -np.iinfo(t).max // 2 <= lo and hi <= np.iinfo(t).max // 2:
            return a.astype(t)
    return a.astype(np.int64)


def _s_of_ints(keys: np.ndarray) -> np.ndarray:
    """Kendall's S of integer series, ``keys`` of shape (T, m) (steps x series), exactly."""
    n_t, m = keys.shape
    s = np.zeros(m, dtype=np.int64)
    if n_t < 2:
        return s
    acc = np.int16 if n_t < 2**15 else np.int64  # one lag adds at most n_t - 1 per series
    buf = np.empty(keys.shape, dtype=keys.dtype)
    for d in range(1, n_t):
        b = buf[: n_t - d]
        np.subtract(keys[d:], keys[:-d], out=b)
        np.sign(b, out=b)
        s += b.sum(axis=0, dtype=acc)
    return s


def _dense_ranks(values: np.ndarray) -> np.ndarray:
    """Per column of (T, m) ``values``: 0-based dense ranks (equal values, equal rank) as int16."""
    v = np.ascontiguousarray(values.T)
    order = np.argsort(v, axis=1, kind="stable")
    sv = np.take_along_axis(v, order, axis=1)
    new = np.ones(v.shape, dtype=np.int16)
    new[:, 0] = 0
    np.not_equal(sv[:, 1:], sv[:, :-1], out=new[:, 1:], casting="unsafe")
    r = np.cumsum(new, axis=1, dtype=np.int16)
    ranks = np.empty_like(r)
    np.put_along_axis(ranks, order, r, axis=1)
    return ranks.T


def _tie_term(values: np.ndarray) -> np.ndarray:
    """Σ_g t (t-1) (2t+5) over the groups of equal values in each column of (T, m) ``values``."""
    n_t, m = values.shape
    if values.dtype.kind in "iu" and values.size:
        lo, span = int(values.min()), int(values.max()) - int(values.min()) + 1
        if span <= 32:  # very few distinct whole numbers: count each
            acc = np.zeros(m, dtype=np.int64)
            small = np.int16 if n_t < 2**15 else np.int64
            for v in range(lo, lo + span):
                t = (values == v).sum(axis=0, dtype=small).astype(np.int64)
                acc += t * (t - 1) * (2 * t + 5)
            return acc
        if span * m <= 8 * values.size:  # few: count each value of each series at once
            key = (values - lo).astype(np.int64)
            key += np.arange(m, dtype=np.int64) * span
            t = np.bincount(key.ravel(), minlength=span * m).reshape(m, span)
            return (t * (t - 1) * (2 * t + 5)).sum(axis=1)
    sv = np.ascontiguousarray(np.sort(np.ascontiguousarray(values.T), axis=1).T)
    run = np.ones(m, dtype=np.int64)
    acc = np.zeros(m, dtype=np.int64)
    for t in range(1, n_t):
        same = sv[t] == sv[t - 1]
        acc += np.where(same, 0, run * (run - 1) * (2 * run + 5))
        run = np.where(same, run + 1, 1)
    return acc + run * (run - 1) * (2 * run + 5)


def _finish(s: np.ndarray, ties: np.ndarray, n: int) -> MannKendall:
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    root = np.sqrt(np.maximum(var_s, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / root, np.where(s < 0, (s + 1) / root, 0.0))
    z = np.where(np.isfinite(z), z, 0.0)
    p = 2.0 * special.ndtr(-np.abs(z))
    tau = s / (0.5 * n * (n - 1)) if n > 1 else np.zeros(len(s))
    return MannKendall(s=s.astype(np.int64), var_s=var_s, tau=tau, z=z, p=p)


def mann_kendall(series: Any) -> MannKendall:
    """Mann-Kendall trend test (two-sided, normal approximation, tie-corrected variance) of many series at once.

    The same numbers as ``pymannkendall.original_test`` on each series (S, its variance with the tie
    correction, tau, z with the continuity correction, two-sided p), computed for all series together:
    S is summed over the lags ``d = 1 .. n-1`` as ``sign(x[t+d] - x[t])`` on small integers (whole numbers
    as they are, other values as their dense ranks, which have the same signs), and the tie groups come from
    each series sorted.

    Parameters
    ----------
    series : array-like, shape (n,) or (n, m)
        One series of ``n`` steps, or ``m`` series as columns. Values must be finite.

    Returns
    -------
    MannKendall
        Arrays of length ``m`` (scalars' arrays of length 1 for a single series).

    Examples
    --------
    >>> from bingeo.emerging import mann_kendall
    >>> mk = mann_kendall([1, 2, 2, 3, 5, 4])
    >>> int(mk.s[0]), round(float(mk.var_s[0]), 4), round(float(mk.tau[0]), 4), round(float(mk.z[0]), 4)
    (12, 27.3333, 0.8, 2.104)
    """
    x = np.asarray(series)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.dtype.kind not in "iufb":
        msg = f"`series` must be numbers of shape (steps,) or (steps, series), got {x.dtype} of shape {x.shape}"
        raise InputError(msg)
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        msg = "`series` has NaN or infinite values; the trend test needs a value at every step"
        raise InputError(msg)
    n = x.shape[0]
    whole = x.dtype.kind in "iub" or bool((x == np.round(x)).all() and np.abs(x).max(initial=0) < 2**31)
    keys = _small_ints(x.astype(np.int64)) if whole else _dense_ranks(x)
    return _finish(_s_of_ints(keys), _tie_term(x), n)


# ---------------------------------------------------------------------------------------- statistic


class EmergingHotSpots:
    """Space-time Gi*, Mann-Kendall trends and ArcGIS's Emerging Hot Spot categories on a cube of counts.

    **Gi\\*.** Bin ``(t, i)`` (step ``t``, cell ``i``) has as neighbourhood the cells of ``i``'s spatial
    neighbourhood (:class:`~bingeo.hotspots.GiStar`'s ``rings`` or ``distance``, the cell itself included,
    study-area cells only) in steps ``t - time_window .. t`` (fewer at the start of the series): ArcGIS's
    "neighbourhood time step". With ``w`` the bins in it and ``L`` their sum, and the mean ``x̄`` and
    population variance ``s²`` over **all** ``n`` bins of the cube,
    ``z = (L - w x̄) / (s sqrt(w (n - w) / (n - 1)))`` (binary weights, as
    :class:`~bingeo.hotspots.GiStar` and ``esda.G_Local(star=True)`` on the space-time weights). p-values are
    two-sided; with ``fdr`` Benjamini-Hochberg runs over all bins of the cube. The sums are summed-area tables
    per step and a running sum over the steps: a few passes over the cube.

    **Trends.** Per location, :func:`mann_kendall` on its series of counts (``count_*``) and on its series
    of Gi* z-scores (``trend_*``, as ArcGIS's TREND_Z and TREND_P). The z-score series is tested exactly as
    given, but computed fast: from step ``time_window`` on a location's ``w`` is fixed, so its z-score is an
    increasing linear function of its integer neighbourhood sum ``L``, and the signs of differences (and
    ties) between those steps are those of ``L``; pairs with an earlier step are compared as floats.

    **Categories** (source: ArcGIS Pro, "How Emerging Hot Spot Analysis works",
    pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm).
    "Hot" is a significant hot bin (above), ``n`` the number of steps, "90 percent" is :data:`HOT_SHARE`
    (at least ``0.9 n`` steps), and a "significant trend" is a Mann-Kendall p-value of the z-score series
    at most ``alpha``. The first rule that holds decides:

    - *New Hot Spot*: hot in the final step and never hot before.
    - *Consecutive Hot Spot*: a single uninterrupted run of at least two hot steps at the end, never hot
      before that run, and hot in less than 90 percent of the steps.
    - *Intensifying Hot Spot*: hot in at least 90 percent of the steps including the final one, and the
      z-scores increase with a significant trend.
    - *Persistent Hot Spot*: hot in at least 90 percent of the steps including the final one, and no
      significant trend in the z-scores.
    - *Diminishing Hot Spot*: hot in at least 90 percent of the steps including the final one, and the
      z-scores decrease with a significant trend.
    - *Oscillating Hot Spot*: hot in the final step, cold in some earlier step, and hot in less than 90
      percent of the steps.
    - *Sporadic Hot Spot*: hot in the final step, on and off before, hot in less than 90 percent of the
      steps and never cold.
    - *Historical Hot Spot*: not hot in the final step, but hot in at least 90 percent of the steps.
    - The eight *Cold Spot* categories: the same with hot and cold swapped and the trend's sign reversed
      (intensifying: the z-scores fall significantly).
    - *No Pattern Detected*: none of the above.

    Choices where ArcGIS's text is silent (bingeo): persistent, like intensifying and diminishing, needs
    the final step hot (a location hot in 90 percent of the steps but not in the last is historical); a new or
    consecutive hot spot may have been cold before (the text only says "never hot"), and is new or
    consecutive rather than oscillating; categories decided by the final step (hot or cold in it) come before
    historical ones of the other kind.

    Parameters
    ----------
    time_window : int
        Steps before a bin's own step in its neighbourhood (0: each step on its own).
    rings, distance, alpha, fdr :
        As :class:`~bingeo.hotspots.GiStar`; ``alpha`` is also the trend test's level.

    Attributes
    ----------
    z, p : ndarray of float, shape (T, nrows, ncols)
        Gi* z-scores and two-sided p-values per bin (NaN outside the study area).
    hot, cold : ndarray of bool, shape (T, nrows, ncols)
    cardinality : ndarray of int64, shape (T, nrows, ncols)
        ``w`` per bin.
    rows, cols : ndarray of int64
        The locations (study-area cells, row-major): the order of the per-location arrays below.
    trend, count_trend : MannKendall
        Trend tests of each location's z-scores and counts.
    category : ndarray of object
        One of :data:`CATEGORIES` per location.
    hot_steps, cold_steps : ndarray of int64
        Steps in which each location is hot / cold.
    n, total, mean, variance, cutoff_p, weights, notes :
        As :class:`~bingeo.hotspots.GiStar`, over all bins.

    Examples
    --------
    >>> import numpy as np
    >>> from bingeo.emerging import EmergingHotSpots
    >>> cube = np.ones((12, 9, 9), dtype=int)
    >>> cube[-1, 3:6, 3:6] = 12  # a burst in the last month only
    >>> ehs = EmergingHotSpots(time_window=0).fit(cube)
    >>> ehs.category_grid()[4, 4]
    'New Hot Spot'
    """

    def __init__(
        self,
        *,
        time_window: int = TIME_WINDOW,
        rings: int = RINGS,
        distance: float | None = None,
        alpha: float = ALPHA,
        fdr: bool = True,
    ) -> None:
        if isinstance(time_window, bool) or not isinstance(time_window, (int, np.integer)) or time_window < 0:
            msg = f"`time_window` must be a whole number >= 0 (steps before each bin), got {time_window!r}"
            raise InputError(msg)
        self.gi = GiStar(rings=rings, distance=distance, alpha=alpha, fdr=fdr)  # checks the options
        self.time_window = int(time_window)
        self.alpha = float(alpha)
        self.fdr = bool(fdr)
        self.notes: list[str] = []

    def __repr__(self) -> str:
        """Show the configuration."""
        g = self.gi
        band = f"distance={g.distance!r}" if g.distance is not None else f"rings={g.rings}"
        return f"EmergingHotSpots(time_window={self.time_window}, {band}, alpha={self.alpha}, fdr={self.fdr})"

    def fit(self, counts: Any, mask: Any = None, *, cell_size: float = 1.0) -> EmergingHotSpots:
        """Compute Gi* per bin, trends and categories per location.

        Parameters
        ----------
        counts : array-like of whole numbers (or weights >= 0), shape (T, nrows, ncols)
            The cube: counts per step (first axis, oldest first) and cell (row 0 at the top). Floats are sums of
            weights (aoristic counts): the same formulas, with the trends' ties taken on the floats.
        mask : array-like of bool, shape (nrows, ncols), optional
            Cells of the study area (default all).
        cell_size : float
            Side of a cell, in the units of ``distance``.

        Returns
        -------
        EmergingHotSpots
            ``self``.
        """
        y = np.asarray(counts)
        weighted = y.dtype.kind == "f"
        if (
            y.ndim != 3
            or y.dtype.kind not in "iubf"
            or (y.size and (y.min() < 0 or (weighted and not np.isfinite(y).all())))
        ):
            msg = (
                "`counts` must be a cube of counts (steps x rows x columns, whole numbers or weights >= 0), "
                f"got {y.dtype} {y.shape}"
            )
            raise InputError(msg)
        n_t = y.shape[0]
        if n_t < 2:
            msg = f"the cube has {n_t} step; a trend needs at least 2"
            raise InputError(msg)
        y = y.astype(np.float64 if weighted else np.int64, copy=False)
        m2 = np.ones(y.shape[1:], dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        if m2.shape != y.shape[1:]:
            msg = f"`mask` has shape {m2.shape} but the cube's grid is {y.shape[1:]}"
            raise InputError(msg)
        if mask is not None:
            y = np.where(m2, y, 0)
        n_cells = int(m2.sum())
        n = n_cells * n_t
        if n < 2:
            msg = "the study area holds fewer than 2 bins; use a smaller cell size"
            raise InputError(msg)
        half, square, spatial = self.gi.neighbourhood(float(cell_size))
        k = self.time_window
        self.weights = f"{spatial}, in the same step and the {k} step{'s' if k != 1 else ''} before it"
        ws = np.where(m2, window_sum(m2.astype(np.int64), half, square), 0)
        ls = window_sum(y, half, square)
        if k:
            np.cumsum(ls, axis=0, out=ls)
            for t in range(n_t - 1, k, -1):  # downwards: ls[t - k - 1] is still a running sum
                ls[t] -= ls[t - k - 1]
        steps_in = np.minimum(np.arange(n_t), k) + 1
        total = float(y.sum()) if weighted else int(y.sum())
        flat_y = y.reshape(-1)
        sq = float(np.dot(flat_y, flat_y)) if weighted else int(np.dot(flat_y, flat_y))
        var = (n * sq - total * total) / (n * n)
        self.n, self.total, self.mean, self.variance = n, total, total / n, max(float(var), 0.0)
        self.notes = []
        z = np.zeros(y.shape, dtype="float64")
        defined_by = {}  # steps in the window -> cells where z is defined (w < n and some variance)
        for j in np.unique(steps_in):
            w = ws * j
            spread = w * (n - w) / (n - 1)
            ok = m2 & (spread > 0) & (self.variance > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                inv = np.where(ok, 1.0 / (math.sqrt(self.variance) * np.sqrt(spread)), 0.0)
            defined_by[int(j)] = (ok, w, inv)
        if self.variance > 0:
            for t in range(n_t):  # one step at a time: no cube-sized temporaries
                ok, w, inv = defined_by[int(steps_in[t])]
                z[t] = (ls[t] * n - w * total) / n * inv
        if total == 0:
            self.notes.append("No incident in the cube: every z-score is 0 and every p-value 1.")
        elif self.variance <= 0:
            self.notes.append("Every bin holds the same count: every z-score is 0 and every p-value 1.")
        p = 2.0 * special.ndtr(-np.abs(z))
        if mask is not None:
            z[:, ~m2] = np.nan
            p[:, ~m2] = np.nan
        if self.fdr:
            sig = benjamini_hochberg(p, self.alpha)
        else:
            with np.errstate(invalid="ignore"):
                sig = p <= self.alpha
        defined = np.stack([defined_by[int(j)][0] for j in steps_in])
        sig &= defined
        self.z, self.p = z, p
        self.cardinality = ws[None, :, :] * steps_in[:, None, None]
        self.hot, self.cold = sig & (z > 0), sig & (z < 0)
        self.cutoff_p = float(p[sig].max()) if sig.any() else 0.0
        self.mask = m2

        rows, cols = np.nonzero(m2)
        self.rows, self.cols = rows.astype(np.int64), cols.astype(np.int64)
        flat = rows * m2.shape[1] + cols

        def series(a: np.ndarray) -> np.ndarray:
            """(T, locations) view or copy of a cube."""
            a = a.reshape(n_t, -1)
            return a if mask is None else a[:, flat]

        if weighted:
            self.count_trend = mann_kendall(series(y))
        else:
            cnt = _small_ints(series(y))
            self.count_trend = _finish(_s_of_ints(cnt), _tie_term(cnt), n_t)
        self.trend = self._z_trend(series(z), series(ls), series(defined) & (not weighted))
        hot, cold = series(self.hot), series(self.cold)
        self.hot_steps, self.cold_steps = hot.sum(axis=0), cold.sum(axis=0)
        self.category = _categories(hot, cold, self.trend, self.alpha)
        log.info("%s: %d bins, %d hot, %d cold", self, n, int(self.hot.sum()), int(self.cold.sum()))
        return self

    def _z_trend(self, zs: np.ndarray, sums: np.ndarray, defined: np.ndarray) -> MannKendall:
        """Mann-Kendall of each column of ``zs`` (T, m), exactly, using the integer sums where they decide.

        Where ``defined`` is False for some step from ``time_window`` on (and for weighted cubes, where the sums
        are not whole), the z-scores themselves are ranked.
        """
        n_t, m = zs.shape
        k = min(self.time_window, n_t)
        fast = defined[k:].all(axis=0)  # z an increasing function of the sum from step k on
        s = np.zeros(m, dtype=np.int64)
        if fast.all():
            s += _s_of_ints(_small_ints(sums[k:]))
            for i in range(k):  # pairs with an early step: compare the floats
                s += np.sign(zs[i + 1 :] - zs[i]).sum(axis=0).astype(np.int64)
        elif fast.any():
            s[fast] = _s_of_ints(_small_ints(sums[k:, fast]))
            for i in range(k):
                s[fast] += np.sign(zs[i + 1 :, fast] - zs[i, fast]).sum(axis=0).astype(np.int64)
        if (~fast).any():
            s[~fast] = _s_of_ints(_dense_ranks(zs[:, ~fast]))
        if k == 0 and fast.all():  # equal z-scores are equal sums
            ties = _tie_term(_small_ints(sums))
        elif k == 1 and fast.all():  # and the first z-score joins the group it equals, if any
            ties = _tie_term(_small_ints(sums[1:]))
            c = (zs[1:] == zs[0]).sum(axis=0, dtype=np.int64)
            ties += (c + 1) * c * (2 * c + 7) - c * (c - 1) * (2 * c + 5)
        else:
            ties = _tie_term(zs)
        return _finish(s, ties, n_t)

    def category_grid(self) -> np.ndarray:
        """Categories as a (nrows, ncols) grid of text ("" outside the study area)."""
        out = np.full(self.mask.shape, "", dtype=object)
        out[self.rows, self.cols] = self.category
        return out

    def summary(self) -> str:
        """One line per category present, most frequent first."""
        counts = pd.Series(self.category).value_counts()
        return "\n".join(f"  {name}: {int(v):,}" for name, v in counts.items() if name != CATEGORIES[0])

    def as_dict(self) -> dict[str, Any]:
        """Return the configuration and the category counts, JSON-safe."""
        return json_safe(
            {
                "time_window": self.time_window,
                "rings": self.gi.rings,
                "distance": self.gi.distance,
                "alpha": self.alpha,
                "fdr": self.fdr,
                "categories": pd.Series(getattr(self, "category", [])).value_counts().to_dict(),
                "notes": self.notes,
            }
        )


def final_run(flags: np.ndarray) -> np.ndarray:
    """Return the length of the run of True at the end of each column of (T, m) ``flags``.

    Examples
    --------
    >>> import numpy as np
    >>> final_run(np.array([[1, 1, 0], [0, 1, 1], [1, 1, 1]], dtype=bool)).tolist()
    [1, 3, 2]
    """
    n_t = flags.shape[0]
    rev_false = ~flags[::-1]
    first = np.argmax(rev_false, axis=0)
    return np.where(rev_false.any(axis=0), first, n_t)


def _categories(hot: np.ndarray, cold: np.ndarray, trend: MannKendall, alpha: float) -> np.ndarray:
    """ArcGIS's categories from the (T, m) hot and cold flags and the z-score trend (rules: EmergingHotSpots)."""
    n_t, m = hot.shape
    up = (trend.p <= alpha) & (trend.z > 0)
    down = (trend.p <= alpha) & (trend.z < 0)
    out = np.full(m, CATEGORIES[0], dtype=object)

    def kind(a: np.ndarray, b: np.ndarray, more: np.ndarray, less: np.ndarray, word: str) -> list[tuple[Any, str]]:
        final = a[-1]
        n_a = a.sum(axis=0)
        most = n_a * 10 >= HOT_SHARE * 10 * n_t  # at least 90 percent of the steps
        run = final_run(a)
        new = final & (n_a == 1)
        consecutive = final & (run >= 2) & (n_a == run) & ~most
        on_and_off = final & ~most & ~new & ~consecutive
        return [
            (new, f"New {word}"),
            (consecutive, f"Consecutive {word}"),
            (final & most & more, f"Intensifying {word}"),
            (final & most & ~more & ~less, f"Persistent {word}"),
            (final & most & less, f"Diminishing {word}"),
            (on_and_off & b[:-1].any(axis=0), f"Oscillating {word}"),
            (on_and_off & ~b.any(axis=0), f"Sporadic {word}"),
            (~final & most, f"Historical {word}"),
        ]

    hot_rules = kind(hot, cold, up, down, "Hot Spot")
    cold_rules = kind(cold, hot, down, up, "Cold Spot")
    # rules of the final step (the first seven of each) before the historical ones; assign in reverse priority
    ordered = hot_rules[:7] + cold_rules[:7] + [hot_rules[7], cold_rules[7]]
    for cond, name in reversed(ordered):
        out[cond] = name
    return out


# ---------------------------------------------------------------------------------------- incidents -> result


@dataclass(repr=False)
class EmergingResult(Result):
    """Result of :func:`find_emerging`.

    Attributes
    ----------
    cube : DataFrame
        One row per bin of the locations listed: ``row, col, step, step_start, count, gi_z, gi_p, hot``.
    locations : GeoDataFrame
        The cells with at least one incident in the period or a category other than "No Pattern Detected"
        (row-major): ``row, col, count, hot_steps, cold_steps, trend_tau, trend_z, trend_p`` (Mann-Kendall of
        the Gi* z-scores, as ArcGIS), ``count_tau, count_z, count_p`` (of the counts), ``category``,
        ``covered_share`` (share of the cell inside any network), ``network_id`` (the network holding most of
        it, "" for none), ``uncovered``, ``geometry`` (the cell square).
    emerging : GeoDataFrame
        The new and intensifying hot spots (:data:`EMERGING`) that no network covers (``uncovered``), ranked:
        the strongest final-step z-score first, then the most incidents; a ``rank`` column.
    grid : Grid
    steps : DatetimeIndex
        The step edges: step ``t`` runs from ``steps[t]`` up to ``steps[t + 1]``.
    interval : str
    ehs : EmergingHotSpots
        The fitted statistic (cube arrays).
    notes : list of str
    incidents : int or float
        Incidents counted in the cube (a sum of weights in an aoristic cube).
    """

    cube: pd.DataFrame
    locations: gpd.GeoDataFrame
    emerging: gpd.GeoDataFrame
    grid: Grid
    steps: pd.DatetimeIndex
    interval: str
    ehs: EmergingHotSpots
    notes: list[str] = field(default_factory=list)
    incidents: float = 0

    def summary(self) -> str:
        """Return a short account: the cube, the categories and the ranked uncovered emerging hot spots."""
        g = self.grid
        lines = [
            f"Cube: {g.nrows:,} x {g.ncols:,} cells of {g.cell_size:g} x {len(self.steps) - 1} {self.interval}s "
            f"({_text(self.steps[0])} to {_text(self.steps[-1] - pd.Timedelta(days=1))}); "
            f"{self.incidents:,} incidents counted.",
            f"Gi* with {self.ehs.weights}; "
            + (f"Benjamini-Hochberg FDR {self.ehs.alpha:g}" if self.ehs.fdr else f"alpha {self.ehs.alpha:g}")
            + f": {int(self.ehs.hot.sum()):,} hot bins, {int(self.ehs.cold.sum()):,} cold bins.",
            "Categories:",
            self.ehs.summary() or "  none (no pattern anywhere)",
            f"{len(self.emerging):,} new or intensifying hot spot{'s' if len(self.emerging) != 1 else ''} "
            "that no network covers" + (", most urgent first:" if len(self.emerging) else "."),
        ]
        geoms = self.emerging.geometry
        # a cell is a small square: its planar centre is right in degrees too (no geographic-CRS warning)
        centres = shapely.centroid(geoms.to_numpy())
        f = ".5f" if geoms.crs is not None and geoms.crs.is_geographic else ",.0f"
        for r, at in zip(self.emerging.head(20).itertuples(), centres):
            lines.append(
                f"  {r.rank}. cell row {r.row}, col {r.col} (centre {at.x:{f}}, {at.y:{f}}): {r.category}, "
                f"{r.count:,} incident{'s' if r.count != 1 else ''}, final z "
                f"{r.final_z:.1f}, trend z {r.trend_z:.1f}, {r.covered_share:.0%} inside networks"
                + (f" ({r.network_id})" if r.network_id else "")
            )
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:  # pragma: no cover - trivial
        """Show sizes, not frames."""
        return f"EmergingResult({len(self.locations):,} locations, {len(self.emerging):,} uncovered emerging)"


def find_emerging(
    incidents: gpd.GeoDataFrame,
    *,
    networks: gpd.GeoDataFrame | None = None,
    study_area: Any = None,
    interval: str = INTERVAL,
    time_window: int = TIME_WINDOW,
    cell_size: float | None = None,
    rings: int = RINGS,
    distance: float | None = None,
    alpha: float = ALPHA,
    fdr: bool = True,
    min_coverage: float = MIN_COVERAGE,
    type_field: str | None = None,
    types: str | Sequence[str] | None = None,
    date_field: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    windows: Windows | None = None,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> EmergingResult:
    """Emerging hot spots of incidents: where clustering is new, growing, lasting or fading.

    Incidents are selected as :func:`~bingeo.hotspots.find_hotspots` does (type and date filters), counted
    on its grid (same cell-size rule) per whole time step, and analysed by :class:`EmergingHotSpots`.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incident points with a date, in a projected CRS (a geographic one is projected to the place's
        metric CRS, and the results are given back in it).
    networks : GeoDataFrame, optional
        Networks (``network_id``, geometry), same CRS: each location's coverage.
    study_area : GeoDataFrame, GeoSeries or shapely geometry, optional
        As :func:`~bingeo.hotspots.find_hotspots`.
    interval : {"week", "month", "quarter", "year"}
        Time step (:func:`time_steps`).
    time_window : int
        Neighbourhood time step: steps before each bin's own in its neighbourhood.
    cell_size, rings, distance, alpha, fdr, min_coverage, type_field, types, date_field, start, end :
        As :func:`~bingeo.hotspots.find_hotspots`. A location is ``uncovered`` when less than
        ``min_coverage`` of its area lies in a network.
    windows : Windows, optional
        Each incident's time window, row for row (:func:`bingeo.aoristic.require_windows`), instead of its
        date. With ``how="aoristic"`` each incident's weight of 1 is spread over the steps its window covers
        (the share of the window in each step, :func:`bingeo.aoristic.time_bins`): the cube holds sums of
        weights that add up to exactly 1 per incident (less the share outside the whole steps, said in a note),
        and the steps are laid out around the windows' midpoints. A window longer than ``max_window`` counts 1 at
        its midpoint (counted in a note). ``"begin"``, ``"midpoint"`` and ``"end"`` count each incident at that
        instant, as a date.
    how, max_window
        As :func:`bingeo.aoristic.time_bins`.
    progress, is_cancelled : callable, optional
        Progress (0 to 1) and cancellation.

    Returns
    -------
    EmergingResult

    Raises
    ------
    InputError
        No incidents, no dates, fewer than two whole steps, a bad option, a cube beyond :data:`MAX_BINS`.
    CRSError
        Incidents without a CRS.

    Examples
    --------
    >>> import bingeo
    >>> from bingeo.emerging import find_emerging
    >>> pts = bingeo.read_points("data/samples/incidents.csv", crs=28992,
    ...                          extent=(225000, 575000, 240000, 590000)).points
    >>> res = find_emerging(pts, interval="quarter", cell_size=500)
    >>> res.interval, len(res.steps) - 1 >= 8, set(res.locations["category"]) <= set(bingeo.emerging.CATEGORIES)
    ('quarter', True, True)
    """
    from bingeo._progress import check_cancelled, report

    if not isinstance(incidents, gpd.GeoDataFrame):
        msg = f"`incidents` should be a GeoDataFrame, got {type(incidents).__name__}"
        raise TypeError(msg)
    if incidents.crs is None:
        msg = "Cannot transform naive geometries. Please set a crs on the object first."
        raise CRSError(msg)
    check_interval(interval)
    if not (0.0 <= float(min_coverage) <= 1.0):
        msg = f"`min_coverage` must be a share between 0 and 1, got {min_coverage!r}"
        raise InputError(msg)
    ehs = EmergingHotSpots(time_window=time_window, rings=rings, distance=distance, alpha=alpha, fdr=fdr)
    crs = to_crs(incidents.crs, what="the CRS of `incidents`")
    notes: list[str] = []
    if networks is not None:
        check_same_crs(networks.crs, crs, left="networks", right="incidents")
        if "network_id" not in networks.columns:
            msg = f"`networks` needs a 'network_id' column; it has: {', '.join(map(str, networks.columns))}"
            raise InputError(msg)
    area_geom = study_area_geometry(study_area, crs)
    work = incidents
    if crs.is_geographic:
        work, note = to_metric(incidents, what="the incidents")
        metric = work.crs
        notes.append(f"{note}; locations are given in {crs_label(crs)}")
        networks = None if networks is None else networks.to_crs(metric)
        if area_geom is not None:
            area_geom = gpd.GeoSeries([area_geom], crs=crs).to_crs(metric).iloc[0]
    if windows is not None:
        if len(windows.begin) != len(work):
            msg = f"`windows` has {len(windows.begin)} rows for {len(work)} incidents."
            raise ValueError(msg)
        work = work.assign(**{_ROW: np.arange(len(work))})
    sel, sel_notes = select_incidents(
        work,
        type_field=type_field,
        types=types,
        date_field=date_field,
        start=None if windows is not None else start,
        end=None if windows is not None else end,
    )
    notes.extend(sel_notes)
    spread = windows is not None and how == "aoristic"
    if windows is None:
        _, got = read_incident_dates(sel, date_field=date_field, need="emerging hot spots need")
        dates = got.values
    else:
        windows = windows.take(sel[_ROW].to_numpy())
        sel = sel.drop(columns=_ROW)
        dates = pd.Series(windows.at("midpoint" if spread else how))
    step, edges, step_notes = time_steps(dates, interval, start=start, end=end)
    notes.extend(step_notes)
    from bingeo.assign import point_xy

    x, y = point_xy(sel, what="incidents")
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.all():
        notes.append(f"{int((~ok).sum()):,} incidents without a location (missing or empty geometry) left out.")
    if spread:  # every window reaching into the whole steps
        assert windows is not None
        use = ok & (period_shares(windows, edges[0], edges[-1], how=how, max_window=max_window) > 0)
    else:
        use = ok & (step >= 0)
    if not use.any():
        msg = (
            "no incident has both a location and a date in the whole steps; check the dates, --from/--to and --interval"
        )
        raise InputError(msg)
    x, y, step = x[use], y[use], step[use]
    windows = None if windows is None else windows.take(use)
    check_cancelled(is_cancelled, "the emerging hot-spot analysis")
    report(progress, 0.05)

    if cell_size is None:
        xy = np.column_stack([x, y])
        area = None if area_geom is None else float(area_geom.area)
        cell_size, why = auto_cell_size(xy, area=area)
        notes.append(why)
    else:
        if not (isinstance(cell_size, (int, float, np.number)) and np.isfinite(cell_size) and cell_size > 0):
            msg = f"`cell_size` must be a positive number of metres, got {cell_size!r}"
            raise InputError(msg)
        cell_size = float(cell_size)
        notes.append(f"Cell size {cell_size:g} (given).")
    work_crs = to_crs(work.crs)
    bounds = area_geom.bounds if area_geom is not None else (x.min(), y.min(), x.max(), y.max())
    n_t = len(edges) - 1
    approx = (math.floor((bounds[2] - bounds[0]) / cell_size) + 2) * (
        math.floor((bounds[3] - bounds[1]) / cell_size) + 2
    )
    if approx * n_t > MAX_BINS:
        msg = (
            f"a {cell_size:g} m grid x {n_t} {interval}s would have about {approx * n_t:,} bins, more than "
            f"{MAX_BINS:,}. Give a larger `cell_size`, a longer `interval` or a shorter "
            "period (`start`, `end`)."
        )
        raise InputError(msg)
    if area_geom is not None:
        grid = Grid.from_study_area(area_geom, cell_size, work_crs)
    else:
        grid = Grid.from_extent(bounds, cell_size, work_crs)
    counts = np.zeros((n_t,) + grid.shape, dtype=np.int64)
    row, col, inside = grid.locate(x, y)
    if grid.mask is not None:
        inside &= grid.mask[row, col]
    counted: float = int(inside.sum())
    if spread:
        assert windows is not None
        cells = (row * grid.ncols + col)[inside]
        got = time_bins(
            windows.begin[inside],
            windows.end[inside],
            edges,
            groups=cells,
            n_groups=grid.nrows * grid.ncols,
            how="aoristic",
            max_window=max_window,
        )
        counts = np.ascontiguousarray(got.weights.T).reshape(counts.shape)
        counted = round(float(counts.sum()), 3)
        notes.append(
            f"Aoristic cube: each incident's time window from {windows.begin_field!r} to {windows.end_field!r} is "
            f"spread over the {interval}s it covers; {got.outside:,.1f} of the weight of the "
            f"{int(inside.sum()):,} incidents falls outside the whole steps"
            + (
                f"; {got.long_windows:,} windows longer than {pd.Timedelta(max_window).days:g} days are counted at "
                "their midpoint"
                if got.long_windows
                else ""
            )
            + "."
        )
    else:
        flat = step[inside] * (grid.nrows * grid.ncols) + (row * grid.ncols + col)[inside]
        counts = np.bincount(flat, minlength=counts.size).reshape(counts.shape).astype(np.int64)
    if inside.sum() < len(x):
        notes.append(
            f"{len(x) - int(inside.sum()):,} incidents lie outside the study area's cells and were not counted."
        )
    notes.append(
        f"Grid {grid.nrows:,} x {grid.ncols:,} cells of {cell_size:g} x {n_t} {interval}s = "
        f"{grid.n_cells * n_t:,} bins; {counted:,} incidents counted."
    )
    report(progress, 0.2)
    check_cancelled(is_cancelled, "the emerging hot-spot analysis")
    ehs.fit(counts, grid.mask, cell_size=cell_size)
    notes.extend(ehs.notes)
    report(progress, 0.7)
    check_cancelled(is_cancelled, "the emerging hot-spot analysis")

    total = counts.sum(axis=0)[ehs.rows, ehs.cols]
    keep = (total > 0) | (ehs.category != CATEGORIES[0])
    r, c = ehs.rows[keep], ehs.cols[keep]
    polys = grid.cell_polygons(r, c)
    share, net_id = _cell_coverage(polys, networks)
    final_z = ehs.z[-1, r, c]
    locations = gpd.GeoDataFrame(
        {
            "row": r.astype(np.int32),
            "col": c.astype(np.int32),
            "count": total[keep].round(6) if spread else total[keep].astype(np.int64),
            "hot_steps": ehs.hot_steps[keep].astype(np.int64),
            "cold_steps": ehs.cold_steps[keep].astype(np.int64),
            "final_z": final_z,
            "trend_tau": ehs.trend.tau[keep],
            "trend_z": ehs.trend.z[keep],
            "trend_p": ehs.trend.p[keep],
            "count_tau": ehs.count_trend.tau[keep],
            "count_z": ehs.count_trend.z[keep],
            "count_p": ehs.count_trend.p[keep],
            "category": ehs.category[keep].astype(str),
            "covered_share": share,
            "network_id": net_id,
            "uncovered": share < float(min_coverage),
        },
        geometry=polys,
        crs=grid.crs,
    )
    if networks is None:
        notes.append("No networks given: every location counts as uncovered (covered_share 0).")
    omitted = int((~keep).sum())
    if omitted:
        notes.append(
            f"{omitted:,} cells without incidents and without a pattern are not listed as locations (nor in the cube)."
        )
    n_loc = len(r)
    cube = pd.DataFrame(
        {
            "row": np.tile(r, n_t).astype(np.int32),
            "col": np.tile(c, n_t).astype(np.int32),
            "step": np.repeat(np.arange(n_t), n_loc).astype(np.int32),
            "step_start": np.repeat(edges[:-1].to_numpy(), n_loc),
            "count": counts[:, r, c].ravel(),
            "gi_z": ehs.z[:, r, c].ravel(),
            "gi_p": ehs.p[:, r, c].ravel(),
            "hot": ehs.hot[:, r, c].ravel(),
        }
    )
    em = locations[locations["category"].isin(EMERGING) & locations["uncovered"]]
    em = em.iloc[np.lexsort((em["col"], em["row"], -em["count"].to_numpy(), -em["final_z"].to_numpy()))].copy()
    em["rank"] = np.arange(1, len(em) + 1, dtype=np.int64)
    if crs.is_geographic:
        locations, em = locations.to_crs(crs), em.to_crs(crs)
    report(progress, 1.0)
    for n in notes:
        log.info("%s", n)
    return EmergingResult(
        cube=cube,
        locations=locations,
        emerging=em.reset_index(drop=True),
        grid=grid,
        steps=edges,
        interval=interval,
        ehs=ehs,
        notes=notes,
        incidents=counted,
    )


#: Column of each incident's row number while incidents are selected (dropped before anything is written).
_ROW = "__bingeo_row"


def _cell_coverage(cells: np.ndarray, networks: gpd.GeoDataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Share of each cell inside any network, and the network overlapping it most ("" for none)."""
    share = np.zeros(len(cells), dtype="float64")
    ids = np.full(len(cells), "", dtype=object)
    if networks is None or not len(cells) or not len(networks):
        return share, ids
    polys = np.asarray(networks.geometry.to_numpy(), dtype=object)
    good = ~(shapely.is_missing(polys) | shapely.is_empty(polys))
    polys, nids = polys[good], networks["network_id"].astype(str).to_numpy()[good]
    if not len(polys):
        return share, ids
    area = shapely.area(cells)
    union = shapely.union_all(polys)
    share = np.minimum(1.0, shapely.area(shapely.intersection(cells, union)) / area)
    ci, ni = shapely.STRtree(polys).query(cells, predicate="intersects")
    if len(ci):
        over = shapely.area(shapely.intersection(cells[ci], polys[ni]))
        order = np.lexsort((nids[ni], -over, ci))
        ci, ni, over = ci[order], ni[order], over[order]
        first = np.r_[True, ci[1:] != ci[:-1]] & (over > 0)
        ids[ci[first]] = nids[ni[first]]
    return share, ids
