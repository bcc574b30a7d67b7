"""Kill -9 an import at random points: the store stays readable and is either unchanged or complete.

A worker process imports a batch of networks (150 changed boundaries, 100 new) into a store that
holds 300 networks. The parent kills it with SIGKILL at a random moment: mostly while the write
transaction runs (after the worker says it has begun writing), sometimes before it starts, and
sometimes after it has committed. Every store is then opened anew and compared with the state
before the import and with the state after a complete import, computed by an uninterrupted run.
A store left unchanged is used for the next kill; after a complete import a fresh copy is made.
"""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from bingeo.stores import copy_store, open_store

KILLS = 20
ROOT = Path(__file__).resolve().parents[1]

# A "zygote": imports bingeo once, then forks one child per import (a real process, killed with a real
# SIGKILL), so that 20 kills do not pay 20 interpreter start-ups. Lines on stdout: "<pid> started",
# "<pid> writing" (the child entered the write transaction), "<pid> done", "<pid> exit <status>".
WORKER = textwrap.dedent(
    """
    import os, select, sys, datetime as dt
    import geopandas as gpd
    from bingeo.stores import open_store

    frame = gpd.read_file(sys.argv[1])

    def say(text):
        os.write(1, (text + "\\n").encode())

    def child(location):
        st = open_store(location)
        cls = type(st)
        real = cls._insert_network
        said = []

        def insert(self, h, table, rec, geom):
            if not said:
                said.append(1)
                say(f"{os.getpid()} writing")
            return real(self, h, table, rec, geom)

        cls._insert_network = insert
        st.import_networks(frame, source="batch", effective=dt.date(2024, 1, 1))
        st.close()
        say(f"{os.getpid()} done")

    say("ready")
    live = 0
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], 0.02)
        if ready:
            line = sys.stdin.readline()
            if not line:
                break
            pid = os.fork()
            if pid == 0:
                try:
                    child(line.strip())
                finally:
                    os._exit(0)
            live += 1
            say(f"{pid} started")
        while live:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            live -= 1
            say(f"{pid} exit {status}")
    """
)


