"""Benchmark: ``bingeo members import`` of a large Dutch member list, first import and re-imports.

Generates (once, seeded, under ``--data``) a coordinator's export of ``--members`` members as users have
them: ``;``-separated UTF-8 CSV with a BOM, Dutch column names (Lidnummer, Voornaam, Tussenvoegsel,
Achternaam, E-mailadres, Mobiel, Telefoon, Kanalen, Toestemming AVG, Rol, BIN, Postcode, Huisnummer,
Huisletter, x, y, Status), phone numbers written every way people write them (06-, 0031, +31, with
spaces), 60 % located by postcode + house number against an address register, 40 % by RD coordinates,
and ~1 % planted bad rows (bad e-mail, bad phone, no contact, unknown address, repeated member id). A copy
with 10 % of the members changed (new phone, e-mail, consent or address) is written beside it.

Then, in one run, the whole ``bingeo members import`` command (a subprocess, as users run it) into a new
GeoPackage store that holds the address register:

(a) first import of the list;
(b) re-import of the unchanged list (every row unchanged);
(c) re-import of the 10 %-changed list;

each checked against the counts the command prints (added / updated / unchanged). Targets (issue 14):
(a) < 15 s, (b) < 5 s for 1,000,000 members.

Each import is reported as wall time and as the CPU time of its process (user + system: what other work on the
machine disturbs least). ``--reference-src DIR`` runs the same imports, interleaved, with the bingeo package found
in ``DIR`` (e.g. ``git archive main bingeo | tar -x -C DIR``): the reference in the same run.

python benchmarks/members.py [--members 1000000] [--data /work/bench-data] [--repeat 1] [--reference-src DIR]
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

log = logging.getLogger("benchmarks.members")

FIRST = ["Jan", "Sanne", "Mohammed", "Femke", "Pieter", "Emma", "Daan", "Julia", "Noah", "Eva", "Sem", "Lotte"]
INFIX = ["", "", "", "van", "de", "van der", "van den", "ter"]
LAST = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks"]
HEADER = [
    "Lidnummer",
    "Voornaam",
    "Tussenvoegsel",
    "Achternaam",
    "E-mailadres",
    "Mobiel",
    "Telefoon",
    "Kanalen",
    "Toestemming AVG",
    "Rol",
    "BIN",
    "Postcode",
    "Huisnummer",
    "Huisletter",
    "x",
    "y",
    "Status",
]
#: The box of the Netherlands the generated points lie in (RD New metres).
BOX = (120_000.0, 450_000.0, 240_000.0, 560_000.0)


def _postcodes(n: int, rng: np.random.Generator) -> np.ndarray:
    digits = rng.integers(1000, 9999, n)
    letters = rng.integers(0, 26 * 26, n)
    a = np.array([chr(65 + i) for i in range(26)], dtype=object)
    return np.array([f"{d}{a[k // 26]}{a[k % 26]}" for d, k in zip(digits.tolist(), letters.tolist())], dtype=object)


def make_addresses(path: Path, n: int, seed: int) -> None:
    """Write an address register of ``n`` addresses (unique postcode + number + letter) as CSV."""
    rng = np.random.default_rng(seed + 1)
    pcs = _postcodes(n, rng)
    nums = rng.integers(1, 300, n)
    letters = np.where(rng.random(n) < 0.05, "a", "")
    keys = [f"{p}|{k}|{a}" for p, k, a in zip(pcs, nums.tolist(), letters)]
    _, first = np.unique(keys, return_index=True)
    first.sort()
    x = rng.uniform(BOX[0], BOX[2], n).round(2)
    y = rng.uniform(BOX[1], BOX[3], n).round(2)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["adres_id", "postcode", "huisnummer", "huisletter", "woonplaats", "x", "y"])
        for i in first.tolist():
            w.writerow([f"bag-{i:012d}", pcs[i], nums[i], letters[i], "Ergens", x[i], y[i]])


def _phone(i: int, rng_val: float) -> str:
    local = f"6{i % 100_000_000:08d}"
    style = int(rng_val * 5)
    return (f"0{local}", f"+31 {local[0]} {local[1:5]} {local[5:]}", f"0031{local}", f"06-{local[1:]}", f"+31{local}")[
        style
    ]


def make_members(path: Path, addresses: Path, n: int, seed: int, changed: float = 0.0) -> None:
    """Write a member list of ``n`` members; ``changed`` of them differ from the seed's first version."""
    rng = np.random.default_rng(seed)
    with addresses.open(encoding="utf-8") as fh:
        adr = list(csv.reader(fh))[1:]
    ids = np.arange(n)
    pick = rng.integers(0, len(adr), n)
    by_address = rng.random(n) < 0.6
    xs = rng.uniform(BOX[0], BOX[2], n).round(2)
    ys = rng.uniform(BOX[1], BOX[3], n).round(2)
    r_phone, r_mail, r_consent, r_role = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
    nets = rng.integers(1, 2000, n)
    bad = rng.random(n)
    chg = np.random.default_rng(seed + 7).random(n) < changed
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        w.writerow(HEADER)
        for i in ids.tolist():
            first, infix, last = FIRST[i % len(FIRST)], INFIX[(i // 7) % len(INFIX)], LAST[(i // 3) % len(LAST)]
            mail = f"{first.lower()}.{last.lower().replace(' ', '')}{i}@example.nl" if r_mail[i] > 0.15 else ""
            mobile = _phone(i, r_phone[i]) if r_phone[i] > 0.1 else ""
            vast = f"050-{3000000 + i % 999999}" if r_phone[i] < 0.2 else ""
            consent = "ja" if r_consent[i] > 0.04 else "nee"
            role = "coordinator" if r_role[i] < 0.01 else "lid"
            status = "afgemeld" if r_role[i] > 0.99 else "actief"
            a = adr[pick[i]]
            row = [f"L{i:07d}", first, infix, last, mail, mobile, vast, "sms;email" if i % 3 else "", consent, role]
            row += [f"NL-BIN-{nets[i]:04d}"]
            if by_address[i]:
                pc = a[1] if i % 2 else f"{a[1][:4]} {a[1][4:]}"
                row += [pc, a[2], a[3], "", ""]
            else:
                row += ["", "", "", f"{xs[i]:.2f}".replace(".", ","), f"{ys[i]:.2f}".replace(".", ",")]
            row += [status]
            if chg[i]:  # a changed member: new mobile, e-mail, consent or place
                k = i % 4
                if k == 0:
                    row[5] = _phone(i + 12_345, 0.0)
                elif k == 1:
                    row[4] = f"nieuw.{i}@example.nl"
                elif k == 2:
                    row[8] = "nee" if consent == "ja" else "ja"
                else:
                    row[11:16] = ["", "", "", f"{xs[i] + 10:.2f}".replace(".", ","), f"{ys[i]:.2f}".replace(".", ",")]
            # ~1 % planted bad rows (reasons the import must report)
            if bad[i] < 0.002:
                row[4], row[5], row[6] = "geen-apenstaartje.example.nl", "", ""
            elif bad[i] < 0.004:
                row[4], row[5], row[6] = "", "06-123", ""
            elif bad[i] < 0.006:
                row[4], row[5], row[6] = "", "", ""
            elif bad[i] < 0.008:
                row[11:16] = ["9999ZZ", "1", "", "", ""]
            elif bad[i] < 0.010 and i:
                row[0] = f"L{i - 1:07d}"
            w.writerow(row)


def ensure_data(data: Path, n: int, seed: int) -> tuple[Path, Path, Path]:
    """Generate (once) the address register, the member list and its 10 %-changed copy under ``data``."""
    data.mkdir(parents=True, exist_ok=True)
    adr = data / f"members-bench-addresses-{n}.csv"
    first = data / f"members-bench-{n}.csv"
    changed = data / f"members-bench-{n}-changed10.csv"
    if not adr.exists():
        t = time.perf_counter()
        make_addresses(adr, max(n // 2, 1000), seed)
        log.info("generated %s in %.1f s", adr, time.perf_counter() - t)
    for path, share in ((first, 0.0), (changed, 0.1)):
        if not path.exists():
            t = time.perf_counter()
            tmp = path.with_suffix(".tmp")
            make_members(tmp, adr, n, seed, share)
            tmp.replace(path)
            log.info("generated %s in %.1f s", path, time.perf_counter() - t)
    return adr, first, changed


#: CPU seconds (user + system) of the last command :func:`run` ran.
LAST_CPU = [0.0]


def run(cmd: list[str], src: str | None = None) -> tuple[float, str]:
    """Run ``cmd`` (with ``src`` first on PYTHONPATH when given); return its wall time and output."""
    env = None if src is None else {**os.environ, "PYTHONPATH": src}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    # run outside any source tree: ``python -m`` puts the working folder before PYTHONPATH
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return took, done.stdout


def counts_of(out: str) -> dict[str, int]:
    m = re.search(r"members: ([\d,]+) added, ([\d,]+) updated, ([\d,]+) unchanged", out)
    if m is None:
        raise SystemExit(f"no counts in the output:\n{out}")
    return dict(zip(("added", "updated", "unchanged"), (int(v.replace(",", "")) for v in m.groups())))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    ap.add_argument("--repeat", type=int, default=1, help="Runs of the three imports (each into a new store).")
    ap.add_argument("--python", default=sys.executable, help="Python that runs bingeo.")
    ap.add_argument("--reference-src", help="Folder holding the reference bingeo package, run interleaved.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    adr, first, changed = ensure_data(args.data, args.members, args.seed)
    bingeo = [args.python, "-m", "bingeo"]
    versions = {"bingeo": None} | ({"reference": args.reference_src} if args.reference_src else {})
    results = {(v, k): [] for v in versions for k in ("first", "unchanged", "changed")}
    cpu = {key: [] for key in results}
    ok = True
    for _ in range(args.repeat):
        for version, src in versions.items():
            work = Path(tempfile.mkdtemp(prefix="bingeo-members-bench-"))
            try:
                store = work / "store.gpkg"
                make = f"import bingeo; bingeo.open_store({str(store)!r}, create=True, crs=28992).close()"
                run([args.python, "-c", make], src)
                run([*bingeo, "addresses", "import", str(adr), "--store", str(store), "--crs", "28992"], src)
                src_first = work / first.name  # rejects are written beside the source: keep them out of --data
                shutil.copy(first, src_first)
                src_changed = work / changed.name
                shutil.copy(changed, src_changed)
                counts = {}
                for name, path in (("first", src_first), ("unchanged", src_first), ("changed", src_changed)):
                    t, out = run([*bingeo, "members", "import", str(path), "--store", str(store)], src)
                    counts[name] = counts_of(out)
                    results[version, name].append(t)
                    cpu[version, name].append(LAST_CPU[0])
                    log.info(
                        "%-9s %-9s import %6.2f s wall, %6.2f s CPU  %s", version, name, t, LAST_CPU[0], counts[name]
                    )
                kept = counts["first"]["added"]
                ok &= counts["unchanged"] == {"added": 0, "updated": 0, "unchanged": kept}
                ok &= counts["changed"]["added"] == 0 and 0.05 * kept < counts["changed"]["updated"] < 0.15 * kept
            finally:
                shutil.rmtree(work, ignore_errors=True)
    for version in versions:
        for name, target in (("first", 15.0), ("unchanged", 5.0), ("changed", None)):
            ts, cs = results[version, name], cpu[version, name]
            verdict = "" if target is None else f" (target < {target:g} s: {'OK' if max(ts) < target else 'MISSED'})"
            log.info(
                "RESULT %-9s %-9s import of %d members: wall median %.2f s, range %.2f-%.2f s; CPU %.2f-%.2f s%s",
                version,
                name,
                args.members,
                float(np.median(ts)),
                min(ts),
                max(ts),
                min(cs),
                max(cs),
                verdict,
            )
    if args.reference_src:
        for name in ("first", "unchanged", "changed"):
            ratio = [r / b for r, b in zip(results["reference", name], results["bingeo", name])]
            cpu_ratio = [r / b for r, b in zip(cpu["reference", name], cpu["bingeo", name])]
            log.info(
                "RESULT %-9s reference / bingeo: wall %.2f-%.2fx, CPU %.2f-%.2fx",
                name,
                min(ratio),
                max(ratio),
                min(cpu_ratio),
                max(cpu_ratio),
            )
    log.info("counts consistent: %s", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
