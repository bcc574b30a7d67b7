"""bingeo:liststreets: per network (or proposed area) its streets and house-number ranges, as a charter lists them."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSink

from ..translation import tr
from .base import BingeoAlgorithm


class ListStreets(BingeoAlgorithm):
    """bingeo.streets_in_areas on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSES = "ADDRESSES"
    OUTPUT = "OUTPUT"

    AS_OF = "parameter"
    NAME = "liststreets"
    TITLE = "Streets per network"
    GROUP = "networks"
    DESCRIPTION = (
        "Lists per network (or proposed area) the streets and house-number ranges it holds: whole streets, "
        "whole sides, or runs of house numbers per odd/even side. The list reads back with Networks from streets."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_networks(
            "Network boundaries or proposed areas (polygons) with an id field (network_id, proposal_id, ...)."
        )
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points with street and house-number fields (or one full-address field).",
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Street list"), QgsProcessing.TypeVector),
            "network_id, street, side (both, odd, even), from, to, addresses.",
        )

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import streets_in_areas

        nets = self.networks(parameters, context, feedback)
        adr = self.to_crs(self.frame(parameters, self.ADDRESSES, context, feedback), nets.crs)
        self.check(feedback, 40)
        table = streets_in_areas(nets, adr)
        feedback.pushInfo(tr("{n} rows for {k} networks").format(n=len(table), k=table["network_id"].nunique()))
        return {self.OUTPUT: self.sink(parameters, self.OUTPUT, context, table, feedback)}
