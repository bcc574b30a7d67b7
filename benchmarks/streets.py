"""Streets → polygon → streets on real address points: agreement, foreign addresses inside, time.

    python benchmarks/streets.py [--networks 150] [--spacing 400] [--runs 3]

On the Vancouver property addresses (29,348 points, ``../shared/data/real``) and the sample's BAG addresses,
``--networks`` charters are drawn far apart (``--spacing`` metres between their seeds), each a few streets
near its seed, each street whole, one side whole, or a range of numbers on one or both sides
(:func:`charters`). Then:

* ``network_from_streets`` makes the polygons; ``streets_in_areas`` lists them again; that list is made into
  polygons and listed once more. Agreement: networks whose list comes back identical, and addresses whose
  network is the same both times.
* Foreign addresses inside: bingeo's polygons (Voronoi cells of the listed addresses, clipped to their
  buffered concave hull) against the hull alone (the clip region, as ``bingeo propose`` draws areas), both
  counted by geopandas' sjoin.
* Time of both functions per run (the range over ``--runs``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bingeo  # noqa: E402
from bingeo.streets import (  # noqa: E402
    BUFFER,
    CONCAVE_RATIO,
    address_table,
    network_from_streets,
    read_charter,
    select_addresses,
    streets_in_areas,
)

REAL = Path(os.environ.get("BINGEO_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")


def charters(table: pd.DataFrame, n: int, seed: int, *, spacing: float = 600.0, near: int = 40) -> pd.DataFrame:
    """Draw ``n`` charters ``spacing`` metres apart: up to 4 streets among the ``near`` addresses of a seed.

    Each street is listed whole, by one side, or by the range of its numbers among those near addresses
    (on one side or both); a street belongs to one charter only (an address listed twice stays with the first).
    """
    rng = np.random.default_rng(seed)
    xy = np.column_stack([table.geometry.x, table.geometry.y])
    street_of = table["street"].to_numpy()
    used: list[np.ndarray] = []
    taken: set[str] = set()
    rows = []
    for k in rng.permutation(len(table)):
        if len(used) == n:
            break
        if any(np.hypot(*(xy[k] - u)) < spacing for u in used):
            continue
        used.append(xy[k])
        close = np.argsort(np.hypot(*(xy - xy[k]).T))[:near]
        streets = [s for s in pd.unique(street_of[close]) if s not in taken][:4]
        taken.update(streets)
        for street in streets:
            mine = close[street_of[close] == street]
            nums = np.sort([int(v) for v in table["number"].to_numpy()[mine] if not pd.isna(v)])
            kind = rng.integers(4)
            side, lo, hi = "both", None, None
            if kind >= 1 and len(nums):
                side = ("odd", "even", "both")[rng.integers(3)]
                on_side = nums[nums % 2 == {"odd": 1, "even": 0}[side]] if side != "both" else nums
                side = side if len(on_side) else "both"
                nums = on_side if len(on_side) else nums
                lo, hi = str(nums[0]), str(nums[-1])
            if kind == 1:
                lo = hi = None
            rows.append({"network_id": f"N{len(used):03d}", "street": street, "side": side, "from": lo, "to": hi})
    return pd.DataFrame(rows)


def _hull(xy: np.ndarray) -> shapely.Geometry:
    mp = shapely.multipoints(xy)
    hull = shapely.concave_hull(mp, ratio=CONCAVE_RATIO) if len(xy) > 2 else shapely.convex_hull(mp)
    return shapely.buffer(hull, BUFFER)


def _foreign_in_hulls(charter: pd.DataFrame, pts: gpd.GeoDataFrame, table: pd.DataFrame, per_row: bool) -> int:
    """Addresses not listed inside the buffered concave hull of each charter's addresses (no Voronoi cut).

    ``per_row``: one hull per listed street/range, united per network (tighter around long streets).
    """
    chosen, _ = select_addresses(charter, table)
    xy = shapely.get_coordinates(table.geometry.to_numpy())
    hulls = []
    for nid, rows in charter.groupby("network_id", sort=False):
        if per_row:
            parts = []
            for i in range(len(rows)):
                sel = np.flatnonzero((select_addresses(rows.iloc[i : i + 1], table)[0] == nid).to_numpy())
                if len(sel):
                    parts.append(_hull(xy[sel]))
            geom = shapely.union_all(parts)
        else:
            geom = _hull(xy[np.flatnonzero((chosen == nid).to_numpy())])
        hulls.append({"network_id": nid, "geometry": geom})
    frame = gpd.GeoDataFrame(hulls, crs=pts.crs)
    joined = gpd.sjoin(pts.reset_index(drop=True), frame, predicate="intersects")
    return int((joined["network_id"].to_numpy() != chosen.to_numpy()[joined.index]).sum())


def run(name: str, pts: gpd.GeoDataFrame, n: int, spacing: float, runs: int) -> None:
    table = address_table(pts).reset_index(drop=True)
    charter = read_charter(charters(table, n, seed=7, spacing=spacing))
    t_from, t_list = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        res = network_from_streets(charter, pts)
        t_from.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        first = streets_in_areas(res.networks, pts)
        t_list.append(time.perf_counter() - t0)
    again = streets_in_areas(network_from_streets(first, pts).networks, pts)
    same = sum(
        a.reset_index(drop=True).equals(b.reset_index(drop=True))
        for (_, a), (_, b) in zip(first.groupby("network_id"), again.groupby("network_id"))
    )
    chosen1, _ = select_addresses(charter, table)
    joined = gpd.sjoin(pts.reset_index(drop=True), res.networks[["network_id", "geometry"]], predicate="intersects")
    held = pd.Series(None, index=range(len(table)), dtype=object)
    held[joined.index] = joined["network_id"].to_numpy()
    listed = int(chosen1.notna().sum())
    agree = int(((held == chosen1) & chosen1.notna()).sum())
    print(
        f"{name}: {len(pts):,} addresses, {res.networks.shape[0]} networks from {len(charter)} listed streets/ranges, "
        f"{listed:,} addresses listed"
    )
    print(f"  listed addresses inside their polygon: {agree:,} of {listed:,}; misses: {len(res.misses)}")
    print(f"  foreign addresses inside: {len(res.foreign)} (all at the point of a listed address); "
          f"the buffered concave hull alone: {_foreign_in_hulls(charter, pts, table, False):,}, "
          f"per listed street/range: {_foreign_in_hulls(charter, pts, table, True):,}")  # fmt: skip
    print(f"  streets → polygon → streets: {same} of {first['network_id'].nunique()} networks list the same rows")
    print(
        f"  time network_from_streets {min(t_from):.2f}-{max(t_from):.2f} s, "
        f"streets_in_areas {min(t_list):.2f}-{max(t_list):.2f} s over {runs} runs; load {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=150)
    parser.add_argument("--spacing", type=float, default=400.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    van = bingeo.read_points(REAL / "vancouver" / "vancouver_property_addresses_sample.csv.gz").points.to_crs(3005)
    run("Vancouver", van, args.networks, args.spacing, args.runs)
    bag = bingeo.read_points(ROOT / "data" / "samples" / "addresses.csv", crs=28992).points
    run("BAG sample", bag, args.networks, args.spacing, args.runs)


if __name__ == "__main__":
    main()
