"""The state of one WXR import (cms.services.wxr_import) and the ids of its
authors, categories and tags.

Guarantees: each author, category and tag of the file is created at most
once per source site and then found again by its key (ImportKey), in this
run and in the next; `import_terms` creates the categories declared at the
top of the file with their tree and the tags, in one transaction, and
announces the new ones (TaxonomyChanged); `resolve_refs` gives an article
its owner, its category (the first; the others become tags of the same
name, so it is still found under each) and its tags, inside the batch's
transaction. Every count lands in the run's Summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import update

from cms.database import write_transaction
from cms.events import TaxonomyChanged, emit
from cms.extensions import db
from cms.models import Category
from cms.services import import_store
from cms.services.import_media import UploadsFolder
from cms.services.imports import NewArticle, Summary
from cms.text.wxr import Item, Term


@dataclass
class ImportState:
    source: str
    summary: Summary
    uploads: Path | None
    progress: Callable[[int], None]
    authors: dict[str, tuple[str, str]]  # login -> (display name, email)
    author_ids: dict[str, int]
    terms: list[Term]
    category_ids: dict[str, int]  # slug -> id
    category_names: dict[str, str]  # slug -> name
    tag_ids: dict[str, int]  # slug -> id
    attachments: dict[str, str]  # attachment id -> URL (for [gallery])
    media: UploadsFolder | None = None
    pending_media: list[Item] = field(default_factory=list)
    terms_done: bool = False


def author_id(state: ImportState, login: str) -> int:
    if login not in state.author_ids:
        display, _ = state.authors.get(login, (login, ""))
        state.author_ids[login] = import_store.imported_author(
            state.source, login, display, state.summary
        )
    return state.author_ids[login]


def import_terms(state: ImportState) -> None:
    """Categories (with their tree) and tags declared at the top of the file."""
    state.terms_done = True
    created: dict[str, list[int]] = {"category": [], "tag": []}
    with write_transaction():
        categories = [t for t in state.terms if t.taxonomy == "category"]
        for term in categories:
            key = term.slug or term.name
            known = import_store.known_keys(state.source, "category", [key])
            if key in known:
                state.category_ids[key] = known[key]
                state.summary.unchanged["分类"] += 1
                continue
            category_id, new = import_store.ensure_category(term.name, term.slug)
            state.category_ids[key] = category_id
            import_store.remember_keys(state.source, "category", [(key, category_id)])
            if new:
                created["category"].append(category_id)
                state.summary.imported["分类"] += 1
            else:
                state.summary.unchanged["分类"] += 1
            state.category_names[key] = term.name
        for term in categories:  # the tree, once every category exists
            parent = state.category_ids.get(term.parent)
            child = state.category_ids.get(term.slug or term.name)
            if parent and child and child in created["category"]:
                db.session.execute(
                    update(Category).where(Category.id == child)
                    .values(parent_id=parent)
                )  # fmt: skip
        for term in state.terms:
            if term.taxonomy == "post_tag":
                _tag(state, term.slug, term.name, created["tag"])
            elif term.taxonomy not in ("category", "post_tag"):
                state.summary.skip("其他分类法", f"{term.taxonomy}（本站不支持）")
        for kind, ids in created.items():
            if ids:
                emit(TaxonomyChanged(kind, tuple(ids)))  # type: ignore[arg-type]
    state.terms = []


def _tag(
    state: ImportState, slug: str, name: str, created: list[int] | None = None
) -> int:
    key = slug or name
    if key in state.tag_ids:
        return state.tag_ids[key]
    known = import_store.known_keys(state.source, "tag", [key])
    if key in known:
        state.summary.unchanged["标签"] += 1
        state.tag_ids[key] = known[key]
        return known[key]
    tag_id, new = import_store.ensure_tag(name or slug, slug)
    import_store.remember_keys(state.source, "tag", [(key, tag_id)])
    state.tag_ids[key] = tag_id
    if new:
        state.summary.imported["标签"] += 1
        if created is not None:
            created.append(tag_id)
    else:
        state.summary.unchanged["标签"] += 1
    return tag_id


def _category(state: ImportState, slug: str, name: str) -> int:
    key = slug or name
    if key not in state.category_ids:  # used by a post, not declared (WXR 1.0)
        category_id, new = import_store.ensure_category(name, slug)
        import_store.remember_keys(state.source, "category", [(key, category_id)])
        state.category_ids[key] = category_id
        state.summary.imported["分类"] += int(new)
    state.category_names.setdefault(key, name)
    return state.category_ids[key]


def resolve_refs(article: NewArticle, state: ImportState) -> None:
    """Author, category and tags as ids (created when new), in the batch's
    transaction. One category here: the first is the category, the others
    become tags of the same name, so the article is still found under each."""
    terms = article.refs.get("terms", [])
    categories = [(s, n) for d, s, n in terms if d == "category"]
    tags = [_tag(state, s, n) for d, s, n in terms if d == "post_tag"]
    category_id = None
    if categories:
        category_id = _category(state, *categories[0])
        for slug, name in categories[1:]:
            _category(state, slug, name)
            tags.append(_tag(state, "", name))
        if len(categories) > 1:
            state.summary.notes["文章的第二个及以后的分类作为同名标签"] += 1
    article.values["category_id"] = category_id
    article.values["owner_id"] = author_id(state, article.refs.get("author", ""))
    article.tag_ids = tags
