"""The editor's 相关推荐 box: pin articles to an article's related list (in
order, shown first) and exclude others. Editors and admins only."""

from __future__ import annotations

import re

from flask import flash, redirect, url_for
from wtforms import TextAreaField
from wtforms.validators import Length

from cms.forms import BaseForm
from cms.moderation.post_workflow import article_or_404
from cms.moderation.views import bp
from cms.services import related
from cms.services.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s,，、]+")


def _ids(text: str | None) -> list[str]:
    return [part for part in _SEPARATORS.split(text or "") if part]


class RelatedPicksForm(BaseForm):
    """Articles by public id or address, one a line."""

    pins = TextAreaField("置顶的相关文章", validators=[Length(max=2000)])
    excluded = TextAreaField("不显示的文章", validators=[Length(max=2000)])


@bp.post("/posts/<int:article_id>/related")
def post_related(article_id: int):
    """Store the pins and exclusions; the list is recomputed after commit."""
    article_or_404(article_id)
    form = RelatedPicksForm()
    if not form.validate():
        flash("相关推荐：内容太长", "error")
    else:
        try:
            related.set_overrides(
                article_id, _ids(form.pins.data), _ids(form.excluded.data)
            )
        except InvalidInput as error:
            flash(f"相关推荐：{error}", "error")
        else:
            flash("相关推荐已保存，列表会在片刻后更新。", "success")
    return redirect(
        url_for("moderation.post_edit", article_id=article_id) + "#related-picks", 303
    )
