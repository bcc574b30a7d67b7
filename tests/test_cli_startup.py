"""Start-up: a command imports only what it needs (a behaviour test of the imports, not a timing test).

``python -X importtime`` lists every module a process imports. The help of the CLI and of the commands
users run many times a day (``recipients``, ``members import``) must not pull in the heavy libraries of
other workflows: an eager ``import geopandas`` (or folium, scipy, ...) added back at module level fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Libraries no help text and no ``import bingeo`` needs: each costs 0.03-0.5 s of start-up.
HEAVY = (
    "geopandas",
    "pandas",
    "folium",
    "scipy",
    "matplotlib",
    "pyogrio",
    "pyarrow",
    "tqdm",
    "branca",
    "jinja2",
    "pyproj",
)


def modules_imported_by(*args: str) -> set[str]:
    """Every module (dotted names) imported by ``python -X importtime ARGS`` (which must succeed)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    names = set()
    for line in res.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name)
    assert "bingeo" in names  # the listing was read
    return names


def imported_by(*args: str) -> set[str]:
    """Top-level modules imported by ``python -X importtime ARGS`` (which must succeed)."""
    return {name.split(".")[0] for name in modules_imported_by(*args)}


@pytest.mark.parametrize(
    "args",
    [
        ("-c", "import bingeo"),
        ("-m", "bingeo", "--help"),
        ("-m", "bingeo", "--version"),
        ("-m", "bingeo", "recipients", "--help"),
        ("-m", "bingeo", "members", "import", "--help"),
        ("-m", "bingeo", "audit", "list", "--help"),
    ],
    ids=["import-bingeo", "help", "version", "recipients-help", "members-import-help", "audit-help"],
)
def test_no_heavy_imports(args):
    heavy = sorted(set(HEAVY) & imported_by(*args))
    assert not heavy, f"{' '.join(args)} imports {heavy}: import them where they are used"


def test_the_check_sees_an_eager_import():
    # the same check, on a command that does import geopandas: it is seen (so the test above can fail)
    assert "geopandas" in imported_by("-c", "import bingeo; bingeo.assign")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """A store of 60 members on a 1 km square of RD New, and a drawn area (WKT, the store's CRS) over part of it."""
    import geopandas as gpd
    import numpy as np

    import bingeo

    folder = tmp_path_factory.mktemp("startup")
    ids = np.arange(60)
    members = gpd.GeoDataFrame(
        {
            "member_id": [f"M{i:03d}" for i in ids],
            "person_id": [f"p-{i:03d}" for i in ids],
            "name": [f"Lid {i}" for i in ids],
            "email": [None if i % 4 == 0 else f"lid{i}@example.org" for i in ids],
            "phone": [None if i % 3 == 0 else f"+3161{i:07d}" for i in ids],
            "phone_kind": [None if i % 3 == 0 else "mobile" for i in ids],
            "channels": "sms;email",
            "consent": ids % 11 != 0,
            "role": "member",
            "networks": "",
            "status": "active",
        },
        geometry=gpd.points_from_xy(233000 + (ids % 10) * 100.0, 583000 + (ids // 10) * 150.0),
        crs=28992,
    )
    path = folder / "members.gpkg"
    with bingeo.open_store(path, create=True, crs=28992) as st:
        st.upsert_members(members)
    area = folder / "area.wkt"
    area.write_text("POLYGON ((233050 583050, 233650 583100, 233600 583800, 233100 583700, 233050 583050))")
    return path, area


def test_recipients_by_area_loads_no_crs_library(small_store, tmp_path):
    # a drawn area in the store's CRS needs no CRS library, no masked arrays and no frames: the whole command
    # (select, write, log) is run and its CSV compared with the library call's, which may load them all
    import bingeo

    store, area = small_store
    copy = tmp_path / "members.gpkg"
    copy.write_bytes(store.read_bytes())  # the command appends to the audit log
    out = tmp_path / "cmd.csv"
    args = ["recipients", "--store", str(copy), "--area", str(area), "--output", str(out), "--operator", "t"]
    names = modules_imported_by("-m", "bingeo", *args)
    loaded = sorted(m for m in ("pyproj", "numpy.ma", "pandas", "geopandas") if m in names)
    assert not loaded, f"bingeo recipients --area imports {loaded}"
    assert "shapely" in names and "bingeo.alerting" in names
    ref = tmp_path / "lib.csv"
    with bingeo.open_store(store) as st:
        shape = bingeo.area_from_file(area, target_crs=st.crs)  # a pyproj CRS: the path before
        sel = bingeo.send_alert(st, ref, area=shape).selection
    assert len(sel.recipients) > 10
    assert out.read_bytes() == ref.read_bytes()
    for channel in ("sms", "voice", "email"):
        assert out.with_name(f"cmd.{channel}.txt").read_bytes() == ref.with_name(f"lib.{channel}.txt").read_bytes()


def test_the_check_sees_a_crs_library_and_masked_arrays():
    # the same listing sees pyproj and numpy.ma when they are loaded (so the test above can fail)
    names = modules_imported_by("-c", "import bingeo, pyproj, numpy as np; np.median(np.arange(3.0))")
    assert {"pyproj", "numpy.ma"} <= names
