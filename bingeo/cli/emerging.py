"""The ``bingeo emerging`` command: emerging hot spots (space-time Gi* trends and ArcGIS's categories)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from bingeo.cli._common import (
    POSITIVE,
    PROBABILITY,
    SHARE,
    Whole,
    date_value,
    friendly,
    option_default,
    points_options,
    progress_bar,
    read_points_for_store,
    store_option,
    time_options,
    type_field_for,
    windows_or_dates,
    with_options,
    write_rejects,
)

__all__: list[str] = []


@click.command("emerging")
@click.argument("incidents", type=click.Path())
@store_option
@click.option("--output", "-o", required=True, type=click.Path(), help="GeoPackage with layers cube and locations.")
@click.option(
    "--interval",
    type=click.Choice(["week", "month", "quarter", "year"]),
    default="month",
    show_default=True,
    help="Time step of the cube (whole steps only; a partial last step is dropped and said).",
)
@option_default(
    "bingeo.emerging.TIME_WINDOW",
    "--time-window",
    type=Whole(min=0, max=1000),
    help="Neighbourhood time step: the bin's step and this many steps before it.",
)
@click.option("--from", "start", callback=date_value, help="First day of the period (included).")
@click.option("--to", "end", callback=date_value, help="Last day of the period (included).")
@click.option("--at", callback=date_value, help="Use the networks valid on this date (default: today's).")
@click.option(
    "--study-area", type=click.Path(), help="Polygon file of the area analysed (default: the incidents' extent)."
)
@click.option("--cell-size", type=POSITIVE, help="Grid cell size in metres (default: automatic, as `hotspots`).")
@option_default(
    "bingeo.hotspots.RINGS", "--rings", type=Whole(min=1, max=100), help="Neighbourhood: the cell and N rings."
)
@click.option(
    "--neighbourhood-distance",
    "distance",
    type=POSITIVE,
    help="Neighbourhood: cells whose centres lie within this distance (m), instead of --rings.",
)
@option_default("bingeo.hotspots.ALPHA", "--alpha", type=PROBABILITY, help="Significance level (Gi* and trends).")
@click.option("--no-fdr", is_flag=True, help="Do not correct for multiple testing (Benjamini-Hochberg).")
@option_default(
    "bingeo.hotspots.MIN_COVERAGE",
    "--min-coverage",
    type=SHARE,
    help="A location is uncovered when less than this share of it lies in a network.",
)
@click.option("--type-field", help="Column with the incident type.")
@click.option("--type", "types", multiple=True, help="Incident type(s) to keep (repeatable).")
@click.option("--date-field", help="Date column (default: the first column recognised as dates).")
@with_options(points_options)
@with_options(time_options)
@friendly
def emerging_cmd(
    incidents: str,
    store: str,
    output: str,
    interval: str,
    time_window: int,
    start: dt.date | None,
    end: dt.date | None,
    at: dt.date | None,
    study_area: str | None,
    cell_size: float | None,
    rings: int,
    distance: float | None,
    alpha: float,
    no_fdr: bool,
    min_coverage: float,
    type_field: str | None,
    types: tuple[str, ...],
    date_field: str | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
    how: str,
    max_window: Any,
    begin_field: str | None,
    end_field: str | None,
) -> None:
    """Emerging hot spots of INCIDENTS: new, intensifying, persistent, ... (ArcGIS's categories).

    Counts incidents per cell of the hot-spot grid and per whole --interval, computes Gi* per bin with
    neighbours in the same step and --time-window steps before, the Mann-Kendall trend per location, and its
    category. Writes layers `cube` (row, col, step, step_start, count, gi_z, gi_p, hot) and `locations`
    (cells with their trend, category and coverage), and lists the new and intensifying hot spots no network
    covers. Incidents known by a time window (begin and end columns) are spread over the steps their window
    covers (--time aoristic): the cube's counts are then sums of weights, 1 per incident.
    """
    from bingeo.emerging import find_emerging
    from bingeo.readers import read_polygons, replacing, write_table
    from bingeo.stores import open_store

    if Path(output).suffix.lower() != ".gpkg":
        raise click.BadParameter(
            "the emerging hot spots output is a GeoPackage (.gpkg) with layers cube and locations",
            param_hint="'--output'",
        )
    with open_store(store) as st:
        nets = st.networks(at=at)
        inc = read_points_for_store(incidents, st, layer, crs, x_field, y_field, sheet=sheet, date_field=date_field)
        area = read_polygons(study_area, target_crs=st.crs) if study_area else None
    inc, windows = windows_or_dates(
        inc, date_field=date_field, begin_field=begin_field, end_field=end_field, need="emerging hot spots need"
    )
    for note in inc.notes:
        click.echo(f"note: {note}")
    click.echo(inc.summary())
    kwargs: dict[str, Any] = {
        "type_field": type_field_for(inc.points, list(types), type_field),
        "types": list(types) or None,
    }
    with progress_bar("emerging hot spots") as progress:
        res = find_emerging(
            inc.points,
            networks=nets,
            study_area=area,
            interval=interval,
            time_window=time_window,
            cell_size=cell_size,
            rings=rings,
            distance=distance,
            alpha=alpha,
            fdr=not no_fdr,
            min_coverage=min_coverage,
            date_field=date_field,
            start=start,
            end=end,
            windows=windows,
            how=how,
            max_window=max_window,
            progress=progress,
            **kwargs,
        )
    with replacing(output) as tmp:  # one new file, both layers, or nothing
        write_table(res.cube, tmp, layer="cube")
        write_table(res.locations, tmp, layer="locations", geometry_type="Polygon")
    rej = write_rejects(inc, output)
    click.echo(res.summary())
    click.echo(f"written: {output} (layers cube, locations)" + (f"; rejected rows: {rej}" if rej else ""))
