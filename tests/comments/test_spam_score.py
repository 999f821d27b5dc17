"""The learning spam score: the maths (cms.text.spamscore), what editors teach
it and what an undo takes back (cms.services.spam_model), its check in the
pipeline, and its figures on the held-out examples (the data is fixed, so
they are too)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from cms.extensions import db
from cms.models import (
    CommentStatus,
    SpamFeature,
    SpamLesson,
    SpamModelTotals,
    utcnow,
)
from cms.services.moderation import apply_action, undo
from cms.services.reasons import reason_text
from cms.services.setting_specs import SPECS
from cms.services.settings import current_settings
from cms.services.spam import Candidate, Policy, assess
from cms.services.spam_model import (
    score_comment,
    shipped_examples,
    shipped_model,
    site_model,
)
from cms.text.spamscore import IDENT, LINK, NUMBER, Model, features, shape
from tests.factories import make_article, make_comment, make_user

SPAM, PENDING, APPROVED = (
    CommentStatus.SPAM,
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
)
OFFER = "兼职日结，私聊我，加薇信 ab_1234"
# Wording none of the shipped examples uses, so that one lesson shows.
NEW_SPAM = "稀有蝴蝶标本批量出售，量大从优"


def candidate(body: str, author: str = "读者") -> Candidate:
    return Candidate(author_name=author, author_email="r@example.cn",
                     author_url="", body=body, ip="203.0.113.7")  # fmt: skip


def policy(**settings) -> Policy:
    """The default policy with `comments.*` overrides, hold_first off."""
    values = dict(current_settings())
    values["comments.hold_first"] = False
    values.update({f"comments.{k}": v for k, v in settings.items()})
    return Policy.from_settings(values)


def model_state() -> tuple:
    """Everything the site's model stores, for before/after comparisons."""
    totals = db.session.execute(
        select(SpamModelTotals.spam_docs, SpamModelTotals.ham_docs,
               SpamModelTotals.spam_total, SpamModelTotals.ham_total)
    ).first()  # fmt: skip
    counts = db.session.execute(
        select(SpamFeature.feature, SpamFeature.spam, SpamFeature.ham)
        .where((SpamFeature.spam != 0) | (SpamFeature.ham != 0))
    ).all()  # fmt: skip
    lessons = db.session.scalar(select(func.count()).select_from(SpamLesson))
    return (tuple(totals) if totals else (0, 0, 0, 0)), sorted(counts), lessons


@pytest.fixture
def article(ctx):
    return make_article(
        title="蝴蝶", owner=make_user(username="writer1", password=None)
    )


@pytest.fixture
def editor(ctx):
    return make_user(username="editor1", password=None)


# --- the maths ----------------------------------------------------------------


def test_shape_undoes_the_usual_disguises():
    assert shape("加 威 信 m t 5 5 8 8 有惊喜") == f"加威信{IDENT}有惊喜"
    assert shape("ＷＸ：ｄｏｕｂａｏ８８") == f"wx:{IDENT}"
    assert shape("扣扣 2837461920，详谈") == f"扣扣{NUMBER},详谈"  # NFKC
    assert shape("看 https://a.example.com/x?y=1 和 www.b.example.cn") == (
        f"看{LINK}和{LINK}"
    )
    # short numbers keep their length, not their value; words stay words
    assert shape("日结200，Wi-Fi") == "日结000,"
    # Latin words of four letters or more are features as words
    assert {"w:wi-fi", "w:great"} <= features("Great Wi-Fi")


def test_features_mark_links_markup_contacts_and_repetition():
    assert {"#link1", "#linkonly"} <= features("好文 http://a.example.com/1")
    assert "#markup" in features("[url=http://a.example.com]优惠[/url]")
    assert "#markup" in features('<a href="http://a.example.com">优惠</a>')
    assert "#contact" in features("V❤信：abc_123 私聊")
    assert "#contact" in features("企 鹅 号 4561237890 详谈")
    assert "#contact" not in features("微信支付还信用卡，手续费0.1%")
    assert "#repeat" in features("顶顶顶顶顶顶顶顶顶顶")
    assert "#lens" in features("谢谢") and "#lenl" in features("很" * 50)


def test_unlearning_gives_back_the_same_model():
    model = Model()
    model.learn(features("兼职日结 私聊"), spam=True)
    model.learn(features("谢谢作者，写得清楚"), spam=False)
    before = (model.spam_docs, model.ham_docs, model.spam_total, model.ham_total,
              dict(model.features))  # fmt: skip
    found = features("加薇信 ab_1234 日结")
    score = model.score(found)

    model.learn(found, spam=True)
    assert model.score(found) > score
    model.learn(found, spam=True, sign=-1)

    assert model.score(found) == score
    after = (model.spam_docs, model.ham_docs, model.spam_total, model.ham_total,
             {k: v for k, v in model.features.items() if v != (0, 0)})  # fmt: skip
    assert after == before


def test_an_empty_model_is_undecided():
    assert Model().score(features(OFFER)) == 50.0


