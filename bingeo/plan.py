"""The best k new areas: which candidate areas reach the most uncovered incidents (maximal covering).

A municipality can encourage only a few new networks at a time. Given candidate areas (the proposals of
:func:`bingeo.propose.propose_areas`, neighbourhoods, or any polygons), :func:`plan_areas` chooses the ``k`` that
together reach the most incidents no network covers yet, or the most risk (incidents expected at the homes,
:func:`bingeo.risk.risk_at_addresses`). An incident inside two chosen areas counts once: this is the maximal
covering location problem (Church & ReVelle 1974) with the candidate areas as facilities.

It is solved exactly as a mixed-integer programme with HiGHS (:func:`scipy.optimize.milp`) and, for very many
candidates or when asked, greedily, with the best possible value bounded by the linear relaxation.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from bingeo._crs import check_same_crs
from bingeo._results import Result
from bingeo.addresses import household_column, households_per_address
from bingeo.errors import InputError

__all__ = [
    "plan_areas",
    "households_per_address",
    "PlanResult",
    "K",
    "BY",
    "METHODS",
    "MAX_EXACT_CANDIDATES",
    "TIME_LIMIT",
    "ID_FIELDS",
]

log = logging.getLogger(__name__)

#: Areas chosen by default.
K = 5
#: What the chosen areas should reach: uncovered incidents, or risk at uncovered homes.
BY = ("incidents", "risk")
#: How to choose: exact (HiGHS MILP), greedy, or exact up to :data:`MAX_EXACT_CANDIDATES` candidates.
METHODS = ("auto", "exact", "greedy")
#: ``method="auto"`` solves exactly up to this many candidates, greedily above.
MAX_EXACT_CANDIDATES = 5000
#: Seconds HiGHS may take per problem; past it the best choice found is kept and said (not optimal).
TIME_LIMIT = 60.0
#: Columns naming a candidate, tried in this order (else ``C1``, ``C2``, ... in input order).
ID_FIELDS = ("proposal_id", "network_id", "id", "name", "naam")


@dataclass
class PlanResult(Result):
    """The k chosen areas, the gain of each next one, and how sure the answer is.

    Attributes
    ----------
    chosen : GeoDataFrame
        The chosen candidates in the order of their gain (the one that adds most first), with ``rank``,
        ``candidate_id``, ``households``, ``inside`` (demand inside it alone), ``gain`` (what it adds to the
        areas ranked before it), ``cumulative``, ``share`` (cumulative / total) and ``best`` (with ``curve``: the
        most any ``rank`` areas can reach; otherwise equal to ``cumulative``).
    gains : DataFrame
        The same table without geometry (the diminishing-returns curve).
    total : float
        Uncovered demand (incidents, or risk) in all: the M of "N of M".
    reached : float
        Demand the chosen areas reach together: the N.
    bound : float
        No choice of ``k`` candidates reaches more than this: equal to ``reached`` when ``optimal``.
    optimal : bool
        True when HiGHS proved ``reached`` the best possible.
    method : str
        ``"exact"`` or ``"greedy"``.
    by : str
        ``"incidents"`` or ``"risk"``.
    k : int
        Areas asked for (``len(chosen)`` can be smaller: too few candidates, or the budget).
    budget_households : float or None
        The households budget, if any.
    n_candidates, n_demand : int
        Candidates considered, and demand points (uncovered incidents or addresses).
    covered : int
        Incidents (or addresses) left out because a network already covers them.
    seconds : float
        Time taken to solve.
    notes : list of str
    """

    chosen: gpd.GeoDataFrame
    gains: pd.DataFrame
    total: float
    reached: float
    bound: float
    optimal: bool
    method: str
    by: str
    k: int
    budget_households: float | None
    n_candidates: int
    n_demand: int
    covered: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Say in a few lines: N of M, each area's gain, and how the choice was made."""
        what = "uncovered incidents" if self.by == "incidents" else "uncovered risk (expected incidents at homes)"
        n = len(self.chosen)
        fmt = (lambda v: f"{v:,.0f}") if self.by == "incidents" else (lambda v: f"{v:,.1f}")
        share = self.reached / self.total if self.total else 0.0
        lines = [f"The {n} best new areas reach {fmt(self.reached)} of {fmt(self.total)} {what} ({share:.0%})."]
        for r in self.gains.itertuples():
            homes = "" if np.isnan(r.households) else f", {r.households:,.0f} households"
            lines.append(f"  {r.rank}. {r.candidate_id}: +{fmt(r.gain)} (cumulative {fmt(r.cumulative)}{homes})")
        how = (
            "exact (HiGHS MILP; optimal)"
            if self.optimal
            else f"{self.method}; no choice reaches more than {fmt(self.bound)} (linear relaxation)"
        )
        budget = f", budget {self.budget_households:,.0f} households" if self.budget_households is not None else ""
        lines.append(f"Chosen from {self.n_candidates:,} candidates{budget}: {how}, {self.seconds:.2f} s.")
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


