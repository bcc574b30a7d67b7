"""The committed sample data (data/samples/) and the script that makes it.

* The regeneration test runs data/samples/make_samples.py into a temporary folder
  and compares the result with the committed files. It needs the shared real
  data in ../shared/data/real (relative to the repository root): like QGIS, it is a
  component that is skipped on a machine without it and required in CI.
* The other tests check the committed files only and always run.

Expected numbers below are written out on purpose (not imported from the
script), so that a change of the generator shows up as a test failure.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
SCRIPT = SAMPLES / "make_samples.py"
REAL = REPO / ".." / "shared" / "data" / "real"
REAL_MARKER = REAL / "netherlands_groningen_cbs_bag" / "buurt2017.zip"

NETWORKS = SAMPLES / "networks.gpkg"
UPDATE = SAMPLES / "networks_update.geojson"
ADDRESSES = SAMPLES / "addresses.csv"
INCIDENTS = SAMPLES / "incidents.csv"
MEMBERS = SAMPLES / "members.csv"
WINDOWS = SAMPLES / "woninginbraken.csv"
FILES = [NETWORKS, UPDATE, ADDRESSES, INCIDENTS, MEMBERS, WINDOWS]
TEXT_FILES = ["addresses.csv", "incidents.csv", "networks_update.geojson", "members.csv", "woninginbraken.csv"]
MEMBER_REJECTS = {
    "address_not_found": 4,
    "bad_email:missing_at": 4,
    "bad_phone:short_number": 3,
    "no_contact": 3,
    "duplicate_member_id": 2,
}

NETWORK_COLUMNS = ["bin_code", "naam", "soort", "gemeente", "politiezone", "opgericht", "status", "retired_on"]
ADDRESS_COLUMNS = [
    "adres_id",
    "straat",
    "huisnummer",
    "huisletter",
    "toevoeging",
    "postcode",
    "woonplaats",
    "huishoudens",
    "gebruiksdoel",
    "bron",
    "x",
    "y",
]
INCIDENT_COLUMNS = ["registratienummer", "pleegdatum", "soort_delict", "straat", "plaats", "omschrijving", "X", "Y"]
KINDS = {"woninginbraak", "diefstal uit/vanaf motorvoertuig", "vernieling", "fietsendiefstal"}
EXPECTED_BAD = {"empty": 12, "zero": 10, "latlon": 10, "swapped": 10, "far": 8}
# id: (x, y, inside a network?, main kind, first date)
HOTSPOTS = {
    "H1": (233870.0, 583480.0, True, "fietsendiefstal", "2021-01-01"),
    "H2": (237480.0, 583930.0, True, "woninginbraak", "2021-01-01"),
    "H3": (231300.0, 582200.0, False, "vernieling", "2021-01-01"),
    "H4": (229700.0, 580250.0, False, "diefstal uit/vanaf motorvoertuig", "2021-01-01"),
    "H5": (233350.0, 578500.0, False, "woninginbraak", "2023-03-01"),
}


# --------------------------------------------------------------------------- helpers
def read_networks(path: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(path, layer="networks", engine="pyogrio")


def read_incidents_raw() -> pd.DataFrame:
    return pd.read_csv(INCIDENTS, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)


def dec(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.replace(",", ".", regex=False), errors="coerce")


def classify_xy(X: pd.Series, Y: pd.Series, extent: tuple[float, float, float, float]) -> pd.Series:
    """Independent check of the raw coordinate text: '' for a usable RD point, else the defect."""
    x, y = dec(X), dec(Y)
    minx, miny, maxx, maxy = extent
    out = pd.Series("", index=X.index, dtype=object)
    empty = (X.str.strip() == "") | (Y.str.strip() == "")
    zero = ~empty & (x == 0) & (y == 0)
    degrees = ~empty & ~zero & (x.abs() <= 180) & (y.abs() <= 180)
    swapped = ~empty & (x > 300_000) & (y > 0) & (y < 300_000)
    rest = ~(empty | zero | degrees | swapped)
    far = rest & ~((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
    out[empty] = "empty"
    out[zero] = "zero"
    out[degrees] = "latlon"
    out[swapped] = "swapped"
    out[far] = "far"
    return out


def city_extent(margin: float) -> tuple[float, float, float, float]:
    nets = read_networks(NETWORKS)
    a = pd.read_csv(ADDRESSES)
    minx, miny, maxx, maxy = nets.total_bounds
    return (
        min(minx, a.x.min()) - margin,
        min(miny, a.y.min()) - margin,
        max(maxx, a.x.max()) + margin,
        max(maxy, a.y.max()) + margin,
    )


# --------------------------------------------------------------------------- regeneration
@pytest.fixture
def real_dir(real: Path) -> Path:
    """The shared real data (conftest component "real-data": skipped on a bare machine, required in CI)."""
    return real


def test_script_regenerates_committed_samples(real_dir: Path, tmp_path: Path) -> None:
    assert REAL_MARKER.exists(), (
        f"{REAL_MARKER} not found. Regenerating the samples needs the shared real data in "
        f"{REAL.resolve()} (../shared/data/real from the repository root). "
        "Set BINGEO_REAL_DATA to point elsewhere."
    )
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--real", str(real_dir), "--out", str(tmp_path), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"make_samples.py failed:\n{proc.stdout}\n{proc.stderr}"
    for name in TEXT_FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), (
            f"{name} differs from what make_samples.py generates; rerun "
            "`python3 data/samples/make_samples.py` and commit the result"
        )
    # GeoPackage: compare content (timestamps/page layout are not the point)
    new, old = read_networks(tmp_path / "networks.gpkg"), read_networks(NETWORKS)
    assert new.crs == old.crs
    pd.testing.assert_frame_equal(new.drop(columns="geometry"), old.drop(columns="geometry"))
    assert shapely.equals_exact(np.asarray(new.geometry), np.asarray(old.geometry), tolerance=1e-3).all()


# --------------------------------------------------------------------------- all files
def test_files_exist_and_are_small() -> None:
    sizes = {p.name: p.stat().st_size for p in FILES}
    assert all(s < 10_000_000 for s in sizes.values()), sizes
    assert sum(sizes.values()) < 3_000_000, sizes


# --------------------------------------------------------------------------- networks
def test_networks_geopackage_12_in_rd() -> None:
    con = sqlite3.connect(NETWORKS)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        tables = con.execute("SELECT table_name, srs_id FROM gpkg_contents").fetchall()
    finally:
        con.close()
    assert tables == [("networks", 28992)]
    nets = read_networks(NETWORKS)
    assert nets.crs.to_epsg() == 28992
    assert list(nets.columns) == [*NETWORK_COLUMNS, "geometry"]
    assert nets.bin_code.is_unique
    assert nets.is_valid.all()
    assert set(nets.geom_type) == {"MultiPolygon"}
    assert (nets.gemeente == "Groningen").all()
    assert set(nets.politiezone) == {
        "Basisteam Groningen-Centrum",
        "Basisteam Groningen-Oost",
        "Basisteam Groningen-West",
    }
    assert pd.to_datetime(nets.opgericht, format="%Y-%m-%d").notna().all()


def test_networks_kinds_retired_and_overlap() -> None:
    nets = read_networks(NETWORKS)
    assert nets.soort.value_counts().to_dict() == {"bin": 14, "zbin": 2, "whatsapp": 2}
    retired = nets[nets.status == "retired"]
    assert len(retired) == 1
    assert set(nets.status) == {"active", "retired"}
    assert retired.retired_on.iloc[0] == "2022-12-31"
    assert nets.loc[nets.status == "active", "retired_on"].isna().all()
    # exactly one pair overlaps (by area): a WhatsApp group inside a BIN
    geoms, codes = list(nets.geometry), list(nets.bin_code)
    pairs = [
        (codes[i], codes[j])
        for i in range(len(geoms))
        for j in range(i + 1, len(geoms))
        if geoms[i].intersection(geoms[j]).area > 1.0
    ]
    assert pairs == [("GR-BIN-001", "GR-WAB-001")]
    by = dict(zip(codes, geoms))
    assert by["GR-WAB-001"].difference(by["GR-BIN-001"]).area < 1.0
    # whatsapp and zbin are smaller than every BIN
    area = nets.set_index("bin_code").area
    kinds = nets.set_index("bin_code").soort
    assert area[kinds != "bin"].max() < area[kinds == "bin"].min()


def test_networks_update() -> None:
    upd = gpd.read_file(UPDATE, engine="pyogrio")
    assert upd.crs.to_epsg() == 4326
    assert set(NETWORK_COLUMNS) <= set(upd.columns)
    nets = read_networks(NETWORKS).set_index("bin_code")
    upd = upd.to_crs(28992).set_index("bin_code")
    assert list(upd.index) == ["GR-BIN-001", "GR-BIN-003", "GR-BIN-004", "GR-BIN-015"]
    new = [c for c in upd.index if c not in nets.index]
    assert new == ["GR-BIN-015"]
    # unchanged apart from reprojection and 7-decimal rounding (< 5 cm)
    assert upd.geometry["GR-BIN-001"].hausdorff_distance(nets.geometry["GR-BIN-001"]) < 0.05
    assert upd.naam["GR-BIN-001"] == nets.naam["GR-BIN-001"]
    # boundary edited
    assert upd.geometry["GR-BIN-003"].symmetric_difference(nets.geometry["GR-BIN-003"]).area > 10_000
    assert upd.naam["GR-BIN-003"] == nets.naam["GR-BIN-003"]
    # renamed, same boundary
    assert upd.naam["GR-BIN-004"] != nets.naam["GR-BIN-004"]
    assert upd.geometry["GR-BIN-004"].hausdorff_distance(nets.geometry["GR-BIN-004"]) < 0.05


# --------------------------------------------------------------------------- addresses
def test_addresses() -> None:
    raw = ADDRESSES.read_bytes()
    raw.decode("utf-8")  # strict UTF-8
    assert b"\r\n" not in raw
    a = pd.read_csv(ADDRESSES, dtype={"postcode": str, "huisletter": str, "toevoeging": str, "adres_id": str})
    assert list(a.columns) == ADDRESS_COLUMNS
    assert a.adres_id.is_unique
    assert 6000 <= len(a) <= 10000
    assert (a.bron == "BAG").sum() == 226  # 242 rows in the extract, 16 repeat a verblijfsobject
    assert set(a.bron) == {"BAG", "synthetisch"}
    assert a.postcode.str.fullmatch(r"\d{4}[A-Z]{2}").all()
    assert a.huisnummer.between(1, 10_000).all()
    syn = a[a.bron == "synthetisch"]
    assert (syn.huishoudens == 1).mean() > 0.9
    assert syn.huishoudens.between(1, 40).all()
    assert syn.huishoudens.between(5, 40).sum() > 50
    assert (a.loc[a.bron == "BAG", "huishoudens"] == 0).all()
    assert not a.duplicated(["postcode", "huisnummer", "huisletter", "toevoeging"]).any()
    # RD metres, 2 decimals, within a few km of the networks
    assert a.x.between(225_000, 245_000).all() and a.y.between(575_000, 590_000).all()
    txt = raw.decode("utf-8").splitlines()[1:]
    assert all(re.fullmatch(r"-?\d+(\.\d{1,2})?", line.rsplit(",", 2)[-1]) for line in txt)
    nets = shapely.union_all(list(read_networks(NETWORKS).geometry))
    assert shapely.distance(nets, shapely.points(a.x, a.y)).max() < 5000
    # a synthetic street is a spatially coherent line of points, not scattered over the city
    ext = syn.groupby("straat").agg(dx=("x", np.ptp), dy=("y", np.ptp))
    assert (np.hypot(ext.dx, ext.dy) < 800).all()


# --------------------------------------------------------------------------- incidents
def test_incidents_encoding_and_format() -> None:
    raw = INCIDENTS.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "é" in text and "ë" in text and "€" in text
    assert b"\xe9" in raw and b"\xeb" in raw and b"\x80" in raw
    assert text.startswith(";".join(INCIDENT_COLUMNS) + "\r\n")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == INCIDENT_COLUMNS
    assert all(len(r) == len(INCIDENT_COLUMNS) for r in rows)
    assert len(rows) == 5001
    assert sum("\n" in r[5] for r in rows) >= 3  # quoted free text with a line break
    assert any(";" in r[5] for r in rows)  # quoted free text with the separator


def test_incidents_content() -> None:
    df = read_incidents_raw()
    assert list(df.columns) == INCIDENT_COLUMNS
    assert len(df) == 5000
    assert df.registratienummer.is_unique
    assert df.registratienummer.str.fullmatch(r"PL0100-20\d{8}").all()
    assert set(df.soort_delict) == KINDS
    assert df.pleegdatum.str.fullmatch(r"\d{1,2}-\d{1,2}-\d{4} \d{1,2}:\d{2}").all()
    dt = pd.to_datetime(df.pleegdatum, format="%d-%m-%Y %H:%M")
    assert dt.min() >= pd.Timestamp("2021-01-01") and dt.max() < pd.Timestamp("2025-01-01")
    coords = df.X[df.X != ""]
    assert coords.str.fullmatch(r"\d+,\d+|0").all()  # decimal comma, never a point
    assert (df.straat != "").all()


def test_planted_bad_rows() -> None:
    df = read_incidents_raw()
    kind = classify_xy(df.X, df.Y, city_extent(margin=1000.0))
    found = kind[kind != ""].value_counts().to_dict()
    assert found == EXPECTED_BAD
    # lat/lon rows come in both orders
    x = dec(df.X[kind == "latlon"])
    assert ((x > 50).sum(), (x < 10).sum()) == (5, 5)
    # the far rows are far beyond everything, not a border case
    minx, _, maxx, _ = city_extent(margin=0.0)
    assert (dec(df.X[kind == "far"]) > maxx + 10_000).all()
    # every other row is a good RD point near the city (so "outside extent" rejects are only the planted ones)
    good = kind == ""
    x, y = dec(df.X[good]), dec(df.Y[good])
    minx, miny, maxx, maxy = city_extent(margin=0.0)
    assert x.between(minx, maxx).all() and y.between(miny, maxy).all()


def test_hot_spots() -> None:
    df = read_incidents_raw()
    kind = classify_xy(df.X, df.Y, city_extent(margin=1000.0))
    df = df[kind == ""]
    x, y = dec(df.X), dec(df.Y)
    dt = pd.to_datetime(df.pleegdatum, format="%d-%m-%Y %H:%M")
    nets = shapely.union_all(list(read_networks(NETWORKS).geometry))
    for hid, (cx, cy, inside, main_kind, start) in HOTSPOTS.items():
        near = np.hypot(x - cx, y - cy) < 300
        assert (near & (df.soort_delict == main_kind)).sum() > 80, hid
        assert bool(nets.contains(shapely.Point(cx, cy))) is inside, hid
        if not inside:
            assert nets.distance(shapely.Point(cx, cy)) > 400, hid
    # H5 is a burglary series that starts on 2023-03-01
    cx, cy, _, _, start = HOTSPOTS["H5"]
    series = (np.hypot(x - cx, y - cy) < 300) & (df.soort_delict == "woninginbraak")
    before = (series & (dt < pd.Timestamp(start))).sum()
    after = (series & (dt >= pd.Timestamp(start))).sum()
    assert after > 20 * max(before, 1)


# --------------------------------------------------------------------------- members
def test_members_sample_reads_with_the_planted_rejects_only() -> None:
    import bingeo

    raw = MEMBERS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # a Dutch spreadsheet export: BOM, CRLF
    addresses = bingeo.read_points(ADDRESSES, crs=28992).points
    res = bingeo.members_from_file(MEMBERS, crs=28992, addresses=addresses)
    assert res.rejects["reject_reason"].value_counts().to_dict() == MEMBER_REJECTS
    m = res.members
    assert len(m) + len(res.rejects) == len(pd.read_csv(MEMBERS, sep=";", dtype=str))
    # every kept member is located, and (independently of bingeo) the located point is the address
    # row the member gave, or the coordinates given
    assert m.geometry.notna().all()
    raw_rows = pd.read_csv(MEMBERS, sep=";", dtype=str, keep_default_na=False).drop_duplicates("lidnummer")
    by_id = raw_rows.set_index("lidnummer")
    adr = pd.read_csv(ADDRESSES, dtype=str, keep_default_na=False)
    adr["pc"] = adr["postcode"].str.replace(" ", "")
    adr["nr"] = adr["huisnummer"] + adr["huisletter"]
    checked = 0
    for r in m.itertuples():
        src = by_id.loc[r.member_id]
        if src["x"]:
            want = (float(src["x"]), float(src["y"]))
        elif src["postcode"]:
            hit = adr[
                (adr.pc == src["postcode"].replace(" ", ""))
                & (adr.nr == src["huisnummer"])
                & (adr.toevoeging == src["toevoeging"])
            ]
            assert len(hit) == 1, r.member_id
            want = (float(hit.x.iloc[0]), float(hit.y.iloc[0]))
        else:
            continue
        assert (round(r.geometry.x, 2), round(r.geometry.y, 2)) == want, r.member_id
        checked += 1
    assert checked > 0.8 * len(m)
    # one coordinator per active network; some people at two addresses; some without consent or left
    nets = read_networks(NETWORKS)
    active = set(nets.loc[nets["status"] == "active", "bin_code"])
    coord = m[m["role"] == "coordinator"]
    assert set(coord["networks"]) <= active and len(coord) >= 10
    assert (m.groupby("person_id")["member_id"].nunique() > 1).sum() >= 5
    assert (~m["consent"]).sum() > 0 and (m["status"] == "left").sum() > 0


def test_burglary_windows_hold_the_incident_time() -> None:
    """Each burglary's time in incidents.csv lies inside its window; the planted bad windows are there."""
    inc = pd.read_csv(INCIDENTS, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    win = pd.read_csv(WINDOWS, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    burg = inc[inc["soort_delict"] == "woninginbraak"].set_index("registratienummer")
    assert len(win) == len(burg) and set(win["registratienummer"]) == set(burg.index)
    when = pd.to_datetime(burg.loc[win["registratienummer"], "pleegdatum"], format="%d-%m-%Y %H:%M").to_numpy()
    begin = pd.to_datetime(win["Begin-pleegdatum/tijd"], format="%d-%m-%Y %H:%M").to_numpy()
    end = pd.to_datetime(win["Eind-pleegdatum/tijd"], format="%d-%m-%Y %H:%M", errors="coerce").to_numpy()
    instant = win["Eind-pleegdatum/tijd"] == ""
    assert (begin[instant.to_numpy()] == when[instant.to_numpy()]).all()
    ok = ~instant.to_numpy() & ~np.isnat(end) & (end >= begin)
    assert ((begin[ok] <= when[ok]) & (when[ok] <= end[ok])).all()
    assert int((end < begin).sum()) == 2 and win["Eind-pleegdatum/tijd"].str.startswith("31-2-").sum() == 1
