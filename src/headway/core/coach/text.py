"""How the coach reads titles: tokens, amounts, baselines, metric shapes, work verbs.

Every pattern is compiled once, at import; the word lists live in `vocabulary`. A title is read
once per lint (`phrasing`) and every rule shares the result.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from headway.core.coach.vocabulary import (
    ACTIVITY_NOUNS,
    CHANGE_WORDS,
    DOWN_WORDS,
    LABEL_WORDS,
    MEASURE_WORDS,
    METRIC_FILLERS,
    METRIC_NOUNS,
    MOVE_VERBS,
    OUTPUT_PHRASES,
    OUTPUT_VERBS,
    RUN_VERBS,
    STOP_WORDS,
    SYNONYMS,
    TIME_WORDS,
    UP_WORDS,
    VAGUE_OPENINGS,
)

# --- Tokens ---------------------------------------------------------------------------------

# "sign-ups", "sign up" and "signups" must compare equal; other hyphens separate words, so that
# "time-to-hire" meets "time to hire" and "1-month" keeps its number apart.
_COMPOUND = re.compile(r"\b(sign|log|check|e)[-\u2010\u2011 ](ups?|ins?|outs?|mail)\b")
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*")
_DIGIT = re.compile(r"\d")


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers, in order."""
    return _TOKEN.findall(_compounds(text.lower()))


def lower_tokens(lower: str) -> list[str]:
    """``tokens`` of a text already in lower case."""
    return _TOKEN.findall(_compounds(lower))


def _compounds(lower: str) -> str:
    """``lower`` with "sign-up", "log in", "e-mail" and the like written as one word."""
    # Substring tests are far cheaper than the substitution, and spare most titles from it.
    if "sign" in lower or "log" in lower or "check" in lower or "mail" in lower:
        return _COMPOUND.sub(r"\1\2", lower)
    return lower


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return SYNONYMS.get(word, word)


class _Stems(dict[str, str]):
    """Each word's stem, worked out on first sight: a hit is a plain dict look-up, cheaper than
    any function call. Bounded: past ``_STEMS_KEPT`` words new ones are no longer kept."""

    def __missing__(self, word: str) -> str:
        found = _singular(word)
        if len(self) < _STEMS_KEPT:
            self[word] = found
        return found


_STEMS_KEPT = 16_384
_STEMS = _Stems()
_stem_of = _STEMS.__getitem__


def stem(word: str) -> str:
    """A crude singular: enough for "leads" to meet "lead" and "costs" to meet "cost"."""
    return _stem_of(word)


def is_number(token: str) -> bool:
    return token[:1].isdigit()


# --- Amounts --------------------------------------------------------------------------------

# An amount stands on its own: "10%", "1,000", "5x", "$2M", "3k". Digits glued to letters or
# slashes are names, not amounts: "Q4", "B2B", "24/7", "3D", "1st", "#1", "COVID-19".
_QUANTITY = re.compile(
    r"(?<![\w./#\-])"
    r"(?P<sign>[-+\u00b1~])?(?P<currency>[$\u20ac\u00a3\u00a5])?\s?"
    r"(?P<number>\d+(?:[.,]\d+)*)"
    r"(?P<suffix>\s?(?:%|\u00d7|(?:percent|per\s?cent|pp|pts?|k|m|mm|bn|b|x"
    r"|million|billion|thousand|hundred)\b))?"
    r"(?![\w/])",
    re.IGNORECASE,
)
# Amounts in words, multipliers included: "a million", "in half", "double" (not "double down").
_SPELLED_QUANTITY = re.compile(
    r"\b(?:percent|per\s+cent|a\s+hundred|thousand|million|billion|in\s+half|halve"
    r"|(?:double|triple|quadruple)(?![\s-]+(?:down|check|click)))\b",
    re.IGNORECASE,
)
# A cheap first look: most titles have none of these, and skip the pattern above.
_SPELLED_HINT = re.compile(r"cent|hundred|thousand|illion|hal[fv]|doubl|tripl|quadrupl")
_YEAR = re.compile(r"(?:19|20)\d\d")
_OPENING_PUNCTUATION = "([{\"'\u201c\u2018,;:"
_CLOSING_PUNCTUATION = " .,;:!?)"


