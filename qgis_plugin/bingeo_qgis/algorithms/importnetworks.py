"""bingeo:importnetworks: a polygon layer into a store (added / updated by id, history kept)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..translation import tr
from .base import BingeoAlgorithm

KINDS = ["", "bin", "zbin", "whatsapp"]


class ImportNetworks(BingeoAlgorithm):
    """Import network boundaries into a bingeo store."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    ADDED = "ADDED"
    EFFECTIVE = "EFFECTIVE"
    ID_FIELD = "ID_FIELD"
    INPUT = "INPUT"
    KIND = "KIND"
    KIND_FIELD = "KIND_FIELD"
    NAME_FIELD = "NAME_FIELD"
    STORE = "STORE"
    STORE_CRS = "STORE_CRS"
    UNCHANGED = "UNCHANGED"
    UPDATED = "UPDATED"

    NAME = "importnetworks"
    TITLE = "Import networks into a store"
    GROUP = "networks"
    DESCRIPTION = (
        "Adds the polygons of a layer to a bingeo store (a GeoPackage, created when it does not exist) "
        "as networks. Re-importing the same ids updates them; earlier versions are kept as history."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_layer(
            self.INPUT,
            "Network boundaries",
            [QgsProcessing.TypeVectorPolygon],
            "Polygons of the networks (any CRS); several features with one id become one network.",
        )
        self.add(
            QgsProcessingParameterFileDestination(self.STORE, tr("Store"), tr("GeoPackage (*.gpkg)")),
            "The store: a GeoPackage file. An existing store is updated, never overwritten.",
        )
        self.add(
            QgsProcessingParameterField(self.ID_FIELD, tr("Id field"), None, self.INPUT, optional=True),
            "Column with the stable network id (default: found automatically).",
        )
        self.add(
            QgsProcessingParameterField(self.NAME_FIELD, tr("Name field"), None, self.INPUT, optional=True),
            "Column with the network name (default: found automatically).",
        )
        self.add(
            QgsProcessingParameterEnum(
                self.KIND,
                tr("Kind for all networks"),
                [tr("(from the kind field)"), "bin", "zbin", "whatsapp"],
                defaultValue=0,
            ),
            "One kind for every network: BIN, Z-BIN (shops) or WhatsApp group.",
        )
        self.add(
            QgsProcessingParameterField(self.KIND_FIELD, tr("Kind field"), None, self.INPUT, optional=True),
            "Column with the kind (bin, zbin, whatsapp; Dutch names understood).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterString(self.EFFECTIVE, tr("Effective date (YYYY-MM-DD)"), optional=True),
            "Date from which changed boundaries apply (default today).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterCrs(self.STORE_CRS, tr("CRS of a new store"), optional=True),
            "CRS of a NEW store (default: the layer's). An existing store keeps its CRS.",
            advanced=True,
        )
        self.addOutput(
            QgsProcessingOutputVectorLayer(self.NETWORKS, tr("Networks in the store"), QgsProcessing.TypeVectorPolygon)
        )
        self.addOutput(QgsProcessingOutputNumber(self.ADDED, tr("Networks added")))
        self.addOutput(QgsProcessingOutputNumber(self.UPDATED, tr("Networks updated")))
        self.addOutput(QgsProcessingOutputNumber(self.UNCHANGED, tr("Networks unchanged")))

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo.registry import import_networks

        from ..adapter import crs_to_pyproj

        store_path = self.parameterAsFileOutput(parameters, self.STORE, context)
        frame = self.frame(parameters, self.INPUT, context, feedback)
        kind = KINDS[self.parameterAsEnum(parameters, self.KIND, context)] or None
        effective_text = self.parameterAsString(parameters, self.EFFECTIVE, context).strip()
        effective = dt.date.fromisoformat(effective_text) if effective_text else None
        store_crs = self.parameterAsCrs(parameters, self.STORE_CRS, context)
        self.check(feedback, 10)
        # the library's one import flow: a store in degrees gets its national grid, a store is created
        # only when its first import succeeds, broken boundaries are repaired or rejected with the reason
        report = import_networks(
            frame,
            store_path,
            name=self.source_name(parameters, self.INPUT, context),
            store_crs=crs_to_pyproj(store_crs) if store_crs.isValid() else None,
            id_field=self.parameterAsString(parameters, self.ID_FIELD, context) or None,
            name_field=self.parameterAsString(parameters, self.NAME_FIELD, context) or None,
            kind=kind,
            kind_field=self.parameterAsString(parameters, self.KIND_FIELD, context) or None,
            effective=effective,
        )
        self.check(feedback, 90)
        feedback.pushInfo(report.summary())
        return {
            self.STORE: store_path,
            self.NETWORKS: f"{store_path}|layername=networks",
            self.ADDED: len(report.added),
            self.UPDATED: len(report.updated),
            self.UNCHANGED: len(report.unchanged),
        }
