"""Hypothesis strategies for the sanitizer's properties: Markdown and HTML
built from dangerous fragments (tags and handlers in any case and spacing,
URL schemes hidden by entities, white space and case, Markdown's links,
images, autolinks, references, code, footnotes and tables, and the shared
payload list), and readers' comments with editors' highlighting marks."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.security.vectors import payloads

SITE_HOST = "cms.test"


def _words(text: str) -> list[str]:
    return text.split()


SCHEMES = [
    "javascript:",
    "JaVaScRiPt:",
    "vbscript:",
    "livescript:",
    "data:text/html,",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,",
    "jav\tascript:",
    "jav&#x09;ascript:",
    "jav&#x0A;ascript:",
    "java\x00script:",
    " \x01javascript:",
    "&#106;avascript:",
    "&#x6A;avascript:",
    "&#0000106avascript:",
    "javascript&colon;",
    "javascript&#58;",
    "javascript&#x3a;",
    "%6Aavascript:",
    "javas&Tab;cript:",
    "java&NewLine;script:",
    "\\u006aavascript:",
    "https:",
    "http:",
    "mailto:",
    "//",
    "/",
    "#",
    "?",
]
CODE = ["alert(1)", "alert`1`", "top['al'+'ert'](1)", "%0aalert(1)", "//x.test/a.js"]
TAGS = _words(
    "script img svg a iframe math style object embed details input form "
    "button base meta link template noscript textarea title xmp select "
    "option table td p div span h2 video source body frameset marquee image "
    "animate set use foreignObject mglyph mtext annotation-xml noembed "
    "plaintext frame applet section sup li code pre figure blockquote"
)
ATTRIBUTES = _words(
    "onerror onload onclick onmouseover onfocus ONERROR OnLoAd ontoggle "
    "onbegin onanimationstart href src style srcdoc formaction action "
    "xlink:href data background poster srcset id class title alt autofocus "
    "open name type is lang aria-hidden checked width colspan start rel "
    "attributeName values to from"
)
BREAKOUTS = [
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</noscript><img src=x onerror=alert(1)>",
    "--><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "background:url(javascript:alert(1))",
    "expression(alert(1))",
    "header-anchor",
    "footnote-ref",
    "language-js",
]
MARKDOWN = [
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```\n",
    '```"><img src=x onerror=alert(1)>\n<b>x</b>\n```\n',
    "```js onerror=alert(1)\nalert(1)\n```\n",
    "    <script>alert(1)</script>\n",
    "<!-- <script>alert(1)</script> -->",
    "<!--><img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?x <script>alert(1)</script>?>",
    "[^1]\n\n[^1]: <img src=x onerror=alert(1)>\n",
    '[^a"><b>]\n\n[^a"><b>]: x\n',
    "- [x] <img src=x onerror=alert(1)>\n",
    "- [ ] [x](javascript:alert(1))\n",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |\n",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&amp;lt;script&amp;gt;",
    "## <img src=x onerror=alert(1)>\n",
    "> <iframe src=javascript:alert(1)>\n",
    "*<img src=x onerror=alert(1)>*",
    "[<a href=javascript:alert(1)>x</a>](y)",
]

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
url = st.one_of(
    st.builds(str.__add__, st.sampled_from(SCHEMES), st.sampled_from(CODE)),
    st.sampled_from(["https://example.cn/a.png", "/media/ab/" + "c" * 32 + ".png"]),
)
value = st.one_of(url, st.sampled_from(CODE + BREAKOUTS), _text)
attribute = st.builds(
    "{}{}{}{}{}{}".format,
    st.sampled_from([" ", "/", "\t", "\n", "\x0c", " /"]),
    st.sampled_from(ATTRIBUTES),
    st.sampled_from(["=", " = ", ""]),
    quote := st.sampled_from(['"', "'", "", "`"]),
    value,
    quote,
)
start_tag = st.builds(
    lambda name, case, attributes, end: f"<{case(name)}{''.join(attributes)}{end}>",
    st.sampled_from(TAGS),
    st.sampled_from([str, str.upper, str.title]),
    st.lists(attribute, max_size=3),
    st.sampled_from(["", "/", " /"]),
)
end_tag = st.builds("</{}>".format, st.sampled_from(TAGS))
markdown_piece = st.one_of(
    st.builds(
        "[{}]({}{})".format, _text, url, st.sampled_from(["", ' "t"', ' "a\\"><b>"'])
    ),
    st.builds("![{}]({})".format, _text, url),
    st.builds("<{}>".format, url),
    st.builds("[x][r]\n\n[r]: {}\n".format, url),
    st.sampled_from(MARKDOWN),
)
piece = st.one_of(
    start_tag, end_tag, markdown_piece, _text, st.sampled_from(payloads())
)
# Markdown and HTML alike: fragments joined by nothing, spaces or lines.
document = st.lists(
    st.tuples(piece, st.sampled_from(["", " ", "\n", "\n\n"])), min_size=1, max_size=12
).map(lambda parts: "".join(p + s for p, s in parts))
comment_text = st.lists(
    st.one_of(
        piece,
        st.sampled_from(["http://x.test/?q=<b>", 'https://x.test/a"b', "\n\n", "\n"]),
    ),
    min_size=1,
    max_size=10,
).map("".join)
marks = st.lists(
    st.tuples(st.integers(0, 300), st.integers(0, 300), value), max_size=3
).map(lambda found: [(min(a, b), max(a, b), title) for a, b, title in found])
