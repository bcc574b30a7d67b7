"""Answers, activity and members' data (issue 16), end to end through the CLI.

A real IMAP server (Debian's dovecot-imapd, started here on 127.0.0.1 with a throwaway config, TLS with a
self-signed certificate) holds Dutch and French answers with quoting, HTML-only mails, attachments and unmatched
mails; the same mails as a Maildir, an mbox and .eml files give the same rows. Expected bodies, alerts and
persons are written out by hand here; the activity table is checked against a pandas computation on the store's
tables. Marker strings are planted in every member's name, e-mail and phone (as in tests/test_alerting.py): they
may appear only in a digest for members who consented to be contacted and in the person's own export.
"""

from __future__ import annotations

import grp
import json
import logging
import mailbox
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.replies import delivery_token, strip_quoted
from tests.browser.webmap_world import data_block
from tests.conftest import need

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
N = 24
COORD = "bin@politie.example"


def marker(i: int) -> dict[str, str]:
    return {"name": f"ZQXREPLY{i:03d} de Vries", "email": f"zqxreply{i:03d}@example.org"}


def networks_of(i: int) -> str:
    if i % 6 == 0:
        return "GR-BIN-001;GR-BIN-002"
    return "GR-BIN-001" if i % 2 else "GR-BIN-002"


# ------------------------------------------------------------------------------------------------ world
@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replies")
    store = tmp / "bins.gpkg"
    outputs: list[str] = []

    def run(*args, ok=True, env=None):
        res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env)
        outputs.append(res.output)
        assert (res.exit_code == 0) == ok, res.output
        return res.output

    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    adr = pd.read_csv(SAMPLES / "addresses.csv", dtype=str)
    picks = adr.iloc[np.random.default_rng(3).choice(len(adr), N, replace=False)].reset_index(drop=True)
    rows = []
    for i, a in picks.iterrows():
        m = marker(i)
        rows.append(
            {
                "lidnummer": f"R{i:03d}",
                "naam": m["name"],
                "email": m["email"],
                "telefoon": f"06-{31000000 + 7919 * i:08d}",
                "toestemming": "nee" if i == 19 else "ja",
                "datum toestemming": f"{10 + i % 5:02d}-{8 + i % 5:02d}-2026",
                "rol": "lid",
                "netwerken": networks_of(i),
                "status": "afgemeld" if i in (20, 21) else "actief",
                "afgemeld op": {20: "15-01-2025", 21: "03-11-2026"}.get(i, ""),
                "x": a["x"],
                "y": a["y"],
            }
        )
    members_csv = tmp / "leden.csv"
    pd.DataFrame(rows).to_csv(members_csv, sep=";", index=False, encoding="utf-8")
    run("members", "import", members_csv, "--store", store, "--crs", "28992")
    for net in ("GR-BIN-001", "GR-BIN-002"):
        run(
            "recipients",
            "--store",
            store,
            "--network",
            net,
            "--network-rule",
            "membership",
            "--output",
            tmp / f"r-{net}.csv",
            "--operator",
            "agent 1",
            "--reason",
            "test",
        )
    with bingeo.open_store(store) as st:
        alerts = st.audit()["alert_id"].tolist()
        # an older alert (October), as a selection of two months ago would have logged it
        st._insert_audit(
            {
                "alert_id": "A-20261015-101500-0c70be",
                "created_at": "2026-10-15T10:15:00.000Z",
                "action": "select",
                "parent_alert_id": None,
                "operator": "agent 1",
                "reason": "test",
                "urgency": "normal",
                "selection": "{}",
                "counts": json.dumps({"recipients": 4, "per_network": {"GR-BIN-001": 4}}),
                "member_ids": json.dumps(["R001", "R003", "R005", "R007"]),
            },
            None,
        )
        members = st.members()
    person = dict(zip(members["member_id"], members["person_id"]))
    base = tmp / "base.gpkg"
    shutil.copy(store, base)
    return {
        "store": store,
        "base": base,
        "run": run,
        "outputs": outputs,
        "tmp": tmp,
        "alerts": alerts,
        "person": person,
        "rows": rows,
    }


def fresh_store(world, name: str) -> Path:
    path = world["tmp"] / f"{name}.gpkg"
    shutil.copy(world["base"], path)
    return path


