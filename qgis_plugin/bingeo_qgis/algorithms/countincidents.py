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
from .base import BingeoAlgorithm, Progress

PERIODS = [None, "month", "quarter", "year"]


class CountIncidents(BingeoAlgorithm):
    """bingeo.count_incidents on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSES = "ADDRESSES"
    BY = "BY"
    DATE_FIELD = "DATE_FIELD"
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"
    TYPE_FIELD = "TYPE_FIELD"

    AS_OF = "parameter"
    NAME = "countincidents"
    TITLE = "Count incidents per network"
    DESCRIPTION = (
        "Counts incidents per network (an incident in overlapping networks counts for each), optionally "
        "per period and type, with addresses, households and the rate per 1,000 addresses. Incidents "
        "outside every network are counted on a row with an empty network_id. Per period, an incident known by a "
        "time window (begin and end fields) adds to each period the share of its window in it (aoristic)."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_layer(self.INPUT, "Incidents", [QgsProcessing.TypeVectorPoint], "Incident points (any CRS).")
        self.add_networks()
        self.add(
            QgsProcessingParameterEnum(
                self.BY,
                tr("Count per period"),
                [tr("(no period)"), tr("month"), tr("quarter"), tr("year")],
                defaultValue=0,
            ),
            "Count per month, quarter or year (needs a date field).",
        )
        self.add(
            QgsProcessingParameterField(self.DATE_FIELD, tr("Date field"), None, self.INPUT, optional=True),
            "Date of the incident (default: the first date/time field).",
        )
        self.add(
            QgsProcessingParameterField(self.TYPE_FIELD, tr("Type field"), None, self.INPUT, optional=True),
            "Incident type (burglary, theft from vehicle...), to count per type.",
        )
        self.add_time_options(self.INPUT)
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points: adds addresses, households and the rate per 1,000 addresses.",
            optional=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Incident counts"), QgsProcessing.TypeVector),
            "A table: network_id, network_name, kind, [period], [type], incidents, [addresses, households, "
            "rate_per_1000_addresses].",
        )
        self.add_rejects()

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import count_incidents

        nets = self.networks(parameters, context, feedback)
        inc = self.points(parameters, self.INPUT, context, feedback)
        by = PERIODS[self.parameterAsEnum(parameters, self.BY, context)]
        date_field = self.parameterAsString(parameters, self.DATE_FIELD, context) or None
        timing: dict = {}
        if by is not None:  # the periods on the windows, when the layer has them
            inc, timing = self.timed(parameters, context, feedback, inc, date_field=date_field, need="counting needs")
        inc = self.to_crs(inc, nets.crs)
        self.check(feedback, 30)
        adr = self.to_crs(self.frame(parameters, self.ADDRESSES, context, feedback, optional=True), nets.crs)
        self.check(feedback, 50)
        table = count_incidents(
            inc,
            nets,
            by=by,
            date_field=date_field,
            type_field=self.parameterAsString(parameters, self.TYPE_FIELD, context) or None,
            addresses=adr,
            **timing,
            **Progress(feedback, 40, 80).kwargs(count_incidents),
        )
        self.check(feedback, 90)
        return {self.OUTPUT: self.sink(parameters, self.OUTPUT, context, table, feedback)}
