"""The one matcher built from the site's word rules (cms.text.wordfilter),
and those rules applied to articles (their bodies and titles).

Guarantees: `current_matcher()` is built once per version of the rules
(count, last id, last change) and reused until they change, in every
worker (the version is read from the database, not from events); applying
the rules to an article respects its editors' exemptions and never changes
the source. Storing and changing the rules is cms.services.wordrule_store.
"""

from __future__ import annotations

from datetime import datetime
from threading import Lock

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import WordExemption, WordRule
from cms.text.wordfilter import (
    Action,
    Exemption,
    Kind,
    Matcher,
    Result,
    Rule,
)


def rule_of(row: WordRule) -> Rule:
    """The engine's rule for a stored row."""
    return Rule(
        row.phrase,
        Action(row.action),
        row.replacement,
        frozenset(s for s in row.scopes.split(",") if s),
        Kind(row.kind),
        row.keep_punct,
        row.group,
        row.id,
    )


# --- the matcher, cached per version ---------------------------------------

_cache: dict[str, tuple[tuple, Matcher]] = {}
_lock = Lock()


def rules_version() -> tuple[int, int, datetime | None]:
    """What changes whenever a rule is added, edited or removed."""
    count, last_id, last_change = db.session.execute(
        select(
            func.count(WordRule.id),
            func.max(WordRule.id),
            func.max(WordRule.updated_at),
        )
    ).one()
    return count, last_id or 0, last_change


def stored_rules() -> list[Rule]:
    """Every stored rule and exception, oldest first."""
    return [
        rule_of(row)
        for row in db.session.scalars(select(WordRule).order_by(WordRule.id))
    ]


def current_matcher(extra: tuple[Rule, ...] = ()) -> Matcher:
    """The matcher of the stored rules (plus `extra`, for rules that still
    live in settings), built once per version of the rules."""
    version = (rules_version(), extra)
    key = "rules"
    cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        matcher = Matcher.build([*stored_rules(), *extra])
        _cache[key] = (version, matcher)
    return matcher


def forget_matcher() -> None:
    """Drop the cached matcher (tests; the version check suffices otherwise)."""
    _cache.clear()


# --- articles ----------------------------------------------------------------


BODY = "body"
TITLE = "title"
EXEMPTION_FIELDS = (BODY, TITLE)
# Shown to readers when the rules leave nothing of a title.
UNTITLED = "（无标题）"


def article_exemptions(article_id: int | None, field: str = BODY) -> list[Exemption]:
    """The occurrences of article `article_id` its editors kept as written,
    in its body (the Markdown source and the written excerpt) or title."""
    if article_id is None:
        return []
    rows = db.session.scalars(
        select(WordExemption)
        .where(WordExemption.article_id == article_id, WordExemption.field == field)
        .order_by(WordExemption.id)
    )
    return [Exemption(r.phrase, r.left, r.right) for r in rows]


def filter_article_source(
    article_id: int | None, markdown: str, matcher: Matcher | None = None
) -> Result:
    """The article's Markdown with the rules of the `articles` scope applied
    (its exemptions respected): what the published rendition is made from.
    The source itself is never changed."""
    return (matcher or current_matcher()).apply(
        markdown, "articles", article_exemptions(article_id)
    )


def filter_article_title(
    article_id: int | None, title: str, matcher: Matcher | None = None
) -> Result:
    """The article's title with the rules of the `articles` scope applied
    (its title exemptions respected): what `public_title` is made from."""
    return (matcher or current_matcher()).apply(
        title, "articles", article_exemptions(article_id, TITLE)
    )


def public_title_of(
    article_id: int | None, title: str, matcher: Matcher | None = None
) -> str:
    """The title readers see: the filtered title, one line, never empty."""
    shown = " ".join(filter_article_title(article_id, title, matcher).text.split())
    return shown or UNTITLED
