"""Hot spots: incidents counted on a square grid, Getis-Ord Gi* with FDR, hot-spot polygons.

The chain is

1. :class:`Grid` over the study area (``Grid.from_extent`` or ``Grid.from_study_area``),
   with a cell size from :func:`auto_cell_size` unless one is given;
2. :func:`count_grid`: incidents per cell (cells without incidents count, as zeros);
3. :class:`GiStar`: Getis-Ord Gi* z-scores and p-values on the grid, computed with
   summed-area tables (no neighbour lists, no PySAL), and significance after
   Benjamini-Hochberg (:func:`benjamini_hochberg`);
4. :func:`find_hotspots`: all of the above on a GeoDataFrame of incidents, plus
   contiguous hot cells dissolved into hot-spot polygons with their incidents,
   addresses and coverage by the networks.
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
import pyproj
import shapely
from scipy import ndimage, special

from bingeo._crs import CRSLike, check_same_crs, crs_label, to_crs, to_metric
from bingeo._results import Result, json_safe
from bingeo.aoristic import MAX_WINDOW, Windows, count_long, period_shares
from bingeo.assign import point_xy
from bingeo.errors import CRSError, InputError
from bingeo.incidents import period, read_incident_dates

__all__ = [
    "MIN_CELL_HOUSEHOLDS",
    "Grid",
    "GiStar",
    "HotspotResult",
    "auto_cell_size",
    "count_grid",
    "benjamini_hochberg",
    "find_hotspots",
    "select_incidents",
    "study_area_geometry",
    "window_sum",
    "ALPHA",
    "RINGS",
    "MIN_COVERAGE",
    "MAX_CELLS",
    "MAX_CELLS_PER_SIDE",
    "MIN_CELLS_PER_SIDE",
    "NICE_STEPS",
]

log = logging.getLogger(__name__)

#: Default neighbourhood: the cell and this many rings of cells around it.
RINGS = 1
#: Default significance level (false discovery rate with ``fdr=True``).
ALPHA = 0.05
#: Default ``min_coverage``: a hot spot with a smaller share of its incidents inside networks is uncovered.
MIN_COVERAGE = 0.5
#: Largest grid :func:`find_hotspots` builds (cells, study area or not); beyond it, give a larger ``cell_size``.
MAX_CELLS = 16_000_000
#: :func:`auto_cell_size` never makes more cells than this along the longer side of the extent.
MAX_CELLS_PER_SIDE = 1000
#: :func:`auto_cell_size` makes at least this many cells along the longer side of the extent.
MIN_CELLS_PER_SIDE = 10
#: Mantissas of the "nice" cell sizes, times a power of ten (..., 50, 75, 100, 150, 200, 250, 300, 400, 500, ...).
NICE_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5)
#: Cell size used when the incidents are at fewer than two distinct locations (nothing to measure).
FALLBACK_CELL_SIZE = 100.0
#: With ``per`` (rates per 1,000 households): cells with fewer households than this are left out of the analysis.
MIN_CELL_HOUSEHOLDS = 10.0


# ---------------------------------------------------------------------------------------- grid


@dataclass(eq=False)
class Grid:
    """A regular grid of square cells, numbered like a raster.

    Row 0 is the **top** row (largest y) and column 0 the left column (smallest x),
    as in a raster image. ``x0, y0`` is the **lower-left corner of the whole grid**
    (the bottom-left corner of cell ``(nrows - 1, 0)``), so the grid covers
    ``[x0, x0 + ncols * cell_size) x [y0, y0 + nrows * cell_size)``.

    Cells are half-open: a point on the line between two cells belongs to the cell
    to its right (larger x) and the cell above it (larger y).

    Parameters
    ----------
    x0, y0 : float
        Lower-left corner of the grid, in CRS units.
    cell_size : float
        Side of a cell, in CRS units (metres in a projected CRS).
    nrows, ncols : int
        Number of rows and columns.
    crs : pyproj.CRS or None
        CRS of the coordinates.
    mask : ndarray of bool, shape (nrows, ncols), optional
        Cells that belong to the study area; ``None`` means all of them.

    Examples
    --------
    >>> from bingeo.hotspots import Grid
    >>> g = Grid.from_extent((10, 10, 290, 190), 100, crs=28992)
    >>> (g.x0, g.y0, g.nrows, g.ncols)
    (0.0, 0.0, 2, 3)
    >>> g.locate([10, 250, 500], [150, 20, 0])
    (array([0, 1, 0]), array([0, 2, 0]), array([ True,  True, False]))
    >>> g.cell_polygons([0], [0])[0].bounds
    (0.0, 100.0, 100.0, 200.0)
    """

    x0: float
    y0: float
    cell_size: float
    nrows: int
    ncols: int
    crs: pyproj.CRS | None = None
    mask: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Check the numbers and the mask."""
        if not (np.isfinite(self.cell_size) and self.cell_size > 0):
            msg = f"`cell_size` must be a positive number, got {self.cell_size!r}"
            raise InputError(msg)
        if int(self.nrows) < 1 or int(self.ncols) < 1:
            msg = f"a grid needs at least one row and one column, got {self.nrows} x {self.ncols}"
            raise InputError(msg)
        self.x0, self.y0, self.cell_size = float(self.x0), float(self.y0), float(self.cell_size)
        self.nrows, self.ncols = int(self.nrows), int(self.ncols)
        if self.crs is not None and not isinstance(self.crs, pyproj.CRS):
            self.crs = to_crs(self.crs)
        if self.mask is not None:
            self.mask = np.asarray(self.mask, dtype=bool)
            if self.mask.shape != self.shape:
                msg = f"`mask` has shape {self.mask.shape}, the grid {self.shape}"
                raise ValueError(msg)

    @property
    def shape(self) -> tuple[int, int]:
        """``(nrows, ncols)``."""
        return (self.nrows, self.ncols)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the whole grid."""
        return (
            self.x0,
            self.y0,
            self.x0 + self.ncols * self.cell_size,
            self.y0 + self.nrows * self.cell_size,
        )

    @property
    def n_cells(self) -> int:
        """Number of cells in the study area (all cells without a mask)."""
        return int(self.mask.sum()) if self.mask is not None else self.nrows * self.ncols

    @classmethod
    def from_extent(cls, bounds: Sequence[float], cell_size: float, crs: CRSLike | None = None) -> Grid:
        """Whole cells covering an extent, aligned to multiples of the cell size.

        The lower-left corner is ``bounds`` rounded down to a multiple of
        ``cell_size`` (so grids with the same cell size line up, whatever the data),
        and there are enough rows and columns that every point of the extent,
        including its right and top edge, lies inside a cell.

        Parameters
        ----------
        bounds : (minx, miny, maxx, maxy)
            The extent, e.g. ``GeoDataFrame.total_bounds``.
        cell_size : float
            Side of a cell.
        crs : CRS-like, optional
            CRS of the coordinates.

        Returns
        -------
        Grid
            Without a mask: every cell is in the study area.
        """
        minx, miny, maxx, maxy = (float(v) for v in bounds)
        if not all(np.isfinite([minx, miny, maxx, maxy])) or maxx < minx or maxy < miny:
            msg = f"`bounds` must be finite (minx, miny, maxx, maxy) with min <= max, got {tuple(bounds)!r}"
            raise InputError(msg)
        if not (np.isfinite(cell_size) and cell_size > 0):
            msg = f"`cell_size` must be a positive number, got {cell_size!r}"
            raise InputError(msg)
        s = float(cell_size)
        x0 = math.floor(minx / s) * s
        y0 = math.floor(miny / s) * s
        ncols = int(math.floor((maxx - x0) / s)) + 1
        nrows = int(math.floor((maxy - y0) / s)) + 1
        return cls(x0, y0, s, nrows, ncols, to_crs(crs) if crs is not None else None)

    @classmethod
    def from_study_area(cls, geom: Any, cell_size: float, crs: CRSLike | None = None) -> Grid:
        """Make a grid over a study-area polygon, with the cells whose centre lies in it.

        The grid is :meth:`from_extent` of the polygon's bounds. A cell belongs to the
        study area when its **centre** lies in the polygon or on its boundary; the
        others are left out of the analysis (:attr:`mask` is ``False``): they hold no
        value and are nobody's neighbour. Incidents in a left-out cell are not counted.

        Parameters
        ----------
        geom : shapely geometry, GeoSeries or GeoDataFrame
            The study area (polygons; several are merged).
        cell_size : float
            Side of a cell.
        crs : CRS-like, optional
            CRS of the coordinates (taken from a GeoSeries/GeoDataFrame otherwise).

        Returns
        -------
        Grid
            With :attr:`mask` set.
        """
        if isinstance(geom, (gpd.GeoDataFrame, gpd.GeoSeries)):
            if crs is None:
                crs = geom.crs
            geom = shapely.union_all(
                geom.geometry.to_numpy() if isinstance(geom, gpd.GeoDataFrame) else geom.to_numpy()
            )
        if not isinstance(geom, shapely.Geometry) or geom.is_empty:
            msg = f"the study area must be a non-empty (multi)polygon, got {type(geom).__name__}"
            raise InputError(msg)
        if shapely.get_dimensions(geom) != 2:
            msg = f"the study area must be polygons, got a {geom.geom_type}"
            raise InputError(msg)
        grid = cls.from_extent(geom.bounds, cell_size, crs)
        cx, cy = grid.centres()
        shapely.prepare(geom)
        grid.mask = shapely.intersects_xy(geom, cx, cy)
        return grid

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell centres as two ``(nrows, ncols)`` arrays ``(x, y)``."""
        s = self.cell_size
        xs = self.x0 + (np.arange(self.ncols) + 0.5) * s
        ys = self.y0 + (self.nrows - np.arange(self.nrows) - 0.5) * s
        return np.broadcast_to(xs, self.shape).copy(), np.broadcast_to(ys[:, None], self.shape).copy()

    def locate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row and column of the cell holding each point.

        Parameters
        ----------
        x, y : array-like
            Coordinates (same CRS as the grid). NaN is never inside.

        Returns
        -------
        row, col : ndarray of int64
            Cell indices; 0 where the point is outside the grid.
        inside : ndarray of bool
            Whether the point lies in the grid (the mask is not applied here).
        """
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        with np.errstate(invalid="ignore"):
            c = np.floor((x - self.x0) / self.cell_size)
            r_up = np.floor((y - self.y0) / self.cell_size)
            inside = (c >= 0) & (c < self.ncols) & (r_up >= 0) & (r_up < self.nrows)
        col = np.where(inside, c, 0).astype(np.int64)
        row = np.where(inside, self.nrows - 1 - r_up, 0).astype(np.int64)
        return row, col, inside

    def cell_polygons(self, rows: Any, cols: Any) -> np.ndarray:
        """Squares of the given cells.

        Parameters
        ----------
        rows, cols : array-like of int
            Cell indices.

        Returns
        -------
        ndarray of shapely Polygon
            One box per cell.
        """
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        s = self.cell_size
        left = self.x0 + cols * s
        bottom = self.y0 + (self.nrows - 1 - rows) * s
        return shapely.box(left, bottom, left + s, bottom + s)


def _nice(value: float) -> float:
    """Round ``value`` to the nearest "nice" number (:data:`NICE_STEPS` x 10^k) on a log scale."""
    exp = math.floor(math.log10(value))
    cands = [m * 10.0**e for e in (exp - 1, exp, exp + 1) for m in NICE_STEPS]
    return min(cands, key=lambda c: abs(math.log(c / value)))


def study_area_geometry(study_area: Any, crs: Any) -> shapely.Geometry | None:
    """Return ``study_area`` (GeoDataFrame, GeoSeries or shapely geometry; None: none) as one geometry in ``crs``.

    A frame must be in ``crs`` (the incidents' CRS); its geometries are united.
    """
    if study_area is None:
        return None
    if isinstance(study_area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        check_same_crs(study_area.crs, crs, left="study_area", right="incidents")
        return shapely.union_all(np.asarray(study_area.geometry.to_numpy()))
    if isinstance(study_area, shapely.Geometry):
        return study_area
    msg = f"`study_area` should be a GeoDataFrame, GeoSeries or shapely geometry, got {type(study_area).__name__}"
    raise TypeError(msg)


def auto_cell_size(points_xy: Any, *, area: float | None = None) -> tuple[float, str]:
    """Choose a cell size from the incidents' nearest-neighbour distance and density.

    The rule (bingeo's own; like ArcGIS's Optimized Hot Spot Analysis it starts from
    the incidents' average nearest-neighbour distance, but it is not ArcGIS's formula):

    1. **Spacing.** ``d`` = the mean nearest-neighbour distance between the *distinct*
       incident locations (police data are often snapped to a block or an address,
       so many incidents share one point and would give distances of 0). Under
       complete spatial randomness the expected nearest-neighbour distance is
       ``1 / (2 sqrt(λ))`` (Clark & Evans 1954), so ``2 d`` is the side of a square
       holding one incident at the density seen around a typical incident: cells
       finer than that split the incidents' own pattern.
    2. **Counts.** ``sqrt(A / n)``: the side of a square that holds one incident on
       average over the area ``A`` (``area``, default the points' bounding box) with
       ``n`` incidents. Gi* p-values come from the normal approximation; with fewer
       than about one incident per cell (fewer than ~9 per 3 x 3 neighbourhood), single
       cells with 2 or 3 incidents come out "significant".
    3. The larger of the two, kept between (longer side of the extent) /
       :data:`MAX_CELLS_PER_SIDE` and (longer side) / :data:`MIN_CELLS_PER_SIDE`,
    4. rounded to the nearest "nice" number on a log scale (:data:`NICE_STEPS` times a
       power of ten: …, 50, 75, 100, 150, 200, 250, 300, 400, 500, …).

    With fewer than two distinct locations there is nothing to measure, and the
    cell size is :data:`FALLBACK_CELL_SIZE` (100).

    Parameters
    ----------
    points_xy : array-like, shape (n, 2)
        Incident coordinates in a projected CRS (metres); repeated points count as
        incidents, once as locations.
    area : float, optional
        Area of the study area (square metres). Default: the points' bounding box.

    Returns
    -------
    cell_size : float
    reason : str
        One sentence that explains the value, for the notes and the log.

    Examples
    --------
    >>> import numpy as np
    >>> from bingeo.hotspots import auto_cell_size
    >>> gx, gy = np.meshgrid(np.arange(100) * 30.0, np.arange(100) * 30.0)
    >>> xy = np.column_stack([gx.ravel(), gy.ravel()])  # a 30 m lattice, 3 km wide
    >>> size, why = auto_cell_size(xy)
    >>> size
    50.0
    >>> why[:61]
    'Cell size 50: twice the mean nearest-neighbour distance (30.0'
    >>> auto_cell_size(xy, area=1e8)[0]  # the same points spread over 100 km²: counts decide
    100.0
    >>> auto_cell_size(np.zeros((3, 2)))[0]
    100.0
    """
    from scipy.spatial import cKDTree

    xy = np.asarray(points_xy, dtype="float64").reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    distinct = np.unique(xy, axis=0)
    if len(distinct) < 2:
        reason = (
            f"Cell size {FALLBACK_CELL_SIZE:g} (the fallback): the incidents are at "
            f"{len(distinct)} distinct location{'s' if len(distinct) != 1 else ''}, too few to measure "
            "a nearest-neighbour distance; give `cell_size` to choose another."
        )
        return FALLBACK_CELL_SIZE, reason
    d, _ = cKDTree(distinct).query(distinct, k=2)
    mean_nn = float(d[:, 1].mean())
    spacing = 2.0 * mean_nn
    ext = distinct.max(axis=0) - distinct.min(axis=0)
    if area is None:
        area = float(ext[0] * ext[1])
        where = "the incidents' bounding box"
    else:
        if not (np.isfinite(area) and area >= 0):
            msg = f"`area` must be a non-negative number of square metres, got {area!r}"
            raise InputError(msg)
        area = float(area)
        where = "the study area"
    density = math.sqrt(area / len(xy))
    raw = max(spacing, density)
    side = float(ext.max())
    lo, hi = side / MAX_CELLS_PER_SIDE, side / MIN_CELLS_PER_SIDE
    clipped = min(max(raw, lo), hi)
    size = _nice(clipped)
    how = ""
    if clipped > raw:
        how = f"; raised to {clipped:,.1f} to stay within {MAX_CELLS_PER_SIDE:,} cells along the longer side"
    elif clipped < raw:
        how = f"; lowered to {clipped:,.1f} to have at least {MIN_CELLS_PER_SIDE} cells along the longer side"
    reason = (
        f"Cell size {size:g}: twice the mean nearest-neighbour distance ({mean_nn:,.1f}) between the "
        f"{len(distinct):,} distinct incident locations is {spacing:,.1f}, and one incident per cell "
        f"({len(xy):,} incidents over {area / 1e6:,.2f} km², {where}) needs {density:,.1f}; "
        f"the larger, {raw:,.1f}{how}, rounded to a nice number."
    )
    return size, reason


def count_grid(
    x: Any, y: Any, grid: Grid, mask: np.ndarray | None = None, *, weights: Any = None
) -> tuple[np.ndarray, int]:
    """Count points per grid cell (or sum their weights).

    Parameters
    ----------
    x, y : array-like
        Point coordinates in the grid's CRS.
    grid : Grid
        The grid.
    mask : ndarray of bool, optional
        Cells that count (the study area). Defaults to ``grid.mask`` (all cells when
        that is ``None`` too).
    weights : array-like of float, optional
        One weight per point (e.g. the share of its time window inside a period): the cells then hold sums of
        weights (float64).

    Returns
    -------
    counts : ndarray of int64 (float64 with ``weights``), shape (nrows, ncols)
        Points per cell; 0 in cells outside the mask.
    outside : int
        Points not counted: outside the grid, in a cell outside the mask, or with
        NaN coordinates.

    Examples
    --------
    >>> from bingeo.hotspots import Grid, count_grid
    >>> g = Grid(0, 0, 10, 2, 2)
    >>> count_grid([1, 2, 15, 99], [1, 2, 15, 1], g)
    (array([[0, 1],
           [2, 0]]), 1)
    """
    row, col, inside = grid.locate(x, y)
    if mask is None:
        mask = grid.mask
    flat = row * grid.ncols + col
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != grid.shape:
            msg = f"`mask` has shape {mask.shape}, the grid {grid.shape}"
            raise ValueError(msg)
        inside &= mask.ravel()[flat]
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        counts = np.bincount(flat[inside], weights=w[inside], minlength=grid.nrows * grid.ncols).reshape(grid.shape)
        return counts, int(inside.size - inside.sum())
    counts = np.bincount(flat[inside], minlength=grid.nrows * grid.ncols).reshape(grid.shape).astype(np.int64)
    return counts, int(inside.size - inside.sum())


# ---------------------------------------------------------------------------------------- statistics


def benjamini_hochberg(p: Any, alpha: float = ALPHA) -> np.ndarray:
    """Benjamini-Hochberg step-up: which hypotheses are rejected at false discovery rate ``alpha``.

    With the ``m`` p-values sorted, ``p_(1) <= ... <= p_(m)``, find the largest ``k``
    with ``p_(k) <= k * alpha / m`` and reject the ``k`` hypotheses with the smallest
    p-values (every p-value ``<= p_(k)``). Nothing is rejected when no ``k`` qualifies.

    Only p-values ``<= alpha`` can ever be rejected, so only those are sorted: fast
    for millions of cells. The decision is about the p-values as given; for a
    one-sided reading (hot or cold) the caller splits the rejections by sign.

    Parameters
    ----------
    p : array-like
        p-values, any shape. NaN is never rejected and does not count in ``m``.
    alpha : float
        The false discovery rate, in (0, 1).

    Returns
    -------
    ndarray of bool
        Same shape as ``p``: True where the hypothesis is rejected.

    Examples
    --------
    >>> from bingeo.hotspots import benjamini_hochberg
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.20], alpha=0.05)
    array([ True, False, False, False])
    >>> benjamini_hochberg([0.01, 0.02, 0.03, 0.04], alpha=0.05)
    array([ True,  True,  True,  True])
    """
    _check_alpha(alpha)
    arr = np.asarray(p, dtype="float64")
    flat = arr.ravel()
    valid = np.isfinite(flat)
    m = int(valid.sum())
    out = np.zeros(flat.shape, dtype=bool)
    if m == 0:
        return out.reshape(arr.shape)
    with np.errstate(invalid="ignore"):
        cand = flat[valid & (flat <= alpha)]
    if len(cand):
        ps = np.sort(cand)
        k = np.arange(1, len(ps) + 1, dtype="float64")
        ok = np.flatnonzero(ps <= k * alpha / m)
        if len(ok):
            cutoff = ps[ok[-1]]
            with np.errstate(invalid="ignore"):
                out = valid & (flat <= cutoff)
    return out.reshape(arr.shape)


def _check_alpha(alpha: float) -> None:
    if not (isinstance(alpha, (int, float, np.floating)) and 0.0 < float(alpha) < 1.0):
        msg = f"`alpha` must be a number between 0 and 1 (e.g. 0.05), got {alpha!r}"
        raise InputError(msg)


def window_sum(a: np.ndarray, half_widths: np.ndarray, square: bool) -> np.ndarray:
    """Sum of ``a`` over a symmetric window around every cell, zeros beyond the edge.

    The window has rows ``-R..R`` (``R = len(half_widths) // 2``); row offset ``dr``
    spans columns ``-h..h`` with ``h = half_widths[dr + R]`` (see :meth:`GiStar.neighbourhood`).
    The window moves over the last two axes; any leading axes (e.g. the time steps of
    a space-time cube) are summed separately. Integer input is summed exactly with
    summed-area tables (a 2-D one for a square window, one per row otherwise); float
    input goes through :func:`scipy.ndimage.correlate`.

    Examples
    --------
    >>> import numpy as np
    >>> from bingeo.hotspots import window_sum
    >>> window_sum(np.ones((2, 3, 3), dtype=int), np.array([1, 1, 1]), True)[1]
    array([[4, 6, 4],
           [6, 9, 6],
           [4, 6, 4]])
    """
    R = len(half_widths) // 2
    lead, (nr, nc) = a.shape[:-2], a.shape[-2:]
    if a.dtype.kind != "i":
        kernel = np.zeros((2 * R + 1, 2 * R + 1))
        for k, h in enumerate(half_widths):
            kernel[k, R - h : R + h + 1] = 1.0
        kernel = kernel.reshape((1,) * len(lead) + kernel.shape)
        return ndimage.correlate(a.astype("float64"), kernel, mode="constant", cval=0.0)
    if square:
        # 2-D summed-area table; S[p, q] = sum of the zero-padded array above-left of (p, q)
        S = np.zeros(lead + (nr + 2 * R + 1, nc + 2 * R + 1), dtype=np.int64)
        S[..., R + 1 : R + 1 + nr, R + 1 : R + 1 + nc] = a
        np.cumsum(S, axis=-2, out=S)
        np.cumsum(S, axis=-1, out=S)
        w = 2 * R + 1
        out = S[..., w : w + nr, w : w + nc].copy()
        out -= S[..., 0:nr, w : w + nc]
        out -= S[..., w : w + nr, 0:nc]
        out += S[..., 0:nr, 0:nc]
        return out
    # one summed-area table per row: C[p, q] = sum of padded row p left of column q
    C = np.zeros(lead + (nr + 2 * R, nc + 2 * R + 1), dtype=np.int64)
    C[..., R : R + nr, R + 1 : R + 1 + nc] = a
    np.cumsum(C, axis=-1, out=C)
    out = np.zeros(lead + (nr, nc), dtype=np.int64)
    for k, h in enumerate(half_widths):
        rows = slice(k, k + nr)  # padded row index (i + R) + (k - R)
        out += C[..., rows, R + h + 1 : R + h + 1 + nc]
        out -= C[..., rows, R - h : R - h + nc]
    return out


class GiStar:
    """Getis-Ord Gi* on a regular grid: binary weights, the cell itself included.

    For cell ``i`` with neighbourhood ``N(i)`` (the cell itself and its neighbours in
    the study area), ``w_i = |N(i)|``, ``L_i`` the sum of the values in ``N(i)``,
    ``n`` cells in the study area with mean ``x̄`` and variance
    ``s² = Σx²/n − x̄²`` (population variance, as esda):

    ``z_i = (L_i − w_i x̄) / (s sqrt(w_i (n − w_i) / (n − 1)))``

    which is exactly PySAL's ``esda.G_Local(y, w, star=True, transform="B").Zs``
    (its ``(G_i − E[G_i]) / sqrt(V[G_i])`` with ``G_i = L_i / Σx``), and Getis & Ord
    (1995) / ArcGIS's Gi* for binary weights. The sums are computed with summed-area
    tables over the grid, so the cost is a few passes over the cells whatever the
    neighbourhood: no neighbour list and no PySAL are needed.

    Parameters
    ----------
    rings : int
        Neighbourhood: the cells within ``rings`` steps in any of the 8 directions
        (Chebyshev distance), i.e. a ``(2 rings + 1)`` square: 1 gives the cell and
        its 8 neighbours (queen contiguity), 2 a 5 x 5 block. Ignored when
        ``distance`` is given (then leave it at 1).
    distance : float, optional
        Distance band instead of rings: the cells whose centre lies within
        ``distance`` of the cell's centre (a disk of cells), in the units of the
        ``cell_size`` given to :meth:`fit` (cells by default). Must be at least one
        cell size, or no cell would have a neighbour.
    alpha : float
        Significance level; with ``fdr`` the false discovery rate.
    fdr : bool
        Correct for multiple testing with Benjamini-Hochberg over all cells of the
        study area (default). ``False`` tests each cell at ``alpha`` on its own.

    Attributes
    ----------
    z : ndarray of float, shape (nrows, ncols)
        Gi* z-scores; NaN outside the study area. 0 where the z-score is undefined
        (no variation in the counts, or a neighbourhood that covers the whole study area).
    p : ndarray of float
        **Two-sided** p-values under normality, ``2 (1 − Φ(|z|))``, as ArcGIS reports
        them; NaN outside the study area. (esda's ``p_norm`` is one-sided: ``p = 2 p_norm``.)
    significant : ndarray of bool
        ``p`` significant at ``alpha`` (after Benjamini-Hochberg with ``fdr``).
    hot, cold : ndarray of bool
        Significant with ``z > 0`` (hot) or ``z < 0`` (cold).
    cardinality : ndarray of int64
        ``w_i``: cells in each cell's neighbourhood, itself included; fewer at the edge
        of the grid and next to cells outside the study area. 0 outside.
    n : int
        Cells in the study area (the number of tests).
    total : float
        Sum of the values in the study area.
    mean, variance : float
        ``x̄`` and ``s²`` of the values in the study area.
    cutoff_p : float
        Largest p-value called significant (0 when none is).
    weights : str
        Description of the neighbourhood, for reports.
    notes : list of str
        Why z-scores were set to 0, if they were.

    See Also
    --------
    benjamini_hochberg : the FDR decisions.
    find_hotspots : counts, Gi* and hot-spot polygons from incidents.

    Examples
    --------
    >>> import numpy as np
    >>> from bingeo.hotspots import GiStar
    >>> counts = np.zeros((7, 7), dtype=int)
    >>> counts[2:5, 2:5] = 6
    >>> gi = GiStar().fit(counts)
    >>> bool(gi.hot[3, 3]), int(gi.hot.sum()), round(float(gi.z[3, 3]), 3)
    (True, 5, 6.928)
    >>> GiStar().fit(np.zeros((3, 3), dtype=int)).notes
    ['All values are 0: every z-score is 0 and every p-value 1.']
    """

    def __init__(
        self, *, rings: int = RINGS, distance: float | None = None, alpha: float = ALPHA, fdr: bool = True
    ) -> None:
        if isinstance(rings, bool) or not isinstance(rings, (int, np.integer)) or rings < 1:
            msg = f"`rings` must be a whole number >= 1 (1 = the cell and its 8 neighbours), got {rings!r}"
            raise InputError(msg)
        if distance is not None:
            if rings != 1:
                msg = f"give either `rings` ({rings}) or `distance` ({distance}), not both"
                raise InputError(msg)
            if not (isinstance(distance, (int, float, np.number)) and np.isfinite(distance) and distance > 0):
                msg = f"`distance` must be a positive number, got {distance!r}"
                raise InputError(msg)
        _check_alpha(alpha)
        self.rings = int(rings)
        self.distance = None if distance is None else float(distance)
        self.alpha = float(alpha)
        self.fdr = bool(fdr)
        self.notes: list[str] = []

    def __repr__(self) -> str:
        """Show the configuration, as given."""
        band = f"distance={self.distance!r}" if self.distance is not None else f"rings={self.rings}"
        return f"GiStar({band}, alpha={self.alpha}, fdr={self.fdr})"

    def summary(self) -> str:
        """One line: the neighbourhood and, once fitted, how many cells are hot and cold."""
        if not hasattr(self, "z"):
            return f"{self!r}, not fitted."
        return (
            f"{self!r}: {int(self.n):,} cells, {int(self.hot.sum()):,} hot and {int(self.cold.sum()):,} cold "
            f"(p <= {self.cutoff_p:.3g})."
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the configuration and, once fitted, the cell counts (JSON-safe; no per-cell arrays)."""
        out: dict[str, Any] = {"rings": self.rings, "distance": self.distance, "alpha": self.alpha, "fdr": self.fdr}
        if hasattr(self, "z"):
            out |= {
                "cells": self.n,
                "hot": int(self.hot.sum()),
                "cold": int(self.cold.sum()),
                "mean": self.mean,
                "variance": self.variance,
                "cutoff_p": self.cutoff_p,
            }
        out["notes"] = list(self.notes)
        return json_safe(out)

    def neighbourhood(self, cell_size: float = 1.0) -> tuple[np.ndarray, bool, str]:
        """Return the neighbourhood as :func:`window_sum` takes it: ``(half_widths, square, description)``.

        ``half_widths[dr + R]`` is how many columns either side row offset ``dr`` spans; ``square`` says
        every row spans the same (a block of ``rings``); ``description`` is for reports. ``cell_size`` is
        in the units of ``distance`` (only used with ``distance``).
        """
        if self.distance is None:
            r = self.rings
            side = 2 * r + 1
            what = "the cell and its 8 neighbours" if r == 1 else f"the cell and its neighbours up to {r} rings away"
            return np.full(side, r, dtype=np.int64), True, f"{what} ({side}x{side} cells), binary weights"
        d = self.distance / cell_size
        if d < 1.0 - 1e-9:
            msg = (
                f"`distance` ({self.distance:g}) is smaller than the cell size ({cell_size:g}): no cell "
                f"would have a neighbour. Use a distance of at least {cell_size:g}."
            )
            raise InputError(msg)
        R = int(math.floor(d + 1e-9))
        dr = np.arange(-R, R + 1)
        half = np.floor(np.sqrt(np.maximum(d * d - dr * dr, 0.0)) + 1e-9).astype(np.int64)
        n_in = int((2 * half + 1).sum())
        desc = (
            f"the cells whose centre lies within {self.distance:g} of the cell's centre "
            f"({n_in} cells including itself), binary weights"
        )
        return half, False, desc

    def fit(self, counts: Any, mask: Any = None, *, cell_size: float = 1.0) -> GiStar:
        """Compute Gi* z-scores, p-values and significance for every cell.

        Parameters
        ----------
        counts : array-like, shape (nrows, ncols)
            Non-negative values per cell (incident counts), row 0 at the top.
        mask : array-like of bool, shape (nrows, ncols), optional
            Cells that belong to the study area. The others are left out entirely:
            their values are ignored, they are nobody's neighbour and they are not
            tested. Default: every cell.
        cell_size : float
            Side of a cell, in the units of ``distance`` (only used with ``distance``).

        Returns
        -------
        GiStar
            ``self``, with the attributes filled in.

        Raises
        ------
        InputError
            Not a 2-D array, negative or non-finite values, a mask of another shape,
            fewer than 2 cells in the study area.
        """
        y = np.asarray(counts)
        if y.ndim != 2:
            msg = f"`counts` must be a 2-D grid (rows x columns), got {y.ndim} dimension(s)"
            raise InputError(msg)
        if y.dtype.kind not in "iufb":
            msg = f"`counts` must be numbers, got dtype {y.dtype}"
            raise InputError(msg)
        if mask is None:
            m = None
            n = y.size
        else:
            m = np.asarray(mask, dtype=bool)
            if m.shape != y.shape:
                msg = f"`mask` has shape {m.shape} but `counts` has {y.shape}; give one flag per cell"
                raise InputError(msg)
            n = int(m.sum())
        if n < 2:
            msg = (
                f"Gi* needs at least 2 cells in the study area, got {n}. Use a smaller `cell_size` "
                "or a larger study area."
            )
            raise InputError(msg)
        y = _as_exact(y)
        if m is not None:
            y = np.where(m, y, 0)
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            msg = "`counts` has NaN or infinite values; give a count (0 or more) for every cell"
            raise InputError(msg)
        if (y < 0).any():
            msg = (
                f"`counts` must not be negative (smallest: {y.min()}); Gi* is for counts and other non-negative values"
            )
            raise InputError(msg)
        if not (isinstance(cell_size, (int, float, np.number)) and np.isfinite(cell_size) and cell_size > 0):
            msg = f"`cell_size` must be a positive number, got {cell_size!r}"
            raise InputError(msg)

        half, square, self.weights = self.neighbourhood(float(cell_size))
        ones = np.ones(y.shape, dtype=np.int64) if m is None else m.astype(np.int64)
        W = window_sum(ones, half, square)  # neighbourhood sizes, self included
        L = window_sum(y, half, square)  # neighbourhood sums
        if m is not None:
            W = np.where(m, W, 0)

        self.notes: list[str] = []
        if y.dtype.kind == "i":
            total = int(y.sum(dtype=np.int64))
            sq = int((y.astype(np.int64) ** 2).sum())
            # exact integer numerators: s² = (n Σx² − (Σx)²) / n², L − w x̄ = (n L − w Σx) / n
            var = (n * sq - total * total) / (n * n)
            num = (L * n - W * total) / n
        else:
            total = float(y.sum())
            var = float((y**2).sum()) / n - (total / n) ** 2
            num = L - W * (total / n)
        self.n = n
        self.total = total
        self.mean = total / n
        self.variance = max(float(var), 0.0)

        Wf = W.astype("float64")
        spread = Wf * (n - Wf) / (n - 1)  # w_i (n − w_i) / (n − 1)
        inside = np.ones(y.shape, dtype=bool) if m is None else m
        defined = inside & (spread > 0) & (self.variance > 0)
        z = np.zeros(y.shape, dtype="float64")
        if self.variance > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(defined, num / (math.sqrt(self.variance) * np.sqrt(spread)), 0.0)
        if total == 0:
            self.notes.append("All values are 0: every z-score is 0 and every p-value 1.")
        elif self.variance <= 0:
            self.notes.append(
                f"Every cell of the study area has the same value ({self.mean:g}): every z-score is 0 and "
                "every p-value 1."
            )
        elif (inside & ~defined).any():
            k = int((inside & ~defined).sum())
            self.notes.append(
                f"{k:,} cell{'s' if k != 1 else ''} have a neighbourhood that covers the whole study area: "
                "their z-score is 0 and p-value 1. Use a smaller neighbourhood or a smaller cell size."
            )
        p = 2.0 * special.ndtr(-np.abs(z))
        if m is not None:
            z[~m] = np.nan
            p[~m] = np.nan
        if self.fdr:
            sig = benjamini_hochberg(p, self.alpha)
        else:
            with np.errstate(invalid="ignore"):
                sig = p <= self.alpha
        sig &= inside & defined
        self.z = z
        self.p = p
        self.cardinality = W
        self.significant = sig
        self.hot = sig & (z > 0)
        self.cold = sig & (z < 0)
        self.cutoff_p = float(p[sig].max()) if sig.any() else 0.0
        log.info(
            "Gi* on %d x %d cells (%d in the study area), %s: %d hot, %d cold (%s, alpha %g)",
            y.shape[0],
            y.shape[1],
            n,
            self.weights,
            int(self.hot.sum()),
            int(self.cold.sum()),
            "Benjamini-Hochberg FDR" if self.fdr else "no correction",
            self.alpha,
        )
        return self


def _as_exact(y: np.ndarray) -> np.ndarray:
    """Whole numbers as int64 (summed exactly), anything else as float64."""
    if y.dtype.kind in "iub":
        return y.astype(np.int64)
    yf = y.astype("float64")
    if np.isfinite(yf).all() and (yf == np.round(yf)).all() and np.abs(yf).max(initial=0) < 2**52:
        return yf.astype(np.int64)
    return yf


# ---------------------------------------------------------------------------------------- incidents -> hot spots


@dataclass(repr=False)
class HotspotResult(Result):
    """Result of :func:`find_hotspots`.

    Attributes
    ----------
    cells : GeoDataFrame
        One row per cell of the study area (row-major order): ``row``, ``col``,
        ``count``, ``gi_z``, ``gi_p`` (two-sided), ``hot``, ``cold``, ``geometry``
        (the cell square).
    hotspots : GeoDataFrame
        One row per hot spot (contiguous hot cells, 8-connected), ordered by ``rank``:
        ``hotspot_id``, ``incidents``, ``area_m2``, ``max_z``, [``addresses``],
        ``covered_share``, ``network_ids``, ``uncovered``, ``rank``, ``geometry``
        (MultiPolygon).
    grid : Grid
        The grid (with the study-area mask, if any).
    gi : GiStar
        The fitted statistic (2-D arrays).
    notes : list of str
        Every decision and every count worth knowing: cell size rule, filters,
        incidents not counted, undefined z-scores.
    incidents : int or float
        Incidents counted on the grid (a sum of weights when time windows weigh them by a period).
    """

    cells: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame
    grid: Grid
    gi: GiStar
    notes: list[str] = field(default_factory=list)
    incidents: float = 0

    def summary(self) -> str:
        """Return a short human account of the analysis.

        Returns
        -------
        str
            A few lines: grid, counts, Gi* and the hot spots, uncovered first.
        """
        g = self.grid
        hs = self.hotspots
        n_unc = int(hs["uncovered"].sum()) if len(hs) else 0
        lines = [
            f"Grid of {g.cell_size:g} {_unit(g.crs)} cells, {g.nrows:,} x {g.ncols:,} "
            f"({g.n_cells:,} in the study area); "
            f"{self.incidents:,} incidents counted.",
            f"Gi* with {self.gi.weights}; "
            + (
                f"Benjamini-Hochberg FDR {self.gi.alpha:g}"
                if self.gi.fdr
                else f"alpha {self.gi.alpha:g}, no correction"
            )
            + f": {int(self.gi.hot.sum()):,} hot cells, {int(self.gi.cold.sum()):,} cold cells.",
            f"{len(hs):,} hot spot{'s' if len(hs) != 1 else ''}, {n_unc:,} uncovered.",
        ]
        for r in hs.head(10).itertuples():
            lines.append(
                f"  {r.rank}. hot spot {r.hotspot_id}: {r.incidents:,} incidents, {r.area_m2 / 1e4:,.2f} ha, "
                f"max z {r.max_z:.1f}, {r.covered_share:.0%} inside networks"
                + (f" ({r.network_ids})" if r.network_ids else "")
                + (" UNCOVERED" if r.uncovered else "")
            )
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)

    def explore(self, networks: Any = None, **kwargs: Any) -> Any:
        """Return a web map (``folium.Map``) of these hot spots; see :func:`bingeo.webmap.web_map`.

        ``networks`` is a store, a store path or a networks GeoDataFrame (optional);
        ``kwargs`` go to :func:`~bingeo.webmap.web_map` (``incidents=``, ``title=``, ...).
        """
        from bingeo.webmap import web_map

        return web_map(networks, hotspots=self, **kwargs)

    def __repr__(self) -> str:  # pragma: no cover - trivial
        """Show counts, not frames."""
        return f"HotspotResult({len(self.cells):,} cells, {len(self.hotspots):,} hot spots)"


def _types_list(types: Any) -> list[str]:
    if isinstance(types, str):
        return [types]
    return [str(t) for t in types]


def _filter(
    incidents: gpd.GeoDataFrame,
    *,
    type_field: str | None,
    types: Any,
    date_field: str | None,
    start: Any,
    end: Any,
    notes: list[str],
) -> gpd.GeoDataFrame:
    n0 = len(incidents)
    if n0 == 0:
        msg = "`incidents` is empty: there is nothing to analyse. Check the input file and its rejects."
        raise InputError(msg)
    cols = ", ".join(map(str, incidents.columns))
    out = incidents
    if types is not None or type_field is not None:
        if type_field is None or types is None:
            msg = "give both `type_field` (the column) and `types` (the values to keep), or neither"
            raise InputError(msg)
        if type_field not in out.columns:
            msg = f"no type column {type_field!r} (`type_field`) in the incidents. Columns: {cols}."
            raise InputError(msg)
        wanted = _types_list(types)
        values = out[type_field].astype("string")
        keep = values.isin(wanted).fillna(False).to_numpy(dtype=bool)
        if not keep.any():
            present = values.value_counts().head(20)
            msg = (
                f"the type filter left no incidents: no value of {type_field!r} is one of {wanted}. "
                f"Values present (most frequent first): {', '.join(map(repr, present.index))}."
            )
            raise InputError(msg)
        notes.append(f"Type filter: {int(keep.sum()):,} of {len(out):,} incidents have {type_field} in {wanted}.")
        out = out[keep]
    if start is not None or end is not None:
        named = date_field is not None
        span = period(start, end, names=("--from (`start`)", "--to (`end`)"))
        col, got = read_incident_dates(out, date_field=date_field, need="--from/--to (`start`/`end`) need")
        if not named:
            notes.append(f"Date filter on column {col!r} (the first date column).")
        d = got.values
        no_date = int(d.isna().sum())
        keep = span.contains(d)
        used = span.describe(d)
        if not keep.any():
            rng = d.dropna()
            known = f"{rng.min().date()} to {rng.max().date()}" if len(rng) else "none (no valid dates)"
            msg = (
                f"the date filter left no incidents: none has {col} from {used}"
                f"{' (after the type filter)' if types is not None else ''}. Dates present: {known}."
            )
            raise InputError(msg)
        notes.append(
            f"Date filter {col} from {used}: {int(keep.sum()):,} of {len(out):,} incidents"
            + (f" ({no_date:,} without a date left out)" if no_date else "")
            + "."
        )
        out = out[keep]
    return out


def select_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    type_field: str | None = None,
    types: str | Sequence[str] | None = None,
    date_field: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the incidents :func:`find_hotspots` analyses for these options, and notes saying which.

    The same selection as :func:`find_hotspots` (so a map drawn with these options shows the incidents its
    hot spots come from). With ``types`` and no ``type_field``, the type column is found by
    :func:`bingeo.incidents.type_column`; the date column and dates follow :mod:`bingeo.incidents`.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incident points.
    type_field, types, date_field, start, end : keyword-only
        As in :func:`find_hotspots`.

    Returns
    -------
    (GeoDataFrame, list of str)
        The selected rows, and notes such as ``"Date filter 2023-01-01 <= datum < 2024-01-01: ..."``.

    Raises
    ------
    InputError
        A missing column, or a filter that leaves no incident.
    """
    from bingeo.incidents import type_column

    notes: list[str] = []
    if types is not None and not _types_list(types):
        types = None
    if types is not None and type_field is None:
        type_field = type_column(incidents, _types_list(types))
    out = _filter(
        incidents, type_field=type_field, types=types, date_field=date_field, start=start, end=end, notes=notes
    )
    return out, notes


def _xy(frame: gpd.GeoDataFrame, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y of point geometries and a mask of usable rows (not missing, not empty)."""
    x, y = point_xy(frame, what=what)
    return x, y, np.isfinite(x) & np.isfinite(y)


def _check_frame(frame: Any, what: str, crs: pyproj.CRS | None) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"`{what}` should be a GeoDataFrame, got {type(frame).__name__}"
        raise TypeError(msg)
    if crs is not None:
        check_same_crs(frame.crs, crs, left=what, right="incidents")


def find_hotspots(
    incidents: gpd.GeoDataFrame,
    *,
    networks: gpd.GeoDataFrame | None = None,
    addresses: gpd.GeoDataFrame | None = None,
    study_area: Any = None,
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
    per: gpd.GeoDataFrame | None = None,
    households_field: str | None = None,
    min_households: float = MIN_CELL_HOUSEHOLDS,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> HotspotResult:
    """Find statistically significant hot spots of incidents and how well networks cover them.

    Incidents are counted on a square grid over the study area (cells without
    incidents count as zeros), Getis-Ord Gi* is computed per cell (:class:`GiStar`),
    significance is corrected with Benjamini-Hochberg, and contiguous hot cells
    (8-connected: sharing an edge or a corner) are dissolved into hot spots.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incident points in a projected CRS (metres), e.g. ``bingeo.read_points(...).points``.
    networks : GeoDataFrame, optional
        Active networks (``network_id``, geometry), same CRS, e.g.
        ``bingeo.open_store(path).networks()``. Without them every hot spot is uncovered.
    addresses : GeoDataFrame, optional
        Address points, same CRS: adds ``addresses`` (addresses in the hot spot's cells).
    study_area : GeoDataFrame, GeoSeries or shapely geometry, optional
        Polygon(s) of the area analysed; the cells whose centre lies in it are used
        (see :meth:`Grid.from_study_area`). A shapely geometry is taken to be in the
        incidents' CRS. Default: the incidents' extent, in whole cells.
    cell_size : float, optional
        Side of a cell in CRS units (metres, or feet in a US state plane CRS).
        Default: :func:`auto_cell_size` (reported in ``notes``). ``area_m2`` is
        always in square metres.
    rings, distance : optional
        The Gi* neighbourhood (see :class:`GiStar`): by default the cell and its 8
        neighbours; ``distance`` in metres.
    alpha : float
        Significance level (false discovery rate with ``fdr``), default 0.05.
    fdr : bool
        Benjamini-Hochberg correction over all cells (default True).
    min_coverage : float
        A hot spot is ``uncovered`` when less than this share of its incidents lies
        inside a network (default 0.5).
    type_field, types : optional
        Keep only incidents whose ``type_field`` is one of ``types`` (exact text).
    date_field, start, end : optional
        Keep only incidents dated from ``start`` to ``end``, both included: a day-precision ``end``
        includes that whole day, so ``start="2023-01-01", end="2023-12-31"`` is the year 2023
        (:func:`bingeo.incidents.period`). ``date_field`` defaults to the first datetime column. Incidents
        without a date are left out (and counted in the notes) when a date filter is given.
    windows : Windows, optional
        Each incident's time window, row for row (:func:`bingeo.aoristic.require_windows`); used by the period
        ``start``-``end`` instead of ``date_field`` (without a period, every incident counts 1). With
        ``how="aoristic"`` an incident counts with the share of its window inside the period
        (:func:`bingeo.aoristic.period_shares`, as ``counts --by`` spreads it over periods): cell counts and
        hot-spot ``incidents`` are then sums of weights (decimals); a window longer than ``max_window`` counts 1
        at its midpoint, and ``"begin"``, ``"midpoint"`` and ``"end"`` count 1 at that instant.
    how, max_window
        As :func:`bingeo.aoristic.time_bins`.
    per : GeoDataFrame, optional
        Address points, same CRS: Gi* is then computed on incidents per 1,000 households per cell instead of
        counts (households from ``households_field``, else 1 per address), so a busy shopping street does not
        outrank a street of often-burgled homes. Cells with fewer than ``min_households`` households are left
        out of the analysis (no rate: they are nobody's neighbour and not tested). ``cells`` gets the columns
        ``households`` and ``rate``.
    households_field : str, optional
        Households column of ``per`` (default: a known households column, else 1 per address).
    min_households : float, default 10
        Fewest households a cell needs for a rate (:data:`MIN_CELL_HOUSEHOLDS`).
    progress : callable, optional
        Called with the share done (0 to 1) after each stage (grid counts, Gi*, cells, hot spots).
    is_cancelled : callable, optional
        Polled between stages; True raises :class:`~bingeo.errors.CancelledError`.

    Returns
    -------
    HotspotResult
        ``cells``, ``hotspots``, ``grid``, ``gi``, ``notes`` and ``summary()``.

    Raises
    ------
    InputError
        No incidents (saying which filter emptied the selection), an unknown column,
        a study area with fewer than 2 cells, a grid larger than :data:`MAX_CELLS`.
    CRSError
        Incidents without a CRS.
    CRSMismatchError
        ``networks``, ``addresses`` or ``study_area`` in another CRS than the incidents.

    See Also
    --------
    GiStar, Grid, auto_cell_size, benjamini_hochberg

    Notes
    -----
    ``covered_share`` is the share of the hot spot's incidents (those in its cells)
    that lie inside at least one of ``networks``; ``network_ids`` lists the networks
    that hold at least one of those incidents, separated by ``;``, the network with
    most of them first (empty when none). A hot spot without incidents of its own
    (hot because of its neighbours) is measured by area instead: ``covered_share`` is
    the share of its area inside any network, and ``network_ids`` the networks
    overlapping it, largest overlap first. ``rank`` puts uncovered hot spots first,
    then by incidents (most first), then by ``max_z``. ``hotspot_id`` numbers the
    hot spots in grid order (top-left first), independent of the networks.

    Degenerate inputs give clear results, never NaN: with no incident in the study
    area, or the same count in every cell, every z-score is 0 and every p-value 1,
    there are no hot spots, and a note says why. When all incidents fall in one cell
    (e.g. a single incident) and no study area is given, the grid is widened to the
    3 x 3 cells around it (noted). An empty selection raises :class:`InputError`
    naming the filter that emptied it.

    Examples
    --------
    >>> import bingeo
    >>> from bingeo.hotspots import find_hotspots
    >>> pts = bingeo.read_points("data/samples/incidents.csv", crs=28992,
    ...                          extent=(225000, 575000, 240000, 590000)).points
    >>> res = find_hotspots(pts, cell_size=100)
    >>> len(res.cells) == res.grid.nrows * res.grid.ncols, res.incidents
    (True, 4950)
    >>> len(res.hotspots) > 0, bool(res.hotspots["uncovered"].all())
    (True, True)
    """
    if not isinstance(incidents, gpd.GeoDataFrame):
        msg = f"`incidents` should be a GeoDataFrame, got {type(incidents).__name__}"
        raise TypeError(msg)
    if incidents.crs is None:
        msg = "Cannot transform naive geometries. Please set a crs on the object first."
        raise CRSError(msg)
    crs = to_crs(incidents.crs, what="the CRS of `incidents`")
    if crs.is_geographic:  # a grid needs metres: work in the place's national grid, answer in the input's CRS
        for other, name in ((networks, "networks"), (addresses, "addresses"), (per, "per")):
            if other is not None:
                _check_frame(other, name, crs)
        metric_incidents, note = to_metric(incidents, what="the incidents")
        metric = metric_incidents.crs
        if isinstance(study_area, (gpd.GeoDataFrame, gpd.GeoSeries)):
            check_same_crs(study_area.crs, crs, left="study_area", right="incidents")
            study_area = study_area.to_crs(metric)
        elif isinstance(study_area, shapely.Geometry):
            study_area = gpd.GeoSeries([study_area], crs=crs).to_crs(metric).iloc[0]
        res = find_hotspots(
            metric_incidents,
            networks=None if networks is None else networks.to_crs(metric),
            addresses=None if addresses is None else addresses.to_crs(metric),
            study_area=study_area,
            cell_size=cell_size,
            rings=rings,
            distance=distance,
            alpha=alpha,
            fdr=fdr,
            min_coverage=min_coverage,
            type_field=type_field,
            types=types,
            date_field=date_field,
            start=start,
            end=end,
            windows=windows,
            how=how,
            max_window=max_window,
            per=None if per is None else per.to_crs(metric),
            households_field=households_field,
            min_households=min_households,
        )
        res.cells, res.hotspots = res.cells.to_crs(crs), res.hotspots.to_crs(crs)
        res.notes.insert(0, f"{note}; cells and hot spots are given in {crs_label(crs)}")
        return res
    if not (0.0 <= float(min_coverage) <= 1.0):
        msg = f"`min_coverage` must be a share between 0 and 1, got {min_coverage!r}"
        raise InputError(msg)
    _check_alpha(alpha)
    gi = GiStar(rings=rings, distance=distance, alpha=alpha, fdr=fdr)  # checks the options first
    if networks is not None:
        _check_frame(networks, "networks", crs)
        if "network_id" not in networks.columns:
            msg = f"`networks` needs a 'network_id' column; it has: {', '.join(map(str, networks.columns))}"
            raise InputError(msg)
    if addresses is not None:
        _check_frame(addresses, "addresses", crs)
    if per is not None:
        _check_frame(per, "per", crs)
        if not (isinstance(min_households, (int, float, np.number)) and min_households >= 0):
            msg = f"`min_households` must be a number of households >= 0, got {min_households!r}"
            raise InputError(msg)
    area_geom = study_area_geometry(study_area, crs)

    notes: list[str] = []
    if windows is not None and (start is not None or end is not None):
        incidents = _time_weights(incidents, windows, start=start, end=end, how=how, max_window=max_window, notes=notes)
        start = end = None  # the period is in the weights
    else:
        windows = None  # no period: every incident counts 1 whatever its time
    sel = _filter(
        incidents, type_field=type_field, types=types, date_field=date_field, start=start, end=end, notes=notes
    )
    weights = None
    if windows is not None:
        weights = sel[_TIME_WEIGHT].to_numpy()
        sel = sel[weights > 0].drop(columns=_TIME_WEIGHT)
        weights = weights[weights > 0]
        if not len(sel):
            msg = "the period filter left no incidents (after the type filter): no time window reaches into it."
            raise InputError(msg)
    x, y, ok = _xy(sel, "incidents")
    if not ok.all():
        notes.append(f"{int((~ok).sum()):,} incidents without a location (missing or empty geometry) left out.")
    if not ok.any():
        msg = "none of the selected incidents has a location (all geometries are missing or empty)"
        raise InputError(msg)
    sel, x, y = sel[ok], x[ok], y[ok]
    weights = None if weights is None else weights[ok]

    if cell_size is None:
        xy = np.column_stack([x, y])
        if area_geom is not None:
            within = shapely.intersects_xy(area_geom, x, y)
            cell_size, why = auto_cell_size(xy[within] if within.any() else xy, area=float(area_geom.area))
        else:
            cell_size, why = auto_cell_size(xy)
        notes.append(why)
    else:
        if not (isinstance(cell_size, (int, float, np.number)) and np.isfinite(cell_size) and cell_size > 0):
            msg = f"`cell_size` must be a positive number of metres, got {cell_size!r}"
            raise InputError(msg)
        cell_size = float(cell_size)
        notes.append(f"Cell size {cell_size:g} (given).")
    log.info("cell size %g", cell_size)

    if area_geom is not None:
        minx, miny, maxx, maxy = area_geom.bounds
    else:
        minx, miny, maxx, maxy = float(x.min()), float(y.min()), float(x.max()), float(y.max())
    n_cells = (math.floor((maxx - minx) / cell_size) + 2) * (math.floor((maxy - miny) / cell_size) + 2)
    if n_cells > MAX_CELLS:
        over = "study area" if area_geom is not None else "extent of the incidents"
        msg = (
            f"a {cell_size:g} {_unit(crs)} grid over this {over} "
            f"({(maxx - minx):,.0f} x {(maxy - miny):,.0f} {_unit(crs)}) would have about {n_cells:,} cells, "
            f"more than {MAX_CELLS:,}. Give a larger `cell_size`, or a `study_area`"
            + (
                " (far-away incidents stretch the extent: check the rejects and the coordinates)"
                if area_geom is None
                else ""
            )
            + "."
        )
        raise InputError(msg)
    if area_geom is not None:
        grid = Grid.from_study_area(area_geom, cell_size, crs)
        if grid.n_cells < 2:
            msg = (
                f"the study area holds {grid.n_cells} cell centre{'s' if grid.n_cells != 1 else ''} of a "
                f"{cell_size:g} {_unit(crs)} grid; Gi* needs at least 2 cells. Use a smaller `cell_size`."
            )
            raise InputError(msg)
    else:
        grid = Grid.from_extent((minx, miny, maxx, maxy), cell_size, crs)
        if grid.n_cells < 2:
            # all incidents in one cell: widen to the 3 x 3 block around it so there is something to compare
            grid = Grid(grid.x0 - cell_size, grid.y0 - cell_size, cell_size, grid.nrows + 2, grid.ncols + 2, crs)
            notes.append(
                "All incidents fall in one cell: the grid was widened to the 3 x 3 cells around it. "
                "Give a `study_area` or a smaller `cell_size` for a meaningful analysis."
            )
    from bingeo._progress import check_cancelled, report

    check_cancelled(is_cancelled, "the hot-spot analysis")
    report(progress, 0.1)
    counts, outside = count_grid(x, y, grid, weights=weights)
    counted: float = len(x) - outside
    if weights is not None:
        counted = round(float(counts.sum()), 3)
    report(progress, 0.3)
    notes.append(
        f"Grid {grid.nrows:,} x {grid.ncols:,} cells of {cell_size:g} {_unit(crs)}"
        + (f", {grid.n_cells:,} with their centre in the study area" if grid.mask is not None else "")
        + f"; {counted:,} incidents counted."
    )
    if outside:
        notes.append(
            f"{outside:,} of {len(x):,} incidents lie outside the study area's cells (cells whose centre is in "
            "the study area) and were not counted."
        )
    if counted == 0:
        notes.append("No incident lies in the study area: there are no hot spots.")

    check_cancelled(is_cancelled, "the hot-spot analysis")
    rates = None
    if per is None:
        gi.fit(counts, grid.mask, cell_size=cell_size)
    else:
        households, rates, mask = _rates(per, households_field, float(min_households), grid, counts, notes)
        gi.fit(rates, mask, cell_size=cell_size)
    notes.extend(gi.notes)
    report(progress, 0.5)

    check_cancelled(is_cancelled, "the hot-spot analysis")
    cells = _cells_frame(grid, counts, gi)
    if rates is not None:
        rows, cols = cells["row"].to_numpy(), cells["col"].to_numpy()
        cells["households"] = households[rows, cols]
        cells["rate"] = np.where(mask[rows, cols], rates[rows, cols], np.nan)
    report(progress, 0.7)
    check_cancelled(is_cancelled, "the hot-spot analysis")
    hotspots = _hotspot_frame(
        grid,
        counts,
        gi,
        x,
        y,
        sel,
        networks=networks,
        addresses=addresses,
        min_coverage=float(min_coverage),
        notes=notes,
        weights=weights,
    )
    report(progress, 1.0)
    for n in notes:
        log.info("%s", n)
    return HotspotResult(cells=cells, hotspots=hotspots, grid=grid, gi=gi, notes=notes, incidents=counted)


#: Column of the period weights while incidents are selected (dropped before anything is written).
_TIME_WEIGHT = "__bingeo_time_weight"


def _time_weights(
    incidents: gpd.GeoDataFrame,
    windows: Windows,
    *,
    start: Any,
    end: Any,
    how: str,
    max_window: pd.Timedelta,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """Return the incidents with their weight in the period ``start``-``end``, from their windows."""
    if len(windows.begin) != len(incidents):
        msg = f"`windows` has {len(windows.begin)} rows for {len(incidents)} incidents."
        raise ValueError(msg)
    span = period(start, end, names=("--from (`start`)", "--to (`end`)"))
    share = period_shares(windows, span.start, span.stop, how=how, max_window=max_window)
    inside = share > 0
    if not inside.any():
        msg = (
            f"the date filter left no incidents: no time window from {windows.begin_field!r} to "
            f"{windows.end_field!r} ({how}) reaches into {span.describe()}."
        )
        raise InputError(msg)
    part = int(((share > 0) & (share < 1)).sum())
    notes.append(
        f"Period filter {span.describe()} on the time windows from {windows.begin_field!r} to "
        f"{windows.end_field!r} ({how}): {int(inside.sum()):,} of {len(share):,} incidents, weighing "
        f"{share.sum():,.1f}" + (f" ({part:,} counted with the share of their window inside)" if part else "") + "."
    )
    n_long = count_long(windows, how=how, max_window=max_window)
    if n_long:
        notes.append(
            f"{n_long:,} windows longer than {pd.Timedelta(max_window).days:g} days (`max_window`) are counted at "
            "their midpoint."
        )
    return incidents.assign(**{_TIME_WEIGHT: share})


def _rates(
    per: gpd.GeoDataFrame, households_field: str | None, floor: float, grid: Grid, counts: np.ndarray, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Households per cell, incidents per 1,000 households, and the cells with enough households."""
    from bingeo.addresses import households_per_address

    hx, hy, ok = _xy(per, "addresses")
    hh = households_per_address(per, households_field)
    households, _ = count_grid(hx[ok], hy[ok], grid, weights=hh[ok])
    enough = (households >= max(floor, 1e-12)) & (grid.mask if grid.mask is not None else True)
    rates = np.where(enough, counts / np.where(enough, households, 1.0) * 1000.0, 0.0)
    if int(enough.sum()) < 2:
        msg = (
            f"only {int(enough.sum())} cell(s) hold at least {floor:g} households: Gi* on rates needs at least 2. "
            "Give a larger `cell_size` or a smaller `min_households`."
        )
        raise InputError(msg)
    left = int(((counts > 0) & ~enough).sum())
    notes.append(
        f"Gi* on incidents per 1,000 households: {int(enough.sum()):,} cells with at least {floor:g} households; "
        f"{left:,} cells with incidents but fewer households left out."
    )
    return households, rates, enough


def _cells_frame(grid: Grid, counts: np.ndarray, gi: GiStar) -> gpd.GeoDataFrame:
    inside = np.ones(grid.shape, dtype=bool) if grid.mask is None else grid.mask
    rows, cols = np.nonzero(inside)  # row-major order
    return gpd.GeoDataFrame(
        {
            "row": rows.astype(np.int32),
            "col": cols.astype(np.int32),
            "count": counts[rows, cols] if counts.dtype.kind == "f" else counts[rows, cols].astype(np.int64),
            "gi_z": gi.z[rows, cols],
            "gi_p": gi.p[rows, cols],
            "hot": gi.hot[rows, cols],
            "cold": gi.cold[rows, cols],
        },
        geometry=grid.cell_polygons(rows, cols),
        crs=grid.crs,
    )


_HOTSPOT_COLUMNS = ["hotspot_id", "incidents", "area_m2", "max_z", "covered_share", "network_ids", "uncovered", "rank"]


def _hotspot_frame(
    grid: Grid,
    counts: np.ndarray,
    gi: GiStar,
    x: np.ndarray,
    y: np.ndarray,
    incidents: gpd.GeoDataFrame,
    *,
    networks: gpd.GeoDataFrame | None,
    addresses: gpd.GeoDataFrame | None,
    min_coverage: float,
    notes: list[str],
    weights: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    from bingeo.assign import assign

    labels, k = ndimage.label(gi.hot, structure=np.ones((3, 3), dtype=bool))
    cols = list(_HOTSPOT_COLUMNS)
    if addresses is not None:
        cols.insert(4, "addresses")
    if k == 0:
        return gpd.GeoDataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in cols}, geometry=[], crs=grid.crs)
    ids = np.arange(1, k + 1)
    flat_labels = labels.ravel()
    cell_counts = np.bincount(flat_labels, weights=counts.ravel(), minlength=k + 1)[1:]
    cell_counts = cell_counts.round(6) if weights is not None else cell_counts.round().astype(np.int64)
    n_cells = np.bincount(flat_labels, minlength=k + 1)[1:]
    max_z = ndimage.maximum(np.nan_to_num(gi.z, nan=-np.inf), labels, ids)
    # polygons: coverage union of each component's cell squares
    r, c = np.nonzero(labels)
    lab = labels[r, c]
    order = np.argsort(lab, kind="stable")
    r, c, lab = r[order], c[order], lab[order]
    boxes = grid.cell_polygons(r, c)
    starts = np.r_[0, np.flatnonzero(np.diff(lab)) + 1, len(lab)]
    geoms = np.array(
        [shapely.coverage_union_all(boxes[starts[i] : starts[i + 1]]) for i in range(k)],
        dtype=object,
    )
    single = shapely.get_type_id(geoms) == 3
    geoms[single] = shapely.multipolygons(shapely.get_parts(geoms[single])[:, None]) if single.any() else geoms[single]

    # incidents of each hot spot (those in its cells), and the networks holding them
    row, col, ins = grid.locate(x, y)
    spot = np.where(ins, labels[row, col], 0)
    in_spot = spot > 0
    wt = np.ones(len(spot)) if weights is None else np.asarray(weights, dtype=np.float64)
    covered = np.zeros(k, dtype=np.float64)
    net_ids = [""] * k
    if networks is not None and in_spot.any():
        pts = gpd.GeoDataFrame(
            {"_spot": spot[in_spot]}, geometry=incidents.geometry.to_numpy()[in_spot], crs=incidents.crs
        )
        got = assign(pts, networks)
        hit = got["network_ids"].notna().to_numpy()
        covered = np.bincount(spot[in_spot][hit], weights=wt[in_spot][hit], minlength=k + 1)[1:]
        pairs = pd.DataFrame(
            {
                "spot": spot[in_spot][hit],
                "w": wt[in_spot][hit],
                "network_id": got["network_ids"].astype(object)[hit].str.split(";"),
            }
        ).explode("network_id")
        if len(pairs):
            tally = pairs.groupby(["spot", "network_id"])["w"].sum().rename("n").reset_index()
            tally = tally.sort_values(["spot", "n", "network_id"], ascending=[True, False, True])
            for s, grp in tally.groupby("spot", sort=False):
                net_ids[int(s) - 1] = ";".join(grp["network_id"].astype(str))
    in_counts = np.bincount(spot[in_spot], weights=wt[in_spot], minlength=k + 1)[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(in_counts > 0, covered / np.where(in_counts > 0, in_counts, 1), 0.0)
    if networks is None:
        notes.append("No networks given: every hot spot counts as uncovered (covered_share 0).")
    empty = np.flatnonzero(in_counts == 0)
    if len(empty) and networks is not None:
        share[empty], by_area = _area_coverage(geoms[empty], networks)
        for j, text in zip(empty, by_area):
            net_ids[j] = text
    if len(empty):
        notes.append(
            f"{len(empty)} hot spot{'s' if len(empty) != 1 else ''} (id {', '.join(str(j + 1) for j in empty[:10])}"
            f"{', ...' if len(empty) > 10 else ''}) hold no incident of their own (hot because of their "
            "neighbours): "
            + (
                "covered_share is the share of their area inside networks."
                if networks is not None
                else "covered_share 0."
            )
        )
    frame = pd.DataFrame(
        {
            "hotspot_id": ids.astype(np.int64),
            "incidents": cell_counts,
            "area_m2": n_cells.astype("float64") * (grid.cell_size * _metres_per_unit(grid.crs)) ** 2,
            "max_z": np.asarray(max_z, dtype="float64"),
            "covered_share": share.astype("float64"),
            "network_ids": np.array(net_ids, dtype=object),
            "uncovered": share < min_coverage,
        }
    )
    if addresses is not None:
        ax, ay, aok = _xy(addresses, "addresses")
        ar, ac, ain = grid.locate(ax, ay)
        aspot = np.where(ain & aok, labels[ar, ac], 0)
        frame.insert(4, "addresses", np.bincount(aspot[aspot > 0], minlength=k + 1)[1:].astype(np.int64))
    order = np.lexsort((frame["hotspot_id"], -frame["max_z"], -frame["incidents"], ~frame["uncovered"]))
    frame = frame.iloc[order].reset_index(drop=True)
    frame["rank"] = np.arange(1, k + 1, dtype=np.int64)
    geom = geoms[frame["hotspot_id"].to_numpy() - 1]
    return gpd.GeoDataFrame(frame[cols], geometry=list(geom), crs=grid.crs)


def _area_coverage(spots: np.ndarray, networks: gpd.GeoDataFrame) -> tuple[np.ndarray, list[str]]:
    """Share of each hot spot's area inside any network, and the networks overlapping it, largest overlap first.

    The coverage of a hot spot without incidents of its own: its area decides, since no incident can.
    """
    polys = np.asarray(networks.geometry.to_numpy(), dtype=object)
    ok = ~(shapely.is_missing(polys) | shapely.is_empty(polys))
    polys, nids = polys[ok], networks["network_id"].astype(str).to_numpy()[ok]
    union = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    tree = shapely.STRtree(polys)
    shares = np.zeros(len(spots), dtype="float64")
    ids: list[str] = []
    for j, spot in enumerate(spots):
        area = float(shapely.area(spot))
        shares[j] = min(1.0, float(shapely.area(shapely.intersection(spot, union))) / area) if area > 0 else 0.0
        hits = tree.query(spot, predicate="intersects")
        overlap = shapely.area(shapely.intersection(polys[hits], spot)) if len(hits) else np.zeros(0)
        ranked = sorted((-a, str(nids[h])) for h, a in zip(hits, overlap) if a > 0)
        ids.append(";".join(dict.fromkeys(n for _, n in ranked)))
    return shares, ids


def _metres_per_unit(crs: pyproj.CRS | None) -> float:
    """Metres per unit of the CRS's first axis (1 for metres and for no CRS)."""
    if crs is None or not crs.axis_info:
        return 1.0
    factor = crs.axis_info[0].unit_conversion_factor
    return float(factor) if factor and np.isfinite(factor) else 1.0


def _unit(crs: pyproj.CRS | None) -> str:
    """Short name of the CRS's linear unit: "m", or e.g. "US survey foot"."""
    if crs is None or not crs.axis_info or _metres_per_unit(crs) == 1.0:
        return "m"
    return str(crs.axis_info[0].unit_name)


_DTYPES = {
    "hotspot_id": "int64",
    "incidents": "int64",
    "area_m2": "float64",
    "max_z": "float64",
    "addresses": "int64",
    "covered_share": "float64",
    "network_ids": "object",
    "uncovered": "bool",
    "rank": "int64",
}
