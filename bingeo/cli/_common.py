"""What the command modules of ``bingeo.cli`` share: error translation, option types and point reading.

Every command module imports from here (never from :mod:`bingeo.cli.main`), so the modules form no loop:
``main`` defines the ``bingeo`` group and adds the commands of the other modules to it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from bingeo.errors import BingeoError

log = logging.getLogger("bingeo.cli")

__all__ = [
    "CALL_ADVICE",
    "extent_with",
    "Default",
    "Number",
    "OptionNames",
    "INPUT_NAMES",
    "OUTPUT_NAMES",
    "PARAMETER_ALIASES",
    "POSITIVE",
    "PROBABILITY",
    "SHARE",
    "Whole",
    "cli_message",
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
    "progress_bar",
    "points_options",
    "read_points_for_store",
    "refuse_output_over_input",
    "rejects_beside",
    "store_option",
    "time_options",
    "windows_text",
    "windows_or_dates",
    "with_options",
    "write_rejects",
]


#: Library parameter names that an option of another name stands for (``name`` -> the click parameter's name).
#: Names equal to a click parameter's name need no entry: ``cell_size`` becomes ``--cell-size`` by itself.
PARAMETER_ALIASES: dict[str, tuple[str, ...]] = {
    "start": ("start", "fit", "before"),  # hotspots --from; pai --fit; evaluate --before
    "end": ("end", "fit", "before"),
    "gap_max_area": ("gap_area",),
    "fdr": ("no_fdr",),
    "target_crs": ("to_crs",),
    "crs_of_xy": ("around_crs",),
    "points": ("incidents", "points", "source"),
    "store_crs": ("store_crs", "crs"),
    "months": ("around_founding",),
    "network_ids": ("network_ids",),
    "output": ("output_values", "output"),
    "date_fields": ("date_field",),
}

#: Python calls a library message may give as advice, and what a command-line user does instead.
CALL_ADVICE: dict[str, str] = {
    "to_crs": "a metric CRS: `--to-crs 28992` (or 31370, 3812) where the command has it, else a store in a "
    "metric CRS (`bingeo store init STORE --crs 28992`)",
    "estimate_utm_crs": "the UTM zone's EPSG code (e.g. `--to-crs 32631`)",
    "read_points": "`bingeo addresses import ADDRESSES.csv --store STORE` (the store's addresses are then used)",
}

_BACKTICKED = re.compile(r"`([^`\n]+)`")
_CALL = re.compile(r"^[A-Za-z_][\w.]*\.(\w+)\(.*\)$")


def _option_text(param: click.Parameter) -> str:
    if isinstance(param, click.Argument) or not param.opts:
        return (param.name or "").upper()
    longs = [o for o in param.opts if o.startswith("--")]
    return (longs or param.opts)[0]


def cli_message(message: str, ctx: click.Context | None = None) -> str:
    """Say a library message in the words of the command line that ran it.

    Backticked library parameter names become the current command's options as typed (`cell_size` ->
    `--cell-size`, `start`/`end` -> `--from`/`--to`, `store_crs` -> `--store-crs`); names are matched to the
    command's click parameters by name, then through :data:`PARAMETER_ALIASES`. A backticked Python call given
    as advice (`incidents.to_crs(28992)`) is replaced by what a command-line user does instead
    (:data:`CALL_ADVICE`). Anything else is left as it is.

    Parameters
    ----------
    message : str
        The message of a :class:`bingeo.errors.BingeoError`.
    ctx : click.Context, optional
        The running command's context (default: the current one).

    Returns
    -------
    str
    """
    ctx = ctx or click.get_current_context(silent=True)
    params: dict[str, click.Parameter] = {}
    while ctx is not None:
        for p in ctx.command.params:
            if p.name and p.name not in params and p.name not in ("verbose", "quiet", "version", "help"):
                params[p.name] = p
        ctx = ctx.parent

    def replace(match: re.Match[str]) -> str:
        text = match.group(1)
        call = _CALL.match(text)
        if call:
            return CALL_ADVICE.get(call.group(1), "the matching command-line option (see `--help`)")
        for name in (text, *PARAMETER_ALIASES.get(text, ())):
            if name in params:
                return f"`{_option_text(params[name])}`"
        return match.group(0)

    return _BACKTICKED.sub(replace, message)


#: Parameters (by click name) that name a file bingeo reads, besides every ``click.Path`` that is not an output.
INPUT_NAMES = ("store", "store_opt", "location", "source")

#: Parameters that name a file bingeo writes.
OUTPUT_NAMES = ("output", "target")


def _same_file(a: str, b: str) -> bool:
    from bingeo.stores import is_postgis_url

    if is_postgis_url(a) or is_postgis_url(b):
        return False
    return os.path.realpath(a) == os.path.realpath(b)


def refuse_output_over_input(ctx: click.Context) -> None:
    """Refuse a command whose output would overwrite one of its inputs (links resolved), naming both options.

    Inputs are every path parameter that is not an output, and the store; outputs are ``--output`` (with the
    rejects file written beside it, unless the command sets ``writes_rejects = False``) and ``TARGET``.

    Raises
    ------
    click.UsageError
        ``bingeo assign same.csv ... --output same.csv``.
    """
    inputs: list[tuple[click.Parameter, str]] = []
    outputs: list[tuple[click.Parameter, str]] = []
    for p in ctx.command.params:
        value = ctx.params.get(p.name or "")
        if not isinstance(value, str) or not value:
            continue
        if p.name in OUTPUT_NAMES:
            outputs.append((p, value))
        elif p.name in INPUT_NAMES or isinstance(p.type, click.Path):
            inputs.append((p, value))
    for out_param, out in outputs:
        written = [out]
        if out_param.name == "output" and Path(out).suffix and getattr(ctx.command, "writes_rejects", True):
            from bingeo.readers import rejects_path  # imports pandas: only for commands that write rejects

            written.append(str(rejects_path(out)))
        for in_param, source in inputs:
            if in_param is out_param:
                continue
            for w in written:
                if _same_file(w, source):
                    what = "" if w == out else f" (its rejects file {w})"
                    msg = (
                        f"{_option_text(out_param)} {out}{what} is the same file as {_option_text(in_param)} "
                        f"{source}: writing it would destroy the input. Give {_option_text(out_param)} another name."
                    )
                    raise click.UsageError(msg, ctx)


def _echo_as_typed(echo: Callable[..., Any]) -> Callable[..., Any]:
    """``click.echo`` that says library parameter names as options (:func:`cli_message`) in text it prints."""

    @functools.wraps(echo)
    def say(message: Any = None, *args: Any, **kwargs: Any) -> Any:
        return echo(cli_message(message) if isinstance(message, str) else message, *args, **kwargs)

    return say


class OptionNames(logging.Filter):
    """A logging filter that says library parameter names in log lines as the running command's options."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        if click.get_current_context(silent=True) is not None:
            record.msg, record.args = cli_message(record.getMessage()), ()
        return True


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command so that every error bingeo raises on purpose ends it with a message (exit code 1).

    The message names the options as the user typed them (:func:`cli_message`). A store file the system
    refuses to open or write (a read-only folder or file) is a :class:`bingeo.errors.StoreError` message too.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            refuse_output_over_input(ctx)
        echo = click.echo
        click.echo = _echo_as_typed(echo)  # summaries and notes too; restored below
        try:
            return fn(*args, **kwargs)
        except (BingeoError, NotImplementedError) as exc:
            raise click.ClickException(cli_message(str(exc))) from None
        finally:
            click.echo = echo

    return wrapper


