"""Hostile input never answers 500: every route (the moderation area's, from
tests/moderation/routes.py, and the public ones), as an anonymous visitor and
as an admin, with hostile values in each query parameter, form field and
integer path segment. A first clean pass records which parameters each route
reads (a recording MultiDict), so each one is fuzzed on its own and one
refused value cannot hide another's failure."""

from __future__ import annotations

import re
import time
from urllib.parse import quote, urlencode

import pytest
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

from cms.extensions import limiter
from cms.models import Role
from cms.services.action_links import issue_link
from cms.services.page_edits import PageInput
from cms.services.pages import create_page
from cms.services.password_reset import issue_token
from cms.services.settings import set_settings
from tests.conftest import PASSWORD
from tests.factories import make_article, make_user
from tests.moderation.helpers import add_comment
from tests.moderation.routes import SAMPLES, fill, make_targets, moderation_rules

# Raw (already percent-encoded) values. Text fields get TEXT; query parameters
# and fields whose sample is a number get HOSTILE. Each value stands for a
# failure seen once: NUL and ESC (PostgreSQL refuses NUL), a long text, bytes
# that are not UTF-8, a number past 2**63, `1_000` (Python's int() takes it);
# past 2**31 (PostgreSQL's integer), negative, full-width digits, dates whose
# next or previous day does not exist.
TEXT = ["a%00%1Bb", "x" * 3000, "%FF%FE", "99999999999999999999", "1_000"]
HOSTILE = [*TEXT, "2147483648", "-1", "%EF%BC%91%EF%BC%92", "9999-12-31", "0001-01-01"]
HUGE_PATH_INTS = ["99999999999999999999", "9223372036854775808", "2147483648"]
PUBLIC_SKIPPED = {"static", "auth.logout"}
SENTINEL = 7777777


class _Recording(ImmutableMultiDict):
    """Records every name a view looks up in request.args / request.form."""

    names: set[str] = set()

    def get(self, key, *args, **kwargs):
        _Recording.names.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        _Recording.names.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        _Recording.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _Recording.names.add(key)
        return super().__contains__(key)


class _RecordingRequest(Request):
    parameter_storage_class = _Recording


def _encode(values: dict[str, str]) -> str:
    return urlencode(values, quote_via=quote)


def _with(values: dict[str, str], name: str, raw: str) -> str:
    """`values` encoded with `name` set to the raw (encoded) hostile value."""
    rest = {k: v for k, v in values.items() if k != name}
    encoded = _encode(rest)
    pair = f"{quote(name)}={raw}"
    return f"{encoded}&{pair}" if encoded else pair


class Fuzzer:
    def __init__(self, client):
        self.client = client
        self.failures: list[str] = []
        self.sent = 0

    def send(self, method: str, path: str, query: str = "", body: str | None = None):
        url = f"{path}?{query}" if query else path
        kwargs = {}
        if body is not None:
            kwargs = {
                "data": body.encode(),
                "content_type": "application/x-www-form-urlencoded",
            }
        response = self.client.open(url, method=method, **kwargs)
        self.sent += 1
        if response.status_code >= 500:
            self.failures.append(
                f"{response.status_code} {method} {url[:120]} {(body or '')[:120]}"
            )
        return response

    def learn(self, method, path, query: dict, data: dict) -> set[str]:
        """The names the route reads from its query string and its form."""
        _Recording.names = set()
        body = _encode(data) if method == "POST" else None
        self.send(method, path, _encode(query), body)
        sent = set(query) | (set(data) if method == "POST" else set())
        return _Recording.names | sent

    def fuzz(self, method: str, path: str, query: dict, data: dict) -> None:
        names = self.learn(method, path, query, data)
        names.discard("csrf_token")
        for name in sorted(names):
            sample = query.get(name, data.get(name, ""))
            numeric = method == "GET" or name in query or sample.isdigit()
            for raw in HOSTILE if numeric else TEXT:
                if method == "GET":
                    self.send(method, path, _with(query, name, raw))
                else:
                    self.send(method, path, _encode(query), _with(data, name, raw))
                    if name in query:
                        self.send(method, path, _with(query, name, raw), _encode(data))


