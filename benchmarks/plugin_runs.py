"""Benchmark: one run of a bingeo Processing algorithm in QGIS, where the QGIS desktop runs it (in a worker process).

Inside the QGIS desktop every algorithm runs in a worker process (``qgis_plugin/bingeo_qgis/worker.py``). Here a
headless QGIS Python is forced to do the same (``BINGEO_QGIS_WORKER=1``) and runs a few algorithms on the sample
data, in one run, each way in turn:

(a) the fresh-worker way, as before (``BINGEO_QGIS_WORKER_FRESH=1``): a new QGIS Python per run, which imports
    ``qgis.core``, starts QGIS, imports bingeo, runs the algorithm and exits;
(b) the kept-alive worker (the default): started at the first run, then reused; its first run is timed twice,
    started at once before it, and started when the dialog opened, :data:`DIALOG_SECONDS` before Run;
(c) in QGIS's process (``BINGEO_QGIS_WORKER=0``, what a PyQGIS script gets): the floor, no worker at all.

Where the time of one run goes (seconds, median over repeats): inputs written to GeoPackages, the worker's
start-up (``import qgis.core``, QGIS initialised, the provider and bingeo's modules), the algorithm itself
(measured in the worker), the rest of the exchange (process start, messages) and the outputs copied back into the
sinks. Prints the ratio (a)/(b) of each repeat (the range over repeats is what counts: the machine is shared).

python benchmarks/plugin_runs.py [--repeats 3] [--algorithms assignpoints,countincidents,hotspots,density]

Run it with a Python that imports QGIS (CI's venv: ``/work/main/.venv/bin/python``), ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "qgis_plugin", ROOT / "tests" / "qgis", Path("/usr/share/qgis/python/plugins")):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

#: The algorithms run by default (Processing ids without ``bingeo:``).
ALGORITHMS = ("assignpoints", "countincidents", "hotspots", "density")
#: Repeats of each way.
REPEATS = 3
#: Seconds a dialog is open before Run (the kept worker, started when the dialog opened, starts up meanwhile).
DIALOG_SECONDS = 5.0


def parameters(name: str, layers: dict, out: Path) -> dict:
    """The parameters of algorithm ``name`` on the sample layers (as tests/qgis/test_qgis_desktop.py runs them)."""
    temp = "TEMPORARY_OUTPUT"
    inc, nets = layers["incidents"], layers["networks"]
    return {
        "assignpoints": {"INPUT": inc, "NETWORKS": nets, "OUTPUT": temp},
        "countincidents": {"INPUT": inc, "NETWORKS": nets, "BY": 3, "DATE_FIELD": "pleegdatum", "OUTPUT": temp},
        "hotspots": {"INPUT": inc, "NETWORKS": nets, "CELL_SIZE": 250, "CELLS": temp, "HOTSPOTS": temp},
        "density": {
            "INPUT": inc,
            "RADIUS": 400,
            "CELL_SIZE": 100,
            "OUTPUT": str(out / f"density_{time.time_ns()}.tif"),
        },
        "coverage": {"NETWORKS": nets, "ADDRESSES": layers["addresses"], "OUTPUT": temp},
    }[name]


def run_once(name: str, layers: dict, out: Path, *, worker: str, fresh: bool) -> tuple[float, dict]:
    """Run ``bingeo:<name>`` once; return its wall seconds and the worker's stage timings."""
    import processing
    from bingeo_qgis import worker as w
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    os.environ[w.WORKER_ENV] = worker
    if fresh:
        os.environ[w.FRESH_ENV] = "1"
    else:
        os.environ.pop(w.FRESH_ENV, None)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    w.TIMINGS.clear()
    started = time.perf_counter()
    processing.run(f"bingeo:{name}", parameters(name, layers, out), context=context, feedback=QgsProcessingFeedback())
    return time.perf_counter() - started, dict(w.TIMINGS)


