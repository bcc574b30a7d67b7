"""Commands about WHEN incidents happen: ``bingeo profile`` (hour-of-week tables, aoristic)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import click

from bingeo.cli._common import (
    date_value,
    friendly,
    progress_bar,
    store_option,
    time_options,
    usable,
    with_options,
    write_rejects,
)
from bingeo.cli.evaluation import incident_options

__all__ = ["profile_cmd"]


def _file_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "network"


@click.command("profile")
@with_options(incident_options)
@store_option
@click.option("--output", "-o", required=True, type=click.Path(), help="The table: .csv, .gpkg or .parquet.")
@click.option(
    "--charts", type=click.Path(file_okay=False), help="Folder for heat-table PNGs: one per network, all_incidents.png."
)
@click.option("--from", "start", callback=date_value, help="Count the time from this day (included).")
@click.option("--to", "end", callback=date_value, help="Count the time up to this day (included).")
@click.option("--at", callback=date_value, help="Use the networks valid on this date (default: today's).")
@with_options(time_options)
@friendly
def profile_cmd(
    incidents: str,
    store: str,
    output: str,
    charts: str | None,
    start: dt.date | None,
    end: dt.date | None,
    at: dt.date | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
    date_field: str | None,
    type_field: str | None,
    types: tuple[str, ...],
    how: str,
    max_window: Any,
    begin_field: str | None,
    end_field: str | None,
) -> None:
    """Hour-of-week profile (7 days x 24 hours) of INCIDENTS in each network, aoristic by default.

    An incident known by a time window (begin and end columns, e.g. Begin-pleegdatum/tijd and
    Eind-pleegdatum/tijd) adds to each hour the share of its window in that hour (Ratcliffe 2002); without such
    columns each incident counts at its date and time.
    """
    from bingeo.aoristic import network_profiles, require_windows
    from bingeo.incidents import period, select_types
    from bingeo.readers import read_points, write_table
    from bingeo.stores import open_store

    if (begin_field is None) != (end_field is None):
        raise click.UsageError("give both --begin-field and --end-field, or neither (they are then found by name).")
    fields = (
        [begin_field, end_field] if begin_field else ([date_field] if date_field and "," not in date_field else None)
    )
    with open_store(store) as st:
        nets = st.networks(at=at)
        read = usable(
            read_points(
                incidents,
                layer=layer,
                sheet=sheet,
                crs=crs,
                x_field=x_field,
                y_field=y_field,
                target_crs=st.crs,
                extent=st.extent(),
                date_fields=fields,
            )
        )
    read, windows = require_windows(
        read, begin_field=begin_field, end_field=end_field, date_field=date_field, need="an hour-of-week profile needs"
    )
    for note in read.notes:
        click.echo(f"note: {note}")
    click.echo(read.summary())
    points, used_type = select_types(read.points, list(types), type_field=type_field)
    if used_type is not None:
        keep = read.points.index.isin(points.index)
        windows = windows.take(keep)
        click.echo(f"{len(points):,} incidents of type {', '.join(types)} (column {used_type!r}).")
    span = period(start, end)
    with progress_bar("profile"):
        prof = network_profiles(points, nets, windows, how=how, max_window=max_window, start=span.start, stop=span.stop)
    write_table(prof.table, output)
    rej = write_rejects(read, output)
    total = prof.table["total"].sum() - prof.table.loc[prof.table["network_id"] == "", "total"].sum()
    click.echo(
        f"Hour-of-week profile ({how}) of {len(points):,} incidents: {total:,.1f} in networks"
        + (f", within {span.describe()}" if start or end else "")
        + "."
    )
    if prof.long_windows:
        click.echo(
            f"{prof.long_windows:,} incidents have a window longer than {max_window.days:g} days (--max-window) "
            "and are counted at their midpoint."
        )
    if charts:
        from bingeo.charts import write_hour_table

        folder = Path(charts)
        folder.mkdir(parents=True, exist_ok=True)
        all_weights = prof.weights.sum(axis=0)
        write_hour_table(all_weights, folder / "all_incidents.png", title=f"ALL INCIDENTS ({how})")
        written = 1
        for i, (nid, name) in enumerate(zip(nets["network_id"].astype(str), nets.get("name", nets["network_id"]))):
            if prof.weights[i].sum() > 0:
                write_hour_table(prof.weights[i], folder / f"{_file_name(nid)}.png", title=f"{name} ({how})")
                written += 1
        click.echo(f"charts: {folder} ({written} PNG files)")
    click.echo(f"written: {output} ({len(prof.table)} rows)" + (f"; rejected rows: {rej}" if rej else ""))
