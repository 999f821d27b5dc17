"""users: two-factor secrets stored sealed

Revision ID: 91b997c0218d
Revises: 480a778ce037
Create Date: 2026-12-07 23:00:00

users.totp_secret held the base32 TOTP seed as typed into the
authenticator app, so a copy of the database (a dump, a backup file) gave
every account's codes away. It now holds the seed sealed with AES-256-GCM
under a key derived from SECRET_KEY (cms.services.sealing, format `v1.`),
bound to the account's id: 83 characters, so the column grows from 64 to
128. Existing seeds are sealed here under the app's SECRET_KEY (the app
context Flask-Migrate runs in); the downgrade opens them again with it.

The sealing is copied here, frozen at format v1, rather than imported: a
migration must do the same thing whatever the code around it later becomes
(as the reading-time migration does with its rule).
"""
import base64
import os

from alembic import op
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '91b997c0218d'
down_revision = '480a778ce037'
branch_labels = None
depends_on = None

PREFIX = "v1."
LABEL = b"cms sealed values v1"
users = sa.table(
    "users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String)
)


def _cipher():
    key = current_app.config["SECRET_KEY"]
    material = key.encode() if isinstance(key, str) else key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL)
    return AESGCM(derived.derive(material))


def _seal(cipher, plaintext, user_id):
    nonce = os.urandom(12)
    sealed = cipher.encrypt(nonce, plaintext.encode(), f"totp:{user_id}".encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def _open(cipher, stored, user_id):
    raw = base64.urlsafe_b64decode(stored[len(PREFIX):].encode())
    plain = cipher.decrypt(raw[:12], raw[12:], f"totp:{user_id}".encode())
    return plain.decode()


def _rewrite(change):
    """Each account with a secret: `change(cipher, stored, id)` stored back."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.totp_secret).where(
            users.c.totp_secret.is_not(None)
        )
    ).all()
    if not rows:
        return
    cipher = _cipher()
    for user_id, stored in rows:
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(totp_secret=change(cipher, stored, user_id))
        )


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64),
                              type_=sa.String(length=128), existing_nullable=True)
    _rewrite(lambda cipher, stored, user_id: stored if stored.startswith(PREFIX)
             else _seal(cipher, stored, user_id))


def downgrade():
    _rewrite(lambda cipher, stored, user_id: _open(cipher, stored, user_id)
             if stored.startswith(PREFIX) else stored)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=128),
                              type_=sa.String(length=64), existing_nullable=True)
