"""Tests for bingeo.propose: new networks proposed around uncovered hot spots."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo._crs import crs_label, metric_crs
from bingeo.errors import CRSError, CRSMismatchError, InputError
from bingeo.propose import PROPOSAL_COLUMNS, propose_areas

CRS = 28992
TREES = ["Eik", "Beuk", "Linde", "Iep", "Es", "Berk", "Wilg", "Populier", "Esdoorn", "Kastanje"]
KINDS = ["straat", "laan", "weg"]


def town(rows: int = 6, *, x0: float = 0.0, y0: float = 0.0, households: int = 1) -> gpd.GeoDataFrame:
    """A grid of streets: ``rows`` east-west rows 80 m apart, each of three named streets
    200 m long (gaps of 40 m between them), houses every 20 m on both sides."""
    recs = []
    for r in range(rows):
        y = y0 + 80.0 * r
        for k, kind in enumerate(KINDS):
            name = f"{TREES[r % len(TREES)]}{kind}" + (f" {r // len(TREES) + 1}" if r >= len(TREES) else "")
            for i, x in enumerate(np.arange(0.0, 201.0, 20.0)):
                for side, dy in ((1, -8.0), (2, 8.0)):
                    recs.append(
                        {
                            "straat": name,
                            "huisnummer": 2 * i + side,
                            "huishoudens": households,
                            "x": x0 + 240.0 * k + x,
                            "y": y + dy,
                        }
                    )
    df = pd.DataFrame(recs)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["x"], df["y"]), crs=CRS)


def hotspots(*centres: tuple[float, float], size: float = 100.0, ids: list[str] | None = None) -> gpd.GeoDataFrame:
    h = size / 2
    return gpd.GeoDataFrame(
        {
            "hotspot_id": ids or [f"H{i + 1}" for i in range(len(centres))],
            "uncovered": [True] * len(centres),
            "rank": list(range(1, len(centres) + 1)),
        },
        geometry=[shapely.box(x - h, y - h, x + h, y + h) for x, y in centres],
        crs=CRS,
    )


def networks(*boxes: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"network_id": [f"N{i + 1}" for i in range(len(boxes))], "name": [f"BIN {i + 1}" for i in range(len(boxes))]},
        geometry=[shapely.box(*b) for b in boxes],
        crs=CRS,
    )


NO_NETWORKS = networks()


def inside(geom, points: gpd.GeoDataFrame) -> np.ndarray:
    """Brute force: which points does ``geom`` cover (one predicate call per point)."""
    return np.array([geom.covers(p) for p in points.geometry], dtype=bool)


def check_counts(row, addresses: gpd.GeoDataFrame) -> np.ndarray:
    """The reported numbers equal a point-in-polygon count of the output polygon."""
    m = inside(row.geometry, addresses)
    assert row["addresses"] == m.sum()
    assert row["households"] == addresses.loc[m, "huishoudens"].sum()
    names = sorted(set(addresses.loc[m, "straat"]))
    assert row["streets"] == "; ".join(names)
    assert row["n_streets"] == len(names)
    return m


def check_polygon(geom) -> None:
    assert geom.geom_type in ("Polygon", "MultiPolygon")
    assert geom.is_valid and not geom.is_empty and geom.area > 0


# --------------------------------------------------------------------------- synthetic


def test_network_next_to_hot_spot_is_never_overlapped():
    adr = town()
    # the network covers the middle and east streets of every row, right next to the hot spot
    nets = networks((220.0, -60.0, 800.0, 480.0))
    hs = hotspots((150.0, 160.0))
    out = propose_areas(hs, adr, nets, min_households=50, max_households=120)
    assert list(out.columns) == [c for c in PROPOSAL_COLUMNS if c != "incidents"]
    assert len(out) == 1
    row = out.iloc[0]
    check_polygon(row.geometry)
    assert row.geometry.intersection(nets.geometry.iloc[0]).area == 0
    assert 50 <= row["households"] <= 120
    assert row["reached_target"]
    m = check_counts(row, adr)
    # nothing inside the network is counted, and the chosen streets are whole
    assert not inside(nets.geometry.iloc[0], adr[m]).any()
    assert row["partial_streets"] == ""
    # the hot spot lies on Lindestraat: it and the nearest parallel streets west of the network
    assert row["streets"] == "Beukstraat; Iepstraat; Lindestraat"
    assert row.geometry.distance(nets.geometry.iloc[0]) < 0.01  # it does reach the network
    assert row["proposal_id"] == "P1" and row["hotspot_id"] == "H1"
    assert out.crs == adr.crs


def test_network_overlapping_the_hot_spot_is_cut_out():
    adr = town()
    nets = networks((120.0, 100.0, 400.0, 220.0))  # covers half the hot spot and two streets
    out = propose_areas(hotspots((150.0, 160.0)), adr, nets, min_households=50, max_households=150)
    row = out.iloc[0]
    check_polygon(row.geometry)
    assert row.geometry.intersection(nets.geometry.iloc[0]).area == 0
    check_counts(row, adr)
    assert 50 <= row["households"] <= 150


def test_address_on_a_network_edge_belongs_to_the_network():
    adr = town(1)
    nets = networks((240.0, -50.0, 700.0, 50.0))  # Eiklaan starts exactly on the network's edge
    on_edge = adr.geometry.x == 240.0
    assert on_edge.sum() == 2
    out = propose_areas(hotspots((100.0, 0.0)), adr, nets, min_households=30)
    row = out.iloc[0]
    assert row["households"] == 22 and row["streets"] == "Eikstraat"
    assert not inside(row.geometry, adr[on_edge]).any()
    assert row.geometry.intersection(nets.geometry.iloc[0]).area == 0
    check_counts(row, adr)


def test_stops_inside_a_street_at_max_households():
    # one long street of 102 houses, 3 households each: whole it is 306 > max
    xs = np.arange(0.0, 510.0, 10.0)
    adr = gpd.GeoDataFrame(
        {"straat": ["Lange Laan"] * (2 * len(xs)), "huishoudens": 3},
        geometry=gpd.points_from_xy(np.r_[xs, xs], np.r_[np.full(len(xs), -8.0), np.full(len(xs), 8.0)]),
        crs=CRS,
    )
    out = propose_areas(hotspots((0.0, 0.0)), adr, NO_NETWORKS, min_households=60, max_households=90)
    row = out.iloc[0]
    assert 60 <= row["households"] <= 90
    assert row["reached_target"]
    assert row["partial_streets"] == "Lange Laan"
    check_counts(row, adr)


def test_a_namesake_street_far_away_does_not_make_a_street_partial():
    adr = town(3)
    far = town(1, x0=20_000.0)  # another village with an Eikstraat
    both = pd.concat([adr, far], ignore_index=True)
    row = propose_areas(hotspots((100.0, 0.0)), both, NO_NETWORKS, min_households=20).iloc[0]
    assert row["streets"] == "Eikstraat" and row["partial_streets"] == ""
    check_counts(row, both)


def test_max_households_is_never_passed_even_when_the_hull_takes_in_a_block_of_flats():
    adr = town(3)
    # a block of flats between the two first rows, 200 households: it may never be inside
    flats = gpd.GeoDataFrame(
        {"straat": ["Flatweg"], "huishoudens": [200]}, geometry=[shapely.Point(100.0, 40.0)], crs=CRS
    )
    adr = pd.concat([adr, flats], ignore_index=True)
    out = propose_areas(hotspots((100.0, 0.0)), adr, NO_NETWORKS, min_households=30, max_households=100)
    row = out.iloc[0]
    assert row["households"] <= 100
    assert not row.geometry.covers(flats.geometry.iloc[0])
    check_counts(row, adr)


@pytest.mark.parametrize("gap", [260.0, 400.0], ids=["adjacent-areas", "apart"])
def test_two_hot_spots_close_together_get_proposals_that_do_not_overlap(gap):
    adr = town(8)
    hs = hotspots((100.0, 200.0), (100.0 + gap, 200.0))
    out = propose_areas(hs, adr, NO_NETWORKS, min_households=60, max_households=100)
    assert len(out) == 2
    assert list(out["hotspot_id"]) == ["H1", "H2"]
    a, b = out.geometry
    assert a.intersection(b).area == 0
    for _, row in out.iterrows():
        check_polygon(row.geometry)
        check_counts(row, adr)
        assert row["households"] <= 100
    # no address is counted twice
    assert not (inside(a, adr) & inside(b, adr)).any()


def test_hot_spots_within_merge_distance_get_one_proposal():
    adr = town(6)
    hs = hotspots((100.0, 120.0), (100.0, 220.0), ids=["A", "B"])  # 0 m apart (touching)
    out = propose_areas(hs, adr, NO_NETWORKS, min_households=60, max_households=200)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["hotspot_id"] == "A;B"
    assert "one proposal" in row["note"]
    check_counts(row, adr)
    # 100 m apart: two proposals below that merge distance, one above it
    hs2 = hotspots((100.0, 100.0), (100.0, 300.0), ids=["A", "B"])
    assert len(propose_areas(hs2, adr, NO_NETWORKS, min_households=40, merge_distance=50)) == 2
    assert len(propose_areas(hs2, adr, NO_NETWORKS, min_households=40, merge_distance=150)) == 1


def test_later_hot_spot_cannot_take_the_addresses_of_an_earlier_one():
    adr = town(2)  # 132 households in all
    hs = hotspots((100.0, 40.0), (340.0, 40.0))
    out = propose_areas(hs, adr, NO_NETWORKS, min_households=100, max_households=130)
    assert len(out) == 2
    first, second = out.iloc[0], out.iloc[1]
    assert first["reached_target"] and not second["reached_target"]
    assert "earlier proposals" in second["note"]
    assert first.geometry.intersection(second.geometry).area == 0
    for _, row in out.iterrows():
        check_polygon(row.geometry)
        check_counts(row, adr)


def test_not_enough_addresses_gives_a_valid_polygon_and_says_why():
    adr = town(1).iloc[:20]  # 20 households
    out = propose_areas(hotspots((100.0, 0.0)), adr, NO_NETWORKS, min_households=50)
    row = out.iloc[0]
    assert not row["reached_target"]
    assert "only 20 households" in row["note"] and "min_households=50" in row["note"]
    check_polygon(row.geometry)
    check_counts(row, adr)
    assert row["households"] == 20


def test_not_enough_addresses_outside_networks_mentions_the_networks():
    adr = town(3)
    nets = networks((-50.0, 60.0, 800.0, 300.0), (300.0, -50.0, 800.0, 60.0))  # leaves 2 streets of row 0 free
    out = propose_areas(hotspots((100.0, 0.0)), adr, nets, min_households=100)
    row = out.iloc[0]
    assert not row["reached_target"]
    # 22 + 6 free addresses; 2 x 66 + 16 + 22 inside the networks (2 of them on an edge: the network's)
    assert "only 28 households" in row["note"]
    assert "28 households live within 1000 m outside networks" in row["note"]
    assert "170 more lie inside existing networks" in row["note"]
    check_polygon(row.geometry)
    assert row.geometry.intersection(nets.union_all()).area == 0
    check_counts(row, adr)


def test_no_addresses_at_all_falls_back_to_the_hot_spot_outline():
    adr = town(1)
    hs = hotspots((5000.0, 5000.0))
    out = propose_areas(hs, adr, NO_NETWORKS)
    row = out.iloc[0]
    assert not row["reached_target"] and row["households"] == 0
    assert "hot spot's own outline" in row["note"]
    assert row.geometry.equals(hs.geometry.iloc[0])


def test_include_hotspot_covers_the_hot_spot():
    adr = town(6)
    hs = hotspots((330.0, 500.0), size=120)  # north of the town, no addresses inside
    plain = propose_areas(hs, adr, NO_NETWORKS).iloc[0]
    full = propose_areas(hs, adr, NO_NETWORKS, include_hotspot=True).iloc[0]
    assert plain["hotspot_share"] < 0.5
    assert full["hotspot_share"] == pytest.approx(1.0)
    check_counts(full, adr)


def test_households_default_to_one_per_address_and_other_column_names():
    adr = town(2).rename(columns={"straat": "street"}).drop(columns="huishoudens")
    out = propose_areas(hotspots((100.0, 0.0)), adr, NO_NETWORKS, min_households=30)
    row = out.iloc[0]
    assert row["households"] == row["addresses"]
    assert "Eikstraat" in row["streets"]
    named = adr.rename(columns={"street": "naam_straat"}).assign(n=2)
    row2 = propose_areas(
        hotspots((100.0, 0.0)), named, NO_NETWORKS, min_households=30, street_field="naam_straat", households_field="n"
    ).iloc[0]
    assert row2["households"] == 2 * row2["addresses"]


def test_without_a_street_column_lists_no_streets(caplog):
    adr = town(2).drop(columns="straat")
    with caplog.at_level(logging.WARNING, logger="bingeo.propose"):
        out = propose_areas(hotspots((100.0, 0.0)), adr, NO_NETWORKS, min_households=30)
    assert "no street column" in caplog.text
    assert out.iloc[0]["streets"] == "" and out.iloc[0]["n_streets"] == 0
    assert out.iloc[0]["households"] >= 30


def test_incidents_are_counted_inside():
    adr = town(4)
    rng = np.random.default_rng(1)
    xy = rng.normal([100.0, 120.0], 80.0, size=(300, 2))
    inc = gpd.GeoDataFrame({"n": range(300)}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)
    out = propose_areas(hotspots((100.0, 120.0)), adr, NO_NETWORKS, incidents=inc)
    assert list(out.columns) == PROPOSAL_COLUMNS
    row = out.iloc[0]
    assert row["incidents"] == inside(row.geometry, inc).sum() > 0


def test_hot_spots_without_uncovered_column_are_checked_against_networks():
    adr = town(6)
    nets = networks((0.0, 300.0, 220.0, 500.0))
    hs = hotspots((100.0, 400.0), (330.0, 80.0)).drop(columns="uncovered")
    out = propose_areas(hs, adr, nets)
    assert list(out["hotspot_id"]) == ["H2"]
    assert len(propose_areas(hs, adr, nets, only_uncovered=False)) == 2


def test_rank_orders_the_hot_spots():
    adr = town(2)
    hs = hotspots((100.0, 40.0), (340.0, 40.0))
    hs["rank"] = [2, 1]
    out = propose_areas(hs, adr, NO_NETWORKS, min_households=100, max_households=130)
    assert list(out["hotspot_id"]) == ["H2", "H1"]
    assert out.iloc[0]["reached_target"]


def test_no_uncovered_hot_spots_returns_an_empty_frame_and_logs(caplog):
    hs = hotspots((100.0, 40.0))
    hs["uncovered"] = False
    with caplog.at_level(logging.INFO, logger="bingeo.propose"):
        out = propose_areas(hs, town(2), NO_NETWORKS)
    assert "no uncovered hot spots" in caplog.text
    assert isinstance(out, gpd.GeoDataFrame) and len(out) == 0
    assert list(out.columns) == [c for c in PROPOSAL_COLUMNS if c != "incidents"]
    assert out.crs == CRS


def test_inputs_are_not_changed():
    adr, hs, nets = town(3), hotspots((100.0, 40.0)), networks((300.0, 0.0, 500.0, 100.0))
    before = [f.copy() for f in (adr, hs, nets)]
    propose_areas(hs, adr, nets)
    for f, b in zip((adr, hs, nets), before):
        pd.testing.assert_frame_equal(pd.DataFrame(f), pd.DataFrame(b))


def test_progress_and_cancel():
    adr = town(8)
    hs = hotspots((100.0, 0.0), (580.0, 560.0))
    seen: list[float] = []
    propose_areas(hs, adr, NO_NETWORKS, min_households=30, progress=seen.append)
    assert seen == [0.5, 1.0]
    out = propose_areas(
        hs, adr, NO_NETWORKS, min_households=30, is_cancelled=lambda: len(seen) > 2, progress=seen.append
    )
    assert len(out) == 1


def test_whatsapp_within_256_is_fine():
    out = propose_areas(hotspots((100.0, 0.0)), town(2), NO_NETWORKS, kind="whatsapp", max_households=256)
    assert len(out) == 1


# --------------------------------------------------------------------------- errors


def _args():
    return hotspots((100.0, 0.0)), town(2), NO_NETWORKS


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda h, a, n, kw: (h, pd.DataFrame(a), n, kw), TypeError, "`addresses` should be a GeoDataFrame"),
        (lambda h, a, n, kw: (h, a.set_crs(None, allow_override=True), n, kw), CRSError, "naive geometries"),
        (lambda h, a, n, kw: (h.to_crs(3857), a, n, kw), CRSMismatchError, "CRS mismatch between addresses"),
        (lambda h, a, n, kw: (h, a, n.to_crs(31370), kw), CRSMismatchError, "networks"),
        (
            lambda h, a, n, kw: (h, a, n, {"incidents": a.to_crs(3857)}),
            CRSMismatchError,
            "incidents",
        ),
        (
            lambda h, a, n, kw: (h, a, n, {"min_households": 300, "max_households": 200}),
            InputError,
            "`min_households` \\(300\\) is larger than `max_households` \\(200\\)",
        ),
        (
            lambda h, a, n, kw: (h, a, n, {"kind": "whatsapp", "max_households": 300}),
            InputError,
            "WhatsApp group.*256.*max_households=256",
        ),
        (lambda h, a, n, kw: (h, a, n, {"kind": "zbin"}), InputError, "`kind` must be one of 'bin', 'whatsapp'"),
        (lambda h, a, n, kw: (h, a, n, {"street_field": "weg"}), InputError, "`street_field`='weg' is not a column"),
        (lambda h, a, n, kw: (h, a, n, {"buffer": -5}), InputError, "`buffer` must be"),
        (lambda h, a, n, kw: (h, a, n, {"min_households": "50"}), TypeError, "`min_households` should be a number"),
        (lambda h, a, n, kw: (h, a, n, {"concave_ratio": 2}), InputError, "between 0 and 1"),
        (
            lambda h, a, n, kw: (h, a.assign(huishoudens=-1), n, kw),
            InputError,
            "negative households",
        ),
    ],
    ids=[
        "not-a-geodataframe",
        "no-crs",
        "crs-hotspots",
        "crs-networks",
        "crs-incidents",
        "min-above-max",
        "whatsapp-over-256",
        "unknown-kind",
        "missing-street-field",
        "negative-buffer",
        "min-not-a-number",
        "ratio-above-1",
        "negative-households",
    ],
)
def test_errors(change, error, match):
    h, a, n = _args()
    h, a, n, kw = change(h, a, n, {})
    with pytest.raises(error, match=match):
        propose_areas(h, a, n, **kw)


def test_inputs_in_degrees_are_worked_in_metres():
    """Issue 13: addresses in degrees no longer fail; the work is done in the place's metric grid."""
    h, a, n = (f.to_crs(4326) for f in _args())
    out = propose_areas(h, a, n, min_households=20)
    metric = metric_crs(a)[0]
    ref = propose_areas(h.to_crs(metric), a.to_crs(metric), n.to_crs(metric), min_households=20)
    assert out.crs.to_epsg() == 4326 and len(out) == len(ref) > 0
    assert out["households"].tolist() == ref["households"].tolist()
    assert "worked in " + crs_label(metric) in out.attrs["notes"][0]


