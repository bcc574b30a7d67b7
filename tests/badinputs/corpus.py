"""A corpus of realistic bad inputs, across all commands (issue 13).

Each :class:`Case` builds its input files in a fresh folder (from the repo's samples and small hand-made files),
runs one ``bingeo`` command line in-process and states what a user must get:

- :class:`Error`: exit code 1 (2 for a value click refuses itself), no traceback, and the message holds each of
  ``says`` (case-insensitive): the option or file as the user wrote it, and the word that gives the fix;
- :class:`Rejects`: exit code 0, the good rows all in the output and exactly ``n`` rows in the rejects file beside
  it, with these reason codes;
- :class:`Works`: exit code 0 and ``check(folder, output_text)`` holds (the input was unusual, not wrong).

``python -m tests.badinputs.corpus`` prints handled / total; ``tests/test_bad_inputs.py`` runs every case.
Nothing here knows how bingeo handles a case: the expectations are what the issue asks a user to see.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"

# RD New coordinates inside the sample networks (Groningen), and the same place in lon/lat.
RD_IN = (233900.0, 583400.0)
LONLAT_IN = (6.5665, 53.2194)
HEADER = "registratienummer;pleegdatum;soort_delict;X;Y"


@dataclasses.dataclass
class Error:
    says: tuple[str, ...]
    codes: tuple[int, ...] = (1,)


@dataclasses.dataclass
class Rejects:
    n: int
    good: int
    reasons: tuple[str, ...] = ()


@dataclasses.dataclass
class Works:
    check: Callable[[Path, str], str | None]  # returns None when fine, else what is wrong


@dataclasses.dataclass
class Case:
    name: str
    command: str
    build: Callable[[Path], list[str]]  # writes files into the folder, returns the argument list
    expect: Error | Rejects | Works
    output: str | None = None  # the output whose rejects file holds the rejects (Rejects only)


CASES: list[Case] = []


def case(name: str, command: str, expect: Error | Rejects | Works, output: str | None = None):
    def deco(fn: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        CASES.append(Case(name, command, fn, expect, output))
        return fn

    return deco


# --------------------------------------------------------------------------- helpers


def store(folder: Path) -> str:
    """A store with the sample networks (RD New), made once per folder."""
    path = folder / "bins.gpkg"
    if not path.exists():
        res = run(["networks", "import", str(SAMPLES / "networks.gpkg"), "--store", str(path)])
        assert res.exit_code == 0, res.output
    return str(path)


def member_store(folder: Path) -> str:
    path = store(folder)
    if not (folder / ".members").exists():
        res = run(["addresses", "import", str(SAMPLES / "addresses.csv"), "--store", path, "--crs", "28992"])
        assert res.exit_code == 0, res.output
        res = run(["members", "import", str(SAMPLES / "members.csv"), "--store", path])
        assert res.exit_code == 0, res.output
        (folder / ".members").touch()
    return path


def incidents_csv(folder: Path, rows: list[str], name: str = "inc.csv", encoding: str = "cp1252") -> str:
    path = folder / name
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding))
    return str(path)


def good_rows(n: int, start: int = 0) -> list[str]:
    """n valid incident rows inside the sample networks (RD, decimal commas), dated through 2023."""
    out = []
    for i in range(start, start + n):
        x, y = RD_IN[0] + (i % 20) * 37.5, RD_IN[1] + (i // 20) * 41.25
        out.append(
            f"PL-{i:05d};{1 + i % 28}-{1 + i % 12}-2023 12:00;woninginbraak;{x:.2f}".replace(".", ",")
            + f";{y:.2f}".replace(".", ",")
        )
    return out


def polygons_file(folder: Path, geoms: list, crs: int | None, name: str = "nets.geojson", ids=None) -> str:
    """A GeoJSON FeatureCollection written by hand (so invalid geometry reaches bingeo unchanged)."""
    feats = []
    for i, g in enumerate(geoms):
        geom = g if isinstance(g, dict) else json.loads(shapely.to_geojson(g))
        feats.append(
            {
                "type": "Feature",
                "properties": {"bin_code": (ids or [f"N-{i + 1:03d}" for i in range(len(geoms))])[i]},
                "geometry": geom,
            }
        )
    doc: dict = {"type": "FeatureCollection", "features": feats}
    if crs and crs != 4326:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    path = folder / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def square(x: float, y: float, d: float) -> shapely.Polygon:
    return shapely.box(x, y, x + d, y + d)


def run(args: list[str]):
    from bingeo.cli.main import cli

    return CliRunner().invoke(cli, args)


def _out(folder: Path, name: str) -> str:
    return str(folder / name)


# --------------------------------------------------------------------------- networks import


@case(
    "bow-tie ring is repaired and reported",
    "networks import",
    Works(lambda f, out: None if "repair" in out.lower() else "no repair reported"),
)
def _(f):
    bow = {
        "type": "Polygon",
        "coordinates": [[[233000, 583000], [234000, 584000], [234000, 583000], [233000, 584000], [233000, 583000]]],
    }
    return [
        "networks",
        "import",
        polygons_file(f, [bow, square(235000, 583000, 800)], 28992),
        "--store",
        _out(f, "s.gpkg"),
    ]


@case(
    "two-point ring",
    "networks import",
    Works(lambda f, out: None if "N-001" in out else "the two-point ring is not named"),
)
def _(f):
    two = {"type": "Polygon", "coordinates": [[[233000, 583000], [234000, 584000], [233000, 583000]]]}
    return [
        "networks",
        "import",
        polygons_file(f, [two, square(235000, 583000, 800)], 28992),
        "--store",
        _out(f, "s.gpkg"),
    ]


@case("unclosed ring", "networks import", Works(lambda f, out: None))
def _(f):
    ring = {
        "type": "Polygon",
        "coordinates": [[[233000, 583000], [234000, 583000], [234000, 584000], [233000, 584000]]],
    }
    return [
        "networks",
        "import",
        polygons_file(f, [ring, square(235000, 583000, 800)], 28992),
        "--store",
        _out(f, "s.gpkg"),
    ]


@case(
    "hole outside its shell",
    "networks import",
    Works(lambda f, out: None if "N-001" in out else "the bad hole is not reported"),
)
def _(f):
    g = {
        "type": "Polygon",
        "coordinates": [
            list(square(233000, 583000, 500).exterior.coords),
            list(square(236000, 583000, 100).exterior.coords),
        ],
    }
    return [
        "networks",
        "import",
        polygons_file(f, [g, square(235000, 583000, 800)], 28992),
        "--store",
        _out(f, "s.gpkg"),
    ]


@case(
    "zero-area polygon",
    "networks import",
    Works(lambda f, out: None if "N-001" in out else "the zero-area feature is not reported"),
)
def _(f):
    flat = {
        "type": "Polygon",
        "coordinates": [[[233000, 583000], [234000, 583000], [235000, 583000], [233000, 583000]]],
    }
    return [
        "networks",
        "import",
        polygons_file(f, [flat, square(235000, 583000, 800)], 28992),
        "--store",
        _out(f, "s.gpkg"),
    ]


@case("repeated vertices and a spike", "networks import", Works(lambda f, out: None))
def _(f):
    g = {
        "type": "Polygon",
        "coordinates": [
            [
                [233000, 583000],
                [233000, 583000],
                [234000, 583000],
                [234000, 584000],
                [234000, 590000],
                [234000, 584000],
                [233000, 584000],
                [233000, 583000],
            ]
        ],
    }
    return ["networks", "import", polygons_file(f, [g], 28992), "--store", _out(f, "s.gpkg")]


@case("lon/lat polygons given as RD New", "networks import", Error(("4326", "--crs")))
def _(f):
    g = shapely.Polygon(
        [(6.5512345, 53.2101234), (6.5623456, 53.2109876), (6.5618765, 53.2187654), (6.5512345, 53.2101234)]
    )
    path = polygons_file(f, [g], None, name="nets.geojson")
    doc = json.loads(Path(path).read_text())
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    Path(path).write_text(json.dumps(doc))
    return ["networks", "import", path, "--store", _out(f, "s.gpkg")]


@case("no id column: error and no store left", "networks import", Error(("--id-field",)))
def _(f):
    gdf = gpd.GeoDataFrame(
        {"omschrijving": ["a", "b"]}, geometry=[square(233000, 583000, 500), square(235000, 583000, 500)], crs=28992
    )
    gdf.to_file(f / "noid.gpkg")
    return ["networks", "import", str(f / "noid.gpkg"), "--store", _out(f, "never.gpkg")]


@case("empty polygon file", "networks import", Error(("empty.geojson",)))
def _(f):
    (f / "empty.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    return ["networks", "import", str(f / "empty.geojson"), "--store", _out(f, "s.gpkg")]


@case("garbage named .geojson", "networks import", Error(("bad.geojson",)))
def _(f):
    (f / "bad.geojson").write_text("dit is geen geojson\n")
    return ["networks", "import", str(f / "bad.geojson"), "--store", _out(f, "s.gpkg")]


@case("zip holding no shapefile", "networks import", Error(("readme.txt",)))
def _(f):
    with zipfile.ZipFile(f / "export.zip", "w") as z:
        z.writestr("readme.txt", "no data here")
    return ["networks", "import", str(f / "export.zip"), "--store", _out(f, "s.gpkg")]


@case("shapefile without .prj and no --crs", "networks import", Error(("--crs",)))
def _(f):
    gdf = gpd.read_file(SAMPLES / "networks.gpkg")[["bin_code", "naam", "geometry"]]
    gdf.to_file(f / "wijken.shp")
    (f / "wijken.prj").unlink()
    return ["networks", "import", str(f / "wijken.shp"), "--store", _out(f, "s.gpkg")]


@case("points given as networks", "networks import", Error(("polygon",)))
def _(f):
    gpd.GeoDataFrame({"bin_code": ["a"]}, geometry=[shapely.Point(RD_IN)], crs=28992).to_file(f / "pts.gpkg")
    return ["networks", "import", str(f / "pts.gpkg"), "--store", _out(f, "s.gpkg")]


@case("coordinates of 1e308", "networks import", Error(("huge.geojson",)))
def _(f):
    g = {"type": "Polygon", "coordinates": [[[0, 0], [1e308, 0], [1e308, 1e308], [0, 0]]]}
    return ["networks", "import", polygons_file(f, [g], None, name="huge.geojson"), "--store", _out(f, "s.gpkg")]


@case("--store-crs differs from the existing store", "networks import", Error(("--store-crs", "28992")))
def _(f):
    return ["networks", "import", str(SAMPLES / "networks_update.geojson"), "--store", store(f), "--store-crs", "31370"]


@case("store path inside a file, not a folder", "networks import", Error(("notafolder",)))
def _(f):
    (f / "notafolder").write_text("x")
    return ["networks", "import", str(SAMPLES / "networks.gpkg"), "--store", str(f / "notafolder" / "s.gpkg")]


@case("store that is a CSV renamed .gpkg", "networks list", Error(("fake.gpkg",)))
def _(f):
    (f / "fake.gpkg").write_text("a;b\n1;2\n")
    return ["networks", "list", "--store", str(f / "fake.gpkg")]


@case("store that is a folder", "networks list", Error(("folder.gpkg",)))
def _(f):
    (f / "folder.gpkg").mkdir()
    return ["networks", "list", "--store", str(f / "folder.gpkg")]


@case("unreachable PostGIS server", "networks list", Error(("127.0.0.1",)))
def _(f):
    return ["networks", "list", "--store", "postgresql://nobody@127.0.0.1:1/none?schema=bingeo"]


@case("retire an unknown network", "networks retire", Error(("NOPE",)))
def _(f):
    return ["networks", "retire", "NOPE", "--on", "2024-01-01", "--store", store(f)]


# --------------------------------------------------------------------------- points: assign


@case(
    "empty, 0/0, text and -inf coordinates",
    "assign",
    Rejects(4, 10, ("empty_coordinates", "zero_zero", "unparseable_coordinates")),
    output="out.csv",
)
def _(f):
    bad = ["B1;1-1-2023;x;;", "B2;1-1-2023;x;0;0", "B3;1-1-2023;x;onbekend;583400", "B4;1-1-2023;x;-inf;583400"]
    return [
        "assign",
        incidents_csv(f, good_rows(10) + bad),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--output",
        _out(f, "out.csv"),
    ]


@case("some rows with swapped lat/lon", "assign", Rejects(3, 10, ("swapped_lat_lon",)), output="out.csv")
def _(f):
    bad = [f"S{i};1-1-2023;x;{RD_IN[1]:.0f};{RD_IN[0]:.0f}" for i in range(3)]
    return [
        "assign",
        incidents_csv(f, good_rows(10) + bad),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--output",
        _out(f, "out.csv"),
    ]


@case("all rows lon/lat, --crs 28992 given", "assign", Error(("4326", "--crs")))
def _(f):
    rows = [f"L{i};1-1-2023;x;{LONLAT_IN[0] + i * 1e-4:.6f};{LONLAT_IN[1]:.6f}".replace(".", ",") for i in range(20)]
    return ["assign", incidents_csv(f, rows), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


@case("all rows far outside the store", "assign", Error(("outside",)))
def _(f):
    rows = [f"F{i};1-1-2023;x;{100000 + i};{400000 + i}" for i in range(20)]
    return ["assign", incidents_csv(f, rows), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


@case("header only", "assign", Error(("inc.csv",)))
def _(f):
    return ["assign", incidents_csv(f, []), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


@case("missing input file", "assign", Error(("nowhere.csv",), codes=(1, 2)))
def _(f):
    return ["assign", str(f / "nowhere.csv"), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


@case("a folder as input", "assign", Error(("adir",), codes=(1, 2)))
def _(f):
    (f / "adir").mkdir()
    return ["assign", str(f / "adir"), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


@case("output is the input", "assign", Error(("--output",), codes=(1, 2)))
def _(f):
    p = incidents_csv(f, good_rows(5))
    return ["assign", p, "--store", store(f), "--crs", "28992", "--output", p]


@case("output is the input through a link", "assign", Error(("--output",), codes=(1, 2)))
def _(f):
    p = incidents_csv(f, good_rows(5))
    os.symlink(p, f / "link.csv")
    return ["assign", p, "--store", store(f), "--crs", "28992", "--output", str(f / "link.csv")]


@case("output with an unknown extension", "assign", Error((".docx",), codes=(1, 2)))
def _(f):
    return [
        "assign",
        incidents_csv(f, good_rows(5)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--output",
        _out(f, "out.docx"),
    ]


@case("no coordinate columns", "assign", Error(("--x-field",)))
def _(f):
    (f / "nocoords.csv").write_text("id;adres\n1;Grote Markt 1\n2;Vismarkt 3\n")
    return ["assign", str(f / "nocoords.csv"), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


@case("UTF-16 without BOM", "assign", Works(lambda f, out: None if (f / "out.csv").exists() else "no output"))
def _(f):
    text = "\r\n".join([HEADER, *good_rows(5)]) + "\r\n"
    (f / "u16.csv").write_bytes(text.encode("utf-16-le"))
    return ["assign", str(f / "u16.csv"), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


@case(
    "a cell over 131,072 characters", "assign", Works(lambda f, out: None if (f / "out.csv").exists() else "no output")
)
def _(f):
    rows = good_rows(5)
    rows[0] = rows[0].replace(";woninginbraak;", ";" + "x" * 200_000 + ";")
    return ["assign", incidents_csv(f, rows), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


def _formula_safe(f: Path, out: str) -> str | None:
    text = (f / "out.csv").read_text(encoding="utf-8-sig")
    for bad in ("=HYPERLINK", "@SUM", "+CMD"):
        for line in text.splitlines():
            for cell in line.replace(",", ";").split(";"):
                if cell.strip('"').startswith(bad):
                    return f"a cell starts with {bad}: {cell[:40]}"
    return None


@case("formula cells in the input", "assign", Works(_formula_safe))
def _(f):
    rows = good_rows(3)
    rows[0] = rows[0].replace("woninginbraak", '=HYPERLINK("http://x.example")')
    rows[1] = rows[1].replace("woninginbraak", "@SUM(A1:A9)")
    rows[2] = rows[2].replace("woninginbraak", "+CMD")
    return ["assign", incidents_csv(f, rows), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


def _networks_list_safe(f: Path, out: str) -> str | None:
    text = (f / "nets.csv").read_text(encoding="utf-8-sig")
    return (
        "a cell starts with ="
        if any(c.strip('"').startswith("=") for line in text.splitlines() for c in line.split(";") + line.split(","))
        else None
    )


@case("formula in a network name", "networks list", Works(_networks_list_safe))
def _(f):
    p = polygons_file(f, [square(233000, 583000, 500)], 28992)
    doc = json.loads(Path(p).read_text())
    doc["features"][0]["properties"]["naam"] = '=HYPERLINK("http://x.example")'
    Path(p).write_text(json.dumps(doc))
    s = _out(f, "s.gpkg")
    assert run(["networks", "import", p, "--store", s]).exit_code == 0
    return ["networks", "list", "--store", s, "--output", _out(f, "nets.csv")]


def _sheet_named(f: Path, out: str) -> str | None:
    return None if "Incidenten" in out else "the sheet used is not named"


@case("Excel sheet with X/Y on the second sheet", "assign", Works(_sheet_named))
def _(f):
    df = pd.DataFrame([r.split(";") for r in good_rows(10)], columns=HEADER.split(";"))
    df["X"] = df["X"].str.replace(",", ".").astype(float)
    df["Y"] = df["Y"].str.replace(",", ".").astype(float)
    with pd.ExcelWriter(f / "export.xlsx") as xw:
        pd.DataFrame({"info": ["export"]}).to_excel(xw, sheet_name="Info", index=False)
        df.to_excel(xw, sheet_name="Incidenten", index=False)
    return ["assign", str(f / "export.xlsx"), "--store", store(f), "--crs", "28992", "--output", _out(f, "out.csv")]


@case(
    "Excel date cells and serial dates",
    "counts",
    Works(lambda f, out: None if "2023" in (f / "c.csv").read_text(encoding="utf-8-sig") else "no 2023 period"),
)
def _(f):
    df = pd.DataFrame({"pleegdatum": pd.date_range("2023-01-01", periods=12, freq="MS"), "X": RD_IN[0], "Y": RD_IN[1]})
    df.to_excel(f / "d.xlsx", index=False)
    return [
        "counts",
        str(f / "d.xlsx"),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--by",
        "month",
        "--output",
        _out(f, "c.csv"),
    ]


# --------------------------------------------------------------------------- dates and periods


@case("two impossible dates", "counts", Rejects(2, 10), output="c.csv")
def _(f):
    rows = good_rows(10) + [
        f"D1;31-2-2023 10:00;x;{RD_IN[0]:.0f};{RD_IN[1]:.0f}",
        f"D2;15-13-2023 10:00;x;{RD_IN[0]:.0f};{RD_IN[1]:.0f}",
    ]
    return [
        "counts",
        incidents_csv(f, rows),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--by",
        "month",
        "--output",
        _out(f, "c.csv"),
    ]


@case("empty dates with --by month", "counts", Rejects(3, 10), output="c.csv")
def _(f):
    rows = good_rows(10) + [f"E{i};;x;{RD_IN[0]:.0f};{RD_IN[1]:.0f}" for i in range(3)]
    return [
        "counts",
        incidents_csv(f, rows),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--by",
        "month",
        "--output",
        _out(f, "c.csv"),
    ]


def _iso_months(f: Path, out: str) -> str | None:
    c = pd.read_csv(f / "c.csv", sep=None, engine="python", dtype=str)
    col = next((k for k in c.columns if k.lower() in ("period", "month")), c.columns[0])
    n = c[col].dropna().nunique()
    return None if n >= 12 else f"{n} periods for 12 ISO months"


@case("ISO month dates are never day-first", "counts", Works(_iso_months))
def _(f):
    rows = [f"M{m};2022-{m:02d}-01;x;{RD_IN[0]:.0f};{RD_IN[1]:.0f}" for m in range(1, 13)]
    return [
        "counts",
        incidents_csv(f, rows),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--by",
        "month",
        "--output",
        _out(f, "c.csv"),
    ]


@case("--from after --to", "hotspots", Error(("--from", "--to"), codes=(1, 2)))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--from",
        "2024-01-01",
        "--to",
        "2023-01-01",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("--from that is not a date", "hotspots", Error(("--from",), codes=(1, 2)))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--from",
        "2023-13-01",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("a period that holds no incident", "hotspots", Error(("2030",)))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--from",
        "2030-01-01",
        "--to",
        "2030-12-31",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("--date-field that does not exist", "hotspots", Error(("--date-field", "pleegdatum")))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--from",
        "2023-01-01",
        "--date-field",
        "datum",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("--before and --after overlap", "evaluate", Error(("--before", "--after"), codes=(1, 2)))
def _(f):
    return [
        "evaluate",
        "--store",
        store(f),
        "--incidents",
        incidents_csv(f, good_rows(50)),
        "--crs",
        "28992",
        "--network",
        "GR-BIN-001",
        "--before",
        "2023-01-01/2023-09-01",
        "--after",
        "2023-06-01/2023-12-31",
        "--output",
        _out(f, "e.json"),
    ]


# --------------------------------------------------------------------------- option values


@case("--cell-size 0", "hotspots", Error(("--cell-size",), codes=(1, 2)))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--cell-size",
        "0",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("--cell-size -100", "hotspots", Error(("--cell-size",), codes=(1, 2)))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--cell-size",
        "-100",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("--rings -1", "hotspots", Error(("--rings",), codes=(1, 2)))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--rings",
        "-1",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("--alpha 5", "hotspots", Error(("--alpha",), codes=(1, 2)))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--alpha",
        "5",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("--type that no incident has", "hotspots", Error(("fietsendiefstal", "woninginbraak")))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--type",
        "fietsendiefstal",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("--type-field that does not exist", "hotspots", Error(("--type-field", "soort_delict")))
def _(f):
    return [
        "hotspots",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--type-field",
        "delict",
        "--type",
        "woninginbraak",
        "--output",
        _out(f, "h.gpkg"),
    ]


@case("every incident at one spot", "hotspots", Works(lambda f, out: None if (f / "h.gpkg").exists() else "no output"))
def _(f):
    rows = [f"P{i};1-1-2023;x;{RD_IN[0]:.0f};{RD_IN[1]:.0f}" for i in range(30)]
    return ["hotspots", incidents_csv(f, rows), "--store", store(f), "--crs", "28992", "--output", _out(f, "h.gpkg")]


@case("density --radius 0", "density", Error(("--radius",), codes=(1, 2)))
def _(f):
    return [
        "density",
        incidents_csv(f, good_rows(50)),
        "--crs",
        "28992",
        "--cell-size",
        "50",
        "--radius",
        "0",
        "--output",
        _out(f, "d.tif"),
    ]


@case("density --radius smaller than half a cell", "density", Error(("--radius", "--cell-size"), codes=(1, 2)))
def _(f):
    args = ["density", incidents_csv(f, good_rows(50)), "--crs", "28992", "--cell-size", "50000", "--radius", "500"]
    return [*args, "--output", _out(f, "d.tif")]


@case("density output that is not .tif", "density", Error(("--output", ".tif"), codes=(1, 2)))
def _(f):
    return [
        "density",
        incidents_csv(f, good_rows(50)),
        "--crs",
        "28992",
        "--cell-size",
        "50",
        "--radius",
        "500",
        "--output",
        _out(f, "d.png"),
    ]


@case("nearrepeat time bands not increasing", "nearrepeat", Error(("--time-bands",), codes=(1, 2)))
def _(f):
    return [
        "nearrepeat",
        "--incidents",
        incidents_csv(f, good_rows(50)),
        "--crs",
        "28992",
        "--time-bands",
        "0,14,7",
        "--permutations",
        "9",
    ]


@case("nearrepeat --permutations -5", "nearrepeat", Error(("--permutations",), codes=(1, 2)))
def _(f):
    return ["nearrepeat", "--incidents", incidents_csv(f, good_rows(50)), "--crs", "28992", "--permutations", "-5"]


@case("evaluate an unknown network", "evaluate", Error(("NOPE",)))
def _(f):
    return [
        "evaluate",
        "--store",
        store(f),
        "--incidents",
        incidents_csv(f, good_rows(50)),
        "--crs",
        "28992",
        "--network",
        "NOPE",
        "--before",
        "2023-01-01/2023-06-30",
        "--after",
        "2023-07-01/2023-12-31",
        "--output",
        _out(f, "e.json"),
    ]


@case("pai --fit without a slash", "pai", Error(("--fit",), codes=(1, 2)))
def _(f):
    return [
        "pai",
        incidents_csv(f, good_rows(50)),
        "--store",
        store(f),
        "--crs",
        "28992",
        "--fit",
        "2023-01-01",
        "--test",
        "2023-07-01/2023-12-31",
    ]


def hotspots_file(folder: Path) -> str:
    """The sample incidents' hot spots, made once per folder."""
    path = folder / "h.gpkg"
    if not path.exists():
        args = ["hotspots", str(SAMPLES / "incidents.csv"), "--store", store(folder), "--crs", "28992"]
        res = run([*args, "--output", str(path)])
        assert res.exit_code == 0, res.output
    return str(path)


