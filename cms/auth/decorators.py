"""Access rules shared by the blueprints."""

from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user

from cms.models import Role


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site (a single leading slash, no scheme,
    no host, no backslash trick), else None."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def require_role(*roles: Role):
    """For a blueprint's before_request: anonymous visitors go to the login page
    (coming back afterwards), logged-in users without one of `roles` get 403."""

    def guard():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role not in roles:
            abort(403)
        return None

    return guard
