"""Benchmark: assigning points to networks (point in polygon), bingeo vs sjoin.

Workload: ``--polygons`` Voronoi cells (clipped to a 100 km x 100 km box in
EPSG:28992-like coordinates, segmentized to ~36 vertices each) and
``--points`` uniform random points over the same box.

In one run it times

(a) ``geopandas.sjoin(points, polygons, predicate=..., how="left")`` twice:
    with ``"intersects"``, which has bingeo's semantics (covers: a point on an
    edge belongs to the polygon) and so must give exactly bingeo's pairs (the
    headline ratio), and with ``"within"`` (the usual call, slightly faster,
    which drops points on edges);
(b) bingeo: ``bingeo.assign.assign(points, networks)`` when that is
    importable (with every core, and with ``workers=1`` and ``workers=2``; then with a
    store that keeps the grid index: the first call builds and saves it, repeated calls
    read it; then repeated in one process, where the last grid locators stay in memory), and in
    any case the kernel ``bingeo._pip.locate`` (said which); every fresh run starts with nothing
    kept in memory;
(c) for context, candidate generation by shapely's STRtree (bounding boxes
    only, and with the exact ``intersects`` predicate), by the ``rtree``
    package (bulk array load + ``intersection_v``), and bingeo's grid
    (``PolygonLocator`` build and exact query, with stage timings);

checks that sjoin and bingeo give the same (point, polygon) pairs (as sets;
a point exactly on a shared edge is "within" neither cell but covered by
both, so such differences are listed and checked with GEOS), and prints
points per second and the bingeo/sjoin ratio.

``--memory-check N`` instead locates N points (default use: 10,000,000) in
chunks through one ``PolygonLocator`` and prints the peak RSS, which must
stay under 4 GB.

Examples
--------
python benchmarks/assign.py --points 1000000 --polygons 10000 --seed 0
python benchmarks/assign.py --memory-check 10000000
python benchmarks/assign.py --memory-check 10000000 --through-assign
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

if __package__ in (None, "") and str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

log = logging.getLogger("benchmarks.assign")

BOX = (100_000.0, 400_000.0, 200_000.0, 500_000.0)  # 100 km x 100 km, RD New-like
VERTICES = 36
MEMORY_LIMIT_GB = 4.0


def make_polygons(n: int, seed: int) -> np.ndarray:
    """Voronoi cells of ``n`` random seeds, clipped to BOX, ~VERTICES vertices each."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BOX
    seeds = shapely.multipoints(np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)]))
    box = shapely.box(*BOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    cells = shapely.intersection(cells, box)
    return shapely.segmentize(cells, shapely.length(cells) / VERTICES)


def make_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    x0, y0, x1, y1 = BOX
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def timed(fn: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None) -> tuple[Any, list[float]]:
    """Run ``fn`` ``repeat`` times, ``setup`` (untimed) before each.

    Returns the last result and the times.
    """
    times = []
    result = None
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times


def fmt(times: list[float], n: int) -> str:
    best = min(times)
    med = statistics.median(times)
    return f"best {best:7.3f} s  median {med:7.3f} s  {n / best / 1e6:6.2f} M points/s"


def peak_rss_gb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024**2 if sys.platform != "darwin" else kb / 1024**3


def pair_set(p: np.ndarray, q: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(p.tolist(), q.tolist()))


def bingeo_assign() -> Callable[..., Any] | None:
    try:
        from bingeo.assign import assign
    except ImportError:
        return None
    return assign


def compare(polys: np.ndarray, x: np.ndarray, y: np.ndarray, want: set, got: set, what: str) -> bool:
    """Check two pair sets; they may differ only for points on a polygon boundary."""
    only_want, only_got = want - got, got - want
    ok = True
    for label, diff in (("only in sjoin", only_want), (f"only in {what}", only_got)):
        if not diff:
            continue
        p = np.array([d[0] for d in diff])
        q = np.array([d[1] for d in diff])
        covers = shapely.intersects_xy(polys[q], x[p], y[p])
        within = shapely.contains_xy(polys[q], x[p], y[p])
        boundary = covers & ~within
        log.info(
            "  %-22s %d pairs, %d of them points on the polygon boundary",
            label,
            len(diff),
            int(boundary.sum()),
        )
        # sjoin 'within' may miss boundary points; bingeo must have every covering pair
        if label.startswith("only in sjoin") or not boundary.all():
            ok = False
    return ok


# --------------------------------------------------------------------- main benchmark


def run(args: argparse.Namespace) -> int:
    import geopandas as gpd
    import rtree

    from bingeo import _pip

    n, m, repeat = args.points, args.polygons, args.repeat
    log.info(
        "bingeo assign benchmark: %d points, %d polygons, seed %d, %d repeats",
        n,
        m,
        args.seed,
        repeat,
    )
    log.info(
        "python %s, numpy %s, shapely %s (GEOS %s), geopandas %s, rtree %s, %s, %d CPUs; load average %s",
        platform.python_version(),
        np.__version__,
        shapely.__version__,
        shapely.geos_version_string,
        gpd.__version__,
        rtree.__version__,
        platform.machine(),
        os.cpu_count() or 0,
        " ".join(f"{v:.1f}" for v in os.getloadavg()),
    )
    t0 = time.perf_counter()
    polys = make_polygons(m, args.seed)
    x, y = make_points(n, args.seed)
    log.info(
        "workload: %d polygons, %.1f vertices on average, built in %.2f s",
        len(polys),
        shapely.get_num_coordinates(polys).mean(),
        time.perf_counter() - t0,
    )
    ids = np.array([f"N{i:05d}" for i in range(len(polys))], dtype=object)
    networks = gpd.GeoDataFrame({"network_id": ids, "name": ids}, geometry=polys, crs=28992)
    points = gpd.GeoDataFrame({"n": np.arange(n)}, geometry=gpd.points_from_xy(x, y), crs=28992)

    # (a) geopandas sjoin -------------------------------------------------------------
    frames: dict[str, Any] = {}

    def fresh() -> None:  # no spatial index cached from the previous run, no grid locator kept in memory
        frames["p"], frames["g"] = points.copy(), networks.copy()
        _pip._kept.clear()

    joined, t_sjoin = timed(
        lambda: gpd.sjoin(frames["p"], frames["g"], predicate="within", how="left"),
        args.sjoin_repeat,
        fresh,
    )
    hit = joined["index_right"].notna().to_numpy()
    sj_p = joined.index.to_numpy()[hit]
    sj_q = joined["index_right"].to_numpy()[hit].astype(np.int64)
    log.info(
        "(a) geopandas.sjoin within, how=left : %s  (%d pairs)",
        fmt(t_sjoin, n),
        len(sj_p),
    )

    # sjoin with the predicate that has bingeo's semantics (covers: a point on an edge
    # belongs to the polygon), so its answers must equal bingeo's exactly
    joined_i, t_sjoin_i = timed(
        lambda: gpd.sjoin(frames["p"], frames["g"], predicate="intersects", how="left"),
        args.sjoin_repeat,
        fresh,
    )
    hit_i = joined_i["index_right"].notna().to_numpy()
    sji_p = joined_i.index.to_numpy()[hit_i]
    sji_q = joined_i["index_right"].to_numpy()[hit_i].astype(np.int64)
    log.info("(a) geopandas.sjoin intersects, left : %s  (%d pairs)", fmt(t_sjoin_i, n), len(sji_p))
    del joined_i

    # (b) bingeo ----------------------------------------------------------------------
    (pk, qk), t_kernel = timed(lambda: _pip.locate(x, y, polys), repeat)
    log.info(
        "(b) bingeo._pip.locate (kernel)      : %s  (%d pairs)",
        fmt(t_kernel, n),
        len(pk),
    )
    assign = bingeo_assign()
    t_bingeo, timed_what = t_kernel, "bingeo._pip.locate"
    assigned = None
    extra: dict[str, list[float]] = {}
    same_runs = True
    if assign is not None:
        import tempfile

        from bingeo._workers import resolve_workers
        from bingeo.stores import open_store

        cores = resolve_workers()
        assigned, t_assign = timed(lambda: assign(frames["p"], frames["g"]), repeat, fresh)
        log.info("(b) bingeo.assign.assign (%d workers)  : %s", cores, fmt(t_assign, n))
        t_bingeo, timed_what = t_assign, f"bingeo.assign.assign ({cores} workers)"
        for w in (1, 2):
            out_w, extra[f"workers={w}"] = timed(lambda w=w: assign(frames["p"], frames["g"], workers=w), repeat, fresh)
            log.info("(b) bingeo.assign, workers=%d         : %s", w, fmt(extra[f"workers={w}"], n))
            same_runs &= out_w["network_ids"].equals(assigned["network_ids"])
        # the store keeps the grid index: the first assign builds and saves it, the next ones read it
        with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.gpkg", create=True, crs=28992) as st:
            out_s, extra["store first"] = timed(lambda: assign(frames["p"], frames["g"], store=st), 1, fresh)
            same_runs &= out_s["network_ids"].equals(assigned["network_ids"])
            out_s, extra["store repeated"] = timed(lambda: assign(frames["p"], frames["g"], store=st), repeat, fresh)
            same_runs &= out_s["network_ids"].equals(assigned["network_ids"])
            out_s, extra["store repeated, workers=1"] = timed(
                lambda: assign(frames["p"], frames["g"], store=st, workers=1), repeat, fresh
            )
            same_runs &= out_s["network_ids"].equals(assigned["network_ids"])
        # in one process, the last grid locators stay in memory: a repeated call skips even the store
        assign(frames["p"], frames["g"])
        out_m, extra["kept in memory"] = timed(lambda: assign(frames["p"], frames["g"]), repeat)
        same_runs &= out_m["network_ids"].equals(assigned["network_ids"])
        log.info(
            "(b) bingeo.assign, repeated in one process: %s  (the locator kept in memory)",
            fmt(extra["kept in memory"], n),
        )
        log.info(
            "(b) bingeo.assign, store, first call   : %s  (builds and saves the index)", fmt(extra["store first"], n)
        )
        log.info("(b) bingeo.assign, store, repeated     : %s  (reads the index)", fmt(extra["store repeated"], n))
        log.info("(b)   the same with workers=1          : %s", fmt(extra["store repeated, workers=1"], n))
        log.info("  every bingeo.assign run (workers 1/2/all, fresh/stored index) gave the same answer: %s", same_runs)
    else:
        log.info("(b) bingeo.assign is not importable: timing the kernel bingeo._pip.locate")

    # (c) candidate generation for context ------------------------------------------
    log.info("(c) candidate generation (index choice by measurement):")
    pts, t_pts = timed(lambda: shapely.points(x, y), 1)
    log.info(
        "    shapely.points(x, y)                  %7.3f s (STRtree/sjoin need them)",
        t_pts[0],
    )

    def strtree_bbox() -> tuple[np.ndarray, np.ndarray]:
        return shapely.STRtree(polys).query(pts)

    (ca, _cb), t = timed(strtree_bbox, repeat)
    log.info(
        "    STRtree build + query (bbox)          %s  %d candidates",
        fmt(t, n),
        len(ca),
    )

    def strtree_exact() -> tuple[np.ndarray, np.ndarray]:
        return shapely.STRtree(polys).query(pts, predicate="intersects")

    (ea, _eb), t = timed(strtree_exact, 1)
    log.info("    STRtree build + query(intersects)     %s  %d pairs", fmt(t, n), len(ea))

    def rtree_bulk() -> tuple[np.ndarray, np.ndarray]:
        b = shapely.bounds(polys)
        idx = rtree.index.Index((np.arange(len(polys)), b[:, :2], b[:, 2:]))
        xy = np.column_stack([x, y])
        return idx.intersection_v(xy, xy)

    (ri, _rc), t = timed(rtree_bulk, repeat)
    log.info(
        "    rtree Index(arrays) + intersection_v  %s  %d candidates",
        fmt(t, n),
        len(ri),
    )

    def grid() -> Any:
        loc = _pip.PolygonLocator(polys, expected_points=n)
        loc.locate(x, y)
        return loc

    loc, t = timed(grid, repeat)
    log.info(
        "    bingeo grid build + exact locate      %s  (no GEOS for %.0f%% of points)",
        fmt(t, n),
        100 * loc.locate_stats["simple_points"] / max(n, 1),
    )
    log.info(
        "      grid %d x %d cells of %.1f m; build stages %s",
        loc.grid_shape[1],
        loc.grid_shape[0],
        loc.cell_size,
        {k: round(v, 4) for k, v in loc.timings.items()},
    )
    log.info(
        "      locate stages (cumulative) %s",
        {k: round(v, 4) for k, v in loc.locate_timings.items()},
    )
    log.info("      %s", {**loc.stats, **loc.locate_stats})

    # checks -----------------------------------------------------------------------
    ok = compare(polys, x, y, pair_set(sj_p, sj_q), pair_set(pk, qk), "bingeo")
    if assigned is not None:
        got = assigned["network_ids"].to_numpy()
        have = np.flatnonzero(assigned["network_ids"].notna().to_numpy())
        pos = {v: i for i, v in enumerate(ids)}
        pairs = {(int(i), pos[v]) for i in have for v in got[i].split(";")}
        same = pairs == pair_set(pk, qk)
        log.info("  bingeo.assign network_ids equal to the kernel's pairs: %s", same)
        ok &= same
    same_i = pair_set(sji_p, sji_q) == pair_set(pk, qk)
    log.info("  sjoin(intersects) pairs identical to bingeo's: %s", same_i)
    ok &= same_i & same_runs
    log.info("results agree: %s", ok)
    if extra:
        for ref, t_ref in (("within", t_sjoin), ("intersects", t_sjoin_i)):
            for what in ("store repeated", "kept in memory", "workers=1"):
                log.info(
                    "RESULT sjoin(%s) %.3f s, bingeo.assign (%s) %.3f s: %.1fx faster",
                    ref,
                    min(t_ref),
                    what,
                    min(extra[what]),
                    min(t_ref) / min(extra[what]),
                )
        log.info(
            "RESULT repeated assign with the stored index %.3f s vs a fresh build %.3f s: %.2fx (first call, "
            "build + save: %.3f s)",
            min(extra["store repeated"]),
            min(t_bingeo),
            min(t_bingeo) / min(extra["store repeated"]),
            min(extra["store first"]),
        )
        from benchmarks._cores import parallel_ceiling

        log.info(
            "  the machine now: a GIL-free numpy workload gets %.2fx from %d threads (the ceiling of the speed-ups)",
            parallel_ceiling(max(2, resolve_workers())),
            max(2, resolve_workers()),
        )
        for label, one, two in (
            ("fresh build", "workers=1", "workers=2"),
            ("stored index", "store repeated, workers=1", "store repeated"),
        ):
            log.info(
                "RESULT workers (%s): 1 worker %.3f s, %s %.3f s: speed-up %.2fx",
                label,
                min(extra[one]),
                "2 workers" if two == "workers=2" else f"{resolve_workers()} workers",
                min(extra[two]),
                min(extra[one]) / min(extra[two]),
            )
    for ref, t_ref in (("intersects", t_sjoin_i), ("within", t_sjoin)):
        for what, t in ((timed_what, t_bingeo), ("bingeo._pip.locate", t_kernel)):
            if what == "bingeo._pip.locate" and timed_what == what and ref == "within":
                break
            log.info(
                "RESULT sjoin(%s) %.3f s, %s %.3f s: %.1fx faster (%.2f vs %.2f M points/s)",
                ref,
                min(t_ref),
                what,
                min(t),
                min(t_ref) / min(t),
                n / min(t) / 1e6,
                n / min(t_ref) / 1e6,
            )
    return 0 if ok else 1


# ----------------------------------------------------------------------- memory check


def memory_check_assign(args: argparse.Namespace) -> int:
    """10 M points as a GeoDataFrame (with an id and a type column) through ``bingeo.assign``."""
    import geopandas as gpd

    from bingeo.assign import assign

    n = args.memory_check
    polys = make_polygons(args.polygons, args.seed)
    x, y = make_points(n, args.seed)
    ids = np.array([f"N{i:05d}" for i in range(len(polys))], dtype=object)
    networks = gpd.GeoDataFrame({"network_id": ids, "name": ids}, geometry=polys, crs=28992)
    kinds = np.array(["burglary", "theft from vehicle", "vandalism"], dtype=object)
    points = gpd.GeoDataFrame(
        {"incident": np.arange(n), "type": kinds[np.arange(n) % 3]},
        geometry=gpd.points_from_xy(x, y),
        crs=28992,
    )
    del x, y
    log.info(
        "memory check through bingeo.assign: %d points as a GeoDataFrame; peak RSS so far %.2f GB", n, peak_rss_gb()
    )
    t0 = time.perf_counter()
    out = assign(points, networks)
    dt = time.perf_counter() - t0
    rss = peak_rss_gb()
    inside = int(out["network_id"].notna().sum())
    log.info("assigned %d points in %.2f s (%.2f M points/s), %d inside a network", n, dt, n / dt / 1e6, inside)
    log.info(
        "RESULT peak RSS %.2f GB (limit %.1f GB), input frame included: %s",
        rss,
        MEMORY_LIMIT_GB,
        "OK" if rss < MEMORY_LIMIT_GB else "TOO MUCH",
    )
    return 0 if inside == n and rss < MEMORY_LIMIT_GB else 1


def memory_check(args: argparse.Namespace) -> int:
    from bingeo import _pip

    if args.through_assign:
        return memory_check_assign(args)

    n, chunk = args.memory_check, args.chunk
    polys = make_polygons(args.polygons, args.seed)
    x, y = make_points(n, args.seed)
    log.info(
        "memory check: %d points, %d polygons, chunks of %d; peak RSS so far %.2f GB",
        n,
        len(polys),
        chunk,
        peak_rss_gb(),
    )
    t0 = time.perf_counter()
    loc = _pip.PolygonLocator(polys, expected_points=n)
    t_build = time.perf_counter() - t0
    out_p, out_q = [], []
    for i in range(0, n, chunk):
        p, q = loc.locate(x[i : i + chunk], y[i : i + chunk])
        out_p.append(p + i)
        out_q.append(q)
    p = np.concatenate(out_p)
    q = np.concatenate(out_q)
    dt = time.perf_counter() - t0
    rss = peak_rss_gb()
    log.info(
        "located %d points in %.2f s (build %.3f s): %.2f M points/s, %d pairs",
        n,
        dt,
        t_build,
        n / dt / 1e6,
        len(p),
    )
    # spot check against GEOS on a sample of points
    rng = np.random.default_rng(args.seed)
    sample = np.sort(rng.choice(n, min(n, 20_000), replace=False))
    a, b = shapely.STRtree(polys).query(shapely.points(x[sample], y[sample]), predicate="intersects")
    want = pair_set(sample[a], b)
    mask = np.isin(p, sample)
    ok = pair_set(p[mask], q[mask]) == want
    log.info("sample of %d points equal to GEOS: %s", len(sample), ok)
    log.info(
        "RESULT peak RSS %.2f GB (limit %.1f GB): %s",
        rss,
        MEMORY_LIMIT_GB,
        "OK" if rss < MEMORY_LIMIT_GB else "TOO MUCH",
    )
    return 0 if ok and rss < MEMORY_LIMIT_GB else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--polygons", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each fast method (best and median shown)",
    )
    ap.add_argument("--sjoin-repeat", type=int, default=2, help="runs of geopandas.sjoin")
    ap.add_argument(
        "--memory-check",
        type=int,
        default=0,
        metavar="N",
        help="locate N points in chunks, print peak RSS",
    )
    ap.add_argument("--chunk", type=int, default=1_000_000, help="chunk size for --memory-check")
    ap.add_argument(
        "--through-assign",
        action="store_true",
        help="with --memory-check: build a GeoDataFrame of the points and run bingeo.assign on it",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    if args.memory_check:
        return memory_check(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
