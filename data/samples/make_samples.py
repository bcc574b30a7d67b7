#!/usr/bin/env python3
"""Generate the bingeo sample data set: Groningen (NL), EPSG:28992 (RD New).

Usage::

    python3 data/samples/make_samples.py                 # writes into data/samples/
    python3 data/samples/make_samples.py --out /tmp/s    # somewhere else
    python3 data/samples/make_samples.py --real DIR      # other location of the real data

Inputs (read only, from ``../shared/data/real`` relative to the repository root,
see ``SOURCES.md`` there):

* ``netherlands_groningen_cbs_bag/buurt2017.zip``: CBS Wijk- en buurtkaart 2017,
  CC BY 3.0 NL (108 buurten of the municipality of Groningen, EPSG:4326).
* ``netherlands_groningen_cbs_bag/verblijfsobjecten_onderwijs_RD.zip``: BAG,
  Kadaster, Public Domain Mark (242 rows of education buildings, EPSG:28992).

Outputs (names are a contract, other code uses them):

* ``networks.gpkg`` (layer ``networks``, GeoPackage 1.2, EPSG:28992)
* ``networks_update.geojson`` (EPSG:4326, RFC 7946)
* ``addresses.csv`` (UTF-8, ``,``, RD metres)
* ``incidents.csv`` (Windows-1252, ``;``, decimal comma, CRLF, planted bad rows)
* ``members.csv`` (synthetic members; UTF-8 with BOM, ``;``, CRLF, planted bad rows)

Everything is seeded: running the script twice gives byte-identical files
(the GeoPackage timestamp is pinned with GDAL's ``OGR_CURRENT_DATE``).
See ``README.md`` next to this script for what is real, what is synthetic and
which quirks are planted on purpose.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sqlite3
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_REAL = REPO / ".." / "shared" / "data" / "real"
NL_DIR = "netherlands_groningen_cbs_bag"
BUURT_ZIP = "buurt2017.zip"
BAG_ZIP = "verblijfsobjecten_onderwijs_RD.zip"

CRS_RD = 28992
SEED = 20170901  # one master seed; every part derives its own generator from it
CBS_SECRET = -99999999  # CBS code for "secret / not available"
GPKG_TIMESTAMP = "2025-01-01T00:00:00.000Z"

N_SYNTHETIC_ADDRESSES = 8000  # before upstairs ("a") addresses are added
INCIDENT_PERIOD = (date(2021, 1, 1), date(2024, 12, 31))
N_INCIDENTS = 5000

# ----------------------------------------------------------------------------
# Networks. Geometry recipes refer to CBS buurt names (BU_NAAM, unique in 2017).
# politiezone values are MADE UP (plausible names, not the police's real teams).
# ----------------------------------------------------------------------------
PZ_C = "Basisteam Groningen-Centrum"
PZ_O = "Basisteam Groningen-Oost"
PZ_W = "Basisteam Groningen-West"

NETWORKS = [
    # bin_code, naam, soort, politiezone, opgericht, status, retired_on, recipe
    ("GR-BIN-001", "BIN Oosterpoort", "bin", PZ_C, "2013-05-14", "active", None, ("buurten", ["Oosterpoort"])),
    (
        "GR-BIN-002",
        "BIN Rivierenbuurt-Herewegbuurt",
        "bin",
        PZ_C,
        "2015-09-01",
        "active",
        None,
        ("buurten", ["Rivierenbuurt", "Herewegbuurt"]),
    ),
    ("GR-BIN-003", "BIN Schildersbuurt", "bin", PZ_W, "2014-02-20", "active", None, ("buurten", ["Schildersbuurt"])),
    (
        "GR-BIN-004",
        "BIN Oranjebuurt-Noorderplantsoenbuurt",
        "bin",
        PZ_C,
        "2016-11-07",
        "active",
        None,
        ("buurten", ["Oranjebuurt", "Noorderplantsoenbuurt"]),
    ),
    ("GR-BIN-005", "BIN Indische buurt", "bin", PZ_O, "2012-10-01", "active", None, ("buurten", ["Indische buurt"])),
    (
        "GR-BIN-006",
        "BIN Professorenbuurt",
        "bin",
        PZ_O,
        "2017-03-15",
        "active",
        None,
        ("buurten", ["Professorenbuurt"]),
    ),
    (
        "GR-BIN-007",
        "BIN Vogel-, Bloemen- en Florabuurt",
        "bin",
        PZ_O,
        "2018-06-12",
        "active",
        None,
        ("buurten", ["Vogelbuurt", "Bloemenbuurt", "Florabuurt"]),
    ),
    ("GR-BIN-008", "BIN Helpman", "bin", PZ_O, "2014-09-30", "active", None, ("buurten", ["Helpman"])),
    ("GR-BIN-009", "BIN De Wijert", "bin", PZ_O, "2019-01-21", "active", None, ("buurten", ["De Wijert"])),
    ("GR-BIN-010", "BIN Selwerd", "bin", PZ_W, "2015-04-08", "active", None, ("buurten", ["Selwerd"])),
    (
        "GR-BIN-011",
        "BIN Lewenborg",
        "bin",
        PZ_O,
        "2016-02-02",
        "active",
        None,
        ("buurten", ["Lewenborg-Noord", "Lewenborg-Zuid", "Lewenborg-West"]),
    ),
    ("GR-BIN-012", "BIN Beijum-West", "bin", PZ_O, "2014-04-01", "retired", "2022-12-31", ("buurten", ["Beijum-West"])),
    ("GR-BIN-013", "BIN Gorechtbuurt", "bin", PZ_O, "2020-10-05", "active", None, ("buurten", ["Gorechtbuurt"])),
    ("GR-BIN-014", "BIN Zeeheldenbuurt", "bin", PZ_W, "2021-05-17", "active", None, ("buurten", ["Zeeheldenbuurt"])),
    # Z-BIN: the shopping core (Vismarkt - Grote Markt - Herestraat), part of the Binnenstad buurten.
    (
        "GR-ZBIN-001",
        "Z-BIN Binnenstad",
        "zbin",
        PZ_C,
        "2011-03-01",
        "active",
        None,
        (
            "clip",
            ["Binnenstad-Noord", "Binnenstad-Zuid", "Binnenstad-Oost", "Binnenstad-West"],
            [(233640.0, 581930.0), (233870.0, 582020.0), (233960.0, 581480.0)],
            150.0,
        ),
    ),
    # Z-BIN: a business park, one whole buurt without inhabitants.
    (
        "GR-ZBIN-002",
        "Z-BIN Martini Trade Park",
        "zbin",
        PZ_W,
        "2017-09-19",
        "active",
        None,
        ("buurten", ["Martini Trade Park"]),
    ),
    # WhatsApp groups: a few streets. 001 lies INSIDE BIN Oosterpoort (the one overlapping pair).
    (
        "GR-WAB-001",
        "WhatsApp Buurtpreventie Oosterpoort-Zuid",
        "whatsapp",
        PZ_C,
        "2019-08-26",
        "active",
        None,
        ("clip", ["Oosterpoort"], [(234330.0, 581080.0), (234520.0, 581010.0), (234640.0, 581090.0)], 70.0),
    ),
    (
        "GR-WAB-002",
        "WhatsApp Buurtpreventie Hoogkerk Dorp",
        "whatsapp",
        PZ_W,
        "2020-04-14",
        "active",
        None,
        ("clip", ["Hoogkerk Dorp"], [(229250.0, 581950.0), (229450.0, 582080.0), (229620.0, 582000.0)], 80.0),
    ),
]

# Changes shipped in networks_update.geojson (same bin_codes; one new network).
UPDATE_EDIT_BOUNDARY = ("GR-BIN-003", ["Schildersbuurt", "Kostverloren"])  # extended with Kostverloren
UPDATE_RENAME = ("GR-BIN-004", "BIN Noorderplantsoen e.o.")
UPDATE_UNCHANGED = "GR-BIN-001"
UPDATE_NEW = (
    "GR-BIN-015",
    "BIN Hoornse Meer",
    "bin",
    PZ_W,
    "2024-03-01",
    "active",
    None,
    ("buurten", ["Hoornse Meer"]),
)

# ----------------------------------------------------------------------------
# Incident hot spots (Gaussian clusters). Centres are RD metres, checked below.
# ----------------------------------------------------------------------------
HOTSPOTS = [
    # id, buurt the centre lies in, x, y, sigma (m), n, main kind, share of main kind, start, expect
    ("H1", "Indische buurt", 233870.0, 583480.0, 150.0, 300, "fietsendiefstal", 0.8, INCIDENT_PERIOD[0], "inside"),
    ("H2", "Lewenborg-Zuid", 237480.0, 583930.0, 250.0, 250, "woninginbraak", 0.8, INCIDENT_PERIOD[0], "inside"),
    ("H3", "Vinkhuizen-Zuid", 231300.0, 582200.0, 200.0, 300, "vernieling", 0.7, INCIDENT_PERIOD[0], "outside"),
    (
        "H4",
        "Hoogkerk-Zuid",
        229700.0,
        580250.0,
        250.0,
        200,
        "diefstal uit/vanaf motorvoertuig",
        0.8,
        INCIDENT_PERIOD[0],
        "outside",
    ),
    # a burglary series that starts on 1 March 2023 (before/after analyses)
    ("H5", "Hoornse Meer", 233350.0, 578500.0, 150.0, 250, "woninginbraak", 0.9, date(2023, 3, 1), "outside"),
]

KINDS = ["woninginbraak", "diefstal uit/vanaf motorvoertuig", "vernieling", "fietsendiefstal"]
BACKGROUND_KIND_SHARE = [0.22, 0.30, 0.23, 0.25]
# relative weight per hour 0..23
HOUR_WEIGHTS = {
    "woninginbraak": [2, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 4, 4, 5, 7, 8, 8, 7, 5, 4, 3],
    "diefstal uit/vanaf motorvoertuig": [8, 8, 8, 7, 6, 4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 4, 5, 6, 7, 8],
    "vernieling": [8, 7, 6, 4, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9],
    "fietsendiefstal": [3, 2, 1, 1, 1, 1, 2, 4, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 7, 6, 5, 5, 4],
}
DESCRIPTIONS = {
    "woninginbraak": [
        "Inbraak via achterdeur, sieraden weggenomen.",
        "Raam geforceerd, laptop en contant geld weg.",
        "Poging tot inbraak, cilinder afgebroken.",
        "Inbraak tijdens vakantie, één tv meegenomen.",
        "Buurman zag persoon met breekijzer bij de schuur.",
        "Inbraak in bovenwoning via dakkapel; schade ca. € 800.",
    ],
    "diefstal uit/vanaf motorvoertuig": [
        "Ruit ingeslagen, navigatiesysteem weggenomen.",
        "Portier opengebroken, tas van bijrijdersstoel weg.",
        "Katalysator afgezaagd.",
        "Kentekenplaten gestolen.",
        "Airbag uit stuur gehaald; schade ca. € 1.500.",
    ],
    "vernieling": [
        "Bushokje vernield.",
        "Ruit van café ingegooid.",
        "Graffiti op gevel van de coöperatie.",
        "Spiegels van geparkeerde auto's afgetrapt.",
        "Vuurwerkschade aan brievenbus.",
    ],
    "fietsendiefstal": [
        "Fiets stond op slot in rek bij station.",
        "Elektrische fiets uit schuur weggenomen.",
        "Fiets van plein voor het café weg, ketting doorgeknipt.",
        "Bakfiets gestolen; dubbel slot.",
        "Racefiets uit gemeenschappelijke berging.",
    ],
}
MULTILINE_DESCRIPTIONS = [
    "Melder zag twee personen wegrennen.\nCamerabeelden opgevraagd.",
    "Aangifte via internet.\nAanvulling: tweede fiets ook weg.",
    "Getuige: scooter, twee personen.\nKenteken deels bekend.",
    "Schade hersteld door eigenaar.\nGeen sporen aangetroffen.",
    "Buurtbewoner belde 112.\nPolitie ter plaatse, dader gevlucht.",
    "Melding via BIN-app.\nFoto's van verdachte bijgevoegd.",
]
N_MULTILINE = len(MULTILINE_DESCRIPTIONS)

# planted bad rows (all taken from background incidents; straat and date stay valid)
BAD_ROWS = {
    "empty": 12,  # X and Y both empty
    "zero": 10,  # X = 0, Y = 0
    "latlon": 10,  # WGS84 degrees in X/Y: half "lat;lon", half "lon;lat"
    "swapped": 10,  # RD X and Y swapped (X ~ 580 000, Y ~ 232 000)
    "far": 8,  # X shifted 20 km east: far beyond every network/address
}
FAR_SHIFT_M = 20000.0

# ----------------------------------------------------------------------------
# Synthetic street names: themed per buurt, like real Dutch neighbourhoods.
# ----------------------------------------------------------------------------
STREET_THEMES = {
    "vogels": [
        "Kievit",
        "Merel",
        "Lijster",
        "Zwaluw",
        "Spreeuw",
        "Vinken",
        "Meezen",
        "Reiger",
        "Roerdomp",
        "Kwartel",
        "Patrijs",
        "Fazant",
        "Wielewaal",
        "Specht",
        "Buizerd",
        "Valken",
        "Havik",
        "Grutto",
        "Tureluur",
        "Kraanvogel",
    ],
    "bomen": [
        "Esdoorn",
        "Linden",
        "Beuken",
        "Eiken",
        "Berken",
        "Iepen",
        "Populieren",
        "Wilgen",
        "Elzen",
        "Kastanje",
        "Hazelaar",
        "Vlier",
        "Meidoorn",
        "Lijsterbes",
        "Taxus",
        "Ceder",
        "Platanen",
    ],
    "bloemen": [
        "Tulpen",
        "Rozen",
        "Anjer",
        "Iris",
        "Narcis",
        "Krokus",
        "Dahlia",
        "Lelie",
        "Seringen",
        "Jasmijn",
        "Goudsbloem",
        "Klaproos",
        "Korenbloem",
        "Zonnebloem",
        "Ranonkel",
        "Violier",
    ],
    "schilders": [
        "Israëls",
        "Mesdag",
        "Breitner",
        "Mauve",
        "Maris",
        "Jongkind",
        "Toorop",
        "Mondriaan",
        "Weissenbruch",
        "Gabriël",
        "Bosboom",
        "Roelofs",
        "Bilders",
        "Witsen",
        "Voerman",
    ],
    "componisten": [
        "Fauré",
        "Méhul",
        "Ravel",
        "Bizet",
        "Gounod",
        "Chopin",
        "Grieg",
        "Sibelius",
        "Smetana",
        "Mahler",
        "Bruckner",
        "Sweelinck",
        "Diepenbrock",
        "Andriessen",
        "Röntgen",
    ],
    "wateren": [
        "Reitdiep",
        "Hunze",
        "Eems",
        "Dollard",
        "Lauwers",
        "Fivel",
        "Boorne",
        "Linge",
        "Dinkel",
        "Vecht",
        "Regge",
        "Berkel",
        "Swalm",
        "Damster",
        "Peizer",
    ],
    "eilanden": [
        "Ameland",
        "Schiermonnikoog",
        "Rottumeroog",
        "Terschelling",
        "Vlieland",
        "Texel",
        "Borkum",
        "Juist",
        "Norderney",
        "Griend",
        "Noorderhaaks",
    ],
    "sterren": [
        "Orion",
        "Sirius",
        "Vega",
        "Altair",
        "Castor",
        "Pollux",
        "Regulus",
        "Capella",
        "Andromeda",
        "Perseus",
        "Pegasus",
        "Cassiopeia",
        "Ariës",
        "Deneb",
    ],
}
STREET_SUFFIXES = ["straat", "laan", "weg", "pad", "plein", "hof", "singel", "kade", "dreef", "steeg"]
SUFFIX_WEIGHTS = [30, 20, 10, 8, 5, 7, 5, 4, 4, 3]
POSTCODE_LETTERS_FORBIDDEN = {"SA", "SD", "SS"}  # never used by PostNL

RDX_RANGE = (0.0, 300000.0)  # RD New x range of the Netherlands (generous)
RDY_RANGE = (300000.0, 625000.0)


# ============================================================================
# helpers
# ============================================================================
#: Window lengths of the burglaries (hours, from a uniform range) and how often each kind occurs: found at once (no
#: end), away for the day, overnight or a weekend, a holiday, and a long absence (beyond --max-window's 14 days).
BURGLARY_WINDOWS = [((0, 0), 0.25), ((1, 10), 0.40), ((10, 64), 0.25), ((72, 240), 0.08), ((360, 600), 0.02)]


def burglary_windows(incidents: pd.DataFrame) -> pd.DataFrame:
    """Make an export of the burglaries of ``incidents`` with a time window: when the residents left and came back.

    The time in ``incidents`` lies inside each window (uniformly placed). Planted: two windows that end before they
    begin and one impossible end date (31 February).
    """
    rng = rng_for("burglary-windows")
    b = incidents[incidents["kind"] == "woninginbraak"].reset_index(drop=True)
    ranges = [r for r, _ in BURGLARY_WINDOWS]
    kind = rng.choice(len(ranges), size=len(b), p=[p for _, p in BURGLARY_WINDOWS])
    lo = np.array([ranges[k][0] for k in kind], dtype=float)
    hi = np.array([ranges[k][1] for k in kind], dtype=float)
    minutes = np.round(rng.uniform(lo, hi) * 12) * 5  # whole 5 minutes
    before = np.round(rng.uniform(0, 1, len(b)) * minutes / 5) * 5
    begin = b["dt"] - pd.to_timedelta(before, unit="min")
    end = begin + pd.to_timedelta(minutes, unit="min")

    def text(ts: pd.Series) -> list[str]:
        return [f"{d.day}-{d.month}-{d.year} {d.hour}:{d.minute:02d}" for d in ts]

    end_text = [t if m > 0 else "" for t, m in zip(text(end), minutes)]
    plant = rng.choice(np.flatnonzero((minutes > 60) & (b["bad"] == "").to_numpy()), size=3, replace=False)
    for r in plant[:2]:
        end_text[r] = text(pd.Series([begin.iloc[r] - pd.Timedelta(hours=3)]))[0]
    end_text[plant[2]] = "31-2-" + end_text[plant[2]].split("-", 2)[2]
    return pd.DataFrame(
        {
            "registratienummer": b["registratienummer"],
            "Begin-pleegdatum/tijd": text(begin),
            "Eind-pleegdatum/tijd": end_text,
            "soort_delict": b["soort_delict"],
            "straat": b["straat"],
            "plaats": b["plaats"],
            "X": b["X"],
            "Y": b["Y"],
        }
    )


def windows_bytes(df: pd.DataFrame) -> bytes:
    """Serialise the burglaries with windows like the incidents: ';', CRLF, Windows-1252."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(df.columns)
    for row in df.itertuples(index=False):
        w.writerow(row)
    return buf.getvalue().encode("cp1252")


