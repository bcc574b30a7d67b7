"""`bingeo send` against a REAL SMTP server (aiosmtpd on 127.0.0.1, STARTTLS with a throwaway certificate, AUTH).

The expected recipients are computed here from the member list the test writes (its own rules: an address,
consent, still a member), never through bingeo's selection. Every received mail is parsed and its headers checked
for any address other than its one recipient, the sender and the coordinator.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from bingeo.cli.main import cli
from tests.smtp_server import PASSWORD, USER, LocalSmtp, address, consents, has_email, write_members

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
N = 2000
COORDINATOR = "coordinator-oost@bin.example"
ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")


def cli_run(*args, ok=True):
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert (res.exit_code == 0) == ok, res.output
    return res.output


CENTRE = (234475.0, 581172.0)
RADIUS = 4.5  # no member lies near the circle's edge (their squared distances are whole numbers)


def near(i: int) -> bool:
    """Whether member i lies in the small alert's circle (computed from the grid the members are written on)."""
    dx, dy = 234465 + i % 40 - CENTRE[0], 581169 + i // 40 - CENTRE[1]
    return dx * dx + dy * dy < RADIUS * RADIUS


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A store of N members with two alerts: all of them (the kill test) and a small circle (the others: fast)."""
    tmp = tmp_path_factory.mktemp("send")
    store = tmp / "bins.gpkg"
    cli_run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    write_members(tmp / "members.csv", N)
    cli_run("members", "import", tmp / "members.csv", "--store", store, "--crs", "28992")
    out = cli_run(
        "recipients", "--network", "GR-BIN-001", "--network-rule", "membership", "--urgency", "normal",
        "--output", tmp / "alert.csv", "--store", store,
    )  # fmt: skip
    big = re.search(r"Alert (A-[0-9A-Za-z-]+)", out).group(1)
    out = cli_run(
        "recipients", "--around", f"{CENTRE[0]},{CENTRE[1]}", "--radius", RADIUS, "--urgency", "normal",
        "--output", tmp / "small.csv", "--store", store,
    )  # fmt: skip
    small = re.search(r"Alert (A-[0-9A-Za-z-]+)", out).group(1)
    (tmp / "msg.txt").write_text("Beste buurtbewoner,\n\nLet op: inbraken in de Oosterpoort.\n.\nEen punt.\n")
    return tmp, store, {"all": big, "small": small}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LocalSmtp(tmp_path_factory.mktemp("smtp")) as srv:
        yield srv


@pytest.fixture
def fresh(base, server, tmp_path):
    """A copy of the store (no deliveries yet) and an empty server."""
    tmp, store, alerts = base
    copy = tmp_path / "bins.gpkg"
    shutil.copy(store, copy)
    server.received.clear()
    server.handler.refuse, server.handler.busy, server.handler.drop = set(), set(), set()
    return copy, alerts["small"], tmp / "msg.txt"


@pytest.fixture
def fresh_all(base, fresh):
    return fresh[0], base[2]["all"], fresh[2]


def expected(withdrawn: set[int] = frozenset(), *, everyone: bool = False) -> set[str]:
    return {
        address(i) for i in range(N) if has_email(i) and consents(i) and i not in withdrawn and (everyone or near(i))
    }


def env(server) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BINGEO_SMTP_PASSWORD": PASSWORD,
        "HOME": os.environ.get("HOME", "/tmp"),
    }


def send_args(server, store, alert, msg, *extra, user=True):
    return [
        "send", "--alert", alert, "--message", msg, "--subject", "Inbraken Oosterpoort", "--store", store,
        "--smtp-host", "127.0.0.1", "--smtp-port", server.port, *(("--smtp-user", USER) if user else ()),
        "--from", USER, "--reply-to", COORDINATOR, "--ca-file", server.cert, *extra,
    ]  # fmt: skip


def send_in_process(server, store, alert, msg, *extra, monkeypatch, ok=True):
    monkeypatch.setenv("BINGEO_SMTP_PASSWORD", PASSWORD)
    return cli_run(*send_args(server, store, alert, msg, *extra), ok=ok)


def deliveries(store: Path) -> list[dict]:
    with sqlite3.connect(store) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM deliveries")]


def person_ids(store: Path) -> dict[str, str]:
    """Each address's person_id, read straight from the store's members table."""
    with sqlite3.connect(store) as conn:
        return dict(conn.execute("SELECT email, person_id FROM members WHERE email IS NOT NULL AND email != ''"))


def check_mails(received, alert: str, store: Path) -> Counter:
    """Check every mail: one envelope recipient, the contract's headers, no foreign address. Count per address."""
    pids = person_ids(store)
    per_address: Counter = Counter()
    for rcpts, data in received:
        assert len(rcpts) == 1
        to = rcpts[0]
        per_address[to] += 1
        msg = email.message_from_bytes(data, policy=email.policy.default)
        head = data.split(b"\r\n\r\n", 1)[0].decode()
        found = {a for a in ADDRESS.findall(head) if not a.endswith("@bingeo.invalid")}
        assert found - {to, USER, COORDINATOR} == set(), head
        assert msg["To"] == to
        assert msg["Cc"] is None and msg["Bcc"] is None
        assert msg["Reply-To"] == COORDINATOR
        assert msg["Subject"] == f"Inbraken Oosterpoort [BIN {alert}]"
        assert re.search(r"\[BIN ([A-Za-z0-9-]+)\]", msg["Subject"]).group(1) == alert
        assert msg["X-Bingeo-Alert"] == alert
        token = hashlib.sha256(f"{alert}\x1f{pids[to]}".encode()).hexdigest()[:16]
        assert msg["Message-ID"] == f"<{alert}.{token}@bingeo.invalid>"
        assert (
            msg.get_content().replace("\r\n", "\n")
            == "Beste buurtbewoner,\n\nLet op: inbraken in de Oosterpoort.\n.\nEen punt.\n"
        )
    return per_address


