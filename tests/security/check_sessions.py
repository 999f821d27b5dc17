"""ASVS 7.2-7.4 (sessions): a new session at login; a session or remember-me
cookie copied before a logout, a password change (other sessions) or a
deactivation opens nothing afterwards; the idle and absolute limits hold
("记住我" included, which lifts only the idle one); the cookies are
HttpOnly and SameSite=Lax, and Secure on an https site. FOUND: a copied or
expired cookie that still opened the moderation area, a cookie unchanged
by the login, a pre-login form token accepted after it, a missing flag."""

from __future__ import annotations

import time

from cms.models import User
from cms.services.sessions import login_expired, parse_identity
from tests.security.auth_support import (
    account,
    cookies_of,
    log_in,
    opens,
    replay,
    token_of,
    variant,
)
from tests.security.harness import PASSWORD, Site, Tally, check, form_token, planted

COOKIES = ("session", "remember_token")
NEW_PASSWORD = "a different long passphrase 7"
# The short limits of the timing part (seconds): real waits, no clock games.
IDLE, ABSOLUTE = 2.0, 6.0


def _new_session(site: Site, tally: Tally) -> None:
    account(site, "sess-fixation")
    client = site.app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    before, token = client.get_cookie("session").value, form_token(page)
    client.post(
        "/auth/login",
        data={"username": "sess-fixation", "password": PASSWORD, "csrf_token": token},
    )
    tally.attempt(client.get_cookie("session").value == before, "cookie kept at login")
    tally.attempt(
        replay(site.app, {"session": before}).get("/moderation/").status_code == 200,
        "the pre-login cookie opens the area",
    )
    # The form token of the session before the login must not work after it.
    answer = client.post("/auth/logout", data={"csrf_token": token})
    tally.attempt(answer.status_code < 400, "a pre-login form token accepted")


def _copied_cookies_die(site: Site, tally: Tally) -> None:
    """Logout, a password change and a deactivation each end the copies."""
    ids = {name: account(site, f"sess-{name}") for name in ("logout", "pw", "off")}
    copies = {}
    for name in ids:
        browser = site.app.test_client()
        log_in(browser, f"sess-{name}", remember=True)
        copies[name] = (browser, cookies_of(browser, *COOKIES))
    browser, _ = copies["logout"]
    browser.post("/auth/logout", data={"csrf_token": token_of(browser)})
    other = site.app.test_client()
    log_in(other, "sess-pw")
    other.post(
        "/moderation/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token_of(other),
        },
    )
    tally.attempt(not opens(other), "the password changer lost their own session")
    admin = site.client("admin")
    admin.post(
        f"/moderation/users/{ids['off']}",
        data={
            "do": "save",
            "display_name": "停用",
            "role": "editor",
            "csrf_token": token_of(admin, f"/moderation/users/{ids['off']}"),
        },
    )
    for event, (_, cookies) in copies.items():
        for name, value in cookies.items():
            copy = replay(site.app, {name: value})
            tally.attempt(opens(copy), f"{name} copied before {event} still opens")


def _limits(site: Site, tally: Tally) -> None:
    app = variant(
        site, SESSION_IDLE_MINUTES=IDLE / 60, SESSION_ABSOLUTE_HOURS=ABSOLUTE / 3600
    )
    account(site, "sess-idle")
    account(site, "sess-kept")
    idle, kept, busy = app.test_client(), app.test_client(), app.test_client()
    started = time.monotonic()
    log_in(idle, "sess-idle")
    log_in(kept, "sess-kept", remember=True)
    log_in(busy, "sess-kept")
    remember = cookies_of(kept, "remember_token")
    checked_idle = False
    while time.monotonic() - started < ABSOLUTE + 1.0:
        time.sleep(0.4)
        opens(busy)  # active: only the absolute limit can end it
        if not checked_idle and time.monotonic() - started > IDLE + 0.7:
            tally.attempt(opens(idle), "an idle session still opens")
            checked_idle = True
    tally.attempt(opens(busy), "an active session outlives the absolute limit")
    tally.attempt(opens(kept), "a remembered session outlives the absolute limit")
    tally.attempt(
        opens(replay(app, remember)), "a remember-me cookie outlives the absolute limit"
    )


def _flags(site: Site, tally: Tally) -> None:
    account(site, "sess-flags")
    for site_url, secure in (
        ("http://localhost", False),
        ("https://cms.example", True),
    ):
        app = variant(site, SITE_URL=site_url)
        # Over https, Flask-WTF wants a same-site Referer with the token.
        base = {"base_url": site_url, "headers": {"Referer": f"{site_url}/"}}
        answer = log_in(app.test_client(), "sess-flags", remember=True, **base)
        headers = answer.headers.getlist("Set-Cookie")
        for name in COOKIES:
            found = [h for h in headers if h.startswith(name + "=")]
            flags = (
                {p.strip().lower() for p in found[0].split(";")[1:]} if found else set()
            )
            wanted = {"httponly", "samesite=lax"} | ({"secure"} if secure else set())
            for flag in sorted(wanted):
                tally.attempt(flag not in flags, f"{name} on {site_url}: no {flag}")


@check("sessions", alone=True)
def run(site: Site) -> Tally:
    tally = Tally("sessions")
    _new_session(site, tally)
    _copied_cookies_die(site, tally)
    if site.enough(tally):  # a planted-fault run skips the real waits then
        return tally
    _limits(site, tally)
    _flags(site, tally)
    return tally


@planted("sessions")
def _version_unchecked(site: Site, monkeypatch) -> None:
    """The session version is not compared: logout, password changes and
    deactivations end nothing."""
    from cms.extensions import db

    def any_version(identity: str, now: float, absolute: float) -> User | None:
        parsed = parse_identity(identity)
        if parsed is None or login_expired(parsed.login_at, now, absolute):
            return None
        user = db.session.get(User, parsed.user_id)
        return user if user is not None and user.active else None

    monkeypatch.setattr("cms.auth.sessions.load_session_user", any_version)
