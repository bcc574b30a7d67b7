"""How far and how long after an incident are the neighbours at raised risk? The Knox near-repeat test.

The Knox test (Knox 1964; as used for near repeats by Townsley, Homel & Chaseling
2003 and in Ratcliffe's Near Repeat Calculator) counts, for every pair of
incidents, how far apart they are in space and in time, and compares the count of
pairs in each space-time band with the count expected when time and place are
unrelated. Under that null hypothesis the incident dates are exchangeable among
the locations, so the reference distribution comes from Monte Carlo permutations
of the dates among the locations.

Bands
-----
``distance_bands`` and ``time_bands`` are band *edges* starting at 0, e.g.
``(0, 100, 200, 400, 800)`` metres and ``(0, 7, 14, 30, 60)`` days. Every band
includes its lower edge and excludes its upper edge: ``[0, 100)``, ``[100, 200)``
… A last band holds everything at or beyond the last edge (``≥ 800 m``,
``≥ 60 days``), so the table accounts for every pair.

Times are calendar days: the time of day is ignored (as in the Near Repeat
Calculator), so two incidents on the same date are 0 days apart, one on the next
date 1 day apart, and the time band ``[0, 7)`` holds pairs 0 to 6 days apart.

Figures per band
----------------
observed
    Pairs ``i < j`` whose distance and time difference fall in the band.
expected
    The exact expectation under the permutation null: ``S_d · T_k / N`` where
    ``S_d`` is the number of pairs in distance band ``d``, ``T_k`` the number of
    pairs (over all pairs) in time band ``k`` and ``N = n(n−1)/2``. (Each pair of
    locations receives a uniformly random pair of the dates.) The mean of the
    permutations, ``expected_simulated``, converges to it.
knox_ratio
    ``observed / expected``; undefined (NaN in the array, None in tables) when
    the expectation is 0.
p_value
    One-sided Monte Carlo p-value for *raised* risk:
    ``(1 + #{permutations with count ≥ observed}) / (1 + permutations)``.

Suggested alert
---------------
A band is *significant* when its p-value is below ``alpha`` and its Knox ratio is
above 1. The suggested **radius** is the upper edge of the last distance band in
the run of significant bands that starts at the origin band
(``[0, d1)`` m × ``[0, t1)`` days) and goes outwards in space within the first
time band: how far from a fresh incident the risk is raised. The suggested
**duration** is, likewise, the upper edge of the last time band in the run that
starts at the origin and goes forward in time within the first distance band: how
long the immediate neighbours stay at raised risk. When the origin band itself is
not significant there is no suggestion (None, with the reason). The open-ended
bands (``≥`` the last edge) are never part of a suggestion; when a run reaches the
last closed band, the suggestion says so (wider bands may show a longer run).

With many incidents, even a slightly raised risk is significant (the Vancouver
residential burglaries of 2020-2025 give a Knox ratio of 1.14 at 400-800 m
within 7 days, p = 0.001). ``min_ratio`` (default 1, i.e. significance alone, as
the rule above) lets the suggestion require a material rise too, e.g. 1.2 for
"at least 20 % more pairs than expected".

Speed
-----
Pairs closer than the largest distance edge are found once with a k-d tree
(:meth:`scipy.spatial.cKDTree.query_pairs`); their distance bands never change.
Each permutation then only re-bins the time differences of those pairs, with
numpy, in chunks of pairs: a gather of the permuted dates, a subtraction and one
comparison-and-count per time edge. The counts in the open-ended bands follow
from totals that permutations do not change. The permutations run in blocks of
:data:`PERMUTATION_BATCH`, each block with its own generator derived from the seed
(:func:`knox_permutations`), on ``workers`` threads; the counts are whole numbers
added up per block, so the p-values are the same whatever the number of threads.
``benchmarks/nearrepeat.py`` measures it, on one thread and on all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from bingeo._results import Result
from bingeo._workers import resolve_workers
from bingeo.errors import CRSError, InputError
from bingeo.incidents import TYPE_FIELD_NAMES, incident_days, select_types

__all__ = [
    "NearRepeat",
    "AlertSuggestion",
    "suggest_alert",
    "alert_radius",
    "MIN_RATIO",
    "SEED",
    "ALERT_MIN_RATIO",
    "incident_days",
    "select_types",
    "TYPE_FIELD_NAMES",
    "PERMUTATIONS",
    "ALPHA",
    "DISTANCE_BANDS",
    "TIME_BANDS",
    "PERMUTATION_BATCH",
    "knox_permutations",
]

log = logging.getLogger(__name__)

#: Seed of the permutations of a suggested alert (the advice is reproducible).
SEED = 0
#: Knox ratio a suggested band needs by default: 1, significance alone.
MIN_RATIO = 1.0
#: Knox ratio an automatic alert radius needs (``recipients --radius auto``): on large data every band is
#: significant, so an alert asks for a clearly raised risk, at least 20 % more pairs than expected.
ALERT_MIN_RATIO = 1.2
#: Default number of Monte Carlo permutations.
PERMUTATIONS = 999
#: Default significance level for the suggested alert radius and duration.
ALPHA = 0.05
#: Default distance band edges, metres.
DISTANCE_BANDS = (0.0, 100.0, 200.0, 400.0, 800.0)
#: Default time band edges, days.
TIME_BANDS = (0.0, 7.0, 14.0, 30.0, 60.0)
#: Permutations re-binned together: each pair's dates are gathered once for all of them.
PERMUTATION_BATCH = 256
#: Pairs per chunk: a chunk's (pairs × permutations) day differences and running counts (about 1.4 MB)
#: stay in a core's own cache (2.5 MB here): 512 took a third less CPU than 2048 (4 MB), on one thread as
#: on two at once.
CHUNK_PAIRS = 512


def _count_below(t: np.ndarray, ia: np.ndarray, jb: np.ndarray, starts: np.ndarray, tedges: np.ndarray) -> np.ndarray:
    """Pairs with |t[i] - t[j]| < each edge, per distance band, for each column of ``t``.

    ``t`` is (n, m): m date permutations side by side, so that a pair's dates are
    fetched for all m at once. Returns (m, bands, edges) counts.
    """
    nd, ne, m = len(starts) - 1, len(tedges), t.shape[1]
    out = np.zeros((m, nd, ne), dtype=np.int64)
    chunk = CHUNK_PAIRS
    acc_type = np.int16 if (len(ia) // chunk + 1) < np.iinfo(np.int16).max else np.int32
    acc = np.zeros((ne, chunk, m), dtype=acc_type)  # per edge: running counts, reduced once per band
    hit = np.empty((chunk, m), dtype=bool)
    for d in range(nd):
        acc[:] = 0
        for lo in range(starts[d], starts[d + 1], chunk):
            hi = min(lo + chunk, starts[d + 1])
            c = hi - lo
            diff = np.take(t, ia[lo:hi], axis=0)
            diff -= np.take(t, jb[lo:hi], axis=0)
            np.abs(diff, out=diff)
            for k in range(ne):
                np.less(diff, tedges[k], out=hit[:c])
                acc[k, :c] += hit[:c]
        out[:, d, :] = acc.sum(axis=1, dtype=np.int64).T
    return out


def _block_permutations(n: int, m: int, seed: int | None, block: int) -> Iterator[np.ndarray]:
    """Yield permutations ``block * PERMUTATION_BATCH`` to ``+ m`` of ``n`` dates (see :func:`knox_permutations`)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    for _ in range(m):
        yield rng.permutation(n)


