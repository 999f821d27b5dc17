"""Related articles: for each published article, the six most related
published articles, computed after commit and stored, so that showing them
costs one indexed read (`related_for`).

Guarantees:
- The content score is the cosine of two articles' unit-length TF-IDF
  vectors over their KEY_TERMS strongest terms: title terms weigh TITLE_WEIGHT,
  tag names TAG_WEIGHT, body terms 1 (term frequency damped as 1 + ln tf);
  the same category adds CATEGORY_BONUS; ties go to the newer article.
- Cost is bounded by the candidate set, not by the site: candidates are the
  articles sharing the key terms, taken rarest term first, at most
  MAX_CANDIDATES, scored from each term's POSTINGS_PER_TERM strongest
  postings; never all pairs.
- Publishing (or changing) an article also enters it into the lists of the
  candidates where it now scores in the top six; unpublishing removes it
  from every list in the unpublishing transaction (`forget_in_transaction`),
  and the lists it left are refilled later.
- Editors' pins come first, in their order; excluded articles never show.
- Fewer than six related by content: the list is filled with the newest
  articles of the same category.
- The work is queued (RelatedQueue) in the transaction of the change and done
  after commit: by a thread of the worker (RELATED_MODE "thread"), at once in
  the after-commit handler ("inline", tests), or by `flask cms tick`.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import CursorResult, bindparam, delete, func, insert, select, update

from cms.database import call_after_commit, end_read, write_transaction
from cms.events import (
    ArticleChanged,
    ContentImported,
    RelatedChanged,
    TaxonomyChanged,
    emit,
)
from cms.extensions import db
from cms.models import (
    Article,
    ArticleStatus,
    ArticleTerm,
    ArticleVector,
    Category,
    RelatedArticle,
    RelatedOverride,
    RelatedQueue,
    Tag,
    TermStat,
    utcnow,
)
from cms.models.related import TERM_LENGTH
from cms.services.errors import InvalidInput, NotFound
from cms.text import segment
from cms.text.excerpt import html_to_text

SHOWN = 6
KEY_TERMS = 60
MAX_CANDIDATES = 2000
TITLE_WEIGHT = 4.5
TAG_WEIGHT = 4.0
# Character pairs of longer Chinese words count too (as "#xy"), at this share
# of the word's weight: 信用卡 and 信用 then meet. Tuned on the demo corpus
# (bench/related.py): precision@5 0.73 without, 0.82 with (0.85 with `_expand`).
BIGRAM_WEIGHT = 1.0
QUEUE_BATCH = 200
EXPANSION = 1.0
EXPAND_NEIGHBOURS = 3
CATEGORY_BONUS = 0.05
MIN_SCORE = 0.01
BATCH = 500  # ids per IN (…) list
DOCS = ""  # TermStat's row counting indexed articles

_site_words_loaded: dict[int, bool] = {}


def load_site_words(force: bool = False) -> None:
    """Teach the segmenter the site's tag and category names (once per
    process and app; again after TaxonomyChanged)."""
    key = id(current_app._get_current_object())  # type: ignore[attr-defined]
    if _site_words_loaded.get(key) and not force:
        return
    names = list(db.session.scalars(select(Tag.name)))
    names += list(db.session.scalars(select(Category.name)))
    segment.add_words(names)
    _site_words_loaded[key] = True


def learn_site_words(_event: TaxonomyChanged) -> None:
    """After-commit handler of TaxonomyChanged: new names join the dictionary."""
    load_site_words(force=True)


# -- Term vectors ----------------------------------------------------------------


def term_counts(title: str, tags: Iterable[str], body_text: str) -> dict[str, float]:
    """Weighted term frequencies of an article: title and tags weigh more."""
    counts: dict[str, float] = defaultdict(float)
    tfs: dict[str, int] = defaultdict(int)
    for word in segment.words(body_text):
        tfs[word] += 1
    for term, tf in tfs.items():
        counts[term[:TERM_LENGTH]] += 1 + math.log(tf)
    for term in set(segment.words(title)):
        counts[term[:TERM_LENGTH]] += TITLE_WEIGHT
    for tag in tags:
        for term in {segment.normalize(tag).strip(), *segment.words(tag)}:
            if term:
                counts[term[:TERM_LENGTH]] += TAG_WEIGHT
    if BIGRAM_WEIGHT:
        for word, weight in list(counts.items()):
            if len(word) > 2 and not word.isascii():
                for i in range(len(word) - 1):
                    counts["#" + word[i : i + 2]] += weight * BIGRAM_WEIGHT
    return {term: round(weight, 4) for term, weight in counts.items()}


def key_terms(
    counts: dict[str, float], df: dict[str, int], docs: int
) -> dict[str, float]:
    """The KEY_TERMS strongest TF-IDF terms, scaled to unit length."""
    weights = {
        term: tf * (math.log((docs + 1) / (df.get(term, 0) + 1)) + 1.0)
        for term, tf in counts.items()
    }
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:KEY_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {term: w / norm for term, w in top}


def _batches(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _doc_frequencies(terms: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _batches(sorted(set(terms) | {DOCS})):
        for term, df in db.session.execute(
            select(TermStat.term, TermStat.df).where(TermStat.term.in_(chunk))
        ):
            found[term] = df
    return found


def _bump(terms: Iterable[str], delta: int) -> None:
    """Add `delta` to the document frequency of each term (rows made as needed)."""
    terms = sorted(set(terms))
    if not terms:
        return
    present: set[str] = set()
    for chunk in _batches(terms):
        present.update(
            db.session.scalars(select(TermStat.term).where(TermStat.term.in_(chunk)))
        )
        db.session.execute(
            update(TermStat)
            .where(TermStat.term.in_(chunk))
            .values(df=TermStat.df + delta)
        )
    missing = [t for t in terms if t not in present]
    if missing and delta > 0:
        db.session.execute(
            insert(TermStat), [{"term": t, "df": delta} for t in missing]
        )


def _stored_counts(vector: ArticleVector) -> dict[str, float]:
    counts: dict[str, float] = json.loads(vector.terms or "{}")
    return counts


def _unindex(article_id: int) -> None:
    vector = db.session.get(ArticleVector, article_id)
    if vector is None:
        return
    _bump([*_stored_counts(vector), DOCS], -1)
    db.session.delete(vector)
    db.session.execute(delete(ArticleTerm).where(ArticleTerm.article_id == article_id))


def _count(article: Article) -> None:
    """Segment an article again: its weighted term counts, kept, and the
    document frequencies that follow (its key terms are left to `_weigh`)."""
    _unindex(article.id)
    db.session.flush()
    segment.add_words([t.name for t in article.tags])
    if article.category is not None:
        segment.add_words([article.category.name])
    counts = term_counts(
        article.public_title,
        [t.name for t in article.tags],
        html_to_text(article.body_html),
    )
    _bump([*counts, DOCS], +1)
    db.session.add(
        ArticleVector(
            article_id=article.id, terms=json.dumps(counts, ensure_ascii=False)
        )
    )


def _weigh(article_id: int, expand: bool = True) -> dict[str, float]:
    """An article's key terms from its kept counts and today's document
    frequencies (expanded by its neighbours unless `expand` is false), stored
    in the inverted index; returns them."""
    db.session.flush()
    vector_row = db.session.get(ArticleVector, article_id)
    counts = _stored_counts(vector_row) if vector_row is not None else {}
    df = _doc_frequencies(counts)
    vector = key_terms(counts, df, df.get(DOCS, 1))
    db.session.execute(delete(ArticleTerm).where(ArticleTerm.article_id == article_id))
    if expand:
        vector = _expand(article_id, vector)
    if vector:
        db.session.execute(
            insert(ArticleTerm),
            [{"article_id": article_id, "term": t, "weight": w}
             for t, w in vector.items()],
        )  # fmt: skip
    return vector


def _expand(article_id: int, vector: dict[str, float]) -> dict[str, float]:
    """The article's vector with its EXPAND_NEIGHBOURS nearest articles'
    vectors added (each times its similarity and EXPANSION), cut to KEY_TERMS
    and scaled to unit length: the topic's words an article does not use
    itself still count (pseudo-relevance feedback; on the demo corpus
    precision@5 goes from 0.82 to 0.85). One more candidate search."""
    if not EXPANSION or not vector:
        return vector
    nearest = score_candidates(article_id, vector, None, bonus=0.0)[:EXPAND_NEIGHBOURS]
    expanded = defaultdict(float, vector)
    similarity = {n.article_id: n.score for n in nearest}
    if similarity:
        for other, term, weight in db.session.execute(
            select(ArticleTerm.article_id, ArticleTerm.term, ArticleTerm.weight).where(
                ArticleTerm.article_id.in_(list(similarity))
            )
        ):
            expanded[term] += EXPANSION * similarity[other] * weight
    top = sorted(expanded.items(), key=lambda kv: (-kv[1], kv[0]))[:KEY_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {term: w / norm for term, w in top}


def _index(article: Article) -> dict[str, float]:
    """(Re)compute an article's counts and key terms; returns the key terms."""
    _count(article)
    return _weigh(article.id)


