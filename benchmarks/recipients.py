"""Benchmark: selecting alert recipients from a store of 1,000,000 members.

A drawn polygon of 1,000 vertices around ~4,000 members, in one run:

(a) the naive way: ``geopandas.read_file`` of all members, then a ``within`` filter;
(b) bingeo in-process, from the closed store file: open, select (R-tree bbox in
    SQL, exact covers test), return the recipients (``bingeo.select_recipients``);
(c) the whole ``bingeo recipients`` command as a subprocess, start-up included
    (it also writes the CSV and lists and appends to the audit log).

Targets (issue 4): (b) < 100 ms, (c) < 1.5 s. The store is built once and kept in
``--work`` (building 1 M members takes about 80 s).

python benchmarks/recipients.py [--members 1000000] [--work /tmp/bingeo-bench]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely

if __package__ in (None, "") and str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

log = logging.getLogger("benchmarks.recipients")
BOX = (100_000.0, 400_000.0, 200_000.0, 500_000.0)


def build_store(path: Path, n: int, seed: int) -> None:
    import geopandas as gpd

    import bingeo

    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    members = gpd.GeoDataFrame(
        {
            "member_id": [f"M{i:07d}" for i in ids],
            "person_id": [f"p-{i:07d}" for i in ids],
            "name": [f"Lid {i}" for i in ids],
            "email": np.where(ids % 4 == 0, None, [f"lid{i}@example.org" for i in ids]),
            "phone": np.where(ids % 3 == 0, None, [f"+3161{i:07d}" for i in ids]),
            "phone_kind": np.where(ids % 3 == 0, None, "mobile"),
            "channels": "sms;email",
            "consent": rng.random(n) > 0.05,
            "role": np.where(ids % 500 == 0, "coordinator", "member"),
            "networks": "",
            "status": "active",
        },
        geometry=gpd.points_from_xy(rng.uniform(BOX[0], BOX[2], n), rng.uniform(BOX[1], BOX[3], n)),
        crs=28992,
    )
    with bingeo.open_store(path, create=True, crs=28992) as st:
        st.upsert_members(members)


def drawn_polygon(n_members: int, target: int = 4000, vertices: int = 1000) -> shapely.Polygon:
    density = n_members / ((BOX[2] - BOX[0]) * (BOX[3] - BOX[1]))
    r0 = float(np.sqrt(target / density / np.pi))
    ang = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    r = r0 * (1 + 0.05 * np.sin(7 * ang))
    cx, cy = (BOX[0] + BOX[2]) / 2, (BOX[1] + BOX[3]) / 2
    return shapely.Polygon(np.c_[cx + r * np.cos(ang), cy + r * np.sin(ang)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bingeo-bench"))
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    logging.getLogger("bingeo").setLevel(logging.WARNING)
    import geopandas as gpd

    import bingeo

    args.work.mkdir(parents=True, exist_ok=True)
    store = args.work / f"members_{args.members}.gpkg"
    if not store.exists():
        t = time.perf_counter()
        build_store(store, args.members, args.seed)
        log.info("built %s with %d members in %.1f s", store, args.members, time.perf_counter() - t)
    area = drawn_polygon(args.members)
    area_file = args.work / "area.wkt"
    area_file.write_text(area.wkt)
    log.info(
        "store %s (%.0f MB), polygon of %d vertices", store, store.stat().st_size / 1e6, len(area.exterior.coords) - 1
    )

    # (a) naive
    t = time.perf_counter()
    allm = gpd.read_file(store, layer="members")
    naive = allm[allm.within(area) & allm["consent"].astype(bool)]
    t_naive = time.perf_counter() - t
    log.info("(a) geopandas.read_file + within  : %.3f s (%d members)", t_naive, len(naive))

    # (b) in-process from the closed file
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        with bingeo.open_store(store) as st:
            cand = st.members(bbox=area.bounds)
        sel = bingeo.select_recipients(cand, area=area, urgency="urgent")
        times.append(time.perf_counter() - t)
    t_sel = min(times)
    log.info(
        "(b) bingeo open + select + return : best %.3f s, median %.3f s (%d recipients of %d bbox candidates)",
        t_sel,
        float(np.median(times)),
        len(sel.recipients),
        len(cand),
    )
    covered = set(naive["person_id"])
    ok = set(sel.recipients["person_id"]) <= covered and len(covered) - len(sel.recipients) == sel.excluded.get(
        "no_usable_contact", 0
    )
    log.info("    same people as the naive way (minus no usable contact): %s", ok)

    # (c) the whole command, start-up included (on a copy: it appends to the audit log)
    copy = args.work / "members_cli.gpkg"
    shutil.copy(store, copy)
    cmd = [
        sys.executable,
        "-m",
        "bingeo",
        "recipients",
        "--store",
        str(copy),
        "--area",
        str(area_file),
        "--output",
        str(args.work / "recipients.csv"),
        "--operator",
        "benchmark",
        "--reason",
        "benchmark",
    ]
    cli_times = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        cli_times.append(time.perf_counter() - t)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import bingeo.cli.main"], check=True)
    t_start = time.perf_counter() - t0
    log.info(
        "(c) bingeo recipients (subprocess)  : best %.3f s (of which Python start-up + imports %.3f s)",
        min(cli_times),
        t_start,
    )
    log.info(
        "RESULT in-process selection %.3f s (target < 0.100 s: %s), naive %.2f s: %.0fx faster",
        t_sel,
        "OK" if t_sel < 0.1 else "MISSED",
        t_naive,
        t_naive / t_sel,
    )
    log.info(
        "RESULT whole command %.2f s (target < 1.5 s: %s)", min(cli_times), "OK" if min(cli_times) < 1.5 else "MISSED"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
