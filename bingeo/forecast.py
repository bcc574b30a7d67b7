"""Where is risk raised next? Prospective hot-spotting (ProMap), forecast scores and a rolling backtest.

ProMap (Bowers, Johnson & Pease 2004, "Prospective hot-spotting: the future of
crime mapping?", *British Journal of Criminology* 44(5), 641-658; Johnson et al.
2009): a burglary raises the risk of burglary nearby for some weeks (the
near-repeat effect, :mod:`bingeo.nearrepeat`). Each recent incident therefore
adds risk to the grid cells around it, less the farther away and the older it is.
The risk of cell ``c`` for the days from the forecast date ``T`` on is::

    risk(c) = sum over incidents i with  T - window <= day_i < T  and  d(i, c) * cell_size <= radius  of
              1 / (1 + d(i, c))  x  1 / (1 + t_i)

``d(i, c)`` is the distance in cells (cell widths) between the centre of the
incident's cell and the centre of ``c`` (0 for its own cell, 1 for the next cell
in a row, 1.414... diagonally), as in ProMap's grid formulation; ``t_i`` is the
incident's age in whole weeks at ``T``: ``(T - day_i - 1) // 7``, so incidents of
the last 7 days count 1, of the week before 1/2, and so on (Bowers et al.'s
``1/(1 + weeks)``).

The bands (``radius`` metres, ``window`` days) come from this data's Knox test
(:func:`bingeo.nearrepeat.suggest_alert` on the incidents of the :data:`KNOX_DAYS`
days before ``T``, significance alone by default, ``min_ratio`` to ask for more):
the suggested radius (the largest distance band of the significant run outwards
from a fresh incident) and duration (the largest time band of the run forward in
time). Without a significant near-repeat pattern the bands are
Bowers et al.'s: :data:`FALLBACK_RADIUS` (400 m) and :data:`FALLBACK_WINDOW_DAYS`
(two months), and the notes say so.

The grid is the hot-spot grid (:class:`bingeo.hotspots.Grid`, cells aligned to
multiples of the cell size, :func:`bingeo.hotspots.auto_cell_size` by default),
over the extent of all the incidents given (or a study area). The highest-risk
cells are the top :data:`AREA_SHARE` of the study area's cells (ties broken by
cell order, north-west first; only cells with a positive risk); the networks whose
area holds them are ranked by the risk they hold: "warn these networks this week".

Forecast scores (:func:`score_cells`), for ``a`` selected cells of ``A`` and the
``N`` incidents of the test period, ``n`` of them in the selected cells:

* hit rate ``n / N``; PAI ``(n / N) / (a / A)`` (Chainey, Tompson & Uhlig 2008);
* PEI ``= PAI / PAI_max = n / n_max`` with ``n_max`` the most incidents any ``a``
  cells held in the test period (the ``a`` cells that were actually hottest;
  Hunt 2016);
* PEI* ``= PAI / PAI*`` where ``PAI* = (n_max / N) / (a* / A)`` and ``a*`` is the
  number of cells those hottest cells needed to hold ``n_max`` (the hottest cells
  with at least one incident; at most ``a``): the efficiency against what a
  forecast of only the cells that had incidents would have reached (White, Hunt &
  Green 2023; the NIJ Real-Time Crime Forecasting Challenge 2017). So
  ``PEI* = PEI x a* / a``: a forecast of more cells than the period had
  incidents is penalised. With every selected cell needed, PEI* equals PEI.

:func:`backtest`: for each of the last ``weeks`` whole weeks of the data, each
method forecasts from the incidents before the week and is scored on the
incidents of the week, at the same area share: ProMap; a plain quartic kernel
density of the last :data:`HISTORY_DAYS` days with the same radius
(:func:`kde_risk`: bingeo density's raw quartic kernel at the cell centres); and
the Gi* z-scores of the last :data:`HISTORY_DAYS` days
(:class:`bingeo.hotspots.GiStar`, 3 x 3 cells), the cells with the highest z.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo._crs import check_same_crs, crs_label, to_crs, to_metric
from bingeo._progress import check_cancelled, report
from bingeo._results import Result, json_safe
from bingeo.errors import CRSError, InputError
from bingeo.hotspots import Grid, auto_cell_size, study_area_geometry

__all__ = [
    "AREA_SHARE",
    "DAYS",
    "FALLBACK_RADIUS",
    "FALLBACK_WINDOW_DAYS",
    "KNOX_DAYS",
    "HISTORY_DAYS",
    "WEEKS",
    "METHODS",
    "Forecast",
    "ForecastScore",
    "Backtest",
    "forecast",
    "backtest",
    "promap_risk",
    "kde_risk",
    "top_cells",
    "score_cells",
    "score_hotspots",
]

log = logging.getLogger(__name__)

#: Share of the study area's cells forecast as highest-risk (and scored).
AREA_SHARE = 0.05
#: Days a forecast is for.
DAYS = 7
#: Bowers, Johnson & Pease (2004)'s bands, used when the Knox test shows no near-repeat pattern: metres, days.
FALLBACK_RADIUS = 400.0
FALLBACK_WINDOW_DAYS = 60
#: Days of incidents before the forecast date that the Knox test is run on.
KNOX_DAYS = 365
#: Days of incidents the kernel density and Gi* baselines of the backtest use.
HISTORY_DAYS = 365
#: Weeks of a rolling backtest.
WEEKS = 52
#: The methods a backtest compares.
METHODS = ("promap", "kde", "gistar")
_KDE_CHUNK = 1 << 18  # (point, window cell) pairs per chunk of kernel density


# ---------------------------------------------------------------------------------------- kernels


def _stencil(cell_size: float, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row/column offsets of the cells within ``radius`` of a cell (centre to centre), and their distance in cells."""
    m = int(math.floor(radius / cell_size)) + 1
    di, dj = np.meshgrid(np.arange(-m, m + 1), np.arange(-m, m + 1), indexing="ij")
    di, dj = di.ravel(), dj.ravel()
    d = np.sqrt((di * di + dj * dj).astype(np.float64))
    keep = d * cell_size <= radius
    return di[keep], dj[keep], d[keep]


