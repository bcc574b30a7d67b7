"""The whole BIN message loop through the CLI: select, send by e-mail, answer, import the answers, relay, count, forget.

A real SMTP server (aiosmtpd on 127.0.0.1) receives what `bingeo send` writes; each answer is written as the
member's mail program would (a reply to the received mail, quoting it), from the received bytes only. The
expected matches are worked out here from the mails themselves, never through bingeo's matching.
"""

from __future__ import annotations

import csv
import email
import email.policy
import email.utils
import re
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from bingeo.cli.main import cli
from tests.smtp_server import PASSWORD, USER, LocalSmtp, write_members

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
N = 120
COORDINATOR = "coordinator-oost@bin.example"


def run(*args: object, ok: bool = True) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert (res.exit_code == 0) == ok, res.output
    return res.output


def rows(store: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(store) as conn:
        return conn.execute(sql).fetchall()


def answer(received: bytes, text: str, *, from_address: str | None = None) -> EmailMessage:
    """A reply as a mail program writes it: Re: subject, In-Reply-To/References, the original quoted below."""
    orig = email.message_from_bytes(received, policy=email.policy.default)
    msg = EmailMessage()
    msg["From"] = from_address or orig["To"]
    msg["To"] = orig["Reply-To"]
    msg["Subject"] = "Re: " + orig["Subject"]
    msg["Message-ID"] = email.utils.make_msgid(domain="member.example")
    msg["In-Reply-To"] = orig["Message-ID"]
    msg["References"] = orig["Message-ID"]
    msg["Date"] = email.utils.formatdate()
    quoted = "\n".join("> " + line for line in orig.get_content().splitlines())
    msg.set_content(f"{text}\n\nOp {orig['Date']} schreef {orig['From']}:\n{quoted}\n")
    return msg


@pytest.fixture
def loop(tmp_path, monkeypatch):
    store = tmp_path / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    write_members(tmp_path / "members.csv", N)
    run("members", "import", tmp_path / "members.csv", "--store", store, "--crs", "28992")
    out = run(
        "recipients", "--network", "GR-BIN-001", "--network-rule", "membership", "--urgency", "normal",
        "--output", tmp_path / "alert.csv", "--store", store,
    )  # fmt: skip
    alert = re.search(r"Alert (A-[0-9A-Za-z-]+)", out).group(1)
    (tmp_path / "msg.txt").write_text("Beste buurtbewoner,\n\nZag u vannacht iets verdachts?\n", encoding="utf-8")
    monkeypatch.setenv("BINGEO_SMTP_PASSWORD", PASSWORD)
    with LocalSmtp(tmp_path) as server:
        run(
            "send", "--alert", alert, "--message", tmp_path / "msg.txt", "--subject", "Inbraken Oosterpoort",
            "--store", store, "--smtp-host", "127.0.0.1", "--smtp-port", server.port, "--smtp-user", USER,
            "--from", USER, "--reply-to", COORDINATOR, "--ca-file", server.cert,
        )  # fmt: skip
        received = list(server.received)
    return tmp_path, store, alert, received


def test_answers_to_sent_mails_come_back_to_their_alert_and_person(loop):
    tmp, store, alert, received = loop
    assert len(received) > 20
    members = dict(rows(store, "SELECT email, person_id FROM members"))
    ids = dict(rows(store, "SELECT email, member_id FROM members"))
    box = tmp / "answers"
    box.mkdir()
    want: dict[str, str] = {}  # person_id -> answer text
    for k, (rcpt, data) in enumerate(received[:12]):
        (to,) = rcpt
        text = f"Ik zag een witte bestelbus om {k + 1} uur."
        # every third member answers from another address of theirs: only the In-Reply-To token says who
        other = f"thuis{k}@elders.example" if k % 3 == 2 else None
        (box / f"{k:02d}.eml").write_bytes(bytes(answer(data, text, from_address=other)))
        want[members[to]] = text
    stranger = EmailMessage()
    stranger["From"], stranger["To"], stranger["Subject"] = "iemand@elders.example", COORDINATOR, "Vraag"
    stranger["Message-ID"] = email.utils.make_msgid(domain="elders.example")
    stranger.set_content("Hoe word ik lid?")
    (box / "zz-stranger.eml").write_bytes(bytes(stranger))

    run("replies", "import", box, "--store", store, "--unmatched", tmp / "unmatched.csv")
    got = rows(store, "SELECT person_id, alert_id, body FROM replies WHERE alert_id IS NOT NULL")
    assert {p for p, _, _ in got} == set(want)
    assert all(a == alert for _, a, _ in got)
    for person, _, body in got:
        assert body.strip() == want[person]  # the quoted alert below the answer is cut off
    with open(tmp / "unmatched.csv", encoding="utf-8-sig") as fh:
        assert len(list(csv.DictReader(fh))) == 1
    # importing the same answers again adds nothing
    run("replies", "import", box, "--store", store)
    assert rows(store, "SELECT count(*) FROM replies")[0][0] == 13

    # the digest for the police holds the answers and no member's address or name
    run("replies", "relay", "--alert", alert, "--store", store, "--output", tmp / "digest.txt")
    digest = (tmp / "digest.txt").read_text(encoding="utf-8")
    for text in want.values():
        assert text in digest
    assert "@" not in digest.replace(COORDINATOR, "")
    assert "ZQXNAAM" not in digest

    # activity counts the answers against the recipients of the alert's network
    run("activity", "--store", store, "--output", tmp / "activity.csv")
    with open(tmp / "activity.csv", encoding="utf-8-sig") as fh:
        act = [r for r in csv.DictReader(fh) if r["network_id"] == "GR-BIN-001" and int(r["alerts"] or 0)]
    assert sum(int(r["answers"]) for r in act) == len(want)

    # forgetting one who answered removes their delivery and their answer, and nobody else's
    first_to = received[0][0][0]
    person = members[first_to]
    before = rows(store, "SELECT count(*) FROM deliveries")[0][0]
    run("members", "forget", ids[first_to], "--store", store)
    assert rows(store, f"SELECT count(*) FROM deliveries WHERE person_id = '{person}'")[0][0] == 0  # noqa: S608
    assert rows(store, "SELECT count(*) FROM deliveries")[0][0] == before - 1
    assert {p for (p,) in rows(store, "SELECT person_id FROM replies WHERE alert_id IS NOT NULL")} == set(want) - {
        person
    }


def test_a_store_copy_keeps_the_loop(loop, tmp_path):
    _, store, alert, received = loop
    copy = tmp_path / "copy.gpkg"
    run("store", "copy", store, copy)
    for table in ("deliveries", "send_messages"):
        assert rows(copy, f"SELECT count(*) FROM {table}") == rows(store, f"SELECT count(*) FROM {table}")  # noqa: S608
    assert rows(copy, "SELECT count(*) FROM deliveries WHERE state = 'sent'")[0][0] == len(received)
