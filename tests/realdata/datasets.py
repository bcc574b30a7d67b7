"""The real datasets of ``../shared/data/real`` as a new user meets them, and as an open-data portal publishes them.

Each :class:`Dataset` names its network polygons, and where it has them its incidents and address points, with
what an analyst knows of them from the source (the CRS of a CSV, an incident type, the period covered). From it,
:func:`inputs` builds one of three *variants* in a work folder:

``asis``    the files exactly as published (CSV, tab, KML, GeoPackage, zipped Shapefile, ...);
``portal``  as an open-data portal republishes them: the networks reprojected to WGS84 GeoJSON with three rings
            made self-intersecting (a bow-tie: two consecutive vertices of an exterior ring swapped), the incidents
            as WGS84 GeoJSON points;
``excel``   the incidents as an Excel sheet (the columns of the CSV, a second sheet with notes before it).

The variants are built with pandas/geopandas/shapely directly, never with bingeo, so a bingeo reader bug cannot
hide in the test input.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

VARIANTS = ("asis", "portal", "excel")


@dataclasses.dataclass(frozen=True)
class Dataset:
    """One real dataset: networks, and optionally incidents and addresses, with what is known of them."""

    name: str
    networks: str  # path relative to the real-data folder ("zip://" allowed), or "samples:..." / "thehague"
    incidents: str | None = None
    incidents_crs: str | None = None  # the CRS a user gives with --crs (CSV without one)
    addresses: str | None = None
    addresses_crs: str | None = None
    type_field: str | None = None
    incident_type: str | None = None
    date_column: str | None = None  # how the test itself reads the dates (independent of bingeo)
    date_format: str | None = None  # strftime format, or "dayfirst", or "split" (YEAR/MONTH/DAY)
    x: str = "X"
    y: str = "Y"
    sep: str = ","
    decimal: str = "."
    encoding: str = "utf-8"
    period: tuple[str, str] | None = None  # (first day, last day) the test analyses
    drop_zero_xy: bool = False  # rows at 0/0 that bingeo must reject (privacy offsets)

    @property
    def has_incidents(self) -> bool:
        return self.incidents is not None


#: Every dataset with polygons in ../shared/data/real (see its SOURCES.md), plus the repo's sample incidents and
#: addresses laid over the real Groningen buurten.
DATASETS: list[Dataset] = [
    Dataset(
        "vancouver",
        networks="vancouver/vancouver_local_areas.geojson",
        incidents="vancouver/vpd_crimedata_AllNeighbourhoods_2023.csv.gz",
        incidents_crs="26910",
        addresses="vancouver/vancouver_property_addresses_sample.csv.gz",
        addresses_crs="4326",
        type_field="TYPE",
        incident_type="Theft from Vehicle",
        date_format="split",
        period=("2023-01-01", "2023-12-31"),
        drop_zero_xy=True,
    ),
    Dataset(
        "chicago",
        networks="chicago/chicago_police_districts.kml",
        incidents="chicago/chicago_aggravated_assaults_2010_2019.csv.gz",
        incidents_crs="4326",
        date_column="date",
        date_format="%Y-%m-%d %H:%M",
        x="longitude",
        y="latitude",
        period=("2015-01-01", "2019-12-31"),
    ),
    Dataset(
        "lancashire",
        networks="uk_lancashire/lancashire_wards.gpkg",
        incidents="uk_lancashire/lancashire_asb_2022.tab.gz",
        incidents_crs="4326",
        date_column="month",
        date_format="%Y-%m-%d",
        x="longitude",
        y="latitude",
        sep="\t",
        period=("2022-01-01", "2022-12-31"),
    ),
    Dataset("lancashire-districts", networks="uk_lancashire/lancashire_districts.geojson"),
    Dataset(
        "northumbria",
        networks="uk_northumbria/northumbria_wards.gpkg",
        incidents="uk_northumbria/northumbria_asb_2022.tab.gz",
        incidents_crs="4326",
        date_column="month",
        date_format="%Y-%m-%d",
        x="longitude",
        y="latitude",
        sep="\t",
        period=("2022-01-01", "2022-12-31"),
    ),
    Dataset(
        "nottingham",
        networks="uk_nottingham/nottingham_wards.gpkg",
        incidents="uk_nottingham/nottingham_burglary_2022.csv.gz",
        incidents_crs="4326",
        date_column="month",
        date_format="%Y-%m-%d",
        x="longitude",
        y="latitude",
        period=("2022-01-01", "2022-12-31"),
    ),
    Dataset(
        "groningen",
        networks="zip://netherlands_groningen_cbs_bag/buurt2017.zip",
        incidents="samples:incidents.csv",
        incidents_crs="28992",
        addresses="samples:addresses.csv",
        addresses_crs="28992",
        type_field="soort_delict",
        incident_type="woninginbraak",
        date_column="pleegdatum",
        date_format="dayfirst",
        sep=";",
        decimal=",",
        encoding="cp1252",
        period=("2021-01-01", "2024-12-31"),
    ),
    Dataset("groningen-wijken", networks="zip://netherlands_groningen_cbs_bag/wijk2017.zip"),
    Dataset("groningen-postcode6", networks="zip://netherlands_groningen_cbs_bag/postcode6.zip"),
    Dataset("groningen-postcode4", networks="zip://netherlands_groningen_cbs_bag/postcode4.zip"),
    Dataset("flanders-wijken", networks="belgium_flanders/ggw7_wijken.shp"),
    Dataset("flanders-politiezones", networks="belgium_flanders/politiezones.shp"),
    Dataset("thehague", networks="thehague"),
]

BY_NAME = {d.name: d for d in DATASETS}


def _path(real: Path, samples: Path, ref: str) -> str:
    if ref.startswith("samples:"):
        return str(samples / ref.split(":", 1)[1])
    if ref.startswith("zip://"):  # a user gives the .zip itself; geopandas wants zip://
        return str(real / ref[len("zip://") :])
    return str(real / ref)


def thehague_polygons(real: Path) -> gpd.GeoDataFrame:
    """The Hague police areas from their custom text (``code,name|lat,lon|...``, latitude first).

    A ``^`` joins two coordinate pairs in three lines; both pairs are kept as vertices, in order.
    """
    rows = []
    for line in (real / "defects_thehague/thehague_police_areas.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        head, *pairs = line.split("|")
        code, name = head.split(",", 1)
        coords = []
        for pair in pairs:
            for part in pair.split("^"):
                lat, lon = (float(v) for v in part.split(","))
                coords.append((lon, lat))
        if len(coords) >= 3:
            rows.append({"code": code, "name": name, "geometry": shapely.Polygon(coords)})
    return gpd.GeoDataFrame(rows, crs=4326)


def read_networks(ds: Dataset, real: Path, samples: Path) -> gpd.GeoDataFrame:
    """The dataset's polygons as the test reads them (geopandas, not bingeo)."""
    if ds.networks == "thehague":
        return thehague_polygons(real)
    path = _path(real, samples, ds.networks)
    return gpd.read_file(("zip://" + path) if path.endswith(".zip") else path)