def no_addresses_in_store_outside_members(store: Path) -> None:
    with sqlite3.connect(store) as conn:
        for table in ("deliveries", "audit_log"):
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608
                text = " ".join(str(v) for v in row if not isinstance(v, bytes))
                assert "zqxmail" not in text and "ZQXNAAM" not in text, table


def test_each_person_gets_exactly_one_mail(fresh, server, monkeypatch):
    store, alert, msg = fresh
    out = send_in_process(server, store, alert, msg, monkeypatch=monkeypatch)
    want = expected()
    per_address = check_mails(server.received, alert, store)
    assert set(per_address) == want
    assert set(per_address.values()) == {1}
    rows = deliveries(store)
    assert len(rows) == len(want) and {r["state"] for r in rows} == {"sent"}
    assert {r["attempts"] for r in rows} == {1}
    assert f"sent {len(want):,}" in out and "zqxmail" not in out
    sms = sum(1 for i in range(N) if near(i) and consents(i) and not has_email(i))
    assert f"hand-off: SMS {sms:,}" in out
    no_addresses_in_store_outside_members(store)
    # run again: nothing is sent twice
    server.received.clear()
    out = send_in_process(server, store, alert, msg, monkeypatch=monkeypatch)
    assert server.received == []
    assert f"done by earlier runs (not sent again): {len(want):,}" in out


def test_a_resume_keeps_the_message(fresh, server, monkeypatch, tmp_path):
    store, alert, msg = fresh
    out = send_in_process(server, store, alert, msg, "--rate", "6000", monkeypatch=monkeypatch)
    assert "sent" in out and len(server.received) == len(expected())
    other = tmp_path / "other.txt"
    other.write_text("Another text\n")
    out = send_in_process(server, store, alert, other, monkeypatch=monkeypatch, ok=False)
    assert "was sent with another message" in out and len(server.received) == len(expected())
    monkeypatch.setenv("BINGEO_SMTP_PASSWORD", PASSWORD)
    res = CliRunner().invoke(cli, ["send", "--alert", alert, "--store", str(store), "--check"])
    assert res.exit_code == 0 and f"done by earlier runs (not sent again): {len(expected())}" in res.output