# --------------------------------------------------------------------------- sample data

SAMPLE_HOT_SPOTS = {"H3": (231300.0, 582200.0), "H4": (229700.0, 580250.0), "H5": (233350.0, 578500.0)}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, samples):
    store_path = tmp_path_factory.mktemp("propose") / "bins.gpkg"
    bingeo.import_networks(samples / "networks.gpkg", store_path)
    nets = bingeo.open_store(store_path).networks()
    adr = bingeo.read_points(samples / "addresses.csv", crs=28992).points
    inc = bingeo.read_points(samples / "incidents.csv", crs=28992).points
    # hot spots as hotspots.py would give them: 3x3 cells of 100 m around the planted centres
    hs = gpd.GeoDataFrame(
        {"hotspot_id": list(SAMPLE_HOT_SPOTS), "uncovered": True, "rank": [1, 2, 3]},
        geometry=[shapely.box(x - 150, y - 150, x + 150, y + 150) for x, y in SAMPLE_HOT_SPOTS.values()],
        crs=nets.crs,
    )
    out = propose_areas(hs, adr, nets, incidents=inc)
    return out, adr, inc, nets


def test_sample_three_proposals_in_range(sample_run):
    out, adr, inc, nets = sample_run
    assert list(out["hotspot_id"]) == ["H3", "H4", "H5"]
    assert out["reached_target"].all()
    assert out["households"].between(50, 250).all()
    union = nets.union_all()
    for _, row in out.iterrows():
        check_polygon(row.geometry)
        assert row.geometry.intersection(union).area == 0
        check_counts(row, adr)
        assert row["incidents"] == inside(row.geometry, inc).sum() > 0
        assert row["n_streets"] >= 1
    geoms = list(out.geometry)
    assert all(geoms[i].intersection(geoms[j]).area == 0 for i in range(3) for j in range(i + 1, 3))


