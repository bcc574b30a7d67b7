"""Importing broken boundaries never crashes: every feature is repaired and reported, or rejected with its reason.

Polygons with the defects real exports have (bow-ties, spikes, repeated points, holes outside their shell,
zero-area parts, far-away or non-finite coordinates) are drawn in local metres around a Dutch or Belgian
town, written in WGS 84 or a national CRS, and imported into stores in RD New, Lambert 72 and Lambert 2008,
on GeoPackage and PostGIS. The reference for each stored boundary is drawn independently: the region
the feature was meant to cover (two triangles for a bow-tie, the square without its spike, ...), moved
into the store's CRS point by point with pyproj, never through bingeo or make_valid.
"""

from __future__ import annotations

import functools
import json
import uuid

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bingeo
from bingeo.cli.main import cli
from bingeo.registry import REJECT_REASONS, networks_from_frame
from tests.conftest import REAL_DATA as REAL

# a Dutch and a Belgian town: (lon, lat) and the national CRSs that hold them
PLACES = {"groningen": ((6.566, 53.219), (4326, 28992)), "antwerpen": ((4.402, 51.219), (4326, 31370, 3812))}
STORE_CRSS = (28992, 31370, 3812)


def _local(lon: float, lat: float) -> str:
    return f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +type=crs"


@functools.lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _move(geom: shapely.Geometry, src: object, dst: object) -> shapely.Geometry:
    def text(crs: object) -> str:
        return crs if isinstance(crs, str) else pyproj.CRS.from_user_input(crs).to_wkt()

    tr = _transformer(text(src), text(dst))
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _square(x: float, y: float, w: float, h: float) -> list[tuple[float, float]]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]


def defect(kind: str, x: float, y: float, w: float, h: float) -> tuple[shapely.Geometry, shapely.Geometry | None]:
    """A broken polygon in local metres and the region it stands for (None: nothing, it must be rejected)."""
    box = shapely.Polygon(_square(x, y, w, h))
    if kind == "valid":
        return box, box
    if kind == "bowtie":  # ring crossing itself in the middle: two triangles
        ring = [(x, y), (x + w, y + h), (x + w, y), (x, y + h), (x, y)]
        c = (x + w / 2, y + h / 2)
        return shapely.Polygon(ring), shapely.MultiPolygon(
            [shapely.Polygon([(x, y), c, (x, y + h)]), shapely.Polygon([(x + w, y), c, (x + w, y + h)])]
        )
    if kind == "spike":  # a zero-width spike out of the top edge
        ring = [(x, y), (x + w, y), (x + w, y + h), (x + w / 2, y + h), (x + w / 2, y + 3 * h), (x + w / 2, y + h)]
        return shapely.Polygon([*ring, (x, y + h), (x, y)]), box
    if kind == "repeated":  # every vertex twice
        ring = [p for p in _square(x, y, w, h)[:-1] for _ in (0, 1)]
        return shapely.Polygon([*ring, ring[0]]), box
    if kind == "hole_outside":  # a "hole" drawn beside its shell: kept as a part of its own (make_valid)
        hole = _square(x + w + 10, y, w / 4, h / 4)
        return shapely.Polygon(_square(x, y, w, h), [hole]), shapely.union(box, shapely.Polygon(hole))
    if kind == "zero_area_part":  # a valid part plus a flat one
        flat = shapely.Polygon([(x, y - 50), (x + w, y - 50), (x + w / 2, y - 50), (x, y - 50)])
        return shapely.MultiPolygon([box, flat]), box
    if kind == "flat":  # all points on one line: no area at all
        return shapely.Polygon([(x, y), (x + w, y), (x + w / 2, y), (x, y)]), None
    if kind == "hole_crossing":  # a hole sticking out of its shell
        hole = _square(x + w / 2, y + h / 4, w, h / 2)
        return shapely.Polygon(_square(x, y, w, h), [hole]), None  # region checked for validity only
    raise AssertionError(kind)


