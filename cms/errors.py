"""Error pages in the site's style."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from cms.extensions import db

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
