"""The media library service: one file per image, one ownership row per
uploader, sizes made on upload, deletion per uploader, refused while used."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from cms.events import AFTER_COMMIT, MediaChanged, subscribe
from cms.extensions import db
from cms.models import AuditEntry, MediaFile, MediaOwner, Role
from cms.services.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cms.services.media_library import delete_upload, library, store_upload
from tests.factories import make_article, make_user
from tests.media import crafted
from tests.media.conftest import stored_files


def photo(size=(2000, 1000)) -> bytes:
    return crafted.photo_with_gps(orientation=1, size=size)


@pytest.fixture
def heard(media_app):
    seen: list[MediaChanged] = []
    subscribe(media_app, MediaChanged, seen.append, AFTER_COMMIT)
    return seen


def test_an_upload_stores_the_original_and_its_page_sizes(media_app, media_dir, heard):
    owner = make_user()

    use = store_upload(photo(), owner.id, name="照片.jpg", alt="一张照片")

    media = use.media
    assert (media.width, media.height, media.ext) == (2000, 1000, "jpg")
    assert media.size_list == [480, 960, 1600]
    stem = media.key[:-4]
    expected = {media.key} | {
        f"{stem}-{w}.{ext}" for w in (480, 960, 1600) for ext in ("jpg", "webp")
    }
    assert set(stored_files(media_dir)) == expected
    with Image.open(media_dir / f"{stem}-480.webp") as small:
        assert small.format == "WEBP" and small.size == (480, 240)
    assert crafted.gps_of((media_dir / media.key).read_bytes()) == {}
    assert (use.name, use.alt) == ("照片.jpg", "一张照片")
    assert [(e.ids, e.keys) for e in heard] == [((media.id,), (media.key,))]


def test_a_small_image_gets_no_sizes_above_its_width(media_app, media_dir):
    use = store_upload(crafted.plain((600, 300)), make_user().id)

    assert use.media.size_list == [480]
    assert len(stored_files(media_dir)) == 3  # original, 480 png, 480 webp


def test_the_same_image_uploaded_twice_is_stored_once(media_app, media_dir):
    alice, bob = make_user(), make_user()

    first = store_upload(photo(), alice.id)
    files = stored_files(media_dir)
    second = store_upload(photo(), bob.id)

    assert first.media_id == second.media_id
    assert db.session.scalar(select(db.func.count(MediaFile.id))) == 1
    owners = db.session.scalars(select(MediaOwner.user_id)).all()
    assert sorted(owners) == sorted([alice.id, bob.id])
    assert stored_files(media_dir) == files


def test_deleting_removes_only_the_uploaders_use(media_app, media_dir):
    alice, bob = make_user(), make_user()
    media_id = store_upload(photo(), alice.id).media_id
    store_upload(photo(), bob.id)

    assert delete_upload(media_id, alice) is False  # bob still has it
    assert len(stored_files(media_dir)) == 7
    items, _ = library(bob)
    assert [i.media.id for i in items] == [media_id]
    assert library(alice) == ([], 0)

    assert delete_upload(media_id, bob) is True
    assert stored_files(media_dir) == []
    assert db.session.get(MediaFile, media_id) is None


def test_contributors_see_and_delete_their_own_uploads_only(media_app):
    alice, bob = make_user(), make_user()
    editor = make_user(role=Role.EDITOR)
    mine = store_upload(photo(), alice.id).media_id
    theirs = store_upload(crafted.plain((50, 50)), bob.id).media_id

    assert [i.media.id for i in library(alice)[0]] == [mine]
    assert sorted(i.media.id for i in library(editor)[0]) == sorted([mine, theirs])
    with pytest.raises(NotFound):
        delete_upload(theirs, alice)
    assert db.session.get(MediaFile, theirs) is not None


def test_deleting_an_image_an_article_shows_is_refused_unless_forced(
    media_app, media_dir, heard
):
    alice = make_user()
    editor = make_user(role=Role.EDITOR)
    media = store_upload(photo(), alice.id).media
    key, media_id = media.key, media.id
    article = make_article(body=f"看图：\n\n![图](/media/{key})\n", owner=alice)

    with pytest.raises(Conflict, match=article.title):
        delete_upload(media_id, alice)
    with pytest.raises(NotAllowed):
        delete_upload(media_id, alice, force=True)
    assert db.session.get(MediaFile, media_id) is not None

    assert delete_upload(media_id, editor, force=True) is True

    assert stored_files(media_dir) == []
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "media-delete-forced")
    ).one()
    assert entry.actor_id == editor.id
    assert entry.changes["articles"] == [article.id]
    last = heard[-1]
    assert last.deleted and last.article_ids == (article.id,) and key in last.keys


def test_a_search_finds_by_name_alt_uploader_and_article(media_app):
    alice = make_user(username="alice")
    a = store_upload(photo(), alice.id, name="长城.jpg").media
    b = store_upload(crafted.plain((40, 40)), alice.id, alt="故宫角楼").media
    make_article(title="颐和园游记", body=f"![](/media/{b.key})", owner=alice)

    def found(q):
        return sorted(i.media.id for i in library(alice, q)[0])

    assert found("长城") == [a.id]
    assert found("角楼") == [b.id]
    assert found("颐和园") == [b.id]
    assert found("alice") == sorted([a.id, b.id])


def test_article_limits_come_from_the_settings(media_app, media_dir):
    from cms.services.settings import set_setting

    set_setting("media.max_megapixels", "1")
    with pytest.raises(InvalidInput, match="100 万像素"):
        store_upload(photo((1200, 1000)), make_user().id)
    assert stored_files(media_dir) == []


def test_an_svg_is_refused_and_nothing_stored(media_app, media_dir):
    with pytest.raises(InvalidInput, match="SVG"):
        store_upload(crafted.SVG_AS_PNG, make_user().id)
    assert stored_files(media_dir) == []
    assert db.session.scalar(select(db.func.count(MediaFile.id))) == 0


def test_an_animated_gif_keeps_its_frames(media_app, media_dir):
    frames = [Image.new("RGB", (30, 20), (80 * i, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=80)

    media = store_upload(out.getvalue(), make_user().id).media

    with Image.open(media_dir / media.key) as stored:
        assert stored.n_frames == 3
    assert media.size_list == []
