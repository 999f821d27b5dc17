# ruff: noqa: E501  (WXR samples and expected values read best on one line)
"""`flask cms import-wxr`: the WordPress theme unit test file imports
completely, old links answer 301, and a second run changes nothing."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from cms.database import write_transaction
from cms.events import IN_TRANSACTION, CommentsChanged, ContentImported, subscribe
from cms.extensions import db
from cms.models import (
    Article,
    ArticleStatus,
    Category,
    Comment,
    CommentStatus,
    CommentType,
    OutboxMessage,
    Page,
    PageStatus,
    Role,
    Tag,
    User,
    body_columns,
)
from cms.services import portable
from cms.services.errors import InvalidInput
from cms.services.tallies import comment_tallies, recount_tallies
from cms.services.wxr_import import import_wxr, import_wxr_file

THEME = Path("/work/shared/data/wordpress/themeunittestdata.wordpress.xml")
if not THEME.exists():  # the shared copy, else one beside the repository
    THEME = Path(__file__).parents[3] / "shared/data/wordpress" / THEME.name
pytestmark = pytest.mark.skipif(
    not THEME.exists(), reason="theme unit test file missing"
)

WP = "{https://wordpress.org/export/1.2/}"


def expected() -> dict:
    """What the file holds, read with the standard library on its own."""
    channel = ET.parse(THEME).getroot().find("channel")
    items = channel.findall("item")
    posts = [i for i in items if i.findtext(WP + "post_type") == "post"]
    pages = [i for i in items if i.findtext(WP + "post_type") == "page"]
    post_comments = [c for i in posts for c in i.findall(WP + "comment")]
    page_comments = [c for i in pages for c in i.findall(WP + "comment")]
    every = post_comments + page_comments
    return {
        "posts": posts,
        "pages": pages,
        "comments": Counter(c.findtext(WP + "comment_type") or "comment" for c in every),
        "approved": sum(c.findtext(WP + "comment_approved") == "1" for c in every),
        "post_comments": len(post_comments),
        "page_comments": len(page_comments),
        "tags": {t.findtext(WP + "tag_name") for t in channel.findall(WP + "tag")},
        "categories": {c.findtext(WP + "cat_name") for c in channel.findall(WP + "category")},
        "authors": {a.findtext(WP + "author_login") for a in channel.findall(WP + "author")},
    }  # fmt: skip


@pytest.fixture
def app_config(app_config):
    # Mail is configured: imported pending comments must still send none.
    return app_config | {"MAIL_URL": "smtp://127.0.0.1:9"}


@pytest.fixture
def imported(app):
    """The theme unit test file imported once; the events seen while it ran."""
    seen: list = []
    subscribe(app, CommentsChanged, seen.append, IN_TRANSACTION)
    subscribe(app, ContentImported, seen.append, IN_TRANSACTION)
    with app.app_context():
        summary = import_wxr_file(THEME)
    return summary, seen


def article(title: str) -> Article:
    return db.session.scalar(select(Article).where(Article.title == title))


def test_every_post_page_category_tag_and_comment_is_imported(app, imported):
    summary, events = imported
    want = expected()
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(Article) == len(want["posts"]) == summary.imported["文章"]
        assert count(Page) == len(want["pages"]) == summary.imported["页面"]
        types = Counter(t.value for t in db.session.scalars(select(Comment.type)))
        assert types == {"comment": want["comments"]["comment"],
                         "pingback": want["comments"]["pingback"],
                         "trackback": want["comments"]["trackback"]}  # fmt: skip
        # Every comment of the file, on posts and on pages; none skipped.
        assert want["page_comments"] == 5
        assert "评论" not in summary.skipped
        on_pages = db.session.scalar(
            select(func.count(Comment.id)).where(Comment.page_id.is_not(None))
        )
        assert on_pages == want["page_comments"]
        assert count(Comment) == want["post_comments"] + want["page_comments"]
        names = set(db.session.scalars(select(Tag.name)))
        assert want["tags"] <= names
        assert want["categories"] <= set(db.session.scalars(select(Category.name)))
        # Authors: inactive contributors that cannot log in.
        authors = db.session.scalars(select(User)).all()
        assert len(authors) == len(want["authors"] | {"themedemos"})
        assert all(not u.active and u.password_hash is None for u in authors)
        assert all(u.role == Role.CONTRIBUTOR for u in authors)
        # Kept counts follow through their owner; no mail for held comments.
        assert comment_tallies() == recount_tallies()
        assert comment_tallies()[CommentStatus.APPROVED] == want["approved"]
        template = article("Template: Comments")
        assert template.comment_count == db.session.scalar(
            select(func.count(Comment.id)).where(
                Comment.article_id == template.id, Comment.status == "approved"
            )
        )
        assert count(OutboxMessage) == 0
        assert db.session.scalar(
            select(func.count(Comment.id)).where(Comment.status == "pending")
        )
    # One CommentsChanged for the batch's pages' comments and one for its
    # articles' (the file fits in one batch), from the import.
    comment_events = [e for e in events if isinstance(e, CommentsChanged)]
    assert [e.origin for e in comment_events] == ["import", "import"]
    on_pages, on_articles = comment_events
    assert len(on_pages.moves) == want["page_comments"] and len(on_pages.page_ids) == 2
    assert not on_pages.article_ids
    assert len(on_articles.moves) == want["post_comments"]
    # One for the batch's pages, one for its articles, one for the page tree.
    assert len([e for e in events if isinstance(e, ContentImported)]) == 3
    lines = "\n".join(summary.lines())
    assert "附件: 导入 0，已存在 0，跳过 37" in lines  # kept remote, reported


def test_the_ten_level_thread_is_intact(app, imported):
    with app.app_context():
        post = article("Template: Comments")
        comments = {c.id: c for c in db.session.scalars(
            select(Comment).where(Comment.article_id == post.id))}  # fmt: skip

        def depth(comment: Comment) -> int:
            return (
                1
                if comment.parent_id is None
                else 1 + depth(comments[comment.parent_id])
            )

        assert max(depth(c) for c in comments.values()) == 10
        assert len(comments) == 20


def test_comments_on_pages_keep_their_threads_status_and_show(app, imported, client):
    """WordPress pages take comments: "Page with comments" keeps its 4 (a
    held reply among them), opens for comments (comment_status open), and
    its public page shows the approved ones as an article would."""
    with app.app_context():
        page = db.session.scalar(select(Page).where(Page.slug == "page-with-comments"))
        assert page.allow_comments
        assert db.session.scalar(select(Page).where(Page.slug == "blog")).allow_comments
        closed = db.session.scalar(select(Page).where(Page.slug == "about"))
        assert not closed.allow_comments  # comment_status closed in the file
        comments = {c.author_name: c for c in db.session.scalars(
            select(Comment).where(Comment.page_id == page.id))}  # fmt: skip
        assert set(comments) == {
            "Anon",
            "tellyworthtest2",
            "themedemos",
            "themereviewteam",
        }
        assert all(c.article_id is None for c in comments.values())
        held = comments["themereviewteam"]
        assert held.status == CommentStatus.PENDING
        assert held.parent_id == comments["tellyworthtest2"].id
        shown = [c for c in comments.values() if c.status == CommentStatus.APPROVED]
        assert len(shown) == 3
        ids = {name: c.id for name, c in comments.items()}
    html = client.get("/page/page-with-comments/").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    section = soup.select_one("#comments")
    assert section["data-count"] == "3"
    for name in ("Anon", "tellyworthtest2", "themedemos"):
        assert soup.select_one(f"#comment-{ids[name]}") is not None
    assert soup.select_one(f"#comment-{ids['themereviewteam']}") is None  # held
    assert soup.select_one("form#comment-form")["action"].startswith(
        "/comments/page/page-with-comments/"
    )


def test_edge_cases_of_the_theme_file(app, imported, client):
    with app.app_context():
        untitled = db.session.scalar(
            select(Article).where(Article.title == "（无标题）")
        )
        assert untitled is not None and untitled.status == ArticleStatus.PUBLISHED
        many = article("Edge Case: Many Categories")
        tag_names = {t.name for t in many.tags}
        assert len({many.category.name} | tag_names) >= 63
        markup = db.session.scalar(
            select(Article).where(Article.title.like("Markup: Title <em>With</em>%"))
        )
        scheduled = article("Scheduled")
        assert scheduled.status == ArticleStatus.PUBLISHED
        assert scheduled.published_at == datetime(2030, 1, 1, 19, 0, 18, tzinfo=UTC)
        assert not scheduled.is_visible(datetime.now(UTC))
        assert scheduled.is_visible(datetime(2030, 1, 1, 20, tzinfo=UTC))
        assert article("Draft").status == ArticleStatus.DRAFT
        sticky = article("Template: Sticky")
        assert sticky.sticky
        more = article("Template: More Tag")
        assert more.excerpt.startswith("This content is before the more tag. Right")
        assert "after the more tag" not in more.excerpt
        assert "after the more tag" in more.body_html
        ids = {"markup": markup.public_id, "scheduled": scheduled.public_id,
               "sticky": sticky.public_id, "untitled": untitled.public_id}  # fmt: skip
        bodies = list(db.session.scalars(select(Article.body_html)))
        bodies += list(db.session.scalars(select(Page.body_html)))
        assert not any("<!-- wp:" in b for b in bodies)
        assert not any(re.search(r"\[/?(gallery|caption|embed)\b", b) for b in bodies)
        pages = {p.slug: p for p in db.session.scalars(select(Page))}
        assert pages["level-3"].parent_id == pages["level-2"].id
        assert pages["level-2"].parent_id == pages["level-1"].id
        assert pages["page-with-comments"].parent_id == pages["about"].id
        assert pages["about"].status == PageStatus.PUBLISHED
    # HTML in a title is shown as text, never as markup.
    html = client.get(f"/{ids['markup']}.html").get_data(as_text=True)
    assert "Title &lt;em&gt;With&lt;/em&gt;" in html
    assert "<em>With</em>" not in html
    # The scheduled post is hidden until its date, its old link too.
    assert client.get(f"/{ids['scheduled']}.html").status_code == 404
    assert client.get("/2020/01/01/scheduled/").status_code == 404
    # Pinned first on the home page, marked 置顶.
    home = client.get("/").get_data(as_text=True)
    first = re.search(r'<article class="card[^"]*">.*?</article>', home, re.S).group(0)
    assert ids["sticky"] in first and "置顶" in first
    assert home.count("置顶") == 1


def test_imported_posts_store_their_reading_time_and_contents(app, imported):
    with app.app_context():
        posts = list(db.session.scalars(select(Article)))
        for post in posts:
            derived = body_columns(post.body_html)
            assert {name: getattr(post, name) for name in derived} == derived
        assert sum(p.reading_words for p in posts) > 1000


def test_old_links_answer_301(app, imported, client):
    with app.app_context():
        sticky = article("Template: Sticky").public_id
        untitled = db.session.scalar(
            select(Article.public_id).where(Article.title == "（无标题）")
        )
    for old in (
        "/2012/01/07/template-sticky/",
        "/2012/01/07/template-sticky",
        "/?p=1241",
    ):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(f"/{sticky}.html")
    response = client.get("/2009/09/05/edge-case-no-title/")
    assert response.headers["Location"].endswith(f"/{untitled}.html")
    response = client.get("/level-1/level-2/level-3/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/page/level-3/")
    assert client.get("/?page_id=174").headers["Location"].endswith("/page/level-1/")
    assert client.get("/?p=99999").status_code == 404
    assert client.get("/2012/01/07/no-such-post/").status_code == 404


def test_password_protected_post(app, imported, client):
    with app.app_context():
        post = db.session.scalar(
            select(Article).where(Article.title.like("Template: Password Protected%"))
        )
        public_id, secret = post.public_id, "This content, comments, pingbacks"
        assert post.password_hash and "enter" not in post.password_hash
        assert post.summary == ""
    locked = client.get(f"/{public_id}.html")
    assert locked.status_code == 200
    body = locked.get_data(as_text=True)
    assert 'name="password"' in body and secret not in body
    assert 'id="comments"' not in body
    wrong = client.post(f"/{public_id}.html/unlock", data={"password": "nope"})
    assert wrong.status_code == 403 and secret not in wrong.get_data(as_text=True)
    right = client.post(f"/{public_id}.html/unlock", data={"password": "enter"})
    assert right.status_code == 303
    opened = client.get(f"/{public_id}.html")
    assert secret in opened.get_data(as_text=True)
    assert opened.headers["Cache-Control"] == "private, no-store"
    feed = client.get("/feed.xml").get_data(as_text=True)
    assert secret not in feed


def test_importing_again_changes_nothing(app, imported, tmp_path):
    with app.app_context():
        portable.export_site(str(tmp_path / "before.json"))
        summary = import_wxr_file(THEME)
        portable.export_site(str(tmp_path / "after.json"))
    assert (tmp_path / "before.json").read_bytes() == (
        tmp_path / "after.json"
    ).read_bytes()
    assert summary.imported["文章"] == 0 and summary.unchanged["文章"] > 50


def test_cli_shows_progress_and_summary(app, runner):
    result = runner.invoke(args=["cms", "import-wxr", str(THEME)])
    assert result.exit_code == 0, result.output
    assert "导入 WordPress" in result.stderr
    assert "文章: 导入 58" in result.stdout
    assert "跳过 70：导航菜单项" in result.stdout


# -- other shapes of WXR: versions, namespaces, CDATA, hostile files ---------------

WXR_10 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.0/"
  xmlns:excerpt="http://wordpress.org/export/1.0/excerpt/">
<channel><title>旧博客</title><link>http://old.example.cn</link>
<wp:wxr_version>1.0</wp:wxr_version>
<wp:category><wp:category_nicename>shenghuo</wp:category_nicename>
<wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[生活]]></wp:cat_name></wp:category>
<item><title>你好]]&gt;世界</title><link>http://old.example.cn/?p=7</link>
<dc:creator>张三 Zhang</dc:creator>
<content:encoded><![CDATA[第一段，含有 ]]]]><![CDATA[> 这样的字符。

第二段<!--more-->更多内容]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>7</wp:post_id><wp:post_date>2008-05-01 10:00:00</wp:post_date>
<wp:post_date_gmt>2008-05-01 02:00:00</wp:post_date_gmt>
<wp:comment_status>open</wp:comment_status><wp:post_name>ni-hao</wp:post_name>
<wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent>
<wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>
<category><![CDATA[生活]]></category>
<category domain="tag"><![CDATA[随笔]]></category>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author><![CDATA[{long}]]></wp:comment_author>
<wp:comment_author_email></wp:comment_author_email><wp:comment_author_url>http://x.cn/{url}</wp:comment_author_url>
<wp:comment_author_IP>1.2.3.4</wp:comment_author_IP><wp:comment_date>2008-05-02 10:00:00</wp:comment_date>
<wp:comment_date_gmt>2008-05-02 02:00:00</wp:comment_date_gmt>
<wp:comment_content><![CDATA[<p>好文章 &amp; 谢谢</p>]]></wp:comment_content>
<wp:comment_approved>spam</wp:comment_approved><wp:comment_type></wp:comment_type>
<wp:comment_parent>0</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_author>李四</wp:comment_author>
<wp:comment_date_gmt>2008-05-03 02:00:00</wp:comment_date_gmt>
<wp:comment_content>回复</wp:comment_content>
<wp:comment_approved>trash</wp:comment_approved>
<wp:comment_parent>1</wp:comment_parent></wp:comment>
</item></channel></rss>
"""


