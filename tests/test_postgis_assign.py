"""In-database assignment (``assign_in_database``) equals ``bingeo.assign`` on the store's networks.

Real data: Groningen's CBS buurten and wijken (a buurt lies inside its wijk: overlapping
networks, so ``network_ids`` has two ids, most specific first), with the sample incidents, the
BAG address points, polygon vertices (points exactly on boundaries), random points and a row
without geometry; and Vancouver's 2023 incidents with the city's local areas.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo.stores import open_store
from bingeo.stores.postgis_assign import assign_in_database
from tests.conftest import REAL_DATA as REAL

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
GRONINGEN = REAL / "netherlands_groningen_cbs_bag"
pytestmark = pytest.mark.requires("real-data")


def load_points(store, table: str, points: gpd.GeoDataFrame, srid: int) -> None:
    """Write ``points`` (columns pid, kind) into a PostGIS table with COPY."""
    conn = store._conn
    conn.execute(f'CREATE TABLE "{store.schema}"."{table}" (pid integer, kind text, geom geometry(Point, {srid}))')
    geoms = shapely.set_srid(points.geometry.to_numpy(), srid)
    hexes = shapely.to_wkb(geoms, hex=True, include_srid=True, output_dimension=2)
    with conn.cursor() as cur, cur.copy(f'COPY "{store.schema}"."{table}" (pid, kind, geom) FROM STDIN') as copy:
        for pid, kind, g in zip(points["pid"], points["kind"], hexes):
            copy.write_row((int(pid), kind, g))


def read_output(store, table: str) -> pd.DataFrame:
    rows = store._conn.execute(
        f'SELECT pid, network_id, network_name, network_ids FROM "{store.schema}"."{table}" ORDER BY pid'
    ).fetchall()
    return pd.DataFrame(rows, columns=["pid", "network_id", "network_name", "network_ids"])


def expected(points: gpd.GeoDataFrame, nets: gpd.GeoDataFrame) -> pd.DataFrame:
    ref = bingeo.assign(points, nets)
    out = pd.DataFrame({"pid": ref["pid"].to_numpy()})
    for c in ("network_id", "network_name", "network_ids"):
        out[c] = ref[c].astype(object).where(ref[c].notna(), None).to_numpy()
    return out.sort_values("pid").reset_index(drop=True)


def groningen_networks() -> gpd.GeoDataFrame:
    """Groningen's CBS buurten and wijken (2017) as networks: a buurt lies inside its wijk."""
    frames = []
    for name, idf, namef in (("buurt2017.zip", "BU_CODE", "BU_NAAM"), ("wijk2017.zip", "WK_CODE", "WK_NAAM")):
        nets, _, _ = bingeo.networks_from_frame(
            gpd.read_file(GRONINGEN / name), id_field=idf, name_field=namef, kind="bin", target_crs=28992
        )
        frames.append(nets)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=28992)


@pytest.fixture
def groningen(postgis_store_url):
    st = open_store(postgis_store_url, create=True, crs=28992)
    try:
        yield st, _points(st, groningen_networks(), GRONINGEN)
    finally:
        st.close()


def _points(st, nets: gpd.GeoDataFrame, base: Path) -> gpd.GeoDataFrame:
    st.import_networks(nets, source="cbs", effective=dt.date(2017, 1, 1))
    # points: sample incidents, BAG address points, boundary vertices, random points, one without geometry
    inc = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992).points.geometry
    bag = gpd.read_file(base / "verblijfsobjecten_onderwijs_RD.zip").to_crs(28992).geometry
    verts = shapely.get_coordinates(nets.geometry.to_numpy())[::7]
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = nets.total_bounds
    rand = shapely.points(rng.uniform(minx - 500, maxx + 500, 3000), rng.uniform(miny - 500, maxy + 500, 3000))
    geoms = np.concatenate([inc.to_numpy(), bag.to_numpy(), shapely.points(verts), rand, [None]])
    kinds = ["incident"] * len(inc) + ["bag"] * len(bag) + ["vertex"] * len(verts) + ["random"] * 3000 + ["none"]
    pts = gpd.GeoDataFrame({"pid": np.arange(len(geoms)), "kind": kinds}, geometry=geoms, crs=28992)
    load_points(st, "pts", pts, 28992)
    return pts


def test_groningen_in_database_equals_in_memory(groningen):
    st, pts = groningen
    counts = assign_in_database(st, "pts", output="pts_assigned")
    got, want = read_output(st, "pts_assigned"), expected(pts, st.networks())
    pd.testing.assert_frame_equal(got, want)
    assert counts["points"] == len(pts) and counts["networks"] == 123
    assert counts["assigned"] == int(want["network_id"].notna().sum())
    # overlapping networks were met: a buurt first, then its wijk
    two = want["network_ids"].dropna().str.contains(";")
    assert two.sum() > 1000 and want["network_ids"].dropna()[two].str.startswith("BU").all()
    assert want.loc[pts["kind"].eq("vertex").to_numpy(), "network_id"].notna().all()  # boundaries belong
    assert want["network_id"].isna().sum() > 100  # random points outside every network


