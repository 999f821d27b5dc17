"""Exact invalidation, table-driven: for every kind of change, each page that
shows what changed answers MISS next with the new content, and an unrelated
article (another author, another category, not a neighbour) stays HIT.

The site, oldest first: U (carol, 教程) · X1, X2, X3 (alice, 软件, X2 tagged
"热门") · N (alice, 软件). X2 is what changes; X1 and X3 are its neighbours."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from cms.database import write_transaction
from cms.events import MediaChanged, RelatedChanged, emit
from cms.extensions import db
from cms.models import Article, Comment, Role, User, utcnow
from cms.services import article_workflow, editorial, moderation
from cms.services.article_edits import ArticleEdit
from cms.services.categories import create_category, update_category
from cms.services.commenters import edit_comment
from cms.services.menus import add_item
from cms.services.page_edits import PageInput
from cms.services.pages import create_page, save_page
from cms.services.profiles import ProfileInput, update_profile
from cms.services.settings import set_setting
from tests.factories import make_article, make_comment, make_user
from tests.pagecache.conftest import cache_state


@dataclass
class Site:
    ids: dict[str, int]
    paths: dict[str, str]


@pytest.fixture
def site(app) -> Site:
    with app.app_context():
        alice = make_user("alice", Role.EDITOR, display_name="爱丽丝")
        carol = make_user("carol", display_name="卡罗尔")
        boss = make_user("boss", Role.ADMIN)
        soft = create_category("软件", boss, slug="soft")
        guide = create_category("教程", boss, slug="guide")
        made = {}
        for age, (key, owner, cat, tags) in enumerate(
            [("N", alice, soft, ()), ("X3", alice, soft, ()),
             ("X2", alice, soft, ("热门",)), ("X1", alice, soft, ()),
             ("U", carol, guide, ())]
        ):  # fmt: skip
            made[key] = make_article(
                title=f"文章{key}", owner=owner, category=cat.name, tags=tags,
                ago=timedelta(hours=age + 1),
            )  # fmt: skip
        page = create_page(PageInput("关于我们", "正文", "about"), boss, publish=True)
        comment = make_comment(made["X2"], body="一条已经通过的评论")
        pending = make_comment(made["X2"], body="一条等待审核的评论", status="pending")
        ids = {k: a.id for k, a in made.items()}
        ids |= {"alice": alice.id, "carol": carol.id, "soft": soft.id}
        ids |= {"page": page.id, "comment": comment.id, "pending": pending.id}
        paths = {k: f"/{a.public_id}.html" for k, a in made.items()}
        tag = made["X2"].tags[0].slug
        paths |= {"home": "/", "soft": "/category/soft/", "tag": f"/tag/{tag}/",
                  "alice": "/author/alice/", "feed": "/feed.xml",
                  "sitemap": "/sitemap.xml", "page": "/page/about/"}  # fmt: skip
        return Site(ids, paths)


def _boss() -> User:
    return db.session.scalar(db.select(User).where(User.username == "boss"))


def _edit(article: Article, **changes) -> ArticleEdit:
    values = dict(
        title=article.title, body_markdown=article.body_markdown,
        category_id=article.category_id, tags=tuple(t.name for t in article.tags),
    )  # fmt: skip
    return ArticleEdit(**(values | changes))


def _save(site: Site, action: str = "save", **changes) -> None:
    article = db.session.get(Article, site.ids["X2"])
    editorial.save(
        _boss(), article.id, _edit(article, **changes), article.version, action
    )


def edit_title(site):
    _save(site, title="改过的标题")


def unpublish(site):
    _save(site, "unpublish")


def trash(site):
    article_workflow.trash(_boss(), site.ids["X2"])


def publish_new(site):
    edit = ArticleEdit("新发布的文章", "正文", category_id=site.ids["soft"])
    editorial.create(_boss(), edit, "publish")


def approve(site):
    moderation.apply_action([site.ids["pending"]], "approve", _boss())


def unapprove(site):
    moderation.apply_action([site.ids["comment"]], "unapprove", _boss())


def delete_comment(site):
    moderation.apply_action([site.ids["comment"]], "trash", _boss())
    moderation.apply_action([site.ids["comment"]], "delete", _boss())


def edit_a_comment(site):
    edit_comment(site.ids["comment"], "改过的评论内容", _boss())


def settings(site):
    set_setting("site.name", "改过的站名")


def menu(site):
    add_item("header", "url", _boss(), url="https://example.com/", label="新的菜单项")


def rename_category(site):
    update_category(site.ids["soft"], _boss(), "改名的分类", slug="soft")


def edit_page(site):
    save_page(site.ids["page"], _boss(), PageInput("改过的页面", "正文", "about"))


def profile(site):
    update_profile(site.ids["alice"], ProfileInput("改名的作者", "", "", "", ""))


def pay_links(site):
    link = "wxp://f2f0Test1234567890"
    update_profile(site.ids["alice"], ProfileInput("爱丽丝", "", "", link, ""))


Check = Callable[[str, Site], bool]


def has(text: str) -> Check:
    return lambda body, site: text in body


def lacks(text: str) -> Check:
    return lambda body, site: text not in body


def lacks_link_to(key: str) -> Check:
    return lambda body, site: site.paths[key] not in body


ARTICLE_LISTS = ("home", "soft", "tag", "alice", "feed")
# (change, {page: what its new content shows}, pages gone (404), unrelated HIT)
TABLE = [
    (edit_title, {p: has("改过的标题") for p in ("X2", "X1", "X3", *ARTICLE_LISTS)}
     | {"sitemap": has("/")}, (), True),
    (unpublish, {p: lacks("文章X2") for p in ("X1", "X3", *ARTICLE_LISTS)}
     | {"sitemap": lacks_link_to("X2")}, ("X2",), True),
    (trash, {p: lacks("文章X2") for p in ("X1", "X3", *ARTICLE_LISTS)}, ("X2",), True),
    (publish_new, {p: has("新发布的文章") for p in ("N", "home", "soft", "feed")}
     | {"sitemap": has("/")}, (), True),
    (approve, {"X2": has("一条等待审核的评论"), "home": has("评论 2")}, (), True),
    (unapprove, {"X2": lacks("一条已经通过的评论"), "home": has("评论 0")}, (), True),
    (delete_comment, {"X2": lacks("一条已经通过的评论")}, (), True),
    (edit_a_comment, {"X2": has("改过的评论内容")}, (), True),
    (settings, {p: has("改过的站名") for p in ("U", "X2", "home", "page")}, (), False),
    (menu, {p: has("新的菜单项") for p in ("U", "X2", "home", "page")}, (), False),
    (rename_category, {p: has("改名的分类") for p in ("X2", "home", "soft")}, (), True),
    (edit_page, {"page": has("改过的页面")}, (), True),
    (profile, {p: has("改名的作者") for p in ("X2", "alice", "home")}, (), True),
    (pay_links, {"X2": has('data-pay="wechat"')}, (), True),
]  # fmt: skip


def _warm(client, paths):
    for path in paths:
        client.get(path)
        answer = client.get(path)
        assert cache_state(answer) == "HIT", path


@pytest.mark.parametrize(
    ("change", "shown", "gone", "unrelated_hit"),
    TABLE,
    ids=[r[0].__name__ for r in TABLE],
)
def test_each_change_drops_exactly_the_pages_showing_it(
    app, client, site, change, shown, gone, unrelated_hit
):
    watched = [site.paths[k] for k in (*shown, *gone, "U")]
    _warm(client, watched)
    with app.app_context():
        change(site)
    for key, check in shown.items():
        answer = client.get(site.paths[key])
        assert cache_state(answer) == "MISS", key
        assert check(answer.get_data(as_text=True), site), key
        assert cache_state(client.get(site.paths[key])) == "HIT", key
    for key in gone:
        assert client.get(site.paths[key]).status_code == 404, key
    if unrelated_hit:
        assert cache_state(client.get(site.paths["U"])) == "HIT"
    else:  # the frame changed: U was dropped too (and is listed above)
        assert "U" in shown


def test_media_changes_drop_the_pages_showing_the_upload(app, client, site):
    with app.app_context(), write_transaction():
        db.session.get(User, site.ids["alice"]).avatar = "ab" * 32 + ".png"
    path = site.paths["alice"]
    _warm(client, [path, site.paths["U"]])
    with app.app_context(), write_transaction():
        emit(MediaChanged(keys=("ab" * 32 + ".png",)))
    assert cache_state(client.get(path)) == "MISS"
    assert cache_state(client.get(site.paths["U"])) == "HIT"


def test_an_entry_ends_when_a_scheduled_article_comes_out(app, client, site):
    _warm(client, ["/", site.paths["U"]])
    with app.app_context():
        when = utcnow() + timedelta(seconds=1.5)
        edit = ArticleEdit("定时发布的文章", "正文", published_at=when)
        editorial.create(_boss(), edit, "publish")
    assert cache_state(client.get("/")) == "HIT"  # nothing shows it yet
    time.sleep(max(0.0, (when - utcnow()).total_seconds()) + 0.1)
    home = client.get("/")
    assert cache_state(home) == "MISS" and "定时发布的文章" in home.get_data(
        as_text=True
    )


def test_a_comment_on_an_article_leaves_its_neighbours_cached(app, client, site):
    _warm(client, [site.paths["X1"], site.paths["X3"]])
    with app.app_context():
        make_comment(db.session.get(Article, site.ids["X2"]), body="新评论")
        assert db.session.get(Comment, site.ids["comment"]) is not None
    # The sidebar's 最新评论 changed: the first page asked for renders it again
    # (cms.pagecache.fragments); every other page keeps its entry and shows it.
    assert cache_state(client.get(site.paths["X3"])) == "MISS"
    x1 = client.get(site.paths["X1"])
    assert cache_state(x1) == "HIT" and "新评论" in x1.get_data(as_text=True)
    assert cache_state(client.get(site.paths["X2"])) == "MISS"


def test_an_upload_change_drops_the_pages_of_the_articles_using_it(app, client, site):
    """MediaChanged names the articles showing the upload (their images, or
    their cover in lists): their pages and the lists go, others stay."""
    paths = [site.paths[k] for k in ("X2", "home", "U")]
    _warm(client, paths)
    with app.app_context(), write_transaction():
        emit(MediaChanged(keys=("cd" * 32 + ".webp",), article_ids=(site.ids["X2"],)))
    assert cache_state(client.get(site.paths["X2"])) == "MISS"
    assert cache_state(client.get(site.paths["home"])) == "MISS"
    assert cache_state(client.get(site.paths["U"])) == "HIT"


def test_a_related_list_follows_the_articles_it_shows(app, client, site):
    """A recomputed list drops its article's page; a page showing a related
    article is dropped when that article's title changes."""
    from cms.services.related import worker

    with app.app_context():
        worker.process_queue()
    html = client.get(site.paths["X1"]).get_data(as_text=True)
    shown = [key for key in ("X2", "X3", "N") if f"文章{key}</a>" in html]
    assert shown, "X1's related list shows its category's articles"
    _warm(client, [site.paths["X1"], site.paths["U"]])
    with app.app_context(), write_transaction():
        emit(RelatedChanged((site.ids["X1"],)))
    assert cache_state(client.get(site.paths["X1"])) == "MISS"
    assert cache_state(client.get(site.paths["U"])) == "HIT"
    _warm(client, [site.paths["X1"]])
    with app.app_context():
        article = db.session.get(Article, site.ids[shown[-1]])
        _save(Site({"X2": article.id}, site.paths), title="相关文章改了标题")
    answer = client.get(site.paths["X1"])
    assert cache_state(answer) == "MISS"
    assert "相关文章改了标题" in answer.get_data(as_text=True)


