"""Small things writers met: one button to store an edit of a published
article (更新), and the shipped rule lists commented in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import cms
from tests.posts.support import parse


def test_a_published_article_has_one_way_to_store_an_edit(as_editor, editor, write):
    article_id = write(editor, "已发布的文章", action="publish")

    soup = parse(as_editor.get(f"/moderation/posts/{article_id}"))

    buttons = [b.get_text(strip=True) for b in soup.select(".post-actions button")]
    assert buttons[:2] == ["更新", "撤回为草稿"]
    assert soup.select_one(".post-actions button[value=save]") is None


def test_a_draft_still_has_save_and_publish(as_editor, editor, write):
    article_id = write(editor, "草稿")

    soup = parse(as_editor.get(f"/moderation/posts/{article_id}"))

    buttons = [b.get_text(strip=True) for b in soup.select(".post-actions button")]
    assert buttons[:2] == ["保存草稿", "发布"]


def test_the_shipped_rule_lists_are_commented_in_chinese():
    data = Path(cms.__file__).parent / "data"
    for name in ("comments-disallowed.txt", "comments-moderation-words.txt"):
        comments = [
            line
            for line in (data / name).read_text(encoding="utf-8").splitlines()
            if line.startswith("#")
        ]
        assert comments, name
        for line in comments:
            words = re.sub(r"comments\.\w+", "", line)
            assert not re.search(r"[A-Za-z]{3,}", words), line
