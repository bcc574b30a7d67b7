"""The one result protocol: every result object has ``notes``, ``summary()`` and a JSON-safe ``as_dict()``.

:class:`Result` gives a dataclass result an ``as_dict()`` built from its fields by :func:`json_safe`: numbers,
text, lists and dicts as they are; NaN and infinities as None; dates as ISO text; a CRS as its label; and a
table or geometry as its size only (``{"rows": n}``), so member data in a frame never reaches a JSON file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import numpy as np

__all__ = ["Result", "json_safe"]


def json_safe(value: Any) -> Any:
    """Return ``value`` as plain JSON data (``json.dumps(..., allow_nan=False)`` accepts it).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> json_safe({"a": np.float64("nan"), "b": pd.Timestamp("2024-01-02"), 3: (np.int64(4), None)})
    {'a': None, 'b': '2024-01-02T00:00:00', '3': [4, None]}
    >>> json_safe(pd.DataFrame({"name": ["private"]}))
    {'rows': 1}
    """
    import pandas as pd

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return {"rows": len(value)}
    if isinstance(value, np.ndarray):
        return {"shape": list(value.shape)} if value.ndim > 1 or value.size > 1000 else json_safe(value.tolist())
    if value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.as_dict() if hasattr(value, "as_dict") else json_safe(dataclasses.asdict(value))
    if hasattr(value, "to_wkt") and hasattr(value, "is_geographic"):  # a pyproj CRS
        from bingeo._crs import crs_label

        return crs_label(value)
    if hasattr(value, "geom_type"):  # a shapely geometry: its kind only
        return {"geometry": value.geom_type}
    return str(value)


class Result:
    """Mixin of bingeo's result dataclasses: ``as_dict()`` from the fields, made JSON-safe.

    A result class lists ``notes: list[str]`` among its fields and defines ``summary()``; a class that needs
    another JSON form defines its own ``as_dict()``.
    """

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-safe data (frames as their row counts)."""
        return {f.name: json_safe(getattr(self, f.name)) for f in dataclasses.fields(self)}
