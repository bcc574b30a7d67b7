"""bingeo:density: kernel density as a GeoTIFF, pixel for pixel as QGIS's heat map, much faster."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress

Number = QgsProcessingParameterNumber
OUTPUTS = ["raw", "scaled"]


def add_kernel_options(alg: BingeoAlgorithm, density: Any, radius_help: str) -> None:
    """Add RADIUS, CELL_SIZE and KERNEL to ``alg``, as QGIS's heat map names them (``density``: the constants)."""
    alg.add(
        Number(alg.RADIUS, tr("Radius"), Number.Double, defaultValue=500, minValue=0.0001),
        radius_help,
    )
    alg.add(
        Number(alg.CELL_SIZE, tr("Pixel size"), Number.Double, defaultValue=50, minValue=0.0001),
        "Pixel size in metres (at most twice the radius).",
    )
    alg.add(
        QgsProcessingParameterEnum(
            alg.KERNEL,
            tr("Kernel shape"),
            list(density.KERNELS),
            defaultValue=density.KERNELS.index(density.KERNEL),
        ),
        "Kernel shape, as in QGIS's heat map.",
    )


class Density(BingeoAlgorithm):
    """bingeo.kernel_density on a QGIS point layer."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    CELL_SIZE = "CELL_SIZE"
    CONTOURS = "CONTOURS"
    DECAY = "DECAY"
    INPUT = "INPUT"
    KERNEL = "KERNEL"
    OUTPUT = "OUTPUT"
    OUTPUT_VALUES = "OUTPUT_VALUES"
    RADIUS = "RADIUS"
    WEIGHT_FIELD = "WEIGHT_FIELD"

    NAME = "density"
    TITLE = "Kernel density (heat map)"
    DESCRIPTION = (
        "Kernel density of points on the same grid and with the same values as QGIS's Heatmap (Kernel "
        "Density Estimation), computed much faster; optionally density bands as polygons."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        density = library_constants("density")

        self.add_layer(
            self.INPUT,
            "Points",
            [QgsProcessing.TypeVectorPoint],
            "Points in a projected CRS in metres (reproject them first otherwise).",
        )
        add_kernel_options(self, density, "Kernel radius (bandwidth) in metres.")
        self.add(
            QgsProcessingParameterEnum(
                self.OUTPUT_VALUES, tr("Output value scaling"), [tr("raw"), tr("scaled")], defaultValue=0
            ),
            "Raw kernel values (1 at a point with weight 1) or scaled by QGIS's normalising constant.",
        )
        self.add(
            Number(self.DECAY, tr("Decay ratio (triangular kernel)"), Number.Double, defaultValue=density.DECAY),
            "Kernel value at the radius, triangular kernel only.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField(
                self.WEIGHT_FIELD,
                tr("Weight field"),
                None,
                self.INPUT,
                QgsProcessingParameterField.Numeric,
                optional=True,
            ),
            "Numeric field weighting each point.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Density")),
            "The density raster (GeoTIFF); cells no kernel reaches are nodata.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                self.CONTOURS,
                tr("Density bands"),
                QgsProcessing.TypeVectorPolygon,
                optional=True,
                createByDefault=False,
            ),
            "Five density bands (equal intervals) as polygons.",
        )
        self.add_rejects()

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import density, kernel_density

        pts = self.points(parameters, self.INPUT, context, feedback)
        self.check(feedback, 10)
        progress = Progress(feedback, 10, 90)
        raster = kernel_density(
            pts,
            cell_size=self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            radius=self.parameterAsDouble(parameters, self.RADIUS, context),
            kernel=density.KERNELS[self.parameterAsEnum(parameters, self.KERNEL, context)],
            output=OUTPUTS[self.parameterAsEnum(parameters, self.OUTPUT_VALUES, context)],
            decay=self.parameterAsDouble(parameters, self.DECAY, context),
            weight_field=self.parameterAsString(parameters, self.WEIGHT_FIELD, context) or None,
            progress=progress,
            is_cancelled=progress.is_cancelled,
        )
        self.check(feedback)
        path = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        raster.write(path)
        feedback.pushInfo(repr(raster))
        from ..styles import attach_style

        attach_style(context, path, "density")
        out = {self.OUTPUT: path}
        if parameters.get(self.CONTOURS) is not None:
            out["CONTOURS"] = self.sink(parameters, self.CONTOURS, context, raster.contours(), feedback)
        return out