def _check(candidates: Any, k: Any, by: str, method: str, budget: Any, time_limit: float) -> None:
    if not isinstance(candidates, gpd.GeoDataFrame):
        msg = f"`candidates` should be a GeoDataFrame of polygons, got {type(candidates).__name__}"
        raise TypeError(msg)
    if by not in BY:
        msg = f"`by` must be one of {', '.join(BY)}; got {by!r}"
        raise InputError(msg)
    if method not in METHODS:
        msg = f"`method` must be one of {', '.join(METHODS)}; got {method!r}"
        raise InputError(msg)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        msg = f"`k` must be a whole number of areas >= 1, got {k!r}"
        raise InputError(msg)
    if budget is not None and not (isinstance(budget, (int, float, np.number)) and budget > 0):
        msg = f"`budget_households` must be a number of households > 0, got {budget!r}"
        raise InputError(msg)
    if not time_limit > 0:
        msg = f"`time_limit` must be a number of seconds > 0, got {time_limit!r}"
        raise InputError(msg)
    kinds = set(candidates.geom_type.dropna())
    if candidates.geometry.isna().any() or candidates.geometry.is_empty.any():
        row = int(np.flatnonzero((candidates.geometry.isna() | candidates.geometry.is_empty).to_numpy())[0])
        msg = f"candidate row {row + 1} has no geometry; give every candidate area a polygon (or drop the row)."
        raise InputError(msg)
    if kinds - {"Polygon", "MultiPolygon"}:
        msg = f"`candidates` must be polygons; found {', '.join(sorted(kinds - {'Polygon', 'MultiPolygon'}))}."
        raise InputError(msg)


def _ids(candidates: gpd.GeoDataFrame, id_field: str | None) -> list[str]:
    if id_field is not None:
        if id_field not in candidates.columns:
            msg = f"no column {id_field!r} in the candidates. Columns: {', '.join(map(str, candidates.columns))}."
            raise InputError(msg)
        col: str | None = id_field
    else:  # the first known column with an id in it (a portal's empty `id` column, from a KML, holds none)
        col = next((c for c in ID_FIELDS if c in candidates.columns and not _blank(candidates[c]).all()), None)
    if col is None:
        return [f"C{i + 1}" for i in range(len(candidates))]
    blank = _blank(candidates[col]).to_numpy()
    if blank.any():
        row = int(np.flatnonzero(blank)[0]) + 1
        msg = f"candidate row {row} has no id in column {col!r}; give each candidate its own id."
        raise InputError(msg)
    ids = candidates[col].astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        msg = f"candidate id {dup!r} occurs more than once in column {col!r}; give each candidate its own id."
        raise InputError(msg)
    return ids.tolist()


def _blank(values: pd.Series) -> pd.Series:
    """Which values are no id: missing or empty text."""
    return values.isna() | (values.astype(str).str.strip() == "")


