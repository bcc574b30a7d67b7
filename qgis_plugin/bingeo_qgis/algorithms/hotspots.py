"""bingeo:hotspots: Gi* hot spots on a grid (FDR-corrected), ranked, with network coverage."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..translation import tr
from .base import BingeoAlgorithm

Number = QgsProcessingParameterNumber


class Hotspots(BingeoAlgorithm):
    """bingeo.find_hotspots on QGIS layers."""

    NAME = "hotspots"
    TITLE = "Hot spots (Gi*) and their coverage"
    DESCRIPTION = (
        "Counts incidents on a square grid, computes Getis-Ord Gi* per cell with a Benjamini-Hochberg "
        "false discovery rate, joins hot cells into hot spots and ranks them: hot spots that no network "
        "covers first."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_layer(
            "INPUT",
            "Incidents",
            [QgsProcessing.TypeVectorPoint],
            "Incident points; analysed in the networks' CRS when networks are given, else in their own "
            "(which must be projected, in metres).",
        )
        self.add_networks(optional=True)
        self.add_layer(
            "ADDRESSES",
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points: adds the number of addresses per hot spot.",
            optional=True,
        )
        self.add_layer(
            "STUDY_AREA",
            "Study area",
            [QgsProcessing.TypeVectorPolygon],
            "Polygons of the area analysed (cells whose centre lies in it). Default: the incidents' extent.",
            optional=True,
        )
        self.add(
            Number("CELL_SIZE", tr("Cell size"), Number.Double, defaultValue=0, minValue=0),
            "Side of a grid cell in CRS units (metres). 0: chosen from the data (the rule is reported).",
        )
        self.add(
            Number("RINGS", tr("Neighbourhood rings"), Number.Integer, defaultValue=1, minValue=1),
            "Gi* neighbourhood: the cell and N rings of cells around it (1 = 3 x 3).",
            advanced=True,
        )
        self.add(
            Number("DISTANCE", tr("Neighbourhood distance"), Number.Double, defaultValue=0, minValue=0),
            "Gi* neighbourhood as a distance band in metres instead of rings (0: use rings).",
            advanced=True,
        )
        self.add(
            Number("ALPHA", tr("Significance level"), Number.Double, defaultValue=0.05, minValue=1e-6, maxValue=0.5),
            "Significance level (false discovery rate with FDR), default 0.05.",
        )
        self.add(
            QgsProcessingParameterBoolean("FDR", tr("Benjamini-Hochberg correction"), defaultValue=True),
            "Correct the p-values over all cells for multiple testing (recommended).",
            advanced=True,
        )
        self.add(
            Number(
                "MIN_COVERAGE", tr("Minimum covered share"), Number.Double, defaultValue=0.5, minValue=0, maxValue=1
            ),
            "A hot spot is uncovered when less than this share of its incidents lies in a network.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField("TYPE_FIELD", tr("Type field"), None, "INPUT", optional=True),
            "Incident type field, to keep only some types.",
        )
        self.add(
            QgsProcessingParameterString("TYPES", tr("Types to keep (comma separated)"), optional=True),
            "Incident types to keep (exact text), e.g. woninginbraak.",
        )
        self.add(
            QgsProcessingParameterField("DATE_FIELD", tr("Date field"), None, "INPUT", optional=True),
            "Date of the incident (default: the first date/time field).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterString("START", tr("From (YYYY-MM-DD, included)"), optional=True),
            "Keep incidents from this date (included).",
        )
        self.add(
            QgsProcessingParameterString("END", tr("To (YYYY-MM-DD, excluded)"), optional=True),
            "Keep incidents before this date (excluded).",
        )
        self.add(
            QgsProcessingParameterFeatureSink("CELLS", tr("Gi* cells"), QgsProcessing.TypeVectorPolygon),
            "One square per cell: row, col, count, gi_z, gi_p, hot, cold.",
        )
        self.add(
            QgsProcessingParameterFeatureSink("HOTSPOTS", tr("Hot spots"), QgsProcessing.TypeVectorPolygon),
            "Hot spots ranked (uncovered first): incidents, area_m2, max_z, covered_share, network_ids.",
        )
        self.addOutput(QgsProcessingOutputNumber("N_HOTSPOTS", tr("Hot spots found")))

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import find_hotspots

        from ..adapter import polygon_union

        nets = self.networks(parameters, context, feedback, optional=True)
        inc = self.frame(parameters, "INPUT", context, feedback)
        crs = nets.crs if nets is not None else inc.crs
        inc = self.to_crs(inc, crs)
        adr = self.to_crs(self.frame(parameters, "ADDRESSES", context, feedback, optional=True), crs)
        area = self.to_crs(self.frame(parameters, "STUDY_AREA", context, feedback, optional=True), crs)
        self.check(feedback, 30)
        types = [t.strip() for t in self.parameterAsString(parameters, "TYPES", context).split(",") if t.strip()]
        res = find_hotspots(
            inc,
            networks=nets,
            addresses=adr,
            study_area=None if area is None else polygon_union(area),
            cell_size=self.parameterAsDouble(parameters, "CELL_SIZE", context) or None,
            rings=self.parameterAsInt(parameters, "RINGS", context),
            distance=self.parameterAsDouble(parameters, "DISTANCE", context) or None,
            alpha=self.parameterAsDouble(parameters, "ALPHA", context),
            fdr=self.parameterAsBool(parameters, "FDR", context),
            min_coverage=self.parameterAsDouble(parameters, "MIN_COVERAGE", context),
            type_field=self.parameterAsString(parameters, "TYPE_FIELD", context) or None,
            types=types or None,
            date_field=self.parameterAsString(parameters, "DATE_FIELD", context) or None,
            start=self.parameterAsString(parameters, "START", context).strip() or None,
            end=self.parameterAsString(parameters, "END", context).strip() or None,
        )
        self.check(feedback, 70)
        for note in res.notes:
            feedback.pushInfo(note)
        feedback.pushInfo(res.summary())
        return {
            "CELLS": self.sink(parameters, "CELLS", context, res.cells, feedback, style="cells"),
            "HOTSPOTS": self.sink(parameters, "HOTSPOTS", context, res.hotspots, feedback, style="hotspots"),
            "N_HOTSPOTS": len(res.hotspots),
        }
