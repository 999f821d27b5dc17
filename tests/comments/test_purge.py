"""Forgetting commenters' IP address and browser after
comments.purge_personal_days (cms.services.comments.purge_personal_data and
the purge-commenter-data job of `flask cms tick`)."""

from __future__ import annotations

from datetime import timedelta

from cms.models import utcnow
from cms.services.comments import purge_personal_data
from cms.services.settings import set_setting
from tests.comments.support import rows
from tests.factories import make_comment


def _aged(article, days: float, **overrides):
    return make_comment(
        article, created_at=utcnow() - timedelta(days=days),
        ip="203.0.113.9", user_agent="Mozilla/5.0 测试", **overrides,
    )  # fmt: skip


def _personal(comment_id: int) -> tuple[str | None, str | None]:
    row = next(r for r in rows() if r.id == comment_id)
    return row.ip, row.user_agent


def test_only_comments_older_than_the_setting_lose_ip_and_user_agent(ctx, article):
    old = _aged(article, 91, status="approved")
    old_spam = _aged(article, 200, status="spam")
    young = _aged(article, 89)
    new = _aged(article, 0.01)

    changed = purge_personal_data(utcnow())

    assert changed == 2
    assert _personal(old.id) == (None, None)
    assert _personal(old_spam.id) == (None, None)
    assert _personal(young.id) == ("203.0.113.9", "Mozilla/5.0 测试")
    assert _personal(new.id) == ("203.0.113.9", "Mozilla/5.0 测试")
    # Everything else is kept.
    kept = next(r for r in rows() if r.id == old.id)
    assert kept.body == old.body and kept.author_email == old.author_email
    assert purge_personal_data(utcnow()) == 0  # nothing left to clear


def test_the_setting_moves_the_limit(ctx, article):
    set_setting("comments.purge_personal_days", "30")
    month = _aged(article, 31)
    fortnight = _aged(article, 14)

    assert purge_personal_data(utcnow()) == 1

    assert _personal(month.id) == (None, None)
    assert _personal(fortnight.id) == ("203.0.113.9", "Mozilla/5.0 测试")


def test_flask_cms_tick_runs_the_purge(app, runner, article):
    with app.app_context():
        old = _aged(article, 120)
        young = _aged(article, 1)

    result = runner.invoke(args=["cms", "tick"])

    assert result.exit_code == 0, result.output
    assert "purge-commenter-data" in result.output
    with app.app_context():
        assert _personal(old.id) == (None, None)
        assert _personal(young.id) == ("203.0.113.9", "Mozilla/5.0 测试")