def _stored_vector(article_id: int) -> dict[str, float]:
    return dict(
        db.session.execute(
            select(ArticleTerm.term, ArticleTerm.weight).where(
                ArticleTerm.article_id == article_id
            )
        ).all()
    )


# -- Scoring -----------------------------------------------------------------------

POSTINGS_PER_TERM = 500
_POSTINGS = (
    select(ArticleTerm.article_id, ArticleTerm.weight)
    .where(ArticleTerm.term == bindparam("term"))
    .order_by(ArticleTerm.weight.desc())
    .limit(POSTINGS_PER_TERM)
)


@dataclass(frozen=True)
class Scored:
    """A candidate's score against one article."""

    article_id: int
    score: float
    published_at: datetime | None


def score_candidates(
    article_id: int,
    vector: dict[str, float],
    category_id: int | None,
    bonus: float | None = None,
    cap: int = MAX_CANDIDATES,
) -> list[Scored]:
    """Every candidate's score, best first (ties: newer first). Candidates are
    the articles sharing the key terms, rarest terms first, at most `cap`."""
    if bonus is None:
        bonus = CATEGORY_BONUS  # read now: the benchmark switches it off
    if not vector:
        return []
    df = _doc_frequencies(vector)
    terms = sorted(vector, key=lambda t: (df.get(t, 0), t))
    # The dot product, read off the postings: each term's strongest
    # POSTINGS_PER_TERM; an article becomes a candidate while there is room
    # (rarest terms first), and later terms only add to the candidates.
    scores: dict[int, float] = defaultdict(float)
    for term in terms:
        mine = vector[term]
        for other, weight in db.session.execute(_POSTINGS, {"term": term}):
            if other != article_id and (other in scores or len(scores) < cap):
                scores[other] += weight * mine
    ids = list(scores)
    facts: dict[int, tuple[int | None, datetime | None]] = {}
    for chunk in _batches(ids):
        for other, other_category, published_at in db.session.execute(
            select(Article.id, Article.category_id, Article.published_at).where(
                Article.id.in_(chunk)
            )
        ):
            facts[other] = (other_category, published_at)
    out = []
    for other, score in scores.items():
        other_category, published_at = facts.get(other, (None, None))
        if bonus and category_id is not None and other_category == category_id:
            score += bonus
        out.append(Scored(other, score, published_at))
    out.sort(key=_rank)
    return out


