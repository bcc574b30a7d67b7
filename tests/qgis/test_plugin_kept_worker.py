"""The kept-alive worker process (``bingeo_qgis/worker.py``), driven headless with ``BINGEO_QGIS_WORKER=1``: the same
results as a fresh worker per run, one process serving job after job, a cancel or a death costing only that run.
"""

from __future__ import annotations

import os
import signal
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
    data = sample_layers(tmp_path_factory.mktemp("kept"))
    yield data
    data.clear()
    unload_plugin()


@pytest.fixture
def worker(monkeypatch):
    from bingeo_qgis import worker

    monkeypatch.setenv(worker.WORKER_ENV, "1")
    monkeypatch.delenv(worker.FRESH_ENV, raising=False)
    return worker


def feedback(on_progress=None):
    from qgis.core import QgsProcessingFeedback

    fb = QgsProcessingFeedback()
    fb.steps = []
    fb.progressChanged.connect(lambda v: (fb.steps.append(v), on_progress and on_progress(fb, v)))
    return fb


def run(alg, params, fb=None):
    import processing

    return processing.run(f"bingeo:{alg}", params, feedback=fb or feedback())


def table(lyr):
    """A layer's rows, sorted, geometry as WKT (the WKB byte order may differ)."""
    return sorted((tuple(sorted((k, repr(v)) for k, v in r.items() if k != "_geometry")) for r in rows(lyr)), key=repr)


def raster(path):
    import rasterio

    with rasterio.open(path) as ds:
        return ds.transform, ds.crs, ds.read(1)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a child that ended but was not waited for yet is a zombie: ended all the same
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


CASES = {
    "assignpoints": lambda e: {"INPUT": e["inc"], "NETWORKS": e["nets"], "OUTPUT": "memory:"},
    "countincidents": lambda e: {
        "INPUT": e["inc"],
        "NETWORKS": e["nets"],
        "BY": 3,
        "DATE_FIELD": "pleegdatum",
        "OUTPUT": "memory:",
    },
    "hotspots": lambda e: {
        "INPUT": e["inc"],
        "NETWORKS": e["nets"],
        "CELL_SIZE": 250,
        "CELLS": "memory:",
        "HOTSPOTS": "memory:",
    },
    "coverage": lambda e: {"NETWORKS": e["nets"], "ADDRESSES": e["adr"], "OUTPUT": "memory:"},
}


@pytest.mark.parametrize("alg", sorted(CASES))
def test_kept_worker_gives_what_a_fresh_worker_gives(env, worker, monkeypatch, alg):
    params = CASES[alg](env)
    monkeypatch.setenv(worker.FRESH_ENV, "1")
    fresh = run(alg, params)
    monkeypatch.delenv(worker.FRESH_ENV)
    fb = feedback()
    kept = run(alg, params, fb)
    outputs = [k for k, v in params.items() if v == "memory:"]
    for name in outputs:
        assert table(kept[name]) == table(fresh[name]) and kept[name].featureCount() > 0, name
    assert {k: v for k, v in kept.items() if k not in outputs} == {k: v for k, v in fresh.items() if k not in outputs}
    assert fb.steps and max(fb.steps) >= 50  # progress reaches QGIS from the kept worker too
    assert worker.kept_worker(start=False).alive()


def test_kept_worker_writes_the_same_raster(env, worker, monkeypatch, tmp_path):
    params = {"INPUT": env["inc"], "RADIUS": 400, "CELL_SIZE": 100}
    monkeypatch.setenv(worker.FRESH_ENV, "1")
    run("density", {**params, "OUTPUT": str(tmp_path / "fresh.tif")})
    monkeypatch.delenv(worker.FRESH_ENV)
    run("density", {**params, "OUTPUT": str(tmp_path / "kept.tif")})
    (gt1, crs1, a1), (gt2, crs2, a2) = raster(tmp_path / "fresh.tif"), raster(tmp_path / "kept.tif")
    assert gt1 == gt2 and crs1 == crs2 and a1.shape == a2.shape and (a1 == a2).all() and a1.max() > 0


