"""A generated site database for benchmarks: N published articles with
realistic Chinese Markdown, built from the migrations and bulk-inserted.

Calling create_article per row costs ~5.6 ms an article (about a minute for
10,000), so rows go in with SQLAlchemy Core executemany instead; bodies still
go through cms.text.markdown.render_markdown, cms.models.body_columns (the
reading time and table of contents) and cms.text.excerpt.derive_excerpt,
exactly as cms.services.article_writing.apply_body does, so body_html, what is derived
from it and summary are what the app would have stored. The result is cached
under a key that changes with the generator, the migrations and the text code,
so reruns start at once.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import ROOT

# Bump when the generated data changes in a way the hashed files do not show.
GENERATOR_VERSION = "pages-db-1"
# Files whose change makes a cached database stale.
_KEY_FILES = [
    "bench/_dataset.py",
    "bench/scale.py",  # its generator fills the databases of pages.py and scale.py
    "cms/text/markdown.py",
    "cms/text/excerpt.py",
    "cms/text/reading.py",
    "cms/text/slug.py",
    "cms/data/demo-articles.jsonl",
    "cms/data/reference-article.md",
]
SITE_HOST = "127.0.0.1"  # the host part of the SITE_URL the server gets
BATCH = 1000
AUTHORS = [
    "林清", "陈小雨", "周远航", "老王说财经", "张晓明", "李思远", "王海燕", "赵一鸣",
    "刘佳", "孙浩然", "何静", "马文博", "杨帆", "吴敏", "郑凯", "黄丽娟",
    "许志强", "宋雨桐", "唐一凡", "韩梅",
]  # fmt: skip
# (category, parent or None): a small tree, as a real site would have.
CATEGORIES = [
    ("信用卡与贷款", None), ("催收与逾期", "信用卡与贷款"),
    ("征信知识", "信用卡与贷款"),
    ("生活百科", None), ("健康养生", "生活百科"), ("家常菜谱", "生活百科"),
    ("手机数码", None), ("电商运营", None), ("旅行攻略", None), ("法律常识", None),
    ("职场经验", None), ("教育学习", None),
]  # fmt: skip
EXTRA_TAGS = [
    "理财", "存款", "基金", "保险", "房贷", "车贷", "公积金", "社保", "个税", "退休",
    "早餐", "减脂", "睡眠", "跑步", "育儿", "考研", "面试", "简历", "副业", "自驾游",
    "签证", "高铁", "安卓", "苹果", "路由器", "拼多多", "抖音", "小红书", "合同",
    "维权",
]  # fmt: skip


@dataclass
class Doc:
    """One shipped demo article, cut into its sections."""

    title: str
    category: str
    tags: list[str]
    lead: str
    sections: list[tuple[str, list[str]]]  # (heading, its blocks)


@dataclass
class Corpus:
    """The demo articles generated articles are assembled from: each takes a
    demo article's topic and sections, topped up from its category."""

    docs: list[Doc]
    by_category: dict[str, list[tuple[str, list[str]]]]
    tags: list[str]


def _cut(markdown: str) -> tuple[str, list[tuple[str, list[str]]]]:
    lead: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for block in (b.strip() for b in markdown.split("\n\n")):
        if block.startswith("#"):
            sections.append((block.lstrip("#").strip(), []))
        elif block:
            (sections[-1][1] if sections else lead).append(block)
    sections = [(heading, blocks) for heading, blocks in sections if blocks]
    return "\n\n".join(lead), sections  # no lead: the article opens on a heading