def test_refused_recipients_are_kept_and_not_retried(fresh, server, monkeypatch):
    store, alert, msg = fresh
    want = sorted(expected())
    refused = set(want[::20])  # 5 %
    assert len(refused) >= 2
    server.handler.refuse = refused
    out = send_in_process(server, store, alert, msg, monkeypatch=monkeypatch)
    per_address = check_mails(server.received, alert, store)
    assert set(per_address) == set(want) - refused and set(per_address.values()) == {1}
    rows = deliveries(store)
    states = Counter(r["state"] for r in rows)
    assert states == {"sent": len(want) - len(refused), "refused": len(refused)}
    for r in rows:
        if r["state"] == "refused":
            assert r["reason"].startswith("550 5.1.1") and "zqxmail" not in r["reason"]
    assert f"refused {len(refused):,}" in out
    no_addresses_in_store_outside_members(store)
    server.handler.refuse = set()
    server.received.clear()
    send_in_process(server, store, alert, msg, monkeypatch=monkeypatch)
    assert server.received == []  # neither the sent nor the refused get a mail


def test_temporary_refusals_are_retried_and_a_lost_answer_is_not_resent(fresh, server, monkeypatch):
    store, alert, msg = fresh
    want = sorted(expected())
    server.handler.busy = {want[0], want[1]}
    server.handler.drop = {want[2]}  # the server got it, the answer never came: uncertain
    out = send_in_process(server, store, alert, msg, monkeypatch=monkeypatch)
    assert "failed 2" in out and "uncertain: 1" in out
    rows = {r["member_id"]: r for r in deliveries(store)}
    states = Counter(r["state"] for r in rows.values())
    assert states == {"sent": len(want) - 3, "failed": 2, "pending": 1}
    assert all(
        r["reason"].startswith("451 4.7.1") and "zqxmail" not in r["reason"]
        for r in rows.values()
        if r["state"] == "failed"
    )
    assert [r["attempts"] for r in rows.values() if r["state"] == "pending"] == [1]
    out = send_in_process(server, store, alert, msg, monkeypatch=monkeypatch)  # resume: the two failed only
    assert "sent 2" in out and "uncertain: 1" in out
    per_address = check_mails(server.received, alert, store)
    assert set(per_address) == set(want) and set(per_address.values()) == {1}
    out = send_in_process(server, store, alert, msg, "--retry-uncertain", monkeypatch=monkeypatch)
    assert "sent 1" in out
    assert check_mails(server.received, alert, store)[want[2]] == 2  # asked for: the one person gets a second copy
    assert Counter(r["state"] for r in deliveries(store)) == {"sent": len(want)}


def test_rate_limit(fresh, server, monkeypatch):
    store, alert, msg = fresh
    started = time.monotonic()
    send_in_process(server, store, alert, msg, "--rate", "3000", monkeypatch=monkeypatch)  # 20 ms apart
    assert time.monotonic() - started >= (len(expected()) - 1) * 60 / 3000
    assert len(server.received) == len(expected())


def test_members_who_withdrew_since_the_alert_are_not_sent_to(fresh, server, monkeypatch, tmp_path):
    store, alert, msg = fresh
    inside = [i for i in range(N) if near(i) and has_email(i) and consents(i)]
    withdrawn, left = set(inside[:6]), set(inside[6:8])
    changes = {i: {"toestemming": "nee"} for i in withdrawn} | {i: {"status": "afgemeld"} for i in left}
    write_members(tmp_path / "changes.csv", N, changes, only=sorted(withdrawn | left))
    cli_run("members", "import", tmp_path / "changes.csv", "--store", store, "--crs", "28992")
    out = send_in_process(server, store, alert, msg, monkeypatch=monkeypatch)
    per_address = check_mails(server.received, alert, store)
    assert set(per_address) == expected(withdrawn | left)
    assert "not sent: 8 left or withdrew consent since the alert" in out


