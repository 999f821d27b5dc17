"""Commenters' names: stored without bidi controls or zero-width characters;
a name that looks like an account's (UTS #39 skeleton) is refused with the
form again and nothing stored; ordinary names pass; display names of
accounts are cleaned the same way."""

from __future__ import annotations

import pytest

from cms.models import Role
from cms.services.commenter_names import LOOK_ALIKE_MESSAGE
from cms.services.users import create_user
from tests.comments.support import log_in, parse, post_comment, reader, rows
from tests.factories import make_user


@pytest.fixture
def staff(app):
    with app.app_context():
        make_user("linqing", Role.EDITOR, display_name="林清")
        make_user("admin", Role.ADMIN, display_name="站长")


@pytest.mark.parametrize(
    "name",
    [
        "аdmin",  # Cyrillic а
        "ＡＤＭＩＮ",
        "Admin",
        "站\u200b长",
        "林 清",
        "\u202e林清",
        "linqіng",  # Cyrillic і
    ],
)
def test_a_name_like_a_staff_members_is_refused(app, client, article, staff, name):
    response = post_comment(client, article.public_id, **reader(author=name))

    assert response.status_code == 400
    assert LOOK_ALIKE_MESSAGE in parse(response).get_text()
    with app.app_context():
        assert rows() == []


@pytest.mark.parametrize("name", ["张伟", "王芳", "林晴", "老读者", "adminfan"])
def test_ordinary_names_pass(app, client, article, staff, name):
    response = post_comment(client, article.public_id, **reader(author=name))

    assert response.status_code == 303
    with app.app_context():
        assert [c.author_name for c in rows()] == [name]


def test_bidi_and_zero_width_characters_are_stripped(app, client, article):
    name = "\u202e小\u200b明\u2066\u200f\ufeff"
    response = post_comment(client, article.public_id, **reader(author=name))

    assert response.status_code == 303
    with app.app_context():
        assert [c.author_name for c in rows()] == ["小明"]


def test_staff_may_comment_under_their_own_name(app, client, article, staff):
    log_in(client, "linqing")
    response = post_comment(client, article.public_id, **reader(author="林清"))

    assert response.status_code == 303
    with app.app_context():
        assert [c.author_name for c in rows()] == ["林清"]


def test_staff_may_not_take_another_staff_name(app, client, article, staff):
    log_in(client, "linqing")
    response = post_comment(client, article.public_id, **reader(author="站长"))

    assert response.status_code == 400
    with app.app_context():
        assert rows() == []


def test_display_names_are_stored_clean(app):
    with app.app_context():
        user = create_user("someone", Role.EDITOR, None, "\u202e编\u200d辑\u2069 小王")
        assert user.display_name == "编辑 小王"
