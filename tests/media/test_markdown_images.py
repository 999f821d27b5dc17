"""`flask cms import-markdown DIR`: images referenced by relative path come
into the media library, cleaned and checked like any upload, and the text
points at them; anything outside DIR or not a real image stays as written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, MediaFile, MediaOwner
from cms.services.markdown_import import import_markdown
from tests.media.conftest import stored_files
from tests.media.crafted import HTML_AS_PNG, gps_of, noisy, photo_with_gps

POST = """---
title: {title}
date: 2021-03-04 20:30:00
author: 小王
---
正文。

![现场照片](images/photo.jpg)

![外面的图](../outside.png) ![假图片](images/fake.png) ![缺失](images/gone.png)
"""


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "images").mkdir(parents=True)
    (root / "images/photo.jpg").write_bytes(photo_with_gps(size=(1000, 700)))
    (root / "images/fake.png").write_bytes(HTML_AS_PNG)
    (tmp_path / "outside.png").write_bytes(noisy((80, 60), "PNG"))
    (root / "one.md").write_text(POST.format(title="第一篇"), encoding="utf-8")
    (root / "two.md").write_text(POST.format(title="第二篇"), encoding="utf-8")
    return root


def test_relative_images_are_stored_once_and_the_text_points_at_them(
    media_app, site, media_dir, client
):
    summary = import_markdown(site)
    assert summary.imported["文章"] == 2
    assert summary.imported["图片"] == 1  # the same file, referenced twice
    reasons = "".join(summary.skipped["图片"])
    assert "不在目录中" in reasons and "不是可接受的图片" in reasons
    media = db.session.scalar(select(MediaFile))
    assert db.session.scalar(select(func.count(MediaFile.id))) == 1
    assert gps_of((media_dir / media.key).read_bytes()) == {}
    owner = db.session.scalar(select(MediaOwner))
    assert owner.user.display_name == "小王"
    for title in ("第一篇", "第二篇"):
        article = db.session.scalar(select(Article).where(Article.title == title))
        assert f"![现场照片](/media/{media.key})" in article.body_markdown
        assert "](../outside.png)" in article.body_markdown  # left as written
        assert "](images/fake.png)" in article.body_markdown
    html = client.get(f"/{article.public_id}.html").get_data(as_text=True)
    stem = media.key.rsplit(".", 1)[0]
    assert f'srcset="/media/{stem}-480.webp 480w' in html


def test_importing_again_stores_nothing(media_app, site, media_dir):
    import_markdown(site)
    files = stored_files(media_dir)
    again = import_markdown(site)
    assert again.imported["图片"] == 0 and again.unchanged["文章"] == 2
    assert stored_files(media_dir) == files