def rng_for(part: str) -> np.random.Generator:
    """One independent, reproducible generator per part, so parts do not shift each other."""
    salt = sum((i + 1) * ord(c) for i, c in enumerate(part))
    return np.random.default_rng([SEED, salt])


def is_secret(series: pd.Series) -> pd.Series:
    """Flag CBS numbers that are missing or a secrecy code (-99999999)."""
    return series.isna() | (series == CBS_SECRET) | (series < 0)


def fmt_dec_comma(value: float) -> str:
    """Format with 2 decimals and a decimal comma, as Dutch exports do."""
    return f"{value:.2f}".replace(".", ",")


def round_geom(geom, grid: float = 0.01):
    """Snap coordinates to a 1 cm grid, keeping the geometry valid."""
    out = shapely.set_precision(geom, grid)
    if not out.is_valid:  # pragma: no cover - set_precision keeps validity by default
        out = shapely.make_valid(out)
    return out


def to_multi(geom):
    """Return the polygonal part of `geom` as a MultiPolygon."""
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "MultiPolygon":
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return shapely.MultiPolygon(polys)


# ============================================================================
# inputs
# ============================================================================
def load_buurten(real: Path) -> gpd.GeoDataFrame:
    """Read the CBS buurten 2017, reproject to RD New and derive a household weight."""
    path = real / NL_DIR / BUURT_ZIP
    b = gpd.read_file(f"zip://{path}", engine="pyogrio")
    if b.crs is None or b.crs.to_epsg() != 4326:
        raise SystemExit(f"{path}: expected EPSG:4326, got {b.crs}")
    b = b.to_crs(CRS_RD)
    b["geometry"] = [round_geom(g) for g in b.geometry]
    if b.BU_NAAM.duplicated().any():
        raise SystemExit(f"{path}: BU_NAAM is not unique")
    # CBS secrecy code -99999999 means "secret / not available": never use it as a number.
    hh = b["AANTAL_HH"].astype("float64")
    inw = b["AANT_INW"].astype("float64")
    size = b["GEM_HH_GR"].astype("float64")
    hh = hh.where(~is_secret(hh))
    inw = inw.where(~is_secret(inw))
    size = size.where(~is_secret(size) & (size > 0), 2.2)
    b["households"] = hh.fillna(inw / size).fillna(0.0)
    sted = b["STED"].astype("float64")
    b["sted"] = sted.where(~is_secret(sted), 3.0)
    return b[["BU_CODE", "BU_NAAM", "WK_CODE", "POSTCODE", "AANT_INW", "households", "sted", "geometry"]]


