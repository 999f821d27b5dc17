"""Access rules shared by the blueprints."""

from flask import abort, redirect, request, url_for
from flask_login import current_user

from cms.models import Role


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
