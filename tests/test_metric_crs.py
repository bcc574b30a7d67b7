"""Stores are metric, and nothing fails because a store or an input is in degrees.

A new store made from a source in degrees takes the national grid of the data's place (RD New in the
Netherlands, Lambert 72 in Belgium, else the UTM zone) and says so; ``--store-crs`` still decides. On a
store that is in degrees anyway (``store init --crs 4326``), every command that needs metres works in
that national grid itself, says which, and gives the same figures as on an RD New store.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner

import bingeo
from bingeo._crs import national_grid
from bingeo.cli.main import cli
from tests.conftest import REAL_DATA as REAL

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args: object, ok: bool = True) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == (0 if ok else 1), res.output
    assert "Traceback" not in res.output and ".to_crs(" not in res.output
    return res.output


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (5.69, 50.85, 28992),  # Maastricht: south of the 1:110m outline's border, Dutch
        (5.71, 50.78, 28992),  # Eijsden
        (6.17, 51.37, 28992),  # Venlo, east of the 1:110m outline
        (4.93, 51.44, 28992),  # Baarle-Nassau
        (3.83, 51.33, 28992),  # Terneuzen (Zeeuws-Vlaanderen)
        (6.57, 53.22, 28992),  # Groningen
        (4.40, 51.22, 31370),  # Antwerpen
        (5.65, 50.89, 31370),  # Lanaken, across the Maas from Maastricht
        (5.795, 51.095, 31370),  # Maaseik
        (5.76, 50.76, 31370),  # Voeren
        (4.47, 51.465, 31370),  # Essen
        (3.22, 51.21, 31370),  # Brugge
        (5.81, 49.68, 31370),  # Arlon
        (-123.1, 49.25, 32610),  # Vancouver
        (-87.7, 41.85, 32616),  # Chicago
        (-1.15, 52.95, 32630),  # Nottingham
        (6.78, 51.22, 32632),  # Düsseldorf
    ],
)
def test_national_grid(lon, lat, epsg):
    assert national_grid(lon, lat)[0].to_epsg() == epsg


def test_national_grid_refuses_what_is_not_lon_lat():
    with pytest.raises(bingeo.CRSError, match="not a longitude/latitude pair"):
        national_grid(233000.0, 582000.0)


def _wgs84(tmp_path: Path, frame: gpd.GeoDataFrame, name: str) -> Path:
    path = tmp_path / f"{name}.geojson"
    frame.to_crs(4326).to_file(path)
    return path


def test_new_store_from_degrees_takes_the_national_grid(tmp_path):
    src = _wgs84(tmp_path, gpd.read_file(SAMPLES / "networks.gpkg"), "groningen")
    out = run("networks", "import", src, "--store", tmp_path / "a.gpkg", "--id-field", "bin_code")
    assert "new store created in EPSG:28992" in out and "the data lie in the Netherlands" in out
    assert "--store-crs" in out
    with bingeo.open_store(tmp_path / "a.gpkg") as st:
        assert st.crs.to_epsg() == 28992
    # --store-crs still decides, even for degrees
    run("networks", "import", src, "--store", tmp_path / "b.gpkg", "--id-field", "bin_code", "--store-crs", "4326")
    with bingeo.open_store(tmp_path / "b.gpkg") as st:
        assert st.crs.to_epsg() == 4326


@pytest.mark.requires("real-data")
@pytest.mark.parametrize(
    ("path", "keep", "epsg"),
    [
        ("belgium_flanders/ggw7_wijken.shp", lambda f: f["geoitem"].str.startswith("11002"), 31370),
        ("vancouver/vancouver_local_areas.geojson", None, 32610),
        ("uk_nottingham/nottingham_wards.gpkg", None, 32630),
    ],
    ids=["antwerpen", "vancouver", "nottingham"],
)
def test_real_sources_in_degrees_get_their_grid(tmp_path, path, keep, epsg):
    frame = gpd.read_file(REAL / path)
    if keep is not None:
        frame = frame[keep(frame)]
    src = _wgs84(tmp_path, frame, "src")
    out = run("networks", "import", src, "--store", tmp_path / "s.gpkg")
    assert f"new store created in EPSG:{epsg}" in out
    with bingeo.open_store(tmp_path / "s.gpkg") as st:
        nets = st.networks()
        assert st.crs.to_epsg() == epsg
    assert len(nets) == len(frame)
    # areas in m² agree with the areas computed on the ellipsoid (pyproj.Geod), an independent reference
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    want = sorted(abs(geod.geometry_area_perimeter(g)[0]) for g in frame.to_crs(4326).geometry)
    assert np.allclose(sorted(nets["area_m2"]), want, rtol=0.002)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The sample networks in a store in degrees (EPSG:4326) and in one in RD New."""
    tmp = tmp_path_factory.mktemp("metric")
    out = {}
    for epsg in (4326, 28992):
        path = tmp / f"s{epsg}.gpkg"
        run("store", "init", path, "--crs", epsg)
        run("networks", "import", SAMPLES / "networks.gpkg", "--store", path, "--effective", "2023-01-01")
        run("networks", "import", SAMPLES / "networks_update.geojson", "--store", path, "--effective", "2024-01-01")
        out[epsg] = path
    return out


