"""Sending e-mail through the SMTP server MAIL_URL names; a failure is logged
and reported, never raised. Messages reach this module only through the
outbox (cms.services.outbox), so no request waits on the mail server."""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from jinja2 import Environment

from cms.models import utcnow
from cms.services.settings import current_settings

DEFAULT_TIMEOUT = 10.0  # seconds, for connecting and for each SMTP reply
_YES = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailServer:
    """Where and how to connect, as MAIL_URL says."""

    host: str
    port: int
    implicit_tls: bool = False  # smtps://
    starttls: bool = False  # smtp://…?starttls=true
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Mail:
    """One message to one address: plain text, optionally an HTML alternative."""

    to: str
    subject: str
    text: str
    html: str | None = None
    # Extra header lines (List-Unsubscribe …); no line breaks in values.
    headers: tuple[tuple[str, str], ...] = ()


def parse_mail_url(url: str) -> MailServer:
    """`smtp://user:pass@host:port` (plain SMTP, port 25 by default; add
    `?starttls=true` to require STARTTLS) or `smtps://…` (TLS from the first
    byte, port 465 by default); `?timeout=SECONDS` changes the timeout. User
    and password are percent-decoded. ValueError for anything else."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError(f"MAIL_URL must start with smtp:// or smtps://, not {url!r}")
    if not parts.hostname:
        raise ValueError("MAIL_URL names no host")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        raise ValueError("MAIL_URL's timeout must be a number of seconds") from None
    return MailServer(
        host=parts.hostname,
        port=parts.port or (465 if scheme == "smtps" else 25),
        implicit_tls=scheme == "smtps",
        starttls=query.get("starttls", "").lower() in _YES,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        timeout=timeout,
    )


def mail_configured() -> bool:
    """True when MAIL_URL is set: e-mail is on."""
    return bool(current_app.config.get("MAIL_URL"))


def _site_host() -> str:
    host = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return "localhost"  # noreply@127.0.0.1 is not an address


def mail_from() -> str:
    """The sender: MAIL_FROM (`addr` or `Name <addr>`), else
    noreply@<SITE_URL's host>."""
    return current_app.config.get("MAIL_FROM") or f"noreply@{_site_host()}"


def _build(mail: Mail, sender: str) -> EmailMessage:
    name, address = parseaddr(sender)
    message = EmailMessage()
    message["Subject"] = " ".join(mail.subject.split())  # no header injection
    message["From"] = formataddr((name or current_settings()["site.name"], address))
    message["To"] = mail.to
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    for name, value in mail.headers:
        message[name] = " ".join(value.split())  # no header injection
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def _connect(server: MailServer) -> smtplib.SMTP:
    # EHLO names the site: socket.getfqdn() may wait on a slow resolver.
    helo = _site_host()
    if server.implicit_tls:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, local_hostname=helo, timeout=server.timeout,
            context=ssl.create_default_context(),
        )  # fmt: skip
    else:
        smtp = smtplib.SMTP(
            server.host, server.port, local_hostname=helo, timeout=server.timeout
        )
    try:
        if server.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if server.username:
            smtp.login(server.username, server.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver(mails: Sequence[Mail]) -> list[str | None]:
    """Send the messages over one connection; one entry per message: None
    when the server accepted it, else why not. Never raises: a bad MAIL_URL,
    a server that is down or slow (DEFAULT_TIMEOUT) or a refused recipient is
    logged and reported. Only the outbox calls this (cms.services.outbox):
    requests never wait on it."""
    if not mails:
        return []
    url = current_app.config.get("MAIL_URL")
    if not url:
        return ["MAIL_URL is not set"] * len(mails)
    log = current_app.logger
    try:
        server = parse_mail_url(url)
    except ValueError as error:
        log.error("e-mail not sent: %s", error)
        return [str(error)] * len(mails)
    sender = mail_from()
    results: list[str | None] = []
    try:
        with _connect(server) as smtp:
            for mail in mails:
                try:
                    smtp.send_message(_build(mail, sender))
                except (
                    smtplib.SMTPRecipientsRefused,
                    smtplib.SMTPResponseException,
                    smtplib.SMTPNotSupportedError,
                ) as error:
                    log.warning("e-mail to %s refused: %s", mail.to, error)
                    results.append(f"refused: {error}")
                else:
                    results.append(None)
    except (OSError, smtplib.SMTPException) as error:
        log.warning(
            "e-mail through %s:%s failed after %d of %d message(s): %s",
            server.host, server.port, len(results), len(mails), error,
        )  # fmt: skip
        reason = f"{type(error).__name__}: {error}"
        results += [reason] * (len(mails) - len(results))
    return results


def mail_templates() -> Environment:
    """The app's templates as plain text: no escaping, block tags eat their
    line (templates/email/*.txt)."""
    env = current_app.extensions.get("cms_mail_templates")
    if env is None:
        env = current_app.jinja_env.overlay(
            autoescape=False, trim_blocks=True, lstrip_blocks=True
        )
        current_app.extensions["cms_mail_templates"] = env
    return env
