"""Commands for before/after evaluation and near-repeat (``bingeo evaluate``, ``bingeo nearrepeat``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bingeo.cli._common import (
    POSITIVE,
    PROBABILITY,
    Number,
    Whole,
    edges_text,
    friendly,
    option_default,
    period_text,
    period_value,
    progress_bar,
    read_points_for_store,
    store_option,
    time_options,
    windows_or_dates,
    windows_text,
    with_options,
)

__all__: list[str] = []


def _bands(ctx: click.Context, param: click.Parameter, value: str | None) -> list[float] | None:
    if value is None:
        return None
    try:
        return [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r}: give comma-separated band edges starting at 0, e.g. 0,100,200") from None


def _write_all_rejects(read: Any, extra: Any, output: str | None, detail: str) -> str:
    """Write read rejects plus incidents left out later (no date) beside OUTPUT; return a sentence."""
    import pandas as pd

    from bingeo.readers import rejects_path, write_table

    parts = [read.rejects]
    if extra is not None and len(extra):
        more = pd.DataFrame(extra).copy()
        more["reject_detail"] = detail
        parts.append(more)
    n = sum(len(p) for p in parts)
    if not n:
        return ""
    if output is None:
        return f"{n:,} incidents could not be used (no location or no date); give --output to keep them in a file."
    path = rejects_path(output)
    write_table(pd.concat(parts, ignore_index=True), path)
    return f"{n:,} incidents could not be used (no location or no date): {path}"


incident_options = [
    click.option("--incidents", required=True, type=click.Path(), help="Incidents: CSV or vector file with dates."),
    click.option("--layer", help="Layer of a multi-layer incidents file."),
    click.option("--sheet", help="Sheet of a spreadsheet (.xlsx, .xls, .ods); default: the one with coordinates."),
    click.option("--crs", help="CRS of incidents that carry none (CSV), e.g. 28992, 31370, 4326."),
    click.option("--x-field", help="Column with the x / longitude coordinate (default: found automatically)."),
    click.option("--y-field", help="Column with the y / latitude coordinate (default: found automatically)."),
    click.option("--date-field", help="Date column (default: the first recognised as dates), or YEAR,MONTH,DAY."),
    click.option("--type-field", help="Column with the incident type (default: found from --type's values)."),
    click.option("--type", "types", multiple=True, help="Incident type(s) to keep, e.g. woninginbraak (repeatable)."),
]


# ---------------------------------------------------------------------------------- nearrepeat
@click.command("nearrepeat")
@with_options(incident_options)
@option_default(
    "bingeo.nearrepeat.DISTANCE_BANDS",
    "--distance-bands",
    form=edges_text,
    callback=_bands,
    help="Distance band edges in metres, from 0 (each band includes its lower edge, excludes its upper).",
)
@option_default(
    "bingeo.nearrepeat.TIME_BANDS",
    "--time-bands",
    form=edges_text,
    callback=_bands,
    help="Time band edges in days, from 0 (calendar days; time of day ignored).",
)
@option_default(
    "bingeo.nearrepeat.PERMUTATIONS", "--permutations", type=Whole(min=0, max=99_999), help="Monte Carlo permutations."
)
@option_default(
    "bingeo.nearrepeat.SEED",
    "--seed",
    type=Whole(min=0, max=2**32 - 1),
    help="Seed of the permutations (same seed, same p-values).",
)
@option_default("bingeo.nearrepeat.ALPHA", "--alpha", type=PROBABILITY, help="Significance level.")
@option_default(
    "bingeo.nearrepeat.MIN_RATIO",
    "--min-ratio",
    type=Number(min=0, max=1e6),
    help="The suggested radius/duration also need a Knox ratio of at least this (e.g. 1.2 = 20 % raised).",
)
@click.option("--store", help="A store: incidents are reprojected into its CRS and checked against its extent.")
@click.option("--to-crs", help="Reproject the incidents to this metric CRS first, e.g. 28992 (needed for lon/lat).")
@click.option("--output", "-o", type=click.Path(), help="Write the band table: .json (all figures) or .csv.")
@with_options(time_options)
@friendly
def nearrepeat_cmd(
    incidents: str,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
    date_field: str | None,
    type_field: str | None,
    types: tuple[str, ...],
    distance_bands: list[float],
    time_bands: list[float],
    permutations: int,
    seed: int,
    alpha: float,
    min_ratio: float,
    store: str | None,
    to_crs: str | None,
    output: str | None,
    how: str,
    max_window: Any,
    begin_field: str | None,
    end_field: str | None,
) -> None:
    """Knox near-repeat test: how far and how long after an incident the risk nearby is raised.

    Prints observed and expected pairs, Knox ratio and p-value per space-time band, and
    the suggested alert radius and duration (the run of significant bands from the origin).
    Incidents known by a time window count at one instant of it: the midpoint (--time aoristic or midpoint),
    the begin or the end.
    """
    from bingeo.incidents import incident_days
    from bingeo.nearrepeat import select_types, suggest_alert
    from bingeo.stores import open_store

    if output and Path(output).suffix.lower() not in (".json", ".csv"):
        raise click.BadParameter("the near-repeat output is a .json or .csv file", param_hint="--output")
    if store:
        with open_store(store) as st:
            read = read_points_for_store(
                incidents, st, layer, crs, x_field, y_field, sheet=sheet, date_field=date_field
            )
    else:
        read = read_points_for_store(
            incidents, None, layer, crs, x_field, y_field, sheet=sheet, date_field=date_field, target_crs=to_crs
        )
    read, windows = windows_or_dates(
        read, date_field=date_field, begin_field=begin_field, end_field=end_field, need="the Knox test needs"
    )
    if windows is not None:
        mode = "midpoint" if how == "aoristic" else how
        read.points["bingeo_time"] = windows.at(mode)
        date_field = "bingeo_time"
        click.echo(
            f"note: the Knox test needs one time per incident: the {mode} of each window from "
            f"{windows.begin_field!r} to {windows.end_field!r}."
        )
    click.echo(read.summary())
    pts, tf = select_types(read.points, types, type_field=type_field)
    if tf:
        click.echo(f"{len(pts):,} incidents of type {', '.join(types)} (column {tf}).")
    with progress_bar("Knox permutations") as progress:
        knox = suggest_alert(
            pts,
            date_field=date_field,
            distance_bands=distance_bands,
            time_bands=time_bands,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
            min_ratio=min_ratio,
            progress=progress,
        ).knox
    days = incident_days(pts, date_field=date_field)
    click.echo(f"Dates used: {period_text(None, days)}.")
    click.echo(knox.summary())
    table = knox.table()
    shown = table.assign(
        expected=table["expected"].map(lambda v: f"{v:,.1f}"),
        knox_ratio=table["knox_ratio"].map(lambda v: "undefined" if v is None else f"{v:.2f}"),
        p_value=table["p_value"].map(lambda v: "" if v is None else f"{v:.3f}"),
    )[["distance_band", "time_band", "observed", "expected", "knox_ratio", "p_value", "significant"]]
    click.echo(shown.to_string(index=False))
    note = _write_all_rejects(read, knox.rejects, output, "no date")
    if note:
        click.echo(note)
    if output:
        from bingeo.readers import write_table, write_text

        if Path(output).suffix.lower() == ".json":
            write_text(output, json.dumps(knox.as_dict(), indent=2, ensure_ascii=False))
        else:
            write_table(table, output)
        click.echo(f"written: {output}")


# ---------------------------------------------------------------------------------- evaluate
@click.command("evaluate")
@store_option
@with_options(incident_options)
@click.option("--network", "network_id", help="The network evaluated (response area R).")
@click.option("--all", "all_networks", is_flag=True, help="Every network with enough data, around its founding date.")
@click.option(
    "--before",
    callback=period_value,
    metavar="FROM/TO",
    help="Before period, both days included, e.g. 2022-01-01/2022-12-31.",
)
@click.option(
    "--after",
    callback=period_value,
    metavar="FROM/TO",
    help="After period, both days included, e.g. 2023-01-01/2023-12-31.",
)
@click.option(
    "--around-founding",
    type=Whole(min=1, max=1200),
    metavar="MONTHS",
    help="Before = MONTHS before the network's founding date, after = MONTHS from it (default 12 with --all).",
)
@option_default("bingeo.evaluate.BUFFER", "--buffer", type=POSITIVE, help="Width of the buffer ring B, metres.")
@click.option("--control", type=click.Path(), help="Control area C (polygon file). Default: study area minus R and B.")
@click.option("--study-area", type=click.Path(), help="Study area for the default control (default: incidents' hull).")
@option_default(
    "bingeo.evaluate.MIN_INCIDENTS",
    "--min-incidents",
    type=Whole(min=0, max=10**9),
    help="--all: fewest incidents in a network (both periods) to evaluate it.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(),
    help="One network: .json with the figures. --all: a table (.csv/.json); PNG charts beside it.",
)
@with_options(time_options)
@friendly
def evaluate_cmd(
    store: str,
    incidents: str,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
    date_field: str | None,
    type_field: str | None,
    types: tuple[str, ...],
    network_id: str | None,
    all_networks: bool,
    before: Any,
    after: Any,
    around_founding: int | None,
    buffer: float,
    control: str | None,
    study_area: str | None,
    min_incidents: int,
    output: str | None,
    how: str,
    max_window: Any,
    begin_field: str | None,
    end_field: str | None,
) -> None:
    """Evaluate a network before/after: counts in it, a buffer ring and a control area, with the WDQ.

    Reports the success measure, the buffer displacement measure, the weighted
    displacement quotient (Bowers & Johnson 2003) and the total net effect, and a
    sentence that interprets them. With incidents known by a time window (begin and end columns), an
    incident counts in each period with the share of its window inside it (--time aoristic).
    """
    from bingeo.errors import InputError
    from bingeo.evaluate import run_evaluation, write_chart
    from bingeo.nearrepeat import select_types
    from bingeo.readers import read_polygons
    from bingeo.stores import open_store

    if bool(network_id) == bool(all_networks):
        raise InputError("give either --network ID or --all.")
    with open_store(store) as st:
        nets = st.networks(include_retired=True)
        read = read_points_for_store(incidents, st, layer, crs, x_field, y_field, sheet=sheet, date_field=date_field)
        ctrl = read_polygons(control, target_crs=st.crs) if control else None
        study = read_polygons(study_area, target_crs=st.crs) if study_area else None
    read, windows = windows_or_dates(
        read, date_field=date_field, begin_field=begin_field, end_field=end_field, need="the evaluation needs"
    )
    click.echo(read.summary())
    pts, tf = select_types(read.points, types, type_field=type_field)
    if tf:
        click.echo(f"{len(pts):,} incidents of type {', '.join(types)} (column {tf}).")
        windows = None if windows is None else windows.take(read.points.index.isin(pts.index))
    if windows is not None:
        click.echo(windows_text(windows, how, max_window, "Periods counted"))
    if all_networks and (before or after or ctrl is not None):
        raise InputError("--all evaluates each network around its own founding date: drop --before/--after/--control.")
    if not all_networks:
        if around_founding and (before or after):
            raise InputError("give --around-founding MONTHS or --before/--after, not both.")
        if around_founding and not (nets["network_id"].astype(str) == network_id).any():
            raise InputError(f"no network {network_id!r} in {store}; see `bingeo networks list --all`.")
        if not around_founding and not (before and after):
            raise InputError("give --before FROM/TO and --after FROM/TO, or --around-founding MONTHS.")
    evaluation = run_evaluation(
        pts,
        nets,
        network_id=None if all_networks else network_id,
        before=before,
        after=after,
        months=around_founding,
        buffer=buffer,
        control=ctrl,
        study_area=study,
        min_incidents=min_incidents,
        date_field=date_field,
        windows=windows,
        how=how,
        max_window=max_window,
    )
    payload = json.dumps(evaluation.payload(), indent=2, ensure_ascii=False, default=str)
    ev, res = evaluation.networks, evaluation.result
    if ev is None:
        assert res is not None
        click.echo(res.summary())
        note = _write_all_rejects(read, evaluation.rejects, output, "no date")
        if note:
            click.echo(note)
        if output:
            if Path(output).suffix.lower() != ".json":
                raise click.BadParameter("the evaluation output is a .json file", param_hint="--output")
            from bingeo.readers import write_text

            write_text(output, payload)
            click.echo(f"written: {output}")
        return

    shown = ev.table[
        ["network_id", "founded", "R_before", "R_after", "B_before", "B_after", "C_before", "C_after"]
        + ["wdq", "total_net_effect"]
    ].copy()
    for c in ("wdq", "total_net_effect"):
        shown[c] = shown[c].map(lambda v: "" if v is None else f"{v:+.2f}")
    for c in ("R_before", "R_after", "B_before", "B_after", "C_before", "C_after"):
        shown[c] = shown[c].map(lambda v: "" if v is None else f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}")
    done = ev.table["evaluated"].astype(bool)
    click.echo(
        f"{int(done.sum())} of {len(ev.table)} networks evaluated ({evaluation.months} months either side of founding)."
    )
    if done.any():
        click.echo(shown[done.to_numpy()].to_string(index=False, na_rep=""))
        for nid, one in ev.results.items():
            click.echo(f"{nid}: before {period_text(one.before)}, after {period_text(one.after)}. {one.interpretation}")
    for row in ev.table[~done].itertuples():
        click.echo(f"not evaluated: {row.network_id}: {row.reason}")
    if output:
        from bingeo.readers import write_table, write_text

        out = Path(output)
        if out.suffix.lower() == ".json":
            write_text(out, payload)
        elif out.suffix.lower() == ".csv":
            write_table(ev.table, out)
        else:
            raise click.BadParameter("the --all output is a .csv or .json table", param_hint="--output")
        charts = []
        for nid, one in ev.results.items():
            safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in nid)
            charts.append(write_chart(one, out.with_name(f"{out.stem}.{safe}.png")))
        click.echo(f"written: {out}" + (f" and {len(charts)} charts ({out.stem}.<network>.png)" if charts else ""))
    note = _write_all_rejects(read, evaluation.rejects, output, "no date")
    if note:
        click.echo(note)
