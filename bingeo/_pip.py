"""Exact point-in-polygon location: the kernel behind ``bingeo.assign``.

The locator answers, for many points and many (possibly overlapping)
polygons, every pair where the polygon *covers* the point, with exactly the
result of ``shapely.intersects_xy(polygon, x, y)`` (GEOS): points on an edge
or a vertex belong to the polygon.

Design
------
A uniform grid of square cells of side ``s`` is laid over the polygons'
total bounds. A coordinate maps to a cell by ``trunc((v - origin) / s)``;
the same floating-point formula is used for polygon vertices and for the
query points, and it is monotone in ``v``, so any point of a segment lies in
a column (row) between the columns (rows) of the segment's endpoints.

For every polygon a small dense raster over the cells of its bounding box is
built (all polygons' rasters are concatenated into one flat array):

* *covered* cells: cells that the polygon boundary may touch.  Each boundary
  segment marks, row by row, the columns its slab inside that row spans,
  widened by a safety margin far larger than the rounding error of the
  computation (a conservative superset: "covered" never misses a cell the
  boundary touches under the cell formula);
* every other cell of the raster is entirely inside or entirely outside the
  polygon.  It is classified by the parity of boundary crossings of a
  horizontal ray at a sample ordinate of the row (half-open vertex rule);
  a crossing lies in covered cells of that row, so it is left of an
  uncovered cell exactly when its segment's covered columns are, and no
  interpolated coordinate is ever compared.

The per-polygon rasters are then folded into one global cell code:

* a cell inside exactly one polygon and covered by none maps straight to
  that polygon (the common case for a partition such as a set of networks);
* a cell touched by nothing maps to nothing;
* any other cell is *complex* and gets a list of candidate polygons, each
  flagged "inside" (no test), or covered and then decided by one of:

  - *one segment*: only one segment of the polygon touches the cell and it
    certainly crosses it.  Its end points lie outside the cell (else the
    neighbouring segment would touch it too), so inside the cell the
    boundary is exactly that segment and a point is inside when it is on the
    interior side of it (ring orientation from the signed area);
  - *wedge*: exactly two segments touch the cell and they meet at a vertex
    in the cell.  A point is inside when it is on the interior side of the
    two-segment path (left of both at a left turn, of either at a right
    turn, for a ring with the interior on its left);
  - *GEOS*: anything else.

  The two shortcuts use floating-point orientation determinants with
  Shewchuk's error bound; whenever the sign is not certain (including every
  point exactly on an edge) the pair goes to GEOS.

Query points are binned with the same formula.  Points in simple cells are
answered by a single array lookup; points in complex cells expand to their
cell's candidates, the shortcuts decide what they can, and the rest is
tested with ``shapely.intersects_xy`` on the prepared polygon, grouped by
polygon (GEOS's prepared point-in-area locator is cache-friendly that way).
Points with non-finite coordinates, or outside the grid, never match.

Two situations skip the grid: too few points to repay building it, and
coordinates so large or so small that GEOS's own products may over- or
underflow.  Then candidates come from a ``shapely.STRtree`` and every pair
is tested by GEOS.

The polygons must be valid (``shapely.is_valid``): the shortcuts rely on
simple rings whose interior side is given by their orientation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from bingeo.errors import InputError

__all__ = ["PolygonLocator", "locate", "fingerprint", "IndexFormatError", "borrow_locator"]

logger = logging.getLogger(__name__)

#: Default number of cells along the median polygon bounding-box side
#: (measured best for ~100 points per polygon; see `_cells_per_side`).
CELLS_PER_SIDE = 10.0
#: With fewer expected points than this many per polygon vertex, the
#: one-shot `locate` skips the grid (STRtree + GEOS is cheaper then).
TREE_POINTS_PER_VERTEX = 0.3
#: Upper bound on the number of cells of the global grid.
MAX_GRID_CELLS = 1 << 24
#: Upper bound on the total number of cells of all per-polygon rasters.
MAX_RASTER_CELLS = 1 << 24
#: Polygons with a coordinate beyond this magnitude, or non-zero and below
#: MIN_COORDINATE, are handled by STRtree + GEOS only, and so are points with a
#: non-zero coordinate below MIN_COORDINATE: in that range GEOS's own
#: orientation products may over- or underflow, so no shortcut may second-guess it.
MAX_COORDINATE = 1e100
MIN_COORDINATE = 1e-100
#: Points processed per block inside :meth:`PolygonLocator.locate`.
CHUNK_POINTS = 1 << 21
#: Below this many points per worker, :meth:`PolygonLocator.locate` stays on one thread.
MIN_POINTS_PER_WORKER = 50_000
#: Grid locators kept in memory for the next call with the same polygons (0: none).
KEEP_IN_MEMORY = 2
#: Version of the serialised index (:meth:`PolygonLocator.to_bytes`); an index of another version is rebuilt.
INDEX_FORMAT = 2

_POLYGON = 3
_MULTIPOLYGON = 6
# how a candidate (polygon, complex cell) pair is decided
_INSIDE, _GEOS, _ONE_SEGMENT, _WEDGE = 0, 1, 2, 3

IntArray = NDArray[np.int64]

# what locate needs (saved by to_bytes), and what only the build needs (dropped after it)
# (the segment table ``_ftab`` is not saved: :meth:`PolygonLocator.from_bytes` takes it again from the polygons'
# coordinates at the vertices ``_fvab``, V, A and B of each segment: 40 % fewer bytes to read and check)
_STATE_ARRAYS = ("_code", "_e_start", "_e_poly", "_e_kind", "_e_ref", "_fvab", "_fmode", "_poly_ids")
_MAGIC = b"BGIX\0\0\0\0"  # a bingeo grid index; bytes 4-8 hold the CRC-32 of the rest
_STATE_SCALARS = ("_x0", "_y0", "_s", "_nx", "_ny", "_zero_x", "_zero_y")
_BUILD_ONLY = (
    "_sx0",
    "_sy0",
    "_sx1",
    "_sy1",
    "_spoly",
    "_scol",
    "_srow",
    "_sa",
    "_sprev",
    "_sside",
    "_sturn",
    "_sdiag",
    "_yc",
)


def radix_argsort(key: NDArray[Any], nbits: int) -> IntArray:
    """Return a stable argsort of non-negative integers below ``2**nbits``.

    LSD radix sort, 16 bits per pass, each pass a NumPy stable sort of
    ``uint16`` keys (NumPy uses a counting/radix sort for those), which is
    several times faster than a comparison argsort of the full keys.
    """
    order: IntArray | None = None
    shift = 0
    while True:
        k = key if order is None else key[order]
        if shift:
            k = k >> shift
        p = np.argsort((k & 0xFFFF).astype(np.uint16), kind="stable")
        order = p if order is None else order[p]
        shift += 16
        if shift >= nbits:
            return order


def _excl_cumsum(a: NDArray[Any]) -> IntArray:
    """Return the exclusive cumulative sum of ``a`` as int64 (length ``len(a)``)."""
    out = np.zeros(a.shape[0], np.int64)
    if a.shape[0] > 1:
        np.cumsum(a[:-1], out=out[1:])
    return out


class IndexFormatError(ValueError):
    """A serialised index that cannot be trusted (corrupt, of another format, or of other polygons)."""


def fingerprint(polygons: ArrayLike, *, salt: str = "") -> str:
    """Return a hex digest naming these polygons exactly (order, rings, coordinates, ``None``s) and ``salt``.

    Two arrays get the same fingerprint only when every geometry has the same type, the same parts and
    rings of the same lengths and the same x/y coordinates (every bit), so a stored index keyed by it is
    never used for other polygons. The coordinates are hashed as one buffer (SHA-1, a cache key, not a
    signature), not geometry by geometry: a few milliseconds for 10,000 networks.
    """
    geoms = np.asarray(polygons, dtype=object).ravel()
    h = hashlib.sha1(usedforsecurity=False)
    h.update(f"bingeo-grid-index {INDEX_FORMAT} {geoms.size} {salt}\n".encode())
    tid = shapely.get_type_id(geoms)
    h.update(tid.astype(np.int8))
    h.update(shapely.get_num_coordinates(geoms).astype(np.int64))
    # the ring structure where the coordinate counts do not fix it: parts, interior rings, ring lengths
    several = (tid == _MULTIPOLYGON) | ((tid == _POLYGON) & (shapely.get_num_interior_rings(geoms) > 0))
    several &= tid >= 0  # (None)
    if several.any():
        multi = geoms[several]
        h.update(shapely.get_num_geometries(multi).astype(np.int64))
        parts = shapely.get_parts(multi)
        holes = shapely.get_num_interior_rings(parts)
        h.update(holes.astype(np.int64))
        h.update(shapely.get_num_coordinates(parts).astype(np.int64))
        with_holes = parts[holes > 0]
        if with_holes.size:
            h.update(shapely.get_num_coordinates(shapely.get_rings(with_holes)).astype(np.int64))
    h.update(np.ascontiguousarray(shapely.get_coordinates(geoms)))
    return h.hexdigest()


def _as_polygon_array(polygons: ArrayLike) -> NDArray[np.object_]:
    """Return ``polygons`` as a 1-D object array, checking the geometry types."""
    geoms = np.asarray(polygons, dtype=object)
    if geoms.ndim != 1:
        msg = f"`polygons` should be one-dimensional, got shape {geoms.shape}"
        raise ValueError(msg)
    if geoms.size:
        try:
            tid = shapely.get_type_id(geoms)
        except TypeError as exc:
            msg = f"`polygons` should hold shapely geometries or None: {exc}"
            raise TypeError(msg) from None
        bad = (tid != _POLYGON) & (tid != _MULTIPOLYGON) & (tid != -1)
        bad &= ~shapely.is_empty(geoms)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            msg = (
                "`polygons` should hold Polygon or MultiPolygon geometries "
                f"(or None/empty), got {shapely.get_type_id(geoms[i])!r} "
                f"type id at position {i}: {geoms[i].geom_type}"
            )
            raise TypeError(msg)
    return geoms


def _cells_per_side(expected_points: int | None, npoly: int) -> float:
    """Return the number of cells along the median polygon side.

    More points per polygon make tests dearer relative to building the
    grid, so the cells get finer.  Measured optima on 10,000 Voronoi cells:
    about 4-5 cells per side at 10 points per polygon, 10 at 100 and 14 at
    1,000; this interpolates them in log-log space, within [4, 20].
    """
    if expected_points is None:
        return CELLS_PER_SIDE
    rel = max(expected_points, 1) / max(npoly, 1) / 100.0
    k = CELLS_PER_SIDE * rel ** (0.35 if rel < 1.0 else 0.15)
    return float(np.clip(k, 4.0, 20.0))


def _safe_coordinates(xy: NDArray[np.float64]) -> bool:
    """Return whether every coordinate is 0 or in [MIN_COORDINATE, MAX_COORDINATE]."""
    a = np.abs(xy)
    return bool(((a <= MAX_COORDINATE) & ((a >= MIN_COORDINATE) | (a == 0))).all())


def _ring_coordinates(
    geoms: NDArray[np.object_],
) -> tuple[NDArray[np.float64], IntArray, IntArray, NDArray[np.bool_]]:
    """Return vertex coordinates with their ring and polygon numbers.

    Returns ``(xy, ring, poly, hole)``: consecutive vertices with the same
    ``ring`` are the two ends of one boundary segment, ``hole[ring]`` tells
    interior rings from exterior ones.
    """
    xy, poly = shapely.get_coordinates(geoms, return_index=True)
    ncoord = np.bincount(poly, minlength=geoms.size)
    multi = (shapely.get_type_id(geoms) == _MULTIPOLYGON) | (shapely.get_num_interior_rings(geoms) > 0)
    if not multi.any():
        return xy, poly, poly, np.zeros(geoms.size, bool)
    ci = np.flatnonzero(multi)
    parts, pi = shapely.get_parts(geoms[ci], return_index=True)
    rings, ri = shapely.get_rings(parts, return_index=True)
    rlen = shapely.get_num_coordinates(rings)
    rhole = np.ones(ri.size, bool)
    rhole[np.flatnonzero(np.diff(ri, prepend=-1))] = False  # first ring of a part
    owner = ci[pi[ri]]
    nring = np.ones(geoms.size, np.int64)
    nring[ci] = np.bincount(owner, minlength=geoms.size)[ci]
    ring_len = np.empty(int(nring.sum()), np.int64)
    hole = np.zeros(ring_len.size, bool)
    first = _excl_cumsum(nring)
    single = np.flatnonzero(~multi)
    ring_len[first[single]] = ncoord[single]
    rest = np.ones(ring_len.size, bool)
    rest[first[single]] = False
    ring_len[rest] = rlen
    hole[rest] = rhole
    ring = np.repeat(np.arange(ring_len.size), ring_len)
    return xy, ring, poly, hole


_EPS = np.finfo(np.float64).eps / 2  # unit roundoff 2**-53
#: Shewchuk's error bound for the floating-point 2-D orientation determinant.
_CCW_BOUND = (3.0 + 16.0 * _EPS) * _EPS
#: Below this magnitude the determinant may have lost precision to underflow.
_TINY = 1e-280


def _orient(
    ax: NDArray[np.float64],
    ay: NDArray[np.float64],
    bx: NDArray[np.float64],
    by: NDArray[np.float64],
    qx: NDArray[np.float64],
    qy: NDArray[np.float64],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Return ``(left, sure)``: ``q`` strictly left of ``a -> b``, and is that certain.

    Shewchuk's floating-point filter: where ``sure`` is true the sign of the
    computed determinant is the sign of the exact one (and it is non-zero).
    """
    acx = ax - qx
    bcx = bx - qx
    acy = ay - qy
    bcy = by - qy
    left = acx * bcy
    right = acy * bcx
    det = left - right
    bound = np.abs(left)
    bound += np.abs(right)
    bound *= _CCW_BOUND
    np.maximum(bound, _TINY, out=bound)
    sure = np.abs(det) > bound
    return det > 0, sure


