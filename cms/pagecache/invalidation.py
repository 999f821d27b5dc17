"""Which change drops which cached pages: the after-commit handlers of the
domain events (cms.events), wired in cms.listeners. The tags are those of
cms.pagecache.marks. A handler runs before the request that made the change
returns, so nothing is served stale after it."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from cms.events import (
    ArticleChanged,
    CommentsChanged,
    ContentImported,
    MediaChanged,
    MenuChanged,
    PageChanged,
    RelatedChanged,
    SettingsChanged,
    TaxonomyChanged,
    UserChanged,
)
from cms.extensions import db
from cms.models import (
    Article,
    ArticleStatus,
    Category,
    CommentStatus,
    MenuItem,
    Page,
    utcnow,
)
from cms.services.articles import neighbours

# Fields whose change moves an article into, out of or within lists.
PLACEMENT = frozenset(
    {"status", "published_at", "created", "deleted", "category", "tags", "owner",
     "owner_id", "sticky"}
)  # fmt: skip
# Settings no page shows (comment rules): changing them drops nothing.
UNSHOWN_SETTINGS = frozenset(
    {
        "comments.hold_first",
        "comments.require_approval",
        "comments.flood_seconds",
        "comments.min_submit_seconds",
        "comments.max_links",
        "comments.moderation_words",
        "comments.disallowed",
    }
)
# Account fields no page shows.
UNSHOWN_USER_FIELDS = frozenset({"password", "email", "role", "last_login"})


def _cache():
    return current_app.extensions.get("page_cache")


def drop(tags: set[str]) -> None:
    """Drop every cached page (and page-store file) carrying one of `tags`."""
    cache = _cache()
    if cache is not None and tags:
        cache.drop_tags(tags)


def drop_everything() -> None:
    """Drop every cached page: the site frame changed."""
    cache = _cache()
    if cache is not None:
        cache.drop_all()


def _category_chain(category_id: int | None) -> list[int]:
    """A category and its ancestors (their lists include its articles)."""
    chain: list[int] = []
    while category_id is not None and category_id not in chain:
        chain.append(category_id)
        category_id = db.session.scalar(
            select(Category.parent_id).where(Category.id == category_id)
        )
    return chain


def article_changed(event: ArticleChanged) -> None:
    """The article's page and every page showing it; when it moves into, out
    of or within lists: the lists it is in, the feed, the sitemap and the
    pages of its new neighbours; a scheduled time ends every entry then."""
    if _cache() is None:
        return
    aid = event.article_id
    tags = {f"a:{aid}", f"p:{aid}", f"c:{aid}"}
    article = db.session.get(Article, aid)
    now = utcnow()
    shown = article is not None and article.is_visible(now)
    was_public = event.before_status == ArticleStatus.PUBLISHED.value
    when = _scheduled_at(article, now)
    if when is not None:
        _cache().end_all_at(when.timestamp())
    if shown or was_public:
        tags.add("sitemap")  # lastmod
        if event.fields & PLACEMENT:
            tags |= {"list:home", "feed"} | _list_tags(article, event.fields)
    if shown and event.fields & PLACEMENT:
        assert article is not None
        tags |= {f"p:{near.id}" for near in neighbours(article) if near is not None}
    if (shown or was_public) and event.fields & (PLACEMENT | {"title"}):
        tags.add("sidebar")  # 热门, the archive's counts, the tag cloud
    if (shown or was_public) and event.fields & PLACEMENT and article is not None:
        # Pages whose related articles are drawn from its category or tags
        # (a view showing related articles tags its page with these).
        if article.category_id:
            tags.add(f"related:category:{article.category_id}")
        tags |= {f"related:tag:{t.id}" for t in article.tags}
    drop(tags)


def _scheduled_at(article: Article | None, now: datetime) -> datetime | None:
    """The time a published article shows up, when still to come."""
    if article is None or article.status != ArticleStatus.PUBLISHED:
        return None
    when = article.published_at
    return when if when is not None and when > now else None


def _list_tags(article: Article | None, fields: frozenset[str]) -> set[str]:
    """The lists an article is in; a kind of list whose membership changed
    (a new category, new tags, a new owner) is dropped whole: the old
    membership is not known any more, and the pages after it shift."""
    if article is None:
        return {"lists:category", "lists:tag", "lists:author"}
    tags: set[str] = set()
    if "category" in fields or "created" in fields:
        tags.add("lists:category")
    else:
        tags |= {f"list:category:{c}" for c in _category_chain(article.category_id)}
    if "tags" in fields or "created" in fields:
        tags.add("lists:tag")
    else:
        tags |= {f"list:tag:{t.id}" for t in article.tags}
    if fields & {"owner", "owner_id"}:
        tags.add("lists:author")
    else:
        tags.add(f"list:author:{article.owner_id}")
    return tags


def comments_changed(event: CommentsChanged) -> None:
    """The pages showing these articles' comments or comment counts, and
    the standalone pages showing these comments (`page:<id>`); and, when a
    comment readers see came or went, or one they see was edited, every
    page with the sidebar (its 最新评论)."""
    tags = {f"c:{aid}" for aid in event.article_ids}
    tags |= {f"page:{pid}" for pid in event.page_ids}
    approved = CommentStatus.APPROVED.value
    moved = any(approved in (m.before, m.after) for m in event.moves)
    if moved or not event.moves:  # no moves: edited or erased in place
        tags.add("sidebar")
    drop(tags)


def _in_menus(*, page_ids=(), category_ids=()) -> bool:
    found = db.session.scalar(
        select(MenuItem.id)
        .where(
            or_(
                MenuItem.page_id.in_(list(page_ids)),
                MenuItem.category_id.in_(list(category_ids)),
            )
        )
        .limit(1)
    )
    return found is not None


def page_changed(event: PageChanged) -> None:
    """The page, its parent's and children's pages, the sitemap; everything
    when a menu links to it (the menu shows its title)."""
    if _in_menus(page_ids=[event.page_id]):
        drop_everything()
        return
    tags = {"sitemap"} | {f"page:{i}" for i in _page_family(event.page_id)}
    drop(tags)


def _page_family(page_id: int) -> set[int]:
    """A page, its parent (which lists it) and every page below it (whose
    breadcrumbs show it). Pages are few: one query, walked in Python."""
    rows = db.session.execute(select(Page.id, Page.parent_id))
    parent_of = {page: parent for page, parent in rows}
    family = {page_id}
    grew = True
    while grew:
        below = {i for i, parent in parent_of.items() if parent in family}
        grew = not below <= family
        family |= below
    parent = parent_of.get(page_id)
    if parent is not None:
        family.add(parent)
    return family


def taxonomy_changed(event: TaxonomyChanged) -> None:
    """Every list of that kind (a move or merge changes what several lists
    hold), the pages naming these categories or tags, the sitemap;
    everything when a menu links to one of them."""
    if event.kind == "category" and _in_menus(category_ids=event.ids):
        drop_everything()
        return
    tags = {f"lists:{event.kind}", "sitemap"}
    tags |= {f"{event.kind}:{i}" for i in event.ids}
    drop(tags)


def menu_changed(event: MenuChanged) -> None:
    """Menus are on every page."""
    drop_everything()


def settings_changed(event: SettingsChanged) -> None:
    """Settings shape the frame of every page (name, footer, analytics, the
    default pay links, comment display), except the comment rules."""
    if event.keys and event.keys <= UNSHOWN_SETTINGS:
        return
    drop_everything()


def user_changed(event: UserChanged) -> None:
    """The pages showing the user's name, profile, avatar or pay links."""
    if event.fields and event.fields <= UNSHOWN_USER_FIELDS:
        return
    drop({f"user:{event.user_id}", f"list:author:{event.user_id}"})


def media_changed(event: MediaChanged) -> None:
    """The pages showing these uploads: every page showing an article that
    uses one (its own page, and the lists showing its cover)."""
    drop({f"media:{key}" for key in event.keys} | {f"a:{i}" for i in event.article_ids})


def related_changed(event: RelatedChanged) -> None:
    """The pages of the articles whose related lists were recomputed."""
    drop({f"p:{i}" for i in event.article_ids})


def content_imported(event: ContentImported) -> None:
    """An import batch: new articles and pages in lists, menus, the sidebar,
    everywhere: everything goes (one generation bump)."""
    if event.article_ids or event.page_ids:
        drop_everything()


HANDLERS = (
    (ArticleChanged, article_changed),
    (CommentsChanged, comments_changed),
    (PageChanged, page_changed),
    (TaxonomyChanged, taxonomy_changed),
    (MenuChanged, menu_changed),
    (SettingsChanged, settings_changed),
    (UserChanged, user_changed),
    (MediaChanged, media_changed),
    (RelatedChanged, related_changed),
    (ContentImported, content_imported),
)
