"""Assign points (incidents, addresses) to the networks that cover them."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo._crs import check_same_crs
from bingeo._errors import InputError

__all__ = ["assign", "ASSIGN_COLUMNS", "select_valid"]

log = logging.getLogger(__name__)

#: Columns that :func:`assign` adds to the points.
ASSIGN_COLUMNS = ["network_id", "network_name", "network_ids"]


def select_valid(networks: gpd.GeoDataFrame, at: dt.date | str) -> gpd.GeoDataFrame:
    """The rows of a networks frame (with history) valid on date ``at``.

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


def assign(points: gpd.GeoDataFrame, networks: gpd.GeoDataFrame, *, at: dt.date | str | None = None) -> gpd.GeoDataFrame:
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

    Returns
    -------
    GeoDataFrame
        A copy of ``points`` with three more columns: ``network_id`` and
        ``network_name`` of the most specific covering network (the smallest by
        area when networks overlap; ties by id), and ``network_ids``, all covering
        networks separated by ``;``, most specific first. All three are empty
        (None) for a point outside every network.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> nets = gpd.GeoDataFrame({"network_id": ["A", "B"], "name": ["Big", "Small"]},
    ...     geometry=[shapely.box(0, 0, 10, 10), shapely.box(0, 0, 2, 2)], crs=28992)
    >>> pts = gpd.GeoDataFrame({"n": [1, 2, 3]},
    ...     geometry=gpd.points_from_xy([1, 5, 20], [1, 10, 20]), crs=28992)
    >>> bingeo.assign(pts, nets)[["n", "network_id", "network_ids"]]
       n network_id network_ids
    0  1          B         B;A
    1  2          A           A
    2  3       None        None
    """
    from bingeo._pip import locate

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
    geoms = points.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    bad = (kinds != 0) & (kinds != -1)  # 0 = Point, -1 = missing
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        msg = (
            f"`points` must hold Point geometries; {int(bad.sum())} rows do not "
            f"(first: row {first}, a {shapely.get_type_id(geoms[first])}). Use their centroids or representative points."
        )
        raise InputError(msg)
    usable = (kinds == 0) & ~shapely.is_empty(geoms)  # None and empty points are never matched
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[usable] = shapely.get_x(geoms[usable])
    y[usable] = shapely.get_y(geoms[usable])
    polys = networks.geometry.to_numpy()
    ids = networks["network_id"].astype(str).to_numpy(dtype=object)
    names = (networks["name"] if "name" in networks.columns else networks["network_id"]).astype(str).to_numpy(dtype=object)
    pi, gi = locate(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"), polys)

    out = points.copy()
    clash = [c for c in ASSIGN_COLUMNS if c in out.columns]
    if clash:
        log.info("replacing existing columns %s with a new assignment", clash)
    n = len(out)
    network_id = np.full(n, None, dtype=object)
    network_name = np.full(n, None, dtype=object)
    network_ids = np.full(n, None, dtype=object)
    if len(pi):
        # rank polygons by specificity: smaller area first, then id
        area = shapely.area(polys)
        order = np.lexsort((ids.astype(str), area))
        rank = np.empty(len(polys), dtype=np.int64)
        rank[order] = np.arange(len(polys))
        r = rank[gi]
        # sort pairs by (point, rank): the first pair of each point is its most specific network
        o = np.lexsort((r, pi))
        pi, gi = pi[o], gi[o]
        starts = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])
        counts = np.diff(np.r_[starts, len(pi)])
        best = gi[starts]
        pts = pi[starts]
        network_id[pts] = ids[best]
        network_name[pts] = names[best]
        network_ids[pts] = ids[best]
        multi = np.flatnonzero(counts > 1)
        for s, c, p in zip(starts[multi], counts[multi], pts[multi]):
            network_ids[p] = ";".join(ids[gi[s : s + c]])
    out["network_id"] = pd.array(network_id, dtype=object)
    out["network_name"] = pd.array(network_name, dtype=object)
    out["network_ids"] = pd.array(network_ids, dtype=object)
    log.info("assigned %d of %d points to %d networks", int((network_id != None).sum()), n, len(polys))  # noqa: E711
    return out


def _as_object(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=object)
