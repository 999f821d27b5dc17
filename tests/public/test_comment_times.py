"""The comment list writes each comment's time as the `localtime` filter's
"datetime" format does, cut from the ISO text it writes anyway
(cms.public.comment_list.shown_time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cms.public.comment_list import shown_time
from cms.templating import DATE_FORMATS


def test_shown_time_is_the_datetime_format():
    start = datetime(1999, 12, 31, 15, 59, 59, tzinfo=UTC)
    for zone in ("Asia/Shanghai", "UTC", "America/St_Johns", "Asia/Kathmandu"):
        for hours in range(0, 24 * 400, 37):
            local = (start + timedelta(hours=hours, seconds=hours)).astimezone(
                ZoneInfo(zone)
            )
            expected = local.strftime(DATE_FORMATS["datetime"])
            assert shown_time(local.isoformat(timespec="seconds")) == expected