KINDS = ("valid", "bowtie", "spike", "repeated", "hole_outside", "zero_area_part", "flat", "hole_crossing")


@st.composite
def layers(draw: st.DrawFn) -> tuple[gpd.GeoDataFrame, list[shapely.Geometry | None], str]:
    """A layer of 1-6 features in one source CRS, with the region each stands for (in local metres)."""
    place = draw(st.sampled_from(sorted(PLACES)))
    (lon, lat), crss = PLACES[place]
    src = draw(st.sampled_from(crss))
    local = _local(lon, lat)
    n = draw(st.integers(1, 6))
    geoms, regions = [], []
    for i in range(n):
        kind = draw(st.sampled_from(KINDS))
        w = draw(st.floats(50, 2000))
        h = draw(st.floats(50, 2000))
        x = i * 5000 + draw(st.floats(-1000, 1000))
        y = draw(st.floats(-20000, 20000))
        geom, region = defect(kind, x, y, w, h)
        geoms.append(_move(geom, local, src))
        regions.append(region)
    frame = gpd.GeoDataFrame({"code": [f"N{i}" for i in range(n)]}, geometry=geoms, crs=src)
    return frame, regions, local


def _check_import(frame, regions, local, location, store_crs):
    """Import ``frame`` into a new store at ``location``; check every feature against its region."""
    with bingeo.open_store(location, create=True, crs=store_crs) as store:
        nets, repairs, notes = out = networks_from_frame(frame, source="t", id_field="code", target_crs=store.crs)
        rejects = out.rejects
        assert len(nets) + len(rejects) == len(frame)
        assert set(rejects.get("reject_reason", [])) <= set(REJECT_REASONS)
        store.import_networks(nets, source="t")
        stored = store.networks().set_index("network_id")
    assert len(stored) == len(nets)
    assert stored.is_valid.all() and (stored.geom_type == "MultiPolygon").all() and (stored.area > 0).all()
    for i, region in enumerate(regions):
        nid = f"N{i}"
        if region is None:
            continue  # nothing expected, or an ambiguous one: stored valid (checked above) or rejected
        assert nid in stored.index, rejects.to_dict("records")
        # the same path as the data took: drawn in local metres, written in the source CRS, moved into the store's
        want = _move(_move(region, local, frame.crs), frame.crs, store.crs)
        got = stored.geometry[nid]
        assert shapely.symmetric_difference(got, want).area <= 0.01 * want.area, (nid, got.wkt, want.wkt)
    # every repaired feature says so, in the store and in the list of repairs
    invalid = [f"N{i}" for i, g in enumerate(frame.geometry) if not g.is_valid]
    for nid in invalid:
        if nid in stored.index:
            assert "repaired with make_valid" in stored.loc[nid, "repair_note"]
    assert len(repairs) >= len([n for n in invalid if n in stored.index])


@pytest.mark.parametrize("store_crs", STORE_CRSS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layer=layers())
def test_broken_polygons_gpkg(tmp_path, store_crs, layer):
    frame, regions, local = layer
    _check_import(frame, regions, local, tmp_path / f"{uuid.uuid4().hex}.gpkg", store_crs)


@pytest.mark.requires("postgis")
@pytest.mark.parametrize("store_crs", STORE_CRSS)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layer=layers())
def test_broken_polygons_postgis(postgis_url, store_crs, layer):
    import psycopg

    frame, regions, local = layer
    schema = f"h_{uuid.uuid4().hex[:12]}"
    try:
        _check_import(frame, regions, local, f"{postgis_url}&schema={schema}", store_crs)
    finally:
        with psycopg.connect(postgis_url, autocommit=True) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@settings(max_examples=40, deadline=None)