def test_wxr_10_with_http_namespaces_split_cdata_and_long_fields(app, client):
    text = WXR_10.replace("{long}", "名" * 300).replace("{url}", "a" * 600)
    with app.app_context():
        summary = import_wxr(io.BytesIO(text.encode()))
        post = db.session.scalar(select(Article))
        assert post.title == "你好]]>世界"
        assert "含有 ]]&gt; 这样" in post.body_html and "第二段" in post.body_html
        assert post.excerpt.startswith("第一段")
        assert post.category.name == "生活" and post.category.slug == "shenghuo"
        assert [t.name for t in post.tags] == ["随笔"]
        assert post.published_at == datetime(2008, 5, 1, 2, tzinfo=UTC)
        assert post.owner.display_name == "张三 Zhang" and not post.owner.active
        spam, trash = db.session.scalars(select(Comment).order_by(Comment.id))
        assert spam.status == CommentStatus.SPAM and spam.author_email == ""
        assert len(spam.author_name) == 255 and len(spam.author_url) == 512
        assert spam.body == "好文章 & 谢谢" and spam.type == CommentType.COMMENT
        assert trash.status == CommentStatus.TRASH and trash.parent_id == spam.id
        assert comment_tallies()[CommentStatus.SPAM] == 1
        assert summary.imported["评论"] == 2
        public_id = post.public_id
    assert client.get("/?p=7").headers["Location"].endswith(f"/{public_id}.html")