def test_explain_names_whole_phrases_and_marks():
    model = shipped_model()
    found = features(OFFER)
    words = model.explain(OFFER, found)
    assert words[:3] == ["兼职日结", "私聊我", "加薇信"]
    links = "好文 http://a.example.com/1 http://a.example.com/2"
    assert "只有链接" in model.explain(links, features(links))


# --- the shipped examples -----------------------------------------------------


def test_the_held_out_part_is_never_trained_on():
    model = shipped_model()
    train = {k: shipped_examples("train", k) for k in ("spam", "ham")}
    held = {k: shipped_examples("heldout", k) for k in ("spam", "ham")}
    assert (model.spam_docs, model.ham_docs) == (len(train["spam"]), len(train["ham"]))
    assert len(train["spam"]) >= 200 and len(train["ham"]) >= 200
    assert len(held["spam"]) >= 100 and len(held["ham"]) >= 100
    trained = {row["body"] for rows in train.values() for row in rows}
    assert not trained & {row["body"] for rows in held.values() for row in rows}


def _figures(part: str, settings: dict) -> dict[str, float]:
    table: dict[str, Counter] = {}
    pol = policy(**settings)
    for kind in ("spam", "ham"):
        table[kind] = Counter(
            assess(candidate(row["body"], row["author"]), utcnow(), pol).status
            for row in shipped_examples(part, kind)
        )
    spam, ham = table["spam"], table["ham"]
    return {
        "caught": (spam[SPAM] + spam[PENDING]) / sum(spam.values()),
        "ham_spam": ham[SPAM] / sum(ham.values()),
        "ham_held": ham[PENDING] / sum(ham.values()),
    }


def test_held_out_figures_with_the_shipped_rules(ctx):
    from importlib import resources

    data = resources.files("cms.data")
    rules = {
        "disallowed": data.joinpath("comments-disallowed.txt").read_text("utf-8"),
        "moderation_words": data.joinpath("comments-moderation-words.txt").read_text(
            "utf-8"
        ),
    }
    without = _figures("heldout", rules | {"spam_score_hold": 0, "spam_score_spam": 0})
    with_score = _figures("heldout", rules)  # the default thresholds

    # bench/spam.py's goals are >= 90 %, <= 2 %, <= 10 %; bounds a bit looser.
    assert with_score["caught"] >= 0.88
    assert with_score["ham_spam"] <= 0.03
    assert with_score["ham_held"] <= 0.12
    assert with_score["caught"] > without["caught"] + 0.2


# --- the pipeline check ---------------------------------------------------------


def test_the_reason_chip_names_what_weighed(ctx):
    verdict = assess(
        candidate(OFFER), utcnow(), policy(disallowed="", moderation_words="")
    )

    assert verdict.status == SPAM
    chip = next(r for r in verdict.reasons if r["code"] == "spam_score")
    assert reason_text(chip) == "像垃圾评论：兼职日结, 私聊我, 加薇信"
    assert chip["params"]["score"] >= SPECS["comments.spam_score_spam"].default


@pytest.mark.parametrize(
    ("hold", "spam", "status"),
    [
        (0, 0, APPROVED),  # off
        (50, 0, PENDING),  # only the hold line
        (50, 99, PENDING),  # between the lines
        (50, 60, SPAM),
        (99, 0, APPROVED),  # below the hold line
    ],
)
def test_thresholds_are_respected(ctx, hold, spam, status):
    body = "资料私发"
    score = score_comment("读者", body).score
    assert 60 < score < 99  # the cases above are about this score

    verdict = assess(
        candidate(body), utcnow(),
        policy(disallowed="", moderation_words="", spam_score_hold=hold,
               spam_score_spam=spam),
    )  # fmt: skip

    assert verdict.status == status
    assert any(r["code"] == "spam_score" for r in verdict.reasons) == (
        status != APPROVED
    )


def test_ordinary_comments_pass(ctx):
    ordinary = ("谢谢", "第一条评论", "请问这个怎么弄？", "同意楼上", "测试评论",
                "Great article, thanks!")  # fmt: skip
    for body in ordinary:
        verdict = assess(candidate(body), utcnow(), policy())
        assert verdict.status == APPROVED, body


# --- learning from editors ------------------------------------------------------


def test_marking_spam_raises_the_next_score_and_undo_takes_it_back(
    ctx, article, editor
):
    before_state = model_state()
    before = score_comment("读者", NEW_SPAM).score
    held = make_comment(article, NEW_SPAM, status="pending")

    result = apply_action([held.id], "spam", editor)

    assert score_comment("读者", NEW_SPAM).score > before + 10
    lesson = db.session.get(SpamLesson, held.id)
    assert lesson is not None and lesson.spam == 1 and lesson.body == NEW_SPAM

    assert result.entry is not None
    undo(result.entry.id, editor)

    assert score_comment("读者", NEW_SPAM).score == pytest.approx(before)
    assert db.session.get(SpamLesson, held.id) is None
    assert model_state()[:2] == before_state[:2]


def test_approving_lowers_the_next_score(ctx, article, editor):
    body = "需要的朋友看主页"  # held by the shipped model
    before = score_comment("读者", body).score
    held = make_comment(article, body, status="pending")

    apply_action([held.id], "approve", editor)

    assert score_comment("读者", body).score < before - 10
    assert db.session.get(SpamLesson, held.id).spam == 0


