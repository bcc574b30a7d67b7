"""Commands for store administration: ``bingeo store init|copy|info|grants``."""

from __future__ import annotations

import click

from bingeo.cli._common import friendly, progress_bar

_store_as_option = click.option(
    "--store",
    "store_opt",
    metavar="LOCATION",
    help="The same as LOCATION, as every other command takes it: a GeoPackage file or postgresql://... URL.",
)


def _location(location: str | None, store_opt: str | None) -> str:
    """LOCATION, given as the argument or as --store (the same value both ways is fine)."""
    if location and store_opt and location != store_opt:
        msg = f"give the store once: LOCATION {location!r} and --store {store_opt!r} differ."
        raise click.UsageError(msg)
    if not (location or store_opt):
        raise click.UsageError("give the store: LOCATION or --store LOCATION (e.g. bins.gpkg).")
    return str(location or store_opt)


__all__ = ["store"]


@click.group("store")
def store() -> None:
    """Create, upgrade, inspect and copy stores (GeoPackage files or PostGIS schemas)."""


@store.command("init")
@click.argument("location", required=False)
@_store_as_option
@click.option("--crs", "crs", help="CRS of a NEW store, e.g. 28992, 31370, 3812 (fixed once created).")
@friendly
def store_init(location: str | None, store_opt: str | None, crs: str | None) -> None:
    """Create the store LOCATION, or upgrade an older one in place.

    LOCATION is a GeoPackage file (bins.gpkg) or postgresql://user@host/db?schema=bingeo
    (password from PGPASSWORD, ~/.pgpass or a service file). In PostGIS this creates the
    schema with its tables, GiST indexes and the append-only audit log.
    """
    from bingeo.stores import open_store

    location = _location(location, store_opt)
    with open_store(location, create=True, crs=crs) as st:
        click.echo(
            f"store {st.location} ready: schema version {st.schema_version}, "  # type: ignore[attr-defined]
            f"CRS EPSG:{st.crs.to_epsg()}."
        )


@store.command("copy")
@click.argument("source")
@click.argument("target")
@friendly
def store_copy(source: str, target: str) -> None:
    """Copy the whole store SOURCE into the new or empty store TARGET (GeoPackage <-> PostGIS).

    Networks with their history, members, addresses and the audit log are copied as they are
    (versions, dates, timestamps), in one transaction.
    """
    from bingeo.stores import copy_store, open_store

    with open_store(source) as src, open_store(target, create=True, crs=src.crs) as dst:
        with progress_bar("copying") as progress:
            counts = copy_store(src, dst, progress=progress)
        shown = f"{src.location} to {dst.location}"  # .location never shows a password
    parts = ", ".join(f"{n} {table}" for table, n in counts.items())
    click.echo(f"copied {shown}: {parts}.")


@store.command("info")
@click.argument("location", required=False)
@_store_as_option
@friendly
def store_info(location: str | None, store_opt: str | None) -> None:
    """Show a store's backend, CRS, schema version and row counts (no member data)."""
    from bingeo._crs import crs_label
    from bingeo.stores import open_store
    from bingeo.stores.base import TABLES

    location = _location(location, store_opt)
    with open_store(location) as st:
        click.echo(f"store:            {st.location}")
        click.echo(f"backend:          {type(st).__name__}")
        click.echo(f"CRS:              {crs_label(st.crs)}")
        click.echo(f"schema version:   {st.schema_version}")  # type: ignore[attr-defined]
        for table in TABLES:
            click.echo(f"{table + ':':15} {st._count(table)} rows")


@store.command("grants")
@click.argument("location", required=False)
@_store_as_option
@click.option("--role", required=True, help="The application role (it must exist).")
@click.option("--apply", "apply_", is_flag=True, help="Run the statements (as the schema's owner).")
@friendly
def store_grants(location: str | None, store_opt: str | None, role: str, apply_: bool) -> None:
    """Print (or --apply) the GRANTs for an application role of a PostGIS store.

    The role may read and write networks, members and addresses, and only INSERT and
    SELECT in audit_log: for it the audit log is append-only.
    """
    from bingeo.errors import InputError
    from bingeo.stores import is_postgis_url
    from bingeo.stores.postgis import PostgisStore, app_role_grants, parse_url

    location = _location(location, store_opt)
    if not is_postgis_url(location):
        msg = f"GRANTs exist only in PostGIS stores; {location!r} is not a postgresql:// URL."
        raise InputError(msg)
    if not apply_:
        click.echo("\n".join(app_role_grants(parse_url(location)[1], role)))
        return
    with PostgisStore(location) as st:
        done = st.grant_app_role(role)
    click.echo("\n".join(done))
    click.echo(f"granted to {role}.")