def _previous_word(text: str, end: int) -> str:
    # A bounded look-back keeps long titles linear.
    before = text[max(0, end - 24) : end].split()
    return before[-1].lower().strip(_OPENING_PUNCTUATION) if before else ""


def quantities(text: str, lower: str = "") -> list[str]:
    """The amounts written in `text`, as written: ["20%", "$2M"]. Labels and dates are skipped.

    `lower` is `text.lower()` when the caller has it already.
    """
    lower = lower or text.lower()
    found: list[str] = []
    digit = _DIGIT.search(text)
    if digit is not None:
        # An amount starts at most three characters before its first digit ("-$ 5").
        for m in _QUANTITY.finditer(text, max(0, digit.start() - 3)):
            if not (m.group("sign") or m.group("currency") or m.group("suffix")):
                # A bare number may be a label ("phase 2") or a year ("by 2030").
                previous = _previous_word(text, m.start())
                if previous in LABEL_WORDS:
                    continue
                if _YEAR.fullmatch(m.group("number")) and (
                    previous in TIME_WORDS or not text[m.end() :].strip(_CLOSING_PUNCTUATION)
                ):
                    continue
            found.append(m.group(0).strip())
    if _SPELLED_HINT.search(lower):
        found.extend(m.group(0).strip() for m in _SPELLED_QUANTITY.finditer(text))
    return found


# "from 20%", "from $3k"; "to 40%", "to under 2 hours"; "by 20%", "10% more", "double".
# Each pattern starts with a literal, which the regex engine finds with a fast scan instead of
# trying every position; the look-behind after the literal keeps it to the start of a word.
_AMOUNT = r"[-+~]?[$\u20ac\u00a3\u00a5]?\s?\d"
_FROM_AMOUNT = re.compile(
    rf"from(?<!\wfrom)\s+(?:a\s+baseline\s+of\s+|about\s+|around\s+|~)?{_AMOUNT}"
)
_TO_AMOUNT = re.compile(
    r"to(?<!\wto)(?:wards?)?\s+(?:(?:under|below|above|over|less\s+than|more\s+than|at\s+least"
    rf"|at\s+most|just|about|around|roughly|only)\s+)?{_AMOUNT}"
)
_BY_AMOUNT = re.compile(
    rf"by(?<!\wby)\s+{_AMOUNT}[\d.,]*\s?(?:%|percent|pp|points?|x\b|times\b|fold\b)"
)
_AMOUNT_MORE = re.compile(
    r"\d\s?(?:%|percent|x\b)\s+(?:more|less|fewer|higher|lower|faster|cheaper|bigger|smaller"
    r"|increase|decrease|growth|reduction|uplift|up\b|down\b)"
)
_SIGNED_START = re.compile(r"\s*[+-]\s?\d")
_MULTIPLIER = re.compile(r"\b(?:double|triple|quadruple|halve|half)\b")
_MULTIPLIER_HINT = re.compile(r"doubl|tripl|quadrupl|hal[fv]")
# List markers and "we will" before the first real word: "KR1:", "2.", "- ", "We will".
_LEADING_LABEL = re.compile(
    r"\s*(?:(?:kr|key\s+result)\s*\d*\s*[:.)\-]\s*|\d+\s*[.):\-]\s+|[-*\u2022]\s*)?"
    r"(?:(?:we|i)\s+(?:will|shall|must)\s+|to\s+)?"
)


# --- A key result's wording -----------------------------------------------------------------

# What `Phrasing.content` leaves out or folds: filler, and verbs that move a number up or down.
_NOT_CONTENT = STOP_WORDS | UP_WORDS | DOWN_WORDS
_UP = frozenset("+")
_DOWN = frozenset("-")
# The words a vague opening starts with: any other first word needs no further look.
_VAGUE_FIRST_WORDS = frozenset(phrase.split()[0] for phrase in VAGUE_OPENINGS)