def _cell_of(grid: Grid, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    row, col, inside = grid.locate(x, y)
    return row, col, inside


def promap_risk(
    x: Any,
    y: Any,
    days: Any,
    grid: Grid,
    *,
    as_of: int,
    radius: float,
    window_days: int,
) -> np.ndarray:
    """ProMap risk of every cell of ``grid`` at day ``as_of`` (see the module docstring for the formula).

    Parameters
    ----------
    x, y : array-like
        Incident coordinates, in the grid's CRS.
    days : array-like of int
        Incident dates as day numbers (e.g. ``datetime64[D]`` as int); incidents from ``as_of - window_days``
        to ``as_of - 1`` count.
    grid : Grid
        The cells; cells outside its mask get 0.
    as_of : int
        The first day of the forecast, as a day number.
    radius : float
        Distance band, in the grid's units: cells whose centre is at most this far from the centre of the
        incident's cell.
    window_days : int
        Time band, days.

    Returns
    -------
    ndarray of float64, shape ``grid.shape``
        The risk; each cell's terms are added in the order of the incidents.

    Examples
    --------
    >>> from bingeo.hotspots import Grid
    >>> g = Grid(0, 0, 100, 1, 3)
    >>> promap_risk([50, 50], [50, 50], [9, 2], g, as_of=10, radius=100, window_days=30).round(4).tolist()
    [[1.5, 0.75, 0.0]]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    t = np.asarray(days, dtype=np.int64)
    use = (t >= as_of - int(window_days)) & (t < as_of)
    row, col, inside = _cell_of(grid, x[use], y[use])
    age = (as_of - t[use] - 1) // 7
    row, col, tw = row[inside], col[inside], 1.0 / (1.0 + age[inside].astype(np.float64))
    di, dj, d = _stencil(grid.cell_size, radius)
    dw = 1.0 / (1.0 + d)
    r = row[:, None] + di[None, :]
    c = col[:, None] + dj[None, :]
    ok = (r >= 0) & (r < grid.nrows) & (c >= 0) & (c < grid.ncols)
    w = dw[None, :] * tw[:, None]
    # np.bincount adds the weights in array order: per cell, incident after incident
    flat = (r * grid.ncols + c)[ok]
    risk = np.bincount(flat, weights=w[ok], minlength=grid.nrows * grid.ncols).reshape(grid.shape)
    if grid.mask is not None:
        risk = np.where(grid.mask, risk, 0.0)
    return risk


def kde_risk(x: Any, y: Any, grid: Grid, *, radius: float) -> np.ndarray:
    """Quartic kernel density at the centres of ``grid``'s cells: bingeo density's raw kernel, ``(1 - (d/r)²)²``.

    Each point adds ``(1 - (d / radius)**2)**2`` to every cell whose centre is at most ``radius`` from the
    point (``d`` from the point itself, not from its cell), as :func:`bingeo.kernel_density` (``kernel="quartic"``,
    ``output="raw"``) does on its own grid.

    Parameters
    ----------
    x, y : array-like
        Point coordinates, in the grid's CRS.
    grid : Grid
        The cells; cells outside its mask get 0.
    radius : float
        Bandwidth, in the grid's units.

    Returns
    -------
    ndarray of float64, shape ``grid.shape``
        Each cell's terms added in the order of the points.

    Examples
    --------
    >>> from bingeo.hotspots import Grid
    >>> kde_risk([50], [50], Grid(0, 0, 100, 1, 3), radius=200).tolist()
    [[1.0, 0.5625, 0.0]]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    row, col, inside = _cell_of(grid, x, y)
    x, y, row, col = x[inside], y[inside], row[inside], col[inside]
    s = grid.cell_size
    m = int(math.floor(radius / s)) + 1
    off = np.arange(-m, m + 1)
    # the window of each point, on a grid padded by m cells (no bounds checks); x and y apart, then crossed
    width = grid.ncols + 2 * m
    window = off[:, None] * width + off[None, :]
    padded = np.zeros((grid.nrows + 2 * m) * width)
    r2 = radius * radius
    step = max(1, _KDE_CHUNK // (len(off) * len(off)))
    for lo in range(0, len(x), step):  # chunks of points, added in order: per cell, point after point
        cr, cc, px, py = row[lo : lo + step], col[lo : lo + step], x[lo : lo + step], y[lo : lo + step]
        cx = grid.x0 + (cc[:, None] + off[None, :] + 0.5) * s  # (n, 2m + 1): window columns' centres
        cy = grid.y0 + (grid.nrows - (cr[:, None] + off[None, :]) - 0.5) * s  # window rows' centres
        dx = cx - px[:, None]
        dy = cy - py[:, None]
        d2 = (dy * dy)[:, :, None] + (dx * dx)[:, None, :]  # (n, rows, cols) of the window
        ok = d2 <= r2
        base = (cr + m) * width + (cc + m)
        u2 = d2[ok] / r2
        np.add.at(padded, (base[:, None, None] + window[None, :, :])[ok], (1.0 - u2) ** 2)
    risk = padded.reshape(grid.nrows + 2 * m, width)[m : m + grid.nrows, m : m + grid.ncols].copy()
    if grid.mask is not None:
        risk = np.where(grid.mask, risk, 0.0)
    return risk


def top_cells(score: Any, share: float, *, mask: Any = None) -> np.ndarray:
    """Choose the highest-scoring cells covering ``share`` of the study area: a boolean grid.

    ``k = round(share x cells in the study area)`` (at least 1), of the cells with a score above 0, highest
    first; ties are broken by cell order (row by row from the top left).

    Parameters
    ----------
    score : array-like, 2-D
        Risk (or z-score) per cell.
    share : float
        Share of the study area's cells, 0 to 1.
    mask : array-like of bool, optional
        The study area's cells (default: all).

    Returns
    -------
    ndarray of bool
        True for the chosen cells; fewer than ``k`` when fewer cells score above 0.

    Examples
    --------
    >>> top_cells([[3.0, 1.0], [3.0, 0.0]], 0.5).tolist()
    [[True, False], [True, False]]
    """
    score = np.asarray(score, dtype=np.float64)
    inside = np.ones(score.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if not (0.0 < float(share) <= 1.0):
        msg = f"`area_share` must be a share above 0 and at most 1, got {share!r}"
        raise InputError(msg)
    k = max(1, int(math.floor(float(share) * int(inside.sum()) + 0.5)))
    cand = np.flatnonzero((inside & (score > 0)).ravel())
    order = cand[np.argsort(-score.ravel()[cand], kind="stable")][:k]
    out = np.zeros(score.size, dtype=bool)
    out[order] = True
    return out.reshape(score.shape)


# ---------------------------------------------------------------------------------------- scores


@dataclass
class ForecastScore(Result):
    """Hit rate, PAI, PEI and PEI* of chosen cells against the incidents of a test period (:func:`score_cells`).

    Attributes
    ----------
    cells, study_cells : int
        Cells chosen (``a``) and cells in the study area (``A``).
    area_share : float
        ``a / A``.
    incidents, hits : int
        Test-period incidents in the study area (``N``) and in the chosen cells (``n``).
    max_hits : int
        ``n_max``: the most incidents any ``a`` cells held.
    needed_cells : int
        ``a*``: cells among those that hold ``n_max`` with at least one incident.
    hit_rate, pai, pei, pei_star : float or None
        None when undefined (the reason in ``undefined``).
    """

    cells: int
    study_cells: int
    area_share: float
    incidents: int
    hits: int
    max_hits: int
    needed_cells: int
    hit_rate: float | None
    pai: float | None
    pei: float | None
    pei_star: float | None
    undefined: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: the four figures."""

        def show(name: str, fmt: str) -> str:
            v = getattr(self, name)
            return format(v, fmt) if v is not None else f"undefined ({self.undefined.get(name, '')})"

        return (
            f"{self.cells:,} of {self.study_cells:,} cells ({self.area_share:.2%} of the area): "
            f"{self.hits:,} of {self.incidents:,} incidents (hit rate {show('hit_rate', '.1%')}), "
            f"PAI {show('pai', ',.2f')}, PEI {show('pei', '.3f')} ({self.max_hits:,} at most in as many cells), "
            f"PEI* {show('pei_star', '.3f')} (the hottest cells needed {self.needed_cells:,})."
        )


def score_cells(chosen: Any, counts: Any, *, mask: Any = None) -> ForecastScore:
    """Score chosen cells against test-period counts per cell: hit rate, PAI, PEI and PEI*.

    See the module docstring for the formulas. Cells are of equal area, so areas are cell counts.

    Parameters
    ----------
    chosen : array-like of bool, 2-D
        The forecast cells.
    counts : array-like of int, same shape
        Test-period incidents per cell.
    mask : array-like of bool, optional
        The study area's cells (default: all); cells outside count neither as area nor as incidents.

    Returns
    -------
    ForecastScore

    Examples
    --------
    >>> s = score_cells([[True, True, False, False]], [[2, 0, 3, 1]])
    >>> s.hit_rate, s.pai, s.pei, s.pei_star  # the 2 hottest cells held 5: PEI 2/5
    (0.3333333333333333, 0.6666666666666666, 0.4, 0.4)
    >>> s = score_cells([[True, True, False, False]], [[2, 0, 0, 0]])
    >>> s.hit_rate, s.pai, s.pei, s.pei_star  # every incident caught, but one cell would have done
    (1.0, 2.0, 1.0, 0.5)
    """
    chosen = np.asarray(chosen, dtype=bool)
    counts = np.asarray(counts)
    if chosen.shape != counts.shape:
        msg = f"`chosen` has shape {chosen.shape}, `counts` {counts.shape}: give them on the same grid."
        raise InputError(msg)
    inside = np.ones(counts.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    c = counts[inside].astype(np.int64)
    sel = chosen[inside]
    big_a, a = int(inside.sum()), int(sel.sum())
    big_n, n = int(c.sum()), int(c[sel].sum())
    hottest = np.sort(c)[::-1][:a]
    n_max = int(hottest.sum())
    a_star = int((hottest > 0).sum())
    undefined: dict[str, str] = {}
    hit_rate = pai = pei = pei_star = None
    if big_n == 0:
        for k in ("hit_rate", "pai", "pei", "pei_star"):
            undefined[k] = "no incidents in the test period"
    else:
        hit_rate = n / big_n
        if a == 0:
            for k in ("pai", "pei", "pei_star"):
                undefined[k] = "no cells chosen"
        else:
            pai = hit_rate / (a / big_a)
            pei = n / n_max
            pei_star = pei * a_star / a  # = PAI / PAI*, PAI* = (n_max / N) / (a* / A)
    return ForecastScore(
        cells=a,
        study_cells=big_a,
        area_share=a / big_a if big_a else 0.0,
        incidents=big_n,
        hits=n,
        max_hits=n_max,
        needed_cells=a_star,
        hit_rate=hit_rate,
        pai=pai,
        pei=pei,
        pei_star=pei_star,
        undefined=undefined,
    )


def score_hotspots(
    hotspots: Any, test_incidents: gpd.GeoDataFrame, *, area_share: float | None = None
) -> ForecastScore:
    """Score a hot-spot map (:func:`bingeo.find_hotspots`) on the incidents of a later period.

    Parameters
    ----------
    hotspots : HotspotResult
        Hot spots found on the fit period; its grid is the one scored.
    test_incidents : GeoDataFrame
        The incidents of the test period (any CRS; moved to the grid's).
    area_share : float, optional
        Score the cells with the highest Gi* z-scores covering this share of the study area, instead of the
        hot cells.

    Returns
    -------
    ForecastScore
        Hit rate, PAI, PEI and PEI* of the chosen cells (:func:`score_cells`).
    """
    from bingeo.assign import point_xy
    from bingeo.hotspots import count_grid

    grid, gi = hotspots.grid, hotspots.gi
    pts = test_incidents
    if pts.crs is not None and grid.crs is not None and not pts.crs.equals(grid.crs):
        pts = pts.to_crs(grid.crs)
    x, y = point_xy(pts, what="test_incidents")
    counts, _ = count_grid(x, y, grid)
    if area_share is None:
        chosen = np.asarray(gi.hot, dtype=bool)
    else:
        chosen = top_cells(np.where(np.isfinite(gi.z), gi.z, 0.0), area_share, mask=grid.mask)
    return score_cells(chosen, counts, mask=grid.mask)


# ---------------------------------------------------------------------------------------- data


@dataclass
class _Data:
    """The selected incidents as arrays in metres, and the grid."""

    frame: gpd.GeoDataFrame
    x: np.ndarray
    y: np.ndarray
    day: np.ndarray  # day numbers (datetime64[D] as int)
    grid: Grid
    crs: Any
    notes: list[str]


def _prepare(
    incidents: gpd.GeoDataFrame,
    *,
    study_area: Any,
    cell_size: float | None,
    type_field: str | None,
    types: str | Sequence[str] | None,
    date_field: str | None,
) -> _Data:
    from bingeo.assign import point_xy
    from bingeo.hotspots import select_incidents
    from bingeo.incidents import incident_days

    if not isinstance(incidents, gpd.GeoDataFrame):
        msg = f"`incidents` should be a GeoDataFrame, got {type(incidents).__name__}"
        raise TypeError(msg)
    if incidents.crs is None:
        msg = "Cannot transform naive geometries. Please set a crs on the object first."
        raise CRSError(msg)
    crs = to_crs(incidents.crs, what="the CRS of `incidents`")
    notes: list[str] = []
    area_geom = study_area_geometry(study_area, crs)
    work = incidents
    if crs.is_geographic:
        work, note = to_metric(incidents, what="the incidents")
        notes.append(f"{note}; cells are given in {crs_label(crs)}")
        if area_geom is not None:
            area_geom = gpd.GeoSeries([area_geom], crs=crs).to_crs(work.crs).iloc[0]
    sel, sel_notes = select_incidents(work, type_field=type_field, types=types, date_field=date_field)
    notes.extend(sel_notes)
    days = incident_days(sel, date_field=date_field)
    x, y = point_xy(sel, what="incidents")
    ok = np.isfinite(x) & np.isfinite(y) & days.notna().to_numpy()
    if not ok.all():
        notes.append(f"{int((~ok).sum()):,} incidents without a location or a date left out.")
    if not ok.any():
        msg = "no incident has both a location and a date: check the input and its rejects"
        raise InputError(msg)
    sel, x, y = sel[ok], x[ok], y[ok]
    day = days.to_numpy()[ok].astype("datetime64[D]").astype(np.int64)
    if cell_size is None:
        cell_size, why = auto_cell_size(np.column_stack([x, y]), area=None if area_geom is None else area_geom.area)
        notes.append(why)
    else:
        if not (isinstance(cell_size, (int, float, np.number)) and np.isfinite(cell_size) and cell_size > 0):
            msg = f"`cell_size` must be a positive number of metres, got {cell_size!r}"
            raise InputError(msg)
        cell_size = float(cell_size)
        notes.append(f"Cell size {cell_size:g} (given).")
    from bingeo.hotspots import MAX_CELLS

    bounds = area_geom.bounds if area_geom is not None else (x.min(), y.min(), x.max(), y.max())
    approx = (math.floor((bounds[2] - bounds[0]) / cell_size) + 2) * (
        math.floor((bounds[3] - bounds[1]) / cell_size) + 2
    )
    if approx > MAX_CELLS:
        msg = (
            f"a {cell_size:g} m grid over this extent would have about {approx:,} cells, more than {MAX_CELLS:,}. "
            "Give a larger `cell_size` or a `study_area`."
        )
        raise InputError(msg)
    if area_geom is not None:
        grid = Grid.from_study_area(area_geom, cell_size, work.crs)
    else:
        grid = Grid.from_extent(bounds, cell_size, work.crs)
    notes.append(f"Grid {grid.nrows:,} x {grid.ncols:,} cells of {cell_size:g} m, {grid.n_cells:,} in the study area.")
    return _Data(sel, x, y, day, grid, crs, notes)


def _day(value: Any, name: str) -> int:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        msg = f"`{name}` must be a date (YYYY-MM-DD), got {value!r}"
        raise InputError(msg) from None
    if ts is pd.NaT:
        msg = f"`{name}` must be a date (YYYY-MM-DD), got {value!r}"
        raise InputError(msg)
    return int(np.datetime64(ts.date(), "D").astype(np.int64))


def _date(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


def _bands(
    data: _Data,
    as_of: int,
    *,
    radius: float | None,
    window_days: int | None,
    date_field: str | None,
    permutations: int,
    seed: int | None,
    min_ratio: float,
) -> tuple[float, int, str, str]:
    """Return the distance and time band: given, from the Knox test before ``as_of``, or the fallback."""
    if radius is not None and window_days is not None:
        return float(radius), int(window_days), f"Bands given: {float(radius):g} m, {int(window_days)} days.", "given"
    from bingeo.nearrepeat import suggest_alert

    use = (data.day >= as_of - KNOX_DAYS) & (data.day < as_of)
    fallback = f"Bowers, Johnson & Pease (2004)'s bands instead: {FALLBACK_RADIUS:g} m, {FALLBACK_WINDOW_DAYS} days"
    got_r, got_t, source = FALLBACK_RADIUS, FALLBACK_WINDOW_DAYS, "fallback"
    if int(use.sum()) < 2:
        why = f"Knox test not run: fewer than 2 incidents in the {KNOX_DAYS} days before {_date(as_of)}; {fallback}."
    else:
        try:
            advice = suggest_alert(
                data.frame[use], date_field=date_field, permutations=permutations, seed=seed, min_ratio=min_ratio
            )
        except InputError as exc:
            advice = None
            why = f"Knox test failed ({exc}); {fallback}."
        if advice is not None and advice.radius is not None and advice.duration is not None:
            got_r, got_t, source = float(advice.radius), int(round(advice.duration)), "knox"
            why = (
                f"Bands from the Knox test on the {int(use.sum()):,} incidents of the {KNOX_DAYS} days before "
                f"{_date(as_of)}: {got_r:g} m, {got_t} days ({advice.reason})"
            )
        elif advice is not None:
            why = f"Knox test on {int(use.sum()):,} incidents: {advice.reason} {fallback}."
    if radius is not None:
        got_r = float(radius)
        why += f" Radius given: {got_r:g} m."
    if window_days is not None:
        got_t = int(window_days)
        why += f" Window given: {got_t} days."
    return got_r, got_t, why, source


# ---------------------------------------------------------------------------------------- forecast


@dataclass
class Forecast(Result):
    """A ProMap forecast (:func:`forecast`).

    Attributes
    ----------
    risk : ndarray
        Risk per cell, ``grid.shape``, row 0 at the top.
    top : ndarray of bool
        The highest-risk cells (:func:`top_cells` at ``area_share``).
    grid : Grid
        The cells (in metres).
    cells : GeoDataFrame
        The cells with a risk above 0: ``row, col, risk, rank, top, network_id`` (the network overlapping the
        cell most, "" for none), in the incidents' CRS.
    networks : DataFrame
        Networks holding top cells, most risk first: ``network_id, top_cells, top_area_m2, risk, rank``.
    as_of : datetime.date
        First day of the forecast; ``days`` its length.
    radius, window_days : float, int
        The bands; ``bands`` says where they come from, ``band_source`` in one word: "knox", "fallback" or
        "given".
    incidents : int
        Incidents that raised the risk (in the window).
    """

    risk: np.ndarray
    top: np.ndarray
    grid: Grid
    cells: gpd.GeoDataFrame
    networks: pd.DataFrame
    as_of: dt.date
    days: int
    area_share: float
    radius: float
    window_days: int
    bands: str
    band_source: str
    incidents: int
    crs: Any = None
    notes: list[str] = field(default_factory=list)

    @property
    def transform(self) -> Any:
        """Cell (row, col) to map coordinates of its top-left corner (an ``affine.Affine``, as density's)."""
        from affine import Affine

        g = self.grid
        return Affine(g.cell_size, 0.0, g.x0, 0.0, -g.cell_size, g.y0 + g.nrows * g.cell_size)

    def summary(self) -> str:
        """Return the bands, the top cells and the networks to warn."""
        end = self.as_of + dt.timedelta(days=self.days - 1)
        lines = [
            f"ProMap forecast for {self.as_of} to {end}: {self.incidents:,} incidents of the last "
            f"{self.window_days} days raise the risk within {self.radius:g} m.",
            self.bands,
            f"Highest risk: {int(self.top.sum()):,} cells ({self.area_share:.0%} of the study area's cells).",
        ]
        if len(self.networks):
            lines.append(f"Warn these networks ({len(self.networks)}), most risk first:")
            for r in self.networks.head(20).itertuples():
                lines.append(
                    f"  {r.rank:>3}. {r.network_id}: {r.top_cells} top cells, {r.top_area_m2 / 1e4:,.1f} ha, "
                    f"risk {r.risk:.3g}"
                )
            if len(self.networks) > 20:
                lines.append(f"  ... and {len(self.networks) - 20} more (see the networks layer).")
        else:
            lines.append("No network holds any of the highest-risk cells.")
        return "\n".join(lines + [f"note: {n}" for n in self.notes])

    def as_dict(self) -> dict[str, Any]:
        """Return the options, bands and ranked networks (JSON-safe)."""
        return json_safe(
            {
                "as_of": self.as_of,
                "days": self.days,
                "area_share": self.area_share,
                "radius_m": self.radius,
                "window_days": self.window_days,
                "bands": self.bands,
                "incidents": self.incidents,
                "cell_size": self.grid.cell_size,
                "top_cells": int(self.top.sum()),
                "networks": self.networks.to_dict(orient="records"),
                "notes": self.notes,
            }
        )

    def write(self, path: str | Path) -> Path:
        """Write the forecast: a GeoPackage (layers ``cells`` and ``networks``) or a GeoTIFF of the risk.

        Parameters
        ----------
        path : str or Path
            ``.gpkg`` or ``.tif``.

        Returns
        -------
        Path
        """
        from bingeo.readers.write import replacing, write_table

        out = Path(path)
        suffix = out.suffix.lower()
        if suffix == ".gpkg":
            with replacing(out) as tmp:
                write_table(self.cells, tmp, layer="cells", geometry_type="Polygon")
                write_table(pd.DataFrame(self.networks), tmp, layer="networks")
            return out
        if suffix in (".tif", ".tiff"):
            import rasterio
            from rasterio.crs import CRS as RioCRS

            from bingeo.density import NODATA

            data = self.risk.astype("float32")
            if self.grid.mask is not None:
                data = np.where(self.grid.mask, data, np.float32(NODATA))
            profile: dict[str, Any] = {
                "driver": "GTiff",
                "width": self.grid.ncols,
                "height": self.grid.nrows,
                "count": 1,
                "dtype": "float32",
                "nodata": NODATA,
                "crs": RioCRS.from_wkt(self.grid.crs.to_wkt()),
                "transform": self.transform,
            }
            with replacing(out) as tmp, rasterio.open(tmp, "w", **profile) as ds:
                ds.write(data, 1)
            return out
        msg = f"the forecast output is a GeoPackage (.gpkg) or a GeoTIFF (.tif), got {out.name!r}"
        raise InputError(msg)


def _overlaps(cells: np.ndarray, networks: gpd.GeoDataFrame) -> tuple[np.ndarray, ...]:
    """Every (cell, network) pair that shares area, with the area shared, and the networks' ids.

    A cell inside a network (``contains_properly``, prepared) shares its whole area; only cells on a boundary
    are intersected.
    """
    polys = np.asarray(networks.geometry.to_numpy(), dtype=object)
    good = ~(shapely.is_missing(polys) | shapely.is_empty(polys))
    polys, nids = polys[good], networks["network_id"].astype(str).to_numpy()[good]
    ci, ni = shapely.STRtree(polys).query(cells, predicate="intersects")
    over = shapely.area(cells[ci])
    shapely.prepare(polys)
    edge = ~shapely.contains_properly(polys[ni], cells[ci])
    over[edge] = shapely.area(shapely.intersection(cells[ci[edge]], polys[ni[edge]]))
    keep = over > 0
    return ci[keep], ni[keep], over[keep], nids


def _network_ranking(grid: Grid, risk: np.ndarray, top: np.ndarray, networks: gpd.GeoDataFrame | None) -> Any:
    """Networks holding top cells, ranked by the risk they hold (each cell's risk shared by overlap area)."""
    cols = ["network_id", "top_cells", "top_area_m2", "risk", "rank"]
    r, c = np.nonzero(top)
    if networks is None or not len(networks) or not len(r):
        return pd.DataFrame({k: [] for k in cols})
    ci, ni, over, nids = _overlaps(grid.cell_polygons(r, c), networks)
    share = over / (grid.cell_size * grid.cell_size)
    frame = pd.DataFrame({"network_id": nids[ni], "cell": ci, "area": over, "risk": risk[r[ci], c[ci]] * share})
    agg = frame.groupby("network_id", sort=True).agg(
        top_cells=("cell", "nunique"), top_area_m2=("area", "sum"), risk=("risk", "sum")
    )
    agg = agg.reset_index().sort_values(["risk", "network_id"], ascending=[False, True], kind="stable")
    agg["rank"] = np.arange(1, len(agg) + 1, dtype=np.int64)
    return agg.reset_index(drop=True)[cols]


def _cell_networks(cells: np.ndarray, networks: gpd.GeoDataFrame | None) -> np.ndarray:
    """Return the network overlapping each cell most ("" for none; ties: the smaller id)."""
    ids = np.full(len(cells), "", dtype=object)
    if networks is None or not len(cells) or not len(networks):
        return ids
    ci, ni, over, nids = _overlaps(cells, networks)
    if len(ci):
        order = np.lexsort((nids[ni], -over, ci))
        ci, ni = ci[order], ni[order]
        first = np.r_[True, ci[1:] != ci[:-1]]
        ids[ci[first]] = nids[ni[first]]
    return ids


def forecast(
    incidents: gpd.GeoDataFrame,
    *,
    networks: gpd.GeoDataFrame | None = None,
    as_of: dt.date | str | None = None,
    days: int = DAYS,
    area_share: float = AREA_SHARE,
    cell_size: float | None = None,
    radius: float | None = None,
    window_days: int | None = None,
    study_area: Any = None,
    type_field: str | None = None,
    types: str | Sequence[str] | None = None,
    date_field: str | None = None,
    permutations: int | None = None,
    seed: int | None = None,
    min_ratio: float | None = None,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> Forecast:
    """Forecast where risk is raised in the next ``days`` (ProMap) and which networks to warn.

    Parameters
    ----------
    incidents : GeoDataFrame
        Past incidents with dates (any CRS; a geographic one is worked in the place's national grid).
    networks : GeoDataFrame, optional
        Active networks (``network_id``), same CRS: ranked by the risk their area holds.
    as_of : date or str, optional
        First day of the forecast (default: the day after the last incident). Incidents from this day on
        are not used.
    days : int
        Length of the forecast, days (the risk is that of ``as_of``; the output says the period).
    area_share : float
        Share of the study area's cells that are "highest risk" (default :data:`AREA_SHARE`).
    cell_size : float, optional
        Cell side in metres (default: :func:`bingeo.hotspots.auto_cell_size`, as ``hotspots``).
    radius, window_days : optional
        The bands; default from the Knox test (see the module docstring), else the fallback.
    study_area : optional
        Polygons: the cells whose centre lies in it (as ``hotspots``).
    type_field, types, date_field : optional
        Which incidents, and their date column (as ``hotspots``).
    permutations, seed, min_ratio : optional
        Of the Knox test (default :data:`bingeo.nearrepeat.PERMUTATIONS`, seed
        :data:`bingeo.nearrepeat.SEED`, :data:`bingeo.nearrepeat.MIN_RATIO`: significance alone).
    progress, is_cancelled : optional
        Progress (0 to 1) and cancellation callbacks.

    Returns
    -------
    Forecast

    Examples
    --------
    >>> import bingeo
    >>> pts = bingeo.read_points("data/samples/incidents.csv", crs=28992,
    ...                          extent=(225000, 575000, 240000, 590000)).points
    >>> f = forecast(pts, as_of="2024-06-01", cell_size=100, radius=400, window_days=60)
    >>> f.radius, f.window_days, int(f.top.sum()) > 0
    (400.0, 60, True)
    """
    from bingeo.nearrepeat import MIN_RATIO, PERMUTATIONS, SEED

    if not isinstance(days, (int, np.integer)) or isinstance(days, bool) or not (1 <= int(days) <= 366):
        msg = f"`days` must be a whole number of days from 1 to 366, got {days!r}"
        raise InputError(msg)
    data = _prepare(
        incidents, study_area=study_area, cell_size=cell_size, type_field=type_field, types=types, date_field=date_field
    )
    crs = data.crs
    if networks is not None:
        check_same_crs(networks.crs, crs, left="networks", right="incidents")
        if "network_id" not in networks.columns:
            msg = f"`networks` needs a 'network_id' column; it has: {', '.join(map(str, networks.columns))}"
            raise InputError(msg)
        if crs.is_geographic:
            networks = networks.to_crs(data.grid.crs)
    report(progress, 0.1)
    start = int(data.day.max()) + 1 if as_of is None else _day(as_of, "as_of")
    r, w, why, source = _bands(
        data,
        start,
        radius=radius,
        window_days=window_days,
        date_field=date_field,
        permutations=PERMUTATIONS if permutations is None else permutations,
        seed=SEED if seed is None else seed,
        min_ratio=MIN_RATIO if min_ratio is None else float(min_ratio),
    )
    check_cancelled(is_cancelled, "the forecast")
    report(progress, 0.6)
    risk = promap_risk(data.x, data.y, data.day, data.grid, as_of=start, radius=r, window_days=w)
    n_used = int(((data.day >= start - w) & (data.day < start)).sum())
    notes = list(data.notes)
    if n_used == 0:
        notes.append(
            f"No incident in the {w} days before {_date(start)}: the risk is 0 everywhere and no cell is chosen. "
            "Check `as_of` against the dates of the incidents."
        )
    if days > w:
        notes.append(f"The forecast ({days} days) is longer than the near-repeat window ({w} days).")
    top = top_cells(risk, area_share, mask=data.grid.mask) if n_used else np.zeros(risk.shape, dtype=bool)
    rr, cc = np.nonzero(risk > 0)
    order = np.lexsort((cc, rr, -risk[rr, cc]))
    rr, cc = rr[order], cc[order]
    polys = data.grid.cell_polygons(rr, cc)
    cells = gpd.GeoDataFrame(
        {
            "row": rr.astype(np.int32),
            "col": cc.astype(np.int32),
            "risk": risk[rr, cc],
            "rank": np.arange(1, len(rr) + 1, dtype=np.int64),
            "top": top[rr, cc],
            "network_id": _cell_networks(polys, networks),
        },
        geometry=polys,
        crs=data.grid.crs,
    )
    ranking = _network_ranking(data.grid, risk, top, networks)
    if crs.is_geographic:
        cells = cells.to_crs(crs)
    report(progress, 1.0)
    for n in [why, *notes]:
        log.info("%s", n)
    return Forecast(
        risk=risk,
        top=top,
        grid=data.grid,
        cells=cells,
        networks=ranking,
        as_of=_date(start),
        days=int(days),
        area_share=float(area_share),
        radius=r,
        window_days=w,
        bands=why,
        band_source=source,
        incidents=n_used,
        crs=crs,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------- backtest


@dataclass
class Backtest(Result):
    """A rolling weekly backtest (:func:`backtest`).

    Attributes
    ----------
    table : DataFrame
        One row per week and method: ``week_start, method, incidents, cells, area_share, hits, max_hits,
        needed_cells, hit_rate, pai, pei, pei_star``.
    means : DataFrame
        Per method, the mean of ``area_share, hit_rate, pai, pei, pei_star`` over the weeks where it is defined
        (a method may choose fewer cells than the share: only cells scoring above 0).
    winner : str
        The method with the highest mean PEI: the most hits against the most possible in as many cells, fair
        also to a method that chose fewer cells (whose PAI, over a smaller area, is not comparable).
    best_pai : str
        The method with the highest mean PAI.
    """

    table: pd.DataFrame
    means: pd.DataFrame
    winner: str
    best_pai: str
    radius: float
    window_days: int
    bands: str
    area_share: float
    history_days: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the mean figures per method and the winner."""
        lines = [
            f"Backtest over {self.table['week_start'].nunique()} weeks at {self.area_share:.0%} of the area: "
            f"ProMap ({self.radius:g} m, {self.window_days} days), kernel density and Gi* of the last "
            f"{self.history_days} days.",
            self.bands,
            f"{'method':<8} {'area':>6} {'hit rate':>9} {'PAI':>7} {'PEI':>7} {'PEI*':>7}",
        ]
        for r in self.means.itertuples():
            lines.append(
                f"{r.method:<8} {r.area_share:>6.2%} {r.hit_rate:>9.1%} {r.pai:>7.2f} {r.pei:>7.3f} {r.pei_star:>7.3f}"
            )
        lines.append(
            f"Best mean PEI (hits against the most possible in as many cells): {self.winner}; "
            f"best mean PAI: {self.best_pai}."
        )
        small = self.means[self.means["area_share"] < 0.99 * self.area_share]["method"].tolist()
        if small:
            lines.append(
                f"{', '.join(small)} chose fewer cells than {self.area_share:.0%} of the area (only cells scoring "
                "above 0): a PAI over a smaller area is not comparable; PEI is."
            )
        return "\n".join(lines + [f"note: {n}" for n in self.notes])

    def as_dict(self) -> dict[str, Any]:
        """Return the means, winner and bands (JSON-safe), and the weekly rows."""
        return json_safe(
            {
                "winner": self.winner,
                "best_pai": self.best_pai,
                "means": self.means.to_dict(orient="records"),
                "weeks": self.table.to_dict(orient="records"),
                "radius_m": self.radius,
                "window_days": self.window_days,
                "bands": self.bands,
                "area_share": self.area_share,
                "history_days": self.history_days,
                "notes": self.notes,
            }
        )


def backtest(
    incidents: gpd.GeoDataFrame,
    *,
    weeks: int = WEEKS,
    end: dt.date | str | None = None,
    area_share: float = AREA_SHARE,
    history_days: int = HISTORY_DAYS,
    cell_size: float | None = None,
    radius: float | None = None,
    window_days: int | None = None,
    study_area: Any = None,
    type_field: str | None = None,
    types: str | Sequence[str] | None = None,
    date_field: str | None = None,
    permutations: int | None = None,
    seed: int | None = None,
    min_ratio: float | None = None,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> Backtest:
    """Backtest weekly, rolling: ProMap, kernel density and last period's Gi* at the same area share.

    The weeks are the last ``weeks`` whole weeks up to ``end`` (default: the last incident's day). Each
    week every method forecasts from the incidents before the week only; the bands come from one Knox test
    on the :data:`KNOX_DAYS` days before the first week (no peeking). Scores: :func:`score_cells`.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incidents with dates.
    weeks : int
        Number of weeks, 1 to 520.
    end : date or str, optional
        Last day of the last week.
    area_share, cell_size, radius, window_days, study_area, type_field, types, date_field, permutations, seed, min_ratio
        As :func:`forecast`.
    history_days : int
        Days of incidents the kernel density and Gi* use.
    progress, is_cancelled : optional
        Callbacks.

    Returns
    -------
    Backtest
    """
    from bingeo.hotspots import GiStar
    from bingeo.nearrepeat import MIN_RATIO, PERMUTATIONS, SEED

    if not isinstance(weeks, (int, np.integer)) or isinstance(weeks, bool) or not (1 <= int(weeks) <= 520):
        msg = f"`weeks` must be a whole number from 1 to 520, got {weeks!r}"
        raise InputError(msg)
    if not isinstance(history_days, (int, np.integer)) or not (1 <= int(history_days) <= 3660):
        msg = f"`history_days` must be a whole number of days from 1 to 3660, got {history_days!r}"
        raise InputError(msg)
    data = _prepare(
        incidents, study_area=study_area, cell_size=cell_size, type_field=type_field, types=types, date_field=date_field
    )
    last = int(data.day.max()) if end is None else _day(end, "end")
    first = last + 1 - 7 * int(weeks)
    if first <= int(data.day.min()):
        msg = (
            f"{weeks} weeks up to {_date(last)} start on {_date(first)}, not after the first incident "
            f"({_date(int(data.day.min()))}): there is nothing to forecast the first week from. Give fewer `weeks`."
        )
        raise InputError(msg)
    r, w, why, _ = _bands(
        data,
        first,
        radius=radius,
        window_days=window_days,
        date_field=date_field,
        permutations=PERMUTATIONS if permutations is None else permutations,
        seed=SEED if seed is None else seed,
        min_ratio=MIN_RATIO if min_ratio is None else float(min_ratio),
    )
    report(progress, 0.3)
    grid = data.grid
    row, col, inside = grid.locate(data.x, data.y)
    if grid.mask is not None:
        inside &= grid.mask[row, col]
    flat = row * grid.ncols + col
    gi = GiStar()
    rows: list[dict[str, Any]] = []
    order = np.argsort(data.day, kind="stable")
    sday = data.day[order]
    for i in range(int(weeks)):
        check_cancelled(is_cancelled, "the backtest")
        s = first + 7 * i
        lo, hi = np.searchsorted(sday, [s, s + 7])
        test = order[lo:hi]
        test = test[inside[test]]
        counts = np.bincount(flat[test], minlength=grid.nrows * grid.ncols).reshape(grid.shape)
        h0 = np.searchsorted(sday, s - int(history_days))
        hist = order[h0:lo]
        scores = {
            "promap": promap_risk(data.x, data.y, data.day, grid, as_of=s, radius=r, window_days=w),
            "kde": kde_risk(data.x[hist], data.y[hist], grid, radius=r),
        }
        hist_in = hist[inside[hist]]
        hcounts = np.bincount(flat[hist_in], minlength=grid.nrows * grid.ncols).reshape(grid.shape)
        gi.fit(hcounts, grid.mask, cell_size=grid.cell_size)
        scores["gistar"] = np.where(np.isfinite(gi.z), gi.z, 0.0)
        for method in METHODS:
            sc = score_cells(top_cells(scores[method], area_share, mask=grid.mask), counts, mask=grid.mask)
            rows.append(
                {
                    "week_start": _date(s),
                    "method": method,
                    "incidents": sc.incidents,
                    "cells": sc.cells,
                    "area_share": sc.area_share,
                    "hits": sc.hits,
                    "max_hits": sc.max_hits,
                    "needed_cells": sc.needed_cells,
                    "hit_rate": sc.hit_rate,
                    "pai": sc.pai,
                    "pei": sc.pei,
                    "pei_star": sc.pei_star,
                }
            )
        report(progress, 0.3 + 0.7 * (i + 1) / int(weeks))
    table = pd.DataFrame(rows)
    figures = ["area_share", "hit_rate", "pai", "pei", "pei_star"]
    means = (
        table.astype({k: "float64" for k in figures})
        .groupby("method", sort=False)[figures]
        .mean()
        .reindex(list(METHODS))
        .reset_index()
    )
    winner = str(means.sort_values("pei", ascending=False, kind="stable")["method"].iloc[0])
    best_pai = str(means.sort_values("pai", ascending=False, kind="stable")["method"].iloc[0])
    notes = list(data.notes)
    empty = int((table[table["method"] == METHODS[0]]["incidents"] == 0).sum())
    if empty:
        notes.append(f"{empty} of {weeks} weeks had no incident: their figures are undefined and not in the means.")
    return Backtest(
        table=table,
        means=means,
        winner=winner,
        best_pai=best_pai,
        radius=r,
        window_days=w,
        bands=why,
        area_share=float(area_share),
        history_days=int(history_days),
        notes=notes,
    )