# The sidebar (热门, 最新评论, tags, archive) is on every page, and kept twice:
# as the page cache's own fragment (cms.pagecache.fragments), and, rendered,
# in each process (cms.templating.sidebar_html, keyed by the digests' stored
# text). After a change it shows, every page shows the new sidebar at once:
# the pages that were dropped, and those still served from the cache (HIT).
SIDEBAR_TABLE = [
    (approve, "一条等待审核的评论"),  # 最新评论
    (edit_a_comment, "改过的评论内容"),  # 最新评论
    (edit_title, "改过的标题"),  # 热门 and 最新评论 name the article
    (publish_new, "新发布的文章"),  # 热门
]
SIDEBAR_GONE = [
    (unapprove, "一条已经通过的评论"),
    (delete_comment, "一条已经通过的评论"),
    (unpublish, "文章X2"),
    (trash, "文章X2"),
]


def _sidebar(body: str) -> str:
    start = body.index("<!--cms:sidebar-->")
    return body[start : body.index("<!--/cms:sidebar-->", start)]


@pytest.mark.parametrize(
    ("change", "text", "shown"),
    [(c, t, True) for c, t in SIDEBAR_TABLE] + [(c, t, False) for c, t in SIDEBAR_GONE],
    ids=[c.__name__ for c, _ in SIDEBAR_TABLE] + [c.__name__ for c, _ in SIDEBAR_GONE],
)
def test_every_page_shows_the_new_sidebar_at_once(
    app, client, site, change, text, shown
):
    pages = ("U", "X1", "N", "home", "soft", "alice")
    _warm(client, [site.paths[k] for k in pages])
    before = _sidebar(client.get(site.paths["U"]).get_data(as_text=True))
    assert (text in before) is not shown
    with app.app_context():
        change(site)
    for key in pages:
        answer = client.get(site.paths[key])
        assert (text in _sidebar(answer.get_data(as_text=True))) is shown, key
    # The unrelated article's page was not dropped: its hit took the new sidebar.
    assert cache_state(client.get(site.paths["U"])) == "HIT"
