"""`flask cms clean-media`: files stored by older versions (raw uploads with
their GPS position) are re-encoded, references follow, old files go."""

from __future__ import annotations

import hashlib

from cms.extensions import db
from cms.models import Setting, User
from cms.services.settings import set_setting
from tests.factories import make_user
from tests.media import crafted
from tests.media.conftest import stored_files


def old_style_store(media_dir, data: bytes, ext: str) -> str:
    """Store raw bytes the way the previous version did."""
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest[:32]}.{ext}"
    (media_dir / key).parent.mkdir(parents=True, exist_ok=True)
    (media_dir / key).write_bytes(data)
    return key


def test_clean_media_reencodes_old_uploads_and_moves_references(app, runner, media_dir):
    photo = crafted.photo_with_gps(orientation=6)
    hostile = crafted.png_then_html()
    with app.app_context():
        old_avatar = old_style_store(media_dir, photo, "jpg")
        old_logo = old_style_store(media_dir, hostile, "png")
        user = make_user(username="old-avatar")
        user.avatar = old_avatar
        db.session.commit()
        set_setting("site.logo", old_logo)
        set_setting("site.favicon", old_avatar)

    result = runner.invoke(args=["cms", "clean-media"])

    assert result.exit_code == 0, result.output
    assert "re-encoded 1" in result.output and "deleted 1" in result.output
    with app.app_context():
        new_avatar = db.session.scalar(
            db.select(User.avatar).where(User.username == "old-avatar")
        )
        assert new_avatar != old_avatar and new_avatar.endswith(".jpg")
        assert db.session.get(Setting, "site.favicon").value == new_avatar
        assert db.session.get(Setting, "site.logo").value == ""  # a polyglot: gone
    assert stored_files(media_dir) == [new_avatar]
    assert crafted.gps_of((media_dir / new_avatar).read_bytes()) == {}

    again = runner.invoke(args=["cms", "clean-media"])
    assert "re-encoded 0" in again.output and "deleted 0" in again.output
    assert stored_files(media_dir) == [new_avatar]
