"""Benchmark: the stages of a first ``members import`` (the checks before the store), this code and a reference.

Runs :func:`bingeo.import_members` of ``benchmarks/members.py``'s generated list into a new GeoPackage store that
holds its address register (made once under ``--data``, copied per run), in a subprocess per run, with stage
timers (not a profiler: per-row loops are not slowed): the whole import (wall, and CPU of the process), reading
the list, the check stage (``_check_members``, with the register read beside it) and the store's insert
(``upsert_members``); "before the store" is the whole import less the store's insert. ``--reference-src DIR``
runs the same, interleaved, with the bingeo package in ``DIR`` (e.g. ``git archive main bingeo | tar -x -C DIR``);
``--workers 1`` sets ``BINGEO_WORKERS=1`` (no thread beside the checks).

python benchmarks/members_checks.py [--members 1000000] [--repeat 3] [--reference-src DIR] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from members import ensure_data  # noqa: E402

log = logging.getLogger("benchmarks.members_checks")

#: Runs in the subprocess: the import with stage timers; prints one JSON line.
CHILD = r"""
import functools, json, shutil, sys, time
import bingeo
from bingeo import members as M
from bingeo.stores import gpkg
store_path, src = sys.argv[1], sys.argv[2]
took = {}
def timed(owner, name, label):
    f = getattr(owner, name)
    @functools.wraps(f)
    def g(*a, **k):
        w = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            took[label] = took.get(label, 0.0) + time.perf_counter() - w
    setattr(owner, name, g)
timed(M, "_read_list", "read")
timed(M, "_check_members", "checks")
timed(gpkg.GpkgStore, "upsert_members", "store")
st = bingeo.open_store(store_path)
w, c = time.perf_counter(), time.process_time()
res, counts = M.import_members(st, src)
took["import"], took["cpu"] = time.perf_counter() - w, time.process_time() - c
took["before_store"] = took["import"] - took.get("store", 0.0)
took["added"], took["rejects"] = counts["added"], len(res.rejects)
st.close()
print(json.dumps(took))
"""


def prepared_store(data: Path, addresses: Path, python: str, n: int) -> Path:
    """Return a store holding the register of ``addresses`` (made once under ``data``)."""
    path = data / f"members-checks-store-{n}.gpkg"
    if not path.exists():
        tmp = path.with_suffix(".tmp.gpkg")
        tmp.unlink(missing_ok=True)
        make = f"import bingeo; bingeo.open_store({str(tmp)!r}, create=True, crs=28992).close()"
        subprocess.run([python, "-c", make], check=True)
        cmd = [python, "-m", "bingeo", "addresses", "import", str(addresses), "--store", str(tmp), "--crs", "28992"]
        subprocess.run(cmd, check=True, capture_output=True, cwd=tempfile.gettempdir())
        tmp.replace(path)
    return path


def run(python: str, store: Path, src_list: Path, code: str | None, workers: int | None) -> dict[str, float]:
    """Import ``src_list`` into a copy of ``store`` in a subprocess; return its stage timings."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = code
    if workers is not None:
        env["BINGEO_WORKERS"] = str(workers)
    work = Path(tempfile.mkdtemp(prefix="bingeo-members-checks-"))
    try:
        copy = work / "store.gpkg"
        shutil.copy(store, copy)
        listed = work / src_list.name  # rejects are written beside the source: keep them out of --data
        shutil.copy(src_list, listed)
        done = subprocess.run(
            [python, "-c", CHILD, str(copy), str(listed)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tempfile.gettempdir(),
        )
        if done.returncode:
            raise SystemExit(f"the import failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--python", default=sys.executable, help="Python that runs bingeo.")
    ap.add_argument("--reference-src", help="Folder holding the reference bingeo package, run interleaved.")
    ap.add_argument("--workers", type=int, help="BINGEO_WORKERS for both (default: unset, all cores).")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    addresses, first, _ = ensure_data(args.data, args.members, args.seed)
    store = prepared_store(args.data, addresses, args.python, args.members)
    code = os.environ.get("PYTHONPATH")
    versions = {"bingeo": code} | ({"reference": args.reference_src} if args.reference_src else {})
    got: dict[str, list[dict[str, float]]] = {v: [] for v in versions}
    for _ in range(args.repeat):
        for version, src in versions.items():
            t = run(args.python, store, first, src, args.workers)
            got[version].append(t)
            log.info(
                "%-9s import %6.2f s wall (CPU %6.2f s): read %5.2f, checks %5.2f, store %5.2f, before the store %5.2f",
                version,
                t["import"],
                t["cpu"],
                t.get("read", 0.0),
                t.get("checks", 0.0),
                t.get("store", 0.0),
                t["before_store"],
            )
    keys = ("import", "cpu", "checks", "before_store", "store")
    for version, runs in got.items():
        parts = ", ".join(f"{k} {min(r[k] for r in runs):.2f}-{max(r[k] for r in runs):.2f} s" for k in keys)
        log.info("RESULT %-9s %d members (%d runs): %s", version, args.members, len(runs), parts)
    if args.reference_src:
        for k in keys:
            ratios = [r[k] / b[k] for r, b in zip(got["reference"], got["bingeo"])]
            log.info("RESULT %-13s reference / bingeo: %.2f-%.2fx", k, min(ratios), max(ratios))
        same = all(r["added"] == b["added"] and r["rejects"] == b["rejects"] for r, b in zip(*got.values()))
        log.info("same counts: %s", same)
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
