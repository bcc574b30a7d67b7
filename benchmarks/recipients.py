"""Benchmark: selecting alert recipients from a store of 1,000,000 members.

A drawn polygon of 1,000 vertices around ~4,000 members, in one run:

(a) the naive way: ``geopandas.read_file`` of all members, then a ``within`` filter;
(b) bingeo in-process, from the closed store file: open, select (R-tree bbox in
    SQL, exact covers test), return the recipients (``bingeo.select_recipients``);
(c) the whole ``bingeo recipients`` command as a subprocess, start-up included
    (it also writes the CSV and lists and appends to the audit log).

Targets: (b) < 100 ms (issue 4), (c) < 0.5 s (issue 14; against the same selection through GeoDataFrames
and pandas, as the command made it before, run as a process in the same run). The store is built once and kept in
``--work`` (building 1 M members takes about 80 s).

python benchmarks/recipients.py [--members 1000000] [--work /tmp/bingeo-bench] [--bytecode cached|none]

The processes run with compiled bytecode cached, as after ``pip install`` (``PYTHONPYCACHEPREFIX`` in
``--work``, one untimed warm-up run; the source tree is not written to). ``--bytecode none`` keeps
``PYTHONDONTWRITEBYTECODE`` when it is set, so that every process compiles bingeo's modules anew (about 0.1 s).
"""

from __future__ import annotations

import argparse
import logging
import os
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


#: The selection as ``bingeo recipients`` made it before it read plain rows: members as GeoDataFrames,
#: ``select_recipients`` and pandas' CSV writer (argv: store, area WKT file, output CSV).
FRAME_PATH = """
import sys
import pandas as pd
import shapely
import bingeo
from bingeo.readers.write import write_csv
from bingeo.recipients import RECIPIENT_COLUMNS, _text
with bingeo.open_store(sys.argv[1]) as st:
    area = shapely.from_wkt(open(sys.argv[2]).read())
    nets = st.networks()
    sel = bingeo.select_recipients(st.members(bbox=area.bounds), area=area, networks=nets, urgency="urgent")
text = pd.DataFrame({c: [_text(v) for v in sel.recipients[c]] for c in RECIPIENT_COLUMNS})
write_csv(text, sys.argv[3], sep=";", encoding="utf-8-sig", lineterminator="\\r\\n")
"""


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t


def child_env(work: Path, bytecode: str) -> dict[str, str]:
    """The environment of the timed processes: bytecode cached under ``work`` (``cached``) or as inherited."""
    env = dict(os.environ)
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def _stats(times: list[float]) -> str:
    return (
        f"best {min(times):.3f} s, median {float(np.median(times)):.3f} s, range {min(times):.3f}-{max(times):.3f} s "
        f"({len(times)} runs)"
    )


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
    ap.add_argument("--cli-repeat", type=int, default=7, help="Runs of the whole command (and its references).")
    ap.add_argument(
        "--bytecode",
        choices=("cached", "none"),
        default="cached",
        help="cached: as after pip install (default); none: every process compiles bingeo anew when "
        "PYTHONDONTWRITEBYTECODE is set.",
    )
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
    # the same selection the way the command made it before (GeoDataFrames, pandas' CSV writer), as a process
    frame_path = [sys.executable, "-c", FRAME_PATH, str(copy), str(area_file), str(args.work / "frames.csv")]
    starts = {
        "Python itself": [sys.executable, "-c", "pass"],
        "imports of the command": [sys.executable, "-c", "import bingeo.cli.main, bingeo.alerting, bingeo.stores.gpkg"],
    }
    cli_times: list[float] = []
    frame_times: list[float] = []
    start_times: dict[str, list[float]] = {k: [] for k in starts}
    env = child_env(args.work, args.bytecode)
    log.info(
        "processes: bytecode %s (PYTHONDONTWRITEBYTECODE %s)",
        args.bytecode,
        "unset" if "PYTHONDONTWRITEBYTECODE" not in env else "set",
    )
    _timed(cmd, env)  # warm-up (untimed): fills the bytecode cache and the file cache
    _timed(frame_path, env)
    for _ in range(args.cli_repeat):  # interleaved: a busy machine disturbs both alike
        cli_times.append(_timed(cmd, env))
        frame_times.append(_timed(frame_path, env))
        for k, c in starts.items():
            start_times[k].append(_timed(c, env))
    same = (args.work / "recipients.csv").read_bytes() == (args.work / "frames.csv").read_bytes()
    log.info("(c) bingeo recipients (subprocess)  : %s", _stats(cli_times))
    log.info("    same semantics through GeoDataFrames and pandas (subprocess): %s", _stats(frame_times))
    log.info("    the same CSV from both: %s", same)
    for k, ts in start_times.items():
        log.info(
            "    %-22s: %s (%.0f %% of the command's median)", k, _stats(ts), 100 * np.median(ts) / np.median(cli_times)
        )
    ok = ok and same
    log.info(
        "RESULT in-process selection %.3f s (target < 0.100 s: %s), naive %.2f s: %.0fx faster",
        t_sel,
        "OK" if t_sel < 0.1 else "MISSED",
        t_naive,
        t_naive / t_sel,
    )
    log.info(
        "RESULT whole command best %.2f s, median %.2f s, range %.2f-%.2f s (target < 0.5 s: %s); "
        "%.1fx faster than the frame path (medians)",
        min(cli_times),
        float(np.median(cli_times)),
        min(cli_times),
        max(cli_times),
        "OK" if np.median(cli_times) < 0.5 else "MISSED",
        float(np.median(frame_times) / np.median(cli_times)),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
