"""Arranging an article's comments into threads for its page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

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
    shown becomes top-level. Top-level comments are paged 50 at a time."""
    held = [i for i in held_ids if isinstance(i, int)]
    if not held and article.comment_count == 0:
        return Thread([], 1, 1)  # the common case needs no query
    visible = Comment.status == CommentStatus.APPROVED
    if held:
        visible = or_(visible, Comment.id.in_(held))
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.article_id == article.id, visible)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    shown = {c.id for c in comments}
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for comment in comments:  # oldest first: a parent usually precedes replies
        # A parent not shown, or not placed yet (an imported reply dated
        # before its parent), makes the reply top-level.
        parent = nodes.get(comment.parent_id) if comment.parent_id in shown else None
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
    pages = max(1, -(-len(roots) // TOP_LEVEL_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * TOP_LEVEL_PER_PAGE
    return Thread(roots[start : start + TOP_LEVEL_PER_PAGE], page, pages)


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
