"""ASVS 3.5 (CSRF): every state-changing route of the app refuses a request
without a token, with another session's token, with the token of a session
that has ended, and from another site's origin (with a valid token); and no
refused request changes anything. FOUND: a request that was not refused
(status below 400) or that changed a table."""

from __future__ import annotations

from tests.moderation.routes import SAMPLES, request_for
from tests.security.harness import Site, Tally, check, form_token, planted
from tests.security.state import table_digests

# POST routes outside the moderation area, with a request that would work.
PUBLIC_POSTS = {
    "auth.logout": ("/auth/logout", {}),
    "auth.forgot": ("/auth/forgot", {"email": "admin@example.cn"}),
    "auth.reset": ("/auth/reset/not-a-token", {"password": "x" * 20}),
    "auth.second_step": ("/auth/two-factor", {"code": "123456"}),
    "auth.enrol": ("/auth/two-factor/setup", {"code": "123456"}),
}
# Routes whose authority is not a session form token, each with its reason;
# the Origin condition still applies to them (see cms/security.py).
TOKENLESS = {
    "comments.post": "a signed per-article token of its own (cached pages)",
    "comments.post_page": "a signed per-page token of its own (cached pages)",
    "comments.unsubscribe_now": "its signed URL (RFC 8058 one-click)",
    "email_actions.act": "its signed, single-use URL",
    "tipping.opened": "a counter beacon that changes nothing else",
    "public.unlock": "changes only the sender's own session",
    "auth.login": "no session to ride on before login",
}


def _post_routes(site: Site) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in site.app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint not in TOKENLESS
    )


def _request(site: Site, endpoint: str) -> tuple[str, dict[str, str]]:
    if endpoint in SAMPLES:
        path, _query, data = request_for(site.app, endpoint, site.targets)
        return path, data
    return PUBLIC_POSTS[endpoint]


@check("csrf")
def run(site: Site) -> Tally:
    tally = Tally("csrf")
    attacker = site.client("editor")
    other_token = form_token(attacker.get("/moderation/").get_data(as_text=True))
    ended = site.client("editor")
    ended_token = form_token(ended.get("/moderation/").get_data(as_text=True))
    ended.post("/auth/logout", data={"csrf_token": ended_token})
    victim = site.client("admin")
    own_token = form_token(victim.get("/moderation/").get_data(as_text=True))
    conditions = {
        "no token": ({}, {}),
        "another session's token": ({"csrf_token": other_token}, {}),
        "an ended session's token": ({"csrf_token": ended_token}, {}),
        "a foreign Origin": (
            {"csrf_token": own_token},
            {"Origin": "https://evil.example"},
        ),
        "a foreign Referer": (
            {"csrf_token": own_token},
            {"Referer": "https://evil.example/page"},
        ),
    }
    comment_forms = {
        "comments.post": f"/comments/{site.reference}",
        "comments.post_page": "/comments/page/guestbook/",
    }
    for endpoint in _post_routes(site) + sorted(comment_forms):
        if endpoint in comment_forms:  # their own token; only the Origin case
            path = comment_forms[endpoint]
            data = {"author": "甲", "email": "a@example.cn", "body": "跨站评论"}
            cases = {"a foreign Origin": conditions["a foreign Origin"]}
        else:
            path, data = _request(site, endpoint)
            cases = conditions
        with site.context():
            before = table_digests()
        for name, (token, headers) in cases.items():
            response = victim.post(path, data=data | token, headers=headers)
            tally.attempt(
                response.status_code < 400,
                f"{endpoint} with {name}: {response.status_code}",
            )
        with site.context():
            changed = table_digests() != before
        tally.attempt(changed, f"{endpoint}: a refused request changed the tables")
        if site.enough(tally):
            break
    return tally


@planted("csrf")
def _csrf_off(site: Site, monkeypatch) -> None:
    site.app.config["WTF_CSRF_ENABLED"] = False
    monkeypatch.setattr("cms.security.check_origin", lambda *a, **k: None)
