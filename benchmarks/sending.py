"""Send an alert's e-mails to a local SMTP server (aiosmtpd, STARTTLS + AUTH on 127.0.0.1): time and rate.

    python benchmarks/sending.py [--n 10000] [--repeat 1]

The store (N members of one network, all by e-mail, and an alert to all of them) is made once under
/work/bench-data/ (or --data). Each run copies it and runs what users run, ``python -m bingeo send`` (a new
process: start-up, re-reading the recipients, the exactly-once bookkeeping: one commit per message), against
the server running here in a thread. The reference is the bare minimum over the same server and TLS: one
``smtplib`` connection sending the same number of one-recipient messages in a loop, no store at all; the ratio
says what bingeo's bookkeeping costs. Target: 10,000 e-mails in < 60 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.smtp_server import PASSWORD, USER, LocalSmtp, write_members  # noqa: E402

BODY = "Beste buurtbewoner,\n\nLet op: inbraken in de Oosterpoort. Sluit ramen en deuren.\n"


def cli(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "bingeo", *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if res.returncode:
        raise SystemExit(res.stderr)
    return res.stdout


def make_store(folder: Path, n: int) -> tuple[Path, str]:
    store = folder / f"sending-{n}.gpkg"
    alert_file = folder / f"sending-{n}.alert"
    if store.exists() and alert_file.exists():
        return store, alert_file.read_text().strip()
    store.unlink(missing_ok=True)
    members = folder / f"sending-{n}-members.csv"
    write_members(
        members,
        n,
        {i: {"e-mail": f"zqxmail{i:05d}@example.org", "kanalen": "email", "toestemming": "ja"} for i in range(n)},
    )
    cli("networks", "import", str(ROOT / "data" / "samples" / "networks.gpkg"), "--store", str(store))
    cli("members", "import", str(members), "--store", str(store), "--crs", "28992")
    out = cli(
        "recipients", "--network", "GR-BIN-001", "--network-rule", "membership", "--urgency", "normal",
        "--output", str(folder / f"sending-{n}.csv"), "--store", str(store),
    )  # fmt: skip
    alert = re.search(r"Alert (A-[0-9A-Za-z-]+)", out).group(1)
    alert_file.write_text(alert)
    return store, alert


def bingeo_send(server: LocalSmtp, store: Path, alert: str, tmp: Path) -> tuple[float, str]:
    copy = tmp / "run.gpkg"
    shutil.copy(store, copy)
    msg = tmp / "msg.txt"
    msg.write_text(BODY)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BINGEO_SMTP_PASSWORD": PASSWORD}
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    args = [
        sys.executable, *profile, "-m", "bingeo", "send", "--alert", alert, "--message", str(msg),
        "--subject", "Inbraken",
        "--store", str(copy), "--smtp-host", "127.0.0.1", "--smtp-port", str(server.port), "--smtp-user", USER,
        "--from", USER, "--ca-file", str(server.cert),
    ]  # fmt: skip
    t = time.perf_counter()
    res = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - t
    if res.returncode:
        raise SystemExit(res.stderr)
    return took, res.stdout


def bare_smtplib(server: LocalSmtp, n: int) -> float:
    t = time.perf_counter()
    conn = smtplib.SMTP("127.0.0.1", server.port, timeout=30)
    conn.starttls(context=ssl.create_default_context(cafile=server.cert))
    conn.login(USER, PASSWORD)
    for i in range(n):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = USER, f"zqxmail{i:05d}@example.org", "Inbraken"
        msg.set_content(BODY)
        conn.send_message(msg)
    conn.quit()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    a = ap.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    store, alert = make_store(a.data, a.n)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        with LocalSmtp(tmp) as server:
            for run in range(a.repeat):
                server.received.clear()
                took, out = bingeo_send(server, store, alert, tmp)
                got = len(server.received)
                assert got == a.n and len({r[0][0] for r in server.received}) == a.n, (got, out)
                server.received.clear()
                ref = bare_smtplib(server, a.n)
                print(
                    f"run {run + 1}: bingeo send {a.n:,} e-mails in {took:.1f} s ({a.n / took:,.0f}/s; target < 60 s); "
                    f"bare smtplib loop {ref:.1f} s ({a.n / ref:,.0f}/s); ratio {took / ref:.2f}"
                )


if __name__ == "__main__":
    main()
