"""The bingeo Processing algorithms (one module each)."""

from __future__ import annotations

import importlib.util

from .assignpoints import AssignPoints
from .countincidents import CountIncidents
from .coverage import Coverage
from .density import Density
from .evaluate import Evaluate
from .hotspots import Hotspots
from .importnetworks import ImportNetworks
from .proposeareas import ProposeAreas
from .selectrecipients import SelectRecipients

__all__ = ["ALGORITHMS"]

ALGORITHMS: list[type] = [
    ImportNetworks,
    AssignPoints,
    CountIncidents,
    Hotspots,
    Density,
    Coverage,
    ProposeAreas,
    SelectRecipients,
    Evaluate,
]

if importlib.util.find_spec("bingeo.webmap") is not None:  # issue 5: added when bingeo has web maps
    from .webmap import WebMap

    ALGORITHMS.append(WebMap)
