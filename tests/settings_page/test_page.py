"""The settings page: every group with the current values; a POST stores all
of it with one audit entry, or (any bad value) none of it."""

from __future__ import annotations

import pytest

from cms.services.audit_actions import action_name
from cms.services.setting_specs import SPECS
from cms.services.settings import set_settings
from tests.settings_page.conftest import (
    PAGE,
    audit_entries,
    form_data,
    parse,
    stored_settings,
)


def field_error(soup, name: str) -> str:
    """The error shown beside the field named `name` ("" for none)."""
    field = soup.select_one(f'[name="{name}"]')
    assert field is not None, name
    box = field.find_parent(class_="field")
    error = box.select_one(".field-error")
    return error.get_text(strip=True) if error else ""


def test_every_group_is_shown_with_its_heading(staff):
    soup = parse(staff.get(PAGE))
    headings = [h.get_text(strip=True) for h in soup.select(".settings-group h2")]
    assert headings == [
        "站点",
        "评论",
        "通知",
        "打赏",
        "统计代码",
        "图片上传",
        "备份",
        "登录安全",
    ]
    comments = soup.select_one("#group-comments")
    keys = {f["name"] for f in comments.select("[name]")}
    assert {k for k in SPECS if k.startswith("comments.")} <= keys
    assert "moderation.email_digest_minutes" in keys
    tipping = soup.select_one("#group-tipping")
    assert {f["name"] for f in tipping.select("input[type=text]")} == {
        "tipping.wechat",
        "tipping.alipay",
    }
    # Editors see that the analytics code exists, not its fields.
    analytics = soup.select_one("#group-analytics")
    assert analytics.select("[name]") == []
    assert "只有管理员可以修改" in analytics.get_text()


def test_admins_see_the_analytics_fields(boss):
    soup = parse(boss.get(PAGE))
    assert soup.select_one("#group-analytics textarea[name='site.analytics']")
    assert soup.select_one("#group-analytics input[name='site.analytics_host']")


def test_fields_show_current_values_with_chinese_labels(app, staff):
    with app.app_context():
        set_settings({"site.name": "资源分享网", "site.timezone": "Europe/Berlin",
                      "comments.hold_first": "false", "comments.max_links": "7",
                      "comments.disallowed": "加微信\nspam@example.cn",
                      "site.icp_number": "京ICP备12345678号"})  # fmt: skip
    soup = parse(staff.get(PAGE))
    data = form_data(soup)
    assert data["site.name"] == "资源分享网"
    assert data["site.timezone"] == "Europe/Berlin"
    assert data["comments.max_links"] == "7"
    assert data["comments.disallowed"] == "加微信\nspam@example.cn"
    assert data["site.icp_number"] == "京ICP备12345678号"
    assert "comments.hold_first" not in data  # unchecked
    assert soup.select_one("label[for=site-name]").get_text() == "网站名称"
    assert soup.select_one("label[for=site-icp-number]").get_text() == "ICP 备案号"
    max_links = soup.select_one("[name='comments.max_links']")
    assert (max_links["type"], max_links["min"], max_links["max"]) == (
        "number",
        "0",
        "100",
    )
    for name in ("site.footer", "site.reprint_notice", "comments.moderation_words",
                 "comments.disallowed"):  # fmt: skip
        assert soup.select_one(f"[name='{name}']").name == "textarea", name
    for name in ("comments.require_approval", "comments.hold_first"):
        assert soup.select_one(f"[name='{name}']")["type"] == "checkbox"


def test_time_zones_are_a_select_with_shanghai_first(staff):
    options = parse(staff.get(PAGE)).select("select[name='site.timezone'] option")
    assert options[0]["value"] == "Asia/Shanghai"
    assert options[0].has_attr("selected")
    values = [o["value"] for o in options]
    assert "America/New_York" in values and len(values) > 300


def test_site_url_is_shown_read_only_and_cannot_be_posted(app, send, staff):
    field = parse(staff.get(PAGE)).select_one("#site-url")
    assert field["value"] == "http://cms.test"
    assert field.has_attr("readonly") and not field.has_attr("name")
    response = send({"SITE_URL": "https://evil.example", "site.url": "x"})
    assert response.status_code == 303
    assert app.config["SITE_URL"] == "http://cms.test"
    assert stored_settings(app) == {}
    assert audit_entries(app) == []


