"""The ``bingeo`` command line: one command per workflow.

Commands parse arguments, call the public API and print a summary. Errors that
bingeo raises on purpose (bad input, store problems) end the command with a
one-paragraph message and exit code 1; anything else is a bug and shows a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sys
from pathlib import Path
from typing import Any

import click

from bingeo.cli import (
    emerging,
    evaluation,
    forecast,
    maps,
    plan,
    regions,
    replies,
    sending,
    storeadmin,
    streets,
    temporal,
)
from bingeo.cli._common import (
    POSITIVE,
    PROBABILITY,
    SHARE,
    Number,
    OptionNames,
    Whole,
    date_value,
    fields_value,
    friendly,
    option_default,
    period_text,
    period_value,
    points_options,
    progress_bar,
    read_points_for_store,
    rejects_beside,
    store_option,
    time_options,
    type_field_for,
    usable,
    windows_or_dates,
    windows_text,
    with_options,
    write_rejects,
)

log = logging.getLogger("bingeo")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(package_name="bingeo")
def cli(verbose: int, quiet: bool) -> None:
    """bingeo: neighbourhood information networks (BIN) on a map."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("bingeo").setLevel(level)
    for handler in logging.getLogger().handlers:  # log lines name options as typed, like error messages
        if not any(isinstance(f, OptionNames) for f in handler.filters):
            handler.addFilter(OptionNames())


# ---------------------------------------------------------------------------------- networks
@cli.group()
def networks() -> None:
    """Keep the registry of networks: import, list, check, retire, reactivate, history."""


@networks.command("import")
@click.argument("source", type=click.Path())
@store_option
@click.option("--layer", help="Layer to read from a multi-layer source.")
@click.option("--id-field", help="Column with the stable network id (default: found automatically).")
@click.option("--name-field", help="Column with the network name.")
@click.option("--kind", type=click.Choice(["bin", "zbin", "whatsapp"]), help="One kind for all networks.")
@click.option("--kind-field", help="Column with the kind (bin, zbin, whatsapp; Dutch names understood).")
@click.option(
    "--field",
    "fields",
    multiple=True,
    callback=fields_value,
    metavar="FIELD=COLUMN",
    help="Map another field: municipality, police_zone, founded, status, valid_to. Repeatable.",
)
@click.option("--crs", help="CRS of a source that carries none.")
@click.option(
    "--store-crs",
    help="CRS of a NEW store (default: the source's; for a source in degrees its national grid: 28992 in the "
    "Netherlands, 31370 in Belgium, else UTM). Fixed once created: another CRS for an existing store is an error.",
)
@click.option("--effective", callback=date_value, help="Date from which changed boundaries apply (default today).")
@friendly
def networks_import(
    source: str,
    store: str,
    layer: str | None,
    id_field: str | None,
    name_field: str | None,
    kind: str | None,
    kind_field: str | None,
    fields: dict[str, str],
    crs: str | None,
    store_crs: str | None,
    effective: dt.date | None,
) -> None:
    """Import network boundaries from SOURCE (GeoPackage, Shapefile or zipped Shapefile, GeoJSON, KML).

    Re-importing the same source updates networks by id; earlier versions are kept.
    """
    from bingeo.registry import import_networks

    report = import_networks(
        source,
        store,
        layer=layer,
        crs=crs,
        store_crs=store_crs,
        id_field=id_field,
        name_field=name_field,
        kind=kind,
        kind_field=kind_field,
        fields=fields,
        effective=effective,
    )
    click.echo(report.summary())
    beside = rejects_beside(store, source)
    try:
        rej = write_rejects(report, beside)
    except OSError:  # a read-only folder beside a server store's source: the current folder instead
        rej = write_rejects(report, Path(beside).name)
    if rej:
        click.echo(f"{len(report.rejects)} rejected feature(s) written to {rej}")


@networks.command("list")
@store_option
@click.option("--all", "include_retired", is_flag=True, help="Also list retired networks.")
@click.option("--at", callback=date_value, help="The networks as they were on this date (YYYY-MM-DD).")
@click.option("--output", type=click.Path(), help="Also write them to a file (.gpkg, .csv, .geojson, .parquet).")
@friendly
def networks_list(store: str, include_retired: bool, at: dt.date | None, output: str | None) -> None:
    """List the networks in a store."""
    from bingeo.stores import open_store

    with open_store(store) as st:
        nets = st.networks(at=at, include_retired=include_retired)
        crs_text = f"EPSG:{st.crs.to_epsg()}"
    cols = ["network_id", "name", "kind", "status", "founded", "valid_to", "version", "area_m2"]
    table = nets[cols].copy()
    table["area_m2"] = table["area_m2"].map(lambda a: f"{a / 1e6:,.2f} km²" if a == a and a is not None else "")
    when = f"on {at}" if at else ("active and retired" if include_retired else "active")
    click.echo(f"{len(nets)} networks ({when}) in {store} ({crs_text}):")
    if len(table):
        click.echo(table.rename(columns={"area_m2": "area"}).to_string(index=False, na_rep=""))
    if output:
        from bingeo.readers import write_table

        write_table(nets, output, layer="networks")
        click.echo(f"written to {output}")


@networks.command("check")
@store_option
@click.option("--at", callback=date_value, help="Check the networks as they were on this date.")
@click.option(
    "--gap-area", type=Number(min=0, max=1e12), help="Largest enclosed hole reported as a gap, m² (default 10000)."
)
@click.option(
    "--sliver-ratio", type=SHARE, help="Thinness 4πA/P² below which an overlap or gap is a sliver (default 0.1)."
)
@click.option("--output", type=click.Path(), help="Write overlaps and gaps as layers of a GeoPackage.")
@friendly
def networks_check(
    store: str, at: dt.date | None, gap_area: float | None, sliver_ratio: float | None, output: str | None
) -> None:
    """Report invalid geometry, overlaps between active networks (with area), slivers and gaps."""
    from bingeo.registry import check_networks
    from bingeo.stores import open_store

    with open_store(store) as st:
        nets = st.networks(at=at)
    report = check_networks(nets, gap_max_area=gap_area, sliver_ratio=sliver_ratio)
    click.echo(f"Checked {len(nets)} active networks in {store}.")
    click.echo(report.summary())
    if output:
        from bingeo.readers import write_table

        if Path(output).suffix.lower() != ".gpkg":
            raise click.BadParameter("the check output is a GeoPackage (.gpkg) with layers overlaps, gaps, invalid")
        from bingeo.readers import replacing

        with replacing(output) as tmp:  # one new file, all layers, or nothing
            write_table(report.overlaps, tmp, layer="overlaps", geometry_type="MultiPolygon")
            write_table(report.gaps, tmp, layer="gaps", geometry_type="Polygon")
            write_table(report.invalid, tmp, layer="invalid", geometry_type="MultiPolygon")
        click.echo(f"layers overlaps, gaps and invalid written to {output}")


