"""Benchmark: bingeo regions (max-p with a ceiling) vs spopt's ``MaxPHeuristic`` on the same blocks.

In one run, for each data set:

* the blocks bingeo builds from the addresses (not timed against spopt: both use them);
* bingeo's regionalisation on the blocks (``divide_regions``; ``seconds`` is the regionalisation only) with
  its default 10 constructions and local search;
* ``spopt.region.MaxPHeuristic`` on the same blocks and rook graph, floor = ``--min`` households, attributes
  the block centres (so its simulated annealing also aims at compact regions), ``--spopt-iterations``
  constructions (spopt's default is 99) and its default annealing.

Printed per data set: blocks, number of regions (ours, spopt's), households per region (range), how many of
spopt's regions pass the ceiling (spopt has none), contiguity of every region of both (libpysal rook graph
of the blocks), median Polsby-Popper compactness and the time of each, with the ratio.

Data sets: ``sample`` (data/samples/addresses.csv, BAG Groningen, blocks = street x 100 m grid, the networks of
data/samples/networks.gpkg left out) and ``vancouver`` (the property-address sample of nine local areas, blocks
= DISSEMINATION_BLOCK_ID; 1 household per address). Real data only: nothing to generate.

Examples
--------
python benchmarks/regions.py
python benchmarks/regions.py --data vancouver --repeat 3 --spopt-iterations 99
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

if __package__ in (None, "") and str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"


def load(name: str):
    """Area, addresses, networks of a data set."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from bingeo.readers import read_points

    if name == "sample":
        adr = read_points(ROOT / "data" / "samples" / "addresses.csv", crs=28992).points
        nets = gpd.read_file(ROOT / "data" / "samples" / "networks.gpkg").to_crs(28992)
        area = gpd.GeoDataFrame(geometry=[shapely.box(*adr.total_bounds).buffer(50)], crs=28992)
        return area, adr, nets
    with gzip.open(REAL / "vancouver" / "vancouver_property_addresses_sample.csv.gz", "rt") as fh:
        df = pd.read_csv(fh)
    adr = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["albers_x"], df["albers_y"]), crs=3005)
    areas = gpd.read_file(REAL / "vancouver" / "vancouver_local_areas.geojson").to_crs(3005)
    names = ["Downtown", "Fairview", "Kensington-Cedar Cottage", "Mount Pleasant", "Riley Park", "Shaughnessy"]
    names += ["South Cambie", "Strathcona", "West End"]
    return areas[areas["name"].isin(names)], adr, None


def contiguous(blocks, labels) -> bool:
    """Every region's blocks connected in libpysal's own contiguity graph of the blocks (touching within 1 cm)."""
    from libpysal.weights import fuzzy_contiguity
    from scipy.sparse.csgraph import connected_components

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adj = fuzzy_contiguity(blocks, tolerance=0, buffering=True, buffer=0.01, silence_warnings=True).sparse
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        if connected_components(adj[idx][:, idx], directed=False)[0] != 1:
            return False
    return True


def compactness(blocks, labels) -> float:
    import shapely

    geoms = blocks.geometry.to_numpy()
    pp = []
    for lab in np.unique(labels):
        g = shapely.union_all(geoms[labels == lab])
        pp.append(4 * np.pi * g.area / g.length**2)
    return float(np.median(pp))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", choices=["sample", "vancouver", "both"], default="both")
    ap.add_argument("--min", type=int, default=50)
    ap.add_argument("--max", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--spopt-iterations", type=int, default=20)
    args = ap.parse_args()

    import shapely
    from libpysal.weights import W

    import bingeo.regions as br

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from spopt.region import MaxPHeuristic

    for name in ["sample", "vancouver"] if args.data == "both" else [args.data]:
        area, adr, nets = load(name)
        ours, times = None, []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ours = br.divide_regions(area, adr, nets, min_households=args.min, max_households=args.max)
            times.append((time.perf_counter() - t0, ours.seconds))
        assert ours is not None
        blocks = ours.blocks
        placed = blocks[blocks["proposal_id"] != ""].reset_index(drop=True)
        our_labels = placed["proposal_id"].to_numpy()
        nbrs: dict[int, list[int]] = {i: [] for i in range(len(placed))}
        for i, j in br.block_contiguity(placed):
            nbrs[int(i)].append(int(j))
            nbrs[int(j)].append(int(i))
        xy = shapely.get_coordinates(shapely.point_on_surface(placed.geometry.to_numpy()))
        frame = placed.assign(cx=xy[:, 0], cy=xy[:, 1])
        sp_times, model = [], None
        for _ in range(args.repeat):
            np.random.seed(0)
            model = MaxPHeuristic(
                frame,
                W(nbrs, silence_warnings=True),
                ["cx", "cy"],
                "households",
                args.min,
                top_n=2,
                max_iterations_construction=args.spopt_iterations,
            )
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.solve()
            sp_times.append(time.perf_counter() - t0)
        assert model is not None
        sp_labels = np.asarray(model.labels_)
        sp_hh = frame.groupby(sp_labels)["households"].sum()
        our_hh = ours.regions["households"]
        ours_s = [t[1] for t in times]
        print(f"== {name}: {len(blocks)} blocks ({ours.block_rule}); {len(ours.islands)} in no region")
        print(
            f"  bingeo: {len(ours.regions)} regions, households {our_hh.min()}-{our_hh.max()}, "
            f"contiguous {contiguous(placed, our_labels)}, median compactness {compactness(placed, our_labels):.2f}, "
            f"regionalisation {min(ours_s):.2f}-{max(ours_s):.2f} s "
            f"(with blocks {min(t[0] for t in times):.2f}-{max(t[0] for t in times):.2f} s)"
        )
        print(
            f"  spopt MaxPHeuristic ({args.spopt_iterations} constructions): {model.p} regions, households "
            f"{sp_hh.min()}-{sp_hh.max()} ({int((sp_hh > args.max).sum())} above {args.max}), "
            f"contiguous {contiguous(placed, sp_labels)}, median compactness {compactness(placed, sp_labels):.2f}, "
            f"{min(sp_times):.2f}-{max(sp_times):.2f} s"
        )
        print(
            f"  regions ours/spopt: {len(ours.regions) / model.p:.3f}; time spopt/ours: "
            f"{statistics.median(sp_times) / statistics.median(ours_s):.0f}x"
        )


if __name__ == "__main__":
    main()