@case(
    "propose with --min-households above --max-households",
    "propose",
    Error(("--min-households", "--max-households"), codes=(1, 2)),
)
def _(f):
    return [
        "propose", "--store", store(f), "--hotspots", hotspots_file(f), "--addresses", str(SAMPLES / "addresses.csv"),
        "--crs", "28992", "--min-households", "300", "--max-households", "100", "--output", _out(f, "p.gpkg"),
    ]  # fmt: skip


@case("propose with a hotspots file that is not one", "propose", Error(("notahotspots.gpkg",)))
def _(f):
    shutil.copy(SAMPLES / "networks.gpkg", f / "notahotspots.gpkg")
    return [
        "propose", "--store", store(f), "--hotspots", str(f / "notahotspots.gpkg"),
        "--addresses", str(SAMPLES / "addresses.csv"), "--crs", "28992", "--output", _out(f, "p.gpkg"),
    ]  # fmt: skip


@case("map --offline without fetched assets", "map", Error(("bingeo assets fetch",)))
def _(f):
    os.environ["BINGEO_ASSETS"] = str(f / "no-assets")
    return ["map", "--store", store(f), "--output", _out(f, "m.html"), "--offline"]


# --------------------------------------------------------------------------- members and recipients


def _members_csv(f: Path, header: str, rows: list[str], name: str = "leden.csv") -> str:
    path = f / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


