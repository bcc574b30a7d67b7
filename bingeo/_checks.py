"""Checks of option values shared by the modules that draw areas (``propose``, ``regions``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

from bingeo.addresses import column_named
from bingeo.errors import InputError
from bingeo.members import WHATSAPP_MAX_MEMBERS

__all__ = ["check_number", "check_household_range", "find_column", "polsby_popper"]


def check_number(value: Any, name: str, *, minimum: float, inclusive: bool = True) -> float:
    """Return ``value`` as a float; TypeError when it is no number, InputError when below ``minimum`` or not finite.

    Examples
    --------
    >>> check_number(3, "buffer", minimum=0)
    3.0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        msg = f"`{name}` should be a number, got {type(value).__name__}"
        raise TypeError(msg)
    ok = value >= minimum if inclusive else value > minimum
    if not ok or not math.isfinite(float(value)):
        op = ">=" if inclusive else ">"
        msg = f"`{name}` must be a finite number {op} {minimum:g}, got {value!r}."
        raise InputError(msg)
    return float(value)


def check_household_range(min_households: Any, max_households: Any, *, kind: str) -> tuple[float, float]:
    """Return the floor and ceiling of households, checked: floor <= ceiling, and <= 256 for a WhatsApp group.

    Examples
    --------
    >>> check_household_range(50, 250, kind="whatsapp")
    (50.0, 250.0)
    """
    lo = check_number(min_households, "min_households", minimum=0)
    hi = check_number(max_households, "max_households", minimum=0, inclusive=False)
    if lo > hi:
        msg = (
            f"`min_households` ({min_households}) is larger than `max_households` ({max_households}). "
            "Swap them, or raise `max_households`."
        )
        raise InputError(msg)
    if kind == "whatsapp" and hi > WHATSAPP_MAX_MEMBERS:
        msg = (
            f"`max_households`={max_households} does not fit a WhatsApp group, which holds at most "
            f"{WHATSAPP_MAX_MEMBERS} members. Use `max_households={WHATSAPP_MAX_MEMBERS}` or less "
            f"(`--max-households {WHATSAPP_MAX_MEMBERS}`), or `kind='bin'`."
        )
        raise InputError(msg)
    return lo, hi


def polsby_popper(geom: Any) -> float:
    """Polsby-Popper compactness: 4 pi area / perimeter², 1 for a disc.

    Examples
    --------
    >>> round(polsby_popper(shapely.box(0, 0, 1, 1)), 3)
    0.785
    """
    length = float(shapely.length(geom))
    return 4.0 * math.pi * float(shapely.area(geom)) / length**2 if length > 0 else 1.0


def find_column(frame: pd.DataFrame, given: str | None, known: tuple[str, ...], option: str) -> str | None:
    """Return the column ``given`` (checked), else the first of ``known`` present (any case), else None.

    Examples
    --------
    >>> find_column(pd.DataFrame({"Straat": ["A"]}), None, ("straat", "street"), "street_field")
    'Straat'
    """
    if given is not None:
        if given not in frame.columns:
            columns = ", ".join(map(str, frame.columns))
            msg = f"`{option}`={given!r} is not a column of `addresses`. Columns: {columns}."
            raise InputError(msg)
        return given
    col = column_named(frame.columns, known)
    return None if col is None else str(col)
