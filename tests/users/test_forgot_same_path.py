"""The forgot-password answer tells nothing about which accounts exist: for
a known and an unknown account (by name or by address) the request runs the
same SQL statements, answers the same status and page, and opens no
connection to the mail server; the message goes out afterwards, from the
outbox. (bench/forgot_timing.py measures the times.)"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from cms.extensions import db
from cms.models import OutboxMessage
from tests.conftest import PASSWORD
from tests.factories import make_user

KNOWN = ("alice", "alice@example.cn")
UNKNOWN = ("nobody", "nobody@example.cn")


@pytest.fixture
def app_config(app_config, inbox, smtp_server):
    app_config["MAIL_URL"] = smtp_server.url
    app_config["PASSWORD_RESET_LIMIT"] = "100 per minute"
    return app_config


@pytest.fixture
def alice(app):
    with app.app_context():
        user = make_user("alice", password=PASSWORD)
        user.email = "alice@example.cn"
        db.session.commit()


@contextmanager
def statements(app):
    """The SQL the app sends while the block runs (text only: the values
    typed differ, the shape of the work must not)."""
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def page_of(response, typed: str) -> str:
    """The page with what differs by design taken out: the value typed,
    echoed in the form (and so the length), and the per-response CSP nonce."""
    body = response.get_data(as_text=True)
    body = body.replace(f'value="{typed}"', 'value=""')
    return re.sub(r'nonce="[^"]*"', 'nonce=""', body)


# Differ from one answer to the next whoever asks: the length (the typed
# value is echoed), the rate limit's countdown (in seconds, so it ticks on a
# slow machine), the request id.
PER_ANSWER = {"Content-Length", "X-RateLimit-Remaining", "X-RateLimit-Reset",
              "Retry-After", "X-Request-ID"}  # fmt: skip


def headers_of(response) -> dict[str, str]:
    """The headers, without those that differ by design and the nonce."""
    return {
        name: re.sub(r"'nonce-[^']*'", "'nonce-'", value)
        for name, value in response.headers.items()
        if name not in PER_ANSWER
    }


def outbox_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_known_and_unknown_accounts_take_the_same_path(
    app, client, alice, smtp_server, inbox
):
    client.post("/auth/forgot", data={"identifier": "warm-up"})  # first-use work
    inbox.take()
    answers, work = {}, {}
    for typed in KNOWN + UNKNOWN + KNOWN:  # interleaved, each case twice for alice
        connections, rows = smtp_server.connections, outbox_rows(app)
        with statements(app) as seen:
            response = client.post("/auth/forgot", data={"identifier": typed})
        assert smtp_server.connections == connections, typed  # no SMTP in the request
        assert outbox_rows(app) == rows + 1, typed  # one queued row, every time
        answers[typed] = (response.status_code, headers_of(response),
                          page_of(response, typed))  # fmt: skip
        work[typed] = seen

    assert len({repr(answer) for answer in answers.values()}) == 1
    assert answers["nobody"][0] == 200
    assert len({tuple(seen) for seen in work.values()}) == 1, work
    assert work["nobody"]  # the work was seen at all
    # Afterwards the outbox sends alice her links, and nothing to anyone else.
    received = inbox.take()
    assert received and {tuple(m.rcpt_tos) for m in received} == {("alice@example.cn",)}
