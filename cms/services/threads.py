"""Arranging an article's comments into threads for its page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select

from cms.extensions import db
from cms.models import Article, Comment, CommentStatus

TOP_LEVEL_PER_PAGE = 50


@dataclass
class Node:
    """One comment on the page, its replies, and whom it answers when its
    real parent is deeper than the page shows."""

    comment: Comment
    depth: int
    holder: Node | None = field(default=None, repr=False)  # shown inside this one
    replies: list[Node] = field(default_factory=list)
    reply_to: str | None = None

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


def comment_thread(
    article: Article, max_depth: int, page: int = 1, held_ids: Iterable[int] = ()
) -> Thread:
    """Approved comments (and the viewer's own held ones, named by `held_ids`),
    oldest first, nested up to `max_depth` levels: a deeper reply is shown at
    the deepest level, naming whom it answers. A reply whose parent is not
    shown (or is dated after it, as imports may have) becomes top-level.
    Top-level comments are paged 50 at a time; a page past the end shows the
    last one.

    Paged in SQL, in one query whatever the number of comments: the page's
    top-level comments (LIMIT/OFFSET over the article's comments, by the
    (article_id, status, created_at) index), their replies at any depth (a
    recursive CTE), and the number of top-level comments. Only a page number
    past the end costs a second query."""
    held = [i for i in held_ids if isinstance(i, int)]
    page = max(page, 1)
    total, comments = _thread_rows(article.id, held, page)
    pages = max(1, -(-total // TOP_LEVEL_PER_PAGE))
    if page > pages:
        page = pages
        if total:
            total, comments = _thread_rows(article.id, held, page)
    return Thread(_nest(comments, max_depth), page, pages)


def _thread_rows(
    article_id: int, held: list[int], page: int
) -> tuple[int, list[Comment]]:
    """(how many top-level comments the article shows, the comments of
    top-level page `page` with all their replies, oldest first)."""
    visible = Comment.status == CommentStatus.APPROVED
    if held:
        visible = or_(visible, Comment.id.in_(held))
    shown = (
        select(Comment.id, Comment.parent_id, Comment.created_at)
        .where(Comment.article_id == article_id, visible)
        .cte("shown")
    )
    reply, parent = shown.alias("reply"), shown.alias("parent")

    def after(later, earlier):
        """`later` comes after `earlier` in (created_at, id) order."""
        return or_(
            later.c.created_at > earlier.c.created_at,
            and_(later.c.created_at == earlier.c.created_at, later.c.id > earlier.c.id),
        )

    # Top-level: no parent among the shown comments placed before it.
    roots = (
        select(reply.c.id, reply.c.created_at)
        .select_from(
            reply.outerjoin(
                parent, and_(parent.c.id == reply.c.parent_id, after(reply, parent))
            )
        )
        .where(parent.c.id.is_(None))
        .cte("roots")
    )
    page_roots = (
        select(roots.c.id, roots.c.created_at)
        .order_by(roots.c.created_at, roots.c.id)
        .limit(TOP_LEVEL_PER_PAGE)
        .offset((page - 1) * TOP_LEVEL_PER_PAGE)
        .cte("page_roots")
    )
    tree = select(page_roots.c.id, page_roots.c.created_at).cte("tree", recursive=True)
    child = shown.alias("child")
    tree = tree.union_all(
        select(child.c.id, child.c.created_at)
        .join(tree, child.c.parent_id == tree.c.id)
        .where(after(child, tree))
    )
    total = select(func.count().label("total")).select_from(roots).cte("total")
    query = (
        select(total.c.total, Comment)
        .select_from(total.outerjoin(Comment, Comment.id.in_(select(tree.c.id))))
        .order_by(Comment.created_at, Comment.id)
    )
    rows = db.session.execute(query).all()
    count = rows[0].total if rows else 0
    return count, [row.Comment for row in rows if row.Comment is not None]


def _nest(comments: list[Comment], max_depth: int) -> list[Node]:
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


def visible_comment(
    article: Article, comment_id: int, held_ids: Iterable[int] = ()
) -> Comment | None:
    """A comment of this article that this viewer may see (approved, or one
    of their own held ones), else None: a reply link must not reveal others'
    held comments."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_id != article.id:
        return None
    if comment.status != CommentStatus.APPROVED and comment.id not in set(held_ids):
        return None
    return comment