def _may_have_label(lower: str) -> bool:
    """Whether ``_LEADING_LABEL`` could match more than nothing at the start of ``lower``: a cheap
    look at its first characters that spares most titles the pattern."""
    first = lower[:1]
    if not first:
        return False
    if first in "-*\u2022" or first.isspace() or first.isdigit():
        return True
    if first == "k":
        return lower.startswith(("kr", "key"))
    if first == "i":
        return lower[1:2].isspace()
    if first in "wt":
        return lower.startswith(("we", "to")) and lower[2:3].isspace()
    return False


def _relative(lower: str) -> bool:
    """A change with no level: "by 20%", "10% more", "5x more", or a leading sign."""
    if "by" in lower and _BY_AMOUNT.search(lower):
        return True
    if ("%" in lower or "percent" in lower or "x" in lower) and _AMOUNT_MORE.search(lower):
        return True
    return lower.lstrip()[:1] in ("+", "-") and _SIGNED_START.match(lower) is not None


class Phrasing:
    """How a key result's title is written, read once and shared by every rule.

    The costlier readings (amounts, "from X", "to Y", a change with no level, content words)
    wait until a rule asks for them: most key results have a target, and then nobody needs to
    know whether the title holds an amount.
    """

    __slots__ = (
        "_content",
        "_has_from",
        "_has_to",
        "_quantities",
        "_relative",
        "digits",
        "lead",
        "lower",
        "stems",
        "title",
        "tokens",
    )

    def __init__(self, title: str) -> None:
        lower = title.lower()
        words = _TOKEN.findall(_compounds(lower))
        self.title = title
        self.lower = lower
        self.tokens = tuple(words)
        # The tokens after list markers and "we will".
        label = _LEADING_LABEL.match(lower) if _may_have_label(lower) else None
        self.lead = (
            tuple(lower_tokens(lower[label.end() :])) if label and label.end() else self.tokens
        )
        # The words without the numbers (a token is all letters or a number).
        letters = list(filter(str.isalpha, words))
        self.stems = frozenset(map(_stem_of, letters))
        # A digit always lands in a number token, so any number token means the title has one.
        self.digits = len(letters) != len(words)
        self._has_from: bool | None = None
        self._has_to: bool | None = None
        self._relative: bool | None = None
        self._quantities: tuple[str, ...] | None = None
        self._content: frozenset[str] | None = None

    @property
    def has_from(self) -> bool:
        """Whether it states where it starts: "from 32"."""
        if self._has_from is None:
            lower = self.lower
            self._has_from = (
                self.digits and "from" in lower and _FROM_AMOUNT.search(lower) is not None
            )
        return self._has_from

    @property
    def has_to(self) -> bool:
        """Whether it states where it ends: "to 55"."""
        if self._has_to is None:
            lower = self.lower
            self._has_to = self.digits and "to" in lower and _TO_AMOUNT.search(lower) is not None
        return self._has_to

    @property
    def relative(self) -> bool:
        """A change with no level: "by 20%", "10% more", "double"."""
        if self._relative is None:
            lower = self.lower
            relative = self.digits and _relative(lower)
            if not relative and _MULTIPLIER_HINT.search(lower):
                relative = _MULTIPLIER.search(lower) is not None
            self._relative = relative
        return self._relative

    @property
    def quantities(self) -> tuple[str, ...]:
        """The amounts in the title, as written."""
        if self._quantities is None:
            self._quantities = tuple(quantities(self.title, self.lower))
        return self._quantities

    @property
    def content(self) -> frozenset[str]:
        """What the key result is about: stems without filler, verbs folded to "+" or "-"."""
        if self._content is None:
            stems = self.stems
            content = stems - _NOT_CONTENT
            if not stems.isdisjoint(UP_WORDS):
                content |= _UP
            if not stems.isdisjoint(DOWN_WORDS):
                content |= _DOWN
            self._content = content
        return self._content

    @property
    def output_verb(self) -> str:
        """The work verb the title starts with ("ship", "roll out"), or ""."""
        lead = self.lead
        if not lead:
            return ""
        first = lead[0]
        if first in OUTPUT_VERBS:
            return first
        if first in MOVE_VERBS and not self.has_from:
            return first
        two = " ".join(lead[:2])
        if two in OUTPUT_PHRASES:
            return two
        if first in RUN_VERBS and self.stems & ACTIVITY_NOUNS:
            return first
        return ""

    @property
    def vague_opening(self) -> str:
        """The vague phrase the title starts with ("improve", "do better"), or ""."""
        lead = self.lead
        if not lead or (lead[0] not in _VAGUE_FIRST_WORDS and lead[0] != "make"):
            return ""
        for size in (3, 2, 1):
            phrase = " ".join(lead[:size])
            if len(lead) >= size and phrase in VAGUE_OPENINGS:
                return phrase
        if lead[:1] == ("make",) and "better" in lead[1:4]:
            return " ".join(lead[: lead.index("better") + 1])
        return ""

    @property
    def measures_something(self) -> bool:
        """Whether a word says what a number would count: "NPS", "rate", "minutes"."""
        return bool(self.stems & MEASURE_WORDS)