def _public_samples(ids: dict) -> dict[str, dict]:
    return {
        "public.index": {"path": "/", "query": {"page": "1", "before": "0" * 16}},
        "public.article": {
            "path": f"/{ids['public_id']}.html",
            "query": {"replytocom": str(ids["comment"]), "cpage": "1"},
        },
        "public.category": {"path": "/category/fuzz-cat/", "query": {"page": "1"}},
        "public.tag": {"path": "/tag/fuzz-tag/", "query": {"page": "1"}},
        "public.author": {"path": "/author/writer/", "query": {"page": "1"}},
        "public.feed": {"path": "/feed.xml"},
        "public.sitemap": {"path": "/sitemap.xml"},
        "public.sitemap_part": {"path": "/sitemap-1.xml"},
        "public.robots": {"path": "/robots.txt"},
        "public.healthz": {"path": "/healthz", "query": {"write": "1"}},
        "public.media": {"path": "/media/nothing.png"},
        "public.page": {"path": "/page/about/"},
        "public.search_page": {"path": "/search", "query": {"q": "催收", "page": "1"}},
        "public.archive": {"path": "/archive/"},
        "public.archive_month": {"path": "/archive/2024/12/", "query": {"page": "1"}},
        "comments.post": {
            "path": f"/comments/{ids['public_id']}",
            "method": "POST",
            "data": {
                "author": "读者",
                "email": "r@example.cn",
                "url": "",
                "body": "一条评论",
                "parent_id": str(ids["comment"]),
                "csrf_token": "{csrf}",
            },
        },
        "comments.post_page": {
            "path": "/comments/page/guestbook/",
            "method": "POST",
            "data": {
                "author": "读者",
                "email": "r@example.cn",
                "url": "",
                "body": "一条留言",
                "csrf_token": "{csrf}",
            },
        },
        "auth.login": {
            "path": "/auth/login",
            "query": {"next": "/moderation/"},
            "data": {"username": "nobody", "password": "wrong"},
        },
        "auth.forgot": {"path": "/auth/forgot", "data": {"email": "a@example.cn"}},
        # The login's later steps (without a pending login: back to the form).
        "auth.second_step": {"path": "/auth/two-factor", "data": {"code": "123456"}},
        "auth.enrol": {"path": "/auth/two-factor/setup", "data": {"code": "123456"}},
        "auth.reset": {
            "path": f"/auth/reset/{ids['reset']}",
            "data": {"password": "x", "confirm": "x"},
        },
        "email_actions.confirm": {"path": f"/moderation-mail/{ids['link']}"},
        "email_actions.act": {
            "path": f"/moderation-mail/{ids['link']}",
            "method": "POST",
            "data": {},
        },
        "public.unlock": {
            "path": f"/{ids['public_id']}.html/unlock",
            "method": "POST",
            "data": {"password": "x"},
        },
        "comments.unsubscribe_page": {"path": "/comments/unsubscribe/" + "a" * 40},
        "comments.unsubscribe_now": {
            "path": "/comments/unsubscribe/" + "a" * 40,
            "method": "POST",
            "data": {},
        },
        "tipping.qr": {"path": "/tip/" + "a" * 24 + ".svg"},
        "tipping.opened": {"path": f"/tip/{ids['public_id']}/open", "method": "POST"},
    }


@pytest.fixture
def limits_off(app):
    """Rate limits off, so that every hostile request reaches its view. The
    limiter is one object shared by every app (its `enabled` outlives the
    app that set it), so it is switched back afterwards."""
    saved = limiter.enabled
    limiter.enabled = False
    yield
    limiter.enabled = saved


