"""Tags managed in the area: the list with counts, rename (old slug → 301),
merge (articles move; old slug → 301 to the target), delete (articles stay);
audited; and the area's access."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, AuditEntry, Tag
from tests.factories import make_article, make_user


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _tags_of(public_id):
    article = db.session.scalar(select(Article).where(Article.public_id == public_id))
    db.session.refresh(article)
    return sorted(t.name for t in article.tags)


def _setup(app):
    with app.app_context():
        owner = make_user(password=None)
        one = make_article(title="一", owner=owner, tags=("Python", "编程"))
        two = make_article(title="二", owner=owner, tags=("python3",))
        slugs = {t.name: (t.id, t.slug) for t in db.session.scalars(select(Tag))}
        return one.public_id, two.public_id, slugs


def test_the_list_shows_every_tag_with_its_count(app, client, login, editor):
    _setup(app)
    login(editor)

    page = _soup(client.get("/moderation/tags"))

    rows = {
        r.select_one(".tag-name").contents[0].strip(): r.select_one(
            ".tag-count"
        ).get_text()
        for r in page.select("tr[data-id]")
    }
    assert rows == {"Python": "1", "python3": "1", "编程": "1"}


def test_merge_moves_articles_and_the_old_slug_answers_301(app, client, login, editor):
    one, two, slugs = _setup(app)
    login(editor)
    source_id, source_slug = slugs["python3"]
    target_id, target_slug = slugs["Python"]

    response = client.post(
        f"/moderation/tags/{source_id}/merge", data={"target": target_id}
    )

    assert response.status_code == 303
    with app.app_context():
        assert _tags_of(two) == ["Python"]
        assert _tags_of(one) == ["Python", "编程"]
        assert db.session.get(Tag, source_id) is None
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "tag-merge")
        )
        assert entry is not None
    old = client.get(f"/tag/{source_slug}/?page=1")
    assert old.status_code == 301
    assert old.headers["Location"] == f"/tag/{target_slug}/?page=1"
    assert client.get(old.headers["Location"]).status_code == 200


def test_rename_keeps_the_old_slug_answering(app, client, login, editor):
    _setup(app)
    login(editor)
    with app.app_context():
        tag = db.session.scalar(select(Tag).where(Tag.name == "编程"))
        tag_id, old_slug = tag.id, tag.slug

    client.post(
        f"/moderation/tags/{tag_id}/rename", data={"name": "程序设计", "slug": ""}
    )

    with app.app_context():
        tag = db.session.get(Tag, tag_id)
        assert tag.name == "程序设计" and tag.slug != old_slug
        new_slug = tag.slug
    answer = client.get(f"/tag/{old_slug}/")
    assert (answer.status_code, answer.headers["Location"]) == (
        301,
        f"/tag/{new_slug}/",
    )
    # Renaming onto another tag's name is refused: merging is the way.
    client.post(
        f"/moderation/tags/{tag_id}/rename", data={"name": "Python", "slug": ""}
    )
    with app.app_context():
        assert db.session.get(Tag, tag_id).name == "程序设计"


def test_delete_removes_the_tag_not_the_articles(app, client, login, editor):
    one, _, slugs = _setup(app)
    login(editor)
    tag_id, slug = slugs["编程"]

    assert client.post(f"/moderation/tags/{tag_id}/delete").status_code == 303

    with app.app_context():
        assert _tags_of(one) == ["Python"]
        assert db.session.scalar(select(Article).where(Article.public_id == one))
    assert client.get(f"/tag/{slug}/").status_code == 404


def test_contributors_may_not_manage_tags(app, client, login, contributor):
    _, _, slugs = _setup(app)
    login(contributor)

    assert client.get("/moderation/tags").status_code == 403
    assert client.post(f"/moderation/tags/{slugs['编程'][0]}/delete").status_code == 403