def _candidate_households(
    candidates: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame | None, households_field: str | None
) -> tuple[np.ndarray | None, str]:
    """Households per candidate: from the addresses inside it, else the candidates' households column."""
    if addresses is not None:
        hh = households_per_address(addresses, households_field)
        pi, ci = candidates.sindex.query(addresses.geometry, predicate="intersects")
        return np.bincount(ci, weights=hh[pi], minlength=len(candidates)), "the addresses inside"
    col = household_column(candidates, None)
    if col is None:
        return None, ""
    values = pd.to_numeric(candidates[col], errors="coerce")
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        msg = f"candidate row {row + 1} has no number in its households column {col!r}; give `addresses` instead."
        raise InputError(msg)
    return values.to_numpy(dtype=float), f"the candidates' column {col!r}"


def _groups(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, m: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Demand points with the same set of covering candidates as one group (weights summed)."""
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    pts = np.unique(rows)
    starts = np.searchsorted(rows, pts)
    ends = np.append(starts[1:], rows.size)
    keys = {}
    gw: list[float] = []
    g_rows: list[int] = []
    g_cols: list[np.ndarray] = []
    for p, s, e in zip(pts, starts, ends):
        key = cols[s:e].tobytes()
        g = keys.get(key)
        if g is None:
            g = keys[key] = len(gw)
            gw.append(0.0)
            g_rows.append(g)
            g_cols.append(cols[s:e])
        gw[g] += float(weights[p])
    lens = np.array([c.size for c in g_cols], dtype=np.int64)
    flat = np.concatenate(g_cols) if g_cols else np.array([], dtype=np.int64)
    a = sparse.csr_matrix((np.ones(flat.size), (np.repeat(np.arange(len(g_cols)), lens), flat)), shape=(len(g_cols), m))
    return a, np.asarray(gw)


def _reach(a: sparse.csr_matrix, w: np.ndarray, chosen: Any) -> float:
    """Demand the ``chosen`` candidates reach together (each group once)."""
    return float(w @ (a[:, list(chosen)].sum(axis=1).A1 > 0)) if len(chosen) else 0.0


def _milp(
    a: sparse.csr_matrix, w: np.ndarray, hh: np.ndarray | None, k: int, budget: float | None, time_limit: float
) -> tuple[np.ndarray, float | None]:
    """Exact maximal covering: x_j binary (candidate chosen), y_g in [0, 1] (group reached).

    Returns the chosen candidates and, when HiGHS stopped before proving them optimal, its bound (else None).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    g, m = a.shape
    c = np.concatenate([np.zeros(m), -w])
    rows = [sparse.hstack([-a, sparse.identity(g)])]  # y_g - sum_{j covers g} x_j <= 0
    lo, hi = [np.full(g, -np.inf)], [np.zeros(g)]
    rows.append(sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(g)])))
    lo.append(np.array([-np.inf]))
    hi.append(np.array([float(k)]))
    if budget is not None and hh is not None:
        rows.append(sparse.csr_matrix(np.concatenate([hh, np.zeros(g)])))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([float(budget)]))
    cons = LinearConstraint(sparse.vstack(rows).tocsr(), np.concatenate(lo), np.concatenate(hi))
    integrality = np.concatenate([np.ones(m), np.zeros(g)])
    res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(0, 1), options={"time_limit": time_limit})
    if res.x is None:
        msg = f"HiGHS found no choice of areas: {res.message}"
        raise InputError(msg)
    x = np.flatnonzero(res.x[:m] > 0.5)
    if res.status == 0:
        return x, None
    dual = getattr(res, "mip_dual_bound", None)
    return x, -float(dual) if dual is not None else float(w.sum())


def _lp_bound(a: sparse.csr_matrix, w: np.ndarray, hh: np.ndarray | None, k: int, budget: float | None) -> float:
    """Return the linear relaxation's optimum: no choice of areas reaches more."""
    from scipy.optimize import linprog

    g, m = a.shape
    a_ub = [sparse.hstack([-a, sparse.identity(g)]), sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(g)]))]
    b_ub = [np.zeros(g), [float(k)]]
    if budget is not None and hh is not None:
        a_ub.append(sparse.csr_matrix(np.concatenate([hh, np.zeros(g)])))
        b_ub.append([float(budget)])
    res = linprog(
        np.concatenate([np.zeros(m), -w]),
        A_ub=sparse.vstack(a_ub).tocsr(),
        b_ub=np.concatenate(b_ub),
        bounds=(0, 1),
        method="highs",
    )
    return -float(res.fun) if res.status == 0 else float(w.sum())


