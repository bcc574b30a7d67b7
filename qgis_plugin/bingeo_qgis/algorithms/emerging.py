"""bingeo:emerging: emerging hot spots (space-time Gi*, Mann-Kendall trends, ArcGIS's categories)."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress
from .hotspots import cell_size_parameter

Number = QgsProcessingParameterNumber


class Emerging(BingeoAlgorithm):
    """bingeo.find_emerging on QGIS layers."""

    ALPHA = "ALPHA"
    CELL_SIZE = "CELL_SIZE"
    CUBE = "CUBE"
    DATE_FIELD = "DATE_FIELD"
    DISTANCE = "DISTANCE"
    END = "END"
    FDR = "FDR"
    INPUT = "INPUT"
    INTERVAL = "INTERVAL"
    LOCATIONS = "LOCATIONS"
    MIN_COVERAGE = "MIN_COVERAGE"
    N_EMERGING = "N_EMERGING"
    RINGS = "RINGS"
    START = "START"
    STUDY_AREA = "STUDY_AREA"
    TIME_WINDOW = "TIME_WINDOW"
    TYPES = "TYPES"
    TYPE_FIELD = "TYPE_FIELD"

    AS_OF = "parameter"
    NAME = "emerging"
    TITLE = "Emerging hot spots (space-time Gi* trends)"
    DESCRIPTION = (
        "Counts incidents per grid cell and whole time step (a space-time cube), computes Gi* per bin with "
        "neighbours in the same step and the steps before it, tests each cell's trend (Mann-Kendall) and gives it "
        "ArcGIS's Emerging Hot Spot category (new, consecutive, intensifying, persistent, diminishing, sporadic, "
        "oscillating, historical hot or cold spot). New and intensifying hot spots that no network covers are "
        "listed first in the log."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        hotspots = library_constants("hotspots")
        emerging = library_constants("emerging")
        self.intervals = list(emerging.INTERVALS)

        self.add_layer(
            self.INPUT,
            "Incidents",
            [QgsProcessing.TypeVectorPoint],
            "Incident points with a date; analysed in the networks' CRS when networks are given.",
        )
        self.add_networks(optional=True)
        self.add_layer(
            self.STUDY_AREA,
            "Study area",
            [QgsProcessing.TypeVectorPolygon],
            "Polygons of the area analysed (cells whose centre lies in it). Default: the incidents' extent.",
            optional=True,
        )
        self.add(
            QgsProcessingParameterEnum(
                self.INTERVAL,
                tr("Time step"),
                options=self.intervals,
                defaultValue=self.intervals.index(emerging.INTERVAL),
            ),
            "Length of a time step; only whole steps are used (a partial last step is dropped and said).",
        )
        self.add(
            Number(
                self.TIME_WINDOW,
                tr("Neighbourhood time steps"),
                Number.Integer,
                defaultValue=emerging.TIME_WINDOW,
                minValue=0,
            ),
            "Steps before each bin's own step in its Gi* neighbourhood (ArcGIS's neighbourhood time step).",
        )
        self.add(
            cell_size_parameter(self.CELL_SIZE),
            "Side of a grid cell in metres. 0 = automatic (the rule of the hot spots).",
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
            "Significance level of Gi* (false discovery rate with FDR) and of the trend test.",
        )
        self.add(
            QgsProcessingParameterBoolean(self.FDR, tr("Benjamini-Hochberg correction"), defaultValue=True),
            "Correct the p-values over all bins for multiple testing (recommended).",
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
            "A cell is uncovered when less than this share of it lies in a network.",
            advanced=True,
        )
        self.add_incident_filters(self.INPUT)
        self.add_time_options(self.INPUT)
        self.add(
            QgsProcessingParameterFeatureSink(
                self.LOCATIONS, tr("Emerging hot spot locations"), QgsProcessing.TypeVectorPolygon
            ),
            "One square per cell with incidents or a pattern: category, trend_tau/z/p, covered_share, network_id.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                self.CUBE, tr("Space-time cube"), QgsProcessing.TypeVector, optional=True, createByDefault=False
            ),
            "One row per cell and step (a table): row, col, step, step_start, count, gi_z, gi_p, hot.",
        )
        self.addOutput(QgsProcessingOutputNumber(self.N_EMERGING, tr("New or intensifying hot spots uncovered")))
        self.add_rejects()

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import find_emerging, type_column
        from bingeo.emerging import INTERVALS

        from ..adapter import polygon_union

        nets = self.networks(parameters, context, feedback, optional=True)
        inc = self.points(parameters, self.INPUT, context, feedback)
        date_field = self.parameterAsString(parameters, self.DATE_FIELD, context) or None
        inc, timing = self.timed(parameters, context, feedback, inc, date_field=date_field, need="emerging needs")
        crs = nets.crs if nets is not None else inc.crs
        inc = self.to_crs(inc, crs)
        area = self.to_crs(self.frame(parameters, self.STUDY_AREA, context, feedback, optional=True), crs)
        self.check(feedback, 30)
        types = [t.strip() for t in self.parameterAsString(parameters, self.TYPES, context).split(",") if t.strip()]
        type_field = self.parameterAsString(parameters, self.TYPE_FIELD, context) or None
        if types and type_field is None:
            type_field = type_column(inc, types)
        res = find_emerging(
            inc,
            networks=nets,
            study_area=None if area is None else polygon_union(area),
            interval=INTERVALS[self.parameterAsEnum(parameters, self.INTERVAL, context)],
            time_window=self.parameterAsInt(parameters, self.TIME_WINDOW, context),
            cell_size=self.parameterAsDouble(parameters, self.CELL_SIZE, context) or None,
            rings=self.parameterAsInt(parameters, self.RINGS, context),
            distance=self.parameterAsDouble(parameters, self.DISTANCE, context) or None,
            alpha=self.parameterAsDouble(parameters, self.ALPHA, context),
            fdr=self.parameterAsBool(parameters, self.FDR, context),
            min_coverage=self.parameterAsDouble(parameters, self.MIN_COVERAGE, context),
            type_field=type_field,
            types=types or None,
            date_field=date_field,
            start=self.parameterAsString(parameters, self.START, context).strip() or None,
            end=self.parameterAsString(parameters, self.END, context).strip() or None,
            **timing,
            **Progress(feedback, 30, 70).kwargs(find_emerging),
        )
        self.check(feedback, 70)
        for note in res.notes:
            feedback.pushInfo(note)
        feedback.pushInfo(res.summary())
        out = {
            self.LOCATIONS: self.sink(parameters, self.LOCATIONS, context, res.locations, feedback, style="emerging"),
            self.N_EMERGING: len(res.emerging),
        }
        if parameters.get(self.CUBE) is not None:
            cube = res.cube.assign(step_start=res.cube["step_start"].dt.strftime("%Y-%m-%d"))
            out[self.CUBE] = self.sink(parameters, self.CUBE, context, cube, feedback)
        return out
