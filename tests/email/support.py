"""What the e-mail tests share: a real SMTP server that keeps what it
receives, and reading links out of the messages."""

from __future__ import annotations

import contextlib
import email
import re
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from config import TestingConfig

SITE_URL = "http://cms.test"  # TestingConfig's
# The `staff` fixture's accounts that get moderation mail.
STAFF_ADDRESSES = {"boss@example.cn", "editor@example.cn"}
LINK_RE = re.compile(r"^(批准|垃圾|回收站)：(\S+)$", re.M)


@dataclass(frozen=True)
class Received:
    """One message as the server got it: envelope and parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    def links(self) -> list[tuple[str, str]]:
        """(label, URL) of every moderation link, in order."""
        return LINK_RE.findall(self.text)


class Inbox:
    """aiosmtpd handler: stores every message; tests read and clear it."""

    def __init__(self):
        self.messages: list[Received] = []
        self.auth: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        # Called by take() first: delivers the app's outbox (tests/conftest.py).
        self.before_take = None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)
            )
        return "250 OK"

    def take(self) -> list[Received]:
        """The messages received so far (the inbox is emptied), after the
        app's outbox was delivered."""
        if self.before_take is not None:
            self.before_take()
        with self._lock:
            taken, self.messages = self.messages, []
        return taken

    def clear(self) -> None:
        with self._lock:
            self.messages = []
        self.auth.clear()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingController(Controller):
    """aiosmtpd's controller, counting the connections it accepted (the
    protocol factory runs once per connection; start() makes one itself)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = 0

    def factory(self):
        self.connections += 1
        return super().factory()


class SMTPServer:
    """A real SMTP server on 127.0.0.1 (a thread running aiosmtpd).
    `connections` counts the connections it accepted so far."""

    def __init__(self, port: int | None = None, **smtp_options):
        self.inbox = Inbox()
        self.port = port or free_port()
        self.controller = CountingController(
            self.inbox, hostname="127.0.0.1", port=self.port, **smtp_options
        )

    @property
    def connections(self) -> int:
        return self.controller.connections

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SMTPServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def path_of(url: str) -> str:
    """The path of an absolute link under SITE_URL (for the test client)."""
    assert url.startswith(SITE_URL + "/"), url
    return url[len(SITE_URL) :]


def links_by_label(received: Received) -> dict[str, str]:
    """批准 / 垃圾 / 回收站 -> path, for a message about one comment."""
    return {label: path_of(url) for label, url in received.links()}


def link_payload(url: str) -> dict:
    """What a link says (comment id, action, editor id, token id), verified."""
    from cms.services.action_links import _SALT

    token = path_of(url).rsplit("/", 1)[1]
    return URLSafeTimedSerializer(TestingConfig.SECRET_KEY, salt=_SALT).loads(token)


def craft_link(secret_key: str, payload: dict, age_seconds: float, salt: str) -> str:
    """A link token as action_links makes it, but signed `age_seconds` ago."""
    signed_at = int(time.time() - age_seconds)

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return signed_at

    serializer = URLSafeTimedSerializer(secret_key, salt=salt, signer=PastSigner)
    return serializer.dumps(payload)


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never says a
    word: what a mail server behind a blocked port 25 looks like. It counts
    the connections it took and holds them open until stop()."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.sock.close()
        self._thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
