"""cms.text.paylinks: the only links a tip QR code may hold."""

import pytest

from cms.text.paylinks import MAX_PAY_LINK_LENGTH, check_pay_link


@pytest.mark.parametrize(
    "link",
    [
        "wxp://f2f0Yx3kV9example",
        "https://qr.alipay.com/fkx12345example",
        "alipays://platformapi/startapp?appId=20000067",
        "HTTPS://QR.ALIPAY.COM/abc",
    ],
)
def test_accepted_links_come_back_trimmed(link):
    assert check_pay_link(f"  {link}\n") == link


def test_empty_is_no_link():
    assert check_pay_link("   ") == ""


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("javascript:alert(1)", "https://"),
        ("data:text/html,<b>x</b>", "https://"),
        ("http://qr.alipay.com/abc", "https://"),
        ("ftp://example.com/x", "https://"),
        ("https://", "地址"),
        ("wxp://a b", "空白"),
        ("https://qr.alipay.com/\x00", "控制字符"),
        ("https://qr.alipay.com/" + "a" * MAX_PAY_LINK_LENGTH, "512"),
    ],
)
def test_refused_links_say_why(link, message):
    with pytest.raises(ValueError, match=message):
        check_pay_link(link)
