"""The command line on the sample data: every command, and the errors users meet first."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Point

from bingeo import open_store as bingeo_open
from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args: str, ok: bool = True):
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert res.exit_code == 0, res.output
    else:
        assert res.exit_code == 1, res.output
    return res.output


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", path)
    return path


def test_import_list_history_retire(store):
    out = run("networks", "list", "--store", store)
    assert "17 networks (active)" in out and "GR-BIN-001" in out and "EPSG:28992" in out
    out = run("networks", "list", "--store", store, "--all")
    assert "18 networks" in out and "retired" in out
    out = run("networks", "import", SAMPLES / "networks_update.geojson", "--store", store, "--effective", "2024-01-01")
    assert "1 added" in out and "reprojected from EPSG:4326" in out
    out = run("networks", "history", "GR-BIN-003", "--store", store)
    assert out.count("GR-BIN-003") == 2  # two versions
    run("networks", "retire", "GR-BIN-003", "--on", "2025-01-01", "--store", store)
    assert "GR-BIN-003" not in run("networks", "list", "--store", store)
    assert "GR-BIN-003" in run("networks", "list", "--store", store, "--at", "2024-06-01")
    out = run("networks", "retire", "NOPE", "--on", "2025-01-01", "--store", store, ok=False)
    assert "no network with id 'NOPE'" in out


def test_check_writes_layers(store, tmp_path):
    out = run("networks", "check", "--store", store, "--output", tmp_path / "check.gpkg")
    assert "GR-BIN-001 x GR-WAB-001" in out and "nested" in out
    import pyogrio

    assert {n for n, _ in pyogrio.list_layers(tmp_path / "check.gpkg")} == {"overlaps", "gaps", "invalid"}
    ov = gpd.read_file(tmp_path / "check.gpkg", layer="overlaps")
    assert ((ov.network_id_a == "GR-BIN-001") & (ov.network_id_b == "GR-WAB-001")).any()


@pytest.mark.parametrize("ext", [".csv", ".gpkg", ".geojson", ".parquet"])
def test_assign_every_row_once_with_rejects(store, tmp_path, ext):
    out_path = tmp_path / f"assigned{ext}"
    out = run("assign", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", out_path)
    assert "Read 5,000 rows" in out
    if ext == ".csv":
        got = pd.read_csv(out_path, dtype=str)
    elif ext == ".parquet":
        got = gpd.read_parquet(out_path)
    else:
        got = gpd.read_file(out_path)
    rejects = pd.read_csv(tmp_path / "assigned.rejects.csv", dtype=str)
    raw = pd.read_csv(SAMPLES / "incidents.csv", sep=";", encoding="cp1252", dtype=str)
    # every input row exactly once: in the output or in the rejects
    ids = list(got["registratienummer"].astype(str)) + list(rejects["registratienummer"])
    assert sorted(ids) == sorted(raw["registratienummer"])
    assert {"network_id", "network_name", "network_ids"} <= set(got.columns)
    assert set(raw.columns) <= set(got.columns)
    assert rejects["reject_reason"].notna().all()


def test_counts_with_addresses(store, tmp_path):
    out = run(
        "counts",
        SAMPLES / "incidents.csv",
        "--store",
        store,
        "--crs",
        "28992",
        "--by",
        "year",
        "--type-field",
        "soort_delict",
        "--addresses",
        SAMPLES / "addresses.csv",
        "--output",
        tmp_path / "c.csv",
    )
    assert "most incidents" in out
    t = pd.read_csv(tmp_path / "c.csv", keep_default_na=False, dtype=str)
    assert {"network_id", "period", "type", "incidents", "addresses", "households", "rate_per_1000_addresses"} <= set(
        t.columns
    )
    assert set(t["period"]) >= {"2021", "2022", "2023", "2024"}


def test_errors_name_file_and_fix(tmp_path, store):
    out = run("networks", "import", tmp_path / "missing.shp", "--store", tmp_path / "s.gpkg", ok=False)
    assert "missing.shp" in out
    bad = tmp_path / "corrupt.gpkg"
    bad.write_bytes(b"\x00garbage" * 100)
    out = run("networks", "import", bad, "--store", tmp_path / "s.gpkg", ok=False)
    assert "corrupt.gpkg" in out
    nocrs = tmp_path / "nocrs.geojson"
    nocrs.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},'
        '"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}'
    )
    pts = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(0, 0)], crs=28992).to_file(pts)
    out = run("networks", "import", pts, "--store", tmp_path / "s.gpkg", ok=False)
    assert "points.geojson" in out and "polygon" in out.lower()
    out = run(
        "networks", "import", SAMPLES / "networks.gpkg", "--store", tmp_path / "s.gpkg", "--id-field", "nope", ok=False
    )
    assert "no column 'nope'" in out and "bin_code" in out
    out = run(
        "assign",
        SAMPLES / "incidents.csv",
        "--store",
        store,
        "--x-field",
        "oost",
        "--output",
        tmp_path / "o.csv",
        ok=False,
    )
    assert "oost" in out and "registratienummer" in out  # lists the columns that exist
    out = run(
        "assign", SAMPLES / "incidents.csv", "--store", tmp_path / "none.gpkg", "--output", tmp_path / "o.csv", ok=False
    )
    assert "does not exist" in out
    empty = tmp_path / "empty.csv"
    empty.write_text("x;y\n")
    out = run("assign", empty, "--store", store, "--crs", "28992", "--output", tmp_path / "o.csv", ok=False)
    assert "empty.csv" in out


def test_demo_runs_and_console_script_exists(tmp_path):
    out = run("demo", "--output", tmp_path / "demo")
    assert "What it shows" in out
    assert (tmp_path / "demo" / "bins.gpkg").exists() and (tmp_path / "demo" / "counts_by_year.csv").exists()
    assert "12. Forecast" in out and "Warn these networks" in out and (tmp_path / "demo" / "forecast.gpkg").exists()
    # a fresh process (nothing imported by other tests): every command group is registered
    res = subprocess.run([sys.executable, "-m", "bingeo", "--help"], capture_output=True, text=True, check=True)
    commands = {line.split()[0] for line in res.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert {
        "networks",
        "assign",
        "counts",
        "coverage",
        "hotspots",
        "density",
        "propose",
        "pai",
        "addresses",
        "members",
        "recipients",
        "audit",
        "map",
        "assets",
        "evaluate",
        "nearrepeat",
        "store",
        "demo",
        "emerging",
        "profile",
        "plan",
    } <= commands
    # the planted burglary series (make_samples.HOTSPOTS "H5", centre 233350, 578500, from 1 March 2023) is the
    # hot spot that emerges in 2023: its cells are hot in no quarter before 2023 and in every quarter since
    loc = gpd.read_file(tmp_path / "demo" / "emerging.gpkg", layer="locations")
    cube = gpd.read_file(tmp_path / "demo" / "emerging.gpkg", layer="cube")
    near = loc[loc.geometry.centroid.distance(Point(233350, 578500)) < 300]
    assert len(near) and set(near["category"]) <= {"Consecutive Hot Spot", "New Hot Spot", "Intensifying Hot Spot"}
    bins = cube.merge(near[["row", "col"]], on=["row", "col"])
    first = pd.to_datetime(bins.loc[bins["hot"].astype(bool), "step_start"]).min()
    assert first.year == 2023
    assert not bins.loc[pd.to_datetime(bins["step_start"]) < pd.Timestamp("2023-01-01"), "hot"].astype(bool).any()
    assert "Hot since 2023-Q1" in out
    # the plan step: N of M checked by brute force over every 3 of the proposals, on the demo's own outputs
    props = gpd.read_file(tmp_path / "demo" / "proposals.gpkg", layer="proposals")
    assigned = gpd.read_file(tmp_path / "demo" / "incidents_assigned.gpkg", layer="incidents")
    free = assigned[assigned["network_id"].isna() | (assigned["network_id"] == "")]
    inside = np.array([free.geometry.intersects(g).to_numpy() for g in props.geometry])
    best = max(inside[list(c)].any(axis=0).sum() for c in itertools.combinations(range(len(props)), 3))
    shows = out.split("What it shows:")[1].split("Outputs:")[0].strip().splitlines()
    assert shows[-1].strip().startswith(f"The 3 best new areas reach {best:,} of {len(free):,} uncovered incidents")
    assert (tmp_path / "demo" / "plan.png").read_bytes()[:4] == b"\x89PNG"
    # the invite step: every distinct address of the sample inside the best area is invited once
    best_id = shows[-1].split("(")[-1].split(",")[0].strip(" ).")
    area = props.loc[props["proposal_id"] == best_id, "geometry"].iloc[0]
    adr = pd.read_csv(SAMPLES / "addresses.csv", dtype=str, keep_default_na=False)
    held = adr[shapely.intersects_xy(area, adr["x"].astype(float), adr["y"].astype(float))]
    keys = held[["straat", "huisnummer", "huisletter", "toevoeging", "postcode"]].drop_duplicates()
    invited = pd.read_csv(tmp_path / "demo" / "invitations.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert len(keys) > 0 and len(invited) == len(keys)
    assert set(invited["street"]) == set(held["straat"])
    assert (tmp_path / "demo" / "invitation_labels.pdf").read_bytes()[:5] == b"%PDF-"
    # the alert step: a recipient list was written, and member data is nowhere else (console, other
    # outputs); the store itself holds the members, so it is not scanned
    recipients = pd.read_csv(tmp_path / "demo" / "alert_recipients.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert len(recipients) > 0 and recipients["person_id"].is_unique
    members = pd.read_csv(SAMPLES / "members.csv", sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    emails = {e for e in members["e-mail"] if "@" in e}
    phones = {c.lstrip("'") for c in recipients["contact"] if not c.count("@")}
    assert emails and phones
    for f in (tmp_path / "demo").iterdir():
        if f.name.startswith("alert_") or f.name == "bins.gpkg":
            continue
        data = f.read_bytes().decode("utf-8", "replace")
        leaked = [v for v in emails | phones if v in data]
        assert not leaked, f"{f.name} holds member data"
    leaked = [v for v in emails | phones if v in out]
    assert not leaked, "the demo printed member data"


def test_coverage_command(store, tmp_path):
    out = run(
        "coverage",
        "--store",
        store,
        "--addresses",
        SAMPLES / "addresses.csv",
        "--crs",
        "28992",
        "--by",
        "municipality",
        "--output",
        tmp_path / "cov.csv",
    )
    assert "lie in at least one active network" in out and "Coverage by municipality" in out
    per = pd.read_csv(tmp_path / "cov.csv")
    assert {"network_id", "addresses", "households", "exclusive_addresses"} <= set(per.columns)
    areas = pd.read_csv(tmp_path / "cov.areas.csv")
    assert areas["addresses"].sum() == 8449
    out = run(
        "coverage",
        "--store",
        store,
        "--addresses",
        SAMPLES / "addresses.csv",
        "--crs",
        "28992",
        "--by",
        "district",
        ok=False,
    )
    assert "cannot group addresses by 'district'" in out


def test_hotspots_and_pai_commands(store, tmp_path):
    out_path = tmp_path / "hs.gpkg"
    out = run(
        "hotspots",
        SAMPLES / "incidents.csv",
        "--store",
        store,
        "--crs",
        "28992",
        "--output",
        out_path,
        "--addresses",
        SAMPLES / "addresses.csv",
    )
    assert "hot spots" in out and "UNCOVERED" in out
    hs = gpd.read_file(out_path, layer="hotspots")
    cells = gpd.read_file(out_path, layer="cells")
    assert {
        "hotspot_id",
        "incidents",
        "area_m2",
        "max_z",
        "addresses",
        "covered_share",
        "network_ids",
        "uncovered",
        "rank",
    } <= set(hs.columns)
    assert {"row", "col", "count", "gi_z", "gi_p", "hot", "cold"} <= set(cells.columns)
    assert cells["count"].sum() == 4950  # every usable incident counted once
    assert hs.sort_values("rank")["uncovered"].is_monotonic_decreasing  # uncovered first
    assert not hs.isna().any().any() and not cells[["gi_z", "gi_p"]].isna().any().any()
    out = run(
        "hotspots",
        SAMPLES / "incidents.csv",
        "--store",
        store,
        "--crs",
        "28992",
        "--output",
        out_path,
        "--type-field",
        "soort_delict",
        "--type",
        "woninginbraak",
        "--from",
        "2023-03-01",
        "--cell-size",
        "100",
    )
    assert "100 m cells" in out
    out = run(
        "pai",
        SAMPLES / "incidents.csv",
        "--store",
        store,
        "--crs",
        "28992",
        "--fit",
        "2021-01-01/2022-12-31",
        "--test",
        "2023-01-01/2024-12-31",
        "--output",
        tmp_path / "pai.json",
    )
    import json

    figures = json.loads((tmp_path / "pai.json").read_text())
    assert figures["pai"] > 1 and 0 < figures["hit_rate"] <= 1 and figures["rri"] > 0
    res = CliRunner().invoke(
        cli,
        [
            "pai",
            str(SAMPLES / "incidents.csv"),
            "--store",
            str(store),
            "--fit",
            "2021",
            "--test",
            "2023-01-01/2025-01-01",
        ],
    )
    assert res.exit_code == 2 and "use FROM/TO" in res.output


def test_propose_command(store, tmp_path):
    hs = tmp_path / "hs.gpkg"
    run("hotspots", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", hs)
    out = run(
        "propose",
        "--store",
        store,
        "--hotspots",
        hs,
        "--addresses",
        SAMPLES / "addresses.csv",
        "--incidents",
        SAMPLES / "incidents.csv",
        "--crs",
        "28992",
        "--output",
        tmp_path / "new.gpkg",
    )
    assert "proposed areas" in out and "streets:" in out
    props = gpd.read_file(tmp_path / "new.gpkg", layer="proposals")
    hot = gpd.read_file(hs, layer="hotspots")
    assert len(props) == int(hot["uncovered"].sum()) > 0
    with bingeo_open(store) as st:
        nets = st.networks()
    assert (props.geometry.intersection(nets.geometry.union_all()).area < 1e-6).all()  # never on existing networks
    assert props["households"].between(0, 250).all()
    out = run(
        "propose",
        "--store",
        store,
        "--hotspots",
        hs,
        "--addresses",
        SAMPLES / "addresses.csv",
        "--crs",
        "28992",
        "--kind",
        "whatsapp",
        "--max-households",
        "300",
        "--output",
        tmp_path / "w.gpkg",
        ok=False,
    )
    assert "256" in out


def test_density_command(store, tmp_path):
    import rasterio

    out = run(
        "density",
        SAMPLES / "incidents.csv",
        "--store",
        store,
        "--crs",
        "28992",
        "--cell-size",
        "100",
        "--radius",
        "1000",
        "--output",
        tmp_path / "kde.tif",
        "--contours",
    )
    assert "50 rejected" in out and "density bands" in out
    with rasterio.open(tmp_path / "kde.tif") as src:
        assert src.crs.to_epsg() == 28992 and src.res == (100.0, 100.0)
        assert src.read(1).max() > 0
    bands = gpd.read_file(tmp_path / "kde.contours.gpkg", layer="contours")
    assert len(bands) > 0 and bands.is_valid.all()
    res = CliRunner().invoke(
        cli,
        [
            "density",
            str(SAMPLES / "incidents.csv"),
            "--crs",
            "28992",
            "--cell-size",
            "100",
            "--radius",
            "1000",
            "--output",
            str(tmp_path / "kde.png"),
        ],
    )
    assert res.exit_code == 2 and "GeoTIFF" in res.output
    # the command reads coordinates without point objects; with --type it equals the library on the points read
    run(
        "density", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--cell-size", "100",
        "--radius", "500", "--type", "woninginbraak", "--output", tmp_path / "burglary.tif",
    )  # fmt: skip
    from bingeo.density import kernel_density
    from bingeo.readers import read_points

    with bingeo_open(store) as st:
        pts = read_points(SAMPLES / "incidents.csv", crs=28992, target_crs=st.crs, extent=st.extent()).points
    want = kernel_density(pts[pts["soort_delict"] == "woninginbraak"], cell_size=100, radius=500)
    with rasterio.open(tmp_path / "burglary.tif") as src:
        assert src.transform == want.transform and src.read(1).shape == want.shape
        np.testing.assert_array_equal(src.read(1)[want.reached], want.values[want.reached].astype(src.dtypes[0]))


def test_members_reimport_keeps_missing_unless_replace(store, tmp_path):
    header = "lidnummer;naam;telefoon;toestemming;x;y\n"
    rows = {
        "L1": "L1;A;06 1234 5678;ja;233500;582000\n",
        "L2": "L2;B;06 1234 5679;ja;233510;582000\n",
        "L3": "L3;C;06 1234 5670;ja;233520;582000\n",
    }
    full = tmp_path / "leden.csv"
    full.write_text(header + "".join(rows.values()), encoding="utf-8")
    run("members", "import", full, "--store", store, "--crs", "28992")
    # a partial list (L1 only) and L2 with an unusable phone number (rejected, not missing)
    part = tmp_path / "nieuw.csv"
    part.write_text(header + rows["L1"] + "L2;B;12;ja;233510;582000\n", encoding="utf-8")

    def status():
        with bingeo_open(store) as st:
            m = st.members()
        return dict(zip(m["member_id"], m["status"].fillna("")))

    run("members", "import", part, "--store", store, "--crs", "28992")
    assert set(status().values()) == {"active"}
    out = run("members", "import", part, "--store", store, "--crs", "28992", "--replace")
    assert "1 missing from the list marked as left" in out
    assert status() == {"L1": "active", "L2": "active", "L3": "left"}
    res = run(
        "recipients", "--store", store, "--around", "233510,582000", "--radius", "100", "--output", tmp_path / "r.csv"
    )
    assert "2 recipients" in res and "left 1" in res


@pytest.mark.parametrize("people", [255, 256])
def test_members_import_warns_when_a_whatsapp_group_is_over_full(store, tmp_path, people):
    rows = ["lidnummer;naam;e-mail;toestemming;status;netwerken;x;y"]
    for i in range(people):
        rows.append(f"W{i};Lid {i};lid{i}@example.org;ja;actief;GR-WAB-001;{233000 + i};582000")
    # the same person again at a second address, and a member who left: neither adds a person
    rows.append(f"W{people};Lid 0;lid0@example.org;ja;actief;GR-WAB-001;233000;582500")
    rows.append(f"W{people + 1};Weg;weg@example.org;ja;afgemeld;GR-WAB-001;233000;582600")
    src = tmp_path / "groep.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = run("members", "import", src, "--store", store, "--crs", "28992")
    assert "WhatsApp group" not in out  # 255 or 256 people: within the limit
    # the one who left comes back: 256 or 257 people
    back = tmp_path / "terug.csv"
    back.write_text(
        "lidnummer;naam;e-mail;toestemming;status;netwerken;x;y\n"
        f"W{people + 1};Weg;weg@example.org;ja;actief;GR-WAB-001;233000;582600\n",
        encoding="utf-8",
    )
    out = run("members", "import", back, "--store", store, "--crs", "28992")
    assert ("GR-WAB-001 has 257 active members" in out) is (people == 256)
    assert ("WhatsApp group" in out) is (people == 256)


def test_propose_kind_choices_are_the_kinds_propose_accepts():
    from bingeo.propose import KINDS

    kind = next(p for p in cli.commands["propose"].params if p.name == "kind")
    assert list(kind.type.choices) == list(KINDS)
