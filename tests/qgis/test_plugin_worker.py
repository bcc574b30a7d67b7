"""The worker process the QGIS desktop runs bingeo in (``bingeo_qgis/worker.py``), driven headless with
``BINGEO_QGIS_WORKER=1``: the same results as in QGIS's process, progress reported, and a cancel stops it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import load_plugin, rows, sample_layers, unload_plugin  # noqa: E402

#: Every test here needs QGIS's Python bindings (skipped without them on a developer machine, failed in CI).
pytestmark = pytest.mark.requires("qgis")


@pytest.fixture(scope="module")
def env(qgis_processing, tmp_path_factory):
    load_plugin()
    data = sample_layers(tmp_path_factory.mktemp("worker"))
    yield data
    data.clear()
    unload_plugin()


class Feedback:
    """A QgsProcessingFeedback that records progress and messages, and cancels at ``cancel_at`` % if given."""

    def __new__(cls, cancel_at=None):
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.steps, self.lines = [], []
                self.progressChanged.connect(self._step)

            def _step(self, value):
                self.steps.append(value)
                if cancel_at is not None and value >= cancel_at:
                    self.cancel()

            def pushInfo(self, info):  # noqa: N802
                self.lines.append(info)

        return _Feedback()


def run(alg, params, feedback):
    import processing

    return processing.run(f"bingeo:{alg}", params, feedback=feedback)


def test_worker_gives_the_same_assignment(env, monkeypatch):
    params = {"INPUT": env["inc"], "NETWORKS": env["nets"], "OUTPUT": "memory:"}
    monkeypatch.setenv("BINGEO_QGIS_WORKER", "0")
    here = rows(run("assignpoints", params, Feedback())["OUTPUT"])
    monkeypatch.setenv("BINGEO_QGIS_WORKER", "1")
    fb = Feedback()
    there = rows(run("assignpoints", params, fb)["OUTPUT"])
    key = "registratienummer"
    strip = ("_geometry",)  # WKB byte order may differ; the WKT is compared

    def table(rs):
        return sorted(({k: v for k, v in r.items() if k not in strip} for r in rs), key=lambda r: r[key])

    assert table(here) == table(there) and len(here) == env["inc"].featureCount()
    assert any("Networks active on" in line for line in fb.lines)  # the worker's log reaches QGIS
    assert fb.steps and max(fb.steps) >= 50  # and its progress


def test_cancel_kills_the_worker(env, monkeypatch, tmp_path):
    from qgis.core import QgsProcessingException

    monkeypatch.setenv("BINGEO_QGIS_WORKER", "1")
    params = {"INPUT": env["inc"], "RADIUS": 3000, "CELL_SIZE": 2, "OUTPUT": str(tmp_path / "d.tif")}
    fb = Feedback(cancel_at=10)
    started = time.monotonic()
    with pytest.raises(QgsProcessingException):
        run("density", params, fb)
    assert fb.isCanceled()
    assert time.monotonic() - started < 60
    assert not (tmp_path / "d.tif").exists()


def test_progress_keywords_only_where_the_library_takes_them():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "qgis_plugin"))
    from bingeo_qgis.algorithms.base import Progress

    def both(x, *, progress=None, is_cancelled=None):
        return x

    def neither(x):
        return x

    p = Progress(None)
    assert set(p.kwargs(both)) == {"progress", "is_cancelled"}
    assert p.kwargs(neither) == {}


def test_worker_import_records_the_layer_not_its_temporary_copy(env, monkeypatch, tmp_path):
    import bingeo

    monkeypatch.setenv("BINGEO_QGIS_WORKER", "1")
    store = tmp_path / "bins.gpkg"
    res = run("importnetworks", {"INPUT": env["nets"], "STORE": str(store), "ID_FIELD": "bin_code"}, Feedback())
    assert res["ADDED"] == 18
    with bingeo.open_store(store) as st:
        sources = set(st.networks(include_retired=True)["source"])
    assert sources == {env["nets"].source()}