# ------------------------------------------------------------------------------------------------ mails
def mails(world) -> list[tuple[EmailMessage, dict]]:
    """The answers with what must be stored for each (alert, member index or None, body, attachments, reason)."""
    a1, a2 = world["alerts"]
    out = []

    def mail(sender: str, subject: str, **headers) -> EmailMessage:
        m = EmailMessage()
        m["From"] = sender
        m["To"] = COORD
        m["Subject"] = subject
        m["Date"] = f"Mon, 07 Dec 2026 {15 + len(out) // 6:02d}:{10 + len(out):02d}:00 +0100"
        m["Message-ID"] = f"<reply-{len(out)}@mail.example>"
        for k, v in headers.items():
            m[k.replace("_", "-")] = v
        return m

    # 1: Dutch, plain text, the alert id in the subject after "Antw:", address in capitals, Gmail quoting, signature
    i = 1
    m = mail(f'"{marker(i)["name"]}" <{marker(i)["email"].upper()}>', f"Antw: Let op: inbraken [BIN {a1}]")
    m.set_content(
        "Ik heb gisteravond om 23:00 een witte bestelbus gezien.\nKenteken begon met VX.\n\n"
        f"Op ma 7 dec 2026 om 14:32 schreef BIN Oosterpoort <{COORD}>:\n> Let op: inbraken in de buurt.\n> Groet\n"
        f"\n-- \n{marker(i)['name']}\n06-{31000000 + 7919 * i:08d}\n"
    )
    out.append(
        (
            m,
            dict(
                alert=a1,
                member=i,
                by="subject",
                att=0,
                reason=None,
                body="Ik heb gisteravond om 23:00 een witte bestelbus gezien.\nKenteken begon met VX.",
            ),
        )
    )
    # 2: French, the X-Bingeo-Alert header, an attribution wrapped over two lines
    i = 3
    m = mail(marker(i)["email"], "RE : Attention cambriolages", X_Bingeo_Alert=a1)
    m.set_content(
        "Bonjour,\nJ'ai vu deux hommes près du parc vers 22h.\n\n"
        f"Le lun. 7 déc. 2026 à 14:32, BIN Oosterpoort <{COORD}> a\nécrit :\n> Attention aux cambriolages.\n"
    )
    out.append(
        (
            m,
            dict(
                alert=a1,
                member=i,
                by="header",
                att=0,
                reason=None,
                body="Bonjour,\nJ'ai vu deux hommes près du parc vers 22h.",
            ),
        )
    )
    # 3: Dutch, HTML only, Outlook's header block (Van:/Verzonden:) under the answer
    i = 4
    m = mail(marker(i)["email"], f"Antw: [BIN {a2}] Afloopbericht")
    m.set_content(
        "<html><body><p>Geen bijzonderheden gezien.</p><p>Wel een open raam op nr&nbsp;12.</p>"
        f"<div><b>Van:</b> BIN &lt;{COORD}&gt;<br><b>Verzonden:</b> maandag 7 december 2026 14:32<br>"
        f"<b>Aan:</b> {marker(i)['email']}<br><b>Onderwerp:</b> Let op</div><p>oude tekst</p></body></html>",
        subtype="html",
    )
    out.append(
        (
            m,
            dict(
                alert=a2,
                member=i,
                by="subject",
                att=0,
                reason=None,
                body="Geen bijzonderheden gezien.\n\nWel een open raam op nr 12.",
            ),
        )
    )
    # 4: French, from another address of the member: found by In-Reply-To's token; a photo attached
    i = 6
    token = delivery_token(a1, world["person"][f"R{i:03d}"])
    m = mail("une.autre.adresse@example.net", "Photo", In_Reply_To=f"<{a1}.{token}@bingeo.invalid>")
    m.set_content(
        "Voici une photo de la voiture.\n\n-----Message d'origine-----\nDe : BIN\nEnvoyé : lundi\nObjet : Attention\n"
    )
    m.add_attachment(b"\xff\xd8\xff\xe0fakejpeg", maintype="image", subtype="jpeg", filename="voiture.jpg")
    out.append(
        (m, dict(alert=a1, member=i, by="in-reply-to", att=1, reason=None, body="Voici une photo de la voiture."))
    )
    # 5: English, plain + HTML alternative, Outlook's Original Message, a PDF attached
    i = 2
    m = mail(f"Member <{marker(i)['email']}>", f"Re: [BIN {a2}] Update")
    m.set_content("Nothing unusual here.\n\n-----Original Message-----\nFrom: BIN\nSent: Monday\nSubject: Update\n")
    m.add_alternative("<p>Nothing unusual here.</p><blockquote>Update</blockquote>", subtype="html")
    m.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="note.pdf")
    out.append((m, dict(alert=a2, member=i, by="subject", att=1, reason=None, body="Nothing unusual here.")))
    # 6: Dutch, the same member as 1 again, only ">" quoting
    i = 1
    m = mail(marker(i)["email"], f"Re: Antw: Let op [BIN {a1}]")
    m.set_content("Aanvulling: het was een Volkswagen.\n\n> Ik heb gisteravond\n> een bus gezien\n")
    out.append(
        (m, dict(alert=a1, member=i, by="subject", att=0, reason=None, body="Aanvulling: het was een Volkswagen."))
    )
    # 7-9: unmatched: no alert id at all, an alert the store does not know, a sender nobody knows
    m = mail("nieuw.iemand@example.net", "Vraag over lidmaatschap")
    m.set_content("Hoe word ik lid van de BIN?\n")
    out.append(
        (m, dict(alert=None, member=None, by=None, att=0, reason="no_alert_id", body="Hoe word ik lid van de BIN?"))
    )
    i = 5
    m = mail(marker(i)["email"], "Re: [BIN A-19990101-000000-abcdef] oud")
    m.set_content("Nog steeds actueel?\n")
    out.append(
        (
            m,
            dict(
                alert="A-19990101-000000-abcdef",
                member=None,
                by=None,
                att=0,
                reason="unknown_alert",
                body="Nog steeds actueel?",
            ),
        )
    )
    m = mail("vreemde@example.net", f"Re: [BIN {a1}]")
    m.set_content("Ik woon niet in de buurt maar zag iets.\n")
    out.append(
        (
            m,
            dict(
                alert=a1,
                member=None,
                by="subject",
                att=0,
                reason="unknown_sender",
                body="Ik woon niet in de buurt maar zag iets.",
            ),
        )
    )
    return out


