"""Networks as streets (``bingeo networks from-streets``, ``bingeo networks streets``) and ``bingeo invitations``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bingeo.cli._common import (
    POSITIVE,
    date_value,
    fields_value,
    friendly,
    option_default,
    points_options,
    read_points_for_store,
    store_option,
    usable,
    with_options,
)

__all__: list[str] = []

_address_fields = [
    click.option("--addresses", required=True, type=click.Path(), help="Address points with street and house number."),
    click.option("--street-field", help="Address column with the street name (default: found by name)."),
    click.option("--number-field", help="Address column with the house number (default: found by name)."),
]


def _read_addresses(addresses: str, st: Any, layer: Any, crs: Any, x_field: Any, y_field: Any, sheet: Any) -> Any:
    if st is not None:
        return read_points_for_store(addresses, st, layer, crs, x_field, y_field, sheet=sheet)
    from bingeo.readers import read_points

    return usable(read_points(addresses, layer=layer, sheet=sheet, crs=crs, x_field=x_field, y_field=y_field))


@click.command("from-streets")
@click.argument("streets", type=click.Path())
@store_option
@click.option("--network-id", help="Id of the new network when the list has no network column.")
@click.option("--kind", type=click.Choice(["bin", "zbin", "whatsapp"]), default="bin", show_default=True)
@click.option(
    "--field",
    "fields",
    multiple=True,
    callback=fields_value,
    metavar="FIELD=COLUMN",
    help="Column of the street list for network_id, name, street, from, to, side or city (default: by name).",
)
@option_default(
    "bingeo.streets.BUFFER", "--buffer", type=POSITIVE, help="Metres the polygon reaches past the outer addresses."
)
@click.option("--output", "-o", type=click.Path(), help="Also write the polygons here (.gpkg, .geojson).")
@click.option("--effective", callback=date_value, help="Date from which changed boundaries apply (default today).")
@click.option(
    "--skip-missing",
    is_flag=True,
    help="Import the networks although some listed streets or ranges hold no address (default: refuse).",
)
@click.option(
    "--store-crs",
    help="CRS of a NEW store (default: the addresses'; for addresses in degrees their national grid or UTM zone).",
)
@with_options(_address_fields)
@with_options(points_options)
@friendly
def from_streets_cmd(
    streets: str,
    addresses: str,
    store: str,
    network_id: str | None,
    kind: str,
    fields: dict[str, str],
    buffer: float,
    output: str | None,
    effective: dt.date | None,
    skip_missing: bool,
    store_crs: str | None,
    street_field: str | None,
    number_field: str | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """Make networks from STREETS, a charter's list of streets and house numbers, and import them into the store.

    STREETS (CSV or spreadsheet) has a street column and optionally network, from, to and side (odd, even,
    both) columns, in English, Dutch or French. Each network becomes a polygon around exactly its
    addresses; the summary names addresses of other streets that ended up inside and listed streets
    without an address.
    """
    from bingeo.errors import InputError
    from bingeo.readers import write_table
    from bingeo.registry import import_networks
    from bingeo.stores import open_existing_store
    from bingeo.streets import network_from_streets, read_charter

    charter = read_charter(streets, network_id=network_id, fields=fields)
    st = open_existing_store(store)
    try:
        adr = _read_addresses(addresses, st, layer, crs, x_field, y_field, sheet)
    finally:
        if st is not None:
            st.close()
    click.echo(adr.summary())
    res = network_from_streets(charter, adr.points, buffer=buffer, street_field=street_field, number_field=number_field)
    click.echo(res.summary())
    if len(res.networks) == 0:
        raise InputError(f"{streets}: no listed street matched an address, so no network was made (see above).")
    if res.misses and not skip_missing:
        msg = (
            f"{streets}: {len(res.misses)} listed street(s) or range(s) hold no address (NOT FOUND above), so "
            "nothing was imported. Correct the spelling or the numbers in the list, or give `--skip-missing` to "
            "import the networks without them."
        )
        raise InputError(msg)
    if output:
        write_table(res.networks, output)
        click.echo(f"written: {output}")
    frame = res.networks[["network_id", "name", "geometry"]]
    report = import_networks(
        frame,
        store,
        name=Path(streets).name,
        id_field="network_id",
        name_field="name",
        kind=kind,
        effective=effective,
        store_crs=store_crs,
    )
    click.echo(report.summary())


@click.command("streets")
@click.argument("network_ids", nargs=-1)
@click.option("--store", metavar="STORE", help="The store whose networks are listed (or give --proposals).")
@click.option(
    "--proposals",
    type=click.Path(),
    help="Proposed areas (`bingeo propose`, `regions` or `plan` output) to list instead of the store's networks.",
)
@click.option("--output", "-o", required=True, type=click.Path(), help="Street list to write (.csv; ;-separated).")
@click.option("--at", callback=date_value, help="Use the networks valid on this date (default: today's).")
@with_options(_address_fields)
@with_options(points_options)
@friendly
def streets_cmd(
    network_ids: tuple[str, ...],
    addresses: str,
    store: str | None,
    proposals: str | None,
    output: str,
    at: dt.date | None,
    street_field: str | None,
    number_field: str | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """List per network (or proposed area) its streets and house-number ranges, as a charter lists them.

    NETWORK_IDS limits the list to these networks or proposals (default: all). The list reads back with
    `bingeo networks from-streets`.
    """
    from bingeo.errors import InputError
    from bingeo.stores import open_store
    from bingeo.streets import streets_in_areas

    if (store is None) == (proposals is None):
        raise InputError("give the areas to list: --store STORE (its networks) or --proposals proposals.gpkg.")
    if proposals:
        adr = _read_addresses(addresses, None, layer, crs, x_field, y_field, sheet)
        areas = _proposals(proposals, adr.points.crs).rename(columns={"proposal_id": "network_id"})
    else:
        with open_store(store) as st:
            areas = st.networks(at=at)
            adr = read_points_for_store(addresses, st, layer, crs, x_field, y_field, sheet=sheet)
    click.echo(adr.summary())
    if network_ids:
        areas = _only(areas, "network_id", network_ids, lambda u: f"no network or proposal {u}.")
    table = streets_in_areas(areas, adr.points, street_field=street_field, number_field=number_field)
    _write_list(table, output)
    for note in table.attrs.get("notes", []):
        click.echo(note)
    empty = sorted(set(areas["network_id"].astype(str)) - set(table["network_id"].astype(str)))
    for nid, rows in table.groupby("network_id", sort=False):
        click.echo(f"  - {nid}: {rows['street'].nunique()} streets, {int(rows['addresses'].sum())} addresses")
    if empty:
        click.echo(f"{len(empty)} area(s) hold no address: {', '.join(empty[:20])}")
    click.echo(f"written: {output}")


def _proposals(path: str, crs: Any) -> Any:
    """Read proposed areas (id proposal_id) into ``crs``: layer proposals of `bingeo propose`, else the only layer.

    The only polygon layer is that of `bingeo regions` (regions) or `bingeo plan` (plan). A plan names its areas
    ``candidate_id`` (candidates need not be proposals: neighbourhoods, postcode areas, ...); that is the id then.
    """
    import pyogrio

    from bingeo.errors import InputError
    from bingeo.readers import read_polygons

    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, OSError):
        names = []  # read_polygons says what is wrong with the file
    props = read_polygons(path, layer="proposals" if "proposals" in names else None, target_crs=crs)
    if "proposal_id" not in props.columns and "candidate_id" in props.columns:  # `bingeo plan` of any candidates
        props = props.rename(columns={"candidate_id": "proposal_id"})
    if "proposal_id" not in props.columns:
        raise InputError(
            f"{path}: no column proposal_id; give the output of `bingeo propose`, `bingeo regions` or `bingeo plan`."
        )
    return props


def _only(frame: Any, column: str, ids: Any, problem: Callable[[str], str]) -> Any:
    """Return the rows of ``frame`` whose ``column`` is one of ``ids``.

    An id not there is an InputError: ``problem`` of the unknown ids, then the known ones.
    """
    from bingeo.errors import InputError

    have = frame[column].astype(str)
    unknown = sorted(set(ids) - set(have))
    if unknown:
        known = ", ".join(sorted(have)[:20])
        raise InputError(f"{problem(', '.join(unknown))} Known: {known}.")
    return frame[have.isin(ids)]


def _write_list(table: Any, output: str) -> None:
    from bingeo.errors import InputError
    from bingeo.invitations import write_invitations

    if Path(output).suffix.lower() != ".csv":
        raise InputError(f"--output {output}: the list is written as CSV; give a name ending in .csv.")
    write_invitations(table, output)  # ;-CSV with BOM and CRLF, as Dutch Excel opens it


@click.command("invitations")
@click.option("--area", type=click.Path(), help="Area drawn or exported (GeoJSON, GeoPackage, Shapefile, WKT).")
@click.option("--area-crs", help="CRS of --area when the file does not say (a GeoJSON without `crs` is lon/lat).")
@click.option("--network", "network_id", help="A network of the store (needs --store).")
@click.option("--proposal", "proposal_id", help="A proposed area (needs --proposals).")
@click.option("--proposals", type=click.Path(), help="Output of `bingeo propose`, `bingeo regions` or `bingeo plan`.")
@click.option("--store", metavar="STORE", help="The store holding --network.")
@click.option("--output", "-o", required=True, type=click.Path(), help="Mail-merge list (.csv; ;-separated, BOM).")
@click.option("--labels", type=click.Path(), help="Also write address labels (A4, 3 x 8) to this PDF.")
@option_default("bingeo.invitations.ADDRESSEE", "--addressee", help="First line of every label.")
@with_options(_address_fields)
@with_options(points_options)
@friendly
def invitations_cmd(
    area: str | None,
    area_crs: str | None,
    network_id: str | None,
    proposal_id: str | None,
    proposals: str | None,
    store: str | None,
    addresses: str,
    output: str,
    labels: str | None,
    addressee: str,
    street_field: str | None,
    number_field: str | None,
    layer: str | None,
    sheet: str | None,
    crs: str | None,
    x_field: str | None,
    y_field: str | None,
) -> None:
    """List the addresses inside an area (never persons) to invite to an information evening.

    The list is sorted for delivery on foot: street by street, up the odd side and down the even side.
    """
    from bingeo.errors import InputError
    from bingeo.invitations import LABEL_COLUMNS, LABEL_ROWS, invitation_list, write_labels
    from bingeo.recipients import area_from_file
    from bingeo.stores import open_store

    given = [o for o, v in (("--area", area), ("--network", network_id), ("--proposal", proposal_id)) if v]
    if len(given) != 1:
        raise InputError("give one area: --area FILE, --network ID (with --store) or --proposal ID (with --proposals).")
    if network_id and not store:
        raise InputError("--network needs --store STORE, the store that holds the network.")
    if proposal_id and not proposals:
        raise InputError("--proposal needs --proposals proposals.gpkg, the output of `bingeo propose`.")
    if labels and Path(labels).suffix.lower() != ".pdf":
        raise InputError(f"--labels {labels}: the labels are a PDF; give a name ending in .pdf.")
    if network_id:
        with open_store(store) as st:
            nets = st.networks()
            adr = read_points_for_store(addresses, st, layer, crs, x_field, y_field, sheet=sheet)
        shape = _only(nets, "network_id", [network_id], lambda u: f"--network {u}: no such active network in {store}.")
    else:
        adr = _read_addresses(addresses, None, layer, crs, x_field, y_field, sheet)
        if area:
            shape = area_from_file(area, target_crs=adr.points.crs, crs=area_crs)
        else:
            props = _proposals(proposals, adr.points.crs)
            shape = _only(props, "proposal_id", [proposal_id], lambda u: f"--proposal {u}: not in {proposals}.")
    click.echo(adr.summary())
    inv = invitation_list(shape, adr.points, addressee=addressee, street_field=street_field, number_field=number_field)
    if len(inv) == 0:
        raise InputError(f"no address lies inside {given[0]}: check the area and that --addresses covers it.")
    _write_list(inv, output)
    for note in inv.attrs.get("notes", []):
        click.echo(note)
    click.echo(f"{len(inv)} addresses on {inv['street'].nunique()} streets, sorted for delivery on foot")
    click.echo(f"written: {output}")
    if labels:
        write_labels(inv, labels)
        per_page = LABEL_COLUMNS * LABEL_ROWS
        click.echo(f"written: {labels} ({-(-len(inv) // per_page)} A4 pages of 3 x 8 labels)")
