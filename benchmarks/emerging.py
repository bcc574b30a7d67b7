"""Benchmark: emerging hot spots, bingeo vs the esda-per-step + pymannkendall-per-location loop.

In one run:

(a) **The target cube**: ``--steps`` months (default 60, five years) on a ``--size`` x ``--size`` grid
    (default 400 x 400: 9.6 M bins) of Poisson counts with planted blocks that emerge, fade or persist.
    bingeo: ``EmergingHotSpots(time_window=1).fit(cube)``: space-time Gi* with FDR, Mann-Kendall on every
    location's counts and z-scores, categories (target < 5 s).
    The loop users run without bingeo: ``libpysal.weights.lat2W(rook=False)`` once, then
    ``esda.G_Local(star=True, transform="B", permutations=0)`` per step (spatial neighbours only: esda has no
    space-time weights), then ``pymannkendall.original_test`` per location on its counts and on its z-scores.
    That loop takes hours on 9.6 M bins, so it runs on ``--ref-steps`` steps and ``--ref-locations``
    locations and is **scaled** linearly to all steps and locations (said in the output). Its trends on
    those locations are checked against bingeo's (same series: max |Δz|, |Δp|).
(b) **Same semantics, measured whole**: a ``--small`` x ``--small`` x ``--steps`` cube, where esda runs
    ``G_Local`` on the space-time weights (queen neighbours in the same step and the step before, as a
    libpysal ``W``) and pymannkendall runs on every location's two series; bingeo on the same cube. Ratio and
    max |Δz| of Gi*.

Examples
--------
python benchmarks/emerging.py
python benchmarks/emerging.py --size 200 --steps 36 --repeat 3 --ref-steps 2 --ref-locations 500 --small 24
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, "") and str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

TARGET_S = 5.0  # the 9.6 M-bin cube, Gi* + trends + categories, in less than this


def make_cube(n: int, steps: int, lam: float, seed: int) -> np.ndarray:
    """``steps`` x ``n`` x ``n`` Poisson(lam) counts with blocks that emerge, fade and persist."""
    rng = np.random.default_rng(seed)
    cube = rng.poisson(lam, (steps, n, n)).astype(np.int64)
    k = max(2, n // 50)
    ramp = np.linspace(0, 1, steps)
    for j in range(12):
        r, c = rng.integers(0, n - k, 2)
        shape = (ramp, 1 - ramp, np.ones(steps))[j % 3]  # emerging, fading, persistent
        cube[:, r : r + k, c : c + k] += rng.poisson((4 * lam + 1) * shape[:, None, None], (steps, k, k))
    return cube


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times


def esda_gi(values: np.ndarray, w: Any) -> np.ndarray:
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(values.astype(float), w, star=True, transform="B", permutations=0).Zs


def space_time_w(n_t: int, nr: int, nc: int, k: int) -> Any:
    """libpysal W: queen neighbours in the same step and the k steps before (the cell itself included there)."""
    import libpysal
    from scipy import sparse

    queen = libpysal.weights.lat2W(nr, nc, rook=False).sparse.tocsr()
    eye = sparse.identity(nr * nc, format="csr")
    blocks = [[queen if t == s else (queen + eye if 0 < t - s <= k else None) for s in range(n_t)] for t in range(n_t)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return libpysal.weights.WSP(sparse.bmat(blocks, format="csr")).to_W()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=400)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--lam", type=float, default=0.4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ref-steps", type=int, default=3)
    ap.add_argument("--ref-locations", type=int, default=2000)
    ap.add_argument("--small", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    import libpysal
    import pymannkendall

    from bingeo.emerging import EmergingHotSpots

    print(f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    cube = make_cube(a.size, a.steps, a.lam, a.seed)
    n_t, nr, nc = cube.shape
    print(f"(a) cube {n_t} steps x {nr} x {nc} = {cube.size:,} bins, {int(cube.sum()):,} incidents")
    ehs, t_b = timed(lambda: EmergingHotSpots(time_window=1).fit(cube), a.repeat)
    print(
        f"  bingeo EmergingHotSpots.fit (Gi* + FDR + 2 trends + categories): best {min(t_b):.2f} s, "
        f"median {statistics.median(t_b):.2f} s (target < {TARGET_S:g} s)"
    )
    # the loop users run, on a subset, scaled
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.lat2W(nr, nc, rook=False)
    t_w = time.perf_counter() - t0
    steps = np.linspace(0, n_t - 1, a.ref_steps).astype(int)
    t0 = time.perf_counter()
    for t in steps:
        esda_gi(cube[t].ravel(), w)
    t_step = (time.perf_counter() - t0) / len(steps)
    rng = np.random.default_rng(a.seed)
    locs = rng.choice(nr * nc, size=min(a.ref_locations, nr * nc), replace=False)
    zs = ehs.z.reshape(n_t, -1)
    cs = cube.reshape(n_t, -1)
    dz = dp = 0.0
    t0 = time.perf_counter()
    for j in locs:
        for series, mk in ((cs[:, j], ehs.count_trend), (zs[:, j], ehs.trend)):
            r = pymannkendall.original_test(series)
            dz, dp = max(dz, abs(float(r.z) - mk.z[j])), max(dp, abs(float(r.p) - mk.p[j]))
    t_loc = (time.perf_counter() - t0) / len(locs)
    ref = t_w + t_step * n_t + t_loc * nr * nc
    print(
        f"  reference loop, SCALED from {len(steps)} steps and {len(locs):,} locations: lat2W {t_w:.2f} s + "
        f"G_Local {t_step:.2f} s/step x {n_t} + pymannkendall {t_loc * 1e3:.2f} ms/location (2 series) x "
        f"{nr * nc:,} = {ref:,.0f} s"
    )
    print(
        f"  ratio {ref / min(t_b):,.0f}x (best) .. {ref / max(t_b):,.0f}x (slowest bingeo run); "
        f"trends vs pymannkendall on those locations: max |dz| {dz:.1e}, max |dp| {dp:.1e}"
    )

    # (b) same semantics, whole
    small = make_cube(a.small, a.steps, a.lam, a.seed + 1)
    n_t, nr, nc = small.shape
    print(f"(b) same semantics: cube {n_t} x {nr} x {nc} = {small.size:,} bins, time window 1")
    e2, t_b2 = timed(lambda: EmergingHotSpots(time_window=1).fit(small), a.repeat)
    t0 = time.perf_counter()
    wst = space_time_w(n_t, nr, nc, 1)
    z_ref = esda_gi(small.ravel(), wst)
    cs = small.reshape(n_t, -1)
    zs = z_ref.reshape(n_t, -1)
    for j in range(nr * nc):
        pymannkendall.original_test(cs[:, j])
        pymannkendall.original_test(zs[:, j])
    t_ref2 = time.perf_counter() - t0
    print(
        f"  esda G_Local on space-time W + pymannkendall on every location: {t_ref2:.2f} s; bingeo best "
        f"{min(t_b2):.4f} s: ratio {t_ref2 / min(t_b2):,.0f}x .. {t_ref2 / max(t_b2):,.0f}x; "
        f"max |dz| Gi* {np.abs(e2.z.ravel() - z_ref).max():.1e}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
