"""The ``bingeo regions`` command: divide an uncovered area into contiguous candidate BIN areas (max-p)."""

from __future__ import annotations

from pathlib import Path

import click

from bingeo.cli._common import (
    POSITIVE,
    Whole,
    extent_with,
    friendly,
    option_default,
    points_options,
    progress_bar,
    read_points_for_store,
    store_option,
    usable,
    with_options,
    write_rejects,
)

__all__ = ["islands_path"]

_WHATSAPP_MAX = 256  # bingeo.members.WHATSAPP_MAX_MEMBERS (written out: importing members at start-up costs pandas)


def islands_path(output: str) -> Path:
    """Where the blocks in no region go: ``regions.gpkg`` -> ``regions_islands.gpkg``."""
    out = Path(output)
    return out.with_name(out.stem + "_islands.gpkg")


@click.command("regions")
@store_option
@click.option("--area", required=True, type=click.Path(), help="Polygon file of the area to divide (one layer).")
@click.option(
    "--addresses", required=True, type=click.Path(), help="Address points (households and block columns are used)."
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(),
    help="GeoPackage of the regions (layer regions; blocks in no region go to NAME_islands.gpkg).",
)
@click.option("--incidents", type=click.Path(), help="Incidents, to count those inside each region.")
@click.option("--incidents-crs", help="CRS of the incidents when it differs from --crs (e.g. 26910).")
@option_default("bingeo.regions.MIN_HOUSEHOLDS", "--min-households", type=Whole(min=1, max=10**6))
@option_default(
    "bingeo.regions.MAX_HOUSEHOLDS",
    "--max-households",
    type=Whole(min=1, max=10**6),
    help="Upper bound, never passed (at most 256 unless --kind bin).",
)
@click.option(
    "--kind",
    type=click.Choice(["whatsapp", "bin"]),
    default="whatsapp",
    show_default=True,
    help="whatsapp: each region becomes a WhatsApp group (at most 256 members); bin: no such cap.",
)
@click.option("--block-field", help="Address column with a block key (default: DISSEMINATION_BLOCK_ID, bouwblok, ...).")
@click.option("--street-field", help="Street-name column (default: straat, street, ...).")
@click.option("--households-field", help="Households per address (default: huishoudens, households, ...; else 1).")
@option_default("bingeo.regions.BLOCK_SIZE", "--block-size", type=POSITIVE, help="Grid (m) of blocks without a column.")
@option_default(
    "bingeo.regions.REACH", "--reach", type=POSITIVE, help="A block reaches at most this far (m) from its addresses."
)
@option_default("bingeo.regions.SEED", "--seed", type=Whole(min=0, max=2**31), help="Same seed, same regions.")
@with_options(points_options)
@friendly
def regions_cmd(
    store: str,
    area: str,
    addresses: str,
    output: str,
    incidents: str | None,
    incidents_crs: str | None,
    min_households: int,
    max_households: int,
    kind: str,
    block_field: str | None,
    street_field: str | None,
    households_field: str | None,
    block_size: float,
    reach: float,
    seed: int,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Divide the part of --area no network covers into contiguous candidate BIN areas.

    Addresses are grouped into blocks (a block column, else street and a grid, else the grid), and the blocks
    into regions of --min-households to --max-households (the ceiling is never passed) by a max-p heuristic:
    as many regions as it can find, each contiguous and compact. Writes the regions (proposal_id R1, R2, ...,
    households, addresses, blocks, incidents, streets, area_m2, compactness) to --output, readable by
    `bingeo plan --candidates`, and the blocks that can be in no region, with the reason, to NAME_islands.gpkg.
    """
    from bingeo.readers import read_points, read_polygons, replacing, write_table
    from bingeo.regions import divide_regions
    from bingeo.stores import open_store

    if Path(output).suffix.lower() != ".gpkg":
        raise click.BadParameter("the regions are written to a GeoPackage (.gpkg)", param_hint="'--output'")
    if min_households > max_households:
        raise click.BadParameter(
            f"{min_households} is more than --max-households {max_households}; swap them or raise --max-households",
            param_hint="'--min-households'",
        )
    if kind == "whatsapp" and max_households > _WHATSAPP_MAX:
        raise click.BadParameter(
            f"{max_households} households do not fit a WhatsApp group, which holds at most {_WHATSAPP_MAX} members. "
            f"Use --max-households {_WHATSAPP_MAX} or less, or --kind bin when the areas will not be WhatsApp groups.",
            param_hint="'--max-households'",
        )
    with open_store(store) as st:
        nets = st.networks()
        area_frame = read_polygons(area, target_crs=st.crs)
        box = extent_with(st, area_frame)  # the area to divide is mostly outside the networks
        adr = read_points_for_store(addresses, st, layer, crs, x_field, y_field, sheet=sheet, extent=box)
        inc = None
        if incidents:
            inc_crs = incidents_crs or crs
            inc = usable(read_points(incidents, crs=inc_crs, target_crs=st.crs, extent=box))
    click.echo(adr.summary())
    rejected = write_rejects(adr, output)
    if rejected:
        click.echo(f"unusable address rows: {rejected}")
    with progress_bar("dividing into regions") as progress:
        res = divide_regions(
            area_frame,
            adr.points,
            nets,
            min_households=min_households,
            max_households=max_households,
            kind=kind,
            incidents=None if inc is None else inc.points,
            block_field=block_field,
            street_field=street_field,
            households_field=households_field,
            block_size=block_size,
            reach=reach,
            seed=seed,
            progress=progress,
        )
    with replacing(output) as tmp:  # a new file: no layers of an older one survive
        write_table(res.regions, tmp, layer="regions", geometry_type="MultiPolygon")
    isl = islands_path(output)
    if len(res.islands):
        with replacing(isl) as tmp:
            write_table(res.islands, tmp, layer="islands", geometry_type="MultiPolygon")
    else:
        isl.unlink(missing_ok=True)
    for note in res.notes:
        click.echo(f"note: {note}")
    click.echo(res.summary())
    for r in res.regions.itertuples():
        extra = f", {r.incidents} incidents" if "incidents" in res.regions.columns else ""
        click.echo(
            f"  - {r.proposal_id}: {r.households:g} households, {r.addresses} addresses, {r.blocks} blocks{extra}, "
            f"{r.area_m2 / 1e4:,.1f} ha, compactness {r.compactness:.2f}"
        )
    click.echo(f"written: {output} (layer regions)")
    if len(res.islands):
        click.echo(f"blocks in no region: {isl} (layer islands, with the reason)")
