"""The posts list's 全部 tab sorts by the date its 日期 column shows (the
publication time of published articles, the last change of the others), so
the column reads in order; the header says which column sorts and how."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from cms.extensions import db
from cms.models import Article
from tests.posts.support import parse


def _set_times(article_id, published=None, updated=None):
    values = {}
    if published is not None:
        values["published_at"] = published
    if updated is not None:
        values["updated_at"] = updated
    db.session.execute(update(Article).where(Article.id == article_id).values(**values))
    db.session.commit()


def test_the_all_tab_reads_in_the_order_of_its_date_column(
    app, as_editor, editor, write
):
    old_published = write(editor, title="早就发布", action="publish")
    draft = write(editor, title="草稿")
    new_published = write(editor, title="新发布", action="publish")
    with app.app_context():
        # Published long ago but touched just now (a typo fixed): its shown
        # date is the publication, so it goes last.
        _set_times(old_published, datetime(2024, 1, 1, tzinfo=UTC),
                   datetime(2026, 12, 1, tzinfo=UTC))  # fmt: skip
        _set_times(draft, updated=datetime(2025, 6, 1, tzinfo=UTC))
        _set_times(new_published, datetime(2025, 9, 1, tzinfo=UTC),
                   datetime(2025, 9, 1, tzinfo=UTC))  # fmt: skip

    page = parse(as_editor.get("/moderation/posts?status=all"))

    rows = page.select("table tbody tr")
    titles = [row.select_one("td").get_text(" ", strip=True) for row in rows]
    assert [t.split()[0] for t in titles] == ["新发布", "草稿", "早就发布"]
    shown = [row.select_one("td[data-label=日期] time")["datetime"] for row in rows]
    assert shown == sorted(shown, reverse=True)
    header = page.select_one("th[aria-sort]")
    assert header["aria-sort"] == "descending" and "日期" in header.get_text()
