"""Run bingeo's work in a separate Python process when QGIS's own process cannot host it safely.

Why: the QGIS desktop (``/usr/bin/qgis``, and ``qgis_process``) is linked against GEOS, GDAL and PROJ, so these
libraries sit in the process's *global* symbol scope. The wheels bingeo is installed from (shapely, pyogrio,
pyproj) bundle their own builds of the same libraries, and on Linux every symbol they look up is resolved in
the global scope first. shapely then mixes two GEOS builds: ``GEOS_init_r`` and ``GEOSPrepare_r`` come from
QGIS's GEOS 3.11 while ``GEOSPreparedIntersectsXY_r`` (absent from 3.11) comes from the wheel's GEOS 3.14,
which reads the 3.11 objects with 3.14 layouts: QGIS dies with signal 11. A plain Python that imports
``qgis.core`` loads those libraries with ``RTLD_LOCAL``, so there each wheel keeps its own build and nothing mixes.

So, when the global scope holds GEOS, GDAL or PROJ (:func:`needed`), an algorithm runs in a worker: a fresh
headless QGIS Python (:func:`main`) that runs the very same algorithm on the inputs written to GeoPackages,
streams progress and messages back, and writes its outputs to GeoPackages that QGIS copies into the sinks.
Cancelling kills the worker. ``BINGEO_QGIS_WORKER=1``/``0`` forces the choice.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

__all__ = ["WORKER_ENV", "WORKER_FID", "GLOBAL_SYMBOLS", "needed", "run_algorithm", "run_function", "main"]

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


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env[WORKER_ENV] = "0"
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = [PLUGINS_DIR] + [p for p in sys.path if p and os.path.isdir(p)]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(path))
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _run(job: dict[str, Any], feedback: Any, folder: str) -> dict[str, Any]:
    """Run ``job`` in a worker; forward its messages to ``feedback``; return its result (raise on failure)."""
    from qgis.core import QgsProcessingException

    from .deps import qgis_python
    from .translation import tr

    job_file = os.path.join(folder, "job.json")
    with open(job_file, "w", encoding="utf-8") as f:
        json.dump(job, f)
    proc = subprocess.Popen(
        [qgis_python(), "-m", "bingeo_qgis.worker", job_file],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=_environment(),
        cwd=folder,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    lines: queue.Queue = queue.Queue()
    errors: list[str] = []
    readers = [
        threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout] and None, daemon=True),
        threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()

    def close() -> None:
        proc.wait()
        for reader in readers:
            reader.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()

    result: dict[str, Any] | None = None
    failure = None
    while True:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            if feedback is not None and feedback.isCanceled():
                proc.kill()
                close()
                raise QgsProcessingException(tr("Cancelled.")) from None
            if proc.poll() is not None and not readers[0].is_alive() and lines.empty():
                break  # the worker ended and every line it wrote was handled
            continue
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
        elif kind == "result":
            result = value
        elif kind == "error":
            failure = value
    close()
    if failure is not None:
        raise QgsProcessingException(failure)
    if result is None or proc.returncode != 0:
        tail = "".join(errors[-20:]).strip()
        msg = tr("bingeo's worker process stopped (exit code {code}): {tail}").format(code=proc.returncode, tail=tail)
        raise QgsProcessingException(msg)
    return result


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
        raise QgsProcessingException("Cancelled.")
    job = {"kind": "algorithm", "algorithm": alg.id(), "parameters": values, "sources": sources}
    result = _run(job, feedback, folder)
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
            sink.addFeature(out)
        del sink
        outputs[name] = dest
        if written in styles:
            attach_style(context, dest, styles[written])
    for name, value in list(outputs.items()):
        if name not in sinks and isinstance(value, str) and value in styles:
            attach_style(context, value, styles[value])
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
    from qgis.core import (
        QgsApplication,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProject,
    )

    from . import styles
    from .provider import BingeoProvider

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, info: str) -> None:  # noqa: N802, D102
            _say("info", info)

        def pushWarning(self, warning: str) -> None:  # noqa: N802, D102
            _say("warning", warning)

        def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803, D102
            _say("warning", error)

    provider = BingeoProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    alg = QgsApplication.processingRegistry().createAlgorithmById(job["algorithm"])
    alg.source_names = job.get("sources", {})  # the layers as QGIS named them, not the temporary files
    params: dict[str, Any] = {}
    sinks = []
    from qgis.core import QgsProcessingParameterFeatureSink, QgsProcessingParameterRasterDestination

    for param in alg.parameterDefinitions():
        value = job["parameters"].get(param.name())
        if value is None:
            continue
        if isinstance(param, (QgsProcessingParameterFeatureSink, QgsProcessingParameterRasterDestination)):
            value = QgsProcessingOutputLayerDefinition(value, QgsProject.instance())
            sinks.append(param.name())
        params[param.name()] = value
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = Feedback()
    feedback.progressChanged.connect(lambda p: _say("progress", round(float(p), 1)))
    alg.prepare(params, context, feedback)
    try:
        results = alg.runPrepared(params, context, feedback)
    finally:
        alg.postProcess(context, feedback)
    out = {k: v for k, v in results.items() if isinstance(v, (str, int, float, bool, type(None)))}
    QgsApplication.processingRegistry().removeProvider(provider)
    from . import worker  # this file runs as __main__: the algorithms fill the imported module's SINK_FIELDS

    return {"outputs": out, "styles": dict(styles.REQUESTED), "fields": dict(worker.SINK_FIELDS)}


def _serve_function(job: dict[str, Any]) -> dict[str, Any]:
    from . import worker_functions

    return {"value": getattr(worker_functions, job["function"])(*job["args"])}


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: ``python -m bingeo_qgis.worker JOB.json`` (started by :func:`run_algorithm`)."""
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0], encoding="utf-8") as f:
        job = json.load(f)
    os.environ[WORKER_ENV] = "0"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsProcessingException

    app = QgsApplication([], False)
    app.initQgis()
    code = 0
    try:
        served = _serve_algorithm(job) if job["kind"] == "algorithm" else _serve_function(job)
        _say("result", served)
    except QgsProcessingException as exc:
        _say("error", str(exc))
        code = 1
    except Exception as exc:  # noqa: BLE001 (reported to QGIS's log, never a crash of QGIS)
        import traceback

        _say("error", f"{type(exc).__name__}: {exc}")
        sys.stderr.write(traceback.format_exc())
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # QGIS 3.22 may crash in exitQgis() after a Python provider ran: nothing left to clean


if __name__ == "__main__":
    raise SystemExit(main())
