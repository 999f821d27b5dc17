"""Key terms: BM25F over title, tags and body, with the body's length
normalised against the site's mean, and counts kept before fields were."""

from __future__ import annotations

import json

from cms.extensions import db
from cms.models import ArticleVector, Role
from cms.services.related import index, terms, worker
from tests.factories import make_article, make_user


def test_a_longer_body_weighs_the_same_frequency_less(monkeypatch):
    """Against the site's mean length, a word said once in a long body counts
    less beside the title than in a short one (and the same without B)."""
    padding = " ".join(f"词{i}" for i in range(40))
    short = terms.term_counts("露营", [], "帐篷 营地")
    long = terms.term_counts("露营", [], f"帐篷 营地 {padding}")
    df = {"露营": 2, "帐篷": 2, "营地": 2}
    mean = (short[terms.LENGTH] + long[terms.LENGTH]) / 2

    def body_to_title(counts):
        vector = terms.key_terms(counts, df, 10, mean)
        return vector["帐篷"] / vector["露营"]

    assert body_to_title(long) < body_to_title(short)
    monkeypatch.setattr(terms, "B", 0.0)
    assert round(body_to_title(long), 9) == round(body_to_title(short), 9)


def test_title_and_tags_add_to_the_body_without_replacing_it():
    counts = terms.term_counts("露营", ["帐篷"], "睡袋 睡袋 睡袋 营地")
    assert counts["title"] == {"露营": 1.0} and counts["tags"] == {"帐篷": 1.0}
    vector = terms.key_terms(counts, {}, 100, counts[terms.LENGTH])
    # The body's thrice-used word outweighs a word said once in the title.
    assert vector["睡袋"] > vector["露营"] > vector["营地"]


def test_counts_kept_before_the_fields_are_still_read(ctx):
    owner = make_user("writer", role=Role.EDITOR)
    a = make_article("信用卡逾期", "信用卡逾期催收。", owner=owner)
    make_article("信用卡还款", "信用卡还款日。", owner=owner)
    worker.process_queue()
    row = db.session.get(ArticleVector, a.id)
    row.terms = json.dumps({"信用卡": 2.0, "逾期": 1.0}, ensure_ascii=False)
    db.session.commit()
    assert set(index.weigh(a.id, expand=False)) == {"信用卡", "逾期"}
