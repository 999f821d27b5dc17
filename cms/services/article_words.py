"""The word rules and articles: the editor's preview of what the rules do
to a source, exemptions of single occurrences, and re-application of the
rules to published articles after the rules change; and the dry run of a
rule not yet saved, over the stored comments and articles.

Guarantees: the Markdown source and the title as written are never changed
(only the rendition: body HTML, summary and `public_title`); an exemption
names one occurrence of the body or of the title by its words and a few
characters either side (cms.text.wordfilter.Exemption), so it survives
edits elsewhere, re-application and rule changes; `affected_articles()`
counts exactly the articles `reapply()` then re-renders (both compare the
rendition the rules give now with the stored one); `dry_run()` counts
exactly what applying the rule would catch (it runs the site's matcher with
the rule added).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from cms.database import write_transaction
from cms.events import ArticleChanged, emit
from cms.extensions import db
from cms.models import Article, ArticleStatus, Comment, User, WordExemption
from cms.services.article_writing import (
    rendition_changes,
    rendition_of,
    rerender_article,
)
from cms.services.audit import record
from cms.services.errors import InvalidInput, NotFound
from cms.services.wordrule_store import get_rule
from cms.services.wordrules import (
    BODY,
    EXEMPTION_FIELDS,
    TITLE,
    current_matcher,
    filter_article_source,
    filter_article_title,
    rule_of,
    rules_version,
    stored_rules,
)
from cms.text.wordfilter import (
    Action,
    Change,
    Matcher,
    Result,
    Rule,
    RuleError,
    exemption_for,
)

# Actions that change nothing in an article: shown to editors as flags.
_ARTICLE_EDITS = (Action.REPLACE, Action.STRIP)


@dataclass(frozen=True)
class Preview:
    """What the rules do to a source: the result and, for the editor, the
    source cut into plain text and marked changes (`segments`: (text,
    change or None)), with the exempted occurrences marked too."""

    result: Result
    segments: list[tuple[str, Change | None, bool]] = field(default_factory=list)

    @property
    def edits(self) -> int:
        return sum(1 for c in self.result.changes if c.rule.action in _ARTICLE_EDITS)


def segments_of(text: str, result: Result) -> list[tuple[str, Change | None, bool]]:
    """`text` cut at every change and exempted occurrence: (piece, change,
    exempted) in order; pieces without a change have None."""
    marks = sorted(
        [(c, False) for c in result.changes] + [(c, True) for c in result.exempted],
        key=lambda m: m[0].start,
    )
    out: list[tuple[str, Change | None, bool]] = []
    position = 0
    for change, exempted in marks:
        if change.start < position:
            continue
        if change.start > position:
            out.append((text[position : change.start], None, False))
        out.append((change.before, change, exempted))
        position = change.end
    if position < len(text):
        out.append((text[position:], None, False))
    return out


def preview(markdown: str, article_id: int | None = None) -> Preview:
    """The rules (articles scope) over `markdown`, with the article's
    exemptions; nothing is stored."""
    result = filter_article_source(article_id, markdown)
    return Preview(result, segments_of(markdown, result))


def preview_title(title: str, article_id: int | None = None) -> Preview:
    """The rules (articles scope) over a title, with the article's title
    exemptions; nothing is stored."""
    result = filter_article_title(article_id, title)
    return Preview(result, segments_of(title, result))


def article_for_words(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound(f"article {article_id}")
    return article


def _rerender(article: Article, matcher: Matcher | None = None) -> frozenset[str]:
    """Render the article's rendition again (cms.services.articles); the
    fields that changed ("body", "title"; empty when nothing did)."""
    return rerender_article(article, matcher)


def _text_of(article: Article, field: str) -> str:
    if field not in EXEMPTION_FIELDS:
        raise InvalidInput("参数无效")
    return article.title if field == TITLE else article.body_markdown


def _changed(article: Article, fields: frozenset[str]) -> None:
    emit(ArticleChanged(article.id, fields or frozenset({"body"}),
                        public_id=article.public_id))  # fmt: skip


def exempt(
    article_id: int, start: int, end: int, actor: User | None, field: str = BODY
) -> Article:
    """Keep the occurrence text[start:end] of the article's body source (or
    title, `field`) as written (it must be a change the rules make there
    now), and render again."""
    with write_transaction():
        article = article_for_words(article_id)
        source = _text_of(article, field)
        if field == TITLE:
            found = filter_article_title(article.id, source).changes
        else:
            found = filter_article_source(article.id, source).changes
        if not any(c.start == start and c.end == end for c in found):
            raise InvalidInput("这里没有可保留的词（文章可能已被修改），请刷新后再试")
        occurrence = exemption_for(source, start, end)
        db.session.add(
            WordExemption(
                article_id=article.id,
                field=field,
                phrase=occurrence.phrase,
                left=occurrence.left,
                right=occurrence.right,
            )  # fmt: skip
        )
        db.session.flush()
        fields = _rerender(article)
        record(actor, "wordrule-exempt", "article", [article.id],
               {"phrase": occurrence.phrase, "field": field})  # fmt: skip
        _changed(article, fields)
    return article


def unexempt(article_id: int, exemption_id: int, actor: User | None) -> Article:
    """Let the rules act on an occurrence kept before."""
    with write_transaction():
        article = article_for_words(article_id)
        row = db.session.get(WordExemption, exemption_id)
        if row is None or row.article_id != article.id:
            raise NotFound(str(exemption_id))
        db.session.delete(row)
        db.session.flush()
        _changed(article, _rerender(article))
    return article


def exemptions_of(article_id: int) -> list[WordExemption]:
    return list(
        db.session.scalars(
            select(WordExemption)
            .where(WordExemption.article_id == article_id)
            .order_by(WordExemption.id)
        )
    )


def _published() -> list[Article]:
    return list(
        db.session.scalars(
            select(Article)
            .where(Article.status == ArticleStatus.PUBLISHED)
            .order_by(Article.id)
        )
    )


def affected_articles() -> list[Article]:
    """Published articles whose rendition (HTML, summary or the title
    readers see) the current rules would change."""
    matcher = current_matcher()
    return [a for a in _published() if rendition_changes(a, rendition_of(a, matcher))]


_affected_cache: dict[str, tuple[tuple[object, ...], int]] = {}


def affected_count() -> int:
    """len(affected_articles()), remembered until the rules or a published
    article change (the check renders every published article, so the rules
    page does it once per change, not on every visit)."""
    published = db.session.execute(
        select(
            func.count(Article.id), func.max(Article.updated_at), func.max(Article.id)
        ).where(Article.status == ArticleStatus.PUBLISHED)
    ).one()
    key = (rules_version(), tuple(published))
    cached = _affected_cache.get("count")
    if cached is not None and cached[0] == key:
        return cached[1]
    count = len(affected_articles())
    _affected_cache["count"] = (key, count)
    return count


def reapply(actor: User | None) -> int:
    """Render every published article again through the current rules (body,
    summary and the title readers see), in one unit of work with one audit
    entry; returns how many changed."""
    with write_transaction():
        matcher = current_matcher()
        changed = []
        for article in _published():
            fields = _rerender(article, matcher)
            if fields:
                changed.append((article, fields))
        if changed:
            record(actor, "wordrule-reapply", "article", [a.id for a, _ in changed],
                   {"count": len(changed)})  # fmt: skip
            for article, fields in changed:
                _changed(article, fields)
    return len(changed)


# --- dry run ---------------------------------------------------------------


@dataclass(frozen=True)
class Caught:
    """One stored text a rule would catch, and the first change it makes."""

    kind: str  # "comment" or "article"
    id: int
    label: str
    change: Change
    context: str


@dataclass(frozen=True)
class DryRun:
    """What a rule would catch: the counts and the first examples."""

    comments: int
    articles: int
    examples: list[Caught]


def _with(rule: Rule, replacing: int | None) -> Matcher:
    rules = [r for r in stored_rules() if replacing is None or r.id != replacing]
    return Matcher.build([*rules, rule])


def _context(text: str, change: Change, width: int = 20) -> str:
    return text[max(0, change.start - width) : change.end + width]


def dry_run(rule: Rule, replacing: int | None = None, limit: int = 20) -> DryRun:
    """Run the site's rules with `rule` added (or in place of rule
    `replacing`) over every stored comment (body in the comments scope, name
    in the names scope) and every published article (source, articles
    scope, with its exemptions), and count those where `rule` itself acts:
    the same matcher and resolution as applying it. An article counts once,
    whether the rule acts in its body or its title."""
    try:
        probe = Rule(rule.phrase, rule.action, rule.replacement, rule.scopes, rule.kind,
                     rule.keep_punct, rule.group, id=-1).check()  # fmt: skip
        matcher = _with(probe, replacing)
    except RuleError as error:
        raise InvalidInput(str(error)) from error
    examples: list[Caught] = []
    comments = articles = 0

    def mine(result: Result) -> Change | None:
        return next((c for c in result.changes if c.rule.id == -1), None)

    if {"comments", "names"} & probe.scopes:
        for comment in db.session.scalars(select(Comment).order_by(Comment.id.desc())):
            hit = None
            if "comments" in probe.scopes:
                hit = mine(matcher.apply(comment.body, "comments"))
                text = comment.body
            if hit is None and "names" in probe.scopes:
                hit = mine(matcher.apply(comment.author_name, "names"))
                text = comment.author_name
            if hit is not None:
                comments += 1
                if len(examples) < limit:
                    examples.append(Caught("comment", comment.id, comment.author_name,
                                           hit, _context(text, hit)))  # fmt: skip
    if "articles" in probe.scopes:
        for article in _published():
            text = article.body_markdown
            hit = mine(filter_article_source(article.id, text, matcher))
            if hit is None:
                text = article.title
                hit = mine(filter_article_title(article.id, text, matcher))
            if hit is not None:
                articles += 1
                if len(examples) < limit:
                    context = _context(text, hit)
                    examples.append(
                        Caught("article", article.id, article.title, hit, context)
                    )
    return DryRun(comments, articles, examples)


def rule_for_dry_run(rule_id: int) -> Rule:
    """A stored rule as the engine's rule (for a dry run of an edit)."""
    return rule_of(get_rule(rule_id))
