"""``bingeo demo``: the whole current pipeline on ``data/samples/``, explained as it runs."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bingeo.errors import InputError

if TYPE_CHECKING:
    from bingeo.emerging import EmergingResult
    from bingeo.plan import PlanResult

__all__ = ["DEMO_MARKER", "PLAN_K", "run_demo", "samples_dir"]

#: File the demo leaves in its output folder: only such a folder (or an empty one) is replaced by a new run.
DEMO_MARKER = ".bingeo-demo"


def samples_dir() -> Path:
    """Find the sample data folder: ``$BINGEO_SAMPLES`` or ``data/samples`` of the source checkout."""
    env = os.environ.get("BINGEO_SAMPLES")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[1] / "data" / "samples", Path.cwd() / "data" / "samples"]
    for c in candidates:
        if (c / "networks.gpkg").exists():
            return c
    msg = (
        "the sample data (data/samples/networks.gpkg) was not found. Run the demo from a source checkout "
        "(`pip install -e .` in the repository) or set BINGEO_SAMPLES to the folder."
    )
    raise InputError(msg)


def _prepare_output(output: Path) -> None:
    """Empty ``output`` for a new run, refusing anything that is not an earlier demo's folder."""
    if output.exists() and not output.is_dir():
        msg = f"{output} is a file. Give the demo a folder for its outputs (`--output bingeo-demo`)."
        raise InputError(msg)
    if output.is_dir() and any(output.iterdir()):
        if not (output / DEMO_MARKER).exists():
            msg = (
                f"{output} already holds files that the demo did not write; they are left as they are. "
                "Give the demo a new or empty folder (`--output bingeo-demo`)."
            )
            raise InputError(msg)
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)
    (output / DEMO_MARKER).write_text("outputs of `bingeo demo`; the next run replaces this folder\n")


def run_demo(output: Path, *, echo: Callable[[str], None] = print, offline: bool = False) -> dict[str, Path]:
    """Run the workflows on the samples, import to plan and invitations, and explain each step.

    Outputs are written into ``output``: a new or empty folder, or the folder of an earlier run (which is
    replaced); any other folder is refused, so the demo never deletes a user's files.

    Parameters
    ----------
    output : pathlib.Path
        The output folder.
    echo : callable
        Where the explanation goes, line by line.
    offline : bool
        Write the web map with every JavaScript/CSS file inlined (needs ``bingeo assets fetch`` once).

    Returns
    -------
    dict of str to pathlib.Path
        The paths of the outputs by name.
    """
    from bingeo.addresses import addresses_for_store
    from bingeo.alerting import follow_up, send_alert
    from bingeo.aoristic import network_profiles, require_windows
    from bingeo.assign import assign
    from bingeo.charts import write_hour_table
    from bingeo.counts import count_incidents
    from bingeo.coverage import coverage
    from bingeo.emerging import find_emerging
    from bingeo.hotspots import find_hotspots
    from bingeo.members import members_from_file
    from bingeo.propose import propose_areas
    from bingeo.readers import read_points, rejects_path, write_table
    from bingeo.recipients import area_around
    from bingeo.registry import check_networks, import_networks
    from bingeo.stores import open_store
    from bingeo.webmap import save_map, web_map

    src = samples_dir()
    if offline:
        from bingeo import _webassets

        _webassets.require_assets()  # before any work: the message names `bingeo assets fetch`
    _prepare_output(output)
    store_path = output / "bins.gpkg"
    paths: dict[str, Path] = {"store": store_path}

    echo(f"bingeo demo: sample data from {src}\n")
    echo("1. Registry: import the BIN boundaries (field names found automatically).")
    rep = import_networks(src / "networks.gpkg", store_path, layer="networks")
    echo("   " + rep.summary().replace("\n", "\n   "))
    upd = src / "networks_update.geojson"
    if upd.exists():
        echo("\n   Re-import an edited export (GeoJSON, WGS84): updates by id, keeps history.")
        rep2 = import_networks(upd, store_path, effective=dt.date(2024, 1, 1))
        echo("   " + rep2.summary().replace("\n", "\n   "))

    with open_store(store_path) as st:
        nets = st.networks()
        every = st.networks(include_retired=True)
        extent = st.extent()
        crs = st.crs
        echo(f"\n   Store {store_path}: {len(every)} networks, {len(nets)} active, CRS EPSG:{crs.to_epsg()}.")
        kinds = nets["kind"].value_counts().to_dict()
        echo("   Active by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))

        echo("\n2. Check: overlaps, slivers and gaps between active networks.")
        chk = check_networks(nets)
        echo("   " + chk.summary().replace("\n", "\n   "))

        echo("\n3. Assign incidents (a Dutch police CSV export: ';', decimal commas, Windows-1252).")
        inc = read_points(src / "incidents.csv", crs=28992, target_crs=crs, extent=extent)
        for note in inc.notes:
            echo(f"   note: {note}")
        echo("   " + inc.summary().replace("\n", "\n   "))
        assigned = assign(inc.points, nets)
        paths["incidents"] = output / "incidents_assigned.gpkg"
        write_table(assigned, paths["incidents"], layer="incidents")
        if len(inc.rejects):
            paths["incident_rejects"] = rejects_path(paths["incidents"])
            write_table(inc.rejects, paths["incident_rejects"])
        inside = int(assigned["network_id"].notna().sum())
        echo(
            f"   {inside:,} of {len(assigned):,} incidents lie inside a network; "
            f"{len(assigned) - inside:,} outside every network."
        )

        echo("\n4. Assign addresses and count incidents per network per year, with rates per 1,000 addresses.")
        adr = read_points(src / "addresses.csv", crs=28992, target_crs=crs, extent=extent)
        echo("   " + adr.summary().replace("\n", "\n   "))
        type_field = next((c for c in ("soort_delict", "type", "delict") if c in inc.points.columns), None)
        table = count_incidents(assigned, nets, by="year", type_field=None, addresses=adr.points)
        paths["counts"] = output / "counts_by_year.csv"
        write_table(table, paths["counts"])
        if type_field:
            by_type = count_incidents(assigned, nets, type_field=type_field, addresses=adr.points)
            paths["counts_by_type"] = output / "counts_by_type.csv"
            write_table(by_type, paths["counts_by_type"])

        echo("\n5. Coverage: addresses and households the networks reach.")
        cov = coverage(nets, adr.points, by="municipality")
        echo("   " + "\n   ".join(cov.summary().splitlines()[:1]))
        paths["coverage"] = output / "coverage.csv"
        write_table(cov.networks, paths["coverage"])

        echo("\n6. Hot spots (Gi*, FDR-corrected) and the ones no network covers.")
        hs = find_hotspots(inc.points, networks=nets, addresses=adr.points)
        paths["hotspots"] = output / "hotspots.gpkg"
        write_table(hs.cells, paths["hotspots"], layer="cells", geometry_type="Polygon")
        write_table(hs.hotspots, paths["hotspots"], layer="hotspots", geometry_type="MultiPolygon")
        echo("   " + "\n   ".join(hs.summary().splitlines()[:8]))

        echo("\n7. Emerging hot spots: burglaries per quarter, where it is getting hotter (space-time Gi*, trends).")
        em = find_emerging(inc.points, networks=nets, interval="quarter", type_field=type_field, types="woninginbraak")
        paths["emerging"] = output / "emerging.gpkg"
        write_table(em.cube, paths["emerging"], layer="cube")
        write_table(em.locations, paths["emerging"], layer="locations", geometry_type="Polygon")
        echo("   " + "\n   ".join(em.summary().splitlines()[:2]))
        cats = em.locations["category"].value_counts()
        echo("   Cells by category: " + ", ".join(f"{c} {n}" for c, n in cats.items() if c != "No Pattern Detected"))
        for line in _emerged(em):
            echo("   " + line)

        echo("\n8. Proposed new BIN areas around the uncovered hot spots (50-250 households, whole streets).")
        props = propose_areas(hs.hotspots, adr.points, nets, incidents=inc.points)
        paths["proposals"] = output / "proposals.gpkg"
        write_table(props, paths["proposals"], layer="proposals", geometry_type="MultiPolygon")
        for r in props.head(5).itertuples():
            echo(f"   {r.proposal_id}: {r.households} households, {r.incidents} incidents; streets: {r.streets}")
        if len(props) > 5:
            echo(f"   … {len(props) - 5} more in {paths['proposals']}")

        echo("\n9. Alert: the members within 300 m of the hottest hot-spot cell in a BIN (urgent: SMS, else a call).")
        st.import_addresses(addresses_for_store(adr.points, source="addresses.csv"))
        mem = members_from_file(src / "members.csv", crs=28992, addresses=st.addresses())
        echo("   " + mem.summary().replace("\n", "\n   "))
        if len(mem.rejects):
            paths["member_rejects"] = output / "members.rejects.csv"
            write_table(mem.rejects, paths["member_rejects"])  # reasons only, no member data
        st.upsert_members(mem.members)  # the store reprojects
        # the hottest hot-spot cell whose centre lies in a residents' BIN (not a shop-owners' Z-BIN)
        hot = hs.cells[hs.cells["hot"]]
        bins = nets[nets["kind"] == "bin"]
        centres = hot.geometry.centroid
        in_bin = centres.apply(lambda c: bool(bins.covers(c).any()))
        if in_bin.any():
            centre = centres[in_bin].loc[hot.loc[in_bin, "gi_z"].idxmax()]
            area = area_around(centre.x, centre.y, 300.0, crs_of_xy=crs, target_crs=crs)
            paths["recipients"] = output / "alert_recipients.csv"
            alert = send_alert(
                st,
                paths["recipients"],
                area=area,
                urgency="urgent",
                operator="bingeo demo",
                reason="demo: incident series at the busiest covered hot spot",
                coordinators=True,
            )
            echo(f"   300 m around ({centre.x:,.0f}, {centre.y:,.0f}):")
            echo("   " + alert.summary().replace("\n", "\n   "))
            follow = follow_up(
                st,
                alert.alert_id,
                output / "alert_follow_up.csv",
                urgency="normal",
                operator="bingeo demo",
                reason="demo: afloopbericht",
            )
            paths["follow_up"] = output / "alert_follow_up.csv"
            echo(
                f"   Follow-up (afloopbericht, e-mail first) to the same people: "
                f"{len(follow.selection.recipients)} recipients; audit log: {len(st.audit())} entries."
            )

        echo("\n10. Web map: networks, incident density, hot spots, proposals, and a draw tool for alert areas.")
        m = web_map(
            st,
            incidents=inc.points,
            hotspots=hs,
            addresses=adr.points,
            proposals=props,
            emerging=em,
            fields=[type_field] if type_field else [],
            title="bingeo demo: Groningen",
            offline=offline,
        )
        paths["map"] = save_map(m, output / "map.html", offline=offline)
        echo(
            f"   {paths['map']} ({paths['map'].stat().st_size / 1e6:.2f} MB"
            + (", offline: all JavaScript/CSS inlined" if offline else "")
            + "): open it in a browser. Member counts only; no member data is on the map."
        )

        echo("\n11. When: burglaries known by a time window (left home / came back), spread over the hours (aoristic).")
        burg = read_points(src / "woninginbraken.csv", crs=28992, target_crs=crs, extent=extent)
        burg, windows = require_windows(burg, need="a profile needs")
        echo("   " + burg.summary().replace("\n", "\n   "))
        prof = network_profiles(burg.points, nets, windows)
        paths["profile"] = output / "burglary_hours.csv"
        write_table(prof.table, paths["profile"])
        paths["profile_chart"] = write_hour_table(
            prof.weights.sum(axis=0), output / "burglary_hours.png", title="BURGLARIES (AORISTIC)"
        )
        at_begin = network_profiles(burg.points, nets, windows, how="begin").weights.sum(axis=0)
        spread = prof.weights.sum(axis=0)
        days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        d1, h1 = divmod(int(at_begin.argmax()), 24)
        d2, h2 = divmod(int(spread.argmax()), 24)
        echo(
            f"   Counted at the begin of each window the busiest hour is {days[d1]} {h1:02d}:00; spread over the "
            f"windows it is {days[d2]} {h2:02d}:00 ({prof.long_windows} windows over 14 days at their midpoint)."
        )

        echo("\n12. Forecast: where burglary risk is raised next week (ProMap), and which networks to warn.")
        from bingeo.forecast import backtest, forecast

        burglary = {"types": "woninginbraak", "type_field": type_field} if type_field else {}
        fc = forecast(inc.points, networks=nets, **burglary)
        paths["forecast"] = output / "forecast.gpkg"
        fc.write(paths["forecast"])
        lines = fc.summary().splitlines()
        echo("   " + "\n   ".join(line for line in lines[:9] if not line.startswith("note:")))
        bt = backtest(inc.points, weeks=26, **burglary)
        echo("   Backtest of the last 26 weeks (each week forecast from the weeks before it):")
        echo("   " + "\n   ".join(bt.summary().splitlines()[2:7]))

        echo(
            f"\n13. Plan: of the proposed areas, the {PLAN_K} that together reach the most uncovered incidents "
            "(each once)."
        )
        plan = _plan(props, inc.points, nets, output, paths)
        echo("   " + plan.summary().replace("\n", "\n   ") if plan is not None else "   No area was proposed.")

        if plan is not None:
            best = str(plan.gains["candidate_id"].iloc[0])
            echo(f"\n14. Invite: the streets of {best} for its charter, and its addresses for the information evening.")
            _invite(props[props["proposal_id"] == best], adr.points, output, paths, echo)

    total = table.groupby(["network_id", "network_name"], as_index=False).agg(
        incidents=("incidents", "sum"), addresses=("addresses", "first")
    )
    total = total[(total["network_id"] != "") & (total["addresses"] > 0)]
    total["rate"] = total["incidents"] / total["addresses"] * 1000
    top = total.sort_values("rate", ascending=False).head(3)
    outside = int(table.loc[table["network_id"] == "", "incidents"].sum())
    echo("\nWhat it shows:")
    echo(
        "   Highest incident rates per 1,000 addresses: "
        + "; ".join(f"{r.network_name} ({r.rate:,.0f})" for r in top.itertuples())
    )
    echo(f"   {outside:,} incidents happened outside every network.")
    unc = hs.hotspots[hs.hotspots["uncovered"]]
    echo(
        f"   {len(unc)} of {len(hs.hotspots)} statistically significant hot spots have no BIN; the largest holds "
        f"{int(unc['incidents'].max()) if len(unc) else 0} incidents. {len(props)} new areas are proposed for them."
    )
    if plan is not None:
        echo(
            f"   The {len(plan.gains)} best new areas reach {plan.reached:,.0f} of {plan.total:,.0f} uncovered "
            f"incidents ({', '.join(plan.gains['candidate_id'])})."
        )
    echo("\nOutputs:")
    for name, p in paths.items():
        echo(f"   {name:17s} {p}")
    echo(
        "Open the .gpkg files in QGIS; the CSV files in a spreadsheet. The alert_*.csv files hold (synthetic) "
        "member contacts: in real use they are personal data."
    )
    return paths


#: Areas the demo's plan chooses among the proposals.
PLAN_K = 3


def _plan(props: Any, incidents: Any, networks: Any, output: Path, paths: dict[str, Path]) -> PlanResult | None:
    """Choose the :data:`PLAN_K` best proposals; write the gains table and chart into ``output``."""
    from bingeo.charts import write_gain_chart
    from bingeo.plan import plan_areas
    from bingeo.readers import write_table

    if not len(props):
        return None
    plan = plan_areas(props, incidents, k=PLAN_K, networks=networks)
    paths["plan"] = output / "plan.csv"
    write_table(plan.gains, paths["plan"])
    paths["plan_chart"] = write_gain_chart(plan.gains, plan.total, output / "plan.png", title=f"BEST {PLAN_K} AREAS")
    return plan


def _invite(area: Any, addresses: Any, output: Path, paths: dict[str, Path], echo: Callable[[str], None]) -> None:
    """Write the street list of ``area`` and its invitations (mail-merge list and address labels)."""
    from bingeo.invitations import invitation_list, write_invitations, write_labels
    from bingeo.readers import write_table
    from bingeo.streets import streets_in_areas

    streets = streets_in_areas(area, addresses, id_field="proposal_id")
    paths["streets"] = output / "new_area_streets.csv"
    write_table(streets, paths["streets"])
    names = list(dict.fromkeys(streets["street"]))
    echo(f"   {len(names)} street(s): {', '.join(names[:6])}{' …' if len(names) > 6 else ''}")
    invited = invitation_list(area, addresses)
    paths["invitations"] = write_invitations(invited, output / "invitations.csv")
    paths["labels"] = write_labels(invited, output / "invitation_labels.pdf")
    echo(
        f"   {len(invited):,} addresses to invite (never persons), in walking order; address labels: "
        f"{-(-len(invited) // 24)} A4 page(s) of 3 x 8."
    )


#: Categories of a hot spot that appeared during the period (ArcGIS's Emerging Hot Spot Analysis).
EMERGED = ("New Hot Spot", "Consecutive Hot Spot", "Intensifying Hot Spot")


def _emerged(em: EmergingResult) -> list[str]:
    """Describe each group of touching cells that became a hot spot: since when, its burglaries, who covers it."""
    import numpy as np
    from scipy import ndimage

    from bingeo.emerging import final_run

    loc = em.locations[em.locations["category"].isin(EMERGED)]
    if not len(loc):
        return ["No hot spot emerged in this period."]
    rows, cols = loc["row"].to_numpy(), loc["col"].to_numpy()
    hot = em.ehs.hot[:, rows, cols]  # (steps, cells); these categories are hot in the final step
    since = hot.shape[0] - final_run(hot)
    mask = np.zeros((em.grid.nrows, em.grid.ncols), dtype=bool)
    mask[rows, cols] = True
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3)))
    loc = loc.assign(since=since, group=labels[rows, cols])
    lines = []
    for _, cells in sorted(loc.groupby("group"), key=lambda kv: -int(kv[1]["count"].sum())):
        start = em.steps[int(cells["since"].min())]
        centre = cells.geometry.union_all().centroid
        nets = sorted({n for n in cells["network_id"] if n})
        kinds = ", ".join(f"{n} {c.split()[0].lower()}" for c, n in cells["category"].value_counts().items())
        lines.append(
            f"Hot since {start.year}-Q{(start.month - 1) // 3 + 1}: {len(cells)} cell{'s' if len(cells) > 1 else ''} "
            f"around ({centre.x:,.0f}, {centre.y:,.0f}), {int(cells['count'].sum()):,} burglaries ({kinds}); "
            + (f"partly inside {', '.join(nets)}." if nets else "no network covers them.")
        )
    return lines
