"""Styles for the outputs QGIS loads at the end of an algorithm (applied by a layer post-processor)."""

from __future__ import annotations

from typing import Any, Callable

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsMapLayer,
    QgsProcessingLayerPostProcessorInterface,
    QgsRendererCategory,
    QgsRendererRange,
    QgsStyle,
    QgsSymbol,
)
from qgis.PyQt.QtGui import QColor

__all__ = [
    "STYLES",
    "attach_style",
    "style_cells",
    "style_density",
    "style_emerging",
    "style_hotspots",
    "style_proposals",
]

#: Gi* z-score classes (two-sided 90/95/99 % levels), cold blue to hot red.
Z_CLASSES = [
    (-1e9, -2.58, "#2166ac", "cold, 99 %"),
    (-2.58, -1.96, "#67a9cf", "cold, 95 %"),
    (-1.96, -1.65, "#d1e5f0", "cold, 90 %"),
    (-1.65, 1.65, "#f7f7f7", "not significant"),
    (1.65, 1.96, "#fddbc7", "hot, 90 %"),
    (1.96, 2.58, "#ef8a62", "hot, 95 %"),
    (2.58, 1e9, "#b2182b", "hot, 99 %"),
]


def _fill(
    colour: str, outline: str = "0,0,0,0", width: str = "0", style: str = "solid", outline_style: str = "solid"
) -> QgsFillSymbol:
    return QgsFillSymbol.createSimple(
        {
            "color": colour,
            "outline_color": outline,
            "outline_width": width,
            "style": style,
            "outline_style": outline_style,
        }
    )


def style_cells(layer: QgsMapLayer) -> None:
    """Style Gi* cells: graduated by ``gi_z`` in the usual significance classes."""
    ranges = []
    for lo, hi, colour, label in Z_CLASSES:
        ranges.append(QgsRendererRange(lo, hi, _fill(colour), label))
    layer.setRenderer(QgsGraduatedSymbolRenderer("gi_z", ranges))
    layer.setOpacity(0.8)


def style_hotspots(layer: QgsMapLayer) -> None:
    """Style hot spots: red outline; uncovered ones filled."""
    cats = [
        QgsRendererCategory(True, _fill("178,24,43,120", "#b2182b", "0.8"), "uncovered"),
        QgsRendererCategory(False, _fill("0,0,0,0", "#b2182b", "0.8", style="no"), "covered"),
    ]
    layer.setRenderer(QgsCategorizedSymbolRenderer("uncovered", cats))


def style_emerging(layer: QgsMapLayer) -> None:
    """Style emerging hot-spot locations by category, in the web map's colours (bingeo.webmap.EMERGING_COLOURS)."""
    from .deps import library_constants  # the colours of the library, read without importing it

    colours = library_constants("webmap").EMERGING_COLOURS
    cats = [QgsRendererCategory(cat, _fill(colour, colour, "0.2"), cat) for cat, colour in colours.items()]
    cats.append(QgsRendererCategory("No Pattern Detected", _fill("0,0,0,0", "#bbbbbb", "0.1"), "No Pattern Detected"))
    layer.setRenderer(QgsCategorizedSymbolRenderer("category", cats))
    layer.setOpacity(0.8)


def style_proposals(layer: QgsMapLayer) -> None:
    """Style proposed areas: green dashed outline, light fill."""
    from qgis.core import QgsSingleSymbolRenderer

    layer.setRenderer(QgsSingleSymbolRenderer(_fill("51,160,44,50", "#33a02c", "0.8", outline_style="dash")))


def style_points_by_network(layer: QgsMapLayer) -> None:
    """Style assigned points: one colour per network, grey outside every network."""
    idx = layer.fields().indexOf("network_id")
    values = sorted(v for v in layer.uniqueValues(idx) if v not in (None, "") and not str(v) == "NULL")
    ramp = QgsStyle.defaultStyle().colorRamp("Spectral")
    cats = []
    for i, v in enumerate(values):
        sym = QgsSymbol.defaultSymbol(layer.geometryType())
        sym.setColor(ramp.color(i / max(1, len(values) - 1)) if ramp else QColor("#1f78b4"))
        cats.append(QgsRendererCategory(v, sym, str(v)))
    other = QgsSymbol.defaultSymbol(layer.geometryType())
    other.setColor(QColor("#999999"))
    cats.append(QgsRendererCategory(None, other, "(no network)"))
    layer.setRenderer(QgsCategorizedSymbolRenderer("network_id", cats))


def style_density(layer: QgsMapLayer) -> None:
    """Style a density raster: pseudocolour, light yellow to dark red, from 0 to the maximum."""
    from qgis.core import (
        QgsColorRampShader,
        QgsRasterBandStats,
        QgsRasterShader,
        QgsSingleBandPseudoColorRenderer,
    )

    stats = layer.dataProvider().bandStatistics(1, QgsRasterBandStats.Max)
    top = stats.maximumValue if stats.maximumValue > 0 else 1.0
    colours = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    items = [QgsColorRampShader.ColorRampItem(top * i / (len(colours) - 1), QColor(c)) for i, c in enumerate(colours)]
    ramp = QgsColorRampShader(0, top)
    ramp.setColorRampType(QgsColorRampShader.Interpolated)
    ramp.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(0)
    renderer.setClassificationMax(top)
    layer.setRenderer(renderer)
    layer.setOpacity(0.75)


#: Style per algorithm output.
STYLES: dict[str, Callable[[QgsMapLayer], None]] = {
    "cells": style_cells,
    "hotspots": style_hotspots,
    "emerging": style_emerging,
    "proposals": style_proposals,
    "points": style_points_by_network,
    "density": style_density,
}


class _Styler(QgsProcessingLayerPostProcessorInterface):
    """Applies a style to an output layer once QGIS has loaded it."""

    _alive: list[_Styler] = []  # QGIS does not own post-processors: keep them alive

    def __init__(self, style: Callable[[QgsMapLayer], None]) -> None:
        super().__init__()
        self.style = style

    def postProcessLayer(self, layer: QgsMapLayer, context: Any, feedback: Any) -> None:  # noqa: N802
        """Apply the style (QGIS calls this after loading the output)."""
        if layer is not None and layer.isValid():
            self.style(layer)
            layer.triggerRepaint()


#: Styles asked for in this process, by output (the worker reports them to QGIS, see ``worker.py``).
REQUESTED: dict[str, str] = {}


def attach_style(context: Any, dest: str, style: str) -> None:
    """Style output ``dest`` with :data:`STYLES` ``style`` when QGIS loads it at the end of the algorithm."""
    if dest:
        REQUESTED[dest] = style
    if not dest or not context.willLoadLayerOnCompletion(dest):
        return
    styler = _Styler(STYLES[style])
    _Styler._alive.append(styler)
    context.layerToLoadOnCompletionDetails(dest).setPostProcessor(styler)
