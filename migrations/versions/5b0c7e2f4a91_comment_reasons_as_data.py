"""comment reasons as data: {"code", "params"} instead of English phrases

Revision ID: 5b0c7e2f4a91
Revises: 4c1d2e3f5a6b
Create Date: 2026-12-06 15:20:00

The column stays JSON; its items change from phrases ("2 links",
"disallowed word: 加微信") to reasons ({"code": "links", "params":
{"count": 2}}), which cms.services.reasons words. A phrase this migration
does not know is kept as {"code": "legacy", "params": {"text": …}}, shown
as it was. The conversion is written out here, frozen, so that later
changes to the app cannot change what this migration does.
"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b0c7e2f4a91'
down_revision = '4c1d2e3f5a6b'
branch_labels = None
depends_on = None

BATCH = 1000
PLAIN = {
    "staff": "staff",
    "honeypot": "honeypot",
    "too fast": "too_fast",
    "repeated text": "repeated_text",
    "approval required": "approval_required",
    "known commenter": "known_commenter",
    "first comment": "first_comment",
}
RULE_PREFIXES = (
    ("e-mail: ", "email"),
    ("IP range: ", "ip_range"),
    ("IP: ", "ip"),
    ("word: ", "word"),
)
LINKS = re.compile(r"(\d+) links")
comments = sa.table(
    "comments", sa.column("id", sa.Integer), sa.column("reasons", sa.JSON)
)


def to_data(phrase):
    """One old phrase as a reason; a reason (already data) as it is."""
    if not isinstance(phrase, str):
        return phrase
    if phrase in PLAIN:
        return {"code": PLAIN[phrase], "params": {}}
    links = LINKS.fullmatch(phrase)
    if links:
        return {"code": "links", "params": {"count": int(links.group(1))}}
    rule_list, rest = "held", phrase
    if phrase.startswith("disallowed "):
        rule_list, rest = "disallowed", phrase[len("disallowed "):]
    for prefix, kind in RULE_PREFIXES:
        if rest.startswith(prefix):
            return {
                "code": f"{rule_list}_{kind}",
                "params": {"rule": rest[len(prefix):]},
            }
    return {"code": "legacy", "params": {"text": phrase}}


def to_phrase(reason):
    """The way back: a reason as the phrase the older code wrote."""
    if not isinstance(reason, dict):
        return reason
    code, params = reason.get("code", ""), reason.get("params") or {}
    for phrase, plain in PLAIN.items():
        if code == plain:
            return phrase
    if code == "links":
        return f"{params.get('count', 0)} links"
    if code == "legacy":
        return str(params.get("text", ""))
    rule_list, _, kind = code.partition("_")
    for prefix, known in RULE_PREFIXES:
        if kind == known:
            phrase = f"{prefix}{params.get('rule', '')}"
            return f"disallowed {phrase}" if rule_list == "disallowed" else phrase
    return code


def _convert(change):
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(comments.c.id, comments.c.reasons)
            .where(comments.c.id > last)
            .order_by(comments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            old = row.reasons or []
            new = [change(item) for item in old]
            if new != old:
                connection.execute(
                    comments.update()
                    .where(comments.c.id == row.id)
                    .values(reasons=new)
                )
        last = rows[-1].id


def upgrade():
    _convert(to_data)


def downgrade():
    _convert(to_phrase)
