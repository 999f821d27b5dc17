"""The moderation area's frame: one guard for every route, and the dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cms.auth.decorators import require_role
from cms.models import CommentStatus, Role
from cms.moderation.display import waited
from cms.moderation.forms import ACTION_LABELS, STATUS_LABELS
from cms.services.audit_actions import action_name
from cms.services.outbox import needs_attention
from cms.services.reasons import reason_is_warning
from cms.services.stats import dashboard as dashboard_figures
from cms.services.stats import pending_age, site_overview
from cms.services.tallies import comment_tallies
from cms.services.two_factor import must_enrol

bp = Blueprint("moderation", __name__)

STAFF = frozenset({Role.ADMIN, Role.EDITOR})
# Routes open to more roles than editors and admins. A route without an entry
# is for editors and admins only: a new route is never left open by accident.
OPEN_TO: dict[str, frozenset[Role]] = {
    "moderation.dashboard": frozenset(Role),
}

_enter = require_role(*Role)
ENROL = "moderation.two_factor"  # where must_enrol accounts are sent


def open_to(*roles: Role):
    """Mark a view of the area as open to exactly `roles` (instead of editors
    and admins): `@open_to(*Role)` for everyone logged in, `@open_to(Role.ADMIN)`
    for admins only. Put it under the route decorator."""

    def mark(view):
        OPEN_TO[f"{bp.name}.{view.__name__}"] = frozenset(roles)
        return view

    return mark


def allowed_roles(endpoint: str | None) -> frozenset[Role]:
    """The roles that may use `endpoint` (editors and admins unless listed)."""
    return OPEN_TO.get(endpoint or "", STAFF)


@bp.before_request
def _guard():
    """Anonymous visitors go to the login page; a role the route is not open
    to gets 403; an account the site requires two-factor login of, without
    it, goes to its set-up page. Runs before every route of the area,
    present and future."""
    answer = _enter()
    if answer is None and current_user.role not in allowed_roles(request.endpoint):
        abort(403)
    if answer is None and request.endpoint != ENROL and must_enrol(current_user):
        flash("本站要求管理员使用两步验证，请先完成设置。", "info")
        return redirect(url_for(ENROL))
    return answer


@bp.context_processor
def _area():
    """What every page of the area shows: the side navigation's pending badge
    (for those who moderate) and the wording helpers."""
    staff = current_user.is_authenticated and current_user.role in STAFF
    admin = current_user.is_authenticated and current_user.role == Role.ADMIN
    return {
        "pending_count": comment_tallies()[CommentStatus.PENDING] if staff else None,
        "mail_trouble": needs_attention() if admin else None,
        "is_moderator": staff,
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "reason_is_warning": reason_is_warning,
        "action_name": action_name,
    }


@bp.get("/")
def dashboard():
    """The area's front page: article counts for everyone; the comment figures
    and the latest actions for those who moderate."""
    staff = current_user.role in STAFF
    overview = site_overview(None if staff else current_user.id)
    figures = None
    if staff:
        figures = dashboard_figures(views=overview.total_views)
    age = waited(pending_age(figures.oldest_pending_at)) if figures else ""
    return render_template(
        "moderation/dashboard.html",
        overview=overview,
        figures=figures,
        pending_waited=age,
    )
