"""cms.services.taxonomy: categories and tags by name, with unique pinyin slugs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cms.database import write_transaction
from cms.extensions import db
from cms.models import Category, Tag
from cms.services.errors import InvalidInput
from cms.services.taxonomy import category_named, tags_named


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_category_is_created_once_with_a_pinyin_slug(ctx):
    with write_transaction():
        first = category_named("支付宝")
    with write_transaction():
        again = category_named("  支付宝  ")
    assert again.id == first.id
    assert first.slug == "zhi-fu-bao"
    assert count(Category) == 1


def test_a_category_can_have_a_parent(ctx):
    with write_transaction():
        parent = category_named("理财")
        child = category_named("信用卡", parent=parent)
    db.session.expire_all()
    assert db.session.get(Category, child.id).parent_id == parent.id


def test_categories_whose_names_share_a_pinyin_get_distinct_slugs(ctx):
    with write_transaction():
        # 事实 and 实事 and 试试 all read shi-shi; 世事 too.
        names = ["事实", "实事", "试试", "世事"]
        slugs = [category_named(name).slug for name in names]
    assert slugs == ["shi-shi", "shi-shi-2", "shi-shi-3", "shi-shi-4"]
    assert count(Category) == 4


def test_a_blank_category_name_is_refused(ctx):
    with pytest.raises(InvalidInput), write_transaction():
        category_named("   ")
    assert count(Category) == 0


def test_tags_are_created_once_and_keep_the_given_order(ctx):
    with write_transaction():
        tags = tags_named(["征信", "支付宝"])
    with write_transaction():
        again = tags_named(["支付宝", "新标签"])
    assert [t.name for t in tags] == ["征信", "支付宝"]
    assert [t.slug for t in tags] == ["zheng-xin", "zhi-fu-bao"]
    assert again[0].id == tags[1].id
    assert count(Tag) == 3


def test_blank_and_repeated_tag_names_are_dropped(ctx):
    with write_transaction():
        tags = tags_named(["", "  ", "催收", " 催收 ", "催收"])
    assert [t.name for t in tags] == ["催收"]
    assert count(Tag) == 1


def test_tags_whose_names_share_a_pinyin_get_distinct_slugs(ctx):
    with write_transaction():
        tags = tags_named(["事实", "实事", "C++", "C#", "😀", "😁"])
    slugs = [t.slug for t in tags]
    assert slugs[:2] == ["shi-shi", "shi-shi-2"]
    assert slugs[2:4] == ["c", "c-2"]
    assert len(set(slugs)) == len(slugs)
    assert all(slug and slug.isascii() for slug in slugs)


def test_an_overlong_tag_is_refused(ctx):
    with pytest.raises(InvalidInput, match="100"), write_transaction():
        tags_named(["好", "长" * 101])
    assert count(Tag) == 0


def test_a_tag_of_100_characters_is_accepted(ctx):
    with write_transaction():
        (tag,) = tags_named(["长" * 100])
    assert db.session.get(Tag, tag.id).name == "长" * 100
    assert len(tag.slug) <= 200
