"""cms.text.normalize: the one-step drop of punctuation between Han
characters gives exactly what the per-character path gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cms.text.normalize import normalize

ALPHABET = (
    "加微信最大第一遍ab1 \t\n.,-_·、，。！？：；“”（）《》【】…—\u3000\u200b\ufeff"
    "ＡＷ１♥❤➕々ぁ가!~\\`"
)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60), st.booleans())
def test_fast_and_per_character_paths_agree(text, keep_punct):
    fast = normalize(text, keep_punct)
    slow = normalize(text, keep_punct, fast=False)

    assert fast.text == slow.text
    assert list(fast.origin) == list(slow.origin)