def _rank(item: Scored) -> tuple[float, float, int]:
    when = item.published_at.timestamp() if item.published_at else 0.0
    return (-round(item.score, 9), -when, -item.article_id)


# -- Stored lists ------------------------------------------------------------------


def _overrides(article_id: int) -> tuple[list[int], set[int]]:
    pins, excluded = [], set()
    for other, pinned in db.session.execute(
        select(RelatedOverride.other_id, RelatedOverride.pinned)
        .where(RelatedOverride.article_id == article_id)
        .order_by(RelatedOverride.position, RelatedOverride.other_id)
    ):
        if pinned:
            pins.append(other)
        else:
            excluded.add(other)
    return pins, excluded


def _published(ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    found: set[int] = set()
    for chunk in _batches(ids):
        found.update(
            db.session.scalars(
                select(Article.id).where(
                    Article.id.in_(chunk), Article.status == ArticleStatus.PUBLISHED
                )
            )
        )
    return found


def _fill(article: Article, taken: set[int], count: int) -> list[int]:
    if count <= 0 or article.category_id is None:
        return []
    rows = db.session.scalars(
        select(Article.id)
        .where(
            Article.category_id == article.category_id,
            Article.visible(utcnow()),
            Article.id.not_in(taken | {article.id}),
        )
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(count)
    )
    return list(rows)


def _write_list(article: Article, scored: list[Scored]) -> None:
    """Store an article's list: pins, then the best scored, then fill."""
    pins, excluded = _overrides(article.id)
    pins = [p for p in pins if p in _published(pins)][:SHOWN]
    entries: list[tuple[int, float, str]] = [(p, 0.0, "pin") for p in pins]
    taken = set(pins) | excluded | {article.id}
    for item in scored:
        if len(entries) >= SHOWN:
            break
        if item.article_id not in taken and item.score >= MIN_SCORE:
            entries.append((item.article_id, item.score, "score"))
            taken.add(item.article_id)
    for other in _fill(article, taken, SHOWN - len(entries)):
        entries.append((other, 0.0, "fill"))
    db.session.execute(
        delete(RelatedArticle).where(RelatedArticle.article_id == article.id)
    )
    if entries:
        db.session.execute(
            insert(RelatedArticle),
            [{"article_id": article.id, "position": i, "related_id": other,
              "score": score, "kind": kind}
             for i, (other, score, kind) in enumerate(entries)],
        )  # fmt: skip


def _stored_scored(ids: Sequence[int]) -> dict[int, list[Scored]]:
    """The content-scored entries of several lists."""
    lists: dict[int, list[Scored]] = {i: [] for i in ids}
    for chunk in _batches(ids):
        for owner, other, score, published_at in db.session.execute(
            select(
                RelatedArticle.article_id,
                RelatedArticle.related_id,
                RelatedArticle.score,
                Article.published_at,
            )
            .join(Article, Article.id == RelatedArticle.related_id)
            .where(RelatedArticle.article_id.in_(chunk), RelatedArticle.kind == "score")
        ):
            lists[owner].append(Scored(other, score, published_at))
    return lists


def _spread(article: Article, scored: list[Scored]) -> list[int]:
    """Enter `article` into the lists of the candidates where it now scores
    in the top six (scores are symmetric); returns the lists changed."""
    me_when = article.published_at
    hopeful = [s for s in scored if s.score >= MIN_SCORE]
    current = _stored_scored([s.article_id for s in hopeful])
    changed = []
    for item in hopeful:
        entries = current[item.article_id]
        mine = Scored(article.id, item.score, me_when)
        if len(entries) >= SHOWN and _rank(mine) >= _rank(max(entries, key=_rank)):
            continue
        other = db.session.get(Article, item.article_id)
        if other is None:
            continue
        merged = sorted([e for e in entries if e.article_id != article.id] + [mine],
                        key=_rank)  # fmt: skip
        _write_list(other, merged)
        changed.append(other.id)
    return changed


def refresh(article_id: int, spread: bool = False, counted: bool = False) -> list[int]:
    """Recompute one article's stored list (its key terms too when `spread`,
    and then enter it into other lists; `counted`: its counts were just
    taken by the caller). An article that is not published
    leaves the index and every list. Returns the ids of the lists written.
    Runs in the caller's unit of work (opens one when called outside)."""
    with write_transaction():
        load_site_words()
        article = db.session.get(Article, article_id)
        if article is None or article.status != ArticleStatus.PUBLISHED:
            _unindex(article_id)
            left = _leave_lists(article_id)
            db.session.execute(
                delete(RelatedArticle).where(RelatedArticle.article_id == article_id)
            )
            _queue(left, spread=False)
            return left
        left = []
        if spread or db.session.get(ArticleVector, article_id) is None:
            left = _leave_lists(article_id)
            vector = _weigh(article_id) if counted else _index(article)
        else:
            vector = _stored_vector(article_id)
        scored = score_candidates(article_id, vector, article.category_id)
        _write_list(article, scored)
        changed = [article_id]
        if spread or left:
            changed += _spread(article, scored)
        _queue([i for i in left if i not in changed], spread=False)
        if changed:
            emit(RelatedChanged(tuple(sorted(set(changed)))))
        return changed


def _leave_lists(article_id: int) -> list[int]:
    """Take an article out of every other list at once; returns those lists."""
    owners = sorted(
        set(
            db.session.scalars(
                select(RelatedArticle.article_id).where(
                    RelatedArticle.related_id == article_id
                )
            )
        )
        - {article_id}
    )
    if owners:
        db.session.execute(
            delete(RelatedArticle).where(RelatedArticle.related_id == article_id)
        )
    return owners


def _queue(ids: Iterable[int], spread: bool) -> None:
    ids = sorted(set(ids))
    if not ids:
        return
    queued: set[int] = set()
    for chunk in _batches(ids):
        queued.update(
            db.session.scalars(
                select(RelatedQueue.article_id).where(
                    RelatedQueue.article_id.in_(chunk)
                )
            )
        )
        if spread:
            db.session.execute(
                update(RelatedQueue)
                .where(RelatedQueue.article_id.in_(chunk))
                .values(spread=True)
            )
    fresh = [i for i in ids if i not in queued]
    if fresh:
        now = utcnow()
        db.session.execute(
            insert(RelatedQueue),
            [{"article_id": i, "spread": spread, "queued_at": now} for i in fresh],
        )


# -- Following the events ----------------------------------------------------------

RELATED_FIELDS = {"created", "deleted", "status", "title", "body", "tags",
                  "category", "published_at", "excerpt"}  # fmt: skip


def queue_imported(event: ContentImported) -> None:
    """In-transaction handler of ContentImported: queue the batch's articles
    (their lists, and their places in others', are computed after commit)."""
    _queue(event.article_ids, spread=True)


def queue_in_transaction(event: ArticleChanged) -> None:
    """In-transaction handler of ArticleChanged: queue the article (its
    content changed, or it entered or left the published set). An article
    leaving `published` leaves every related list now, in this transaction."""
    relevant = RELATED_FIELDS & set(event.fields) or (
        event.before_status != event.after_status
    )
    if not relevant:
        return
    if "deleted" in event.fields:
        _leave_lists(event.article_id)
        return
    if (
        event.after_status != ArticleStatus.PUBLISHED.value
        and event.before_status == ArticleStatus.PUBLISHED.value
    ):
        left = _leave_lists(event.article_id)
        _queue(left, spread=False)
    _queue([event.article_id], spread=True)


def work_after_commit(_event: ArticleChanged) -> None:
    """After-commit handler of ArticleChanged: see `wake`."""
    wake()


def wake() -> None:
    """Do the queued work now (RELATED_MODE "inline"), wake the worker's
    thread ("thread", the default), or leave it to `flask cms tick` ("tick")."""
    mode = current_app.config.get("RELATED_MODE", "thread")
    if mode == "inline":
        process_queue()
    elif mode == "thread":
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        worker = app.extensions.setdefault("cms_related_worker", Worker(app))
        worker.poke()


def process_queue(limit: int | None = None) -> int:
    """Compute the queued lists, oldest first, in batches: first every
    changed article of the batch is segmented (so that all their document
    frequencies are in before any weights are taken: a bulk import weighs
    its first article like its last), then each list is computed in its own
    transaction, which takes it off the queue. Returns how many were done."""
    done = 0
    while limit is None or done < limit:
        size = QUEUE_BATCH if limit is None else min(QUEUE_BATCH, limit - done)
        rows = db.session.execute(
            select(RelatedQueue.article_id, RelatedQueue.spread)
            .order_by(RelatedQueue.queued_at, RelatedQueue.article_id)
            .limit(size)
        ).all()
        if not rows:
            break
        counted = set()
        with write_transaction():
            load_site_words()
            for article_id, spread in rows:
                article = db.session.get(Article, article_id)
                if spread and article and article.status == ArticleStatus.PUBLISHED:
                    _count(article)
                    counted.add(article_id)
            # Plain key terms for the whole batch first, so that each
            # article's expansion finds its neighbours among all of them.
            if len(counted) > 1:
                for article_id in counted:
                    _weigh(article_id, expand=False)
        for article_id, spread in rows:
            with write_transaction():
                result = db.session.execute(
                    delete(RelatedQueue).where(RelatedQueue.article_id == article_id)
                )
                taken = result.rowcount if isinstance(result, CursorResult) else 1
                if taken:
                    refresh(article_id, spread=spread, counted=article_id in counted)
            done += 1
    end_read()
    return done


class Worker:
    """One background thread per process that drains the queue after a
    commit woke it, then ends (the next change starts it again)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def poke(self) -> None:
        with self.lock:
            self.wake.set()
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._run, name="cms-related", daemon=True
                )
                self.thread.start()

    def _run(self) -> None:
        while True:
            with self.lock:
                if not self.wake.is_set():
                    self.thread = None
                    return
                self.wake.clear()
            with self.app.app_context():
                try:
                    process_queue()
                except Exception:
                    current_app.logger.exception("related lists failed")
                finally:
                    db.session.remove()


# -- Reading and editing -----------------------------------------------------------


@dataclass(frozen=True)
class RelatedItem:
    """What the article page shows for one related article."""

    public_id: str
    title: str
    summary: str
    published_at: datetime | None
    view_count: int
    comment_count: int
    kind: str
    id: int


def related_for(article_id: int, now: datetime | None = None) -> list[RelatedItem]:
    """The stored list, in order, of articles readers may see: one indexed
    read (related_articles by article id, joined to articles by key)."""
    rows = db.session.execute(
        select(
            Article.public_id, Article.public_title, Article.summary,
            Article.published_at, Article.view_count, Article.comment_count,
            RelatedArticle.kind, Article.id,
        )
        .join(Article, Article.id == RelatedArticle.related_id)
        .where(RelatedArticle.article_id == article_id,
               Article.visible(now or utcnow()))
        .order_by(RelatedArticle.position)
    )  # fmt: skip
    return [RelatedItem(*row) for row in rows]


def overrides_of(article_id: int) -> tuple[list[str], list[str]]:
    """An article's pinned and excluded articles, as public ids (pins in order)."""
    rows = db.session.execute(
        select(Article.public_id, RelatedOverride.pinned)
        .join(Article, Article.id == RelatedOverride.other_id)
        .where(RelatedOverride.article_id == article_id)
        .order_by(RelatedOverride.position, RelatedOverride.other_id)
    )
    pins = [pid for pid, pinned in rows if pinned]
    excluded = [
        pid
        for pid, pinned in db.session.execute(
            select(Article.public_id, RelatedOverride.pinned)
            .join(Article, Article.id == RelatedOverride.other_id)
            .where(RelatedOverride.article_id == article_id)
        )
        if not pinned
    ]
    return pins, excluded


class PickError(InvalidInput):
    """InvalidInput about one of the editor's two lists: `field` is "pins"
    or "excluded", so that the message can stand beside that field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


_PUBLIC_ID = re.compile(r"[0-9A-Za-z]{16}")


def _ids_of(public_ids: Sequence[str], article_id: int, field: str) -> list[int]:
    # Only well-formed ids reach the query (PostgreSQL refuses NUL in text).
    wellformed = [p for p in public_ids if _PUBLIC_ID.fullmatch(p)]
    found = dict(
        db.session.execute(
            select(Article.public_id, Article.id).where(
                Article.public_id.in_(wellformed)
            )
        ).all()
    )
    missing = [p for p in public_ids if p not in found]
    if missing:
        shown = ("".join(c for c in p if c.isprintable())[:40] for p in missing)
        raise PickError(f"找不到这些文章：{'、'.join(shown)}", field)
    ids = [found[p] for p in public_ids]
    if article_id in ids:
        raise PickError("不能把文章自己设为相关文章", field)
    return ids


def set_overrides(
    article_id: int, pins: Sequence[str], excluded: Sequence[str]
) -> bool:
    """Replace an article's pins (in order) and exclusions (public ids or
    article URLs), and queue its list; returns False (and queues nothing)
    when they are what is stored already. PickError (an InvalidInput naming
    the list) for unknown articles, the article itself, or one both pinned
    and excluded: nothing changes then, and the caller's unit of work (the
    editor's save) is rolled back with it."""
    pins = list(dict.fromkeys(_public_id(p) for p in pins if p.strip()))
    excluded = list(dict.fromkeys(_public_id(p) for p in excluded if p.strip()))
    if set(pins) & set(excluded):
        raise PickError("同一篇文章不能既置顶又排除", "excluded")
    with write_transaction():
        if db.session.get(Article, article_id) is None:
            raise NotFound("文章不存在")
        pin_ids = _ids_of(pins, article_id, "pins")
        excluded_ids = _ids_of(excluded, article_id, "excluded")
        stored_pins, stored_excluded = _overrides(article_id)
        if stored_pins == pin_ids and stored_excluded == set(excluded_ids):
            return False
        db.session.execute(
            delete(RelatedOverride).where(RelatedOverride.article_id == article_id)
        )
        rows = [
            {"article_id": article_id, "other_id": other, "pinned": True, "position": i}
            for i, other in enumerate(pin_ids)
        ]
        rows += [{"article_id": article_id, "other_id": other, "pinned": False,
                  "position": 0} for other in excluded_ids]  # fmt: skip
        if rows:
            db.session.execute(insert(RelatedOverride), rows)
        _queue([article_id], spread=False)
        call_after_commit(wake)
        return True