@given(
    lon=st.floats(-180, 180),
    lat=st.floats(-89.9, 89.9),
    size=st.floats(1e-4, 5),
    store_crs=st.sampled_from(STORE_CRSS),
)
def test_polygons_anywhere_on_earth_are_imported_valid_or_rejected(lon, lat, size, store_crs):
    """A boundary far outside the store's CRS (even at the antipode) is reprojected or rejected, never a crash."""
    box = shapely.box(lon, lat, min(lon + size, 180), min(lat + size, 89.95))
    frame = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[box, shapely.box(5, 52, 5.01, 52.01)], crs=4326)
    nets, _, _ = out = networks_from_frame(frame, id_field="code", target_crs=store_crs)
    assert len(nets) + len(out.rejects) == 2
    assert nets.is_valid.all() and np.isfinite(shapely.get_coordinates(nets.geometry.to_numpy())).all()
    assert set(out.rejects.get("reject_reason", [])) <= {"reprojection", "no_area"}


@pytest.mark.parametrize(
    ("coords", "reason"),
    [
        ([(1e308, 1e308), (1e308, -1e308), (-1e308, 0), (1e308, 1e308)], "out_of_range"),
        ([(5, 52), (float("inf"), 52), (5, 53), (5, 52)], "non_finite"),
        ([(5, 52), (5.1, 52), (5, 52)], "no_area"),
    ],
    ids=["1e308", "infinite", "two-point ring"],
)
def test_unusable_coordinates_are_rejected_with_their_reason(coords, reason):
    frame = gpd.GeoDataFrame(
        {"code": ["ok", "bad"]}, geometry=[shapely.box(5, 52, 5.01, 52.01), shapely.Polygon(coords)], crs=4326
    )
    nets, _, notes = out = networks_from_frame(frame, id_field="code", target_crs=28992)
    assert nets["network_id"].tolist() == ["ok"]
    assert out.rejects[["feature", "network_id", "reject_reason"]].values.tolist() == [[2, "bad", reason]]
    assert any("1 feature(s) rejected" in n for n in notes)
    frame = frame.iloc[[1]]
    with pytest.raises(bingeo.InputError, match="no feature can become a network"):
        networks_from_frame(frame, id_field="code", target_crs=28992)


def _geojson(path, features):
    fc = {"type": "FeatureCollection", "features": []}
    for code, ring in features:
        geom = {"type": "Polygon", "coordinates": [ring]}
        fc["features"].append({"type": "Feature", "properties": {"code": code}, "geometry": geom})
    path.write_text(json.dumps(fc))


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_cli_unclosed_and_two_point_rings(tmp_path, backend, request):
    """Rings GEOS cannot even build (GDAL hands them over unclosed) are closed and reported, or rejected."""
    src = tmp_path / "rings.geojson"
    _geojson(
        src,
        [
            ("unclosed", [[6.5, 53.2], [6.51, 53.2], [6.51, 53.21], [6.5, 53.21]]),
            ("two_points", [[6.52, 53.2], [6.53, 53.2]]),
            ("fine", [[6.54, 53.2], [6.55, 53.2], [6.55, 53.21], [6.54, 53.21], [6.54, 53.2]]),
        ],
    )
    store = str(tmp_path / "s.gpkg") if backend == "gpkg" else request.getfixturevalue("postgis_store_url")
    res = CliRunner().invoke(cli, ["networks", "import", str(src), "--store", store])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    assert "closed on reading" in res.output
    with bingeo.open_store(store) as st:
        nets = st.networks().set_index("network_id")
        assert st.crs.to_epsg() == 28992  # the data lie in the Netherlands
    assert sorted(nets.index) == ["fine", "unclosed"]
    assert nets.loc["unclosed"].geometry.area == pytest.approx(nets.loc["fine"].geometry.area, rel=0.01)
    rejects = tmp_path / "rings.rejects.csv"
    assert rejects.exists() and "two_points" in rejects.read_text() and "no_area" in rejects.read_text()


