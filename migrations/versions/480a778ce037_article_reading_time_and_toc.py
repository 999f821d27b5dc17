"""articles: the reading time and table of contents stored with the body

Revision ID: 480a778ce037
Revises: a7c41e9d2b60
Create Date: 2026-12-07 09:30:00

The article page showed a word count, reading minutes and the h2-h3
headings derived from body_html on every view; they are now stored with
the body (cms.models.article.body_columns) in three columns, never NULL and
without a server default, so a writer that leaves them out is refused
instead of showing wrong values. Existing rows are filled here from their
body_html, BATCH rows at a time, before the columns become NOT NULL (on
SQLite that rebuilds the table; env.py turns foreign keys off for it).

The derivation is copied here, frozen (as cms.text.reading and
cms.text.excerpt.html_to_text have it at this revision), rather than
imported: a migration must do the same thing whatever the code around it
later becomes (README, `flask cms rerender`), and the app's functions
change with the code. Values it stores under a rule the app has since
changed are brought up to date by `flask cms rerender` (which `flask cms
upgrade` runs after the migrations): it compares what is stored with what
the code of the release derives from the HTML.
"""
import html as html_lib
import math
import re

from alembic import op
import nh3
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '480a778ce037'
down_revision = 'a7c41e9d2b60'
branch_labels = None
depends_on = None

BATCH = 500
HAN_PER_MINUTE = 400
WORDS_PER_MINUTE = 200
_CJK = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]"
)
_LATIN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’.-][A-Za-z0-9\u00c0-\u024f]+)*")
_FOOTNOTE_REF = re.compile(r'<sup class="footnote-ref">.*?</sup>', re.S)
_ANCHOR = re.compile(r'\s*<a class="header-anchor"[^>]*>.*?</a>', re.S)
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)
_SPACES = re.compile(r"\s+")

articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("body_html", sa.Text),
    sa.column("reading_words", sa.Integer),
    sa.column("reading_minutes", sa.Integer),
    sa.column("toc", sa.JSON),
)


def _text(html):
    """The text of an HTML fragment: no tags, entities decoded, spaces collapsed."""
    stripped = nh3.clean(html, tags=set(), clean_content_tags={"script", "style"})
    return _SPACES.sub(" ", html_lib.unescape(stripped)).strip()


def derive(html):
    """(words, minutes, toc) of a rendered body: each Han/kana/hangul
    character and each run of Latin letters or digits is a word, footnote
    marks and heading permalinks are not text; at least a minute for any
    text; the h2 and h3 headings as [level, id, text]."""
    text = _text(_ANCHOR.sub("", _FOOTNOTE_REF.sub("", html)))
    han, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    words, minutes = han + latin, 0
    if words:
        minutes = max(1, math.ceil(han / HAN_PER_MINUTE + latin / WORDS_PER_MINUTE))
    toc = [
        [int(level), ident, _text(_ANCHOR.sub("", inner))]
        for level, ident, inner in _HEADING.findall(html)
    ]
    return words, minutes, toc


def _backfill():
    connection = op.get_bind()
    update = (
        articles.update()
        .where(articles.c.id == sa.bindparam("row_id"))
        .values(
            reading_words=sa.bindparam("words"),
            reading_minutes=sa.bindparam("minutes"),
            toc=sa.bindparam("entries", type_=sa.JSON),
        )
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(articles.c.id, articles.c.body_html)
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values = []
        for row in rows:
            words, minutes, toc = derive(row.body_html or "")
            values.append(
                {"row_id": row.id, "words": words, "minutes": minutes, "entries": toc}
            )
        connection.execute(update, values)
        last = rows[-1].id


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reading_words', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reading_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('toc', sa.JSON(), nullable=True))
    _backfill()
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.alter_column('reading_words', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('reading_minutes', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('toc', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('toc')
        batch_op.drop_column('reading_minutes')
        batch_op.drop_column('reading_words')