@networks.command("retire")
@click.argument("network_id")
@store_option
@click.option("--on", "on", required=True, callback=date_value, help="Retirement date (YYYY-MM-DD).")
@click.option("--expected-version", type=Whole(min=1), help="Fail if the network changed since you saw this version.")
@friendly
def networks_retire(network_id: str, store: str, on: dt.date, expected_version: int | None) -> None:
    """Retire NETWORK_ID from a date. Networks are never deleted: analyses 'as of' earlier dates still see it."""
    from bingeo.stores import open_store

    with open_store(store) as st:
        st.retire_network(network_id, on=on, expected_version=expected_version)
    click.echo(f"network {network_id} retired on {on}.")


@networks.command("reactivate")
@click.argument("network_id")
@store_option
@click.option("--on", "on", callback=date_value, help="Active again from this date (YYYY-MM-DD; default today).")
@click.option("--expected-version", type=int, help="Fail if the network changed since you saw this version.")
@friendly
def networks_reactivate(network_id: str, store: str, on: dt.date | None, expected_version: int | None) -> None:
    """Bring the retired network NETWORK_ID back. Its retirement stays in `networks history`."""
    from bingeo.registry import reactivate_network

    row = reactivate_network(store, network_id, on=on, expected_version=expected_version)
    click.echo(f"network {network_id} is active again from {on or dt.date.today()} (version {row['version'].iloc[0]}).")


@networks.command("history")
@click.argument("network_id", required=False)
@store_option
@friendly
def networks_history(network_id: str | None, store: str) -> None:
    """Show every version of the networks (or of NETWORK_ID)."""
    from bingeo.stores import open_store

    with open_store(store) as st:
        hist = st.network_history(network_id)
    cols = ["network_id", "version", "name", "status", "valid_from", "valid_to", "version_from", "version_to", "source"]
    click.echo(hist[cols].to_string(index=False, na_rep="") if len(hist) else "no networks")


# ---------------------------------------------------------------------------------- points


#: Outputs of ``bingeo assign`` for which the points stay numbers (x, y): no point objects are made.
XY_OUTPUTS = (".csv", ".gpkg")


