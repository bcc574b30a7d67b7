"""Divide an uncovered area into contiguous candidate BIN areas (max-p regionalisation over blocks of addresses).

A municipality that wants new networks where there are none asks: into how many
BIN areas of 50 to 250 households can this neighbourhood be divided, each a
compact whole of streets? This module answers in two steps:

1. *Blocks.* The addresses of the uncovered area (the area minus every current
   network) are grouped into blocks: by a block column when the addresses have
   one (a census dissemination block, a "bouwblok"), else by street and a grid
   of ``BLOCK_SIZE`` metres (a stretch of one street, both sides), else by the
   grid alone. Each block gets the Voronoi cells of its addresses, clipped to
   the uncovered area, as its polygon; a block whose polygon falls apart is
   split into its pieces, and a block with more than the ceiling of households
   is split at the median of its addresses until it fits.
2. *Regions.* A max-p heuristic (Duque, Anselin and Rey 2012, as
   ``spopt.region.MaxPHeuristic``) with a ceiling: regions grow from seeds over
   the rook contiguity graph of the blocks until they hold at least the floor of
   households, never more than the ceiling; blocks left over are given to a
   neighbouring region with room; a local search then moves border blocks
   between regions while that makes the regions more compact. The best of
   several constructions (most regions, then fewest households left out, then
   most compact) is kept.

Blocks that cannot be part of any region (a group of blocks cut off from the
rest holding fewer households than the floor, a single building above the
ceiling, or blocks the heuristic could not place) are returned as ``islands``
with the reason, never dropped.
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

from bingeo._checks import check_household_range, check_number, find_column, polsby_popper
from bingeo._crs import check_same_crs, crs_label, to_metric
from bingeo._results import Result
from bingeo.addresses import households_per_address
from bingeo.errors import CancelledError, CRSError, InputError
from bingeo.propose import STREET_FIELDS

__all__ = [
    "RegionsResult",
    "make_blocks",
    "divide_regions",
    "block_contiguity",
    "KINDS",
    "BLOCK_FIELDS",
    "BLOCK_SIZE",
    "REACH",
    "MIN_HOUSEHOLDS",
    "MAX_HOUSEHOLDS",
    "CONSTRUCTIONS",
    "LOCAL_SEARCH_PASSES",
    "MIN_SHARED_EDGE",
    "SEED",
    "REGION_COLUMNS",
    "ISLAND_COLUMNS",
]

log = logging.getLogger(__name__)

#: What the regions are for: a WhatsApp group (at most 256 members, the default) or a BIN without that cap.
KINDS = ("whatsapp", "bin")
#: Address columns recognised (case-insensitively) as a block key, in order of preference.
BLOCK_FIELDS = (
    "dissemination_block_id",
    "dbuid",
    "block_id",
    "blok_id",
    "bouwblok",
    "bouwblok_id",
    "block",
    "blok",
)
#: Grid size (metres) of blocks made from the addresses alone (no block column).
BLOCK_SIZE = 100.0
#: A block's polygon reaches at most this far (metres) from its addresses: land with no address near it (a park,
#: the part of the area where the address file has no addresses) is in no region.
REACH = 250.0
#: Default household range of a region.
MIN_HOUSEHOLDS = 50
MAX_HOUSEHOLDS = 250
#: Constructions tried (different random seed orders); the best is kept.
CONSTRUCTIONS = 10
#: Passes of the local search (moves of border blocks) at most.
LOCAL_SEARCH_PASSES = 20
#: Two blocks are neighbours (rook) when they share an edge at least this long (metres).
MIN_SHARED_EDGE = 0.5
#: Seed of the random orders: the same seed gives the same regions.
SEED = 0
#: Columns of :attr:`RegionsResult.regions` (``incidents`` only with incidents, ``streets`` only with a street column).
REGION_COLUMNS = [
    "proposal_id",
    "households",
    "addresses",
    "blocks",
    "incidents",
    "streets",
    "area_m2",
    "compactness",
    "geometry",
]
#: Columns of :attr:`RegionsResult.islands`.
ISLAND_COLUMNS = ["block_id", "households", "addresses", "reason", "geometry"]


@dataclass
class RegionsResult(Result):
    """Candidate BIN areas of an uncovered area, and the blocks that could not be part of one.

    Attributes
    ----------
    regions : geopandas.GeoDataFrame
        One row per region (:data:`REGION_COLUMNS`): ``proposal_id`` (``R1``, ``R2``, ...), households,
        addresses, blocks, incidents (with incidents), streets (with a street column), area (m²) and
        Polsby-Popper compactness (4 pi area / perimeter², 1 for a disc).
    islands : geopandas.GeoDataFrame
        Blocks in no region (:data:`ISLAND_COLUMNS`), with the reason.
    blocks : geopandas.GeoDataFrame
        Every block: ``block_id``, households, addresses, ``proposal_id`` (empty for islands), geometry.
    block_rule : str
        How the blocks were made (which column, or the grid).
    outside : int
        Addresses not used: outside the area or inside a current network.
    seconds : float
        Time taken by the regionalisation (blocks excluded).
    notes : list of str
        What was done that the user should know (the CRS worked in).
    """

    regions: gpd.GeoDataFrame
    islands: gpd.GeoDataFrame
    blocks: gpd.GeoDataFrame
    block_rule: str
    outside: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Say how many regions, their household range and what was left out."""
        r = self.regions
        lines = [f"blocks: {len(self.blocks)} ({self.block_rule})"]
        if len(r):
            lines.append(
                f"{len(r)} regions of {int(r['households'].min())}-{int(r['households'].max())} households "
                f"(median {float(r['households'].median()):g}), median compactness "
                f"{float(r['compactness'].median()):.2f}"
            )
        else:
            lines.append("no regions")
        if len(self.islands):
            by = self.islands.groupby("reason")["households"].agg(["size", "sum"])
            for reason, row in by.iterrows():
                lines.append(f"not in a region: {row['size']} blocks, {int(row['sum'])} households: {reason}")
        if self.outside:
            lines.append(f"{self.outside} addresses outside the uncovered area (outside the area or in a network)")
        return "\n".join(lines)


