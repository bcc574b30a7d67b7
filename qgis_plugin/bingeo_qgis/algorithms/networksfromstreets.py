"""bingeo:networksfromstreets: a charter's list of streets and house numbers to network polygons."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm


class NetworksFromStreets(BingeoAlgorithm):
    """bingeo.network_from_streets on a street list and a QGIS address layer."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSES = "ADDRESSES"
    BUFFER = "BUFFER"
    FOREIGN = "FOREIGN"
    NETWORK_ID = "NETWORK_ID"
    OUTPUT = "OUTPUT"
    SKIP_MISSING = "SKIP_MISSING"
    STREETS = "STREETS"

    NAME = "networksfromstreets"
    TITLE = "Networks from streets"
    GROUP = "networks"
    DESCRIPTION = (
        "Turns a charter's list of streets (street, optional from/to house numbers and odd/even side, per "
        "network) into a polygon around exactly those addresses. The log names listed streets without an "
        "address (with similar names) and addresses of other streets that ended up inside."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        streets = library_constants("streets")
        self.add(
            QgsProcessingParameterFile(self.STREETS, tr("Street list"), fileFilter=tr("Tables (*.csv *.xlsx *.ods)")),
            "CSV or spreadsheet with a street column and optionally network, from, to and side columns "
            "(English, Dutch or French names).",
        )
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points with street and house-number fields (or one full-address field).",
        )
        self.add(
            QgsProcessingParameterString(self.NETWORK_ID, tr("Network id"), optional=True),
            "Id of the network when the list has no network column.",
        )
        self.add(
            QgsProcessingParameterNumber(
                self.BUFFER,
                tr("Reach past the outer addresses (m)"),
                QgsProcessingParameterNumber.Double,
                streets.BUFFER,
                minValue=0.1,
            ),
            "Metres the polygon reaches beyond the outer addresses.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterBoolean(self.SKIP_MISSING, tr("Make the networks despite missing streets"), False),
            "Off (as the command line): a listed street or range without any address stops the algorithm, so that "
            "a misspelt street is corrected first. On: the networks are made without those rows.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Networks"), QgsProcessing.TypeVectorPolygon),
            "One polygon per network: network_id, name, addresses, foreign, area_m2.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                self.FOREIGN, tr("Addresses not listed inside"), QgsProcessing.TypeVector, optional=True,
                createByDefault=False,
            ),
            "Addresses of other streets or numbers inside a polygon (at the same point as a listed one).",
        )  # fmt: skip

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import network_from_streets, read_charter

        path = self.parameterAsFile(parameters, self.STREETS, context)
        network_id = self.parameterAsString(parameters, self.NETWORK_ID, context).strip() or None
        charter = read_charter(path, network_id=network_id)
        adr = self.frame(parameters, self.ADDRESSES, context, feedback)
        self.check(feedback, 30)
        res = network_from_streets(charter, adr, buffer=self.parameterAsDouble(parameters, self.BUFFER, context))
        feedback.pushInfo(res.summary())
        if res.misses and not self.parameterAsBool(parameters, self.SKIP_MISSING, context):
            text = tr(
                "{n} listed street(s) or range(s) hold no address (NOT FOUND in the log). Correct the list, or "
                "switch on 'Make the networks despite missing streets'."
            )
            raise QgsProcessingException(text.format(n=len(res.misses)))
        self.check(feedback, 90)
        out = {self.OUTPUT: self.sink(parameters, self.OUTPUT, context, res.networks, feedback)}
        if parameters.get(self.FOREIGN) is not None:
            out[self.FOREIGN] = self.sink(parameters, self.FOREIGN, context, res.foreign, feedback)
        return out
