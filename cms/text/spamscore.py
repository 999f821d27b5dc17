"""A statistical spam score that learns: multinomial naive Bayes over
character n-grams and a few whole-comment features, in pure Python.

Why naive Bayes, and why our own: comment spam is short text in a few
recurring shapes (contact ids, loan and part-time offers, link praise), the
training set is a few hundred comments and grows one editor decision at a
time. Naive Bayes learns and unlearns by adding and subtracting counts, which
is exactly what a per-site model kept in database rows needs (an approve or a
spam is a few hundred `count + 1` updates, an undo the same with `- 1`).
scikit-learn's MultinomialNB could score, but it would add tens of MB of
dependencies (scikit-learn, numpy, scipy) for a hundred lines of
arithmetic, it wants a fixed vocabulary (a vectoriser fitted up front) while
ours grows with every lesson, and its `partial_fit` cannot unlearn. Here,
features and score take ~0.3 ms a comment, with the explanation ~0.55 ms
(the held-out examples, pure Python); the pipeline check adds one query
(bench/spam.py).

Features of a comment (`features()`), each counted once per comment
(binarised multinomial NB, better on short texts):

- character 1-, 2- and 3-grams of the comment's text after `shape()`: the text
  normalised (cms.text.normalize, punctuation kept: full width, case, zero
  width), white space removed (spammers space out 加 威 信), every link replaced
  by one link mark, every id-like Latin run (letters with digits or an
  underscore: `lu_na3306`) by one id mark, and every run of five or more
  digits (QQ and phone numbers) by one number mark, so that what the
  classifier learns is the shape, not the particular id; Latin words of four
  letters or more leave the character stream and count as words (`w:mark`,
  `w:wechat`), so that an English sentence is not judged by its letters (short
  runs, vx, wx, qq, v, stay: they are the disguises);
- whole-comment marks (`#…`): how many links, links that are nearly the whole
  comment, BBCode / HTML link markup, a contact word followed closely by an id
  or a number, one unit repeated over and over, and the length (bucketed).

Scoring (`Model.score`): the log-odds of spam under equal class priors
(the shipped examples are balanced and a site's mix is unknown), with add-α
smoothing; the per-feature log-likelihood ratios are summed and divided by the
square root of the number of known features (plus NEUTRAL, so that a very
short comment cannot reach a threshold on two words), so that long comments
do not saturate the score, then mapped to 0–100 by the logistic function.
Features the model never saw are left out. `explain` names the
text that speaks most for spam, as whole phrases (adjacent spam-leaning
bigrams merged: 兼职日结, not 兼职 and 职日 and 日结), for the reason chip.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cms.text.normalize import normalize_text
from cms.text.rules import is_repetitive

LINK = "\u24c1"  # Ⓛ: a link
IDENT = "\u24be"  # Ⓘ: an id-like Latin run (lu_na3306)
NUMBER = "\u2464"  # ⑤: five or more digits (QQ, phone)
MARKS = frozenset((LINK, IDENT, NUMBER))
ALPHA = 1.0  # add-α smoothing
# Evidence is divided by sqrt(known features + NEUTRAL): a short comment (few
# features the model knows) weighs as if it also had this many neutral ones,
# so 谢谢 or 好 alone cannot reach a threshold (bench/spam.py, README).
NEUTRAL = 9
NGRAM_SIZES = (1, 2, 3)
WORD_MIN = 4  # Latin words this long are features as words, not letters

_BBCODE = re.compile(r"\[(?:url|link)[=\]]|<a\s[^>]*href", re.IGNORECASE)
_TAGS = re.compile(r"\[/?(?:url|link)[^\]]*\]|</?a\b[^>]*>", re.IGNORECASE)
_URL_CHARS = r"[a-z0-9\-._~:/?#@!$&*+,;=%]"  # ASCII only: 链接后的中文不算
_URL = re.compile(
    rf"(?:https?://|www\.){_URL_CHARS}+"
    rf"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|cc|top|xyz|vip)\b{_URL_CHARS}*",
    re.IGNORECASE,
)
_LATIN = re.compile(r"[a-z0-9_\-]+")
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]+")
# Letters and digits spaced out one by one (t i a n 6 6 8), joined again.
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z0-9][ \t]+){2,}[a-z0-9](?![a-z0-9])")
# A contact word in its usual disguises, then an id or a number within a few
# characters (the shaped text: ids and numbers are already marks).
_CONTACT = re.compile(
    r"(?:微|薇|威|徽|卫星|v|vx|wx|wei|扣扣|扣|企鹅|qq|q|电话|手机)"
    r"[^" + LINK + r"]{0,6}?[" + IDENT + NUMBER + r"]"
)
_WORDISH = re.compile(r"^[\u3400-\u9fff\uf900-\ufaffa-z]+$")

# Whole-comment marks, and how the reason chip names them.
# (#ident and #number are not named: #contact says it better.)
MARK_WORDS: dict[str, str] = {
    "#link1": "链接",
    "#link2": "多个链接",
    "#link3": "多个链接",
    "#linkonly": "只有链接",
    "#markup": "链接代码",
    "#contact": "联系方式",
    "#repeat": "重复",
}


def _digits(match: re.Match[str]) -> str:
    run: str = match.group(0)
    return NUMBER if len(run) >= 5 else "0" * len(run)


def _prepare(text: str) -> tuple[str, list[str]]:
    """The shaped text and the Latin words of four letters or more taken out
    of it (see the module docstring)."""
    words: list[str] = []

    def latin(match: re.Match[str]) -> str:
        run: str = match.group(0)
        letters = any(c.isalpha() for c in run)
        if "_" in run or letters and any(c.isdigit() for c in run):
            return IDENT
        if not letters:
            return _DIGITS.sub(_digits, run)
        if len(run) >= WORD_MIN:
            words.append(run[:30])
            return ""
        return run

    text = normalize_text(text, keep_punct=True)
    text = _TAGS.sub(" ", _URL.sub(LINK, text))
    text = _SPACED.sub(lambda m: _SPACE.sub("", m.group(0)), text)
    return _SPACE.sub("", _LATIN.sub(latin, text)), words


def shape(text: str) -> str:
    """The text the n-grams are taken from (see the module docstring)."""
    return _prepare(text)[0]


def features(body: str, author: str = "") -> set[str]:
    """The features of a comment (a set: each counts once). The author's name
    adds its n-grams with an `@` prefix (spam names are often the offer)."""
    shaped, words = _prepare(body)
    found = set(_ngrams(shaped))
    found.update("w:" + word for word in words)
    found.update("@" + g for g in _ngrams(shape(author), sizes=(1, 2)))
    raw = normalize_text(body, keep_punct=True)
    links = len(_URL.findall(raw))
    if links:
        found.add(f"#link{min(links, 3)}")
        rest = shaped.replace(LINK, "")
        if len(rest) <= 12:
            found.add("#linkonly")
    if _BBCODE.search(raw):
        found.add("#markup")
    if _CONTACT.search(shaped):
        found.add("#contact")
    if NUMBER in shaped:
        found.add("#number")
    if IDENT in shaped:
        found.add("#ident")
    if is_repetitive(body):
        found.add("#repeat")
    size = len(shaped)
    found.add("#len" + ("s" if size < 12 else "m" if size < 40 else "l"))
    return found


def _ngrams(text: str, sizes: Iterable[int] = NGRAM_SIZES) -> Iterable[str]:
    for n in sizes:
        for i in range(len(text) - n + 1):
            yield text[i : i + n]


@dataclass
class Model:
    """Counts: how many spam and ham comments were learned, how many
    features each class holds in all, the vocabulary size, and per feature
    its (spam, ham) counts. `features` may hold only the features of the
    comment being scored (what the database hands over): totals and the
    vocabulary size are what smoothing needs of the rest."""

    spam_docs: int = 0
    ham_docs: int = 0
    spam_total: int = 0
    ham_total: int = 0
    vocabulary: int = 0
    features: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def trained(self) -> bool:
        """True when both classes have been seen (else every score is 50)."""
        return self.spam_docs > 0 and self.ham_docs > 0

    def learn(self, found: Iterable[str], spam: bool, sign: int = 1) -> None:
        """Add (sign 1) or take back (sign -1) one comment's features; taking
        back exactly what was added gives the model it was before."""
        found = list(found)
        for name in found:
            s, h = self.features.get(name, (0, 0))
            if name not in self.features:
                self.vocabulary += 1
            s, h = (s + sign, h) if spam else (s, h + sign)
            if (s, h) == (0, 0):
                del self.features[name]
                self.vocabulary -= 1
            else:
                self.features[name] = (s, h)
        if spam:
            self.spam_docs += sign
            self.spam_total += sign * len(found)
        else:
            self.ham_docs += sign
            self.ham_total += sign * len(found)

    def ratio(self, name: str) -> float:
        """log P(feature | spam) - log P(feature | ham), smoothed."""
        s, h = self.features.get(name, (0, 0))
        v = max(self.vocabulary, 1) * ALPHA
        spam = (max(s, 0) + ALPHA) / (max(self.spam_total, 0) + v)
        ham = (max(h, 0) + ALPHA) / (max(self.ham_total, 0) + v)
        return math.log(spam / ham)

    def known(self, name: str) -> bool:
        """True when the feature was seen in a learned comment."""
        s, h = self.features.get(name, (0, 0))
        return s > 0 or h > 0

    def score(self, found: Iterable[str]) -> float:
        """P(spam) in percent, 0-100 (50 when the model knows nothing).
        Features never seen are left out (with add-α smoothing they would
        lean to whichever class has fewer features in all)."""
        known = [name for name in found if self.known(name)]
        if not self.trained or not known:
            return 50.0
        weight = sum(self.ratio(name) for name in known)
        evidence = weight / math.sqrt(len(known) + NEUTRAL)
        return 100.0 / (1.0 + math.exp(-max(min(evidence, 50.0), -50.0)))

    def explain(
        self, body: str, found: Iterable[str] = (), limit: int = 3
    ) -> list[str]:
        """What speaks most for spam, for people: whole phrases of the text
        whose bigrams lean to spam (merged where they touch), and the names of
        whole-comment marks (MARK_WORDS), strongest first, at most `limit`."""
        shaped = shape(body)
        # Windows of 2 and 3 characters that lean to spam, merged where they
        # overlap or touch into phrases weighed by the sum of their leaning.
        windows: list[tuple[int, int, float]] = []
        for n in (2, 3):
            for i in range(len(shaped) - n + 1):
                gram = shaped[i : i + n]
                if _WORDISH.match(gram) and self.known(gram):
                    weight = self.ratio(gram)
                    if weight > 1.0:
                        windows.append((i, i + n, weight))
        windows.sort()
        weighed: list[tuple[float, str]] = []
        start, end, total = -1, -1, 0.0
        for i, j, weight in windows:
            if i <= end:
                end, total = max(end, j), total + weight
                continue
            if start >= 0:
                weighed.append((total, shaped[start:end]))
            start, end, total = i, j, weight
        if start >= 0:
            weighed.append((total, shaped[start:end]))
        kinds: set[str] = set()
        for name in sorted(found, key=lambda n: -self.ratio(n)):
            word = MARK_WORDS.get(name)
            if not word or not self.known(name) or name[:5] in kinds:
                continue
            weight = self.ratio(name)
            if weight > 1.0:
                kinds.add(name[:5])  # one of #link1, #link2, #linkonly
                weighed.append((weight, word))
        weighed.sort(key=lambda item: -item[0])
        shown: list[str] = []
        for _, phrase in weighed:
            phrase = phrase[:8]
            if phrase not in shown:
                shown.append(phrase)
            if len(shown) == limit:
                break
        return shown


def from_counts(
    totals: Mapping[str, int], counts: Mapping[str, tuple[int, int]]
) -> Model:
    """A model from stored totals (spam_docs, ham_docs, spam_total, ham_total,
    vocabulary) and feature counts."""
    return Model(
        totals["spam_docs"], totals["ham_docs"], totals["spam_total"],
        totals["ham_total"], totals["vocabulary"], dict(counts),
    )  # fmt: skip
