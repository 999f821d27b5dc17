"""A form sent twice creates once: a double click, a browser sending the
form again (back, reload), a retry after a timeout, two tabs of one page.

A form that creates something carries a one-time key made when it is
rendered (`new_key`; the comment form's signed token plays that part). The
first submission with a key creates, and records what it created under the
key in the same transaction; a later submission with the same key creates
nothing and gets what the first created, so that its answer is the first
one's (the editor of the article saved, the comment posted). Two submissions
at once: the second waits for the first's transaction (the key's row) and
then finds what it made. A submission that fails (refused, rolled back)
records nothing, so the form can be sent again.

Keys are stored as a SHA-256 of the form's kind, its sender and the key, so
one sender's key means nothing in another's form; records are forgotten
after KEEP (the tick), longer than a form is reasonably left open before it
is sent twice.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cms.database import write_transaction
from cms.extensions import db
from cms.models import FormSubmission
from cms.services.errors import NotFound

KEEP = timedelta(days=2)
# What new_key makes (and all a client's key may be): URL-safe base64.
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class _HasId(Protocol):
    id: int


M = TypeVar("M", bound=_HasId)


def new_key() -> str:
    """A fresh one-time key for a form being rendered."""
    return secrets.token_urlsafe(16)


def usable_key(value: object) -> str | None:
    """The key a client sent, when it has the shape `new_key` gives; None
    (no protection, the form creates as before) for anything else."""
    if isinstance(value, str) and _KEY.fullmatch(value):
        return value
    return None


def _digest(form: str, sender: str, key: str) -> str:
    return hashlib.sha256(f"{form}\n{sender}\n{key}".encode()).hexdigest()


def earlier(form: str, sender: str, key: str | None) -> int | None:
    """What an earlier, committed submission with this key created (its id),
    or None. A read, for answering a repeat before any other check."""
    if key is None:
        return None
    return db.session.scalar(
        select(FormSubmission.target_id).where(
            FormSubmission.key == _digest(form, sender, key)
        )
    )


def claim(form: str, sender: str, key: str | None) -> int | None:
    """Inside a unit of work: take the key for this submission. None when it
    is this submission's (it goes on to create, then `record`s); else the id
    the earlier submission with this key created (this one must create
    nothing). A submission with the same key in a transaction still open
    elsewhere is waited for."""
    if key is None:
        return None
    digest = _digest(form, sender, key)
    values = {"key": digest, "form": form}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    taken = db.session.execute(
        insert(FormSubmission)
        .values(values)
        .on_conflict_do_nothing(index_elements=[FormSubmission.key])
        .returning(FormSubmission.key)
    ).first()
    if taken is not None:
        return None
    first = db.session.scalar(
        select(FormSubmission.target_id).where(FormSubmission.key == digest)
    )
    return first if first is not None else 0


def record(form: str, sender: str, key: str | None, target_id: int) -> None:
    """Name what the submission that claimed `key` created (same unit)."""
    if key is None:
        return
    db.session.execute(
        update(FormSubmission)
        .where(FormSubmission.key == _digest(form, sender, key))
        .values(target_id=target_id)
    )


def once(
    form: str, sender: str, key: str | None, create: Callable[[], M], model: type[M]
) -> M:
    """`create()` in one unit of work with the key's record, unless a
    submission with this key already created something: then that (a
    `model` row; NotFound when it is gone since). `create` opens its own
    write_transaction as services do (it joins this one)."""
    with write_transaction():
        first = claim(form, sender, key)
        if first is None:
            made = create()
            db.session.flush()
            record(form, sender, key, made.id)
            return made
    found = db.session.get(model, first)
    if found is None:
        raise NotFound(f"{form} {first}")
    return found


def forget_old(now: datetime) -> int:
    """Forget the records older than KEEP; returns how many."""
    statement = delete(FormSubmission).where(FormSubmission.created_at < now - KEEP)
    with write_transaction():
        result = cast(CursorResult[Any], db.session.execute(statement))
        return result.rowcount
