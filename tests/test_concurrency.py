"""Two writer processes at once: no update is lost, a conflict is reported, GeoPackage writers wait.

Each worker process (1) reads network A's version, then, released together with the other,
retires A with that expected version: exactly one may win, the other gets ConflictError;
(2) imports its own new boundary for network B plus a network of its own, pausing between
reading the current networks and writing (so the two writes really overlap). On PostGIS the
second writer's update finds a newer version and gets ConflictError, and nothing of its import
is written; on GeoPackage the second writer waits for the lock, then reads the first one's
result and adds a version on top. Either way every committed boundary is in the history.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import bingeo
from bingeo.stores import open_store

ROOT = Path(__file__).resolve().parents[1]

WORKER = textwrap.dedent(
    """
    import json, os, sys, time, datetime as dt
    import geopandas as gpd, shapely
    import bingeo
    from bingeo import settings
    from bingeo.stores import open_store

    location, name, sync, day, shift = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
    settings.lock_timeout = 20

    def barrier(step):
        open(os.path.join(sync, f"ready-{step}-{name}"), "w").close()
        while not os.path.exists(os.path.join(sync, f"go-{step}")):
            time.sleep(0.002)

    out = {}
    st = open_store(location)
    seen = int(st.networks().set_index("network_id").loc["A", "version"])
    barrier(1)
    try:
        st.retire_network("A", on=day, expected_version=seen)
        out["retire"] = "ok"
    except bingeo.ConflictError as exc:
        out["retire"] = "conflict: " + str(exc)

    cls = type(st)
    real = cls._select_networks

    def slow(self, table, where="", params=(), *, handle=None):
        got = real(self, table, where, params, handle=handle)
        if handle is not None and table == "networks" and not where:
            time.sleep(0.4)  # between reading the current versions and writing: the writes overlap
        return got

    cls._select_networks = slow
    frame = gpd.GeoDataFrame(
        {"network_id": ["B", f"NEW-{name}"], "name": ["Net B", f"New {name}"], "kind": "bin", "status": "active"},
        geometry=[shapely.box(0, 0, 100 + shift, 100), shapely.box(500, 0, 600, 100)], crs=28992)
    barrier(2)
    t0 = time.perf_counter()
    try:
        st.import_networks(frame, source=name, effective=dt.date(2024, 1, 1))
        out["import"] = "ok"
    except bingeo.ConflictError as exc:
        out["import"] = "conflict: " + str(exc)
    out["import_s"] = time.perf_counter() - t0
    st.close()
    print(json.dumps(out))
    """
)


def _release(sync: Path, step: int, names: list[str], procs: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 120
    while not all((sync / f"ready-{step}-{n}").exists() for n in names):
        for p in procs:
            assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline, "workers did not get ready"
        time.sleep(0.005)
    (sync / f"go-{step}").touch()


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_two_writers_lose_no_update(backend, tmp_path, request):
    location = str(tmp_path / "bins.gpkg") if backend == "gpkg" else request.getfixturevalue("postgis_store_url")
    with open_store(location, create=True, crs=28992) as st:
        st.import_networks(
            gpd.GeoDataFrame(
                {"network_id": ["A", "B"], "name": ["Net A", "Net B"], "kind": "bin", "status": "active"},
                geometry=[shapely.box(0, 200, 100, 300), shapely.box(0, 0, 100, 100)],
                crs=28992,
            ),
            source="start",
        )
    (tmp_path / "worker.py").write_text(WORKER)
    sync = tmp_path / "sync"
    sync.mkdir()
    names = ["w1", "w2"]
    days = {"w1": "2025-01-01", "w2": "2026-01-01"}
    shifts = {"w1": 10.0, "w2": 20.0}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "worker.py"), location, n, str(sync), days[n], str(shifts[n])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for n in names
    ]
    try:
        _release(sync, 1, names, procs)
        _release(sync, 2, names, procs)
        results = {}
        for n, p in zip(names, procs):
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err.decode()[-2000:]
            results[n] = json.loads(out.decode().strip().splitlines()[-1])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()

    # (1) retire with a stale version: exactly one wins, the other is told to reload
    won = [n for n in names if results[n]["retire"] == "ok"]
    lost = [n for n in names if results[n]["retire"].startswith("conflict")]
    assert len(won) == 1 and len(lost) == 1, results
    assert "reload and try again" in results[lost[0]]["retire"].lower()
    with open_store(location) as st:
        a = st.networks(include_retired=True).set_index("network_id").loc["A"]
        assert a["valid_to"] == days[won[0]] and a["version"] == 2

        # (2) overlapping imports: every committed boundary of B is kept, nothing half-written
        ok = [n for n in names if results[n]["import"] == "ok"]
        hist = st.network_history("B")
        widths = sorted(round(g.bounds[2]) for g in hist.geometry)
        assert widths == sorted([100] + [100 + round(shifts[n]) for n in ok]), (results, widths)
        assert hist["version"].tolist() == list(range(1, len(ok) + 2))
        present = set(st.networks()["network_id"])
        for n in names:
            assert (f"NEW-{n}" in present) == (n in ok), results  # all or nothing
        for n in set(names) - set(ok):
            assert "someone else" in results[n]["import"] and "reload" in results[n]["import"]
    assert ok, results
    if backend == "gpkg":
        # the second writer waited for the lock (at least the first one's 0.4 s pause) instead of failing
        assert len(ok) == 2, results
        assert max(results[n]["import_s"] for n in names) >= 0.6, results
    else:
        # both read version 1 before either wrote: the second update found version 2 and was refused
        assert len(ok) == 1, results


def test_gpkg_writer_waits_for_the_lock_then_gives_up_clearly(tmp_path):
    path = tmp_path / "bins.gpkg"
    with open_store(path, create=True, crs=28992) as st:
        st.import_networks(
            gpd.GeoDataFrame(
                {"network_id": ["A"], "kind": "bin", "status": "active"}, geometry=[shapely.box(0, 0, 1, 1)], crs=28992
            ),
            source="s",
        )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(float(sys.argv[2])); "
            "c.execute('ROLLBACK')",
            str(path),
            "1.5",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"locked"
        from bingeo import settings

        old = settings.lock_timeout
        try:
            settings.lock_timeout = 0.3
            with open_store(path) as st:
                t0 = time.perf_counter()
                with pytest.raises(bingeo.StoreError, match="locked by another writer.*0.3 s"):
                    st.retire_network("A", on="2024-01-01")
                assert time.perf_counter() - t0 >= 0.25  # it waited before giving up
            settings.lock_timeout = 20
            with open_store(path) as st:
                t0 = time.perf_counter()
                st.retire_network("A", on="2024-01-01")  # waits until the holder lets go, then writes
                assert time.perf_counter() - t0 >= 0.5
        finally:
            settings.lock_timeout = old
    finally:
        holder.communicate(timeout=30)
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT status FROM networks").fetchone()[0] == "retired"
