"""bingeo:regions: divide an uncovered area into contiguous candidate BIN areas (max-p regions of blocks)."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress

Number = QgsProcessingParameterNumber
KINDS = ["whatsapp", "bin"]


class Regions(BingeoAlgorithm):
    """bingeo.divide_regions on QGIS layers."""

    ADDRESSES = "ADDRESSES"
    AREA = "AREA"
    BLOCK_FIELD = "BLOCK_FIELD"
    BLOCK_SIZE = "BLOCK_SIZE"
    HOUSEHOLDS_FIELD = "HOUSEHOLDS_FIELD"
    INCIDENTS = "INCIDENTS"
    ISLANDS = "ISLANDS"
    KIND = "KIND"
    MAX_HOUSEHOLDS = "MAX_HOUSEHOLDS"
    MIN_HOUSEHOLDS = "MIN_HOUSEHOLDS"
    N_REGIONS = "N_REGIONS"
    OUTPUT = "OUTPUT"
    REACH = "REACH"
    SEED = "SEED"
    STREET_FIELD = "STREET_FIELD"

    AS_OF = "today"
    NAME = "regions"
    TITLE = "Divide an uncovered area into candidate BIN areas"
    DESCRIPTION = (
        "Groups the addresses of the area that no network covers into blocks (a block field, else street and a "
        "grid, else the grid) and the blocks into as many contiguous, compact regions as it can, each with the "
        "minimum to the maximum of households (the maximum is never passed). Blocks that can be in no region "
        "are written to the islands output with the reason."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        regions = library_constants("regions")

        self.add_layer(self.AREA, "Area", [QgsProcessing.TypeVectorPolygon], "Polygon(s) of the area to divide.")
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points, optionally with households, a block key and a street name.",
        )
        self.add_networks("Current networks: their area is left out of the regions.", optional=True)
        self.add_layer(
            self.INCIDENTS,
            "Incidents",
            [QgsProcessing.TypeVectorPoint],
            "Incident points: adds the number of incidents inside each region.",
            optional=True,
        )
        self.add(
            Number(
                self.MIN_HOUSEHOLDS,
                tr("Minimum households"),
                Number.Integer,
                defaultValue=regions.MIN_HOUSEHOLDS,
                minValue=1,
            ),
            "Households every region reaches.",
        )
        self.add(
            Number(
                self.MAX_HOUSEHOLDS,
                tr("Maximum households"),
                Number.Integer,
                defaultValue=regions.MAX_HOUSEHOLDS,
                minValue=1,
            ),
            "Households no region passes (at most 256 for a WhatsApp group).",
        )
        self.add(
            QgsProcessingParameterEnum(self.KIND, tr("Kind"), ["WhatsApp group", "BIN (no cap)"], defaultValue=0),
            "WhatsApp group: the maximum may not pass 256 members.",
        )
        self.add(
            QgsProcessingParameterField(self.BLOCK_FIELD, tr("Block field"), None, self.ADDRESSES, optional=True),
            "Block key per address (default: DISSEMINATION_BLOCK_ID, bouwblok, block_id... when present).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField(self.STREET_FIELD, tr("Street field"), None, self.ADDRESSES, optional=True),
            "Street name (default: straat, street... when present).",
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
            Number(self.BLOCK_SIZE, tr("Block grid size"), Number.Double, defaultValue=regions.BLOCK_SIZE, minValue=1),
            "Grid (metres) of the blocks when the addresses have no block field.",
            advanced=True,
        )
        self.add(
            Number(self.REACH, tr("Block reach"), Number.Double, defaultValue=regions.REACH, minValue=1),
            "A block reaches at most this far (metres) from its addresses; land farther from every address is in "
            "no region.",
            advanced=True,
        )
        self.add(
            Number(self.SEED, tr("Random seed"), Number.Integer, defaultValue=regions.SEED, minValue=0),
            "The same seed gives the same regions.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Candidate BIN areas"), QgsProcessing.TypeVectorPolygon),
            "One polygon per region: proposal_id, households, addresses, blocks, [incidents,] compactness.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                self.ISLANDS, tr("Blocks in no region"), QgsProcessing.TypeVectorPolygon, optional=True
            ),
            "Blocks that can be in no region (cut off with too few households, above the maximum), with the reason.",
        )
        self.addOutput(QgsProcessingOutputNumber(self.N_REGIONS, tr("Number of regions")))

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import divide_regions

        nets = self.networks(parameters, context, feedback, optional=True)
        adr = self.frame(parameters, self.ADDRESSES, context, feedback)
        crs = nets.crs if nets is not None else adr.crs
        adr = self.to_crs(adr, crs)
        area = self.to_crs(self.frame(parameters, self.AREA, context, feedback), crs)
        inc = self.to_crs(self.points(parameters, self.INCIDENTS, context, feedback, optional=True), crs)
        kind = KINDS[self.parameterAsEnum(parameters, self.KIND, context)]
        high = self.parameterAsInt(parameters, self.MAX_HOUSEHOLDS, context)
        if kind == "whatsapp" and high > 256:
            raise QgsProcessingException(
                tr(
                    "Maximum households {n} does not fit a WhatsApp group, which holds at most 256 members: "
                    "use 256 or less, or Kind 'BIN (no cap)' when the areas will not be WhatsApp groups."
                ).format(n=high)
            )
        self.check(feedback, 20)
        progress = Progress(feedback, 20, 90)
        res = divide_regions(
            area,
            adr,
            nets,
            min_households=self.parameterAsInt(parameters, self.MIN_HOUSEHOLDS, context),
            max_households=high,
            kind=kind,
            incidents=inc,
            block_field=self.parameterAsString(parameters, self.BLOCK_FIELD, context) or None,
            street_field=self.parameterAsString(parameters, self.STREET_FIELD, context) or None,
            households_field=self.parameterAsString(parameters, self.HOUSEHOLDS_FIELD, context) or None,
            block_size=self.parameterAsDouble(parameters, self.BLOCK_SIZE, context),
            reach=self.parameterAsDouble(parameters, self.REACH, context),
            seed=self.parameterAsInt(parameters, self.SEED, context),
            progress=progress,
            is_cancelled=progress.is_cancelled,
        )
        self.check(feedback, 90)
        for line in res.summary().splitlines():
            feedback.pushInfo(line)
        out = {
            self.OUTPUT: self.sink(parameters, self.OUTPUT, context, res.regions, feedback, style="proposals"),
            self.N_REGIONS: len(res.regions),
        }
        if parameters.get(self.ISLANDS) is not None:
            out[self.ISLANDS] = self.sink(parameters, self.ISLANDS, context, res.islands, feedback)
        return out
