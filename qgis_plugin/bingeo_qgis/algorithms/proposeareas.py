"""bingeo:proposeareas: a compact new network around each uncovered hot spot, following streets."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress

Number = QgsProcessingParameterNumber
KINDS = ["bin", "whatsapp"]


class ProposeAreas(BingeoAlgorithm):
    """bingeo.propose_areas on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSES = "ADDRESSES"
    HOTSPOTS = "HOTSPOTS"
    HOUSEHOLDS_FIELD = "HOUSEHOLDS_FIELD"
    INCIDENTS = "INCIDENTS"
    KIND = "KIND"
    MAX_DISTANCE = "MAX_DISTANCE"
    MAX_HOUSEHOLDS = "MAX_HOUSEHOLDS"
    MIN_HOUSEHOLDS = "MIN_HOUSEHOLDS"
    ONLY_UNCOVERED = "ONLY_UNCOVERED"
    OUTPUT = "OUTPUT"
    STREET_FIELD = "STREET_FIELD"

    AS_OF = "today"
    NAME = "proposeareas"
    TITLE = "Propose new network areas"
    DESCRIPTION = (
        "Around each hot spot that no network covers, adds whole stretches of street nearest first until "
        "the households reach the minimum without passing the maximum, and draws a compact boundary "
        "that never overlaps an existing network or another proposal."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        propose = library_constants("propose")

        self.add_layer(
            self.HOTSPOTS,
            "Hot spots",
            [QgsProcessing.TypeVectorPolygon],
            "Hot-spot polygons, e.g. the Hot spots output of bingeo's hot spot algorithm.",
        )
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points with a street name field and optionally households.",
        )
        self.add_networks("Existing networks: every polygon given is kept out of every proposal.")
        self.add_layer(
            self.INCIDENTS,
            "Incidents",
            [QgsProcessing.TypeVectorPoint],
            "Incident points: adds the number of incidents inside each proposal.",
            optional=True,
        )
        self.add(
            Number(
                self.MIN_HOUSEHOLDS,
                tr("Minimum households"),
                Number.Integer,
                defaultValue=propose.MIN_HOUSEHOLDS,
                minValue=1,
            ),
            "Households a proposal should reach.",
        )
        self.add(
            Number(
                self.MAX_HOUSEHOLDS,
                tr("Maximum households"),
                Number.Integer,
                defaultValue=propose.MAX_HOUSEHOLDS,
                minValue=1,
            ),
            "Households a proposal may not pass (a WhatsApp group holds at most 256 members).",
        )
        self.add(
            QgsProcessingParameterEnum(self.KIND, tr("Kind"), ["BIN", "WhatsApp"], defaultValue=0),
            "What the proposal is for.",
        )
        self.add(
            Number(
                self.MAX_DISTANCE, tr("Maximum distance"), Number.Double, defaultValue=propose.MAX_DISTANCE, minValue=1
            ),
            "Addresses farther than this (metres) from the hot spot are never added.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField(self.STREET_FIELD, tr("Street field"), None, self.ADDRESSES, optional=True),
            "Street name (default: straat, street, openbare_ruimte... when present).",
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
            QgsProcessingParameterBoolean(self.ONLY_UNCOVERED, tr("Only uncovered hot spots"), defaultValue=True),
            "Only hot spots marked uncovered; unticked, every hot spot gets a proposal.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Proposed areas"), QgsProcessing.TypeVectorPolygon),
            "One polygon per proposal: households, addresses, streets, area_m2 [, incidents].",
        )

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import propose_areas

        nets = self.networks(parameters, context, feedback)
        crs = nets.crs
        hs = self.to_crs(self.frame(parameters, self.HOTSPOTS, context, feedback), crs)
        adr = self.to_crs(self.frame(parameters, self.ADDRESSES, context, feedback), crs)
        inc = self.to_crs(self.points(parameters, self.INCIDENTS, context, feedback, optional=True), crs)
        self.check(feedback, 20)
        progress = Progress(feedback, 20, 90)
        out = propose_areas(
            hs,
            adr,
            nets,
            incidents=inc,
            min_households=self.parameterAsInt(parameters, self.MIN_HOUSEHOLDS, context),
            max_households=self.parameterAsInt(parameters, self.MAX_HOUSEHOLDS, context),
            kind=KINDS[self.parameterAsEnum(parameters, self.KIND, context)],
            max_distance=self.parameterAsDouble(parameters, self.MAX_DISTANCE, context),
            street_field=self.parameterAsString(parameters, self.STREET_FIELD, context) or None,
            households_field=self.parameterAsString(parameters, self.HOUSEHOLDS_FIELD, context) or None,
            only_uncovered=self.parameterAsBool(parameters, self.ONLY_UNCOVERED, context),
            progress=progress,
            is_cancelled=progress.is_cancelled,
        )
        self.check(feedback, 90)
        feedback.pushInfo(tr("{n} proposed areas").format(n=len(out)))
        return {self.OUTPUT: self.sink(parameters, self.OUTPUT, context, out, feedback, style="proposals")}