def test_one_worker_serves_jobs_in_a_row(env, worker):
    params = CASES["assignpoints"](env)
    run("assignpoints", params)
    first = worker.kept_worker(start=False)
    run("countincidents", CASES["countincidents"](env))
    started = {k for k in worker.TIMINGS if k.startswith("start_")}
    run("assignpoints", params)
    assert worker.kept_worker(start=False) is first and first.alive() and alive(first.pid)
    assert not started  # the second job started no process
    assert worker.TIMINGS["worker"] < worker.TIMINGS["algorithm"] + 1.0


def test_cancel_kills_the_kept_worker_and_the_next_job_runs(env, worker, tmp_path):
    from qgis.core import QgsProcessingException

    run("assignpoints", CASES["assignpoints"](env))
    before = worker.kept_worker(start=False).pid
    fb = feedback(lambda fb, v: v >= 10 and fb.cancel())
    # a failed run keeps its parameters alive: the layer's source, not the layer (see test_plugin_algorithms.py)
    params = {"INPUT": env["inc"].source(), "RADIUS": 3000, "CELL_SIZE": 2, "OUTPUT": str(tmp_path / "d.tif")}
    started = time.monotonic()
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        run("density", params, fb)
    assert fb.isCanceled() and time.monotonic() - started < 60
    assert not alive(before)  # the worker that ran the job is gone
    after = run("assignpoints", CASES["assignpoints"](env))["OUTPUT"]
    assert after.featureCount() == env["inc"].featureCount()
    assert worker.kept_worker(start=False).pid != before


def test_a_worker_that_dies_mid_job_is_a_clear_error_and_the_next_job_runs(env, worker, tmp_path):
    from qgis.core import QgsProcessingException

    run("assignpoints", CASES["assignpoints"](env))
    victim = worker.kept_worker(start=False).pid

    def kill(fb, value):
        if value >= 10 and alive(victim):
            os.kill(victim, signal.SIGKILL)

    # a failed run keeps its parameters alive: the layer's source, not the layer (see test_plugin_algorithms.py)
    params = {"INPUT": env["inc"].source(), "RADIUS": 3000, "CELL_SIZE": 2, "OUTPUT": str(tmp_path / "d.tif")}
    with pytest.raises(
        QgsProcessingException, match=r"stopped during the run \(exit code -9\); the next run starts a new one"
    ):
        run("density", params, feedback(kill))
    out = run("assignpoints", CASES["assignpoints"](env))["OUTPUT"]
    assert out.featureCount() == env["inc"].featureCount()
    assert worker.kept_worker(start=False).pid != victim


def test_a_worker_that_died_between_jobs_is_started_again(env, worker):
    run("assignpoints", CASES["assignpoints"](env))
    victim = worker.kept_worker(start=False)
    os.kill(victim.pid, signal.SIGKILL)
    victim.proc.wait(timeout=10)
    out = run("assignpoints", CASES["assignpoints"](env))["OUTPUT"]
    assert out.featureCount() == env["inc"].featureCount()
    assert worker.kept_worker(start=False).pid != victim.pid


def test_a_job_while_the_kept_worker_is_busy_runs_in_a_fresh_one(env, worker):
    run("assignpoints", CASES["assignpoints"](env))
    kept = worker.kept_worker(start=False)
    with worker.KEPT_LOCK:  # as while Processing runs another algorithm in the kept worker
        out = run("assignpoints", CASES["assignpoints"](env))["OUTPUT"]
        assert "start_init_qgis" in worker.TIMINGS  # a worker was started for this job
    assert out.featureCount() == env["inc"].featureCount()
    assert worker.kept_worker(start=False) is kept and kept.alive()


