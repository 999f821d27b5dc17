"""The demo site: the reference article, 48 demo articles, their authors, settings."""

from __future__ import annotations

import json
import random
from datetime import datetime
from importlib import resources

from sqlalchemy import func, select

from cms.extensions import db
from cms.models import Article, ArticleStatus, Setting, User
from cms.services.article_writing import ArticleDraft, create_article
from cms.services.demo_pages import seed_demo_pages
from cms.services.related.lists import rebuild_all
from cms.services.related.worker import process_queue
from cms.services.settings import set_settings
from cms.services.users import create_user
from cms.services.wordrule_store import seed_default_rules

REFERENCE_PUBLIC_ID = "fb8e1C2pWVwldAVU"
REFERENCE_TITLE = "支付宝催收上门了怎么办"
# The demo's authors: ASCII usernames, their Chinese names shown. No passwords:
# these accounts cannot log in.
DEMO_AUTHORS = {
    "管理员": "guanliyuan",
    "林清": "linqing",
    "陈小雨": "chenxiaoyu",
    "周远航": "zhouyuanhang",
    "老王说财经": "laowang",
}
DEMO_SETTINGS = {
    "site.name": "资源分享网",
    "site.description": "实用的生活、理财与数码知识分享",
    "site.footer": "© 资源分享网 · 京ICP备00000000号-1（示例）",
    # Demo pay links (not real accounts), so the demo shows the tip box.
    "tipping.wechat": "wxp://f2f0-demo-not-a-real-payment-code",
    "tipping.alipay": "https://qr.alipay.com/fkx-demo-not-a-real-code",
}


def _data(name: str) -> str:
    return resources.files("cms.data").joinpath(name).read_text(encoding="utf-8")


def _author(display_name: str) -> User:
    username = DEMO_AUTHORS[display_name]
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = create_user(username, "contributor", None, display_name, active=False)
    return user


def _reference_draft() -> ArticleDraft:
    return ArticleDraft(
        title=REFERENCE_TITLE,
        body_markdown=_data("reference-article.md"),
        owner=_author("管理员"),
        status=ArticleStatus.PUBLISHED,
        published_at=datetime.fromisoformat("2024-12-11T10:12:00+08:00"),
        contributor="管理员",
        category="催收与逾期",
        tags=("支付宝", "催收", "逾期", "征信"),
        public_id=REFERENCE_PUBLIC_ID,
        view_count=8206,
    )


def _corpus_drafts() -> list[ArticleDraft]:
    drafts = []
    for line in _data("demo-articles.jsonl").splitlines():
        row = json.loads(line)
        drafts.append(
            ArticleDraft(
                title=row["title"],
                body_markdown=row["body_markdown"],
                excerpt=row["excerpt"],
                owner=_author(row["author"]),
                status=ArticleStatus.PUBLISHED,
                published_at=datetime.fromisoformat(row["published_at"]),
                contributor=row["author"],
                category=row["category"],
                tags=tuple(row["tags"]),
                # Stable, plausible counts: the same on every machine.
                view_count=random.Random(row["title"]).randint(40, 400),
            )
        )
    return drafts


def site_is_empty() -> bool:
    """True when the database holds no article and no account."""
    return not db.session.scalar(select(func.count(Article.id))) and not (
        db.session.scalar(select(func.count(User.id)))
    )


def seed_demo() -> str:
    """Add whatever part of the demo site is missing; returns a one-line report.
    Articles are matched by title (the reference one by its public id) and
    settings already set are left alone, so a second run changes nothing.
    The default word rules come first (when the site has none), so the
    articles are published through them."""
    rules = seed_default_rules()
    existing = set(db.session.scalars(select(Article.title)))
    has_reference = db.session.scalar(
        select(Article.id).where(Article.public_id == REFERENCE_PUBLIC_ID)
    )
    drafts = [] if has_reference else [_reference_draft()]
    drafts += [d for d in _corpus_drafts() if d.title not in existing]
    for draft in drafts:
        create_article(draft)
    stored = set(db.session.scalars(select(Setting.key)))
    wanted = DEMO_SETTINGS | {
        "comments.disallowed": _data("comments-disallowed.txt"),
        "comments.moderation_words": _data("comments-moderation-words.txt"),
    }
    missing = {k: v for k, v in wanted.items() if k not in stored}
    if missing:
        set_settings(missing)
    # After the articles: the menu links the categories with most articles.
    pages = seed_demo_pages(owner=_author("管理员"))
    process_queue()  # the related lists, at once rather than at the next tick
    if drafts:
        # Lists computed one publication at a time weigh terms by the site
        # as it was then; computed again over the whole demo they are the
        # settled ones, the same on every seeding.
        rebuild_all()
    return (
        f"demo: {len(drafts)} article(s) and {len(missing)} setting(s) added; "
        + pages.removeprefix("demo: ")
        + (f"; {rules} word rule(s) added" if rules else "")
    )