@case(
    "consent column 'Toestemming AVG'",
    "members import",
    Works(
        lambda f, out: (
            None
            if run(
                [
                    "recipients",
                    "--store",
                    str(f / "bins.gpkg"),
                    "--network",
                    "GR-BIN-001",
                    "--network-rule",
                    "membership",
                    "--output",
                    str(f / "r.csv"),
                    "--operator",
                    "t",
                    "--reason",
                    "t",
                ]
            ).exit_code
            == 0
            and (f / "r.csv").exists()
            and len(pd.read_csv(f / "r.csv", sep=";")) == 2
            else "members with 'Toestemming AVG: ja' are not alerted"
        )
    ),
)
def _(f):
    p = _members_csv(
        f,
        "Lidnummer;Voornaam;Achternaam;E-mailadres;Toestemming AVG;Netwerk;X;Y",
        [
            f"A1;Anna;Jansen;anna@example.org;ja;GR-BIN-001;{RD_IN[0]};{RD_IN[1]}",
            f"A2;Bert;Smit;bert@example.org;ja;GR-BIN-001;{RD_IN[0]};{RD_IN[1]}",
        ],
    )
    return ["members", "import", p, "--store", store(f), "--crs", "28992"]


@case(
    "'Mobiel' next to 'Telefoon'",
    "members import",
    Works(lambda f, out: None if "mobiel" in out.lower() else "the column used for the mobile is not said"),
)
def _(f):
    p = _members_csv(
        f, "Lidnummer;Naam;Telefoon;Mobiel;Toestemming;Netwerk", ["A1;Anna Jansen;0501234567;0612345678;ja;GR-BIN-001"]
    )
    return ["members", "import", p, "--store", store(f)]