class Number(click.FloatRange):
    """A finite number in a range (``nan`` and ``inf`` refused), shown with its valid range in errors and help.

    Parameters
    ----------
    min, max : float, optional
        The bounds.
    min_open, max_open : bool
        Whether a bound itself is refused (``--cell-size 0`` is).
    """

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
            self.fail(f"{value!r} is not a finite number; give a number {self._describe_range()}.", param, ctx)
        return super().convert(value, param, ctx)


class Whole(click.IntRange):
    """A whole number in a range, shown with its valid range in errors and help."""

    name = "integer"


#: Ranges of the numeric options, one place for all commands (``Number(min=0, min_open=True)`` = above 0).
POSITIVE = Number(min=0, min_open=True, max=1e7)  # metres: up to 10,000 km
SHARE = Number(min=0, max=1)
PROBABILITY = Number(min=0, max=1, min_open=True, max_open=True)


@contextlib.contextmanager
def progress_bar(what: str) -> Iterator[Callable[[float], None] | None]:
    """Show a progress bar for long work on a terminal; yield the ``progress`` callback for the library.

    The bar is tqdm's, on standard error: small, with no dependencies of its own, and it draws nothing
    when standard error is not a terminal (a pipe, a file, CI). With the global ``--quiet`` there is no
    bar either; then (and off a terminal) ``None`` is yielded, so the library does not even report.

    Parameters
    ----------
    what : str
        What is being done, shown before the bar (``assigning``).

    Yields
    ------
    callable or None
        ``progress(share)`` with the share done, 0 to 1.
    """
    ctx = click.get_current_context(silent=True)
    quiet = bool(ctx and ctx.find_root().params.get("quiet"))
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    fmt = "{desc}: {percentage:3.0f}%|{bar}| {elapsed} elapsed, {remaining} left"
    with tqdm(total=1000, desc=what, file=sys.stderr, leave=False, bar_format=fmt, mininterval=0.2) as bar:

        def update(share: float) -> None:
            bar.update(max(round(share * 1000) - bar.n, 0))

        yield update


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
    geometry: bool = True,
    extent: Any = None,
    grow_extent: bool = False,
) -> Any:
    """Read POINTS into the store's CRS, checked against its extent (without a store: into ``target_crs``).

    ``--date-field`` is parsed as dates; a file none of whose rows is usable fails with the likely cause.
    ``geometry=False``: the points as a table and coordinates (``read_points(geometry=False)``).
    ``extent``: check against this extent instead (e.g. :func:`extent_with` the areas a command plans in).
    ``grow_extent``: grow it to the input's own core (``read_points(grow_extent=True)``), for commands that look
    at incidents or addresses beyond the networks (hot spots, density, coverage, counts, proposals).
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
        extent=extent if extent is not None else (st.extent() if st is not None else None),
        date_fields=date_fields_for(date_field),
        geometry=geometry,
        grow_extent=grow_extent,
    )
    return usable(result)


def extent_with(st: Any, *frames: Any) -> tuple[float, float, float, float] | None:
    """Return the store's extent grown to hold ``frames`` (GeoDataFrames in its CRS).

    Points are checked against it when a command works outside the networks (new areas to plan), so that
    points there are not rejected as "outside extent".
    """
    boxes = [st.extent()] + [tuple(float(v) for v in f.total_bounds) for f in frames if f is not None and len(f)]
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


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


def _days(ctx: click.Context, param: click.Parameter, value: float | None) -> Any:
    import pandas as pd

    return None if value is None else pd.Timedelta(days=value)


#: Options of every command that reads each incident's time: the mode, the longest window spread, the columns.
time_options = [
    option_default(
        "bingeo.aoristic.TIME_MODES",
        "--time",
        "how",
        form=lambda modes: modes[0],
        type=click.Choice(["aoristic", "begin", "midpoint", "end"]),
        help="Spread each incident over its time window (aoristic), or count it at the window's begin, midpoint or "
        "end.",
    ),
    option_default(
        "bingeo.aoristic.MAX_WINDOW",
        "--max-window",
        form=lambda t: t.days,
        type=Number(min=0, max=3660),
        callback=_days,
        help="Longest window spread, days; longer ones are counted at their midpoint and reported.",
    ),
    click.option("--begin-field", help="Column of the window's begin (default: found, e.g. Begin-pleegdatum/tijd)."),
    click.option("--end-field", help="Column of the window's end (default: found, e.g. Eind-pleegdatum/tijd)."),
]


def windows_text(windows: Any, how: str, max_window: Any, lead: str = "Counted") -> str:
    """Say how the time windows were used: columns, mode, and how many were too long to spread (--max-window)."""
    from bingeo.aoristic import count_long

    long = count_long(windows, how=how, max_window=max_window)
    return f"{lead} by time window ({how}) from {windows.begin_field!r} to {windows.end_field!r}" + (
        f"; {long:,} windows longer than {max_window.days:g} days (--max-window) at their midpoint." if long else "."
    )


def windows_or_dates(
    read: Any, *, date_field: str | None, begin_field: str | None, end_field: str | None, need: str
) -> tuple[Any, Any]:
    """Return the usable incidents and their time windows (None when they have only dates).

    Windows when begin/end columns are named or found by name; else the incidents with a usable date, as
    :func:`bingeo.incidents.require_dates`.
    """
    from bingeo.aoristic import has_windows, require_windows
    from bingeo.incidents import require_dates

    if (begin_field is None) != (end_field is None):
        raise click.UsageError("give both --begin-field and --end-field, or neither (they are then found by name).")
    if not has_windows(read.points, begin_field=begin_field, date_field=date_field):
        return require_dates(read, date_field=date_field, need=need), None
    return require_windows(read, begin_field=begin_field, end_field=end_field, need=need)
