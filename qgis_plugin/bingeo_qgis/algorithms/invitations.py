"""bingeo:invitations: the addresses inside an area as a mail-merge list and address labels (A4, 3 x 8)."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm


class Invitations(BingeoAlgorithm):
    """bingeo.invitation_list, write_invitations and write_labels on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDRESSEE = "ADDRESSEE"
    ADDRESSES = "ADDRESSES"
    AREA = "AREA"
    CSV = "CSV"
    LABELS = "LABELS"
    OUTPUT = "OUTPUT"

    NAME = "invitations"
    TITLE = "Invitations for an area"
    GROUP = "alerts"
    DESCRIPTION = (
        "The addresses (never persons) inside an area, to invite the residents to an information evening: "
        "sorted for delivery on foot (street by street, up the odd side and down the even side), as a "
        "mail-merge list and printable address labels (A4, 3 x 8)."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        invitations = library_constants("invitations")
        self.add_layer(
            self.AREA,
            "Area",
            [QgsProcessing.TypeVectorPolygon],
            "The area: a network, a proposed area or a drawn polygon (only the selected features, if asked).",
        )
        self.add_layer(
            self.ADDRESSES,
            "Addresses",
            [QgsProcessing.TypeVectorPoint],
            "Address points with street and house-number fields; postcode and city are used when present.",
        )
        self.add(
            QgsProcessingParameterString(self.ADDRESSEE, tr("Addressee"), invitations.ADDRESSEE),
            "First line of every label: the residents, never a person.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Invitation list"), QgsProcessing.TypeVector),
            "order, addressee, street, house_number, postcode, city and the three label lines.",
        )
        self.add(
            QgsProcessingParameterFileDestination(
                self.CSV, tr("Mail-merge list"), tr("CSV (*.csv)"), optional=True, createByDefault=False
            ),
            "The list as ;-CSV, UTF-8 with BOM (Excel and Word with a Dutch locale).",
        )
        self.add(
            QgsProcessingParameterFileDestination(
                self.LABELS, tr("Address labels"), tr("PDF (*.pdf)"), optional=True, createByDefault=False
            ),
            "Printable address labels: A4 pages of 3 x 8 labels.",
        )

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo import invitation_list, write_invitations, write_labels

        area = self.frame(parameters, self.AREA, context, feedback)
        adr = self.to_crs(self.frame(parameters, self.ADDRESSES, context, feedback), area.crs)
        self.check(feedback, 30)
        inv = invitation_list(area, adr, addressee=self.parameterAsString(parameters, self.ADDRESSEE, context))
        feedback.pushInfo(tr("{n} addresses on {k} streets").format(n=len(inv), k=inv["street"].nunique()))
        out = {self.OUTPUT: self.sink(parameters, self.OUTPUT, context, inv, feedback)}
        for name, write in ((self.CSV, write_invitations), (self.LABELS, write_labels)):
            path = self.parameterAsFileOutput(parameters, name, context) if parameters.get(name) else ""
            if path:
                write(inv, path)
                out[name] = path
        return out
