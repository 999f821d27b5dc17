"""Pins and exclusions inside the editor: saved with the article in the same
save, shown again with their titles, found by title without JavaScript, bad
input explained beside its field with nothing saved; editors only."""

from __future__ import annotations

from cms.extensions import db
from cms.models import Article, ArticleStatus, Role, User
from cms.services.related import picks, worker
from tests.factories import make_article, make_user
from tests.posts.support import editor_values, parse, stored


def _site(app):
    """A loans article related by content to two others, and an unrelated
    recipe; their ids and public ids."""
    with app.app_context():
        owner = make_user("author", role=Role.EDITOR)
        a = make_article("信用卡逾期催收", "信用卡逾期催收征信协商。", owner=owner)
        b = make_article("网贷逾期催收", "网贷逾期催收征信协商。", owner=owner)
        c = make_article("信用卡逾期还款", "信用卡逾期还款征信协商。", owner=owner)
        d = make_article("番茄炒蛋", "番茄鸡蛋葱花。", owner=owner)
        worker.process_queue()
        return a.id, {x.title: x.public_id for x in (a, b, c, d)}


def _editor_form(client, article_id: int, **changes) -> dict[str, str]:
    values = editor_values(parse(client.get(f"/moderation/posts/{article_id}")))
    values.update({"do": "publish", **changes})
    return values


def _public_list(app, client, public_id: str) -> list[str]:
    with app.app_context():
        worker.process_queue()
    soup = parse(client.get(f"/{public_id}.html"))
    return [a.get_text() for a in soup.select(".related li .related-title")]


def test_saving_the_editor_pins_and_excludes(app, client, editor, login):
    a, ids = _site(app)
    assert _public_list(app, client, ids["信用卡逾期催收"])[:2] == [
        "信用卡逾期还款",
        "网贷逾期催收",
    ]
    login(editor)
    response = client.post(
        f"/moderation/posts/{a}",
        data=_editor_form(
            client,
            a,
            title="信用卡逾期催收怎么办",
            related_pins=f"http://cms.test/{ids['番茄炒蛋']}.html",
            related_excluded=ids["网贷逾期催收"],
        ),
    )
    assert response.status_code == 303
    with app.app_context():
        assert stored(a).title == "信用卡逾期催收怎么办"  # the same save
        assert picks.overrides_of(a) == ([ids["番茄炒蛋"]], [ids["网贷逾期催收"]])
    shown = _public_list(app, client, ids["信用卡逾期催收"])
    assert shown[0] == "番茄炒蛋"
    assert "网贷逾期催收" not in shown
    assert "信用卡逾期还款" in shown
    # The editor shows them again, each with its title.
    soup = parse(client.get(f"/moderation/posts/{a}"))
    assert editor_values(soup)["related_pins"] == ids["番茄炒蛋"]
    chosen = soup.select_one("form#post-form .related-chosen").get_text()
    assert "番茄炒蛋" in chosen and ids["番茄炒蛋"] in chosen


def test_an_unknown_pick_is_explained_beside_its_field(app, client, editor, login):
    a, ids = _site(app)
    login(editor)
    with app.app_context():
        version = stored(a).version
    response = client.post(
        f"/moderation/posts/{a}",
        data=_editor_form(
            client,
            a,
            title="改过的标题",
            related_pins=ids["番茄炒蛋"],
            related_excluded="nosucharticle000",
        ),
    )
    assert response.status_code == 400
    soup = parse(response)
    error = soup.select_one("#related_excluded-error")
    assert error is not None and "nosucharticle000" in error.get_text()
    assert soup.select_one("#related_pins-error") is None
    values = editor_values(soup)  # the rest of the form is kept
    assert values["title"] == "改过的标题"
    assert values["related_pins"] == ids["番茄炒蛋"]
    assert values["related_excluded"] == "nosucharticle000"
    with app.app_context():
        article = stored(a)
        assert (article.title, article.version) == ("信用卡逾期催收", version)
        assert picks.overrides_of(a) == ([], [])
    assert "番茄炒蛋" not in _public_list(app, client, ids["信用卡逾期催收"])


