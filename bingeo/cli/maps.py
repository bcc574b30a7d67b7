"""Commands for web maps (``bingeo map``, ``bingeo assets``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from bingeo.cli._common import (
    POSITIVE,
    date_value,
    friendly,
    option_default,
    points_options,
    read_points_for_store,
    store_option,
    time_options,
    usable,
    with_options,
    write_rejects,
)

__all__: list[str] = []


def _split_fields(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [f.strip() for f in v.split(",") if f.strip()]
    return out


_NEEDED = {
    "hotspots": ("rank", "uncovered"),
    "proposals": ("proposal_id", "households"),
    "locations": ("category", "covered_share"),
}


def _read_layer(path: str, wanted: str, what: str, crs: Any) -> Any:
    import geopandas as gpd
    import pyogrio

    from bingeo.errors import InputError

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p.name}: file not found. Give the {what} GeoPackage written by bingeo.")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise InputError(f"{p.name}: cannot be read as a vector file ({type(exc).__name__}).") from None
    layer = wanted if wanted in layers else (layers[0] if len(layers) == 1 else None)
    if layer is None:
        msg = f"{p.name}: no layer {wanted!r}; it has {', '.join(layers)}. Give the output of `bingeo {what}`."
        raise InputError(msg)
    frame = gpd.read_file(p, layer=layer)
    missing = [c for c in _NEEDED[wanted] if c not in frame.columns]
    if missing:
        msg = (
            f"{p.name}: layer {layer!r} is not a {wanted} layer (no column {', '.join(missing)}). "
            f"Give the output of `bingeo {what}`."
        )
        raise InputError(msg)
    if frame.crs is None:
        raise InputError(f"{p.name}: layer {layer!r} has no CRS.")
    return frame.to_crs(crs) if crs is not None and not frame.crs.equals(crs) else frame


@click.command("map")
@store_option
@click.option("--output", "-o", required=True, type=click.Path(), help="The HTML file to write.")
@click.option("--incidents", type=click.Path(), help="Incident points (CSV or vector file): density, points.")
@click.option("--hotspots", type=click.Path(), help="Output of `bingeo hotspots` (layer hotspots).")
@click.option("--emerging", type=click.Path(), help="Output of `bingeo emerging` (layer locations): categories.")
@click.option("--addresses", type=click.Path(), help="Address points, counted per network.")
@click.option("--proposals", type=click.Path(), help="Output of `bingeo propose` (layer proposals).")
@click.option(
    "--fields",
    multiple=True,
    callback=_split_fields,
    metavar="F1,F2",
    help="Incident columns to show in the incident popups (repeatable or comma-separated). Default none.",
)
@click.option("--title", help="Map title.")
@option_default("bingeo.webmap.DENSITY_RADIUS", "--radius", type=POSITIVE, help="Density radius in metres.")
@click.option("--at", callback=date_value, help="Draw the networks as they were on this date (default: all).")
@click.option(
    "--offline",
    is_flag=True,
    help="Inline all JavaScript/CSS (needs `bingeo assets fetch` once); start without a base map.",
)
@click.option(
    "--evaluation",
    type=click.Path(),
    help="Output of `bingeo evaluate --all --output eval.json`: before/after figures in network popups.",
)
@click.option("--type-field", help="Column with the incident type (as for `bingeo hotspots`).")
@click.option("--type", "types", multiple=True, help="Only incidents of this type (repeatable), as for the hot spots.")
@click.option("--date-field", help="Date column for --from/--to (default: the first column recognised as dates).")
@click.option("--from", "start", callback=date_value, help="Only incidents from this date (as `bingeo hotspots`).")
@click.option("--to", "end", callback=date_value, help="Only incidents up to this day (included).")
@with_options(points_options)
@with_options(time_options)
@friendly
def map_cmd(
    store: str,
    output: str,
    incidents: str | None,
    hotspots: str | None,
    emerging: str | None,
    addresses: str | None,
    proposals: str | None,
    fields: list[str],
    title: str | None,
    radius: float,
    at: dt.date | None,
    offline: bool,
    evaluation: str | None,
    type_field: str | None,
    types: tuple[str, ...],
    date_field: str | None,
    start: dt.date | None,
    end: dt.date | None,
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
    """Write a web map (HTML, Leaflet) of the networks with incidents, hot spots, proposals and a draw tool.

    Member data never reaches the map: networks show a members count only.
    --layer, --x-field and --y-field are of the incidents; --crs is of the incident and address CSVs.
    --type, --type-field, --date-field, --from and --to select the incidents drawn (density, points, counts)
    exactly as `bingeo hotspots` selects them: give the same options as for the hot spots on the map.
    Incidents with times (a begin/end window, or dates with a time of day) add each network's hour-of-week
    profile to its popup (--time aoristic spreads each window over its hours).
    """
    from bingeo import _webassets
    from bingeo.aoristic import has_windows, read_windows
    from bingeo.readers import read_points
    from bingeo.stores import open_store
    from bingeo.webmap import save_map, web_map

    out = Path(output)
    if out.suffix.lower() not in (".html", ".htm"):
        raise click.BadParameter("the map is an HTML file: give --output map.html", param_hint="--output")
    if offline:
        _webassets.require_assets()  # raises AssetsMissingError naming `bingeo assets fetch`, before any work
    popups = _read_evaluation(evaluation) if evaluation else None
    with open_store(store) as st:
        inc = read_points_for_store(incidents, st, layer, crs, x_field, y_field, sheet=sheet) if incidents else None
        adr = usable(read_points(addresses, crs=crs, target_crs=st.crs, extent=st.extent())) if addresses else None
        hs = _read_layer(hotspots, "hotspots", "hotspots", st.crs) if hotspots else None
        props = _read_layer(proposals, "proposals", "propose", st.crs) if proposals else None
        em = _read_layer(emerging, "locations", "emerging", st.crs) if emerging else None
        windows = None
        if inc is not None and has_windows(inc.points, begin_field=begin_field, date_field=date_field):
            windows = read_windows(inc, begin_field=begin_field, end_field=end_field, need="profiles need")
        m = web_map(
            st,
            incidents=None if inc is None else inc.points,
            hotspots=hs,
            emerging=em,
            addresses=None if adr is None else adr.points,
            proposals=props,
            fields=fields,
            title=title,
            offline=offline,
            at=at,
            density_radius=radius,
            evaluation=popups,
            type_field=type_field,
            types=list(types) or None,
            date_field=date_field,
            start=start,
            end=end,
            how=how,
            max_window=max_window,
            begin_field=begin_field,
            end_field=end_field,
            windows=windows,
        )
    for what, res in (("incidents", inc), ("addresses", adr)):
        if res is None:
            continue
        for note in res.notes:
            click.echo(f"note: {note}")
        click.echo(res.summary())
        rej = write_rejects(res, str(out.with_name(f"{out.stem}.{what}.csv")))  # map.incidents.rejects.csv
        if rej:
            click.echo(f"{len(res.rejects):,} {what} rows could not be used; they are in {rej}")
    save_map(m, out, offline=offline)
    info = getattr(m, "_bingeo_info", {})
    parts = [f"{info.get('networks_active', 0):,} active and {info.get('networks_retired', 0):,} retired networks"]
    if "incidents" in info:
        parts.append(
            f"{info['incidents']:,} incidents: {info.get('incidents_shown', 'all incidents')} "
            f"(density radius {info['density_radius_m']:g} m; popups: "
            f"{', '.join(info['fields']) or 'no fields'})"
        )
    if "hour_profiles" in info:
        parts.append(f"network popups with an hour-of-week profile ({info['hour_profiles']})")
    if "hotspots" in info:
        parts.append(f"{info['hotspots']:,} hot spots ({info['uncovered_hotspots']:,} uncovered)")
    if "emerging" in info:
        parts.append(f"{info['emerging']:,} cells with an emerging hot-spot category")
    if "proposals" in info:
        parts.append(f"{info['proposals']:,} proposed areas")
    click.echo("map: " + "; ".join(parts) + ". Networks show a members count only.")
    size = out.stat().st_size
    click.echo(f"written: {out} ({size / 1e6:.2f} MB{', offline: all JavaScript/CSS inlined' if offline else ''})")


def _read_evaluation(path: str) -> dict[str, Any]:
    """Read the per-network popup summaries of a `bingeo evaluate --all` JSON output."""
    import json

    from bingeo.errors import InputError

    p = Path(path)
    try:
        payload = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{p.name}: cannot read it as JSON ({type(exc).__name__}). Give the .json output of "
            "`bingeo evaluate --all --output eval.json`."
        ) from None
    popups = payload.get("popups") if isinstance(payload, dict) else None
    if not isinstance(popups, dict):
        raise InputError(f"{p.name}: no 'popups' in it. Give the .json output of `bingeo evaluate --all`.")
    return popups


@click.group()
def assets() -> None:
    """JavaScript/CSS for offline web maps (Leaflet and plugins, from the npm registry)."""


@assets.command("fetch")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False),
    help="Cache folder (default: $BINGEO_ASSETS or the user cache).",
)
@click.option("--force", is_flag=True, help="Download again even when the files are there.")
@friendly
def assets_fetch(folder: str | None, force: bool) -> None:
    """Download the pinned Leaflet packages from registry.npmjs.org, checking their sha512 integrity."""
    from bingeo import _webassets

    root = _webassets.fetch_assets(folder, force=force)
    for p in _webassets.PACKAGES:
        click.echo(f"  {p.name}@{p.version}  {p.integrity[:23]}...")
    click.echo(f"offline web-map assets ready in {root}")


@assets.command("status")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False),
    help="Cache folder (default: $BINGEO_ASSETS or the user cache).",
)
def assets_status(folder: str | None) -> None:
    """Say whether the offline assets are there (exit code 1 when some are missing)."""
    from bingeo import _webassets

    root = Path(folder) if folder else _webassets.assets_dir()
    missing = _webassets.missing_assets(root)
    if missing:
        click.echo(f"{len(missing)} file(s) missing in {root} (first: {missing[0]}): run `bingeo assets fetch`.")
        raise SystemExit(1)
    click.echo(f"all offline web-map assets are in {root}")