def test_sample_proposals_are_compact_and_near_their_hot_spot(sample_run):
    out, *_ = sample_run
    for _, row in out.iterrows():
        g = row.geometry
        assert 4 * np.pi * g.area / g.length**2 >= 0.4  # Polsby-Popper: no corridors or spikes
        x, y = SAMPLE_HOT_SPOTS[row["hotspot_id"]]
        assert g.distance(shapely.box(x - 150, y - 150, x + 150, y + 150)) < 100


def test_sample_include_hotspot_covers_the_hot_spots(sample_run):
    _, adr, inc, nets = sample_run
    hs = gpd.GeoDataFrame(
        {"hotspot_id": list(SAMPLE_HOT_SPOTS), "uncovered": True},
        geometry=[shapely.box(x - 150, y - 150, x + 150, y + 150) for x, y in SAMPLE_HOT_SPOTS.values()],
        crs=nets.crs,
    )
    out = propose_areas(hs, adr, nets, incidents=inc, include_hotspot=True)
    assert len(out) == 3
    assert out["hotspot_share"].round(6).eq(1.0).all()  # the hot spots lie outside every network
    assert out["households"].between(50, 250).all()
    for _, row in out.iterrows():
        check_polygon(row.geometry)
        assert row.geometry.intersection(nets.union_all()).area == 0
        check_counts(row, adr)
        assert row["incidents"] == inside(row.geometry, inc).sum()


def test_sample_written_and_read_back(sample_run, tmp_path):
    out, *_ = sample_run
    path = tmp_path / "new.gpkg"
    out.to_file(path, layer="proposals")
    back = gpd.read_file(path, layer="proposals")
    assert list(back["households"]) == list(out["households"])
    assert list(back["streets"]) == list(out["streets"])
