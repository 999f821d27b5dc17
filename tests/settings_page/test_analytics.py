"""Analytics code as vendors hand it out: what is accepted, how it is served,
and what is refused (cms.services.analytics, no database)."""

from __future__ import annotations

import pytest

from cms.services.analytics import (
    MAX_BYTES,
    analytics_code,
    check_analytics,
    check_analytics_host,
    check_analytics_text,
)
from cms.services.errors import InvalidInput
from tests.settings_page.test_csp import BAIDU, GOOGLE

FIFTY_ONE_LA = (
    '<script charset="UTF-8" id="LA_COLLECT" src="//sdk.51.la/js-sdk-pro.min.js">'
    '</script>\n<script>LA.init({id:"K1234",ck:"K5678"})</script>'
)
CNZZ = (
    '<script type="text/javascript" src="https://s4.cnzz.com/z_stat.php?id=1&web_id=1"'
    ' language="JavaScript"></script>'
)
UMAMI = (
    '<script defer src="https://stats.example.cn/script.js" '
    'data-website-id="94db1cb1-74f4-4a40-ad6c-962362670409"></script>'
)
LOADER = "/static/js/analytics.js"


def test_empty_code_serves_nothing():
    assert check_analytics_text("  \r\n ") == ""
    assert check_analytics("").scripts == ()
    assert analytics_code("").scripts == ()


def test_baidu_inline_snippet_becomes_its_external_script():
    code = check_analytics(BAIDU)
    assert code.render("N") == (
        '<script nonce="N" src="https://hm.baidu.com/hm.js?0123456789abcdef"'
        " async></script>"
    )
    assert code.script_hosts == ("https://hm.baidu.com",)


def test_google_tag_setup_runs_from_our_loader_with_the_id():
    code = check_analytics(GOOGLE)
    external, loader = code.render("N").split("\n")
    assert external == (
        '<script nonce="N" src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"'
        " async></script>"
    )
    assert loader == (
        f'<script nonce="N" src="{LOADER}" data-vendor="google" data-id="G-ABC123">'
        "</script>"
    )
    assert "https://www.googletagmanager.com" in code.script_hosts
    assert "https://*.google-analytics.com" in code.connect_hosts


def test_51la_protocol_relative_source_is_served_over_https_then_our_loader():
    code = check_analytics(FIFTY_ONE_LA)
    sdk, loader = code.render("N").split("\n")
    assert 'src="https://sdk.51.la/js-sdk-pro.min.js"' in sdk
    assert 'charset="UTF-8"' in sdk and 'id="LA_COLLECT"' in sdk
    assert loader == (
        f'<script nonce="N" src="{LOADER}" data-vendor="51la" data-id="K1234"'
        ' data-ck="K5678"></script>'
    )
    assert "https://*.51.la" in code.connect_hosts


def test_cnzz_external_script_and_the_hosts_its_loader_needs():
    code = check_analytics(CNZZ)
    assert 'language="JavaScript"' in code.render("N")
    assert code.script_hosts[0] == "https://s4.cnzz.com"
    assert "https://*.cnzz.com" in code.script_hosts


def test_self_hosted_umami_only_from_the_host_the_admin_named():
    with pytest.raises(InvalidInput, match="stats.example.cn"):
        check_analytics(UMAMI)
    (script,) = check_analytics(UMAMI, "stats.example.cn").scripts
    assert script.render("N", LOADER) == (
        '<script nonce="N" src="https://stats.example.cn/script.js" defer'
        ' data-website-id="94db1cb1-74f4-4a40-ad6c-962362670409"></script>'
    )
    with pytest.raises(InvalidInput):
        check_analytics(UMAMI, "other.example.cn")


@pytest.mark.parametrize(
    ("raw", "host"),
    [("stats.example.cn", "stats.example.cn"), (" https://Stats.Example.cn/ ",
     "stats.example.cn"), ("umami.example.cn:8443", "umami.example.cn:8443"), ("", "")],
)  # fmt: skip
def test_the_self_hosted_host_is_a_bare_host(raw, host):
    assert check_analytics_host(raw) == host


@pytest.mark.parametrize(
    "raw", ["http://stats.example.cn", "stats.example.cn/x", "*.example.cn", "a b"]
)
def test_a_self_hosted_host_that_is_not_one_is_refused(raw):
    with pytest.raises(InvalidInput):
        check_analytics_host(raw)


def test_attribute_values_are_escaped_and_a_pasted_nonce_is_replaced():
    code = check_analytics(
        '<script nonce="old" data-x="a&quot;b<c" src="https://hm.baidu.com/x.js">'
        "</script>"
    )
    rendered = code.render("new")
    assert rendered.startswith('<script nonce="new" src="https://hm.baidu.com/x.js"')
    assert 'data-x="a&#34;b&lt;c"' in rendered
    assert "old" not in rendered


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("window.__analyticsRan = true;", "不接受内联 JavaScript"),
        ("<script>fetch('/moderation/users')</script>", "不接受内联 JavaScript"),
        ('<script src="https://evil.example/a.js"></script>', "不支持来自 evil"),
        ('<script src="https://hm.baidu.com.evil.cn/a.js"></script>', "不支持来自"),
        ('<script src="https://evilcnzz.com/a.js"></script>', "不支持来自"),
        ('<img src=x onerror="alert(1)">', "只能包含 <script> 元素"),
        ("<iframe src='https://a.cn'></iframe>", "只能包含 <script> 元素"),
        ('<script src="http://hm.baidu.com/a.js"></script>', "https://"),
        ('<script src="javascript:alert(1)"></script>', "https://"),
        ('<script src="data:text/javascript,alert(1)"></script>', "https://"),
        ('<script src="https://a.cn;script-src *"></script>', "地址无效"),
        ('<script src="https://u:p@hm.baidu.com/x.js"></script>', "地址无效"),
        ('<script onload="x()" src="https://hm.baidu.com/x.js"></script>', "onload"),
        ('<script type="text/plain" src="https://hm.baidu.com/x.js"></script>', "type"),
        ('<script type="module" src="https://hm.baidu.com/x.js"></script>', "type"),
        ('<script style="x" src="https://hm.baidu.com/x.js"></script>', "style"),
        ('<script src="https://hm.baidu.com/x.js">', "缺少结束标签"),
        ('<script src="https://hm.baidu.com/x.js"></script> 多余', "之外不能有文字"),
        ('<script src="https://hm.baidu.com/x.js"></script></div>', "多余的结束标签"),
        ('<script src="https://hm.baidu.com/x.js">inline()</script>', "不能再写代码"),
        ("<!DOCTYPE html><script>a()</script>", "只能包含"),
        ("x" * (MAX_BYTES + 1), "最多 10 KB"),
    ],
)
def test_unsafe_or_unknown_code_is_refused_with_a_reason(code, message):
    with pytest.raises(InvalidInput) as refused:
        check_analytics(code)
    assert message in str(refused.value)


def test_a_vendor_snippet_with_extra_code_serves_only_the_vendor_id():
    sneaky = BAIDU.replace("})();", "})(); fetch('/moderation/users');")
    rendered = check_analytics(sneaky).render("N")
    assert "fetch" not in rendered and "moderation" not in rendered


def test_stored_code_that_no_longer_passes_serves_nothing_and_is_logged_once(caplog):
    analytics_code.cache_clear()
    with caplog.at_level("WARNING", logger="cms.services.analytics"):
        assert analytics_code("<script>steal()</script>").scripts == ()
        assert analytics_code("<script>steal()</script>").scripts == ()
    assert len(caplog.records) == 1
