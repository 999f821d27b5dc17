"""The stored media files travel with the site: `flask cms export` /
`import` and `flask cms backup` / `restore` carry every file, checked by its
SHA-256; a damaged file is refused before anything is written."""

from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import func, select

from cms import create_app
from cms.extensions import db
from cms.models import Article, MediaFile
from cms.services import backup, portable
from cms.services.errors import InvalidInput
from cms.services.media_library import image_markdown, store_upload
from tests.factories import make_article, make_user
from tests.media.conftest import stored_files
from tests.media.crafted import noisy


def _site_with_an_image() -> str:
    """A writer, one article image shown by an article; the image's key."""
    writer = make_user(username="writer")
    owner = store_upload(noisy((1000, 700)), writer.id, name="照片.jpg", alt="照片")
    key = owner.media.key
    make_article(title="带图的文章", body=image_markdown("照片", key))
    return key


@pytest.fixture
def other(new_database, tmp_path):
    """A second site: an empty database and an empty media folder."""
    folder = tmp_path / "other-media"
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database(),
                      "MEDIA_URL": f"file://{folder}"})  # fmt: skip
    with app.app_context():
        db.create_all()
    yield app, folder
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_export_and_import_carry_every_media_file(
    media_app, media_dir, other, tmp_path
):
    key = _site_with_an_image()
    files = stored_files(media_dir)
    assert len(files) > 1  # the original and its page sizes
    path = tmp_path / "site.json"
    counts = portable.export_site(str(path))
    assert counts["media"] == len(files)
    other_app, folder = other
    with other_app.app_context():
        report = portable.import_site(str(path))
        assert report.media == len(files)
        assert db.session.scalar(select(MediaFile.key)) == key
    assert stored_files(folder) == files
    for name in files:
        assert (folder / name).read_bytes() == (media_dir / name).read_bytes()
    with other_app.test_client() as client:
        response = client.get(f"/media/{key}")
        assert response.status_code == 200
        assert response.data == (media_dir / key).read_bytes()


def test_a_damaged_media_file_in_an_export_is_refused_with_nothing_written(
    media_app, other, tmp_path
):
    _site_with_an_image()
    path = tmp_path / "site.json"
    portable.export_site(str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["media"][0]["sha256"] = "0" * 64
    path.write_text(json.dumps(document), encoding="utf-8")
    other_app, folder = other
    with other_app.app_context():
        with pytest.raises(InvalidInput, match="校验值不符"):
            portable.import_site(str(path))
        assert db.session.scalar(select(func.count(Article.id))) == 0
    assert stored_files(folder) == []


def test_a_key_that_leaves_the_media_folder_is_refused(media_app, other, tmp_path):
    _site_with_an_image()
    path = tmp_path / "site.json"
    portable.export_site(str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["media"][0]["key"] = "../../evil.png"
    path.write_text(json.dumps(document), encoding="utf-8")
    other_app, folder = other
    with other_app.app_context(), pytest.raises(InvalidInput, match="不合规"):
        portable.import_site(str(path))
    assert not (tmp_path / "evil.png").exists()


def test_backup_and_restore_carry_every_media_file(
    media_app, media_dir, other, tmp_path
):
    key = _site_with_an_image()
    files = stored_files(media_dir)
    result = backup.take_backup(tmp_path / "backups")
    with zipfile.ZipFile(result.path) as archive:
        manifest = json.loads(archive.read(backup.MANIFEST))
        assert sorted(manifest["media"]) == files
        assert sorted(n for n in archive.namelist() if n.startswith("media/")) == [
            f"media/{name}" for name in files
        ]
    other_app, folder = other
    with other_app.app_context():
        other_kind = db.engine.dialect.name
    if result.kind != "json" and other_kind != db.engine.dialect.name:
        pytest.skip("a database's own backup restores into the same database only")
    with other_app.app_context():
        backup.restore_backup(result.path)
        assert db.session.scalar(select(MediaFile.key)) == key
    assert stored_files(folder) == files


def test_a_backup_with_a_damaged_media_file_restores_nothing(
    media_app, other, tmp_path
):
    _site_with_an_image()
    result = backup.take_backup(tmp_path / "backups")
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(result.path) as source, zipfile.ZipFile(damaged, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("media/") and item.filename.endswith(".jpg"):
                data = data[:-10] + b"0123456789"
            out.writestr(item, data)
    other_app, folder = other
    with other_app.app_context():
        with pytest.raises(InvalidInput, match="校验值不符"):
            backup.restore_backup(damaged)
        assert db.session.scalar(select(func.count(Article.id))) == 0
    assert stored_files(folder) == []
