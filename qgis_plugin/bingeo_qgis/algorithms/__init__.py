"""The bingeo Processing algorithms (one module each)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

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


def _has_module(name: str) -> bool:
    """Whether ``bingeo.<name>`` exists, without importing bingeo (see ``worker.py``)."""
    spec = importlib.util.find_spec("bingeo")
    return spec is not None and any((Path(p) / f"{name}.py").exists() for p in spec.submodule_search_locations or ())


if _has_module("webmap"):  # issue 5: added when bingeo has web maps
    from .webmap import WebMap

    ALGORITHMS.append(WebMap)

if _has_module("emerging"):  # issue 15: added when bingeo has emerging hot spots
    from .emerging import Emerging

    ALGORITHMS.insert(ALGORITHMS.index(Hotspots) + 1, Emerging)

if _has_module("forecast"):  # issue 15: added when bingeo has ProMap forecasts
    from .forecast import Forecast

    ALGORITHMS.insert(ALGORITHMS.index(Density) + 1, Forecast)

if _has_module("aoristic"):  # issue 15: added when bingeo has time windows (hour-of-week profiles)
    from .profile import Profile

    ALGORITHMS.insert(ALGORITHMS.index(CountIncidents) + 1, Profile)

if _has_module("streets"):  # issue 17: added when bingeo has networks as streets and invitations
    from .invitations import Invitations
    from .liststreets import ListStreets
    from .networksfromstreets import NetworksFromStreets

    ALGORITHMS.insert(ALGORITHMS.index(ImportNetworks) + 1, NetworksFromStreets)
    ALGORITHMS.insert(ALGORITHMS.index(NetworksFromStreets) + 1, ListStreets)
    ALGORITHMS.insert(ALGORITHMS.index(SelectRecipients) + 1, Invitations)
if _has_module("risk"):  # issue 17: added when bingeo has risk per household
    from .densityper import DensityPer

    ALGORITHMS.insert(ALGORITHMS.index(Density) + 1, DensityPer)

if _has_module("plan"):  # issue 17: added when bingeo chooses the best k new areas
    from .planareas import PlanAreas

    ALGORITHMS.insert(ALGORITHMS.index(ProposeAreas) + 1, PlanAreas)
if _has_module("regions"):  # issue 17: added when bingeo has regions (candidate BIN areas)
    from .regions import Regions

    ALGORITHMS.insert(ALGORITHMS.index(ProposeAreas) + 1, Regions)
