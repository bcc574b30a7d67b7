"""bingeo: Buurtinformatienetwerken (BIN) on a map.

A registry of network boundaries (BIN, Z-BIN, WhatsApp-buurtpreventie), points
(incidents, addresses) assigned to the networks that cover them, and counts per
network. The public API is flat: ``bingeo.open_store``, ``bingeo.assign``, ...
"""

from __future__ import annotations

from bingeo import settings
from bingeo._errors import BingeoError, ConflictError, CRSError, CRSMismatchError, InputError, StoreError
from bingeo.assign import assign, select_valid
from bingeo.counts import count_incidents
from bingeo.density import DensityRaster, kernel_density
from bingeo.evaluate import PredictiveAccuracy, predictive_accuracy
from bingeo.hotspots import GiStar, Grid, HotspotResult, benjamini_hochberg, find_hotspots
from bingeo.coverage import CoverageReport, coverage
from bingeo.propose import propose_areas
from bingeo.members import MembersResult, members_from_file, members_from_frame
from bingeo.recipients import Selection, area_around, area_from_file, select_recipients, write_recipients
from bingeo.alerting import Alert, follow_up, send_alert
from bingeo.readers import ReadResult, read_points, read_polygons, rejects_path, write_table
from bingeo.registry import check_networks, import_networks, networks_from_file, networks_from_frame
from bingeo.stores import ImportReport, Store, open_store

__version__ = "0.1.0"

__all__ = [
    "settings",
    "BingeoError",
    "ConflictError",
    "CRSError",
    "CRSMismatchError",
    "InputError",
    "StoreError",
    "assign",
    "select_valid",
    "count_incidents",
    "coverage",
    "kernel_density",
    "DensityRaster",
    "find_hotspots",
    "GiStar",
    "Grid",
    "HotspotResult",
    "benjamini_hochberg",
    "predictive_accuracy",
    "propose_areas",
    "members_from_file",
    "members_from_frame",
    "MembersResult",
    "select_recipients",
    "write_recipients",
    "area_from_file",
    "area_around",
    "Selection",
    "send_alert",
    "follow_up",
    "Alert",
    "PredictiveAccuracy",
    "CoverageReport",
    "check_networks",
    "import_networks",
    "networks_from_file",
    "networks_from_frame",
    "ImportReport",
    "Store",
    "open_store",
    "ReadResult",
    "read_points",
    "read_polygons",
    "rejects_path",
    "write_table",
]
