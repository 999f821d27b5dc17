"""The moderation area's frame: a login guard for every route, and the dashboard."""

from flask import Blueprint, render_template

from cms.auth.decorators import require_role
from cms.models import Role
from cms.services.dashboard import site_overview

bp = Blueprint("moderation", __name__)
# Every route of the area, present and future, is behind this one guard.
bp.before_request(require_role(Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR))


@bp.get("/")
def dashboard():
    """The area's front page: what the site holds right now."""
    return render_template("moderation/dashboard.html", overview=site_overview())
