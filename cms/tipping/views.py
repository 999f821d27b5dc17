"""QR images for the tip box, and the beacon that counts opened tip boxes."""

from flask import Blueprint, Response, abort, current_app, request

from cms.extensions import csrf, limiter
from cms.services.tipping import count_open, qr_image

bp = Blueprint("tipping", __name__)

QR_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    # The image's own policy: an SVG opened on its own runs nothing.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    ),
}


def _beacon_limit() -> str:
    return current_app.config["TIP_BEACON_LIMIT"]


@bp.get("/<string(length=24):key>.svg")
def qr(key: str):
    """The QR image of a pay link in use; 404 for any other key. The URL
    changes with the link, so the answer is cached for a year; a client that
    already has it gets 304 without the image being drawn."""
    image = qr_image(key)
    if request.if_none_match.contains(image.etag):
        response = Response(status=304)
    else:
        response = Response(image.svg, content_type="image/svg+xml")
    response.set_etag(image.etag)
    response.headers.update(QR_HEADERS)
    return response


@bp.post("/<string(length=16):public_id>/open")
@csrf.exempt
@limiter.limit(_beacon_limit)
def opened(public_id: str):
    """A reader opened the tip box (the page's script says so once per view):
    count it. 204; 404 when readers cannot see the article or it has no tip
    box. No form and no token: it changes nothing but the counter."""
    if not count_open(public_id):
        abort(404)
    return "", 204
