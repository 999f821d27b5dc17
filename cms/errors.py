"""Error pages in the site's style."""

import contextlib
import logging
from urllib.parse import urlsplit

from flask import (
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import NotFound as PageNotFound

from cms.database import refuses_writes
from cms.extensions import db
from cms.services.errors import (
    Conflict,
    FieldError,
    NotAllowed,
    NotFound,
    ServiceError,
)
from cms.services.legacy_links import redirect_for
from cms.text.local_path import safe_next

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30

MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请返回后重试。"),
    403: ("没有权限", "你的账号无权访问这个页面。"),
    404: ("页面不存在", "你要找的页面不存在，或者已经被移走了。"),
    405: ("方法不允许", "这个地址不接受这种请求。"),
    413: ("内容太大", "提交的内容超过了允许的大小。"),
    429: ("操作太频繁", "请稍等片刻再试。"),
    500: ("服务器出错了", "出了点问题，我们会尽快修复。请稍后再试。"),
    503: ("暂时无法访问", "网站正在维护，请稍后再试。"),
}


def _render(code: int, detail: str | None = None):
    title, message = MESSAGES[code]
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def legacy_location(path: str, args, query: str = "") -> str | None:
    """The URL an imported site's old address moves to (cms.services.
    legacy_links), or None."""
    found = redirect_for(path, args, query)
    if found is None:
        return None
    endpoint, values = found
    return url_for(endpoint, **values)  # type: ignore[arg-type]


def register_error_handlers(app: Flask) -> None:
    """Styled pages for the errors readers can meet; a 500 rolls back the
    session and shows no traceback."""
    for code in (400, 403, 405, 413, 429, 503):
        app.register_error_handler(code, lambda e, code=code: _render(code))

    @app.errorhandler(404)
    def _not_found(error):
        # An address of an imported site (WordPress permalink) moves for good.
        if request.method in ("GET", "HEAD"):
            target = legacy_location(
                request.path,
                request.args,
                request.query_string.decode("utf-8", "replace"),
            )
            if target is not None:
                return redirect(target, 301)
        return _render(404)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return _render(400, "表单已过期或来源无效，请刷新页面后重新提交。")

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        return _render(500)

    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError):
        if error.connection_invalidated or refuses_writes(error):
            return _database_unavailable(error)
        raise error  # a bug, not an outage: the 500 page


def _database_unavailable(error: Exception):
    """The database cannot be reached (or refuses to work: read-only, disk
    full): 503 with Retry-After and a page that needs no database."""
    log.error("database unavailable: %s", error)
    with contextlib.suppress(SQLAlchemyError):  # the connection may be gone
        db.session.rollback()
    template = current_app.jinja_env.get_template("errors/unavailable.html")
    html = template.render(retry_after=RETRY_AFTER_SECONDS, request_path=request.path)
    return html, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


# --- Service errors ---------------------------------------------------------
# The one place where cms.services.errors become answers; the rule is in that
# module's docstring. Views raise through; they do not catch to answer.

SERVICE_TITLES = {400: "提交的内容无效", 409: "操作冲突"}
FLASH_BACK_BLUEPRINTS = frozenset({"moderation"})


def service_status(error: ServiceError) -> int:
    """The HTTP status a service error answers with."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NotAllowed):
        return 403
    if isinstance(error, Conflict):
        return 409
    return 400


def same_site_referrer() -> str | None:
    """The path (with query) of the page the request came from, when that
    page is on this site; else None."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    own = {request.host_url, current_app.config.get("SITE_URL") or ""}
    origins = {(o.scheme, o.netloc) for o in map(urlsplit, own) if o.netloc}
    if (parts.scheme, parts.netloc) not in origins:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path)


def answer_service_error(error: ServiceError):
    """Answer a service error: 404 and 403 as the site's own pages; a refused
    form POST of the moderation area flashed and 303 back to its page; else
    the 400/409 page with the message and the field errors."""
    db.session.rollback()  # whatever the refused unit left behind
    status = service_status(error)
    if status == 404:
        return current_app.handle_http_exception(PageNotFound())
    if status == 403:  # the service's message says what the user may not do
        return _render(403, str(error) or None)
    back = same_site_referrer()
    if (
        request.method == "POST"
        and request.blueprint in FLASH_BACK_BLUEPRINTS
        and back is not None
    ):
        flash(str(error), "error")
        return redirect(back, 303)
    fields = error.errors if isinstance(error, FieldError) else {}
    message = MESSAGES[400][1] if fields else str(error) or MESSAGES[400][1]
    page = render_template(
        "errors/error.html",
        code=status,
        title=SERVICE_TITLES[status],
        message=message,
        field_errors=fields,
    )
    return page, status


def register_service_error_handler(app: Flask) -> None:
    """Answer every cms.services.errors.ServiceError that a view lets through."""
    app.register_error_handler(ServiceError, answer_service_error)
