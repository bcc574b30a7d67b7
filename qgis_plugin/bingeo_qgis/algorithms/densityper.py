"""bingeo:densityper: incidents per 1,000 households, the two kernel densities divided on QGIS's grid."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress
from .density import add_kernel_options

Number = QgsProcessingParameterNumber


class DensityPer(BingeoAlgorithm):
    """bingeo.density_per_households on QGIS point layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSES = "ADDRESSES"
    CELL_SIZE = "CELL_SIZE"
    HOUSEHOLDS_FIELD = "HOUSEHOLDS_FIELD"
    INPUT = "INPUT"
    KERNEL = "KERNEL"
    MIN_HOUSEHOLDS = "MIN_HOUSEHOLDS"
    OUTPUT = "OUTPUT"
    RADIUS = "RADIUS"

    NAME = "densityper"
    TITLE = "Risk per household (density)"
    DESCRIPTION = (
        "Incidents per 1,000 households: the incidents' kernel density divided by the households' kernel density, "
        "same kernel, radius and grid (QGIS's heat map grid of both layers), so a busy shopping street does not "
        "outrank a street of often-burgled homes."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        density = library_constants("density")
        risk = library_constants("risk")

        self.add_layer(self.INPUT, "Incidents", [QgsProcessing.TypeVectorPoint], "Incident points.")
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points, optionally with households per address.",
        )
        add_kernel_options(self, density, "Kernel radius (bandwidth) in metres, the same for both densities.")
        self.add(
            Number(
                self.MIN_HOUSEHOLDS,
                tr("Minimum households nearby"),
                Number.Double,
                defaultValue=risk.MIN_HOUSEHOLDS,
                minValue=0,
            ),
            "Cells with fewer households nearby (kernel-weighted) get no rate (nodata), so one house does not "
            "dominate.",
        )
        self.add(
            QgsProcessingParameterField(
                self.HOUSEHOLDS_FIELD, tr("Households field"), None, self.ADDRESSES, optional=True
            ),
            "Households per address (default: households, huishoudens... else 1).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Incidents per 1,000 households")),
            "The rate raster (GeoTIFF); cells without enough households are nodata.",
        )
        self.add_rejects()

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import density, density_per_households

        inc = self.points(parameters, self.INPUT, context, feedback)
        adr = self.to_crs(self.points(parameters, self.ADDRESSES, context, feedback), inc.crs)
        self.check(feedback, 10)
        progress = Progress(feedback, 10, 90)
        raster = density_per_households(
            inc,
            adr,
            cell_size=self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            radius=self.parameterAsDouble(parameters, self.RADIUS, context),
            kernel=density.KERNELS[self.parameterAsEnum(parameters, self.KERNEL, context)],
            households_field=self.parameterAsString(parameters, self.HOUSEHOLDS_FIELD, context) or None,
            min_households=self.parameterAsDouble(parameters, self.MIN_HOUSEHOLDS, context),
            progress=progress,
        )
        self.check(feedback)
        path = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        raster.write(path)
        feedback.pushInfo(raster.summary())
        from ..styles import attach_style

        attach_style(context, path, "density")
        return {self.OUTPUT: path}
