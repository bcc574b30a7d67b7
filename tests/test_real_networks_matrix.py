"""Real-data matrix for ``bingeo networks import``: every polygon dataset of ../shared/data/real.

Each dataset as published, and as an open-data portal would publish it (WGS84 GeoJSON with three rings
crossed into bow-ties), imported through the CLI into a fresh store and into a store made with ``store
init --crs 28992``. Every cell: no traceback, every id imported once (features sharing an id merged),
every invalid feature repaired and reported, every stored boundary valid, and the stored areas equal
an independent reference (geopandas: ``make_valid`` in the source CRS, reprojected, unioned per id).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from tests.conftest import REAL_DATA as REAL
from tests.test_geometry_import import _bowtie, read_thehague_geojson

pytestmark = pytest.mark.requires("real-data")

#: dataset -> (path under the real data, id column, CRS of a fresh store from the file as published)
DATASETS = {
    "vancouver": ("vancouver/vancouver_local_areas.geojson", "mapid", 32610),
    "chicago-kml": ("chicago/chicago_police_districts.kml", "Name", 32616),
    "lancashire-wards": ("uk_lancashire/lancashire_wards.gpkg", "ward_code", 27700),
    "lancashire-districts": ("uk_lancashire/lancashire_districts.geojson", "district", 32630),
    "northumbria-wards": ("uk_northumbria/northumbria_wards.gpkg", "ward_code", 27700),
    "nottingham-wards": ("uk_nottingham/nottingham_wards.gpkg", "ward_code", 32630),
    "flemish-wijken": ("belgium_flanders/ggw7_wijken.shp", "geoitem", 31370),
    "flemish-politiezones": ("belgium_flanders/politiezones.shp", "politiezon", 31370),
    "groningen-buurt": ("netherlands_groningen_cbs_bag/buurt2017.zip", "BU_CODE", 28992),
    "groningen-wijk": ("netherlands_groningen_cbs_bag/wijk2017.zip", "WK_CODE", 28992),
    "groningen-pc6": ("netherlands_groningen_cbs_bag/postcode6.zip", "POSTCODE", 28992),
    "groningen-pc4": ("netherlands_groningen_cbs_bag/postcode4.zip", "PC4", 28992),
    "thehague": (None, "code", 28992),
}
#: the national grid of each dataset's place (a fresh store from the WGS84 GeoJSON gets it)
GRID = {"lancashire-wards": 32630, "northumbria-wards": 32630}


def _read(path: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_file(f"zip://{path}" if path.suffix == ".zip" else path)
    keep = [c for c in frame.columns if c == "geometry" or frame[c].notna().any()]
    return frame[keep]


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """Each dataset as published and as a portal's WGS84 GeoJSON with 3 bow-ties: (path, frame) pairs."""
    tmp = tmp_path_factory.mktemp("matrix")
    out = {}
    for name, (rel, _, _) in DATASETS.items():
        if rel is None:
            path = tmp / "thehague.geojson"
            read_thehague_geojson(path)
            out[name] = {"published": (path, gpd.read_file(path))}
            continue
        frame = _read(REAL / rel)
        portal = frame.to_crs(4326)
        for i in range(0, len(portal), max(1, len(portal) // 3))[:3]:
            portal.iloc[i, portal.columns.get_loc("geometry")] = _bowtie(portal.geometry.iloc[i])
        path = tmp / f"{name}_wgs84.geojson"
        portal.to_file(path)
        out[name] = {"published": (REAL / rel, frame), "portal": (path, gpd.read_file(path))}
    return out


def _reference_areas(frame: gpd.GeoDataFrame, id_col: str, crs: int) -> dict[str, float]:
    fixed = frame.set_geometry(frame.geometry.make_valid()).to_crs(crs)
    fixed = fixed.set_geometry(fixed.geometry.make_valid())
    merged = fixed.dissolve(by=fixed[id_col].astype(str))
    return {k: float(shapely.area(g)) for k, g in merged.geometry.items()}


CELLS = [
    (name, variant, init)
    for name in DATASETS
    for variant in (("published",) if name == "thehague" else ("published", "portal"))
    for init in (None, 28992)
]


@pytest.mark.parametrize(("name", "variant", "init"), CELLS, ids=[f"{n}-{v}-{i or 'fresh'}" for n, v, i in CELLS])
def test_networks_import_matrix(sources, tmp_path, name, variant, init):
    path, frame = sources[name][variant]
    _, id_col, crs_published = DATASETS[name]
    store = tmp_path / "s.gpkg"
    runner = CliRunner()
    if init:
        assert runner.invoke(cli, ["store", "init", str(store), "--crs", str(init)]).exit_code == 0
    res = runner.invoke(cli, ["networks", "import", str(path), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output and f"network_id={id_col}" in res.output
    invalid = int((~frame.is_valid).sum())
    repaired = re.search(r"(\d+) invalid geometries were repaired", res.output)
    assert (int(repaired.group(1)) if repaired else 0) >= invalid
    want_crs = init or (crs_published if variant == "published" else GRID.get(name, crs_published))
    with bingeo.open_store(store) as st:
        nets = st.networks(include_retired=True).set_index("network_id")
        assert st.crs.to_epsg() == want_crs
    ids = frame[id_col].astype(str).str.strip()
    assert sorted(nets.index) == sorted(ids.unique())
    assert nets.is_valid.all() and (nets.area > 0).all()
    ref = _reference_areas(frame, id_col, want_crs)
    got = nets.area.to_dict()
    rel = np.array([abs(got[k] - ref[k]) / ref[k] for k in ref])
    assert (rel < 1e-3).all(), sorted(zip(rel, ref))[-3:]