@case(
    "bad phone, good e-mail",
    "members import",
    Works(
        lambda f, out: (
            None
            if "1 kept" in out.replace(",", "") or "kept 1" in out or "1 member" in out
            else "the member with a good e-mail was not kept"
        )
    ),
)
def _(f):
    p = _members_csv(
        f, "lidnummer;naam;e-mail;telefoon;toestemming;netwerken", ["A1;Anna Jansen;anna@example.org;12;ja;GR-BIN-001"]
    )
    return ["members", "import", p, "--store", store(f)]


@case(
    "no consent column at all",
    "members import",
    Works(
        lambda f, out: (
            None if "consent" in out.lower() or "toestemming" in out.lower() else "no warning that nobody has consent"
        )
    ),
)
def _(f):
    p = _members_csv(f, "lidnummer;naam;e-mail;netwerken", ["A1;Anna Jansen;anna@example.org;GR-BIN-001"])
    return ["members", "import", p, "--store", store(f)]


@case("recipients: area outside every network", "recipients", Error(("network",)))
def _(f):
    p = polygons_file(f, [square(100000, 400000, 500)], 28992, name="area.geojson")
    return [
        "recipients",
        "--store",
        member_store(f),
        "--area",
        p,
        "--output",
        _out(f, "r.csv"),
        "--operator",
        "t",
        "--reason",
        "t",
    ]


