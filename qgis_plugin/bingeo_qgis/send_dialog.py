"""Send the e-mail part of the alert just exported (``bingeo.send_email``, as ``bingeo send``): counts only.

The password is typed here (or comes from ``BINGEO_SMTP_PASSWORD`` / ``~/.netrc``) and is never saved: it reaches
the work through the environment of the call only, not its arguments (which a worker process reads from a file).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from qgis.core import Qgis, QgsMessageLog, QgsSettings
from qgis.gui import QgsFileWidget, QgsPasswordLineEdit
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
)

from .translation import tr

__all__ = ["SendDialog", "PASSWORD_ENV"]

#: The variable bingeo.sending reads the password from (set for the duration of one call only).
PASSWORD_ENV = "BINGEO_SMTP_PASSWORD"
SETTINGS = "bingeo/send/"
TEMPLATES = ("urgent", "follow-up", "information", "invitation")
PLACEHOLDERS = ("network", "area", "incident", "time")
SAVED = ("host", "user", "sender", "reply_to")


@contextlib.contextmanager
def _password(value: str) -> Iterator[None]:
    """Put ``value`` in the environment for one call, then restore what was there."""
    before = os.environ.get(PASSWORD_ENV)
    if value:
        os.environ[PASSWORD_ENV] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PASSWORD_ENV, None)
        else:
            os.environ[PASSWORD_ENV] = before


class SendDialog(QDialog):
    """Message (a template or own text) and mail server; Check counts, Send sends (resumes an earlier send)."""

    def __init__(
        self, store: str, alert_id: str, call: Callable[..., dict[str, Any]], parent: Any = None, *, urgent: bool
    ) -> None:
        super().__init__(parent)
        self.store, self.alert_id, self._call = store, alert_id, call
        self.result: dict[str, Any] | None = None
        self.setWindowTitle(tr("bingeo: send alert {id} by e-mail").format(id=alert_id))
        settings = QgsSettings()
        self.template = QComboBox()
        self.template.addItem(tr("(my own text below)"), "")
        for name in TEMPLATES:
            self.template.addItem(name, name)
        self.template.setCurrentIndex(self.template.findData("urgent" if urgent else "information"))
        self.lang = QComboBox()
        for lang in ("nl", "fr", "en"):
            self.lang.addItem(lang, lang)
        self.subject = QLineEdit()
        self.subject.setPlaceholderText(tr("default: the template's"))
        self.body = QPlainTextEdit()
        self.values = {p: QLineEdit() for p in PLACEHOLDERS}
        self.host = QLineEdit()
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText(tr("default"))
        self.security = QComboBox()
        for s in ("starttls", "ssl", "none"):
            self.security.addItem(s, s)
        self.user = QLineEdit()
        self.password = QgsPasswordLineEdit()
        self.sender = QLineEdit()
        self.reply_to = QLineEdit()
        for name in SAVED:
            getattr(self, name).setText(str(settings.value(SETTINGS + name, "") or ""))
        self.ca_file = QgsFileWidget()
        self.rate = QSpinBox()
        self.rate.setRange(0, 100_000)
        self.rate.setSpecialValueText(tr("no limit"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        form = QFormLayout()
        form.addRow(tr("Template"), self.template)
        form.addRow(tr("Language"), self.lang)
        form.addRow(tr("Subject"), self.subject)
        form.addRow(tr("Own text"), self.body)
        for p, edit in self.values.items():
            form.addRow("{" + p + "}", edit)
        form.addRow(tr("Mail server"), self.host)
        form.addRow(tr("Port"), self.port)
        form.addRow(tr("Security"), self.security)
        form.addRow(tr("Login"), self.user)
        form.addRow(tr("Password (not saved)"), self.password)
        form.addRow(tr("From"), self.sender)
        form.addRow(tr("Reply-To (coordinator)"), self.reply_to)
        form.addRow(tr("CA certificate"), self.ca_file)
        form.addRow(tr("E-mails per minute"), self.rate)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.check_button = self.buttons.addButton(tr("Check"), QDialogButtonBox.ActionRole)
        self.send_button = self.buttons.addButton(tr("Send"), QDialogButtonBox.AcceptRole)
        self.check_button.clicked.connect(lambda: self.send(check=True))
        self.send_button.clicked.connect(lambda: self.send())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

    def send(self, *, check: bool = False) -> dict[str, Any] | None:
        """Check (count only) or send; show the counts; return the result or None on an error."""
        message = {
            "template": self.template.currentData(),
            "lang": self.lang.currentData(),
            "subject": self.subject.text().strip(),
            "body": self.body.toPlainText(),
            "values": {p: e.text().strip() for p, e in self.values.items() if e.text().strip()},
        }
        server = {
            "host": self.host.text().strip(),
            "port": self.port.value() or None,
            "security": self.security.currentData(),
            "user": self.user.text().strip(),
            "sender": self.sender.text().strip(),
            "reply_to": self.reply_to.text().strip(),
            "ca_file": self.ca_file.filePath(),
            "rate": self.rate.value() or None,
            "check": check,
        }
        with _password(self.password.text()):
            res = self._call("send_alert_email", self.store, self.alert_id, message, server)
        if "error" in res:
            self.summary.setText(tr("Not sent: {error}").format(error=res["error"]))
            QgsMessageLog.logMessage(
                tr("alert e-mail not sent: {error}").format(error=res["error"]), "bingeo", Qgis.Warning
            )
            return None
        if not check:
            settings = QgsSettings()
            for name in SAVED:
                settings.setValue(SETTINGS + name, getattr(self, name).text().strip())
        self.result = res
        self.summary.setText(res["summary"])
        QgsMessageLog.logMessage(res["summary"], "bingeo", Qgis.Info)
        return res
