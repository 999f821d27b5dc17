"""Names a commenter may not take: any that looks like an account's."""

from __future__ import annotations

from sqlalchemy import select

from cms.extensions import db
from cms.models import User
from cms.text.names import look_alike_keys

LOOK_ALIKE_MESSAGE = "这个昵称与本站工作人员的名字相同或过于相似，请换一个昵称"


def looks_like_an_account(name: str, user_id: int | None = None) -> bool:
    """Whether `name` looks like (cms.text.names: UTS #39 skeletons, case,
    width and spaces ignored) the display name or the username of an account
    other than `user_id`'s. Every account counts, whatever its role and
    whether it is active: their names are the ones readers see on articles
    and staff replies. Which account it resembles is not said (usernames
    are log-in names)."""
    keys = look_alike_keys(name)
    if not keys:
        return False
    query = select(User.username, User.display_name)
    if user_id is not None:
        query = query.where(User.id != user_id)
    return any(
        not keys.isdisjoint(look_alike_keys(own))
        for row in db.session.execute(query)
        for own in row
        if own
    )
