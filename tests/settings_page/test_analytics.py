"""Analytics code as vendors hand it out: what is accepted, how it is served,
and what is refused (cms.services.analytics, no database)."""

from __future__ import annotations

import pytest

from cms.services.analytics import MAX_BYTES, analytics_code, check_analytics
from cms.services.errors import InvalidInput
from tests.settings_page.test_csp import BAIDU, GOOGLE

FIFTY_ONE_LA = (
    '<script charset="UTF-8" id="LA_COLLECT" src="//sdk.51.la/js-sdk-pro.min.js">'
    '</script>\n<script>LA.init({id:"K1234",ck:"K1234"})</script>'
)
UMAMI = (
    '<script defer src="https://cloud.umami.is/script.js" '
    'data-website-id="94db1cb1-74f4-4a40-ad6c-962362670409"></script>'
)


def test_empty_code_serves_nothing():
    assert check_analytics("  \r\n ") == ""
    assert analytics_code("").scripts == ()


def test_bare_javascript_becomes_one_inline_script():
    code = analytics_code(check_analytics("window.__analyticsRan = true;"))
    assert (
        code.render("N") == '<script nonce="N">window.__analyticsRan = true;</script>'
    )
    assert code.script_hosts == ()


def test_baidu_inline_loader():
    code = analytics_code(check_analytics(BAIDU))
    (script,) = code.scripts
    assert script.src == "" and "hm.baidu.com/hm.js" in script.code
    assert code.script_hosts == ("hm.baidu.com",)


def test_google_tag_keeps_async_and_allows_its_beacons():
    code = analytics_code(check_analytics(GOOGLE))
    external, inline = code.scripts
    assert external.render("N") == (
        '<script nonce="N" src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"'
        " async></script>"
    )
    assert "gtag('config'" in inline.code
    assert code.script_hosts == ("https://www.googletagmanager.com",)
    assert "https://*.google-analytics.com" in code.connect_hosts


def test_51la_protocol_relative_source_is_served_over_https_in_order():
    code = analytics_code(check_analytics(FIFTY_ONE_LA))
    sdk, init = code.scripts
    rendered = sdk.render("N")
    assert 'src="https://sdk.51.la/js-sdk-pro.min.js"' in rendered
    assert 'charset="UTF-8"' in rendered and 'id="LA_COLLECT"' in rendered
    assert "async" not in rendered  # LA.init below needs the SDK loaded first
    assert init.code == 'LA.init({id:"K1234",ck:"K1234"})'
    assert "https://*.51.la" in code.connect_hosts


def test_umami_keeps_its_data_attributes():
    (script,) = analytics_code(check_analytics(UMAMI)).scripts
    assert script.render("N") == (
        '<script nonce="N" src="https://cloud.umami.is/script.js" defer'
        ' data-website-id="94db1cb1-74f4-4a40-ad6c-962362670409"></script>'
    )


def test_attribute_values_are_escaped_and_a_pasted_nonce_is_replaced():
    code = analytics_code(
        check_analytics(
            '<script nonce="old" data-x="a&quot;b<c" src="https://a.cn/x.js"></script>'
        )  # fmt: skip
    )
    rendered = code.render("new")
    assert rendered.startswith('<script nonce="new" src="https://a.cn/x.js"')
    assert 'data-x="a&#34;b&lt;c"' in rendered
    assert "old" not in rendered


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ('<img src=x onerror="alert(1)">', "只能包含 <script> 元素"),
        ("<iframe src='https://a.cn'></iframe>", "只能包含 <script> 元素"),
        ('<script src="http://hm.example.cn/a.js"></script>', "https://"),
        ('<script src="javascript:alert(1)"></script>', "https://"),
        ('<script src="data:text/javascript,alert(1)"></script>', "https://"),
        ('<script src="https://a.cn;script-src *"></script>', "地址无效"),
        ('<script src="https://u:p@a.cn/x.js"></script>', "地址无效"),
        ('<script onload="x()" src="https://a.cn/x.js"></script>', "事件属性 onload"),
        ('<script type="text/plain">x</script>', "type"),
        ('<script style="x">x</script>', "不支持属性 style"),
        ("<script>var a = 1;", "缺少结束标签"),
        ("<script>a()</script> 多余的文字", "之外不能有文字"),
        ("<script>a()</script></div>", "多余的结束标签"),
        ('<script>document.write("<!--")</script>', "<!--"),
        ('<script>document.write("<script>")</script>', "<script"),
        ('<script src="https://a.cn/x.js">inline()</script>', "不能再写代码"),
        ("var a = 1; </script><img src=x onerror=alert(1)>", "</script"),
        ("<!DOCTYPE html><script>a()</script>", "只能包含"),
        ("x" * (MAX_BYTES + 1), "最多 10 KB"),
    ],
)
def test_unsafe_or_unknown_code_is_refused_with_a_reason(code, message):
    with pytest.raises(InvalidInput, match=None) as refused:
        check_analytics(code)
    assert message in str(refused.value)


def test_closing_tags_in_other_cases_cannot_break_out():
    with pytest.raises(InvalidInput):
        check_analytics("a = 1; </SCRIPT ><b>")
    with pytest.raises(InvalidInput):
        check_analytics("<script>a = '</scriptx>'</script>")


def test_stored_code_that_no_longer_passes_serves_nothing():
    assert analytics_code("<img src=x>").scripts == ()
