"""bingeo:assignpoints: which network covers each point."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSink

from ..translation import tr
from .base import BingeoAlgorithm, Progress


class AssignPoints(BingeoAlgorithm):
    """bingeo.assign on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"

    AS_OF = "parameter"
    NAME = "assignpoints"
    TITLE = "Assign points to networks"
    DESCRIPTION = (
        "Adds network_id, network_name (the most specific network covering each point: the smallest "
        "when networks overlap) and network_ids (all covering networks) to every point. "
        "A point on a boundary belongs to the network."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_layer(
            self.INPUT,
            "Points",
            [QgsProcessing.TypeVectorPoint],
            "Incidents or addresses (points, any CRS): every feature is kept with all its fields.",
        )
        self.add_networks()
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Assigned points"), QgsProcessing.TypeVectorPoint),
            "The points with network_id, network_name and network_ids.",
        )
        self.add_rejects()

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import assign

        nets = self.networks(parameters, context, feedback)
        self.check(feedback, 20)
        pts = self.to_crs(self.frame(parameters, self.INPUT, context, feedback), nets.crs)
        self.check(feedback, 50)
        # the networks active at the as-of date (AT), as `bingeo assign --at`
        out = assign(pts, nets, **Progress(feedback, 50, 80).kwargs(assign))
        self.check(feedback)
        self.check(feedback, 80)
        return {self.OUTPUT: self.sink(parameters, self.OUTPUT, context, out, feedback, style="points")}
