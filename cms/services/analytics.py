"""The site's analytics code (settings `site.analytics`, `site.analytics_host`):
what an admin may put there, and the script elements the pages serve for it.

The policy, so that the code can never act as the staff:

- only external scripts (`<script src="https://…">`) from the hosts of a short
  list of analytics vendors (VENDORS below) or from the one host the admin
  names for a self-hosted Umami or Plausible (`site.analytics_host`);
- no inline JavaScript is ever served. The inline snippets that Baidu Tongji,
  Google Analytics and 51.la hand out are recognised and reduced to their site
  id: Baidu's becomes its external `hm.js?<id>` script, Google's and 51.la's
  become our own loader (static/js/analytics.js) with the id in `data-`
  attributes. Any other inline code is refused;
- the pasted markup is read with a real HTML parser and never served as is:
  the page serves our own external elements (no nonce: readers' pages may be
  served from the page cache, and external scripts need none), and only the
  hosts used join that page's Content-Security-Policy.

The pages add that analytics run on readers' pages only (cms.security).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from cms.services.errors import InvalidInput

log = logging.getLogger(__name__)
MAX_BYTES = 10 * 1024
LOADER = "js/analytics.js"  # under static/: runs Google's and 51.la's set-up


@dataclass(frozen=True)
class Vendor:
    """An analytics vendor: the domains its scripts come from (a host matches
    a domain when equal to it or below it), and the extra CSP sources its
    scripts need: scripts they load, places they send measurements to."""

    name: str
    domains: tuple[str, ...]
    scripts: tuple[str, ...] = ()
    connects: tuple[str, ...] = ()


BAIDU = Vendor("百度统计", ("hm.baidu.com",))
LA51 = Vendor("51.la", ("51.la",), ("https://*.51.la",), ("https://*.51.la",))
CNZZ = Vendor(
    "CNZZ / 友盟",
    ("cnzz.com", "umeng.com"),
    ("https://*.cnzz.com", "https://*.umeng.com"),
    ("https://*.cnzz.com", "https://*.umeng.com"),
)
GOOGLE = Vendor(
    "Google Analytics",
    ("googletagmanager.com", "google-analytics.com"),
    ("https://*.googletagmanager.com",),
    (
        "https://*.googletagmanager.com",
        "https://*.google-analytics.com",
        "https://*.analytics.google.com",
    ),
)
VENDORS = (BAIDU, LA51, CNZZ, GOOGLE)
# The vendors whose set-up our loader runs (its data-vendor value).
LOADED = {"google": GOOGLE, "51la": LA51}
_FLAGS = {"async", "defer"}
_VALUED = {
    "charset",
    "id",
    "type",
    "crossorigin",
    "referrerpolicy",
    "integrity",
    "language",
}
_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "javascript"}
_DATA_ATTR = re.compile(r"data-[a-z0-9_.-]{1,40}")
_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?"
)
# The inline snippets vendors hand out, by the id each one carries.
_BAIDU = re.compile(r"hm\.baidu\.com/hm\.js\?([0-9a-f]{16,64})\b")
_GTAG = re.compile(
    r"""gtag\(\s*['"]config['"]\s*,\s*['"]([A-Z]{1,3}-[A-Z0-9]{4,20})['"]"""
)
_LA = re.compile(
    r"""LA\.init\(\s*\{\s*id\s*:\s*['"]([A-Za-z0-9]{4,40})['"]\s*,"""
    r"""\s*ck\s*:\s*['"]([A-Za-z0-9]{4,40})['"]"""
)


@dataclass(frozen=True)
class Script:
    """One external script element to serve: a vendor's (`src`), or our own
    loader (`src` empty, `attrs` carry its data- attributes)."""

    src: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()

    def render(self, nonce: str, loader_url: str) -> str:
        """The element (with `nonce` unless empty: a cached page's scripts are
        allowed by origin); every attribute value escaped."""
        src = self.src or loader_url
        nonced = f' nonce="{escape(nonce)}"' if nonce else ""
        parts = [f'<script{nonced} src="{escape(src)}"']
        for name, value in self.attrs:
            parts.append(f" {name}" if value is None else f' {name}="{escape(value)}"')
        return "".join(parts) + "></script>"


@dataclass(frozen=True)
class AnalyticsCode:
    """The checked code: its scripts in order and the CSP sources it needs."""

    scripts: tuple[Script, ...] = ()
    script_hosts: tuple[str, ...] = ()
    connect_hosts: tuple[str, ...] = ()

    def render(self, nonce: str, loader_url: str = "/static/" + LOADER) -> Markup:
        """Every script element, each with `nonce` unless it is empty."""
        elements = "\n".join(s.render(nonce, loader_url) for s in self.scripts)
        return Markup(elements)  # noqa: S704  # nosec B704  # Script.render escapes every value


def check_analytics_host(raw: str) -> str:
    """The self-hosted analytics host as stored: a bare host name (with a
    port if any), lower case; a pasted `https://host/` is reduced to it.
    InvalidInput for anything else; "" (none) is acceptable."""
    text = (raw or "").strip().lower()
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme != "https" or parts.path.strip("/") or parts.query:
            raise InvalidInput("请只填写域名，例如 stats.example.cn")
        text = parts.netloc
    if text and not _HOST.fullmatch(text):
        raise InvalidInput(f"“{raw.strip()}”不是有效的域名（例如 stats.example.cn）")
    return text


def check_analytics_text(raw: str) -> str:
    """The code's shape as stored (line ends normalised, outer blanks
    removed, at most MAX_BYTES); whether it passes the policy is
    `check_analytics`'s call, which also needs the self-hosted host."""
    text = (raw or "").replace("\r\n", "\n").strip()
    if len(text.encode()) > MAX_BYTES:
        raise InvalidInput(f"统计代码最多 {MAX_BYTES // 1024} KB")
    return text


def check_analytics(raw: str, own_host: str = "") -> AnalyticsCode:
    """The scripts `raw` stands for, when it passes the policy above with
    `own_host` as the admin's self-hosted analytics host; InvalidInput saying
    what is wrong otherwise. "" (no analytics) passes and serves nothing."""
    text = check_analytics_text(raw)
    if not text:
        return AnalyticsCode()
    elements = _Reader.read(text) if text.startswith("<") else [("", [], text)]
    scripts = [_script(src, attrs, code, own_host) for src, attrs, code in elements]
    return _with_hosts(scripts, own_host)


@lru_cache(maxsize=8)
def analytics_code(text: str, own_host: str = "") -> AnalyticsCode:
    """The scripts of stored code (checked once per process per value).
    Stored code that no longer passes serves nothing and is logged once."""
    try:
        return check_analytics(text, own_host)
    except InvalidInput as error:
        log.warning("stored analytics code refused, not served: %s", error)
        return AnalyticsCode()


def allowed_host(host: str, own_host: str = "") -> bool:
    """Whether scripts may come from `host` (lower case, port included)."""
    return _vendor(host) is not None or bool(own_host) and host == own_host


def _vendor(host: str) -> Vendor | None:
    for vendor in VENDORS:
        if any(host == d or host.endswith("." + d) for d in vendor.domains):
            return vendor
    return None


def _with_hosts(scripts: list[Script], own_host: str) -> AnalyticsCode:
    hosts: list[str] = []
    connects: list[str] = []
    for script in scripts:
        if script.src:
            host = urlsplit(script.src).netloc
            hosts.append(f"https://{host}")
            connects.append(f"https://{host}")
            vendor = _vendor(host)
        else:  # our loader: it brings its vendor's scripts in
            vendor = LOADED.get(dict(script.attrs).get("data-vendor") or "")
        if vendor is not None:
            hosts += vendor.scripts
            connects += vendor.connects
    return AnalyticsCode(
        scripts=tuple(scripts),
        script_hosts=tuple(dict.fromkeys(hosts)),
        connect_hosts=tuple(dict.fromkeys(connects)),
    )


def _script(src: str, attrs: list, code: str, own_host: str) -> Script:
    if src:
        if code.strip():
            raise InvalidInput("带 src 的 <script> 里不能再写代码")
        return Script(src=_check_src(src, own_host), attrs=tuple(attrs))
    return _from_inline(code)


def _from_inline(code: str) -> Script:
    """A vendor's inline snippet reduced to its id (the code is never kept)."""
    if found := _BAIDU.search(code):
        return Script(
            src=f"https://hm.baidu.com/hm.js?{found.group(1)}", attrs=(("async", None),)
        )
    if found := _GTAG.search(code):
        return Script(attrs=(("data-vendor", "google"), ("data-id", found.group(1))))
    if found := _LA.search(code):
        return Script(
            attrs=(
                ("data-vendor", "51la"),
                ("data-id", found.group(1)),
                ("data-ck", found.group(2)),
            )
        )
    raise InvalidInput(
        '不接受内联 JavaScript：请粘贴统计服务给出的 <script src="https://…"> '
        "标签（百度统计、Google Analytics、51.la 的标准代码会自动识别）"
    )


def _check_src(raw: str, own_host: str) -> str:
    src = raw.strip()
    if src.startswith("//"):
        src = "https:" + src  # protocol-relative, as 51.la and Baidu write it
    parts = urlsplit(src)
    if parts.scheme.lower() != "https":
        raise InvalidInput(f"外部脚本的地址必须以 https:// 开头：{raw}")
    host = parts.netloc.lower()
    if not _HOST.fullmatch(host) or any(ch.isspace() or ord(ch) < 32 for ch in src):
        raise InvalidInput(f"外部脚本的地址无效：{raw}")
    if not allowed_host(host, own_host):
        names = "、".join(vendor.name for vendor in VENDORS)
        raise InvalidInput(
            f"不支持来自 {host} 的脚本：只接受 {names}，"
            "以及“自建统计的域名”一项填写的域名（Umami、Plausible）"
        )
    return src


def _check_attrs(attrs: list[tuple[str, str | None]]) -> tuple[str, list]:
    src, kept = "", []
    for name, value in attrs:
        if name.startswith("on"):
            raise InvalidInput(f"<script> 不能带事件属性 {name}")
        if name == "src":
            src = value or ""
        elif name == "nonce":
            continue  # the page gives every script its own
        elif name in _FLAGS:
            kept.append((name, None))
        elif name == "type" and (value or "").strip().lower() not in _SCRIPT_TYPES:
            raise InvalidInput(f'不支持 type="{value}" 的 <script>')
        elif name in _VALUED or _DATA_ATTR.fullmatch(name):
            kept.append((name, value or ""))
        else:
            raise InvalidInput(f"<script> 不支持属性 {name}")
    return src, kept


class _Reader(HTMLParser):
    """Collects script elements as (src, kept attributes, inline text);
    anything else in the markup is refused."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list, str]] = []
        self._open: tuple[str, list, list[str]] | None = None

    @classmethod
    def read(cls, text: str) -> list[tuple[str, list, str]]:
        reader = cls()
        reader.feed(text)
        reader.close()
        if reader._open is not None:
            raise InvalidInput("<script> 缺少结束标签 </script>")
        return reader.elements

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
        if src or code.strip():
            self.elements.append((src, kept, code))

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
