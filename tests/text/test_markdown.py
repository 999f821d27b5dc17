"""render_markdown: heading anchors, link and image attributes, sanitising."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from cms.text.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from cms.text.markdown_html import to_html

# A copy of /work/shared/data/xss/payloads.txt (PayloadsAllTheThings, MIT: see
# LICENSE-xss-payloads-MIT.txt here), so the suite runs from a fresh clone.
PAYLOADS_FILE = Path(__file__).with_name("xss-payloads.txt")
PAYLOADS = PAYLOADS_FILE.read_text(encoding="utf-8").splitlines()
SITE = "cms.test"
# What a browser ignores inside a URL scheme (controls, spaces) before matching it.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]")
_DANGEROUS_SCHEME = re.compile(r"(?:javascript|vbscript|data|livescript):", re.I)
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "background", "poster",
    "xlink:href", "lowsrc", "dynsrc", "srcset", "data", "cite",
}  # fmt: skip


def soup(source: str, site_host: str | None = SITE) -> BeautifulSoup:
    return BeautifulSoup(render_markdown(source, site_host), "html.parser")


def link(source: str, site_host: str | None = SITE):
    anchors = soup(source, site_host).find_all("a")
    assert len(anchors) == 1, anchors
    return anchors[0]


# -- headings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "text", "expected_id"),
    [
        (2, "Hello World", "hello-world"),
        (3, "支付宝催收上门了怎么办", "支付宝催收上门了怎么办"),
        (4, "一、支付宝 催收", "一-支付宝-催收"),
        (2, "Ｆｕｌｌ　Ｗｉｄｔｈ", "full-width"),
    ],
)
def test_h2_to_h4_get_an_id_and_a_hash_permalink_to_it(level, text, expected_id):
    heading = soup(f"{'#' * level} {text}").find(f"h{level}")
    assert heading["id"] == "h-" + expected_id
    anchor = heading.find("a")
    assert anchor.get_text() == "#"
    assert anchor["href"] == f"#h-{expected_id}"
    assert anchor["class"] == ["header-anchor"]
    assert heading.get_text().startswith(text)


@pytest.mark.parametrize("level", [1, 5, 6])
def test_other_heading_levels_get_no_anchor(level):
    heading = soup(f"{'#' * level} 标题").find(f"h{level}")
    assert heading is not None
    assert heading.get("id") is None
    assert heading.find("a") is None


def test_repeated_headings_get_distinct_ids():
    ids = [
        h["id"] for h in soup("## 相同\n\n## 相同\n\n### 相同").find_all(["h2", "h3"])
    ]
    assert ids[0] == "h-相同"
    assert len(set(ids)) == 3


def test_heading_of_punctuation_only_still_gets_an_id():
    heading = soup("## ！！！").find("h2")
    assert heading["id"]
    assert heading.find("a")["href"] == "#" + heading["id"]


# -- links and images ----------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "https://example.com/page",
        "http://example.org/a?x=1&y=2",
        "//evil.example/protocol-relative",
        "https://cms.test.evil.example/",
        "https://sub.cms.test/",
    ],
)
def test_links_to_other_hosts_get_nofollow_noopener(href):
    anchor = link(f"[外链]({href})")
    assert anchor["rel"] == ["nofollow", "noopener"]
    assert anchor["href"] == href


@pytest.mark.parametrize(
    "href",
    ["http://cms.test/other.html", "https://cms.test/", "/relative/path",
     "relative.html", "#section", "?page=2", "mailto:editor@example.com"],
)  # fmt: skip
def test_same_host_relative_and_mailto_links_get_no_rel(href):
    anchor = link(f"[站内]({href})")
    assert anchor.get("rel") is None
    assert anchor["href"] == href


def test_without_a_site_host_every_absolute_link_is_external():
    assert link("[x](http://cms.test/a)", site_host=None)["rel"] == [
        "nofollow",
        "noopener",
    ]
    assert link("[x](/a)", site_host=None).get("rel") is None


def test_raw_html_links_are_marked_too_and_their_own_rel_dropped():
    anchor = link('<a href="https://example.com/" rel="follow" target="_blank">x</a>')
    assert anchor["rel"] == ["nofollow", "noopener"]
    assert anchor.get("target") is None


@pytest.mark.parametrize(
    "source",
    [
        '<a title="x" href="https://evil.example/">t</a>',
        '<a lang="zh" title="a>b" href="https://evil.example/">t</a>',
        # A value that itself reads like the start of an href attribute.
        '<a title="x href=" href="https://evil.example/">t</a>',
        # Browsers take the backslash for a slash: the host is evil.example.
        '<a href="https://evil.example\\@cms.test/">t</a>',
        '[t](https://evil.example/ "标题")',
    ],
)
def test_external_links_are_marked_whatever_the_attribute_order(source):
    assert link(source)["rel"] == ["nofollow", "noopener"]


def test_the_host_comparison_ignores_case():
    assert link("<a href='https://CMS.TEST/x'>t</a>").get("rel") is None
    assert link("<a href='HTTPS://EVIL.EXAMPLE/x'>t</a>")["rel"] == [
        "nofollow",
        "noopener",
    ]


def test_anchors_without_href_are_left_alone():
    html = render_markdown('<a title="t">x</a> <abbr title="a">b</abbr>', SITE)
    assert "rel=" not in html


def test_images_load_lazily():
    images = soup(
        "![图](https://img.example.com/a.png)\n\n<img src=/b.png alt=b>"
    ).find_all("img")
    assert [img["src"] for img in images] == ["https://img.example.com/a.png", "/b.png"]
    assert all(img["loading"] == "lazy" for img in images)
    assert images[0]["alt"] == "图"


def test_tables_and_strikethrough_render():
    page = soup("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~删~~")
    assert [td.get_text() for td in page.find_all("td")] == ["1", "2"]
    assert page.find(["s", "del"]).get_text() == "删"


# -- sanitising ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>正文", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ("[x](javascript:alert(1))", 'href="javascript:'),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
        ('<a href="vbscript:msgbox(1)">x</a>', "vbscript:"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "style="),
        ('<iframe src="https://evil.example/"></iframe>', "<iframe"),
        ("<svg onload=alert(1)><circle/></svg>", "onload"),
    ],
)
def test_dangerous_markup_is_removed(source, forbidden):
    html = render_markdown(source, SITE)
    assert forbidden not in html.lower()


def test_script_content_is_dropped_not_shown_as_text():
    html = render_markdown("前<script>alert('x')</script>后", SITE)
    assert "alert" not in html
    assert "前" in html and "后" in html


def _url_is_dangerous(value: str) -> bool:
    return bool(_DANGEROUS_SCHEME.match(_IGNORED_IN_SCHEME.sub("", value)))


def unsafe_things(page: BeautifulSoup) -> list[str]:
    """What in a parsed fragment could run script: empty when it is safe."""
    found = []
    for element in page.find_all(True):
        if element.name in ("script", "iframe", "object", "embed", "style"):
            found.append(f"<{element.name}>")
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else value
            if name.lower().startswith("on"):
                found.append(f"{element.name}[{name}]")
            elif name.lower() in URL_ATTRIBUTES and _url_is_dangerous(text):
                found.append(f"{element.name}[{name}={text}]")
    return found


def test_the_payload_list_is_the_full_one():
    assert len(PAYLOADS) == 233


def test_the_checker_sees_the_attacks_when_nothing_sanitises():
    """Guards the payload tests below against passing vacuously: rendered
    without nh3, most payloads do carry script, handlers or script URLs."""
    caught = [
        p for p in PAYLOADS if unsafe_things(BeautifulSoup(to_html(p), "html.parser"))
    ]
    assert len(caught) > 100
    assert _url_is_dangerous("jav\tascript:alert(1)")
    assert _url_is_dangerous(" \x0eJaVaScRiPt:alert(1)")
    assert _url_is_dangerous("DATA:text/html,x")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payload_is_neutralised(payload):
    page = soup(payload)
    assert page.find("script") is None
    assert unsafe_things(page) == [], payload
    for element in page.find_all(True):
        assert element.name in ALLOWED_TAGS, element.name
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(element.name, set())
        allowed |= {"rel", "loading", "decoding", "class", "disabled"}
        assert set(element.attrs) <= allowed, (element.name, element.attrs)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payload_inside_markdown_constructs_is_neutralised(payload):
    # The same payloads in a list item, a link text and a block quote.
    page = soup(f"- {payload}\n\n[{payload}](/x)\n\n> {payload}")
    assert page.find("script") is None
    assert unsafe_things(page) == [], payload


@pytest.mark.parametrize("page_id", ["comments", "respond", "comment-form", "main"])
def test_an_article_cannot_take_an_id_of_the_page(page_id):
    html = render_markdown(f'## {page_id}\n\n<h3 id="{page_id}">raw</h3>')
    ids = [tag["id"] for tag in BeautifulSoup(html, "html.parser").find_all(id=True)]
    assert ids and all(i.startswith("h-") for i in ids)
    assert page_id not in ids
