"""Related lists on a small hand-made site: content finds the topic, publishing
enters others' lists, unpublishing leaves them all, pins and exclusions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.extensions import db
from cms.models import Article, ArticleStatus, RelatedArticle, RelatedQueue, Role
from cms.services import editorial
from cms.services.article_edits import ArticleEdit
from cms.services.errors import InvalidInput
from cms.services.related import picks, worker
from tests.factories import make_article, make_user

LOANS = [
    (
        "信用卡逾期被催收怎么办",
        "信用卡逾期以后银行会打电话催收，欠款人应该和银行协商还款，避免逾期记录影响征信。",
    ),
    (
        "网贷逾期催收电话打给家人合法吗",
        "网贷逾期后催收公司打电话给家人和通讯录联系人，这种暴力催收并不合法，可以投诉。",
    ),
    (
        "微粒贷逾期多久会被催收",
        "微粒贷逾期之后，催收会先发短信再打电话，逾期越久催收越频繁，征信也会受影响。",
    ),
    (
        "欠银行贷款无力偿还会被起诉吗",
        "贷款逾期无力偿还时银行可能起诉，催收之外还可以申请分期协商还款。",
    ),
    (
        "逾期后如何与催收人员沟通",
        "面对催收电话，先核实身份，说明还款困难，协商延期或者分期还款，保留通话记录。",
    ),
    (
        "征信逾期记录多久消除",
        "逾期还款会留下征信记录，还清欠款五年后消除，期间贷款和信用卡审批会受影响。",
    ),
    (
        "花呗逾期催收会上门吗",
        "花呗逾期后会有催收短信和电话，上门催收很少见，应尽快还款避免影响征信。",
    ),
]
GARDEN = [
    (
        "阳台种番茄的五个技巧",
        "番茄喜欢阳光，阳台种植要选择向阳的位置，浇水见干见湿，开花后注意授粉和施肥。",
    ),
    (
        "多肉植物浇水指南",
        "多肉植物耐旱怕涝，夏季休眠期少浇水，春秋生长期可以充分浇水，盆土要透气。",
    ),
    (
        "月季冬季修剪方法",
        "月季在冬季休眠时修剪，剪掉病枝弱枝，保留壮枝，来年春天开花更多。",
    ),
    (
        "绿萝叶子发黄怎么办",
        "绿萝叶子发黄多半是浇水过多或者光照不足，调整浇水频率，放在散射光处。",
    ),
]


def _site(extra_hours: int = 0):
    owner = make_user("writer", role=Role.EDITOR)
    ids = {}
    for i, (title, body) in enumerate(LOANS):
        ago = timedelta(hours=50 - i + extra_hours)
        article = make_article(title, body, owner=owner, category="贷款", ago=ago)
        ids[title] = article.id
    for i, (title, body) in enumerate(GARDEN):
        ago = timedelta(hours=30 - i + extra_hours)
        article = make_article(title, body, owner=owner, category="园艺", ago=ago)
        ids[title] = article.id
    worker.process_queue()
    return owner, ids


def _list(article_id):
    return [item.title for item in picks.related_for(article_id)]


def test_each_list_holds_six_articles_of_its_topic_first(ctx):
    _, ids = _site()
    shown = _list(ids[LOANS[0][0]])
    assert len(shown) == 6
    assert set(shown) == {t for t, _ in LOANS[1:]}
    # Nothing else relates to gardening: the list is its category's (filled).
    garden = _list(ids[GARDEN[0][0]])
    assert set(garden) == {t for t, _ in GARDEN[1:]}


def test_shown_items_carry_their_facts(ctx):
    _, ids = _site()
    item = picks.related_for(ids[LOANS[0][0]])[0]
    assert item.public_id and item.summary
    assert item.published_at is not None
    assert item.view_count == 0 and item.comment_count == 0


def test_publishing_enters_other_lists_and_unpublishing_leaves_them_all(ctx):
    owner, ids = _site()
    new = make_article(
        "信用卡逾期催收征信协商还款全攻略",
        "信用卡逾期催收怎么办？协商还款，分期还款，保护征信，应对催收电话。",
        owner=owner, category="贷款", ago=timedelta(minutes=5),
    )  # fmt: skip
    assert db.session.get(RelatedQueue, new.id) is not None
    worker.process_queue()
    holders = db.session.scalars(
        db.select(RelatedArticle.article_id).where(RelatedArticle.related_id == new.id)
    ).all()
    assert len(holders) >= 3
    assert all(h in {ids[t] for t, _ in LOANS} for h in holders)
    assert len(_list(new.id)) == 6

    editorial.save(owner, new.id, ArticleEdit(new.title, new.body_markdown),
                   new.version, "unpublish")  # fmt: skip
    # Left at once, in the unpublishing transaction, before any background work.
    assert (
        db.session.scalars(
            db.select(RelatedArticle).where(RelatedArticle.related_id == new.id)
        ).all()
        == []
    )
    worker.process_queue()
    for holder in holders:
        assert len(_list(holder)) == 6  # refilled
        assert new.title not in _list(holder)
    assert _list(new.id) == []


def test_a_scheduled_article_is_not_shown_before_its_time(ctx):
    owner, ids = _site()
    later = make_article(
        "信用卡逾期催收协商",
        "信用卡逾期催收协商还款征信。",
        owner=owner,
        category="贷款",
        ago=timedelta(hours=-5),
    )
    worker.process_queue()
    assert later.title not in _list(ids[LOANS[0][0]])


def test_pins_come_first_and_exclusions_never_show(ctx):
    _, ids = _site()
    target = ids[LOANS[0][0]]
    pin = db.session.get(Article, ids[GARDEN[1][0]])
    excluded = db.session.get(Article, ids[LOANS[1][0]])
    picks.set_overrides(target, [pin.public_id], [f"/{excluded.public_id}.html"])
    worker.process_queue()
    shown = _list(target)
    assert shown[0] == pin.title
    assert excluded.title not in shown
    assert len(shown) == 6
    assert picks.overrides_of(target) == ([pin.public_id], [excluded.public_id])


def test_bad_overrides_change_nothing(ctx):
    _, ids = _site()
    target = db.session.get(Article, ids[LOANS[0][0]])
    with pytest.raises(InvalidInput):
        picks.set_overrides(target.id, [target.public_id], [])
    with pytest.raises(InvalidInput):
        picks.set_overrides(target.id, ["nosucharticle000"], [])
    with pytest.raises(InvalidInput):
        other = db.session.get(Article, ids[LOANS[1][0]])
        picks.set_overrides(target.id, [other.public_id], [other.public_id])
    assert picks.overrides_of(target.id) == ([], [])


def test_drafts_are_never_related(ctx):
    owner, ids = _site()
    draft = make_article("信用卡逾期催收草稿", "信用卡逾期催收征信。", owner=owner,
                         category="贷款", status=ArticleStatus.DRAFT)  # fmt: skip
    worker.process_queue()
    assert draft.title not in _list(ids[LOANS[0][0]])
    assert _list(draft.id) == []


@pytest.fixture
def inline(app_config):
    app_config["RELATED_MODE"] = "inline"


def test_inline_mode_computes_after_commit(inline, ctx):
    a = make_article("信用卡逾期催收", "信用卡逾期催收征信协商。")
    b = make_article("信用卡逾期还款", "信用卡逾期还款协商征信。")
    assert worker.pending_count() == 0
    assert [i.title for i in picks.related_for(a.id)] == [b.title]


def test_the_article_page_shows_the_list_with_its_facts(app, client):
    with app.app_context():
        _, ids = _site()
        public_id = db.session.get(Article, ids[LOANS[0][0]]).public_id
    html = client.get(f"/{public_id}.html").get_data(as_text=True)
    section = html.split('<section class="related"', 1)[1].split("</section>", 1)[0]
    assert "相关推荐" in section
    assert section.count("<li>") == 6
    for title, _ in LOANS[1:]:
        assert title in section
    assert "阅读 0" in section and "评论 0" in section
    import re

    assert re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</time>", section)


BAKING = [
    (
        "新手第一次烤面包",
        "面团要揉到能拉出薄膜，加入软化的黄油再揉十分钟。"
        "发酵到两倍大，排气后整形，再次发酵时放在温暖的地方。"
        "烤箱提前预热到一百八十度，面包烤三十分钟，出炉后放凉再切。",
    ),
    (
        "吐司为什么发酵不起来",
        "吐司发酵不起来，多半是酵母失活或者面团温度太低。"
        "揉面时加入黄油要等面团出筋，发酵时可以在烤箱里放一碗热水保温。"
        "面粉选高筋面粉，揉好的面团表面光滑，发酵才会均匀。",
    ),
    (
        "黄油饼干的做法",
        "软化的黄油和糖粉一起打发到颜色变浅，分次加入蛋液。"
        "筛入低筋面粉，拌成面团后冷藏半小时，切片摆在烤盘上。"
        "烤箱一百七十度烤十五分钟，饼干边缘微黄就可以出炉。",
    ),
]
CAMPING = [
    (
        "新手第一次去露营",
        "营地要选平整、背风的地面搭帐篷，远离河边和枯树。"
        "睡袋先看温标，山上夜里冷，防潮垫一定要带。"
        "帐篷的地钉和防风绳要拉紧，炉头和气罐放在帐篷外面用。",
    ),
    (
        "露营帐篷怎么选",
        "双层帐篷防雨又透气，内帐挂在外帐下面，夜里不容易结露。"
        "营地风大时选抗风的帐篷，地钉多带几根。"
        "一家人露营选三到四人帐篷，睡袋和防潮垫放得下。",
    ),
    (
        "冬天露营的睡袋",
        "冬天营地气温低，睡袋的舒适温标要比最低气温低五度。"
        "帐篷里先铺防潮垫，再铺睡袋，睡前喝点热水。"
        "营地的炉头和气罐在低温下火力变小，气罐放进睡袋保温。",
    ),
]


def test_a_shared_title_word_does_not_outweigh_the_body(ctx):
    """Two articles whose titles share everyday words (新手, 第一次) but whose
    bodies are about different things: each relates to its own topic first."""
    owner = make_user("writer", role=Role.EDITOR)
    ids = {}
    for i, (title, body) in enumerate(BAKING + CAMPING):
        ids[title] = make_article(title, body, owner=owner,
                                  ago=timedelta(hours=10 - i)).id  # fmt: skip
    worker.process_queue()
    first_bake, first_camp = BAKING[0][0], CAMPING[0][0]
    assert set(_list(ids[first_bake])[:2]) == {t for t, _ in BAKING[1:]}
    assert set(_list(ids[first_camp])[:2]) == {t for t, _ in CAMPING[1:]}
