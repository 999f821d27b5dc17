"""Spoofing by name: commenters' names (posted through the form) and display
names of accounts (through the accounts service the admin form and the CLI
use) with bidi controls (U+202A-E, U+2066-9, U+200E/F, U+061C) or zero-width
characters (U+200B-D, U+2060, U+FEFF) are stored without them; a commenter
name that looks like an account's display name or username (UTS #39
skeleton: Cyrillic letters for Latin ones, full-width letters, other case,
hidden or added spaces, mixed) is refused with the form again, and nothing is
stored; ordinary Chinese names pass.
FOUND: a stored name holding one of those characters, a look-alike stored or
not answered 400, an ordinary name refused."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from cms.extensions import db
from cms.models import Comment, Role, User
from cms.services.commenter_names import LOOK_ALIKE_MESSAGE
from cms.services.users import create_user
from tests.security.commenting import post_comment, quiet_timing
from tests.security.harness import Site, Tally, check, planted

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE = re.compile(f"[{BIDI}{ZERO_WIDTH}]")
CYRILLIC = str.maketrans("aceopxyiACEOPXHKMT", "асеорхуіАСЕОРХНКМТ")
ORDINARY = ["张伟", "王芳", "李娜", "刘洋", "林晴", "小雨点", "老读者", "财经迷"]


def _full_width(name: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)


NAME_MAX = 50  # the comment form's name limit (cms/public/comment_form.py)


def look_alikes(name: str) -> list[str]:
    """Names a reader would take for `name`."""
    middle = len(name) // 2
    made = [
        name.translate(CYRILLIC),
        _full_width(name),
        name.upper() if name.isascii() else f"{name[:middle]} {name[middle:]}",
        f"{name[:middle]}\u200b{name[middle:]}",
        f"\u202e{name}\u202c",
        _full_width(name[:middle]) + name[middle:].translate(CYRILLIC),
    ]
    return [m for m in dict.fromkeys(made) if m != name]


def _names(site: Site) -> list[str]:
    with site.context():
        rows = db.session.execute(select(User.username, User.display_name))
        return list(dict.fromkeys(name for row in rows for name in row if name))


def _stored_names(site: Site, email: str) -> list[str]:
    with site.context():
        return list(
            db.session.scalars(
                select(Comment.author_name).where(Comment.author_email == email)
            )
        )


def _fields(n: int, name: str) -> dict[str, str]:
    return {
        "author": name,
        "email": f"spoof{n}@example.cn",
        "body": f"第 {n} 条测试评论，内容各不相同。",
    }


@check("spoofing")
def run(site: Site) -> Tally:
    tally = Tally("spoofing")
    staff = _names(site)
    sample = staff[:3] if site.quick else staff
    n = 0
    with quiet_timing(site):
        for char in BIDI + ZERO_WIDTH:
            n += 1
            response = post_comment(
                site, _fields(n, f"读{char}者{n}"), f"198.51.100.{n}"
            )
            stored = _stored_names(site, f"spoof{n}@example.cn")
            tally.attempt(
                response.status_code != 303 or any(map(INVISIBLE.search, stored)),
                f"U+{ord(char):04X} in a name: {response.status_code} {stored!r}",
            )
        for name in sample:
            # Longer look-alikes cannot be typed as a name at all (the form
            # refuses them for their length): other checks may leave long
            # display names behind (privilege-by-content's probes).
            for fake in (f for f in look_alikes(name) if len(f) <= NAME_MAX):
                n += 1
                response = post_comment(site, _fields(n, fake), f"203.0.113.{n % 250}")
                page = response.get_data(as_text=True)
                stored = _stored_names(site, f"spoof{n}@example.cn")
                tally.attempt(
                    response.status_code != 400
                    or LOOK_ALIKE_MESSAGE not in page
                    or bool(stored),
                    f"{fake!r} (like {name!r}): {response.status_code} {stored!r}",
                )
        for name in ORDINARY:
            n += 1
            response = post_comment(site, _fields(n, name), f"198.18.0.{n % 250}")
            tally.attempt(
                response.status_code != 303,
                f"ordinary name {name!r} refused: {response.status_code}",
            )
    _display_names(site, tally)
    return tally


def _display_names(site: Site, tally: Tally) -> None:
    run_id = uuid.uuid4().hex[:8]
    with site.context():
        for n, char in enumerate(BIDI + ZERO_WIDTH):
            name = f"spoof-{run_id}-{n}"
            user = create_user(name, Role.CONTRIBUTOR, None, f"编{char}辑{n}")
            tally.attempt(
                bool(INVISIBLE.search(user.display_name)),
                f"U+{ord(char):04X} kept in a display name",
            )


@planted("spoofing")
def _names_unchecked(site: Site, monkeypatch) -> None:
    monkeypatch.setattr("cms.text.names._INVISIBLE", re.compile("(?!)"))
    monkeypatch.setattr("cms.text.names._visible", lambda char: True)
    monkeypatch.setattr(
        "cms.services.comments.looks_like_an_account", lambda *a, **k: False
    )
