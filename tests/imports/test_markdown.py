"""`flask cms import-markdown`: Hexo, Hugo and Jekyll folders, as each writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cms.events import IN_TRANSACTION, CommentsChanged, ContentImported, subscribe
from cms.extensions import db
from cms.models import Article, ArticleStatus, Category, User, body_columns
from cms.services import portable
from cms.services.markdown_import import import_markdown


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


HEXO = {
    "_config.yml": "title: 我的博客\npermalink: :year/:month/:day/:title/\n",
    "scaffolds/post.md": "---\ntitle: {{ title }}\n---\n",
    "source/_posts/hello-python.md": """---
title: Python 入门
date: 2021-03-04 20:30:00
updated: 2021-03-05 08:00:00
tags:
  - Python
  - 编程
categories:
  - 技术
  - Python
---
这是摘要部分。

<!-- more -->

## 正文

![截图](images/shot.png)
""",
    "source/_posts/two-trees.md": """---
title: 两棵分类树
date: 2021-04-01 09:00:00
categories:
  - [生活, 旅行]
  - [技术, Python]
description: 手写的摘要
---
正文。
""",
    "source/_posts/secret.md": """---
title: 还没写完
date: 2021-05-01 09:00:00
published: false
---
草稿。
""",
    "source/about/index.md": "---\ntitle: 关于\nlayout: page\n---\n关于我。\n",
}

HUGO = {
    "hugo.toml": 'baseURL = "https://example.cn/"\n',
    "content/posts/first-post.md": """+++
title = "第一篇"
date = 2022-01-02T10:00:00+08:00
lastmod = 2022-01-03T10:00:00+08:00
tags = ["随笔"]
categories = ["生活", "日记"]
slug = "first"
aliases = ["/old/first-post.html"]
+++
Hugo 的正文。
""",
    "content/posts/draft-post.md": """---
title: "草稿"
date: 2022-02-02
draft: true
---
还在写。
""",
    "content/posts/bundle/index.md": """---
title: 页面包
date: 2022-03-03T00:00:00Z
url: /2022/bundle-post/
---
内容。
""",
    "content/posts/_index.md": "---\ntitle: 文章\n---\n",
}

JEKYLL = {
    "_config.yml": "title: Jekyll 站\n",
    "_posts/2019-07-08-jekyll-post.md": """---
