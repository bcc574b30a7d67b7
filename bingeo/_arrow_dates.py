"""Naive datetimes as ISO text in an Arrow array, all rows at once: the one ISO formatter of the writers.

Used by the GeoPackage writer (``bingeo.readers.gpkg_points``: times or dates, as ``strftime`` writes them)
and by the stores (``bingeo.stores.base``: the day of each, as ``date().isoformat()`` gives it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PER_SECOND", "iso_arrow"]

#: Ticks per second of the datetime units :func:`iso_arrow` formats.
PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}

#: "00" … "99" as bytes: the two digits of a number below 100 by one look-up.
_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def _digits(out: np.ndarray, at: int, value: np.ndarray) -> None:
    """Write ``value`` (integers 0 … 99) as two decimal digits into the columns ``at``, ``at + 1`` of ``out``."""
    out[:, at : at + 2] = _PAIRS[value]


def iso_arrow(v: pd.Series, *, days: bool = False) -> Any:
    """Return naive datetimes ``v`` as ISO text in an Arrow string array, null where missing.

    ``2021-01-01T12:45:00`` (the fraction of a second dropped, as ``strftime``'s ``%S``), or ``2021-01-01``
    when every time is midnight; with ``days`` always the day (floored, as a timestamp's ``date()``). The
    digits are computed for all rows at once and the array is made from its buffers (fixed width): no text
    object per row. None: not a naive datetime of a unit in :data:`PER_SECOND`, or a year outside
    1000 … 9999 (the caller's way then).

    >>> import pandas as pd
    >>> iso_arrow(pd.Series(pd.to_datetime(["2024-01-02 23:30", None]))).to_pylist()
    ['2024-01-02T23:30:00', None]
    >>> iso_arrow(pd.Series(pd.to_datetime(["2024-01-02 23:30", None])), days=True).to_pylist()
    ['2024-01-02', None]
    """
    import pyarrow as pa

    t = v.to_numpy()
    if not (isinstance(t.dtype, np.dtype) and t.dtype.kind == "M" and np.datetime_data(t.dtype)[0] in PER_SECOND):
        return None
    per = PER_SECOND[np.datetime_data(t.dtype)[0]]
    ok = ~np.isnat(t)
    ticks = np.where(ok, t.view(np.int64), 0)
    day, in_day = np.divmod(ticks, 86400 * per)
    d = day.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    if ((year < 1000) | (year > 9999)).any():
        return None
    dates_only = days or not in_day[ok].any()
    out = np.empty((len(t), 10 if dates_only else 19), dtype=np.uint8)
    _digits(out, 0, year // 100)
    _digits(out, 2, year % 100)
    _digits(out, 5, months.astype(np.int64) % 12 + 1)
    _digits(out, 8, (d - months).astype(np.int64) + 1)
    out[:, [4, 7]] = ord("-")
    if not dates_only:
        secs = (in_day // per).astype(np.int32)  # whole seconds into the day
        out[:, 10], out[:, [13, 16]] = ord("T"), ord(":")
        _digits(out, 11, secs // 3600)
        _digits(out, 14, secs // 60 % 60)
        _digits(out, 17, secs % 60)
    offsets = pa.py_buffer((np.arange(len(t) + 1, dtype=np.int32) * out.shape[1]).tobytes())
    valid = None if ok.all() else pa.array(ok).buffers()[1]
    return pa.Array.from_buffers(pa.string(), len(t), [valid, offsets, pa.py_buffer(out.tobytes())])
