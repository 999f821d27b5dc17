"""cms.text.comment_text.render_comment with marks: the flagged spans are
wrapped exactly, escaped, cut at paragraphs, lines and links; without marks
the output is what it always was."""

from __future__ import annotations

from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from cms.text.comment_text import render_comment


def _marks(html: str) -> list[tuple[str, str]]:
    soup = BeautifulSoup(str(html), "html.parser")
    return [(m.get_text(), m["title"]) for m in soup.select("mark.flagged")]


def test_a_mark_wraps_exactly_its_span_and_escapes_everything():
    text = '<script>x</script> 请加.微.信 "好"'
    start = text.index("加")

    html = render_comment(text, [(start, start + 5, '规则：加微信"><b>')])

    assert _marks(html) == [("加.微.信", '规则：加微信"><b>')]
    assert "<script>" not in html and "<b>" not in html


def test_offsets_are_of_the_text_as_stored_with_its_leading_space_and_crlf():
    text = "  第一行\r\n第二行 加微信\r\n\r\n  末段 加微信"
    lines = text.replace("\r\n", "\n")
    first = lines.index("加微信")
    last = lines.rindex("加微信")

    html = render_comment(text, [(first, first + 3, "a"), (last, last + 3, "b")])

    assert _marks(html) == [("加微信", "a"), ("加微信", "b")]
    assert str(html).count("<p>") == 2


def test_a_mark_across_a_line_end_or_into_a_link_is_cut_not_broken():
    text = "看看 http://example.cn/a 这\n下一行"
    span = (text.index("example"), text.index("下") + 1)

    html = str(render_comment(text, [(*span, "r")]))

    soup = BeautifulSoup(html, "html.parser")
    assert [m.get_text() for m in soup.select("mark")] == ["example.cn/a", " 这", "下"]
    assert soup.select_one("a mark").get_text() == "example.cn/a"
    assert soup.select_one("a")["href"] == "http://example.cn/a"


@given(st.text(alphabet="ab 中\n\r<&h:/.tp", max_size=40))
def test_without_marks_nothing_changes_and_marks_keep_the_text(text):
    plain = render_comment(text)
    marked = render_comment(text, [(0, len(text), "r")])

    assert (
        BeautifulSoup(str(plain), "html.parser").get_text()
        == BeautifulSoup(str(marked), "html.parser").get_text()
    )
    assert "<mark" not in plain


_ONE_LINERS = st.lists(
    st.sampled_from([*"ab中文 <>&\"'\t\r\n.:/　", "https://", "HTTP://x.cn"]),
    max_size=20,
).map("".join)


@given(_ONE_LINERS)
def test_the_fast_path_for_plain_lines_writes_what_the_general_one_does(text):
    """Without marks, a comment of one line without a link takes a short
    path; a mark past the end (which changes nothing) forces the general
    one, and both write the same HTML."""
    beyond = [(len(text) + 5, len(text) + 6, "规则")]
    assert str(render_comment(text)) == str(render_comment(text, beyond))
