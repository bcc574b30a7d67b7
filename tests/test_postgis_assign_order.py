"""``assign_in_database`` matches each code to its row by position: rows with holes, chunks, and sjoin.

The output is written in one pass over the points (the n-th row read gets the n-th code), so these tests
give it tables whose physical order has holes (deleted rows, updated rows moved to the end, rows without a
point or with an empty one in the middle) and cut the read and the write into many small ranges; every
row's networks are compared with geopandas' ``sjoin`` (an independent reference: the networks covering the
point, the smallest first, ties by id) on Groningen's real CBS buurten and wijken.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo.stores import open_store, postgis_assign
from bingeo.stores.postgis_assign import assign_in_database
from tests.test_postgis_assign import groningen_networks

pytestmark = pytest.mark.requires("real-data")


def sjoin_reference(points: gpd.GeoDataFrame, nets: gpd.GeoDataFrame) -> pd.DataFrame:
    """network_id, network_name and network_ids of every point by geopandas' sjoin (covers = intersects here)."""
    n = nets[["network_id", "name", "geometry"]].assign(area=nets.geometry.area)
    hits = gpd.sjoin(points[["pid", "geometry"]], n, predicate="intersects", how="inner")
    hits = hits.sort_values(["pid", "area", "network_id"])
    first = hits.drop_duplicates("pid").set_index("pid")
    ids = hits.groupby("pid")["network_id"].agg(";".join)
    out = pd.DataFrame({"pid": points["pid"].to_numpy()}).set_index("pid")
    out["network_id"] = first["network_id"]
    out["network_name"] = first["name"]
    out["network_ids"] = ids
    return out.astype(object).where(out.notna(), None).reset_index().sort_values("pid").reset_index(drop=True)


@pytest.fixture
def groningen_store(postgis_store_url):
    with open_store(postgis_store_url, create=True, crs=28992) as st:
        st.import_networks(groningen_networks(), source="cbs", effective=dt.date(2017, 1, 1))
        yield st


def test_rows_with_holes_and_small_ranges_equal_sjoin(groningen_store, monkeypatch):
    st = groningen_store
    nets = st.networks()
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = nets.total_bounds
    n = 6000
    xy = np.c_[rng.uniform(minx - 300, maxx + 300, n), rng.uniform(miny - 300, maxy + 300, n)]
    xy[::11] = shapely.get_coordinates(nets.geometry.to_numpy())[: len(xy[::11])]  # points on boundaries
    s, conn = st.schema, st._conn
    conn.execute(f'CREATE TABLE "{s}".pts (pid integer, note text, geom geometry(Point, 28992))')
    with conn.cursor() as cur, cur.copy(f'COPY "{s}".pts (pid, note, geom) FROM STDIN') as copy:
        for i, (x, y) in enumerate(xy.tolist()):
            geom = (
                None if i % 97 == 5 else "SRID=28992;POINT EMPTY" if i % 89 == 7 else f"SRID=28992;POINT({x!r} {y!r})"
            )
            copy.write_row((i, "x" * (i % 50), geom))
    # holes in the physical order: deleted rows, and updated rows (their new versions go to the end)
    conn.execute(f'DELETE FROM "{s}".pts WHERE pid % 13 = 3')
    conn.execute(f"UPDATE \"{s}\".pts SET note = note || 'moved' WHERE pid % 17 = 2")
    conn.commit()
    pages = conn.execute(f"SELECT pg_relation_size('\"{s}\".pts') / 8192").fetchone()[0]
    monkeypatch.setattr(postgis_assign, "PAGES", 4)  # many reads and writes (CREATE TABLE AS, then INSERTs)
    assert pages > 20
    counts = assign_in_database(st, "pts", output="out")

    rows = conn.execute(f'SELECT pid, ST_AsBinary(geom) FROM "{s}".pts').fetchall()
    pts = gpd.GeoDataFrame(
        {"pid": [r[0] for r in rows]},
        geometry=shapely.from_wkb([None if r[1] is None else bytes(r[1]) for r in rows]),
        crs=28992,
    )
    want = sjoin_reference(pts[~pts.geometry.isna() & ~pts.geometry.is_empty], nets)
    want = pd.DataFrame({"pid": sorted(pts["pid"])}).merge(want, on="pid", how="left")
    want = want.astype(object).where(want.notna(), None)
    got = pd.DataFrame(
        conn.execute(f'SELECT pid, network_id, network_name, network_ids FROM "{s}".out ORDER BY pid').fetchall(),
        columns=["pid", "network_id", "network_name", "network_ids"],
    ).astype(object)
    pd.testing.assert_frame_equal(got.where(got.notna(), None), want)
    # every column of the points kept, in order, then the three new ones
    cols = [r[0] for r in conn.execute(f'SELECT * FROM "{s}".out LIMIT 0').description]
    assert cols == ["pid", "note", "geom", "network_id", "network_name", "network_ids"]
    assert conn.execute(f"SELECT count(*) FROM \"{s}\".out WHERE note LIKE '%moved'").fetchone()[0] > 300
    assert counts["points"] == len(pts) and counts["assigned"] == int(want["network_id"].notna().sum())
    assert 0 < want["network_id"].isna().sum() < len(pts) and (want["network_ids"].dropna().str.count(";") == 1).any()


def test_views_and_partitioned_tables_are_refused(groningen_store, postgis_store_url):
    from click.testing import CliRunner

    from bingeo.cli.main import cli

    st = groningen_store
    s, conn = st.schema, st._conn
    conn.execute(f'CREATE TABLE "{s}".pts (pid integer, geom geometry(Point, 28992))')
    conn.execute(f'CREATE VIEW "{s}".v AS SELECT * FROM "{s}".pts')
    conn.execute(f'CREATE TABLE "{s}".parts (pid integer, geom geometry(Point, 28992)) PARTITION BY RANGE (pid)')
    conn.execute(f'CREATE TABLE "{s}".child () INHERITS ("{s}".pts)')
    conn.commit()
    for table, what in (("v", "is a view"), ("parts", "is a partitioned table"), ("pts", "with child tables")):
        with pytest.raises(bingeo.InputError, match=f"{what}.*CREATE TABLE my_points AS SELECT"):
            assign_in_database(st, table, output="x")
    conn.execute(f'CREATE TABLE "{s}".taken (network_id text, geom geometry(Point, 28992))')
    conn.commit()
    with pytest.raises(bingeo.InputError, match=r"already has columns \['network_id'\]"):
        assign_in_database(st, "taken", output="x")
    res = CliRunner().invoke(cli, ["assign", "v", "--store", postgis_store_url, "--in-database", "--output", "x"])
    assert res.exit_code == 1 and "is a view" in res.output and "Traceback" not in res.output
