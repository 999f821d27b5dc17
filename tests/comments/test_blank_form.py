"""The blank comment form a page offers (cms.public.comment_form.
BlankCommentForm) is read by the template as a CommentForm is: the same
fields, the same labels, no errors."""

from __future__ import annotations

import pytest

from cms.public.comment_form import LABELS, BlankCommentForm, CommentForm


def test_the_blank_form_has_the_comment_forms_fields_and_labels(app):
    with app.test_request_context():
        form = CommentForm(formdata=None)
    blank = BlankCommentForm()

    names = list(form._fields)
    assert sorted(names) == sorted([*LABELS, *BlankCommentForm.HIDDEN])
    for name in LABELS:
        assert getattr(blank, name).label.text == form[name].label.text, name
    for name in names:
        shown = getattr(blank, name)
        assert (shown.name, shown.data, shown.errors) == (form[name].name, None, ())


def test_the_blank_form_takes_only_its_fields_and_is_made_per_page():
    filled = BlankCommentForm(author="张三", parent_id=7)

    assert (filled.author.data, filled.parent_id.data) == ("张三", 7)
    assert BlankCommentForm().author.data is None  # nothing kept between pages
    with pytest.raises(TypeError, match="password"):
        BlankCommentForm(password="x")