def stored(store: Path) -> pd.DataFrame:
    con = sqlite3.connect(store)
    try:
        got = pd.read_sql("SELECT * FROM replies", con)
        return got.astype(object).where(got.notna(), None)
    finally:
        con.close()


def check_rows(world, store: Path, expected) -> pd.DataFrame:
    got = stored(store)
    assert len(got) == len(expected)
    by_body = {b: r for b, r in zip(got["body"], got.to_dict("records"))}
    for _, exp in expected:
        row = by_body.get(exp["body"])
        assert row is not None, (exp["body"], sorted(by_body))
        assert row["reason"] == exp["reason"]
        assert row["alert_id"] == exp["alert"]
        assert row["matched_by"] == exp["by"]
        assert row["person_id"] == (None if exp["member"] is None else world["person"][f"R{exp['member']:03d}"])
        assert row["has_attachments"] == exp["att"]
    return got


# ------------------------------------------------------------------------------------------- quoting rules
@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Ja.\n\nOp 7 dec. 2026 14:32 schreef Jan <j@x.nl>:\n\n> vraag", "Ja."),
        ("Ja.\nOp maandag 7 december 2026 om 14:32 schreef BIN Centrum\n<bin@x.nl>:\n> vraag", "Ja."),
        ("Oui.\n\nLe 7 déc. 2026 à 14:32, Jean <j@x.be> a écrit :\n> question", "Oui."),
        ("Yes.\n\nOn Mon, Dec 7, 2026 at 2:32 PM BIN <b@x.nl> wrote:\n> q", "Yes."),
        ("Yes.\n-----Original Message-----\nFrom: x\nSent: y\n", "Yes."),
        ("Ja.\n________________________________\nVan: BIN\nVerzonden: maandag\n", "Ja."),
        ("Oui.\n\nDe : BIN <b@x.be>\nEnvoyé : lundi 7 décembre 2026\nÀ : moi\nObjet : test\n", "Oui."),
        ("Ja.\n> oud\nnog iets\n-- \nJan\n06-12345678", "Ja.\nnog iets"),
        (
            "Op de hoek stond een auto.\nDe bestuurder: onbekend.",
            "Op de hoek stond een auto.\nDe bestuurder: onbekend.",
        ),
    ],
)
def test_quoted_text_and_signatures_are_cut(text, answer):
    assert strip_quoted(text) == answer


