"""cms.text.diff: line diffs with context, as the revision pages show them."""

from cms.text.diff import DiffLine, diff_lines


def kinds(lines: list[DiffLine]) -> str:
    return "".join(
        {"same": "=", "add": "+", "del": "-", "gap": "~"}[d.kind] for d in lines
    )


def test_equal_texts_have_no_diff():
    assert diff_lines("一\n二", "一\n二") == []


def test_line_endings_alone_are_not_a_change():
    assert diff_lines("一\r\n二\r\n", "一\n二\n") == []


def test_a_changed_line_is_a_deletion_then_an_addition_with_numbers():
    lines = diff_lines("甲\n乙\n丙", "甲\n乙改\n丙")

    assert kinds(lines) == "=-+="
    assert lines[1] == DiffLine("del", 2, None, "乙")
    assert lines[2] == DiffLine("add", None, 2, "乙改")
    assert (lines[3].old_no, lines[3].new_no) == (3, 3)


def test_distant_changes_are_separated_by_a_gap_and_context_is_bounded():
    old = "\n".join(f"第{i}行" for i in range(1, 31))
    new = old.replace("第2行", "第二行").replace("第28行", "第二十八行")

    lines = diff_lines(old, new, context=2)

    assert kinds(lines) == "=-+==~==-+=="
    assert [d.text for d in lines if d.kind == "add"] == ["第二行", "第二十八行"]


def test_additions_at_the_end_and_from_empty():
    assert kinds(diff_lines("", "新的一行")) == "-+"
    assert [d.text for d in diff_lines("a", "a\nb") if d.kind == "add"] == ["b"]
