"""What an article page shows that changes with every reader: cut out when
the page is stored, filled in at each hit. The page then lives as long as
any other page (until an event drops it, or PAGE_CACHE_SECONDS), while

- its view count is the one of the moment (cms.services.views.shown_count_outside:
  a few seconds behind at most, as INTERFACE.md allows), and
- its comment form carries a token issued at this hit, so the too-fast check
  (comments.min_submit_seconds) measures from when this reader got the page,
  exactly as for a page rendered for them.

The count sits in two places of templates/public/article.html,
`data-views="N"` and `<span class="views">阅读 N</span>`; the token in the
comment form's hidden `csrf_token` input (templates/_partials/comments.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cms.pagecache.backends import Entry
from cms.pagecache.fragments import SLOT

VIEWS = b"\x00views\x00"
TOKEN = b"\x00token\x00"
_COUNT_PLACES = (
    re.compile(rb'(data-views=")(\d+)(")'),
    re.compile(rb'(<span class="views">' + "阅读 ".encode() + rb")(\d+)(</span>)"),
)
_TOKEN_PLACE = re.compile(
    rb'(<input type="hidden" id="csrf_token" name="csrf_token" value=")([^"]+)(")'
)


@dataclass(frozen=True)
class Cut:
    """A page with its per-reader parts cut out: the count it showed (None:
    it shows none) and whether it has a form token to fill in."""

    template: bytes
    views: int | None
    token: bool


def cut(body: bytes) -> Cut:
    """`body` with each count replaced by VIEWS and the form token by TOKEN."""
    shown = None
    for place in _COUNT_PLACES:
        found = place.search(body)
        if found is not None:
            shown = int(found.group(2))
            body = place.sub(lambda m: m.group(1) + VIEWS + m.group(3), body)
    body, tokens = _TOKEN_PLACE.subn(lambda m: m.group(1) + TOKEN + m.group(3), body)
    return Cut(body, shown, tokens > 0)


_SLOTS = re.compile(b"(" + b"|".join(map(re.escape, (SLOT, VIEWS, TOKEN))) + b")")


def filled(
    entry: Entry, sidebar: bytes | None, views: int | None, token: str | None
) -> bytes:
    """The entry's page with the sidebar fragment in its slot (the first one;
    cms.pagecache.fragments) and `views` and `token` in every slot `cut` left
    for them; a slot given None stays as it is. The body is cut at its slots
    once per entry (`entry.parts`), and joined once per hit."""
    parts = entry.parts
    if parts is None:
        parts = entry.parts = _SLOTS.split(entry.body)
    if len(parts) == 1:
        return parts[0]
    fills = {VIEWS: None if views is None else str(views).encode(),
             TOKEN: None if token is None else token.encode()}  # fmt: skip
    out = list(parts)
    for i in range(1, len(out), 2):
        slot = out[i]
        if slot == SLOT:
            if sidebar is not None:
                out[i], sidebar = sidebar, None  # the first slot only
        elif fills[slot] is not None:
            out[i] = fills[slot]  # type: ignore[assignment]
    return b"".join(out)
