"""What the command modules of ``bingeo.cli`` share: error translation, option types and point reading.

Every command module imports from here (never from :mod:`bingeo.cli.main`), so the modules form no loop:
``main`` defines the ``bingeo`` group and adds the commands of the other modules to it.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bingeo.errors import BingeoError

log = logging.getLogger("bingeo.cli")

__all__ = [
    "Default",
    "date_fields_for",
    "date_value",
    "dated",
    "edges_text",
    "fields_value",
    "friendly",
    "type_field_for",
    "usable",
    "option_default",
    "period_text",
    "period_value",
    "points_options",
    "read_points_for_store",
    "rejects_beside",
    "store_option",
    "with_options",
    "write_rejects",
]


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BingeoError as exc:
            raise click.ClickException(str(exc)) from None
        except NotImplementedError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def date_value(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """Read a day option (``--from``, ``--at``) with THE date parser, so 2022-06-01 is always 1 June."""
    if value is None:
        return None
    from bingeo.errors import InputError
    from bingeo.incidents import period

    try:
        got = period(value, None, names=(param.opts[0] if param.opts else "DATE", ""))
    except InputError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None
    assert got.first is not None
    return got.first


def fields_value(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r}: use FIELD=COLUMN, e.g. municipality=GM_NAAM")
        k, c = v.split("=", 1)
        out[k.strip()] = c.strip()
    return out


store_option = click.option(
    "--store",
    required=True,
    metavar="STORE",
    help="The store: a GeoPackage file such as bins.gpkg, or a PostGIS schema "
    "postgresql://user@host/db?schema=bingeo (password from PGPASSWORD, ~/.pgpass or a service file).",
)


points_options = [
    click.option("--layer", help="Layer of a multi-layer source (GeoPackage)."),
    click.option(
        "--sheet",
        help="Sheet of a spreadsheet (.xlsx, .xls, .ods); default: the sheet with coordinate columns.",
    ),
    click.option("--crs", "crs", help="CRS of inputs that carry none (CSV), e.g. 28992, 31370, 4326."),
    click.option("--x-field", help="Column with the x / longitude coordinate (default: found automatically)."),
    click.option("--y-field", help="Column with the y / latitude coordinate (default: found automatically)."),
]


def with_options(options: list[Callable[..., Any]]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(options):
            fn = opt(fn)
        return fn

    return deco


def read_points_for_store(
    points: str,
    st: Any,
    layer: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
    *,
    sheet: str | None = None,
    date_field: str | None = None,
    target_crs: str | None = None,
) -> Any:
    """Read POINTS into the store's CRS, checked against its extent (without a store: into ``target_crs``).

    ``--date-field`` is parsed as dates; a file none of whose rows is usable fails with the likely cause.
    """
    from bingeo.readers import read_points

    result = read_points(
        points,
        layer=layer,
        sheet=sheet,
        crs=crs,
        x_field=x_field,
        y_field=y_field,
        target_crs=st.crs if st is not None else target_crs,
        extent=st.extent() if st is not None else None,
        date_fields=date_fields_for(date_field),
    )
    return usable(result)


def usable(result: Any, *, crs_option: str = "--crs") -> Any:
    """Return ``result`` when it has usable rows; else fail with the likely cause and the option to give.

    A command whose input rows were ALL rejected must not end with exit 0 and an empty result.
    """
    from bingeo.errors import InputError

    if len(result.points):
        hint = result.crs_hint
        if hint and hint.get("epsg") is not None:
            log.warning(
                "%s: %s of %s located rows fall outside %s: the coordinates look like %s; give %s %s",
                result.source,
                f"{hint['n_far']:,}",
                f"{hint['n_located']:,}",
                hint["where"],
                hint["label"],
                crs_option,
                hint["epsg"],
            )
        return result
    msg = f"{result.summary()}: no row can be used."
    hint = result.crs_hint
    if hint and hint.get("epsg") is not None:
        msg += (
            f" The coordinates fall outside {hint['where']}; they look like {hint['label']} "
            f"({hint['share']:.0%} of them fall inside with it): give {crs_option} {hint['epsg']}"
        )
        msg += " and swap --x-field/--y-field." if hint.get("swap") else "."
    elif hint:
        msg += (
            f" The coordinates fall outside {hint['where']} in every CRS tried: check the coordinate columns "
            f"(--x-field/--y-field) and {crs_option}."
        )
    else:
        msg += " See the reasons above; fix the file or the options and run again."
    raise InputError(msg)


def date_fields_for(date_field: str | None) -> list[str] | None:
    """``read_points``' ``date_fields`` for ``--date-field``: that column, or detection (split columns too)."""
    if date_field is None or "," in date_field:
        return None
    return [date_field]


