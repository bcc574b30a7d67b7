"""Benchmark: reading a member list, the column-at-a-time short way against the per-row rules, same process.

Reads the list ``benchmarks/members.py`` generates (``--members`` rows, located against its address
register) with :func:`bingeo.members.members_from_file` twice per run: as users run it (``QUICK_ROWS``) and
with every row through the per-row rules (the same semantics, the reference), checks that both give the same
members, rejects and notes, and prints the ratio.

python benchmarks/members_read.py [--members 100000] [--data /work/bench-data] [--repeat 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from members import ensure_data  # noqa: E402 - the generator beside this script

import bingeo  # noqa: E402
from bingeo import members as members_mod  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    adr, first, _ = ensure_data(args.data, args.members, args.seed)
    addresses = bingeo.read_points(str(adr), crs=28992).points
    ratios = []
    for _ in range(args.repeat):
        took = {}
        got = {}
        for quick in (True, False):
            members_mod.QUICK_ROWS = quick
            t = time.perf_counter()
            got[quick] = members_mod.members_from_file(first, crs=28992, addresses=addresses)
            took[quick] = time.perf_counter() - t
        members_mod.QUICK_ROWS = True
        same = (
            got[True].members.equals(got[False].members)
            and got[True].rejects.equals(got[False].rejects)
            and got[True].notes == got[False].notes
        )
        ratios.append(took[False] / took[True])
        print(
            f"read {args.members:,}: short way {took[True]:.2f} s, per row {took[False]:.2f} s, "
            f"ratio {ratios[-1]:.2f}, same: {same}",
            flush=True,
        )
        if not same:
            return 1
    print(f"RESULT reading {args.members:,} members: per row / short way {min(ratios):.2f}-{max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
