"""bingeo:hotspots: Gi* hot spots on a grid (FDR-corrected), ranked, with network coverage."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress

Number = QgsProcessingParameterNumber

#: Decimals the cell size shows (0 reads as "0 m = automatic", not "0.000000").
CELL_SIZE_DECIMALS = 1


def cell_size_parameter(name: str) -> Any:
    """Return the cell size parameter: metres, 0 = automatic, said in its label and shown without a tail of zeros."""
    param = Number(name, tr("Cell size (m; 0 = automatic)"), Number.Double, defaultValue=0, minValue=0)
    param.setMetadata({"widget_wrapper": {"decimals": CELL_SIZE_DECIMALS}})
    return param


class Hotspots(BingeoAlgorithm):
    """bingeo.find_hotspots on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSES = "ADDRESSES"
    ALPHA = "ALPHA"
    CELLS = "CELLS"
    CELL_SIZE = "CELL_SIZE"
    DATE_FIELD = "DATE_FIELD"
    DISTANCE = "DISTANCE"
    END = "END"
    FDR = "FDR"
    HOTSPOTS = "HOTSPOTS"
    INPUT = "INPUT"
    MIN_COVERAGE = "MIN_COVERAGE"
    N_HOTSPOTS = "N_HOTSPOTS"
    RINGS = "RINGS"
    START = "START"
    STUDY_AREA = "STUDY_AREA"
    TYPES = "TYPES"
    TYPE_FIELD = "TYPE_FIELD"

    AS_OF = "parameter"
    NAME = "hotspots"
    TITLE = "Hot spots (Gi*) and their coverage"
    DESCRIPTION = (
        "Counts incidents on a square grid, computes Getis-Ord Gi* per cell with a Benjamini-Hochberg "
        "false discovery rate, joins hot cells into hot spots and ranks them: hot spots that no network "
        "covers first."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        hotspots = library_constants("hotspots")

        self.add_layer(
            self.INPUT,
            "Incidents",
            [QgsProcessing.TypeVectorPoint],
            "Incident points; analysed in the networks' CRS when networks are given, else in their own "
            "(which must be projected, in metres).",
        )
        self.add_networks(optional=True)
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points: adds the number of addresses per hot spot.",
            optional=True,
        )
        self.add_layer(
            self.STUDY_AREA,
            "Study area",
            [QgsProcessing.TypeVectorPolygon],
            "Polygons of the area analysed (cells whose centre lies in it). Default: the incidents' extent.",
            optional=True,
        )
        self.add(
            cell_size_parameter(self.CELL_SIZE),
            "Side of a grid cell in metres. 0 = automatic (the rule in the README: the larger of twice the mean "
            "nearest-neighbour distance between distinct incident locations and the square root of area per "
            "incident, rounded); the log reports the size chosen and why.",
        )
        self.add(
            Number(self.RINGS, tr("Neighbourhood rings"), Number.Integer, defaultValue=hotspots.RINGS, minValue=1),
            "Gi* neighbourhood: the cell and N rings of cells around it (1 = 3 x 3).",
            advanced=True,
        )
        self.add(
            Number(self.DISTANCE, tr("Neighbourhood distance"), Number.Double, defaultValue=0, minValue=0),
            "Gi* neighbourhood as a distance band in metres instead of rings (0: use rings).",
            advanced=True,
        )
        self.add(
            Number(
                self.ALPHA,
                tr("Significance level"),
                Number.Double,
                defaultValue=hotspots.ALPHA,
                minValue=1e-6,
                maxValue=0.5,
            ),
            "Significance level (false discovery rate with FDR), default 0.05.",
        )
        self.add(
            QgsProcessingParameterBoolean(self.FDR, tr("Benjamini-Hochberg correction"), defaultValue=True),
            "Correct the p-values over all cells for multiple testing (recommended).",
            advanced=True,
        )
        self.add(
            Number(
                self.MIN_COVERAGE,
                tr("Minimum covered share"),
                Number.Double,
                defaultValue=hotspots.MIN_COVERAGE,
                minValue=0,
                maxValue=1,
            ),
            "A hot spot is uncovered when less than this share of its incidents lies in a network.",
            advanced=True,
        )
        self.add_incident_filters(self.INPUT)
        self.add_time_options(self.INPUT)
        self.add(
            QgsProcessingParameterFeatureSink(self.CELLS, tr("Gi* cells"), QgsProcessing.TypeVectorPolygon),
            "One square per cell: row, col, count, gi_z, gi_p, hot, cold.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.HOTSPOTS, tr("Hot spots"), QgsProcessing.TypeVectorPolygon),
            "Hot spots ranked (uncovered first): incidents, area_m2, max_z, covered_share, network_ids.",
        )
        self.addOutput(QgsProcessingOutputNumber(self.N_HOTSPOTS, tr("Hot spots found")))
        self.add_rejects()

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import find_hotspots, type_column

        from ..adapter import polygon_union

        nets = self.networks(parameters, context, feedback, optional=True)
        inc = self.points(parameters, self.INPUT, context, feedback)
        date_field = self.parameterAsString(parameters, self.DATE_FIELD, context) or None
        start = self.parameterAsString(parameters, self.START, context).strip() or None
        end = self.parameterAsString(parameters, self.END, context).strip() or None
        timing: dict = {}
        if start or end:  # the period on the windows, when the layer has them
            inc, timing = self.timed(parameters, context, feedback, inc, date_field=date_field, need="From/To need")
        crs = nets.crs if nets is not None else inc.crs
        inc = self.to_crs(inc, crs)
        adr = self.to_crs(self.frame(parameters, self.ADDRESSES, context, feedback, optional=True), crs)
        area = self.to_crs(self.frame(parameters, self.STUDY_AREA, context, feedback, optional=True), crs)
        self.check(feedback, 30)
        types = [t.strip() for t in self.parameterAsString(parameters, self.TYPES, context).split(",") if t.strip()]
        # the one rule of every command: with types and no type field, the field is found from the types
        type_field = self.parameterAsString(parameters, self.TYPE_FIELD, context) or None
        if types and type_field is None:
            type_field = type_column(inc, types)
        res = find_hotspots(
            inc,
            networks=nets,
            addresses=adr,
            study_area=None if area is None else polygon_union(area),
            cell_size=self.parameterAsDouble(parameters, self.CELL_SIZE, context) or None,
            rings=self.parameterAsInt(parameters, self.RINGS, context),
            distance=self.parameterAsDouble(parameters, self.DISTANCE, context) or None,
            alpha=self.parameterAsDouble(parameters, self.ALPHA, context),
            fdr=self.parameterAsBool(parameters, self.FDR, context),
            min_coverage=self.parameterAsDouble(parameters, self.MIN_COVERAGE, context),
            type_field=type_field,
            types=types or None,
            date_field=date_field,
            start=start,
            end=end,
            **timing,
            **Progress(feedback, 30, 70).kwargs(find_hotspots),
        )
        self.check(feedback, 70)
        for note in res.notes:
            feedback.pushInfo(note)
        feedback.pushInfo(res.summary())
        return {
            self.CELLS: self.sink(parameters, self.CELLS, context, res.cells, feedback, style="cells"),
            self.HOTSPOTS: self.sink(parameters, self.HOTSPOTS, context, res.hotspots, feedback, style="hotspots"),
            self.N_HOTSPOTS: len(res.hotspots),
        }
