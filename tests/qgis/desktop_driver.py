"""Drives the real QGIS desktop (run as ``qgis --code desktop_driver.py``) for tests/qgis/test_qgis_desktop.py.

Reads the job (JSON) named by ``$BINGEO_DESKTOP_JOB``: for each algorithm, opens its real Processing dialog with
the parameters filled in, presses Run and waits for the end; then presses the alert tool's toolbar button, draws
a polygon on the canvas with mouse events, fills in the alert dialog and presses Export. Writes what happened
(results, output feature counts, the dialogs' logs, message-bar texts) to the job's ``report`` file after each
step, then quits QGIS. If QGIS dies, the report stops at the step that killed it.
"""

from __future__ import annotations

import json
import os
import time
import traceback

from qgis.core import QgsApplication, QgsProject, QgsRasterLayer, QgsVectorLayer
from qgis.PyQt.QtCore import QEvent, QPoint, Qt, QTimer
from qgis.PyQt.QtGui import QMouseEvent
from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox

JOB = json.load(open(os.environ["BINGEO_DESKTOP_JOB"], encoding="utf-8"))
REPORT: dict = {"steps": [], "algorithms": {}, "alert": None, "errors": []}


def save() -> None:
    with open(JOB["report"], "w", encoding="utf-8") as f:
        json.dump(REPORT, f, indent=1, default=str)


def wait(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.02)
    return False


def layer_arg(value):
    """Job values ``{"layer": uri}`` become project layers (as a user picks them in the dialog)."""
    if isinstance(value, dict) and "layer" in value:
        lyr = QgsVectorLayer(value["layer"], value.get("name", "input"), "ogr")
        assert lyr.isValid(), value
        QgsProject.instance().addMapLayer(lyr)
        return lyr.id()
    return value


def describe(value):
    """What an output is: a layer's feature count, a file's size."""
    lyr = QgsProject.instance().mapLayer(value) if isinstance(value, str) else None
    if lyr is None and isinstance(value, str) and value:
        if value.lower().endswith(".tif"):
            lyr = QgsRasterLayer(value, "r")
        elif os.path.exists(value.split("|")[0]) and not value.lower().endswith((".html", ".json", ".csv")):
            lyr = QgsVectorLayer(value, "v", "ogr")
    if lyr is not None and lyr.isValid():
        if isinstance(lyr, QgsVectorLayer):
            return {"features": lyr.featureCount()}
        return {"raster": lyr.width() * lyr.height()}
    if isinstance(value, str) and os.path.exists(value):
        return {"bytes": os.path.getsize(value)}
    return {"value": value}


def run_algorithm(alg_id: str, params: dict) -> None:
    import processing

    REPORT["steps"].append(f"start {alg_id}")
    save()
    started = time.monotonic()
    dialog = processing.createAlgorithmDialog(alg_id, {k: layer_arg(v) for k, v in params.items()})
    dialog.show()
    done: dict = {}
    dialog.algorithmFinished.connect(lambda ok, results: done.update(ok=ok))
    dialog.runButton().click()
    finished = wait(lambda: "ok" in done, JOB.get("timeout", 240))
    log_file = os.path.join(JOB["folder"], f"{alg_id.split(':')[1]}.log")
    dialog.saveLogToFile(log_file)
    with open(log_file, encoding="utf-8") as f:
        log = f.read()
    results = dict(dialog.results() or {})
    REPORT["algorithms"][alg_id] = {
        "finished": finished,
        "ok": bool(done.get("ok")),
        "seconds": round(time.monotonic() - started, 1),
        "outputs": {k: describe(v) for k, v in results.items()},
        "log": log,
    }
    dialog.close()
    REPORT["steps"].append(f"end {alg_id}")
    save()


def mouse(canvas, kind, x, y, button=Qt.LeftButton):
    types = {"press": QEvent.MouseButtonPress, "release": QEvent.MouseButtonRelease, "move": QEvent.MouseMove}
    buttons = Qt.NoButton if kind == "release" else button
    event = QMouseEvent(types[kind], QPoint(x, y), button if kind != "move" else Qt.NoButton, buttons, Qt.NoModifier)
    QApplication.sendEvent(canvas.viewport(), event)


def alert_tool() -> None:
    """Press the toolbar button, read the message bar, draw a polygon, export the alert."""
    from qgis.utils import iface, plugins

    REPORT["steps"].append("start alert")
    save()
    nets = QgsVectorLayer(JOB["alert"]["networks"], "networks", "ogr")
    QgsProject.instance().addMapLayer(nets)
    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(nets.crs())
    canvas.setExtent(nets.extent())
    canvas.refresh()
    wait(lambda: False, 0.5)
    plugin = plugins["bingeo_qgis"]
    iface.messageBar().clearWidgets()
    plugin.action_polygon.trigger()  # the toolbar button
    wait(lambda: False, 0.3)
    bar = [item.text() for item in iface.messageBar().items()]
    tool = canvas.mapTool()
    size = canvas.mapSettings().outputSize()
    corners = [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]
    for fx, fy in corners:
        x, y = round(fx * size.width()), round(fy * size.height())
        mouse(canvas, "move", x, y)
        mouse(canvas, "press", x, y)
        mouse(canvas, "release", x, y)
    x, y = round(0.3 * size.width()), round(0.7 * size.height())
    mouse(canvas, "press", x, y, Qt.RightButton)
    mouse(canvas, "release", x, y, Qt.RightButton)
    dialog = plugin.dialog
    out = {"message_bar": bar, "tool": type(tool).__name__, "dialog": dialog is not None}
    if dialog is not None:
        dialog.store.setFilePath(JOB["alert"]["store"])  # fileChanged -> counts (in the worker)
        wait(lambda: dialog.selection is not None, 60)
        out["counts"] = dialog.counts()
        dialog.operator.setText("agent 4321")
        dialog.reason.setText("PV desktop")
        dialog.output.setFilePath(JOB["alert"]["output"])
        dialog.buttons.button(QDialogButtonBox.Save).click()
        out["summary"] = dialog.summary.text()
        out["alert_id"] = getattr(dialog.alert, "alert_id", None)
        dialog.close()
    REPORT["alert"] = out
    REPORT["steps"].append("end alert")
    save()


def main() -> None:
    import importlib.util

    import shapely  # noqa: F401  (in the process, as the plugin's users have it: nothing may break)
    from bingeo_qgis import worker

    REPORT["bingeo"] = importlib.util.find_spec("bingeo").origin
    REPORT["worker_needed"] = worker.needed()
    provider = QgsApplication.processingRegistry().providerById("bingeo")
    REPORT["provider"] = sorted(a.id() for a in provider.algorithms()) if provider is not None else []
    try:
        for alg_id, params in JOB["algorithms"]:
            run_algorithm(alg_id, params)
        alert_tool()
    except Exception:  # noqa: BLE001 (reported to the test)
        REPORT["errors"].append(traceback.format_exc())
    REPORT["steps"].append("done")
    save()
    QgsProject.instance().clear()
    QgsProject.instance().setDirty(False)
    QgsApplication.instance().exit(0)


QTimer.singleShot(1000, main)