# --------------------------------------------------------------------------------------------- IMAP server
@pytest.fixture(scope="module")
def imap_server(tmp_path_factory):
    """Dovecot on 127.0.0.1 (a free port, TLS with a throwaway self-signed certificate, its own user db)."""
    dovecot = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if dovecot is None:
        need("dovecot", "no dovecot binary: apt-get install dovecot-imapd (see .ci/run)")
    openssl = shutil.which("openssl")
    if openssl is None:
        need("dovecot", "no openssl binary to make the test certificate")
    # not under pytest's 0700 temporary folders: dovecot's own users (as root) must read the config and mail
    tmp = Path(tempfile.mkdtemp(prefix="bingeo-imap-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", tmp / "key.pem", "-out",
         tmp / "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    root = os.geteuid() == 0
    if root:  # dovecot will not run mail processes as root: the mail belongs to its own user then
        os.chmod(tmp, 0o755)
        owner = pwd.getpwnam("dovecot")
        uid, gid, internal, login = owner.pw_uid, owner.pw_gid, "dovecot", "dovenull"
    else:
        uid, gid = os.getuid(), os.getgid()
        internal = login = pwd.getpwuid(uid).pw_name
    (tmp / "mail").mkdir()
    (tmp / "run").mkdir()
    (tmp / "users").write_text("coord:{PLAIN}geheim-imap-7::::::\n")
    dh = Path("/usr/share/dovecot/dh.pem")
    (tmp / "dovecot.conf").write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {tmp}/run
state_dir = {tmp}/state
instance_name = bingeo-imap-{port}
log_path = {tmp}/dovecot.log
ssl = required
ssl_cert = <{tmp}/cert.pem
ssl_key = <{tmp}/key.pem
{"ssl_dh = <" + str(dh) if dh.exists() else ""}
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/mail/%u
}}
mail_location = maildir:{tmp}/mail/%u/Maildir
first_valid_uid = {uid}
first_valid_gid = {gid}
default_internal_user = {internal}
default_login_user = {login}
default_internal_group = {grp.getgrgid(gid).gr_name}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    console = open(tmp / "console.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([dovecot, "-F", "-c", str(tmp / "dovecot.conf")], stdout=console, stderr=console)
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None:
                    need("dovecot", f"dovecot did not start: {(tmp / 'console.log').read_text()[-800:]}")
                time.sleep(0.05)
        else:
            need("dovecot", "dovecot did not listen within 10 s")

        def deliver(messages) -> None:
            box_dir = tmp / "mail" / "coord" / "Maildir"
            box_dir.parent.mkdir(parents=True, exist_ok=True)
            box = mailbox.Maildir(box_dir, create=True)
            for msg in messages:
                box.add(msg.as_bytes())
            if root:
                for path in [tmp / "mail", *(tmp / "mail").rglob("*")]:
                    os.chown(path, uid, gid)

        yield {"port": port, "cafile": tmp / "cert.pem", "password": "geheim-imap-7", "deliver": deliver,
               "log": tmp / "dovecot.log"}  # fmt: skip
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        console.close()
        shutil.rmtree(tmp, ignore_errors=True)


def logouts(log: Path, *, ending: tuple[str, ...], wait: float = 20.0) -> list[str]:
    """dovecot's "Logged out" lines, once the last ones hold ``ending`` (or after ``wait`` seconds).

    dovecot writes a session's line after the client has gone: on a loaded machine the test reads the log first.
    """
    deadline = time.monotonic() + wait
    while True:
        lines = [line for line in log.read_text().splitlines() if "Logged out" in line]
        done = len(lines) >= len(ending) and all(e in line for e, line in zip(ending, lines[-len(ending) :]))
        if done or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_imap_import_matches_strips_and_is_idempotent(world, imap_server, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG, logger="bingeo")
    monkeypatch.setattr("bingeo.replies.IMAP_BATCH", 4)  # several FETCH commands
    expected = mails(world)
    imap_server["deliver"]([m for m, _ in expected])
    url = f"imaps://coord@127.0.0.1:{imap_server['port']}/INBOX"
    env = {"BINGEO_IMAP_PASSWORD": imap_server["password"]}
    cafile = imap_server["cafile"]
    unmatched = world["tmp"] / "unmatched.csv"
    out = world["run"]("replies", "import", url, "--store", world["store"], "--cafile", cafile,
                       "--unmatched", unmatched, env=env)  # fmt: skip
    assert "Read 9 mails" in out and "9 new" in out and "6 matched" in out
    assert "3 unmatched" in out and "2 attachments" in out
    check_rows(world, world["store"], expected)
    listed = pd.read_csv(unmatched)
    assert sorted(listed["reason"]) == ["no_alert_id", "unknown_alert", "unknown_sender"]
    # importing the same mailbox again adds nothing
    again = world["run"]("replies", "import", url, "--store", world["store"], "--cafile", cafile, env=env)
    assert "0 new, 9 imported before" in again
    # ... and downloads no mail again: dovecot's logout lines count the bodies fetched
    sessions = logouts(imap_server["log"], ending=("body_count=9 ", "body_count=0 "))
    assert "body_count=9 " in sessions[-2] and "body_count=0 " in sessions[-1]
    assert len(stored(world["store"])) == 9
    # the password is never printed; a wrong one and a missing one are clear messages
    bad = world["run"]("replies", "import", url, "--store", world["store"], "--cafile", cafile, ok=False,
                       env={"BINGEO_IMAP_PASSWORD": "wrong-pw-zz"})  # fmt: skip
    assert "refused the login" in bad and "wrong-pw-zz" not in bad and "Traceback" not in bad
    home = world["tmp"] / "home"
    home.mkdir(exist_ok=True)
    none = world["run"]("replies", "import", url, "--store", world["store"], ok=False,
                        env={"BINGEO_IMAP_PASSWORD": "", "HOME": str(home)})  # fmt: skip
    assert "BINGEO_IMAP_PASSWORD" in none and "Traceback" not in none
    # ~/.netrc is read when the environment has no password
    (home / ".netrc").write_text(f"machine 127.0.0.1 login coord password {imap_server['password']}\n")
    (home / ".netrc").chmod(0o600)
    via_netrc = world["run"]("replies", "import", url, "--store", world["store"], "--cafile", cafile,
                             env={"BINGEO_IMAP_PASSWORD": "", "HOME": str(home)})  # fmt: skip
    assert "9 imported before" in via_netrc
    untrusted = world["run"]("replies", "import", url, "--store", world["store"], ok=False, env=env)
    assert "cannot reach the IMAP server" in untrusted and "Traceback" not in untrusted
    texts = "\n".join(world["outputs"][-5:]) + caplog.text + unmatched.read_text()
    assert imap_server["password"] not in texts
    world["imported"] = True


@pytest.mark.parametrize("kind", ["maildir", "mbox", "eml"])
def test_maildir_mbox_and_eml_give_the_same_rows(world, kind):
    expected = mails(world)
    store = fresh_store(world, f"src-{kind}")
    src = world["tmp"] / f"source-{kind}"
    if kind == "maildir":
        box = mailbox.Maildir(src, create=True)
    elif kind == "mbox":
        src = src.with_suffix(".mbox")
        box = mailbox.mbox(src, create=True)
    else:
        src.mkdir()
        box = None
    for k, (m, _) in enumerate(expected):
        if box is None:
            (src / f"{k:02d}.eml").write_bytes(m.as_bytes())
        else:
            box.add(m.as_bytes())
    if box is not None:
        box.close()
    raw = world["tmp"] / f"unmatched-{kind}"
    out = world["run"]("replies", "import", src, "--store", store, "--unmatched", raw)
    assert "9 new" in out and "6 matched" in out
    check_rows(world, store, expected)
    assert len(list(raw.glob("*.eml"))) == 3  # the unmatched mails kept as they came
    assert "0 new" in world["run"]("replies", "import", src, "--store", store)


def test_bad_sources_are_clear_messages(world, tmp_path):
    run = world["run"]
    assert "does not exist" in run("replies", "import", tmp_path / "nope", "--store", world["base"], ok=False)
    (tmp_path / "x.txt").write_text("hello")
    assert "no mbox file" in run("replies", "import", tmp_path / "x.txt", "--store", world["base"], ok=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no .eml files" in run("replies", "import", empty, "--store", world["base"], ok=False)
    out = run("replies", "import", "imaps://u:pw@127.0.0.1/INBOX", "--store", world["base"], ok=False)
    assert "do not put the IMAP password in the URL" in out


# --------------------------------------------------------------------------------------------------- relay
@pytest.fixture(scope="module")
def answered(world, tmp_path_factory):
    """A store holding the answers (from .eml files: independent of the IMAP test's order)."""
    store = world["tmp"] / "answered.gpkg"
    shutil.copy(world["base"], store)
    src = world["tmp"] / "answered-eml"
    src.mkdir()
    for k, (m, _) in enumerate(mails(world)):
        (src / f"{k:02d}.eml").write_bytes(m.as_bytes())
    world["run"]("replies", "import", src, "--store", store)
    return store


@pytest.mark.parametrize("suffix", [".txt", ".csv", ".html"])
def test_relay_digest_without_contact_details_unless_consented(world, answered, suffix):
    a1 = world["alerts"][0]
    store = world["tmp"] / f"relay{suffix}.gpkg"
    shutil.copy(answered, store)
    plain = world["tmp"] / f"digest{suffix}"
    out = world["run"]("replies", "relay", "--store", store, "--alert", a1, "--output", plain)
    assert "4 answers" in out and "0 with name and contact" in out and "1 unmatched" in out
    text = plain.read_text(encoding="utf-8-sig")
    for body in ("witte bestelbus", "deux hommes", "photo de la voiture", "Volkswagen"):
        assert body in text
    assert "Attention aux cambriolages" not in text and "Let op: inbraken in de buurt" not in text  # quoted: cut
    assert "ZQXREPLY" not in text and "zqxreply" not in text.lower()
    # member 3 consents to be contacted: their name and address only
    world["run"]("members", "contact-consent", "R003", "--yes", "--store", store)
    world["run"]("members", "contact-consent", "R001", "--no", "--store", store)
    named = world["tmp"] / f"digest-named{suffix}"
    out = world["run"]("replies", "relay", "--store", store, "--alert", a1, "--output", named)
    assert "1 with name and contact" in out
    text = named.read_text(encoding="utf-8-sig")
    assert marker(3)["name"] in text and marker(3)["email"] in text
    for i in (1, 6):
        assert marker(i)["name"] not in text and marker(i)["email"] not in text
    if suffix == ".csv":
        got = pd.read_csv(named, encoding="utf-8-sig", dtype=str).fillna("")
        assert got["text"].tolist()[0].startswith("Ik heb gisteravond")  # by time received
        assert (got["name"] != "").sum() == 1


def test_relay_refuses_bad_requests(world, answered):
    run = world["run"]
    out = run("replies", "relay", "--store", answered, "--alert", "A-x", "--output", world["tmp"] / "d.txt", ok=False)
    assert "no alert with id 'A-x'" in out and world["alerts"][0] in out
    out = run("replies", "relay", "--store", answered, "--alert", world["alerts"][0], "--output",
              world["tmp"] / "d.pdf", ok=False)  # fmt: skip
    assert ".txt, .csv, .html" in out


# ------------------------------------------------------------------------------------------------ activity
def activity_reference(store: Path) -> pd.DataFrame:
    """The activity table by pandas, from the store's tables as SQLite reads them."""
    con = sqlite3.connect(store)
    audit = pd.read_sql("SELECT alert_id, created_at, action, counts FROM audit_log", con)
    members = pd.read_sql("SELECT member_id, person_id, networks, status, consent_date, left_on FROM members", con)
    replies = pd.read_sql("SELECT alert_id, person_id, reason FROM replies", con)
    con.close()
    audit = audit[audit["action"].isin(["select", "follow-up"])].copy()
    audit["month"] = audit["created_at"].str[:7]
    audit["per"] = audit["counts"].map(lambda t: list(json.loads(t).get("per_network", {}).items()))
    sent = audit.explode("per").dropna(subset=["per"])
    sent["network_id"] = sent["per"].str[0]
    sent["n"] = sent["per"].str[1].astype(int)
    alerts = sent.groupby(["network_id", "month"]).agg(alerts=("alert_id", "size"), recipients=("n", "sum"))
    members["person"] = members["person_id"].fillna(members["member_id"])
    members["network_id"] = members["networks"].fillna("").str.split(";")
    mem = members.explode("network_id")
    mem = mem[mem["network_id"] != ""]
    joined = (
        mem.dropna(subset=["consent_date"])
        .assign(month=lambda d: d["consent_date"].str[:7])
        .groupby(["network_id", "month"])["person"]
        .nunique()
        .rename("members_joined")
    )
    left = (
        mem[(mem["status"] == "left") & mem["left_on"].notna()]
        .assign(month=lambda d: d["left_on"].str[:7])
        .groupby(["network_id", "month"])
        .size()
        .rename("members_left")
    )
    ok = replies[replies["reason"].isna()].drop_duplicates(["alert_id", "person_id"])
    ans = ok.merge(sent[["alert_id", "network_id", "month"]], on="alert_id").merge(
        mem[["person", "network_id"]].drop_duplicates(), left_on=["person_id", "network_id"],
        right_on=["person", "network_id"],
    )  # fmt: skip
    answers = ans.groupby(["network_id", "month"]).size().rename("answers")
    table = pd.concat([alerts, answers, joined, left], axis=1).fillna(0).astype(int).reset_index()
    table["answer_rate"] = np.where(
        table["recipients"] > 0, table["answers"] / table["recipients"].clip(lower=1), np.nan
    )
    return table.sort_values(["network_id", "month"]).reset_index(drop=True)


def test_activity_matches_pandas_and_the_map_popups(world, answered):
    out_csv = world["tmp"] / "activity.csv"
    world["run"]("activity", "--store", answered, "--output", out_csv)
    got = pd.read_csv(out_csv)
    ref = activity_reference(answered)
    cols = ["alerts", "recipients", "answers", "members_joined", "members_left"]
    assert got[["network_id", "month"]].values.tolist() == ref[["network_id", "month"]].values.tolist()
    assert got[cols].values.tolist() == ref[cols].values.tolist()
    np.testing.assert_allclose(got["answer_rate"], ref["answer_rate"].round(4), equal_nan=True)
    assert got["answers"].sum() >= 4 and got["alerts"].sum() >= 3 and got["members_left"].sum() == 2
    assert set(got["month"]) >= {"2026-10", "2026-12"}
    # the web map's network popups: the same figures summed over the last 12 months (counts only)
    with bingeo.open_store(answered) as st:
        html = bingeo.save_map(bingeo.web_map(st, title="activity"), world["tmp"] / "activity_map.html").read_text()
    d = data_block(html, "bingeo-networks-active")
    popups = {f["properties"]["v"][0]: dict(zip(d["labels"], f["properties"]["v"])) for f in d["geojson"]["features"]}
    recent = got[got["month"] >= f"{pd.Timestamp.today() - pd.DateOffset(months=11):%Y-%m}"]
    for nid, part in recent.groupby("network_id"):
        p = popups[nid]
        assert p["Alerts (12 months)"] == part["alerts"].sum()
        assert p["Answers (12 months)"] == part["answers"].sum()
        assert p["Recipients (12 months)"] == part["recipients"].sum()
        assert p["Members joined (12 months)"] == part["members_joined"].sum()
        assert p["Members left (12 months)"] == part["members_left"].sum()
        assert p["Answer rate"] == round(part["answers"].sum() / part["recipients"].sum(), 3)  # popups: 3 decimals
    assert popups["GR-BIN-003"]["Alerts (12 months)"] == 0


# ----------------------------------------------------------------------------------------- members' data
def test_forget_export_and_purge(world, answered):
    store = world["tmp"] / "forget.gpkg"
    shutil.copy(answered, store)
    run = world["run"]
    a1 = world["alerts"][0]
    pid6 = world["person"]["R006"]
    # a deliveries table as `bingeo send` makes it (the contract's columns)
    con = sqlite3.connect(store)
    con.execute(
        "CREATE TABLE deliveries (fid INTEGER PRIMARY KEY, alert_id TEXT, member_id TEXT, person_id TEXT, "
        "channel TEXT, state TEXT, attempts INTEGER, message_token TEXT, updated TEXT, reason TEXT)"
    )
    con.executemany(
        "INSERT INTO deliveries (alert_id, member_id, person_id, channel, state, attempts, message_token, updated) "
        "VALUES (?, ?, ?, 'email', 'sent', 1, ?, '2026-12-07T14:00:00Z')",
        [(a1, f"R{i:03d}", world["person"][f"R{i:03d}"], delivery_token(a1, world["person"][f"R{i:03d}"]))
         for i in (1, 3, 6)],
    )  # fmt: skip
    con.commit()
    audit_before = pd.read_sql("SELECT alert_id, counts, member_ids FROM audit_log", con)
    con.close()
    run("members", "contact-consent", "R006", "--yes", "--store", store)
    # the person's own export holds what is held about them
    export = world["tmp"] / "person6.json"
    run("members", "export-person", "R006", "--store", store, "--output", export)
    data = json.loads(export.read_text(encoding="utf-8"))
    assert data["person_id"] == pid6
    assert [m["name"] for m in data["members"]] == [marker(6)["name"]]
    assert data["members"][0]["email"] == marker(6)["email"]
    assert [r["body"] for r in data["replies"]] == ["Voici une photo de la voiture."]
    assert [d["member_id"] for d in data["deliveries"]] == ["R006"]
    assert {a["alert_id"] for a in data["alerts_received"]} == set(world["alerts"])  # in both networks
    assert data["contact_consent"][0]["contact"] == 1
    assert "ZQXREPLY001" not in export.read_text(encoding="utf-8")  # nobody else's data
    # forget: gone everywhere, counts kept, a count-only audit record
    out = run("members", "forget", "R006", "--store", store, "--reason", "request 2026-12-01")
    assert "1 member row(s)" in out and "1 delivery state(s)" in out and "1 answer(s)" in out
    con = sqlite3.connect(store)
    assert con.execute("SELECT count(*) FROM members WHERE member_id = 'R006'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM replies WHERE person_id = ?", (pid6,)).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM deliveries WHERE member_id = 'R006'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM contact_consents").fetchone()[0] == 0
    audit = pd.read_sql("SELECT alert_id, action, counts, member_ids FROM audit_log", con)
    dump = "\n".join(" ".join(map(str, r)) for r in con.execute("SELECT * FROM audit_log"))
    con.close()
    with bingeo.open_store(store) as st, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        st._conn.execute("UPDATE audit_log SET reason = 'x'")  # the log stays append-only for everyone else
    assert "R006" not in dump and pid6 not in dump
    kept = audit.merge(audit_before, on="alert_id", suffixes=("", "_before"))
    assert (kept["counts"] == kept["counts_before"]).all()  # each alert's counts as they were
    for row in kept.itertuples():
        assert json.loads(row.member_ids) == [m for m in json.loads(row.member_ids_before) if m != "R006"]
    logged = audit[audit["action"] == "forget"]
    assert len(logged) == 1 and json.loads(logged.iloc[0]["counts"])["members"] == 1
    assert json.loads(logged.iloc[0]["member_ids"]) == []
    out = run("members", "export-person", "R006", "--store", store, "--output", export, ok=False)
    assert "no member with id 'R006'" in out
    # purge: the one who left in January 2025, not the one who left in November 2026
    out = run("members", "purge", "--left-before", "2026-01-01", "--store", store)
    assert "1 member row(s)" in out
    con = sqlite3.connect(store)
    left = {r[0] for r in con.execute("SELECT member_id FROM members WHERE status = 'left'")}
    con.close()
    assert left == {"R021"}
    assert len(stored(store).query("person_id.isnull()")) == 3  # unmatched mails of December: kept
    out = run("members", "purge", "--left-before", "2026-12-08", "--store", store)
    assert "1 member row(s)" in out and "3 answer(s)" in out  # R021, and the unmatched mails received before
    assert stored(store)["person_id"].notna().all()


# ------------------------------------------------------------------------------------------ personal data
def test_no_member_data_in_logs_errors_digests_activity_or_maps(world, answered, caplog):
    caplog.set_level(logging.DEBUG, logger="bingeo")
    store = world["tmp"] / "privacy.gpkg"
    shutil.copy(answered, store)
    run = world["run"]
    tmp = world["tmp"]
    files = []
    for suffix in (".txt", ".csv", ".html"):
        files.append(tmp / f"privacy-digest{suffix}")
        run("replies", "relay", "--store", store, "--alert", world["alerts"][0], "--output", files[-1])
    files.append(tmp / "privacy-activity.csv")
    run("activity", "--store", store, "--output", files[-1])
    files.append(tmp / "privacy-map.html")
    run("map", "--store", store, "--output", files[-1])
    files.append(tmp / "privacy-unmatched.csv")
    src = tmp / "answered-eml"
    fresh = fresh_store(world, "privacy-import")
    run("replies", "import", src, "--store", fresh, "--unmatched", files[-1])
    run("replies", "relay", "--store", store, "--alert", "A-none", "--output", tmp / "x.txt", ok=False)
    run("members", "forget", "R001", "--store", store)
    run("members", "forget", "R001", "--store", store, ok=False)
    con = sqlite3.connect(store)
    tables = [" ".join(map(str, r)) for t in ("replies", "audit_log") for r in con.execute(f"SELECT * FROM {t}")]
    con.close()
    secrets = set()
    for i in range(N):
        secrets |= set(marker(i).values())
        secrets.add(f"06-{31000000 + 7919 * i:08d}")
    secrets |= {"ZQXREPLY", "zqxreply", "une.autre.adresse", "nieuw.iemand", "vreemde@"}
    blob = "\n".join(world["outputs"] + [caplog.text] + tables + [p.read_text(encoding="utf-8-sig") for p in files])
    leaked = sorted(s for s in secrets if s.lower() in blob.lower())
    assert not leaked, f"member data leaked: {len(leaked)} values"


# ------------------------------------------------------------------------------------------------ PostGIS
def test_postgis_store_gives_the_same_answers_activity_and_erasure(world, answered, postgis_store_url):
    run = world["run"]
    run("store", "copy", world["base"], postgis_store_url)
    out = run("replies", "import", world["tmp"] / "answered-eml", "--store", postgis_store_url)
    assert "9 new" in out and "6 matched" in out
    assert "0 new" in run("replies", "import", world["tmp"] / "answered-eml", "--store", postgis_store_url)
    cols = ["reply_id", "alert_id", "person_id", "matched_by", "body", "has_attachments", "reason"]
    with bingeo.open_store(postgis_store_url) as st:
        rows = st._conn.execute(f'SELECT {", ".join(cols)} FROM "{st.schema}".replies').fetchall()
    pg = pd.DataFrame(rows, columns=cols).sort_values("reply_id").reset_index(drop=True)
    gp = stored(answered)[cols].sort_values("reply_id").reset_index(drop=True)
    assert pg.astype(object).where(pg.notna(), None).values.tolist() == gp.values.tolist()
    # a store copy keeps the answers and the consents (and back: nothing lost)
    run("members", "contact-consent", "R005", "--no", "--store", postgis_store_url)
    back = world["tmp"] / "pg-back.gpkg"
    run("store", "copy", postgis_store_url, back)
    assert stored(back)[cols].sort_values("reply_id").reset_index(drop=True).values.tolist() == gp.values.tolist()
    con = sqlite3.connect(back)
    assert con.execute("SELECT person_id, contact FROM contact_consents").fetchall() == [(world["person"]["R005"], 0)]
    con.close()
    for store, name in ((postgis_store_url, "pg"), (answered, "gpkg")):
        run("activity", "--store", store, "--output", world["tmp"] / f"activity-{name}.csv")
    assert (world["tmp"] / "activity-pg.csv").read_text() == (world["tmp"] / "activity-gpkg.csv").read_text()
    a1 = world["alerts"][0]
    run("members", "contact-consent", "R003", "--yes", "--store", postgis_store_url)
    run("replies", "relay", "--store", postgis_store_url, "--alert", a1, "--output", world["tmp"] / "pg-digest.txt")
    assert marker(3)["email"] in (world["tmp"] / "pg-digest.txt").read_text(encoding="utf-8")
    out = run("members", "forget", "R003", "--store", postgis_store_url)
    assert "1 member row(s)" in out and "2 answer(s)" not in out and "1 answer(s)" in out
    with bingeo.open_store(postgis_store_url) as st:
        audit = st.audit()
        assert not st.members().query("member_id == 'R003'").shape[0]
        with pytest.raises(bingeo.StoreError, match="append-only"):
            with st._write(("audit_log",)) as cur:
                cur.execute(f'UPDATE "{st.schema}".audit_log SET reason = %s', ("x",))
    assert all("R003" not in json.loads(m) for m in audit["member_ids"])
    assert (audit["action"] == "forget").sum() == 1


def test_odd_mails_give_text_or_nothing_never_an_error():
    import email
    import email.policy

    from bingeo.replies import reply_text

    only_file = EmailMessage()
    only_file["Subject"] = "foto"
    only_file.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="a.png")
    assert reply_text(only_file) == ("", 1)
    raw = (
        b"From: a@b.nl\nSubject: x\nMIME-Version: 1.0\nContent-Type: text/plain; charset=x-nonsense\n"
        b"Content-Transfer-Encoding: 8bit\n\nGezien om 3 uur \xe9\xe9n man.\n> oud\n"
    )
    text, n = reply_text(email.message_from_bytes(raw, policy=email.policy.default))
    assert text.startswith("Gezien om 3 uur") and "oud" not in text and n == 0
    latin = "From: a@b.nl\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\n\nCafé gezien.\n".encode("latin-1")
    assert reply_text(email.message_from_bytes(latin, policy=email.policy.default)) == ("Café gezien.", 0)
