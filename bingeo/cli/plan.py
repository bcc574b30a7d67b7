"""The ``bingeo plan`` command: the best k new areas among candidates (maximal covering)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from bingeo.cli._common import (
    POSITIVE,
    Whole,
    date_value,
    extent_with,
    friendly,
    option_default,
    points_options,
    read_points_for_store,
    store_option,
    usable,
    with_options,
    write_rejects,
)

__all__: list[str] = []


@click.command("plan")
@click.option(
    "--candidates",
    required=True,
    type=click.Path(),
    help="Candidate areas (polygons), e.g. the proposals.gpkg of `bingeo propose`, or neighbourhoods.",
)
@click.option("--candidates-layer", help="Layer of the candidates file (default: its only polygon layer).")
@click.option("--incidents", required=True, type=click.Path(), help="Incident points.")
@store_option
@option_default("bingeo.plan.K", "--k", "k", type=Whole(min=1, max=10_000), help="How many areas to choose.")
@click.option(
    "--budget-households",
    type=POSITIVE,
    help="The chosen areas together hold at most this many households (from --addresses, else the candidates' "
    "households column).",
)
@click.option(
    "--by",
    type=click.Choice(["incidents", "risk"]),
    default="incidents",
    show_default=True,
    help="Reach the most uncovered incidents, or the most risk at uncovered homes (needs --addresses).",
)
@click.option("--addresses", type=click.Path(), help="Address points (households per candidate; --by risk).")
@click.option("--addresses-crs", help="CRS of an address CSV that carries none (default: --crs).")
@click.option("--households-field", help="Households column of the addresses (default: found by name, else 1).")
@click.option("--id-field", help="Column naming the candidates (default: proposal_id, network_id, id, name).")
@click.option(
    "--method",
    type=click.Choice(["auto", "exact", "greedy"]),
    default="auto",
    show_default=True,
    help="exact: HiGHS MILP (optimal); greedy: with the linear-relaxation bound; auto: exact up to 5,000 candidates.",
)
@click.option(
    "--curve",
    is_flag=True,
    help="Also solve for 1 .. k-1 areas: the `best` column is the most any r areas reach (k solves, slower).",
)
@option_default(
    "bingeo.risk.RADIUS", "--radius", type=POSITIVE, help="With --by risk: kernel radius in metres of the risk."
)
@click.option("--type-field", help="Column with the incident type.")
@click.option("--type", "types", multiple=True, help="Incident type(s) to keep (repeatable).")
@click.option("--at", callback=date_value, help="Use the networks valid on this date (default: today's).")
@click.option(
    "--output",
    "-o",
    type=click.Path(),
    help="GeoPackage of the chosen areas (layer plan); the gains go beside it as .csv and .png.",
)
@with_options(points_options)
@friendly
def plan_cmd(
    candidates: str,
    candidates_layer: str | None,
    incidents: str,
    store: str,
    k: int,
    budget_households: float | None,
    by: str,
    addresses: str | None,
    addresses_crs: str | None,
    households_field: str | None,
    id_field: str | None,
    method: str,
    curve: bool,
    radius: float,
    type_field: str | None,
    types: tuple[str, ...],
    at: dt.date | None,
    output: str | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Choose the --k candidate areas that reach the most incidents no network covers (each incident once).

    Prints the gain of each next area (diminishing returns) and, with --output, writes the chosen areas, the
    gains table (.csv) and its chart (.png). Incidents inside the store's networks are already covered.
    """
    from bingeo.charts import write_gain_chart
    from bingeo.incidents import select_types
    from bingeo.plan import plan_areas
    from bingeo.readers import read_points, read_polygons, replacing, write_table
    from bingeo.stores import open_store

    if by == "risk" and not addresses:
        raise click.BadParameter("--by risk weighs the uncovered homes: give --addresses too", param_hint="'--by'")
    if output and Path(output).suffix.lower() != ".gpkg":
        raise click.BadParameter(f"{output}: the plan is written as a GeoPackage (.gpkg)", param_hint="'--output'")
    with open_store(store) as st:
        nets = st.networks(at=at)
        cands = read_polygons(candidates, layer=candidates_layer, target_crs=st.crs)
        box = extent_with(st, cands)  # uncovered incidents lie outside the networks: the candidates' extent counts
        inc = read_points_for_store(incidents, st, layer, crs, x_field, y_field, sheet=sheet, extent=box)
        adr = None
        if addresses:
            adr = usable(
                read_points(addresses, crs=addresses_crs or crs, target_crs=st.crs, extent=box),
                crs_option="--addresses-crs",
            )
    for note in inc.notes:
        click.echo(f"note: {note}")
    click.echo(inc.summary())
    pts = inc.points
    if types:
        pts, _ = select_types(pts, list(types), type_field=type_field)
        click.echo(f"{len(pts):,} incidents of type {', '.join(types)}")
    res = plan_areas(
        cands,
        pts,
        k=k,
        budget_households=budget_households,
        by=by,
        networks=nets,
        addresses=None if adr is None else adr.points,
        households_field=households_field,
        id_field=id_field,
        method=method,
        curve=curve,
        risk_options={"radius": radius} if by == "risk" else None,
    )
    click.echo(res.summary())
    if output:
        out = Path(output)
        with replacing(out) as tmp:
            write_table(res.chosen, tmp, layer="plan", geometry_type="MultiPolygon")
        csv = out.with_suffix(".csv")
        write_table(res.gains, csv)
        png = write_gain_chart(res.gains, res.total, out.with_suffix(".png"), title=f"BEST {len(res.gains)} AREAS")
        rej = write_rejects(inc, output)
        click.echo(f"written: {out} (layer plan), {csv}, {png}" + (f"; rejected rows: {rej}" if rej else ""))
