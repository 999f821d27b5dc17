"""cms.services.published: the article as its public page reads it."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
from sqlalchemy import event

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, utcnow
from cms.services.errors import NotFound
from cms.services.published import PublishedArticle, published_article
from tests.factories import make_article, make_cover, make_user

BODY = "\n\n".join(
    f"## 第{n}节\n\n正文{n}，[外链](https://example.com/{n})。" for n in range(4)
)
JOINED = ("owner", "category", "cover")


@pytest.fixture
def owner(ctx):
    user = make_user("owner", password=None, display_name="站长")
    with write_transaction():
        user.tip_wechat = "wxp://f2f0example"
        user.tip_alipay = "https://qr.alipay.com/example"
    return user


def _full_article(owner) -> Article:
    """An article with every part the page shows: category, contributor,
    reprint source, table of contents, cover and password."""
    article = make_article(
        "完整的文章", body=BODY, owner=owner, category="数码", tags=("手机",),
        contributor="投稿人", source="reprint", source_url="https://example.org/a",
        view_count=42,
    )  # fmt: skip
    cover = make_cover(1600, 900)
    with write_transaction():
        article.cover_media_id = cover.id
        article.password_hash = "$argon2id$not-a-real-hash"
    db.session.expire_all()
    return db.session.get(Article, article.id)


def test_it_holds_what_the_orm_row_holds(owner):
    article = _full_article(owner)
    shown = published_article(article.public_id)
    for field in fields(PublishedArticle):
        if field.name not in JOINED:
            assert getattr(shown, field.name) == getattr(article, field.name), (
                field.name
            )
    # what pages derive from the columns, derived alike
    for name in ("reading", "table_of_contents", "is_protected", "credited"):
        assert getattr(shown, name) == getattr(article, name), name
    assert len(shown.table_of_contents) == 4 and shown.is_protected
    assert shown.credited == "投稿人"
    assert shown.owner._asdict() == {
        "id": owner.id, "username": "owner", "display_name": "站长",
        "tip_wechat": "wxp://f2f0example", "tip_alipay": "https://qr.alipay.com/example",
    }  # fmt: skip
    assert (shown.category.id, shown.category.name, shown.category.slug) == (
        article.category.id, article.category.name, article.category.slug,
    )  # fmt: skip
    assert shown.cover.key == article.cover.key
    assert shown.cover.size_list == article.cover.size_list == [480, 960]


def test_an_article_without_category_or_cover_has_none(owner):
    article = make_article("朴素", owner=owner)
    shown = published_article(article.public_id)
    assert shown.category is None and shown.cover is None
    assert not shown.is_protected
    assert shown.credited == "站长"  # no contributor: the owner's name


def test_it_is_one_statement_that_reads_no_account_secret(owner, app):
    article = _full_article(owner)
    statements: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        published_article(article.public_id)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    (statement,) = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # the users table under its name or an alias (the ORM's join read users_1.*)
    secrets = re.findall(
        r"\busers(?:_\d+)?\.(password_hash|email|totp_secret)\b", statement
    )
    assert secrets == []
    # the same pattern finds what the byline does read
    assert re.search(r"\busers(?:_\d+)?\.display_name\b", statement)


@pytest.mark.parametrize(
    "status", [ArticleStatus.DRAFT, ArticleStatus.PENDING, ArticleStatus.TRASH]
)
def test_hidden_articles_are_not_found(owner, status):
    article = make_article(owner=owner, status=status, published_at=utcnow())
    with pytest.raises(NotFound):
        published_article(article.public_id)


def test_a_published_article_is_found_and_nothing_else(owner):
    article = make_article("可见", owner=owner)
    assert published_article(article.public_id).public_title == "可见"
    with pytest.raises(NotFound):
        published_article("0000000000000000")