def test_pinning_the_article_itself_or_twice_is_refused(app, client, editor, login):
    a, ids = _site(app)
    login(editor)
    me = ids["信用卡逾期催收"]
    response = client.post(
        f"/moderation/posts/{a}", data=_editor_form(client, a, related_pins=me)
    )
    assert response.status_code == 400
    assert "自己" in parse(response).select_one("#related_pins-error").get_text()
    other = ids["番茄炒蛋"]
    response = client.post(
        f"/moderation/posts/{a}",
        data=_editor_form(client, a, related_pins=other, related_excluded=other),
    )
    assert response.status_code == 400
    assert parse(response).select_one("#related_excluded-error") is not None
    with app.app_context():
        assert picks.overrides_of(a) == ([], [])


def test_find_by_title_then_tick_to_pin(app, client, editor, login):
    a, ids = _site(app)
    login(editor)
    response = client.post(
        f"/moderation/posts/{a}",
        data=_editor_form(client, a, do="find_related", related_query="番茄"),
    )
    assert response.status_code == 200
    soup = parse(response)
    boxes = soup.select("form#post-form input[name=related_add_pin]")
    assert [box["value"] for box in boxes] == [ids["番茄炒蛋"]]
    with app.app_context():
        assert picks.overrides_of(a) == ([], [])  # a search saves nothing
    values = editor_values(soup)
    values.pop("related_add_pin", None)
    values.update(do="publish", related_add_pin=ids["番茄炒蛋"])
    assert client.post(f"/moderation/posts/{a}", data=values).status_code == 303
    with app.app_context():
        assert picks.overrides_of(a) == ([ids["番茄炒蛋"]], [])
    assert _public_list(app, client, ids["信用卡逾期催收"])[0] == "番茄炒蛋"


def test_a_search_takes_any_text_literally(app, client, editor, login):
    a, _ids = _site(app)
    login(editor)
    for query in ("%", "_", "\\", "'\"<>", "番茄" * 60):
        response = client.post(
            f"/moderation/posts/{a}",
            data=_editor_form(client, a, do="find_related", related_query=query),
        )
        assert response.status_code in (200, 400)
        assert not parse(response).select("input[name=related_add_pin]")


def test_a_form_without_the_fields_leaves_the_picks(app, client, editor, login):
    a, ids = _site(app)
    with app.app_context():
        picks.set_overrides(a, [ids["番茄炒蛋"]], [])
    login(editor)
    values = _editor_form(client, a, title="新标题")
    del values["related_pins"], values["related_excluded"]
    assert client.post(f"/moderation/posts/{a}", data=values).status_code == 303
    with app.app_context():
        assert picks.overrides_of(a) == ([ids["番茄炒蛋"]], [])


def test_contributors_neither_see_nor_set_picks(app, client, contributor, login):
    _a, ids = _site(app)
    with app.app_context():
        writer = db.session.scalar(db.select(User).where(User.username == contributor))
        own = make_article(
            "我的草稿", "正文。", owner=writer, status=ArticleStatus.DRAFT
        )
        own_id = own.id
    login(contributor)
    page = parse(client.get(f"/moderation/posts/{own_id}"))
    assert page.select_one("form#post-form") is not None
    assert page.select_one("#related-picks") is None
    values = editor_values(page)
    values.update(do="save", related_pins=ids["番茄炒蛋"])
    assert client.post(f"/moderation/posts/{own_id}", data=values).status_code == 303
    values.update(do="find_related", related_query="番茄")
    assert client.post(f"/moderation/posts/{own_id}", data=values).status_code == 403
    with app.app_context():
        assert picks.overrides_of(own_id) == ([], [])


def test_a_new_article_is_published_with_its_pin(app, client, editor, login):
    _a, ids = _site(app)
    login(editor)
    soup = parse(client.get("/moderation/posts/new"))
    assert soup.select_one("form#post-form #related-picks") is not None
    values = editor_values(soup)
    values.update(
        {"title": "新文章", "body": "正文。", "do": "publish",
         "related_pins": ids["番茄炒蛋"]}
    )  # fmt: skip
    response = client.post("/moderation/posts/new", data=values)
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalar(db.select(Article).where(Article.title == "新文章"))
        assert picks.overrides_of(new.id) == ([ids["番茄炒蛋"]], [])
    assert _public_list(app, client, new.public_id)[0] == "番茄炒蛋"
