"""Propose new networks (BIN) around hot spots that no network covers.

A proposal is a compact boundary around whole streets near an uncovered hot
spot: it follows the addresses (a concave hull, buffered and simplified), not
the hot spot's grid cells, reaches a target number of households, and never
overlaps an existing network or another proposal. It lists the streets inside,
because a BIN is announced to residents as a list of street names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from bingeo._checks import check_household_range
from bingeo._checks import check_number as _check_number
from bingeo._checks import find_column as _find_field
from bingeo._checks import polsby_popper as _compactness
from bingeo._crs import check_same_crs, crs_label, to_metric
from bingeo.addresses import household_column, households_per_address
from bingeo.errors import CRSError, InputError
from bingeo.members import WHATSAPP_MAX_MEMBERS

__all__ = [
    "propose_areas",
    "PROPOSAL_COLUMNS",
    "KINDS",
    "STREET_FIELDS",
    "WHATSAPP_MAX_MEMBERS",
    "MIN_HOUSEHOLDS",
    "MAX_HOUSEHOLDS",
    "MAX_DISTANCE",
    "MERGE_DISTANCE",
    "STREET_GAP",
    "CONCAVE_RATIO",
    "MIN_COMPACTNESS",
    "CLEARANCE",
]

log = logging.getLogger(__name__)

#: Kinds of network a proposal can be made for.
KINDS = ("bin", "whatsapp")
#: Default household range of a proposal.
MIN_HOUSEHOLDS = 50
MAX_HOUSEHOLDS = 250
#: Addresses farther than this (metres) from a hot spot are never added to its proposal.
MAX_DISTANCE = 1000.0
#: Hot spots closer than this (metres) to each other get one proposal together.
MERGE_DISTANCE = 100.0
#: Addresses of one street farther apart than this (metres) are separate stretches.
STREET_GAP = 60.0
#: ``ratio`` of :func:`shapely.concave_hull` (0: tightest, 1: convex hull).
CONCAVE_RATIO = 0.3
#: A hull less compact than this (Polsby-Popper, 4 pi area / perimeter²) is redone less concave.
MIN_COMPACTNESS = 0.4
#: Gap (metres) kept from a network or proposal where floating point would leave an overlap.
CLEARANCE = 0.001
#: Address columns recognised as the street name.
STREET_FIELDS = (
    "straat",
    "street",
    "openbare_ruimte",
    "openbareruimte",
    "openbare_r",
    "straatnaam",
    "street_name",
    "streetname",
    "rue",
)
#: Columns of the frame :func:`propose_areas` returns (``incidents`` only with incidents).
PROPOSAL_COLUMNS = [
    "proposal_id",
    "hotspot_id",
    "households",
    "addresses",
    "incidents",
    "streets",
    "n_streets",
    "partial_streets",
    "area_m2",
    "hotspot_share",
    "reached_target",
    "note",
    "geometry",
]
_AUTO_BUFFER = (15.0, 25.0)  # auto buffer: 2 x typical address spacing, clipped to this range
_SAME_PLACE = 2.0  # addresses closer than this (upstairs flats) do not count for the spacing


@dataclass
class _Addresses:
    """The address points of one run, as arrays."""

    frame: gpd.GeoDataFrame  # points only, positional index; its sindex answers "which are inside"
    xy: np.ndarray
    households: np.ndarray
    streets: np.ndarray  # object array; None where the street is missing
    in_network: np.ndarray  # bool: covered by an existing network
    claimed: np.ndarray = field(init=False)  # bool: covered by a proposal accepted so far

    def __post_init__(self) -> None:
        self.claimed = np.zeros(len(self.frame), dtype=bool)

    def claim(self, geom: Any) -> None:
        """Mark the addresses ``geom`` covers as taken by an accepted proposal."""
        if geom is None or shapely.is_empty(geom):
            return
        near = self.frame.sindex.query(geom)  # bounding boxes first, then the exact covers test
        self.claimed[near[shapely.covers(geom, self.points(near))]] = True

    def covered_by(self, geom: Any) -> np.ndarray:
        """Return the positions of the addresses ``geom`` covers (boundary included)."""
        if geom is None or shapely.is_empty(geom):
            return np.empty(0, dtype=np.int64)
        return np.sort(self.frame.sindex.query(geom, predicate="covers"))

    @property
    def pts(self) -> np.ndarray:
        """Return the address points as a shapely array."""
        return self.frame.geometry.to_numpy()

    def points(self, pos: np.ndarray) -> np.ndarray:
        """Return the shapely points of the addresses at ``pos``."""
        return self.pts[pos]


@dataclass
class _Result:
    """A boundary, the addresses inside it, and the addresses it was built around."""

    geometry: Any
    inside: np.ndarray
    chosen: np.ndarray


# --------------------------------------------------------------------------- checks


def _check_frame(value: Any, name: str) -> None:
    if not isinstance(value, gpd.GeoDataFrame):
        msg = f"`{name}` should be a GeoDataFrame, got {type(value).__name__}"
        raise TypeError(msg)


def _check_projected(frame: gpd.GeoDataFrame, name: str) -> None:
    if frame.crs is None:
        msg = (
            f"Cannot transform naive geometries. Please set a crs on the object first: `{name}` has no CRS; "
            f"use `{name}.set_crs(28992)` (RD New) or `{name}.set_crs(31370)` (Lambert 72)."
        )
        raise CRSError(msg)


def _truthy(values: pd.Series) -> np.ndarray:
    """Read a yes/no column: True, 1, "true", "yes", "ja" are True; anything else (or missing) is False."""
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.astype("object")):
        if isinstance(v, str):
            out[i] = v.strip().lower() in ("true", "t", "yes", "y", "1", "ja", "j")
        elif v is not None and not pd.isna(v):
            out[i] = bool(v)
    return out


# --------------------------------------------------------------------------- geometry helpers


def _polygonal(geom: Any) -> Any:
    """Return the polygonal part of ``geom``, made valid (an empty polygon if there is none)."""
    if geom is None or shapely.is_empty(geom):
        return shapely.Polygon()
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def _ratios(ratio: float) -> list[float]:
    """Concave-hull ratios to try, tightest first, ending with the convex hull."""
    return [ratio, (ratio + 1.0) / 2.0, 1.0] if ratio < 1.0 else [1.0]


def _auto_buffer(xy: np.ndarray) -> float:
    """Twice the typical spacing between neighbouring addresses, clipped to 15-25 m."""
    if len(xy) < 2:
        return _AUTO_BUFFER[0]
    tree = cKDTree(xy)
    probe = xy if len(xy) <= 20_000 else xy[np.random.default_rng(0).choice(len(xy), 20_000, replace=False)]
    dist, _ = tree.query(probe, k=min(len(xy), 6))
    dist = np.where(dist[:, 1:] >= _SAME_PLACE, dist[:, 1:], np.inf).min(axis=1)
    dist = dist[np.isfinite(dist)]
    if not len(dist):
        return _AUTO_BUFFER[0]
    return float(np.clip(2.0 * np.median(dist), *_AUTO_BUFFER))


def _street_units(idx: np.ndarray, adr: _Addresses, anchor: Any, centre: Any) -> list[np.ndarray]:
    """Split the candidate addresses into stretches of street, nearest stretch first.

    A stretch is a set of addresses with the same street name, linked by gaps of
    at most :data:`STREET_GAP` metres. Addresses without a street are a stretch
    each. Within a stretch, addresses come nearest to the hot spot first.
    """
    if not len(idx):
        return []
    pts = adr.pts[idx]
    dist = shapely.distance(anchor, pts)
    dist_c = shapely.distance(centre, pts)
    codes, _ = pd.factorize(pd.Series(adr.streets[idx], dtype="object"), use_na_sentinel=True)
    pairs = cKDTree(adr.xy[idx]).query_pairs(STREET_GAP, output_type="ndarray")
    if len(pairs):
        same = (codes[pairs[:, 0]] == codes[pairs[:, 1]]) & (codes[pairs[:, 0]] >= 0)
        pairs = pairs[same]
    n = len(idx)
    from scipy.sparse import coo_matrix  # lazy: scipy.sparse costs ~0.08 s of start-up
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, comps = connected_components(graph, directed=False)
    order = np.lexsort((idx, dist_c, dist))  # nearest first
    comps_sorted = comps[order]
    # the first occurrence of a component in nearest-first order is its nearest address: rank by it
    _, first = np.unique(comps_sorted, return_index=True)
    rank_of_comp = np.empty(len(first), dtype=np.int64)
    rank_of_comp[np.argsort(first)] = np.arange(len(first))
    key = rank_of_comp[comps_sorted]
    grouped = order[np.argsort(key, kind="stable")]  # by stretch, nearest stretch first, nearest address first
    bounds = np.flatnonzero(np.diff(np.sort(key))) + 1
    return [idx[g] for g in np.split(grouped, bounds)]


def _boundary(
    chosen: np.ndarray, adr: _Addresses, obstacles: Any, *, buffer: float, ratio: float, extra: Any = None
) -> Any:
    """Concave hull of the chosen addresses, buffered, simplified, minus the obstacles.

    When the hull is less compact than :data:`MIN_COMPACTNESS` (a corridor
    between two far-apart streets, a spike to a lone address), it is redone
    with a larger ratio, up to the convex hull.
    """
    pts = shapely.multipoints(adr.xy[chosen])
    if extra is not None:
        pts = shapely.union(pts, shapely.multipoints(shapely.get_coordinates(extra)))
    for r in _ratios(ratio):
        hull = shapely.concave_hull(pts, ratio=r)
        if extra is not None:
            hull = shapely.union(hull, extra)
        geom = shapely.buffer(hull, buffer, quad_segs=4)
        if _compactness(geom) >= MIN_COMPACTNESS:
            break
    geom = shapely.simplify(geom, buffer / 4.0, preserve_topology=True)
    if obstacles is not None:
        geom = shapely.difference(geom, obstacles)
    geom = _polygonal(geom)
    chosen_pts = adr.points(chosen)
    parts = shapely.get_parts(geom)
    if len(parts) > 1:  # an obstacle cut the hull: drop the pieces that hold no chosen address
        keep = [p for p in parts if shapely.covers(p, chosen_pts).any()]
        if keep and len(keep) < len(parts):
            geom = keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)
    missing = ~shapely.covers(geom, chosen_pts)
    if missing.any():  # cannot happen with buffer > simplify tolerance; kept as a safety net
        patch = shapely.union_all(shapely.buffer(chosen_pts[missing], 1.0, quad_segs=4))
        if obstacles is not None:
            patch = shapely.difference(patch, obstacles)
        geom = _polygonal(shapely.union(geom, patch))
    return geom


def _clear_overlap(geom: Any, obstacles: Any, points: np.ndarray) -> Any:
    """Make sure ``geom`` shares no area and no address with ``obstacles``.

    Where a hull edge crosses an obstacle edge, the difference puts the crossing
    point a few ulps off the obstacle's edge, which can leave an overlap of
    ~1e-12 m². And an address exactly on a network's edge belongs to the network
    (``assign`` uses covers) but is covered by the proposal too. In both cases
    the obstacles grown by :data:`CLEARANCE` (mitred) are cut out as well, so the
    proposal keeps a gap of 1 mm there.
    """
    if obstacles is None:
        return geom
    shared = bool(shapely.covers(obstacles, points).any()) if len(points) else False
    if not shared and shapely.area(shapely.intersection(geom, obstacles)) == 0:
        return geom
    return _polygonal(shapely.difference(geom, shapely.buffer(obstacles, CLEARANCE, join_style="mitre")))


def _check_no_overlap(geom: Any, obstacles: Any, label: str) -> None:
    """Raise AssertionError (a bug) if ``geom`` overlaps a network or an earlier proposal."""
    if obstacles is None:
        return
    area = float(shapely.area(shapely.intersection(geom, obstacles)))
    if area > 0:
        msg = f"proposal for hot spot {label} overlaps a network or another proposal by {area:.3g} m² (a bug)."
        raise AssertionError(msg)


# --------------------------------------------------------------------------- growth


def _grow(
    units: list[np.ndarray],
    candidates: np.ndarray,
    adr: _Addresses,
    obstacles: Any,
    *,
    min_households: float,
    max_households: float,
    buffer: float,
    ratio: float,
    extra: Any,
) -> tuple[_Result | None, list[str]]:
    """Add whole stretches of street, nearest first, until the households reach the range.

    Returns the last accepted boundary (None when not one address could be
    taken) and the streets where growth had to stop part-way.
    """
    chosen = np.empty(0, dtype=np.int64)
    best: _Result | None = None
    stopped_in: list[str] = []

    def households(res: _Result | None) -> float:
        return float(adr.households[res.inside].sum()) if res is not None else 0.0

    def attempt(trial: np.ndarray) -> _Result | None:
        geom = _boundary(trial, adr, obstacles, buffer=buffer, ratio=ratio, extra=extra)
        inside = adr.covered_by(geom)
        cleared = _clear_overlap(geom, obstacles, adr.points(inside))
        if cleared is not geom:
            geom, inside = cleared, adr.covered_by(cleared)
        if adr.households[inside].sum() > max_households:
            return None
        # candidates the hull took in on the way count as chosen: later hulls keep them inside
        return _Result(geom, inside, np.union1d(trial, inside[np.isin(inside, candidates)]))

    for unit in units:
        unit = unit[~np.isin(unit, chosen)]
        if not len(unit):
            continue
        res = attempt(np.concatenate([chosen, unit]))
        if res is not None:
            best, chosen = res, res.chosen
        else:
            # the whole stretch is too much: take its addresses one by one, nearest first
            for a in unit:
                part = attempt(np.append(chosen, a))
                if part is None:
                    if adr.streets[a] is not None and adr.streets[a] not in stopped_in:
                        stopped_in.append(str(adr.streets[a]))
                    continue
                best, chosen = part, part.chosen
                if households(best) >= min_households:
                    break
        if households(best) >= min_households:
            break
    return best, stopped_in


def _group_hotspots(geoms: np.ndarray, merge_distance: float) -> list[list[int]]:
    """Group the hot spots that lie within ``merge_distance`` of each other (in priority order)."""
    n = len(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=merge_distance)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for i in range(n):  # geoms come in priority order: so do the groups and their members
        groups.setdefault(int(labels[i]), []).append(i)
    return list(groups.values())


def _hotspot_order(hs: gpd.GeoDataFrame) -> np.ndarray:
    """Order hot spots by ``rank`` (1 first), else by ``incidents`` (most first), else as given."""
    if "rank" in hs.columns:
        rank = pd.to_numeric(hs["rank"], errors="coerce").to_numpy(dtype=float)
        return np.lexsort((np.arange(len(hs)), np.where(np.isnan(rank), np.inf, rank)))
    if "incidents" in hs.columns:
        inc = pd.to_numeric(hs["incidents"], errors="coerce").fillna(0).to_numpy(dtype=float)
        return np.lexsort((np.arange(len(hs)), -inc))
    return np.arange(len(hs))


# --------------------------------------------------------------------------- inputs


def _prepare_addresses(
    addresses: gpd.GeoDataFrame, hh_col: str | None, st_col: str | None, nets: np.ndarray, net_tree: Any
) -> _Addresses:
    geoms = addresses.geometry.to_numpy()
    usable = ~(pd.isna(geoms) | shapely.is_empty(geoms)) & (shapely.get_type_id(geoms) == 0)
    if (~usable).any():
        log.info("ignoring %d addresses without a point geometry", int((~usable).sum()))
    pts = geoms[usable]
    frame = gpd.GeoDataFrame({"_pos": np.arange(len(pts))}, geometry=pts, crs=addresses.crs)
    xy = shapely.get_coordinates(pts)
    hh = households_per_address(addresses, hh_col)[usable]
    if st_col is None:
        streets = np.full(len(pts), None, dtype=object)
    else:
        raw_st = addresses.loc[usable, st_col].astype("object")
        streets = np.array(
            [None if v is None or pd.isna(v) or not str(v).strip() else str(v).strip() for v in raw_st],
            dtype=object,
        )
    in_network = np.zeros(len(pts), dtype=bool)
    if len(nets) and len(pts):
        hit, _ = net_tree.query(pts, predicate="covered_by")
        in_network[hit] = True
    return _Addresses(frame, xy, hh, streets, in_network)


def _select_hotspots(
    hotspots: gpd.GeoDataFrame, *, only_uncovered: bool, nets: np.ndarray, net_tree: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ids and geometries of the hot spots to propose for, in priority order."""
    hs = hotspots.loc[~(hotspots.geometry.isna() | hotspots.geometry.is_empty).to_numpy()]
    if "hotspot_id" in hs.columns:
        ids = np.array([str(v) for v in hs["hotspot_id"]], dtype=object)
    else:
        ids = np.array([str(i) for i in hs.index], dtype=object)
    geoms = np.array(
        [_polygonal(g) if shapely.get_type_id(g) in (3, 6) else g for g in hs.geometry.to_numpy()], dtype=object
    )
    keep = np.ones(len(hs), dtype=bool)
    if only_uncovered and "uncovered" in hs.columns:
        keep = _truthy(hs["uncovered"])
    elif only_uncovered:
        share = np.zeros(len(hs))
        for i, g in enumerate(geoms):
            near = net_tree.query(g, predicate="intersects")
            if not len(near):
                continue
            area = float(shapely.area(g))
            cover = shapely.union_all(nets[near])
            share[i] = shapely.area(shapely.intersection(g, cover)) / area if area > 0 else 1.0
        keep = share < 0.5
        log.info(
            "no `uncovered` column in the hot spots: %d of %d lie at least half outside every network",
            int(keep.sum()),
            len(hs),
        )
    order = _hotspot_order(hs.loc[keep])
    return ids[keep][order], geoms[keep][order]


