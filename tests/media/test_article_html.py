"""Article images: our stored images get their sizes (srcset/sizes, WebP
first), width and height and lazy loading; the sizes are served with the
media headers."""

from __future__ import annotations

from bs4 import BeautifulSoup

from cms.public.media import MEDIA_CSP
from cms.services.media_library import store_upload
from tests.factories import make_article, make_user
from tests.media import crafted


def test_a_stored_image_in_an_article_gets_its_sizes(media_app):
    owner = make_user()
    media = store_upload(crafted.photo_with_gps(1, size=(2000, 1000)), owner.id).media
    stem = media.key[:-4]

    article = make_article(
        body=f'看：\n\n![长城 "远景"](/media/{media.key} "八达岭")\n\n'
        "![外站](https://example.org/a.png)\n",
        owner=owner,
    )

    soup = BeautifulSoup(article.body_html, "html.parser")
    picture = soup.select_one("picture")
    source = picture.select_one("source")
    assert source["type"] == "image/webp"
    assert source["srcset"] == ", ".join(
        f"/media/{stem}-{w}.webp {w}w" for w in (480, 960, 1600)
    )
    img = picture.select_one("img")
    assert img["src"] == f"/media/{stem}-960.jpg"
    assert img["srcset"].endswith(f"/media/{media.key} 2000w")
    assert f"/media/{stem}-480.jpg 480w" in img["srcset"]
    assert img["sizes"] == source["sizes"] and "100vw" in img["sizes"]
    assert (img["width"], img["height"]) == ("2000", "1000")
    assert img["loading"] == "lazy"
    assert img["alt"] == '长城 "远景"' and img["title"] == "八达岭"
    other = [i for i in soup.select("img") if "example.org" in i["src"]]
    assert other and other[0].find_parent("picture") is None


def test_every_size_is_served_with_the_media_headers(media_app):
    media = store_upload(
        crafted.photo_with_gps(1, size=(1000, 600)), make_user().id
    ).media
    client = media_app.test_client()
    stem = media.key[:-4]

    for path, mimetype in [
        (media.key, "image/jpeg"),
        (f"{stem}-480.jpg", "image/jpeg"),
        (f"{stem}-960.webp", "image/webp"),
    ]:
        answer = client.get(f"/media/{path}")
        assert answer.status_code == 200, path
        assert answer.mimetype == mimetype
        assert answer.headers[
            "Cache-Control"
        ] == "public, max-age=31536000, immutable" or (
            "max-age=31536000" in answer.headers["Cache-Control"]
            and "immutable" in answer.headers["Cache-Control"]
        )
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Security-Policy"] == MEDIA_CSP
    assert client.get(f"/media/{stem}-1600.jpg").status_code == 404
