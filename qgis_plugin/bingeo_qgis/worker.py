"""Run bingeo's work in a separate Python process when QGIS's own process cannot host it safely.

Why: the QGIS desktop (``/usr/bin/qgis``, and ``qgis_process``) is linked against GEOS, GDAL and PROJ, so these
libraries sit in the process's *global* symbol scope. The wheels bingeo is installed from (shapely, pyogrio,
pyproj) bundle their own builds of the same libraries, and on Linux every symbol they look up is resolved in
the global scope first. shapely then mixes two GEOS builds: ``GEOS_init_r`` and ``GEOSPrepare_r`` come from
QGIS's GEOS 3.11 while ``GEOSPreparedIntersectsXY_r`` (absent from 3.11) comes from the wheel's GEOS 3.14,
which reads the 3.11 objects with 3.14 layouts: QGIS dies with signal 11. A plain Python that imports
``qgis.core`` loads those libraries with ``RTLD_LOCAL``, so there each wheel keeps its own build and nothing mixes.

So, when the global scope holds GEOS, GDAL or PROJ (:func:`needed`), an algorithm runs in a worker: a
headless QGIS Python that runs the very same algorithm on the inputs written to GeoPackages, streams progress
and messages back, and writes its outputs to GeoPackages that QGIS copies into the sinks.
Cancelling kills the worker. ``BINGEO_QGIS_WORKER=1``/``0`` forces the choice.

One worker is kept alive (:func:`serve`, :func:`kept_worker`): starting one (``import qgis.core``, QGIS
initialised, bingeo's libraries imported) took most of a run's time. It is started in the background when an
algorithm is made (:func:`prestart`), takes one job at a time over its pipes, is started again after a cancel
killed it or it died, leaves when it holds too much memory after a job, and is stopped when the plugin unloads
or QGIS quits (:func:`stop_worker`; it also leaves when its stdin closes). A job arriving while it is busy, or
every job with ``BINGEO_QGIS_WORKER_FRESH=1``, runs in a fresh worker of its own (:func:`main`), as before.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

__all__ = [
    "WORKER_ENV",
    "FRESH_ENV",
    "PER_CALL_ENV",
    "MAX_RESIDENT_MB",
    "MAX_RESIDENT_ENV",
    "WORKER_FID",
    "GLOBAL_SYMBOLS",
    "WorkerProcess",
    "KEPT_LOCK",
    "needed",
    "fresh_workers",
    "kept_worker",
    "stop_worker",
    "prestart",
    "run_algorithm",
    "run_function",
    "serve",
    "main",
]

#: Environment variable forcing the worker on (``1``) or off (``0``).
WORKER_ENV = "BINGEO_QGIS_WORKER"
#: One C symbol of GEOS, GDAL and PROJ: when one is in the process's global scope, bingeo runs in a worker.
GLOBAL_SYMBOLS = ("GEOSversion", "GDALVersionInfo", "proj_info")
#: Name of the GeoPackage key column of the files exchanged with the worker (never an input's own column, such as
#: ``fid``, which stays an ordinary field); dropped on both sides.
WORKER_FID = "bingeo_worker_fid"
#: Fields of each sink written in this process, by destination (the worker reports them: a GeoPackage turns a
#: field named ``fid`` into its key, which must come back as the field it was).
SINK_FIELDS: dict[str, list[str]] = {}
#: Environment variable: ``1`` runs every job in a fresh worker process (the way before the kept-alive worker).
FRESH_ENV = "BINGEO_QGIS_WORKER_FRESH"
#: Environment variables set for one call only (the send dialog's SMTP password): a kept-alive worker never
#: starts with them (it would hold them for its lifetime); they go with the jobs that run while they are set.
PER_CALL_ENV = ("BINGEO_SMTP_PASSWORD",)
#: Seconds a worker is given to leave when asked to stop, before it is killed.
STOP_TIMEOUT = 5.0
#: How many of the worker's last stderr lines are kept (the message of a worker that stopped quotes 20).
STDERR_LINES = 200
#: A kept-alive worker holding more memory than this after a job (MB resident; a big job's memory is seldom given
#: back to the system) leaves; the next run starts a new one.
MAX_RESIDENT_MB = 1000
#: Environment variable setting another limit than :data:`MAX_RESIDENT_MB` (MB).
MAX_RESIDENT_ENV = "BINGEO_QGIS_WORKER_MAX_MB"
#: Modules a kept-alive worker imports while it waits for its first job (about 2.5 s in the background; the
#: analysis modules and their scipy parts add 1 s and 30 MB, and spare each algorithm's first run its imports).
WARM_MODULES = (
    "geopandas",
    "pyogrio",
    "bingeo.readers",
    "bingeo.registry",
    "bingeo.assign",
    "bingeo.hotspots",
    "bingeo.density",
    "bingeo.emerging",
    "bingeo.regions",
    "bingeo.propose",
    "scipy.spatial",
    "scipy.fft",
)
#: Seconds the last :func:`run_algorithm` of this process spent writing the inputs, in the worker (start-up and
#: exchange included), in the algorithm itself (measured in the worker) and copying the outputs into the sinks;
#: ``start_*``: the start-up steps of a worker started during that run.
TIMINGS: dict[str, float] = {}
#: Prefix of the worker's stdout lines the plugin reads (anything else is passed on as information).
PREFIX = "BINGEO-WORKER "

PLUGINS_DIR = str(Path(__file__).resolve().parent.parent)


def needed() -> bool:
    """Return True when bingeo must run outside this process (see the module docstring)."""
    forced = os.environ.get(WORKER_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if not sys.platform.startswith("linux"):
        return False  # Windows DLLs and macOS two-level namespaces do not resolve symbols across libraries
    import ctypes

    scope = ctypes.CDLL(None)
    return any(hasattr(scope, symbol) for symbol in GLOBAL_SYMBOLS)


# ------------------------------------------------------------------------------------------ QGIS side


def _environment(base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    env[WORKER_ENV] = "0"
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = [PLUGINS_DIR] + [p for p in sys.path if p and os.path.isdir(p)]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(path))
    env["PYTHONIOENCODING"] = "utf-8"
    return env


class WorkerProcess:
    """A headless QGIS Python running bingeo: one job (``job_file``) or, with ``serve``, job after job.

    A serving worker reads one job a line (JSON) on its stdin and answers each with ``result`` or ``error`` and
    then ``done`` on its stdout; it leaves when its stdin closes (QGIS quit, or :meth:`stop`). Its stdout lines
    are queued by a thread (``None`` once it closed), its stderr is kept (the last lines) for a message.
    """

    def __init__(self, *, serve: bool = False, job_file: str | None = None, folder: str | None = None) -> None:
        from .deps import qgis_python

        self.serve = serve
        # the environment it starts with (a kept worker's without the variables set for one call only); each
        # job sends what changed since
        self.environ = {k: v for k, v in os.environ.items() if not (serve and k in PER_CALL_ENV)}
        args = ["--serve"] if serve else [str(job_file)]
        self.proc = subprocess.Popen(
            [qgis_python(), "-m", "bingeo_qgis.worker", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if serve else subprocess.DEVNULL,
            env=_environment(self.environ),
            cwd=folder or tempfile.gettempdir(),
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self.lines: queue.Queue = queue.Queue()
        self.errors: collections.deque = collections.deque(maxlen=STDERR_LINES)
        self.ended = False  # its stdout closed: it stopped (or is stopping)
        self.ready: dict[str, Any] | None = None  # what it said once started (its pid, its start-up steps' seconds)

        def out() -> None:
            for line in self.proc.stdout:
                self.lines.put(line)
            self.lines.put(None)

        self.readers = [
            threading.Thread(target=out, daemon=True, name="bingeo-worker-out"),
            threading.Thread(target=lambda: self.errors.extend(self.proc.stderr), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    def alive(self) -> bool:
        """Return True while the process runs and can take a job."""
        return not self.ended and self.proc.poll() is None

    def send(self, job: dict[str, Any]) -> bool:
        """Hand ``job`` to a serving worker, with the environment variables changed since it started.

        Returns False when the worker is gone (the pipe is broken).
        """
        changed = {k: v for k, v in os.environ.items() if self.environ.get(k) != v}
        removed = [k for k in self.environ if k not in os.environ]
        self.errors.clear()
        try:
            self.proc.stdin.write(json.dumps({**job, "env": changed, "unset": removed}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def exchange(self, feedback: Any) -> tuple[str, Any]:
        """Follow one job: forward its messages to ``feedback`` until it is done.

        Returns ``("result", value)``, ``("error", message)``, ``("cancelled", None)`` (the process is killed
        then) or ``("died", None)`` (the process stopped before the job was done).
        """
        outcome: tuple[str, Any] = ("died", None)
        while True:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if feedback is not None and feedback.isCanceled():
                    self.kill()
                    return ("cancelled", None)
                continue
            if line is None:  # the worker ended and every line it wrote was handled
                self.ended = True
                self.close()
                return outcome
            if not line.startswith(PREFIX):
                if feedback is not None and line.strip():
                    feedback.pushConsoleInfo(line.rstrip())
                continue
            kind, _, payload = line[len(PREFIX) :].rstrip("\n").partition(" ")
            value = json.loads(payload) if payload else None
            if kind == "progress" and feedback is not None:
                feedback.setProgress(float(value))
            elif kind == "info" and feedback is not None:
                feedback.pushInfo(value)
            elif kind == "warning" and feedback is not None:
                feedback.reportError(value, False)
            elif kind == "ready":  # a worker started during this job: how long each start-up step took
                self.ready = value
                TIMINGS.update({f"start_{k}": v for k, v in value["seconds"].items()})
            elif kind in ("result", "error"):
                outcome = (kind, value)
            elif kind == "done":
                if value and value.get("leaving"):  # it holds too much memory and leaves: the next run starts anew
                    self.ended = True
                    self.close()
                return outcome

    def failure(self) -> str:
        """Return the message for a worker that stopped during a job (its exit code and last stderr lines)."""
        from .translation import tr

        tail = "".join(list(self.errors)[-20:]).strip()
        if self.serve:  # the kept-alive worker: the next run starts a new one
            msg = tr(
                "bingeo's worker process stopped during the run (exit code {code}); the next run starts a new one."
            )
            return f"{msg.format(code=self.proc.returncode)} {tail}".strip()
        return tr("bingeo's worker process stopped (exit code {code}): {tail}").format(
            code=self.proc.returncode, tail=tail
        )

    def close(self) -> None:
        """Wait for the process and its reader threads; close the pipes."""
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for reader in self.readers:
            reader.join(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError, ValueError):
                    pipe.close()

    def kill(self) -> None:
        """Kill the process now (cancel)."""
        self.ended = True
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.close()

    def stop(self) -> None:
        """Ask a serving worker to leave (its stdin closes); kill it if it has not left after a few seconds."""
        self.ended = True
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                self.proc.stdin.close()
        self.close()


_KEPT: WorkerProcess | None = None  # the kept-alive worker, started at first use
#: Held while the kept-alive worker runs a job: one job at a time (another job meanwhile gets a fresh worker).
KEPT_LOCK = threading.Lock()


def fresh_workers() -> bool:
    """Return True when every job runs in a fresh worker process (:data:`FRESH_ENV` ``=1``)."""
    return os.environ.get(FRESH_ENV, "").strip() == "1"


def kept_worker(*, start: bool = True) -> WorkerProcess | None:
    """Return the kept-alive worker, started (again) when it is not running and ``start`` is set."""
    global _KEPT
    if (_KEPT is None or not _KEPT.alive()) and start:
        if _KEPT is not None:
            _KEPT.kill()
        _KEPT = WorkerProcess(serve=True)
    return _KEPT


def prestart() -> None:
    """Start the kept-alive worker in the background when runs will need it and it is not running yet.

    Called when an algorithm is made for a dialog or a run (``createInstance``): the worker starts up (about
    2–4 s, 350 MB) while the user fills in the dialog. Does nothing outside the QGIS desktop (:func:`needed`), with
    :data:`FRESH_ENV`, or while the kept worker runs a job.
    """
    if fresh_workers() or not needed() or not KEPT_LOCK.acquire(blocking=False):
        return
    try:
        kept_worker()
    finally:
        KEPT_LOCK.release()


def stop_worker() -> None:
    """Stop the kept-alive worker (plugin unloaded, QGIS quitting); a job it is running fails."""
    global _KEPT
    kept, _KEPT = _KEPT, None
    if kept is not None:
        kept.stop()


atexit.register(stop_worker)


def _run(job: dict[str, Any], feedback: Any, folder: str) -> dict[str, Any]:
    """Run ``job`` in a worker; forward its messages to ``feedback``; return its result (raise on failure).

    The kept-alive worker takes it; when it is busy with another job (Processing runs two algorithms at once) or
    :data:`FRESH_ENV` is set, a fresh worker process runs this one job.
    """
    from qgis.core import QgsProcessingException

    from .translation import tr

    kept = not fresh_workers() and KEPT_LOCK.acquire(blocking=False)
    TIMINGS.clear()
    try:
        if kept:
            process = kept_worker()
            if not process.send({**job, "folder": folder}):  # it died since its last job: once more, anew
                process.kill()
                process = kept_worker()
                process.send({**job, "folder": folder})
        else:
            job_file = os.path.join(folder, "job.json")
            with open(job_file, "w", encoding="utf-8") as f:
                json.dump(job, f)
            process = WorkerProcess(job_file=job_file, folder=folder)
        kind, value = process.exchange(feedback)
        if kept and kind == "cancelled":
            kept_worker()  # started again now: the next run finds it ready
    finally:
        if kept:
            KEPT_LOCK.release()
    if kind == "cancelled":
        raise QgsProcessingException(tr("Cancelled."))
    if kind == "error":
        raise QgsProcessingException(value)
    if kind == "died" or value is None:
        raise QgsProcessingException(process.failure())
    return value


def _write_source(source: Any, path: str, context: Any, feedback: Any) -> None:
    """Write a feature source (selection and all) to a GeoPackage, geometries as they are (no validity check)."""
    from qgis.core import QgsProcessingException, QgsVectorFileWriter

    from . import adapter

    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "data"
    options.layerOptions = [f"FID={WORKER_FID}", "SPATIAL_INDEX=NO"]
    writer = QgsVectorFileWriter.create(
        path, source.fields(), source.wkbType(), source.sourceCrs(), context.transformContext(), options
    )
    if writer.hasError():
        raise QgsProcessingException(writer.errorMessage())
    for i, feature in enumerate(adapter.features_as_given(source)):
        if i % 1000 == 0 and feedback is not None and feedback.isCanceled():
            break
        writer.addFeature(feature)
    del writer


def _plain_value(alg: Any, param: Any, parameters: dict, context: Any) -> Any:
    """Return the value of a non-layer parameter as JSON, evaluated the way the algorithm would read it."""
    from qgis.core import (
        QgsProcessingParameterBoolean,
        QgsProcessingParameterCrs,
        QgsProcessingParameterEnum,
        QgsProcessingParameterField,
        QgsProcessingParameterFile,
        QgsProcessingParameterNumber,
        QgsProcessingParameterPoint,
    )

    name = param.name()
    raw = parameters.get(name)
    if raw is None:
        return None
    if isinstance(param, QgsProcessingParameterBoolean):
        return alg.parameterAsBool(parameters, name, context)
    if isinstance(param, QgsProcessingParameterNumber):
        if param.dataType() == QgsProcessingParameterNumber.Integer:
            return alg.parameterAsInt(parameters, name, context)
        return alg.parameterAsDouble(parameters, name, context)
    if isinstance(param, QgsProcessingParameterEnum):
        if param.allowMultiple():
            return alg.parameterAsEnums(parameters, name, context)
        return alg.parameterAsEnum(parameters, name, context)
    if isinstance(param, QgsProcessingParameterField):
        if param.allowMultiple():
            return alg.parameterAsFields(parameters, name, context)
        return alg.parameterAsString(parameters, name, context)
    if isinstance(param, QgsProcessingParameterFile):
        return alg.parameterAsFile(parameters, name, context)
    if isinstance(param, QgsProcessingParameterCrs):
        crs = alg.parameterAsCrs(parameters, name, context)
        return (crs.authid() or crs.toWkt()) if crs.isValid() else None
    if isinstance(param, QgsProcessingParameterPoint):
        point = alg.parameterAsPoint(parameters, name, context)
        crs = alg.parameterAsPointCrs(parameters, name, context)
        return f"{point.x()!r},{point.y()!r}" + (f" [{crs.authid()}]" if crs.isValid() and crs.authid() else "")
    return alg.parameterAsString(parameters, name, context)


def run_algorithm(alg: Any, parameters: dict, context: Any, feedback: Any) -> dict:
    """Run ``alg`` in a worker: inputs written to GeoPackages, outputs copied back into the sinks."""
    from qgis.core import (
        QgsFeature,
        QgsFeatureSink,
        QgsFields,
        QgsProcessingException,
        QgsProcessingParameterFeatureSink,
        QgsProcessingParameterFeatureSource,
        QgsProcessingParameterFileDestination,
        QgsProcessingParameterFolderDestination,
        QgsProcessingParameterRasterDestination,
        QgsProcessingParameterVectorLayer,
        QgsProcessingUtils,
        QgsVectorLayer,
    )

    from .styles import attach_style

    started = time.perf_counter()
    folder = tempfile.mkdtemp(prefix="bingeo_", dir=QgsProcessingUtils.tempFolder())
    values: dict[str, Any] = {}
    sinks: dict[str, str] = {}
    sources: dict[str, str] = {}
    for param in alg.parameterDefinitions():
        name = param.name()
        if isinstance(param, (QgsProcessingParameterFeatureSource, QgsProcessingParameterVectorLayer)):
            source = alg.parameterAsSource(parameters, name, context)
            if source is None:
                if parameters.get(name) not in (None, ""):
                    raise QgsProcessingException(alg.invalidSourceError(parameters, name))
                values[name] = None
                continue
            sources[name] = alg.source_name(parameters, name, context)
            path = os.path.join(folder, f"in_{name}.gpkg")
            _write_source(source, path, context, feedback)
            values[name] = f"{path}|layername=data"
        elif isinstance(param, QgsProcessingParameterFeatureSink):
            if parameters.get(name) is None:
                values[name] = None
                continue
            sinks[name] = os.path.join(folder, f"out_{name}.gpkg")
            values[name] = sinks[name]
        elif isinstance(param, QgsProcessingParameterRasterDestination):
            values[name] = alg.parameterAsOutputLayer(parameters, name, context) if parameters.get(name) else None
        elif isinstance(param, (QgsProcessingParameterFileDestination, QgsProcessingParameterFolderDestination)):
            values[name] = alg.parameterAsFileOutput(parameters, name, context) if parameters.get(name) else None
        else:
            values[name] = _plain_value(alg, param, parameters, context)
    if feedback is not None and feedback.isCanceled():
        from .translation import tr

        raise QgsProcessingException(tr("Cancelled."))
    job = {"kind": "algorithm", "algorithm": alg.id(), "parameters": values, "sources": sources}
    inputs_done = time.perf_counter()
    result = _run(job, feedback, folder)
    ran = time.perf_counter()
    outputs = dict(result["outputs"])
    styles = result.get("styles", {})
    for name, path in sinks.items():
        if name not in outputs:
            continue
        written = str(outputs[name] or path)
        layer = QgsVectorLayer(written, name, "ogr")
        if not layer.isValid():
            raise QgsProcessingException(f"the worker's output {path} cannot be read")
        wanted = result.get("fields", {}).get(written)
        if wanted is not None:  # exactly the algorithm's fields (a field named fid became the file's key)
            keep = [layer.fields().indexOf(n) for n in wanted if layer.fields().indexOf(n) >= 0]
        else:
            keys = set(layer.dataProvider().pkAttributeIndexes())  # the GeoPackage's own key: not an output column
            keep = [i for i in range(layer.fields().count()) if i not in keys]
        fields = QgsFields()
        for i in keep:
            fields.append(layer.fields().at(i))
        sink, dest = alg.parameterAsSink(parameters, name, context, fields, layer.wkbType(), layer.crs())
        if sink is None:
            raise QgsProcessingException(alg.invalidSinkError(parameters, name))
        for feature in layer.getFeatures():
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            attrs = feature.attributes()
            out.setAttributes([attrs[i] for i in keep])
            sink.addFeature(out, QgsFeatureSink.FastInsert)
        del sink
        outputs[name] = dest
        if written in styles:
            attach_style(context, dest, styles[written])
    for name, value in list(outputs.items()):
        if name not in sinks and isinstance(value, str) and value in styles:
            attach_style(context, value, styles[value])
    TIMINGS.update(
        inputs=inputs_done - started,
        worker=ran - inputs_done,
        algorithm=float(result.get("seconds", 0.0)),
        outputs=time.perf_counter() - ran,
    )
    return outputs


def run_function(name: str, *args: Any, feedback: Any = None) -> Any:
    """Call ``bingeo_qgis.worker_functions.<name>(*args)`` (JSON in, JSON out) in a worker process."""
    from qgis.core import QgsProcessingUtils

    folder = tempfile.mkdtemp(prefix="bingeo_", dir=QgsProcessingUtils.tempFolder())
    return _run({"kind": "function", "function": name, "args": list(args)}, feedback, folder)["value"]


# ------------------------------------------------------------------------------------------ worker side


def _say(kind: str, value: Any = None) -> None:
    sys.stdout.write(f"{PREFIX}{kind} {json.dumps(value)}\n")
    sys.stdout.flush()


def _serve_algorithm(job: dict[str, Any]) -> dict[str, Any]:
    """Run the algorithm of ``job`` (the bingeo provider is registered); return its outputs, styles and fields."""
    from qgis.core import (
        QgsApplication,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProcessingParameterFeatureSink,
        QgsProcessingParameterRasterDestination,
        QgsProject,
    )

    # this file runs as __main__: the algorithms fill the imported module's SINK_FIELDS
    from . import styles, worker

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, info: str) -> None:  # noqa: N802, D102
            _say("info", info)

        def pushWarning(self, warning: str) -> None:  # noqa: N802, D102
            _say("warning", warning)

        def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803, D102
            _say("warning", error)

    styles.REQUESTED.clear()  # a kept worker's earlier jobs are not this one's
    worker.SINK_FIELDS.clear()
    alg = QgsApplication.processingRegistry().createAlgorithmById(job["algorithm"])
    alg.source_names = job.get("sources", {})  # the layers as QGIS named them, not the temporary files
    params: dict[str, Any] = {}
    for param in alg.parameterDefinitions():
        value = job["parameters"].get(param.name())
        if value is None:
            continue
        if isinstance(param, (QgsProcessingParameterFeatureSink, QgsProcessingParameterRasterDestination)):
            value = QgsProcessingOutputLayerDefinition(value, QgsProject.instance())
        params[param.name()] = value
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = Feedback()
    feedback.progressChanged.connect(lambda p: _say("progress", round(float(p), 1)))
    started = time.perf_counter()
    alg.prepare(params, context, feedback)
    try:
        results = alg.runPrepared(params, context, feedback)
    finally:
        alg.postProcess(context, feedback)
    out = {k: v for k, v in results.items() if isinstance(v, (str, int, float, bool, type(None)))}
    seconds = time.perf_counter() - started
    return {"outputs": out, "styles": dict(styles.REQUESTED), "fields": dict(worker.SINK_FIELDS), "seconds": seconds}


def _serve_function(job: dict[str, Any]) -> dict[str, Any]:
    from . import worker_functions

    return {"value": getattr(worker_functions, job["function"])(*job["args"])}


def _serve(job: dict[str, Any]) -> int:
    """Run one job, say its ``result`` or ``error``; return 0 or 1. Never raises."""
    from qgis.core import QgsProcessingException

    try:
        served = _serve_algorithm(job) if job["kind"] == "algorithm" else _serve_function(job)
        _say("result", served)
    except QgsProcessingException as exc:
        _say("error", str(exc))
        return 1
    except Exception as exc:  # noqa: BLE001 (reported to QGIS's log, never a crash of QGIS)
        import traceback

        _say("error", f"{type(exc).__name__}: {exc}")
        sys.stderr.write(traceback.format_exc())
        return 1
    return 0


def _start_worker(*, warm: bool) -> tuple[Any, Any]:
    """Start QGIS headless with bingeo's provider registered; say ``ready`` with each step's seconds.

    Returns the application and the provider (both must live as long as the process). ``warm`` also imports
    :data:`WARM_MODULES` (a kept-alive worker, while it waits for its first job).
    """
    import importlib

    steps: dict[str, float] = {}
    mark = time.perf_counter()

    def step(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        steps[name] = round(now - mark, 3)
        mark = now

    import qgis.core  # noqa: F401

    step("import_qgis")
    os.environ[WORKER_ENV] = "0"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    step("init_qgis")
    from .provider import BingeoProvider

    provider = BingeoProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    step("provider")
    if warm:
        for name in WARM_MODULES:
            with contextlib.suppress(Exception):  # a missing module is the job's error, with its message
                importlib.import_module(name)
        step("imports")
    _say("ready", {"pid": os.getpid(), "seconds": steps})
    return app, provider


def _number(text: str | None, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return default


def _resident_mb() -> float:
    """Return the resident memory of this process in MB (0 where ``/proc`` does not tell)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def serve() -> int:
    """Serve jobs from stdin, one JSON line each, until it closes (:class:`WorkerProcess` with ``serve``).

    Each job's ``env``/``unset`` (the variables QGIS changed since the worker started) apply to that job only; it
    runs in its ``folder``. Says ``ready`` once started (with the seconds each start-up step took) and ``done``
    after each job; leaves after a job that left it above :data:`MAX_RESIDENT_MB` (or :data:`MAX_RESIDENT_ENV`)
    resident (``done`` says ``leaving``).
    """
    _app, _provider = _start_worker(warm=True)  # kept alive with the process
    home = os.getcwd()
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        before = dict(os.environ)
        os.environ.update(job.get("env", {}))
        for name in job.get("unset", []):
            os.environ.pop(name, None)
        os.environ[WORKER_ENV] = "0"
        os.chdir(job.get("folder") or home)
        try:
            _serve(job)
        finally:
            limit = _number(os.environ.get(MAX_RESIDENT_ENV), MAX_RESIDENT_MB)
            os.environ.clear()
            os.environ.update(before)
            os.chdir(home)
            sys.stderr.flush()
            leaving = _resident_mb() > limit
            _say("done", {"pid": os.getpid(), "leaving": leaving})
        if leaving:
            break
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # QGIS 3.22 may crash in exitQgis() after a Python provider ran: nothing left to clean


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: ``python -m bingeo_qgis.worker JOB.json`` (one job) or ``--serve`` (:func:`serve`)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        return serve()
    with open(argv[0], encoding="utf-8") as f:
        job = json.load(f)
    _app, provider = _start_worker(warm=False)
    code = _serve(job)
    from qgis.core import QgsApplication

    QgsApplication.processingRegistry().removeProvider(provider)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # QGIS 3.22 may crash in exitQgis() after a Python provider ran: nothing left to clean


if __name__ == "__main__":
    raise SystemExit(main())
