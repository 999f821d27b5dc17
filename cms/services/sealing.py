"""Secrets the site must read back, stored sealed: today the two-factor
(TOTP) seeds, which unlike passwords cannot be hashed.

What it guarantees:
- a sealed value is AES-256-GCM under a key derived from SECRET_KEY (HKDF-
  SHA256 with a label of its own, so it is never the key that signs
  cookies), with a fresh 96-bit nonce each time: a copy of the database (a
  dump, a backup file) does not give the secrets away without SECRET_KEY;
- each value is bound to its `context` (for a TOTP seed: the account's id),
  so a sealed value copied into another row does not open there;
- `unseal` tries SECRET_KEY, then each of SECRET_KEY_FALLBACKS (Flask's list
  of retired keys), so a rotated key keeps old seals readable; it says which
  key opened a value, so callers can seal it again under the current one;
- anything tampered with, sealed for another context or under a key no
  longer configured opens as None, never as wrong plaintext.

The stored form is `v1.` and the URL-safe base64 of nonce + ciphertext +
tag: 83 characters for a 32-character TOTP seed.
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import lru_cache
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "v1."
_LABEL = b"cms sealed values v1"
_NONCE_BYTES = 12


class Opened(NamedTuple):
    """An unsealed value, and whether the current SECRET_KEY opened it (False:
    a fallback key did; seal it again)."""

    plaintext: str
    current_key: bool


@lru_cache(maxsize=8)
def _cipher(secret_key: str | bytes) -> AESGCM:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(
        material
    )
    return AESGCM(key)


def _keys() -> list[str | bytes]:
    config = current_app.config
    return [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ())]


def seal_with(secret_key: str | bytes, plaintext: str, context: str) -> str:
    """`plaintext` sealed under `secret_key` for `context` (the stored form)."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher(secret_key).encrypt(nonce, plaintext.encode(), context.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def seal(plaintext: str, context: str) -> str:
    """`plaintext` sealed under the app's SECRET_KEY for `context`."""
    return seal_with(_keys()[0], plaintext, context)


def unseal(stored: str, context: str) -> Opened | None:
    """The plaintext of a value `seal` made for `context`, or None when it is
    not one (tampered, another context, or no configured key opens it)."""
    if not stored.startswith(PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode())
    except (binascii.Error, ValueError):
        return None
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    for index, key in enumerate(_keys()):
        try:
            plain = _cipher(key).decrypt(nonce, sealed, context.encode())
        except (InvalidTag, ValueError):
            continue
        return Opened(plain.decode(), current_key=index == 0)
    return None