def test_changing_the_decision_replaces_the_lesson(ctx, article, editor):
    comment = make_comment(article, NEW_SPAM, status="pending")
    apply_action([comment.id], "approve", editor)
    approved = score_comment("读者", NEW_SPAM).score

    apply_action([comment.id], "spam", editor)

    assert score_comment("读者", NEW_SPAM).score > approved
    totals = db.session.execute(
        select(SpamModelTotals.spam_docs, SpamModelTotals.ham_docs)
    ).one()
    assert tuple(totals) == (1, 0)  # the ham lesson was taken back


def test_new_comments_and_the_trash_teach_nothing(ctx, article, editor):
    make_comment(article, NEW_SPAM, status="spam")  # the pipeline's verdict
    make_comment(article, "蝴蝶标本的保存方法讲得很细", status="approved")
    assert model_state() == ((0, 0, 0, 0), [], 0)

    taught = make_comment(article, NEW_SPAM + "！", status="pending")
    apply_action([taught.id], "spam", editor)
    state = model_state()
    apply_action([taught.id], "trash", editor)  # the spam lesson stays
    assert model_state() == state


def test_deleting_for_good_drops_the_lesson_but_keeps_what_it_taught(
    ctx, article, editor
):
    comment = make_comment(article, NEW_SPAM, status="pending")
    apply_action([comment.id], "spam", editor)
    taught = score_comment("读者", NEW_SPAM).score
    apply_action([comment.id], "trash", editor)

    apply_action([comment.id], "delete", editor)

    assert db.session.get(SpamLesson, comment.id) is None
    assert score_comment("读者", NEW_SPAM).score == pytest.approx(taught)


def test_an_edit_relearns_and_undo_still_gives_back_the_model(ctx, article, editor):
    from cms.services.commenters import edit_comment

    before_state = model_state()
    comment = make_comment(article, NEW_SPAM, status="pending")
    entry = apply_action([comment.id], "spam", editor).entry
    taught = score_comment("读者", NEW_SPAM).score
    edit_comment(comment.id, "完全不同的文字，编辑改过", editor)

    assert db.session.get(SpamLesson, comment.id).body == "完全不同的文字，编辑改过"
    assert score_comment("读者", NEW_SPAM).score < taught  # no longer taught
    assert entry is not None
    undo(entry.id, editor)

    assert model_state()[:2] == before_state[:2]


def test_erasing_a_commenter_takes_their_name_out_of_the_lessons(ctx, article, editor):
    from cms.services.commenters import ERASED_NAME, erase_commenter

    before_state = model_state()
    who = {"author_name": "张小花", "author_email": "hua@example.cn"}
    comment = make_comment(article, NEW_SPAM, status="pending", **who)
    entry = apply_action([comment.id], "spam", editor).entry

    erase_commenter("hua@example.cn", "personal", editor)

    lesson = db.session.get(SpamLesson, comment.id)
    assert lesson.author == ERASED_NAME and lesson.body == NEW_SPAM
    names = {f for f, _, _ in model_state()[1]}
    assert not {"@张小", "@小花"} & names
    assert entry is not None
    undo(entry.id, editor)
    assert model_state()[:2] == before_state[:2]


def test_the_model_persists_across_sessions(app, ctx, article, editor):
    comment = make_comment(article, NEW_SPAM, status="pending")
    apply_action([comment.id], "spam", editor)
    taught = score_comment("读者", NEW_SPAM).score
    state = model_state()
    db.session.remove()

    with app.app_context():
        assert model_state() == state
        assert score_comment("读者", NEW_SPAM).score == taught
        found = features(NEW_SPAM, "读者")
        model = site_model(found)
        base = shipped_model()
        assert model.spam_docs == base.spam_docs + 1
        assert model.ham_docs == base.ham_docs
        # a feature only the lesson taught is counted from the database
        fresh = next(f for f in found if f not in base.features)
        assert model.features[fresh] == (1, 0)


def test_editors_teaching_at_once_count_every_lesson(shared_app):
    import threading

    with shared_app.app_context():
        art = make_article(title="并发", owner=make_user(username="w2", password=None))
        editors = [make_user(username=f"editor{i}", password=None).id for i in range(4)]
        # the same new words in every comment: every lesson races for the rows
        ids = [make_comment(art, f"{NEW_SPAM} {i}", status="pending").id
               for i in range(4)]  # fmt: skip
        db.session.remove()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def decide(comment_id: int, editor_id: int) -> None:
        try:
            with shared_app.app_context():
                from cms.models import User

                editor = db.session.get(User, editor_id)
                barrier.wait(timeout=30)
                apply_action([comment_id], "spam", editor)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=pair)
               for pair in zip(ids, editors, strict=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with shared_app.app_context():
        totals, counts, lessons = model_state()
        assert totals[:2] == (4, 0) and lessons == 4
        assert dict((f, (s, h)) for f, s, h in counts)["蝴蝶标"] == (4, 0)
        db.session.remove()