def test_wxr_11_https_namespace_reads_the_same(app):
    text = WXR_10.replace(
        "http://wordpress.org/export/1.0/", "https://wordpress.org/export/1.1/"
    )
    text = text.replace("{long}", "王五").replace("{url}", "")
    with app.app_context():
        import_wxr(io.BytesIO(text.encode()))
        assert db.session.scalar(select(Article.title)) == "你好]]>世界"
        assert db.session.scalar(select(func.count(Comment.id))) == 2


@pytest.mark.parametrize(
    "hostile",
    [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<rss><channel><title>&b;</title></channel></rss>",
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
        "<rss><channel><title>&x;</title></channel></rss>",
        "<html><body>not an export</body></html>",
        "<rss><channel><item>",
    ],
)
def test_hostile_or_broken_files_are_refused(app, tmp_path, hostile):
    path = tmp_path / "bad.xml"
    path.write_text(hostile, encoding="utf-8")
    with app.app_context():
        with pytest.raises(InvalidInput):
            import_wxr_file(path)
        assert db.session.scalar(select(func.count(Article.id))) == 0


def test_sticky_articles_come_first_only_on_the_first_page(app, client):
    from tests.factories import make_article

    app.config["ARTICLES_PER_PAGE"] = 2
    with app.app_context():
        old = make_article(title="很久以前的置顶", ago=timedelta(days=400))
        with write_transaction():
            db.session.get(Article, old.id).sticky = True
        for n in range(4):
            make_article(title=f"新文章 {n}", ago=timedelta(hours=n + 1))
    first = client.get("/").get_data(as_text=True)
    assert first.index("很久以前的置顶") < first.index("新文章 0")
    second = BeautifulSoup(client.get("/?page=2").get_data(as_text=True), "html.parser")
    titles = [h.get_text(strip=True) for h in second.select(".card-title")]
    assert titles and "很久以前的置顶" not in " ".join(
        titles
    )  # the sidebar may list it