def load_bag(real: Path) -> gpd.GeoDataFrame:
    """Read the BAG extract (education buildings, RD New)."""
    path = real / NL_DIR / BAG_ZIP
    v = gpd.read_file(f"zip://{path}", engine="pyogrio")
    if v.crs is None or v.crs.to_epsg() != CRS_RD:
        raise SystemExit(f"{path}: expected EPSG:28992, got {v.crs}")
    return v


# ============================================================================
# networks
# ============================================================================
def build_geometry(recipe, by_name: dict) -> shapely.Geometry:
    """Build a network boundary from a recipe (whole buurten, or buurten clipped to a buffered line)."""
    if recipe[0] == "buurten":
        geom = shapely.union_all([by_name[n] for n in recipe[1]])
    elif recipe[0] == "clip":
        _, names, line, width = recipe
        area = shapely.union_all([by_name[n] for n in names])
        geom = shapely.intersection(area, LineString(line).buffer(width, quad_segs=8))
    else:  # pragma: no cover
        raise ValueError(recipe)
    geom = round_geom(geom)
    # drop slivers that a clip can leave behind
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 50.0]
    return to_multi(round_geom(shapely.union_all(parts)))


def build_networks(buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Build the networks layer from NETWORKS."""
    by_name = dict(zip(buurten.BU_NAAM, buurten.geometry))
    rows = []
    for code, naam, soort, pz, opgericht, status, retired_on, recipe in NETWORKS:
        rows.append(
            {
                "bin_code": code,
                "naam": naam,
                "soort": soort,
                "gemeente": "Groningen",
                "politiezone": pz,
                "opgericht": opgericht,
                "status": status,
                "retired_on": retired_on,
                "geometry": build_geometry(recipe, by_name),
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_RD)
    assert gdf.is_valid.all(), "invalid network geometry"
    return gdf


def overlapping_pairs(gdf: gpd.GeoDataFrame, min_area: float = 1.0) -> list[tuple[str, str]]:
    """Return the pairs of bin_codes whose boundaries share more than `min_area` m2."""
    pairs = []
    geoms = list(gdf.geometry)
    codes = list(gdf.bin_code)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            if geoms[i].intersection(geoms[j]).area > min_area:
                pairs.append((codes[i], codes[j]))
    return pairs


def build_update(networks: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Build the re-import file: unchanged, boundary edited, renamed, new (EPSG:4326)."""
    by_name = dict(zip(buurten.BU_NAAM, buurten.geometry))
    net = networks.set_index("bin_code")
    rows = []

    def row_from(code):
        r = net.loc[code]
        return {
            "bin_code": code,
            **{k: r[k] for k in ["naam", "soort", "gemeente", "politiezone", "opgericht", "status", "retired_on"]},
            "geometry": r.geometry,
        }

    rows.append(row_from(UPDATE_UNCHANGED))
    code, names = UPDATE_EDIT_BOUNDARY
    r = row_from(code)
    r["geometry"] = build_geometry(("buurten", names), by_name)
    rows.append(r)
    code, new_name = UPDATE_RENAME
    r = row_from(code)
    r["naam"] = new_name
    rows.append(r)
    code, naam, soort, pz, opgericht, status, retired_on, recipe = UPDATE_NEW
    rows.append(
        {
            "bin_code": code,
            "naam": naam,
            "soort": soort,
            "gemeente": "Groningen",
            "politiezone": pz,
            "opgericht": opgericht,
            "status": status,
            "retired_on": retired_on,
            "geometry": build_geometry(recipe, by_name),
        }
    )
    for r in rows:
        if pd.isna(r["retired_on"]):
            r["retired_on"] = None
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_RD).to_crs(4326)
    return gdf


