"""The learning spam score of a site: the shipped examples plus what its
editors taught it, kept in the database (cms.text.spamscore does the maths).

What the model is: the counts of the shipped training examples
(cms/data/spam/train-*.jsonl, computed once per process from the package, so
a new site scores from its first comment) plus the site's own counts in
`spam_model` / `spam_features`, which only editors' decisions change. Nothing
is written until the first decision; an upgrade that ships better examples
improves every site without losing what each learned.

How it learns (`follow_decisions`, the in-transaction handler of
CommentsChanged): a comment an editor moves to `approved` is learned as ham,
one moved to `spam` as spam; moved back to `pending` (unapprove, or the
undo of a decision) its lesson is taken back; moved to the trash its lesson
stays. A new comment's status is the pipeline's, not a decision, and is never
learned. Each lesson keeps the text it learned (`spam_lessons`) so that an
undo subtracts exactly what was added; a comment edited, or whose commenter
is erased, is learned again from its new text (the old name leaves the
lessons); a lesson row goes when its comment is deleted for good (what it
taught stays).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from cms.events import CommentsChanged
from cms.extensions import db
from cms.models import (
    Comment,
    CommentStatus,
    SpamFeature,
    SpamLesson,
    SpamModelTotals,
    utcnow,
)
from cms.text.spamscore import Model, features

T = TypeVar("T")
TOTALS_ID = 1
CHUNK = 500
PARTS = ("train", "heldout")


def shipped_examples(part: str, kind: str) -> list[dict]:
    """The shipped examples: `part` "train" or "heldout" (never trained on),
    `kind` "spam" or "ham"; each {author, email, url, body}."""
    if part not in PARTS or kind not in ("spam", "ham"):
        raise ValueError(f"no shipped examples {part}-{kind}")
    text = (
        resources.files("cms.data")
        .joinpath("spam", f"{part}-{kind}.jsonl")
        .read_text("utf-8")
    )
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    """The counts of the shipped training part (computed once per process;
    callers must not change it: `site_model` copies what it needs)."""
    model = Model()
    for kind in ("spam", "ham"):
        for row in shipped_examples("train", kind):
            model.learn(features(row["body"], row["author"]), kind == "spam")
    return model


def _chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def site_model(found: Iterable[str]) -> Model:
    """The site's model as far as scoring `found` needs it: the shipped
    counts plus the site's learned counts, for those features and in total."""
    base = shipped_model()
    names = sorted(set(found))
    totals = db.session.execute(
        select(SpamModelTotals.spam_docs, SpamModelTotals.ham_docs,
               SpamModelTotals.spam_total, SpamModelTotals.ham_total,
               SpamModelTotals.vocabulary).where(SpamModelTotals.id == TOTALS_ID)
    ).first()  # fmt: skip
    learned: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(names if totals is not None else []):  # none learned yet
        learned.update(
            (f, (s, h))
            for f, s, h in db.session.execute(
                select(SpamFeature.feature, SpamFeature.spam, SpamFeature.ham).where(
                    SpamFeature.feature.in_(chunk)
                )
            )
        )
    model = Model(
        base.spam_docs, base.ham_docs, base.spam_total, base.ham_total,
        base.vocabulary,
    )  # fmt: skip
    if totals is not None:
        model.spam_docs += totals.spam_docs
        model.ham_docs += totals.ham_docs
        model.spam_total += totals.spam_total
        model.ham_total += totals.ham_total
        model.vocabulary += totals.vocabulary
    for name in names:
        s, h = base.features.get(name, (0, 0))
        ls, lh = learned.get(name, (0, 0))
        if (s, h, ls, lh) != (0, 0, 0, 0):
            model.features[name] = (s + ls, h + lh)
    return model


@dataclass(frozen=True)
class SpamScore:
    """A comment's score (0-100, higher is more like spam); `words()` names
    what speaks most for spam (for the reason chip; worked out on demand)."""

    score: float
    body: str
    found: frozenset[str]
    model: Model

    def words(self) -> list[str]:
        return self.model.explain(self.body, self.found)


def score_comment(author: str, body: str) -> SpamScore:
    """Score a comment with the site's model (one query for its features)."""
    found = frozenset(features(body, author))
    model = site_model(found)
    return SpamScore(model.score(found), body, found, model)


