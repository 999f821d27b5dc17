"""Reading and writing word rules as TSV (the moderation area's import and
export).

Guarantees: `to_tsv` writes a header line and one rule a line, and
`parse_tsv` reads that back into the same rules; `parse_tsv` also takes a
header naming the columns in any order (English or Chinese names), skips
blank and `#` lines, and every rule it returns has passed Rule.check(). A
bad line raises RuleError naming its line number.
"""

from __future__ import annotations

from collections.abc import Iterable

from cms.text.wordfilter.rules import SCOPES, Action, Kind, Rule, RuleError

# TSV: phrase, action, replacement, scopes (comma-separated), kind, group.
TSV_HEADER = "word\taction\treplacement\tscopes\tkind\tgroup"


_COLUMNS = ("word", "action", "replacement", "scopes", "kind", "group")
_COLUMN_ALIASES = {"词语": "word", "动作": "action", "替换为": "replacement",
                   "范围": "scopes", "类型": "kind", "分组": "group"}  # fmt: skip


def parse_tsv(text: str, default_scopes: Iterable[str] = SCOPES) -> list[Rule]:
    """Rules from TSV. A first line naming the columns (word, action,
    replacement, scopes, kind, group, in any order, or their Chinese names)
    says which column is which; without it they come in that order. `#`
    lines are comments; columns may be left out. RuleError names the bad
    line."""
    rules: list[Rule] = []
    columns = list(_COLUMNS)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if number == 1 and cells[0].lower() in ("word", "词语"):
            columns = [_COLUMN_ALIASES.get(c, c.lower()) for c in cells]
            continue
        row = dict(zip(columns, cells, strict=False))
        scopes = row.get("scopes", "")
        try:
            scope_set = (
                frozenset(s.strip() for s in scopes.split(",") if s.strip())
                if scopes
                else frozenset(default_scopes)
            )
            rule = Rule(
                row.get("word", ""),
                Action(row.get("action") or "flag"),
                row.get("replacement", ""),
                scope_set,
                Kind(row.get("kind") or "word"),
                group=row.get("group", ""),
            ).check()
        except (ValueError, RuleError) as error:
            raise RuleError(f"第 {number} 行：{_message(error)}") from error
        rules.append(rule)
    return rules


def _message(error: Exception) -> str:
    return str(error) if isinstance(error, RuleError) else "动作或类型无效"


def to_tsv(rules: Iterable[Rule]) -> str:
    """Rules as TSV, with the header line; parse_tsv reads it back."""
    lines = [TSV_HEADER]
    for rule in rules:
        scopes = ",".join(s for s in SCOPES if s in rule.scopes)
        lines.append(
            "\t".join(
                (
                    rule.phrase,
                    rule.action.value,
                    rule.replacement,
                    scopes,
                    rule.kind.value,
                    rule.group,
                )  # fmt: skip
            )
        )
    return "\n".join(lines) + "\n"