@case("recipients: --around with lat/lon swapped", "recipients", Error(("swap",)))
def _(f):
    return [
        "recipients",
        "--store",
        member_store(f),
        "--around",
        f"{LONLAT_IN[1]},{LONLAT_IN[0]}",
        "--around-crs",
        "4326",
        "--radius",
        "300",
        "--output",
        _out(f, "r.csv"),
        "--operator",
        "t",
        "--reason",
        "t",
    ]


@case("recipients: drawn area in RD metres without a CRS", "recipients", Error(("28992",)))
def _(f):
    g = json.loads(shapely.to_geojson(square(RD_IN[0] - 300, RD_IN[1] - 300, 600)))
    (f / "area.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": g}]})
    )
    return [
        "recipients",
        "--store",
        member_store(f),
        "--area",
        str(f / "area.geojson"),
        "--output",
        _out(f, "r.csv"),
        "--operator",
        "t",
        "--reason",
        "t",
    ]


@case("recipients: --radius 0", "recipients", Error(("--radius",), codes=(1, 2)))
def _(f):
    return [
        "recipients",
        "--store",
        member_store(f),
        "--around",
        f"{RD_IN[0]},{RD_IN[1]}",
        "--radius",
        "0",
        "--output",
        _out(f, "r.csv"),
        "--operator",
        "t",
        "--reason",
        "t",
    ]


