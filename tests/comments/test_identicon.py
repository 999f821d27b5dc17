"""Generated avatars: one <svg class="avatar"> per comment, the same for the
same e-mail, different for different ones; the e-mail never reaches the page."""

from __future__ import annotations

import hashlib
import re

from cms.text.identicon import identicon_svg
from tests.comments.support import article_path, comment_items, parse
from tests.factories import make_comment

EMAILS = ["zhang.san@example.cn", "li.si@example.cn", "wang.wu@example.org"]


def _avatar(item) -> str:
    avatars = item.select(":scope > article svg.avatar")
    assert len(avatars) == 1
    return str(avatars[0])


def test_one_avatar_per_comment_deterministic_per_email(app, client, article):
    with app.app_context():
        for email in EMAILS + [EMAILS[0].upper()]:
            make_comment(article, author_email=email)

    response = client.get(article_path(article.public_id))
    page = parse(response)

    items = comment_items(page)
    assert len(items) == 4
    avatars = [_avatar(i) for i in items]
    assert avatars[0] == avatars[3]  # same address (case does not matter)
    assert len(set(avatars[:3])) == 3  # three addresses, three pictures
    again = [
        _avatar(i) for i in comment_items(parse(client.get(response.request.path)))
    ]
    assert again == avatars
    html = response.get_data(as_text=True).lower()
    for email in EMAILS:
        assert email not in html
        assert email.split("@")[0] not in html
        assert hashlib.md5(email.encode()).hexdigest() not in html  # no Gravatar
        assert hashlib.sha256(email.encode()).hexdigest() not in html


def test_identicon_is_keyed_and_carries_no_address():
    one = identicon_svg("zhang.san@example.cn", b"key-one")

    assert one == identicon_svg("  Zhang.San@Example.CN ", b"key-one")
    assert one != identicon_svg("zhang.san@example.cn", b"key-two")
    assert one != identicon_svg("li.si@example.cn", b"key-one")
    assert "zhang" not in one and "example" not in one.replace("w3.org", "")
    assert one.startswith('<svg class="avatar"')


def test_identicons_differ_across_many_addresses():
    pictures = {identicon_svg(f"reader{n}@example.cn", b"k") for n in range(200)}

    assert len(pictures) >= 190


def _cells(svg: str) -> set[tuple[int, int]]:
    """The filled cells of an identicon: each `M x y h w v1 h-w z` of its path
    is a run of w cells in row y from column x."""
    path = re.search(r' d="([^"]*)"', svg)
    assert path is not None
    runs = re.findall(r"M(\d) (\d)h(\d)v1h-(\d)z", path.group(1))
    assert "".join(f"M{x} {y}h{w}v1h-{w2}z" for x, y, w, w2 in runs) == path.group(1)
    return {(int(x) + i, int(y)) for x, y, w, _ in runs for i in range(int(w))}


def test_identicon_is_a_mirrored_five_by_five_picture():
    for n in range(300):
        cells = _cells(identicon_svg(f"reader{n}@example.cn", b"k"))

        assert all(1 <= x <= 5 and 1 <= y <= 5 for x, y in cells)
        assert cells == {(6 - x, y) for x, y in cells}  # left and right mirror
    assert {frozenset(_cells(identicon_svg(f"r{n}@x.cn", b"k"))) for n in range(50)}
