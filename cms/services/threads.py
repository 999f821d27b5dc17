"""Arranging an article's comments into threads for its page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from cms.extensions import db
from cms.models import Article, Comment, CommentStatus, Role, User

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
    article: Article, max_depth: int, page: int = 1, held_ids: Iterable[int] = ()
) -> Thread:
    """Approved comments (and the viewer's own held ones, named by `held_ids`),
    oldest first, nested up to `max_depth` levels: a deeper reply is shown at
    the deepest level, naming whom it answers. A reply whose parent is not
    shown becomes top-level. Top-level comments are paged 50 at a time,
    pinned ones first (newest pin first).

    Approved top-level comments carry their 楼层 (1 for the oldest), counted
    over every page and regardless of pins or the viewer's held comments, so
    a comment keeps its number from page to page and viewer to viewer.
    Comments written from a staff account carry a badge: 作者 for the
    article's owner, 博主 for an administrator, 编辑 for an editor."""
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
    floor = 0
    for node in roots:
        if not node.held:
            floor += 1
            node.floor = floor
    _add_badges(article, nodes.values())
    pinned = sorted(
        (n for n in roots if n.pinned),
        key=lambda n: n.comment.pinned_at,  # type: ignore[arg-type, return-value]
        reverse=True,
    )
    if pinned:
        roots = pinned + [n for n in roots if not n.pinned]
    held_count = sum(1 for n in nodes.values() if n.held)
    pages = max(1, -(-len(roots) // TOP_LEVEL_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * TOP_LEVEL_PER_PAGE
    return Thread(roots[start : start + TOP_LEVEL_PER_PAGE], page, pages, held_count)


def _add_badges(article: Article, nodes: Iterable[Node]) -> None:
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
