"""Which pay links are accepted: the rules of check_pay_link, applied to the
site's defaults (settings service and CLI); a refused link stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms.extensions import db
from cms.models import Setting
from cms.services.errors import InvalidInput
from cms.services.settings import get_setting, set_setting
from cms.text.paylinks import check_pay_link

BAD_LINKS = {
    "javascript": "javascript:alert(1)",
    "javascript-slashes": "javascript://qr.alipay.com/%0aalert(1)",
    "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "http": "http://qr.alipay.com/fkx123",
    "ftp": "ftp://example.cn/pay.png",
    "too-long": "https://qr.alipay.com/" + "a" * (513 - len("https://qr.alipay.com/")),
    "space": "https://qr.alipay.com/fkx 123",
    "newline": "wxp://f2f0abc\nhttps://evil.example",
    "empty-host-https": "https://",
    "empty-host-wxp": "wxp:///f2f0abc",
    "no-scheme": "qr.alipay.com/fkx123",
}
GOOD_LINKS = [
    "https://qr.alipay.com/fkx12345abcde",
    "wxp://f2f0K5Y2abcdefghijklmnop",
    "alipays://platformapi/startapp?saId=10000007&qrcode=https%3A%2F%2Fqr.alipay.com",
    "https://qr.alipay.com/" + "a" * (512 - len("https://qr.alipay.com/")),
]


@pytest.mark.parametrize("link", BAD_LINKS.values(), ids=BAD_LINKS.keys())
def test_check_pay_link_refuses_with_a_message(link):
    with pytest.raises(ValueError) as refused:
        check_pay_link(link)
    message = str(refused.value)
    assert message and any("\u4e00" <= ch <= "\u9fff" for ch in message)


@pytest.mark.parametrize("link", GOOD_LINKS)
def test_check_pay_link_accepts(link):
    assert check_pay_link(f"  {link} ") == link


@pytest.mark.parametrize("key", ["tipping.wechat", "tipping.alipay"])
@pytest.mark.parametrize("link", BAD_LINKS.values(), ids=BAD_LINKS.keys())
def test_a_bad_default_link_is_refused_and_nothing_stored(ctx, key, link):
    set_setting(key, "wxp://f2f0before")

    with pytest.raises(InvalidInput) as refused:
        set_setting(key, link)

    assert "收款链接" in str(refused.value)
    db.session.expire_all()
    assert db.session.scalar(select(Setting.value).where(Setting.key == key)) == (
        "wxp://f2f0before"
    )
    assert get_setting(key) == "wxp://f2f0before"


def test_a_bad_first_link_leaves_no_row(ctx):
    with pytest.raises(InvalidInput):
        set_setting("tipping.alipay", "javascript:alert(1)")
    assert db.session.get(Setting, "tipping.alipay") is None


@pytest.mark.parametrize("link", GOOD_LINKS)
def test_good_default_links_are_stored_trimmed(ctx, link):
    assert set_setting("tipping.alipay", f" {link} ") == link
    assert db.session.get(Setting, "tipping.alipay").value == link


def test_the_cli_refuses_a_bad_link_with_status_2(app, runner):
    result = runner.invoke(
        args=["cms", "setting", "set", "tipping.wechat", "javascript:alert(1)"]
    )
    assert result.exit_code == 2
    assert "收款链接" in result.output
    with app.app_context():
        assert db.session.get(Setting, "tipping.wechat") is None
