"""What the XSS checks share: the payload list (PayloadsAllTheThings' XSS
list, tests/text/xss-payloads.txt, the same file as
../shared/data/xss/payloads.txt) and what counts as an executable thing in
HTML, found by parsing."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
PAYLOADS_FILE = Path(__file__).parents[1] / "text" / "xss-payloads.txt"
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "background",
    "poster",
    "data",
    "codebase",
    "cite",
    "lowsrc",
    "dynsrc",
    "to",
    "values",
    "from",
}
# Elements that run, load or submit something (our own pages' svg icons are
# inert: what could run inside an svg is counted by itself).
ACTIVE_TAGS = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "applet",
    "base",
    "link",
    "meta",
    "form",
    "style",
    "template",
    "animate",
    "set",
    "foreignobject",
    "handler",
    "listener",
}
# What a browser ignores inside a URL before it reads the scheme.
_IGNORED = re.compile(r"[\x00-\x20\x7f]")
_SCRIPT_URL = re.compile(r"(?:javascript|vbscript|livescript|data):", re.I)


def payloads() -> list[str]:
    """One payload a line, kept as written (a TAB included)."""
    return [p for p in PAYLOADS_FILE.read_text(encoding="utf-8").split("\n") if p]


def vectors(html: str) -> Counter[str]:
    """The executable things in a page, by kind (for comparing with a baseline)."""
    found: Counter[str] = Counter()
    for tag in BeautifulSoup(html, "html.parser").find_all(True):
        name = tag.name.lower()
        if name in ACTIVE_TAGS:
            found[f"<{name}>"] += 1
        for attribute, value in tag.attrs.items():
            attribute = attribute.lower()
            text = " ".join(value) if isinstance(value, list) else str(value)
            if attribute.startswith("on"):
                found["on* attribute"] += 1
            elif attribute in ("style", "srcdoc"):
                found[f"{attribute} attribute"] += 1
            elif attribute in URL_ATTRIBUTES and _SCRIPT_URL.match(
                _IGNORED.sub("", text)
            ):
                found[f"{attribute}=script URL"] += 1
    return found


def beyond(page: str, baseline: str) -> Counter[str]:
    """What `page` has that `baseline` has not."""
    return vectors(page) - vectors(baseline)


def every_page(get: Callable[[str], str], path: str) -> list[str]:
    """A paged list, every page of it (following rel=next and ?cpage=N);
    `get` answers a path with its HTML (a test client, or a browser)."""
    pages, seen = [], set()
    while path and path not in seen:
        seen.add(path)
        html = get(path)
        pages.append(html)
        soup = BeautifulSoup(html, "html.parser")
        following = soup.select_one("a[rel=next][href*='after=']")
        numbered = [a["href"].split("#")[0] for a in soup.select("a[href*='cpage=']")]
        path = (
            following["href"]
            if following
            else next((p for p in numbered if p not in seen), "")
        )
    return pages


def feed_items(feed: str) -> str:
    """The feed's entries as the HTML a reader's feed reader renders (RSS
    <description> and <content:encoded>, Atom <summary> and <content>)."""
    soup = BeautifulSoup(feed, "html.parser")
    kinds = ["content:encoded", "content", "description", "summary"]
    return "".join(e.get_text() for e in soup.find_all(kinds))