def knox_permutations(n: int, permutations: int, seed: int | None) -> Iterator[np.ndarray]:
    """Yield the permutations of ``n`` dates that :class:`NearRepeat` uses, in order.

    Permutation ``i`` is the ``(i % PERMUTATION_BATCH)``-th ``rng.permutation(n)``
    of ``rng = numpy.random.default_rng(numpy.random.SeedSequence(seed,
    spawn_key=(i // PERMUTATION_BATCH,)))``: each block of
    :data:`PERMUTATION_BATCH` permutations has its own generator, derived from
    the seed (the children of ``SeedSequence(seed).spawn``), so the blocks can
    run in any order, on any number of threads, with the same p-values.
    """
    for b in range(-(-permutations // PERMUTATION_BATCH)):
        yield from _block_permutations(n, min(PERMUTATION_BATCH, permutations - b * PERMUTATION_BATCH), seed, b)


def _run_blocks(
    n_blocks: int,
    task: Callable[[int], Any],
    combine: Callable[[Any], None],
    *,
    workers: int,
    progress: Callable[[float], None] | None,
    is_cancelled: Callable[[], bool] | None,
) -> int:
    """Run ``task(b)`` for every block in ``workers`` threads; ``combine`` the results in block order.

    ``progress`` and ``is_cancelled`` are called from this thread only; when
    cancelled, no new block starts. Returns the number of blocks combined.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    done = 0
    if workers <= 1 or n_blocks <= 1:
        for b in range(n_blocks):
            if is_cancelled is not None and is_cancelled():
                break
            combine(task(b))
            done += 1
            if progress is not None:
                progress(done / n_blocks)
        return done
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[Any]] = [pool.submit(task, b) for b in range(min(workers, n_blocks))]
        nxt = len(pending)
        while pending:
            if is_cancelled is not None and is_cancelled():
                for f in pending:
                    f.cancel()
                break
            combine(pending.pop(0).result())
            done += 1
            if progress is not None:
                progress(done / n_blocks)
            if nxt < n_blocks:
                pending.append(pool.submit(task, nxt))
                nxt += 1
    return done


def _edges(values: Sequence[float], name: str, unit: str) -> np.ndarray:
    try:
        arr = np.asarray([float(v) for v in values], dtype=float)
    except (TypeError, ValueError):
        msg = f"`{name}` must be numbers (band edges in {unit}), got {values!r}."
        raise InputError(msg) from None
    if arr.size < 2 or arr.size > 101 or arr[0] != 0 or not np.all(np.isfinite(arr)) or np.any(np.diff(arr) <= 0):
        msg = (
            f"`{name}` must be 2 to 101 increasing band edges starting at 0, in {unit}, "
            f"e.g. 0,100,200,400,800; got {', '.join(format(v, 'g') for v in arr) or 'nothing'}."
        )
        raise InputError(msg)
    return arr


def _labels(edges: np.ndarray, unit: str) -> list[str]:
    out = [f"[{lo:g}, {hi:g}) {unit}" for lo, hi in zip(edges[:-1], edges[1:])]
    out.append(f"≥ {edges[-1]:g} {unit}")
    return out


def _pair_counts_by_lag(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Count the pairs (over all pairs) whose |day difference| falls in each time band (open band last)."""
    t = np.sort(days)
    n = t.size
    below = []  # pairs with difference < e, for each edge e > 0
    for e in edges[1:]:
        # |t_j - t_i| < e  <=>  t_j < t_i + e for j > i in sorted order; days are integers
        upto = np.searchsorted(t, t + np.ceil(e), side="left")
        below.append(int((upto - np.arange(n) - 1).sum()))
    total = n * (n - 1) // 2
    cum = np.array([0, *below, total], dtype=np.int64)
    return np.diff(cum)


@dataclass
class AlertSuggestion(Result):
    """Alert radius and duration suggested by a Knox test (see :func:`suggest_alert`).

    Attributes
    ----------
    radius : float or None
        Metres; None when there is no significant near-repeat pattern.
    duration : float or None
        Days.
    reason : str
        One sentence that explains the suggestion or its absence.
    knox : NearRepeat
        The fitted test behind it.
    """

    radius: float | None
    duration: float | None
    reason: str
    knox: NearRepeat
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the advice in one line: radius and duration, or why there is none."""
        if self.radius is None:
            return f"No alert radius: {self.reason}"
        return f"Alert within {self.radius:g} m for {self.duration:g} days ({self.reason})"

    def as_dict(self) -> dict[str, Any]:
        """Return the advice and the Knox test behind it (JSON-safe)."""
        return {
            "radius": self.radius,
            "duration": self.duration,
            "reason": self.reason,
            "knox": self.knox.as_dict(),
            "notes": list(self.notes),
        }


class NearRepeat:
    """Knox near-repeat test with Monte Carlo permutations (see the module docstring).

    Parameters
    ----------
    distance_bands : sequence of float
        Band edges in metres, starting at 0.
    time_bands : sequence of float
        Band edges in days, starting at 0.
    permutations : int
        Monte Carlo permutations of the dates among the locations (0: no p-values).
    seed : int, optional
        Seed of the permutations: the same seed gives the same p-values, whatever
        ``workers`` (see :func:`knox_permutations` for the sequence). The
        sequence changed once, in bingeo's issue 14: from one generator for all
        permutations to one per block of :data:`PERMUTATION_BATCH`, so that the
        blocks run in parallel; p-values of a given seed from before differ
        (by Monte Carlo noise).
    alpha : float
        Significance level for :attr:`significant` and the suggestion.
    min_ratio : float
        The suggestion also requires a Knox ratio of at least this (default 1: significance alone).
    workers : int, optional
        Threads running blocks of permutations. Default: the environment
        variable ``BINGEO_WORKERS`` when set, else every CPU; the results do not
        depend on it.
    progress : callable, optional
        Called with the share of permutations done (0..1).
    is_cancelled : callable, optional
        Polled between chunks of permutations; when it returns True, :meth:`fit`
        raises :class:`InputError` ("cancelled").

    Attributes
    ----------
    n : int
        Incidents used (with a location and a date).
    rejects : DataFrame
        Incidents left out (no date, no location), with ``reject_reason``.
    distance_labels, time_labels : list of str
        Band labels, lower edge included and upper edge excluded; the last band is open.
    observed : ndarray of int, shape (distance bands + 1, time bands + 1)
        Pair counts; rows are distance bands, columns time bands, the last of each open-ended.
    expected : ndarray of float
        Exact expected counts under the permutation null.
    expected_simulated : ndarray of float
        Mean count over the permutations (None without permutations).
    knox_ratio : ndarray of float
        ``observed / expected`` (NaN where the expectation is 0).
    p_value : ndarray of float
        One-sided Monte Carlo p-values for raised risk (None without permutations).
    significant : ndarray of bool
        ``p_value < alpha`` and ``knox_ratio > 1``.
    pairs_within : int
        Pairs closer than the largest distance edge (the pairs each permutation re-bins).
    suggested_radius : float or None
        Metres (see the module docstring).
    suggested_duration : float or None
        Days.
    suggestion : str
        The suggestion or why there is none, in one sentence.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> pts = gpd.GeoDataFrame(
    ...     {"date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-03-01", "2024-06-01"])},
    ...     geometry=gpd.points_from_xy([0, 50, 1000, 5000], [0, 0, 0, 0]), crs=28992)
    >>> knox = NearRepeat(distance_bands=[0, 100], time_bands=[0, 7], permutations=99, seed=1).fit(pts)
    >>> knox.observed.tolist()   # rows: [0, 100) m, >= 100 m; columns: [0, 7) days, >= 7 days
    [[1, 0], [0, 5]]
    >>> float(knox.expected[0, 0]), float(knox.knox_ratio[0, 0])
    (0.16666666666666666, 6.0)
    """

    def __init__(
        self,
        *,
        distance_bands: Sequence[float] = DISTANCE_BANDS,
        time_bands: Sequence[float] = TIME_BANDS,
        permutations: int = PERMUTATIONS,
        seed: int | None = None,
        alpha: float = ALPHA,
        min_ratio: float = MIN_RATIO,
        workers: int | None = None,
        progress: Callable[[float], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.distance_bands = _edges(distance_bands, "distance_bands", "metres")
        self.time_bands = _edges(time_bands, "time_bands", "days")
        if int(permutations) != permutations or permutations < 0:
            msg = f"`permutations` must be a whole number ≥ 0 (999 is usual), got {permutations!r}."
            raise InputError(msg)
        if not 0 < alpha < 1:
            msg = f"`alpha` must lie between 0 and 1, got {alpha!r}."
            raise InputError(msg)
        self.permutations = int(permutations)
        self.seed = seed
        self.alpha = float(alpha)
        if not min_ratio >= 1:
            msg = f"`min_ratio` must be at least 1 (a Knox ratio above 1 means raised risk), got {min_ratio!r}."
            raise InputError(msg)
        self.min_ratio = float(min_ratio)
        self.workers = resolve_workers(workers)
        self.progress = progress
        self.is_cancelled = is_cancelled
        self.notes: list[str] = []
        self.distance_labels = _labels(self.distance_bands, "m")
        self.time_labels = _labels(self.time_bands, "days")

    # ------------------------------------------------------------------ fitting
    def fit(self, points: gpd.GeoDataFrame, *, date_field: str | None = None) -> NearRepeat:
        """Run the test on incident points with dates.

        Parameters
        ----------
        points : GeoDataFrame
            Incident points with a date column; in a geographic CRS the distances are measured in the
            place's national grid (RD New, Lambert 72, else UTM), as ``notes`` say.
        date_field : str, optional
            See :func:`incident_days`.

        Returns
        -------
        NearRepeat
            ``self``, with the attributes filled in.
        """
        if not isinstance(points, gpd.GeoDataFrame):
            msg = f"`points` should be a GeoDataFrame, got {type(points)}."
            raise TypeError(msg)
        if points.crs is None:
            msg = "Cannot transform naive geometries. Please set a crs on the object first."
            raise CRSError(msg)
        metric_note = None
        if points.crs.is_geographic:  # distances in metres: work in the place's national grid
            from bingeo._crs import to_metric

            points, metric_note = to_metric(points, what="the incidents")
        from bingeo.assign import point_xy

        x, y = point_xy(points, what="points")
        dates = incident_days(points, date_field=date_field)
        no_date = dates.isna().to_numpy()
        no_xy = ~(np.isfinite(x) & np.isfinite(y))
        bad = no_date | no_xy
        rejects = pd.DataFrame(points.drop(columns=points.geometry.name)[bad])
        rejects["reject_reason"] = np.where(no_xy[bad], "no_location", "no_date")
        self.rejects = rejects
        if bad.any():
            log.info("Knox test: %d incidents left out (%d without a date)", int(bad.sum()), int(no_date.sum()))
        days = dates.to_numpy()[~bad].astype("datetime64[D]").astype(np.int64)
        self._fit_xyt(np.column_stack([x[~bad], y[~bad]]), days)
        if metric_note:
            self.notes.insert(0, metric_note)
        return self

    def _fit_xyt(self, xy: np.ndarray, days: np.ndarray) -> None:
        from scipy.spatial import cKDTree

        n = len(days)
        self.n = n
        nd = len(self.distance_bands) - 1
        if n < 2:
            msg = f"the Knox test needs at least 2 incidents with a location and a date; got {n}."
            raise InputError(msg)
        days = np.asarray(days, dtype=np.int64)
        days = days - days.min()
        span = int(days.max())
        tdtype = np.int16 if span < np.iinfo(np.int16).max else np.int32
        tdays = days.astype(tdtype)
        dmax = float(self.distance_bands[-1])
        pairs = cKDTree(xy).query_pairs(r=dmax, output_type="ndarray")
        xs, ys = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
        # band i holds edges[i] <= d < edges[i+1]; squared distances against squared edges, in chunks
        band = np.empty(len(pairs), dtype=np.int8)
        for lo in range(0, len(pairs), 1 << 20):
            p = pairs[lo : lo + (1 << 20)]
            dx = xs[p[:, 0]] - xs[p[:, 1]]
            dy = ys[p[:, 0]] - ys[p[:, 1]]
            band[lo : lo + len(p)] = np.searchsorted(self.distance_bands**2, dx * dx + dy * dy, side="right") - 1
        order = np.argsort(band, kind="stable")
        band = band[order]
        keep = int(np.searchsorted(band, nd))  # query_pairs includes d == dmax: the open band
        order = order[:keep]
        ia = pairs[order, 0].astype(np.int32)
        jb = pairs[order, 1].astype(np.int32)
        starts = np.searchsorted(band[:keep], np.arange(nd + 1))
        self.pairs_within = int(keep)
        del pairs, order, band

        # integer day differences: |dt| < e  <=>  |dt| < ceil(e)
        tedges = np.minimum(np.ceil(self.time_bands[1:]), np.iinfo(tdtype).max).astype(tdtype)
        seg = np.diff(starts).astype(np.int64)  # pairs per closed distance band
        lag_totals = _pair_counts_by_lag(days, self.time_bands)  # pairs per time band, over all pairs
        total = n * (n - 1) // 2
        dist_totals = np.append(seg, total - seg.sum())

        def table_of(cum: np.ndarray) -> np.ndarray:
            """(perm, nd, nt) counts below each time edge -> (perm, nd + 1, nt + 1) counts per band."""
            m = cum.shape[0]
            closed = np.diff(
                np.concatenate(
                    [np.zeros((m, nd, 1), np.int64), cum, np.broadcast_to(seg[None, :, None], (m, nd, 1))], axis=2
                ),
                axis=2,
            )
            return np.concatenate([closed, (lag_totals - closed.sum(axis=1))[:, None, :]], axis=1)

        observed = table_of(_count_below(tdays[:, None], ia, jb, starts, tedges))[0]
        expected = np.outer(dist_totals, lag_totals) / total
        self.observed = observed
        self.expected = expected
        with np.errstate(divide="ignore", invalid="ignore"):
            self.knox_ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1), np.nan)

        self.p_value: np.ndarray | None = None
        self.expected_simulated: np.ndarray | None = None
        if self.permutations:
            exceed = np.zeros(observed.shape, dtype=np.int64)
            sim_sum = np.zeros(observed.shape, dtype=np.int64)
            # no seed: fresh entropy, drawn once for all blocks
            seed = np.random.SeedSequence().entropy if self.seed is None else self.seed

            def block(b: int) -> np.ndarray:
                # one block of permutations, from its own generator: the same seed, the same p-values
                m = min(PERMUTATION_BATCH, self.permutations - b * PERMUTATION_BATCH)
                shuffled = np.empty((n, m), dtype=tdtype)  # column q: the dates after permutation q
                for q, perm in enumerate(_block_permutations(n, m, seed, b)):
                    shuffled[:, q] = tdays[perm]
                return table_of(_count_below(shuffled, ia, jb, starts, tedges))

            def combine(sims: np.ndarray) -> None:
                exceed[...] += (sims >= observed).sum(axis=0)
                sim_sum[...] += sims.sum(axis=0)

            n_blocks = -(-self.permutations // PERMUTATION_BATCH)
            done = _run_blocks(
                n_blocks, block, combine, workers=self.workers, progress=self.progress, is_cancelled=self.is_cancelled
            )
            if done < n_blocks:
                msg = "the Knox test was cancelled."
                raise InputError(msg)
            self.p_value = (1 + exceed) / (1 + self.permutations)
            self.expected_simulated = sim_sum / self.permutations
        self._suggest()

    # ------------------------------------------------------------------ results
    @property
    def significant(self) -> np.ndarray:
        """Bands with significantly raised risk: ``p_value < alpha`` and ``knox_ratio > 1``."""
        if self.p_value is None:
            return np.zeros(self.observed.shape, dtype=bool)
        ratio = np.nan_to_num(self.knox_ratio, nan=0.0)
        return (self.p_value < self.alpha) & (ratio > 1)

    def _suggest(self) -> None:
        ratio = np.nan_to_num(self.knox_ratio, nan=0.0)
        sig = (self.significant & (ratio >= self.min_ratio))[:-1, :-1]  # closed bands only
        needs = f"p < {self.alpha:g}" + (f", Knox ratio ≥ {self.min_ratio:g}" if self.min_ratio > 1 else "")
        self.suggested_radius: float | None = None
        self.suggested_duration: float | None = None
        if self.p_value is None:
            self.suggestion = "no suggestion: the test ran without permutations, so there are no p-values."
            return
        if not sig[0, 0]:
            self.suggestion = (
                f"no suggestion: pairs within {self.distance_labels[0]} and {self.time_labels[0]} are not "
                f"more frequent than chance as required ({needs}; here p = {self.p_value[0, 0]:.3f}, "
                f"Knox ratio {_fmt(self.knox_ratio[0, 0])}): there is no near-repeat pattern to alert on."
            )
            return
        i = int(np.argmin(sig[:, 0])) if not sig[:, 0].all() else sig.shape[0]
        k = int(np.argmin(sig[0, :])) if not sig[0, :].all() else sig.shape[1]
        self.suggested_radius = float(self.distance_bands[i])
        self.suggested_duration = float(self.time_bands[k])
        self.suggestion = (
            f"alert within {self.suggested_radius:g} m for {self.suggested_duration:g} days after an incident: "
            f"up to {self.suggested_radius:g} m the risk in the first {self.time_bands[1]:g} days is raised "
            f"({needs} in every band), and within {self.distance_bands[1]:g} m it stays raised for "
            f"{self.suggested_duration:g} days."
        )
        if i == sig.shape[0] or k == sig.shape[1]:
            which = " and ".join(w for w, hit in (("distance", i == sig.shape[0]), ("time", k == sig.shape[1])) if hit)
            self.suggestion += f" The run reaches the last {which} band: wider bands may show it goes further."

    def table(self) -> pd.DataFrame:
        """One row per space-time band: labels, bounds, observed, expected, Knox ratio, p-value, significant.

        Undefined values (Knox ratio with zero expectation, p-values without
        permutations, the upper bound of an open band) are None.
        """
        return pd.DataFrame(self._rows()).astype(object)

    def _rows(self) -> list[dict[str, Any]]:
        rows = []
        d, t = self.distance_bands, self.time_bands
        sig = self.significant
        for i, dl in enumerate(self.distance_labels):
            for k, tl in enumerate(self.time_labels):
                ratio = self.knox_ratio[i, k]
                rows.append(
                    {
                        "distance_band": dl,
                        "time_band": tl,
                        "distance_from_m": float(d[i]),
                        "distance_to_m": float(d[i + 1]) if i + 1 < len(d) else None,
                        "days_from": float(t[k]),
                        "days_to": float(t[k + 1]) if k + 1 < len(t) else None,
                        "observed": int(self.observed[i, k]),
                        "expected": float(self.expected[i, k]),
                        "knox_ratio": None if np.isnan(ratio) else float(ratio),
                        "p_value": None if self.p_value is None else float(self.p_value[i, k]),
                        "significant": bool(sig[i, k]),
                    }
                )
        return rows

    def as_dict(self) -> dict[str, Any]:
        """Figures under stable keys (for JSON)."""
        return {
            "incidents": self.n,
            "left_out": int(len(self.rejects)) if hasattr(self, "rejects") else 0,
            "distance_bands_m": self.distance_bands.tolist(),
            "time_bands_days": self.time_bands.tolist(),
            "bounds": "lower edge included, upper edge excluded; the last band is open-ended",
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": self.alpha,
            "min_ratio": self.min_ratio,
            "pairs_within_max_distance": self.pairs_within,
            "bands": self._rows(),
            "suggested_radius_m": self.suggested_radius,
            "suggested_duration_days": self.suggested_duration,
            "suggestion": self.suggestion,
        }

    def summary(self) -> str:
        """Knox ratios as a distance × time table (``*`` significant), and the suggestion."""
        head = f"{'':>16}" + "".join(f"{lab:>18}" for lab in self.time_labels)
        lines = [
            f"Knox test on {self.n:,} incidents ({self.n * (self.n - 1) // 2:,} pairs; "
            f"{self.pairs_within:,} closer than {self.distance_bands[-1]:g} m), {self.permutations} permutations"
            + (f", seed {self.seed}" if self.seed is not None else "")
            + ". Knox ratio = observed / expected pairs; * = significantly raised "
            f"(p < {self.alpha:g}). Bands include their lower edge and exclude the upper one.",
            head,
        ]
        sig = self.significant
        for i, lab in enumerate(self.distance_labels):
            cells = []
            for k in range(len(self.time_labels)):
                mark = "*" if sig[i, k] else " "
                cells.append(f"{_fmt(self.knox_ratio[i, k]) + mark:>18}")
            lines.append(f"{lab:>16}" + "".join(cells))
        lines.append(f"Suggestion: {self.suggestion}")
        return "\n".join(lines)


def _fmt(v: float) -> str:
    return "undefined" if v is None or np.isnan(v) else f"{v:.2f}"


def suggest_alert(
    incidents: gpd.GeoDataFrame,
    *,
    date_field: str | None = None,
    type_field: str | None = None,
    types: Sequence[str] | None = None,
    distance_bands: Sequence[float] = DISTANCE_BANDS,
    time_bands: Sequence[float] = TIME_BANDS,
    permutations: int = PERMUTATIONS,
    seed: int | None = SEED,
    alpha: float = ALPHA,
    min_ratio: float = MIN_RATIO,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> AlertSuggestion:
    """Alert radius and duration from a Knox near-repeat test on past incidents.

    For ``bingeo recipients --radius auto``: the radius is how far from a fresh
    incident the risk is significantly raised; the duration how long (see the
    module docstring for the exact rule).

    Parameters
    ----------
    incidents : GeoDataFrame
        Past incidents with dates, in a projected CRS.
    date_field : str, optional
        See :func:`incident_days`.
    type_field, types : optional
        Keep only incidents of these types (e.g. burglaries); see :func:`select_types`.
    distance_bands, time_bands, permutations, seed, alpha, min_ratio, progress, is_cancelled
        As :class:`NearRepeat` (the seed defaults to 0, so the advice is reproducible); ``progress`` follows
        the permutations.

    Returns
    -------
    AlertSuggestion
        ``radius`` and ``duration`` (None when there is no significant pattern), ``reason`` and ``knox``.
    """
    pts, _ = select_types(incidents, types, type_field=type_field)
    knox = NearRepeat(
        distance_bands=distance_bands,
        time_bands=time_bands,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        min_ratio=min_ratio,
        progress=progress,
        is_cancelled=is_cancelled,
    ).fit(pts, date_field=date_field)
    return AlertSuggestion(knox.suggested_radius, knox.suggested_duration, knox.suggestion, knox)


def alert_radius(
    incidents: gpd.GeoDataFrame,
    *,
    types: Sequence[str] | None = None,
    type_field: str | None = None,
    date_field: str | None = None,
) -> AlertSuggestion:
    """Return the alert radius and duration for ``--radius auto``: :func:`suggest_alert` at :data:`ALERT_MIN_RATIO`.

    The one rule for an automatic alert radius, shared by ``bingeo recipients`` and the QGIS plugin.

    Parameters
    ----------
    incidents : GeoDataFrame
        Past incidents with dates, in a projected CRS.
    types, type_field, date_field : optional
        As :func:`suggest_alert`.

    Returns
    -------
    AlertSuggestion
        ``radius`` is None (with the ``reason``) when no band shows a clearly raised risk.
    """
    return suggest_alert(
        incidents, types=types, type_field=type_field, date_field=date_field, min_ratio=ALERT_MIN_RATIO
    )