def stages(timings: list[dict]) -> str:
    """The median seconds of each stage of a run in a worker."""

    def med(key: str) -> float:
        return statistics.median(t.get(key, 0.0) for t in timings)

    def started(t: dict) -> float:
        return sum(t.get(k, 0.0) for k in ("start_import_qgis", "start_init_qgis", "start_provider", "start_imports"))

    start = statistics.median(started(t) for t in timings)
    # a worker started when the algorithm was made (prestart) starts up while the inputs are written: may be < 0
    rest = statistics.median(t.get("worker", 0.0) - started(t) - t.get("algorithm", 0.0) for t in timings)
    return (
        f"inputs {med('inputs'):.2f}, start-up {start:.2f} (import qgis.core {med('start_import_qgis'):.2f}, "
        f"init {med('start_init_qgis'):.2f}, provider+bingeo {med('start_provider') + med('start_imports'):.2f}), "
        f"algorithm {med('algorithm'):.2f}, process+exchange {rest:.2f}, outputs {med('outputs'):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS))
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsVectorLayer

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    from bingeo_qgis import worker as w
    from bingeo_qgis.provider import BingeoProvider
    from plugin_support import SAMPLES, write_samples

    provider = BingeoProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    tmp = Path(tempfile.mkdtemp(prefix="bingeo_plugin_runs_"))
    paths = write_samples(tmp)
    layers = {
        "incidents": QgsVectorLayer(str(paths["incidents"]), "incidents", "ogr"),
        "addresses": QgsVectorLayer(str(paths["addresses"]), "addresses", "ogr"),
        "networks": QgsVectorLayer(str(SAMPLES / "networks.gpkg"), "networks", "ogr"),
    }
    print(
        f"incidents {layers['incidents'].featureCount()}, addresses {layers['addresses'].featureCount()}, "
        f"networks {layers['networks'].featureCount()}; load {os.getloadavg()[0]:.1f}"
    )
    names = [n for n in args.algorithms.split(",") if n]
    first, first_t = run_once(names[0], layers, tmp, worker="1", fresh=False)
    print(f"first run of the kept worker ({names[0]}, its start-up included): {first:.2f} s; {stages([first_t])}")
    w.stop_worker()  # as a user: the dialog is open a few seconds before Run, the worker starts meanwhile
    w.prestart()
    time.sleep(DIALOG_SECONDS)
    second, second_t = run_once(names[0], layers, tmp, worker="1", fresh=False)
    print(
        f"first run after the dialog was open {DIALOG_SECONDS:.0f} s (the worker started up meanwhile): {second:.2f} s"
        f" (the algorithm {second_t.get('algorithm', 0.0):.2f} s of it)"
    )
    pid = w.kept_worker(start=False).pid
    for name in names:
        fresh, kept, here, ft, kt = [], [], [], [], []
        for _ in range(args.repeats):
            s, t = run_once(name, layers, tmp, worker="1", fresh=True)
            fresh.append(s)
            ft.append(t)
            s, t = run_once(name, layers, tmp, worker="1", fresh=False)
            kept.append(s)
            kt.append(t)
            here.append(run_once(name, layers, tmp, worker="0", fresh=False)[0])
        ratios = [f / k for f, k in zip(fresh, kept)]
        print(
            f"\n{name}: fresh worker {min(fresh):.2f}-{max(fresh):.2f} s, kept worker {min(kept):.2f}-{max(kept):.2f} s"
            f", in QGIS's process {min(here):.2f}-{max(here):.2f} s; fresh/kept {min(ratios):.1f}-{max(ratios):.1f}x"
        )
        print(f"  fresh: {stages(ft)}")
        print(f"  kept:  {stages(kt)}")
    same = w.kept_worker(start=False)
    print(
        f"\nthe kept worker served every kept run: {same is not None and same.pid == pid}; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    w.stop_worker()
    QgsApplication.processingRegistry().removeProvider(provider)
    sys.stdout.flush()
    os._exit(0)  # QGIS 3.22 may crash in exitQgis() after a Python provider ran


if __name__ == "__main__":
    main()