def _empty_result(crs: Any, with_incidents: bool) -> gpd.GeoDataFrame:
    dtypes = {
        "households": "int64",
        "addresses": "int64",
        "incidents": "int64",
        "n_streets": "int64",
        "area_m2": "float64",
        "hotspot_share": "float64",
        "reached_target": "bool",
    }
    cols = [c for c in PROPOSAL_COLUMNS if c != "geometry" and (with_incidents or c != "incidents")]
    frame = pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in cols})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


# --------------------------------------------------------------------------- public


def propose_areas(
    hotspots: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    networks: gpd.GeoDataFrame,
    *,
    incidents: gpd.GeoDataFrame | None = None,
    min_households: int = MIN_HOUSEHOLDS,
    max_households: int = MAX_HOUSEHOLDS,
    households_field: str | None = None,
    street_field: str | None = None,
    only_uncovered: bool = True,
    buffer: float | None = None,
    kind: str = KINDS[0],
    max_distance: float = MAX_DISTANCE,
    merge_distance: float = MERGE_DISTANCE,
    concave_ratio: float = CONCAVE_RATIO,
    include_hotspot: bool = False,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> gpd.GeoDataFrame:
    """Propose a new network around each hot spot that no network covers.

    For each (uncovered) hot spot, whole stretches of street are added nearest
    first until the households inside reach ``min_households`` without passing
    ``max_households``. The boundary is a compact hull around those addresses
    that never overlaps an existing network or another proposal.

    Parameters
    ----------
    hotspots : GeoDataFrame
        Hot-spot polygons, e.g. the ``hotspots`` layer of ``bingeo.hotspots``.
        Used when present: ``hotspot_id`` (default: the index), ``uncovered``
        (bool; computed from ``networks`` when missing: less than half of the
        hot spot inside networks) and ``rank`` (1 first; without it, most
        ``incidents`` first; else input order).
    addresses : GeoDataFrame
        Address points in a projected CRS (metres), with a street name column and
        optionally a households column.
    networks : GeoDataFrame
        Existing networks (polygons), as :meth:`bingeo.stores.Store.networks`
        returns them. Pass only the networks in force: every polygon given is
        kept out of every proposal.
    incidents : GeoDataFrame, optional
        Incident points; adds an ``incidents`` column (count inside each proposal).
    min_households, max_households : int, default 50 and 250
        Target range of households in a proposal.
    households_field : str, optional
        Column with the number of households per address. Default: the first of
        ``households``, ``huishoudens``, ... that exists, else 1 per address.
        A missing value counts as 1.
    street_field : str, optional
        Column with the street name. Default: the first of ``straat``, ``street``,
        ``openbare_ruimte``, ``straatnaam``, ... that exists. Without one, the
        proposal grows address by address and lists no streets (logged).
    only_uncovered : bool, default True
        Only hot spots with ``uncovered`` True. With False, every hot spot gets a
        proposal (outside the networks that cover it).
    buffer : float, optional
        Metres around the hull of the chosen addresses. Default: twice the
        median distance between neighbouring addresses, clipped to 15-25 m.
    kind : {"bin", "whatsapp"}, default "bin"
        What the proposal is for. A WhatsApp group holds at most 256 members, so
        ``kind="whatsapp"`` refuses ``max_households`` above 256.
    max_distance : float, default 1000
        Addresses farther than this (metres) from the hot spot are never added.
    merge_distance : float, default 100
        Hot spots this close (metres) to each other get one proposal together.
    concave_ratio : float, default 0.3
        ``ratio`` of :func:`shapely.concave_hull`: 0 hugs the addresses, 1 is the
        convex hull. A hull less compact than ``MIN_COMPACTNESS`` is redone with a
        larger ratio.
    include_hotspot : bool, default False
        Also take in the hot spot's own area (its grid-cell outline then shows
        in the boundary). By default the boundary follows the addresses only,
        and ``hotspot_share`` tells how much of the hot spot it covers.
    progress : callable, optional
        Called with the fraction done (0 to 1) after each hot spot (group).
    is_cancelled : callable, optional
        Checked before each hot spot (group); when it returns True, the
        proposals made so far are returned and a warning is logged.

    Returns
    -------
    GeoDataFrame
        One row per proposal, in the CRS of ``addresses``: ``proposal_id`` (P1,
        P2, ...), ``hotspot_id`` (ids of merged hot spots joined by ``;``),
        ``households`` and ``addresses`` inside, ``incidents`` inside (only with
        ``incidents``), ``streets`` (sorted unique names joined by ``"; "``),
        ``n_streets``, ``partial_streets`` (listed streets that also have
        addresses outside the proposal within ``max_distance`` of the hot spot:
        announce those with house numbers),
        ``area_m2``, ``hotspot_share`` (share of the hot-spot area inside the
        proposal), ``reached_target`` (False when ``min_households`` is not
        reached; ``note`` says why), ``note`` and a (Multi)Polygon ``geometry``.
        Every count is a point-in-polygon count (covers) of the returned
        geometry. Without hot spots to propose for, the frame is empty.

    Raises
    ------
    TypeError
        An input is not a GeoDataFrame, or an option is not a number.
    InputError
        ``min_households`` > ``max_households``; ``kind="whatsapp"`` with
        ``max_households`` > 256; an unknown ``kind``; a named column that does
        not exist; negative households.
    CRSError
        ``addresses`` without a CRS. In a geographic CRS the work is done in the national grid of the
        place (RD New, Lambert 72, else UTM), the proposals come back in the addresses' CRS and
        ``attrs["notes"]`` says which CRS was used.
    CRSMismatchError
        The inputs do not share one CRS.

    See Also
    --------
    bingeo.assign : which networks cover a point.

    Notes
    -----
    *Growth.* The candidates are the addresses within ``max_distance`` of the
    hot spot, outside every network and every earlier proposal. They form
    stretches of street: same name, gaps of at most ``STREET_GAP`` (60 m). The
    stretches are added nearest to the hot spot first (those touching it come
    first: the seed), each as a whole, so that a proposal covers whole streets.
    After each stretch the boundary is rebuilt and the households inside it are
    counted; growth stops as soon as they reach ``min_households``. A stretch
    that would pass ``max_households`` is added address by address, nearest
    first, as far as the range allows; its street then shows in
    ``partial_streets`` and the ``note``.

    *Boundary.* :func:`shapely.concave_hull` of the chosen addresses (less
    concave, up to convex, when the result is not compact), buffered by
    ``buffer``, simplified with a tolerance of ``buffer / 4``, minus the networks
    and earlier proposals; pieces holding no chosen address are dropped. Every
    chosen address is covered by the result.

    *No overlap.* Proposals are made one hot spot (group) at a time, by rank,
    and each is cut out of the area (and its addresses out of the candidates)
    available to the next: a higher-ranked hot spot gets the streets both
    would want, and the next one grows elsewhere or falls short (``note``).
    Hot spots within ``merge_distance`` of each other are merged into one
    proposal instead. Where floating point would leave a sliver of overlap
    (~1e-12 m²), or an address lies exactly on a network's edge, the proposal
    keeps a gap of ``CLEARANCE`` (1 mm) from the obstacle. The final
    intersection area with every network and earlier proposal is checked to
    be 0.

    Examples
    --------
    >>> import bingeo.propose as bp, geopandas as gpd, shapely
    >>> xs = [x for x in range(0, 300, 10)]
    >>> adr = gpd.GeoDataFrame({"straat": ["Kerkstraat"] * 30 + ["Dorpsweg"] * 30},
    ...     geometry=gpd.points_from_xy(xs + xs, [0] * 30 + [40] * 30), crs=28992)
    >>> hs = gpd.GeoDataFrame({"hotspot_id": ["H1"]}, geometry=[shapely.box(0, -20, 50, 60)], crs=28992)
    >>> nets = gpd.GeoDataFrame({"network_id": ["A"]}, geometry=[shapely.box(200, -50, 400, 100)], crs=28992)
    >>> out = bp.propose_areas(hs, adr, nets, min_households=30)
    >>> out[["hotspot_id", "households", "streets", "reached_target"]]
      hotspot_id  households               streets  reached_target
    0         H1          40  Dorpsweg; Kerkstraat            True
    >>> float(out.intersection(nets.union_all()).area.max())
    0.0

    Too few households within reach: still a proposal, with the reason.

    >>> few = bp.propose_areas(hs, adr.iloc[:5], nets)
    >>> bool(few.loc[0, "reached_target"]), few.loc[0, "note"][:46]
    (False, 'only 5 households (min_households=50) could be')
    """
    for value, name in ((hotspots, "hotspots"), (addresses, "addresses"), (networks, "networks")):
        _check_frame(value, name)
    if incidents is not None:
        _check_frame(incidents, "incidents")
    if not isinstance(kind, str) or kind not in KINDS:
        msg = f"`kind` must be one of {', '.join(map(repr, KINDS))}; got {kind!r}."
        raise InputError(msg)
    lo, hi = check_household_range(min_households, max_households, kind=kind)
    if buffer is not None:
        buffer = _check_number(buffer, "buffer", minimum=0, inclusive=False)
    max_distance = _check_number(max_distance, "max_distance", minimum=0)
    merge_distance = _check_number(merge_distance, "merge_distance", minimum=0)
    concave_ratio = _check_number(concave_ratio, "concave_ratio", minimum=0)
    if concave_ratio > 1:
        msg = f"`concave_ratio` must be between 0 and 1, got {concave_ratio!r}."
        raise InputError(msg)
    if addresses.crs is not None and addresses.crs.is_geographic:  # distances in metres: the place's national grid
        check_same_crs(addresses.crs, hotspots.crs, left="addresses", right="hotspots")
        check_same_crs(addresses.crs, networks.crs, left="addresses", right="networks")
        if incidents is not None:
            check_same_crs(addresses.crs, incidents.crs, left="addresses", right="incidents")
        metric_addresses, note = to_metric(addresses, what="the addresses")
        metric = metric_addresses.crs
        out = propose_areas(
            hotspots.to_crs(metric),
            metric_addresses,
            networks.to_crs(metric),
            incidents=None if incidents is None else incidents.to_crs(metric),
            min_households=min_households,
            max_households=max_households,
            households_field=households_field,
            street_field=street_field,
            only_uncovered=only_uncovered,
            buffer=buffer,
            kind=kind,
            max_distance=max_distance,
            merge_distance=merge_distance,
            concave_ratio=concave_ratio,
            include_hotspot=include_hotspot,
            progress=progress,
            is_cancelled=is_cancelled,
        ).to_crs(addresses.crs)
        log.info("%s", note)
        out.attrs["notes"] = [f"{note}; proposals are given in {crs_label(addresses.crs)}"]
        return out
    _check_projected(addresses, "addresses")
    check_same_crs(addresses.crs, hotspots.crs, left="addresses", right="hotspots")
    check_same_crs(addresses.crs, networks.crs, left="addresses", right="networks")
    if incidents is not None:
        check_same_crs(addresses.crs, incidents.crs, left="addresses", right="incidents")
    crs = addresses.crs
    with_incidents = incidents is not None

    hh_col = household_column(addresses, households_field)
    st_col = _find_field(addresses, street_field, STREET_FIELDS, "street_field")
    if st_col is None:
        log.warning(
            "no street column in the addresses (looked for %s); proposals will list no streets. "
            "Name it with `street_field`.",
            ", ".join(STREET_FIELDS),
        )

    nets = np.array([_polygonal(g) for g in networks.geometry.to_numpy()], dtype=object)
    nets = nets[~shapely.is_empty(nets)] if len(nets) else nets
    net_tree = shapely.STRtree(nets)
    ids, hs_geoms = _select_hotspots(hotspots, only_uncovered=only_uncovered, nets=nets, net_tree=net_tree)
    if not len(ids):
        log.info("no %shot spots to propose a network for", "uncovered " if only_uncovered else "")
        return _empty_result(crs, with_incidents)
    adr = _prepare_addresses(addresses, hh_col, st_col, nets, net_tree)
    if buffer is None:
        buffer = _auto_buffer(adr.xy)
        log.info("buffer around the chosen addresses: %.1f m (twice the typical address spacing)", buffer)
    groups = _group_hotspots(hs_geoms, merge_distance)
    log.info("%d hot spots in %d groups (merged when within %g m)", len(ids), len(groups), merge_distance)
    inc_series = None
    if incidents is not None:
        ig = incidents.geometry.to_numpy()
        inc_series = gpd.GeoSeries(ig[~(pd.isna(ig) | shapely.is_empty(ig))], crs=crs)

    rows: list[dict[str, Any]] = []
    proposals: list[Any] = []
    for g_no, members in enumerate(groups):
        if is_cancelled is not None and is_cancelled():
            log.warning("cancelled after %d of %d hot spots; returning the proposals made so far", g_no, len(groups))
            break
        row = _propose_group(
            [str(ids[m]) for m in members],
            shapely.union_all(hs_geoms[members]),
            adr,
            nets,
            net_tree,
            proposals,
            inc_series,
            min_households=min_households,
            max_households=max_households,
            buffer=buffer,
            max_distance=max_distance,
            merge_distance=merge_distance,
            concave_ratio=concave_ratio,
            include_hotspot=include_hotspot,
        )
        if row is not None:
            proposals.append(row["geometry"])
            adr.claim(row["geometry"])
            row["proposal_id"] = f"P{len(rows) + 1}"
            rows.append(row)
        if progress is not None:
            progress((g_no + 1) / len(groups))
    if not rows:
        return _empty_result(crs, with_incidents)
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)
    return out[[c for c in PROPOSAL_COLUMNS if c in out.columns]]


