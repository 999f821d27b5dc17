"""The article page for readers: word count and reading time in the header,
a table of contents for three or more h2-h3 headings, the code script only
where there is code, and 编辑本文 for staff who may edit the article only."""

from __future__ import annotations

from sqlalchemy import update

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Article, Role
from tests.comments.support import log_in
from tests.factories import make_user
from tests.public.conftest import parse

LONG = """引言一段，共十个汉字啊。

## 第一节

正文。

### 细节

正文。

## 第二节

```python
print("你好")
```
"""


def test_header_shows_words_and_reading_time(client, publish):
    article = publish(body="这是一段十个字的正文。\n\nHello world")

    page = parse(client.get(f"/{article.public_id}.html"))

    meta = page.select_one(".post-meta .reading").get_text()
    assert meta == "12 字 · 约 1 分钟读完"


def test_three_headings_give_a_table_of_contents_whose_links_resolve(client, publish):
    article = publish(body=LONG)

    page = parse(client.get(f"/{article.public_id}.html"))

    toc = page.select_one("article.post details.toc")
    assert toc.has_attr("open")
    entries = [(li["class"][0], li.get_text()) for li in toc.select("li")]
    assert entries == [("toc-2", "第一节"), ("toc-3", "细节"), ("toc-2", "第二节")]
    for link in toc.select("a"):
        target = page.find(id=link["href"][1:])
        assert target is not None and target.name in ("h2", "h3")
    assert page.select_one("script[src$='js/code.js']") is not None


def test_the_page_shows_what_is_stored_with_the_body(app, client, publish):
    """The header and the table of contents come from the columns stored
    with the body (cms.models.article.body_columns), not from its HTML."""
    article = publish(body=LONG)
    stored = [[2, "h-甲", "甲"], [2, "h-乙", "乙"], [3, "h-丙", "丙"]]
    with app.app_context(), write_transaction():
        db.session.execute(
            update(Article)
            .where(Article.id == article.id)
            .values(reading_words=4321, reading_minutes=11, toc=stored)
        )

    page = parse(client.get(f"/{article.public_id}.html"))

    meta = page.select_one(".post-meta .reading").get_text()
    assert meta == "4,321 字 · 约 11 分钟读完"
    toc = page.select_one("article.post details.toc")
    entries = [(li["class"][0], li.get_text()) for li in toc.select("li")]
    assert entries == [("toc-2", "甲"), ("toc-2", "乙"), ("toc-3", "丙")]
    assert [a["href"] for a in toc.select("a")] == ["#h-甲", "#h-乙", "#h-丙"]


def test_two_headings_give_none_and_no_code_no_script(client, publish):
    article = publish(body="## 一\n\n正文\n\n## 二\n\n正文")

    page = parse(client.get(f"/{article.public_id}.html"))

    assert page.select_one(".toc") is None
    assert page.select_one("script[src$='js/code.js']") is None


def test_edit_link_only_for_staff_who_may_edit(app, client, publish, writer):
    article = publish(body=LONG)
    path = f"/{article.public_id}.html"
    with app.app_context():
        make_user(username="editor1", role=Role.EDITOR)
        make_user(username="helper", role=Role.CONTRIBUTOR)

    assert parse(client.get(path)).select_one(".edit-link") is None  # a reader

    log_in(client, "helper")  # a contributor: not theirs
    assert parse(client.get(path)).select_one(".edit-link") is None

    editor = app.test_client()
    log_in(editor, "editor1")
    link = parse(editor.get(path)).select_one(".post-meta a.edit-link")
    assert link.get_text() == "编辑本文"
    assert link["href"] == f"/moderation/posts/{article.id}"
    assert editor.get(link["href"]).status_code == 200
