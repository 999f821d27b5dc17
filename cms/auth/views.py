"""Login, logout, and a forgotten password's reset by e-mail."""

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from cms.auth.forms import ForgotForm, LoginForm, ResetForm
from cms.auth.sessions import end_session, load_user
from cms.auth.steps import after_password
from cms.extensions import limiter, login_manager
from cms.logs import log_event
from cms.services.errors import FieldError, ServiceError
from cms.services.logins import Throttled, check_password
from cms.services.mail import mail_configured
from cms.services.password_reset import (
    LinkExpired,
    LinkUsed,
    read_token,
    request_reset,
    reset_password,
)
from cms.services.users import known_username, log_out_everywhere
from cms.text.local_path import safe_next

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "用户名或密码不正确"
FORGOT_SENT = "如果该账号存在并设置了邮箱，重置链接已发送"

# Who a session is: cms/auth/sessions.py (version, idle and absolute limits).
login_manager.user_loader(load_user)
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"


def _forgot_limit() -> str:
    return current_app.config["PASSWORD_RESET_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    """303 to the next step (cms.auth.steps) on a right password; 401 with
    one message for every failure, whatever its cause; 429 while this
    address or this account must wait (cms.services.logins)."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("moderation.dashboard"), 303)
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = check_password(
                form.username.data, form.password.data, request.remote_addr or ""
            )
        except Throttled as refused:
            return _login_page(form, str(refused), 429, refused.retry_after)
        if user is not None:
            return after_password(user, form.remember.data, next_url)
    if request.method != "POST":
        return _login_page(form, None, 200)
    username = known_username((form.username.data or "")[:64])
    log_event("auth.login_failed", username=username, ip=request.remote_addr)
    return _login_page(form, LOGIN_FAILED, 401)


def _login_page(form: LoginForm, error: str | None, status: int, retry: int = 0):
    page = render_template(
        "auth/login.html", form=form, error=error, can_reset=mail_configured()
    )
    return page, status, {"Retry-After": str(retry)} if retry else {}


@bp.post("/logout")
def logout():
    """Log out and go home (CSRFProtect refuses a POST without its token).
    Every credential of the account ends with it: the session and remember-me
    cookies (on this browser and any copy of them) name an old version."""
    if current_user.is_authenticated:
        log_event("auth.logout", user_id=current_user.id)
        log_out_everywhere(current_user.id)
    end_session()
    return redirect(url_for("public.index"), 303)


def _private(body: str, status: int = 200):
    """A page about a secret link: never cached, never sent on as a Referer."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_forgot_limit, methods=["POST"])
def forgot():
    """Ask for a reset link by username or e-mail. A valid POST answers the
    same page and status (200) whether or not such an account exists, and
    mails only an active account with an address. Without MAIL_URL the page
    says to ask an administrator and sends nothing."""
    enabled = mail_configured()
    form = ForgotForm()
    sent = enabled and form.validate_on_submit()
    if sent:
        request_reset(form.identifier.data)
    page = render_template(
        "auth/forgot.html", form=form, enabled=enabled, sent=sent, message=FORGOT_SENT
    )
    return _private(page, 400 if form.errors else 200)


def _refused(error: ServiceError):
    """410 for a link used already; 400 for an expired, altered or stale one."""
    status, title = 400, "链接无效"
    if isinstance(error, LinkUsed):
        status, title = 410, "链接已使用"
    elif isinstance(error, LinkExpired):
        title = "链接已过期"
    page = render_template(
        "auth/link_error.html", code=status, title=title, message=str(error)
    )
    return _private(page, status)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """A reset link: GET shows the form (and changes nothing); POST with a
    strong new password sets it, ends every session of the account, spends
    the link and answers 303 to the login page."""
    form = ResetForm()
    try:
        user = read_token(token)
        if form.validate_on_submit():
            reset_password(token, form.password.data)
            flash("密码已重置，请用新密码登录。", "success")
            return redirect(url_for("auth.login"), 303)
    except FieldError as error:
        form.password.errors = [*form.password.errors, *error.errors.values()]
    except ServiceError as error:
        return _refused(error)
    page = render_template("auth/reset.html", form=form, user=user)
    return _private(page, 400 if form.errors else 200)
