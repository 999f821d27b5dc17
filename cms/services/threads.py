"""Arranging an article's (or a standalone page's) comments into threads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Integer, Select, and_, bindparam, case, func, or_, select, true
from sqlalchemy.orm import aliased

from cms.database import read_rows
from cms.extensions import db
from cms.models import Comment, CommentStatus, Page, Role, User
from cms.services.comment_subjects import Subject, comments_on, is_on

TOP_LEVEL_PER_PAGE = 50


class ShownComment(NamedTuple):
    """What the page shows of a comment (and what threading needs): read as
    plain rows, not ORM objects, which cost about half of the thread's time."""

    id: int
    parent_id: int | None
    author_name: str
    author_email: str
    author_url: str
    body: str
    created_at: datetime
    status: CommentStatus
    pinned_at: datetime | None
    user_id: int | None


_SHOWN_COLUMNS = tuple(getattr(Comment, name) for name in ShownComment._fields)


@dataclass
class Node:
    """One comment on the page, its replies, and whom it answers when its
    real parent is deeper than the page shows."""

    comment: ShownComment
    depth: int
    holder: Node | None = field(default=None, repr=False)  # shown inside this one
    replies: list[Node] = field(default_factory=list)
    reply_to: str | None = None
    floor: int | None = None  # 楼层 of an approved top-level comment
    badge: str | None = None  # 作者 / 博主 / 编辑 for a staff account's comment

    @property
    def pinned(self) -> bool:
        """Pinned by an editor (a top-level approved comment only)."""
        return self.depth == 1 and not self.held and self.comment.pinned_at is not None

    @property
    def held(self) -> bool:
        """Shown only to its author, awaiting review."""
        return self.comment.status != CommentStatus.APPROVED


@dataclass(frozen=True)
class Thread:
    """The top-level comments of one page of comments, with their replies."""

    nodes: list[Node]
    page: int
    pages: int
    held: int = 0  # the viewer's own held comments shown (on every page)


