"""Benchmark: hot spots, bingeo vs PySAL.

Gi* part (:func:`gi_benchmark`), in one run:

(a) a ``--size`` x ``--size`` grid (default 400 x 400 = 160,000 cells) of Poisson
    counts with a few planted hot blocks. PySAL: ``libpysal.weights.lat2W(rook=False)``
    (the cell and its 8 neighbours, as bingeo's default) and
    ``esda.G_Local(y, w, star=True, transform="B", permutations=0)``, timed
    separately and together. bingeo: ``bingeo.hotspots.GiStar().fit(counts)``,
    which includes the two-sided p-values and Benjamini-Hochberg FDR decisions
    (esda computes neither of those). Prints the ratio (target >= 300x) and checks
    that the z-scores agree to 1e-9 and that bingeo's FDR decisions equal a direct
    Benjamini-Hochberg on esda's p-values (``2 * p_norm``, two-sided).
(b) a ``--large`` x ``--large`` grid (default 2000 x 2000 = 4 M cells: a whole
    region at 25 m) through ``GiStar().fit`` with FDR, target < 1 s.

Examples
--------
python benchmarks/hotspots.py
python benchmarks/hotspots.py --size 400 --large 2000 --repeat 5 --esda-repeat 1
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
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

log = logging.getLogger("benchmarks.hotspots")

GI_RATIO_TARGET = 300.0  # bingeo Gi* at least this many times faster than esda (weights + statistic)
LARGE_TARGET_S = 1.0  # the large grid, Gi* + FDR, in less than this
Z_TOLERANCE = 1e-9


def make_counts(n: int, lam: float, seed: int) -> np.ndarray:
    """``n`` x ``n`` Poisson(lam) counts with a few planted hot blocks (about 1 % of the cells)."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(lam, (n, n)).astype(np.int64)
    k = max(1, n // 40)
    for _ in range(8):
        r, c = rng.integers(0, n - k, 2)
        counts[r : r + k, c : c + k] += rng.poisson(2 * lam + 1, (k, k))
    return counts


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    """Run ``fn`` ``repeat`` times; return the last result and the times."""
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times


def fmt(times: list[float]) -> str:
    return f"best {min(times):8.4f} s  median {statistics.median(times):8.4f} s"


def direct_bh(p: np.ndarray, alpha: float) -> np.ndarray:
    """Benjamini-Hochberg by the book (full sort), independent of bingeo's shortcut."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    ok = np.flatnonzero(p[order] <= np.arange(1, m + 1) * alpha / m)
    out = np.zeros(m, dtype=bool)
    if len(ok):
        out[order[: ok[-1] + 1]] = True
    return out


def gi_benchmark(args: argparse.Namespace) -> int:
    """Gi*: bingeo vs esda on ``args.size``², then bingeo alone on ``args.large``². Returns 0 when all targets hold."""
    from bingeo.hotspots import GiStar

    n, big = args.size, args.large
    ok = True
    try:
        import esda
        import libpysal
    except ImportError as exc:  # test dependencies: pip install esda libpysal
        esda = libpysal = None
        log.info("esda/libpysal not installed (%s): `pip install esda libpysal` for the comparison", exc)
    import scipy

    log.info(
        "python %s, numpy %s, scipy %s, esda %s, libpysal %s, %s, %d CPUs",
        platform.python_version(),
        np.__version__,
        scipy.__version__,
        getattr(esda, "__version__", "-"),
        getattr(libpysal, "__version__", "-"),
        platform.machine(),
        os.cpu_count() or 0,
    )

    # (a) n x n: bingeo vs esda ------------------------------------------------------------
    counts = make_counts(n, args.lam, args.seed)
    log.info("(a) Gi* on a %d x %d grid (%s cells), Poisson(%g) + hot blocks", n, n, f"{n * n:,}", args.lam)
    gi, t_bingeo = timed(lambda: GiStar(alpha=args.alpha).fit(counts), args.repeat)
    log.info("    bingeo GiStar().fit (z, p, FDR)     : %s", fmt(t_bingeo))
    if esda is not None:
        parts: dict[str, list[float]] = {"weights": [], "G_Local": []}
        ref = None
        for _ in range(args.esda_repeat):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                w = libpysal.weights.lat2W(n, n, rook=False)
                t1 = time.perf_counter()
                ref = esda.G_Local(counts.ravel().astype(float), w, star=True, transform="B", permutations=0)
                t2 = time.perf_counter()
            parts["weights"].append(t1 - t0)
            parts["G_Local"].append(t2 - t1)
            del w
        together = [a + b for a, b in zip(parts["weights"], parts["G_Local"])]
        log.info("    esda weights (libpysal lat2W queen) : %s", fmt(parts["weights"]))
        log.info("    esda G_Local(star=True, 'B', perm=0): %s", fmt(parts["G_Local"]))
        log.info("    esda together                       : %s", fmt(together))
        ratio = min(together) / min(t_bingeo)
        ratio_stat = min(parts["G_Local"]) / min(t_bingeo)
        good = ratio >= GI_RATIO_TARGET
        ok &= good
        log.info(
            "RESULT Gi* %dx%d: esda %.2f s (weights %.2f s + G_Local %.2f s), bingeo %.4f s: %.0fx faster "
            "(statistic alone %.0fx; target >= %.0fx): %s",
            n,
            n,
            min(together),
            min(parts["weights"]),
            min(parts["G_Local"]),
            min(t_bingeo),
            ratio,
            ratio_stat,
            GI_RATIO_TARGET,
            "OK" if good else "TOO SLOW",
        )
        dz = float(np.max(np.abs(gi.z.ravel() - ref.Zs)))
        dp = float(np.max(np.abs(gi.p.ravel() - 2 * ref.p_norm)))
        bh = direct_bh(2 * ref.p_norm, args.alpha)
        same_bh = bool(np.array_equal(gi.significant.ravel(), bh))
        same_hot = bool(np.array_equal(gi.hot.ravel(), bh & (ref.Zs > 0)))
        good = dz <= Z_TOLERANCE and same_bh and same_hot
        ok &= good
        log.info(
            "RESULT Gi* %dx%d equal to esda: max |dz| %.1e (tolerance %.0e), max |dp| %.1e (two-sided = 2 p_norm), "
            "FDR decisions equal to a direct Benjamini-Hochberg: %s (%d significant, %d hot): %s",
            n,
            n,
            dz,
            Z_TOLERANCE,
            dp,
            same_bh and same_hot,
            int(bh.sum()),
            int(gi.hot.sum()),
            "OK" if good else "DIFFERENT",
        )
    else:
        ok = False

    # (b) large grid, bingeo only ----------------------------------------------------------
    counts = make_counts(big, args.lam, args.seed + 1)
    gi, t_big = timed(lambda: GiStar(alpha=args.alpha).fit(counts), args.repeat)
    log.info("(b) Gi* + FDR on a %d x %d grid (%s cells): %s", big, big, f"{big * big:,}", fmt(t_big))
    good = min(t_big) < LARGE_TARGET_S
    ok &= good
    log.info(
        "RESULT Gi* + FDR %dx%d: %.3f s (target < %.1f s; %.1f M cells/s; %d hot, %d cold cells): %s",
        big,
        big,
        min(t_big),
        LARGE_TARGET_S,
        big * big / min(t_big) / 1e6,
        int(gi.hot.sum()),
        int(gi.cold.sum()),
        "OK" if good else "TOO SLOW",
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=400, help="side of the grid compared with esda")
    ap.add_argument("--large", type=int, default=2000, help="side of the large grid (bingeo only)")
    ap.add_argument("--lam", type=float, default=1.0, help="mean count per cell of the Poisson background")
    ap.add_argument("--alpha", type=float, default=0.05, help="false discovery rate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5, help="runs of bingeo (best and median shown)")
    ap.add_argument("--esda-repeat", type=int, default=1, help="runs of esda (weights + G_Local)")
    ap.add_argument("--no-density", action="store_true", help="skip the density part (benchmarks/density.py)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    logging.getLogger("bingeo").setLevel(logging.WARNING)  # no per-fit INFO lines in the timings
    status = gi_benchmark(args)
    if not args.no_density:
        # density for 1M points, 100 m cells, 1 km radius vs QGIS's heat map, in the same run
        # (QGIS is importable only in the Debian venv: `source .venv/bin/activate`)
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import density

        log.info("")
        log.info("density: bingeo.kernel_density vs qgis:heatmapkerneldensityestimation (quartic, the default)")
        status |= density.main(["--kernels", "quartic", "--repeat", "3"])
    return status


if __name__ == "__main__":
    sys.exit(main())
