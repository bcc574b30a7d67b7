"""A real SMTP server on 127.0.0.1 for the sending tests and benchmark: aiosmtpd with STARTTLS and AUTH.

It keeps every accepted message (its envelope recipients and bytes), refuses the recipients it is told to with
``550`` at RCPT, and accepts one login. The certificate is a throwaway self-signed one made with ``openssl``.
"""

from __future__ import annotations

import logging
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd warns of its own deprecated login_data per login

USER = "coordinator@bin.example"
PASSWORD = "ZQXPASSWORD-s3cr3t-planted"


def address(i: int) -> str:
    return f"zqxmail{i:04d}@example.org"


def has_email(i: int) -> bool:
    return i % 10 != 0  # every tenth member has only a mobile phone: an SMS hand-off


def consents(i: int) -> bool:
    return i % 37 != 5


def write_members(
    path: Path, n: int, changes: dict[int, dict[str, str]] | None = None, only: list[int] | None = None
) -> None:
    """Write a member list of ``n`` members of GR-BIN-001 (markers in names and addresses) on a 40-wide 1 m grid."""
    head = "lidnummer;naam;e-mail;telefoon;kanalen;x;y;toestemming;rol;netwerken;status"
    lines = [head]
    for i in only if only is not None else range(n):
        row = {
            "lidnummer": f"L{i:05d}",
            "naam": f"ZQXNAAM{i:04d}",
            "e-mail": address(i) if has_email(i) else "",
            "telefoon": f"06{20000000 + i:08d}",
            "kanalen": "email" if has_email(i) else "sms",
            "x": f"{234465 + (i % 40):.1f}",
            "y": f"{581169 + (i // 40):.1f}",
            "toestemming": "ja" if consents(i) else "nee",
            "rol": "lid",
            "netwerken": "GR-BIN-001",
            "status": "actief",
        }
        row.update((changes or {}).get(i, {}))
        lines.append(";".join(row.values()))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 / localhost (valid one day) and its key."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class _Handler:
    """Refuses ``refuse`` (550) and, once each, ``busy`` (451); keeps but never answers the mail to ``drop``."""

    refuse: set[str] = field(default_factory=set)
    busy: set[str] = field(default_factory=set)
    drop: set[str] = field(default_factory=set)
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    logins: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.busy:
            self.busy.discard(address)
            return f"451 4.7.1 <{address}>: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content)))
        if set(envelope.rcpt_tos) & self.drop:  # the connection breaks after the message arrived: no answer
            self.drop -= set(envelope.rcpt_tos)
            server.transport.abort()
        return "250 2.0.0 Ok: queued"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalSmtp:
    """Start with ``with LocalSmtp(folder) as server:``; ``server.port``, ``server.cert``, ``server.received``."""

    def __init__(self, folder: Path, *, refuse: set[str] | None = None) -> None:
        self.cert, key = make_certificate(folder)
        self.handler = _Handler(refuse=set(refuse or ()))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        self.port = _free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=True,
            data_size_limit=1_000_000,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.handler.logins += 1
        return AuthResult(success=ok, handled=False)

    @property
    def received(self) -> list[tuple[list[str], bytes]]:
        return self.handler.received

    def __enter__(self) -> LocalSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