def _propose_group(
    group_ids: list[str],
    anchor: Any,
    adr: _Addresses,
    nets: np.ndarray,
    net_tree: Any,
    proposals: list[Any],
    incidents: gpd.GeoSeries | None,
    *,
    min_households: float,
    max_households: float,
    buffer: float,
    max_distance: float,
    merge_distance: float,
    concave_ratio: float,
    include_hotspot: bool,
) -> dict[str, Any] | None:
    """Make the proposal for one hot spot (or group of merged hot spots); None when there is no room."""
    label = ";".join(group_ids)
    window = shapely.buffer(anchor, max_distance + 2 * buffer)
    local = list(nets[net_tree.query(window, predicate="intersects")])
    local += [p for p in proposals if shapely.intersects(p, window)]
    obstacles = shapely.union_all(local) if local else None
    # candidates: near the hot spot, outside every network and every earlier proposal
    near = np.sort(adr.frame.sindex.query(anchor, predicate="dwithin", distance=max_distance))
    blocked_net = near[adr.in_network[near]]
    free = near[~adr.in_network[near]]
    claimed = adr.claimed[free]
    blocked_prop, cand = free[claimed], free[~claimed]
    units = _street_units(cand, adr, anchor, shapely.centroid(anchor))
    result, stopped_in = _grow(
        units,
        cand,
        adr,
        obstacles,
        min_households=min_households,
        max_households=max_households,
        buffer=buffer,
        ratio=concave_ratio,
        extra=anchor if include_hotspot else None,
    )
    notes: list[str] = []
    if len(group_ids) > 1:
        notes.append(f"hot spots {', '.join(group_ids)} lie within {merge_distance:g} m of each other: one proposal")
    if result is None:
        geom = _polygonal(shapely.difference(anchor, obstacles) if obstacles is not None else anchor)
        if shapely.is_empty(geom) or shapely.get_type_id(anchor) not in (3, 6):
            log.info("hot spot %s: no addresses can be taken and no free area outside networks; no proposal", label)
            return None
        notes.append("no addresses could be taken: the boundary is the hot spot's own outline")
        geom = _clear_overlap(geom, obstacles, adr.points(adr.covered_by(geom)))
    else:
        geom = result.geometry
    _check_no_overlap(geom, obstacles, label)
    inside = adr.covered_by(geom)

    households = float(adr.households[inside].sum())
    reached = households >= min_households
    if not reached:
        reachable = float(adr.households[cand].sum())
        why = (
            f"only {households:g} households (min_households={min_households:g}) could be reached: "
            f"{reachable:g} households live within {max_distance:g} m outside networks and other proposals"
        )
        if reachable >= min_households:
            why += f", but not together within max_households={max_households:g}"
        if len(blocked_net):
            why += f"; {adr.households[blocked_net].sum():g} more lie inside existing networks"
        if len(blocked_prop):
            why += f"; {adr.households[blocked_prop].sum():g} more lie in earlier proposals"
        why += ". Raise `max_distance`, lower `min_households`, or extend a neighbouring network instead"
        notes.append(why)
    if stopped_in:
        notes.append(f"stopped part-way along {', '.join(stopped_in)} to stay within {max_households:g} households")
    names_in = adr.streets[inside]
    names_in = names_in[[s is not None for s in names_in]]
    per_street = pd.Series(names_in, dtype="object").value_counts()
    names = sorted(str(s) for s in per_street.index)
    # a listed street is partial when some of its addresses near the hot spot are left out
    # (near: within max_distance, so that a namesake in another town does not count)
    left_out = set(adr.streets[np.setdiff1d(near, inside)]) - {None}
    partial = [n for n in names if n in left_out]
    hs_area = float(shapely.area(anchor))
    share = (
        float(shapely.area(shapely.intersection(anchor, geom))) / hs_area
        if hs_area > 0
        else float(shapely.covers(geom, anchor))
    )
    if share == 0 and result is not None:
        notes.append("the proposal does not reach into the hot spot (no addresses there); `include_hotspot` adds it")
    row: dict[str, Any] = {
        "proposal_id": "",
        "hotspot_id": label,
        "households": int(round(households)),
        "addresses": int(len(inside)),
    }
    if incidents is not None:
        row["incidents"] = int(len(incidents.sindex.query(geom, predicate="covers")))
    row.update(
        {
            "streets": "; ".join(names),
            "n_streets": len(names),
            "partial_streets": "; ".join(partial),
            "area_m2": float(shapely.area(geom)),
            "hotspot_share": share,
            "reached_target": bool(reached),
            "note": "; ".join(notes),
            "geometry": geom,
        }
    )
    log.info(
        "hot spot %s: %d households, %d addresses, %d streets, %.1f ha%s",
        label,
        row["households"],
        row["addresses"],
        row["n_streets"],
        row["area_m2"] / 1e4,
        "" if reached else " (below min_households)",
    )
    return row
