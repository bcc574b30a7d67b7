"""bingeo: Buurtinformatienetwerken (BIN) on a map.

A registry of network boundaries (BIN, Z-BIN, WhatsApp-buurtpreventie), points
(incidents, addresses) assigned to the networks that cover them, and counts per
network. The public API is flat: ``bingeo.open_store``, ``bingeo.assign``, ...
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from bingeo import settings
from bingeo.errors import (
    AssetsMissingError,
    BingeoError,
    CancelledError,
    ConflictError,
    ContactError,
    CRSError,
    CRSMismatchError,
    DriverMissingError,
    InputError,
    MailError,
    StoreError,
)

#: Everything else is imported when first used (PEP 562), so that a command line
#: that needs one workflow does not pay for the imports of all the others.
_LAZY = {
    # answers, activity and members' data (issue 16)
    "import_replies": "bingeo.replies",
    "relay_replies": "bingeo.replies",
    "set_contact_consent": "bingeo.replies",
    "network_activity": "bingeo.activity",
    "activity_popups": "bingeo.activity",
    "forget_member": "bingeo.memberdata",
    "export_person": "bingeo.memberdata",
    "purge_members": "bingeo.memberdata",
    # sending an alert by e-mail, SMS segments
    "send_email": "bingeo.sending",
    "smtp_settings": "bingeo.sending",
    "SendReport": "bingeo.sending",
    "template_text": "bingeo.sending",
    "sms_segments": "bingeo.sms",
    "sms_warnings": "bingeo.sms",
    "assign": "bingeo.assign",
    "select_valid": "bingeo.assign",
    "coverage": "bingeo.coverage",
    "CoverageReport": "bingeo.coverage",
    # incidents known by a time window (aoristic weights)
    "hour_of_week": "bingeo.aoristic",
    "incident_windows": "bingeo.aoristic",
    "period_shares": "bingeo.aoristic",
    "time_bins": "bingeo.aoristic",
    "window_columns": "bingeo.aoristic",
    # CRS helpers (one place for CRS conversion; the QGIS plugin uses them at its boundary)
    "to_crs": "bingeo._crs",
    "same_crs": "bingeo._crs",
    "national_grid": "bingeo._crs",
    "reactivate_network": "bingeo.registry",
    "metric_crs": "bingeo._crs",
    "to_metric": "bingeo._crs",
    "count_incidents": "bingeo.counts",
    "DensityRaster": "bingeo.density",
    "kernel_density": "bingeo.density",
    "PredictiveAccuracy": "bingeo.evaluate",
    "predictive_accuracy": "bingeo.evaluate",
    "run_evaluation": "bingeo.evaluate",
    "Evaluation": "bingeo.evaluate",
    "GiStar": "bingeo.hotspots",
    "Grid": "bingeo.hotspots",
    "HotspotResult": "bingeo.hotspots",
    "benjamini_hochberg": "bingeo.hotspots",
    "find_hotspots": "bingeo.hotspots",
    "EmergingHotSpots": "bingeo.emerging",
    # where risk is raised next (ProMap), forecast scores and the weekly backtest
    "Forecast": "bingeo.forecast",
    "ForecastScore": "bingeo.forecast",
    "Backtest": "bingeo.forecast",
    "forecast": "bingeo.forecast",
    "backtest": "bingeo.forecast",
    "promap_risk": "bingeo.forecast",
    "kde_risk": "bingeo.forecast",
    "score_cells": "bingeo.forecast",
    "score_hotspots": "bingeo.forecast",
    "top_cells": "bingeo.forecast",
    "EmergingResult": "bingeo.emerging",
    "MannKendall": "bingeo.emerging",
    "find_emerging": "bingeo.emerging",
    "mann_kendall": "bingeo.emerging",
    "propose_areas": "bingeo.propose",
    # networks as streets (charters) and invitations to the information evening
    "network_from_streets": "bingeo.streets",
    "streets_in_areas": "bingeo.streets",
    "read_charter": "bingeo.streets",
    "FromStreetsResult": "bingeo.streets",
    "invitation_list": "bingeo.invitations",
    "write_invitations": "bingeo.invitations",
    "write_labels": "bingeo.invitations",
    # planning new networks: risk per household and the best k areas
    "plan_areas": "bingeo.plan",
    "PlanResult": "bingeo.plan",
    "households_per_address": "bingeo.addresses",
    "density_per_households": "bingeo.risk",
    "risk_at_addresses": "bingeo.risk",
    # candidate BIN areas dividing an uncovered area (max-p regions)
    "divide_regions": "bingeo.regions",
    "RegionsResult": "bingeo.regions",
    "MembersResult": "bingeo.members",
    "members_from_file": "bingeo.members",
    "import_members": "bingeo.members",
    "ROW_RULES_VERSION": "bingeo.members",
    "members_from_frame": "bingeo.members",
    "full_whatsapp_groups": "bingeo.members",
    "mark_missing_members_left": "bingeo.members",
    "WHATSAPP_MAX_MEMBERS": "bingeo.members",
    "Selection": "bingeo.recipients",
    "area_around": "bingeo.recipients",
    "area_from_file": "bingeo.recipients",
    "select_recipients": "bingeo.recipients",
    "write_recipients": "bingeo.recipients",
    "Alert": "bingeo.alerting",
    "follow_up": "bingeo.alerting",
    "send_alert": "bingeo.alerting",
    "ReadResult": "bingeo.readers",
    "read_points": "bingeo.readers",
    "points_from_frame": "bingeo.readers",
    "read_polygons": "bingeo.readers",
    "rejects_path": "bingeo.readers",
    "write_table": "bingeo.readers",
    "check_networks": "bingeo.registry",
    "import_networks": "bingeo.registry",
    "networks_from_file": "bingeo.registry",
    "networks_from_frame": "bingeo.registry",
    "ImportReport": "bingeo.stores",
    "Store": "bingeo.stores",
    "open_store": "bingeo.stores",
    "NearRepeat": "bingeo.nearrepeat",
    "AlertSuggestion": "bingeo.nearrepeat",
    "suggest_alert": "bingeo.nearrepeat",
    "alert_radius": "bingeo.nearrepeat",
    "incident_days": "bingeo.incidents",
    "select_types": "bingeo.incidents",
    "incident_dates": "bingeo.incidents",
    "type_column": "bingeo.incidents",
    "date_column": "bingeo.incidents",
    "period_selector": "bingeo.incidents",
    "before_after": "bingeo.evaluate",
    "BeforeAfter": "bingeo.evaluate",
    "around_founding": "bingeo.evaluate",
    "evaluate_networks": "bingeo.evaluate",
    "NetworkEvaluations": "bingeo.evaluate",
    "write_chart": "bingeo.evaluate",
    "networks_alive": "bingeo.evaluate",
    "founding_date": "bingeo.evaluate",
    "copy_store": "bingeo.stores",
    "assign_in_database": "bingeo.stores.postgis_assign",
    "web_map": "bingeo.webmap",
    "save_map": "bingeo.webmap",
}


#: Public functions named like the module that holds them: ``bingeo.assign`` is the function, never the module.
_SHADOWED = ("assign", "coverage", "forecast")


class _Package(types.ModuleType):
    """The ``bingeo`` package: keeps ``bingeo.assign``, ``bingeo.coverage`` and ``bingeo.forecast`` the functions.

    Importing a submodule binds it on its package (``setattr(bingeo, "assign", <module>)``); with the
    functions loaded lazily, that would replace the function by the module. This keeps the function.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'bingeo' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "settings",
    "BingeoError",
    "ConflictError",
    "CRSError",
    "CRSMismatchError",
    "InputError",
    "StoreError",
    "AssetsMissingError",
    "CancelledError",
    "ContactError",
    "DriverMissingError",
    "MailError",
    *_LAZY,
]
