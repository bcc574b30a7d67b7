"""Assign points (incidents, addresses) to the networks that cover them."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo._crs import check_same_crs
from bingeo.errors import InputError

if TYPE_CHECKING:
    from bingeo.stores.base import Store

__all__ = ["assign", "assign_xy", "Assigner", "ASSIGN_COLUMNS", "select_valid", "point_xy"]

log = logging.getLogger(__name__)

#: Columns that :func:`assign` adds to the points.
ASSIGN_COLUMNS = ["network_id", "network_name", "network_ids"]


def point_xy(frame: gpd.GeoDataFrame, *, what: str = "points", workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of a frame of points; None and empty points give NaN (never matched).

    Raises :class:`InputError` naming ``what`` when any row holds another geometry type.
    ``workers`` threads read blocks of rows at once (shapely releases the GIL).
    """
    geoms = frame.geometry.to_numpy()
    n = len(geoms)
    x = np.empty(n)
    y = np.empty(n)

    def read(lo: int, hi: int) -> int:
        """Fill x, y of rows lo..hi; return the first row that is no point, or -1."""
        g = geoms[lo:hi]
        try:
            shapely.get_x(g, out=x[lo:hi])  # None and any other geometry type give NaN
        except shapely.errors.GEOSException:  # an empty point: one more pass
            kinds = shapely.get_type_id(g)
            bad = (kinds != 0) & (kinds != -1)  # 0 = Point, -1 = missing
            if bad.any():
                return lo + int(np.flatnonzero(bad)[0])
            xy, row = shapely.get_coordinates(g, return_index=True)
            x[lo:hi] = np.nan
            y[lo:hi] = np.nan
            x[lo + row] = xy[:, 0]
            y[lo + row] = xy[:, 1]
            return -1
        # only rows without an x can be something else than a point: their types are checked
        nan = np.flatnonzero(np.isnan(x[lo:hi]))
        if nan.size:
            kinds = shapely.get_type_id(g[nan])
            bad = (kinds != 0) & (kinds != -1)
            if bad.any():
                return lo + int(nan[np.flatnonzero(bad)[0]])
        shapely.get_y(g, out=y[lo:hi])
        return -1

    block = max(CHUNK, -(-n // max(workers, 1)))
    spans = [(lo, min(lo + block, n)) for lo in range(0, n, block)]
    if len(spans) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(workers, len(spans))) as ex:
            firsts = list(ex.map(lambda span: read(*span), spans))
    else:
        firsts = [read(*span) for span in spans]
    bad_rows = [f for f in firsts if f >= 0]
    if bad_rows:
        first = bad_rows[0]
        kinds = shapely.get_type_id(geoms)
        count = int(((kinds != 0) & (kinds != -1)).sum())
        msg = (
            f"`{what}` must hold Point geometries; {count} rows do not "
            f"(first: row {first}, a {geoms[first].geom_type}). Use their centroids or representative points."
        )
        raise InputError(msg)
    return x, y


def select_valid(networks: gpd.GeoDataFrame, at: dt.date | str) -> gpd.GeoDataFrame:
    """Select the rows of a networks frame (with history) valid on date ``at``.

    Uses ``valid_from``/``valid_to`` (the network's lifetime) and, when present,
    ``version_from``/``version_to`` (which version of the boundary was in force).
    """
    day = at.isoformat() if isinstance(at, dt.date) else dt.date.fromisoformat(str(at)).isoformat()
    missing = [c for c in ("valid_from", "valid_to") if c not in networks.columns]
    if missing:
        msg = f"`at` needs the columns valid_from and valid_to in `networks`; missing: {missing}."
        raise InputError(msg)
    keep = np.ones(len(networks), dtype=bool)
    for lo, hi in (("valid_from", "valid_to"), ("version_from", "version_to")):
        if lo not in networks.columns:
            continue
        start = networks[lo].astype("object").where(networks[lo].notna(), None)
        end = networks[hi].astype("object").where(networks[hi].notna(), None)
        keep &= np.array([s is None or str(s)[:10] <= day for s in start])
        keep &= np.array([e is None or str(e)[:10] > day for e in end])
    return networks[keep]


#: Points located per step of :func:`assign` (between progress reports and cancellation checks).
CHUNK = 250_000
#: Below this many points per worker, :func:`assign` locates on fewer threads (one for < 100,000 points with 2).
MIN_POINTS_PER_WORKER = 50_000


def assign(
    points: gpd.GeoDataFrame,
    networks: gpd.GeoDataFrame,
    *,
    at: dt.date | str | None = None,
    store: Store | None = None,
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> gpd.GeoDataFrame:
    """Assign every point to the networks that cover it.

    A point on a boundary belongs to the network (covers, not contains).

    Parameters
    ----------
    points : GeoDataFrame
        Point geometries; every row is kept, with all its columns.
    networks : GeoDataFrame
        Polygons with a ``network_id`` column (and ``name``), as
        :meth:`bingeo.stores.Store.networks` returns them. Same CRS as ``points``.
    at : date or ISO string, optional
        Use only the networks valid on that date (needs ``valid_from``/``valid_to``).
    store : Store, optional
        An open store (:func:`bingeo.open_store`) that keeps the grid index of these networks: the
        index built for exactly these boundaries (a fingerprint of every coordinate, the CRS and the
        cell size) is read from the store, else built once and saved there, so a repeated assign
        against unchanged networks skips the build. Importing, retiring or reactivating networks
        drops it; a damaged or outdated index is rebuilt, never trusted. The answer is the same
        with or without it. ``networks`` need not come from the store. With or without a store,
        the grid locators of the last boundaries used stay in memory
        (:data:`bingeo._pip.KEEP_IN_MEMORY`), so a repeated call in one process skips the build.
    workers : int, optional
        Threads locating blocks of points at once; the answer does not depend on it. Default: the
        ``BINGEO_WORKERS`` environment variable when set, else every CPU available to the process
        (:func:`bingeo._workers.resolve_workers`, the one rule of bingeo's parallel kernels).
    progress : callable, optional
        Called with the share of points done (0 to 1), every :data:`CHUNK` points.
    is_cancelled : callable, optional
        Polled between chunks; when it returns True, :class:`~bingeo.errors.CancelledError` is raised.

    Returns
    -------
    GeoDataFrame
        A copy of ``points`` with three more (categorical) columns: ``network_id`` and
        ``network_name`` of the most specific covering network (the smallest by
        area when networks overlap; ties by id), and ``network_ids``, all covering
        networks separated by ``;``, most specific first. All three are missing
        (empty in CSV, NULL in GeoPackage) for a point outside every network.

    Examples
    --------
    >>> import bingeo, geopandas as gpd, shapely
    >>> nets = gpd.GeoDataFrame({"network_id": ["A", "B"], "name": ["Big", "Small"]},
    ...     geometry=[shapely.box(0, 0, 10, 10), shapely.box(0, 0, 2, 2)], crs=28992)
    >>> pts = gpd.GeoDataFrame({"n": [1, 2, 3]},
    ...     geometry=gpd.points_from_xy([1, 5, 20], [1, 10, 20]), crs=28992)
    >>> bingeo.assign(pts, nets)[["n", "network_id", "network_ids"]]
       n network_id network_ids
    0  1          B         B;A
    1  2          A           A
    2  3        NaN         NaN
    """
    if not isinstance(points, gpd.GeoDataFrame):
        msg = f"`points` should be a GeoDataFrame, got {type(points).__name__}"
        raise TypeError(msg)
    if not isinstance(networks, gpd.GeoDataFrame):
        msg = f"`networks` should be a GeoDataFrame, got {type(networks).__name__}"
        raise TypeError(msg)
    if "network_id" not in networks.columns:
        msg = f"`networks` needs a 'network_id' column; it has: {', '.join(map(str, networks.columns))}"
        raise InputError(msg)
    check_same_crs(points.crs, networks.crs, left="points", right="networks")
    if at is not None:
        networks = select_valid(networks, at)
    from bingeo._workers import resolve_workers

    n_workers = resolve_workers(workers)
    x, y = point_xy(points, what="points", workers=n_workers)
    return assign_xy(
        points, x, y, points.crs, networks, store=store, workers=n_workers, progress=progress, is_cancelled=is_cancelled
    )


def assign_xy(
    frame: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    crs: Any,
    networks: gpd.GeoDataFrame,
    *,
    store: Store | None = None,
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> pd.DataFrame:
    """Assign points given as a table and their coordinates ``x``, ``y`` (in the networks' CRS): :func:`assign`.

    Returns a copy of ``frame`` with the three network columns: what :func:`assign` adds to a GeoDataFrame of
    the points ``(x, y)`` with the columns of ``frame`` (``bingeo assign`` to CSV reads the points with
    ``read_points(geometry=False)`` and makes no point objects). ``crs``: the CRS of ``x``, ``y``, checked
    against the networks'.
    """
    from bingeo._workers import resolve_workers

    check_same_crs(crs, networks.crs, left="points", right="networks")

    n_workers = resolve_workers(workers)
    with Assigner(networks, store=store, workers=n_workers, expected_points=len(x), is_cancelled=is_cancelled) as a:
        id_col, name_col, ids_col = a.columns(x, y, progress=progress, is_cancelled=is_cancelled)
    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    clash = [c for c in ASSIGN_COLUMNS if c in out.columns]
    if clash:
        log.info("replacing existing columns %s with a new assignment", clash)
    out["network_id"] = id_col
    out["network_name"] = name_col
    out["network_ids"] = ids_col
    found = int((id_col.codes >= 0).sum())
    log.info("assigned %d of %d points to %d networks", found, len(out), len(networks))
    return out


class Assigner:
    """The networks side of :func:`assign`, built once for any number of batches of points.

    Parameters
    ----------
    networks : GeoDataFrame
        As for :func:`assign` (already selected for a date).
    store, workers
        As for :func:`assign`.
    expected_points : int, optional
        How many points will be located (tunes a fresh grid; ignored with ``store``).
    is_cancelled : callable, optional
        Polled before the index is built or read.
    """

    def __init__(
        self,
        networks: gpd.GeoDataFrame,
        *,
        store: Store | None = None,
        workers: int | None = None,
        expected_points: int | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> None:
        from bingeo._pip import PolygonLocator, borrow_locator, fingerprint
        from bingeo._progress import check_cancelled
        from bingeo._workers import resolve_workers

        self.polys = networks.geometry.to_numpy()
        self.ids = networks["network_id"].astype(str).to_numpy(dtype=object)
        names = networks["name"] if "name" in networks.columns else networks["network_id"]
        self.names = names.astype(str).to_numpy(dtype=object)
        self.workers = resolve_workers(workers)
        check_cancelled(is_cancelled, "assigning points to networks")
        # the locator of these boundaries kept in memory by an earlier call, else the store's, else a new one
        if store is not None:
            stored = store.network_index_key(self.polys)
            self._lent = borrow_locator("store " + stored, lambda: store.network_locator(self.polys, key=stored))
        else:
            key = "memory " + fingerprint(self.polys)
            self._lent = borrow_locator(key, lambda: PolygonLocator(self.polys, expected_points=expected_points))
        self.locator = self._lent.__enter__()
        self._id_codes, self._id_cats = pd.factorize(self.ids)
        self._name_codes, self._name_cats = pd.factorize(self.names)
        self._rank: np.ndarray | None = None

    def close(self) -> None:
        """Give the locator back (another call may then use it); the assigner is done."""
        lent, self._lent = self._lent, None
        if lent is not None:
            lent.__exit__(None, None, None)

    def __enter__(self) -> Assigner:  # noqa: D105
        return self

    def __exit__(self, *exc: object) -> None:  # noqa: D105
        self.close()

    def columns(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        progress: Callable[[float], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> tuple[pd.Categorical, pd.Categorical, pd.Categorical]:
        """Return ``network_id``, ``network_name`` and ``network_ids`` of the points ``(x, y)`` (see :func:`assign`)."""
        from bingeo._progress import check_cancelled, report

        xa, ya = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
        # polygon index of the most specific network per point: most points lie in a cell of one network, which
        # the locator answers straight (`simple`); the pairs of the others are ranked here
        best = np.empty(xa.size, dtype=np.int32 if len(self.polys) < 2**31 - 1 else np.int64)
        pis, gis = [], []
        # threads only where each has enough points to repay starting it (the answer is the same)
        workers = max(1, min(self.workers, xa.size // MIN_POINTS_PER_WORKER))
        block = min(CHUNK, max(1, -(-xa.size // workers)))
        blocks = self.locator.locate_blocks(xa, ya, block, workers=workers, split=True)
        try:
            for lo, simple, p_chunk, g_chunk in blocks:  # in point order: the pairs stay sorted by (point, polygon)
                best[lo : lo + simple.size] = simple
                pis.append(p_chunk + lo)
                gis.append(g_chunk)
                report(progress, min(lo + block, xa.size) / xa.size)
                check_cancelled(is_cancelled, "assigning points to networks")
        finally:
            blocks.close()
        pi = np.concatenate(pis) if pis else np.empty(0, dtype=np.int64)
        gi = np.concatenate(gis) if gis else np.empty(0, dtype=np.int64)
        ids = self.ids
        # network_ids categories: every single id, then each combination of overlapping networks met
        combos: dict[str, int] = {text: code for code, text in enumerate(self._id_cats)}
        multi_pts = multi_codes = None
        if len(pi):
            # pairs come sorted by (point, polygon): one run per point
            starts = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])
            counts = np.diff(np.r_[starts, len(pi)])
            several = np.flatnonzero(counts > 1)
            if len(several):
                # rank polygons by specificity: smaller area first, then id; then sort each run by rank
                if self._rank is None:
                    order = np.lexsort((ids.astype(str), shapely.area(self.polys)))
                    self._rank = np.empty(len(self.polys), dtype=np.int64)
                    self._rank[order] = np.arange(len(self.polys))
                gi = gi[np.lexsort((self._rank[gi], pi))]
                multi_pts = pi[starts[several]]
                multi_codes = _combinations(gi, starts[several], counts[several], ids, combos)
            best[pi[starts]] = gi[starts]

        def codes(lookup: np.ndarray, categories: int) -> np.ndarray:
            """Codes of the points' networks in ``lookup`` (-1 for none), in the dtype pandas keeps for them."""
            ext = np.append(lookup, -1).astype(_code_dtype(categories))  # best == -1: the last, -1
            return ext[best]

        # categorical columns: compact for millions of points, written as plain text to every format
        id_point_codes = codes(self._id_codes, len(self._id_cats))
        ids_codes = id_point_codes.astype(_code_dtype(len(combos)))
        if multi_pts is not None:
            ids_codes[multi_pts] = multi_codes
        return (
            pd.Categorical.from_codes(id_point_codes, self._id_cats, validate=False),
            pd.Categorical.from_codes(codes(self._name_codes, len(self._name_cats)), self._name_cats, validate=False),
            pd.Categorical.from_codes(ids_codes, pd.Index(list(combos), dtype=object), validate=False),
        )


def _code_dtype(categories: int) -> type[np.signedinteger]:
    """Return the dtype pandas keeps the codes of a categorical with this many categories in (no copy then)."""
    for dtype in (np.int8, np.int16, np.int32):
        if categories < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _combinations(
    gi: np.ndarray, starts: np.ndarray, counts: np.ndarray, ids: np.ndarray, combos: dict[str, int]
) -> np.ndarray:
    """Category codes of the ``;``-joined ids of the runs ``gi[s : s + c]`` (one per point in several networks).

    Identical runs are joined once; new texts are added to ``combos`` in the order of their first run.
    """
    width = int(counts.max())
    padded = np.full((len(starts), width), -1, dtype=np.int64)
    row = np.repeat(np.arange(len(starts)), counts)
    col = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    padded[row, col] = gi[np.repeat(starts, counts) + col]
    rows = padded.view(np.dtype((np.void, padded.dtype.itemsize * width))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    code = np.empty(len(first), dtype=np.int64)
    for u in np.argsort(first, kind="stable"):  # distinct runs, in the order they are first met
        run = padded[first[u], : counts[first[u]]]
        code[u] = combos.setdefault(";".join(ids[run]), len(combos))
    return code[inverse.ravel()]
