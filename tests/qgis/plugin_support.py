"""Helpers for the QGIS plugin tests (tests/qgis/test_plugin_*.py): sample layers, plugin loading, reading outputs.

Importable without QGIS: qgis is imported inside the functions only.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIR = ROOT / "qgis_plugin"
SAMPLES = ROOT / "data" / "samples"
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"

#: Every algorithm id of the provider (webmap, emerging, forecast and profile only when bingeo has them).
BASE_ALGORITHMS = {
    "importnetworks",
    "assignpoints",
    "countincidents",
    "hotspots",
    "density",
    "coverage",
    "proposeareas",
    "selectrecipients",
    "evaluate",
}


def expected_algorithms() -> set[str]:
    import importlib.util

    names = set(BASE_ALGORITHMS)
    if importlib.util.find_spec("bingeo.webmap") is not None:
        names.add("webmap")
    if importlib.util.find_spec("bingeo.emerging") is not None:
        names.add("emerging")
    if importlib.util.find_spec("bingeo.forecast") is not None:
        names.add("forecast")
    if importlib.util.find_spec("bingeo.aoristic") is not None:
        names.add("profile")
    if importlib.util.find_spec("bingeo.streets") is not None:
        names.update({"networksfromstreets", "liststreets", "invitations"})
    if importlib.util.find_spec("bingeo.risk") is not None:
        names.add("densityper")
    if importlib.util.find_spec("bingeo.plan") is not None:
        names.add("planareas")
    if importlib.util.find_spec("bingeo.regions") is not None:
        names.add("regions")
    return {f"bingeo:{n}" for n in names}


def provider_algorithms() -> set[str]:
    """The names of the provider's algorithms, read from ``bingeo_qgis/algorithms/*.py`` without QGIS: the ``NAME``
    of every class there (every module the provider registers defines one algorithm class with its ``NAME``).
    """
    import ast

    names = set()
    for path in sorted((PLUGIN_DIR / "bingeo_qgis" / "algorithms").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
                    if isinstance(target, ast.Name) and target.id == "NAME" and isinstance(stmt.value, ast.Constant):
                        names.add(stmt.value.value)
    return names - {""}


def load_plugin(iface=None):
    """Load qgis_plugin/bingeo_qgis through qgis.utils (as QGIS does) and start its Processing part."""
    import qgis.utils

    if str(PLUGIN_DIR) not in sys.path:
        sys.path.insert(0, str(PLUGIN_DIR))
    if str(PLUGIN_DIR) not in qgis.utils.plugin_paths:
        qgis.utils.plugin_paths.append(str(PLUGIN_DIR))
    if "bingeo_qgis" not in qgis.utils.plugins:
        assert qgis.utils.loadPlugin("bingeo_qgis")
        assert qgis.utils.startProcessingPlugin("bingeo_qgis")
    return qgis.utils.plugins["bingeo_qgis"]


def unload_plugin():
    """Unload the plugin (provider removed): QGIS 3.22 crashes in exitQgis() with a Python provider registered."""
    import gc

    import qgis.utils

    if "bingeo_qgis" in qgis.utils.plugins:
        qgis.utils.unloadPlugin("bingeo_qgis")
    gc.collect()


def sample_frames():
    """Incidents (dates parsed, inside the networks' extent + 2 km), addresses and networks of data/samples."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    import bingeo

    nets, _, _ = bingeo.networks_from_file(SAMPLES / "networks.gpkg", id_field="bin_code", kind_field="soort")
    inc = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992).points
    box = shapely.box(*nets.total_bounds).buffer(2000)
    inc = inc[inc.geometry.within(box)].reset_index(drop=True)
    inc["pleegdatum"] = pd.to_datetime(inc["pleegdatum"], format="%d-%m-%Y %H:%M", errors="coerce")
    inc = inc[inc["pleegdatum"].notna()].reset_index(drop=True)
    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
    return gpd.GeoDataFrame(inc), gpd.GeoDataFrame(adr), nets


def write_samples(folder: Path) -> dict[str, Path]:
    """Write the sample frames as GeoPackages (1.2, as QGIS 3.22 reads them cleanly); return their paths."""
    from bingeo.readers import write_table

    inc, adr, _ = sample_frames()
    paths = {
        "incidents": folder / "incidents.gpkg",
        "addresses": folder / "addresses.gpkg",
        "networks": SAMPLES / "networks.gpkg",
    }
    write_table(inc, paths["incidents"], layer="incidents")
    write_table(adr, paths["addresses"], layer="addresses")
    return paths


