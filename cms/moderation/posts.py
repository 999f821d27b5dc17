"""The posts area: the list, the editor with its live preview, and the
workflow's buttons (submit, publish, send back, trash, restore).

Every route here is open to every role; the service decides per article. A
contributor asking for another's article gets 404 (ids are not probed); a
change they may not make to their own gets 403.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from cms.extensions import db
from cms.forms import submission_key, to_id_or
from cms.models import Article, MediaFile, Role, utcnow
from cms.moderation.post_forms import (
    EditPostForm,
    PostFilterForm,
    PostForm,
    SendBackForm,
    editor_data,
    site_zone,
    split_picks,
)
from cms.moderation.post_workflow import (
    FIELD_LABELS,
    STATUS_LABELS,
    TAB_LABELS,
    article_or_404,
    field_text,
    state_of,
)
from cms.moderation.views import bp, open_to
from cms.params import int_arg, page_arg
from cms.services import article_access as access
from cms.services import (
    article_changes,
    article_edits,
    article_workflow,
    editorial,
    submissions,
)
from cms.services import autosave as autosaves
from cms.services.errors import EditConflict, InvalidInput
from cms.services.media_library import (
    image_markdown,
    recent_uploads,
    store_upload,
    upload_limits,
)
from cms.services.post_list import (
    TABS,
    authors,
    category_tree,
    posts_query,
    tab_counts,
)
from cms.services.related import picks as related_picks
from cms.services.revisions import compare
from cms.text.reading import reading_of

PER_PAGE = 20


@bp.get("/posts")
@open_to(*Role)
def posts():
    """The list: status tabs with counts, search and filters, 20 a page
    (a contributor's own articles only)."""
    query = PostFilterForm(formdata=request.args)
    query.set_choices(authors() if current_user.is_staff else [], category_tree())
    filter_ = query.to_filter()
    page = db.paginate(
        posts_query(current_user, filter_),
        page=page_arg(),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "moderation/posts.html",
        query=query,
        filter=filter_,
        page=page,
        counts=tab_counts(current_user, filter_),
        tabs=TABS,
        tab_labels=TAB_LABELS,
        status_labels=STATUS_LABELS,
        state_of=state_of,
        now=utcnow(),
    )


def _publish_label(article: Article | None, form: PostForm) -> str:
    """发布, 定时发布 when the chosen time is ahead, 更新 on a published article."""
    chosen = form.published_at.data
    if chosen is not None and chosen.replace(tzinfo=site_zone()) > utcnow():
        return "定时发布"
    if article is not None and article.status.value == "published":
        return "更新"
    return "发布"


def _editor(
    form: PostForm,
    article: Article | None = None,
    status: int = 200,
    send_back: SendBackForm | None = None,
    conflict: dict | None = None,
    offer: autosaves.Offer | None = None,
    related_found: list[related_picks.Found] | None = None,
):
    """The editor page for `form` (what the user typed, on errors); `offer`:
    an autosaved copy to offer back; `related_found`: the articles a title
    search for the related picks found."""
    form.set_categories(category_tree())
    cover_id = to_id_or(form.cover_media_id.data or 0, 0)
    cover = db.session.get(MediaFile, cover_id) if cover_id else None
    staff = current_user.is_staff
    pending = article is not None and article.status.value == "pending"
    try:
        article_id = article.id if article is not None else None
        html = editorial.preview_html(form.body.data or "", article_id)
        preview = Markup(html)  # noqa: S704  # nosec B704  # sanitised by render_body
    except InvalidInput:
        preview = Markup("")
    return render_template(
        "moderation/post_edit.html",
        form=form,
        article=article,
        state=state_of(article) if article else "new",
        edition=article_changes.edition_of(article) if article else None,
        readonly=article is not None and not access.can_edit(current_user, article),
        can_trash=article is not None and access.can_trash(current_user, article),
        send_back=(send_back or SendBackForm(formdata=None))
        if staff and pending
        else None,
        publish_label=_publish_label(article, form),
        preview=preview,
        cover=cover,
        recent_uploads=recent_uploads(current_user),
        upload_errors=getattr(form, "upload_errors", {}),
        upload_limits=upload_limits(),
        reading=reading_of(preview),
        conflict=conflict,
        offer=offer,
        autosave_url=url_for("moderation.post_autosave", article_id=article.id)
        if article is not None
        else url_for("moderation.post_autosave_new"),
        field_labels=FIELD_LABELS,
        field_text=field_text,
        status_labels=STATUS_LABELS,
        pick_titles=related_picks.titles_of(
            split_picks(form.related_pins.data)
            + split_picks(form.related_excluded.data)
        )
        if staff
        else {},
        related_found=related_found,
        split_picks=split_picks,
    ), status


DONE = {
    "save": "已保存。",
    "submit": "已提交审核，编辑审阅后会发布。",
    "unpublish": "已撤回为草稿，读者看不到它了。",
}


def _done(action: str, article: Article) -> None:
    if action == "publish":
        when = article.published_at
        if access.is_scheduled(article):
            message = (
                f"已定时发布：将于 {when.astimezone(site_zone()):%Y-%m-%d %H:%M} 发布。"
            )
        else:
            message = "已发布，读者现在可以看到它。"
    else:
        message = DONE[action]
    flash(message, "success")


def _to_editor(article_id: int):
    return redirect(url_for("moderation.post_edit", article_id=article_id), 303)


def _chosen_files(name: str) -> list:
    return [f for f in request.files.getlist(name) if f and f.filename]


def _take_uploads(form: PostForm) -> int | None:
    """Store the images chosen in the editor's file fields (the way that
    works without JavaScript): each of `images` is stored for the current
    user and its Markdown (with the alt text typed) appended to the body;
    `cover_file` becomes the cover. Returns how many were stored, or None
    when one was refused (its message in form.upload_errors; those stored
    before it stay in the library)."""
    form.upload_errors = {}
    stored = 0
    lines = []
    for upload in _chosen_files("images"):
        try:
            use = store_upload(upload.read(), current_user.id, upload.filename,
                               form.image_alt.data or "")  # fmt: skip
        except InvalidInput as error:
            form.upload_errors["images"] = f"{upload.filename}：{error}"
            return None
        lines.append(image_markdown(form.image_alt.data or "", use.media.key))
        stored += 1
    if lines:
        body = (form.body.data or "").rstrip("\n")
        form.body.data = (body + "\n\n" if body else "") + "\n\n".join(lines) + "\n"
    for upload in _chosen_files("cover_file")[:1]:
        try:
            use = store_upload(upload.read(), current_user.id, upload.filename)
        except InvalidInput as error:
            form.upload_errors["cover_file"] = str(error)
            return None
        form.cover_media_id.data = str(use.media_id)
        form.remove_cover.data = False
        stored += 1
    return stored


def _picks(form: PostForm) -> editorial.RelatedPicks | None:
    """The related picks to save with the article: editors' and admins'
    only, and only when the form carried the fields (a form without them
    leaves the stored picks alone). Articles ticked in a title search's
    results are added to the fields first."""
    if not current_user.is_staff:
        return None
    form.add_picks(
        request.form.getlist("related_add_pin"),
        request.form.getlist("related_add_exclude"),
    )
    if "related_pins" not in request.form and "related_excluded" not in request.form:
        return None
    return form.to_picks()


def _store(form: PostForm, article: Article | None, save):
    """Validate the editor's form, then `save(edit, action, picks)` through
    the service (the related picks in the article's own transaction); answer
    as the area does: 303 to the editor, 400 with the form and its errors
    (a bad pick's beside its field), 409 on a version conflict, 403 / 404 on
    a refusal. Images chosen in the file fields are stored first (see
    _take_uploads); the `upload` button stores them and shows the editor
    again, unsaved, as the `find_related` button does with the articles
    whose titles match the related picks' search."""
    form.set_categories(category_tree())
    action = request.form.get("do", "save")
    picks = _picks(form)
    if action == "find_related":  # the related picks' title search, unsaved
        if not current_user.is_staff:
            return _editor(form, article, 403)
        found = related_picks.find_by_title(
            form.related_query.data or "", article.id if article else None
        )
        return _editor(form, article, related_found=found)
    if action == "upload":  # before the form's checks: a title may come later
        stored = _take_uploads(form)
        if stored:
            flash(
                f"已上传 {stored} 张图片，已插入正文末尾（文章尚未保存）。", "success"
            )
        return _editor(form, article, 400 if stored is None else 200)
    if not form.validate():
        return _editor(form, article, 400)
    if _take_uploads(form) is None:
        return _editor(form, article, 400)
    try:
        saved = save(form.to_edit(), action, picks)
    except EditConflict as conflict:
        return _conflict(form, article.id, conflict)
    except related_picks.PickError as error:
        field = form.related_pins if error.field == "pins" else form.related_excluded
        field.errors = [*field.errors, str(error)]
        return _editor(form, article, 400)
    except InvalidInput as error:
        form.form_errors.append(str(error))
        return _editor(form, article, 400)
    _done(action, saved)
    autosaves.discard(current_user, article.id if article is not None else None)
    return _to_editor(saved.id)


@bp.route("/posts/new", methods=["GET", "POST"])
@open_to(*Role)
def post_new():
    """A new article: saved as a draft, submitted, or (editors) published."""
    if request.method == "GET":
        form = PostForm(data={"allow_comments": True, "show_tip": True})
        return _editor_with_offer(form, None)
    key = submission_key()

    def save(edit, action, picks):
        # Sent twice (a double click): the article the first one saved.
        return submissions.once(
            "article",
            f"user:{current_user.id}",
            key,
            lambda: editorial.create(current_user, edit, action, picks),
            Article,
        )

    return _store(PostForm(), None, save)


@bp.route("/posts/<int:article_id>", methods=["GET", "POST"])
@open_to(*Role)
def post_edit(article_id: int):
    """The editor of an article: save, submit, publish or unpublish it, with
    the version check (409 with the diff when someone saved in between)."""
    article = article_or_404(article_id)
    if request.method == "GET":
        form = EditPostForm(formdata=None, data=editor_data(article))
        return _editor_with_offer(form, article)
    form = EditPostForm()

    def save(edit, action, picks):
        version = form.version_number
        return editorial.save(current_user, article_id, edit, version, action, picks)

    return _store(form, article, save)


def _editor_with_offer(form: PostForm, article: Article | None):
    """The editor on GET: the user's autosaved copy is offered back when it
    differs from what is saved; `?restore=1` puts it in the form, with the
    version it was based on (so a newer saved version is never overwritten
    unseen: saving meets the version check)."""
    offer = autosaves.offer_for(current_user, article)
    if offer is not None and request.args.get("restore") == "1":
        form.title.data = offer.copy.title
        form.body.data = offer.copy.body_markdown
        if article is not None:
            form.version.data = str(offer.copy.base_version)
        flash("已恢复自动保存的内容，检查后请保存。", "info")
        return _editor(form, article, offer=None)
    return _editor(form, article, offer=offer)


def _conflict(form: EditPostForm, article_id: int, conflict: EditConflict):
    """409: the user's text stays in the form, the diff from the saved
    version to it is shown, and the form now names the saved version, so
    saving again overwrites it deliberately."""
    article = article_or_404(article_id)
    mine = article_edits.proposed_snapshot(current_user, article, form.to_edit())
    last = article_edits.latest_revision(article_id)
    form.version.data = str(conflict.version)
    details = {
        "who": last.author.display_name if last and last.author else "其他人",
        "when": last.created_at if last else article.updated_at,
        "comparison": compare(conflict.current, mine),
    }
    return _editor(form, article, 409, conflict=details)


@bp.post("/posts/preview")
@open_to(*Role)
def post_preview():
    """The live preview: {"html": …}, rendered exactly as the public page
    renders the body. `?article_id=` (the article being edited) must be one
    the user may see."""
    article_id = int_arg("article_id", status=404)
    if article_id is not None:
        article_or_404(article_id)
    try:
        html = editorial.preview_html(request.form.get("markdown", ""), article_id)
    except InvalidInput as error:
        return jsonify(error=str(error)), 400
    return jsonify(html=html)


@bp.post("/posts/<int:article_id>/send-back")
def post_send_back(article_id: int):
    """An editor returns a pending article to its writer, with a reason
    (required: 400 with the editor again without one)."""
    article = article_or_404(article_id)
    form = SendBackForm()
    if not form.validate():
        return _editor(
            EditPostForm(formdata=None, data=editor_data(article)),
            article,
            400,
            send_back=form,
        )
    article_workflow.send_back(current_user, article_id, form.reason.data)
    flash("已退回，投稿者会在文章上看到退回原因。", "success")
    return _to_editor(article_id)
