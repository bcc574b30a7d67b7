"""The ``bingeo forecast`` command: where risk is raised next (ProMap), and its weekly backtest."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path
from typing import Any

import click

from bingeo.cli._common import (
    POSITIVE,
    Number,
    Whole,
    date_value,
    dated,
    friendly,
    option_default,
    points_options,
    progress_bar,
    read_points_for_store,
    store_option,
    type_field_for,
    with_options,
    write_rejects,
)

__all__: list[str] = []

_AREA_SHARE = Number(min=0, min_open=True, max=1)


def _advice(store: str, incidents: str, crs: str | None, types: tuple[str, ...], res: Any) -> list[str]:
    """Return the recipients commands that warn the ranked networks, and the members around the hottest cell."""
    q = shlex.quote
    if not len(res.cells) or not bool(res.top.any()):
        return []
    end = res.as_of + dt.timedelta(days=res.days - 1)
    reason = q(f"forecast {res.as_of} to {end}")
    lines = []
    if len(res.networks):
        nets = " ".join(f"--network {q(str(n))}" for n in res.networks["network_id"].head(10))
        lines.append(
            "To warn these networks (the first 10), run:\n"
            f"  bingeo recipients --store {q(store)} {nets} --urgency normal --reason {reason} "
            "--output forecast-recipients.csv"
        )
    top = res.cells[res.cells["top"] & (res.cells["network_id"] != "")]
    if not len(top):
        return lines
    centre = top.geometry.iloc[0].centroid  # the highest risk in a network, in the store's CRS
    around = f"bingeo recipients --store {q(store)} --around {centre.x:.0f},{centre.y:.0f}"
    tail = f" --urgency normal --reason {reason} --output forecast-around.csv"
    lines.append(
        f"To warn the members within the forecast's near-repeat radius ({res.radius:g} m) of the highest-risk "
        f"cell in a network ({top['network_id'].iloc[0]}), run:\n  {around} --radius {res.radius:g}{tail}"
    )
    if res.band_source == "knox":
        extra = "".join(f" --type {q(t)}" for t in types) + (f" --incidents-crs {q(crs)}" if crs else "")
        lines.append(
            "or let recipients take the radius from its own Knox test on all these incidents (a Knox ratio of at "
            f"least 1.2 required):\n  {around} --radius auto --incidents {q(incidents)}{extra}{tail}"
        )
    return lines


@click.command("forecast")
@click.argument("incidents", type=click.Path())
@store_option
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(),
    help="Risk grid: .gpkg (layers cells and networks) or .tif; with --backtest the weekly table (.csv or .json).",
)
@click.option(
    "--as-of",
    callback=date_value,
    help="First day of the forecast (default: the day after the last incident); with --backtest the last day of "
    "the last week (default: the last incident's).",
)
@option_default("bingeo.forecast.DAYS", "--days", type=Whole(min=1, max=366), help="Days the forecast is for.")
@option_default(
    "bingeo.forecast.AREA_SHARE",
    "--area-share",
    type=_AREA_SHARE,
    help="Share of the study area's cells that are 'highest risk' (and scored).",
)
@click.option("--cell-size", type=POSITIVE, help="Grid cell size in metres (default: automatic, as `hotspots`).")
@click.option("--radius", type=POSITIVE, help="Distance band in metres (default: from the Knox test).")
@click.option("--window-days", type=Whole(min=1, max=3660), help="Time band in days (default: from the Knox test).")
@option_default(
    "bingeo.nearrepeat.PERMUTATIONS",
    "--permutations",
    type=Whole(min=0, max=99_999),
    help="Monte Carlo permutations of the Knox test.",
)
@option_default(
    "bingeo.nearrepeat.MIN_RATIO",
    "--min-ratio",
    type=Number(min=0, max=1e6),
    help="The Knox bands also need a Knox ratio of at least this (default: significance alone).",
)
@click.option("--backtest", type=click.Choice(["weekly"]), help="Score ProMap, kernel density and Gi* week by week.")
@option_default("bingeo.forecast.WEEKS", "--weeks", type=Whole(min=1, max=520), help="With --backtest: weeks.")
@option_default(
    "bingeo.forecast.HISTORY_DAYS",
    "--history-days",
    type=Whole(min=1, max=3660),
    help="With --backtest: days of incidents the kernel density and Gi* use.",
)
@click.option("--at", callback=date_value, help="Use the networks valid on this date (default: today's).")
@click.option(
    "--study-area", type=click.Path(), help="Polygon file of the area analysed (default: the incidents' extent)."
)
@click.option("--type-field", help="Column with the incident type.")
@click.option("--type", "types", multiple=True, help="Incident type(s) to keep (repeatable), e.g. woninginbraak.")
@click.option("--date-field", help="Date column (default: the first column recognised as dates).")
@with_options(points_options)
@friendly
def forecast_cmd(
    incidents: str,
    store: str,
    output: str,
    as_of: dt.date | None,
    days: int,
    area_share: float,
    cell_size: float | None,
    radius: float | None,
    window_days: int | None,
    permutations: int,
    min_ratio: float,
    backtest: str | None,
    weeks: int,
    history_days: int,
    at: dt.date | None,
    study_area: str | None,
    type_field: str | None,
    types: tuple[str, ...],
    date_field: str | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Where risk is raised in the next --days (ProMap), and which networks to warn.

    Each incident of the near-repeat window before --as-of raises the risk of the cells within the near-repeat
    radius: 1/(1 + distance in cells) x 1/(1 + age in weeks) (Bowers, Johnson & Pease 2004), with the bands from
    a Knox test on the year before (Bowers et al.'s 400 m and 60 days when there is no pattern). Writes the risk
    per cell and the networks holding the highest-risk cells, most risk first, and prints the recipients
    commands that warn them. With --backtest weekly: scores ProMap, kernel density and last period's Gi* hot
    spots on each of the last --weeks weeks (hit rate, PAI, PEI, PEI*) and writes the table instead.
    """
    from bingeo.forecast import backtest as run_backtest
    from bingeo.forecast import forecast
    from bingeo.readers import read_polygons, write_table
    from bingeo.stores import open_store

    suffix = Path(output).suffix.lower()
    wanted = (".csv", ".json") if backtest else (".gpkg", ".tif", ".tiff")
    if suffix not in wanted:
        what = "the backtest table is a .csv or .json file" if backtest else "the forecast is a .gpkg or .tif file"
        raise click.BadParameter(what, param_hint="'--output'")
    with open_store(store) as st:
        nets = st.networks(at=at)
        inc = read_points_for_store(incidents, st, layer, crs, x_field, y_field, sheet=sheet, date_field=date_field)
        area = read_polygons(study_area, target_crs=st.crs) if study_area else None
    inc = dated(inc, date_field, "a forecast needs")
    for note in inc.notes:
        click.echo(f"note: {note}")
    click.echo(inc.summary())
    kwargs: dict[str, Any] = {
        "type_field": type_field_for(inc.points, list(types), type_field),
        "types": list(types) or None,
        "date_field": date_field,
        "study_area": area,
        "cell_size": cell_size,
        "radius": radius,
        "window_days": window_days,
        "area_share": area_share,
        "permutations": permutations,
        "min_ratio": min_ratio,
    }
    if backtest:
        with progress_bar("backtest") as progress:
            bt = run_backtest(
                inc.points, weeks=weeks, end=as_of, history_days=history_days, progress=progress, **kwargs
            )
        if suffix == ".json":
            import json

            from bingeo.readers import write_text

            write_text(output, json.dumps(bt.as_dict(), indent=2))
        else:
            write_table(bt.table, output)
        rej = write_rejects(inc, output)
        click.echo(bt.summary())
        click.echo(f"written: {output}" + (f"; rejected rows: {rej}" if rej else ""))
        return
    with progress_bar("forecast") as progress:
        res = forecast(inc.points, networks=nets, as_of=as_of, days=days, progress=progress, **kwargs)
    res.write(output)
    rej = write_rejects(inc, output)
    click.echo(res.summary())
    for line in _advice(store, incidents, crs, types, res):
        click.echo(line)
    layers = " (layers cells, networks)" if suffix == ".gpkg" else ""
    click.echo(f"written: {output}{layers}" + (f"; rejected rows: {rej}" if rej else ""))