def load_corpus() -> Corpus:
    """The demo articles and the reference article from cms/data/."""
    data = ROOT / "cms" / "data"
    rows = [
        json.loads(line)
        for line in (data / "demo-articles.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    rows.append(
        {
            "title": "支付宝催收上门了怎么办",
            "category": "催收与逾期",
            "tags": ["支付宝", "催收", "逾期", "征信"],
            "body_markdown": (data / "reference-article.md").read_text("utf-8"),
        }
    )
    docs = []
    by_category: dict[str, list[tuple[str, list[str]]]] = {}
    for row in rows:
        lead, sections = _cut(row["body_markdown"])
        docs.append(Doc(row["title"], row["category"], row["tags"], lead, sections))
        by_category.setdefault(row["category"], []).extend(sections)
    tags = sorted({tag for row in rows for tag in row["tags"]} | set(EXTRA_TAGS))
    return Corpus(docs=docs, by_category=by_category, tags=tags)


def make_markdown(rng: random.Random, corpus: Corpus, doc: Doc) -> str:
    """About 600-1500 characters on `doc`'s topic: its lead, then 2-4 headed
    sections (its own first, then others of its category; now and then a
    `###`), the last one topped up with paragraphs until the length is reached."""
    target = rng.randint(600, 1400)
    others = [s for s in corpus.by_category[doc.category] if s not in doc.sections]
    rng.shuffle(others)
    own = rng.sample(doc.sections, len(doc.sections))
    headings: set[str] = set()
    candidates = []
    for heading, blocks in own + others:
        if heading not in headings:  # "准备食材" is in several recipes
            headings.add(heading)
            candidates.append((heading, blocks))
    chosen = candidates[: rng.randint(2, 4)]
    spare = [block for _, blocks in candidates[len(chosen) :] for block in blocks]
    parts = [doc.lead] if doc.lead else []
    size = len(doc.lead)
    for n, (heading, blocks) in enumerate(chosen):
        level = "###" if n and rng.random() < 0.2 else "##"
        parts.append(f"{level} {heading}")
        size += len(heading)
        for k, block in enumerate(blocks[:3]):
            if k and size + len(block) > 1500:
                break
            parts.append(block)
            size += len(block)
    for block in spare:
        if size >= target:
            break
        if size + len(block) <= 1500:
            parts.append(block)
            size += len(block)
    return "\n\n".join(parts) + "\n"


def _render(markdown: str) -> tuple[dict[str, Any], str]:
    from cms.models import body_columns
    from cms.text.excerpt import derive_excerpt
    from cms.text.markdown import render_markdown

    html = render_markdown(markdown, SITE_HOST)
    return body_columns(html), derive_excerpt(html)


def render_all(sources: list[str]) -> list[tuple[dict[str, Any], str]]:
    """(body columns, summary) for each source, on every CPU (pure functions):
    the columns are cms.models.body_columns' (body_html and what the article
    page reads from it)."""
    if len(sources) < 500 or (os.cpu_count() or 1) < 2:
        return [_render(s) for s in sources]
    pool = multiprocessing.get_context("fork").Pool(initializer=_default_signals)
    try:
        return pool.map(_render, sources, chunksize=200)
    finally:
        pool.close()
        pool.join()


def _default_signals() -> None:
    # Forked from pages.py, whose SIGTERM handler stops the server: not ours.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent cleans up


def cache_key(n_articles: int) -> str:
    """Names a cached database: generator version, size, and the files it used."""
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    for name in _KEY_FILES + sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "migrations").rglob("*.py")
    ):
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes())
    return f"{GENERATOR_VERSION}-{n_articles}-{digest.hexdigest()[:12]}"


def _upgrade_schema(path: Path) -> None:
    """`flask db upgrade` on an empty SQLite file, in process."""
    import flask_migrate

    from cms import create_app
    from cms.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def _slugs(names: list[str]) -> list[str]:
    from cms.text.slug import slugify

    seen: set[str] = set()
    out = []
    for name in names:
        base = slug = slugify(name)
        n = 2
        while slug in seen:
            slug, n = f"{base}-{n}", n + 1
        seen.add(slug)
        out.append(slug)
    return out


def _article_rows(n: int, rng: random.Random, corpus: Corpus, now: datetime):
    from cms.models import ArticleStatus, new_public_id

    started = time.perf_counter()
    docs = [rng.choice(corpus.docs) for _ in range(n)]
    sources = [make_markdown(rng, corpus, doc) for doc in docs]
    rendered = render_all(sources)
    took = time.perf_counter() - started
    print(f"  rendered {n} bodies in {took:.1f} s ({took / n * 1000:.2f} ms each)")
    category_ids = {name: i for i, (name, _) in enumerate(CATEGORIES, start=1)}
    tag_ids = {name: i for i, name in enumerate(corpus.tags, start=1)}
    public_ids: set[str] = set()
    rows, tag_links = [], []
    for i, (doc, markdown, (body, summary)) in enumerate(
        zip(docs, sources, rendered, strict=True), start=1
    ):
        public_id = new_public_id()
        while public_id in public_ids:
            public_id = new_public_id()
        public_ids.add(public_id)
        # Published between an hour and three years ago, to the second.
        published = now - timedelta(seconds=rng.randint(3600, 3 * 365 * 86400))
        owner = rng.randint(1, len(AUTHORS))
        title = doc.title
        if rng.random() < 0.6:  # not 10,000 copies of 49 titles
            title = f"{title}：{rng.choice(doc.sections)[0]}"[:200]
        category = doc.category
        if rng.random() < 0.15:  # the categories no demo article is in get some
            category = rng.choice(CATEGORIES)[0]
        tags = dict.fromkeys(doc.tags + rng.sample(EXTRA_TAGS, rng.randint(0, 2)))
        rows.append(
            {
                "id": i,
                "public_id": public_id,
                "title": title,
                "body_markdown": markdown,
                **body,
                "excerpt": "",
                "summary": summary,
                "status": ArticleStatus.PUBLISHED,
                "published_at": published,
                "owner_id": owner,
                "contributor": AUTHORS[owner - 1] if rng.random() < 0.3 else "",
                "category_id": category_ids[category],
                "allow_comments": True,
                "view_count": rng.randint(0, 5000),
                "comment_count": 0,
                "created_at": published - timedelta(minutes=rng.randint(5, 600)),
                "updated_at": published + timedelta(minutes=rng.randint(0, 60)),
            }
        )
        for tag in tags:
            tag_links.append({"article_id": i, "tag_id": tag_ids[tag]})
    return rows, tag_links