@case("recipients: unknown --network", "recipients", Error(("NOPE",)))
def _(f):
    return [
        "recipients",
        "--store",
        member_store(f),
        "--network",
        "NOPE",
        "--output",
        _out(f, "r.csv"),
        "--operator",
        "t",
        "--reason",
        "t",
    ]


@case("recipients: a store without members", "recipients", Error(("members import",)))
def _(f):
    return [
        "recipients",
        "--store",
        store(f),
        "--network",
        "GR-BIN-001",
        "--output",
        _out(f, "r.csv"),
        "--operator",
        "t",
        "--reason",
        "t",
    ]


@case("recipients: --follow-up of an unknown alert", "recipients", Error(("A-NOPE",)))
def _(f):
    return [
        "recipients",
        "--store",
        member_store(f),
        "--follow-up",
        "A-NOPE",
        "--output",
        _out(f, "r.csv"),
        "--operator",
        "t",
        "--reason",
        "t",
    ]


@case("store info with --store", "store info", Works(lambda f, out: None if "28992" in out else "no CRS in store info"))
def _(f):
    return ["store", "info", "--store", store(f)]


# --------------------------------------------------------------------------- running


def _traceback_of(res) -> str | None:
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        return "".join(traceback.format_exception(res.exception))[-1200:]
    if "Traceback (most recent call last)" in res.output:
        return res.output[-1200:]
    return None


