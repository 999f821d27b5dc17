"""The site's word rules as stored (cms.models.WordRule): listing and
reading them, adding, editing and removing one, TSV import and export, and
the shipped defaults a new site starts with.

Guarantees: every rule stored passed `Rule.check()` (literal, not empty);
every change is one unit of work that records an audit entry and emits
WordRulesChanged; the defaults are loaded only into a site with no rule at
all. The matcher built from these rows is cms.services.wordrules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import func, or_, select

from cms.database import write_transaction
from cms.events import WordRulesChanged, emit
from cms.extensions import db
from cms.models import User, WordRule
from cms.services.audit import record
from cms.services.errors import InvalidInput, NotFound
from cms.services.wordrules import stored_rules
from cms.text.wordfilter import (
    SCOPES,
    Action,
    Kind,
    Rule,
    RuleError,
    parse_tsv,
    to_tsv,
)

DEFAULTS_PACKAGE = "cms.data.wordlists"
SENSITIVE_GROUP = "敏感词"
EXCEPTION_GROUP = "广告法例外"
CONTACT_GROUP = "联系方式"
# Contact words shipped with the defaults (variants spammers use); each is
# matched with separators between its characters and then an id or number.
DEFAULT_CONTACT_WORDS = (
    "微信", "威信", "薇信", "维信", "徽信", "卫星", "嘉薇", "v信", "微x", "vx",
    "wx", "weixin", "wechat", "wei xin", "加v", "加微", "➕v", "v❤", "qq", "扣扣",
    "企鹅", "球球", "q号", "电报", "telegram",
)  # fmt: skip


def _fill(row: WordRule, rule: Rule) -> None:
    row.phrase = rule.phrase.strip()
    row.kind = rule.kind.value
    row.action = rule.action.value
    row.replacement = rule.replacement.strip()
    row.scopes = ",".join(s for s in SCOPES if s in rule.scopes)
    row.keep_punct = rule.keep_punct
    row.group = rule.group.strip()[:64]


def _checked(rule: Rule) -> Rule:
    try:
        return rule.check()
    except RuleError as error:
        raise InvalidInput(str(error)) from error


# --- reading ---------------------------------------------------------------


@dataclass(frozen=True)
class RulePage:
    rows: list[WordRule]
    total: int
    page: int
    pages: int


def list_rules(
    search: str = "",
    kind: str = "",
    action: str = "",
    page: int = 1,
    per_page: int = 50,
) -> RulePage:
    """Rules matching `search` (in the words, replacement or group), of
    `kind` and `action` when given, newest first."""
    query = select(WordRule)
    if search.strip():
        like = f"%{search.strip()}%"
        query = query.where(
            or_(
                WordRule.phrase.like(like),
                WordRule.replacement.like(like),
                WordRule.group.like(like),
            )  # fmt: skip
        )
    if kind:
        query = query.where(WordRule.kind == kind)
    if action:
        query = query.where(WordRule.action == action, WordRule.kind != Kind.EXCEPTION)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(
        db.session.scalars(
            query.order_by(WordRule.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return RulePage(rows, total, page, pages)


def get_rule(rule_id: int) -> WordRule:
    row = db.session.get(WordRule, rule_id)
    if row is None:
        raise NotFound(str(rule_id))
    return row


def export_tsv() -> str:
    """Every rule and exception as TSV (cms.text.wordfilter.to_tsv)."""
    return to_tsv(stored_rules())


# --- changing --------------------------------------------------------------


def _duplicate(rule: Rule, exclude: int | None = None) -> bool:
    """True when a rule of the same kind has the same words for one of the
    same scopes (the same words may act differently in articles and comments)."""
    query = select(WordRule).where(
        WordRule.kind == rule.kind.value, WordRule.phrase == rule.phrase.strip()
    )
    if exclude is not None:
        query = query.where(WordRule.id != exclude)
    return any(
        rule.kind == Kind.EXCEPTION or set(row.scopes.split(",")) & rule.scopes
        for row in db.session.scalars(query)
    )


def add_rule(rule: Rule, actor: User | None) -> WordRule:
    """Store a new rule. InvalidInput when it fails Rule.check() or the same
    words of the same kind are there already."""
    rule = _checked(rule)
    with write_transaction():
        if _duplicate(rule):
            raise InvalidInput(f"“{rule.phrase.strip()}”已经有规则了")
        row = WordRule()
        _fill(row, rule)
        db.session.add(row)
        db.session.flush()
        record(actor, "wordrule-add", "wordrule", [row.id], _describe(row))
        emit(WordRulesChanged((row.id,)))
    return row


def update_rule(rule_id: int, rule: Rule, actor: User | None) -> WordRule:
    """Change a rule (NotFound, InvalidInput as add_rule)."""
    rule = _checked(rule)
    with write_transaction():
        row = get_rule(rule_id)
        if _duplicate(rule, exclude=row.id):
            raise InvalidInput(f"“{rule.phrase.strip()}”已经有规则了")
        before = _describe(row)
        _fill(row, rule)
        after = _describe(row)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        db.session.flush()
        record(actor, "wordrule-update", "wordrule", [row.id], changes)
        emit(WordRulesChanged((row.id,)))
    return row


def delete_rule(rule_id: int, actor: User | None) -> None:
    """Remove a rule (NotFound when it is gone)."""
    with write_transaction():
        row = get_rule(rule_id)
        record(actor, "wordrule-delete", "wordrule", [row.id], _describe(row))
        db.session.delete(row)
        emit(WordRulesChanged((rule_id,)))


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def import_tsv(text: str, actor: User | None, group: str = "") -> ImportResult:
    """Add the rules of a TSV text (cms.text.wordfilter.parse_tsv); a rule
    whose words and kind exist already is updated. All or nothing:
    InvalidInput names the first bad line and nothing is stored."""
    try:
        rules = parse_tsv(text)
    except RuleError as error:
        raise InvalidInput(str(error)) from error
    return _store_many(rules, actor, group, "wordrule-import")


def _store_many(
    rules: Iterable[Rule], actor: User | None, group: str, action: str
) -> ImportResult:
    """Add or update rules: a stored rule of the same kind, words and scopes
    is updated, others are added. One unit of work, one audit entry."""
    added = updated = unchanged = 0
    with write_transaction():
        existing = {
            (r.kind, r.phrase, r.scopes): r
            for r in db.session.scalars(select(WordRule))
        }
        for rule in rules:
            if group and not rule.group:
                rule = Rule(rule.phrase, rule.action, rule.replacement, rule.scopes,
                            rule.kind, rule.keep_punct, group)  # fmt: skip
            scopes = ",".join(s for s in SCOPES if s in rule.scopes)
            row = existing.get((rule.kind.value, rule.phrase.strip(), scopes))
            if row is None:
                row = WordRule()
                _fill(row, rule)
                db.session.add(row)
                existing[(row.kind, row.phrase, row.scopes)] = row
                added += 1
            else:
                before = _describe(row)
                _fill(row, rule)
                if _describe(row) == before:
                    unchanged += 1
                    continue
                updated += 1
        db.session.flush()
        if added or updated:
            record(actor, action, "wordrule", [], {"added": added, "updated": updated})
            emit(WordRulesChanged())
    return ImportResult(added, updated, unchanged)


def _describe(row: WordRule) -> dict[str, str]:
    return {
        "phrase": row.phrase,
        "kind": row.kind,
        "action": row.action,
        "replacement": row.replacement,
        "scopes": row.scopes,
    }


# --- the shipped defaults --------------------------------------------------


def _data(name: str) -> str:
    return resources.files(DEFAULTS_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    return [
        line.strip()
        for line in _data(name).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def default_rules() -> list[Rule]:
    """The defaults a new site starts with (docs/wordlists.md): the
    Advertising-Law words (articles), their exceptions, the sensitive words
    (solicitations stripped and topic words flagged in articles; all held in
    comments and names) and the contact words."""
    rules = [
        Rule(
            r.phrase,
            r.action,
            r.replacement,
            frozenset({"articles"}),
            r.kind,
            group=r.group or "广告法",
        )  # fmt: skip
        for r in parse_tsv(_data("ad-law-words.tsv"))
    ]
    rules += [Rule(w, Action.FLAG, kind=Kind.EXCEPTION, group=EXCEPTION_GROUP)
              for w in _lines("ad-law-exceptions.txt")]  # fmt: skip
    # sensitive-words.tsv: word, action in articles, action in comments and
    # names (one row per action, as one rule has one action)
    for line in _lines("sensitive-words.tsv")[1:]:
        word, in_articles, in_comments = (line.split("\t") + ["", ""])[:3]
        for action, scopes in (
            (in_articles or "flag", frozenset({"articles"})),
            (in_comments or "hold", frozenset({"comments", "names"})),
        ):
            rules.append(
                Rule(word, Action(action), scopes=scopes, group=SENSITIVE_GROUP)
            )
    rules += [
        Rule(
            w,
            Action.HOLD,
            scopes=frozenset({"comments", "names"}),
            kind=Kind.CONTACT,
            group=CONTACT_GROUP,
        )  # fmt: skip
        for w in DEFAULT_CONTACT_WORDS
    ]
    return rules


def seed_default_rules(actor: User | None = None) -> int:
    """Load the defaults when the site has no word rule at all; returns how
    many were added (0 when rules exist: an editor's list is never touched)."""
    if db.session.scalar(select(func.count(WordRule.id))):
        return 0
    result = _store_many(default_rules(), actor, "", "wordrule-import")
    return result.added
