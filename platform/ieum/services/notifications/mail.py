"""E-mail through SMTP, configured by one URL (``IEUM_SMTP_URL``), with the standard library.

``smtp://[user[:password]@]host[:port][?starttls=true][&from=address][&timeout=seconds]``
sends in plain SMTP (port 25 by default), upgraded with STARTTLS when ``starttls`` is true;
``smtps://`` speaks TLS from the start (port 465 by default). A user name or password with
``@``, ``:`` or ``/`` is written percent-encoded. The sender is ``from`` (or
``IEUM_SMTP_FROM``), else ``ieum@<host>``.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import parse_qs, unquote, urlsplit

TRUE = ("1", "true", "yes", "on")


class SmtpUrlError(ValueError):
    """``IEUM_SMTP_URL`` cannot be read (the message says why, without the password)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "plain", "starttls" or "ssl"
    sender: str
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0

    def __repr__(self) -> str:  # never the password in a log
        return (f"SmtpSettings({self.security}://{self.username + '@' if self.username else ''}"
                f"{self.host}:{self.port}, from={self.sender})")


def parse_smtp_url(url: str) -> SmtpSettings:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise SmtpUrlError("IEUM_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise SmtpUrlError("IEUM_SMTP_URL names no host")
    try:
        port = parts.port
    except ValueError:
        raise SmtpUrlError("IEUM_SMTP_URL has a port that is not a number") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "smtps":
        security = "ssl"
    elif query.get("starttls", "").lower() in TRUE:
        security = "starttls"
    else:
        security = "plain"
    try:
        timeout = float(query.get("timeout", 20))
    except ValueError:
        raise SmtpUrlError("IEUM_SMTP_URL has a timeout that is not a number") from None
    sender = query.get("from") or os.environ.get("IEUM_SMTP_FROM") or f"ieum@{parts.hostname}"
    return SmtpSettings(
        host=parts.hostname, port=port or (465 if security == "ssl" else 25),
        security=security, sender=sender,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None, timeout=timeout)


def compose(settings: SmtpSettings, to_address: str, subject: str, body: str,
            message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("이음", settings.sender))
    message["To"] = to_address
    message["Subject"] = subject
    message["Message-ID"] = message_id  # the same on a retry: a receiver may drop a repeat
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8")
    return message


class Mailer:
    """One SMTP connection for a round of messages, opened on the first and reopened after
    the server hung up."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if s.username:
            connection.login(s.username, s.password or "")
        return connection

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.connection = self._connect()
            self.connection.send_message(message)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.connection = None