layout: post
title: Jekyll 的文章
categories: tech notes
tags: [ruby, jekyll]
permalink: /blog/jekyll-post.html
excerpt: 一句话摘要
---
Jekyll 正文，<!-- more --> 之后。
""",
    "_posts/2019-08-09-no-title.markdown": "---\nlayout: post\n---\n没有标题的文章。\n",
    "_drafts/unfinished.md": "---\ntitle: 未完成\n---\n草稿。\n",
}


def by_title(title: str) -> Article:
    return db.session.scalar(select(Article).where(Article.title == title))


def test_hexo_folder(app, client, tmp_path):
    root = write(tmp_path / "hexo", HEXO)
    with app.app_context():
        summary = import_markdown(root, permalink=":year/:month/:day/:title/")
        post = by_title("Python 入门")
        # Hexo's list is a path: Python under 技术.
        assert post.category.name == "Python"
        assert post.category.parent.name == "技术"
        assert {t.name for t in post.tags} == {"Python", "编程"}
        # 20:30 in the site's zone (Asia/Shanghai) is 12:30 UTC.
        assert post.published_at == datetime(2021, 3, 4, 12, 30, tzinfo=UTC)
        assert post.updated_at == datetime(2021, 3, 5, 0, 0, tzinfo=UTC)
        assert post.excerpt == "这是摘要部分。"
        assert "<h2" in post.body_html and "正文" in post.body_html
        trees = by_title("两棵分类树")
        assert trees.category.name == "旅行" and trees.category.parent.name == "生活"
        assert "Python" in {t.name for t in trees.tags}
        assert trees.excerpt == "手写的摘要"
        assert by_title("还没写完").status == ArticleStatus.DRAFT
        assert summary.skipped["页面"] and summary.skipped["图片"]
        assert summary.imported["文章"] == 3
        author = post.owner
        assert not author.active and author.password_hash is None
        public_id = post.public_id
    response = client.get("/2021/03/04/hello-python/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/{public_id}.html")


def test_hugo_folder_with_toml(app, client, tmp_path):
    root = write(tmp_path / "hugo", HUGO)
    with app.app_context():
        summary = import_markdown(root, permalink="/posts/:slug/")
        first = by_title("第一篇")
        assert first.category.name == "生活"  # flat: the first one
        assert {t.name for t in first.tags} == {"随笔", "日记"}
        assert first.published_at == datetime(2022, 1, 2, 2, 0, tzinfo=UTC)
        assert by_title("草稿").status == ArticleStatus.DRAFT
        bundle = by_title("页面包")
        assert summary.imported["文章"] == 3  # _index.md is a section, not a post
        ids = first.public_id, bundle.public_id
    olds = [("/posts/first/", ids[0]), ("/old/first-post.html", ids[0]),
            ("/2022/bundle-post/", ids[1]), ("/posts/bundle/", ids[1])]  # fmt: skip
    for old, target in olds:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(f"/{target}.html")


def test_jekyll_folder(app, client, tmp_path):
    root = write(tmp_path / "jekyll", JEKYLL)
    with app.app_context():
        import_markdown(root, permalink="/:year/:month/:day/:title.html")
        post = by_title("Jekyll 的文章")
        assert post.category.name == "tech"
        assert {t.name for t in post.tags} == {"ruby", "jekyll", "notes"}
        assert post.excerpt == "一句话摘要"
        assert post.published_at == datetime(2019, 7, 7, 16, 0, tzinfo=UTC)
        untitled = by_title("2019-08-09-no-title")
        assert untitled is not None and untitled.status == ArticleStatus.PUBLISHED
        assert by_title("未完成").status == ArticleStatus.DRAFT
        public_id = post.public_id
    for old in ("/blog/jekyll-post.html", "/2019/07/08/jekyll-post.html"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(f"/{public_id}.html")


def test_second_run_changes_nothing_and_events_come_per_batch(app, runner, tmp_path):
    root = write(tmp_path / "hexo", HEXO)
    seen: list = []
    subscribe(app, ContentImported, seen.append, IN_TRANSACTION)
    subscribe(app, CommentsChanged, seen.append, IN_TRANSACTION)
    result = runner.invoke(args=["cms", "import-markdown", str(root)])
    assert result.exit_code == 0, result.output
    assert "导入 Markdown" in result.stderr
    assert "文章: 导入 3，已存在 0" in result.stdout
    assert [type(e) for e in seen] == [ContentImported]  # one batch, no comments
    with app.app_context():
        portable.export_site(str(tmp_path / "before.json"))
    again = runner.invoke(args=["cms", "import-markdown", str(root)])
    assert "文章: 导入 0，已存在 3" in again.stdout
    with app.app_context():
        portable.export_site(str(tmp_path / "after.json"))
        assert db.session.scalar(select(func.count(User.id))) == 1
        assert db.session.scalar(select(func.count(Category.id))) == 4
    assert (tmp_path / "before.json").read_bytes() == (
        tmp_path / "after.json"
    ).read_bytes()


def test_imported_articles_store_their_reading_time_and_contents(app, tmp_path):
    root = write(tmp_path / "hexo", HEXO)
    with app.app_context():
        import_markdown(root)
        articles = list(db.session.scalars(select(Article)))
        assert len(articles) == 3
        for article in articles:
            derived = body_columns(article.body_html)
            stored = {name: getattr(article, name) for name in derived}
            assert stored == derived, article.title
        assert by_title("Python 入门").toc[0][2] == "正文"


@pytest.mark.parametrize(
    "text", ["---\ntitle: [unclosed\n---\n正文", "+++\ntitle = \n+++\n正文"]
)
def test_broken_front_matter_is_skipped_and_reported(app, tmp_path, text):
    root = write(tmp_path / "bad", {"posts/bad.md": text, "posts/good.md": "# 好的\n"})
    with app.app_context():
        summary = import_markdown(root)
        assert summary.imported["文章"] == 1
        assert sum(summary.skipped["文章"].values()) == 1
        assert by_title("good") is not None


def test_a_deep_path_is_remembered_too(app, tmp_path):
    deep = "/".join(["很长的目录名称" * 3] * 14) + "/post.md"
    root = write(tmp_path / "deep", {deep: "---\ntitle: 深处\n---\n正文\n"})
    assert len(deep) > 255
    with app.app_context():
        assert import_markdown(root).imported["文章"] == 1
        again = import_markdown(root)
        assert again.imported["文章"] == 0 and again.unchanged["文章"] == 1
