"""`bingeo networks streets`, `bingeo networks from-streets` and `bingeo invitations` on the samples."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ADDRESSES = SAMPLES / "addresses.csv"


def run(*args, code: int = 0) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res.output


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("streets") / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", path)
    return path


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_sample_networks_to_streets_and_back(store, tmp_path):
    first = tmp_path / "streets.csv"
    run("networks", "streets", "--store", store, "--addresses", ADDRESSES, "--crs", "28992", "--output", first)
    listed = _read(first)
    with bingeo.open_store(store) as st:
        nets = st.networks()
    adr = bingeo.read_points(ADDRESSES, crs=28992).points
    # reference: the addresses each network holds by geopandas, against the list's address counts
    held = gpd.sjoin(adr, nets[["network_id", "geometry"]], predicate="intersects").groupby("network_id").size()
    counts = listed.assign(n=listed["addresses"].astype(int)).groupby("network_id")["n"].sum()
    pd.testing.assert_series_equal(counts.sort_index(), held.sort_index(), check_names=False)
    # the list as a charter: a new store whose networks list the same streets (networks that share addresses
    # with an earlier one are left out: an address listed twice stays with the first)
    shared = set(
        gpd.sjoin(adr, nets[["network_id", "geometry"]], predicate="intersects").loc[
            lambda d: d.index.duplicated(keep=False), "network_id"
        ]
    )
    alone = listed[~listed["network_id"].isin(shared)]
    alone.to_csv(tmp_path / "charter.csv", sep=";", index=False)
    new = tmp_path / "new.gpkg"
    out = run(
        "networks", "from-streets", tmp_path / "charter.csv", "--addresses", ADDRESSES, "--crs", "28992",
        "--store", new,
    )  # fmt: skip
    assert "NOT FOUND" not in out
    again = tmp_path / "again.csv"
    run("networks", "streets", "--store", new, "--addresses", ADDRESSES, "--crs", "28992", "--output", again)
    assert "No address that is not listed lies inside" in out
    pd.testing.assert_frame_equal(_read(again), alone.reset_index(drop=True))
    assert len(alone["network_id"].unique()) >= 5


def test_proposals_to_streets_and_invitations(tmp_path):
    adr = bingeo.read_points(ADDRESSES, crs=28992).points
    charter = pd.DataFrame({"straat": ["Witsenstraat", "Bizetstraat"], "bin": ["P-1", "P-2"]})
    polys = bingeo.network_from_streets(charter, adr).networks.rename(columns={"network_id": "proposal_id"})
    props = tmp_path / "proposals.gpkg"
    polys.to_file(props, layer="proposals")
    out_csv = tmp_path / "streets.csv"
    run("networks", "streets", "P-2", "--proposals", props, "--addresses", ADDRESSES, "--crs", "28992",
        "--output", out_csv)  # fmt: skip
    assert _read(out_csv).values.tolist() == [["P-2", "Bizetstraat", "both", "", "", "59"]]
    inv = tmp_path / "invite.csv"
    out = run("invitations", "--proposal", "P-1", "--proposals", props, "--addresses", ADDRESSES, "--crs", "28992",
              "--output", inv, "--labels", tmp_path / "invite.pdf")  # fmt: skip
    assert "61 addresses on 1 streets" in out and "3 A4 pages" in out
    assert (tmp_path / "invite.pdf").read_bytes().startswith(b"%PDF-")
    got = _read(inv)
    assert got["house_number"].tolist()[:3] == ["1", "3", "5"] and set(got["street"]) == {"Witsenstraat"}


def test_invitations_for_a_drawn_area_and_a_network(store, tmp_path):
    with bingeo.open_store(store) as st:
        net = st.networks().iloc[0]
    area = tmp_path / "area.wkt"
    area.write_text(shapely.to_wkt(net.geometry))
    run("invitations", "--area", area, "--area-crs", "28992", "--addresses", ADDRESSES, "--crs", "28992",
        "--output", tmp_path / "a.csv")  # fmt: skip
    run("invitations", "--network", net.network_id, "--store", store, "--addresses", ADDRESSES, "--crs", "28992",
        "--output", tmp_path / "b.csv")  # fmt: skip
    a, b = _read(tmp_path / "a.csv"), _read(tmp_path / "b.csv")
    assert len(a) > 10
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["invitations", "--output", "x.csv"], "give one area"),
        (["invitations", "--network", "GR-BIN-001", "--output", "x.csv"], "--network needs --store"),
        (["invitations", "--proposal", "P-1", "--output", "x.csv"], "--proposal needs --proposals"),
        (["invitations", "--area", "a.geojson", "--output", "x.csv", "--labels", "l.png"], "ending in .pdf"),
        (["networks", "streets", "--output", "x.csv"], "--store STORE (its networks) or --proposals"),
    ],
)
def test_wrong_options_are_named(tmp_path, args, message):
    out = run(*args, "--addresses", ADDRESSES, "--crs", "28992", code=1)
    assert message in out


def test_unknown_network_is_named_with_the_known_ones(store, tmp_path):
    out = run("invitations", "--network", "GR-NOPE", "--store", store, "--addresses", ADDRESSES, "--crs", "28992",
              "--output", tmp_path / "x.csv", code=1)  # fmt: skip
    assert "--network GR-NOPE: no such active network" in out and "Known: GR-BIN-001" in out


def test_from_streets_names_what_it_did_not_find(tmp_path):
    charter = tmp_path / "convenant.csv"
    charter.write_text(
        "netwerk;straat;van;tot;zijde\nN1;Witsenstrat;;;\nN1;Bizetstraat;900;999;even\n", encoding="utf-8"
    )
    out = run("networks", "from-streets", charter, "--addresses", ADDRESSES, "--crs", "28992",
              "--store", tmp_path / "b.gpkg", code=1)  # fmt: skip
    assert "NOT FOUND row 2 of N1: Witsenstrat: street not found among the addresses (did you mean Witsenstraat" in out
    assert "NOT FOUND row 3 of N1: Bizetstraat: no address with these numbers on this side" in out
    assert "no network was made" in out and not (tmp_path / "b.gpkg").exists()
    charter.write_text("netwerk;straat;van\nN1;Witsenstraat;\nN1;Bizetstraat;900\n", encoding="utf-8")
    out = run("networks", "from-streets", charter, "--addresses", ADDRESSES, "--crs", "28992",
              "--store", tmp_path / "b.gpkg", code=1)  # fmt: skip
    assert "1 listed street(s) or range(s) hold no address" in out and not (tmp_path / "b.gpkg").exists()
    out = run("networks", "from-streets", charter, "--addresses", ADDRESSES, "--crs", "28992",
              "--store", tmp_path / "b.gpkg", "--skip-missing")  # fmt: skip
    assert "N1: 61 addresses" in out and "1 added" in out
    charter.write_text("netwerk;straat;zijde\nN1;Witsenstraat;links\n", encoding="utf-8")
    out = run("networks", "from-streets", charter, "--addresses", ADDRESSES, "--crs", "28992",
              "--store", tmp_path / "b.gpkg", code=1)  # fmt: skip
    assert "row 2: side 'links' is not one of odd, even, both" in out
