"""The plugin object: Processing provider (also headless) and, with a GUI, the alert tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsMessageLog

from .deps import missing_dependencies, missing_message
from .translation import install_translator, remove_translator, tr
from .worker import needed as worker_needed
from .worker import prestart as prestart_worker
from .worker import stop_worker

__all__ = ["BingeoPlugin"]

HERE = Path(__file__).resolve().parent


class BingeoPlugin:
    """bingeo for QGIS. Loads even when bingeo or its dependencies are missing, and says how to install them."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: Any = None
        self.actions: list[Any] = []
        self.tool: Any = None
        self.dialog: Any = None
        install_translator()
        # inside the QGIS desktop bingeo's libraries are only looked up here: they run in a worker process
        self.missing = missing_dependencies(import_them=not worker_needed())
        self.message = missing_message(self.missing) if self.missing else ""
        if self.missing:
            QgsMessageLog.logMessage(self.message, "bingeo", Qgis.Warning)

    # ---- Processing (headless too)
    def initProcessing(self) -> None:  # noqa: N802 (QGIS's name)
        """Register the provider (nothing when dependencies are missing)."""
        if self.missing or self.provider is not None:
            return
        from .provider import BingeoProvider

        registry = QgsApplication.processingRegistry()
        if registry.providerById("bingeo") is not None:  # another copy of the plugin is loaded: leave it alone
            QgsMessageLog.logMessage(tr("A bingeo Processing provider is already registered."), "bingeo", Qgis.Info)
            return
        self.provider = BingeoProvider()
        registry.addProvider(self.provider)

    # ---- GUI
    def initGui(self) -> None:  # noqa: N802
        """Register the provider, and add the alert tool's toolbar button and menu entries."""
        self.initProcessing()
        if self.missing:
            self.iface.messageBar().pushMessage("bingeo", self.message, level=Qgis.Warning, duration=0)
            return
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QAction

        QgsApplication.instance().aboutToQuit.connect(stop_worker)  # the kept-alive worker leaves with QGIS
        icon = QIcon(str(HERE / "icon.png"))
        main = self.iface.mainWindow()
        self.action_polygon = QAction(icon, tr("Draw an alert area"), main)
        self.action_polygon.setCheckable(True)
        self.action_polygon.triggered.connect(lambda checked: self.activate_tool("polygon", checked))
        self.action_circle = QAction(icon, tr("Draw an alert circle (centre and radius)"), main)
        self.action_circle.setCheckable(True)
        self.action_circle.triggered.connect(lambda checked: self.activate_tool("circle", checked))
        self.action_selected = QAction(icon, tr("Alert the selected polygons"), main)
        self.action_selected.triggered.connect(self.alert_selected)
        self.actions = [self.action_polygon, self.action_circle, self.action_selected]
        self.iface.addToolBarIcon(self.action_polygon)
        for action in self.actions:
            self.iface.addPluginToMenu(tr("&bingeo"), action)

    def activate_tool(self, mode: str, checked: bool = True) -> Any:
        """Make the alert tool (``"polygon"`` or ``"circle"``) the canvas's map tool."""
        from .alert_tool import AlertAreaTool

        canvas = self.iface.mapCanvas()
        if checked:
            prestart_worker()  # the alert dialog's counts need the worker: it starts while the user draws
        if not checked:
            if self.tool is not None:
                canvas.unsetMapTool(self.tool)
            return None
        if self.tool is not None:
            canvas.unsetMapTool(self.tool)
        self.tool = AlertAreaTool(canvas, mode)
        self.tool.setAction(self.action_polygon if mode == "polygon" else self.action_circle)
        self.tool.areaDrawn.connect(self.open_dialog)
        canvas.setMapTool(self.tool)
        self.iface.messageBar().pushMessage("bingeo", self.tool_hint(mode), level=Qgis.Info, duration=15)
        return self.tool

    @staticmethod
    def tool_hint(mode: str) -> str:
        """How to draw with the alert tool in ``mode``, the other ways, and which store the dialog will use."""
        from qgis.core import QgsSettings

        from .alert_dialog import SETTINGS_STORE

        if mode == "polygon":
            how = tr(
                "Alert area: click the polygon's vertices on the map; right-click or double-click to finish "
                "(Backspace removes the last vertex, Esc starts again)."
            )
        else:
            how = tr("Alert circle: press at the centre on the map and drag to the radius, then release.")
        other = tr("Or select polygons of a layer and use 'Alert the selected polygons'.")
        store = str(QgsSettings().value(SETTINGS_STORE, "") or "")
        where = (
            tr("Members from the store {store} (change it in the dialog).").format(store=store)
            if store
            else tr("No store chosen yet: choose the store that holds the members in the dialog.")
        )
        return f"{how} {other} {where}"

    def alert_selected(self) -> Any:
        """Open the dialog for the selected polygons of the active layer."""
        from qgis.core import QgsGeometry, QgsMapLayerType, QgsWkbTypes

        from .alert_tool import AlertArea

        layer = self.iface.activeLayer()
        ok = (
            layer is not None
            and layer.type() == QgsMapLayerType.VectorLayer
            and layer.geometryType() == QgsWkbTypes.PolygonGeometry
            and layer.selectedFeatureCount() > 0
        )
        if not ok:
            self.iface.messageBar().pushMessage(
                "bingeo", tr("Select one or more polygons of a layer first."), level=Qgis.Info, duration=5
            )
            return None
        geom = QgsGeometry.unaryUnion([f.geometry() for f in layer.getSelectedFeatures()])
        return self.open_dialog(AlertArea(crs=layer.crs(), geometry=geom))

    def open_dialog(self, area: Any) -> Any:
        """Show the alert dialog for ``area``."""
        from .alert_dialog import AlertDialog

        self.dialog = AlertDialog(area, self.iface.mainWindow())
        self.dialog.show()
        return self.dialog

    def unload(self) -> None:
        """Remove the provider, the actions and the tool; stop the kept-alive worker (see ``worker.py``)."""
        stop_worker()
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.iface is not None:
            if self.tool is not None:
                self.iface.mapCanvas().unsetMapTool(self.tool)
            for action in self.actions:
                self.iface.removePluginMenu(tr("&bingeo"), action)
                self.iface.removeToolBarIcon(action)
        self.tool = None
        self.actions = []
        remove_translator()