def _insert(path: Path, n: int, seed: int) -> None:
    from sqlalchemy import create_engine, event, insert

    from cms.models import Article, Category, Role, Setting, Tag, User, article_tags

    rng = random.Random(seed)
    corpus = load_corpus()
    now = datetime.now(UTC)
    users = [
        {
            "id": i,
            "username": f"author{i:02d}",
            "display_name": name,
            "password_hash": None,
            "role": Role.CONTRIBUTOR,
            "active": True,
            "bio": "",
            "session_version": 1,
            "created_at": now - timedelta(days=4 * 365),
        }
        for i, name in enumerate(AUTHORS, start=1)
    ]
    names = [name for name, _ in CATEGORIES]
    categories = [
        {
            "id": i,
            "name": name,
            "slug": slug,
            "description": "",
            "parent_id": names.index(parent) + 1 if parent else None,
            "created_at": now - timedelta(days=4 * 365),
        }
        for i, ((name, parent), slug) in enumerate(
            zip(CATEGORIES, _slugs(names), strict=True), start=1
        )
    ]
    tags = [
        {"id": i, "name": name, "slug": slug, "created_at": now - timedelta(days=365)}
        for i, (name, slug) in enumerate(
            zip(corpus.tags, _slugs(corpus.tags), strict=True), start=1
        )
    ]
    settings = [
        {"key": key, "value": value, "updated_at": now}
        for key, value in {
            "site.name": "资源分享网",
            "site.description": "实用的生活、理财与数码知识分享",
            "site.footer": "© 资源分享网 · 京ICP备00000000号-1（示例）",
        }.items()
    ]
    articles, links = _article_rows(n, rng, corpus, now)

    started = time.perf_counter()
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record):
        # A throwaway build: no fsyncs; the file is only kept once complete.
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    with engine.begin() as conn:
        for model, rows in [
            (User, users),
            (Category, categories),
            (Tag, tags),
            (Setting, settings),
        ]:
            conn.execute(insert(model), rows)
        for start in range(0, len(articles), BATCH):
            conn.execute(insert(Article), articles[start : start + BATCH])
        for start in range(0, len(links), BATCH * 3):
            conn.execute(insert(article_tags), links[start : start + BATCH * 3])
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    print(f"  inserted the rows in {time.perf_counter() - started:.1f} s")


def build_database(path: Path, n_articles: int, seed: int = 20241211) -> None:
    """Create `path` from the migrations and fill it with `n_articles`
    published articles, 20 authors, 12 categories and the demo's tags."""
    started = time.perf_counter()
    _upgrade_schema(path)
    print(f"  flask db upgrade in {time.perf_counter() - started:.1f} s")
    _insert(path, n_articles, seed)


def cached_database(n_articles: int, cache_dir: Path, fresh: bool) -> Path:
    """The cached database for `n_articles` (built first when missing or
    `fresh`). Built beside its final name and renamed, so an interrupted build
    never leaves a broken cache."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{cache_key(n_articles)}.sqlite"
    if path.exists() and not fresh:
        print(f"database: {n_articles} articles, cached at {path}")
        return path
    building = path.with_suffix(f".building-{os.getpid()}")
    for stale in [building, *building.parent.glob(building.name + "-*")]:
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        build_database(building, n_articles)
        shutil.move(building, path)
    finally:
        for leftover in building.parent.glob(building.name + "*"):
            leftover.unlink(missing_ok=True)
    for stale in cache_dir.glob(f"{GENERATOR_VERSION}-{n_articles}-*.sqlite"):
        if stale != path:  # an older key for the same size: never used again
            stale.unlink()
    took = time.perf_counter() - started
    print(f"database: generated {n_articles} articles in {took:.1f} s -> {path}")
    return path
