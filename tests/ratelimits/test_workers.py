"""Limits hold exactly across gunicorn workers (2, then 4) without Redis: the
counters are in the database every worker shares. Behind one trusted proxy
(TRUSTED_PROXIES=1), so X-Forwarded-For names each client's address."""

from __future__ import annotations

import os

import pytest
from bs4 import BeautifulSoup

from cms import create_app
from cms.extensions import db
from cms.services.settings import set_setting
from tests.comments.support import form_inputs
from tests.factories import make_article, make_user
from tests.ratelimits.support import MAX_REQUESTS, Browser, Gunicorn

pytestmark = [pytest.mark.server]

SECRET = "rate-limit-workers-test-secret-0123456789"
PASSWORD = "correct horse battery staple"
ACCOUNT_DELAY = 60
ROOT_MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated SQLite file with an account and an article open for comments
    (flood limit 15 s, the 3-second bot rule off)."""
    from flask_migrate import upgrade

    path = tmp_path_factory.mktemp("workers") / "cms.sqlite"
    url = f"sqlite:///{path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        upgrade(directory=ROOT_MIGRATIONS)
        set_setting("comments.min_submit_seconds", "0")
        set_setting("comments.flood_seconds", "15")
        for workers in (2, 4):
            make_user(username=f"victim{workers}", password=PASSWORD)
        article = make_article(owner=make_user(password=None))
        db.session.remove()
        db.engine.dispose()
    return url, article.public_id


@pytest.fixture(params=[2, 4], ids=["2-workers", "4-workers"])
def server(request, site, tmp_path):
    url, _ = site
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS"))}
    env |= {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "CMS_CONFIG": "production",
        "TRUSTED_PROXIES": "1",
        # A first delay no loaded test machine outlasts between two tries
        # (the 1-second default and its doubling are tested in process).
        "FLASK_LOGIN_ACCOUNT_FIRST_DELAY": str(ACCOUNT_DELAY),
    }
    gunicorn = Gunicorn(
        request.param, env, tmp_path / "access.log", max_requests=MAX_REQUESTS
    ).start()
    yield gunicorn
    gunicorn.stop()


def form_of(html: str, selector: str) -> dict[str, str]:
    return form_inputs(BeautifulSoup(html, "html.parser").select_one(selector))


def log_in(server, address: str, username: str, password: str) -> tuple[int, str]:
    """One login from `address` as a browser makes it (form, then POST)."""
    browser = Browser(server.port, forwarded_for=address, spread=True)
    status, _, html = browser.request("GET", "/auth/login")
    assert status == 200
    form = form_of(html, "form[method=post]") | {
        "username": username,
        "password": password,
    }
    status, _, html = browser.request("POST", "/auth/login", form)
    return status, html


def test_the_login_limit_per_address_is_exact(server):
    """5 failures a minute per address: the 6th answer is 429, whichever
    worker gives it (each try names another account, so only the address
    limit can refuse)."""
    address = f"203.0.113.{server.workers}"
    answers = [
        log_in(server, address, f"nobody{n}", "wrong password 123")[0] for n in range(8)
    ]

    assert answers == [401] * 5 + [429] * 3
    assert len(server.pids_answering("POST", "/auth/login")) > 1, (
        "one worker answered all"
    )


def test_the_login_limit_per_account_holds_across_addresses(server):
    """5 failures at one account from 5 addresses; a 6th and a 7th address,
    even with the right password, must wait (429, said in Chinese)."""
    victim = f"victim{server.workers}"
    failures = [
        log_in(server, f"198.51.100.{n}", victim, "wrong password 123")[0]
        for n in range(5)
    ]
    refused = [
        log_in(server, f"198.51.100.{50 + n}", victim, PASSWORD) for n in range(2)
    ]

    assert failures == [401] * 5
    assert [status for status, _ in refused] == [429, 429]
    assert all("该账号登录失败次数过多" in page for _, page in refused)
    assert len(server.pids_answering("POST", "/auth/login")) > 1, (
        "one worker answered all"
    )


def test_the_flood_limit_is_exact(server, site):
    """One comment per 15 s from an address: of 8 posts, exactly one is taken."""
    _, public_id = site
    browser = Browser(
        server.port, forwarded_for=f"192.0.2.{100 + server.workers}", spread=True
    )
    status, _, html = browser.request("GET", f"/{public_id}.html")
    assert status == 200
    form = form_of(html, "form#comment-form")
    answers = []
    for n in range(8):
        body = f"{server.workers} 个进程，第 {n} 条评论。"
        fields = form | {"author": "读者", "email": "reader@example.cn", "body": body}
        status, headers, _ = browser.request(
            "POST", f"/comments/{public_id}", fields, headers={"Origin": server.origin}
        )
        answers.append(status)

    assert answers == [303] + [429] * 7
    posts = server.pids_answering("POST", f"/comments/{public_id}")
    assert len(posts) > 1, "one worker answered all"