# --- An objective as "move this metric" -----------------------------------------------------

MAX_METRIC_WORDS = 8  # longer objectives say more than "move this number"
MAX_SUBJECT_WORDS = 3


@dataclass(frozen=True, slots=True)
class ObjectiveShape:
    """An objective read as "move this": its change words and what it asks to move."""

    changes: bool  # "increase", "grow", "more"...
    metrics: frozenset[str]  # known KPI nouns, as stems
    others: frozenset[str]  # every other word that is not filler
    head: str  # the last word that is neither filler nor change: "cost" in "cut cloud costs"
    words: int

    @property
    def bare_metric(self) -> frozenset[str]:
        """The metrics of an objective that is nothing but "move this KPI", else an empty set.

        "Increase revenue", "Grow MRR by 20%" and "Reduce cloud costs" qualify; "Increase user
        engagement" does not, because engagement is a state with several measures, not one
        number, and neither does "Increase churn reduction initiatives".
        """
        if not self.changes or self.words > MAX_METRIC_WORDS or not self.metrics:
            return frozenset()
        if not self.others or (len(self.others) <= 1 and self.head in self.metrics):
            return self.metrics
        return frozenset()

    @property
    def subject(self) -> frozenset[str]:
        """What a short "move X" objective asks to move, whatever X is; else an empty set."""
        words = self.metrics | self.others
        if self.changes and len(words) <= MAX_SUBJECT_WORDS and self.words <= MAX_METRIC_WORDS:
            return words
        return frozenset()


def objective_shape(objective_tokens: tuple[str, ...]) -> ObjectiveShape:
    stems = list(map(_stem_of, filter(str.isalpha, objective_tokens)))  # numbers left out
    if CHANGE_WORDS.isdisjoint(stems):
        # Nothing asks to move: the rest of the shape does not matter.
        return ObjectiveShape(False, frozenset(), frozenset(), "", len(stems))
    metrics: set[str] = set()
    others: set[str] = set()
    head = ""
    for word in stems:
        if word in CHANGE_WORDS:
            continue
        if word in METRIC_NOUNS:
            metrics.add(word)
        elif word in METRIC_FILLERS:
            continue
        else:
            others.add(word)
        head = word
    return ObjectiveShape(True, frozenset(metrics), frozenset(others), head, len(stems))


def extra_words(kr_stems: frozenset[str], subject: frozenset[str]) -> frozenset[str]:
    """What a key result says beyond a subject, leaving out filler, change and measure words."""
    return kr_stems - subject - METRIC_FILLERS - CHANGE_WORDS - MEASURE_WORDS - STOP_WORDS


# --- Comparing and quoting ------------------------------------------------------------------


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if shared else 0.0


def quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return f"\u201c{text}\u201d"


def number(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"
