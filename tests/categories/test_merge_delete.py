"""Merging and deleting categories through the page: articles, subcategories
and old URLs (301) go where they should, refusals change nothing, and the
audit log says what moved."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, Menu, MenuItem
from tests.categories.helpers import entries, soup_of, state


def parents() -> dict[int, int | None]:
    db.session.expire_all()
    return dict(db.session.execute(select(Category.id, Category.parent_id)).all())


def article_categories(ids: list[int]) -> list[int | None]:
    db.session.expire_all()
    return [db.session.get(Article, i).category_id for i in ids]


def merge(staff, source: int, target: int | str):
    return staff.post(
        f"/moderation/categories/{source}/merge", data={"target": str(target)}
    )


def test_merge_moves_articles_children_and_the_url(
    app, client, staff, add_category, add_article
):
    old = add_category("旧分类", slug="old")
    child = add_category("旧的子分类", parent=old)
    new = add_category("新分类", slug="new")
    moved = [
        add_article(old, title="搬过来的文章一"),
        add_article(old, title="搬过来的文章二"),
        add_article(old, title="一篇草稿", status=ArticleStatus.DRAFT),
    ]
    stays = add_article(new, title="本来就在的文章")

    response = merge(staff, old, new)

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/categories"
    flash = soup_of(staff.get("/moderation/categories")).select_one(".flashes")
    assert "已把“旧分类”合并到“新分类”，移动了 3 篇文章" in flash.get_text()
    with app.app_context():
        assert db.session.get(Category, old) is None
        assert article_categories([*moved, stays]) == [new] * 4
        assert parents()[child] == new
        [entry] = entries("category-merge")
        assert entry.target_type == "category"
        assert entry.target_ids == sorted([old, new])
        assert entry.changes["articles"] == moved
        assert entry.changes["children"] == {"ids": [child], "to_parent_id": new}
        assert entry.changes["redirects"] == {"from": ["old"], "to": "new"}
        assert entry.changes[str(old)]["to"] == {"merged_into": new}
        assert entry.changes[str(old)]["from"]["slug"] == "old"

    answer = client.get("/category/old/")
    assert answer.status_code == 301
    assert answer.headers["Location"] == "/category/new/"
    paged = client.get("/category/old/?page=2")
    assert paged.status_code == 301
    assert paged.headers["Location"] == "/category/new/?page=2"

    target = client.get(answer.headers["Location"])
    soup = BeautifulSoup(target.get_data(as_text=True), "html.parser")
    assert target.status_code == 200
    titles = {a.get_text(strip=True) for a in soup.select(".card-title a")}
    assert titles == {"搬过来的文章一", "搬过来的文章二", "本来就在的文章"}


def test_a_chain_of_merges_answers_301_straight_to_the_last(
    app, client, staff, add_category, add_article
):
    a = add_category("甲", slug="a")
    b = add_category("乙", slug="b")
    c = add_category("丙", slug="c")
    article = add_article(a)

    assert merge(staff, a, b).status_code == 303
    assert merge(staff, b, c).status_code == 303

    for slug in ("a", "b"):
        answer = client.get(f"/category/{slug}/")
        assert answer.status_code == 301
        assert answer.headers["Location"] == "/category/c/"
    with app.app_context():
        assert article_categories([article]) == [c]
        assert state()["redirects"] == [("a", c), ("b", c)]
        second = entries("category-merge")[1]
        assert second.changes["redirects"] == {"from": ["b", "a"], "to": "c"}


def test_a_renamed_categorys_old_slug_follows_it_into_a_merge(
    client, staff, add_category
):
    a = add_category("甲", slug="a")
    b = add_category("乙", slug="b")
    staff.post(f"/moderation/categories/{a}", data={"name": "甲", "slug": "a2"})

    merge(staff, a, b)

    for slug in ("a", "a2"):
        assert client.get(f"/category/{slug}/").headers["Location"] == "/category/b/"


def test_merging_into_a_category_below_lifts_it_first(app, staff, add_category):
    top = add_category("顶层")
    source = add_category("来源", parent=top)
    middle = add_category("中间", parent=source)
    target = add_category("目标", parent=middle)
    sibling = add_category("兄弟", parent=source)

    assert merge(staff, source, target).status_code == 303

    with app.app_context():
        assert parents() == {
            top: None, target: top, middle: target, sibling: target
        }  # fmt: skip


@pytest.mark.parametrize(
    ("target", "message"),
    [("self", "不能把分类合并到它自己"), ("9999", "目标分类不存在"),
     ("", "请选择要合并到的分类"), ("abc", "请选择要合并到的分类")],
)  # fmt: skip
def test_merge_refusals_change_nothing(
    app, staff, add_category, add_article, target, message
):
    source = add_category("来源")
    add_category("别的")
    add_article(source)
    with app.app_context():
        before = state()

    response = merge(staff, source, source if target == "self" else target)

    soup = soup_of(response, 400)
    assert message in soup.select_one("form#category-merge .field-error").get_text()
    with app.app_context():
        assert state() == before


def test_delete_an_empty_category_moves_its_children_up(
    app, client, staff, add_category
):
    top = add_category("顶层")
    doomed = add_category("要删的", parent=top, slug="doomed")
    child = add_category("子分类", parent=doomed)

    response = staff.post(f"/moderation/categories/{doomed}/delete", data={})

    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/categories"
    with app.app_context():
        assert parents() == {top: None, child: top}
        [entry] = entries("category-delete")
        assert entry.target_ids == [doomed]
        assert entry.changes[str(doomed)]["from"]["name"] == "要删的"
        assert entry.changes[str(doomed)]["to"] is None
        assert entry.changes["children"] == {"ids": [child], "to_parent_id": top}
    assert client.get("/category/doomed/").status_code == 404


def test_delete_with_articles_needs_a_target_then_moves_them(
    app, client, staff, add_category, add_article
):
    doomed = add_category("要删的", slug="doomed")
    keeper = add_category("留下的", slug="keeper")
    articles = [add_article(doomed), add_article(doomed)]
    with app.app_context():
        before = state()

    refused = staff.post(f"/moderation/categories/{doomed}/delete", data={})

    soup = soup_of(refused, 400)
    error = soup.select_one("form#category-delete .field-error").get_text()
    assert "这个分类下还有 2 篇文章" in error
    with app.app_context():
        assert state() == before

    itself = staff.post(
        f"/moderation/categories/{doomed}/delete", data={"move_to": doomed}
    )
    assert itself.status_code == 400
    with app.app_context():
        assert state() == before

    done = staff.post(
        f"/moderation/categories/{doomed}/delete", data={"move_to": keeper}
    )

    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Category, doomed) is None
        assert article_categories(articles) == [keeper, keeper]
        [entry] = entries("category-delete")
        assert entry.target_ids == sorted([doomed, keeper])
        assert entry.changes["articles"] == articles
        assert entry.changes["moved_to"] == keeper
    answer = client.get("/category/doomed/")
    assert (answer.status_code, answer.headers["Location"]) == (
        301,
        "/category/keeper/",
    )


def test_a_new_category_may_take_a_slug_that_only_redirects(
    app, client, staff, add_category
):
    a = add_category("甲", slug="a")
    b = add_category("乙", slug="b")
    merge(staff, a, b)
    # a name whose pinyin is taken by the redirect gets another slug by itself
    auto = staff.post("/moderation/categories", data={"name": "A", "parent": "0"})
    assert auto.status_code == 303

    taken = staff.post(
        "/moderation/categories", data={"name": "新甲", "slug": "a", "parent": "0"}
    )

    assert taken.status_code == 303
    with app.app_context():
        slugs = {c[1]: c[2] for c in state()["categories"]}
        assert slugs == {"乙": "b", "A": "a-2", "新甲": "a"}
        assert state()["redirects"] == []
        assert entries("category-create")[-1].changes["redirect_removed"] == "a"
    assert client.get("/category/a/").status_code == 200


def test_unknown_public_category_is_404(client):
    assert client.get("/category/nothing-here/").status_code == 404


def test_deleting_an_empty_category_drops_the_redirects_to_it(
    app, client, staff, add_category
):
    doomed = add_category("要删的", slug="first")
    staff.post(
        f"/moderation/categories/{doomed}", data={"name": "要删的", "slug": "second"}
    )
    assert client.get("/category/first/").status_code == 301

    assert staff.post(f"/moderation/categories/{doomed}/delete").status_code == 303

    with app.app_context():
        assert state()["redirects"] == []
        [entry] = entries("category-delete")
        assert entry.changes["redirects_removed"] == ["first"]
    assert client.get("/category/first/").status_code == 404
    assert client.get("/category/second/").status_code == 404


def test_menu_links_follow_a_merged_or_deleted_category(app, staff, add_category):
    a, b, c = add_category("甲"), add_category("乙"), add_category("丙")
    with app.app_context(), write_transaction():
        links = [MenuItem(menu=Menu.HEADER, category_id=i) for i in (a, b)]
        db.session.add_all(links)
        db.session.flush()
        link_a, link_b = (link.id for link in links)

    merge(staff, a, b)
    staff.post(f"/moderation/categories/{b}/delete", data={"move_to": c})

    with app.app_context():
        db.session.expire_all()
        assert [db.session.get(MenuItem, i).category_id for i in (link_a, link_b)] == [
            c,
            c,
        ]
        assert entries("category-merge")[0].changes["menu_items"] == [link_a]
        assert entries("category-delete")[0].changes["menu_items"] == [link_a, link_b]
