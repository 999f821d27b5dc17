"""`flask cms import-wxr FILE --uploads DIR`: WordPress attachments come
into the media library from a local uploads folder, cleaned and checked like
any upload; bodies and featured images point at them; hostile or missing
files are skipped with nothing stored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, MediaFile, MediaOwner, Role, User, article_media
from tests.media.conftest import stored_files
from tests.media.crafted import (
    HTML_AS_PNG,
    gps_of,
    noisy,
    photo_with_gps,
    plain,
    truncated_jpeg,
)

THEME = Path("/work/shared/data/wordpress/themeunittestdata.wordpress.xml")
if not THEME.exists():
    THEME = Path(__file__).parents[3] / "shared/data/wordpress" / THEME.name
pytestmark = pytest.mark.skipif(
    not THEME.exists(), reason="theme unit test file missing"
)
REMOTE = "wpthemetestdata.files.wordpress.com"
ATTACHMENTS = 37  # in the theme file


@pytest.fixture
def uploads(tmp_path) -> Path:
    """A copy of wp-content/uploads: three good images, hostile ones, one
    link leading out of the folder, a sound file; the rest missing."""
    root = tmp_path / "uploads"
    files = {
        "2008/06/canola2.jpg": photo_with_gps(size=(1200, 800)),
        "2013/03/featured-image-horizontal.jpg": noisy((600, 400)),
        "2014/01/dsc20050315_145007_132.jpg": plain((40, 30)),  # a PNG by content
        "2008/06/dsc09114.jpg": HTML_AS_PNG,
        "2008/06/img_8399.jpg": truncated_jpeg(),
        "2008/06/originaldixielandjazzbandwithalbernard-stlouisblues.mp3": b"ID3",
    }
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(noisy((64, 48)))
    (root / "2008/06/100_5540.jpg").symlink_to(outside)
    return root


def _import(runner, uploads: Path):
    result = runner.invoke(
        args=["cms", "import-wxr", str(THEME), "--uploads", str(uploads)]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def _key_of(name: str) -> str:
    owner = db.session.scalar(select(MediaOwner).where(MediaOwner.name == name))
    assert owner is not None, name
    return owner.media.key


def test_attachments_are_stored_cleaned_and_owned_by_their_author(
    media_app, runner, uploads, media_dir
):
    out = _import(runner, uploads)
    assert f"附件: 导入 3，已存在 0，跳过 {ATTACHMENTS - 3}" in out
    assert "文件不是可接受的图片" in out  # the HTML and the truncated JPEG
    assert "上传目录中没有这个文件" in out  # missing, and the link leading out
    assert "不是图片" in out  # the .mp3
    assert db.session.scalar(select(func.count(MediaFile.id))) == 3
    canola = _key_of("canola2.jpg")
    assert gps_of((media_dir / canola).read_bytes()) == {}
    # The PNG named .jpg is stored as what it is.
    assert _key_of("dsc20050315_145007_132.jpg").endswith(".png")
    # Nothing of the refused files, nothing from outside the folder: the three
    # originals and their page sizes only.
    stems = {name.split("/")[1][:32] for name in stored_files(media_dir)}
    assert len(stems) == 3
    author = db.session.scalar(
        select(User).join(MediaOwner, MediaOwner.user_id == User.id).limit(1)
    )
    assert author.role == Role.CONTRIBUTOR
    assert not author.active and author.password_hash is None


def test_bodies_covers_and_usage_point_at_the_stored_images(
    media_app, runner, uploads, client
):
    _import(runner, uploads)
    canola = _key_of("canola2.jpg")
    showing = db.session.scalars(
        select(Article).where(Article.body_markdown.contains(f"/media/{canola}"))
    ).all()
    assert showing, "no body points at the stored canola2.jpg"
    for article in showing:
        assert f"{REMOTE}/2008/06/canola2.jpg" not in article.body_markdown
    # Images that were not stored keep their remote address.
    assert db.session.scalar(
        select(func.count(Article.id)).where(
            Article.body_markdown.contains(f"{REMOTE}/2008/06/dsc09114.jpg")
        )
    )
    # The featured image of "Template: Featured Image (Horizontal)" is its cover.
    featured = db.session.scalar(
        select(Article).where(Article.title == "Template: Featured Image (Horizontal)")
    )
    cover = db.session.scalar(
        select(MediaFile).where(
            MediaFile.key == _key_of("featured-image-horizontal.jpg")
        )
    )
    assert featured.cover_media_id == cover.id
    # The library knows which articles use each image (delete is refused).
    used_by = set(
        db.session.scalars(
            select(article_media.c.article_id).where(
                article_media.c.media_id == cover.id
            )
        )
    )
    assert featured.id in used_by
    # The published page shows our sizes, not the old site's file.
    page = next(
        a for a in showing if a.status.value == "published" and not a.password_hash
    )
    html = client.get(f"/{page.public_id}.html").get_data(as_text=True)
    stem = canola.rsplit(".", 1)[0]
    assert re.search(rf'srcset="/media/{stem}-480\.webp 480w', html)
    assert f"{REMOTE}/2008/06/canola2.jpg" not in html


def test_a_second_run_stores_nothing_again(media_app, runner, uploads, media_dir):
    _import(runner, uploads)
    files = stored_files(media_dir)
    owners = db.session.scalar(select(func.count(MediaOwner.media_id)))
    out = _import(runner, uploads)
    assert f"附件: 导入 0，已存在 3，跳过 {ATTACHMENTS - 3}" in out
    assert stored_files(media_dir) == files
    assert db.session.scalar(select(func.count(MediaOwner.media_id))) == owners


def test_without_uploads_the_remote_addresses_stay(media_app, runner, media_dir):
    result = runner.invoke(args=["cms", "import-wxr", str(THEME)])
    assert result.exit_code == 0, result.output
    assert f"附件: 导入 0，已存在 0，跳过 {ATTACHMENTS}\n" in result.stdout
    assert f"  跳过 {ATTACHMENTS}：未指定上传目录（--uploads）" in result.stdout
    assert stored_files(media_dir) == []
