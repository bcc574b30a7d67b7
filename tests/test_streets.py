"""Streets → polygon → streets on real address points (Vancouver property addresses, the sample's BAG).

References: geopandas' sjoin for which addresses a polygon holds (independent of the STRtree query
``streets_in_areas`` uses), a plain-Python reading of a charter row for which addresses it lists.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import bingeo
from benchmarks.streets import charters
from bingeo.streets import (
    address_table,
    network_from_streets,
    normalise_street,
    parse_house_number,
    read_charter,
    select_addresses,
    streets_in_areas,
)
from tests.conftest import REAL_DATA, require

ROOT = Path(__file__).resolve().parents[1]
VANCOUVER = REAL_DATA / "vancouver" / "vancouver_property_addresses_sample.csv.gz"
N_NETWORKS = 30


@pytest.fixture(scope="module")
def bag() -> gpd.GeoDataFrame:
    return bingeo.read_points(ROOT / "data/samples/addresses.csv", crs=28992).points


@pytest.fixture(scope="module")
def vancouver() -> gpd.GeoDataFrame:
    require("real-data")
    pts = bingeo.read_points(VANCOUVER).points
    return pts.to_crs(3005)  # BC Albers, metres


def _reference_selection(rec: dict, table: pd.DataFrame) -> set[int]:
    """Which addresses a charter row lists, read by hand: same street, side, number range."""
    out = set()
    lo = parse_house_number(rec["from"]) if rec["from"] else None
    hi = parse_house_number(rec["to"]) if rec["to"] else None
    street = np.flatnonzero((table["street_key"] == normalise_street(rec["street"])).to_numpy())
    for i in street:
        n, s = table["number"].iat[i], table["suffix"].iat[i]
        if pd.isna(n):
            continue
        n = int(n)
        if {"odd": n % 2 == 1, "even": n % 2 == 0, "both": True}[rec["side"]] is False:
            continue
        if lo and (n < lo[0] or (lo[1] and n == lo[0] and s < lo[1])):
            continue
        if hi and (n > hi[0] or (hi[1] and n == hi[0] and s > hi[1])):
            continue
        out.add(i)
    return out


def _held(areas: gpd.GeoDataFrame, pts: gpd.GeoDataFrame) -> dict[str, set[int]]:
    joined = gpd.sjoin(pts.reset_index(drop=True), areas[["network_id", "geometry"]], predicate="within")
    on_edge = gpd.sjoin(pts.reset_index(drop=True), areas[["network_id", "geometry"]], predicate="touches")
    both = pd.concat([joined, on_edge])
    return {nid: set(g.index) for nid, g in both.groupby("network_id")}


def _round_trip(pts: gpd.GeoDataFrame, seed: int) -> dict[str, float]:
    table = address_table(pts).reset_index(drop=True)
    charter = read_charter(charters(table, N_NETWORKS, seed))
    res = network_from_streets(charter, pts)
    assert not res.misses
    assert len(res.networks) == N_NETWORKS
    held = _held(res.networks, pts)
    xy = np.round(np.column_stack([table.geometry.x, table.geometry.y]), 3)
    same_point = 0
    for nid, rows in charter.groupby("network_id"):
        listed = set().union(*(_reference_selection(r, table) for r in rows.to_dict("records")))
        assert listed <= held[nid], nid  # every listed address is inside
        extra = held[nid] - listed
        # a foreign address inside shares its point with a listed one, and the summary names it
        listed_points = {tuple(xy[i]) for i in listed}
        assert all(tuple(xy[i]) in listed_points for i in extra), nid
        assert len(extra) == int((res.foreign["network_id"] == nid).sum())
        same_point += len(extra)
    # polygon → streets → the list selects exactly what the polygon holds
    first = streets_in_areas(res.networks, pts)
    chosen, misses = select_addresses(read_charter(first), table)
    assert not misses
    for nid, idx in held.items():
        assert set(np.flatnonzero((chosen == nid).to_numpy())) == idx, nid
    # → polygon → streets again: the same list
    again = streets_in_areas(network_from_streets(first, pts).networks, pts)
    pd.testing.assert_frame_equal(first, again)
    return {"addresses": sum(len(v) for v in held.values()), "same_point": same_point}


def test_round_trip_bag(bag: gpd.GeoDataFrame) -> None:
    figures = _round_trip(bag, seed=1)
    assert figures["addresses"] > 500


def test_round_trip_vancouver(vancouver: gpd.GeoDataFrame) -> None:
    figures = _round_trip(vancouver, seed=2)
    assert figures["addresses"] > 500


def test_vancouver_in_degrees_gives_polygons_in_degrees(vancouver: gpd.GeoDataFrame) -> None:
    pts = vancouver.to_crs(4326)
    charter = pd.DataFrame({"network": ["V1"], "street": ["East 11th Avenue"], "from": ["1"], "to": ["199"]})
    res = network_from_streets(charter, pts)
    assert res.networks.crs.to_epsg() == 4326
    assert any("worked in" in n for n in res.notes)
    table = address_table(pts)
    want = table[(table["street"] == "E 11TH AV") & (table["number"] <= 199)]
    assert res.networks.loc[0, "addresses"] == len(want) > 5


def test_misspelled_street_shows_close_matches(bag: gpd.GeoDataFrame) -> None:
    charter = pd.DataFrame({"straat": ["Witsenstrat", "Witsenstraat"], "van": ["", "500"], "bin": ["A", "A"]})
    res = network_from_streets(charter, bag)
    assert [m["reason"] for m in res.misses] == [
        "street not found among the addresses",
        "no address with these numbers on this side",
    ]
    assert "Witsenstraat" in res.misses[0]["close"]
    assert "did you mean Witsenstraat" in res.summary()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("E 11TH AV", "East 11th Avenue"),
        ("W BROADWAY", "west broadway"),
        ("ST GEORGE ST", "Saint George Street"),
        ("Hoofdstr.", "Hoofdstraat"),
        ("Burg. Venemastraat", "Burgemeester Venemastraat"),
        ("Av. de l'Étoile", "AVENUE DE L ETOILE"),
        ("Bd Anspach", "Boulevard Anspach"),
        ("Israëlsstraat", "ISRAELSSTRAAT"),
    ],
)
def test_street_names_match(a: str, b: str) -> None:
    assert normalise_street(a) == normalise_street(b)


def test_different_streets_stay_apart() -> None:
    assert normalise_street("E 11TH AV") != normalise_street("W 11TH AV")
    assert normalise_street("Kerkstraat") != normalise_street("Kerkstr 2")


def test_bag_letters_and_additions_are_read(bag: gpd.GeoDataFrame) -> None:
    table = address_table(bag)
    raw = pd.read_csv(ROOT / "data/samples/addresses.csv", dtype=str, keep_default_na=False)
    want = [
        n + lt + (f"-{ad}" if ad else "") for n, lt, ad in zip(raw["huisnummer"], raw["huisletter"], raw["toevoeging"])
    ]
    assert table["house"].str.lower().tolist() == [w.lower() for w in want]


def test_charter_columns_in_french_with_a_bad_side(tmp_path: Path) -> None:
    src = tmp_path / "rues.csv"
    src.write_text("réseau;rue;de;à;côté\nB1;Rue Haute;2;40;pair\nB1;Rue Basse;;;les deux\n", encoding="cp1252")
    got = read_charter(str(src))
    assert got[["network_id", "street", "side", "from", "to"]].values.tolist() == [
        ["B1", "Rue Haute", "even", "2", "40"],
        ["B1", "Rue Basse", "both", None, None],
    ]
    src.write_text("réseau;rue;côté\nB1;Rue Haute;links\n", encoding="utf-8")
    with pytest.raises(bingeo.errors.InputError, match=r"row 2: side 'links'"):
        read_charter(str(src))


def test_vancouver_addresses_split_into_number_and_street() -> None:
    require("real-data")
    with gzip.open(VANCOUVER, "rt") as fh:
        raw = pd.read_csv(fh, nrows=2000)
    pts = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw.albers_x, raw.albers_y), crs=3005)
    table = address_table(pts)
    first = raw["address"].str.split(",").str[0]
    assert (table["house"] + " " + table["street"]).tolist() == first.tolist()


def test_addresses_without_street_or_number_are_said(bag: gpd.GeoDataFrame) -> None:
    pts = bag[bag["straat"].isin(["Witsenstraat", "Bizetstraat"])].copy()
    pts["huisnummer"] = pts["huisnummer"].astype(object)
    pts.loc[pts.index[:2], "straat"] = None  # two Witsenstraat addresses lose their street
    bizet = pts.index[pts["straat"] == "Bizetstraat"]
    pts.loc[bizet[:1], "huisnummer"] = None  # one Bizetstraat address loses its number
    area = gpd.GeoDataFrame(
        {"network_id": ["A"]}, geometry=[pts.loc[bizet[:10]].union_all().convex_hull.buffer(1)], crs=pts.crs
    )
    area = pd.concat([area, gpd.GeoDataFrame({"network_id": ["B"]}, geometry=[pts.union_all().convex_hull.buffer(1)],
                                             crs=pts.crs)])  # fmt: skip
    listed = streets_in_areas(area, pts)
    notes = " ".join(listed.attrs["notes"])
    assert "2 address(es) inside have no street name" in notes
    assert "1 address(es) without a house number" in notes
    assert "" not in set(listed["street"])


def test_charter_in_a_spreadsheet_with_a_title_row(tmp_path: Path, bag: gpd.GeoDataFrame) -> None:
    import openpyxl  # writes the workbook (a test dependency); bingeo reads it with python-calamine

    wb = openpyxl.Workbook()
    wb.active.title = "Toelichting"
    wb.active.append(["Convenant BIN Oost, bijlage 1"])
    ws = wb.create_sheet("Straten")
    ws.append(["Stratenlijst BIN Oost"])
    ws.append(["Netwerk", "Straatnaam", "Van", "Tot", "Zijde"])
    ws.append(["GR-OOST", "Witsenstraat", 1, 21, "Oneven"])
    wb.save(tmp_path / "convenant.xlsx")
    got = read_charter(str(tmp_path / "convenant.xlsx"))
    assert got[["network_id", "street", "side", "from", "to"]].values.tolist() == [
        ["GR-OOST", "Witsenstraat", "odd", "1", "21"]
    ]
    assert network_from_streets(got, bag).networks["addresses"].tolist() == [11]


def test_a_range_ending_inside_a_number_is_said(bag: gpd.GeoDataFrame) -> None:
    # Witsenstraat 15 and 15a: an area holding 13 and 15 but not 15a cannot be written as a range
    wits = bag[bag["straat"] == "Witsenstraat"]
    houses = address_table(wits)["house"]
    assert "15a" in set(houses)
    keep = wits[houses.isin(["13", "15"]).to_numpy()]
    area = gpd.GeoDataFrame({"network_id": ["A"]}, geometry=[keep.buffer(0.5).union_all()], crs=bag.crs)
    listed = streets_in_areas(area, wits)
    assert listed[["side", "from", "to", "addresses"]].values.tolist() == [["odd", "13", "15", 2]]
    assert "1 range(s) end at a house number the area holds only partly" in listed.attrs["notes"][0]


def test_coverage_union_equals_the_general_union(vancouver: gpd.GeoDataFrame, monkeypatch) -> None:
    """The fast path (Voronoi cells united as a coverage) against shapely's general union of the same cells."""
    import shapely

    table = address_table(vancouver).reset_index(drop=True)
    charter = read_charter(charters(table, 15, seed=5))
    fast = network_from_streets(charter, vancouver).networks
    monkeypatch.setattr(shapely, "coverage_union_all", shapely.union_all)
    slow = network_from_streets(charter, vancouver).networks
    assert fast["network_id"].tolist() == slow["network_id"].tolist()
    diff = shapely.area(shapely.symmetric_difference(fast.geometry.to_numpy(), slow.geometry.to_numpy()))
    assert (diff <= 1e-6 * fast.area.to_numpy()).all()
    assert fast["addresses"].tolist() == slow["addresses"].tolist()
