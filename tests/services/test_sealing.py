"""Sealed values (cms.services.sealing): they open only with a configured
key and for the context they were sealed for; a retired key listed in
SECRET_KEY_FALLBACKS still opens them and says so."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cms.services.sealing import PREFIX, Opened, seal, seal_with, unseal

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_sealed_value_opens_for_its_context_only(ctx):
    sealed = seal(SEED, "totp:1")

    assert sealed.startswith(PREFIX) and SEED not in sealed
    assert len(sealed) == 83  # fits users.totp_secret (128)
    assert unseal(sealed, "totp:1") == Opened(SEED, current_key=True)
    assert unseal(sealed, "totp:2") is None


def test_each_seal_is_new(ctx):
    assert seal(SEED, "totp:1") != seal(SEED, "totp:1")  # a fresh nonce


@pytest.mark.parametrize(
    "spoil",
    [
        lambda s: s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1],  # tag altered
        lambda s: s[: len(PREFIX) + 4],  # cut short
        lambda s: s.removeprefix(PREFIX),  # no format prefix
        lambda s: PREFIX + "not base64!",
        lambda s: "",
    ],
    ids=["altered", "short", "unprefixed", "garbage", "empty"],
)
def test_anything_altered_opens_as_none(ctx, spoil):
    assert unseal(spoil(seal(SEED, "totp:1")), "totp:1") is None


def test_a_retired_key_in_the_fallbacks_still_opens(ctx):
    old = seal_with("the key before rotation", SEED, "totp:1")
    assert unseal(old, "totp:1") is None

    ctx.config["SECRET_KEY_FALLBACKS"] = ["the key before rotation"]

    assert unseal(old, "totp:1") == Opened(SEED, current_key=False)
    assert unseal(seal(SEED, "totp:1"), "totp:1") == Opened(SEED, current_key=True)


def test_the_key_is_not_the_cookie_signing_key_itself(ctx):
    """A value sealed with AES-GCM under SECRET_KEY's raw bytes (padded or cut
    to 32) does not open: the key is derived, for this purpose only."""
    raw = ctx.config["SECRET_KEY"].encode().ljust(32, b"\0")[:32]
    nonce = b"\0" * 12
    naive = AESGCM(raw).encrypt(nonce, SEED.encode(), b"totp:1")
    stored = PREFIX + base64.urlsafe_b64encode(nonce + naive).decode()
    assert unseal(stored, "totp:1") is None
