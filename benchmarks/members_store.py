"""Benchmark: the store part of the first ``bingeo members import`` (GeoPackage ``upsert_members`` into an empty
members table, with the import's memo), per stage.

A synthetic member frame of ``--members`` rows (made-up ids, names and contacts; RD points; ~1 % without a
location) goes into a new store; the whole ``upsert_members`` is timed as CPU (``time.process_time``: every
thread of the process) and wall time, and cProfile's cumulative time of each stage (this thread's only) is printed
(``--stages``). ``--reference-src DIR`` runs the same in a subprocess with the bingeo package found in ``DIR``
(``git archive <ref> bingeo | tar -x -C DIR``), interleaved: the reference in the same run.

``--capture`` writes that frame: it runs ``import_members`` on ``benchmarks/members.py``'s generated list of
``--members`` members (made first by that benchmark under ``--data``) and pickles what reaches ``upsert_members``
to ``--frame``.

python benchmarks/members_store.py [--members 1000000] [--repeat 3] [--reference-src DIR] [--stages] [--frame F]
python benchmarks/members_store.py --capture --members 1000000 --frame /work/bench-data/members-store-1000000.pkl
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def member_frame(n: int, seed: int = 0):  # noqa: ANN201 - geopandas imported late
    """Made-up members as the import hands them to the store (no real person's data)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    text = pd.Series(ids).astype(str)
    geoms = gpd.points_from_xy(rng.uniform(13000, 278000, n), rng.uniform(306000, 620000, n))
    geoms = np.asarray(geoms, dtype=object)
    geoms[rng.random(n) < 0.01] = None
    frame = gpd.GeoDataFrame(
        {
            "member_id": ("L" + text).tolist(),
            "person_id": ("P" + text).tolist(),
            "name": ("Lid " + text).tolist(),
            "email": ("lid" + text + "@example.org").tolist(),
            "phone": ("+316" + text.str.zfill(8)).tolist(),
            "phone_kind": ["mobile"] * n,
            "channels": ["sms;email"] * n,
            "consent": rng.random(n) > 0.1,
            "consent_date": ["2026-01-15"] * n,
            "role": ["member"] * n,
            "networks": ["GR-BIN-%03d" % k for k in rng.integers(0, 18, n)],
            "address_ref": [None] * n,
            "located_by": ["xy"] * n,
            "status": ["active"] * n,
        },
        geometry=gpd.GeoSeries(shapely.from_wkb(shapely.to_wkb(geoms)), crs=28992),
        crs=28992,
    )
    memo = pd.DataFrame(
        {"digest": rng.integers(-(2**62), 2**62, n), "tallies": [None if i % 50 else "two_phones=1" for i in range(n)]}
    )
    return frame, memo


def one(n: int, stages: bool, frame_path: Path | None) -> None:
    """Time one upsert into a new store in this process; print CPU and wall seconds (and stages)."""
    import cProfile
    import pstats

    import bingeo

    if frame_path is not None:  # what a real ``members import`` hands the store (pickled by benchmarks' capture)
        import pickle

        with frame_path.open("rb") as fh:
            frame, memo = pickle.load(fh)  # noqa: S301 - a file this benchmark's user wrote
        n = len(frame)
    else:
        frame, memo = member_frame(n)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        path = Path(tmp) / "store.gpkg"
        with bingeo.open_store(path, create=True, crs=28992) as st:
            prof = cProfile.Profile(time.process_time) if stages else None
            c0, w0 = time.process_time(), time.perf_counter()
            if prof:
                prof.enable()
            counts = st.upsert_members(frame, memo=memo)
            if prof:
                prof.disable()
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    assert counts["added"] == n, counts
    print(f"RESULT cpu={cpu:.2f} wall={wall:.2f} n={n}", flush=True)
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def capture(n: int, data: Path, out: Path) -> None:
    """Pickle the (members, memo) a first ``import_members`` of benchmarks/members.py's list hands the store."""
    import pickle
    import shutil

    import bingeo
    from bingeo.members import import_members
    from bingeo.stores.gpkg import GpkgStore

    with tempfile.TemporaryDirectory(dir=data) as tmp:
        store = Path(tmp) / "store.gpkg"
        bingeo.open_store(store, create=True, crs=28992).close()
        addresses = data / f"members-bench-addresses-{n}.csv"
        cmd = [sys.executable, "-m", "bingeo", "addresses", "import", str(addresses), "--store", str(store)]
        subprocess.run([*cmd, "--crs", "28992"], check=True, capture_output=True)
        upsert = GpkgStore.upsert_members

        def keep(self, members, *, memo=None):  # noqa: ANN001, ANN202 - the method's own signature
            with out.open("wb") as fh:
                pickle.dump((members, memo), fh)
            return upsert(self, members, memo=memo)

        GpkgStore.upsert_members = keep  # type: ignore[method-assign]
        src = Path(tmp) / "members.csv"  # rejects are written beside the list: kept out of --data
        shutil.copy(data / f"members-bench-{n}.csv", src)
        with bingeo.open_store(store) as st:
            import_members(st, src)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--reference-src", type=Path, default=None)
    ap.add_argument("--stages", action="store_true")
    ap.add_argument("--frame", type=Path, default=None, help="Pickled (members, memo) handed to upsert_members.")
    ap.add_argument("--capture", action="store_true", help="Write --frame from benchmarks/members.py's list.")
    ap.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.capture:
        capture(args.members, args.data, args.frame)
        return
    if args.one:
        one(args.members, args.stages, args.frame)
        return
    runs = {"this": HERE.parent} | ({"reference": args.reference_src} if args.reference_src else {})
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
    for _ in range(args.repeat):
        for label, src in runs.items():
            cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--members", str(args.members)]
            cmd += ["--frame", str(args.frame)] if args.frame else []
            env = dict(os.environ, PYTHONPATH=str(src))
            out = subprocess.run(
                cmd + (["--stages"] if args.stages else []), env=env, check=True, capture_output=True, text=True
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT"))
            cpu, wall, n = (float(p.split("=")[1]) for p in line.split()[1:])
            got[label].append((cpu, wall))
            print(f"{label}: cpu {cpu:.2f} s, wall {wall:.2f} s", flush=True)
            if args.stages:
                print(out)
    for label, vals in got.items():
        cpus, walls = [c for c, _ in vals], [w for _, w in vals]
        print(
            f"{label}: {int(n):,} members, cpu {min(cpus):.2f}-{max(cpus):.2f} s, "
            f"wall {min(walls):.2f}-{max(walls):.2f} s over {len(vals)} run(s)"
        )
    if "reference" in got:
        for k, what in enumerate(("cpu", "wall")):
            ratios = [r[k] / t[k] for r, t in zip(got["reference"], got["this"])]
            print(f"reference / this ({what}): {min(ratios):.2f}-{max(ratios):.2f}x")


if __name__ == "__main__":
    main()
