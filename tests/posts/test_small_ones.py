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


def _rule_blocks(css: str, selector: str) -> list[str]:
    """The declarations of every rule whose selector list names `selector`."""
    return [
        body
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)
        if selector in [s.strip() for s in selectors.split(",")]
    ]


def test_the_date_input_is_styled_in_both_schemes():
    css = (Path(cms.__file__).parent.parent / "static/css/site.css").read_text(
        encoding="utf-8"
    )
    blocks = _rule_blocks(css, "input[type=date]")
    assert blocks
    # its colours come from the scheme's variables, which the dark scheme sets
    assert any("var(--text)" in b and "var(--bg)" in b for b in blocks)
    assert any("var(--border-strong)" in b for b in blocks)
    dark = css[css.index("@media (prefers-color-scheme: dark)") :]
    assert re.search(r"--bg:\s*#", dark) and re.search(r"--text:\s*#", dark)
    assert "color-scheme: light dark" in css  # the native picker follows too


def test_the_settings_page_shows_the_shipped_lists_commented_in_chinese(app, as_editor):
    from cms.services.settings import set_settings

    data = Path(cms.__file__).parent / "data"
    with app.app_context():  # what seed-demo stores: the shipped lists
        set_settings({
            "comments.disallowed": (data / "comments-disallowed.txt").read_text(),
            "comments.moderation_words": (
                data / "comments-moderation-words.txt"
            ).read_text(),
        })  # fmt: skip

    soup = parse(as_editor.get("/moderation/settings"))

    for name in ("comments.disallowed", "comments.moderation_words"):
        area = soup.select_one(f'textarea[name="{name}"]')
        lines = area.get_text().splitlines()
        comments = [line for line in lines if line.startswith("#")]
        assert comments, name
        for line in comments:
            assert not re.search(r"[A-Za-z]{3,}", re.sub(r"comments\.\w+", "", line)), (
                line
            )
