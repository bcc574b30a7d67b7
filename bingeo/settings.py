"""User-settable options, as typed module globals.

Set them before calling bingeo, e.g. ``bingeo.settings.lock_timeout = 60``.

lock_timeout : float
    Seconds a writer waits for another writer's lock on a GeoPackage store
    before giving up with a clear error. Default 30.
sliver_ratio : float
    An overlap or gap is a *sliver* when its thinness (4πA/P², 1 for a circle)
    is below this value. Default 0.1.
sliver_area : float
    An overlap or gap smaller than this many square metres is a sliver whatever
    its shape (digitising noise between neighbouring boundaries). Default 10 m².
gap_max_area : float
    `networks check` reports holes in the union of active networks up to this
    many square metres as *gaps* (larger holes are simply uncovered areas).
    Default 10,000 m² (1 ha).
"""

from __future__ import annotations

lock_timeout: float = 30.0
sliver_ratio: float = 0.1
sliver_area: float = 10.0
gap_max_area: float = 10_000.0
