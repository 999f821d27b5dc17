"""`Vary: Cookie` only where cookies change the answer.

Flask adds `Vary: Cookie` to every answer whose request looked at the session,
and Flask-Login looks at it on every request (its remember-me refresh), so
every answer said it varies by cookie: browsers' and proxies' caches kept one
copy per cookie string even of immutable images. An answer marked immutable
(the QR images, uploads, keyed by their content) or a static file is the same
whatever the cookies: it does not say it varies by them.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without `Vary: Cookie` on answers that
    do not depend on cookies (the session itself is saved as before)."""

    def save_session(self, app: Flask, session, response: Response) -> None:
        super().save_session(app, session, response)
        if "Set-Cookie" in response.headers:
            return
        if response.cache_control.immutable or request.endpoint == "static":
            response.vary.discard("Cookie")


def register_vary(app: Flask) -> None:
    """Use the sessions above."""
    app.session_interface = CookieSessions()