def test_an_error_in_a_job_keeps_the_worker(env, worker):
    from qgis.core import QgsProcessingException

    run("assignpoints", CASES["assignpoints"](env))
    kept = worker.kept_worker(start=False)
    with pytest.raises(QgsProcessingException, match="Networks as of"):
        run("assignpoints", {**CASES["assignpoints"](env), "INPUT": env["inc"].source(), "AT": "not a date"})
    assert worker.kept_worker(start=False) is kept and kept.alive()


def test_stop_ends_the_kept_worker(env, worker):
    run("assignpoints", CASES["assignpoints"](env))
    kept = worker.kept_worker(start=False)
    worker.stop_worker()
    assert kept.proc.returncode is not None and not alive(kept.pid)
    assert worker.kept_worker(start=False) is None


def test_unloading_the_plugin_stops_the_kept_worker(env, worker):
    import qgis.utils

    run("assignpoints", CASES["assignpoints"](env))
    kept = worker.kept_worker(start=False)
    plugin = qgis.utils.plugins["bingeo_qgis"]
    plugin.unload()
    try:
        assert not alive(kept.pid) and worker.kept_worker(start=False) is None
    finally:
        plugin.initProcessing()


def test_opening_an_algorithm_starts_the_worker_in_the_background(env, worker):
    from qgis.core import QgsApplication

    worker.stop_worker()
    started = time.monotonic()
    alg = QgsApplication.processingRegistry().createAlgorithmById("bingeo:assignpoints")  # as a dialog does
    assert alg is not None and time.monotonic() - started < 2  # the dialog is not kept waiting
    kept = worker.kept_worker(start=False)
    assert kept is not None and kept.alive()
    run("assignpoints", CASES["assignpoints"](env))
    assert worker.kept_worker(start=False) is kept


def test_fresh_workers_when_asked(env, worker, monkeypatch):
    from qgis.core import QgsApplication

    worker.stop_worker()
    monkeypatch.setenv(worker.FRESH_ENV, "1")
    QgsApplication.processingRegistry().createAlgorithmById("bingeo:assignpoints")
    out = run("assignpoints", CASES["assignpoints"](env))["OUTPUT"]
    assert out.featureCount() == env["inc"].featureCount() and "start_init_qgis" in worker.TIMINGS
    assert worker.kept_worker(start=False) is None  # no kept worker started


def test_a_worker_holding_too_much_memory_leaves_after_its_job(env, worker, monkeypatch):
    run("assignpoints", CASES["assignpoints"](env))
    kept = worker.kept_worker(start=False)
    monkeypatch.setenv(worker.MAX_RESIDENT_ENV, "1")  # MB: any worker holds more
    out = run("assignpoints", CASES["assignpoints"](env))["OUTPUT"]
    assert out.featureCount() == env["inc"].featureCount()  # the job itself is done
    assert not kept.alive() and kept.proc.returncode == 0 and not alive(kept.pid)
    monkeypatch.delenv(worker.MAX_RESIDENT_ENV)
    again = run("assignpoints", CASES["assignpoints"](env))["OUTPUT"]  # the next run starts a new one
    assert again.featureCount() == env["inc"].featureCount()
    assert worker.kept_worker(start=False).pid != kept.pid


def test_a_password_set_for_one_call_stays_out_of_the_kept_workers_environment(env, worker, monkeypatch):
    from bingeo_qgis.send_dialog import PASSWORD_ENV

    assert PASSWORD_ENV in worker.PER_CALL_ENV
    worker.stop_worker()
    monkeypatch.setenv(PASSWORD_ENV, "zqx-secret-4321")  # as the send dialog sets it for its call
    run("assignpoints", CASES["assignpoints"](env))  # this call starts the worker
    kept = worker.kept_worker(start=False)
    with open(f"/proc/{kept.pid}/environ", "rb") as f:
        assert b"zqx-secret-4321" not in f.read()
