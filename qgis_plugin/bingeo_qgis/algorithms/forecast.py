"""bingeo:forecast: where risk is raised next (ProMap prospective hot-spotting) and which networks to warn."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress
from .hotspots import cell_size_parameter

Number = QgsProcessingParameterNumber


class Forecast(BingeoAlgorithm):
    """bingeo.forecast on QGIS layers."""

    AREA_SHARE = "AREA_SHARE"
    AS_OF_DATE = "AS_OF_DATE"
    CELL_SIZE = "CELL_SIZE"
    DATE_FIELD = "DATE_FIELD"
    DAYS = "DAYS"
    INPUT = "INPUT"
    N_NETWORKS = "N_NETWORKS"
    OUTPUT = "OUTPUT"
    PERMUTATIONS = "PERMUTATIONS"
    RADIUS = "RADIUS"
    RANKING = "RANKING"
    STUDY_AREA = "STUDY_AREA"
    TYPES = "TYPES"
    TYPE_FIELD = "TYPE_FIELD"
    WINDOW_DAYS = "WINDOW_DAYS"

    AS_OF = "parameter"
    NAME = "forecast"
    TITLE = "Forecast: where risk is raised next (ProMap)"
    DESCRIPTION = (
        "Each recent incident raises the risk in the cells around it for the following days, less with distance "
        "and age: 1/(1 + distance in cells) x 1/(1 + age in weeks) (Bowers, Johnson & Pease 2004). The distance "
        "and the days come from a Knox near-repeat test on the year before (400 m and 60 days when there is no "
        "pattern). Gives the risk per cell and the networks holding the highest-risk cells, most risk first: the "
        "networks to warn."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        forecast = library_constants("forecast")
        nearrepeat = library_constants("nearrepeat")
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
            QgsProcessingParameterString(self.AS_OF_DATE, tr("First day of the forecast (YYYY-MM-DD)"), optional=True),
            "Incidents from this day on are not used. Default: the day after the last incident.",
        )
        self.add(
            Number(self.DAYS, tr("Days"), Number.Integer, defaultValue=forecast.DAYS, minValue=1, maxValue=366),
            "Days the forecast is for.",
        )
        self.add(
            Number(
                self.AREA_SHARE,
                tr("Share of the area at highest risk"),
                Number.Double,
                defaultValue=forecast.AREA_SHARE,
                minValue=0.0001,
                maxValue=1,
            ),
            "Share of the study area's cells that are 'highest risk'.",
        )
        self.add(
            cell_size_parameter(self.CELL_SIZE),
            "Side of a grid cell in metres. 0 = automatic (the rule of the hot spots).",
        )
        self.add(
            Number(
                self.RADIUS, tr("Near-repeat distance (m; 0 = Knox test)"), Number.Double, defaultValue=0, minValue=0
            ),
            "How far a fresh incident raises the risk. 0: from the Knox test.",
            advanced=True,
        )
        self.add(
            Number(
                self.WINDOW_DAYS,
                tr("Near-repeat days (0 = Knox test)"),
                Number.Integer,
                defaultValue=0,
                minValue=0,
                maxValue=3660,
            ),
            "How long a fresh incident raises the risk. 0: from the Knox test.",
            advanced=True,
        )
        self.add(
            Number(
                self.PERMUTATIONS,
                tr("Permutations of the Knox test"),
                Number.Integer,
                defaultValue=nearrepeat.PERMUTATIONS,
                minValue=0,
                maxValue=99999,
            ),
            "Monte Carlo permutations of the Knox test.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField(self.TYPE_FIELD, tr("Type field"), None, self.INPUT, optional=True),
            "Incident type field, to keep only some types.",
        )
        self.add(
            QgsProcessingParameterString(self.TYPES, tr("Types to keep (comma separated)"), optional=True),
            "Incident types to keep (exact text), e.g. woninginbraak.",
        )
        self.add(
            QgsProcessingParameterField(self.DATE_FIELD, tr("Date field"), None, self.INPUT, optional=True),
            "Date of the incident (default: the first date/time field).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Risk per cell"), QgsProcessing.TypeVectorPolygon),
            "One square per cell with a risk above 0: row, col, risk, rank, top (highest risk), network_id.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                self.RANKING, tr("Networks to warn"), QgsProcessing.TypeVector, optional=True, createByDefault=False
            ),
            "One row per network holding highest-risk cells (a table): top_cells, top_area_m2, risk, rank.",
        )
        self.addOutput(QgsProcessingOutputNumber(self.N_NETWORKS, tr("Networks to warn")))
        self.add_rejects()

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import forecast, type_column

        from ..adapter import polygon_union

        nets = self.networks(parameters, context, feedback, optional=True)
        inc = self.points(parameters, self.INPUT, context, feedback)
        crs = nets.crs if nets is not None else inc.crs
        inc = self.to_crs(inc, crs)
        area = self.to_crs(self.frame(parameters, self.STUDY_AREA, context, feedback, optional=True), crs)
        self.check(feedback, 20)
        types = [t.strip() for t in self.parameterAsString(parameters, self.TYPES, context).split(",") if t.strip()]
        type_field = self.parameterAsString(parameters, self.TYPE_FIELD, context) or None
        if types and type_field is None:
            type_field = type_column(inc, types)
        res = forecast(
            inc,
            networks=nets,
            study_area=None if area is None else polygon_union(area),
            as_of=self.parameterAsString(parameters, self.AS_OF_DATE, context).strip() or None,
            days=self.parameterAsInt(parameters, self.DAYS, context),
            area_share=self.parameterAsDouble(parameters, self.AREA_SHARE, context),
            cell_size=self.parameterAsDouble(parameters, self.CELL_SIZE, context) or None,
            radius=self.parameterAsDouble(parameters, self.RADIUS, context) or None,
            window_days=self.parameterAsInt(parameters, self.WINDOW_DAYS, context) or None,
            permutations=self.parameterAsInt(parameters, self.PERMUTATIONS, context),
            type_field=type_field,
            types=types or None,
            date_field=self.parameterAsString(parameters, self.DATE_FIELD, context) or None,
            **Progress(feedback, 20, 80).kwargs(forecast),
        )
        self.check(feedback, 80)
        feedback.pushInfo(res.summary())
        out = {
            self.OUTPUT: self.sink(parameters, self.OUTPUT, context, res.cells, feedback),
            self.N_NETWORKS: len(res.networks),
        }
        if parameters.get(self.RANKING) is not None:
            out[self.RANKING] = self.sink(parameters, self.RANKING, context, res.networks, feedback)
        return out
