"""Uploaded files (logo, favicon, avatars), served from the media store."""

from flask import send_file

from cms.public.views import bp
from cms.services.media import media_file

ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/<path:key>")
def media(key: str):
    """A stored upload; its key is a hash of its bytes, so it never changes
    and may be cached for a year."""
    path = media_file(key)
    answer = send_file(path, max_age=ONE_YEAR, conditional=True, etag=True)
    answer.cache_control.immutable = True
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer
