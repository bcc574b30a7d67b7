"""The answers, activity and members' data commands.

``bingeo replies``, ``bingeo activity`` and ``bingeo members forget / export-person / purge / contact-consent``
(added to the ``members`` group by :mod:`bingeo.cli.main`).
"""

from __future__ import annotations

import datetime as dt

import click

from bingeo.cli._common import date_value, friendly, store_option

__all__: list[str] = []


@click.group("replies")
def replies() -> None:
    """Members' answers to alerts: import them from a mailbox, relay them to the police."""


@replies.command("import")
@click.argument("source")
@store_option
@click.option(
    "--unmatched",
    type=click.Path(),
    help="Where unmatched mails go: a .csv listing them (no addresses) or a folder for their raw .eml files.",
)
@click.option("--cafile", type=click.Path(exists=True, dir_okay=False), help="CA certificates to trust for IMAP.")
@friendly
def replies_import(source: str, store: str, unmatched: str | None, cafile: str | None) -> None:
    """Import answers from SOURCE: imaps://user@host[:port]/FOLDER, a Maildir, an mbox or .eml files.

    The IMAP password comes from the environment variable BINGEO_IMAP_PASSWORD or ~/.netrc, never the URL.
    """
    from bingeo.replies import import_replies
    from bingeo.stores import open_store

    with open_store(store) as st:
        result = import_replies(st, source, unmatched=unmatched, cafile=cafile)
    click.echo(result.summary())


@replies.command("relay")
@store_option
@click.option("--alert", "alert_id", required=True, help="The alert id (see `bingeo audit list`).")
@click.option("--output", "-o", required=True, type=click.Path(), help="The digest: .txt, .csv or .html.")
@friendly
def replies_relay(store: str, alert_id: str, output: str) -> None:
    """Write the answers to an alert for the police, without contact details unless consented."""
    from bingeo.replies import relay_replies
    from bingeo.stores import open_store

    with open_store(store) as st:
        digest = relay_replies(st, alert_id, output)
    click.echo(digest.summary())


@click.command("activity")
@store_option
@click.option("--output", "-o", required=True, type=click.Path(), help="CSV: per network per month.")
@friendly
def activity_cmd(store: str, output: str) -> None:
    """Alerts, recipients, answers, answer rate and members joined/left per network per month."""
    from bingeo.activity import network_activity
    from bingeo.stores import open_store

    with open_store(store) as st:
        act = network_activity(st)
    path = act.write(output)
    click.echo(f"{act.summary()}\nWritten to {path}.")


@click.command("forget")
@click.argument("member_id")
@store_option
@click.option("--reason", help="Why (logged in the audit log, e.g. 'request of 2026-12-01').")
@friendly
def forget_cmd(member_id: str, store: str, reason: str | None) -> None:
    """Erase the person of MEMBER_ID everywhere in the store (counts kept in the audit log)."""
    from bingeo.memberdata import forget_member
    from bingeo.stores import open_store

    with open_store(store) as st:
        out = forget_member(st, member_id, reason=reason)
    click.echo(out.summary())


@click.command("export-person")
@click.argument("member_id")
@store_option
@click.option("--output", "-o", required=True, type=click.Path(), help="JSON file for the person.")
@friendly
def export_person_cmd(member_id: str, store: str, output: str) -> None:
    """Write everything the store holds about the person of MEMBER_ID to a JSON file."""
    from bingeo.memberdata import export_person
    from bingeo.stores import open_store

    with open_store(store) as st:
        path = export_person(st, member_id, output)
    click.echo(f"Written to {path} (personal data: give it to the person only).")


@click.command("purge")
@store_option
@click.option("--left-before", required=True, callback=date_value, help="Erase members who left before this date.")
@friendly
def purge_cmd(store: str, left_before: dt.date) -> None:
    """Erase the members who left before a date (see the retention in the README)."""
    from bingeo.memberdata import purge_members
    from bingeo.stores import open_store

    with open_store(store) as st:
        out = purge_members(st, left_before=left_before)
    click.echo(out.summary())


@click.command("contact-consent")
@click.argument("member_id")
@store_option
@click.option("--yes/--no", "contact", required=True, help="Whether the person agrees to be contacted by the police.")
@click.option("--on", "given_on", callback=date_value, help="When the person said so (default today).")
@friendly
def contact_consent_cmd(member_id: str, store: str, contact: bool, given_on: dt.date | None) -> None:
    """Record whether the person of MEMBER_ID may be named and contacted in relayed answers."""
    from bingeo.replies import set_contact_consent
    from bingeo.stores import open_store

    with open_store(store) as st:
        set_contact_consent(st, member_id, contact, given_on=given_on)
    click.echo(f"contact consent of member {member_id}: {'yes' if contact else 'no'}")


#: The commands of the ``members`` group defined here.
MEMBER_COMMANDS = (forget_cmd, export_person_cmd, purge_cmd, contact_consent_cmd)