# --------------------------------------------------------------------------- blocks


def _split_oversize(keys: np.ndarray, xy: np.ndarray, hh: np.ndarray, ceiling: float) -> np.ndarray:
    """Split every key whose households pass ``ceiling`` at the median of its addresses (longer axis), recursively."""
    keys = keys.astype(object).copy()
    sums = pd.Series(hh).groupby(keys).sum()
    over = set(sums.index[sums.to_numpy() > ceiling])
    if not over:
        return keys
    groups = pd.Series(np.arange(len(keys))).groupby(keys).indices
    todo = [(k, np.asarray(groups[k])) for k in sorted(over, key=str)]
    while todo:
        k, idx = todo.pop()
        if hh[idx].sum() <= ceiling:
            continue
        pts = xy[idx]
        span = pts.max(axis=0) - pts.min(axis=0)
        if span.max() == 0:  # one building: cannot be split
            continue
        axis = int(np.argmax(span))
        cut = np.sort(pts[:, axis])[len(idx) // 2]
        low = pts[:, axis] < cut
        if not low.any():  # the median point repeats down to the minimum: split just above it
            low = pts[:, axis] <= cut
        for part, sel in (("a", low), ("b", ~low)):
            keys[idx[sel]] = f"{k}{part}"
            todo.append((f"{k}{part}", idx[sel]))
    return keys


def _dissolve(cells: np.ndarray) -> Any:
    """Union of Voronoi cells: as a coverage (fast) when the result is valid, else by a full union."""
    if len(cells) == 1:
        return cells[0]
    try:
        out = shapely.coverage_union_all(cells)
    except shapely.errors.GEOSException:  # not a coverage (cells clipped by the area's edge)
        return shapely.union_all(cells)
    return out if shapely.is_valid(out) else shapely.union_all(cells)


def make_blocks(
    addresses: gpd.GeoDataFrame,
    area: Any,
    *,
    block_field: str | None = None,
    street_field: str | None = None,
    households_field: str | None = None,
    block_size: float = BLOCK_SIZE,
    reach: float = REACH,
    max_households: float | None = None,
) -> tuple[gpd.GeoDataFrame, np.ndarray, str]:
    """Group address points into blocks with polygons that tile ``area``.

    Parameters
    ----------
    addresses : geopandas.GeoDataFrame
        Address points in a projected CRS, all inside ``area``.
    area : shapely geometry
        The (uncovered) area the blocks tile.
    block_field : str, optional
        Column holding a block key (default: the first of :data:`BLOCK_FIELDS` present).
    street_field : str, optional
        Street-name column, used with the grid when there is no block column.
    households_field : str, optional
        Households per address (default: a recognised column, else 1 per address).
    block_size : float
        Grid size (metres) when there is no block column.
    reach : float
        A block's polygon reaches at most this far (metres) from its addresses.
    max_households : float, optional
        Split blocks with more households at the median of their addresses.

    Returns
    -------
    blocks : geopandas.GeoDataFrame
        ``block_id``, ``households``, ``addresses``, ``geometry`` (one Polygon each).
    address_block : numpy.ndarray
        The block (row of ``blocks``) of each address.
    rule : str
        How the blocks were made, in words.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> adr = gpd.GeoDataFrame(geometry=gpd.points_from_xy([10, 20, 150, 160], [10, 20, 10, 20]), crs=28992)
    >>> blocks, where, rule = make_blocks(adr, shapely.box(0, 0, 200, 100))
    >>> list(blocks["households"]), where.tolist(), rule
    ([2, 2], [0, 0, 1, 1], 'grid of 100 m')
    >>> float(blocks.area.sum())
    20000.0
    """
    frame = addresses.reset_index(drop=True)
    xy = shapely.get_coordinates(frame.geometry.to_numpy())
    hh = households_per_address(frame, households_field)
    key_col = find_column(frame, block_field, BLOCK_FIELDS, "block_field")
    cells = np.floor(xy / block_size).astype(np.int64)
    grid_key = pd.Series(cells[:, 0]).astype(str) + "_" + pd.Series(cells[:, 1]).astype(str)
    if key_col is not None:
        raw = frame[key_col].astype("object")
        missing = raw.isna() | (raw.astype(str).str.strip() == "")
        keys = raw.astype(str).where(~missing, "grid " + grid_key).to_numpy(object)
        rule = f"column {key_col}"
        if missing.any():
            rule += f" ({int(missing.sum())} addresses without one: grid of {block_size:g} m)"
    else:
        st_col = find_column(frame, street_field, STREET_FIELDS, "street_field")
        if st_col is not None:
            keys = (frame[st_col].astype(str).fillna("") + " @" + grid_key).to_numpy(object)
            rule = f"street ({st_col}) within a grid of {block_size:g} m"
        else:
            keys = grid_key.to_numpy(object)
            rule = f"grid of {block_size:g} m"
    if max_households is not None:
        keys = _split_oversize(keys, xy, hh, max_households)
    # Voronoi cells of the distinct address locations, clipped to the area
    uniq, inverse = np.unique(xy, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    upts = shapely.points(uniq)
    if len(uniq) == 1:
        cells_geom = np.array([shapely.intersection(area, shapely.buffer(upts[0], reach))], dtype=object)
    else:
        env = shapely.envelope(shapely.union(area, shapely.multipoints(uniq)))
        vor = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=shapely.buffer(env, 10)))
        tree = shapely.STRtree(vor)
        pi, vi = tree.query(upts, predicate="within")
        cells_geom = np.empty(len(uniq), dtype=object)
        cells_geom[pi] = vor[vi]
        shapely.prepare(area)
        cut = ~shapely.contains_properly(area, cells_geom)  # only the cells on the area's edge need clipping
        cells_geom[cut] = shapely.intersection(cells_geom[cut], area)
        far = shapely.hausdorff_distance(upts, cells_geom) > reach  # cells reaching far from their address
        if far.any():  # a cell's points within reach of any address are those within reach of its own
            cells_geom[far] = shapely.intersection(cells_geom[far], shapely.buffer(upts[far], reach, quad_segs=16))
    # a location shared by several blocks (flats of two blocks in one building): the location's cell goes to one
    loc_key = pd.Series(keys).groupby(inverse).first().to_numpy(object)
    codes, names = pd.factorize(pd.Series(loc_key, dtype="object"), sort=True)
    geoms = np.empty(len(names), dtype=object)
    for b, members in pd.Series(np.arange(len(codes))).groupby(codes).indices.items():
        geoms[b] = _dissolve(cells_geom[members])
    address_block = codes[inverse]
    # a block that falls apart (the area cuts it, a street of one name curves back) is split into its pieces
    parts, owner = shapely.get_parts(geoms, return_index=True)
    poly = shapely.get_type_id(parts) == 3
    parts, owner = parts[poly], owner[poly]
    ai, pj = shapely.STRtree(parts).query(shapely.points(xy), predicate="intersects")
    ok = owner[pj] == address_block[ai]
    ai, pj = ai[ok], pj[ok]
    part_of = np.full(len(xy), -1, dtype=np.int64)
    part_of[ai[::-1]] = pj[::-1]  # an address on the edge of two pieces of its block: the first piece
    if (part_of < 0).any():  # every address lies in its own Voronoi cell: a bug
        msg = f"{int((part_of < 0).sum())} addresses fell outside their block's polygon (a bug)"
        raise AssertionError(msg)
    used = np.unique(part_of)
    remap = np.full(len(parts), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    address_block = remap[part_of]
    block_names = names.to_numpy(object)[owner[used]]
    counts = pd.Series(block_names).groupby(block_names).cumcount().to_numpy()
    multi = pd.Series(block_names).duplicated(keep=False).to_numpy()
    ids = np.array([f"{n}#{c + 1}" if m else str(n) for n, c, m in zip(block_names, counts, multi)], dtype=object)
    # pieces holding no address (cut off by a network or the area's edge) go to the block sharing the longest edge
    # with them; a piece touching none is left out (it holds no address)
    block_geoms = parts[used].copy()
    spare = np.setdiff1d(np.arange(len(parts)), used)
    if len(spare):
        btree = shapely.STRtree(block_geoms)
        for s in spare:
            near = btree.query(parts[s], predicate="intersects")
            if not len(near):
                continue
            shared = shapely.length(
                shapely.intersection(shapely.boundary(block_geoms[near]), shapely.boundary(parts[s]))
            )
            if shared.max() >= MIN_SHARED_EDGE:
                k = near[int(np.argmax(shared))]
                block_geoms[k] = shapely.union(block_geoms[k], parts[s])
    households = np.bincount(address_block, weights=hh, minlength=len(used))
    n_addr = np.bincount(address_block, minlength=len(used))
    hh_out = np.round(households).astype(np.int64) if np.allclose(households, np.round(households)) else households
    blocks = gpd.GeoDataFrame(
        {"block_id": ids, "households": hh_out, "addresses": n_addr},
        geometry=block_geoms,
        crs=addresses.crs,
    )
    return blocks, address_block, rule


def block_contiguity(blocks: gpd.GeoSeries | gpd.GeoDataFrame, *, min_shared: float = MIN_SHARED_EDGE) -> np.ndarray:
    """Return the rook neighbour pairs ``(i, j)``, ``i < j``: blocks sharing an edge of ``min_shared`` metres or more.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 1, 3, 2)])
    >>> block_contiguity(g).tolist()
    [[0, 1]]
    """
    return _shared_edges(blocks, min_shared)[0]


def _shared_edges(blocks: Any, min_shared: float) -> tuple[np.ndarray, np.ndarray]:
    """Rook neighbour pairs and the length of the edge each pair shares."""
    geoms = blocks.geometry.to_numpy() if hasattr(blocks, "geometry") else np.asarray(blocks)
    if len(geoms) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[j])))
    ok = shared >= min_shared
    return np.column_stack([i[ok], j[ok]]).astype(np.int64), shared[ok]


