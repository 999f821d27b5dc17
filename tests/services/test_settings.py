"""cms.services.settings: typed values, validation, storage, one read per context."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from cms.extensions import db
from cms.models import Setting
from cms.services import settings as service
from cms.services.errors import InvalidInput
from cms.services.setting_specs import SPECS, SettingSpec

DEFAULT_NOTICE = (
    "本文来自{contributor}投稿，不代表{site_name}立场，"
    "如若转载，请注明出处：{canonical_url}"
)


@pytest.fixture
def extra_specs(monkeypatch):
    """A yes/no and a bounded number setting (none ship yet; the comment
    settings of INTERFACE.md will be of these kinds)."""
    monkeypatch.setitem(SPECS, "test.flag", SettingSpec("test.flag", False, "a flag"))
    monkeypatch.setitem(
        SPECS,
        "test.count",
        SettingSpec("test.count", 15, "a count", minimum=0, maximum=3600),
    )


def stored() -> dict[str, str]:
    db.session.rollback()
    return {row.key: row.value for row in db.session.scalars(select(Setting))}


def test_defaults_without_any_stored_row(ctx):
    values = service.current_settings()
    assert values == {key: spec.default for key, spec in SPECS.items()}
    assert values["site.timezone"] == "Asia/Shanghai"
    assert values["site.reprint_notice"] == DEFAULT_NOTICE
    assert values["site.footer"] == ""
    assert stored() == {}


def test_set_then_get_round_trip(ctx):
    assert service.set_setting("site.name", "  资源分享网  ") == "资源分享网"
    assert service.get_setting("site.name") == "资源分享网"
    assert stored() == {"site.name": "资源分享网"}


def test_a_stored_value_is_seen_from_a_new_app_context(app):
    with app.app_context():
        service.set_setting("site.timezone", "Europe/Paris")
    with app.app_context():
        assert service.get_setting("site.timezone") == "Europe/Paris"


def test_setting_again_updates_the_one_row(ctx):
    service.set_setting("site.footer", "京ICP备1号")
    service.set_setting("site.footer", "京ICP备2号")
    assert stored() == {"site.footer": "京ICP备2号"}
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), (" yes ", True), ("on", True), ("1", True),
     ("false", False), ("No", False), ("off", False), ("0", False)],
)  # fmt: skip
def test_yes_no_values_are_parsed(ctx, extra_specs, raw, expected):
    assert service.set_setting("test.flag", raw) is expected
    assert service.get_setting("test.flag") is expected
    assert stored() == {"test.flag": "true" if expected else "false"}


@pytest.mark.parametrize("raw", ["maybe", "", "2", "yess", "truefalse"])
def test_a_bad_yes_no_value_is_refused(ctx, extra_specs, raw):
    with pytest.raises(InvalidInput, match="是/否"):
        service.set_setting("test.flag", raw)
    assert stored() == {}


def test_numbers_are_parsed_and_bounded(ctx, extra_specs):
    assert service.set_setting("test.count", " 30 ") == 30
    assert service.get_setting("test.count") == 30
    assert stored() == {"test.count": "30"}
    assert service.set_setting("test.count", "0") == 0
    assert service.set_setting("test.count", "3600") == 3600


@pytest.mark.parametrize(
    ("raw", "message"),
    [("abc", "不是整数"), ("1.5", "不是整数"), ("", "不是整数"),
     ("-1", "至少为 0"), ("3601", "至多为 3600")],
)  # fmt: skip
def test_a_bad_number_is_refused(ctx, extra_specs, raw, message):
    with pytest.raises(InvalidInput, match=message):
        service.set_setting("test.count", raw)
    assert stored() == {}
    assert service.get_setting("test.count") == 15


def test_an_unknown_key_is_refused_by_name(ctx):
    with pytest.raises(InvalidInput, match="unknown setting 'site.nope'"):
        service.set_setting("site.nope", "x")
    with pytest.raises(InvalidInput, match="unknown setting 'site.nope'"):
        service.get_setting("site.nope")
    assert stored() == {}


@pytest.mark.parametrize(
    "zone", ["Asia/Shanghai", "UTC", "America/New_York", " Asia/Tokyo "]
)
def test_known_time_zones_are_accepted(ctx, zone):
    assert service.set_setting("site.timezone", zone) == zone.strip()
    assert stored() == {"site.timezone": zone.strip()}


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "", "Asia/Shang hai", "../../etc/passwd", "/etc/localtime"]
)
def test_unknown_time_zones_are_refused(ctx, zone):
    with pytest.raises(InvalidInput, match="时区"):
        service.set_setting("site.timezone", zone)
    assert stored() == {}


@pytest.mark.parametrize(
    "template",
    [
        DEFAULT_NOTICE,
        "转载请注明：{canonical_url}（{title}）",
        "无占位符",
        "{{literal}} {site_name}",
    ],
)
def test_notices_with_known_placeholders_are_accepted(ctx, template):
    assert service.set_setting("site.reprint_notice", template) == template
    assert stored() == {"site.reprint_notice": template}


@pytest.mark.parametrize(
    ("template", "message"),
    [("来自{author}", "未知的占位符 {author}"),
     ("{0}", "未知的占位符 {0}"),
     ("{contributor.__class__}", "未知的占位符"),
     ("{contributor", "花括号不成对"),
     ("多余的 }", "花括号不成对")],
)  # fmt: skip
def test_notices_with_unknown_or_broken_placeholders_are_refused(
    ctx, template, message
):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        service.set_setting("site.reprint_notice", template)
    assert stored() == {}


def test_single_line_settings_refuse_several_lines(ctx):
    with pytest.raises(InvalidInput, match="只能填写一行"):
        service.set_setting("site.name", "第一行\n第二行")
    assert stored() == {}


def test_set_settings_stores_all_of_them(ctx):
    service.set_settings({"site.name": "甲", "site.timezone": "UTC"})
    assert stored() == {"site.name": "甲", "site.timezone": "UTC"}
    assert service.get_setting("site.name") == "甲"


def test_set_settings_is_all_or_nothing(ctx):
    service.set_setting("site.name", "旧名字")
    with pytest.raises(InvalidInput):
        service.set_settings(
            {
                "site.footer": "新页脚",
                "site.timezone": "Nowhere/City",
                "site.name": "新名字",
            }
        )
    assert stored() == {"site.name": "旧名字"}
    assert service.get_setting("site.name") == "旧名字"


def test_set_settings_with_an_unknown_key_stores_nothing(ctx):
    with pytest.raises(InvalidInput, match="unknown setting"):
        service.set_settings({"site.name": "甲", "no.such": "x"})
    assert stored() == {}


def test_a_stored_value_that_no_longer_validates_falls_back_to_the_default(ctx):
    db.session.add_all(
        [
            Setting(key="site.timezone", value="Gone/Zone"),
            Setting(key="old.key", value="x"),
        ]
    )
    db.session.commit()
    values = service.current_settings()
    assert values["site.timezone"] == "Asia/Shanghai"
    assert "old.key" not in values


def test_listed_settings_is_every_key_sorted_as_text(ctx, extra_specs):
    service.set_settings({"site.name": "资源分享网", "test.flag": "yes"})
    listed = service.listed_settings()
    assert [key for key, _ in listed] == sorted(SPECS)
    assert dict(listed)["site.name"] == "资源分享网"
    assert dict(listed)["test.flag"] == "true"
    assert dict(listed)["test.count"] == "15"


@pytest.fixture
def settings_selects(app):
    """A list that collects every SELECT reading the settings table."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def listen(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*SELECT\b", statement, re.I) and re.search(
            r"\bFROM settings\b", statement, re.I
        ):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def test_settings_are_read_at_most_once_per_app_context(app, settings_selects):
    with app.app_context():
        for _ in range(3):
            service.current_settings()
            service.get_setting("site.name")
        service.listed_settings()
        assert len(settings_selects) == 1
    with app.app_context():
        service.get_setting("site.timezone")
        service.get_setting("site.name")
    assert len(settings_selects) == 2


def test_a_change_is_seen_at_once_in_the_same_context(app, settings_selects):
    with app.app_context():
        assert service.get_setting("site.name") == SPECS["site.name"].default
        service.set_setting("site.name", "新名字")
        assert service.get_setting("site.name") == "新名字"
        service.get_setting("site.footer")
    # One full read before the change and one after it, not one per call (the
    # change itself looks up the row it updates by key).
    full_reads = [s for s in settings_selects if "WHERE" not in s.upper()]
    assert len(full_reads) == 2


def test_settings_are_read_once_per_request(app, client, settings_selects):
    assert client.get("/").status_code == 200
    assert len(settings_selects) == 1
    assert client.get("/").status_code == 200
    assert len(settings_selects) == 2
