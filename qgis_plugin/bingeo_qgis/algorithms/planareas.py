"""bingeo:planareas: the k candidate areas that together reach the most uncovered incidents (or risk)."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm

Number = QgsProcessingParameterNumber
BY = ["incidents", "risk"]
METHODS = ["auto", "exact", "greedy"]


class PlanAreas(BingeoAlgorithm):
    """bingeo.plan_areas on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSES = "ADDRESSES"
    BUDGET = "BUDGET"
    BY = "BY"
    CANDIDATES = "CANDIDATES"
    HOUSEHOLDS_FIELD = "HOUSEHOLDS_FIELD"
    ID_FIELD = "ID_FIELD"
    INCIDENTS = "INCIDENTS"
    K = "K"
    METHOD = "METHOD"
    OUTPUT = "OUTPUT"

    AS_OF = "today"
    NAME = "planareas"
    TITLE = "Best new areas (plan)"
    DESCRIPTION = (
        "Chooses the k candidate areas (e.g. the proposed areas) that together reach the most incidents no "
        "network covers, each incident counted once (maximal covering, solved exactly), optionally within a "
        "households budget, and gives the gain of each next area."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        plan = library_constants("plan")

        self.add_layer(
            self.CANDIDATES,
            "Candidate areas",
            [QgsProcessing.TypeVectorPolygon],
            "Candidate areas (polygons), e.g. the output of bingeo's Propose new network areas.",
        )
        self.add_layer(self.INCIDENTS, "Incidents", [QgsProcessing.TypeVectorPoint], "Incident points.")
        self.add_networks("Existing networks: incidents inside them are already covered.", optional=True)
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points: households per candidate (for the budget) and, by risk, the homes at risk.",
            optional=True,
        )
        self.add(
            Number(self.K, tr("Number of areas"), Number.Integer, defaultValue=plan.K, minValue=1),
            "How many areas to choose.",
        )
        self.add(
            Number(self.BUDGET, tr("Households budget"), Number.Double, defaultValue=0, minValue=0),
            "The chosen areas together hold at most this many households (0: no budget).",
        )
        self.add(
            QgsProcessingParameterEnum(self.BY, tr("Reach the most"), [tr("incidents"), tr("risk")], defaultValue=0),
            "Uncovered incidents, or risk at uncovered homes (incidents per household around each address, times "
            "its households; needs the addresses).",
        )
        self.add(
            QgsProcessingParameterField(self.ID_FIELD, tr("Candidate id field"), None, self.CANDIDATES, optional=True),
            "Column naming the candidates (default: proposal_id, network_id, id, name).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField(
                self.HOUSEHOLDS_FIELD, tr("Households field"), None, self.ADDRESSES, optional=True
            ),
            "Households per address (default: households, huishoudens... else 1).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterEnum(self.METHOD, tr("Method"), METHODS, defaultValue=0),
            "exact: the best choice (HiGHS); greedy: fast, with a bound; auto: exact up to 5,000 candidates.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Chosen areas"), QgsProcessing.TypeVectorPolygon),
            "The chosen areas in the order of their gain: rank, candidate_id, households, inside, gain, "
            "cumulative, share, best.",
        )

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import plan_areas

        cands = self.frame(parameters, self.CANDIDATES, context, feedback)
        crs = cands.crs
        inc = self.to_crs(self.points(parameters, self.INCIDENTS, context, feedback), crs)
        nets = self.to_crs(self.networks(parameters, context, feedback, optional=True), crs)
        adr = self.to_crs(self.points(parameters, self.ADDRESSES, context, feedback, optional=True), crs)
        self.check(feedback, 30)
        budget = self.parameterAsDouble(parameters, self.BUDGET, context)
        res = plan_areas(
            cands,
            inc,
            k=self.parameterAsInt(parameters, self.K, context),
            budget_households=budget if budget > 0 else None,
            by=BY[self.parameterAsEnum(parameters, self.BY, context)],
            networks=nets,
            addresses=adr,
            households_field=self.parameterAsString(parameters, self.HOUSEHOLDS_FIELD, context) or None,
            id_field=self.parameterAsString(parameters, self.ID_FIELD, context) or None,
            method=METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
        )
        self.check(feedback, 90)
        for line in res.summary().splitlines():
            feedback.pushInfo(line)
        return {self.OUTPUT: self.sink(parameters, self.OUTPUT, context, res.chosen, feedback, style="proposals")}
