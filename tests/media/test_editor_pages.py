"""The editor's image fields (without JavaScript), its JSON upload
endpoint, covers, and the media library page."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from cms.extensions import db
from cms.models import Article, AuditEntry, MediaFile
from cms.services.media_library import store_upload
from tests.factories import make_article, make_user
from tests.media import crafted
from tests.media.conftest import stored_files
from tests.posts.conftest import client_for
from tests.posts.support import editor_values, form_data


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def writer(app, contributor):
    return client_for(app, contributor)


@pytest.fixture
def boss(app, editor):
    return client_for(app, editor)


def files(**named):
    return {
        name: (io.BytesIO(data), filename) for name, (data, filename) in named.items()
    }


def test_without_javascript_an_image_is_uploaded_and_its_markdown_inserted(
    app, writer, media_dir
):
    page = parse(writer.get("/moderation/posts/new"))
    assert page.select_one("form#post-form")["enctype"] == "multipart/form-data"
    assert page.select_one("input[type=file][name=images][multiple]") is not None

    photo = crafted.photo_with_gps(1, size=(1200, 800))
    answer = writer.post(
        "/moderation/posts/new",
        data={
            **form_data(title="", body="开头。", do="upload", image_alt="长城远景"),
            **files(images=(photo, "greatwall.jpg")),
        },  # fmt: skip
        content_type="multipart/form-data",
    )

    assert answer.status_code == 200
    with app.app_context():
        media = db.session.scalars(select(MediaFile)).one()
        assert db.session.scalar(select(db.func.count(Article.id))) == 0  # not saved
    body = editor_values(parse(answer))["body"]
    assert body == f"开头。\n\n![长城远景](/media/{media.key})\n"
    assert "已上传 1 张图片" in answer.get_data(as_text=True)


def test_a_refused_image_is_shown_beside_the_field_and_nothing_is_stored(
    app, writer, media_dir
):
    answer = writer.post(
        "/moderation/posts/new",
        data={**form_data(do="save"), **files(images=(crafted.SVG_AS_PNG, "x.png"))},
        content_type="multipart/form-data",
    )

    assert answer.status_code == 400
    error = parse(answer).select_one("#images-error").get_text()
    assert "x.png" in error and "SVG" in error
    assert stored_files(media_dir) == []
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Article.id))) == 0


def test_the_json_endpoint_answers_markdown_or_the_refusal(app, writer, media_dir):
    ok = writer.post(
        "/moderation/media/upload",
        data={"alt": "截图", **files(file=(crafted.plain((50, 30)), "image.png"))},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 200
    assert ok.json["markdown"] == f"![截图](/media/{ok.json['key']})"
    assert (ok.json["width"], ok.json["height"]) == (50, 30)

    bad = writer.post(
        "/moderation/media/upload",
        data={**files(file=(crafted.png_then_html(), "a.png"))},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "夹带" in bad.json["error"]
    assert len(stored_files(media_dir)) == 1


def test_a_cover_is_uploaded_with_the_article_and_shown_in_lists_and_og_image(
    app, boss, client
):
    cover = crafted.photo_with_gps(1, size=(1000, 600))
    answer = boss.post(
        "/moderation/posts/new",
        data={
            **form_data(title="有封面的文章", do="publish"),
            **files(cover_file=(cover, "cover.jpg")),
        },  # fmt: skip
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    with app.app_context():
        article = db.session.scalars(select(Article)).one()
        media = article.cover
        assert media is not None
        public_id, stem = article.public_id, media.key[:-4]

    page = parse(client.get(f"/{public_id}.html"))
    og = page.select_one('meta[property="og:image"]')
    assert og["content"] == f"http://cms.test/media/{stem}-960.jpg"
    home = parse(client.get("/"))
    thumb = home.select_one("img.card-cover")
    assert thumb["src"] == f"/media/{stem}-480.webp"
    assert (thumb["width"], thumb["height"]) == ("1000", "600")

    # The editor shows the cover; removing it clears it.
    edit = boss.get(answer.headers["Location"])
    values = editor_values(parse(edit))
    assert parse(edit).select_one("img.cover-thumb") is not None
    values.update(do="save", remove_cover="y")
    assert boss.post(answer.headers["Location"], data=values).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Article)).one().cover_media_id is None


def test_a_contributor_cannot_use_someone_elses_image_as_cover(app, writer):
    with app.app_context():
        theirs = store_upload(crafted.plain((40, 40)), make_user().id).media_id
    answer = writer.post(
        "/moderation/posts/new",
        data=form_data(cover_media_id=str(theirs)),
    )
    assert answer.status_code == 400
    assert "封面" in answer.get_data(as_text=True)


def test_the_library_shows_contributors_their_own_uploads_only(app, writer, boss):
    writer.post(
        "/moderation/media",
        data={"alt": "我的图", **files(images=(crafted.plain((60, 60)), "mine.png"))},
        content_type="multipart/form-data",
    )
    with app.app_context():
        stranger = make_user(username="stranger")
        other = store_upload(crafted.plain((70, 70), colour=(1, 2, 3)), stranger.id,
                             "theirs.png").media  # fmt: skip
        article = make_article(title="用了图的文章", body=f"![](/media/{other.key})",
                               owner=stranger)  # fmt: skip
        other_id, article_title = other.id, article.title

    mine = parse(writer.get("/moderation/media"))
    rows = mine.select("tr[id^=media-]")
    assert len(rows) == 1 and "mine.png" in rows[0].get_text()
    assert writer.post(f"/moderation/media/{other_id}/delete").status_code == 404

    everything = parse(boss.get("/moderation/media"))
    assert len(everything.select("tr[id^=media-]")) == 2
    row = everything.select_one(f"#media-{other_id}")
    assert article_title in row.select_one(".media-used").get_text()
    assert row.select_one(".media-owner").get_text() == "stranger"
    found = parse(boss.get("/moderation/media?q=用了图"))
    assert [r["id"] for r in found.select("tr[id^=media-]")] == [f"media-{other_id}"]


def test_delete_from_the_library_is_refused_while_used_unless_forced(
    app, boss, media_dir
):
    with app.app_context():
        owner = make_user()
        media = store_upload(crafted.photo_with_gps(1, size=(600, 400)), owner.id).media
        make_article(body=f"![](/media/{media.key})", owner=owner)
        media_id = media.id

    refused = boss.post(f"/moderation/media/{media_id}/delete", follow_redirects=True)
    assert "正被文章使用" in refused.get_data(as_text=True)
    assert len(stored_files(media_dir)) == 3

    forced = boss.post(f"/moderation/media/{media_id}/delete", data={"force": "y"})
    assert forced.status_code == 303
    assert stored_files(media_dir) == []
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert "media-delete-forced" in actions
        assert db.session.get(MediaFile, media_id) is None


def test_uploads_are_rate_limited_per_account(app, writer):
    app.config["MEDIA_UPLOAD_LIMIT"] = "2 per hour"

    def send():
        return writer.post(
            "/moderation/media/upload",
            data={**files(file=(crafted.plain((20, 20)), "a.png"))},
            content_type="multipart/form-data",
        )

    assert [send().status_code for _ in range(3)] == [200, 200, 429]


def test_a_cover_is_chosen_from_the_writers_own_uploads(app, writer, contributor):
    with app.app_context():
        from tests.posts.conftest import user_named

        me = user_named(contributor)
        mine = store_upload(crafted.plain((300, 200)), me.id, "我的封面.png").media_id
        theirs = store_upload(crafted.plain((40, 40), colour=(9, 9, 9)),
                              make_user().id, "别人的.png").media_id  # fmt: skip

    page = parse(writer.get("/moderation/posts/new"))
    options = {o["value"] for o in page.select("select#cover_media_id option")}
    assert options == {"", str(mine)}  # someone else's upload is not offered
    assert str(theirs) not in options

    answer = writer.post(
        "/moderation/posts/new", data=form_data(cover_media_id=str(mine))
    )
    assert answer.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Article)).one().cover_media_id == mine
