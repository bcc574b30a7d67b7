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
from .base import BingeoAlgorithm


class Coverage(BingeoAlgorithm):
    """bingeo.coverage on QGIS layers."""

    NAME = "coverage"
    TITLE = "Coverage of addresses"
    DESCRIPTION = (
        "How many addresses and households each network reaches, which addresses two networks share, "
        "and (with a grouping) the covered share per municipality or police zone."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_networks()
        self.add_layer(
            "ADDRESSES",
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points (any CRS); a households field (huishoudens, households) is used when present.",
        )
        self.add(
            QgsProcessingParameterString("BY", tr("Group by"), optional=True),
            "Covered share per area: an address field, or 'municipality' / 'police_zone'.",
        )
        self.add(
            QgsProcessingParameterField("HOUSEHOLDS_FIELD", tr("Households field"), None, "ADDRESSES", optional=True),
            "Households per address (default: huishoudens/households; else 1).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink("OUTPUT", tr("Coverage per network"), QgsProcessing.TypeVector),
            "Per network: addresses, households, exclusive_addresses, shared_addresses.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "OVERLAPS", tr("Shared addresses"), QgsProcessing.TypeVector, optional=True, createByDefault=False
            ),
            "Per pair of networks sharing addresses: shared_addresses, shared_households.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "AREAS", tr("Coverage per area"), QgsProcessing.TypeVector, optional=True, createByDefault=False
            ),
            "Per area (with Group by): addresses, covered_addresses, covered_share, households...",
        )
        self.addOutput(QgsProcessingOutputNumber("COVERED_SHARE", tr("Covered share of addresses")))

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import coverage

        nets = self.networks(parameters, context, feedback)
        adr = self.to_crs(self.frame(parameters, "ADDRESSES", context, feedback), nets.crs)
        self.check(feedback, 40)
        rep = coverage(
            nets,
            adr,
            by=self.parameterAsString(parameters, "BY", context).strip() or None,
            households_field=self.parameterAsString(parameters, "HOUSEHOLDS_FIELD", context) or None,
        )
        self.check(feedback, 80)
        feedback.pushInfo(rep.summary())
        out = {
            "OUTPUT": self.sink(parameters, "OUTPUT", context, rep.networks, feedback),
            "COVERED_SHARE": float(rep.totals["covered_share"]),
        }
        if parameters.get("OVERLAPS") is not None:
            out["OVERLAPS"] = self.sink(parameters, "OVERLAPS", context, rep.overlaps, feedback)
        if parameters.get("AREAS") is not None and rep.areas is not None:
            out["AREAS"] = self.sink(parameters, "AREAS", context, rep.areas, feedback)
        return out
