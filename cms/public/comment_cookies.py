"""The two cookies of the comment form: the reader's held comments (signed),
and, when asked for, the name, e-mail and site to fill in next time. Both
are HttpOnly: no script on the page (analytics included) can read them; the
server fills the form in."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote, unquote

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer

HELD_COOKIE = "cms_held"
COMMENTER_COOKIE = "cms_commenter"
HELD_KEEP = 20
HELD_AGE = timedelta(days=30)
COMMENTER_AGE = timedelta(days=365)
REMEMBERED = ("author", "email", "url")


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cms.held-comments")


def _secure(request: Request) -> bool:
    """Secure whenever the site is served over HTTPS (SITE_URL says so), even
    when this request reached the app as plain HTTP behind a proxy."""
    return request.is_secure or current_app.config["SITE_URL"].startswith("https://")


def held_ids(request: Request) -> list[int]:
    """Ids of the held comments this browser wrote (empty when the cookie is
    missing or forged)."""
    raw = request.cookies.get(HELD_COOKIE)
    if not raw:
        return []
    try:
        ids = _signer().loads(raw)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember_held(request: Request, response: Response, comment_id: int) -> None:
    """Add a held comment to this browser's list (the newest HELD_KEEP kept)."""
    ids = [i for i in held_ids(request) if i != comment_id] + [comment_id]
    response.set_cookie(
        HELD_COOKIE, _signer().dumps(ids[-HELD_KEEP:]), max_age=HELD_AGE,
        httponly=True, samesite="Lax", secure=_secure(request),
    )  # fmt: skip


def remember_commenter(
    request: Request, response: Response, fields: dict[str, str] | None
) -> None:
    """Store name, e-mail and site for the server to fill in next time
    (HttpOnly); `None` forgets them."""
    if fields is None:
        if COMMENTER_COOKIE in request.cookies:
            response.delete_cookie(COMMENTER_COOKIE, samesite="Lax")
        return
    response.set_cookie(
        COMMENTER_COOKIE, quote(json.dumps(fields, ensure_ascii=False)),
        max_age=COMMENTER_AGE, httponly=True, samesite="Lax",
        secure=_secure(request),
    )  # fmt: skip


def remembered_commenter(request: Request) -> dict[str, str] | None:
    """The name, e-mail and site this browser asked to be remembered (only
    string fields of sane length), or None without a usable cookie."""
    raw = request.cookies.get(COMMENTER_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(unquote(raw))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = {
        name: value
        for name in REMEMBERED
        if isinstance(value := data.get(name), str) and len(value) <= 512
    }
    return fields or None