def _bowtie(p: shapely.Geometry) -> shapely.Geometry:
    p = shapely.get_parts(p)[0] if p.geom_type == "MultiPolygon" else p
    c = list(p.exterior.coords)[:-1]
    n = len(c) // 2
    c[1], c[n] = c[n], c[1]
    return shapely.Polygon([*c, c[0]])


@pytest.mark.requires("real-data")
@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_groningen_wgs84_shapefile_with_bowties_into_an_rd_store(tmp_path, backend, request):
    """The issue's case: CBS buurten as a WGS84 shapefile, three rings crossed, into `store init --crs 28992`."""
    buurten = gpd.read_file(f"zip://{REAL / 'netherlands_groningen_cbs_bag' / 'buurt2017.zip'}")
    broken = [3, 10, 20]
    for i in broken:
        buurten.loc[i, "geometry"] = _bowtie(buurten.geometry[i])
    assert (~buurten.is_valid).sum() == 3
    src = tmp_path / "buurten_wgs84.shp"
    buurten.to_file(src)
    store = str(tmp_path / "s.gpkg") if backend == "gpkg" else request.getfixturevalue("postgis_store_url")
    runner = CliRunner()
    assert runner.invoke(cli, ["store", "init", store, "--crs", "28992"]).exit_code == 0
    res = runner.invoke(cli, ["networks", "import", str(src), "--store", store])
    assert res.exit_code == 0, res.output
    assert "3 invalid geometries were repaired" in res.output
    with bingeo.open_store(store) as st:
        nets = st.networks().set_index("network_id")
    assert len(nets) == 108 and nets.is_valid.all()
    # reference: each crossed ring, made valid by GEOS in degrees, then moved into RD by pyproj
    for i in broken:
        code = buurten.loc[i, "BU_CODE"]
        want = _move(shapely.make_valid(buurten.geometry[i]), pyproj.CRS(4326), 28992)
        assert shapely.symmetric_difference(nets.geometry[code], want).area < 1e-3 * want.area
        assert "repaired with make_valid" in nets.loc[code, "repair_note"]


def read_thehague_geojson(path) -> int:
    """Write The Hague's police areas (lat-first text, '^' joining pairs) as a GeoJSON; return the invalid count."""
    features = []
    for line in (REAL / "defects_thehague" / "thehague_police_areas.txt").read_text(encoding="utf-8").splitlines():
        head, *pairs = line.split("|")
        code, _name = head.split(",", 1)
        ring = [[float(q.split(",")[1]), float(q.split(",")[0])] for p in pairs for q in p.split("^")]
        features.append((code, ring if ring[0] == ring[-1] else [*ring, ring[0]]))
    _geojson(path, features)
    return int((~gpd.read_file(path).is_valid).sum())


@pytest.mark.requires("real-data")
@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
@pytest.mark.parametrize("store_crs", [None, 28992, 3812])
def test_thehague_invalid_polygons_through_the_cli(tmp_path, backend, store_crs, request):
    src = tmp_path / "thehague.geojson"
    n_invalid = read_thehague_geojson(src)
    assert n_invalid > 80  # SOURCES.md counts 87; reading each "^" as two vertices of one ring gives 88
    store = str(tmp_path / "s.gpkg") if backend == "gpkg" else request.getfixturevalue("postgis_store_url")
    runner = CliRunner()
    if store_crs is not None:
        assert runner.invoke(cli, ["store", "init", store, "--crs", str(store_crs)]).exit_code == 0
    res = runner.invoke(cli, ["networks", "import", str(src), "--store", store])
    assert res.exit_code == 0, res.output
    with bingeo.open_store(store) as st:
        nets = st.networks()
        assert st.crs.to_epsg() == (store_crs or 28992)
    assert len(nets) == 236 and nets.is_valid.all()
    assert f"{n_invalid} invalid geometries were repaired" in res.output
    assert nets["repair_note"].notna().sum() >= n_invalid
