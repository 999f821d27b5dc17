"""WordPress post bodies made into plain HTML this CMS can show.

- Gutenberg block comments (`<!-- wp:paragraph -->`) are dropped;
- `<!--more-->` splits the excerpt from the rest (the marker is removed);
- shortcodes the CMS cannot run degrade to readable HTML: [caption] to a
  figure with its caption, [gallery] to its images (or a note saying how
  many there were), [embed] / [youtube] / [video] / [audio] … to a link,
  [code] to a code block; an escaped `[[gallery]]` stays as the text
  `[gallery]`; unknown bracketed text is left alone;
- classic (pre-block) bodies get WordPress's paragraphs (wpautop): blank
  lines separate paragraphs and a single line break is a <br>.

The result is still to be sanitised (cms.text.markdown.sanitize_html).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
_MORE = re.compile(r"<!--\s*more\b.*?-->", re.S | re.I)
_NEXTPAGE = re.compile(r"<!--\s*nextpage\s*-->", re.I)
_CODES = (
    "caption|wp_caption|gallery|embed|youtube|vimeo|video|audio|playlist|"
    "soundcloud|googlemaps|code|sourcecode"
)
_SHORTCODE = re.compile(
    r"\[(\[?)(" + _CODES + r")\b([^\]]*?)/?\](?:(.*?)\[/\2\])?(\]?)", re.S | re.I
)
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|(\S+)""")
_LEADING_MEDIA = re.compile(
    r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I
)
_URL = re.compile(r"^https?://\S+$")
_BLOCK_START = re.compile(
    r"<(?:p|div|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|pre|table|thead|tbody|tr|td|th|"
    r"figure|figcaption|hr|form|address|section|article|aside|header|footer|nav|"
    r"iframe|script|style|details|summary|audio|video|object)\b",
    re.I,
)
_BLOCK_LINE = re.compile("</?" + _BLOCK_START.pattern[1:], re.I)
_PRE = re.compile(r"<pre\b.*?</pre>", re.S | re.I)

MediaLookup = Callable[[str], str | None]


@dataclass(frozen=True)
class Converted:
    """A body as HTML, and the excerpt before `<!--more-->` ("" without one)."""

    html: str
    before_more: str


def _attributes(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    position = 0
    for match in _ATTR.finditer(text):
        name, dq, sq, bare, positional = match.groups()
        if positional is not None:
            found.setdefault(f"_{position}", positional)
            position += 1
        else:
            found[name.lower()] = (
                dq if dq is not None else sq if sq is not None else bare
            )
    return found


def _link(url: str, label: str = "") -> str:
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return html.escape(label or url)
    safe = html.escape(url, quote=True)
    return f'<a href="{safe}">{html.escape(label) if label else safe}</a>'


def _caption(attrs: dict[str, str], content: str) -> str:
    match = _LEADING_MEDIA.match(content)
    media, text = (match.group(1), match.group(2)) if match else ("", content)
    text = text.strip() or attrs.get("caption", "")
    return f"<figure>{media}<figcaption>{text}</figcaption></figure>"


def _gallery(attrs: dict[str, str], media: MediaLookup | None) -> str:
    ids = [i.strip() for i in attrs.get("ids", attrs.get("include", "")).split(",")]
    ids = [i for i in ids if i]
    urls = [u for u in (media(i) if media else None for i in ids) if u]
    if urls:
        images = "".join(
            f'<li><img src="{html.escape(u, quote=True)}" alt=""></li>' for u in urls
        )
        return f"<ul>{images}</ul>"
    if ids:
        return f"<p>（图库：{len(ids)} 张图片，未随导入迁移）</p>"
    return "<p>（图库：图片未随导入迁移）</p>"


def _shortcode(match: re.Match[str], media: MediaLookup | None) -> str:
    opening, name, raw_attrs, content, closing = match.groups()
    if opening and closing:  # [[gallery]]: WordPress's way to write the text
        return html.escape(match.group(0)[1:-1])
    name = name.lower()
    attrs = _attributes(raw_attrs)
    content = content or ""
    if name in ("caption", "wp_caption"):
        return _caption(attrs, content)
    if name == "gallery":
        return _gallery(attrs, media)
    if name in ("code", "sourcecode"):
        return f"<pre><code>{html.escape(html.unescape(content))}</code></pre>"
    if name == "playlist":
        return "<p>（播放列表）</p>"
    label = {"audio": "音频：", "video": "视频："}.get(name, "")
    candidates = ("url", "src", "mp3", "mp4", "m4a", "ogg", "webm", "id", "_0")
    url = content.strip() or next((attrs[k] for k in candidates if attrs.get(k)), "")
    if name == "youtube" and url and not url.startswith("http"):
        url = f"https://www.youtube.com/watch?v={url}"
    if not url:
        return ""
    return f"<p>{label}{_link(url)}</p>"


def expand_shortcodes(text: str, media: MediaLookup | None = None) -> str:
    """Replace the shortcodes the CMS cannot run with readable HTML."""
    return _SHORTCODE.sub(lambda m: _shortcode(m, media), text)


def autop(text: str) -> str:
    """WordPress's automatic paragraphs, simply: chunks separated by blank
    lines become <p> (single line breaks <br>) unless they start with a block
    element; <pre> blocks are kept whole."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\n\n\x00{len(kept) - 1}\x00\n\n"

    text = _PRE.sub(keep, text.replace("\r\n", "\n").replace("\r", "\n"))
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if chunk.startswith("\x00") and chunk.endswith("\x00"):
            out.append(kept[int(chunk.strip("\x00"))])
        elif _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.extend(_lines_to_paragraphs(chunk))
    return "\n".join(out)


def _lines_to_paragraphs(chunk: str) -> list[str]:
    """A chunk that starts with text: lines that are block elements stand
    alone, runs of text lines become one paragraph with <br> between them, a
    URL alone on its line becomes a link (WordPress would embed it)."""
    out: list[str] = []
    text: list[str] = []

    def flush() -> None:
        if text:
            out.append("<p>" + "<br>\n".join(text) + "</p>")
            text.clear()

    for line in chunk.split("\n"):
        line = line.strip()
        if not line:
            continue
        if _BLOCK_LINE.match(line):
            flush()
            out.append(line)
        elif _URL.match(line):
            flush()
            out.append(f"<p>{_link(line)}</p>")
        else:
            text.append(line)
    flush()
    return out


def convert_body(content: str, media: MediaLookup | None = None) -> Converted:
    """A WordPress body as HTML (see the module docstring); `media` maps an
    attachment id to its URL here, when known, for [gallery]."""
    blocks = "<!-- wp:" in content
    text = _BLOCK_COMMENT.sub("", content)
    text = _NEXTPAGE.sub("", text)
    parts = _MORE.split(text, maxsplit=1)
    converted = [expand_shortcodes(part, media) for part in parts]
    if not blocks:
        converted = [autop(part) for part in converted]
    before = converted[0] if len(converted) > 1 else ""
    return Converted("\n".join(p for p in converted if p.strip()), before)


_BREAK = re.compile(r"<br\s*/?>", re.I)
_PARAGRAPH_END = re.compile(r"</p\s*>|</div\s*>|</li\s*>|</blockquote\s*>", re.I)
_TAG = re.compile(r"<[^>]*>")


def comment_text(content: str) -> str:
    """A WordPress comment (HTML with WordPress's line breaks) as the plain
    text comments are kept in here: paragraphs as blank lines, <br> as a line
    break, links' text kept, tags dropped, entities decoded."""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    text = _BREAK.sub("\n", text)
    text = _PARAGRAPH_END.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
