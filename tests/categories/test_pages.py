"""The categories page as an editor uses it: the tree, creating, renaming and
moving, each checked in the database and in the audit log; every refusal
answers 400 with the form, the error beside its field, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import ArticleStatus, Category, CategoryRedirect
from tests.categories.helpers import entries, soup_of, state


def category(category_id: int) -> Category | None:
    db.session.expire_all()
    return db.session.get(Category, category_id)


def assert_back_to_list(response) -> None:
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/categories"


def test_the_tree_is_indented_with_counts_of_every_status_and_links(
    app, staff, add_category, add_article
):
    tech = add_category("技术")
    code = add_category("编程", parent=tech)
    python = add_category("Python 教程", parent=code, slug="python")
    life = add_category("生活")
    add_article(tech)
    add_article(tech, status=ArticleStatus.DRAFT)
    add_article(tech, status=ArticleStatus.TRASH)
    add_article(python)

    soup = soup_of(staff.get("/moderation/categories"))

    rows = soup.select("table.cat-tree tbody tr")
    assert [int(r["data-id"]) for r in rows] == [tech, code, python, life]
    assert [int(r["data-depth"]) for r in rows] == [0, 1, 2, 0]
    counts = [r.select_one(".cat-count").get_text(strip=True) for r in rows]
    assert counts == ["3", "0", "1", "0"]
    links = [r.select_one(".cat-slug a")["href"] for r in rows]
    assert links == ["/category/ji-shu/", "/category/bian-cheng/",
                     "/category/python/", "/category/sheng-huo/"]  # fmt: skip
    assert rows[0].select_one(".cat-name a")["href"] == f"/moderation/categories/{tech}"
    # the create form offers every category as the parent, indented
    options = [o.get_text() for o in soup.select("select[name=parent] option")]
    assert options == ["（顶级分类）", "技术", "— 编程", "— — Python 教程", "生活"]


def test_create_with_pinyin_slug_then_with_a_slug_and_a_parent(
    app, staff, editor, add_category
):
    response = staff.post(
        "/moderation/categories",
        data={"name": " 资源分享 ", "slug": "", "parent": "0", "description": ""},
    )
    assert_back_to_list(response)

    with app.app_context():
        made = db.session.scalar(select(Category).where(Category.name == "资源分享"))
        assert (made.slug, made.parent_id) == ("zi-yuan-fen-xiang", None)
        parent_id = made.id

    response = staff.post(
        "/moderation/categories",
        data={"name": "软件", "slug": "Soft-Ware", "parent": str(parent_id),
              "description": "常用软件"},
    )  # fmt: skip
    assert_back_to_list(response)

    with app.app_context():
        made = db.session.scalar(select(Category).where(Category.name == "软件"))
        assert (made.slug, made.parent_id, made.description) == (
            "soft-ware", parent_id, "常用软件")  # fmt: skip
        [first, second] = entries("category-create")
        assert second.actor.username == editor
        assert second.target_type == "category"
        assert second.target_ids == [made.id]
        assert second.changes[str(made.id)] == {
            "from": None,
            "to": {"name": "软件", "slug": "soft-ware", "parent_id": parent_id},
        }
    page = soup_of(staff.get("/moderation/categories"))
    assert "已新建分类“软件”" in page.select_one(".flashes").get_text()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "  "}, "name", "请填写分类名称"),
        ({"name": "技术"}, "name", "已有名为“技术”的分类"),
        ({"name": "新的", "slug": "ji-shu"}, "slug", "已被其他分类使用"),
        ({"name": "新的", "slug": "坏 slug!"}, "slug", "只能包含小写字母"),
        ({"name": "新的", "slug": "-ab"}, "slug", "只能包含小写字母"),
        ({"name": "新的", "parent": "9999"}, "parent", "上级分类不存在"),
        ({"name": "长" * 101}, "name", "最多 100 个字符"),
    ],
)
def test_create_refusals_are_400_beside_the_field_and_store_nothing(
    app, staff, add_category, data, field, message
):
    add_category("技术")
    with app.app_context():
        before = state()

    response = staff.post("/moderation/categories", data={"parent": "0"} | data)

    soup = soup_of(response, 400)
    wrapper = soup.select_one(f".field:has([name={field}])")
    assert "has-error" in wrapper["class"]
    assert message in wrapper.select_one(".field-error").get_text()
    if field != "parent":  # what was typed is kept
        assert soup.select_one(f"[name={field}]")["value"] == data[field].strip()
    with app.app_context():
        assert state() == before


def test_rename_keeps_the_old_slug_answering_301(app, staff, client, add_category):
    tech = add_category("技术")

    response = staff.post(
        f"/moderation/categories/{tech}",
        data={"name": "科技", "slug": "tech", "description": "新描述"},
    )

    assert_back_to_list(response)
    with app.app_context():
        renamed = category(tech)
        assert (renamed.name, renamed.slug, renamed.description) == (
            "科技", "tech", "新描述")  # fmt: skip
        assert db.session.get(CategoryRedirect, "ji-shu").category_id == tech
        [entry] = entries("category-update")
        assert entry.changes[str(tech)] == {
            "from": {"name": "技术", "description": "", "slug": "ji-shu"},
            "to": {"name": "科技", "description": "新描述", "slug": "tech"},
        }
        assert entry.changes["redirect_added"] == "ji-shu"
    old = client.get("/category/ji-shu/?page=2")
    assert old.status_code == 301
    assert old.headers["Location"] == "/category/tech/?page=2"
    assert client.get("/category/tech/").status_code == 200


def test_renaming_back_takes_the_old_slug_again(app, client, staff, add_category):
    tech = add_category("技术")
    staff.post(f"/moderation/categories/{tech}", data={"name": "技术", "slug": "tech"})

    response = staff.post(
        f"/moderation/categories/{tech}", data={"name": "技术", "slug": "ji-shu"}
    )

    assert_back_to_list(response)
    with app.app_context():
        assert category(tech).slug == "ji-shu"
        assert state()["redirects"] == [("tech", tech)]
    assert client.get("/category/ji-shu/").status_code == 200
    assert client.get("/category/tech/").headers["Location"] == "/category/ji-shu/"


def test_an_unchanged_form_records_nothing(app, staff, add_category):
    tech = add_category("技术")
    with app.app_context():
        before = state()

    response = staff.post(
        f"/moderation/categories/{tech}", data={"name": "技术", "slug": ""}
    )

    assert_back_to_list(response)
    with app.app_context():
        assert state() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "生活", "slug": "tech"}, "name", "已有名为“生活”的分类"),
        ({"name": "技术", "slug": "sheng-huo"}, "slug", "已被其他分类使用"),
        ({"name": "技术", "slug": "Ab_c"}, "slug", "只能包含小写字母"),
    ],
)
def test_rename_refusals_change_nothing(app, staff, add_category, data, field, message):
    tech = add_category("技术")
    add_category("生活")
    with app.app_context():
        before = state()

    response = staff.post(f"/moderation/categories/{tech}", data=data)

    soup = soup_of(response, 400)
    form = soup.select_one("form#category-update")
    assert message in form.select_one(f".field:has([name={field}]) .field-error").text
    assert form.select_one("[name=slug]")["value"] == data["slug"]
    with app.app_context():
        assert state() == before


def test_move_under_another_category_and_back_to_the_top(app, staff, add_category):
    tech = add_category("技术")
    code = add_category("编程")

    response = staff.post(f"/moderation/categories/{code}/move", data={"parent": tech})

    assert_back_to_list(response)
    with app.app_context():
        assert category(code).parent_id == tech
        [entry] = entries("category-move")
        assert entry.changes[str(code)] == {
            "from": {"parent_id": None, "parent": "（顶级）"},
            "to": {"parent_id": tech, "parent": "技术"},
        }

    response = staff.post(f"/moderation/categories/{code}/move", data={"parent": "0"})

    assert_back_to_list(response)
    with app.app_context():
        assert category(code).parent_id is None
        assert len(entries("category-move")) == 2


def test_move_refuses_a_loop_and_changes_nothing(app, staff, add_category):
    top = add_category("顶层")
    middle = add_category("中层", parent=top)
    bottom = add_category("底层", parent=middle)
    with app.app_context():
        before = state()

    for parent in (top, middle, bottom):
        response = staff.post(
            f"/moderation/categories/{top}/move", data={"parent": parent}
        )
        soup = soup_of(response, 400)
        error = soup.select_one("form#category-move .field-error").get_text()
        assert "不能把分类移到它自己或它的下级分类之下" in error

    # the move form does not even offer them
    page = soup_of(staff.get(f"/moderation/categories/{top}"))
    offered = [o["value"] for o in page.select("form#category-move option")]
    assert offered == ["0"]
    with app.app_context():
        assert state() == before


def test_unknown_category_is_404(staff):
    assert staff.get("/moderation/categories/999").status_code == 404
    for action in ("", "/move", "/merge", "/delete"):
        response = staff.post(
            f"/moderation/categories/999{action}", data={"name": "x", "target": "1"}
        )
        assert response.status_code == 404, action


def test_contributors_may_not_enter_and_anonymous_visitors_log_in(
    app, client, login, contributor, add_category
):
    tech = add_category("技术")
    anonymous = client.get("/moderation/categories")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/auth/login")

    login(contributor)
    assert client.get("/moderation/categories").status_code == 403
    assert client.get(f"/moderation/categories/{tech}").status_code == 403
    posted = client.post("/moderation/categories", data={"name": "投稿者的分类"})
    assert posted.status_code == 403
    deleted = client.post(f"/moderation/categories/{tech}/delete", data={})
    assert deleted.status_code == 403
    with app.app_context():
        assert [c[1] for c in state()["categories"]] == ["技术"]
