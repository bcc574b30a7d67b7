"""Which incidents: the one rule for selecting incidents by type, period and date column.

Every workflow that filters incidents (``counts``, ``hotspots``, ``pai``, ``evaluate``, ``nearrepeat``,
``density``, ``map``, the CLI and the QGIS plugin) uses these functions, so that ``--type``,
``--type-field``, ``--date-field`` and the periods mean the same everywhere:

* **Type column** (:func:`type_column`): the column named by ``type_field``; else the one text column
  holding every wanted value (when several do, the one named like :data:`TYPE_FIELD_NAMES`).
* **Date column** (:func:`date_column`): the column named by ``date_field``; else the first column that
  holds dates (:func:`bingeo.read_points` parses columns named like ``datum``/``date``/``tijd``).
  ``YEAR,MONTH,DAY`` (three comma-separated columns) is read as a date too (:func:`incident_dates`).
* **Dates** (:func:`parse_date_column`): date columns are used as they are; text is read by THE date
  parser, :func:`bingeo.readers.values.parse_dates` (ISO 8601 first, then day-first as Dutch and Belgian
  exports write dates, month-first only when it explains every value); where it cannot read the column
  as a whole, each value is read on its own and unreadable values are unknown (NaT), never a guess.
* **Periods** (:func:`period_selector`): ``[from, to)``, the TO date excluded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import geopandas as gpd
import pandas as pd

from bingeo.errors import InputError
from bingeo.readers.values import parse_date_values, parse_dates

__all__ = [
    "TYPE_FIELD_NAMES",
    "type_column",
    "select_types",
    "date_column",
    "parse_date_column",
    "incident_dates",
    "incident_days",
    "period_selector",
]

#: Column names tried first for the incident type when several columns hold the wanted values.
TYPE_FIELD_NAMES = ("soort_delict", "soort", "delict", "type", "offence", "offense", "category", "crime_type")


def _columns(frame: pd.DataFrame) -> str:
    return ", ".join(map(str, frame.columns))


def type_column(frame: pd.DataFrame, types: Sequence[str], *, type_field: str | None = None) -> str:
    """Return the column holding the incident type: ``type_field``, or found from the wanted ``types``.

    Parameters
    ----------
    frame : DataFrame
        The incidents.
    types : sequence of str
        The wanted values (exact text).
    type_field : str, optional
        The column, when the user named it.

    Returns
    -------
    str
        The column name.

    Raises
    ------
    InputError
        The named column is missing, or no single column holds every wanted value.

    Examples
    --------
    >>> import pandas as pd
    >>> type_column(pd.DataFrame({"soort_delict": ["woninginbraak"], "straat": ["A"]}), ["woninginbraak"])
    'soort_delict'
    """
    if type_field is not None:
        if type_field not in frame.columns:
            msg = f"no column {type_field!r} (the incident type) in the incidents; columns: {_columns(frame)}."
            raise InputError(msg)
        return type_field
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    wanted = {str(t) for t in types}
    candidates = [
        c
        for c in frame.columns
        if c != geometry
        and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
        and wanted <= set(frame[c].dropna().astype(str))
    ]
    if len(candidates) > 1:
        named = [c for c in candidates if str(c).lower() in TYPE_FIELD_NAMES]
        candidates = named or candidates
    if len(candidates) != 1:
        found = "none" if not candidates else ", ".join(map(str, candidates))
        msg = (
            f"type {', '.join(map(str, types))}: cannot tell which column holds the incident type "
            f"(columns with these values: {found}). Name it (`type_field`, --type-field); "
            f"columns: {_columns(frame)}."
        )
        raise InputError(msg)
    return str(candidates[0])


def select_types(
    points: pd.DataFrame, types: Sequence[str] | None, *, type_field: str | None = None
) -> tuple[pd.DataFrame, str | None]:
    """Keep the incidents whose type is one of ``types``; find the type column when it is not named.

    Parameters
    ----------
    points : DataFrame
        The incidents.
    types : sequence of str or None
        Wanted values (exact text). None or empty: all incidents, column None.
    type_field : str, optional
        The type column. Default: found by :func:`type_column`.

    Returns
    -------
    (DataFrame, str or None)
        The selected rows (a new frame) and the column used.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"soort_delict": ["woninginbraak", "vernieling"], "straat": ["A", "B"]})
    >>> sel, col = select_types(df, ["woninginbraak"])
    >>> len(sel), col
    (1, 'soort_delict')
    """
    if not types:
        return points, None
    type_field = type_column(points, types, type_field=type_field)
    keep = points[type_field].astype(str).isin([str(t) for t in types]).to_numpy()
    if not keep.any():
        values = ", ".join(sorted(points[type_field].dropna().astype(str).unique())[:15])
        msg = (
            f"no incidents of type {', '.join(map(str, types))} in column {type_field!r}; its values include: {values}."
        )
        raise InputError(msg)
    return points[keep], type_field


def date_column(
    frame: pd.DataFrame, date_field: str | None = None, *, need: str = "this needs", what: str = "incidents"
) -> str:
    """Return the date column: ``date_field``, else the first column holding dates.

    Parameters
    ----------
    frame : DataFrame
        The incidents.
    date_field : str, optional
        The column, when the user named it.
    need : str
        Who needs the dates, for the message (e.g. ``"counting by period needs"``).
    what : str
        Name of the frame in messages.

    Returns
    -------
    str
        The column name.
    """
    if date_field is not None:
        if date_field not in frame.columns:
            msg = f"no date column {date_field!r} in the {what}. Columns: {_columns(frame)}."
            raise InputError(msg)
        return date_field
    for c in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[c]):
            return str(c)
    msg = (
        f"{need} a date column, and no column of the {what} was recognised as dates. "
        f"Name it with `date_field` (`--date-field`; three columns as YEAR,MONTH,DAY also work). "
        f"Columns: {_columns(frame)}."
    )
    raise InputError(msg)


def parse_date_column(values: pd.Series) -> pd.Series:
    """Return a column as tz-naive datetimes: dates as they are, text read by THE date parser (NaT if unknown).

    Examples
    --------
    >>> import pandas as pd
    >>> parse_date_column(pd.Series(["2022-06-01", "31-12-2022", "nonsense"])).dt.strftime("%Y-%m-%d").tolist()
    ['2022-06-01', '2022-12-31', nan]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values
    else:
        dates, _ = parse_dates(values)
        if dates is None:
            dates = parse_date_values(values)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return dates