# --------------------------------------------------------------------------- the max-p heuristic


class _Graph:
    """Blocks as a neighbour list with households, centroids and areas."""

    def __init__(
        self, n: int, pairs: np.ndarray, lengths: np.ndarray, hh: np.ndarray, xy: np.ndarray, weight: np.ndarray
    ) -> None:
        self.n = n
        self.nbrs: list[list[int]] = [[] for _ in range(n)]
        self.edge: list[dict[int, float]] = [{} for _ in range(n)]  # shared edge length per neighbour
        for (a, b), length in zip(pairs.tolist(), lengths.tolist()):
            self.nbrs[a].append(b)
            self.nbrs[b].append(a)
            self.edge[a][b] = self.edge[b][a] = length
        for lst in self.nbrs:
            lst.sort()
        self.hh = hh
        self.xy = xy
        self.w = weight

    def components(self, members: list[int] | set[int] | None = None) -> list[list[int]]:
        """Return the connected components of the blocks (or of ``members`` only), each sorted."""
        pool = set(range(self.n)) if members is None else set(members)
        seen: set[int] = set()
        out = []
        for s in sorted(pool):
            if s in seen:
                continue
            comp, stack = [], [s]
            seen.add(s)
            while stack:
                v = stack.pop()
                comp.append(v)
                for u in self.nbrs[v]:
                    if u in pool and u not in seen:
                        seen.add(u)
                        stack.append(u)
            out.append(sorted(comp))
        return out

    def inertia(self, members: list[int]) -> float:
        """Return the area-weighted moment of inertia of the block centres about their centre: low is compact."""
        idx = np.asarray(members)
        w = self.w[idx]
        c = (self.xy[idx] * w[:, None]).sum(axis=0) / w.sum()
        return float((w * ((self.xy[idx] - c) ** 2).sum(axis=1)).sum())