def read_incidents(ds: Dataset, real: Path, samples: Path) -> pd.DataFrame:
    """The incident table as the test reads it (pandas), with a ``_date`` column from the known date format."""
    path = _path(real, samples, ds.incidents)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding=ds.encoding, newline="") as fh:
        df = pd.read_csv(fh, sep=ds.sep, decimal=ds.decimal, dtype=str, keep_default_na=False)
    if ds.date_format == "split":
        parts = {k: pd.to_numeric(df[k.upper()], errors="coerce") for k in ("year", "month", "day")}
        df["_date"] = pd.to_datetime(pd.DataFrame(parts), errors="coerce")
    elif ds.date_format == "dayfirst":
        df["_date"] = pd.to_datetime(df[ds.date_column], dayfirst=True, errors="coerce", format="mixed")
    elif ds.date_format:
        df["_date"] = pd.to_datetime(df[ds.date_column], format=ds.date_format, errors="coerce")
    return df


def _xy(ds: Dataset, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    x = pd.to_numeric(df[ds.x].str.replace(",", ".") if ds.decimal == "," else df[ds.x], errors="coerce")
    y = pd.to_numeric(df[ds.y].str.replace(",", ".") if ds.decimal == "," else df[ds.y], errors="coerce")
    return x.to_numpy(float), y.to_numpy(float)


def bow_tie(geom: shapely.Geometry) -> shapely.Geometry:
    """The same polygon with two consecutive vertices of an exterior ring swapped: a self-intersecting ring."""
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    k = max(range(len(polys)), key=lambda i: len(polys[i].exterior.coords))  # the part with the most vertices
    first = polys[k]
    holes = [list(i.coords) for i in first.interiors]
    ring = list(first.exterior.coords)
    for i in range(1, len(ring) - 2):  # the first swap that makes the ring cross itself
        bent = ring[:i] + [ring[i + 1], ring[i]] + ring[i + 2 :]
        if not shapely.Polygon(bent, holes).is_valid:
            ring = bent
            break
    polys[k] = shapely.Polygon(ring, holes)
    return shapely.MultiPolygon(polys) if geom.geom_type == "MultiPolygon" else polys[k]


def inputs(ds: Dataset, variant: str, real: Path, samples: Path, folder: Path) -> dict[str, str | None]:
    """Build ``variant`` of ``ds`` in ``folder``; return the paths and CRSs a user would give on the command line."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, str | None] = {
        "networks": None,
        "incidents": None,
        "incidents_crs": ds.incidents_crs,
        "addresses": _path(real, samples, ds.addresses) if ds.addresses else None,
        "addresses_crs": ds.addresses_crs,
    }
    if ds.networks == "thehague" or variant == "portal":
        nets = read_networks(ds, real, samples)
        path = folder / f"{ds.name}-networks.geojson"
        for col in nets.columns.drop("geometry"):  # nested values (Vancouver's geo_point_2d) as JSON text
            if nets[col].map(lambda v: isinstance(v, (dict, list, np.ndarray))).any():
                nets[col] = nets[col].map(lambda v: json.dumps(v.tolist() if isinstance(v, np.ndarray) else v))
        if variant == "portal":
            nets = nets.to_crs(4326)
            big = nets.to_crs(nets.estimate_utm_crs()).area.sort_values(ascending=False).index[:3]
            nets.loc[big, "geometry"] = [bow_tie(g) for g in nets.loc[big, "geometry"]]
            assert (~nets.loc[big].geometry.is_valid).all(), "the portal variant must hold invalid rings"
        path.write_text(nets.to_json(drop_id=True), encoding="utf-8")
        out["networks"] = str(path)
    else:
        out["networks"] = _path(real, samples, ds.networks)
    if not ds.has_incidents:
        return out
    if variant == "asis":
        out["incidents"] = _path(real, samples, ds.incidents)
    elif variant == "portal":
        df = read_incidents(ds, real, samples).drop(columns="_date", errors="ignore")
        x, y = _xy(ds, df)
        keep = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
        pts = gpd.GeoDataFrame(
            df[keep].drop(columns=[ds.x, ds.y]),
            geometry=gpd.points_from_xy(x[keep], y[keep]),
            crs=ds.incidents_crs,
        ).to_crs(4326)
        path = folder / f"{ds.name}-incidents.geojson"
        path.write_text(json.dumps(json.loads(pts.to_json(drop_id=True))), encoding="utf-8")
        out["incidents"] = str(path)
        out["incidents_crs"] = None  # GeoJSON carries its CRS
    else:  # excel
        df = read_incidents(ds, real, samples).drop(columns="_date", errors="ignore")
        for col in (ds.x, ds.y):  # numbers as numbers, as a police export in Excel has them
            df[col] = pd.to_numeric(df[col].str.replace(",", ".") if ds.decimal == "," else df[col], errors="coerce")
        path = folder / f"{ds.name}-incidents.xlsx"
        with pd.ExcelWriter(path) as xw:
            pd.DataFrame({"toelichting": ["Export uit het bronsysteem", f"{len(df)} rijen"]}).to_excel(
                xw, sheet_name="Info", index=False
            )
            df.to_excel(xw, sheet_name="Incidenten", index=False)
        out["incidents"] = str(path)
    return out


def address_inputs(ds: Dataset, variant: str, real: Path, samples: Path, folder: Path) -> tuple[str, str | None]:
    """The address points of ``ds`` in ``variant``: the path and the CRS a user gives for it (None: the file says).

    ``asis`` the CSV as published; ``portal`` WGS84 GeoJSON points with every other column as a property;
    ``excel`` the CSV's columns in an Excel sheet (coordinates as numbers) after a sheet of notes.
    """
    path = _path(real, samples, ds.addresses)
    if variant == "asis":
        return path, ds.addresses_crs
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    xcol, ycol = ("longitude", "latitude") if "longitude" in df.columns else ("x", "y")
    x, y = (pd.to_numeric(df[c], errors="coerce").to_numpy(float) for c in (xcol, ycol))
    if variant == "portal":
        pts = gpd.GeoDataFrame(
            df.drop(columns=[xcol, ycol]), geometry=gpd.points_from_xy(x, y), crs=ds.addresses_crs
        ).to_crs(4326)
        out = folder / f"{ds.name}-addresses.geojson"
        out.write_text(pts.to_json(drop_id=True), encoding="utf-8")
        return str(out), None
    df[xcol], df[ycol] = x, y
    out = folder / f"{ds.name}-addresses.xlsx"
    with pd.ExcelWriter(out) as xw:
        pd.DataFrame({"toelichting": ["Adressen uit de basisregistratie", f"{len(df)} rijen"]}).to_excel(
            xw, sheet_name="Info", index=False
        )
        df.to_excel(xw, sheet_name="Adressen", index=False)
    return str(out), ds.addresses_crs