def test_resume_after_sigkill_sends_nobody_twice(fresh_all, server):
    store, alert, msg = fresh_all
    want = expected(everyone=True)
    args = [sys.executable, "-m", "bingeo", *map(str, send_args(server, store, alert, msg))]
    log = store.parent / "killed.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(args, env=env(server), stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        deadline = time.monotonic() + 60
        while len(server.received) < 400 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert proc.poll() is None, "the send ended before it could be killed: " + log.read_text()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    first = len(server.received)
    assert 400 <= first < len(want)
    rows = deliveries(store)
    uncertain = [r for r in rows if r["state"] == "pending" and r["attempts"] > 0]
    assert len(uncertain) <= 1  # the rule: at most the one message in flight
    sent_before = {r["member_id"] for r in rows if r["state"] == "sent"}
    assert len(sent_before) >= first - 1
    # resume with `bingeo send --alert A`: the message the first run kept
    drop = {"--message", "--subject"}
    args = [a for i, a in enumerate(args) if a not in drop and (i == 0 or args[i - 1] not in drop)]
    res = subprocess.run(args, env=env(server), capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    per_address = check_mails(server.received, alert, store)
    assert set(per_address.values()) == {1}  # nobody twice
    missing = want - set(per_address)
    rows = deliveries(store)
    still = [r for r in rows if r["state"] == "pending" and r["attempts"] > 0]
    assert len(missing) <= 1 and len(still) == len(uncertain)
    if still:  # killed while handing it over: reported, not resent
        assert "uncertain: 1" in res.stdout
        server.received.clear()
        again = subprocess.run(
            [*args, "--retry-uncertain"], env=env(server), capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert again.returncode == 0, again.stderr
        assert len(server.received) == 1
    assert {r["state"] for r in deliveries(store)} == {"sent"}


def test_password_never_printed_logged_or_stored(fresh, server, tmp_path):
    store, alert, msg = fresh
    args = [sys.executable, "-m", "bingeo", "-vv", *map(str, send_args(server, store, alert, msg))]
    wrong = {**env(server), "BINGEO_SMTP_PASSWORD": PASSWORD + "-wrong"}
    bad = subprocess.run(args, env=wrong, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 1 and "refused the login" in bad.stderr and "Traceback" not in bad.stderr
    assert server.received == []
    res = subprocess.run(args, env=env(server), capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert server.handler.logins >= 1 and len(server.received) == len(expected())
    for text in (res.stdout, res.stderr, bad.stdout, bad.stderr):  # -vv: every log line is in stderr
        assert PASSWORD not in text and "ZQXPASSWORD" not in text
        assert "zqxmail" not in text and "ZQXNAAM" not in text
    blob = b"".join(p.read_bytes() for p in store.parent.iterdir() if p.name.startswith(store.name))
    assert b"ZQXPASSWORD" not in blob


def test_netrc_gives_user_and_password(fresh, server, tmp_path):
    store, alert, msg = fresh
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    e = {k: v for k, v in env(server).items() if k != "BINGEO_SMTP_PASSWORD"} | {"NETRC": str(netrc)}
    args = [str(a) for a in send_args(server, store, alert, msg, user=False)]
    res = subprocess.run([sys.executable, "-m", "bingeo", *args], env=e, capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert set(check_mails(server.received, alert, store)) == expected()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (("--alert", "A-20990101-000000-abcdef"), "no alert with id 'A-20990101-000000-abcdef'"),
        (("--smtp-host", "mail.example.org", "--security", "none"), "sending without TLS is allowed"),
        (("--value", "network=Oost"), None),
        (("--subject", "Inbraak\nBcc: x@example.org"), "the subject is one line"),
    ],
    ids=["unknown-alert", "plain-to-remote", "harmless-value", "header-injection"],
)
def test_cli_errors(fresh, server, monkeypatch, extra, needle):
    store, alert, msg = fresh
    args = [str(a) for a in send_args(server, store, alert, msg)]
    for i in range(0, len(extra), 2):
        if extra[i] in args:
            args[args.index(extra[i]) + 1] = extra[i + 1]
        else:
            args += extra[i : i + 2]
    monkeypatch.setenv("BINGEO_SMTP_PASSWORD", PASSWORD)
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    if needle is None:
        assert res.exit_code == 0, res.output
    else:
        assert res.exit_code == 1 and needle in res.output, res.output
        assert "Traceback" not in res.output and server.received == []


def test_template_with_unknown_placeholder_is_named(fresh, server, monkeypatch, tmp_path):
    store, alert, _ = fresh
    bad = tmp_path / "bad.txt"
    bad.write_text("Inbraak in {wijk} om {time}\n")
    res = CliRunner().invoke(cli, [str(a) for a in send_args(server, store, alert, bad)], catch_exceptions=False)
    assert res.exit_code == 1 and "unknown placeholder {wijk}" in res.output
    out = send_in_process(
        server, store, alert, "x", "--check", monkeypatch=monkeypatch, ok=False
    )  # --message x does not exist
    assert "--message x: no such file" in out


def test_a_first_send_needs_a_message(fresh, server, monkeypatch):
    store, alert, _ = fresh
    monkeypatch.setenv("BINGEO_SMTP_PASSWORD", PASSWORD)
    args = ["send", "--alert", alert, "--store", str(store), "--smtp-host", "127.0.0.1", "--smtp-user", USER]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1 and "has not been sent yet: give the message" in res.output, res.output
    assert server.received == [] and not _has_deliveries(store)


def test_check_sends_nothing_and_counts_sms(fresh, server, monkeypatch):
    store, alert, _ = fresh
    args = [
        "send", "--alert", alert, "--template", "urgent", "--lang", "fr", "--store", store, "--check",
        "--value", "network=Oosterpoort", "--value", "area=rue Haute", "--value", "incident=cambriolage",
        "--value", "time=22h15",
    ]  # fmt: skip
    out = cli_run(*args)
    assert server.received == [] and "checked only" in out
    assert "SMS: 1 segment(s), GSM-7" in out
    assert not _has_deliveries(store)  # a check writes nothing


def _has_deliveries(store: Path) -> bool:
    with sqlite3.connect(store) as conn:
        return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name='deliveries'").fetchone())


@pytest.mark.requires("postgis")
def test_postgis_store(fresh, server, monkeypatch, postgis_store_url):
    import bingeo
    from bingeo.sending import deliveries as delivery_rows

    store, alert, msg = fresh
    cli_run("store", "copy", store, postgis_store_url)
    out = send_in_process(server, postgis_store_url, alert, msg, monkeypatch=monkeypatch)
    assert f"sent {len(expected())}" in out
    per_address = check_mails(server.received, alert, store)  # the copy holds the same person ids
    assert set(per_address) == expected() and set(per_address.values()) == {1}
    server.received.clear()
    send_in_process(server, postgis_store_url, alert, "-", monkeypatch=monkeypatch, ok=False)  # no such file
    out = cli_run("send", "--alert", alert, "--store", postgis_store_url, "--check")
    assert server.received == [] and f"done by earlier runs (not sent again): {len(expected())}" in out
    with bingeo.open_store(postgis_store_url) as st:
        rows = delivery_rows(st, alert)
        audit = st.audit()
    assert len(rows) == len(expected()) and {r["state"] for r in rows} == {"sent"}
    assert "zqxmail" not in " ".join(str(r) for r in rows) + audit.drop(columns="geometry").to_string()