def _construct(
    g: _Graph, pool: list[int], floor: float, ceiling: float, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """One construction: grow regions from random seeds, then give the enclaves to neighbouring regions."""
    label = np.full(g.n, -1, dtype=np.int64)  # -1 unassigned, -2 enclave, >= 0 region
    in_pool = np.zeros(g.n, dtype=bool)
    in_pool[pool] = True
    totals: list[float] = []
    sums: list[np.ndarray] = []  # weighted centroid sums per region, for compact growth
    wsum: list[float] = []
    for s in rng.permutation(np.asarray(pool)):
        s = int(s)
        if label[s] != -1:
            continue
        region, total = [s], float(g.hh[s])
        label[s] = len(totals)
        cx = g.xy[s] * g.w[s]
        cw = float(g.w[s])
        frontier = {u for u in g.nbrs[s] if in_pool[u] and label[u] == -1}
        while total < floor and frontier:
            centre = cx / cw
            cand = sorted(frontier)
            fits = [u for u in cand if total + g.hh[u] <= ceiling]
            if not fits:
                break
            d = ((g.xy[fits] - centre) ** 2).sum(axis=1)
            u = fits[int(np.argmin(d))]
            frontier.discard(u)
            region.append(u)
            total += float(g.hh[u])
            label[u] = len(totals)
            cx = cx + g.xy[u] * g.w[u]
            cw += float(g.w[u])
            frontier |= {v for v in g.nbrs[u] if in_pool[v] and label[v] == -1}
        if total >= floor:
            totals.append(total)
            sums.append(cx)
            wsum.append(cw)
        else:
            label[region] = -2
    # enclaves: to the neighbouring region with room whose centre is nearest, until nothing moves
    changed = True
    while changed:
        changed = False
        for e in np.flatnonzero(label == -2):
            options = sorted(
                {int(label[u]) for u in g.nbrs[e] if label[u] >= 0 and totals[label[u]] + g.hh[e] <= ceiling}
            )
            if not options:
                continue
            d = [float(((g.xy[e] - sums[r] / wsum[r]) ** 2).sum()) for r in options]
            r = options[int(np.argmin(d))]
            label[e] = r
            totals[r] += float(g.hh[e])
            sums[r] = sums[r] + g.xy[e] * g.w[e]
            wsum[r] += float(g.w[e])
            changed = True
    return label, len(totals)


def _connected_without(g: _Graph, members: set[int], drop: int) -> bool:
    rest = members - {drop}
    if not rest:
        return False
    start = next(iter(rest))
    seen, stack = {start}, [start]
    while stack:
        v = stack.pop()
        for u in g.nbrs[v]:
            if u in rest and u not in seen:
                seen.add(u)
                stack.append(u)
    return len(seen) == len(rest)


def _local_search(g: _Graph, label: np.ndarray, floor: float, ceiling: float, passes: int) -> np.ndarray:
    """Move border blocks to the neighbouring region they share more edge with (floors, ceilings, contiguity kept).

    Each move shortens the total length of the boundaries between regions by the difference of the two shared
    lengths: the regions' perimeters shrink, so they get more compact (Polsby-Popper) and follow the blocks'
    outlines. Stops when a pass moves nothing.
    """
    label = label.copy()
    regions: dict[int, set[int]] = {}
    for b in np.flatnonzero(label >= 0):
        regions.setdefault(int(label[b]), set()).add(int(b))
    totals = {r: float(g.hh[list(m)].sum()) for r, m in regions.items()}
    for _ in range(passes):
        moved = 0
        for b in range(g.n):
            a = int(label[b])
            if a < 0 or totals[a] - g.hh[b] < floor:
                continue
            shared: dict[int, float] = {}
            for u, length in g.edge[b].items():
                shared[int(label[u])] = shared.get(int(label[u]), 0.0) + length
            own = shared.get(a, 0.0)
            best, best_gain = -1, 1e-6
            for t in sorted(shared):
                if t < 0 or t == a or totals[t] + g.hh[b] > ceiling:
                    continue
                gain = shared[t] - own
                if gain > best_gain:
                    best, best_gain = t, gain
            if best < 0 or not _connected_without(g, regions[a], b):
                continue
            regions[a].discard(b)
            regions[best].add(b)
            totals[a] -= float(g.hh[b])
            totals[best] += float(g.hh[b])
            label[b] = best
            moved += 1
        if not moved:
            break
    return label


def _max_p(
    g: _Graph,
    floor: float,
    ceiling: float,
    *,
    seed: int,
    constructions: int,
    passes: int,
    is_cancelled: Callable[[], bool] | None,
    progress: Callable[[float], None] | None,
) -> tuple[np.ndarray, dict[int, str]]:
    """Label every block with its region (-1: none) and give the reason for each block in no region."""
    reasons: dict[int, str] = {}
    pool: list[int] = []
    for comp in g.components():
        total = float(g.hh[comp].sum())
        if total < floor:
            why = f"cut off from other blocks with {total:g} households together, fewer than the floor ({floor:g})"
            reasons.update({b: why for b in comp})
        else:
            pool.extend(comp)
    for b in list(pool):
        if g.hh[b] > ceiling:
            reasons[b] = f"one address location with {g.hh[b]:g} households, more than the ceiling ({ceiling:g})"
    pool = sorted(b for b in pool if b not in reasons)
    rng = np.random.default_rng(seed)
    best: tuple[Any, ...] | None = None
    for k in range(constructions):
        if is_cancelled is not None and is_cancelled():
            if best is None:
                raise CancelledError("cancelled before the first construction of regions was done")
            log.warning("cancelled after %d of %d constructions; the best so far is kept", k, constructions)
            break
        label, p = _construct(g, pool, floor, ceiling, rng)
        left = float(g.hh[label < 0][np.isin(np.flatnonzero(label < 0), pool)].sum())
        inertia = sum(g.inertia(list(np.flatnonzero(label == r))) for r in range(p))
        key = (-p, left, inertia)
        if best is None or key < best[0]:
            best = (key, label)
        if progress is not None:
            progress(0.8 * (k + 1) / constructions)
    assert best is not None
    label = best[1]
    label = _local_search(g, label, floor, ceiling, passes)
    for b in pool:
        if label[b] < 0:
            reasons[b] = "no neighbouring region had room within the ceiling, and too few households around to form one"
    label[label < 0] = -1
    return label, reasons


# --------------------------------------------------------------------------- the public function


def divide_regions(
    area: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    networks: gpd.GeoDataFrame | None = None,
    *,
    min_households: float = MIN_HOUSEHOLDS,
    max_households: float = MAX_HOUSEHOLDS,
    kind: str = KINDS[0],
    incidents: gpd.GeoDataFrame | None = None,
    block_field: str | None = None,
    street_field: str | None = None,
    households_field: str | None = None,
    block_size: float = BLOCK_SIZE,
    reach: float = REACH,
    seed: int = SEED,
    constructions: int = CONSTRUCTIONS,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> RegionsResult:
    """Divide the part of ``area`` no network covers into contiguous candidate BIN areas within a household range.

    Parameters
    ----------
    area : geopandas.GeoDataFrame
        Polygon(s) of the area to divide (a municipality, a district); their union is used.
    addresses : geopandas.GeoDataFrame
        Address points; those inside the area and outside every network are divided.
    networks : geopandas.GeoDataFrame, optional
        Current networks; their area is left out.
    min_households, max_households : float
        The floor and the ceiling of households per region (default 50 and 250). The ceiling is never passed.
    kind : {"whatsapp", "bin"}
        ``"whatsapp"`` (default): each region will be a WhatsApp group, so ``max_households`` may not pass 256
        (:data:`bingeo.members.WHATSAPP_MAX_MEMBERS`); ``"bin"`` lifts that cap.
    incidents : geopandas.GeoDataFrame, optional
        Points counted per region (``incidents`` column).
    block_field : str, optional
        Address column with a block key (default: the first of :data:`BLOCK_FIELDS` present).
    street_field : str, optional
        Street-name column (listed per region; used for blocks without a block column).
    households_field : str, optional
        Households per address (default: a recognised column, else 1 per address).
    block_size : float
        Grid size (metres) of blocks when there is no block column.
    reach : float
        A block's polygon reaches at most this far (metres) from its addresses (:data:`REACH`): land far
        from every address is in no region.
    seed : int
        Seed of the random seed orders: the same seed gives the same regions.
    constructions : int
        Constructions tried; the best is kept.
    progress, is_cancelled : callable, optional
        Progress (0-1) and cancellation callbacks.

    Returns
    -------
    RegionsResult
        ``regions`` (``proposal_id`` R1, R2, ... readable as candidates by ``bingeo plan``), ``islands`` and
        ``blocks``, in the addresses' CRS.

    Raises
    ------
    TypeError
        An input is not a GeoDataFrame, or an option is not a number.
    InputError
        ``min_households`` > ``max_households``; ``kind="whatsapp"`` with ``max_households`` > 256; an unknown
        ``kind``; a named column that does not exist; no address in the uncovered area.
    CRSError
        ``addresses`` without a CRS.
    CRSMismatchError
        The inputs do not share one CRS.

    See Also
    --------
    bingeo.propose.propose_areas : one area around each uncovered hot spot.

    Notes
    -----
    The heuristic is the max-p construction of Duque, Anselin and Rey (2012) with a ceiling: seeds in a random
    order (from ``seed``), each grown by the neighbouring block nearest to the region's centre that keeps it
    within the ceiling, until it reaches the floor; a seed that cannot reach it leaves its blocks as enclaves,
    which go to the nearest neighbouring region with room. The construction with most regions (then fewest
    households left out, then least inertia) is kept, and a local search moves border blocks to a neighbouring
    region while the area-weighted inertia of the block centres drops, keeping every region contiguous and
    within the range. Contiguity is rook: blocks sharing an edge of at least :data:`MIN_SHARED_EDGE` metres.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> import bingeo.regions as br
    >>> xs, ys = [x for x in range(5, 400, 10) for _ in range(10)], [y for _ in range(40) for y in range(5, 100, 10)]
    >>> adr = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xs, ys), crs=28992)
    >>> area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 400, 100)], crs=28992)
    >>> res = br.divide_regions(area, adr, min_households=60, max_households=120, block_size=50)
    >>> len(res.regions), int(res.regions["households"].sum()), bool(res.regions["households"].between(60, 120).all())
    (5, 400, True)
    >>> br.divide_regions(area, adr, max_households=300)
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: `max_households`=300 does not fit a WhatsApp group, which holds at most 256 members. \
Use `max_households=256` or less (`--max-households 256`), or `kind='bin'`.
    """
    import time

    for value, name in ((area, "area"), (addresses, "addresses")):
        if not isinstance(value, gpd.GeoDataFrame):
            msg = f"`{name}` should be a GeoDataFrame, got {type(value).__name__}"
            raise TypeError(msg)
    if not isinstance(kind, str) or kind not in KINDS:
        msg = f"`kind` must be one of {', '.join(map(repr, KINDS))}; got {kind!r}."
        raise InputError(msg)
    lo, hi = check_household_range(min_households, max_households, kind=kind)
    block_size = check_number(block_size, "block_size", minimum=0, inclusive=False)
    reach = check_number(reach, "reach", minimum=0, inclusive=False)
    if addresses.crs is None:
        msg = "Cannot transform naive geometries. Please set a crs on the object first: `addresses` has no CRS."
        raise CRSError(msg)
    check_same_crs(addresses.crs, area.crs, left="addresses", right="area")
    if networks is not None:
        check_same_crs(addresses.crs, networks.crs, left="addresses", right="networks")
    if incidents is not None:
        check_same_crs(addresses.crs, incidents.crs, left="addresses", right="incidents")
    crs = addresses.crs
    if crs.is_geographic:
        metric_addresses, note = to_metric(addresses, what="the addresses")
        m = metric_addresses.crs
        res = divide_regions(
            area.to_crs(m),
            metric_addresses,
            None if networks is None else networks.to_crs(m),
            min_households=min_households,
            max_households=max_households,
            kind=kind,
            incidents=None if incidents is None else incidents.to_crs(m),
            block_field=block_field,
            street_field=street_field,
            households_field=households_field,
            block_size=block_size,
            reach=reach,
            seed=seed,
            constructions=constructions,
            progress=progress,
            is_cancelled=is_cancelled,
        )
        log.info("%s", note)
        res.regions, res.islands, res.blocks = (f.to_crs(crs) for f in (res.regions, res.islands, res.blocks))
        res.notes.append(f"{note}; regions are given in {crs_label(crs)}")
        return res

    whole = shapely.union_all(shapely.make_valid(area.geometry.dropna().to_numpy()))
    if networks is not None and len(networks):
        taken = shapely.union_all(shapely.make_valid(networks.geometry.dropna().to_numpy()))
        whole = shapely.difference(whole, taken)
    whole = shapely.union_all([p for p in shapely.get_parts(whole) if shapely.get_type_id(p) in (3, 6)])
    pts = addresses.geometry.to_numpy()
    usable = ~(pd.isna(pts) | shapely.is_empty(pts))
    inside = np.zeros(len(addresses), dtype=bool)
    if usable.any():
        inside[usable] = shapely.covers(whole, pts[usable])
    outside = int(len(addresses) - inside.sum())
    if not inside.any():
        msg = (
            f"none of the {len(addresses)} addresses lies in the uncovered part of the area (the area minus the "
            "networks). Check that the area and the addresses are of the same place, or that networks do not "
            "already cover it."
        )
        raise InputError(msg)
    adr = addresses.loc[inside].reset_index(drop=True)
    blocks, where, rule = make_blocks(
        adr,
        whole,
        block_field=block_field,
        street_field=street_field,
        households_field=households_field,
        block_size=block_size,
        reach=reach,
        max_households=hi,
    )
    log.info("%d blocks from %d addresses (%s)", len(blocks), len(adr), rule)
    t0 = time.perf_counter()
    geoms = blocks.geometry.to_numpy()
    pairs, lengths = _shared_edges(blocks, MIN_SHARED_EDGE)
    cen = shapely.get_coordinates(shapely.point_on_surface(geoms))
    hh = blocks["households"].to_numpy(float)
    graph = _Graph(len(blocks), pairs, lengths, hh, cen, np.maximum(shapely.area(geoms), 1.0))
    label, reasons = _max_p(
        graph,
        lo,
        hi,
        seed=seed,
        constructions=int(constructions),
        passes=LOCAL_SEARCH_PASSES,
        is_cancelled=is_cancelled,
        progress=progress,
    )
    seconds = time.perf_counter() - t0
    # regions numbered from west to east, then south to north, by their centre: stable across runs
    ids = np.unique(label[label >= 0])
    centres = np.array([graph.xy[label == r].mean(axis=0) for r in ids]).reshape(-1, 2)
    order = ids[np.lexsort((centres[:, 1], centres[:, 0]))] if len(ids) else ids
    name = {int(r): f"R{k + 1}" for k, r in enumerate(order)}
    blocks = blocks.copy()
    blocks["proposal_id"] = [name.get(int(v), "") for v in label]
    st_col = find_column(adr, street_field, STREET_FIELDS, "street_field")
    rows = []
    inc_tree = None
    if incidents is not None:
        ig = incidents.geometry.to_numpy()
        ig = ig[~(pd.isna(ig) | shapely.is_empty(ig))]
        inc_tree = shapely.STRtree(ig)
    if st_col is not None:  # each region's street names, from its addresses, in one pass
        names = pd.Series(adr[st_col].to_numpy(object))
        named = names.map(lambda s: isinstance(s, str) and bool(s.strip())).to_numpy(bool)
        streets = names[named].astype(str).groupby(label[where][named]).agg(lambda s: "; ".join(sorted(set(s))))
    for r in order:
        members = np.flatnonzero(label == r)
        geom = shapely.union_all(geoms[members])
        row: dict[str, Any] = {
            "proposal_id": name[int(r)],
            "households": blocks["households"].to_numpy()[members].sum(),
            "addresses": int(blocks["addresses"].to_numpy()[members].sum()),
            "blocks": len(members),
        }
        if inc_tree is not None:
            row["incidents"] = int(len(inc_tree.query(geom, predicate="covers")))
        if st_col is not None:
            row["streets"] = streets.get(r, "")
        row.update({"area_m2": float(shapely.area(geom)), "compactness": polsby_popper(geom), "geometry": geom})
        rows.append(row)
    cols = [
        c
        for c in REGION_COLUMNS
        if (c != "incidents" or incidents is not None) and (c != "streets" or st_col is not None)
    ]
    regions = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=crs)
    isl = sorted(reasons)
    islands = gpd.GeoDataFrame(
        {
            "block_id": blocks["block_id"].to_numpy()[isl] if isl else [],
            "households": blocks["households"].to_numpy()[isl] if isl else [],
            "addresses": blocks["addresses"].to_numpy()[isl] if isl else [],
            "reason": [reasons[b] for b in isl],
        },
        geometry=geoms[isl] if isl else [],
        crs=crs,
    )
    if progress is not None:
        progress(1.0)
    log.info("%d regions; %d blocks in no region", len(regions), len(islands))
    return RegionsResult(
        regions=regions, islands=islands, blocks=blocks, block_rule=rule, outside=outside, seconds=seconds
    )