@pytest.fixture
def world(app, contributor):
    """Every object the routes need, and an admin's password."""
    with app.app_context():
        set_settings(
            {"comments.min_submit_seconds": "0", "comments.flood_seconds": "0"}
        )
        targets = make_targets(contributor)
        admin = make_user(username="fuzz-admin", role=Role.ADMIN, password=PASSWORD)
        writer = make_user(username="writer", password=None)
        article = make_article(
            title="模糊测试文章", owner=writer, category="fuzz-cat", tags=("fuzz-tag",)
        )
        comment = add_comment(article)
        create_page(
            PageInput("留言板", "欢迎留言。", "guestbook", allow_comments=True),
            None, owner=writer, publish=True,
        )  # fmt: skip
        ids = {
            "public_id": article.public_id,
            "comment": comment.id,
            "reset": issue_token(admin),
            "link": issue_link(comment.id, "approve", admin.id),
        }
    return targets, ids


def _public_routes(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith("moderation.")
    } - PUBLIC_SKIPPED


def _walk_public(fuzzer: Fuzzer, samples: dict, csrf: str) -> None:
    for sample in samples.values():
        data = {k: v.replace("{csrf}", csrf) for k, v in sample.get("data", {}).items()}
        methods = (
            [sample["method"]]
            if "method" in sample
            else (["GET", "POST"] if "data" in sample else ["GET"])
        )
        for method in methods:
            fuzzer.fuzz(method, sample["path"], sample.get("query", {}), data)


def _int_paths(app, endpoint: str, targets: dict) -> list[str]:
    """The route's path with each integer segment set to huge values."""
    args = fill(SAMPLES[endpoint].get("args", {}), targets)
    adapter = app.url_map.bind("cms.test")
    paths = []
    for name in args:
        values = {k: int(v) for k, v in args.items()}
        values[name] = SENTINEL
        path = adapter.build(endpoint, values)
        paths += [path.replace(str(SENTINEL), huge) for huge in HUGE_PATH_INTS]
    return paths


def _nul_paths(app, ids) -> list[tuple[str, str]]:
    """(method, path) of every public route with a NUL in each of its text
    segments (slugs, names, ids, tokens, keys)."""
    adapter = app.url_map.bind("cms.test")
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_SKIPPED or rule.endpoint.startswith("moderation."):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        numbers = {n for n, c in rule._converters.items() if c.regex == r"[0-9]{1,10}"}
        for name in rule.arguments - numbers:  # a number segment holds no NUL
            values = {
                arg: "1" if arg in numbers else "a" * 16 for arg in rule.arguments
            }
            values[name] = "a\x00" + "a" * 14
            out.append((method, adapter.build(rule.endpoint, values)))
    return out


def test_every_public_route_is_fuzzed(app, world):
    _, ids = world
    assert set(_public_samples(ids)) == _public_routes(app)


def test_no_hostile_input_answers_500(app, client, world, limits_off):
    targets, ids = world
    app.request_class = _RecordingRequest
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is an answer to count
    started = time.monotonic()
    staff = app.test_client()
    response = staff.post(
        "/auth/login", data={"username": "fuzz-admin", "password": PASSWORD}
    )
    assert response.status_code == 303
    samples = _public_samples(ids)

    fuzzer = Fuzzer(client)  # anonymous
    _walk_public(fuzzer, samples, "")
    for method, path in _nul_paths(app, ids):
        fuzzer.send(method, path)
    for endpoint, methods in moderation_rules(app):
        for path in _int_paths(app, endpoint, targets):
            for method in methods:
                fuzzer.send(method, path)

    fuzzer.client = staff  # an admin
    page = staff.get(f"/{ids['public_id']}.html").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    _walk_public(fuzzer, samples, csrf)
    for endpoint, methods in sorted(moderation_rules(app)):
        sample = SAMPLES[endpoint]
        path = app.url_map.bind("cms.test").build(
            endpoint,
            {k: int(v) for k, v in fill(sample.get("args", {}), targets).items()},
        )
        query = fill(sample.get("query", {}), targets)
        data = fill(sample.get("data", {}), targets)
        for method in sorted(methods):
            fuzzer.fuzz(method, path, query, data)
        for path in _int_paths(app, endpoint, targets):
            for method in methods:
                fuzzer.send(method, path)

    elapsed = time.monotonic() - started
    print(f"{fuzzer.sent} requests in {elapsed:.1f} s")
    assert fuzzer.failures == [], "\n".join(fuzzer.failures[:400])
