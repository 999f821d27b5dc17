"""The media library: article images uploaded by writers (and brought in by
importers), who owns which, and which articles show them.

Guarantees:
- `store_upload` checks and cleans like every upload (cms.services.media),
  then stores the cleaned original and its page sizes once per image (by
  content hash) and gives the uploader one ownership row; nothing is stored
  for a refused file. It is the one entry point for importers too (the
  WordPress import gives each attachment's bytes and its author).
- A contributor sees and deletes their own uploads only; editors and admins
  see every upload.
- `delete_upload` removes the actor's use; the file (and its sizes) goes
  with the last use. It is refused (Conflict) while an article that would
  lose the image shows it, unless forced by an editor or admin, which the
  audit log records as `media-delete-forced`.
- Every upload and deletion emits MediaChanged with the articles showing
  the image, so caches can drop their pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from cms.database import write_transaction
from cms.events import ArticleChanged, ContentImported, MediaChanged, emit
from cms.extensions import db
from cms.models import Article, MediaFile, MediaOwner, Role, User, article_media
from cms.services.audit import record
from cms.services.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cms.services.media import (
    ARTICLE_FORMATS,
    clean_bytes,
    decode_image,
    key_for,
    open_image,
    page_sizes,
    put_file,
    size_key,
)
from cms.services.media_store import media_store
from cms.services.settings import current_settings

MAX_NAME = 200
MAX_ALT = 300
PER_PAGE = 30
# A media key inside an article's Markdown (a URL ending /media/<key>).
_KEY_IN_TEXT = re.compile(
    r"/media/([0-9a-f]{2}/[0-9a-f]{32})(?:-(?:480|960|1600))?\.(?:png|jpg|gif|webp)"
)


def image_markdown(alt: str, key: str) -> str:
    """The Markdown that shows a stored image (the alt text's brackets escaped)."""
    text = " ".join((alt or "").split()).replace("\\", "\\\\")
    text = text.replace("[", "\\[").replace("]", "\\]")
    return f"![{text}](/media/{key})"


def upload_limits() -> tuple[int, int]:
    """(bytes, pixels) an article image may have, from the settings."""
    settings = current_settings()
    return settings["media.max_mb"] * 1024 * 1024, settings[
        "media.max_megapixels"
    ] * 1_000_000


def _clean_text(text: str, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def store_upload(
    data: bytes,
    uploader_id: int,
    name: str = "",
    alt: str = "",
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> MediaOwner:
    """Check, clean and store one article image for `uploader_id`; returns
    the uploader's ownership row (its `media` the stored image). The same
    image uploaded again (by anyone) is not stored again: the existing row
    is used and the uploader gets an ownership row if they had none (their
    alt text and name then update it). `name` is the uploaded file's name,
    kept for search only (files are stored under hashes); `alt` the
    default alternative text. Limits default to the `media.*` settings.
    InvalidInput (nothing stored) for anything open_image refuses."""
    limit_bytes, limit_pixels = upload_limits()
    image = open_image(
        data,
        max_bytes or limit_bytes,
        ARTICLE_FORMATS,
        max_pixels or limit_pixels,
    )
    image = decode_image(image)
    ext, cleaned, upright = clean_bytes(image)
    key = key_for(cleaned, ext)
    known = db.session.scalar(select(MediaFile.id).where(MediaFile.key == key))
    sizes: dict[str, bytes] = {}
    if known is None:
        sizes = page_sizes(upright, ext)
        put_file(key, cleaned)
        for suffix, body in sizes.items():
            width, out_ext = suffix.split(".")
            put_file(size_key(key, int(width), out_ext), body)
    widths = sorted({int(s.split(".")[0]) for s in sizes})
    name, alt = _clean_text(name, MAX_NAME), _clean_text(alt, MAX_ALT)
    try:
        return _record_upload(key, ext, upright.size, len(cleaned), widths,
                              uploader_id, name, alt)  # fmt: skip
    except IntegrityError:  # the same image stored at the same moment
        db.session.rollback()
        return _record_upload(key, ext, upright.size, len(cleaned), widths,
                              uploader_id, name, alt)  # fmt: skip


def _record_upload(
    key: str,
    ext: str,
    size: tuple[int, int],
    byte_size: int,
    widths: list[int],
    uploader_id: int,
    name: str,
    alt: str,
) -> MediaOwner:
    with write_transaction():
        media = db.session.scalar(select(MediaFile).where(MediaFile.key == key))
        if media is None:
            media = MediaFile(
                key=key,
                ext=ext,
                width=size[0],
                height=size[1],
                byte_size=byte_size,
                widths=",".join(str(w) for w in widths),
            )
            db.session.add(media)
            db.session.flush()
        owner = db.session.scalar(
            select(MediaOwner).where(
                MediaOwner.media_id == media.id, MediaOwner.user_id == uploader_id
            )
        )
        if owner is None:
            owner = MediaOwner(media=media, user_id=uploader_id)
            db.session.add(owner)
        owner.name = name or owner.name
        owner.alt = alt or owner.alt
        db.session.flush()
        emit(MediaChanged(ids=(media.id,), keys=(key,),
                          article_ids=tuple(_articles_of(media.id))))  # fmt: skip
    return owner


def file_keys(media: MediaFile) -> list[str]:
    """Every stored key of an image: the original and each page size."""
    keys = [media.key]
    formats = ["webp"] + ([media.ext] if media.ext in ("jpg", "png") else [])
    for width in media.size_list:
        keys += [size_key(media.key, width, ext) for ext in dict.fromkeys(formats)]
    return keys


def _articles_of(media_id: int) -> list[int]:
    query = select(article_media.c.article_id).where(
        article_media.c.media_id == media_id
    )
    return sorted(db.session.scalars(query))


def can_see_all(actor: User) -> bool:
    return actor.role in (Role.ADMIN, Role.EDITOR)


def delete_upload(media_id: int, actor: User, force: bool = False) -> bool:
    """Remove `actor`'s use of an image (an editor or admin who has none
    removes every use). Returns whether the file itself was deleted (no use
    left). Conflict, naming the articles, while an article that would lose
    the image shows it; `force` (editors and admins only) deletes anyway,
    audited as `media-delete-forced`. NotFound for an image the actor may
    not see."""
    if force and not can_see_all(actor):
        raise NotAllowed("只有编辑和管理员可以强制删除")
    gone: list[str] = []
    with write_transaction():
        media = db.session.get(MediaFile, media_id)
        if media is None:
            raise NotFound(f"media {media_id}")
        db.session.refresh(media)  # the owners as stored now
        mine = [o for o in media.owners if o.user_id == actor.id]
        if not mine and not can_see_all(actor):
            raise NotFound(f"media {media_id}")
        removing = mine or list(media.owners)
        remaining = [o for o in media.owners if o not in removing]
        removed_users = {o.user_id for o in removing}
        using = db.session.execute(
            select(Article.id, Article.title, Article.owner_id)
            .join(article_media, article_media.c.article_id == Article.id)
            .where(article_media.c.media_id == media.id)
            .order_by(Article.id)
        ).all()
        blocking = [a for a in using if not remaining or a.owner_id in removed_users]
        if blocking and not force:
            titles = "、".join(f"《{a.title}》" for a in blocking[:3])
            more = f"等 {len(blocking)} 篇" if len(blocking) > 3 else ""
            raise Conflict(f"这张图片正被文章使用：{titles}{more}；请先从文章中移除")
        for owner in removing:
            media.owners.remove(owner)  # delete-orphan: the row goes
        file_gone = not remaining
        keys = file_keys(media)
        if file_gone:
            covered = db.session.scalars(
                select(Article).where(Article.cover_media_id == media.id)
            ).all()
            for article in covered:  # announced: lists show covers
                article.cover_media_id = None
                status = article.status.value
                emit(ArticleChanged(article.id, frozenset({"cover"}), status,
                                    status, article.public_id))  # fmt: skip
            db.session.execute(
                delete(article_media).where(article_media.c.media_id == media.id)
            )
            db.session.delete(media)
            gone = keys
        action = "media-delete-forced" if blocking else "media-delete"
        record(actor, action, "media", [media_id], {
            "key": keys[0],
            "users": sorted(removed_users),
            "articles": [a.id for a in blocking],
            "file_deleted": file_gone,
        })  # fmt: skip
        emit(MediaChanged(ids=(media_id,), keys=tuple(keys),
                          article_ids=tuple(a.id for a in using),
                          deleted=file_gone))  # fmt: skip
    store = media_store()
    for key in gone:
        store.delete(key)
    return bool(gone)


def media_keys_in(markdown: str) -> set[str]:
    """The stems ("ab/<32 hex>") of our media an article's text shows."""
    return set(_KEY_IN_TEXT.findall(markdown or ""))


def follow_article_media(event: ArticleChanged) -> None:
    """In the article's transaction: record which stored images it shows
    (its body and its cover), for the library's "used by" and the delete
    check. A deleted article's rows go with it (ON DELETE CASCADE)."""
    if "deleted" not in event.fields:
        _link_media(event.article_id)


def follow_imported_media(event: ContentImported) -> None:
    """In the import batch's transaction: the same record for each article
    the batch wrote (imported bodies and covers show stored attachments)."""
    for article_id in event.article_ids:
        _link_media(article_id)


def _link_media(article_id: int) -> None:
    article = db.session.get(Article, article_id)
    if article is None:
        return
    stems = media_keys_in(article.body_markdown)
    ids: set[int] = set()
    if stems:
        like = [MediaFile.key.startswith(stem + ".") for stem in stems]
        ids = set(db.session.scalars(select(MediaFile.id).where(or_(*like))))
    if article.cover_media_id:
        ids.add(article.cover_media_id)
    db.session.execute(
        delete(article_media).where(article_media.c.article_id == article.id)
    )
    if ids:
        db.session.execute(
            insert(article_media),
            [{"article_id": article.id, "media_id": i} for i in sorted(ids)],
        )


@dataclass
class LibraryItem:
    """One row of the media library page."""

    media: MediaFile
    owners: list[MediaOwner]
    articles: list[tuple[int, str, str]]  # (id, public_id, title)
    uploaded_at: datetime


def _visible(actor: User):
    query = select(MediaFile)
    if not can_see_all(actor):
        query = query.where(
            MediaFile.id.in_(
                select(MediaOwner.media_id).where(MediaOwner.user_id == actor.id)
            )
        )
    return query


def library(actor: User, q: str = "", page: int = 1) -> tuple[list[LibraryItem], int]:
    """The images `actor` may see, newest first, PER_PAGE a page, matching
    `q` in a file name, alt text, uploader or the title of an article using
    it; and the count of all matches."""
    query = _visible(actor)
    words = (q or "").strip()
    if words:
        pattern = f"%{words}%"
        query = query.where(
            or_(
                MediaFile.id.in_(
                    select(MediaOwner.media_id)
                    .join(User, User.id == MediaOwner.user_id)
                    .where(
                        or_(
                            MediaOwner.name.ilike(pattern),
                            MediaOwner.alt.ilike(pattern),
                            User.username.ilike(pattern),
                            User.display_name.ilike(pattern),
                        )
                    )
                ),
                MediaFile.id.in_(
                    select(article_media.c.media_id)
                    .join(Article, Article.id == article_media.c.article_id)
                    .where(Article.title.ilike(pattern))
                ),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(MediaFile.created_at.desc(), MediaFile.id.desc())
        .limit(PER_PAGE)
        .offset((max(page, 1) - 1) * PER_PAGE)
    ).all()
    return [_item(media, actor) for media in rows], total


def _item(media: MediaFile, actor: User) -> LibraryItem:
    owners = [o for o in media.owners if can_see_all(actor) or o.user_id == actor.id]
    articles = db.session.execute(
        select(Article.id, Article.public_id, Article.title)
        .join(article_media, article_media.c.article_id == Article.id)
        .where(article_media.c.media_id == media.id)
        .order_by(Article.id)
    ).all()
    uploaded = min((o.created_at for o in owners), default=media.created_at)
    used = [(a.id, a.public_id, a.title) for a in articles]
    return LibraryItem(media, owners, used, uploaded)


def recent_uploads(actor: User, limit: int = 30) -> list[MediaOwner]:
    """The actor's own uploads, newest first (the editor's cover choice)."""
    return list(
        db.session.scalars(
            select(MediaOwner)
            .where(MediaOwner.user_id == actor.id)
            .order_by(MediaOwner.created_at.desc(), MediaOwner.id.desc())
            .limit(limit)
        )
    )


def usable_cover(media_id: int | None, actor: User) -> int | None:
    """`media_id` when `actor` may use that image as a cover (their own, or
    any for editors); InvalidInput otherwise."""
    if not media_id:
        return None
    media = db.session.get(MediaFile, media_id)
    if media is None or not (
        can_see_all(actor) or any(o.user_id == actor.id for o in media.owners)
    ):
        raise InvalidInput("找不到这张封面图片")
    return media.id
