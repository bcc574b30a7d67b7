"""Benchmark: the GeoPackage and PostGIS stores side by side, and in-database assignment.

In one run, on the same data (Voronoi networks and uniform points from ``benchmarks/assign.py``):

(a) import throughput: ``--networks`` networks into a new store, then a re-import where 10 % of
    the boundaries changed (new versions, history rows); members upsert (``--members`` rows);
(b) assignment throughput through each store: read ``store.networks()`` and ``bingeo.assign``
    ``--points`` points (the points in memory);
    then the same repeated with the store's grid index (``bingeo.assign(..., store=st)``, as the
    ``bingeo assign`` command does), checked to give the same answer;
(c) for a points table already in PostGIS (``--points`` rows): ``assign_in_database`` (the result
    is written to a table in the database) against the in-memory route (read the table into a
    GeoDataFrame, ``bingeo.assign``), both with the store's index, checked to give the same answer;
    the two are run in turn (``--repeat`` pairs): best of each, and the range of the pairs' ratios.

Ratios are printed against the GeoPackage store (a, b) and against the in-memory route (c), from
the same process. PostGIS: ``--url postgresql://...`` (or ``$BINGEO_PG_URL``), else a throwaway
PostgreSQL cluster is started (initdb as the ``postgres`` user when run as root) and removed.

Examples
--------
python benchmarks/store.py                                  # 2,000 networks, 1,000,000 points
python benchmarks/store.py --networks 10000 --points 1000000 --repeat 3
python benchmarks/store.py --in-database-only --repeat 3     # (c) only
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

if __package__ in (None, "") and str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from benchmarks.assign import make_points, make_polygons  # noqa: E402


@contextlib.contextmanager
def throwaway_server() -> Iterator[str]:
    """A PostgreSQL + PostGIS cluster in a temp dir on a Unix socket; yields a database URL."""
    import glob

    import psycopg

    pg_ctl = shutil.which("pg_ctl") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))), None)
    if not pg_ctl:
        raise SystemExit("no PostgreSQL server binaries: give --url or apt-get install postgresql-15-postgis-3")
    bindir = Path(pg_ctl).parent
    root = os.geteuid() == 0
    pre = ["runuser", "-u", "postgres", "--"] if root else []
    tmp = Path(tempfile.mkdtemp(prefix="bingeo-bench-pg-"))
    if root:
        shutil.chown(tmp, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp / "data"
    try:
        subprocess.run(
            [
                *pre,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        opts = f"-c listen_addresses='' -k {tmp} -p {port} -c shared_buffers=512MB -c work_mem=64MB"
        subprocess.run(
            [*pre, pg_ctl, "-D", str(data), "-l", str(tmp / "log"), "-w", "-o", opts, "start"],
            check=True,
            capture_output=True,
        )
        with psycopg.connect(host=str(tmp), port=port, user="postgres", dbname="postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE bench")
        with psycopg.connect(host=str(tmp), port=port, user="postgres", dbname="bench", autocommit=True) as c:
            c.execute("CREATE EXTENSION postgis")
        yield f"postgresql://postgres@/bench?host={tmp}&port={port}"
    finally:
        subprocess.run([*pre, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def best(fn, repeat: int, setup=None):  # noqa: ANN001, ANN201
    from bingeo import _pip

    times, out = [], None
    for _ in range(repeat):
        _pip._kept.clear()  # as a new process (the command line): no grid locator kept in memory
        arg = setup() if setup else None
        t0 = time.perf_counter()
        out = fn(arg) if setup else fn()
        times.append(time.perf_counter() - t0)
    return out, min(times)


def networks_frame(n: int, seed: int, changed: float = 0.0) -> gpd.GeoDataFrame:
    polys = make_polygons(n, seed)
    if changed:
        rng = np.random.default_rng(seed + 1)
        pick = rng.random(n) < changed
        polys = polys.copy()
        polys[pick] = shapely.buffer(polys[pick], 1.0, join_style="mitre")
    return gpd.GeoDataFrame(
        {
            "network_id": [f"N{i:06d}" for i in range(n)],
            "name": [f"Net {i}" for i in range(n)],
            "kind": "bin",
            "status": "active",
        },
        geometry=polys,
        crs=28992,
    )


def members_frame(n: int, seed: int) -> gpd.GeoDataFrame:
    x, y = make_points(n, seed + 7)
    return gpd.GeoDataFrame(
        {
            "member_id": [f"M{i:07d}" for i in range(n)],
            "email": [f"m{i}@example.org" for i in range(n)],
            "consent": True,
            "role": "member",
            "status": "active",
            "networks": "N000001",
        },
        geometry=gpd.points_from_xy(x, y),
        crs=28992,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--networks", type=int, default=2000)
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--url", default=os.environ.get("BINGEO_PG_URL"), help="A PostGIS database (no schema).")
    ap.add_argument(
        "--in-database-only",
        action="store_true",
        help="Only (c): assign_in_database against reading the table and assigning in memory.",
    )
    args = ap.parse_args(argv)
    if args.url:
        return run(args, args.url)
    with throwaway_server() as url:
        return run(args, url)


def run(args: argparse.Namespace, url: str) -> int:
    import psycopg

    import bingeo
    from bingeo.stores import open_store
    from bingeo.stores.postgis_assign import assign_in_database

    tmp = Path(tempfile.mkdtemp(prefix="bingeo-bench-"))
    schemas: list[str] = []

    def new_location(kind: str) -> str:
        if kind == "gpkg":
            return str(tmp / f"{uuid.uuid4().hex[:8]}.gpkg")
        schemas.append(f"bench_{uuid.uuid4().hex[:8]}")
        return f"{url}&schema={schemas[-1]}" if "?" in url else f"{url}?schema={schemas[-1]}"

    nets = networks_frame(args.networks, args.seed)
    nets2 = networks_frame(args.networks, args.seed, changed=0.1)
    members = members_frame(args.members, args.seed)
    x, y = make_points(args.points, args.seed)
    points = gpd.GeoDataFrame({"pid": np.arange(args.points)}, geometry=gpd.points_from_xy(x, y), crs=28992)
    print(
        f"{args.networks:,} networks ({shapely.get_num_coordinates(nets.geometry.to_numpy()).mean():.0f} vertices "
        f"on average), {args.members:,} members, {args.points:,} points; best of {args.repeat}"
    )
    print(
        f"python {sys.version.split()[0]}, shapely {shapely.__version__}, geopandas {gpd.__version__}, "
        f"psycopg {psycopg.__version__}"
    )

    results: dict[str, dict[str, float]] = {"gpkg": {}, "postgis": {}}
    stores = {}
    try:
        for kind in () if args.in_database_only else ("gpkg", "postgis"):
            r = results[kind]

            def fresh(kind: str = kind) -> str:
                return new_location(kind)

            def first_import(loc: str) -> str:
                with open_store(loc, create=True, crs=28992) as st:
                    st.import_networks(nets, source="bench", effective=dt.date(2020, 1, 1))
                return loc

            loc, r["import"] = best(first_import, args.repeat, fresh)

            def reimport(loc: str) -> None:
                with open_store(loc) as st:
                    st.import_networks(nets2, source="bench2", effective=dt.date(2024, 1, 1))

            def copy_of_first() -> str:
                return first_import(fresh())

            _, r["reimport"] = best(reimport, args.repeat, copy_of_first)

            def upsert(loc: str) -> None:
                with open_store(loc) as st:
                    st.upsert_members(members)

            _, r["members"] = best(upsert, args.repeat, lambda: first_import(fresh()))
            stores[kind] = loc

            def read_and_assign(loc: str = loc) -> pd.DataFrame:
                with open_store(loc) as st:
                    n = st.networks()
                return bingeo.assign(points, n)

            def read_and_assign_stored(loc: str = loc) -> pd.DataFrame:  # as `bingeo assign`: the stored index
                with open_store(loc) as st:
                    return bingeo.assign(points, st.networks(), store=st)

            out, r["assign"] = best(read_and_assign, args.repeat)
            r["assigned"] = float(out["network_id"].notna().sum())
            read_and_assign_stored()  # the first assign builds and saves the index
            out2, r["assign_stored"] = best(read_and_assign_stored, args.repeat)
            assert out2["network_ids"].equals(out["network_ids"]), "the stored index assigns differently"

        if args.in_database_only:
            stores["postgis"] = new_location("postgis")
            with open_store(stores["postgis"], create=True, crs=28992) as st:
                st.import_networks(nets, source="bench", effective=dt.date(2020, 1, 1))
        if not args.in_database_only:
            g, p = results["gpkg"], results["postgis"]
            print()
            print(f"{'what':48} {'GeoPackage':>12} {'PostGIS':>12} {'PostGIS/GPKG time':>18}")
            rows = [
                ("import", f"import {args.networks:,} networks (networks/s)", args.networks),
                ("reimport", "re-import, 10 % changed (networks/s)", args.networks),
                ("members", f"upsert {args.members:,} members (members/s)", args.members),
                ("assign", f"networks() + assign {args.points:,} pts (pts/s)", args.points),
                ("assign_stored", "  the same, repeated with the stored index", args.points),
            ]
            for key, label, n in rows:
                print(
                    f"{label:48} {n / g[key]:>12,.0f} {n / p[key]:>12,.0f} {p[key] / g[key]:>17.2f}x"
                    f"   ({g[key]:.3f} s vs {p[key]:.3f} s)"
                )
            assert g["assigned"] == p["assigned"], "the two stores assign differently"
            for kind, r in results.items():
                print(
                    f"RESULT {kind}: repeated assign with the stored index {r['assign_stored']:.3f} s vs a fresh build "
                    f"{r['assign']:.3f} s: {r['assign'] / r['assign_stored']:.2f}x"
                )

        # (c) a points table already in PostGIS
        with open_store(stores["postgis"]) as st:
            conn = st._conn
            conn.execute(f'CREATE TABLE "{st.schema}".pts (pid integer, geom geometry(Point, 28992))')
            hexes = shapely.to_wkb(shapely.set_srid(points.geometry.to_numpy(), 28992), hex=True, include_srid=True)
            t0 = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f'COPY "{st.schema}".pts (pid, geom) FROM STDIN') as cp:
                for pid, h in zip(points["pid"].tolist(), hexes):
                    cp.write_row((pid, h))
            conn.execute(f'ANALYZE "{st.schema}".pts')
            load = time.perf_counter() - t0

            def in_db() -> dict[str, int]:
                return assign_in_database(st, "pts", output="pts_out", replace=True)

            def in_memory() -> gpd.GeoDataFrame:
                rows = conn.execute(f'SELECT pid, ST_AsBinary(geom) FROM "{st.schema}".pts').fetchall()
                frame = gpd.GeoDataFrame(
                    {"pid": [r[0] for r in rows]}, geometry=shapely.from_wkb([bytes(r[1]) for r in rows]), crs=st.crs
                )
                return bingeo.assign(frame, st.networks(), store=st)  # the same stored index as in_db

            in_db()  # the first run builds and saves the index; both routes then read it
            # interleaved (one of each in turn), so that a change of load meets both routes alike
            pairs = [(best(in_db, 1), best(in_memory, 1)) for _ in range(args.repeat)]
            counts, mem = pairs[-1][0][0], pairs[-1][1][0]
            t_db, t_mem = min(p[0][1] for p in pairs), min(p[1][1] for p in pairs)
            ratios = sorted(p[0][1] / p[1][1] for p in pairs)
            _, t_assign_only = best(lambda: bingeo.assign(points, st.networks(), store=st), args.repeat)
            got = conn.execute(f'SELECT pid, network_ids FROM "{st.schema}".pts_out ORDER BY pid').fetchall()
            same = [r[1] for r in got] == mem.sort_values("pid")["network_ids"].astype(object).where(
                mem["network_ids"].notna(), None
            ).tolist()
        print()
        print(f"points table in PostGIS: {args.points:,} rows (COPY in {load:.1f} s)")
        label = "in-database (assign_in_database, result table)"
        print(f"{label:48} {t_db:8.2f} s  {args.points / t_db:>12,.0f} pts/s")
        print(f"{'in-memory (read table + bingeo.assign)':48} {t_mem:8.2f} s  {args.points / t_mem:>12,.0f} pts/s")
        print(f"{'  of which bingeo.assign alone':48} {t_assign_only:8.2f} s")
        print(
            f"RESULT ratio in-database / in-memory time: {t_db / t_mem:.2f}x (best of each; pairs "
            f"{ratios[0]:.2f}-{ratios[-1]:.2f}x, median {ratios[len(ratios) // 2]:.2f}x) "
            f"({'in-database slower' if t_db > t_mem else 'in-database faster'}); "
            f"assigned {counts['assigned']:,} of {counts['points']:,}; identical answers: {same}"
        )
        return 0 if same else 1
    finally:
        with psycopg.connect(url, autocommit=True) as c:
            for s in schemas:
                c.execute(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