def _median(values: NDArray[np.float64]) -> float:
    """``float(np.median(values))`` for a 1-D float array, without ``np.median``'s import of ``numpy.ma``."""
    if values.size == 0 or np.isnan(values).any():
        return float(np.median(values))  # empty or NaN: numpy's own answer (and warning)
    ordered = np.sort(values)
    mid = values.size // 2
    if values.size % 2:
        return float(ordered[mid])
    return float((ordered[mid - 1] + ordered[mid]) / 2.0)


class PolygonLocator:
    """Locate points in a fixed set of polygons, exactly and fast.

    The polygon-side structure (a uniform grid classifying every cell of
    every polygon's bounding box as inside, outside or on the boundary) is
    built once; :meth:`locate` then answers any number of point batches.

    Parameters
    ----------
    polygons : array_like of shapely.Polygon or shapely.MultiPolygon
        The polygons: valid, possibly overlapping, with holes; ``None`` and
        empty geometries are allowed and never match.  The geometries are
        prepared in place (:func:`shapely.prepare`), which does not change
        their value.
    cell_size : float, optional
        Side of the grid cells, in the polygons' units.  By default the
        median polygon bounding-box side divided by a number of cells that
        grows with ``expected_points`` per polygon (:data:`CELLS_PER_SIDE`
        without it).  Enlarged when needed to respect :data:`MAX_GRID_CELLS`
        and :data:`MAX_RASTER_CELLS`.
    expected_points : int, optional
        Total number of points that will be located.  It tunes the cell
        size, and with fewer points than :data:`TREE_POINTS_PER_VERTEX` per
        polygon vertex (and no ``cell_size``) skips the grid altogether.
        It never changes the results.

    Attributes
    ----------
    mode : {"grid", "tree"}
        ``"tree"``: no grid was built; candidates come from a
        :class:`shapely.STRtree` and every pair is tested by GEOS (few
        points, no usable polygons, or coordinates beyond
        [:data:`MIN_COORDINATE`, :data:`MAX_COORDINATE`]).
    cell_size : float
        The side of the grid cells (``nan`` in tree mode).
    grid_shape : tuple of int
        ``(rows, columns)`` of the global grid.
    timings : dict of str to float
        Cumulative seconds at the end of each build stage.
    stats : dict of str to int
        Sizes of the build: segments, raster cells, simple and complex
        cells, candidates of each kind.
    locate_timings, locate_stats : dict
        The same for the last block of points located.

    See Also
    --------
    locate : the one-shot function.
    shapely.intersects_xy : the predicate reproduced exactly.

    Notes
    -----
    Results equal ``shapely.intersects_xy(polygons[j], x[i], y[i])`` on every
    pair, including points on edges, vertices, hole boundaries and cell
    boundaries: cells and orientation tests only skip GEOS where the outcome
    is certain, and every uncertain pair is decided by GEOS itself.  This
    assumes valid polygons; for an invalid one (a self-intersecting ring)
    the shortcuts may disagree with GEOS, so repair such input first
    (:func:`shapely.make_valid`).

    Memory: about 100 bytes per raster cell while building (capped by
    :data:`MAX_RASTER_CELLS`) and about 150 bytes per point while locating;
    :meth:`locate` works in blocks of :data:`CHUNK_POINTS` points.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> loc = PolygonLocator([shapely.box(0, 0, 2, 2), None, shapely.box(2, 0, 4, 2)])
    >>> loc.locate(np.array([1.0, 2.0, 9.0, np.nan]), np.array([1.0, 1.0, 1.0, 1.0]))
    (array([0, 1, 1]), array([0, 0, 2]))
    """

    def __init__(
        self,
        polygons: ArrayLike,
        *,
        cell_size: float | None = None,
        expected_points: int | None = None,
        cells_per_side: float | None = None,
    ) -> None:
        t0 = time.perf_counter()
        tm: dict[str, float] = {}
        self.timings = tm
        self.stats: dict[str, int] = {}
        if cell_size is not None and not (np.isfinite(cell_size) and cell_size > 0):
            msg = f"`cell_size` should be a positive finite number, got {cell_size!r}"
            raise InputError(msg)
        geoms = _as_polygon_array(polygons)
        if geoms.size:
            tid = shapely.get_type_id(geoms)
            usable = ((tid == _POLYGON) | (tid == _MULTIPOLYGON)) & ~shapely.is_empty(geoms)
        else:
            usable = np.zeros(0, bool)
        self._tree: shapely.STRtree | None = None
        self._grid = False
        self.mode = "tree"
        self._poly_ids: IntArray = np.flatnonzero(usable)
        g = geoms[self._poly_ids]
        self._geoms = g
        self.cell_size = float("nan")
        self.grid_shape = (0, 0)
        if g.size == 0:
            return
        shapely.prepare(g)
        b = shapely.bounds(g)
        xy, ring, poly, hole = _ring_coordinates(g)
        tm["coords"] = time.perf_counter() - t0
        if not _safe_coordinates(xy):
            # GEOS's own predicates under- or overflow there: no shortcuts
            logger.debug(
                "PolygonLocator: coordinates outside [%g, %g], STRtree + GEOS only",
                MIN_COORDINATE,
                MAX_COORDINATE,
            )
            self._tree = shapely.STRtree(g)
            return
        if expected_points is not None and cell_size is None and expected_points < TREE_POINTS_PER_VERTEX * xy.shape[0]:
            # too few points to repay the grid: STRtree candidates + GEOS is cheaper
            logger.debug(
                "PolygonLocator: %d points for %d vertices, STRtree + GEOS",
                expected_points,
                xy.shape[0],
            )
            self._tree = shapely.STRtree(g)
            return
        self._grid = True
        self.mode = "grid"
        self._setup_grid(b, cell_size, expected_points, cells_per_side)
        tm["grid"] = time.perf_counter() - t0
        self._segments(xy, ring, poly, hole)
        tm["segments"] = time.perf_counter() - t0
        raster = self._rasterise(b)
        tm["raster"] = time.perf_counter() - t0
        self._fold(raster)
        del raster
        self._compact()
        tm["fold"] = time.perf_counter() - t0
        logger.debug(
            "PolygonLocator: %d polygons, %d x %d cells of %g, %d complex cells, %d candidates, built in %.3f s",
            g.size,
            self.grid_shape[0],
            self.grid_shape[1],
            self.cell_size,
            self.stats["complex_cells"],
            self.stats["cell_candidates"],
            tm["fold"],
        )

    # ------------------------------------------------------------------ build
    def _setup_grid(
        self,
        b: NDArray[np.float64],
        cell_size: float | None,
        expected_points: int | None,
        cells_per_side: float | None = None,
    ) -> None:
        """Choose the cell size and origin, and the row sample ordinates."""
        x0, y0 = float(b[:, 0].min()), float(b[:, 1].min())
        x1, y1 = float(b[:, 2].max()), float(b[:, 3].max())
        if cell_size is not None:
            s = float(cell_size)
        else:
            side = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
            k = _cells_per_side(expected_points, b.shape[0]) if cells_per_side is None else float(cells_per_side)
            s = _median(side) / k
        big = max(abs(x0), abs(y0), abs(x1), abs(y1), x1 - x0, y1 - y0)
        w, h = x1 - x0, y1 - y0
        s = max(
            s,
            big * 1e-7,  # cells far wider than any rounding error
            float(np.sqrt(w * h / MAX_GRID_CELLS)),
            w / MAX_GRID_CELLS,
            h / MAX_GRID_CELLS,
            float(np.finfo(float).tiny),
        )
        # enforce the size caps
        rel = b - np.array([x0, y0, x0, y0])
        for _ in range(500):
            nx = int((x1 - x0) / s) + 1
            ny = int((y1 - y0) / s) + 1
            rc = np.floor(rel / s)
            raster = float(((rc[:, 2] - rc[:, 0] + 2) * (rc[:, 3] - rc[:, 1] + 1)).sum())
            if nx * ny <= MAX_GRID_CELLS and raster <= MAX_RASTER_CELLS:
                break
            s *= 1.25
        self._x0, self._y0, self._s = x0, y0, s
        # does the grid reach coordinates so small that GEOS products underflow?
        self._zero_x = x0 < MIN_COORDINATE and x0 + (nx + 1) * s > -MIN_COORDINATE
        self._zero_y = y0 < MIN_COORDINATE and y0 + (ny + 1) * s > -MIN_COORDINATE
        self._nx, self._ny = nx, ny
        self.cell_size = s
        self.grid_shape = (ny, nx)
        # margin far above the rounding error of any coordinate computation here
        self._eps = 1e-9 * big + 1e-6 * s
        # a sample ordinate per row that the cell formula maps to that row
        rows = np.arange(ny)
        yc: NDArray[np.float64] = (y0 + (rows + 0.5) * s).astype(np.float64)
        for _ in range(64):
            r = self._row(yc)
            bad = r != rows
            if not bad.any():
                break
            yc[bad] = np.where(
                r[bad] < rows[bad],
                np.nextafter(yc[bad], np.inf),
                np.nextafter(yc[bad], -np.inf),
            )
        else:  # pragma: no cover - needs absurd cell sizes
            msg = "cannot place row sample ordinates; use a larger `cell_size`"
            raise InputError(msg)
        self._yc = yc

    def _col(self, v: NDArray[np.float64]) -> IntArray:
        """Return the column of in-grid abscissas (the one cell formula, with _row)."""
        return ((v - self._x0) / self._s).astype(np.int64)

    def _row(self, v: NDArray[np.float64]) -> IntArray:
        """Return the row of in-grid ordinates."""
        return ((v - self._y0) / self._s).astype(np.int64)

    def _segments(
        self,
        xy: NDArray[np.float64],
        ring: IntArray,
        poly: IntArray,
        hole: NDArray[np.bool_],
    ) -> None:
        """Store the boundary segments and what the exact fast path needs of them.

        Per segment ``k`` (from vertex ``k`` to the next one of its ring):
        its polygon, end points, on which side the polygon interior lies
        (``+1`` left, ``-1`` right, ``0`` not certain), the previous segment
        of the ring and the turn at its start vertex (``+1`` left, ``-1``
        right, ``0`` not certain).
        """
        sa = np.flatnonzero(ring[1:] == ring[:-1])
        sb = sa + 1
        self._sx0, self._sy0 = xy[sa, 0], xy[sa, 1]
        self._sx1, self._sy1 = xy[sb, 0], xy[sb, 1]
        self._spoly = poly[sa]
        self._scol = self._col(xy[:, 0])
        self._srow = self._row(xy[:, 1])
        self._sa = sa
        nseg = sa.size
        sring = ring[sa]
        # first and last segment of each ring; previous segment in the ring
        first = np.flatnonzero(np.diff(sring, prepend=-1))
        nper = np.diff(np.append(first, nseg))
        prev = np.arange(nseg) - 1
        prev[first] = first + nper - 1
        self._sprev = prev
        # interior side: signed area of each ring (relative to its first vertex)
        # with an error bound; a ring whose sign is not certain is left to GEOS
        rx = self._sx0 - np.repeat(self._sx0[first], nper)
        ry = self._sy0 - np.repeat(self._sy0[first], nper)
        ex = self._sx1 - np.repeat(self._sx0[first], nper)
        ey = self._sy1 - np.repeat(self._sy0[first], nper)
        t1 = rx * ey
        t2 = ex * ry
        area2 = np.add.reduceat(t1 - t2, first) if nseg else np.zeros(0)
        mag = np.add.reduceat(np.abs(t1) + np.abs(t2), first) if nseg else np.zeros(0)
        sure = np.abs(area2) > np.maximum(8.0 * (nper + 8) * _EPS * mag, _TINY)
        ccw = area2 > 0
        ring_hole = hole[sring[first]]
        side = np.where(ccw != ring_hole, 1, -1).astype(np.int8)
        side[~sure] = 0
        self._sside = np.repeat(side, nper)
        # turn at the start vertex of each segment: A = start of prev, V, B = end
        left, sure = _orient(self._sx0[prev], self._sy0[prev], self._sx0, self._sy0, self._sx1, self._sy1)
        turn = np.where(left, 1, -1).astype(np.int8)
        turn[~sure] = 0
        self._sturn = turn
        # what the fast path reads is tabulated by _compact for the segments candidates refer to

    def _rasterise(self, b: NDArray[np.float64]) -> dict[str, Any]:
        """Classify every cell of every polygon's bounding box.

        Every polygon gets a raster over the cells of its bounding box plus
        one padding column; all rasters are concatenated into flat arrays:
        ``ncov`` (how many of its segments may touch the cell), ``inside``
        (cell not touched and inside by parity), ``segsum`` (sum of the
        touching segments' numbers, which names the segment when
        ``ncov == 1``) and ``vertex`` (a segment starting in the cell, or -1).
        """
        s, y0, eps = self._s, self._y0, self._eps
        pc0 = self._col(b[:, 0])
        pr0 = self._row(b[:, 1])
        wid = self._col(b[:, 2]) - pc0 + 2
        hgt = self._row(b[:, 3]) - pr0 + 1
        size = wid * hgt
        off = _excl_cumsum(size)
        total = int(off[-1] + size[-1])
        sa = self._sa
        sb = sa + 1
        kseg = self._spoly
        xa, ya, xb, yb = self._sx0, self._sy0, self._sx1, self._sy1
        col, row = self._scol, self._srow
        cmin = np.minimum(col[sa], col[sb])
        cmax = np.maximum(col[sa], col[sb])
        rmin = np.minimum(row[sa], row[sb])
        nrow = np.maximum(row[sa], row[sb]) - rmin + 1
        ymin = np.minimum(ya, yb)
        ymax = np.maximum(ya, yb)
        # a segment spanning several rows and columns need not cross every
        # cell of its bounding box: narrow it row by row (see _cross_certain)
        self._sdiag = (nrow > 1) & (cmin < cmax)
        # flat index of (polygon raster, global row r, global column c):
        # base + r * wid + c
        wseg = wid[kseg]
        base = off[kseg] - pr0[kseg] * wseg - pc0[kseg]
        # expand segments over the rows they span
        nspan = int(nrow.sum())
        rep = np.repeat(np.arange(sa.size), nrow)
        srow = np.arange(nspan) - np.repeat(_excl_cumsum(nrow) - rmin, nrow)
        lo = cmin[rep]
        hi = cmax[rep]
        diag = np.flatnonzero(self._sdiag[rep])
        if diag.size:
            d = rep[diag]
            r = srow[diag]
            dxa, dya = xa[d], ya[d]
            slope = (xb[d] - dxa) / (yb[d] - dya)  # several rows: yb != ya
            ylo = np.maximum(ymin[d], y0 + r * s - eps)
            yhi = np.minimum(ymax[d], y0 + (r + 1) * s + eps)
            xl = dxa + (ylo - dya) * slope
            xh = dxa + (yhi - dya) * slope
            lo[diag] = self._col(np.maximum(np.minimum(xl, xh) - eps, np.minimum(dxa, xb[d])))
            hi[diag] = self._col(np.minimum(np.maximum(xl, xh) + eps, np.maximum(dxa, xb[d])))
        flat = base[rep] + srow * wseg[rep]
        plus = flat + lo
        minus = flat + hi + 1
        del flat, lo, hi
        # crossings of the row's sample line (half-open rule) flip the parity
        # of every cell right of the columns the segment covers in that row
        ys = self._yc[srow]
        flip = minus[(ys >= ymin[rep]) & (ys < ymax[rep])]
        del ys
        ncov = np.bincount(plus, minlength=total)
        ncov -= np.bincount(minus, minlength=total)
        np.cumsum(ncov, out=ncov)
        w = rep.astype(np.float64)
        segsum = np.bincount(plus, weights=w, minlength=total)
        segsum -= np.bincount(minus, weights=w, minlength=total)
        np.cumsum(segsum, out=segsum)
        del w, plus, minus, rep, srow
        par = np.bincount(flip, minlength=total)
        np.cumsum(par, out=par)
        np.bitwise_and(par, 1, out=par)
        inside = par.astype(bool)
        del par
        inside &= ncov == 0
        vertex = np.full(total, -1, np.int32 if sa.size < 2**31 else np.int64)
        vertex[base + row[sa] * wseg + col[sa]] = np.arange(sa.size)
        self.stats.update(segments=int(sa.size), spans=nspan, raster_cells=total)
        return {
            "ncov": ncov,
            "inside": inside,
            "segsum": segsum,
            "vertex": vertex,
            "pc0": pc0,
            "pr0": pr0,
            "wid": wid,
            "hgt": hgt,
            "off": off,
            "size": size,
        }

    def _cross_certain(self, seg: IntArray, cell: IntArray) -> NDArray[np.bool_]:
        """Return whether segment ``seg`` certainly passes through cell ``cell``.

        True for a segment within one row or one column (it crosses every
        cell of its bounding box), otherwise true when the segment meets the
        cell shrunk by ``2 * eps`` on every side (interpolation error is far
        smaller than ``eps``).
        """
        ok = ~self._sdiag[seg]
        d = np.flatnonzero(~ok)
        if d.size:
            s, x0, y0, e2 = self._s, self._x0, self._y0, 2.0 * self._eps
            k = seg[d]
            r, c = np.divmod(cell[d], self._nx)
            xa, ya, xb, yb = self._sx0[k], self._sy0[k], self._sx1[k], self._sy1[k]
            ylo = np.maximum(np.minimum(ya, yb), y0 + r * s + e2)
            yhi = np.minimum(np.maximum(ya, yb), y0 + (r + 1) * s - e2)
            slope = (xb - xa) / (yb - ya)
            xl = xa + (ylo - ya) * slope
            xh = xa + (yhi - ya) * slope
            ok[d] = (
                (ylo <= yhi) & (np.maximum(xl, xh) >= x0 + c * s + e2) & (np.minimum(xl, xh) <= x0 + (c + 1) * s - e2)
            )
        return ok

    def _fold(self, raster: dict[str, Any]) -> None:
        """Fold the per-polygon rasters into the global cell code and candidates."""
        nx, ny = self._nx, self._ny
        ncell = nx * ny
        ncov, inside = raster["ncov"], raster["inside"]
        pc0, pr0, wid, hgt, off, size = (raster[k] for k in ("pc0", "pr0", "wid", "hgt", "off", "size"))
        npoly = size.size
        cov = ncov > 0
        # global cell of each raster cell
        rk = np.repeat(np.arange(npoly), hgt)
        j = np.arange(rk.size) - _excl_cumsum(hgt)[rk]
        delta = (pr0[rk] + j) * nx + pc0[rk] - off[rk] - j * wid[rk]
        # (int32: at most MAX_GRID_CELLS cells and MAX_RASTER_CELLS raster cells)
        gcell = np.repeat(delta.astype(np.int32), wid[rk])
        gcell += np.arange(inside.size, dtype=np.int32)
        del rk, j, delta
        owner = np.repeat(np.arange(npoly, dtype=np.int32), size)
        g_in = gcell[inside]
        n_in = np.bincount(g_in, minlength=ncell + 1)
        n_cov = np.bincount(gcell[cov], minlength=ncell + 1)
        code = np.full(ncell + 1, -1, np.int32)
        code[g_in] = owner[inside]
        simple = (n_in == 1) & (n_cov == 0)
        complex_ = (n_cov > 0) | (n_in > 1)
        cells = np.flatnonzero(complex_)
        ncx = cells.size
        code[cells] = -2 - np.arange(ncx, dtype=np.int32)
        code[(n_in == 0) & (n_cov == 0)] = -1
        self._code = code[:ncell]
        # candidates of complex cells, grouped by cell, polygon-ascending within
        ent = np.flatnonzero((inside | cov) & complex_[gcell])
        e_cell = gcell[ent]
        e_cid = (-2 - code[e_cell]).astype(np.int64)
        order = radix_argsort(e_cid, max(1, int(ncx).bit_length()))
        ent = ent[order]
        e_cell = e_cell[order]
        self._e_poly = owner[ent]
        self._e_start = _excl_cumsum(np.append(np.bincount(e_cid, minlength=ncx), 0))
        # how to decide each candidate: 0 inside, 1 GEOS, 2 one segment, 3 vertex wedge
        n = ncov[ent]
        kind = np.where(n > 0, _GEOS, _INSIDE).astype(np.int8)
        ref = np.full(ent.size, -1, np.int64)
        one = np.flatnonzero(n == 1)
        seg = raster["segsum"][ent[one]].astype(np.int64)
        ok = (self._sside[seg] != 0) & self._cross_certain(seg, e_cell[one])
        kind[one[ok]] = _ONE_SEGMENT
        ref[one[ok]] = seg[ok]
        two = np.flatnonzero(n == 2)
        seg = raster["vertex"][ent[two]].astype(np.int64)
        ok = seg >= 0
        ok[ok] = (self._sside[seg[ok]] != 0) & (self._sturn[seg[ok]] != 0)
        kind[two[ok]] = _WEDGE
        ref[two[ok]] = seg[ok]
        self._e_kind = kind
        self._e_ref = ref
        self.stats.update(
            simple_cells=int(simple.sum()),
            complex_cells=int(ncx),
            cell_candidates=int(ent.size),
            geos_candidates=int((kind == _GEOS).sum()),
            one_segment_candidates=int((kind == _ONE_SEGMENT).sum()),
            wedge_candidates=int((kind == _WEDGE).sum()),
        )

    def _compact(self) -> None:
        """Tabulate what the fast path reads, for the segments candidates refer to only; drop build arrays.

        One row per such segment (V = its start, A = start of the previous segment, B = its end):
        V, A - V, B - V (:meth:`_segment_table`); and its flags (bit 0: interior on the left, bit 1: left
        turn at V).
        """
        ref = self._e_ref
        used = ref >= 0
        seg, inv = np.unique(ref[used], return_inverse=True)
        p = self._sprev[seg]
        sx, sy = self._sx0[seg], self._sy0[seg]
        ftab = np.empty((seg.size, 6), np.float64)
        ftab[:, 0] = sx
        ftab[:, 1] = sy
        ftab[:, 2] = self._sx0[p] - sx
        ftab[:, 3] = self._sy0[p] - sy
        ftab[:, 4] = self._sx1[seg] - sx
        ftab[:, 5] = self._sy1[seg] - sy
        self._ftab = ftab
        small = np.int32 if self._sa.size == 0 or int(self._sa[-1]) + 1 < 2**31 else np.int64
        vab = np.empty((seg.size, 3), small)  # the vertices V, A, B of each row
        vab[:, 0] = self._sa[seg]
        vab[:, 1] = self._sa[p]
        vab[:, 2] = self._sa[seg] + 1
        self._fvab = vab
        self._fmode = (self._sside[seg] > 0).astype(np.int8) | (self._sturn[seg] > 0).astype(np.int8) << 1
        small = np.int32 if max(seg.size, int(self._e_start[-1])) < 2**31 else np.int64
        ref = ref.astype(small)
        ref[used] = inv
        self._e_ref = ref
        self._e_start = self._e_start.astype(small)
        for name in _BUILD_ONLY:
            self.__dict__.pop(name, None)

    @staticmethod
    def _segment_table(xy: NDArray[np.float64], vab: NDArray[Any]) -> NDArray[np.float64]:
        """Return the rows V, A - V, B - V of the segments with the vertices ``vab`` (rows V, A, B) of ``xy``.

        The same subtractions of the same coordinates as :meth:`_compact`'s, so the same bits.
        """
        z = np.ascontiguousarray(xy).view(np.complex128).ravel()  # x + iy: one element per vertex, same bits
        ftab = np.take(z, vab)
        ftab[:, 1] -= ftab[:, 0]  # componentwise: the real and imaginary parts apart
        ftab[:, 2] -= ftab[:, 0]
        return ftab.view(np.float64)

    # ------------------------------------------------------------------ stored index
    def to_bytes(self, key: str) -> bytes:
        """Return the grid index as bytes, for :meth:`from_bytes` with the same polygons and ``key``.

        The bytes start with a magic number and a CRC-32 of the rest (a damaged copy is detected), then a
        JSON header and the raw arrays, 8-byte aligned, which :meth:`from_bytes` maps without copying (but the
        segment table, which it takes again from the polygons' coordinates).
        Only a grid-mode locator can be saved (``mode == "grid"``).
        """
        if not self._grid:
            msg = "only a grid-mode PolygonLocator can be saved"
            raise ValueError(msg)
        head: dict[str, Any] = {"format": INDEX_FORMAT, "key": key, "stats": self.stats}
        head.update({name: getattr(self, name) for name in _STATE_SCALARS})
        arrays, offset = [], 0
        for name in _STATE_ARRAYS:
            a = np.ascontiguousarray(getattr(self, name))
            arrays.append(a)
            head[name] = [a.dtype.str, list(a.shape), offset]
            offset += a.nbytes + (-a.nbytes) % 8  # 8-byte aligned
        text = json.dumps(head).encode()
        text += b" " * ((-len(text) - 12) % 8)
        out = bytearray(12 + len(text) + offset)
        out[8:12] = len(text).to_bytes(4, "little")
        out[12 : 12 + len(text)] = text
        base = 12 + len(text)
        for name, a in zip(_STATE_ARRAYS, arrays):
            at = base + head[name][2]
            out[at : at + a.nbytes] = a.tobytes()
        out[:8] = _MAGIC
        crc = zlib.crc32(memoryview(out)[8:])
        out[4:8] = crc.to_bytes(4, "little")
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes, polygons: ArrayLike, *, key: str) -> PolygonLocator:
        """Rebuild a locator saved by :meth:`to_bytes` for ``polygons``, without building the grid.

        Raises :class:`IndexFormatError` when ``data`` is damaged, of another :data:`INDEX_FORMAT`,
        saved under another ``key`` or does not fit ``polygons``: the caller then builds afresh.
        The polygons are prepared in place, as by the constructor. The arrays are read-only views
        of ``data`` (no copy), but the segment table, taken from the polygons' coordinates.
        """
        t0 = time.perf_counter()
        view = memoryview(data)
        if len(view) < 12 or bytes(view[:4]) != _MAGIC[:4]:
            msg = "the stored index is not a bingeo index"
            raise IndexFormatError(msg)
        if zlib.crc32(view[8:]).to_bytes(4, "little") != bytes(view[4:8]):
            msg = "the stored index is damaged (checksum mismatch)"
            raise IndexFormatError(msg)
        size = int.from_bytes(view[8:12], "little")
        try:
            head = json.loads(bytes(view[12 : 12 + size]).decode())
            if not isinstance(head, dict):
                raise ValueError("not an object")
            found = head.get("format")
            if found != INDEX_FORMAT:
                msg = f"the stored index has format {found}, not {INDEX_FORMAT}"
                raise IndexFormatError(msg)
            base = 12 + size
            arrays = {}
            for name in _STATE_ARRAYS:
                dtype, shape, at = head[name]
                dt_ = np.dtype(dtype)
                if dt_.hasobject:
                    raise ValueError("object array")
                count = int(np.prod(shape, dtype=np.int64))
                arrays[name] = np.frombuffer(view, dtype=dt_, count=count, offset=base + int(at)).reshape(shape)
        except IndexFormatError:
            raise
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            msg = f"the stored index cannot be read: {exc}"
            raise IndexFormatError(msg) from None
        if head.get("key") != key:
            msg = "the stored index was built for other polygons"
            raise IndexFormatError(msg)
        geoms = _as_polygon_array(polygons)
        self = cls.__new__(cls)
        self.timings = {}
        self.stats = dict(head.get("stats") or {})
        self._tree = None
        self._grid = True
        self.mode = "grid"
        for name in _STATE_SCALARS:
            setattr(self, name, head[name] if name in head else None)
        for name, arr in arrays.items():
            setattr(self, name, arr)
        xy = shapely.get_coordinates(geoms)  # None and empty geometries have none: those of the usable ones
        self._check_state(geoms, xy.shape[0])
        self._ftab = self._segment_table(xy, self._fvab)
        self._geoms = geoms[self._poly_ids]
        shapely.prepare(self._geoms)
        self.cell_size = float(self._s)
        self.grid_shape = (int(self._ny), int(self._nx))
        self.timings["load"] = time.perf_counter() - t0
        return self

    def _check_state(self, geoms: NDArray[np.object_], ncoord: int) -> None:
        """Raise :class:`IndexFormatError` unless the loaded state fits ``geoms`` (with ``ncoord`` vertices)."""

        def bad(what: str) -> IndexFormatError:
            return IndexFormatError(f"the stored index is inconsistent: {what}")

        try:
            nx, ny, s, x0, y0 = int(self._nx), int(self._ny), float(self._s), float(self._x0), float(self._y0)
            if not isinstance(self._zero_x, bool) or not isinstance(self._zero_y, bool):
                raise bad("flags")
        except (TypeError, ValueError):
            raise bad("grid parameters") from None
        if nx < 1 or ny < 1 or not (np.isfinite(s) and s > 0 and np.isfinite(x0) and np.isfinite(y0)):
            raise bad("grid parameters")
        for name in _STATE_ARRAYS:
            arr = getattr(self, name)
            if arr.dtype.kind != "i" or arr.ndim != (2 if name == "_fvab" else 1):
                raise bad(name)
        vab = self._fvab
        nseg = vab.shape[0]
        if vab.shape[1] != 3 or self._fmode.size != nseg:
            raise bad("segment table")
        if nseg and (vab.min() < 0 or vab.max() >= ncoord):
            raise bad("segment vertices")
        tid = shapely.get_type_id(geoms) if geoms.size else np.zeros(0, np.int64)
        usable = ((tid == _POLYGON) | (tid == _MULTIPOLYGON)) & ~shapely.is_empty(geoms)
        if not np.array_equal(self._poly_ids, np.flatnonzero(usable)):
            raise bad("polygon numbers")
        npoly = self._poly_ids.size
        code, start = self._code, self._e_start
        ncx = start.size - 1
        if code.size != nx * ny or ncx < 0 or start[0] != 0 or start[-1] != self._e_poly.size:
            raise bad("cell table")
        if (np.diff(start) < 0).any() or (code.size and (code.min() < -1 - ncx or code.max() >= npoly)):
            raise bad("cell codes")
        e_poly, kind, ref = self._e_poly, self._e_kind, self._e_ref
        if kind.size != e_poly.size or ref.size != e_poly.size:
            raise bad("candidates")
        if e_poly.size and (e_poly.min() < 0 or e_poly.max() >= npoly or kind.min() < 0 or kind.max() > _WEDGE):
            raise bad("candidates")
        fast = kind >= _ONE_SEGMENT
        if (ref[fast] < 0).any() or (ref >= nseg).any():
            raise bad("segment references")

    # ------------------------------------------------------------------ query
    def locate(self, x: ArrayLike, y: ArrayLike, *, workers: int = 1) -> tuple[IntArray, IntArray]:
        """Return every (point, polygon) pair where the polygon covers the point.

        Parameters
        ----------
        x, y : array_like of float
            Point coordinates, 1-D, same length, in the polygons' CRS.
        workers : int, default 1
            Threads locating blocks of points at once (numpy and GEOS release the GIL); they share the
            prepared polygons and take turns for GEOS's tests. The result does not depend on it.

        Returns
        -------
        point_index, polygon_index : numpy.ndarray of int64
            Positions into ``x``/``y`` and into the polygons, sorted by
            point then polygon.  A point on a shared edge appears once per
            polygon; a point in no polygon does not appear.
        """
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        if xa.ndim != 1 or xa.shape != ya.shape:
            msg = f"`x` and `y` should be 1-D and of equal length, got {xa.shape} and {ya.shape}"
            raise ValueError(msg)
        n = xa.size
        if n == 0 or self._geoms.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        chunk = CHUNK_POINTS
        if workers > 1:
            chunk = min(chunk, max(MIN_POINTS_PER_WORKER, -(-n // workers)))
        pts, pols = [], []
        for lo, p, q in self.locate_blocks(xa, ya, chunk, workers=workers):
            pts.append(p + lo)
            pols.append(q)
        if len(pts) == 1:
            return pts[0], pols[0]
        return np.concatenate(pts), np.concatenate(pols)

    def locate_blocks(
        self, x: NDArray[np.float64], y: NDArray[np.float64], block: int, *, workers: int = 1, split: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """Yield ``(start, point_index, polygon_index)`` for each block of ``block`` points, in order.

        ``point_index`` counts from ``start``. With ``workers > 1`` up to that many blocks are
        located at once in threads; blocks still come out in order, so the result is that of one
        thread. The threads share the prepared polygons and take turns for GEOS's tests (GEOS's
        prepared geometries are not safe to use from two threads at once): the grid and the exact
        shortcuts, most of the work, run side by side. Closing the generator early cancels the
        blocks not started.

        With ``split``, yield ``(start, simple, point_index, polygon_index)`` instead: ``simple[i]``
        is the one polygon of point ``start + i`` when it lies in a cell inside exactly one polygon and
        crossed by no boundary (most points; never in the pairs), else -1; the pairs are those of
        the other points. Together they are the pairs of ``split=False``.
        """
        n = x.size
        spans = [(lo, min(lo + block, n)) for lo in range(0, n, max(1, int(block)))]
        workers = max(1, min(int(workers), len(spans)))
        if workers == 1 or not self._grid:
            for lo, hi in spans:
                yield (lo, *self._locate_any(x[lo:hi], y[lo:hi], split=split))
            return
        if self._zero_x or self._zero_y:
            self._strtree()  # built once, before the threads share it
        geos = threading.Lock()

        def run(lo: int, hi: int) -> tuple[Any, ...]:
            return (lo, *self._locate(x[lo:hi], y[lo:hi], geos=geos, split=split))

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bingeo-locate") as ex:
            futures = [ex.submit(run, lo, hi) for lo, hi in spans]
            try:
                for f in futures:
                    yield f.result()
            finally:
                for f in futures:
                    f.cancel()

    def _strtree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self._geoms)
        return self._tree

    def _locate_any(self, x: NDArray[np.float64], y: NDArray[np.float64], *, split: bool = False) -> tuple[Any, ...]:
        if x.size == 0 or not self._grid:
            p, q = self._locate_tree(x, y) if x.size else (np.empty(0, np.int64), np.empty(0, np.int64))
            return (np.full(x.size, -1, np.int64), p, q) if split else (p, q)
        return self._locate(x, y, split=split)

    def _locate_tree(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[IntArray, IntArray]:
        """Locate with STRtree candidates and GEOS only."""
        tree = self._strtree()
        finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        a, b = tree.query(shapely.points(x[finite], y[finite]))
        a = finite[a]
        order = np.argsort(b, kind="stable")
        a, b = a[order], b[order]
        hit = shapely.intersects_xy(self._geoms[b], x[a], y[a])
        a, b = a[hit], self._poly_ids[b[hit]]
        order = np.lexsort((b, a))
        return a[order].astype(np.int64), b[order].astype(np.int64)

    def _decide(
        self,
        kind: NDArray[np.int8],
        ref: IntArray,
        qx: NDArray[np.float64],
        qy: NDArray[np.float64],
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Decide candidate pairs without GEOS where that is exact.

        Returns ``(hit, sure)``; pairs with ``sure`` false go to GEOS.  A
        one-segment pair is inside when the point is on the interior side
        of the segment ``V -> B``; a wedge pair when it is on the interior
        side of the two-segment path ``A -> V -> B`` (left of both
        segments at a left turn, of either at a right turn).  Both
        determinants are taken relative to ``V``, a form for which
        Shewchuk's bound holds.
        """
        n = kind.size
        hit = np.zeros(n, bool)
        sure = np.zeros(n, bool)
        i = np.flatnonzero(kind >= _ONE_SEGMENT)
        if i.size == 0:
            return hit, sure
        k = ref[i]
        f = np.take(self._ftab, k, axis=0)
        mode = self._fmode[k]
        wedge = kind[i] == _WEDGE
        u = qx[i] - f[:, 0]
        v = qy[i] - f[:, 1]
        # B side: orient(V, B, q)
        lft = f[:, 4] * v
        rgt = f[:, 5] * u
        det = lft - rgt
        bound = np.abs(lft)
        bound += np.abs(rgt)
        bound *= _CCW_BOUND
        np.maximum(bound, _TINY, out=bound)
        ok = np.abs(det) > bound
        left = det > 0
        # A side: orient(A, V, q), for wedges
        lft = u * f[:, 3]
        rgt = v * f[:, 2]
        det = lft - rgt
        bound = np.abs(lft)
        bound += np.abs(rgt)
        bound *= _CCW_BOUND
        np.maximum(bound, _TINY, out=bound)
        ok &= (np.abs(det) > bound) | ~wedge
        la = det > 0
        convex = (mode & 2).astype(bool)
        left = np.where(wedge, np.where(convex, la & left, la | left), left)
        hit[i] = left == (mode & 1).astype(bool)
        sure[i] = ok
        return hit, sure

    def _locate(
        self,
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        *,
        geos: threading.Lock | None = None,
        split: bool = False,
    ) -> tuple[Any, ...]:
        """Locate one block (see :meth:`locate_blocks` for ``split``); ``geos``: held around GEOS's tests."""
        tm: dict[str, float] = {}
        t0 = time.perf_counter()
        turn = geos if geos is not None else nullcontext()
        n = x.size
        nx, ny = self._nx, self._ny
        fx = x - self._x0
        fx /= self._s
        fy = y - self._y0
        fy /= self._s
        valid = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)
        tiny = None
        if self._zero_x or self._zero_y:
            # non-zero coordinates below MIN_COORDINATE: GEOS products may
            # underflow, so such points get GEOS on every candidate polygon
            tiny = np.zeros(n, bool)
            if self._zero_x:
                tiny |= (np.abs(x) < MIN_COORDINATE) & (x != 0)
            if self._zero_y:
                tiny |= (np.abs(y) < MIN_COORDINATE) & (y != 0)
            if tiny.any():
                valid &= ~tiny
            else:
                tiny = None
        out = ~valid
        fx[out] = 0
        fy[out] = 0
        cell = fy.astype(np.int64)
        cell *= nx
        cell += fx.astype(np.int64)
        del fx, fy
        code = self._code[cell]
        code[out] = -1
        tm["cells"] = time.perf_counter() - t0
        # points in simple cells: one polygon, no test
        if split:
            simple = np.maximum(code, -1)
            if self._poly_ids.size and self._poly_ids[-1] != self._poly_ids.size - 1:  # not every polygon usable
                simple = np.append(self._poly_ids, -1)[simple]  # (-1: the last, -1)
            a_pt = a_poly = None
        else:
            a_pt = np.flatnonzero(code >= 0)
            a_poly = code[a_pt]
        # points in complex cells: expand to their cells' candidates
        cp = np.flatnonzero(code <= -2)
        cid = -2 - code[cp].astype(np.int64)
        start = self._e_start[cid]
        ncand = self._e_start[cid + 1] - start
        total = int(ncand.sum())
        pos = np.arange(total) + np.repeat(start - _excl_cumsum(ncand), ncand)
        b_pt = np.repeat(cp, ncand)
        b_poly = self._e_poly[pos]
        kind = self._e_kind[pos]
        ti = np.flatnonzero(kind != _INSIDE)
        tm["expand"] = time.perf_counter() - t0
        keep = np.ones(total, bool)
        tp = b_pt[ti]
        hit, sure = self._decide(kind[ti], self._e_ref[pos[ti]], x[tp], y[tp])
        keep[ti] = hit
        tm["fast"] = time.perf_counter() - t0
        # the rest: exact GEOS tests, grouped by polygon
        gi = ti[~sure]
        gpoly = b_poly[gi]
        order = radix_argsort(gpoly, max(1, int(self._geoms.size).bit_length()))
        gi = gi[order]
        tp = b_pt[gi]
        gx, gy, gg = x[tp], y[tp], self._geoms[gpoly[order]]
        with turn:
            keep[gi] = shapely.intersects_xy(gg, gx, gy)
        tm["geos"] = time.perf_counter() - t0
        b_pt = b_pt[keep]
        b_poly = b_poly[keep]
        na, nb = (n - int((simple < 0).sum()) if split else a_pt.size), b_pt.size
        if split:
            res_pt, res_poly = b_pt.astype(np.int64), self._poly_ids[b_poly]
        elif nb == 0:  # merge the two point-ordered lists
            res_pt, res_poly = a_pt, self._poly_ids[a_poly]
        else:
            # a point is in one list only, so inclusive counts of the other list
            # are the numbers of its pairs with a smaller point index
            b_upto = np.bincount(b_pt, minlength=n)
            np.cumsum(b_upto, out=b_upto)
            a_upto = np.zeros(n, np.int64)
            a_upto[a_pt] = 1
            np.cumsum(a_upto, out=a_upto)
            pos_a = np.arange(na) + b_upto[a_pt]
            pos_b = np.arange(nb) + a_upto[b_pt]
            res_pt = np.empty(na + nb, np.int64)
            res_poly = np.empty(na + nb, np.int64)
            res_pt[pos_a] = a_pt
            res_pt[pos_b] = b_pt
            res_poly[pos_a] = self._poly_ids[a_poly]
            res_poly[pos_b] = self._poly_ids[b_poly]
        if tiny is not None:
            sub = np.flatnonzero(tiny)
            with turn:
                p, q = self._locate_tree(x[sub], y[sub])
            res_pt = np.concatenate([res_pt, sub[p]])
            res_poly = np.concatenate([res_poly, q])
            order = np.lexsort((res_poly, res_pt))
            res_pt, res_poly = res_pt[order], res_poly[order]
        tm["merge"] = time.perf_counter() - t0
        self.locate_timings = tm
        self.locate_stats = {
            "simple_points": int(na),
            "complex_points": int(cp.size),
            "pair_candidates": total,
            "tested": int(ti.size),
            "geos": int(gi.size),
        }
        return (simple, res_pt, res_poly) if split else (res_pt, res_poly)


_kept: dict[str, tuple[PolygonLocator, threading.Lock]] = {}
_kept_lock = threading.Lock()


@contextmanager
def borrow_locator(key: str, build: Callable[[], PolygonLocator]) -> Iterator[PolygonLocator]:
    """Lend the locator kept in memory under ``key``, else the one ``build()`` returns (kept for next time).

    ``key`` must name the polygons exactly (:func:`fingerprint`): a locator answers the same whatever
    its cell size, so any grid-mode locator of the same polygons serves. A locator is lent to one
    caller at a time (GEOS's prepared polygons are not safe to share between threads): a second
    caller meanwhile builds its own. The last :data:`KEEP_IN_MEMORY` grid locators are kept.
    """
    with _kept_lock:
        entry = _kept.pop(key, None)
        if entry is not None:
            _kept[key] = entry  # most recent last
            if not entry[1].acquire(blocking=False):
                entry = None
    if entry is not None:
        try:
            yield entry[0]
        finally:
            entry[1].release()
        return
    loc = build()
    lock = threading.Lock()
    if loc.mode == "grid" and KEEP_IN_MEMORY > 0:
        lock.acquire()
        with _kept_lock:
            _kept.pop(key, None)
            _kept[key] = (loc, lock)
            while len(_kept) > KEEP_IN_MEMORY:
                del _kept[next(iter(_kept))]
        try:
            yield loc
        finally:
            lock.release()
    else:
        yield loc


def locate(
    x: ArrayLike, y: ArrayLike, polygons: ArrayLike, *, cell_size: float | None = None
) -> tuple[IntArray, IntArray]:
    """Return every (point, polygon) pair where the polygon covers the point.

    Equal to evaluating ``shapely.intersects_xy(polygons[j], x[i], y[i])`` on
    all pairs, but built on :class:`PolygonLocator`.

    Parameters
    ----------
    x, y : array_like of float
        Point coordinates, 1-D, same length.  Non-finite points never match.
    polygons : array_like of shapely.Polygon or shapely.MultiPolygon
        Valid polygons, possibly overlapping; ``None``/empty never match.
    cell_size : float, optional
        Grid cell side; see :class:`PolygonLocator`.

    Returns
    -------
    point_index, polygon_index : numpy.ndarray of int64
        Sorted by point index, then polygon index.

    See Also
    --------
    PolygonLocator : build once, query many batches.

    Examples
    --------
    >>> import shapely
    >>> locate([0.5, 1.0, 3.0], [0.5, 0.5, 3.0], [shapely.box(0, 0, 1, 1)])
    (array([0, 1]), array([0, 0]))
    """
    xa = np.asarray(x, dtype=np.float64)
    loc = PolygonLocator(polygons, cell_size=cell_size, expected_points=xa.size)
    return loc.locate(xa, y)
