"""shipped rule comments in Chinese: sites seeded with the demo keep the
English comment lines of the shipped rule lists in their settings (shown on
the settings page); those exact lines become the Chinese ones the lists now
ship with. Anything an editor wrote is left as it is.

Revision ID: b4d6f8a0c2e1
Revises: f8b0d2e4a6c5
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d6f8a0c2e1'
down_revision = 'f8b0d2e4a6c5'
branch_labels = None
depends_on = None

# (setting, English block as shipped before, Chinese block shipped now)
REPLACEMENTS = [
    ("comments.disallowed",
     "# Default spam rules shipped with the CMS (setting comments.disallowed): one a\n"
     "# line; words match after normalisation (full-width, case, spaces between\n"
     "# Chinese characters and zero-width characters do not matter).\n"
     "# Contact harvesting\n",
     "# 系统自带的禁止规则（设置项 comments.disallowed）：每行一条；匹配前会统一\n"
     "# 全角半角、大小写，并忽略汉字之间的空格和零宽字符。\n"
     "# 引流：索要联系方式\n"),
    ("comments.disallowed", "# Money for nothing\n", "# 不劳而获的赚钱广告\n"),
    ("comments.disallowed", "# Gambling and invoices\n", "# 赌博与发票\n"),
    ("comments.disallowed", "# Credit and loan scams\n", "# 贷款与信用诈骗\n"),
    ("comments.moderation_words",
     "# Default hold rules shipped with the CMS (setting comments.moderation_words):\n"
     "# a comment matching one waits for an editor. One rule a line.\n",
     "# 系统自带的审核规则（设置项 comments.moderation_words）：命中的评论\n"
     "# 先进入待审，由编辑处理。每行一条规则。\n"),
]

settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))


def _rewrite(forward: bool) -> None:
    bind = op.get_bind()
    keys = sorted({key for key, _, _ in REPLACEMENTS})
    rows = bind.execute(
        sa.select(settings.c.key, settings.c.value).where(settings.c.key.in_(keys))
    ).all()
    for key, value in rows:
        text = value
        for name, english, chinese in REPLACEMENTS:
            if name == key:
                old, new = (english, chinese) if forward else (chinese, english)
                text = text.replace(old, new)
        if text != value:
            bind.execute(
                settings.update().where(settings.c.key == key).values(value=text)
            )


def upgrade():
    _rewrite(forward=True)


def downgrade():
    _rewrite(forward=False)
