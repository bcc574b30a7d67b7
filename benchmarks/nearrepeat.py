"""Knox near-repeat test: 50,000 incidents × 999 permutations, against a straightforward reference.

Data: 50,000 aggravated assaults drawn at random (seed 0) from the real Chicago
2010-2019 set in ../shared/data/real (reprojected to UTM 16N, EPSG:26916), or, when
that is missing, 50,000 synthetic incidents (a clustered city of 25 km × 25 km over
4 years). Bands: 0,100,200,400,800 m × 0,7,14,30,60 days (the CLI defaults).

References, run in the same process, one permutation at a time: the straightforward
vectorised approach most scripts take (pairs within 800 m from the same k-d tree;
per permutation the permuted dates of both ends of every pair are gathered and
``np.histogram2d`` bins (distance, |day difference|)), a bincount variant, and a
tuned variant that is bingeo's inner step without batching permutations. They run
on a few permutations and are extrapolated to 999. Both use the same permutations (same
seed), and the script checks that the counts of every permutation agree.

bingeo runs on ``--workers`` threads (default every CPU) and, for the speed-up per core, on one;
the p-values must be identical.

    python3 benchmarks/nearrepeat.py [--repeat 3] [--reference-permutations 10] [--synthetic] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402

from benchmarks._cores import parallel_ceiling  # noqa: E402
from bingeo.nearrepeat import DISTANCE_BANDS, TIME_BANDS, NearRepeat, knox_permutations  # noqa: E402

REAL = Path(os.environ.get("BINGEO_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")
N = 50_000


def chicago() -> gpd.GeoDataFrame | None:
    path = REAL / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz"
    if not path.is_file():
        return None
    c = pd.read_csv(path).sample(N, random_state=0)
    g = gpd.GeoDataFrame(
        {"date": pd.to_datetime(c["date"])}, geometry=gpd.points_from_xy(c["longitude"], c["latitude"]), crs=4326
    )
    return g.to_crs(26916)


def synthetic() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(0)
    centres = rng.uniform(0, 25_000, (400, 2))
    which = rng.integers(0, 400, N)
    xy = centres[which] + rng.normal(0, 600, (N, 2))
    days = rng.integers(0, 4 * 365, N)
    return gpd.GeoDataFrame(
        {"date": pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D")},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=28992,
    )


def reference(
    pts: gpd.GeoDataFrame, permutations: int, seed: int, *, how: str = "histogram2d"
) -> tuple[np.ndarray, list[np.ndarray], float]:
    """Observed table (closed bands) and one table per permutation, one permutation at a time.

    ``how="histogram2d"``: np.histogram2d of (distance, |day difference|), what most scripts do.
    ``how="bincount"``: distance bands precomputed once; per permutation |day difference| ->
    searchsorted -> one bincount of (distance band, time band) codes.
    ``how="tuned"``: int16 days, pairs grouped by distance band, ``count_nonzero(|dt| < edge)`` per
    edge: bingeo's inner step, one permutation at a time (no batching of permutations).
    Returns the seconds per permutation too.
    """
    from scipy.spatial import cKDTree

    xy = np.column_stack([pts.geometry.x, pts.geometry.y])
    days = pts["date"].dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
    pairs = cKDTree(xy).query_pairs(r=DISTANCE_BANDS[-1], output_type="ndarray")
    d = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    keep = d < DISTANCE_BANDS[-1]  # bands exclude their upper edge; histogram2d's last bin would include it
    pairs, d = pairs[keep], d[keep]
    dedges, tedges = np.array(DISTANCE_BANDS), np.array(TIME_BANDS, dtype=float)
    tedges[-1] -= 0.5  # whole days: [30, 59.5] holds 30..59 days, as [30, 60) does

    nd, nt = len(dedges) - 1, len(tedges) - 1
    dband = (np.searchsorted(dedges, d, side="right") - 1) * (nt + 1)
    ia, jb = pairs[:, 0].copy(), pairs[:, 1].copy()
    order = np.argsort(dband, kind="stable")
    ia16, jb16 = ia[order].astype(np.int32), jb[order].astype(np.int32)
    starts = np.searchsorted(dband[order], np.arange(nd + 1) * (nt + 1))
    tcut = np.array(TIME_BANDS[1:], dtype=np.int16)

    def tuned(t: np.ndarray) -> np.ndarray:
        t = t.astype(np.int16)  # day spans < 32767
        out = np.zeros((nd, nt), dtype=np.int64)
        for b in range(nd):
            diff = t[ia16[starts[b] : starts[b + 1]]] - t[jb16[starts[b] : starts[b + 1]]]
            np.abs(diff, out=diff)
            below = [np.count_nonzero(diff < e) for e in tcut]
            out[b] = np.diff([0, *below])
        return out

    def table(t: np.ndarray) -> np.ndarray:
        dt = np.abs(t[ia] - t[jb])
        if how == "histogram2d":
            h, _, _ = np.histogram2d(d, dt, bins=[dedges, tedges])
            return h.astype(np.int64)
        if how == "tuned":  # int16 days, pairs grouped by distance band, one compare-and-count per time edge
            return tuned(t)
        code = dband + np.searchsorted(np.array(TIME_BANDS), dt, side="right") - 1  # nt: beyond the last edge
        return np.bincount(code, minlength=nd * (nt + 1)).reshape(nd, nt + 1)[:, :nt]

    obs = table(days)
    sims = []
    t0 = time.perf_counter()
    for perm in knox_permutations(len(days), permutations, seed):  # the same permutations as bingeo
        sims.append(table(days[perm]))
    return obs, sims, (time.perf_counter() - t0) / permutations


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="Runs of the 999-permutation test (best is reported).")
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--reference-permutations", type=int, default=10)
    ap.add_argument("--synthetic", action="store_true", help="Use synthetic data even if the real data is there.")
    ap.add_argument(
        "--workers", type=int, default=None, help="Threads for bingeo (default: every CPU); also timed on 1 core."
    )
    args = ap.parse_args()
    from bingeo._workers import resolve_workers

    args.workers = resolve_workers(args.workers)

    pts = None if args.synthetic else chicago()
    source = "real Chicago aggravated assaults 2010-2019 (random 50,000)" if pts is not None else "synthetic"
    if pts is None:
        pts = synthetic()
    print(f"data: {len(pts):,} incidents, {source}; bands {DISTANCE_BANDS} m × {TIME_BANDS} days")

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        knox = NearRepeat(permutations=args.permutations, seed=1, workers=args.workers).fit(pts)
        times.append(time.perf_counter() - t0)
    one_core = []
    if args.workers > 1:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            single = NearRepeat(permutations=args.permutations, seed=1, workers=1).fit(pts)
            one_core.append(time.perf_counter() - t0)
        assert np.array_equal(single.p_value, knox.p_value), "p-values differ between 1 and several workers"
    t0 = time.perf_counter()
    NearRepeat(permutations=0).fit(pts)
    setup = time.perf_counter() - t0
    best = min(times)
    print(f"pairs closer than {DISTANCE_BANDS[-1]:g} m: {knox.pairs_within:,}")
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process so far (data + k-d tree + pairs + batches): {peak:,.0f} MB")
    print(
        f"bingeo NearRepeat, {args.permutations} permutations: best {best:.2f} s of {args.repeat} "
        f"({', '.join(f'{t:.2f}' for t in times)}); without permutations {setup:.2f} s "
        f"-> {(best - setup) / args.permutations * 1000:.1f} ms per permutation"
    )

    if one_core:
        print(
            f"on 1 core: best {min(one_core):.2f} s ({', '.join(f'{t:.2f}' for t in one_core)}); on {args.workers} "
            f"workers {best:.2f} s: speed-up {min(one_core) / best:.2f}x ({min(one_core) / best / args.workers:.2f} "
            f"per core); p-values identical: yes; machine load (1 min) {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} CPUs; a GIL-free numpy workload gets {parallel_ceiling(args.workers):.2f}x from "
            f"{args.workers} threads right now (the ceiling here)"
        )
    k = args.reference_permutations
    check = NearRepeat(permutations=k, seed=1).fit(pts)
    for how, label in (
        ("histogram2d", "gather + np.histogram2d"),
        ("bincount", "gather + searchsorted + bincount"),
        ("tuned", "int16 gather + one compare-and-count per time edge"),
    ):
        obs, sims, per_perm = reference(pts, k, seed=1, how=how)
        assert np.array_equal(obs, check.observed[:-1, :-1]), "observed counts differ from the reference"
        exceed = sum((s >= obs).astype(np.int64) for s in sims)
        assert np.array_equal((1 + exceed) / (1 + k), check.p_value[:-1, :-1]), "p-values differ from the reference"
        ref_total = setup + per_perm * args.permutations
        print(
            f"reference, one permutation at a time ({label}), {k} permutations: {per_perm * 1000:.1f} ms "
            f"per permutation -> {ref_total:.1f} s extrapolated to {args.permutations}; "
            f"ratio {ref_total / best:.1f}x; counts and p-values identical: yes"
        )
    print(
        f"target < 60 s for 50,000 incidents x {args.permutations} permutations: "
        f"{'met' if best < 60 else 'NOT met'} ({best:.1f} s)"
    )


if __name__ == "__main__":
    main()
