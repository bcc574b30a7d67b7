"""The Processing provider ``bingeo``: one algorithm per bingeo workflow."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .translation import tr

__all__ = ["BingeoProvider", "algorithm_classes"]


def algorithm_classes() -> list[type]:
    """Return the algorithm classes available with the installed bingeo (webmap only when bingeo.webmap exists)."""
    from .algorithms import ALGORITHMS

    return list(ALGORITHMS)


class BingeoProvider(QgsProcessingProvider):
    """Processing provider with id ``bingeo``."""

    def id(self) -> str:  # noqa: D102
        return "bingeo"

    def name(self) -> str:  # noqa: D102
        return "bingeo"

    def longName(self) -> str:  # noqa: D102, N802
        return tr("bingeo: neighbourhood alert networks (BIN)")

    def icon(self) -> QIcon:  # noqa: D102
        return QIcon(str(Path(__file__).resolve().parent / "icon.png"))

    def loadAlgorithms(self) -> None:  # noqa: D102, N802
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
