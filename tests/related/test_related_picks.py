"""Pins and exclusions from the editor: editors only, shown again in the box,
bad input explained."""

from __future__ import annotations

from cms.extensions import db
from cms.models import Article, Role
from cms.services import related
from tests.factories import make_article, make_user


def _three(app):
    with app.app_context():
        owner = make_user("author", role=Role.EDITOR)
        a = make_article("信用卡逾期催收", "信用卡逾期催收征信。", owner=owner)
        b = make_article("网贷逾期催收", "网贷逾期催收征信。", owner=owner)
        c = make_article("番茄炒蛋", "番茄鸡蛋。", owner=owner)
        return a.id, b.public_id, c.public_id


def test_an_editor_pins_and_excludes_from_the_editor(app, client, editor, login):
    a, b, c = _three(app)
    login(editor)
    page = client.get(f"/moderation/posts/{a}").get_data(as_text=True)
    assert "相关推荐：置顶与排除" in page
    response = client.post(
        f"/moderation/posts/{a}/related",
        data={"pins": f"http://cms.test/{c}.html", "excluded": b},
    )
    assert response.status_code == 303
    with app.app_context():
        assert related.overrides_of(a) == ([c], [b])
        related.process_queue()
        assert [i.public_id for i in related.related_for(a)] == [c]
    page = client.get(f"/moderation/posts/{a}").get_data(as_text=True)
    assert f"{c}</textarea>" in page


def test_a_bad_pick_is_explained_and_changes_nothing(app, client, editor, login):
    a, b, _c = _three(app)
    login(editor)
    client.post(f"/moderation/posts/{a}/related", data={"pins": "nosucharticle000"})
    page = client.get(f"/moderation/posts/{a}").get_data(as_text=True)
    assert "找不到这些文章" in page
    with app.app_context():
        assert related.overrides_of(a) == ([], [])


def test_contributors_cannot_pick(app, client, contributor, login):
    a, b, _c = _three(app)
    login(contributor)
    response = client.post(f"/moderation/posts/{a}/related", data={"pins": b})
    assert response.status_code in (403, 404)
    with app.app_context():
        assert related.overrides_of(a) == ([], [])
        assert db.session.get(Article, a) is not None
