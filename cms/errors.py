"""Error pages in the site's style."""

import contextlib
import logging

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from cms.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30

MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请返回后重试。"),
    403: ("没有权限", "你的账号无权访问这个页面。"),
    404: ("页面不存在", "你要找的页面不存在，或者已经被移走了。"),
    405: ("方法不允许", "这个地址不接受这种请求。"),
    429: ("操作太频繁", "请稍等片刻再试。"),
    500: ("服务器出错了", "出了点问题，我们会尽快修复。请稍后再试。"),
    503: ("暂时无法访问", "网站正在维护，请稍后再试。"),
}


def _render(code: int, detail: str | None = None):
    title, message = MESSAGES[code]
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def register_error_handlers(app: Flask) -> None:
    """Styled pages for the errors readers can meet; a 500 rolls back the
    session and shows no traceback."""
    for code in (400, 403, 404, 405, 429, 503):
        app.register_error_handler(code, lambda e, code=code: _render(code))

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
        if error.connection_invalidated:
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
