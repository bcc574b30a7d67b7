"""Weekly forecast backtest on real data: time of ``bingeo.backtest``, and its kernels against a per-incident loop.

Data (../shared/data/real): Vancouver residential burglaries 2020-2025 ("Break and Enter Residential/Other",
7,895 located) and Chicago aggravated assaults 2010-2019 (148,636; reprojected to UTM 16N), or ``--sample N``
of the Chicago set. The backtest scores ProMap, kernel density and Gi* on each of the last ``--weeks`` weeks
(bands from the Knox test on the year before, 999 permutations).

Reference, in the same process: ProMap and kernel density of one week computed one incident at a time over
every cell (``numpy`` per incident, the loop of ``tests/test_forecast.py``); the answers must be identical.
Prints the figures per method (mean hit rate, PAI, PEI, PEI*) and the winner.

    python3 benchmarks/forecast.py [--repeat 3] [--weeks 52] [--sample 50000]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402

from bingeo.forecast import backtest, kde_risk, promap_risk  # noqa: E402
from bingeo.hotspots import Grid, auto_cell_size  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"


def vancouver() -> gpd.GeoDataFrame:
    """Return the located residential burglaries of Vancouver 2020-2025 (UTM 10N)."""
    raw = pd.concat(
        [pd.read_csv(REAL / "vancouver" / f"vpd_crimedata_AllNeighbourhoods_{y}.csv.gz") for y in range(2020, 2026)]
    )
    raw = raw[(raw["TYPE"] == "Break and Enter Residential/Other") & (raw["X"] > 0)]
    raw = raw.assign(datum=pd.to_datetime(raw[["YEAR", "MONTH", "DAY"]]))
    return gpd.GeoDataFrame(raw[["datum"]], geometry=gpd.points_from_xy(raw["X"], raw["Y"]), crs=26910)


def chicago(sample: int | None) -> gpd.GeoDataFrame:
    """Return the Chicago aggravated assaults 2010-2019 (UTM 16N), or a random sample of them."""
    raw = pd.read_csv(REAL / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz")
    if sample:
        raw = raw.sample(n=sample, random_state=0)
    raw = raw.assign(datum=pd.to_datetime(raw["date"]))
    pts = gpd.points_from_xy(raw["longitude"], raw["latitude"])
    return gpd.GeoDataFrame(raw[["datum"]], geometry=pts, crs=4326).to_crs(26916)


def per_incident(x, y, days, grid, as_of, radius, window):
    """ProMap and kernel density one incident at a time over every cell (the tests' reference)."""
    s = grid.cell_size
    rr, cc = np.meshgrid(np.arange(grid.nrows), np.arange(grid.ncols), indexing="ij")
    cx = grid.x0 + (cc + 0.5) * s
    cy = grid.y0 + (grid.nrows - rr - 0.5) * s
    pro, kde = np.zeros(grid.shape), np.zeros(grid.shape)
    for xi, yi, ti in zip(x, y, days):
        ci = math.floor((xi - grid.x0) / s)
        ri = grid.nrows - 1 - math.floor((yi - grid.y0) / s)
        if as_of - window <= ti < as_of:
            d = np.sqrt(((rr - ri) ** 2 + (cc - ci) ** 2).astype(float))
            w = (1.0 / (1.0 + d)) * (1.0 / (1.0 + (as_of - ti - 1) // 7))
            pro = np.where(d * s <= radius, pro + w, pro)
        if as_of - 365 <= ti < as_of:
            d2 = (cy - yi) * (cy - yi) + (cx - xi) * (cx - xi)
            kde = np.where(d2 <= radius * radius, kde + (1.0 - d2 / (radius * radius)) ** 2, kde)
    return pro, kde


def main() -> None:
    """Run the benchmark (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--sample", type=int, default=None, help="Chicago: a random sample of this many incidents")
    args = ap.parse_args()
    for name, frame in (("Vancouver burglaries", vancouver()), ("Chicago assaults", chicago(args.sample))):
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            bt = backtest(frame, weeks=args.weeks)
            times.append(time.perf_counter() - t)
        print(f"\n{name}: {len(frame):,} incidents, {args.weeks} weeks: {min(times):.2f}-{max(times):.2f} s")
        print(bt.summary())
        # one week's kernels against the per-incident reference
        x, y = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
        day = frame["datum"].to_numpy().astype("datetime64[D]").astype(np.int64)
        size, _ = auto_cell_size(np.column_stack([x, y]))
        grid = Grid.from_extent((x.min(), y.min(), x.max(), y.max()), size, frame.crs)
        as_of = int(day.max()) + 1 - 7
        hist = (day >= as_of - 365) & (day < as_of)
        t = time.perf_counter()
        fast = (
            promap_risk(x, y, day, grid, as_of=as_of, radius=bt.radius, window_days=bt.window_days),
            kde_risk(x[hist], y[hist], grid, radius=bt.radius),
        )
        t_fast = time.perf_counter() - t
        use = hist | ((day >= as_of - bt.window_days) & (day < as_of))
        t = time.perf_counter()
        ref = per_incident(x[use], y[use], day[use], grid, as_of, bt.radius, bt.window_days)
        t_ref = time.perf_counter() - t
        same = np.array_equal(fast[0], ref[0]) and np.array_equal(fast[1], ref[1])
        print(
            f"one week, ProMap + kernel density: {t_fast:.3f} s; per-incident reference {t_ref:.1f} s "
            f"({t_ref / t_fast:,.0f}x); identical: {same}"
        )
        if not same:
            raise SystemExit("the fast kernels differ from the reference")


if __name__ == "__main__":
    main()
