"""The comment list of an article or a standalone page: the `<li>` of every
comment shown, replies nested in `<ol class="comment-replies">`.

Written here rather than in a template for speed, as WordPress writes its
comment list in code (Walker_Comment) rather than in the theme: the list is
the largest repeated part of the busiest page, and a template spent ~17 µs a
comment on its own machinery (about a tenth of an uncached article page with
twenty comments). The markup is a public interface (INTERFACE.md: ids,
classes, data-* hooks); templates/_partials/comments.html places it.
Everything a reader wrote is escaped; their text becomes HTML only through
cms.text.comment_text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app
from markupsafe import Markup, escape

from cms.services.settings import current_settings
from cms.services.threads import Node
from cms.text.comment_text import render_comment
from cms.text.identicon import identicon_svg

HELD_NOTE = "这条评论正在等待审核，通过后其他读者才能看到；现在只有你能看到它。"


def comment_list_html(nodes: list[Node], replies_open: bool, address: str) -> Markup:
    """The `<li>` of each node and its replies, in order. `replies_open`:
    comments are open (approved comments get a 回复 link to
    `address?replytocom=<id>`); `address`: the page's own, without a query
    (comment_section.subject_address)."""
    writer = _Writer(
        replies_open, f"{escape(address)}?replytocom=",
        ZoneInfo(current_settings()["site.timezone"]),
        current_app.config["SECRET_KEY"].encode(),
    )  # fmt: skip
    out: list[str] = []
    for node in nodes:
        writer.node(node, out)
    return Markup("".join(out))  # noqa: S704  # nosec B704  # every value escaped


def shown_time(iso: str) -> str:
    """A local time's `isoformat(timespec="seconds")` as the `localtime`
    filter's "datetime" format (%Y-%m-%d %H:%M) writes it: cut from the
    ISO text, which the list writes anyway, for a third of strftime's cost."""
    return f"{iso[:10]} {iso[11:16]}"


class _Writer:
    def __init__(
        self, replies_open: bool, reply_href: str, zone: ZoneInfo, key: bytes
    ) -> None:
        self.replies_open = replies_open
        self.reply_href = reply_href  # escaped; the comment's id follows
        self.zone = zone
        self.key = key

    def node(self, node: Node, out: list[str]) -> None:
        c = node.comment
        held, pinned, floor = node.held, node.pinned, node.floor
        name = escape(c.author_name)
        iso = c.created_at.astimezone(self.zone).isoformat(timespec="seconds")
        classes = "comment" + (" comment-held" if held else "")
        classes += " comment-pinned" if pinned else ""
        out.append(
            f'\n<li class="{classes}" id="comment-{c.id}" data-depth="{node.depth}"'
            + (f' data-floor="{floor}"' if floor else "")
            + '>\n  <article class="comment-body">\n    <header class="comment-meta">\n'
            f"      {identicon_svg(c.author_email or '', self.key)}\n"
            f'      <span class="comment-author">{self._author(c.author_url, name)}'
            "\n      </span>"
        )
        if node.badge:
            badge = escape(node.badge)
            out.append(f'<span class="staff-badge" title="本站{badge}">{badge}</span>')
        if node.reply_to:
            out.append(
                f'<span class="comment-reply-to">回复 @{escape(node.reply_to)}</span>'
            )
        out.append(
            f'\n      <a class="comment-time" href="#comment-{c.id}"><time datetime='
            f'"{iso}">{shown_time(iso)}</time></a>'
        )
        if held:
            out.append('<span class="held-mark">待审核</span>')
        if pinned:
            out.append('<span class="pinned-mark">置顶</span>')
        if floor:
            out.append(
                f'<span class="comment-floor" aria-label="第 {floor} 楼">'
                f"#{floor} 楼</span>"
            )
        out.append("\n    </header>")
        if held:
            out.append(f'\n    <p class="held-note">{HELD_NOTE}</p>')
        out.append(f'\n    <div class="comment-text">{render_comment(c.body)}</div>')
        if self.replies_open and not held:
            out.append(
                '\n    <p class="comment-actions"><a class="reply-link" data-reply-to='
                f'"{c.id}" data-author="{name}" href="{self.reply_href}{c.id}#respond">'
                "回复</a></p>"
            )
        out.append("\n  </article>")
        if node.replies:
            out.append('\n  <ol class="comment-replies">')
            for reply in node.replies:
                self.node(reply, out)
            out.append("\n  </ol>")
        out.append("\n</li>")

    @staticmethod
    def _author(url: str, name: Markup) -> str:
        # Only http(s) sites become links: imported comments keep whatever the
        # old site stored (javascript: included), the form accepts only these.
        if url and url.lower().startswith(("http://", "https://")):
            link = f'<a href="{escape(url)}" rel="nofollow ugc noopener external">'
            return f"{link}{name}</a>"
        return name
