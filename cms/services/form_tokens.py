"""Anti-forgery tokens for the anonymous comment form.

The article page may be served from a shared page cache, so the token cannot
depend on a session: it is signed with SECRET_KEY, names the article, and
carries the time the page was rendered. The request's Origin (or Referer)
must also be this site.

With the page cache, an article's page is stored once and served to many
readers, but its token is not: each hit fills in a token issued at that
moment (cms.pagecache.counts), so the too-fast check
(comments.min_submit_seconds) reads the time this reader got the page, hit
or miss. Files nginx serves from the page store carry the token of their
render; they are retired once PAGE_CACHE_COUNT_SECONDS old, so such a copy's
token is at most that much older than the reader's copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes

from cms.services.errors import InvalidInput

TOKEN_MAX_AGE = timedelta(days=2)
_SALT = "cms.comment-form"


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue_comment_token(article_public_id: str) -> str:
    """A token for the comment form of one article, stamped with the time now;
    a random part makes each one different, so that it also tells one served
    form from another (a form sent twice: cms.services.submissions)."""
    return issuer_for(current_app.config["SECRET_KEY"])(article_public_id)


@lru_cache(maxsize=4)
def issuer_for(secret_key: str) -> CommentTokenIssuer:
    """The one issuer of comment-form tokens signed with `secret_key`."""
    return CommentTokenIssuer(secret_key)


class CommentTokenIssuer:
    """Issues comment-form tokens without an app context and cheaply (the
    page cache's WSGI layer fills a fresh one into every hit): the signing
    key is derived once, and the token is written as itsdangerous's
    URLSafeTimedSerializer writes it (URL-safe base64 of the compact JSON
    payload, never compressed at this size; the time; HMAC-SHA1 of both), so
    that `read_comment_token` reads it with that serializer."""

    def __init__(self, secret_key: str) -> None:
        signer = _serializer_for(secret_key).make_signer()
        self._key = signer.derive_key()
        self._sep = want_bytes(signer.sep)

    def __call__(self, article_public_id: str) -> str:
        payload = json.dumps(
            {"a": article_public_id, "n": secrets.token_hex(4)},
            separators=(",", ":"),
        ).encode()
        value = (
            base64_encode(payload)
            + self._sep
            + base64_encode(int_to_bytes(int(time.time())))
        )
        mac = hmac.new(self._key, value, hashlib.sha1).digest()
        return (value + self._sep + base64_encode(mac)).decode("ascii")


def read_comment_token(token: str, article_public_id: str) -> datetime:
    """The time the form was served, when `token` is genuine, unexpired and for
    this article; InvalidInput otherwise."""
    try:
        payload, signed_at = _serializer().loads(
            token or "",
            max_age=int(TOKEN_MAX_AGE.total_seconds()),
            return_timestamp=True,
        )
    except SignatureExpired:
        raise InvalidInput("表单已过期，请重新提交") from None
    except BadSignature:
        raise InvalidInput("表单校验失败，请刷新页面后重新提交") from None
    if not isinstance(payload, dict) or payload.get("a") != article_public_id:
        raise InvalidInput("表单校验失败，请刷新页面后重新提交")
    return signed_at.astimezone(UTC)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_origin(origin: str | None, referer: str | None, own: list[str]) -> None:
    """InvalidInput when the request names another site as its origin.

    `own` are the origins that count as this site (SITE_URL's and the one the
    request was addressed to). Browsers send Origin with form POSTs; Referer is
    the fallback; a request with neither (a script, not a browser) passes, as
    the signed token already ties it to a served form.
    """
    allowed = {o for o in (_origin(u) for u in own) if o}
    claimed = origin if origin and origin != "null" else None
    if claimed is None and referer:
        claimed = referer
    if claimed is None:
        if origin == "null":
            raise InvalidInput("表单来源无效")
        return
    if _origin(claimed) not in allowed:
        raise InvalidInput("表单来源无效")
