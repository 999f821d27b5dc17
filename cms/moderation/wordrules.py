"""Word rules in the area (editors and admins): list, search, add, edit,
remove, import and export as TSV, the test box, the dry run of a rule before
it is saved, re-application to published articles; and, per article, the
editor's view of what the rules change with one-occurrence exemptions."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cms.forms import submission_key
from cms.models import WordRule
from cms.moderation.views import bp
from cms.moderation.wordrule_forms import (
    MAX_IMPORT_LENGTH,
    ImportForm,
    TestForm,
    WordRuleForm,
)
from cms.params import page_arg
from cms.services import article_words, submissions, wordrule_store, wordrules
from cms.services.errors import InvalidInput
from cms.text.wordfilter import (
    ACTION_LABELS,
    KIND_LABELS,
    SCOPE_LABELS,
    Action,
    Kind,
    Matcher,
)

LABELS = {"actions": ACTION_LABELS, "kinds": KIND_LABELS, "scopes": SCOPE_LABELS}


def _filters() -> dict[str, str]:
    kind = request.args.get("kind", "")
    action = request.args.get("action", "")
    return {
        "q": request.args.get("q", "")[:100],
        "kind": kind if kind in {k.value for k in Kind} else "",
        "action": action if action in {a.value for a in Action} else "",
    }


def _page(status: int = 200, **extra):
    filters = _filters()
    listing = wordrule_store.list_rules(
        filters["q"], filters["kind"], filters["action"], page_arg()
    )
    values = {
        "listing": listing,
        "filters": filters,
        "form": WordRuleForm(formdata=None),
        "import_form": ImportForm(formdata=None),
        "test_form": TestForm(formdata=None),
        "affected": article_words.affected_count(),
        "labels": LABELS,
        "dry": None,
        "tested": None,
    } | extra
    return render_template("moderation/wordrules.html", **values), status


@bp.get("/wordrules")
def wordrules_list():
    """The rules (searched, filtered), the forms, and how many published
    articles the current rules would change."""
    return _page()


def _refuse(form: WordRuleForm, error: InvalidInput) -> None:
    form.phrase.errors = [*form.phrase.errors, str(error)]


@bp.post("/wordrules")
def wordrule_add():
    """Save a new rule, or (the dry-run button) show what it would catch."""
    form = WordRuleForm()
    if not form.validate():
        return _page(400, form=form)
    if "dry_run" in request.form:
        try:
            dry = article_words.dry_run(form.rule())
        except InvalidInput as error:
            _refuse(form, error)
            return _page(400, form=form)
        return _page(form=form, dry=dry)
    try:  # sent twice (a double click): one rule
        submissions.once(
            "word_rule",
            f"user:{current_user.id}",
            submission_key(),
            lambda: wordrule_store.add_rule(form.rule(), current_user),
            WordRule,
        )
    except InvalidInput as error:
        _refuse(form, error)
        return _page(400, form=form)
    flash(f"已添加规则“{form.phrase.data}”", "success")
    return redirect(url_for("moderation.wordrules_list"), 303)


@bp.route("/wordrules/<int:rule_id>", methods=["GET", "POST"])
def wordrule_edit(rule_id: int):
    """Edit one rule; the dry-run button shows what the edited rule would
    catch instead of saving."""
    row = wordrule_store.get_rule(rule_id)
    form = WordRuleForm() if request.method == "POST" else WordRuleForm(formdata=None)
    dry = None
    status = 200
    if request.method == "GET":
        form.fill(wordrules.rule_of(row))
    elif form.validate():
        try:
            if "dry_run" in request.form:
                dry = article_words.dry_run(form.rule(), replacing=row.id)
            else:
                wordrule_store.update_rule(row.id, form.rule(), current_user)
                flash(f"已保存规则“{form.phrase.data}”", "success")
                return redirect(url_for("moderation.wordrules_list"), 303)
        except InvalidInput as error:
            _refuse(form, error)
            status = 400
    else:
        status = 400
    return render_template("moderation/wordrule_edit.html", row=row, form=form,
                           dry=dry, labels=LABELS), status  # fmt: skip


@bp.post("/wordrules/<int:rule_id>/delete")
def wordrule_delete(rule_id: int):
    row = wordrule_store.get_rule(rule_id)
    phrase = row.phrase
    wordrule_store.delete_rule(rule_id, current_user)
    flash(f"已删除规则“{phrase}”", "success")
    return redirect(url_for("moderation.wordrules_list"), 303)


@bp.post("/wordrules/import")
def wordrules_import():
    """Add or update rules from pasted TSV (all or nothing)."""
    form = ImportForm()
    text = form.tsv.data or ""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(MAX_IMPORT_LENGTH + 1)
        if len(data) > MAX_IMPORT_LENGTH:
            form.tsv.errors = ["文件太大（最多 2 MB）"]
            return _page(400, import_form=form)
        text = data.decode("utf-8-sig", "replace")
    if not form.validate() or not text.strip():
        if not text.strip():
            form.tsv.errors = [*form.tsv.errors, "请粘贴或上传 TSV"]
        return _page(400, import_form=form)
    try:
        result = wordrule_store.import_tsv(text, current_user, form.group.data or "")
    except InvalidInput as error:
        form.tsv.errors = [*form.tsv.errors, str(error)]
        return _page(400, import_form=form)
    flash(f"导入完成：新增 {result.added} 条，更新 {result.updated} 条，"
          f"未变 {result.unchanged} 条", "success")  # fmt: skip
    return redirect(url_for("moderation.wordrules_list"), 303)


@bp.get("/wordrules/export.tsv")
def wordrules_export():
    return Response(
        wordrule_store.export_tsv(),
        mimetype="text/tab-separated-values",
        headers={"Content-Disposition": "attachment; filename=word-rules.tsv"},
    )


@bp.post("/wordrules/test")
def wordrules_test():
    """The test box: the text with every change of the current rules
    highlighted (nothing is stored)."""
    form = TestForm()
    if not form.validate():
        return _page(400, test_form=form)
    matcher: Matcher = wordrules.current_matcher()
    text = form.text.data or ""
    result = matcher.apply(text, form.scope.data)
    tested = {
        "result": result,
        "segments": article_words.segments_of(text, result),
        "scope": form.scope.data,
    }
    return _page(test_form=form, tested=tested)


@bp.post("/wordrules/reapply")
def wordrules_reapply():
    """Re-render every published article the current rules change."""
    changed = article_words.reapply(current_user)
    flash(f"已按当前规则重新处理 {changed} 篇已发布文章", "success")
    return redirect(url_for("moderation.wordrules_list"), 303)


# --- one article ----------------------------------------------------------------


@bp.get("/posts/<int:article_id>/words")
def post_words(article_id: int):
    """The article's title and source with every change of the rules
    highlighted and its rule; each can be kept as written (an exemption)."""
    article = article_words.article_for_words(article_id)
    shown = article_words.preview(article.body_markdown, article.id)
    title = article_words.preview_title(article.title, article.id)
    return render_template(
        "moderation/post_words.html", article=article, preview=shown,
        title_preview=title, exemptions=article_words.exemptions_of(article.id),
        labels=LABELS,
    )  # fmt: skip


@bp.post("/posts/<int:article_id>/words/exempt")
def post_words_exempt(article_id: int):
    try:
        start = int(request.form.get("start", ""))
        end = int(request.form.get("end", ""))
        field = request.form.get("field", "body")
        article_words.exempt(article_id, start, end, current_user, field)
    except (ValueError, InvalidInput) as error:
        message = str(error) if isinstance(error, InvalidInput) else "参数无效"
        flash(message, "error")
    else:
        flash("已保留这一处原文", "success")
    return redirect(url_for("moderation.post_words", article_id=article_id), 303)


@bp.post("/posts/<int:article_id>/words/<int:exemption_id>/delete")
def post_words_unexempt(article_id: int, exemption_id: int):
    article_words.unexempt(article_id, exemption_id, current_user)
    flash("已取消保留，规则重新生效", "success")
    return redirect(url_for("moderation.post_words", article_id=article_id), 303)
