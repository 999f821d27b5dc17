"""derive_excerpt and html_to_text: the summaries shown in lists and feeds."""

import pytest

from cms.text.excerpt import derive_excerpt, html_to_text
from cms.text.markdown import render_markdown


def test_short_text_is_returned_whole():
    assert derive_excerpt("<p>一句话。</p>") == "一句话。"


@pytest.mark.parametrize("limit", [10, 50, 120])
def test_long_text_without_sentence_end_is_cut_with_an_ellipsis(limit):
    text = "字" * 500
    excerpt = derive_excerpt(f"<p>{text}</p>", limit=limit)
    assert excerpt == "字" * (limit - 1) + "…"
    assert len(excerpt) == limit


def test_cut_ends_on_a_sentence_end_in_the_last_third():
    text = "甲" * 89 + "。" + "乙" * 60
    assert derive_excerpt(f"<p>{text}</p>", limit=120) == "甲" * 89 + "。"


@pytest.mark.parametrize("mark", ["。", "！", "？", "!", "?", "；", ";"])
def test_every_sentence_end_counts(mark):
    text = "甲" * 100 + mark + "乙" * 60
    assert derive_excerpt(f"<p>{text}</p>", limit=120) == "甲" * 100 + mark


def test_the_last_sentence_end_in_range_wins():
    text = "甲" * 85 + "。" + "乙" * 20 + "！" + "丙" * 60
    assert derive_excerpt(f"<p>{text}</p>", limit=120) == text[:107]


def test_a_sentence_end_too_early_is_ignored():
    text = "甲" * 30 + "。" + "乙" * 200
    excerpt = derive_excerpt(f"<p>{text}</p>", limit=120)
    assert excerpt == text[:119] + "…"


def test_trailing_space_before_the_ellipsis_is_dropped():
    text = "a" * 59 + " " + "b" * 100
    assert derive_excerpt(f"<p>{text}</p>", limit=60) == "a" * 59 + "…"


def test_headings_and_their_anchors_are_left_out():
    html = render_markdown("## 小标题\n\n第一段。\n\n### 另一个标题\n\n第二段。")
    excerpt = derive_excerpt(html)
    assert excerpt == "第一段。 第二段。"
    assert "#" not in excerpt and "标题" not in excerpt


def test_entities_are_decoded_and_tags_removed():
    html = render_markdown(
        "A &amp; B，**粗体** 与 `<code>` 和 &quot;引号&quot; &#20013;"
    )
    assert derive_excerpt(html) == 'A & B，粗体 与 <code> 和 "引号" 中'


def test_script_and_style_content_never_reach_the_text():
    assert html_to_text(
        "<p>前</p><script>alert(1)</script><style>p{}</style><p>后</p>"
    ) == ("前后")


def test_whitespace_is_collapsed():
    assert derive_excerpt("<p>  一\n\n二\t三  </p>") == "一 二 三"


def test_without_paragraphs_the_whole_text_is_used():
    assert derive_excerpt("<ul><li>甲</li><li>乙</li></ul>") == "甲乙"


def test_empty_input_gives_empty_text():
    assert derive_excerpt("") == ""