# ============================================================================
# addresses
# ============================================================================
def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Split the integer `total` proportionally to `weights` (largest remainder method)."""
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:rest]] += 1
    return base


def street_name_pool(rng: np.random.Generator, exclude: set[str]) -> dict[str, list[str]]:
    """Return shuffled candidate street names per theme, without the names in `exclude`."""
    pool = {}
    for theme, stems in STREET_THEMES.items():
        names = []
        for stem in stems:
            suffixes = rng.choice(
                STREET_SUFFIXES, size=3, replace=False, p=np.array(SUFFIX_WEIGHTS) / sum(SUFFIX_WEIGHTS)
            )
            names.extend(stem + s for s in suffixes)
        names = [n for n in names if n not in exclude]
        rng.shuffle(names)
        pool[theme] = names
    return pool


class Occupancy:
    """Grid hash to keep synthetic houses at least `min_dist` metres apart."""

    def __init__(self, min_dist: float):
        self.d = min_dist
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def free(self, x: float, y: float) -> bool:
        """Return True when no house lies within `min_dist` of (x, y)."""
        cx, cy = int(x // self.d), int(y // self.d)
        for i in (cx - 1, cx, cx + 1):
            for j in (cy - 1, cy, cy + 1):
                for px, py in self.cells.get((i, j), ()):
                    if (px - x) ** 2 + (py - y) ** 2 < self.d**2:
                        return False
        return True

    def add(self, x: float, y: float) -> None:
        """Register a house at (x, y)."""
        self.cells.setdefault((int(x // self.d), int(y // self.d)), []).append((x, y))


def random_point_in(poly, rng: np.random.Generator) -> tuple[float, float]:
    """Return a uniform random point inside `poly` (rejection sampling)."""
    minx, miny, maxx, maxy = poly.bounds
    for _ in range(10000):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(poly, x, y):
            return x, y
    raise RuntimeError("no point found in polygon")  # pragma: no cover


def lay_street(poly, n_houses: int, rng: np.random.Generator, occ: Occupancy):
    """Walk a street through `poly`, houses on both sides; returns [(x, y, side, step)]."""
    inner = poly.buffer(-8.0)
    if inner.is_empty or inner.area < 2000:
        inner = poly
    shapely.prepare(inner)
    x, y = random_point_in(inner, rng)
    heading = rng.uniform(0, 2 * math.pi)
    spacing = rng.uniform(7.0, 12.0)
    offset = rng.uniform(9.0, 14.0)
    houses = []
    step = 0
    while len(houses) < n_houses and step < n_houses * 3 + 20:
        # gentle curvature, occasionally a corner
        heading += rng.normal(0, 0.04)
        if rng.random() < 0.015:
            heading += rng.choice([-1, 1]) * math.pi / 2
        nx, ny = x + spacing * math.cos(heading), y + spacing * math.sin(heading)
        if not shapely.contains_xy(inner, nx, ny):
            turned = False
            for turn in rng.permutation([math.pi / 2, -math.pi / 2, 3 * math.pi / 4, -3 * math.pi / 4]):
                hx, hy = x + spacing * math.cos(heading + turn), y + spacing * math.sin(heading + turn)
                if shapely.contains_xy(inner, hx, hy):
                    heading += turn
                    nx, ny = hx, hy
                    turned = True
                    break
            if not turned:
                break
        x, y = nx, ny
        step += 1
        for side in (1, -1):  # 1 = left (odd numbers), -1 = right (even numbers)
            if len(houses) >= n_houses:
                break
            px = x - side * offset * math.sin(heading) + rng.normal(0, 1.0)
            py = y + side * offset * math.cos(heading) + rng.normal(0, 1.0)
            if shapely.contains_xy(poly, px, py) and occ.free(px, py):
                occ.add(px, py)
                houses.append((px, py, side, step))
    return houses


def build_addresses(buurten: gpd.GeoDataFrame, bag: gpd.GeoDataFrame):
    """Return the address table (real BAG rows first, then synthetic ones) and the number of BAG duplicates dropped."""
    rng = rng_for("addresses")
    bag_streets = set(bag["openbare_r"].dropna())
    pool = street_name_pool(rng, bag_streets)
    themes = list(pool)
    used_names: set[str] = set()

    # postcode letter pairs already used by the real BAG rows (avoid collisions)
    used_pc6 = set(bag["postcode"].dropna())
    letter_pairs = [
        a + b
        for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if a + b not in POSTCODE_LETTERS_FORBIDDEN
    ]
    pc_counter: dict[str, int] = {}

    def next_pc6(pc4: str) -> str:
        while True:
            i = pc_counter.get(pc4, 0)
            pc_counter[pc4] = i + 1
            pc6 = pc4 + letter_pairs[i % len(letter_pairs)]
            if pc6 not in used_pc6:
                used_pc6.add(pc6)
                return pc6

    def next_street(theme: str) -> str:
        order = [theme] + [t for t in themes if t != theme]
        for t in order:
            while pool[t]:
                name = pool[t].pop()
                if name not in used_names:
                    used_names.add(name)
                    return name
        raise RuntimeError("street name pool exhausted")  # pragma: no cover

    counts = largest_remainder(buurten["households"].to_numpy(), N_SYNTHETIC_ADDRESSES)
    occ = Occupancy(5.0)
    rows = []
    for (_, b), n_b in zip(buurten.iterrows(), counts):
        if n_b == 0:
            continue
        theme = themes[int(rng.integers(len(themes)))]
        n_streets = int(np.clip(round(n_b / 40), 1, 12))
        per_street = largest_remainder(rng.uniform(0.5, 1.5, n_streets), int(n_b))
        p_flat = {1: 0.06, 2: 0.04, 3: 0.025}.get(int(b.sted), 0.015)
        backlog = 0
        for k in range(n_streets):
            want = int(per_street[k]) + backlog
            backlog = 0
            attempts = 0
            while want > 0 and attempts < 8:
                attempts += 1
                houses = lay_street(b.geometry, want, rng, occ)
                if len(houses) < 2 and want > 2:
                    continue
                name = next_street(theme)
                want -= len(houses)
                numbers = {1: 1, -1: 2}
                side_count = {1: 0, -1: 0}
                side_pc = {1: None, -1: None}
                for hx, hy, side, _step in houses:
                    if side_count[side] % 14 == 0:
                        side_pc[side] = next_pc6(b.POSTCODE)
                    side_count[side] += 1
                    nr = numbers[side]
                    numbers[side] += 2 if rng.random() > 0.05 else 4  # an occasional gap
                    flat = rng.random() < p_flat
                    hh = int(5 + min(35, rng.geometric(0.08))) if flat else 1
                    rows.append([name, nr, "", side_pc[side], hh, hx, hy])
                    if not flat and rng.random() < 0.03:  # upstairs dwelling with its own address
                        rows.append([name, nr, "a", side_pc[side], 1, hx + 1.0, hy])
            backlog = want
    syn = pd.DataFrame(rows, columns=["straat", "huisnummer", "huisletter", "postcode", "huishoudens", "x", "y"])
    syn.insert(0, "adres_id", [f"syn-{i:06d}" for i in range(1, len(syn) + 1)])
    syn["toevoeging"] = ""
    syn["woonplaats"] = "Groningen"
    syn["gebruiksdoel"] = "woonfunctie"
    syn["bron"] = "synthetisch"

    # real BAG rows: one row per verblijfsobject (16 objects appear twice in the
    # extract, once per building (pand) they lie in; same address and point).
    real = bag.drop_duplicates("identifica", keep="first").copy()
    real_df = pd.DataFrame(
        {
            "adres_id": "bag-" + real["identifica"].astype(str),
            "straat": real["openbare_r"],
            "huisnummer": real["huisnummer"].astype(int),
            "huisletter": real["huisletter"].fillna(""),
            "toevoeging": real["toevoeging"].fillna(""),
            "postcode": real["postcode"],
            "woonplaats": real["woonplaats"],
            "huishoudens": 0,  # education buildings: no households
            "gebruiksdoel": real["gebr_doel"],
            "bron": "BAG",
            "x": real.geometry.x.to_numpy(),
            "y": real.geometry.y.to_numpy(),
        }
    )
    cols = [
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
    out = pd.concat([real_df[cols], syn[cols]], ignore_index=True)
    out["x"] = out["x"].round(2)
    out["y"] = out["y"].round(2)
    return out, len(bag) - len(real)


# ============================================================================
# incidents
# ============================================================================
def random_datetimes(rng, n, start: date, end: date, kind_list):
    """Draw `n` date-times between `start` and `end` with a kind-specific time of day."""
    days = (end - start).days + 1
    offs = rng.integers(0, days, n)
    out = []
    for off, kind in zip(offs, kind_list):
        w = np.array(HOUR_WEIGHTS[kind], dtype=float)
        hour = int(rng.choice(24, p=w / w.sum()))
        minute = 0 if rng.random() < 0.4 else int(rng.integers(0, 12)) * 5
        d = start + timedelta(days=int(off))
        out.append(datetime(d.year, d.month, d.day, hour, minute))
    return out


def build_incidents(addresses: pd.DataFrame, buurten: gpd.GeoDataFrame, networks: gpd.GeoDataFrame):
    """Return the incident table (with planted bad rows) and a summary of the hot spots."""
    rng = rng_for("incidents")
    city = shapely.union_all(list(buurten.geometry))
    shapely.prepare(city)
    net_union = shapely.union_all(list(networks.geometry))
    by_name = dict(zip(buurten.BU_NAAM, buurten.geometry))

    n_hot = sum(h[5] for h in HOTSPOTS)
    n_bg = N_INCIDENTS - n_hot
    recs = []  # dicts: x, y, kind, dt, source

    # --- background: at (jittered) residential addresses, weighted by address
    res = addresses[addresses.bron == "synthetisch"].reset_index(drop=True)
    res_pts = gpd.GeoDataFrame(res, geometry=gpd.points_from_xy(res.x, res.y), crs=CRS_RD)
    j = gpd.sjoin(res_pts, buurten[["sted", "geometry"]], how="left", predicate="within")
    j = j[~j.index.duplicated(keep="first")]
    central = (j["sted"] == 1).to_numpy()
    kinds_bg = list(rng.choice(KINDS, size=n_bg, p=BACKGROUND_KIND_SHARE))
    w_all = np.ones(len(res))
    w_bike = np.where(central, 4.0, 1.0)
    for kind in kinds_bg:
        w = w_bike if kind == "fietsendiefstal" else w_all
        for _ in range(100):
            i = int(rng.choice(len(res), p=w / w.sum()))
            x = res.x[i] + rng.normal(0, 12.0)
            y = res.y[i] + rng.normal(0, 12.0)
            if shapely.contains_xy(city, x, y):
                break
        recs.append({"x": x, "y": y, "kind": str(kind), "source": "background"})
    bg_dt = random_datetimes(rng, n_bg, *INCIDENT_PERIOD, [r["kind"] for r in recs])
    for r, dt in zip(recs, bg_dt):
        r["dt"] = dt

    # --- hot spots
    hot_info = []
    for hid, bname, cx, cy, sigma, n, main_kind, share, start, expect in HOTSPOTS:
        if not by_name[bname].contains(Point(cx, cy)):
            raise SystemExit(f"hot spot {hid}: centre not in buurt {bname}")
        inside = net_union.contains(Point(cx, cy))
        dist = net_union.distance(Point(cx, cy))
        if expect == "inside" and not inside:
            raise SystemExit(f"hot spot {hid}: centre should lie inside a network")
        if expect == "outside" and dist < 2 * sigma:
            raise SystemExit(f"hot spot {hid}: centre only {dist:.0f} m from a network (< 2 sigma)")
        others = [k for k in KINDS if k != main_kind]
        kinds = [main_kind if rng.random() < share else str(rng.choice(others)) for _ in range(n)]
        pts = []
        while len(pts) < n:
            x, y = rng.normal(cx, sigma), rng.normal(cy, sigma)
            if shapely.contains_xy(city, x, y):
                pts.append((x, y))
        dts = random_datetimes(rng, n, start, INCIDENT_PERIOD[1], kinds)
        for (x, y), kind, dt in zip(pts, kinds, dts):
            recs.append({"x": x, "y": y, "kind": kind, "dt": dt, "source": hid})
        frac_in = float(np.mean(shapely.contains_xy(net_union, *np.array(pts).T)))
        hot_info.append(
            {
                "id": hid,
                "buurt": bname,
                "x": cx,
                "y": cy,
                "sigma": sigma,
                "n": n,
                "kind": main_kind,
                "start": start.isoformat(),
                "centre_in_network": inside,
                "dist_to_network_m": round(dist),
                "share_points_in_network": round(frac_in, 3),
            }
        )

    df = pd.DataFrame(recs)
    df["x"] = df["x"].round(2)
    df["y"] = df["y"].round(2)

    # street = street of the nearest address
    tree = cKDTree(addresses[["x", "y"]].to_numpy())
    _, idx = tree.query(df[["x", "y"]].to_numpy())
    df["straat"] = addresses["straat"].to_numpy()[idx]

    # order by time, then registration numbers per year with gaps (a subset of all registrations)
    df = df.sort_values(["dt", "x", "y"], kind="stable").reset_index(drop=True)
    regnrs = []
    seq: dict[int, int] = {}
    for dt in df["dt"]:
        s = seq.get(dt.year, int(rng.integers(100, 900))) + int(rng.integers(1, 40))
        seq[dt.year] = s
        regnrs.append(f"PL0100-{dt.year}{s:06d}")
    df["registratienummer"] = regnrs

    # free text
    desc = []
    for kind in df["kind"]:
        desc.append(str(rng.choice(DESCRIPTIONS[kind])) if rng.random() < 0.6 else "")
    df["omschrijving"] = desc
    multi_rows = rng.choice(len(df), size=N_MULTILINE, replace=False)
    for r, text in zip(sorted(multi_rows), MULTILINE_DESCRIPTIONS):
        df.loc[r, "omschrijving"] = text

    # X / Y as text, decimal comma
    df["X"] = [fmt_dec_comma(v) for v in df["x"]]
    df["Y"] = [fmt_dec_comma(v) for v in df["y"]]
    df["bad"] = ""

    # --- planted bad rows (from background rows only)
    bg_idx = np.flatnonzero((df["source"] == "background").to_numpy())
    to_wgs = pyproj.Transformer.from_crs(CRS_RD, 4326, always_xy=True)
    taken: set[int] = set()

    def pick(n, candidates):
        cand = np.array([c for c in candidates if c not in taken])
        chosen = sorted(int(c) for c in rng.choice(cand, size=n, replace=False))
        taken.update(chosen)
        return chosen

    for r in pick(BAD_ROWS["empty"], bg_idx):
        df.loc[r, ["X", "Y", "bad"]] = ["", "", "empty"]
    for r in pick(BAD_ROWS["zero"], bg_idx):
        df.loc[r, ["X", "Y", "bad"]] = ["0", "0", "zero"]
    for k, r in enumerate(pick(BAD_ROWS["latlon"], bg_idx)):
        lon, lat = to_wgs.transform(df.loc[r, "x"], df.loc[r, "y"])
        a, b = (lat, lon) if k % 2 == 0 else (lon, lat)
        df.loc[r, ["X", "Y", "bad"]] = [f"{a:.5f}".replace(".", ","), f"{b:.5f}".replace(".", ","), "latlon"]
    for r in pick(BAD_ROWS["swapped"], bg_idx):
        df.loc[r, ["X", "Y", "bad"]] = [df.loc[r, "Y"], df.loc[r, "X"], "swapped"]
    east = [i for i in bg_idx if df.loc[i, "x"] > 233000]
    for r in pick(BAD_ROWS["far"], east):
        df.loc[r, ["X", "bad"]] = [fmt_dec_comma(df.loc[r, "x"] + FAR_SHIFT_M), "far"]

    df["pleegdatum"] = [f"{d.day}-{d.month}-{d.year} {d.hour}:{d.minute:02d}" for d in df["dt"]]
    df["soort_delict"] = df["kind"]
    df["plaats"] = "Groningen"
    return df, hot_info


def incidents_bytes(df: pd.DataFrame) -> bytes:
    """Serialise the incidents like a Dutch police export: ';', CRLF, Windows-1252."""
    cols = ["registratienummer", "pleegdatum", "soort_delict", "straat", "plaats", "omschrijving", "X", "Y"]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(cols)
    for row in df[cols].itertuples(index=False):
        w.writerow(row)
    return buf.getvalue().encode("cp1252")


# ============================================================================
# writing
# ============================================================================
def write_gpkg(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write the networks as GeoPackage 1.2 with a pinned timestamp; check user_version."""
    if path.exists():
        path.unlink()
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
    gdf.to_file(
        path,
        driver="GPKG",
        layer="networks",
        engine="pyogrio",
        dataset_options={"VERSION": "1.2"},
        promote_to_multi=True,
    )
    with sqlite3.connect(path) as con:
        version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    if version != 10200:
        raise SystemExit(f"{path}: GeoPackage user_version {version}, expected 10200")


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write RFC 7946 GeoJSON with 7 decimals (about 1 cm)."""
    if path.exists():
        path.unlink()
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "7"})


# --------------------------------------------------------------------------- members
FIRST_NAMES = [
    "Anna",
    "Bram",
    "Carla",
    "Daan",
    "Eva",
    "Femke",
    "Gerrit",
    "Hanna",
    "Ingrid",
    "Jan",
    "Karin",
    "Lars",
    "Marieke",
    "Niels",
    "Olga",
    "Pieter",
    "Renske",
    "Sander",
    "Tineke",
    "Ugo",
    "Vera",
    "Willem",
    "Yara",
    "Zeger",
    "Sanne",
    "Mohammed",
    "Fatima",
    "Koen",
    "Lotte",
    "Ruben",
]
SURNAMES = [
    "de Vries",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dijkstra",
    "Kramer",
    "Postma",
    "Hoekstra",
    "van der Meer",
    "Wiersma",
    "Huisman",
    "Jansen",
    "El Amrani",
    "Boersma",
    "Kuipers",
    "Veenstra",
    "Zijlstra",
    "Brouwer",
]
#: planted bad rows of members.csv: reason -> count (checked by tests/test_samples.py)
MEMBER_BAD = {"bad_email": 4, "bad_phone": 3, "no_contact": 3, "address_not_found": 4, "duplicate_member_id": 2}


def _phone_text(rng: np.random.Generator, mobile: bool) -> tuple[str, str]:
    """Return a synthetic Dutch number as people write it, and its digits after the 0."""
    if mobile:
        rest = f"6{rng.integers(10_000_000, 99_999_999)}"
    else:
        rest = f"50{rng.integers(3_000_000, 5_999_999)}"  # 050: Groningen landlines
    style = int(rng.integers(0, 5))
    if style == 0:
        text = "0" + rest
    elif style == 1:
        text = f"0{rest[:1]}-{rest[1:]}" if mobile else f"0{rest[:2]}-{rest[2:]}"
    elif style == 2:
        text = f"+31 {rest[:1]} {rest[1:5]} {rest[5:]}" if mobile else f"+31 {rest[:2]} {rest[2:5]} {rest[5:]}"
    elif style == 3:
        text = "0031" + rest
    else:
        text = "0" + ".".join([rest[:1], rest[1:3], rest[3:5], rest[5:7], rest[7:]]) if mobile else "0" + rest
    return text, rest


def build_members(addresses: pd.DataFrame, networks: gpd.GeoDataFrame) -> tuple[pd.DataFrame, dict]:
    """Synthetic members of the active networks, as a coordinator's spreadsheet export.

    About 8 % of the homes in each active network have a member, plus some
    members living outside every network (they joined one anyway). Each network
    has one coordinator. Ten people are registered at two addresses (same e-mail);
    a few have no consent or have left. Rows are located by postcode + house
    number, some by street + house number, some by coordinates only. Planted bad
    rows (see MEMBER_BAD) exercise the rejects. All names, numbers and e-mail
    addresses are invented (e-mail domain example.org, RFC 2606).
    """
    rng = rng_for("members")
    homes = addresses[(addresses.bron != "BAG") & (addresses.huishoudens > 0)].reset_index(drop=True)
    pts = gpd.GeoSeries(gpd.points_from_xy(homes.x, homes.y), crs=CRS_RD)
    active = networks[networks.status == "active"].reset_index(drop=True)
    rows = []
    used: set[int] = set()

    def person(i: int) -> dict:
        first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
        last = SURNAMES[int(rng.integers(len(SURNAMES)))]
        mail = f"{first}.{last}".lower().replace(" ", "") + f"{i}@example.org"
        has_mobile = rng.random() < 0.8
        has_phone = has_mobile or rng.random() < 0.5
        phone = _phone_text(rng, has_mobile)[0] if has_phone else ""
        email = mail if (not has_phone or rng.random() < 0.85) else ""
        prefs = rng.choice(
            ["sms;email", "email", "sms", "bellen", "", "email;sms"], p=[0.3, 0.25, 0.15, 0.05, 0.15, 0.10]
        )
        return {"naam": f"{first} {last}", "e-mail": email, "telefoon": phone, "kanalen": str(prefs)}

    def locate(h: int, how: str) -> dict:
        a = homes.iloc[h]
        loc = {"postcode": "", "huisnummer": "", "huisletter": "", "toevoeging": "", "straat": "", "x": "", "y": ""}
        if how == "coordinates":
            loc.update(x=f"{a.x:.2f}", y=f"{a.y:.2f}")
        else:
            num = str(int(a.huisnummer)) + ("" if pd.isna(a.huisletter) else str(a.huisletter))
            add = "" if pd.isna(a.toevoeging) else str(a.toevoeging)
            if how == "street":
                loc.update(straat=str(a.straat), huisnummer=num, toevoeging=add)
            else:  # postcode, written as people do: with or without the space
                pc = str(a.postcode)
                loc.update(postcode=pc if rng.random() < 0.6 else f"{pc[:4]} {pc[4:]}", huisnummer=num, toevoeging=add)
        return loc

    def how() -> str:
        r = rng.random()
        return "coordinates" if r < 0.05 else ("street" if r < 0.20 else "postcode")

    n = 0
    for net in active.itertuples():
        inside = np.flatnonzero(pts.within(net.geometry).to_numpy())
        inside = np.array([i for i in inside if i not in used], dtype=int)
        k = max(3, int(round(0.08 * len(inside))))
        chosen = rng.choice(inside, size=min(k, len(inside)), replace=False) if len(inside) else []
        for j, h in enumerate(sorted(int(c) for c in chosen)):
            used.add(h)
            n += 1
            consent = rng.random()
            rows.append(
                {
                    "lidnummer": f"L{n:05d}",
                    **person(n),
                    **locate(h, how()),
                    "toestemming": "nee" if consent < 0.05 else "ja",
                    "toestemming_datum": (date(2015, 1, 1) + timedelta(days=int(rng.integers(0, 3000)))).strftime(
                        "%d-%m-%Y"
                    ),
                    "rol": "coordinator" if j == 0 else "lid",
                    "netwerken": net.bin_code,
                    "status": "afgemeld" if 0.05 <= consent < 0.08 else "actief",
                }
            )
    # members outside every network (signed up for the nearest one)
    outside = np.flatnonzero(~pts.intersects(shapely.union_all(active.geometry.to_numpy())).to_numpy())
    for h in rng.choice(outside, size=min(40, len(outside)), replace=False):
        n += 1
        h = int(h)
        near = active.distance(pts.iloc[h]).idxmin()
        rows.append(
            {
                "lidnummer": f"L{n:05d}",
                **person(n),
                **locate(h, how()),
                "toestemming": "ja",
                "toestemming_datum": "01-06-2022",
                "rol": "lid",
                "netwerken": active.bin_code[near],
                "status": "actief",
            }
        )
    members = pd.DataFrame(rows)
    # ten people registered at a second address (same person: same e-mail, another member id)
    twice = members[(members["e-mail"] != "") & (members.status == "actief")]
    twice = twice.sample(10, random_state=rng.integers(1 << 31))
    extra = []
    free = [i for i in range(len(homes)) if i not in used]
    for r, h in zip(twice.to_dict("records"), rng.choice(free, size=10, replace=False)):
        n += 1
        extra.append({**r, "lidnummer": f"L{n:05d}", **locate(int(h), "postcode"), "rol": "lid"})
    members = pd.concat([members, pd.DataFrame(extra)], ignore_index=True)
    # planted bad rows
    bad = members.sample(
        sum(MEMBER_BAD.values()) - MEMBER_BAD["duplicate_member_id"], random_state=rng.integers(1 << 31)
    ).index.tolist()
    planted = {}
    for reason, count in MEMBER_BAD.items():
        if reason == "duplicate_member_id":
            continue
        for i in bad[:count]:
            planted[i] = reason
        bad = bad[count:]
    for i, reason in planted.items():
        if reason == "bad_email":
            members.loc[i, ["e-mail", "telefoon"]] = ["geen-apenstaartje.example.org", ""]
        elif reason == "bad_phone":
            members.loc[i, ["e-mail", "telefoon"]] = ["", "06-123"]
        elif reason == "no_contact":
            members.loc[i, ["e-mail", "telefoon"]] = ["", ""]
        elif reason == "address_not_found":
            members.loc[i, ["postcode", "huisnummer", "straat", "x", "y"]] = ["9999ZZ", "1", "", "", ""]
    dups = members.iloc[:2].copy()
    members = pd.concat([members, dups], ignore_index=True)  # the same member ids again: rejected
    info = {
        "rows": len(members),
        "planted": {**{r: c for r, c in MEMBER_BAD.items()}},
        "people_twice": 10,
        "networks": int(len(active)),
    }
    return members, info


def members_bytes(members: pd.DataFrame) -> bytes:
    """As a spreadsheet exports it in NL: UTF-8 with BOM, ';', CRLF."""
    buf = io.StringIO()
    members.to_csv(buf, index=False, sep=";", lineterminator="\r\n")
    return buf.getvalue().encode("utf-8-sig")


def main(argv=None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--real",
        type=Path,
        default=DEFAULT_REAL,
        help="folder with the shared real data (default: ../shared/data/real from the repo root)",
    )
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: data/samples)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    real = args.real.resolve()
    if not (real / NL_DIR / BUURT_ZIP).exists():
        print(
            f"error: {real / NL_DIR / BUURT_ZIP} not found; give the real data folder with --real DIR", file=sys.stderr
        )
        return 2
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    buurten = load_buurten(real)
    bag = load_bag(real)
    networks = build_networks(buurten)
    pairs = overlapping_pairs(networks)
    if pairs != [("GR-BIN-001", "GR-WAB-001")]:
        raise SystemExit(f"unexpected overlapping networks: {pairs}")
    update = build_update(networks, buurten)
    addresses, n_bag_dups = build_addresses(buurten, bag)
    incidents, hot_info = build_incidents(addresses, buurten, networks)
    members, member_info = build_members(addresses, networks)

    write_gpkg(networks, out / "networks.gpkg")
    write_geojson(update, out / "networks_update.geojson")
    (out / "addresses.csv").write_bytes(addresses.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    (out / "incidents.csv").write_bytes(incidents_bytes(incidents))
    (out / "woninginbraken.csv").write_bytes(windows_bytes(burglary_windows(incidents)))
    (out / "members.csv").write_bytes(members_bytes(members))

    if not args.quiet:
        print(f"networks: {len(networks)} {networks.soort.value_counts().to_dict()}; overlapping pair: {pairs}")
        print(
            f"addresses: {len(addresses)} ({(addresses.bron == 'BAG').sum()} BAG, "
            f"{n_bag_dups} duplicate BAG rows dropped; households {addresses.huishoudens.sum()})"
        )
        print(f"incidents: {len(incidents)}; kinds {incidents.kind.value_counts().to_dict()}")
        print(f"bad rows: {incidents.bad[incidents.bad != ''].value_counts().to_dict()}")
        for h in hot_info:
            print("hot spot", h)
        print(f"members: {member_info}")
        files = ["networks.gpkg", "networks_update.geojson", "addresses.csv", "incidents.csv", "woninginbraken.csv"]
        for f in [*files, "members.csv"]:
            print(f"{f}: {(out / f).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