def comment_thread(
    article: Subject, max_depth: int, page: int = 1, held_ids: Iterable[int] = ()
) -> Thread:
    """Approved comments (and the viewer's own held ones, named by `held_ids`),
    oldest first, nested up to `max_depth` levels: a deeper reply is shown at
    the deepest level, naming whom it answers. A reply whose parent is not
    shown (or is dated after it, as imports may have) becomes top-level.
    Top-level comments are paged 50 at a time, pinned ones first (newest pin
    first); a page past the end shows the last one.

    Approved top-level comments carry their 楼层 (1 for the oldest), counted
    over every page and regardless of pins or the viewer's held comments, so
    a comment keeps its number from page to page and viewer to viewer.
    Comments written from a staff account carry a badge: 作者 for the
    article's (or page's) owner, 博主 for an administrator, 编辑 for an editor.

    An article whose kept count says all of them fit on one page reads them
    by one plain indexed query (`_small_thread_rows`; a test holds it equal
    to the paged query). Otherwise paged in SQL, in one query whatever the
    number of comments: the page's top-level comments (LIMIT/OFFSET over the
    article's comments, by the (article_id, status, created_at) index), their
    replies at any depth (a recursive CTE), their floors (a window over the
    approved top-level ones), the number of top-level comments and of held
    ones shown. Only a page number past the end costs a second query, and
    staff badges one."""
    held = [i for i in held_ids if isinstance(i, int)]
    page = max(page, 1)
    rows = _small_thread_rows(article) if not held else None
    if rows is not None:
        page = 1
    else:
        rows = _thread_rows(article, held, page)
    pages = max(1, -(-rows.total // TOP_LEVEL_PER_PAGE))
    if page > pages:
        page = pages
        if rows.total:
            rows = _thread_rows(article, held, page)
    roots = _nest(rows.comments, max_depth)
    for node in roots:
        node.floor = rows.floors.get(node.comment.id)
    pinned = sorted(
        (n for n in roots if n.pinned),
        key=lambda n: n.comment.pinned_at,  # type: ignore[arg-type, return-value]
        reverse=True,
    )
    if pinned:
        roots = pinned + [n for n in roots if not n.pinned]
    _add_badges(article, _all_nodes(roots))
    return Thread(roots, page, pages, rows.held)


@dataclass(frozen=True)
class _Rows:
    total: int  # top-level comments shown, on every page
    held: int  # held comments shown (the viewer's own), on every page
    comments: list[ShownComment]  # the page's top-level comments and replies
    floors: dict[int, int]  # comment id -> 楼层 of the page's approved roots


def _all_nodes(roots: list[Node]) -> Iterable[Node]:
    stack = list(roots)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.replies)


def _thread_rows(subject: Subject, held: list[int], page: int) -> _Rows:
    """What the article or page shows on top-level page `page` (see
    `_Rows`); the comments oldest first."""
    kind = "page" if isinstance(subject, Page) else "article"
    parameters: dict[str, object] = {
        "subject_id": subject.id,
        "offset": (page - 1) * TOP_LEVEL_PER_PAGE,
    }
    if held:
        parameters["held"] = held
    rows = read_rows(_thread_statement(kind, bool(held)), parameters)
    if not rows:
        return _Rows(0, 0, [], {})
    # Each row: total, held, floor, then ShownComment's columns (all None
    # when the subject shows no comment).
    shown = [ShownComment(*row[3:]) for row in rows if row[3] is not None]
    return _Rows(
        total=rows[0][0],
        held=rows[0][1],
        comments=shown,
        floors={row[3]: row[2] for row in rows if row[2] is not None},
    )


def _small_thread_rows(subject: Subject) -> _Rows | None:
    """`_thread_rows` of page 1 for an article whose kept count says every
    comment it shows fits on one page (at most TOP_LEVEL_PER_PAGE approved
    comments, replies included, and no held one of the viewer's): all of
    them by one plain indexed read, the roots and floors found here as the
    big query finds them. None for anything else (a standalone page keeps no
    count; more comments than the count said): the big query answers.
    Most articles have a few comments; the recursive query cost an uncached
    article page about a tenth of its time, this read under half of that."""
    if isinstance(subject, Page) or subject.comment_count > TOP_LEVEL_PER_PAGE:
        return None
    limit = TOP_LEVEL_PER_PAGE + 1  # one more says the kept count was behind
    statement = _approved_statement()
    shown = [
        ShownComment(*row)
        for row in read_rows(statement, {"subject_id": subject.id, "limit": limit})
    ]
    if len(shown) == limit:
        return None
    floors: dict[int, int] = {}
    placed: set[int] = set()
    for comment in shown:  # oldest first, as the big query orders them
        if comment.parent_id is None or comment.parent_id not in placed:
            floors[comment.id] = len(floors) + 1  # every one shown is approved
        placed.add(comment.id)
    return _Rows(total=len(floors), held=0, comments=shown, floors=floors)


@cache
def _approved_statement() -> Select:
    """The approved comments of one article, oldest first, by the
    (article_id, status, created_at) index. Bound: `subject_id`, `limit`."""
    return (
        select(*_SHOWN_COLUMNS)
        .where(
            Comment.article_id == bindparam("subject_id"),
            Comment.status == CommentStatus.APPROVED,
        )
        .order_by(Comment.created_at, Comment.id)
        .limit(bindparam("limit", type_=Integer))
    )


@cache
def _thread_statement(kind: str, with_held: bool) -> Select:
    """The one query of `_thread_rows`, built once per kind of subject
    ("article" or "page") and per whether the viewer has held comments:
    building it costs far more than running it. Bound parameters:
    `subject_id`, `offset`, and `held` (a list of ids) when `with_held`."""
    approved = CommentStatus.APPROVED

    def shown_on_subject(comment):
        """`comment` (Comment or an alias) is on the subject and shown."""
        column = comment.page_id if kind == "page" else comment.article_id
        visible = comment.status == approved
        if with_held:
            visible = or_(visible, comment.id.in_(bindparam("held", expanding=True)))
        return and_(column == bindparam("subject_id"), visible)

    def after(later, earlier):
        """`later` comes after `earlier` in (created_at, id) order."""
        return or_(
            later.created_at > earlier.created_at,
            and_(later.created_at == earlier.created_at, later.id > earlier.id),
        )

    shown = (
        select(
            Comment.id, Comment.parent_id, Comment.created_at, Comment.status,
            Comment.pinned_at,
        )
        .where(shown_on_subject(Comment))
        .cte("shown")
    )  # fmt: skip
    # A parent is looked up in the table by primary key: against the shown
    # comments (a CTE has no index) each lookup was a scan, n² for n comments.
    parent = aliased(Comment, name="parent")
    # Top-level: no parent among the shown comments placed before it.
    placed_under_parent = (
        select(parent.id)
        .where(
            parent.id == shown.c.parent_id,
            shown_on_subject(parent),
            after(shown.c, parent),
        )
        .exists()
    )
    roots = (
        select(shown.c.id, shown.c.created_at, shown.c.status, shown.c.pinned_at)
        .where(~placed_under_parent)
        .cte("roots")
    )
    is_pinned = and_(roots.c.pinned_at.is_not(None), roots.c.status == approved)
    page_roots = (
        select(roots.c.id, roots.c.created_at)
        .order_by(
            case((is_pinned, 0), else_=1),
            case((is_pinned, roots.c.pinned_at)).desc(),
            roots.c.created_at,
            roots.c.id,
        )
        .limit(TOP_LEVEL_PER_PAGE)
        .offset(bindparam("offset", type_=Integer))
        .cte("page_roots")
    )
    tree = select(page_roots.c.id, page_roots.c.created_at).cte("tree", recursive=True)
    child = shown.alias("child")
    tree = tree.union_all(
        select(child.c.id, child.c.created_at)
        .join(tree, child.c.parent_id == tree.c.id)
        .where(after(child.c, tree.c))
    )
    floors = (
        select(
            roots.c.id,
            func.row_number()
            .over(order_by=(roots.c.created_at, roots.c.id))
            .label("floor"),
        )
        .where(roots.c.status == approved)
        .cte("floors")
    )
    total = select(func.count().label("total")).select_from(roots).cte("total")
    held_count = (
        select(func.count().label("held"))
        .select_from(shown)
        .where(shown.c.status != approved)
        .cte("held_count")
    )
    return (
        select(total.c.total, held_count.c.held, floors.c.floor, *_SHOWN_COLUMNS)
        .select_from(
            total.join(held_count, true())
            .outerjoin(Comment, Comment.id.in_(select(tree.c.id)))
            .outerjoin(floors, floors.c.id == Comment.id)
        )
        .order_by(Comment.created_at, Comment.id)
    )


def _nest(comments: list[ShownComment], max_depth: int) -> list[Node]:
    """The top-level nodes of `comments` (oldest first), replies nested."""
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for comment in comments:  # oldest first: a parent precedes its replies
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        if parent is None:
            node = Node(comment, 1)
            roots.append(node)
        elif parent.depth < max_depth:
            node = Node(comment, parent.depth + 1, holder=parent)
            parent.replies.append(node)
        else:
            # Too deep: shown beside its parent, at the deepest level.
            holder = parent.holder
            node = Node(comment, max_depth, holder=holder,
                        reply_to=parent.comment.author_name)  # fmt: skip
            (holder.replies if holder else roots).append(node)
        nodes[comment.id] = node
    return roots


def _add_badges(article: Subject, nodes: Iterable[Node]) -> None:
    """Set the staff badge of nodes whose comment was written from an account
    (one query, and none when no comment was)."""
    staff = [n for n in nodes if n.comment.user_id is not None]
    if not staff:
        return
    rows = db.session.execute(
        select(User.id, User.role).where(
            User.id.in_({n.comment.user_id for n in staff})
        )
    )
    roles = {user_id: role for user_id, role in rows}
    for node in staff:
        user_id = node.comment.user_id
        if user_id == article.owner_id:
            node.badge = "作者"
        elif roles.get(user_id) == Role.ADMIN:  # type: ignore[arg-type]
            node.badge = "博主"
        elif roles.get(user_id) == Role.EDITOR:  # type: ignore[arg-type]
            node.badge = "编辑"


def approved_count(subject: Subject) -> int:
    """Its approved comments, replies included (INTERFACE.md's data-count):
    an article's kept count, a page's counted by its index."""
    if not isinstance(subject, Page):
        return subject.comment_count
    return (
        db.session.scalar(
            select(func.count(Comment.id)).where(
                comments_on(subject), Comment.status == CommentStatus.APPROVED
            )
        )
        or 0
    )


def visible_comment(
    article: Subject, comment_id: int, held_ids: Iterable[int] = ()
) -> Comment | None:
    """A comment of this article or page that this viewer may see (approved,
    or one of their own held ones), else None: a reply link must not reveal
    others' held comments."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or not is_on(comment, article):
        return None
    if comment.status != CommentStatus.APPROVED and comment.id not in set(held_ids):
        return None
    return comment
