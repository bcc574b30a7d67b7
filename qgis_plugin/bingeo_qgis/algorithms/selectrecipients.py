"""bingeo:selectrecipients: the members to alert in an area, a radius or networks; export and audit entry."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterString,
)

from ..translation import tr
from .base import BingeoAlgorithm

URGENCIES = ["urgent", "normal"]
RULES = ["both", "membership", "location"]


class SelectRecipients(BingeoAlgorithm):
    """bingeo.send_alert: the same selection, export and audit entry as ``bingeo recipients``."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ALERT_ID = "ALERT_ID"
    AREA = "AREA"
    CENTRE = "CENTRE"
    COORDINATORS = "COORDINATORS"
    NETWORK_IDS = "NETWORK_IDS"
    NETWORK_RULE = "NETWORK_RULE"
    OPERATOR = "OPERATOR"
    OUTPUT = "OUTPUT"
    RADIUS = "RADIUS"
    REASON = "REASON"
    RECIPIENTS = "RECIPIENTS"
    STORE = "STORE"
    URGENCY = "URGENCY"

    NAME = "selectrecipients"
    TITLE = "Select alert recipients"
    GROUP = "alerts"
    DESCRIPTION = (
        "Selects the members of a store who live in an area (polygons of a layer, or a centre and "
        "radius) and/or belong to networks, one row per person on one channel (urgent: SMS, else voice, "
        "else e-mail; normal: e-mail, else SMS), exports the list as CSV (plus one list per channel) and "
        "appends the selection to the store's audit log. Only counts are shown here: member data is "
        "only in the exported files."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add(
            QgsProcessingParameterFile(self.STORE, tr("Store"), extension="gpkg"),
            "The bingeo store (GeoPackage) holding the members.",
        )
        self.add_layer(
            self.AREA,
            "Alert area",
            [QgsProcessing.TypeVectorPolygon],
            "Polygons of the alert area (any CRS; several are united). Tick 'Selected features only' "
            "to use the selected polygons.",
            optional=True,
        )
        self.add(
            QgsProcessingParameterPoint(self.CENTRE, tr("Centre"), optional=True),
            "Centre of a circular alert area (with Radius), in any CRS.",
        )
        self.add(
            QgsProcessingParameterNumber(
                self.RADIUS, tr("Radius (m)"), QgsProcessingParameterNumber.Double, defaultValue=0, minValue=0
            ),
            "Radius of the circular alert area in metres of the store's CRS.",
        )
        self.add(
            QgsProcessingParameterString(self.NETWORK_IDS, tr("Network ids (comma separated)"), optional=True),
            "Alert these networks (with an area too, a member must satisfy both).",
        )
        self.add(
            QgsProcessingParameterEnum(
                self.NETWORK_RULE,
                tr("Network rule"),
                [tr("membership or location"), tr("membership"), tr("location")],
                defaultValue=0,
            ),
            "Who belongs to a network: members who joined it, who live in it, or either.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterEnum(self.URGENCY, tr("Urgency"), [tr("urgent"), tr("normal")], defaultValue=0),
            "Urgent: SMS, else voice call, else e-mail. Normal: e-mail, else SMS.",
        )
        self.add(
            QgsProcessingParameterString(self.OPERATOR, tr("Operator"), optional=True),
            "Who sends the alert (kept in the audit log).",
        )
        self.add(
            QgsProcessingParameterString(self.REASON, tr("Reason"), optional=True),
            "Why, e.g. a case number (kept in the audit log).",
        )
        self.add(
            QgsProcessingParameterBoolean(self.COORDINATORS, tr("Also list coordinators"), defaultValue=False),
            "Also export the coordinators of the networks touched (BIN relay practice).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFileDestination(self.OUTPUT, tr("Recipient list"), tr("CSV (*.csv)")),
            "The recipient list (CSV with ';', UTF-8 with BOM, for Excel); .sms/.voice/.email lists beside it.",
        )
        self.addOutput(QgsProcessingOutputString(self.ALERT_ID, tr("Alert id")))
        self.addOutput(QgsProcessingOutputNumber(self.RECIPIENTS, tr("Recipients")))

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import area_around, open_store, send_alert

        from ..adapter import crs_to_pyproj, polygon_union

        store_path = self.parameterAsFile(parameters, self.STORE, context)
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        ids = [i.strip() for i in self.parameterAsString(parameters, self.NETWORK_IDS, context).split(",") if i.strip()]
        radius = self.parameterAsDouble(parameters, self.RADIUS, context)
        has_centre = parameters.get(self.CENTRE) not in (None, "")
        with open_store(store_path) as st:
            area = None
            layer = self.frame(parameters, self.AREA, context, feedback, optional=True)
            if layer is not None:
                area = polygon_union(self.to_crs(layer, st.crs))
                if area is None:
                    raise QgsProcessingException(tr("The alert area layer holds no polygon (check the selection)."))
            if has_centre:
                if area is not None:
                    raise QgsProcessingException(tr("Give either an alert area layer or a centre and radius."))
                point = self.parameterAsPoint(parameters, self.CENTRE, context)
                pcrs = self.parameterAsPointCrs(parameters, self.CENTRE, context)
                area = area_around(
                    point.x(),
                    point.y(),
                    radius,
                    crs_of_xy=crs_to_pyproj(pcrs) if pcrs.isValid() else st.crs,
                    target_crs=st.crs,
                )
            self.check(feedback, 30)
            alert = send_alert(
                st,
                output,
                area=area,
                network_ids=ids or None,
                network_rule=RULES[self.parameterAsEnum(parameters, self.NETWORK_RULE, context)],
                urgency=URGENCIES[self.parameterAsEnum(parameters, self.URGENCY, context)],
                operator=self.parameterAsString(parameters, self.OPERATOR, context) or None,
                reason=self.parameterAsString(parameters, self.REASON, context) or None,
                coordinators=self.parameterAsBool(parameters, self.COORDINATORS, context),
            )
        feedback.pushInfo(alert.summary())  # counts only
        return {self.OUTPUT: output, self.ALERT_ID: alert.alert_id, self.RECIPIENTS: len(alert.selection.recipients)}