def _greedy(a: sparse.csr_matrix, w: np.ndarray, hh: np.ndarray | None, k: int, budget: float | None) -> list[int]:
    """Add the affordable candidate that reaches the most demand not yet reached, k times (ties: first)."""
    ac = a.tocsc()
    left = w.astype(float).copy()
    spent, out = 0.0, []
    for _ in range(k):
        gain = ac.T @ left
        if budget is not None and hh is not None:
            gain[hh > budget - spent + 1e-9] = -1.0
        gain[out] = -1.0
        j = int(np.argmax(gain)) if gain.size else -1
        if j < 0 or gain[j] <= 0:
            break
        out.append(j)
        spent += float(hh[j]) if hh is not None else 0.0
        left[ac[:, j].indices] = 0.0
    return out


def _order(a: sparse.csr_matrix, w: np.ndarray, chosen: list[int]) -> tuple[list[int], list[float]]:
    """Order the chosen candidates by gain: each next one adds the most to those before it."""
    ac = a.tocsc()
    left = w.astype(float).copy()
    rest, order, gains = list(chosen), [], []
    while rest:
        g = [float(left[ac[:, j].indices].sum()) for j in rest]
        i = int(np.argmax(g))
        j = rest.pop(i)
        order.append(j)
        gains.append(g[i])
        left[ac[:, j].indices] = 0.0
    return order, gains


