"""bingeo:coverage: addresses and households per network, shared addresses, covered share per area."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
)

from ..translation import tr
from .base import BingeoAlgorithm, Progress


class Coverage(BingeoAlgorithm):
    """bingeo.coverage on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSES = "ADDRESSES"
    AREAS = "AREAS"
    BY = "BY"
    COVERED_SHARE = "COVERED_SHARE"
    HOUSEHOLDS_FIELD = "HOUSEHOLDS_FIELD"
    OUTPUT = "OUTPUT"
    OVERLAPS = "OVERLAPS"

    AS_OF = "parameter"
    NAME = "coverage"
    TITLE = "Coverage of addresses"
    DESCRIPTION = (
        "How many addresses and households each network reaches, which addresses two networks share, "
        "and (with a grouping) the covered share per municipality or police zone."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_networks()
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points (any CRS); a households field (huishoudens, households) is used when present.",
        )
        self.add(
            QgsProcessingParameterString(self.BY, tr("Group by"), optional=True),
            "Covered share per area: an address field, or 'municipality' / 'police_zone'.",
        )
        self.add(
            QgsProcessingParameterField(
                self.HOUSEHOLDS_FIELD, tr("Households field"), None, self.ADDRESSES, optional=True
            ),
            "Households per address (default: huishoudens/households; else 1).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Coverage per network"), QgsProcessing.TypeVector),
            "Per network: addresses, households, exclusive_addresses, shared_addresses.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                self.OVERLAPS, tr("Shared addresses"), QgsProcessing.TypeVector, optional=True, createByDefault=False
            ),
            "Per pair of networks sharing addresses: shared_addresses, shared_households.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                self.AREAS, tr("Coverage per area"), QgsProcessing.TypeVector, optional=True, createByDefault=False
            ),
            "Per area (with Group by): addresses, covered_addresses, covered_share, households...",
        )
        self.addOutput(QgsProcessingOutputNumber(self.COVERED_SHARE, tr("Covered share of addresses")))

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import coverage

        nets = self.networks(parameters, context, feedback)
        adr = self.to_crs(self.frame(parameters, self.ADDRESSES, context, feedback), nets.crs)
        self.check(feedback, 40)
        rep = coverage(
            nets,
            adr,
            by=self.parameterAsString(parameters, self.BY, context).strip() or None,
            households_field=self.parameterAsString(parameters, self.HOUSEHOLDS_FIELD, context) or None,
            **Progress(feedback, 30, 80).kwargs(coverage),
        )
        self.check(feedback, 80)
        feedback.pushInfo(rep.summary())
        out = {
            self.OUTPUT: self.sink(parameters, self.OUTPUT, context, rep.networks, feedback),
            self.COVERED_SHARE: float(rep.totals["covered_share"]),
        }
        if parameters.get(self.OVERLAPS) is not None:
            out["OVERLAPS"] = self.sink(parameters, self.OVERLAPS, context, rep.overlaps, feedback)
        if parameters.get(self.AREAS) is not None and rep.areas is not None:
            out["AREAS"] = self.sink(parameters, self.AREAS, context, rep.areas, feedback)
        return out