def grid(n: int, shift: float = 0.0, start: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(start + int(shift))
    side = 25
    geoms = []
    for i in range(start, start + n):
        x, y = (i % side) * 100.0, (i // side) * 100.0
        ring = [
            (x + 50 + (40 + shift) * np.cos(a), y + 50 + (40 + shift) * np.sin(a))
            for a in np.linspace(0, 2 * np.pi, 24, endpoint=False) + rng.uniform(0, 0.1)
        ]
        geoms.append(shapely.Polygon(ring))
    return gpd.GeoDataFrame(
        {
            "network_id": [f"N{i:04d}" for i in range(start, start + n)],
            "name": [f"Net {i}" for i in range(start, start + n)],
            "kind": "bin",
            "status": "active",
        },
        geometry=geoms,
        crs=28992,
    )


def digest(location: str) -> list[tuple]:
    """The whole network registry (current and history, with geometry) as comparable tuples."""
    with open_store(location) as st:
        hist = st.network_history()
    cols = ["network_id", "version", "name", "status", "version_from", "version_to", "source"]
    rows = hist[cols].astype(object).where(hist[cols].notna(), None).values.tolist()
    return [(*r, g.wkb) for r, g in zip(rows, hist.geometry)]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crash")
    base = tmp / "base.gpkg"
    with open_store(base, create=True, crs=28992) as st:
        st.import_networks(grid(300), source="base")
    batch = tmp / "batch.gpkg"
    new = grid(150, shift=3.0)
    new = gpd.GeoDataFrame(
        gpd.pd.concat([new, grid(100, start=300)], ignore_index=True), geometry="geometry", crs=28992
    )
    new.to_file(batch, layer="batch")
    (tmp / "worker.py").write_text(WORKER)
    return tmp


def _fresh(backend: str, template: Path, postgis_url: str | None, made: list[str]) -> str:
    if backend == "gpkg":
        path = template / f"s-{uuid.uuid4().hex[:8]}.gpkg"
        shutil.copy(template / "base.gpkg", path)
        return str(path)
    url = f"{postgis_url}&schema=crash_{uuid.uuid4().hex[:10]}"
    copy_store(template / "base.gpkg", url)
    made.append(url)
    return url


class Zygote:
    """The worker process: ``run(location)`` forks an import into ``location`` and returns the child's pid."""

    def __init__(self, template: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.buf = b""
        self.err = open(template / f"zygote-{uuid.uuid4().hex[:8]}.err", "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, str(template / "worker.py"), str(template / "batch.gpkg")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.err,
            env=env,
        )
        assert self.line(120) == "ready", self.stderr()

    def line(self, timeout: float = 60) -> str:
        # our own buffer: a buffered readline() could hide a second line from select()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                return ""
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                return ""
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode().strip()

    def expect(self, pid: int, what: str, timeout: float = 60) -> None:
        while True:
            got = self.line(timeout)
            assert got, f"no {what!r} from {pid}: {self.stderr()}"
            if got.startswith(f"{pid} {what}"):
                return
            assert got.split()[1] != "exit" or got.split()[0] != str(pid), f"{pid} ended early: {self.stderr()}"

    def run(self, location: str) -> int:
        self.proc.stdin.write(location.encode() + b"\n")
        self.proc.stdin.flush()
        got = self.line()
        assert got.endswith("started"), (got, self.stderr())
        return int(got.split()[0])

    def stderr(self) -> str:
        self.err.flush()
        return Path(self.err.name).read_text(errors="replace")[-2000:]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(30)
        self.proc.stdout.close()
        self.err.close()


@pytest.fixture(scope="module")
def zygote(template):
    z = Zygote(template)
    yield z
    z.close()


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_import_killed_at_random_points(backend, template, zygote, request):
    import psycopg

    url = request.getfixturevalue("postgis_url") if backend == "postgis" else None
    made: list[str] = []
    rng = random.Random(20261122)
    try:
        # the complete result, and how long the write takes, from one uninterrupted run
        full = _fresh(backend, template, url, made)
        before = digest(full)
        pid = zygote.run(full)
        zygote.expect(pid, "writing")
        t0 = time.perf_counter()
        zygote.expect(pid, "done")
        write_time = time.perf_counter() - t0
        zygote.expect(pid, "exit 0")
        after = digest(full)
        assert after != before and len(after) == len(before) + 250

        outcomes = {"unchanged": 0, "complete": 0}
        store = _fresh(backend, template, url, made)
        for k in range(KILLS):
            pid = zygote.run(store)
            if k % 5 == 0:  # anywhere, possibly before the transaction begins
                time.sleep(rng.uniform(0, 0.05))
            else:  # inside the write (most), or just after it
                zygote.expect(pid, "writing")
                time.sleep(rng.uniform(0, 1.3 * write_time))
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # it finished (and was reaped) first: a kill after the commit
                pass
            zygote.expect(pid, "exit")  # reaped: the process is gone
            state = digest(store)  # readable...
            assert state in (before, after), f"kill {k}: store neither unchanged nor complete"
            outcomes["unchanged" if state == before else "complete"] += 1
            if state == after:  # start again from the state before the import
                store = _fresh(backend, template, url, made)
            if backend == "gpkg":
                import sqlite3

                with sqlite3.connect(store) as con:
                    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        print(backend, "write", round(write_time, 3), outcomes)
        assert sum(outcomes.values()) == KILLS
        assert outcomes["unchanged"] >= 5, outcomes  # most kills hit the open transaction
    finally:
        if made:
            with psycopg.connect(url, autocommit=True) as con:
                for u in made:
                    con.execute(f'DROP SCHEMA IF EXISTS "{u.rsplit("schema=", 1)[1]}" CASCADE')