def plan_areas(
    candidates: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    k: int = K,
    budget_households: float | None = None,
    by: str = BY[0],
    networks: gpd.GeoDataFrame | None = None,
    addresses: gpd.GeoDataFrame | None = None,
    households_field: str | None = None,
    id_field: str | None = None,
    method: str = METHODS[0],
    time_limit: float = TIME_LIMIT,
    curve: bool = False,
    risk_options: dict[str, Any] | None = None,
) -> PlanResult:
    """Choose the ``k`` candidate areas that together reach the most uncovered incidents (or risk).

    Parameters
    ----------
    candidates : GeoDataFrame
        Candidate areas (polygons), e.g. the proposals of :func:`bingeo.propose.propose_areas`, in the
        incidents' CRS. Named by ``id_field``, else the first of :data:`ID_FIELDS` present, else ``C1``, ...
    incidents : GeoDataFrame
        Incident points.
    k : int, default 5
        How many areas to choose (at most).
    budget_households : float, optional
        The chosen areas together hold at most this many households (staff time goes with the households
        invited). A household in two chosen areas counts twice. Households come from ``addresses`` inside
        each candidate, else the candidates' households column (``households`` as ``propose`` writes it).
    by : {"incidents", "risk"}, default "incidents"
        ``"incidents"``: reach the most uncovered incidents (an incident inside several chosen areas counts
        once). ``"risk"``: reach the most risk at uncovered homes: each address counts its households times
        the kernel ratio of incidents to households there (:func:`bingeo.risk.risk_at_addresses`), i.e. the
        incidents expected at those homes; so a shopping street with many incidents and few homes counts less.
        Needs ``addresses``.
    networks : GeoDataFrame, optional
        Existing networks: incidents (and addresses) inside them are covered and not counted.
    addresses : GeoDataFrame, optional
        Address points (households column optional), in the incidents' CRS.
    households_field : str, optional
        Households column of the addresses (default: the known names, else 1 per address).
    id_field : str, optional
        Column naming the candidates.
    method : {"auto", "exact", "greedy"}, default "auto"
        ``"exact"``: HiGHS's branch and bound (:func:`scipy.optimize.milp`), optimal unless ``time_limit``
        passes first. ``"greedy"``: add the candidate that adds most, ``k`` times; it reaches at least
        ``1 - 1/e`` (63 %) of the best without a budget, and the result states the linear-relaxation bound.
        ``"auto"``: exact up to :data:`MAX_EXACT_CANDIDATES` candidates.
    time_limit : float, default 60
        Seconds HiGHS may take for each problem.
    curve : bool, default False
        With the exact method, also solve for 1, 2, ..., k - 1 areas: ``best`` is then the most any r areas
        reach (k solves in all; often 10-20 times the time of one). Default: one solve, and ``best`` is the
        cumulative gain of the chosen areas.
    risk_options : dict, optional
        Passed to :func:`bingeo.risk.risk_at_addresses` with ``by="risk"`` (``radius``, ``kernel``,
        ``min_households``).

    Returns
    -------
    PlanResult
        ``chosen`` (in the order of their gain), ``gains``, ``total``, ``reached``, ``bound``, ``summary()``.

    Raises
    ------
    TypeError
        ``candidates`` is not a GeoDataFrame.
    InputError
        Unknown ``by`` or ``method``; ``k`` not a whole number >= 1; a budget not > 0, or a budget without
        households; ``by="risk"`` without addresses; candidates that are not polygons or share an id.
    CRSMismatchError
        Inputs in different CRSs.

    Notes
    -----
    The problem (maximal covering): with ``x_j`` = 1 when candidate ``j`` is chosen and ``y_i`` = 1 when
    demand point ``i`` is reached, maximise ``sum w_i y_i`` subject to ``y_i <= sum_{j covers i} x_j``,
    ``sum x_j <= k`` and ``sum h_j x_j <= budget``. Demand points covered by the same candidates are merged
    first (their weights summed), which shrinks the problem to the distinct overlaps. An incident on a
    candidate's boundary is inside it.

    With ``curve=True`` the ``best`` column solves the problem again for 1, 2, ..., k areas: the optimal sets
    need not be nested (the best 2 need not contain the best 1), so ``best`` can exceed ``cumulative``.

    Examples
    --------
    Two overlapping squares and one apart; 3 incidents in the overlap, 2 and 1 in each square alone, 4 in the third:

    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> cands = gpd.GeoDataFrame({"proposal_id": ["A", "B", "C"]},
    ...     geometry=[box(0, 0, 10, 10), box(5, 0, 15, 10), box(30, 0, 40, 10)], crs=28992)
    >>> xy = [(7, 5)] * 3 + [(2, 5)] * 2 + [(12, 5)] + [(35, 5)] * 4
    >>> inc = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=28992)
    >>> res = plan_areas(cands, inc, k=2)
    >>> res.gains[["candidate_id", "inside", "gain", "cumulative", "best"]].values.tolist()
    [['A', 5.0, 5.0, 5.0, 5.0], ['C', 4.0, 4.0, 9.0, 9.0]]
    >>> res.reached, res.total, res.optimal
    (9.0, 10.0, True)
    """
    t0 = time.perf_counter()
    _check(candidates, k, by, method, budget_households, time_limit)
    notes: list[str] = []
    crs = incidents.crs
    check_same_crs(candidates.crs, crs, left="the candidates", right="the incidents")
    if networks is not None:
        check_same_crs(networks.crs, crs, left="the networks", right="the incidents")
    if addresses is not None:
        check_same_crs(addresses.crs, crs, left="the addresses", right="the incidents")
    if not len(candidates):
        msg = "`candidates` holds no areas: give the candidate areas (e.g. the proposals of `bingeo propose`)."
        raise InputError(msg)
    ids = _ids(candidates, id_field)
    cand = candidates.reset_index(drop=True)
    hh, hh_source = _candidate_households(cand, addresses, households_field)
    if budget_households is not None and hh is None:
        msg = (
            "a households budget needs the households of each candidate: give the addresses (`--addresses`), "
            "or candidates with a `households` column (as `bingeo propose` writes them)."
        )
        raise InputError(msg)
    if by == "risk":
        if addresses is None:
            msg = "`by='risk'` weighs the uncovered homes by their risk: give the addresses (`--addresses`)."
            raise InputError(msg)
        from bingeo.risk import risk_at_addresses

        demand = addresses.reset_index(drop=True)
        weights = risk_at_addresses(incidents, demand, households_field=households_field, **(risk_options or {}))
        weights = weights.to_numpy(dtype=float)
    else:
        demand = incidents.reset_index(drop=True)
        weights = np.ones(len(demand))
    geoms = demand.geometry
    ok = geoms.notna().to_numpy() & ~geoms.is_empty.to_numpy()
    if not ok.all():
        notes.append(f"{int((~ok).sum()):,} {by if by == 'incidents' else 'addresses'} without a location left out")
    covered = np.zeros(len(demand), dtype=bool)
    if networks is not None and len(networks):
        pi, _ = networks.sindex.query(geoms, predicate="intersects")
        covered[np.unique(pi)] = True
    use = ok & ~covered
    total = float(weights[use].sum())
    idx = np.flatnonzero(use)
    pi, ci = cand.sindex.query(geoms.iloc[idx], predicate="intersects") if len(idx) else (np.array([], int),) * 2
    pi = idx[pi]
    m = len(cand)
    inside = np.bincount(ci, weights=weights[pi], minlength=m)
    a, w = _groups(pi, ci, weights, m)
    kk = min(int(k), m)
    if kk < k:
        notes.append(f"only {m} candidates: all of them can be chosen")
    chosen_method = method if method != "auto" else ("exact" if m <= MAX_EXACT_CANDIDATES else "greedy")
    log.info("plan: %d candidates, %d demand groups, k=%d, method %s", m, a.shape[0], kk, chosen_method)
    best: list[float] = []
    if a.shape[0] == 0 or kk == 0:
        chosen, reached, bound, optimal = [], 0.0, 0.0, True
    elif chosen_method == "exact":
        x, stopped_bound = _milp(a, w, hh, kk, budget_households, time_limit)
        chosen = list(x)
        reached = _reach(a, w, chosen)
        optimal = stopped_bound is None
        bound = reached if stopped_bound is None else stopped_bound
        if not optimal:
            notes.append(f"HiGHS stopped at the time limit ({time_limit:g} s): the choice may not be the best")
        for r in range(1, len(chosen) if curve else 0):
            best.append(_reach(a, w, _milp(a, w, hh, r, budget_households, time_limit)[0]))
        best = [*best, reached] if curve else []
    else:
        chosen = _greedy(a, w, hh, kk, budget_households)
        reached = _reach(a, w, chosen)
        bound = _lp_bound(a, w, hh, kk, budget_households)
        optimal = reached >= bound - 1e-9 * max(bound, 1.0)
    order, gains = _order(a, w, chosen)
    cum = np.cumsum(gains) if gains else np.array([])
    if not best:
        best = [float(v) for v in cum]
    if len(order) < kk:
        notes.append(
            f"{len(order)} areas chosen of the {kk} asked: "
            + ("the budget allows no more" if budget_households is not None else "no other candidate adds anything")
        )
    if hh_source:
        notes.append(f"households of each candidate from {hh_source}")
    gains_df = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "candidate_id": [ids[j] for j in order],
            "households": [float(hh[j]) if hh is not None else np.nan for j in order],
            "inside": [float(inside[j]) for j in order],
            "gain": [float(g) for g in gains],
            "cumulative": [float(c) for c in cum],
            "share": [float(c) / total if total else 0.0 for c in cum],
            "best": best[: len(order)],
        }
    )
    chosen_gdf = gpd.GeoDataFrame(
        pd.concat(
            [
                gains_df,
                cand.drop(columns=[c for c in gains_df.columns if c in cand.columns])
                .iloc[order]
                .reset_index(drop=True),
            ],
            axis=1,
        ),
        geometry=cand.geometry.name,
        crs=cand.crs,
    )
    return PlanResult(
        chosen=chosen_gdf,
        gains=gains_df,
        total=total,
        reached=reached,
        bound=float(bound),
        optimal=bool(optimal),
        method=chosen_method,
        by=by,
        k=int(k),
        budget_households=None if budget_households is None else float(budget_households),
        n_candidates=m,
        n_demand=int(use.sum()),
        covered=int((ok & covered).sum()),
        seconds=time.perf_counter() - t0,
        notes=notes,
    )
