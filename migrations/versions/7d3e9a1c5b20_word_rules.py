"""word rules: one engine for every word rule (cms.text.wordfilter)

Revision ID: 7d3e9a1c5b20
Revises: 5b0c7e2f4a91
Create Date: 2026-12-06 18:00:00

Adds `word_rules` (words, contact words and exceptions with their action and
scopes) and `word_exemptions` (occurrences in an article that an editor kept). The word
lines of the settings `comments.disallowed` (marked spam) and
`comments.moderation_words` (held) become rules of the comments and names
scopes (actions `spam` and `hold`); their e-mail, IP and range lines stay in
the settings. Downgrade puts the words back into the settings. The parsing is
written out here, frozen.
"""
import ipaddress
import re
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '7d3e9a1c5b20'
down_revision = '5b0c7e2f4a91'
branch_labels = None
depends_on = None

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^@[^@\s]+\.[^@\s]+$")
MOVED = {"comments.disallowed": "spam", "comments.moderation_words": "hold"}
SCOPES = "comments,names"
settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))


def is_word(line):
    """A line of the old rule lists that is a word (not a comment, an
    e-mail, an IP or a range)."""
    rule = line.strip()
    if not rule or rule.startswith("#") or EMAIL.match(rule):
        return False
    try:
        if "/" in rule:
            ipaddress.ip_network(rule, strict=False)
        else:
            ipaddress.ip_address(rule)
        return False
    except ValueError:
        return True


def upgrade():
    rules = op.create_table(
        'word_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phrase', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('replacement', sa.String(length=200), nullable=False),
        sa.Column('scopes', sa.String(length=64), nullable=False),
        sa.Column('keep_punct', sa.Boolean(), nullable=False),
        sa.Column('group', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_word_rules')),
    )
    op.create_index('ix_word_rules_kind_phrase', 'word_rules', ['kind', 'phrase'])
    op.create_table(
        'word_exemptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('phrase', sa.String(length=200), nullable=False),
        sa.Column('left', sa.String(length=32), nullable=False),
        sa.Column('right', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'],
                                name=op.f('fk_word_exemptions_article_id_articles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_word_exemptions')),
    )
    op.create_index(op.f('ix_word_exemptions_article_id'), 'word_exemptions',
                    ['article_id'])
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    if bind.dialect.name == "sqlite":  # the app stores naive UTC there
        now = now.replace(tzinfo=None)
    rows = []
    seen = set()
    for key, action in MOVED.items():
        value = bind.execute(
            sa.select(settings.c.value).where(settings.c.key == key)
        ).scalar()
        if not value:
            continue
        lines = value.split("\n")
        for line in lines:
            if is_word(line) and (line.strip(), action) not in seen:
                seen.add((line.strip(), action))
                rows.append({"phrase": line.strip(), "kind": "word", "action": action,
                             "replacement": "", "scopes": SCOPES, "keep_punct": False,
                             "group": "评论规则（由设置迁入）", "created_at": now,
                             "updated_at": now})
        kept = "\n".join(line for line in lines if not is_word(line))
        bind.execute(settings.update().where(settings.c.key == key).values(value=kept))
    if rows:
        op.bulk_insert(rules, rows)


def downgrade():
    bind = op.get_bind()
    table = sa.table("word_rules", sa.column("phrase", sa.String),
                     sa.column("action", sa.String), sa.column("kind", sa.String),
                     sa.column("group", sa.String))
    for key, action in MOVED.items():
        words = list(bind.execute(
            sa.select(table.c.phrase).where(table.c.action == action,
                                            table.c.kind == "word")
        ).scalars())
        if not words:
            continue
        value = bind.execute(
            sa.select(settings.c.value).where(settings.c.key == key)
        ).scalar()
        if value is None:
            bind.execute(sa.text(
                "INSERT INTO settings (key, value, updated_at) VALUES (:k, :v, :t)"
            ), {"k": key, "v": "\n".join(words), "t": datetime.now(timezone.utc)})
        else:
            joined = "\n".join([value, *words]) if value else "\n".join(words)
            bind.execute(settings.update().where(settings.c.key == key)
                         .values(value=joined))
    op.drop_index(op.f('ix_word_exemptions_article_id'), table_name='word_exemptions')
    op.drop_table('word_exemptions')
    op.drop_index('ix_word_rules_kind_phrase', table_name='word_rules')
    op.drop_table('word_rules')