def _ensure_totals() -> None:
    """Create the site's (empty) totals row on first use; a concurrent
    creator wins and its row is used."""
    if db.session.scalar(select(SpamModelTotals.id)) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(SpamModelTotals), [{
                "id": TOTALS_ID, "spam_docs": 0, "ham_docs": 0, "spam_total": 0,
                "ham_total": 0, "vocabulary": 0, "source": "shipped:train",
                "updated_at": utcnow(),
            }])  # fmt: skip
    except IntegrityError:
        pass


@dataclass(frozen=True)
class Lesson:
    """One comment's features, added (sign 1) or taken back (sign -1) as
    spam or ham."""

    found: frozenset[str]
    spam: bool
    sign: int


def _apply(lessons: list[Lesson]) -> None:
    """Apply lessons to the site's counts, all at once: one UPDATE per
    distinct change and chunk, missing features inserted in bulk, rows back
    at zero deleted (as a model that never saw them), totals adjusted
    atomically. Features are changed in sorted order (no deadlocks)."""
    if not lessons:
        return
    deltas: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    docs, totals = [0, 0], [0, 0]
    for lesson in lessons:
        side = 0 if lesson.spam else 1
        for name in lesson.found:
            deltas[name][side] += lesson.sign
        docs[side] += lesson.sign
        totals[side] += lesson.sign * len(lesson.found)
    changes = {name: (d[0], d[1]) for name, d in deltas.items() if d != [0, 0]}
    names = sorted(changes)
    existing: set[str] = set()
    # Locked as read, in code-point order like `names` (PostgreSQL: collation
    # "C"), so that two units teaching overlapping features wait for each
    # other, never deadlock.
    order = SpamFeature.feature
    if db.session.get_bind().dialect.name == "postgresql":
        order = order.collate("C")  # type: ignore[assignment]
    for chunk in _chunks(names):
        existing.update(
            db.session.scalars(
                select(SpamFeature.feature).where(SpamFeature.feature.in_(chunk))
                .order_by(order).with_for_update()
            )
        )  # fmt: skip
    groups: dict[tuple[int, int], list[str]] = defaultdict(list)
    for name in sorted(existing):
        groups[changes[name]].append(name)
    for (spam, ham), members in sorted(groups.items()):
        for chunk in _chunks(members):
            db.session.execute(
                update(SpamFeature).where(SpamFeature.feature.in_(chunk))
                .values(spam=SpamFeature.spam + spam, ham=SpamFeature.ham + ham),
                execution_options={"synchronize_session": False},
            )  # fmt: skip
    base = shipped_model().features
    rows = [
        {"feature": name, "spam": changes[name][0], "ham": changes[name][1]}
        for name in names
        if name not in existing and min(changes[name]) >= 0
    ]
    new = sum(row["feature"] not in base for row in rows)
    try:
        with db.session.begin_nested():
            for part in _chunks(rows):
                db.session.execute(insert(SpamFeature), part)
    except IntegrityError:  # some were counted meanwhile by another transaction
        _insert_one_by_one(rows)
    lowered = sorted(n for n in existing if min(changes[n]) < 0)
    for chunk in _chunks(lowered):
        gone = db.session.scalars(
            delete(SpamFeature)
            .where(SpamFeature.feature.in_(chunk), SpamFeature.spam == 0,
                   SpamFeature.ham == 0)
            .returning(SpamFeature.feature),
            execution_options={"synchronize_session": False},
        ).all()  # fmt: skip
        new -= sum(name not in base for name in gone)
    _ensure_totals()
    db.session.execute(
        update(SpamModelTotals).where(SpamModelTotals.id == TOTALS_ID)
        .values(spam_docs=SpamModelTotals.spam_docs + docs[0],
                ham_docs=SpamModelTotals.ham_docs + docs[1],
                spam_total=SpamModelTotals.spam_total + totals[0],
                ham_total=SpamModelTotals.ham_total + totals[1],
                vocabulary=SpamModelTotals.vocabulary + new,
                updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )  # fmt: skip


def _insert_one_by_one(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(SpamFeature), [row])
        except IntegrityError:
            db.session.execute(
                update(SpamFeature).where(SpamFeature.feature == row["feature"])
                .values(spam=SpamFeature.spam + row["spam"],
                        ham=SpamFeature.ham + row["ham"]),
                execution_options={"synchronize_session": False},
            )  # fmt: skip


def relearn(labels: Mapping[int, bool | None]) -> None:
    """Make the site's lessons say what `labels` says, in one batch:
    {comment id: True (spam), False (ham), None (no lesson)}. A comment whose
    lesson already says so is left alone; one whose label changed has its old
    lesson taken back and the new one learned from the comment's current
    text. Runs in the caller's transaction."""
    ids = sorted(labels)
    held: dict[int, SpamLesson] = {}
    for chunk in _chunks(ids):
        held.update(
            (lesson.comment_id, lesson)
            for lesson in db.session.scalars(
                select(SpamLesson).where(SpamLesson.comment_id.in_(chunk))
            )
        )
    lessons: list[Lesson] = []
    stale = [
        i
        for i in ids
        if i in held and (labels[i] is None or bool(held[i].spam) != labels[i])
    ]
    for comment_id in stale:
        old = held.pop(comment_id)
        lessons.append(Lesson(frozenset(features(old.body, old.author)),
                              bool(old.spam), -1))  # fmt: skip
        db.session.delete(old)
    db.session.flush()  # the old rows go before new ones take their ids
    wanted = [i for i in ids if labels[i] is not None and i not in held]
    texts: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(wanted):
        texts.update(
            (i, (author or "", body or ""))
            for i, author, body in db.session.execute(
                select(Comment.id, Comment.author_name, Comment.body).where(
                    Comment.id.in_(chunk)
                )
            )
        )
    now = utcnow()
    for comment_id in wanted:
        if comment_id not in texts:
            continue
        author, body = texts[comment_id]
        spam = bool(labels[comment_id])
        lessons.append(Lesson(frozenset(features(body, author)), spam, 1))
        lesson = SpamLesson(comment_id=comment_id, spam=int(spam), author=author,
                            body=body, learned_at=now)  # fmt: skip
        db.session.add(lesson)
    db.session.flush()
    _apply(lessons)


def refresh(comment_ids: Iterable[int]) -> None:
    """Comments changed in place (edited, or their commenter erased): a
    lesson on one of them is learned again from its current text, with the
    same label, so the model holds no text the site no longer has (an
    erased name goes from the lessons too) and an undo still takes back
    exactly what is counted."""
    ids = sorted(set(comment_ids))
    held: dict[int, SpamLesson] = {}
    for chunk in _chunks(ids):
        held.update(
            (lesson.comment_id, lesson)
            for lesson in db.session.scalars(
                select(SpamLesson).where(SpamLesson.comment_id.in_(chunk))
            )
        )
    lessons: list[Lesson] = []
    for chunk in _chunks(sorted(held)):
        for comment_id, author, body in db.session.execute(
            select(Comment.id, Comment.author_name, Comment.body).where(
                Comment.id.in_(chunk)
            )
        ):
            lesson = held[comment_id]
            author, body = author or "", body or ""
            if (lesson.author, lesson.body) == (author, body):
                continue
            spam = bool(lesson.spam)
            lessons.append(
                Lesson(frozenset(features(lesson.body, lesson.author)), spam, -1)
            )
            lessons.append(Lesson(frozenset(features(body, author)), spam, 1))
            lesson.author, lesson.body = author, body
    db.session.flush()
    _apply(lessons)


def teach(comment_id: int, spam: bool) -> None:
    """Learn one comment as spam or ham from its current text (replacing
    an earlier lesson on it with another label)."""
    relearn({comment_id: spam})


def forget(comment_id: int) -> None:
    """Take back what the lesson on a comment taught, if there is one."""
    relearn({comment_id: None})


_LABELS = {CommentStatus.APPROVED.value: False, CommentStatus.SPAM.value: True}


def follow_decisions(event: CommentsChanged) -> None:
    """Learn from editors' decisions (the in-transaction handler of
    CommentsChanged; see the module docstring for which moves teach what)."""
    labels: dict[int, bool | None] = {}
    drop_ids: list[int] = []
    for move in event.moves:
        if move.before is None or move.before == move.after:
            continue  # a new (or re-inserted) comment: the pipeline's verdict
        if move.after is None:
            drop_ids.append(move.comment_id)
        elif move.after in _LABELS:
            labels[move.comment_id] = _LABELS[move.after]
        elif move.after == CommentStatus.PENDING.value:
            labels[move.comment_id] = None
    relearn(labels)
    moved = {move.comment_id for move in event.moves}
    refresh([i for i in event.ids if i not in moved])
    for chunk in _chunks(sorted(drop_ids)):
        # (the session forgets its copies of the deleted rows too)
        db.session.execute(delete(SpamLesson).where(SpamLesson.comment_id.in_(chunk)))
