"""bingeo:webmap: one HTML web map of networks, incidents (density + points), hot spots and proposals."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress


class WebMap(BingeoAlgorithm):
    """bingeo.webmap.web_map + save_map on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    DATE_FIELD = "DATE_FIELD"
    DENSITY_RADIUS = "DENSITY_RADIUS"
    END = "END"
    FIELDS = "FIELDS"
    HOTSPOTS = "HOTSPOTS"
    INCIDENTS = "INCIDENTS"
    OFFLINE = "OFFLINE"
    OUTPUT = "OUTPUT"
    PROPOSALS = "PROPOSALS"
    START = "START"
    STORE = "STORE"
    TYPES = "TYPES"
    TYPE_FIELD = "TYPE_FIELD"
    MAP_TITLE = "TITLE"

    NAME = "webmap"
    TITLE = "Web map (HTML)"
    GROUP = "maps"
    DESCRIPTION = (
        "Writes one HTML page (Leaflet) with the networks, the incidents (density, and points when "
        "zoomed in), hot spots and proposed areas, and a tool to draw an alert area. Member data never "
        "reaches the map: a store only adds the number of members per network."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        webmap = library_constants("webmap")

        self.add(
            QgsProcessingParameterFile(self.STORE, tr("Store"), extension="gpkg", optional=True),
            "A bingeo store: its networks and the number of members per network. Or give a networks layer.",
        )
        self.add_networks(optional=True)
        self.add_layer(
            self.INCIDENTS,
            "Incidents",
            [QgsProcessing.TypeVectorPoint],
            "Incident points: a density layer and clustered points.",
            optional=True,
        )
        self.add(
            QgsProcessingParameterString(self.FIELDS, tr("Incident fields in popups (comma separated)"), optional=True),
            "Incident fields shown in the popups; no other incident field reaches the map.",
        )
        # the incidents of the hot spots: the same options, with the same texts, as bingeo:hotspots
        self.add_incident_filters(self.INCIDENTS)
        self.add_layer(
            self.HOTSPOTS,
            "Hot spots",
            [QgsProcessing.TypeVectorPolygon],
            "Hot-spot polygons (the Hot spots output of the hot spot algorithm).",
            optional=True,
        )
        self.add_layer(
            self.PROPOSALS,
            "Proposed areas",
            [QgsProcessing.TypeVectorPolygon],
            "Proposed new network areas.",
            optional=True,
        )
        self.add(QgsProcessingParameterString(self.MAP_TITLE, tr("Title"), optional=True), "Title of the page and map.")
        self.add(
            QgsProcessingParameterNumber(
                self.DENSITY_RADIUS,
                tr("Density radius (m)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=webmap.DENSITY_RADIUS,
                minValue=1,
            ),
            "Kernel radius of the density layer, in metres.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterBoolean(
                self.OFFLINE, tr("Offline (inline JavaScript, no base map)"), defaultValue=False
            ),
            "Put every script in the page so that it works without a network (needs `bingeo assets fetch`).",
        )
        self.add(
            QgsProcessingParameterFileDestination(self.OUTPUT, tr("Web map"), tr("HTML (*.html)")), "The HTML file."
        )

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo.webmap import save_map, web_map

        store_path = self.parameterAsFile(parameters, self.STORE, context) or None
        nets = self.networks(parameters, context, feedback, optional=True)
        # as read: web_map reprojects every layer to the networks' CRS itself
        frames = {
            name: self.frame(parameters, name, context, feedback, optional=True)
            for name in (self.HOTSPOTS, self.PROPOSALS)
        }
        # incidents by the command line's reading rules (0/0 placeholders out, text dates read as dates)
        frames[self.INCIDENTS] = self.points(parameters, self.INCIDENTS, context, feedback, optional=True)
        self.check(feedback, 30)
        fields = [f.strip() for f in self.parameterAsString(parameters, self.FIELDS, context).split(",") if f.strip()]
        offline = self.parameterAsBool(parameters, self.OFFLINE, context)
        types = [t.strip() for t in self.parameterAsString(parameters, self.TYPES, context).split(",") if t.strip()]
        m = web_map(
            store_path if store_path and nets is None else nets,
            incidents=frames["INCIDENTS"],
            hotspots=frames["HOTSPOTS"],
            proposals=frames["PROPOSALS"],
            fields=fields,
            title=self.parameterAsString(parameters, self.MAP_TITLE, context) or None,
            offline=offline,
            density_radius=self.parameterAsDouble(parameters, self.DENSITY_RADIUS, context),
            **Progress(feedback, 30, 80).kwargs(web_map),
            # the incidents of the hot spots: the same selection as bingeo:hotspots (bingeo.hotspots.select_incidents)
            type_field=self.parameterAsString(parameters, self.TYPE_FIELD, context) or None,
            types=types or None,
            date_field=self.parameterAsString(parameters, self.DATE_FIELD, context) or None,
            start=self.parameterAsString(parameters, self.START, context).strip() or None,
            end=self.parameterAsString(parameters, self.END, context).strip() or None,
        )
        shown = getattr(m, "_bingeo_info", {}).get("incidents_shown")
        if shown:
            feedback.pushInfo(f"Incidents shown: {shown}")
        self.check(feedback, 80)
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        save_map(m, path, offline=offline)
        return {self.OUTPUT: path}
