"""The media library page and the editor's upload endpoint.

Everyone logged in may upload and sees their own uploads; editors and
admins see every upload and may force a deletion. The page works without
JavaScript; the editor's script uses the JSON endpoint for drop, paste and
progress."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from cms.extensions import limiter
from cms.models import Role
from cms.moderation.views import bp, open_to
from cms.params import page_arg
from cms.services.errors import Conflict, InvalidInput, NotAllowed
from cms.services.media_library import (
    PER_PAGE,
    can_see_all,
    delete_upload,
    image_markdown,
    library,
    store_upload,
    upload_limits,
)


def _upload_limit() -> str:
    return current_app.config["MEDIA_UPLOAD_LIMIT"]


def _uploader() -> str:
    return f"media-upload:{current_user.id}"


@bp.get("/media")
@open_to(*Role)
def media_library():
    """Every upload the user may see, newest first, with search."""
    q = (request.args.get("q") or "").strip()[:100]
    page = page_arg()
    items, total = library(current_user, q, page)
    return render_template(
        "moderation/media.html",
        items=items,
        total=total,
        q=q,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        sees_all=can_see_all(current_user),
        limits=upload_limits(),
    )


@bp.post("/media")
@open_to(*Role)
@limiter.limit(_upload_limit, key_func=_uploader)
def media_upload_form():
    """Upload from the library page (no JavaScript needed)."""
    files = [f for f in request.files.getlist("images") if f and f.filename]
    if not files:
        flash("请选择要上传的图片。", "error")
    stored = 0
    for upload in files:
        try:
            store_upload(upload.read(), current_user.id, upload.filename or "",
                         request.form.get("alt", ""))  # fmt: skip
            stored += 1
        except InvalidInput as error:
            flash(f"{upload.filename}：{error}", "error")
    if stored:
        flash(f"已上传 {stored} 张图片。", "success")
    return redirect(url_for("moderation.media_library"), 303)


@bp.post("/media/upload")
@open_to(*Role)
@limiter.limit(_upload_limit, key_func=_uploader)
def media_upload():
    """One image from the editor's script: {"id", "key", "url", "markdown",
    "width", "height"}; 400 {"error"} with nothing stored when refused."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(error="请选择一个图片文件"), 400
    alt = (request.form.get("alt") or "").strip()
    try:
        use = store_upload(upload.read(), current_user.id, upload.filename, alt)
    except InvalidInput as error:
        return jsonify(error=str(error)), 400
    media = use.media
    return jsonify(
        id=media.id,
        key=media.key,
        url=f"/media/{media.key}",
        markdown=image_markdown(alt, media.key),
        width=media.width,
        height=media.height,
    )


@bp.post("/media/<int:media_id>/delete")
@open_to(*Role)
def media_delete(media_id: int):
    """Delete the user's use of an upload (the file with the last use);
    refused while an article shows it unless `force` (editors, admins)."""
    force = request.form.get("force") == "y"
    try:
        gone = delete_upload(media_id, current_user, force=force)
    except (NotAllowed, Conflict) as error:
        flash(str(error), "error")
        return redirect(url_for("moderation.media_library"), 303)
    kept = "已从你的图片库中移除（其他人仍在使用这张图片）。"
    flash("图片已删除。" if gone else kept, "success")
    return redirect(url_for("moderation.media_library"), 303)
