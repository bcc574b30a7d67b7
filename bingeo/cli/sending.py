"""The ``bingeo send`` command: the e-mail part of an alert through the coordinator's own SMTP server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bingeo.cli._common import POSITIVE, friendly, progress_bar, store_option

__all__: list[str] = []


def _values(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r}: use NAME=TEXT, e.g. network='BIN Oosterpoort'")
        k, text = v.split("=", 1)
        out[k.strip()] = text.strip()
    return out


def _read_message(path: str) -> str:
    from bingeo.errors import InputError

    p = Path(path)
    if not p.is_file():
        msg = f"--message {path}: no such file. Give a text file (UTF-8) with the message."
        raise InputError(msg)
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"--message {path} is not UTF-8 text (byte {exc.start}). Save it as UTF-8."
        raise InputError(msg) from None


@click.command("send")
@click.option(
    "--alert", "alert_id", required=True, metavar="ALERT_ID", help="The alert (`bingeo audit list` shows them)."
)
@click.option("--message", type=click.Path(), help="Text file (UTF-8) with the message (not needed to resume).")
@click.option("--subject", help="Subject (default: the template's); ' [BIN ALERT_ID]' is added.")
@click.option("--template", type=click.Choice(["urgent", "follow-up", "information", "invitation"]))
@click.option("--lang", type=click.Choice(["nl", "fr", "en"]), default="nl", show_default=True)
@click.option(
    "--value",
    "values",
    multiple=True,
    callback=_values,
    metavar="NAME=TEXT",
    help="Fill a placeholder: network, area, incident, time (repeatable).",
)
@store_option
@click.option("--smtp-host", help="Mail server (default: $BINGEO_SMTP_HOST).")
@click.option("--smtp-port", type=click.IntRange(1, 65535), help="Port (default: 587 starttls, 465 ssl).")
@click.option("--smtp-user", help="Login (default: $BINGEO_SMTP_USER, or ~/.netrc).")
@click.option(
    "--ask-password",
    is_flag=True,
    help="Ask for the password (else $BINGEO_SMTP_PASSWORD or ~/.netrc; it is never stored).",
)
@click.option("--security", type=click.Choice(["starttls", "ssl", "none"]), help="Default: starttls.")
@click.option("--from", "sender", help="Sender address (default: $BINGEO_SMTP_FROM, or the login).")
@click.option("--reply-to", help="Where answers go: the coordinator (default: --from).")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), help="CA of a server's own certificate.")
@click.option("--rate", type=POSITIVE, metavar="PER_MINUTE", help="At most this many e-mails a minute.")
@click.option("--retry-uncertain", is_flag=True, help="Resend messages a stopped run may have handed over.")
@click.option("--check", is_flag=True, help="Count recipients and SMS segments only: nothing is sent.")
@click.option("--operator", help="Who sends (logged in the audit log).")
@friendly
def send_cmd(
    alert_id: str,
    message: str | None,
    subject: str | None,
    template: str | None,
    lang: str,
    values: dict[str, str],
    store: str,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_user: str | None,
    ask_password: bool,
    security: str | None,
    sender: str | None,
    reply_to: str | None,
    ca_file: str | None,
    rate: float | None,
    retry_uncertain: bool,
    check: bool,
    operator: str | None,
) -> None:
    """Send the e-mail part of alert ALERT_ID: one e-mail per person, exactly once; run again to resume.

    The first run needs --message or --template; a resume sends the message the first run kept.

    Server settings come from the options, else BINGEO_SMTP_HOST, BINGEO_SMTP_PORT, BINGEO_SMTP_USER,
    BINGEO_SMTP_PASSWORD, BINGEO_SMTP_FROM, BINGEO_SMTP_REPLY_TO, BINGEO_SMTP_SECURITY, else ~/.netrc.
    SMS and voice stay hand-offs (the lists of `bingeo recipients`): the message's SMS segments are counted.
    """
    from bingeo.errors import InputError
    from bingeo.sending import journal_mode, render, restore_journal, send_email, smtp_settings, template_text
    from bingeo.stores import open_store

    if message and template:
        msg = "give the message once: --message FILE or --template NAME, not both."
        raise InputError(msg)
    subject_text = body = None  # neither: a resume, with the message the first run kept
    if template or message:
        if template:
            default_subject, body = template_text(template, lang)
            source = f"template {lang}/{template}"
        else:
            assert message is not None
            default_subject, body = "", _read_message(message)
            source = f"--message {message}"
        if subject is None and not default_subject:
            msg = "give --subject: a message file has none (a --template has its own)."
            raise InputError(msg)
        subject_text = render(subject if subject is not None else default_subject, values, source="the subject")
        body = render(body, values, source=source)
    smtp = None
    if not check:
        password = click.prompt("SMTP password", hide_input=True) if ask_password else None
        smtp = smtp_settings(
            host=smtp_host,
            port=smtp_port,
            security=security,
            user=smtp_user,
            password=password,
            sender=sender,
            reply_to=reply_to,
            ca_file=ca_file,
        )
    kwargs: dict[str, Any] = {"rate": rate, "retry_uncertain": retry_uncertain, "operator": operator, "check": check}
    local, mode = None, None
    try:
        with open_store(store) as st, progress_bar("sending") as progress:
            if getattr(st, "path", None) is not None:
                local, mode = st.path, journal_mode(st.path)
            report = send_email(st, alert_id, subject=subject_text, body=body, smtp=smtp, progress=progress, **kwargs)
    finally:
        if local is not None and mode is not None:
            restore_journal(local, mode)  # the per-message commits ran in WAL; the store is closed now
    click.echo(report.summary())
    if check:
        click.echo("checked only: nothing was sent.")
