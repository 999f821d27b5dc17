"""cms.text.automaton: every occurrence of every word, overlapping ones too."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cms.text.automaton import Automaton


def occurrences(words, text):
    """The obvious answer: every (end, word) by str.find."""
    found = set()
    for word in words:
        start = text.find(word)
        while start >= 0:
            found.add((start + len(word) - 1, word))
            start = text.find(word, start + 1)
    return found


def test_overlapping_and_nested_words():
    words = ["他", "他们", "们的", "的", "第一", "第一遍"]
    automaton = Automaton((w, w) for w in words)

    assert sorted(automaton.iter("他们的第一遍")) == sorted(
        occurrences(words, "他们的第一遍")
    )
    assert len(automaton) == 6


def test_empty_words_are_skipped_and_nothing_matches_an_empty_text():
    automaton = Automaton([("", "x"), ("a", "a")])

    assert len(automaton) == 1
    assert list(automaton.iter("")) == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abc第一遍", min_size=1, max_size=4), min_size=1, max_size=8
    ),
    st.text(alphabet="abc第一遍x", max_size=40),
)
def test_finds_exactly_what_str_find_finds(words, text):
    automaton = Automaton((w, w) for w in words)

    assert set(automaton.iter(text)) == occurrences(set(words), text)
