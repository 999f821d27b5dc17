"""Webhooks for the site owner: a POST per new comment in one of the shapes
chat robots accept (generic JSON, 企业微信 and 钉钉 group robots, Server酱).
Only the outbox sends them (cms.services.outbox): no request waits on them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app

from cms.services.errors import InvalidInput

TIMEOUT = 10.0  # seconds for connecting and for the answer
FORMATS = {
    "auto": "按网址自动判断",
    "json": "通用 JSON",
    "wecom": "企业微信群机器人",
    "dingtalk": "钉钉群机器人",
    "serverchan": "Server酱",
}
_HOSTS = {
    "qyapi.weixin.qq.com": "wecom",
    "oapi.dingtalk.com": "dingtalk",
    "sctapi.ftqq.com": "serverchan",
    "sc.ftqq.com": "serverchan",
}


@dataclass(frozen=True)
class Hook:
    """One POST: where to, the body and its type."""

    to: str
    body: bytes
    content_type: str


@dataclass(frozen=True)
class CommentNews:
    """What a notice says about a new comment."""

    site: str
    article_title: str
    article_url: str
    comment_id: int
    comment_url: str
    author: str
    body: str
    status: str  # approved / pending / spam
    created_at: str  # ISO 8601

    @property
    def status_text(self) -> str:
        return {"approved": "已显示", "pending": "待审核"}.get(self.status, "垃圾评论")

    @property
    def title(self) -> str:
        return f"《{self.article_title}》有新评论（{self.status_text}）"


def parse_webhook_url(raw: str) -> str:
    """An http(s) URL with a host, or empty (off); InvalidInput otherwise."""
    url = raw.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise InvalidInput("请填写以 http:// 或 https:// 开头的网址")
    if len(url) > 1000:
        raise InvalidInput("网址太长")
    return url


def parse_webhook_format(raw: str) -> str:
    """One of FORMATS' keys."""
    value = raw.strip().lower() or "auto"
    if value not in FORMATS:
        raise InvalidInput(
            "可选：" + "、".join(f"{k}（{v}）" for k, v in FORMATS.items())
        )
    return value


def format_for(url: str, chosen: str) -> str:
    """The shape to send: `chosen`, or for "auto" the one the URL's host
    expects (generic JSON for any other host)."""
    if chosen != "auto":
        return chosen
    return _HOSTS.get((urlsplit(url).hostname or "").lower(), "json")


def _markdown(news: CommentNews) -> str:
    quoted = "\n".join(f"> {line}" for line in news.body.splitlines() if line.strip())
    return (
        f"**{news.title}**\n\n{news.author}：\n{quoted}\n\n"
        f"[查看评论]({news.comment_url})"
    )


def _plain(news: CommentNews) -> str:
    return f"{news.title}\n{news.author}：{news.body}\n{news.comment_url}"


def build_hook(url: str, shape: str, news: CommentNews) -> Hook:
    """The POST for `news` in `shape` (see FORMATS)."""
    payload: dict[str, Any]
    if shape == "serverchan":
        form = urlencode({"title": news.title[:32], "desp": _markdown(news)})
        return Hook(url, form.encode(), "application/x-www-form-urlencoded")
    if shape == "wecom":
        payload = {"msgtype": "markdown", "markdown": {"content": _markdown(news)}}
    elif shape == "dingtalk":
        markdown = {"title": news.title, "text": _markdown(news)}
        payload = {"msgtype": "markdown", "markdown": markdown}
    else:
        payload = {
            "event": "comment.created",
            "site": news.site,
            "text": _plain(news),
            "article": {"title": news.article_title, "url": news.article_url},
            "comment": {
                "id": news.comment_id, "url": news.comment_url, "author": news.author,
                "body": news.body, "status": news.status,
                "created_at": news.created_at,
            },
        }  # fmt: skip
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Hook(url, body, "application/json; charset=utf-8")


def _answer_error(raw: bytes) -> str | None:
    """The error a robot reports in a 200 answer ({"errcode": 93000, …} from
    企业微信 and 钉钉, {"code": 40001, …} from Server酱), else None."""
    try:
        data = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in ("errcode", "code"):
        code = data.get(key)
        if isinstance(code, int) and code != 0:
            message = data.get("errmsg") or data.get("message") or ""
            return f"{key} {code}: {message}"[:300]
    return None


def send_hooks(hooks: Sequence[Hook]) -> list[str | None]:
    """POST each hook; one entry per hook: None when the server answered 2xx
    (without an error code in its JSON), else why not. Never raises."""
    results: list[str | None] = []
    for hook in hooks:
        if urlsplit(hook.to).scheme not in ("http", "https"):
            results.append("不是 http(s) 地址")
            continue
        request = urllib.request.Request(  # noqa: S310  # nosec B310  # http(s) only: checked above
            hook.to, data=hook.body, method="POST",
            headers={"Content-Type": hook.content_type, "User-Agent": "cms-webhook"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310  # nosec B310  # http(s) only: checked above
                results.append(_answer_error(answer.read(65536)))
        except urllib.error.HTTPError as error:
            results.append(f"HTTP {error.code}")
        except (OSError, ValueError) as error:
            # The host only: a hook's URL often carries its access token.
            host = urlsplit(hook.to).hostname
            current_app.logger.warning("webhook to %s failed: %s", host, error)
            results.append(f"{type(error).__name__}: {error}")
    return results
