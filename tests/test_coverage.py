"""coverage() against a brute-force count of addresses covered by each network, on the sample data."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import bingeo
from bingeo.coverage import coverage

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    store = tmp_path_factory.mktemp("cov") / "bins.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", store)
    with bingeo.open_store(store) as st:
        nets = st.networks()
    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
    return nets, adr


def test_per_network_equals_brute_force(sample):
    nets, adr = sample
    rep = coverage(nets, adr)
    hh = adr["huishoudens"].to_numpy()
    geoms = adr.geometry.to_numpy()
    per = rep.networks.set_index("network_id")
    for nid, poly in zip(nets["network_id"], nets.geometry):
        inside = shapely.covers(poly, geoms)
        assert per.loc[nid, "addresses"] == inside.sum()
        assert per.loc[nid, "households"] == hh[inside].sum()
    covered = np.zeros(len(adr), bool)
    for poly in nets.geometry:
        covered |= shapely.covers(poly, geoms)
    assert rep.totals["covered_addresses"] == covered.sum()
    assert rep.totals["covered_households"] == hh[covered].sum()
    assert rep.totals["households"] == hh.sum()


def test_nested_whatsapp_group_shares_its_addresses(sample):
    nets, adr = sample
    rep = coverage(nets, adr)
    ov = rep.overlaps.set_index(["network_id_a", "network_id_b"])
    wab = rep.networks.set_index("network_id").loc["GR-WAB-001"]
    assert ov.loc[("GR-BIN-001", "GR-WAB-001"), "shared_addresses"] == wab["addresses"] > 0
    assert wab["exclusive_addresses"] == 0


def test_by_municipality_and_by_area_polygons(sample):
    nets, adr = sample
    rep = coverage(nets, adr, by="municipality")  # address column woonplaats
    assert rep.areas["addresses"].sum() == len(adr)
    assert rep.areas["covered_addresses"].sum() == rep.totals["covered_addresses"]
    # area polygons: west/east halves of the city
    minx, miny, maxx, maxy = adr.total_bounds
    mid = (minx + maxx) / 2
    halves = gpd.GeoDataFrame(
        {"zone": ["west", "east"]},
        geometry=[shapely.box(minx - 1, miny - 1, mid, maxy + 1), shapely.box(mid, miny - 1, maxx + 1, maxy + 1)],
        crs=28992,
    )
    rep2 = coverage(nets, adr, areas=halves, area_field="zone")
    a = rep2.areas.set_index("area")
    west = adr.geometry.x <= mid
    assert a.loc["west", "addresses"] + a.loc["east", "addresses"] == len(adr)
    assert a.loc["west", "addresses"] == west.sum()  # random coordinates: none lies on the split line
    assert 0 <= a.loc["west", "covered_share"] <= 1
    assert "Coverage by zone" in rep2.summary()


def test_errors(sample):
    nets, adr = sample
    with pytest.raises(bingeo.InputError, match="cannot group addresses by 'district'"):
        coverage(nets, adr, by="district")
    with pytest.raises(bingeo.CRSMismatchError):
        coverage(nets, adr.to_crs(4326))
    with pytest.raises(bingeo.InputError, match="no households column 'hh2'"):
        coverage(nets, adr, households_field="hh2")


def test_without_households_every_address_counts_once():
    nets = gpd.GeoDataFrame({"network_id": ["A"], "name": ["A"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=28992)
    adr = gpd.GeoDataFrame(geometry=gpd.points_from_xy([1, 2, 30], [1, 2, 30]), crs=28992)
    rep = coverage(nets, adr)
    assert rep.networks.loc[0, "households"] == 2 and rep.totals["households"] == 3
    assert rep.overlaps.empty and rep.areas is None
