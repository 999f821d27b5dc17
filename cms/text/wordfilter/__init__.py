"""The word engine: every word rule of the CMS, matched in one pass.

A rule is a literal word or phrase (never a regular expression: no ReDoS),
an action and the places it applies to (articles, comments, author names).
Exceptions are phrases that protect the words inside them (第一遍 protects
第一): no change ever overlaps an exception. Contact rules are the other
kind: a contact word (微信, QQ, 扣扣 …, matched with separators between its
characters too) followed within a few characters by an id or a number.

`Matcher.build()` compiles rules and exceptions into one Aho-Corasick
automaton (cms.text.automaton) over normalised text (cms.text.normalize), and
`Matcher.apply()` runs it: matches are resolved leftmost, longest first,
mapped back to their exact span of the original text, and the original is
edited there. The answer is the new text and the list of changes (rule,
span, before, after); applying the changes to the original gives the new
text (`apply_changes`). Everything here is pure: no database, no Flask.

This package is the engine's one public face (README and docs/wordlists.md
name it): callers import from `cms.text.wordfilter`, never from the parts,
which are split by responsibility:
- `rules`: Rule, its actions, kinds, scopes and labels, and Rule.check();
- `matcher`: Matcher, compiling rules and finding every match in one pass;
- `resolve`: choosing among overlapping matches, and the edits (strip);
- `changes`: Change, Exemption, Result and apply_changes;
- `tsv`: rules as TSV and back.
"""

from cms.text.wordfilter.changes import (
    EXEMPTION_CONTEXT,
    Change,
    Exemption,
    Result,
    apply_changes,
    exemption_for,
)
from cms.text.wordfilter.matcher import Matcher
from cms.text.wordfilter.rules import (
    ACTION_LABELS,
    KIND_LABELS,
    SCOPE_LABELS,
    SCOPES,
    SEVERITY,
    Action,
    Kind,
    Rule,
    RuleError,
)
from cms.text.wordfilter.tsv import TSV_HEADER, parse_tsv, to_tsv

__all__ = [
    "ACTION_LABELS",
    "EXEMPTION_CONTEXT",
    "KIND_LABELS",
    "SCOPES",
    "SCOPE_LABELS",
    "SEVERITY",
    "TSV_HEADER",
    "Action",
    "Change",
    "Exemption",
    "Kind",
    "Matcher",
    "Result",
    "Rule",
    "RuleError",
    "apply_changes",
    "exemption_for",
    "parse_tsv",
    "to_tsv",
]
