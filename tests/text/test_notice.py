"""render_notice: the reprint notice filled in, escaped, with one link."""

from markupsafe import Markup

from cms.text.notice import render_notice

VALUES = {
    "contributor": "管理员",
    "site_name": "资源分享网",
    "canonical_url": "http://cms.test/fb8e1C2pWVwldAVU.html",
    "title": "标题",
}
DEFAULT = (
    "本文来自{contributor}投稿，不代表{site_name}立场，"
    "如若转载，请注明出处：{canonical_url}"
)


def test_default_template_is_filled_in_with_a_link():
    notice = render_notice(DEFAULT, VALUES, "canonical_url")
    assert isinstance(notice, Markup)
    url = VALUES["canonical_url"]
    assert notice == (
        "本文来自管理员投稿，不代表资源分享网立场，如若转载，请注明出处："
        f'<a href="{url}">{url}</a>'
    )


def test_values_are_escaped():
    values = VALUES | {"contributor": '<script>alert("x")</script>', "title": "A & B"}
    notice = render_notice("{contributor} {title}", values, "canonical_url")
    assert notice == "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; A &amp; B"


def test_literal_text_of_the_template_is_escaped():
    notice = render_notice('<b onclick="x">{site_name}</b>', VALUES, "canonical_url")
    assert notice == "&lt;b onclick=&#34;x&#34;&gt;资源分享网&lt;/b&gt;"


def test_the_link_value_cannot_break_out_of_its_attribute():
    values = VALUES | {"canonical_url": 'http://x/"><script>1</script>'}
    notice = render_notice("{canonical_url}", values, "canonical_url")
    assert "<script" not in notice
    assert notice.count("<a ") == 1
    assert notice.startswith('<a href="http://x/&#34;&gt;&lt;script&gt;')


def test_only_the_link_field_becomes_a_link():
    notice = render_notice("{title} {site_name}", VALUES, "canonical_url")
    assert "<a" not in notice
    notice = render_notice("{title}", VALUES, "title")
    assert notice == '<a href="标题">标题</a>'


def test_unknown_placeholders_stay_literal_and_escaped():
    notice = render_notice("{nope} {contributor} {<b>}", VALUES, "canonical_url")
    assert notice == "{nope} 管理员 {&lt;b&gt;}"


def test_doubled_braces_are_literal_braces():
    assert render_notice("{{contributor}}", VALUES, "canonical_url") == "{contributor}"


def test_a_value_that_looks_like_a_placeholder_is_not_expanded():
    # Values are plain text by contract; a template-looking value is not expanded.
    values = VALUES | {"contributor": "{site_name}"}
    assert render_notice("{contributor}", values, "canonical_url") == "{site_name}"
