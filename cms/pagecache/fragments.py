"""The sidebar (热门, 最新评论, tags, archive) is on every public page and
changes with every visible comment and public article. Kept inside each page,
any such change would drop every page. So it is kept once, as a fragment of
its own (tag `sidebar`), cut out of each page when the page is stored and
filled in at each hit: a comment approval drops the fragment and the pages
showing that article's comments, nothing else. A hit whose fragment is gone
is answered as a miss (the page is rendered, and both are stored again).

The sidebar partial (templates/_partials/sidebar.html) marks itself with
`<!--cms:sidebar-->` … `<!--/cms:sidebar-->`.
"""

from __future__ import annotations

import hashlib

KEY = "\x00fragment:sidebar"
TAG = "sidebar"
_START = b"<!--cms:sidebar-->"
_END = b"<!--/cms:sidebar-->"
SLOT = b"\x00sidebar\x00"


def split(body: bytes) -> tuple[bytes, bytes | None]:
    """`body` with its sidebar replaced by SLOT, and the sidebar (None, and
    the body unchanged, when the page has none). A hit puts it back
    (cms.pagecache.counts.filled)."""
    start = body.find(_START)
    end = body.find(_END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return body, None
    end += len(_END)
    return body[:start] + SLOT + body[end:], body[start:end]


def version(fragment: bytes) -> str:
    """A short name of the fragment's content, for the page's ETag."""
    return hashlib.blake2b(fragment, digest_size=4).hexdigest()
