"""The site's analytics code (setting `site.analytics`): checked when it is
saved, served as `<script>` elements that carry the request's CSP nonce.

An admin pastes what Baidu Tongji, 51.la, Google Analytics or Umami give:
either bare JavaScript or `<script>` tags (inline ones and ones with `src`).
It is read with a real HTML parser and accepted only when it is nothing but
script elements with known attributes, external ones on `https://`, and inline
code that cannot end its element early. The page then serves our own
re-written elements, never the pasted markup itself, so the
Content-Security-Policy needs no 'unsafe-inline'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from cms.services.errors import InvalidInput

MAX_BYTES = 10 * 1024
_FLAGS = {"async", "defer"}
_VALUED = {"charset", "id", "type", "crossorigin", "referrerpolicy", "integrity"}
_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
# What would end the script element early, or switch the HTML tokenizer into a
# state where the real end tag no longer ends it.
_BREAKOUT = re.compile(r"</script|<script|<!--", re.IGNORECASE)
# Hosts named in inline code or attribute values ("https://hm.baidu.com/…", or
# protocol-relative inside a string literal): loaders inject scripts from them.
_HOST = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d{1,5})?")
_URL_HOST = re.compile(rf"""(?:https:|(?<=["'`]))//({_HOST.pattern})""")
# Where a vendor's loader sends its measurements (fetch / sendBeacon).
_BEACONS = {
    "www.googletagmanager.com": (
        "https://*.googletagmanager.com",
        "https://*.google-analytics.com",
        "https://*.analytics.google.com",
    ),
    "sdk.51.la": ("https://*.51.la",),
}


@dataclass(frozen=True)
class Script:
    """One script element to serve: external (`src`) or inline (`code`)."""

    src: str = ""
    code: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()

    def render(self, nonce: str) -> str:
        """The element, with `nonce`; attribute values escaped, code as is
        (checked on the way in: it cannot leave the element)."""
        parts = [f'<script nonce="{escape(nonce)}"']
        if self.src:
            parts.append(f' src="{escape(self.src)}"')
        for name, value in self.attrs:
            parts.append(f" {name}" if value is None else f' {name}="{escape(value)}"')
        return "".join(parts) + ">" + self.code + "</script>"


@dataclass(frozen=True)
class AnalyticsCode:
    """The parsed code: its scripts in order and the hosts the CSP must allow."""

    scripts: tuple[Script, ...] = ()
    script_hosts: tuple[str, ...] = ()
    connect_hosts: tuple[str, ...] = ()

    def render(self, nonce: str) -> Markup:
        """Every script element, each with `nonce`."""
        return Markup("\n".join(script.render(nonce) for script in self.scripts))


def check_analytics(raw: str) -> str:
    """The code as it will be stored (line ends normalised, outer blanks
    removed) when it is acceptable; InvalidInput saying what is wrong
    otherwise. "" (no analytics) is acceptable."""
    text = (raw or "").replace("\r\n", "\n").strip()
    if len(text.encode()) > MAX_BYTES:
        raise InvalidInput(f"统计代码最多 {MAX_BYTES // 1024} KB")
    _parse(text)
    return text


@lru_cache(maxsize=8)
def analytics_code(text: str) -> AnalyticsCode:
    """The scripts of stored code (parsed once per process per text). Stored
    code that no longer passes the checks serves nothing."""
    try:
        return _parse(text)
    except InvalidInput:
        return AnalyticsCode()


def _parse(text: str) -> AnalyticsCode:
    if not text:
        return AnalyticsCode()
    if text.startswith("<"):
        scripts = _Reader.read(text)
    else:
        _check_inline(text)
        scripts = [Script(code=text)]
    hosts: list[str] = []
    for script in scripts:
        if script.src:
            hosts.append(_origin(script.src))
        hosts += _URL_HOST.findall(script.code)
        for _, value in script.attrs:
            hosts += _URL_HOST.findall(value or "")
    script_hosts = list(dict.fromkeys(hosts))
    beacons = [b for host in script_hosts for b in _BEACONS.get(_bare(host), ())]
    return AnalyticsCode(
        scripts=tuple(scripts),
        script_hosts=tuple(script_hosts),
        connect_hosts=tuple(dict.fromkeys(script_hosts + beacons)),
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _bare(host: str) -> str:
    return host.split("://", 1)[-1].split(":", 1)[0].lower()


def _check_inline(code: str) -> None:
    found = _BREAKOUT.search(code)
    if found:
        raise InvalidInput(
            f"脚本代码里不能出现 {found.group(0)}：请只粘贴 JavaScript，"
            "或粘贴完整的 <script>…</script> 标签"
        )


def _check_src(raw: str) -> str:
    src = raw.strip()
    if src.startswith("//"):
        src = "https:" + src  # protocol-relative, as 51.la and Baidu write it
    parts = urlsplit(src)
    if parts.scheme.lower() != "https":
        raise InvalidInput(f"外部脚本的地址必须以 https:// 开头：{raw}")
    if not _HOST.fullmatch(parts.netloc) or any(
        ch.isspace() or ord(ch) < 32 for ch in src
    ):
        raise InvalidInput(f"外部脚本的地址无效：{raw}")
    return src


def _check_attrs(attrs: list[tuple[str, str | None]]) -> tuple[str, list]:
    src, kept = "", []
    for name, value in attrs:
        if name.startswith("on"):
            raise InvalidInput(f"<script> 不能带事件属性 {name}")
        if name == "src":
            src = _check_src(value or "")
        elif name == "nonce":
            continue  # the page gives every script its own
        elif name in _FLAGS:
            kept.append((name, None))
        elif name == "type" and (value or "").strip().lower() not in _SCRIPT_TYPES:
            raise InvalidInput(f'不支持 type="{value}" 的 <script>')
        elif name in _VALUED or re.fullmatch(r"data-[a-z0-9_.-]+", name):
            kept.append((name, value or ""))
        else:
            raise InvalidInput(f"<script> 不支持属性 {name}")
    return src, kept


class _Reader(HTMLParser):
    """Collects script elements; anything else in the markup is refused."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[Script] = []
        self._open: tuple[str, list, list[str]] | None = None

    @classmethod
    def read(cls, text: str) -> list[Script]:
        reader = cls()
        reader.feed(text)
        reader.close()
        if reader._open is not None:
            raise InvalidInput("<script> 缺少结束标签 </script>")
        return reader.scripts

    def handle_starttag(self, tag, attrs):
        if tag != "script":
            raise InvalidInput(f"统计代码只能包含 <script> 元素，不能有 <{tag}>")
        if self._open is not None:
            raise InvalidInput("<script> 不能嵌套")
        src, kept = _check_attrs(attrs)
        self._open = (src, kept, [])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag != "script" or self._open is None:
            raise InvalidInput(f"多余的结束标签 </{tag}>")
        src, kept, chunks = self._open
        self._open = None
        code = "".join(chunks)
        if src and code.strip():
            raise InvalidInput("带 src 的 <script> 里不能再写代码，请分成两个 <script>")
        _check_inline(code)
        if src or code.strip():
            self.scripts.append(Script(src=src, code=code, attrs=tuple(kept)))

    def handle_data(self, data):
        if self._open is not None:
            self._open[2].append(data)
        elif data.strip():
            raise InvalidInput(f"<script> 元素之外不能有文字：{data.strip()[:20]}")

    def handle_comment(self, data):
        """HTML comments between the scripts (vendors add them) are dropped."""

    def handle_decl(self, decl):
        raise InvalidInput("统计代码只能包含 <script> 元素")

    handle_pi = unknown_decl = handle_decl