def dated(read: Any, date_field: str | None, need: str) -> Any:
    """Move the incidents without a usable date to the rejects (for commands that use dates)."""
    from bingeo.incidents import require_dates

    return require_dates(read, date_field=date_field, need=need)


def rejects_beside(store: str, source: str) -> str:
    """Where an import's rejected rows go: beside a store file, or beside SOURCE for a server store."""
    from bingeo.stores import is_postgis_url

    beside = Path(source) if is_postgis_url(store) else Path(store)
    return str(beside.with_name(Path(source).stem + ".csv"))


def write_rejects(result: Any, output: str) -> str | None:
    from bingeo.readers import rejects_path, write_table

    path = rejects_path(output)
    if len(result.rejects):
        write_table(result.rejects, path)
        return str(path)
    Path(path).unlink(missing_ok=True)
    return None


def period_value(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[dt.date, dt.date] | None:
    """Read a ``FROM/TO`` option (``--fit``, ``--before``): the days FROM and TO, both included."""
    if value is None:
        return None
    from bingeo.errors import InputError
    from bingeo.incidents import parse_period

    name = param.opts[0] if param.opts else "FROM/TO"
    try:
        got = parse_period(value, name=name)
    except InputError as exc:
        raise click.BadParameter(str(exc)) from None
    assert got.first is not None and got.last is not None
    return got.first, got.last


def period_text(value: tuple[Any, Any] | None, dates: Any = None, *, start: Any = None, end: Any = None) -> str:
    """Return the exact interval used and its length: ``2014-01-01 to 2014-12-31 (both included, 365 days)``."""
    from bingeo.incidents import period

    a, b = value if value is not None else (start, end)
    return period(a, b).describe(dates)


class Default:
    """An option's default read from a library constant, written once in its module.

    The module is imported only when the default is needed (the command runs, or its help is shown), so the
    CLI starts without importing every workflow. ``click`` calls the object for the value and prints ``str()``
    of it in the help.

    Parameters
    ----------
    module, name : str
        Where the constant lives, e.g. ``"bingeo.evaluate"``, ``"BUFFER"``.
    form : callable, optional
        Turns the constant into the option's text form (e.g. band edges into ``0,100,200``).
    """

    def __init__(self, module: str, name: str, form: Callable[[Any], Any] | None = None) -> None:
        self.module, self.name, self.form = module, name, form

    def __call__(self) -> Any:
        value = getattr(importlib.import_module(self.module), self.name)
        return self.form(value) if self.form else value

    def __str__(self) -> str:
        return str(self())


def option_default(constant: str, *decls: str, form: Callable[[Any], Any] | None = None, **kwargs: Any) -> Any:
    """Return a ``click.option`` whose shown default is the library constant ``constant`` (``"bingeo.module.NAME"``)."""
    module, name = constant.rsplit(".", 1)
    return click.option(*decls, default=Default(module, name, form), show_default=True, **kwargs)


def edges_text(values: Any) -> str:
    """Band edges as an option writes them: ``0,100,200``."""
    return ",".join(f"{v:g}" for v in values)


def type_field_for(points: Any, types: Any, type_field: str | None) -> str | None:
    """Return the type column for ``--type``: ``--type-field``, else :func:`bingeo.incidents.type_column`."""
    if not types or type_field:
        return type_field
    from bingeo.incidents import type_column

    return type_column(points, list(types))