@cli.command("assign")
@click.argument("points", type=click.Path())
@store_option
@click.option(
    "--output", "-o", required=True, type=click.Path(), help="Output file: .gpkg, .csv, .geojson or .parquet."
)
@click.option("--at", callback=date_value, help="Use the networks valid on this date.")
@click.option(
    "--in-database",
    "in_database",
    is_flag=True,
    help="PostGIS store only: POINTS is a points table in the store's database (name or schema.name), "
    "--output the table to create there; runs in the database, for data larger than memory.",
)
@click.option("--replace", is_flag=True, help="With --in-database: replace the output table.")
@with_options(points_options)
@friendly
def assign_cmd(
    points: str,
    store: str,
    output: str,
    at: dt.date | None,
    in_database: bool,
    replace: bool,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Assign every row of POINTS (incidents, addresses: CSV or vector file) to the networks covering it.

    Adds network_id, network_name (the most specific network) and network_ids (all, ';'-separated).
    Rows that cannot be used are written to OUTPUT's .rejects.csv with the reason.
    """
    from bingeo.assign import assign, assign_xy
    from bingeo.readers import write_table
    from bingeo.readers.gpkg_points import write_points_gpkg_xy
    from bingeo.readers.write import write_points_csv
    from bingeo.stores import open_store

    if in_database:
        from bingeo.errors import InputError
        from bingeo.stores import is_postgis_url
        from bingeo.stores.postgis_assign import assign_in_database

        if not is_postgis_url(store):
            raise InputError("--in-database needs a PostGIS store (--store postgresql://...).")
        with open_store(store) as st:
            c = assign_in_database(st, points, output=output, at=at, replace=replace)
        click.echo(
            f"{c['assigned']:,} of {c['points']:,} points lie in one of {c['networks']} networks"
            f"{' valid on ' + str(at) if at else ''}; written: table {output}"
        )
        return

    from bingeo.readers.stream import block_rows

    rows = block_rows(points, output) if layer is None and sheet is None else None
    with open_store(store) as st:
        nets = st.networks(at=at)
        streamed = _assign_streamed(points, output, st, nets, rows, crs, x_field, y_field) if rows else None
        xy_only = Path(output).suffix.lower() in XY_OUTPUTS
        if streamed is None:
            result = read_points_for_store(points, st, layer, crs, x_field, y_field, sheet=sheet, geometry=not xy_only)
            for note in result.notes:
                click.echo(f"note: {note}")
            with progress_bar("assigning") as progress:  # the store keeps the networks' grid index
                if xy_only:
                    out = assign_xy(result.points, *result.xy, result.crs, nets, store=st, progress=progress)
                else:
                    out = assign(result.points, nets, store=st, progress=progress)
    if streamed is not None:  # written block by block; its notes are summed over the blocks
        for note in streamed.notes:
            click.echo(f"note: {note}")
        summary, inside, n_out, rej = streamed.summary, streamed.counts["inside"], streamed.rows_out, streamed.rejects
    else:
        if xy_only and Path(output).suffix.lower() == ".gpkg":
            write_points_gpkg_xy(out, *result.xy, output, result.crs, layer=Path(output).stem)
        elif xy_only:
            write_points_csv(out, *result.xy, output, result.crs)
        else:
            write_table(out, output)
        rej = write_rejects(result, output)
        summary, inside, n_out = result.summary(), int(out["network_id"].notna().sum()), len(out)
    click.echo(summary)
    click.echo(
        f"{inside:,} of {n_out:,} usable points lie in one of {len(nets)} networks"
        f"{' valid on ' + str(at) if at else ''}; {n_out - inside:,} lie outside every network."
    )
    click.echo(f"written: {output}" + (f"; rejected rows: {rej}" if rej else ""))


def _assign_streamed(
    points: str, output: str, st: Any, nets: Any, rows: int, crs: str | None, x: str | None, y: str | None
) -> Any:
    """``bingeo assign`` of a large text table block by block (:mod:`bingeo.readers.stream`); None: read it whole.

    The notes are printed after the blocks are read (they are summed over the blocks), so that a file the
    streamer gives back to the whole-file read prints nothing twice.
    """
    from bingeo.assign import assign
    from bingeo.readers.stream import stream_points

    def job(pts: Any) -> tuple[Any, dict[str, int]]:
        out = assign(pts, nets, store=st)  # the store keeps the networks' grid index: built once
        return out, {"inside": int(out["network_id"].notna().sum())}

    read = {
        "crs": crs,
        "x_field": x,
        "y_field": y,
        "target_crs": st.crs,
        "extent": st.extent(),
        "date_fields": None,
    }
    with progress_bar("assigning") as progress:
        return stream_points(points, output, job, rows=rows, read=read, progress=progress)


@cli.command("counts")
@click.argument("incidents", type=click.Path())
@store_option
@click.option("--output", "-o", required=True, type=click.Path(), help="Output table: .csv, .gpkg, .parquet.")
@click.option("--by", type=click.Choice(["month", "quarter", "year"]), help="Count per period.")
@click.option("--date-field", help="Date column (default: the first column recognised as dates).")
@click.option("--type-field", help="Column with the incident type, to count per type.")
@click.option("--addresses", type=click.Path(), help="Address points: adds addresses per network and rate per 1,000.")
@click.option("--addresses-crs", help="CRS of an address CSV that carries none (default: --crs).")
@click.option("--at", callback=date_value, help="Use the networks valid on this date.")
@with_options(points_options)
@with_options(time_options)
@friendly
def counts_cmd(
    incidents: str,
    store: str,
    output: str,
    by: str | None,
    date_field: str | None,
    type_field: str | None,
    addresses: str | None,
    addresses_crs: str | None,
    at: dt.date | None,
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
    """Count INCIDENTS per network (per period and type), with addresses and rates per 1,000 addresses.

    With --by and incidents known by a time window (begin and end columns such as Begin-pleegdatum/tijd and
    Eind-pleegdatum/tijd), each incident adds to each period the share of its window in it (--time aoristic).
    """
    from bingeo.counts import count_incidents
    from bingeo.readers import read_points, write_table
    from bingeo.stores import open_store

    with open_store(store) as st:
        nets = st.networks(at=at)
        inc = read_points_for_store(
            incidents, st, layer, crs, x_field, y_field, sheet=sheet, date_field=date_field, grow_extent=True
        )
        adr = None
        if addresses:
            adr = usable(
                read_points(
                    addresses, crs=addresses_crs or crs, target_crs=st.crs, extent=st.extent(), grow_extent=True
                ),
                crs_option="--addresses-crs",
            )
    windows = None
    if by is not None:
        inc, windows = windows_or_dates(
            inc, date_field=date_field, begin_field=begin_field, end_field=end_field, need=f"counting --by {by} needs"
        )
    for note in inc.notes:
        click.echo(f"note: {note}")
    click.echo(inc.summary())
    rej = write_rejects(inc, output)
    if adr is not None:
        click.echo(adr.summary())
        if len(adr.rejects):
            from bingeo.readers import rejects_path

            apath = rejects_path(Path(output).with_name(Path(output).stem + ".addresses" + Path(output).suffix))
            write_table(adr.rejects, apath)
            click.echo(f"rejected address rows: {apath}")
    table = count_incidents(
        inc.points,
        nets,
        by=by,
        date_field=date_field,
        type_field=type_field,
        addresses=None if adr is None else adr.points,
        windows=windows,
        how=how,
        max_window=max_window,
    )
    write_table(table, output)
    if windows is not None:
        click.echo(windows_text(windows, how, max_window))
    if by is not None:
        spans = [p for p in table["period"].unique() if p[:1].isdigit()]
        if spans:
            import pandas as pd

            first, last = pd.Period(min(spans)), pd.Period(max(spans))
            span = period_text((first.start_time.date(), last.end_time.date()))
            click.echo(f"Counted by {by} from {first} to {last}: {span}.")
    top = table.groupby(["network_id", "network_name"], as_index=False)["incidents"].sum()
    top = top[top["network_id"] != ""].sort_values("incidents", ascending=False).head(5)
    click.echo("most incidents: " + "; ".join(f"{r.network_name} {r.incidents}" for r in top.itertuples()))
    click.echo(f"written: {output} ({len(table)} rows)" + (f"; rejected rows: {rej}" if rej else ""))


@cli.command("coverage")
@store_option
@click.option("--addresses", required=True, type=click.Path(), help="Address points (CSV or vector file).")
@click.option("--by", help="Covered share per area: an address column, or 'municipality' / 'police_zone'.")
@click.option("--areas", type=click.Path(), help="Area polygons (municipalities, police zones) to group addresses by.")
@click.option("--area-field", help="Label column of --areas (default: --by).")
@click.option("--households-field", help="Households per address (default: huishoudens/households; else 1).")
@click.option("--at", callback=date_value, help="Use the networks valid on this date.")
@click.option("--output", "-o", type=click.Path(), help="Write the per-network table (.csv, .gpkg, .parquet).")
@with_options(points_options)
@friendly
def coverage_cmd(
    store: str,
    addresses: str,
    by: str | None,
    areas: str | None,
    area_field: str | None,
    households_field: str | None,
    at: dt.date | None,
    output: str | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Addresses and households per network, addresses shared between networks, and coverage per area."""
    from bingeo.coverage import coverage
    from bingeo.readers import read_polygons, write_table
    from bingeo.stores import open_store

    with open_store(store) as st:
        nets = st.networks(at=at)
        adr = read_points_for_store(addresses, st, layer, crs, x_field, y_field, sheet=sheet, grow_extent=True)
        zones = read_polygons(areas, target_crs=st.crs) if areas else None
    for note in adr.notes:
        click.echo(f"note: {note}")
    click.echo(adr.summary())
    rep = coverage(nets, adr.points, by=by, areas=zones, area_field=area_field, households_field=households_field)
    click.echo(rep.summary())
    if output:
        write_table(rep.networks, output)
        stem = Path(output)
        if len(rep.overlaps):
            write_table(rep.overlaps, stem.with_name(stem.stem + ".overlaps" + stem.suffix))
        if rep.areas is not None:
            write_table(rep.areas, stem.with_name(stem.stem + ".areas" + stem.suffix))
        click.echo(f"written: {output}" + (" (+ .overlaps, .areas tables beside it)" if rep.areas is not None else ""))
        rej = write_rejects(adr, output)
        if rej:
            click.echo(f"rejected address rows: {rej}")


hotspot_options = [
    click.option(
        "--study-area", type=click.Path(), help="Polygon file of the area analysed (default: the incidents' extent)."
    ),
    click.option(
        "--cell-size", type=POSITIVE, help="Grid cell size in metres (default: automatic, rule in the notes)."
    ),
    option_default(
        "bingeo.hotspots.RINGS",
        "--rings",
        type=Whole(min=1, max=100),
        help="Neighbourhood: the cell and N rings around it.",
    ),
    click.option("--distance", type=POSITIVE, help="Neighbourhood: cells whose centres lie within this distance (m)."),
    option_default("bingeo.hotspots.ALPHA", "--alpha", type=PROBABILITY, help="Significance level."),
    click.option("--no-fdr", is_flag=True, help="Do not correct for multiple testing (Benjamini-Hochberg)."),
    option_default(
        "bingeo.hotspots.MIN_COVERAGE",
        "--min-coverage",
        type=SHARE,
        help="A hot spot is uncovered when less than this share of its incidents (of its area, when it holds "
        "none) lie in a network.",
    ),
    click.option("--type-field", help="Column with the incident type."),
    click.option("--type", "types", multiple=True, help="Incident type(s) to keep (repeatable)."),
    click.option("--date-field", help="Date column (default: the first column recognised as dates)."),
]


def _hotspot_kwargs(
    st: Any,
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
) -> dict[str, Any]:
    from bingeo.readers import read_polygons

    return {
        "study_area": read_polygons(study_area, target_crs=st.crs) if study_area else None,
        "cell_size": cell_size,
        "rings": rings,
        "distance": distance,
        "alpha": alpha,
        "fdr": not no_fdr,
        "min_coverage": min_coverage,
        "type_field": type_field,
        "types": list(types) or None,
        "date_field": date_field,
    }


@cli.command("hotspots")
@click.argument("incidents", type=click.Path())
@store_option
@click.option("--output", "-o", required=True, type=click.Path(), help="GeoPackage with layers cells and hotspots.")
@click.option("--addresses", type=click.Path(), help="Address points: adds the number of addresses per hot spot.")
@click.option("--addresses-crs", help="CRS of an address CSV that carries none (default: --crs).")
@click.option(
    "--per",
    type=click.Path(),
    help="Address points: Gi* on incidents per 1,000 households per cell instead of counts (CRS: --addresses-crs).",
)
@click.option("--households-field", help="Households column of --per (default: found by name, else 1 per address).")
@option_default(
    "bingeo.hotspots.MIN_CELL_HOUSEHOLDS",
    "--min-households",
    type=Number(min=0, max=1e9),
    help="With --per: cells with fewer households are left out of the analysis.",
)
@click.option("--from", "start", callback=date_value, help="Keep incidents from this day (included).")
@click.option("--to", "end", callback=date_value, help="Keep incidents up to this day (included).")
@click.option("--at", callback=date_value, help="Use the networks valid on this date (default: today's).")
@with_options(hotspot_options)
@with_options(points_options)
@with_options(time_options)
@friendly
def hotspots_cmd(
    incidents: str,
    store: str,
    output: str,
    addresses: str | None,
    addresses_crs: str | None,
    per: str | None,
    households_field: str | None,
    min_households: float,
    start: dt.date | None,
    end: dt.date | None,
    at: dt.date | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
    how: str,
    max_window: Any,
    begin_field: str | None,
    end_field: str | None,
    **opts: Any,
) -> None:
    """Gi* hot spots of INCIDENTS on a grid (FDR-corrected), and which of them no network covers.

    Writes layers `cells` (row, col, count, gi_z, gi_p, hot, cold) and `hotspots` (ranked: uncovered first).
    With --from/--to and incidents known by a time window (begin and end columns), an incident counts with the
    share of its window inside the period (--time aoristic): counts are then decimals.
    """
    from bingeo.hotspots import find_hotspots
    from bingeo.readers import read_points, write_table
    from bingeo.stores import open_store

    if Path(output).suffix.lower() != ".gpkg":
        raise click.BadParameter("the hot spots output is a GeoPackage (.gpkg) with layers cells and hotspots")
    with open_store(store) as st:
        nets = st.networks(at=at)
        inc = read_points_for_store(
            incidents, st, layer, crs, x_field, y_field, sheet=sheet, date_field=opts["date_field"], grow_extent=True
        )
        adr = per_adr = None
        for path in dict.fromkeys(p for p in (addresses, per) if p):  # one read when both name the same file
            read = usable(
                read_points(path, crs=addresses_crs or crs, target_crs=st.crs, extent=st.extent(), grow_extent=True),
                crs_option="--addresses-crs",
            )
            adr = read if path == addresses else adr
            per_adr = read if path == per else per_adr
        kwargs = _hotspot_kwargs(st, **opts)
    if per_adr is not None:
        kwargs.update(per=per_adr.points, households_field=households_field, min_households=min_households)
    windows = None
    if start is not None or end is not None:
        inc, windows = windows_or_dates(
            inc, date_field=opts["date_field"], begin_field=begin_field, end_field=end_field, need="--from/--to need"
        )
    for note in inc.notes:
        click.echo(f"note: {note}")
    click.echo(inc.summary())
    kwargs["type_field"] = type_field_for(inc.points, kwargs["types"], kwargs["type_field"])
    with progress_bar("hot spots") as progress:
        res = find_hotspots(
            inc.points,
            networks=nets,
            addresses=None if adr is None else adr.points,
            start=start,
            end=end,
            windows=windows,
            how=how,
            max_window=max_window,
            progress=progress,
            **kwargs,
        )
    from bingeo.readers import replacing

    with replacing(output) as tmp:  # one new file, both layers, or nothing
        write_table(res.cells, tmp, layer="cells", geometry_type="Polygon")
        write_table(res.hotspots, tmp, layer="hotspots", geometry_type="MultiPolygon")
    rej = write_rejects(inc, output)
    click.echo(res.summary())
    click.echo(f"written: {output} (layers cells, hotspots)" + (f"; rejected rows: {rej}" if rej else ""))


@cli.command("pai")
@click.argument("incidents", type=click.Path())
@store_option
@click.option(
    "--fit",
    "fit",
    required=True,
    callback=period_value,
    metavar="FROM/TO",
    help="Period the hot spots are found on, both days included, e.g. 2022-01-01/2022-12-31.",
)
@click.option(
    "--test",
    "test",
    required=True,
    callback=period_value,
    metavar="FROM/TO",
    help="Period the hot spots are tested on, both days included, e.g. 2023-01-01/2023-12-31.",
)
@click.option("--output", "-o", type=click.Path(), help="Write the figures as JSON.")
@click.option(
    "--area-share",
    type=Number(min=0, min_open=True, max=1),
    help="Also score the cells with the highest fit-period Gi* z covering this share of the area (e.g. 0.05).",
)
@with_options(hotspot_options)
@with_options(points_options)
@with_options(time_options)
@friendly
def pai_cmd(
    incidents: str,
    store: str,
    fit: tuple[dt.date, dt.date],
    test: tuple[dt.date, dt.date],
    output: str | None,
    area_share: float | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
    how: str,
    max_window: Any,
    begin_field: str | None,
    end_field: str | None,
    **opts: Any,
) -> None:
    """Is the hot spot map any good? PAI and RRI of hot spots found on one period, tested on the next.

    With incidents known by a time window (begin and end columns), an incident counts in each period with the
    share of its window inside it (--time aoristic), for the hot spots and for PAI and RRI alike.
    """
    import json

    import shapely

    from bingeo.evaluate import predictive_accuracy
    from bingeo.hotspots import find_hotspots
    from bingeo.incidents import TIME_WEIGHT, period_selector
    from bingeo.stores import open_store

    with open_store(store) as st:
        nets = st.networks()
        inc = read_points_for_store(
            incidents, st, layer, crs, x_field, y_field, sheet=sheet, date_field=opts["date_field"], grow_extent=True
        )
        kwargs = _hotspot_kwargs(st, **opts)
    inc, windows = windows_or_dates(
        inc, date_field=opts["date_field"], begin_field=begin_field, end_field=end_field, need="pai needs"
    )
    click.echo(inc.summary())
    kwargs["type_field"] = type_field_for(inc.points, kwargs["types"], kwargs["type_field"])
    timing = {"windows": windows, "how": how, "max_window": max_window}
    with progress_bar("hot spots") as progress:
        res = find_hotspots(inc.points, networks=nets, start=fit[0], end=fit[1], progress=progress, **kwargs, **timing)
    study = shapely.union_all(res.cells.geometry.to_numpy())
    # the same selection for both periods: type filter, then dates on the same column as the fit
    sel = period_selector(
        inc.points, date_field=kwargs["date_field"], types=kwargs["types"], type_field=kwargs["type_field"], **timing
    )
    fit_pts, test_pts = sel(fit), sel(test)
    acc = predictive_accuracy(
        res.hotspots,
        fit_pts,
        test_pts,
        study_area=study,
        fit_weights=fit_pts.get(TIME_WEIGHT),
        test_weights=test_pts.get(TIME_WEIGHT),
    )
    if windows is not None:
        click.echo(windows_text(windows, how, max_window, "Periods counted"))
        click.echo(f"{acc.fit_incidents:,.1f} incidents in --fit, {acc.test_incidents:,.1f} in --test (weights).")
    click.echo(
        f"{len(res.hotspots)} hot spots found on --fit {period_text(fit)}, tested on --test {period_text(test)}."
    )
    click.echo(acc.summary())
    from bingeo.forecast import score_hotspots

    scores = {"hot_cells": score_hotspots(res, test_pts)}  # PEI and PEI* (Hunt 2016) of the same hot cells
    click.echo(f"Hot cells on --test: {scores['hot_cells'].summary()}")
    if area_share is not None:
        scores["top_share"] = score_hotspots(res, test_pts, area_share=area_share)
        click.echo(f"Highest fit-period Gi* z, --area-share {area_share:g}: {scores['top_share'].summary()}")
    if output:
        from bingeo.readers import write_text

        figures = {**acc.as_dict(), "forecast_scores": {k: v.as_dict() for k, v in scores.items()}}
        write_text(output, json.dumps(figures, indent=2, default=str))
        click.echo(f"written: {output}")


@cli.command("propose")
@store_option
@click.option(
    "--hotspots",
    "hotspots_path",
    required=True,
    type=click.Path(),
    help="Output of `bingeo hotspots` (layer hotspots).",
)
@click.option("--addresses", required=True, type=click.Path(), help="Address points with street names and households.")
@click.option(
    "--output", "-o", required=True, type=click.Path(), help="GeoPackage of proposed areas (layer proposals)."
)
@click.option("--incidents", type=click.Path(), help="Incidents, to count those inside each proposal.")
@option_default("bingeo.propose.MIN_HOUSEHOLDS", "--min-households", type=Whole(min=1, max=10**6))
@option_default(
    "bingeo.propose.MAX_HOUSEHOLDS",
    "--max-households",
    type=Whole(min=1, max=10**6),
    help="Upper bound (a WhatsApp group holds at most 256 members).",
)
# the choices are bingeo.propose.KINDS (written out: importing propose at start-up costs scipy)
@option_default(
    "bingeo.propose.KINDS",
    "--kind",
    form=lambda kinds: kinds[0],
    type=click.Choice(["bin", "whatsapp"]),
    help="What the proposal is for (a WhatsApp group holds at most 256 members).",
)
@option_default(
    "bingeo.propose.MAX_DISTANCE",
    "--max-distance",
    type=POSITIVE,
    help="Take addresses up to this distance (m) from the hot spot.",
)
@with_options(points_options)
@friendly
def propose_cmd(
    store: str,
    hotspots_path: str,
    addresses: str,
    output: str,
    incidents: str | None,
    min_households: int,
    max_households: int,
    kind: str,
    max_distance: float,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Propose a compact new BIN area around each uncovered hot spot, following the addresses and streets."""
    from bingeo.propose import propose_areas
    from bingeo.readers import read_points, read_polygons, write_table
    from bingeo.stores import open_store

    if Path(output).suffix.lower() != ".gpkg":
        raise click.BadParameter("the proposals are written to a GeoPackage (.gpkg)")
    with open_store(store) as st:
        nets = st.networks()
        hs = read_polygons(hotspots_path, layer="hotspots", target_crs=st.crs)
        adr = read_points_for_store(addresses, st, layer, crs, x_field, y_field, sheet=sheet, grow_extent=True)
        inc = (
            usable(read_points(incidents, crs=crs, target_crs=st.crs, extent=st.extent(), grow_extent=True))
            if incidents
            else None
        )
    click.echo(adr.summary())
    with progress_bar("proposing") as progress:
        out = propose_areas(
            hs,
            adr.points,
            nets,
            incidents=None if inc is None else inc.points,
            min_households=min_households,
            max_households=max_households,
            kind=kind,
            max_distance=max_distance,
            progress=progress,
        )
    from bingeo.readers import replacing

    with replacing(output) as tmp:  # a new file: no layers of an older one survive
        write_table(out, tmp, layer="proposals", geometry_type="MultiPolygon")
    for note in out.attrs.get("notes", []):
        click.echo(note)
    click.echo(f"{len(out)} proposed areas:")
    for r in out.itertuples():
        extra = f", {r.incidents} incidents" if "incidents" in out.columns else ""
        click.echo(
            f"  - {r.proposal_id} (hot spot {r.hotspot_id}): {r.households} households, {r.addresses} addresses"
            f"{extra}, {r.area_m2 / 1e4:,.1f} ha; streets: {r.streets}" + (f" [{r.note}]" if r.note else "")
        )
    click.echo(f"written: {output} (layer proposals)")


@cli.command("density")
@click.argument("incidents", type=click.Path())
@click.option("--output", "-o", required=True, type=click.Path(), help="GeoTIFF to write (.tif).")
@click.option("--cell-size", required=True, type=POSITIVE, help="Pixel size in metres (as QGIS heatmap's pixel size).")
@click.option("--radius", required=True, type=POSITIVE, help="Kernel radius in metres.")
@option_default(
    "bingeo.density.KERNEL",
    "--kernel",
    type=click.Choice(["quartic", "triangular", "uniform", "triweight", "epanechnikov"]),
)
@option_default(
    "bingeo.density.OUTPUT",
    "--values",
    "output_values",
    type=click.Choice(["raw", "scaled"]),
    help="QGIS heatmap's output values: raw (sum of kernel values) or scaled.",
)
@option_default(
    "bingeo.density.DECAY", "--decay", type=Number(min=-1e6, max=1e6), help="Decay ratio (triangular kernel only)."
)
@click.option("--weight-field", help="Column weighting each incident.")
@click.option("--contours", is_flag=True, help="Also write density bands as polygons: OUTPUT with .contours.gpkg.")
@click.option(
    "--per",
    type=click.Path(),
    help="Address points: write incidents per 1,000 households (the two densities divided, same grid and kernel).",
)
@click.option("--per-crs", help="CRS of a --per address CSV that carries none (default: --crs).")
@click.option("--households-field", help="Households column of --per (default: found by name, else 1 per address).")
@option_default(
    "bingeo.risk.MIN_HOUSEHOLDS",
    "--min-households",
    type=Number(min=0, max=1e9),
    help="With --per: cells with fewer households nearby (kernel-weighted) get no rate (nodata).",
)
@click.option("--store", help="A store: incidents are reprojected into its CRS and checked against its extent.")
@click.option("--to-crs", help="Reproject the incidents to this (metric) CRS first, e.g. 28992.")
@click.option("--type-field", help="Column with the incident type.")
@click.option("--type", "types", multiple=True, help="Incident type(s) to keep (repeatable).")
@with_options(points_options)
@friendly
def density_cmd(
    incidents: str,
    output: str,
    cell_size: float,
    radius: float,
    kernel: str,
    output_values: str,
    decay: float,
    weight_field: str | None,
    contours: bool,
    per: str | None,
    per_crs: str | None,
    households_field: str | None,
    min_households: float,
    store: str | None,
    to_crs: str | None,
    type_field: str | None,
    types: tuple[str, ...],
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Kernel density of INCIDENTS as a GeoTIFF, pixel for pixel as QGIS's heatmap (same grid and kernels)."""
    from bingeo.density import kernel_density
    from bingeo.incidents import select_types
    from bingeo.stores import open_store

    if Path(output).suffix.lower() not in (".tif", ".tiff"):
        raise click.BadParameter(f"{output}: the density is written as a GeoTIFF (.tif)", param_hint="'--output'")
    # the coordinates without point objects (read_points(geometry=False)): the density needs only x and y
    if store:
        with open_store(store) as st:
            inc = read_points_for_store(
                incidents, st, layer, crs, x_field, y_field, sheet=sheet, geometry=False, grow_extent=True
            )
    else:
        inc = read_points_for_store(
            incidents, None, layer, crs, x_field, y_field, sheet=sheet, target_crs=to_crs, geometry=False
        )
    for note in inc.notes:
        click.echo(f"note: {note}")
    click.echo(inc.summary())
    pts, (x, y) = inc.points, inc.xy
    if type_field and type_field not in pts.columns:
        raise click.BadParameter(f"no column {type_field!r}; columns: {', '.join(map(str, pts.columns))}")
    if types:
        pts, _ = select_types(pts, types, type_field=type_field)
        kept = pts.index.to_numpy()  # read_points' rows are numbered 0..n-1
        x, y = x[kept], y[kept]
        click.echo(f"{len(pts):,} incidents of type {', '.join(types)}")
    if per:
        _density_per(
            x,
            y,
            inc.crs,
            per,
            per_crs or crs,
            output,
            cell_size,
            radius,
            kernel,
            contours,
            households_field=households_field,
            min_households=min_households,
            weight_field=weight_field,
            decay=decay,
        )
        return
    with progress_bar("density") as progress:
        raster = kernel_density(
            pts,
            cell_size=cell_size,
            radius=radius,
            kernel=kernel,
            output=output_values,
            decay=decay,
            weight_field=weight_field,
            progress=progress,
            xy=(x, y),
            crs=inc.crs,
        )
    raster.write(output)
    rej = write_rejects(inc, output)
    click.echo(
        f"density {raster.values.shape[1]} x {raster.values.shape[0]} pixels of {cell_size:g} m, "
        f"{kernel} kernel, radius {radius:g} m, {output_values} values; maximum {float(raster.values.max()):,.4g}"
    )
    click.echo(f"written: {output}" + (f"; rejected rows: {rej}" if rej else ""))
    if contours:
        _write_bands(raster, output)


def _write_bands(raster: Any, output: str) -> None:
    """``density --contours``: the density bands as polygons beside the GeoTIFF (OUTPUT.contours.gpkg)."""
    from bingeo.readers import replacing, write_table

    bands = raster.contours()
    cpath = Path(output).with_suffix(".contours.gpkg")
    with replacing(cpath) as tmp:
        write_table(bands, tmp, layer="contours", geometry_type="MultiPolygon")
    click.echo(f"density bands: {len(bands)} polygons written to {cpath}")


def _density_per(
    x: Any,
    y: Any,
    crs: Any,
    per: str,
    per_crs: str | None,
    output: str,
    cell_size: float,
    radius: float,
    kernel: str,
    contours: bool,
    *,
    households_field: str | None,
    min_households: float,
    weight_field: str | None,
    decay: float,
) -> None:
    """``density --per``: incidents per 1,000 households on the incidents' and addresses' common QGIS grid."""
    import geopandas as gpd
    import numpy as np

    from bingeo.readers import read_points
    from bingeo.risk import density_per_households

    if weight_field:
        raise click.BadParameter("--weight-field cannot be combined with --per", param_hint="'--weight-field'")
    if decay:
        raise click.BadParameter("--decay cannot be combined with --per", param_hint="'--decay'")
    adr = usable(read_points(per, crs=per_crs, target_crs=crs), crs_option="--per-crs")
    click.echo(adr.summary())
    inc = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=crs)
    with progress_bar("density per household") as progress:
        raster = density_per_households(
            inc,
            adr.points,
            cell_size=cell_size,
            radius=radius,
            kernel=kernel,
            households_field=households_field,
            min_households=min_households,
            progress=progress,
        )
    raster.write(output)
    top = float(np.nanmax(raster.values)) if raster.reached.any() else 0.0
    click.echo(
        f"incidents per 1,000 households: {raster.values.shape[1]} x {raster.values.shape[0]} pixels of "
        f"{cell_size:g} m, {kernel} kernel, radius {radius:g} m; {int(raster.reached.sum()):,} pixels with at least "
        f"{min_households:g} households nearby (the others nodata); maximum {top:,.4g}"
    )
    click.echo(f"written: {output}")
    if contours:
        _write_bands(raster, output)


# ---------------------------------------------------------------------------------- alerting
@cli.group()
def addresses() -> None:
    """Address points in the store (to locate members by postcode and house number)."""


@addresses.command("import")
@click.argument("source", type=click.Path())
@store_option
@click.option(
    "--field",
    "fields",
    multiple=True,
    callback=fields_value,
    metavar="FIELD=COLUMN",
    help="Map an address field: address_id, street, house_number, house_letter, addition, postcode, city, households.",
)
@with_options(points_options)
@friendly
def addresses_import(
    source: str,
    store: str,
    fields: dict[str, str],
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Import address points from SOURCE into the store (re-importing updates by id)."""
    from bingeo.addresses import addresses_for_store
    from bingeo.stores import open_store

    with open_store(store) as st:
        res = read_points_for_store(source, st, layer, crs, x_field, y_field, sheet=sheet)
        click.echo(res.summary())
        counts = st.import_addresses(addresses_for_store(res.points, fields=fields, source=source))
    click.echo(
        f"addresses: {counts['added']:,} added, {counts['updated']:,} updated, {counts['unchanged']:,} unchanged"
    )
    rej = write_rejects(res, rejects_beside(store, source))
    if rej:
        click.echo(f"rejected rows: {rej}")


@cli.group()
def members() -> None:
    """Members of the networks (personal data: only recipient lists show them)."""


@members.command("import")
@click.argument("source", type=click.Path())
@store_option
@click.option("--crs", help="CRS of member coordinates that carry none (CSV).")
@click.option(
    "--default-country",
    type=click.Choice(["NL", "BE"]),
    default="NL",
    show_default=True,
    help="Country of phone numbers written without a country code.",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    callback=fields_value,
    metavar="FIELD=COLUMN",
    help="Map a member field (member_id, name, first_name, last_name, email, mobile, phone, channels, consent, "
    "role, networks, ...); the import prints the column used for each.",
)
@click.option("--layer", help="Layer of a multi-layer source.")
@click.option("--sheet", help="Sheet of a spreadsheet (.xlsx, .xls, .ods); default: the one with a member id column.")
@click.option(
    "--replace",
    is_flag=True,
    help="SOURCE is the whole member list: active members missing from it are marked as left "
    "(today). Without it, members missing from SOURCE are left as they are.",
)
@friendly
def members_import(
    source: str,
    store: str,
    crs: str | None,
    default_country: str,
    fields: dict[str, str],
    layer: str | None,
    sheet: str | None,
    replace: bool,
) -> None:
    """Import members from SOURCE (CSV, spreadsheet or vector file); re-importing updates them by member id.

    Locations: coordinates, or an address already in the store (postcode + house number, or street +
    house number). Rows that cannot be used go to SOURCE's .rejects.csv beside the store (beside SOURCE
    for a server store), with reasons only. A member who leaves: status 'afgemeld' (or 'left') or
    consent 'nee' in SOURCE, or --replace with a complete list.
    """
    from bingeo.members import (
        CONSENT_NAMES,
        WHATSAPP_MAX_MEMBERS,
        full_whatsapp_groups,
        import_members,
        mark_missing_members_left,
    )
    from bingeo.stores import open_store

    with open_store(store) as st:
        with progress_bar("reading members") as progress:
            res, counts = import_members(  # the store reprojects; rows it holds already are not checked again
                st,
                source,
                crs=crs,
                default_country=default_country,
                fields=fields or None,
                layer=sheet or layer,
                progress=progress,
            )
        marked = 0
        if replace:
            marked = mark_missing_members_left(st, res)
        full_groups = full_whatsapp_groups(st)
    click.echo("columns used: " + "; ".join(f"{role} = {col or '(none)'}" for role, col in res.columns.items()))
    click.echo(res.summary())
    if not res.columns.get("consent"):
        click.secho(
            f"WARNING: {source} has no consent column (looked for {', '.join(CONSENT_NAMES)}). All "
            f"{len(res.members):,} members are stored WITHOUT consent: no alert will reach any of them. Name the "
            "column with --field consent=COLUMN and import again.",
            err=True,
            fg="red",
            bold=True,
        )
    elif len(res.members) and not res.with_consent:
        click.secho(
            f"WARNING: no member of {source} has consent in column {res.columns['consent']!r} "
            "(yes values: ja, yes, akkoord, oui, 1, x): no alert will reach any of them.",
            err=True,
            fg="red",
            bold=True,
        )
    click.echo(
        f"members: {counts['added']:,} added, {counts['updated']:,} updated, {counts['unchanged']:,} unchanged"
        + (f"; {marked:,} missing from the list marked as left" if replace else "")
    )
    for nid, n in full_groups:
        click.echo(
            f"note: WhatsApp group {nid} has {n:,} active members; a WhatsApp group holds at most "
            f"{WHATSAPP_MAX_MEMBERS}. Split it, or make it a BIN with SMS/e-mail alerts."
        )
    rej = write_rejects(res, rejects_beside(store, source))
    if rej:
        click.echo(f"rejected rows (reasons only): {rej}")


def _alert_radius(
    st: Any, radius: str, incidents: str | None, incidents_crs: str | None, types: tuple[str, ...]
) -> float:
    """Return --radius in metres; 'auto' runs the Knox near-repeat test on --incidents."""
    from bingeo.errors import InputError

    if str(radius).strip().lower() != "auto":
        try:
            value = float(radius)
        except ValueError:
            raise click.BadParameter(f"{radius!r}: give metres (e.g. 500) or 'auto'.", param_hint="--radius") from None
        return value
    if not incidents:
        raise InputError("--radius auto needs --incidents (past incidents with dates) for the near-repeat test.")
    from bingeo.nearrepeat import alert_radius
    from bingeo.readers import read_points

    read = read_points(incidents, crs=incidents_crs, target_crs=st.crs, extent=st.extent())
    inc = usable(read, crs_option="--incidents-crs").points
    advice = alert_radius(inc, types=list(types) or None)
    if advice.radius is None:
        raise InputError(f"--radius auto: {advice.reason} Give --radius in metres.")
    click.echo(f"--radius auto: {advice.radius:g} m, for {advice.duration:g} days ({advice.reason})")
    return float(advice.radius)


@cli.command("recipients")
@store_option
@click.option(
    "--area",
    type=click.Path(),
    help="Alert area: GeoJSON (web map or QGIS; circles as Point + radius), GeoPackage, Shapefile or WKT.",
)
@click.option("--layer", help="Layer of --area.")
@click.option(
    "--area-crs",
    help="CRS of --area when the file does not say (a GeoJSON without `crs` is lon/lat), e.g. 28992.",
)
@click.option("--around", help="Centre of a circular area: X,Y.")
@click.option(
    "--radius",
    help="Radius of the circle around --around, in metres; or 'auto': the near-repeat "
    "distance from a Knox test on --incidents.",
)
@click.option("--incidents", type=click.Path(), help="With --radius auto: past incidents (with dates) to test.")
@click.option("--incidents-crs", help="CRS of --incidents when it carries none (CSV), e.g. 28992.")
@click.option(
    "--type",
    "radius_types",
    multiple=True,
    help="With --radius auto: only incidents of this type (repeatable), e.g. woninginbraak.",
)
@click.option("--around-crs", help="CRS of --around (default: the store's; e.g. 4326 for lon,lat).")
@click.option("--network", "network_ids", multiple=True, help="Network id(s) to alert (repeatable).")
@option_default(
    "bingeo.recipients.NETWORK_RULE",
    "--network-rule",
    type=click.Choice(["both", "membership", "location"]),
    help="With --network: members who joined it, who live in it, or both.",
)
@option_default("bingeo.recipients.URGENCY", "--urgency", type=click.Choice(["urgent", "normal"]))
@click.option(
    "--output", "-o", required=True, type=click.Path(), help="Recipient list (.csv; plus per-channel .txt lists)."
)
@click.option("--operator", help="Who selects (logged in the audit log).")
@click.option("--reason", help="Why, e.g. a case number (logged).")
@click.option("--coordinators", is_flag=True, help="Also list the coordinators of the networks touched.")
@click.option("--follow-up", "follow", metavar="ALERT_ID", help="The same people as an earlier alert (afloopbericht).")
@friendly
def recipients_cmd(
    store: str,
    area: str | None,
    layer: str | None,
    area_crs: str | None,
    around: str | None,
    radius: str | None,
    incidents: str | None,
    incidents_crs: str | None,
    radius_types: tuple[str, ...],
    around_crs: str | None,
    network_ids: tuple[str, ...],
    network_rule: str,
    urgency: str,
    output: str,
    operator: str | None,
    reason: str | None,
    coordinators: bool,
    follow: str | None,
) -> None:
    """Select the members to alert (by area, radius or network), one channel per person, and log the selection."""
    from bingeo.alerting import follow_up, send_alert
    from bingeo.errors import InputError
    from bingeo.recipients import area_around, area_from_file
    from bingeo.stores import open_store

    with open_store(store) as st:
        if follow:
            alert = follow_up(st, follow, output, urgency=urgency, operator=operator, reason=reason)
        else:
            shape = None
            others: dict[str, Any] = {}
            if area:
                # the store's CRS as stored: an area in that CRS is read without loading pyproj
                shape = area_from_file(area, layer=layer, target_crs=st.stored_crs, crs=area_crs)
                others[f"the x and y of {Path(area).name} swapped"] = functools.partial(
                    area_from_file, area, layer=layer, target_crs=st.stored_crs, crs=area_crs, swap_xy=True
                )
            elif around is not None or radius is not None:
                if around is None or radius is None:
                    raise InputError("--around X,Y needs --radius M (and the other way round).")
                try:
                    x, y = (float(v) for v in around.split(","))
                except ValueError:
                    raise InputError(
                        f"--around {around!r}: give X,Y, e.g. 233500,582000 or 6.5665,53.2194 with --around-crs 4326."
                    ) from None
                metres = _alert_radius(st, radius, incidents, incidents_crs, radius_types)
                xy_crs = around_crs or st.crs
                shape = area_around(x, y, metres, crs_of_xy=xy_crs, target_crs=st.crs)
                crs_text = f" --around-crs {around_crs}" if around_crs else ""
                others[f"--around {y:g},{x:g}{crs_text} (x and y swapped)"] = functools.partial(
                    area_around, y, x, metres, crs_of_xy=xy_crs, target_crs=st.crs
                )
                if not around_crs:  # a lon/lat pair given without --around-crs, either way round
                    for a, b in ((x, y), (y, x)):
                        others[f"--around {a:g},{b:g} --around-crs 4326 (longitude,latitude)"] = functools.partial(
                            area_around, a, b, metres, crs_of_xy=4326, target_crs=st.crs
                        )
            alert = send_alert(
                st,
                output,
                area=shape,
                network_ids=list(network_ids),
                network_rule=network_rule,
                urgency=urgency,
                operator=operator,
                reason=reason,
                coordinators=coordinators,
                alternatives=others,
            )
    click.echo(alert.summary())
    click.echo("written: " + ", ".join(str(f) for f in alert.files))


recipients_cmd.writes_rejects = False  # type: ignore[attr-defined]  # lists and coordinators, no rejects


@cli.group()
def audit() -> None:
    """Show the append-only log of recipient selections."""


@audit.command("list")
@store_option
@friendly
def audit_list(store: str) -> None:
    """Show the audit log: alert id, when, who, why, urgency, counts (member ids are not shown)."""
    import json

    from bingeo.stores import open_store

    with open_store(store) as st:
        log_ = st.audit()
    if log_.empty:
        click.echo("the audit log is empty")
        return
    log_ = log_.astype(object).where(log_.notna(), None)
    for r in log_.itertuples():
        counts = json.loads(r.counts or "{}")
        click.echo(
            f"{r.alert_id}  {r.created_at}  {r.action}{' of ' + r.parent_alert_id if r.parent_alert_id else ''}"
            f"  operator={r.operator or '-'}  reason={r.reason or '-'}  urgency={r.urgency or '-'}"
            f"  recipients={counts.get('recipients', '?')}  per channel={counts.get('per_channel', {})}"
        )


# ---------------------------------------------------------------------------------- demo
@cli.command("demo")
@click.option(
    "--output",
    "-o",
    default="bingeo-demo",
    show_default=True,
    type=click.Path(),
    help="Folder for the demo's outputs: new, empty, or an earlier demo's (then replaced).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Write the web map with all JavaScript/CSS inlined (needs `bingeo assets fetch` once).",
)
@friendly
def demo_cmd(output: str, offline: bool) -> None:
    """Run the whole pipeline on the sample data in data/samples/ and say what it shows."""
    from bingeo.demo import run_demo

    run_demo(Path(output), echo=click.echo, offline=offline)


# Commands kept in modules of their own (they import only bingeo.cli._common, so no loop).
for _command in (
    emerging.emerging_cmd,
    evaluation.evaluate_cmd,
    evaluation.nearrepeat_cmd,
    forecast.forecast_cmd,
    maps.map_cmd,
    maps.assets,
    sending.send_cmd,
    plan.plan_cmd,
    regions.regions_cmd,
    storeadmin.store,
    temporal.profile_cmd,
    replies.replies,
    replies.activity_cmd,
    streets.invitations_cmd,
):
    cli.add_command(_command)
for _command in replies.MEMBER_COMMANDS:
    members.add_command(_command)
networks.add_command(streets.from_streets_cmd)
networks.add_command(streets.streets_cmd)


def main() -> None:
    """Entry point of the ``bingeo`` console script."""
    cli(prog_name="bingeo")


if __name__ == "__main__":  # pragma: no cover
    main()