#: A charter of two new networks (streets, house-number ranges, sides) on the sample addresses: 72 and 122 addresses.
CHARTER = (
    "bin;straat;van;tot;zijde\nGR-NEW-1;Witsenstraat;1;21;oneven\nGR-NEW-1;Israëlsstraat;;;\n"
    "GR-NEW-2;Bizetstraat;;;\nGR-NEW-2;Kwartelwg;;;\n"
)


def write_window_layer(folder: Path) -> Path:
    """data/samples/woninginbraken.csv as a layer ``w`` in ``folder/w.gpkg``: its fields as text (dates as the police
    write them, time windows included), points from X/Y (none where X/Y are empty).
    """
    import geopandas as gpd
    import pandas as pd

    from bingeo.readers import write_table

    df = pd.read_csv(SAMPLES / "woninginbraken.csv", sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    x = pd.to_numeric(df["X"].str.replace(",", "."), errors="coerce")
    y = pd.to_numeric(df["Y"].str.replace(",", "."), errors="coerce")
    geom = gpd.points_from_xy(x, y)
    geom[x.isna().to_numpy() | y.isna().to_numpy()] = None
    path = folder / "w.gpkg"
    write_table(gpd.GeoDataFrame(df.drop(columns=["X", "Y"]), geometry=geom, crs=28992), path, layer="w")
    return path


def sample_layers(folder: Path) -> dict:
    """The sample incidents, addresses (written to ``folder``) and networks as layers: ``inc``, ``adr``, ``nets``."""
    paths = write_samples(folder)
    return {
        "tmp": folder,
        "inc": layer(paths["incidents"], "incidents"),
        "adr": layer(paths["addresses"], "addresses"),
        "nets": layer(SAMPLES / "networks.gpkg"),
    }


def layer(path: Path, name: str | None = None, provider: str = "ogr"):
    from qgis.core import QgsVectorLayer

    uri = f"{path}|layername={name}" if name else str(path)
    lyr = QgsVectorLayer(uri, name or Path(path).stem, provider)
    assert lyr.isValid(), uri
    return lyr


def rows(lyr) -> list[dict]:
    """Every feature of a layer as a dict of plain values (NULL -> None) plus '_wkt' (independent of the plugin)."""
    from qgis.PyQt.QtCore import QVariant

    out = []
    names = [f.name() for f in lyr.fields()]
    for feat in lyr.getFeatures():
        rec = {}
        for n, v in zip(names, feat.attributes()):
            rec[n] = None if isinstance(v, QVariant) and v.isNull() else v
        g = feat.geometry()
        rec["_wkt"] = None if g is None or g.isNull() else g.asWkt()
        rec["_geometry"] = None if g is None or g.isNull() else bytes(g.asWkb())
        out.append(rec)
    return out


def marker(i: int) -> dict[str, str]:
    """Personal-data markers planted in member fields: they must appear only in recipient exports."""
    return {"name": f"ZQXNAAM{i:03d} Jansen", "email": f"zqxmail{i:03d}@example.org"}


def make_member_store(folder: Path, n: int = 120) -> Path:
    """A store with the sample networks and addresses and ``n`` synthetic members on sample addresses."""
    import numpy as np
    import pandas as pd
    from click.testing import CliRunner

    from bingeo.cli.main import cli

    store = folder / "bins.gpkg"

    def run(*args):
        res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert res.exit_code == 0, res.output

    run(
        "networks",
        "import",
        SAMPLES / "networks.gpkg",
        "--store",
        store,
        "--id-field",
        "bin_code",
        "--kind-field",
        "soort",
    )
    adr = pd.read_csv(SAMPLES / "addresses.csv", dtype=str)
    picks = adr.iloc[np.random.default_rng(11).choice(len(adr), n, replace=False)].reset_index(drop=True)
    rows_ = []
    for i, a in picks.iterrows():
        m = marker(i)
        rows_.append(
            {
                "lidnummer": f"L{i:03d}",
                "naam": m["name"],
                "email": m["email"] if i % 5 else "",
                "telefoon": f"06-{12000000 + 7919 * i:08d}" if i % 3 else "",
                "toestemming": "nee" if i % 11 == 0 else "ja",
                "rol": "coördinator" if i % 17 == 0 else "lid",
                "netwerken": "",
                "x": a["x"],
                "y": a["y"],
            }
        )
    csv = folder / "leden.csv"
    pd.DataFrame(rows_).to_csv(csv, sep=";", index=False, encoding="utf-8")
    run("members", "import", csv, "--store", store, "--crs", "28992")
    return store
