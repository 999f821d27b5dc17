"""Login and logout."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from cms.auth.decorators import safe_next
from cms.auth.forms import LoginForm
from cms.extensions import limiter, login_manager
from cms.services.users import authenticate, load_session_user

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "用户名或密码不正确"


@login_manager.user_loader
def _load_user(session_id: str):
    return load_session_user(session_id)


login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"


def _failure_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _failure_limit, methods=["POST"], deduct_when=lambda r: r.status_code == 401
)
def login():
    """303 to `next` (or the moderation area) on success; 401 with one message
    for every failure, whatever its cause."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("moderation.dashboard"), 303)
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(next_url or url_for("moderation.dashboard"), 303)
    if request.method == "POST":
        return render_template("auth/login.html", form=form, error=LOGIN_FAILED), 401
    return render_template("auth/login.html", form=form, error=None)


@bp.post("/logout")
def logout():
    """Log out and go home (CSRFProtect refuses a POST without its token)."""
    logout_user()
    return redirect(url_for("public.index"), 303)