def test_hotspots_on_a_store_in_degrees(stores, tmp_path):
    results = {}
    for epsg, store in stores.items():
        path = tmp_path / f"hs{epsg}.gpkg"
        out = run("hotspots", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", path)
        results[epsg] = (out, gpd.read_file(path, layer="hotspots"), gpd.read_file(path, layer="cells"))
    out, hs, cells = results[4326]
    assert "worked in EPSG:28992" in out and "the data lie in the Netherlands" in out
    assert hs.crs.to_epsg() == 4326 and cells.crs.to_epsg() == 4326  # back in the store's CRS
    _, hs_rd, cells_rd = results[28992]
    # the same figures as on the RD store (the national grid of Groningen is RD New)
    assert len(hs) == len(hs_rd) and len(cells) == len(cells_rd)
    assert np.allclose(np.sort(cells["gi_z"]), np.sort(cells_rd["gi_z"]), atol=1e-9)
    assert sorted(hs["incidents"]) == sorted(hs_rd["incidents"])
    back = hs.to_crs(28992).sort_values("incidents").geometry.to_numpy()
    want = hs_rd.sort_values("incidents").geometry.to_numpy()
    assert all(a.symmetric_difference(b).area < 1e-3 * b.area for a, b in zip(back, want))


def test_density_propose_pai_check_on_a_store_in_degrees(stores, tmp_path):
    store = stores[4326]
    out = run(
        "density", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--cell-size", "100",
        "--radius", "1000", "--output", tmp_path / "kde.tif",
    )  # fmt: skip
    assert "EPSG:28992" in out
    hs = tmp_path / "hs.gpkg"
    run("hotspots", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", hs)
    out = run(
        "propose", "--store", store, "--hotspots", hs, "--addresses", SAMPLES / "addresses.csv",
        "--crs", "28992", "--output", tmp_path / "new.gpkg",
    )  # fmt: skip
    assert "worked in EPSG:28992" in out
    proposals = gpd.read_file(tmp_path / "new.gpkg")
    assert proposals.crs.to_epsg() == 4326 and len(proposals) > 0
    out = run(
        "pai", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--fit", "2021-01-01/2023-01-01",
        "--test", "2023-01-01/2025-01-01", "--output", tmp_path / "pai.json",
    )  # fmt: skip
    rd = run(
        "pai", SAMPLES / "incidents.csv", "--store", stores[28992], "--crs", "28992",
        "--fit", "2021-01-01/2023-01-01", "--test", "2023-01-01/2025-01-01", "--output", tmp_path / "pai_rd.json",
    )  # fmt: skip
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("pai.json", "pai_rd.json"))
    assert a["pai"] == pytest.approx(b["pai"], rel=1e-6) and rd
    out = run("networks", "check", "--store", store)
    assert "worked in EPSG:28992" in out and "Overlaps between active networks" in out
    rd = run("networks", "check", "--store", stores[28992])

    def pairs(text: str) -> list[str]:  # overlaps that are not slivers (a round trip through degrees moves edges)
        return sorted(line.split(":")[0] for line in text.splitlines() if " x " in line and "sliver" not in line)

    assert pairs(out) == pairs(rd) and pairs(rd)


def test_nearrepeat_evaluate_recipients_on_a_store_in_degrees(stores, tmp_path):
    store = stores[4326]
    args = ["--crs", "28992", "--type", "woninginbraak", "--around-founding", "9"]
    for epsg, st in stores.items():
        run("evaluate", "--store", st, "--incidents", SAMPLES / "incidents.csv", "--network", "GR-BIN-015", *args,
            "--output", tmp_path / f"e{epsg}.json")  # fmt: skip
    a, b = (json.loads((tmp_path / f"e{e}.json").read_text()) for e in (4326, 28992))
    counts = [x.get("counts") or x.get("result", {}).get("counts") for x in (a, b)]
    assert counts[0] == counts[1] and counts[0] is not None
    out = run(
        "nearrepeat", "--incidents", SAMPLES / "incidents.csv", "--crs", "28992",
        "--store", store, "--permutations", "9", "--output", tmp_path / "knox.json",
    )  # fmt: skip
    assert "Traceback" not in out
    # a disc of 300 m drawn around a point, on a store in degrees: members within 300 m, as on an RD store
    rows = ["lidnummer;naam;e-mail;toestemming;status;x;y"]
    for i, dx in enumerate((0, 100, 250, 350, 600)):
        rows.append(f"M{i};Lid {i};lid{i}@example.org;ja;actief;{233510 + dx};582000")
    src = tmp_path / "leden.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = []
    for n, st in enumerate(stores.values()):
        run("members", "import", src, "--store", st, "--crs", "28992")
        out = run(
            "recipients", "--store", st, "--around", "233510,582000", "--around-crs", "28992", "--radius", "300",
            "--output", tmp_path / f"r{n}.csv", "--operator", "t", "--reason", "t",
        )  # fmt: skip
        found.append([line for line in out.splitlines() if "recipients" in line][0])
    assert found[0] == found[1] and "3 recipients" in found[0]


@pytest.mark.requires("real-data")
def test_networks_outside_the_store_crs_area_are_named(tmp_path):
    """Vancouver into an RD New store works, and the import says which CRS would fit; Groningen does not."""
    run("store", "init", tmp_path / "rd.gpkg", "--crs", "28992")
    out = run("networks", "import", REAL / "vancouver/vancouver_local_areas.geojson", "--store", tmp_path / "rd.gpkg")
    assert "lie outside the area EPSG:28992" in out and "EPSG:32610" in out
    out = run("networks", "import", SAMPLES / "networks.gpkg", "--store", tmp_path / "rd.gpkg")
    assert "lie outside the area" not in out