def test_as_of_a_date_uses_the_old_boundaries(groningen):
    st, pts = groningen
    nets = st.networks()
    first = nets.iloc[0]
    shrunk = nets[nets["network_id"] == first["network_id"]].copy()
    shrunk["geometry"] = shrunk.geometry.buffer(-150)
    st.import_networks(shrunk, source="shrunk", effective=dt.date(2022, 1, 1))
    st.retire_network(nets.iloc[1]["network_id"], on="2023-01-01")
    for at in ("2020-06-01", "2024-06-01"):
        assign_in_database(st, f"{st.schema}.pts", output=f"out_{at[:4]}", at=at)
        pd.testing.assert_frame_equal(read_output(st, f"out_{at[:4]}"), expected(pts, st.networks(at=at)))
    assert not read_output(st, "out_2020").equals(read_output(st, "out_2024"))
    with pytest.raises(bingeo.StoreError, match="exists already"):
        assign_in_database(st, "pts", output="out_2020")
    assign_in_database(st, "pts", output="out_2020", replace=True)  # today's networks now
    pd.testing.assert_frame_equal(read_output(st, "out_2020"), expected(pts, st.networks()))


def test_points_in_another_crs_are_transformed(groningen):
    st, pts = groningen
    inner = pts[pts["kind"].isin(["incident", "bag"])]  # not on boundaries: a transform's last bits do not matter
    load_points(st, "pts_wgs84", inner.to_crs(4326), 4326)
    assign_in_database(st, "pts_wgs84", output="wgs84_out")
    pd.testing.assert_frame_equal(read_output(st, "wgs84_out"), expected(inner, st.networks()))


def test_bad_tables_are_refused(groningen, tmp_path):
    st, _ = groningen
    with pytest.raises(bingeo.InputError, match="does not exist"):
        assign_in_database(st, "nope", output="x")
    st._conn.execute(f'CREATE TABLE "{st.schema}".polys AS SELECT fid, geom FROM "{st.schema}".networks')
    with pytest.raises(bingeo.InputError, match="must hold points; 123 rows"):
        assign_in_database(st, "polys", output="x")
    st._conn.execute(f'CREATE TABLE "{st.schema}".naive (geom geometry)')
    st._conn.execute(f"INSERT INTO \"{st.schema}\".naive VALUES ('POINT(1 2)')")
    with pytest.raises(bingeo.InputError, match="without an SRID"):
        assign_in_database(st, "naive", output="x")
    with pytest.raises(TypeError, match="PostGIS store"):
        with open_store(tmp_path / "s.gpkg", create=True, crs=28992) as gpkg:
            assign_in_database(gpkg, "pts", output="x")


def test_vancouver_2023_incidents(postgis_store_url):
    v = pd.read_csv(REAL / "vancouver" / "vpd_crimedata_AllNeighbourhoods_2023.csv.gz")
    v = v[(v.X > 0) & v.X.notna()].reset_index(drop=True)
    pts = gpd.GeoDataFrame(
        {"pid": np.arange(len(v)), "kind": v["TYPE"]}, geometry=gpd.points_from_xy(v.X, v.Y), crs=26910
    )
    areas = gpd.read_file(REAL / "vancouver" / "vancouver_local_areas.geojson")
    nets, _, _ = bingeo.networks_from_frame(areas, id_field="mapid", name_field="name", kind="bin", target_crs=26910)
    with open_store(postgis_store_url, create=True, crs=26910) as st:
        st.import_networks(nets, source="vancouver")
        load_points(st, "vpd", pts, 26910)
        counts = assign_in_database(st, "vpd", output="vpd_assigned")
        got, want = read_output(st, "vpd_assigned"), expected(pts, st.networks())
    pd.testing.assert_frame_equal(got, want)
    assert counts["points"] == len(pts) > 30000 and 0 < counts["points"] - counts["assigned"] < 755


def test_assign_command_in_database(groningen, postgis_store_url, tmp_path):
    from click.testing import CliRunner

    from bingeo.cli.main import cli

    st, pts = groningen
    res = CliRunner().invoke(
        cli,
        ["assign", "pts", "--store", postgis_store_url, "--in-database", "--output", "pts_cli"],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    want = expected(pts, st.networks())
    assert f"{int(want['network_id'].notna().sum()):,} of {len(pts):,} points" in res.output
    pd.testing.assert_frame_equal(read_output(st, "pts_cli"), want)
    again = CliRunner().invoke(
        cli,
        ["assign", "pts", "--store", postgis_store_url, "--in-database", "--output", "pts_cli", "--replace"],
        catch_exceptions=False,
    )
    assert again.exit_code == 0, again.output
    gpkg = tmp_path / "bins.gpkg"
    bad = CliRunner().invoke(cli, ["assign", "pts", "--store", str(gpkg), "--in-database", "--output", "x"])
    assert bad.exit_code == 1 and "needs a PostGIS store" in bad.output


def test_the_store_keeps_the_network_index(groningen, monkeypatch):
    """The grid index lives in the store's schema, is read back, and is dropped when a network changes."""
    from bingeo import _pip

    monkeypatch.setattr(_pip, "KEEP_IN_MEMORY", 0)  # no locator kept in memory by an earlier test answers
    _pip._kept.clear()
    st, pts = groningen

    def saved() -> int:
        return st._conn.execute(f'SELECT count(*) FROM "{st.schema}".bingeo_network_index').fetchone()[0]

    assign_in_database(st, "pts", output="idx_1")
    assert saved() == 1
    nets = st.networks()
    assert "load" in st.network_locator(nets.geometry.to_numpy()).timings  # read, not built
    pd.testing.assert_frame_equal(bingeo.assign(pts, nets, store=st), bingeo.assign(pts, nets))
    st.retire_network(nets["network_id"].iloc[0], on="2020-01-01")
    assert saved() == 0
    assign_in_database(st, "pts", output="idx_2")
    pd.testing.assert_frame_equal(read_output(st, "idx_2"), expected(pts, st.networks()))
