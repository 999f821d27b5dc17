"""A form sent twice creates once (cms.services.submissions): the same key
gives what the first submission created, at once too; a failed submission
leaves its key free; old records are forgotten."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import FormSubmission, MenuItem, Role, utcnow
from cms.services import menus, submissions
from cms.services.errors import InvalidInput
from tests.factories import make_user


def _links() -> int:
    return db.session.scalar(select(func.count(MenuItem.id)))


def _add(user, label: str = "示例"):
    return lambda: menus.add_item(
        "friends", "url", user, url="https://example.org/", label=label
    )


def test_the_same_key_creates_once_and_gives_the_first(ctx):
    user = make_user(role=Role.EDITOR)
    key = submissions.new_key()

    first = submissions.once("menu_item", "u1", key, _add(user), MenuItem)
    again = submissions.once("menu_item", "u1", key, _add(user), MenuItem)

    assert again.id == first.id
    assert _links() == 1


def test_other_keys_senders_and_no_key_create_each_time(ctx):
    user = make_user(role=Role.EDITOR)
    key = submissions.new_key()

    submissions.once("menu_item", "u1", key, _add(user), MenuItem)
    submissions.once("menu_item", "u2", key, _add(user), MenuItem)  # another sender
    submissions.once("menu_item", "u1", submissions.new_key(), _add(user), MenuItem)
    submissions.once("menu_item", "u1", None, _add(user), MenuItem)
    submissions.once("menu_item", "u1", None, _add(user), MenuItem)

    assert _links() == 5


def test_a_refused_submission_leaves_its_key_free(ctx):
    user = make_user(role=Role.EDITOR)
    key = submissions.new_key()

    def refused():
        _add(user)()
        raise InvalidInput("不行")

    with pytest.raises(InvalidInput):
        submissions.once("menu_item", "u1", key, refused, MenuItem)
    assert _links() == 0
    made = submissions.once("menu_item", "u1", key, _add(user), MenuItem)
    assert made.id is not None and _links() == 1


def test_only_keys_of_the_right_shape_are_used():
    assert submissions.usable_key(submissions.new_key())
    for bad in (None, "", "short", "x" * 65, "has space in it!!", 12345678901234567):
        assert submissions.usable_key(bad) is None


def test_sent_twice_at_once_creates_once(shared_app):
    with shared_app.app_context():
        user_id = make_user(role=Role.EDITOR).id
    key = submissions.new_key()
    start = threading.Barrier(2)
    made, errors = [], []

    def send():
        try:
            with shared_app.app_context():
                from cms.models import User

                user = db.session.get(User, user_id)
                start.wait(timeout=30)
                made.append(
                    submissions.once("menu_item", "u1", key, _add(user), MenuItem).id
                )
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(made) == 2 and made[0] == made[1]
    with shared_app.app_context():
        assert _links() == 1


def test_old_records_are_forgotten(ctx):
    user = make_user(role=Role.EDITOR)
    submissions.once("menu_item", "u1", submissions.new_key(), _add(user), MenuItem)
    now = utcnow()

    assert submissions.forget_old(now) == 0
    assert submissions.forget_old(now + submissions.KEEP + timedelta(minutes=1)) == 1
    assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 0