def _rejects_file(folder: Path, output: str) -> Path | None:
    stem = Path(output).with_suffix("")
    for p in (Path(f"{stem}.rejects.csv"), folder / f"{Path(output).stem}.rejects.csv"):
        if p.exists():
            return p
    found = sorted(folder.glob("*rejects*.csv"))
    return found[0] if found else None


def check(c: Case, folder: Path) -> str | None:
    """Run one case in ``folder``; None when the user gets what the case expects, else what went wrong."""
    saved = dict(os.environ)
    try:
        args = c.build(folder)
        res = run(args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    tb = _traceback_of(res)
    if tb:
        return f"traceback:\n{tb}"
    out = res.output
    if isinstance(c.expect, Error):
        if res.exit_code not in c.expect.codes:
            return f"exit {res.exit_code}, expected {c.expect.codes}:\n{out[-800:]}"
        missing = [s for s in c.expect.says if s.lower() not in out.lower()]
        return f"the message does not say {missing}:\n{out[-800:]}" if missing else None
    if res.exit_code != 0:
        return f"exit {res.exit_code}:\n{out[-800:]}"
    if isinstance(c.expect, Works):
        return c.expect.check(folder, out)
    rej = _rejects_file(folder, c.output or "")
    if rej is None:
        return f"no rejects file beside {c.output}:\n{out[-600:]}"
    rj = pd.read_csv(rej, dtype=str, sep=None, engine="python", encoding="utf-8-sig")
    if len(rj) != c.expect.n:
        return f"{len(rj)} rejects, expected {c.expect.n}:\n{out[-600:]}"
    reasons = set(rj.get("reject_reason", pd.Series(dtype=str)).dropna())
    if not set(c.expect.reasons) <= reasons:
        return f"reject reasons {sorted(reasons)}, expected {c.expect.reasons}"
    if c.command == "assign":
        got = pd.read_csv(folder / c.output, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
        if len(got) != c.expect.good:
            return f"{len(got)} good rows written, expected {c.expect.good}"
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Run the bad-input corpus and print handled / total.")
    p.add_argument("-k", help="only cases whose name holds this text")
    a = p.parse_args(argv)
    handled = 0
    chosen = [c for c in CASES if not a.k or a.k in c.name]
    for c in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                why = check(c, Path(tmp))
            except Exception as exc:  # a harness error is still an unhandled case
                why = f"harness: {type(exc).__name__}: {exc}"
            finally:
                for d in Path(tmp).rglob("*"):
                    if d.is_dir():
                        d.chmod(0o755)
        handled += why is None
        first = (why or "").strip().splitlines()
        print(
            f"{'ok ' if why is None else 'BAD'} {c.command:16} {c.name:55} {first[-1][:110] if first else ''}",
            flush=True,
        )
    print(f"\nhandled: {handled} / {len(chosen)}")
    return 0 if handled == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
