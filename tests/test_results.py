"""One result protocol: every result object has ``notes``, ``summary()`` and a JSON-safe ``as_dict()``.

Each result is built from the sample data (through the demo's store), then checked: ``notes`` is a list of
text, ``summary()`` is text, and ``json.dumps(as_dict(), allow_nan=False)`` round-trips. Results that hold
members carry counts only: no member's name, e-mail or phone appears in their ``as_dict()``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

import bingeo
from bingeo.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "demo"
    run_demo(out, echo=lambda _text: None)
    store = bingeo.open_store(out / "bins.gpkg")
    nets = store.networks()
    read = bingeo.read_points(SAMPLES / "incidents.csv", crs=28992, target_crs=nets.crs, extent=store.extent())
    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992, target_crs=nets.crs, extent=store.extent())
    yield {"out": out, "store": store, "nets": nets, "read": read, "adr": adr}
    store.close()


def _results(world):
    store, nets, pts, adr = world["store"], world["nets"], world["read"].points, world["adr"].points
    out = world["out"]
    hs = bingeo.find_hotspots(pts, networks=nets)
    gi = bingeo.GiStar(rings=1)
    gi.fit(np.arange(100, dtype=float).reshape(10, 10) % 7, cell_size=100.0)
    knox = bingeo.NearRepeat(permutations=19, seed=0).fit(pts)
    centre = shapely.Point(233_925, 583_425).buffer(300)
    members = store.members()
    one = bingeo.run_evaluation(pts, store.networks(include_retired=True), network_id="GR-BIN-015", months=12)
    every = bingeo.run_evaluation(pts, store.networks(include_retired=True))
    return {
        "ReadResult": world["read"],
        "CoverageReport": bingeo.coverage(nets, adr),
        "CheckReport": bingeo.check_networks(nets),
        "ImportReport": bingeo.import_networks(SAMPLES / "networks_update.geojson", out / "copy.gpkg", store_crs=28992),
        "MembersResult": bingeo.members_from_file(SAMPLES / "members.csv", addresses=store.addresses()),
        "HotspotResult": hs,
        "GiStar": gi,
        "DensityRaster": bingeo.kernel_density(pts, cell_size=100, radius=500),
        "Selection": bingeo.select_recipients(members, area=centre, networks=nets, coordinators=True),
        "Alert": bingeo.send_alert(store, out / "r.csv", area=centre, operator="t", reason="test"),
        "NearRepeat": knox,
        "AlertSuggestion": bingeo.suggest_alert(pts, permutations=19),
        "PredictiveAccuracy": bingeo.predictive_accuracy(
            hs.hotspots, pts, pts, study_area=shapely.union_all(hs.cells.geometry.to_numpy())
        ),
        "BeforeAfter": one.result,
        "Evaluation": one,
        "NetworkEvaluations": every.networks,
    }


def test_every_result_follows_the_protocol(world):
    results = _results(world)
    assert len(results) == 16
    markers = set()
    for col in ("name", "email", "phone"):
        markers |= {str(v) for v in world["store"].members()[col].dropna() if len(str(v)) > 5}
    assert len(markers) > 100
    for name, res in results.items():
        assert type(res).__name__ == name
        assert isinstance(res.notes, list) and all(isinstance(n, str) for n in res.notes), name
        text = res.summary()
        assert isinstance(text, str) and text.strip(), name
        data = res.as_dict()
        assert isinstance(data, dict) and data, name
        dumped = json.dumps(data, allow_nan=False)
        assert json.loads(dumped) == data, name
        if name in ("Selection", "Alert", "MembersResult"):
            assert not [m for m in markers if m in dumped], f"{name}.as_dict() holds member data"


def test_json_safe_rules():
    import datetime as dt

    import pandas as pd

    from bingeo._results import json_safe

    got = json_safe(
        {
            "nan": float("nan"),
            "inf": np.float32("inf"),
            "day": dt.date(2024, 1, 31),
            "crs": bingeo.to_crs(28992),
            "frame": pd.DataFrame({"name": ["x", "y"]}),
            "geom": shapely.Point(0, 0),
            "ints": np.arange(3),
        }
    )
    assert got == {
        "nan": None,
        "inf": None,
        "day": "2024-01-31",
        "crs": bingeo._crs.crs_label(bingeo.to_crs(28992)),
        "frame": {"rows": 2},
        "geom": {"geometry": "Point"},
        "ints": [0, 1, 2],
    }
