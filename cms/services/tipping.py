"""Tipping: which pay links an article's tip box shows, their QR images, and
the count of opened tip boxes (the links inside uploaded QR images are read
by cms.services.pay_qr).

A link reaches a QR code only when `check_pay_link` accepts it (https://,
wxp://, alipays://, at most 512 characters). Images are never stored: an
upload is decoded to its link, and the QR image is made again from the link.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import segno
from sqlalchemy import Select, bindparam, literal, or_, select, union_all, update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, Setting, User, utcnow
from cms.services.errors import NotFound
from cms.services.published import ShownArticle
from cms.services.settings import current_settings
from cms.text.paylinks import check_pay_link

PAY_KINDS = ("wechat", "alipay")
SETTING_KEYS = {"wechat": "tipping.wechat", "alipay": "tipping.alipay"}
# Part of every key: a change in how the image is drawn gives every link a new
# URL, so browsers never keep an "immutable" image that no longer matches.
QR_RENDER_VERSION = "1"
KEY_LENGTH = 24  # hex characters of sha256: 96 bits
QR_CACHE_SIZE = 512


@dataclass(frozen=True)
class TipLinks:
    """What an article's tip box shows: a link per kind ("" for none), the
    keys of their QR images, and the name of the author being tipped."""

    wechat: str
    alipay: str
    author: str

    @property
    def wechat_key(self) -> str:
        return qr_key(self.wechat) if self.wechat else ""

    @property
    def alipay_key(self) -> str:
        return qr_key(self.alipay) if self.alipay else ""

    @property
    def alipay_web(self) -> bool:
        """The Alipay link opens in a phone's browser (and from there the app)."""
        return self.alipay.startswith("https://")


@dataclass(frozen=True)
class QrImage:
    """A QR image to serve: its key (also its strong ETag) and its link; the
    SVG is drawn on first use, once per link and process."""

    key: str
    link: str

    @property
    def etag(self) -> str:
        return self.key

    @property
    def svg(self) -> bytes:
        return _drawn_svg(self.link)


@lru_cache(maxsize=1024)
def usable_link(raw: str | None) -> str:
    """`raw` when it is an accepted pay link exactly as stored, else "": a
    stored value that fails today's rules never becomes a QR code (and the
    image's in-use check, which compares stored text, agrees with the page)."""
    try:
        return raw if raw and check_pay_link(raw) == raw else ""
    except ValueError:
        return ""


def pay_links_for(article: ShownArticle) -> TipLinks | None:
    """The tip box of `article`, or None when it has none: the switch
    `show_tip` is off, or neither kind has a link. For each kind the owner's
    own link wins over the site's default. Reads only the joined owner and the
    settings already loaded for the request: no query of its own."""
    if not article.show_tip:
        return None
    settings = current_settings()
    owner = article.owner
    links = {
        kind: usable_link(getattr(owner, f"tip_{kind}"))
        or usable_link(settings[SETTING_KEYS[kind]])
        for kind in PAY_KINDS
    }
    if not any(links.values()):
        return None
    return TipLinks(links["wechat"], links["alipay"], owner.display_name)


@lru_cache(maxsize=1024)
def qr_key(link: str) -> str:
    """The URL key of a link's QR image: a hash of the link (and of the
    drawing version), so a changed link gets a new URL."""
    digest = hashlib.sha256(f"{QR_RENDER_VERSION}\n{link}".encode())
    return digest.hexdigest()[:KEY_LENGTH]


def qr_svg(link: str) -> bytes:
    """The QR code of `link` as SVG: error correction M, a 4-module quiet
    zone, black modules on white (scannable on a dark page too). The SVG holds
    only shapes: no XML declaration, title, description or any text."""
    code = segno.make(link, error="m", boost_error=False, micro=False)
    out = io.BytesIO()
    code.save(
        out, kind="svg", border=4, dark="#000", light="#fff", xmldecl=False,
        nl=False, omitsize=True, svgclass=None, lineclass=None,
    )  # fmt: skip
    # Sharp module edges at any size (no anti-aliased seams between rows).
    return out.getvalue().replace(b"<svg ", b'<svg shape-rendering="crispEdges" ', 1)


_drawn_svg = lru_cache(maxsize=QR_CACHE_SIZE)(qr_svg)


class _KeyCache:
    """key -> link for the most recently served QR images, per process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, link: str) -> None:
        with self._lock:
            self._items[key] = link
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_key_cache = _KeyCache(QR_CACHE_SIZE)


@lru_cache(maxsize=1)
def _in_use_query() -> Select:
    # Core, over the tables: no ORM statement set-up on this per-request path.
    users, settings = User.__table__.c, Setting.__table__.c
    link = bindparam("link")
    by_user = select(literal(1)).where(
        or_(users.tip_wechat == link, users.tip_alipay == link)
    )
    by_setting = select(literal(1)).where(
        or_(*(settings.key == key for key in SETTING_KEYS.values())),
        settings.value == link,
    )
    return select(union_all(by_user, by_setting).subquery()).limit(1)


def _link_in_use(link: str) -> bool:
    """True when a site default or some account's own link is `link` (one
    small query: the check that retires the URL of a changed link)."""
    return db.session.execute(_in_use_query(), {"link": link}).first() is not None


def _links_in_use() -> set[str]:
    """Every accepted link in use: the site's defaults and accounts' own."""
    settings = current_settings()
    links = {settings[key] for key in SETTING_KEYS.values()}
    rows = db.session.execute(
        select(User.tip_wechat, User.tip_alipay).where(
            or_(User.tip_wechat != "", User.tip_alipay != "")
        )
    )
    for wechat, alipay in rows:
        links.update((wechat, alipay))
    return {usable for link in links if (usable := usable_link(link))}


def qr_image(key: str) -> QrImage:
    """The QR image of the link in use whose key is `key`; NotFound for a key
    of no link in use (unknown, or of a link since changed). A recently served
    key costs one small query (is its link still in use?); nothing is drawn
    until `.svg` is read."""
    link = _key_cache.get(key)
    if link is not None:
        if _link_in_use(link):
            return QrImage(key, link)
        raise NotFound(key)
    for link in _links_in_use():
        if qr_key(link) == key:
            _key_cache.put(key, link)
            return QrImage(key, link)
    raise NotFound(key)


def clear_qr_cache() -> None:
    """Forget the cached keys and drawings (tests, benchmarks)."""
    _key_cache.clear()
    _drawn_svg.cache_clear()


@lru_cache(maxsize=1)
def _count_open_statement():
    return (
        update(Article)
        .where(
            Article.public_id == bindparam("b_public_id"),
            Article.status == ArticleStatus.PUBLISHED,
            Article.published_at <= bindparam("b_now"),
            Article.show_tip.is_(True),
        )
        # Interest is not an edit: keep updated_at (its onupdate would bump it).
        .values(tip_opens=Article.tip_opens + 1, updated_at=Article.updated_at)
    )


def count_open(public_id: str) -> bool:
    """Count one opened tip box on the article readers may see under
    `public_id` (and whose tip box is switched on), in one atomic UPDATE that
    changes nothing else. False when there is no such article."""
    with write_transaction():
        result = db.session.execute(
            _count_open_statement(),
            {"b_public_id": public_id, "b_now": utcnow()},
            execution_options={"synchronize_session": False},
        )
    return result.rowcount == 1
