"""Benchmark: the best k new areas (``bingeo.plan_areas``) on Vancouver's residential break-ins, against references.

Cases, each timed in the same process:

(a) Vancouver's 22 local areas as candidates, k = 3 and 5: bingeo (exact, HiGHS) against brute force over every
    choice of k areas and against spopt's ``MCLP`` (CBC through PuLP) on the same coverage.
(b) Overlapping candidates: ``--discs`` discs of ``--disc-radius`` m around random property addresses (seeded),
    k = 5 and 10: bingeo exact against spopt's MCLP (same coverage: the incidents inside each disc polygon), and
    bingeo's greedy (value and its linear-relaxation bound); then with a households budget (addresses inside).

Each reference is the same problem (the same 0/1 coverage), so the objectives must be equal; the script exits 1
when they are not. Prints the time of each (median over ``--repeat`` runs) and the ratio.

Examples
--------
python benchmarks/plan.py
python benchmarks/plan.py --discs 300 --repeat 3
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np

if __package__ in (None, "") and str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "vancouver"
YEARS = range(2020, 2026)
TYPE = "Break and Enter Residential/Other"


def load(real: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Residential break-ins 2020-2025, the local areas and the property addresses, in UTM 10N."""
    import pandas as pd

    from bingeo import read_points

    parts = [read_points(real / f"vpd_crimedata_AllNeighbourhoods_{y}.csv.gz", crs=26910).points for y in YEARS]
    inc = pd.concat(parts, ignore_index=True)
    inc = gpd.GeoDataFrame(inc[inc["TYPE"] == TYPE].reset_index(drop=True), geometry="geometry", crs=26910)
    areas = gpd.read_file(real / "vancouver_local_areas.geojson").to_crs(26910)
    adr = read_points(real / "vancouver_property_addresses_sample.csv.gz", x_field="longitude", y_field="latitude")
    return inc, areas, adr.points.to_crs(26910)


def timed(fn, repeat: int):
    out, times = None, []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def cover_matrix(cands: gpd.GeoDataFrame, inc: gpd.GeoDataFrame) -> np.ndarray:
    """Incidents x candidates, True where the incident lies in (or on) the candidate: the references' input."""
    pi, ci = cands.sindex.query(inc.geometry, predicate="intersects")
    out = np.zeros((len(inc), len(cands)), dtype=bool)
    out[pi, ci] = True
    return out


def spopt_mclp(cover: np.ndarray, k: int) -> float:
    """spopt's MCLP on the same coverage (cost 0 inside, 2 outside, service radius 1), solved by CBC."""
    import pulp
    from spopt.locate import MCLP

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = MCLP.from_cost_matrix(np.where(cover, 0.0, 2.0), np.ones(len(cover)), service_radius=1.0, p_facilities=k)
        m = m.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(m.problem.objective))


def brute(cover: np.ndarray, k: int) -> int:
    return max(int(cover[:, list(c)].any(axis=1).sum()) for c in itertools.combinations(range(cover.shape[1]), k))


def main(argv: list[str] | None = None) -> int:
    from bingeo import plan_areas

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, default=REAL)
    ap.add_argument("--discs", type=int, default=300)
    ap.add_argument("--disc-radius", type=float, default=500.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    inc, areas, adr = load(args.real)
    print(f"read {len(inc):,} residential break-ins, {len(areas)} local areas, {len(adr):,} addresses: "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    ok = True

    print("\n(a) local areas")
    cover = cover_matrix(areas, inc)
    for k in (3, 5):
        res, t_b = timed(lambda k=k: plan_areas(areas, inc, k=k, id_field="name"), args.repeat)
        ref_bf, t_bf = timed(lambda k=k: brute(cover, k), 1)
        ref_sp, t_sp = timed(lambda k=k: spopt_mclp(cover, k), args.repeat)
        same = res.reached == ref_bf == ref_sp
        ok &= same
        print(
            f"  k={k}: bingeo {res.reached:,.0f} of {res.total:,.0f} in {t_b:.3f} s "
            f"({', '.join(res.gains['candidate_id'])}); "
            f"brute force {ref_bf:,} in {t_bf:.2f} s; spopt MCLP {ref_sp:,.0f} in {t_sp:.2f} s "
            f"(spopt/bingeo {t_sp / t_b:.1f}x); equal: {same}"
        )

    print(f"\n(b) {args.discs} discs of {args.disc_radius:g} m around random addresses")
    rng = np.random.default_rng(17)
    centres = adr.geometry.iloc[rng.choice(len(adr), args.discs, replace=False)]
    discs = gpd.GeoDataFrame(
        {"id": [f"D{i}" for i in range(args.discs)]}, geometry=centres.buffer(args.disc_radius).values, crs=adr.crs
    )
    cover = cover_matrix(discs, inc)
    for k in (5, 10):
        res, t_b = timed(lambda k=k: plan_areas(discs, inc, k=k, curve=True), args.repeat)
        one, t_1 = timed(lambda k=k: plan_areas(discs, inc, k=k), args.repeat)
        gr, t_g = timed(lambda k=k: plan_areas(discs, inc, k=k, method="greedy"), args.repeat)
        ref_sp, t_sp = timed(lambda k=k: spopt_mclp(cover, k), args.repeat)
        same = res.reached == ref_sp == one.reached
        ok &= same and gr.reached <= res.reached <= gr.bound + 1e-6
        print(
            f"  k={k}: bingeo exact {res.reached:,.0f} of {res.total:,.0f} in {t_b:.3f} s with the curve ({k} solves), "
            f"{t_1:.3f} s without (1 solve); spopt MCLP (1 solve) {ref_sp:,.0f} in {t_sp:.2f} s (spopt/bingeo "
            f"{t_sp / t_1:.1f}x for 1 solve); equal: {same}; greedy {gr.reached:,.0f} "
            f"({gr.reached / res.reached:.1%} of the best; bound {gr.bound:,.1f}) in {t_g:.3f} s"
        )
    for budget in (1500.0, 3000.0):
        res, t_b = timed(lambda b=budget: plan_areas(discs, inc, k=10, addresses=adr, budget_households=b), args.repeat)
        gr = plan_areas(discs, inc, k=10, addresses=adr, budget_households=budget, method="greedy")
        print(
            f"  k=10, budget {budget:,.0f} households (addresses inside): exact {res.reached:,.0f} with "
            f"{len(res.gains)} areas, {res.gains['households'].sum():,.0f} households, in {t_b:.3f} s (1 solve); "
            f"greedy "
            f"{gr.reached:,.0f} ({gr.reached / max(res.reached, 1):.1%}; bound {gr.bound:,.1f})"
        )
    print("\nall objectives equal to the references" if ok else "\nMISMATCH against a reference")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
