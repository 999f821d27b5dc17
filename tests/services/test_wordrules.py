"""cms.services.wordrule_store, cms.services.wordrules and
cms.services.article_words: rules stored, audited and announced; the
defaults; articles filtered at publish with exemptions that survive; counts
that match what applying does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cms.database import write_transaction
from cms.events import AFTER_COMMIT, WordRulesChanged, subscribe
from cms.extensions import db
from cms.models import Article, AuditEntry, Comment, WordRule
from cms.services import article_words, wordrule_store, wordrules
from cms.services.article_writing import apply_body
from cms.services.comment_words import match_comment
from cms.services.errors import InvalidInput
from cms.text.wordfilter import Action, Kind, Rule, parse_tsv
from tests.factories import make_article, make_comment

ARTICLES = frozenset({"articles"})
COMMENTS = frozenset({"comments", "names"})


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
    )


def test_a_rule_change_is_audited_and_announced(app, ctx):
    seen: list[WordRulesChanged] = []
    subscribe(app, WordRulesChanged, seen.append, AFTER_COMMIT)

    row = wordrule_store.add_rule(Rule("最大", Action.REPLACE, "更大", ARTICLES), None)
    wordrule_store.update_rule(row.id, Rule("最大", Action.FLAG, scopes=ARTICLES), None)
    wordrule_store.delete_rule(row.id, None)

    assert [e.ids for e in seen] == [(row.id,), (row.id,), (row.id,)]
    assert _audit("wordrule-update")[0].changes["action"] == ["replace", "flag"]
    assert len(_audit("wordrule-add")) == len(_audit("wordrule-delete")) == 1
    assert db.session.scalar(select(WordRule)) is None


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (Rule("  ", Action.FLAG), "不能为空"),
        (Rule("\u200b", Action.FLAG), "不能为空"),
        (Rule("最大", Action.REPLACE, ""), "替换为"),
        (Rule("最大", Action.FLAG, scopes=frozenset()), "适用范围"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_stored(ctx, rule, message):
    with pytest.raises(InvalidInput, match=message):
        wordrule_store.add_rule(rule, None)
    assert db.session.scalar(select(WordRule)) is None


def test_same_words_may_act_differently_per_scope_but_not_twice(ctx):
    wordrule_store.add_rule(Rule("刷单", Action.STRIP, scopes=ARTICLES), None)
    wordrule_store.add_rule(Rule("刷单", Action.HOLD, scopes=COMMENTS), None)

    with pytest.raises(InvalidInput, match="已经有规则"):
        wordrule_store.add_rule(
            Rule("刷单", Action.REJECT, scopes=frozenset({"names"})), None
        )


def test_tsv_export_import_round_trip(ctx):
    wordrule_store.add_rule(
        Rule("最大", Action.REPLACE, "更大", ARTICLES, group="最字词"), None
    )
    wordrule_store.add_rule(
        Rule("薇信", Action.HOLD, scopes=COMMENTS, kind=Kind.CONTACT), None
    )
    exported = wordrule_store.export_tsv()

    again = wordrule_store.import_tsv(exported, None)
    changed = wordrule_store.import_tsv(exported.replace("\t更大\t", "\t较大\t"), None)

    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert (changed.added, changed.updated) == (0, 1)
    exported_again = parse_tsv(wordrule_store.export_tsv())
    assert [r.replacement for r in exported_again] == ["较大", ""]
    with pytest.raises(InvalidInput, match="第 2 行"):
        wordrule_store.import_tsv("word\taction\n空替换\treplace\n", None)


def test_defaults_load_once_and_never_over_an_editors_list(ctx):
    added = wordrule_store.seed_default_rules()

    assert added == len(wordrule_store.default_rules()) > 300
    assert wordrule_store.seed_default_rules() == 0
    matcher = wordrules.current_matcher()
    assert matcher.apply("中国最大的第三方支付平台", "articles").text == (
        "中国更大的第三方支付平台"
    )
    assert matcher.apply("由银行内部开始第一遍催收", "articles").changes == ()


def test_every_exception_survives_the_defaults(ctx):
    wordrule_store.seed_default_rules()
    matcher = wordrules.current_matcher()
    exceptions = [
        r.phrase for r in wordrules.stored_rules() if r.kind == Kind.EXCEPTION
    ]

    for phrase in exceptions:
        result = matcher.apply(f"这里是{phrase}。", "articles")
        assert phrase in result.text, phrase
        assert all(c.end <= 3 or c.start >= 3 + len(phrase) for c in result.changes), (
            phrase
        )


def test_the_matcher_is_cached_until_the_rules_change(ctx):
    wordrule_store.add_rule(Rule("最大", Action.REPLACE, "更大", ARTICLES), None)
    first = wordrules.current_matcher()

    assert wordrules.current_matcher() is first
    wordrule_store.add_rule(Rule("最好", Action.REPLACE, "更好", ARTICLES), None)
    assert wordrules.current_matcher() is not first


# --- articles ------------------------------------------------------------------

SOURCE = (
    "支付宝是中国最大的平台。\n\n另一段：最大的问题是逾期。由银行内部开始第一遍催收。"
)


def test_publish_filters_the_rendition_and_keeps_the_source(ctx):
    wordrule_store.seed_default_rules()

    article = make_article(body=SOURCE)

    assert article.body_markdown == SOURCE
    assert "中国更大的平台" in article.body_html
    assert "更大的问题" in article.body_html
    assert "第一遍催收" in article.body_html


def test_a_written_excerpt_is_filtered_too(ctx):
    wordrule_store.add_rule(Rule("最大", Action.REPLACE, "更大", ARTICLES), None)

    article = make_article(body="正文", excerpt="国内最大的平台")

    assert article.excerpt == "国内最大的平台"
    assert article.summary == "国内更大的平台"


def test_an_exemption_survives_edits_elsewhere_and_reapplication(ctx):
    wordrule_store.add_rule(Rule("最大", Action.REPLACE, "更大", ARTICLES), None)
    article = make_article(body=SOURCE)
    preview = article_words.preview(article.body_markdown, article.id)
    second = preview.result.changes[1]

    article_words.exempt(article.id, second.start, second.end, None)
    assert "中国更大的平台" in article.body_html
    assert "最大的问题" in article.body_html

    with write_transaction():
        apply_body(article, "新加的开头。\n\n" + SOURCE.replace("支付宝", "某平台"))
    assert "最大的问题" in article.body_html
    assert "中国更大的平台" in article.body_html
    wordrule_store.add_rule(Rule("问题", Action.REPLACE, "情况", ARTICLES), None)
    assert article_words.reapply(None) == 1
    assert "最大的情况" in article.body_html
    assert [e.phrase for e in article_words.exemptions_of(article.id)] == ["最大"]


def test_affected_count_matches_reapply_and_is_audited(ctx):
    make_article(body="最大的优惠")
    make_article(body="没有相关词语")
    make_article(body="最好的服务")
    wordrule_store.add_rule(Rule("最大", Action.REPLACE, "更大", ARTICLES), None)
    wordrule_store.add_rule(Rule("最好", Action.STRIP, scopes=ARTICLES), None)

    affected = article_words.affected_articles()
    assert article_words.affected_count() == 2
    changed = article_words.reapply(None)

    assert len(affected) == changed == 2
    assert article_words.affected_articles() == []
    assert article_words.affected_count() == 0
    (entry,) = _audit("wordrule-reapply")
    assert sorted(entry.target_ids) == sorted(a.id for a in affected)


def test_dry_run_counts_match_what_applying_does(ctx):
    wordrule_store.add_rule(Rule("第一遍", Action.FLAG, kind=Kind.EXCEPTION), None)
    article = make_article(body="引言")
    for body in ("加微信聊", "加.微.信聊", "正常的评论", "第一遍看没懂"):
        make_comment(article, body=body)
    make_comment(article, body="普通", author_name="加微信小号")
    make_article(body="排名第一，第一遍")
    make_article(body="没有")
    new = Rule("加微信", Action.HOLD, scopes=COMMENTS)
    first = Rule("第一", Action.REPLACE, "之一", ARTICLES)

    comment_run = article_words.dry_run(new)
    article_run = article_words.dry_run(first)

    wordrule_store.add_rule(new, None)
    wordrule_store.add_rule(first, None)
    matcher = wordrules.current_matcher()
    caught = 0
    for comment in db.session.scalars(select(Comment)):
        words = match_comment(matcher, comment.body, comment.author_name, "", "")
        caught += any(c.rule.phrase == "加微信" for c in words.changes)
    assert comment_run.comments == caught == 3
    assert comment_run.articles == 0
    assert article_run.articles == len(article_words.affected_articles()) == 1
    assert article_run.comments == 0


def test_demo_reference_article_shows_the_fixed_text(ctx):
    from cms.services.demo import REFERENCE_PUBLIC_ID, seed_demo
    from tests.speedups import copy_database

    copy_database(db, "demo", seed_demo)  # seed_demo, once a process
    article = db.session.scalar(
        select(Article).where(Article.public_id == REFERENCE_PUBLIC_ID)
    )

    assert "中国更大的第三方支付平台" in article.body_html
    assert "开始第一遍催收" in article.body_html


# --- titles ----------------------------------------------------------------------

TITLE = "中国最大的支付平台"


def test_the_title_readers_see_is_filtered_and_the_written_one_kept(ctx):
    wordrule_store.seed_default_rules()

    article = make_article(title=TITLE)

    assert article.title == TITLE
    assert article.public_title == "中国更大的支付平台"


def test_a_title_exemption_keeps_the_word_and_names_only_the_title(ctx):
    wordrule_store.seed_default_rules()
    article = make_article(title=TITLE, body=TITLE)
    (change,) = [
        c
        for c in article_words.preview_title(article.title, article.id).result.changes
        if c.before == "最大"
    ]

    article_words.exempt(article.id, change.start, change.end, None, "title")

    assert article.public_title == TITLE
    assert "中国更大的支付平台" in article.body_html  # same words, other field
    (kept,) = article_words.exemptions_of(article.id)
    assert (kept.field, kept.phrase) == ("title", "最大")
    wordrule_store.add_rule(Rule("支付", Action.REPLACE, "付款", ARTICLES), None)
    assert article_words.reapply(None) == 1
    assert article.public_title == "中国最大的付款平台"


def test_a_rule_change_then_reapply_updates_the_title(app, ctx):
    from cms.events import ArticleChanged

    seen: list[ArticleChanged] = []
    subscribe(app, ArticleChanged, seen.append, AFTER_COMMIT)
    article = make_article(title=TITLE, body="没有相关词语")
    assert article.public_title == TITLE
    wordrule_store.add_rule(Rule("最大", Action.REPLACE, "更大", ARTICLES), None)

    assert [a.id for a in article_words.affected_articles()] == [article.id]
    strip = Rule("平台", Action.STRIP, scopes=ARTICLES)
    assert article_words.dry_run(strip).articles == 1
    assert article_words.reapply(None) == 1

    assert article.public_title == "中国更大的支付平台"
    assert article.title == TITLE
    assert seen[-1].article_id == article.id and seen[-1].fields == {"title"}
    assert article_words.affected_count() == 0


def test_a_title_the_rules_empty_still_shows_something(ctx):
    wordrule_store.add_rule(Rule("违禁词", Action.STRIP, scopes=ARTICLES), None)

    article = make_article(title="违禁词")

    assert article.public_title == "（无标题）"