def incident_dates(frame: pd.DataFrame, *, date_field: str | None = None, what: str = "incidents") -> pd.Series:
    """Return the incidents' dates and times (datetime64, tz-naive), NaT where unknown.

    ``date_field`` as :func:`date_column`; three comma-separated columns are read as year, month, day (as in
    the Vancouver police data: ``YEAR,MONTH,DAY``).
    """
    if date_field is not None and "," in date_field:
        parts = [p.strip() for p in date_field.split(",")]
        missing = [p for p in parts if p not in frame.columns]
        if len(parts) != 3 or missing:
            msg = (
                f"`date_field` {date_field!r}: give one date column, or three columns year,month,day "
                f"(missing in {what}: {', '.join(missing) or '-'}). Columns: {_columns(frame)}."
            )
            raise InputError(msg)
        ymd = {k: pd.to_numeric(frame[p], errors="coerce") for k, p in zip(("year", "month", "day"), parts)}
        return pd.to_datetime(pd.DataFrame(ymd, index=frame.index), errors="coerce")
    col = date_column(frame, date_field, need="reading incident dates needs", what=what)
    return parse_date_column(frame[col])


def incident_days(frame: pd.DataFrame, *, date_field: str | None = None, what: str = "incidents") -> pd.Series:
    """Calendar dates of incidents (datetime64, time of day dropped); NaT where unknown.

    Parameters
    ----------
    frame : DataFrame
        The incidents.
    date_field : str, optional
        The date column. Default: the first column holding dates (``read_points``
        parses columns named like ``datum``/``date``/``tijd``). Three or more
        comma-separated columns are read as year, month, day (as in the Vancouver
        police data: ``YEAR,MONTH,DAY``).
    what : str
        Name of the frame in error messages.

    Returns
    -------
    Series
        ``datetime64[ns]`` dates on the frame's index.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"YEAR": [2023, 2023], "MONTH": [1, 2], "DAY": [31, 30]})
    >>> incident_days(df, date_field="YEAR,MONTH,DAY").dt.strftime("%Y-%m-%d").tolist()   # 30 February: NaT
    ['2023-01-31', nan]
    """
    return incident_dates(frame, date_field=date_field, what=what).dt.normalize().astype("datetime64[ns]")


def period_selector(
    frame: pd.DataFrame,
    *,
    date_field: str | None = None,
    types: Sequence[str] | None = None,
    type_field: str | None = None,
) -> Callable[[tuple[dt.date, dt.date]], pd.DataFrame]:
    """Return ``select(period)``: the incidents of ``types`` whose date is in ``[from, to)``.

    The type column is found by :func:`type_column`, the dates by :func:`incident_dates`; rows without a
    date are in no period. Used by ``bingeo pai`` for its fit and test periods.
    """
    dates = incident_dates(frame, date_field=date_field)
    keep = pd.Series(True, index=frame.index)
    if types:
        col = type_column(frame, types, type_field=type_field)
        keep &= frame[col].astype(str).isin([str(t) for t in types])

    def select(period: tuple[dt.date, dt.date]) -> pd.DataFrame:
        lo, hi = pd.Timestamp(period[0]), pd.Timestamp(period[1])
        return frame[keep & (dates >= lo) & (dates < hi)]

    return select
