"""Uploaded files (article images, logo, favicon, avatars), served from the
media store with headers that make them safe to serve from the site's origin."""

from flask import Response, send_file

from cms.public.views import bp
from cms.services.media import media_file

ONE_YEAR = 365 * 24 * 3600
# A stored file is an image; were a browser ever to render one as a document,
# it runs nothing and reaches nothing.
MEDIA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


@bp.get("/media/<path:key>")
def media(key: str):
    """A stored upload; its key is a hash of its bytes, so it never changes
    and may be cached for a year. The content type is the stored format's."""
    stored = media_file(key)
    if stored.path is not None:
        answer = send_file(
            stored.path,
            mimetype=stored.content_type,
            max_age=ONE_YEAR,
            conditional=True,
            etag=True,
        )
    else:
        answer = Response(stored.data, mimetype=stored.content_type)
        answer.cache_control.public = True
        answer.cache_control.max_age = ONE_YEAR
        answer.set_etag(key.replace("/", "-"))
    answer.cache_control.immutable = True
    answer.headers["X-Content-Type-Options"] = "nosniff"
    answer.headers["Content-Security-Policy"] = MEDIA_CSP
    answer.headers["Cross-Origin-Resource-Policy"] = "same-site"
    return answer