def test_a_valid_post_stores_the_changes_with_one_audit_entry(app, send, staff):
    response = send({"site.name": "资源分享网", "comments.flood_seconds": "30",
                     "site.timezone": "Asia/Tokyo", "site.footer": "第一行\r\n第二行",
                     "comments.require_approval": "true",
                     "tipping.wechat": "wxp://f2f0abcdef"})  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"] == PAGE
    assert stored_settings(app) == {
        "site.name": "资源分享网",
        "comments.flood_seconds": "30",
        "site.timezone": "Asia/Tokyo",
        "site.footer": "第一行\n第二行",
        "comments.require_approval": "true",
        "tipping.wechat": "wxp://f2f0abcdef",
    }
    (entry,) = audit_entries(app)
    assert entry.target_type == "setting"
    assert entry.actor_id is not None
    assert entry.changes == {
        "site.name": {"from": "我的网站", "to": "资源分享网"},
        "comments.flood_seconds": {"from": "15", "to": "30"},
        "site.timezone": {"from": "Asia/Shanghai", "to": "Asia/Tokyo"},
        "site.footer": {"from": "", "to": "第一行\n第二行"},
        "comments.require_approval": {"from": "false", "to": "true"},
        "tipping.wechat": {"from": "", "to": "wxp://f2f0abcdef"},
    }
    page = parse(staff.get(PAGE))
    assert "已保存" in page.select_one(".flashes").get_text()
    assert form_data(page)["site.name"] == "资源分享网"


def test_the_audit_action_is_named_in_chinese():
    assert action_name("settings") == "修改设置"


def test_posting_the_page_unchanged_stores_nothing_and_records_nothing(app, send):
    response = send({})
    assert response.status_code == 303
    assert stored_settings(app) == {}
    assert audit_entries(app) == []


def test_a_checkbox_round_trips_false_and_true(app, send, staff):
    assert send({"comments.hold_first": None}).status_code == 303
    assert stored_settings(app) == {"comments.hold_first": "false"}
    assert "comments.hold_first" not in form_data(parse(staff.get(PAGE)))
    assert send({"comments.hold_first": "true"}).status_code == 303
    assert stored_settings(app) == {"comments.hold_first": "true"}
    assert form_data(parse(staff.get(PAGE)))["comments.hold_first"] == "true"
    changes = [e.changes["comments.hold_first"] for e in audit_entries(app)]
    assert changes == [{"from": "true", "to": "false"}, {"from": "false", "to": "true"}]


BAD_VALUES = [
    ("comments.flood_seconds", "abc", "不是整数"),
    ("comments.max_links", "-1", "至少为 0"),
    ("comments.max_depth", "11", "至多为 10"),
    ("site.timezone", "Mars/Olympus", "不是已知的时区"),
    ("site.reprint_notice", "来自{author}", "未知的占位符 {author}"),
    ("site.reprint_notice", "来自{contributor", "花括号不成对"),
    ("tipping.alipay", "javascript:alert(1)", "收款链接须以"),
    ("site.name", "两\n行", "只能填写一行"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_VALUES)
def test_a_bad_value_is_refused_beside_its_field_and_nothing_is_stored(
    app, send, name, value, message
):
    response = send({name: value, "site.footer": "有效的新页脚",
                     "comments.hold_first": None})  # fmt: skip
    assert response.status_code == 400
    soup = parse(response)
    assert message in field_error(soup, name)
    assert field_error(soup, "site.footer") == ""
    assert "所有设置都还没有保存" in soup.select_one(".form-error").get_text()
    # Every typed value comes back as typed, the unchecked box unchecked.
    data = form_data(soup)
    assert data[name] == value
    assert data["site.footer"] == "有效的新页脚"
    assert "comments.hold_first" not in data
    # All or nothing: the valid changes of the same POST are not stored.
    assert stored_settings(app) == {}
    assert audit_entries(app) == []


def test_several_bad_values_are_all_reported_at_once(app, send):
    response = send({"comments.flood_seconds": "abc", "site.timezone": "Nowhere",
                     "site.name": "有效"})  # fmt: skip
    assert response.status_code == 400
    soup = parse(response)
    assert "不是整数" in field_error(soup, "comments.flood_seconds")
    assert "时区" in field_error(soup, "site.timezone")
    summary = soup.select_one(".form-error")
    assert "有 2 项需要修改" in summary.get_text()
    links = [(a["href"], a.get_text()) for a in summary.select("a")]
    assert links == [
        ("#site-timezone", "时区"),
        ("#comments-flood-seconds", "两次评论的最短间隔（秒）"),
    ]
    assert stored_settings(app) == {}


def test_the_errors_are_tied_to_their_fields_for_screen_readers(send):
    soup = parse(send({"comments.max_links": "x"}))
    field = soup.select_one("[name='comments.max_links']")
    assert field["aria-invalid"] == "true"
    assert field["type"] == "text"  # a number input would hide the "x"
    error_id = field["aria-describedby"].split()[-1]
    assert "不是整数" in soup.select_one(f"#{error_id}").get_text()


def test_a_text_field_missing_from_the_post_is_left_unchanged(app, staff):
    with app.app_context():
        set_settings({"site.name": "旧名字"})
    data = form_data(parse(staff.get(PAGE)))
    del data["site.name"]
    data["site.footer"] = "新页脚"
    assert staff.post(PAGE, data=data).status_code == 303
    stored = stored_settings(app)
    assert stored["site.name"] == "旧名字"
    assert stored["site.footer"] == "新页脚"
