"""bingeo:countincidents: incidents per network (and period, type), with addresses and rates."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
)

from ..translation import tr
from .base import BingeoAlgorithm

PERIODS = [None, "month", "quarter", "year"]


class CountIncidents(BingeoAlgorithm):
    """bingeo.count_incidents on QGIS layers."""

    NAME = "countincidents"
    TITLE = "Count incidents per network"
    DESCRIPTION = (
        "Counts incidents per network (an incident in overlapping networks counts for each), optionally "
        "per period and type, with addresses, households and the rate per 1,000 addresses. Incidents "
        "outside every network are counted on a row with an empty network_id."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_layer("INPUT", "Incidents", [QgsProcessing.TypeVectorPoint], "Incident points (any CRS).")
        self.add_networks()
        self.add(
            QgsProcessingParameterEnum(
                "BY",
                tr("Count per period"),
                [tr("(no period)"), tr("month"), tr("quarter"), tr("year")],
                defaultValue=0,
            ),
            "Count per month, quarter or year (needs a date field).",
        )
        self.add(
            QgsProcessingParameterField("DATE_FIELD", tr("Date field"), None, "INPUT", optional=True),
            "Date of the incident (default: the first date/time field).",
        )
        self.add(
            QgsProcessingParameterField("TYPE_FIELD", tr("Type field"), None, "INPUT", optional=True),
            "Incident type (burglary, theft from vehicle...), to count per type.",
        )
        self.add_layer(
            "ADDRESSES",
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points: adds addresses, households and the rate per 1,000 addresses.",
            optional=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink("OUTPUT", tr("Incident counts"), QgsProcessing.TypeVector),
            "A table: network_id, network_name, kind, [period], [type], incidents, [addresses, households, "
            "rate_per_1000_addresses].",
        )

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import count_incidents

        nets = self.networks(parameters, context, feedback)
        inc = self.to_crs(self.frame(parameters, "INPUT", context, feedback), nets.crs)
        self.check(feedback, 30)
        adr = self.to_crs(self.frame(parameters, "ADDRESSES", context, feedback, optional=True), nets.crs)
        self.check(feedback, 50)
        table = count_incidents(
            inc,
            nets,
            by=PERIODS[self.parameterAsEnum(parameters, "BY", context)],
            date_field=self.parameterAsString(parameters, "DATE_FIELD", context) or None,
            type_field=self.parameterAsString(parameters, "TYPE_FIELD", context) or None,
            addresses=adr,
        )
        self.check(feedback, 90)
        return {"OUTPUT": self.sink(parameters, "OUTPUT", context, table, feedback)}