def titles_of(public_ids: Sequence[str]) -> dict[str, str]:
    """The titles of the articles named by public id or URL (unknown ones
    are left out), keyed by what was given."""
    wanted = {text: _public_id(text) for text in public_ids if text.strip()}
    wanted = {text: p for text, p in wanted.items() if _PUBLIC_ID.fullmatch(p)}
    if not wanted:
        return {}
    titles = dict(
        db.session.execute(
            select(Article.public_id, Article.title).where(
                Article.public_id.in_(sorted(set(wanted.values())))
            )
        ).all()
    )
    return {text: titles[pid] for text, pid in wanted.items() if pid in titles}


@dataclass(frozen=True)
class Found:
    """An article an editor may pin or exclude, found by its title."""

    public_id: str
    title: str
    published_at: datetime | None


FIND_LIMIT = 10


def find_by_title(query: str, article_id: int | None) -> list[Found]:
    """Up to FIND_LIMIT published articles whose title contains `query`
    (any characters taken literally), newest first, never `article_id`."""
    query = query.strip()[:100]
    if not query:
        return []
    pattern = (
        "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    )
    rows = db.session.execute(
        select(Article.public_id, Article.title, Article.published_at)
        .where(
            Article.status == ArticleStatus.PUBLISHED,
            Article.title.like(pattern, escape="\\"),
            Article.id != (article_id or 0),
        )
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(FIND_LIMIT)
    )
    return [Found(*row) for row in rows]


def _public_id(text: str) -> str:
    """A public id from an id or an article URL (…/ID.html)."""
    text = text.strip().rstrip("/")
    tail = text.rsplit("/", 1)[-1]
    return tail.removesuffix(".html")


def rebuild_all() -> int:
    """Index every published article again and recompute every list (after a
    dictionary change or an import); returns how many articles."""
    with write_transaction():
        db.session.execute(delete(ArticleTerm))
        db.session.execute(delete(ArticleVector))
        db.session.execute(delete(TermStat))
        db.session.execute(delete(RelatedArticle))
        ids = list(
            db.session.scalars(
                select(Article.id).where(Article.status == ArticleStatus.PUBLISHED)
            )
        )
        load_site_words(force=True)
        for article_id in ids:
            article = db.session.get(Article, article_id)
            if article is not None:
                _count(article)
        for article_id in ids:
            _weigh(article_id, expand=False)
        for article_id in ids:
            _weigh(article_id)
    for article_id in ids:
        refresh(article_id)
    return len(ids)


def pending_count() -> int:
    """How many lists wait in the queue."""
    return db.session.scalar(select(func.count()).select_from(RelatedQueue)) or 0
